/*
 * simctl_stub.c -- the control endpoint on the stub card, for tests of the
 * gateway's serial client against the real endpoint code.
 *
 *   build/simctl_stub LINK [--listener] [--no-loopback] [--spans N] [--ports N]
 *
 * Prints "ready <pty>" once LINK points to the pty, then reads commands on
 * stdin, one per line, answering "ok" or "error <code>":
 *   line-alarm SPAN BITS ON      a line-side alarm (SIPT_ALARM_* bits)
 *   port PORT HOOK RING REV BATT LOOP_MA
 *   quit                         (or end of input) close and exit
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stub_card.h"

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s LINK [--listener] [--no-loopback] [--spans N] [--ports N]\n", argv[0]);
    return 2;
  }
  int listener = 0, loopback = 1;
  unsigned spans = 2, ports = 2;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--listener")) listener = 1;
    else if (!strcmp(argv[i], "--no-loopback")) loopback = 0;
    else if (!strcmp(argv[i], "--spans") && i + 1 < argc) spans = (unsigned)strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--ports") && i + 1 < argc) ports = (unsigned)strtoul(argv[++i], NULL, 10);
    else {
      fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  stub_card_t *card = stub_card_new(spans, ports, loopback, listener);
  if (!card) {
    fprintf(stderr, "bad card size\n");
    return 2;
  }
  simctl_ops_t ops;
  stub_card_ops(card, &ops);
  simctl_t *ep;
  int rc = simctl_open(&ops, argv[1], "stub-firmware 1.0", &ep);
  if (rc != SIPT_CARD_OK) {
    fprintf(stderr, "simctl_open: %s (%d)\n", sipt_card_strerror(rc), rc);
    stub_card_free(card);
    return 1;
  }
  printf("ready %s\n", simctl_pty_path(ep));
  fflush(stdout);
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    unsigned a, b, c, d, e, f;
    if (!strncmp(line, "quit", 4)) break;
    if (sscanf(line, "line-alarm %u %u %u", &a, &b, &c) == 3) rc = stub_card_line_alarm(card, a, b, c);
    else if (sscanf(line, "port %u %u %u %u %u %u", &a, &b, &c, &d, &e, &f) == 6)
      rc = stub_card_port_set(card, a, b, c, d, e, f);
    else rc = SIPT_CARD_EINVAL;
    if (rc == SIPT_CARD_OK) printf("ok\n");
    else printf("error %d\n", rc);
    fflush(stdout);
  }
  simctl_close(ep);
  stub_card_free(card);
  return 0;
}
