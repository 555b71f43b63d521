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
 *   quit                   (or end of input) close the card and exit
 */
#include <stdio.h>
#include <string.h>

#include "../../../abi/sipt_card.h"
#include "../../sim_internal.h"

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
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    unsigned span, bits, on;
    if (!strncmp(line, "quit", 4)) break;
    if (sscanf(line, "alarm %u %u %u", &span, &bits, &on) == 3) rc = sipt_sim_set_alarm(card, span, bits, on);
    else rc = SIPT_CARD_EINVAL;
    if (rc == SIPT_CARD_OK) printf("ok\n");
    else printf("error %d %s\n", rc, sipt_card_strerror(rc));
    fflush(stdout);
  }
  sipt_card_close(card);
  return 0;
}
