/*
 * sipt-farend-coline: a central-office (exchange) line on the line side of
 * an FXO port of the simulated card (RUNDIR/port<P>.line, an_line.h).
 *
 * The line feeds battery, rings the port with the profile's (or a given)
 * cadence, reverses the loop polarity as answer supervision, and supervises
 * the loop the gateway's FXO side closes and opens: seizure, answer of a
 * ringing call (ring trip), hook flash (register recall), decadic dial
 * pulses, and the on-hook that clears. A seized line gets dial tone; the
 * digits dialled (DTMF through spandsp's Q.24 receiver, or pulses) are
 * collected until '#', an inter-digit timeout or the maximum length; the
 * number then picks a rule (hardware/farend/common/fe_rules.h): answer after
 * N ms (ringing tone meanwhile, then polarity reversal), ring until
 * cancelled, busy tone, or a release whose cause chooses busy tone (cause 17,
 * Q.850) or congestion tone (any other). When the exchange clears first the
 * line returns to normal polarity, optionally removes battery for an open
 * switch interval (disconnect supervision), and gives busy or congestion
 * tone until the gateway goes on-hook.
 *
 * Loop supervision (timing on the loop-current changes the card reports):
 *   break <= pulse_break_max        one dial pulse; a make longer than
 *                                   pulse_interdigit ends the digit (10 = 0)
 *   break <= flash_max              hook flash (register recall)
 *   break  > flash_max              on-hook: the call clears
 * While the exchange removes battery no loop current flows: hook changes are
 * taken when battery returns.
 *
 * Call states (one transition table, co_table below):
 *
 *   IDLE --seize--> DIALTONE --digit--> DIGITS --number--> ROUTING --alert--> ALERTING
 *    |                 | no digit         ^__digit_|          | answer / busy    | answer / busy
 *    |                 v                                      v                  v
 *    |               BUSY <------------------------------- CONNECTED / BUSY <----'
 *    '--call--> RINGING --answered (loop closes)--> CONNECTED
 *               RINGING --cancel--> IDLE
 *   any call state --clear (on-hook)--> IDLE
 *   DIALTONE..CONNECTED --release (exchange clears)--> CLEARED --clear--> IDLE
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_line.h"
#include "fe_rules.h"

#define Q850_USER_BUSY 17 /* Q.850 Table 1 */
#define MAX_NUMBER 31

typedef enum { CS_IDLE, CS_DIALTONE, CS_DIGITS, CS_ROUTING, CS_ALERTING, CS_CONNECTED, CS_BUSY, CS_RINGING, CS_CLEARED } co_state;
static const char *const state_names[] = { "idle",      "dialtone", "digits",  "routing", "alerting",
					   "connected", "busy",     "ringing", "cleared" };

typedef enum {
	CE_SEIZE,    /* loop closed on an idle line */
	CE_CLEAR,    /* on-hook */
	CE_DIGIT,
	CE_NUMBER,   /* number complete */
	CE_NO_DIGIT, /* nothing dialled within the first-digit timeout */
	CE_ALERT,
	CE_ANSWER,
	CE_BUSY,
	CE_CALL,     /* ring the port */
	CE_ANSWERED, /* loop closed while ringing */
	CE_CANCEL,   /* ringing stopped by the exchange */
	CE_RELEASE,  /* the exchange clears */
} co_event;
static const char *const event_names[] = { "seize",  "clear", "digit", "number",   "no_digit", "alert",
					   "answer", "busy",  "call",  "answered", "cancel",   "release" };

static const struct {
	co_state from;
	co_event ev;
	co_state to;
} co_table[] = {
	{ CS_IDLE, CE_SEIZE, CS_DIALTONE },        { CS_IDLE, CE_CALL, CS_RINGING },
	{ CS_DIALTONE, CE_DIGIT, CS_DIGITS },      { CS_DIALTONE, CE_NO_DIGIT, CS_BUSY },
	{ CS_DIALTONE, CE_CLEAR, CS_IDLE },        { CS_DIALTONE, CE_RELEASE, CS_CLEARED },
	{ CS_DIGITS, CE_DIGIT, CS_DIGITS },        { CS_DIGITS, CE_NUMBER, CS_ROUTING },
	{ CS_DIGITS, CE_CLEAR, CS_IDLE },          { CS_DIGITS, CE_RELEASE, CS_CLEARED },
	{ CS_ROUTING, CE_ALERT, CS_ALERTING },     { CS_ROUTING, CE_ANSWER, CS_CONNECTED },
	{ CS_ROUTING, CE_BUSY, CS_BUSY },          { CS_ROUTING, CE_CLEAR, CS_IDLE },
	{ CS_ROUTING, CE_RELEASE, CS_CLEARED },    { CS_ALERTING, CE_ANSWER, CS_CONNECTED },
	{ CS_ALERTING, CE_BUSY, CS_BUSY },         { CS_ALERTING, CE_CLEAR, CS_IDLE },
	{ CS_ALERTING, CE_RELEASE, CS_CLEARED },   { CS_CONNECTED, CE_CLEAR, CS_IDLE },
	{ CS_CONNECTED, CE_RELEASE, CS_CLEARED },  { CS_BUSY, CE_CLEAR, CS_IDLE },
	{ CS_RINGING, CE_ANSWERED, CS_CONNECTED }, { CS_RINGING, CE_CANCEL, CS_IDLE },
	{ CS_CLEARED, CE_CLEAR, CS_IDLE },
};
#define N_ROWS ((int)(sizeof(co_table) / sizeof(co_table[0])))

static struct {
	co_state state;
	fe_rules rules;
	/* what the line sends */
	int battery, polarity, ring_on;
	/* loop supervision */
	int raw;        /* last hook state from the card, -1 unknown */
	int loop;       /* loop closed (off-hook), as supervision has decided */
	int64_t break_start, onhook_due, pulse_due;
	int pulses;
	long flash_max_ms, pulse_break_max_ms, pulse_interdigit_ms;
	/* digits */
	char number[MAX_NUMBER + 1];
	const char *number_by;
	long first_digit_ms, interdigit_ms, max_digits;
	int dial_tone;
	/* the call */
	fe_rule rule;
	int have_rule;
	an_tone_id busy_tone;
	int64_t digit_due, answer_due, busy_due;
	/* ringing */
	int cad[AN_MAX_CAD], ncad, cad_idx, bursts;
	int64_t ring_due, ring_timeout_due;
	const char *ring_end_reason;
	/* exchange clearing */
	int clear_tone;  /* an_tone_id, or -1 for none */
	int64_t battery_due;
	unsigned long calls_in, calls_out, flashes, pulse_digits;
} co;

/* ---------------------------------------------------------------- line outputs */

static void send_state(int type, int v, const char *ev, const char *on, const char *off)
{
	fjw w;
	an_line_signal(type, v);
	fjw_begin(&w, ev);
	fjw_str(&w, "state", v ? on : off);
	fjw_end(&w);
}

static void set_polarity(int reversed)
{
	if (co.polarity == reversed)
		return;
	co.polarity = reversed;
	send_state(AN_MSG_POLARITY, reversed, "polarity", "reversed", "normal");
}

static void set_battery(int on)
{
	if (co.battery == on)
		return;
	co.battery = on;
	send_state(AN_MSG_BATTERY, on, "battery", "on", "off");
}

static void set_ring(int on)
{
	fjw w;
	if (co.ring_on == on)
		return;
	co.ring_on = on;
	an_line_signal(AN_MSG_RING, on);
	fjw_begin(&w, "ring");
	fjw_str(&w, "state", on ? "on" : "off");
	fjw_int(&w, "burst", co.bursts);
	fjw_end(&w);
}

/* ---------------------------------------------------------------- state machine */

static int find_row(co_event ev)
{
	int i;
	for (i = 0; i < N_ROWS; i++)
		if (co_table[i].from == co.state && co_table[i].ev == ev)
			return i;
	return -1;
}

static int step(co_event ev, int64_t now);

static void call_timers_clear(void)
{
	co.digit_due = co.answer_due = co.busy_due = -1;
	co.ring_due = co.ring_timeout_due = -1;
}

static void ring_stop(void)
{
	fjw w;
	set_ring(0);
	fjw_begin(&w, "ring_end");
	fjw_str(&w, "reason", co.ring_end_reason ? co.ring_end_reason : "cancelled");
	fjw_int(&w, "bursts", co.bursts);
	fjw_end(&w);
	co.ring_end_reason = NULL;
}

static void routing(int64_t now)
{
	const fe_rule *r = fe_rules_match(&co.rules, co.number);
	int cause = -1;
	fjw w;
	co.rule = *r;
	co.have_rule = 1;
	fjw_begin(&w, "number");
	fjw_str(&w, "number", co.number);
	fjw_str(&w, "by", co.number_by);
	fjw_end(&w);
	fjw_begin(&w, "rule");
	fjw_str(&w, "number", co.number);
	fe_rule_put(&w, r);
	if (r->action == FE_ACT_RELEASE) {
		cause = fe_rule_cause(r, co.number);
		fjw_int(&w, "cause", cause);
	}
	fjw_end(&w);
	switch (r->action) {
	case FE_ACT_ANSWER:
		step(CE_ALERT, now);
		co.answer_due = now + r->after_ms;
		break;
	case FE_ACT_RING: step(CE_ALERT, now); break;
	case FE_ACT_BUSY:
	case FE_ACT_RELEASE:
		/* An analog line carries no cause: user busy gives busy tone, any other congestion tone. */
		co.busy_tone = r->action == FE_ACT_BUSY || cause == Q850_USER_BUSY ? AN_BUSY : AN_CONGESTION;
		if (r->action == FE_ACT_RELEASE && r->alerting)
			step(CE_ALERT, now);
		if (r->after_ms == 0 && co.state == CS_ROUTING)
			step(CE_BUSY, now);
		else
			co.busy_due = now + r->after_ms;
		break;
	case FE_ACT_MANUAL: break;
	}
}

static void enter(co_state from, int64_t now)
{
	char err[128];
	switch (co.state) {
	case CS_IDLE:
		an_line_silence();
		set_polarity(0);
		co.number[0] = '\0';
		co.have_rule = 0;
		break;
	case CS_DIALTONE:
		co.calls_out++;
		co.number[0] = '\0';
		an_line_detector_reset();
		if (co.dial_tone)
			an_line_tone(AN_DIAL);
		co.digit_due = now + co.first_digit_ms;
		break;
	case CS_DIGITS:
		an_line_tone_stop(); /* dial tone ends with the first digit */
		co.digit_due = now + co.interdigit_ms;
		break;
	case CS_ROUTING: routing(now); break;
	case CS_ALERTING: an_line_tone(AN_RINGBACK); break;
	case CS_CONNECTED:
		an_line_silence();
		if (from != CS_RINGING) {
			/* answer supervision towards the calling line: loop polarity reversal */
			set_polarity(1);
			if (co.have_rule && co.rule.echo)
				fe_bearer_echo(an_line_media(), AN_TS, 1, err, sizeof(err));
			else if (co.have_rule && co.rule.tone_hz)
				fe_bearer_tone(an_line_media(), AN_TS, (int)co.rule.tone_hz, (int)co.rule.tone_dbm0, 0, 0, 0, 0,
					       0, err, sizeof(err));
		}
		break;
	case CS_BUSY: an_line_tone(co.busy_tone); break;
	case CS_RINGING:
		co.calls_in++;
		co.cad_idx = 0;
		co.bursts = 1;
		set_ring(1);
		co.ring_due = now + co.cad[0];
		break;
	case CS_CLEARED:
		an_line_silence();
		set_polarity(0);
		if (co.battery_due >= 0)
			break; /* the open switch interval ends with the tone */
		if (co.clear_tone >= 0)
			an_line_tone((an_tone_id)co.clear_tone);
		break;
	}
}

static int step(co_event ev, int64_t now)
{
	int row = find_row(ev);
	co_state from = co.state;
	fjw w;
	if (row < 0)
		return -1;
	co.state = co_table[row].to;
	if (from == CS_RINGING)
		ring_stop();
	if (co.state != from || ev == CE_DIGIT) {
		if (co.state != from) {
			fjw_begin(&w, "state");
			fjw_str(&w, "state", state_names[co.state]);
			fjw_str(&w, "event", event_names[ev]);
			fjw_end(&w);
		}
		call_timers_clear();
		enter(from, now);
	}
	return 0;
}

static int accepts(co_event ev)
{
	return find_row(ev) >= 0;
}

/* ---------------------------------------------------------------- digits */

static void number_complete(const char *by, int64_t now)
{
	co.number_by = by;
	step(CE_NUMBER, now);
}

static void digit_in(char d, int64_t now)
{
	size_t n = strlen(co.number);
	if (co.state != CS_DIALTONE && co.state != CS_DIGITS)
		return;
	if (d == '#' && n > 0) {
		number_complete("terminator", now);
		return;
	}
	co.number[n] = d;
	co.number[n + 1] = '\0';
	step(CE_DIGIT, now);
	if ((long)(n + 1) >= co.max_digits)
		number_complete("length", now);
}

static void pulse_digit(int64_t now)
{
	fjw w;
	int n = co.pulses;
	co.pulses = 0;
	co.pulse_due = -1;
	if (n > 10) {
		fe_event_error("%d dial pulses in one train: not a digit (1-10 pulses)", n);
		return;
	}
	co.pulse_digits++;
	fjw_begin(&w, "pulse_digit");
	fjw_str(&w, "digit", (char[2]){ (char)(n == 10 ? '0' : '0' + n), '\0' });
	fjw_int(&w, "pulses", n);
	fjw_end(&w);
	digit_in((char)(n == 10 ? '0' : '0' + n), now);
}

static void on_digit(char d, int64_t now)
{
	digit_in(d, now);
}

/* ---------------------------------------------------------------- loop supervision */

static void loop_event(const char *state)
{
	fjw w;
	fjw_begin(&w, "loop");
	fjw_str(&w, "state", state);
	fjw_end(&w);
}

static void loop_input(int closed, int64_t now)
{
	if (closed) {
		if (!co.loop) {
			co.loop = 1;
			loop_event("closed");
			if (co.state == CS_RINGING) {
				co.ring_end_reason = "answered";
				step(CE_ANSWERED, now);
			} else if (step(CE_SEIZE, now) < 0) {
				fe_event_error("loop closed in state %s", state_names[co.state]);
			}
		} else if (co.onhook_due >= 0) {
			int64_t d = now - co.break_start;
			co.onhook_due = -1;
			if (d <= co.pulse_break_max_ms) {
				co.pulses++;
				co.pulse_due = now + co.pulse_interdigit_ms;
			} else {
				fjw w;
				if (co.pulses)
					pulse_digit(now);
				co.flashes++;
				fjw_begin(&w, "flash");
				fjw_int(&w, "ms", (long)d);
				fjw_end(&w);
			}
		}
		return;
	}
	if (co.loop && co.onhook_due < 0) {
		co.break_start = now;
		co.onhook_due = now + co.flash_max_ms;
		co.pulse_due = -1; /* a break inside a pulse train: the digit goes on */
	}
}

static void on_signal(int type, int v, int64_t now)
{
	if (type != AN_MSG_HOOK)
		return;
	co.raw = v;
	if (!co.battery)
		return; /* no feed, no loop current */
	loop_input(v, now);
}

static void on_connect(int64_t now)
{
	(void)now;
	co.raw = -1;
	/* the card told its hook state on accepting; the line tells its own */
	an_line_signal(AN_MSG_BATTERY, co.battery);
	an_line_signal(AN_MSG_POLARITY, co.polarity);
	an_line_signal(AN_MSG_RING, co.ring_on);
}

static void on_disconnect(int64_t now)
{
	/* the gateway's side is unplugged: its loop is open */
	co.raw = -1;
	co.pulses = 0;
	co.pulse_due = co.onhook_due = -1;
	if (co.loop) {
		co.loop = 0;
		loop_event("open");
	}
	co.ring_end_reason = "disconnected";
	if (step(co.state == CS_RINGING ? CE_CANCEL : CE_CLEAR, now) < 0)
		co.ring_end_reason = NULL;
}

/* ---------------------------------------------------------------- timers */

static void run_due(int64_t now)
{
	if (co.onhook_due >= 0 && now >= co.onhook_due) {
		co.onhook_due = -1;
		co.pulses = 0;
		co.pulse_due = -1;
		co.loop = 0;
		loop_event("open");
		step(CE_CLEAR, now);
	}
	if (co.pulse_due >= 0 && now >= co.pulse_due)
		pulse_digit(now);
	if (co.digit_due >= 0 && now >= co.digit_due) {
		co.digit_due = -1;
		if (co.state == CS_DIALTONE) {
			co.busy_tone = AN_CONGESTION; /* permanent signal: nothing dialled */
			step(CE_NO_DIGIT, now);
		} else {
			number_complete("timeout", now);
		}
	}
	if (co.answer_due >= 0 && now >= co.answer_due) {
		co.answer_due = -1;
		step(CE_ANSWER, now);
	}
	if (co.busy_due >= 0 && now >= co.busy_due) {
		co.busy_due = -1;
		step(CE_BUSY, now);
	}
	if (co.ring_timeout_due >= 0 && now >= co.ring_timeout_due) {
		co.ring_end_reason = "timeout";
		step(CE_CANCEL, now);
	}
	while (co.ring_due >= 0 && now >= co.ring_due) {
		int on;
		co.cad_idx = (co.cad_idx + 1) % co.ncad;
		on = co.cad_idx % 2 == 0;
		if (on)
			co.bursts++;
		set_ring(on);
		co.ring_due += co.cad[co.cad_idx];
	}
	if (co.battery_due >= 0 && now >= co.battery_due) {
		co.battery_due = -1;
		set_battery(1);
		if (co.raw >= 0 && co.raw != co.loop)
			loop_input(co.raw, now);
		if (co.state == CS_CLEARED && co.clear_tone >= 0)
			an_line_tone((an_tone_id)co.clear_tone);
	}
}

static int64_t next_due(void)
{
	int64_t c[] = { co.onhook_due, co.pulse_due,        co.digit_due,  co.answer_due,
			co.busy_due,   co.ring_timeout_due, co.ring_due,   co.battery_due };
	int64_t t = -1;
	size_t i;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (c[i] >= 0 && (t < 0 || c[i] < t))
			t = c[i];
	return t;
}

/* ---------------------------------------------------------------- commands */

static void ack(const fj_obj *o)
{
	fjw w;
	fe_ack_begin(&w, o);
	fjw_str(&w, "state", state_names[co.state]);
	fjw_end(&w);
}

static int refuse(const fj_obj *o, const char *cmd, co_event ev)
{
	if (accepts(ev))
		return 0;
	fe_nack(o, "%s is not possible in state %s", cmd, state_names[co.state]);
	return 1;
}

static int tone_member(const fj_obj *o, const char *key, int allow_none, int *out)
{
	const char *s;
	int id;
	switch (fj_get_str(o, key, &s)) {
	case 0: return 0;
	case 1:
		if (allow_none && strcmp(s, "none") == 0) {
			*out = -1;
			return 0;
		}
		id = an_tone_parse(s);
		if (id == AN_BUSY || id == AN_CONGESTION) {
			*out = id;
			return 0;
		}
		/* fall through */
	default:
		fe_nack(o, "\"%s\" is busy or congestion%s", key, allow_none ? " or none" : "");
		return -1;
	}
}

static void cmd_call(const fj_obj *o, int64_t now)
{
	const char *s;
	long timeout = 0;
	int cad[AN_MAX_CAD], n;
	const an_profile *p = an_line_profile();
	if (fj_get_int(o, "timeout_ms", 0, 3600000, &timeout) == -1) {
		fe_nack(o, "call: timeout_ms 0-3600000 (0: ring until answered or cancelled)");
		return;
	}
	switch (fj_get_str(o, "cadence", &s)) {
	case 0:
		memcpy(cad, p->ring_cad, sizeof(p->ring_cad));
		n = p->nring;
		break;
	case 1:
		n = an_parse_cadence(s, cad, AN_MAX_CAD);
		if (n > 0)
			break;
		/* fall through */
	default:
		fe_nack(o, "call: cadence is \"on,off[,on,off...]\" in ms, 2 to %d values of 50-10000", AN_MAX_CAD);
		return;
	}
	if (refuse(o, "call", CE_CALL))
		return;
	if (co.loop) {
		fe_nack(o, "call: the loop is closed (the gateway is off-hook)");
		return;
	}
	if (!co.battery) {
		fe_nack(o, "call: battery is removed");
		return;
	}
	memcpy(co.cad, cad, sizeof(int) * (size_t)n);
	co.ncad = n;
	step(CE_CALL, now);
	if (timeout > 0)
		co.ring_timeout_due = now + timeout;
	ack(o);
}

static void cmd_release(const fj_obj *o, int64_t now)
{
	long osi = 0;
	int tone = AN_BUSY;
	if (fj_get_int(o, "osi_ms", 0, 5000, &osi) == -1) {
		fe_nack(o, "release: osi_ms 0-5000 (open switch interval: battery removed for that long)");
		return;
	}
	if (tone_member(o, "tone", 1, &tone) < 0)
		return;
	if (co.state == CS_RINGING) {
		co.ring_end_reason = "cancelled";
		step(CE_CANCEL, now);
		ack(o);
		return;
	}
	if (refuse(o, "release", CE_RELEASE))
		return;
	co.clear_tone = tone;
	if (osi > 0) {
		set_battery(0);
		co.battery_due = now + osi;
	}
	step(CE_RELEASE, now);
	ack(o);
}

static int on_command(const fj_obj *o, const char *cmd, int64_t now)
{
	char err[256];
	int b;
	if (strcmp(cmd, "call") == 0) {
		cmd_call(o, now);
	} else if (strcmp(cmd, "ring_stop") == 0) {
		if (refuse(o, cmd, CE_CANCEL))
			return 0;
		co.ring_end_reason = "cancelled";
		step(CE_CANCEL, now);
		ack(o);
	} else if (strcmp(cmd, "alert") == 0) {
		if (refuse(o, cmd, CE_ALERT))
			return 0;
		step(CE_ALERT, now);
		ack(o);
	} else if (strcmp(cmd, "answer") == 0) {
		if (refuse(o, cmd, CE_ANSWER))
			return 0;
		step(CE_ANSWER, now);
		ack(o);
	} else if (strcmp(cmd, "busy") == 0) {
		int tone = AN_BUSY;
		if (tone_member(o, "tone", 0, &tone) < 0 || refuse(o, cmd, CE_BUSY))
			return 0;
		co.busy_tone = (an_tone_id)tone;
		step(CE_BUSY, now);
		ack(o);
	} else if (strcmp(cmd, "release") == 0) {
		cmd_release(o, now);
	} else if (strcmp(cmd, "battery") == 0 || strcmp(cmd, "polarity") == 0) {
		int battery = strcmp(cmd, "battery") == 0;
		if (fj_get_bool(o, battery ? "on" : "reversed", &b) != 1) {
			fe_nack(o, "%s: \"%s\" (true or false)", cmd, battery ? "on" : "reversed");
			return 0;
		}
		if (battery) {
			co.battery_due = -1;
			set_battery(b);
			if (b && co.raw >= 0 && co.raw != co.loop)
				loop_input(co.raw, now);
		} else {
			set_polarity(b);
		}
		ack(o);
	} else if (strcmp(cmd, "rule") == 0) {
		fe_rule r;
		if (fe_rule_from_json(o, 1, &r, err, sizeof(err)) < 0)
			fe_nack(o, "%s", err);
		else if (fe_rules_add(&co.rules, &r) < 0)
			fe_nack(o, "the rule table is full (%d rules)", FE_MAX_RULES);
		else
			ack(o);
	} else if (strcmp(cmd, "default_rule") == 0) {
		fe_rule r;
		if (fe_rule_from_json(o, 0, &r, err, sizeof(err)) < 0) {
			fe_nack(o, "%s", err);
		} else {
			co.rules.def = r;
			ack(o);
		}
	} else if (strcmp(cmd, "rules_clear") == 0) {
		co.rules.n = 0;
		ack(o);
	} else {
		return -1;
	}
	return 0;
}

static void put_stats(fjw *w)
{
	fjw_str(w, "state", state_names[co.state]);
	fjw_bool(w, "loop", co.loop);
	fjw_int(w, "calls_in", (long)co.calls_in);
	fjw_int(w, "calls_out", (long)co.calls_out);
	fjw_int(w, "flashes", (long)co.flashes);
	fjw_int(w, "pulse_digits", (long)co.pulse_digits);
}

static void put_ready(fjw *w)
{
	fjw_int(w, "flash_max_ms", co.flash_max_ms);
	fjw_int(w, "pulse_break_max_ms", co.pulse_break_max_ms);
	fjw_int(w, "first_digit_ms", co.first_digit_ms);
	fjw_int(w, "interdigit_ms", co.interdigit_ms);
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fprintf(f, "usage: sipt-farend-coline --line PATH [options]\n" AN_COMMON_USAGE
		   "  --rules FILE             rules, one JSON object per line\n"
		   "  --rule JSON              one rule (repeatable), e.g. '{\"prefix\":\"5551\",\"action\":\"answer\",\"after_ms\":1000}'\n"
		   "  --default-rule JSON      what numbers no rule matches get (default {\"action\":\"answer\"})\n"
		   "  --no-dial-tone           do not play dial tone when the line is seized\n"
		   "  --first-digit-timeout-ms N  congestion tone when nothing is dialled within N ms (default 10000)\n"
		   "  --digit-timeout-ms N     the number is complete N ms after the last digit (default 3000)\n"
		   "  --max-digits N           the number is complete at N digits (default 20)\n"
		   "  --flash-max-ms N         longest loop break taken as a hook flash (default 1000)\n"
		   "  --pulse-break-max-ms N   longest loop break taken as a dial pulse (default from the profile)\n"
		   "  --pulse-interdigit-ms N  a make longer than N ms ends a pulsed digit (default 200)\n"
		   "Commands: JSON lines on stdin; events: JSON lines on stdout.\n");
}

enum { O_RULES = 256, O_RULE, O_DEFRULE, O_NODIAL, O_FIRST, O_DIGIT, O_MAXD, O_FLASH, O_PULSE, O_PGAP, O_HELP };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		AN_COMMON_OPTIONS,
		{ "rules", required_argument, NULL, O_RULES },
		{ "rule", required_argument, NULL, O_RULE },
		{ "default-rule", required_argument, NULL, O_DEFRULE },
		{ "no-dial-tone", no_argument, NULL, O_NODIAL },
		{ "first-digit-timeout-ms", required_argument, NULL, O_FIRST },
		{ "digit-timeout-ms", required_argument, NULL, O_DIGIT },
		{ "max-digits", required_argument, NULL, O_MAXD },
		{ "flash-max-ms", required_argument, NULL, O_FLASH },
		{ "pulse-break-max-ms", required_argument, NULL, O_PULSE },
		{ "pulse-interdigit-ms", required_argument, NULL, O_PGAP },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	static const an_hooks hooks = {
		.role = "coline",
		.accept = 1u << (AN_MSG_HOOK - AN_MSG_HOOK),
		.on_signal = on_signal,
		.on_connect = on_connect,
		.on_disconnect = on_disconnect,
		.on_digit = on_digit,
		.on_command = on_command,
		.next_due = next_due,
		.run_due = run_due,
		.put_stats = put_stats,
		.put_ready = put_ready,
	};
	an_config cfg = { .profile = an_profile_find("etsi"), .law = FE_LAW_ALAW, .dtmf_detect = 1,
			  .cpt_min_dbm0 = -40, .connect_timeout_ms = 30000 };
	const char *rules_file = NULL, *def_rule = NULL;
	const char *rule_args[FE_MAX_RULES];
	int n_rules = 0, opt, i, code;
	char err[512];

	fe_clock_start();
	memset(&co, 0, sizeof(co));
	fe_rules_init(&co.rules);
	co.state = CS_IDLE;
	co.battery = 1;
	co.raw = -1;
	co.onhook_due = co.pulse_due = co.battery_due = -1;
	call_timers_clear();
	co.first_digit_ms = 10000;
	co.interdigit_ms = 3000;
	co.max_digits = 20;
	co.flash_max_ms = 1000;
	co.pulse_break_max_ms = -1;
	co.pulse_interdigit_ms = 200;
	co.dial_tone = 1;
	co.clear_tone = AN_BUSY;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int r = an_common_option(opt, optarg, &cfg);
		if (r < 0)
			goto bad;
		if (r > 0)
			continue;
		switch (opt) {
		case O_RULES: rules_file = optarg; break;
		case O_RULE:
			if (n_rules >= FE_MAX_RULES)
				goto bad;
			rule_args[n_rules++] = optarg;
			break;
		case O_DEFRULE: def_rule = optarg; break;
		case O_NODIAL: co.dial_tone = 0; break;
		case O_FIRST:
			if (fe_parse_long(optarg, 100, 600000, &co.first_digit_ms) < 0)
				goto bad;
			break;
		case O_DIGIT:
			if (fe_parse_long(optarg, 100, 600000, &co.interdigit_ms) < 0)
				goto bad;
			break;
		case O_MAXD:
			if (fe_parse_long(optarg, 1, MAX_NUMBER, &co.max_digits) < 0)
				goto bad;
			break;
		case O_FLASH:
			if (fe_parse_long(optarg, 50, 5000, &co.flash_max_ms) < 0)
				goto bad;
			break;
		case O_PULSE:
			if (fe_parse_long(optarg, 20, 500, &co.pulse_break_max_ms) < 0)
				goto bad;
			break;
		case O_PGAP:
			if (fe_parse_long(optarg, 60, 2000, &co.pulse_interdigit_ms) < 0)
				goto bad;
			break;
		case O_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sipt-farend-coline: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	if (!cfg.path) {
		fprintf(stderr, "sipt-farend-coline: --line is required\n");
		usage(stderr);
		return 2;
	}
	if (rules_file && fe_rules_load_file(&co.rules, rules_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "sipt-farend-coline: %s\n", err);
		return 2;
	}
	for (i = 0; i < n_rules; i++) {
		static fj_obj o;
		fe_rule r;
		if (fj_parse(rule_args[i], &o, err, sizeof(err)) < 0 || fe_rule_from_json(&o, 1, &r, err, sizeof(err)) < 0 ||
		    fe_rules_add(&co.rules, &r) < 0) {
			fprintf(stderr, "sipt-farend-coline: --rule %s: %s\n", rule_args[i], err);
			return 2;
		}
	}
	if (def_rule) {
		static fj_obj o;
		if (fj_parse(def_rule, &o, err, sizeof(err)) < 0 || fe_rule_from_json(&o, 0, &co.rules.def, err, sizeof(err)) < 0) {
			fprintf(stderr, "sipt-farend-coline: --default-rule: %s\n", err);
			return 2;
		}
	}
	if (co.pulse_break_max_ms < 0) {
		/* between the profile's pulse break and its recall break, at most 150 ms */
		long mid = (cfg.profile->pulse_break_ms + cfg.profile->flash_ms) / 2;
		co.pulse_break_max_ms = mid < 150 ? mid : 150;
	}
	if (co.pulse_break_max_ms >= co.flash_max_ms) {
		fprintf(stderr, "sipt-farend-coline: --pulse-break-max-ms must be below --flash-max-ms\n");
		return 2;
	}
	an_line_init(&cfg, &hooks);
	code = an_line_run();
	an_line_free();
	return code;

bad:
	fprintf(stderr, "sipt-farend-coline: bad value for an option: %s\n", optarg ? optarg : "");
	usage(stderr);
	return 2;
}
