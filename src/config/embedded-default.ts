/**
 * The configuration used when no file is given: the simulated card with its
 * far ends, SIP on loopback. A newcomer runs `sipt-gw start` and has a
 * gateway to call without touching hardware.
 */
export const EMBEDDED_DEFAULT_YAML = `# sipt-gw embedded default: the simulated card and its far ends, SIP on loopback.
log:
  level: info
  format: auto
card:
  driver: sim
  profile: sim-2e1-4fxs-4fxo
  controlPort: auto
  blockBytes: 160
  spans:
    - span: 1
      type: e1
      framing: crc4
      lineCode: hdb3
      clock: master
      signalling: [16]
    - span: 2
      type: e1
      framing: crc4
      lineCode: hdb3
      clock: master
      signalling: [16]
sip:
  listen:
    - { transport: udp, address: 127.0.0.1, port: 5060 }
    - { transport: tcp, address: 127.0.0.1, port: 5060 }
timers: {}
`;
