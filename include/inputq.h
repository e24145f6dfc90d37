/*
 * The work budget of a loop round for client lines, and the input-pending
 * list of the clients whose lines wait for a later round (part of the
 * core; struct server holds the list, struct client its links).
 *
 * The input-pending list: clients with lines left over when a round's
 * work budget ran out, in the order they are to be served (FIFO). The
 * client the budget cut off after some of its lines is remembered, and
 * moved behind everyone who joined the list after it in the same round,
 * so service goes round-robin from the client after the last one served.
 */
#ifndef IRCSERV_INPUTQ_H
#define IRCSERV_INPUTQ_H

#include <stdbool.h>

struct server;
struct client;

/*
 * Put cli at the tail of the list (nothing if it is on it); served: the
 * budget cut it off after some of its lines this round.
 */
void    inputq_defer(struct server *srv, struct client *cli, bool served);
/* Take cli off the list (nothing if it is not on it). O(1). */
void    inputq_unlink(struct server *srv, struct client *cli);
/*
 * The round has handled a line and spent its work budget. The clock is
 * read on every call (a cheap monotonic one); the CPU clock only once the
 * monotonic one says the budget is spent.
 */
bool    inputq_round_spent(struct server *srv);
/*
 * Start a loop round (after server_set_clock()): reset the round's work
 * budget, then serve the clients on the input-pending list first, oldest
 * first, until the budget is spent. Each round handles at least one line,
 * so every waiting client is served in turn.
 */
void    inputq_begin_round(struct server *srv);
/* Clients are waiting on the input-pending list: the next wait must not block. */
bool    inputq_pending(const struct server *srv);

#endif
