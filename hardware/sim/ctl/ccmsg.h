/*
 * ccmsg.h -- the messages of hardware/proto/card_control.proto as C
 * structures, with the field tables pbwire.c walks to encode and decode
 * them. Field numbers, names and enumeration values are those of the
 * .proto; test/test_ccmsg.c checks the encoding against vectors produced
 * from the .proto by protobufjs.
 */
#ifndef SIPT_CCMSG_H
#define SIPT_CCMSG_H

#include <stdint.h>

#include "pbwire.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CC_PROTOCOL_VERSION 1u
#define CC_MAX_SPANS 16u   /* SIPT_CARD_MAX_SPANS */
#define CC_MAX_PORTS 64u   /* SIPT_CARD_MAX_PORTS */

/* Envelope.body case numbers */
#define CC_BODY_NONE 0u
#define CC_BODY_IDENTIFY_REQ 10u
#define CC_BODY_IDENTIFY_RESP 11u
#define CC_BODY_CONFIGURE_SPAN_REQ 12u
#define CC_BODY_CONFIGURE_SPAN_RESP 13u
#define CC_BODY_QUERY_STATUS_REQ 14u
#define CC_BODY_QUERY_STATUS_RESP 15u
#define CC_BODY_SET_LOOPBACK_REQ 16u
#define CC_BODY_SET_LOOPBACK_RESP 17u
#define CC_BODY_INJECT_FAULT_REQ 18u
#define CC_BODY_INJECT_FAULT_RESP 19u
#define CC_BODY_ALARM_EVENT 40u
#define CC_BODY_ERROR 50u

/* InjectFaultRequest.fault case numbers */
#define CC_FAULT_NONE 0u
#define CC_FAULT_ALARM 2u
#define CC_FAULT_SPAN_ERRORS 3u
#define CC_FAULT_SIG_ERRORS 4u
#define CC_FAULT_LINE_CUT 5u

/* enum values (same numbers as the .proto) */
#define CC_LOOPBACK_NONE 0u
#define CC_LOOPBACK_LINE 1u
#define CC_LOOPBACK_PAYLOAD 2u
#define CC_LOOPBACK_LOCAL 3u
#define CC_ALARM_LOS 1u
#define CC_ALARM_LOF 2u
#define CC_ALARM_AIS 3u
#define CC_ALARM_RAI 4u

#define CC_ERR_MALFORMED 1u
#define CC_ERR_UNKNOWN_REQUEST 2u
#define CC_ERR_INVALID_ARGUMENT 3u
#define CC_ERR_NOT_FOUND 4u
#define CC_ERR_BAD_STATE 5u
#define CC_ERR_NOT_SUPPORTED 6u
#define CC_ERR_BUSY 7u
#define CC_ERR_CARD_FAILURE 8u

typedef struct cc_alarm_set {
  uint8_t los, lof, ais, rai;
} cc_alarm_set_t;

typedef struct cc_span_config {
  uint32_t framing, line_code, clock, clock_priority, companding, bearer_mask, sig_mask;
} cc_span_config_t;

typedef struct cc_identify_resp {
  char model[64];
  char firmware[64];
  char serial_number[32];
  uint32_t abi_version, protocol_version, span_count, port_count;
  char driver[32];
} cc_identify_resp_t;

typedef struct cc_configure_span_req {
  uint32_t span;
  uint8_t has_config;
  cc_span_config_t config;
} cc_configure_span_req_t;

typedef struct cc_span_status {
  uint32_t span;
  char name[32];
  uint32_t type;
  uint8_t configured;
  uint8_t has_config;
  cc_span_config_t config;
  cc_alarm_set_t alarms;
  uint8_t clock_source;
  uint64_t slips, bpv, crc_errors, fas_errors, rx_blocks, tx_blocks;
  uint32_t loopback;
  uint8_t line_cut;
  cc_alarm_set_t injected_alarms;
} cc_span_status_t;

typedef struct cc_port_status {
  uint32_t port;
  char name[32];
  uint32_t kind;
  uint8_t off_hook, ringing, reversed, battery;
  uint32_t loop_ma;
} cc_port_status_t;

typedef struct cc_link_counters {
  uint64_t rx_frames, tx_frames, rx_crc_errors, rx_header_errors, rx_garbage_octets, rx_malformed,
      tx_dropped, rx_abandoned;
} cc_link_counters_t;

typedef struct cc_query_status_resp {
  uint32_t nspans;
  cc_span_status_t spans[CC_MAX_SPANS];
  uint32_t nports;
  cc_port_status_t ports[CC_MAX_PORTS];
  cc_link_counters_t link;
  uint64_t uptime_ms;
} cc_query_status_resp_t;

typedef struct cc_set_loopback_req {
  uint32_t span;
  uint32_t mode;
} cc_set_loopback_req_t;

typedef struct cc_alarm_fault {
  uint32_t alarm;
  uint8_t on;
} cc_alarm_fault_t;

typedef struct cc_span_errors {
  uint32_t kind, count;
} cc_span_errors_t;

typedef struct cc_sig_errors {
  uint32_t timeslot, direction, count;
} cc_sig_errors_t;

typedef struct cc_line_cut {
  uint8_t cut;
} cc_line_cut_t;

typedef struct cc_inject_fault_req {
  uint32_t span;
  uint32_t fault; /* CC_FAULT_* */
  cc_alarm_fault_t alarm;
  cc_span_errors_t span_errors;
  cc_sig_errors_t signalling_errors;
  cc_line_cut_t line_cut;
} cc_inject_fault_req_t;

typedef struct cc_alarm_event {
  uint32_t span;
  cc_alarm_set_t alarms;
  cc_alarm_set_t changed;
  uint64_t sequence;
  uint64_t time_ns;
} cc_alarm_event_t;

typedef struct cc_error {
  uint32_t code;
  char text[160];
  int32_t card_error;
} cc_error_t;

typedef struct cc_empty {
  uint8_t unused;
} cc_empty_t;

typedef struct cc_envelope {
  uint32_t id;
  uint32_t body; /* CC_BODY_* */
  cc_empty_t identify_request;
  cc_identify_resp_t identify_response;
  cc_configure_span_req_t configure_span_request;
  cc_empty_t configure_span_response;
  cc_empty_t query_status_request;
  cc_query_status_resp_t query_status_response;
  cc_set_loopback_req_t set_loopback_request;
  cc_empty_t set_loopback_response;
  cc_inject_fault_req_t inject_fault_request;
  cc_empty_t inject_fault_response;
  cc_alarm_event_t alarm_event;
  cc_error_t error;
} cc_envelope_t;

extern const pb_msgdesc_t cc_envelope_desc;

/* Encode an Envelope into buf; returns the length or 0 if it does not fit. */
size_t cc_envelope_encode(const cc_envelope_t *env, uint8_t *buf, size_t cap);
/* Decode an Envelope (env is zeroed first). PB_OK or PB_EMALFORMED + *err. */
int cc_envelope_decode(cc_envelope_t *env, const uint8_t *buf, size_t len, pb_error_t *err);

/* SIPT_ALARM_* bits <-> AlarmSet */
cc_alarm_set_t cc_alarm_set_from_bits(uint32_t bits);
uint32_t cc_alarm_set_to_bits(const cc_alarm_set_t *s);

#ifdef __cplusplus
}
#endif

#endif
