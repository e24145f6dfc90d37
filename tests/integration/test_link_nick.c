/*
 * Integration tests of nick collisions between servers (TS6 rules):
 * two ircserv servers that took the same nick while apart settle it when
 * they link, by SAVE (the loser goes by its UID); a fake server races
 * nick changes against the users here, with SAVE and without it (KILL),
 * and saves a user here by SAVE.
 */
#include "itest_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * A and B each have a "dup" (different users) and a "twin" (the same
 * user@host), B's a second later; then B connects to A.
 */
static void
test_burst_collisions_save(void **state)
{
	struct node a, b;
	struct itest_client *older, *newer, *twin_a, *twin_b, *op;
	char blk[512];

	(void)state;
	link_block(blk, sizeof(blk), "irc.b.test", "127.0.0.1", 0, false);
	node_start(&a, "irc.a.test", "1AA", itest_free_port(), blk);
	link_block(blk, sizeof(blk), "irc.a.test", "127.0.0.1", a.lport, false);
	node_start(&b, "irc.b.test", "2BB", itest_free_port(), blk);
	older = node_user_as(&a, "dup", "older");
	twin_a = node_user_as(&a, "twin", "twin");
	/* Nick timestamps are in seconds: B's are later. */
	itest_sleep_ms(1100);
	newer = node_user_as(&b, "dup", "newer");
	twin_b = node_user_as(&b, "twin", "twin");
	op = node_oper(&b, "op");
	itest_send(op, "CONNECT irc.a.test");
	itest_expect_next(op, ":irc.b.test NOTICE op :*** Connecting to irc.a.test");
	newer->timeout_ms = twin_a->timeout_ms = LINK_WAIT_MS;
	/* Different people: the older keeps the nick, the newer is saved. */
	itest_expect_next(newer, ":dup!newer@127.0.0.1 NICK :2BB??????");
	/* The same user@host (a reconnect): the newer keeps it. */
	itest_expect_next(twin_a, ":twin!twin@127.0.0.1 NICK :1AA??????");
	/* Both servers agree, and the winners heard nothing. */
	wait_whois(op, "dup", "irc.a.test");
	wait_whois(op, "twin", "irc.b.test");
	wait_whois(older, "twin", "irc.b.test");
	wait_whois(older, "dup", "irc.a.test");
	expect_quiet(older, NULL);
	expect_quiet(twin_b, NULL);
	itest_server_stop_ok(b.s);
	itest_server_stop_ok(a.s);
}

/*
 * A fake server with SAVE renames its users to nicks taken here: the
 * later nick is saved, on either side; its SAVE of a user here applies
 * when the timestamp is the user's.
 */
static void
test_nick_change_save(void **state)
{
	struct node a;
	struct itest_client *f, *alice, *w;
	long long later = (long long)time(NULL) + 100;

	(void)state;
	alice = node_alone(&a, "alice", &w);
	itest_send(w, "JOIN #n");
	itest_skip_to(w, ":irc.a.test 366 w #n *");
	f = fake_linked_with(&a, "QS ENCAP EX IE SAVE");
	fake_user(f, "bob", "9ZZAAAAAB");
	fake_user(f, "carol", "9ZZAAAAAC");
	itest_send(f, ":9ZZ SJOIN %lld #n + :9ZZAAAAAC", later);
	itest_skip_to(w, ":carol!carol@h.example JOIN #n");
	/* bob takes alice's nick later than she did: bob is saved. */
	itest_send(f, ":9ZZAAAAAB NICK alice :%lld", later);
	itest_expect(f, ":1AA SAVE 9ZZAAAAAB %lld", later);
	wait_whois(w, "9ZZAAAAAB", "fake.test");
	/* carol takes it with an earlier timestamp: alice is saved, everywhere. */
	itest_send(f, ":9ZZAAAAAC NICK alice :1000");
	itest_expect_next(alice, ":alice!alice@127.0.0.1 NICK :1AAAAAAAA");
	itest_expect(f, ":1AA SAVE 1AAAAAAAA *");
	itest_expect_next(w, ":carol!carol@h.example NICK :alice");
	wait_whois(w, "alice", "fake.test");
	/* SAVE from the link: a stale timestamp does nothing, the right one renames. */
	itest_send(f, ":9ZZ SAVE 9ZZAAAAAC 999");
	itest_send(f, ":9ZZ SAVE 1AAAAAAAA 100");
	itest_send(f, ":9ZZ SAVE 9ZZAAAAAC 1000");
	itest_expect_next(w, ":alice!carol@h.example NICK :9ZZAAAAAC");
	expect_quiet(alice, NULL);
	itest_server_stop_ok(a.s);
}

/* The same races with a fake server without SAVE: the losers are killed. */
static void
test_nick_change_kill(void **state)
{
	struct node a;
	struct itest_client *f, *erin, *w;
	long long later = (long long)time(NULL) + 100;

	(void)state;
	erin = node_alone(&a, "erin", &w);
	f = fake_linked(&a);
	fake_user(f, "dave", "9ZZAAAAAD");
	fake_user(f, "fred", "9ZZAAAAAE");
	itest_send(f, ":9ZZAAAAAD NICK erin :%lld", later);
	itest_expect(f, ":1AA KILL 9ZZAAAAAD :irc.a.test (Nick collision)");
	itest_send(w, "WHOIS dave");
	itest_skip_to(w, ":irc.a.test 401 w dave :*");
	itest_send(f, ":9ZZAAAAAE NICK erin :1000");
	itest_skip_to(erin, "ERROR :Closing Link: * (Nick collision)");
	itest_expect(f, ":1AAAAAAAA QUIT :Nick collision");
	wait_whois(w, "erin", "fake.test");
	/* A server without SAVE renames a user to its UID with NICK. */
	itest_send(f, ":9ZZAAAAAE NICK 9ZZAAAAAE :100");
	wait_whois(w, "9ZZAAAAAE", "fake.test");
	itest_server_stop_ok(a.s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_burst_collisions_save),
		itest_unit_test(test_nick_change_save),
		itest_unit_test(test_nick_change_kill),
	};

	return itest_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
