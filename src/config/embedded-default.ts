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
# SS7 on span 1: one link in timeslot 16 towards the simulated PSTN switch
# (sipt-gw farend ss7 --sig <card run dir>/span1-ts16.sig --opc 2 --dpc 1),
# 30 circuits: CIC n on timeslot n.
ss7:
  variant: itu
  pointCode: 1
  networkIndicator: national
  linksets:
    - name: pstn
      adjacentPointCode: 2
      links:
        - { span: 1, timeslot: 16, slc: 0 }
  trunks:
    - name: pstn
      pointCode: 2
      span: 1
      circuits:
        - { cics: 1-15, timeslots: 1-15 }
        - { cics: 17-31, timeslots: 17-31 }
      hunting: odd-even
sip:
  listen:
    - { transport: udp, address: 127.0.0.1, port: 5060 }
    - { transport: tcp, address: 127.0.0.1, port: 5060 }
timers: {}
`;
