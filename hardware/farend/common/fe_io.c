/*
 * Line-side sockets and the command channel (see fe_io.h).
 */
#include "fe_io.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

void fe_sock_init(fe_sock *s, const char *name, const char *path)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->path = path;
	s->fd = -1;
}

int fe_sock_service(fe_sock *s, int64_t now)
{
	struct sockaddr_un sa;
	int fd;
	fjw w;

	if (!s->path || s->fd >= 0 || now < s->next_try_ms)
		return 0;
	if (!s->first_try_ms)
		s->first_try_ms = now;
	s->next_try_ms = now + FE_RETRY_MS;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(s->path) >= sizeof(sa.sun_path)) {
		fe_event_error("%s socket path is longer than %zu bytes: %s", s->name, sizeof(sa.sun_path) - 1, s->path);
		s->next_try_ms = INT64_MAX;
		return 0;
	}
	strcpy(sa.sun_path, s->path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		/* ENOENT / ECONNREFUSED: the card is not listening yet. */
		close(fd);
		return 0;
	}
	s->fd = fd;
	s->ever_connected = 1;
	s->connects++;
	fjw_begin(&w, "sock");
	fjw_str(&w, "name", s->name);
	fjw_str(&w, "state", "connected");
	fjw_str(&w, "path", s->path);
	fjw_end(&w);
	return 1;
}

void fe_sock_drop(fe_sock *s, const char *reason)
{
	fjw w;
	if (s->fd < 0)
		return;
	close(s->fd);
	s->fd = -1;
	s->next_try_ms = 0;
	fjw_begin(&w, "sock");
	fjw_str(&w, "name", s->name);
	fjw_str(&w, "state", "disconnected");
	fjw_str(&w, "reason", reason);
	fjw_end(&w);
}

int64_t fe_sock_wait_ms(const fe_sock *s, int64_t now)
{
	if (!s->path || s->fd >= 0 || s->next_try_ms == INT64_MAX)
		return -1;
	return s->next_try_ms > now ? s->next_try_ms - now : 0;
}

int fe_sock_send(fe_sock *s, const void *buf, size_t len)
{
	ssize_t r;
	if (s->fd < 0)
		return -1;
	r = send(s->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return -1; /* the card is not reading: the packet is lost, as on a line */
		fe_sock_drop(s, strerror(errno));
		return -1;
	}
	return 0;
}

int fe_lines_read(fe_lines *l, int fd, fe_line_cb cb, void *ud)
{
	/* One read per call: the caller polls, so a blocking stdin never stalls the loop. */
	ssize_t r;
	size_t start = 0, i;
	do
		r = read(fd, l->buf + l->len, sizeof(l->buf) - 1 - l->len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	if (r == 0)
		return -1;
	l->len += (size_t)r;
	for (i = 0; i < l->len; i++) {
		if (l->buf[i] != '\n')
			continue;
		l->buf[i] = '\0';
		if (l->discarding) {
			l->discarding = 0;
		} else {
			char *line = l->buf + start;
			size_t n = i - start;
			if (n > 0 && line[n - 1] == '\r')
				line[n - 1] = '\0';
			if (line[0] != '\0')
				cb(line, ud);
		}
		start = i + 1;
	}
	memmove(l->buf, l->buf + start, l->len - start);
	l->len -= start;
	if (l->len == sizeof(l->buf) - 1) {
		fe_event_error("command line longer than %zu bytes ignored", sizeof(l->buf) - 1);
		l->len = 0;
		l->discarding = 1;
	}
	return 0;
}

static void put_id(fjw *w, const fj_obj *cmd)
{
	const fj_field *id = fj_get(cmd, "id");
	if (!id)
		return;
	if (id->type == FJ_STR)
		fjw_str(w, "id", id->str);
	else if (id->type == FJ_NUM)
		fjw_num(w, "id", id->num, id->num == (long)id->num ? 0 : 6);
}

void fe_ack_begin(fjw *w, const fj_obj *cmd)
{
	const char *name = "";
	fj_get_str(cmd, "cmd", &name);
	fjw_begin(w, "ok");
	fjw_str(w, "cmd", name);
	put_id(w, cmd);
}

void fe_nack(const fj_obj *cmd, const char *fmt, ...)
{
	char reason[512];
	const char *name = NULL;
	va_list ap;
	fjw w;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	fjw_begin(&w, "error");
	if (cmd && fj_get_str(cmd, "cmd", &name) == 1)
		fjw_str(&w, "cmd", name);
	if (cmd)
		put_id(&w, cmd);
	fjw_str(&w, "reason", reason);
	fjw_end(&w);
}

void fe_event_error(const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	fjw w;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	fjw_begin(&w, "fault");
	fjw_str(&w, "reason", reason);
	fjw_end(&w);
}

int fe_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int fe_parse_range(const char *s, long min, long max, long *lo, long *hi)
{
	char buf[64];
	char *dash;
	if (!s || strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (!dash)
		return fe_parse_long(buf, min, max, lo) < 0 ? -1 : (*hi = *lo, 0);
	*dash = '\0';
	if (fe_parse_long(buf, min, max, lo) < 0 || fe_parse_long(dash + 1, min, max, hi) < 0 || *hi < *lo)
		return -1;
	return 0;
}
