/*
 * The history store. Each item is one allocation (header, then msgid,
 * line, tags and account, each NUL-terminated); a target keeps pointers to
 * its items in a ring, oldest first, so selectors binary-search on time;
 * all items are also on one list in the order they were added, for the
 * byte and age bounds; and a chained hash on msgid finds an item for a
 * msgid selector or a redaction. Who may read what is the caller's check.
 */
#include "history.h"

#include <stdlib.h>
#include <string.h>

#include "history_store.h"
#include "hmap.h"
#include "irc.h"

/* "owner target" is at most this long, with its NUL. */
#define KEY_MAX         (2 * IRC_LINE_MAX)
#define RING_MIN        8
#define BUCKETS_MIN     64

struct history *
history_new(const struct history_limits *limits)
{
	struct history *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->lim = *limits;
	if ((h->targets = hmap_new()) == NULL || (h->owners = hmap_new()) == NULL) {
		history_free(h);
		return NULL;
	}
	return h;
}

static void
target_free(struct htarget *t)
{
	free(t->ring);
	free(t->key);
	free(t);
}

void
history_free(struct history *h)
{
	struct hent *e, *next;
	struct htarget *t;
	struct howner *o;
	size_t it = 0;
	const char *key;

	if (h == NULL)
		return;
	for (e = h->oldest; e; e = next) {
		next = e->newer;
		free(e);
	}
	if (h->targets) {
		while ((t = hmap_next(h->targets, &it, &key)) != NULL)
			target_free(t);
		hmap_free(h->targets);
	}
	it = 0;
	if (h->owners) {
		while ((o = hmap_next(h->owners, &it, &key)) != NULL) {
			free(o->name);
			free(o);
		}
		hmap_free(h->owners);
	}
	free(h->buckets);
	free(h);
}

void
history_observe(struct history *h, history_observer *fn, void *arg)
{
	h->observer = fn;
	h->observer_arg = arg;
}

/* FNV-1a: msgids are exact strings, not casefolded names. */
static uint32_t
msgid_hash(const char *s)
{
	uint32_t x = 2166136261u;

	while (*s)
		x = (x ^ (unsigned char)*s++) * 16777619u;
	return x;
}

static const char *
ent_msgid(const struct hent *e)
{
	return e->data;
}

static const char *
ent_line(const struct hent *e)
{
	return e->data + e->msgid_len + 1;
}

void
history_ent_view(const struct hent *e, struct history_item *out)
{
	const char *tags = ent_line(e) + e->len + 1;
	const char *account = tags + e->tags_len + 1;

	out->target = e->t->name;
	out->owner = e->t->owner ? e->t->owner->name : NULL;
	out->time_ms = e->time_ms;
	out->msgid = ent_msgid(e);
	out->line = ent_line(e);
	out->len = e->len;
	out->tags = e->tags_len ? tags : NULL;
	out->account = e->account_len ? account : NULL;
	out->kind = e->kind;
	out->flags = e->flags;
}

static void
notify(struct history *h, enum history_change change, const struct hent *e)
{
	struct history_item item;

	if (h->observer == NULL)
		return;
	history_ent_view(e, &item);
	h->observer(h->observer_arg, change, &item);
}

static size_t
ent_size(const struct hent *e)
{
	return sizeof(*e) + e->msgid_len + e->len + e->tags_len + e->account_len + 4;
}

/* ---- targets and owners ---- */

/* Put "owner target" (or "target") into key; false when too long. */
static bool
make_key(char *key, const char *target, const char *owner)
{
	size_t tl = strlen(target), ol = owner ? strlen(owner) : 0;

	if (tl + ol + 2 > KEY_MAX)
		return false;
	if (owner) {
		memcpy(key, owner, ol);
		key[ol++] = ' ';
	}
	memcpy(key + ol, target, tl + 1);
	return true;
}

struct htarget *
history_target_find(const struct history *h, const char *target, const char *owner)
{
	char key[KEY_MAX];

	if (!make_key(key, target, owner))
		return NULL;
	return hmap_get(h->targets, key);
}

static struct howner *
owner_get(struct history *h, const char *name)
{
	struct howner *o = hmap_get(h->owners, name);

	if (o != NULL)
		return o;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	if ((o->name = strdup(name)) == NULL || hmap_put(h->owners, o->name, o) == -1) {
		free(o->name);
		free(o);
		return NULL;
	}
	return o;
}

static struct htarget *
target_get(struct history *h, const char *target, const char *owner)
{
	char key[KEY_MAX];
	struct htarget *t;
	struct howner *o = NULL;

	if (!make_key(key, target, owner))
		return NULL;
	if ((t = hmap_get(h->targets, key)) != NULL)
		return t;
	if (owner && (o = owner_get(h, owner)) == NULL)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		goto fail;
	t->last_msg_ms = -1;
	if ((t->key = strdup(key)) == NULL || hmap_put(h->targets, t->key, t) == -1) {
		free(t->key);
		free(t);
		goto fail;
	}
	t->name = t->key + (owner ? strlen(owner) + 1 : 0);
	if ((t->owner = o) != NULL) {
		t->onext = o->targets;
		if (o->targets)
			o->targets->oprev = t;
		o->targets = t;
	}
	return t;
fail:
	if (o && o->targets == NULL) {
		hmap_del(h->owners, o->name);
		free(o->name);
		free(o);
	}
	return NULL;
}

/* A target whose last item went: unlink and free it (and its owner if bare). */
static void
target_drop(struct history *h, struct htarget *t)
{
	struct howner *o = t->owner;

	hmap_del(h->targets, t->key);
	if (o != NULL) {
		if (t->oprev)
			t->oprev->onext = t->onext;
		else
			o->targets = t->onext;
		if (t->onext)
			t->onext->oprev = t->oprev;
		if (o->targets == NULL) {
			hmap_del(h->owners, o->name);
			free(o->name);
			free(o);
		}
	}
	target_free(t);
}

/* ---- the msgid hash ---- */

static int
buckets_grow(struct history *h)
{
	size_t n = h->nbuckets ? h->nbuckets * 2 : BUCKETS_MIN;
	struct hent **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return -1;
	for (size_t i = 0; i < h->nbuckets; i++) {
		struct hent *e = h->buckets[i], *next;

		for (; e; e = next) {
			next = e->chain;
			e->chain = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(h->buckets);
	h->buckets = b;
	h->nbuckets = n;
	return 0;
}

static void
bucket_unlink(struct history *h, struct hent *e)
{
	struct hent **p = &h->buckets[e->hash & (h->nbuckets - 1)];

	while (*p != e)
		p = &(*p)->chain;
	*p = e->chain;
}

struct hent *
history_find_in(const struct history *h, const struct htarget *t, const char *msgid)
{
	uint32_t x = msgid_hash(msgid);

	if (h->nbuckets == 0)
		return NULL;
	for (struct hent *e = h->buckets[x & (h->nbuckets - 1)]; e; e = e->chain)
		if (e->t == t && e->hash == x && strcmp(ent_msgid(e), msgid) == 0)
			return e;
	return NULL;
}

/* ---- removing items ---- */

/* A walk under way passes over e, which is going (history_walk_begin()). */
static void
walk_forget(struct history *h, const struct hent *e)
{
	if (e == h->walk_next && e == h->walk_last)
		h->walk_next = h->walk_last = NULL;
	else if (e == h->walk_next)
		h->walk_next = e->newer;
	else if (e == h->walk_last)
		h->walk_last = e->older;
}

/* Take e out of everything and free it; its target goes when left empty. */
static void
ent_remove(struct history *h, struct hent *e, enum history_change why)
{
	struct htarget *t = e->t;
	uint32_t i, mask = t->cap - 1;

	notify(h, why, e);
	walk_forget(h, e);
	/* Find e in its ring: the oldest, except for a redaction. */
	for (i = 0; i < t->count && ring_at(t, i) != e; i++)
		;
	if (i == 0) {
		t->head = (t->head + 1) & mask;
	} else {
		for (; i + 1 < t->count; i++)
			t->ring[(t->head + i) & mask] = t->ring[(t->head + i + 1) & mask];
	}
	t->count--;
	if (e->older)
		e->older->newer = e->newer;
	else
		h->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		h->newest = e->older;
	bucket_unlink(h, e);
	h->count--;
	h->bytes -= ent_size(e);
	free(e);
	if (t->count == 0)
		target_drop(h, t);
}

/* Drop the oldest items while over the byte bound or older than the age bound. */
static void
enforce_global(struct history *h, int64_t now_ms)
{
	while (h->oldest && (h->bytes > h->lim.bytes ||
	    (h->lim.age_ms > 0 && h->oldest->time_ms < now_ms - h->lim.age_ms)))
		ent_remove(h, h->oldest, HISTORY_DROPPED);
}

void
history_set_limits(struct history *h, const struct history_limits *limits,
    int64_t now_ms)
{
	struct htarget *t;
	size_t it = 0;
	const char *key;

	h->lim = *limits;
	if (h->lim.lines == 0) {
		while (h->oldest)
			ent_remove(h, h->oldest, HISTORY_DROPPED);
		return;
	}
	enforce_global(h, now_ms);
	/* Each target keeps lines >= 1 items: none is dropped, the map holds still. */
	while ((t = hmap_next(h->targets, &it, &key)) != NULL)
		while (t->count > h->lim.lines)
			ent_remove(h, ring_at(t, 0), HISTORY_DROPPED);
}

size_t
history_remove(struct history *h, const char *msgid)
{
	uint32_t x = msgid_hash(msgid);
	size_t n = 0;
	struct hent *e;

	if (h->nbuckets == 0)
		return 0;
	/* Each removal changes the chain: look again from its start. */
	for (;;) {
		for (e = h->buckets[x & (h->nbuckets - 1)]; e; e = e->chain)
			if (e->hash == x && strcmp(ent_msgid(e), msgid) == 0)
				break;
		if (e == NULL)
			return n;
		ent_remove(h, e, HISTORY_REMOVED);
		n++;
	}
}

/* ---- adding ---- */

/* Append e to t's ring, doubling it when full (a power of two, for the mask). */
static int
ring_push(struct htarget *t, struct hent *e)
{
	if (t->count == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : RING_MIN;
		struct hent **r;

		if ((r = malloc(cap * sizeof(*r))) == NULL)
			return -1;
		for (uint32_t i = 0; i < t->count; i++)
			r[i] = ring_at(t, i);
		free(t->ring);
		t->ring = r;
		t->head = 0;
		t->cap = cap;
	}
	t->ring[(t->head + t->count) & (t->cap - 1)] = e;
	t->count++;
	return 0;
}

static bool
is_message(unsigned kind)
{
	return kind == HISTORY_PRIVMSG || kind == HISTORY_NOTICE || kind == HISTORY_TAGMSG;
}

static struct hent *
ent_new(const struct history_item *item)
{
	size_t ml = strlen(item->msgid);
	size_t tl = item->tags ? strlen(item->tags) : 0;
	size_t al = item->account ? strlen(item->account) : 0;
	struct hent *e;
	char *p;

	if (ml == 0 || ml > HISTORY_MSGID_MAX || item->len == 0 || item->len > UINT16_MAX ||
	    tl > UINT16_MAX || al > UINT8_MAX || item->kind >= HISTORY_NKINDS ||
	    item->flags > UINT8_MAX)
		return NULL;
	if ((e = malloc(sizeof(*e) + ml + item->len + tl + al + 4)) == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->time_ms = item->time_ms;
	e->hash = msgid_hash(item->msgid);
	e->len = (uint16_t)item->len;
	e->tags_len = (uint16_t)tl;
	e->kind = (uint8_t)item->kind;
	e->flags = (uint8_t)item->flags;
	e->msgid_len = (uint8_t)ml;
	e->account_len = (uint8_t)al;
	p = e->data;
	memcpy(p, item->msgid, ml + 1);
	p += ml + 1;
	memcpy(p, item->line, item->len);
	p[item->len] = '\0';
	p += item->len + 1;
	memcpy(p, tl ? item->tags : "", tl + 1);
	p += tl + 1;
	memcpy(p, al ? item->account : "", al + 1);
	return e;
}

int
history_add(struct history *h, const struct history_item *item)
{
	struct htarget *t;
	struct hent *e;

	if (item->target == NULL || item->target[0] == '\0' || item->msgid == NULL ||
	    item->line == NULL)
		return -1;
	if (h->lim.lines == 0)
		return 1;
	if ((e = ent_new(item)) == NULL)
		return -1;
	if (ent_size(e) > h->lim.bytes) {
		free(e);
		return 1;
	}
	/* The per-target bound: its oldest make room; a target goes with its last. */
	t = history_target_find(h, item->target, item->owner);
	while (t != NULL && t->count >= h->lim.lines) {
		struct htarget *left = t->count > 1 ? t : NULL;

		ent_remove(h, ring_at(t, 0), HISTORY_DROPPED);
		t = left;
	}
	if (h->count + 1 > h->nbuckets && buckets_grow(h) == -1 && h->nbuckets == 0)
		goto fail;
	if ((t == NULL && (t = target_get(h, item->target, item->owner)) == NULL) ||
	    ring_push(t, e) == -1)
		goto fail;
	e->t = t;
	e->older = h->newest;
	if (h->newest)
		h->newest->newer = e;
	else
		h->oldest = e;
	h->newest = e;
	e->chain = h->buckets[e->hash & (h->nbuckets - 1)];
	h->buckets[e->hash & (h->nbuckets - 1)] = e;
	h->count++;
	h->bytes += ent_size(e);
	if (is_message(e->kind) && e->time_ms > t->last_msg_ms)
		t->last_msg_ms = e->time_ms;
	notify(h, HISTORY_ADDED, e);
	enforce_global(h, item->time_ms);
	return 0;
fail:
	free(e);
	if (t && t->count == 0)
		target_drop(h, t);
	return -1;
}

void
history_foreach(const struct history *h,
    void (*fn)(void *arg, const struct history_item *item), void *arg)
{
	struct history_item item;

	for (const struct hent *e = h->oldest; e; e = e->newer) {
		history_ent_view(e, &item);
		fn(arg, &item);
	}
}

void
history_walk_begin(struct history *h)
{
	h->walk_next = h->oldest;
	h->walk_last = h->newest;
}

bool
history_walk(struct history *h, history_walker *fn, void *arg)
{
	struct history_item item;
	const struct hent *e;
	bool more = true;

	while (more && (e = h->walk_next) != NULL) {
		if (e == h->walk_last)
			h->walk_next = h->walk_last = NULL;
		else
			h->walk_next = e->newer;
		history_ent_view(e, &item);
		more = fn(arg, &item);
	}
	return h->walk_next == NULL;
}

void
history_walk_end(struct history *h)
{
	h->walk_next = h->walk_last = NULL;
}

bool
history_drop(struct history *h, const char *target, const char *owner, const char *msgid)
{
	struct htarget *t = history_target_find(h, target, owner);
	struct hent *e = t ? history_find_in(h, t, msgid) : NULL;

	if (e == NULL)
		return false;
	ent_remove(h, e, HISTORY_DROPPED);
	return true;
}

size_t
history_clear(struct history *h, const char *target, const char *owner)
{
	struct htarget *t = history_target_find(h, target, owner);
	size_t n = 0;

	/* The target goes with its last item. */
	for (uint32_t left = t ? t->count : 0; left > 0; left--, n++)
		ent_remove(h, ring_at(t, 0), HISTORY_CLEARED);
	return n;
}

/* Give t the key (and name) to; -1 when out of memory (t as it was). */
static int
target_rekey(struct history *h, struct htarget *t, const char *to)
{
	char *key = strdup(to), *old = t->key;

	if (key == NULL)
		return -1;
	hmap_del(h->targets, old);
	if (hmap_put(h->targets, key, t) == -1) {
		/* The slot just freed takes the old key back without growing. */
		hmap_put(h->targets, old, t);
		free(key);
		return -1;
	}
	t->key = key;
	t->name = key;
	free(old);
	return 0;
}

/* Put the items of from in front of those of into; from goes. */
static int
target_merge(struct history *h, struct htarget *from, struct htarget *into)
{
	uint32_t n = from->count + into->count, cap = RING_MIN;
	struct hent **r;

	while (cap < n)
		cap *= 2;
	if ((r = malloc(cap * sizeof(*r))) == NULL)
		return -1;
	for (uint32_t i = 0; i < from->count; i++) {
		r[i] = ring_at(from, i);
		r[i]->t = into;
	}
	for (uint32_t i = 0; i < into->count; i++)
		r[from->count + i] = ring_at(into, i);
	free(into->ring);
	into->ring = r;
	into->head = 0;
	into->cap = cap;
	into->count = n;
	if (from->last_msg_ms > into->last_msg_ms)
		into->last_msg_ms = from->last_msg_ms;
	from->count = 0;
	target_drop(h, from);
	while (into->count > h->lim.lines)
		ent_remove(h, ring_at(into, 0), HISTORY_DROPPED);
	return 0;
}

int
history_rename(struct history *h, const char *from, const char *to)
{
	struct htarget *t = history_target_find(h, from, NULL);
	struct htarget *into = history_target_find(h, to, NULL);

	if (t == NULL)
		return 0;
	if (into != NULL && into != t)
		return target_merge(h, t, into);
	return target_rekey(h, t, to);
}

size_t
history_count(const struct history *h)
{
	return h->count;
}

size_t
history_bytes(const struct history *h)
{
	return h->bytes;
}
