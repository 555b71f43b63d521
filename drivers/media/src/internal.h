/*
 * internal.h - private structures of the media engine. Everything a tick touches is allocated
 * by control calls (or at creation) and reached through the live tables below.
 */
#ifndef SIPT_MEDIA_INTERNAL_H
#define SIPT_MEDIA_INTERNAL_H

#define _GNU_SOURCE
#include <stdint.h>
#include <stddef.h>
#include <pthread.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/epoll.h>

#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>

#include "sipt_media.h"
#include "counters.h"
#include "uring.h"

#define SAMPLE_RATE_HZ 8000u
#define MAX_BLOCK 240u               /* 30 ms */
#define MAX_PTIME_SAMPLES 240u
#define JB_SIZE 4096u                /* jitter buffer window: 512 ms of samples */
#define JB_MASK (JB_SIZE - 1u)
#define JB_STEP 80u                  /* adaptation step: 10 ms */
#define HIST_LEN 320u                /* played samples kept to prime PLC (>= PLC_HISTORY_LEN) */
#define PKT_SLOTS 12u                /* packets a stream may emit in one tick */
#define PKT_MAX 512u
#define RECV_BATCH 32u
#define RECV_BUDGET 64u              /* packets read per socket per tick */
#define URING_MAX_ENTRIES 1024u      /* io_uring operations per io_uring_enter */
#define RTP_PT_RTCP_LO 64u           /* RFC 5761 §4: RTCP packet types 192-223 seen as PT 64-95 */
#define RTP_PT_RTCP_HI 95u

enum latch_state { LATCH_NONE = 0, LATCH_PROBATION = 1, LATCH_LOCKED = 2 };

/* RFC 3550 Appendix A.1 / A.3 / A.8 receiver state for one source. */
struct rtp_source {
    uint32_t ssrc;
    uint16_t max_seq;
    uint32_t cycles;
    uint32_t base_seq;
    uint32_t bad_seq;
    uint32_t received;
    uint32_t expected_prior;
    uint32_t received_prior;
    uint32_t transit;
    uint32_t jitter;                 /* A.8 estimator scaled by 16 */
    int have_transit;
    int valid;
};

struct jbuf {
    uint8_t data[JB_SIZE];           /* samples in the TDM law of the channel */
    uint64_t valid[JB_SIZE / 64u];
    uint32_t play_ts;                /* remote RTP timestamp of the next sample to play */
    uint32_t high_ts;                /* end of the newest data received */
    uint32_t target;                 /* playout delay aimed at, samples */
    uint32_t min_before_read;        /* minimum depth seen before a read in this window */
    uint32_t window_ticks;
    uint32_t insert_pending;         /* samples of delay to add before the next read */
    uint32_t missing_run;            /* consecutive samples concealed or idle */
    uint32_t late_run;
    uint32_t early_run;
    uint32_t late_mark;              /* rx_late at the start of the window */
    int started;
    int idle;                        /* the remote went quiet: the next packet resyncs */
    int played_audio;                /* something real was played since (re)start */
};

struct tone_seq {
    media_tone_t def;
    tone_gen_descriptor_t desc[4];
    tone_gen_state_t gen;
    int step;
    int active;
    int done_pending;
};

/* RFC 4733 sender state (one event at a time). */
struct ev_tx {
    int active;
    int code;                        /* event code 0-15 */
    uint32_t ts;                     /* RTP timestamp of the event start (§2.5.1.1) */
    uint32_t duration;               /* samples so far */
    uint32_t limit;                  /* samples to send, 0 = until the detector reports the end */
    int ended;                       /* the end is known */
    int end_left;                    /* end packets still to send (§2.5.1.4: three) */
    int first;                       /* next packet is the first: marker bit (§2.5.1.1) */
    int volume;
    int from_api;
};

/* RFC 4733 receiver state. */
struct ev_rx {
    int active;
    int code;
    uint32_t ts;
    uint32_t duration;               /* samples, from the latest packet */
    uint32_t played;                 /* samples played into TDM */
    int end_seen;
    uint64_t last_tick;
    uint32_t last_ended_ts;
    int have_last_ended;
};

struct port;
struct channel;

struct stream {
    int32_t id;
    struct port *port;
    struct channel *chan;
    media_stream_config_t cfg;
    uint32_t ptime_samples;
    uint32_t jb_block;               /* engine block size, samples */
    const uint8_t *to_rtp;           /* TDM law -> payload law table, NULL if the same law */
    const uint8_t *to_tdm;           /* payload law -> TDM law, NULL if the same law */
    uint8_t rtp_law;
    uint8_t rtp_idle;                /* silence code of the payload law */

    struct sockaddr_storage remote_rtp, remote_rtcp, latched_rtp, latched_rtcp, cand;
    socklen_t remote_len, remote_rtcp_len, latched_len, latched_rtcp_len, cand_len;
    int has_remote;
    int latch_state;
    int rtcp_latched;
    uint32_t cand_ssrc;
    uint16_t cand_seq;
    int cand_count;
    uint64_t last_rx_tick;
    uint32_t relatch_ticks;

    /* transmit */
    uint32_t ssrc;
    uint16_t seq;
    uint32_t ts_clock;               /* RTP timestamp of the first sample of this tick's block */
    uint8_t accum[MAX_PTIME_SAMPLES + MAX_BLOCK];
    uint32_t accum_len;
    uint32_t accum_ts;
    int marker;
    int sending;
    uint32_t sr_packets, sr_octets;
    int sent_since_report;
    struct ev_tx evtx;
    dtmf_tx_state_t dtmf_rtp;        /* in-band digits toward RTP (no event PT) */
    uint32_t dtmf_rtp_left;
    uint8_t dtmf_rtp_digit;

    /* receive */
    struct rtp_source src;
    uint64_t lost_base, expected_base; /* totals of earlier sources of this stream */
    uint32_t pend_ssrc;
    uint16_t pend_seq;
    int pend_count;
    struct ev_rx evrx;
    struct jbuf jb;
    plc_state_t plc;
    int plc_active;
    uint8_t hist[HIST_LEN];
    int flood_tokens;
    int flood_cap;
    int flood_refill;
    dtmf_rx_state_t dtmf_rx;
    int dtmf_detect;                 /* detection runs (rfc4733/both with an event PT) */
    int dtmf_suppress;               /* in-band digit muted (rfc4733) */
    int dtmf_detected;               /* detector's current digit (0 none) */
    int dtmf_det_level;
    uint32_t dtmf_det_start_samples;

    echo_can_state_t *ec;
    int16_t *ec_ref;
    uint32_t ec_ref_mask;
    uint32_t ec_ref_pos;

    /* RTCP (RFC 3550 §6) */
    uint64_t next_rtcp_tick;
    uint32_t lsr;                    /* middle 32 bits of the last SR's NTP timestamp */
    uint64_t lsr_arrival_ns;         /* CLOCK_REALTIME of its arrival */
    int any_rtp;
    int bye_pending;

    uint64_t c[SC__COUNT];

    /* per-tick output */
    uint8_t pkt[PKT_SLOTS][PKT_MAX];
    struct iovec iov[PKT_SLOTS];
    struct mmsghdr msg_rtp[PKT_SLOTS];
    struct mmsghdr msg_rtcp[4];
    uint32_t n_rtp, n_rtcp, n_pkt;
};

struct port {
    int32_t id;
    uint32_t gen;
    int fd_rtp, fd_rtcp;             /* fd_rtcp = -1 with rtcp_mux */
    int family;
    uint16_t rtp_port, rtcp_port;
    int rtcp_mux;
    int rtp_watched;                 /* fd_rtp is in the epoll set */
    uint32_t tick_reads;             /* packets read from fd_rtp in this tick (io_uring path) */
    struct stream *stream;           /* bound by the tick */
};

/* One io_uring receive: the message header, source address, control data (the kernel receive
 * timestamp) and datagram of one RECVMSG in flight. */
struct uring_rx_slot {
    struct msghdr h;
    struct iovec iov;
    struct sockaddr_storage name;
    uint8_t ctl[64];
    uint8_t buf[1600];
};

struct channel {
    uint8_t law;
    uint8_t idle;                    /* silence code of the law */
    struct stream *stream;
    int32_t xpeer;                   /* cross-connected channel or -1 */
    struct tone_seq tone[2];         /* [SIPT_MEDIA_SIDE_TDM], [SIPT_MEDIA_SIDE_RTP] */
    dtmf_tx_state_t dtmf;            /* digits played into TDM */
    int dtmf_active;
    int dtmf_from_rtp;
    uint32_t dtmf_left;              /* samples left (api digits) */
    uint8_t dtmf_digit;
};

enum edit_kind {
    ED_LAW, ED_PORT_ADD, ED_PORT_DEL, ED_STREAM_ADD, ED_STREAM_MOD, ED_STREAM_DEL,
    ED_XC, ED_XC_CLEAR, ED_TONE_START, ED_TONE_STOP, ED_DTMF
};

struct edit {
    struct edit *next;
    int kind;
    uint32_t a, b;
    int32_t id;
    struct stream *stream;           /* new stream object (add) */
    struct port *port;
    media_stream_config_t cfg;
    media_tone_t tone;
    echo_can_state_t *ec;            /* new canceller (add/modify); old one on retire */
    int16_t *ec_ref;
    uint32_t ec_ref_size;
    uint32_t new_ssrc;
    uint8_t digit;
    uint32_t duration;
    /* what the tick hands back for freeing */
    struct stream *free_stream;
    struct port *free_port;
    echo_can_state_t *free_ec;
    int16_t *free_ec_ref;
};

struct media_engine {
    media_engine_config_t cfg;
    uint32_t block;
    pthread_mutex_t lock;
    struct edit *q_head, *q_tail;    /* staged edits (lock) */
    struct edit *retired;            /* applied edits to free (lock) */

    /* control-side shadow of the tables (lock) */
    uint8_t *ctl_port_used;
    uint8_t *ctl_port_refs;
    uint8_t *ctl_port_mux;
    int32_t *ctl_stream_port;        /* -1 free */
    int32_t *ctl_stream_chan;
    int32_t *ctl_chan_stream;        /* -1 none */
    int32_t *ctl_chan_xpeer;         /* -1 none */
    uint32_t port_gen;

    /* live tables (tick) */
    struct port **ports;
    struct stream **streams;
    struct stream **active;          /* compact list of live streams */
    uint32_t n_active;
    struct channel *chans;
    int epfd;
    struct epoll_event *evs;
    uint32_t n_evs;

    /* tick scratch */
    uint8_t *rx_scratch, *tx_scratch; /* channel-major copies for the interleaved layout */
    uint8_t (*rbuf)[1600];
    struct mmsghdr rmsg[RECV_BATCH];
    struct iovec riov[RECV_BATCH];
    struct sockaddr_storage rname[RECV_BATCH];
    uint8_t rctl[RECV_BATCH][64];
    uint64_t tick_no;
    uint64_t last_caller_tick;
    int have_caller_tick;
    uint64_t prng;
    uint64_t now_rt_ns;              /* CLOCK_REALTIME at tick start */

    /* io_uring path (uring.c): one io_uring_enter per batch of socket operations instead of a
     * system call per socket; absent when the kernel refuses it or SIPT_MEDIA_IO=syscalls */
    int use_uring;
    int uring_failed;                /* an io_uring_enter failed: back to system calls */
    struct sipt_uring ur;
    struct uring_rx_slot *urx;       /* ur.sq_entries receive slots */
    struct port **rx_todo, **rx_next; /* sockets to read in this round / the next (max_streams) */

    media_engine_event_t *evq;
    uint32_t evq_len, evq_head, evq_tail; /* head: next write (tick), tail: next read (lock) */

    uint64_t g[GC__COUNT];
};

/* g711.c */
extern uint8_t sipt_a2u[256], sipt_u2a[256];
extern int16_t sipt_a2lin[256], sipt_u2lin[256];
void sipt_g711_init(void);
static inline int16_t sipt_to_lin(uint8_t law, uint8_t c) { return law == SIPT_MEDIA_LAW_ULAW ? sipt_u2lin[c] : sipt_a2lin[c]; }
static inline uint8_t sipt_from_lin(uint8_t law, int v) { return law == SIPT_MEDIA_LAW_ULAW ? linear_to_ulaw(v) : linear_to_alaw(v); }
static inline uint8_t sipt_idle_code(uint8_t law) { return law == SIPT_MEDIA_LAW_ULAW ? 0xFF : 0xD5; }

/* quiet.c */
int sipt_quiet_spandsp(void);
uint64_t sipt_quiet_count(void);

/* rtp.c */
void sipt_src_init(struct rtp_source *s, uint32_t ssrc, uint16_t seq);
int sipt_src_update_seq(struct rtp_source *s, uint16_t seq);
void sipt_src_jitter(struct rtp_source *s, uint32_t arrival_ts, uint32_t rtp_ts);
uint32_t sipt_src_extended_max(const struct rtp_source *s);
int32_t sipt_src_lost(const struct rtp_source *s);
uint8_t sipt_src_fraction(struct rtp_source *s);

/* rtcp.c */
size_t sipt_rtcp_build(struct media_engine *e, struct stream *s, uint8_t *out, size_t cap, int bye);
void sipt_rtcp_parse(struct media_engine *e, struct stream *s, const uint8_t *p, size_t len,
                     uint64_t arrival_rt_ns);
uint64_t sipt_rtcp_next_interval_ticks(struct media_engine *e, int initial);

/* jbuf.c */
void sipt_jb_reset(struct stream *s);
void sipt_jb_put(struct stream *s, uint32_t ts, const uint8_t *payload, uint32_t n, int marker);
void sipt_jb_read(struct stream *s, uint8_t *out, uint32_t n);
void sipt_jb_retarget(struct stream *s);

/* tone.c */
int sipt_tone_validate(const media_tone_t *t);
void sipt_tone_start(struct tone_seq *ts, const media_tone_t *t);
/* Generates n samples; returns 0 when the tone is inactive (nothing written). */
int sipt_tone_gen(struct tone_seq *ts, int16_t *amp, uint32_t n);

/* engine.c */
void sipt_event(struct media_engine *e, int32_t stream_id, uint32_t channel, uint16_t kind,
                uint16_t code, int32_t value);
uint64_t sipt_rand(struct media_engine *e);
void sipt_apply_edits(struct media_engine *e);

/* net.c */
int sipt_port_open(struct media_engine *e, const media_port_config_t *cfg, struct port *p);
void sipt_port_close(struct media_engine *e, struct port *p);
void sipt_port_watch_rtp(struct media_engine *e, struct port *p, int on);
int sipt_sockaddr_from(uint8_t family, const uint8_t *addr, uint16_t port,
                       struct sockaddr_storage *out, socklen_t *len, int port_family);
int sipt_sockaddr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

/* tick.c */
void sipt_stream_rx_packet(struct media_engine *e, struct stream *s, uint8_t *p, size_t len,
                           const struct sockaddr_storage *from, socklen_t fromlen,
                           uint64_t arrival_ns, int on_rtcp_socket);
void sipt_stream_rx_reset(struct stream *s);

#endif
