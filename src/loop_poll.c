/*
 * The poll() backend, portable and the default. The pollfd array is kept
 * incrementally: slot[fd] maps a descriptor to its index, add appends,
 * delete leaves a hole (fd -1, which poll() ignores) that is swapped out
 * before the next poll(). The kernel still scans every entry on each call.
 */
#include "loop_backend.h"
#include "loop.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

struct poll_state {
	struct pollfd *pfds;
	size_t         n, cap;
	int           *slot;            /* fd -> index, -1 when not watched */
	size_t         nslots;
	size_t         holes;
};

static void *
poll_create(char *err, size_t errlen)
{
	struct poll_state *ps = calloc(1, sizeof(*ps));

	if (ps == NULL)
		snprintf(err, errlen, "out of memory");
	return ps;
}

static void
poll_destroy(void *st)
{
	struct poll_state *ps = st;

	if (ps == NULL)
		return;
	free(ps->pfds);
	free(ps->slot);
	free(ps);
}

static int
grow(struct poll_state *ps, int fd)
{
	if ((size_t)fd >= ps->nslots) {
		size_t n = loop_grown((size_t)fd + 1);
		int *v;

		if ((v = realloc(ps->slot, n * sizeof(*v))) == NULL)
			return -1;
		for (size_t i = ps->nslots; i < n; i++)
			v[i] = -1;
		ps->slot = v;
		ps->nslots = n;
	}
	if (ps->n == ps->cap) {
		size_t cap = loop_grown(ps->cap + 1);
		struct pollfd *p = realloc(ps->pfds, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		ps->pfds = p;
		ps->cap = cap;
	}
	return 0;
}

static int
poll_add(void *st, int fd, short events)
{
	struct poll_state *ps = st;

	if (grow(ps, fd) == -1)
		return -1;
	ps->pfds[ps->n] = (struct pollfd){ fd, events, 0 };
	ps->slot[fd] = (int)ps->n++;
	return 0;
}

static void
poll_set(void *st, int fd, short events)
{
	struct poll_state *ps = st;

	if ((size_t)fd < ps->nslots && ps->slot[fd] >= 0)
		ps->pfds[ps->slot[fd]].events = events;
}

static void
poll_del(void *st, int fd)
{
	struct poll_state *ps = st;
	int i;

	if ((size_t)fd >= ps->nslots || (i = ps->slot[fd]) < 0)
		return;
	ps->pfds[i].fd = -1;
	ps->slot[fd] = -1;
	ps->holes++;
}

/* Drop the holes left by poll_del(), moving the last entries into them. */
static void
compact(struct poll_state *ps)
{
	size_t i = 0;

	while (ps->holes > 0 && i < ps->n) {
		if (ps->pfds[i].fd >= 0) {
			i++;
			continue;
		}
		ps->n--;
		ps->holes--;
		if (i == ps->n)
			break;
		ps->pfds[i] = ps->pfds[ps->n];
		if (ps->pfds[i].fd >= 0)
			ps->slot[ps->pfds[i].fd] = (int)i;
		/* Look at slot i again: the moved entry may be a hole too. */
	}
}

static int
poll_wait(void *st, struct loop_fired *fired, size_t max, int timeout_ms)
{
	struct poll_state *ps = st;
	int ready, n = 0;

	compact(ps);
	if ((ready = poll(ps->pfds, (nfds_t)ps->n, timeout_ms)) <= 0)
		return ready;
	for (size_t i = 0; i < ps->n && n < ready && (size_t)n < max; i++) {
		if (ps->pfds[i].revents != 0)
			fired[n++] = (struct loop_fired){ ps->pfds[i].fd, 0,
				ps->pfds[i].revents };
	}
	return n;
}

const struct loop_backend_ops loop_poll_ops = {
	"poll", 0, poll_create, poll_destroy, poll_add, poll_set, poll_del, poll_wait,
};
