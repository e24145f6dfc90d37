/*
 * Integration tests of ircbot under hostile conditions: garbage and
 * oversized commands, its nick already in use, a server with strict flood
 * control, and a server that goes away and comes back on the same port.
 * Every bot started is stopped and reaped, and its log is shown if
 * anything failed.
 */
#include "itest_bot.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Stricter than the default (burst 10, 2 lines/s): 5, then 1 a second. */
#define STRICT_FLOOD    "flood_burst = 5\nflood_rate = 1\nflood_max = 1\n"

/* Garbage and oversized commands get short answers or none; the bot lives on. */
static void
test_bot_hostile_input(void **state)
{
	static const char *lines[] = {
		"PRIVMSG #hard :!roll 99999999999999999999d99999999999999",
		"PRIVMSG #hard :!poll \"never closed a b",
		"PRIVMSG #hard :!vote -1",
		"PRIVMSG #hard :!remind 99999999 later",
		"PRIVMSG #hard :!seen \001\001\001",
		"PRIVMSG #hard :!",
		"PRIVMSG #hard :\001DCC SEND x 2130706433 1 1\001",
		"PRIVMSG hardbot :\001DCC SEND \"a b\" 0 0 0 t\001",
		"PRIVMSG hardbot :\001\001",
		"PRIVMSG #hard :!nosuchcommand with args",
	};
	struct itest_client *dave = itest_user(*state, "dave");
	char *chans[] = { "#hard", NULL };
	struct bot_proc *bot;
	char longline[520];

	itest_join(dave, "#hard");
	bot = bot_spawn(*state, "hardbot", NULL, chans);
	bot_wait_join(dave, "hardbot", "#hard");
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		itest_send(dave, "%s", lines[i]);
	/* A command as long as a line can be. */
	snprintf(longline, sizeof(longline), "PRIVMSG #hard :!poll %0*d", 480, 7);
	itest_send(dave, "%s", longline);
	itest_send(dave, "PRIVMSG #hard :!help");
	dave->timeout_ms = 15000;
	itest_expect(dave, ":hardbot!*@127.0.0.1 PRIVMSG #hard :usage: !roll NdM*");
	itest_expect(dave, ":hardbot!*@127.0.0.1 PRIVMSG #hard :usage: !poll *");
	itest_expect(dave, ":hardbot!*@127.0.0.1 PRIVMSG #hard :no poll is running here");
	itest_expect(dave, ":hardbot!*@127.0.0.1 PRIVMSG #hard :usage: !remind *");
	/* Control bytes quoted back are blanked: no CTCP can start. */
	itest_expect(dave, ":hardbot!*@127.0.0.1 PRIVMSG #hard :I have not seen    .");
	itest_expect(dave, ":hardbot!*@127.0.0.1 PRIVMSG #hard :dave: that command is too long");
	/* And nothing else before the answer to !help. */
	itest_expect_next(dave, ":hardbot!*@127.0.0.1 PRIVMSG #hard :commands: *");
	assert_true(bot_alive(bot));
	dave->timeout_ms = ITEST_TIMEOUT_MS;
	itest_expect_quiet(dave);
	itest_close(dave);
	bot_stop_all_ok();
}

static void
test_bot_nick_in_use(void **state)
{
	struct itest_client *frank = itest_user(*state, "frank");
	char *chans[] = { "#twins", NULL };

	itest_join(frank, "#twins");
	bot_spawn(*state, "twin", NULL, chans);
	bot_wait_join(frank, "twin", "#twins");
	bot_spawn(*state, "twin", NULL, chans);
	bot_wait_join(frank, "twin_", "#twins");
	itest_close(frank);
	bot_stop_all_ok();
}

/*
 * Ten users join at once under flood control twice as strict as the
 * default, where the eleventh quick line from one client is fatal: the
 * bot greets every one of them, four at once and then one a second, and
 * is not disconnected.
 */
static void
test_bot_paces_output(void **state)
{
	struct itest_server *s = itest_server_start_conf(ITEST_PASSWORD, STRICT_FLOOD);
	struct itest_client *watch, *joiners[10];
	char *opts[] = { "-g", "hi {nick}", NULL };
	char *chans[] = { "#pace", NULL };
	int64_t first = 0, last = 0;
	char nick[16];

	(void)state;
	assert_non_null(s);
	watch = itest_user(s, "watcher");
	itest_join(watch, "#pace");
	bot_spawn(s, "pacebot", opts, chans);
	bot_wait_join(watch, "pacebot", "#pace");
	for (int i = 0; i < 10; i++) {
		snprintf(nick, sizeof(nick), "j%d", i);
		joiners[i] = itest_user(s, nick);
		itest_join(joiners[i], "#pace");
	}
	watch->timeout_ms = 4000;
	for (int i = 0; i < 10; i++) {
		itest_expect(watch, ":pacebot!*@127.0.0.1 PRIVMSG #pace :hi j%d", i);
		last = itest_now_ms();
		if (i == 0)
			first = last;
	}
	print_message("10 greetings in %lld ms\n", (long long)(last - first));
	/* Four at once, then one a second: the last six take about 6 s. */
	if (last - first < 5000)
		fail_msg("10 greetings in %lld ms: the bot is not pacing itself",
		    (long long)(last - first));
	itest_send(watch, "PRIVMSG #pace :!help");
	itest_expect(watch, ":pacebot!*@127.0.0.1 PRIVMSG #pace :commands: *");
	for (int i = 0; i < 10; i++)
		itest_close(joiners[i]);
	itest_close(watch);
	bot_stop_all_ok();
}

/* Start the server again on the port it had (the harness reaps it by s->pid). */
static void
server_restart(struct itest_server *s)
{
	char port[16], *argv[4];
	int64_t deadline = itest_now_ms() + ITEST_START_MS;
	const char *bin = getenv("IRCSERV_BIN");

	snprintf(port, sizeof(port), "%d", s->port);
	argv[0] = (char *)bin;
	argv[1] = port;
	argv[2] = s->password;
	argv[3] = NULL;
	s->pid = bot_fork_exec(argv, s->log_path);
	s->status = 0;
	while (itest_now_ms() < deadline) {
		struct sockaddr_in sin;
		int fd = socket(AF_INET, SOCK_STREAM, 0), r;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)s->port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		r = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
		close(fd);
		if (r == 0)
			return;
		itest_sleep_ms(20);
	}
	fail_msg("ircserv did not come back on port %d", s->port);
}

/*
 * The server stops; the bot retries after 1 s (refused), then 2 s later;
 * the server is back after 2.5 s, so the bot reconnects at about 3 s and
 * rejoins a second later (registration and MODE +B spend its burst).
 */
static void
test_bot_reconnects(void **state)
{
	struct itest_server *s = itest_server_start(ITEST_PASSWORD);
	struct itest_client *gina;
	char *chans[] = { "#re", NULL };
	struct bot_proc *bot;
	int64_t down, back;
	char *log;

	(void)state;
	assert_non_null(s);
	gina = itest_user(s, "gina");
	itest_join(gina, "#re");
	bot = bot_spawn(s, "rebot", NULL, chans);
	bot_wait_join(gina, "rebot", "#re");
	itest_close(gina);
	assert_int_equal(itest_server_stop(s), 0);
	down = itest_now_ms();
	itest_sleep_ms(2500);
	server_restart(s);
	gina = itest_user(s, "gina");
	itest_join(gina, "#re");
	bot_wait_join(gina, "rebot", "#re");
	back = itest_now_ms();
	print_message("the bot was back %lld ms after the server went down\n",
	    (long long)(back - down));
	/* 1 s + 2 s of backoff, 1 s of pacing, and slack for a slow machine. */
	if (back - down < 2500 || back - down > 7000)
		fail_msg("the bot came back after %lld ms, expected about 4000",
		    (long long)(back - down));
	gina->timeout_ms = 5000;
	itest_send(gina, "PRIVMSG #re :!seen gina");
	itest_expect(gina, ":rebot!*@127.0.0.1 PRIVMSG #re :gina is right here.");
	assert_true(bot_alive(bot));
	log = bot_read_log(bot);
	if (strstr(log, "retrying in 1 s") == NULL || strstr(log, "retrying in 2 s") == NULL)
		fail_msg("the bot's log does not show the backoff:\n%s", log);
	free(log);
	assert_int_equal(bot_stop(bot), 0);
	itest_close(gina);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		bot_test(test_bot_hostile_input),
		bot_test(test_bot_nick_in_use),
		bot_test(test_bot_paces_output),
		bot_test(test_bot_reconnects),
	};

	return bot_finish(cmocka_run_group_tests(tests, itest_group_setup,
	    itest_group_teardown));
}
