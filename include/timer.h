/*
 * The server's one timer heap: a binary min-heap of local clients ordered
 * on cli->local->timer_at, in srv->timers (ntimers entries, timers_cap
 * allocated), each knowing its position in cli->local->timer_index
 * (UINT32_MAX when not in the heap). What a deadline is and what happens when it comes
 * is server.c's (client_deadline(), server_tick()); this module only
 * keeps the order. Every operation is O(log n).
 */
#ifndef IRCSERV_TIMER_H
#define IRCSERV_TIMER_H

struct server;
struct client;

/* Add cli, whose timer_at is set. Returns 0, or -1 when out of memory. */
int     timer_heap_add(struct server *srv, struct client *cli);
/* Remove cli if it is in the heap. */
void    timer_heap_del(struct server *srv, struct client *cli);
/* cli's timer_at changed: move it to its place, if it is in the heap. */
void    timer_heap_fix(struct server *srv, struct client *cli);

#endif
