/*
 * Unit tests for casemap.c: rfc1459 folding, comparison and hashing,
 * wildcard matching (including inputs that make naive matchers take
 * exponential time), and the nickname, channel and username rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "casemap.h"
#include "irc.h"

static void
test_lower_table(void **state)
{
	static const char pairs[][2] = {
		{ 'A', 'a' }, { 'Z', 'z' }, { 'M', 'm' }, { 'a', 'a' }, { 'z', 'z' },
		/* rfc1459: []\~ are the upper case of {}|^. */
		{ '[', '{' }, { ']', '}' }, { '\\', '|' }, { '~', '^' },
		{ '{', '{' }, { '}', '}' }, { '|', '|' }, { '^', '^' },
		/* Neighbours of the folded ranges stay put. */
		{ '@', '@' }, { '`', '`' }, { '_', '_' }, { '0', '0' }, { '-', '-' },
		{ '#', '#' }, { ' ', ' ' }, { '\0', '\0' },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		assert_int_equal(casemap_lower(pairs[i][0]), pairs[i][1]);
}

static void
test_lower_exhaustive(void **state)
{
	static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ[]\\~";
	int changed = 0;

	(void)state;
	for (int i = 0; i < 256; i++) {
		char c = (char)i, l = casemap_lower(c);

		/* Folding is idempotent and only touches the 30 upper cases. */
		assert_int_equal(casemap_lower(l), l);
		if (l != c) {
			changed++;
			assert_non_null(strchr(upper, c));
		}
	}
	assert_int_equal(changed, 30);
}

static void
test_fold(void **state)
{
	char out[32];

	(void)state;
	casemap_fold(out, "NiCK[A]\\~x", sizeof(out));
	assert_string_equal(out, "nick{a}|^x");
	casemap_fold(out, "ABCDEF", 4);
	assert_string_equal(out, "abc");
	out[0] = 'Q';
	casemap_fold(out, "ABC", 1);
	assert_string_equal(out, "");
	out[0] = 'Q';
	casemap_fold(out, "ABC", 0);
	assert_int_equal(out[0], 'Q');
	casemap_fold(out, "", sizeof(out));
	assert_string_equal(out, "");
}

static int
sign(int v)
{
	return (v > 0) - (v < 0);
}

static void
test_cmp(void **state)
{
	static const struct {
		const char *a, *b;
		int want;
	} cases[] = {
		{ "nick", "NICK", 0 },
		{ "a[b]\\~", "A{B}|^", 0 },
		{ "{}|^", "[]\\~", 0 },
		{ "", "", 0 },
		{ "a", "b", -1 },
		{ "B", "a", 1 },
		{ "ab", "abc", -1 },
		{ "abc", "AB", 1 },
		{ "", "a", -1 },
		/* Compared as unsigned bytes, like strcmp. */
		{ "\xe9", "a", 1 },
		{ "a", "\xe9", -1 },
		/* '~' folds to '^', which sorts before '_' and letters. */
		{ "~", "_", -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = sign(casemap_cmp(cases[i].a, cases[i].b));

		if (got != cases[i].want)
			fail_msg("casemap_cmp(\"%s\", \"%s\") sign %d, want %d",
			    cases[i].a, cases[i].b, got, cases[i].want);
	}
}

static void
test_hash(void **state)
{
	(void)state;
	/* FNV-1a: the offset basis for "", 0xe40c292c for "a". */
	assert_int_equal(casemap_hash(""), 2166136261u);
	assert_int_equal(casemap_hash("a"), 0xe40c292cu);
	assert_int_equal(casemap_hash("A"), 0xe40c292cu);
	assert_int_equal(casemap_hash("Nick[Away]~"), casemap_hash("nICK{aWAY}^"));
	assert_int_equal(casemap_hash("#CHAN\\"), casemap_hash("#chan|"));
	assert_int_not_equal(casemap_hash("nick"), casemap_hash("nick_"));
	assert_int_not_equal(casemap_hash("ab"), casemap_hash("ba"));
	/* '@' and '`' are not a case pair. */
	assert_int_not_equal(casemap_hash("@"), casemap_hash("`"));
}

struct match_case {
	const char  *mask;
	const char  *s;
	bool         want;
};

static void
test_match_table(void **state)
{
	static const struct match_case cases[] = {
		{ "", "", true },
		{ "", "a", false },
		{ "a", "", false },
		{ "*", "", true },
		{ "*", "anything at all", true },
		{ "**", "", true },
		{ "?", "", false },
		{ "?", "a", true },
		{ "??", "a", false },
		{ "?*", "", false },
		{ "*?", "x", true },
		{ "abc", "abc", true },
		{ "abc", "abcd", false },
		{ "abcd", "abc", false },
		{ "nick!*@*", "Nick!user@host", true },
		{ "*!*@host.example", "n!u@HOST.EXAMPLE", true },
		{ "*!*@*.example", "n!u@example", false },
		{ "*.example.com", "irc.example.com", true },
		{ "*.example.com", "example.com", false },
		/* The casemapping applies to the mask and the string alike. */
		{ "a[b]*", "A{B}xyz", true },
		{ "*~*", "x^y", true },
		{ "*|*", "x\\y", true },
		{ "*@*", "x`y", false },
		/* Backtracking: the first place a star could stop is wrong. */
		{ "*a*b", "xaxxb", true },
		{ "*a*b", "xaxxbx", false },
		{ "*a*b", "aab", true },
		{ "*a*b", "ba", false },
		{ "a*b*c", "abbbbc", true },
		{ "a*b?c", "axbyc", true },
		{ "ab*cd", "abxcdxcd", true },
		{ "ab*cd", "abxcdxc", false },
		{ "*aaa*b", "aaaab", true },
		{ "*abc", "ababc", true },
		{ "*aab", "aaaab", true },
		{ "a*", "a", true },
		{ "a**", "a", true },
		{ "**a", "a", true },
		/* The part after the last '*' is checked against the end first. */
		{ "??*x", "abx", true },
		{ "??*x", "ax", false },
		{ "??*x", "abcy", false },
		{ "*?X", "abx", true },
		{ "a?c", "abcd", false },
		{ "a?c", "ab", false },
		{ "abc*", "abcdef", true },
		{ "*", "", true },
		{ "?", "", false },
		/* Wildcards in the string are literal characters. */
		{ "a", "*", false },
		{ "?", "*", true },
		{ "a?c", "a?c", true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = casemap_match(cases[i].mask, cases[i].s);

		if (got != cases[i].want)
			fail_msg("casemap_match(\"%s\", \"%s\") = %d, want %d",
			    cases[i].mask, cases[i].s, got, cases[i].want);
	}
}

static void
test_match_pathological(void **state)
{
	enum { N = 20000 };
	char *s = malloc(N + 2);

	(void)state;
	assert_non_null(s);
	memset(s, 'a', N);
	s[N] = '\0';
	/*
	 * A recursive matcher tries every split of the a's between the
	 * stars: exponential. These must finish at once (the runner's
	 * timeout is the backstop).
	 */
	assert_false(casemap_match("a*a*a*a*a*a*a*a*a*a*b", s));
	assert_false(casemap_match("*a*a*a*a*a*a*a*a*a*a*a*b*", s));
	assert_true(casemap_match("a*a*a*a*a*a*a*a*a*a*", s));
	assert_true(casemap_match("*A*A*A*A*A*A*A*A*A*A", s));
	s[N] = 'b';
	s[N + 1] = '\0';
	assert_true(casemap_match("a*a*a*a*a*a*a*a*a*a*b", s));
	assert_false(casemap_match("a*a*a*a*a*a*a*a*a*a*bb", s));
	free(s);
}

struct name_case {
	const char  *name;
	size_t       len;
	bool         want;
};

static void
test_nick_valid(void **state)
{
	static const struct name_case cases[] = {
		{ "a", 9, true },
		{ "Nick", 9, true },
		{ "nick123", 9, true },
		{ "a-b", 9, true },
		{ "a-", 9, true },
		/* RFC 2812 special: [ ] \ ` _ ^ { | } may start a nick. */
		{ "[cool]", 9, true },
		{ "\\o", 9, true },
		{ "`tick", 9, true },
		{ "_under", 9, true },
		{ "^caret", 9, true },
		{ "{x}", 9, true },
		{ "|pipe", 9, true },
		{ "abcdefghi", 9, true },       /* exactly nicklen */
		{ "abcdefghij", 9, false },
		{ "abcdefghijabcdefghijabcdefghij", IRC_NICKLEN, true },
		{ "abcdefghijabcdefghijabcdefghijk", IRC_NICKLEN, false },
		{ "", 9, false },
		{ "1abc", 9, false },
		{ "9", 9, false },
		{ "-abc", 9, false },
		{ "a b", 9, false },
		{ "a,b", 9, false },
		{ "a!b", 9, false },
		{ "a@b", 9, false },
		{ "a.b", 9, false },
		{ "a:b", 9, false },
		{ ":nick", 9, false },
		{ "#chan", 9, false },
		{ "&chan", 9, false },
		{ "a*", 9, false },
		{ "a?", 9, false },
		{ "a~", 9, false },             /* '~' is no nick character */
		{ "a/b", 9, false },
		{ "a\x01", 9, false },
		{ "a\x7f", 9, false },
		{ "caf\xc3\xa9", 9, false },
		{ "\xc3\xa9", 9, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = name_nick_is_valid(cases[i].name, cases[i].len);

		if (got != cases[i].want)
			fail_msg("name_nick_is_valid(\"%s\", %zu) = %d, want %d",
			    cases[i].name, cases[i].len, got, cases[i].want);
	}
}

static void
test_nick_every_byte(void **state)
{
	static const char ok_first[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz[]\\`_^{|}";
	char nick[3];

	(void)state;
	/* Each byte as first and as second character, against the grammar. */
	for (int i = 1; i < 256; i++) {
		char c = (char)i;
		bool first = strchr(ok_first, c) != NULL;
		bool later = first || (c >= '0' && c <= '9') || c == '-';

		nick[0] = c;
		nick[1] = '\0';
		if (name_nick_is_valid(nick, 9) != first)
			fail_msg("first byte 0x%02x: want %d", i, first);
		nick[0] = 'a';
		nick[1] = c;
		nick[2] = '\0';
		if (name_nick_is_valid(nick, 9) != later)
			fail_msg("second byte 0x%02x: want %d", i, later);
	}
}

static void
test_channel_valid(void **state)
{
	static const struct name_case cases[] = {
		{ "#a", 50, true },
		{ "&local", 50, true },
		{ "#Chan-name_1", 50, true },
		{ "##", 50, true },
		{ "#[]{}", 50, true },
		{ "#caf\xc3\xa9", 50, true },   /* RFC 2812: any octet but a few */
		{ "#!?*@", 50, true },
		{ "#abc", 4, true },            /* exactly chanlen */
		{ "#abcd", 4, false },
		{ "#", 50, false },
		{ "&", 50, false },
		{ "", 50, false },
		{ "a", 50, false },
		{ "chan", 50, false },
		{ "+chan", 50, false },         /* not in CHANTYPES */
		{ "!chan", 50, false },
		{ " #chan", 50, false },
		{ "#a b", 50, false },
		{ "#a,b", 50, false },
		{ "#a\a", 50, false },
		{ "#a:b", 50, false },
		{ "#a ", 50, false },
	};
	char name[IRC_CHANNELLEN + 2];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = name_channel_is_valid(cases[i].name, cases[i].len);

		if (got != cases[i].want)
			fail_msg("name_channel_is_valid(\"%s\", %zu) = %d, want %d",
			    cases[i].name, cases[i].len, got, cases[i].want);
	}
	memset(name, 'x', sizeof(name));
	name[0] = '#';
	name[IRC_CHANNELLEN] = '\0';
	assert_true(name_channel_is_valid(name, IRC_CHANNELLEN));
	name[IRC_CHANNELLEN] = 'x';
	name[IRC_CHANNELLEN + 1] = '\0';
	assert_false(name_channel_is_valid(name, IRC_CHANNELLEN));
}

static void
test_is_channel(void **state)
{
	(void)state;
	assert_true(name_is_channel("#"));
	assert_true(name_is_channel("#chan"));
	assert_true(name_is_channel("&chan"));
	assert_false(name_is_channel(""));
	assert_false(name_is_channel("nick"));
	assert_false(name_is_channel("+chan"));
	assert_false(name_is_channel(" #chan"));
}

struct user_case {
	const char  *user;
	size_t       userlen;
	size_t       dstsz;
	const char  *want;
};

static void
test_user_clean(void **state)
{
	static const struct user_case cases[] = {
		{ "user", 10, 32, "user" },
		{ "~ident", 10, 32, "~ident" },
		{ "us er", 10, 32, "user" },
		/* Characters that would make nick!user@host ambiguous. */
		{ "a@b!c*d?e,f:g", 10, 32, "abcdefg" },
		{ "\x01tab\there\x7f", 10, 32, "tabhere" },
		{ "caf\xc3\xa9", 10, 32, "caf" },
		/* userlen counts the bytes kept, after dropping. */
		{ "verylongusername", 10, 32, "verylongus" },
		{ "a b c d e f g h i j k l", 10, 32, "abcdefghij" },
		{ "@@@@@@@@@@@@abc", 10, 32, "abc" },
		/* dstsz bounds it too, NUL included. */
		{ "abcdef", 10, 4, "abc" },
		{ "abcdef", 10, 1, "" },
		{ "@!*?,: ", 10, 32, "" },
		{ "", 10, 32, "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct user_case *c = &cases[i];
		char dst[40];
		size_t n;

		memset(dst, 'Q', sizeof(dst));
		n = name_user_clean(dst, c->dstsz, c->user, c->userlen);
		if (strcmp(dst, c->want) != 0 || n != strlen(c->want))
			fail_msg("name_user_clean(\"%s\", %zu, %zu) = %zu \"%s\", "
			    "want \"%s\"", c->user, c->userlen, c->dstsz, n, dst,
			    c->want);
		/* Nothing written past dstsz. */
		assert_int_equal(dst[c->dstsz], 'Q');
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lower_table),
		cmocka_unit_test(test_lower_exhaustive),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_match_pathological),
		cmocka_unit_test(test_nick_valid),
		cmocka_unit_test(test_nick_every_byte),
		cmocka_unit_test(test_channel_valid),
		cmocka_unit_test(test_is_channel),
		cmocka_unit_test(test_user_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
