/*
 * The bot's view of IRC lines: parse one received line into command and
 * parameters, and compare names under the rfc1459 casemapping. Pure: no
 * I/O, no allocation. Grammar: RFC 1459/2812 2.3 plus IRCv3 message-tags
 * (the tags are skipped; the bot asks for no capability).
 */
#ifndef IRCSERV_BOT_IRCLINE_H
#define IRCSERV_BOT_IRCLINE_H

#include <stdbool.h>
#include <stddef.h>

/* RFC 1459 2.3: 512 bytes with CR LF; RFC 2812 2.3: at most 15 params. */
#define IRCLINE_MAX             512
#define IRCLINE_PARAMS_MAX      15
/* Longest nick and channel the bot keeps; longer names are cut. */
#define IRCLINE_NICK_MAX        32
#define IRCLINE_CHAN_MAX        64

/*
 * A parsed line. The pointers borrow from the buffer given to
 * ircline_parse(), which it cuts with NULs; copy what you keep.
 */
struct ircline {
	char    *source;        /* "nick!user@host" or a server name, or NULL */
	char     nick[IRCLINE_NICK_MAX];  /* source up to '!' or '@', "" if none */
	char    *command;       /* upper-cased in place */
	char    *params[IRCLINE_PARAMS_MAX];
	int      nparams;
};

/*
 * Parse the NUL-terminated line (no CR LF) in buf, cutting it in place.
 * Returns 0, or -1 when it holds no command.
 */
int     ircline_parse(struct ircline *m, char *buf);
/* Parameter i, or "" when absent, so callers need no bounds checks. */
const char *ircline_param(const struct ircline *m, int i);

/* rfc1459 casemapping (A-Z and []\~ fold to a-z and {}|^). */
char    ircline_lower(char c);
/* strcmp under the casemapping. */
int     ircline_casecmp(const char *a, const char *b);
/* Fold src into dst (size dstsz, always NUL-terminated, truncated). */
void    ircline_fold(char *dst, const char *src, size_t dstsz);
/*
 * Copy src into dst (size dstsz >= 1), truncated, always NUL-terminated,
 * like strlcpy(3). Returns strlen(src): >= dstsz means it was cut.
 */
size_t  ircline_copy(char *dst, const char *src, size_t dstsz);
/*
 * The longest prefix of s[0..len) no longer than max bytes that does not
 * end inside a UTF-8 sequence (other bytes count as one character each).
 */
size_t  ircline_utf8_cut(const char *s, size_t len, size_t max);
/* True for a name starting with a channel type ('#' or '&'). */
bool    ircline_is_channel(const char *name);

#endif
