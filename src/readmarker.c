/*
 * Read marker store: owners in an hmap and in a list by last update, each
 * with its targets in an hmap and a list by last update, so that a lookup
 * is O(1) and the oldest owner or target is dropped first when a bound is
 * reached. Each node owns its name, the key of its map entry.
 */
#include "readmarker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "hmap.h"

struct rm_entry {
	struct rm_entry *prev, *next;   /* newer first */
	int64_t          ms;
	char             target[];
};

struct rm_owner {
	struct rm_owner *prev, *next;   /* newer first */
	struct hmap     *targets;       /* target -> struct rm_entry */
	struct rm_entry *newest, *oldest;
	char             name[];
};

struct readmarkers {
	struct hmap     *owners;        /* name -> struct rm_owner */
	struct rm_owner *newest, *oldest;
	size_t           max_owners, max_targets;
};

/* Doubly linked "newest first" lists, for entries and owners alike. */
#define LIST_UNLINK(head, tail, x) do {                                 \
	if ((x)->prev) (x)->prev->next = (x)->next; else (head) = (x)->next; \
	if ((x)->next) (x)->next->prev = (x)->prev; else (tail) = (x)->prev; \
	(x)->prev = (x)->next = NULL;                                   \
} while (0)
#define LIST_PUSH(head, tail, x) do {                                   \
	(x)->prev = NULL; (x)->next = (head);                           \
	if (head) (head)->prev = (x); else (tail) = (x);                \
	(head) = (x);                                                   \
} while (0)

struct readmarkers *
readmarker_new(size_t max_owners, size_t max_targets)
{
	struct readmarkers *rm = calloc(1, sizeof(*rm));

	if (rm == NULL || (rm->owners = hmap_new()) == NULL) {
		free(rm);
		return NULL;
	}
	rm->max_owners = max_owners ? max_owners : 1;
	rm->max_targets = max_targets ? max_targets : 1;
	return rm;
}

static void
drop_entry(struct rm_owner *o, struct rm_entry *e)
{
	hmap_del(o->targets, e->target);
	LIST_UNLINK(o->newest, o->oldest, e);
	free(e);
}

static void
drop_owner(struct readmarkers *rm, struct rm_owner *o)
{
	while (o->newest)
		drop_entry(o, o->newest);
	hmap_free(o->targets);
	hmap_del(rm->owners, o->name);
	LIST_UNLINK(rm->newest, rm->oldest, o);
	free(o);
}

void
readmarker_free(struct readmarkers *rm)
{
	if (rm == NULL)
		return;
	while (rm->newest)
		drop_owner(rm, rm->newest);
	hmap_free(rm->owners);
	free(rm);
}

int64_t
readmarker_get(const struct readmarkers *rm, const char *owner, const char *target)
{
	const struct rm_owner *o = hmap_get(rm->owners, owner);
	const struct rm_entry *e = o ? hmap_get(o->targets, target) : NULL;

	return e ? e->ms : -1;
}

/* owner's node, made (dropping the oldest owner at the bound) when new. */
static struct rm_owner *
owner_get(struct readmarkers *rm, const char *owner)
{
	struct rm_owner *o = hmap_get(rm->owners, owner);
	size_t len = strlen(owner);

	if (o != NULL)
		return o;
	if ((o = calloc(1, sizeof(*o) + len + 1)) == NULL)
		return NULL;
	memcpy(o->name, owner, len + 1);
	if ((o->targets = hmap_new()) == NULL ||
	    hmap_put(rm->owners, o->name, o) == -1) {
		hmap_free(o->targets);
		free(o);
		return NULL;
	}
	LIST_PUSH(rm->newest, rm->oldest, o);
	if (hmap_count(rm->owners) > rm->max_owners)
		drop_owner(rm, rm->oldest);
	return o;
}

/* A new entry for target in o, dropping o's oldest at the bound. */
static struct rm_entry *
entry_new(struct readmarkers *rm, struct rm_owner *o, const char *target)
{
	size_t len = strlen(target);
	struct rm_entry *e = calloc(1, sizeof(*e) + len + 1);

	if (e == NULL)
		return NULL;
	memcpy(e->target, target, len + 1);
	if (hmap_put(o->targets, e->target, e) == -1) {
		free(e);
		return NULL;
	}
	LIST_PUSH(o->newest, o->oldest, e);
	if (hmap_count(o->targets) > rm->max_targets)
		drop_entry(o, o->oldest);
	return e;
}

int
readmarker_set(struct readmarkers *rm, const char *owner, const char *target,
    int64_t ms, int64_t *stored)
{
	struct rm_owner *o = owner_get(rm, owner);
	struct rm_entry *e;

	*stored = readmarker_get(rm, owner, target);
	if (o == NULL)
		return -1;
	if ((e = hmap_get(o->targets, target)) == NULL) {
		if ((e = entry_new(rm, o, target)) == NULL) {
			if (o->newest == NULL)
				drop_owner(rm, o);
			return -1;
		}
		e->ms = -1;
	}
	/* The owner and the target are now the most recently used. */
	LIST_UNLINK(rm->newest, rm->oldest, o);
	LIST_PUSH(rm->newest, rm->oldest, o);
	LIST_UNLINK(o->newest, o->oldest, e);
	LIST_PUSH(o->newest, o->oldest, e);
	if (ms <= e->ms) {
		*stored = e->ms;
		return 0;
	}
	*stored = e->ms = ms;
	return 1;
}

void
readmarker_forget(struct readmarkers *rm, const char *owner)
{
	struct rm_owner *o = hmap_get(rm->owners, owner);

	if (o != NULL)
		drop_owner(rm, o);
}

void
readmarker_conn_owner(uint64_t id, char out[READMARKER_OWNER_SIZE])
{
	fmt_snprintf(out, READMARKER_OWNER_SIZE, "%llu", (unsigned long long)id);
}

int
readmarker_walk(const struct readmarkers *rm, readmarker_walk_fn *fn, void *ud)
{
	int r;

	for (const struct rm_owner *o = rm->oldest; o; o = o->prev)
		for (const struct rm_entry *e = o->oldest; e; e = e->prev)
			if (e->ms >= 0 && (r = fn(ud, o->name, e->target, e->ms)) != 0)
				return r;
	return 0;
}

size_t
readmarker_owners(const struct readmarkers *rm)
{
	return hmap_count(rm->owners);
}

size_t
readmarker_targets(const struct readmarkers *rm, const char *owner)
{
	const struct rm_owner *o = hmap_get(rm->owners, owner);

	return o ? hmap_count(o->targets) : 0;
}
