/*
 * User registry: struct client, the nick map, registration state, the send
 * path and the deferred close. client.c owns struct client; the server frees
 * a client only in server_reap_next(), after the dispatch round, so pointers
 * held during a handler or a broadcast stay valid.
 */
#ifndef IRCSERV_CLIENT_H
#define IRCSERV_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "irc.h"
#include "local.h"
#include "metadata.h"

struct server;
struct client;
struct membership;
struct netserver;

enum client_state {
	CLIENT_UNREGISTERED,
	CLIENT_REGISTERED,
	CLIENT_CLOSING          /* marked by client_close(), freed at reap */
};

/* User modes, one bit each. */
#define UMODE_INVISIBLE (1u << 0)       /* i */
#define UMODE_OPER      (1u << 1)       /* o */
#define UMODE_WALLOPS   (1u << 2)       /* w */
#define UMODE_BOT       (1u << 3)       /* B, IRCv3 bot mode */

/*
 * A logged-in user's account, and its place among the sessions of that
 * account (the server's index, client_first_session()). Apart, as most
 * users never log in.
 */
struct client_login {
	struct client   *prev, *next;   /* sessions of that account */
	char             name[IRC_ACCOUNTLEN + 1];
};

/*
 * A user: who it is, as every server agrees. The connection we talk to it
 * over, if it is connected here, is cli->local (local.h); a user on
 * another server has local == NULL and everything here still holds.
 */
struct client {
	struct server   *srv;
	struct local    *local;         /* owned; NULL: not connected here */
	struct netserver *server;       /* the server it is on (network.h);
	                                 * NULL: this one */
	uint64_t         id;            /* unique for the server's lifetime */
	time_t           nick_ts;       /* TS6 nick timestamp: set, or last changed */
	enum client_state state;
	unsigned         umodes;
	/*
	 * Last "once per user" broadcast or WHO/WHOIS walk that stamped it.
	 * Users are stamped, local or not: WHO's visibility of an invisible
	 * user (a shared channel) needs the stamp on remote users too.
	 */
	uint32_t         serial;
	unsigned         nchannels;
	/* (Fields ordered by size to leave no holes: this is per user.) */
	char             nick[IRC_NICKLEN + 1];     /* "" until NICK */
	char             uid[10];       /* TS6 UID (ts6.h); "" until linked */
	char             user[IRC_USERLEN + 1];
	char             host[IRC_HOSTLEN + 1];     /* peer IP address */
	bool             was_registered;
	char            *realname;      /* owned */
	char            *away;          /* owned; NULL when not away */
	struct client_login *login;     /* owned; NULL until logged in (SASL) */
	struct metadata  metadata;      /* owned; draft/metadata-3 key/values */

	struct membership *channels;    /* this client's memberships */
	time_t           signon;        /* wall clock, for WHOIS 317 */
	time_t           last_message;  /* wall clock of last PRIVMSG, for idle */

	/*
	 * Leaving is the user's, whether it quits here or (later) on another
	 * server: client_close() marks it and puts it on the dead list, the
	 * reaper announces close_reason as its QUIT and unlinks it.
	 */
	char            *close_reason;  /* owned; client_close(); NULL if no memory */
	struct client   *dead_next;
	struct client   *prev, *next;   /* all clients */
};

/*
 * Create an unregistered client for descriptor fd connected from ip and
 * link it into srv. Returns NULL when out of memory. Freed by the server.
 */
struct client *client_new(struct server *srv, int fd, const char *ip);
/*
 * A user of another server (server links, link.h): no local connection,
 * unregistered until the link code fills it in. NULL when out of memory.
 */
struct client *client_new_remote(struct server *srv);
/* Release a client that the server has unlinked (server_reap_next()). */
void    client_free(struct client *cli);

bool    client_is_registered(const struct client *cli);
bool    client_is_closing(const struct client *cli);
/* "nick" (or the one waiting for PASS), "*" before NICK: the target of numerics. */
const char *client_name(const struct client *cli);
/* Write "+" and the user's mode letters (e.g. "+Biw") into out. */
void    client_umode_string(const struct client *cli, char out[8]);

/*
 * The user counts of struct server (nusers, ninvisible, nopers,
 * max_users, for LUSERS) change only here. client_set_registered()
 * completes registration and counts cli; client_set_umode() sets or
 * clears a user mode, and counts it when cli is counted;
 * client_uncount() takes cli out of the counts when it is reaped.
 */
void    client_set_registered(struct client *cli);
void    client_set_umode(struct client *cli, unsigned bit, bool on);
void    client_uncount(struct client *cli);
/*
 * The address of a user of this server as its host first held it ("0::1"
 * for "::1"): host, or the address kept aside while services show another
 * host. The key of the per-address limits and budgets.
 */
const char *client_addr(const struct client *cli);
/* Whether services show another host than the address (client_addr()). */
bool    client_host_changed(const struct client *cli);
/* The address as the peer has it: client_addr() without the "0" of "0::1". */
const char *client_ip(const struct client *cli);
/* Write "nick!user@host" into out (size outsz). */
void    client_prefix(const struct client *cli, char *out, size_t outsz);

/* Whether cli is connected to this server (has a struct local). */
static inline bool
client_is_local(const struct client *cli)
{
	return cli->local != NULL;
}

/*
 * The capabilities cli's connection enabled (cap.h bits); 0 for a user
 * on another server, which gets what a client without them gets.
 */
static inline uint32_t
client_caps(const struct client *cli)
{
	return cli->local != NULL ? cli->local->caps : 0;
}

/*
 * Queue bytes for the client and put it on the pending-write list. Bytes
 * for a closing client are dropped, and so are bytes for a user with no
 * local connection (local == NULL): for now a safe no-op, so broadcasts
 * need no check of their own; server links will route them instead.
 * When the SendQ limit would be passed, the client is marked with
 * client_close("SendQ exceeded"); nothing is freed, so this is safe in
 * the middle of a broadcast.
 */
void    client_send(struct client *cli, const char *p, size_t n);
/*
 * Put the client on the pending-write list without queuing anything: the
 * shell has bytes of its own for it (a WebSocket's 101 answer, a Pong).
 * A no-op for a user with no local connection.
 */
void    client_want_write(struct client *cli);
/*
 * Mark the client for closing with reason (what others see in QUIT): queue
 * "ERROR :Closing Link: host (reason)", stop sending it anything else, and
 * hand it to the reaper. Idempotent. Never frees.
 */
void    client_close(struct client *cli, const char *reason);

/*
 * Log cli in to account ("" logs it out), keeping the server's index of
 * the sessions of each account. Returns 0, or -1 when out of memory (cli
 * is then logged out).
 */
int     client_set_account(struct client *cli, const char *account);
/* The account cli is logged in to; "" when none. */
static inline const char *
client_account(const struct client *cli)
{
	return cli->login != NULL ? cli->login->name : "";
}

/*
 * The first session logged in to account (then client_next_session());
 * NULL if none.
 */
struct client *client_first_session(struct server *srv, const char *account);
static inline struct client *
client_next_session(const struct client *cli)
{
	return cli->login != NULL ? cli->login->next : NULL;
}

/* Look up a client by nick (registered or reserving it). */
struct client *client_find_nick(struct server *srv, const char *nick);
/* The registered user called nick, or NULL. */
struct client *client_find_user(struct server *srv, const char *nick);
/* Set or change the nick and its map entry. Returns 0 or -1 (no memory). */
int     client_set_nick(struct client *cli, const char *nick);

#endif
