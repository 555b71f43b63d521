/*
 * card.c -- the simulated card: open/close, spans, signalling channels,
 * events and analog port commands of hardware/abi/sipt_card.h.
 *
 * Span framing and line codes are those of ITU-T G.704 / G.703; alarms follow
 * the G.775 defect names (LOS, AIS, LOF, RAI); slips are G.822 controlled
 * slips. The simulator moves octets, not bits: framing, line code and CRC are
 * configuration that is validated and reported, and their errors exist only
 * when injected (sim_internal.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

static atomic_uint instance_counter;

uint32_t sipt_card_abi_version(void) { return SIPT_CARD_ABI_VERSION; }

const char *sipt_card_strerror(int err) {
  switch (err) {
    case SIPT_CARD_OK: return "success";
    case SIPT_CARD_EINVAL: return "invalid argument";
    case SIPT_CARD_ENOENT: return "no such span, port, timeslot, channel or file";
    case SIPT_CARD_EBUSY: return "resource already in use";
    case SIPT_CARD_ESTATE: return "operation not valid in the current state";
    case SIPT_CARD_EAGAIN: return "nothing available now";
    case SIPT_CARD_ETIMEDOUT: return "timed out";
    case SIPT_CARD_ENOMEM: return "out of memory";
    case SIPT_CARD_EIO: return "input/output error";
    case SIPT_CARD_EMSGSIZE: return "frame or buffer size out of range";
    case SIPT_CARD_ENOTSUP: return "not supported by this card";
    case SIPT_CARD_EPROFILE: return "card profile missing or invalid";
    case SIPT_CARD_EINTR: return "wait interrupted";
    case SIPT_CARD_ELAYOUT: return "buffer length does not match the bearer layout";
    default: return "unknown error";
  }
}

uint64_t sim_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t sim_now_ms(void) { return sim_now_ns() / 1000000ull; }

void sim_notify(struct sipt_card *c) {
  uint64_t one = 1;
  ssize_t r = write(c->evfd, &one, sizeof one);
  (void)r; /* EAGAIN means the counter is already non-zero: still readable */
}

void sim_wake_service(struct sipt_card *c) {
  uint64_t one = 1;
  ssize_t r = write(c->wakefd, &one, sizeof one);
  (void)r;
}

/* ---- events ------------------------------------------------------------ */

/* evmu held. Returns the slot for a new event, or NULL when full. */
static sipt_card_event_t *ev_push(struct sipt_card *c) {
  if (c->ev_lost > 0) {
    if (SIM_EVQ - c->ev_count < 2) {
      c->ev_lost++;
      return NULL;
    }
    sipt_card_event_t *o = &c->evq[(c->ev_head + c->ev_count) % SIM_EVQ];
    memset(o, 0, sizeof *o);
    o->type = SIPT_EV_OVERFLOW;
    o->count = c->ev_lost;
    o->time_ns = sim_now_ns();
    c->ev_count++;
    c->ev_lost = 0;
  }
  if (c->ev_count == SIM_EVQ) {
    c->ev_lost++;
    return NULL;
  }
  sipt_card_event_t *e = &c->evq[(c->ev_head + c->ev_count) % SIM_EVQ];
  memset(e, 0, sizeof *e);
  c->ev_count++;
  return e;
}

void sim_post_event(struct sipt_card *c, uint32_t type, uint32_t span, uint32_t port, uint32_t ts,
                    uint32_t value, uint32_t changed) {
  uint64_t now = sim_now_ns();
  pthread_mutex_lock(&c->evmu);
  sipt_card_event_t *e = ev_push(c);
  if (e) {
    e->type = type;
    e->span = span;
    e->port = port;
    e->timeslot = ts;
    e->value = value;
    e->changed = changed;
    e->time_ns = now;
  }
  pthread_mutex_unlock(&c->evmu);
  sim_notify(c);
}

void sim_post_counter(struct sipt_card *c, uint32_t type, uint32_t span, uint32_t port, uint32_t ts,
                      uint32_t delta, uint64_t total) {
  uint64_t now = sim_now_ns();
  pthread_mutex_lock(&c->evmu);
  for (uint32_t i = 0; i < c->ev_count; i++) {
    sipt_card_event_t *q = &c->evq[(c->ev_head + i) % SIM_EVQ];
    if (q->type == type && q->span == span && q->port == port && q->timeslot == ts) {
      uint64_t v = (uint64_t)q->value + delta;
      q->value = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
      q->count = total;
      pthread_mutex_unlock(&c->evmu);
      return; /* already signalled */
    }
  }
  sipt_card_event_t *e = ev_push(c);
  if (e) {
    e->type = type;
    e->span = span;
    e->port = port;
    e->timeslot = ts;
    e->value = delta;
    e->count = total;
    e->time_ns = now;
  }
  pthread_mutex_unlock(&c->evmu);
  sim_notify(c);
}

int sipt_card_next_event(sipt_card_t *c, sipt_card_event_t *out) {
  if (c == NULL || out == NULL) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->evmu);
  int rc = SIPT_CARD_EAGAIN;
  if (c->ev_count > 0) {
    *out = c->evq[c->ev_head];
    c->ev_head = (c->ev_head + 1) % SIM_EVQ;
    c->ev_count--;
    rc = SIPT_CARD_OK;
  } else if (c->ev_lost > 0) {
    memset(out, 0, sizeof *out);
    out->type = SIPT_EV_OVERFLOW;
    out->count = c->ev_lost;
    out->time_ns = sim_now_ns();
    c->ev_lost = 0;
    rc = SIPT_CARD_OK;
  }
  pthread_mutex_unlock(&c->evmu);
  return rc;
}

int sipt_card_event_fd(sipt_card_t *c) {
  if (c == NULL) return SIPT_CARD_EINVAL;
  return c->evfd;
}

int sipt_card_wait(sipt_card_t *c, int timeout_ms) {
  if (c == NULL) return SIPT_CARD_EINVAL;
  uint64_t end = timeout_ms > 0 ? sim_now_ms() + (uint64_t)timeout_ms : 0;
  for (;;) {
    if (atomic_exchange(&c->interrupted, 0)) return SIPT_CARD_EINTR;
    struct pollfd pfd = {.fd = c->evfd, .events = POLLIN};
    int left = timeout_ms;
    if (timeout_ms > 0) {
      uint64_t now = sim_now_ms();
      left = now >= end ? 0 : (int)(end - now);
    }
    int n = poll(&pfd, 1, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return SIPT_CARD_EIO;
    }
    if (n == 0) return SIPT_CARD_ETIMEDOUT;
    uint64_t v;
    ssize_t r = read(c->evfd, &v, sizeof v);
    (void)r;
    if (atomic_exchange(&c->interrupted, 0)) {
      sim_notify(c); /* keep the readiness for whoever waits next */
      return SIPT_CARD_EINTR;
    }
    return SIPT_CARD_OK;
  }
}

int sipt_card_interrupt(sipt_card_t *c) {
  if (c == NULL) return SIPT_CARD_EINVAL;
  atomic_store(&c->interrupted, 1);
  sim_notify(c);
  return SIPT_CARD_OK;
}

/* ---- open / close ------------------------------------------------------ */

typedef struct {
  const char *profile, *spans, *ports, *rundir, *name, *ctl;
  uint32_t block, mode, law, rxfill;
  const char *wire[SIPT_CARD_MAX_SPANS + 1];
} params_t;

static int parse_u32(const char *s, uint32_t *out) {
  if (*s < '0' || *s > '9') return -1;
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *end || v > UINT32_MAX) return -1;
  *out = (uint32_t)v;
  return 0;
}

/* buf is a writable copy of the params string; values point into it. */
static int parse_params(char *buf, params_t *p) {
  memset(p, 0, sizeof *p);
  p->block = SIPT_CARD_BLOCK_DEFAULT;
  p->mode = SIPT_MODE_REALTIME;
  p->law = SIPT_LAW_ALAW;
  p->rxfill = 0; /* 0: the mode's default */
  char *save = NULL;
  for (char *kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
    char *eq = strchr(kv, '=');
    if (eq == NULL || eq == kv) return SIPT_CARD_EINVAL;
    *eq = '\0';
    const char *k = kv, *v = eq + 1;
    if (strcmp(k, "profile") == 0) p->profile = v;
    else if (strcmp(k, "spans") == 0) p->spans = v;
    else if (strcmp(k, "ports") == 0) p->ports = v;
    else if (strcmp(k, "rundir") == 0) p->rundir = v;
    else if (strcmp(k, "name") == 0) p->name = v;
    else if (strcmp(k, "ctl") == 0) p->ctl = v;
    else if (strcmp(k, "block") == 0) {
      if (parse_u32(v, &p->block) || p->block < SIPT_CARD_BLOCK_MIN || p->block > SIPT_CARD_BLOCK_MAX ||
          p->block % 8)
        return SIPT_CARD_EINVAL;
    } else if (strcmp(k, "rxfill") == 0) {
      if (parse_u32(v, &p->rxfill) || p->rxfill < 1 || p->rxfill > SIM_RXQ_DEPTH - 1) return SIPT_CARD_EINVAL;
    } else if (strcmp(k, "mode") == 0) {
      if (strcmp(v, "realtime") == 0) p->mode = SIPT_MODE_REALTIME;
      else if (strcmp(v, "freerun") == 0) p->mode = SIPT_MODE_FREERUN;
      else return SIPT_CARD_EINVAL;
    } else if (strcmp(k, "law") == 0) {
      if (strcmp(v, "alaw") == 0) p->law = SIPT_LAW_ALAW;
      else if (strcmp(v, "ulaw") == 0) p->law = SIPT_LAW_ULAW;
      else return SIPT_CARD_EINVAL;
    } else if (strncmp(k, "wire", 4) == 0) {
      uint32_t s;
      if (parse_u32(k + 4, &s) || s < 1 || s > SIPT_CARD_MAX_SPANS) return SIPT_CARD_EINVAL;
      p->wire[s] = v;
    } else {
      return SIPT_CARD_EINVAL;
    }
  }
  if (p->rundir == NULL || p->rundir[0] == '\0') return SIPT_CARD_EINVAL;
  if ((p->profile != NULL) == (p->spans != NULL || p->ports != NULL)) return SIPT_CARD_EINVAL;
  return SIPT_CARD_OK;
}

static void card_destroy(struct sipt_card *c) {
  if (c->svc_running) sim_service_stop(c);
  sim_close_all(c);
  for (uint32_t i = 0; c->spans && i < c->nspans; i++) {
    sim_line_destroy(&c->spans[i].line);
    for (uint32_t t = 0; t < SIM_MAX_SLOTS; t++) free(c->spans[i].chan[t].ring);
  }
  for (uint32_t i = 0; c->ports && i < c->nports; i++) sim_line_destroy(&c->ports[i].line);
  if (c->evfd >= 0) close(c->evfd);
  if (c->wakefd >= 0) close(c->wakefd);
  if (c->epfd >= 0) close(c->epfd);
  free(c->spans);
  free(c->ports);
  free(c->layout);
  free(c->groups);
  free(c->scratch);
  pthread_mutex_destroy(&c->mu);
  pthread_mutex_destroy(&c->layout_mu);
  pthread_mutex_destroy(&c->evmu);
  free(c);
}

static int wire_param(struct sipt_card *c, uint32_t span, const char *v) {
  const char *colon = strrchr(v, ':');
  uint32_t rs;
  if (colon == NULL || colon == v || parse_u32(colon + 1, &rs) || rs < 1 || rs > SIPT_CARD_MAX_SPANS)
    return SIPT_CARD_EINVAL;
  if (span > c->nspans) return SIPT_CARD_ENOENT;
  size_t n = (size_t)(colon - v);
  if (n + 20 >= SIM_PATH_MAX) return SIPT_CARD_EINVAL;
  sim_span_t *s = &c->spans[span - 1];
  memcpy(s->wire_dir, v, n);
  s->wire_dir[n] = '\0';
  s->wire_span = rs;
  s->wired = 1;
  s->wire_retry_ms = 0;
  return SIPT_CARD_OK;
}

int sipt_card_open(const char *params, sipt_card_t **out) {
  if (out == NULL) return SIPT_CARD_EINVAL;
  *out = NULL;
  if (params == NULL || strlen(params) > 4096) return SIPT_CARD_EINVAL;
  char buf[4097];
  snprintf(buf, sizeof buf, "%s", params);
  params_t p;
  int rc = parse_params(buf, &p);
  if (rc != SIPT_CARD_OK) return rc;
  if (p.ctl != NULL && sipt_sim_ctl_start == NULL) return SIPT_CARD_ENOTSUP;
  /* longest socket name: "/span16-ts31.sig" */
  if (strlen(p.rundir) + 17 >= SIM_PATH_MAX) return SIPT_CARD_EINVAL;

  struct sipt_card *c = calloc(1, sizeof *c);
  if (c == NULL) return SIPT_CARD_ENOMEM;
  c->evfd = c->wakefd = c->epfd = -1;
  pthread_mutex_init(&c->mu, NULL);
  pthread_mutex_init(&c->layout_mu, NULL);
  pthread_mutex_init(&c->evmu, NULL);
  c->block = p.block;
  c->mode = p.mode;
  /* real time: one block of far-end jitter tolerated; free-run moves in lock step */
  c->rxfill = p.rxfill ? p.rxfill : (p.mode == SIPT_MODE_REALTIME ? 2 : 1);
  snprintf(c->rundir, sizeof c->rundir, "%s", p.rundir);
  if (p.name) snprintf(c->serial, sizeof c->serial, "%s", p.name);
  else snprintf(c->serial, sizeof c->serial, "sim-%d-%u", (int)getpid(), atomic_fetch_add(&instance_counter, 1) + 1);

  if (p.profile) {
    char err[256] = "";
    rc = sim_load_profile(c, p.profile, err, sizeof err);
    if (rc == SIPT_CARD_EPROFILE && getenv("SIPT_SIM_DEBUG")) fprintf(stderr, "sipt-sim: %s\n", err);
  } else {
    rc = sim_inline_profile(c, p.spans, p.ports, p.law);
  }
  /* spans/ports are allocated even on failure; mark every fd closed first */
  for (uint32_t i = 0; c->spans && i < c->nspans; i++) {
    sim_span_t *s = &c->spans[i];
    s->bearer_listen = -1;
    s->line.fd = -1;
    for (uint32_t t = 0; t < SIM_MAX_SLOTS; t++) s->sig_listen[t] = s->sig_fd[t] = -1;
  }
  for (uint32_t i = 0; c->ports && i < c->nports; i++) c->ports[i].listen_fd = c->ports[i].line.fd = -1;
  if (rc != SIPT_CARD_OK) goto fail;

  for (uint32_t s = 1; s <= SIPT_CARD_MAX_SPANS; s++)
    if (p.wire[s] && (rc = wire_param(c, s, p.wire[s])) != SIPT_CARD_OK) goto fail;

  if (mkdir(c->rundir, 0700) != 0 && errno != EEXIST) {
    rc = errno == ENOENT ? SIPT_CARD_ENOENT : SIPT_CARD_EIO;
    goto fail;
  }
  rc = SIPT_CARD_ENOMEM;
  for (uint32_t i = 0; i < c->nspans; i++) {
    sim_span_t *s = &c->spans[i];
    if (sim_line_init(&s->line, s->nslots, c->block, 0, s->type == SIPT_SPAN_E1 ? 0xD5 : 0xFF) != 0) goto fail;
  }
  for (uint32_t i = 0; i < c->nports; i++) {
    sim_port_t *pt = &c->ports[i];
    if (sim_line_init(&pt->line, 1, c->block, 1, pt->law == SIPT_LAW_ALAW ? 0xD5 : 0xFF) != 0) goto fail;
  }
  c->layout = calloc((size_t)c->nspans * SIPT_CARD_E1_TIMESLOTS + c->nports + 1, sizeof *c->layout);
  c->groups = calloc((size_t)c->nspans + c->nports + 1, sizeof *c->groups);
  c->scratch_len = SIM_BLOCK_HDR + (size_t)SIPT_CARD_E1_TIMESLOTS * c->block;
  if (c->scratch_len < SIPT_CARD_SIG_MAX_FRAME + 1) c->scratch_len = SIPT_CARD_SIG_MAX_FRAME + 1;
  c->scratch = malloc(c->scratch_len);
  if (c->layout == NULL || c->groups == NULL || c->scratch == NULL) goto fail;

  c->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  c->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (c->evfd < 0 || c->wakefd < 0) {
    rc = SIPT_CARD_EIO;
    goto fail;
  }
  if ((rc = sim_listen_all(c)) != SIPT_CARD_OK) goto fail;
  pthread_mutex_lock(&c->mu);
  sim_rebuild_layout(c);
  pthread_mutex_unlock(&c->mu);
  if ((rc = sim_service_start(c)) != SIPT_CARD_OK) goto fail;
  if (p.ctl != NULL) {
    rc = sipt_sim_ctl_start(c, p.ctl);
    if (rc != SIPT_CARD_OK) goto fail;
    c->ctl_started = 1;
  }
  *out = c;
  return SIPT_CARD_OK;
fail:
  card_destroy(c);
  return rc;
}

int sipt_card_close(sipt_card_t *c) {
  if (c == NULL) return SIPT_CARD_EINVAL;
  if (c->ctl_started && sipt_sim_ctl_stop != NULL) sipt_sim_ctl_stop(c);
  card_destroy(c);
  return SIPT_CARD_OK;
}

/* ---- enumeration ------------------------------------------------------- */

int sipt_card_info(sipt_card_t *c, sipt_card_info_t *out) {
  if (c == NULL || out == NULL) return SIPT_CARD_EINVAL;
  memset(out, 0, sizeof *out);
  snprintf(out->driver, sizeof out->driver, "sipt-sim");
  snprintf(out->model, sizeof out->model, "%s", c->model);
  snprintf(out->serial, sizeof out->serial, "%s", c->serial);
  out->abi_version = SIPT_CARD_ABI_VERSION;
  out->span_count = c->nspans;
  out->port_count = c->nports;
  out->block_bytes = c->block;
  out->mode = c->mode;
  return SIPT_CARD_OK;
}

static sim_span_t *get_span(struct sipt_card *c, uint32_t span) {
  return span >= 1 && span <= c->nspans ? &c->spans[span - 1] : NULL;
}

static sim_port_t *get_port(struct sipt_card *c, uint32_t port) {
  return port >= 1 && port <= c->nports ? &c->ports[port - 1] : NULL;
}

int sipt_card_span_info(sipt_card_t *c, uint32_t span, sipt_span_info_t *out) {
  if (c == NULL || out == NULL) return SIPT_CARD_EINVAL;
  sim_span_t *s = get_span(c, span);
  if (s == NULL) return SIPT_CARD_ENOENT;
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&c->mu);
  snprintf(out->name, sizeof out->name, "%s", s->name);
  out->span = s->num;
  out->type = s->type;
  out->timeslots = s->nslots;
  out->configured = (uint32_t)s->configured;
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

int sipt_card_port_info(sipt_card_t *c, uint32_t port, sipt_port_info_t *out) {
  if (c == NULL || out == NULL) return SIPT_CARD_EINVAL;
  sim_port_t *p = get_port(c, port);
  if (p == NULL) return SIPT_CARD_ENOENT;
  memset(out, 0, sizeof *out);
  snprintf(out->name, sizeof out->name, "%s", p->name);
  out->port = p->num;
  out->kind = p->kind;
  out->companding = p->law;
  return SIPT_CARD_OK;
}

/* ---- spans ------------------------------------------------------------- */

static void recompute_clock(struct sipt_card *c) {
  uint32_t best = 0, best_prio = UINT32_MAX;
  for (uint32_t i = 0; i < c->nspans; i++) {
    sim_span_t *s = &c->spans[i];
    if (!s->configured || s->cfg.clock != SIPT_CLOCK_RECOVERED) continue;
    if (s->alarms & (SIPT_ALARM_LOS | SIPT_ALARM_LOF | SIPT_ALARM_AIS)) continue;
    if (s->cfg.clock_priority < best_prio) {
      best_prio = s->cfg.clock_priority;
      best = s->num;
    }
  }
  if (best != c->clock_source) {
    c->clock_source = best;
    sim_post_event(c, SIPT_EV_CLOCK_SOURCE, best, 0, 0, best, 0);
  }
}

void sim_recompute_alarms(struct sipt_card *c, sim_span_t *s) {
  uint32_t rep = s->inj_alarms;
  if (s->cut) rep |= SIPT_ALARM_LOS;
  if (rep & SIPT_ALARM_LOS) rep = (rep | SIPT_ALARM_LOF) & ~SIPT_ALARM_AIS;
  uint8_t fill = 0;
  if (rep & (SIPT_ALARM_LOS | SIPT_ALARM_LOF)) fill = s->line.idle;
  else if (rep & SIPT_ALARM_AIS) fill = 0xFF;
  pthread_mutex_lock(&s->line.mu);
  s->line.fill = fill;
  s->line.cut = s->cut;
  pthread_mutex_unlock(&s->line.mu);
  /* local loopback: the receiver is fed by the card's own transmitter */
  if (s->loopback == SIPT_SIM_LOOP_LOCAL) rep = 0;
  if (rep != s->alarms) {
    uint32_t changed = rep ^ s->alarms;
    s->alarms = rep;
    uint64_t now = sim_now_ns();
    sim_post_event(c, SIPT_EV_SPAN_ALARM, s->num, 0, 0, rep, changed);
    if (c->alarm_fn) c->alarm_fn(c->alarm_arg, s->num, rep, changed, now);
  }
  recompute_clock(c);
}

int sim_rebuild_layout(struct sipt_card *c) {
  pthread_mutex_lock(&c->layout_mu);
  uint32_t n = 0, ng = 0;
  for (uint32_t i = 0; i < c->nspans; i++) {
    sim_span_t *s = &c->spans[i];
    if (!s->configured) continue;
    sim_group_t *g = &c->groups[ng++];
    g->line = &s->line;
    g->span = s->num;
    g->first = n;
    g->count = 0;
    for (uint32_t t = 1; t <= s->nslots; t++) {
      if (!(s->cfg.bearer_mask & (1u << t))) continue;
      sipt_bearer_channel_t *ch = &c->layout[n++];
      memset(ch, 0, sizeof *ch);
      ch->kind = SIPT_CHAN_SPAN;
      ch->span = s->num;
      ch->timeslot = t;
      ch->companding = s->cfg.companding;
      g->slot[g->count++] = (uint8_t)(t - 1);
    }
    pthread_mutex_lock(&s->line.mu);
    s->line.idle = s->cfg.companding == SIPT_LAW_ALAW ? 0xD5 : 0xFF;
    if (s->line.loop == SIPT_SIM_LOOP_PAYLOAD) s->line.loop_mask = s->cfg.bearer_mask;
    sim_line_loop_reset(&s->line);
    pthread_mutex_unlock(&s->line.mu);
  }
  for (uint32_t i = 0; i < c->nports; i++) {
    sim_port_t *p = &c->ports[i];
    sim_group_t *g = &c->groups[ng++];
    g->line = &p->line;
    g->span = 0;
    g->first = n;
    g->count = 1;
    g->slot[0] = 0;
    sipt_bearer_channel_t *ch = &c->layout[n++];
    memset(ch, 0, sizeof *ch);
    ch->kind = SIPT_CHAN_PORT;
    ch->port = p->num;
    ch->companding = p->law;
  }
  c->nlayout = n;
  c->ngroups = ng;
  pthread_mutex_unlock(&c->layout_mu);
  return SIPT_CARD_OK;
}

static int validate_config(const sim_span_t *s, const sipt_span_config_t *cfg) {
  for (size_t i = 0; i < sizeof cfg->reserved / sizeof cfg->reserved[0]; i++)
    if (cfg->reserved[i]) return SIPT_CARD_EINVAL;
  if (s->type == SIPT_SPAN_E1) {
    if (cfg->framing != SIPT_FRAMING_E1_DF && cfg->framing != SIPT_FRAMING_E1_CRC4) return SIPT_CARD_EINVAL;
    if (cfg->line_code != SIPT_LINECODE_HDB3 && cfg->line_code != SIPT_LINECODE_AMI) return SIPT_CARD_EINVAL;
  } else {
    if (cfg->framing != SIPT_FRAMING_T1_D4 && cfg->framing != SIPT_FRAMING_T1_ESF) return SIPT_CARD_EINVAL;
    if (cfg->line_code != SIPT_LINECODE_B8ZS && cfg->line_code != SIPT_LINECODE_AMI) return SIPT_CARD_EINVAL;
  }
  if (cfg->clock == SIPT_CLOCK_MASTER) {
    if (cfg->clock_priority != 0) return SIPT_CARD_EINVAL;
  } else if (cfg->clock == SIPT_CLOCK_RECOVERED) {
    if (cfg->clock_priority < 1 || cfg->clock_priority > SIPT_CARD_MAX_SPANS) return SIPT_CARD_EINVAL;
  } else {
    return SIPT_CARD_EINVAL;
  }
  if (cfg->companding != SIPT_LAW_ALAW && cfg->companding != SIPT_LAW_ULAW) return SIPT_CARD_EINVAL;
  uint32_t valid = (s->nslots == 31 ? 0xFFFFFFFFu : ((1u << (s->nslots + 1)) - 1)) & ~1u;
  if ((cfg->bearer_mask & ~valid) || (cfg->sig_mask & ~valid)) return SIPT_CARD_EINVAL;
  if (cfg->bearer_mask & cfg->sig_mask) return SIPT_CARD_EINVAL;
  return SIPT_CARD_OK;
}

int sipt_card_span_configure(sipt_card_t *c, uint32_t span, const sipt_span_config_t *cfg) {
  if (c == NULL || cfg == NULL) return SIPT_CARD_EINVAL;
  sim_span_t *s = get_span(c, span);
  if (s == NULL) return SIPT_CARD_ENOENT;
  int rc = validate_config(s, cfg);
  if (rc != SIPT_CARD_OK) return rc;
  pthread_mutex_lock(&c->mu);
  int layout_changed = !s->configured || s->cfg.bearer_mask != cfg->bearer_mask ||
                       s->cfg.companding != cfg->companding;
  s->cfg = *cfg;
  s->configured = 1;
  if (layout_changed) sim_rebuild_layout(c);
  sim_recompute_alarms(c, s);
  recompute_clock(c);
  pthread_mutex_unlock(&c->mu);
  if (layout_changed) sim_post_event(c, SIPT_EV_BEARER_LAYOUT, span, 0, 0, 0, 0);
  return SIPT_CARD_OK;
}

int sipt_card_span_get_config(sipt_card_t *c, uint32_t span, sipt_span_config_t *out) {
  if (c == NULL || out == NULL) return SIPT_CARD_EINVAL;
  sim_span_t *s = get_span(c, span);
  if (s == NULL) return SIPT_CARD_ENOENT;
  pthread_mutex_lock(&c->mu);
  int configured = s->configured;
  if (configured) *out = s->cfg;
  pthread_mutex_unlock(&c->mu);
  return configured ? SIPT_CARD_OK : SIPT_CARD_ESTATE;
}

int sipt_card_span_status(sipt_card_t *c, uint32_t span, sipt_span_status_t *out) {
  if (c == NULL || out == NULL) return SIPT_CARD_EINVAL;
  sim_span_t *s = get_span(c, span);
  if (s == NULL) return SIPT_CARD_ENOENT;
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&c->mu);
  out->span = s->num;
  out->alarms = s->alarms;
  out->configured = (uint32_t)s->configured;
  out->clock_source = c->clock_source == s->num;
  out->bpv = s->bpv;
  out->crc_errors = s->crc;
  out->fas_errors = s->fas;
  pthread_mutex_lock(&s->line.mu);
  out->slips = s->line.slips;
  out->rx_blocks = s->line.rx_blocks;
  out->tx_blocks = s->line.tx_blocks;
  pthread_mutex_unlock(&s->line.mu);
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

/* ---- signalling channels ----------------------------------------------- */

#define CHAN_IDX_BITS 9

static sim_chan_t *resolve_chan(struct sipt_card *c, int h, sim_span_t **sp, uint32_t *tsp) {
  if (h < 0) return NULL;
  uint32_t idx = (uint32_t)h & ((1u << CHAN_IDX_BITS) - 1);
  uint32_t span = idx / SIM_MAX_SLOTS + 1, ts = idx % SIM_MAX_SLOTS;
  sim_span_t *s = get_span(c, span);
  if (s == NULL || ts == 0 || ts > s->nslots) return NULL;
  sim_chan_t *ch = &s->chan[ts];
  if (!ch->open || ch->handle != h) return NULL;
  *sp = s;
  *tsp = ts;
  return ch;
}

int sipt_card_sig_open(sipt_card_t *c, uint32_t span, uint32_t ts) {
  if (c == NULL) return SIPT_CARD_EINVAL;
  sim_span_t *s = get_span(c, span);
  if (s == NULL || ts < 1 || ts > s->nslots) return SIPT_CARD_ENOENT;
  pthread_mutex_lock(&c->mu);
  int rc;
  sim_chan_t *ch = &s->chan[ts];
  if (!s->configured || !(s->cfg.sig_mask & (1u << ts))) {
    rc = SIPT_CARD_ESTATE;
  } else if (ch->open) {
    rc = SIPT_CARD_EBUSY;
  } else {
    uint8_t *ring = malloc((size_t)SIM_SIG_RING * SIPT_CARD_SIG_MAX_FRAME);
    if (ring == NULL) {
      rc = SIPT_CARD_ENOMEM;
    } else {
      uint32_t gen = ch->gen + 1;
      memset(ch, 0, sizeof *ch);
      ch->gen = gen;
      ch->ring = ring;
      ch->open = 1;
      ch->handle = (int)(((gen & 0x3FFFFFu) << CHAN_IDX_BITS) | ((span - 1) * SIM_MAX_SLOTS + ts));
      rc = ch->handle;
    }
  }
  pthread_mutex_unlock(&c->mu);
  return rc;
}

int sipt_card_sig_close(sipt_card_t *c, int h) {
  if (c == NULL) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  sim_span_t *s;
  uint32_t ts;
  sim_chan_t *ch = resolve_chan(c, h, &s, &ts);
  if (ch) {
    free(ch->ring);
    ch->ring = NULL;
    ch->open = 0;
    ch->count = 0;
  }
  pthread_mutex_unlock(&c->mu);
  return ch ? SIPT_CARD_OK : SIPT_CARD_ENOENT;
}

int sipt_card_sig_send(sipt_card_t *c, int h, const uint8_t *frame, size_t len) {
  if (c == NULL || frame == NULL) return SIPT_CARD_EINVAL;
  if (len < SIPT_CARD_SIG_MIN_FRAME || len > SIPT_CARD_SIG_MAX_FRAME) return SIPT_CARD_EMSGSIZE;
  pthread_mutex_lock(&c->mu);
  sim_span_t *s;
  uint32_t ts;
  int rc = SIPT_CARD_OK;
  sim_chan_t *ch = resolve_chan(c, h, &s, &ts);
  if (ch == NULL) {
    rc = SIPT_CARD_ENOENT;
  } else if (!(s->cfg.sig_mask & (1u << ts))) {
    rc = SIPT_CARD_ESTATE;
  } else if (s->loopback == SIPT_SIM_LOOP_LOCAL) {
    ch->tx_frames++; /* local loopback: back into the card's own receiver */
    sim_deliver_frame(c, s, ts, frame, len, 0);
  } else if (s->cut || s->loopback == SIPT_SIM_LOOP_LINE) {
    ch->tx_dropped++; /* line loopback: the transmitter carries the received signal */
  } else if (s->sig_err_tx[ts] > 0) {
    s->sig_err_tx[ts]--;
    s->sig_tx_corrupted++;
    ch->tx_frames++; /* it left the card; the far end's receiver discards it */
  } else if (s->sig_fd[ts] < 0) {
    ch->tx_dropped++;
  } else if (send(s->sig_fd[ts], frame, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len) {
    ch->tx_frames++;
  } else {
    ch->tx_dropped++; /* far end not reading (queue full) or gone */
  }
  pthread_mutex_unlock(&c->mu);
  return rc;
}

int sipt_card_sig_recv(sipt_card_t *c, int h, uint8_t *buf, size_t cap, size_t *len) {
  if (c == NULL || len == NULL || (buf == NULL && cap > 0)) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  sim_span_t *s;
  uint32_t ts;
  int rc;
  sim_chan_t *ch = resolve_chan(c, h, &s, &ts);
  if (ch == NULL) {
    rc = SIPT_CARD_ENOENT;
  } else if (ch->count == 0) {
    rc = SIPT_CARD_EAGAIN;
  } else {
    size_t n = ch->lens[ch->head];
    *len = n;
    if (cap < n) {
      rc = SIPT_CARD_EMSGSIZE;
    } else {
      memcpy(buf, ch->ring + (size_t)ch->head * SIPT_CARD_SIG_MAX_FRAME, n);
      ch->head = (ch->head + 1) % SIM_SIG_RING;
      ch->count--;
      rc = SIPT_CARD_OK;
    }
  }
  pthread_mutex_unlock(&c->mu);
  return rc;
}

int sipt_card_sig_status(sipt_card_t *c, int h, sipt_sig_status_t *out) {
  if (c == NULL || out == NULL) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  sim_span_t *s;
  uint32_t ts;
  sim_chan_t *ch = resolve_chan(c, h, &s, &ts);
  if (ch) {
    memset(out, 0, sizeof *out);
    out->span = s->num;
    out->timeslot = ts;
    out->rx_queued = ch->count;
    out->rx_frames = ch->rx_frames;
    out->tx_frames = ch->tx_frames;
    out->rx_crc_errors = ch->rx_crc;
    out->rx_invalid = ch->rx_invalid;
    out->rx_overflows = ch->rx_overflow;
    out->tx_dropped = ch->tx_dropped;
  }
  pthread_mutex_unlock(&c->mu);
  return ch ? SIPT_CARD_OK : SIPT_CARD_ENOENT;
}

/* ---- analog ports ------------------------------------------------------ */

static void fxs_loop(struct sipt_card *c, sim_port_t *p) {
  (void)c;
  p->loop_ma = p->off_hook && p->battery ? p->loop_ma_cfg : 0;
}

void sim_port_fxo_update_loop(struct sipt_card *c, sim_port_t *p) {
  uint32_t ma = p->fxo_line_hook && p->battery ? p->loop_ma_cfg : 0;
  if (ma != p->loop_ma) {
    p->loop_ma = ma;
    sim_post_event(c, SIPT_EV_PORT_LOOP, 0, p->num, 0, ma, 0);
  }
}

static void fxs_stop_ring(sim_port_t *p) {
  if (p->ringing && p->ring_on) sim_port_send(p, PORT_MSG_RING, 0);
  p->ringing = 0;
  p->ring_on = 0;
}

/* Battery restored: a hook change that happened without feed is seen now. */
void sim_port_fxs_apply_battery(struct sipt_card *c, sim_port_t *p) {
  if (p->battery && p->raw_off_hook != p->off_hook) {
    p->off_hook = p->raw_off_hook;
    p->hook_pending = 0;
    sim_post_event(c, SIPT_EV_PORT_HOOK, 0, p->num, 0, (uint32_t)p->off_hook, 0);
  }
  fxs_loop(c, p);
}

static int port_of_kind(struct sipt_card *c, uint32_t port, uint32_t kind, sim_port_t **out) {
  if (c == NULL) return SIPT_CARD_EINVAL;
  sim_port_t *p = get_port(c, port);
  if (p == NULL) return SIPT_CARD_ENOENT;
  if (p->kind != kind) return SIPT_CARD_ESTATE;
  *out = p;
  return SIPT_CARD_OK;
}

int sipt_card_fxs_ring_start(sipt_card_t *c, uint32_t port, const uint32_t *cad, size_t n) {
  sim_port_t *p;
  int rc = port_of_kind(c, port, SIPT_PORT_FXS, &p);
  if (rc != SIPT_CARD_OK) return rc;
  if (cad == NULL || n < 2 || n > SIPT_CARD_CADENCE_MAX || n % 2) return SIPT_CARD_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (cad[i] < 50 || cad[i] > 10000) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  if (p->off_hook || p->raw_off_hook || !p->battery) {
    rc = SIPT_CARD_ESTATE;
  } else {
    memcpy(p->cadence, cad, n * sizeof *cad);
    p->ncad = (uint32_t)n;
    p->cad_idx = 0;
    if (!p->ring_on) sim_port_send(p, PORT_MSG_RING, 1);
    p->ringing = 1;
    p->ring_on = 1;
    p->ring_deadline_ms = sim_now_ms() + cad[0];
  }
  pthread_mutex_unlock(&c->mu);
  sim_wake_service(c);
  return rc;
}

int sipt_card_fxs_ring_stop(sipt_card_t *c, uint32_t port) {
  sim_port_t *p;
  int rc = port_of_kind(c, port, SIPT_PORT_FXS, &p);
  if (rc != SIPT_CARD_OK) return rc;
  pthread_mutex_lock(&c->mu);
  fxs_stop_ring(p);
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

int sipt_card_fxs_polarity(sipt_card_t *c, uint32_t port, uint32_t reversed) {
  sim_port_t *p;
  int rc = port_of_kind(c, port, SIPT_PORT_FXS, &p);
  if (rc != SIPT_CARD_OK) return rc;
  if (reversed > 1) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  if (p->polarity != (int)reversed) {
    p->polarity = (int)reversed;
    sim_port_send(p, PORT_MSG_POLARITY, (uint8_t)reversed);
  }
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

int sipt_card_fxs_battery(sipt_card_t *c, uint32_t port, uint32_t on) {
  sim_port_t *p;
  int rc = port_of_kind(c, port, SIPT_PORT_FXS, &p);
  if (rc != SIPT_CARD_OK) return rc;
  if (on > 1) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  if (p->battery != (int)on) {
    if (!on) fxs_stop_ring(p);
    p->battery = (int)on;
    sim_port_send(p, PORT_MSG_BATTERY, (uint8_t)on);
    if (on) sim_port_fxs_apply_battery(c, p);
    else fxs_loop(c, p);
  }
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

int sipt_card_fxo_hook(sipt_card_t *c, uint32_t port, uint32_t off_hook) {
  sim_port_t *p;
  int rc = port_of_kind(c, port, SIPT_PORT_FXO, &p);
  if (rc != SIPT_CARD_OK) return rc;
  if (off_hook > 1) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  p->fxo_off_hook = (int)off_hook;
  p->flash_end_ms = 0;
  if (p->fxo_line_hook != (int)off_hook) {
    p->fxo_line_hook = (int)off_hook;
    sim_port_send(p, PORT_MSG_HOOK, (uint8_t)off_hook);
  }
  sim_port_fxo_update_loop(c, p);
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

int sipt_card_fxo_flash(sipt_card_t *c, uint32_t port, uint32_t ms) {
  sim_port_t *p;
  int rc = port_of_kind(c, port, SIPT_PORT_FXO, &p);
  if (rc != SIPT_CARD_OK) return rc;
  if (ms < 50 || ms > 2000) return SIPT_CARD_EINVAL;
  pthread_mutex_lock(&c->mu);
  if (!p->fxo_off_hook) {
    rc = SIPT_CARD_ESTATE;
  } else if (p->flash_end_ms) {
    rc = SIPT_CARD_EBUSY;
  } else {
    p->fxo_line_hook = 0;
    sim_port_send(p, PORT_MSG_HOOK, 0);
    p->flash_end_ms = sim_now_ms() + ms;
    sim_port_fxo_update_loop(c, p);
  }
  pthread_mutex_unlock(&c->mu);
  sim_wake_service(c);
  return rc;
}

int sipt_card_port_status(sipt_card_t *c, uint32_t port, sipt_port_status_t *out) {
  if (c == NULL || out == NULL) return SIPT_CARD_EINVAL;
  sim_port_t *p = get_port(c, port);
  if (p == NULL) return SIPT_CARD_ENOENT;
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&c->mu);
  out->port = p->num;
  out->kind = p->kind;
  if (p->kind == SIPT_PORT_FXS) {
    out->off_hook = (uint32_t)p->off_hook;
    out->ringing = (uint32_t)p->ringing;
  } else {
    out->off_hook = (uint32_t)p->fxo_line_hook;
    out->ringing = (uint32_t)p->ring_detect;
  }
  out->polarity = (uint32_t)p->polarity;
  out->battery = (uint32_t)p->battery;
  out->loop_ma = p->loop_ma;
  pthread_mutex_unlock(&c->mu);
  return SIPT_CARD_OK;
}

void sim_fxs_loop_update(struct sipt_card *c, sim_port_t *p) { fxs_loop(c, p); }
void sim_fxs_stop_ring(sim_port_t *p) { fxs_stop_ring(p); }
