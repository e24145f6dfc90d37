/*
 * How long each round of the event loop works: the time from the end of
 * one readiness wait to the start of the next (handlers, timers, writes,
 * reaping, password-check slices), not the wait itself. The shell
 * measures every round on two clocks, the monotonic clock (what the
 * other clients wait for, including time the machine took the CPU away)
 * and the thread's CPU time (the loop's own work only), and hands both to
 * roundstat_note(). Kept in struct server, shown to operators by STATS r.
 * Pure bookkeeping: no clock is read here.
 */
#ifndef IRCSERV_ROUNDSTAT_H
#define IRCSERV_ROUNDSTAT_H

#include <stddef.h>
#include <stdint.h>

/* Histogram buckets: a round of at most these microseconds, then "more". */
#define ROUNDSTAT_BUCKETS 10
extern const unsigned roundstat_bucket_us[ROUNDSTAT_BUCKETS - 1];

struct roundstat_clock {
	uint64_t total_ns;              /* sum over all rounds */
	int64_t  max_ns;                /* longest round since start */
	int64_t  recent_max_ns;         /* longest since roundstat_take_recent() */
	uint64_t hist[ROUNDSTAT_BUCKETS];       /* rounds per bucket */
};

struct roundstat {
	uint64_t rounds;
	struct roundstat_clock wall;    /* CLOCK_MONOTONIC */
	struct roundstat_clock cpu;     /* CLOCK_THREAD_CPUTIME_ID */
};

/* Count one round that worked wall_ns (monotonic) and cpu_ns (thread CPU). */
void    roundstat_note(struct roundstat *rs, int64_t wall_ns, int64_t cpu_ns);
/* The bucket a round of ns nanoseconds falls in (0 .. ROUNDSTAT_BUCKETS - 1). */
size_t  roundstat_bucket(int64_t ns);
/*
 * Return the longest round since the previous call (or start) on each
 * clock, in *wall_ns and *cpu_ns, and start a new period.
 */
void    roundstat_take_recent(struct roundstat *rs, int64_t *wall_ns, int64_t *cpu_ns);

#endif
