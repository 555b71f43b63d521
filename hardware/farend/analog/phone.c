/*
 * sipt-farend-phone: an analog telephone on the line side of an FXS port of
 * the simulated card (RUNDIR/port<P>.line, an_line.h).
 *
 * The telephone closes and opens its loop (HOOK), dials in DTMF (ITU-T
 * Q.23/Q.24 signals from spandsp's generator) or decadic pulses (loop breaks
 * at 10 pulses/s, the profile's break/make ratio), flashes the hook (timed
 * break register recall), answers when rung (by command, or by an
 * auto-answer rule after N ring bursts or N ms), and observes what the line
 * does to it: power ringing with its cadence measured burst by burst, loop
 * polarity (a reversal is the usual answer / clear supervision), battery feed
 * (an open switch interval is the usual disconnect supervision), DTMF and
 * call progress tones on the bearer.
 *
 * Hook switch (one transition table, ph_table below):
 *
 *               off_hook / answer / auto-answer
 *     ON_HOOK ----------------------------------> OFF_HOOK
 *        ^  ^                                      |   ^
 *        |  '------------- on_hook ----------------'   |
 *        |                                flash, dial  |  break (flash) or
 *        |                                pulse        v  pulse train ends
 *        '------------ on_hook ---------------- FLASHING / PULSING
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_line.h"

typedef enum { PH_ON_HOOK, PH_OFF_HOOK, PH_FLASHING, PH_PULSING, PH_NSTATES } ph_state;

enum {
	C_OFF_HOOK = 1 << 0,
	C_ON_HOOK = 1 << 1,
	C_FLASH = 1 << 2,
	C_DIAL = 1 << 3,
	C_ANSWER = 1 << 4,
};

#define S(x) (1u << (x))
static const struct {
	const char *name;
	unsigned next;     /* states it may go to */
	unsigned accepts;  /* hook commands it accepts */
} ph_table[PH_NSTATES] = {
	[PH_ON_HOOK] = { "on_hook", S(PH_OFF_HOOK), C_OFF_HOOK | C_ANSWER },
	[PH_OFF_HOOK] = { "off_hook", S(PH_ON_HOOK) | S(PH_FLASHING) | S(PH_PULSING), C_ON_HOOK | C_FLASH | C_DIAL },
	[PH_FLASHING] = { "flashing", S(PH_OFF_HOOK) | S(PH_ON_HOOK), C_ON_HOOK },
	[PH_PULSING] = { "pulsing", S(PH_OFF_HOOK) | S(PH_ON_HOOK), C_ON_HOOK },
};

#define MAX_CAD 8
#define MAX_PULSE_DIGITS 64
#define ONHOOK_MUTE "the telephone is on-hook: its transmitter is disconnected"

static struct {
	ph_state state;
	/* what the card sends; -1 while unknown (not connected) */
	int battery, polarity, ring_on;
	int64_t battery_since, polarity_since, ring_since;
	/* ringing session: from the first burst until answered or quiet for ring_end_ms */
	int ringing;
	int bursts;
	int cad[MAX_CAD];
	int ncad;
	int64_t ring_end_due;
	long ring_end_ms;
	/* auto-answer */
	long auto_rings, auto_ms;
	int64_t answer_due;
	/* timed breaks: flash and pulse train */
	int64_t hook_due;
	int64_t break_start;
	long flash_ms;
	char pulse_digits[MAX_PULSE_DIGITS + 1];
	int pulse_idx, pulses_left;
	int pulse_open;    /* loop open (in a break) during a pulse train */
	long break_ms, make_ms, interdigit_ms;
	unsigned long hook_tx, flashes, pulse_digits_sent;
} ph;

static void set_state(ph_state next)
{
	fjw w;
	if (next == ph.state)
		return;
	if (!(ph_table[ph.state].next & S(next))) {
		fprintf(stderr, "sipt-farend-phone: bug: %s -> %s is not in the transition table\n", ph_table[ph.state].name,
			ph_table[next].name);
		abort();
	}
	ph.state = next;
	fjw_begin(&w, "state");
	fjw_str(&w, "state", ph_table[next].name);
	fjw_end(&w);
}

/* Sends the hook switch; reports it unless it is a break of a pulse train. */
static void send_hook(int off, const char *why, int report)
{
	an_line_signal(AN_MSG_HOOK, off);
	ph.hook_tx++;
	/* Loop open: nothing is transmitted. */
	an_line_mute(off ? NULL : ONHOOK_MUTE);
	if (report) {
		fjw w;
		fjw_begin(&w, "hook");
		fjw_str(&w, "state", off ? "off" : "on");
		fjw_str(&w, "why", why);
		fjw_end(&w);
	}
}

static void ring_session_end(const char *reason)
{
	char cad[96];
	fjw w;
	if (!ph.ringing)
		return;
	an_format_cadence(ph.cad, ph.ncad, cad, sizeof(cad));
	fjw_begin(&w, "ring_end");
	fjw_str(&w, "reason", reason);
	fjw_int(&w, "bursts", ph.bursts);
	fjw_str(&w, "cadence", cad);
	fjw_end(&w);
	ph.ringing = 0;
	ph.ring_end_due = -1;
	ph.answer_due = -1;
}

static void go_off_hook(const char *why)
{
	set_state(PH_OFF_HOOK);
	send_hook(1, why, 1);
	an_line_detector_reset();
	ring_session_end("answered");
}

static void go_on_hook(const char *why)
{
	ph.hook_due = -1;
	ph.pulse_digits[0] = '\0';
	ph.pulse_open = 0;
	set_state(PH_ON_HOOK);
	an_line_silence();
	send_hook(0, why, 1);
}

/* ---------------------------------------------------------------- line signals */

static void record_cadence(int ms)
{
	if (ph.ncad < MAX_CAD)
		ph.cad[ph.ncad++] = ms;
}

static void on_ring(int on, int64_t now)
{
	fjw w;
	int64_t prev = ph.ring_since;
	if (on == ph.ring_on)
		return;
	ph.ring_on = on;
	ph.ring_since = now;
	if (on) {
		int first = !ph.ringing;
		if (first) {
			ph.ringing = 1;
			ph.bursts = 0;
			ph.ncad = 0;
			if (ph.auto_ms >= 0 && ph.state == PH_ON_HOOK)
				ph.answer_due = now + ph.auto_ms;
		} else {
			record_cadence((int)(now - prev));
		}
		ph.bursts++;
		ph.ring_end_due = -1;
		fjw_begin(&w, "ring");
		fjw_str(&w, "state", "on");
		fjw_int(&w, "burst", ph.bursts);
		if (!first)
			fjw_int(&w, "off_ms", (long)(now - prev));
		fjw_end(&w);
		return;
	}
	fjw_begin(&w, "ring");
	fjw_str(&w, "state", "off");
	fjw_int(&w, "burst", ph.bursts);
	if (prev >= 0)
		fjw_int(&w, "on_ms", (long)(now - prev));
	fjw_end(&w);
	if (!ph.ringing)
		return; /* the voltage the card removed at ring trip */
	if (prev >= 0)
		record_cadence((int)(now - prev));
	ph.ring_end_due = now + ph.ring_end_ms;
	if (ph.auto_rings > 0 && ph.bursts >= ph.auto_rings && ph.state == PH_ON_HOOK)
		ph.answer_due = now;
}

static void on_signal(int type, int v, int64_t now)
{
	fjw w;
	switch (type) {
	case AN_MSG_RING:
		if (ph.ring_on < 0) {
			/* first report after connecting: the current state, no burst measured */
			ph.ring_on = 0;
			ph.ring_since = -1;
		}
		on_ring(v, now);
		break;
	case AN_MSG_POLARITY:
		if (v == ph.polarity)
			break;
		fjw_begin(&w, "polarity");
		fjw_str(&w, "state", v ? "reversed" : "normal");
		if (ph.polarity >= 0)
			fjw_int(&w, "prev_ms", (long)(now - ph.polarity_since));
		fjw_end(&w);
		ph.polarity = v;
		ph.polarity_since = now;
		break;
	case AN_MSG_BATTERY:
		if (v == ph.battery)
			break;
		fjw_begin(&w, "battery");
		fjw_str(&w, "state", v ? "on" : "off");
		if (ph.battery >= 0)
			fjw_int(&w, "prev_ms", (long)(now - ph.battery_since));
		fjw_end(&w);
		ph.battery = v;
		ph.battery_since = now;
		break;
	default: break;
	}
}

static void on_connect(int64_t now)
{
	(void)now;
	ph.battery = ph.polarity = ph.ring_on = -1;
	/* the card told its state on accepting; the telephone tells its own */
	send_hook(ph.state == PH_OFF_HOOK || (ph.state == PH_PULSING && !ph.pulse_open), "state", 1);
}

static void on_disconnect(int64_t now)
{
	(void)now;
	ring_session_end("disconnected");
	ph.battery = ph.polarity = ph.ring_on = -1;
}

/* ---------------------------------------------------------------- timers */

static void pulse_step(int64_t now)
{
	const char *d = &ph.pulse_digits[ph.pulse_idx];
	fjw w;
	if (ph.pulse_open) {
		/* end of a break: make */
		ph.pulse_open = 0;
		send_hook(1, "pulse", 0);
		if (--ph.pulses_left > 0) {
			ph.hook_due += ph.make_ms;
			return;
		}
		fjw_begin(&w, "pulse_digit");
		fjw_str(&w, "digit", (char[2]){ *d, '\0' });
		fjw_int(&w, "pulses", *d == '0' ? 10 : *d - '0');
		fjw_end(&w);
		ph.pulse_digits_sent++;
		ph.pulse_idx++;
		if (ph.pulse_digits[ph.pulse_idx] == '\0') {
			ph.hook_due = -1;
			set_state(PH_OFF_HOOK);
			fjw_begin(&w, "dial_done");
			fjw_str(&w, "mode", "pulse");
			fjw_str(&w, "digits", ph.pulse_digits);
			fjw_end(&w);
			return;
		}
		ph.hook_due += ph.make_ms + ph.interdigit_ms;
		ph.pulses_left = -1; /* next digit */
		return;
	}
	if (ph.pulses_left < 0)
		ph.pulses_left = *d == '0' ? 10 : *d - '0';
	ph.pulse_open = 1;
	send_hook(0, "pulse", 0);
	ph.hook_due += ph.break_ms;
	(void)now;
}

static void run_due(int64_t now)
{
	if (ph.ring_end_due >= 0 && now >= ph.ring_end_due)
		ring_session_end("timeout");
	if (ph.answer_due >= 0 && now >= ph.answer_due) {
		ph.answer_due = -1;
		if (ph.state == PH_ON_HOOK && ph.ringing)
			go_off_hook("auto_answer");
	}
	while (ph.hook_due >= 0 && now >= ph.hook_due) {
		if (ph.state == PH_FLASHING) {
			fjw w;
			ph.hook_due = -1;
			set_state(PH_OFF_HOOK);
			send_hook(1, "flash", 0);
			ph.flashes++;
			fjw_begin(&w, "hook");
			fjw_str(&w, "state", "off");
			fjw_str(&w, "why", "flash");
			fjw_int(&w, "break_ms", (long)(now - ph.break_start));
			fjw_end(&w);
		} else if (ph.state == PH_PULSING) {
			pulse_step(now);
		} else {
			ph.hook_due = -1;
		}
	}
}

static int64_t next_due(void)
{
	int64_t t = -1;
	int64_t c[3] = { ph.ring_end_due, ph.answer_due, ph.hook_due };
	int i;
	for (i = 0; i < 3; i++)
		if (c[i] >= 0 && (t < 0 || c[i] < t))
			t = c[i];
	return t;
}

/* ---------------------------------------------------------------- commands */

static int accepted(const fj_obj *o, unsigned c, const char *cmd)
{
	if (ph_table[ph.state].accepts & c)
		return 1;
	fe_nack(o, "%s is not possible while the telephone is %s", cmd, ph_table[ph.state].name);
	return 0;
}

static void ack(const fj_obj *o)
{
	fjw w;
	fe_ack_begin(&w, o);
	fjw_str(&w, "state", ph_table[ph.state].name);
	fjw_end(&w);
}

static void cmd_dial(const fj_obj *o, int64_t now)
{
	const char *digits, *mode = "dtmf";
	char err[256];
	size_t i, n;
	if (fj_get_str(o, "digits", &digits) != 1 || fj_get_str(o, "mode", &mode) == -1) {
		fe_nack(o, "dial: digits (string), mode dtmf|pulse");
		return;
	}
	if (strcmp(mode, "dtmf") == 0) {
		long l = -10, on_ms = 100, off_ms = 100;
		if (fj_get_int(o, "dbm0", -60, 0, &l) == -1 || fj_get_int(o, "on_ms", 40, 2000, &on_ms) == -1 ||
		    fj_get_int(o, "off_ms", 40, 2000, &off_ms) == -1) {
			fe_nack(o, "dial (dtmf): dbm0 -60..0, on_ms/off_ms 40-2000");
			return;
		}
		an_line_tone_stop();
		if (fe_bearer_dtmf(an_line_media(), AN_TS, digits, (int)l, (int)on_ms, (int)off_ms, err, sizeof(err)) < 0) {
			fe_nack(o, "%s", err);
			return;
		}
		ack(o);
		return;
	}
	if (strcmp(mode, "pulse") != 0) {
		fe_nack(o, "dial: mode is dtmf or pulse");
		return;
	}
	n = strlen(digits);
	if (n == 0 || n > MAX_PULSE_DIGITS) {
		fe_nack(o, "dial (pulse): 1 to %d digits", MAX_PULSE_DIGITS);
		return;
	}
	for (i = 0; i < n; i++)
		if (digits[i] < '0' || digits[i] > '9') {
			fe_nack(o, "dial (pulse): '%c' cannot be pulsed (0-9 only)", digits[i]);
			return;
		}
	{
		const an_profile *p = an_line_profile();
		long b = p->pulse_break_ms, m = p->pulse_make_ms, gap = p->interdigit_ms;
		if (fj_get_int(o, "break_ms", 20, 200, &b) == -1 || fj_get_int(o, "make_ms", 20, 200, &m) == -1 ||
		    fj_get_int(o, "interdigit_ms", 200, 5000, &gap) == -1) {
			fe_nack(o, "dial (pulse): break_ms/make_ms 20-200, interdigit_ms 200-5000");
			return;
		}
		ph.break_ms = b;
		ph.make_ms = m;
		ph.interdigit_ms = gap;
	}
	an_line_silence();
	memcpy(ph.pulse_digits, digits, n + 1);
	ph.pulse_idx = 0;
	ph.pulses_left = -1;
	ph.pulse_open = 0;
	set_state(PH_PULSING);
	ph.hook_due = now;
	ack(o);
	run_due(now);
}

static int on_command(const fj_obj *o, const char *cmd, int64_t now)
{
	long v;
	if (strcmp(cmd, "off_hook") == 0) {
		if (accepted(o, C_OFF_HOOK, cmd)) {
			go_off_hook("command");
			ack(o);
		}
	} else if (strcmp(cmd, "on_hook") == 0) {
		if (accepted(o, C_ON_HOOK, cmd)) {
			go_on_hook("command");
			ack(o);
		}
	} else if (strcmp(cmd, "answer") == 0) {
		if (!accepted(o, C_ANSWER, cmd))
			return 0;
		if (!ph.ringing) {
			fe_nack(o, "answer: the telephone is not being rung");
			return 0;
		}
		go_off_hook("answer");
		ack(o);
	} else if (strcmp(cmd, "flash") == 0) {
		v = ph.flash_ms;
		if (fj_get_int(o, "ms", 20, 2000, &v) == -1) {
			fe_nack(o, "flash: ms 20-2000 (default the profile's %ld)", ph.flash_ms);
			return 0;
		}
		if (!accepted(o, C_FLASH, cmd))
			return 0;
		set_state(PH_FLASHING);
		send_hook(0, "flash", 1);
		ph.break_start = now;
		ph.hook_due = now + v;
		ack(o);
	} else if (strcmp(cmd, "dial") == 0) {
		if (accepted(o, C_DIAL, cmd))
			cmd_dial(o, now);
	} else if (strcmp(cmd, "auto_answer") == 0) {
		long rings = 0, ms = -1;
		if (fj_get_int(o, "rings", 1, 100, &rings) == -1 || fj_get_int(o, "after_ms", 0, 600000, &ms) == -1 ||
		    (rings > 0 && ms >= 0)) {
			fe_nack(o, "auto_answer: rings 1-100 or after_ms 0-600000 (neither: off)");
			return 0;
		}
		ph.auto_rings = rings;
		ph.auto_ms = ms;
		ack(o);
	} else {
		return -1;
	}
	return 0;
}

static void put_stats(fjw *w)
{
	fjw_str(w, "state", ph_table[ph.state].name);
	fjw_int(w, "hook_tx", (long)ph.hook_tx);
	fjw_int(w, "flashes", (long)ph.flashes);
	fjw_int(w, "pulse_digits", (long)ph.pulse_digits_sent);
}

static void put_ready(fjw *w)
{
	fjw_str(w, "state", ph_table[ph.state].name);
	if (ph.auto_rings > 0)
		fjw_int(w, "auto_answer_rings", ph.auto_rings);
	if (ph.auto_ms >= 0)
		fjw_int(w, "auto_answer_ms", ph.auto_ms);
	fjw_int(w, "ring_end_ms", ph.ring_end_ms);
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fprintf(f, "usage: sipt-farend-phone --line PATH [options]\n" AN_COMMON_USAGE
		   "  --auto-answer-rings N    go off-hook when the N-th ring burst ends\n"
		   "  --auto-answer-ms N       go off-hook N ms after ringing starts\n"
		   "  --ring-end-ms N          a ringing session ends after N ms without ringing voltage (default 6000)\n"
		   "Commands: JSON lines on stdin; events: JSON lines on stdout.\n");
}

enum { O_RINGS = 256, O_MS, O_RING_END, O_HELP };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		AN_COMMON_OPTIONS,
		{ "auto-answer-rings", required_argument, NULL, O_RINGS },
		{ "auto-answer-ms", required_argument, NULL, O_MS },
		{ "ring-end-ms", required_argument, NULL, O_RING_END },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	static const an_hooks hooks = {
		.role = "phone",
		.accept = (1u << (AN_MSG_RING - AN_MSG_HOOK)) | (1u << (AN_MSG_POLARITY - AN_MSG_HOOK)) |
			  (1u << (AN_MSG_BATTERY - AN_MSG_HOOK)),
		.on_signal = on_signal,
		.on_connect = on_connect,
		.on_disconnect = on_disconnect,
		.on_command = on_command,
		.next_due = next_due,
		.run_due = run_due,
		.put_stats = put_stats,
		.put_ready = put_ready,
	};
	an_config cfg = { .profile = an_profile_find("etsi"), .law = FE_LAW_ALAW, .dtmf_detect = 1,
			  .cpt_min_dbm0 = -40, .connect_timeout_ms = 30000 };
	int opt, code;

	fe_clock_start();
	memset(&ph, 0, sizeof(ph));
	ph.state = PH_ON_HOOK;
	ph.battery = ph.polarity = ph.ring_on = -1;
	ph.ring_end_due = ph.answer_due = ph.hook_due = -1;
	ph.ring_end_ms = 6000;
	ph.auto_ms = -1;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int r = an_common_option(opt, optarg, &cfg);
		if (r < 0)
			goto bad;
		if (r > 0)
			continue;
		switch (opt) {
		case O_RINGS:
			if (fe_parse_long(optarg, 1, 100, &ph.auto_rings) < 0)
				goto bad;
			break;
		case O_MS:
			if (fe_parse_long(optarg, 0, 600000, &ph.auto_ms) < 0)
				goto bad;
			break;
		case O_RING_END:
			if (fe_parse_long(optarg, 200, 60000, &ph.ring_end_ms) < 0)
				goto bad;
			break;
		case O_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sipt-farend-phone: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	if (!cfg.path) {
		fprintf(stderr, "sipt-farend-phone: --line is required\n");
		usage(stderr);
		return 2;
	}
	if (ph.auto_rings > 0 && ph.auto_ms >= 0) {
		fprintf(stderr, "sipt-farend-phone: --auto-answer-rings and --auto-answer-ms exclude each other\n");
		return 2;
	}
	ph.flash_ms = cfg.profile->flash_ms;
	an_line_init(&cfg, &hooks);
	an_line_mute(ONHOOK_MUTE);
	code = an_line_run();
	an_line_free();
	return code;

bad:
	fprintf(stderr, "sipt-farend-phone: bad value for an option: %s\n", optarg ? optarg : "");
	usage(stderr);
	return 2;
}
