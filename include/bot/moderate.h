/*
 * Moderation: configured banned words, matched as whole words without
 * regard to ASCII case, and who has been warned in which channel. The
 * first offence earns a warning, the next one a kick. Pure.
 */
#ifndef IRCSERV_BOT_MODERATE_H
#define IRCSERV_BOT_MODERATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bot/ircline.h"

#define MODERATE_WORDS_MAX      32
#define MODERATE_WORD_MAX       32
#define MODERATE_WARNED_MAX     128
#define MODERATE_WARN_TTL_MS    (3600 * 1000)   /* a warning is forgotten after */

struct moderate_warning {
	char     chan[IRCLINE_CHAN_MAX];        /* casefolded; "" when free */
	char     nick[IRCLINE_NICK_MAX];        /* casefolded */
	int64_t  when_ms;
};

struct moderate {
	char     words[MODERATE_WORDS_MAX][MODERATE_WORD_MAX];
	size_t   nwords;
	struct moderate_warning warned[MODERATE_WARNED_MAX];
};

enum moderate_action {
	MODERATE_NONE,
	MODERATE_WARN,
	MODERATE_KICK
};

void    moderate_init(struct moderate *m);
/* Add a word: -1 when it is empty, too long, has a space, or the list is full. */
int     moderate_add_word(struct moderate *m, const char *word);
/* The banned word text holds (as a whole word), or NULL. */
const char *moderate_match(const struct moderate *m, const char *text);
/*
 * What to do about nick saying a banned word in chan at now_ms: WARN the
 * first time (remembered), KICK when a warning is still remembered (which
 * is then forgotten).
 */
enum moderate_action moderate_judge(struct moderate *m, const char *chan,
	    const char *nick, int64_t now_ms);

#endif
