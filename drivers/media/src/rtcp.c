/*
 * rtcp.c - RTCP of RFC 3550: compound packets of SR or RR (§6.4.1, §6.4.2) with one report
 * block, SDES CNAME (§6.5.1) and BYE (§6.6); validity checks of Appendix A.2; round-trip time
 * from LSR/DLSR (§6.4.1); report interval (§6.2, §6.3.1).
 */
#include "internal.h"

#include <string.h>
#include <stdio.h>

#define RTCP_SR 200u
#define RTCP_RR 201u
#define RTCP_SDES 202u
#define RTCP_BYE 203u
#define NTP_UNIX_OFFSET 2208988800ull

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t) (v >> 8); p[1] = (uint8_t) v; }
static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t) (v >> 24); p[1] = (uint8_t) (v >> 16); p[2] = (uint8_t) (v >> 8); p[3] = (uint8_t) v; }
static uint32_t get32(const uint8_t *p) { return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3]; }

/* 64-bit NTP timestamp (§4) of a CLOCK_REALTIME instant. */
static uint64_t ntp_of(uint64_t rt_ns)
{
    uint64_t sec = rt_ns / 1000000000ull + NTP_UNIX_OFFSET;
    uint64_t frac = ((rt_ns % 1000000000ull) << 32) / 1000000000ull;
    return (sec << 32) | frac;
}

size_t sipt_rtcp_build(struct media_engine *e, struct stream *s, uint8_t *out, size_t cap, int bye)
{
    if (cap < 160u) return 0;
    uint8_t *p = out;
    int sr = s->sent_since_report;
    int rc = s->src.valid ? 1 : 0;
    size_t words = (sr ? 6u : 1u) + (rc ? 6u : 0u);
    p[0] = (uint8_t) (0x80u | (uint32_t) rc);
    p[1] = (uint8_t) (sr ? RTCP_SR : RTCP_RR);
    put16(p + 2, (uint32_t) words);
    put32(p + 4, s->ssrc);
    p += 8;
    if (sr) {
        /* §6.4.1: NTP and RTP timestamps of the same instant; sender's packet and octet counts. */
        uint64_t ntp = ntp_of(e->now_rt_ns);
        put32(p, (uint32_t) (ntp >> 32));
        put32(p + 4, (uint32_t) ntp);
        put32(p + 8, s->ts_clock);
        put32(p + 12, s->sr_packets);
        put32(p + 16, s->sr_octets);
        p += 20;
        s->sent_since_report = 0;
    }
    if (rc) {
        uint8_t fraction = sipt_src_fraction(&s->src);
        int32_t lost = sipt_src_lost(&s->src);
        put32(p, s->src.ssrc);
        put32(p + 4, ((uint32_t) fraction << 24) | ((uint32_t) lost & 0xFFFFFFu));
        put32(p + 8, sipt_src_extended_max(&s->src));
        put32(p + 12, s->src.jitter >> 4);
        put32(p + 16, s->lsr);
        uint32_t dlsr = 0;
        if (s->lsr != 0 && e->now_rt_ns > s->lsr_arrival_ns)
            dlsr = (uint32_t) (((e->now_rt_ns - s->lsr_arrival_ns) << 16) / 1000000000ull);
        put32(p + 20, dlsr);
        p += 24;
    }
    /* §6.5: SDES with one chunk carrying the CNAME item, ended by a null item and padded. */
    char cname[64];
    size_t clen = strnlen(s->cfg.cname, sizeof s->cfg.cname);
    if (clen == 0) clen = (size_t) snprintf(cname, sizeof cname, "sipt-media-%08x", s->ssrc);
    else memcpy(cname, s->cfg.cname, clen);
    size_t chunk = 4u + 2u + clen + 1u;
    size_t padded = (chunk + 3u) & ~(size_t) 3u;
    p[0] = 0x81;
    p[1] = (uint8_t) RTCP_SDES;
    put16(p + 2, (uint32_t) (padded / 4u));
    put32(p + 4, s->ssrc);
    p[8] = 1; /* CNAME */
    p[9] = (uint8_t) clen;
    memcpy(p + 10, cname, clen);
    memset(p + 10 + clen, 0, padded - chunk + 1u);
    p += 4u + padded;
    if (bye) {
        p[0] = 0x81;
        p[1] = (uint8_t) RTCP_BYE;
        put16(p + 2, 1);
        put32(p + 4, s->ssrc);
        p += 8;
    }
    return (size_t) (p - out);
}

static void report_block(struct media_engine *e, struct stream *s, const uint8_t *b, uint64_t arrival_rt_ns)
{
    (void) e;
    if (get32(b) != s->ssrc) return;
    uint32_t w = get32(b + 4);
    s->c[SC_remote_fraction_lost] = w >> 24;
    int32_t cum = (int32_t) (w << 8) >> 8;
    s->c[SC_remote_cumulative_lost] = (uint64_t) (int64_t) cum;
    s->c[SC_remote_jitter_us] = (uint64_t) get32(b + 12) * 1000000ull / SAMPLE_RATE_HZ;
    uint32_t lsr = get32(b + 16), dlsr = get32(b + 20);
    if (lsr != 0) {
        /* §6.4.1: RTT = A - LSR - DLSR in units of 1/65536 s. */
        uint32_t a = (uint32_t) (ntp_of(arrival_rt_ns) >> 16);
        uint32_t rtt = a - lsr - dlsr;
        if ((int32_t) rtt >= 0) s->c[SC_rtt_us] = ((uint64_t) rtt * 1000000ull) >> 16;
    }
}

void sipt_rtcp_parse(struct media_engine *e, struct stream *s, const uint8_t *p, size_t len,
                     uint64_t arrival_rt_ns)
{
    /* Appendix A.2: version 2, the first packet an SR or RR without padding, lengths adding up. */
    if (len < 8u || (p[0] >> 6) != 2u || (p[0] & 0x20u) != 0u || (p[1] != RTCP_SR && p[1] != RTCP_RR)) {
        s->c[SC_rtcp_bad]++;
        return;
    }
    size_t off = 0;
    while (off < len) {
        if (len - off < 4u || (p[off] >> 6) != 2u) { s->c[SC_rtcp_bad]++; return; }
        size_t plen = ((size_t) ((p[off + 2] << 8) | p[off + 3]) + 1u) * 4u;
        if (plen > len - off) { s->c[SC_rtcp_bad]++; return; }
        if ((p[off] & 0x20u) != 0u && off + plen != len) { s->c[SC_rtcp_bad]++; return; }
        const uint8_t *q = p + off;
        uint32_t count = q[0] & 0x1Fu;
        if (q[1] == RTCP_SR) {
            if (plen < 28u + 24u * count) { s->c[SC_rtcp_bad]++; return; }
            if (!s->src.valid || get32(q + 4) == s->src.ssrc) {
                s->lsr = (get32(q + 8) << 16) | (get32(q + 12) >> 16);
                s->lsr_arrival_ns = arrival_rt_ns;
            }
            for (uint32_t i = 0; i < count; i++) report_block(e, s, q + 28 + 24 * i, arrival_rt_ns);
        } else if (q[1] == RTCP_RR) {
            if (plen < 8u + 24u * count) { s->c[SC_rtcp_bad]++; return; }
            for (uint32_t i = 0; i < count; i++) report_block(e, s, q + 8 + 24 * i, arrival_rt_ns);
        } else if (q[1] == RTCP_BYE) {
            if (plen < 4u + 4u * count) { s->c[SC_rtcp_bad]++; return; }
            for (uint32_t i = 0; i < count; i++)
                if (s->src.valid && get32(q + 4 + 4 * i) == s->src.ssrc)
                    sipt_event(e, s->id, s->cfg.tdm_channel, SIPT_MEDIA_EV_RTCP_BYE, 0, 0);
        }
        off += plen;
    }
    s->c[SC_rtcp_rx]++;
    e->g[GC_rtcp_rx]++;
}

/* §6.3.1: the deterministic interval randomized over [0.5, 1.5] and divided by e - 3/2 to
 * compensate for timer reconsideration; the first report comes after half the minimum (§6.2). */
uint64_t sipt_rtcp_next_interval_ticks(struct media_engine *e, int initial)
{
    double t_ms = (double) e->cfg.rtcp_interval_ms;
    if (initial) t_ms /= 2.0;
    double u = (double) (sipt_rand(e) >> 11) / (double) (1ull << 53);
    double ms = t_ms * (0.5 + u) / 1.21828;
    double tick_ms = (double) e->block * 1000.0 / SAMPLE_RATE_HZ;
    uint64_t ticks = (uint64_t) (ms / tick_ms);
    return ticks == 0 ? 1 : ticks;
}
