/*
 * line.c -- the simulated card's line side and its service thread.
 *
 * Sockets (AF_UNIX SOCK_SEQPACKET, the card listens, a far end connects, a
 * new connection replaces the old one) under the run directory:
 *   span<S>-ts<T>.sig  one HDLC frame + 2 FCS placeholder octets per packet
 *   span<S>.bearer     one block per packet: u32le seq, u16le N, u16le B,
 *                      then N*B octets, timeslot-major
 *   port<P>.line       analog port messages (see hardware/sim/README.md)
 * The service thread accepts far ends, receives frames and blocks, runs the
 * analog port timers (FXS hook-flash timing and ring cadence, FXO flash) and
 * keeps span wires connected. Transmission happens in the calling threads
 * (signalling send, bearer exchange, port commands) under the locks of sim.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim.h"

enum { K_WAKE = 1, K_SIG_LISTEN, K_SIG_CONN, K_BEARER_LISTEN, K_BEARER_CONN, K_PORT_LISTEN, K_PORT_CONN };

static uint64_t ev_data(uint32_t kind, uint32_t a, uint32_t b, int fd) {
  return ((uint64_t)kind << 56) | ((uint64_t)(a & 0xFF) << 48) | ((uint64_t)(b & 0xFF) << 40) | (uint32_t)fd;
}

static void put_u16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static void put_u32(uint8_t *p, uint32_t v) {
  put_u16(p, v);
  put_u16(p + 2, v >> 16);
}
static uint32_t get_u16(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8); }
static uint32_t get_u32(const uint8_t *p) { return get_u16(p) | (get_u16(p + 2) << 16); }

/* ---- lines ------------------------------------------------------------- */

int sim_line_init(sim_line_t *l, uint32_t slots, uint32_t block, int is_port, uint8_t idle) {
  pthread_mutex_init(&l->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&l->cv, &ca);
  pthread_condattr_destroy(&ca);
  l->inited = 1;
  l->fd = -1;
  l->is_port = is_port;
  l->slots = slots;
  l->block = block;
  l->idle = idle;
  l->pkt_len = SIM_BLOCK_HDR + (size_t)slots * block;
  l->txpkt = malloc(l->pkt_len);
  l->rxq = malloc((size_t)SIM_RXQ_DEPTH * slots * block);
  l->loopbuf = is_port ? NULL : malloc((size_t)slots * block);
  if (l->txpkt == NULL || l->rxq == NULL || (!is_port && l->loopbuf == NULL)) return -1;
  memset(l->txpkt, 0, SIM_BLOCK_HDR);
  sim_line_loop_reset(l);
  return 0;
}

/* line->mu held: transmit block and local-loop store back to the idle code
 * (after a layout or loopback change nothing looped before is sent again). */
void sim_line_loop_reset(sim_line_t *l) {
  memset(l->txpkt + SIM_BLOCK_HDR, l->idle, l->pkt_len - SIM_BLOCK_HDR);
  if (l->loopbuf) memset(l->loopbuf, l->idle, (size_t)l->slots * l->block);
}

void sim_line_destroy(sim_line_t *l) {
  if (!l->inited) return;
  free(l->txpkt);
  free(l->rxq);
  free(l->loopbuf);
  pthread_cond_destroy(&l->cv);
  pthread_mutex_destroy(&l->mu);
  l->inited = 0;
}

/* line->mu held. Appends one received payload to the elastic store; when it
 * is full the oldest block is deleted (a controlled slip). Returns 1 on slip. */
static int line_push_rx(sim_line_t *l, const uint8_t *payload) {
  size_t plen = (size_t)l->slots * l->block;
  int slip = 0;
  if (l->rx_count == SIM_RXQ_DEPTH) {
    l->rx_head = (l->rx_head + 1) % SIM_RXQ_DEPTH;
    l->rx_count--;
    l->slips++;
    slip = 1;
  }
  uint32_t slot = (l->rx_head + l->rx_count) % SIM_RXQ_DEPTH;
  memcpy(l->rxq + (size_t)slot * plen, payload, plen);
  l->rx_count++;
  return slip;
}

/* line->mu held: a new far end (or wire) takes the line. */
static void line_attach(sim_line_t *l, int fd, int wired) {
  l->fd = fd;
  l->wired = wired;
  l->rx_head = l->rx_count = 0;
  l->reading = 0;
  l->sent_on_conn = 0;
  pthread_cond_broadcast(&l->cv);
}

void sim_port_send(sim_port_t *p, uint8_t type, uint8_t value) {
  pthread_mutex_lock(&p->line.mu);
  if (p->line.fd >= 0) {
    uint8_t m[2] = {type, value};
    ssize_t r = send(p->line.fd, m, sizeof m, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)r; /* a far end that does not read loses supervision messages, as a cut wire would */
  }
  pthread_mutex_unlock(&p->line.mu);
}

/* ---- sockets ----------------------------------------------------------- */

static void ep_add(struct sipt_card *c, int fd, uint64_t data) {
  struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = data};
  epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void ep_del_close(struct sipt_card *c, int fd) {
  epoll_ctl(c->epfd, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
}

static int sock_path(char *out, size_t n, const char *dir, const char *fmt, uint32_t a, uint32_t b) {
  char name[40];
  snprintf(name, sizeof name, fmt, a, b);
  int r = snprintf(out, n, "%s/%s", dir, name);
  return r < 0 || (size_t)r >= n ? -1 : 0;
}

static int make_listener(struct sipt_card *c, const char *fmt, uint32_t a, uint32_t b, uint64_t data, int *out) {
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  if (sock_path(sa.sun_path, sizeof sa.sun_path, c->rundir, fmt, a, b) != 0) return SIPT_CARD_EINVAL;
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return SIPT_CARD_EIO;
  unlink(sa.sun_path);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 8) != 0) {
    close(fd);
    return SIPT_CARD_EIO;
  }
  *out = fd;
  ep_add(c, fd, data | (uint32_t)fd);
  return SIPT_CARD_OK;
}

static int connect_to(const char *dir, const char *fmt, uint32_t a, uint32_t b) {
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  if (sock_path(sa.sun_path, sizeof sa.sun_path, dir, fmt, a, b) != 0) return -1;
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int sim_listen_all(struct sipt_card *c) {
  c->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (c->epfd < 0) return SIPT_CARD_EIO;
  ep_add(c, c->wakefd, ev_data(K_WAKE, 0, 0, c->wakefd));
  int rc;
  for (uint32_t i = 0; i < c->nspans; i++) {
    sim_span_t *s = &c->spans[i];
    rc = make_listener(c, "span%u.bearer", s->num, 0, ev_data(K_BEARER_LISTEN, s->num, 0, 0), &s->bearer_listen);
    if (rc != SIPT_CARD_OK) return rc;
    for (uint32_t t = 1; t <= s->nslots; t++) {
      rc = make_listener(c, "span%u-ts%u.sig", s->num, t, ev_data(K_SIG_LISTEN, s->num, t, 0), &s->sig_listen[t]);
      if (rc != SIPT_CARD_OK) return rc;
    }
  }
  for (uint32_t i = 0; i < c->nports; i++) {
    sim_port_t *p = &c->ports[i];
    rc = make_listener(c, "port%u.line", p->num, 0, ev_data(K_PORT_LISTEN, p->num, 0, 0), &p->listen_fd);
    if (rc != SIPT_CARD_OK) return rc;
  }
  return SIPT_CARD_OK;
}

static void close_listener(struct sipt_card *c, int *fd, const char *fmt, uint32_t a, uint32_t b) {
  if (*fd < 0) return;
  close(*fd);
  *fd = -1;
  char path[SIM_PATH_MAX];
  if (sock_path(path, sizeof path, c->rundir, fmt, a, b) == 0) unlink(path);
}

/* Only after the service thread has stopped (or never started). */
void sim_close_all(struct sipt_card *c) {
  for (uint32_t i = 0; c->spans && i < c->nspans; i++) {
    sim_span_t *s = &c->spans[i];
    close_listener(c, &s->bearer_listen, "span%u.bearer", s->num, 0);
    for (uint32_t t = 1; t < SIM_MAX_SLOTS; t++) {
      close_listener(c, &s->sig_listen[t], "span%u-ts%u.sig", s->num, t);
      if (s->sig_fd[t] >= 0) close(s->sig_fd[t]);
      s->sig_fd[t] = -1;
    }
    if (s->line.fd >= 0) close(s->line.fd);
    s->line.fd = -1;
  }
  for (uint32_t i = 0; c->ports && i < c->nports; i++) {
    sim_port_t *p = &c->ports[i];
    close_listener(c, &p->listen_fd, "port%u.line", p->num, 0);
    if (p->line.fd >= 0) close(p->line.fd);
    p->line.fd = -1;
  }
}

void sim_span_drop_conns(struct sipt_card *c, sim_span_t *s) {
  pthread_mutex_lock(&s->line.mu);
  int old = s->line.fd;
  line_attach(&s->line, -1, 0);
  pthread_mutex_unlock(&s->line.mu);
  if (old >= 0) ep_del_close(c, old);
  for (uint32_t t = 1; t <= s->nslots; t++) {
    if (s->sig_fd[t] >= 0) ep_del_close(c, s->sig_fd[t]);
    s->sig_fd[t] = -1;
  }
}

/* ---- signalling ---------------------------------------------------------- */

static void accept_sig(struct sipt_card *c, sim_span_t *s, uint32_t ts) {
  int fd = accept4(s->sig_listen[ts], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  pthread_mutex_lock(&c->mu);
  if (s->wired) {
    close(fd); /* the span is wired to another card: no far end of its own */
  } else {
    if (s->sig_fd[ts] >= 0) ep_del_close(c, s->sig_fd[ts]);
    s->sig_fd[ts] = fd;
    ep_add(c, fd, ev_data(K_SIG_CONN, s->num, ts, fd));
  }
  pthread_mutex_unlock(&c->mu);
}

void sim_deliver_frame(struct sipt_card *c, sim_span_t *s, uint32_t ts, const uint8_t *f, size_t len, int from_line) {
  if (!s->configured || !(s->cfg.sig_mask & (1u << ts))) return;
  if (from_line && (s->loopback == SIPT_SIM_LOOP_LOCAL || s->cut ||
                    (s->alarms & (SIPT_ALARM_LOS | SIPT_ALARM_LOF | SIPT_ALARM_AIS))))
    return; /* local loop: the receiver hears the card's own transmitter, not the line */
  sim_chan_t *ch = &s->chan[ts];
  if (s->sig_err_rx[ts] > 0) {
    /* ISO/IEC 13239 §4.2: a frame whose FCS check fails is discarded. */
    s->sig_err_rx[ts]--;
    if (ch->open) {
      ch->rx_crc++;
      sim_post_counter(c, SIPT_EV_SIG_CRC, s->num, 0, ts, 1, ch->rx_crc);
    }
    return;
  }
  if (!ch->open) return;
  if (len < SIPT_CARD_SIG_MIN_FRAME || len > SIPT_CARD_SIG_MAX_FRAME) {
    ch->rx_invalid++;
    return;
  }
  if (ch->count == SIM_SIG_RING) {
    ch->rx_overflow++;
    sim_post_counter(c, SIPT_EV_SIG_OVERFLOW, s->num, 0, ts, 1, ch->rx_overflow);
    return;
  }
  uint32_t slot = (ch->head + ch->count) % SIM_SIG_RING;
  memcpy(ch->ring + (size_t)slot * SIPT_CARD_SIG_MAX_FRAME, f, len);
  ch->lens[slot] = (uint16_t)len;
  ch->count++;
  ch->rx_frames++;
  sim_notify(c);
}

static void drop_sig(struct sipt_card *c, sim_span_t *s, uint32_t ts, int fd) {
  pthread_mutex_lock(&c->mu);
  if (s->sig_fd[ts] == fd) {
    ep_del_close(c, fd);
    s->sig_fd[ts] = -1;
  }
  pthread_mutex_unlock(&c->mu);
}

static void read_sig(struct sipt_card *c, sim_span_t *s, uint32_t ts, int fd, uint32_t events) {
  for (int k = 0; k < 64; k++) {
    ssize_t n = recv(fd, c->scratch, c->scratch_len, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      drop_sig(c, s, ts, fd);
      return;
    }
    if (n == 0 && (events & (EPOLLHUP | EPOLLRDHUP | EPOLLERR))) {
      drop_sig(c, s, ts, fd);
      return;
    }
    pthread_mutex_lock(&c->mu);
    if (s->sig_fd[ts] != fd) {
      pthread_mutex_unlock(&c->mu);
      return;
    }
    size_t len = (size_t)n;
    if (len > c->scratch_len) len = SIPT_CARD_SIG_MAX_FRAME + 1; /* truncated: too long anyway */
    if (s->loopback == SIPT_SIM_LOOP_LINE && !s->cut && len <= c->scratch_len &&
        !(s->alarms & (SIPT_ALARM_LOS | SIPT_ALARM_LOF | SIPT_ALARM_AIS))) {
      /* line loopback: the frame goes back to the far end as it came */
      ssize_t w = send(fd, c->scratch, len, MSG_DONTWAIT | MSG_NOSIGNAL);
      (void)w; /* a far end not reading loses looped frames, as on the line */
    }
    sim_deliver_frame(c, s, ts, c->scratch, len, 1);
    pthread_mutex_unlock(&c->mu);
  }
}

/* ---- span bearer ------------------------------------------------------- */

static void accept_bearer(struct sipt_card *c, sim_span_t *s) {
  int fd = accept4(s->bearer_listen, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  pthread_mutex_lock(&c->mu);
  if (s->wired) {
    close(fd);
  } else {
    pthread_mutex_lock(&s->line.mu);
    int old = s->line.fd;
    line_attach(&s->line, fd, 0);
    pthread_mutex_unlock(&s->line.mu);
    if (old >= 0) ep_del_close(c, old);
    ep_add(c, fd, ev_data(K_BEARER_CONN, s->num, 0, fd));
  }
  pthread_mutex_unlock(&c->mu);
}

static void drop_bearer(struct sipt_card *c, sim_span_t *s, int fd) {
  pthread_mutex_lock(&c->mu);
  pthread_mutex_lock(&s->line.mu);
  int mine = s->line.fd == fd;
  pthread_mutex_unlock(&s->line.mu);
  if (mine && s->wired) {
    /* the other card went away: drop the whole wire and reconnect later */
    sim_span_drop_conns(c, s);
    s->wire_retry_ms = sim_now_ms() + SIM_WIRE_RETRY_MS;
  } else if (mine) {
    /* a far end of its own: only the bearer goes, signalling stays */
    pthread_mutex_lock(&s->line.mu);
    line_attach(&s->line, -1, 0);
    pthread_mutex_unlock(&s->line.mu);
    ep_del_close(c, fd);
  }
  pthread_mutex_unlock(&c->mu);
}

static void read_span_bearer(struct sipt_card *c, sim_span_t *s, int fd, uint32_t events) {
  sim_line_t *l = &s->line;
  for (int k = 0; k < 16; k++) {
    ssize_t n = recv(fd, c->scratch, c->scratch_len, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      drop_bearer(c, s, fd);
      return;
    }
    if (n == 0 && (events & (EPOLLHUP | EPOLLRDHUP | EPOLLERR))) {
      drop_bearer(c, s, fd);
      return;
    }
    int slip = 0;
    uint64_t total = 0;
    pthread_mutex_lock(&l->mu);
    if (l->fd != fd) {
      pthread_mutex_unlock(&l->mu);
      return;
    }
    if ((size_t)n != l->pkt_len || get_u16(c->scratch + 4) != l->slots || get_u16(c->scratch + 6) != l->block) {
      l->rx_invalid++;
    } else if (!l->cut) {
      slip = line_push_rx(l, c->scratch + SIM_BLOCK_HDR);
      l->rx_blocks++;
      if (l->wired) {
        /* slaved to the other card's clock: answer this block at once */
        if (l->loop == SIPT_SIM_LOOP_LINE || l->loop == SIPT_SIM_LOOP_PAYLOAD) {
          const size_t B = l->block;
          for (uint32_t t = 0; t < l->slots; t++) {
            if (!(l->loop_mask & (1u << (t + 1)))) continue;
            uint8_t *o = l->txpkt + SIM_BLOCK_HDR + (size_t)t * B;
            if (l->fill) memset(o, l->fill, B);
            else memcpy(o, c->scratch + SIM_BLOCK_HDR + (size_t)t * B, B);
          }
        }
        put_u32(l->txpkt, get_u32(c->scratch));
        put_u16(l->txpkt + 4, l->slots);
        put_u16(l->txpkt + 6, l->block);
        if (send(fd, l->txpkt, l->pkt_len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)l->pkt_len) l->tx_blocks++;
      }
      pthread_cond_broadcast(&l->cv);
    }
    total = l->slips;
    pthread_mutex_unlock(&l->mu);
    if (slip) sim_post_counter(c, SIPT_EV_SPAN_SLIP, s->num, 0, 0, 1, total);
  }
}

/* ---- analog ports ------------------------------------------------------ */

/* mu held: the far end went away (phone unplugged, CO line removed). */
static void port_far_end_gone(struct sipt_card *c, sim_port_t *p) {
  if (p->kind == SIPT_PORT_FXS) {
    p->raw_off_hook = 0;
    p->hook_pending = 0;
    if (p->off_hook) {
      p->off_hook = 0;
      sim_post_event(c, SIPT_EV_PORT_HOOK, 0, p->num, 0, 0, 0);
    }
    sim_fxs_loop_update(c, p);
  } else {
    if (p->ring_detect) {
      p->ring_detect = 0;
      sim_post_event(c, SIPT_EV_PORT_RING, 0, p->num, 0, 0, 0);
    }
    if (p->polarity) {
      p->polarity = 0;
      sim_post_event(c, SIPT_EV_PORT_POLARITY, 0, p->num, 0, 0, 0);
    }
    if (p->battery) {
      p->battery = 0;
      sim_post_event(c, SIPT_EV_PORT_BATTERY, 0, p->num, 0, 0, 0);
    }
    sim_port_fxo_update_loop(c, p);
  }
}

static void accept_port(struct sipt_card *c, sim_port_t *p) {
  int fd = accept4(p->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  pthread_mutex_lock(&c->mu);
  pthread_mutex_lock(&p->line.mu);
  int old = p->line.fd;
  line_attach(&p->line, fd, 0);
  pthread_mutex_unlock(&p->line.mu);
  if (old >= 0) {
    ep_del_close(c, old);
    port_far_end_gone(c, p);
  }
  ep_add(c, fd, ev_data(K_PORT_CONN, p->num, 0, fd));
  /* tell the new far end the line state it is attached to */
  if (p->kind == SIPT_PORT_FXS) {
    sim_port_send(p, PORT_MSG_BATTERY, (uint8_t)p->battery);
    sim_port_send(p, PORT_MSG_POLARITY, (uint8_t)p->polarity);
    sim_port_send(p, PORT_MSG_RING, (uint8_t)p->ring_on);
  } else {
    sim_port_send(p, PORT_MSG_HOOK, (uint8_t)p->fxo_line_hook);
  }
  pthread_mutex_unlock(&c->mu);
}

static void drop_port(struct sipt_card *c, sim_port_t *p, int fd) {
  pthread_mutex_lock(&c->mu);
  pthread_mutex_lock(&p->line.mu);
  int mine = p->line.fd == fd;
  if (mine) line_attach(&p->line, -1, 0);
  pthread_mutex_unlock(&p->line.mu);
  if (mine) {
    ep_del_close(c, fd);
    port_far_end_gone(c, p);
  }
  pthread_mutex_unlock(&c->mu);
}

/* mu held: the telephone's hook switch, raw. Flash timing per the port's
 * hookDebounceMs / flashMaxMs: a break shorter than the debounce is
 * ignored, one up to flashMaxMs is a hook flash (register recall), a longer
 * one is an on-hook reported when flashMaxMs expires. */
static void fxs_hook(struct sipt_card *c, sim_port_t *p, int off) {
  p->raw_off_hook = off;
  if (!p->battery) return; /* no feed, no loop current to detect */
  uint64_t now = sim_now_ms();
  if (off) {
    if (p->hook_pending) {
      uint64_t d = now - p->onhook_at_ms;
      p->hook_pending = 0;
      if (d >= p->debounce_ms) sim_post_event(c, SIPT_EV_PORT_FLASH, 0, p->num, 0, (uint32_t)d, 0);
    } else if (!p->off_hook) {
      p->off_hook = 1;
      if (p->ringing) {
        sim_fxs_stop_ring(p); /* ring trip */
        sim_post_event(c, SIPT_EV_PORT_RING_TRIP, 0, p->num, 0, 0, 0);
      }
      sim_post_event(c, SIPT_EV_PORT_HOOK, 0, p->num, 0, 1, 0);
      sim_fxs_loop_update(c, p);
    }
  } else if (p->off_hook && !p->hook_pending) {
    p->hook_pending = 1;
    p->onhook_at_ms = now;
    /* the service loop recomputes its timeout after this event */
  }
}

/* mu held */
static void port_msg(struct sipt_card *c, sim_port_t *p, uint8_t type, uint8_t v) {
  if (v > 1) {
    p->rx_invalid++;
    return;
  }
  if (p->kind == SIPT_PORT_FXS) {
    if (type == PORT_MSG_HOOK) fxs_hook(c, p, v);
    else p->rx_invalid++;
    return;
  }
  switch (type) {
    case PORT_MSG_RING:
      if (p->ring_detect != v) {
        p->ring_detect = v;
        sim_post_event(c, SIPT_EV_PORT_RING, 0, p->num, 0, v, 0);
      }
      break;
    case PORT_MSG_POLARITY:
      if (p->polarity != v) {
        p->polarity = v;
        sim_post_event(c, SIPT_EV_PORT_POLARITY, 0, p->num, 0, v, 0);
      }
      break;
    case PORT_MSG_BATTERY:
      if (p->battery != v) {
        p->battery = v;
        sim_post_event(c, SIPT_EV_PORT_BATTERY, 0, p->num, 0, v, 0);
        sim_port_fxo_update_loop(c, p);
      }
      break;
    default:
      p->rx_invalid++;
  }
}

static void read_port(struct sipt_card *c, sim_port_t *p, int fd, uint32_t events) {
  sim_line_t *l = &p->line;
  for (int k = 0; k < 32; k++) {
    ssize_t n = recv(fd, c->scratch, c->scratch_len, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      drop_port(c, p, fd);
      return;
    }
    if (n == 0 && (events & (EPOLLHUP | EPOLLRDHUP | EPOLLERR))) {
      drop_port(c, p, fd);
      return;
    }
    if (n >= 1 && c->scratch[0] == PORT_MSG_BEARER) {
      pthread_mutex_lock(&l->mu);
      int mine = l->fd == fd;
      int ok = mine && (size_t)n == l->pkt_len && c->scratch[1] == 0 && get_u16(c->scratch + 2) == l->block;
      if (ok) {
        line_push_rx(l, c->scratch + SIM_BLOCK_HDR);
        l->rx_blocks++;
        pthread_cond_broadcast(&l->cv);
      }
      pthread_mutex_unlock(&l->mu);
      if (!mine) return;
      if (!ok) {
        pthread_mutex_lock(&c->mu);
        p->rx_invalid++;
        pthread_mutex_unlock(&c->mu);
      }
      continue;
    }
    pthread_mutex_lock(&c->mu);
    if (p->line.fd != fd) {
      pthread_mutex_unlock(&c->mu);
      return;
    }
    if (n == 2) port_msg(c, p, c->scratch[0], c->scratch[1]);
    else p->rx_invalid++;
    pthread_mutex_unlock(&c->mu);
  }
}

/* ---- wires ------------------------------------------------------------- */

/* mu held */
static int wire_connect(struct sipt_card *c, sim_span_t *s) {
  int bfd = connect_to(s->wire_dir, "span%u.bearer", s->wire_span, 0);
  if (bfd < 0) return -1;
  for (uint32_t t = 1; t <= s->nslots; t++) {
    if (s->sig_fd[t] >= 0) ep_del_close(c, s->sig_fd[t]);
    s->sig_fd[t] = connect_to(s->wire_dir, "span%u-ts%u.sig", s->wire_span, t);
    if (s->sig_fd[t] >= 0) ep_add(c, s->sig_fd[t], ev_data(K_SIG_CONN, s->num, t, s->sig_fd[t]));
  }
  pthread_mutex_lock(&s->line.mu);
  line_attach(&s->line, bfd, 1);
  pthread_mutex_unlock(&s->line.mu);
  ep_add(c, bfd, ev_data(K_BEARER_CONN, s->num, 0, bfd));
  return 0;
}

/* ---- service thread ---------------------------------------------------- */

static void run_timers(struct sipt_card *c) {
  pthread_mutex_lock(&c->mu);
  uint64_t now = sim_now_ms();
  for (uint32_t i = 0; i < c->nports; i++) {
    sim_port_t *p = &c->ports[i];
    if (p->kind == SIPT_PORT_FXS) {
      if (p->hook_pending && now >= p->onhook_at_ms + p->flash_max_ms) {
        p->hook_pending = 0;
        p->off_hook = 0;
        sim_post_event(c, SIPT_EV_PORT_HOOK, 0, p->num, 0, 0, 0);
        sim_fxs_loop_update(c, p);
      }
      while (p->ringing && now >= p->ring_deadline_ms) {
        p->cad_idx = (p->cad_idx + 1) % p->ncad;
        int on = p->cad_idx % 2 == 0;
        if (on != p->ring_on) sim_port_send(p, PORT_MSG_RING, (uint8_t)on);
        p->ring_on = on;
        p->ring_deadline_ms += p->cadence[p->cad_idx];
      }
    } else if (p->flash_end_ms && now >= p->flash_end_ms) {
      p->flash_end_ms = 0;
      if (p->fxo_off_hook) {
        p->fxo_line_hook = 1;
        sim_port_send(p, PORT_MSG_HOOK, 1);
        sim_port_fxo_update_loop(c, p);
      }
    }
  }
  for (uint32_t i = 0; i < c->nspans; i++) {
    sim_span_t *s = &c->spans[i];
    if (!s->wired || now < s->wire_retry_ms) continue;
    pthread_mutex_lock(&s->line.mu);
    int connected = s->line.fd >= 0;
    pthread_mutex_unlock(&s->line.mu);
    if (!connected && wire_connect(c, s) != 0) s->wire_retry_ms = now + SIM_WIRE_RETRY_MS;
  }
  pthread_mutex_unlock(&c->mu);
}

static int next_timeout_ms(struct sipt_card *c) {
  pthread_mutex_lock(&c->mu);
  uint64_t now = sim_now_ms(), next = now + 1000;
#define CONSIDER(t) \
  do {              \
    if ((t) < next) next = (t); \
  } while (0)
  for (uint32_t i = 0; i < c->nports; i++) {
    sim_port_t *p = &c->ports[i];
    if (p->hook_pending) CONSIDER(p->onhook_at_ms + p->flash_max_ms);
    if (p->ringing) CONSIDER(p->ring_deadline_ms);
    if (p->flash_end_ms) CONSIDER(p->flash_end_ms);
  }
  for (uint32_t i = 0; i < c->nspans; i++) {
    sim_span_t *s = &c->spans[i];
    if (!s->wired) continue;
    pthread_mutex_lock(&s->line.mu);
    int connected = s->line.fd >= 0;
    pthread_mutex_unlock(&s->line.mu);
    if (!connected) CONSIDER(s->wire_retry_ms);
  }
#undef CONSIDER
  pthread_mutex_unlock(&c->mu);
  return next <= now ? 0 : (int)(next - now);
}

static void dispatch(struct sipt_card *c, uint64_t d, uint32_t events) {
  uint32_t kind = (uint32_t)(d >> 56), a = (uint32_t)(d >> 48) & 0xFF, b = (uint32_t)(d >> 40) & 0xFF;
  int fd = (int)(uint32_t)d;
  sim_span_t *s = a >= 1 && a <= c->nspans ? &c->spans[a - 1] : NULL;
  sim_port_t *p = a >= 1 && a <= c->nports ? &c->ports[a - 1] : NULL;
  switch (kind) {
    case K_WAKE: {
      uint64_t v;
      ssize_t r = read(c->wakefd, &v, sizeof v);
      (void)r;
      break;
    }
    case K_SIG_LISTEN:
      if (s && b >= 1 && b <= s->nslots) accept_sig(c, s, b);
      break;
    case K_SIG_CONN:
      if (s && b >= 1 && b <= s->nslots) read_sig(c, s, b, fd, events);
      break;
    case K_BEARER_LISTEN:
      if (s) accept_bearer(c, s);
      break;
    case K_BEARER_CONN:
      if (s) read_span_bearer(c, s, fd, events);
      break;
    case K_PORT_LISTEN:
      if (p) accept_port(c, p);
      break;
    case K_PORT_CONN:
      if (p) read_port(c, p, fd, events);
      break;
    default:
      break;
  }
}

static void *service_main(void *arg) {
  struct sipt_card *c = arg;
  struct epoll_event evs[32];
  while (!atomic_load(&c->stop)) {
    int n = epoll_wait(c->epfd, evs, 32, next_timeout_ms(c));
    for (int i = 0; i < n; i++) dispatch(c, evs[i].data.u64, evs[i].events);
    run_timers(c);
  }
  return NULL;
}

int sim_service_start(struct sipt_card *c) {
  if (pthread_create(&c->svc, NULL, service_main, c) != 0) return SIPT_CARD_EIO;
  c->svc_running = 1;
  return SIPT_CARD_OK;
}

void sim_service_stop(struct sipt_card *c) {
  atomic_store(&c->stop, 1);
  sim_wake_service(c);
  pthread_join(c->svc, NULL);
  c->svc_running = 0;
}
