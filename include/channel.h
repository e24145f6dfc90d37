/*
 * Channel registry and membership. channel.c owns struct channel and struct
 * membership. A membership belongs to its channel and is linked from both
 * the channel's member list and the client's channel list; channel_part()
 * removes both links, and frees the channel when its last member leaves.
 */
#ifndef IRCSERV_CHANNEL_H
#define IRCSERV_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "irc.h"
#include "metadata.h"

struct server;
struct client;

/* Membership prefixes, highest first. */
#define MEMBER_OP       (1u << 0)       /* @ */
#define MEMBER_VOICE    (1u << 1)       /* + */

/* Channel flag modes. */
#define CMODE_INVITE    (1u << 0)       /* i */
#define CMODE_MODERATED (1u << 1)       /* m */
#define CMODE_NOEXTERNAL (1u << 2)      /* n */
#define CMODE_PRIVATE   (1u << 3)       /* p */
#define CMODE_SECRET    (1u << 4)       /* s */
#define CMODE_TOPIC     (1u << 5)       /* t */
#define CMODE_NOCTCP    (1u << 6)       /* C: no CTCP but ACTION */

struct membership {
	struct client     *cli;
	struct channel    *chan;
	unsigned           prefix;      /* MEMBER_* bits */
	struct membership *chan_prev, *chan_next;
	struct membership *cli_prev, *cli_next;
};

/*
 * Extended bans (ISUPPORT EXTBAN=,am, ACCOUNTEXTBAN=a): a list entry
 * "a:<mask>" matches users logged in to an account matching mask; an
 * entry "m:<nick!user@host>" in +b mutes the users it matches (they may
 * join but not speak) instead of banning them. cmd_mode.c checks and
 * normalizes them when set (extban_normalize()); matching is here.
 */
#define EXTBAN_TYPES    "am"
#define EXTBAN_ACCOUNT  'a'
#define EXTBAN_MUTE     'm'

/* One entry of a list mode (b, e, I). */
struct mask_entry {
	char   *mask;                   /* owned */
	char   *set_by;                 /* owned */
	time_t  set_at;
};

struct mask_list {
	struct mask_entry *v;
	size_t  n, cap;
};

struct channel {
	char               name[IRC_CHANNELLEN + 1];
	char              *topic;       /* owned; NULL when unset */
	char              *topic_by;    /* owned */
	time_t             topic_at;
	time_t             created;
	unsigned           modes;       /* CMODE_* bits */
	char               key[IRC_KEYLEN + 1];  /* "" when no +k */
	unsigned           limit;       /* 0 when no +l */
	struct membership *members, *members_tail;
	unsigned           nmembers;
	struct mask_list   bans, excepts, invexes;
	uint64_t          *invites;     /* client ids invited, bounded */
	size_t             ninvites;
	int64_t            knock_ms;    /* last KNOCK delivered (monotonic); 0: never */
	int64_t            renamed_ms;  /* last RENAME (monotonic); 0: never */
	struct metadata    metadata;    /* owned; draft/metadata-3 key/values */
};

struct channel *channel_find(struct server *srv, const char *name);
/* Create and register an empty channel. NULL when out of memory. */
struct channel *channel_create(struct server *srv, const char *name);
/* Add cli to chan with prefix. NULL when out of memory. */
struct membership *channel_join(struct channel *chan, struct client *cli, unsigned prefix);
/* Remove a membership; frees the channel if it became empty. */
void    channel_part(struct server *srv, struct membership *m);
/* cli's membership in chan, or NULL. Costs O(channels of cli). */
struct membership *channel_member(const struct channel *chan, const struct client *cli);
/* Free a channel that has no members, unregistering it. Accepts NULL. */
void    channel_free(struct server *srv, struct channel *chan);

/* Highest prefix symbol ("@", "+" or ""), or all of them when all is set. */
const char *channel_prefix(unsigned prefix, bool all, char out[4]);
/*
 * True when cli matches a ban (not a mute) and no ban exception: it may
 * not join or speak.
 */
bool    channel_is_banned(const struct channel *chan, const struct client *cli);
/* True when cli matches a mute (m: ban) and no ban exception: it may not speak. */
bool    channel_is_muted(const struct channel *chan, const struct client *cli);
/* True when cli was invited or matches an invite exception. */
bool    channel_is_invited(const struct channel *chan, const struct client *cli);
/*
 * Remember (bounded) or forget an invitation. The channel keeps the
 * invitation; a local client keeps the channel's name in cli->local->invited
 * (at most max_invites, oldest forgotten) so that it can list its
 * invitations without a walk of every channel (a user on another server
 * has no such list here). A name there may be stale (the channel
 * was freed, renamed, or forgot the invitation): channel_invite_pending()
 * says which still hold.
 */
void    channel_invite_add(struct server *srv, struct channel *chan, struct client *cli);
void    channel_invite_del(struct channel *chan, struct client *cli);
/*
 * The channel of cli->local->invited[i] if its invitation still holds,
 * else NULL (the entry is stale and may be dropped).
 */
struct channel *channel_invite_pending(struct server *srv, const struct client *cli, size_t i);
/* Drop the stale entries of cli->local->invited, keeping the order. */
void    channel_invite_prune(struct server *srv, struct client *cli);
/* Secret or private: hidden from non-members in LIST, WHOIS, NAMES. */
bool    channel_is_hidden(const struct channel *chan);

/* List-mode helpers: add returns 1 added, 0 already present, -1 full/OOM. */
int     channel_mask_add(struct mask_list *l, const char *mask, const char *by, time_t at, size_t max);
/* Returns 1 removed, 0 not present. */
int     channel_mask_del(struct mask_list *l, const char *mask);
/* Whether any entry of l, plain mask or extban, matches cli. */
bool    channel_mask_match(const struct mask_list *l, const struct client *cli);
void    channel_mask_free(struct mask_list *l);

#endif
