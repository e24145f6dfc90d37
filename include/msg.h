/*
 * IRC message parsing and IRCv3 tag handling. Pure: no I/O, no allocation.
 * Grammar: RFC 1459/2812 section 2.3 plus IRCv3 message-tags:
 *   ['@' tags ' '] [':' source ' '] command *(' ' param) [' :' trailing]
 */
#ifndef IRCSERV_MSG_H
#define IRCSERV_MSG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "irc.h"

/*
 * A parsed message. Every pointer borrows from the line given to
 * msg_parse(), which it modifies in place; the message is valid only while
 * that line is (for the server: during one dispatch). Copy what you keep.
 */
struct msg {
	char    *tags;          /* raw tag section without '@', or NULL */
	size_t   tags_len;      /* its length including '@' and the space */
	char    *source;        /* source without ':', or NULL */
	char    *command;       /* upper-cased in place */
	char    *params[IRC_PARAMS_MAX];
	int      nparams;
	bool     trailing;      /* the last parameter was given with ':' */
	size_t   len;           /* length of the whole line */
};

/*
 * Parse the NUL-terminated line (no CR LF) of length len into *m. Returns 0,
 * or -1 when the line holds no command (empty, only tags/source, or a
 * source or tag section that is not followed by anything).
 */
int     msg_parse(char *line, size_t len, struct msg *m);

/*
 * Split the next space-separated word off *cursor, skipping runs of
 * spaces, NUL-terminating it in place. Returns NULL at the end.
 */
char   *msg_next_word(char **cursor);

/*
 * Find tag key in a raw tag section (as in struct msg) and unescape its
 * value into val (size valsz, always NUL-terminated). Returns 1 if the tag
 * is present, 0 if not.
 */
int     msg_tag_get(const char *tags, const char *key, char *val, size_t valsz);

/*
 * Copy the client-only tags ("+key" or "+key=value", IRCv3 message-tags)
 * of a raw tag section into out (size outsz) as "+a=b;+c", values left
 * escaped as sent. Other tags and malformed keys are dropped. Returns the
 * length written (0: none).
 */
size_t  msg_client_tags(const char *tags, char *out, size_t outsz);

/*
 * Whether the len bytes at p are well-formed UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF). ASCII is checked eight
 * bytes at a time with no other work, so a plain line costs one pass.
 */
bool    msg_is_utf8(const char *p, size_t len);
/*
 * Bytes at the start of p (len bytes) that are whole well-formed UTF-8
 * sequences, as msg_is_utf8() checks them: len when all of it is.
 */
size_t  msg_utf8_valid(const char *p, size_t len);
/*
 * The length of p[0..len) without a UTF-8 sequence cut short at its end:
 * where text is cut to a limit, the cut goes before the character it would
 * split, so that UTF-8 stays UTF-8 (UTF8ONLY). Looks at most 4 bytes back.
 */
size_t  msg_utf8_trim(const char *p, size_t len);
/* The length of s cut to at most max bytes with msg_utf8_trim(). */
size_t  msg_utf8_cut(const char *s, size_t max);

/*
 * Format one line into out (at least IRC_LINE_MAX bytes): the text is cut
 * at 510 bytes (before a character, not inside it), then CR LF is added.
 * Returns the length with CR LF.
 */
size_t  msg_vformat(char *out, const char *fmt, va_list ap);
size_t  msg_format(char *out, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * End the text of length n (or more, if it was cut; negative: none) in
 * out with CR LF, cutting it to fit 512 bytes. Returns the length.
 */
size_t  msg_finish_line(char *out, int n);
/*
 * Append s to the string of length len in out (size cap >= 1), as
 * snprintf() would: what fits, always NUL-terminated. Returns the length
 * the string would have uncut, so calls chain and the total tells whether
 * anything was cut.
 */
size_t  msg_cat(char *out, size_t cap, size_t len, const char *s);
/*
 * msg_format(out, "%s%s...", parts[0], ..., parts[n - 1]) without the
 * format machinery: the line every channel message is made of.
 */
size_t  msg_concat(char *out, const char *const parts[], size_t n);

#endif
