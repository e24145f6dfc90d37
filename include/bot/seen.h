/*
 * !seen: when each nick was last active and doing what, in a table of
 * fixed size where the entry seen longest ago makes room for a new nick.
 * Pure: the caller passes the wall-clock time.
 */
#ifndef IRCSERV_BOT_SEEN_H
#define IRCSERV_BOT_SEEN_H

#include <stddef.h>
#include <time.h>

#include "bot/ircline.h"

#define SEEN_MAX        256     /* nicks remembered */
#define SEEN_WHAT_MAX   200     /* "saying ..." is cut to fit */

struct seen_entry {
	char     key[IRCLINE_NICK_MAX];  /* casefolded nick, "" when free */
	char     nick[IRCLINE_NICK_MAX]; /* as last written */
	time_t   when;
	char     what[SEEN_WHAT_MAX];
};

struct seen {
	struct seen_entry entries[SEEN_MAX];
	size_t   n;
};

void    seen_init(struct seen *s);
/* Record that nick did what at when, replacing what was known of it. */
void    seen_note(struct seen *s, const char *nick, time_t when, const char *what);
/* The entry for nick (any case), or NULL. Valid until the next seen_note(). */
const struct seen_entry *seen_find(const struct seen *s, const char *nick);

#endif
