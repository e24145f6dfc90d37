/*
 * The rules of the TS6 wire format, pure: identifiers (SID, UID), the
 * parameters that introduce a user (UID, hybrid's 11-parameter UID,
 * EUID), SJOIN member lists, and the timestamp rules for nick collisions
 * and channel merges, the kinds of other servers' channel mode letters
 * (ircd-hybrid doc/technical/ts6.txt, Solanum
 * doc/technical/ts6.md). Nothing here touches a registry or a queue:
 * link_proto.c applies the results. Parsed strings borrow from the
 * message.
 */
#ifndef IRCSERV_TS6_H
#define IRCSERV_TS6_H

#include <stdbool.h>
#include <stdint.h>

#include "mode.h"

struct msg;

#define TS6_SID_LEN     3
#define TS6_UID_LEN     9               /* SID + 6 */
/* IDs one server can hand out: [A-Z] then five of [A-Z0-9]. */
#define TS6_IDS         (26ULL * 36 * 36 * 36 * 36 * 36)

/* Whether s is a UID: a SID, a letter, then five letters or digits. */
bool    ts6_uid_is_valid(const char *s);
/* The n-th UID of server sid (n taken modulo TS6_IDS) into out. */
void    ts6_uid_make(char out[TS6_UID_LEN + 1], const char *sid, uint64_t n);

/* A timestamp parameter: digits only, 1 to INT64_MAX. False when not. */
bool    ts6_ts_parse(const char *s, int64_t *ts);

/* A user as a server introduces it. Absent fields are "". */
/* Longest user address taken in UID and EUID. */
#define TS6_IP_MAX      64

struct ts6_user {
	const char *nick;
	unsigned    hops;
	int64_t     ts;                 /* nick timestamp, > 0 */
	const char *umodes;             /* "+..." */
	const char *user, *host, *ip, *uid;
	const char *realhost;           /* EUID, hybrid UID; "" if not given */
	const char *account;            /* "" when logged out ("*" or "0") */
	const char *realname;
};

/*
 * Parse UID (9 parameters), hybrid's UID (11: realhost and account) or
 * EUID (11, Solanum's order) into *u. Returns NULL, or what is wrong:
 * the link that sent it breaks the protocol.
 */
const char *ts6_parse_user(const struct msg *msg, struct ts6_user *u);

/* Who loses a nick collision (ts6.txt "Nick TS rules"). */
enum ts6_loser {
	TS6_LOSE_NEW,                   /* the user being introduced */
	TS6_LOSE_OLD,                   /* the user we had */
	TS6_LOSE_BOTH
};
/*
 * old_uh and new_uh are the users' "user@host": the older nick wins when
 * they differ, the newer when they are the same (a reconnect), both lose
 * at equal timestamps.
 */
enum ts6_loser ts6_nick_collision(int64_t old_ts, const char *old_uh,
	    int64_t new_ts, const char *new_uh);

/* The nick timestamp of a user whose nick was changed to its UID (SAVE). */
#define TS6_SAVE_TS     100

/* What happens to one side of a nick collision. */
enum ts6_fix {
	TS6_FIX_NONE,                   /* keeps its nick */
	TS6_FIX_SAVE,                   /* its nick becomes its UID (SAVE) */
	TS6_FIX_KILL                    /* it is disconnected (KILL) */
};
struct ts6_outcome {
	enum ts6_fix old, new;
};
/*
 * A nick collision, by an introduction (UID, EUID) or a nick change
 * (NICK), resolved: ts6_nick_collision()'s loser or losers are saved
 * when every server concerned takes SAVE (can_save), killed otherwise.
 */
struct ts6_outcome ts6_collide(int64_t old_ts, const char *old_uh,
	    int64_t new_ts, const char *new_uh, bool can_save);
/*
 * Whether SAVE <uid> <ts> applies to a user with this nick, UID and nick
 * timestamp: not already saved, and the nick is the one it was sent for
 * (a SAVE that crossed a nick change does nothing).
 */
bool    ts6_save_applies(const char *nick, const char *uid, int64_t nick_ts,
	    int64_t save_ts);

/* What a channel timestamp from a peer does to ours (ts6.txt). */
enum ts6_chan_ts {
	TS6_CHAN_KEEP_OURS,             /* theirs is newer: their modes and
	                                 * statuses are ignored */
	TS6_CHAN_MERGE,                 /* equal: both kept */
	TS6_CHAN_TAKE_THEIRS            /* theirs is older: ours are removed */
};
enum ts6_chan_ts ts6_channel_ts(int64_t ours, int64_t theirs);

/* One member of an SJOIN list: "@+1AAAAAAAB" is an op with voice. */
struct ts6_member {
	char     uid[TS6_UID_LEN + 1];
	bool     op, voice;
};
/*
 * The next member of the space-separated list at *cursor (advanced past
 * it). Returns 1, 0 at the end of the list, or -1 when the entry is not
 * prefixes ('@', '+', and others we do not keep, '%' '~' '&') and a UID.
 */
int     ts6_sjoin_member(const char **cursor, struct ts6_member *m);

/*
 * The kind of a channel mode letter from a peer: ours (mode.h), else the
 * kind other TS6 servers give it (q a list; h a y statuses; f j L a
 * parameter on set), else a flag. Letters we lack are then parsed with
 * their parameters and skipped; only ours are applied.
 */
enum mode_kind ts6_mode_kind(char c);

#endif
