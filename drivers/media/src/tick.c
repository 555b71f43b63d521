/*
 * tick.c - the per-block switching loop: receive all pending RTP/RTCP (recvmmsg), play the
 * jitter buffers into TDM, packetize TDM into RTP and send (sendmmsg), RTCP reports.
 *
 * RFC 3550 §5.1 (header), §5.3.1 (no header extension is produced; received ones are skipped),
 * Appendix A.1 (sequence validation); RFC 4961 symmetric RTP and latching with a hijack guard;
 * RFC 4733 §2.3 (event payload), §2.5.1 (sender), §2.5.2 (receiver); RFC 5761 §4 (rtcp-mux).
 * Nothing here allocates, frees, logs or blocks.
 */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <time.h>

static inline uint16_t get16(const uint8_t *p) { return (uint16_t) ((p[0] << 8) | p[1]); }
static inline uint32_t get32(const uint8_t *p) { return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3]; }
static inline void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t) (v >> 8); p[1] = (uint8_t) v; }
static inline void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t) (v >> 24); p[1] = (uint8_t) (v >> 16); p[2] = (uint8_t) (v >> 8); p[3] = (uint8_t) v; }

static uint64_t now_ns(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (uint64_t) t.tv_sec * 1000000000ull + (uint64_t) t.tv_nsec;
}

static inline int receiving(const struct stream *s) { return s->cfg.direction == SIPT_MEDIA_DIR_SENDRECV || s->cfg.direction == SIPT_MEDIA_DIR_RECVONLY; }

static const char dtmf_chars[] = "0123456789*#ABCD";

/* ---- receive ----------------------------------------------------------------------------- */

/* Forget the remote source (new remote, new SSRC): statistics, jitter buffer, events. */
void sipt_stream_rx_reset(struct stream *s)
{
    if (s->src.valid) {
        int32_t lost = sipt_src_lost(&s->src);
        s->expected_base += sipt_src_extended_max(&s->src) - s->src.base_seq + 1u;
        s->lost_base += lost > 0 ? (uint64_t) lost : 0u;
    }
    memset(&s->src, 0, sizeof s->src);
    s->pend_count = 0;
    s->evrx.active = 0;
    s->evrx.have_last_ended = 0;
    if (s->chan != NULL && s->chan->dtmf_from_rtp) s->chan->dtmf_active = 0;
    s->lsr = 0;
    sipt_jb_reset(s);
}

static void lock_source(struct media_engine *e, struct stream *s, const struct sockaddr_storage *from, socklen_t len)
{
    int relatch = s->latch_state == LATCH_LOCKED;
    s->latched_rtp = *from;
    s->latched_len = len;
    s->latch_state = LATCH_LOCKED;
    s->c[SC_latches]++;
    if (relatch) {
        sipt_stream_rx_reset(s);
        s->rtcp_latched = 0;
    }
    sipt_event(e, s->id, s->cfg.tdm_channel, SIPT_MEDIA_EV_LATCHED, (uint16_t) relatch, 0);
}

/* Probation of a source that is neither the signalled remote nor the latched one: three packets
 * in sequence with one SSRC (cf. RFC 3550 A.1 MIN_SEQUENTIAL) before it may take the stream. */
static int probation(struct stream *s, const struct sockaddr_storage *from, socklen_t len, uint32_t ssrc, uint16_t seq)
{
    if (s->cand_count > 0 && sipt_sockaddr_equal(from, &s->cand) && ssrc == s->cand_ssrc &&
        seq == (uint16_t) (s->cand_seq + 1u)) {
        s->cand_count++;
    } else {
        s->cand = *from;
        s->cand_len = len;
        s->cand_ssrc = ssrc;
        s->cand_count = 1;
    }
    s->cand_seq = seq;
    return s->cand_count >= 3;
}

/* Returns 1 when a packet from `from` may be used. */
static int source_ok(struct media_engine *e, struct stream *s, const struct sockaddr_storage *from, socklen_t len,
                     uint32_t ssrc, uint16_t seq)
{
    if (s->latch_state == LATCH_LOCKED && sipt_sockaddr_equal(from, &s->latched_rtp)) return 1;
    int from_remote = s->has_remote && sipt_sockaddr_equal(from, &s->remote_rtp);
    if (!s->cfg.latch) {
        if (from_remote) {
            if (s->latch_state != LATCH_LOCKED) lock_source(e, s, from, len);
            return 1;
        }
        s->c[SC_hijack_drops]++;
        return 0;
    }
    if (s->latch_state != LATCH_LOCKED) {
        if (from_remote || probation(s, from, len, ssrc, seq)) {
            lock_source(e, s, from, len);
            return 1;
        }
        s->latch_state = LATCH_PROBATION;
        s->c[SC_probation_drops]++;
        return 0;
    }
    /* Latched to another source: another may take over only once the latched one went quiet. */
    if (e->tick_no - s->last_rx_tick >= s->relatch_ticks && probation(s, from, len, ssrc, seq)) {
        lock_source(e, s, from, len);
        return 1;
    }
    s->c[SC_hijack_drops]++;
    return 0;
}

static void rtcp_in(struct media_engine *e, struct stream *s, const uint8_t *p, size_t len,
                    const struct sockaddr_storage *from, socklen_t fromlen, uint64_t arrival_ns)
{
    int ok = s->rtcp_latched && sipt_sockaddr_equal(from, &s->latched_rtcp);
    if (!ok && s->has_remote && sipt_sockaddr_equal(from, &s->remote_rtcp)) ok = 1;
    if (!ok && s->latch_state == LATCH_LOCKED && s->cfg.latch) {
        /* symmetric RTCP from the latched host (its RTCP port may differ behind a NAT) */
        const struct sockaddr_storage *l = &s->latched_rtp;
        if (from->ss_family == l->ss_family) {
            if (from->ss_family == AF_INET)
                ok = ((const struct sockaddr_in *) from)->sin_addr.s_addr == ((const struct sockaddr_in *) l)->sin_addr.s_addr;
            else
                ok = memcmp(&((const struct sockaddr_in6 *) from)->sin6_addr, &((const struct sockaddr_in6 *) l)->sin6_addr, 16) == 0;
        }
    }
    if (!ok) { s->c[SC_hijack_drops]++; return; }
    if (s->cfg.latch && !s->rtcp_latched) {
        s->latched_rtcp = *from;
        s->latched_rtcp_len = fromlen;
        s->rtcp_latched = 1;
    }
    sipt_rtcp_parse(e, s, p, len, arrival_ns);
}

static void event_end(struct media_engine *e, struct stream *s)
{
    struct ev_rx *ev = &s->evrx;
    sipt_event(e, s->id, s->cfg.tdm_channel, SIPT_MEDIA_EV_DTMF_RTP_END,
               (uint16_t) (ev->code <= 15 ? dtmf_chars[ev->code] : 256 + ev->code), (int32_t) (ev->duration / 8u));
    ev->last_ended_ts = ev->ts;
    ev->have_last_ended = 1;
}

/* RFC 4733 §2.5.2: a new timestamp starts an event; updates extend it; E ends it; the
 * retransmitted final packets (§2.5.1.4) of an ended event are ignored. */
static void event_in(struct media_engine *e, struct stream *s, uint32_t ts, const uint8_t *p, size_t len)
{
    if (len < 4u) { s->c[SC_bad_length]++; return; }
    struct ev_rx *ev = &s->evrx;
    int code = p[0], end = (p[1] & 0x80u) != 0u, volume = p[1] & 0x3Fu;
    uint32_t duration = get16(p + 2);
    if (ev->have_last_ended && ts == ev->last_ended_ts) return;
    struct channel *c = s->chan;
    if (!ev->active || ts != ev->ts) {
        if (ev->active && !ev->end_seen) event_end(e, s); /* its end packets were lost */
        ev->active = 1;
        ev->code = code;
        ev->ts = ts;
        ev->duration = duration;
        ev->played = 0;
        ev->end_seen = 0;
        s->c[SC_dtmf_rtp_received]++;
        sipt_event(e, s->id, s->cfg.tdm_channel, SIPT_MEDIA_EV_DTMF_RTP_START,
                   (uint16_t) (code <= 15 ? dtmf_chars[code] : 256 + code), -volume);
        if (code <= 15 && !(c->dtmf_active && !c->dtmf_from_rtp)) {
            char d[2] = { dtmf_chars[code], 0 };
            int level = volume == 0 ? -10 : -volume;
            if (level < -40) level = -40;
            dtmf_tx_init(&c->dtmf);
            dtmf_tx_set_level(&c->dtmf, level, 0);
            dtmf_tx_set_timing(&c->dtmf, 30000, 0); /* played until the event ends */
            dtmf_tx_put(&c->dtmf, d, 1);
            c->dtmf_active = 1;
            c->dtmf_from_rtp = 1;
            c->dtmf_digit = (uint8_t) d[0];
        }
    } else if (duration > ev->duration) {
        ev->duration = duration;
    }
    ev->last_tick = e->tick_no;
    if (end && !ev->end_seen) {
        ev->end_seen = 1;
        if (duration > ev->duration) ev->duration = duration;
        event_end(e, s);
    }
}

void sipt_stream_rx_packet(struct media_engine *e, struct stream *s, uint8_t *p, size_t len,
                           const struct sockaddr_storage *from, socklen_t fromlen,
                           uint64_t arrival_ns, int on_rtcp_socket)
{
    if (on_rtcp_socket) { rtcp_in(e, s, p, len, from, fromlen, arrival_ns); return; }
    if (len < 12u) { s->c[SC_bad_length]++; return; }
    if ((p[0] >> 6) != 2u) { s->c[SC_bad_version]++; return; }
    uint32_t pt = p[1] & 0x7Fu;
    if (s->port->rtcp_mux && pt >= RTP_PT_RTCP_LO && pt <= RTP_PT_RTCP_HI) {
        rtcp_in(e, s, p, len, from, fromlen, arrival_ns);
        return;
    }
    /* §5.1: CSRC list, header extension (§5.3.1) and padding must fit the datagram */
    size_t hdr = 12u + 4u * (p[0] & 0x0Fu);
    if ((p[0] & 0x10u) != 0u) {
        if (hdr + 4u > len) { s->c[SC_bad_length]++; return; }
        hdr += 4u + 4u * get16(p + hdr + 2);
    }
    if (hdr > len) { s->c[SC_bad_length]++; return; }
    if ((p[0] & 0x20u) != 0u) {
        uint8_t pad = p[len - 1u];
        if (pad == 0u || hdr + pad > len) { s->c[SC_bad_length]++; return; }
        len -= pad;
    }
    int is_event = s->cfg.event_pt >= 0 && pt == (uint32_t) s->cfg.event_pt;
    if (pt != s->cfg.payload_type && !is_event) { s->c[SC_bad_pt]++; return; }
    size_t plen = len - hdr;
    if (!is_event && plen > MAX_BLOCK * 4u) { s->c[SC_bad_length]++; return; }
    uint32_t ssrc = get32(p + 8), ts = get32(p + 4);
    uint16_t seq = get16(p + 2);
    if (!source_ok(e, s, from, fromlen, ssrc, seq)) return;
    if (s->flood_tokens <= 0) { s->c[SC_flood_drops]++; return; }
    s->flood_tokens--;
    if (!s->src.valid) {
        sipt_src_init(&s->src, ssrc, seq);
    } else if (ssrc != s->src.ssrc) {
        /* RFC 3550 §8.2: a new SSRC from the same transport address; accepted after two packets
         * in sequence so that a stray packet cannot reset the stream */
        if (s->pend_count > 0 && ssrc == s->pend_ssrc && seq == (uint16_t) (s->pend_seq + 1u)) s->pend_count++;
        else { s->pend_ssrc = ssrc; s->pend_count = 1; }
        s->pend_seq = seq;
        if (s->pend_count < 2) { s->c[SC_bad_ssrc]++; return; }
        sipt_stream_rx_reset(s);
        sipt_src_init(&s->src, ssrc, seq);
        s->c[SC_ssrc_changes]++;
        sipt_event(e, s->id, s->cfg.tdm_channel, SIPT_MEDIA_EV_SSRC_CHANGED, 0, (int32_t) (ssrc & 0x7FFFFFFFu));
    }
    s->pend_count = 0;
    int r = sipt_src_update_seq(&s->src, seq);
    if (r == 2) { s->c[SC_rx_duplicate]++; return; }
    if (r == 0) { s->c[SC_rx_early]++; return; }
    s->last_rx_tick = e->tick_no;
    s->any_rtp = 1;
    s->c[SC_rtp_rx_packets]++;
    s->c[SC_rtp_rx_octets] += plen;
    e->g[GC_rtp_rx]++;
    if (is_event) { event_in(e, s, ts, p + hdr, plen); return; }
    if (!receiving(s)) return;
    /* A.8: arrival time in RTP units (8 kHz) from the kernel receive timestamp */
    sipt_src_jitter(&s->src, (uint32_t) (arrival_ns / 125000ull), ts);
    sipt_jb_put(s, ts, p + hdr, (uint32_t) plen, (p[1] & 0x80u) != 0u);
}

/* One datagram read from a socket of port p; its arrival time is the kernel's receive timestamp
 * (SO_TIMESTAMPNS) when present, else the start of the tick. */
static void received(struct media_engine *e, struct port *p, const struct msghdr *h, uint8_t *buf, size_t len, int rtcp)
{
    uint64_t arrival = e->now_rt_ns;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm != NULL; cm = CMSG_NXTHDR((struct msghdr *) h, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec t;
            memcpy(&t, CMSG_DATA(cm), sizeof t);
            arrival = (uint64_t) t.tv_sec * 1000000000ull + (uint64_t) t.tv_nsec;
        }
    if (p->stream == NULL) { e->g[GC_stray_packets]++; return; }
    sipt_stream_rx_packet(e, p->stream, buf, len, (const struct sockaddr_storage *) h->msg_name, h->msg_namelen, arrival, rtcp);
}

/* Reads what is pending on one socket of a port (at most RECV_BUDGET packets). */
static void drain(struct media_engine *e, struct port *p, int fd, int rtcp)
{
    uint32_t budget = RECV_BUDGET;
    while (budget > 0) {
        uint32_t want = budget < RECV_BATCH ? budget : RECV_BATCH;
        for (uint32_t k = 0; k < want; k++) {
            struct msghdr *h = &e->rmsg[k].msg_hdr;
            h->msg_name = &e->rname[k];
            h->msg_namelen = sizeof e->rname[k];
            h->msg_control = e->rctl[k];
            h->msg_controllen = sizeof e->rctl[k];
            h->msg_flags = 0;
        }
        int got = recvmmsg(fd, e->rmsg, want, MSG_DONTWAIT, NULL);
        if (got <= 0) {
            if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) e->g[GC_recv_errors]++;
            return;
        }
        for (int k = 0; k < got; k++)
            received(e, p, &e->rmsg[k].msg_hdr, e->rbuf[k], e->rmsg[k].msg_len, rtcp);
        budget -= (uint32_t) got;
        if ((uint32_t) got < want) return;
        if (budget == 0) e->g[GC_recv_budget_exhausted]++;
    }
}

/* The RTP socket of every live stream is read directly: each normally holds a packet every tick,
 * and a level-triggered epoll would poll every one of them twice per tick. epoll watches only
 * what is usually quiet: RTCP sockets and ports without a stream. */
static void uring_failure(struct media_engine *e, int rc)
{
    (void) rc;
    e->uring_failed = 1;
}

/* The io_uring path of the direct reads: one RECVMSG per RTP socket, all of a batch submitted
 * with one io_uring_enter. A UDP receive does not say whether more is queued, so every socket
 * that gave a datagram is read again in the next round, until it is empty or has given
 * RECV_BUDGET datagrams in this tick (the same bound as the recvmmsg path). */
static void receive_uring(struct media_engine *e)
{
    uint32_t n_todo = 0;
    for (uint32_t i = 0; i < e->n_active; i++) {
        struct port *p = e->active[i]->port;
        if (p == NULL) continue;
        p->tick_reads = 0;
        e->rx_todo[n_todo++] = p;
    }
    struct sipt_uring *u = &e->ur;
    while (n_todo > 0) {
        uint32_t n_next = 0;
        for (uint32_t base = 0; base < n_todo; base += u->sq_entries) {
            uint32_t k = n_todo - base < u->sq_entries ? n_todo - base : u->sq_entries;
            for (uint32_t j = 0; j < k; j++) {
                struct uring_rx_slot *r = &e->urx[j];
                r->h.msg_name = &r->name;
                r->h.msg_namelen = sizeof r->name;
                r->h.msg_control = r->ctl;
                r->h.msg_controllen = sizeof r->ctl;
                r->h.msg_flags = 0;
                struct io_uring_sqe *q = sipt_uring_sqe(u);
                if (q == NULL) { k = j; break; } /* cannot happen: the queue is empty here */
                q->opcode = IORING_OP_RECVMSG;
                q->fd = e->rx_todo[base + j]->fd_rtp;
                q->addr = (uint64_t) (uintptr_t) &r->h;
                q->len = 1;
                q->msg_flags = MSG_DONTWAIT;
                q->user_data = j;
            }
            int rc = sipt_uring_submit_wait(u);
            if (rc < 0) { uring_failure(e, rc); e->g[GC_recv_errors]++; return; }
            e->g[GC_io_submits] += (uint64_t) rc;
            const struct io_uring_cqe *c;
            while ((c = sipt_uring_cqe(u)) != NULL) {
                uint32_t j = (uint32_t) c->user_data;
                if (j >= k) continue;
                struct port *p = e->rx_todo[base + j];
                if (c->res < 0) {
                    if (c->res != -EAGAIN && c->res != -EWOULDBLOCK && c->res != -EINTR) e->g[GC_recv_errors]++;
                    continue;
                }
                struct uring_rx_slot *r = &e->urx[j];
                received(e, p, &r->h, r->buf, (size_t) c->res, 0);
                if (++p->tick_reads < RECV_BUDGET) e->rx_next[n_next++] = p;
                else e->g[GC_recv_budget_exhausted]++;
            }
        }
        struct port **t = e->rx_todo;
        e->rx_todo = e->rx_next;
        e->rx_next = t;
        n_todo = n_next;
    }
}

static void receive_all(struct media_engine *e)
{
    if (e->use_uring) {
        receive_uring(e);
    } else {
        for (uint32_t i = 0; i < e->n_active; i++) {
            struct stream *s = e->active[i];
            if (s->port != NULL) drain(e, s->port, s->port->fd_rtp, 0);
        }
    }
    for (;;) {
        int n = epoll_wait(e->epfd, e->evs, (int) e->n_evs, 0);
        if (n <= 0) {
            if (n < 0 && errno != EINTR) e->g[GC_recv_errors]++;
            return;
        }
        for (int i = 0; i < n; i++) {
            uint64_t d = e->evs[i].data.u64;
            uint32_t gen = (uint32_t) (d >> 32), id = (uint32_t) (d & 0xFFFFFFFFu) >> 1;
            int rtcp = (int) (d & 1u);
            if (id >= e->cfg.max_streams) continue;
            struct port *p = e->ports[id];
            if (p == NULL || p->gen != gen) continue;
            drain(e, p, rtcp ? p->fd_rtcp : p->fd_rtp, rtcp);
        }
        if ((uint32_t) n < e->n_evs) return;
    }
}

/* ---- transmit ---------------------------------------------------------------------------- */

static uint8_t *next_slot(struct stream *s) { return s->n_pkt < PKT_SLOTS ? s->pkt[s->n_pkt] : NULL; }

static void queue_rtp(struct stream *s, size_t len)
{
    const struct sockaddr_storage *to = s->latch_state == LATCH_LOCKED ? &s->latched_rtp : &s->remote_rtp;
    socklen_t tolen = s->latch_state == LATCH_LOCKED ? s->latched_len : s->remote_len;
    struct iovec *iov = &s->iov[s->n_pkt];
    iov->iov_base = s->pkt[s->n_pkt];
    iov->iov_len = len;
    struct mmsghdr *m = &s->msg_rtp[s->n_rtp++];
    memset(m, 0, sizeof *m);
    m->msg_hdr.msg_name = (void *) to;
    m->msg_hdr.msg_namelen = tolen;
    m->msg_hdr.msg_iov = iov;
    m->msg_hdr.msg_iovlen = 1;
    s->n_pkt++;
}

static int have_destination(const struct stream *s) { return s->latch_state == LATCH_LOCKED || s->has_remote; }

static void rtp_header(struct stream *s, uint8_t *p, uint32_t pt, int marker, uint32_t ts)
{
    p[0] = 0x80; /* V=2, P=0, X=0, CC=0 */
    p[1] = (uint8_t) ((marker ? 0x80u : 0u) | pt);
    put16(p + 2, s->seq++);
    put32(p + 4, ts);
    put32(p + 8, s->ssrc);
}

static void emit_audio(struct media_engine *e, struct stream *s, const uint8_t *payload, uint32_t n, uint32_t ts)
{
    uint8_t *p = next_slot(s);
    if (p == NULL) return;
    rtp_header(s, p, s->cfg.payload_type, s->marker, ts);
    s->marker = 0;
    memcpy(p + 12, payload, n);
    queue_rtp(s, 12u + n);
    s->sr_packets++;
    s->sr_octets += n;
    s->sent_since_report = 1;
    s->c[SC_rtp_tx_packets]++;
    s->c[SC_rtp_tx_octets] += n;
    e->g[GC_rtp_tx]++;
}

/* RFC 4733 §2.3: event, E bit, volume, duration; the marker on the first packet of an event. */
static void emit_event(struct media_engine *e, struct stream *s, int end)
{
    uint8_t *p = next_slot(s);
    if (p == NULL) return;
    struct ev_tx *ev = &s->evtx;
    rtp_header(s, p, (uint32_t) s->cfg.event_pt, ev->first, ev->ts);
    ev->first = 0;
    p[12] = (uint8_t) ev->code;
    p[13] = (uint8_t) ((end ? 0x80u : 0u) | ((uint32_t) ev->volume & 0x3Fu));
    put16(p + 14, ev->duration > 0xFFFFu ? 0xFFFFu : ev->duration);
    queue_rtp(s, 16);
    s->sr_packets++;
    s->sr_octets += 4;
    s->sent_since_report = 1;
    s->c[SC_rtp_tx_packets]++;
    s->c[SC_rtp_tx_octets] += 4;
    e->g[GC_rtp_tx]++;
}

/* One packet interval of the outgoing stream: audio, events, or both. */
static void packet_interval(struct media_engine *e, struct stream *s, const uint8_t *payload, uint32_t ts)
{
    struct ev_tx *ev = &s->evtx;
    int audio = 1;
    if (ev->active) {
        uint32_t end_of_interval = ts + s->ptime_samples;
        ev->duration = end_of_interval - ev->ts;
        if (ev->limit != 0 && ev->duration >= ev->limit) {
            ev->duration = ev->limit;
            ev->ended = 1;
        }
        if (ev->duration > 0xFFFFu && !ev->ended) {
            /* §2.5.1.3: long events are cut into segments of at most 0xFFFF */
            uint32_t rest = ev->duration - 0xFFFFu;
            ev->duration = 0xFFFFu;
            emit_event(e, s, 0);
            ev->ts += 0xFFFFu;
            ev->duration = rest;
            if (ev->limit != 0) ev->limit -= 0xFFFFu;
        }
        if (ev->ended) {
            /* §2.5.1.4: the final packet three times, same timestamp and duration */
            for (int i = 0; i < 3; i++) emit_event(e, s, 1);
            ev->active = 0;
            s->c[SC_dtmf_rtp_events_sent]++;
            if (ev->from_api) sipt_event(e, s->id, s->cfg.tdm_channel, SIPT_MEDIA_EV_DTMF_SENT, (uint16_t) dtmf_chars[ev->code], (int32_t) (ev->duration / 8u));
            s->marker = 1; /* audio after an event starts a new talkspurt */
        } else {
            emit_event(e, s, 0);
        }
        audio = s->cfg.dtmf_mode == SIPT_MEDIA_DTMF_BOTH && !ev->from_api;
    }
    if (audio) emit_audio(e, s, payload, s->ptime_samples, ts);
}

/* Detector transitions (spandsp realtime callback) turned into RFC 4733 sender state. */
static void dtmf_detector(struct media_engine *e, struct stream *s, int prev)
{
    int now = s->dtmf_detected;
    if (now == prev) return;
    struct ev_tx *ev = &s->evtx;
    if (prev != 0 && ev->active && !ev->from_api) {
        ev->ended = 1;
        sipt_event(e, s->id, s->cfg.tdm_channel, SIPT_MEDIA_EV_DTMF_TDM_END, (uint16_t) prev,
                   (int32_t) ((s->ts_clock + e->block - ev->ts) / 8u));
    }
    if (now != 0) {
        s->c[SC_dtmf_tdm_detected]++;
        sipt_event(e, s->id, s->cfg.tdm_channel, SIPT_MEDIA_EV_DTMF_TDM_START, (uint16_t) now, s->dtmf_det_level);
        if (!ev->active || !ev->from_api) {
            int code = -1;
            for (int i = 0; i < 16; i++) if (dtmf_chars[i] == (char) now) code = i;
            if (code >= 0) {
                memset(ev, 0, sizeof *ev);
                ev->active = 1;
                ev->code = code;
                ev->ts = s->accum_len > 0 ? s->accum_ts : s->ts_clock;
                ev->first = 1;
                int vol = -s->dtmf_det_level;
                ev->volume = vol < 0 ? 0 : vol > 63 ? 63 : vol;
            }
        }
    }
}

/* ---- TDM side ---------------------------------------------------------------------------- */

static void encode(uint8_t law, const int16_t *lin, uint8_t *out, uint32_t n)
{
    if (law == SIPT_MEDIA_LAW_ULAW) for (uint32_t i = 0; i < n; i++) out[i] = linear_to_ulaw(lin[i]);
    else for (uint32_t i = 0; i < n; i++) out[i] = linear_to_alaw(lin[i]);
}

/* DTMF digits and tones toward TDM replace whatever else was to be played. */
static void tdm_overrides(struct media_engine *e, struct channel *c, uint32_t ch, uint8_t *out)
{
    uint32_t n = e->block;
    int16_t lin[MAX_BLOCK];
    if (c->dtmf_active) {
        if (c->dtmf_from_rtp) {
            struct stream *s = c->stream;
            struct ev_rx *ev = s != NULL ? &s->evrx : NULL;
            if (ev == NULL || !ev->active) {
                c->dtmf_active = 0;
            } else {
                /* play until the signalled duration is reached, or 250 ms after the last update
                 * when the end packets were lost (§2.5.2.2) */
                uint32_t limit = ev->end_seen ? ev->duration : UINT32_MAX;
                if (!ev->end_seen && (e->tick_no - ev->last_tick) * e->block >= 2000u) limit = ev->played;
                uint32_t k = limit > ev->played ? limit - ev->played : 0u;
                if (k > n) k = n;
                int got = k > 0 ? dtmf_tx(&c->dtmf, lin, (int) k) : 0;
                for (uint32_t i = (uint32_t) got; i < n; i++) lin[i] = 0;
                encode(c->law, lin, out, n);
                ev->played += n;
                if (ev->played >= limit) {
                    c->dtmf_active = 0;
                    if (!ev->end_seen) event_end(e, s);
                    ev->active = 0;
                }
            }
        } else {
            int got = dtmf_tx(&c->dtmf, lin, (int) n);
            for (uint32_t i = (uint32_t) got; i < n; i++) lin[i] = 0;
            encode(c->law, lin, out, n);
            c->dtmf_left = c->dtmf_left > n ? c->dtmf_left - n : 0u;
            if (c->dtmf_left == 0 || got < (int) n) {
                c->dtmf_active = 0;
                sipt_event(e, c->stream != NULL ? c->stream->id : -1, ch, SIPT_MEDIA_EV_DTMF_SENT, c->dtmf_digit, 0);
            }
        }
    }
    struct tone_seq *t = &c->tone[SIPT_MEDIA_SIDE_TDM];
    if (t->active && sipt_tone_gen(t, lin, n)) encode(c->law, lin, out, n);
    if (t->done_pending) {
        t->done_pending = 0;
        sipt_event(e, c->stream != NULL ? c->stream->id : -1, ch, SIPT_MEDIA_EV_TONE_DONE, SIPT_MEDIA_SIDE_TDM, 0);
    }
}

static void rtcp_due(struct media_engine *e, struct stream *s)
{
    if (e->tick_no < s->next_rtcp_tick) return;
    s->next_rtcp_tick = e->tick_no + sipt_rtcp_next_interval_ticks(e, 0);
    const struct sockaddr_storage *to = s->rtcp_latched ? &s->latched_rtcp : &s->remote_rtcp;
    socklen_t tolen = s->rtcp_latched ? s->latched_rtcp_len : s->remote_rtcp_len;
    if (!s->rtcp_latched && !s->has_remote) return;
    uint8_t *p = next_slot(s);
    if (p == NULL) return;
    size_t len = sipt_rtcp_build(e, s, p, PKT_MAX, 0);
    if (len == 0) return;
    struct iovec *iov = &s->iov[s->n_pkt];
    iov->iov_base = p;
    iov->iov_len = len;
    struct mmsghdr *m = &s->msg_rtcp[s->n_rtcp++];
    memset(m, 0, sizeof *m);
    m->msg_hdr.msg_name = (void *) to;
    m->msg_hdr.msg_namelen = tolen;
    m->msg_hdr.msg_iov = iov;
    m->msg_hdr.msg_iovlen = 1;
    s->n_pkt++;
    s->c[SC_rtcp_tx]++;
    e->g[GC_rtcp_tx]++;
}

/* Submits the queued sends and counts their completions. */
static uint32_t uring_send_complete(struct media_engine *e)
{
    struct sipt_uring *u = &e->ur;
    if (u->queued == 0 && u->in_flight == 0) return 0;
    int rc = sipt_uring_submit_wait(u);
    if (rc < 0) {
        uring_failure(e, rc);
        e->g[GC_send_errors] += u->queued + u->in_flight;
        return 0;
    }
    e->g[GC_io_submits] += (uint64_t) rc;
    uint32_t sent = 0;
    const struct io_uring_cqe *c;
    while ((c = sipt_uring_cqe(u)) != NULL) {
        struct stream *s = (struct stream *) (uintptr_t) c->user_data;
        if (c->res >= 0) { sent++; continue; }
        s->c[SC_send_errors]++;
        e->g[GC_send_errors]++;
    }
    return sent;
}

/* io_uring path of flush(): one SENDMSG per packet, submitted in batches; the packets and their
 * headers stay untouched until the stream's next tick, after every completion was reaped. */
static uint32_t flush_uring(struct media_engine *e, struct stream *s)
{
    uint32_t sent = 0;
    for (uint32_t k = 0; k < s->n_rtp + s->n_rtcp && !e->uring_failed; k++) {
        int rtcp = k >= s->n_rtp;
        struct io_uring_sqe *q = sipt_uring_sqe(&e->ur);
        if (q == NULL) {
            sent += uring_send_complete(e);
            q = sipt_uring_sqe(&e->ur);
            if (q == NULL) break;
        }
        q->opcode = IORING_OP_SENDMSG;
        q->fd = rtcp && !s->port->rtcp_mux ? s->port->fd_rtcp : s->port->fd_rtp;
        q->addr = (uint64_t) (uintptr_t) (rtcp ? &s->msg_rtcp[k - s->n_rtp].msg_hdr : &s->msg_rtp[k].msg_hdr);
        q->len = 1;
        q->msg_flags = MSG_DONTWAIT;
        q->user_data = (uint64_t) (uintptr_t) s;
    }
    s->n_rtp = s->n_rtcp = s->n_pkt = 0;
    return sent;
}

static uint32_t flush(struct media_engine *e, struct stream *s)
{
    if (e->use_uring) return flush_uring(e, s);
    uint32_t sent = 0;
    if (s->n_rtp > 0) {
        int r = sendmmsg(s->port->fd_rtp, s->msg_rtp, s->n_rtp, MSG_DONTWAIT);
        uint32_t ok = r > 0 ? (uint32_t) r : 0u;
        if (ok < s->n_rtp) { s->c[SC_send_errors] += s->n_rtp - ok; e->g[GC_send_errors] += s->n_rtp - ok; }
        sent += ok;
    }
    if (s->n_rtcp > 0) {
        int fd = s->port->rtcp_mux ? s->port->fd_rtp : s->port->fd_rtcp;
        int r = sendmmsg(fd, s->msg_rtcp, s->n_rtcp, MSG_DONTWAIT);
        uint32_t ok = r > 0 ? (uint32_t) r : 0u;
        if (ok < s->n_rtcp) { s->c[SC_send_errors] += s->n_rtcp - ok; e->g[GC_send_errors] += s->n_rtcp - ok; }
        sent += ok;
    }
    s->n_rtp = s->n_rtcp = s->n_pkt = 0;
    return sent;
}

static uint32_t process_stream(struct media_engine *e, struct stream *s, uint32_t ch, const uint8_t *in, uint8_t *out, uint32_t advance)
{
    struct channel *c = s->chan;
    uint32_t n = e->block;
    s->ts_clock += advance;
    if (s->flood_tokens < s->flood_cap) s->flood_tokens += s->flood_refill;

    /* RTP -> TDM */
    if (receiving(s)) sipt_jb_read(s, out, n);
    else memset(out, c->idle, n);
    tdm_overrides(e, c, ch, out);
    if (s->ec != NULL) {
        for (uint32_t i = 0; i < n; i++) s->ec_ref[(s->ec_ref_pos + i) & s->ec_ref_mask] = sipt_to_lin(c->law, out[i]);
    }

    /* TDM -> RTP */
    uint8_t enc[MAX_BLOCK];
    const uint8_t *src = in;
    struct tone_seq *tone = &c->tone[SIPT_MEDIA_SIDE_RTP];
    if (s->ec != NULL || s->dtmf_detect || tone->active || s->dtmf_rtp_left > 0) {
        /* linear processing; the samples are re-encoded only when something changed them, so
         * that an untouched block stays bit-exact */
        int16_t lin[MAX_BLOCK];
        int modified = 0;
        for (uint32_t i = 0; i < n; i++) lin[i] = sipt_to_lin(c->law, in[i]);
        if (s->ec != NULL) {
            uint32_t base = s->ec_ref_pos - e->cfg.ec_bulk_delay_samples;
            for (uint32_t i = 0; i < n; i++)
                lin[i] = echo_can_update(s->ec, s->ec_ref[(base + i) & s->ec_ref_mask], lin[i]);
            modified = 1;
        }
        if (s->dtmf_detect) {
            int prev = s->dtmf_detected;
            dtmf_rx(&s->dtmf_rx, lin, (int) n);
            dtmf_detector(e, s, prev);
            /* rfc4733: the in-band digit is muted from the detector's first "maybe" on */
            if (s->dtmf_suppress && (dtmf_rx_status(&s->dtmf_rx) != 0 || s->dtmf_detected != 0)) {
                memset(lin, 0, n * sizeof *lin);
                modified = 1;
            }
        }
        if (tone->active && s->sending) modified |= sipt_tone_gen(tone, lin, n);
        if (tone->done_pending) {
            tone->done_pending = 0;
            sipt_event(e, s->id, ch, SIPT_MEDIA_EV_TONE_DONE, SIPT_MEDIA_SIDE_RTP, 0);
        }
        if (s->dtmf_rtp_left > 0) {
            int got = dtmf_tx(&s->dtmf_rtp, lin, (int) n);
            for (uint32_t i = (uint32_t) got; i < n; i++) lin[i] = 0;
            s->dtmf_rtp_left = s->dtmf_rtp_left > n ? s->dtmf_rtp_left - n : 0u;
            if (s->dtmf_rtp_left == 0 || got < (int) n) {
                s->dtmf_rtp_left = 0;
                sipt_event(e, s->id, ch, SIPT_MEDIA_EV_DTMF_SENT, s->dtmf_rtp_digit, 0);
            }
            modified = 1;
        }
        if (modified) {
            encode(s->rtp_law, lin, enc, n);
            src = enc;
        }
    }
    if (src == in && s->to_rtp != NULL) {
        for (uint32_t i = 0; i < n; i++) enc[i] = s->to_rtp[in[i]];
        src = enc;
    }
    if (s->ec != NULL) s->ec_ref_pos += n;

    if (s->sending && have_destination(s)) {
        if (s->accum_len == 0) s->accum_ts = s->ts_clock;
        memcpy(s->accum + s->accum_len, src, n);
        s->accum_len += n;
        uint32_t off = 0;
        while (s->accum_len - off >= s->ptime_samples) {
            packet_interval(e, s, s->accum + off, s->accum_ts);
            off += s->ptime_samples;
            s->accum_ts += s->ptime_samples;
        }
        if (off > 0) {
            memmove(s->accum, s->accum + off, s->accum_len - off);
            s->accum_len -= off;
        }
    } else {
        s->accum_len = 0;
        s->marker = 1;
        s->evtx.active = 0;
    }
    s->ts_clock += n;
    rtcp_due(e, s);
    return flush(e, s);
}

static void xconnect(struct media_engine *e, struct channel *a, const uint8_t *in_a, uint8_t *out_b, const struct channel *b)
{
    if (a->law == b->law) memcpy(out_b, in_a, e->block);
    else {
        const uint8_t *t = a->law == SIPT_MEDIA_LAW_ALAW ? sipt_a2u : sipt_u2a;
        for (uint32_t i = 0; i < e->block; i++) out_b[i] = t[in_a[i]];
    }
}

int32_t media_engine_tick(media_engine_t *e, const uint8_t *tdm_rx, uint8_t *tdm_tx, uint64_t tick)
{
    if (e == NULL || tdm_rx == NULL || tdm_tx == NULL) return -EINVAL;
    uint64_t t0 = now_ns(CLOCK_MONOTONIC);
    e->now_rt_ns = now_ns(CLOCK_REALTIME);
    uint32_t advance = 0;
    if (e->have_caller_tick && tick > e->last_caller_tick + 1u) {
        uint64_t missed = tick - e->last_caller_tick - 1u;
        e->g[GC_ticks_skipped] += missed;
        if (missed > 8000u) missed = 8000u;
        advance = (uint32_t) missed * e->block;
    }
    e->last_caller_tick = tick;
    e->have_caller_tick = 1;
    if (e->uring_failed) {
        /* closing the ring waits for whatever it still had in flight */
        sipt_uring_free(&e->ur);
        e->use_uring = 0;
        e->uring_failed = 0;
        e->g[GC_io_uring] = 0;
    }
    sipt_apply_edits(e);
    receive_all(e);

    uint32_t nc = e->cfg.max_channels, n = e->block;
    const uint8_t *rx = tdm_rx;
    uint8_t *tx = tdm_tx;
    if (e->cfg.tdm_layout == SIPT_MEDIA_TDM_INTERLEAVED) {
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t ch = 0; ch < nc; ch++) e->rx_scratch[(size_t) ch * n + i] = tdm_rx[(size_t) i * nc + ch];
        rx = e->rx_scratch;
        tx = e->tx_scratch;
    }
    uint32_t sent = 0;
    for (uint32_t ch = 0; ch < nc; ch++) {
        struct channel *c = &e->chans[ch];
        const uint8_t *in = rx + (size_t) ch * n;
        uint8_t *out = tx + (size_t) ch * n;
        if (c->stream != NULL) {
            sent += process_stream(e, c->stream, ch, in, out, advance);
            continue;
        }
        if (c->xpeer >= 0) xconnect(e, &e->chans[c->xpeer], rx + (size_t) c->xpeer * n, out, c);
        else memset(out, c->idle, n);
        tdm_overrides(e, c, ch, out);
    }
    if (e->use_uring) sent += uring_send_complete(e);
    if (e->cfg.tdm_layout == SIPT_MEDIA_TDM_INTERLEAVED) {
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t ch = 0; ch < nc; ch++) tdm_tx[(size_t) i * nc + ch] = e->tx_scratch[(size_t) ch * n + i];
    }
    e->tick_no++;
    e->g[GC_ticks]++;
    uint64_t dt = now_ns(CLOCK_MONOTONIC) - t0;
    e->g[GC_tick_ns_last] = dt;
    if (dt > e->g[GC_tick_ns_max]) e->g[GC_tick_ns_max] = dt;
    return (int32_t) sent;
}
