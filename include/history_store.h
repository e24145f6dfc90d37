/*
 * The history store's own layout, shared by its files and by nothing else:
 * history.c (items, targets, bounds, the msgid hash, adding and removing)
 * and history_query.c (the selectors, which only read). Everyone else
 * goes through history.h.
 */
#ifndef IRCSERV_HISTORY_STORE_H
#define IRCSERV_HISTORY_STORE_H

#include <stdint.h>

#include "history.h"

struct hmap;
struct htarget;

struct hent {
	struct hent     *older, *newer; /* the store's list, by order added */
	struct hent     *chain;         /* next in the msgid hash bucket */
	struct htarget  *t;
	int64_t          time_ms;
	uint32_t         hash;          /* of the msgid */
	uint16_t         len, tags_len;
	uint8_t          kind, flags, msgid_len, account_len;
	char             data[];        /* msgid \0 line \0 tags \0 account \0 */
};

struct howner;

struct htarget {
	char            *key;           /* "name" or "owner name"; the targets map's key */
	const char      *name;          /* in key */
	struct howner   *owner;         /* NULL for a channel */
	struct htarget  *onext, *oprev; /* the owner's conversations */
	struct hent    **ring;
	uint32_t         head, count, cap;
	int64_t          last_msg_ms;
};

struct howner {
	char            *name;          /* the owners map's key */
	struct htarget  *targets;
};

struct history {
	struct history_limits lim;
	struct hmap     *targets;       /* key -> struct htarget */
	struct hmap     *owners;        /* account -> struct howner */
	struct hent     *oldest, *newest;
	struct hent    **buckets;
	size_t           nbuckets;      /* a power of two, or 0 */
	size_t           count, bytes;
	history_observer *observer;
	void            *observer_arg;
	/* A walk (history_walk_begin()): the next item and the last to visit. */
	struct hent     *walk_next, *walk_last;
};

/* The target's i-th item, oldest first. */
static inline struct hent *
ring_at(const struct htarget *t, uint32_t i)
{
	return t->ring[(t->head + i) & (t->cap - 1)];
}

/* e as a struct history_item (borrowing from e). */
void    history_ent_view(const struct hent *e, struct history_item *out);
/* The target (target, owner), or NULL. */
struct htarget *history_target_find(const struct history *h, const char *target,
	    const char *owner);
/* An item of t with msgid, or NULL. */
struct hent *history_find_in(const struct history *h, const struct htarget *t,
	    const char *msgid);

#endif
