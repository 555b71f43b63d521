/*
 * stub_card.c -- in-memory card for the control endpoint's tests (stub_card.h).
 * Span configuration follows the validation rules of sipt_card_span_configure
 * (hardware/abi/sipt_card.h) for E1 spans.
 */
#include "stub_card.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../ccmsg.h"

#define ALL_ALARMS (SIPT_ALARM_LOS | SIPT_ALARM_LOF | SIPT_ALARM_AIS | SIPT_ALARM_RAI)
#define E1_MASK 0xFFFFFFFEu /* timeslots 1..31 */

typedef struct stub_span {
  int configured;
  sipt_span_config_t cfg;
  uint32_t injected, line, cut, loopback, reported;
  uint64_t slips, bpv, crc, fas;
  uint64_t sig_rx_errors[32], sig_tx_errors[32];
} stub_span_t;

typedef struct stub_port {
  uint32_t kind, off_hook, ringing, reversed, battery, loop_ma;
} stub_port_t;

struct stub_card {
  pthread_mutex_t mu;
  uint32_t nspans, nports;
  int with_loopback, with_listener;
  stub_span_t spans[SIPT_CARD_MAX_SPANS + 1];
  stub_port_t ports[SIPT_CARD_MAX_PORTS + 1];
  simctl_alarm_fn listener;
  void *listener_arg;
};

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* mu held: recompute what the span reports and tell the listener */
static void recompute(stub_card_t *c, uint32_t s) {
  stub_span_t *sp = &c->spans[s];
  uint32_t a = sp->injected | sp->line;
  if (sp->cut) a |= SIPT_ALARM_LOS;
  if (a & SIPT_ALARM_LOS) a |= SIPT_ALARM_LOF; /* no signal, no frame alignment */
  uint32_t changed = a ^ sp->reported;
  sp->reported = a;
  if (changed && c->listener) c->listener(c->listener_arg, s, a, changed, now_ns());
}

static int span_ok(stub_card_t *c, uint32_t s) {
  return s >= 1 && s <= c->nspans;
}

static int op_info(void *ctx, sipt_card_info_t *o) {
  stub_card_t *c = ctx;
  memset(o, 0, sizeof *o);
  snprintf(o->driver, sizeof o->driver, "stub-card");
  snprintf(o->model, sizeof o->model, "stub-e1x%u", c->nspans);
  snprintf(o->serial, sizeof o->serial, "STUB-0001");
  o->abi_version = SIPT_CARD_ABI_VERSION;
  o->span_count = c->nspans;
  o->port_count = c->nports;
  o->block_bytes = SIPT_CARD_BLOCK_DEFAULT;
  o->mode = SIPT_MODE_REALTIME;
  return SIPT_CARD_OK;
}

static int op_span_info(void *ctx, uint32_t s, sipt_span_info_t *o) {
  stub_card_t *c = ctx;
  if (!span_ok(c, s)) return SIPT_CARD_ENOENT;
  memset(o, 0, sizeof *o);
  snprintf(o->name, sizeof o->name, "E1-%u", s);
  o->span = s;
  o->type = SIPT_SPAN_E1;
  o->timeslots = SIPT_CARD_E1_TIMESLOTS;
  pthread_mutex_lock(&c->mu);
  o->configured = (uint32_t)c->spans[s].configured;
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

static int op_span_status(void *ctx, uint32_t s, sipt_span_status_t *o) {
  stub_card_t *c = ctx;
  if (!span_ok(c, s)) return SIPT_CARD_ENOENT;
  memset(o, 0, sizeof *o);
  pthread_mutex_lock(&c->mu);
  stub_span_t *sp = &c->spans[s];
  o->span = s;
  o->alarms = sp->reported;
  o->configured = (uint32_t)sp->configured;
  o->clock_source = sp->configured && sp->cfg.clock == SIPT_CLOCK_RECOVERED && sp->cfg.clock_priority == 1 &&
                    !(sp->reported & (SIPT_ALARM_LOS | SIPT_ALARM_LOF | SIPT_ALARM_AIS));
  o->slips = sp->slips;
  o->bpv = sp->bpv;
  o->crc_errors = sp->crc;
  o->fas_errors = sp->fas;
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

static int op_span_get_config(void *ctx, uint32_t s, sipt_span_config_t *o) {
  stub_card_t *c = ctx;
  if (!span_ok(c, s)) return SIPT_CARD_ENOENT;
  pthread_mutex_lock(&c->mu);
  int rc = c->spans[s].configured ? SIPT_CARD_OK : SIPT_CARD_ESTATE;
  if (rc == SIPT_CARD_OK) *o = c->spans[s].cfg;
  pthread_mutex_unlock(&c->mu);
  return rc;
}

static int op_span_configure(void *ctx, uint32_t s, const sipt_span_config_t *cfg) {
  stub_card_t *c = ctx;
  if (!span_ok(c, s)) return SIPT_CARD_ENOENT;
  /* the rules of sipt_card_span_configure for an E1 span */
  if (cfg->framing != SIPT_FRAMING_E1_DF && cfg->framing != SIPT_FRAMING_E1_CRC4) return SIPT_CARD_EINVAL;
  if (cfg->line_code != SIPT_LINECODE_HDB3 && cfg->line_code != SIPT_LINECODE_AMI) return SIPT_CARD_EINVAL;
  if (cfg->clock == SIPT_CLOCK_MASTER && cfg->clock_priority != 0) return SIPT_CARD_EINVAL;
  if (cfg->clock == SIPT_CLOCK_RECOVERED && (cfg->clock_priority < 1 || cfg->clock_priority > SIPT_CARD_MAX_SPANS))
    return SIPT_CARD_EINVAL;
  if ((cfg->bearer_mask | cfg->sig_mask) & ~E1_MASK) return SIPT_CARD_EINVAL;
  if (cfg->bearer_mask & cfg->sig_mask) return SIPT_CARD_EINVAL;
  for (size_t i = 0; i < sizeof cfg->reserved / sizeof cfg->reserved[0]; i++)
    if (cfg->reserved[i]) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  c->spans[s].cfg = *cfg;
  c->spans[s].configured = 1;
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

static int op_port_info(void *ctx, uint32_t p, sipt_port_info_t *o) {
  stub_card_t *c = ctx;
  if (p < 1 || p > c->nports) return SIPT_CARD_ENOENT;
  memset(o, 0, sizeof *o);
  o->port = p;
  o->kind = c->ports[p].kind;
  o->companding = SIPT_LAW_ALAW;
  snprintf(o->name, sizeof o->name, "%s%u", o->kind == SIPT_PORT_FXS ? "fxs" : "fxo", p);
  return SIPT_CARD_OK;
}

static int op_port_status(void *ctx, uint32_t p, sipt_port_status_t *o) {
  stub_card_t *c = ctx;
  if (p < 1 || p > c->nports) return SIPT_CARD_ENOENT;
  memset(o, 0, sizeof *o);
  pthread_mutex_lock(&c->mu);
  stub_port_t *pt = &c->ports[p];
  o->port = p;
  o->kind = pt->kind;
  o->off_hook = pt->off_hook;
  o->ringing = pt->ringing;
  o->polarity = pt->reversed;
  o->battery = pt->battery;
  o->loop_ma = pt->loop_ma;
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

static int set_bits(stub_card_t *c, uint32_t s, uint32_t bits, uint32_t on, int line) {
  if (!span_ok(c, s)) return SIPT_CARD_ENOENT;
  if (bits == 0 || (bits & ~ALL_ALARMS) || on > 1) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  uint32_t *target = line ? &c->spans[s].line : &c->spans[s].injected;
  *target = on ? (*target | bits) : (*target & ~bits);
  recompute(c, s);
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

static int op_set_alarm(void *ctx, uint32_t s, uint32_t bits, uint32_t on) {
  return set_bits(ctx, s, bits, on, 0);
}

static int op_span_errors(void *ctx, uint32_t s, uint32_t kind, uint32_t n) {
  stub_card_t *c = ctx;
  if (!span_ok(c, s)) return SIPT_CARD_ENOENT;
  if (n == 0) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  stub_span_t *sp = &c->spans[s];
  int rc = SIPT_CARD_OK;
  switch (kind) {
    case SIPT_SIM_ERR_SLIP: sp->slips += n; break;
    case SIPT_SIM_ERR_BPV: sp->bpv += n; break;
    case SIPT_SIM_ERR_CRC: sp->crc += n; break;
    case SIPT_SIM_ERR_FAS: sp->fas += n; break;
    default: rc = SIPT_CARD_EINVAL;
  }
  pthread_mutex_unlock(&c->mu);
  return rc;
}

static int op_sig_errors(void *ctx, uint32_t s, uint32_t ts, uint32_t dir, uint32_t n) {
  stub_card_t *c = ctx;
  if (!span_ok(c, s)) return SIPT_CARD_ENOENT;
  if (ts < 1 || ts > SIPT_CARD_E1_TIMESLOTS || n == 0) return SIPT_CARD_EINVAL;
  if (dir != SIPT_SIM_DIR_RX && dir != SIPT_SIM_DIR_TX) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  int rc = SIPT_CARD_OK;
  if (!c->spans[s].configured || !(c->spans[s].cfg.sig_mask & (1u << ts))) rc = SIPT_CARD_ESTATE;
  else if (dir == SIPT_SIM_DIR_RX) c->spans[s].sig_rx_errors[ts] += n;
  else c->spans[s].sig_tx_errors[ts] += n;
  pthread_mutex_unlock(&c->mu);
  return rc;
}

static int op_cut(void *ctx, uint32_t s, uint32_t cut) {
  stub_card_t *c = ctx;
  if (!span_ok(c, s)) return SIPT_CARD_ENOENT;
  if (cut > 1) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  c->spans[s].cut = cut;
  recompute(c, s);
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

static int op_span_line(void *ctx, uint32_t s, sipt_sim_span_line_t *o) {
  stub_card_t *c = ctx;
  if (!span_ok(c, s)) return SIPT_CARD_ENOENT;
  memset(o, 0, sizeof *o);
  pthread_mutex_lock(&c->mu);
  o->span = s;
  o->injected_alarms = c->spans[s].injected;
  o->cut = c->spans[s].cut;
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

static int op_set_loopback(void *ctx, uint32_t s, uint32_t mode) {
  stub_card_t *c = ctx;
  if (!span_ok(c, s)) return SIPT_CARD_ENOENT;
  if (mode > CC_LOOPBACK_LOCAL) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  int rc = c->spans[s].configured ? SIPT_CARD_OK : SIPT_CARD_ESTATE;
  if (rc == SIPT_CARD_OK) c->spans[s].loopback = mode;
  pthread_mutex_unlock(&c->mu);
  return rc;
}

static int op_get_loopback(void *ctx, uint32_t s, uint32_t *mode) {
  stub_card_t *c = ctx;
  if (!span_ok(c, s)) return SIPT_CARD_ENOENT;
  pthread_mutex_lock(&c->mu);
  *mode = c->spans[s].loopback;
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

static int op_set_listener(void *ctx, simctl_alarm_fn fn, void *arg) {
  stub_card_t *c = ctx;
  pthread_mutex_lock(&c->mu);
  c->listener = fn;
  c->listener_arg = fn ? arg : NULL;
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

stub_card_t *stub_card_new(uint32_t spans, uint32_t ports, int with_loopback, int with_listener) {
  if (spans > SIPT_CARD_MAX_SPANS || ports > SIPT_CARD_MAX_PORTS) return NULL;
  stub_card_t *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  pthread_mutex_init(&c->mu, NULL);
  c->nspans = spans;
  c->nports = ports;
  c->with_loopback = with_loopback;
  c->with_listener = with_listener;
  for (uint32_t p = 1; p <= ports; p++) {
    c->ports[p].kind = (p % 2) ? SIPT_PORT_FXS : SIPT_PORT_FXO;
    c->ports[p].battery = 1;
  }
  return c;
}

void stub_card_free(stub_card_t *c) {
  if (!c) return;
  pthread_mutex_destroy(&c->mu);
  free(c);
}

void stub_card_ops(stub_card_t *c, simctl_ops_t *ops) {
  memset(ops, 0, sizeof *ops);
  ops->ctx = c;
  ops->info = op_info;
  ops->span_info = op_span_info;
  ops->span_status = op_span_status;
  ops->span_get_config = op_span_get_config;
  ops->span_configure = op_span_configure;
  ops->port_info = op_port_info;
  ops->port_status = op_port_status;
  ops->set_alarm = op_set_alarm;
  ops->inject_span_errors = op_span_errors;
  ops->inject_sig_errors = op_sig_errors;
  ops->cut = op_cut;
  ops->strerror = sipt_card_strerror;
  ops->span_line = op_span_line;
  if (c->with_loopback) {
    ops->set_loopback = op_set_loopback;
    ops->get_loopback = op_get_loopback;
  }
  if (c->with_listener) ops->set_alarm_listener = op_set_listener;
}

int stub_card_line_alarm(stub_card_t *c, uint32_t span, uint32_t bits, uint32_t on) {
  return set_bits(c, span, bits, on, 1);
}

int stub_card_port_set(stub_card_t *c, uint32_t port, uint32_t off_hook, uint32_t ringing, uint32_t reversed,
                       uint32_t battery, uint32_t loop_ma) {
  if (port < 1 || port > c->nports) return SIPT_CARD_ENOENT;
  pthread_mutex_lock(&c->mu);
  stub_port_t *p = &c->ports[port];
  p->off_hook = off_hook != 0;
  p->ringing = ringing != 0;
  p->reversed = reversed != 0;
  p->battery = battery != 0;
  p->loop_ma = loop_ma;
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

/* The card library's error texts; the stub stands in for the library. */
const char *sipt_card_strerror(int err) {
  switch (err) {
    case SIPT_CARD_OK: return "success";
    case SIPT_CARD_EINVAL: return "invalid argument";
    case SIPT_CARD_ENOENT: return "no such span, port, timeslot or channel";
    case SIPT_CARD_EBUSY: return "resource busy";
    case SIPT_CARD_ESTATE: return "not valid in the current state";
    case SIPT_CARD_ENOTSUP: return "not supported by this card";
    default: return "unknown error";
  }
}
