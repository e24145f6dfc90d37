/*
 * Integration tests of server linking (TS6): two and three ircserv
 * servers on loopback link through their server listeners and link
 * blocks; LINKS and MAP show the network from every side; SQUIT splits
 * a server (near or far) and autoconnect links it again. A raw client
 * plays a hostile or broken server: bad passwords, names, addresses and
 * capabilities are refused in the handshake, and malformed or lying
 * lines after it drop that link only, while users are still served.
 */
#include "itest_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
test_two_servers_link(void **state)
{
	struct node a, b;
	struct itest_client *ua, *ub;
	char blk[512];

	(void)state;
	link_block(blk, sizeof(blk), "irc.b.test", "127.0.0.1", 0, false);
	node_start(&a, "irc.a.test", "1AA", itest_free_port(), blk);
	link_block(blk, sizeof(blk), "irc.a.test", "127.0.0.1", a.lport, true);
	node_start(&b, "irc.b.test", "2BB", itest_free_port(), blk);
	ua = node_user(&a, "ua");
	ub = node_user(&b, "ub");
	wait_links(ua, 2);
	wait_links(ub, 2);
	itest_send(ua, "LINKS");
	itest_expect(ua, ":irc.a.test 364 ua irc.a.test irc.a.test :0 *");
	itest_expect(ua, ":irc.a.test 364 ua irc.b.test irc.a.test :1 *");
	itest_skip_to(ua, ":irc.a.test 365 ua *");
	itest_send(ub, "LINKS *.a.*");
	itest_expect_next(ub, ":irc.b.test 364 ub irc.a.test irc.b.test :1 *");
	itest_expect_next(ub, ":irc.b.test 365 ub *.a.* :End of /LINKS list");
	itest_send(ua, "MAP");
	itest_expect(ua, ":irc.a.test 015 ua :irc.a.test [1AA] 0 hops");
	itest_expect(ua, ":irc.a.test 015 ua :  `- irc.b.test [2BB] 1 hop");
	itest_expect(ua, ":irc.a.test 017 ua :End of /MAP");
	/* The link is a server, not an unknown connection. */
	itest_send(ua, "LUSERS");
	itest_expect_next(ua, ":irc.a.test 251 ua :There are 2 users and 0 invisible on 2 servers");
	itest_expect_next(ua, ":irc.a.test 255 ua :I have 1 clients and 1 servers");
	/* 265's maximum is of this server's users, 266's of the network's. */
	itest_expect_next(ua, ":irc.a.test 265 ua 1 1 :Current local users 1, max 1");
	itest_expect_next(ua, ":irc.a.test 266 ua 2 2 :Current global users 2, max 2");
	itest_server_stop_ok(b.s);
	wait_links(ua, 1);
	itest_server_stop_ok(a.s);
}

static void
test_chain_of_three(void **state)
{
	struct node a, b, c;
	struct itest_client *ua, *uc;

	(void)state;
	chain_start(&a, &b, &c);
	ua = node_user(&a, "ua");
	uc = node_user(&c, "uc");
	wait_links(ua, 3);
	wait_links(uc, 3);
	itest_send(ua, "LINKS");
	itest_expect(ua, ":irc.a.test 364 ua irc.c.test irc.b.test :2 *");
	itest_skip_to(ua, ":irc.a.test 365 ua *");
	itest_send(uc, "LINKS");
	itest_expect(uc, ":irc.c.test 364 uc irc.a.test irc.b.test :2 *");
	itest_send(ua, "MAP");
	itest_expect_next(ua, ":irc.a.test 015 ua :irc.a.test [1AA] 0 hops");
	itest_expect_next(ua, ":irc.a.test 015 ua :  `- irc.b.test [2BB] 1 hop");
	itest_expect_next(ua, ":irc.a.test 015 ua :    `- irc.c.test [3CC] 2 hops");
	itest_expect_next(ua, ":irc.a.test 017 ua :End of /MAP");
	itest_server_stop_ok(c.s);
	itest_server_stop_ok(b.s);
	itest_server_stop_ok(a.s);
}

static void
test_squit_and_autoconnect(void **state)
{
	struct node a, b, c;
	struct itest_client *op, *uc, *user;

	(void)state;
	chain_start(&a, &b, &c);
	op = node_oper(&a, "op");
	uc = node_user(&c, "uc");
	wait_links(op, 3);
	user = node_user(&a, "plain");
	itest_send(user, "SQUIT irc.c.test");
	itest_expect_next(user, ":irc.a.test 481 plain :Permission Denied*");
	itest_send(op, "SQUIT irc.nowhere.test");
	itest_expect_next(op, ":irc.a.test 402 op irc.nowhere.test :No such server");
	/* A far server: its uplink B splits it, then C connects again. */
	itest_send(op, "SQUIT irc.c.test :far away");
	itest_expect_next(op, ":irc.a.test NOTICE op :*** Splitting irc.c.test: far away");
	wait_links(op, 2);
	wait_links(op, 3);
	/* A near server: everything behind it leaves with it. */
	itest_send(op, "SQUIT irc.b.test :near");
	itest_expect_next(op, ":irc.a.test NOTICE op :*** Splitting irc.b.test: near");
	wait_links(op, 1);
	wait_links(uc, 2);
	wait_links(op, 3);
	wait_links(uc, 3);
	itest_server_stop_ok(c.s);
	itest_server_stop_ok(b.s);
	itest_server_stop_ok(a.s);
}

#define refused(f, why) refused_at(ITEST_HERE, (f), (why))
static void
refused_at(const char *file, int line, struct itest_client *f, const char *why)
{
	itest_expect_at(file, line, f, "ERROR :Closing Link: 127.0.0.1 (%s)", why);
	itest_expect_closed_at(file, line, f);
}

static void
test_handshake_refusals(void **state)
{
	struct node a;
	struct itest_client *f, *u;
	char blk[512], blk2[512], both[1024];

	(void)state;
	link_block(blk, sizeof(blk), "fake.test", "127.0.0.1", 0, false);
	link_block(blk2, sizeof(blk2), "far.test", "10.9.9.*", 0, false);
	snprintf(both, sizeof(both), "%s%s", blk, blk2);
	node_start(&a, "irc.a.test", "1AA", itest_free_port(), both);
	refused(fake_server(&a, "wrong", "9ZZ", "QS ENCAP", "fake.test"),
	    "Invalid password");
	refused(fake_server(&a, LINK_PW, "9ZZ", "QS ENCAP", "nope.test"),
	    "No link block for this server");
	refused(fake_server(&a, LINK_PW, "9ZZ", "QS ENCAP", "far.test"), "Invalid host");
	f = server_port(&a);
	itest_send(f, "PASS " LINK_PW " TS 5 :9ZZ");
	itest_send(f, "SERVER fake.test 1 :fake server");
	refused(f, "Incompatible TS version");
	refused(fake_server(&a, LINK_PW, "1AA", "QS ENCAP", "fake.test"),
	    "Server ID already in use");
	refused(fake_server(&a, LINK_PW, "bad", "QS ENCAP", "fake.test"), "Bogus server ID");
	refused(fake_server(&a, LINK_PW, "9ZZ", "QS ENCAP", "irc.a.test"),
	    "No link block for this server");
	/* A client on the server port, a server on a client port. */
	f = server_port(&a);
	itest_send(f, "NICK intruder");
	refused(f, "Protocol violation: NICK before SERVER");
	u = itest_connect(a.s);
	itest_send(u, "SERVER fake.test 1 :fake server");
	itest_expect(u, ":irc.a.test 421 * SERVER :Unknown command");
	itest_close(u);
	/* Nothing linked, and users are served. */
	u = node_user(&a, "ua");
	assert_int_equal(links_count(u), 1);
	itest_server_stop_ok(a.s);
}

static void
test_fake_server_protocol(void **state)
{
	struct node a;
	struct itest_client *f, *u;
	char blk[512];

	(void)state;
	link_block(blk, sizeof(blk), "fake.test", "127.0.0.1", 0, false);
	node_start(&a, "irc.a.test", "1AA", itest_free_port(), blk);
	u = node_user(&a, "ua");
	f = fake_linked(&a);
	itest_send(f, "PING :fake.test");
	itest_expect_next(f, ":1AA PONG irc.a.test :fake.test");
	itest_send(f, ":9ZZ SID leaf.test 2 9ZY + :a leaf");
	/* Unknown sources and commands not known yet are dropped. */
	itest_send(f, ":8QQ SID x.test 2 8QR + :from nowhere");
	itest_send(f, ":9ZZABCDEF PRIVMSG #x :unknown user");
	wait_links(u, 3);
	itest_send(u, "LINKS leaf.test");
	itest_expect_next(u, ":irc.a.test 364 ua leaf.test fake.test :2 a leaf");
	itest_send(f, ":9ZZ SQUIT 9ZY :leaf gone");
	wait_links(u, 2);
	/* A server introduced twice drops the link that lied. */
	itest_send(f, ":9ZZ SID other.test 2 1AA + :dup");
	refused(f, "Server other.test (1AA) already exists");
	wait_links(u, 1);

	f = fake_linked(&a);
	wait_links(u, 2);
	itest_send(f, "SID short.test");
	refused(f, "Not enough parameters for SID");
	f = fake_linked(&a);
	itest_send(f, ":9ZZ");
	refused(f, "Malformed line");
	f = fake_linked(&a);
	itest_send(f, "SERVER again.test 2 :old style");
	refused(f, "SERVER after registration (use SID)");
	f = fake_linked(&a);
	itest_send(f, "SVINFO 6 6 0 :1000");
	refused(f, "Excessive TS delta");
	/* Users are checked: well-formed ones pass (not kept yet), others drop. */
	f = fake_linked(&a);
	itest_send(f, ":9ZZ UID carol 1 1700000000 +i c h.example 192.0.2.1 "
	    "9ZZAAAAAB :Carol");
	itest_send(f, ":9ZZ EUID dave 1 1700000000 + d h.example 192.0.2.1 "
	    "9ZZAAAAAC * * :Dave");
	/* Their user modes count: carol came +i, dave turns +i. */
	itest_send(f, ":9ZZAAAAAC MODE 9ZZAAAAAC :+i");
	wait_whois(u, "dave", "fake.test");
	itest_send(u, "LUSERS");
	itest_expect_next(u, ":irc.a.test 251 ua :There are 1 users and 2 invisible on 2 servers");
	itest_skip_to(u, ":irc.a.test 266 ua *");
	itest_send(f, ":9ZZ UID 1bad 1 1700000000 +i c h 0 9ZZAAAAAD :x");
	refused(f, "Bogus nick introduced");
	f = fake_linked(&a);
	itest_send(f, ":9ZZ UID erin 1 1700000000 +i e h 0 1AAAAAAAD :x");
	refused(f, "UID of another server");
	/* A SQUIT of this server, its SID in other case, ends the link. */
	f = fake_linked(&a);
	itest_send(f, ":9ZZ SQUIT 1aa :going");
	refused(f, "going");
	wait_links(u, 1);
	itest_server_stop_ok(a.s);
}

/* More servers than NETWORK_SERVERS_MAX (512): the link is dropped. */
static void
test_burst_beyond_limit(void **state)
{
	struct node a;
	struct itest_client *f, *u;
	char blk[512];

	(void)state;
	link_block(blk, sizeof(blk), "fake.test", "127.0.0.1", 0, false);
	node_start(&a, "irc.a.test", "1AA", itest_free_port(), blk);
	u = node_user(&a, "ua");
	f = fake_linked(&a);
	/* Past the limit the server drops the link: the rest may not go out. */
	for (int i = 0; i < 600; i++) {
		char sid[64];
		int n = snprintf(sid, sizeof(sid), ":9ZZ SID s%d.test 2 %d%c%c + :x\r\n",
		    i, 2 + i % 8, 'A' + i / 8 % 26, 'A' + i / 208);

		if (itest_try_send_raw(f, sid, (size_t)n) == -1)
			break;
	}
	refused(f, "Too many servers");
	wait_links(u, 1);
	itest_server_stop_ok(a.s);
}

/* A link that stops answering PINGs, or never finishes its handshake. */
static void
test_link_timeouts(void **state)
{
	struct node a;
	struct itest_client *f, *g;
	char blk[512], conf[1024];

	(void)state;
	link_block(blk, sizeof(blk), "fake.test", "127.0.0.1", 0, false);
	snprintf(conf, sizeof(conf), "ping_frequency = 1\nping_timeout = 1\n"
	    "registration_timeout = 2\n%s", blk);
	node_start(&a, "irc.a.test", "1AA", itest_free_port(), conf);
	g = server_port(&a);
	f = fake_linked(&a);
	f->timeout_ms = g->timeout_ms = 6000 * itest_slow();
	itest_expect(f, "PING :irc.a.test");
	refused(f, "Ping timeout: 2 seconds");
	refused(g, "Registration timeout");
	itest_server_stop_ok(a.s);
}

/* This server's users reach the links: burst, registration, NICK, QUIT. */
static void
test_users_reach_links(void **state)
{
	struct node a;
	struct itest_client *f, *e, *alice, *bob;
	char blk[512], uid[16];
	const char *line;

	(void)state;
	link_block(blk, sizeof(blk), "fake.test", "127.0.0.1", 0, false);
	node_start(&a, "irc.a.test", "1AA", itest_free_port(), blk);
	alice = node_user(&a, "alice");
	itest_send(alice, "JOIN #x");
	itest_skip_to(alice, ":irc.a.test 366 alice #x *");
	/* hybrid's UID: nick hops ts umodes user host realhost ip uid account. */
	f = fake_linked_capab(&a, "QS ENCAP");
	itest_expect_next(f, ":1AA UID alice 1 * +* alice 127.0.0.1 127.0.0.1 "
	    "127.0.0.1 1AA?????? * :alice");
	/* Channels: SJOIN with the timestamp, modes and our members. */
	itest_expect_next(f, ":1AA SJOIN * #x +nt :@1AAAAAAAA");
	itest_expect_next(f, "PING :1AA");
	bob = node_user(&a, "bob");
	line = itest_expect_next(f, ":1AA UID bob 1 * +* bob 127.0.0.1 127.0.0.1 "
	    "127.0.0.1 1AA?????? * :bob");
	snprintf(uid, sizeof(uid), "%.9s", strstr(line, " 1AA") + 1);
	assert_true(strlen(uid) == 9 && strcmp(uid, "1AAAAAAAA") != 0);
	itest_send(bob, "NICK bobby");
	itest_expect_next(f, ":%s NICK bobby :*", uid);
	itest_send(bob, "QUIT :bye now");
	itest_expect_next(f, ":%s QUIT :*bye now*", uid);
	/* EUID to a peer that offers it: ip, uid, then realhost and account. */
	itest_close(f);
	e = fake_linked_capab(&a, "QS ENCAP EUID");
	itest_expect_next(e, ":1AA EUID alice 1 * +* alice 127.0.0.1 127.0.0.1 "
	    "1AAAAAAAA 127.0.0.1 * :alice");
	itest_expect_next(e, ":1AA SJOIN * #x +nt :@1AAAAAAAA");
	itest_expect_next(e, "PING :1AA");
	/* Away and user modes follow, and an away user is away in a burst. */
	itest_send(alice, "AWAY :at lunch");
	itest_expect_next(e, ":1AAAAAAAA AWAY :at lunch");
	itest_close(e);
	e = fake_linked_capab(&a, "QS ENCAP EUID");
	itest_expect_next(e, ":1AA EUID alice *");
	itest_expect_next(e, ":1AAAAAAAA AWAY :at lunch");
	itest_expect_next(e, ":1AA SJOIN * #x +nt :@1AAAAAAAA");
	itest_expect_next(e, "PING :1AA");
	itest_send(alice, "MODE alice +w");
	itest_expect_next(e, ":1AAAAAAAA MODE 1AAAAAAAA :+w");
	itest_send(alice, "AWAY");
	itest_expect_next(e, ":1AAAAAAAA AWAY");
	itest_close(alice);
	itest_expect_next(e, ":1AAAAAAAA QUIT :*");
	itest_server_stop_ok(a.s);
}

/* Joins, parts, kicks, topics and channel messages reach the links. */
static void
test_channels_reach_links(void **state)
{
	struct node a;
	struct itest_client *f, *alice, *bob;
	char blk[512];

	(void)state;
	link_block(blk, sizeof(blk), "fake.test", "127.0.0.1", 0, false);
	node_start(&a, "irc.a.test", "1AA", itest_free_port(), blk);
	f = fake_linked(&a);
	alice = node_user(&a, "alice");
	itest_expect(f, ":1AA UID alice *1AAAAAAAA * :alice");
	bob = node_user(&a, "bob");
	itest_expect(f, ":1AA UID bob *1AAAAAAAB * :bob");
	itest_send(alice, "JOIN #new");
	itest_expect_next(f, ":1AA SJOIN * #new +nt :@1AAAAAAAA");
	itest_send(bob, "JOIN #new");
	itest_expect_next(f, ":1AAAAAAAB JOIN * #new +");
	itest_send(alice, "PRIVMSG #new :hello there");
	itest_expect_next(f, ":1AAAAAAAA PRIVMSG #new :hello there");
	itest_send(alice, "NOTICE @#new :ops only");
	itest_expect_next(f, ":1AAAAAAAA NOTICE @#new :ops only");
	itest_send(alice, "TOPIC #new :a topic");
	itest_expect_next(f, ":1AAAAAAAA TOPIC #new :a topic");
	itest_send(alice, "KICK #new bob :out");
	itest_expect_next(f, ":1AAAAAAAA KICK #new 1AAAAAAAB :out");
	itest_send(alice, "PART #new :bye");
	itest_expect_next(f, ":1AAAAAAAA PART #new :bye");
	itest_server_stop_ok(a.s);
}

/*
 * Users on A and C of a chain A - B - C know each other: WHOIS names
 * their server, private messages cross both links in order, a nick
 * change follows, a netsplit makes them quit (MONITOR), the burst of the
 * relink brings them back, and a QUIT crosses too.
 */
static void
test_users_across_chain(void **state)
{
	struct node a, b, c;
	struct itest_client *op, *ua, *uc;

	(void)state;
	chain_with_users(&a, &b, &c, &op, &ua, &uc);
	for (int i = 1; i <= 5; i++)
		itest_send(ua, "PRIVMSG uc :hello %d", i);
	for (int i = 1; i <= 5; i++)
		itest_expect_next(uc, ":ua!ua@127.0.0.1 PRIVMSG uc :hello %d", i);
	itest_send(uc, "NOTICE ua :back to you");
	itest_expect_next(ua, ":uc!uc@127.0.0.1 NOTICE ua :back to you");
	itest_send(uc, "NICK ucc");
	itest_expect_next(uc, ":uc!uc@127.0.0.1 NICK :ucc");
	wait_whois(ua, "ucc", "irc.c.test");
	itest_send(ua, "MONITOR + ucc");
	itest_expect_next(ua, ":irc.a.test 730 ua :ucc!uc@127.0.0.1");
	/* The split: everything behind B quits here; the relink brings it back. */
	itest_send(op, "SQUIT irc.b.test :split test");
	itest_expect_next(ua, ":irc.a.test 731 ua :ucc");
	itest_expect_next(ua, ":irc.a.test 730 ua :ucc!uc@127.0.0.1");
	wait_whois(ua, "ucc", "irc.c.test");
	itest_send(uc, "QUIT :gone now");
	itest_expect_next(ua, ":irc.a.test 731 ua :ucc");
	itest_server_stop_ok(c.s);
	itest_server_stop_ok(b.s);
	itest_server_stop_ok(a.s);
}

/*
 * An operator on A kills uc, a user of C: the KILL crosses B to C, which
 * disconnects uc, and B forgets it as A does.
 */
static void
test_kill_across_chain(void **state)
{
	struct node a, b, c;
	struct itest_client *op, *ua, *uc, *ub;

	(void)state;
	chain_with_users(&a, &b, &c, &op, &ua, &uc);
	ub = node_user(&b, "ub");
	wait_whois(ub, "uc", "irc.c.test");
	itest_send(op, "KILL uc :spam");
	itest_skip_to(op, ":irc.a.test NOTICE op :*** Killed uc (spam)");
	itest_skip_to(uc, "ERROR :Closing Link: * (Killed (irc.a.test!127.0.0.1!op!op (spam)))");
	itest_send(ub, "WHOIS uc");
	itest_skip_to(ub, ":irc.b.test 401 ub uc :*");
	itest_send(ua, "WHOIS uc");
	itest_skip_to(ua, ":irc.a.test 401 ua uc :*");
	itest_server_stop_ok(c.s);
	itest_server_stop_ok(b.s);
	itest_server_stop_ok(a.s);
}

/*
 * Users on A and C of a chain chat in a channel: joins, messages in
 * order both ways, NAMES with the other side's member, PART, and a
 * netsplit's QUIT "<near> <far>".
 */
static void
test_channel_across_chain(void **state)
{
	struct node a, b, c;
	struct itest_client *op, *ua, *uc;

	(void)state;
	chain_with_users(&a, &b, &c, &op, &ua, &uc);
	itest_send(ua, "JOIN #chat");
	itest_skip_to(ua, ":irc.a.test 366 ua #chat *");
	/* C has the channel from A's SJOIN (through B) before uc joins it. */
	for (int64_t end = itest_now_ms() + LINK_WAIT_MS;;) {
		char l[ITEST_LINE_MAX + 1];
		bool seen = false;

		itest_send(uc, "NAMES #chat");
		do {
			if (itest_poll_line(uc, ITEST_TIMEOUT_MS, l, sizeof(l)) != 1)
				itest_fail_at(ITEST_HERE, "uc: no end of NAMES");
			seen |= itest_match(":irc.c.test 353 uc = #chat :@ua", l);
		} while (!itest_match(":irc.c.test 366 uc #chat *", l));
		if (seen)
			break;
		if (itest_now_ms() > end)
			itest_fail_at(ITEST_HERE, "C never learnt of #chat");
		itest_sleep_ms(50);
	}
	itest_send(uc, "JOIN #chat");
	itest_skip_to(uc, ":irc.c.test 366 uc #chat *");
	itest_expect_next(ua, ":uc!uc@127.0.0.1 JOIN #chat");
	for (int i = 1; i <= 5; i++)
		itest_send(ua, "PRIVMSG #chat :from a %d", i);
	for (int i = 1; i <= 5; i++)
		itest_expect_next(uc, ":ua!ua@127.0.0.1 PRIVMSG #chat :from a %d", i);
	for (int i = 1; i <= 3; i++)
		itest_send(uc, "PRIVMSG #chat :from c %d", i);
	for (int i = 1; i <= 3; i++)
		itest_expect_next(ua, ":uc!uc@127.0.0.1 PRIVMSG #chat :from c %d", i);
	itest_send(ua, "NAMES #chat");
	itest_expect_next(ua, ":irc.a.test 353 ua = #chat :*uc*");
	itest_skip_to(ua, ":irc.a.test 366 ua #chat *");
	/* ua is the channel operator (+t): its topic reaches C. */
	itest_send(ua, "TOPIC #chat :set on a");
	itest_expect_next(ua, ":ua!ua@127.0.0.1 TOPIC #chat :set on a");
	itest_expect_next(uc, ":ua!ua@127.0.0.1 TOPIC #chat :set on a");
	itest_send(uc, "TOPIC #chat");
	itest_expect_next(uc, ":irc.c.test 332 uc #chat :set on a");
	itest_skip_to(uc, ":irc.c.test 333 uc #chat *");
	itest_send(uc, "PART #chat :see you");
	itest_expect_next(ua, ":uc!uc@127.0.0.1 PART #chat :see you");
	itest_send(uc, "JOIN #chat");
	itest_expect_next(ua, ":uc!uc@127.0.0.1 JOIN #chat");
	itest_send(op, "SQUIT irc.b.test :split");
	itest_expect_next(ua, ":uc!uc@127.0.0.1 QUIT :irc.a.test irc.b.test");
	itest_server_stop_ok(c.s);
	itest_server_stop_ok(b.s);
	itest_server_stop_ok(a.s);
}

/* A channel too big for one line is sent as several SJOINs. */
static void
test_big_channel_burst(void **state)
{
	struct node a;
	struct itest_client *f, *u;
	char blk[512], nick[16], line[ITEST_LINE_MAX + 1];
	int members = 0, lines = 0;

	(void)state;
	link_block(blk, sizeof(blk), "fake.test", "127.0.0.1", 0, false);
	node_start(&a, "irc.a.test", "1AA", itest_free_port(), blk);
	for (int i = 0; i < 60; i++) {
		snprintf(nick, sizeof(nick), "m%d", i);
		u = node_user(&a, nick);
		itest_send(u, "JOIN #big");
		itest_skip_to(u, ":irc.a.test 366 %s #big *", nick);
	}
	f = fake_linked_capab(&a, "QS ENCAP");
	for (;;) {
		if (itest_poll_line(f, ITEST_TIMEOUT_MS, line, sizeof(line)) != 1)
			itest_fail_at(ITEST_HERE, "no PING after the burst");
		if (strcmp(line, "PING :1AA") == 0)
			break;
		if (!itest_match(":1AA SJOIN * #big +nt :*", line))
			continue;
		lines++;
		for (const char *p = strchr(line + 1, ':'); p; p = strchr(p + 1, ' '))
			members++;
	}
	assert_int_equal(members, 60);
	assert_true(lines >= 2);
	itest_server_stop_ok(a.s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_two_servers_link),
		itest_unit_test(test_chain_of_three),
		itest_unit_test(test_squit_and_autoconnect),
		itest_unit_test(test_handshake_refusals),
		itest_unit_test(test_fake_server_protocol),
		itest_unit_test(test_burst_beyond_limit),
		itest_unit_test(test_link_timeouts),
		itest_unit_test(test_users_reach_links),
		itest_unit_test(test_big_channel_burst),
		itest_unit_test(test_channels_reach_links),
		itest_unit_test(test_users_across_chain),
		itest_unit_test(test_kill_across_chain),
		itest_unit_test(test_channel_across_chain),
	};

	return itest_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
