/*
 * sipt_card.h -- the C ABI a telephony card library implements for sipt-gw.
 *
 * A card has E1/T1 spans (ITU-T G.704 framing, G.703 line codes) and analog
 * ports (FXS facing a telephone, FXO facing a central-office line). The
 * gateway loads one shared library implementing this header and reaches
 * the card only through it: span configuration, HDLC signalling channels on
 * timeslots (MTP2 per Q.703, LAPD per Q.921), bearer timeslots moved in
 * blocks paced by the card's 8 kHz clock, alarms/counters as events, and
 * analog port supervision.
 *
 * ------------------------------------------------------------------------
 * Versioning
 *   SIPT_CARD_ABI_VERSION = (major << 16) | minor. A caller built for
 *   major M, minor m accepts a library whose sipt_card_abi_version() has
 *   the same major M and a minor >= m. Within one major version, structures
 *   never change size or layout and existing functions never change meaning;
 *   a minor version only adds functions or constants. Fields named
 *   `reserved` are written as zero by the library and must be zero when the
 *   caller passes the structure in.
 *
 * Conventions
 *   - Every function returning int returns SIPT_CARD_OK (0) or a negative
 *     SIPT_CARD_E* code, unless stated otherwise (sipt_card_sig_open and
 *     sipt_card_event_fd return a non-negative handle on success).
 *   - Spans, ports and timeslots are numbered from 1. E1 timeslots 1..31
 *     (timeslot 0 carries G.704 framing and is never addressable), T1
 *     timeslots 1..24.
 *   - A "mask" of timeslots has bit T set for timeslot T (bit 0 unused).
 *   - All integers are native-endian; all structures use fixed-width types
 *     and natural alignment (no packing pragmas), so FFI layers can mirror
 *     them field by field.
 *
 * Buffer ownership
 *   The library never keeps a pointer the caller passed in after the call
 *   returns: frames, configurations, cadences and bearer buffers are
 *   copied. Pointers the library returns (sipt_card_strerror) point to
 *   static storage valid for the life of the process. The sipt_card_t
 *   handle is owned by the library from sipt_card_open until
 *   sipt_card_close, which frees it.
 *
 * Thread safety
 *   - Every function may be called from any thread, concurrently with any
 *     other function on the same card, except:
 *       * sipt_card_close: no other call on that card may be in progress or
 *         made afterwards (interrupt a pending sipt_card_wait with
 *         sipt_card_interrupt and let it return first);
 *       * sipt_card_bearer_exchange: one thread at a time (the media tick
 *         thread); it may run concurrently with everything else;
 *       * sipt_card_wait: one thread at a time.
 *   - Events and received frames are queued by the library's own thread(s);
 *     readiness is signalled through one file descriptor per card
 *     (sipt_card_event_fd) and through sipt_card_wait.
 * ------------------------------------------------------------------------
 */
#ifndef SIPT_CARD_H
#define SIPT_CARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SIPT_CARD_ABI_MAJOR 1u
#define SIPT_CARD_ABI_MINOR 0u
#define SIPT_CARD_ABI_VERSION ((SIPT_CARD_ABI_MAJOR << 16) | SIPT_CARD_ABI_MINOR)

/* ---- limits ------------------------------------------------------------ */
#define SIPT_CARD_MAX_SPANS 16u
#define SIPT_CARD_MAX_PORTS 64u
#define SIPT_CARD_E1_TIMESLOTS 31u
#define SIPT_CARD_T1_TIMESLOTS 24u
/* Signalling frames as passed through this ABI include SIPT_CARD_FCS_BYTES
 * trailing octets (see "Signalling channels" below). Length limits include
 * them. */
#define SIPT_CARD_FCS_BYTES 2u
#define SIPT_CARD_SIG_MIN_FRAME 4u    /* address/header octet(s) + FCS */
#define SIPT_CARD_SIG_MAX_FRAME 1024u
/* Bearer block size in octets per channel: a multiple of 8 (1 ms at
 * 8000 samples/s), from 8 (1 ms) to 1600 (200 ms). Default 160 (20 ms). */
#define SIPT_CARD_BLOCK_MIN 8u
#define SIPT_CARD_BLOCK_MAX 1600u
#define SIPT_CARD_BLOCK_DEFAULT 160u
/* FXS ring cadence: up to 4 on/off pairs. */
#define SIPT_CARD_CADENCE_MAX 8u

/* ---- error codes ------------------------------------------------------- */
#define SIPT_CARD_OK 0
#define SIPT_CARD_EINVAL (-1)     /* bad argument: NULL pointer, value out of range, malformed params */
#define SIPT_CARD_ENOENT (-2)     /* no such span, port, timeslot, channel handle or file */
#define SIPT_CARD_EBUSY (-3)      /* resource already in use (timeslot already open) */
#define SIPT_CARD_ESTATE (-4)     /* not valid now: span not configured, timeslot not signalling, wrong port kind */
#define SIPT_CARD_EAGAIN (-5)     /* nothing to read now (non-blocking receive, empty event queue) */
#define SIPT_CARD_ETIMEDOUT (-6)  /* sipt_card_wait timed out */
#define SIPT_CARD_ENOMEM (-7)     /* allocation failed */
#define SIPT_CARD_EIO (-8)        /* operating-system or hardware failure */
#define SIPT_CARD_EMSGSIZE (-9)   /* frame too short/long, or caller's buffer too small */
#define SIPT_CARD_ENOTSUP (-10)   /* this card cannot do it (e.g. a framing the hardware lacks) */
#define SIPT_CARD_EPROFILE (-11)  /* card description (profile) missing or invalid */
#define SIPT_CARD_EINTR (-12)     /* sipt_card_wait interrupted by sipt_card_interrupt */
#define SIPT_CARD_ELAYOUT (-13)   /* bearer buffer length does not match the current bearer layout */

/* ---- enumerations (uint32_t fields) ------------------------------------ */
#define SIPT_SPAN_E1 1u
#define SIPT_SPAN_T1 2u

#define SIPT_FRAMING_E1_DF 1u    /* G.704 §2.3 double frame, no CRC-4 */
#define SIPT_FRAMING_E1_CRC4 2u  /* G.704 §2.3.3 CRC-4 multiframe */
#define SIPT_FRAMING_T1_D4 3u    /* G.704 §3.1.3.1 12-frame superframe (SF/D4) */
#define SIPT_FRAMING_T1_ESF 4u   /* G.704 §3.1.3.2 24-frame extended superframe, CRC-6 */

#define SIPT_LINECODE_HDB3 1u    /* G.703 Annex A, E1 */
#define SIPT_LINECODE_AMI 2u     /* E1 or T1 */
#define SIPT_LINECODE_B8ZS 3u    /* T1 */

#define SIPT_CLOCK_MASTER 1u     /* the card drives this span from its own clock */
#define SIPT_CLOCK_RECOVERED 2u  /* the card may take its timing from this span */

#define SIPT_LAW_ALAW 1u         /* G.711 A-law, idle code 0xD5 */
#define SIPT_LAW_ULAW 2u         /* G.711 mu-law, idle code 0xFF */

#define SIPT_MODE_REALTIME 1u    /* bearer exchange paced by the 8 kHz clock */
#define SIPT_MODE_FREERUN 2u     /* bearer exchange returns as soon as blocks are moved */

/* Span alarm bits (sipt_span_status_t.alarms, SIPT_EV_SPAN_ALARM value). */
#define SIPT_ALARM_LOS 0x01u     /* loss of signal (red) */
#define SIPT_ALARM_LOF 0x02u     /* loss of frame alignment (red) */
#define SIPT_ALARM_AIS 0x04u     /* alarm indication signal received, all ones (blue) */
#define SIPT_ALARM_RAI 0x08u     /* remote alarm indication received (yellow) */

#define SIPT_PORT_FXS 1u         /* the card feeds a telephone: battery, ringing, hook detection */
#define SIPT_PORT_FXO 2u         /* the card is a telephone toward a CO line: hook, ring detection */

#define SIPT_CHAN_SPAN 1u        /* bearer channel on a span timeslot */
#define SIPT_CHAN_PORT 2u        /* bearer channel of an analog port */

/* Event types (sipt_card_event_t.type). */
#define SIPT_EV_SPAN_ALARM 1u    /* span; value = alarm bits now, changed = bits that changed */
#define SIPT_EV_SPAN_SLIP 2u     /* span; value = new slips (coalesced), count = total */
#define SIPT_EV_SPAN_BPV 3u      /* span; bipolar violations / code errors, value/count as above */
#define SIPT_EV_SPAN_CRC 4u      /* span; CRC-4 (E1) or CRC-6 (T1 ESF) block errors, value/count */
#define SIPT_EV_SPAN_FAS 5u      /* span; frame alignment signal errors, value/count */
#define SIPT_EV_CLOCK_SOURCE 6u  /* value = span now providing timing, 0 = internal oscillator */
#define SIPT_EV_SIG_CRC 7u       /* span, timeslot; frames dropped for a bad FCS, value/count */
#define SIPT_EV_SIG_OVERFLOW 8u  /* span, timeslot; frames dropped, receive queue full, value/count */
#define SIPT_EV_BEARER_LAYOUT 9u /* the bearer layout changed: re-read it before the next exchange */
#define SIPT_EV_BEARER_LATE 10u  /* exchange called late: value = ticks skipped (coalesced), count = total */
#define SIPT_EV_PORT_HOOK 20u    /* port (FXS); value 1 = off-hook, 0 = on-hook (after flash timing) */
#define SIPT_EV_PORT_FLASH 21u   /* port (FXS); a hook flash (register recall); value = on-hook ms */
#define SIPT_EV_PORT_RING 22u    /* port (FXO); value 1 = ringing voltage detected, 0 = ceased */
#define SIPT_EV_PORT_POLARITY 23u /* port (FXO); value 0 = normal, 1 = reversed */
#define SIPT_EV_PORT_BATTERY 24u /* port (FXO); value 1 = battery present, 0 = absent */
#define SIPT_EV_PORT_LOOP 25u    /* port (FXO); value = loop current in mA (0 = open loop) */
#define SIPT_EV_PORT_RING_TRIP 26u /* port (FXS); ringing stopped because the phone went off-hook */
#define SIPT_EV_OVERFLOW 255u    /* events were lost: count = number lost since the last such event */

/* ---- structures -------------------------------------------------------- */
typedef struct sipt_card sipt_card_t;   /* opaque */

typedef struct sipt_card_info {
  char driver[32];        /* NUL-terminated, e.g. "sipt-sim" */
  char model[64];         /* NUL-terminated card model or profile name */
  char serial[32];        /* NUL-terminated serial number or instance id */
  uint32_t abi_version;   /* same as sipt_card_abi_version() */
  uint32_t span_count;
  uint32_t port_count;
  uint32_t block_bytes;   /* bearer block size per channel, octets */
  uint32_t mode;          /* SIPT_MODE_* */
  uint32_t reserved[3];
} sipt_card_info_t;

typedef struct sipt_span_info {
  char name[32];          /* NUL-terminated */
  uint32_t span;          /* 1-based */
  uint32_t type;          /* SIPT_SPAN_E1 / SIPT_SPAN_T1 */
  uint32_t timeslots;     /* 31 (E1) or 24 (T1) */
  uint32_t configured;    /* 1 once sipt_card_span_configure succeeded */
  uint32_t reserved[4];
} sipt_span_info_t;

typedef struct sipt_span_config {
  uint32_t framing;        /* SIPT_FRAMING_*, must suit the span type */
  uint32_t line_code;      /* SIPT_LINECODE_*: E1 HDB3|AMI, T1 B8ZS|AMI */
  uint32_t clock;          /* SIPT_CLOCK_MASTER or SIPT_CLOCK_RECOVERED */
  uint32_t clock_priority; /* RECOVERED only: 1 = preferred reference, 2 = next...; 0 with MASTER */
  uint32_t companding;     /* SIPT_LAW_ALAW or SIPT_LAW_ULAW for this span's bearers */
  uint32_t bearer_mask;    /* timeslots moved by sipt_card_bearer_exchange */
  uint32_t sig_mask;       /* timeslots that may carry an HDLC channel; disjoint from bearer_mask */
  uint32_t reserved[5];
} sipt_span_config_t;

typedef struct sipt_span_status {
  uint32_t span;
  uint32_t alarms;         /* SIPT_ALARM_* bits now */
  uint32_t configured;
  uint32_t clock_source;   /* 1 if this span is the card's timing reference now */
  uint64_t slips;          /* controlled slips (G.822) */
  uint64_t bpv;            /* bipolar violations / code errors */
  uint64_t crc_errors;     /* CRC-4 / CRC-6 block errors */
  uint64_t fas_errors;     /* frame alignment signal errors */
  uint64_t rx_blocks;      /* bearer blocks received from the line */
  uint64_t tx_blocks;      /* bearer blocks sent to the line */
  uint64_t reserved[2];
} sipt_span_status_t;

typedef struct sipt_sig_status {
  uint32_t span;
  uint32_t timeslot;
  uint32_t rx_queued;      /* frames waiting for sipt_card_sig_recv */
  uint32_t reserved0;
  uint64_t rx_frames;      /* frames delivered into the receive queue */
  uint64_t tx_frames;      /* frames put on the line */
  uint64_t rx_crc_errors;  /* frames dropped for a bad FCS */
  uint64_t rx_invalid;     /* frames dropped as too short/long or aborted */
  uint64_t rx_overflows;   /* frames dropped because the receive queue was full */
  uint64_t tx_dropped;     /* frames that could not be put on the line (no carrier, alarm) */
} sipt_sig_status_t;

typedef struct sipt_bearer_channel {
  uint32_t kind;           /* SIPT_CHAN_SPAN or SIPT_CHAN_PORT */
  uint32_t span;           /* SPAN: 1-based span, else 0 */
  uint32_t timeslot;       /* SPAN: timeslot, else 0 */
  uint32_t port;           /* PORT: 1-based port, else 0 */
  uint32_t companding;     /* SIPT_LAW_* */
  uint32_t reserved;
} sipt_bearer_channel_t;

typedef struct sipt_bearer_status {
  uint64_t ticks;          /* blocks exchanged (tick counter of the last exchange + 1) */
  uint64_t late_ticks;     /* ticks skipped because exchange was called late */
  uint32_t channels;       /* channels in the current layout */
  uint32_t block_bytes;
  uint32_t mode;           /* SIPT_MODE_* */
  uint32_t clock_source;   /* span providing timing, 0 = internal oscillator */
} sipt_bearer_status_t;

typedef struct sipt_port_info {
  char name[32];           /* NUL-terminated */
  uint32_t port;           /* 1-based */
  uint32_t kind;           /* SIPT_PORT_FXS / SIPT_PORT_FXO */
  uint32_t companding;     /* SIPT_LAW_* of its bearer channel */
  uint32_t reserved[3];
} sipt_port_info_t;

typedef struct sipt_port_status {
  uint32_t port;
  uint32_t kind;
  uint32_t off_hook;       /* FXS: the phone's hook state; FXO: the card's own hook state */
  uint32_t ringing;        /* FXS: ring cadence running; FXO: ringing voltage present now */
  uint32_t polarity;       /* 0 normal, 1 reversed (FXS: what the card applies; FXO: what it sees) */
  uint32_t battery;        /* FXS: battery fed; FXO: battery detected */
  uint32_t loop_ma;        /* loop current in mA (0 = open loop) */
  uint32_t reserved;
} sipt_port_status_t;

typedef struct sipt_card_event {
  uint32_t type;           /* SIPT_EV_* */
  uint32_t span;           /* 1-based, 0 when not about a span */
  uint32_t port;           /* 1-based, 0 when not about a port */
  uint32_t timeslot;       /* signalling events, else 0 */
  uint32_t value;          /* per type, see SIPT_EV_* */
  uint32_t changed;        /* SIPT_EV_SPAN_ALARM: alarm bits that changed */
  uint64_t count;          /* counter events: total after this event */
  uint64_t time_ns;        /* CLOCK_MONOTONIC time the condition was first seen */
} sipt_card_event_t;

/* ---- library and card -------------------------------------------------- */

/* The ABI version this library implements. Always safe to call. */
uint32_t sipt_card_abi_version(void);

/* A static English text for an error code ("unknown error" for others). */
const char *sipt_card_strerror(int err);

/* Open a card. `params` is a NUL-terminated "key=value;key=value" string
 * (no spaces around '=' and ';'); unknown keys are rejected with
 * SIPT_CARD_EINVAL. Keys every library understands:
 *   block=<octets>            bearer block size per channel (default 160)
 *   mode=realtime|freerun     bearer pacing (default realtime)
 * Library-specific keys (the simulated card: profile=, rundir=, name=) are
 * documented by each library. On success *out receives the handle; on
 * failure *out is set to NULL. The params string is not kept. */
int sipt_card_open(const char *params, sipt_card_t **out);

/* Close the card: stop its threads, release its line side, free every
 * resource, including open signalling channels and queued frames/events.
 * The handle is invalid afterwards. See "Thread safety". */
int sipt_card_close(sipt_card_t *card);

/* Enumeration and status calls below fill a caller-owned `out` structure,
 * written completely on success and left untouched on failure. */
int sipt_card_info(sipt_card_t *card, sipt_card_info_t *out);
int sipt_card_span_info(sipt_card_t *card, uint32_t span, sipt_span_info_t *out);
int sipt_card_port_info(sipt_card_t *card, uint32_t port, sipt_port_info_t *out);

/* ---- spans ------------------------------------------------------------- */

/* Configure (or reconfigure) a span. Validation: framing and line code
 * suit the span type; masks only name existing timeslots and do not
 * overlap; clock_priority is 0 for MASTER and 1..SIPT_CARD_MAX_SPANS for
 * RECOVERED; reserved fields are zero. Reconfiguring closes nothing: a
 * signalling channel whose timeslot leaves sig_mask keeps its handle but
 * carries no more frames (send returns SIPT_CARD_ESTATE). A change of
 * bearer_mask or companding changes the bearer layout and queues
 * SIPT_EV_BEARER_LAYOUT. The caller's structure is copied. */
int sipt_card_span_configure(sipt_card_t *card, uint32_t span, const sipt_span_config_t *cfg);
int sipt_card_span_get_config(sipt_card_t *card, uint32_t span, sipt_span_config_t *out);
/* Alarms and counters now (counters count from card open, never reset). */
int sipt_card_span_status(sipt_card_t *card, uint32_t span, sipt_span_status_t *out);

/* ---- signalling channels (HDLC on a timeslot) -------------------------- *
 * Frame format, both directions: the octets of one HDLC frame between the
 * flags, after zero-bit removal (receive) / before zero-bit insertion
 * (send), followed by SIPT_CARD_FCS_BYTES octets for the frame check
 * sequence -- the DAHDI HDLC channel convention that libss7 and libpri
 * follow (they strip two octets from every frame read and append two to
 * every frame written).
 *   send:    the last two octets are a placeholder; a hardware card
 *            replaces them with the FCS it computes (ISO/IEC 13239 CRC-16);
 *            a line-side simulator passes them on unchanged.
 *   receive: frames whose FCS check fails are dropped by the card, counted
 *            (rx_crc_errors) and reported (SIPT_EV_SIG_CRC); delivered
 *            frames still end in two octets whose content is unspecified
 *            (the received FCS on hardware, what the far end sent on a
 *            simulator, conventionally 00 00).
 */

/* Open the HDLC channel on a timeslot listed in the span's sig_mask.
 * Returns a channel handle >= 0, or an error (ESTATE if the span is not
 * configured or the timeslot is not in sig_mask, EBUSY if already open).
 * Frames received before the channel is opened are discarded. */
int sipt_card_sig_open(sipt_card_t *card, uint32_t span, uint32_t timeslot);
/* Close the channel; queued received frames are discarded. */
int sipt_card_sig_close(sipt_card_t *card, int chan);
/* Queue one frame (len includes the two FCS octets; SIPT_CARD_SIG_MIN_FRAME
 * <= len <= SIPT_CARD_SIG_MAX_FRAME) for transmission; never blocks. The
 * frame is copied before return. A frame that cannot reach the line (line
 * down or cut, nothing attached, transmit queue full) is counted in
 * tx_dropped and SIPT_CARD_OK is still returned, as a transmitter on a dead
 * line would. Receive-side alarms (LOS, AIS...) do not stop transmission. */
int sipt_card_sig_send(sipt_card_t *card, int chan, const uint8_t *frame, size_t len);
/* Take the oldest received frame, non-blocking. Copies it into buf
 * (capacity cap) and sets *len. Returns SIPT_CARD_EAGAIN when the queue is
 * empty; SIPT_CARD_EMSGSIZE when cap is too small, in which case *len is
 * set to the size needed and the frame stays queued. */
int sipt_card_sig_recv(sipt_card_t *card, int chan, uint8_t *buf, size_t cap, size_t *len);
int sipt_card_sig_status(sipt_card_t *card, int chan, sipt_sig_status_t *out);

/* ---- readiness and events ---------------------------------------------- */

/* A file descriptor (owned by the card; do not close it) that polls
 * readable while a received frame or an event may be pending. Protocol:
 * when it is readable, read 8 octets from it (or call sipt_card_wait with
 * timeout 0), then drain every open channel with sipt_card_sig_recv and
 * the events with sipt_card_next_event until SIPT_CARD_EAGAIN. Wake-ups
 * may be spurious; none is lost. Returns the fd (>= 0) or an error. */
int sipt_card_event_fd(sipt_card_t *card);
/* Block until a frame or event may be pending (then the readiness
 * indication is consumed, as with the fd protocol above), the timeout
 * expires (SIPT_CARD_ETIMEDOUT), or sipt_card_interrupt is called
 * (SIPT_CARD_EINTR). timeout_ms < 0 waits without limit, 0 polls. */
int sipt_card_wait(sipt_card_t *card, int timeout_ms);
/* Make a pending (or the next) sipt_card_wait return SIPT_CARD_EINTR. */
int sipt_card_interrupt(sipt_card_t *card);
/* Take the oldest event, non-blocking; SIPT_CARD_EAGAIN when none.
 * Counter events for the same span/port/timeslot and type that are still
 * queued are coalesced into one (value adds up, count is the latest total)
 * so a storm of slips cannot flood the queue; alarm and supervision events
 * are never coalesced. If the queue overflows, SIPT_EV_OVERFLOW reports how
 * many events were lost. */
int sipt_card_next_event(sipt_card_t *card, sipt_card_event_t *out);

/* ---- bearer channels --------------------------------------------------- *
 * The bearer layout is the ordered list of channels moved by
 * sipt_card_bearer_exchange: for each configured span in span order, the
 * timeslots of its bearer_mask in ascending order; then every analog port
 * in port order. Channel i of the layout is "channel index" i.
 */

/* Copy up to `max` channel descriptions into out (out may be NULL when max
 * is 0), set *count to the number of channels in the layout and
 * *block_bytes to the block size. */
int sipt_card_bearer_layout(sipt_card_t *card, sipt_bearer_channel_t *out, size_t max,
                            size_t *count, uint32_t *block_bytes);

/* Move one block for every channel of the layout. `tx` and `rx` each hold
 * len = channels * block_bytes octets, channel-major: octets
 * [i*block_bytes, (i+1)*block_bytes) belong to channel index i, oldest
 * sample first, in the channel's companding law. tx is read (what the
 * card sends to the line during the next block period); rx is written
 * (the next block from the card's receive buffer -- on hardware the octets
 * received during the last block period; a simulator may hold a block or
 * two to absorb its far end's jitter -- with idle code for a channel whose
 * line delivered nothing in time, counted as a slip on spans, idle code under
 * LOS/LOF and all ones 0xFF under AIS). tx and rx may be the
 * same buffer; the library does not keep either pointer.
 * Pacing: in realtime mode the call blocks until the card's next tick
 * (absolute deadlines every block_bytes/8 ms from the first exchange, no
 * drift); if called more than a whole tick late, the missed ticks are
 * skipped, counted (late_ticks, SIPT_EV_BEARER_LATE) and *tick jumps. In
 * freerun mode it returns as soon as the block is moved. *tick (may be
 * NULL) receives the tick number of this block, from 0. Returns
 * SIPT_CARD_ELAYOUT when len does not match the current layout. Never
 * allocates. */
int sipt_card_bearer_exchange(sipt_card_t *card, const uint8_t *tx, uint8_t *rx, size_t len,
                              uint64_t *tick);
int sipt_card_bearer_status(sipt_card_t *card, sipt_bearer_status_t *out);

/* ---- analog ports ------------------------------------------------------ */

/* FXS: start ringing with a cadence of `n` durations in ms (on, off, on,
 * off...; n even, 2..SIPT_CARD_CADENCE_MAX, each 50..10000 ms), repeated
 * until sipt_card_fxs_ring_stop or ring trip (the phone going off-hook
 * stops ringing at once: SIPT_EV_PORT_RING_TRIP then SIPT_EV_PORT_HOOK).
 * ESTATE if the phone is off-hook or the port is not FXS. The cadence is
 * copied. */
int sipt_card_fxs_ring_start(sipt_card_t *card, uint32_t port, const uint32_t *cadence_ms, size_t n);
int sipt_card_fxs_ring_stop(sipt_card_t *card, uint32_t port);
/* FXS: loop polarity, 0 normal, 1 reversed (answer/metering signal). */
int sipt_card_fxs_polarity(sipt_card_t *card, uint32_t port, uint32_t reversed);
/* FXS: battery feed on (1) or off (0) -- an open switch interval signals
 * disconnect to the terminal. */
int sipt_card_fxs_battery(sipt_card_t *card, uint32_t port, uint32_t on);
/* FXO: go off-hook (1) or on-hook (0). */
int sipt_card_fxo_hook(sipt_card_t *card, uint32_t port, uint32_t off_hook);
/* FXO: hook flash: on-hook for `ms` (50..2000) then off-hook again.
 * ESTATE when on-hook. Returns at once; the flash is timed by the card. */
int sipt_card_fxo_flash(sipt_card_t *card, uint32_t port, uint32_t ms);
int sipt_card_port_status(sipt_card_t *card, uint32_t port, sipt_port_status_t *out);

#ifdef __cplusplus
}
#endif

#endif /* SIPT_CARD_H */
