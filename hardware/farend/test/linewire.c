/*
 * sipt-linewire: a test tool that plays the simulated card's line side for
 * two far ends wired back to back (line-side contract, hardware/farend README).
 *
 * It listens on two sets of sockets (side a and side b: a signalling socket
 * and a span bearer socket each), relays each signalling frame unchanged to
 * the other side, and clocks the bearers: every tick it sends each side one
 * block holding what the other side last answered (idle code and a counted
 * slip when the other side has no answer waiting). Answers wait in a short
 * FIFO per side, so a far end that answers late (a busy machine) delays its
 * audio rather than losing it.
 *
 * stdin: {"cmd":"stats"}, {"cmd":"kick","side":"a","sock":"sig"} (drop a
 * connection, to exercise reconnection), {"cmd":"quit"}. stdout: JSON lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fe_io.h"
#include "fe_json.h"

#define MAX_SLOTS 31
#define MAX_BLOCK 1024
#define HDR 8
#define MAX_FRAME 4096
#define QUEUE 8 /* answers waiting per side: 160 ms at 20 ms blocks */

typedef struct {
	const char *path;
	int lfd; /* listening */
	int fd;  /* accepted, -1 if none */
	unsigned long accepts;
} listener;

typedef struct {
	char name[2];
	listener sig, bearer;
	uint8_t answer[QUEUE][HDR + MAX_SLOTS * MAX_BLOCK]; /* this side's answers, oldest first */
	int head, count;
	uint32_t seq; /* next block sequence towards this side */
	unsigned long frames_in, frames_dropped, blocks_in, blocks_out, slips, malformed, overflows;
} side;

static side sides[2];
static int nslots = 31, block = 160, tick_ms = 20;
static uint8_t idle = 0xD5;
static volatile sig_atomic_t got_signal;
static int quit;
static unsigned long late_ticks;
static fe_lines lines;

static void on_signal(int s)
{
	got_signal = s;
}

static int listen_on(listener *l, const char *name, const char *sock)
{
	struct sockaddr_un sa;
	fjw w;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(l->path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sipt-linewire: socket path too long: %s\n", l->path);
		return -1;
	}
	strcpy(sa.sun_path, l->path);
	unlink(l->path);
	l->fd = -1;
	l->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->lfd < 0 || bind(l->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l->lfd, 4) < 0) {
		fprintf(stderr, "sipt-linewire: cannot listen on %s: %s\n", l->path, strerror(errno));
		return -1;
	}
	fjw_begin(&w, "listening");
	fjw_str(&w, "side", name);
	fjw_str(&w, "sock", sock);
	fjw_str(&w, "path", l->path);
	fjw_end(&w);
	return 0;
}

static void conn_event(const char *side_name, const char *sock, const char *state)
{
	fjw w;
	fjw_begin(&w, "conn");
	fjw_str(&w, "side", side_name);
	fjw_str(&w, "sock", sock);
	fjw_str(&w, "state", state);
	fjw_end(&w);
}

static void do_accept(side *s, listener *l, const char *sock)
{
	int fd = accept4(l->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (l->fd >= 0) {
		close(l->fd); /* a new connection replaces the old one */
		conn_event(s->name, sock, "replaced");
	}
	l->fd = fd;
	l->accepts++;
	conn_event(s->name, sock, "connected");
}

static void drop(side *s, listener *l, const char *sock)
{
	if (l->fd < 0)
		return;
	close(l->fd);
	l->fd = -1;
	conn_event(s->name, sock, "closed");
}

static void sig_in(side *s, side *other)
{
	uint8_t buf[MAX_FRAME];
	for (;;) {
		ssize_t n = recv(s->sig.fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				drop(s, &s->sig, "sig");
			return;
		}
		if (n == 0) {
			drop(s, &s->sig, "sig");
			return;
		}
		s->frames_in++;
		if (other->sig.fd < 0 || send(other->sig.fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			s->frames_dropped++;
	}
}

static void bearer_in(side *s)
{
	static uint8_t buf[HDR + MAX_SLOTS * MAX_BLOCK + 1];
	for (;;) {
		ssize_t n = recv(s->bearer.fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				drop(s, &s->bearer, "bearer");
			return;
		}
		if (n == 0) {
			drop(s, &s->bearer, "bearer");
			return;
		}
		if ((size_t)n != HDR + (size_t)nslots * block || buf[4] != (nslots & 0xFF) || buf[5] != (nslots >> 8) ||
		    buf[6] != (block & 0xFF) || buf[7] != (block >> 8)) {
			s->malformed++; /* the far end must answer with the shape it was sent */
			continue;
		}
		if (s->count == QUEUE) {
			s->head = (s->head + 1) % QUEUE; /* drop the oldest */
			s->count--;
			s->overflows++;
		}
		memcpy(s->answer[(s->head + s->count) % QUEUE], buf, (size_t)n);
		s->count++;
		s->blocks_in++;
	}
}

static void tick(void)
{
	static uint8_t out[HDR + MAX_SLOTS * MAX_BLOCK];
	size_t len = HDR + (size_t)nslots * block;
	int i;
	for (i = 0; i < 2; i++) {
		side *s = &sides[i], *other = &sides[1 - i];
		if (other->count > 0) {
			memcpy(out + HDR, other->answer[other->head] + HDR, len - HDR);
			other->head = (other->head + 1) % QUEUE;
			other->count--;
		} else {
			memset(out + HDR, idle, len - HDR);
			if (other->bearer.fd >= 0)
				other->slips++;
		}
		out[0] = (uint8_t)(s->seq);
		out[1] = (uint8_t)(s->seq >> 8);
		out[2] = (uint8_t)(s->seq >> 16);
		out[3] = (uint8_t)(s->seq >> 24);
		out[4] = (uint8_t)(nslots & 0xFF);
		out[5] = (uint8_t)(nslots >> 8);
		out[6] = (uint8_t)(block & 0xFF);
		out[7] = (uint8_t)(block >> 8);
		if (s->bearer.fd >= 0 && send(s->bearer.fd, out, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len) {
			s->seq++;
			s->blocks_out++;
		}
	}
}

static void put_stats(void)
{
	int i;
	fjw w;
	fjw_begin(&w, "stats");
	fjw_int(&w, "late_ticks", (long)late_ticks);
	for (i = 0; i < 2; i++) {
		side *s = &sides[i];
		char k[32];
#define PUT(field) snprintf(k, sizeof(k), "%c_" #field, s->name[0]), fjw_int(&w, k, (long)s->field)
		PUT(frames_in);
		PUT(frames_dropped);
		PUT(blocks_in);
		PUT(blocks_out);
		PUT(slips);
		PUT(malformed);
		PUT(overflows);
#undef PUT
	}
	fjw_end(&w);
}

static void on_line(const char *line, void *ud)
{
	static fj_obj o;
	char err[256];
	const char *cmd, *sd, *sock;
	(void)ud;
	if (fj_parse(line, &o, err, sizeof(err)) < 0 || fj_get_str(&o, "cmd", &cmd) != 1) {
		fe_nack(NULL, "command is not a JSON object with \"cmd\"");
		return;
	}
	if (strcmp(cmd, "stats") == 0) {
		put_stats();
	} else if (strcmp(cmd, "quit") == 0) {
		quit = 1;
	} else if (strcmp(cmd, "kick") == 0) {
		side *s;
		if (fj_get_str(&o, "side", &sd) != 1 || (strcmp(sd, "a") && strcmp(sd, "b")) ||
		    fj_get_str(&o, "sock", &sock) != 1 || (strcmp(sock, "sig") && strcmp(sock, "bearer"))) {
			fe_nack(&o, "kick: side a|b, sock sig|bearer");
			return;
		}
		s = &sides[sd[0] == 'b'];
		drop(s, strcmp(sock, "sig") == 0 ? &s->sig : &s->bearer, sock);
	} else {
		fe_nack(&o, "unknown command \"%s\"", cmd);
		return;
	}
	{
		fjw w;
		fe_ack_begin(&w, &o);
		fjw_end(&w);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sipt-linewire --a-sig PATH --a-bearer PATH --b-sig PATH --b-bearer PATH\n"
		   "                     [--slots 31] [--block 160] [--tick-ms 20] [--law alaw|ulaw]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "a-sig", required_argument, NULL, 1 },  { "a-bearer", required_argument, NULL, 2 },
		{ "b-sig", required_argument, NULL, 3 },  { "b-bearer", required_argument, NULL, 4 },
		{ "slots", required_argument, NULL, 5 },  { "block", required_argument, NULL, 6 },
		{ "tick-ms", required_argument, NULL, 7 }, { "law", required_argument, NULL, 8 },
		{ "help", no_argument, NULL, 9 },          { NULL, 0, NULL, 0 },
	};
	int opt, i, stdin_open = 1;
	long v;
	int64_t next_tick;
	struct sigaction sa;

	fe_clock_start();
	memset(sides, 0, sizeof(sides));
	strcpy(sides[0].name, "a");
	strcpy(sides[1].name, "b");
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 1: sides[0].sig.path = optarg; break;
		case 2: sides[0].bearer.path = optarg; break;
		case 3: sides[1].sig.path = optarg; break;
		case 4: sides[1].bearer.path = optarg; break;
		case 5:
			if (fe_parse_long(optarg, 1, MAX_SLOTS, &v) < 0)
				goto bad;
			nslots = (int)v;
			break;
		case 6:
			if (fe_parse_long(optarg, 8, MAX_BLOCK, &v) < 0)
				goto bad;
			block = (int)v;
			break;
		case 7:
			if (fe_parse_long(optarg, 1, 1000, &v) < 0)
				goto bad;
			tick_ms = (int)v;
			break;
		case 8:
			if (strcmp(optarg, "alaw") == 0)
				idle = 0xD5;
			else if (strcmp(optarg, "ulaw") == 0)
				idle = 0xFF;
			else
				goto bad;
			break;
		case 9: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || !sides[0].sig.path || !sides[0].bearer.path || !sides[1].sig.path || !sides[1].bearer.path) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < 2; i++)
		if (listen_on(&sides[i].sig, sides[i].name, "sig") < 0 || listen_on(&sides[i].bearer, sides[i].name, "bearer") < 0)
			return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	next_tick = fe_now_ms() + tick_ms;
	while (!quit && !got_signal) {
		struct pollfd pf[9];
		listener *who[9];
		side *whose[9];
		int n = 0, timeout;
		int64_t now = fe_now_ms();
		for (i = 0; i < 2; i++) {
			listener *ls[4] = { &sides[i].sig, &sides[i].bearer, NULL, NULL };
			int k;
			for (k = 0; k < 2; k++) {
				pf[n].fd = ls[k]->lfd;
				pf[n].events = POLLIN;
				who[n] = ls[k];
				whose[n++] = NULL;
				if (ls[k]->fd >= 0) {
					pf[n].fd = ls[k]->fd;
					pf[n].events = POLLIN;
					who[n] = ls[k];
					whose[n++] = &sides[i];
				}
			}
		}
		if (stdin_open) {
			pf[n].fd = 0;
			pf[n].events = POLLIN;
			who[n] = NULL;
			whose[n++] = NULL;
		}
		timeout = next_tick > now ? (int)(next_tick - now) : 0;
		if (poll(pf, (nfds_t)n, timeout) < 0 && errno != EINTR)
			return 1;
		for (i = 0; i < n; i++) {
			listener *l = who[i];
			int si;
			if (!pf[i].revents)
				continue;
			if (!l) {
				if (fe_lines_read(&lines, 0, on_line, NULL) < 0)
					stdin_open = 0, quit = 1;
				continue;
			}
			si = (l == &sides[1].sig || l == &sides[1].bearer);
			if (!whose[i]) {
				do_accept(&sides[si], l, l == &sides[si].sig ? "sig" : "bearer");
				continue;
			}
			if (l->fd != pf[i].fd)
				continue; /* replaced during this round */
			if (l == &sides[si].sig)
				sig_in(&sides[si], &sides[1 - si]);
			else
				bearer_in(&sides[si]);
		}
		now = fe_now_ms();
		if (now >= next_tick) {
			tick();
			next_tick += tick_ms;
			if (now - next_tick > 10 * tick_ms) {
				/* Stalled (machine busy): resume the clock from now rather than burst. */
				late_ticks += (unsigned long)((now - next_tick) / tick_ms);
				next_tick = now + tick_ms;
			}
		}
	}
	put_stats();
	for (i = 0; i < 2; i++) {
		unlink(sides[i].sig.path);
		unlink(sides[i].bearer.path);
	}
	return 0;

bad:
	fprintf(stderr, "sipt-linewire: bad value for an option: %s\n", optarg);
	usage(stderr);
	return 2;
}
