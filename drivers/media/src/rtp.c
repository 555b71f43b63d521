/*
 * rtp.c - RTP receiver statistics of RFC 3550: sequence number validation (Appendix A.1),
 * packets expected and lost (A.3) and the interarrival jitter estimator (A.8).
 */
#include "internal.h"

#define RTP_SEQ_MOD (1u << 16)
#define MAX_DROPOUT 3000u
#define MAX_MISORDER 100u

/* RFC 3550 A.1 init_seq(). */
void sipt_src_init(struct rtp_source *s, uint32_t ssrc, uint16_t seq)
{
    s->ssrc = ssrc;
    s->base_seq = seq;
    s->max_seq = seq;
    s->bad_seq = RTP_SEQ_MOD + 1u;
    s->cycles = 0;
    s->received = 0;
    s->received_prior = 0;
    s->expected_prior = 0;
    s->have_transit = 0;
    s->jitter = 0;
    s->valid = 1;
}

/* RFC 3550 A.1 update_seq() without the probation step (the latching and SSRC-change probation
 * of the stream already validated the source). Returns 1 for a packet to use, 0 for one to drop
 * (duplicate or wildly out of range). Duplicates are counted by the caller from return code 2. */
int sipt_src_update_seq(struct rtp_source *s, uint16_t seq)
{
    uint16_t udelta = (uint16_t) (seq - s->max_seq);
    if (udelta == 0 && s->received > 0) return 2;
    if (udelta < MAX_DROPOUT) {
        /* in order, with permissible gap */
        if (seq < s->max_seq) s->cycles += RTP_SEQ_MOD; /* sequence number wrapped */
        s->max_seq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
        /* the sequence number made a very large jump */
        if (seq == s->bad_seq) {
            /* Two sequential packets: assume the other side restarted without telling us. */
            uint32_t ssrc = s->ssrc;
            sipt_src_init(s, ssrc, seq);
        } else {
            s->bad_seq = (seq + 1u) & (RTP_SEQ_MOD - 1u);
            return 0;
        }
    } else {
        /* duplicate or reordered packet */
    }
    s->received++;
    return 1;
}

/* RFC 3550 A.8: arrival and RTP timestamps in the same (8 kHz) units. */
void sipt_src_jitter(struct rtp_source *s, uint32_t arrival_ts, uint32_t rtp_ts)
{
    uint32_t transit = arrival_ts - rtp_ts;
    if (s->have_transit) {
        int32_t d = (int32_t) (transit - s->transit);
        if (d < 0) d = -d;
        s->jitter += (uint32_t) d - ((s->jitter + 8u) >> 4);
    }
    s->transit = transit;
    s->have_transit = 1;
}

uint32_t sipt_src_extended_max(const struct rtp_source *s) { return s->cycles + s->max_seq; }

/* RFC 3550 A.3: cumulative number of packets lost, clamped to the 24-bit signed field. */
int32_t sipt_src_lost(const struct rtp_source *s)
{
    if (!s->valid) return 0;
    int64_t expected = (int64_t) sipt_src_extended_max(s) - (int64_t) s->base_seq + 1;
    int64_t lost = expected - (int64_t) s->received;
    if (lost > 0x7FFFFF) lost = 0x7FFFFF;
    if (lost < -0x800000) lost = -0x800000;
    return (int32_t) lost;
}

/* RFC 3550 A.3: fraction lost since the previous report, as a fixed point number over 256. */
uint8_t sipt_src_fraction(struct rtp_source *s)
{
    if (!s->valid) return 0;
    uint32_t expected = sipt_src_extended_max(s) - s->base_seq + 1u;
    uint32_t expected_interval = expected - s->expected_prior;
    s->expected_prior = expected;
    uint32_t received_interval = s->received - s->received_prior;
    s->received_prior = s->received;
    int32_t lost_interval = (int32_t) (expected_interval - received_interval);
    if (expected_interval == 0 || lost_interval <= 0) return 0;
    return (uint8_t) (((uint32_t) lost_interval << 8) / expected_interval);
}
