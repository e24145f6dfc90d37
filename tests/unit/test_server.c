/*
 * The server core around the handlers: timers on the fake clock
 * (registration timeout, PING and ping timeout, server_tick's return
 * value), the SendQ limit during a broadcast, shutdown, what reaping
 * releases (nicks, empty channels), and fan-out to 1000 members.
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
#include "irc.h"
#include "server.h"

#define ERROR_LINE(reason) "ERROR :Closing Link: 127.0.0.1 (" reason ")\r\n"

/* Move the clock s seconds forward and run the timers, like one loop round. */
static int
tick_after(struct server *srv, unsigned s)
{
	fake_advance(srv, s);
	return server_tick(srv);
}

static void
test_tick_no_clients(void **state)
{
	struct server *srv = *state;

	assert_int_equal(server_tick(srv), -1);
	assert_int_equal(tick_after(srv, 3600), -1);
}

static void
test_registration_timeout(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");
	unsigned reg = srv->cfg.reg_timeout_s;

	assert_int_equal(reg, 60);
	assert_int_equal(server_tick(srv), 60000);
	/* Talking does not buy time: the limit counts from the connection. */
	assert_int_equal(tick_after(srv, 25), 35000);
	fake_line(srv, cli, "NICK bob");
	assert_int_equal(tick_after(srv, reg - 26), 1000);
	assert_false(client_is_closing(cli));
	fake_expect(cli, "");
	assert_int_equal(tick_after(srv, 1), -1);
	assert_true(client_is_closing(cli));
	fake_expect(cli, ERROR_LINE("Registration timeout"));
	fake_reap(srv);
	assert_int_equal(srv->nclients, 0);
	assert_null(client_find_nick(srv, "bob"));
}

/* A client that registered in time is not closed at the registration limit. */
static void
test_registration_in_time(void **state)
{
	struct server *srv = *state;
	struct client *bob = fake_registered(srv, "bob");
	int next;

	next = tick_after(srv, srv->cfg.reg_timeout_s);
	assert_false(client_is_closing(bob));
	fake_expect(bob, "");
	/* Next comes the PING at ping_freq_s after its last line. */
	assert_int_equal(next, (int)(srv->cfg.ping_freq_s - srv->cfg.reg_timeout_s) * 1000);
}

/* Step the clock one second at a time until the client is sent a PING. */
static unsigned
seconds_until_ping(struct server *srv, struct client *cli, unsigned max)
{
	for (unsigned s = 1; s <= max; s++) {
		tick_after(srv, 1);
		if (fake_output_has(cli, "PING"))
			return s;
	}
	return 0;
}

static void
test_ping_timeout(void **state)
{
	struct server *srv = *state;
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *carol = fake_joined(srv, "carol", "#c");

	assert_int_equal(srv->cfg.ping_freq_s, 120);
	assert_int_equal(srv->cfg.ping_timeout_s, 60);
	/* An idle registered client is PINGed after exactly ping_freq_s. */
	assert_int_equal(seconds_until_ping(srv, bob, 200), 120);
	fake_expect(bob, "PING :irc.local\r\n");
	fake_expect(alice, "PING :irc.local\r\n");
	fake_expect(carol, "PING :irc.local\r\n");
	assert_int_equal(server_tick(srv), 60000);
	/* alice answers with PONG, carol with any other line; bob is silent. */
	fake_advance(srv, 30);
	fake_line(srv, alice, "PONG :irc.local");
	fake_line(srv, carol, "LUSERS");
	fake_drop_output(carol);
	assert_int_equal(tick_after(srv, 29), 1000);
	assert_false(client_is_closing(bob));
	tick_after(srv, 1);
	assert_true(client_is_closing(bob));
	fake_expect(bob, ERROR_LINE("Ping timeout: 180 seconds"));
	assert_false(client_is_closing(alice));
	assert_false(client_is_closing(carol));
	fake_expect(alice, "");
	fake_reap(srv);
	fake_expect(alice, ":bob!u@127.0.0.1 QUIT :Ping timeout: 180 seconds\r\n");
	fake_expect(carol, ":bob!u@127.0.0.1 QUIT :Ping timeout: 180 seconds\r\n");
	/* The ones that answered are PINGed again ping_freq_s after their line. */
	assert_int_equal(seconds_until_ping(srv, alice, 200), 90);
	fake_expect(alice, "PING :irc.local\r\n");
	fake_expect(carol, "PING :irc.local\r\n");
}

/* The reason names ping_freq_s + ping_timeout_s, whatever they are. */
static void
test_ping_timeout_reason(void **state)
{
	struct server *srv = *state;
	struct client *bob;

	srv->cfg.reg_timeout_s = 10;
	srv->cfg.ping_freq_s = 30;
	srv->cfg.ping_timeout_s = 15;
	bob = fake_registered(srv, "bob");
	assert_int_equal(seconds_until_ping(srv, bob, 100), 30);
	fake_expect(bob, "PING :irc.local\r\n");
	assert_int_equal(server_tick(srv), 15000);
	assert_int_equal(tick_after(srv, 15), -1);
	fake_expect(bob, ERROR_LINE("Ping timeout: 45 seconds"));
}

/*
 * ping_freq_s shorter than reg_timeout_s: a client that registers at once
 * is still PINGed after ping_freq_s of silence, not at the registration
 * deadline.
 */
static void
test_ping_freq_below_reg_timeout(void **state)
{
	struct server *srv = *state;
	struct client *bob;

	srv->cfg.reg_timeout_s = 60;
	srv->cfg.ping_freq_s = 30;
	bob = fake_registered(srv, "bob");
	assert_int_equal(seconds_until_ping(srv, bob, 100), 30);
}

/* Activity pushes the PING back; no PING goes to a client that talks. */
static void
test_ping_activity(void **state)
{
	struct server *srv = *state;
	struct client *bob = fake_registered(srv, "bob");

	fake_advance(srv, 100);
	fake_line(srv, bob, "PING :keepalive");
	fake_expect(bob, ":irc.local PONG irc.local :keepalive\r\n");
	assert_int_equal(seconds_until_ping(srv, bob, 300), 120);
	fake_expect(bob, "PING :irc.local\r\n");
	assert_int_equal(server_tick(srv), 60000);
}

/* bob never reads: it passes its SendQ in the middle of a channel message. */
static void
test_sendq_exceeded(void **state)
{
	struct server *srv = *state;
	struct client *alice, *bob, *carol;
	char text[401], line[512];
	size_t len, sent = 0, queued;

	srv->cfg.sendq = 4096;
	alice = fake_joined(srv, "alice", "#c");
	bob = fake_joined(srv, "bob", "#c");
	carol = fake_joined(srv, "carol", "#c");
	memset(text, 'z', 400);
	text[400] = '\0';
	len = (size_t)snprintf(line, sizeof(line), ":alice!u@127.0.0.1 PRIVMSG #c :%s\r\n", text);
	while (!client_is_closing(bob)) {
		assert_true(sent < 100);
		fake_linef(srv, alice, "PRIVMSG #c :%s", text);
		sent++;
		/* The others get every message, the one that overflowed included. */
		fake_expect(carol, line);
		fake_expect(alice, "");
	}
	assert_int_equal(sent, 4096 / len + 1);
	/* Whole lines, then the ERROR line: nothing half-appended. */
	queued = buf_len(&bob->local->sendq);
	assert_int_equal(queued, (sent - 1) * len + strlen(ERROR_LINE("SendQ exceeded")));
	assert_int_equal(fake_output_count(bob, line), sent - 1);
	assert_memory_equal(buf_data(&bob->local->sendq) + queued - strlen(ERROR_LINE("SendQ exceeded")),
	    ERROR_LINE("SendQ exceeded"), strlen(ERROR_LINE("SendQ exceeded")));
	/* A closing client gets nothing more. */
	fake_line(srv, alice, "PRIVMSG #c :after");
	fake_line(srv, alice, "PRIVMSG bob :direct");
	client_send(bob, "x\r\n", 3);
	assert_int_equal(buf_len(&bob->local->sendq), queued);
	fake_expect(carol, ":alice!u@127.0.0.1 PRIVMSG #c :after\r\n");
	fake_drop_output(alice);
	fake_reap(srv);
	fake_expect(alice, ":bob!u@127.0.0.1 QUIT :SendQ exceeded\r\n");
	fake_expect(carol, ":bob!u@127.0.0.1 QUIT :SendQ exceeded\r\n");
	assert_int_equal(channel_find(srv, "#c")->nmembers, 2);
	assert_null(client_find_nick(srv, "bob"));
}

/*
 * NAMES, WHO and LIST stop making lines for a client cut off for SendQ in
 * the middle of their answer: at most a last partial line and the end
 * numeric are made and dropped (closing_drops counts lines made for a
 * closing client), not one line per remaining member or channel.
 */
static void
test_big_answer_stops_at_sendq(void **state)
{
	struct server *srv = *state;
	const char *cmds[] = { "NAMES #big", "WHO #big", "WHO *", "WHO #big %nr", "LIST" };
	char nick[IRC_NICKLEN + 1];

	/* 300 members with 30-character nicks, each also alone in a channel. */
	for (int i = 0; i < 300; i++) {
		snprintf(nick, sizeof(nick), "member%024d", i);
		fake_joined(srv, nick, "#big");
		fake_linef(srv, client_find_nick(srv, nick), "JOIN #c%d", i);
	}
	fake_drop_all(srv);
	srv->cfg.sendq = 4096;
	for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		struct client *asker = fake_registered(srv, "asker");
		uint64_t before = srv->closing_drops;

		fake_drop_output(asker);
		fake_line(srv, asker, cmds[k]);
		if (!client_is_closing(asker))
			fail_msg("%s: the asker was not cut off", cmds[k]);
		if (srv->closing_drops - before > 2)
			fail_msg("%s: %llu lines made after the cut-off", cmds[k],
			    (unsigned long long)(srv->closing_drops - before));
		fake_reap(srv);
		fake_drop_all(srv);
	}
}

/* A closing client is still a member until reaped, but gets no bytes. */
static void
test_closing_gets_nothing(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");

	fake_line(srv, bob, "QUIT :bye");
	assert_true(client_is_closing(bob));
	fake_line(srv, alice, "PRIVMSG #c :still there?");
	fake_line(srv, alice, "NOTICE bob :hello?");
	fake_expect(alice, "");
	/* bob is no longer a user for MODE. */
	fake_line(srv, alice, "MODE #c +v bob");
	fake_expect(alice, ":irc.local 401 alice bob :No such nick/channel\r\n");
	client_send(bob, "PING :x\r\n", 9);
	fake_expect(bob, ERROR_LINE("Quit: bye"));
	fake_line(srv, bob, "PRIVMSG #c :ghost");
	fake_expect(alice, "");
	/* A second close keeps the first reason. */
	client_close(bob, "other");
	fake_expect(bob, "");
	fake_reap(srv);
	fake_expect(alice, ":bob!u@127.0.0.1 QUIT :Quit: bye\r\n");
}

static void
test_shutdown(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *unreg = fake_client(srv, "127.0.0.1");

	server_shutdown(srv, "Server shutting down");
	assert_true(client_is_closing(alice));
	assert_true(client_is_closing(bob));
	assert_true(client_is_closing(unreg));
	fake_expect(alice, ERROR_LINE("Server shutting down"));
	fake_expect(bob, ERROR_LINE("Server shutting down"));
	fake_expect(unreg, ERROR_LINE("Server shutting down"));
	fake_reap(srv);
	assert_int_equal(srv->nclients, 0);
	assert_int_equal(srv->nusers, 0);
	assert_null(srv->clients);
	assert_null(srv->pending);
	assert_null(channel_find(srv, "#c"));
	assert_int_equal(server_tick(srv), -1);
}

static void
test_reap_releases(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#shared");
	struct client *bob = fake_joined(srv, "bob", "#shared");
	struct client *again;

	fake_line(srv, bob, "JOIN #solo");
	fake_drop_all(srv);
	assert_non_null(channel_find(srv, "#solo"));
	fake_line(srv, bob, "QUIT");
	/* Until the reap, bob still holds its nick and channels. */
	assert_ptr_equal(client_find_nick(srv, "bob"), bob);
	assert_non_null(channel_find(srv, "#solo"));
	fake_reap(srv);
	assert_null(client_find_nick(srv, "bob"));
	assert_null(channel_find(srv, "#solo"));
	assert_int_equal(channel_find(srv, "#shared")->nmembers, 1);
	assert_int_equal(alice->nchannels, 1);
	assert_int_equal(srv->nclients, 1);
	assert_int_equal(srv->nusers, 1);
	fake_expect(alice, ":bob!u@127.0.0.1 QUIT :Quit\r\n");
	/* The nick can be taken again, and the channel created again. */
	again = fake_registered(srv, "BOB");
	assert_ptr_equal(client_find_nick(srv, "bob"), again);
	fake_line(srv, again, "JOIN #solo");
	assert_true(fake_output_has(again, ":BOB!u@127.0.0.1 JOIN #solo\r\n"));
	assert_true(fake_output_has(again, ":irc.local 353 BOB = #solo :@BOB\r\n"));
}

/* One PRIVMSG to a 1000-member channel: each member gets it exactly once. */
static void
test_fanout_1000(void **state)
{
	struct server *srv = *state;
	struct client **cli = calloc(1000, sizeof(*cli));
	const char *want = ":u0000!u@127.0.0.1 PRIVMSG #big :fan-out\r\n";
	char nick[32];

	assert_non_null(cli);
	for (int i = 0; i < 1000; i++) {
		snprintf(nick, sizeof(nick), "u%04d", i);
		cli[i] = fake_joined(srv, nick, "#big");
	}
	assert_int_equal(channel_find(srv, "#big")->nmembers, 1000);
	fake_line(srv, cli[0], "PRIVMSG #big :fan-out");
	fake_expect(cli[0], "");
	for (int i = 1; i < 1000; i++)
		fake_expect(cli[i], want);
	/* Every recipient is on the pending-write list exactly once. */
	for (int i = 0; i < 999; i++)
		assert_non_null(server_pop_pending(srv));
	assert_null(server_pop_pending(srv));
	free(cli);
}

/*
 * Regression: the end of a discarded over-long line arriving at the start
 * of a read must end the discarding, not be skipped as an empty line, or
 * the next line would be dropped as the tail of the long one.
 */
static void
test_discard_ends_at_next_read(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_registered(srv, "long");
	char *a = malloc(IRC_RECV_LINE_MAX + 100);

	assert_non_null(a);
	memset(a, 'a', IRC_RECV_LINE_MAX + 100);
	assert_int_equal(buf_append(&cli->local->recvq, a, IRC_RECV_LINE_MAX + 100), 0);
	server_on_input(srv, cli);
	fake_expect(cli, ":irc.local 417 long :Input line was too long\r\n");
	assert_int_equal(buf_append(&cli->local->recvq, "\r\nPING :after\r\n", 16), 0);
	server_on_input(srv, cli);
	fake_expect(cli, ":irc.local PONG irc.local :after\r\n");
	free(a);
}

/*
 * While a client is throttled, each read counts only the new bytes of its
 * receive queue; the count still ends lines split across reads right.
 */
static void
test_throttled_count_incremental(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_registered(srv, "fast");
	char line[32];

	cli->local->flood_exempt = false;
	for (unsigned i = 0; i < srv->cfg.flood_burst + 1; i++) {
		snprintf(line, sizeof(line), "PING :%u\r\n", i);
		assert_int_equal(buf_append(&cli->local->recvq, line, strlen(line)), 0);
	}
	server_on_input(srv, cli);
	assert_true(cli->local->throttled);
	fake_drop_output(cli);
	/* A "\r\n" split between two reads counts as one line end. */
	for (unsigned i = 0; i + 1 < srv->cfg.flood_max; i++) {
		assert_int_equal(buf_append(&cli->local->recvq, "PING :x\r", 8), 0);
		server_on_input(srv, cli);
		assert_int_equal(cli->local->held_scanned, buf_len(&cli->local->recvq));
		assert_int_equal(buf_append(&cli->local->recvq, "\n", 1), 0);
		server_on_input(srv, cli);
		assert_int_equal(cli->local->held_scanned, buf_len(&cli->local->recvq));
	}
	assert_false(client_is_closing(cli));
	assert_int_equal(buf_append(&cli->local->recvq, "PING :y\r\nPING :z\r\n", 18), 0);
	server_on_input(srv, cli);
	assert_true(client_is_closing(cli));
}

/*
 * Cost model: a command with a large answer costs flood allowance for
 * it (one line per SERVER_COST_BYTES, at most a burst); a small one none.
 */
static void
test_big_answer_costs_allowance(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_joined(srv, "asker", "#big");
	char nick[32];
	int64_t before;

	for (int i = 0; i < 900; i++) {
		snprintf(nick, sizeof(nick), "member%03d", i);
		fake_joined(srv, nick, "#big");
	}
	fake_drop_all(srv);
	cli->local->flood_exempt = false;
	cli->local->flood_at_ms = srv->now_ms;
	before = cli->local->flood_at_ms;
	fake_line(srv, cli, "PING :small");
	assert_true(cli->local->flood_at_ms == before);
	fake_line(srv, cli, "WHO #big");
	assert_true(buf_len(&cli->local->sendq) > 11 * SERVER_COST_BYTES);
	assert_true(cli->local->flood_at_ms - before ==
	    (int64_t)srv->cfg.flood_burst * (1000 / srv->cfg.flood_rate));
	fake_drop_output(cli);
	before = cli->local->flood_at_ms;
	fake_line(srv, cli, "NAMES #big");
	assert_true(cli->local->flood_at_ms - before ==
	    (int64_t)(buf_len(&cli->local->sendq) / SERVER_COST_BYTES) * (1000 / srv->cfg.flood_rate));
	assert_true(cli->local->flood_at_ms > before);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
	const struct CMUnitTest tests[] = {
		T(test_tick_no_clients),
		T(test_registration_timeout),
		T(test_registration_in_time),
		T(test_ping_timeout),
		T(test_ping_timeout_reason),
		T(test_ping_freq_below_reg_timeout),
		T(test_ping_activity),
		T(test_sendq_exceeded),
		T(test_big_answer_stops_at_sendq),
		T(test_closing_gets_nothing),
		T(test_shutdown),
		T(test_reap_releases),
		T(test_fanout_1000),
		T(test_discard_ends_at_next_read),
		T(test_throttled_count_incremental),
		T(test_big_answer_costs_allowance),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
