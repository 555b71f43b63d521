/*
 * sim_test.c -- exercises libsipt_sim.so through the card ABI with far ends
 * on the line-side sockets, for `make check`, `make valgrind` (leaks and
 * invalid accesses) and `make tsan` (data races on the bearer path: the
 * exchange runs in its own thread while the service thread receives).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../../abi/sipt_card.h"
#include "../sim_internal.h"

static int failures;
/* Timing assertions hold on a plain run; under valgrind or TSan threads crawl. */
static int timing_checks = 1;
#define CHECK(cond)                                                    \
  do {                                                                 \
    if (!(cond)) {                                                     \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                      \
    }                                                                  \
  } while (0)
#define CHECK_RC(expr, want)                                           \
  do {                                                                 \
    int rc_ = (expr);                                                  \
    if (rc_ != (want)) {                                               \
      fprintf(stderr, "%s:%d: %s = %d (%s), want %d\n", __FILE__, __LINE__, #expr, rc_, \
              sipt_card_strerror(rc_), (want));                         \
      failures++;                                                      \
    }                                                                  \
  } while (0)

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int connect_to(const char *dir, const char *name) {
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", dir, name);
  for (int i = 0; i < 100; i++) {
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) return fd;
    if (fd >= 0) close(fd);
    usleep(10000);
  }
  return -1;
}

static ssize_t recv_wait(int fd, void *buf, size_t cap, int timeout_ms) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  if (poll(&p, 1, timeout_ms) != 1) return -1;
  return recv(fd, buf, cap, 0);
}

/* Wait for an event of `type` (others are skipped), up to timeout. */
static int wait_event(sipt_card_t *c, uint32_t type, sipt_card_event_t *ev, int timeout_ms) {
  uint64_t end = now_ms() + (uint64_t)timeout_ms;
  for (;;) {
    while (sipt_card_next_event(c, ev) == SIPT_CARD_OK)
      if (ev->type == type) return 0;
    uint64_t now = now_ms();
    if (now >= end) return -1;
    sipt_card_wait(c, (int)(end - now));
  }
}

static int recv_frame(sipt_card_t *c, int ch, uint8_t *buf, size_t cap, size_t *len, int timeout_ms) {
  uint64_t end = now_ms() + (uint64_t)timeout_ms;
  for (;;) {
    int rc = sipt_card_sig_recv(c, ch, buf, cap, len);
    if (rc != SIPT_CARD_EAGAIN) return rc;
    uint64_t now = now_ms();
    if (now >= end) return SIPT_CARD_ETIMEDOUT;
    sipt_card_wait(c, (int)(end - now));
  }
}

static void e1_config(sipt_span_config_t *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->framing = SIPT_FRAMING_E1_CRC4;
  cfg->line_code = SIPT_LINECODE_HDB3;
  cfg->clock = SIPT_CLOCK_RECOVERED;
  cfg->clock_priority = 1;
  cfg->companding = SIPT_LAW_ALAW;
  cfg->bearer_mask = 0xFFFEFFFEu; /* 1..15, 17..31 */
  cfg->sig_mask = 1u << 16;
}

static void test_params(const char *dir) {
  sipt_card_t *c = (sipt_card_t *)1;
  char p[512];
  CHECK(sipt_card_abi_version() == SIPT_CARD_ABI_VERSION);
  CHECK_RC(sipt_card_open(NULL, &c), SIPT_CARD_EINVAL);
  CHECK(c == NULL);
  CHECK_RC(sipt_card_open("spans=E1", &c), SIPT_CARD_EINVAL); /* no rundir */
  snprintf(p, sizeof p, "rundir=%s/x;spans=E1;colour=red", dir);
  CHECK_RC(sipt_card_open(p, &c), SIPT_CARD_EINVAL);
  snprintf(p, sizeof p, "rundir=%s/x;spans=E1;block=100", dir);
  CHECK_RC(sipt_card_open(p, &c), SIPT_CARD_EINVAL);
  snprintf(p, sizeof p, "rundir=%s/x;profile=/nonexistent.json", dir);
  CHECK_RC(sipt_card_open(p, &c), SIPT_CARD_EPROFILE);
  CHECK(strcmp(sipt_card_strerror(SIPT_CARD_ELAYOUT), "unknown error") != 0);
  CHECK(strcmp(sipt_card_strerror(-999), "unknown error") == 0);
}

typedef struct {
  int fd;
  int blocks;
  size_t pkt;
  int stop;
} echo_peer_t;

/* A far end slaved to the card: answers every block with the same block. */
static void *echo_main(void *arg) {
  echo_peer_t *e = arg;
  uint8_t *buf = malloc(e->pkt);
  while (!__atomic_load_n(&e->stop, __ATOMIC_ACQUIRE)) {
    ssize_t n = recv_wait(e->fd, buf, e->pkt, 20);
    if (n > 0) {
      if (send(e->fd, buf, (size_t)n, 0) != n) break;
      __atomic_add_fetch(&e->blocks, 1, __ATOMIC_RELEASE);
    }
  }
  free(buf);
  return NULL;
}

static void test_card(const char *dir, const char *profile) {
  char p[512], rundir[256];
  snprintf(rundir, sizeof rundir, "%s/a", dir);
  snprintf(p, sizeof p, "profile=%s;rundir=%s;mode=freerun;name=card-a", profile, rundir);
  sipt_card_t *c = NULL;
  CHECK_RC(sipt_card_open(p, &c), SIPT_CARD_OK);
  if (c == NULL) return;

  sipt_card_info_t info;
  CHECK_RC(sipt_card_info(c, &info), SIPT_CARD_OK);
  CHECK(info.span_count == 2 && info.port_count == 8 && info.block_bytes == 160);
  CHECK(strcmp(info.serial, "card-a") == 0 && info.mode == SIPT_MODE_FREERUN);
  sipt_span_info_t si;
  CHECK_RC(sipt_card_span_info(c, 1, &si), SIPT_CARD_OK);
  CHECK(si.type == SIPT_SPAN_E1 && si.timeslots == 31 && !si.configured);
  CHECK_RC(sipt_card_span_info(c, 3, &si), SIPT_CARD_ENOENT);
  sipt_port_info_t pi;
  CHECK_RC(sipt_card_port_info(c, 5, &pi), SIPT_CARD_OK);
  CHECK(pi.kind == SIPT_PORT_FXO);

  /* configuration validation */
  sipt_span_config_t cfg;
  e1_config(&cfg);
  cfg.framing = SIPT_FRAMING_T1_ESF;
  CHECK_RC(sipt_card_span_configure(c, 1, &cfg), SIPT_CARD_EINVAL);
  e1_config(&cfg);
  cfg.sig_mask |= 1u << 3; /* overlaps a bearer */
  CHECK_RC(sipt_card_span_configure(c, 1, &cfg), SIPT_CARD_EINVAL);
  e1_config(&cfg);
  cfg.bearer_mask |= 1u; /* timeslot 0 */
  CHECK_RC(sipt_card_span_configure(c, 1, &cfg), SIPT_CARD_EINVAL);
  CHECK_RC(sipt_card_sig_open(c, 1, 16), SIPT_CARD_ESTATE);
  e1_config(&cfg);
  CHECK_RC(sipt_card_span_configure(c, 1, &cfg), SIPT_CARD_OK);
  sipt_card_event_t ev;
  CHECK(wait_event(c, SIPT_EV_CLOCK_SOURCE, &ev, 500) == 0 && ev.value == 1);

  size_t nch = 0;
  uint32_t B = 0;
  sipt_bearer_channel_t layout[64];
  CHECK_RC(sipt_card_bearer_layout(c, layout, 64, &nch, &B), SIPT_CARD_OK);
  CHECK(nch == 30 + 8 && B == 160);
  CHECK(layout[0].span == 1 && layout[0].timeslot == 1 && layout[15].timeslot == 17);
  CHECK(layout[30].kind == SIPT_CHAN_PORT && layout[30].port == 1);

  /* signalling round trip with the FCS placeholder */
  int ch = sipt_card_sig_open(c, 1, 16);
  CHECK(ch >= 0);
  CHECK_RC(sipt_card_sig_open(c, 1, 16), SIPT_CARD_EBUSY);
  int sfd = connect_to(rundir, "span1-ts16.sig");
  CHECK(sfd >= 0);
  /* wait until the card has accepted it */
  sipt_sim_span_line_t sl;
  for (int i = 0; i < 100; i++) {
    sipt_sim_span_line(c, 1, &sl);
    if (sl.sig_connected_mask & (1u << 16)) break;
    usleep(5000);
  }
  CHECK(sl.sig_connected_mask & (1u << 16));
  const uint8_t fisu[] = {0x80, 0x80, 0x00, 0x00, 0x00};
  CHECK(send(sfd, fisu, sizeof fisu, 0) == (ssize_t)sizeof fisu);
  uint8_t buf[2048];
  size_t len = 0;
  CHECK_RC(recv_frame(c, ch, buf, sizeof buf, &len, 1000), SIPT_CARD_OK);
  CHECK(len == sizeof fisu && memcmp(buf, fisu, len) == 0);
  const uint8_t msu[] = {0x81, 0x81, 0x05, 0x83, 0x01, 0x02, 0x03, 0x00, 0x00};
  CHECK_RC(sipt_card_sig_send(c, ch, msu, sizeof msu), SIPT_CARD_OK);
  ssize_t n = recv_wait(sfd, buf, sizeof buf, 1000);
  CHECK(n == (ssize_t)sizeof msu && memcmp(buf, msu, sizeof msu) == 0);
  CHECK_RC(sipt_card_sig_send(c, ch, msu, 3), SIPT_CARD_EMSGSIZE);
  /* small receive buffer keeps the frame queued */
  CHECK(send(sfd, msu, sizeof msu, 0) == (ssize_t)sizeof msu);
  CHECK_RC(recv_frame(c, ch, buf, 4, &len, 1000), SIPT_CARD_EMSGSIZE);
  CHECK(len == sizeof msu);
  CHECK_RC(sipt_card_sig_recv(c, ch, buf, sizeof buf, &len), SIPT_CARD_OK);

  /* bit errors: the next two received frames fail their FCS */
  CHECK_RC(sipt_sim_inject_sig_errors(c, 1, 16, SIPT_SIM_DIR_RX, 2), SIPT_CARD_OK);
  for (int i = 0; i < 3; i++) CHECK(send(sfd, fisu, sizeof fisu, 0) == (ssize_t)sizeof fisu);
  CHECK_RC(recv_frame(c, ch, buf, sizeof buf, &len, 1000), SIPT_CARD_OK);
  CHECK_RC(sipt_card_sig_recv(c, ch, buf, sizeof buf, &len), SIPT_CARD_EAGAIN);
  sipt_sig_status_t ss;
  CHECK_RC(sipt_card_sig_status(c, ch, &ss), SIPT_CARD_OK);
  CHECK(ss.rx_crc_errors == 2 && ss.rx_frames == 3 && ss.tx_frames == 1);
  CHECK(wait_event(c, SIPT_EV_SIG_CRC, &ev, 500) == 0 && ev.value == 2 && ev.count == 2 && ev.timeslot == 16);

  /* alarms */
  CHECK_RC(sipt_sim_set_alarm(c, 1, SIPT_ALARM_AIS, 1), SIPT_CARD_OK);
  CHECK(wait_event(c, SIPT_EV_SPAN_ALARM, &ev, 500) == 0 && ev.value == SIPT_ALARM_AIS && ev.span == 1);
  CHECK(wait_event(c, SIPT_EV_CLOCK_SOURCE, &ev, 500) == 0 && ev.value == 0);
  CHECK_RC(sipt_sim_set_alarm(c, 1, SIPT_ALARM_AIS, 0), SIPT_CARD_OK);
  CHECK(wait_event(c, SIPT_EV_SPAN_ALARM, &ev, 500) == 0 && ev.value == 0 && ev.changed == SIPT_ALARM_AIS);
  CHECK_RC(sipt_sim_inject_span_errors(c, 1, SIPT_SIM_ERR_BPV, 5), SIPT_CARD_OK);
  CHECK_RC(sipt_sim_inject_span_errors(c, 1, SIPT_SIM_ERR_BPV, 2), SIPT_CARD_OK);
  CHECK(wait_event(c, SIPT_EV_SPAN_BPV, &ev, 500) == 0 && ev.value == 7 && ev.count == 7);

  /* bearer: a far end on span 1 answering blocks with a pattern, in freerun */
  size_t len_all = nch * B;
  uint8_t *tx = malloc(len_all), *rx = malloc(len_all);
  int bfd = connect_to(rundir, "span1.bearer");
  CHECK(bfd >= 0);
  for (int i = 0; i < 100; i++) {
    sipt_sim_span_line(c, 1, &sl);
    if (sl.bearer_connected) break;
    usleep(5000);
  }
  size_t pkt = 8 + 31 * 160;
  uint8_t *blk = malloc(pkt);
  uint64_t tick = 99;
  for (int k = 0; k < 5; k++) {
    for (size_t i = 0; i < nch; i++) memset(tx + i * B, (int)(i + k), B);
    CHECK_RC(sipt_card_bearer_exchange(c, tx, rx, len_all, &tick), SIPT_CARD_OK);
    CHECK(tick == (uint64_t)k);
    if (k >= 1) {
      /* the answer to the previous block: each slot carries 0x40 + slot + k - 1 */
      CHECK(rx[0] == 0x40 + 0 + k - 1 && rx[15 * B] == 0x40 + 16 + k - 1);
      CHECK(rx[30 * B] == 0xD5); /* FXS 1: no far end, idle */
    }
    n = recv_wait(bfd, blk, pkt, 1000);
    CHECK(n == (ssize_t)pkt);
    CHECK(blk[4] == 31 && blk[5] == 0 && blk[6] == 160 && blk[7] == 0);
    CHECK(blk[8 + 0 * 160] == (uint8_t)(0 + k) && blk[8 + 16 * 160] == (uint8_t)(15 + k));
    CHECK(blk[8 + 15 * 160] == 0xD5); /* ts16 is signalling: idle in the bearer block */
    for (uint32_t s = 0; s < 31; s++) memset(blk + 8 + s * 160, (int)(0x40 + s + k), 160);
    if (k == 4)
      for (int j = 0; j < 160; j++) blk[8 + j] = (uint8_t)j; /* a ramp on ts1 */
    CHECK(send(bfd, blk, pkt, 0) == (ssize_t)pkt);
  }
  CHECK_RC(sipt_card_bearer_exchange(c, tx, rx, len_all - 1, &tick), SIPT_CARD_ELAYOUT);
  /* injected controlled slip repeats a frame */
  CHECK_RC(sipt_sim_inject_span_errors(c, 1, SIPT_SIM_ERR_SLIP, 1), SIPT_CARD_OK);
  CHECK_RC(sipt_card_bearer_exchange(c, tx, rx, len_all, &tick), SIPT_CARD_OK);
  CHECK(rx[0] == 0 && rx[1] == 0 && rx[2] == 1 && rx[159] == 158);
  sipt_span_status_t st;
  CHECK_RC(sipt_card_span_status(c, 1, &st), SIPT_CARD_OK);
  CHECK(st.slips == 1 && st.bpv == 7 && st.tx_blocks == 6 && st.rx_blocks == 5);

  /* cut: LOS, frames dropped both ways */
  CHECK_RC(sipt_sim_cut(c, 1, 1), SIPT_CARD_OK);
  CHECK(wait_event(c, SIPT_EV_SPAN_ALARM, &ev, 500) == 0 &&
        ev.value == (SIPT_ALARM_LOS | SIPT_ALARM_LOF));
  CHECK_RC(sipt_card_sig_send(c, ch, msu, sizeof msu), SIPT_CARD_OK);
  CHECK(recv_wait(sfd, buf, sizeof buf, 50) < 0);
  CHECK_RC(sipt_card_bearer_exchange(c, tx, rx, len_all, &tick), SIPT_CARD_OK);
  CHECK(rx[0] == 0xD5);
  CHECK_RC(sipt_sim_cut(c, 1, 0), SIPT_CARD_OK);
  CHECK_RC(sipt_card_sig_send(c, ch, msu, sizeof msu), SIPT_CARD_OK);
  CHECK(recv_wait(sfd, buf, sizeof buf, 1000) == (ssize_t)sizeof msu);
  CHECK_RC(sipt_card_sig_status(c, ch, &ss), SIPT_CARD_OK);
  CHECK(ss.tx_dropped == 1);

  /* FXS port 1: phone goes off-hook while ringing -> ring trip */
  int pfd = connect_to(rundir, "port1.line");
  CHECK(pfd >= 0);
  uint8_t m[8];
  /* on connect the card reports battery, polarity, ring */
  for (int i = 0; i < 3; i++) CHECK(recv_wait(pfd, m, sizeof m, 1000) == 2);
  const uint32_t cad[2] = {400, 200};
  CHECK_RC(sipt_card_fxs_ring_start(c, 1, cad, 2), SIPT_CARD_OK);
  CHECK(recv_wait(pfd, m, sizeof m, 1000) == 2 && m[0] == 0x11 && m[1] == 1);
  CHECK(recv_wait(pfd, m, sizeof m, 1000) == 2 && m[0] == 0x11 && m[1] == 0); /* cadence off */
  uint8_t off[2] = {0x10, 1};
  CHECK(send(pfd, off, 2, 0) == 2);
  CHECK(wait_event(c, SIPT_EV_PORT_RING_TRIP, &ev, 1000) == 0 && ev.port == 1);
  CHECK(wait_event(c, SIPT_EV_PORT_HOOK, &ev, 1000) == 0 && ev.value == 1);
  sipt_port_status_t ps;
  CHECK_RC(sipt_card_port_status(c, 1, &ps), SIPT_CARD_OK);
  CHECK(ps.off_hook == 1 && ps.ringing == 0 && ps.loop_ma == 25);
  /* a 200 ms break is a hook flash */
  uint8_t on[2] = {0x10, 0};
  CHECK(send(pfd, on, 2, 0) == 2);
  usleep(200000);
  CHECK(send(pfd, off, 2, 0) == 2);
  CHECK(wait_event(c, SIPT_EV_PORT_FLASH, &ev, 1000) == 0 && ev.value >= 190 && ev.value < 400);
  CHECK_RC(sipt_card_fxs_ring_start(c, 1, cad, 2), SIPT_CARD_ESTATE);
  CHECK_RC(sipt_card_fxo_hook(c, 1, 1), SIPT_CARD_ESTATE);
  close(pfd); /* phone unplugged: on-hook at once */
  CHECK(wait_event(c, SIPT_EV_PORT_HOOK, &ev, 1000) == 0 && ev.value == 0);

  /* FXO port 5: the CO rings, the card answers, the CO reverses polarity */
  int ofd = connect_to(rundir, "port5.line");
  CHECK(recv_wait(ofd, m, sizeof m, 1000) == 2 && m[0] == 0x10 && m[1] == 0);
  uint8_t bat[2] = {0x13, 1}, ring[2] = {0x11, 1}, pol[2] = {0x12, 1};
  CHECK(send(ofd, bat, 2, 0) == 2 && send(ofd, ring, 2, 0) == 2);
  CHECK(wait_event(c, SIPT_EV_PORT_RING, &ev, 1000) == 0 && ev.value == 1 && ev.port == 5);
  CHECK_RC(sipt_card_fxo_hook(c, 5, 1), SIPT_CARD_OK);
  CHECK(recv_wait(ofd, m, sizeof m, 1000) == 2 && m[0] == 0x10 && m[1] == 1);
  CHECK(wait_event(c, SIPT_EV_PORT_LOOP, &ev, 1000) == 0 && ev.value == 25);
  CHECK(send(ofd, pol, 2, 0) == 2);
  CHECK(wait_event(c, SIPT_EV_PORT_POLARITY, &ev, 1000) == 0 && ev.value == 1);
  CHECK_RC(sipt_card_fxo_flash(c, 5, 100), SIPT_CARD_OK);
  CHECK(recv_wait(ofd, m, sizeof m, 1000) == 2 && m[1] == 0);
  CHECK(recv_wait(ofd, m, sizeof m, 1000) == 2 && m[1] == 1);
  close(ofd);

  /* a second card wired span to span: A span 2 <-> B span 1 */
  char rundir_b[256];
  snprintf(rundir_b, sizeof rundir_b, "%s/b", dir);
  snprintf(p, sizeof p, "spans=E1;rundir=%s;mode=freerun", rundir_b);
  sipt_card_t *b = NULL;
  CHECK_RC(sipt_card_open(p, &b), SIPT_CARD_OK);
  if (b) {
    CHECK_RC(sipt_card_span_configure(b, 1, &cfg), SIPT_CARD_OK);
    CHECK_RC(sipt_card_span_configure(c, 2, &cfg), SIPT_CARD_OK);
    CHECK_RC(sipt_sim_wire(c, 2, rundir_b, 1), SIPT_CARD_OK);
    for (int i = 0; i < 100; i++) {
      sipt_sim_span_line(c, 2, &sl);
      if (sl.wire_connected) break;
      usleep(10000);
    }
    CHECK(sl.wire_connected && sl.wired && sl.wire_span == 1);
    int cha = sipt_card_sig_open(c, 2, 16), chb = sipt_card_sig_open(b, 1, 16);
    CHECK(cha >= 0 && chb >= 0);
    for (int i = 0; i < 100; i++) {
      sipt_sim_span_line(b, 1, &sl);
      if (sl.sig_connected_mask & (1u << 16)) break;
      usleep(10000);
    }
    CHECK_RC(sipt_card_sig_send(c, cha, msu, sizeof msu), SIPT_CARD_OK);
    CHECK_RC(recv_frame(b, chb, buf, sizeof buf, &len, 1000), SIPT_CARD_OK);
    CHECK(len == sizeof msu && memcmp(buf, msu, len) == 0);
    CHECK_RC(sipt_card_sig_send(b, chb, fisu, sizeof fisu), SIPT_CARD_OK);
    CHECK_RC(recv_frame(c, cha, buf, sizeof buf, &len, 1000), SIPT_CARD_OK);
    CHECK(len == sizeof fisu);
    CHECK_RC(sipt_card_close(b), SIPT_CARD_OK);
  }

  CHECK_RC(sipt_card_sig_close(c, ch), SIPT_CARD_OK);
  CHECK_RC(sipt_card_sig_send(c, ch, msu, sizeof msu), SIPT_CARD_ENOENT);
  close(sfd);
  close(bfd);
  free(tx);
  free(rx);
  free(blk);
  CHECK_RC(sipt_card_close(c), SIPT_CARD_OK);
}

/* ---- loopbacks and the alarm listener ---------------------------------- */

typedef struct {
  pthread_mutex_t mu;
  int n;
  uint32_t span[16], alarms[16], changed[16];
} alarm_log_t;

static void on_alarm(void *arg, uint32_t span, uint32_t alarms, uint32_t changed, uint64_t time_ns) {
  alarm_log_t *a = arg;
  (void)time_ns;
  pthread_mutex_lock(&a->mu);
  if (a->n < 16) {
    a->span[a->n] = span;
    a->alarms[a->n] = alarms;
    a->changed[a->n] = changed;
  }
  a->n++;
  pthread_mutex_unlock(&a->mu);
}

static int alarm_log_n(alarm_log_t *a) {
  pthread_mutex_lock(&a->mu);
  int n = a->n;
  pthread_mutex_unlock(&a->mu);
  return n;
}

/* The last listener call is (span, alarms, changed) and there were `n` calls in all. */
static int alarm_log_last(alarm_log_t *a, int n, uint32_t span, uint32_t alarms, uint32_t changed) {
  pthread_mutex_lock(&a->mu);
  int ok = a->n == n && n >= 1 && n <= 16 && a->span[n - 1] == span && a->alarms[n - 1] == alarms &&
           a->changed[n - 1] == changed;
  pthread_mutex_unlock(&a->mu);
  return ok;
}

/* Span 1 of an E1 card in free-run with the e1_config layout: channel i
 * (0..29) is timeslot i+1 below 16, i+2 above; line slot index = timeslot-1. */
#define LB_B 160u
#define LB_NCH 30u
#define LB_PKT (8u + 31u * LB_B)
static uint32_t lb_slot(uint32_t ch) { return ch < 15 ? ch : ch + 1; }
static uint8_t lb_far(uint32_t slot, uint32_t k) { return (uint8_t)(slot * 7u + k * 13u + 1u); } /* far end's answer k */
static uint8_t lb_gw(uint32_t ch, uint32_t k) { return (uint8_t)(0x80u + ch + k * 5u); }          /* gateway's tx k */

typedef struct {
  sipt_card_t *c;
  int bfd;
  uint32_t k; /* bearer ticks so far */
  uint8_t *tx, *rx, *blk;
} lb_t;

enum { RX_FAR, RX_OWN, RX_OWN_IDLE };        /* what the gateway must receive */
enum { TX_GW, TX_ALL_FAR, TX_BEARER_FAR, TX_AIS }; /* what the far end must receive */

/* One tick: the gateway sends lb_gw(.., k), the far end checks the block,
 * answers lb_far(.., k). Returns the number of mismatching octets. */
static int lb_tick(lb_t *t, int rx_want, int far_want) {
  const uint32_t k = t->k++;
  for (uint32_t i = 0; i < LB_NCH; i++) memset(t->tx + i * LB_B, lb_gw(i, k), LB_B);
  int bad = 0;
  if (sipt_card_bearer_exchange(t->c, t->tx, t->rx, LB_NCH * LB_B, NULL) != SIPT_CARD_OK) return 1;
  for (uint32_t i = 0; i < LB_NCH; i++) {
    uint8_t want = rx_want == RX_FAR ? lb_far(lb_slot(i), k - 1) : rx_want == RX_OWN ? lb_gw(i, k - 1) : 0xD5;
    for (uint32_t j = 0; j < LB_B; j++) bad += t->rx[i * LB_B + j] != want;
  }
  if (recv_wait(t->bfd, t->blk, LB_PKT, 1000) != (ssize_t)LB_PKT) return bad + 1;
  for (uint32_t sl = 0; sl < 31; sl++) {
    uint32_t ch = sl < 15 ? sl : sl - 1;
    uint8_t want;
    if (far_want == TX_AIS) want = 0xFF;
    else if (far_want == TX_ALL_FAR) want = lb_far(sl, k - 1);
    else if (sl == 15) want = 0xD5; /* ts16: signalling, idle in the bearer block */
    else want = far_want == TX_BEARER_FAR ? lb_far(sl, k - 1) : lb_gw(ch, k);
    for (uint32_t j = 0; j < LB_B; j++) bad += t->blk[8 + sl * LB_B + j] != want;
  }
  for (uint32_t sl = 0; sl < 31; sl++) memset(t->blk + 8 + sl * LB_B, lb_far(sl, k), LB_B);
  if (send(t->bfd, t->blk, LB_PKT, 0) != (ssize_t)LB_PKT) bad++;
  return bad;
}

static void test_loopback(const char *dir) {
  char p[512], rundir[256];
  snprintf(rundir, sizeof rundir, "%s/lb", dir);
  snprintf(p, sizeof p, "spans=E1,E1;rundir=%s;mode=freerun", rundir);
  sipt_card_t *c = NULL;
  CHECK_RC(sipt_card_open(p, &c), SIPT_CARD_OK);
  if (c == NULL) return;
  alarm_log_t al;
  memset(&al, 0, sizeof al);
  pthread_mutex_init(&al.mu, NULL);
  CHECK_RC(sipt_sim_set_alarm_listener(c, on_alarm, &al), SIPT_CARD_OK);
  CHECK_RC(sipt_sim_set_alarm_listener(c, on_alarm, &al), SIPT_CARD_EBUSY);

  uint32_t mode = 99;
  CHECK_RC(sipt_sim_get_loopback(c, 1, &mode), SIPT_CARD_OK);
  CHECK(mode == SIPT_SIM_LOOP_NONE);
  CHECK_RC(sipt_sim_get_loopback(c, 3, &mode), SIPT_CARD_ENOENT);
  CHECK_RC(sipt_sim_set_loopback(c, 3, SIPT_SIM_LOOP_LINE), SIPT_CARD_ENOENT);
  CHECK_RC(sipt_sim_set_loopback(c, 1, 4), SIPT_CARD_EINVAL);
  CHECK_RC(sipt_sim_set_loopback(c, 1, SIPT_SIM_LOOP_LINE), SIPT_CARD_ESTATE); /* not configured */
  CHECK_RC(sipt_sim_set_loopback(c, 1, SIPT_SIM_LOOP_NONE), SIPT_CARD_OK);
  sipt_span_config_t cfg;
  e1_config(&cfg);
  CHECK_RC(sipt_card_span_configure(c, 1, &cfg), SIPT_CARD_OK);

  int ch = sipt_card_sig_open(c, 1, 16);
  CHECK(ch >= 0);
  lb_t t = {.c = c, .bfd = connect_to(rundir, "span1.bearer"), .tx = malloc(LB_NCH * LB_B),
            .rx = malloc(LB_NCH * LB_B), .blk = malloc(LB_PKT)};
  int sfd = connect_to(rundir, "span1-ts16.sig");
  CHECK(t.bfd >= 0 && sfd >= 0);
  sipt_sim_span_line_t sl;
  for (int i = 0; i < 200; i++) {
    sipt_sim_span_line(c, 1, &sl);
    if (sl.bearer_connected && (sl.sig_connected_mask & (1u << 16))) break;
    usleep(5000);
  }
  CHECK(sl.bearer_connected && (sl.sig_connected_mask & (1u << 16)));
  const uint8_t up[] = {0x81, 0x82, 0x05, 0x83, 0x11, 0x22, 0x00, 0x00};   /* far end -> card */
  const uint8_t down[] = {0x01, 0x81, 0x04, 0x83, 0x33, 0x00, 0x00};       /* card -> far end */
  uint8_t buf[512];
  size_t len = 0;
  sipt_sig_status_t ss;

  /* no loopback: the first tick has nothing received yet, then normal passage */
  lb_tick(&t, RX_OWN_IDLE, TX_GW);
  for (int i = 0; i < 2; i++) CHECK(lb_tick(&t, RX_FAR, TX_GW) == 0);

  /* LINE: everything from the far end goes back to it; the gateway still receives */
  CHECK_RC(sipt_sim_set_loopback(c, 1, SIPT_SIM_LOOP_LINE), SIPT_CARD_OK);
  CHECK_RC(sipt_sim_get_loopback(c, 1, &mode), SIPT_CARD_OK);
  CHECK(mode == SIPT_SIM_LOOP_LINE);
  for (int i = 0; i < 3; i++) CHECK(lb_tick(&t, RX_FAR, TX_ALL_FAR) == 0);
  CHECK(send(sfd, up, sizeof up, 0) == (ssize_t)sizeof up);
  CHECK(recv_wait(sfd, buf, sizeof buf, 1000) == (ssize_t)sizeof up && memcmp(buf, up, sizeof up) == 0);
  CHECK_RC(recv_frame(c, ch, buf, sizeof buf, &len, 1000), SIPT_CARD_OK);
  CHECK(len == sizeof up && memcmp(buf, up, len) == 0);
  CHECK_RC(sipt_card_sig_send(c, ch, down, sizeof down), SIPT_CARD_OK);
  CHECK(recv_wait(sfd, buf, sizeof buf, 50) < 0); /* the gateway's frame does not reach the line */
  CHECK_RC(sipt_card_sig_status(c, ch, &ss), SIPT_CARD_OK);
  CHECK(ss.tx_dropped == 1 && ss.tx_frames == 0 && ss.rx_frames == 1);

  /* PAYLOAD: bearer timeslots go back to the far end; signalling passes normally */
  CHECK_RC(sipt_sim_set_loopback(c, 1, SIPT_SIM_LOOP_PAYLOAD), SIPT_CARD_OK);
  for (int i = 0; i < 3; i++) CHECK(lb_tick(&t, RX_FAR, TX_BEARER_FAR) == 0);
  CHECK(send(sfd, up, sizeof up, 0) == (ssize_t)sizeof up);
  CHECK_RC(recv_frame(c, ch, buf, sizeof buf, &len, 1000), SIPT_CARD_OK);
  CHECK(len == sizeof up && memcmp(buf, up, len) == 0);
  CHECK(recv_wait(sfd, buf, sizeof buf, 50) < 0); /* not looped */
  CHECK_RC(sipt_card_sig_send(c, ch, down, sizeof down), SIPT_CARD_OK);
  CHECK(recv_wait(sfd, buf, sizeof buf, 1000) == (ssize_t)sizeof down && memcmp(buf, down, sizeof down) == 0);

  /* LOCAL, entered under LOS: the receiver hears the card itself, the alarm clears */
  int n0 = alarm_log_n(&al);
  CHECK_RC(sipt_sim_set_alarm(c, 1, SIPT_ALARM_LOS, 1), SIPT_CARD_OK);
  CHECK(alarm_log_last(&al, n0 + 1, 1, SIPT_ALARM_LOS | SIPT_ALARM_LOF, SIPT_ALARM_LOS | SIPT_ALARM_LOF));
  CHECK_RC(sipt_sim_set_loopback(c, 1, SIPT_SIM_LOOP_LOCAL), SIPT_CARD_OK);
  CHECK(alarm_log_last(&al, n0 + 2, 1, 0, SIPT_ALARM_LOS | SIPT_ALARM_LOF));
  sipt_span_status_t st;
  CHECK_RC(sipt_card_span_status(c, 1, &st), SIPT_CARD_OK);
  CHECK(st.alarms == 0);
  CHECK(lb_tick(&t, RX_OWN_IDLE, TX_AIS) == 0); /* nothing sent yet to loop */
  for (int i = 0; i < 3; i++) CHECK(lb_tick(&t, RX_OWN, TX_AIS) == 0);
  CHECK_RC(sipt_card_sig_send(c, ch, down, sizeof down), SIPT_CARD_OK);
  CHECK_RC(recv_frame(c, ch, buf, sizeof buf, &len, 1000), SIPT_CARD_OK);
  CHECK(len == sizeof down && memcmp(buf, down, len) == 0);
  CHECK(recv_wait(sfd, buf, sizeof buf, 50) < 0);
  CHECK(send(sfd, up, sizeof up, 0) == (ssize_t)sizeof up);
  usleep(50000);
  CHECK_RC(sipt_card_sig_recv(c, ch, buf, sizeof buf, &len), SIPT_CARD_EAGAIN); /* the line is not heard */
  CHECK_RC(sipt_sim_set_alarm(c, 1, SIPT_ALARM_LOS, 0), SIPT_CARD_OK);
  CHECK(alarm_log_n(&al) == n0 + 2); /* no change reported while looped */

  /* back to normal */
  CHECK_RC(sipt_sim_set_loopback(c, 1, SIPT_SIM_LOOP_NONE), SIPT_CARD_OK);
  CHECK(alarm_log_n(&al) == n0 + 2);
  for (int i = 0; i < 2; i++) CHECK(lb_tick(&t, RX_FAR, TX_GW) == 0);
  CHECK_RC(sipt_sim_set_loopback(c, 1, SIPT_SIM_LOOP_LOCAL), SIPT_CARD_OK);
  CHECK_RC(sipt_sim_set_alarm(c, 1, SIPT_ALARM_AIS, 1), SIPT_CARD_OK);
  CHECK_RC(sipt_sim_set_loopback(c, 1, SIPT_SIM_LOOP_NONE), SIPT_CARD_OK); /* AIS reappears on leaving */
  CHECK(alarm_log_last(&al, n0 + 3, 1, SIPT_ALARM_AIS, SIPT_ALARM_AIS));

  /* after unregistering, the listener is not called again */
  CHECK_RC(sipt_sim_set_alarm_listener(c, NULL, NULL), SIPT_CARD_OK);
  CHECK_RC(sipt_sim_set_alarm(c, 1, SIPT_ALARM_AIS, 0), SIPT_CARD_OK);
  CHECK_RC(sipt_sim_cut(c, 2, 1), SIPT_CARD_OK);
  CHECK(alarm_log_n(&al) == n0 + 3);
  CHECK_RC(sipt_sim_set_alarm_listener(c, on_alarm, &al), SIPT_CARD_OK);
  CHECK_RC(sipt_sim_cut(c, 2, 0), SIPT_CARD_OK);
  CHECK(alarm_log_last(&al, n0 + 4, 2, 0, SIPT_ALARM_LOS | SIPT_ALARM_LOF));

  /* a loopback outlasts reconfiguration of the span */
  CHECK_RC(sipt_sim_set_loopback(c, 1, SIPT_SIM_LOOP_PAYLOAD), SIPT_CARD_OK);
  CHECK(lb_tick(&t, RX_FAR, TX_BEARER_FAR) == 0);
  CHECK_RC(sipt_card_span_configure(c, 1, &cfg), SIPT_CARD_OK);
  CHECK(lb_tick(&t, RX_FAR, TX_BEARER_FAR) == 0);

  close(sfd);
  close(t.bfd);
  free(t.tx);
  free(t.rx);
  free(t.blk);
  CHECK_RC(sipt_card_close(c), SIPT_CARD_OK);
  pthread_mutex_destroy(&al.mu);
}

/* Real time: the exchange thread runs against a far end thread while the
 * service thread receives -- the bearer path under ThreadSanitizer. */
static void test_realtime(const char *dir) {
  char p[512], rundir[256];
  snprintf(rundir, sizeof rundir, "%s/rt", dir);
  snprintf(p, sizeof p, "spans=E1;rundir=%s", rundir);
  sipt_card_t *c = NULL;
  CHECK_RC(sipt_card_open(p, &c), SIPT_CARD_OK);
  if (c == NULL) return;
  sipt_span_config_t cfg;
  e1_config(&cfg);
  CHECK_RC(sipt_card_span_configure(c, 1, &cfg), SIPT_CARD_OK);
  echo_peer_t e = {.fd = connect_to(rundir, "span1.bearer"), .pkt = 8 + 31 * 160};
  pthread_t th;
  pthread_create(&th, NULL, echo_main, &e);
  sipt_sim_span_line_t sl;
  for (int i = 0; i < 100; i++) {
    sipt_sim_span_line(c, 1, &sl);
    if (sl.bearer_connected) break;
    usleep(5000);
  }
  size_t len = 30 * 160;
  uint8_t *tx = malloc(len), *rx = malloc(len);
  memset(tx, 0x55, len);
  uint64_t t0 = now_ms(), tick = 0;
  for (int k = 0; k < 25; k++) CHECK_RC(sipt_card_bearer_exchange(c, tx, rx, len, &tick), SIPT_CARD_OK);
  uint64_t dt = now_ms() - t0;
  sipt_bearer_status_t bs;
  CHECK_RC(sipt_card_bearer_status(c, &bs), SIPT_CARD_OK);
  /* a starved caller skips ticks (counted); the clock itself never slows */
  CHECK(tick == 24 + bs.late_ticks && bs.ticks == tick + 1);
  sipt_span_status_t st;
  CHECK_RC(sipt_card_span_status(c, 1, &st), SIPT_CARD_OK);
  if (timing_checks) {
    CHECK(dt + 2 >= tick * 20 && dt <= tick * 20 + 60); /* tick periods of 20 ms after the first */
    if (bs.late_ticks == 0) CHECK(st.slips == 0);
  }
  CHECK(rx[0] == 0x55);
  __atomic_store_n(&e.stop, 1, __ATOMIC_RELEASE);
  pthread_join(th, NULL);
  close(e.fd);
  free(tx);
  free(rx);
  CHECK_RC(sipt_card_close(c), SIPT_CARD_OK);
  fprintf(stderr, "realtime: %llu ticks of 20 ms in %llu ms (%llu skipped), %d echoed, %llu slips\n",
          (unsigned long long)tick, (unsigned long long)dt, (unsigned long long)bs.late_ticks,
          __atomic_load_n(&e.blocks, __ATOMIC_ACQUIRE), (unsigned long long)st.slips);
}

int main(int argc, char **argv) {
  const char *profile = "../profiles/sim-2e1-4fxs-4fxo.json";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--no-timing") == 0) timing_checks = 0;
    else profile = argv[i];
  }
  char dir[] = "/tmp/sipt-sim-test-XXXXXX";
  if (mkdtemp(dir) == NULL) return 2;
  test_params(dir);
  test_card(dir, profile);
  test_loopback(dir);
  test_realtime(dir);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) failures++;
  if (failures) {
    fprintf(stderr, "sim_test: %d check(s) failed\n", failures);
    return 1;
  }
  fprintf(stderr, "sim_test: all checks passed\n");
  return 0;
}
