import { parse } from "sdp-transform";
import { describe, expect, it } from "vitest";
import { answerDirection, chooseAudio, choosePtime, codecOfPayload, coversDtmf, mediaAttributes, type SdpAudioMedia } from "./codec-choice.js";

function audioOf(sdp: string): SdpAudioMedia {
  const m = parse(sdp).media[0];
  if (m === undefined) throw new Error("no m= line");
  return m as unknown as SdpAudioMedia;
}

const offer = (mline: string, extra = ""): string =>
  `v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n${mline}\r\n${extra}`;

describe("chooseAudio", () => {
  it("takes the codec of the TDM law when offered, to avoid transcoding (RFC 3264 §6.1)", () => {
    const m = audioOf(offer("m=audio 4000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\n"));
    const r = chooseAudio(m, { tdmLaw: "alaw" });
    expect(r).toEqual({ ok: true, value: { codec: "PCMA", payloadType: 8, telephoneEventPt: 101, ptimeMs: 20, direction: "sendrecv", transcoding: false } });
    const u = chooseAudio(m, { tdmLaw: "alaw", honourOfferOrder: true });
    expect(u.ok && u.value).toMatchObject({ codec: "PCMU", payloadType: 0, transcoding: true });
  });

  it("uses static payload types without rtpmap and dynamic ones by name, case-insensitively", () => {
    const m = audioOf(offer("m=audio 4000 RTP/AVP 96 18", "a=rtpmap:96 pcmu/8000\r\na=rtpmap:18 G729/8000\r\n"));
    expect(codecOfPayload(m, 96)).toBe("PCMU");
    expect(codecOfPayload(m, 18)).toBeUndefined();
    expect(codecOfPayload(audioOf(offer("m=audio 4000 RTP/AVP 8")), 8)).toBe("PCMA");
    const r = chooseAudio(m, { tdmLaw: "alaw" });
    expect(r.ok && r.value).toMatchObject({ codec: "PCMU", payloadType: 96, transcoding: true });
    expect(r.ok && r.value.telephoneEventPt).toBeUndefined();
  });

  it("refuses an offer without G.711, and non-audio media", () => {
    const r = chooseAudio(audioOf(offer("m=audio 4000 RTP/AVP 18", "a=rtpmap:18 G729/8000\r\n")), { tdmLaw: "ulaw" });
    expect(r).toMatchObject({ ok: false, clause: "RFC 3264 §6.1" });
    expect(chooseAudio(audioOf(offer("m=video 4000 RTP/AVP 96")), { tdmLaw: "ulaw" }).ok).toBe(false);
  });

  it("refuses 16 kHz or stereo G.711 and telephone-event at another rate", () => {
    const m = audioOf(offer("m=audio 4000 RTP/AVP 97 98 99 0", "a=rtpmap:97 PCMA/16000\r\na=rtpmap:98 PCMA/8000/2\r\na=rtpmap:99 telephone-event/16000\r\n"));
    const r = chooseAudio(m, { tdmLaw: "alaw" });
    expect(r.ok && r.value).toEqual({ codec: "PCMU", payloadType: 0, ptimeMs: 20, direction: "sendrecv", transcoding: true });
  });

  it("answers direction per RFC 3264 §6.1 and limits it by ours", () => {
    expect(answerDirection("sendonly")).toBe("recvonly");
    expect(answerDirection("recvonly")).toBe("sendonly");
    expect(answerDirection("inactive")).toBe("inactive");
    expect(answerDirection(undefined)).toBe("sendrecv");
    expect(answerDirection("sendrecv", "recvonly")).toBe("recvonly");
    expect(answerDirection("sendonly", "sendonly")).toBe("inactive");
  });

  it("sends with the ptime asked for, bounded by maxptime", () => {
    expect(choosePtime(30, undefined)).toBe(30);
    expect(choosePtime(40, undefined)).toBe(30);
    expect(choosePtime(20, 10)).toBe(10);
    expect(choosePtime(undefined, undefined)).toBe(20);
    expect(choosePtime(undefined, 30)).toBe(20);
  });

  it("reads RFC 4733 §2.4.1 event lists", () => {
    expect(coversDtmf(undefined)).toBe(true);
    expect(coversDtmf("0-15")).toBe(true);
    expect(coversDtmf("0-9,10,11,12-15,66")).toBe(true);
    expect(coversDtmf("0-11")).toBe(false);
    expect(coversDtmf("junk")).toBe(false);
  });

  it("writes the answer's attributes in sdp-transform's shape", () => {
    expect(mediaAttributes({ codec: "PCMA", payloadType: 8, telephoneEventPt: 101, ptimeMs: 20, direction: "sendrecv" })).toEqual({
      payloads: "8 101",
      rtp: [
        { payload: 8, codec: "PCMA", rate: 8000 },
        { payload: 101, codec: "telephone-event", rate: 8000 },
      ],
      fmtp: [{ payload: 101, config: "0-15" }],
      ptime: 20,
      direction: "sendrecv",
    });
  });
});
