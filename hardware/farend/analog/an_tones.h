/*
 * Country profiles for the analog far ends: call progress tones (frequencies,
 * levels, cadences), power-ringing cadence, register-recall (hook flash) and
 * decadic (pulse) dialling timing; a generator that plays a profile's tones
 * and a detector that recognises them on the received signal by frequency
 * and cadence.
 *
 * Sources (one per profile; the clauses are cited in an_tones.c):
 *   etsi  ETSI ES 201 970 (harmonised 425 Hz tones), ETSI TBR 21 / ES 201 187
 *         (register recall, decadic dialling)
 *   us    Telcordia GR-506-CORE (precise tone plan), ANSI T1.401
 *   uk    BT SIN 350 (tones and ringing cadence)
 *   ITU-T E.180 Supplement 2 lists the same national values.
 */
#ifndef AN_TONES_H
#define AN_TONES_H

#include <stdint.h>

#include <spandsp.h>

typedef enum { AN_DIAL = 0, AN_RINGBACK, AN_BUSY, AN_CONGESTION, AN_NTONES } an_tone_id;

/* A cadence: on/off durations in ms, starting with on; 0 entries = continuous. */
#define AN_MAX_CAD 8

typedef struct {
	int f1, f2;       /* Hz; f2 = 0 for a single frequency */
	int l1, l2;       /* dBm0 per component */
	int cad[4];       /* on, off[, on, off] in ms */
	int ncad;         /* 0 (continuous), 2 or 4 */
	int confirm;      /* segments that must match before the tone is recognised */
} an_tone;

typedef struct {
	const char *name;
	const char *ref;
	an_tone tone[AN_NTONES];
	int ring_cad[4]; /* power ringing on/off[/on/off] ms */
	int nring;
	int flash_ms;    /* register recall (timed break) */
	int pulse_break_ms, pulse_make_ms, interdigit_ms; /* decadic dialling, 10 pulses/s */
} an_profile;

const an_profile *an_profile_find(const char *name);
/* "etsi, us, uk": the names for usage text. */
const char *an_profile_names(void);
const char *an_tone_name(an_tone_id id);
/* Name -> id, or -1. */
int an_tone_parse(const char *name);

/* ---- generator: one profile tone, its cadence repeated until stopped. */
typedef struct {
	an_tone_id id;
	tone_gen_descriptor_t *desc; /* NULL while silent */
	tone_gen_state_t *gen;
} an_tone_gen;

/* Returns 0, or -1 when spandsp cannot allocate the generator. */
int an_tone_gen_start(an_tone_gen *g, const an_profile *p, an_tone_id id);
void an_tone_gen_stop(an_tone_gen *g);
/* n linear samples of the tone (silence during its off periods). */
void an_tone_gen_fill(an_tone_gen *g, int16_t *out, int n);

/* ---- detector */
#define AN_DET_WIN 160   /* 20 ms at 8000 samples/s */
#define AN_DET_FREQS 8
#define AN_DET_HIST 8

typedef struct {
	int kind;        /* index of the frequency set present, -1: none */
	int64_t start;   /* sample index where the segment began */
	int64_t end;     /* sample index where it ended (closed segments) */
} an_segment;

typedef struct {
	const an_profile *p;
	int nfreq;
	int freq[AN_DET_FREQS];
	goertzel_descriptor_t desc[AN_DET_FREQS];
	goertzel_state_t gs[AN_DET_FREQS];
	int set_of[AN_NTONES]; /* tone -> frequency set index (sets are the distinct f1/f2 pairs) */
	int nsets;
	int set_f1[AN_NTONES], set_f2[AN_NTONES];
	int continuous_ms[AN_NTONES]; /* on-time that tells a continuous tone from cadenced ones of its set */
	double min_dbm0;
	int16_t win[AN_DET_WIN];
	int win_len;
	int64_t samples;
	/* segment tracking with one-window hysteresis */
	an_segment cur;
	int cand_kind, cand_count;
	int64_t cand_start;
	an_segment hist[AN_DET_HIST]; /* closed segments, newest last */
	int nhist;
	/* the tone being heard */
	int heard;       /* an_tone_id, or -1 */
	int64_t heard_since;
	int64_t heard_last_on; /* end of its last on segment (or now while on) */
} an_tone_det;

void an_tone_det_init(an_tone_det *d, const an_profile *p, double min_dbm0);
void an_tone_det_reset(an_tone_det *d);
/* Feeds linear samples; reports "cpt" / "cpt_end" events on stdout. */
void an_tone_det_feed(an_tone_det *d, const int16_t *x, int n);

/* Parses "on,off[,on,off...]" (ms, 2..8 values, even count, each 50..10000). Returns the count or -1. */
int an_parse_cadence(const char *s, int *out, int max);
/* Writes a cadence as "on,off,...". */
void an_format_cadence(const int *cad, int n, char *buf, int len);

#endif
