/*
 * !remind: pending reminders in a table of fixed size, with a cap per
 * nick. Pure: time is an argument (monotonic ms), so tests inject it.
 */
#ifndef IRCSERV_BOT_REMIND_H
#define IRCSERV_BOT_REMIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bot/ircline.h"

#define REMIND_MAX              64
#define REMIND_PER_NICK         3
#define REMIND_MINUTES_MAX      (7 * 24 * 60)   /* one week */
#define REMIND_TEXT_MAX         300

struct remind_item {
	bool     used;
	int64_t  due_ms;
	char     nick[IRCLINE_NICK_MAX];  /* who asked */
	char     target[IRCLINE_CHAN_MAX]; /* where to say it: channel or nick */
	char     text[REMIND_TEXT_MAX + 1];
};

struct remind {
	struct remind_item items[REMIND_MAX];
};

enum remind_status {
	REMIND_OK,
	REMIND_NICK_FULL,       /* REMIND_PER_NICK pending for this nick */
	REMIND_FULL             /* REMIND_MAX pending in all */
};

void    remind_init(struct remind *r);
/* Text longer than REMIND_TEXT_MAX is cut. */
enum remind_status remind_add(struct remind *r, const char *nick, const char *target,
	    int64_t due_ms, const char *text);
/* Pending reminders of nick (any case). */
size_t  remind_count(const struct remind *r, const char *nick);
/* Move the earliest reminder due at now_ms into *out: true if there was one. */
bool    remind_pop_due(struct remind *r, int64_t now_ms, struct remind_item *out);
/* When the earliest reminder is due, INT64_MAX when none is pending. */
int64_t remind_next_due(const struct remind *r);

#endif
