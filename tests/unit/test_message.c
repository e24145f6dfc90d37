/*
 * PRIVMSG and NOTICE through server_on_line(): relayed lines byte for byte,
 * target lists and TARGMAX, the 401/404/411/412/407 errors and NOTICE's
 * silence (RFC 2812 3.3.2), channel modes n/m/b and voice, STATUSMSG, away
 * replies, echo-message and CTCP payloads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cap.h"
#include "channel.h"
#include "client.h"
#include "fake.h"
#include "server.h"

static void
test_privmsg_nick(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_registered(srv, "carol");

	fake_line(srv, alice, "PRIVMSG bob :hello there");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG bob :hello there\r\n");
	fake_expect(alice, "");
	fake_expect(carol, "");
	/* The nick is matched under rfc1459 and spelled as the server has it. */
	fake_line(srv, alice, "PRIVMSG BOB :x");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG bob :x\r\n");
	/* A one-word text needs no ':'. */
	fake_line(srv, alice, "PRIVMSG bob word");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG bob :word\r\n");
	fake_line(srv, alice, "NOTICE bob :psst");
	fake_expect(bob, ":alice!u@127.0.0.1 NOTICE bob :psst\r\n");
	fake_expect(alice, "");
	/* A ':' inside the text survives. */
	fake_line(srv, alice, "PRIVMSG bob ::) a :b");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG bob ::) a :b\r\n");
}

static void
test_privmsg_channel(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *carol = fake_joined(srv, "carol", "#c");
	struct client *out = fake_joined(srv, "dave", "#other");

	fake_line(srv, alice, "PRIVMSG #c :hi all");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG #c :hi all\r\n");
	fake_expect(carol, ":alice!u@127.0.0.1 PRIVMSG #c :hi all\r\n");
	/* The sender does not get its own channel message back. */
	fake_expect(alice, "");
	fake_expect(out, "");
	/* Channel names fold too; the channel's own spelling is used. */
	fake_line(srv, bob, "NOTICE #C :note");
	fake_expect(alice, ":bob!u@127.0.0.1 NOTICE #c :note\r\n");
	fake_expect(carol, ":bob!u@127.0.0.1 NOTICE #c :note\r\n");
	fake_expect(bob, "");
	fake_expect(out, "");
}

static void
test_privmsg_target_list(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *carol = fake_registered(srv, "carol");

	fake_line(srv, alice, "PRIVMSG bob,carol :both");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG bob :both\r\n");
	fake_expect(carol, ":alice!u@127.0.0.1 PRIVMSG carol :both\r\n");
	fake_expect(alice, "");
	/* A nick, an unknown nick and a channel (made -n for outsiders). */
	fake_line(srv, bob, "MODE #c -n");
	fake_drop_output(bob);
	fake_line(srv, alice, "PRIVMSG carol,nobody,#c :mixed");
	fake_expect(carol, ":alice!u@127.0.0.1 PRIVMSG carol :mixed\r\n");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG #c :mixed\r\n");
	fake_expect(alice, ":irc.local 401 alice nobody :No such nick/channel\r\n");
}

/* TARGMAX PRIVMSG:4 / NOTICE:4: the fifth target is refused, and the rest. */
static void
test_privmsg_too_many_targets(void **state)
{
	static const char *const nicks[] = { "n1", "n2", "n3", "n4", "n5", "n6" };
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *to[6];
	char want[128];

	for (size_t i = 0; i < 6; i++)
		to[i] = fake_registered(srv, nicks[i]);
	fake_line(srv, alice, "PRIVMSG n1,n2,n3,n4,n5,n6 :spam");
	for (size_t i = 0; i < 4; i++) {
		snprintf(want, sizeof(want), ":alice!u@127.0.0.1 PRIVMSG %s :spam\r\n",
		    nicks[i]);
		fake_expect(to[i], want);
	}
	fake_expect(to[4], "");
	fake_expect(to[5], "");
	fake_expect(alice, ":irc.local 407 alice n5 :Too many targets\r\n");
	fake_line(srv, alice, "NOTICE n1,n2,n3,n4,n5,n6 :spam");
	fake_expect(to[3], ":alice!u@127.0.0.1 NOTICE n4 :spam\r\n");
	fake_expect(to[4], "");
	fake_expect(alice, "");
}

static void
test_privmsg_411_412(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *bob = fake_registered(srv, "bob");

	fake_line(srv, alice, "PRIVMSG");
	fake_expect(alice, ":irc.local 411 alice :No recipient given (PRIVMSG)\r\n");
	fake_line(srv, alice, "PRIVMSG :");
	fake_expect(alice, ":irc.local 411 alice :No recipient given (PRIVMSG)\r\n");
	fake_line(srv, alice, "PRIVMSG bob");
	fake_expect(alice, ":irc.local 412 alice :No text to send\r\n");
	fake_line(srv, alice, "PRIVMSG bob :");
	fake_expect(alice, ":irc.local 412 alice :No text to send\r\n");
	fake_expect(bob, "");
	/* RFC 2812 3.3.2: no automatic reply to NOTICE, errors included. */
	fake_line(srv, alice, "NOTICE");
	fake_line(srv, alice, "NOTICE :");
	fake_line(srv, alice, "NOTICE bob");
	fake_line(srv, alice, "NOTICE bob :");
	fake_expect(alice, "");
	fake_expect(bob, "");
}

static void
test_privmsg_401(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *unreg = fake_client(srv, "127.0.0.1");

	fake_line(srv, alice, "PRIVMSG nobody :x");
	fake_expect(alice, ":irc.local 401 alice nobody :No such nick/channel\r\n");
	fake_line(srv, alice, "PRIVMSG #nochan :x");
	fake_expect(alice, ":irc.local 401 alice #nochan :No such nick/channel\r\n");
	fake_line(srv, alice, "PRIVMSG @#nochan :x");
	fake_expect(alice, ":irc.local 401 alice @#nochan :No such nick/channel\r\n");
	/* A nick reserved by an unregistered client is not a user yet. */
	fake_line(srv, unreg, "NICK ghost");
	fake_line(srv, alice, "PRIVMSG ghost :x");
	fake_expect(alice, ":irc.local 401 alice ghost :No such nick/channel\r\n");
	fake_expect(unreg, "");
	fake_line(srv, alice, "NOTICE nobody :x");
	fake_line(srv, alice, "NOTICE #nochan :x");
	fake_line(srv, alice, "NOTICE ghost :x");
	fake_expect(alice, "");
	fake_expect(unreg, "");
}

/* New channels are +nt: outsiders get 404; -n lets them speak. */
static void
test_privmsg_404_noexternal(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#c");
	struct client *out = fake_registered(srv, "out");

	fake_line(srv, out, "PRIVMSG #c :let me in");
	fake_expect(out, ":irc.local 404 out #c :Cannot send to channel\r\n");
	fake_expect(op, "");
	fake_line(srv, out, "NOTICE #c :let me in");
	fake_expect(out, "");
	fake_expect(op, "");
	fake_line(srv, op, "MODE #c -n");
	fake_drop_output(op);
	fake_line(srv, out, "PRIVMSG #c :from outside");
	fake_expect(op, ":out!u@127.0.0.1 PRIVMSG #c :from outside\r\n");
	fake_expect(out, "");
}

static void
test_privmsg_404_moderated(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");

	fake_line(srv, op, "MODE #c +m");
	fake_drop_all(srv);
	fake_line(srv, bob, "PRIVMSG #c :quiet?");
	fake_expect(bob, ":irc.local 404 bob #c :Cannot send to channel\r\n");
	fake_expect(op, "");
	fake_line(srv, bob, "NOTICE #c :quiet?");
	fake_expect(bob, "");
	fake_expect(op, "");
	/* Ops speak on +m. */
	fake_line(srv, op, "PRIVMSG #c :ops can");
	fake_expect(bob, ":op!u@127.0.0.1 PRIVMSG #c :ops can\r\n");
	fake_line(srv, op, "MODE #c +v bob");
	fake_drop_all(srv);
	fake_line(srv, bob, "PRIVMSG #c :voiced now");
	fake_expect(op, ":bob!u@127.0.0.1 PRIVMSG #c :voiced now\r\n");
	fake_expect(bob, "");
}

static void
test_privmsg_404_banned(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *carol = fake_joined(srv, "carol", "#c");

	fake_line(srv, op, "MODE #c +b bob!*@*");
	fake_drop_all(srv);
	fake_line(srv, bob, "PRIVMSG #c :banned?");
	fake_expect(bob, ":irc.local 404 bob #c :Cannot send to channel\r\n");
	fake_expect(op, "");
	fake_expect(carol, "");
	fake_line(srv, bob, "NOTICE #c :banned?");
	fake_expect(bob, "");
	fake_expect(carol, "");
	/* The mask matches under the casemapping. */
	fake_line(srv, carol, "PRIVMSG #c :not me");
	fake_expect(bob, ":carol!u@127.0.0.1 PRIVMSG #c :not me\r\n");
	fake_line(srv, op, "MODE #c +b CAROL");
	fake_drop_all(srv);
	fake_line(srv, carol, "PRIVMSG #c :x");
	fake_expect(carol, ":irc.local 404 carol #c :Cannot send to channel\r\n");
	/* Voice overrides a ban for speaking. */
	fake_line(srv, op, "MODE #c +v bob");
	fake_drop_all(srv);
	fake_line(srv, bob, "PRIVMSG #c :voiced");
	fake_expect(op, ":bob!u@127.0.0.1 PRIVMSG #c :voiced\r\n");
	fake_expect(carol, ":bob!u@127.0.0.1 PRIVMSG #c :voiced\r\n");
	fake_expect(bob, "");
	/* Private messages are not affected by channel bans. */
	fake_line(srv, carol, "PRIVMSG bob :still here");
	fake_expect(bob, ":carol!u@127.0.0.1 PRIVMSG bob :still here\r\n");
}

/* STATUSMSG=@+: "@#c" reaches ops, "+#c" voiced users and ops. */
static void
test_privmsg_statusmsg(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#c");
	struct client *op2 = fake_joined(srv, "op2", "#c");
	struct client *vo = fake_joined(srv, "vo", "#c");
	struct client *plain = fake_joined(srv, "plain", "#c");

	fake_line(srv, op, "MODE #c +ov op2 vo");
	fake_drop_all(srv);
	fake_line(srv, plain, "PRIVMSG @#c :to ops");
	fake_expect(op, ":plain!u@127.0.0.1 PRIVMSG @#c :to ops\r\n");
	fake_expect(op2, ":plain!u@127.0.0.1 PRIVMSG @#c :to ops\r\n");
	fake_expect(vo, "");
	fake_expect(plain, "");
	fake_line(srv, plain, "NOTICE +#c :to voices");
	fake_expect(op, ":plain!u@127.0.0.1 NOTICE +#c :to voices\r\n");
	fake_expect(op2, ":plain!u@127.0.0.1 NOTICE +#c :to voices\r\n");
	fake_expect(vo, ":plain!u@127.0.0.1 NOTICE +#c :to voices\r\n");
	fake_expect(plain, "");
	/* An op sending to @#c does not get it back. */
	fake_line(srv, op, "PRIVMSG @#c :ops only");
	fake_expect(op, "");
	fake_expect(op2, ":op!u@127.0.0.1 PRIVMSG @#c :ops only\r\n");
	fake_expect(vo, "");
	fake_expect(plain, "");
}

/* The channel's send rules apply to STATUSMSG too. */
static void
test_privmsg_statusmsg_refused(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#c");
	struct client *out = fake_registered(srv, "out");

	fake_line(srv, out, "PRIVMSG @#c :hi");
	fake_expect(out, ":irc.local 404 out #c :Cannot send to channel\r\n");
	fake_expect(op, "");
	fake_line(srv, out, "NOTICE @#c :hi");
	fake_expect(out, "");
	fake_expect(op, "");
}

/* RFC 2812 3.3.1: 301 answers PRIVMSG to an away user, never NOTICE. */
static void
test_privmsg_away(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *bob = fake_registered(srv, "bob");

	fake_line(srv, bob, "AWAY :gone fishing");
	fake_drop_output(bob);
	fake_line(srv, alice, "PRIVMSG bob :you there?");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG bob :you there?\r\n");
	fake_expect(alice, ":irc.local 301 alice bob :gone fishing\r\n");
	fake_line(srv, alice, "NOTICE bob :fyi");
	fake_expect(bob, ":alice!u@127.0.0.1 NOTICE bob :fyi\r\n");
	fake_expect(alice, "");
	fake_line(srv, bob, "AWAY");
	fake_drop_output(bob);
	fake_line(srv, alice, "PRIVMSG bob :back?");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG bob :back?\r\n");
	fake_expect(alice, "");
}

/* An away member does not produce 301 for channel messages. */
static void
test_privmsg_away_channel(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");

	fake_line(srv, bob, "AWAY :gone");
	fake_drop_all(srv);
	fake_line(srv, alice, "PRIVMSG #c :hello");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG #c :hello\r\n");
	fake_expect(alice, "");
}

/* IRCv3 echo-message: the sender gets its message once, as others do. */
static void
test_privmsg_echo_message(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");

	fake_line(srv, alice, "CAP REQ :echo-message");
	fake_expect(alice, ":irc.local CAP alice ACK :echo-message\r\n");
	fake_line(srv, alice, "PRIVMSG #c :echo me");
	fake_expect(alice, ":alice!u@127.0.0.1 PRIVMSG #c :echo me\r\n");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG #c :echo me\r\n");
	fake_line(srv, alice, "PRIVMSG bob :direct");
	fake_expect(alice, ":alice!u@127.0.0.1 PRIVMSG bob :direct\r\n");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG bob :direct\r\n");
	fake_line(srv, alice, "NOTICE bob :note");
	fake_expect(alice, ":alice!u@127.0.0.1 NOTICE bob :note\r\n");
	fake_expect(bob, ":alice!u@127.0.0.1 NOTICE bob :note\r\n");
	/* Two targets, two echoes, each once. */
	fake_line(srv, alice, "PRIVMSG #c,bob :two");
	fake_expect(alice, ":alice!u@127.0.0.1 PRIVMSG #c :two\r\n"
	    ":alice!u@127.0.0.1 PRIVMSG bob :two\r\n");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG #c :two\r\n"
	    ":alice!u@127.0.0.1 PRIVMSG bob :two\r\n");
	/* A refused message is not echoed. */
	fake_line(srv, alice, "PRIVMSG nobody :lost");
	fake_expect(alice, ":irc.local 401 alice nobody :No such nick/channel\r\n");
	/* Without the cap, no echo. */
	fake_line(srv, bob, "PRIVMSG alice :plain");
	fake_expect(bob, "");
	fake_expect(alice, ":bob!u@127.0.0.1 PRIVMSG alice :plain\r\n");
}

/* CTCP is opaque to the server: \x01 and all other bytes pass unchanged. */
static void
test_privmsg_ctcp(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");

	fake_line(srv, alice, "PRIVMSG #c :\x01" "ACTION waves\x01");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG #c :\x01" "ACTION waves\x01\r\n");
	fake_line(srv, alice, "PRIVMSG bob :\x01" "DCC SEND file 2130706433 5000 12\x01");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG bob :\x01"
	    "DCC SEND file 2130706433 5000 12\x01\r\n");
	fake_line(srv, bob, "NOTICE alice :\x01" "VERSION irssi 1.4\x01");
	fake_expect(alice, ":bob!u@127.0.0.1 NOTICE alice :\x01" "VERSION irssi 1.4\x01\r\n");
	/* UTF-8 and colour codes too. */
	fake_line(srv, alice, "PRIVMSG bob :\x03" "4red\x0f caf\xc3\xa9");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG bob :\x03" "4red\x0f caf\xc3\xa9\r\n");
	fake_expect(alice, "");
}

/* Channel mode +C: no CTCP to the channel but ACTION, from anyone. */
static void
test_privmsg_noctcp(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *out = fake_registered(srv, "out");
	static const char *const refused[] = {
		"\x01VERSION\x01", "\x01PING 123\x01", "\x01" "DCC SEND f 1 2 3\x01",
		"\x01", "\x01\x01", "\x01" "ACTIONS x\x01", "\x01" "action lower\x01",
		"\x01" "ACTIO\x01",
	};
	static const char *const allowed[] = {
		"\x01" "ACTION waves\x01", "\x01" "ACTION\x01", "\x01" "ACTION", "\x01" "ACTION ",
		"text with \x01VERSION\x01 inside", " \x01VERSION\x01",
	};

	fake_line(srv, alice, "MODE #c +C-n");
	fake_expect(bob, ":alice!u@127.0.0.1 MODE #c +C-n\r\n");
	fake_drop_output(alice);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		/* The operator is no exception; nor is an outsider. */
		fake_linef(srv, alice, "PRIVMSG #c :%s", refused[i]);
		fake_expect(alice, ":irc.local 404 alice #c :Cannot send to channel\r\n");
		fake_linef(srv, out, "PRIVMSG #c :%s", refused[i]);
		fake_expect(out, ":irc.local 404 out #c :Cannot send to channel\r\n");
		/* A CTCP reply by NOTICE is dropped without a word. */
		fake_linef(srv, alice, "NOTICE #c :%s", refused[i]);
		fake_expect(alice, "");
		fake_expect(bob, "");
	}
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		char want[128];

		fake_linef(srv, alice, "PRIVMSG #c :%s", allowed[i]);
		snprintf(want, sizeof(want), ":alice!u@127.0.0.1 PRIVMSG #c :%s\r\n", allowed[i]);
		fake_expect(bob, want);
		fake_expect(alice, "");
	}
	/* Private CTCP is untouched; and -C lifts the rule. */
	fake_line(srv, alice, "PRIVMSG bob :\x01VERSION\x01");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG bob :\x01VERSION\x01\r\n");
	fake_line(srv, alice, "MODE #c");
	fake_expect_has(alice, ":irc.local 324 alice #c +Ct\r\n");
	fake_line(srv, alice, "MODE #c -C");
	fake_drop_all(srv);
	fake_line(srv, alice, "PRIVMSG #c :\x01VERSION\x01");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG #c :\x01VERSION\x01\r\n");
	/* Only operators set it. */
	fake_line(srv, bob, "MODE #c +C");
	fake_expect(bob, ":irc.local 482 bob #c :You're not channel operator\r\n");
}

/* A relayed line that would pass 512 bytes is cut, still ending in CR LF. */
static void
test_privmsg_relay_truncated(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *bob = fake_registered(srv, "bob");
	char line[600];
	char *out;

	memset(line, 'x', sizeof(line));
	memcpy(line, "PRIVMSG bob :", 13);
	line[510] = '\0';
	fake_line(srv, alice, line);
	out = fake_take_output(bob);
	assert_int_equal(strlen(out), 512);
	assert_memory_equal(out, ":alice!u@127.0.0.1 PRIVMSG bob :xxx", 35);
	assert_memory_equal(out + 508, "xx\r\n", 4);
	free(out);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
	const struct CMUnitTest tests[] = {
		T(test_privmsg_nick),
		T(test_privmsg_channel),
		T(test_privmsg_target_list),
		T(test_privmsg_too_many_targets),
		T(test_privmsg_411_412),
		T(test_privmsg_401),
		T(test_privmsg_404_noexternal),
		T(test_privmsg_404_moderated),
		T(test_privmsg_404_banned),
		T(test_privmsg_statusmsg),
		T(test_privmsg_statusmsg_refused),
		T(test_privmsg_away),
		T(test_privmsg_away_channel),
		T(test_privmsg_echo_message),
		T(test_privmsg_ctcp),
		T(test_privmsg_noctcp),
		T(test_privmsg_relay_truncated),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
