/*
 * The address of a user of another server (link_remote.c, link_user.c):
 * irc.local (1AA) linked to b.test (2BB, EUID) and c.test (3CC, hybrid's
 * UID). The address a UID or EUID gives is kept ("0" keeps nothing),
 * passed on unchanged in both forms and in a later burst, shown to
 * operators in WHOIS (338) and WHOX %i, and forgotten when the user
 * leaves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client.h"
#include "config.h"
#include "fake.h"
#include "hmap.h"
#include "limit.h"
#include "link.h"
#include "network.h"
#include "server.h"

static void
with_links(struct config *cfg)
{
	char err[256];
	static const char text[] =
	    "sid = 1AA\n"
	    "link b.test {\n\thost = 192.0.2.2\n\tpassword = pw\n}\n"
	    "link c.test {\n\thost = 192.0.2.3\n\tpassword = pw\n}\n";

	if (config_parse_string(cfg, text, "test", err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

/* An incoming link from ip that registers as name (sid), with capab. */
static struct client *
peer(struct server *srv, const char *ip, const char *name, const char *sid,
    const char *capab)
{
	struct client *p = fake_client(srv, ip);

	assert_int_equal(link_attach(srv, p, NULL), 0);
	fake_linef(srv, p, "PASS pw TS 6 :%s", sid);
	fake_linef(srv, p, "CAPAB :%s", capab);
	fake_linef(srv, p, "SERVER %s 1 :%s", name, name);
	fake_linef(srv, p, "SVINFO 6 6 0 :%lld", (long long)srv->now);
	assert_true(link_is_up(p));
	return p;
}

static void
test_address_relayed(void **state)
{
	struct server *srv = fake_server_adjusted(with_links);
	struct client *b = peer(srv, "192.0.2.2", "b.test", "2BB", "QS ENCAP EX IE EUID");
	struct client *c, *bob;
	long long ts = (long long)srv->now;
	char line[256];

	(void)state;
	fake_drop_all(srv);
	fake_linef(srv, b, ":2BB EUID bob 1 %lld +i b bhost 192.0.2.20 2BBAAAAAA "
	    "bhost * :Bob", ts);
	fake_linef(srv, b, ":2BB UID dan 1 %lld + d dhost 0 2BBAAAAAD :Dan", ts);
	fake_linef(srv, b, ":2BB EUID v6 1 %lld + v vhost 0::1 2BBAAAAAE * * :V6", ts);
	bob = client_find_nick(srv, "bob");
	assert_non_null(bob);
	assert_string_equal(link_remote_ip(srv, bob), "192.0.2.20");
	assert_string_equal(link_remote_ip(srv, client_find_nick(srv, "dan")), "0");
	/* Only known addresses take memory. */
	assert_int_equal(hmap_count(srv->net->addrs), 2);

	/* c.test's burst (hybrid's UID form) carries them as they came. */
	c = peer(srv, "192.0.2.3", "c.test", "3CC", "QS ENCAP EX IE");
	snprintf(line, sizeof(line), ":2BB UID bob 2 %lld +i b bhost bhost 192.0.2.20 "
	    "2BBAAAAAA * :Bob\r\n", ts);
	assert_true(fake_output_has(c, line));
	snprintf(line, sizeof(line), ":2BB UID dan 2 %lld + d dhost dhost 0 "
	    "2BBAAAAAD * :Dan\r\n", ts);
	assert_true(fake_output_has(c, line));
	snprintf(line, sizeof(line), ":2BB UID v6 2 %lld + v vhost vhost 0::1 "
	    "2BBAAAAAE * :V6\r\n", ts);
	assert_true(fake_output_has(c, line));
	fake_drop_all(srv);

	/* A new user of c.test goes on to b.test as EUID with its address. */
	fake_linef(srv, c, ":3CC UID carl 1 %lld + c chost chost 198.51.100.7 "
	    "3CCAAAAAC * :Carl", ts);
	snprintf(line, sizeof(line), ":3CC EUID carl 2 %lld + c chost 198.51.100.7 "
	    "3CCAAAAAC chost * :Carl\r\n", ts);
	fake_expect(b, line);

	/* Leaving forgets the address; a split too. */
	fake_line(srv, b, ":2BBAAAAAA QUIT :bye");
	assert_int_equal(hmap_count(srv->net->addrs), 2);
	fake_line(srv, c, ":3CC SQUIT 3CC :gone");
	fake_reap(srv);
	assert_int_equal(hmap_count(srv->net->addrs), 1);
	fake_free(srv);
}

static void
test_address_shown_to_operators(void **state)
{
	struct server *srv = fake_server_adjusted(with_links);
	struct client *b = peer(srv, "192.0.2.2", "b.test", "2BB", "QS ENCAP EX IE EUID");
	struct client *oper = fake_registered(srv, "oper");
	struct client *user = fake_registered(srv, "user");
	long long ts = (long long)srv->now;

	(void)state;
	oper->umodes |= UMODE_OPER;
	fake_linef(srv, b, ":2BB EUID bob 1 %lld + b cloak.example 192.0.2.20 2BBAAAAAA "
	    "* * :Bob", ts);
	fake_linef(srv, b, ":2BB EUID dan 1 %lld + d dhost 0 2BBAAAAAD * * :Dan", ts);
	fake_linef(srv, b, ":2BB EUID pub 1 %lld + p 192.0.2.30 192.0.2.30 2BBAAAAAP "
	    "* * :Pub", ts);
	fake_drop_all(srv);

	fake_line(srv, oper, "WHOIS bob");
	fake_expect_has(oper, " 338 oper bob 192.0.2.20 :actually using host\r\n");
	fake_line(srv, user, "WHOIS bob");
	assert_false(fake_output_has(user, " 338 "));
	fake_drop_all(srv);
	/* Nothing known, or nothing more than the host: no 338. */
	fake_line(srv, oper, "WHOIS dan");
	assert_false(fake_output_has(oper, " 338 "));
	fake_line(srv, oper, "WHOIS pub");
	assert_false(fake_output_has(oper, " 338 "));
	fake_drop_all(srv);

	fake_line(srv, oper, "WHO bob %ni");
	fake_expect_has(oper, " 354 oper 192.0.2.20 bob\r\n");
	fake_line(srv, user, "WHO bob %ni");
	fake_expect_has(user, " 354 user 255.255.255.255 bob\r\n");
	fake_line(srv, oper, "WHO dan %ni");
	fake_expect_has(oper, " 354 oper 255.255.255.255 dan\r\n");
	fake_line(srv, user, "WHO pub %ni");
	fake_expect_has(user, " 354 user 192.0.2.30 pub\r\n");
	/* Users of this server: their address is their host, for all. */
	fake_line(srv, user, "WHO oper %ni");
	fake_expect_has(user, " 354 user 127.0.0.1 oper\r\n");
	fake_free(srv);
}

/*
 * WHO and WHOX name the server a user is on, and count the links to it
 * (RFC 2812 3.6.2 hopcount): b.test is linked to us, d.test behind it.
 */
static void
test_who_server_and_hops(void **state)
{
	struct server *srv = fake_server_adjusted(with_links);
	struct client *b = peer(srv, "192.0.2.2", "b.test", "2BB", "QS ENCAP EX IE EUID");
	struct client *user = fake_registered(srv, "user");
	long long ts = (long long)srv->now;

	(void)state;
	fake_line(srv, b, ":2BB SID d.test 2 4DD :Behind b");
	fake_linef(srv, b, ":2BB EUID bob 1 %lld + b bhost 0 2BBAAAAAA * * :Bob", ts);
	fake_linef(srv, b, ":4DD EUID dan 2 %lld + d dhost 0 4DDAAAAAD * * :Dan", ts);
	fake_drop_all(srv);

	fake_line(srv, user, "WHO bob");
	fake_expect_has(user, " 352 user * b bhost b.test bob H :1 Bob\r\n");
	fake_line(srv, user, "WHO dan");
	fake_expect_has(user, " 352 user * d dhost d.test dan H :2 Dan\r\n");
	fake_line(srv, user, "WHO user");
	fake_expect_has(user, " 352 user * u 127.0.0.1 irc.local user H :0 ");
	/* A mask matches the server a user is on. */
	fake_line(srv, user, "WHO b.test");
	fake_expect_has(user, " 352 user * b bhost b.test bob H :1 Bob\r\n");
	fake_line(srv, user, "WHO b.test");
	assert_false(fake_output_has(user, " dan "));
	fake_line(srv, user, "WHO dan %nsd");
	fake_expect_has(user, " 354 user d.test dan 2\r\n");
	fake_line(srv, user, "WHO user %nsd");
	fake_expect_has(user, " 354 user irc.local user 0\r\n");
	fake_free(srv);
}

/*
 * CHGHOST (b.test, with EUID) and ENCAP * CHGHOST (c.test, without): a
 * user of another server takes the host, shown to the chghost clients
 * sharing a channel; it goes on to the other link in the form that link
 * takes; a bad host changes nothing.
 */
static void
test_chghost(void **state)
{
	struct server *srv = fake_server_adjusted(with_links);
	struct client *b = peer(srv, "192.0.2.2", "b.test", "2BB", "QS ENCAP EX IE EUID");
	struct client *c = peer(srv, "192.0.2.3", "c.test", "3CC", "QS ENCAP EX IE");
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *carol = fake_joined(srv, "carol", "#c");
	struct client *bob;
	long long ts = (long long)srv->now;
	static const char *const bad[] = { "bad_host", "::x", "a/24", "x\x02y" };

	(void)state;
	fake_linef(srv, b, ":2BB EUID bob 1 %lld + b bhost 0 2BBAAAAAA * * :Bob", ts);
	fake_linef(srv, b, ":2BB SJOIN %lld #c + :2BBAAAAAA", ts);
	bob = client_find_nick(srv, "bob");
	assert_non_null(bob);
	fake_cap_on(srv, alice, "chghost");
	fake_drop_all(srv);

	fake_line(srv, b, ":2BB CHGHOST 2BBAAAAAA new.example");
	assert_string_equal(bob->host, "new.example");
	fake_expect(alice, ":bob!b@bhost CHGHOST b new.example\r\n");
	fake_expect(carol, "");
	fake_expect(c, ":2BB ENCAP * CHGHOST 2BBAAAAAA :new.example\r\n");
	fake_expect(b, "");

	fake_line(srv, c, ":3CC ENCAP * CHGHOST 2BBAAAAAA :0::1");
	assert_string_equal(bob->host, "0::1");
	fake_expect(alice, ":bob!b@new.example CHGHOST b 0::1\r\n");
	fake_expect(b, ":3CC ENCAP * CHGHOST 2BBAAAAAA :0::1\r\n");

	/* Its own word, from the user. */
	fake_line(srv, b, ":2BBAAAAAA CHGHOST 2BBAAAAAA cloak/bob");
	assert_string_equal(bob->host, "cloak/bob");
	fake_expect(c, ":2BBAAAAAA ENCAP * CHGHOST 2BBAAAAAA :cloak/bob\r\n");
	fake_drop_all(srv);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_linef(srv, b, ":2BB CHGHOST 2BBAAAAAA %s", bad[i]);
		assert_string_equal(bob->host, "cloak/bob");
	}
	fake_expect(alice, "");
	fake_expect(c, "");

	fake_free(srv);
}

/*
 * A user of this server given a host by services: told (CHGHOST with the
 * capability, 396), shown with it, its address kept for operators, bans,
 * the per-address limits and the links' real host; the address again
 * puts it back.
 */
static void
test_chghost_local(void **state)
{
	struct server *srv = fake_server_adjusted(with_links);
	struct client *b = peer(srv, "192.0.2.2", "b.test", "2BB", "QS ENCAP EX IE EUID");
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *carol = fake_joined(srv, "carol", "#c");
	struct client *oper = fake_registered(srv, "oper");
	struct client *c, *gone;
	char line[160];

	(void)state;
	oper->umodes |= UMODE_OPER;
	fake_cap_on(srv, alice, "chghost");
	/* alice's connection is counted in the per-address limits. */
	assert_null(limits_admit(srv->limits, "127.0.0.1", 0, 0, srv->now_ms));
	alice->local->ip_counted = true;
	fake_line(srv, carol, "JOIN #d");
	fake_line(srv, carol, "MODE #d +b *!*@127.0.0.1");
	fake_drop_all(srv);

	fake_linef(srv, b, ":2BB CHGHOST %s v.example", alice->uid);
	assert_string_equal(alice->host, "v.example");
	assert_true(client_host_changed(alice));
	assert_string_equal(client_addr(alice), "127.0.0.1");
	fake_expect(alice, ":alice!u@127.0.0.1 CHGHOST u v.example\r\n"
	    ":irc.local 396 alice v.example :is now your displayed host\r\n");
	fake_expect(carol, "");

	/* The address: to operators and the user only; bans still see it. */
	fake_line(srv, carol, "WHO alice %ni");
	fake_expect_has(carol, " 354 carol 255.255.255.255 alice\r\n");
	fake_line(srv, alice, "WHO alice %ni");
	fake_expect_has(alice, " 354 alice 127.0.0.1 alice\r\n");
	fake_line(srv, oper, "WHOIS alice");
	fake_expect_has(oper, " 338 oper alice 127.0.0.1 :actually using host\r\n");
	fake_line(srv, carol, "WHOIS alice");
	assert_false(fake_output_has(carol, " 338 "));
	fake_drop_all(srv);
	fake_line(srv, alice, "JOIN #d");
	fake_expect_has(alice, " 474 alice #d :Cannot join channel (+b)\r\n");

	/* A link's burst: the host services gave, the address as real host. */
	c = peer(srv, "192.0.2.3", "c.test", "3CC", "QS ENCAP EX IE");
	snprintf(line, sizeof(line), " u v.example 127.0.0.1 127.0.0.1 %s ", alice->uid);
	assert_true(fake_output_has(c, line));
	fake_drop_all(srv);

	/* The address again: nothing kept aside. */
	fake_linef(srv, b, ":2BB CHGHOST %s 127.0.0.1", alice->uid);
	assert_string_equal(alice->host, "127.0.0.1");
	assert_false(client_host_changed(alice));
	fake_expect_has(alice, " 396 alice 127.0.0.1 ");
	fake_linef(srv, b, ":2BB CHGHOST %s v2.example", alice->uid);
	assert_string_equal(client_addr(alice), "127.0.0.1");

	/* Leaving releases the address it was counted under. */
	client_close(alice, "bye");
	while ((gone = server_reap_next(srv)) != NULL)
		client_free(gone);
	assert_null(limits_admit(srv->limits, "127.0.0.1", 1, 0, srv->now_ms));
	fake_free(srv);
}

/*
 * A user's line of every kind without its parameters (found by fuzz_link:
 * a bare TAGMSG read a parameter that was not there): ignored, the link
 * and the user stay.
 */
static void
test_user_lines_without_parameters(void **state)
{
	static const char *const cmds[] = {
		"TAGMSG", "PRIVMSG", "NOTICE", "NICK", "AWAY", "MODE", "JOIN", "PART",
		"KICK", "TOPIC", "INVITE", "WHOIS", "CHGHOST", "ENCAP", "WALLOPS",
		"OPERWALL",
	};
	struct server *srv = fake_server_adjusted(with_links);
	struct client *b = peer(srv, "192.0.2.2", "b.test", "2BB", "QS ENCAP EX IE EUID");
	struct client *alice = fake_joined(srv, "alice", "#c");
	long long ts = (long long)srv->now;

	(void)state;
	fake_linef(srv, b, ":2BB EUID bob 1 %lld + b bhost 0 2BBAAAAAA * * :Bob", ts);
	fake_linef(srv, b, ":2BB SJOIN %lld #c + :2BBAAAAAA", ts);
	fake_cap_on(srv, alice, "message-tags");
	fake_drop_all(srv);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		fake_linef(srv, b, ":2BBAAAAAA %s", cmds[i]);
		fake_linef(srv, b, "@+typing=active :2BBAAAAAA %s", cmds[i]);
	}
	assert_true(link_is_up(b));
	assert_non_null(client_find_nick(srv, "bob"));
	fake_expect(alice, "");
	fake_linef(srv, b, "@+typing=active :2BBAAAAAA TAGMSG #c");
	assert_true(fake_output_has(alice, " TAGMSG #c\r\n"));
	fake_free(srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_relayed),
		cmocka_unit_test(test_address_shown_to_operators),
		cmocka_unit_test(test_who_server_and_hops),
		cmocka_unit_test(test_chghost),
		cmocka_unit_test(test_chghost_local),
		cmocka_unit_test(test_user_lines_without_parameters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
