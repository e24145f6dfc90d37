/*
 * Unit tests for mode.c: splitting mode strings into single changes, which
 * letters take a parameter when set and when unset, arguments running out,
 * unknown letters, the change limit, and that the letter tables agree with
 * the ISUPPORT strings advertised to clients.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "channel.h"
#include "mode.h"

#define MAXARGS 8
#define MAXOUT  16

struct want_change {
	char         sign;          /* '+' or '-' */
	char         letter;
	enum mode_kind kind;
	const char  *arg;           /* NULL: none */
};

struct parse_case {
	const char  *modestr;
	const char  *args[MAXARGS]; /* NULL-terminated */
	int          max;
	int          n;
	struct want_change want[MAXOUT];
};

static const struct parse_case cases[] = {
	{ "+kl-i", { "key", "10" }, MAXOUT, 3, {
	    { '+', 'k', MODE_KIND_ALWAYS, "key" },
	    { '+', 'l', MODE_KIND_SET, "10" },
	    { '-', 'i', MODE_KIND_FLAG, NULL } } },
	{ "+o-v", { "a", "b" }, MAXOUT, 2, {
	    { '+', 'o', MODE_KIND_PREFIX, "a" },
	    { '-', 'v', MODE_KIND_PREFIX, "b" } } },
	/* A list mode without an argument is a list query. */
	{ "+b", { NULL }, MAXOUT, 1, {
	    { '+', 'b', MODE_KIND_LIST, NULL } } },
	{ "b", { NULL }, MAXOUT, 1, {
	    { '+', 'b', MODE_KIND_LIST, NULL } } },
	{ "+b", { "*!*@host" }, MAXOUT, 1, {
	    { '+', 'b', MODE_KIND_LIST, "*!*@host" } } },
	{ "-e+I", { "m1", "m2" }, MAXOUT, 2, {
	    { '-', 'e', MODE_KIND_LIST, "m1" },
	    { '+', 'I', MODE_KIND_LIST, "m2" } } },
	/* "-l" takes no argument, so the key goes to k. */
	{ "-l+k", { "key" }, MAXOUT, 2, {
	    { '-', 'l', MODE_KIND_SET, NULL },
	    { '+', 'k', MODE_KIND_ALWAYS, "key" } } },
	{ "-l", { "junk" }, MAXOUT, 1, {
	    { '-', 'l', MODE_KIND_SET, NULL } } },
	/* "-k" does take one (RFC 2811 4.2.10: the key being removed). */
	{ "-k", { "key" }, MAXOUT, 1, {
	    { '-', 'k', MODE_KIND_ALWAYS, "key" } } },
	{ "+k-k", { "a", "b" }, MAXOUT, 2, {
	    { '+', 'k', MODE_KIND_ALWAYS, "a" },
	    { '-', 'k', MODE_KIND_ALWAYS, "b" } } },
	/* Unknown letters come back, and consume nothing. */
	{ "+xk", { "key" }, MAXOUT, 2, {
	    { '+', 'x', MODE_KIND_UNKNOWN, NULL },
	    { '+', 'k', MODE_KIND_ALWAYS, "key" } } },
	{ "+Z!1 ", { "a" }, MAXOUT, 4, {
	    { '+', 'Z', MODE_KIND_UNKNOWN, NULL },
	    { '+', '!', MODE_KIND_UNKNOWN, NULL },
	    { '+', '1', MODE_KIND_UNKNOWN, NULL },
	    { '+', ' ', MODE_KIND_UNKNOWN, NULL } } },
	/* Arguments running out leave arg NULL; none are invented. */
	{ "+ov", { "a" }, MAXOUT, 2, {
	    { '+', 'o', MODE_KIND_PREFIX, "a" },
	    { '+', 'v', MODE_KIND_PREFIX, NULL } } },
	{ "+kl", { NULL }, MAXOUT, 2, {
	    { '+', 'k', MODE_KIND_ALWAYS, NULL },
	    { '+', 'l', MODE_KIND_SET, NULL } } },
	{ "+lk", { "5" }, MAXOUT, 2, {
	    { '+', 'l', MODE_KIND_SET, "5" },
	    { '+', 'k', MODE_KIND_ALWAYS, NULL } } },
	/* Flags and a default '+' when no sign is given. */
	{ "i", { NULL }, MAXOUT, 1, {
	    { '+', 'i', MODE_KIND_FLAG, NULL } } },
	{ "+i-i+i", { "x" }, MAXOUT, 3, {
	    { '+', 'i', MODE_KIND_FLAG, NULL },
	    { '-', 'i', MODE_KIND_FLAG, NULL },
	    { '+', 'i', MODE_KIND_FLAG, NULL } } },
	{ "+-+m", { NULL }, MAXOUT, 1, {
	    { '+', 'm', MODE_KIND_FLAG, NULL } } },
	{ "-+-+-", { "x" }, MAXOUT, 0, { { 0, 0, 0, NULL } } },
	{ "", { "x" }, MAXOUT, 0, { { 0, 0, 0, NULL } } },
	/* The limit: later changes are dropped and take no argument. */
	{ "+imnpst", { NULL }, 3, 3, {
	    { '+', 'i', MODE_KIND_FLAG, NULL },
	    { '+', 'm', MODE_KIND_FLAG, NULL },
	    { '+', 'n', MODE_KIND_FLAG, NULL } } },
	{ "+oooooooo", { "a", "b", "c", "d", "e", "f", "g", "h" }, 2, 2, {
	    { '+', 'o', MODE_KIND_PREFIX, "a" },
	    { '+', 'o', MODE_KIND_PREFIX, "b" } } },
	{ "+i", { NULL }, 0, 0, { { 0, 0, 0, NULL } } },
};

static void
check_case(const struct parse_case *c)
{
	char *args[MAXARGS];
	struct mode_change out[MAXOUT + 1];
	int nargs = 0, n;

	while (nargs < MAXARGS && c->args[nargs] != NULL) {
		args[nargs] = (char *)(uintptr_t)c->args[nargs];
		nargs++;
	}
	/* Junk and a guard slot, so unset fields and overruns show. */
	memset(out, 0x5a, sizeof(out));
	n = mode_parse(c->modestr, args, nargs, out, c->max);
	if (n != c->n)
		fail_msg("mode_parse(\"%s\"): %d changes, want %d", c->modestr, n,
		    c->n);
	assert_int_equal(out[c->max < MAXOUT ? c->max : MAXOUT].letter, 0x5a);
	for (int i = 0; i < n; i++) {
		const struct want_change *w = &c->want[i];
		const struct mode_change *g = &out[i];

		if (g->add != (w->sign == '+') || g->letter != w->letter ||
		    g->kind != w->kind)
			fail_msg("mode_parse(\"%s\") #%d: %c%c kind %d, want %c%c "
			    "kind %d", c->modestr, i, g->add ? '+' : '-', g->letter,
			    (int)g->kind, w->sign, w->letter, (int)w->kind);
		if (w->arg == NULL && g->arg != NULL)
			fail_msg("mode_parse(\"%s\") #%d: arg \"%s\", want none",
			    c->modestr, i, g->arg);
		if (w->arg != NULL &&
		    (g->arg == NULL || strcmp(g->arg, w->arg) != 0))
			fail_msg("mode_parse(\"%s\") #%d: arg \"%s\", want \"%s\"",
			    c->modestr, i, g->arg ? g->arg : "(null)", w->arg);
		/* Arguments are borrowed, not copied. */
		if (g->arg != NULL) {
			bool borrowed = false;

			for (int k = 0; k < nargs; k++)
				borrowed |= g->arg == args[k];
			assert_true(borrowed);
		}
	}
}

static void
test_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

static void
test_kinds_match_isupport(void **state)
{
	static const enum mode_kind group_kind[] = {
		MODE_KIND_LIST, MODE_KIND_ALWAYS, MODE_KIND_SET, MODE_KIND_FLAG,
	};
	const char *p = MODE_CHANMODES;
	size_t group = 0;

	(void)state;
	/* CHANMODES=A,B,C,D: each letter's kind is the group it is listed in. */
	for (; *p; p++) {
		if (*p == ',') {
			group++;
			continue;
		}
		assert_true(group < 4);
		if (mode_channel_kind(*p) != group_kind[group])
			fail_msg("'%c' in CHANMODES group %zu has kind %d", *p,
			    group, (int)mode_channel_kind(*p));
	}
	assert_int_equal(group, 3);
	/* PREFIX=(ov)@+ */
	assert_int_equal(mode_channel_kind('o'), MODE_KIND_PREFIX);
	assert_int_equal(mode_channel_kind('v'), MODE_KIND_PREFIX);
}

static void
test_kinds_match_letter_lists(void **state)
{
	(void)state;
	for (int i = 1; i < 256; i++) {
		char c = (char)i;
		enum mode_kind kind = mode_channel_kind(c);
		bool known = strchr(MODE_CHANNEL_LETTERS, c) != NULL;
		bool param = strchr(MODE_CHANNEL_PARAM_LETTERS, c) != NULL;

		/* RPL_MYINFO lists exactly the letters the parser knows... */
		if (known != (kind != MODE_KIND_UNKNOWN))
			fail_msg("letter 0x%02x: listed %d, kind %d", i, known,
			    (int)kind);
		/* ...and, of those, the ones that can take a parameter. */
		if (known && param != (kind != MODE_KIND_FLAG))
			fail_msg("letter '%c': param-listed %d, kind %d", c, param,
			    (int)kind);
	}
}

static int flushes;

static void
count_flush(void *ud, struct mode_result *r)
{
	(void)ud;
	assert_true(r->nmodes > 0);
	flushes++;
}

/*
 * The collector keeps nicks for users and UIDs for links, and flushes
 * before a change that would not fit in room.
 */
static void
test_result_wire_and_flush(void **state)
{
	struct mode_result r = { .room = 30, .flush = count_flush };

	(void)state;
	flushes = 0;
	mode_result_add(&r, true, 'o', "al", "1AAAAAAAB");
	mode_result_add(&r, true, 'm', NULL, NULL);
	mode_result_add(&r, false, 'b', "x!*@*", NULL);
	assert_string_equal(r.modes, "+om-b");
	assert_string_equal(r.args, " al x!*@*");
	assert_string_equal(r.wire, " 1AAAAAAAB x!*@*");
	assert_int_equal(flushes, 0);
	/* The UIDs count: 5 modes + 16 wire + 12 for the change > 30. */
	mode_result_add(&r, true, 'v', "bo", "1AAAAAAAC");
	assert_int_equal(flushes, 1);
	assert_string_equal(r.modes, "+v");
	assert_string_equal(r.wire, " 1AAAAAAAC");
	mode_result_reset(&r);
	assert_string_equal(r.modes, "");
	assert_int_equal(r.nwire, 0);
}

/* Flags, key and limit change the channel and say so only when they do. */
static void
test_apply_simple_modes(void **state)
{
	struct channel chan = { .modes = 0 };
	struct mode_result r = { .sign = 0 };
	char s[64];
	unsigned v = 0;

	(void)state;
	mode_apply_flag(&chan, true, 'm', &r);
	mode_apply_flag(&chan, true, 'm', &r);
	mode_apply_flag(&chan, true, 'X', &r);
	mode_apply_key(&chan, "s3cret", &r);
	mode_apply_key(&chan, "s3cret", &r);
	assert_true(mode_limit_parse("10", &v));
	mode_apply_limit(&chan, v, &r);
	assert_string_equal(r.modes, "+mkl");
	assert_string_equal(r.args, " s3cret 10");
	mode_channel_string(&chan, true, s, sizeof(s));
	assert_string_equal(s, "+mkl s3cret 10");
	mode_channel_string(&chan, false, s, sizeof(s));
	assert_string_equal(s, "+mkl 10");
	mode_result_reset(&r);
	mode_apply_key(&chan, NULL, &r);
	mode_apply_limit(&chan, 0, &r);
	mode_apply_flag(&chan, false, 'm', &r);
	assert_string_equal(r.modes, "-klm");
	assert_string_equal(r.args, " *");
	assert_false(mode_limit_parse("0", &v));
	assert_false(mode_limit_parse("5x", &v));
	assert_false(mode_limit_parse("1000001", &v));
	assert_false(mode_key_is_valid("a b"));
	assert_false(mode_key_is_valid(""));
	assert_true(mode_key_is_valid("k"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_kinds_match_isupport),
		cmocka_unit_test(test_kinds_match_letter_lists),
		cmocka_unit_test(test_result_wire_and_flush),
		cmocka_unit_test(test_apply_simple_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
