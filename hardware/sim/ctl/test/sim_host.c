/*
 * sim_host.c -- keeps one simulated card (build/libsipt_sim.so, with the
 * control endpoint compiled in) open, for tests of the gateway's serial
 * client against the real card.
 *
 *   build/sim_host 'rundir=DIR;spans=E1,E1;ports=FXS,FXO;ctl=control'
 *
 * Prints "ready" once the card is open, then reads commands on stdin, one
 * per line, answering "ok" or "error <code> <text>":
 *   alarm SPAN BITS ON     sipt_sim_set_alarm: a line-side condition
 *   frame SPAN TS HEX      the gateway's side of a signalling channel: open
 *                          it, send the frame HEX, wait up to 1 s for a frame
 *                          received on it, close it; answers "ok HEX" with the
 *                          frame received, "ok" when none came
 *   quit                   (or end of input) close the card and exit
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../../../abi/sipt_card.h"
#include "../../sim_internal.h"

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* "frame SPAN TS HEX": send on the card's channel, report what comes back. */
static int frame_cmd(sipt_card_t *card, unsigned span, unsigned ts, const char *hex, char *out, size_t cap) {
  uint8_t f[SIPT_CARD_SIG_MAX_FRAME];
  size_t n = 0;
  unsigned v;
  while (hex[0] && hex[1] && hex[0] != '\n' && n < sizeof f && sscanf(hex, "%2x", &v) == 1) {
    f[n++] = (uint8_t)v;
    hex += 2;
  }
  int h = sipt_card_sig_open(card, span, ts);
  if (h < 0) return h;
  int rc = sipt_card_sig_send(card, h, f, n);
  out[0] = '\0';
  uint64_t end = now_ms() + 1000;
  while (rc == SIPT_CARD_OK) {
    size_t len = 0;
    int r = sipt_card_sig_recv(card, h, f, sizeof f, &len);
    if (r == SIPT_CARD_OK) {
      for (size_t i = 0; i < len && 2 * i + 3 < cap; i++) snprintf(out + 2 * i, 3, "%02x", f[i]);
      break;
    }
    uint64_t now = now_ms();
    if (r != SIPT_CARD_EAGAIN || now >= end) break;
    struct pollfd p = {.fd = sipt_card_event_fd(card), .events = POLLIN};
    poll(&p, 1, (int)(end - now) < 20 ? (int)(end - now) : 20);
  }
  sipt_card_sig_close(card, h);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s 'PARAMS'\n", argv[0]);
    return 2;
  }
  sipt_card_t *card = NULL;
  int rc = sipt_card_open(argv[1], &card);
  if (rc != SIPT_CARD_OK) {
    fprintf(stderr, "sipt_card_open: %s (%d)\n", sipt_card_strerror(rc), rc);
    return 1;
  }
  printf("ready\n");
  fflush(stdout);
  char line[1024], got[2 * SIPT_CARD_SIG_MAX_FRAME + 2];
  while (fgets(line, sizeof line, stdin)) {
    unsigned span, bits, on;
    int pos = 0;
    got[0] = '\0';
    if (!strncmp(line, "quit", 4)) break;
    if (sscanf(line, "alarm %u %u %u", &span, &bits, &on) == 3) rc = sipt_sim_set_alarm(card, span, bits, on);
    else if (sscanf(line, "frame %u %u %n", &span, &bits, &pos) == 2 && pos > 0)
      rc = frame_cmd(card, span, bits, line + pos, got, sizeof got);
    else rc = SIPT_CARD_EINVAL;
    if (rc == SIPT_CARD_OK && got[0]) printf("ok %s\n", got);
    else if (rc == SIPT_CARD_OK) printf("ok\n");
    else printf("error %d %s\n", rc, sipt_card_strerror(rc));
    fflush(stdout);
  }
  sipt_card_close(card);
  return 0;
}
