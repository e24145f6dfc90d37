/*
 * Extended bans through server_on_line(): "a:<account mask>" in +b, +e and
 * +I (ACCOUNTEXTBAN=a), "m:<mask>" mutes in +b (join yes, speak no) and
 * exceptions in +e; how they are completed, listed and removed, and the
 * 696 refusals of unknown, empty or meaningless ones.
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

/* Log cli in to account as SASL would (the unit under test is the ban). */
static void
login(struct client *cli, const char *account)
{
	assert_int_equal(client_set_account(cli, account), 0);
}

static void
test_account_ban(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#c");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_registered(srv, "carol");
	struct client *anon = fake_registered(srv, "anon");

	login(bob, "BobAcct");
	login(carol, "carol");
	fake_line(srv, op, "MODE #c +b a:bob*");
	fake_expect(op, ":op!u@127.0.0.1 MODE #c +b a:bob*\r\n");
	/* Account masks compare case-insensitively. */
	fake_line(srv, bob, "JOIN #c");
	fake_expect(bob, ":irc.local 474 bob #c :Cannot join channel (+b)\r\n");
	fake_line(srv, carol, "JOIN #c");
	fake_expect_has(carol, ":carol!u@127.0.0.1 JOIN #c\r\n");
	/* A user with no account matches no a: entry, not even a:*. */
	fake_line(srv, op, "MODE #c +b a:*");
	fake_drop_all(srv);
	fake_line(srv, anon, "JOIN #c");
	fake_expect_has(anon, ":anon!u@127.0.0.1 JOIN #c\r\n");
	/* A banned account may not speak from outside either. */
	fake_line(srv, op, "MODE #c -n");
	fake_drop_all(srv);
	fake_line(srv, bob, "PRIVMSG #c :hi");
	fake_expect(bob, ":irc.local 404 bob #c :Cannot send to channel\r\n");
	/* An a: exception lets the account in. */
	fake_line(srv, op, "MODE #c +e a:bobacct");
	fake_drop_all(srv);
	fake_line(srv, bob, "JOIN #c");
	fake_expect_has(bob, ":bob!u@127.0.0.1 JOIN #c\r\n");
	fake_drop_all(srv);
	fake_line(srv, op, "MODE #c +b");
	fake_expect(op, ":irc.local 367 op #c a:bob* op!u@127.0.0.1 1700000000\r\n"
	    ":irc.local 367 op #c a:* op!u@127.0.0.1 1700000000\r\n"
	    ":irc.local 368 op #c :End of channel ban list\r\n");
	fake_line(srv, op, "MODE #c -b a:BOB*");
	fake_expect_has(op, ":op!u@127.0.0.1 MODE #c -b a:BOB*\r\n");
}

static void
test_account_invex(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#c");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_registered(srv, "carol");

	login(bob, "bob");
	fake_line(srv, op, "MODE #c +iI a:bob");
	fake_expect(op, ":op!u@127.0.0.1 MODE #c +iI a:bob\r\n");
	fake_line(srv, carol, "JOIN #c");
	fake_expect(carol, ":irc.local 473 carol #c :Cannot join channel (+i)\r\n");
	fake_line(srv, bob, "JOIN #c");
	fake_expect_has(bob, ":bob!u@127.0.0.1 JOIN #c\r\n");
}

static void
test_mute(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#c");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_joined(srv, "carol", "#c");

	/* The mask is completed as a plain one is. */
	fake_line(srv, op, "MODE #c +b m:bob");
	fake_expect(op, ":op!u@127.0.0.1 MODE #c +b m:bob!*@*\r\n");
	fake_drop_all(srv);
	/* A muted user may join... */
	fake_line(srv, bob, "JOIN #c");
	fake_expect_has(bob, ":bob!u@127.0.0.1 JOIN #c\r\n");
	fake_drop_all(srv);
	/* ...but not speak, in PRIVMSG, NOTICE or TAGMSG. */
	fake_line(srv, bob, "PRIVMSG #c :let me talk");
	fake_expect(bob, ":irc.local 404 bob #c :Cannot send to channel\r\n");
	fake_line(srv, bob, "NOTICE #c :psst");
	fake_expect(bob, "");
	fake_expect(carol, "");
	fake_expect(op, "");
	/* Others still speak; private messages are not muted. */
	fake_line(srv, carol, "PRIVMSG #c :fine");
	fake_expect(op, ":carol!u@127.0.0.1 PRIVMSG #c :fine\r\n");
	fake_line(srv, bob, "PRIVMSG carol :hello");
	fake_expect(carol, ":bob!u@127.0.0.1 PRIVMSG carol :hello\r\n");
	/* Voice lifts the mute, as it lifts +m. */
	fake_line(srv, op, "MODE #c +v bob");
	fake_drop_all(srv);
	fake_line(srv, bob, "PRIVMSG #c :voiced");
	fake_expect(carol, ":bob!u@127.0.0.1 PRIVMSG #c :voiced\r\n");
	fake_line(srv, op, "MODE #c -v bob");
	fake_drop_all(srv);
	/* So does an exception, plain or m:. */
	fake_line(srv, op, "MODE #c +e m:bob!u@*");
	fake_expect(op, ":op!u@127.0.0.1 MODE #c +e m:bob!u@*\r\n");
	fake_drop_all(srv);
	fake_line(srv, bob, "PRIVMSG #c :excepted");
	fake_expect(carol, ":bob!u@127.0.0.1 PRIVMSG #c :excepted\r\n");
	fake_line(srv, op, "MODE #c -e m:bob!u@*");
	fake_line(srv, op, "MODE #c -b m:bob!*@*");
	fake_drop_all(srv);
	fake_line(srv, bob, "PRIVMSG #c :free");
	fake_expect(carol, ":bob!u@127.0.0.1 PRIVMSG #c :free\r\n");
}

static void
test_extban_refused(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#c");
	struct channel *chan = channel_find(srv, "#c");

	fake_line(srv, op, "MODE #c +b x:foo");
	fake_expect(op, ":irc.local 696 op #c b x:foo :Invalid extban\r\n");
	fake_line(srv, op, "MODE #c +b a:");
	fake_expect(op, ":irc.local 696 op #c b a: :Invalid extban\r\n");
	fake_line(srv, op, "MODE #c +e m:");
	fake_expect(op, ":irc.local 696 op #c e m: :Invalid extban\r\n");
	/* A mute means nothing as an invite exception. */
	fake_line(srv, op, "MODE #c +I m:bob");
	fake_expect(op, ":irc.local 696 op #c I m:bob :Invalid extban\r\n");
	fake_line(srv, op, "MODE #c +b A:bob");
	fake_expect(op, ":irc.local 696 op #c b A:bob :Invalid extban\r\n");
	assert_int_equal(chan->bans.n + chan->excepts.n + chan->invexes.n, 0);
	/* Not a letter first: a plain mask, here an address, so a host. */
	fake_line(srv, op, "MODE #c +b 1:2");
	fake_expect(op, ":op!u@127.0.0.1 MODE #c +b *!*@1:2\r\n");
	/* Masks too long for any user are refused, never cut or overflowed. */
	fake_linef(srv, op, "MODE #c +b m:%0200d", 1);
	fake_expect_has(op, " 696 op #c b m:000");
	fake_linef(srv, op, "MODE #c +b a:%0200d", 1);
	fake_expect_has(op, " 696 op #c b a:000");
	fake_line(srv, op, "MODE #c +b m:***x");
	fake_expect(op, ":op!u@127.0.0.1 MODE #c +b m:*x!*@*\r\n");
	assert_int_equal(chan->bans.n, 2);
	/* Removing an extban that is not there says nothing. */
	fake_line(srv, op, "MODE #c -b a:nobody");
	fake_expect(op, "");
}

static void
test_extban_isupport(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");

	fake_line(srv, alice, "VERSION");
	fake_expect_has(alice, " ACCOUNTEXTBAN=a ");
	fake_line(srv, alice, "VERSION");
	fake_expect_has(alice, " EXTBAN=,am ");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
	const struct CMUnitTest tests[] = {
		T(test_account_ban),
		T(test_account_invex),
		T(test_mute),
		T(test_extban_refused),
		T(test_extban_isupport),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
