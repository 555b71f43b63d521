/*
 * The analog port line and the process around it (see an_line.h).
 */
#include "an_line.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct {
	an_config cfg;
	const an_hooks *h;
	fe_sock sock;
	fe_bearer media;
	dtmf_rx_state_t *dtmf;
	an_tone_gen gen;
	an_tone_det det;
	const char *mute;
	fe_lines lines;
	int stdin_open, quit, exit_code;
	int64_t start_ms;
	unsigned long rx_invalid, signals_rx, signals_tx, blocks, oversize;
	uint8_t span_in[FE_BEARER_HDR + FE_MAX_BLOCK];
	uint8_t pkt_out[AN_BEARER_HDR + FE_MAX_BLOCK];
} g;

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static uint8_t idle_code(void)
{
	return g.cfg.law == FE_LAW_ULAW ? 0xFF : 0xD5;
}

static void dtmf_digits(void *ud, const char *digits, int len)
{
	int i;
	(void)ud;
	for (i = 0; i < len; i++) {
		char d[2] = { digits[i], '\0' };
		fjw w;
		fjw_begin(&w, "dtmf");
		fjw_int(&w, "ts", AN_TS);
		fjw_str(&w, "digit", d);
		fjw_end(&w);
		if (g.h->on_digit)
			g.h->on_digit(digits[i], fe_now_ms());
	}
}

void an_line_init(const an_config *cfg, const an_hooks *hooks)
{
	memset(&g, 0, sizeof(g));
	g.cfg = *cfg;
	g.h = hooks;
	/* The shared bearer's own DTMF receiver stays off: this module's reports the digits to the program too. */
	fe_bearer_init(&g.media, cfg->law, 0);
	if (cfg->dtmf_detect)
		g.dtmf = dtmf_rx_init(NULL, dtmf_digits, NULL);
	an_tone_det_init(&g.det, cfg->profile, cfg->cpt_min_dbm0);
	fe_sock_init(&g.sock, "line", cfg->path);
}

void an_line_free(void)
{
	an_tone_gen_stop(&g.gen);
	fe_bearer_free(&g.media);
	if (g.dtmf)
		dtmf_rx_free(g.dtmf);
	g.dtmf = NULL;
	if (g.sock.fd >= 0)
		close(g.sock.fd);
	g.sock.fd = -1;
}

int an_line_connected(void)
{
	return g.sock.fd >= 0;
}

int an_line_signal(int type, int v)
{
	uint8_t m[2] = { (uint8_t)type, (uint8_t)(v ? 1 : 0) };
	if (g.sock.fd < 0)
		return -1;
	if (fe_sock_send(&g.sock, m, sizeof(m)) < 0)
		return -1;
	g.signals_tx++;
	return 0;
}

void an_line_mute(const char *reason)
{
	g.mute = reason;
}

int an_line_tone(an_tone_id id)
{
	char err[128];
	fe_bearer_stop(&g.media, AN_TS, err, sizeof(err));
	return an_tone_gen_start(&g.gen, g.cfg.profile, id);
}

void an_line_tone_stop(void)
{
	an_tone_gen_stop(&g.gen);
}

void an_line_silence(void)
{
	char err[128];
	an_tone_gen_stop(&g.gen);
	fe_bearer_stop(&g.media, AN_TS, err, sizeof(err));
}

fe_bearer *an_line_media(void)
{
	return &g.media;
}

const an_profile *an_line_profile(void)
{
	return g.cfg.profile;
}

void an_line_detector_reset(void)
{
	an_tone_det_reset(&g.det);
}

/* ---------------------------------------------------------------- line input */

static void invalid(const char *what, size_t n)
{
	g.rx_invalid++;
	if (g.rx_invalid == 1 || g.rx_invalid % 1000 == 0)
		fe_event_error("line: %s (%zu octets; %lu invalid packets so far)", what, n, g.rx_invalid);
}

static void bearer_block(const uint8_t *p, size_t n)
{
	int16_t lin[FE_MAX_BLOCK];
	char err[256];
	unsigned blk;
	int len, k;
	uint8_t *samples = g.pkt_out + AN_BEARER_HDR;

	blk = (unsigned)(p[2] | (p[3] << 8));
	if (p[1] != 0 || blk == 0 || n != AN_BEARER_HDR + (size_t)blk) {
		invalid("bearer packet whose size does not match its header", n);
		return;
	}
	if (blk > FE_MAX_BLOCK) {
		g.oversize++;
		if (g.oversize == 1)
			fe_event_error("line: bearer blocks of %u octets exceed the %d this far end handles", blk, FE_MAX_BLOCK);
		return;
	}
	for (k = 0; k < (int)blk; k++)
		lin[k] = g.cfg.law == FE_LAW_ULAW ? ulaw_to_linear(p[AN_BEARER_HDR + k]) : alaw_to_linear(p[AN_BEARER_HDR + k]);
	if (g.dtmf)
		dtmf_rx(g.dtmf, lin, (int)blk);
	an_tone_det_feed(&g.det, lin, (int)blk);

	/* The shared bearer code takes the span block shape: seq, 1 slot, blk octets. */
	memcpy(g.span_in, p + 4, 4);
	g.span_in[4] = 1;
	g.span_in[5] = 0;
	g.span_in[6] = (uint8_t)(blk & 0xFF);
	g.span_in[7] = (uint8_t)(blk >> 8);
	memcpy(g.span_in + FE_BEARER_HDR, p + AN_BEARER_HDR, blk);
	len = fe_bearer_block(&g.media, g.span_in, FE_BEARER_HDR + blk, err, sizeof(err));
	if (len < 0) {
		fe_event_error("line: %s", err);
		return;
	}
	memcpy(g.pkt_out, p, AN_BEARER_HDR); /* type, spare, size, sequence echoed */
	memcpy(samples, g.media.out + FE_BEARER_HDR, blk);
	if (g.gen.gen) {
		an_tone_gen_fill(&g.gen, lin, (int)blk);
		for (k = 0; k < (int)blk; k++)
			samples[k] = g.cfg.law == FE_LAW_ULAW ? linear_to_ulaw(lin[k]) : linear_to_alaw(lin[k]);
	}
	if (g.mute)
		memset(samples, idle_code(), blk);
	g.blocks++;
	fe_sock_send(&g.sock, g.pkt_out, AN_BEARER_HDR + blk);
}

static void line_in(int64_t now)
{
	static uint8_t buf[AN_BEARER_HDR + 4096];
	int k;
	for (k = 0; k < 64 && g.sock.fd >= 0; k++) {
		ssize_t n = recv(g.sock.fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				fe_sock_drop(&g.sock, strerror(errno));
				if (g.h->on_disconnect)
					g.h->on_disconnect(now);
			}
			return;
		}
		if (n == 0) {
			fe_sock_drop(&g.sock, "the card closed the connection");
			if (g.h->on_disconnect)
				g.h->on_disconnect(now);
			return;
		}
		if ((size_t)n > sizeof(buf)) {
			invalid("packet longer than any line message", (size_t)n);
			continue;
		}
		if (buf[0] == AN_MSG_BEARER && n >= AN_BEARER_HDR) {
			bearer_block(buf, (size_t)n);
			continue;
		}
		if (n != 2) {
			invalid("packet of unknown type or size", (size_t)n);
			continue;
		}
		if (buf[0] < AN_MSG_HOOK || buf[0] > AN_MSG_BATTERY || !(g.h->accept & (1u << (buf[0] - AN_MSG_HOOK)))) {
			invalid("signal of a type this side of the line does not receive", (size_t)n);
			continue;
		}
		if (buf[1] > 1) {
			invalid("signal value other than 0 or 1", (size_t)n);
			continue;
		}
		g.signals_rx++;
		g.h->on_signal(buf[0], buf[1], now);
	}
}

/* ---------------------------------------------------------------- commands */

/* "ts" is optional on an analog line; when given it must name the one channel. */
static int check_ts(const fj_obj *o)
{
	long ts;
	switch (fj_get_int(o, "ts", 1, FE_MAX_SLOTS, &ts)) {
	case 0: return 0;
	case 1:
		if (ts == AN_TS)
			return 0;
		/* fall through */
	default: fe_nack(o, "an analog line has one bearer channel: \"ts\" is 1 or absent"); return -1;
	}
}

static void ack_ts(const fj_obj *o)
{
	fjw w;
	fe_ack_begin(&w, o);
	fjw_int(&w, "ts", AN_TS);
	fjw_end(&w);
}

/* Bearer commands shared with the span far ends (hardware/farend/README.md), plus "cpt". */
static int cmd_media(const fj_obj *o, const char *cmd)
{
	char err[256];
	int r, b = 0;
	long v1 = 0, l1 = -10, f2 = 0, l2 = -10, on_ms = 0, off_ms = 0, dur = 0;
	const char *s;
	int transmits = strcmp(cmd, "stop") != 0 && strcmp(cmd, "detect") != 0;

	if (strcmp(cmd, "play") && strcmp(cmd, "dtmf") && strcmp(cmd, "play_file") && strcmp(cmd, "echo") &&
	    strcmp(cmd, "stop") && strcmp(cmd, "detect") && strcmp(cmd, "cpt"))
		return -1;
	if (check_ts(o) < 0)
		return 0;
	if (strcmp(cmd, "echo") == 0) {
		b = 1;
		if (fj_get_bool(o, "on", &b) == -1) {
			fe_nack(o, "\"on\" must be true or false");
			return 0;
		}
		transmits = b;
	}
	if (transmits && g.mute) {
		fe_nack(o, "%s", g.mute);
		return 0;
	}
	if (strcmp(cmd, "play") == 0) {
		if (fj_get_int(o, "tone", 1, 3999, &v1) != 1 || fj_get_int(o, "dbm0", -60, 3, &l1) == -1 ||
		    fj_get_int(o, "tone2", 0, 3999, &f2) == -1 || fj_get_int(o, "dbm0_2", -60, 3, &l2) == -1 ||
		    fj_get_int(o, "on_ms", 0, 60000, &on_ms) == -1 || fj_get_int(o, "off_ms", 0, 60000, &off_ms) == -1 ||
		    fj_get_int(o, "duration_ms", 0, 86400000, &dur) == -1) {
			fe_nack(o, "play: tone 1-3999 Hz, dbm0 -60..3 (integer), optional tone2/dbm0_2, on_ms/off_ms cadence, "
				   "duration_ms");
			return 0;
		}
		an_tone_gen_stop(&g.gen);
		r = fe_bearer_tone(&g.media, AN_TS, (int)v1, (int)l1, (int)f2, (int)l2, (int)on_ms, (int)off_ms, dur, err,
				   sizeof(err));
	} else if (strcmp(cmd, "dtmf") == 0) {
		on_ms = 100;
		off_ms = 100;
		if (fj_get_str(o, "digits", &s) != 1 || fj_get_int(o, "dbm0", -60, 0, &l1) == -1 ||
		    fj_get_int(o, "on_ms", 40, 2000, &on_ms) == -1 || fj_get_int(o, "off_ms", 40, 2000, &off_ms) == -1) {
			fe_nack(o, "dtmf: digits (string), dbm0 -60..0, on_ms/off_ms 40-2000");
			return 0;
		}
		an_tone_gen_stop(&g.gen);
		r = fe_bearer_dtmf(&g.media, AN_TS, s, (int)l1, (int)on_ms, (int)off_ms, err, sizeof(err));
	} else if (strcmp(cmd, "play_file") == 0) {
		const char *law = "auto";
		int lw;
		if (fj_get_str(o, "path", &s) != 1 || fj_get_str(o, "law", &law) == -1 || fj_get_bool(o, "loop", &b) == -1) {
			fe_nack(o, "play_file: path (string), law alaw|ulaw (default: the line's), loop (bool)");
			return 0;
		}
		lw = fe_law_parse(law);
		if (lw < 0) {
			fe_nack(o, "\"law\" is alaw or ulaw");
			return 0;
		}
		an_tone_gen_stop(&g.gen);
		r = fe_bearer_file(&g.media, AN_TS, s, (fe_law)lw, b, err, sizeof(err));
	} else if (strcmp(cmd, "echo") == 0) {
		if (b)
			an_tone_gen_stop(&g.gen);
		r = fe_bearer_echo(&g.media, AN_TS, b, err, sizeof(err));
	} else if (strcmp(cmd, "stop") == 0) {
		an_line_silence();
		r = 0;
	} else if (strcmp(cmd, "cpt") == 0) {
		int id;
		if (fj_get_str(o, "tone", &s) != 1 || (id = an_tone_parse(s)) < 0) {
			fe_nack(o, "cpt: tone is dial, ringback, busy or congestion (the %s profile's)", g.cfg.profile->name);
			return 0;
		}
		r = an_line_tone((an_tone_id)id);
		if (r < 0)
			snprintf(err, sizeof(err), "spandsp could not set up the tone generator");
	} else {
		double min = -45;
		b = 1;
		if (fj_get_int(o, "freq", 1, 3999, &v1) != 1 || fj_get_bool(o, "on", &b) == -1 ||
		    fj_get_num(o, "min_dbm0", &min) == -1) {
			fe_nack(o, "detect: freq 1-3999 Hz, on (bool), min_dbm0 (number)");
			return 0;
		}
		r = fe_bearer_detect(&g.media, AN_TS, (int)v1, b, min, err, sizeof(err));
	}
	if (r < 0)
		fe_nack(o, "%s", err);
	else
		ack_ts(o);
	return 0;
}

static void put_stats(void)
{
	fjw w;
	fjw_begin(&w, "stats");
	fjw_str(&w, "role", g.h->role);
	fjw_bool(&w, "connected", g.sock.fd >= 0);
	fjw_int(&w, "signals_rx", (long)g.signals_rx);
	fjw_int(&w, "signals_tx", (long)g.signals_tx);
	fjw_int(&w, "rx_invalid", (long)g.rx_invalid);
	fe_bearer_put_stats(&g.media, &w);
	if (g.h->put_stats)
		g.h->put_stats(&w);
	fjw_end(&w);
}

static void on_line(const char *line, void *ud)
{
	static fj_obj o;
	char err[256];
	const char *cmd;
	int64_t now = fe_now_ms();
	(void)ud;
	if (fj_parse(line, &o, err, sizeof(err)) < 0) {
		fe_nack(NULL, "command is not a JSON object: %s", err);
		return;
	}
	if (fj_get_str(&o, "cmd", &cmd) != 1) {
		fe_nack(&o, "command has no \"cmd\" string");
		return;
	}
	if (strcmp(cmd, "stats") == 0) {
		fjw w;
		put_stats();
		fe_ack_begin(&w, &o);
		fjw_end(&w);
	} else if (strcmp(cmd, "quit") == 0) {
		fjw w;
		fe_ack_begin(&w, &o);
		fjw_end(&w);
		g.quit = 1;
	} else if (cmd_media(&o, cmd) == 0) {
		/* answered */
	} else if (g.h->on_command(&o, cmd, now) < 0) {
		fe_nack(&o, "unknown command \"%s\"", cmd);
	}
}

/* ---------------------------------------------------------------- options */

int an_common_option(int opt, const char *arg, an_config *cfg)
{
	long v;
	int law;
	char *end;
	double d;
	switch (opt) {
	case 'L': cfg->path = arg; return 1;
	case 'P':
		cfg->profile = an_profile_find(arg);
		return cfg->profile ? 1 : -1;
	case 'W':
		law = fe_law_parse(arg);
		if (law != FE_LAW_ALAW && law != FE_LAW_ULAW)
			return -1;
		cfg->law = (fe_law)law;
		return 1;
	case 'N': cfg->dtmf_detect = 0; return 1;
	case 'M':
		d = strtod(arg, &end);
		if (end == arg || *end || d < -70 || d > 3)
			return -1;
		cfg->cpt_min_dbm0 = d;
		return 1;
	case 'T':
		if (fe_parse_long(arg, 0, 86400000, &v) < 0)
			return -1;
		cfg->connect_timeout_ms = v;
		return 1;
	default: return 0;
	}
}

/* ---------------------------------------------------------------- main loop */

int an_line_run(void)
{
	struct sigaction sa;
	fjw w;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	g.stdin_open = 1;

	fjw_begin(&w, "ready");
	fjw_str(&w, "role", g.h->role);
	fjw_str(&w, "profile", g.cfg.profile->name);
	fjw_str(&w, "law", fe_law_name(g.cfg.law));
	if (g.h->put_ready)
		g.h->put_ready(&w);
	fjw_end(&w);
	g.start_ms = fe_now_ms();

	while (!g.quit && !got_signal) {
		struct pollfd pf[2];
		int npf = 0, i_line = -1, i_in = -1, timeout = 1000;
		int64_t now = fe_now_ms(), t;

		if (fe_sock_service(&g.sock, now) && g.h->on_connect)
			g.h->on_connect(now);
		if (g.cfg.connect_timeout_ms && !g.sock.ever_connected && now - g.start_ms > g.cfg.connect_timeout_ms) {
			fe_event_error("the card did not accept a connection on %s within %ld ms", g.sock.path,
				       g.cfg.connect_timeout_ms);
			g.exit_code = 1;
			break;
		}
		t = g.h->next_due();
		if (t >= 0 && t - now < timeout)
			timeout = t > now ? (int)(t - now) : 0;
		t = fe_sock_wait_ms(&g.sock, now);
		if (t >= 0 && t < timeout)
			timeout = (int)t;
		if (g.sock.fd >= 0) {
			i_line = npf;
			pf[npf].fd = g.sock.fd;
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
		/* Timers first: a deadline that passed while blocked acts before the input that followed it. */
		g.h->run_due(now);
		if (i_line >= 0 && (pf[i_line].revents & (POLLIN | POLLHUP | POLLERR)))
			line_in(now);
		if (i_in >= 0 && (pf[i_in].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (fe_lines_read(&g.lines, 0, on_line, NULL) < 0)
				g.stdin_open = 0, g.quit = 1;
		}
		g.h->run_due(fe_now_ms());
	}

	put_stats();
	fjw_begin(&w, "exit");
	fjw_int(&w, "code", g.exit_code);
	if (got_signal)
		fjw_int(&w, "signal", got_signal);
	fjw_end(&w);
	return g.exit_code;
}
