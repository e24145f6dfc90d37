/*
 * Mode strings: parsing a MODE command's "+kl-i key 10" into a list of
 * single changes (pure), and the tables of which channel modes take a
 * parameter. Applying changes is cmd_mode.c's job.
 */
#ifndef IRCSERV_MODE_H
#define IRCSERV_MODE_H

#include <stdbool.h>

/* ISUPPORT CHANMODES types, plus prefixes and unknown letters. */
enum mode_kind {
	MODE_KIND_UNKNOWN,
	MODE_KIND_LIST,         /* A: b e I - parameter; none = list query */
	MODE_KIND_ALWAYS,       /* B: k - parameter on set and unset */
	MODE_KIND_SET,          /* C: l - parameter on set only */
	MODE_KIND_FLAG,         /* D: C i m n p s t */
	MODE_KIND_PREFIX        /* o v - parameter always */
};

struct mode_change {
	bool         add;
	char         letter;
	enum mode_kind kind;
	const char  *arg;       /* borrowed from args; NULL if none was left */
};

/* The kind of a channel mode letter. */
enum mode_kind mode_channel_kind(char c);

/*
 * Split modestr with its arguments into at most max changes. Letters that
 * take a parameter consume the next argument; when none is left, arg is
 * NULL. Unknown letters come back with MODE_KIND_UNKNOWN. Returns the number
 * of changes written; extra changes beyond max are dropped.
 */
int     mode_parse(const char *modestr, char *const *args, int nargs,
	    struct mode_change *out, int max);

/* ISUPPORT and RPL_MYINFO strings. */
#define MODE_CHANMODES      "beI,k,l,Cimnpst"
#define MODE_CHANNEL_LETTERS "bCeIiklmnopstv"
#define MODE_CHANNEL_PARAM_LETTERS "beIklov"
#define MODE_USER_LETTERS   "Biow"

#endif
