/*
 * The readiness loop: one wait call per round over every descriptor, through
 * a backend chosen at loop_new() (poll() everywhere, epoll on Linux). Both
 * are level-triggered and behave the same to callers (epoll hands over at
 * most 1,024 ready descriptors a round; the others stay ready for the
 * next). The loop knows fds and callbacks, nothing about IRC.
 */
#ifndef IRCSERV_LOOP_H
#define IRCSERV_LOOP_H

#include <stddef.h>

struct loop;

/* Readiness backends (loop_poll.c, loop_epoll.c). */
enum loop_backend {
	LOOP_BACKEND_POLL,
	LOOP_BACKEND_EPOLL,     /* Linux only */
};

/*
 * Called for a descriptor with events. revents uses poll()'s bits: POLLIN,
 * POLLOUT (only those watched when the callback runs), POLLHUP, POLLERR,
 * POLLNVAL.
 */
typedef void loop_proc(void *ud, int fd, short revents);

/*
 * The new size of a per-descriptor table that must hold need entries:
 * a quarter more than need, at least 64. Growth stays
 * geometric (amortised O(1) per descriptor) and at 10,000 descriptors a
 * table has at most a quarter to spare, where doubling left up to 64%
 * of it unused (16,384 slots): memory that an idle client pays for.
 */
static inline size_t
loop_grown(size_t need)
{
	size_t n = need + need / 4;

	return n < 64 ? 64 : n;
}

/*
 * A loop on backend. Caller frees with loop_free(). NULL with the reason
 * in err when out of memory or when the backend is not available here.
 */
struct loop *loop_new(enum loop_backend backend, char *err, size_t errlen);
/* Frees the loop; closes no watched descriptor. Accepts NULL. */
void    loop_free(struct loop *lp);
/*
 * Watch fd for events (POLLIN, POLLOUT), replacing any earlier watch of
 * fd. Returns 0 or -1 (no memory, or the backend refused fd).
 */
int     loop_add(struct loop *lp, int fd, short events, loop_proc *proc, void *ud);
/* Change the events watched for fd; 0 watches none (errors still come). */
void    loop_set_events(struct loop *lp, int fd, short events);
/*
 * Stop watching fd. Call it before closing fd. Safe inside a callback: an
 * event of this round for fd is not delivered, even if fd is reused and
 * added again before it would have been.
 */
void    loop_del(struct loop *lp, int fd);
/*
 * Wait up to timeout_ms (-1: no limit) for ready descriptors: one
 * poll()/epoll_wait() call. Returns 0, or -1 with errno when the wait
 * failed other than with EINTR.
 */
int     loop_wait(struct loop *lp, int timeout_ms);
/*
 * Run the callbacks of the descriptors loop_wait() found ready. Separate,
 * so the caller can read the clock after the wait and before handlers run.
 * Descriptors added during dispatch wait for the next round.
 */
void    loop_dispatch(struct loop *lp);
/* The backend's name, "poll" or "epoll". */
const char *loop_backend_name(const struct loop *lp);

#endif
