/*
 * sipt_media.h - the native TDM <-> RTP media engine of sipt-gw.
 *
 * Implements: RFC 3550 (RTP/RTCP: header §5.1, SR/RR §6.4, SDES CNAME §6.5, BYE §6.6,
 * interval §6.3, sequence/loss/jitter Appendix A.1/A.3/A.8), RFC 3551 §4.5.14 (PCMA/PCMU),
 * RFC 4733 (telephone-event §2.3, sender §2.5.1, receiver §2.5.2), RFC 5761 §4 (rtcp-mux
 * demultiplexing), RFC 4961 (symmetric RTP), ITU-T G.711 (A-law/mu-law, G.711 Tables 1a/1b
 * conversion), ITU-T G.168 (network echo cancellation, through spandsp).
 *
 * Threading: every function may be called from any thread. Control calls (ports, streams,
 * cross-connects, tones, DTMF) are *staged* under a mutex and take effect at the start of the
 * next media_engine_tick(); the tick holds that mutex only to swap the staged list out. No call
 * into the tick allocates or frees memory: control calls allocate, and objects a tick retires
 * are freed by the next control call or media_engine_reclaim().
 *
 * TDM buffers are owned by the caller (normally filled by the card's bulk bearer exchange) and
 * are only read (tdm_rx) / written (tdm_tx) during media_engine_tick(). Their layout is chosen
 * at creation: SIPT_MEDIA_TDM_BLOCKS puts each channel's block_samples octets together
 * (channel c at offset c * block_samples); SIPT_MEDIA_TDM_INTERLEAVED holds 125 us frames
 * (sample i of channel c at offset i * max_channels + c), as an E1/T1 framer delivers them.
 *
 * Return codes: >= 0 success (an id where one is returned), < 0 a negated errno value.
 */
#ifndef SIPT_MEDIA_H
#define SIPT_MEDIA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SIPT_MEDIA_BUILD)
#define SIPT_MEDIA_API __attribute__((visibility("default")))
#else
#define SIPT_MEDIA_API
#endif

#define SIPT_MEDIA_ABI_VERSION 1u

/* G.711 law of a TDM channel; the same numbers as the card ABI's companding (sipt_card.h). */
enum { SIPT_MEDIA_LAW_ALAW = 1, SIPT_MEDIA_LAW_ULAW = 2 };
/* RTP payload format (RFC 3551 §4.5.14); the payload type number is given separately. */
enum { SIPT_MEDIA_CODEC_PCMU = 0, SIPT_MEDIA_CODEC_PCMA = 1 };
enum { SIPT_MEDIA_TDM_BLOCKS = 0, SIPT_MEDIA_TDM_INTERLEAVED = 1 };
/* RFC 4566 §6 / RFC 3264 §5.1 media direction, seen from the engine. */
enum { SIPT_MEDIA_DIR_SENDRECV = 0, SIPT_MEDIA_DIR_SENDONLY = 1, SIPT_MEDIA_DIR_RECVONLY = 2, SIPT_MEDIA_DIR_INACTIVE = 3 };
/* DTMF transport toward RTP. rfc4733: digits detected on TDM leave as RFC 4733 events and the
 * in-band tone is muted; inband: audio passes untouched; both: events and audio. Incoming RFC 4733
 * events are always played into TDM when an event payload type is set. */
enum { SIPT_MEDIA_DTMF_RFC4733 = 0, SIPT_MEDIA_DTMF_INBAND = 1, SIPT_MEDIA_DTMF_BOTH = 2 };
/* Where a tone or a DTMF digit is sent: toward the TDM channel or toward the RTP peer. */
enum { SIPT_MEDIA_SIDE_TDM = 0, SIPT_MEDIA_SIDE_RTP = 1 };

typedef struct {
    uint32_t abi_version;           /* SIPT_MEDIA_ABI_VERSION */
    uint32_t max_channels;          /* TDM channels in tdm_rx / tdm_tx */
    uint32_t max_streams;           /* RTP streams and ports that may exist at once */
    uint32_t block_samples;         /* samples per channel per tick: 80, 160 or 240 (10/20/30 ms) */
    uint32_t tdm_layout;            /* SIPT_MEDIA_TDM_* */
    uint32_t ec_bulk_delay_samples; /* TDM loop delay: a sample written to tdm_tx at tick T comes
                                       back (as echo) in tdm_rx of tick T + d / block_samples */
    uint32_t event_queue_len;       /* entries in the event ring (0: 1024) */
    uint32_t rtcp_interval_ms;      /* RFC 3550 §6.2 deterministic interval (0: 5000) */
} media_engine_config_t;

typedef struct {
    uint8_t family;                 /* 4 or 6 */
    uint8_t rtcp_mux;               /* 1: RTCP on the RTP port (RFC 5761); 0: on port + 1 */
    uint16_t port;                  /* 0: pick an even port (with port + 1 free unless rtcp_mux) */
    uint8_t addr[16];               /* bind address, network order (IPv4 in the first 4 octets) */
    uint8_t dscp;                   /* DiffServ code point for IP_TOS/IPV6_TCLASS (46 = EF) */
    uint8_t pad[3];
} media_port_config_t;

typedef struct {
    uint16_t rtp_port;
    uint16_t rtcp_port;
    int32_t port_id;
} media_port_info_t;

typedef struct {
    uint32_t tdm_channel;
    int32_t port_id;                /* from media_engine_port_open(); one stream per port */
    uint8_t remote_family;          /* 0: unknown yet (latch only), 4 or 6 */
    uint8_t direction;              /* SIPT_MEDIA_DIR_* */
    uint8_t codec;                  /* SIPT_MEDIA_CODEC_* */
    uint8_t payload_type;           /* RTP PT for the codec (0 PCMU, 8 PCMA, or dynamic) */
    uint8_t remote_addr[16];
    uint16_t remote_rtp_port;
    uint16_t remote_rtcp_port;      /* 0: remote_rtp_port + 1, or the RTP port with rtcp_mux */
    int16_t event_pt;               /* telephone-event PT (RFC 4733 §7.1.1), -1 when none */
    uint8_t ptime_ms;               /* 10, 20 or 30 */
    uint8_t dtmf_mode;              /* SIPT_MEDIA_DTMF_* */
    uint32_t ssrc;                  /* 0: engine picks one at random (RFC 3550 §8.1) */
    uint8_t ec_enabled;             /* G.168 echo canceller on the TDM receive path */
    uint8_t latch;                  /* symmetric RTP latching (RFC 4961, RFC 7362 §4) */
    uint16_t ec_tail_ms;            /* echo tail: 8..128 ms */
    uint16_t jb_min_ms;             /* adaptive jitter buffer bounds (0: 20 / 200) */
    uint16_t jb_max_ms;
    uint16_t relatch_ms;            /* silence of the latched source before another may take over
                                       (0: 2000) */
    uint16_t pad;
    char cname[32];                 /* RTCP SDES CNAME (RFC 3550 §6.5.1), NUL-terminated */
} media_stream_config_t;

/* One tone cadence step: f2 > 0 a second frequency, f2 < 0 an AM modulation frequency with l2
 * the modulation depth in percent (spandsp tone_gen), 0 none. off_ms = 0 and on_ms = 0: steady. */
typedef struct {
    int16_t f1_hz;
    int16_t f2_hz;
    int16_t l1_dbm0;
    int16_t l2_dbm0;
    uint16_t on_ms;
    uint16_t off_ms;
} media_tone_step_t;

typedef struct {
    uint8_t steps;                  /* 1..4 */
    uint8_t repeat;                 /* 1: the sequence repeats until stopped */
    uint16_t pad;
    media_tone_step_t step[4];
} media_tone_t;

enum {
    SIPT_MEDIA_EV_DTMF_TDM_START = 1,     /* digit detected on TDM (code = ASCII digit, value = level dBm0) */
    SIPT_MEDIA_EV_DTMF_TDM_END = 2,       /* value = duration in ms */
    SIPT_MEDIA_EV_DTMF_RTP_START = 3,     /* RFC 4733 event received (code = ASCII digit or event + 256) */
    SIPT_MEDIA_EV_DTMF_RTP_END = 4,       /* value = duration in ms */
    SIPT_MEDIA_EV_LATCHED = 5,            /* the stream latched (or re-latched) to a source */
    SIPT_MEDIA_EV_SSRC_CHANGED = 6,       /* value = the new remote SSRC (low 31 bits) */
    SIPT_MEDIA_EV_TONE_DONE = 7,          /* a non-repeating tone ended (code = side) */
    SIPT_MEDIA_EV_RTCP_BYE = 8,           /* the remote sent an RTCP BYE (RFC 3550 §6.6) */
    SIPT_MEDIA_EV_DTMF_SENT = 9           /* a media_engine_dtmf_send() digit finished (code = digit) */
};

typedef struct {
    uint64_t tick;
    int32_t stream_id;              /* -1 when the event concerns a channel only */
    uint32_t channel;
    uint16_t kind;                  /* SIPT_MEDIA_EV_* */
    uint16_t code;
    int32_t value;
} media_engine_event_t;             /* 24 octets */

typedef struct media_engine media_engine_t;

/* Creation and teardown. tdm_law: max_channels entries (SIPT_MEDIA_LAW_*), NULL for all A-law. */
SIPT_MEDIA_API media_engine_t *media_engine_create(const media_engine_config_t *config, const uint8_t *tdm_law,
                                    int32_t *error);
SIPT_MEDIA_API void media_engine_destroy(media_engine_t *engine);

SIPT_MEDIA_API int32_t media_engine_set_tdm_law(media_engine_t *engine, uint32_t channel, uint32_t law);

SIPT_MEDIA_API int32_t media_engine_port_open(media_engine_t *engine, const media_port_config_t *config,
                               media_port_info_t *info);
SIPT_MEDIA_API int32_t media_engine_port_close(media_engine_t *engine, int32_t port_id);

/* Returns the stream id. */
SIPT_MEDIA_API int32_t media_engine_stream_add(media_engine_t *engine, const media_stream_config_t *config);
/* Modifies a stream in place: RTP sequence number, timestamp and SSRC (unless a different
 * non-zero SSRC is given) continue across remote address, codec and direction changes. */
SIPT_MEDIA_API int32_t media_engine_stream_modify(media_engine_t *engine, int32_t stream_id,
                                   const media_stream_config_t *config);
/* Removes a stream (an RTCP BYE is sent when the stream has sent or received RTP). */
SIPT_MEDIA_API int32_t media_engine_stream_remove(media_engine_t *engine, int32_t stream_id);

/* TDM-to-TDM cross-connect of two channels not bound to streams (transcodes across laws). */
SIPT_MEDIA_API int32_t media_engine_xconnect(media_engine_t *engine, uint32_t channel_a, uint32_t channel_b);
SIPT_MEDIA_API int32_t media_engine_xconnect_clear(media_engine_t *engine, uint32_t channel);

/* Tones replace the audio sent toward `side` of `channel` until stopped or finished. A tone
 * toward RTP needs a stream on the channel when it plays. */
SIPT_MEDIA_API int32_t media_engine_tone_start(media_engine_t *engine, uint32_t channel, uint32_t side,
                                const media_tone_t *tone);
SIPT_MEDIA_API int32_t media_engine_tone_stop(media_engine_t *engine, uint32_t channel, uint32_t side);

/* Sends one DTMF digit (0-9 * # A-D) toward `side`: into TDM with dtmf_tx, or toward RTP as
 * RFC 4733 events (in-band tones when the stream has no event payload type). */
SIPT_MEDIA_API int32_t media_engine_dtmf_send(media_engine_t *engine, uint32_t channel, uint32_t side,
                               uint8_t digit, uint32_t duration_ms);

/* One call per block for all channels: applies staged edits, receives all pending RTP/RTCP
 * (recvmmsg), plays out the jitter buffers into tdm_tx, packetizes tdm_rx into RTP and sends it
 * (sendmmsg), sends due RTCP reports. `tick` is the caller's block counter; a jump of more than
 * one advances the RTP clocks by the missed blocks. Returns the number of RTP/RTCP packets sent. */
SIPT_MEDIA_API int32_t media_engine_tick(media_engine_t *engine, const uint8_t *tdm_rx, uint8_t *tdm_tx,
                          uint64_t tick);

/* Frees what ticks retired (also done by every control call). */
SIPT_MEDIA_API int32_t media_engine_reclaim(media_engine_t *engine);

/* Counters. kind 0: global, 1: per stream. Names: media_engine_counter_name(kind, i). */
SIPT_MEDIA_API uint32_t media_engine_counter_count(uint32_t kind);
SIPT_MEDIA_API const char *media_engine_counter_name(uint32_t kind, uint32_t index);
/* Copies the global counters and one row per live stream (row[0] = stream id) into the caller's
 * buffers; returns the number of stream rows written (at most max_rows). */
SIPT_MEDIA_API int32_t media_engine_read_counters(media_engine_t *engine, uint64_t *global, uint64_t *rows,
                                   uint32_t max_rows);

/* Drains up to max events; returns how many were written. */
SIPT_MEDIA_API int32_t media_engine_read_events(media_engine_t *engine, media_engine_event_t *out, uint32_t max);

/* sizeof of the ABI structures, for bindings to check their layouts: 0 media_engine_config_t,
 * 1 media_port_config_t, 2 media_port_info_t, 3 media_stream_config_t, 4 media_tone_t,
 * 5 media_engine_event_t; 0 for another value. */
SIPT_MEDIA_API uint32_t media_engine_struct_size(uint32_t which);

/* Version of the ABI this library implements. */
SIPT_MEDIA_API uint32_t media_engine_abi_version(void);

#ifdef __cplusplus
}
#endif
#endif
