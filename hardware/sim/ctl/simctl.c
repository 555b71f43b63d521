/*
 * simctl.c -- the simulated card's serial control endpoint (simctl.h).
 *
 * Implements the card side of hardware/proto: framing (frame.c), the
 * Envelope messages (ccmsg.c), request dispatch onto simctl_ops_t, and
 * AlarmEvent on every change of a span's reported alarm bits.
 *
 * Threading: one thread per endpoint owns the pty master, the receive
 * deframer, the transmit buffer and every call into the card. The only
 * state shared with other threads is the alarm queue the listener callback
 * fills (qmu) and the stop flag.
 */
#define _GNU_SOURCE
#include "simctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ccmsg.h"
#include "frame.h"

#define TX_CAP (64u * 1024u)
#define ALARM_Q 256u
#define READ_CHUNK 4096u
#define MAX_INJECT_COUNT 1000000u

typedef struct alarm_change {
  uint32_t span, alarms, changed;
  uint64_t time_ns;
} alarm_change_t;

struct simctl {
  simctl_ops_t ops;
  int master, slave, wakefd;
  char pty[64];
  char link[PATH_MAX];
  char firmware[64];
  pthread_t thread;
  int thread_started;
  atomic_int stop;

  pthread_mutex_t qmu; /* guards q, qhead, qcount, qlost */
  alarm_change_t q[ALARM_Q];
  uint32_t qhead, qcount;
  uint64_t qlost;

  /* endpoint thread only */
  int listening;
  int have_info;
  uint32_t nspans, nports;
  uint32_t last_alarms[CC_MAX_SPANS + 1];
  uint64_t seq;
  uint64_t start_ms, last_rx_ms, next_poll_ms, master_quiet_until_ms;
  cc_link_counters_t ctr;
  cc_deframer_t rx;
  size_t tx_len;
  uint8_t tx[TX_CAP];
  uint8_t payload[CC_MAX_PAYLOAD];
  uint8_t frame[CC_MAX_FRAME];
  cc_envelope_t in, out;
};

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ms(void) {
  return mono_ns() / 1000000u;
}

/* ---- transmit ------------------------------------------------------------ */

static void flush_tx(simctl_t *ep) {
  size_t off = 0;
  while (off < ep->tx_len) {
    ssize_t n = write(ep->master, ep->tx + off, ep->tx_len - off);
    if (n > 0) {
      off += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    /* the pty failed: what is buffered cannot be delivered */
    ep->ctr.tx_dropped++;
    off = ep->tx_len;
  }
  if (off > 0) {
    memmove(ep->tx, ep->tx + off, ep->tx_len - off);
    ep->tx_len -= off;
  }
}

/* Queue ep->out as one frame: whole frames only, dropped (and counted) when
 * the transmit buffer cannot take all of it. */
static void send_out(simctl_t *ep) {
  size_t n = cc_envelope_encode(&ep->out, ep->payload, sizeof ep->payload);
  if (n == 0 && ep->out.body != CC_BODY_NONE) {
    /* Our own response did not fit the largest frame: say so instead. */
    uint32_t id = ep->out.id;
    memset(&ep->out, 0, sizeof ep->out);
    ep->out.id = id;
    ep->out.body = CC_BODY_ERROR;
    ep->out.error.code = CC_ERR_CARD_FAILURE;
    snprintf(ep->out.error.text, sizeof ep->out.error.text, "response larger than the %u-octet frame limit",
             CC_MAX_PAYLOAD);
    n = cc_envelope_encode(&ep->out, ep->payload, sizeof ep->payload);
  }
  size_t flen = cc_frame_encode(ep->payload, n, ep->frame, sizeof ep->frame);
  if (flen == 0 || TX_CAP - ep->tx_len < flen) {
    ep->ctr.tx_dropped++;
    return;
  }
  memcpy(ep->tx + ep->tx_len, ep->frame, flen);
  ep->tx_len += flen;
  ep->ctr.tx_frames++;
  flush_tx(ep);
}

static void begin_out(simctl_t *ep, uint32_t id, uint32_t body) {
  memset(&ep->out, 0, sizeof ep->out);
  ep->out.id = id;
  ep->out.body = body;
}

static void send_error(simctl_t *ep, uint32_t id, uint32_t code, int card_err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void send_error(simctl_t *ep, uint32_t id, uint32_t code, int card_err, const char *fmt, ...) {
  begin_out(ep, id, CC_BODY_ERROR);
  ep->out.error.code = code;
  ep->out.error.card_error = card_err;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ep->out.error.text, sizeof ep->out.error.text, fmt, ap);
  va_end(ap);
  send_out(ep);
}

static uint32_t code_of_card_error(int err) {
  switch (err) {
    case SIPT_CARD_EINVAL:
    case SIPT_CARD_EMSGSIZE:
      return CC_ERR_INVALID_ARGUMENT;
    case SIPT_CARD_ENOENT:
      return CC_ERR_NOT_FOUND;
    case SIPT_CARD_EBUSY:
      return CC_ERR_BUSY;
    case SIPT_CARD_ESTATE:
      return CC_ERR_BAD_STATE;
    case SIPT_CARD_ENOTSUP:
      return CC_ERR_NOT_SUPPORTED;
    default:
      return CC_ERR_CARD_FAILURE;
  }
}

static void send_card_error(simctl_t *ep, uint32_t id, int err, const char *what, uint32_t span) {
  send_error(ep, id, code_of_card_error(err), err, "span %u: %s failed: %s", span, what, ep->ops.strerror(err));
}

/* ---- card state ---------------------------------------------------------- */

static int load_info(simctl_t *ep) {
  if (ep->have_info) return 1;
  sipt_card_info_t info;
  memset(&info, 0, sizeof info);
  if (ep->ops.info(ep->ops.ctx, &info) != SIPT_CARD_OK) return 0;
  ep->nspans = info.span_count > CC_MAX_SPANS ? CC_MAX_SPANS : info.span_count;
  ep->nports = info.port_count > CC_MAX_PORTS ? CC_MAX_PORTS : info.port_count;
  for (uint32_t s = 1; s <= ep->nspans; s++) {
    sipt_span_status_t st;
    memset(&st, 0, sizeof st);
    ep->last_alarms[s] = ep->ops.span_status(ep->ops.ctx, s, &st) == SIPT_CARD_OK ? st.alarms : 0u;
  }
  ep->have_info = 1;
  return 1;
}

static void emit_alarm(simctl_t *ep, uint32_t span, uint32_t alarms, uint64_t time_ns) {
  uint32_t changed = alarms ^ ep->last_alarms[span];
  if (changed == 0) return;
  ep->last_alarms[span] = alarms;
  begin_out(ep, 0, CC_BODY_ALARM_EVENT);
  cc_alarm_event_t *ev = &ep->out.alarm_event;
  ev->span = span;
  ev->alarms = cc_alarm_set_from_bits(alarms);
  ev->changed = cc_alarm_set_from_bits(changed);
  ev->sequence = ++ep->seq;
  ev->time_ns = time_ns;
  send_out(ep);
}

static void poll_alarms(simctl_t *ep) {
  for (uint32_t s = 1; s <= ep->nspans; s++) {
    sipt_span_status_t st;
    memset(&st, 0, sizeof st);
    if (ep->ops.span_status(ep->ops.ctx, s, &st) == SIPT_CARD_OK) emit_alarm(ep, s, st.alarms, mono_ns());
  }
}

static void listener_cb(void *arg, uint32_t span, uint32_t alarms, uint32_t changed, uint64_t time_ns) {
  simctl_t *ep = arg;
  pthread_mutex_lock(&ep->qmu);
  if (ep->qcount == ALARM_Q) {
    ep->qlost++;
  } else {
    alarm_change_t *c = &ep->q[(ep->qhead + ep->qcount) % ALARM_Q];
    c->span = span;
    c->alarms = alarms;
    c->changed = changed;
    c->time_ns = time_ns;
    ep->qcount++;
  }
  pthread_mutex_unlock(&ep->qmu);
  uint64_t one = 1;
  ssize_t w = write(ep->wakefd, &one, sizeof one);
  (void)w; /* an eventfd write only fails when the counter is saturated: already readable */
}

static void drain_listener(simctl_t *ep) {
  for (;;) {
    alarm_change_t c;
    uint64_t lost;
    pthread_mutex_lock(&ep->qmu);
    lost = ep->qlost;
    ep->qlost = 0;
    int have = ep->qcount > 0;
    if (have) {
      c = ep->q[ep->qhead];
      ep->qhead = (ep->qhead + 1) % ALARM_Q;
      ep->qcount--;
    }
    pthread_mutex_unlock(&ep->qmu);
    if (lost) {
      /* changes were lost: leave a gap in the sequence and re-read the truth */
      ep->seq += lost;
      poll_alarms(ep);
    }
    if (!have) return;
    if (c.span >= 1 && c.span <= ep->nspans) emit_alarm(ep, c.span, c.alarms, c.time_ns);
  }
}

/* ---- requests ------------------------------------------------------------ */

static int check_span(simctl_t *ep, uint32_t id, const char *req, uint32_t span) {
  if (span >= 1 && span <= ep->nspans) return 1;
  send_error(ep, id, CC_ERR_NOT_FOUND, SIPT_CARD_ENOENT, "%s: no span %u (this card has %u)", req, span,
             ep->nspans);
  return 0;
}

static void do_identify(simctl_t *ep, uint32_t id) {
  sipt_card_info_t info;
  memset(&info, 0, sizeof info);
  int rc = ep->ops.info(ep->ops.ctx, &info);
  if (rc != SIPT_CARD_OK) {
    send_error(ep, id, code_of_card_error(rc), rc, "Identify: card info failed: %s", ep->ops.strerror(rc));
    return;
  }
  begin_out(ep, id, CC_BODY_IDENTIFY_RESP);
  cc_identify_resp_t *r = &ep->out.identify_response;
  snprintf(r->model, sizeof r->model, "%s", info.model);
  snprintf(r->firmware, sizeof r->firmware, "%s", ep->firmware);
  snprintf(r->serial_number, sizeof r->serial_number, "%s", info.serial);
  snprintf(r->driver, sizeof r->driver, "%s", info.driver);
  r->abi_version = info.abi_version;
  r->protocol_version = CC_PROTOCOL_VERSION;
  r->span_count = info.span_count;
  r->port_count = info.port_count;
  send_out(ep);
}

static void do_configure_span(simctl_t *ep, uint32_t id) {
  const cc_configure_span_req_t *q = &ep->in.configure_span_request;
  const char *req = "ConfigureSpan";
  if (!check_span(ep, id, req, q->span)) return;
  if (!q->has_config) {
    send_error(ep, id, CC_ERR_INVALID_ARGUMENT, 0, "%s: span %u: config is missing", req, q->span);
    return;
  }
  const cc_span_config_t *c = &q->config;
  /* enumeration ranges; the card checks that they suit the span type */
  if (c->framing < SIPT_FRAMING_E1_DF || c->framing > SIPT_FRAMING_T1_ESF) {
    send_error(ep, id, CC_ERR_INVALID_ARGUMENT, 0, "%s: span %u: framing %u is not 1..4", req, q->span, c->framing);
    return;
  }
  if (c->line_code < SIPT_LINECODE_HDB3 || c->line_code > SIPT_LINECODE_B8ZS) {
    send_error(ep, id, CC_ERR_INVALID_ARGUMENT, 0, "%s: span %u: line_code %u is not 1..3", req, q->span,
               c->line_code);
    return;
  }
  if (c->clock != SIPT_CLOCK_MASTER && c->clock != SIPT_CLOCK_RECOVERED) {
    send_error(ep, id, CC_ERR_INVALID_ARGUMENT, 0, "%s: span %u: clock %u is not 1 (master) or 2 (recovered)", req,
               q->span, c->clock);
    return;
  }
  if (c->companding != SIPT_LAW_ALAW && c->companding != SIPT_LAW_ULAW) {
    send_error(ep, id, CC_ERR_INVALID_ARGUMENT, 0, "%s: span %u: companding %u is not 1 (A-law) or 2 (mu-law)", req,
               q->span, c->companding);
    return;
  }
  sipt_span_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.framing = c->framing;
  cfg.line_code = c->line_code;
  cfg.clock = c->clock;
  cfg.clock_priority = c->clock_priority;
  cfg.companding = c->companding;
  cfg.bearer_mask = c->bearer_mask;
  cfg.sig_mask = c->sig_mask;
  int rc = ep->ops.span_configure(ep->ops.ctx, q->span, &cfg);
  if (rc != SIPT_CARD_OK) {
    send_card_error(ep, id, rc, "span configure", q->span);
    return;
  }
  begin_out(ep, id, CC_BODY_CONFIGURE_SPAN_RESP);
  send_out(ep);
}

static void do_query_status(simctl_t *ep, uint32_t id) {
  cc_link_counters_t link = ep->ctr; /* as of the request */
  begin_out(ep, id, CC_BODY_QUERY_STATUS_RESP);
  cc_query_status_resp_t *r = &ep->out.query_status_response;
  for (uint32_t s = 1; s <= ep->nspans; s++) {
    cc_span_status_t *o = &r->spans[r->nspans];
    sipt_span_info_t si;
    sipt_span_status_t st;
    memset(&si, 0, sizeof si);
    memset(&st, 0, sizeof st);
    int rc = ep->ops.span_info(ep->ops.ctx, s, &si);
    if (rc == SIPT_CARD_OK) rc = ep->ops.span_status(ep->ops.ctx, s, &st);
    if (rc != SIPT_CARD_OK) {
      send_card_error(ep, id, rc, "QueryStatus: span status", s);
      return;
    }
    o->span = s;
    snprintf(o->name, sizeof o->name, "%s", si.name);
    o->type = si.type;
    o->configured = st.configured != 0;
    if (o->configured) {
      sipt_span_config_t cfg;
      memset(&cfg, 0, sizeof cfg);
      rc = ep->ops.span_get_config(ep->ops.ctx, s, &cfg);
      if (rc != SIPT_CARD_OK) {
        send_card_error(ep, id, rc, "QueryStatus: span config", s);
        return;
      }
      o->has_config = 1;
      o->config.framing = cfg.framing;
      o->config.line_code = cfg.line_code;
      o->config.clock = cfg.clock;
      o->config.clock_priority = cfg.clock_priority;
      o->config.companding = cfg.companding;
      o->config.bearer_mask = cfg.bearer_mask;
      o->config.sig_mask = cfg.sig_mask;
    }
    o->alarms = cc_alarm_set_from_bits(st.alarms);
    o->clock_source = st.clock_source != 0;
    o->slips = st.slips;
    o->bpv = st.bpv;
    o->crc_errors = st.crc_errors;
    o->fas_errors = st.fas_errors;
    o->rx_blocks = st.rx_blocks;
    o->tx_blocks = st.tx_blocks;
    if (ep->ops.get_loopback) {
      uint32_t mode = CC_LOOPBACK_NONE;
      rc = ep->ops.get_loopback(ep->ops.ctx, s, &mode);
      if (rc != SIPT_CARD_OK) {
        send_card_error(ep, id, rc, "QueryStatus: loopback", s);
        return;
      }
      o->loopback = mode;
    }
    if (ep->ops.span_line) {
      sipt_sim_span_line_t line;
      memset(&line, 0, sizeof line);
      rc = ep->ops.span_line(ep->ops.ctx, s, &line);
      if (rc != SIPT_CARD_OK) {
        send_card_error(ep, id, rc, "QueryStatus: line state", s);
        return;
      }
      o->line_cut = line.cut != 0;
      o->injected_alarms = cc_alarm_set_from_bits(line.injected_alarms);
    }
    r->nspans++;
  }
  for (uint32_t p = 1; p <= ep->nports; p++) {
    cc_port_status_t *o = &r->ports[r->nports];
    sipt_port_info_t pi;
    sipt_port_status_t ps;
    memset(&pi, 0, sizeof pi);
    memset(&ps, 0, sizeof ps);
    int rc = ep->ops.port_info(ep->ops.ctx, p, &pi);
    if (rc == SIPT_CARD_OK) rc = ep->ops.port_status(ep->ops.ctx, p, &ps);
    if (rc != SIPT_CARD_OK) {
      send_error(ep, id, code_of_card_error(rc), rc, "QueryStatus: port %u status failed: %s", p,
                 ep->ops.strerror(rc));
      return;
    }
    o->port = p;
    snprintf(o->name, sizeof o->name, "%s", pi.name);
    o->kind = pi.kind;
    o->off_hook = ps.off_hook != 0;
    o->ringing = ps.ringing != 0;
    o->reversed = ps.polarity != 0;
    o->battery = ps.battery != 0;
    o->loop_ma = ps.loop_ma;
    r->nports++;
  }
  r->link = link;
  r->uptime_ms = mono_ms() - ep->start_ms;
  send_out(ep);
}

static void do_set_loopback(simctl_t *ep, uint32_t id) {
  const cc_set_loopback_req_t *q = &ep->in.set_loopback_request;
  const char *req = "SetLoopback";
  if (!check_span(ep, id, req, q->span)) return;
  if (q->mode > CC_LOOPBACK_LOCAL) {
    send_error(ep, id, CC_ERR_INVALID_ARGUMENT, 0, "%s: span %u: mode %u is not 0..3", req, q->span, q->mode);
    return;
  }
  if (!ep->ops.set_loopback) {
    send_error(ep, id, CC_ERR_NOT_SUPPORTED, SIPT_CARD_ENOTSUP, "%s: span %u: this card has no loopback control",
               req, q->span);
    return;
  }
  int rc = ep->ops.set_loopback(ep->ops.ctx, q->span, q->mode);
  if (rc != SIPT_CARD_OK) {
    send_card_error(ep, id, rc, "set loopback", q->span);
    return;
  }
  begin_out(ep, id, CC_BODY_SET_LOOPBACK_RESP);
  send_out(ep);
}

static int check_count(simctl_t *ep, uint32_t id, uint32_t span, const char *what, uint32_t n) {
  if (n >= 1 && n <= MAX_INJECT_COUNT) return 1;
  send_error(ep, id, CC_ERR_INVALID_ARGUMENT, 0, "InjectFault: span %u: %s count %u is not 1..%u", span, what, n,
             MAX_INJECT_COUNT);
  return 0;
}

static void do_inject_fault(simctl_t *ep, uint32_t id) {
  const cc_inject_fault_req_t *q = &ep->in.inject_fault_request;
  const char *req = "InjectFault";
  if (!check_span(ep, id, req, q->span)) return;
  int rc;
  const char *what;
  switch (q->fault) {
    case CC_FAULT_ALARM: {
      static const uint32_t bits[] = {0, SIPT_ALARM_LOS, SIPT_ALARM_LOF, SIPT_ALARM_AIS, SIPT_ALARM_RAI};
      if (q->alarm.alarm < CC_ALARM_LOS || q->alarm.alarm > CC_ALARM_RAI) {
        send_error(ep, id, CC_ERR_INVALID_ARGUMENT, 0, "%s: span %u: alarm %u is not 1..4 (LOS, LOF, AIS, RAI)", req,
                   q->span, q->alarm.alarm);
        return;
      }
      what = "set alarm";
      rc = ep->ops.set_alarm(ep->ops.ctx, q->span, bits[q->alarm.alarm], q->alarm.on ? 1u : 0u);
      break;
    }
    case CC_FAULT_SPAN_ERRORS:
      /* SpanErrorKind numbers equal SIPT_SIM_ERR_* */
      if (q->span_errors.kind < SIPT_SIM_ERR_SLIP || q->span_errors.kind > SIPT_SIM_ERR_FAS) {
        send_error(ep, id, CC_ERR_INVALID_ARGUMENT, 0, "%s: span %u: error kind %u is not 1..4 (SLIP, BPV, CRC, FAS)",
                   req, q->span, q->span_errors.kind);
        return;
      }
      if (!check_count(ep, id, q->span, "span error", q->span_errors.count)) return;
      what = "inject span errors";
      rc = ep->ops.inject_span_errors(ep->ops.ctx, q->span, q->span_errors.kind, q->span_errors.count);
      break;
    case CC_FAULT_SIG_ERRORS:
      /* Direction numbers equal SIPT_SIM_DIR_* */
      if (q->signalling_errors.direction != SIPT_SIM_DIR_RX && q->signalling_errors.direction != SIPT_SIM_DIR_TX) {
        send_error(ep, id, CC_ERR_INVALID_ARGUMENT, 0, "%s: span %u: direction %u is not 1 (RX) or 2 (TX)", req,
                   q->span, q->signalling_errors.direction);
        return;
      }
      if (q->signalling_errors.timeslot < 1 || q->signalling_errors.timeslot > SIPT_CARD_E1_TIMESLOTS) {
        send_error(ep, id, CC_ERR_INVALID_ARGUMENT, 0, "%s: span %u: timeslot %u is not 1..31", req, q->span,
                   q->signalling_errors.timeslot);
        return;
      }
      if (!check_count(ep, id, q->span, "signalling error", q->signalling_errors.count)) return;
      what = "inject signalling errors";
      rc = ep->ops.inject_sig_errors(ep->ops.ctx, q->span, q->signalling_errors.timeslot,
                                     q->signalling_errors.direction, q->signalling_errors.count);
      break;
    case CC_FAULT_LINE_CUT:
      what = "cut line";
      rc = ep->ops.cut(ep->ops.ctx, q->span, q->line_cut.cut ? 1u : 0u);
      break;
    default:
      send_error(ep, id, CC_ERR_INVALID_ARGUMENT, 0, "%s: span %u: no fault given", req, q->span);
      return;
  }
  if (rc != SIPT_CARD_OK) {
    send_card_error(ep, id, rc, what, q->span);
    return;
  }
  begin_out(ep, id, CC_BODY_INJECT_FAULT_RESP);
  send_out(ep);
}

static void handle_payload(simctl_t *ep, const uint8_t *p, size_t len) {
  ep->ctr.rx_frames++;
  pb_error_t err;
  if (cc_envelope_decode(&ep->in, p, len, &err) != PB_OK) {
    ep->ctr.rx_malformed++;
    /* the id is kept when it decoded before the fault (encoders put field 1 first) */
    send_error(ep, ep->in.id, CC_ERR_MALFORMED, 0, "Cannot decode %s at offset %zu: %s", err.field, err.offset,
               err.reason);
    return;
  }
  uint32_t id = ep->in.id;
  switch (ep->in.body) {
    case CC_BODY_IDENTIFY_REQ:
    case CC_BODY_CONFIGURE_SPAN_REQ:
    case CC_BODY_QUERY_STATUS_REQ:
    case CC_BODY_SET_LOOPBACK_REQ:
    case CC_BODY_INJECT_FAULT_REQ:
      break;
    case CC_BODY_NONE:
      send_error(ep, id, CC_ERR_UNKNOWN_REQUEST, 0, "request %u has no body this card knows", id);
      return;
    default:
      send_error(ep, id, CC_ERR_UNKNOWN_REQUEST, 0, "request %u: body %u is not a request", id, ep->in.body);
      return;
  }
  if (id == 0) {
    send_error(ep, 0, CC_ERR_INVALID_ARGUMENT, 0, "request id 0 is reserved for events");
    return;
  }
  if (!load_info(ep)) {
    send_error(ep, id, CC_ERR_CARD_FAILURE, SIPT_CARD_EIO, "card information is not available");
    return;
  }
  switch (ep->in.body) {
    case CC_BODY_IDENTIFY_REQ:
      do_identify(ep, id);
      break;
    case CC_BODY_CONFIGURE_SPAN_REQ:
      do_configure_span(ep, id);
      break;
    case CC_BODY_QUERY_STATUS_REQ:
      do_query_status(ep, id);
      break;
    case CC_BODY_SET_LOOPBACK_REQ:
      do_set_loopback(ep, id);
      break;
    default:
      do_inject_fault(ep, id);
      break;
  }
}

/* ---- receive ------------------------------------------------------------- */

static void process_rx(simctl_t *ep) {
  for (;;) {
    cc_df_result_t r;
    cc_deframer_next(&ep->rx, &r);
    switch (r.kind) {
      case CC_DF_NONE:
        return;
      case CC_DF_FRAME:
        handle_payload(ep, r.payload, r.len);
        break;
      case CC_DF_GARBAGE:
        ep->ctr.rx_garbage_octets += r.skipped;
        break;
      case CC_DF_BAD_HEADER:
        ep->ctr.rx_header_errors++;
        break;
      case CC_DF_BAD_CRC:
        ep->ctr.rx_crc_errors++;
        break;
      case CC_DF_ABANDONED:
        ep->ctr.rx_abandoned++;
        break;
    }
  }
}

static void on_bytes(simctl_t *ep, const uint8_t *data, size_t n) {
  uint64_t now = mono_ms();
  if (cc_deframer_pending(&ep->rx) && now - ep->last_rx_ms > CC_INTER_OCTET_TIMEOUT_MS) {
    /* an incomplete frame followed by a gap: give it up and rescan */
    if (cc_deframer_abandon(&ep->rx)) ep->ctr.rx_abandoned++;
    process_rx(ep);
  }
  ep->last_rx_ms = now;
  while (n > 0) {
    size_t k = cc_deframer_feed(&ep->rx, data, n);
    data += k;
    n -= k;
    process_rx(ep);
  }
}

static void read_master(simctl_t *ep) {
  uint8_t buf[READ_CHUNK];
  for (int i = 0; i < 16; i++) {
    ssize_t n = read(ep->master, buf, sizeof buf);
    if (n > 0) {
      on_bytes(ep, buf, (size_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    /* EIO: no slave side open; poll would report it again at once */
    ep->master_quiet_until_ms = mono_ms() + SIMCTL_POLL_MS;
    return;
  }
}

static void *run(void *arg) {
  simctl_t *ep = arg;
  if (ep->ops.set_alarm_listener && ep->ops.set_alarm_listener(ep->ops.ctx, listener_cb, ep) == SIPT_CARD_OK)
    ep->listening = 1;
  load_info(ep);
  const uint64_t period = ep->listening ? SIMCTL_SAFETY_POLL_MS : SIMCTL_POLL_MS;
  ep->next_poll_ms = mono_ms() + period;
  while (!atomic_load(&ep->stop)) {
    uint64_t now = mono_ms();
    struct pollfd pfd[2];
    nfds_t nfd = 1;
    pfd[0].fd = ep->wakefd;
    pfd[0].events = POLLIN;
    pfd[0].revents = 0;
    if (now >= ep->master_quiet_until_ms) {
      pfd[1].fd = ep->master;
      pfd[1].events = (short)(POLLIN | (ep->tx_len ? POLLOUT : 0));
      pfd[1].revents = 0;
      nfd = 2;
    }
    int timeout = ep->next_poll_ms > now ? (int)(ep->next_poll_ms - now) : 0;
    if (nfd == 1 && timeout > SIMCTL_POLL_MS) timeout = SIMCTL_POLL_MS;
    int n = poll(pfd, nfd, timeout);
    if (n < 0 && errno != EINTR) break;
    if (n > 0 && (pfd[0].revents & POLLIN)) {
      uint64_t v;
      ssize_t r = read(ep->wakefd, &v, sizeof v);
      (void)r; /* non-blocking; a concurrent reader cannot exist */
    }
    if (atomic_load(&ep->stop)) break;
    if (nfd == 2 && n > 0) {
      if (pfd[1].revents & POLLIN) read_master(ep);
      else if (pfd[1].revents & (POLLHUP | POLLERR)) ep->master_quiet_until_ms = mono_ms() + SIMCTL_POLL_MS;
      if (pfd[1].revents & POLLOUT) flush_tx(ep);
    }
    if (ep->listening) drain_listener(ep);
    now = mono_ms();
    if (now >= ep->next_poll_ms) {
      if (load_info(ep)) poll_alarms(ep);
      ep->next_poll_ms = now + period;
    }
    if (ep->tx_len) flush_tx(ep);
  }
  if (ep->listening) ep->ops.set_alarm_listener(ep->ops.ctx, NULL, NULL);
  return NULL;
}

/* ---- open / close -------------------------------------------------------- */

static int make_link(simctl_t *ep, const char *path) {
  struct stat st;
  if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode)) return SIPT_CARD_EINVAL; /* not ours to replace */
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof tmp) return SIPT_CARD_EINVAL;
  unlink(tmp);
  if (symlink(ep->pty, tmp) != 0) return SIPT_CARD_EINVAL;
  if (rename(tmp, path) != 0) {
    unlink(tmp);
    return SIPT_CARD_EINVAL;
  }
  snprintf(ep->link, sizeof ep->link, "%s", path);
  return SIPT_CARD_OK;
}

static void remove_link(simctl_t *ep) {
  if (!ep->link[0]) return;
  char target[sizeof ep->pty];
  ssize_t n = readlink(ep->link, target, sizeof target - 1);
  if (n >= 0) {
    target[n] = 0;
    if (strcmp(target, ep->pty) == 0) unlink(ep->link);
  }
  ep->link[0] = 0;
}

static void destroy(simctl_t *ep) {
  remove_link(ep);
  if (ep->slave >= 0) close(ep->slave);
  if (ep->master >= 0) close(ep->master);
  if (ep->wakefd >= 0) close(ep->wakefd);
  pthread_mutex_destroy(&ep->qmu);
  free(ep);
}

static int required_ops(const simctl_ops_t *o) {
  return o->info && o->span_info && o->span_status && o->span_get_config && o->span_configure && o->port_info &&
         o->port_status && o->set_alarm && o->inject_span_errors && o->inject_sig_errors && o->cut && o->strerror;
}

int simctl_open(const simctl_ops_t *ops, const char *link_path, const char *firmware, simctl_t **out) {
  if (!out) return SIPT_CARD_EINVAL;
  *out = NULL;
  if (!ops || !required_ops(ops) || !link_path || !link_path[0] || strlen(link_path) >= PATH_MAX - 32)
    return SIPT_CARD_EINVAL;
  simctl_t *ep = calloc(1, sizeof *ep);
  if (!ep) return SIPT_CARD_ENOMEM;
  ep->ops = *ops;
  ep->master = ep->slave = ep->wakefd = -1;
  pthread_mutex_init(&ep->qmu, NULL);
  atomic_init(&ep->stop, 0);
  cc_deframer_init(&ep->rx);
  snprintf(ep->firmware, sizeof ep->firmware, "%s", firmware ? firmware : SIMCTL_FIRMWARE);
  ep->start_ms = mono_ms();
  ep->last_rx_ms = ep->start_ms;

  int rc = SIPT_CARD_EIO;
  ep->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (ep->master < 0 || grantpt(ep->master) != 0 || unlockpt(ep->master) != 0 ||
      ptsname_r(ep->master, ep->pty, sizeof ep->pty) != 0)
    goto fail;
  /* Hold the slave open ourselves: with no slave open, the master reports
   * hang-up and read() fails, between one client and the next. */
  ep->slave = open(ep->pty, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (ep->slave < 0) goto fail;
  struct termios t;
  if (tcgetattr(ep->slave, &t) != 0) goto fail;
  cfmakeraw(&t); /* no echo, no line editing, 8 bits, no flow control */
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  if (tcsetattr(ep->slave, TCSANOW, &t) != 0) goto fail;
  int fl = fcntl(ep->master, F_GETFL);
  if (fl < 0 || fcntl(ep->master, F_SETFL, fl | O_NONBLOCK) != 0) goto fail;
  ep->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (ep->wakefd < 0) goto fail;
  rc = make_link(ep, link_path);
  if (rc != SIPT_CARD_OK) goto fail;
  if (pthread_create(&ep->thread, NULL, run, ep) != 0) {
    rc = SIPT_CARD_ENOMEM;
    goto fail;
  }
  ep->thread_started = 1;
  *out = ep;
  return SIPT_CARD_OK;
fail:
  destroy(ep);
  return rc;
}

const char *simctl_pty_path(const simctl_t *ep) {
  return ep ? ep->pty : NULL;
}

void simctl_close(simctl_t *ep) {
  if (!ep) return;
  if (ep->thread_started) {
    atomic_store(&ep->stop, 1);
    uint64_t one = 1;
    ssize_t w = write(ep->wakefd, &one, sizeof one);
    (void)w;
    pthread_join(ep->thread, NULL);
  }
  destroy(ep);
}
