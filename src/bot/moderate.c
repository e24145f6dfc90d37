/*
 * Banned words and the warnings handed out for them. Words match whole
 * (bounded by anything but letters, digits, '-', '_' and bytes >= 0x80),
 * ignoring ASCII case, so "class" does not trip "ass". Warnings live in a
 * table of fixed size and expire after MODERATE_WARN_TTL_MS.
 */
#include "bot/moderate.h"

#include <string.h>

void
moderate_init(struct moderate *m)
{
	memset(m, 0, sizeof(*m));
}

static char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool
is_word_char(char c)
{
	unsigned char u = (unsigned char)c;

	return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
	    (u >= '0' && u <= '9') || u == '-' || u == '_' || u >= 0x80;
}

int
moderate_add_word(struct moderate *m, const char *word)
{
	size_t len = strlen(word);

	if (len == 0 || len >= MODERATE_WORD_MAX || m->nwords >= MODERATE_WORDS_MAX)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!is_word_char(word[i]))
			return -1;
		m->words[m->nwords][i] = ascii_lower(word[i]);
	}
	m->words[m->nwords][len] = '\0';
	m->nwords++;
	return 0;
}

/* Does the word at text[0..len) equal w, ignoring ASCII case? */
static bool
word_equals(const char *text, size_t len, const char *w)
{
	if (strlen(w) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (ascii_lower(text[i]) != w[i])
			return false;
	return true;
}

const char *
moderate_match(const struct moderate *m, const char *text)
{
	const char *p = text;

	while (*p != '\0') {
		size_t len = 0;

		while (*p != '\0' && !is_word_char(*p))
			p++;
		while (is_word_char(p[len]))
			len++;
		for (size_t i = 0; len > 0 && i < m->nwords; i++)
			if (word_equals(p, len, m->words[i]))
				return m->words[i];
		p += len;
	}
	return NULL;
}

static struct moderate_warning *
find_warning(struct moderate *m, const char *chan, const char *nick, int64_t now_ms)
{
	for (size_t i = 0; i < MODERATE_WARNED_MAX; i++) {
		struct moderate_warning *w = &m->warned[i];

		if (w->chan[0] != '\0' && now_ms - w->when_ms >= MODERATE_WARN_TTL_MS)
			w->chan[0] = '\0';
		if (w->chan[0] != '\0' && strcmp(w->chan, chan) == 0 &&
		    strcmp(w->nick, nick) == 0)
			return w;
	}
	return NULL;
}

/* A free slot, or the oldest warning's. */
static struct moderate_warning *
warning_slot(struct moderate *m)
{
	struct moderate_warning *o = &m->warned[0];

	for (size_t i = 0; i < MODERATE_WARNED_MAX; i++) {
		if (m->warned[i].chan[0] == '\0')
			return &m->warned[i];
		if (m->warned[i].when_ms < o->when_ms)
			o = &m->warned[i];
	}
	return o;
}

enum moderate_action
moderate_judge(struct moderate *m, const char *chan, const char *nick, int64_t now_ms)
{
	char fchan[IRCLINE_CHAN_MAX], fnick[IRCLINE_NICK_MAX];
	struct moderate_warning *w;

	ircline_fold(fchan, chan, sizeof(fchan));
	ircline_fold(fnick, nick, sizeof(fnick));
	if ((w = find_warning(m, fchan, fnick, now_ms)) != NULL) {
		w->chan[0] = '\0';
		return MODERATE_KICK;
	}
	w = warning_slot(m);
	memcpy(w->chan, fchan, sizeof(fchan));
	memcpy(w->nick, fnick, sizeof(fnick));
	w->when_ms = now_ms;
	return MODERATE_WARN;
}
