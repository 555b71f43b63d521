/*
 * The far end's side of a span bearer (line-side contract, part 2): it answers
 * each block the card sends with exactly one block of the same shape, filling
 * each timeslot with idle code, a tone, DTMF, a file, or the samples it just
 * received (echo), and it watches each timeslot for tones and DTMF.
 *
 * Block: u32le sequence, u16le slot count N, u16le block bytes B, then N*B
 * octets, timeslot-major (slot i is timeslot i+1). Octets are G.711 (A-law on
 * E1, mu-law on T1 unless told otherwise). Idle code: 0xD5 A-law, 0xFF mu-law.
 *
 * Levels are in dBm0 as G.711 defines them: a full-scale sine is +3.14 dBm0
 * (the reference spandsp uses, DBM0_MAX_SINE_POWER).
 */
#ifndef FE_BEARER_H
#define FE_BEARER_H

#include <stddef.h>
#include <stdint.h>

#include <spandsp.h>

#include "fe_json.h"

#define FE_MAX_SLOTS 31
#define FE_MAX_BLOCK 1024
#define FE_MAX_DET 4
#define FE_WIN 160 /* detection window: 20 ms at 8000 samples/s */
#define FE_BEARER_HDR 8

typedef enum { FE_LAW_AUTO = 0, FE_LAW_ALAW, FE_LAW_ULAW } fe_law;
typedef enum { FE_SRC_IDLE = 0, FE_SRC_TONE, FE_SRC_DTMF, FE_SRC_FILE, FE_SRC_ECHO } fe_src;

typedef struct {
	int active;
	int freq;
	double min_dbm0;
	goertzel_descriptor_t desc;
	goertzel_state_t gs;
	int present;
	int hits;
	int misses;
	double level_sum; /* mean-square tone power summed over hit windows */
	int level_n;
	double zc_first;  /* positive-going zero crossings of the hit windows */
	double zc_last;
	long zc_count;
	int64_t onset_sample;
	int reported_hz;
} fe_detector;

typedef struct {
	fe_src src;
	tone_gen_descriptor_t *tone_desc;
	tone_gen_state_t *tone;
	long remaining;  /* samples left to play; -1: until stopped */
	dtmf_tx_state_t *dtmf_tx;
	int16_t *file;   /* linear samples */
	size_t file_len, file_pos;
	int file_loop;
	/* receive side */
	int16_t win[FE_WIN];
	int win_len;
	int64_t sample_count;
	int16_t prev;
	fe_detector det[FE_MAX_DET];
	dtmf_rx_state_t *dtmf_rx;
	int ts;
} fe_slot;

typedef struct {
	fe_law law_cfg;
	fe_law law;
	int dtmf_detect;
	int nslots, block;
	unsigned long blocks_rx, blocks_tx, malformed, seq_gaps;
	uint32_t last_seq;
	int have_seq;
	fe_slot slot[FE_MAX_SLOTS];
	uint8_t out[FE_BEARER_HDR + FE_MAX_SLOTS * FE_MAX_BLOCK];
} fe_bearer;

void fe_bearer_init(fe_bearer *b, fe_law law, int dtmf_detect);
void fe_bearer_free(fe_bearer *b);
/* Processes one received block. Returns the length of the answer in b->out, or -1 with a reason. */
int fe_bearer_block(fe_bearer *b, const uint8_t *in, size_t len, char *err, size_t errlen);

/* Timeslot commands; ts is 1..FE_MAX_SLOTS. Each returns 0 or -1 with a reason. */
int fe_bearer_tone(fe_bearer *b, int ts, int f1, int l1, int f2, int l2, int on_ms, int off_ms, long duration_ms,
		   char *err, size_t errlen);
int fe_bearer_dtmf(fe_bearer *b, int ts, const char *digits, int level, int on_ms, int off_ms, char *err, size_t errlen);
int fe_bearer_file(fe_bearer *b, int ts, const char *path, fe_law file_law, int loop, char *err, size_t errlen);
int fe_bearer_echo(fe_bearer *b, int ts, int on, char *err, size_t errlen);
int fe_bearer_stop(fe_bearer *b, int ts, char *err, size_t errlen);
int fe_bearer_detect(fe_bearer *b, int ts, int freq, int on, double min_dbm0, char *err, size_t errlen);
const char *fe_law_name(fe_law law);
/* "alaw" / "ulaw" / "auto" -> law, or -1. */
int fe_law_parse(const char *s);
/* Adds the counters to an event. */
void fe_bearer_put_stats(const fe_bearer *b, fjw *w);

#endif
