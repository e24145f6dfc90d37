/*
 * The timer heap (timer.h): a binary min-heap of clients on timer_at,
 * stored in struct server. Positions are kept in each client so removal
 * and re-keying need no search.
 */
#include "timer.h"

#include <stdint.h>
#include <stdlib.h>

#include "client.h"
#include "server.h"

static int64_t
heap_key(const struct client *cli)
{
	return cli->local->timer_at;
}

static void
heap_swap(struct server *srv, size_t a, size_t b)
{
	struct client *t = srv->timers[a];

	srv->timers[a] = srv->timers[b];
	srv->timers[b] = t;
	srv->timers[a]->local->timer_index = a;
	srv->timers[b]->local->timer_index = b;
}

static void
heap_up(struct server *srv, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (heap_key(srv->timers[parent]) <= heap_key(srv->timers[i]))
			break;
		heap_swap(srv, i, parent);
		i = parent;
	}
}

static void
heap_down(struct server *srv, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i;

		if (l < srv->ntimers && heap_key(srv->timers[l]) < heap_key(srv->timers[min]))
			min = l;
		if (r < srv->ntimers && heap_key(srv->timers[r]) < heap_key(srv->timers[min]))
			min = r;
		if (min == i)
			return;
		heap_swap(srv, i, min);
		i = min;
	}
}

static int
in_heap(const struct server *srv, const struct client *cli)
{
	return cli->local->timer_index < srv->ntimers && srv->timers[cli->local->timer_index] == cli;
}

int
timer_heap_add(struct server *srv, struct client *cli)
{
	if (srv->ntimers == srv->timers_cap) {
		/* A quarter more (see loop_grown()): little to spare when idle. */
		size_t cap = srv->timers_cap + srv->timers_cap / 4 + 64;
		struct client **v = realloc(srv->timers, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		srv->timers = v;
		srv->timers_cap = cap;
	}
	cli->local->timer_index = srv->ntimers;
	srv->timers[srv->ntimers++] = cli;
	heap_up(srv, cli->local->timer_index);
	return 0;
}

void
timer_heap_del(struct server *srv, struct client *cli)
{
	size_t i = cli->local->timer_index;

	if (!in_heap(srv, cli))
		return;
	srv->ntimers--;
	if (i != srv->ntimers) {
		heap_swap(srv, i, srv->ntimers);
		heap_down(srv, i);
		heap_up(srv, i);
	}
	cli->local->timer_index = UINT32_MAX;
}

void
timer_heap_fix(struct server *srv, struct client *cli)
{
	if (!in_heap(srv, cli))
		return;
	heap_up(srv, cli->local->timer_index);
	heap_down(srv, cli->local->timer_index);
}
