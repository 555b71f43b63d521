/*
 * ccmsg.c -- field tables of hardware/proto/card_control.proto (one table
 * per message; pbwire.c's walker does the rest).
 */
#include "ccmsg.h"

#include <stddef.h>
#include <string.h>

#include "../../abi/sipt_card.h"

#define NONE_OFF (-1L)
#define F_SCALAR(num, kind, T, m) {num, kind, #m, offsetof(T, m), sizeof(((T *)0)->m), NULL, 0, 0, NONE_OFF, NONE_OFF}
#define F_U32(num, T, m) F_SCALAR(num, PBK_UINT32, T, m)
#define F_U64(num, T, m) F_SCALAR(num, PBK_UINT64, T, m)
#define F_BOOL(num, T, m) F_SCALAR(num, PBK_BOOL, T, m)
#define F_SINT32(num, T, m) F_SCALAR(num, PBK_SINT32, T, m)
#define F_STR(num, T, m) F_SCALAR(num, PBK_STRING, T, m)
/* embedded message, always encoded */
#define F_MSG(num, T, m, sub) {num, PBK_MESSAGE, #m, offsetof(T, m), 0, &(sub), 0, 0, NONE_OFF, NONE_OFF}
/* embedded message encoded when T.has is set; decoding sets it */
#define F_OPT(num, T, m, sub, has) \
  {num, PBK_MESSAGE, #m, offsetof(T, m), 0, &(sub), 0, 0, (long)offsetof(T, has), NONE_OFF}
#define F_REP(num, T, m, sub, cnt, mx) {num, PBK_REPEATED_MSG, #m, offsetof(T, m), 0, &(sub), offsetof(T, cnt), mx, NONE_OFF, NONE_OFF}
/* oneof member (an embedded message) selected by T.which == num */
#define F_ONEOF(num, T, m, sub, which) \
  {num, PBK_MESSAGE, #m, offsetof(T, m), 0, &(sub), 0, 0, NONE_OFF, (long)offsetof(T, which)}
#define MSG(name, T, table) {name, sizeof(T), table, sizeof(table) / sizeof(table[0])}

static const pb_msgdesc_t empty_desc = {"Empty", sizeof(cc_empty_t), NULL, 0};

static const pb_fielddesc_t alarm_set_fields[] = {
    F_BOOL(1, cc_alarm_set_t, los),
    F_BOOL(2, cc_alarm_set_t, lof),
    F_BOOL(3, cc_alarm_set_t, ais),
    F_BOOL(4, cc_alarm_set_t, rai),
};
static const pb_msgdesc_t alarm_set_desc = MSG("AlarmSet", cc_alarm_set_t, alarm_set_fields);

static const pb_fielddesc_t span_config_fields[] = {
    F_U32(1, cc_span_config_t, framing),        F_U32(2, cc_span_config_t, line_code),
    F_U32(3, cc_span_config_t, clock),          F_U32(4, cc_span_config_t, clock_priority),
    F_U32(5, cc_span_config_t, companding),     F_U32(6, cc_span_config_t, bearer_mask),
    F_U32(7, cc_span_config_t, sig_mask),
};
static const pb_msgdesc_t span_config_desc = MSG("SpanConfig", cc_span_config_t, span_config_fields);

static const pb_fielddesc_t identify_resp_fields[] = {
    F_STR(1, cc_identify_resp_t, model),          F_STR(2, cc_identify_resp_t, firmware),
    F_STR(3, cc_identify_resp_t, serial_number),  F_U32(4, cc_identify_resp_t, abi_version),
    F_U32(5, cc_identify_resp_t, protocol_version), F_U32(6, cc_identify_resp_t, span_count),
    F_U32(7, cc_identify_resp_t, port_count),     F_STR(8, cc_identify_resp_t, driver),
};
static const pb_msgdesc_t identify_resp_desc = MSG("IdentifyResponse", cc_identify_resp_t, identify_resp_fields);

static const pb_fielddesc_t configure_span_req_fields[] = {
    F_U32(1, cc_configure_span_req_t, span),
    F_OPT(2, cc_configure_span_req_t, config, span_config_desc, has_config),
};
static const pb_msgdesc_t configure_span_req_desc =
    MSG("ConfigureSpanRequest", cc_configure_span_req_t, configure_span_req_fields);

static const pb_fielddesc_t span_status_fields[] = {
    F_U32(1, cc_span_status_t, span),
    F_STR(2, cc_span_status_t, name),
    F_U32(3, cc_span_status_t, type),
    F_BOOL(4, cc_span_status_t, configured),
    F_OPT(5, cc_span_status_t, config, span_config_desc, has_config),
    F_MSG(6, cc_span_status_t, alarms, alarm_set_desc),
    F_BOOL(7, cc_span_status_t, clock_source),
    F_U64(8, cc_span_status_t, slips),
    F_U64(9, cc_span_status_t, bpv),
    F_U64(10, cc_span_status_t, crc_errors),
    F_U64(11, cc_span_status_t, fas_errors),
    F_U64(12, cc_span_status_t, rx_blocks),
    F_U64(13, cc_span_status_t, tx_blocks),
    F_U32(14, cc_span_status_t, loopback),
    F_BOOL(15, cc_span_status_t, line_cut),
    F_MSG(16, cc_span_status_t, injected_alarms, alarm_set_desc),
};
static const pb_msgdesc_t span_status_desc = MSG("SpanStatus", cc_span_status_t, span_status_fields);

static const pb_fielddesc_t port_status_fields[] = {
    F_U32(1, cc_port_status_t, port),      F_STR(2, cc_port_status_t, name),
    F_U32(3, cc_port_status_t, kind),      F_BOOL(4, cc_port_status_t, off_hook),
    F_BOOL(5, cc_port_status_t, ringing),  F_BOOL(6, cc_port_status_t, reversed),
    F_BOOL(7, cc_port_status_t, battery),  F_U32(8, cc_port_status_t, loop_ma),
};
static const pb_msgdesc_t port_status_desc = MSG("PortStatus", cc_port_status_t, port_status_fields);

static const pb_fielddesc_t link_counters_fields[] = {
    F_U64(1, cc_link_counters_t, rx_frames),         F_U64(2, cc_link_counters_t, tx_frames),
    F_U64(3, cc_link_counters_t, rx_crc_errors),     F_U64(4, cc_link_counters_t, rx_header_errors),
    F_U64(5, cc_link_counters_t, rx_garbage_octets), F_U64(6, cc_link_counters_t, rx_malformed),
    F_U64(7, cc_link_counters_t, tx_dropped),        F_U64(8, cc_link_counters_t, rx_abandoned),
};
static const pb_msgdesc_t link_counters_desc = MSG("LinkCounters", cc_link_counters_t, link_counters_fields);

static const pb_fielddesc_t query_status_resp_fields[] = {
    F_REP(1, cc_query_status_resp_t, spans, span_status_desc, nspans, CC_MAX_SPANS),
    F_REP(2, cc_query_status_resp_t, ports, port_status_desc, nports, CC_MAX_PORTS),
    F_MSG(3, cc_query_status_resp_t, link, link_counters_desc),
    F_U64(4, cc_query_status_resp_t, uptime_ms),
};
static const pb_msgdesc_t query_status_resp_desc =
    MSG("QueryStatusResponse", cc_query_status_resp_t, query_status_resp_fields);

static const pb_fielddesc_t set_loopback_req_fields[] = {
    F_U32(1, cc_set_loopback_req_t, span),
    F_U32(2, cc_set_loopback_req_t, mode),
};
static const pb_msgdesc_t set_loopback_req_desc = MSG("SetLoopbackRequest", cc_set_loopback_req_t, set_loopback_req_fields);

static const pb_fielddesc_t alarm_fault_fields[] = {
    F_U32(1, cc_alarm_fault_t, alarm),
    F_BOOL(2, cc_alarm_fault_t, on),
};
static const pb_msgdesc_t alarm_fault_desc = MSG("AlarmFault", cc_alarm_fault_t, alarm_fault_fields);

static const pb_fielddesc_t span_errors_fields[] = {
    F_U32(1, cc_span_errors_t, kind),
    F_U32(2, cc_span_errors_t, count),
};
static const pb_msgdesc_t span_errors_desc = MSG("SpanErrors", cc_span_errors_t, span_errors_fields);

static const pb_fielddesc_t sig_errors_fields[] = {
    F_U32(1, cc_sig_errors_t, timeslot),
    F_U32(2, cc_sig_errors_t, direction),
    F_U32(3, cc_sig_errors_t, count),
};
static const pb_msgdesc_t sig_errors_desc = MSG("SignallingErrors", cc_sig_errors_t, sig_errors_fields);

static const pb_fielddesc_t line_cut_fields[] = {
    F_BOOL(1, cc_line_cut_t, cut),
};
static const pb_msgdesc_t line_cut_desc = MSG("LineCut", cc_line_cut_t, line_cut_fields);

static const pb_fielddesc_t inject_fault_req_fields[] = {
    F_U32(1, cc_inject_fault_req_t, span),
    F_ONEOF(2, cc_inject_fault_req_t, alarm, alarm_fault_desc, fault),
    F_ONEOF(3, cc_inject_fault_req_t, span_errors, span_errors_desc, fault),
    F_ONEOF(4, cc_inject_fault_req_t, signalling_errors, sig_errors_desc, fault),
    F_ONEOF(5, cc_inject_fault_req_t, line_cut, line_cut_desc, fault),
};
static const pb_msgdesc_t inject_fault_req_desc =
    MSG("InjectFaultRequest", cc_inject_fault_req_t, inject_fault_req_fields);

static const pb_fielddesc_t alarm_event_fields[] = {
    F_U32(1, cc_alarm_event_t, span),
    F_MSG(2, cc_alarm_event_t, alarms, alarm_set_desc),
    F_MSG(3, cc_alarm_event_t, changed, alarm_set_desc),
    F_U64(4, cc_alarm_event_t, sequence),
    F_U64(5, cc_alarm_event_t, time_ns),
};
static const pb_msgdesc_t alarm_event_desc = MSG("AlarmEvent", cc_alarm_event_t, alarm_event_fields);

static const pb_fielddesc_t error_fields[] = {
    F_U32(1, cc_error_t, code),
    F_STR(2, cc_error_t, text),
    F_SINT32(3, cc_error_t, card_error),
};
static const pb_msgdesc_t error_desc = MSG("Error", cc_error_t, error_fields);

static const pb_fielddesc_t envelope_fields[] = {
    F_U32(1, cc_envelope_t, id),
    F_ONEOF(10, cc_envelope_t, identify_request, empty_desc, body),
    F_ONEOF(11, cc_envelope_t, identify_response, identify_resp_desc, body),
    F_ONEOF(12, cc_envelope_t, configure_span_request, configure_span_req_desc, body),
    F_ONEOF(13, cc_envelope_t, configure_span_response, empty_desc, body),
    F_ONEOF(14, cc_envelope_t, query_status_request, empty_desc, body),
    F_ONEOF(15, cc_envelope_t, query_status_response, query_status_resp_desc, body),
    F_ONEOF(16, cc_envelope_t, set_loopback_request, set_loopback_req_desc, body),
    F_ONEOF(17, cc_envelope_t, set_loopback_response, empty_desc, body),
    F_ONEOF(18, cc_envelope_t, inject_fault_request, inject_fault_req_desc, body),
    F_ONEOF(19, cc_envelope_t, inject_fault_response, empty_desc, body),
    F_ONEOF(40, cc_envelope_t, alarm_event, alarm_event_desc, body),
    F_ONEOF(50, cc_envelope_t, error, error_desc, body),
};
const pb_msgdesc_t cc_envelope_desc = MSG("Envelope", cc_envelope_t, envelope_fields);

size_t cc_envelope_encode(const cc_envelope_t *env, uint8_t *buf, size_t cap) {
  pb_writer_t w;
  pbw_init(&w, buf, cap);
  if (pb_encode(&w, &cc_envelope_desc, env) != PB_OK) return 0;
  return w.len;
}

int cc_envelope_decode(cc_envelope_t *env, const uint8_t *buf, size_t len, pb_error_t *err) {
  memset(env, 0, sizeof *env);
  return pb_decode(&cc_envelope_desc, env, buf, len, err);
}

cc_alarm_set_t cc_alarm_set_from_bits(uint32_t bits) {
  cc_alarm_set_t s;
  s.los = (bits & SIPT_ALARM_LOS) != 0;
  s.lof = (bits & SIPT_ALARM_LOF) != 0;
  s.ais = (bits & SIPT_ALARM_AIS) != 0;
  s.rai = (bits & SIPT_ALARM_RAI) != 0;
  return s;
}

uint32_t cc_alarm_set_to_bits(const cc_alarm_set_t *s) {
  return (s->los ? SIPT_ALARM_LOS : 0u) | (s->lof ? SIPT_ALARM_LOF : 0u) | (s->ais ? SIPT_ALARM_AIS : 0u) |
         (s->rai ? SIPT_ALARM_RAI : 0u);
}
