/*
 * The interface between loop.c and its readiness backends, private to
 * loop*.c (as Redis's ae.c and ae_*.c). loop.c keeps the callbacks and
 * decides which events are still current at dispatch; a backend only tells
 * the kernel what to watch and collects what is ready.
 */
#ifndef IRCSERV_LOOP_BACKEND_H
#define IRCSERV_LOOP_BACKEND_H

#include <stddef.h>

/* A descriptor the backend found ready; gen is filled in by loop.c. */
struct loop_fired {
	int      fd;
	unsigned gen;
	short    revents;               /* poll() bits */
};

struct loop_backend_ops {
	const char *name;
	/*
	 * Most ready descriptors one wait needs room for; 0: every watched
	 * one (poll() reports all that are ready, and what it does not
	 * store is lost). A backend that keeps the rest ready for the next
	 * wait (level-triggered epoll) bounds it, so that the ready table
	 * does not grow with the number of clients.
	 */
	size_t  max_batch;
	/* New backend state, or NULL with the reason in err. */
	void   *(*create)(char *err, size_t errlen);
	/* Free the state. Accepts NULL. */
	void    (*destroy)(void *st);
	/* Watch fd (not watched yet) for events. Returns 0 or -1. */
	int     (*add)(void *st, int fd, short events);
	/* Change the events of a watched fd. */
	void    (*set)(void *st, int fd, short events);
	/* Stop watching fd (still open). */
	void    (*del)(void *st, int fd);
	/*
	 * One wait of up to timeout_ms. Stores at most max ready descriptors,
	 * each once, in fired. Returns how many, or -1 with errno.
	 */
	int     (*wait)(void *st, struct loop_fired *fired, size_t max, int timeout_ms);
};

extern const struct loop_backend_ops loop_poll_ops;
extern const struct loop_backend_ops loop_epoll_ops;

#endif
