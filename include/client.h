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
#include "metadata.h"

struct server;
struct client;
struct membership;
struct scram;
struct label;
struct multiline;
struct link;

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

/* Called by server_on_drained() when cli's send queue has emptied. */
typedef void client_drain_fn(struct server *srv, struct client *cli);

struct client {
	struct server   *srv;
	int              fd;            /* -1 for a fake client in tests */
	enum client_state state;        /* (fields ordered to leave no holes) */
	uint64_t         id;            /* unique for the server's lifetime */
	bool             was_registered;
	bool             pass_ok;
	bool             pass_sent;     /* PASS seen, right or wrong */
	bool             cap_negotiating;       /* CAP seen, no CAP END yet */
	bool             got_user;
	unsigned         cap_version;   /* 302 after CAP LS 302 */
	uint32_t         caps;          /* enabled capabilities, cap.h bits */
	unsigned         umodes;

	char             nick[IRC_NICKLEN + 1];     /* "" until NICK */
	char             uid[10];       /* TS6 UID (ts6.h); "" until linked */
	time_t           nick_ts;       /* TS6 nick timestamp: set, or last changed */
	char             pending_nick[IRC_NICKLEN + 1]; /* sent before PASS, not held */
	char             user[IRC_USERLEN + 1];
	char             host[IRC_HOSTLEN + 1];     /* peer IP address */
	char            *realname;      /* owned */
	char            *away;          /* owned; NULL when not away */
	char            *close_reason;  /* owned; client_close(); NULL if no memory */
	char             account[IRC_ACCOUNTLEN + 1];  /* "" until SASL login */
	struct client   *acct_prev, *acct_next;  /* sessions of that account */
	char            *sasl_buf;      /* owned; SASL data so far, NULL if idle */
	size_t           sasl_len;
	unsigned         sasl_step;     /* SCRAM messages taken (cmd_sasl.c) */
	bool             sasl_started;  /* AUTHENTICATE PLAIN seen */
	bool             sasl_discard;  /* dropping the rest of a too long message */
	bool             hash_wait;     /* a password check is queued (hashq.h) */
	struct scram    *sasl_scram;    /* owned; a SCRAM exchange, else NULL */
	int64_t          hash_debt_ms;  /* its password-check budget (hashq.c) */
	char           (*monitors)[IRC_NICKLEN + 1];  /* owned; MONITOR list */
	size_t           nmonitors;
	char           (*invited)[IRC_CHANNELLEN + 1];  /* owned; channels that
	                                 * invited this client, oldest first; may
	                                 * be stale (see channel_invite_add()) */
	size_t           ninvited;
	char            *list_filters;  /* owned; a paced LIST in progress */
	char            *list_conds;    /* owned; its second parameter */
	size_t           list_it;       /* where that LIST goes on in the registry */
	/*
	 * Held-back output to go on with once the send queue is empty (a
	 * paced LIST); the handler that holds output back sets it and
	 * clears it when done. NULL: none.
	 */
	client_drain_fn *on_drained;
	struct metadata  metadata;      /* owned; draft/metadata-3 key/values */
	struct metadata  metadata_subs; /* owned; keys subscribed to (no values) */
	int64_t          metadata_at_ms; /* METADATA SET timer (metadata_set_rate) */
	struct multiline *batch;        /* owned; an open draft/multiline batch, or NULL */
	struct link     *link;          /* owned; a server link (link.h), else NULL */

	struct buf       recvq;         /* unprocessed input */
	struct buf       sendq;         /* output not yet written */
	struct label    *label;         /* borrowed; the labelled command being run */

	struct membership *channels;    /* this client's memberships */
	unsigned         nchannels;
	uint32_t         serial;        /* last broadcast this client got */

	time_t           signon;        /* wall clock, for WHOIS 317 */
	time_t           last_message;  /* wall clock of last PRIVMSG, for idle */
	int64_t          connected_ms;  /* monotonic, for timers */
	int64_t          last_active_ms;
	int64_t          ping_sent_ms;  /* 0: no PING outstanding */
	size_t           timer_index;   /* position in the server's timer heap */
	int64_t          timer_at;      /* deadline snapshot the heap orders on */
	int64_t          flood_at_ms;   /* message timer (RFC 1459 8.10) */
	bool             flood_exempt;  /* trusted: no flood or per-IP limits */
	bool             ip_counted;    /* counted in the server's per-IP limits */
	bool             throttled;     /* lines wait in recvq for flood_at_ms */
	bool             write_pending; /* on the server's pending-write list */
	bool             input_pending; /* on the server's input-pending list:
	                                 * lines wait for a later round's budget */
	bool             want_write;    /* POLLOUT armed (owned by conn.c) */
	int64_t          knock_ms;      /* last KNOCK delivered (monotonic); 0: never */
	size_t           held_scanned;  /* recvq bytes counted in held_lines, while throttled */
	size_t           held_lines;    /* lines found in them */

	struct client   *pending_prev, *pending_next;
	struct client   *input_prev, *input_next;
	struct client   *dead_next;
	struct client   *prev, *next;   /* all clients */
};

/*
 * Create an unregistered client for descriptor fd connected from ip and
 * link it into srv. Returns NULL when out of memory. Freed by the server.
 */
struct client *client_new(struct server *srv, int fd, const char *ip);
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
/* The address as the peer has it: host without the "0" of "0::1". */
const char *client_ip(const struct client *cli);
/* Write "nick!user@host" into out (size outsz). */
void    client_prefix(const struct client *cli, char *out, size_t outsz);

/*
 * Queue bytes for the client and put it on the pending-write list. Bytes
 * for a closing client are dropped. When the SendQ limit would be passed,
 * the client is marked with client_close("SendQ exceeded"); nothing is
 * freed, so this is safe in the middle of a broadcast.
 */
void    client_send(struct client *cli, const char *p, size_t n);
/*
 * Put the client on the pending-write list without queuing anything: the
 * shell has bytes of its own for it (a WebSocket's 101 answer, a Pong).
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
/* The first session logged in to account, then ->acct_next; NULL if none. */
struct client *client_first_session(struct server *srv, const char *account);

/* Look up a client by nick (registered or reserving it). */
struct client *client_find_nick(struct server *srv, const char *nick);
/* The registered user called nick, or NULL. */
struct client *client_find_user(struct server *srv, const char *nick);
/* Set or change the nick and its map entry. Returns 0 or -1 (no memory). */
int     client_set_nick(struct client *cli, const char *nick);

#endif
