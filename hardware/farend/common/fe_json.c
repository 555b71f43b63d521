/*
 * JSON lines (RFC 8259 subset, see fe_json.h).
 */
#include "fe_json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t start_ms;

int64_t fe_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void fe_clock_start(void)
{
	start_ms = fe_now_ms();
}

/* ---- parser ---- */

typedef struct {
	const char *p;
	char *err;
	size_t errlen;
} fj_cur;

static void skip_ws(fj_cur *c)
{
	while (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n')
		c->p++;
}

static int fail(fj_cur *c, const char *reason)
{
	snprintf(c->err, c->errlen, "%s", reason);
	return -1;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Append one code point as UTF-8; returns bytes written or -1 if no room. */
static int put_utf8(char *out, size_t room, unsigned cp)
{
	if (cp < 0x80) {
		if (room < 1)
			return -1;
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		if (room < 2)
			return -1;
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		if (room < 3)
			return -1;
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (room < 4)
		return -1;
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static int parse_string(fj_cur *c, char *out, size_t outlen)
{
	size_t n = 0;
	if (*c->p != '"')
		return fail(c, "expected a string");
	c->p++;
	for (;;) {
		unsigned char ch = (unsigned char)*c->p;
		if (ch == '\0')
			return fail(c, "unterminated string");
		if (ch == '"') {
			c->p++;
			break;
		}
		if (ch < 0x20)
			return fail(c, "control character in string");
		if (ch == '\\') {
			unsigned cp;
			int k;
			c->p++;
			switch (*c->p) {
			case '"': cp = '"'; break;
			case '\\': cp = '\\'; break;
			case '/': cp = '/'; break;
			case 'b': cp = '\b'; break;
			case 'f': cp = '\f'; break;
			case 'n': cp = '\n'; break;
			case 'r': cp = '\r'; break;
			case 't': cp = '\t'; break;
			case 'u':
				cp = 0;
				for (k = 1; k <= 4; k++) {
					int h = hexval(c->p[k]);
					if (h < 0)
						return fail(c, "bad \\u escape");
					cp = (cp << 4) | (unsigned)h;
				}
				c->p += 4;
				if (cp >= 0xD800 && cp <= 0xDBFF && c->p[1] == '\\' && c->p[2] == 'u') {
					unsigned lo = 0;
					for (k = 3; k <= 6; k++) {
						int h = hexval(c->p[k]);
						if (h < 0)
							return fail(c, "bad \\u escape");
						lo = (lo << 4) | (unsigned)h;
					}
					if (lo >= 0xDC00 && lo <= 0xDFFF) {
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
						c->p += 6;
					}
				}
				break;
			default:
				return fail(c, "bad escape in string");
			}
			c->p++;
			k = put_utf8(out + n, outlen - 1 - n, cp);
			if (k < 0)
				return fail(c, "string too long");
			n += (size_t)k;
			continue;
		}
		if (n + 1 >= outlen)
			return fail(c, "string too long");
		out[n++] = (char)ch;
		c->p++;
	}
	out[n] = '\0';
	return 0;
}

static int parse_number(fj_cur *c, double *out)
{
	const char *s = c->p;
	char *end;
	/* RFC 8259 §6 number grammar, checked before strtod (which is laxer). */
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return fail(c, "bad number");
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return fail(c, "bad number");
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return fail(c, "bad number");
		while (*s >= '0' && *s <= '9')
			s++;
	}
	errno = 0;
	*out = strtod(c->p, &end);
	if (end != s || errno == ERANGE || !isfinite(*out))
		return fail(c, "bad number");
	c->p = s;
	return 0;
}

int fj_parse(const char *line, fj_obj *o, char *err, size_t errlen)
{
	fj_cur c = { line, err, errlen };
	o->n = 0;
	skip_ws(&c);
	if (*c.p != '{')
		return fail(&c, "expected an object");
	c.p++;
	skip_ws(&c);
	if (*c.p == '}') {
		c.p++;
	} else {
		for (;;) {
			fj_field *f;
			int i;
			if (o->n >= FJ_MAX_FIELDS)
				return fail(&c, "too many members");
			f = &o->f[o->n];
			memset(f, 0, sizeof(*f));
			skip_ws(&c);
			if (parse_string(&c, f->key, sizeof(f->key)) < 0)
				return -1;
			for (i = 0; i < o->n; i++)
				if (strcmp(o->f[i].key, f->key) == 0)
					return fail(&c, "duplicate member");
			skip_ws(&c);
			if (*c.p != ':')
				return fail(&c, "expected ':'");
			c.p++;
			skip_ws(&c);
			if (*c.p == '"') {
				f->type = FJ_STR;
				if (parse_string(&c, f->str, sizeof(f->str)) < 0)
					return -1;
			} else if (strncmp(c.p, "true", 4) == 0) {
				f->type = FJ_BOOL;
				f->boolean = 1;
				c.p += 4;
			} else if (strncmp(c.p, "false", 5) == 0) {
				f->type = FJ_BOOL;
				c.p += 5;
			} else if (strncmp(c.p, "null", 4) == 0) {
				f->type = FJ_NULL;
				c.p += 4;
			} else if (*c.p == '{' || *c.p == '[') {
				return fail(&c, "nested objects and arrays are not accepted");
			} else {
				f->type = FJ_NUM;
				if (parse_number(&c, &f->num) < 0)
					return -1;
			}
			o->n++;
			skip_ws(&c);
			if (*c.p == ',') {
				c.p++;
				continue;
			}
			if (*c.p == '}') {
				c.p++;
				break;
			}
			return fail(&c, "expected ',' or '}'");
		}
	}
	skip_ws(&c);
	if (*c.p != '\0')
		return fail(&c, "text after the object");
	return 0;
}

const fj_field *fj_get(const fj_obj *o, const char *key)
{
	int i;
	for (i = 0; i < o->n; i++)
		if (strcmp(o->f[i].key, key) == 0)
			return &o->f[i];
	return NULL;
}

int fj_get_str(const fj_obj *o, const char *key, const char **out)
{
	const fj_field *f = fj_get(o, key);
	if (!f)
		return 0;
	if (f->type != FJ_STR)
		return -1;
	*out = f->str;
	return 1;
}

int fj_get_int(const fj_obj *o, const char *key, long min, long max, long *out)
{
	const fj_field *f = fj_get(o, key);
	if (!f)
		return 0;
	if (f->type != FJ_NUM || f->num != floor(f->num) || f->num < (double)min || f->num > (double)max)
		return -1;
	*out = (long)f->num;
	return 1;
}

int fj_get_num(const fj_obj *o, const char *key, double *out)
{
	const fj_field *f = fj_get(o, key);
	if (!f)
		return 0;
	if (f->type != FJ_NUM)
		return -1;
	*out = f->num;
	return 1;
}

int fj_get_bool(const fj_obj *o, const char *key, int *out)
{
	const fj_field *f = fj_get(o, key);
	if (!f)
		return 0;
	if (f->type != FJ_BOOL)
		return -1;
	*out = f->boolean;
	return 1;
}

/* ---- writer ---- */

static char *deferred;
static size_t deferred_len, deferred_cap;
static int defer_on;

static void append(fjw *w, const char *s, size_t n)
{
	if (w->overflow || w->len + n + 3 > sizeof(w->buf)) {
		w->overflow = 1;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void append_escaped(fjw *w, const char *s)
{
	char tmp[8];
	append(w, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)ch;
			append(w, tmp, 2);
		} else if (ch < 0x20 || ch == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", ch);
			append(w, tmp, 6);
		} else {
			append(w, (const char *)&ch, 1);
		}
	}
	append(w, "\"", 1);
}

static void key(fjw *w, const char *k)
{
	append(w, ",", 1);
	append_escaped(w, k);
	append(w, ":", 1);
}

void fjw_begin(fjw *w, const char *ev)
{
	char tmp[48];
	w->len = 0;
	w->overflow = 0;
	append(w, "{\"ev\":", 6);
	append_escaped(w, ev);
	snprintf(tmp, sizeof(tmp), ",\"t\":%lld", (long long)(fe_now_ms() - start_ms));
	append(w, tmp, strlen(tmp));
}

void fjw_str(fjw *w, const char *k, const char *val)
{
	key(w, k);
	append_escaped(w, val);
}

void fjw_int(fjw *w, const char *k, long val)
{
	char tmp[32];
	key(w, k);
	snprintf(tmp, sizeof(tmp), "%ld", val);
	append(w, tmp, strlen(tmp));
}

void fjw_num(fjw *w, const char *k, double val, int decimals)
{
	char tmp[64];
	key(w, k);
	if (!isfinite(val))
		snprintf(tmp, sizeof(tmp), "null");
	else
		snprintf(tmp, sizeof(tmp), "%.*f", decimals, val);
	append(w, tmp, strlen(tmp));
}

void fjw_bool(fjw *w, const char *k, int val)
{
	key(w, k);
	append(w, val ? "true" : "false", val ? 4 : 5);
}

static void write_all(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t r = write(1, s, n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return; /* stdout gone: nothing left to tell anyone */
		}
		s += r;
		n -= (size_t)r;
	}
}

void fjw_end(fjw *w)
{
	if (w->overflow) {
		/* Keep the line valid JSON even when a member did not fit. */
		w->overflow = 0;
		w->len = 0;
		append(w, "{\"ev\":\"error\",\"reason\":\"event too long for the line buffer\"", 59);
	}
	w->buf[w->len++] = '}';
	w->buf[w->len++] = '\n';
	if (defer_on) {
		if (deferred_len + w->len > deferred_cap) {
			size_t cap = deferred_cap ? deferred_cap * 2 : 16384;
			char *n;
			while (cap < deferred_len + w->len)
				cap *= 2;
			n = realloc(deferred, cap);
			if (!n) {
				write_all(w->buf, w->len);
				return;
			}
			deferred = n;
			deferred_cap = cap;
		}
		memcpy(deferred + deferred_len, w->buf, w->len);
		deferred_len += w->len;
		return;
	}
	write_all(w->buf, w->len);
}

void fjw_defer(int on)
{
	defer_on = on;
}

void fjw_flush_deferred(void)
{
	if (deferred_len) {
		write_all(deferred, deferred_len);
		deferred_len = 0;
	}
}
