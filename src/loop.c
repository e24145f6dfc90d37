/*
 * The loop above its backends: callbacks by descriptor, and the round's
 * ready list. Each watch of a descriptor has a generation; an event is
 * delivered only to the watch it was found for, and only with the events
 * that watch still wants, so callbacks may delete, re-add or change any
 * descriptor mid-round. What the kernel is asked is left to loop_*.c.
 */
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop_backend.h"

struct handler {
	loop_proc *proc;                /* NULL: fd not watched */
	void      *ud;
	short      events;
	unsigned   gen;                 /* bumped by every loop_add() of fd */
};

struct loop {
	const struct loop_backend_ops *ops;
	void           *st;
	struct handler *handlers;       /* indexed by fd */
	size_t          nhandlers;
	size_t          nwatched;
	struct loop_fired *fired;       /* this round's ready descriptors */
	size_t          nfired, cap;    /* cap >= nwatched (poll() may report
	                                 * all), or >= the backend's max_batch */
};

struct loop *
loop_new(enum loop_backend backend, char *err, size_t errlen)
{
	struct loop *lp = calloc(1, sizeof(*lp));

	if (lp == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	lp->ops = backend == LOOP_BACKEND_EPOLL ? &loop_epoll_ops : &loop_poll_ops;
	if ((lp->st = lp->ops->create(err, errlen)) == NULL) {
		free(lp);
		return NULL;
	}
	return lp;
}

void
loop_free(struct loop *lp)
{
	if (lp == NULL)
		return;
	lp->ops->destroy(lp->st);
	free(lp->handlers);
	free(lp->fired);
	free(lp);
}

const char *
loop_backend_name(const struct loop *lp)
{
	return lp->ops->name;
}

/* Room for fd in the handler table and for one more ready descriptor. */
static int
reserve(struct loop *lp, int fd)
{
	if ((size_t)fd >= lp->nhandlers) {
		size_t n = loop_grown((size_t)fd + 1);
		struct handler *h;

		if ((h = realloc(lp->handlers, n * sizeof(*h))) == NULL)
			return -1;
		memset(h + lp->nhandlers, 0, (n - lp->nhandlers) * sizeof(*h));
		lp->handlers = h;
		lp->nhandlers = n;
	}
	if (lp->nwatched == lp->cap &&
	    (lp->ops->max_batch == 0 || lp->cap < lp->ops->max_batch)) {
		size_t cap = loop_grown(lp->cap + 1);
		struct loop_fired *f = realloc(lp->fired, cap * sizeof(*f));

		if (f == NULL)
			return -1;
		lp->fired = f;
		lp->cap = cap;
	}
	return 0;
}

static struct handler *
watched(struct loop *lp, int fd)
{
	if (fd < 0 || (size_t)fd >= lp->nhandlers || lp->handlers[fd].proc == NULL)
		return NULL;
	return &lp->handlers[fd];
}

int
loop_add(struct loop *lp, int fd, short events, loop_proc *proc, void *ud)
{
	struct handler *h;

	if (fd < 0 || proc == NULL)
		return -1;
	if ((h = watched(lp, fd)) != NULL) {
		lp->ops->set(lp->st, fd, events);
	} else {
		if (reserve(lp, fd) == -1 || lp->ops->add(lp->st, fd, events) == -1)
			return -1;
		h = &lp->handlers[fd];
		lp->nwatched++;
	}
	h->proc = proc;
	h->ud = ud;
	h->events = events;
	h->gen++;
	return 0;
}

void
loop_set_events(struct loop *lp, int fd, short events)
{
	struct handler *h = watched(lp, fd);

	if (h != NULL && h->events != events) {
		h->events = events;
		lp->ops->set(lp->st, fd, events);
	}
}

void
loop_del(struct loop *lp, int fd)
{
	struct handler *h = watched(lp, fd);

	if (h == NULL)
		return;
	lp->ops->del(lp->st, fd);
	h->proc = NULL;
	h->ud = NULL;
	h->events = 0;
	lp->nwatched--;
}

int
loop_wait(struct loop *lp, int timeout_ms)
{
	int n;

	lp->nfired = 0;
	n = lp->ops->wait(lp->st, lp->fired, lp->cap, timeout_ms);
	if (n == -1)
		return errno == EINTR ? 0 : -1;
	/* Stamp each event with the watch it belongs to. */
	for (int i = 0; i < n; i++) {
		struct handler *h = watched(lp, lp->fired[i].fd);

		if (h != NULL)
			lp->fired[lp->nfired++] = (struct loop_fired){
				lp->fired[i].fd, h->gen, lp->fired[i].revents };
	}
	return 0;
}

void
loop_dispatch(struct loop *lp)
{
	/*
	 * A callback may grow lp->fired (loop_add) or change any watch, so
	 * each entry is copied and checked against the watch as it is now.
	 */
	for (size_t i = 0; i < lp->nfired; i++) {
		struct loop_fired f = lp->fired[i];
		struct handler *h = watched(lp, f.fd);
		short rev;

		if (h == NULL || h->gen != f.gen)
			continue;
		rev = f.revents & (h->events | POLLHUP | POLLERR | POLLNVAL);
		if (rev != 0)
			h->proc(h->ud, f.fd, rev);
	}
	lp->nfired = 0;
}
