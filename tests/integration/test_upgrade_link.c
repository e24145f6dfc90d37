/*
 * Integration tests of a hot upgrade of linked servers: A and B linked
 * (B connects to A), a user on each streaming numbered messages to a
 * shared channel while A, then B, is upgraded with SIGUSR2. The link
 * must stay up across each exec: no message lost, repeated or
 * reordered on either side, no client dropped, no SQUIT, no second
 * burst (the other side logs one link established and none lost), and
 * NAMES, WHOIS, LINKS and LUSERS answer as before. Links still in their
 * handshake, one accepted and one connected out, finish it with the new
 * image.
 */
#include "itest_link.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STREAM          400     /* numbered messages per user and upgrade */

struct net {
	struct node a, b;
	struct itest_client *ua, *ub, *wa, *wb;         /* senders, watchers */
};

/* Read c up to the answer to a PING (itest_sync() expects irc.local). */
static void
node_sync(struct itest_client *c, const char *server)
{
	static int seq;

	itest_send(c, "PING :sync-%d", ++seq);
	itest_skip_to(c, ":%s PONG %s :sync-%d", server, server, seq);
}

/* A registered user on n, in #room. */
static struct itest_client *
room_user(struct node *n, const char *nick)
{
	struct itest_client *c = node_user(n, nick);

	itest_send(c, "JOIN #room");
	itest_skip_to(c, ":%s 366 %s #room *", n->name, nick);
	return c;
}

/* The reply to cmd, after what the client had before. */
static char *
reply_of(struct itest_client *c, const char *server, const char *cmd, const char *end)
{
	node_sync(c, server);
	return itest_reply(c, cmd, end);
}

#define NQUERIES 8
static const char *const queries[NQUERIES][3] = {
	{ "a", "NAMES #room", "* 366 *" },
	{ "a", "WHOIS ub", "* 318 *" },
	{ "a", "LINKS", "* 365 *" },
	{ "a", "LUSERS", "* 266 *" },
	{ "b", "NAMES #room", "* 366 *" },
	{ "b", "WHOIS ua", "* 318 *" },
	{ "b", "LINKS", "* 365 *" },
	{ "b", "LUSERS", "* 266 *" },
};

static void
snapshot(struct net *n, char *out[NQUERIES])
{
	for (int i = 0; i < NQUERIES; i++)
		out[i] = queries[i][0][0] == 'a' ?
		    reply_of(n->wa, n->a.name, queries[i][1], queries[i][2]) :
		    reply_of(n->wb, n->b.name, queries[i][1], queries[i][2]);
}

/* B links to A by autoconnect; ua and wa on A, ub and wb on B, in #room. */
static void
net_start(struct net *n)
{
	char blk[512], conf[1024];

	link_block(blk, sizeof(blk), "irc.b.test", "127.0.0.1", 0, false);
	snprintf(conf, sizeof(conf), "max_per_ip = 0\nconnect_rate = 0\n%s", blk);
	node_start(&n->a, "irc.a.test", "1AA", itest_free_port(), conf);
	link_block(blk, sizeof(blk), "irc.a.test", "127.0.0.1", n->a.lport, true);
	snprintf(conf, sizeof(conf), "max_per_ip = 0\nconnect_rate = 0\n%s", blk);
	node_start(&n->b, "irc.b.test", "2BB", itest_free_port(), conf);
	itest_wait_log(n->a.s, "link irc.b.test (2BB, 127.0.0.1) established", 1);
	itest_wait_log(n->b.s, "link irc.a.test (1AA, 127.0.0.1) established", 1);
	n->ua = room_user(&n->a, "ua");
	n->wa = room_user(&n->a, "wa");
	n->ub = room_user(&n->b, "ub");
	n->wb = room_user(&n->b, "wb");
	/* The last join crossed the link: everyone sees everyone. */
	itest_skip_to(n->ua, ":wb!* JOIN #room");
	itest_skip_to(n->wa, ":wb!* JOIN #room");
	node_sync(n->ub, n->b.name);
	node_sync(n->wb, n->b.name);
}

/* What a reader expects next of each stream ('a': ua's, 'b': ub's). */
struct reader {
	struct itest_client *c;
	bool     want_a, want_b;
	int      next_a, next_b;
};

/* Take one line: a stream message must be the next of its stream. */
static void
read_one(struct reader *r, int nth)
{
	char line[ITEST_LINE_MAX + 1], want[64];
	const char *p;
	int round, seq;
	char who;

	assert_int_equal(itest_poll_line(r->c, ITEST_TIMEOUT_MS * 3, line, sizeof(line)), 1);
	/* The link stays up: nobody quits, rejoins or splits. */
	if (strstr(line, " QUIT ") || strstr(line, " JOIN ") || strstr(line, "SQUIT"))
		fail_msg("%s: %s", r->c->nick, line);
	if ((p = strstr(line, " PRIVMSG #room :")) == NULL)
		return;
	if (sscanf(p, " PRIVMSG #room :%c%d.%d", &who, &round, &seq) != 3 || round != nth)
		fail_msg("%s: stray \"%s\"", r->c->nick, line);
	snprintf(want, sizeof(want), "%c%d.%d", who, nth, who == 'a' ? r->next_a : r->next_b);
	if ((who == 'a' && !r->want_a) || (who == 'b' && !r->want_b) ||
	    strcmp(p + strlen(" PRIVMSG #room :"), want) != 0)
		fail_msg("%s: expected %s, got \"%s\"", r->c->nick, want, line);
	if (who == 'a')
		r->next_a++;
	else
		r->next_b++;
}

static bool
reader_done(const struct reader *r)
{
	return (!r->want_a || r->next_a == STREAM) && (!r->want_b || r->next_b == STREAM);
}

/*
 * ua and ub each send STREAM numbered messages, upgraded's server gets
 * SIGUSR2 half way; every reader gets every message of the other side
 * (and the watchers both streams), in order, once.
 */
static void
stream_across(struct net *n, int nth, struct node *upgraded, int times)
{
	struct reader r[4] = {
		{ n->ua, false, true, 0, 0 }, { n->ub, true, false, 0, 0 },
		{ n->wa, true, true, 0, 0 }, { n->wb, true, true, 0, 0 },
	};

	for (int i = 0; i < STREAM; i++) {
		if (i == STREAM / 2)
			itest_server_signal(upgraded->s, SIGUSR2);
		itest_send(n->ua, "PRIVMSG #room :a%d.%d", nth, i);
		itest_send(n->ub, "PRIVMSG #room :b%d.%d", nth, i);
		if (i % 50 == 0)
			itest_sleep_ms(5);
	}
	for (int k = 0; k < 4; k++)
		for (int guard = 0; !reader_done(&r[k]) && guard < 4 * STREAM; guard++)
			read_one(&r[k], nth);
	for (int k = 0; k < 4; k++)
		if (!reader_done(&r[k]))
			fail_msg("%s: a%d at %d, b%d at %d", r[k].c->nick, nth, r[k].next_a,
			    nth, r[k].next_b);
	itest_wait_log(upgraded->s, "replaced by", times);
}

static void
check_same(struct net *n, char *before[NQUERIES])
{
	char *after[NQUERIES];

	snapshot(n, after);
	for (int i = 0; i < NQUERIES; i++) {
		assert_string_equal(before[i], after[i]);
		free(after[i]);
	}
}

/* The link came up once on each side, and was never lost. */
static void
check_one_link(struct net *n)
{
	struct itest_server *s[2] = { n->a.s, n->b.s };
	const char *nicks[4] = { "closing ua", "closing wa", "closing ub", "closing wb" };
	int dropped;

	for (int i = 0; i < 2; i++) {
		dropped = itest_log_count(s[i], "): closing: ");        /* a link */
		for (int k = 0; k < 4; k++)
			dropped += itest_log_count(s[i], nicks[k]);
		if (itest_log_count(s[i], "established") != 1 || itest_log_count(s[i], " lost") != 0 ||
		    dropped != 0) {
			itest_server_dump_log(s[i]);
			fail_msg("%s: the link went down, or a client was dropped",
			    i == 0 ? n->a.name : n->b.name);
		}
	}
}

static void
test_upgrade_keeps_links(void **state)
{
	struct net n;
	char *before[NQUERIES];
	pid_t pa, pb;

	(void)state;
	net_start(&n);
	pa = n.a.s->pid;
	pb = n.b.s->pid;
	snapshot(&n, before);
	assert_non_null(strstr(before[1], " 312 wa ub irc.b.test :"));
	stream_across(&n, 1, &n.a, 1);
	check_same(&n, before);
	check_one_link(&n);
	/* Then B, whose side of the link is the one that connected out. */
	stream_across(&n, 2, &n.b, 1);
	check_same(&n, before);
	check_one_link(&n);
	assert_int_equal(n.a.s->pid, pa);
	assert_int_equal(n.b.s->pid, pb);
	for (int i = 0; i < NQUERIES; i++)
		free(before[i]);
	itest_close(n.ua);
	itest_close(n.wa);
	itest_close(n.ub);
	itest_close(n.wb);
	itest_server_stop_ok(n.b.s);
	itest_server_stop_ok(n.a.s);
}

/*
 * fake.test has connected to A and sent PASS and CAPAB; A has connected
 * out to far.test, which has read A's PASS, CAPAB and SERVER. SIGUSR2:
 * both handshakes go on with the new image, and both links come up.
 */
static void
test_upgrade_keeps_handshakes(void **state)
{
	struct node a;
	struct itest_client *in, *out, *u;
	char blk[512], blk2[512], conf[1200];
	int fport = itest_free_port(), lfd = link_listen(fport, 4);

	(void)state;
	link_block(blk, sizeof(blk), "fake.test", "127.0.0.1", 0, false);
	link_block(blk2, sizeof(blk2), "far.test", "127.0.0.1", fport, true);
	snprintf(conf, sizeof(conf), "%s%s", blk, blk2);
	node_start(&a, "irc.a.test", "1AA", itest_free_port(), conf);
	out = link_accept(a.s, lfd, LINK_WAIT_MS);
	itest_expect_next(out, "PASS " LINK_PW " TS 6 :1AA");
	itest_expect_next(out, "CAPAB :*");
	itest_expect_next(out, "SERVER irc.a.test 1 1AA + :*");
	in = server_port(&a);
	itest_send(in, "PASS " LINK_PW " TS 6 :9ZZ");
	itest_send(in, "CAPAB :QS ENCAP EX IE");
	itest_send(out, "PASS " LINK_PW " TS 6 :8YY");
	itest_send(out, "CAPAB :QS ENCAP EX IE");
	itest_sleep_ms(100);
	itest_server_signal(a.s, SIGUSR2);
	itest_wait_log(a.s, "replaced by", 1);
	fake_finish_handshake(in, "fake.test", "9ZZ", false);
	fake_finish_handshake(out, "far.test", "8YY", true);
	itest_wait_log(a.s, "link fake.test (9ZZ, 127.0.0.1) established", 1);
	itest_wait_log(a.s, "link far.test (8YY, 127.0.0.1) established", 1);
	assert_int_equal(itest_log_count(a.s, "): closing: "), 0);
	u = node_user(&a, "u");
	wait_links(u, 3);
	itest_close(u);
	itest_close(in);
	itest_close(out);
	close(lfd);
	itest_server_stop_ok(a.s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upgrade_keeps_links),
		cmocka_unit_test(test_upgrade_keeps_handshakes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
