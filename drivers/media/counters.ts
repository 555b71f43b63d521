/**
 * Names of the engine's counters, in the order of src/counters.h (the C side is the source;
 * NativeMediaEngine.open() checks that the library reports exactly these). Units are in the
 * names: *_ms / *_us / *_ns gauges are current values, the rest count since the stream began.
 */
export const GLOBAL_COUNTER_NAMES = [
  "ticks", "ticks_skipped", "tick_ns_last", "tick_ns_max", "edits_applied", "rtp_tx", "rtp_rx", "rtcp_tx",
  "rtcp_rx", "send_errors", "recv_errors", "recv_budget_exhausted", "streams_active", "ports_open",
  "xconnects_active", "events_dropped", "spandsp_stdout_suppressed", "stray_packets", "io_uring", "io_submits",
] as const;

export const STREAM_COUNTER_NAMES = [
  "stream_id", "channel", "rtp_tx_packets", "rtp_tx_octets", "rtp_rx_packets", "rtp_rx_octets",
  "rx_expected", "rx_lost", "rx_duplicate", "rx_late", "rx_early", "jb_resyncs", "plc_samples",
  "jb_depth_ms", "jb_target_ms", "jb_grow", "jb_shrink", "jitter_us", "bad_length", "bad_version", "bad_pt",
  "bad_ssrc", "ssrc_changes", "hijack_drops", "probation_drops", "flood_drops", "latches",
  "dtmf_tdm_detected", "dtmf_rtp_events_sent", "dtmf_rtp_received", "rtcp_tx", "rtcp_rx", "rtcp_bad",
  "rtt_us", "remote_fraction_lost", "remote_cumulative_lost", "remote_jitter_us", "send_errors",
  "rx_idle_ms", "tx_ssrc", "tx_seq", "remote_ssrc",
] as const;

export type GlobalCounterName = (typeof GLOBAL_COUNTER_NAMES)[number];
export type StreamCounterName = (typeof STREAM_COUNTER_NAMES)[number];
