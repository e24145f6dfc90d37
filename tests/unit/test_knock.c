/*
 * KNOCK through server_on_line(): delivery to the channel operators only
 * (710) with 711 to the knocker, the refusals 403/404/713/714, and the
 * per-user and per-channel rate limits (712) that keep it from flooding
 * operators, with the clock moved by fake_advance().
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
#include "server.h"

static void
test_knock_delivered_to_ops(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#k");
	struct client *voice = fake_joined(srv, "voice", "#k");
	struct client *op2 = fake_joined(srv, "op2", "#k");
	struct client *bob = fake_registered(srv, "bob");

	fake_line(srv, op, "MODE #k +iov op2 voice");
	fake_drop_all(srv);
	fake_line(srv, bob, "KNOCK #K");
	fake_expect(bob, ":irc.local 711 bob #k :Your KNOCK has been delivered\r\n");
	fake_expect(op, ":irc.local 710 op #k bob!u@127.0.0.1 :has asked for an invite\r\n");
	fake_expect(op2, ":irc.local 710 op2 #k bob!u@127.0.0.1 :has asked for an invite\r\n");
	fake_expect(voice, "");
	/* The operator invites; bob joins. */
	fake_line(srv, op, "INVITE bob #k");
	fake_drop_all(srv);
	fake_line(srv, bob, "JOIN #k");
	fake_expect_has(bob, ":bob!u@127.0.0.1 JOIN #k\r\n");
	fake_line(srv, bob, "KNOCK #k");
	fake_expect(bob, ":irc.local 714 bob #k :You are already on that channel\r\n");
}

static void
test_knock_key_and_limit(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#k");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_registered(srv, "carol");

	fake_line(srv, bob, "KNOCK #k");
	fake_expect(bob, ":irc.local 713 bob #k :Channel is open\r\n");
	fake_line(srv, op, "MODE #k +k sesame");
	fake_drop_all(srv);
	fake_line(srv, bob, "KNOCK #k :let me in please");
	fake_expect(bob, ":irc.local 711 bob #k :Your KNOCK has been delivered\r\n");
	fake_expect(op, ":irc.local 710 op #k bob!u@127.0.0.1 :has asked for an invite\r\n");
	/* A limit that is not reached leaves the channel open... */
	fake_line(srv, op, "MODE #k -k+l * 2");
	fake_drop_all(srv);
	fake_advance(srv, 60);
	fake_line(srv, carol, "KNOCK #k");
	fake_expect(carol, ":irc.local 713 carol #k :Channel is open\r\n");
	/* ...and a full one closes it. */
	fake_line(srv, op, "MODE #k +l 1");
	fake_drop_all(srv);
	fake_line(srv, carol, "KNOCK #k");
	fake_expect(carol, ":irc.local 711 carol #k :Your KNOCK has been delivered\r\n");
	fake_expect_has(op, " 710 op #k carol!u@127.0.0.1 ");
}

static void
test_knock_refusals(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#k");
	struct client *bob = fake_registered(srv, "bob");
	struct client *u = fake_client(srv, "127.0.0.1");

	fake_line(srv, bob, "KNOCK #nowhere");
	fake_expect(bob, ":irc.local 403 bob #nowhere :No such channel\r\n");
	fake_line(srv, bob, "KNOCK");
	fake_expect(bob, ":irc.local 461 bob KNOCK :Not enough parameters\r\n");
	fake_line(srv, bob, "KNOCK :");
	fake_expect(bob, ":irc.local 403 bob  :No such channel\r\n");
	/* A secret channel does not exist for outsiders. */
	fake_line(srv, op, "MODE #k +is");
	fake_drop_all(srv);
	fake_line(srv, bob, "KNOCK #k");
	fake_expect(bob, ":irc.local 403 bob #k :No such channel\r\n");
	/* A private one takes no knocks. */
	fake_line(srv, op, "MODE #k -s+p");
	fake_drop_all(srv);
	fake_line(srv, bob, "KNOCK #k");
	fake_expect(bob, ":irc.local 404 bob #k :Cannot send to channel\r\n");
	/* Nor may a banned user knock, unless an invite exception covers it. */
	fake_line(srv, op, "MODE #k -p+b bob!*@*");
	fake_drop_all(srv);
	fake_line(srv, bob, "KNOCK #k");
	fake_expect(bob, ":irc.local 404 bob #k :Cannot send to channel\r\n");
	fake_line(srv, op, "MODE #k +I bob!*@*");
	fake_drop_all(srv);
	fake_line(srv, bob, "KNOCK #k");
	fake_expect(bob, ":irc.local 711 bob #k :Your KNOCK has been delivered\r\n");
	fake_expect_has(op, " 710 op #k bob!u@127.0.0.1 ");
	/* Not before registration. */
	fake_line(srv, u, "KNOCK #k");
	fake_expect(u, ":irc.local 451 * :You have not registered\r\n");
	fake_expect(op, "");
}

static void
test_knock_rate_limits(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#k");
	struct client *op2 = fake_joined(srv, "op2", "#k2");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_registered(srv, "carol");

	fake_line(srv, op, "MODE #k +i");
	fake_line(srv, op2, "MODE #k2 +i");
	fake_drop_all(srv);
	fake_line(srv, bob, "KNOCK #k");
	fake_expect_has(bob, " 711 bob #k ");
	fake_expect_has(op, " 710 op #k bob!");
	/* The channel takes one knock a minute, from anyone. */
	fake_line(srv, carol, "KNOCK #k");
	fake_expect(carol, ":irc.local 712 carol #k :Too many KNOCKs (channel)\r\n");
	fake_expect(op, "");
	/* A user has one knock delivered per five minutes, on any channel. */
	fake_line(srv, bob, "KNOCK #k2");
	fake_expect(bob, ":irc.local 712 bob #k2 :Too many KNOCKs (user)\r\n");
	fake_expect(op2, "");
	/* Many attempts deliver nothing more. */
	for (int i = 0; i < 50; i++) {
		fake_line(srv, carol, "KNOCK #k");
		fake_line(srv, bob, "KNOCK #k");
	}
	assert_int_equal(fake_output_count(carol, " 712 carol #k "), 50);
	assert_int_equal(fake_output_count(bob, " 712 bob #k "), 50);
	fake_expect(op, "");
	fake_drop_all(srv);
	fake_advance(srv, 60);
	fake_line(srv, carol, "KNOCK #k");
	fake_expect_has(carol, " 711 carol #k ");
	fake_expect_has(op, " 710 op #k carol!");
	fake_line(srv, bob, "KNOCK #k2");
	fake_expect(bob, ":irc.local 712 bob #k2 :Too many KNOCKs (user)\r\n");
	fake_advance(srv, 240);
	fake_line(srv, bob, "KNOCK #k2");
	fake_expect_has(bob, " 711 bob #k2 ");
	fake_expect_has(op2, " 710 op2 #k2 bob!");
}

/* The two delays are settings (knock_user_delay, knock_channel_delay). */
static void
test_knock_delays_from_settings(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#k");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_registered(srv, "carol");

	srv->cfg.knock_user_delay_s = 10;
	srv->cfg.knock_channel_delay_s = 0;     /* no channel limit */
	fake_line(srv, op, "MODE #k +i");
	fake_drop_all(srv);
	fake_line(srv, bob, "KNOCK #k");
	fake_line(srv, carol, "KNOCK #k");
	assert_int_equal(fake_output_count(op, " 710 op #k "), 2);
	fake_advance(srv, 9);
	fake_line(srv, bob, "KNOCK #k");
	fake_expect(bob, ":irc.local 711 bob #k :Your KNOCK has been delivered\r\n"
	    ":irc.local 712 bob #k :Too many KNOCKs (user)\r\n");
	fake_advance(srv, 1);
	fake_line(srv, bob, "KNOCK #k");
	fake_expect(bob, ":irc.local 711 bob #k :Your KNOCK has been delivered\r\n");
}

static void
test_knock_isupport(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");

	fake_line(srv, alice, "VERSION");
	fake_expect_has(alice, " KNOCK ");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
	const struct CMUnitTest tests[] = {
		T(test_knock_delivered_to_ops),
		T(test_knock_key_and_limit),
		T(test_knock_refusals),
		T(test_knock_rate_limits),
		T(test_knock_delays_from_settings),
		T(test_knock_isupport),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
