/*
 * The readiness loop: one poll() over every descriptor. The pollfd array is
 * kept incrementally (add appends, delete leaves a hole that is compacted
 * before the next poll), so no round rebuilds it. The loop knows fds and
 * callbacks, nothing about IRC.
 */
#ifndef IRCSERV_LOOP_H
#define IRCSERV_LOOP_H

struct loop;

/* Called for a descriptor with events; revents as poll() set them. */
typedef void loop_proc(void *ud, int fd, short revents);

/* Caller frees with loop_free(). NULL when out of memory. */
struct loop *loop_new(void);
/* Frees the loop; closes nothing. Accepts NULL. */
void    loop_free(struct loop *lp);
/* Watch fd for events (POLLIN, POLLOUT). Returns 0 or -1 (no memory). */
int     loop_add(struct loop *lp, int fd, short events, loop_proc *proc, void *ud);
/* Change the events watched for fd. */
void    loop_set_events(struct loop *lp, int fd, short events);
/* Stop watching fd; safe inside a callback. */
void    loop_del(struct loop *lp, int fd);
/*
 * Wait up to timeout_ms (-1: no limit) for ready descriptors. Returns 0,
 * or -1 when poll() failed other than with EINTR.
 */
int     loop_wait(struct loop *lp, int timeout_ms);
/*
 * Run the callbacks of the descriptors loop_wait() found ready. Separate,
 * so the caller can read the clock after the wait and before handlers run.
 */
void    loop_dispatch(struct loop *lp);

#endif
