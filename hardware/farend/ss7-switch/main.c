/*
 * sipt-farend-ss7: a PSTN switch on libss7 2.0 facing the simulated card's
 * line side (one signalling link on a timeslot, one span bearer).
 *
 * ISUP call control and circuit supervision follow Q.764 (ITU) / T1.113.4
 * (ANSI) as libss7 implements them; this program decides what the switch does
 * (rules, commands) and reports every message as a JSON line on stdout.
 *
 * Plumbing: libss7 owns one end of a SOCK_SEQPACKET socketpair (transport
 * SS7_TRANSPORT_DAHDIMTP2: one MTP2 frame per packet, two FCS placeholder
 * bytes); this program relays the other end to the card's signalling socket,
 * which lets it report every ISUP message sent (wire_tap.c) and reconnect to
 * the card without libss7 noticing more than a link failure.
 *
 *        ASCII view of one circuit's call states (this program's, not libss7's):
 *
 *   IDLE --call--> OUT_SETUP --ACM--> OUT_ALERTED --ANM--> OUT_ANSWERED
 *     |  \                    \------------CON------------/       |
 *     |   `--IAM--> IN_SETUP --ACM sent--> IN_ALERTED --ANM sent--> IN_ANSWERED
 *     |                                                            |
 *     `<---RLC--- RELEASING <---REL sent (any call state)----------'
 *      <---REL received, RLC sent (any call state)---
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

#include <libss7.h>

#include "fe_bearer.h"
#include "fe_io.h"
#include "fe_json.h"
#include "fe_rules.h"
#include "wire_tap.h"

#define MAX_FRAME 512
#define Q850_NORMAL_CLEARING 16
#define Q850_NORMAL_UNSPECIFIED 31

typedef enum {
	CS_IDLE,
	CS_OUT_SETUP,
	CS_OUT_ALERTED,
	CS_OUT_ANSWERED,
	CS_IN_COT, /* IAM asked for a continuity check: loop connected, awaiting COT */
	CS_IN_SETUP,
	CS_IN_ALERTED,
	CS_IN_ANSWERED,
	CS_RELEASING,
} call_state;

static const char *const state_names[] = {
	"idle", "out_setup", "out_alerted", "out_answered", "in_cot", "in_setup", "in_alerted", "in_answered", "releasing",
};

/* Procedures this switch started and whose acknowledgement it awaits. */
#define P_RLC 0x01  /* REL or RSC sent */
#define P_BLA 0x02
#define P_UBA 0x04
#define P_GRA 0x08
#define P_CGBA 0x10
#define P_CGUA 0x20

typedef enum { DUE_NONE, DUE_ANSWER, DUE_RELEASE } due_action;

typedef struct {
	int cic;
	int ts; /* 0: no bearer timeslot */
	call_state state;
	struct isup_call *call;
	unsigned pending;
	int local_blocked;  /* maintenance blocking we applied (BLO / CGB sent) */
	int remote_blocked; /* maintenance blocking applied to us (BLO / CGB received) */
	int hw_blocked;     /* hardware blocking applied to us */
	int acm_sent;
	int media_set;
	fe_rule rule;
	int rule_cause;
	int64_t due_ms;
	due_action due;
	int hangup_pending; /* a libss7 hangup request waiting to be carried out */
	int hangup_cause;
	char called[64];
} circuit;

static struct {
	struct ss7 *ss7;
	int ansi;
	unsigned opc, dpc;
	int ni, slc;
	long cic_lo, cic_hi;
	circuit *circ;
	int sp[2];
	fe_sock sig, bearer;
	fe_bearer media;
	fe_rules rules;
	int started;
	int link_up;
	int debug;
	int quit;
	int exit_code;
	int stdin_open;
	long connect_timeout_ms;
	int64_t start_ms;
	unsigned long frames_tx, frames_rx, frames_dropped, msus_tx;
	fe_lines lines;
} g;

static volatile sig_atomic_t got_signal;

/* ---------------------------------------------------------------- helpers */

static circuit *circ(int cic)
{
	if (cic < g.cic_lo || cic > g.cic_hi)
		return NULL;
	return &g.circ[cic - g.cic_lo];
}

static void put_circuit(fjw *w, const circuit *c)
{
	fjw_int(w, "cic", c->cic);
	if (c->ts)
		fjw_int(w, "ts", c->ts);
}

static void report_state(const circuit *c)
{
	fjw w;
	fjw_begin(&w, "state");
	put_circuit(&w, c);
	fjw_str(&w, "state", state_names[c->state]);
	fjw_end(&w);
}

static void set_state(circuit *c, call_state s)
{
	if (c->state == s)
		return;
	c->state = s;
	report_state(c);
}

static void media_stop(circuit *c)
{
	char err[256];
	if (c->ts && c->media_set)
		fe_bearer_stop(&g.media, c->ts, err, sizeof(err));
	c->media_set = 0;
}

/* The call on this circuit is over (no message is sent here). */
static void call_cleared(circuit *c)
{
	media_stop(c);
	c->due = DUE_NONE;
	c->acm_sent = 0;
	c->called[0] = '\0';
	set_state(c, CS_IDLE);
}

/* libss7 keeps a call object per CIC; drop ours once nothing needs it. */
static void settle(circuit *c)
{
	if (c->state == CS_IDLE && !c->pending && c->call && !c->hangup_pending) {
		isup_free_call(g.ss7, c->call);
		c->call = NULL;
	}
}

static struct isup_call *call_of(circuit *c, int outgoing)
{
	if (!c->call)
		c->call = isup_new_call(g.ss7, c->cic, g.dpc, outgoing);
	return c->call;
}

static void adopt(circuit *c, struct isup_call *call)
{
	if (!c->call)
		c->call = call;
}

/* ------------------------------------------------------- sending messages */

/*
 * The send_* helpers return 0, or -1 after reporting a fault: libss7 frees a
 * call whose message it could not send, so the circuit's call is over then.
 */
static int send_rel(circuit *c, int cause)
{
	struct isup_call *call = call_of(c, 0);
	if (!call || isup_rel(g.ss7, call, cause) < 0) {
		c->call = NULL;
		fe_event_error("could not send REL on CIC %d", c->cic);
		call_cleared(c);
		return -1;
	}
	c->pending |= P_RLC;
	c->due = DUE_NONE;
	media_stop(c);
	set_state(c, CS_RELEASING);
	return 0;
}

static int send_acm(circuit *c)
{
	if (isup_acm(g.ss7, c->call) < 0) {
		c->call = NULL;
		fe_event_error("could not send ACM on CIC %d", c->cic);
		call_cleared(c);
		return -1;
	}
	c->acm_sent = 1;
	set_state(c, CS_IN_ALERTED);
	return 0;
}

static void start_answer_media(circuit *c)
{
	char err[256];
	if (!c->ts)
		return;
	if (c->rule.echo) {
		if (fe_bearer_echo(&g.media, c->ts, 1, err, sizeof(err)) == 0)
			c->media_set = 1;
	} else if (c->rule.tone_hz) {
		if (fe_bearer_tone(&g.media, c->ts, (int)c->rule.tone_hz, (int)c->rule.tone_dbm0, 0, 0, 0, 0, 0, err,
				   sizeof(err)) == 0)
			c->media_set = 1;
	}
}

static int send_answer(circuit *c)
{
	int r;
	/* Q.762: CON says "address complete and answered" at once (ITU). ANSI
	 * T1.113 has no CON: ACM first, then ANM. */
	if (!c->acm_sent && !g.ansi) {
		r = isup_con(g.ss7, c->call);
	} else {
		if (!c->acm_sent && send_acm(c) < 0)
			return -1;
		r = isup_anm(g.ss7, c->call);
	}
	if (r < 0) {
		c->call = NULL;
		fe_event_error("could not answer on CIC %d", c->cic);
		call_cleared(c);
		return -1;
	}
	c->acm_sent = 1;
	c->due = DUE_NONE;
	set_state(c, CS_IN_ANSWERED);
	start_answer_media(c);
	return 0;
}

static void send_rlc(circuit *c)
{
	if (isup_rlc(g.ss7, c->call) < 0) {
		c->call = NULL;
		fe_event_error("could not send RLC on CIC %d", c->cic);
	}
}

static int send_blo(circuit *c)
{
	if (isup_blo(g.ss7, call_of(c, 0)) < 0) {
		c->call = NULL;
		fe_event_error("could not send BLO on CIC %d", c->cic);
		return -1;
	}
	c->local_blocked = 1;
	c->pending |= P_BLA;
	return 0;
}

static int send_rsc(circuit *c)
{
	if (isup_rsc(g.ss7, call_of(c, 0)) < 0) {
		c->call = NULL;
		fe_event_error("could not send RSC on CIC %d", c->cic);
		call_cleared(c);
		return -1;
	}
	call_cleared(c);
	c->pending = P_RLC; /* RSC supersedes what was outstanding (Q.764 §2.9.3.1) */
	return 0;
}

/* ------------------------------------------------------ rules for an IAM */

static void apply_rule(circuit *c, int64_t now)
{
	const fe_rule *r = fe_rules_match(&g.rules, c->called);
	fjw w;
	c->rule = *r;
	c->rule_cause = 0;
	fjw_begin(&w, "rule");
	put_circuit(&w, c);
	fe_rule_put(&w, r);
	fjw_end(&w);
	switch (r->action) {
	case FE_ACT_MANUAL:
		return;
	case FE_ACT_ANSWER:
		if (send_acm(c) < 0)
			return;
		c->due = DUE_ANSWER;
		c->due_ms = now + r->after_ms;
		return;
	case FE_ACT_RING:
		send_acm(c);
		return;
	case FE_ACT_BUSY:
	case FE_ACT_RELEASE:
		c->rule_cause = fe_rule_cause(r, c->called);
		if (c->rule_cause < 0) {
			fe_event_error("called number %s gives no cause in 1..127 from its last %d digits; releasing with cause %d",
				       c->called, r->cause_digits, Q850_NORMAL_UNSPECIFIED);
			c->rule_cause = Q850_NORMAL_UNSPECIFIED;
		}
		if (r->alerting && send_acm(c) < 0)
			return;
		c->due = DUE_RELEASE;
		c->due_ms = now + r->after_ms;
		return;
	}
}

static void run_due(int64_t now)
{
	long i;
	for (i = 0; i <= g.cic_hi - g.cic_lo; i++) {
		circuit *c = &g.circ[i];
		due_action what = c->due;
		if (what == DUE_NONE || now < c->due_ms)
			continue;
		c->due = DUE_NONE;
		if (what == DUE_ANSWER && (c->state == CS_IN_SETUP || c->state == CS_IN_ALERTED))
			send_answer(c);
		else if (what == DUE_RELEASE && c->state != CS_IDLE && c->state != CS_RELEASING)
			send_rel(c, c->rule_cause);
	}
}

static int64_t next_due(void)
{
	int64_t best = -1;
	long i;
	for (i = 0; i <= g.cic_hi - g.cic_lo; i++)
		if (g.circ[i].due != DUE_NONE && (best < 0 || g.circ[i].due_ms < best))
			best = g.circ[i].due_ms;
	return best;
}

/* ------------------------------------------------------ libss7 callbacks */

static void cb_message(struct ss7 *ss7, char *s)
{
	(void)ss7;
	if (g.debug)
		fputs(s, stderr);
}

static void cb_error(struct ss7 *ss7, char *s)
{
	fjw w;
	size_t n = strlen(s);
	char text[512];
	(void)ss7;
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

/*
 * libss7 asks the application to act on a circuit (timer expiry, dual seizure,
 * unexpected message). Acting here would re-enter libss7, so the request is
 * recorded and carried out by run_hangups() once libss7 has returned.
 */
static int cb_hangup(struct ss7 *ss7, int cic, unsigned int dpc, int cause, int do_hangup)
{
	circuit *c = circ(cic);
	(void)ss7;
	(void)dpc;
	if (!c)
		return SS7_CIC_NOT_EXISTS;
	if (c->state == CS_IDLE && do_hangup != SS7_HANGUP_REEVENT_IAM) {
		/* Nothing to clear: for an unexpected message libss7 now sends RSC itself. */
		if (do_hangup == SS7_HANGUP_SEND_RSC)
			c->pending |= P_RLC;
		return SS7_CIC_IDLE;
	}
	c->hangup_pending = do_hangup + 1;
	c->hangup_cause = cause;
	return SS7_CIC_USED;
}

static void cb_call_null(struct ss7 *ss7, struct isup_call *call, int lock)
{
	long i;
	(void)ss7;
	(void)lock;
	for (i = 0; i <= g.cic_hi - g.cic_lo; i++)
		if (g.circ[i].call == call) {
			g.circ[i].call = NULL;
			fe_event_error("libss7 dropped the call on CIC %d", g.circ[i].cic);
			call_cleared(&g.circ[i]);
			g.circ[i].pending = 0;
		}
}

static void cb_notinservice(struct ss7 *ss7, int cic, unsigned int dpc)
{
	fjw w;
	(void)ss7;
	fjw_begin(&w, "not_in_service");
	fjw_int(&w, "cic", cic);
	fjw_int(&w, "dpc", (long)dpc);
	fjw_end(&w);
}

static void run_hangups(void)
{
	long i;
	for (i = 0; i <= g.cic_hi - g.cic_lo; i++) {
		circuit *c = &g.circ[i];
		int what = c->hangup_pending - 1;
		fjw w;
		if (!c->hangup_pending)
			continue;
		c->hangup_pending = 0;
		fjw_begin(&w, "stack_hangup");
		put_circuit(&w, c);
		fjw_int(&w, "cause", c->hangup_cause);
		switch (what) {
		case SS7_HANGUP_SEND_REL:
			fjw_str(&w, "action", "send_rel");
			fjw_end(&w);
			if (c->state != CS_RELEASING && c->state != CS_IDLE)
				send_rel(c, c->hangup_cause);
			break;
		case SS7_HANGUP_SEND_RSC:
			fjw_str(&w, "action", "send_rsc");
			fjw_end(&w);
			send_rsc(c);
			break;
		case SS7_HANGUP_SEND_RLC:
			fjw_str(&w, "action", "send_rlc");
			fjw_end(&w);
			if (c->call)
				send_rlc(c);
			call_cleared(c);
			break;
		case SS7_HANGUP_REEVENT_IAM:
			/* Q.764 §2.10 dual seizure: the other exchange controls this
			 * circuit; our call backs off and its IAM is processed. */
			fjw_str(&w, "action", "dual_seizure");
			fjw_end(&w);
			call_cleared(c);
			if (c->call)
				isup_event_iam(g.ss7, c->call, (int)g.dpc);
			break;
		default:
			fjw_str(&w, "action", what == SS7_HANGUP_FREE_CALL ? "free_call" : "none");
			fjw_end(&w);
			call_cleared(c);
			break;
		}
		settle(c);
	}
}

/* --------------------------------------------------------- ISUP events */

static void rx_begin(fjw *w, const char *msg, int cic, unsigned opc)
{
	circuit *c = circ(cic);
	fjw_begin(w, "rx");
	fjw_str(w, "msg", msg);
	fjw_int(w, "cic", cic);
	if (c && c->ts)
		fjw_int(w, "ts", c->ts);
	if (opc != g.dpc)
		fjw_int(w, "opc", (long)opc);
	if (!c)
		fjw_bool(w, "unequipped", 1);
}

static void put_status(fjw *w, const char *key, const unsigned char *status, int n)
{
	char s[260];
	int i;
	for (i = 0; i < n && i < 256; i++)
		s[i] = status[i] ? '1' : '0';
	s[i] = '\0';
	fjw_str(w, key, s);
}

/* A message for a CIC this switch does not have: answered with UCIC (Q.762, national use). */
static void unequipped(int cic, unsigned opc, struct isup_call *call, int answer)
{
	if (answer)
		isup_ucic(g.ss7, cic, opc);
	if (call)
		isup_free_call(g.ss7, call);
}

static void strip_st(char *dst, size_t n, const char *src, int *st)
{
	size_t len = strlen(src);
	*st = 0;
	if (len > 0 && src[len - 1] == '#') {
		*st = 1;
		len--;
	}
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static void ev_iam(ss7_event_iam *e, int64_t now)
{
	circuit *c = circ(e->cic);
	char called[64];
	int st;
	fjw w;

	strip_st(called, sizeof(called), e->called_party_num, &st);
	rx_begin(&w, "IAM", e->cic, e->opc);
	fjw_str(&w, "called", called);
	fjw_int(&w, "called_nai", e->called_nai);
	fjw_bool(&w, "st", st);
	fjw_str(&w, "calling", e->calling_party_num);
	fjw_int(&w, "calling_nai", e->calling_nai);
	fjw_int(&w, "pres", e->presentation_ind);
	fjw_int(&w, "screen", e->screening_ind);
	fjw_int(&w, "category", e->calling_party_cat);
	fjw_int(&w, "transcap", e->transcap);
	fjw_bool(&w, "cot", e->cot_check_required != 0);
	if (e->charge_number[0]) {
		fjw_str(&w, "charge", e->charge_number);
		fjw_int(&w, "charge_nai", e->charge_nai);
	}
	if (e->oli_ani2 >= 0)
		fjw_int(&w, "oli", e->oli_ani2);
	if (e->generic_name[0])
		fjw_str(&w, "generic_name", e->generic_name);
	if (e->redirecting_num[0])
		fjw_str(&w, "redirecting", e->redirecting_num);
	if (e->orig_called_num[0])
		fjw_str(&w, "orig_called", e->orig_called_num);
	if (e->jip_number[0])
		fjw_str(&w, "jip", e->jip_number);
	fjw_end(&w);

	if (!c) {
		unequipped(e->cic, e->opc, e->call, 1);
		return;
	}
	adopt(c, e->call);
	if (c->state != CS_IDLE)
		call_cleared(c);
	/* Q.764 §2.8: an IAM (not a test call) on a circuit that the other
	 * exchange blocked for maintenance removes that blocking. */
	if (c->remote_blocked) {
		c->remote_blocked = 0;
		fjw_begin(&w, "blocking");
		put_circuit(&w, c);
		fjw_str(&w, "remote", "unblocked_by_iam");
		fjw_end(&w);
	}
	snprintf(c->called, sizeof(c->called), "%s", called);
	if (e->cot_check_required) {
		/* Continuity check (Q.764 §2.1): connect the loop on the circuit, await COT. */
		char err[256];
		if (c->ts && fe_bearer_echo(&g.media, c->ts, 1, err, sizeof(err)) == 0)
			c->media_set = 1;
		set_state(c, CS_IN_COT);
		return;
	}
	set_state(c, CS_IN_SETUP);
	apply_rule(c, now);
}

static void handle_event(ss7_event *e, int64_t now)
{
	circuit *c;
	fjw w;
	int i;

	switch (e->e) {
	case SS7_EVENT_UP:
		g.link_up = 1;
		fjw_begin(&w, "link");
		fjw_str(&w, "state", "up");
		fjw_end(&w);
		return;
	case SS7_EVENT_DOWN:
		g.link_up = 0;
		fjw_begin(&w, "link");
		fjw_str(&w, "state", "down");
		fjw_end(&w);
		return;
	case MTP2_LINK_UP:
	case MTP2_LINK_DOWN:
		fjw_begin(&w, "mtp2");
		fjw_str(&w, "state", e->e == MTP2_LINK_UP ? "up" : "down");
		fjw_end(&w);
		return;
	case ISUP_EVENT_IAM:
		ev_iam(&e->iam, now);
		return;
	case ISUP_EVENT_SAM: {
		char called[64];
		int st;
		strip_st(called, sizeof(called), e->sam.called_party_num, &st);
		rx_begin(&w, "SAM", e->sam.cic, e->sam.opc);
		fjw_str(&w, "called", called);
		fjw_bool(&w, "st", st);
		fjw_end(&w);
		c = circ(e->sam.cic);
		if (!c) {
			unequipped(e->sam.cic, e->sam.opc, e->sam.call, 1);
			return;
		}
		adopt(c, e->sam.call);
		snprintf(c->called, sizeof(c->called), "%s", called);
		return;
	}
	case ISUP_EVENT_COT:
		rx_begin(&w, "COT", e->cot.cic, e->cot.opc);
		fjw_bool(&w, "passed", e->cot.passed != 0);
		fjw_end(&w);
		c = circ(e->cot.cic);
		if (!c) {
			unequipped(e->cot.cic, e->cot.opc, e->cot.call, 1);
			return;
		}
		adopt(c, e->cot.call);
		if (c->state == CS_IN_COT) {
			media_stop(c); /* the loop is removed once the test is over */
			if (e->cot.passed) {
				set_state(c, CS_IN_SETUP);
				apply_rule(c, now);
			}
			/* A failed test: libss7 runs T27 and awaits a new IAM or a reset. */
		}
		settle(c);
		return;
	case ISUP_EVENT_CCR:
		rx_begin(&w, "CCR", e->ccr.cic, e->ccr.opc);
		fjw_end(&w);
		c = circ(e->ccr.cic);
		if (!c) {
			unequipped(e->ccr.cic, e->ccr.opc, e->ccr.call, 1);
			return;
		}
		adopt(c, e->ccr.call);
		{
			char err[256];
			if (c->ts && fe_bearer_echo(&g.media, c->ts, 1, err, sizeof(err)) == 0)
				c->media_set = 1;
		}
		return;
	case ISUP_EVENT_ACM:
		rx_begin(&w, "ACM", e->acm.cic, e->acm.opc);
		fjw_int(&w, "called_status", e->acm.called_party_status_ind);
		fjw_int(&w, "echo_control", e->acm.echocontrol_ind);
		fjw_end(&w);
		c = circ(e->acm.cic);
		if (!c) {
			unequipped(e->acm.cic, e->acm.opc, e->acm.call, 1);
			return;
		}
		adopt(c, e->acm.call);
		if (c->state == CS_OUT_SETUP)
			set_state(c, CS_OUT_ALERTED);
		return;
	case ISUP_EVENT_CPG:
		rx_begin(&w, "CPG", e->cpg.cic, e->cpg.opc);
		fjw_int(&w, "event", e->cpg.event);
		fjw_end(&w);
		c = circ(e->cpg.cic);
		if (!c) {
			unequipped(e->cpg.cic, e->cpg.opc, e->cpg.call, 1);
			return;
		}
		adopt(c, e->cpg.call);
		return;
	case ISUP_EVENT_ANM:
	case ISUP_EVENT_CON: {
		int cic = e->e == ISUP_EVENT_ANM ? e->anm.cic : e->con.cic;
		unsigned opc = e->e == ISUP_EVENT_ANM ? e->anm.opc : e->con.opc;
		const char *num = e->e == ISUP_EVENT_ANM ? e->anm.connected_num : e->con.connected_num;
		struct isup_call *call = e->e == ISUP_EVENT_ANM ? e->anm.call : e->con.call;
		rx_begin(&w, e->e == ISUP_EVENT_ANM ? "ANM" : "CON", cic, opc);
		if (num[0])
			fjw_str(&w, "connected", num);
		fjw_end(&w);
		c = circ(cic);
		if (!c) {
			unequipped(cic, opc, call, 1);
			return;
		}
		adopt(c, call);
		if (c->state == CS_OUT_SETUP || c->state == CS_OUT_ALERTED)
			set_state(c, CS_OUT_ANSWERED);
		return;
	}
	case ISUP_EVENT_REL:
		rx_begin(&w, "REL", e->rel.cic, e->rel.opc);
		fjw_int(&w, "cause", e->rel.cause);
		fjw_end(&w);
		c = circ(e->rel.cic);
		if (!c) {
			unequipped(e->rel.cic, e->rel.opc, e->rel.call, 1);
			return;
		}
		adopt(c, e->rel.call);
		/* Q.764 §2.3: release the circuit and answer with RLC. */
		send_rlc(c);
		if (c->pending & P_RLC) {
			/* Q.764 §2.3: our REL crossed theirs; their RLC is still awaited. */
			media_stop(c);
		} else {
			call_cleared(c);
		}
		settle(c);
		return;
	case ISUP_EVENT_RLC:
		rx_begin(&w, "RLC", e->rlc.cic, e->rlc.opc);
		fjw_end(&w);
		c = circ(e->rlc.cic);
		if (!c) {
			unequipped(e->rlc.cic, e->rlc.opc, e->rlc.call, 0);
			return;
		}
		adopt(c, e->rlc.call);
		c->pending &= ~P_RLC;
		if (c->state == CS_RELEASING)
			call_cleared(c);
		settle(c);
		return;
	case ISUP_EVENT_RSC:
		rx_begin(&w, "RSC", e->rsc.cic, e->rsc.opc);
		fjw_end(&w);
		c = circ(e->rsc.cic);
		if (!c) {
			unequipped(e->rsc.cic, e->rsc.opc, e->rsc.call, 1);
			return;
		}
		adopt(c, e->rsc.call);
		/* Q.764 §2.9.3.1: clear the circuit, remove remote blocking, answer RLC,
		 * and block again (BLO) if this end holds it locally blocked. */
		call_cleared(c);
		c->pending &= ~P_RLC;
		c->remote_blocked = 0;
		send_rlc(c);
		if (c->local_blocked)
			send_blo(c);
		settle(c);
		return;
	case ISUP_EVENT_GRS: {
		unsigned char status[255];
		int n = e->grs.endcic - e->grs.startcic + 1;
		rx_begin(&w, "GRS", e->grs.startcic, e->grs.opc);
		fjw_int(&w, "end", e->grs.endcic);
		fjw_end(&w);
		c = circ(e->grs.startcic);
		if (!c || n < 1 || n > 32) {
			unequipped(e->grs.startcic, e->grs.opc, e->grs.call, c == NULL);
			return;
		}
		adopt(c, e->grs.call);
		/* Q.764 §2.9.3.2: each circuit of the range is reset as by RSC; the GRA
		 * status marks the circuits this end holds maintenance-blocked. */
		for (i = 0; i < n; i++) {
			circuit *k = circ(e->grs.startcic + i);
			status[i] = 0;
			if (!k)
				continue;
			call_cleared(k);
			k->pending &= ~P_RLC;
			k->remote_blocked = 0;
			k->hw_blocked = 0;
			status[i] = k->local_blocked ? 1 : 0;
			if (k != c && k->call && !k->pending) {
				isup_free_call(g.ss7, k->call);
				k->call = NULL;
			}
		}
		if (isup_gra(g.ss7, c->call, e->grs.endcic, status) < 0)
			c->call = NULL;
		settle(c);
		return;
	}
	case ISUP_EVENT_GRA: {
		int n = e->gra.endcic - e->gra.startcic + 1;
		rx_begin(&w, "GRA", e->gra.startcic, e->gra.opc);
		fjw_int(&w, "end", e->gra.endcic);
		if (n >= 1 && n <= 32)
			put_status(&w, "status", e->gra.status, n);
		fjw_end(&w);
		c = circ(e->gra.startcic);
		if (!c) {
			unequipped(e->gra.startcic, e->gra.opc, e->gra.call, 0);
			return;
		}
		adopt(c, e->gra.call);
		c->pending &= ~P_GRA;
		for (i = 0; i < n && i < 32; i++) {
			circuit *k = circ(e->gra.startcic + i);
			if (k)
				k->remote_blocked = e->gra.status[i] ? 1 : 0;
		}
		settle(c);
		return;
	}
	case ISUP_EVENT_BLO:
	case ISUP_EVENT_UBL: {
		int blo = e->e == ISUP_EVENT_BLO;
		int cic = blo ? e->blo.cic : e->ubl.cic;
		unsigned opc = blo ? e->blo.opc : e->ubl.opc;
		struct isup_call *call = blo ? e->blo.call : e->ubl.call;
		rx_begin(&w, blo ? "BLO" : "UBL", cic, opc);
		fjw_end(&w);
		c = circ(cic);
		if (!c) {
			unequipped(cic, opc, call, 1);
			return;
		}
		adopt(c, call);
		/* Q.764 §2.8: acknowledge; calls in progress are not affected. */
		c->remote_blocked = blo;
		if ((blo ? isup_bla(g.ss7, c->call) : isup_uba(g.ss7, c->call)) < 0)
			c->call = NULL;
		settle(c);
		return;
	}
	case ISUP_EVENT_BLA:
	case ISUP_EVENT_UBA: {
		int bla = e->e == ISUP_EVENT_BLA;
		int cic = bla ? e->bla.cic : e->uba.cic;
		unsigned opc = bla ? e->bla.opc : e->uba.opc;
		struct isup_call *call = bla ? e->bla.call : e->uba.call;
		rx_begin(&w, bla ? "BLA" : "UBA", cic, opc);
		fjw_end(&w);
		c = circ(cic);
		if (!c) {
			unequipped(cic, opc, call, 0);
			return;
		}
		adopt(c, call);
		c->pending &= bla ? ~P_BLA : ~P_UBA;
		settle(c);
		return;
	}
	case ISUP_EVENT_CGB:
	case ISUP_EVENT_CGU: {
		int cgb = e->e == ISUP_EVENT_CGB;
		ss7_event_cicrange *r = cgb ? &e->cgb : &e->cgu;
		int n = r->endcic - r->startcic + 1;
		rx_begin(&w, cgb ? "CGB" : "CGU", r->startcic, r->opc);
		fjw_int(&w, "end", r->endcic);
		fjw_str(&w, "type", r->type ? "hardware" : "maintenance");
		if (n >= 1 && n <= 32)
			put_status(&w, "status", r->status, n);
		fjw_end(&w);
		c = circ(r->startcic);
		if (!c || n < 1 || n > 32) {
			unequipped(r->startcic, r->opc, r->call, c == NULL);
			return;
		}
		adopt(c, r->call);
		for (i = 0; i < n; i++) {
			circuit *k = circ(r->startcic + i);
			if (!k || !r->status[i])
				continue;
			if (r->type) {
				/* Q.764 §2.8: hardware-oriented blocking releases calls in progress. */
				k->hw_blocked = cgb;
				if (cgb && k->state != CS_IDLE) {
					call_cleared(k);
					k->pending &= ~P_RLC;
					if (k != c && k->call) {
						isup_free_call(g.ss7, k->call);
						k->call = NULL;
					}
				}
			} else {
				k->remote_blocked = cgb;
			}
		}
		if ((cgb ? isup_cgba(g.ss7, c->call, r->endcic, r->status) : isup_cgua(g.ss7, c->call, r->endcic, r->status)) < 0)
			c->call = NULL;
		settle(c);
		return;
	}
	case ISUP_EVENT_CGBA:
	case ISUP_EVENT_CGUA: {
		int cgba = e->e == ISUP_EVENT_CGBA;
		ss7_event_cicrange *r = cgba ? &e->cgba : &e->cgua;
		int n = r->endcic - r->startcic + 1;
		rx_begin(&w, cgba ? "CGBA" : "CGUA", r->startcic, r->opc);
		fjw_int(&w, "end", r->endcic);
		fjw_str(&w, "type", r->type ? "hardware" : "maintenance");
		if (n >= 1 && n <= 32)
			put_status(&w, "status", r->status, n);
		fjw_end(&w);
		c = circ(r->startcic);
		if (!c) {
			unequipped(r->startcic, r->opc, r->call, 0);
			return;
		}
		adopt(c, r->call);
		c->pending &= cgba ? ~P_CGBA : ~P_CGUA;
		settle(c);
		return;
	}
	case ISUP_EVENT_CQM: {
		/* Q.763 §3.14 circuit state indicator: BA maintenance blocking state,
		 * DC call processing state (01 incoming busy, 10 outgoing busy, 11 idle). */
		unsigned char st[32];
		int n = e->cqm.endcic - e->cqm.startcic + 1;
		rx_begin(&w, "CQM", e->cqm.startcic, e->cqm.opc);
		fjw_int(&w, "end", e->cqm.endcic);
		fjw_end(&w);
		c = circ(e->cqm.startcic);
		if (!c || n < 1 || n > 32) {
			unequipped(e->cqm.startcic, e->cqm.opc, e->cqm.call, c == NULL);
			return;
		}
		adopt(c, e->cqm.call);
		for (i = 0; i < n; i++) {
			circuit *k = circ(e->cqm.startcic + i);
			int dc, ba;
			if (!k) {
				st[i] = 0x03; /* DC 00, BA 11: unequipped */
				continue;
			}
			switch (k->state) {
			case CS_IDLE: dc = 3; break;
			case CS_OUT_SETUP: case CS_OUT_ALERTED: case CS_OUT_ANSWERED: dc = 2; break;
			case CS_RELEASING: dc = 0; break; /* transient */
			default: dc = 1; break;
			}
			ba = (k->local_blocked ? 1 : 0) | (k->remote_blocked ? 2 : 0);
			st[i] = (unsigned char)(dc == 0 ? 0 : ((dc << 2) | ba));
			if (k->hw_blocked)
				st[i] |= 0x20; /* FE 10: remotely blocked (hardware) */
		}
		isup_cqr(g.ss7, e->cqm.startcic, e->cqm.endcic, e->cqm.opc, st);
		settle(c);
		return;
	}
	case ISUP_EVENT_UCIC:
		rx_begin(&w, "UCIC", e->ucic.cic, e->ucic.opc);
		fjw_end(&w);
		c = circ(e->ucic.cic);
		if (!c) {
			unequipped(e->ucic.cic, e->ucic.opc, e->ucic.call, 0);
			return;
		}
		adopt(c, e->ucic.call);
		/* UCIC (Q.762): the other end has no such circuit; any call on it is over. */
		c->pending = 0;
		call_cleared(c);
		settle(c);
		return;
	case ISUP_EVENT_SUS:
	case ISUP_EVENT_RES: {
		int sus = e->e == ISUP_EVENT_SUS;
		rx_begin(&w, sus ? "SUS" : "RES", e->sus.cic, e->sus.opc);
		fjw_str(&w, "initiator", e->sus.network_isdn_indicator ? "network" : "subscriber");
		fjw_end(&w);
		c = circ(e->sus.cic);
		if (!c) {
			unequipped(e->sus.cic, e->sus.opc, e->sus.call, 1);
			return;
		}
		adopt(c, e->sus.call);
		return;
	}
	case ISUP_EVENT_LPA:
	case ISUP_EVENT_CVT:
	case ISUP_EVENT_FAR:
	case ISUP_EVENT_FAA:
	case ISUP_EVENT_FRJ: {
		int cic;
		unsigned opc = g.dpc;
		struct isup_call *call;
		const char *name;
		switch (e->e) {
		case ISUP_EVENT_LPA: cic = e->lpa.cic; opc = e->lpa.opc; call = e->lpa.call; name = "LPA"; break;
		case ISUP_EVENT_CVT: cic = e->cvt.cic; opc = e->cvt.opc; call = e->cvt.call; name = "CVT"; break;
		case ISUP_EVENT_FAR: cic = e->far.cic; opc = e->far.opc; call = e->far.call; name = "FAR"; break;
		case ISUP_EVENT_FAA: cic = e->faa.cic; opc = e->faa.opc; call = e->faa.call; name = "FAA"; break;
		default: cic = e->frj.cic; opc = e->frj.opc; call = e->frj.call; name = "FRJ"; break;
		}
		rx_begin(&w, name, cic, opc);
		fjw_end(&w);
		c = circ(cic);
		if (!c) {
			unequipped(cic, opc, call, 0);
			return;
		}
		adopt(c, call);
		settle(c);
		return;
	}
	case ISUP_EVENT_DIGITTIMEOUT:
		c = circ(e->digittimeout.cic);
		fjw_begin(&w, "digit_timeout");
		fjw_int(&w, "cic", e->digittimeout.cic);
		fjw_end(&w);
		if (c) {
			adopt(c, e->digittimeout.call);
			if (c->state == CS_IN_SETUP)
				apply_rule(c, now);
		}
		return;
	default:
		fjw_begin(&w, "stack_event");
		fjw_int(&w, "code", e->e);
		fjw_str(&w, "name", ss7_event2str(e->e));
		fjw_end(&w);
		return;
	}
}

static void drain_events(int64_t now)
{
	ss7_event *e;
	run_hangups();
	while ((e = ss7_check_event(g.ss7)) != NULL) {
		handle_event(e, now);
		run_hangups();
	}
}

/* ------------------------------------------------------------- commands */

static int cmd_cic(const fj_obj *o, circuit **out)
{
	long cic;
	if (fj_get_int(o, "cic", 0, 16383, &cic) != 1) {
		fe_nack(o, "\"cic\" must be given as an integer");
		return -1;
	}
	*out = circ((int)cic);
	if (!*out) {
		fe_nack(o, "CIC %ld is outside this switch's range %ld-%ld", cic, g.cic_lo, g.cic_hi);
		return -1;
	}
	return 0;
}

/* The timeslot a media command names, by "ts" or through the CIC map by "cic". */
static int cmd_ts(const fj_obj *o, int *ts)
{
	long v;
	circuit *c;
	switch (fj_get_int(o, "ts", 1, FE_MAX_SLOTS, &v)) {
	case 1:
		*ts = (int)v;
		return 0;
	case -1:
		fe_nack(o, "\"ts\" must be a timeslot from 1 to %d", FE_MAX_SLOTS);
		return -1;
	}
	if (!fj_get(o, "cic")) {
		fe_nack(o, "name the timeslot with \"ts\" or \"cic\"");
		return -1;
	}
	if (cmd_cic(o, &c) < 0)
		return -1;
	if (!c->ts) {
		fe_nack(o, "CIC %d has no bearer timeslot in the CIC map", c->cic);
		return -1;
	}
	*ts = c->ts;
	return 0;
}

/* A circuit range from "cic" and "end" (or Q.763 §3.43 "range": circuits less one). */
static int cmd_range(const fj_obj *o, circuit **first, int *n, int max)
{
	long end, range;
	if (cmd_cic(o, first) < 0)
		return -1;
	if (fj_get_int(o, "end", 0, 16383, &end) == 1) {
		range = end - (*first)->cic;
	} else if (fj_get_int(o, "range", 0, 255, &range) != 1) {
		fe_nack(o, "give the last circuit as \"end\" or the Q.763 \"range\"");
		return -1;
	}
	if (range < 1 || range > max - 1) {
		fe_nack(o, "a group covers 2 to %d circuits (Q.763 §3.43 range 1 to %d)", max, max - 1);
		return -1;
	}
	if (!circ((*first)->cic + (int)range)) {
		fe_nack(o, "CIC %ld is outside this switch's range %ld-%ld", (*first)->cic + range, g.cic_lo, g.cic_hi);
		return -1;
	}
	*n = (int)range + 1;
	return 0;
}

static void ack(const fj_obj *o, const circuit *c)
{
	fjw w;
	fe_ack_begin(&w, o);
	if (c)
		put_circuit(&w, c);
	fjw_end(&w);
}

static int busy_check(const fj_obj *o, const circuit *c)
{
	if (c->state != CS_IDLE) {
		fe_nack(o, "CIC %d is busy (%s)", c->cic, state_names[c->state]);
		return -1;
	}
	return 0;
}

static void cmd_call(const fj_obj *o)
{
	circuit *c;
	const char *called, *calling = "";
	long category = 10, called_nai = SS7_NAI_NATIONAL, calling_nai = SS7_NAI_NATIONAL;
	long pres = SS7_PRESENTATION_ALLOWED, screen = SS7_SCREENING_NETWORK_PROVIDED, tmr = SS7_TMR_SPEECH;
	struct isup_call *call;
	size_t k;

	if (cmd_cic(o, &c) < 0 || busy_check(o, c) < 0)
		return;
	if (c->remote_blocked || c->hw_blocked) {
		/* Q.764 §2.8: a circuit blocked by the other exchange takes no outgoing calls. */
		fe_nack(o, "CIC %d is blocked by the other exchange", c->cic);
		return;
	}
	if (c->pending & (P_RLC | P_GRA)) {
		fe_nack(o, "CIC %d is being reset or released", c->cic);
		return;
	}
	if (fj_get_str(o, "called", &called) != 1 || !*called || strlen(called) > 40) {
		fe_nack(o, "\"called\" must be a number of 1 to 40 digits");
		return;
	}
	for (k = 0; called[k]; k++)
		if (!strchr("0123456789*#ABCDE", called[k])) {
			fe_nack(o, "\"called\" holds '%c', not a digit", called[k]);
			return;
		}
	if (fj_get_str(o, "calling", &calling) == -1 || strlen(calling) > 40 ||
	    fj_get_int(o, "category", 0, 255, &category) == -1 || fj_get_int(o, "called_nai", 0, 127, &called_nai) == -1 ||
	    fj_get_int(o, "calling_nai", 0, 127, &calling_nai) == -1 || fj_get_int(o, "pres", 0, 3, &pres) == -1 ||
	    fj_get_int(o, "screen", 0, 3, &screen) == -1 || fj_get_int(o, "transcap", 0, 255, &tmr) == -1) {
		fe_nack(o, "call parameters: calling (string), category 0-255 (Q.763 §3.11), called_nai/calling_nai 0-127, "
			   "pres 0-3, screen 0-3, transcap 0-255");
		return;
	}
	for (k = 0; calling[k]; k++)
		if (!strchr("0123456789", calling[k])) {
			fe_nack(o, "\"calling\" holds '%c', not a digit", calling[k]);
			return;
		}
	call = call_of(c, 1);
	if (!call) {
		fe_nack(o, "libss7 could not allocate a call");
		return;
	}
	isup_set_called(call, called, (unsigned char)called_nai, g.ss7);
	if (*calling || pres == SS7_PRESENTATION_ADDR_NOT_AVAILABLE)
		isup_set_calling(call, calling, (unsigned char)calling_nai, (unsigned char)pres, (unsigned char)screen);
	isup_set_calling_party_category(call, (unsigned)category);
	isup_set_tmr(call, (int)tmr);
	if (isup_iam(g.ss7, call) < 0) {
		c->call = NULL;
		fe_nack(o, "libss7 could not send the IAM");
		return;
	}
	/* isup_new_call(..., outgoing) marked the call pending its IAM; it is sent now. */
	isup_clear_callflags(g.ss7, call, ISUP_PENDING_IAM);
	snprintf(c->called, sizeof(c->called), "%s", called);
	c->acm_sent = 0;
	set_state(c, CS_OUT_SETUP);
	ack(o, c);
}

static void cmd_release(const fj_obj *o)
{
	circuit *c;
	long cause = Q850_NORMAL_CLEARING;
	if (cmd_cic(o, &c) < 0)
		return;
	if (fj_get_int(o, "cause", 1, 127, &cause) == -1) {
		fe_nack(o, "\"cause\" must be a Q.850 cause value from 1 to 127");
		return;
	}
	if (c->state == CS_IDLE || c->state == CS_RELEASING) {
		fe_nack(o, "CIC %d has no call to release (%s)", c->cic, state_names[c->state]);
		return;
	}
	if (send_rel(c, (int)cause) < 0) {
		fe_nack(o, "libss7 could not send the REL on CIC %d; the call is cleared", c->cic);
		return;
	}
	ack(o, c);
}

static void cmd_incoming(const fj_obj *o, const char *what)
{
	circuit *c;
	long ev = CPG_EVENT_ALERTING;
	if (cmd_cic(o, &c) < 0)
		return;
	if (c->state != CS_IN_SETUP && c->state != CS_IN_ALERTED && !(strcmp(what, "cpg") == 0 && c->state == CS_IN_ANSWERED)) {
		fe_nack(o, "CIC %d has no incoming call to %s (%s)", c->cic, what, state_names[c->state]);
		return;
	}
	c->due = DUE_NONE;
	if (strcmp(what, "alert") == 0) {
		if (c->acm_sent) {
			fe_nack(o, "CIC %d already sent its ACM", c->cic);
			return;
		}
		if (send_acm(c) < 0) {
			fe_nack(o, "libss7 could not send the ACM on CIC %d; the call is cleared", c->cic);
			return;
		}
	} else if (strcmp(what, "answer") == 0) {
		if (send_answer(c) < 0) {
			fe_nack(o, "libss7 could not send the answer on CIC %d; the call is cleared", c->cic);
			return;
		}
	} else {
		if (fj_get_int(o, "event", 1, 127, &ev) == -1) {
			fe_nack(o, "\"event\" must be a Q.763 §3.21 event value 1-127");
			return;
		}
		if (!c->acm_sent) {
			fe_nack(o, "CPG follows the ACM (Q.762): send \"alert\" first");
			return;
		}
		if (isup_cpg(g.ss7, c->call, (int)ev) < 0) {
			c->call = NULL;
			call_cleared(c);
			fe_nack(o, "libss7 could not send the CPG");
			return;
		}
	}
	ack(o, c);
}

static void cmd_block(const fj_obj *o, int block)
{
	circuit *c;
	if (cmd_cic(o, &c) < 0)
		return;
	if (block) {
		if (send_blo(c) < 0) {
			fe_nack(o, "libss7 could not send BLO on CIC %d", c->cic);
			return;
		}
	} else {
		if (isup_ubl(g.ss7, call_of(c, 0)) < 0) {
			c->call = NULL;
			fe_nack(o, "libss7 could not send UBL");
			return;
		}
		c->local_blocked = 0;
		c->pending |= P_UBA;
	}
	ack(o, c);
}

static void cmd_reset(const fj_obj *o)
{
	circuit *c;
	if (cmd_cic(o, &c) < 0)
		return;
	if (send_rsc(c) < 0) {
		fe_nack(o, "libss7 could not send RSC on CIC %d", c->cic);
		return;
	}
	if (c->local_blocked)
		send_blo(c); /* Q.764 §2.9.3.1: the reset also clears the far end's record of our blocking */
	ack(o, c);
}

static void cmd_grs(const fj_obj *o)
{
	circuit *c;
	int n, i;
	if (cmd_range(o, &c, &n, 32) < 0)
		return;
	for (i = 0; i < n; i++) {
		circuit *k = circ(c->cic + i);
		call_cleared(k);
		k->pending &= ~P_RLC;
		if (k != c && k->call && !k->pending) {
			isup_free_call(g.ss7, k->call);
			k->call = NULL;
		}
	}
	if (isup_grs(g.ss7, call_of(c, 0), c->cic + n - 1) < 0) {
		c->call = NULL;
		fe_nack(o, "libss7 could not send GRS");
		return;
	}
	c->pending |= P_GRA;
	ack(o, c);
}

static void cmd_cgb(const fj_obj *o, int cgb)
{
	circuit *c;
	int n, i, type = 0;
	const char *s;
	unsigned char status[32];
	if (cmd_range(o, &c, &n, 32) < 0)
		return;
	if (fj_get_str(o, "type", &s) == 1) {
		if (strcmp(s, "hardware") == 0)
			type = 1;
		else if (strcmp(s, "maintenance") != 0) {
			fe_nack(o, "\"type\" is maintenance or hardware (Q.763 §3.13)");
			return;
		}
	}
	for (i = 0; i < n; i++)
		status[i] = 1;
	if (fj_get_str(o, "status", &s) == 1) {
		if ((int)strlen(s) != n || strspn(s, "01") != strlen(s)) {
			fe_nack(o, "\"status\" must hold one '0' or '1' per circuit (%d)", n);
			return;
		}
		for (i = 0; i < n; i++)
			status[i] = s[i] == '1';
	}
	if ((cgb ? isup_cgb(g.ss7, call_of(c, 0), c->cic + n - 1, status, type)
		 : isup_cgu(g.ss7, call_of(c, 0), c->cic + n - 1, status, type)) < 0) {
		c->call = NULL;
		fe_nack(o, "libss7 could not send %s", cgb ? "CGB" : "CGU");
		return;
	}
	for (i = 0; i < n; i++)
		if (status[i] && !type)
			circ(c->cic + i)->local_blocked = cgb;
	c->pending |= cgb ? P_CGBA : P_CGUA;
	ack(o, c);
}

static void cmd_media(const fj_obj *o, const char *cmd)
{
	char err[256];
	int ts, r = -1;
	long v1 = 0, l1 = -10, f2 = 0, l2 = -10, on_ms = 0, off_ms = 0, dur = 0;
	int b = 0;
	const char *s;
	fjw w;
	if (cmd_ts(o, &ts) < 0)
		return;
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
	} else if (strcmp(cmd, "detect") == 0) {
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
	fjw_int(&w, "msus_tx", (long)g.msus_tx);
	fe_bearer_put_stats(&g.media, &w);
	fjw_end(&w);
}

static void cmd_circuits(const fj_obj *o)
{
	long i;
	for (i = 0; i <= g.cic_hi - g.cic_lo; i++) {
		circuit *c = &g.circ[i];
		fjw w;
		if (c->state == CS_IDLE && !c->pending && !c->local_blocked && !c->remote_blocked && !c->hw_blocked)
			continue;
		fjw_begin(&w, "circuit");
		put_circuit(&w, c);
		fjw_str(&w, "state", state_names[c->state]);
		fjw_bool(&w, "local_blocked", c->local_blocked);
		fjw_bool(&w, "remote_blocked", c->remote_blocked);
		fjw_bool(&w, "hw_blocked", c->hw_blocked);
		fjw_int(&w, "pending", (long)c->pending);
		fjw_end(&w);
	}
	ack(o, NULL);
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
	else if (strcmp(cmd, "release") == 0)
		cmd_release(&o);
	else if (strcmp(cmd, "alert") == 0 || strcmp(cmd, "answer") == 0 || strcmp(cmd, "cpg") == 0)
		cmd_incoming(&o, cmd);
	else if (strcmp(cmd, "block") == 0 || strcmp(cmd, "unblock") == 0)
		cmd_block(&o, strcmp(cmd, "block") == 0);
	else if (strcmp(cmd, "reset") == 0)
		cmd_reset(&o);
	else if (strcmp(cmd, "grs") == 0)
		cmd_grs(&o);
	else if (strcmp(cmd, "cgb") == 0 || strcmp(cmd, "cgu") == 0)
		cmd_cgb(&o, strcmp(cmd, "cgb") == 0);
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
	} else if (strcmp(cmd, "link_down") == 0 || strcmp(cmd, "link_up") == 0) {
		if (strcmp(cmd, "link_down") == 0)
			ss7_link_alarm(g.ss7, g.sp[0]);
		else
			ss7_link_noalarm(g.ss7, g.sp[0]);
		ack(&o, NULL);
	} else if (strcmp(cmd, "stats") == 0) {
		put_stats();
		ack(&o, NULL);
	} else if (strcmp(cmd, "circuits") == 0) {
		cmd_circuits(&o);
	} else if (strcmp(cmd, "quit") == 0) {
		ack(&o, NULL);
		g.quit = 1;
	} else {
		fe_nack(&o, "unknown command \"%s\"", cmd);
	}
}

/* ---------------------------------------------------------------- I/O */

/* Frames libss7 wrote: report the ISUP ones and pass them to the line. */
static void relay_out(void)
{
	uint8_t buf[MAX_FRAME];
	for (;;) {
		ssize_t n = recv(g.sp[1], buf, sizeof(buf), MSG_DONTWAIT);
		wire_msu m;
		if (n <= 0)
			return;
		if (n >= 2)
			buf[n - 2] = buf[n - 1] = 0; /* FCS placeholder bytes are 00 00 on the line */
		wire_decode(buf, (size_t)n, g.ansi, &m);
		if (m.kind == 2)
			g.msus_tx++;
		if (m.isup) {
			fjw w;
			const char *name = isup_msg_name(m.msg_type);
			circuit *c = circ(m.cic);
			fjw_begin(&w, "tx");
			if (name)
				fjw_str(&w, "msg", name);
			else
				fjw_int(&w, "msg_type", m.msg_type);
			fjw_int(&w, "cic", m.cic);
			if (c && c->ts)
				fjw_int(&w, "ts", c->ts);
			if (m.cause >= 0)
				fjw_int(&w, "cause", m.cause);
			if (!g.sig.path || g.sig.fd < 0)
				fjw_bool(&w, "dropped", 1);
			fjw_end(&w);
		}
		if (g.sig.fd >= 0 && fe_sock_send(&g.sig, buf, (size_t)n) == 0) {
			g.frames_tx++;
		} else {
			g.frames_dropped++;
			if (g.sig.fd < 0 && g.sig.ever_connected && g.started && g.link_up)
				ss7_link_alarm(g.ss7, g.sp[0]); /* the send found the connection broken */
		}
	}
}

/* The card dropped the signalling connection: to MTP2 that is a link failure. */
static void sig_lost(const char *reason)
{
	fe_sock_drop(&g.sig, reason);
	if (g.started)
		ss7_link_alarm(g.ss7, g.sp[0]);
}

/* Frames from the line: handed to libss7 unchanged. */
static void relay_in(void)
{
	uint8_t buf[MAX_FRAME];
	for (;;) {
		ssize_t n = recv(g.sig.fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				sig_lost(strerror(errno));
			return;
		}
		if (n == 0) {
			sig_lost("the card closed the connection");
			return;
		}
		g.frames_rx++;
		if (send(g.sp[1], buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			g.frames_dropped++;
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

/* ------------------------------------------------------------ options */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sipt-farend-ss7 --sig PATH --opc PC --dpc PC [options]\n"
		"  --variant itu|ansi       ISUP/MTP variant (default itu)\n"
		"  --opc PC --dpc PC        own and adjacent point codes: decimal, or ITU 3-8-3 / ANSI 8-8-8 as a-b-c\n"
		"  --ni int|int_spare|nat|nat_spare   network indicator (default nat)\n"
		"  --slc N                  signalling link code (default 0)\n"
		"  --cics A-B               circuits of this switch (default 1-31)\n"
		"  --cic-map A-B:T[,...]    CICs A..B on timeslots T.. (default CIC n on timeslot n, up to 31)\n"
		"  --sig PATH               the card's signalling socket (SOCK_SEQPACKET)\n"
		"  --bearer PATH            the card's span bearer socket\n"
		"  --law alaw|ulaw|auto     bearer companding (auto: mu-law on 24 slots, else A-law)\n"
		"  --no-dtmf-detect         do not run the DTMF receiver on every timeslot\n"
		"  --rules FILE             rules, one JSON object per line\n"
		"  --rule JSON              one rule (repeatable), e.g. '{\"prefix\":\"5551\",\"action\":\"answer\"}'\n"
		"  --default-rule JSON      what calls no rule matches get (default {\"action\":\"answer\"})\n"
		"  --isup-timer NAME=MS     libss7 ISUP timer (t1 ... t35), repeatable\n"
		"  --mtp3-timer NAME=MS     libss7 MTP3 timer, repeatable\n"
		"  --connect-timeout-ms N   give up when the card does not listen within N ms (default 30000; 0: never)\n"
		"  --debug                  libss7 MTP2/MTP3/ISUP debug text on stderr\n"
		"Commands: JSON lines on stdin; events: JSON lines on stdout.\n");
}

static int parse_pc(const char *s, int ansi, unsigned *out)
{
	long a, b, c;
	char extra;
	if (sscanf(s, "%ld-%ld-%ld%c", &a, &b, &c, &extra) == 3 || sscanf(s, "%ld.%ld.%ld%c", &a, &b, &c, &extra) == 3) {
		if (ansi) {
			if (a < 0 || a > 255 || b < 0 || b > 255 || c < 0 || c > 255)
				return -1;
			*out = (unsigned)((a << 16) | (b << 8) | c);
		} else {
			if (a < 0 || a > 7 || b < 0 || b > 255 || c < 0 || c > 7)
				return -1;
			*out = (unsigned)((a << 11) | (b << 3) | c);
		}
		return 0;
	}
	if (fe_parse_long(s, 0, ansi ? 0xFFFFFF : 0x3FFF, &a) < 0)
		return -1;
	*out = (unsigned)a;
	return 0;
}

static int parse_cic_map(const char *s)
{
	char buf[512], *tok, *save = NULL;
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		long lo, hi, ts, k;
		if (!colon)
			return -1;
		*colon = '\0';
		if (fe_parse_range(tok, 0, 16383, &lo, &hi) < 0 || fe_parse_long(colon + 1, 1, FE_MAX_SLOTS, &ts) < 0 ||
		    ts + (hi - lo) > FE_MAX_SLOTS)
			return -1;
		for (k = lo; k <= hi; k++) {
			circuit *c = circ((int)k);
			if (!c)
				return -1;
			c->ts = (int)(ts + (k - lo));
		}
	}
	return 0;
}

static int set_timer(const char *arg, int isup)
{
	char name[32];
	const char *eq = strchr(arg, '=');
	long ms;
	if (!eq || (size_t)(eq - arg) >= sizeof(name) || fe_parse_long(eq + 1, 1, 3600000, &ms) < 0)
		return -1;
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	return isup ? (ss7_set_isup_timer(g.ss7, name, (int)ms) ? 0 : -1) : (ss7_set_mtp3_timer(g.ss7, name, (int)ms) ? 0 : -1);
}

static void on_signal(int sig)
{
	got_signal = sig;
}

enum { O_VARIANT = 256, O_OPC, O_DPC, O_NI, O_SLC, O_CICS, O_CICMAP, O_SIG, O_BEARER, O_LAW, O_NODTMF, O_RULES, O_RULE,
       O_DEFRULE, O_ISUPT, O_MTP3T, O_CTO, O_DEBUG, O_HELP };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "variant", required_argument, NULL, O_VARIANT }, { "opc", required_argument, NULL, O_OPC },
		{ "dpc", required_argument, NULL, O_DPC }, { "ni", required_argument, NULL, O_NI },
		{ "slc", required_argument, NULL, O_SLC }, { "cics", required_argument, NULL, O_CICS },
		{ "cic-map", required_argument, NULL, O_CICMAP }, { "sig", required_argument, NULL, O_SIG },
		{ "bearer", required_argument, NULL, O_BEARER }, { "law", required_argument, NULL, O_LAW },
		{ "no-dtmf-detect", no_argument, NULL, O_NODTMF }, { "rules", required_argument, NULL, O_RULES },
		{ "rule", required_argument, NULL, O_RULE }, { "default-rule", required_argument, NULL, O_DEFRULE },
		{ "isup-timer", required_argument, NULL, O_ISUPT }, { "mtp3-timer", required_argument, NULL, O_MTP3T },
		{ "connect-timeout-ms", required_argument, NULL, O_CTO }, { "debug", no_argument, NULL, O_DEBUG },
		{ "help", no_argument, NULL, O_HELP }, { NULL, 0, NULL, 0 },
	};
	const char *opc_s = NULL, *dpc_s = NULL, *cics = "1-31", *cic_map = NULL, *sig = NULL, *bearer = NULL;
	const char *rules_file = NULL, *def_rule = NULL;
	const char *rule_args[FE_MAX_RULES], *isup_timers[32], *mtp3_timers[32];
	int n_rules = 0, n_isupt = 0, n_mtp3t = 0, law = FE_LAW_AUTO, dtmf_detect = 1, opt, i;
	long v;
	char err[512];
	struct sigaction sa;

	fe_clock_start();
	memset(&g, 0, sizeof(g));
	g.ni = SS7_NI_NAT;
	g.connect_timeout_ms = 30000;
	fe_rules_init(&g.rules);

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case O_VARIANT:
			if (strcmp(optarg, "itu") == 0)
				g.ansi = 0;
			else if (strcmp(optarg, "ansi") == 0)
				g.ansi = 1;
			else
				goto bad;
			break;
		case O_OPC: opc_s = optarg; break;
		case O_DPC: dpc_s = optarg; break;
		case O_NI:
			if (strcmp(optarg, "int") == 0)
				g.ni = SS7_NI_INT;
			else if (strcmp(optarg, "int_spare") == 0)
				g.ni = SS7_NI_INT_SPARE;
			else if (strcmp(optarg, "nat") == 0)
				g.ni = SS7_NI_NAT;
			else if (strcmp(optarg, "nat_spare") == 0)
				g.ni = SS7_NI_NAT_SPARE;
			else
				goto bad;
			break;
		case O_SLC:
			if (fe_parse_long(optarg, 0, 15, &v) < 0)
				goto bad;
			g.slc = (int)v;
			break;
		case O_CICS: cics = optarg; break;
		case O_CICMAP: cic_map = optarg; break;
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
		case O_ISUPT:
			if (n_isupt >= 32)
				goto bad;
			isup_timers[n_isupt++] = optarg;
			break;
		case O_MTP3T:
			if (n_mtp3t >= 32)
				goto bad;
			mtp3_timers[n_mtp3t++] = optarg;
			break;
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
		fprintf(stderr, "sipt-farend-ss7: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	if (!sig || !opc_s || !dpc_s) {
		fprintf(stderr, "sipt-farend-ss7: --sig, --opc and --dpc are required\n");
		usage(stderr);
		return 2;
	}
	if (parse_pc(opc_s, g.ansi, &g.opc) < 0 || parse_pc(dpc_s, g.ansi, &g.dpc) < 0) {
		fprintf(stderr, "sipt-farend-ss7: point codes must fit the %s format (%s)\n", g.ansi ? "ANSI" : "ITU",
			g.ansi ? "24 bits, 8-8-8" : "14 bits, 3-8-3");
		return 2;
	}
	if (fe_parse_range(cics, 0, g.ansi ? 16383 : 4095, &g.cic_lo, &g.cic_hi) < 0 || g.cic_hi - g.cic_lo > 4095) {
		fprintf(stderr, "sipt-farend-ss7: --cics must be A-B within 0-%d\n", g.ansi ? 16383 : 4095);
		return 2;
	}
	g.circ = calloc((size_t)(g.cic_hi - g.cic_lo + 1), sizeof(circuit));
	if (!g.circ)
		return 1;
	for (v = g.cic_lo; v <= g.cic_hi; v++) {
		circuit *c = circ((int)v);
		c->cic = (int)v;
		c->ts = !cic_map && v >= 1 && v <= FE_MAX_SLOTS ? (int)v : 0;
	}
	if (cic_map && parse_cic_map(cic_map) < 0) {
		fprintf(stderr, "sipt-farend-ss7: --cic-map must be A-B:T[,...] with CICs within --cics and timeslots 1-%d\n",
			FE_MAX_SLOTS);
		return 2;
	}
	if (rules_file && fe_rules_load_file(&g.rules, rules_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "sipt-farend-ss7: %s\n", err);
		return 2;
	}
	for (i = 0; i < n_rules; i++) {
		static fj_obj o;
		fe_rule r;
		if (fj_parse(rule_args[i], &o, err, sizeof(err)) < 0 || fe_rule_from_json(&o, 1, &r, err, sizeof(err)) < 0 ||
		    fe_rules_add(&g.rules, &r) < 0) {
			fprintf(stderr, "sipt-farend-ss7: --rule %s: %s\n", rule_args[i], err);
			return 2;
		}
	}
	if (def_rule) {
		static fj_obj o;
		if (fj_parse(def_rule, &o, err, sizeof(err)) < 0 || fe_rule_from_json(&o, 0, &g.rules.def, err, sizeof(err)) < 0) {
			fprintf(stderr, "sipt-farend-ss7: --default-rule: %s\n", err);
			return 2;
		}
	}

	/* libss7 calls all five without checking for NULL. */
	ss7_set_message(cb_message);
	ss7_set_error(cb_error);
	ss7_set_hangup(cb_hangup);
	ss7_set_call_null(cb_call_null);
	ss7_set_notinservice(cb_notinservice);
	g.ss7 = ss7_new(g.ansi ? SS7_ANSI : SS7_ITU);
	if (!g.ss7) {
		fprintf(stderr, "sipt-farend-ss7: libss7 could not start\n");
		return 1;
	}
	for (i = 0; i < n_isupt; i++)
		if (set_timer(isup_timers[i], 1) < 0) {
			fprintf(stderr, "sipt-farend-ss7: --isup-timer %s is not NAME=MS with a timer libss7 knows\n", isup_timers[i]);
			return 2;
		}
	for (i = 0; i < n_mtp3t; i++)
		if (set_timer(mtp3_timers[i], 0) < 0) {
			fprintf(stderr, "sipt-farend-ss7: --mtp3-timer %s is not NAME=MS with a timer libss7 knows\n", mtp3_timers[i]);
			return 2;
		}
	ss7_set_network_ind(g.ss7, g.ni);
	ss7_set_pc(g.ss7, g.opc);
	if (g.debug)
		ss7_set_debug(g.ss7, SS7_DEBUG_MTP2 | SS7_DEBUG_MTP3 | SS7_DEBUG_ISUP);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, g.sp) < 0) {
		perror("socketpair");
		return 1;
	}
	if (ss7_add_link(g.ss7, SS7_TRANSPORT_DAHDIMTP2, g.sp[0], g.slc, g.dpc) < 0) {
		fprintf(stderr, "sipt-farend-ss7: libss7 refused the signalling link\n");
		return 1;
	}
	fe_bearer_init(&g.media, (fe_law)law, dtmf_detect);
	fe_sock_init(&g.sig, "sig", sig);
	fe_sock_init(&g.bearer, "bearer", bearer);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	g.stdin_open = 1;

	{
		fjw w;
		char pc[32];
		fjw_begin(&w, "ready");
		fjw_str(&w, "role", "ss7");
		fjw_str(&w, "variant", g.ansi ? "ansi" : "itu");
		fjw_int(&w, "opc", (long)g.opc);
		fjw_int(&w, "dpc", (long)g.dpc);
		ss7_pc_to_str(g.ansi ? SS7_ANSI : SS7_ITU, g.opc, pc);
		fjw_str(&w, "opc_str", pc);
		ss7_pc_to_str(g.ansi ? SS7_ANSI : SS7_ITU, g.dpc, pc);
		fjw_str(&w, "dpc_str", pc);
		fjw_int(&w, "cic_lo", g.cic_lo);
		fjw_int(&w, "cic_hi", g.cic_hi);
		fjw_str(&w, "libss7", ss7_get_version());
		fjw_end(&w);
	}
	g.start_ms = fe_now_ms();

	while (!g.quit && !got_signal) {
		struct pollfd pf[5];
		int npf = 0, i_sp0, i_sp1, i_sig = -1, i_bearer = -1, i_in = -1, timeout;
		int64_t now = fe_now_ms(), t;
		struct timeval *tv;
		int pflags;

		if (fe_sock_service(&g.sig, now)) {
			if (!g.started) {
				ss7_start(g.ss7);
				g.started = 1;
			} else {
				ss7_link_noalarm(g.ss7, g.sp[0]);
			}
		}
		fe_sock_service(&g.bearer, now);
		if (g.connect_timeout_ms && now - g.start_ms > g.connect_timeout_ms &&
		    ((!g.sig.ever_connected) || (g.bearer.path && !g.bearer.ever_connected))) {
			fe_event_error("the card did not accept a connection on %s within %ld ms",
				       !g.sig.ever_connected ? g.sig.path : g.bearer.path, g.connect_timeout_ms);
			g.exit_code = 1;
			break;
		}

		/* Poll timeout: the nearest of libss7's schedule, rule delays, reconnects. */
		timeout = 1000;
		tv = ss7_schedule_next(g.ss7);
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

		pflags = ss7_pollflags(g.ss7, g.sp[0]);
		i_sp0 = npf;
		pf[npf].fd = g.sp[0];
		pf[npf++].events = (short)(POLLIN | (pflags & POLLOUT));
		i_sp1 = npf;
		pf[npf].fd = g.sp[1];
		pf[npf++].events = POLLIN;
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
		if (pf[i_sp0].revents & POLLIN)
			ss7_read(g.ss7, g.sp[0]);
		if (pf[i_sp0].revents & POLLOUT)
			ss7_write(g.ss7, g.sp[0]);
		ss7_schedule_run(g.ss7);
		drain_events(now);
		if (i_sig >= 0 && (pf[i_sig].revents & (POLLIN | POLLHUP | POLLERR)))
			relay_in();
		if (pf[i_sp1].revents & POLLIN)
			relay_out();
		if (i_bearer >= 0 && (pf[i_bearer].revents & (POLLIN | POLLHUP | POLLERR)))
			bearer_in();
		if (i_in >= 0 && (pf[i_in].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (fe_lines_read(&g.lines, 0, on_line, NULL) < 0)
				g.stdin_open = 0, g.quit = 1; /* the controller went away */
		}
		run_due(now);
		drain_events(now);
		relay_out();
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
	ss7_destroy(g.ss7);
	return g.exit_code;

bad:
	fprintf(stderr, "sipt-farend-ss7: bad value for an option: %s\n", optarg);
	usage(stderr);
	return 2;
}
