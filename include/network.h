/*
 * The server registry of server linking (TS6): every server on the
 * network, this one included, by name and by SID, as a tree rooted at
 * this server. Each server knows its uplink, its hop count and the local
 * link connection it is reached through. Pure data: what a link says and
 * what is sent is link.c's. network_free() releases every entry; the
 * link connections named in "via" belong to client.c.
 */
#ifndef IRCSERV_NETWORK_H
#define IRCSERV_NETWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "irc.h"

struct client;
struct hmap;

/* Servers on the network, this one included: a burst past it is refused. */
#define NETWORK_SERVERS_MAX     512
/* Longest server description kept (SERVER, SID). */
#define NETWORK_DESC_MAX        120
#define NETWORK_SID_LEN         3
/* Longest SASL mechanism list kept from services (sasl_relay.h). */
#define NETWORK_MECHS_MAX       200

struct netserver {
	char     name[IRC_HOSTLEN + 1];
	char     sid[NETWORK_SID_LEN + 1];  /* "" for this server without a sid */
	char     desc[NETWORK_DESC_MAX + 1];
	unsigned hops;                  /* 0: this server */
	bool     eob;                   /* its burst has ended */
	struct netserver *uplink;       /* NULL: this server */
	struct netserver *child;        /* first server it introduced */
	struct netserver *prev, *next;  /* siblings: same uplink */
	struct client *via;             /* the link towards it; NULL: this server */
};

struct network {
	struct hmap     *by_name;       /* name -> struct netserver */
	struct hmap     *by_sid;        /* sid -> struct netserver */
	struct netserver me;            /* the root: this server */
	size_t           count;         /* servers, this one included */
	struct hmap     *peers;         /* link block name -> struct link_peer
	                                 * (link_peer.c): plain allocations,
	                                 * freed with the network */
	unsigned         link_queued;   /* peers waiting to be connected to */
	uint64_t         next_uid;      /* ts6_uid_make() number of the next UID */
	struct hmap     *users;         /* UID -> struct client, every user with one */
	unsigned         nremote;       /* users of other servers (LUSERS) */
	struct hmap     *addrs;         /* UID -> the address of a user of
	                                 * another server, when its server gave
	                                 * one (link_remote.c): plain
	                                 * allocations, freed with the network */
	char             sasl_mechs[NETWORK_MECHS_MAX + 1]; /* the SASL agent's
	                                 * MECHLIST; "": none heard */
};

/* A network of just this server. Caller frees with network_free(). */
struct network *network_new(const char *name, const char *sid, const char *desc);
/* Free every server but the links they name. Accepts NULL. */
void    network_free(struct network *net);
/* Give this server its sid (when it had none). Returns 0 or -1. */
int     network_set_sid(struct network *net, const char *sid);

/* The server called name, or with that SID (3 characters); NULL if none. */
struct netserver *network_find(const struct network *net, const char *name_or_sid);
/*
 * Add a server introduced by uplink, reached through via. Name and sid
 * must be unknown (callers check with network_find()). Returns NULL when
 * out of memory or past NETWORK_SERVERS_MAX.
 */
struct netserver *network_add(struct network *net, struct netserver *uplink,
	    const char *name, const char *sid, const char *desc, struct client *via);
/*
 * Remove s and every server behind it. gone is called for each, the
 * farthest first, before it is freed (netsplit: its users quit).
 */
typedef void network_gone_fn(void *ud, struct netserver *s);
void    network_remove(struct network *net, struct netserver *s,
	    network_gone_fn *gone, void *ud);
/*
 * Pre-order walk: the server after s (a server before the servers it
 * introduced); start with &net->me. NULL at the end.
 */
struct netserver *network_walk(const struct network *net, const struct netserver *s);
/* Whether s has the form of a SID (config_sid_is_valid()), not a name. */
bool    network_is_sid(const char *s);

#endif
