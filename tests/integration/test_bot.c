/*
 * Integration tests of ircbot against a running ircserv: the bot binary
 * ($IRCBOT_BIN) is spawned next to the server, and raw clients talk to it
 * in channels and in private. Also: hostile input, a server with strict
 * flood control, a nick already in use, and a server that goes away and
 * comes back on the same port. Every bot started is stopped and reaped,
 * and its log is shown if anything failed.
 */
#include "itest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define SRV             ITEST_SERVER_NAME
#define MAX_BOTS        8
#define BOT_START_MS    8000    /* to connect, register and join */
#define BOT_STOP_MS     5000    /* to QUIT and exit after SIGTERM */
/* Stricter than the default (burst 10, 2 lines/s): 5, then 1 a second. */
#define STRICT_FLOOD    "flood_burst = 5\nflood_rate = 1\nflood_max = 1\n"

struct bot_proc {
	pid_t    pid;           /* 0 once reaped */
	int      status;
	char     log[512];
};

/* File scope so that the teardown and an exit can still reach the bots. */
static struct {
	struct bot_proc bots[MAX_BOTS];
	int      nbots;
} bots;

static void
kill_bots(void)
{
	for (int i = 0; i < bots.nbots; i++)
		if (bots.bots[i].pid > 0)
			kill(bots.bots[i].pid, SIGKILL);
}

/* In the child: a clean signal state, output to the log, then exec. */
static void
bot_exec(char *const argv[], const char *log)
{
	int sigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGALRM };
	sigset_t none;
	int in = open("/dev/null", O_RDONLY), out;

#ifdef __linux__
	/* A test binary that dies must not leave a bot reconnecting forever. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	alarm(0);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (in == -1 || out == -1)
		_exit(126);
	dup2(in, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(out, STDERR_FILENO);
	execv(argv[0], argv);
	dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/*
 * Start $IRCBOT_BIN [opts...] 127.0.0.1 port password nick [chans...]:
 * opts and chans are NULL-terminated lists (either may be NULL).
 */
static struct bot_proc *
bot_spawn(const struct itest_server *s, const char *nick, char *const opts[],
    char *const chans[])
{
	const char *bin = getenv("IRCBOT_BIN"), *tmp = getenv("TMPDIR");
	char port[16], *argv[32];
	struct bot_proc *b;
	int n = 0, fd;

	if (bin == NULL || bin[0] == '\0')
		fail_msg("set IRCBOT_BIN to the ircbot binary");
	assert_true(bots.nbots < MAX_BOTS);
	b = &bots.bots[bots.nbots++];
	snprintf(b->log, sizeof(b->log), "%s/ircbot-itest.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	assert_int_not_equal(fd = mkstemp(b->log), -1);
	close(fd);
	snprintf(port, sizeof(port), "%d", s->port);
	argv[n++] = (char *)bin;
	for (int i = 0; opts != NULL && opts[i] != NULL; i++)
		argv[n++] = opts[i];
	argv[n++] = ITEST_HOST;
	argv[n++] = port;
	argv[n++] = (char *)s->password;
	argv[n++] = (char *)nick;
	for (int i = 0; chans != NULL && chans[i] != NULL && n < 31; i++)
		argv[n++] = chans[i];
	argv[n] = NULL;
	fflush(NULL);
	b->pid = fork();
	assert_int_not_equal(b->pid, -1);
	if (b->pid == 0)
		bot_exec(argv, b->log);
	return b;
}

static bool
bot_alive(struct bot_proc *b)
{
	if (b->pid == 0)
		return false;
	if (waitpid(b->pid, &b->status, WNOHANG) == b->pid) {
		b->pid = 0;
		return false;
	}
	return true;
}

/* SIGTERM, then SIGKILL after BOT_STOP_MS; the exit status, -1 if killed. */
static int
bot_stop(struct bot_proc *b)
{
	int64_t deadline = itest_now_ms() + BOT_STOP_MS;

	if (b->pid == 0)
		return WIFEXITED(b->status) ? WEXITSTATUS(b->status) : -1;
	kill(b->pid, SIGTERM);
	while (itest_now_ms() < deadline) {
		if (waitpid(b->pid, &b->status, WNOHANG) == b->pid) {
			b->pid = 0;
			return WIFEXITED(b->status) ? WEXITSTATUS(b->status) : -1;
		}
		itest_sleep_ms(10);
	}
	kill(b->pid, SIGKILL);
	waitpid(b->pid, &b->status, 0);
	b->pid = 0;
	return -1;
}

static char *
read_log(const struct bot_proc *b)
{
	FILE *f = fopen(b->log, "r");
	char *text = calloc(1, 65536);
	size_t n;

	assert_non_null(text);
	if (f != NULL) {
		n = fread(text, 1, 65535, f);
		text[n] = '\0';
		fclose(f);
	}
	return text;
}

/*
 * Every bot still running must stop cleanly: exit 0 after SIGTERM (under
 * ASan, also no leak and no error report).
 */
static void
stop_bots_ok(void)
{
	for (int i = 0; i < bots.nbots; i++) {
		struct bot_proc *b = &bots.bots[i];
		int code;

		if (b->pid > 0 && (code = bot_stop(b)) != 0) {
			char *text = read_log(b);

			fail_msg("a bot exited with %d on SIGTERM; its log:\n%s", code, text);
		}
	}
}

/* Per-test teardown: stop the bots the test left, then the harness's part. */
static int
bot_teardown(void **state)
{
	for (int i = 0; i < bots.nbots; i++)
		if (bots.bots[i].pid > 0)
			bot_stop(&bots.bots[i]);
	return itest_test_teardown(state);
}

#define bot_test(f)     cmocka_unit_test_teardown(f, bot_teardown)

/* Wait until nick is registered, by MONITOR (IRCv3: 730 when online). */
static void
wait_online(struct itest_client *c, const char *nick)
{
	int saved = c->timeout_ms;

	c->timeout_ms = BOT_START_MS;
	itest_send(c, "MONITOR + %s", nick);
	itest_skip_to(c, ":" SRV " 730 %s :%s!*", c->nick, nick);
	itest_send(c, "MONITOR - %s", nick);
	c->timeout_ms = saved;
	itest_sync(c);
}

/* c waits in chan for the bot's JOIN. */
static void
wait_bot_join(struct itest_client *c, const char *nick, const char *chan)
{
	int saved = c->timeout_ms;

	c->timeout_ms = BOT_START_MS;
	itest_expect(c, ":%s!*@127.0.0.1 JOIN %s", nick, chan);
	c->timeout_ms = saved;
}

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
	wait_bot_join(alice, "chanbot", "#bots");
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
	wait_online(carol, "privbot");
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
	stop_bots_ok();
}

static void
test_bot_moderates(void **state)
{
	struct itest_client *erin = itest_user(*state, "erin");
	char *opts[] = { "-w", "darn,heck", NULL };
	char *chans[] = { "#mod", NULL };

	itest_join(erin, "#mod");
	bot_spawn(*state, "modbot", opts, chans);
	wait_bot_join(erin, "modbot", "#mod");
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
	stop_bots_ok();
}

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
	wait_bot_join(dave, "hardbot", "#hard");
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
	stop_bots_ok();
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
	wait_bot_join(watch, "pacebot", "#pace");
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
	stop_bots_ok();
}

static void
test_bot_nick_in_use(void **state)
{
	struct itest_client *frank = itest_user(*state, "frank");
	char *chans[] = { "#twins", NULL };

	itest_join(frank, "#twins");
	bot_spawn(*state, "twin", NULL, chans);
	wait_bot_join(frank, "twin", "#twins");
	bot_spawn(*state, "twin", NULL, chans);
	wait_bot_join(frank, "twin_", "#twins");
	itest_close(frank);
	stop_bots_ok();
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
	fflush(NULL);
	s->pid = fork();
	assert_int_not_equal(s->pid, -1);
	if (s->pid == 0)
		bot_exec(argv, s->log_path);
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
	wait_bot_join(gina, "rebot", "#re");
	itest_close(gina);
	assert_int_equal(itest_server_stop(s), 0);
	down = itest_now_ms();
	itest_sleep_ms(2500);
	server_restart(s);
	gina = itest_user(s, "gina");
	itest_join(gina, "#re");
	wait_bot_join(gina, "rebot", "#re");
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
	log = read_log(bot);
	if (strstr(log, "retrying in 1 s") == NULL || strstr(log, "retrying in 2 s") == NULL)
		fail_msg("the bot's log does not show the backoff:\n%s", log);
	free(log);
	assert_int_equal(bot_stop(bot), 0);
	itest_close(gina);
}

static void
dump_bot_logs(void)
{
	for (int i = 0; i < bots.nbots; i++) {
		char *text = read_log(&bots.bots[i]);

		fprintf(stderr, "---- ircbot log %s ----\n%s---- end ----\n",
		    bots.bots[i].log, text);
		free(text);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		bot_test(test_bot_in_channel),
		bot_test(test_bot_in_private),
		bot_test(test_bot_moderates),
		bot_test(test_bot_hostile_input),
		bot_test(test_bot_nick_in_use),
		bot_test(test_bot_paces_output),
		bot_test(test_bot_reconnects),
	};
	int failed;

	atexit(kill_bots);
	failed = cmocka_run_group_tests(tests, itest_group_setup, itest_group_teardown);
	if (failed)
		dump_bot_logs();
	kill_bots();
	for (int i = 0; i < bots.nbots; i++)
		unlink(bots.bots[i].log);
	return itest_finish(failed);
}
