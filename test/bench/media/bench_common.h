/*
 * bench_common.h - helpers shared by the media bench programs: monotonic time, CPU pinning,
 * absolute-deadline sleeping, tick lateness statistics, CPU time, raising the descriptor limit.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

static inline uint64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t) t.tv_sec * 1000000000ull + (uint64_t) t.tv_nsec;
}

static inline void sleep_until(uint64_t ns)
{
    struct timespec t = { .tv_sec = (time_t) (ns / 1000000000ull), .tv_nsec = (long) (ns % 1000000000ull) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR) { }
}

static inline void pin_cpu(int cpu)
{
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) perror("sched_setaffinity");
}

/* The machine is shared with other work: the programs under measurement run SCHED_FIFO (the
 * kernel's RT throttling still leaves 5 % of the CPU to others), falling back to nice -20 when
 * that is not permitted. Returns the policy taken, for the report. */
static inline const char *boost_priority(void)
{
    struct sched_param sp = { .sched_priority = 10 };
    if (sched_setscheduler(0, SCHED_FIFO, &sp) == 0) return "fifo";
    if (setpriority(PRIO_PROCESS, 0, -20) == 0) return "nice-20";
    return "normal";
}

static inline void raise_nofile(void)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

static inline double cpu_seconds(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double) u.ru_utime.tv_sec + (double) u.ru_utime.tv_usec / 1e6 + (double) u.ru_stime.tv_sec +
           (double) u.ru_stime.tv_usec / 1e6;
}

/* Lateness histogram in 10 us bins up to 200 ms. */
#define LATE_BINS 20000
typedef struct {
    uint32_t bins[LATE_BINS];
    uint64_t n;
    double max_ms;
} late_hist_t;

static inline void late_add(late_hist_t *h, int64_t late_ns)
{
    if (late_ns < 0) late_ns = 0;
    uint64_t b = (uint64_t) late_ns / 10000u;
    if (b >= LATE_BINS) b = LATE_BINS - 1;
    h->bins[b]++;
    h->n++;
    double ms = (double) late_ns / 1e6;
    if (ms > h->max_ms) h->max_ms = ms;
}

static inline double late_pct(const late_hist_t *h, double p)
{
    if (h->n == 0) return 0;
    uint64_t want = (uint64_t) ((p / 100.0) * (double) h->n + 0.999999), seen = 0;
    for (int i = 0; i < LATE_BINS; i++) {
        seen += h->bins[i];
        if (seen >= want) return (double) (i + 1) * 0.01 < h->max_ms ? (double) (i + 1) * 0.01 : h->max_ms;
    }
    return LATE_BINS * 0.01;
}

static inline long arg_long(int argc, char **argv, const char *name, long def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return strtol(argv[i + 1], NULL, 10);
    return def;
}

static inline const char *arg_str(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return argv[i + 1];
    return def;
}

#endif
