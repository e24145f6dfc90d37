/*
 * WHOWAS history as a fixed ring: one allocation at creation, then adding
 * overwrites the oldest slot, so memory stays bounded however many users
 * come and go. Lookups scan newest to oldest under the casemapping.
 */
#include "whowas.h"

#include <stdio.h>
#include <stdlib.h>

#include "casemap.h"
#include "client.h"
#include "fmt.h"

struct whowas {
	struct whowas_entry *v;
	size_t  cap;
	size_t  n;                      /* entries in use, at most cap */
	size_t  head;                   /* slot the next entry goes to */
};

struct whowas *
whowas_new(size_t capacity)
{
	struct whowas *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	if (capacity > 0 && (w->v = calloc(capacity, sizeof(*w->v))) == NULL) {
		free(w);
		return NULL;
	}
	w->cap = capacity;
	return w;
}

void
whowas_free(struct whowas *w)
{
	if (w == NULL)
		return;
	free(w->v);
	free(w);
}

void
whowas_add(struct whowas *w, const struct client *cli, time_t at)
{
	struct whowas_entry e;

	if (cli->nick[0] == '\0')
		return;
	fmt_snprintf(e.nick, sizeof(e.nick), "%s", cli->nick);
	fmt_snprintf(e.user, sizeof(e.user), "%s", cli->user);
	fmt_snprintf(e.host, sizeof(e.host), "%s", cli->host);
	fmt_snprintf(e.realname, sizeof(e.realname), "%s",
	    cli->realname ? cli->realname : "");
	e.at = at;
	whowas_put(w, &e);
}

void
whowas_put(struct whowas *w, const struct whowas_entry *e)
{
	if (w->cap == 0)
		return;
	w->v[w->head] = *e;
	w->head = (w->head + 1) % w->cap;
	if (w->n < w->cap)
		w->n++;
}

void
whowas_walk(const struct whowas *w,
    void (*fn)(void *arg, const struct whowas_entry *e), void *arg)
{
	for (size_t i = w->n; i > 0; i--)
		fn(arg, &w->v[(w->head + w->cap - i) % w->cap]);
}

const struct whowas_entry *
whowas_next(const struct whowas *w, const char *nick, size_t *it)
{
	/* *it counts the entries already looked at, newest first. */
	while (*it < w->n) {
		size_t slot = (w->head + w->cap - 1 - *it) % w->cap;

		(*it)++;
		if (casemap_cmp(w->v[slot].nick, nick) == 0)
			return &w->v[slot];
	}
	return NULL;
}
