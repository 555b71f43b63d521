/*
 * uring.c - the io_uring rings of the media tick, set up with io_uring_setup/mmap and driven with
 * io_uring_enter (Linux io_uring(7); the ring layout of <linux/io_uring.h>). Nothing here is
 * specific to RTP: tick.c builds the RECVMSG/SENDMSG entries.
 */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef IORING_SETUP_SUBMIT_ALL
#define IORING_SETUP_SUBMIT_ALL (1U << 7)
#endif
#ifndef IORING_SETUP_COOP_TASKRUN
#define IORING_SETUP_COOP_TASKRUN (1U << 8)
#endif

static int uring_enter(int fd, uint32_t submit, uint32_t wait)
{
    long r = syscall(__NR_io_uring_enter, fd, submit, wait, wait > 0 ? IORING_ENTER_GETEVENTS : 0u, NULL, 0);
    return r < 0 ? -errno : (int) r;
}

static void *at(void *base, uint32_t off) { return (uint8_t *) base + off; }

static int map_rings(struct sipt_uring *u, const struct io_uring_params *p)
{
    size_t sq_len = p->sq_off.array + p->sq_entries * sizeof(uint32_t);
    size_t cq_len = p->cq_off.cqes + p->cq_entries * sizeof(struct io_uring_cqe);
    /* IORING_FEAT_SINGLE_MMAP: one mapping holds both rings; required here (Linux >= 5.4) */
    if ((p->features & IORING_FEAT_SINGLE_MMAP) == 0u) return -EOPNOTSUPP;
    u->ring_len = sq_len > cq_len ? sq_len : cq_len;
    u->ring_map = mmap(NULL, u->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQ_RING);
    if (u->ring_map == MAP_FAILED) { u->ring_map = NULL; return -errno; }
    u->sqe_len = p->sq_entries * sizeof(struct io_uring_sqe);
    u->sqe_map = mmap(NULL, u->sqe_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQES);
    if (u->sqe_map == MAP_FAILED) { u->sqe_map = NULL; return -errno; }
    u->sq_head = at(u->ring_map, p->sq_off.head);
    u->sq_tail = at(u->ring_map, p->sq_off.tail);
    u->sq_mask = at(u->ring_map, p->sq_off.ring_mask);
    u->sq_array = at(u->ring_map, p->sq_off.array);
    u->cq_head = at(u->ring_map, p->cq_off.head);
    u->cq_tail = at(u->ring_map, p->cq_off.tail);
    u->cq_mask = at(u->ring_map, p->cq_off.ring_mask);
    u->cqes = at(u->ring_map, p->cq_off.cqes);
    u->sqes = u->sqe_map;
    u->sq_entries = p->sq_entries;
    u->cq_entries = p->cq_entries;
    for (uint32_t i = 0; i < p->sq_entries; i++) u->sq_array[i] = i;
    return 0;
}

/* The tick relies on a non-blocking receive completing at once with -EAGAIN on an empty socket
 * (MSG_DONTWAIT makes the request "nowait" instead of arming a poll). Kernels that arm a poll
 * anyway would leave the tick waiting for traffic: probe once and refuse the ring then. */
static int probe_nowait_recv(struct sipt_uring *u)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = bind(fd, (struct sockaddr *) &a, sizeof a) == 0 ? 0 : -errno;
    uint8_t buf[16];
    struct iovec iov = { buf, sizeof buf };
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (rc == 0) {
        struct io_uring_sqe *q = sipt_uring_sqe(u);
        q->opcode = IORING_OP_RECVMSG;
        q->fd = fd;
        q->addr = (uint64_t) (uintptr_t) &m;
        q->len = 1;
        q->msg_flags = MSG_DONTWAIT;
        __atomic_store_n(u->sq_tail, *u->sq_tail + u->queued, __ATOMIC_RELEASE);
        u->queued = 0;
        rc = uring_enter(u->fd, 1, 0);
        if (rc == 1) {
            const struct io_uring_cqe *c = sipt_uring_cqe(u);
            rc = c != NULL && c->res == -EAGAIN ? 0 : -EOPNOTSUPP;
        } else if (rc >= 0) {
            rc = -EOPNOTSUPP;
        }
    }
    close(fd);
    return rc;
}

int sipt_uring_init(struct sipt_uring *u, uint32_t entries)
{
    memset(u, 0, sizeof *u);
    u->fd = -1;
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN;
    p.cq_entries = entries * 2u;
    long fd = syscall(__NR_io_uring_setup, entries, &p);
    if (fd < 0 && errno == EINVAL) {
        /* kernels before 5.19 know neither SUBMIT_ALL nor COOP_TASKRUN */
        memset(&p, 0, sizeof p);
        p.flags = IORING_SETUP_CQSIZE;
        p.cq_entries = entries * 2u;
        fd = syscall(__NR_io_uring_setup, entries, &p);
    }
    if (fd < 0) return -errno;
    u->fd = (int) fd;
    int rc = map_rings(u, &p);
    if (rc == 0) rc = probe_nowait_recv(u);
    if (rc != 0) sipt_uring_free(u);
    return rc;
}

void sipt_uring_free(struct sipt_uring *u)
{
    if (u->sqe_map != NULL) munmap(u->sqe_map, u->sqe_len);
    if (u->ring_map != NULL) munmap(u->ring_map, u->ring_len);
    if (u->fd >= 0) close(u->fd);
    memset(u, 0, sizeof *u);
    u->fd = -1;
}

struct io_uring_sqe *sipt_uring_sqe(struct sipt_uring *u)
{
    uint32_t tail = *u->sq_tail + u->queued;
    /* at most sq_entries operations in flight, so that the completion queue (twice as long)
     * can never overflow */
    if (u->queued + u->in_flight >= u->sq_entries) return NULL;
    if (tail - __atomic_load_n(u->sq_head, __ATOMIC_ACQUIRE) >= u->sq_entries) return NULL;
    struct io_uring_sqe *q = &u->sqes[tail & *u->sq_mask];
    memset(q, 0, sizeof *q);
    u->queued++;
    return q;
}

int sipt_uring_submit_wait(struct sipt_uring *u)
{
    if (u->queued > 0) {
        __atomic_store_n(u->sq_tail, *u->sq_tail + u->queued, __ATOMIC_RELEASE);
        u->in_flight += u->queued;
        u->queued = 0;
    }
    int calls = 0;
    for (int attempt = 0; attempt < 1000; attempt++) {
        uint32_t unsubmitted = *u->sq_tail - __atomic_load_n(u->sq_head, __ATOMIC_ACQUIRE);
        uint32_t ready = __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE) - *u->cq_head;
        if (unsubmitted == 0 && ready >= u->in_flight) return calls;
        uint32_t wait = u->in_flight > ready ? u->in_flight - ready : 0u;
        int r = uring_enter(u->fd, unsubmitted, wait);
        calls++;
        if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) return r;
    }
    return -ETIMEDOUT;
}

const struct io_uring_cqe *sipt_uring_cqe(struct sipt_uring *u)
{
    uint32_t head = *u->cq_head;
    if (head == __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE)) return NULL;
    u->last = u->cqes[head & *u->cq_mask];
    __atomic_store_n(u->cq_head, head + 1u, __ATOMIC_RELEASE);
    if (u->in_flight > 0) u->in_flight--;
    return &u->last;
}
