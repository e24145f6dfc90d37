/*
 * UTF8ONLY: msg_is_utf8() on well-formed and malformed byte sequences
 * (RFC 3629), and the core refusing any line that is not UTF-8 with
 * "FAIL <command> INVALID_UTF8" before a handler sees it, so nothing of it
 * is relayed, before or after registration, with labeled-response; and
 * cuts to a length limit never split a character (msg_utf8_trim()). With
 * utf8only = no: no UTF8ONLY token, such lines relayed as they came.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "channel.h"
#include "client.h"
#include "fake.h"
#include "msg.h"
#include "server.h"

#define FAIL_TEXT "INVALID_UTF8 :Message rejected, your IRC software MUST use UTF-8 " \
	"encoding on this network\r\n"

static void
test_is_utf8_table(void **state)
{
	static const struct { const char *s; bool ok; } cases[] = {
		{ "", true },
		{ "plain ascii :with punctuation!", true },
		{ "caf\xc3\xa9", true },                        /* U+00E9 */
		{ "\xe2\x82\xac", true },                       /* U+20AC */
		{ "\xf0\x9f\x98\x80", true },                   /* U+1F600 */
		{ "\xef\xbf\xbf", true },                       /* U+FFFF */
		{ "\xf4\x8f\xbf\xbf", true },                   /* U+10FFFF */
		{ "\xed\x9f\xbf", true },                       /* U+D7FF */
		{ "hi\xaa", false },                            /* lone continuation */
		{ "\x80", false },
		{ "\xc3", false },                              /* truncated */
		{ "\xe2\x82", false },
		{ "\xf0\x9f\x98", false },
		{ "\xc3\x28", false },                          /* bad continuation */
		{ "\xc0\xaf", false },                          /* overlong '/' */
		{ "\xc1\xbf", false },
		{ "\xe0\x80\xaf", false },                      /* overlong, 3 bytes */
		{ "\xf0\x80\x80\xaf", false },                  /* overlong, 4 bytes */
		{ "\xed\xa0\x80", false },                      /* surrogate U+D800 */
		{ "\xed\xbf\xbf", false },                      /* surrogate U+DFFF */
		{ "\xf4\x90\x80\x80", false },                  /* U+110000 */
		{ "\xf5\x80\x80\x80", false },
		{ "\xfe", false },
		{ "\xff", false },
		{ "i\xe8rc\xe9", false },                       /* Latin-1 */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = msg_is_utf8(cases[i].s, strlen(cases[i].s));

		if (got != cases[i].ok)
			fail_msg("case %zu: got %d, want %d", i, got, cases[i].ok);
	}
	/* A NUL byte is a character like any other; the length decides. */
	assert_true(msg_is_utf8("a\0b", 3));
	/* A valid sequence cut by the length is not valid. */
	assert_false(msg_is_utf8("\xc3\xa9", 1));
}

/* The valid prefix, across the eight-byte ASCII steps and their ends. */
static void
test_utf8_valid_prefix(void **state)
{
	static const struct { const char *s; size_t want; } cases[] = {
		{ "", 0 },
		{ "abcdefgh", 8 },
		{ "abcdefgh\x80", 8 },
		{ "abcdefg\xc3\xa9h", 10 },
		{ "abcdefghijklmnop\xed\xa0\x80", 16 },
		{ "abcdefghij\xc3\xa9k\xff" "abcdefgh", 13 },
		{ "\xe2\x82\xac\xf0\x9f\x98\x80" "abcdefghi\xf4\x90\x80\x80", 16 },
		{ "\xc0\xaf", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t got = msg_utf8_valid(cases[i].s, strlen(cases[i].s));

		if (got != cases[i].want)
			fail_msg("case %zu: got %zu, want %zu", i, got, cases[i].want);
	}
}

static void
test_utf8_trim_table(void **state)
{
	static const struct { const char *s; size_t len, want; } cases[] = {
		{ "", 0, 0 },
		{ "abc", 3, 3 },
		{ "ab\xc3\xa9", 4, 4 },            /* complete 2-byte end */
		{ "ab\xc3\xa9", 3, 2 },            /* its lead byte alone */
		{ "\xe2\x82\xac", 2, 0 },           /* 3-byte, one missing */
		{ "\xe2\x82\xac", 3, 3 },
		{ "x\xf0\x9f\x98\x80", 4, 1 },      /* 4-byte, one missing */
		{ "x\xf0\x9f\x98\x80", 3, 1 },
		{ "x\xf0\x9f\x98\x80", 2, 1 },
		{ "x\xf0\x9f\x98\x80", 5, 5 },
		{ "\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 7, 4 },
		/* Not UTF-8 at all: nothing to repair, nothing removed. */
		{ "ab\x80\x80\x80\x80", 6, 6 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t got = msg_utf8_trim(cases[i].s, cases[i].len);

		if (got != cases[i].want)
			fail_msg("case %zu: got %zu, want %zu", i, got, cases[i].want);
	}
	assert_int_equal(msg_utf8_cut("ab\xc3\xa9", 3), 2);
	assert_int_equal(msg_utf8_cut("ab\xc3\xa9", 10), 4);
	assert_int_equal(msg_utf8_cut("abcdef", 2), 2);
}

/*
 * Every cut that can fall inside a character goes before it: the 512-byte
 * line limit, topics, kick reasons, away messages and realnames.
 */
static void
test_cuts_keep_utf8(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct channel *chan = channel_find(srv, "#c");
	char text[600], *out;

	/* ":alice!u@127.0.0.1 PRIVMSG bob :" is 32 bytes; 478 are left. */
	for (size_t skew = 0; skew < 4; skew++) {
		memset(text, 'a', sizeof(text));
		for (size_t i = 470 + skew; i + 4 <= 490 + skew; i += 4)
			memcpy(text + i, "\xf0\x9f\x98\x83", 4);
		text[492] = '\0';
		fake_linef(srv, alice, "PRIVMSG bob :%s", text);
		out = fake_take_output(bob);
		assert_true(strlen(out) <= 512);
		assert_true(msg_is_utf8(out, strlen(out)));
		free(out);
	}
	/* Topic: 390 bytes; a 4-byte character across the limit is dropped. */
	memset(text, 't', 388);
	memcpy(text + 388, "\xf0\x9f\x98\x83", 5);
	fake_linef(srv, alice, "TOPIC #c :%s", text);
	assert_int_equal(strlen(chan->topic), 388);
	fake_drop_all(srv);
	/* Kick reason: 390 bytes. */
	memset(text, 'k', 389);
	memcpy(text + 389, "\xc3\xa9", 3);
	fake_linef(srv, alice, "KICK #c bob :%s", text);
	out = fake_take_output(bob);
	assert_non_null(strstr(out, " KICK #c bob :kkk"));
	assert_true(msg_is_utf8(out, strlen(out)));
	assert_null(strstr(out, "k\xc3"));
	free(out);
	/* Away: 200 bytes. */
	memset(text, 'w', 199);
	memcpy(text + 199, "\xe2\x82\xac", 4);
	fake_linef(srv, alice, "AWAY :%s", text);
	assert_int_equal(strlen(alice->away), 199);
}

static void
test_privmsg_refused_not_relayed(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");

	fake_line(srv, alice, "PRIVMSG #c :hi\xaa");
	fake_expect(alice, ":irc.local FAIL PRIVMSG " FAIL_TEXT);
	fake_expect(bob, "");
	fake_line(srv, alice, "PRIVMSG bob :caf\xe9");
	fake_expect(alice, ":irc.local FAIL PRIVMSG " FAIL_TEXT);
	fake_expect(bob, "");
	/* NOTICE never gets numerics, but the standard reply still comes. */
	fake_line(srv, alice, "notice bob :\xff");
	fake_expect(alice, ":irc.local FAIL NOTICE " FAIL_TEXT);
	fake_expect(bob, "");
	/* Valid UTF-8 goes through untouched. */
	fake_line(srv, alice, "PRIVMSG #c :caf\xc3\xa9 \xf0\x9f\x98\x80");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG #c :caf\xc3\xa9 \xf0\x9f\x98\x80\r\n");
	fake_expect(alice, "");
}

static void
test_topic_and_realname_refused(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct channel *chan = channel_find(srv, "#c");

	fake_line(srv, alice, "TOPIC #c :bad \xc0\xaf topic");
	fake_expect(alice, ":irc.local FAIL TOPIC " FAIL_TEXT);
	assert_null(chan->topic);
	fake_line(srv, alice, "SETNAME :\xed\xa0\x80");
	fake_expect(alice, ":irc.local FAIL SETNAME " FAIL_TEXT);
	assert_string_equal(alice->realname, "Real Name");
	/* Invalid bytes in a tag value refuse the line too. */
	fake_line(srv, alice, "@+x=\xe9 PRIVMSG #c :hi");
	fake_expect(alice, ":irc.local FAIL PRIVMSG " FAIL_TEXT);
	/* A command name that is not a word is not echoed back. */
	fake_line(srv, alice, "PRIV\xe9MSG #c :hi");
	fake_expect(alice, ":irc.local FAIL * " FAIL_TEXT);
}

static void
test_registration_refused(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");

	fake_line(srv, cli, "PASS " FAKE_PASSWORD);
	fake_line(srv, cli, "NICK bar");
	fake_line(srv, cli, "USER \xe8rc\xe9 * * :realname");
	fake_expect(cli, ":irc.local FAIL USER " FAIL_TEXT);
	assert_false(client_is_registered(cli));
	fake_line(srv, cli, "USER u * * :i\xe8rc\xe9");
	fake_expect(cli, ":irc.local FAIL USER " FAIL_TEXT);
	assert_false(client_is_registered(cli));
	/* The client may go on with a valid USER. */
	fake_line(srv, cli, "USER u * * :ok");
	assert_true(client_is_registered(cli));
	assert_string_equal(cli->realname, "ok");
}

static void
test_labeled_fail(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");

	fake_cap_on(srv, alice, "batch echo-message labeled-response");
	fake_line(srv, alice, "@label=xyz PRIVMSG #c hi\xaa");
	fake_expect(alice, "@label=xyz :irc.local FAIL PRIVMSG " FAIL_TEXT);
}

static void
test_isupport(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");

	fake_line(srv, alice, "VERSION");
	fake_expect_has(alice, " UTF8ONLY ");
}

static void
utf8only_off(struct config *cfg)
{
	cfg->utf8only = false;
}

static int
setup_utf8only_off(void **state)
{
	*state = fake_server_adjusted(utf8only_off);
	return 0;
}

/* utf8only = no: no UTF8ONLY token, and Latin-1 relayed byte for byte. */
static void
test_off_relays_bytes(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	char *out;

	fake_line(srv, alice, "VERSION");
	out = fake_take_output(alice);
	assert_non_null(strstr(out, " 005 "));
	assert_null(strstr(out, "UTF8ONLY"));
	free(out);
	fake_line(srv, alice, "PRIVMSG #c :caf\xe9 \xff");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG #c :caf\xe9 \xff\r\n");
	fake_expect(alice, "");
	fake_line(srv, alice, "TOPIC #c :\xe0 bient\xf4t");
	fake_expect_has(bob, " TOPIC #c :\xe0 bient\xf4t\r\n");
	/* Channel names and metadata values stay UTF-8 all the same. */
	fake_line(srv, alice, "JOIN #caf\xe9");
	fake_expect_has(alice, " 476 alice #caf\xe9 ");
	assert_null(channel_find(srv, "#caf\xe9"));
	fake_cap_on(srv, alice, "draft/metadata-3");
	fake_line(srv, alice, "METADATA * SET k :\xe9");
	fake_expect_has(alice, "FAIL METADATA INVALID_VALUE k :Value is not UTF-8");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_utf8_table),
		cmocka_unit_test(test_utf8_valid_prefix),
		cmocka_unit_test(test_utf8_trim_table),
		T(test_cuts_keep_utf8),
		T(test_privmsg_refused_not_relayed),
		T(test_topic_and_realname_refused),
		T(test_registration_refused),
		T(test_labeled_fail),
		T(test_isupport),
		cmocka_unit_test_setup_teardown(test_off_relays_bytes,
		    setup_utf8only_off, fake_teardown),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
