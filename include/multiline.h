/*
 * IRCv3 draft/multiline: the client batch being collected ("BATCH +ref
 * draft/multiline <target>" up to "BATCH -ref"). Pure data, no I/O: the
 * BATCH command (cmd_batch.c) feeds it lines and the message family
 * (cmd_message.c) delivers it. Bounded: a batch holds at most max_lines
 * lines and max_bytes bytes of combined message (the spec's count: each
 * line's text, plus one byte for the line feed joining a line that has no
 * draft/multiline-concat tag to the one before), with one allocation per
 * line, so an open batch costs its client O(max_bytes + max_lines).
 */
#ifndef IRCSERV_MULTILINE_H
#define IRCSERV_MULTILINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "irc.h"
#include "label.h"

/* The longest batch reference tag accepted from a client. */
#define MULTILINE_REF_MAX       32
/* How long a batch may stay open before it is discarded. */
#define MULTILINE_TIMEOUT_MS    (30 * 1000)
/* Defaults of the multiline_max_bytes and multiline_max_lines settings. */
#define MULTILINE_MAX_BYTES     4096
#define MULTILINE_MAX_LINES     32

struct multiline_line {
	char    *text;                  /* owned; may be "" (a blank line) */
	bool     concat;                /* draft/multiline-concat: no line feed before */
};

struct multiline {
	char     ref[MULTILINE_REF_MAX + 1];    /* the client's reference tag */
	char     target[IRC_CHANNELLEN + 2];    /* as given in BATCH + ("@#chan" too) */
	char     label[LABEL_MAX + 1];          /* labeled-response label; "" if none */
	char     tags[IRC_CLIENT_TAGS_MAX];     /* client-only tags of the BATCH line */
	const char *command;            /* "PRIVMSG" or "NOTICE"; NULL before a line */
	int64_t  opened_ms;             /* monotonic time of BATCH + */
	bool     failed;                /* refused: lines are dropped until BATCH - */
	struct multiline_line *lines;
	size_t   nlines;
	size_t   bytes;                 /* combined message length so far */
};

/* Results of multiline_add(). */
enum multiline_err {
	MULTILINE_OK,
	MULTILINE_ERR_BYTES,            /* would pass max_bytes */
	MULTILINE_ERR_LINES,            /* would pass max_lines */
	MULTILINE_ERR_INVALID,          /* a blank line with the concat tag */
	MULTILINE_ERR_NOMEM
};

/*
 * A new empty batch ref for target (both copied, cut to their fields)
 * opened at now_ms. Caller frees with multiline_free(). NULL: no memory.
 */
struct multiline *multiline_new(const char *ref, const char *target, int64_t now_ms);
/* Free the batch and its lines. Accepts NULL. */
void    multiline_free(struct multiline *ml);
/*
 * Add a line of text (copied) to ml, joined to the previous line without
 * a line feed when concat is set. Nothing is added on an error.
 */
enum multiline_err multiline_add(struct multiline *ml, const char *text, bool concat,
	    size_t max_bytes, size_t max_lines);
/* Drop the lines (after a refusal); the batch stays open, marked failed. */
void    multiline_fail(struct multiline *ml);
/*
 * Whether the collected lines make a message the spec lets a client send:
 * at least one line, and not every line blank.
 */
bool    multiline_is_sendable(const struct multiline *ml);

#endif
