/*
 * Read markers (IRCv3 draft/read-marker): for each owner (an account, or
 * one connection of a user without one) and target (a channel or a nick),
 * the time of the last message the user has read. Sans-I/O and bounded:
 * at most max_targets targets per owner and max_owners owners, the least
 * recently updated dropped first. Names compare under the rfc1459
 * casemapping. The store itself is memory only; persist.c keeps the
 * markers of accounts in the history journal when there is one.
 */
#ifndef IRCSERV_READMARKER_H
#define IRCSERV_READMARKER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Defaults of the server's bounds (the settings readmarker_targets,
 * readmarker_accounts, readmarker_connections): targets per owner,
 * accounts in total, and connections without an account in total (in a
 * store of their own, so that they never push out the markers of
 * accounts).
 */
#define READMARKER_TARGETS      256
#define READMARKER_OWNERS       4096
#define READMARKER_CONNS        4096
/* An owner name made by readmarker_conn_owner(), with its NUL. */
#define READMARKER_OWNER_SIZE   24

struct readmarkers;

/* Caller frees with readmarker_free(). NULL when out of memory. */
struct readmarkers *readmarker_new(size_t max_owners, size_t max_targets);
/* Free the store and every marker in it. Accepts NULL. */
void    readmarker_free(struct readmarkers *rm);

/* owner's marker for target in milliseconds since the epoch, or -1 if none. */
int64_t readmarker_get(const struct readmarkers *rm, const char *owner,
	    const char *target);
/*
 * Move owner's marker for target forward to ms (>= 0); a marker never goes
 * back. *stored gets the marker after the call. Returns 1 when it moved,
 * 0 when it stayed (ms not newer), -1 when out of memory (nothing changed).
 * Names are copied.
 */
int     readmarker_set(struct readmarkers *rm, const char *owner, const char *target,
	    int64_t ms, int64_t *stored);
/* Drop every marker of owner (a connection without an account that left). */
void    readmarker_forget(struct readmarkers *rm, const char *owner);
/* The owner name of connection id, for a user without an account. */
void    readmarker_conn_owner(uint64_t id, char out[READMARKER_OWNER_SIZE]);
/*
 * Called for each marker by readmarker_walk(); a non-zero return stops
 * the walk. The strings are the store's, valid during the call.
 */
typedef int readmarker_walk_fn(void *ud, const char *owner, const char *target,
	    int64_t ms);
/*
 * Every marker, least recently updated owner first and, within an owner,
 * least recently updated target first: set again in this order, they
 * rebuild the same store. Returns fn's first non-zero return, or 0.
 */
int     readmarker_walk(const struct readmarkers *rm, readmarker_walk_fn *fn, void *ud);
/* Owners in the store, and targets of owner (0 when unknown). */
size_t  readmarker_owners(const struct readmarkers *rm);
size_t  readmarker_targets(const struct readmarkers *rm, const char *owner);

#endif
