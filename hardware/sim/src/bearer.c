/*
 * bearer.c -- sipt_card_bearer_exchange: the simulated card's 8 kHz tick.
 *
 * One call is one tick: every line (configured span, analog port) sends one
 * block to its far end and the caller receives one block per bearer
 * channel. Real-time pacing uses absolute CLOCK_MONOTONIC deadlines
 * t0 + n * block/8 ms (clock_nanosleep TIMER_ABSTIME), so the block rate has
 * no cumulative drift. The received side is an elastic store of
 * SIM_RXQ_DEPTH blocks per line, delivering once it holds `rxfill` blocks: a
 * block missing when needed is a controlled slip (G.822) filled with idle
 * code, a block arriving with the store full deletes the oldest (also a slip).
 *
 * This path never allocates and takes only layout_mu, the lines' mutexes
 * and, when a slip or late tick is reported, the event queue mutex.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "sim.h"

static void put_u16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static void put_u32(uint8_t *p, uint32_t v) {
  put_u16(p, v);
  put_u16(p + 2, v >> 16);
}

/* freerun: wait (bounded) for the far end's answer to the previous block. */
static void await_answer(sim_line_t *l) {
  struct timespec dl;
  clock_gettime(CLOCK_MONOTONIC, &dl);
  dl.tv_nsec += (long)SIM_FREERUN_WAIT_MS * 1000000L;
  while (dl.tv_nsec >= 1000000000L) {
    dl.tv_sec++;
    dl.tv_nsec -= 1000000000L;
  }
  while (l->rx_count == 0 && l->fd >= 0 && !l->cut) {
    if (pthread_cond_timedwait(&l->cv, &l->mu, &dl) == ETIMEDOUT) break;
  }
}

/* layout_mu held. Returns 1 when this tick slipped on this line. */
static int move_group(struct sipt_card *c, const sim_group_t *g, const uint8_t *tx, uint8_t *rx, uint64_t *slips) {
  sim_line_t *l = g->line;
  const size_t B = c->block;
  int slip = 0;
  pthread_mutex_lock(&l->mu);
  int attached = l->fd >= 0 && !l->cut;
  if (c->mode == SIPT_MODE_FREERUN && attached && !l->wired && l->sent_on_conn > 0) await_answer(l);

  /* receive side: the elastic store starts delivering once it holds
   * c->rxfill blocks (jitter tolerance); running dry is a slip, after which
   * it refills to the same depth (re-centring, as a slip buffer does) */
  const uint8_t *src = NULL;
  size_t plen = (size_t)l->slots * B;
  if (!l->reading && l->rx_count >= c->rxfill) l->reading = 1;
  if (l->reading && l->rx_count > 0) {
    src = l->rxq + (size_t)l->rx_head * plen; /* stays valid: l->mu is held */
    l->rx_head = (l->rx_head + 1) % SIM_RXQ_DEPTH;
    l->rx_count--;
  } else if (l->reading) {
    l->reading = 0;
    if (attached && !l->fill && l->loop != SIPT_SIM_LOOP_LOCAL) {
      l->slips++;
      slip = 1;
    }
  }
  int repeat = src != NULL && l->pending_slips > 0 && !l->fill;
  if (repeat) l->pending_slips--;
  const int local = l->loop == SIPT_SIM_LOOP_LOCAL;
  for (uint32_t i = 0; i < g->count; i++) {
    uint8_t *out = rx + (size_t)(g->first + i) * B;
    if (local) {
      /* local loopback: the block this channel sent at the previous tick */
      memcpy(out, l->loopbuf + (size_t)g->slot[i] * B, B);
    } else if (l->fill) {
      memset(out, l->fill, B);
    } else if (src) {
      memcpy(out, src + (size_t)g->slot[i] * B, B);
      if (repeat) memmove(out + 1, out, B - 1); /* controlled slip: one frame repeated */
    } else {
      memset(out, l->idle, B);
    }
  }

  /* transmit side */
  if (local) {
    /* the gateway's blocks return to it; the line receives all ones (AIS) */
    for (uint32_t i = 0; i < g->count; i++)
      memcpy(l->loopbuf + (size_t)g->slot[i] * B, tx + (size_t)(g->first + i) * B, B);
    memset(l->txpkt + SIM_BLOCK_HDR, 0xFF, plen);
  } else {
    for (uint32_t i = 0; i < g->count; i++)
      memcpy(l->txpkt + SIM_BLOCK_HDR + (size_t)g->slot[i] * B, tx + (size_t)(g->first + i) * B, B);
    if (l->loop == SIPT_SIM_LOOP_LINE || l->loop == SIPT_SIM_LOOP_PAYLOAD) {
      /* what was received this tick goes back toward the line instead */
      for (uint32_t t = 0; t < l->slots; t++) {
        if (!(l->loop_mask & (1u << (t + 1)))) continue;
        uint8_t *o = l->txpkt + SIM_BLOCK_HDR + (size_t)t * B;
        if (l->fill) memset(o, l->fill, B);
        else if (src) memcpy(o, src + (size_t)t * B, B);
        else memset(o, l->idle, B);
      }
    }
  }
  if (!l->wired) {
    if (l->is_port) {
      l->txpkt[0] = PORT_MSG_BEARER;
      l->txpkt[1] = 0;
      put_u16(l->txpkt + 2, (uint32_t)B);
      put_u32(l->txpkt + 4, l->tx_seq);
    } else {
      put_u32(l->txpkt, l->tx_seq);
      put_u16(l->txpkt + 4, l->slots);
      put_u16(l->txpkt + 6, (uint32_t)B);
    }
    l->tx_seq++;
    if (attached && send(l->fd, l->txpkt, l->pkt_len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)l->pkt_len) {
      l->tx_blocks++;
      l->sent_on_conn++;
    }
  }
  *slips = l->slips;
  pthread_mutex_unlock(&l->mu);
  return slip;
}

static void sleep_until(uint64_t ns) {
  struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000ull), .tv_nsec = (long)(ns % 1000000000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

int sipt_card_bearer_exchange(sipt_card_t *c, const uint8_t *tx, uint8_t *rx, size_t len, uint64_t *tick) {
  if (c == NULL || (len > 0 && (tx == NULL || rx == NULL))) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->layout_mu);
  int match = len == (size_t)c->nlayout * c->block;
  pthread_mutex_unlock(&c->layout_mu);
  if (!match) return SIPT_CARD_ELAYOUT;

  uint64_t t;
  if (!c->started) {
    c->started = 1;
    c->t0_ns = sim_now_ns();
    t = 0;
  } else {
    t = c->tick + 1;
    if (c->mode == SIPT_MODE_REALTIME) {
      const uint64_t period = (uint64_t)c->block * 125000ull; /* 125 us per octet at 8 kHz */
      uint64_t now = sim_now_ns();
      if (now >= c->t0_ns + (t + 1) * period) {
        uint64_t cur = (now - c->t0_ns) / period;
        uint64_t skipped = cur - t;
        t = cur;
        uint64_t total = atomic_fetch_add(&c->late_ticks, skipped) + skipped;
        sim_post_counter(c, SIPT_EV_BEARER_LATE, 0, 0, 0, skipped > UINT32_MAX ? UINT32_MAX : (uint32_t)skipped,
                         total);
      }
      sleep_until(c->t0_ns + t * period);
    }
  }
  c->tick = t;

  pthread_mutex_lock(&c->layout_mu);
  if (len != (size_t)c->nlayout * c->block) {
    pthread_mutex_unlock(&c->layout_mu);
    return SIPT_CARD_ELAYOUT; /* reconfigured while waiting for the tick */
  }
  for (uint32_t i = 0; i < c->ngroups; i++) {
    const sim_group_t *g = &c->groups[i];
    uint64_t total;
    if (move_group(c, g, tx, rx, &total) && g->span) sim_post_counter(c, SIPT_EV_SPAN_SLIP, g->span, 0, 0, 1, total);
  }
  pthread_mutex_unlock(&c->layout_mu);
  atomic_store(&c->ticks_done, t + 1);
  if (tick) *tick = t;
  return SIPT_CARD_OK;
}

int sipt_card_bearer_layout(sipt_card_t *c, sipt_bearer_channel_t *out, size_t max, size_t *count,
                            uint32_t *block_bytes) {
  if (c == NULL || count == NULL || block_bytes == NULL || (out == NULL && max > 0)) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->layout_mu);
  size_t n = c->nlayout < max ? c->nlayout : max;
  if (n) memcpy(out, c->layout, n * sizeof *out);
  *count = c->nlayout;
  *block_bytes = c->block;
  pthread_mutex_unlock(&c->layout_mu);
  return SIPT_CARD_OK;
}

int sipt_card_bearer_status(sipt_card_t *c, sipt_bearer_status_t *out) {
  if (c == NULL || out == NULL) return SIPT_CARD_EINVAL;
  memset(out, 0, sizeof *out);
  out->ticks = atomic_load(&c->ticks_done);
  out->late_ticks = atomic_load(&c->late_ticks);
  pthread_mutex_lock(&c->layout_mu);
  out->channels = c->nlayout;
  pthread_mutex_unlock(&c->layout_mu);
  out->block_bytes = c->block;
  out->mode = c->mode;
  pthread_mutex_lock(&c->mu);
  out->clock_source = c->clock_source;
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}
