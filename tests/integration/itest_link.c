/*
 * Helpers of the server link integration tests (test_link*.c): ircserv
 * nodes with a server listener and link blocks, the chain A - B - C,
 * registered users and operators on a node, a raw client that plays a
 * server, and waits for LINKS and WHOIS to show the network. Every helper
 * fails the running test (itest_fail_at()) when the network does not
 * come as expected within LINK_WAIT_MS.
 */
#include "itest_link.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* The oper block every node has; the hash is made once (it is slow). */
static const char *
oper_block(void)
{
	static char block[512];
	char hash[256];

	if (block[0] == '\0') {
		itest_mkpasswd(OPER_PW, hash, sizeof(hash));
		snprintf(block, sizeof(block), "oper op {\n\tpassword = %s\n"
		    "\thost = *@127.0.0.1\n}\n", hash);
	}
	return block;
}

/* A link block: port 0 for one that only connects to us. */
void
link_block(char *out, size_t outsz, const char *name, const char *host, int port,
    bool autoconnect)
{
	char p[64] = "";

	if (port > 0)
		snprintf(p, sizeof(p), "\tport = %d\n", port);
	snprintf(out, outsz, "link %s {\n\thost = %s\n%s\tpassword = " LINK_PW "\n"
	    "\tautoconnect = %s\n}\n", name, host, p, autoconnect ? "yes" : "no");
}

void
node_start(struct node *n, const char *name, const char *sid, int lport,
    const char *links)
{
	char conf[4096];

	n->lport = lport;
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(n->sid, sizeof(n->sid), "%s", sid);
	snprintf(n->links, sizeof(n->links), "%s", links);
	snprintf(conf, sizeof(conf), ITEST_CONF_FAST "server_name = %s\nsid = %s\n"
	    "listen = 127.0.0.1:%d server\n%s%s", name, sid, lport, oper_block(), links);
	n->s = itest_server_start_ok(conf);
}

void
node_restart(struct node *n)
{
	char links[sizeof(n->links)], name[sizeof(n->name)], sid[sizeof(n->sid)];

	snprintf(links, sizeof(links), "%s", n->links);
	snprintf(name, sizeof(name), "%s", n->name);
	snprintf(sid, sizeof(sid), "%s", n->sid);
	node_start(n, name, sid, n->lport, links);
}

/* A raw connection to n's server listener. */
struct itest_client *
server_port(struct node *n)
{
	struct itest_client *c;
	int port = n->s->port;

	n->s->port = n->lport;
	c = itest_connect(n->s);
	n->s->port = port;
	return c;
}

/* A registered user on n (the harness's itest_user() expects irc.local). */
struct itest_client *
node_user(struct node *n, const char *nick)
{
	return node_user_as(n, nick, nick);
}

struct itest_client *
node_user_as(struct node *n, const char *nick, const char *user)
{
	struct itest_client *c = itest_connect(n->s);

	snprintf(c->nick, sizeof(c->nick), "%s", nick);
	itest_send(c, "PASS %s", ITEST_PASSWORD);
	itest_send(c, "NICK %s", nick);
	itest_send(c, "USER %s 0 * :%s", user, nick);
	itest_skip_to(c, ":%s 376 %s :*", n->name, nick);
	return c;
}

struct itest_client *
node_oper(struct node *n, const char *nick)
{
	struct itest_client *c = node_user(n, nick);

	c->timeout_ms = ITEST_HASH_MS;
	itest_send(c, "OPER op " OPER_PW);
	itest_skip_to(c, ":%s 381 %s :*", n->name, nick);
	c->timeout_ms = ITEST_TIMEOUT_MS;
	return c;
}

/* The number of servers LINKS shows c now. */
int
links_count(struct itest_client *c)
{
	char line[ITEST_LINE_MAX + 1], want[128];
	int n = 0;

	itest_send(c, "LINKS");
	snprintf(want, sizeof(want), "* 365 %s * :End of /LINKS list", c->nick);
	for (;;) {
		if (itest_poll_line(c, ITEST_TIMEOUT_MS, line, sizeof(line)) != 1)
			itest_fail_at(ITEST_HERE, "%s: no end of LINKS", c->nick);
		if (itest_match(want, line))
			return n;
		if (itest_match("* 364 *", line))
			n++;
	}
}

/* Poll LINKS until it shows want servers; fail after LINK_WAIT_MS. */
void
wait_links_at(const char *file, int line, struct itest_client *c, int want)
{
	int64_t end = itest_now_ms() + LINK_WAIT_MS;
	int n;

	while ((n = links_count(c)) != want) {
		if (itest_now_ms() > end)
			itest_fail_at(file, line, "%s: LINKS shows %d servers, not %d",
			    c->nick, n, want);
		itest_sleep_ms(50);
	}
}

/* A - B - C: B links to A, C to B, both by autoconnect. */
void
chain_start(struct node *a, struct node *b, struct node *c)
{
	char blk[512], blk2[512], both[1024];
	int bport = itest_free_port();

	link_block(blk, sizeof(blk), "irc.b.test", "127.0.0.1", 0, false);
	node_start(a, "irc.a.test", "1AA", itest_free_port(), blk);
	link_block(blk, sizeof(blk), "irc.a.test", "127.0.0.1", a->lport, true);
	link_block(blk2, sizeof(blk2), "irc.c.test", "127.0.0.1", 0, false);
	snprintf(both, sizeof(both), "%s%s", blk, blk2);
	node_start(b, "irc.b.test", "2BB", bport, both);
	link_block(blk, sizeof(blk), "irc.b.test", "127.0.0.1", bport, true);
	node_start(c, "irc.c.test", "3CC", itest_free_port(), blk);
}

/* A raw "server" on a's server listener sends its handshake. */
struct itest_client *
fake_server(struct node *a, const char *pass, const char *sid, const char *capab,
    const char *name)
{
	struct itest_client *f = server_port(a);

	snprintf(f->nick, sizeof(f->nick), "%s", name);
	itest_send(f, "PASS %s TS 6 :%s", pass, sid);
	itest_send(f, "CAPAB :%s", capab);
	itest_send(f, "SERVER %s 1 :fake server", name);
	return f;
}

/*
 * A fake server that passed the handshake with capab; its burst is read
 * up to the servers, the users are left queued.
 */
struct itest_client *
fake_linked_capab(struct node *a, const char *capab)
{
	struct itest_client *f = fake_server(a, LINK_PW, "9ZZ", capab, "fake.test");

	itest_expect_next(f, "PASS " LINK_PW " TS 6 :1AA");
	itest_expect_next(f, "CAPAB :*QS*ENCAP*EUID*");
	itest_expect_next(f, "SERVER irc.a.test 1 1AA + :*");
	itest_expect_next(f, ":1AA SVINFO 6 6 0 :*");
	return f;
}

/* The same, its whole burst read; without EUID. */
struct itest_client *
fake_linked(struct node *a)
{
	return fake_linked_with(a, "QS ENCAP EX IE");
}

struct itest_client *
fake_linked_with(struct node *a, const char *capab)
{
	struct itest_client *f = fake_linked_capab(a, capab);

	itest_skip_to(f, "PING :1AA");
	itest_send(f, "SVINFO 6 6 0 :%lld", (long long)time(NULL));
	itest_send(f, ":9ZZ PONG fake.test :1AA");
	return f;
}

void
wait_reply_at(const char *file, int line, struct itest_client *c, const char *cmd,
    const char *want, const char *done)
{
	int64_t end = itest_now_ms() + LINK_WAIT_MS;
	char l[ITEST_LINE_MAX + 1];
	bool found;

	for (;;) {
		found = false;
		itest_send(c, "%s", cmd);
		do {
			if (itest_poll_line(c, ITEST_TIMEOUT_MS, l, sizeof(l)) != 1)
				itest_fail_at(file, line, "%s: no end of %s", c->nick, cmd);
			found |= itest_match(want, l);
		} while (!itest_match(done, l));
		if (found)
			return;
		if (itest_now_ms() > end)
			itest_fail_at(file, line, "%s: %s never showed %s", c->nick,
			    cmd, want);
		itest_sleep_ms(50);
	}
}

void
wait_whois_at(const char *file, int line, struct itest_client *c, const char *nick,
    const char *server)
{
	char cmd[64], want[128], done[128];

	snprintf(cmd, sizeof(cmd), "WHOIS %s", nick);
	snprintf(want, sizeof(want), "* 312 %s %s %s :*", c->nick, nick, server);
	snprintf(done, sizeof(done), "* 318 %s %s :*", c->nick, nick);
	wait_reply_at(file, line, c, cmd, want, done);
}

/*
 * The chain A - B - C, an operator on A, and users ua on A and uc on C
 * that each know of the other.
 */
void
chain_with_users(struct node *a, struct node *b, struct node *c,
    struct itest_client **op, struct itest_client **ua, struct itest_client **uc)
{
	chain_start(a, b, c);
	*op = node_oper(a, "op");
	wait_links(*op, 3);
	*ua = node_user(a, "ua");
	*uc = node_user(c, "uc");
	wait_whois(*ua, "uc", "irc.c.test");
	wait_whois(*uc, "ua", "irc.a.test");
}

int
link_listen(int port, int backlog)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	/* Close-on-exec: the servers the test starts later must not hold it. */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 || listen(fd, backlog) == -1)
		itest_fail_at(ITEST_HERE, "listen on %d", port);
	return fd;
}

struct itest_client *
link_accept(struct itest_server *s, int lfd, int ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int fd;

	if (poll(&p, 1, ms) != 1 || (fd = accept(lfd, NULL, NULL)) == -1)
		itest_fail_at(ITEST_HERE, "no connection to the link port in %d ms", ms);
	return itest_adopt(s, fd);
}

void
fake_finish_handshake(struct itest_client *f, const char *name, const char *sid,
    bool outgoing)
{
	itest_send(f, "SERVER %s 1 :fake server", name);
	if (!outgoing) {
		itest_expect_next(f, "PASS " LINK_PW " TS 6 :1AA");
		itest_expect_next(f, "CAPAB :*");
		itest_expect_next(f, "SERVER irc.a.test 1 1AA + :*");
	}
	itest_expect_next(f, ":1AA SVINFO 6 6 0 :*");
	itest_send(f, ":%s SVINFO 6 6 0 :%lld", sid, (long long)time(NULL));
	itest_skip_to(f, "PING :1AA");
}

void
fake_user(struct itest_client *f, const char *nick, const char *uid)
{
	itest_send(f, ":9ZZ UID %s 1 1000 +i %s h.example 192.0.2.1 %s :%s", nick,
	    nick, uid, nick);
}

struct itest_client *
node_alone(struct node *a, const char *nick, struct itest_client **w)
{
	struct itest_client *u;
	char blk[512];

	link_block(blk, sizeof(blk), "fake.test", "127.0.0.1", 0, false);
	node_start(a, "irc.a.test", "1AA", itest_free_port(), blk);
	u = node_user(a, nick);
	*w = node_user(a, "w");
	return u;
}

void
expect_quiet_at(const char *file, int line, struct itest_client *c, const char *want)
{
	char l[ITEST_LINE_MAX + 1];

	itest_send(c, "PING :quiet");
	for (;;) {
		if (itest_poll_line(c, ITEST_TIMEOUT_MS, l, sizeof(l)) != 1)
			itest_fail_at(file, line, "%s: no PONG", c->nick);
		if (itest_match("* PONG * :quiet", l))
			return;
		if (want == NULL || !itest_match(want, l))
			itest_fail_at(file, line, "%s: unexpected %s", c->nick, l);
	}
}
