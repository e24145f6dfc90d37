/*
 * Mode strings: parsing a MODE command's "+kl-i key 10" into a list of
 * single changes (pure), the tables of which channel modes take a
 * parameter, a channel's modes as a string, and the collector of applied
 * changes that their MODE (and TMODE) lines are built from. Applying
 * changes is cmd_mode.c's job for users, link_cmode.c's for other servers.
 */
#ifndef IRCSERV_MODE_H
#define IRCSERV_MODE_H

#include <stdbool.h>
#include <stddef.h>

#include "irc.h"

struct channel;

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

/*
 * The same, letters taking parameters by kind(); a letter kind() calls
 * MODE_KIND_UNKNOWN takes none.
 */
int     mode_parse_kind(const char *modestr, char *const *args, int nargs,
	    struct mode_change *out, int max, enum mode_kind (*kind)(char));

/* The CMODE_* bit of a flag letter (C i m n p s t), 0 for any other. */
unsigned mode_channel_flag(char c);
/*
 * chan's simple modes as "+Cntkl key limit" into out: the flags, then k
 * and l with their parameters (the key only when show_key is set).
 */
void    mode_channel_string(const struct channel *chan, bool show_key, char *out,
	    size_t outsz);

/*
 * Applied changes collected for the lines that announce them: modes
 * ("+o-v"), args (" nick nick", as users see them) and wire (the same
 * with UIDs for statuses, as links see them). When the next change would
 * not fit in room bytes, flush (if set) is called with what is collected,
 * which is then reset.
 */
struct mode_result {
	char    modes[2 * 64 + 1];
	size_t  nmodes;
	char    sign;
	char    args[IRC_LINE_MAX];
	size_t  nargs;
	char    wire[IRC_LINE_MAX];
	size_t  nwire;
	size_t  room;
	void  (*flush)(void *, struct mode_result *);
	void   *ud;
};
void    mode_result_reset(struct mode_result *r);
/* One change; wire is what links see of arg (NULL: arg itself). */
void    mode_result_add(struct mode_result *r, bool add, char letter, const char *arg,
	    const char *wire);

/* The largest +l. */
#define MODE_LIMIT_MAX  1000000
/* Whether key can be a +k key: not empty, no ',', ' ' or ':'. */
bool    mode_key_is_valid(const char *key);
/* A +l parameter: a whole number from 1 to MODE_LIMIT_MAX into *out. */
bool    mode_limit_parse(const char *s, unsigned *out);
/*
 * Apply a change to chan, adding it to r when it changes anything: a
 * flag letter; the key (NULL removes it; a valid one, truncated to
 * IRC_KEYLEN, replaces it); the limit (0 removes it).
 */
void    mode_apply_flag(struct channel *chan, bool add, char letter, struct mode_result *r);
void    mode_apply_key(struct channel *chan, const char *key, struct mode_result *r);
void    mode_apply_limit(struct channel *chan, unsigned limit, struct mode_result *r);

/* ISUPPORT and RPL_MYINFO strings. */
#define MODE_CHANMODES      "beI,k,l,Cimnpst"
#define MODE_CHANNEL_LETTERS "bCeIiklmnopstv"
#define MODE_CHANNEL_PARAM_LETTERS "beIklov"
#define MODE_USER_LETTERS   "Biow"

#endif
