/*
 * !seen table: a linear array of SEEN_MAX entries, small enough that a
 * scan per channel message costs nothing next to the network. When it is
 * full, the nick seen longest ago gives its slot to the new one.
 */
#include "bot/seen.h"

#include <string.h>

void
seen_init(struct seen *s)
{
	memset(s, 0, sizeof(*s));
}

static struct seen_entry *
find_key(struct seen *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->entries[i].key, key) == 0)
			return &s->entries[i];
	return NULL;
}

static struct seen_entry *
oldest(struct seen *s)
{
	struct seen_entry *o = &s->entries[0];

	for (size_t i = 1; i < s->n; i++)
		if (s->entries[i].when < o->when)
			o = &s->entries[i];
	return o;
}

void
seen_note(struct seen *s, const char *nick, time_t when, const char *what)
{
	char key[IRCLINE_NICK_MAX];
	struct seen_entry *e;

	if (nick[0] == '\0')
		return;
	ircline_fold(key, nick, sizeof(key));
	if ((e = find_key(s, key)) == NULL)
		e = s->n < SEEN_MAX ? &s->entries[s->n++] : oldest(s);
	memcpy(e->key, key, sizeof(key));
	ircline_copy(e->nick, nick, sizeof(e->nick));
	e->when = when;
	ircline_copy(e->what, what, sizeof(e->what));
}

const struct seen_entry *
seen_find(const struct seen *s, const char *nick)
{
	char key[IRCLINE_NICK_MAX];

	ircline_fold(key, nick, sizeof(key));
	return find_key((struct seen *)s, key);
}
