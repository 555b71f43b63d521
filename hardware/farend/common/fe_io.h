/*
 * Line-side sockets and the command channel of a far-end simulator.
 *
 * Line side (the simulated card's contract): AF_UNIX SOCK_SEQPACKET, one
 * message per packet; the card listens, the far end connects, and a new
 * connection replaces the old one. A far end therefore keeps retrying until
 * the card listens, and reconnects whenever the card drops it.
 */
#ifndef FE_IO_H
#define FE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "fe_json.h"

#define FE_RETRY_MS 100

typedef struct {
	const char *name; /* "sig" or "bearer": names the socket in events */
	const char *path; /* NULL: this socket is not used */
	int fd;           /* -1 while not connected */
	int64_t next_try_ms;
	int64_t first_try_ms;
	int ever_connected;
	unsigned long connects;
} fe_sock;

void fe_sock_init(fe_sock *s, const char *name, const char *path);
/* Tries to connect when due. Returns 1 when a connection was just made. */
int fe_sock_service(fe_sock *s, int64_t now);
/* Closes a broken connection, reports it and schedules a reconnect. */
void fe_sock_drop(fe_sock *s, const char *reason);
/* Milliseconds until the next connection attempt, or -1 if none is pending. */
int64_t fe_sock_wait_ms(const fe_sock *s, int64_t now);
/* Sends one packet. Returns 0, or -1 after dropping a broken connection. */
int fe_sock_send(fe_sock *s, const void *buf, size_t len);

/* Line reader for stdin. */
typedef struct {
	char buf[65536];
	size_t len;
	int discarding; /* a line longer than buf is being skipped */
} fe_lines;

typedef void (*fe_line_cb)(const char *line, void *ud);
/* Reads what is available. Returns 0, or -1 at end of input. */
int fe_lines_read(fe_lines *l, int fd, fe_line_cb cb, void *ud);

/* Every command line gets exactly one answer: an "ok" or an "error" event. */
void fe_ack_begin(fjw *w, const fj_obj *cmd);
void fe_nack(const fj_obj *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A problem no command asked about (a "fault" event). */
void fe_event_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parses "A-B" or "A" into an inclusive range. Returns 0 or -1. */
int fe_parse_range(const char *s, long min, long max, long *lo, long *hi);
/* Parses a non-negative decimal integer within [min, max]. Returns 0 or -1. */
int fe_parse_long(const char *s, long min, long max, long *out);

#endif
