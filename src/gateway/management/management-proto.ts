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
  }
}

message Response {
  uint32 id = 1;
  oneof body {
    Error error = 2;
    StatusReply status = 10;
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
`;
