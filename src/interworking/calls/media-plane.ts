/**
 * The media a call needs, seen from interworking: the gateway's media plane
 * (src/media/gateway-media.ts: the switch, where a circuit sits in it, span
 * laws, RTP address, stream defaults), and where a circuit's bearer is.
 */
export type { GatewayMedia as CallMediaPlane } from "../../media/gateway-media.js";

/** Where a circuit's bearer is on the card. */
export interface BearerLocation {
  readonly span: number;
  readonly timeslot: number;
}
