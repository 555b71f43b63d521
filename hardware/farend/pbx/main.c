/*
 * sipt-farend-pbx: a PBX on libpri 1.6 in QSIG mode (ECMA-143 / ISO 11572
 * basic call, on Q.921 LAPD) facing the simulated card's line side: the
 * D-channel on one signalling socket, the B-channels on the span bearer.
 *
 * libpri runs the Q.921 and Q.931 state machines; this program decides what
 * the PBX does (rules, commands) and reports every Q.931 message as a JSON
 * line on stdout. libpri reads and writes through callbacks (pri_new_cb), one
 * LAPD frame with two FCS placeholder bytes per packet, so each frame is seen
 * here on its way (q931_tap.c) and the card can reconnect at any time.
 *
 *   Calls (this program's view, one per B-channel):
 *
 *   IDLE --call--> OUT_SETUP --CALL PROC--> OUT_PROCEEDING --ALERTING--> OUT_ALERTING
 *     |                 \__________________________\___CONNECT____________/  |
 *     |                                                                      v
 *     `--SETUP--> IN_SETUP --CALL PROC sent--> IN_PROCEEDING --ALERTING sent--> IN_ALERTING
 *                     \__________________CONNECT sent___________________________> ACTIVE
 *   any call state --release (DISCONNECT / RELEASE / RELEASE COMPLETE sent)--> RELEASING
 *   any call state --far end clears--> IDLE ; RELEASING --clearing completes--> IDLE
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <libpri.h>

#include "fe_bearer.h"
#include "fe_io.h"
#include "fe_json.h"
#include "fe_rules.h"
#include "q931_tap.h"

#define MAX_FRAME 1024
#define MAX_CALLS 64
#define Q850_NORMAL_CLEARING 16
#define Q850_NORMAL_UNSPECIFIED 31

typedef enum {
	PS_IDLE,
	PS_OUT_SETUP,
	PS_OUT_PROCEEDING,
	PS_OUT_ALERTING,
	PS_IN_SETUP,
	PS_IN_PROCEEDING,
	PS_IN_ALERTING,
	PS_ACTIVE,
	PS_RELEASING,
} pcall_state;

static const char *const state_names[] = {
	"idle", "out_setup", "out_proceeding", "out_alerting", "in_setup", "in_proceeding", "in_alerting", "active",
	"releasing",
};

typedef enum { DUE_NONE, DUE_ANSWER, DUE_RELEASE } due_action;

typedef struct {
	int used;
	q931_call *call;
	int channel;     /* B-channel number (= timeslot) */
	int chan_raw;    /* libpri's encoded channel for this call */
	int outgoing;
	pcall_state state;
	int cref, cref_known;
	int hangup_called; /* pri_hangup() done: libpri owns the clearing */
	int clearing_done; /* RELEASE COMPLETE seen on the wire */
	int media_set;
	fe_rule rule;
	int rule_cause;
	int64_t due_ms;
	due_action due;
	char called[256];
} pcall;

static struct {
	struct pri *pri;
	int network;
	int t1;
	fe_sock sig, bearer;
	fe_bearer media;
	fe_rules rules;
	pcall calls[MAX_CALLS];
	int link_up;
	int debug;
	int quit;
	int exit_code;
	int stdin_open;
	long connect_timeout_ms;
	int64_t start_ms;
	unsigned long frames_tx, frames_rx, frames_dropped;
	fe_lines lines;
	/* the frame libpri is reading now, reported once its event is known */
	int rx_pending;
	q931_frame rx;
	/* the call reference of the SETUP libpri just wrote */
	int last_setup_cref;
} g;

static volatile sig_atomic_t got_signal;

/* ------------------------------------------------------------ helpers */

static int valid_bchan(int ch)
{
	if (g.t1)
		return ch >= 1 && ch <= 23; /* T1 PRI: 23 B + D on timeslot 24 */
	return ch >= 1 && ch <= 31 && ch != 16; /* E1 PRI: D on timeslot 16 */
}

static pcall *by_call(q931_call *call)
{
	int i;
	if (!call)
		return NULL;
	for (i = 0; i < MAX_CALLS; i++)
		if (g.calls[i].used && g.calls[i].call == call)
			return &g.calls[i];
	return NULL;
}

static pcall *by_channel(int ch)
{
	int i;
	for (i = 0; i < MAX_CALLS; i++)
		if (g.calls[i].used && g.calls[i].channel == ch)
			return &g.calls[i];
	return NULL;
}

static pcall *new_pcall(void)
{
	int i;
	for (i = 0; i < MAX_CALLS; i++)
		if (!g.calls[i].used) {
			memset(&g.calls[i], 0, sizeof(g.calls[i]));
			g.calls[i].used = 1;
			return &g.calls[i];
		}
	return NULL;
}

static void put_call(fjw *w, const pcall *p)
{
	if (p->channel > 0)
		fjw_int(w, "channel", p->channel);
	if (p->cref_known)
		fjw_int(w, "cref", p->cref);
}

static void set_state(pcall *p, pcall_state s)
{
	fjw w;
	if (p->state == s)
		return;
	p->state = s;
	fjw_begin(&w, "state");
	put_call(&w, p);
	fjw_str(&w, "state", state_names[s]);
	fjw_end(&w);
}

static void media_stop(pcall *p)
{
	char err[256];
	if (p->media_set && p->channel > 0)
		fe_bearer_stop(&g.media, p->channel, err, sizeof(err));
	p->media_set = 0;
}

/* The call is gone from libpri: forget it. */
static void forget(pcall *p)
{
	media_stop(p);
	set_state(p, PS_IDLE);
	p->used = 0;
	p->call = NULL;
}

static void start_answer_media(pcall *p)
{
	char err[256];
	if (p->channel <= 0)
		return;
	if (p->rule.echo) {
		if (fe_bearer_echo(&g.media, p->channel, 1, err, sizeof(err)) == 0)
			p->media_set = 1;
	} else if (p->rule.tone_hz) {
		if (fe_bearer_tone(&g.media, p->channel, (int)p->rule.tone_hz, (int)p->rule.tone_dbm0, 0, 0, 0, 0, 0, err,
				   sizeof(err)) == 0)
			p->media_set = 1;
	}
}

static void do_proceeding(pcall *p);

/* Q.931 §5.3: clear the call; libpri picks DISCONNECT, RELEASE or RELEASE COMPLETE by state and cause. */
static void do_hangup(pcall *p, int cause)
{
	p->due = DUE_NONE;
	/* libpri sends no DISCONNECT for an incoming call it has not answered in any
	 * way (the call is not yet "alive" to it): CALL PROCEEDING first, a valid
	 * call confirmation (Q.931 §5.2.5) before the clearing. */
	if (p->state == PS_IN_SETUP)
		do_proceeding(p);
	media_stop(p);
	set_state(p, PS_RELEASING);
	p->hangup_called = 1;
	pri_hangup(g.pri, p->call, cause);
}

static void do_proceeding(pcall *p)
{
	if (p->state == PS_IN_SETUP) {
		pri_proceeding(g.pri, p->call, p->chan_raw, 0);
		set_state(p, PS_IN_PROCEEDING);
	}
}

static void do_alerting(pcall *p)
{
	do_proceeding(p);
	pri_acknowledge(g.pri, p->call, p->chan_raw, 0);
	set_state(p, PS_IN_ALERTING);
}

static void do_answer(pcall *p)
{
	p->due = DUE_NONE;
	pri_answer(g.pri, p->call, p->chan_raw, 0);
	set_state(p, PS_ACTIVE);
	start_answer_media(p);
}

static void apply_rule(pcall *p, int64_t now)
{
	const fe_rule *r = fe_rules_match(&g.rules, p->called);
	fjw w;
	p->rule = *r;
	fjw_begin(&w, "rule");
	put_call(&w, p);
	fe_rule_put(&w, r);
	fjw_end(&w);
	switch (r->action) {
	case FE_ACT_MANUAL:
		return;
	case FE_ACT_ANSWER:
		do_alerting(p);
		p->due = DUE_ANSWER;
		p->due_ms = now + r->after_ms;
		return;
	case FE_ACT_RING:
		do_alerting(p);
		return;
	case FE_ACT_BUSY:
	case FE_ACT_RELEASE:
		p->rule_cause = fe_rule_cause(r, p->called);
		if (p->rule_cause < 0) {
			fe_event_error("called number %s gives no cause in 1..127 from its last %d digits; releasing with cause %d",
				       p->called, r->cause_digits, Q850_NORMAL_UNSPECIFIED);
			p->rule_cause = Q850_NORMAL_UNSPECIFIED;
		}
		if (r->alerting)
			do_alerting(p);
		if (r->after_ms == 0 && !r->alerting) {
			do_hangup(p, p->rule_cause);
			return;
		}
		p->due = DUE_RELEASE;
		p->due_ms = now + r->after_ms;
		return;
	}
}

static void run_due(int64_t now)
{
	int i;
	for (i = 0; i < MAX_CALLS; i++) {
		pcall *p = &g.calls[i];
		due_action what = p->due;
		if (!p->used || what == DUE_NONE || now < p->due_ms)
			continue;
		p->due = DUE_NONE;
		if (what == DUE_ANSWER && (p->state == PS_IN_SETUP || p->state == PS_IN_PROCEEDING || p->state == PS_IN_ALERTING))
			do_answer(p);
		else if (what == DUE_RELEASE && p->state != PS_RELEASING)
			do_hangup(p, p->rule_cause);
	}
}

static int64_t next_due(void)
{
	int64_t best = -1;
	int i;
	for (i = 0; i < MAX_CALLS; i++)
		if (g.calls[i].used && g.calls[i].due != DUE_NONE && (best < 0 || g.calls[i].due_ms < best))
			best = g.calls[i].due_ms;
	return best;
}

/* Calls whose clearing completed on the wire after pri_hangup(): libpri has freed them. */
static void sweep(void)
{
	int i;
	for (i = 0; i < MAX_CALLS; i++) {
		pcall *p = &g.calls[i];
		if (p->used && p->hangup_called && p->clearing_done)
			forget(p);
	}
}

/* ------------------------------------------------------------ wire */

static void put_frame(fjw *w, const q931_frame *f)
{
	const char *name = q931_msg_name(f->msg_type);
	if (name)
		fjw_str(w, "msg", name);
	else
		fjw_int(w, "msg_type", f->msg_type);
	if (f->cref >= 0) {
		fjw_int(w, "cref", f->cref);
		fjw_int(w, "cref_flag", f->cref_flag);
	} else {
		fjw_bool(w, "dummy_cref", 1);
	}
	if (f->channel >= 0)
		fjw_int(w, "channel", f->channel);
	if (f->has_called)
		fjw_str(w, "called", f->called);
	if (f->has_calling)
		fjw_str(w, "calling", f->calling);
	if (f->cause >= 0)
		fjw_int(w, "cause", f->cause);
}

/* RELEASE COMPLETE (Q.931 §5.3) ends the call reference in either direction. */
static void note_clearing(const q931_frame *f)
{
	int i;
	if (!f->q931 || f->msg_type != 0x5A || f->cref < 0)
		return;
	for (i = 0; i < MAX_CALLS; i++)
		if (g.calls[i].used && g.calls[i].cref_known && g.calls[i].cref == f->cref)
			g.calls[i].clearing_done = 1;
}

static void dump_frame(const char *dir, const void *buf, size_t n)
{
	size_t k;
	if (!g.debug)
		return;
	fprintf(stderr, "frame %s %zu:", dir, n);
	for (k = 0; k < n; k++)
		fprintf(stderr, " %02x", ((const uint8_t *)buf)[k]);
	fputc('\n', stderr);
}

static int io_write(struct pri *pri, void *buf, int buflen)
{
	uint8_t *b = buf;
	q931_frame f;
	(void)pri;
	if (buflen < 2)
		return buflen;
	dump_frame("tx", b, (size_t)buflen);
	b[buflen - 2] = 0; /* FCS placeholder bytes are 00 00 on the line */
	b[buflen - 1] = 0;
	q931_decode(b, (size_t)buflen, &f);
	if (f.q931) {
		fjw w;
		fjw_begin(&w, "tx");
		put_frame(&w, &f);
		if (g.sig.fd < 0)
			fjw_bool(&w, "dropped", 1);
		fjw_end(&w);
		if (f.msg_type == 0x05)
			g.last_setup_cref = f.cref;
		note_clearing(&f);
	}
	if (g.sig.fd >= 0 && fe_sock_send(&g.sig, b, (size_t)buflen) == 0)
		g.frames_tx++;
	else
		g.frames_dropped++;
	/* A line with nobody on it loses frames silently; LAPD recovers (T200). */
	return buflen;
}

/* libpri takes 0 as "nothing read" (a negative length would be parsed as a frame). */
static int io_read(struct pri *pri, void *buf, int buflen)
{
	ssize_t n;
	(void)pri;
	if (g.sig.fd < 0)
		return 0;
	n = recv(g.sig.fd, buf, (size_t)buflen, MSG_DONTWAIT);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			fe_sock_drop(&g.sig, strerror(errno));
		return 0;
	}
	if (n == 0) {
		fe_sock_drop(&g.sig, "the card closed the connection");
		return 0;
	}
	g.frames_rx++;
	dump_frame("rx", buf, (size_t)n);
	q931_decode(buf, (size_t)n, &g.rx);
	g.rx_pending = g.rx.q931;
	note_clearing(&g.rx);
	return (int)n;
}

/* ------------------------------------------------------------ events */

static void cb_message(struct pri *pri, char *s)
{
	(void)pri;
	if (g.debug)
		fputs(s, stderr);
}

static void cb_error(struct pri *pri, char *s)
{
	fjw w;
	char text[512];
	size_t n = strlen(s);
	(void)pri;
	fputs(s, stderr);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	memcpy(text, s, n);
	text[n] = '\0';
	fjw_begin(&w, "stack_error");
	fjw_str(&w, "text", text);
	fjw_end(&w);
}

static int chan_num(int raw)
{
	return raw < 0 ? -1 : (raw & 0xFF);
}

static void ev_ring(pri_event *e, int64_t now)
{
	pcall *p;
	int ch = chan_num(e->ring.channel);
	if (ch <= 0 || !valid_bchan(ch)) {
		/* Q.931 §5.2.3.1: no acceptable channel -> cause 6 (channel unacceptable) */
		fe_event_error("SETUP asks for channel %d, which is not a B-channel of this span", ch);
		pri_hangup(g.pri, e->ring.call, 6);
		return;
	}
	if (by_channel(ch)) {
		/* Q.931 §5.2.3.1: requested channel busy -> cause 44 */
		pri_hangup(g.pri, e->ring.call, 44);
		return;
	}
	p = new_pcall();
	if (!p) {
		pri_hangup(g.pri, e->ring.call, 34); /* no circuit/channel available */
		return;
	}
	p->call = e->ring.call;
	p->channel = ch;
	p->chan_raw = e->ring.channel;
	p->cref = g.rx.cref;
	p->cref_known = g.rx.cref >= 0;
	snprintf(p->called, sizeof(p->called), "%s", e->ring.callednum);
	set_state(p, PS_IN_SETUP);
	apply_rule(p, now);
}

static void rx_report(pri_event *e)
{
	fjw w;
	if (!g.rx_pending)
		return;
	g.rx_pending = 0;
	fjw_begin(&w, "rx");
	put_frame(&w, &g.rx);
	if (e && e->e == PRI_EVENT_RING) {
		if (e->ring.callingname[0])
			fjw_str(&w, "name", e->ring.callingname);
		fjw_int(&w, "called_plan", e->ring.calledplan);
		fjw_int(&w, "calling_plan", e->ring.callingplan);
		fjw_int(&w, "calling_pres", e->ring.callingpres);
		fjw_bool(&w, "complete", e->ring.complete != 0);
	}
	fjw_end(&w);
}

static void handle_event(pri_event *e, int64_t now)
{
	pcall *p;
	fjw w;
	switch (e->e) {
	case PRI_EVENT_DCHAN_UP:
	case PRI_EVENT_DCHAN_DOWN:
		g.link_up = e->e == PRI_EVENT_DCHAN_UP;
		fjw_begin(&w, "link");
		fjw_str(&w, "state", g.link_up ? "up" : "down");
		fjw_end(&w);
		return;
	case PRI_EVENT_RING:
		ev_ring(e, now);
		return;
	case PRI_EVENT_PROCEEDING:
		p = by_call(e->proceeding.call);
		if (p && p->state == PS_OUT_SETUP)
			set_state(p, PS_OUT_PROCEEDING);
		return;
	case PRI_EVENT_RINGING:
		p = by_call(e->ringing.call);
		if (p && (p->state == PS_OUT_SETUP || p->state == PS_OUT_PROCEEDING))
			set_state(p, PS_OUT_ALERTING);
		return;
	case PRI_EVENT_ANSWER:
		p = by_call(e->answer.call);
		if (p && p->state != PS_RELEASING)
			set_state(p, PS_ACTIVE);
		return;
	case PRI_EVENT_HANGUP_REQ:
		/* DISCONNECT received: answer with RELEASE (Q.931 §5.3). */
		p = by_call(e->hangup.call);
		if (p) {
			do_hangup(p, e->hangup.cause);
		} else {
			pri_hangup(g.pri, e->hangup.call, e->hangup.cause);
		}
		return;
	case PRI_EVENT_HANGUP:
		/* The far end released; libpri waits for pri_hangup() to free the call. */
		p = by_call(e->hangup.call);
		pri_hangup(g.pri, e->hangup.call, e->hangup.cause);
		if (p)
			forget(p);
		return;
	case PRI_EVENT_HANGUP_ACK:
		p = by_call(e->hangup.call);
		if (p)
			forget(p);
		return;
	case PRI_EVENT_RESTART: {
		int ch = chan_num(e->restart.channel);
		fjw_begin(&w, "restart");
		fjw_int(&w, "channel", ch);
		fjw_end(&w);
		/* Q.931 §5.5: the restarted channel returns to idle; its call is gone. */
		p = ch > 0 ? by_channel(ch) : NULL;
		if (p)
			forget(p);
		return;
	}
	case PRI_EVENT_RESTART_ACK:
		fjw_begin(&w, "restart_ack");
		fjw_int(&w, "channel", chan_num(e->restartack.channel));
		fjw_end(&w);
		return;
	case PRI_EVENT_KEYPAD_DIGIT:
	case PRI_EVENT_INFO_RECEIVED:
		p = by_call(e->e == PRI_EVENT_KEYPAD_DIGIT ? e->digit.call : e->ring.call);
		fjw_begin(&w, "digits");
		if (p)
			put_call(&w, p);
		fjw_str(&w, "digits", e->e == PRI_EVENT_KEYPAD_DIGIT ? e->digit.digits : e->ring.callednum);
		fjw_end(&w);
		return;
	case PRI_EVENT_CONNECT_ACK:
	case PRI_EVENT_PROGRESS:
	case PRI_EVENT_SETUP_ACK:
	case PRI_EVENT_FACILITY:
	case PRI_EVENT_NOTIFY:
		return; /* reported by the wire decode */
	default:
		fjw_begin(&w, "stack_event");
		fjw_int(&w, "code", e->e);
		fjw_str(&w, "name", pri_event2str(e->e));
		fjw_end(&w);
		return;
	}
}

/* ------------------------------------------------------------ commands */

static int cmd_channel(const fj_obj *o, int *ch)
{
	long v;
	if (fj_get_int(o, "channel", 1, 31, &v) != 1 || !valid_bchan((int)v)) {
		fe_nack(o, "\"channel\" must be a B-channel of this %s span (%s)", g.t1 ? "T1" : "E1",
			g.t1 ? "1-23" : "1-15, 17-31");
		return -1;
	}
	*ch = (int)v;
	return 0;
}

static void ack(const fj_obj *o, const pcall *p)
{
	fjw w;
	fe_ack_begin(&w, o);
	if (p)
		put_call(&w, p);
	fjw_end(&w);
}

static void cmd_call(const fj_obj *o)
{
	int ch;
	const char *called, *calling = "", *name = "";
	long called_plan = PRI_UNKNOWN, calling_plan = PRI_UNKNOWN, pres = PRES_ALLOWED_USER_NUMBER_NOT_SCREENED;
	struct pri_sr *sr;
	pcall *p;
	q931_call *call;
	size_t k;

	if (cmd_channel(o, &ch) < 0)
		return;
	if (by_channel(ch)) {
		fe_nack(o, "channel %d is busy", ch);
		return;
	}
	if (!g.link_up) {
		fe_nack(o, "the D-channel is not up");
		return;
	}
	if (fj_get_str(o, "called", &called) != 1 || !*called || strlen(called) > 40) {
		fe_nack(o, "\"called\" must be a number of 1 to 40 digits");
		return;
	}
	for (k = 0; called[k]; k++)
		if (!strchr("0123456789*#", called[k])) {
			fe_nack(o, "\"called\" holds '%c', not a digit", called[k]);
			return;
		}
	if (fj_get_str(o, "calling", &calling) == -1 || strlen(calling) > 40 || fj_get_str(o, "name", &name) == -1 ||
	    strlen(name) > 50 || fj_get_int(o, "called_plan", 0, 127, &called_plan) == -1 ||
	    fj_get_int(o, "calling_plan", 0, 127, &calling_plan) == -1 || fj_get_int(o, "pres", 0, 127, &pres) == -1) {
		fe_nack(o, "call parameters: calling (digits), name (up to 50 characters), called_plan/calling_plan "
			   "(Q.931 §4.5.8 octet 3, 0-127), pres (octet 3a, 0-127)");
		return;
	}
	p = new_pcall();
	call = p ? pri_new_call(g.pri) : NULL;
	sr = call ? pri_sr_new() : NULL;
	if (!sr) {
		if (p)
			p->used = 0;
		fe_nack(o, "no call resources left");
		return;
	}
	pri_sr_set_channel(sr, ch, 1, 0); /* exclusive: the channel is not negotiable */
	pri_sr_set_bearer(sr, PRI_TRANS_CAP_SPEECH, g.media.law == FE_LAW_ULAW || (g.media.law == FE_LAW_AUTO && g.t1)
						      ? PRI_LAYER_1_ULAW
						      : PRI_LAYER_1_ALAW);
	pri_sr_set_called(sr, (char *)called, (int)called_plan, 1);
	pri_sr_set_caller(sr, *calling ? (char *)calling : NULL, *name ? (char *)name : NULL, (int)calling_plan, (int)pres);
	p->call = call;
	p->channel = ch;
	p->chan_raw = ch;
	p->outgoing = 1;
	snprintf(p->called, sizeof(p->called), "%s", called);
	g.last_setup_cref = -1;
	if (pri_setup(g.pri, call, sr) < 0) {
		pri_sr_free(sr);
		pri_destroycall(g.pri, call);
		p->used = 0;
		fe_nack(o, "libpri refused the SETUP");
		return;
	}
	pri_sr_free(sr);
	if (g.last_setup_cref >= 0) {
		p->cref = g.last_setup_cref;
		p->cref_known = 1;
	}
	set_state(p, PS_OUT_SETUP);
	ack(o, p);
}

static pcall *cmd_pcall(const fj_obj *o)
{
	int ch;
	pcall *p;
	if (cmd_channel(o, &ch) < 0)
		return NULL;
	p = by_channel(ch);
	if (!p)
		fe_nack(o, "channel %d has no call", ch);
	return p;
}

static void cmd_incoming(const fj_obj *o, const char *what)
{
	pcall *p = cmd_pcall(o);
	if (!p)
		return;
	if (p->state != PS_IN_SETUP && p->state != PS_IN_PROCEEDING && p->state != PS_IN_ALERTING) {
		fe_nack(o, "channel %d has no incoming call to %s (%s)", p->channel, what, state_names[p->state]);
		return;
	}
	p->due = DUE_NONE;
	if (strcmp(what, "proceeding") == 0) {
		if (p->state != PS_IN_SETUP) {
			fe_nack(o, "channel %d already sent CALL PROCEEDING", p->channel);
			return;
		}
		do_proceeding(p);
	} else if (strcmp(what, "alert") == 0) {
		if (p->state == PS_IN_ALERTING) {
			fe_nack(o, "channel %d already sent ALERTING", p->channel);
			return;
		}
		do_alerting(p);
	} else {
		do_answer(p);
	}
	ack(o, p);
}

static void cmd_release(const fj_obj *o)
{
	long cause = Q850_NORMAL_CLEARING;
	pcall *p = cmd_pcall(o);
	if (!p)
		return;
	if (fj_get_int(o, "cause", 1, 127, &cause) == -1) {
		fe_nack(o, "\"cause\" must be a Q.850 cause value from 1 to 127");
		return;
	}
	if (p->state == PS_RELEASING) {
		fe_nack(o, "channel %d is already clearing", p->channel);
		return;
	}
	do_hangup(p, (int)cause);
	ack(o, p);
}

static void cmd_restart(const fj_obj *o)
{
	int ch;
	pcall *p;
	if (cmd_channel(o, &ch) < 0)
		return;
	p = by_channel(ch);
	if (p && p->state != PS_IDLE) {
		fe_nack(o, "channel %d carries a call: release it first", ch);
		return;
	}
	/* Q.931 §5.5.1: RESTART for one B-channel, on the global call reference. */
	if (pri_reset(g.pri, ch) < 0) {
		fe_nack(o, "libpri refused the RESTART");
		return;
	}
	ack(o, NULL);
}

static void cmd_media(const fj_obj *o, const char *cmd)
{
	char err[256];
	int ts, r = -1, b = 0;
	long v, v1 = 0, l1 = -10, f2 = 0, l2 = -10, on_ms = 0, off_ms = 0, dur = 0;
	const char *s;
	fjw w;
	switch (fj_get_int(o, "ts", 1, FE_MAX_SLOTS, &v)) {
	case 1: ts = (int)v; break;
	case -1: fe_nack(o, "\"ts\" must be a timeslot from 1 to %d", FE_MAX_SLOTS); return;
	default:
		if (fj_get_int(o, "channel", 1, 31, &v) != 1) {
			fe_nack(o, "name the timeslot with \"ts\" or \"channel\"");
			return;
		}
		ts = (int)v;
	}
	if (strcmp(cmd, "play") == 0) {
		if (fj_get_int(o, "tone", 1, 3999, &v1) != 1 || fj_get_int(o, "dbm0", -60, 3, &l1) == -1 ||
		    fj_get_int(o, "tone2", 0, 3999, &f2) == -1 || fj_get_int(o, "dbm0_2", -60, 3, &l2) == -1 ||
		    fj_get_int(o, "on_ms", 0, 60000, &on_ms) == -1 || fj_get_int(o, "off_ms", 0, 60000, &off_ms) == -1 ||
		    fj_get_int(o, "duration_ms", 0, 86400000, &dur) == -1) {
			fe_nack(o, "play: tone 1-3999 Hz, dbm0 -60..3 (integer), optional tone2/dbm0_2, on_ms/off_ms cadence, "
				   "duration_ms");
			return;
		}
		r = fe_bearer_tone(&g.media, ts, (int)v1, (int)l1, (int)f2, (int)l2, (int)on_ms, (int)off_ms, dur, err,
				   sizeof(err));
	} else if (strcmp(cmd, "dtmf") == 0) {
		on_ms = 100;
		off_ms = 100;
		if (fj_get_str(o, "digits", &s) != 1 || fj_get_int(o, "dbm0", -60, 0, &l1) == -1 ||
		    fj_get_int(o, "on_ms", 40, 2000, &on_ms) == -1 || fj_get_int(o, "off_ms", 40, 2000, &off_ms) == -1) {
			fe_nack(o, "dtmf: digits (string), dbm0 -60..0, on_ms/off_ms 40-2000");
			return;
		}
		r = fe_bearer_dtmf(&g.media, ts, s, (int)l1, (int)on_ms, (int)off_ms, err, sizeof(err));
	} else if (strcmp(cmd, "play_file") == 0) {
		const char *law = "auto";
		int lw;
		if (fj_get_str(o, "path", &s) != 1 || fj_get_str(o, "law", &law) == -1 || fj_get_bool(o, "loop", &b) == -1) {
			fe_nack(o, "play_file: path (string), law alaw|ulaw (default: the line's), loop (bool)");
			return;
		}
		lw = fe_law_parse(law);
		if (lw < 0) {
			fe_nack(o, "\"law\" is alaw or ulaw");
			return;
		}
		r = fe_bearer_file(&g.media, ts, s, (fe_law)lw, b, err, sizeof(err));
	} else if (strcmp(cmd, "echo") == 0) {
		b = 1;
		if (fj_get_bool(o, "on", &b) == -1) {
			fe_nack(o, "\"on\" must be true or false");
			return;
		}
		r = fe_bearer_echo(&g.media, ts, b, err, sizeof(err));
	} else if (strcmp(cmd, "stop") == 0) {
		r = fe_bearer_stop(&g.media, ts, err, sizeof(err));
	} else {
		double min = -45;
		b = 1;
		if (fj_get_int(o, "freq", 1, 3999, &v1) != 1 || fj_get_bool(o, "on", &b) == -1 ||
		    fj_get_num(o, "min_dbm0", &min) == -1) {
			fe_nack(o, "detect: freq 1-3999 Hz, on (bool), min_dbm0 (number)");
			return;
		}
		r = fe_bearer_detect(&g.media, ts, (int)v1, b, min, err, sizeof(err));
	}
	if (r < 0) {
		fe_nack(o, "%s", err);
		return;
	}
	fe_ack_begin(&w, o);
	fjw_int(&w, "ts", ts);
	fjw_end(&w);
}

static void put_stats(void)
{
	fjw w;
	fjw_begin(&w, "stats");
	fjw_bool(&w, "link_up", g.link_up);
	fjw_int(&w, "frames_tx", (long)g.frames_tx);
	fjw_int(&w, "frames_rx", (long)g.frames_rx);
	fjw_int(&w, "frames_dropped", (long)g.frames_dropped);
	fe_bearer_put_stats(&g.media, &w);
	fjw_end(&w);
}

static void on_line(const char *line, void *ud)
{
	static fj_obj o;
	char err[256];
	const char *cmd;
	(void)ud;
	if (fj_parse(line, &o, err, sizeof(err)) < 0) {
		fe_nack(NULL, "command is not a JSON object: %s", err);
		return;
	}
	if (fj_get_str(&o, "cmd", &cmd) != 1) {
		fe_nack(&o, "command has no \"cmd\" string");
		return;
	}
	if (strcmp(cmd, "call") == 0)
		cmd_call(&o);
	else if (strcmp(cmd, "proceeding") == 0 || strcmp(cmd, "alert") == 0 || strcmp(cmd, "answer") == 0)
		cmd_incoming(&o, cmd);
	else if (strcmp(cmd, "release") == 0)
		cmd_release(&o);
	else if (strcmp(cmd, "restart") == 0)
		cmd_restart(&o);
	else if (strcmp(cmd, "play") == 0 || strcmp(cmd, "play_file") == 0 || strcmp(cmd, "dtmf") == 0 ||
		 strcmp(cmd, "echo") == 0 || strcmp(cmd, "stop") == 0 || strcmp(cmd, "detect") == 0)
		cmd_media(&o, cmd);
	else if (strcmp(cmd, "rule") == 0) {
		fe_rule r;
		if (fe_rule_from_json(&o, 1, &r, err, sizeof(err)) < 0)
			fe_nack(&o, "%s", err);
		else if (fe_rules_add(&g.rules, &r) < 0)
			fe_nack(&o, "the rule table is full (%d rules)", FE_MAX_RULES);
		else
			ack(&o, NULL);
	} else if (strcmp(cmd, "default_rule") == 0) {
		fe_rule r;
		if (fe_rule_from_json(&o, 0, &r, err, sizeof(err)) < 0)
			fe_nack(&o, "%s", err);
		else {
			g.rules.def = r;
			ack(&o, NULL);
		}
	} else if (strcmp(cmd, "rules_clear") == 0) {
		g.rules.n = 0;
		ack(&o, NULL);
	} else if (strcmp(cmd, "stats") == 0) {
		put_stats();
		ack(&o, NULL);
	} else if (strcmp(cmd, "quit") == 0) {
		ack(&o, NULL);
		g.quit = 1;
	} else {
		fe_nack(&o, "unknown command \"%s\"", cmd);
	}
}

static void bearer_in(void)
{
	static uint8_t buf[FE_BEARER_HDR + FE_MAX_SLOTS * FE_MAX_BLOCK + 1];
	char err[256];
	for (;;) {
		ssize_t n = recv(g.bearer.fd, buf, sizeof(buf), MSG_DONTWAIT);
		int len;
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				fe_sock_drop(&g.bearer, strerror(errno));
			return;
		}
		if (n == 0) {
			fe_sock_drop(&g.bearer, "the card closed the connection");
			return;
		}
		len = fe_bearer_block(&g.media, buf, (size_t)n, err, sizeof(err));
		if (len < 0) {
			if (g.media.malformed == 1 || g.media.malformed % 1000 == 0)
				fe_event_error("%s (%lu malformed blocks so far)", err, g.media.malformed);
			continue;
		}
		fe_sock_send(&g.bearer, g.media.out, (size_t)len);
	}
}

/* ------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sipt-farend-pbx --sig PATH [options]\n"
		"  --side network|user      Q.921/Q.931 side (default network)\n"
		"  --span e1|t1             B-channels 1-15,17-31 (E1) or 1-23 (T1); default e1\n"
		"  --sig PATH               the card's D-channel socket (SOCK_SEQPACKET)\n"
		"  --bearer PATH            the card's span bearer socket\n"
		"  --law alaw|ulaw|auto     bearer companding (auto: mu-law on 24 slots, else A-law)\n"
		"  --no-dtmf-detect         do not run the DTMF receiver on every timeslot\n"
		"  --rules FILE             rules, one JSON object per line\n"
		"  --rule JSON              one rule (repeatable), e.g. '{\"prefix\":\"2\",\"action\":\"answer\"}'\n"
		"  --default-rule JSON      what calls no rule matches get (default {\"action\":\"answer\"})\n"
		"  --connect-timeout-ms N   give up when the card does not listen within N ms (default 30000; 0: never)\n"
		"  --debug                  libpri Q.921/Q.931 debug text on stderr\n"
		"Commands: JSON lines on stdin; events: JSON lines on stdout.\n");
}

static void on_signal(int sig)
{
	got_signal = sig;
}

enum { O_SIDE = 256, O_SPAN, O_SIG, O_BEARER, O_LAW, O_NODTMF, O_RULES, O_RULE, O_DEFRULE, O_CTO, O_DEBUG, O_HELP };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "side", required_argument, NULL, O_SIDE }, { "span", required_argument, NULL, O_SPAN },
		{ "sig", required_argument, NULL, O_SIG }, { "bearer", required_argument, NULL, O_BEARER },
		{ "law", required_argument, NULL, O_LAW }, { "no-dtmf-detect", no_argument, NULL, O_NODTMF },
		{ "rules", required_argument, NULL, O_RULES }, { "rule", required_argument, NULL, O_RULE },
		{ "default-rule", required_argument, NULL, O_DEFRULE },
		{ "connect-timeout-ms", required_argument, NULL, O_CTO }, { "debug", no_argument, NULL, O_DEBUG },
		{ "help", no_argument, NULL, O_HELP }, { NULL, 0, NULL, 0 },
	};
	const char *sig = NULL, *bearer = NULL, *rules_file = NULL, *def_rule = NULL;
	const char *rule_args[FE_MAX_RULES];
	int n_rules = 0, law = FE_LAW_AUTO, dtmf_detect = 1, opt, i;
	char err[512];
	struct sigaction sa;

	fe_clock_start();
	memset(&g, 0, sizeof(g));
	g.network = 1;
	g.connect_timeout_ms = 30000;
	fe_rules_init(&g.rules);

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case O_SIDE:
			if (strcmp(optarg, "network") == 0)
				g.network = 1;
			else if (strcmp(optarg, "user") == 0)
				g.network = 0;
			else
				goto bad;
			break;
		case O_SPAN:
			if (strcmp(optarg, "e1") == 0)
				g.t1 = 0;
			else if (strcmp(optarg, "t1") == 0)
				g.t1 = 1;
			else
				goto bad;
			break;
		case O_SIG: sig = optarg; break;
		case O_BEARER: bearer = optarg; break;
		case O_LAW:
			law = fe_law_parse(optarg);
			if (law < 0)
				goto bad;
			break;
		case O_NODTMF: dtmf_detect = 0; break;
		case O_RULES: rules_file = optarg; break;
		case O_RULE:
			if (n_rules >= FE_MAX_RULES)
				goto bad;
			rule_args[n_rules++] = optarg;
			break;
		case O_DEFRULE: def_rule = optarg; break;
		case O_CTO:
			if (fe_parse_long(optarg, 0, 86400000, &g.connect_timeout_ms) < 0)
				goto bad;
			break;
		case O_DEBUG: g.debug = 1; break;
		case O_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sipt-farend-pbx: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	if (!sig) {
		fprintf(stderr, "sipt-farend-pbx: --sig is required\n");
		usage(stderr);
		return 2;
	}
	if (rules_file && fe_rules_load_file(&g.rules, rules_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "sipt-farend-pbx: %s\n", err);
		return 2;
	}
	for (i = 0; i < n_rules; i++) {
		static fj_obj o;
		fe_rule r;
		if (fj_parse(rule_args[i], &o, err, sizeof(err)) < 0 || fe_rule_from_json(&o, 1, &r, err, sizeof(err)) < 0 ||
		    fe_rules_add(&g.rules, &r) < 0) {
			fprintf(stderr, "sipt-farend-pbx: --rule %s: %s\n", rule_args[i], err);
			return 2;
		}
	}
	if (def_rule) {
		static fj_obj o;
		if (fj_parse(def_rule, &o, err, sizeof(err)) < 0 || fe_rule_from_json(&o, 0, &g.rules.def, err, sizeof(err)) < 0) {
			fprintf(stderr, "sipt-farend-pbx: --default-rule: %s\n", err);
			return 2;
		}
	}

	/* Before pri_new_cb(): libpri starts Q.921 at once and writes through io_write(),
	 * so a card that already listens gets the first SABME. */
	fe_bearer_init(&g.media, (fe_law)law, dtmf_detect);
	fe_sock_init(&g.sig, "sig", sig);
	fe_sock_init(&g.bearer, "bearer", bearer);
	fe_sock_service(&g.sig, fe_now_ms());
	fe_sock_service(&g.bearer, fe_now_ms());
	pri_set_message(cb_message);
	pri_set_error(cb_error);
	g.pri = pri_new_cb(-1, g.network ? PRI_NETWORK : PRI_CPE, PRI_SWITCH_QSIG, io_read, io_write, NULL);
	if (!g.pri) {
		fprintf(stderr, "sipt-farend-pbx: libpri could not start\n");
		return 1;
	}
	pri_facility_enable(g.pri);  /* QSIG name identification (ECMA-164) rides in FACILITY IEs */
	pri_hangup_fix_enable(g.pri, 1); /* Q.931 §5.3.2 clearing, as the libpri header describes */
	if (g.debug)
		pri_set_debug(g.pri, PRI_DEBUG_Q921_STATE | PRI_DEBUG_Q931_DUMP | PRI_DEBUG_Q931_STATE);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	g.stdin_open = 1;

	{
		fjw w;
		fjw_begin(&w, "ready");
		fjw_str(&w, "role", "pbx");
		fjw_str(&w, "side", g.network ? "network" : "user");
		fjw_str(&w, "span", g.t1 ? "t1" : "e1");
		fjw_str(&w, "switch", pri_switch2str(PRI_SWITCH_QSIG));
		fjw_str(&w, "libpri", pri_get_version());
		fjw_end(&w);
	}
	g.start_ms = fe_now_ms();

	while (!g.quit && !got_signal) {
		struct pollfd pf[3];
		int npf = 0, i_sig = -1, i_bearer = -1, i_in = -1, timeout = 1000;
		int64_t now = fe_now_ms(), t;
		struct timeval *tv;
		pri_event *e;

		fe_sock_service(&g.sig, now);
		fe_sock_service(&g.bearer, now);
		if (g.connect_timeout_ms && now - g.start_ms > g.connect_timeout_ms &&
		    (!g.sig.ever_connected || (g.bearer.path && !g.bearer.ever_connected))) {
			fe_event_error("the card did not accept a connection on %s within %ld ms",
				       !g.sig.ever_connected ? g.sig.path : g.bearer.path, g.connect_timeout_ms);
			g.exit_code = 1;
			break;
		}
		tv = pri_schedule_next(g.pri);
		if (tv) {
			struct timeval nowtv;
			long ms;
			gettimeofday(&nowtv, NULL);
			ms = (tv->tv_sec - nowtv.tv_sec) * 1000 + (tv->tv_usec - nowtv.tv_usec) / 1000;
			if (ms < 0)
				ms = 0;
			if (ms < timeout)
				timeout = (int)ms;
		}
		t = next_due();
		if (t >= 0 && t - now < timeout)
			timeout = t > now ? (int)(t - now) : 0;
		t = fe_sock_wait_ms(&g.sig, now);
		if (t >= 0 && t < timeout)
			timeout = (int)t;
		t = fe_sock_wait_ms(&g.bearer, now);
		if (t >= 0 && t < timeout)
			timeout = (int)t;
		if (g.sig.fd >= 0) {
			i_sig = npf;
			pf[npf].fd = g.sig.fd;
			pf[npf++].events = POLLIN;
		}
		if (g.bearer.fd >= 0) {
			i_bearer = npf;
			pf[npf].fd = g.bearer.fd;
			pf[npf++].events = POLLIN;
		}
		if (g.stdin_open) {
			i_in = npf;
			pf[npf].fd = 0;
			pf[npf++].events = POLLIN;
		}
		if (poll(pf, (nfds_t)npf, timeout) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			g.exit_code = 1;
			break;
		}
		now = fe_now_ms();
		if (i_sig >= 0 && (pf[i_sig].revents & (POLLIN | POLLHUP | POLLERR))) {
			/* One frame per pri_check_event; what libpri sends in reaction is
			 * reported after the received message. */
			int k;
			for (k = 0; k < 64 && g.sig.fd >= 0; k++) {
				unsigned long before = g.frames_rx;
				fjw_defer(1);
				e = pri_check_event(g.pri);
				fjw_defer(0);
				rx_report(e);
				fjw_flush_deferred();
				if (e)
					handle_event(e, now);
				if (g.frames_rx == before)
					break;
			}
		}
		e = pri_schedule_run(g.pri);
		if (e)
			handle_event(e, now);
		if (i_bearer >= 0 && (pf[i_bearer].revents & (POLLIN | POLLHUP | POLLERR)))
			bearer_in();
		if (i_in >= 0 && (pf[i_in].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (fe_lines_read(&g.lines, 0, on_line, NULL) < 0)
				g.stdin_open = 0, g.quit = 1;
		}
		run_due(now);
		sweep();
	}

	put_stats();
	{
		fjw w;
		fjw_begin(&w, "exit");
		fjw_int(&w, "code", g.exit_code);
		if (got_signal)
			fjw_int(&w, "signal", got_signal);
		fjw_end(&w);
	}
	fe_bearer_free(&g.media);
	return g.exit_code;

bad:
	fprintf(stderr, "sipt-farend-pbx: bad value for an option: %s\n", optarg);
	usage(stderr);
	return 2;
}
