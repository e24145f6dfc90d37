/*
 * A paced LIST (ISUPPORT SAFELIST): the channels that match a client's
 * LIST filters, queued a chunk at a time as its send queue drains, so
 * that a LIST never fills it. The listing's state is the client's
 * (struct local_extra: its filters and where it goes on); parsing the
 * command is cmd_channel.c's, carrying a listing across a hot upgrade
 * state_save.c's and state_load.c's. Core: no I/O.
 */
#ifndef IRCSERV_CHANLIST_H
#define IRCSERV_CHANLIST_H

#include <stddef.h>

#include "irc.h"

struct server;
struct client;

/*
 * Start listing to cli (after RPL_LISTSTART) the channels of the registry
 * that match filters and conds (ELIST items, comma-separated; cli owns
 * them from here). Ends with RPL_LISTEND, now or as the send queue
 * drains. A LIST already going on is replaced.
 */
void    chanlist_start(struct server *srv, struct client *cli, char *filters,
	    char *conds);
/*
 * Go on with a listing the previous image of a hot upgrade had not
 * finished: the n channels names (owned by cli from here) that still
 * exist, in that order, when the send queue next drains (now if empty).
 */
void    chanlist_resume(struct server *srv, struct client *cli, char *filters,
	    char *conds, char (*names)[IRC_CHANNELLEN + 1], size_t n);
/*
 * The names of the channels cli's LIST has still to consider, in order,
 * each given to fn (which returns 0 to go on). Returns 0, or fn's
 * first other answer. Nothing when no LIST is going on.
 */
typedef int chanlist_name_fn(void *ud, const char *name);
int     chanlist_rest(const struct server *srv, const struct client *cli,
	    chanlist_name_fn *fn, void *ud);
/* How many names chanlist_rest() gives. */
size_t  chanlist_rest_count(const struct server *srv, const struct client *cli);

#endif
