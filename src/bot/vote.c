/*
 * Polls: VOTE_POLLS_MAX slots keyed by casefolded channel; each keeps its
 * options, a count per option and the casefolded nicks that voted, so a
 * nick votes once whatever case it types. A poll ends by !endpoll or
 * after VOTE_TTL_MS, whichever comes first.
 */
#include "bot/vote.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
vote_init(struct vote *v)
{
	memset(v, 0, sizeof(*v));
}

struct vote_poll *
vote_find(struct vote *v, const char *chan)
{
	char key[IRCLINE_CHAN_MAX];

	ircline_fold(key, chan, sizeof(key));
	for (size_t i = 0; i < VOTE_POLLS_MAX; i++)
		if (v->polls[i].chan[0] != '\0' && strcmp(v->polls[i].chan, key) == 0)
			return &v->polls[i];
	return NULL;
}

static bool
text_fits(const char *s, size_t max)
{
	size_t len = strlen(s);

	return len > 0 && len < max;
}

enum vote_status
vote_open(struct vote *v, const char *chan, const char *owner, const char *question,
    char *const options[], int noptions, int64_t now_ms)
{
	struct vote_poll *p = NULL;

	if (vote_find(v, chan) != NULL)
		return VOTE_RUNNING;
	if (!text_fits(question, VOTE_QUESTION_MAX) || noptions < 2 ||
	    noptions > VOTE_OPTIONS_MAX)
		return VOTE_BAD_TEXT;
	for (int i = 0; i < noptions; i++)
		if (!text_fits(options[i], VOTE_OPTION_MAX))
			return VOTE_BAD_TEXT;
	for (size_t i = 0; i < VOTE_POLLS_MAX && p == NULL; i++)
		if (v->polls[i].chan[0] == '\0')
			p = &v->polls[i];
	if (p == NULL)
		return VOTE_TOO_MANY;
	memset(p, 0, sizeof(*p));
	ircline_fold(p->chan, chan, sizeof(p->chan));
	ircline_fold(p->owner, owner, sizeof(p->owner));
	ircline_copy(p->question, question, sizeof(p->question));
	for (int i = 0; i < noptions; i++)
		ircline_copy(p->options[i], options[i], sizeof(p->options[i]));
	p->noptions = noptions;
	p->opened_ms = now_ms;
	return VOTE_OK;
}

enum vote_status
vote_cast(struct vote *v, const char *chan, const char *nick, int choice)
{
	struct vote_poll *p = vote_find(v, chan);
	char key[IRCLINE_NICK_MAX];

	if (p == NULL)
		return VOTE_NO_POLL;
	if (choice < 1 || choice > p->noptions)
		return VOTE_BAD_CHOICE;
	ircline_fold(key, nick, sizeof(key));
	for (size_t i = 0; i < p->nvoters; i++)
		if (strcmp(p->voters[i], key) == 0)
			return VOTE_ALREADY;
	if (p->nvoters >= VOTE_VOTERS_MAX)
		return VOTE_TOO_MANY;
	memcpy(p->voters[p->nvoters++], key, sizeof(key));
	p->counts[choice - 1]++;
	return VOTE_OK;
}

struct vote_poll *
vote_expired(struct vote *v, int64_t now_ms)
{
	for (size_t i = 0; i < VOTE_POLLS_MAX; i++)
		if (v->polls[i].chan[0] != '\0' &&
		    now_ms - v->polls[i].opened_ms >= VOTE_TTL_MS)
			return &v->polls[i];
	return NULL;
}

void
vote_close(struct vote_poll *p)
{
	p->chan[0] = '\0';
	p->nvoters = 0;
}

/* vsnprintf at out + len that stops once out is full; the new length. */
static size_t __attribute__((format(printf, 4, 5)))
appendf(char *out, size_t outsz, size_t len, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (len + 1 >= outsz)
		return len;
	va_start(ap, fmt);
	r = vsnprintf(out + len, outsz - len, fmt, ap);
	va_end(ap);
	if (r < 0)
		return len;
	return len + (size_t)r < outsz ? len + (size_t)r : outsz - 1;
}

size_t
vote_format(const struct vote_poll *p, bool counts, char *out, size_t outsz)
{
	size_t len;

	if (outsz == 0)
		return 0;
	out[0] = '\0';
	len = appendf(out, outsz, 0, "%s:", p->question);
	for (int i = 0; i < p->noptions; i++) {
		len = appendf(out, outsz, len, "%s%d) %s", i ? ", " : " ", i + 1,
		    p->options[i]);
		if (counts)
			len = appendf(out, outsz, len, " %u", p->counts[i]);
	}
	if (!counts)
		return len;
	return appendf(out, outsz, len, " (%zu vote%s)", p->nvoters,
	    p->nvoters == 1 ? "" : "s");
}
