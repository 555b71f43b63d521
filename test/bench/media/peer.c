/*
 * peer.c - the far end of the media bench: one UDP socket on 127.0.0.1 plays N RTP endpoints.
 * Every 20 ms it sends one PCMU packet (RFC 3551 PT 0, 160 octets) to each of the N ports of
 * the switch under test in sendmmsg batches, and between sends drains what the switch sends
 * back with recvmmsg, telling channels apart by the source port and checking that every
 * channel's sequence numbers (RFC 3550 §5.1) arrive without gaps after the warm-up.
 *
 * Protocol with the bench runner: prints "port P" once bound; reads one line from stdin (the
 * switch is ready, its ports are in --ports-file); runs warm-up + seconds; prints one JSON line.
 */
#include "bench_common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 1024

int main(int argc, char **argv)
{
    long n = arg_long(argc, argv, "--channels", 100);
    long seconds = arg_long(argc, argv, "--seconds", 5);
    long warmup_s = arg_long(argc, argv, "--warmup", 1);
    int cpu = (int) arg_long(argc, argv, "--cpu", -1);
    const char *ports_file = arg_str(argc, argv, "--ports-file", NULL);
    if (ports_file == NULL || n <= 0) { fprintf(stderr, "usage: peer --channels N --ports-file F\n"); return 2; }
    pin_cpu(cpu);
    const char *sched = boost_priority();
    raise_nofile();

    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int big = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(fd, (struct sockaddr *) &me, sizeof me) != 0) { perror("bind"); return 1; }
    socklen_t ml = sizeof me;
    getsockname(fd, (struct sockaddr *) &me, &ml);
    printf("port %u\n", ntohs(me.sin_port));
    fflush(stdout);

    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL) return 1;
    FILE *pf = fopen(ports_file, "r");
    if (pf == NULL) { perror(ports_file); return 1; }
    struct sockaddr_in *dst = calloc((size_t) n, sizeof *dst);
    int32_t *chan_of_port = malloc(65536 * sizeof(int32_t));
    for (int i = 0; i < 65536; i++) chan_of_port[i] = -1;
    for (long i = 0; i < n; i++) {
        unsigned p;
        if (fscanf(pf, "%u", &p) != 1) { fprintf(stderr, "ports file has %ld of %ld ports\n", i, n); return 1; }
        dst[i].sin_family = AF_INET;
        dst[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        dst[i].sin_port = htons((uint16_t) p);
        chan_of_port[p] = (int32_t) i;
    }
    fclose(pf);

    /* a fixed mu-law payload pattern: the switch transcodes it like any audio */
    uint8_t payload[160];
    for (int i = 0; i < 160; i++) payload[i] = (uint8_t) (0x80 | ((i * 37) & 0x7F));
    uint8_t (*pkt)[172] = calloc((size_t) n, sizeof *pkt);
    struct mmsghdr *msg = calloc((size_t) n, sizeof *msg);
    struct iovec *iov = calloc((size_t) n, sizeof *iov);
    for (long i = 0; i < n; i++) {
        pkt[i][0] = 0x80;
        pkt[i][1] = 0;
        uint32_t ssrc = 0x10000u + (uint32_t) i;
        pkt[i][8] = (uint8_t) (ssrc >> 24); pkt[i][9] = (uint8_t) (ssrc >> 16); pkt[i][10] = (uint8_t) (ssrc >> 8); pkt[i][11] = (uint8_t) ssrc;
        memcpy(pkt[i] + 12, payload, 160);
        iov[i].iov_base = pkt[i];
        iov[i].iov_len = 172;
        msg[i].msg_hdr.msg_iov = &iov[i];
        msg[i].msg_hdr.msg_iovlen = 1;
        msg[i].msg_hdr.msg_name = &dst[i];
        msg[i].msg_hdr.msg_namelen = sizeof dst[i];
    }
    static uint8_t rbuf[BATCH][256];
    static struct mmsghdr rmsg[BATCH];
    static struct iovec riov[BATCH];
    static struct sockaddr_in rname[BATCH];
    int32_t *next_seq = malloc((size_t) n * sizeof(int32_t));
    uint64_t *got = calloc((size_t) n, sizeof(uint64_t));
    for (long i = 0; i < n; i++) next_seq[i] = -1;
    uint64_t received = 0, lost = 0, stray = 0, send_fail = 0, sent = 0;
    late_hist_t *late = calloc(1, sizeof *late);

    const uint64_t period = 20000000ull;
    uint64_t start = mono_ns() + period;
    uint64_t ticks = (uint64_t) (seconds + warmup_s) * 50u, warm_ticks = (uint64_t) warmup_s * 50u;
    int counting = 0;
    for (uint64_t k = 0; k <= ticks; k++) {
        uint64_t due = start + k * period;
        /* Receive once per period, half a period after sending, without sleeping on the socket:
         * a peer woken by every arriving packet would charge cross-CPU wake-ups to the switch. */
        sleep_until(due - period / 2u);
        for (;;) {
            for (int i = 0; i < BATCH; i++) {
                riov[i].iov_base = rbuf[i];
                riov[i].iov_len = sizeof rbuf[i];
                rmsg[i].msg_hdr.msg_iov = &riov[i];
                rmsg[i].msg_hdr.msg_iovlen = 1;
                rmsg[i].msg_hdr.msg_name = &rname[i];
                rmsg[i].msg_hdr.msg_namelen = sizeof rname[i];
            }
            int r = recvmmsg(fd, rmsg, BATCH, MSG_DONTWAIT, NULL);
            if (r <= 0) break;
            for (int i = 0; i < r; i++) {
                int32_t ch = chan_of_port[ntohs(rname[i].sin_port)];
                if (ch < 0 || rmsg[i].msg_len < 12 || (rbuf[i][1] & 0x7F) != 0) { stray++; continue; }
                uint16_t seq = (uint16_t) ((rbuf[i][2] << 8) | rbuf[i][3]);
                if (counting) {
                    if (next_seq[ch] >= 0 && seq != (uint16_t) next_seq[ch]) lost += (uint16_t) (seq - (uint16_t) next_seq[ch]);
                    got[ch]++;
                    received++;
                }
                next_seq[ch] = (uint16_t) (seq + 1u);
            }
            if (r < BATCH) break;
        }
        sleep_until(due);
        if (k == ticks) break;
        if (k == warm_ticks) counting = 1;
        uint64_t now = mono_ns();
        if (counting) late_add(late, (int64_t) (now - due));
        for (long i = 0; i < n; i++) {
            uint16_t seq = (uint16_t) k;
            uint32_t ts = (uint32_t) k * 160u;
            pkt[i][2] = (uint8_t) (seq >> 8); pkt[i][3] = (uint8_t) seq;
            pkt[i][4] = (uint8_t) (ts >> 24); pkt[i][5] = (uint8_t) (ts >> 16); pkt[i][6] = (uint8_t) (ts >> 8); pkt[i][7] = (uint8_t) ts;
        }
        for (long off = 0; off < n; ) {
            int c = (int) (n - off < BATCH ? n - off : BATCH);
            int r = sendmmsg(fd, msg + off, (unsigned) c, 0);
            if (r <= 0) { send_fail += (uint64_t) c; off += c; continue; }
            sent += (uint64_t) r;
            off += r;
        }
    }
    uint64_t silent = 0;
    for (long i = 0; i < n; i++) if (got[i] == 0) { silent++; lost += (uint64_t) seconds * 50u; }
    printf("{\"sent\":%lu,\"received\":%lu,\"lost\":%lu,\"silent_channels\":%lu,\"stray\":%lu,\"send_fail\":%lu,"
           "\"p99_late_ms\":%.3f,\"max_late_ms\":%.3f,\"cpu_s\":%.3f,\"sched\":\"%s\"}\n",
           (unsigned long) sent, (unsigned long) received, (unsigned long) lost, (unsigned long) silent,
           (unsigned long) stray, (unsigned long) send_fail, late_pct(late, 99), late->max_ms, cpu_seconds(), sched);
    return 0;
}
