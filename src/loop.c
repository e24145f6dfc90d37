/*
 * poll() loop with an incrementally maintained pollfd array. slot[fd] maps a
 * descriptor to its index; deleting marks the entry (fd = -1, which poll()
 * ignores) and the holes are swapped out before the next poll().
 */
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>

struct handler {
	loop_proc *proc;
	void      *ud;
};

struct loop {
	struct pollfd  *pfds;
	struct handler *handlers;
	size_t          n, cap;
	int            *slot;           /* fd -> index, -1 when not watched */
	size_t          nslots;
	size_t          holes;
	int             ready;          /* descriptors poll() reported, not yet run */
};

struct loop *
loop_new(void)
{
	return calloc(1, sizeof(struct loop));
}

void
loop_free(struct loop *lp)
{
	if (lp == NULL)
		return;
	free(lp->pfds);
	free(lp->handlers);
	free(lp->slot);
	free(lp);
}

static int
grow_slots(struct loop *lp, int fd)
{
	size_t n = lp->nslots ? lp->nslots : 64;
	int *v;

	while (n <= (size_t)fd)
		n *= 2;
	if ((v = realloc(lp->slot, n * sizeof(*v))) == NULL)
		return -1;
	for (size_t i = lp->nslots; i < n; i++)
		v[i] = -1;
	lp->slot = v;
	lp->nslots = n;
	return 0;
}

static int
grow_entries(struct loop *lp)
{
	size_t cap = lp->cap ? lp->cap * 2 : 64;
	struct pollfd *p = realloc(lp->pfds, cap * sizeof(*p));
	struct handler *h;

	if (p == NULL)
		return -1;
	lp->pfds = p;
	if ((h = realloc(lp->handlers, cap * sizeof(*h))) == NULL)
		return -1;
	lp->handlers = h;
	lp->cap = cap;
	return 0;
}

int
loop_add(struct loop *lp, int fd, short events, loop_proc *proc, void *ud)
{
	if ((size_t)fd >= lp->nslots && grow_slots(lp, fd) == -1)
		return -1;
	if (lp->n == lp->cap && grow_entries(lp) == -1)
		return -1;
	lp->pfds[lp->n].fd = fd;
	lp->pfds[lp->n].events = events;
	lp->pfds[lp->n].revents = 0;
	lp->handlers[lp->n].proc = proc;
	lp->handlers[lp->n].ud = ud;
	lp->slot[fd] = (int)lp->n++;
	return 0;
}

void
loop_set_events(struct loop *lp, int fd, short events)
{
	if ((size_t)fd < lp->nslots && lp->slot[fd] >= 0)
		lp->pfds[lp->slot[fd]].events = events;
}

void
loop_del(struct loop *lp, int fd)
{
	int i;

	if ((size_t)fd >= lp->nslots || (i = lp->slot[fd]) < 0)
		return;
	lp->pfds[i].fd = -1;
	lp->pfds[i].revents = 0;
	lp->slot[fd] = -1;
	lp->holes++;
}

/* Drop the holes left by loop_del(), moving the last entries into them. */
static void
compact(struct loop *lp)
{
	size_t i = 0;

	while (lp->holes > 0 && i < lp->n) {
		if (lp->pfds[i].fd >= 0) {
			i++;
			continue;
		}
		lp->n--;
		lp->holes--;
		if (i == lp->n)
			break;
		lp->pfds[i] = lp->pfds[lp->n];
		lp->handlers[i] = lp->handlers[lp->n];
		if (lp->pfds[i].fd >= 0)
			lp->slot[lp->pfds[i].fd] = (int)i;
		/* Look at slot i again: the moved entry may be a hole too. */
	}
}

int
loop_wait(struct loop *lp, int timeout_ms)
{
	compact(lp);
	lp->ready = poll(lp->pfds, (nfds_t)lp->n, timeout_ms);
	if (lp->ready == -1) {
		lp->ready = 0;
		return errno == EINTR ? 0 : -1;
	}
	return 0;
}

void
loop_dispatch(struct loop *lp)
{
	/* Entries added by callbacks have no events yet: stop at n. */
	size_t n = lp->n;

	for (size_t i = 0; i < n && lp->ready > 0; i++) {
		short rev = lp->pfds[i].revents;

		if (rev == 0 || lp->pfds[i].fd < 0)
			continue;
		lp->ready--;
		lp->pfds[i].revents = 0;
		lp->handlers[i].proc(lp->handlers[i].ud, lp->pfds[i].fd, rev);
	}
	lp->ready = 0;
}
