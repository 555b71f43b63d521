/*
 * raw_relay.c - the baseline: the least a C program must do to switch N RTP streams on
 * dedicated UDP sockets every 20 ms: drain each socket with recvmmsg, checking sequence
 * continuity, and send one 160-octet packet per socket with sendmmsg. No jitter buffer, no
 * transcoding, no DSP, no RTCP. Same schedule, CLI and report as engine_bench.
 */
#include "bench_common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
    long n = arg_long(argc, argv, "--channels", 100);
    long seconds = arg_long(argc, argv, "--seconds", 5);
    long warmup_s = arg_long(argc, argv, "--warmup", 1);
    int cpu = (int) arg_long(argc, argv, "--cpu", -1);
    long peer_port = arg_long(argc, argv, "--peer-port", 0);
    const char *ports_file = arg_str(argc, argv, "--ports-file", NULL);
    if (ports_file == NULL || peer_port <= 0 || n <= 0) { fprintf(stderr, "usage: raw_relay --channels N --peer-port P --ports-file F\n"); return 2; }
    pin_cpu(cpu);
    const char *sched = boost_priority();
    raise_nofile();
    int *fd = malloc((size_t) n * sizeof(int));
    FILE *pf = fopen(ports_file, "w");
    for (long i = 0; i < n; i++) {
        fd[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        if (fd[i] < 0 || bind(fd[i], (struct sockaddr *) &a, sizeof a) != 0) { perror("socket"); return 1; }
        socklen_t l = sizeof a;
        getsockname(fd[i], (struct sockaddr *) &a, &l);
        fprintf(pf, "%u\n", ntohs(a.sin_port));
    }
    fclose(pf);
    struct sockaddr_in peer = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons((uint16_t) peer_port) };
    uint8_t pkt[172];
    memset(pkt, 0xD5, sizeof pkt);
    pkt[0] = 0x80;
    pkt[1] = 0;
    struct iovec iov = { pkt, sizeof pkt };
    struct mmsghdr m;
    memset(&m, 0, sizeof m);
    m.msg_hdr.msg_iov = &iov;
    m.msg_hdr.msg_iovlen = 1;
    m.msg_hdr.msg_name = &peer;
    m.msg_hdr.msg_namelen = sizeof peer;
    static uint8_t rbuf[8][256];
    struct mmsghdr rm[8];
    struct iovec ri[8];
    int32_t *next = malloc((size_t) n * sizeof(int32_t));
    for (long i = 0; i < n; i++) next[i] = -1;
    printf("ready\n");
    fflush(stdout);
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL) return 1;
    late_hist_t *late = calloc(1, sizeof *late);
    const uint64_t period = 20000000ull;
    uint64_t start = mono_ns() + period;
    uint64_t ticks = (uint64_t) (seconds + warmup_s) * 50u, warm = (uint64_t) warmup_s * 50u;
    uint64_t lost = 0, rx = 0, tx = 0, send_errors = 0, tick_max = 0;
    double cpu0 = 0, wall0 = 0;
    for (uint64_t k = 1; k <= ticks; k++) {
        uint64_t due = start + (k - 1) * period;
        sleep_until(due);
        uint64_t now = mono_ns();
        int counting = k > warm;
        if (k == warm + 1) { cpu0 = cpu_seconds(); wall0 = (double) now / 1e9; }
        if (counting) late_add(late, (int64_t) (now - due));
        for (long i = 0; i < n; i++) {
            for (int j = 0; j < 8; j++) {
                ri[j].iov_base = rbuf[j];
                ri[j].iov_len = sizeof rbuf[j];
                memset(&rm[j], 0, sizeof rm[j]);
                rm[j].msg_hdr.msg_iov = &ri[j];
                rm[j].msg_hdr.msg_iovlen = 1;
            }
            int r = recvmmsg(fd[i], rm, 8, MSG_DONTWAIT, NULL);
            for (int j = 0; j < r; j++) {
                uint16_t seq = (uint16_t) ((rbuf[j][2] << 8) | rbuf[j][3]);
                if (counting && next[i] >= 0 && seq != (uint16_t) next[i]) lost += (uint16_t) (seq - (uint16_t) next[i]);
                next[i] = (uint16_t) (seq + 1u);
                if (counting) rx++;
            }
        }
        for (long i = 0; i < n; i++) {
            pkt[2] = (uint8_t) (k >> 8);
            pkt[3] = (uint8_t) k;
            if (sendmmsg(fd[i], &m, 1, 0) == 1) { if (counting) tx++; } else if (counting) send_errors++;
        }
        uint64_t dt = mono_ns() - now;
        if (counting && dt > tick_max) tick_max = dt;
    }
    double wall = (double) mono_ns() / 1e9 - wall0, cpu_s = cpu_seconds() - cpu0;
    printf("{\"lost\":%lu,\"late\":0,\"plc_samples\":0,\"send_errors\":%lu,\"rx\":%lu,\"tx\":%lu,"
           "\"p99_late_ms\":%.3f,\"max_late_ms\":%.3f,\"tick_max_ms\":%.3f,\"cpu_s\":%.3f,\"wall_s\":%.3f,\"sched\":\"%s\"}\n",
           (unsigned long) lost, (unsigned long) send_errors, (unsigned long) rx, (unsigned long) tx,
           late_pct(late, 99), late->max_ms, (double) tick_max / 1e6, cpu_s, wall, sched);
    return 0;
}
