/*
 * sim_internal.h -- functions of the simulated card beyond the card ABI.
 *
 * The simulated card (libsipt_sim.so) implements hardware/abi/sipt_card.h.
 * This header adds what only a simulator has: the line-side view, fault
 * injection, span loopbacks, an alarm listener and span-to-span wiring. They are exported from the same
 * library, so the serial control endpoint (compiled into the library from
 * ctl/) and FFI callers (drivers/card via koffi) use the same calls.
 *
 * Status, counters and alarms as the card reports them to the gateway are
 * read with the ABI functions themselves (sipt_card_span_status,
 * sipt_card_sig_status, sipt_card_port_status, sipt_card_bearer_status);
 * a span is configured with sipt_card_span_configure. All functions here
 * are thread-safe like the ABI's and return SIPT_CARD_OK or a negative
 * SIPT_CARD_E* code (sipt_card_strerror gives the text).
 *
 * Control endpoint hook: when the library is linked with an object that
 * defines sipt_sim_ctl_start/sipt_sim_ctl_stop (weak references here), the
 * open parameter `ctl=<argument>` calls sipt_sim_ctl_start(card, argument)
 * once the card is fully running, and sipt_card_close calls
 * sipt_sim_ctl_stop(card) before anything is torn down. Without such an
 * object, `ctl=` is rejected with SIPT_CARD_ENOTSUP. ctl/sources.mk, when
 * present, is included by the Makefile and may append to CTL_SRCS.
 */
#ifndef SIPT_SIM_INTERNAL_H
#define SIPT_SIM_INTERNAL_H

#include "../abi/sipt_card.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Error kinds for sipt_sim_inject_span_errors. */
#define SIPT_SIM_ERR_SLIP 1u   /* controlled slip: one frame repeated on every bearer timeslot */
#define SIPT_SIM_ERR_BPV 2u    /* bipolar violations */
#define SIPT_SIM_ERR_CRC 3u    /* CRC-4 / CRC-6 block errors (span framing CRC, not HDLC FCS) */
#define SIPT_SIM_ERR_FAS 4u    /* frame alignment signal errors */

/* Directions for sipt_sim_inject_sig_errors. */
#define SIPT_SIM_DIR_RX 1u     /* far end -> card: the card's HDLC receiver sees a bad FCS */
#define SIPT_SIM_DIR_TX 2u     /* card -> far end: the frame leaves corrupted; the far end's
                                  receiver would discard it, so it is not delivered */

/* Span loopbacks for sipt_sim_set_loopback (the values of the control
 * protocol's Loopback enumeration, hardware/proto/card_control.proto). */
#define SIPT_SIM_LOOP_NONE 0u
#define SIPT_SIM_LOOP_LINE 1u    /* the received line signal is returned to the far end */
#define SIPT_SIM_LOOP_PAYLOAD 2u /* the received bearer timeslots are returned to the far end */
#define SIPT_SIM_LOOP_LOCAL 3u   /* what the gateway transmits comes back to the gateway */

/* Alarm listener: the span's reported SIPT_ALARM_* bits now, the bits that
 * changed, and CLOCK_MONOTONIC nanoseconds of the change. */
typedef void (*sipt_sim_alarm_fn)(void *arg, uint32_t span, uint32_t alarms, uint32_t changed, uint64_t time_ns);

typedef struct sipt_sim_span_line {
  uint32_t span;
  uint32_t injected_alarms;     /* SIPT_ALARM_* bits set by sipt_sim_set_alarm */
  uint32_t cut;                 /* 1 while the line is cut */
  uint32_t wired;               /* 1 when this span is wired to another card's span */
  uint32_t wire_connected;      /* 1 when that wire is connected */
  uint32_t wire_span;           /* remote span number when wired */
  uint32_t bearer_connected;    /* 1 when a far end (or the wire) is attached to the bearer */
  uint32_t sig_connected_mask;  /* bit T: a far end is attached to RUNDIR/span<S>-ts<T>.sig */
  uint64_t rx_invalid_blocks;   /* bearer packets with a wrong header or size, dropped */
  uint64_t sig_tx_corrupted;    /* frames dropped by SIPT_SIM_DIR_TX injection */
  char wire_rundir[112];        /* NUL-terminated remote run directory when wired */
} sipt_sim_span_line_t;

typedef struct sipt_sim_port_line {
  uint32_t port;
  uint32_t connected;           /* 1 when a far end is attached to RUNDIR/port<P>.line */
  uint64_t rx_invalid;          /* line messages with an unknown type or wrong size, dropped */
  uint64_t rx_blocks;
  uint64_t tx_blocks;
  uint64_t slips;               /* bearer blocks missing when needed (idle code used) */
} sipt_sim_port_line_t;

/* The run directory the card's line-side sockets live in (static for the
 * card's lifetime; valid until sipt_card_close). NULL if card is NULL. */
const char *sipt_sim_rundir(sipt_card_t *card);

int sipt_sim_span_line(sipt_card_t *card, uint32_t span, sipt_sim_span_line_t *out);
int sipt_sim_port_line(sipt_card_t *card, uint32_t port, sipt_sim_port_line_t *out);

/* Raise (on = 1) or clear (on = 0) received-line conditions on a span:
 * any of SIPT_ALARM_LOS, LOF, AIS, RAI. LOS also reports LOF; while LOS,
 * LOF or AIS is present nothing is received from the line (signalling
 * frames are lost, bearer reads idle code, or 0xFF under AIS). RAI only
 * reports the far end's alarm. SIPT_EV_SPAN_ALARM is queued when the
 * reported bits change. */
int sipt_sim_set_alarm(sipt_card_t *card, uint32_t span, uint32_t alarm_bits, uint32_t on);

/* Count `n` errors of one SIPT_SIM_ERR_* kind on a span now (counters and
 * coalesced events). SLIP also repeats one frame of received bearer data
 * on every timeslot of the next block per slip. */
int sipt_sim_inject_span_errors(sipt_card_t *card, uint32_t span, uint32_t kind, uint32_t n);

/* Corrupt the next `n` frames on a signalling timeslot in one direction
 * (SIPT_SIM_DIR_RX or SIPT_SIM_DIR_TX). RX: each is dropped by the card and
 * counted as rx_crc_errors with SIPT_EV_SIG_CRC, as an HDLC receiver does
 * with a bad FCS. TX: each is dropped on its way to the far end and counted
 * in sipt_sim_span_line_t.sig_tx_corrupted. The injection applies whether
 * or not the channel is open yet. */
int sipt_sim_inject_sig_errors(sipt_card_t *card, uint32_t span, uint32_t timeslot, uint32_t dir,
                               uint32_t n);

/* Cut (1) or restore (0) a span's line: while cut nothing passes in either
 * direction (frames sent are counted in tx_dropped, no bearer blocks are
 * sent, nothing received is delivered) and the card reports LOS. Far-end
 * connections stay open, as the sockets stand for the cable. */
int sipt_sim_cut(sipt_card_t *card, uint32_t span, uint32_t cut);

/* Wire this card's span to span `remote_span` of the simulated card whose
 * run directory is `remote_rundir`: this card connects to that card's
 * line-side sockets and acts as its far end (frames pass both ways; bearer
 * blocks from the remote card are answered at once with this card's latest
 * transmit block). The remote must be of the same span type and block size.
 * While wired, far ends connecting to this span's own sockets are refused.
 * Connection is retried every 100 ms until it succeeds and after the remote
 * goes away. remote_rundir NULL or "" unwires. The same is available as the
 * open parameter wire<S>=<remote_rundir>:<remote_span>. */
int sipt_sim_wire(sipt_card_t *card, uint32_t span, const char *remote_rundir, uint32_t remote_span);

/* Loop a configured span back (mode SIPT_SIM_LOOP_*), or end the loopback
 * (SIPT_SIM_LOOP_NONE, also allowed on an unconfigured span):
 *   LINE     everything arriving from the far end is returned to it: each
 *            bearer tick sends the block the gateway receives (all
 *            timeslots), and every signalling frame received on a timeslot
 *            socket is sent back on it. The gateway still receives both;
 *            what it transmits does not reach the line (bearer ignored,
 *            frames counted in tx_dropped).
 *   PAYLOAD  the received bearer timeslots (the configured bearer mask)
 *            are returned to the far end in place of the gateway's; the
 *            gateway still receives them. Signalling passes normally.
 *   LOCAL    what the gateway transmits comes back to it instead of going
 *            to the line: each bearer channel receives the block the
 *            gateway sent on it at the previous tick, each frame sent is
 *            received on the same channel. The far end receives bearer
 *            blocks of all ones (AIS) and no frames; what it sends is
 *            ignored. The receiver sees the card's own signal, so the span
 *            reports no alarm while the loop lasts.
 * While a line is cut nothing is looped toward the line; under LOS, LOF or
 * AIS the bearer returns what the gateway then receives (idle or all ones)
 * and no frames. Returns SIPT_CARD_ENOENT (no such span), SIPT_CARD_EINVAL
 * (mode), SIPT_CARD_ESTATE (a loop on an unconfigured span). */
int sipt_sim_set_loopback(sipt_card_t *card, uint32_t span, uint32_t mode);
int sipt_sim_get_loopback(sipt_card_t *card, uint32_t span, uint32_t *mode);

/* Register fn (NULL: unregister) to be called each time a span's reported
 * alarm bits change, from the thread that changed them (a fault call, a
 * configuration or loopback change), in the order of the changes, with the
 * card's control lock held: fn must return quickly and must not call into
 * the card. Once unregistering returns, fn is not called again. One
 * listener per card: SIPT_CARD_EBUSY while another is registered. */
int sipt_sim_set_alarm_listener(sipt_card_t *card, sipt_sim_alarm_fn fn, void *arg);

/* Control endpoint hook (see the top of this file). */
int sipt_sim_ctl_start(sipt_card_t *card, const char *arg) __attribute__((weak));
void sipt_sim_ctl_stop(sipt_card_t *card) __attribute__((weak));

#ifdef __cplusplus
}
#endif

#endif
