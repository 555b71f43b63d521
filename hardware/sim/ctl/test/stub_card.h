/*
 * stub_card.h -- an in-memory card behind simctl_ops_t, for testing the
 * control endpoint without the simulated card: E1 spans and analog ports,
 * the span configuration rules of hardware/abi/sipt_card.h, injected
 * alarms, errors, cuts and loopbacks, and an alarm listener.
 */
#ifndef SIPT_STUB_CARD_H
#define SIPT_STUB_CARD_H

#include "../simctl.h"

typedef struct stub_card stub_card_t;

/* with_loopback 0: no loopback ops; with_listener 0: no alarm listener op */
stub_card_t *stub_card_new(uint32_t spans, uint32_t ports, int with_loopback, int with_listener);
void stub_card_free(stub_card_t *c);
void stub_card_ops(stub_card_t *c, simctl_ops_t *ops);
/* A line-side condition, as the far end would cause it. */
int stub_card_line_alarm(stub_card_t *c, uint32_t span, uint32_t bits, uint32_t on);
/* Change a port's supervision state (hook, ringing, polarity, battery, loop). */
int stub_card_port_set(stub_card_t *c, uint32_t port, uint32_t off_hook, uint32_t ringing, uint32_t reversed,
                       uint32_t battery, uint32_t loop_ma);

#endif
