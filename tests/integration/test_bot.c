/*
 * Integration tests of ircbot against a running ircserv: the bot binary
 * ($IRCBOT_BIN) is spawned next to the server, and raw clients talk to it
 * in channels and in private: its commands, polls and moderation. Every
 * bot started is stopped and reaped, and its log is shown if anything
 * failed. test_bot_robust.c has the bot under hostile conditions.
 */
#include "itest_bot.h"

#include <stdio.h>
#include <string.h>

#define SRV             ITEST_SERVER_NAME

/* A poll in #bots: one per channel, one vote per nick, only its owner ends it. */
static void
poll_round(struct itest_client *alice, struct itest_client *bob, const char *b)
{
	itest_send(bob, "PRIVMSG #bots :!poll \"Lunch?\" pizza sushi");
	itest_expect(bob, "%sPoll by bob: Lunch?: 1) pizza, 2) sushi -- vote with "
	    "!vote <n>, see !results", b);
	itest_send(alice, "PRIVMSG #bots :!vote 2");
	itest_expect(bob, "%salice voted for 2) sushi", b);
	itest_send(bob, "PRIVMSG #bots :!vote 1");
	itest_expect(bob, "%sbob voted for 1) pizza", b);
	itest_send(alice, "PRIVMSG #bots :!vote 1");
	itest_expect(bob, "%salice: you have already voted", b);
	itest_send(bob, "PRIVMSG #bots :!results");
	itest_expect(bob, "%sResults: Lunch?: 1) pizza 1, 2) sushi 1 (2 votes)", b);
	itest_send(alice, "PRIVMSG #bots :!endpoll");
	itest_expect(bob, "%salice: only bob can end this poll", b);
	itest_send(bob, "PRIVMSG #bots :!endpoll");
	itest_expect(bob, "%sPoll closed: Lunch?: 1) pizza 1, 2) sushi 1 (2 votes)", b);
}

static void
test_bot_in_channel(void **state)
{
	struct itest_client *alice = itest_user(*state, "alice");
	struct itest_client *bob;
	char *opts[] = { "-g", "Welcome to {chan}, {nick}!", NULL };
	char *chans[] = { "#bots", NULL };
	const char *l, *b = ":chanbot!chanbot@127.0.0.1 PRIVMSG #bots :";
	unsigned d1, d2, d3, sum;
	struct bot_proc *bot;

	itest_join(alice, "#bots");
	bot = bot_spawn(*state, "chanbot", opts, chans);
	bot_wait_join(alice, "chanbot", "#bots");
	alice->timeout_ms = 5000;
	/* Bot mode, set because 005 advertised BOT=B. */
	itest_send(alice, "WHOIS chanbot");
	itest_expect(alice, ":" SRV " 335 alice chanbot :is a bot on ircserv");
	itest_skip_to(alice, ":" SRV " 318 alice chanbot :*");
	itest_send(alice, "PRIVMSG #bots :hello everyone");
	bob = itest_user(*state, "bob");
	bob->timeout_ms = 5000;
	itest_join(bob, "#bots");
	itest_expect(bob, "%sWelcome to #bots, bob!", b);
	itest_send(bob, "PRIVMSG #bots :!help");
	itest_expect(bob, "%scommands: !help, !time, !uptime, !seen <nick>, !roll NdM, "
	    "!poll \"question\" option1 option2 ..., !vote <n>, !results, !endpoll, "
	    "!remind <minutes> <text>", b);
	itest_send(bob, "PRIVMSG #bots :!time");
	itest_expect(bob, "%s\?\?\?\?-\?\?-\?\? \?\?:\?\?:\?\? UTC", b);
	itest_send(bob, "PRIVMSG #bots :!uptime");
	itest_expect(bob, "%sup *s, connected for *s", b);
	itest_send(bob, "PRIVMSG #bots :!roll 3d6");
	l = itest_expect(bob, "%sbob rolled 3d6: * = *", b);
	assert_int_equal(sscanf(strstr(l, "3d6: "), "3d6: %u %u %u = %u", &d1, &d2, &d3,
	    &sum), 4);
	assert_true(d1 >= 1 && d1 <= 6 && d2 >= 1 && d2 <= 6 && d3 >= 1 && d3 <= 6);
	assert_int_equal(d1 + d2 + d3, sum);
	itest_send(bob, "PRIVMSG #bots :!roll 101d6");
	itest_expect(bob, "%susage: !roll NdM (1-100 dice, 2-1000 sides)", b);
	itest_send(bob, "PRIVMSG #bots :!seen alice");
	itest_expect(bob, "%salice was last seen *s ago, in #bots, saying: hello everyone", b);
	poll_round(alice, bob, b);
	/* SIGTERM: the bot says QUIT and exits 0. */
	assert_int_equal(bot_stop(bot), 0);
	itest_expect(bob, ":chanbot!chanbot@127.0.0.1 QUIT :*ircbot stopping*");
	itest_close(alice);
	itest_close(bob);
}

static void
test_bot_in_private(void **state)
{
	struct itest_client *carol = itest_user(*state, "carol");
	const char *n = ":privbot!privbot@127.0.0.1 NOTICE carol :";

	bot_spawn(*state, "privbot", NULL, NULL);
	bot_wait_online(carol, "privbot");
	carol->timeout_ms = 5000;
	itest_send(carol, "PRIVMSG privbot :!help");
	itest_expect_next(carol, "%scommands: *", n);
	itest_send(carol, "PRIVMSG privbot :!remind 1 stretch your legs");
	itest_expect_next(carol, "%scarol: I will remind you in 1 minute", n);
	itest_send(carol, "PRIVMSG privbot :hello?");
	itest_expect_next(carol, "%sI am a bot; try !help", n);
	itest_send(carol, "PRIVMSG privbot :!vote 1");
	itest_expect_next(carol, "%spolls live in channels; use this there.", n);
	itest_send(carol, "PRIVMSG privbot :!seen carol");
	itest_expect_next(carol, "%scarol is right here.", n);
	itest_send(carol, "PRIVMSG privbot :\001VERSION\001");
	itest_expect_next(carol, "%s\001VERSION ircbot (ircserv)\001", n);
	/* NOTICEs are never answered (RFC 2812 3.3.2). */
	itest_send(carol, "NOTICE privbot :!help");
	itest_send(carol, "PRIVMSG privbot :!seen nobody");
	itest_expect_next(carol, "%sI have not seen nobody.", n);
	itest_close(carol);
	bot_stop_all_ok();
}

static void
test_bot_moderates(void **state)
{
	struct itest_client *erin = itest_user(*state, "erin");
	char *opts[] = { "-w", "darn,heck", NULL };
	char *chans[] = { "#mod", NULL };

	itest_join(erin, "#mod");
	bot_spawn(*state, "modbot", opts, chans);
	bot_wait_join(erin, "modbot", "#mod");
	erin->timeout_ms = 5000;
	/* Not an operator yet: nothing to enforce with. */
	itest_send(erin, "PRIVMSG #mod :darn");
	itest_send(erin, "MODE #mod +o modbot");
	itest_expect_next(erin, ":%s MODE #mod +o modbot", itest_pfx(erin));
	itest_send(erin, "PRIVMSG #mod :well, DARN it");
	itest_expect_next(erin, ":modbot!modbot@127.0.0.1 PRIVMSG #mod :erin: please don't "
	    "say \"darn\" here; next time it is a kick.");
	itest_send(erin, "PRIVMSG #mod :heck!");
	itest_expect_next(erin, ":modbot!modbot@127.0.0.1 KICK #mod erin :banned word (heck)");
	itest_close(erin);
	bot_stop_all_ok();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		bot_test(test_bot_in_channel),
		bot_test(test_bot_in_private),
		bot_test(test_bot_moderates),
	};

	return bot_finish(cmocka_run_group_tests(tests, itest_group_setup,
	    itest_group_teardown));
}
