/*
 * MONITOR registry: a case-insensitive map from nick to the clients that
 * watch it, mirrored by each client's own list of watched nicks. Both
 * sides are bounded by MONITOR_MAX per client.
 */
#include "monitor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casemap.h"
#include "client.h"
#include "hmap.h"
#include "irc.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"

struct watch {
	char            nick[IRC_NICKLEN + 1];  /* the map key */
	struct client **v;
	size_t          n, cap;
};

struct monitor {
	struct hmap *map;
};

struct monitor *
monitor_new(void)
{
	struct monitor *mon = calloc(1, sizeof(*mon));

	if (mon == NULL || (mon->map = hmap_new()) == NULL) {
		free(mon);
		return NULL;
	}
	return mon;
}

void
monitor_free(struct monitor *mon)
{
	struct watch *w;
	size_t it = 0;

	if (mon == NULL)
		return;
	while ((w = hmap_next(mon->map, &it, NULL)) != NULL) {
		free(w->v);
		free(w);
	}
	hmap_free(mon->map);
	free(mon);
}

static int
client_list_add(struct local_extra *x, const char *nick)
{
	char (*v)[IRC_NICKLEN + 1];

	if (x->nmonitors == MONITOR_MAX)
		return -1;
	if ((v = realloc(x->monitors, (x->nmonitors + 1) * sizeof(*v))) == NULL)
		return -1;
	x->monitors = v;
	snprintf(v[x->nmonitors++], sizeof(v[0]), "%s", nick);
	return 0;
}

int
monitor_add(struct monitor *mon, struct client *watcher, const char *nick)
{
	struct watch *w = hmap_get(mon->map, nick);
	struct local_extra *x = local_extra(watcher->local);
	struct client **v;

	if (w != NULL)
		for (size_t i = 0; i < w->n; i++)
			if (w->v[i] == watcher)
				return 0;
	if (x == NULL || x->nmonitors == MONITOR_MAX)
		return -1;
	if (w == NULL) {
		if ((w = calloc(1, sizeof(*w))) == NULL)
			return -1;
		snprintf(w->nick, sizeof(w->nick), "%s", nick);
		if (hmap_put(mon->map, w->nick, w) == -1) {
			free(w);
			return -1;
		}
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 2;

		if ((v = realloc(w->v, cap * sizeof(*v))) == NULL)
			return -1;
		w->v = v;
		w->cap = cap;
	}
	if (client_list_add(x, nick) == -1)
		return -1;
	w->v[w->n++] = watcher;
	return 1;
}

/* Remove watcher from nick's entry, freeing the entry when it empties. */
static void
unwatch(struct monitor *mon, struct client *watcher, const char *nick)
{
	struct watch *w = hmap_get(mon->map, nick);

	if (w == NULL)
		return;
	for (size_t i = 0; i < w->n; i++) {
		if (w->v[i] == watcher) {
			w->v[i] = w->v[--w->n];
			break;
		}
	}
	if (w->n == 0) {
		hmap_del(mon->map, w->nick);
		free(w->v);
		free(w);
	}
}

void
monitor_del(struct monitor *mon, struct client *watcher, const char *nick)
{
	struct local_extra *l = watcher->local->extra;

	for (size_t i = 0; l != NULL && i < l->nmonitors; i++) {
		if (casemap_cmp(l->monitors[i], nick) == 0) {
			unwatch(mon, watcher, l->monitors[i]);
			/* The last entry moves into the hole (not onto itself). */
			if (i != --l->nmonitors)
				memcpy(l->monitors[i], l->monitors[l->nmonitors], sizeof(l->monitors[0]));
			return;
		}
	}
}

void
monitor_clear(struct monitor *mon, struct client *watcher)
{
	struct local_extra *l = watcher->local != NULL ? watcher->local->extra : NULL;

	if (l == NULL)
		return;         /* only local users watch; this one watches nothing */
	for (size_t i = 0; i < l->nmonitors; i++)
		unwatch(mon, watcher, l->monitors[i]);
	free(l->monitors);
	l->monitors = NULL;
	l->nmonitors = 0;
}

struct client **
monitor_watchers(const struct monitor *mon, const char *nick, size_t *n)
{
	struct watch *w = hmap_get(mon->map, nick);

	*n = w ? w->n : 0;
	return w ? w->v : NULL;
}

void
monitor_notify(struct server *srv, struct client *cli, bool online)
{
	size_t n;
	struct client **w = monitor_watchers(srv->monitor, cli->nick, &n);
	char prefix[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 3];

	if (n == 0)
		return;
	client_prefix(cli, prefix, sizeof(prefix));
	for (size_t i = 0; i < n; i++) {
		if (online)
			reply_numeric(srv, w[i], RPL_MONONLINE, prefix);
		else
			reply_numeric(srv, w[i], RPL_MONOFFLINE, cli->nick);
	}
}
