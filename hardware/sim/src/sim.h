/*
 * sim.h -- private state of the simulated card (not an interface).
 *
 * Locking (acquire in this order, never the reverse):
 *   card->mu         control state: spans, ports, signalling channels, alarms,
 *                    signalling sockets, port supervision;
 *   card->layout_mu  the bearer layout (held by bearer_exchange while moving
 *                    blocks, and by whoever rebuilds the layout);
 *   line->mu         one bearer line (span or port): its far-end fd, its
 *                    transmit block and its receive elastic store;
 *   card->evmu       the event queue (leaf).
 * The service thread owns the epoll set and is the only one that accepts,
 * connects, replaces or closes far-end sockets (under the locks above).
 */
#ifndef SIPT_SIM_PRIV_H
#define SIPT_SIM_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/un.h>

#include "../../abi/sipt_card.h"
#include "../sim_internal.h"

#define SIM_RXQ_DEPTH 4u        /* bearer elastic store, blocks */
#define SIM_SIG_RING 64u        /* frames queued per signalling channel */
#define SIM_EVQ 256u            /* events queued per card */
#define SIM_MAX_SLOTS 32u       /* timeslot index 0..31 */
#define SIM_BLOCK_HDR 8u        /* line-side bearer header */
#define SIM_FREERUN_WAIT_MS 250 /* freerun: longest wait for a far end's answer */
#define SIM_WIRE_RETRY_MS 100u
#define SIM_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path))

/* Port line message types (RUNDIR/port<P>.line). */
#define PORT_MSG_BEARER 0x01u
#define PORT_MSG_HOOK 0x10u
#define PORT_MSG_RING 0x11u
#define PORT_MSG_POLARITY 0x12u
#define PORT_MSG_BATTERY 0x13u

typedef struct sim_line {
  int inited;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int fd;               /* far end (accepted) or wire (connected), -1 when none */
  int wired;            /* fd is this card's connection to another card */
  int is_port;          /* port message framing instead of span framing */
  uint32_t slots;       /* timeslots on the line (31, 24 or 1) */
  uint32_t block;       /* octets per slot per block */
  size_t pkt_len;       /* header + slots * block */
  uint8_t *txpkt;       /* the packet last built from the gateway's tx (wire answers use it) */
  uint8_t *rxq;         /* SIM_RXQ_DEPTH packets' payloads (slots * block each) */
  uint32_t rx_head, rx_count;
  int reading;             /* the store reached its start fill since attach / last slip */
  uint32_t tx_seq;
  uint64_t sent_on_conn;
  uint64_t rx_blocks, tx_blocks, rx_invalid, slips;
  uint32_t pending_slips;  /* injected controlled slips to apply */
  uint8_t idle;            /* idle code of the line's law */
  uint8_t fill;            /* 0: pass received data; else the octet forced on reads */
  int cut;
  /* span loopback (sipt_sim_set_loopback), mirrored from sim_span_t.loopback */
  uint32_t loop;           /* SIPT_SIM_LOOP_* */
  uint32_t loop_mask;      /* bit T: timeslot T is returned toward the line (LINE, PAYLOAD) */
  uint8_t *loopbuf;        /* LOCAL: the gateway's previous transmit block, slots * block */
} sim_line_t;

typedef struct sim_chan {
  int open;
  int handle;
  uint32_t gen;
  uint8_t *ring;           /* SIM_SIG_RING * SIPT_CARD_SIG_MAX_FRAME */
  uint16_t lens[SIM_SIG_RING];
  uint32_t head, count;
  uint64_t rx_frames, tx_frames, rx_crc, rx_invalid, rx_overflow, tx_dropped;
} sim_chan_t;

typedef struct sim_span {
  uint32_t num, type, nslots;
  char name[32];
  int configured;
  sipt_span_config_t cfg;
  uint32_t inj_alarms;
  int cut;
  uint32_t alarms;              /* reported */
  uint64_t bpv, crc, fas;
  int sig_listen[SIM_MAX_SLOTS];
  int sig_fd[SIM_MAX_SLOTS];
  sim_chan_t chan[SIM_MAX_SLOTS];
  uint32_t sig_err_rx[SIM_MAX_SLOTS], sig_err_tx[SIM_MAX_SLOTS];
  uint64_t sig_tx_corrupted;
  int bearer_listen;
  sim_line_t line;
  int wired;
  char wire_dir[SIM_PATH_MAX];
  uint32_t wire_span;
  uint64_t wire_retry_ms;
  uint32_t loopback;            /* SIPT_SIM_LOOP_* */
} sim_span_t;

typedef struct sim_port {
  uint32_t num, kind, law;
  char name[32];
  uint32_t debounce_ms, flash_max_ms, loop_ma_cfg;
  int listen_fd;
  sim_line_t line;
  uint64_t rx_invalid;
  /* FXS */
  int off_hook;                 /* confirmed phone hook state */
  int raw_off_hook;
  uint64_t onhook_at_ms;        /* when the pending on-hook began */
  int hook_pending;             /* on-hook seen, not yet confirmed or a flash */
  int ringing, ring_on;
  uint32_t cadence[SIPT_CARD_CADENCE_MAX], ncad, cad_idx;
  uint64_t ring_deadline_ms;
  int polarity, battery;        /* FXS: applied; FXO: detected */
  /* FXO */
  int fxo_off_hook;             /* the card's hook (reported) */
  int fxo_line_hook;            /* what the line sees (differs during a flash) */
  uint64_t flash_end_ms;
  int ring_detect;
  uint32_t loop_ma;             /* current loop current */
} sim_port_t;

typedef struct sim_group {      /* one line's share of the bearer layout */
  sim_line_t *line;
  uint32_t span;                /* span number, 0 for a port line */
  uint32_t first, count;        /* layout channel range */
  uint8_t slot[SIM_MAX_SLOTS];  /* line slot index (0-based) of each channel */
} sim_group_t;

struct sipt_card {
  pthread_mutex_t mu, layout_mu, evmu;
  int evfd, wakefd, epfd;
  pthread_t svc;
  int svc_running;
  atomic_int stop;
  atomic_int interrupted;
  char rundir[SIM_PATH_MAX];
  char model[64], serial[32];
  uint32_t block, mode;
  uint32_t rxfill;               /* elastic store start fill, blocks */
  uint32_t nspans, nports;
  sim_span_t *spans;
  sim_port_t *ports;
  uint32_t clock_source;
  /* bearer layout */
  sipt_bearer_channel_t *layout;  /* capacity: nspans*31 + nports */
  uint32_t nlayout;
  sim_group_t *groups;            /* capacity: nspans + nports */
  uint32_t ngroups;
  /* exchange state (exchange thread only, except reads under layout_mu) */
  uint64_t tick;
  int started;
  uint64_t t0_ns;
  atomic_uint_fast64_t ticks_done, late_ticks;
  /* events */
  sipt_card_event_t evq[SIM_EVQ];
  uint32_t ev_head, ev_count;
  uint64_t ev_lost;
  /* service thread scratch */
  uint8_t *scratch;
  size_t scratch_len;
  int ctl_started;
  /* alarm listener (sipt_sim_set_alarm_listener): set and called under mu */
  sipt_sim_alarm_fn alarm_fn;
  void *alarm_arg;
};

/* card.c */
uint64_t sim_now_ns(void);
uint64_t sim_now_ms(void);
void sim_notify(struct sipt_card *c);
void sim_wake_service(struct sipt_card *c);
void sim_post_event(struct sipt_card *c, uint32_t type, uint32_t span, uint32_t port, uint32_t ts,
                    uint32_t value, uint32_t changed);
void sim_post_counter(struct sipt_card *c, uint32_t type, uint32_t span, uint32_t port, uint32_t ts,
                      uint32_t delta, uint64_t total);
void sim_recompute_alarms(struct sipt_card *c, sim_span_t *s); /* mu held */
int sim_rebuild_layout(struct sipt_card *c);                   /* mu held */
void sim_line_loop_reset(sim_line_t *l);                       /* line->mu held */

/* line.c (mu held): one frame as the card's HDLC receiver on span timeslot
 * ts sees it; from_line 0 for a frame the card's own transmitter returned
 * (local loopback), which no line condition affects. */
void sim_deliver_frame(struct sipt_card *c, sim_span_t *s, uint32_t ts, const uint8_t *f, size_t len, int from_line);

/* line.c: service thread and sockets */
int sim_line_init(sim_line_t *l, uint32_t slots, uint32_t block, int is_port, uint8_t idle);
void sim_line_destroy(sim_line_t *l);
int sim_service_start(struct sipt_card *c);
void sim_service_stop(struct sipt_card *c);
int sim_listen_all(struct sipt_card *c);
void sim_close_all(struct sipt_card *c);
void sim_span_drop_conns(struct sipt_card *c, sim_span_t *s); /* mu held */
void sim_port_send(sim_port_t *p, uint8_t type, uint8_t value);  /* line->mu taken inside */
void sim_port_fxs_apply_battery(struct sipt_card *c, sim_port_t *p); /* mu held */
void sim_port_fxo_update_loop(struct sipt_card *c, sim_port_t *p);   /* mu held */
void sim_fxs_loop_update(struct sipt_card *c, sim_port_t *p);        /* mu held */
void sim_fxs_stop_ring(sim_port_t *p);                                  /* mu held */

/* profile.c */
int sim_load_profile(struct sipt_card *c, const char *path, char *err, size_t errlen);
int sim_inline_profile(struct sipt_card *c, const char *spans, const char *ports, uint32_t law);

#endif
