/*
 * The epoll backend (Linux): the kernel keeps the interest set, so a wait
 * costs what is ready, not what is watched. Level-triggered, like poll();
 * events are translated to poll() bits. On other systems it only says that
 * it is not available.
 */
#include "loop_backend.h"

#include <stdio.h>

#ifdef __linux__

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

/*
 * Ready descriptors taken per epoll_wait(). The others stay on the
 * kernel's ready list, level-triggered, and come first in the next
 * round (epoll moves the ones it reported to the list's end): each
 * ready descriptor is reached within (ready / 1024) rounds, and the
 * loop's tables for them do not grow with the number of clients.
 */
#define LOOP_EPOLL_BATCH 1024

struct epoll_state {
	int                 epfd;
	struct epoll_event *evs;        /* epoll_wait() output, grown to max */
	size_t              cap;
};

static void epoll_destroy(void *st);

static void *
epoll_create_state(char *err, size_t errlen)
{
	struct epoll_state *es = calloc(1, sizeof(*es));

	if (es == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((es->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
		free(es);
		return NULL;
	}
	/* Never empty: epoll_wait() needs room for one event even with no watches. */
	if ((es->evs = calloc(64, sizeof(*es->evs))) == NULL) {
		snprintf(err, errlen, "out of memory");
		epoll_destroy(es);
		return NULL;
	}
	es->cap = 64;
	return es;
}

static void
epoll_destroy(void *st)
{
	struct epoll_state *es = st;

	if (es == NULL)
		return;
	close(es->epfd);
	free(es->evs);
	free(es);
}

static uint32_t
to_epoll(short events)
{
	return (events & POLLIN ? EPOLLIN : 0) | (events & POLLOUT ? EPOLLOUT : 0);
}

static short
from_epoll(uint32_t ev)
{
	return (short)((ev & EPOLLIN ? POLLIN : 0) | (ev & EPOLLOUT ? POLLOUT : 0) |
	    (ev & EPOLLHUP ? POLLHUP : 0) | (ev & EPOLLERR ? POLLERR : 0));
}

static int
epoll_ctl_fd(struct epoll_state *es, int op, int fd, short events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = to_epoll(events);
	ev.data.fd = fd;
	return epoll_ctl(es->epfd, op, fd, &ev);
}

static int
epoll_add(void *st, int fd, short events)
{
	struct epoll_state *es = st;

	if (epoll_ctl_fd(es, EPOLL_CTL_ADD, fd, events) == 0)
		return 0;
	/*
	 * Closing a descriptor drops it from the set only when no duplicate
	 * stays open: an old registration may linger under a reused number.
	 */
	if (errno == EEXIST)
		return epoll_ctl_fd(es, EPOLL_CTL_MOD, fd, events);
	return -1;
}

static void
epoll_set(void *st, int fd, short events)
{
	/* Only ENOMEM could fail a change of a registered fd: poll() has no such case. */
	(void)epoll_ctl_fd(st, EPOLL_CTL_MOD, fd, events);
}

static void
epoll_del(void *st, int fd)
{
	(void)epoll_ctl_fd(st, EPOLL_CTL_DEL, fd, 0);
}

static int
epoll_wait_ready(void *st, struct loop_fired *fired, size_t max, int timeout_ms)
{
	struct epoll_state *es = st;
	size_t room;
	int n;

	if (max > es->cap) {
		struct epoll_event *v = realloc(es->evs, max * sizeof(*v));

		/* Out of memory: the rest stays ready for the next round. */
		if (v != NULL) {
			es->evs = v;
			es->cap = max;
		}
	}
	room = max < es->cap ? max : es->cap;
	n = epoll_wait(es->epfd, es->evs, room > 0 ? (int)room : 1, timeout_ms);
	for (int i = 0; i < n && (size_t)i < max; i++)
		fired[i] = (struct loop_fired){ es->evs[i].data.fd, 0,
			from_epoll(es->evs[i].events) };
	return n;
}

const struct loop_backend_ops loop_epoll_ops = {
	"epoll", LOOP_EPOLL_BATCH, epoll_create_state, epoll_destroy, epoll_add, epoll_set, epoll_del,
	epoll_wait_ready,
};

#else

static void *
epoll_unavailable(char *err, size_t errlen)
{
	snprintf(err, errlen, "epoll is available on Linux only; use event_backend = poll");
	return NULL;
}

/* Never called: create always fails. */
static void epoll_nop_destroy(void *st) { (void)st; }
static int epoll_nop_add(void *st, int fd, short ev) { (void)st; (void)fd; (void)ev; return -1; }
static void epoll_nop_set(void *st, int fd, short ev) { (void)st; (void)fd; (void)ev; }
static void epoll_nop_del(void *st, int fd) { (void)st; (void)fd; }
static int
epoll_nop_wait(void *st, struct loop_fired *f, size_t max, int timeout_ms)
{
	(void)st; (void)f; (void)max; (void)timeout_ms;
	return -1;
}

const struct loop_backend_ops loop_epoll_ops = {
	"epoll", 0, epoll_unavailable, epoll_nop_destroy, epoll_nop_add, epoll_nop_set,
	epoll_nop_del, epoll_nop_wait,
};

#endif
