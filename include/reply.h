/*
 * Outgoing lines: formatting (truncated to 510 bytes plus CR LF), numerics
 * with the server prefix and target nick, messages from a client, and
 * fan-out to channels. A broadcast is formatted once and the same bytes are
 * appended to each recipient's send queue.
 */
#ifndef IRCSERV_REPLY_H
#define IRCSERV_REPLY_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "irc.h"

#define REPLY_PRINTF(f, a) __attribute__((format(printf, f, a)))

struct server;
struct client;
struct channel;

/*
 * Format one line into out (at least IRC_LINE_MAX bytes): the text is cut
 * at 510 bytes, then CR LF is added. Returns the length with CR LF.
 */
size_t  reply_vformat(char *out, const char *fmt, va_list ap);
size_t  reply_format(char *out, const char *fmt, ...) REPLY_PRINTF(2, 3);

/* Queue one formatted line for cli. */
void    reply_send(struct client *cli, const char *fmt, ...) REPLY_PRINTF(2, 3);
/*
 * Queue a numeric: fmt is a numeric.h literal ("NNN rest"); the line is
 * ":server NNN <target nick> rest".
 */
void    reply_numeric(struct server *srv, struct client *cli, const char *fmt, ...)
	    REPLY_PRINTF(3, 4);
/* Queue ":nick!user@host <fmt>" from "from" to "to". */
void    reply_from(struct client *to, const struct client *from, const char *fmt, ...)
	    REPLY_PRINTF(3, 4);
/* Format ":nick!user@host <fmt>" into out; returns its length with CR LF. */
size_t  reply_format_from(char *out, const struct client *from, const char *fmt, ...)
	    REPLY_PRINTF(3, 4);

/* Append line to every member of chan except "except" (may be NULL). */
void    reply_channel(struct channel *chan, const struct client *except,
	    const char *line, size_t len);
/*
 * Append line once to every client sharing a channel with cli, and to cli
 * itself when self is true.
 */
void    reply_common(struct server *srv, struct client *cli, bool self,
	    const char *line, size_t len);

#endif
