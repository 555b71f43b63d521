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
  }
}

message Error {
  // "unknown-request", "bad-request", "failed"
  string code = 1;
  string message = 2;
}

message StatusRequest {}

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
`;
