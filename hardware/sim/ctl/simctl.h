/*
 * simctl.h -- the simulated card's serial control endpoint: a
 * pseudo-terminal speaking the card control protocol
 * (hardware/proto/card_control.proto, framing in hardware/proto/README.md)
 * on its own thread.
 *
 * The endpoint reaches the card only through simctl_ops_t, so it runs the
 * same against the simulated card (sim_glue.c fills the table with the
 * sipt_card_* and sipt_sim_* functions) and against the stub card of
 * test/. Every operation returns SIPT_CARD_OK or a negative SIPT_CARD_E*
 * code; all of them are called from the endpoint's thread only.
 */
#ifndef SIPT_SIMCTL_H
#define SIPT_SIMCTL_H

#include <stdint.h>

#include "../../abi/sipt_card.h"
#include "../sim_internal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An alarm change: the span's alarm bits now, the bits that changed, and
 * CLOCK_MONOTONIC nanoseconds when it was seen. */
typedef void (*simctl_alarm_fn)(void *arg, uint32_t span, uint32_t alarms, uint32_t changed, uint64_t time_ns);

typedef struct simctl_ops {
  void *ctx;
  /* required */
  int (*info)(void *ctx, sipt_card_info_t *out);
  int (*span_info)(void *ctx, uint32_t span, sipt_span_info_t *out);
  int (*span_status)(void *ctx, uint32_t span, sipt_span_status_t *out);
  int (*span_get_config)(void *ctx, uint32_t span, sipt_span_config_t *out);
  int (*span_configure)(void *ctx, uint32_t span, const sipt_span_config_t *cfg);
  int (*port_info)(void *ctx, uint32_t port, sipt_port_info_t *out);
  int (*port_status)(void *ctx, uint32_t port, sipt_port_status_t *out);
  int (*set_alarm)(void *ctx, uint32_t span, uint32_t alarm_bits, uint32_t on);
  int (*inject_span_errors)(void *ctx, uint32_t span, uint32_t kind, uint32_t n);
  int (*inject_sig_errors)(void *ctx, uint32_t span, uint32_t timeslot, uint32_t dir, uint32_t n);
  int (*cut)(void *ctx, uint32_t span, uint32_t cut);
  const char *(*strerror)(int err);
  /* optional (NULL when the card lacks them) */
  int (*span_line)(void *ctx, uint32_t span, sipt_sim_span_line_t *out);
  /* mode: CC_LOOPBACK_* (0 none, 1 line, 2 payload, 3 local). NULL: the
   * card has no loopbacks (SetLoopback -> NOT_SUPPORTED, status NONE). */
  int (*set_loopback)(void *ctx, uint32_t span, uint32_t mode);
  int (*get_loopback)(void *ctx, uint32_t span, uint32_t *mode);
  /* Register fn (NULL: unregister) to be called on every change of a
   * span's reported alarm bits, from any card thread; fn only queues and
   * never calls into the card. Once unregistering returns, fn is not
   * called again. NULL: the endpoint polls span status every
   * SIMCTL_POLL_MS instead. */
  int (*set_alarm_listener)(void *ctx, simctl_alarm_fn fn, void *arg);
} simctl_ops_t;

#define SIMCTL_POLL_MS 10          /* alarm polling without a listener */
#define SIMCTL_SAFETY_POLL_MS 1000 /* with a listener: a re-check, in case */
#define SIMCTL_FIRMWARE "sipt-simctl 1.0"

typedef struct simctl simctl_t;

/* Open a pseudo-terminal in raw mode, make `link_path` a symbolic link to
 * its slave side (replacing an existing symbolic link; any other file there
 * is an error) and start the endpoint thread. `firmware` (may be NULL:
 * SIMCTL_FIRMWARE) is reported by Identify. The ops table is copied.
 * Returns SIPT_CARD_OK, SIPT_CARD_EINVAL (bad arguments, link path taken),
 * SIPT_CARD_ENOMEM or SIPT_CARD_EIO. */
int simctl_open(const simctl_ops_t *ops, const char *link_path, const char *firmware, simctl_t **out);
/* The pseudo-terminal's slave path (/dev/pts/N). */
const char *simctl_pty_path(const simctl_t *ep);
/* Stop the thread, unregister the alarm listener, remove the link (if it
 * still points to this endpoint's pty), close the pty and free. */
void simctl_close(simctl_t *ep);

#ifdef __cplusplus
}
#endif

#endif
