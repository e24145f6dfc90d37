/*
 * IRCv3 MONITOR: which clients watch which nicks. The server keeps a map
 * from watched nick to its watchers; each client keeps the nicks it
 * watches (at most MONITOR_MAX), so quitting clears both sides.
 * Ownership: the map owns its entries; watchers are borrowed clients,
 * removed by monitor_clear() before a client is freed.
 */
#ifndef IRCSERV_MONITOR_H
#define IRCSERV_MONITOR_H

#include <stdbool.h>
#include <stddef.h>

/* ISUPPORT MONITOR=<n>: nicks one client may watch. */
#define MONITOR_MAX 100

struct monitor;
struct client;
struct server;

/* Caller frees with monitor_free(). NULL when out of memory. */
struct monitor *monitor_new(void);
/* Accepts NULL. */
void    monitor_free(struct monitor *mon);
/* Watchers are local users (watcher->local != NULL). */
/* watcher watches nick. Returns 1 added, 0 already there, -1 full or out of memory. */
int     monitor_add(struct monitor *mon, struct client *watcher, const char *nick);
/* watcher stops watching nick (if it did). */
void    monitor_del(struct monitor *mon, struct client *watcher, const char *nick);
/* watcher stops watching everything (MONITOR C, quit); none for a user not here. */
void    monitor_clear(struct monitor *mon, struct client *watcher);
/* The clients watching nick, *n of them (NULL when none); valid until the next change. */
struct client **monitor_watchers(const struct monitor *mon, const char *nick, size_t *n);
/* Tell cli's watchers that it came online (730) or went offline (731). */
void    monitor_notify(struct server *srv, struct client *cli, bool online);

#endif
