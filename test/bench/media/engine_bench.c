/*
 * engine_bench.c - the switch under test: the native media engine with N channels of A-law TDM,
 * each switched to a PCMU RTP stream (G.711 transcoding in both directions, RFC 4733 DTMF
 * detection on unless --dtmf 0), ticked every 20 ms on an absolute schedule on one CPU.
 * Reports tick lateness, CPU time and the engine's loss counters after the warm-up.
 */
#include "bench_common.h"

#include <math.h>
#include "sipt_media.h"

static uint8_t alaw_of(int pcm)
{
    int mask = 0xD5;
    pcm >>= 3;
    if (pcm < 0) { mask = 0x55; pcm = -pcm - 1; }
    int seg = 0;
    for (int v = pcm >> 5; v > 0 && seg < 8; v >>= 1) seg++;
    if (seg >= 8) return (uint8_t) (0x7F ^ mask);
    int mant = seg < 2 ? (pcm >> 1) & 0x0F : (pcm >> seg) & 0x0F;
    return (uint8_t) (((seg << 4) | mant) ^ mask);
}

static void sums(media_engine_t *e, uint64_t *rows, uint32_t n, uint32_t nc, uint64_t *out)
{
    /* rx_lost, rx_late, plc_samples, send_errors, rtp_rx_packets, rtp_tx_packets */
    static const char *names[] = { "rx_lost", "rx_late", "plc_samples", "send_errors", "rtp_rx_packets", "rtp_tx_packets" };
    uint32_t idx[6];
    for (int k = 0; k < 6; k++)
        for (uint32_t i = 0; i < nc; i++)
            if (strcmp(media_engine_counter_name(1, i), names[k]) == 0) idx[k] = i;
    uint64_t g[64];
    int rows_n = media_engine_read_counters(e, g, rows, n);
    memset(out, 0, 6 * sizeof *out);
    for (int r = 0; r < rows_n; r++)
        for (int k = 0; k < 6; k++) out[k] += rows[(size_t) r * nc + idx[k]];
}

int main(int argc, char **argv)
{
    long n = arg_long(argc, argv, "--channels", 100);
    long seconds = arg_long(argc, argv, "--seconds", 5);
    long warmup_s = arg_long(argc, argv, "--warmup", 1);
    int cpu = (int) arg_long(argc, argv, "--cpu", -1);
    long peer_port = arg_long(argc, argv, "--peer-port", 0);
    int dtmf = (int) arg_long(argc, argv, "--dtmf", 1);
    const char *ports_file = arg_str(argc, argv, "--ports-file", NULL);
    if (ports_file == NULL || peer_port <= 0 || n <= 0) { fprintf(stderr, "usage: engine_bench --channels N --peer-port P --ports-file F\n"); return 2; }
    pin_cpu(cpu);
    const char *sched = boost_priority();
    raise_nofile();

    media_engine_config_t cfg = { SIPT_MEDIA_ABI_VERSION, (uint32_t) n, (uint32_t) n, 160, SIPT_MEDIA_TDM_BLOCKS, 320, 0, 0 };
    int32_t err = 0;
    media_engine_t *e = media_engine_create(&cfg, NULL, &err);
    if (e == NULL) { fprintf(stderr, "media_engine_create: %d\n", err); return 1; }
    FILE *pf = fopen(ports_file, "w");
    for (long i = 0; i < n; i++) {
        media_port_config_t pc = { .family = 4, .rtcp_mux = 1, .addr = { 127, 0, 0, 1 } };
        media_port_info_t info;
        int32_t id = media_engine_port_open(e, &pc, &info);
        if (id < 0) { fprintf(stderr, "port_open %ld: %d\n", i, id); return 1; }
        media_stream_config_t sc;
        memset(&sc, 0, sizeof sc);
        sc.tdm_channel = (uint32_t) i;
        sc.port_id = id;
        sc.remote_family = 4;
        sc.remote_addr[0] = 127; sc.remote_addr[3] = 1;
        sc.remote_rtp_port = (uint16_t) peer_port;
        sc.direction = SIPT_MEDIA_DIR_SENDRECV;
        sc.codec = SIPT_MEDIA_CODEC_PCMU;
        sc.payload_type = 0;
        sc.event_pt = 101;
        sc.ptime_ms = 20;
        sc.dtmf_mode = dtmf ? SIPT_MEDIA_DTMF_RFC4733 : SIPT_MEDIA_DTMF_INBAND;
        sc.latch = 1;
        snprintf(sc.cname, sizeof sc.cname, "bench-%d@127.0.0.1", (int) i);
        int32_t s = media_engine_stream_add(e, &sc);
        if (s < 0) { fprintf(stderr, "stream_add %ld: %d\n", i, s); return 1; }
        fprintf(pf, "%u\n", info.rtp_port);
    }
    fclose(pf);
    uint8_t *rx = malloc((size_t) n * 160), *tx = malloc((size_t) n * 160);
    uint8_t block[160];
    for (int i = 0; i < 160; i++) block[i] = alaw_of((int) (7000.0 * sin(2.0 * M_PI * 1004.0 * i / 8000.0)));
    for (long c = 0; c < n; c++) memcpy(rx + c * 160, block, 160);
    uint64_t *rows = malloc((size_t) n * media_engine_counter_count(1) * sizeof(uint64_t));
    uint32_t nc = media_engine_counter_count(1);
    media_engine_tick(e, rx, tx, 0); /* applies the staged table */
    printf("ready\n");
    fflush(stdout);
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL) return 1;

    late_hist_t *late = calloc(1, sizeof *late);
    const uint64_t period = 20000000ull;
    uint64_t start = mono_ns() + period;
    uint64_t ticks = (uint64_t) (seconds + warmup_s) * 50u, warm = (uint64_t) warmup_s * 50u;
    uint64_t at_warm[6] = { 0 }, at_end[6];
    double cpu0 = 0, wall0 = 0;
    uint64_t tick_max = 0;
    for (uint64_t k = 1; k <= ticks; k++) {
        uint64_t due = start + (k - 1) * period;
        sleep_until(due);
        uint64_t now = mono_ns();
        if (k == warm + 1) {
            sums(e, rows, (uint32_t) n, nc, at_warm);
            cpu0 = cpu_seconds();
            wall0 = (double) now / 1e9;
        }
        if (k > warm) late_add(late, (int64_t) (now - due));
        media_engine_tick(e, rx, tx, k);
        uint64_t dt = mono_ns() - now;
        if (k > warm && dt > tick_max) tick_max = dt;
    }
    double wall = (double) mono_ns() / 1e9 - wall0, cpu_s = cpu_seconds() - cpu0;
    sums(e, rows, (uint32_t) n, nc, at_end);
    /* which socket path the tick took: the io_uring batches or a system call per socket */
    uint64_t g[64] = { 0 };
    const char *io = "syscalls";
    media_engine_read_counters(e, g, NULL, 0);
    for (uint32_t i = 0; i < media_engine_counter_count(0) && i < 64; i++)
        if (strcmp(media_engine_counter_name(0, i), "io_uring") == 0 && g[i] != 0) io = "io_uring";
    printf("{\"io\":\"%s\",\"lost\":%lu,\"late\":%lu,\"plc_samples\":%lu,\"send_errors\":%lu,\"rx\":%lu,\"tx\":%lu,"
           "\"p99_late_ms\":%.3f,\"max_late_ms\":%.3f,\"tick_max_ms\":%.3f,\"cpu_s\":%.3f,\"wall_s\":%.3f,\"sched\":\"%s\"}\n",
           io, (unsigned long) (at_end[0] - at_warm[0]), (unsigned long) (at_end[1] - at_warm[1]),
           (unsigned long) (at_end[2] - at_warm[2]), (unsigned long) (at_end[3] - at_warm[3]),
           (unsigned long) (at_end[4] - at_warm[4]), (unsigned long) (at_end[5] - at_warm[5]),
           late_pct(late, 99), late->max_ms, (double) tick_max / 1e6, cpu_s, wall, sched);
    media_engine_destroy(e);
    return 0;
}
