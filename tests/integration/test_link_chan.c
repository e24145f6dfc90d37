/*
 * Integration tests of channel state across server links (TS6): mode
 * changes both ways as TMODE along a chain A - B - C and their effects
 * on the far server (+m, +k, +l, +b, +v), lists and topics in a burst
 * (BMASK, TB) by the peer's capabilities, the channel TS rules when a
 * split heals with the same channel made on both sides, and an INVITE
 * that lets a user of another server into a +i channel, and STATUSMSG
 * ("+#chan", "@#chan") reaching only the members with that status.
 */
#include "itest_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* c joins chan and waits for its end of NAMES. */
static void
join(struct itest_client *c, const char *server, const char *chan)
{
	itest_send(c, "JOIN %s", chan);
	itest_skip_to(c, ":%s 366 %s %s *", server, c->nick, chan);
}

/* c's server knows of chan with its member nick (NAMES, after the links). */
static void
wait_member(struct itest_client *c, const char *server, const char *chan,
    const char *member)
{
	char cmd[64], want[128], done[128];

	snprintf(cmd, sizeof(cmd), "NAMES %s", chan);
	snprintf(want, sizeof(want), ":%s 353 %s * %s :*%s*", server, c->nick, chan, member);
	snprintf(done, sizeof(done), ":%s 366 %s %s *", server, c->nick, chan);
	wait_reply(c, cmd, want, done);
}

static void
chain_stop(struct node *a, struct node *b, struct node *c)
{
	itest_server_stop_ok(c->s);
	itest_server_stop_ok(b->s);
	itest_server_stop_ok(a->s);
}

/*
 * An op on A sets +m, +k, +l, +b and +v: a user on C sees each as MODE
 * and C enforces it; an op on C sets modes that A's users see.
 */
static void
test_modes_across_chain(void **state)
{
	struct node a, b, c;
	struct itest_client *op, *ua, *uc, *ud;

	(void)state;
	chain_with_users(&a, &b, &c, &op, &ua, &uc);
	ud = node_user(&c, "ud");
	join(ua, "irc.a.test", "#m");
	wait_member(uc, "irc.c.test", "#m", "@ua");
	join(uc, "irc.c.test", "#m");
	itest_expect_next(ua, ":uc!uc@127.0.0.1 JOIN #m");
	itest_send(ua, "MODE #m +m");
	itest_expect_next(uc, ":ua!ua@127.0.0.1 MODE #m +m");
	itest_expect_next(ua, ":ua!ua@127.0.0.1 MODE #m +m");
	itest_send(uc, "PRIVMSG #m :muted");
	itest_expect_next(uc, ":irc.c.test 404 uc #m :*");
	itest_send(ua, "MODE #m +v uc");
	itest_expect_next(uc, ":ua!ua@127.0.0.1 MODE #m +v uc");
	itest_expect_next(ua, ":ua!ua@127.0.0.1 MODE #m +v uc");
	itest_send(uc, "PRIVMSG #m :voiced");
	itest_expect_next(ua, ":uc!uc@127.0.0.1 PRIVMSG #m :voiced");
	itest_send(ua, "MODE #m +kl s3cret 2");
	itest_expect_next(uc, ":ua!ua@127.0.0.1 MODE #m +kl s3cret 2");
	itest_expect_next(ua, ":ua!ua@127.0.0.1 MODE #m +kl s3cret 2");
	itest_send(ud, "JOIN #m");
	itest_expect_next(ud, ":irc.c.test 475 ud #m :*");
	itest_send(ud, "JOIN #m s3cret");
	itest_expect_next(ud, ":irc.c.test 471 ud #m :*");
	itest_send(ua, "MODE #m -l+b ud!*@*");
	itest_expect_next(uc, ":ua!ua@127.0.0.1 MODE #m -l+b ud!*@*");
	itest_expect_next(ua, ":ua!ua@127.0.0.1 MODE #m -l+b ud!*@*");
	itest_send(ud, "JOIN #m s3cret");
	itest_expect_next(ud, ":irc.c.test 474 ud #m :*");
	/* Back from C: an op there sets modes that A sees, by nick. */
	itest_send(ua, "MODE #m +o uc");
	itest_expect_next(uc, ":ua!ua@127.0.0.1 MODE #m +o uc");
	itest_expect_next(ua, ":ua!ua@127.0.0.1 MODE #m +o uc");
	itest_send(uc, "MODE #m -mb+i ud!*@*");
	itest_expect_next(uc, ":uc!uc@127.0.0.1 MODE #m -mb+i ud!*@*");
	itest_expect_next(ua, ":uc!uc@127.0.0.1 MODE #m -mb+i ud!*@*");
	itest_send(ua, "MODE #m");
	itest_expect_next(ua, ":irc.a.test 324 ua #m +intk s3cret");
	itest_expect_next(ua, ":irc.a.test 329 ua #m *");
	itest_send(uc, "MODE #m -o ua");
	itest_expect_next(uc, ":uc!uc@127.0.0.1 MODE #m -o ua");
	itest_expect_next(ua, ":uc!uc@127.0.0.1 MODE #m -o ua");
	itest_send(ua, "MODE #m -i");
	itest_expect_next(ua, ":irc.a.test 482 ua #m :*");
	chain_stop(&a, &b, &c);
}

/* The channel TS of chan, from c's MODE query (329). */
static long long
chan_ts(struct itest_client *c, const char *server, const char *chan)
{
	const char *l;
	long long ts = 0;
	char want[128];

	itest_send(c, "MODE %s", chan);
	snprintf(want, sizeof(want), ":%s 329 %s %s *", server, c->nick, chan);
	l = itest_skip_to(c, "%s", want);
	sscanf(strrchr(l, ' ') + 1, "%lld", &ts);
	assert_true(ts > 0);
	return ts;
}

/* The lines c gets that match want, up to the one that matches done. */
static int
count_until(struct itest_client *c, const char *want, const char *done)
{
	char line[ITEST_LINE_MAX + 1];
	int n = 0;

	for (;;) {
		if (itest_poll_line(c, ITEST_TIMEOUT_MS, line, sizeof(line)) != 1)
			itest_fail_at(ITEST_HERE, "%s: no %s", c->nick, done);
		if (itest_match(done, line))
			return n;
		n += itest_match(want, line);
	}
}

/* The lines of f's burst up to its PING, each matched against want[]. */
static unsigned
burst_seen(struct itest_client *f, const char *const *want, size_t nwant)
{
	char line[ITEST_LINE_MAX + 1];
	unsigned seen = 0;

	for (;;) {
		if (itest_poll_line(f, ITEST_TIMEOUT_MS, line, sizeof(line)) != 1)
			itest_fail_at(ITEST_HERE, "no PING after the burst");
		if (strcmp(line, "PING :1AA") == 0)
			return seen;
		for (size_t i = 0; i < nwant; i++)
			if (itest_match(want[i], line))
				seen |= 1u << i;
	}
}

/*
 * A channel's lists and topic follow its SJOIN in a burst: bans always,
 * excepts and invite exceptions to a peer with EX and IE, the topic as TB
 * to a peer with TB. Inbound BMASK and TB follow the TS rules; a TMODE
 * with letters we lack applies the ones we have.
 */
static void
test_burst_lists_and_topic(void **state)
{
	static const char *const want[] = {
		":1AA SJOIN * #b +nt :@1AA*", ":1AA BMASK * #b b :x!*@* w!*@*",
		":1AA BMASK * #b e :e!*@*", ":1AA BMASK * #b I :i!*@*",
		":1AA TB #b * ua!ua@127.0.0.1 :burst topic",
	};
	struct node a;
	struct itest_client *f, *ua;
	char blk[512];
	long long ts;

	(void)state;
	link_block(blk, sizeof(blk), "fake.test", "127.0.0.1", 0, false);
	node_start(&a, "irc.a.test", "1AA", itest_free_port(), blk);
	ua = node_user(&a, "ua");
	join(ua, "irc.a.test", "#b");
	itest_send(ua, "MODE #b +bbeI x!*@* w!*@* e!*@* i!*@*");
	itest_send(ua, "TOPIC #b :burst topic");
	itest_skip_to(ua, ":ua!ua@127.0.0.1 TOPIC #b :burst topic");
	ts = chan_ts(ua, "irc.a.test", "#b");
	f = fake_linked_capab(&a, "QS ENCAP");
	assert_int_equal(burst_seen(f, want, 5), 0x3);
	itest_close(f);
	wait_links(ua, 1);
	f = fake_linked_capab(&a, "QS ENCAP EX IE TB");
	assert_int_equal(burst_seen(f, want, 5), 0x1f);
	itest_send(f, "SVINFO 6 6 0 :%lld", (long long)time(NULL));
	itest_send(f, ":9ZZ PONG fake.test :1AA");
	/* A greater TS is ignored; ours or a lower one applies. */
	itest_send(f, ":9ZZ BMASK %lld #b b :late!*@*", ts + 1);
	itest_send(f, ":9ZZ BMASK %lld #b b :y!*@* z!*@*", ts);
	itest_expect_next(ua, ":fake.test MODE #b +bb y!*@* z!*@*");
	/* The older topic wins; an empty one or the same text changes nothing. */
	itest_send(f, ":9ZZ TB #b %lld s!s@s :newer", (long long)time(NULL) + 100);
	itest_send(f, ":9ZZ TB #b 1000 s!s@s :");
	itest_send(f, ":9ZZ TB #b 1000 s!s@s :older");
	itest_expect_next(ua, ":fake.test TOPIC #b :older");
	itest_send(f, ":9ZZ TB #b 999 :older");
	itest_send(f, ":9ZZ TMODE %lld #b +qmfj q!*@* #fwd 3:5", ts + 1);
	itest_send(f, ":9ZZ TMODE abc #b +s");
	itest_send(f, ":9ZZ TMODE %lld #b +qmfjXo q!*@* #fwd 3:5 nobody", ts);
	itest_expect_next(ua, ":fake.test MODE #b +m");
	itest_send(ua, "TOPIC #b");
	itest_expect_next(ua, ":irc.a.test 332 ua #b :older");
	itest_expect_next(ua, ":irc.a.test 333 ua #b s!s@s 1000");
	itest_send(ua, "MODE #b b");
	itest_expect_next(ua, ":irc.a.test 367 ua #b x!*@* *");
	itest_expect_next(ua, ":irc.a.test 367 ua #b w!*@* *");
	itest_expect_next(ua, ":irc.a.test 367 ua #b y!*@* fake.test *");
	itest_expect_next(ua, ":irc.a.test 367 ua #b z!*@* fake.test *");
	itest_expect_next(ua, ":irc.a.test 368 ua #b :*");
	/* A peer's lists are bounded too: maxlist (100) for b, e and I. */
	for (int i = 0; i < 3; i++) {
		char masks[ITEST_LINE_MAX], *p = masks;

		for (int j = 0; j < 50; j++)
			p += sprintf(p, "%sm%d!*@*", j ? " " : "", i * 50 + j);
		itest_send(f, ":9ZZ BMASK %lld #b b :%s", ts, masks);
	}
	/* Modes and arguments in one trailing parameter, as some send them. */
	itest_send(f, ":9ZZ TMODE %lld #b :-m+l 7", ts);
	itest_skip_to(ua, ":fake.test MODE #b -m+l 7");
	itest_send(ua, "MODE #b b");
	assert_int_equal(count_until(ua, ":irc.a.test 367 ua #b *",
	    ":irc.a.test 368 ua #b :*"), 100 - 2);
	itest_server_stop_ok(a.s);
}

/* An INVITE from A lets a user on C into a +i channel. */
static void
test_invite_across_chain(void **state)
{
	struct node a, b, c;
	struct itest_client *op, *ua, *uc;

	(void)state;
	chain_with_users(&a, &b, &c, &op, &ua, &uc);
	join(ua, "irc.a.test", "#i");
	itest_send(ua, "MODE #i +i");
	itest_expect_next(ua, ":ua!ua@127.0.0.1 MODE #i +i");
	wait_member(uc, "irc.c.test", "#i", "@ua");
	wait_reply(uc, "MODE #i", ":irc.c.test 324 uc #i +int", ":irc.c.test 329 uc #i *");
	itest_send(uc, "JOIN #i");
	itest_expect_next(uc, ":irc.c.test 473 uc #i :*");
	itest_send(ua, "INVITE uc #i");
	itest_expect_next(ua, ":irc.a.test 341 ua uc #i");
	itest_expect_next(uc, ":ua!ua@127.0.0.1 INVITE uc :#i");
	itest_send(uc, "JOIN #i");
	itest_expect_next(uc, ":uc!uc@127.0.0.1 JOIN #i");
	itest_expect_next(ua, ":uc!uc@127.0.0.1 JOIN #i");
	chain_stop(&a, &b, &c);
}

/*
 * A STATUSMSG from A ("+#s") reaches only the voiced user of C, not the
 * other member there, and is kept out of the history.
 */
static void
test_statusmsg_across_chain(void **state)
{
	struct node a, b, c;
	struct itest_client *op, *ua, *uc, *ud;

	(void)state;
	chain_with_users(&a, &b, &c, &op, &ua, &uc);
	ud = node_user(&c, "ud");
	join(ua, "irc.a.test", "#s");
	wait_member(uc, "irc.c.test", "#s", "@ua");
	join(uc, "irc.c.test", "#s");
	itest_expect_next(ua, ":uc!uc@127.0.0.1 JOIN #s");
	join(ud, "irc.c.test", "#s");
	itest_expect_next(ua, ":ud!ud@127.0.0.1 JOIN #s");
	itest_expect_next(uc, ":ud!ud@127.0.0.1 JOIN #s");
	itest_send(ua, "MODE #s +v uc");
	itest_expect_next(ua, ":ua!ua@127.0.0.1 MODE #s +v uc");
	itest_expect_next(uc, ":ua!ua@127.0.0.1 MODE #s +v uc");
	itest_expect_next(ud, ":ua!ua@127.0.0.1 MODE #s +v uc");
	itest_send(ua, "PRIVMSG +#s :voiced only");
	itest_send(ua, "NOTICE @#s :ops only");
	itest_send(ua, "PRIVMSG #s :everyone");
	itest_expect_next(uc, ":ua!ua@127.0.0.1 PRIVMSG +#s :voiced only");
	itest_expect_next(uc, ":ua!ua@127.0.0.1 PRIVMSG #s :everyone");
	itest_expect_next(ud, ":ua!ua@127.0.0.1 PRIVMSG #s :everyone");
	/* Back from C: ops on A get "@#s"; C's plain member does not. */
	itest_send(uc, "PRIVMSG @#s :to the ops");
	itest_send(uc, "PRIVMSG #s :to all");
	itest_expect_next(ua, ":uc!uc@127.0.0.1 PRIVMSG @#s :to the ops");
	itest_expect_next(ua, ":uc!uc@127.0.0.1 PRIVMSG #s :to all");
	itest_expect_next(ud, ":uc!uc@127.0.0.1 PRIVMSG #s :to all");
	chain_stop(&a, &b, &c);
}

/*
 * A split heals with #t made on both sides: A's is older, so on C the
 * channel takes A's TS and modes, and C's own modes, statuses and bans
 * go (its users see it); on A, C's user joins without status.
 */
static void
test_ts_merge_after_split(void **state)
{
	struct node a, b, c;
	struct itest_client *op, *ua, *uc;

	(void)state;
	chain_with_users(&a, &b, &c, &op, &ua, &uc);
	itest_server_stop_ok(b.s);
	join(ua, "irc.a.test", "#t");
	itest_send(ua, "MODE #t +i");
	itest_expect_next(ua, ":ua!ua@127.0.0.1 MODE #t +i");
	itest_sleep_ms(1100);
	join(uc, "irc.c.test", "#t");
	itest_send(uc, "MODE #t +skb ckey bad!*@*");
	itest_expect_next(uc, ":uc!uc@127.0.0.1 MODE #t +skb ckey bad!*@*");
	node_restart(&b);
	uc->timeout_ms = ua->timeout_ms = LINK_WAIT_MS;
	itest_expect_next(uc, ":irc.c.test NOTICE #t :*** Notice -- TS for #t changed from *");
	itest_expect_next(uc, "* MODE #t -nstkob * uc bad!*@*");
	itest_expect_next(uc, "* MODE #t +int");
	itest_expect_next(uc, ":ua!ua@127.0.0.1 JOIN #t");
	itest_expect_next(uc, ":irc.a.test MODE #t +o ua");
	itest_skip_to(ua, ":uc!uc@127.0.0.1 JOIN #t");
	uc->timeout_ms = ua->timeout_ms = ITEST_TIMEOUT_MS;
	itest_send(ua, "NAMES #t");
	itest_expect_next(ua, ":irc.a.test 353 ua = #t :@ua uc");
	itest_send(uc, "MODE #t");
	itest_expect_next(uc, ":irc.c.test 324 uc #t +int");
	itest_expect_next(uc, ":irc.c.test 329 uc #t *");
	itest_send(uc, "MODE #t b");
	itest_expect_next(uc, ":irc.c.test 368 uc #t :*");
	chain_stop(&a, &b, &c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_modes_across_chain),
		itest_unit_test(test_burst_lists_and_topic),
		itest_unit_test(test_invite_across_chain),
		itest_unit_test(test_statusmsg_across_chain),
		itest_unit_test(test_ts_merge_after_split),
	};

	return itest_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
