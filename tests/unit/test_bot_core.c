/*
 * Unit tests for the bot core (bot.c, botcmd.c) through its sans-I/O
 * interface: lines in, the injected clock, and the exact lines it lets
 * out. Covers registration, bot mode, PING, nick collisions, pacing,
 * keepalive and backoff, every command, moderation, and hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/bot.h"
#include "bot/botcmd.h"

#define T0      ((int64_t)5000000)
#define W0      ((time_t)1700000000)    /* 2023-11-14 22:13:20 UTC */
#define ALICE   ":alice!al@127.0.0.1"
#define BOB     ":bob!bo@127.0.0.1"

struct fx {
	struct bot      *bot;
	struct bot_time  now;
	char             line[IRCLINE_MAX + 1];
};

static struct fx *
fx_new(const char *greeting, const char *words)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct botconf cfg;
	char err[128];

	assert_non_null(fx);
	botconf_init(&cfg);
	strcpy(cfg.host, "127.0.0.1");
	strcpy(cfg.port, "6667");
	strcpy(cfg.password, "pw");
	strcpy(cfg.nick, "testbot");
	assert_int_equal(botconf_add_channel(&cfg, "#c", err, sizeof(err)), 0);
	if (greeting != NULL)
		strcpy(cfg.greeting, greeting);
	if (words != NULL)
		assert_int_equal(botconf_add_words(&cfg, words, err, sizeof(err)), 0);
	fx->now.ms = T0;
	fx->now.wall = W0;
	fx->bot = bot_new(&cfg, fx->now, 42);
	assert_non_null(fx->bot);
	return fx;
}

static void
fx_free(struct fx *fx)
{
	bot_free(fx->bot);
	free(fx);
}

static void
fx_advance(struct fx *fx, int64_t ms)
{
	/* One clock: the wall time follows the monotonic one. */
	fx->now.ms += ms;
	fx->now.wall = W0 + (time_t)((fx->now.ms - T0) / 1000);
}

static void __attribute__((format(printf, 2, 3)))
feed(struct fx *fx, const char *fmt, ...)
{
	char line[9000];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(line));
	bot_on_line(fx->bot, line, (size_t)n, fx->now);
}

/* Every line the bot sends ends in CR LF, fits 512 and holds no CR, LF or NUL. */
static void
check_wire(const char *line, size_t len)
{
	assert_true(len >= 2 && len <= IRCLINE_MAX);
	assert_memory_equal(line + len - 2, "\r\n", 2);
	for (size_t i = 0; i + 2 < len; i++)
		if (line[i] == '\r' || line[i] == '\n' || line[i] == '\0')
			fail_msg("byte %zu of \"%s\" is %#x", i, line, line[i]);
}

/*
 * The next line the bot lets out, without CR LF, moving the clock on
 * while the bucket holds it back; NULL when nothing is queued.
 */
static const char *
out_next(struct fx *fx)
{
	for (int i = 0; i < 1000; i++) {
		size_t n = bot_next_line(fx->bot, fx->now.ms, fx->line, sizeof(fx->line));

		if (n > 0) {
			check_wire(fx->line, n);
			fx->line[n - 2] = '\0';
			return fx->line;
		}
		if (fx->bot->paced.len == 0 && fx->bot->urgent.len == 0)
			return NULL;
		fx_advance(fx, 100);
	}
	fail_msg("the bucket never let a line out");
	return NULL;
}

#define expect(fx, ...) expect_at(__FILE__, __LINE__, (fx), __VA_ARGS__)
static void __attribute__((format(printf, 4, 5)))
expect_at(const char *file, int lineno, struct fx *fx, const char *fmt, ...)
{
	char want[1024];
	const char *got;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	got = out_next(fx);
	if (got == NULL || strcmp(got, want) != 0) {
		print_error("%s:%d: expected \"%s\"\n%*sgot \"%s\"\n", file, lineno, want,
		    (int)strlen(file) + 8, "", got ? got : "(nothing)");
		_fail(file, lineno);
	}
}

#define expect_none(fx) expect_none_at(__FILE__, __LINE__, (fx))
static void
expect_none_at(const char *file, int lineno, struct fx *fx)
{
	const char *got = out_next(fx);

	if (got != NULL) {
		print_error("%s:%d: expected nothing, got \"%s\"\n", file, lineno, got);
		_fail(file, lineno);
	}
}

/* Connect and register; the bot joins #c, where it is the operator. */
static void
fx_register(struct fx *fx)
{
	bot_connected(fx->bot, fx->now);
	expect(fx, "PASS pw");
	expect(fx, "NICK testbot");
	expect(fx, "USER testbot 0 * :ircserv bot");
	feed(fx, ":irc.local 001 testbot :Welcome to the network");
	feed(fx, ":irc.local 005 testbot BOT=B CHANTYPES=#& :are supported by this server");
	feed(fx, ":irc.local 376 testbot :End of /MOTD command.");
	expect(fx, "MODE testbot +B");
	expect(fx, "JOIN #c");
	feed(fx, ":testbot!testbot@127.0.0.1 JOIN #c");
	feed(fx, ":irc.local 353 testbot = #c :@testbot");
	feed(fx, ":irc.local 366 testbot #c :End of /NAMES list");
	expect_none(fx);
	/* A full bucket for the test. */
	fx_advance(fx, 10000);
}

static struct fx *
fx_ready(const char *greeting, const char *words)
{
	struct fx *fx = fx_new(greeting, words);

	fx_register(fx);
	return fx;
}

static void
test_register_exact_bytes(void **state)
{
	struct fx *fx = fx_new(NULL, NULL);
	char buf[600];
	size_t n;

	(void)state;
	assert_int_equal(bot_timeout_ms(fx->bot, fx->now.ms), -1);
	bot_connected(fx->bot, fx->now);
	assert_int_equal(bot_timeout_ms(fx->bot, fx->now.ms), 0);
	n = bot_next_line(fx->bot, fx->now.ms, buf, sizeof(buf));
	assert_int_equal(n, 9);
	assert_memory_equal(buf, "PASS pw\r\n", 9);
	expect(fx, "NICK testbot");
	expect(fx, "USER testbot 0 * :ircserv bot");
	expect_none(fx);
	/* Nothing before the end of the MOTD: no JOIN, and no MODE without BOT=. */
	feed(fx, ":irc.local 001 testbot :Welcome");
	feed(fx, ":irc.local 005 testbot CHANTYPES=# BOT :are supported by this server");
	feed(fx, ":irc.local 005 testbot BOT=xy BOT= :are supported by this server");
	expect_none(fx);
	feed(fx, ":irc.local 422 testbot :MOTD File is missing");
	expect(fx, "JOIN #c");
	/* A second end of MOTD (a MOTD command) does not join again. */
	feed(fx, ":irc.local 376 testbot :End of /MOTD command.");
	expect_none(fx);
	fx_free(fx);
}

static void
test_bot_mode_once(void **state)
{
	struct fx *fx = fx_ready(NULL, NULL);

	(void)state;
	/* 005 again (VERSION): the mode was set already on this connection. */
	feed(fx, ":irc.local 005 testbot BOT=B :are supported by this server");
	expect_none(fx);
	fx_free(fx);
}

static void
test_ping_is_not_paced(void **state)
{
	struct fx *fx = fx_ready(NULL, NULL);

	(void)state;
	/* Fill the bucket's backlog, then PING: PONG goes first, at once. */
	for (int i = 0; i < 10; i++)
		feed(fx, ALICE " PRIVMSG #c :!time");
	for (int i = 0; i < BOT_RATE_BURST; i++)
		assert_true(bot_next_line(fx->bot, fx->now.ms, fx->line, sizeof(fx->line)) > 0);
	assert_int_equal(bot_next_line(fx->bot, fx->now.ms, fx->line, sizeof(fx->line)), 0);
	feed(fx, "PING :irc.local");
	assert_int_equal(bot_timeout_ms(fx->bot, fx->now.ms), 0);
	assert_int_equal(bot_next_line(fx->bot, fx->now.ms, fx->line, sizeof(fx->line)),
	    17);
	assert_memory_equal(fx->line, "PONG :irc.local\r\n", 17);
	feed(fx, "PING");
	expect(fx, "PONG :");
	fx_free(fx);
}

static void
test_nick_collision(void **state)
{
	struct fx *fx = fx_new(NULL, NULL);
	const char *l;
	unsigned n;

	(void)state;
	bot_connected(fx->bot, fx->now);
	expect(fx, "PASS pw");
	expect(fx, "NICK testbot");
	expect(fx, "USER testbot 0 * :ircserv bot");
	feed(fx, ":irc.local 433 * testbot :Nickname is already in use");
	expect(fx, "NICK testbot_");
	feed(fx, ":irc.local 433 * testbot_ :Nickname is already in use");
	l = out_next(fx);
	assert_non_null(l);
	assert_int_equal(sscanf(l, "NICK testbot%u", &n), 1);
	assert_true(n >= 1000 && n <= 9999);
	feed(fx, ":irc.local 001 testbot_x :Welcome");
	assert_string_equal(fx->bot->nick, "testbot_x");
	/* After registration a 433 (our own NICK command) changes nothing. */
	feed(fx, ":irc.local 433 testbot_x other :Nickname is already in use");
	expect_none(fx);
	/* The next connection starts from the configured nick again. */
	bot_disconnected(fx->bot, fx->now);
	bot_connected(fx->bot, fx->now);
	expect(fx, "PASS pw");
	expect(fx, "NICK testbot");
	/* Too many refusals: give up on this connection. */
	for (int i = 0; i <= BOT_NICK_TRIES; i++)
		feed(fx, ":irc.local 433 * x :Nickname is already in use");
	assert_true(bot_wants_close(fx->bot));
	fx_free(fx);
}

static void
test_rate_limit(void **state)
{
	struct fx *fx = fx_ready(NULL, NULL);
	int64_t t = fx->now.ms;

	(void)state;
	for (int i = 0; i < 10; i++)
		feed(fx, ALICE " PRIVMSG #c :!time");
	/* A burst of four, then one line a second. */
	for (int i = 0; i < BOT_RATE_BURST; i++)
		assert_true(bot_next_line(fx->bot, t, fx->line, sizeof(fx->line)) > 0);
	assert_int_equal(bot_next_line(fx->bot, t, fx->line, sizeof(fx->line)), 0);
	assert_int_equal(bot_timeout_ms(fx->bot, t), BOT_RATE_INTERVAL_MS);
	for (int i = 0; i < 6; i++) {
		t += BOT_RATE_INTERVAL_MS - 1;
		assert_int_equal(bot_next_line(fx->bot, t, fx->line, sizeof(fx->line)), 0);
		assert_int_equal(bot_timeout_ms(fx->bot, t), 1);
		t += 1;
		assert_true(bot_next_line(fx->bot, t, fx->line, sizeof(fx->line)) > 0);
	}
	assert_int_equal(bot_next_line(fx->bot, t + 10000, fx->line, sizeof(fx->line)), 0);
	assert_int_equal(fx->bot->paced.len, 0);
	fx_free(fx);
}

/* A flood of commands fills the queue and the rest is dropped, not grown. */
static void
test_output_queue_bounded(void **state)
{
	struct fx *fx = fx_ready(NULL, NULL);
	int n = 0;

	(void)state;
	for (int i = 0; i < 1000; i++)
		feed(fx, ALICE " PRIVMSG #c :!help");
	assert_int_equal(fx->bot->paced.len, BOT_OUTQ_MAX);
	assert_int_equal(fx->bot->dropped, 1000 - BOT_OUTQ_MAX);
	/* PONG still gets through. */
	feed(fx, "PING :x");
	expect(fx, "PONG :x");
	while (out_next(fx) != NULL)
		n++;
	assert_int_equal(n, BOT_OUTQ_MAX);
	fx_free(fx);
}

static void
test_greeting(void **state)
{
	struct fx *fx = fx_ready("Welcome to {chan}, {nick}! {nick}{x}", NULL);

	(void)state;
	feed(fx, ALICE " JOIN #c");
	expect(fx, "PRIVMSG #c :Welcome to #c, alice! alice{x}");
	/* Not for ourselves, not for channels we are not in. */
	feed(fx, ":testbot!testbot@h JOIN #c");
	feed(fx, ALICE " JOIN #elsewhere");
	feed(fx, ALICE " JOIN");
	expect_none(fx);
	fx_free(fx);
	/* Without a greeting, a join is only noted. */
	fx = fx_ready(NULL, NULL);
	feed(fx, ALICE " JOIN :#c");
	expect_none(fx);
	assert_non_null(seen_find(&fx->bot->seen, "alice"));
	fx_free(fx);
}

static void
test_help_channel_and_private(void **state)
{
	struct fx *fx = fx_ready(NULL, NULL);
	const char *help = "commands: !help, !time, !uptime, !seen <nick>, !roll NdM, "
	    "!poll \"question\" option1 option2 ..., !vote <n>, !results, !endpoll, "
	    "!remind <minutes> <text>";

	(void)state;
	feed(fx, ALICE " PRIVMSG #c :!help");
	expect(fx, "PRIVMSG #c :%s", help);
	feed(fx, ALICE " PRIVMSG testbot :!help");
	expect(fx, "NOTICE alice :%s", help);
	/* Arguments to !help are ignored; case of our nick does not matter. */
	feed(fx, ALICE " PRIVMSG TESTBOT :!help me please");
	expect(fx, "NOTICE alice :%s", help);
	feed(fx, ALICE " PRIVMSG testbot :hello there");
	expect(fx, "NOTICE alice :I am a bot; try !help");
	/* Other bots' commands, notices, and our own echo get no answer. */
	feed(fx, ALICE " PRIVMSG #c :!foo");
	feed(fx, ALICE " PRIVMSG #c :!helpme");
	feed(fx, ALICE " PRIVMSG #c :help");
	feed(fx, ALICE " NOTICE testbot :!help");
	feed(fx, ALICE " NOTICE #c :!help");
	feed(fx, ":testbot!testbot@h PRIVMSG #c :!help");
	feed(fx, ":irc.local PRIVMSG testbot :!help");
	feed(fx, ALICE " PRIVMSG #notjoined :!help");
	expect_none(fx);
	fx_free(fx);
}

static void
test_ctcp(void **state)
{
	struct fx *fx = fx_ready(NULL, NULL);

	(void)state;
	feed(fx, ALICE " PRIVMSG testbot :\001VERSION\001");
	expect(fx, "NOTICE alice :\001VERSION ircbot (ircserv)\001");
	feed(fx, ALICE " PRIVMSG testbot :\001PING 12345\001");
	expect(fx, "NOTICE alice :\001PING 12345\001");
	/* Channel CTCP, DCC offers and CTCP-wrapped commands are not answered. */
	feed(fx, ALICE " PRIVMSG #c :\001VERSION\001");
	feed(fx, ALICE " PRIVMSG testbot :\001DCC SEND x 2130706433 5000 10\001");
	feed(fx, ALICE " PRIVMSG testbot :\001!help\001");
	feed(fx, ALICE " PRIVMSG testbot :\001PING unterminated");
	expect_none(fx);
	fx_free(fx);
}

static void
test_time_and_uptime(void **state)
{
	struct fx *fx = fx_new(NULL, NULL);

	(void)state;
	fx_advance(fx, 61000);
	fx_register(fx);
	feed(fx, ALICE " PRIVMSG #c :!time");
	/* 61 s, 1 s for JOIN to pass the bucket, and fx_register()'s 10 s. */
	expect(fx, "PRIVMSG #c :2023-11-14 22:14:32 UTC");
	fx_advance(fx, 3600000);
	feed(fx, ALICE " PRIVMSG #c :!uptime");
	expect(fx, "PRIVMSG #c :up 1h 1m 12s, connected for 1h 11s");
	fx_free(fx);
}

static void
test_seen_command(void **state)
{
	struct fx *fx = fx_ready(NULL, NULL);

	(void)state;
	feed(fx, ALICE " PRIVMSG #c :hello \001world\001");
	fx_advance(fx, 125000);
	feed(fx, BOB " PRIVMSG #c :!seen ALICE");
	/* The quoted text cannot start a CTCP in our reply. */
	expect(fx, "PRIVMSG #c :alice was last seen 2m 5s ago, in #c, saying: hello  world ");
	feed(fx, ALICE " QUIT :Quit: bye");
	fx_advance(fx, 3000);
	feed(fx, BOB " PRIVMSG testbot :!seen alice");
	expect(fx, "NOTICE bob :alice was last seen 3s ago, quitting (Quit: bye)");
	feed(fx, ":carol!c@h NICK dave");
	feed(fx, BOB " PRIVMSG #c :!seen carol");
	expect(fx, "PRIVMSG #c :carol was last seen 0s ago, changing nick to dave");
	feed(fx, BOB " PRIVMSG #c :!seen dave");
	expect(fx, "PRIVMSG #c :dave was last seen 0s ago, changing nick from carol");
	feed(fx, ":erin!e@h PART #c :later");
	feed(fx, BOB " PRIVMSG #c :!seen erin");
	expect(fx, "PRIVMSG #c :erin was last seen 0s ago, leaving #c");
	feed(fx, BOB " KICK #c frank :out");
	feed(fx, BOB " PRIVMSG #c :!seen frank");
	expect(fx, "PRIVMSG #c :frank was last seen 0s ago, being kicked from #c");
	feed(fx, BOB " PRIVMSG #c :!seen nobody");
	expect(fx, "PRIVMSG #c :I have not seen nobody.");
	feed(fx, BOB " PRIVMSG #c :!seen testbot");
	expect(fx, "PRIVMSG #c :testbot is right here.");
	feed(fx, BOB " PRIVMSG #c :!seen Bob");
	expect(fx, "PRIVMSG #c :Bob is right here.");
	fx_free(fx);
}

static void
test_seen_hostile(void **state)
{
	struct fx *fx = fx_ready(NULL, NULL);
	char longnick[300];

	(void)state;
	memset(longnick, 'x', sizeof(longnick) - 1);
	longnick[sizeof(longnick) - 1] = '\0';
	feed(fx, ALICE " PRIVMSG #c :!seen");
	expect(fx, "PRIVMSG #c :usage: !seen <nick>");
	feed(fx, ALICE " PRIVMSG #c :!seen a b");
	expect(fx, "PRIVMSG #c :usage: !seen <nick>");
	feed(fx, ALICE " PRIVMSG #c :!seen %s", longnick);
	expect(fx, "PRIVMSG #c :usage: !seen <nick>");
	feed(fx, ALICE " PRIVMSG #c :!seen \"unterminated");
	expect(fx, "PRIVMSG #c :usage: !seen <nick>");
	/* A long message is kept short, cut on a UTF-8 boundary. */
	{
		char text[400];
		const char *l;

		for (size_t i = 0; i + 2 < sizeof(text); i += 2)
			memcpy(text + i, "\xc3\xa9", 2);
		text[sizeof(text) - 2] = '\0';
		feed(fx, BOB " PRIVMSG #c :%s", text);
		feed(fx, ALICE " PRIVMSG #c :!seen bob");
		l = out_next(fx);
		assert_non_null(l);
		assert_true(strlen(l) < 300);
		/* Ends on a whole two-byte character. */
		assert_int_equal((strlen(l) - strlen("PRIVMSG #c :bob was last seen 0s ago, "
		    "in #c, saying: ")) % 2, 0);
	}
	fx_free(fx);
}

static void
test_roll(void **state)
{
	struct fx *fx = fx_ready(NULL, NULL);
	unsigned a, b, sum, total, seen_face[7] = { 0 };
	const char *l;

	(void)state;
	feed(fx, ALICE " PRIVMSG #c :!roll 2d6");
	l = out_next(fx);
	assert_non_null(l);
	assert_int_equal(sscanf(l, "PRIVMSG #c :alice rolled 2d6: %u %u = %u", &a, &b,
	    &sum), 3);
	assert_true(a >= 1 && a <= 6 && b >= 1 && b <= 6);
	assert_int_equal(a + b, sum);
	feed(fx, ALICE " PRIVMSG #c :!roll 100d1000");
	l = out_next(fx);
	assert_non_null(l);
	assert_int_equal(sscanf(l, "PRIVMSG #c :alice rolled 100d1000: %u", &total), 1);
	assert_true(total >= 100 && total <= 100000);
	feed(fx, ALICE " PRIVMSG #c :!roll d20");
	l = out_next(fx);
	assert_int_equal(sscanf(l, "PRIVMSG #c :alice rolled 1d20: %u", &total), 1);
	assert_true(total >= 1 && total <= 20);
	/* Every face of a d6 comes up, and nothing else. */
	for (int i = 0; i < 600; i++) {
		unsigned v = bot_random(fx->bot, 6);

		assert_true(v >= 1 && v <= 6);
		seen_face[v]++;
	}
	for (int i = 1; i <= 6; i++)
		assert_true(seen_face[i] > 50);
	fx_free(fx);
}

static void
test_roll_bounds(void **state)
{
	static const char *bad[] = { "", "101d6", "1d1001", "0d6", "1d1", "abc", "2d6 3d6",
	    "-1d6", "99999999999999999999999d6", "1d99999999999999999999" };
	struct fx *fx = fx_ready(NULL, NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		feed(fx, ALICE " PRIVMSG #c :!roll %s", bad[i]);
		expect(fx, "PRIVMSG #c :usage: !roll NdM (1-100 dice, 2-1000 sides)");
	}
	fx_free(fx);
}

static void
test_poll_flow(void **state)
{
	struct fx *fx = fx_ready(NULL, NULL);

	(void)state;
	feed(fx, ALICE " PRIVMSG #c :!vote 1");
	expect(fx, "PRIVMSG #c :no poll is running here");
	feed(fx, ALICE " PRIVMSG #c :!results");
	expect(fx, "PRIVMSG #c :no poll is running here");
	feed(fx, ALICE " PRIVMSG #c :!poll \"Best colour?\" red \"dark blue\"");
	expect(fx, "PRIVMSG #c :Poll by alice: Best colour?: 1) red, 2) dark blue -- "
	    "vote with !vote <n>, see !results");
	feed(fx, BOB " PRIVMSG #c :!poll \"Another?\" a b");
	expect(fx, "PRIVMSG #c :a poll is already running here; see !results");
	feed(fx, BOB " PRIVMSG #c :!vote 2");
	expect(fx, "PRIVMSG #c :bob voted for 2) dark blue");
	feed(fx, BOB " PRIVMSG #c :!vote 1");
	expect(fx, "PRIVMSG #c :bob: you have already voted");
	feed(fx, ":BOB!bo@h PRIVMSG #c :!vote 1");
	expect(fx, "PRIVMSG #c :BOB: you have already voted");
	feed(fx, ALICE " PRIVMSG #c :!vote 3");
	expect(fx, "PRIVMSG #c :usage: !vote <1-2>");
	feed(fx, ALICE " PRIVMSG #c :!vote x");
	expect(fx, "PRIVMSG #c :usage: !vote <1-2>");
	feed(fx, ALICE " PRIVMSG #c :!vote 1");
	expect(fx, "PRIVMSG #c :alice voted for 1) red");
	feed(fx, ALICE " PRIVMSG #c :!results");
	expect(fx, "PRIVMSG #c :Results: Best colour?: 1) red 1, 2) dark blue 1 (2 votes)");
	/* Polls live in channels. */
	feed(fx, ALICE " PRIVMSG testbot :!vote 1");
	expect(fx, "NOTICE alice :polls live in channels; use this there.");
	feed(fx, BOB " PRIVMSG #c :!endpoll");
	expect(fx, "PRIVMSG #c :bob: only alice can end this poll");
	feed(fx, ALICE " PRIVMSG #c :!endpoll");
	expect(fx, "PRIVMSG #c :Poll closed: Best colour?: 1) red 1, 2) dark blue 1 "
	    "(2 votes)");
	feed(fx, ALICE " PRIVMSG #c :!results");
	expect(fx, "PRIVMSG #c :no poll is running here");
	fx_free(fx);
}

static void
test_poll_bad_input(void **state)
{
	static const char *bad[] = { "", "\"q\"", "\"q\" one", "\"unterminated a b",
	    "\"\" a b", "\"q\" a \"\"", "\"q\" 1 2 3 4 5 6 7 8 9 10",
	    "\"q\"glued a b" };
	struct fx *fx = fx_ready(NULL, NULL);
	char longopt[100];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		feed(fx, ALICE " PRIVMSG #c :!poll %s", bad[i]);
		expect(fx, "PRIVMSG #c :usage: !poll \"question\" option1 option2 ... "
		    "(2-9 options, up to 39 bytes each)");
	}
	memset(longopt, 'o', sizeof(longopt) - 1);
	longopt[sizeof(longopt) - 1] = '\0';
	feed(fx, ALICE " PRIVMSG #c :!poll q a %s", longopt);
	expect(fx, "PRIVMSG #c :usage: !poll \"question\" option1 option2 ... "
	    "(2-9 options, up to 39 bytes each)");
	assert_null(vote_find(&fx->bot->vote, "#c"));
	fx_free(fx);
}

static void
test_poll_expires(void **state)
{
	struct fx *fx = fx_ready(NULL, NULL);
	int64_t opened = fx->now.ms;

	(void)state;
	feed(fx, ALICE " PRIVMSG #c :!poll tea? yes no");
	expect(fx, "PRIVMSG #c :Poll by alice: tea?: 1) yes, 2) no -- vote with !vote <n>, "
	    "see !results");
	feed(fx, BOB " PRIVMSG #c :!vote 1");
	expect(fx, "PRIVMSG #c :bob voted for 1) yes");
	fx->now.ms = opened + VOTE_TTL_MS - 1;
	/* Keepalive traffic, so the timer of interest is the poll's. */
	feed(fx, "PING :k");
	expect(fx, "PONG :k");
	assert_int_equal(bot_timeout_ms(fx->bot, fx->now.ms), 1);
	bot_tick(fx->bot, fx->now);
	expect_none(fx);
	fx->now.ms = opened + VOTE_TTL_MS;
	bot_tick(fx->bot, fx->now);
	expect(fx, "PRIVMSG #c :Poll closed: tea?: 1) yes 1, 2) no 0 (1 vote)");
	assert_null(vote_find(&fx->bot->vote, "#c"));
	fx_free(fx);
}

static void
test_remind(void **state)
{
	struct fx *fx = fx_ready(NULL, NULL);
	int64_t t = fx->now.ms;

	(void)state;
	feed(fx, ALICE " PRIVMSG #c :!remind 2 take the \001tea\001 out");
	expect(fx, "PRIVMSG #c :alice: I will remind you in 2 minutes");
	feed(fx, ALICE " PRIVMSG testbot :!remind 1 private one");
	expect(fx, "NOTICE alice :alice: I will remind you in 1 minute");
	fx->now.ms = t + 60000 - 1;
	feed(fx, "PING :k");
	expect(fx, "PONG :k");
	assert_int_equal(bot_timeout_ms(fx->bot, fx->now.ms), 1);
	bot_tick(fx->bot, fx->now);
	expect_none(fx);
	fx->now.ms = t + 60000;
	bot_tick(fx->bot, fx->now);
	expect(fx, "NOTICE alice :reminder: private one");
	fx->now.ms = t + 120000;
	bot_tick(fx->bot, fx->now);
	expect(fx, "PRIVMSG #c :alice: reminder: take the  tea  out");
	bot_tick(fx->bot, fx->now);
	expect_none(fx);
	fx_free(fx);
}

static void
test_remind_bounds_and_reconnect(void **state)
{
	static const char *bad[] = { "", "5", "0 x", "-1 x", "10081 x", "abc x", "1.5 x",
	    "99999999999999999999 x" };
	struct fx *fx = fx_ready(NULL, NULL);
	char longtext[REMIND_TEXT_MAX + 2];
	int64_t t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		feed(fx, ALICE " PRIVMSG #c :!remind %s", bad[i]);
		expect(fx, "PRIVMSG #c :usage: !remind <minutes 1-10080> <text, up to 300 bytes>");
	}
	memset(longtext, 't', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	feed(fx, ALICE " PRIVMSG #c :!remind 5 %s", longtext);
	expect(fx, "PRIVMSG #c :usage: !remind <minutes 1-10080> <text, up to 300 bytes>");
	t = fx->now.ms;
	for (int i = 0; i < REMIND_PER_NICK; i++) {
		feed(fx, ALICE " PRIVMSG #c :!remind 10080 week %d", i);
		expect(fx, "PRIVMSG #c :alice: I will remind you in 10080 minutes");
	}
	feed(fx, ":ALICE!al@h PRIVMSG #c :!remind 1 more");
	expect(fx, "PRIVMSG #c :ALICE: you already have 3 reminders pending");
	/* Due while we are disconnected: delivered once registered again. */
	bot_disconnected(fx->bot, fx->now);
	fx->now.ms = t + 10080LL * 60000;
	bot_tick(fx->bot, fx->now);
	assert_int_equal(remind_count(&fx->bot->remind, "alice"), 3);
	fx_register(fx);
	bot_tick(fx->bot, fx->now);
	expect(fx, "PRIVMSG #c :alice: reminder: week 0");
	expect(fx, "PRIVMSG #c :alice: reminder: week 1");
	expect(fx, "PRIVMSG #c :alice: reminder: week 2");
	fx_free(fx);
}

static void
test_moderation(void **state)
{
	struct fx *fx = fx_ready(NULL, "darn,heck");

	(void)state;
	feed(fx, ALICE " PRIVMSG #c :well DARN it");
	expect(fx, "PRIVMSG #c :alice: please don't say \"darn\" here; next time it is a kick.");
	/* Commands that carry the word are moderated, not run. */
	feed(fx, ALICE " PRIVMSG #c :!seen heck");
	expect(fx, "KICK #c alice :banned word (heck)");
	feed(fx, ALICE " PRIVMSG #c :darned fine");
	expect_none(fx);
	/* Without +o there is nothing to enforce with. */
	feed(fx, BOB " MODE #c +v-o+b bob testbot *!*@x");
	assert_false(bot_chan_find(fx->bot, "#c")->op);
	feed(fx, BOB " PRIVMSG #c :heck");
	expect_none(fx);
	feed(fx, BOB " MODE #c +lo 10 testbot");
	assert_true(bot_chan_find(fx->bot, "#c")->op);
	feed(fx, BOB " PRIVMSG #c :heck");
	expect(fx, "PRIVMSG #c :bob: please don't say \"heck\" here; next time it is a kick.");
	/* Private messages are not moderated. */
	feed(fx, BOB " PRIVMSG testbot :heck");
	expect(fx, "NOTICE bob :I am a bot; try !help");
	fx_free(fx);
}

static void
test_names_op_tracking(void **state)
{
	struct fx *fx = fx_new(NULL, "darn");

	(void)state;
	fx_register(fx);
	feed(fx, ":irc.local 353 testbot = #c :alice +testbot");
	assert_false(bot_chan_find(fx->bot, "#c")->op);
	feed(fx, ":irc.local 353 testbot = #c :@+testbot!testbot@127.0.0.1 alice");
	assert_true(bot_chan_find(fx->bot, "#c")->op);
	/* Hostile NAMES lines change nothing and break nothing. */
	feed(fx, ":irc.local 353 testbot = #c :@@@@ !!! @");
	feed(fx, ":irc.local 353 testbot = #c :");
	feed(fx, ":irc.local 353 testbot = #other :@testbot");
	feed(fx, ":irc.local 353 testbot");
	assert_true(bot_chan_find(fx->bot, "#c")->op);
	/* Kicked: the channel is forgotten, and commands there are ignored. */
	feed(fx, BOB " KICK #c testbot :bye");
	assert_null(bot_chan_find(fx->bot, "#c"));
	feed(fx, ALICE " PRIVMSG #c :!help");
	expect_none(fx);
	fx_free(fx);
}

static void
test_keepalive(void **state)
{
	struct fx *fx = fx_ready(NULL, NULL);

	(void)state;
	fx_advance(fx, BOT_IDLE_MS - 10000 - 1);
	assert_int_equal(bot_timeout_ms(fx->bot, fx->now.ms), 1);
	bot_tick(fx->bot, fx->now);
	expect_none(fx);
	fx_advance(fx, 1);
	bot_tick(fx->bot, fx->now);
	expect(fx, "PING :keepalive");
	fx_advance(fx, BOT_DEAD_MS - 1);
	bot_tick(fx->bot, fx->now);
	assert_false(bot_wants_close(fx->bot));
	/* Any line answers it. */
	feed(fx, ":irc.local PONG irc.local :keepalive");
	fx_advance(fx, 1);
	bot_tick(fx->bot, fx->now);
	assert_false(bot_wants_close(fx->bot));
	fx_advance(fx, BOT_IDLE_MS);
	bot_tick(fx->bot, fx->now);
	expect(fx, "PING :keepalive");
	fx_advance(fx, BOT_DEAD_MS);
	bot_tick(fx->bot, fx->now);
	assert_true(bot_wants_close(fx->bot));
	fx_free(fx);
}

static void
test_register_timeout_and_error(void **state)
{
	struct fx *fx = fx_new(NULL, NULL);

	(void)state;
	bot_connected(fx->bot, fx->now);
	fx_advance(fx, BOT_REGISTER_MS - 1);
	bot_tick(fx->bot, fx->now);
	assert_false(bot_wants_close(fx->bot));
	fx_advance(fx, 1);
	bot_tick(fx->bot, fx->now);
	assert_true(bot_wants_close(fx->bot));
	bot_disconnected(fx->bot, fx->now);
	assert_false(bot_wants_close(fx->bot));
	fx_register(fx);
	feed(fx, "ERROR :Closing Link: 127.0.0.1 (Killed)");
	assert_true(bot_wants_close(fx->bot));
	fx_free(fx);
}

static void
test_backoff(void **state)
{
	struct fx *fx = fx_new(NULL, NULL);
	int64_t expect_ms[] = { 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000 };

	(void)state;
	/* Refused connections: the delay doubles up to a minute. */
	for (size_t i = 0; i < sizeof(expect_ms) / sizeof(expect_ms[0]); i++)
		assert_int_equal(bot_disconnected(fx->bot, fx->now), expect_ms[i]);
	/* A short-lived registration does not reset it ... */
	fx_register(fx);
	fx->now.ms = fx->bot->registered_ms + BOT_STABLE_MS - 1;
	assert_int_equal(bot_disconnected(fx->bot, fx->now), 60000);
	/* ... a lasting one does. */
	fx_register(fx);
	fx->now.ms = fx->bot->registered_ms + BOT_STABLE_MS;
	assert_int_equal(bot_disconnected(fx->bot, fx->now), 1000);
	assert_int_equal(bot_disconnected(fx->bot, fx->now), 2000);
	/* Queued output does not survive a disconnect. */
	fx_register(fx);
	for (int i = 0; i < 10; i++)
		feed(fx, ALICE " PRIVMSG #c :!time");
	bot_disconnected(fx->bot, fx->now);
	assert_int_equal(bot_next_line(fx->bot, fx->now.ms, fx->line, sizeof(fx->line)), 0);
	assert_int_equal(fx->bot->nchans, 0);
	fx_free(fx);
}

static void
test_quit(void **state)
{
	struct fx *fx = fx_ready(NULL, NULL);

	(void)state;
	for (int i = 0; i < 10; i++)
		feed(fx, ALICE " PRIVMSG #c :!time");
	bot_quit(fx->bot, "bye now");
	expect(fx, "QUIT :bye now");
	fx_free(fx);
}

static void
test_too_long_command(void **state)
{
	struct fx *fx = fx_ready(NULL, NULL);
	char pad[500];

	(void)state;
	memset(pad, 'a', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	feed(fx, ALICE " PRIVMSG #c :!roll 1d6 %s", pad);
	expect(fx, "PRIVMSG #c :alice: that command is too long");
	feed(fx, ALICE " PRIVMSG testbot :!poll %s", pad);
	expect(fx, "NOTICE alice :alice: that command is too long");
	/* Long text that is not one of our commands is left alone. */
	feed(fx, ALICE " PRIVMSG #c :!%s", pad);
	expect_none(fx);
	fx_free(fx);
}

/* The !uptime answer due now, after "up ". */
static const char *
uptime(struct fx *fx)
{
	static char out[128];
	char a[48], b[48];

	botcmd_duration((fx->now.ms - fx->bot->started_ms) / 1000, a, sizeof(a));
	botcmd_duration((fx->now.ms - fx->bot->connected_ms) / 1000, b, sizeof(b));
	snprintf(out, sizeof(out), "%s, connected for %s", a, b);
	return out;
}

/* Malformed lines: nothing breaks, and the bot still answers afterwards. */
static void
test_hostile_lines(void **state)
{
	static const char *lines[] = {
		"", " ", ":", "::", "@", "@a=b", ":src", "PRIVMSG", "PRIVMSG #c",
		ALICE " PRIVMSG", ALICE " PRIVMSG #c", ALICE " PRIVMSG #c :",
		ALICE " PRIVMSG #c :!", ALICE " PRIVMSG testbot :", ALICE " PRIVMSG :!help",
		ALICE " PRIVMSG #c :! help", ALICE " JOIN", ALICE " PART", ALICE " KICK",
		ALICE " KICK #c", ALICE " NICK", ALICE " NICK :", ALICE " QUIT", ALICE " MODE",
		ALICE " MODE #c +oooooooooooooooooooo", ALICE " MODE #c -l", ":irc.local 001",
		":irc.local 005", ":irc.local 005 testbot BOT=", ":irc.local 353",
		":irc.local 433", "PING", ":!@ PRIVMSG #c :!help", "001 testbot",
		"\001\001\001", ALICE " PRIVMSG testbot :\001", ALICE " PRIVMSG testbot :\001\001",
	};
	struct fx *fx = fx_ready(NULL, "darn");

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		bot_on_line(fx->bot, lines[i], strlen(lines[i]), fx->now);
	while (out_next(fx) != NULL)
		;
	/* A NUL ends the line; what follows is ignored. */
	bot_on_line(fx->bot, ALICE " PRIVMSG #c :!uptime\0!help",
	    sizeof(ALICE " PRIVMSG #c :!uptime\0!help") - 1, fx->now);
	expect(fx, "PRIVMSG #c :up %s", uptime(fx));
	/* Longer than any server may send: dropped whole. */
	{
		size_t n = BOT_RECV_LINE_MAX + 100;
		char *big = malloc(n);

		assert_non_null(big);
		memset(big, 'x', n);
		memcpy(big, ALICE " PRIVMSG #c :!help ", strlen(ALICE " PRIVMSG #c :!help "));
		bot_on_line(fx->bot, big, n, fx->now);
		expect_none(fx);
		/* At the limit, with tags first: parsed, and too long to run. */
		memset(big, 'x', BOT_RECV_LINE_MAX);
		big[0] = '@';
		memcpy(big + 8000, " " ALICE " PRIVMSG #c :!help ",
		    strlen(" " ALICE " PRIVMSG #c :!help "));
		bot_on_line(fx->bot, big, BOT_RECV_LINE_MAX, fx->now);
		expect(fx, "PRIVMSG #c :alice: that command is too long");
		free(big);
	}
	feed(fx, ALICE " PRIVMSG #c :!uptime");
	expect(fx, "PRIVMSG #c :up %s", uptime(fx));
	fx_free(fx);
}

/*
 * Random lines built from IRC-shaped pieces and raw bytes: whatever comes
 * in, every line out is well formed (checked in out_next) and bounded.
 */
static void
test_fuzz_lines(void **state)
{
	static const char *pieces[] = {
		":alice!a@h ", ":bob!b@h ", ":testbot!t@h ", ":irc.local ", "@k=v ",
		"PRIVMSG ", "NOTICE ", "JOIN ", "PART ", "KICK ", "QUIT ", "NICK ", "MODE ",
		"PING ", "001 ", "005 ", "353 ", "376 ", "433 ", "ERROR ", "#c ", "testbot ",
		"alice ", ":", "!help", "!roll ", "!seen ", "!poll ", "!vote ", "!results",
		"!endpoll", "!remind ", "\"", "2d6 ", "1 ", "99999 ", "darn ", "@testbot ",
		"+o ", "-o ", "BOT=B ", "\001", "\001VERSION\001", "\xc3\xa9", "\xff",
		"{nick} ", "%s%n ", " ", "  ",
	};
	struct fx *fx = fx_ready("hi {nick} in {chan}", "darn");
	uint64_t x = 88172645463325252ULL;
	char line[700];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len = 0;
		int n;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = (int)(x % 12);
		for (int i = 0; i < n; i++) {
			const char *p = pieces[(x >> (i * 5)) % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t pl = strlen(p);

			if (len + pl >= sizeof(line))
				break;
			memcpy(line + len, p, pl);
			len += pl;
		}
		bot_on_line(fx->bot, line, len, fx->now);
		if (round % 7 == 0)
			bot_tick(fx->bot, fx->now);
		fx_advance(fx, (int64_t)(x % 3000));
		while (bot_next_line(fx->bot, fx->now.ms, fx->line, sizeof(fx->line)) > 0)
			check_wire(fx->line, strlen(fx->line));
		if (bot_wants_close(fx->bot)) {
			bot_disconnected(fx->bot, fx->now);
			fx_register(fx);
		}
	}
	fx_free(fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_exact_bytes),
		cmocka_unit_test(test_bot_mode_once),
		cmocka_unit_test(test_ping_is_not_paced),
		cmocka_unit_test(test_nick_collision),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_output_queue_bounded),
		cmocka_unit_test(test_greeting),
		cmocka_unit_test(test_help_channel_and_private),
		cmocka_unit_test(test_ctcp),
		cmocka_unit_test(test_time_and_uptime),
		cmocka_unit_test(test_seen_command),
		cmocka_unit_test(test_seen_hostile),
		cmocka_unit_test(test_roll),
		cmocka_unit_test(test_roll_bounds),
		cmocka_unit_test(test_poll_flow),
		cmocka_unit_test(test_poll_bad_input),
		cmocka_unit_test(test_poll_expires),
		cmocka_unit_test(test_remind),
		cmocka_unit_test(test_remind_bounds_and_reconnect),
		cmocka_unit_test(test_moderation),
		cmocka_unit_test(test_names_op_tracking),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_register_timeout_and_error),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_quit),
		cmocka_unit_test(test_too_long_command),
		cmocka_unit_test(test_hostile_lines),
		cmocka_unit_test(test_fuzz_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
