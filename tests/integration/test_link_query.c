/*
 * Integration tests of queries and notices across server links: WHOIS
 * <server|nick> <nick> is answered by the server named, its numerics
 * routed back to the asker by UID over one or two links (A - B - C), with
 * the idle time from the user's own server; a fake server's WHOIS of a
 * user here is answered, and numerics it sends for targets that are not
 * users beyond it are dropped. WALLOPS reaches the +w users of every
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
		itest_unit_test(test_wallops_chain),
		itest_unit_test(test_wallops_fake),
	};

	return itest_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
