/*
 * Unit tests for msg.c: the RFC 2812 2.3.1 message grammar (source,
 * command, middle and trailing parameters, the 15-parameter rule), IRCv3
 * tag sections, lines that hold no command, and tag value unescaping;
 * msg_cat() and msg_concat() against snprintf() and msg_format().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "irc.h"
#include "msg.h"

struct parse_case {
	const char  *line;
	int          ret;
	const char  *tags;              /* expected, or NULL */
	size_t       tags_len;
	const char  *source;
	const char  *command;
	int          nparams;
	bool         trailing;
	const char  *params[IRC_PARAMS_MAX];
};

static const struct parse_case parse_cases[] = {
	{ "PING", 0, NULL, 0, NULL, "PING", 0, false, { NULL } },
	{ "ping x", 0, NULL, 0, NULL, "PING", 1, false, { "x" } },
	{ "JoIn #a", 0, NULL, 0, NULL, "JOIN", 1, false, { "#a" } },
	{ "001 nick :Welcome", 0, NULL, 0, NULL, "001", 2, true,
	    { "nick", "Welcome" } },
	{ "privmsg #chan :hello world", 0, NULL, 0, NULL, "PRIVMSG", 2, true,
	    { "#chan", "hello world" } },
	{ "PRIVMSG #chan :  spaced  out  ", 0, NULL, 0, NULL, "PRIVMSG", 2, true,
	    { "#chan", "  spaced  out  " } },
	/* An empty trailing parameter is still a parameter. */
	{ "PRIVMSG #chan :", 0, NULL, 0, NULL, "PRIVMSG", 2, true,
	    { "#chan", "" } },
	{ "TOPIC #c :", 0, NULL, 0, NULL, "TOPIC", 2, true, { "#c", "" } },
	{ "PRIVMSG #chan ::)", 0, NULL, 0, NULL, "PRIVMSG", 2, true,
	    { "#chan", ":)" } },
	{ "PRIVMSG #chan :a :b", 0, NULL, 0, NULL, "PRIVMSG", 2, true,
	    { "#chan", "a :b" } },
	{ "USER u 0 * :Real Name", 0, NULL, 0, NULL, "USER", 4, true,
	    { "u", "0", "*", "Real Name" } },
	/* ':' inside a middle parameter does not start the trailing one. */
	{ "MODE a:b c:", 0, NULL, 0, NULL, "MODE", 2, false, { "a:b", "c:" } },
	{ "NICK   bob", 0, NULL, 0, NULL, "NICK", 1, false, { "bob" } },
	{ "   NICK bob", 0, NULL, 0, NULL, "NICK", 1, false, { "bob" } },
	{ "MODE  #c   +o    alice   ", 0, NULL, 0, NULL, "MODE", 3, false,
	    { "#c", "+o", "alice" } },
	{ "MODE #c   :+o alice", 0, NULL, 0, NULL, "MODE", 2, true,
	    { "#c", "+o alice" } },
	{ ":nick!u@h PRIVMSG #a :hi", 0, NULL, 0, "nick!u@h", "PRIVMSG", 2, true,
	    { "#a", "hi" } },
	{ ":irc.local   NOTICE * :x", 0, NULL, 0, "irc.local", "NOTICE", 2, true,
	    { "*", "x" } },
	{ "@a=b;c :src cmd x", 0, "a=b;c", 7, "src", "CMD", 1, false, { "x" } },
	{ "@time=12:00 TAGMSG #c", 0, "time=12:00", 12, NULL, "TAGMSG", 1, false,
	    { "#c" } },
	{ "@+draft/typing=active   PRIVMSG #c :x", 0, "+draft/typing=active", 22,
	    NULL, "PRIVMSG", 2, true, { "#c", "x" } },
	/* RFC 2812 2.3.1: after 14 middle parameters the rest is the 15th. */
	{ "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", 0, NULL, 0, NULL,
	    "CMD", 15, true, { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
	    "11", "12", "13", "14", "15 16 17" } },
	{ "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", 0, NULL, 0, NULL,
	    "CMD", 15, true, { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
	    "11", "12", "13", "14", "15" } },
	{ "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :last one", 0, NULL, 0, NULL,
	    "CMD", 15, true, { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
	    "11", "12", "13", "14", "last one" } },
	{ "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 x :y z", 0, NULL, 0, NULL,
	    "CMD", 15, true, { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
	    "11", "12", "13", "14", "x :y z" } },
	{ "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 :x y", 0, NULL, 0, NULL,
	    "CMD", 14, true, { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
	    "11", "12", "13", "x y" } },
	{ "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14", 0, NULL, 0, NULL,
	    "CMD", 14, false, { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
	    "11", "12", "13", "14" } },
	/* Lines that hold no command. */
	{ "", -1, NULL, 0, NULL, NULL, 0, false, { NULL } },
	{ "     ", -1, NULL, 0, NULL, NULL, 0, false, { NULL } },
	{ "@a=b", -1, NULL, 0, NULL, NULL, 0, false, { NULL } },
	{ "@a=b   ", -1, NULL, 0, NULL, NULL, 0, false, { NULL } },
	{ ":source", -1, NULL, 0, NULL, NULL, 0, false, { NULL } },
	{ ":source  ", -1, NULL, 0, NULL, NULL, 0, false, { NULL } },
	{ ":", -1, NULL, 0, NULL, NULL, 0, false, { NULL } },
	{ "@", -1, NULL, 0, NULL, NULL, 0, false, { NULL } },
	{ "@a=b :src", -1, NULL, 0, NULL, NULL, 0, false, { NULL } },
	{ "@a=b :src ", -1, NULL, 0, NULL, NULL, 0, false, { NULL } },
};

/* Fail naming the line, so a table failure says which case it was. */
static void
expect_str(const char *line, const char *field, const char *got,
    const char *want)
{
	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(got, want) != 0)
		fail_msg("\"%s\": %s is \"%s\", want \"%s\"", line, field,
		    got ? got : "(null)", want ? want : "(null)");
}

static void
expect_int(const char *line, const char *field, long long got, long long want)
{
	if (got != want)
		fail_msg("\"%s\": %s is %lld, want %lld", line, field, got, want);
}

static void
check_case(const struct parse_case *c)
{
	char line[1024];
	size_t len = strlen(c->line);
	struct msg m;

	assert_true(len < sizeof(line));
	memcpy(line, c->line, len + 1);
	/* Fill with junk so fields the parser forgets to set show up. */
	memset(&m, 0x5a, sizeof(m));
	expect_int(c->line, "return", msg_parse(line, len, &m), c->ret);
	if (c->ret == -1)
		return;
	expect_str(c->line, "tags", m.tags, c->tags);
	if (c->tags) {
		expect_int(c->line, "tags_len", (long long)m.tags_len,
		    (long long)c->tags_len);
		/* tags_len counts from the '@' that starts the line. */
		assert_ptr_equal(m.tags - 1, line);
	}
	expect_str(c->line, "source", m.source, c->source);
	expect_str(c->line, "command", m.command, c->command);
	expect_int(c->line, "nparams", m.nparams, c->nparams);
	expect_int(c->line, "trailing", m.trailing, c->trailing);
	for (int i = 0; i < m.nparams; i++) {
		char field[32];

		snprintf(field, sizeof(field), "params[%d]", i);
		expect_str(c->line, field, m.params[i], c->params[i]);
		/* Borrowed from the line, not copied. */
		assert_true(m.params[i] >= line && m.params[i] <= line + len);
	}
}

static void
test_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++)
		check_case(&parse_cases[i]);
}

static void
test_parse_command_case(void **state)
{
	char line[] = "pRiVmSg target :Lower Case Stays";
	struct msg m;

	(void)state;
	assert_int_equal(msg_parse(line, strlen(line), &m), 0);
	/* Only the command is upper-cased, in place. */
	assert_string_equal(m.command, "PRIVMSG");
	assert_ptr_equal(m.command, line);
	assert_string_equal(m.params[0], "target");
	assert_string_equal(m.params[1], "Lower Case Stays");
}

static void
test_parse_long_line(void **state)
{
	static char line[IRC_RECV_LINE_MAX + 1];
	struct msg m;
	size_t n;

	(void)state;
	/* A full-size line of 300 one-letter words: params capped at 15. */
	n = (size_t)snprintf(line, sizeof(line), "CMD");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %c",
		    'a' + i % 26);
	assert_int_equal(msg_parse(line, n, &m), 0);
	assert_int_equal(m.nparams, IRC_PARAMS_MAX);
	assert_string_equal(m.params[13], "n");
	assert_int_equal(strlen(m.params[14]), 2 * (300 - 14) - 1);
	assert_memory_equal(m.params[14], "o p q", 5);
}

struct tag_case {
	const char  *key;
	int          found;
	const char  *val;
};

static void
test_tag_get(void **state)
{
	static const char tags[] =
	    "a=1;b=x\\:y;c=hello\\sworld;d=back\\\\slash;e=cr\\rlf\\n;"
	    "f=trail\\;g;h=;+draft/x=v=w;i=\\b\\;;j=last";
	static const struct tag_case cases[] = {
		{ "a", 1, "1" },
		{ "b", 1, "x;y" },
		{ "c", 1, "hello world" },
		{ "d", 1, "back\\slash" },
		{ "e", 1, "cr\rlf\n" },
		/* A trailing lone backslash is dropped. */
		{ "f", 1, "trail" },
		/* A key without '=' or with an empty value is present, "". */
		{ "g", 1, "" },
		{ "h", 1, "" },
		{ "+draft/x", 1, "v=w" },
		/* An unknown escape drops the backslash. */
		{ "i", 1, "b" },
		{ "j", 1, "last" },
		{ "z", 0, "" },
		/* The client-only prefix '+' is part of the key. */
		{ "draft/x", 0, "" },
		{ "+draft", 0, "" },
		{ "A", 0, "" },                 /* keys are case-sensitive */
		{ "hello", 0, "" },             /* values are not keys */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char val[64];
		int found;

		memset(val, 'Q', sizeof(val));
		found = msg_tag_get(tags, cases[i].key, val, sizeof(val));
		if (found != cases[i].found || strcmp(val, cases[i].val) != 0)
			fail_msg("tag \"%s\": got %d \"%s\", want %d \"%s\"",
			    cases[i].key, found, val, cases[i].found, cases[i].val);
	}
}

static void
test_tag_get_hostile(void **state)
{
	char val[8];

	(void)state;
	/* A key must match whole, not as a prefix either way. */
	assert_int_equal(msg_tag_get("aa=1;ab=2", "a", val, sizeof(val)), 0);
	assert_int_equal(msg_tag_get("a=1", "aa", val, sizeof(val)), 0);
	assert_int_equal(msg_tag_get("x=1;;;y=2", "y", val, sizeof(val)), 1);
	assert_string_equal(val, "2");
	assert_int_equal(msg_tag_get("", "a", val, sizeof(val)), 0);
	assert_int_equal(msg_tag_get(";;;", "a", val, sizeof(val)), 0);
	/* No tag section at all (struct msg tags == NULL). */
	memset(val, 'Q', sizeof(val));
	assert_int_equal(msg_tag_get(NULL, "a", val, sizeof(val)), 0);
	assert_string_equal(val, "");
	/* The value is truncated to fit, always NUL-terminated. */
	assert_int_equal(msg_tag_get("k=abcdefghijkl", "k", val, sizeof(val)), 1);
	assert_string_equal(val, "abcdefg");
	assert_int_equal(msg_tag_get("k=\\s\\s\\s\\s\\s\\s\\s\\s\\s", "k", val,
	    sizeof(val)), 1);
	assert_string_equal(val, "       ");
	/* The first of duplicate keys wins. */
	assert_int_equal(msg_tag_get("k=1;k=2", "k", val, sizeof(val)), 1);
	assert_string_equal(val, "1");
	/* A size of zero writes nothing and still answers. */
	val[0] = 'Q';
	assert_int_equal(msg_tag_get("k=1", "k", val, 0), 1);
	assert_int_equal(val[0], 'Q');
}

static void
test_tags_through_parse(void **state)
{
	char line[] = "@time=2023-11-14T22:13:20.000Z;msgid=a\\sb;+typing :n!u@h "
	    "PRIVMSG #c :hi";
	char val[64];
	struct msg m;

	(void)state;
	assert_int_equal(msg_parse(line, strlen(line), &m), 0);
	assert_int_equal(msg_tag_get(m.tags, "time", val, sizeof(val)), 1);
	assert_string_equal(val, "2023-11-14T22:13:20.000Z");
	assert_int_equal(msg_tag_get(m.tags, "msgid", val, sizeof(val)), 1);
	assert_string_equal(val, "a b");
	assert_int_equal(msg_tag_get(m.tags, "+typing", val, sizeof(val)), 1);
	assert_string_equal(val, "");
	/* The tag section ends at its space: the source is not a tag. */
	assert_int_equal(msg_tag_get(m.tags, ":n!u@h PRIVMSG", val,
	    sizeof(val)), 0);
	assert_int_equal(m.tags_len, strlen("@time=2023-11-14T22:13:20.000Z;"
	    "msgid=a\\sb;+typing "));
	assert_string_equal(m.source, "n!u@h");
	assert_string_equal(m.command, "PRIVMSG");
}

static void
test_cat_like_snprintf(void **state)
{
	static const char *parts[] = { "", "a", "nick", "!", "0123456789abcdef" };
	char want[16], got[16];

	(void)state;
	/* Every chain of three parts into every size from 1 to 16. */
	for (size_t cap = 1; cap <= sizeof(got); cap++)
		for (size_t i = 0; i < 5; i++)
			for (size_t j = 0; j < 5; j++)
				for (size_t k = 0; k < 5; k++) {
					int w = snprintf(want, cap, "%s%s%s", parts[i], parts[j], parts[k]);
					size_t n;

					memset(got, 'x', sizeof(got));
					got[0] = '\0';
					n = msg_cat(got, cap, 0, parts[i]);
					n = msg_cat(got, cap, n, parts[j]);
					n = msg_cat(got, cap, n, parts[k]);
					assert_int_equal(n, (size_t)w);
					assert_string_equal(got, want);
				}
}

static void
test_concat_like_format(void **state)
{
	char long_text[700], want[IRC_LINE_MAX], got[IRC_LINE_MAX];

	(void)state;
	/* Multi-byte characters across the 510-byte cut, at every offset. */
	for (size_t shift = 0; shift < 4; shift++) {
		size_t n = 0;

		for (; n < shift; n++)
			long_text[n] = 'a';
		while (n + 4 < sizeof(long_text)) {
			memcpy(long_text + n, "\xe2\x82\xac", 3);        /* the euro sign */
			n += 3;
		}
		long_text[n] = '\0';
		for (size_t cut = 0; cut < 600; cut += 37) {
			char text[700];
			const char *parts[] = { ":nick!user@host ", "PRIVMSG", " ", "#chan",
			    " :", text };
			size_t wl, gl;

			memcpy(text, long_text, cut);
			text[cut] = '\0';
			wl = msg_format(want, ":nick!user@host PRIVMSG #chan :%s", text);
			gl = msg_concat(got, parts, 6);
			assert_int_equal(gl, wl);
			assert_memory_equal(got, want, wl);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_command_case),
		cmocka_unit_test(test_parse_long_line),
		cmocka_unit_test(test_tag_get),
		cmocka_unit_test(test_tag_get_hostile),
		cmocka_unit_test(test_tags_through_parse),
		cmocka_unit_test(test_cat_like_snprintf),
		cmocka_unit_test(test_concat_like_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
