/*
 * jbuf.c - adaptive jitter buffer with packet loss concealment.
 *
 * Samples are stored by RTP timestamp (RFC 3550 §5.1) in a 512 ms ring, already in the TDM law
 * of the channel, with one validity bit per sample, so packets of any ptime and any order fill
 * it and a block of any size is read out. The playout point trails the newest data by
 * (block + margin); the margin adapts:
 *   - a packet arriving after its samples were played grows the margin by its lateness (rounded
 *     up to 10 ms) at once, the growth being played as concealment;
 *   - every 2 s the margin aimed at is re-evaluated from the RFC 3550 A.8 jitter estimate
 *     (3 J, within the stream's bounds) and, when the smallest margin seen over the window
 *     exceeds it by 10 ms or more, whole 10 ms steps are discarded (at most 40 ms per window);
 *   - after 200 ms without data the buffer goes idle and the next packet restarts it (remote
 *     hold, silence suppression, remote restart); a marker bit on an empty buffer does the same
 *     (start of a talkspurt, RFC 3551 §4.1).
 * Missing samples are concealed with spandsp's PLC (plc_fillin), primed with the last samples
 * played; the first good samples after a gap pass through plc_rx to be blended. Good samples
 * are otherwise copied byte for byte, so the path is bit-exact when the laws agree.
 */
#include "internal.h"

#include <string.h>

#define WINDOW_MS 2000u
#define IDLE_SAMPLES 1600u           /* 200 ms without data: idle */
#define PLC_AUDIBLE 400u             /* spandsp's PLC has faded out after ~50 ms */

static void bits_apply(uint64_t *v, uint32_t start, uint32_t n, int set)
{
    start &= JB_MASK;
    while (n > 0) {
        uint32_t w = start >> 6, b = start & 63u, k = 64u - b;
        if (k > n) k = n;
        uint64_t m = (k == 64u ? ~0ull : ((1ull << k) - 1ull)) << b;
        if (set) v[w] |= m; else v[w] &= ~m;
        n -= k;
        start = (start + k) & JB_MASK;
    }
}

static int bits_all(const uint64_t *v, uint32_t start, uint32_t n)
{
    start &= JB_MASK;
    while (n > 0) {
        uint32_t w = start >> 6, b = start & 63u, k = 64u - b;
        if (k > n) k = n;
        uint64_t m = (k == 64u ? ~0ull : ((1ull << k) - 1ull)) << b;
        if ((v[w] & m) != m) return 0;
        n -= k;
        start = (start + k) & JB_MASK;
    }
    return 1;
}

static inline int bit(const uint64_t *v, uint32_t i) { i &= JB_MASK; return (int) ((v[i >> 6] >> (i & 63u)) & 1u); }

static uint32_t clamp_target(const struct stream *s, uint32_t t)
{
    uint32_t lo = (uint32_t) s->cfg.jb_min_ms * 8u, hi = (uint32_t) s->cfg.jb_max_ms * 8u;
    if (t < lo) t = lo;
    if (t > hi) t = hi;
    return t;
}

void sipt_jb_reset(struct stream *s)
{
    struct jbuf *jb = &s->jb;
    memset(jb->valid, 0, sizeof jb->valid);
    jb->started = 0;
    jb->idle = 0;
    jb->played_audio = 0;
    jb->insert_pending = 0;
    jb->late_run = jb->early_run = 0;
    jb->missing_run = 0;
    jb->window_ticks = 0;
    jb->min_before_read = UINT32_MAX;
    jb->target = clamp_target(s, jb->target);
    s->plc_active = 0;
}

/* Called when the stream's bounds change. */
void sipt_jb_retarget(struct stream *s) { s->jb.target = clamp_target(s, s->jb.target); }

static void restart(struct stream *s, uint32_t ts, uint32_t n, uint32_t block)
{
    struct jbuf *jb = &s->jb;
    if (jb->started) s->c[SC_jb_resyncs]++;
    memset(jb->valid, 0, sizeof jb->valid);
    jb->play_ts = ts + n - block - jb->target;
    jb->high_ts = ts;
    jb->started = 1;
    jb->idle = 0;
    jb->insert_pending = 0;
    jb->late_run = jb->early_run = 0;
    jb->window_ticks = 0;
    jb->min_before_read = UINT32_MAX;
}

void sipt_jb_put(struct stream *s, uint32_t ts, const uint8_t *payload, uint32_t n, int marker)
{
    struct jbuf *jb = &s->jb;
    if (n == 0) return;
    if (!jb->started || jb->idle || (marker && (int32_t) (jb->high_ts - jb->play_ts) <= 0))
        restart(s, ts, n, s->jb_block);
    int32_t d = (int32_t) (ts - jb->play_ts);
    if (d < 0) {
        if ((int64_t) d + (int64_t) n <= 0) {
            s->c[SC_rx_late]++;
            jb->late_run++;
            uint32_t lateness = (uint32_t) -d;
            if (lateness >= JB_SIZE || jb->late_run >= 4u) {
                restart(s, ts, n, s->jb_block);
                d = (int32_t) (ts - jb->play_ts);
            } else {
                uint32_t grow = (lateness + JB_STEP - 1u) / JB_STEP * JB_STEP;
                uint32_t hi = (uint32_t) s->cfg.jb_max_ms * 8u;
                if (jb->target + grow > hi) grow = hi > jb->target ? hi - jb->target : 0u;
                if (grow > 0u) {
                    jb->target += grow;
                    jb->insert_pending += grow;
                    s->c[SC_jb_grow]++;
                }
                return;
            }
        } else {
            /* the head of the packet is late: keep the rest */
            uint32_t skip = (uint32_t) -d;
            payload += skip;
            n -= skip;
            ts += skip;
            d = 0;
            s->c[SC_rx_late]++;
        }
    }
    if ((uint32_t) d + n > JB_SIZE - MAX_BLOCK * 2u) {
        s->c[SC_rx_early]++;
        if (++jb->early_run < 3u && !marker) return;
        restart(s, ts, n, s->jb_block);
        d = (int32_t) (ts - jb->play_ts);
    }
    jb->late_run = 0;
    jb->early_run = 0;
    uint32_t idx = ts & JB_MASK;
    if (bits_all(jb->valid, idx, n)) {
        s->c[SC_rx_duplicate]++;
        return;
    }
    uint32_t first = JB_SIZE - idx < n ? JB_SIZE - idx : n;
    if (s->to_tdm != NULL) {
        for (uint32_t i = 0; i < first; i++) jb->data[idx + i] = s->to_tdm[payload[i]];
        for (uint32_t i = first; i < n; i++) jb->data[i - first] = s->to_tdm[payload[i]];
    } else {
        memcpy(jb->data + idx, payload, first);
        memcpy(jb->data, payload + first, n - first);
    }
    bits_apply(jb->valid, idx, n, 1);
    if ((int32_t) (ts + n - jb->high_ts) > 0) jb->high_ts = ts + n;
}

/* Concealment of k samples into out (TDM law). */
static void conceal(struct stream *s, uint8_t *out, uint32_t k)
{
    struct jbuf *jb = &s->jb;
    uint8_t law = s->chan->law;
    if (!jb->played_audio || jb->missing_run >= PLC_AUDIBLE * 4u) {
        memset(out, s->chan->idle, k);
        jb->missing_run += k;
        return;
    }
    int16_t lin[MAX_BLOCK];
    if (!s->plc_active) {
        int16_t h[HIST_LEN];
        plc_init(&s->plc);
        for (uint32_t i = 0; i < HIST_LEN; i++) h[i] = sipt_to_lin(law, s->hist[i]);
        plc_rx(&s->plc, h, (int) HIST_LEN);
        s->plc_active = 1;
    }
    plc_fillin(&s->plc, lin, (int) k);
    for (uint32_t i = 0; i < k; i++) out[i] = sipt_from_lin(law, lin[i]);
    if (jb->missing_run < PLC_AUDIBLE) {
        uint32_t audible = PLC_AUDIBLE - jb->missing_run;
        s->c[SC_plc_samples] += k < audible ? k : audible;
    }
    jb->missing_run += k;
}

/* Good samples after a gap: through plc_rx so that they are blended with the concealment. */
static void recover(struct stream *s, uint8_t *out, uint32_t k)
{
    uint8_t law = s->chan->law;
    int16_t lin[MAX_BLOCK];
    for (uint32_t i = 0; i < k; i++) lin[i] = sipt_to_lin(law, out[i]);
    plc_rx(&s->plc, lin, (int) k);
    for (uint32_t i = 0; i < k; i++) out[i] = sipt_from_lin(law, lin[i]);
    s->plc_active = 0;
}

static void copy_out(const struct jbuf *jb, uint8_t *out, uint32_t idx, uint32_t k)
{
    uint32_t first = JB_SIZE - idx < k ? JB_SIZE - idx : k;
    memcpy(out, jb->data + idx, first);
    memcpy(out + first, jb->data, k - first);
}

static void adapt(struct stream *s, uint32_t n)
{
    struct jbuf *jb = &s->jb;
    int32_t depth = (int32_t) (jb->high_ts - jb->play_ts);
    uint32_t margin = depth > (int32_t) n ? (uint32_t) depth - n : 0u;
    if (margin < jb->min_before_read) jb->min_before_read = margin;
    uint32_t window = WINDOW_MS * 8u / n;
    if (++jb->window_ticks < window) return;
    uint32_t j3 = (s->src.jitter >> 4) * 3u;
    uint32_t lowered = jb->target > JB_STEP ? jb->target - JB_STEP : 0u;
    uint32_t t = clamp_target(s, j3 > lowered ? j3 : lowered);
    if (s->c[SC_rx_late] == jb->late_mark) jb->target = t; /* no late packet in this window */
    jb->late_mark = (uint32_t) s->c[SC_rx_late];
    if (jb->min_before_read != UINT32_MAX && jb->min_before_read >= jb->target + JB_STEP) {
        uint32_t cut = (jb->min_before_read - jb->target) / JB_STEP * JB_STEP;
        if (cut > 4u * JB_STEP) cut = 4u * JB_STEP;
        bits_apply(jb->valid, jb->play_ts, cut, 0);
        jb->play_ts += cut;
        s->c[SC_jb_shrink]++;
    }
    jb->window_ticks = 0;
    jb->min_before_read = UINT32_MAX;
}

void sipt_jb_read(struct stream *s, uint8_t *out, uint32_t n)
{
    struct jbuf *jb = &s->jb;
    if (!jb->started || jb->idle) {
        memset(out, s->chan->idle, n);
        return;
    }
    adapt(s, n);
    uint32_t pos = 0;
    if (jb->insert_pending > 0u) {
        uint32_t k = jb->insert_pending < n ? jb->insert_pending : n;
        conceal(s, out, k);
        jb->insert_pending -= k;
        pos = k;
    }
    uint32_t m = n - pos;
    uint32_t idx = jb->play_ts & JB_MASK;
    if (m > 0u && bits_all(jb->valid, idx, m)) {
        copy_out(jb, out + pos, idx, m);
        if (s->plc_active) recover(s, out + pos, m);
        jb->missing_run = 0;
        jb->played_audio = 1;
    } else {
        uint32_t i = 0;
        while (i < m) {
            int v = bit(jb->valid, idx + i);
            uint32_t j = i + 1u;
            while (j < m && bit(jb->valid, idx + j) == v) j++;
            if (v) {
                copy_out(jb, out + pos + i, (idx + i) & JB_MASK, j - i);
                if (s->plc_active) recover(s, out + pos + i, j - i);
                jb->missing_run = 0;
                jb->played_audio = 1;
            } else {
                conceal(s, out + pos + i, j - i);
            }
            i = j;
        }
    }
    bits_apply(jb->valid, idx, m, 0);
    jb->play_ts += m;
    if (n >= HIST_LEN) {
        memcpy(s->hist, out + n - HIST_LEN, HIST_LEN);
    } else {
        memmove(s->hist, s->hist + n, HIST_LEN - n);
        memcpy(s->hist + HIST_LEN - n, out, n);
    }
    if (jb->missing_run >= IDLE_SAMPLES && (int32_t) (jb->high_ts - jb->play_ts) <= 0) jb->idle = 1;
    int32_t depth = (int32_t) (jb->high_ts - jb->play_ts);
    s->c[SC_jb_depth_ms] = depth > 0 ? (uint64_t) depth / 8u : 0u;
    s->c[SC_jb_target_ms] = jb->target / 8u;
}
