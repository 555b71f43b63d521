/*
 * JSON lines for the far-end simulators: a parser for the flat command objects
 * read on stdin and a writer for the event objects written on stdout.
 *
 * Implements the subset of RFC 8259 the command protocol uses: one object per
 * line whose members are strings, numbers, true, false or null. Nested objects
 * and arrays are rejected with a reason, never crash the reader.
 */
#ifndef FE_JSON_H
#define FE_JSON_H

#include <stddef.h>
#include <stdint.h>

#define FJ_MAX_FIELDS 40
#define FJ_MAX_KEY 32
#define FJ_MAX_STR 1024

typedef enum { FJ_STR = 1, FJ_NUM, FJ_BOOL, FJ_NULL } fj_type;

typedef struct {
	char key[FJ_MAX_KEY];
	fj_type type;
	char str[FJ_MAX_STR];
	double num;
	int boolean;
} fj_field;

typedef struct {
	int n;
	fj_field f[FJ_MAX_FIELDS];
} fj_obj;

/* Parse one line holding one object. Returns 0, or -1 with a reason in err. */
int fj_parse(const char *line, fj_obj *o, char *err, size_t errlen);

const fj_field *fj_get(const fj_obj *o, const char *key);

/*
 * Typed getters. Each returns 1 when the member is present with the right type
 * (stored in *out), 0 when absent, -1 when present with another type or, for
 * integers, a value that is not integral or outside [min, max].
 */
int fj_get_str(const fj_obj *o, const char *key, const char **out);
int fj_get_int(const fj_obj *o, const char *key, long min, long max, long *out);
int fj_get_num(const fj_obj *o, const char *key, double *out);
int fj_get_bool(const fj_obj *o, const char *key, int *out);

/* Event writer: builds one object and writes it as one line on stdout. */
typedef struct {
	char buf[8192];
	size_t len;
	int overflow;
} fjw;

void fjw_begin(fjw *w, const char *ev);
void fjw_str(fjw *w, const char *key, const char *val);
void fjw_int(fjw *w, const char *key, long val);
void fjw_num(fjw *w, const char *key, double val, int decimals);
void fjw_bool(fjw *w, const char *key, int val);
void fjw_end(fjw *w);

/*
 * While deferral is on, finished lines are held back and written, in order,
 * by fjw_flush_deferred(). Used to keep a received message's line ahead of the
 * lines for what the stack sent in reaction to it.
 */
void fjw_defer(int on);
void fjw_flush_deferred(void);

/* Milliseconds on the monotonic clock. */
int64_t fe_now_ms(void);
/* Milliseconds since the program started (the "t" member of every event). */
void fe_clock_start(void);

#endif
