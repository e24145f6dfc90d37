/*
 * A local connection: how this server talks to a user that is connected
 * to it (struct local, hung off struct client as cli->local). It holds
 * what only a socket of ours has: the descriptor, the receive and send
 * queues, negotiated capabilities, registration and SASL progress, the
 * timers and flood pacing, and this server's per-connection view of
 * others (MONITOR list, pending invitations, metadata subscriptions).
 *
 * Ownership: the struct client owns its struct local; client_new()
 * creates both and client_free() frees both (local_free()). A user on
 * another server is a struct client with local == NULL: nothing here
 * exists for it, and code that reaches another user's connection checks
 * for NULL first (client_send() does so itself). Handlers run for the
 * sender of a line, which is always local.
 */
#ifndef IRCSERV_LOCAL_H
#define IRCSERV_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "irc.h"
#include "metadata.h"

struct server;
struct client;
struct scram;
struct label;
struct multiline;
struct link;

/* Called by server_on_drained() when cli's send queue has emptied. */
typedef void client_drain_fn(struct server *srv, struct client *cli);

/*
 * What a connection rarely uses, allocated on first use (local_extra())
 * so that an idle client does not carry it: registration before PASS,
 * SASL, password-check budget, MONITOR, invitations, metadata
 * subscriptions and rate timers, KNOCK's timer, a paced LIST and an open
 * multiline batch. Everything zero means nothing to remember
 * (local_extra_trim()).
 */
struct local_extra {
	char             pending_nick[IRC_NICKLEN + 1]; /* sent before PASS, not held */
	/*
	 * The connection's address (as host held it) while services show
	 * another host (CHGHOST over a link); "": host is the address.
	 */
	char             addr[IRC_HOSTLEN + 1];

	/* SASL (cmd_sasl.c) and queued password checks (hashq.c). */
	bool             sasl_started;  /* AUTHENTICATE PLAIN seen */
	bool             sasl_discard;  /* dropping the rest of a too long message */
	unsigned         sasl_step;     /* SCRAM messages taken (cmd_sasl.c) */
	char            *sasl_buf;      /* owned; SASL data so far, NULL if idle */
	size_t           sasl_len;
	struct scram    *sasl_scram;    /* owned; a SCRAM exchange, else NULL */
	int64_t          sasl_relay_ms; /* an exchange relayed to services
	                                 * (sasl_relay.h) last moved; 0: none */
	char             sasl_agent[10]; /* the agent's UID in that exchange */
	int64_t          hash_debt_ms;  /* its password-check budget (hashq.c) */

	/* This server's view of others, for this connection. */
	char           (*monitors)[IRC_NICKLEN + 1];  /* owned; MONITOR list */
	size_t           nmonitors;
	char           (*invited)[IRC_CHANNELLEN + 1];  /* owned; channels that
	                                 * invited this client, oldest first; may
	                                 * be stale (see channel_invite_add()) */
	size_t           ninvited;
	struct metadata  metadata_subs; /* owned; keys subscribed to (no values) */
	int64_t          metadata_at_ms; /* METADATA SET timer (metadata_set_rate) */
	int64_t          knock_ms;      /* last KNOCK delivered (monotonic); 0: never */

	/* A paced LIST in progress (cmd_channel.c). */
	char            *list_filters;  /* owned */
	char            *list_conds;    /* owned; its second parameter */
	size_t           list_it;       /* where that LIST goes on in the registry,
	                                 * or in list_names */
	char           (*list_names)[IRC_CHANNELLEN + 1];  /* owned; NULL, or the
	                                 * channels left to list (chanlist.h) */
	size_t           list_nnames;
	/*
	 * Held-back output to go on with once the send queue is empty (a
	 * paced LIST); the handler that holds output back sets it and
	 * clears it when done. NULL: none.
	 */
	client_drain_fn *on_drained;
	struct multiline *batch;        /* owned; an open draft/multiline batch, or NULL */
};

/*
 * Field widths: flags are bits; counts and positions that a limit keeps
 * small are 32 bits (the timer heap holds at most max_clients entries,
 * a receive queue at most BUF_MAX_CAP bytes).
 */
struct local {
	int              fd;            /* -1 for a fake client in tests */
	uint32_t         caps;          /* enabled capabilities, cap.h bits */
	uint16_t         cap_version;   /* 302 after CAP LS 302 */

	/* Registration of the connection (cmd_register.c). */
	bool             pass_ok : 1;
	bool             pass_sent : 1; /* PASS seen, right or wrong */
	bool             cap_negotiating : 1;   /* CAP seen, no CAP END yet */
	bool             got_user : 1;
	bool             hash_wait : 1; /* a password check is queued (hashq.h) */
	/* Pacing and the server's lists. */
	bool             flood_exempt : 1;  /* trusted: no flood or per-IP limits */
	bool             ip_counted : 1;    /* counted in the server's per-IP limits */
	bool             throttled : 1;     /* lines wait in recvq for flood_at_ms */
	bool             write_pending : 1; /* on the server's pending-write list */
	bool             input_pending : 1; /* on the server's input-pending list:
	                                     * lines wait for a later round's budget */
	bool             want_write : 1;    /* POLLOUT armed (owned by conn.c) */
	uint32_t         timer_index;   /* position in the server's timer heap */
	/*
	 * Output not yet written, and the pending-write list (struct client,
	 * all local). With caps and write_pending above them, these are the
	 * first 64 bytes: all that a delivery and its write touch.
	 */
	struct buf       sendq;
	struct client   *pending_prev, *pending_next;

	struct local_extra *extra;      /* owned; NULL until first needed */
	struct link     *link;          /* owned; the connection is a server link (link.h), else NULL */
	struct label    *label;         /* borrowed; the labelled command being run */

	struct buf       recvq;         /* unprocessed input */

	/* Timers and pacing (server.c, timer.c, inputq.c, limit.c). */
	int64_t          connected_ms;  /* monotonic, for timers */
	int64_t          last_active_ms;
	int64_t          ping_sent_ms;  /* 0: no PING outstanding */
	int64_t          timer_at;      /* deadline snapshot the heap orders on */
	int64_t          flood_at_ms;   /* message timer (RFC 1459 8.10) */
	uint32_t         held_scanned;  /* recvq bytes counted in held_lines, while throttled */
	uint32_t         held_lines;    /* lines found in them */
	uint32_t         notify_index;  /* 1 + its place in the server's list of
	                                 * cap-notify connections; 0: not there */

	/* The input-pending list (struct client, all local). */
	struct client   *input_prev, *input_next;
};

/*
 * A connection on descriptor fd with srv's queue limits and clocks.
 * NULL when out of memory. Freed with local_free(), which accepts NULL.
 */
struct local *local_new(const struct server *srv, int fd);
void    local_free(struct local *l);
/* l's rarely used state, created (zeroed) on first use; NULL when out of memory. */
struct local_extra *local_extra(struct local *l);
/* Free l's rarely used state if it holds nothing any more. */
void    local_extra_trim(struct local *l);
/* Free l's open batch, if any, and its rarely used state if now empty. */
void    local_batch_end(struct local *l);
/* l's open draft/multiline batch (in its rarely used state), or NULL. */
static inline struct multiline *
local_batch(const struct local *l)
{
	return l->extra != NULL ? l->extra->batch : NULL;
}

#endif
