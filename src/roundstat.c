/*
 * Work time of the event loop's rounds: totals, maxima and a histogram
 * per clock (see roundstat.h).
 */
#include "roundstat.h"

const unsigned roundstat_bucket_us[ROUNDSTAT_BUCKETS - 1] = {
	50, 100, 250, 500, 1000, 2000, 5000, 10000, 50000
};

size_t
roundstat_bucket(int64_t ns)
{
	size_t i = 0;

	while (i < ROUNDSTAT_BUCKETS - 1 && ns > (int64_t)roundstat_bucket_us[i] * 1000)
		i++;
	return i;
}

static void
note_clock(struct roundstat_clock *c, int64_t ns)
{
	if (ns < 0)
		ns = 0;
	c->total_ns += (uint64_t)ns;
	if (ns > c->max_ns)
		c->max_ns = ns;
	if (ns > c->recent_max_ns)
		c->recent_max_ns = ns;
	c->hist[roundstat_bucket(ns)]++;
}

void
roundstat_note(struct roundstat *rs, int64_t wall_ns, int64_t cpu_ns)
{
	rs->rounds++;
	note_clock(&rs->wall, wall_ns);
	note_clock(&rs->cpu, cpu_ns);
}

void
roundstat_take_recent(struct roundstat *rs, int64_t *wall_ns, int64_t *cpu_ns)
{
	*wall_ns = rs->wall.recent_max_ns;
	*cpu_ns = rs->cpu.recent_max_ns;
	rs->wall.recent_max_ns = rs->cpu.recent_max_ns = 0;
}
