/*
 * WHOWAS history (RFC 2812 3.6.3): a bounded ring of the last users who
 * left or changed nick, newest overwriting oldest. The history copies what
 * it keeps, so entries outlive the clients they describe.
 */
#ifndef IRCSERV_WHOWAS_H
#define IRCSERV_WHOWAS_H

#include <stddef.h>
#include <time.h>

#include "irc.h"

struct client;
struct whowas;

/* One remembered user, as it was when it left or renamed. */
struct whowas_entry {
	char    nick[IRC_NICKLEN + 1];
	char    user[IRC_USERLEN + 1];
	char    host[IRC_HOSTLEN + 1];
	char    realname[IRC_REALNAMELEN + 1];
	time_t  at;                     /* when the nick stopped being used */
};

/*
 * A history holding at most capacity entries (0 keeps nothing). Caller
 * frees with whowas_free(). NULL when out of memory.
 */
struct whowas *whowas_new(size_t capacity);
/* Accepts NULL. */
void    whowas_free(struct whowas *w);
/*
 * Remember cli under its current nick at time at, dropping the oldest
 * entry when full. A client without a nick is not recorded.
 */
void    whowas_add(struct whowas *w, const struct client *cli, time_t at);
/* Remember a copy of e as the newest entry (a restored state), dropping the oldest. */
void    whowas_put(struct whowas *w, const struct whowas_entry *e);
/*
 * Call fn for every entry, oldest first: put back in that order, they
 * rebuild the same history.
 */
void    whowas_walk(const struct whowas *w,
	    void (*fn)(void *arg, const struct whowas_entry *e), void *arg);
/*
 * Iterate over the entries for nick (casemapped), newest first: start with
 * *it = 0; each call returns the next match or NULL at the end. The
 * history must not change during the iteration.
 */
const struct whowas_entry *whowas_next(const struct whowas *w, const char *nick,
	    size_t *it);

#endif
