/**
 * The management API: the messages the control socket speaks, the same API a
 * remote operator tool would use. Protocol buffers (proto3); each message on
 * the socket is framed by a 4-octet big-endian length (framing.ts).
 * Kept as text here so the running gateway and the command line load the
 * very same definition.
 */
export const MANAGEMENT_PROTO = `
syntax = "proto3";
package siptgw.management.v1;

message Request {
  uint32 id = 1;
  oneof body {
    StatusRequest status = 10;
    ListLinksRequest list_links = 11;
    ListCircuitsRequest list_circuits = 12;
    CircuitActionRequest circuit_action = 13;
    ListDChannelsRequest list_d_channels = 20;
    ListBChannelsRequest list_b_channels = 21;
    BChannelRestartRequest b_channel_restart = 22;
    ListCallsRequest list_calls = 30;
  }
}

message Response {
  uint32 id = 1;
  oneof body {
    Error error = 2;
    StatusReply status = 10;
    ListLinksReply links = 11;
    ListCircuitsReply circuits = 12;
    CircuitActionReply circuit_action = 13;
    ListDChannelsReply d_channels = 20;
    ListBChannelsReply b_channels = 21;
    BChannelRestartReply b_channel_restart = 22;
    ListCallsReply calls = 30;
  }
}

message Error {
  // "unknown-request", "bad-request", "failed"
  string code = 1;
  string message = 2;
}

message StatusRequest {}

message ListCallsRequest {}

// One call through the gateway: its two legs and how far it got.
message CallRow {
  uint32 id = 1;
  // "pstn-to-sip", "sip-to-pstn", "qsig-to-sip", "sip-to-qsig"
  string direction = 2;
  string state = 3;
  // The TDM leg: the ISUP or QSIG trunk and its CIC or B-channel (0: none yet).
  string tdm_trunk = 4;
  uint32 circuit = 5;
  string sip_trunk = 6;
  string call_id = 7;
  string called = 8;
  uint64 started_ms = 9;
  // 0: not answered.
  uint64 answered_ms = 10;
}

message ListCallsReply {
  repeated CallRow calls = 1;
}

message ComponentStatus {
  string name = 1;
  string state = 2;
  string detail = 3;
}

message StatusReply {
  string version = 1;
  uint64 uptime_ms = 2;
  string config_source = 3;
  uint32 pid = 4;
  repeated ComponentStatus components = 5;
}

// SS7 signalling links (Q.704): every link, linkset and destination.
message ListLinksRequest {}

message SignallingLinkStatus {
  string linkset = 1;
  uint32 slc = 2;
  uint32 span = 3;
  uint32 timeslot = 4;
  // MTP3 signalling link state (Q.704 §3, §12), e.g. "Available", "Aligning".
  string state = 5;
  // MTP2 link state control state (Q.703 §7), e.g. "InService", "InitialAlignment".
  string level2 = 6;
  uint64 frames_tx = 7;
  uint64 frames_rx = 8;
  uint64 msus_tx = 9;
  uint64 msus_rx = 10;
  uint64 su_errors = 11;
}

message LinksetStatus {
  string name = 1;
  // Point codes as text: ITU zone-area-point, ANSI network-cluster-member.
  string adjacent_point_code = 2;
  string state = 3;
}

message RouteStatus {
  string linkset = 1;
  // "allowed", "restricted", "prohibited" (Q.704 §13)
  string status = 2;
}

message DestinationStatus {
  string point_code = 1;
  bool accessible = 2;
  // Linkset in use; empty when inaccessible.
  string via = 3;
  repeated RouteStatus routes = 4;
}

message ListLinksReply {
  string variant = 1;
  string point_code = 2;
  repeated LinksetStatus linksets = 3;
  repeated SignallingLinkStatus links = 4;
  repeated DestinationStatus destinations = 5;
}

// ISUP circuits (Q.764). A range of CICs of one trunk; an empty trunk name
// means the one trunk holding every CIC of the range.
message CicRange {
  uint32 first = 1;
  uint32 last = 2;
}

message ListCircuitsRequest {
  string trunk = 1;
  // Absent: every circuit.
  CicRange range = 2;
}

message CircuitStatus {
  string trunk = 1;
  string point_code = 2;
  uint32 cic = 3;
  uint32 span = 4;
  uint32 timeslot = 5;
  // Call state of the circuit's call control (Idle, AwaitAcm, Answered, ...).
  string call_state = 6;
  // 0 when no call.
  uint32 call_id = 7;
  // Local blocking: "unblocked", "blocking", "blocked", "unblocking".
  string local_maintenance = 8;
  string local_hardware = 9;
  bool remote_maintenance = 10;
  bool remote_hardware = 11;
  bool remote_unequipped = 12;
  // Maintenance procedures in progress: RSC, BLO, UBL, GRS.
  repeated string procedures = 13;
}

message ListCircuitsReply {
  repeated CircuitStatus circuits = 1;
}

message CircuitActionRequest {
  // "block", "unblock", "reset", "query"
  string action = 1;
  string trunk = 2;
  CicRange range = 3;
  // For block/unblock of a range: "maintenance" (default) or "hardware".
  string blocking_type = 4;
}

message CircuitDiscrepancy {
  uint32 cic = 1;
  repeated string actions = 2;
}

message CircuitActionReply {
  string trunk = 1;
  uint32 first = 2;
  uint32 last = 3;
  // The message(s) sent: BLO, UBL, RSC for one circuit; CGB, CGU, GRS, CQM for a range.
  string procedure = 4;
  // query: whether the CQR came before T28 expired, and what differed.
  bool answered = 5;
  repeated CircuitDiscrepancy discrepancies = 6;
}

// PRI / QSIG D-channels (Q.921 data link, Q.931 entity) with maintenance counters.
// An empty trunk name: every ISDN trunk.
message ListDChannelsRequest {
  string trunk = 1;
}

message DChannelStatus {
  string trunk = 1;
  uint32 span = 2;
  uint32 timeslot = 3;
  // "network" or "user"
  string side = 4;
  // "qsig" or "q931"
  string mode = 5;
  // Q.921 data link state (Annex B), e.g. "MultipleFrameEstablished".
  string level2 = 6;
  bool established = 7;
  // The span is in LOS, LOF or AIS.
  bool physical_down = 8;
  // Global call reference: "Rest0", or "Rest1" while a RESTART awaits its acknowledgement (Q.931 §5.5).
  string restart_state = 9;
  uint32 calls = 10;
  uint32 b_channels_idle = 11;
  uint32 b_channels_reserved = 12;
  uint32 b_channels_maintenance = 13;
  uint64 frames_tx = 14;
  uint64 frames_rx = 15;
  uint64 invalid_frames = 16;
  uint64 retransmitted_i = 17;
  uint64 messages_tx = 18;
  uint64 messages_rx = 19;
  uint64 undecodable = 20;
  // MDL-ERROR indications (Q.921 Appendix II) and the last code ("" when none).
  uint64 mdl_errors = 21;
  string last_mdl_error = 22;
  uint64 establishments = 23;
  uint64 link_failures = 24;
  uint64 restarts_requested = 25;
  uint64 restarts_acknowledged = 26;
  uint64 restarts_failed = 27;
  uint64 restarts_received = 28;
  uint64 calls_in = 29;
  uint64 calls_out = 30;
  // Calls cleared while the data link was down (Q.931 §5.8.9).
  uint64 calls_cleared_by_link_failure = 31;
}

message ListDChannelsReply {
  repeated DChannelStatus d_channels = 1;
}

// B-channels of one ISDN trunk, or of all (empty trunk name).
message ListBChannelsRequest {
  string trunk = 1;
}

message BChannelStatus {
  string trunk = 1;
  // Channel identification number (Q.931 §4.5.13).
  uint32 channel = 2;
  uint32 span = 3;
  uint32 timeslot = 4;
  // "idle", "reserved", "maintenance"
  string state = 5;
  // 0 when no call holds the channel.
  uint32 call_reference = 6;
  // "in" or "out"; "" when no call.
  string direction = 7;
  string call_state = 8;
}

message ListBChannelsReply {
  repeated BChannelStatus b_channels = 1;
}

// RESTART (Q.931 §5.5.1) of B-channels; no channels: the whole interface.
message BChannelRestartRequest {
  string trunk = 1;
  repeated uint32 channels = 2;
}

message BChannelRestartReply {
  string trunk = 1;
  repeated uint32 channels = 2;
}
`;
