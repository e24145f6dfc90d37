/*
 * Helpers of the server link integration tests (test_link*.c), on top of
 * itest.h: nodes (an ircserv with a server listener and link blocks), the
 * chain A - B - C, users and operators on a node, a raw client playing a
 * server, and waits until LINKS or WHOIS show the network.
 */
#ifndef IRCSERV_ITEST_LINK_H
#define IRCSERV_ITEST_LINK_H

#include <stdbool.h>
#include <stddef.h>

#include "itest.h"

#define LINK_PW         "l1nk-pass"
#define OPER_PW         "0per-pass"
/* Autoconnect relinks within LINK_RETRY_MIN_MS (2 s) and a handshake. */
#define LINK_WAIT_MS    (10000 * itest_slow())

struct node {
	struct itest_server *s;
	int      lport;                 /* its server listener */
	char     name[32];
	char     sid[4];
	char     links[1024];               /* its link blocks */
};

/* A link block: port 0 for one that only connects to us. */
void    link_block(char *out, size_t outsz, const char *name, const char *host,
	    int port, bool autoconnect);
/* Start n as name with sid, its server listener on lport, and links. */
void    node_start(struct node *n, const char *name, const char *sid, int lport,
	    const char *links);
/* Start n again as it was started last (after itest_server_stop_ok()). */
void    node_restart(struct node *n);
/* A raw connection to n's server listener. */
struct itest_client *server_port(struct node *n);
/* A registered user on n (its user name: nick, or user), and an operator. */
struct itest_client *node_user(struct node *n, const char *nick);
struct itest_client *node_user_as(struct node *n, const char *nick, const char *user);
struct itest_client *node_oper(struct node *n, const char *nick);
/* The number of servers LINKS shows c now. */
int     links_count(struct itest_client *c);
/* Poll LINKS until it shows want servers; fail after LINK_WAIT_MS. */
#define wait_links(c, want)     wait_links_at(ITEST_HERE, (c), (want))
void    wait_links_at(const char *file, int line, struct itest_client *c, int want);
/*
 * Send cmd from c until a line matching want comes before the one
 * matching done; fail after LINK_WAIT_MS.
 */
#define wait_reply(c, cmd, want, done) wait_reply_at(ITEST_HERE, (c), (cmd), (want), (done))
void    wait_reply_at(const char *file, int line, struct itest_client *c, const char *cmd,
	    const char *want, const char *done);
/* WHOIS nick from c until it names server (312); fail after LINK_WAIT_MS. */
#define wait_whois(c, nick, server) wait_whois_at(ITEST_HERE, (c), (nick), (server))
void    wait_whois_at(const char *file, int line, struct itest_client *c,
	    const char *nick, const char *server);
/* A - B - C (irc.a.test 1AA, irc.b.test 2BB, irc.c.test 3CC): B links to
 * A, C to B, both by autoconnect. */
void    chain_start(struct node *a, struct node *b, struct node *c);
/*
 * The chain, an operator "op" on A, and users "ua" on A and "uc" on C
 * that each know of the other.
 */
void    chain_with_users(struct node *a, struct node *b, struct node *c,
	    struct itest_client **op, struct itest_client **ua, struct itest_client **uc);
/* A raw "server" on a's server listener sends its handshake. */
struct itest_client *fake_server(struct node *a, const char *pass, const char *sid,
	    const char *capab, const char *name);
/*
 * A fake server "fake.test" (9ZZ) that passed the handshake with capab;
 * its burst is read up to the servers, the users are left queued.
 */
struct itest_client *fake_linked_capab(struct node *a, const char *capab);
/* The same, its whole burst read and answered: with "QS ENCAP EX IE", or capab. */
struct itest_client *fake_linked(struct node *a);
struct itest_client *fake_linked_with(struct node *a, const char *capab);
/*
 * A listener on 127.0.0.1:port with that backlog (SO_REUSEADDR), for a
 * node to connect out to; fails the test when it cannot be made.
 */
int     link_listen(int port, int backlog);
/* The connection a node makes to the listener lfd within ms, as a client of s. */
struct itest_client *link_accept(struct itest_server *s, int lfd, int ms);
/*
 * The rest of the handshake of a fake server name (sid) with irc.a.test
 * (1AA), whose PASS and CAPAB it has sent: SERVER, A's SVINFO (after
 * A's PASS, CAPAB and SERVER when A did not connect out), its SVINFO, up
 * to A's PING at the end of A's burst.
 */
void    fake_finish_handshake(struct itest_client *f, const char *name, const char *sid,
	    bool outgoing);
/* The fake server f introduces nick (user nick, host h.example, TS 1000). */
void    fake_user(struct itest_client *f, const char *nick, const char *uid);
/*
 * irc.a.test (1AA) alone, with a link block for fake.test: a user nick
 * (returned) and a user "w" on it.
 */
struct itest_client *node_alone(struct node *a, const char *nick,
	    struct itest_client **w);
/* Every line c gets before the answer to a PING matches want (NULL: none). */
#define expect_quiet(c, want)   expect_quiet_at(ITEST_HERE, (c), (want))
void    expect_quiet_at(const char *file, int line, struct itest_client *c,
	    const char *want);

#endif
