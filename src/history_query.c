/*
 * The history store's selectors (history.h): CHATHISTORY's LATEST, BEFORE,
 * AFTER, AROUND and BETWEEN by binary search on time or through the msgid
 * hash, a single item, and the conversations of an owner. They only read
 * the store that history.c keeps (history_store.h).
 */
#include "history.h"

#include <string.h>

#include "history_store.h"
#include "hmap.h"

/* The first item of t at or after ms (count when none). */
static uint32_t
lower_bound(const struct htarget *t, int64_t ms)
{
	uint32_t lo = 0, hi = t->count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ring_at(t, mid)->time_ms < ms)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first item of t after ms. */
static uint32_t
upper_bound(const struct htarget *t, int64_t ms)
{
	uint32_t lo = 0, hi = t->count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ring_at(t, mid)->time_ms <= ms)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The position of e in t: by its time, then among the items of that time. */
static uint32_t
position_of(const struct htarget *t, const struct hent *e)
{
	uint32_t i = lower_bound(t, e->time_ms);

	while (i < t->count && ring_at(t, i) != e)
		i++;
	if (i < t->count)
		return i;
	/* Times out of order (a clock stepped back): look everywhere. */
	for (i = 0; i < t->count && ring_at(t, i) != e; i++)
		;
	return i;
}

/*
 * Where a reference falls in t: items [0, *before) are strictly before it,
 * [*after, count) strictly after it, and *pivot is the item at it (or the
 * first after a time). False for a msgid not in t.
 */
static bool
resolve_ref(const struct history *h, const struct htarget *t,
    const struct history_ref *r, uint32_t *before, uint32_t *after, uint32_t *pivot)
{
	if (r->kind == HISTORY_REF_MSGID) {
		const struct hent *e = history_find_in(h, t, r->msgid);

		if (e == NULL)
			return false;
		*pivot = *before = position_of(t, e);
		*after = *before + 1;
		return true;
	}
	if (r->kind == HISTORY_REF_TIME) {
		*pivot = *before = lower_bound(t, r->time_ms);
		*after = upper_bound(t, r->time_ms);
		return true;
	}
	*pivot = *before = *after = 0;
	return true;
}

static bool
visible(const struct hent *e, const struct history_query *q, int64_t oldest_ms)
{
	return (q->kinds & HISTORY_BIT(e->kind)) && e->time_ms >= oldest_ms;
}

/* The oldest up to max visible items of [from, to) into out. */
static size_t
take_forward(const struct htarget *t, uint32_t from, uint32_t to,
    const struct history_query *q, int64_t oldest_ms, struct history_item *out,
    size_t max)
{
	size_t n = 0;

	for (uint32_t i = from; i < to && n < max; i++) {
		const struct hent *e = ring_at(t, i);

		if (visible(e, q, oldest_ms))
			history_ent_view(e, &out[n++]);
	}
	return n;
}

/* The newest up to max visible items of [from, to) into out, oldest first. */
static size_t
take_backward(const struct htarget *t, uint32_t from, uint32_t to,
    const struct history_query *q, int64_t oldest_ms, struct history_item *out,
    size_t max)
{
	size_t n = 0;

	for (uint32_t i = to; i > from && n < max; i--) {
		const struct hent *e = ring_at(t, i - 1);

		if (visible(e, q, oldest_ms))
			history_ent_view(e, &out[n++]);
	}
	for (size_t i = 0; i < n / 2; i++) {
		struct history_item tmp = out[i];

		out[i] = out[n - 1 - i];
		out[n - 1 - i] = tmp;
	}
	return n;
}

size_t
history_query(const struct history *h, const char *target, const char *owner,
    const struct history_query *q, struct history_item *out)
{
	const struct htarget *t = history_target_find(h, target, owner);
	int64_t oldest_ms = h->lim.age_ms > 0 ? q->now_ms - h->lim.age_ms : INT64_MIN;
	uint32_t ab, aa, ap, bb, ba, bp;
	size_t n;

	if (t == NULL || q->limit == 0 ||
	    !resolve_ref(h, t, &q->a, &ab, &aa, &ap) ||
	    !resolve_ref(h, t, &q->b, &bb, &ba, &bp))
		return 0;
	switch (q->op) {
	case HISTORY_LATEST:
		return take_backward(t, q->a.kind == HISTORY_REF_NONE ? 0 : aa, t->count, q,
		    oldest_ms, out, q->limit);
	case HISTORY_BEFORE:
		return take_backward(t, 0, ab, q, oldest_ms, out, q->limit);
	case HISTORY_AFTER:
		return take_forward(t, aa, t->count, q, oldest_ms, out, q->limit);
	case HISTORY_AROUND:
		n = take_backward(t, 0, ap, q, oldest_ms, out, q->limit / 2);
		return n + take_forward(t, ap, t->count, q, oldest_ms, out + n, q->limit - n);
	case HISTORY_BETWEEN:
		if (ap <= bp)
			return aa < bb ? take_forward(t, aa, bb, q, oldest_ms, out, q->limit) : 0;
		return ba < ab ? take_backward(t, ba, ab, q, oldest_ms, out, q->limit) : 0;
	}
	return 0;
}

bool
history_find(const struct history *h, const char *target, const char *owner,
    const char *msgid, struct history_item *out)
{
	const struct htarget *t = history_target_find(h, target, owner);
	const struct hent *e;

	if (t == NULL || (e = history_find_in(h, t, msgid)) == NULL)
		return false;
	history_ent_view(e, out);
	return true;
}

int64_t
history_last_message(const struct history *h, const char *target, const char *owner)
{
	const struct htarget *t = history_target_find(h, target, owner);

	return t ? t->last_msg_ms : -1;
}

size_t
history_conversations(const struct history *h, const char *owner, int64_t from_ms,
    int64_t to_ms, const char **names, int64_t *times, size_t max)
{
	const struct howner *o = hmap_get(h->owners, owner);
	size_t n = 0;

	if (o == NULL || max == 0)
		return 0;
	/* Keep the max earliest, sorted by time (insertion into names/times). */
	for (const struct htarget *t = o->targets; t; t = t->onext) {
		size_t i;

		if (t->last_msg_ms <= from_ms || t->last_msg_ms >= to_ms)
			continue;
		if (n == max && times[n - 1] <= t->last_msg_ms)
			continue;
		i = n < max ? n++ : n - 1;
		for (; i > 0 && times[i - 1] > t->last_msg_ms; i--) {
			names[i] = names[i - 1];
			times[i] = times[i - 1];
		}
		names[i] = t->name;
		times[i] = t->last_msg_ms;
	}
	return n;
}
