/*
 * RENAME (draft/channel-rename) through server_on_line(): the RENAME line
 * for members with the capability, the PART/JOIN/topic/NAMES fallback for
 * the others (none for a change of case), state kept under the new name,
 * and the refusals: 403, 442, 482, 476, 461 and the FAIL codes
 * CHANNEL_NAME_IN_USE and CANNOT_RENAME (prefix change, cooldown). The
 * history goes with the channel, in memory and in the journal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "channel.h"
#include "client.h"
#include "fake.h"
#include "history.h"
#include "journal.h"
#include "persist.h"
#include "server.h"

static void
test_rename_with_cap(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#old");
	struct client *bob = fake_joined(srv, "bob", "#old");
	struct channel *chan = channel_find(srv, "#old");

	fake_cap_on(srv, op, "draft/channel-rename");
	fake_cap_on(srv, bob, "draft/channel-rename");
	fake_line(srv, op, "MODE #old +kb sesame spam!*@*");
	fake_line(srv, op, "TOPIC #old :the topic");
	fake_drop_all(srv);
	fake_line(srv, op, "RENAME #old #new :no reason");
	fake_expect(op, ":op!u@127.0.0.1 RENAME #old #new :no reason\r\n");
	fake_expect(bob, ":op!u@127.0.0.1 RENAME #old #new :no reason\r\n");
	/* The same channel, state and all, under the new name only. */
	assert_ptr_equal(channel_find(srv, "#new"), chan);
	assert_null(channel_find(srv, "#old"));
	assert_string_equal(chan->name, "#new");
	assert_string_equal(chan->key, "sesame");
	assert_int_equal(chan->bans.n, 1);
	assert_string_equal(chan->topic, "the topic");
	fake_line(srv, bob, "PRIVMSG #new :hi");
	fake_expect(op, ":bob!u@127.0.0.1 PRIVMSG #new :hi\r\n");
	fake_line(srv, bob, "PRIVMSG #old :hi");
	fake_expect(bob, ":irc.local 401 bob #old :No such nick/channel\r\n");
	/* Without a reason, the RENAME still has its third parameter. */
	fake_advance(srv, 60);
	fake_line(srv, op, "RENAME #new #newer");
	fake_expect(bob, ":op!u@127.0.0.1 RENAME #new #newer :\r\n");
}

static void
test_rename_fallback(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#bar");
	struct client *baz = fake_joined(srv, "baz", "#bar");
	struct client *ext = fake_joined(srv, "ext", "#bar");
	struct client *out = fake_joined(srv, "out", "#elsewhere");

	fake_cap_on(srv, op, "draft/channel-rename");
	fake_cap_on(srv, ext, "extended-join draft/no-implicit-names");
	fake_line(srv, op, "TOPIC #bar :hello");
	fake_drop_all(srv);
	fake_line(srv, op, "RENAME #bar #qux :moving");
	fake_expect(op, ":op!u@127.0.0.1 RENAME #bar #qux :moving\r\n");
	fake_expect(baz, ":baz!u@127.0.0.1 PART #bar :moving\r\n"
	    ":baz!u@127.0.0.1 JOIN #qux\r\n"
	    ":irc.local 332 baz #qux :hello\r\n"
	    ":irc.local 333 baz #qux op!u@127.0.0.1 1700000000\r\n"
	    ":irc.local 353 baz = #qux :@op baz ext\r\n"
	    ":irc.local 366 baz #qux :End of /NAMES list\r\n");
	/* Each fallback follows the member's own capabilities. */
	fake_expect(ext, ":ext!u@127.0.0.1 PART #bar :moving\r\n"
	    ":ext!u@127.0.0.1 JOIN #qux * :Real Name\r\n"
	    ":irc.local 332 ext #qux :hello\r\n"
	    ":irc.local 333 ext #qux op!u@127.0.0.1 1700000000\r\n");
	fake_expect(out, "");
	/* The renamer without the capability gets the fallback too. */
	fake_advance(srv, 60);
	fake_line(srv, baz, "MODE #qux +o baz");
	fake_expect(baz, ":irc.local 482 baz #qux :You're not channel operator\r\n");
	fake_line(srv, op, "MODE #qux +o baz");
	fake_drop_all(srv);
	fake_line(srv, baz, "RENAME #qux #last");
	fake_expect_has(baz, ":baz!u@127.0.0.1 PART #qux\r\n:baz!u@127.0.0.1 JOIN #last\r\n");
	fake_expect(op, ":baz!u@127.0.0.1 RENAME #qux #last :\r\n");
}

static void
test_rename_case_only(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#abc");
	struct client *bob = fake_joined(srv, "bob", "#abc");
	struct client *carol = fake_joined(srv, "carol", "#abc");

	fake_cap_on(srv, bob, "draft/channel-rename");
	fake_drop_all(srv);
	fake_line(srv, op, "RENAME #abc #ABC :case");
	/* No fallback for a change of case; the capability still hears it. */
	fake_expect(op, "");
	fake_expect(carol, "");
	fake_expect(bob, ":op!u@127.0.0.1 RENAME #abc #ABC :case\r\n");
	assert_string_equal(channel_find(srv, "#abc")->name, "#ABC");
	/* The very same name is no change at all. */
	fake_advance(srv, 60);
	fake_line(srv, op, "RENAME #abc #ABC");
	fake_expect(bob, "");
	fake_expect(op, "");
}

static void
test_rename_refused(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#a");
	struct client *bob = fake_joined(srv, "bob", "#a");
	struct client *out = fake_joined(srv, "out", "#b");

	fake_line(srv, op, "RENAME #nope #x");
	fake_expect(op, ":irc.local 403 op #nope :No such channel\r\n");
	fake_line(srv, op, "RENAME #a");
	fake_expect(op, ":irc.local 461 op RENAME :Not enough parameters\r\n");
	fake_line(srv, out, "RENAME #a #x");
	fake_expect(out, ":irc.local 442 out #a :You're not on that channel\r\n");
	fake_line(srv, bob, "RENAME #a #x");
	fake_expect(bob, ":irc.local 482 bob #a :You're not channel operator\r\n");
	fake_line(srv, op, "RENAME #a nochan");
	fake_expect(op, ":irc.local 476 op nochan :Bad Channel Mask\r\n");
	fake_line(srv, op, "RENAME #a :#x y");
	fake_expect(op, ":irc.local 476 op * :Bad Channel Mask\r\n");
	fake_linef(srv, op, "RENAME #a #%060d", 0);
	fake_expect_has(op, " 476 op #000");
	fake_line(srv, op, "RENAME #a &a");
	fake_expect(op, ":irc.local FAIL RENAME CANNOT_RENAME #a &a "
	    ":You cannot change a channel prefix type\r\n");
	fake_line(srv, op, "RENAME #a #B");
	fake_expect(op, ":irc.local FAIL RENAME CHANNEL_NAME_IN_USE #a #B :Channel already exists\r\n");
	fake_expect(bob, "");
	fake_expect(out, "");
	assert_non_null(channel_find(srv, "#a"));
	/* One rename a minute per channel. */
	fake_line(srv, op, "RENAME #a #c");
	fake_drop_all(srv);
	fake_line(srv, op, "RENAME #c #d");
	fake_expect(op, ":irc.local FAIL RENAME CANNOT_RENAME #c #d "
	    ":This channel has been renamed recently\r\n");
	fake_advance(srv, 59);
	fake_line(srv, op, "RENAME #c #d");
	fake_expect_has(op, " FAIL RENAME CANNOT_RENAME #c #d ");
	fake_advance(srv, 1);
	fake_line(srv, op, "RENAME #c #d");
	fake_expect_has(op, ":op!u@127.0.0.1 JOIN #d\r\n");
}

static void
test_rename_cap_listed(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");

	fake_line(srv, cli, "CAP LS 302");
	fake_expect_has(cli, " draft/channel-rename ");
}

/*
 * CHATHISTORY on the new name gives the messages from before the rename,
 * with the channel's name now; what a channel that is gone had left under
 * the new name is not among them. A replay of the journal agrees.
 */
static void
test_rename_history(void **state)
{
	struct server *srv = *state, *again = fake_server();
	struct client *gone, *op, *bob;
	struct persist_stats st;
	uint8_t h[JOURNAL_HEADER_SIZE];
	char *out, *a, *b;
	struct buf j;

	buf_init(&j, 0);
	journal_header(h);
	assert_int_equal(buf_append(&j, h, sizeof(h)), 0);
	srv->journal = &j;
	persist_attach(srv);
	gone = fake_joined(srv, "gone", "#new");
	op = fake_joined(srv, "op", "#old");
	bob = fake_joined(srv, "bob", "#old");
	fake_line(srv, gone, "PRIVMSG #new :stale");
	fake_line(srv, gone, "PART #new");
	assert_null(channel_find(srv, "#new"));
	fake_line(srv, op, "PRIVMSG #old :one");
	fake_line(srv, op, "TOPIC #old :a topic");
	fake_line(srv, bob, "PRIVMSG #old :two");
	fake_line(srv, op, "RENAME #old #New :moving");
	fake_cap_on(srv, bob, "batch server-time message-tags draft/chathistory "
	    "draft/event-playback");
	fake_drop_all(srv);
	fake_line(srv, bob, "CHATHISTORY LATEST #new * 10");
	out = fake_take_output(bob);
	assert_non_null(strstr(out, " :op!u@127.0.0.1 PRIVMSG #New :one\r\n"));
	assert_non_null(strstr(out, " :op!u@127.0.0.1 TOPIC #New :a topic\r\n"));
	assert_non_null(strstr(out, " :bob!u@127.0.0.1 PRIVMSG #New :two\r\n"));
	assert_null(strstr(out, "#old"));
	assert_null(strstr(out, "stale"));
	free(out);
	/* Restarted from the journal: the same history, under the new name. */
	assert_int_equal(persist_replay(again, buf_data(&j), buf_len(&j), &st),
	    JOURNAL_HEADER_OK);
	assert_int_equal(st.bad, 0);
	a = fake_history_dump(srv);
	b = fake_history_dump(again);
	assert_string_equal(a, b);
	/* Every item's target (the first field) is the new name. */
	assert_int_equal(strncmp(a, "#New|-|", 7), 0);
	assert_null(strstr(a, "\n#old|"));
	assert_null(strstr(a, "stale"));
	free(a);
	free(b);
	srv->journal = NULL;
	buf_free(&j);
	fake_free(again);
}

/* A change of case only keeps the history; a name without one, nothing. */
static void
test_rename_history_case(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#case");
	struct history_item it;

	fake_line(srv, op, "PRIVMSG #case :kept");
	fake_line(srv, op, "RENAME #case #CASE");
	assert_int_equal(history_count(srv->history), 2);  /* the JOIN and the line */
	assert_true(history_query(srv->history, "#case", NULL, &(struct history_query){
	    .op = HISTORY_LATEST, .limit = 1, .kinds = HISTORY_ALL }, &it) == 1);
	assert_string_equal(it.target, "#CASE");
	assert_int_equal(history_rename(srv->history, "#nothing", "#else"), 0);
	assert_int_equal(history_count(srv->history), 2);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
	const struct CMUnitTest tests[] = {
		T(test_rename_with_cap),
		T(test_rename_fallback),
		T(test_rename_case_only),
		T(test_rename_refused),
		T(test_rename_cap_listed),
		T(test_rename_history),
		T(test_rename_history_case),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
