/*
 * IRCv3 message-tags, server-time, msgid and TAGMSG through the core: the
 * exact lines a client with and without each capability receives, and the
 * pure client-only tag filter.
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
#include "fake.h"
#include "msg.h"
#include "server.h"

/* FAKE_NOW as IRCv3 server-time. */
#define FAKE_TIME "time=2023-11-14T22:13:20.000Z"

static struct client *
member_with(struct server *srv, const char *nick, const char *caps)
{
	struct client *cli = fake_joined(srv, nick, "#c");

	if (caps[0]) {
		fake_linef(srv, cli, "CAP REQ :%s", caps);
		fake_expect_has(cli, " ACK :");
	}
	fake_drop_all(srv);
	return cli;
}

/* The msgid value in a line "@...msgid=X;..." or "@...msgid=X ", copied. */
static void
msgid_of(const char *line, char *out, size_t outsz)
{
	const char *p = strstr(line, "msgid=");
	size_t n;

	assert_non_null(p);
	p += 6;
	n = strcspn(p, "; ");
	assert_true(n > 0 && n < outsz);
	memcpy(out, p, n);
	out[n] = '\0';
}

static void
test_client_tags_filter(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "+a=b", "+a=b" },
		{ "a=b;+c", "+c" },
		{ "+typing=active;msgid=x;+draft/react=\\:)", "+typing=active;+draft/react=\\:)" },
		{ "time=2020;label=x", "" },
		{ "+", "" },
		{ "+bad key=1;+ok", "+ok" },
		{ "+a=b;;+c=d", "+a=b;+c=d" },
		{ "", "" },
	};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = msg_client_tags(cases[i].in, out, sizeof(out));

		assert_string_equal(out, cases[i].out);
		assert_int_equal(n, strlen(cases[i].out));
	}
	/* Too small an output keeps whole tags only. */
	assert_int_equal(msg_client_tags("+abc=1;+d", out, 6), 2);
	assert_string_equal(out, "+d");
}

static void
test_privmsg_tags_per_capability(void **state)
{
	struct server *srv = *state;
	struct client *alice = member_with(srv, "alice", "");
	struct client *plain = member_with(srv, "plain", "");
	struct client *st = member_with(srv, "st", "server-time");
	struct client *mt = member_with(srv, "mt", "message-tags");
	struct client *both = member_with(srv, "both", "message-tags server-time");
	char *out, id[64], id2[64];

	fake_line(srv, alice, "@+x=1;secret=no PRIVMSG #c :hi");
	fake_expect(plain, ":alice!u@127.0.0.1 PRIVMSG #c :hi\r\n");
	fake_expect(st, "@" FAKE_TIME " :alice!u@127.0.0.1 PRIVMSG #c :hi\r\n");
	out = fake_take_output(mt);
	msgid_of(out, id, sizeof(id));
	{
		char want[256];

		snprintf(want, sizeof(want), "@msgid=%s;+x=1 :alice!u@127.0.0.1 PRIVMSG #c :hi\r\n", id);
		assert_string_equal(out, want);
		free(out);
		out = fake_take_output(both);
		msgid_of(out, id2, sizeof(id2));
		assert_string_equal(id, id2);
		snprintf(want, sizeof(want), "@" FAKE_TIME ";msgid=%s;+x=1 "
		    ":alice!u@127.0.0.1 PRIVMSG #c :hi\r\n", id);
		assert_string_equal(out, want);
	}
	free(out);
	fake_expect(alice, "");
}

static void
test_msgids_differ(void **state)
{
	struct server *srv = *state;
	struct client *alice = member_with(srv, "alice", "");
	struct client *mt = member_with(srv, "mt", "message-tags");
	char *out, a[64], b[64];

	fake_line(srv, alice, "PRIVMSG #c :one");
	out = fake_take_output(mt);
	msgid_of(out, a, sizeof(a));
	free(out);
	fake_line(srv, alice, "PRIVMSG mt :two");
	out = fake_take_output(mt);
	msgid_of(out, b, sizeof(b));
	free(out);
	assert_string_not_equal(a, b);
}

static void
test_tagmsg_only_to_message_tags(void **state)
{
	struct server *srv = *state;
	struct client *alice = member_with(srv, "alice", "message-tags echo-message");
	struct client *plain = member_with(srv, "plain", "echo-message");
	struct client *mt = member_with(srv, "mt", "message-tags");
	char *out;

	fake_line(srv, alice, "@+typing=active TAGMSG #c");
	fake_expect(plain, "");
	out = fake_take_output(mt);
	assert_non_null(strstr(out, ";+typing=active :alice!u@127.0.0.1 TAGMSG #c\r\n"));
	free(out);
	/* echo-message: the sender gets its own TAGMSG with the same tags. */
	fake_expect_has(alice, ";+typing=active :alice!u@127.0.0.1 TAGMSG #c\r\n");
	/* To a nick without message-tags: nothing, and no error. */
	fake_line(srv, alice, "@+typing=active TAGMSG plain");
	fake_expect(plain, "");
	fake_line(srv, mt, "@+typing=paused TAGMSG alice");
	fake_expect_has(alice, ";+typing=paused :mt!u@127.0.0.1 TAGMSG alice\r\n");
	/* Errors as for PRIVMSG. */
	fake_line(srv, alice, "TAGMSG nobody");
	fake_expect_has(alice, " 401 alice nobody :No such nick/channel\r\n");
	fake_line(srv, alice, "TAGMSG");
	fake_expect(alice, ":irc.local 411 alice :No recipient given (TAGMSG)\r\n");
}

static void
test_echo_keeps_msgid(void **state)
{
	struct server *srv = *state;
	struct client *alice = member_with(srv, "alice", "message-tags echo-message");
	struct client *mt = member_with(srv, "mt", "message-tags");
	char *out, a[64], b[64];

	fake_line(srv, alice, "PRIVMSG #c :hello");
	out = fake_take_output(mt);
	msgid_of(out, a, sizeof(a));
	free(out);
	out = fake_take_output(alice);
	msgid_of(out, b, sizeof(b));
	assert_non_null(strstr(out, " :alice!u@127.0.0.1 PRIVMSG #c :hello\r\n"));
	free(out);
	assert_string_equal(a, b);
}

static void
test_server_time_on_joins(void **state)
{
	struct server *srv = *state;
	struct client *st = member_with(srv, "st", "server-time");
	struct client *bob = fake_registered(srv, "bob");

	fake_line(srv, bob, "JOIN #c");
	fake_expect(st, "@" FAKE_TIME " :bob!u@127.0.0.1 JOIN #c\r\n");
	fake_advance(srv, 1);
	fake_line(srv, bob, "PART #c :bye");
	fake_expect(st, "@time=2023-11-14T22:13:21.000Z :bob!u@127.0.0.1 PART #c :bye\r\n");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_tags_filter),
		T(test_privmsg_tags_per_capability),
		T(test_msgids_differ),
		T(test_tagmsg_only_to_message_tags),
		T(test_echo_keeps_msgid),
		T(test_server_time_on_joins),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
