/*
 * INVITE with no parameter: the user's pending invitations (336, 337),
 * oldest first, without those used by a JOIN, those of channels that have
 * gone, or those the channel forgot; the per-user bound (max_invites).
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
#include "server.h"

#define END ":irc.local 337 bob :End of /INVITE list\r\n"

static void
test_invite_list(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#one");
	struct client *bob = fake_registered(srv, "bob");

	fake_line(srv, bob, "INVITE");
	fake_expect(bob, END);
	fake_line(srv, alice, "JOIN #Two,#three");
	fake_line(srv, alice, "INVITE bob #one");
	fake_line(srv, alice, "INVITE bob #TWO");
	fake_line(srv, alice, "INVITE bob #three");
	/* Inviting again does not list the channel twice. */
	fake_line(srv, alice, "INVITE bob #one");
	fake_drop_all(srv);
	fake_line(srv, bob, "INVITE");
	fake_expect(bob, ":irc.local 336 bob #one\r\n"
	    ":irc.local 336 bob #Two\r\n"
	    ":irc.local 336 bob #three\r\n" END);
	/* Joining uses the invitation up. */
	fake_line(srv, bob, "JOIN #two");
	fake_drop_all(srv);
	fake_line(srv, bob, "INVITE");
	fake_expect(bob, ":irc.local 336 bob #one\r\n"
	    ":irc.local 336 bob #three\r\n" END);
	/* A channel that is gone takes its invitation with it. */
	fake_line(srv, alice, "PART #three");
	fake_drop_all(srv);
	fake_line(srv, bob, "INVITE");
	fake_expect(bob, ":irc.local 336 bob #one\r\n" END);
	/* A new channel of the same name has not invited bob. */
	fake_line(srv, alice, "JOIN #three");
	fake_drop_all(srv);
	fake_line(srv, bob, "INVITE");
	fake_expect(bob, ":irc.local 336 bob #one\r\n" END);
	/* Others' invitations are not shown. */
	fake_line(srv, alice, "INVITE");
	fake_expect(alice, ":irc.local 337 alice :End of /INVITE list\r\n");
}

static void
test_invite_list_bounded(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *bob = fake_registered(srv, "bob");

	srv->cfg.max_invites = 3;
	for (int i = 0; i < 5; i++) {
		fake_linef(srv, alice, "JOIN #c%d", i);
		fake_linef(srv, alice, "INVITE bob #c%d", i);
	}
	fake_drop_all(srv);
	/* The user keeps the three most recent. */
	fake_line(srv, bob, "INVITE");
	fake_expect(bob, ":irc.local 336 bob #c2\r\n"
	    ":irc.local 336 bob #c3\r\n"
	    ":irc.local 336 bob #c4\r\n" END);
	assert_int_equal(bob->local->extra->ninvited, 3);
	/* A channel that forgets the invitation (its own bound) drops it too. */
	fake_registered(srv, "carol");
	fake_registered(srv, "dave");
	fake_registered(srv, "erin");
	fake_line(srv, alice, "INVITE carol #c4");
	fake_line(srv, alice, "INVITE dave #c4");
	fake_line(srv, alice, "INVITE erin #c4");
	fake_drop_all(srv);
	fake_line(srv, bob, "INVITE");
	fake_expect(bob, ":irc.local 336 bob #c2\r\n"
	    ":irc.local 336 bob #c3\r\n" END);
	assert_int_equal(bob->local->extra->ninvited, 2);
}

static void
test_invite_list_hostile(void **state)
{
	struct server *srv = *state;
	struct client *bob = fake_registered(srv, "bob");
	struct client *u = fake_client(srv, "127.0.0.1");

	/* One parameter is not a listing: the target's channel is missing. */
	fake_line(srv, bob, "INVITE bob");
	fake_expect(bob, ":irc.local 461 bob INVITE :Not enough parameters\r\n");
	fake_line(srv, bob, "INVITE :");
	fake_expect(bob, ":irc.local 461 bob INVITE :Not enough parameters\r\n");
	fake_line(srv, u, "INVITE");
	fake_expect(u, ":irc.local 451 * :You have not registered\r\n");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
	const struct CMUnitTest tests[] = {
		T(test_invite_list),
		T(test_invite_list_bounded),
		T(test_invite_list_hostile),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
