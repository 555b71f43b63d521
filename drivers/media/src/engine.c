/*
 * engine.c - creation, the staged control interface and its application at a tick boundary,
 * counters and events of the media engine (see include/sipt_media.h for the contract).
 *
 * Control calls validate against a control-side shadow of the tables, allocate and initialise
 * whatever the tick will need (stream objects, spandsp states, echo cancellers, sockets) and
 * queue an edit. The tick swaps the queue out under the lock and applies the edits; objects it
 * replaces ride back on the edit to the retired list, freed by the next control call.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <arpa/inet.h>

static pthread_once_t g711_once = PTHREAD_ONCE_INIT;

static const char *const global_names[] = {
#define SIPT_NAME(n) #n,
    SIPT_GLOBAL_COUNTERS(SIPT_NAME)
};
static const char *const stream_names[] = { SIPT_STREAM_COUNTERS(SIPT_NAME) };
#undef SIPT_NAME

uint32_t media_engine_abi_version(void) { return SIPT_MEDIA_ABI_VERSION; }

uint32_t media_engine_struct_size(uint32_t which)
{
    switch (which) {
    case 0: return sizeof(media_engine_config_t);
    case 1: return sizeof(media_port_config_t);
    case 2: return sizeof(media_port_info_t);
    case 3: return sizeof(media_stream_config_t);
    case 4: return sizeof(media_tone_t);
    case 5: return sizeof(media_engine_event_t);
    default: return 0;
    }
}

uint32_t media_engine_counter_count(uint32_t kind) { return kind == 0 ? GC__COUNT : kind == 1 ? SC__COUNT : 0; }

const char *media_engine_counter_name(uint32_t kind, uint32_t index)
{
    if (kind == 0 && index < GC__COUNT) return global_names[index];
    if (kind == 1 && index < SC__COUNT) return stream_names[index];
    return NULL;
}

uint64_t sipt_rand(struct media_engine *e)
{
    /* xorshift64*: RTCP interval randomisation only; identifiers come from getrandom(). */
    uint64_t x = e->prng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    e->prng = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static uint32_t random32(void)
{
    uint32_t v = 0;
    while (getrandom(&v, sizeof v, 0) != (ssize_t) sizeof v) { }
    return v;
}

void sipt_event(struct media_engine *e, int32_t stream_id, uint32_t channel, uint16_t kind,
                uint16_t code, int32_t value)
{
    uint32_t head = __atomic_load_n(&e->evq_head, __ATOMIC_RELAXED);
    uint32_t tail = __atomic_load_n(&e->evq_tail, __ATOMIC_ACQUIRE);
    if (head - tail >= e->evq_len) {
        e->g[GC_events_dropped]++;
        return;
    }
    media_engine_event_t *ev = &e->evq[head % e->evq_len];
    ev->tick = e->last_caller_tick;
    ev->stream_id = stream_id;
    ev->channel = channel;
    ev->kind = kind;
    ev->code = code;
    ev->value = value;
    __atomic_store_n(&e->evq_head, head + 1u, __ATOMIC_RELEASE);
}

int32_t media_engine_read_events(media_engine_t *e, media_engine_event_t *out, uint32_t max)
{
    if (e == NULL || out == NULL) return -EINVAL;
    pthread_mutex_lock(&e->lock);
    uint32_t tail = __atomic_load_n(&e->evq_tail, __ATOMIC_RELAXED);
    uint32_t head = __atomic_load_n(&e->evq_head, __ATOMIC_ACQUIRE);
    uint32_t n = 0;
    while (tail != head && n < max) out[n++] = e->evq[tail++ % e->evq_len];
    __atomic_store_n(&e->evq_tail, tail, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&e->lock);
    return (int32_t) n;
}

/* ---- creation ---------------------------------------------------------------------------- */

static void free_stream(struct stream *s)
{
    if (s == NULL) return;
    if (s->ec != NULL) echo_can_free(s->ec);
    free(s->ec_ref);
    free(s);
}

static void free_port(struct port *p)
{
    if (p == NULL) return;
    if (p->fd_rtp >= 0) close(p->fd_rtp);
    if (p->fd_rtcp >= 0) close(p->fd_rtcp);
    free(p);
}

static void free_edit(struct edit *ed)
{
    free_stream(ed->free_stream);
    free_port(ed->free_port);
    if (ed->free_ec != NULL) echo_can_free(ed->free_ec);
    free(ed->free_ec_ref);
    free(ed);
}

/* Unapplied edits own their new objects. */
static void free_unapplied(struct edit *ed)
{
    free_stream(ed->stream);
    free_port(ed->port);
    if (ed->ec != NULL) echo_can_free(ed->ec);
    free(ed->ec_ref);
    free(ed);
}

/* The batched socket path: one io_uring_enter per batch of receives or sends. Kept off when the
 * kernel refuses io_uring (seccomp, kernel.io_uring_disabled, before 5.4) or when the environment
 * says SIPT_MEDIA_IO=syscalls; the global counter io_uring tells which path runs. */
static void setup_uring(struct media_engine *e)
{
    const char *io = getenv("SIPT_MEDIA_IO");
    if (io != NULL && strcmp(io, "syscalls") == 0) return;
    uint32_t entries = 16u;
    while (entries < e->cfg.max_streams && entries < URING_MAX_ENTRIES) entries <<= 1;
    e->rx_todo = calloc(e->cfg.max_streams, sizeof *e->rx_todo);
    e->rx_next = calloc(e->cfg.max_streams, sizeof *e->rx_next);
    if (e->rx_todo == NULL || e->rx_next == NULL || sipt_uring_init(&e->ur, entries) != 0) return;
    e->urx = calloc(e->ur.sq_entries, sizeof *e->urx);
    if (e->urx == NULL) { sipt_uring_free(&e->ur); return; }
    for (uint32_t i = 0; i < e->ur.sq_entries; i++) {
        struct uring_rx_slot *r = &e->urx[i];
        r->iov.iov_base = r->buf;
        r->iov.iov_len = sizeof r->buf;
        r->h.msg_iov = &r->iov;
        r->h.msg_iovlen = 1;
    }
    e->use_uring = 1;
    e->g[GC_io_uring] = 1;
}

media_engine_t *media_engine_create(const media_engine_config_t *cfg, const uint8_t *tdm_law, int32_t *error)
{
    int32_t err = 0;
    if (error == NULL) error = &err;
    if (cfg == NULL || cfg->abi_version != SIPT_MEDIA_ABI_VERSION) { *error = -EPROTO; return NULL; }
    if (cfg->max_channels == 0 || cfg->max_channels > 65536u || cfg->max_streams == 0 ||
        cfg->max_streams > 65536u || (cfg->block_samples != 80u && cfg->block_samples != 160u &&
        cfg->block_samples != 240u) || cfg->tdm_layout > SIPT_MEDIA_TDM_INTERLEAVED ||
        cfg->ec_bulk_delay_samples > 8000u || cfg->event_queue_len > 1u << 20 ||
        (cfg->rtcp_interval_ms != 0 && cfg->rtcp_interval_ms < 500u)) {
        *error = -EINVAL;
        return NULL;
    }
    if (tdm_law != NULL)
        for (uint32_t i = 0; i < cfg->max_channels; i++)
            if (tdm_law[i] != SIPT_MEDIA_LAW_ALAW && tdm_law[i] != SIPT_MEDIA_LAW_ULAW) { *error = -EINVAL; return NULL; }
    pthread_once(&g711_once, sipt_g711_init);
    sipt_quiet_spandsp();

    struct media_engine *e = calloc(1, sizeof *e);
    if (e == NULL) { *error = -ENOMEM; return NULL; }
    e->cfg = *cfg;
    if (e->cfg.event_queue_len == 0) e->cfg.event_queue_len = 1024;
    if (e->cfg.rtcp_interval_ms == 0) e->cfg.rtcp_interval_ms = 5000;
    e->block = cfg->block_samples;
    e->epfd = -1;
    pthread_mutex_init(&e->lock, NULL);
    uint32_t ns = cfg->max_streams, nc = cfg->max_channels;
    e->ctl_port_used = calloc(ns, 1);
    e->ctl_port_refs = calloc(ns, 1);
    e->ctl_port_mux = calloc(ns, 1);
    e->ctl_stream_port = malloc(ns * sizeof(int32_t));
    e->ctl_stream_chan = malloc(ns * sizeof(int32_t));
    e->ctl_chan_stream = malloc(nc * sizeof(int32_t));
    e->ctl_chan_xpeer = malloc(nc * sizeof(int32_t));
    e->ports = calloc(ns, sizeof *e->ports);
    e->streams = calloc(ns, sizeof *e->streams);
    e->active = calloc(ns, sizeof *e->active);
    e->chans = calloc(nc, sizeof *e->chans);
    e->n_evs = ns * 2u < 4096u ? ns * 2u : 4096u;
    e->evs = calloc(e->n_evs, sizeof *e->evs);
    e->rx_scratch = calloc(nc, e->block);
    e->tx_scratch = calloc(nc, e->block);
    e->rbuf = calloc(RECV_BATCH, sizeof *e->rbuf);
    e->evq_len = e->cfg.event_queue_len;
    e->evq = calloc(e->evq_len, sizeof *e->evq);
    e->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!e->ctl_port_used || !e->ctl_port_refs || !e->ctl_port_mux || !e->ctl_stream_port ||
        !e->ctl_stream_chan || !e->ctl_chan_stream || !e->ctl_chan_xpeer || !e->ports ||
        !e->streams || !e->active || !e->chans || !e->evs || !e->rx_scratch || !e->tx_scratch ||
        !e->rbuf || !e->evq || e->epfd < 0) {
        *error = e->epfd < 0 ? -errno : -ENOMEM;
        media_engine_destroy(e);
        return NULL;
    }
    for (uint32_t i = 0; i < ns; i++) e->ctl_stream_port[i] = e->ctl_stream_chan[i] = -1;
    for (uint32_t i = 0; i < nc; i++) {
        struct channel *c = &e->chans[i];
        c->law = tdm_law != NULL ? tdm_law[i] : SIPT_MEDIA_LAW_ALAW;
        c->idle = sipt_idle_code(c->law);
        c->xpeer = -1;
        e->ctl_chan_stream[i] = e->ctl_chan_xpeer[i] = -1;
        dtmf_tx_init(&c->dtmf);
    }
    for (uint32_t i = 0; i < RECV_BATCH; i++) {
        e->riov[i].iov_base = e->rbuf[i];
        e->riov[i].iov_len = sizeof e->rbuf[i];
        e->rmsg[i].msg_hdr.msg_iov = &e->riov[i];
        e->rmsg[i].msg_hdr.msg_iovlen = 1;
    }
    setup_uring(e);
    e->prng = ((uint64_t) random32() << 32) | random32() | 1u;
    *error = 0;
    return e;
}

void media_engine_destroy(media_engine_t *e)
{
    if (e == NULL) return;
    pthread_mutex_lock(&e->lock);
    struct edit *q = e->q_head, *r = e->retired;
    e->q_head = e->q_tail = NULL;
    e->retired = NULL;
    pthread_mutex_unlock(&e->lock);
    while (q != NULL) { struct edit *n = q->next; free_unapplied(q); q = n; }
    while (r != NULL) { struct edit *n = r->next; free_edit(r); r = n; }
    if (e->streams != NULL)
        for (uint32_t i = 0; i < e->cfg.max_streams; i++) free_stream(e->streams[i]);
    if (e->ports != NULL)
        for (uint32_t i = 0; i < e->cfg.max_streams; i++) free_port(e->ports[i]);
    if (e->epfd >= 0) close(e->epfd);
    if (e->use_uring) sipt_uring_free(&e->ur);
    free(e->urx); free(e->rx_todo); free(e->rx_next);
    free(e->ctl_port_used); free(e->ctl_port_refs); free(e->ctl_port_mux);
    free(e->ctl_stream_port); free(e->ctl_stream_chan); free(e->ctl_chan_stream);
    free(e->ctl_chan_xpeer); free(e->ports); free(e->streams); free(e->active); free(e->chans);
    free(e->evs); free(e->rx_scratch); free(e->tx_scratch); free(e->rbuf); free(e->evq);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

/* ---- staging ----------------------------------------------------------------------------- */

/* Takes the lock and frees what ticks retired. */
static void ctl_enter(struct media_engine *e)
{
    pthread_mutex_lock(&e->lock);
    struct edit *r = e->retired;
    e->retired = NULL;
    while (r != NULL) { struct edit *n = r->next; free_edit(r); r = n; }
}

static void ctl_leave(struct media_engine *e) { pthread_mutex_unlock(&e->lock); }

static void enqueue(struct media_engine *e, struct edit *ed)
{
    ed->next = NULL;
    if (e->q_tail != NULL) e->q_tail->next = ed; else e->q_head = ed;
    e->q_tail = ed;
}

int32_t media_engine_reclaim(media_engine_t *e)
{
    if (e == NULL) return -EINVAL;
    ctl_enter(e);
    ctl_leave(e);
    return 0;
}

int32_t media_engine_set_tdm_law(media_engine_t *e, uint32_t channel, uint32_t law)
{
    if (e == NULL || channel >= e->cfg.max_channels || (law != SIPT_MEDIA_LAW_ALAW && law != SIPT_MEDIA_LAW_ULAW)) return -EINVAL;
    struct edit *ed = calloc(1, sizeof *ed);
    if (ed == NULL) return -ENOMEM;
    ed->kind = ED_LAW;
    ed->a = channel;
    ed->b = law;
    ctl_enter(e);
    enqueue(e, ed);
    ctl_leave(e);
    return 0;
}

int32_t media_engine_port_open(media_engine_t *e, const media_port_config_t *cfg, media_port_info_t *info)
{
    if (e == NULL || cfg == NULL) return -EINVAL;
    struct port *p = calloc(1, sizeof *p);
    struct edit *ed = calloc(1, sizeof *ed);
    if (p == NULL || ed == NULL) { free(p); free(ed); return -ENOMEM; }
    p->fd_rtp = p->fd_rtcp = -1;
    ctl_enter(e);
    int32_t id = -1;
    for (uint32_t i = 0; i < e->cfg.max_streams; i++)
        if (!e->ctl_port_used[i]) { id = (int32_t) i; break; }
    if (id < 0) { ctl_leave(e); free(p); free(ed); return -ENOSPC; }
    p->id = id;
    p->gen = ++e->port_gen;
    int rc = sipt_port_open(e, cfg, p);
    if (rc < 0) { ctl_leave(e); free_port(p); free(ed); return rc; }
    e->ctl_port_used[id] = 1;
    e->ctl_port_refs[id] = 0;
    e->ctl_port_mux[id] = (uint8_t) p->rtcp_mux;
    ed->kind = ED_PORT_ADD;
    ed->id = id;
    ed->port = p;
    enqueue(e, ed);
    ctl_leave(e);
    if (info != NULL) {
        info->port_id = id;
        info->rtp_port = p->rtp_port;
        info->rtcp_port = p->rtcp_port;
    }
    return id;
}

int32_t media_engine_port_close(media_engine_t *e, int32_t port_id)
{
    if (e == NULL || port_id < 0 || (uint32_t) port_id >= e->cfg.max_streams) return -EINVAL;
    struct edit *ed = calloc(1, sizeof *ed);
    if (ed == NULL) return -ENOMEM;
    ctl_enter(e);
    if (!e->ctl_port_used[port_id]) { ctl_leave(e); free(ed); return -ENOENT; }
    if (e->ctl_port_refs[port_id]) { ctl_leave(e); free(ed); return -EBUSY; }
    e->ctl_port_used[port_id] = 0;
    ed->kind = ED_PORT_DEL;
    ed->id = port_id;
    enqueue(e, ed);
    ctl_leave(e);
    return 0;
}

static int check_stream_cfg(const struct media_engine *e, const media_stream_config_t *c)
{
    if (c->tdm_channel >= e->cfg.max_channels) return -EINVAL;
    if (c->port_id < 0 || (uint32_t) c->port_id >= e->cfg.max_streams) return -EINVAL;
    if (c->direction > SIPT_MEDIA_DIR_INACTIVE || c->codec > SIPT_MEDIA_CODEC_PCMA || c->payload_type > 127u) return -EINVAL;
    if (c->payload_type >= RTP_PT_RTCP_LO && c->payload_type <= RTP_PT_RTCP_HI) return -EINVAL; /* RFC 5761 §4 */
    if (c->event_pt < -1 || c->event_pt > 127 || c->event_pt == (int16_t) c->payload_type) return -EINVAL;
    if (c->event_pt >= (int16_t) RTP_PT_RTCP_LO && c->event_pt <= (int16_t) RTP_PT_RTCP_HI) return -EINVAL;
    if (c->ptime_ms != 10u && c->ptime_ms != 20u && c->ptime_ms != 30u) return -EINVAL;
    if (c->dtmf_mode > SIPT_MEDIA_DTMF_BOTH) return -EINVAL;
    if (c->ec_enabled && (c->ec_tail_ms < 8u || c->ec_tail_ms > 128u)) return -EINVAL;
    if (c->remote_family != 0 && c->remote_family != 4 && c->remote_family != 6) return -EINVAL;
    if (c->remote_family != 0 && c->remote_rtp_port == 0) return -EINVAL;
    uint16_t lo = c->jb_min_ms ? c->jb_min_ms : 20u, hi = c->jb_max_ms ? c->jb_max_ms : 200u;
    if (lo > hi || hi > 400u) return -EINVAL;
    if (memchr(c->cname, 0, sizeof c->cname) == NULL) return -EINVAL;
    return 0;
}

/* Echo canceller and its reference ring for a stream configuration. */
static int make_ec(const struct media_engine *e, const media_stream_config_t *c, struct edit *ed)
{
    if (!c->ec_enabled) return 0;
    /* The linear G.168 canceller with a DC-blocking filter on the line input. spandsp 0.0.6's
     * non-linear processor is deliberately not enabled: it replaces every sample with comfort
     * noise while the smoothed line-input power is below 30e6 (about -12 dBm0), whatever the
     * residual echo, which would mute the near-end talker (README "Echo canceller"). */
    ed->ec = echo_can_init((int) c->ec_tail_ms * 8, ECHO_CAN_USE_ADAPTION | ECHO_CAN_USE_RX_HPF);
    uint32_t need = e->cfg.ec_bulk_delay_samples + e->block + 1u, size = 256u;
    while (size < need) size <<= 1;
    ed->ec_ref = calloc(size, sizeof(int16_t));
    ed->ec_ref_size = size;
    return ed->ec != NULL && ed->ec_ref != NULL ? 0 : -ENOMEM;
}

static void dtmf_cb(void *user, int code, int level, int delay);

int32_t media_engine_stream_add(media_engine_t *e, const media_stream_config_t *cfg)
{
    if (e == NULL || cfg == NULL) return -EINVAL;
    int rc = check_stream_cfg(e, cfg);
    if (rc < 0) return rc;
    struct stream *s = aligned_alloc(64, (sizeof *s + 63u) & ~(size_t) 63u);
    struct edit *ed = calloc(1, sizeof *ed);
    if (s == NULL || ed == NULL) { free(s); free(ed); return -ENOMEM; }
    memset(s, 0, sizeof *s);
    if (make_ec(e, cfg, ed) < 0) { free(s); free_unapplied(ed); return -ENOMEM; }
    /* RFC 3550 §5.1: random initial sequence number and timestamp; §8.1: random SSRC */
    s->ssrc = cfg->ssrc != 0 ? cfg->ssrc : random32();
    s->seq = (uint16_t) random32();
    s->ts_clock = random32();
    dtmf_rx_init(&s->dtmf_rx, NULL, NULL);
    dtmf_rx_set_realtime_callback(&s->dtmf_rx, dtmf_cb, s);
    dtmf_tx_init(&s->dtmf_rtp);
    plc_init(&s->plc);
    ctl_enter(e);
    int32_t id = -1;
    if (!e->ctl_port_used[cfg->port_id]) rc = -ENOENT;
    else if (e->ctl_port_refs[cfg->port_id]) rc = -EBUSY;
    else if (e->ctl_chan_stream[cfg->tdm_channel] >= 0 || e->ctl_chan_xpeer[cfg->tdm_channel] >= 0) rc = -EBUSY;
    else {
        for (uint32_t i = 0; i < e->cfg.max_streams; i++)
            if (e->ctl_stream_port[i] < 0) { id = (int32_t) i; break; }
        if (id < 0) rc = -ENOSPC;
    }
    if (rc < 0) { ctl_leave(e); free(s); free_unapplied(ed); return rc; }
    s->id = id;
    e->ctl_stream_port[id] = cfg->port_id;
    e->ctl_stream_chan[id] = (int32_t) cfg->tdm_channel;
    e->ctl_port_refs[cfg->port_id] = 1;
    e->ctl_chan_stream[cfg->tdm_channel] = id;
    ed->kind = ED_STREAM_ADD;
    ed->id = id;
    ed->stream = s;
    ed->cfg = *cfg;
    enqueue(e, ed);
    ctl_leave(e);
    return id;
}

int32_t media_engine_stream_modify(media_engine_t *e, int32_t id, const media_stream_config_t *cfg)
{
    if (e == NULL || cfg == NULL || id < 0 || (uint32_t) id >= e->cfg.max_streams) return -EINVAL;
    int rc = check_stream_cfg(e, cfg);
    if (rc < 0) return rc;
    struct edit *ed = calloc(1, sizeof *ed);
    if (ed == NULL) return -ENOMEM;
    if (make_ec(e, cfg, ed) < 0) { free_unapplied(ed); return -ENOMEM; }
    ctl_enter(e);
    int32_t old_port = e->ctl_stream_port[id], old_chan = e->ctl_stream_chan[id];
    if (old_port < 0) rc = -ENOENT;
    else if (cfg->port_id != old_port && (!e->ctl_port_used[cfg->port_id] || e->ctl_port_refs[cfg->port_id])) rc = -EBUSY;
    else if ((int32_t) cfg->tdm_channel != old_chan &&
             (e->ctl_chan_stream[cfg->tdm_channel] >= 0 || e->ctl_chan_xpeer[cfg->tdm_channel] >= 0)) rc = -EBUSY;
    if (rc < 0) { ctl_leave(e); free_unapplied(ed); return rc; }
    e->ctl_port_refs[old_port] = 0;
    e->ctl_port_refs[cfg->port_id] = 1;
    e->ctl_stream_port[id] = cfg->port_id;
    e->ctl_chan_stream[old_chan] = -1;
    e->ctl_chan_stream[cfg->tdm_channel] = id;
    e->ctl_stream_chan[id] = (int32_t) cfg->tdm_channel;
    ed->kind = ED_STREAM_MOD;
    ed->id = id;
    ed->cfg = *cfg;
    enqueue(e, ed);
    ctl_leave(e);
    return 0;
}

int32_t media_engine_stream_remove(media_engine_t *e, int32_t id)
{
    if (e == NULL || id < 0 || (uint32_t) id >= e->cfg.max_streams) return -EINVAL;
    struct edit *ed = calloc(1, sizeof *ed);
    if (ed == NULL) return -ENOMEM;
    ctl_enter(e);
    int32_t port = e->ctl_stream_port[id], chan = e->ctl_stream_chan[id];
    if (port < 0) { ctl_leave(e); free(ed); return -ENOENT; }
    e->ctl_port_refs[port] = 0;
    e->ctl_chan_stream[chan] = -1;
    e->ctl_stream_port[id] = e->ctl_stream_chan[id] = -1;
    ed->kind = ED_STREAM_DEL;
    ed->id = id;
    enqueue(e, ed);
    ctl_leave(e);
    return 0;
}

int32_t media_engine_xconnect(media_engine_t *e, uint32_t a, uint32_t b)
{
    if (e == NULL || a >= e->cfg.max_channels || b >= e->cfg.max_channels || a == b) return -EINVAL;
    struct edit *ed = calloc(1, sizeof *ed);
    if (ed == NULL) return -ENOMEM;
    ctl_enter(e);
    if (e->ctl_chan_stream[a] >= 0 || e->ctl_chan_stream[b] >= 0 || e->ctl_chan_xpeer[a] >= 0 ||
        e->ctl_chan_xpeer[b] >= 0) { ctl_leave(e); free(ed); return -EBUSY; }
    e->ctl_chan_xpeer[a] = (int32_t) b;
    e->ctl_chan_xpeer[b] = (int32_t) a;
    ed->kind = ED_XC;
    ed->a = a;
    ed->b = b;
    enqueue(e, ed);
    ctl_leave(e);
    return 0;
}

int32_t media_engine_xconnect_clear(media_engine_t *e, uint32_t ch)
{
    if (e == NULL || ch >= e->cfg.max_channels) return -EINVAL;
    struct edit *ed = calloc(1, sizeof *ed);
    if (ed == NULL) return -ENOMEM;
    ctl_enter(e);
    int32_t peer = e->ctl_chan_xpeer[ch];
    if (peer < 0) { ctl_leave(e); free(ed); return -ENOENT; }
    e->ctl_chan_xpeer[ch] = e->ctl_chan_xpeer[peer] = -1;
    ed->kind = ED_XC_CLEAR;
    ed->a = ch;
    ed->b = (uint32_t) peer;
    enqueue(e, ed);
    ctl_leave(e);
    return 0;
}

int32_t media_engine_tone_start(media_engine_t *e, uint32_t ch, uint32_t side, const media_tone_t *tone)
{
    if (e == NULL || tone == NULL || ch >= e->cfg.max_channels || side > SIPT_MEDIA_SIDE_RTP) return -EINVAL;
    if (sipt_tone_validate(tone) < 0) return -EINVAL;
    struct edit *ed = calloc(1, sizeof *ed);
    if (ed == NULL) return -ENOMEM;
    ed->kind = ED_TONE_START;
    ed->a = ch;
    ed->b = side;
    ed->tone = *tone;
    ctl_enter(e);
    enqueue(e, ed);
    ctl_leave(e);
    return 0;
}

int32_t media_engine_tone_stop(media_engine_t *e, uint32_t ch, uint32_t side)
{
    if (e == NULL || ch >= e->cfg.max_channels || side > SIPT_MEDIA_SIDE_RTP) return -EINVAL;
    struct edit *ed = calloc(1, sizeof *ed);
    if (ed == NULL) return -ENOMEM;
    ed->kind = ED_TONE_STOP;
    ed->a = ch;
    ed->b = side;
    ctl_enter(e);
    enqueue(e, ed);
    ctl_leave(e);
    return 0;
}

static int digit_code(uint8_t d)
{
    static const char map[] = "0123456789*#ABCD"; /* RFC 4733 §3.2 Table 7: events 0-15 */
    for (int i = 0; i < 16; i++) if (map[i] == (char) d) return i;
    if (d >= 'a' && d <= 'd') return 12 + (d - 'a');
    return -1;
}

int32_t media_engine_dtmf_send(media_engine_t *e, uint32_t ch, uint32_t side, uint8_t digit, uint32_t duration_ms)
{
    if (e == NULL || ch >= e->cfg.max_channels || side > SIPT_MEDIA_SIDE_RTP || digit_code(digit) < 0 ||
        duration_ms < 40u || duration_ms > 8000u) return -EINVAL;
    struct edit *ed = calloc(1, sizeof *ed);
    if (ed == NULL) return -ENOMEM;
    ed->kind = ED_DTMF;
    ed->a = ch;
    ed->b = side;
    ed->digit = digit >= 'a' && digit <= 'd' ? (uint8_t) (digit - 32) : digit;
    ed->duration = duration_ms;
    ctl_enter(e);
    if (side == SIPT_MEDIA_SIDE_RTP && e->ctl_chan_stream[ch] < 0) { ctl_leave(e); free(ed); return -ENOENT; }
    enqueue(e, ed);
    ctl_leave(e);
    return 0;
}

/* ---- application at the tick boundary ---------------------------------------------------- */

/* RFC 4733 events from the TDM detector (spandsp realtime callback, called inside dtmf_rx). */
static void dtmf_cb(void *user, int code, int level, int delay)
{
    (void) delay;
    struct stream *s = user;
    if (code != 0) {
        s->dtmf_detected = code;
        s->dtmf_det_level = level;
    } else {
        s->dtmf_detected = 0;
    }
}

static void configure(struct media_engine *e, struct stream *s, const media_stream_config_t *c)
{
    media_stream_config_t old = s->cfg;
    s->cfg = *c;
    if (s->cfg.jb_min_ms == 0) s->cfg.jb_min_ms = 20;
    if (s->cfg.jb_max_ms == 0) s->cfg.jb_max_ms = 200;
    if (s->cfg.relatch_ms == 0) s->cfg.relatch_ms = 2000;
    s->relatch_ticks = (uint32_t) s->cfg.relatch_ms * 8u / e->block;
    s->jb_block = e->block;
    s->ptime_samples = (uint32_t) c->ptime_ms * 8u;
    s->rtp_law = c->codec == SIPT_MEDIA_CODEC_PCMA ? SIPT_MEDIA_LAW_ALAW : SIPT_MEDIA_LAW_ULAW;
    s->rtp_idle = sipt_idle_code(s->rtp_law);
    uint8_t tdm = s->chan->law;
    s->to_rtp = tdm == s->rtp_law ? NULL : tdm == SIPT_MEDIA_LAW_ALAW ? sipt_a2u : sipt_u2a;
    s->to_tdm = tdm == s->rtp_law ? NULL : tdm == SIPT_MEDIA_LAW_ALAW ? sipt_u2a : sipt_a2u;
    s->dtmf_detect = c->event_pt >= 0 && c->dtmf_mode != SIPT_MEDIA_DTMF_INBAND;
    s->dtmf_suppress = s->dtmf_detect && c->dtmf_mode == SIPT_MEDIA_DTMF_RFC4733;
    /* flood guard: four times the packet rate of 10 ms packets, bursts of 50 packets (500 ms of
     * 10 ms packets arriving at once after a stall) */
    s->flood_refill = (int) (4u * e->block / 80u);
    s->flood_cap = 50;
    int port_family = s->port != NULL ? s->port->family : 4;
    s->has_remote = c->remote_family != 0 &&
        sipt_sockaddr_from(c->remote_family, c->remote_addr, c->remote_rtp_port, &s->remote_rtp,
                           &s->remote_len, port_family) == 0;
    uint16_t rtcp_port = c->remote_rtcp_port != 0 ? c->remote_rtcp_port :
        (s->port != NULL && s->port->rtcp_mux) ? c->remote_rtp_port : (uint16_t) (c->remote_rtp_port + 1u);
    if (s->has_remote)
        sipt_sockaddr_from(c->remote_family, c->remote_addr, rtcp_port, &s->remote_rtcp, &s->remote_rtcp_len, port_family);
    int remote_changed = old.remote_family != c->remote_family || old.remote_rtp_port != c->remote_rtp_port ||
        memcmp(old.remote_addr, c->remote_addr, 16) != 0 || old.port_id != c->port_id;
    if (remote_changed) {
        /* A new remote: latch afresh and take its SSRC; our SSRC, sequence and timestamp go on. */
        s->latch_state = LATCH_NONE;
        s->rtcp_latched = 0;
        sipt_stream_rx_reset(s);
    }
    if (c->ssrc != 0 && c->ssrc != s->ssrc) {
        s->ssrc = c->ssrc;
        s->sr_packets = s->sr_octets = 0;
    }
    int sending = c->direction == SIPT_MEDIA_DIR_SENDRECV || c->direction == SIPT_MEDIA_DIR_SENDONLY;
    if (sending && !s->sending) s->marker = 1;
    s->sending = sending;
    sipt_jb_retarget(s);
}

static void release_port(struct media_engine *e, struct stream *s)
{
    if (s->port != NULL && s->port->stream == s) {
        s->port->stream = NULL;
        sipt_port_watch_rtp(e, s->port, 1);
    }
}

static void unbind_stream(struct media_engine *e, struct stream *s)
{
    release_port(e, s);
    if (s->chan != NULL && s->chan->stream == s) s->chan->stream = NULL;
    for (uint32_t i = 0; i < e->n_active; i++)
        if (e->active[i] == s) { e->active[i] = e->active[--e->n_active]; break; }
}

static void bind_stream(struct media_engine *e, struct stream *s, const media_stream_config_t *c)
{
    s->port = e->ports[c->port_id];
    s->chan = &e->chans[c->tdm_channel];
    if (s->port != NULL) {
        s->port->stream = s;
        sipt_port_watch_rtp(e, s->port, 0);
    }
    s->chan->stream = s;
}

static void send_bye(struct media_engine *e, struct stream *s)
{
    if (s->port == NULL || (!s->any_rtp && s->c[SC_rtp_tx_packets] == 0)) return;
    const struct sockaddr_storage *to = s->rtcp_latched ? &s->latched_rtcp : &s->remote_rtcp;
    socklen_t tolen = s->rtcp_latched ? s->latched_rtcp_len : s->remote_rtcp_len;
    if (!s->rtcp_latched && !s->has_remote) return;
    uint8_t buf[PKT_MAX];
    size_t n = sipt_rtcp_build(e, s, buf, sizeof buf, 1);
    int fd = s->port->rtcp_mux ? s->port->fd_rtp : s->port->fd_rtcp;
    if (n > 0 && sendto(fd, buf, n, MSG_DONTWAIT, (const struct sockaddr *) to, tolen) == (ssize_t) n) {
        s->c[SC_rtcp_tx]++;
        e->g[GC_rtcp_tx]++;
    }
}

static void apply_one(struct media_engine *e, struct edit *ed)
{
    switch (ed->kind) {
    case ED_LAW: {
        struct channel *c = &e->chans[ed->a];
        c->law = (uint8_t) ed->b;
        c->idle = sipt_idle_code(c->law);
        if (c->stream != NULL) {
            media_stream_config_t cfg = c->stream->cfg;
            configure(e, c->stream, &cfg);
        }
        break;
    }
    case ED_PORT_ADD:
        e->ports[ed->id] = ed->port;
        ed->port = NULL;
        break;
    case ED_PORT_DEL:
        ed->free_port = e->ports[ed->id];
        e->ports[ed->id] = NULL;
        break;
    case ED_STREAM_ADD: {
        struct stream *s = ed->stream;
        ed->stream = NULL;
        bind_stream(e, s, &ed->cfg);
        s->ec = ed->ec;
        s->ec_ref = ed->ec_ref;
        s->ec_ref_mask = ed->ec_ref_size ? ed->ec_ref_size - 1u : 0u;
        ed->ec = NULL;
        ed->ec_ref = NULL;
        s->c[SC_stream_id] = (uint64_t) s->id;
        s->jb.target = (uint32_t) (ed->cfg.jb_min_ms ? ed->cfg.jb_min_ms : 20u) * 8u;
        s->cfg.remote_family = 0xFF; /* forces "remote changed" in configure() */
        configure(e, s, &ed->cfg);
        sipt_jb_reset(s);
        s->next_rtcp_tick = e->tick_no + sipt_rtcp_next_interval_ticks(e, 1);
        s->flood_tokens = s->flood_cap;
        e->streams[s->id] = s;
        e->active[e->n_active++] = s;
        break;
    }
    case ED_STREAM_MOD: {
        struct stream *s = e->streams[ed->id];
        if (s == NULL) break;
        release_port(e, s);
        if (s->chan != NULL && s->chan->stream == s) s->chan->stream = NULL;
        bind_stream(e, s, &ed->cfg);
        /* the canceller is replaced when enabled again or with another tail, kept otherwise */
        int keep = s->ec != NULL && ed->cfg.ec_enabled && s->cfg.ec_enabled && s->cfg.ec_tail_ms == ed->cfg.ec_tail_ms;
        if (!keep) {
            ed->free_ec = s->ec;
            ed->free_ec_ref = s->ec_ref;
            s->ec = ed->ec;
            s->ec_ref = ed->ec_ref;
            s->ec_ref_mask = ed->ec_ref_size ? ed->ec_ref_size - 1u : 0u;
            s->ec_ref_pos = 0;
            ed->ec = NULL;
            ed->ec_ref = NULL;
        }
        configure(e, s, &ed->cfg);
        break;
    }
    case ED_STREAM_DEL: {
        struct stream *s = e->streams[ed->id];
        if (s == NULL) break;
        send_bye(e, s);
        unbind_stream(e, s);
        e->streams[ed->id] = NULL;
        ed->free_stream = s;
        break;
    }
    case ED_XC:
        e->chans[ed->a].xpeer = (int32_t) ed->b;
        e->chans[ed->b].xpeer = (int32_t) ed->a;
        break;
    case ED_XC_CLEAR:
        e->chans[ed->a].xpeer = -1;
        e->chans[ed->b].xpeer = -1;
        break;
    case ED_TONE_START:
        sipt_tone_start(&e->chans[ed->a].tone[ed->b], &ed->tone);
        break;
    case ED_TONE_STOP:
        e->chans[ed->a].tone[ed->b].active = 0;
        break;
    case ED_DTMF: {
        struct channel *c = &e->chans[ed->a];
        char d[2] = { (char) ed->digit, 0 };
        if (ed->b == SIPT_MEDIA_SIDE_TDM) {
            dtmf_tx_init(&c->dtmf);
            dtmf_tx_set_timing(&c->dtmf, (int) ed->duration, 0);
            dtmf_tx_put(&c->dtmf, d, 1);
            c->dtmf_active = 1;
            c->dtmf_from_rtp = 0;
            c->dtmf_left = ed->duration * 8u;
            c->dtmf_digit = ed->digit;
        } else if (c->stream != NULL) {
            struct stream *s = c->stream;
            if (s->cfg.event_pt >= 0) {
                memset(&s->evtx, 0, sizeof s->evtx);
                s->evtx.active = 1;
                s->evtx.code = digit_code(ed->digit);
                s->evtx.ts = s->accum_len > 0 ? s->accum_ts : s->ts_clock;
                s->evtx.limit = ed->duration * 8u;
                s->evtx.first = 1;
                s->evtx.volume = 10;
                s->evtx.from_api = 1;
            } else {
                dtmf_tx_init(&s->dtmf_rtp);
                dtmf_tx_set_timing(&s->dtmf_rtp, (int) ed->duration, 0);
                dtmf_tx_put(&s->dtmf_rtp, d, 1);
                s->dtmf_rtp_left = ed->duration * 8u;
                s->dtmf_rtp_digit = ed->digit;
            }
        }
        break;
    }
    default:
        break;
    }
}

void sipt_apply_edits(struct media_engine *e)
{
    if (__atomic_load_n(&e->q_head, __ATOMIC_RELAXED) == NULL) return;
    pthread_mutex_lock(&e->lock);
    struct edit *q = e->q_head;
    e->q_head = e->q_tail = NULL;
    pthread_mutex_unlock(&e->lock);
    if (q == NULL) return;
    struct edit *last = NULL;
    for (struct edit *ed = q; ed != NULL; ed = ed->next) {
        apply_one(e, ed);
        e->g[GC_edits_applied]++;
        last = ed;
    }
    pthread_mutex_lock(&e->lock);
    last->next = e->retired;
    e->retired = q;
    pthread_mutex_unlock(&e->lock);
}

/* ---- counters ---------------------------------------------------------------------------- */

int32_t media_engine_read_counters(media_engine_t *e, uint64_t *global, uint64_t *rows, uint32_t max_rows)
{
    if (e == NULL) return -EINVAL;
    pthread_mutex_lock(&e->lock);
    e->g[GC_spandsp_stdout_suppressed] = sipt_quiet_count();
    e->g[GC_streams_active] = e->n_active;
    uint64_t ports = 0, xc = 0;
    for (uint32_t i = 0; i < e->cfg.max_streams; i++) if (e->ports[i] != NULL) ports++;
    for (uint32_t i = 0; i < e->cfg.max_channels; i++) if (e->chans[i].xpeer > (int32_t) i) xc++;
    e->g[GC_ports_open] = ports;
    e->g[GC_xconnects_active] = xc;
    if (global != NULL) memcpy(global, e->g, sizeof e->g);
    uint32_t n = 0;
    if (rows != NULL)
        for (uint32_t i = 0; i < e->cfg.max_streams && n < max_rows; i++) {
            struct stream *s = e->streams[i];
            if (s == NULL) continue;
            s->c[SC_stream_id] = (uint64_t) s->id;
            s->c[SC_channel] = s->cfg.tdm_channel;
            s->c[SC_tx_ssrc] = s->ssrc;
            s->c[SC_tx_seq] = s->seq;
            s->c[SC_remote_ssrc] = s->src.valid ? s->src.ssrc : 0u;
            s->c[SC_jitter_us] = (uint64_t) (s->src.jitter >> 4) * 1000000ull / SAMPLE_RATE_HZ;
            if (s->src.valid) {
                int32_t lost = sipt_src_lost(&s->src);
                s->c[SC_rx_expected] = s->expected_base + sipt_src_extended_max(&s->src) - s->src.base_seq + 1u;
                s->c[SC_rx_lost] = s->lost_base + (lost > 0 ? (uint64_t) lost : 0u);
            } else {
                s->c[SC_rx_expected] = s->expected_base;
                s->c[SC_rx_lost] = s->lost_base;
            }
            s->c[SC_rx_idle_ms] = (e->tick_no - s->last_rx_tick) * e->block / 8u;
            memcpy(rows + (size_t) n * SC__COUNT, s->c, sizeof s->c);
            n++;
        }
    pthread_mutex_unlock(&e->lock);
    return (int32_t) n;
}
