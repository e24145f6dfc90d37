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
#include <stdint.h>
#include <time.h>

#include "irc.h"

#define REPLY_PRINTF(f, a) __attribute__((format(printf, f, a)))

struct server;
struct client;
struct channel;

/* Queue one formatted line for cli. */
void    reply_send(struct client *cli, const char *fmt, ...) REPLY_PRINTF(2, 3);
/* Queue "@tag " and one formatted line for cli. */
void    reply_send_tagged(struct client *cli, const char *tag, const char *fmt, ...)
	    REPLY_PRINTF(3, 4);
/*
 * Queue a numeric: fmt is a numeric.h literal ("NNN rest"); the line is
 * ":server NNN <target nick> rest".
 */
void    reply_numeric(struct server *srv, struct client *cli, const char *fmt, ...)
	    REPLY_PRINTF(3, 4);
/* reply_numeric() with "@tag " in front, or without it when tag is NULL. */
void    reply_numeric_tagged(struct server *srv, struct client *cli, const char *tag,
	    const char *fmt, ...) REPLY_PRINTF(4, 5);
/*
 * Queue line (len bytes with CR LF, tagged or not) for cli with tag
 * ("key=value") put first among its tags.
 */
void    reply_send_with_tag(struct client *cli, const char *tag, const char *line,
	    size_t len);
/*
 * A numeric built by copying, for answers of many lines (WHO, LIST):
 * reply_line_start() writes ":server NNN <target nick> " once, then each
 * line appends its parameters with reply_line_add() and is queued by
 * reply_line_send(), cut at 510 bytes like reply_numeric(), after which
 * the next line starts again after the same head.
 */
struct reply_line {
	char    text[IRC_LINE_MAX];
	size_t  head;                   /* length of ":server NNN target " */
	size_t  len;
};

/* fmt is the numeric.h literal; only its three digits are used. */
void    reply_line_start(struct reply_line *l, struct server *srv,
	    const struct client *cli, const char *fmt);
/* Append s (cut when the line is full). */
void    reply_line_add(struct reply_line *l, const char *s);
/* Append the character c (dropped when the line is full). */
void    reply_line_addc(struct reply_line *l, char c);
/* Append the decimal digits of v. */
void    reply_line_add_uint(struct reply_line *l, unsigned long long v);
/* Queue the line for cli and start the next one after the head. */
void    reply_line_send(struct reply_line *l, struct client *cli);
/*
 * s shown as a middle parameter of a reply: s itself, or "*" when s is
 * empty, holds a space or starts with ':', which would shift or end the
 * reply's parameters (e.g. the key in "696 <chan> k <key> :Invalid key").
 */
const char *reply_param(const char *s);
/* Queue ":nick!user@host <fmt>" from "from" to "to". */
void    reply_from(struct client *to, const struct client *from, const char *fmt, ...)
	    REPLY_PRINTF(3, 4);
/* Format ":nick!user@host <fmt>" into out; returns its length with CR LF. */
size_t  reply_format_from(char *out, const struct client *from, const char *fmt, ...)
	    REPLY_PRINTF(3, 4);
/*
 * The same with the text after the prefix given as n (at most
 * REPLY_JOIN_MAX) strings put together, without a format string: the
 * line of every channel message.
 */
#define REPLY_JOIN_MAX 8
size_t  reply_join_from(char *out, const struct client *from,
	    const char *const parts[], size_t n);

/*
 * A message from a user on its way to one or more clients. IRCv3 tags are
 * added per recipient from its capabilities: server-time gets "time=",
 * message-tags gets "msgid=" and the sender's client-only tags,
 * account-tag gets "account=" when the sender is logged in, and
 * message-tags clients get "bot" from a sender in bot mode. Each of the
 * few tag variants is formatted once, on first use, and its bytes are then
 * appended to every recipient that wants it.
 */
struct relay {
	struct server   *srv;
	const char      *line;          /* ":prefix COMMAND ...\r\n", borrowed */
	size_t           len;
	const char      *client_tags;   /* "+a=b;+c", borrowed; NULL if none */
	const char      *account;       /* sender's account, borrowed; NULL if none */
	bool             bot;           /* sender has bot mode: "bot" tag */
	bool             no_msgid;      /* no "msgid=" (a later line of one message) */
	char             time[40];      /* "time=..." */
	char             msgid[80];     /* "msgid=..." */
	char            *variant[8];    /* by the three capabilities, owned */
	size_t           variant_len[8];
};

/*
 * Start a relay of line (which must outlive it) sent by from (NULL for
 * the server). client_tags may be NULL.
 */
void    relay_init(struct relay *r, struct server *srv, const struct client *from,
	    const char *line, size_t len, const char *client_tags);
/* Queue the message for to, in the form its capabilities ask for. */
void    relay_send(struct relay *r, struct client *to);
/*
 * Queue the message for to with tag ("key=value") first among its tags,
 * e.g. the label of an echoed multiline batch; tag NULL: relay_send().
 */
void    relay_send_tagged(struct relay *r, struct client *to, const char *tag);
/*
 * Give r the time= and msgid= tags of first (made now if first has none
 * yet), so that several lines carry the tags of one message; with
 * r->no_msgid set, r shows only the time.
 */
void    relay_same_message(struct relay *r, struct relay *first);
/* The "msgid=..." tag of r's message (made now if not yet). */
const char *relay_msgid(struct relay *r);
/* Release what relay_init() and relay_send() allocated. */
void    relay_done(struct relay *r);
/*
 * Give r the msgid and time a recipient sees: ms and msgid (a replay from
 * history), or with msgid NULL a new msgid at the server's time. Must
 * come before the first relay_send(). Returns the msgid's value.
 */
const char *relay_stamp(struct relay *r, int64_t ms, const char *msgid);
/*
 * msgid was handed out before a restart (a history replay): when it is one
 * relay_stamp() could make again (same start second), new msgids start
 * after it.
 */
void    relay_msgid_restored(struct server *srv, const char *msgid);
/*
 * Keep the relayed message in the history (history.h) of target, owned by
 * owner (an account, for a direct message; NULL for a channel), as kind,
 * with the msgid and time its recipients see.
 */
void    relay_keep(struct relay *r, const char *target, const char *owner,
	    unsigned kind);
/*
 * relay_keep() of a multiline batch whose BATCH line r relays: the item
 * holds lines (len bytes, history.h HISTORY_F_MULTILINE) instead of r's line.
 */
void    relay_keep_multiline(struct relay *r, const char *target, const char *owner,
	    unsigned kind, const char *lines, size_t len);

/*
 * invite-notify: "from" invited target to chan; the members with the
 * capability that could have invited too (every member, or the operators
 * of a +i channel) see the INVITE, except from itself.
 */
void    reply_invite_notify(struct channel *chan, const struct client *from,
	    const struct client *target);
/* Relay line from "from" to every member of chan except "except" (may be NULL). */
void    reply_channel(struct channel *chan, const struct client *from,
	    const struct client *except, const char *line, size_t len);
/* reply_channel() of a channel event kept in chan's history as kind. */
void    reply_channel_kept(struct channel *chan, const struct client *from,
	    const char *line, size_t len, unsigned kind);
/*
 * Relay line from cli once to every client sharing a channel with it, and
 * to cli itself when self is true; with cap non-zero, only to clients that
 * have that capability.
 */
/*
 * line, from from (NULL: a server), to every user of this server with user
 * mode +w, or only to the operators among them (OPERWALL). Rare and
 * operator-only, so it walks every client.
 */
void    reply_wallops(struct server *srv, const struct client *from,
	    const char *line, size_t len, bool opers_only);
void    reply_common_cap(struct server *srv, struct client *cli, bool self,
	    uint32_t cap, const char *line, size_t len);
/* reply_common_cap() to everyone. */
void    reply_common(struct server *srv, struct client *cli, bool self,
	    const char *line, size_t len);
/*
 * reply_common() of an event (QUIT, NICK) kept as kind in the history of
 * each of cli's channels.
 */
void    reply_common_kept(struct server *srv, struct client *cli, bool self,
	    const char *line, size_t len, unsigned kind);

/*
 * A line of space-separated words that must fit, with the rest of its
 * numeric, in one 512-byte message (ISUPPORT, ISON, WHOIS channels).
 */
struct reply_words {
	char    text[IRC_LINE_MAX];
	size_t  len;
	size_t  room;                   /* at most this many bytes of text */
	unsigned nwords;
};

/* Bytes left for text after ":server NNN nick " and used other bytes. */
size_t  reply_numeric_room(const struct server *srv, const struct client *cli,
	    size_t used);
/* Empty w, to hold at most room bytes (capped to its buffer). */
void    reply_words_init(struct reply_words *w, size_t room);
/* Append word after a space; false (nothing added) when it does not fit. */
bool    reply_words_add(struct reply_words *w, const char *word);
/* Human-readable UTC time, for TIME, INFO and WHOWAS. */
void    reply_format_time(time_t t, char *out, size_t outsz);

#endif
