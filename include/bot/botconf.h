/*
 * The bot's configuration: command-line arguments, and an optional small
 * file of "key = value" lines that the command line overrides. Parsing a
 * string is pure, so it is testable; only botconf_parse_args() reads the
 * file it is given with -f.
 */
#ifndef IRCSERV_BOT_BOTCONF_H
#define IRCSERV_BOT_BOTCONF_H

#include <stddef.h>

#include "bot/ircline.h"
#include "bot/moderate.h"

#define BOTCONF_CHANS_MAX       16
#define BOTCONF_GREETING_MAX    200
#define BOTCONF_FILE_MAX        (64 * 1024)
#define BOTCONF_DEFAULT_NICK    "ircbot"

struct botconf {
	char     host[256];
	char     port[8];
	char     password[128];
	char     nick[IRCLINE_NICK_MAX];
	char     chans[BOTCONF_CHANS_MAX][IRCLINE_CHAN_MAX];
	size_t   nchans;
	/* Said when someone joins; "{nick}" and "{chan}" are replaced. "" = none. */
	char     greeting[BOTCONF_GREETING_MAX];
	char     words[MODERATE_WORDS_MAX][MODERATE_WORD_MAX];
	size_t   nwords;
};

/* Defaults: nick BOTCONF_DEFAULT_NICK, nothing else. */
void    botconf_init(struct botconf *cfg);
/*
 * ircbot [-f FILE] [-g GREETING] [-w WORD,...] host port password [nick]
 * [#channel...]. Reads FILE first, so that the rest overrides it. Returns
 * 0, or -1 with a reason in err.
 */
int     botconf_parse_args(struct botconf *cfg, int argc, char *const argv[],
	    char *err, size_t errlen);
/*
 * Apply "key = value" lines (keys: nick, channels, greeting, words; '#'
 * or ';' at the start of a line begins a comment). Returns 0, or -1 with
 * "line N: reason" in err.
 */
int     botconf_parse_string(struct botconf *cfg, const char *text, char *err,
	    size_t errlen);
/* Add one channel (must start with '#' or '&', no space or comma). */
int     botconf_add_channel(struct botconf *cfg, const char *name, char *err,
	    size_t errlen);
/* Add banned words separated by commas or spaces. */
int     botconf_add_words(struct botconf *cfg, const char *list, char *err,
	    size_t errlen);
/* The usage text for -h and for bad arguments. */
const char *botconf_usage(void);

#endif
