/*
 * The analog port line of the simulated card, as the far end sees it
 * (hardware/sim/README.md, "Analog port line"): one AF_UNIX SOCK_SEQPACKET
 * connection to RUNDIR/port<P>.line, every packet starting with a type octet.
 *
 *   0x01 BEARER    01 00 BB BB SS SS SS SS + B octets  (u16le B, u32le sequence)
 *   0x10 HOOK      10 v   telephone -> card (FXS), card -> CO line (FXO)
 *   0x11 RING      11 v   card -> telephone (FXS), CO line -> card (FXO)
 *   0x12 POLARITY  12 v   idem; 1 = reversed
 *   0x13 BATTERY   13 v   idem; 1 = feed present
 *
 * Each bearer block from the card is answered with exactly one block of the
 * same size and sequence number. The block's one channel is G.711 (A-law
 * unless told otherwise) and is handled by the shared bearer code as its
 * timeslot 1, so bearer events of the analog far ends carry "ts": 1.
 *
 * This module also runs the process: the poll loop over the line and stdin,
 * the command dispatcher for the bearer commands both analog far ends share,
 * the DTMF receiver and the call progress tone detector and generator.
 */
#ifndef AN_LINE_H
#define AN_LINE_H

#include <stdint.h>

#include "an_tones.h"
#include "fe_bearer.h"
#include "fe_io.h"
#include "fe_json.h"

#define AN_MSG_BEARER 0x01
#define AN_MSG_HOOK 0x10
#define AN_MSG_RING 0x11
#define AN_MSG_POLARITY 0x12
#define AN_MSG_BATTERY 0x13
#define AN_BEARER_HDR 8
#define AN_TS 1 /* the line's one bearer channel, as the shared bearer code numbers it */

typedef struct {
	const char *role;           /* "phone" / "coline": names the program in events */
	unsigned accept;            /* bit (1 << (type - 0x10)) for each signal the far end may receive */
	/* A valid signal from the card (type 0x10..0x13, v 0 or 1). */
	void (*on_signal)(int type, int v, int64_t now);
	void (*on_connect)(int64_t now);
	void (*on_disconnect)(int64_t now);
	/* A DTMF digit from the receiver (after its "dtmf" event). */
	void (*on_digit)(char digit, int64_t now);
	/* Program commands: returns 0 when handled (answered), -1 when unknown. */
	int (*on_command)(const fj_obj *o, const char *cmd, int64_t now);
	/* Absolute time (fe_now_ms) of the next timer, or -1. */
	int64_t (*next_due)(void);
	void (*run_due)(int64_t now);
	/* Members added to the "stats" event. */
	void (*put_stats)(fjw *w);
	/* Members added to the "ready" event. */
	void (*put_ready)(fjw *w);
} an_hooks;

typedef struct {
	const char *path;
	const an_profile *profile;
	fe_law law;                 /* FE_LAW_ALAW or FE_LAW_ULAW */
	int dtmf_detect;
	double cpt_min_dbm0;
	long connect_timeout_ms;
} an_config;

/* Sets the line up (no I/O yet). */
void an_line_init(const an_config *cfg, const an_hooks *hooks);
/* Runs until end of stdin, "quit", SIGTERM/SIGINT or a connect timeout; returns the exit code. */
int an_line_run(void);
void an_line_free(void);

int an_line_connected(void);
/* Sends a 2-octet signal. Returns 0, or -1 when the line is not connected. */
int an_line_signal(int type, int v);
/*
 * While a reason is set the far end sends idle code (a telephone on-hook has
 * its transmitter disconnected) and the commands that would transmit are
 * refused with that reason. NULL: transmission allowed.
 */
void an_line_mute(const char *reason);
/* Plays a profile tone (until an_line_tone_stop or another source starts). */
int an_line_tone(an_tone_id id);
void an_line_tone_stop(void);
/* Stops every transmit source (profile tone, tone, DTMF, file, echo). */
void an_line_silence(void);
/* The shared bearer (for the DTMF generator and rule media: ts AN_TS). */
fe_bearer *an_line_media(void);
const an_profile *an_line_profile(void);
/* Restarts the call progress tone detector (a new call). */
void an_line_detector_reset(void);

/* Parses the options both analog far ends take; returns 1 if opt was one of them, -1 on a bad value. */
int an_common_option(int opt, const char *arg, an_config *cfg);
/* getopt_long entries for an_common_option (terminated by the caller's table). */
#define AN_COMMON_OPTIONS                                                                                             \
	{ "line", required_argument, NULL, 'L' }, { "profile", required_argument, NULL, 'P' },                        \
		{ "law", required_argument, NULL, 'W' }, { "no-dtmf-detect", no_argument, NULL, 'N' },                \
		{ "cpt-min-dbm0", required_argument, NULL, 'M' }, { "connect-timeout-ms", required_argument, NULL, 'T' }
#define AN_COMMON_USAGE                                                                                               \
	"  --line PATH              the card's port line socket, RUNDIR/port<P>.line (required)\n"                     \
	"  --profile etsi|us|uk     tone plan, ringing cadence, flash and pulse timing (default etsi)\n"             \
	"  --law alaw|ulaw          companding of the line's bearer (default alaw)\n"                                \
	"  --no-dtmf-detect         do not run the DTMF receiver\n"                                                  \
	"  --cpt-min-dbm0 N         lowest level of a call progress tone component (default -40)\n"                  \
	"  --connect-timeout-ms N   give up when the card does not listen within N ms (default 30000; 0: never)\n"

#endif
