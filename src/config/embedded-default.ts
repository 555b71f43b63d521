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
# (started with the gateway, see farends), 30 circuits: CIC n on timeslot n.
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
# QSIG on span 2: the D-channel in timeslot 16 towards the simulated PBX
# (started with the gateway, see farends), this end the network side;
# B-channel n on timeslot n.
isdn:
  trunks:
    - name: pbx
      span: 2
      dChannel: 16
      side: network
      mode: qsig
      bChannels: [1-15, 17-31]
sip:
  listen:
    - { transport: udp, address: 127.0.0.1, port: 5060 }
    - { transport: tcp, address: 127.0.0.1, port: 5060 }
# Calls: the PSTN trunk and the PBX trunk to the SIP trunk and back. SIP calls
# come from 127.0.0.1 (any port): 7xxx go to the PBX, everything else to the
# PSTN; calls from the PSTN and the PBX go to 127.0.0.1:5070.
routing:
  countryCode: "1"
  sipTrunks:
    - name: sip
      peers:
        - { host: 127.0.0.1, port: 5070, transport: udp }
      sipt: "off"
  routes:
    - { name: pstn-to-sip, from: [pstn], prefix: "", to: [sip] }
    - { name: sip-to-pstn, from: [sip], prefix: "", to: [pstn] }
    - { name: pbx-to-sip, from: [pbx], prefix: "", to: [sip] }
    - { name: sip-to-pbx, from: [sip], prefix: "7", to: [pbx], minDigits: 4 }
# The simulated PSTN switch on span 1 (libss7): 5551xxx answers after one
# second of ringing and echoes the audio back, 5552xxx rings until cancelled,
# 5590ccc is released at once with Q.850 cause ccc (5590017: user busy).
# Drive it: sipt-gw farend call --called 5551234 (a call from the PSTN).
farends:
  - name: pstn-switch
    kind: ss7
    span: 1
    timeslot: 16
    pointCode: 2
    peerPointCode: 1
    rules:
      - { prefix: "5551", action: answer, after_ms: 1000, echo: true }
      - { prefix: "5552", action: ring }
      - { prefix: "5590", action: release, cause_from_digits: 3 }
# The simulated PBX on span 2 (libpri, QSIG, user side): extensions 7xxx answer
# after one second of ringing and echo the audio back.
  - name: pbx
    kind: pbx
    span: 2
    timeslot: 16
    side: user
    rules:
      - { prefix: "7", action: answer, after_ms: 1000, echo: true }
# Media: RTP on loopback, RFC 4733 DTMF, G.168 echo canceller with a 64 ms tail, 20 ms packets.
media:
  rtpAddress: 127.0.0.1
  dtmfMode: rfc4733
  echoCanceller: { enabled: true, tailMs: 64 }
  ptimeMs: 20
  jitterBuffer: { minMs: 20, maxMs: 200 }
timers: {}
`;
