/*
 * Handler tests for the query family (cmd_query.c): WHO and WHOX, WHOIS,
 * WHOWAS, ISON, USERHOST, AWAY, and the server queries (MOTD, LUSERS,
 * VERSION, TIME, ADMIN, INFO, LINKS, STATS, HELP, USERS, SUMMON), driven
 * through server_on_line() with fake clients and checked byte for byte.
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
#include "command.h"
#include "fake.h"
#include "irc.h"
#include "mode.h"
#include "server.h"

/* FAKE_NOW as the server writes it in TIME, WHOWAS and INFO. */
#define NOW_TEXT "Tuesday November 14 2023 -- 22:13:20 UTC"

static void
cap_on(struct server *srv, struct client *cli, const char *cap)
{
	fake_linef(srv, cli, "CAP REQ :%s", cap);
	fake_drop_output(cli);
}

/* Make cli an IRC operator, as OPER would. */
static void
make_oper(struct server *srv, struct client *cli)
{
	cli->umodes |= UMODE_OPER;
	srv->nopers++;
}

/* out starts with prefix. */
static void
assert_starts_with(const char *out, const char *prefix)
{
	if (strncmp(out, prefix, strlen(prefix)) != 0)
		fail_msg("expected output to start with \"%s\", got:\n%s", prefix, out);
}

/* out ends with suffix. */
static void
assert_ends_with(const char *out, const char *suffix)
{
	size_t n = strlen(out), k = strlen(suffix);

	if (n < k || strcmp(out + n - k, suffix) != 0)
		fail_msg("expected output to end with \"%s\", got:\n%s", suffix, out);
}

/* Each line of out ends in CR LF, fits in 512 bytes and has numeric num. */
static void
assert_lines_are(const char *out, const char *num)
{
	char head[32];
	const char *e;

	snprintf(head, sizeof(head), ":irc.local %s ", num);
	for (const char *p = out; *p; p = e + 2) {
		e = strstr(p, "\r\n");
		assert_non_null(e);
		assert_true((size_t)(e + 2 - p) <= IRC_LINE_MAX);
		assert_memory_equal(p, head, strlen(head));
	}
}

/* WHO */

static void
test_who_channel(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");

	fake_joined(srv, "bob", "#c");
	fake_line(srv, alice, "WHO #c");
	fake_expect(alice,
	    ":irc.local 352 alice #c u 127.0.0.1 irc.local alice H@ :0 Real Name\r\n"
	    ":irc.local 352 alice #c u 127.0.0.1 irc.local bob H :0 Real Name\r\n"
	    ":irc.local 315 alice #c :End of /WHO list\r\n");
	fake_line(srv, alice, "WHO #nope");
	fake_expect(alice, ":irc.local 315 alice #nope :End of /WHO list\r\n");
}

static void
test_who_secret_channel(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#s");

	fake_line(srv, bob, "MODE #s +s");
	fake_drop_all(srv);
	/* RFC 2812 3.6.1: outsiders see no members of a secret channel. */
	fake_line(srv, alice, "WHO #s");
	fake_expect(alice, ":irc.local 315 alice #s :End of /WHO list\r\n");
	fake_line(srv, bob, "WHO #s");
	fake_expect(bob,
	    ":irc.local 352 bob #s u 127.0.0.1 irc.local bob H@ :0 Real Name\r\n"
	    ":irc.local 315 bob #s :End of /WHO list\r\n");
	/* Nor does WHO by nick give the secret channel away. */
	fake_line(srv, alice, "WHO bob");
	fake_expect(alice,
	    ":irc.local 352 alice * u 127.0.0.1 irc.local bob H :0 Real Name\r\n"
	    ":irc.local 315 alice bob :End of /WHO list\r\n");
}

static void
test_who_nick_and_mask(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	char *out;

	fake_joined(srv, "bob", "#c");
	fake_registered(srv, "carol");
	fake_line(srv, alice, "WHO bob");
	fake_expect(alice,
	    ":irc.local 352 alice #c u 127.0.0.1 irc.local bob H :0 Real Name\r\n"
	    ":irc.local 315 alice bob :End of /WHO list\r\n");
	/* A user on no channel is shown with channel "*". */
	fake_line(srv, alice, "WHO carol");
	fake_expect(alice,
	    ":irc.local 352 alice * u 127.0.0.1 irc.local carol H :0 Real Name\r\n"
	    ":irc.local 315 alice carol :End of /WHO list\r\n");
	fake_line(srv, alice, "WHO b*");
	fake_expect(alice,
	    ":irc.local 352 alice #c u 127.0.0.1 irc.local bob H :0 Real Name\r\n"
	    ":irc.local 315 alice b* :End of /WHO list\r\n");
	fake_line(srv, alice, "WHO ?AROL");
	fake_expect(alice,
	    ":irc.local 352 alice * u 127.0.0.1 irc.local carol H :0 Real Name\r\n"
	    ":irc.local 315 alice ?AROL :End of /WHO list\r\n");
	fake_line(srv, alice, "WHO zz*");
	fake_expect(alice, ":irc.local 315 alice zz* :End of /WHO list\r\n");
	fake_line(srv, alice, "WHO *");
	out = fake_take_output(alice);
	assert_non_null(strstr(out, " irc.local alice H@ :0 Real Name\r\n"));
	assert_non_null(strstr(out, " irc.local bob H :0 Real Name\r\n"));
	assert_non_null(strstr(out, " irc.local carol H :0 Real Name\r\n"));
	assert_ends_with(out, ":irc.local 315 alice * :End of /WHO list\r\n");
	free(out);
}

static void
test_who_hides_invisible(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#d");
	struct client *dave = fake_registered(srv, "dave");

	fake_line(srv, dave, "MODE dave +i");
	fake_line(srv, dave, "JOIN #d");
	fake_drop_all(srv);
	/* alice shares no channel with dave. */
	fake_line(srv, alice, "WHO *");
	assert_false(fake_output_has(alice, " dave "));
	assert_true(fake_output_has(alice, " bob "));
	fake_drop_output(alice);
	fake_line(srv, alice, "WHO #d");
	fake_expect(alice,
	    ":irc.local 352 alice #d u 127.0.0.1 irc.local bob H@ :0 Real Name\r\n"
	    ":irc.local 315 alice #d :End of /WHO list\r\n");
	/* bob does. */
	fake_line(srv, bob, "WHO *");
	assert_true(fake_output_has(bob,
	    ":irc.local 352 bob #d u 127.0.0.1 irc.local dave H :0 Real Name\r\n"));
	fake_drop_output(bob);
	fake_line(srv, bob, "WHO #d");
	fake_expect(bob,
	    ":irc.local 352 bob #d u 127.0.0.1 irc.local bob H@ :0 Real Name\r\n"
	    ":irc.local 352 bob #d u 127.0.0.1 irc.local dave H :0 Real Name\r\n"
	    ":irc.local 315 bob #d :End of /WHO list\r\n");
	/* Users always see themselves. */
	fake_line(srv, dave, "WHO d*");
	assert_true(fake_output_has(dave, " dave H :0 Real Name\r\n"));
}

static void
test_who_flags(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");

	make_oper(srv, bob);
	/* The "o" flag keeps IRC operators only; '*' marks them. */
	fake_line(srv, alice, "WHO #c o");
	fake_expect(alice,
	    ":irc.local 352 alice #c u 127.0.0.1 irc.local bob H* :0 Real Name\r\n"
	    ":irc.local 315 alice #c :End of /WHO list\r\n");
	fake_line(srv, bob, "AWAY :brb");
	fake_drop_output(bob);
	fake_line(srv, alice, "WHO #c");
	fake_expect(alice,
	    ":irc.local 352 alice #c u 127.0.0.1 irc.local alice H@ :0 Real Name\r\n"
	    ":irc.local 352 alice #c u 127.0.0.1 irc.local bob G* :0 Real Name\r\n"
	    ":irc.local 315 alice #c :End of /WHO list\r\n");
	/* multi-prefix shows every channel prefix. */
	fake_line(srv, alice, "MODE #c +v alice");
	fake_drop_all(srv);
	cap_on(srv, alice, "multi-prefix");
	fake_line(srv, alice, "WHO alice");
	fake_expect(alice,
	    ":irc.local 352 alice #c u 127.0.0.1 irc.local alice H@+ :0 Real Name\r\n"
	    ":irc.local 315 alice alice :End of /WHO list\r\n");
}

static void
test_whox(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");

	fake_joined(srv, "bob", "#c");
	fake_line(srv, alice, "WHO #c %tcuhnfar,42");
	fake_expect(alice,
	    ":irc.local 354 alice 42 #c u 127.0.0.1 alice H@ 0 :Real Name\r\n"
	    ":irc.local 354 alice 42 #c u 127.0.0.1 bob H 0 :Real Name\r\n"
	    ":irc.local 315 alice #c :End of /WHO list\r\n");
	/* Fields come in the fixed WHOX order, whatever order was asked. */
	fake_line(srv, alice, "WHO bob %nu");
	fake_expect(alice,
	    ":irc.local 354 alice u bob\r\n"
	    ":irc.local 315 alice bob :End of /WHO list\r\n");
}

/* IRCv3 WHOX: a token of 1-3 digits is echoed; anything else is ignored. */
static void
test_whox_token(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");

	fake_line(srv, alice, "WHO alice %tn,123");
	fake_expect_has(alice, ":irc.local 354 alice 123 alice\r\n");
	fake_line(srv, alice, "WHO alice :%tn,a b");
	fake_expect_has(alice, ":irc.local 354 alice alice\r\n");
	fake_line(srv, alice, "WHO alice %tn,1234");
	fake_expect_has(alice, ":irc.local 354 alice alice\r\n");
	fake_line(srv, alice, "WHO alice %tn,");
	fake_expect_has(alice, ":irc.local 354 alice alice\r\n");
}

/*
 * WHO and WHOX lines are copied together, not formatted: a line longer
 * than the limit (a 30-character nick, a 50-character channel and a
 * 390-character realname) is cut so that with CR LF it is 512 bytes.
 */
static void
test_who_long_line(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *bob = fake_client(srv, "127.0.0.1");
	char line[IRC_LINE_MAX], chan[IRC_CHANNELLEN + 1], *out, *end;

	memset(chan, 'c', IRC_CHANNELLEN);
	chan[0] = '#';
	chan[IRC_CHANNELLEN] = '\0';
	memset(line, 'r', sizeof(line));
	memcpy(line, "USER b 0 * :", 12);
	line[12 + IRC_REALNAMELEN] = '\0';
	fake_line(srv, bob, "PASS " FAKE_PASSWORD);
	fake_linef(srv, bob, "NICK %.*s", IRC_NICKLEN, line + 12);
	fake_line(srv, bob, line);
	fake_linef(srv, bob, "JOIN %s", chan);
	assert_true(client_is_registered(bob));
	fake_drop_output(bob);
	for (int i = 0; i < 2; i++) {
		fake_linef(srv, alice, "WHO %s%s", chan, i == 0 ? "" : " %cuhsnfr");
		out = fake_take_output(alice);
		end = strstr(out, "\r\n");
		assert_non_null(end);
		assert_int_equal(end + 2 - out, IRC_LINE_MAX);
		assert_memory_equal(out, i == 0 ? ":irc.local 352 alice #ccc" :
		    ":irc.local 354 alice #ccc", 25);
		assert_non_null(strstr(out, i == 0 ? " H@ :0 rrrr" : " H@ :rrrr"));
		assert_non_null(strstr(end, " 315 alice "));
		free(out);
	}
}

/* A WHO mask is simplified; one too long to match anything matches nothing. */
static void
test_who_mask_hostile(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	char line[IRC_LINE_MAX];
	int n = snprintf(line, sizeof(line), "WHO *");

	fake_line(srv, alice, "WHO **l*?*?*e*");
	fake_expect_has(alice, " 352 alice * u 127.0.0.1 irc.local alice H ");
	while (n < 400)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "?*");
	fake_line(srv, alice, line);
	assert_int_equal(fake_output_count(alice, " 352 "), 0);
	fake_expect_has(alice, " 315 alice ");
}

/* WHOIS */

static void
test_whois(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");

	fake_advance(srv, 30);
	fake_line(srv, alice, "WHOIS bob");
	fake_expect(alice,
	    ":irc.local 311 alice bob u 127.0.0.1 * :Real Name\r\n"
	    ":irc.local 319 alice bob :#c\r\n"
	    ":irc.local 312 alice bob irc.local :ircserv IRC server\r\n"
	    ":irc.local 317 alice bob 30 1700000000 :seconds idle, signon time\r\n"
	    ":irc.local 318 alice bob :End of /WHOIS list\r\n");
	fake_expect(bob, "");
	fake_line(srv, bob, "AWAY :gone fishing");
	fake_drop_output(bob);
	fake_line(srv, bob, "WHOIS alice");
	fake_expect(bob,
	    ":irc.local 311 bob alice u 127.0.0.1 * :Real Name\r\n"
	    ":irc.local 319 bob alice :@#c\r\n"
	    ":irc.local 312 bob alice irc.local :ircserv IRC server\r\n"
	    ":irc.local 317 bob alice 30 1700000000 :seconds idle, signon time\r\n"
	    ":irc.local 318 bob alice :End of /WHOIS list\r\n");
	fake_line(srv, alice, "WHOIS BOB");
	fake_expect_has(alice,
	    ":irc.local 312 alice bob irc.local :ircserv IRC server\r\n"
	    ":irc.local 301 alice bob :gone fishing\r\n"
	    ":irc.local 317 alice bob 30 ");
}

static void
test_whois_errors_and_targets(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	char *out;

	fake_registered(srv, "bob");
	fake_line(srv, alice, "WHOIS nobody");
	fake_expect(alice,
	    ":irc.local 401 alice nobody :No such nick/channel\r\n"
	    ":irc.local 318 alice nobody :End of /WHOIS list\r\n");
	fake_line(srv, alice, "WHOIS");
	fake_expect(alice, ":irc.local 431 alice :No nickname given\r\n");
	fake_line(srv, alice, "WHOIS bob,nobody,alice");
	out = fake_take_output(alice);
	assert_starts_with(out, ":irc.local 311 alice bob u 127.0.0.1 * :Real Name\r\n");
	assert_non_null(strstr(out, ":irc.local 401 alice nobody :No such nick/channel\r\n"));
	assert_non_null(strstr(out, ":irc.local 311 alice alice u 127.0.0.1 * :Real Name\r\n"));
	assert_ends_with(out, ":irc.local 318 alice bob,nobody,alice :End of /WHOIS list\r\n");
	assert_null(strstr(out, " 319 "));
	free(out);
	/* WHOIS <server> <nick>: our name, or the nick's own (its server). */
	fake_line(srv, alice, "WHOIS irc.local bob");
	fake_expect_has(alice, ":irc.local 311 alice bob ");
	fake_line(srv, alice, "WHOIS bob bob");
	fake_expect_has(alice, ":irc.local 318 alice bob :End of /WHOIS list\r\n");
	fake_line(srv, alice, "WHOIS other.server bob");
	fake_expect(alice, ":irc.local 402 alice other.server :No such server\r\n");
}

static void
test_whois_hides_secret_channels(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *carol = fake_registered(srv, "carol");

	fake_line(srv, bob, "JOIN #s");
	fake_line(srv, bob, "MODE #s +s");
	fake_line(srv, bob, "JOIN #p");
	fake_line(srv, bob, "MODE #p +p");
	fake_drop_all(srv);
	fake_line(srv, alice, "WHOIS bob");
	fake_expect_has(alice, ":irc.local 319 alice bob :#c\r\n");
	fake_line(srv, carol, "WHOIS bob");
	fake_expect_has(carol, ":irc.local 319 carol bob :#c\r\n");
	/* Members see the channels they share, and bob sees all of his. */
	fake_line(srv, alice, "JOIN #s");
	fake_drop_all(srv);
	fake_line(srv, alice, "WHOIS bob");
	fake_expect_has(alice, ":irc.local 319 alice bob :@#s #c\r\n");
	fake_line(srv, bob, "WHOIS bob");
	fake_expect_has(bob, ":irc.local 319 bob bob :@#p @#s #c\r\n");
}

/* WHOWAS */

static void
test_whowas(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_registered(srv, "carol");

	fake_line(srv, bob, "NICK robert");
	fake_line(srv, alice, "WHOWAS bob");
	fake_expect(alice,
	    ":irc.local 314 alice bob u 127.0.0.1 * :Real Name\r\n"
	    ":irc.local 312 alice bob irc.local :" NOW_TEXT "\r\n"
	    ":irc.local 369 alice bob :End of WHOWAS\r\n");
	fake_advance(srv, 60);
	fake_line(srv, carol, "QUIT :bye");
	fake_reap(srv);
	fake_line(srv, alice, "WHOWAS CAROL");
	fake_expect(alice,
	    ":irc.local 314 alice carol u 127.0.0.1 * :Real Name\r\n"
	    ":irc.local 312 alice carol irc.local :"
	    "Tuesday November 14 2023 -- 22:14:20 UTC\r\n"
	    ":irc.local 369 alice CAROL :End of WHOWAS\r\n");
	fake_line(srv, alice, "WHOWAS nobody");
	fake_expect(alice,
	    ":irc.local 406 alice nobody :There was no such nickname\r\n"
	    ":irc.local 369 alice nobody :End of WHOWAS\r\n");
	fake_line(srv, alice, "WHOWAS");
	fake_expect(alice, ":irc.local 431 alice :No nickname given\r\n");
	/* A second user of the nick: newest first, and a count limits. */
	fake_advance(srv, 60);
	fake_line(srv, bob, "NICK carol");
	fake_line(srv, bob, "NICK dan");
	fake_line(srv, alice, "WHOWAS carol");
	fake_expect(alice,
	    ":irc.local 314 alice carol u 127.0.0.1 * :Real Name\r\n"
	    ":irc.local 312 alice carol irc.local :"
	    "Tuesday November 14 2023 -- 22:15:20 UTC\r\n"
	    ":irc.local 314 alice carol u 127.0.0.1 * :Real Name\r\n"
	    ":irc.local 312 alice carol irc.local :"
	    "Tuesday November 14 2023 -- 22:14:20 UTC\r\n"
	    ":irc.local 369 alice carol :End of WHOWAS\r\n");
	fake_line(srv, alice, "WHOWAS carol 1");
	fake_expect(alice,
	    ":irc.local 314 alice carol u 127.0.0.1 * :Real Name\r\n"
	    ":irc.local 312 alice carol irc.local :"
	    "Tuesday November 14 2023 -- 22:15:20 UTC\r\n"
	    ":irc.local 369 alice carol :End of WHOWAS\r\n");
}

/* ISON USERHOST AWAY */

static void
test_ison(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");

	fake_registered(srv, "bob");
	fake_registered(srv, "carol");
	fake_line(srv, alice, "ISON bob nobody carol");
	fake_expect(alice, ":irc.local 303 alice :bob carol\r\n");
	/* One trailing parameter works too; nicks come back as registered. */
	fake_line(srv, alice, "ISON :BOB  Carol");
	fake_expect(alice, ":irc.local 303 alice :bob carol\r\n");
	fake_line(srv, alice, "ISON nobody");
	fake_expect(alice, ":irc.local 303 alice :\r\n");
	fake_line(srv, alice, "ISON");
	fake_expect(alice, ":irc.local 461 alice ISON :Not enough parameters\r\n");
}

static void
test_userhost(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *bob = fake_registered(srv, "bob");

	fake_line(srv, alice, "USERHOST bob");
	fake_expect(alice, ":irc.local 302 alice :bob=+u@127.0.0.1\r\n");
	fake_line(srv, bob, "AWAY :away");
	fake_drop_output(bob);
	make_oper(srv, alice);
	fake_line(srv, alice, "USERHOST bob nobody alice");
	fake_expect(alice, ":irc.local 302 alice :bob=-u@127.0.0.1 alice*=+u@127.0.0.1\r\n");
	/* RFC 2812 4.8: at most five nicks are answered. */
	fake_line(srv, alice, "USERHOST x1 x2 x3 x4 x5 bob");
	fake_expect(alice, ":irc.local 302 alice :\r\n");
}

static void
test_away_and_notify(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *carol = fake_joined(srv, "carol", "#c");
	struct client *dave = fake_registered(srv, "dave");

	cap_on(srv, alice, "away-notify");
	cap_on(srv, dave, "away-notify");
	fake_line(srv, alice, "JOIN #d");
	fake_line(srv, bob, "JOIN #d");
	fake_drop_all(srv);
	fake_line(srv, bob, "AWAY :gone");
	fake_expect(bob, ":irc.local 306 bob :You have been marked as being away\r\n");
	/* Once per peer with the capability, even when sharing two channels. */
	fake_expect(alice, ":bob!u@127.0.0.1 AWAY :gone\r\n");
	fake_expect(carol, "");
	fake_expect(dave, "");
	assert_string_equal(bob->away, "gone");
	fake_line(srv, bob, "AWAY");
	fake_expect(bob, ":irc.local 305 bob :You are no longer marked as being away\r\n");
	fake_expect(alice, ":bob!u@127.0.0.1 AWAY\r\n");
	assert_null(bob->away);
	/* Not away before, not away now: nothing for the peers. */
	fake_line(srv, bob, "AWAY :");
	fake_expect(bob, ":irc.local 305 bob :You are no longer marked as being away\r\n");
	fake_expect(alice, "");
}

/* Server queries */

static void
test_motd(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	const char *motd =
	    ":irc.local 375 alice :- irc.local Message of the day - \r\n"
	    ":irc.local 372 alice :- Welcome to ircserv.\r\n"
	    ":irc.local 372 alice :- Join a channel with /join #name and say hello.\r\n"
	    ":irc.local 372 alice :- Send HELP (in most clients: /quote HELP) for the commands this server knows.\r\n"
	    ":irc.local 376 alice :End of /MOTD command\r\n";

	fake_line(srv, alice, "MOTD");
	fake_expect(alice, motd);
	fake_line(srv, alice, "MOTD irc.local");
	fake_expect(alice, motd);
	fake_line(srv, alice, "MOTD other.server");
	fake_expect(alice, ":irc.local 402 alice other.server :No such server\r\n");
}

static void
test_lusers(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *bob;

	fake_line(srv, alice, "LUSERS");
	fake_expect(alice,
	    ":irc.local 251 alice :There are 1 users and 0 invisible on 1 servers\r\n"
	    ":irc.local 255 alice :I have 1 clients and 0 servers\r\n"
	    ":irc.local 265 alice 1 1 :Current local users 1, max 1\r\n"
	    ":irc.local 266 alice 1 1 :Current global users 1, max 1\r\n");
	fake_client(srv, "127.0.0.1");
	bob = fake_registered(srv, "bob");
	fake_line(srv, bob, "MODE bob +i");
	fake_line(srv, bob, "JOIN #c");
	make_oper(srv, alice);
	fake_line(srv, alice, "LUSERS");
	fake_expect(alice,
	    ":irc.local 251 alice :There are 1 users and 1 invisible on 1 servers\r\n"
	    ":irc.local 252 alice 1 :operator(s) online\r\n"
	    ":irc.local 253 alice 1 :unknown connection(s)\r\n"
	    ":irc.local 254 alice 1 :channels formed\r\n"
	    ":irc.local 255 alice :I have 2 clients and 0 servers\r\n"
	    ":irc.local 265 alice 2 2 :Current local users 2, max 2\r\n"
	    ":irc.local 266 alice 2 2 :Current global users 2, max 2\r\n");
	/* bob leaves: his channel goes, and the maximum stays. */
	fake_line(srv, bob, "QUIT");
	fake_reap(srv);
	fake_line(srv, alice, "MODE alice -o");
	fake_drop_output(alice);
	fake_line(srv, alice, "LUSERS");
	fake_expect(alice,
	    ":irc.local 251 alice :There are 1 users and 0 invisible on 1 servers\r\n"
	    ":irc.local 253 alice 1 :unknown connection(s)\r\n"
	    ":irc.local 255 alice :I have 1 clients and 0 servers\r\n"
	    ":irc.local 265 alice 1 2 :Current local users 1, max 2\r\n"
	    ":irc.local 266 alice 1 2 :Current global users 1, max 2\r\n");
}

static void
test_version(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	char *out;

	fake_line(srv, alice, "VERSION");
	out = fake_take_output(alice);
	assert_starts_with(out, ":irc.local 351 alice ircserv-0.1 irc.local :ircserv IRC server\r\n"
	    ":irc.local 005 alice ");
	assert_lines_are(strstr(out, "\r\n") + 2, "005");
	assert_non_null(strstr(out, " CASEMAPPING=rfc1459 "));
	assert_non_null(strstr(out, " :are supported by this server\r\n"));
	free(out);
	fake_line(srv, alice, "VERSION other.server");
	fake_expect(alice, ":irc.local 402 alice other.server :No such server\r\n");
	fake_line(srv, alice, "VERSION irc.*");
	fake_expect_has(alice, ":irc.local 351 alice ");
}

static void
test_time(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");

	fake_line(srv, alice, "TIME");
	fake_expect(alice, ":irc.local 391 alice irc.local :" NOW_TEXT "\r\n");
	fake_advance(srv, 3600);
	fake_line(srv, alice, "TIME irc.local");
	fake_expect(alice,
	    ":irc.local 391 alice irc.local :Tuesday November 14 2023 -- 23:13:20 UTC\r\n");
	fake_line(srv, alice, "TIME x.y");
	fake_expect(alice, ":irc.local 402 alice x.y :No such server\r\n");
}

static void
test_admin(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");

	fake_line(srv, alice, "ADMIN");
	fake_expect(alice,
	    ":irc.local 256 alice irc.local :Administrative info\r\n"
	    ":irc.local 257 alice :ircserv\r\n"
	    ":irc.local 258 alice :Administrator not configured\r\n"
	    ":irc.local 259 alice :root@localhost\r\n");
	fake_line(srv, alice, "ADMIN other.server");
	fake_expect(alice, ":irc.local 402 alice other.server :No such server\r\n");
}

static void
test_info(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	const char *end = ":irc.local 374 alice :End of /INFO list\r\n";
	char *out;

	fake_line(srv, alice, "INFO");
	out = fake_take_output(alice);
	assert_starts_with(out, ":irc.local 371 alice :ircserv-0.1\r\n");
	assert_non_null(strstr(out, ":irc.local 371 alice :On-line since " NOW_TEXT ".\r\n"));
	assert_ends_with(out, end);
	out[strlen(out) - strlen(end)] = '\0';
	assert_lines_are(out, "371");
	free(out);
	fake_line(srv, alice, "INFO other.server");
	fake_expect(alice, ":irc.local 402 alice other.server :No such server\r\n");
}

static void
test_links(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");

	fake_line(srv, alice, "LINKS");
	fake_expect(alice,
	    ":irc.local 364 alice irc.local irc.local :0 ircserv IRC server\r\n"
	    ":irc.local 365 alice * :End of /LINKS list\r\n");
	fake_line(srv, alice, "LINKS *.local");
	fake_expect(alice,
	    ":irc.local 364 alice irc.local irc.local :0 ircserv IRC server\r\n"
	    ":irc.local 365 alice *.local :End of /LINKS list\r\n");
	fake_line(srv, alice, "LINKS *.org");
	fake_expect(alice, ":irc.local 365 alice *.org :End of /LINKS list\r\n");
	fake_line(srv, alice, "LINKS other.server *");
	fake_expect(alice, ":irc.local 402 alice other.server :No such server\r\n");
}

static void
test_stats(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");

	fake_line(srv, alice, "STATS u");
	fake_expect(alice,
	    ":irc.local 242 alice :Server Up 0 days 0:00:00\r\n"
	    ":irc.local 219 alice u :End of /STATS report\r\n");
	fake_advance(srv, 86400 + 3600 + 60 + 1);
	fake_line(srv, alice, "STATS u");
	fake_expect(alice,
	    ":irc.local 242 alice :Server Up 1 days 1:01:01\r\n"
	    ":irc.local 219 alice u :End of /STATS report\r\n");
	/* Unknown letters still end with 219. */
	fake_line(srv, alice, "STATS q");
	fake_expect(alice, ":irc.local 219 alice q :End of /STATS report\r\n");
	fake_line(srv, alice, "STATS u other.server");
	fake_expect(alice, ":irc.local 402 alice other.server :No such server\r\n");
}

/* STATS r: the loop's rounds (roundstat.h), for operators only. */
static void
test_stats_rounds(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");

	fake_line(srv, alice, "STATS r");
	fake_expect(alice,
	    ":irc.local 481 alice :Permission Denied- You're not an IRC operator\r\n"
	    ":irc.local 219 alice r :End of /STATS report\r\n");
	alice->umodes |= UMODE_OPER;
	roundstat_note(&srv->rounds, 120000, 80000);         /* 120 us, 80 us */
	roundstat_note(&srv->rounds, 7000000, 3000000);      /* 7 ms, 3 ms */
	fake_line(srv, alice, "STATS r");
	fake_expect(alice,
	    ":irc.local 249 alice r :rounds 2 wall_ms 7 cpu_ms 3\r\n"
	    ":irc.local 249 alice r :max wall_us 7000 cpu_us 3000\r\n"
	    ":irc.local 249 alice r :recent wall_us 7000 cpu_us 3000\r\n"
	    ":irc.local 249 alice r :wall <=50us:0 <=100us:0 <=250us:1 <=500us:0 "
	    "<=1000us:0 <=2000us:0 <=5000us:0 <=10000us:1 <=50000us:0 >50000us:0\r\n"
	    ":irc.local 249 alice r :cpu <=50us:0 <=100us:1 <=250us:0 <=500us:0 "
	    "<=1000us:0 <=2000us:0 <=5000us:1 <=10000us:0 <=50000us:0 >50000us:0\r\n"
	    ":irc.local 249 alice r :dropped_lines 0\r\n"
	    ":irc.local 219 alice r :End of /STATS report\r\n");
	/* "recent" starts again with each STATS r; "max" stays. */
	roundstat_note(&srv->rounds, 60000, 40000);
	fake_line(srv, alice, "STATS r");
	assert_true(fake_output_has(alice, ":irc.local 249 alice r :max wall_us 7000 cpu_us 3000\r\n"));
	assert_true(fake_output_has(alice, ":irc.local 249 alice r :recent wall_us 60 cpu_us 40\r\n"));
	fake_drop_output(alice);
}

static void
test_stats_commands(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");

	/* RFC 2812 5.1 RPL_STATSCOMMANDS: command, count, bytes, remote count. */
	fake_line(srv, alice, "STATS m");
	fake_expect(alice,
	    ":irc.local 212 alice NICK 1 10 0\r\n"
	    ":irc.local 212 alice PASS 1 11 0\r\n"
	    ":irc.local 212 alice STATS 1 7 0\r\n"
	    ":irc.local 212 alice USER 1 21 0\r\n"
	    ":irc.local 219 alice m :End of /STATS report\r\n");
	fake_line(srv, alice, "TIME");
	fake_line(srv, alice, "time");
	fake_drop_output(alice);
	fake_line(srv, alice, "STATS m");
	fake_expect(alice,
	    ":irc.local 212 alice NICK 1 10 0\r\n"
	    ":irc.local 212 alice PASS 1 11 0\r\n"
	    ":irc.local 212 alice STATS 2 14 0\r\n"
	    ":irc.local 212 alice TIME 2 8 0\r\n"
	    ":irc.local 212 alice USER 1 21 0\r\n"
	    ":irc.local 219 alice m :End of /STATS report\r\n");
}

static void
test_help(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	const char *privmsg =
	    ":irc.local 704 alice PRIVMSG :PRIVMSG <target>{,<target>} :<text>\r\n"
	    ":irc.local 705 alice PRIVMSG :Send a message to users or channels "
	    "(@#chan: its operators).\r\n"
	    ":irc.local 706 alice PRIVMSG :End of /HELP\r\n";
	char *out;

	fake_line(srv, alice, "HELP");
	out = fake_take_output(alice);
	assert_starts_with(out,
	    ":irc.local 704 alice index :Commands (HELP <command> for details):\r\n"
	    ":irc.local 705 alice index :ADMIN AUTHENTICATE AWAY BATCH CAP CHATHISTORY CONNECT DIE HELP ");
	assert_non_null(strstr(out, " PRIVMSG "));
	assert_ends_with(out, ":irc.local 706 alice index :End of /HELP\r\n");
	free(out);
	fake_line(srv, alice, "HELP PRIVMSG");
	fake_expect(alice, privmsg);
	fake_line(srv, alice, "HELP privmsg");
	fake_expect(alice, privmsg);
	fake_line(srv, alice, "HELP FOO");
	fake_expect(alice, ":irc.local 524 alice FOO :No help available on this topic\r\n");
}

/* HELPOP is HELP under the name other servers use, index and topics alike. */
static void
test_helpop(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	char *help, *helpop;

	fake_line(srv, alice, "HELP");
	help = fake_take_output(alice);
	fake_line(srv, alice, "helpop");
	helpop = fake_take_output(alice);
	assert_string_equal(helpop, help);
	assert_non_null(strstr(help, " HELP HELPOP "));
	free(help);
	free(helpop);
	fake_line(srv, alice, "HELPOP kick");
	fake_expect(alice,
	    ":irc.local 704 alice KICK :KICK <channel> <nick>{,<nick>} [:<reason>]\r\n"
	    ":irc.local 705 alice KICK :Remove users from a channel (channel operators only).\r\n"
	    ":irc.local 706 alice KICK :End of /HELP\r\n");
	fake_line(srv, alice, "HELPOP HELPOP");
	fake_expect_has(alice, ":irc.local 705 alice HELPOP :The same as HELP.\r\n");
	/* Hostile topics: unknown, too long, not a word. */
	fake_line(srv, alice, "HELPOP NOPE");
	fake_expect(alice, ":irc.local 524 alice NOPE :No help available on this topic\r\n");
	fake_linef(srv, alice, "HELPOP %0300d", 7);
	fake_expect_has(alice, " 524 alice 000");
	fake_line(srv, alice, "HELPOP *");
	fake_expect(alice, ":irc.local 524 alice * :No help available on this topic\r\n");
	/* Like HELP, it needs registration. */
	{
		struct client *u = fake_client(srv, "127.0.0.1");

		fake_line(srv, u, "HELPOP");
		fake_expect(u, ":irc.local 451 * :You have not registered\r\n");
	}
}

static void
test_help_covers_every_command(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	const struct command *table;
	char expect[64];
	size_t n;

	table = command_table(&n);
	for (size_t i = 0; i < n; i++) {
		fake_linef(srv, alice, "HELP %s", table[i].name);
		snprintf(expect, sizeof(expect), ":irc.local 704 alice %s :", table[i].name);
		if (!fake_output_has(alice, expect))
			fail_msg("no HELP for %s", table[i].name);
		fake_drop_output(alice);
	}
}

/* The help of commands whose choices grew says what they are now. */
static void
test_help_is_current(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");

	fake_line(srv, alice, "HELP AUTHENTICATE");
	fake_expect_has(alice, ":irc.local 704 alice AUTHENTICATE :AUTHENTICATE "
	    "PLAIN | SCRAM-SHA-256 | <base64> | *\r\n");
	fake_line(srv, alice, "HELP STATS");
	fake_expect_has(alice, ", r for the event loop's round times (IRC operators).\r\n");
	fake_line(srv, alice, "HELP MODE");
	fake_expect_has(alice, ":irc.local 705 alice MODE :Show or change user modes "
	    "(" MODE_USER_LETTERS ") or channel modes (" MODE_CHANNEL_LETTERS ").\r\n");
}

static void
test_users_summon_disabled(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");

	fake_line(srv, alice, "USERS");
	fake_expect(alice, ":irc.local 446 alice :USERS has been disabled\r\n");
	fake_line(srv, alice, "SUMMON bob");
	fake_expect(alice, ":irc.local 445 alice :SUMMON has been disabled\r\n");
}

static void
test_queries_need_registration(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");
	static const char *const lines[] = {
		"WHO *", "WHOIS x", "WHOWAS x", "ISON x", "USERHOST x", "AWAY :x",
		"MOTD", "LUSERS", "VERSION", "TIME", "ADMIN", "INFO", "LINKS",
		"STATS m", "HELP", "USERS", "SUMMON x",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		fake_line(srv, cli, lines[i]);
		fake_expect(cli, ":irc.local 451 * :You have not registered\r\n");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
		T(test_who_channel),
		T(test_who_secret_channel),
		T(test_who_nick_and_mask),
		T(test_who_hides_invisible),
		T(test_who_flags),
		T(test_whox),
		T(test_whox_token),
		T(test_who_long_line),
		T(test_who_mask_hostile),
		T(test_whois),
		T(test_whois_errors_and_targets),
		T(test_whois_hides_secret_channels),
		T(test_whowas),
		T(test_ison),
		T(test_userhost),
		T(test_away_and_notify),
		T(test_motd),
		T(test_lusers),
		T(test_version),
		T(test_time),
		T(test_admin),
		T(test_info),
		T(test_links),
		T(test_stats),
		T(test_stats_rounds),
		T(test_stats_commands),
		T(test_help),
		T(test_helpop),
		T(test_help_covers_every_command),
		T(test_help_is_current),
		T(test_users_summon_disabled),
		T(test_queries_need_registration),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
