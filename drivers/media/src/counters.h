/*
 * counters.h - the engine's counters, one X-macro list per kind so that the C enums, the names
 * returned by media_engine_counter_name() and drivers/media/counters.ts stay in one order.
 */
#ifndef SIPT_MEDIA_COUNTERS_H
#define SIPT_MEDIA_COUNTERS_H

#define SIPT_GLOBAL_COUNTERS(X) \
    X(ticks) X(ticks_skipped) X(tick_ns_last) X(tick_ns_max) X(edits_applied) \
    X(rtp_tx) X(rtp_rx) X(rtcp_tx) X(rtcp_rx) X(send_errors) X(recv_errors) \
    X(recv_budget_exhausted) X(streams_active) X(ports_open) X(xconnects_active) \
    X(events_dropped) X(spandsp_stdout_suppressed) X(stray_packets) X(io_uring) X(io_submits)

/* Per stream. Units are in the names; *_ms, *_us gauges are current values. */
#define SIPT_STREAM_COUNTERS(X) \
    X(stream_id) X(channel) X(rtp_tx_packets) X(rtp_tx_octets) X(rtp_rx_packets) \
    X(rtp_rx_octets) X(rx_expected) X(rx_lost) X(rx_duplicate) X(rx_late) X(rx_early) \
    X(jb_resyncs) X(plc_samples) X(jb_depth_ms) X(jb_target_ms) X(jb_grow) X(jb_shrink) \
    X(jitter_us) X(bad_length) X(bad_version) X(bad_pt) X(bad_ssrc) X(ssrc_changes) \
    X(hijack_drops) X(probation_drops) X(flood_drops) X(latches) X(dtmf_tdm_detected) \
    X(dtmf_rtp_events_sent) X(dtmf_rtp_received) X(rtcp_tx) X(rtcp_rx) X(rtcp_bad) X(rtt_us) \
    X(remote_fraction_lost) X(remote_cumulative_lost) X(remote_jitter_us) X(send_errors) \
    X(rx_idle_ms) X(tx_ssrc) X(tx_seq) X(remote_ssrc)

#define SIPT_ENUM_G(n) GC_##n,
#define SIPT_ENUM_S(n) SC_##n,
enum { SIPT_GLOBAL_COUNTERS(SIPT_ENUM_G) GC__COUNT };
enum { SIPT_STREAM_COUNTERS(SIPT_ENUM_S) SC__COUNT };

#endif
