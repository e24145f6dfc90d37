/*
 * Unit tests for the bot's pure modules: line parsing and casemapping,
 * the token bucket and backoff, the seen table, polls, reminders with an
 * injected clock, banned words, command argument parsing (roll bounds,
 * quoting, numbers) and configuration, including hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bot/botcmd.h"
#include "bot/botconf.h"
#include "bot/ircline.h"
#include "bot/moderate.h"
#include "bot/pace.h"
#include "bot/remind.h"
#include "bot/seen.h"
#include "bot/vote.h"

#define T0      ((int64_t)5000000)      /* an arbitrary monotonic start */

static void
test_ircline_parse(void **state)
{
	char buf[600];
	struct ircline m;

	(void)state;
	strcpy(buf, "@time=x;msgid=1 :Alice!a@h privmsg #chan :hello  world ");
	assert_int_equal(ircline_parse(&m, buf), 0);
	assert_string_equal(m.source, "Alice!a@h");
	assert_string_equal(m.nick, "Alice");
	assert_string_equal(m.command, "PRIVMSG");
	assert_int_equal(m.nparams, 2);
	assert_string_equal(m.params[0], "#chan");
	/* The trailing parameter is kept byte for byte. */
	assert_string_equal(m.params[1], "hello  world ");
	assert_string_equal(ircline_param(&m, 5), "");
	assert_string_equal(ircline_param(&m, -1), "");

	strcpy(buf, "PING");
	assert_int_equal(ircline_parse(&m, buf), 0);
	assert_null(m.source);
	assert_string_equal(m.nick, "");
	assert_int_equal(m.nparams, 0);

	strcpy(buf, ":irc.local 005 me BOT=B CASEMAPPING=rfc1459 :are supported");
	assert_int_equal(ircline_parse(&m, buf), 0);
	assert_string_equal(m.nick, "irc.local");
	assert_int_equal(m.nparams, 4);
	assert_string_equal(m.params[1], "BOT=B");
}

static void
test_ircline_hostile(void **state)
{
	static const char *bad[] = { "", "   ", ":only.source", "@tags", "@tags :src",
	    "@tags :src   " };
	char buf[2048];
	struct ircline m;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(buf, bad[i]);
		assert_int_equal(ircline_parse(&m, buf), -1);
	}
	/* More than 15 parameters: the 15th keeps the rest (RFC 2812 2.3). */
	strcpy(buf, "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17");
	assert_int_equal(ircline_parse(&m, buf), 0);
	assert_int_equal(m.nparams, IRCLINE_PARAMS_MAX);
	assert_string_equal(m.params[14], "15 16 17");
	/* A source nick longer than we keep is cut, not overflowed. */
	memset(buf, 'n', sizeof(buf));
	buf[0] = ':';
	strcpy(buf + 1500, "!u@h NICK x");
	assert_int_equal(ircline_parse(&m, buf), 0);
	assert_int_equal(strlen(m.nick), IRCLINE_NICK_MAX - 1);
	assert_string_equal(m.command, "NICK");
}

static void
test_ircline_casemap(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(ircline_casecmp("Nick[]\\~", "nick{}|^"), 0);
	assert_true(ircline_casecmp("abc", "abd") < 0);
	ircline_fold(out, "#FoO[BAR]", sizeof(out));
	assert_string_equal(out, "#foo{bar}");
	ircline_fold(out, "0123456789ABCDEFGHIJ", 8);
	assert_string_equal(out, "0123456");
	assert_int_equal(ircline_copy(out, "0123456789abcdefXYZ", sizeof(out)), 19);
	assert_string_equal(out, "0123456789abcde");
	assert_true(ircline_is_channel("#a"));
	assert_true(ircline_is_channel("&a"));
	assert_false(ircline_is_channel("a#"));
}

static void
test_ircline_utf8_cut(void **state)
{
	/* "aé€" = 61 c3a9 e282ac */
	const char *s = "a\xc3\xa9\xe2\x82\xac";

	(void)state;
	assert_int_equal(ircline_utf8_cut(s, 6, 10), 6);
	assert_int_equal(ircline_utf8_cut(s, 6, 6), 6);
	assert_int_equal(ircline_utf8_cut(s, 6, 5), 3);
	assert_int_equal(ircline_utf8_cut(s, 6, 4), 3);
	assert_int_equal(ircline_utf8_cut(s, 6, 3), 3);
	assert_int_equal(ircline_utf8_cut(s, 6, 2), 1);
	assert_int_equal(ircline_utf8_cut(s, 6, 0), 0);
	/* Stray continuation bytes are not followed back past the start. */
	assert_int_equal(ircline_utf8_cut("\x80\x80\x80\x80", 4, 2), 0);
}

static void
test_pace_bucket(void **state)
{
	struct pace_bucket b;
	int64_t t = T0;

	(void)state;
	pace_bucket_init(&b, 1000, 4, t);
	/* A burst of four, then one a second. */
	for (int i = 0; i < 4; i++)
		assert_true(pace_bucket_take(&b, t));
	assert_false(pace_bucket_take(&b, t));
	assert_int_equal(pace_bucket_wait_ms(&b, t), 1000);
	assert_false(pace_bucket_take(&b, t + 999));
	assert_int_equal(pace_bucket_wait_ms(&b, t + 999), 1);
	assert_true(pace_bucket_take(&b, t + 1000));
	assert_false(pace_bucket_take(&b, t + 1500));
	/* Credit never exceeds the burst, however long the pause. */
	t += 3600 * 1000;
	for (int i = 0; i < 4; i++)
		assert_true(pace_bucket_take(&b, t));
	assert_false(pace_bucket_take(&b, t));
	/* A clock that steps back gives no credit. */
	assert_false(pace_bucket_take(&b, t - 5000));
	/* charge() spends without going negative. */
	pace_bucket_init(&b, 1000, 2, T0);
	pace_bucket_charge(&b, T0);
	pace_bucket_charge(&b, T0);
	pace_bucket_charge(&b, T0);
	assert_int_equal(pace_bucket_wait_ms(&b, T0), 1000);
}

/* Over any window, the bucket lets out at most burst + window / interval. */
static void
test_pace_bucket_rate_bound(void **state)
{
	struct pace_bucket b;
	int sent = 0;

	(void)state;
	pace_bucket_init(&b, 1000, 4, T0);
	for (int64_t t = T0; t < T0 + 60000; t += 7)
		while (pace_bucket_take(&b, t))
			sent++;
	assert_true(sent <= 4 + 60);
	assert_true(sent >= 4 + 59);
}

static void
test_pace_backoff(void **state)
{
	struct pace_backoff b;
	int64_t expect[] = { 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000 };

	(void)state;
	pace_backoff_init(&b, 1000, 60000);
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
		assert_int_equal(pace_backoff_next(&b), expect[i]);
	pace_backoff_reset(&b);
	assert_int_equal(pace_backoff_next(&b), 1000);
	/* Bad bounds are made sane. */
	pace_backoff_init(&b, 0, -5);
	assert_int_equal(pace_backoff_next(&b), 1);
	assert_int_equal(pace_backoff_next(&b), 1);
}

static void
test_seen(void **state)
{
	struct seen *s = malloc(sizeof(*s));
	const struct seen_entry *e;
	char what[600];

	(void)state;
	assert_non_null(s);
	seen_init(s);
	assert_null(seen_find(s, "alice"));
	seen_note(s, "Alice", 100, "joining #a");
	seen_note(s, "ALICE", 200, "in #a, saying: hi");
	e = seen_find(s, "alice");
	assert_non_null(e);
	/* One entry per nick in any case; the latest spelling and event win. */
	assert_int_equal(s->n, 1);
	assert_string_equal(e->nick, "ALICE");
	assert_int_equal(e->when, 200);
	assert_string_equal(e->what, "in #a, saying: hi");
	/* Over-long input is cut. */
	memset(what, 'w', sizeof(what) - 1);
	what[sizeof(what) - 1] = '\0';
	seen_note(s, "bob", 300, what);
	assert_int_equal(strlen(seen_find(s, "bob")->what), SEEN_WHAT_MAX - 1);
	seen_note(s, "", 300, "ignored");
	assert_int_equal(s->n, 2);
	free(s);
}

/* A full table gives the slot seen longest ago to a new nick. */
static void
test_seen_bounded(void **state)
{
	struct seen *s = malloc(sizeof(*s));
	char nick[32];

	(void)state;
	assert_non_null(s);
	seen_init(s);
	for (int i = 0; i < SEEN_MAX; i++) {
		snprintf(nick, sizeof(nick), "n%d", i);
		seen_note(s, nick, 1000 + i, "x");
	}
	/* n0 is the oldest until it speaks again. */
	seen_note(s, "n0", 5000, "back");
	seen_note(s, "newcomer", 6000, "y");
	assert_int_equal(s->n, SEEN_MAX);
	assert_non_null(seen_find(s, "n0"));
	assert_null(seen_find(s, "n1"));
	assert_non_null(seen_find(s, "newcomer"));
	assert_non_null(seen_find(s, "n2"));
	free(s);
}

static void
test_vote_flow(void **state)
{
	struct vote *v = malloc(sizeof(*v));
	char *opts[] = { "red", "blue", "green" }, out[400];
	struct vote_poll *p;

	(void)state;
	assert_non_null(v);
	vote_init(v);
	assert_int_equal(vote_cast(v, "#a", "alice", 1), VOTE_NO_POLL);
	assert_int_equal(vote_open(v, "#A", "Alice", "Colour?", opts, 3, T0), VOTE_OK);
	assert_int_equal(vote_open(v, "#a", "bob", "Again?", opts, 2, T0), VOTE_RUNNING);
	assert_int_equal(vote_cast(v, "#a", "alice", 0), VOTE_BAD_CHOICE);
	assert_int_equal(vote_cast(v, "#a", "alice", 4), VOTE_BAD_CHOICE);
	assert_int_equal(vote_cast(v, "#a", "alice", 2), VOTE_OK);
	/* One vote per nick, whatever its case. */
	assert_int_equal(vote_cast(v, "#a", "ALICE", 1), VOTE_ALREADY);
	assert_int_equal(vote_cast(v, "#a", "bob", 2), VOTE_OK);
	assert_int_equal(vote_cast(v, "#a", "carol", 3), VOTE_OK);
	p = vote_find(v, "#a");
	assert_non_null(p);
	vote_format(p, true, out, sizeof(out));
	assert_string_equal(out, "Colour?: 1) red 0, 2) blue 2, 3) green 1 (3 votes)");
	vote_format(p, false, out, sizeof(out));
	assert_string_equal(out, "Colour?: 1) red, 2) blue, 3) green");
	/* A small buffer is filled, never overrun. */
	assert_int_equal(vote_format(p, true, out, 8), 7);
	assert_string_equal(out, "Colour?");
	/* Polls are per channel. */
	assert_int_equal(vote_cast(v, "#b", "alice", 1), VOTE_NO_POLL);
	assert_null(vote_expired(v, T0 + VOTE_TTL_MS - 1));
	assert_ptr_equal(vote_expired(v, T0 + VOTE_TTL_MS), p);
	vote_close(p);
	assert_null(vote_find(v, "#a"));
	assert_int_equal(vote_open(v, "#a", "bob", "Again?", opts, 2, T0), VOTE_OK);
	assert_int_equal(vote_cast(v, "#a", "alice", 1), VOTE_OK);
	free(v);
}

static void
test_vote_bounds(void **state)
{
	struct vote *v = malloc(sizeof(*v));
	char *opts[VOTE_OPTIONS_MAX + 1], longq[VOTE_QUESTION_MAX + 1];
	char longo[VOTE_OPTION_MAX + 1], chan[16], nick[16], *two[2];

	(void)state;
	assert_non_null(v);
	vote_init(v);
	for (int i = 0; i <= VOTE_OPTIONS_MAX; i++)
		opts[i] = "x";
	assert_int_equal(vote_open(v, "#a", "o", "q", opts, 1, T0), VOTE_BAD_TEXT);
	assert_int_equal(vote_open(v, "#a", "o", "q", opts, VOTE_OPTIONS_MAX + 1, T0),
	    VOTE_BAD_TEXT);
	assert_int_equal(vote_open(v, "#a", "o", "", opts, 2, T0), VOTE_BAD_TEXT);
	memset(longq, 'q', sizeof(longq) - 1);
	longq[sizeof(longq) - 1] = '\0';
	assert_int_equal(vote_open(v, "#a", "o", longq, opts, 2, T0), VOTE_BAD_TEXT);
	memset(longo, 'o', sizeof(longo) - 1);
	longo[sizeof(longo) - 1] = '\0';
	two[0] = "ok";
	two[1] = longo;
	assert_int_equal(vote_open(v, "#a", "o", "q", two, 2, T0), VOTE_BAD_TEXT);
	two[1] = "";
	assert_int_equal(vote_open(v, "#a", "o", "q", two, 2, T0), VOTE_BAD_TEXT);
	assert_int_equal(vote_open(v, "#a", "o", "q", opts, VOTE_OPTIONS_MAX, T0), VOTE_OK);
	/* The voter table is bounded. */
	for (int i = 0; i < VOTE_VOTERS_MAX; i++) {
		snprintf(nick, sizeof(nick), "v%d", i);
		assert_int_equal(vote_cast(v, "#a", nick, 1), VOTE_OK);
	}
	assert_int_equal(vote_cast(v, "#a", "late", 1), VOTE_TOO_MANY);
	/* So is the number of running polls. */
	for (int i = 1; i < VOTE_POLLS_MAX; i++) {
		snprintf(chan, sizeof(chan), "#c%d", i);
		assert_int_equal(vote_open(v, chan, "o", "q", opts, 2, T0), VOTE_OK);
	}
	assert_int_equal(vote_open(v, "#full", "o", "q", opts, 2, T0), VOTE_TOO_MANY);
	free(v);
}

static void
test_remind_clock(void **state)
{
	struct remind *r = malloc(sizeof(*r));
	struct remind_item it;

	(void)state;
	assert_non_null(r);
	remind_init(r);
	assert_int_equal(remind_next_due(r), INT64_MAX);
	assert_false(remind_pop_due(r, T0, &it));
	assert_int_equal(remind_add(r, "alice", "#a", T0 + 120000, "second"), REMIND_OK);
	assert_int_equal(remind_add(r, "bob", "bob", T0 + 60000, "first"), REMIND_OK);
	assert_int_equal(remind_add(r, "alice", "#a", T0 + 120000, "third"), REMIND_OK);
	assert_int_equal(remind_next_due(r), T0 + 60000);
	assert_false(remind_pop_due(r, T0 + 59999, &it));
	assert_true(remind_pop_due(r, T0 + 60000, &it));
	assert_string_equal(it.text, "first");
	assert_string_equal(it.target, "bob");
	assert_false(remind_pop_due(r, T0 + 60000, &it));
	/* Late delivery takes them all, earliest first, ties in order of adding. */
	assert_true(remind_pop_due(r, T0 + 10 * 60000, &it));
	assert_string_equal(it.text, "second");
	assert_true(remind_pop_due(r, T0 + 10 * 60000, &it));
	assert_string_equal(it.text, "third");
	assert_false(remind_pop_due(r, T0 + 10 * 60000, &it));
	assert_int_equal(remind_next_due(r), INT64_MAX);
	free(r);
}

static void
test_remind_bounds(void **state)
{
	struct remind *r = malloc(sizeof(*r));
	char nick[16], text[REMIND_TEXT_MAX + 50];
	struct remind_item it;

	(void)state;
	assert_non_null(r);
	remind_init(r);
	for (int i = 0; i < REMIND_PER_NICK; i++)
		assert_int_equal(remind_add(r, "Alice", "#a", T0, "x"), REMIND_OK);
	assert_int_equal(remind_add(r, "aLICE", "#a", T0, "x"), REMIND_NICK_FULL);
	assert_int_equal(remind_count(r, "alice"), REMIND_PER_NICK);
	for (int i = REMIND_PER_NICK; i < REMIND_MAX; i++) {
		snprintf(nick, sizeof(nick), "n%d", i);
		assert_int_equal(remind_add(r, nick, nick, T0 + i, "y"), REMIND_OK);
	}
	assert_int_equal(remind_add(r, "someone", "#a", T0, "z"), REMIND_FULL);
	/* Delivering one frees its slot. */
	assert_true(remind_pop_due(r, T0, &it));
	assert_int_equal(remind_count(r, "alice"), REMIND_PER_NICK - 1);
	memset(text, 't', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(remind_add(r, "alice", "#a", T0, text), REMIND_OK);
	free(r);
}

static void
test_moderate_words(void **state)
{
	struct moderate *m = malloc(sizeof(*m));
	char longw[MODERATE_WORD_MAX + 1];

	(void)state;
	assert_non_null(m);
	moderate_init(m);
	assert_null(moderate_match(m, "anything at all"));
	assert_int_equal(moderate_add_word(m, "Darn"), 0);
	assert_int_equal(moderate_add_word(m, "heck"), 0);
	assert_int_equal(moderate_add_word(m, ""), -1);
	assert_int_equal(moderate_add_word(m, "two words"), -1);
	memset(longw, 'w', sizeof(longw) - 1);
	longw[sizeof(longw) - 1] = '\0';
	assert_int_equal(moderate_add_word(m, longw), -1);
	assert_string_equal(moderate_match(m, "oh DARN it"), "darn");
	assert_string_equal(moderate_match(m, "heck!"), "heck");
	assert_string_equal(moderate_match(m, "(darn)"), "darn");
	/* Whole words only. */
	assert_null(moderate_match(m, "darned hecking checks"));
	assert_null(moderate_match(m, "da rn"));
	assert_null(moderate_match(m, ""));
	/* Bytes >= 0x80 are word characters: no match inside a UTF-8 word. */
	assert_null(moderate_match(m, "\xc3\xa9" "darn"));
	for (int i = 2; i < MODERATE_WORDS_MAX; i++)
		assert_int_equal(moderate_add_word(m, "w"), 0);
	assert_int_equal(moderate_add_word(m, "more"), -1);
	free(m);
}

static void
test_moderate_warn_then_kick(void **state)
{
	struct moderate *m = malloc(sizeof(*m));
	char nick[16];

	(void)state;
	assert_non_null(m);
	moderate_init(m);
	assert_int_equal(moderate_judge(m, "#a", "Bob", T0), MODERATE_WARN);
	/* The warning is per channel. */
	assert_int_equal(moderate_judge(m, "#b", "bob", T0), MODERATE_WARN);
	assert_int_equal(moderate_judge(m, "#A", "BOB", T0 + 1), MODERATE_KICK);
	/* After the kick the slate is clean. */
	assert_int_equal(moderate_judge(m, "#a", "bob", T0 + 2), MODERATE_WARN);
	/* Warnings expire. */
	assert_int_equal(moderate_judge(m, "#b", "bob", T0 + MODERATE_WARN_TTL_MS),
	    MODERATE_WARN);
	/* A full table forgets the oldest warning. */
	moderate_init(m);
	for (int i = 0; i < MODERATE_WARNED_MAX; i++) {
		snprintf(nick, sizeof(nick), "n%d", i);
		assert_int_equal(moderate_judge(m, "#a", nick, T0 + i), MODERATE_WARN);
	}
	assert_int_equal(moderate_judge(m, "#a", "extra", T0 + 1000), MODERATE_WARN);
	assert_int_equal(moderate_judge(m, "#a", "n0", T0 + 1001), MODERATE_WARN);
	assert_int_equal(moderate_judge(m, "#a", "n5", T0 + 1002), MODERATE_KICK);
	free(m);
}

static void
test_parse_roll(void **state)
{
	static const struct { const char *in; int r; unsigned n, m; } cases[] = {
		{ "2d6", 0, 2, 6 }, { "d20", 0, 1, 20 }, { "1D2", 0, 1, 2 },
		{ "100d1000", 0, 100, 1000 }, { "101d6", -1, 0, 0 }, { "1d1001", -1, 0, 0 },
		{ "0d6", -1, 0, 0 }, { "1d1", -1, 0, 0 }, { "1d0", -1, 0, 0 },
		{ "d", -1, 0, 0 }, { "6", -1, 0, 0 }, { "", -1, 0, 0 }, { "-1d6", -1, 0, 0 },
		{ "2d-6", -1, 0, 0 }, { "2d6x", -1, 0, 0 }, { "2 d6", -1, 0, 0 },
		{ "99999999999999999999d6", -1, 0, 0 }, { "1d4294967302", -1, 0, 0 },
		{ "+2d6", -1, 0, 0 }, { "2d6d6", -1, 0, 0 }, { "0x2d6", -1, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned n = 0, m = 0;

		if (botcmd_parse_roll(cases[i].in, &n, &m) != cases[i].r)
			fail_msg("roll \"%s\": expected %d", cases[i].in, cases[i].r);
		if (cases[i].r == 0 && (n != cases[i].n || m != cases[i].m))
			fail_msg("roll \"%s\": got %ud%u", cases[i].in, n, m);
	}
}

static void
test_parse_uint(void **state)
{
	unsigned v = 7;

	(void)state;
	assert_int_equal(botcmd_parse_uint("1", 10, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(botcmd_parse_uint("10", 10, &v), 0);
	assert_int_equal(v, 10);
	v = 7;
	assert_int_equal(botcmd_parse_uint("11", 10, &v), -1);
	assert_int_equal(botcmd_parse_uint("0", 10, &v), -1);
	assert_int_equal(botcmd_parse_uint("", 10, &v), -1);
	assert_int_equal(botcmd_parse_uint("1a", 10, &v), -1);
	assert_int_equal(botcmd_parse_uint(" 1", 10, &v), -1);
	assert_int_equal(botcmd_parse_uint("-1", 10, &v), -1);
	assert_int_equal(botcmd_parse_uint("4294967297", 4294967295u, &v), -1);
	assert_int_equal(v, 7);
}

static void
test_split(void **state)
{
	char s[200], *argv[4];

	(void)state;
	strcpy(s, "  \"Best colour?\"  red \"dark blue\" ");
	assert_int_equal(botcmd_split(s, argv, 4), 3);
	assert_string_equal(argv[0], "Best colour?");
	assert_string_equal(argv[1], "red");
	assert_string_equal(argv[2], "dark blue");
	strcpy(s, "");
	assert_int_equal(botcmd_split(s, argv, 4), 0);
	strcpy(s, "a b c d e");
	assert_int_equal(botcmd_split(s, argv, 4), -1);
	strcpy(s, "\"unterminated question");
	assert_int_equal(botcmd_split(s, argv, 4), -1);
	strcpy(s, "\"glued\"word");
	assert_int_equal(botcmd_split(s, argv, 4), -1);
	strcpy(s, "\"\" x");
	assert_int_equal(botcmd_split(s, argv, 4), 2);
	assert_string_equal(argv[0], "");
	strcpy(s, "\"");
	assert_int_equal(botcmd_split(s, argv, 4), -1);
}

static void
test_duration(void **state)
{
	char out[64];

	(void)state;
	botcmd_duration(0, out, sizeof(out));
	assert_string_equal(out, "0s");
	botcmd_duration(-5, out, sizeof(out));
	assert_string_equal(out, "0s");
	botcmd_duration(59, out, sizeof(out));
	assert_string_equal(out, "59s");
	botcmd_duration(3600, out, sizeof(out));
	assert_string_equal(out, "1h");
	botcmd_duration(90061, out, sizeof(out));
	assert_string_equal(out, "1d 1h 1m 1s");
	botcmd_duration(INT64_MAX, out, sizeof(out));
	assert_true(strlen(out) > 0);
	assert_int_equal(botcmd_duration(90061, out, 5), 4);
	assert_string_equal(out, "1d 1");
}

static void
test_conf_args(void **state)
{
	struct botconf cfg;
	char err[256];
	char *args[] = { "ircbot", "-g", "Hi {nick}", "-w", "darn,heck", "localhost",
	    "6667", "pw", "mybot", "#a", "&b", NULL };

	(void)state;
	botconf_init(&cfg);
	assert_int_equal(botconf_parse_args(&cfg, 11, args, err, sizeof(err)), 0);
	assert_string_equal(cfg.host, "localhost");
	assert_string_equal(cfg.port, "6667");
	assert_string_equal(cfg.password, "pw");
	assert_string_equal(cfg.nick, "mybot");
	assert_int_equal(cfg.nchans, 2);
	assert_string_equal(cfg.chans[1], "&b");
	assert_string_equal(cfg.greeting, "Hi {nick}");
	assert_int_equal(cfg.nwords, 2);
	assert_string_equal(cfg.words[1], "heck");
	/* Nick optional; channels straight after the password. */
	botconf_init(&cfg);
	assert_int_equal(botconf_parse_args(&cfg, 5, (char *[]){ "ircbot", "h", "1",
	    "", "#x", NULL }, err, sizeof(err)), 0);
	assert_string_equal(cfg.nick, BOTCONF_DEFAULT_NICK);
	assert_int_equal(cfg.nchans, 1);
}

static void
test_conf_args_bad(void **state)
{
	static char *bad[][6] = {
		{ "ircbot", "host", "6667", NULL },
		{ "ircbot", "host", "0", "pw", NULL },
		{ "ircbot", "host", "65536", "pw", NULL },
		{ "ircbot", "host", "66x", "pw", NULL },
		{ "ircbot", "host", "6667", "pw", "9nick", NULL },
		{ "ircbot", "host", "6667", "pw", "nick", "chan" },
		{ "ircbot", "host", "6667", "pw", "nick", "#a,#b" },
		{ "ircbot", "host", "6667", "pass word", NULL },
		{ "ircbot", "-x", "host", "6667", "pw", NULL },
		{ "ircbot", "host", "6667", "pw", "#", NULL },
		{ "ircbot", "-g", NULL },
		{ "ircbot", "-f", "/nonexistent/ircbot.conf", "h", "1", "p" },
		{ "ircbot", "-w", "two words,!!", "h", "1", "p" },
	};
	struct botconf cfg;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int argc = 0;

		while (argc < 6 && bad[i][argc] != NULL)
			argc++;
		botconf_init(&cfg);
		err[0] = '\0';
		if (botconf_parse_args(&cfg, argc, bad[i], err, sizeof(err)) != -1)
			fail_msg("case %zu was accepted", i);
		assert_true(strlen(err) > 0);
	}
}

static void
test_conf_string(void **state)
{
	struct botconf cfg;
	char err[256];

	(void)state;
	botconf_init(&cfg);
	assert_int_equal(botconf_parse_string(&cfg,
	    "# a comment\n"
	    "; another\n"
	    "\n"
	    "nick = confbot\r\n"
	    "channels = #one, #two #three\n"
	    "greeting =   Welcome to {chan}, {nick}!  \n"
	    "words = darn heck\n", err, sizeof(err)), 0);
	assert_string_equal(cfg.nick, "confbot");
	assert_int_equal(cfg.nchans, 3);
	assert_string_equal(cfg.chans[2], "#three");
	assert_string_equal(cfg.greeting, "Welcome to {chan}, {nick}!");
	assert_int_equal(cfg.nwords, 2);
	/* Duplicate channels collapse. */
	assert_int_equal(botconf_parse_string(&cfg, "channels = #a #A", err,
	    sizeof(err)), 0);
	assert_int_equal(cfg.nchans, 1);
	assert_int_equal(botconf_parse_string(&cfg, "nick = ok\nbogus = 1\n", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "line 2: unknown key \"bogus\"");
	assert_int_equal(botconf_parse_string(&cfg, "no equals sign", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "line 1: expected key = value");
	assert_int_equal(botconf_parse_string(&cfg, "nick = bad nick", err,
	    sizeof(err)), -1);
	assert_int_equal(botconf_parse_string(&cfg, "channels = nochan", err,
	    sizeof(err)), -1);
}

static void
test_conf_bounds(void **state)
{
	struct botconf cfg;
	char err[256], *text = malloc(4096);
	size_t o = 0;

	(void)state;
	assert_non_null(text);
	botconf_init(&cfg);
	o += (size_t)snprintf(text + o, 4096 - o, "channels =");
	for (int i = 0; i <= BOTCONF_CHANS_MAX; i++)
		o += (size_t)snprintf(text + o, 4096 - o, " #c%d", i);
	assert_int_equal(botconf_parse_string(&cfg, text, err, sizeof(err)), -1);
	memset(text, 'g', 2000);
	memcpy(text, "greeting = ", 11);
	text[2000] = '\0';
	assert_int_equal(botconf_parse_string(&cfg, text, err, sizeof(err)), -1);
	assert_string_equal(err, "line 1: too long");
	text[500] = '\0';
	assert_int_equal(botconf_parse_string(&cfg, text, err, sizeof(err)), -1);
	free(text);
	/* 31-byte nicks are over ircserv's NICKLEN. */
	assert_int_equal(botconf_parse_string(&cfg,
	    "nick = abcdefghijabcdefghijabcdefghijx", err, sizeof(err)), -1);
	assert_int_equal(botconf_parse_string(&cfg,
	    "nick = abcdefghijabcdefghijabcdefghij", err, sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ircline_parse),
		cmocka_unit_test(test_ircline_hostile),
		cmocka_unit_test(test_ircline_casemap),
		cmocka_unit_test(test_ircline_utf8_cut),
		cmocka_unit_test(test_pace_bucket),
		cmocka_unit_test(test_pace_bucket_rate_bound),
		cmocka_unit_test(test_pace_backoff),
		cmocka_unit_test(test_seen),
		cmocka_unit_test(test_seen_bounded),
		cmocka_unit_test(test_vote_flow),
		cmocka_unit_test(test_vote_bounds),
		cmocka_unit_test(test_remind_clock),
		cmocka_unit_test(test_remind_bounds),
		cmocka_unit_test(test_moderate_words),
		cmocka_unit_test(test_moderate_warn_then_kick),
		cmocka_unit_test(test_parse_roll),
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_conf_args),
		cmocka_unit_test(test_conf_args_bad),
		cmocka_unit_test(test_conf_string),
		cmocka_unit_test(test_conf_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
