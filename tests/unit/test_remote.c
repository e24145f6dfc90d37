/*
 * Users with no connection of ours (struct client with local == NULL, as
 * server linking will add them) in the nick map and in channels: every
 * command that reaches another user runs without touching a connection
 * that is not there, sending to them is a no-op, and the local users get
 * the answers they would get about a local user.
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
#include "metadata.h"
#include "server.h"
#include "state.h"

/* alice (op) and carol, local, and bob, remote, in #c. */
static struct client *
setup_channel(struct server *srv, struct client **carol, struct client **bob)
{
	struct client *alice = fake_joined(srv, "alice", "#c");

	*carol = fake_joined(srv, "carol", "#c");
	*bob = fake_remote(srv, "bob");
	fake_remote_join(srv, *bob, "#c", 0);
	assert_null((*bob)->local);
	assert_int_equal((*bob)->nchannels, 1);
	fake_drop_all(srv);
	return alice;
}

static void
test_remote_send_is_noop(void **state)
{
	struct server *srv = *state;
	struct client *bob = fake_remote(srv, "bob");

	client_send(bob, "PING :x\r\n", 9);
	client_want_write(bob);
	assert_null(server_pop_pending(srv));
	assert_int_equal(client_caps(bob), 0);
	assert_false(client_is_local(bob));
	assert_string_equal(client_name(bob), "bob");
}

static void
test_remote_privmsg(void **state)
{
	struct server *srv = *state;
	struct client *carol, *bob;
	struct client *alice = setup_channel(srv, &carol, &bob);

	fake_cap_on(srv, alice, "echo-message message-tags server-time");
	fake_line(srv, alice, "PRIVMSG bob :hi bob");
	fake_expect_has(alice, ":alice!u@127.0.0.1 PRIVMSG bob :hi bob\r\n");
	fake_expect(carol, "");
	fake_line(srv, alice, "PRIVMSG #c :hi all");
	fake_expect(carol, ":alice!u@127.0.0.1 PRIVMSG #c :hi all\r\n");
	fake_expect_has(alice, " PRIVMSG #c :hi all\r\n");
	fake_line(srv, alice, "NOTICE bob,#c :note");
	fake_expect(carol, ":alice!u@127.0.0.1 NOTICE #c :note\r\n");
	fake_drop_output(alice);
	fake_line(srv, alice, "@+typing=active TAGMSG bob");
	fake_expect_has(alice, " TAGMSG bob\r\n");
	/* A remote user's away message answers like a local one's. */
	bob->away = strdup("gone fishing");
	assert_non_null(bob->away);
	fake_line(srv, carol, "PRIVMSG bob :there?");
	fake_expect(carol, ":irc.local 301 carol bob :gone fishing\r\n");
}

static void
test_remote_queries(void **state)
{
	struct server *srv = *state;
	struct client *carol, *bob;
	struct client *alice = setup_channel(srv, &carol, &bob);
	char *out;

	fake_line(srv, alice, "WHOIS bob");
	out = fake_take_output(alice);
	assert_non_null(strstr(out, ":irc.local 311 alice bob r 192.0.2.1 * :Remote User\r\n"));
	assert_non_null(strstr(out, ":irc.local 319 alice bob :#c\r\n"));
	assert_non_null(strstr(out, ":irc.local 318 alice bob :End of /WHOIS list\r\n"));
	free(out);
	fake_line(srv, alice, "WHO #c");
	out = fake_take_output(alice);
	assert_non_null(strstr(out, " 352 alice #c r 192.0.2.1 irc.local bob H :0 Remote User\r\n"));
	assert_non_null(strstr(out, " 352 alice #c u 127.0.0.1 irc.local carol H :0 Real Name\r\n"));
	free(out);
	fake_line(srv, alice, "WHO b*");
	fake_expect_has(alice, " 352 alice #c r 192.0.2.1 irc.local bob H :0 Remote User\r\n");
	fake_line(srv, alice, "NAMES #c");
	fake_expect_has(alice, ":irc.local 353 alice = #c :@alice carol bob\r\n");
	fake_line(srv, alice, "ISON bob nobody");
	fake_expect(alice, ":irc.local 303 alice :bob\r\n");
	fake_line(srv, alice, "USERHOST bob");
	fake_expect(alice, ":irc.local 302 alice :bob=+r@192.0.2.1\r\n");
	fake_line(srv, alice, "LIST #c");
	fake_expect_has(alice, ":irc.local 322 alice #c 3 :\r\n");
}

static void
test_remote_modes_kick_invite(void **state)
{
	struct server *srv = *state;
	struct client *carol, *bob;
	struct client *alice = setup_channel(srv, &carol, &bob);

	fake_line(srv, alice, "MODE #c +ov bob bob");
	fake_expect(carol, ":alice!u@127.0.0.1 MODE #c +ov bob bob\r\n");
	fake_drop_output(alice);
	fake_line(srv, alice, "NAMES #c");
	fake_expect_has(alice, " :@alice carol @bob\r\n");
	fake_line(srv, alice, "MODE #c +b bob!*@*");
	fake_expect(carol, ":alice!u@127.0.0.1 MODE #c +b bob!*@*\r\n");
	fake_line(srv, alice, "KICK #c bob :bye");
	fake_expect(carol, ":alice!u@127.0.0.1 KICK #c bob :bye\r\n");
	fake_drop_output(alice);
	assert_int_equal(bob->nchannels, 0);
	fake_cap_on(srv, carol, "invite-notify");
	fake_line(srv, alice, "INVITE bob #c");
	fake_expect(alice, ":irc.local 341 alice bob #c\r\n");
	fake_expect(carol, ":alice!u@127.0.0.1 INVITE bob #c\r\n");
	assert_true(channel_is_invited(channel_find(srv, "#c"), bob));
	fake_line(srv, alice, "KNOCK #c");
	fake_drop_all(srv);
}

static void
test_remote_monitor_and_leaving(void **state)
{
	struct server *srv = *state;
	struct client *carol, *bob;
	struct client *alice = setup_channel(srv, &carol, &bob);
	struct client *dave;

	fake_line(srv, alice, "MONITOR + bob,dave");
	fake_expect(alice, ":irc.local 730 alice :bob!r@192.0.2.1\r\n"
	    ":irc.local 731 alice :dave\r\n");
	dave = fake_remote(srv, "dave");
	fake_expect(alice, ":irc.local 730 alice :dave!r@192.0.2.1\r\n");
	/* A local user's NICK and QUIT reach local peers once; bob gets nothing. */
	fake_line(srv, carol, "NICK carla");
	fake_expect(alice, ":carol!u@127.0.0.1 NICK :carla\r\n");
	/* KILL of a remote user: reaped like a local one, QUIT to the channel. */
	client_set_umode(alice, UMODE_OPER, true);
	fake_line(srv, alice, "KILL bob :spam");
	fake_reap(srv);
	assert_null(client_find_nick(srv, "bob"));
	fake_expect_has(carol, ":bob!r@192.0.2.1 QUIT :Killed (alice (spam))\r\n");
	fake_expect_has(alice, ":irc.local 731 alice :bob\r\n");
	fake_line(srv, alice, "WHOWAS bob");
	fake_expect_has(alice, ":irc.local 314 alice bob r 192.0.2.1 * :Remote User\r\n");
	/* A remote user leaving with a reason of its own. */
	client_close(dave, "Quit: later");
	fake_reap(srv);
	fake_expect(alice, ":irc.local 731 alice :dave\r\n");
	assert_int_equal(srv->nusers, 2);
}

static void
test_remote_metadata(void **state)
{
	struct server *srv = *state;
	struct client *carol, *bob;
	struct client *alice = setup_channel(srv, &carol, &bob);

	assert_int_equal(metadata_set(&bob->metadata, "avatar", "http://x/b.png", 10), 1);
	fake_cap_on(srv, alice, "draft/metadata-3 batch");
	fake_line(srv, alice, "METADATA bob GET avatar");
	fake_expect_has(alice, ":irc.local 761 alice bob avatar * :http://x/b.png\r\n");
	fake_line(srv, alice, "METADATA * SUB avatar");
	fake_drop_output(alice);
	fake_line(srv, alice, "METADATA #c SET avatar :http://x/c.png");
	fake_expect_has(alice, ":irc.local 761 alice #c avatar * :http://x/c.png\r\n");
	fake_line(srv, alice, "METADATA bob SET avatar :mine");
	fake_expect_has(alice, " FAIL METADATA KEY_NO_PERMISSION ");
	/* Joining a channel with a remote member sends its subscribed values. */
	fake_line(srv, alice, "PART #c");
	fake_drop_all(srv);
	fake_line(srv, alice, "JOIN #c");
	fake_expect_has(alice, " 761 alice bob avatar * :http://x/b.png\r\n");
}

static void
test_remote_history_targets(void **state)
{
	struct server *srv = *state;
	struct client *carol, *bob;
	struct client *alice = setup_channel(srv, &carol, &bob);

	assert_int_equal(client_set_account(alice, "alice"), 0);
	assert_int_equal(client_set_account(bob, "bob"), 0);
	fake_cap_on(srv, alice, "draft/chathistory batch server-time message-tags");
	fake_line(srv, alice, "PRIVMSG bob :kept");
	fake_drop_output(alice);
	fake_line(srv, alice, "CHATHISTORY TARGETS timestamp=2020-01-01T00:00:00.000Z "
	    "timestamp=2030-01-01T00:00:00.000Z 10");
	fake_expect_has(alice, " CHATHISTORY TARGETS bob 2023-11-14T22:13:20.000Z\r\n");
	fake_line(srv, alice, "CHATHISTORY LATEST bob * 10");
	fake_expect_has(alice, " PRIVMSG bob :kept\r\n");
	/* bob's own account keeps it too, for when bob asks (through a link). */
	fake_line(srv, alice, "CHATHISTORY LATEST #c * 10");
	fake_drop_output(alice);
}

/* A hot upgrade leaves remote users out: they come back with the link. */
static void
test_remote_state_save_leaves_them_out(void **state)
{
	struct server *srv = *state, *again = fake_server();
	struct client *carol, *bob;
	struct state_w w;
	struct buf out;
	char err[256];

	(void)setup_channel(srv, &carol, &bob);
	buf_init(&out, 0);
	state_w_begin(&w, &out);
	assert_int_equal(state_save(srv, &w, true), 0);
	assert_int_equal(state_w_end(&w), 0);
	assert_int_equal(state_load(again, buf_data(&out), buf_len(&out), err,
	    sizeof(err)), 0);
	assert_null(client_find_nick(again, "bob"));
	assert_non_null(client_find_nick(again, "carol"));
	assert_int_equal(channel_find(again, "#c")->nmembers, 2);
	fake_free(again);
	buf_free(&out);
}

static void
test_remote_shutdown(void **state)
{
	struct server *srv = *state;
	struct client *carol, *bob;
	struct client *alice = setup_channel(srv, &carol, &bob);

	(void)alice;
	server_shutdown(srv, "Server going down");
	fake_reap(srv);
	assert_null(srv->clients);
	assert_int_equal(srv->nusers, 0);
	/* A remote user still in a channel is freed with the server. */
	bob = fake_remote(srv, "bob");
	fake_remote_join(srv, bob, "#left", MEMBER_OP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_remote_send_is_noop, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_remote_privmsg, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_remote_queries, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_remote_modes_kick_invite, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_remote_monitor_and_leaving, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_remote_metadata, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_remote_history_targets, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_remote_state_save_leaves_them_out, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_remote_shutdown, fake_setup, fake_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
