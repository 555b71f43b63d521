/*
 * faults.c -- sim_internal.h: line-side status, fault injection, wiring.
 *
 * Alarm names and their consequences follow ITU-T G.775 (LOS, AIS, LOF, RAI
 * defects) and G.704 (CRC-4 / CRC-6, FAS); controlled slips G.822. Bad HDLC
 * frames are discarded as ISO/IEC 13239 receivers do.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <string.h>

#include "sim.h"

static sim_span_t *span_of(struct sipt_card *c, uint32_t span) {
  return c && span >= 1 && span <= c->nspans ? &c->spans[span - 1] : NULL;
}

const char *sipt_sim_rundir(sipt_card_t *c) { return c ? c->rundir : NULL; }

int sipt_sim_span_line(sipt_card_t *c, uint32_t span, sipt_sim_span_line_t *out) {
  if (c == NULL || out == NULL) return SIPT_CARD_EINVAL;
  sim_span_t *s = span_of(c, span);
  if (s == NULL) return SIPT_CARD_ENOENT;
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&c->mu);
  out->span = s->num;
  out->injected_alarms = s->inj_alarms;
  out->cut = (uint32_t)s->cut;
  out->wired = (uint32_t)s->wired;
  out->wire_span = s->wired ? s->wire_span : 0;
  if (s->wired) memcpy(out->wire_rundir, s->wire_dir, sizeof out->wire_rundir - 1);
  for (uint32_t t = 1; t <= s->nslots; t++)
    if (s->sig_fd[t] >= 0) out->sig_connected_mask |= 1u << t;
  out->sig_tx_corrupted = s->sig_tx_corrupted;
  pthread_mutex_lock(&s->line.mu);
  out->bearer_connected = s->line.fd >= 0;
  out->wire_connected = s->wired && s->line.fd >= 0 && s->line.wired;
  out->rx_invalid_blocks = s->line.rx_invalid;
  pthread_mutex_unlock(&s->line.mu);
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

int sipt_sim_port_line(sipt_card_t *c, uint32_t port, sipt_sim_port_line_t *out) {
  if (c == NULL || out == NULL) return SIPT_CARD_EINVAL;
  if (port < 1 || port > c->nports) return SIPT_CARD_ENOENT;
  sim_port_t *p = &c->ports[port - 1];
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&c->mu);
  out->port = p->num;
  out->rx_invalid = p->rx_invalid;
  pthread_mutex_lock(&p->line.mu);
  out->connected = p->line.fd >= 0;
  out->rx_blocks = p->line.rx_blocks;
  out->tx_blocks = p->line.tx_blocks;
  out->slips = p->line.slips;
  pthread_mutex_unlock(&p->line.mu);
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

int sipt_sim_set_alarm(sipt_card_t *c, uint32_t span, uint32_t bits, uint32_t on) {
  if (c == NULL) return SIPT_CARD_EINVAL;
  sim_span_t *s = span_of(c, span);
  if (s == NULL) return SIPT_CARD_ENOENT;
  const uint32_t all = SIPT_ALARM_LOS | SIPT_ALARM_LOF | SIPT_ALARM_AIS | SIPT_ALARM_RAI;
  if (bits == 0 || (bits & ~all) || on > 1) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  if (on) s->inj_alarms |= bits;
  else s->inj_alarms &= ~bits;
  sim_recompute_alarms(c, s);
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

int sipt_sim_inject_span_errors(sipt_card_t *c, uint32_t span, uint32_t kind, uint32_t n) {
  if (c == NULL) return SIPT_CARD_EINVAL;
  sim_span_t *s = span_of(c, span);
  if (s == NULL) return SIPT_CARD_ENOENT;
  if (n == 0) return SIPT_CARD_EINVAL;
  uint64_t total;
  uint32_t ev;
  pthread_mutex_lock(&c->mu);
  switch (kind) {
    case SIPT_SIM_ERR_SLIP:
      pthread_mutex_lock(&s->line.mu);
      s->line.slips += n;
      s->line.pending_slips += n;
      total = s->line.slips;
      pthread_mutex_unlock(&s->line.mu);
      ev = SIPT_EV_SPAN_SLIP;
      break;
    case SIPT_SIM_ERR_BPV:
      total = s->bpv += n;
      ev = SIPT_EV_SPAN_BPV;
      break;
    case SIPT_SIM_ERR_CRC:
      if (s->configured && s->cfg.framing != SIPT_FRAMING_E1_CRC4 && s->cfg.framing != SIPT_FRAMING_T1_ESF) {
        pthread_mutex_unlock(&c->mu);
        return SIPT_CARD_ESTATE; /* no CRC in double-frame E1 or D4 T1 framing */
      }
      total = s->crc += n;
      ev = SIPT_EV_SPAN_CRC;
      break;
    case SIPT_SIM_ERR_FAS:
      total = s->fas += n;
      ev = SIPT_EV_SPAN_FAS;
      break;
    default:
      pthread_mutex_unlock(&c->mu);
      return SIPT_CARD_EINVAL;
  }
  sim_post_counter(c, ev, s->num, 0, 0, n, total);
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

int sipt_sim_inject_sig_errors(sipt_card_t *c, uint32_t span, uint32_t ts, uint32_t dir, uint32_t n) {
  if (c == NULL) return SIPT_CARD_EINVAL;
  sim_span_t *s = span_of(c, span);
  if (s == NULL || ts < 1 || ts > s->nslots) return SIPT_CARD_ENOENT;
  if (n == 0 || (dir != SIPT_SIM_DIR_RX && dir != SIPT_SIM_DIR_TX)) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  uint32_t *slot = dir == SIPT_SIM_DIR_RX ? &s->sig_err_rx[ts] : &s->sig_err_tx[ts];
  *slot = UINT32_MAX - *slot < n ? UINT32_MAX : *slot + n;
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

int sipt_sim_cut(sipt_card_t *c, uint32_t span, uint32_t cut) {
  if (c == NULL) return SIPT_CARD_EINVAL;
  sim_span_t *s = span_of(c, span);
  if (s == NULL) return SIPT_CARD_ENOENT;
  if (cut > 1) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  s->cut = (int)cut;
  sim_recompute_alarms(c, s);
  pthread_mutex_lock(&s->line.mu);
  if (cut) s->line.rx_head = s->line.rx_count = 0;
  s->line.reading = 0;
  s->line.sent_on_conn = 0; /* after a restore, the first block has no answer yet */
  pthread_cond_broadcast(&s->line.cv);
  pthread_mutex_unlock(&s->line.mu);
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

int sipt_sim_wire(sipt_card_t *c, uint32_t span, const char *dir, uint32_t remote_span) {
  if (c == NULL) return SIPT_CARD_EINVAL;
  sim_span_t *s = span_of(c, span);
  if (s == NULL) return SIPT_CARD_ENOENT;
  int unwire = dir == NULL || dir[0] == '\0';
  if (!unwire && (remote_span < 1 || remote_span > SIPT_CARD_MAX_SPANS || strlen(dir) + 17 >= SIM_PATH_MAX))
    return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  sim_span_drop_conns(c, s);
  if (unwire) {
    s->wired = 0;
    s->wire_dir[0] = '\0';
    s->wire_span = 0;
  } else {
    memcpy(s->wire_dir, dir, strlen(dir) + 1);
    s->wire_span = remote_span;
    s->wired = 1;
    s->wire_retry_ms = 0;
  }
  pthread_mutex_unlock(&c->mu);
  sim_wake_service(c);
  return SIPT_CARD_OK;
}

int sipt_sim_set_loopback(sipt_card_t *c, uint32_t span, uint32_t mode) {
  if (c == NULL) return SIPT_CARD_EINVAL;
  sim_span_t *s = span_of(c, span);
  if (s == NULL) return SIPT_CARD_ENOENT;
  if (mode > SIPT_SIM_LOOP_LOCAL) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  if (mode != SIPT_SIM_LOOP_NONE && !s->configured) {
    pthread_mutex_unlock(&c->mu);
    return SIPT_CARD_ESTATE;
  }
  if (s->loopback != mode) {
    s->loopback = mode;
    pthread_mutex_lock(&s->line.mu);
    s->line.loop = mode;
    s->line.loop_mask = mode == SIPT_SIM_LOOP_LINE      ? 0xFFFFFFFEu
                        : mode == SIPT_SIM_LOOP_PAYLOAD ? s->cfg.bearer_mask
                                                        : 0u;
    sim_line_loop_reset(&s->line);
    pthread_mutex_unlock(&s->line.mu);
    sim_recompute_alarms(c, s); /* entering or leaving a local loop changes what is received */
  }
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

int sipt_sim_get_loopback(sipt_card_t *c, uint32_t span, uint32_t *mode) {
  if (c == NULL || mode == NULL) return SIPT_CARD_EINVAL;
  sim_span_t *s = span_of(c, span);
  if (s == NULL) return SIPT_CARD_ENOENT;
  pthread_mutex_lock(&c->mu);
  *mode = s->loopback;
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

int sipt_sim_set_alarm_listener(sipt_card_t *c, sipt_sim_alarm_fn fn, void *arg) {
  if (c == NULL) return SIPT_CARD_EINVAL;
  int rc = SIPT_CARD_OK;
  /* calls happen under mu (sim_recompute_alarms): once this returns, a
   * removed listener is neither running nor called again */
  pthread_mutex_lock(&c->mu);
  if (fn != NULL && c->alarm_fn != NULL) {
    rc = SIPT_CARD_EBUSY;
  } else {
    c->alarm_fn = fn;
    c->alarm_arg = fn ? arg : NULL;
  }
  pthread_mutex_unlock(&c->mu);
  return rc;
}
