/*
 * Integration tests of queries and notices across server links: WHOIS
 * <server|nick> <nick> is answered by the server named, its numerics
 * routed back to the asker by UID over one or two links (A - B - C), with
 * the idle time from the user's own server; a fake server's WHOIS of a
 * user here is answered, and numerics it sends for targets that are not
 * users beyond it are dropped. The address of a user (here, or of a
 * fake server behind A) reaches C and a server C bursts to, and an
 * operator on C sees it (338, WHOX %i). WALLOPS reaches the +w users of every
 * server once; a server's WALLOPS and an OPERWALL are shown too.
 */
#include "itest_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Send WHOIS args from c; fail if any line up to its 318 matches bad. */
static void
whois_without(struct itest_client *c, const char *args, const char *bad)
{
	char l[ITEST_LINE_MAX + 1];

	itest_send(c, "WHOIS %s", args);
	do {
		if (itest_poll_line(c, ITEST_TIMEOUT_MS, l, sizeof(l)) != 1)
			itest_fail_at(ITEST_HERE, "%s: no end of WHOIS %s", c->nick, args);
		if (itest_match(bad, l))
			itest_fail_at(ITEST_HERE, "%s: WHOIS %s: %s", c->nick, args, l);
	} while (!itest_match("* 318 *", l));
}

static void
test_remote_whois_chain(void **state)
{
	struct node a, b, c;
	struct itest_client *op, *ua, *uc;

	(void)state;
	chain_with_users(&a, &b, &c, &op, &ua, &uc);
	/* Answered here: no idle time, which only C knows. */
	whois_without(ua, "uc", "* 317 *");
	/* Answered by C, two links away, idle time included. */
	itest_send(ua, "WHOIS uc uc");
	itest_expect_next(ua, ":irc.c.test 311 ua uc uc 127.0.0.1 * :uc");
	itest_skip_to(ua, ":irc.c.test 312 ua uc irc.c.test :*");
	itest_skip_to(ua, ":irc.c.test 317 ua uc * * :seconds idle, signon time");
	itest_expect_next(ua, ":irc.c.test 318 ua uc :End of /WHOIS list");
	/* By server name: B answers, without an idle time. */
	itest_send(ua, "WHOIS irc.b.test uc");
	itest_expect_next(ua, ":irc.b.test 311 ua uc uc 127.0.0.1 * :uc");
	itest_skip_to(ua, ":irc.b.test 312 ua uc irc.c.test :*");
	itest_expect_next(ua, ":irc.b.test 318 ua uc :End of /WHOIS list");
	/* The other way, and a nick the far server does not know. */
	itest_send(uc, "WHOIS ua ua,nobody");
	itest_expect_next(uc, ":irc.a.test 311 uc ua ua 127.0.0.1 * :ua");
	itest_skip_to(uc, ":irc.a.test 317 uc ua * * :*");
	itest_expect_next(uc, ":irc.a.test 401 uc nobody :No such nick/channel");
	itest_expect_next(uc, ":irc.a.test 318 uc ua,nobody :End of /WHOIS list");
	itest_send(ua, "WHOIS irc.nowhere.test uc");
	itest_expect_next(ua, ":irc.a.test 402 ua irc.nowhere.test :No such server");
	itest_server_stop_ok(c.s);
	itest_server_stop_ok(b.s);
	itest_server_stop_ok(a.s);
}

static void
test_remote_whois_fake(void **state)
{
	struct node a;
	struct itest_client *f, *alice, *w;

	(void)state;
	alice = node_alone(&a, "alice", &w);
	f = fake_linked(&a);
	fake_user(f, "bob", "9ZZAAAAAB");
	wait_whois(w, "bob", "fake.test");
	itest_send(alice, "WHOIS bob bob");
	itest_expect(f, ":1AAAAAAAA WHOIS 9ZZAAAAAB :bob");
	/* Targets that are unknown, not UIDs, back the way, or missing: dropped. */
	itest_send(f, ":9ZZ 311 1AAZZZZZZ bob bob h * :forged");
	itest_send(f, ":9ZZ 311 9ZZAAAAAB bob bob h * :forged");
	itest_send(f, ":9ZZ 311 alice bob bob h * :forged");
	itest_send(f, ":9ZZ 311 1AAAAAAAA");
	itest_send(f, ":9ZZ 311");
	itest_send(f, ":9ZZ 311 1AAAAAAAA bob bob h.example * :Bob B");
	itest_send(f, ":9ZZ 318 1AAAAAAAA bob :End of /WHOIS list");
	itest_expect_next(alice, ":fake.test 311 alice bob bob h.example * :Bob B");
	itest_expect_next(alice, ":fake.test 318 alice bob :End of /WHOIS list");
	/* Its user asks about alice: answered here, by UID, idle time included. */
	itest_send(f, ":9ZZAAAAAB WHOIS 1AAAAAAAA :alice");
	itest_expect(f, ":1AA 311 9ZZAAAAAB alice alice 127.0.0.1 * :alice");
	itest_skip_to(f, ":1AA 317 9ZZAAAAAB alice * * :seconds idle, signon time");
	itest_expect_next(f, ":1AA 318 9ZZAAAAAB alice :End of /WHOIS list");
	/* A WHOIS hunting back where it came from, or nowhere, is dropped. */
	itest_send(f, ":9ZZAAAAAB WHOIS 9ZZAAAAAB :bob");
	itest_send(f, ":9ZZAAAAAB WHOIS nowhere.test :bob");
	itest_send(f, "PING :fake.test");
	itest_expect_next(f, ":1AA PONG irc.a.test :fake.test");
	expect_quiet(alice, NULL);
	itest_server_stop_ok(a.s);
}

/*
 * Read g's burst up to its PING: it must introduce ua (of irc.a.test)
 * and bob (of fake.test) with their addresses, not "0".
 */
static void
burst_has_addresses(struct itest_client *g)
{
	char l[ITEST_LINE_MAX + 1];
	bool ua = false, bob = false;

	do {
		if (itest_poll_line(g, ITEST_TIMEOUT_MS, l, sizeof(l)) != 1)
			itest_fail_at(ITEST_HERE, "no PING in the burst");
		ua |= itest_match(":1AA EUID ua 3 * +* ua 127.0.0.1 127.0.0.1 1AA?????? "
		    "127.0.0.1 * :ua", l);
		bob |= itest_match(":9ZZ EUID bob 4 1000 +i bob h.example 192.0.2.1 "
		    "9ZZAAAAAB h.example * :bob", l);
	} while (!itest_match("PING :3CC", l));
	if (!ua || !bob)
		itest_fail_at(ITEST_HERE, "burst without the address of%s%s",
		    ua ? "" : " ua", bob ? "" : " bob");
}

static void
test_address_chain(void **state)
{
	struct node a, b, c;
	struct itest_client *f, *g, *op, *ua;
	char blk[512], blk2[512], both[1024];
	int bport = itest_free_port();

	(void)state;
	/* A - B - C, and fake.test on A; C takes fake2.test too. */
	link_block(blk, sizeof(blk), "irc.b.test", "127.0.0.1", 0, false);
	link_block(blk2, sizeof(blk2), "fake.test", "127.0.0.1", 0, false);
	snprintf(both, sizeof(both), "%s%s", blk, blk2);
	node_start(&a, "irc.a.test", "1AA", itest_free_port(), both);
	link_block(blk, sizeof(blk), "irc.a.test", "127.0.0.1", a.lport, true);
	link_block(blk2, sizeof(blk2), "irc.c.test", "127.0.0.1", 0, false);
	snprintf(both, sizeof(both), "%s%s", blk, blk2);
	node_start(&b, "irc.b.test", "2BB", bport, both);
	link_block(blk, sizeof(blk), "irc.b.test", "127.0.0.1", bport, true);
	link_block(blk2, sizeof(blk2), "fake2.test", "127.0.0.1", 0, false);
	snprintf(both, sizeof(both), "%s%s", blk, blk2);
	node_start(&c, "irc.c.test", "3CC", itest_free_port(), both);
	op = node_oper(&c, "op");
	wait_links(op, 3);
	ua = node_user(&a, "ua");
	f = fake_linked(&a);
	/* bob: host h.example, address 192.0.2.1, two links from C. */
	fake_user(f, "bob", "9ZZAAAAAB");
	wait_whois(op, "ua", "irc.a.test");
	wait_whois(op, "bob", "fake.test");
	itest_send(op, "WHOIS bob");
	itest_skip_to(op, ":irc.c.test 338 op bob 192.0.2.1 :actually using host");
	itest_skip_to(op, ":irc.c.test 318 op bob :*");
	itest_send(op, "WHO bob %%ni");
	itest_expect_next(op, ":irc.c.test 354 op 192.0.2.1 bob");
	itest_expect_next(op, ":* 315 *");
	itest_send(op, "WHO ua %%ni");
	itest_expect_next(op, ":irc.c.test 354 op 127.0.0.1 ua");
	itest_expect_next(op, ":* 315 *");
	/* ua (host 127.0.0.1) sees the address that is bob's host to no one. */
	itest_send(ua, "WHO bob %%ni");
	itest_expect_next(ua, ":irc.a.test 354 ua 255.255.255.255 bob");
	itest_expect_next(ua, ":* 315 *");
	/* A server that links to C gets both addresses in its burst. */
	g = fake_server(&c, LINK_PW, "8YY", "QS ENCAP EX IE EUID", "fake2.test");
	burst_has_addresses(g);
	itest_server_stop_ok(c.s);
	itest_server_stop_ok(b.s);
	itest_server_stop_ok(a.s);
}

/* Set user mode +w on c (a user of server). */
static void
wallops_on(struct itest_client *c)
{
	itest_send(c, "MODE %s +w", c->nick);
	itest_expect_next(c, ":%s!* MODE %s :+w", c->nick, c->nick);
}

static void
test_wallops_chain(void **state)
{
	struct node a, b, c;
	struct itest_client *op, *ua, *uc, *ub;

	(void)state;
	chain_with_users(&a, &b, &c, &op, &ua, &uc);
	ub = node_user(&b, "ub");
	wallops_on(uc);
	wallops_on(ub);
	wallops_on(op);
	itest_send(op, "WALLOPS :hello opers");
	itest_expect_next(op, ":op!op@127.0.0.1 WALLOPS :hello opers");
	itest_expect_next(ub, ":op!op@127.0.0.1 WALLOPS :hello opers");
	itest_expect_next(uc, ":op!op@127.0.0.1 WALLOPS :hello opers");
	/* Once each, and not to users without +w. */
	expect_quiet(uc, NULL);
	expect_quiet(ub, NULL);
	expect_quiet(ua, NULL);
	itest_server_stop_ok(c.s);
	itest_server_stop_ok(b.s);
	itest_server_stop_ok(a.s);
}

/* A fake server's WALLOPS, its oper's OPERWALL (to operators only). */
static void
test_wallops_fake(void **state)
{
	struct node a;
	struct itest_client *op, *ua, *f;

	(void)state;
	ua = node_alone(&a, "ua", &op);
	itest_close(op);
	op = node_oper(&a, "op");
	wallops_on(op);
	wallops_on(ua);
	f = fake_linked(&a);
	fake_user(f, "bob", "9ZZAAAAAB");
	itest_send(f, ":9ZZ WALLOPS :from the server");
	itest_expect_next(op, ":fake.test WALLOPS :from the server");
	itest_expect_next(ua, ":fake.test WALLOPS :from the server");
	itest_send(f, ":9ZZAAAAAB OPERWALL :opers only");
	itest_expect_next(op, ":bob!bob@h.example WALLOPS :opers only");
	expect_quiet(ua, NULL);
	itest_send(op, "WALLOPS :to the fake");
	itest_expect(f, ":1AA?????? WALLOPS :to the fake");
	itest_server_stop_ok(a.s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_remote_whois_chain),
		itest_unit_test(test_remote_whois_fake),
		itest_unit_test(test_address_chain),
		itest_unit_test(test_wallops_chain),
		itest_unit_test(test_wallops_fake),
	};

	return itest_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
