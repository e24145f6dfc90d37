/*
 * Reminder table: REMIND_MAX slots, scanned linearly; the earliest due
 * reminder is delivered first, and ties go to the lower slot, which is
 * the order they were added in while nothing was removed.
 */
#include "bot/remind.h"

#include <string.h>

void
remind_init(struct remind *r)
{
	memset(r, 0, sizeof(*r));
}

size_t
remind_count(const struct remind *r, const char *nick)
{
	size_t n = 0;

	for (size_t i = 0; i < REMIND_MAX; i++)
		if (r->items[i].used && ircline_casecmp(r->items[i].nick, nick) == 0)
			n++;
	return n;
}

enum remind_status
remind_add(struct remind *r, const char *nick, const char *target, int64_t due_ms,
    const char *text)
{
	struct remind_item *it = NULL;

	if (remind_count(r, nick) >= REMIND_PER_NICK)
		return REMIND_NICK_FULL;
	for (size_t i = 0; i < REMIND_MAX && it == NULL; i++)
		if (!r->items[i].used)
			it = &r->items[i];
	if (it == NULL)
		return REMIND_FULL;
	it->used = true;
	it->due_ms = due_ms;
	ircline_copy(it->nick, nick, sizeof(it->nick));
	ircline_copy(it->target, target, sizeof(it->target));
	ircline_copy(it->text, text, sizeof(it->text));
	return REMIND_OK;
}

static struct remind_item *
earliest(struct remind *r)
{
	struct remind_item *e = NULL;

	for (size_t i = 0; i < REMIND_MAX; i++)
		if (r->items[i].used && (e == NULL || r->items[i].due_ms < e->due_ms))
			e = &r->items[i];
	return e;
}

bool
remind_pop_due(struct remind *r, int64_t now_ms, struct remind_item *out)
{
	struct remind_item *e = earliest(r);

	if (e == NULL || e->due_ms > now_ms)
		return false;
	*out = *e;
	e->used = false;
	return true;
}

int64_t
remind_next_due(const struct remind *r)
{
	const struct remind_item *e = earliest((struct remind *)r);

	return e == NULL ? INT64_MAX : e->due_ms;
}
