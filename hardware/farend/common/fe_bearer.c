/*
 * The far end's side of a span bearer (see fe_bearer.h).
 *
 * Tone detection: a Goertzel filter (spandsp) per requested frequency over
 * 20 ms windows. A window is a hit when the tone holds at least
 * FE_TONE_RATIO of the window's power and is at or above the requested
 * minimum level; two hits in a row report the tone, three misses in a row
 * end it. The frequency actually present is measured independently from the
 * interpolated positive-going zero crossings of the hit windows, so a tone
 * reported at 1004 Hz is known to be at 1004 Hz, not merely near the bin.
 * DTMF: spandsp's Q.24 DTMF receiver on every timeslot when enabled.
 */
#include "fe_bearer.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FE_TONE_RATIO 0.35   /* share of window power in the Goertzel bin */
#define FE_TONE_HITS 2       /* 40 ms to report a tone */
#define FE_TONE_MISSES 3     /* 60 ms to end it */
#define FE_MAX_FILE (16 * 1024 * 1024)
#define FULL_SCALE_MS (32768.0 * 32768.0 / 2.0) /* mean square of a full-scale sine */

static uint8_t idle_code(fe_law law)
{
	return law == FE_LAW_ULAW ? 0xFF : 0xD5;
}

static int16_t to_linear(fe_law law, uint8_t v)
{
	return law == FE_LAW_ULAW ? ulaw_to_linear(v) : alaw_to_linear(v);
}

static uint8_t from_linear(fe_law law, int16_t v)
{
	return law == FE_LAW_ULAW ? linear_to_ulaw(v) : linear_to_alaw(v);
}

const char *fe_law_name(fe_law law)
{
	switch (law) {
	case FE_LAW_ALAW: return "alaw";
	case FE_LAW_ULAW: return "ulaw";
	case FE_LAW_AUTO: return "auto";
	}
	return "?";
}

int fe_law_parse(const char *s)
{
	if (strcmp(s, "alaw") == 0)
		return FE_LAW_ALAW;
	if (strcmp(s, "ulaw") == 0)
		return FE_LAW_ULAW;
	if (strcmp(s, "auto") == 0)
		return FE_LAW_AUTO;
	return -1;
}

static double power_dbm0(double mean_square)
{
	if (mean_square <= 0)
		return -INFINITY;
	return 10.0 * log10(mean_square / FULL_SCALE_MS) + DBM0_MAX_SINE_POWER;
}

static void dtmf_digits(void *ud, const char *digits, int len)
{
	fe_slot *s = ud;
	int i;
	for (i = 0; i < len; i++) {
		char d[2] = { digits[i], '\0' };
		fjw w;
		fjw_begin(&w, "dtmf");
		fjw_int(&w, "ts", s->ts);
		fjw_str(&w, "digit", d);
		fjw_end(&w);
	}
}

void fe_bearer_init(fe_bearer *b, fe_law law, int dtmf_detect)
{
	int i;
	memset(b, 0, sizeof(*b));
	b->law_cfg = law;
	b->law = law;
	b->dtmf_detect = dtmf_detect;
	for (i = 0; i < FE_MAX_SLOTS; i++) {
		fe_slot *s = &b->slot[i];
		s->ts = i + 1;
		if (dtmf_detect)
			s->dtmf_rx = dtmf_rx_init(NULL, dtmf_digits, s);
	}
}

static void src_clear(fe_slot *s)
{
	if (s->tone)
		tone_gen_free(s->tone);
	if (s->tone_desc)
		tone_gen_descriptor_free(s->tone_desc);
	if (s->dtmf_tx)
		dtmf_tx_free(s->dtmf_tx);
	free(s->file);
	s->tone = NULL;
	s->tone_desc = NULL;
	s->dtmf_tx = NULL;
	s->file = NULL;
	s->file_len = s->file_pos = 0;
	s->src = FE_SRC_IDLE;
	s->remaining = -1;
}

void fe_bearer_free(fe_bearer *b)
{
	int i;
	for (i = 0; i < FE_MAX_SLOTS; i++) {
		src_clear(&b->slot[i]);
		if (b->slot[i].dtmf_rx)
			dtmf_rx_free(b->slot[i].dtmf_rx);
		b->slot[i].dtmf_rx = NULL;
	}
}

static const char *src_name(fe_src src)
{
	switch (src) {
	case FE_SRC_TONE: return "tone";
	case FE_SRC_DTMF: return "dtmf";
	case FE_SRC_FILE: return "file";
	case FE_SRC_ECHO: return "echo";
	case FE_SRC_IDLE: return "idle";
	}
	return "?";
}

static void play_done(fe_slot *s)
{
	fjw w;
	fjw_begin(&w, "play_done");
	fjw_int(&w, "ts", s->ts);
	fjw_str(&w, "what", src_name(s->src));
	fjw_end(&w);
	src_clear(s);
}

static void det_reset(fe_detector *d)
{
	d->present = 0;
	d->hits = 0;
	d->misses = 0;
	d->level_sum = 0;
	d->level_n = 0;
	d->zc_count = 0;
	d->zc_first = d->zc_last = 0;
	goertzel_reset(&d->gs);
}

static double det_hz(const fe_detector *d)
{
	if (d->zc_count < 2 || d->zc_last <= d->zc_first)
		return NAN;
	return (double)(d->zc_count - 1) * 8000.0 / (d->zc_last - d->zc_first);
}

static void window_done(fe_slot *s)
{
	double energy = 0, zc_first = 0, zc_last = 0;
	long zc_count = 0;
	int64_t base = s->sample_count - FE_WIN; /* absolute index of win[0] */
	int16_t prev = s->prev;
	int k, i;

	for (k = 0; k < FE_WIN; k++) {
		int16_t x = s->win[k];
		energy += (double)x * x;
		if (prev < 0 && x >= 0) {
			double t = (double)(base + k - 1) + (double)(-prev) / (double)(x - prev);
			if (zc_count == 0)
				zc_first = t;
			zc_last = t;
			zc_count++;
		}
		prev = x;
	}
	s->prev = prev;

	for (i = 0; i < FE_MAX_DET; i++) {
		fe_detector *d = &s->det[i];
		double g, p, ratio, dbm0;
		int hit;
		if (!d->active)
			continue;
		goertzel_update(&d->gs, s->win, FE_WIN);
		g = goertzel_result(&d->gs); /* also resets the filter */
		/* spandsp's result for a sine of mean square P is N^2 * 2P / 2 = N^2 * P. */
		p = g / ((double)FE_WIN * FE_WIN);
		ratio = energy > 0 ? p / (energy / FE_WIN) : 0;
		dbm0 = power_dbm0(p);
		hit = ratio >= FE_TONE_RATIO && dbm0 >= d->min_dbm0;
		if (hit) {
			if (d->hits == 0 && !d->present)
				d->onset_sample = base;
			d->hits++;
			d->misses = 0;
			d->level_sum += p;
			d->level_n++;
			if (zc_count > 0) {
				if (d->zc_count == 0)
					d->zc_first = zc_first;
				d->zc_last = zc_last;
				d->zc_count += zc_count;
			}
			if (!d->present && d->hits >= FE_TONE_HITS) {
				fjw w;
				double hz = det_hz(d);
				d->present = 1;
				fjw_begin(&w, "tone");
				fjw_int(&w, "ts", s->ts);
				fjw_int(&w, "freq", d->freq);
				fjw_num(&w, "dbm0", power_dbm0(d->level_sum / d->level_n), 1);
				fjw_num(&w, "hz", hz, 1);
				fjw_end(&w);
			}
		} else {
			d->misses++;
			if (!d->present) {
				det_reset(d);
			} else if (d->misses >= FE_TONE_MISSES) {
				fjw w;
				fjw_begin(&w, "tone_end");
				fjw_int(&w, "ts", s->ts);
				fjw_int(&w, "freq", d->freq);
				fjw_num(&w, "dbm0", power_dbm0(d->level_sum / d->level_n), 1);
				fjw_num(&w, "hz", det_hz(d), 1);
				/* Duration up to the first missed window. */
				fjw_int(&w, "ms", (long)((base - (int64_t)(FE_TONE_MISSES - 1) * FE_WIN - d->onset_sample) / 8));
				fjw_end(&w);
				det_reset(d);
			}
		}
	}
}

static int any_detector(const fe_slot *s)
{
	int i;
	for (i = 0; i < FE_MAX_DET; i++)
		if (s->det[i].active)
			return 1;
	return 0;
}

static void rx_slot(fe_bearer *b, fe_slot *s, const uint8_t *in, int n)
{
	int16_t lin[FE_MAX_BLOCK];
	int k;
	int det = any_detector(s);
	if (n <= 0)
		return;
	for (k = 0; k < n; k++)
		lin[k] = to_linear(b->law, in[k]);
	if (s->dtmf_rx)
		dtmf_rx(s->dtmf_rx, lin, n);
	if (!det) {
		s->sample_count += n;
		s->prev = lin[n - 1];
		return;
	}
	for (k = 0; k < n; k++) {
		s->win[s->win_len++] = lin[k];
		s->sample_count++;
		if (s->win_len == FE_WIN) {
			window_done(s);
			s->win_len = 0;
		}
	}
}

static void tx_slot(fe_bearer *b, fe_slot *s, const uint8_t *in, uint8_t *out, int n)
{
	int16_t lin[FE_MAX_BLOCK];
	int got = 0, k, want;

	switch (s->src) {
	case FE_SRC_IDLE:
		memset(out, idle_code(b->law), (size_t)n);
		return;
	case FE_SRC_ECHO:
		memcpy(out, in, (size_t)n);
		return;
	case FE_SRC_TONE:
		want = n;
		if (s->remaining >= 0 && s->remaining < want)
			want = (int)s->remaining;
		got = tone_gen(s->tone, lin, want);
		if (s->remaining >= 0)
			s->remaining -= got;
		break;
	case FE_SRC_DTMF:
		got = dtmf_tx(s->dtmf_tx, lin, n);
		break;
	case FE_SRC_FILE:
		while (got < n && s->file_pos < s->file_len) {
			lin[got++] = s->file[s->file_pos++];
			if (s->file_pos == s->file_len && s->file_loop)
				s->file_pos = 0;
		}
		break;
	}
	for (k = got; k < n; k++)
		lin[k] = 0;
	for (k = 0; k < n; k++)
		out[k] = from_linear(b->law, lin[k]);
	if ((s->src == FE_SRC_TONE && s->remaining == 0) || (s->src == FE_SRC_DTMF && got < n) ||
	    (s->src == FE_SRC_FILE && s->file_pos >= s->file_len))
		play_done(s);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

int fe_bearer_block(fe_bearer *b, const uint8_t *in, size_t len, char *err, size_t errlen)
{
	uint32_t seq;
	unsigned n, blk, i;

	if (len < FE_BEARER_HDR) {
		b->malformed++;
		snprintf(err, errlen, "bearer block of %zu bytes is shorter than its 8-byte header", len);
		return -1;
	}
	seq = rd32(in);
	n = rd16(in + 4);
	blk = rd16(in + 6);
	if (n == 0 || n > FE_MAX_SLOTS || blk == 0 || blk > FE_MAX_BLOCK) {
		b->malformed++;
		snprintf(err, errlen, "bearer block shape %u slots x %u bytes is outside 1..%d x 1..%d", n, blk,
			 FE_MAX_SLOTS, FE_MAX_BLOCK);
		return -1;
	}
	if (len != FE_BEARER_HDR + (size_t)n * blk) {
		b->malformed++;
		snprintf(err, errlen, "bearer block of %zu bytes does not hold %u slots x %u bytes", len, n, blk);
		return -1;
	}
	if (b->law == FE_LAW_AUTO)
		b->law = n == 24 ? FE_LAW_ULAW : FE_LAW_ALAW; /* T1 carries mu-law, E1 A-law */
	if (b->have_seq && seq != b->last_seq + 1)
		b->seq_gaps++;
	b->last_seq = seq;
	b->have_seq = 1;
	b->nslots = (int)n;
	b->block = (int)blk;
	b->blocks_rx++;
	memcpy(b->out, in, FE_BEARER_HDR);
	for (i = 0; i < n; i++) {
		const uint8_t *ip = in + FE_BEARER_HDR + (size_t)i * blk;
		uint8_t *op = b->out + FE_BEARER_HDR + (size_t)i * blk;
		rx_slot(b, &b->slot[i], ip, (int)blk);
		tx_slot(b, &b->slot[i], ip, op, (int)blk);
	}
	b->blocks_tx++;
	return (int)(FE_BEARER_HDR + (size_t)n * blk);
}

static fe_slot *slot_of(fe_bearer *b, int ts, char *err, size_t errlen)
{
	if (ts < 1 || ts > FE_MAX_SLOTS) {
		snprintf(err, errlen, "timeslot %d is outside 1..%d", ts, FE_MAX_SLOTS);
		return NULL;
	}
	return &b->slot[ts - 1];
}

int fe_bearer_tone(fe_bearer *b, int ts, int f1, int l1, int f2, int l2, int on_ms, int off_ms, long duration_ms,
		   char *err, size_t errlen)
{
	fe_slot *s = slot_of(b, ts, err, errlen);
	if (!s)
		return -1;
	if (f1 < 1 || f1 > 3999 || f2 < 0 || f2 > 3999) {
		snprintf(err, errlen, "tone frequencies must lie within 1..3999 Hz (Nyquist at 8000 samples/s)");
		return -1;
	}
	if (l1 < -60 || l1 > 3 || l2 < -60 || l2 > 3) {
		snprintf(err, errlen, "tone levels must lie within -60..3 dBm0");
		return -1;
	}
	if (on_ms < 0 || off_ms < 0 || (off_ms > 0 && on_ms == 0)) {
		snprintf(err, errlen, "a cadence needs on_ms > 0 when off_ms is given");
		return -1;
	}
	src_clear(s);
	if (on_ms == 0)
		s->tone_desc = tone_gen_descriptor_init(NULL, f1, l1, f2, f2 ? l2 : 0, 1000, 0, 0, 0, 1);
	else
		s->tone_desc = tone_gen_descriptor_init(NULL, f1, l1, f2, f2 ? l2 : 0, on_ms, off_ms, 0, 0, 1);
	if (!s->tone_desc || !(s->tone = tone_gen_init(NULL, s->tone_desc))) {
		src_clear(s);
		snprintf(err, errlen, "spandsp could not set up the tone generator");
		return -1;
	}
	s->src = FE_SRC_TONE;
	s->remaining = duration_ms > 0 ? duration_ms * 8 : -1;
	return 0;
}

int fe_bearer_dtmf(fe_bearer *b, int ts, const char *digits, int level, int on_ms, int off_ms, char *err, size_t errlen)
{
	fe_slot *s = slot_of(b, ts, err, errlen);
	size_t i;
	if (!s)
		return -1;
	if (!*digits || strlen(digits) > 128) {
		snprintf(err, errlen, "DTMF digits must be 1 to 128 characters");
		return -1;
	}
	for (i = 0; digits[i]; i++)
		if (!strchr("0123456789*#ABCD", digits[i])) {
			snprintf(err, errlen, "'%c' is not a DTMF digit (0-9 * # A-D)", digits[i]);
			return -1;
		}
	if (level < -60 || level > 0) {
		snprintf(err, errlen, "DTMF level must lie within -60..0 dBm0");
		return -1;
	}
	if (on_ms < 40 || off_ms < 40 || on_ms > 2000 || off_ms > 2000) {
		snprintf(err, errlen, "DTMF on_ms and off_ms must lie within 40..2000 ms (Q.24 minimum 40 ms)");
		return -1;
	}
	src_clear(s);
	s->dtmf_tx = dtmf_tx_init(NULL);
	if (!s->dtmf_tx) {
		snprintf(err, errlen, "spandsp could not set up the DTMF generator");
		return -1;
	}
	dtmf_tx_set_level(s->dtmf_tx, level, 0);
	dtmf_tx_set_timing(s->dtmf_tx, on_ms, off_ms);
	dtmf_tx_put(s->dtmf_tx, digits, -1);
	s->src = FE_SRC_DTMF;
	return 0;
}

int fe_bearer_file(fe_bearer *b, int ts, const char *path, fe_law file_law, int loop, char *err, size_t errlen)
{
	fe_slot *s = slot_of(b, ts, err, errlen);
	FILE *f;
	uint8_t *raw;
	int16_t *lin;
	size_t n, k;
	fe_law law;
	if (!s)
		return -1;
	law = file_law != FE_LAW_AUTO ? file_law : b->law;
	if (law == FE_LAW_AUTO) {
		snprintf(err, errlen, "the file's law is not given and the line's is not known yet: say \"law\"");
		return -1;
	}
	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	raw = malloc(FE_MAX_FILE + 1);
	if (!raw) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = fread(raw, 1, FE_MAX_FILE + 1, f);
	fclose(f);
	if (n == 0 || n > FE_MAX_FILE) {
		free(raw);
		snprintf(err, errlen, "%s must hold 1 to %d bytes of G.711", path, FE_MAX_FILE);
		return -1;
	}
	lin = malloc(n * sizeof(*lin));
	if (!lin) {
		free(raw);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (k = 0; k < n; k++)
		lin[k] = to_linear(law, raw[k]);
	free(raw);
	src_clear(s);
	s->file = lin;
	s->file_len = n;
	s->file_pos = 0;
	s->file_loop = loop;
	s->src = FE_SRC_FILE;
	return 0;
}

int fe_bearer_echo(fe_bearer *b, int ts, int on, char *err, size_t errlen)
{
	fe_slot *s = slot_of(b, ts, err, errlen);
	if (!s)
		return -1;
	src_clear(s);
	if (on)
		s->src = FE_SRC_ECHO;
	return 0;
}

int fe_bearer_stop(fe_bearer *b, int ts, char *err, size_t errlen)
{
	fe_slot *s = slot_of(b, ts, err, errlen);
	if (!s)
		return -1;
	src_clear(s);
	return 0;
}

int fe_bearer_detect(fe_bearer *b, int ts, int freq, int on, double min_dbm0, char *err, size_t errlen)
{
	fe_slot *s = slot_of(b, ts, err, errlen);
	int i, free_i = -1;
	if (!s)
		return -1;
	if (freq < 1 || freq > 3999) {
		snprintf(err, errlen, "detection frequency must lie within 1..3999 Hz");
		return -1;
	}
	for (i = 0; i < FE_MAX_DET; i++) {
		if (s->det[i].active && s->det[i].freq == freq) {
			if (!on)
				s->det[i].active = 0;
			else
				s->det[i].min_dbm0 = min_dbm0;
			return 0;
		}
		if (!s->det[i].active && free_i < 0)
			free_i = i;
	}
	if (!on)
		return 0;
	if (free_i < 0) {
		snprintf(err, errlen, "timeslot %d already watches %d frequencies", ts, FE_MAX_DET);
		return -1;
	}
	if (!any_detector(s))
		s->win_len = 0;
	{
		fe_detector *d = &s->det[free_i];
		memset(d, 0, sizeof(*d));
		d->active = 1;
		d->freq = freq;
		d->min_dbm0 = min_dbm0;
		make_goertzel_descriptor(&d->desc, (float)freq, FE_WIN);
		goertzel_init(&d->gs, &d->desc);
	}
	return 0;
}

void fe_bearer_put_stats(const fe_bearer *b, fjw *w)
{
	fjw_int(w, "blocks_rx", (long)b->blocks_rx);
	fjw_int(w, "blocks_tx", (long)b->blocks_tx);
	fjw_int(w, "malformed", (long)b->malformed);
	fjw_int(w, "seq_gaps", (long)b->seq_gaps);
	fjw_str(w, "law", fe_law_name(b->law));
	if (b->nslots) {
		fjw_int(w, "slots", b->nslots);
		fjw_int(w, "block", b->block);
	}
}
