/*
 * Mask cleaning (mask_normalize, mask_simplify) and the wildcard matcher
 * on hostile masks: what is stored can be shown and removed, and matching
 * agrees with a plain recursive reference on every case tried.
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
#include "mask.h"

static void
expect_norm(const char *in, const char *want)
{
	char out[MASK_LEN_MAX + 1];

	assert_int_equal(mask_normalize(in, NULL, out, sizeof(out)), MASK_PLAIN);
	assert_string_equal(out, want);
}

static void
expect_invalid(const char *in)
{
	char out[MASK_LEN_MAX + 1];

	assert_int_equal(mask_normalize(in, NULL, out, sizeof(out)), MASK_INVALID);
}

static void
test_normalize_forms(void **state)
{
	(void)state;
	expect_norm("nick", "nick!*@*");
	expect_norm("user@host", "*!user@host");
	expect_norm("nick!user", "nick!user@*");
	expect_norm("n!u@h", "n!u@h");
	expect_norm("host.example", "*!*@host.example");
	expect_norm("2001:db8::1", "*!*@2001:db8::1");
	expect_norm("!@", "*!*@*");
	expect_norm("@h", "*!*@h");
	expect_norm("n!", "n!*@*");
	expect_norm("*", "*!*@*");
	expect_norm("a!b!c@d", "a!b!c@d");
}

static void
test_normalize_simplifies(void **state)
{
	char m[600];

	(void)state;
	expect_norm("***a**?*?!*@*", "*a??*!*@*");
	/* A "***" run does not count against the length. */
	memset(m, '*', 500);
	strcpy(m + 500, "x");
	expect_norm(m, "*x!*@*");
}

static void
test_normalize_hostile(void **state)
{
	char m[600];

	(void)state;
	expect_invalid("");
	expect_invalid(":x");
	expect_invalid("::x");
	expect_invalid("a b c");
	expect_invalid("a\x01" "b");
	expect_invalid("a\x7f");
	expect_invalid("a,b");
	expect_invalid("a\tb");
	memset(m, 'a', MASK_LEN_MAX);
	m[MASK_LEN_MAX] = '\0';
	expect_invalid(m);
	memset(m, 'a', sizeof(m) - 1);
	m[sizeof(m) - 1] = '\0';
	expect_invalid(m);
	/* Too small an output buffer is refused, not overrun. */
	assert_int_equal(mask_normalize("x", NULL, m, 8), MASK_INVALID);
}

/* The letters given as extended masks are left for their owner to check. */
static void
test_normalize_extended(void **state)
{
	char out[MASK_LEN_MAX + 1];

	(void)state;
	assert_int_equal(mask_normalize("a:acct", "am", out, sizeof(out)), MASK_EXTENDED);
	assert_string_equal(out, "a:acct");
	assert_int_equal(mask_normalize("m:**x", "am", out, sizeof(out)), MASK_EXTENDED);
	assert_string_equal(out, "m:*x");
	/* Not an extban letter: an address with ':' is a host. */
	assert_int_equal(mask_normalize("z:acct", "am", out, sizeof(out)), MASK_PLAIN);
	assert_string_equal(out, "*!*@z:acct");
	expect_invalid("a: b");
}

static void
test_simplify(void **state)
{
	char m[64];

	(void)state;
	strcpy(m, "*?*?*");
	assert_int_equal(mask_simplify(m), 3);
	assert_string_equal(m, "??*");
	strcpy(m, "a**b??c*");
	mask_simplify(m);
	assert_string_equal(m, "a*b??c*");
	strcpy(m, "");
	assert_int_equal(mask_simplify(m), 0);
}

/* Reference: the definition of the glob, recursive (small inputs only). */
static bool
ref_match(const char *m, const char *s)
{
	if (*m == '\0')
		return *s == '\0';
	if (*m == '*')
		return ref_match(m + 1, s) || (*s && ref_match(m, s + 1));
	if (*s == '\0')
		return false;
	if (*m == '?' || casemap_lower(*m) == casemap_lower(*s))
		return ref_match(m + 1, s + 1);
	return false;
}

static void
random_word(char *out, size_t len, const char *alphabet, unsigned *seed)
{
	size_t na = strlen(alphabet);

	for (size_t i = 0; i < len; i++) {
		*seed = *seed * 1103515245u + 12345u;
		out[i] = alphabet[(*seed >> 16) % na];
	}
	out[len] = '\0';
}

/* Both matchers (greedy, and the automaton it falls back to) against the reference. */
static void
test_match_agrees_with_reference(void **state)
{
	unsigned seed = 12345;
	char m[24], s[40];

	(void)state;
	for (int i = 0; i < 20000; i++) {
		random_word(m, (seed >> 8) % 12, "ab*?A", &seed);
		random_word(s, (seed >> 8) % 30, "abAB", &seed);
		if (ref_match(m, s) != casemap_match(m, s))
			fail_msg("mask \"%s\" string \"%s\": want %d", m, s, ref_match(m, s));
	}
}

/* Reference by dynamic programming, for long inputs. */
static bool
dp_match(const char *m, const char *s)
{
	size_t nm = strlen(m), ns = strlen(s);
	static bool row[2][512];

	memset(row, 0, sizeof(row));
	row[0][0] = true;
	for (size_t j = 1; j <= nm; j++)
		row[0][j] = row[0][j - 1] && m[j - 1] == '*';
	for (size_t i = 1; i <= ns; i++) {
		bool *cur = row[i % 2], *prev = row[(i - 1) % 2];

		cur[0] = false;
		for (size_t j = 1; j <= nm; j++) {
			char c = m[j - 1];

			if (c == '*')
				cur[j] = cur[j - 1] || prev[j];
			else
				cur[j] = prev[j - 1] && (c == '?' ||
				    casemap_lower(c) == casemap_lower(s[i - 1]));
		}
	}
	return row[ns % 2][nm];
}

/* Long strings and masks with many near misses: the automaton answers. */
static void
test_match_long_agrees(void **state)
{
	unsigned seed = 777;
	char m[120], s[400];

	(void)state;
	for (int i = 0; i < 3000; i++) {
		random_word(m, 1 + (seed >> 8) % 110, "aaaa*?b", &seed);
		random_word(s, 150 + (seed >> 8) % 240, "aaaaaaaaaaab", &seed);
		if (dp_match(m, s) != casemap_match(m, s))
			fail_msg("mask \"%s\" string \"%s\": want %d", m, s, dp_match(m, s));
	}
}

/* Masks that make a backtracking matcher slow are still answered right. */
static void
test_match_hostile(void **state)
{
	char m[300], s[400];

	(void)state;
	/* "*" + 195 "?" + "x" against 390 characters. */
	memset(s, 'a', 390);
	s[390] = '\0';
	m[0] = '*';
	memset(m + 1, '?', 195);
	strcpy(m + 196, "x");
	assert_false(casemap_match(m, s));
	s[389] = 'x';
	assert_true(casemap_match(m, s));
	/* "*aaaa...ab*" against "aaaa...": every start position is a near miss. */
	memset(m, 'a', 120);
	m[0] = '*';
	strcpy(m + 120, "b*");
	memset(s, 'a', 390);
	s[390] = '\0';
	assert_false(casemap_match(m, s));
	s[300] = 'B';
	assert_true(casemap_match(m, s));
	/* More symbols than the automaton holds: still correct. */
	memset(m, '?', 280);
	strcpy(m + 280, "*b*");
	m[0] = '*';
	assert_true(casemap_match(m, s));
	s[300] = 'a';
	assert_false(casemap_match(m, s));
	/* Alternating wildcards. */
	assert_true(casemap_match("*?*?*?*", "abc"));
	assert_false(casemap_match("*?*?*?*?*", "abc"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_forms),
		cmocka_unit_test(test_normalize_simplifies),
		cmocka_unit_test(test_normalize_hostile),
		cmocka_unit_test(test_normalize_extended),
		cmocka_unit_test(test_simplify),
		cmocka_unit_test(test_match_agrees_with_reference),
		cmocka_unit_test(test_match_long_agrees),
		cmocka_unit_test(test_match_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
