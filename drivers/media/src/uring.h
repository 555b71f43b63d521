/*
 * uring.h - a minimal io_uring submission/completion ring on the raw system calls (no liburing):
 * the tick queues one SQE per socket operation of a whole block and makes one io_uring_enter
 * for all of them. Operations are submitted with MSG_DONTWAIT, so the kernel completes each one
 * inline (or with -EAGAIN) during the enter; the tick still waits for every completion it
 * submitted before the buffers are touched again.
 */
#ifndef SIPT_MEDIA_URING_H
#define SIPT_MEDIA_URING_H

#include <stdint.h>
#include <linux/io_uring.h>

struct sipt_uring {
    int fd;
    uint32_t sq_entries, cq_entries;
    uint32_t *sq_head, *sq_tail, *sq_mask, *sq_array;
    uint32_t *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
    void *ring_map, *sqe_map;
    size_t ring_len, sqe_len;
    uint32_t queued;                 /* SQEs written but not yet handed to the kernel */
    uint32_t in_flight;              /* submitted, completion not reaped */
    struct io_uring_cqe last;        /* the completion sipt_uring_cqe() returned */
};

/* Returns 0, or a negated errno when the kernel refuses io_uring (old kernel, seccomp,
 * kernel.io_uring_disabled): the caller then keeps to one system call per socket. */
int sipt_uring_init(struct sipt_uring *u, uint32_t entries);
void sipt_uring_free(struct sipt_uring *u);

/* A zeroed SQE, or NULL when the submission queue is full (submit first). */
struct io_uring_sqe *sipt_uring_sqe(struct sipt_uring *u);

/* Hands every queued SQE to the kernel and waits until all submitted operations completed.
 * Returns the number of io_uring_enter calls made (>= 0) or a negated errno. */
int sipt_uring_submit_wait(struct sipt_uring *u);

/* Completions ready to be reaped: call sipt_uring_cqe() until it returns NULL. */
const struct io_uring_cqe *sipt_uring_cqe(struct sipt_uring *u);

#endif
