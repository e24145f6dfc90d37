/*
 * Message history (IRCv3 draft/chathistory, draft/event-playback): the
 * messages and channel events the server relayed, with their msgid and
 * server time, kept per target and handed back by selectors. Sans-I/O and
 * libc only: the store never learns about clients or channels, and never
 * calls out except through the observer set with history_observe().
 *
 * Targets. A channel's history is keyed by its name (owner NULL). A direct
 * message is stored once per party that is logged in: under owner = that
 * party's account and target = the other party's nick, so each party sees
 * only its own conversations. Names compare under the rfc1459 casemapping.
 * Who may read a channel's history (members only) is the caller's check.
 *
 * Bounds, oldest dropped first: `lines` items per target, items older than
 * `age_ms`, and `bytes` of items in total (what the items themselves take:
 * header and text). A target whose last item goes is freed.
 *
 * Items of a target are in the order they were added; time selectors
 * assume that order is also the order of their times (the server adds
 * with its wall clock; a clock stepping back makes a time selector land
 * near, not exactly at, the right place).
 *
 * Persistence contract (a journal or snapshot kept by the server, not by
 * this module): history_foreach() gives every item, oldest first, with
 * what history_add() needs to recreate it; history_add() on restore takes
 * the original msgid and time; history_observe() reports each item added,
 * dropped by a bound, or removed (redaction) as it happens, so a journal
 * can append records without the store knowing about files. A restorer
 * keeps new msgids apart from restored ones (reply.c makes them from the
 * start time in seconds and a counter: a restart within the same second
 * must start the counter past the restored ones).
 */
#ifndef IRCSERV_HISTORY_H
#define IRCSERV_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What an item is: the command of its line. */
enum history_kind {
	HISTORY_PRIVMSG,
	HISTORY_NOTICE,
	HISTORY_TAGMSG,
	HISTORY_JOIN,
	HISTORY_PART,
	HISTORY_KICK,
	HISTORY_QUIT,
	HISTORY_NICK,
	HISTORY_TOPIC,
	HISTORY_MODE,
	HISTORY_NKINDS
};

/* A bit of history_query.kinds per enum history_kind. */
#define HISTORY_BIT(k)          (1u << (k))
/* PRIVMSG and NOTICE: what a client without event-playback is given. */
#define HISTORY_MESSAGES        (HISTORY_BIT(HISTORY_PRIVMSG) | HISTORY_BIT(HISTORY_NOTICE))
#define HISTORY_ALL             ((1u << HISTORY_NKINDS) - 1)

/* history_item.flags */
#define HISTORY_F_BOT           1u      /* the sender was in bot mode */
/*
 * A draft/multiline batch: line holds its lines as relayed, ":source CMD
 * target :text", separated by LF, a line sent with draft/multiline-concat
 * starting with "@draft/multiline-concat "; replayed as one multiline
 * batch, or as its non-blank lines to clients without draft/multiline.
 */
#define HISTORY_F_MULTILINE     2u

/* Items one query gives at most (ISUPPORT CHATHISTORY). */
#define HISTORY_QUERY_MAX       100

/* The longest msgid stored (longer ones are refused). */
#define HISTORY_MSGID_MAX       64

/*
 * One item, as given to history_add() (copied) and as handed out by
 * queries (borrowed from the store: valid until the store next changes).
 */
struct history_item {
	const char      *target;        /* channel name, or the peer's nick */
	const char      *owner;         /* account for a direct message; else NULL */
	int64_t          time_ms;       /* server-time, ms since the epoch */
	const char      *msgid;         /* the msgid tag's value */
	const char      *line;          /* ":source COMMAND params", no CR LF */
	size_t           len;
	const char      *tags;          /* client-only tags "+a=b;+c", or NULL */
	const char      *account;       /* the sender's account, or NULL */
	unsigned         kind;          /* enum history_kind */
	unsigned         flags;         /* HISTORY_F_* */
};

struct history_limits {
	unsigned         lines;         /* items per target; 0: keep nothing */
	int64_t          age_ms;        /* 0: no age limit */
	size_t           bytes;         /* all items together */
};

/* A message reference: "*" (none), msgid=... or timestamp=.... */
enum history_ref_kind { HISTORY_REF_NONE, HISTORY_REF_MSGID, HISTORY_REF_TIME };

struct history_ref {
	enum history_ref_kind kind;
	const char      *msgid;
	int64_t          time_ms;
};

/* CHATHISTORY subcommands that select messages. */
enum history_op {
	HISTORY_LATEST,                 /* the newest, after a (if a is given) */
	HISTORY_BEFORE,                 /* the newest strictly before a */
	HISTORY_AFTER,                  /* the oldest strictly after a */
	HISTORY_AROUND,                 /* limit/2 before a, then a and after */
	HISTORY_BETWEEN                 /* strictly between a and b, from a's side */
};

struct history_query {
	enum history_op  op;
	struct history_ref a, b;
	size_t           limit;         /* items wanted; out has room for this many */
	unsigned         kinds;         /* HISTORY_BIT()s of the kinds to give */
	int64_t          now_ms;        /* for the age limit */
};

/* An observed change, see history_observe(). */
enum history_change {
	HISTORY_ADDED,
	HISTORY_DROPPED,                /* pushed out by a bound */
	HISTORY_REMOVED,                /* history_remove() (redaction) */
	HISTORY_CLEARED                 /* history_clear(): its target's name is taken */
};

typedef void history_observer(void *arg, enum history_change change,
    const struct history_item *item);

struct history;

/* Caller frees with history_free(). NULL when out of memory. */
struct history *history_new(const struct history_limits *limits);
/* Free the store and every item. Accepts NULL. */
void    history_free(struct history *h);
/*
 * New bounds (a configuration reload); items over them are dropped now.
 * now_ms is the time the age limit counts from.
 */
void    history_set_limits(struct history *h, const struct history_limits *limits,
	    int64_t now_ms);
/*
 * Call fn(arg, change, item) after each item is added and before each is
 * dropped or removed; the item is valid only during the call. fn must not
 * change the store. NULL fn: no observer.
 */
void    history_observe(struct history *h, history_observer *fn, void *arg);

/*
 * Store a copy of *item (target, msgid and line non-empty; msgid at most
 * HISTORY_MSGID_MAX bytes; tags and account may be NULL), dropping what the
 * bounds then demand, item->time_ms being "now" for the age limit. Returns
 * 0; 1 when the bounds keep nothing (lines 0, or an item larger than
 * bytes); -1 when out of memory or the item is malformed (nothing stored).
 */
int     history_add(struct history *h, const struct history_item *item);

/*
 * Select items of (target, owner) for q, oldest first, into out (room for
 * q->limit items). A msgid reference that is not in this target's history
 * selects nothing. Returns how many were written. The items are valid
 * until the store next changes.
 */
size_t  history_query(const struct history *h, const char *target, const char *owner,
	    const struct history_query *q, struct history_item *out);
/*
 * The item with msgid in (target, owner), copied into *out; false if none.
 * Valid until the store next changes.
 */
bool    history_find(const struct history *h, const char *target, const char *owner,
	    const char *msgid, struct history_item *out);
/*
 * Remove every item with msgid (a redaction: both parties' copies of a
 * direct message). Returns how many were removed.
 */
size_t  history_remove(struct history *h, const char *msgid);

/*
 * The time of the newest PRIVMSG, NOTICE or TAGMSG of (target, owner), or
 * -1 when it has none.
 */
int64_t history_last_message(const struct history *h, const char *target,
	    const char *owner);
/*
 * The conversations of owner (direct messages) whose newest message is
 * strictly between from_ms and to_ms: up to max of them into names (the
 * peer's nick, borrowed) and times. Returns how many.
 */
size_t  history_conversations(const struct history *h, const char *owner,
	    int64_t from_ms, int64_t to_ms, const char **names, int64_t *times,
	    size_t max);

/*
 * Call fn(arg, item) for every item, oldest added first (a snapshot for
 * compaction). fn must not change the store.
 */
void    history_foreach(const struct history *h,
	    void (*fn)(void *arg, const struct history_item *item), void *arg);

/*
 * A walk over the items in slices, for a snapshot taken over several
 * rounds while the store changes. history_walk_begin() starts it over the
 * items held now, oldest added first: items added later are not visited,
 * and an item removed (dropped or redacted) before the walk reaches it is
 * not visited either. history_walk() visits items until fn returns false
 * (after the item it was given) or none is left; fn must not change the
 * store, which may change between calls. Returns true when every item has
 * been visited: the walk is over. history_walk_end() stops a walk early.
 * One walk at a time: beginning again starts over.
 */
typedef bool history_walker(void *arg, const struct history_item *item);

void    history_walk_begin(struct history *h);
bool    history_walk(struct history *h, history_walker *fn, void *arg);
void    history_walk_end(struct history *h);

/*
 * Drop the item with msgid of (target, owner) as a bound would, reported
 * to the observer as HISTORY_DROPPED: a journal's record of a drop, which
 * may name an item that is gone already. Returns whether one was there.
 */
bool    history_drop(struct history *h, const char *target, const char *owner,
	    const char *msgid);

/*
 * Remove every item of (target, owner), each reported as HISTORY_CLEARED:
 * the history a channel that is gone left under a name another channel
 * is renamed to. Returns how many were removed.
 */
size_t  history_clear(struct history *h, const char *target, const char *owner);

/*
 * A channel renamed (draft/channel-rename): the items of channel from are
 * kept under to from now on (names compare under the casemapping, so a
 * change of case only changes the name given). Items to holds already
 * come after them, as if added later; the line bound then drops the
 * oldest. The lines themselves keep the name they were relayed with.
 * Returns 0, or -1 when out of memory (nothing changed).
 */
int     history_rename(struct history *h, const char *from, const char *to);

/* Items and bytes held now (the second counts toward limits.bytes). */
size_t  history_count(const struct history *h);
size_t  history_bytes(const struct history *h);

#endif
