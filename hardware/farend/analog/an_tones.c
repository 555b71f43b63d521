/*
 * Country profiles, call progress tone generator and detector (see an_tones.h).
 *
 * Profiles. Tone frequencies and cadences are the national values:
 *   etsi  ITU-T E.180 §2 gives the ranges (ringing tone 0.67-1.5 s on, 3-5 s
 *         off; busy tone period 0.3-1.1 s, on about equal to off; congestion
 *         faster than busy); ETSI TR 101 041-1 recommends the harmonised
 *         European values used here: 425 Hz, dial continuous, ringing 1 s on
 *         4 s off, busy 0.5/0.5 s, congestion 0.25/0.25 s. Power ringing
 *         1 s / 4 s. Register recall: timed break of 100 ms (ETSI ES 201 187).
 *         Decadic dialling at 10 pulses/s, 60 ms break / 40 ms make.
 *   us    Telcordia GR-506-CORE precise tone plan: dial 350+440 Hz
 *         continuous, audible ringing 440+480 Hz 2 s / 4 s, busy 480+620 Hz
 *         0.5/0.5 s, reorder 480+620 Hz 0.25/0.25 s; power ringing 2 s / 4 s;
 *         flash 600 ms (within the 300-1100 ms a switch accepts); 10 pulses/s,
 *         60/40 ms.
 *   uk    BT SIN 350: dial 350+440 Hz continuous, ringing tone 400+450 Hz
 *         0.4/0.2/0.4/2.0 s, busy 400 Hz 0.375/0.375 s, congestion
 *         ("equipment engaged") 400 Hz 0.4/0.35/0.225/0.525 s; power ringing
 *         0.4/0.2/0.4/2.0 s; timed break recall 100 ms; 10 pulses/s, 67/33 ms.
 * Deviation: the send levels (-10 dBm0 per component for 425 Hz / 400 Hz
 * tones, -13 dBm0 for dial tone and -19 / -24 dBm0 for the US ringing and
 * busy tones) are nominal values within the national ranges; level
 * tolerances are not modelled.
 *
 * Detector. Every 20 ms window is classified: the Goertzel power (spandsp)
 * of each profile frequency is taken as a share of the window's power; a
 * frequency set (a tone's f1, or f1+f2) is present when each of its
 * components holds at least 15 % of the power at or above min_dbm0 and the
 * set together at least 70 %; the set with the largest share wins. A run of
 * windows of one kind is a segment; a change needs two windows (one window
 * of hysteresis), dated back to the first. A cadenced tone is recognised
 * when its last `confirm` segments match its cadence (any even rotation)
 * within 20 % + 45 ms, the newest segment (an off period still running)
 * having lasted at least its lower bound; a continuous tone when its set
 * has been present longer than any cadenced tone of the same set could last.
 * `confirm` is 2 (one cycle) unless one cycle cannot tell two tones of the
 * same set apart (UK busy and congestion): then 4.
 */
#include "an_tones.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fe_json.h"

#define SAMPLES_PER_MS 8
#define TOL_REL 0.20
#define TOL_ABS_MS 45
#define COMPONENT_SHARE 0.15
#define SET_SHARE 0.70
#define FULL_SCALE_MS (32768.0 * 32768.0 / 2.0) /* mean square of a full-scale sine */

static const an_profile profiles[] = {
	{
		.name = "etsi",
		.ref = "ITU-T E.180 / ETSI TR 101 041-1",
		.tone = {
			[AN_DIAL] = { 425, 0, -10, 0, { 0 }, 0, 0 },
			[AN_RINGBACK] = { 425, 0, -10, 0, { 1000, 4000 }, 2, 2 },
			[AN_BUSY] = { 425, 0, -10, 0, { 500, 500 }, 2, 2 },
			[AN_CONGESTION] = { 425, 0, -10, 0, { 250, 250 }, 2, 2 },
		},
		.ring_cad = { 1000, 4000 },
		.nring = 2,
		.flash_ms = 100,
		.pulse_break_ms = 60,
		.pulse_make_ms = 40,
		.interdigit_ms = 800,
	},
	{
		.name = "us",
		.ref = "Telcordia GR-506-CORE",
		.tone = {
			[AN_DIAL] = { 350, 440, -13, -13, { 0 }, 0, 0 },
			[AN_RINGBACK] = { 440, 480, -19, -19, { 2000, 4000 }, 2, 2 },
			[AN_BUSY] = { 480, 620, -24, -24, { 500, 500 }, 2, 2 },
			[AN_CONGESTION] = { 480, 620, -24, -24, { 250, 250 }, 2, 2 },
		},
		.ring_cad = { 2000, 4000 },
		.nring = 2,
		.flash_ms = 600,
		.pulse_break_ms = 60,
		.pulse_make_ms = 40,
		.interdigit_ms = 700,
	},
	{
		.name = "uk",
		.ref = "BT SIN 350",
		.tone = {
			[AN_DIAL] = { 350, 440, -13, -13, { 0 }, 0, 0 },
			[AN_RINGBACK] = { 400, 450, -13, -13, { 400, 200, 400, 2000 }, 4, 4 },
			[AN_BUSY] = { 400, 0, -10, 0, { 375, 375 }, 2, 4 },
			[AN_CONGESTION] = { 400, 0, -10, 0, { 400, 350, 225, 525 }, 4, 4 },
		},
		.ring_cad = { 400, 200, 400, 2000 },
		.nring = 4,
		.flash_ms = 100,
		.pulse_break_ms = 67,
		.pulse_make_ms = 33,
		.interdigit_ms = 800,
	},
};

static const char *const tone_names[AN_NTONES] = { "dial", "ringback", "busy", "congestion" };

const an_profile *an_profile_find(const char *name)
{
	size_t i;
	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	return NULL;
}

const char *an_profile_names(void)
{
	return "etsi, us, uk";
}

const char *an_tone_name(an_tone_id id)
{
	return id < AN_NTONES ? tone_names[id] : "?";
}

int an_tone_parse(const char *name)
{
	int i;
	for (i = 0; i < AN_NTONES; i++)
		if (strcmp(tone_names[i], name) == 0)
			return i;
	return -1;
}

/* ---------------------------------------------------------------- generator */

void an_tone_gen_stop(an_tone_gen *g)
{
	if (g->gen)
		tone_gen_free(g->gen);
	if (g->desc)
		tone_gen_descriptor_free(g->desc);
	g->gen = NULL;
	g->desc = NULL;
}

int an_tone_gen_start(an_tone_gen *g, const an_profile *p, an_tone_id id)
{
	const an_tone *t = &p->tone[id];
	an_tone_gen_stop(g);
	g->id = id;
	if (t->ncad == 0)
		g->desc = tone_gen_descriptor_init(NULL, t->f1, t->l1, t->f2, t->f2 ? t->l2 : 0, 1000, 0, 0, 0, 1);
	else
		g->desc = tone_gen_descriptor_init(NULL, t->f1, t->l1, t->f2, t->f2 ? t->l2 : 0, t->cad[0], t->cad[1],
						   t->ncad == 4 ? t->cad[2] : 0, t->ncad == 4 ? t->cad[3] : 0, 1);
	if (!g->desc || !(g->gen = tone_gen_init(NULL, g->desc))) {
		an_tone_gen_stop(g);
		return -1;
	}
	return 0;
}

void an_tone_gen_fill(an_tone_gen *g, int16_t *out, int n)
{
	int got = g->gen ? tone_gen(g->gen, out, n) : 0;
	int k;
	for (k = got; k < n; k++)
		out[k] = 0;
}

/* ---------------------------------------------------------------- detector */

static int add_freq(an_tone_det *d, int f)
{
	int i;
	for (i = 0; i < d->nfreq; i++)
		if (d->freq[i] == f)
			return i;
	if (d->nfreq == AN_DET_FREQS)
		return -1; /* the profile table holds fewer: a bug if reached */
	d->freq[d->nfreq] = f;
	make_goertzel_descriptor(&d->desc[d->nfreq], (float)f, AN_DET_WIN);
	goertzel_init(&d->gs[d->nfreq], &d->desc[d->nfreq]);
	return d->nfreq++;
}

static int hi_ms(int nominal)
{
	return (int)(nominal * (1.0 + TOL_REL)) + TOL_ABS_MS;
}

static int lo_ms(int nominal)
{
	return (int)(nominal * (1.0 - TOL_REL)) - TOL_ABS_MS;
}

void an_tone_det_reset(an_tone_det *d)
{
	int i;
	d->win_len = 0;
	d->samples = 0;
	d->cur.kind = -1;
	d->cur.start = 0;
	d->cur.end = 0;
	d->cand_kind = -1;
	d->cand_count = 0;
	d->cand_start = 0;
	d->nhist = 0;
	d->heard = -1;
	d->heard_since = 0;
	d->heard_last_on = 0;
	for (i = 0; i < d->nfreq; i++)
		goertzel_reset(&d->gs[i]);
}

void an_tone_det_init(an_tone_det *d, const an_profile *p, double min_dbm0)
{
	int t, u, s;
	memset(d, 0, sizeof(*d));
	d->p = p;
	d->min_dbm0 = min_dbm0;
	for (t = 0; t < AN_NTONES; t++) {
		const an_tone *tone = &p->tone[t];
		add_freq(d, tone->f1);
		if (tone->f2)
			add_freq(d, tone->f2);
		for (s = 0; s < d->nsets; s++)
			if (d->set_f1[s] == tone->f1 && d->set_f2[s] == tone->f2)
				break;
		if (s == d->nsets) {
			d->set_f1[s] = tone->f1;
			d->set_f2[s] = tone->f2;
			d->nsets++;
		}
		d->set_of[t] = s;
	}
	for (t = 0; t < AN_NTONES; t++) {
		int longest = 300;
		if (p->tone[t].ncad)
			continue;
		for (u = 0; u < AN_NTONES; u++) {
			int k;
			if (u == t || d->set_of[u] != d->set_of[t])
				continue;
			for (k = 0; k < p->tone[u].ncad; k += 2)
				if (hi_ms(p->tone[u].cad[k]) + 100 > longest)
					longest = hi_ms(p->tone[u].cad[k]) + 100;
		}
		d->continuous_ms[t] = longest;
	}
	an_tone_det_reset(d);
}

static int freq_index(const an_tone_det *d, int f)
{
	int i;
	for (i = 0; i < d->nfreq; i++)
		if (d->freq[i] == f)
			return i;
	return -1;
}

/* The frequency set present in the window just filled, or -1. */
static int classify(an_tone_det *d)
{
	double energy = 0, p[AN_DET_FREQS], best_share = 0;
	int i, s, best = -1;
	for (i = 0; i < AN_DET_WIN; i++)
		energy += (double)d->win[i] * d->win[i];
	for (i = 0; i < d->nfreq; i++) {
		goertzel_update(&d->gs[i], d->win, AN_DET_WIN);
		/* spandsp's result for a sine of mean square P is N^2 * P (also resets the filter) */
		p[i] = goertzel_result(&d->gs[i]) / ((double)AN_DET_WIN * AN_DET_WIN);
	}
	if (energy <= 0)
		return -1;
	energy /= AN_DET_WIN; /* mean square */
	for (s = 0; s < d->nsets; s++) {
		int fi[2] = { freq_index(d, d->set_f1[s]), d->set_f2[s] ? freq_index(d, d->set_f2[s]) : -1 };
		double share = 0;
		int k, ok = 1;
		for (k = 0; k < 2; k++) {
			double sh, dbm0;
			if (fi[k] < 0)
				continue;
			sh = p[fi[k]] / energy;
			dbm0 = p[fi[k]] > 0 ? 10.0 * log10(p[fi[k]] / FULL_SCALE_MS) + DBM0_MAX_SINE_POWER : -INFINITY;
			if (sh < COMPONENT_SHARE || dbm0 < d->min_dbm0)
				ok = 0;
			share += sh;
		}
		if (ok && share >= SET_SHARE && share > best_share) {
			best = s;
			best_share = share;
		}
	}
	return best;
}

static int ms_of(int64_t samples)
{
	return (int)(samples / SAMPLES_PER_MS);
}

static void put_tone(fjw *w, const an_tone_det *d, int t)
{
	fjw_str(w, "tone", an_tone_name((an_tone_id)t));
	fjw_int(w, "freq", d->p->tone[t].f1);
	if (d->p->tone[t].f2)
		fjw_int(w, "freq2", d->p->tone[t].f2);
}

static void heard_end(an_tone_det *d)
{
	fjw w;
	if (d->heard < 0)
		return;
	fjw_begin(&w, "cpt_end");
	put_tone(&w, d, d->heard);
	fjw_int(&w, "ms", ms_of(d->heard_last_on - d->heard_since));
	fjw_end(&w);
	d->heard = -1;
	/* what was heard is over: recognise the next tone from segments that follow */
	d->nhist = 0;
}

static void heard_start(an_tone_det *d, int t, int64_t since, const int *measured, int n)
{
	char cad[96];
	fjw w;
	heard_end(d);
	d->heard = t;
	d->heard_since = since;
	d->heard_last_on = d->samples;
	fjw_begin(&w, "cpt");
	put_tone(&w, d, t);
	if (n > 0) {
		an_format_cadence(measured, n, cad, sizeof(cad));
		fjw_str(&w, "cadence", cad);
	} else {
		fjw_int(&w, "on_ms", ms_of(d->samples - since));
	}
	fjw_end(&w);
}

/* Does the tail of the segment history (ending with the running segment) match tone t? */
static int match_cadenced(an_tone_det *d, int t, int *measured, int64_t *since)
{
	const an_tone *tone = &d->p->tone[t];
	int set = d->set_of[t], c = tone->confirm, rot, j;
	if (d->nhist < c - 1 || d->cur.kind == set)
		return 0;
	for (rot = 0; rot < tone->ncad; rot += 2) {
		int ok = 1;
		for (j = 0; j < c && ok; j++) {
			int nominal = tone->cad[(j + rot) % tone->ncad];
			int on = j % 2 == 0;
			const an_segment *sg = j < c - 1 ? &d->hist[d->nhist - (c - 1) + j] : &d->cur;
			int64_t end = j < c - 1 ? sg->end : d->samples;
			int ms = ms_of(end - sg->start);
			if (on != (sg->kind == set))
				ok = 0;
			else if (ms < lo_ms(nominal) || (j < c - 1 && ms > hi_ms(nominal)))
				ok = 0;
			measured[j] = ms;
		}
		if (ok) {
			*since = d->hist[d->nhist - (c - 1)].start;
			return 1;
		}
	}
	return 0;
}

static void evaluate(an_tone_det *d)
{
	int t;
	for (t = 0; t < AN_NTONES; t++) {
		const an_tone *tone = &d->p->tone[t];
		if (t == d->heard)
			continue;
		if (tone->ncad == 0) {
			if (d->cur.kind == d->set_of[t] && ms_of(d->samples - d->cur.start) >= d->continuous_ms[t]) {
				heard_start(d, t, d->cur.start, NULL, 0);
				return;
			}
		} else {
			int measured[4];
			int64_t since;
			if (match_cadenced(d, t, measured, &since)) {
				heard_start(d, t, since, measured, tone->confirm);
				return;
			}
		}
	}
	if (d->heard >= 0) {
		const an_tone *tone = &d->p->tone[d->heard];
		int longest_off = 0, k;
		if (d->cur.kind == d->set_of[d->heard]) {
			d->heard_last_on = d->samples;
			return;
		}
		for (k = 1; k < tone->ncad; k += 2)
			if (tone->cad[k] > longest_off)
				longest_off = tone->cad[k];
		if (ms_of(d->samples - d->heard_last_on) > (longest_off ? hi_ms(longest_off) : 0) + 100)
			heard_end(d);
	}
}

static void push_segment(an_tone_det *d, int64_t end)
{
	if (d->nhist == AN_DET_HIST) {
		memmove(d->hist, d->hist + 1, sizeof(d->hist[0]) * (AN_DET_HIST - 1));
		d->nhist--;
	}
	d->cur.end = end;
	d->hist[d->nhist++] = d->cur;
}

static void window_done(an_tone_det *d)
{
	int kind = classify(d);
	int64_t win_start = d->samples - AN_DET_WIN;
	if (kind == d->cur.kind) {
		d->cand_count = 0;
	} else if (d->cand_count > 0 && kind == d->cand_kind) {
		if (++d->cand_count >= 2) {
			if (d->heard >= 0 && d->cur.kind == d->set_of[d->heard])
				d->heard_last_on = d->cand_start;
			push_segment(d, d->cand_start);
			d->cur.kind = kind;
			d->cur.start = d->cand_start;
			d->cand_count = 0;
		}
	} else {
		d->cand_kind = kind;
		d->cand_start = win_start;
		d->cand_count = 1;
	}
	evaluate(d);
}

void an_tone_det_feed(an_tone_det *d, const int16_t *x, int n)
{
	int k;
	for (k = 0; k < n; k++) {
		d->win[d->win_len++] = x[k];
		d->samples++;
		if (d->win_len == AN_DET_WIN) {
			window_done(d);
			d->win_len = 0;
		}
	}
}

/* ---------------------------------------------------------------- cadences */

int an_parse_cadence(const char *s, int *out, int max)
{
	int n = 0;
	const char *p = s;
	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v < 50 || v > 10000 || n == max)
			return -1;
		out[n++] = (int)v;
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return -1;
		p = end;
	}
	if (n < 2 || n % 2)
		return -1;
	return n;
}

void an_format_cadence(const int *cad, int n, char *buf, int len)
{
	int i, used = 0;
	if (len > 0)
		buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, (size_t)(len - used), i ? ",%d" : "%d", cad[i]);
		if (w < 0)
			break;
		used += w;
	}
}
