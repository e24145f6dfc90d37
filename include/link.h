/*
 * Server links (TS6): the protocol spoken on a connection to another
 * server, sans I/O like the rest of the core. A link connection is a
 * struct client with cli->link set: accepted on a "server" listener, or
 * made by the shell to a configured link (link_next_connect()). Its lines
 * come to link_on_line() instead of the client commands; what it sends
 * goes to its send queue. The handshake (PASS, CAPAB, SERVER, SVINFO)
 * checks the peer against its link block (name, address, password in
 * constant time); then servers are introduced (SID) and split (SQUIT,
 * with QS semantics: one SQUIT stands for everything behind a server).
 * A peer that breaks the protocol loses its link, with the reason in its
 * ERROR and in the SQUIT others see; nothing else is touched.
 *
 * Files: link.c (handshake, state, the end of a link), link_proto.c (the
 * commands of established links), link_peer.c (connecting out:
 * CONNECT, autoconnect with backoff), link_user.c and link_chan.c (this
 * server's users and channels as the links see them), link_remote.c and
 * link_rchan.c (those of other servers), link_cmode.c (channel modes,
 * BMASK, TB, INVITE and the channel TS rules from other servers). The
 * registry is network.h.
 */
#ifndef IRCSERV_LINK_H
#define IRCSERV_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ts6.h"

#include "irc.h"

struct server;
struct client;
struct msg;
struct netserver;
struct config_link;
struct channel;

/* TS6 protocol version we speak (SVINFO, PASS). */
#define LINK_TS_VERSION         6
/* Largest clock difference (seconds) SVINFO accepts, as hybrid's default. */
#define LINK_TS_MAX_DELTA       600
/* Send and receive queue of an established link: a whole burst fits. */
#define LINK_QUEUE_BYTES        ((size_t)16 * 1024 * 1024)
/* Autoconnect: first retry delay, its cap, and how long a link must have
 * stayed up for the delay to start again from the first. */
#define LINK_RETRY_MIN_MS       2000
#define LINK_RETRY_MAX_MS       120000
#define LINK_STABLE_MS          60000

/* CAPAB tokens we know (bits of struct link.caps). */
#define LINK_CAP_QS     (1u << 0)
#define LINK_CAP_ENCAP  (1u << 1)
#define LINK_CAP_EX     (1u << 2)
#define LINK_CAP_IE     (1u << 3)
#define LINK_CAP_TB     (1u << 4)
#define LINK_CAP_EUID   (1u << 5)
#define LINK_CAP_EOB    (1u << 6)
#define LINK_CAP_SAVE   (1u << 7)
/* Ours, between ircserv servers: client-only tags and TAGMSG cross. */
#define LINK_CAP_CTAGS  (1u << 8)
#define LINK_CAP_CTAGS_NAME "IRCSERV-CTAGS"

/* The server side of a link connection; owned by its client. */
struct link {
	bool     up;                    /* SERVER accepted: registered */
	bool     outgoing;              /* we connected (to name) */
	bool     got_pass;
	bool     got_svinfo;
	bool     eob;                   /* the peer's burst has ended */
	unsigned caps;                  /* LINK_CAP_* the peer offers */
	int      ts_version;            /* from PASS ... TS <n>; 0: none */
	char     name[64];              /* outgoing: the link block's name */
	char     pass[129];             /* the peer's PASS, until SERVER */
	char     sid[4];                /* the peer's SID from PASS */
	int64_t  up_ms;                 /* when it came up (monotonic) */
	struct netserver *server;       /* the peer, once up */
};

/*
 * Make cli a link connection: incoming (name NULL), or outgoing to the
 * link block called name, whose PASS, CAPAB and SERVER are queued at
 * once. Flood control does not apply to links. Returns 0 or -1 (no
 * memory, or no such block; the caller closes cli).
 */
int     link_attach(struct server *srv, struct client *cli, const char *name);
/* Free a link's state. Accepts NULL. */
void    link_free(struct link *l);
/* Whether cli is a link whose handshake is done. */
bool    link_is_up(const struct client *cli);
/*
 * One line (no CR LF, NUL-terminated, modifiable) from the link cli:
 * parsed and handled; a malformed or over-long line, or one that breaks
 * the protocol, closes the link with the reason.
 */
void    link_on_line(struct server *srv, struct client *cli, char *line, size_t len);
/*
 * The link cli is being reaped: the servers behind it leave the network
 * (one SQUIT to each other link), and its autoconnect goes on.
 */
void    link_lost(struct server *srv, struct client *cli);
/* Close the link cli with reason (ERROR, then SQUIT to the others at reap). */
void    link_close(struct server *srv, struct client *cli, const char *reason);

/*
 * A user of this server registered, changed nick or leaves (reason):
 * every established link is told (UID or EUID, NICK, QUIT). The user
 * gets its UID here, in link_user_intro(), when this server has a sid.
 */
void    link_user_intro(struct server *srv, struct client *cli);
void    link_user_nick(struct server *srv, struct client *cli);
void    link_user_quit(struct server *srv, struct client *cli, const char *reason);
/*
 * The local operator killer kills victim, a user of another server, for
 * why: every link is told (KILL with the path "server!host!user!nick"),
 * so the user's own server disconnects it and the others forget it.
 */
void    link_user_kill(struct server *srv, struct client *killer,
	    struct client *victim, const char *why);
/*
 * A user of this server joined (created: the channel is new), parted,
 * kicked victim, set the topic, or sent cmd (PRIVMSG, NOTICE with text,
 * TAGMSG) with its client-only tags (may be NULL) to a channel target
 * ("#chan", "@#chan"): every link is told, each once (link_relay()).
 */
void    link_chan_join(struct server *srv, struct client *cli,
	    const struct channel *chan, bool created);
void    link_chan_part(struct server *srv, struct client *cli,
	    const struct channel *chan, const char *reason);
void    link_chan_kick(struct server *srv, struct client *cli,
	    const struct channel *chan, const struct client *victim, const char *reason);
void    link_chan_topic(struct server *srv, struct client *cli,
	    const struct channel *chan);
void    link_chan_message(struct server *srv, struct client *cli, const char *cmd,
	    const char *target, const char *text, const char *tags);
/*
 * A user of this server changed chan's modes: modes ("+o-k") with args
 * (" <UID> *", statuses by UID, each after a space) go to every link as
 * TMODE with the channel's TS.
 */
void    link_chan_mode(struct server *srv, struct client *cli,
	    const struct channel *chan, const char *modes, const char *args);
/*
 * A user of this server invited target, a user of another server, to
 * chan: INVITE goes towards target's server, which keeps the invitation.
 */
void    link_chan_invite(struct server *srv, struct client *cli,
	    const struct client *target, const struct channel *chan);
/* A user of this server sent cmd (and text, tags) to to, a user of another server. */
void    link_remote_message(struct server *srv, struct client *from, struct client *to,
	    const char *cmd, const char *text, const char *tags);
/*
 * The UID of cli, a user of this server, given now if it has none (SASL
 * through services needs it before registration); "" without a sid.
 */
const char *link_user_uid(struct server *srv, struct client *cli);
/* cli, a registered user of this server, logged in: ENCAP * LOGIN. */
void    link_user_login(struct server *srv, struct client *cli);
/*
 * u's account is now account ("" logs out), as a link said:
 * account-notify to those sharing a channel with u; a user of this
 * server also gets 900 or 901, and with tell, when it is registered,
 * every link hears ENCAP * LOGIN (SVSLOGIN is said to this server only;
 * LOGIN and SU travel by themselves).
 */
void    link_account_set(struct server *srv, struct client *u, const char *account,
	    bool tell);
/*
 * WHOIS <nicks> from cli, a user of this server, asked of s (another
 * server): ":<uid> WHOIS <hunted> :<nicks>" towards it, hunted being the
 * SID of s or the UID of a user there. The answers come back as numerics
 * for cli's UID (link_remote_numeric()).
 */
void    link_whois(struct server *srv, struct client *cli, struct netserver *s,
	    const char *hunted, const char *nicks);
/* WALLOPS from cli, an operator of this server: ":<uid> WALLOPS" to every link. */
void    link_user_wallops(struct server *srv, struct client *cli, const char *text);
/* A user of this server set or cleared a user mode bit, or went away or back. */
void    link_user_mode(struct server *srv, struct client *cli, unsigned bit, bool on);
void    link_user_away(struct server *srv, struct client *cli);

/*
 * SQUIT from an operator here: a direct link is closed; a server farther
 * away is asked to be split by its uplink. reason is shown in the SQUIT.
 */
void    link_squit(struct server *srv, struct netserver *s, const char *reason);

/*
 * The configuration changed (REHASH): this server gets its sid if it had
 * none (a sid is never changed while running), and autoconnect follows
 * the link blocks.
 */
void    link_rehash(struct server *srv);
/*
 * Timers: queue the autoconnects that are due. Returns the milliseconds
 * until the next one (0 while connections are queued), or -1 when none
 * waits. The shell calls it again after reaping, which may schedule one.
 */
int     link_tick(struct server *srv);
/*
 * CONNECT: queue a connection to the link block called name now. Returns
 * 0, or -1 with why set: no such block, no port, already linked or
 * connecting.
 */
int     link_connect(struct server *srv, const char *name, const char **why);
/*
 * For the shell: the next link block to connect to (queued by
 * link_tick() or link_connect()), or NULL. The shell then makes the
 * connection, hands it to link_attach(), or reports failure with
 * link_connect_failed().
 */
const struct config_link *link_next_connect(struct server *srv);
void    link_connect_failed(struct server *srv, const char *name, const char *why);

/* Shared by link.c, link_proto.c and link_peer.c only. */

/* Send one formatted line to every established link but except. */
void    link_broadcast(struct server *srv, struct client *except,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * A user's message as one formatted line to the link only (NULL: every
 * link but except), with its client-only tags ("+a=b;+c"; NULL or "":
 * none) in front for links that take LINK_CAP_CTAGS and without them for
 * the others; a TAGMSG (tagmsg) goes to the former only.
 */
void    link_relay(struct server *srv, struct client *only, struct client *except,
	    const char *tags, bool tagmsg, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
/* The commands of an established link (link_proto.c). */
void    link_proto_dispatch(struct server *srv, struct client *cli,
	    const struct msg *msg);
/* link_remote.c: users of other servers. */
struct ts6_user;
/* A user u of src, introduced by the link cli: nick collisions, then kept. */
void    link_remote_intro(struct server *srv, struct client *cli,
	    struct netserver *src, const struct ts6_user *u);
/* Every user behind s quits "<s's uplink> <s>" (before s is removed). */
void    link_remote_split(struct server *srv, struct netserver *s);
/* A command from u, a user behind the link cli: QUIT NICK AWAY KILL, messages. */
void    link_remote_dispatch(struct server *srv, struct client *cli, struct client *u,
	    const struct msg *msg);
/*
 * link_encap.c: ENCAP from the link cli, from the user u behind it, or
 * (u NULL) from a server: passed on toward the servers its mask matches,
 * handled when it matches us (LOGIN, SU, SASL, SVSLOGIN, MECHLIST).
 */
void    link_encap(struct server *srv, struct client *cli, struct client *u,
	    const struct msg *msg);
/*
 * A numeric from the server src, behind the link cli, for the user whose
 * UID is its first parameter (a remote WHOIS's answer): shown to that
 * user here as from src, or passed on towards its server. Any other
 * target (unknown, not a UID, or back the way it came) is dropped.
 */
void    link_remote_numeric(struct server *srv, struct client *cli,
	    struct netserver *src, const struct msg *msg);
/*
 * CHGHOST <uid> <host> from source (a SID or UID) behind the link cli, or
 * its ENCAP * form (encap: ENCAP passed it on already). A valid host
 * (Solanum's ts6.md: letters, digits, "-./:", not starting with ":", no
 * digit after the last "/") goes on to the other links, as CHGHOST to
 * those with EUID and as ENCAP to the others, and the user takes it,
 * shown to the users here who share a channel with it and have the
 * chghost capability. A user of this server keeps its address aside
 * (client_addr(): limits, bans, operator blocks) and is told with 396.
 */
void    link_remote_chghost(struct server *srv, struct client *cli, const char *source,
	    const char *uid, const char *host, bool encap);
/* Whether CHGHOST may set host (the rules above). */
bool    link_host_valid(const char *host);
/*
 * t (of this server or another; a user of this server may be still
 * registering) shows host, valid: a user of this server keeps its
 * address aside; once registered, its channels' chghost clients see
 * CHGHOST and a user of this server gets 396. False: out of memory
 * (nothing changed). The links are told by link_host_announce().
 */
bool    link_host_show(struct server *srv, struct client *t, const char *host);
/* t's new host, as CHGHOST from source to each link but skip (ENCAP without EUID). */
void    link_host_announce(struct server *srv, struct client *skip, const char *source,
	    const struct client *t, const char *host);
/* KILL <target> :<path> from the link cli (a server's or a user's). */
void    link_remote_kill(struct server *srv, struct client *cli, const struct msg *msg);
/*
 * link_rchan.c: channels as other servers change them. A channel command
 * from u (JOIN PART KICK, PRIVMSG/NOTICE to a channel), or from a server
 * (SJOIN), behind the link cli: applied, shown here, passed on. Return
 * false when msg is not one of them.
 */
bool    link_rchan_user(struct server *srv, struct client *cli, struct client *u,
	    const struct msg *msg);
bool    link_rchan_server(struct server *srv, struct client *cli, const struct msg *msg);
/*
 * link_cmode.c: channel modes from other servers. TMODE, a channel MODE,
 * INVITE (from u), BMASK and TB (from a server, u NULL) from the link
 * cli: applied by the channel TS rules, shown here, passed on. Returns
 * false when msg is not one of them.
 */
bool    link_cmode_dispatch(struct server *srv, struct client *cli,
	    const struct client *u, const struct msg *msg);
/*
 * The channel TS rules for an SJOIN or JOIN with ts and simple modes
 * modestr and args, from the server called who: a lower ts replaces our
 * TS, modes, statuses and lists (removed first, the members here seeing
 * it), an equal one merges the modes, a greater one changes nothing.
 * Returns which rule applied, for the statuses of the members it brings.
 */
enum ts6_chan_ts link_cmode_sjoin(struct server *srv, struct channel *chan,
	    const char *who, int64_t ts, const char *modestr, char *const *args, int nargs);
/* After chan's SJOIN in a burst to l: its lists as BMASK (e and I to peers
 * with EX and IE) and its topic as TB (to a peer with TB). */
void    link_cmode_burst(struct server *srv, struct client *l, const struct channel *chan);
/* The name of the server source of a line from cli (the peer when NULL). */
const char *link_server_name(struct server *srv, struct client *cli, const char *source);
/* Set chan's topic ("" clears it), set by by at at. */
void    link_topic_set(struct channel *chan, const char *topic, const char *by, time_t at);
/*
 * link_nick.c: nick collisions (ts6.h's rules) and SAVE. A user u being
 * introduced by the link cli wants a nick old holds: returns the nick u
 * takes (its own, or its UID when it is saved), or NULL when u is killed.
 */
const char *link_nick_intro(struct server *srv, struct client *cli,
	    struct client *old, const struct ts6_user *u);
/* :uid NICK <nick> [<ts>] from u, behind the link cli. */
void    link_nick_change(struct server *srv, struct client *cli, struct client *u,
	    const struct msg *msg);
/*
 * ENCAP RSFNC <uid> <new nick> <new TS> <nick TS> [<override>] from a
 * server (services), p[0] the UID: a user of this server whose nick TS
 * is still <nick TS> takes the new nick, shown here and to every link;
 * whoever held it is killed. Anything else is ignored.
 */
void    link_nick_on_rsfnc(struct server *srv, const char *const *p, int n);
/* SAVE <uid> <ts> from the server sid, behind the link cli. */
void    link_nick_on_save(struct server *srv, struct client *cli, const char *sid,
	    const struct msg *msg);
/* u leaves for reason: a user of another server is forgotten first. */
void    link_remote_close(struct server *srv, struct client *u, const char *reason);
/* u (of another server) leaves: out of the UID map, its server forgotten. */
void    link_remote_forget(struct server *srv, struct client *u);
/*
 * Keep ip, as its server gave it in UID or EUID, as the address of u, a
 * user of another server with its UID set (in srv->net->addrs); "0"
 * (unknown or hidden) keeps nothing, as does an address longer than
 * TS6_IP_MAX. Returns 0, or -1 when out of memory (nothing kept).
 */
int     link_remote_set_ip(struct server *srv, const struct client *u, const char *ip);
/*
 * The address of u as links carry it: a user of this server's
 * (client_ip()), or what the server of a user of another server gave;
 * "0" when it gave none.
 */
const char *link_remote_ip(const struct server *srv, const struct client *u);
/* Introduce u (of this server or another) on the link l: UID or EUID. */
void    link_send_user(struct server *srv, struct client *l, struct client *u);
/* Introduce every user of this server on the link l (its burst). */
void    link_burst_users(struct server *srv, struct client *l);
/* Every channel with users of this server, as SJOIN, on the link l. */
void    link_burst_channels(struct server *srv, struct client *l);
/* ERROR from the peer: close the link, saying what it said. */
void    link_on_error(struct server *srv, struct client *cli, const struct msg *msg);
/* s and everything behind it leave; one SQUIT to every link but from. */
void    link_split(struct server *srv, struct netserver *s, struct client *from,
	    const char *reason);
/* A server name we accept: a host name with a dot, at most IRC_HOSTLEN. */
bool    link_name_is_valid(const char *name);
/*
 * The connection cli is now the one for link block name. Returns -1 when
 * another connection for it exists and wins (the one started by the
 * server whose name sorts first); a losing one of ours is closed.
 */
int     link_peer_attach(struct server *srv, const char *name, struct client *cli);
/*
 * The autoconnect record of a link block name (link_peer.c, and the
 * saved state), in srv->net->peers; made on first use. NULL when out of
 * memory or the name is too long.
 */
struct link_peer {
	char     name[IRC_HOSTLEN + 1];
	struct client *conn;            /* connecting, in handshake or up */
	int64_t  next_ms;               /* next autoconnect attempt */
	int64_t  delay_ms;              /* the wait after the next failure */
	bool     queued;                /* waiting for the shell to connect */
};
struct link_peer *link_peer_get(struct server *srv, const char *name);
/* cli, the connection for name, ends after up_ms up (0: never came up). */
void    link_peer_detach(struct server *srv, const char *name, struct client *cli,
	    int64_t up_ms);

#endif
