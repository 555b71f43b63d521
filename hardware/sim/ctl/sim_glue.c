/*
 * sim_glue.c -- binds the control endpoint (simctl.c) to the simulated
 * card: defines the sipt_sim_ctl_start/sipt_sim_ctl_stop hook of
 * sim_internal.h and fills simctl_ops_t with the card's own functions.
 * Compiled into libsipt_sim.so only (it needs the card's symbols).
 *
 * Open parameter `ctl=<path>`: the symbolic link to the control pty. A
 * relative path is taken inside the card's run directory, so `ctl=control`
 * gives RUNDIR/control.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../abi/sipt_card.h"
#include "../sim_internal.h"
#include "ccmsg.h"
#include "simctl.h"

_Static_assert(SIPT_SIM_LOOP_NONE == CC_LOOPBACK_NONE && SIPT_SIM_LOOP_LINE == CC_LOOPBACK_LINE &&
                   SIPT_SIM_LOOP_PAYLOAD == CC_LOOPBACK_PAYLOAD && SIPT_SIM_LOOP_LOCAL == CC_LOOPBACK_LOCAL,
               "the card's loopback modes are the protocol's");

static int op_info(void *c, sipt_card_info_t *o) { return sipt_card_info(c, o); }
static int op_span_info(void *c, uint32_t s, sipt_span_info_t *o) { return sipt_card_span_info(c, s, o); }
static int op_span_status(void *c, uint32_t s, sipt_span_status_t *o) { return sipt_card_span_status(c, s, o); }
static int op_span_get_config(void *c, uint32_t s, sipt_span_config_t *o) {
  return sipt_card_span_get_config(c, s, o);
}
static int op_span_configure(void *c, uint32_t s, const sipt_span_config_t *cfg) {
  return sipt_card_span_configure(c, s, cfg);
}
static int op_port_info(void *c, uint32_t p, sipt_port_info_t *o) { return sipt_card_port_info(c, p, o); }
static int op_port_status(void *c, uint32_t p, sipt_port_status_t *o) { return sipt_card_port_status(c, p, o); }
static int op_set_alarm(void *c, uint32_t s, uint32_t bits, uint32_t on) { return sipt_sim_set_alarm(c, s, bits, on); }
static int op_span_errors(void *c, uint32_t s, uint32_t kind, uint32_t n) {
  return sipt_sim_inject_span_errors(c, s, kind, n);
}
static int op_sig_errors(void *c, uint32_t s, uint32_t ts, uint32_t dir, uint32_t n) {
  return sipt_sim_inject_sig_errors(c, s, ts, dir, n);
}
static int op_cut(void *c, uint32_t s, uint32_t cut) { return sipt_sim_cut(c, s, cut); }
static int op_span_line(void *c, uint32_t s, sipt_sim_span_line_t *o) { return sipt_sim_span_line(c, s, o); }
static int op_set_loopback(void *c, uint32_t s, uint32_t mode) { return sipt_sim_set_loopback(c, s, mode); }
static int op_get_loopback(void *c, uint32_t s, uint32_t *mode) { return sipt_sim_get_loopback(c, s, mode); }
static int op_set_alarm_listener(void *c, simctl_alarm_fn fn, void *arg) {
  return sipt_sim_set_alarm_listener(c, fn, arg);
}

typedef struct reg {
  sipt_card_t *card;
  simctl_t *ep;
  struct reg *next;
} reg_t;

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static reg_t *regs;

int sipt_sim_ctl_start(sipt_card_t *card, const char *arg) {
  if (!card || !arg || !arg[0]) return SIPT_CARD_EINVAL;
  char path[PATH_MAX];
  if (arg[0] == '/') {
    if (snprintf(path, sizeof path, "%s", arg) >= (int)sizeof path) return SIPT_CARD_EINVAL;
  } else {
    const char *rundir = sipt_sim_rundir(card);
    if (!rundir || snprintf(path, sizeof path, "%s/%s", rundir, arg) >= (int)sizeof path) return SIPT_CARD_EINVAL;
  }
  simctl_ops_t ops = {
      .ctx = card,
      .info = op_info,
      .span_info = op_span_info,
      .span_status = op_span_status,
      .span_get_config = op_span_get_config,
      .span_configure = op_span_configure,
      .port_info = op_port_info,
      .port_status = op_port_status,
      .set_alarm = op_set_alarm,
      .inject_span_errors = op_span_errors,
      .inject_sig_errors = op_sig_errors,
      .cut = op_cut,
      .strerror = sipt_card_strerror,
      .span_line = op_span_line,
      .set_loopback = op_set_loopback,
      .get_loopback = op_get_loopback,
      .set_alarm_listener = op_set_alarm_listener,
  };
  reg_t *r = calloc(1, sizeof *r);
  if (!r) return SIPT_CARD_ENOMEM;
  pthread_mutex_lock(&reg_mu);
  for (reg_t *it = regs; it; it = it->next) {
    if (it->card == card) {
      pthread_mutex_unlock(&reg_mu);
      free(r);
      return SIPT_CARD_EBUSY;
    }
  }
  int rc = simctl_open(&ops, path, NULL, &r->ep);
  if (rc == SIPT_CARD_OK) {
    r->card = card;
    r->next = regs;
    regs = r;
  }
  pthread_mutex_unlock(&reg_mu);
  if (rc != SIPT_CARD_OK) free(r);
  return rc;
}

void sipt_sim_ctl_stop(sipt_card_t *card) {
  pthread_mutex_lock(&reg_mu);
  reg_t **pp = &regs;
  while (*pp && (*pp)->card != card) pp = &(*pp)->next;
  reg_t *r = *pp;
  if (r) *pp = r->next;
  pthread_mutex_unlock(&reg_mu);
  if (!r) return;
  simctl_close(r->ep);
  free(r);
}
