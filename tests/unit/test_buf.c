/*
 * Unit tests for buf.c: appending under a limit, consuming, reserve/commit,
 * compaction against a reference model, and splitting received bytes into
 * lines, including hostile input (over-long and endless lines, NUL bytes,
 * bytes arriving one at a time).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "irc.h"

static void
test_append_consume(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_null(b.data);
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(buf_append(&b, "hello", 5), 0);
	assert_int_equal(buf_append(&b, " world", 6), 0);
	assert_int_equal(buf_len(&b), 11);
	assert_memory_equal(buf_data(&b), "hello world", 11);
	buf_consume(&b, 6);
	assert_int_equal(buf_len(&b), 5);
	assert_memory_equal(buf_data(&b), "world", 5);
	/* The caller keeps its memory: appending copies. */
	{
		char tmp[4] = "abc";

		assert_int_equal(buf_append(&b, tmp, 3), 0);
		tmp[0] = 'X';
		assert_memory_equal(buf_data(&b), "worldabc", 8);
	}
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(buf_len(&b), 0);
}

static void
test_append_empty_allocates_nothing(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, "x", 0), 0);
	assert_null(b.data);
	assert_int_equal(buf_len(&b), 0);
}

static void
test_storage_released_when_empty(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, "abcdef", 6), 0);
	assert_non_null(b.data);
	buf_consume(&b, 2);
	assert_non_null(b.data);
	buf_consume(&b, 4);
	/* Small storage is kept, rewound, for the next message. */
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(b.start, 0);
	assert_true(b.cap > 0 && b.cap <= 1024);
	assert_int_equal(buf_append(&b, "again", 5), 0);
	assert_memory_equal(buf_data(&b), "again", 5);
	buf_consume(&b, 5);
	/* Large storage (a welcome burst) is released: idle clients hold none. */
	{
		char big[2000];

		memset(big, 'x', sizeof(big));
		assert_int_equal(buf_append(&b, big, sizeof(big)), 0);
		assert_true(b.cap > 1024);
		buf_consume(&b, sizeof(big));
		assert_null(b.data);
		assert_int_equal(b.cap, 0);
		assert_int_equal(buf_len(&b), 0);
	}
	/* And the buffer is reusable afterwards. */
	assert_int_equal(buf_append(&b, "again", 5), 0);
	assert_memory_equal(buf_data(&b), "again", 5);
	buf_free(&b);
}

/*
 * A fill after a released one starts at the size that one reached (a
 * send queue refilled each round takes one allocation, not a chain of
 * reallocs), at most 16 KiB; a small fill brings the hint back down.
 */
static void
test_refill_starts_at_last_size(void **state)
{
	static const struct {
		size_t fill, want_cap;
	} cases[] = {
		{ 3000, 4096 }, { 1500, 2048 }, { 100000, 16384 }, { 4096, 4096 },
		{ 1025, 2048 },
	};
	static char big[100000];
	struct buf b;

	(void)state;
	memset(big, 'x', sizeof(big));
	buf_init(&b, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(buf_append(&b, big, cases[i].fill), 0);
		buf_consume(&b, cases[i].fill);
		assert_null(b.data);
		assert_int_equal(buf_append(&b, "a", 1), 0);
		assert_int_equal(b.cap, cases[i].want_cap);
		assert_memory_equal(buf_data(&b), "a", 1);
		buf_consume(&b, 1);
		buf_free(&b);
	}
	buf_free(&b);
}

struct limit_case {
	size_t       limit;
	size_t       held;          /* bytes appended first (must fit) */
	size_t       n;             /* then this many */
	int          want;
};

static void
test_append_limit(void **state)
{
	static const struct limit_case cases[] = {
		{ 10, 0, 10, 0 },               /* exactly the limit */
		{ 10, 0, 11, -1 },
		{ 10, 10, 1, -1 },              /* full */
		{ 10, 8, 2, 0 },
		{ 10, 8, 3, -1 },               /* no partial append */
		{ 10, 0, SIZE_MAX, -1 },        /* no overflow in the check */
		{ 10, 5, SIZE_MAX - 2, -1 },
		{ 0, 1000, 5000, 0 },           /* 0: unlimited */
	};
	static char src[8192];

	(void)state;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (char)('a' + i % 26);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct limit_case *c = &cases[i];
		struct buf b;

		buf_init(&b, c->limit);
		assert_int_equal(buf_append(&b, src, c->held), 0);
		/* A huge n must be refused by the limit check, before any copy. */
		assert_int_equal(buf_append(&b, src, c->n), c->want);
		if (c->want == 0) {
			assert_int_equal(buf_len(&b), c->held + c->n);
			assert_memory_equal(buf_data(&b) + c->held, src, c->n);
		} else {
			/* Nothing appended: contents unchanged. */
			assert_int_equal(buf_len(&b), c->held);
			if (c->held > 0)
				assert_memory_equal(buf_data(&b), src, c->held);
		}
		buf_free(&b);
	}
}

static void
test_limit_counts_held_bytes(void **state)
{
	struct buf b;

	(void)state;
	/* The limit bounds what is held, not what ever passed through. */
	buf_init(&b, 8);
	assert_int_equal(buf_append(&b, "12345678", 8), 0);
	assert_int_equal(buf_append(&b, "9", 1), -1);
	buf_consume(&b, 5);
	assert_int_equal(buf_append(&b, "abcde", 5), 0);
	assert_int_equal(buf_len(&b), 8);
	assert_memory_equal(buf_data(&b), "678abcde", 8);
	assert_int_equal(buf_append(&b, "f", 1), -1);
	buf_free(&b);
}

static void
test_reserve_commit(void **state)
{
	struct buf b;
	size_t avail = 0;
	char *p;

	(void)state;
	buf_init(&b, 0);
	p = buf_reserve(&b, 100, &avail);
	assert_non_null(p);
	assert_true(avail >= 100);
	memcpy(p, "0123456789", 10);
	buf_commit(&b, 10);
	assert_int_equal(buf_len(&b), 10);
	assert_memory_equal(buf_data(&b), "0123456789", 10);
	buf_consume(&b, 4);
	p = buf_reserve(&b, 3, &avail);
	assert_non_null(p);
	assert_true(avail >= 3);
	memcpy(p, "abc", 3);
	buf_commit(&b, 3);
	assert_memory_equal(buf_data(&b), "456789abc", 9);
	buf_free(&b);

	/* A read of 0 bytes into a read-sized reservation leaves no storage. */
	buf_init(&b, 0);
	assert_non_null(buf_reserve(&b, 16384, &avail));
	buf_commit(&b, 0);
	assert_null(b.data);
	assert_int_equal(buf_len(&b), 0);
}

static void
test_reserve_respects_limit(void **state)
{
	struct buf b;
	size_t avail = 0;
	char *p;

	(void)state;
	buf_init(&b, 50);
	p = buf_reserve(&b, 1000, &avail);
	assert_non_null(p);
	/* A read() into the space can never take the buffer past its limit. */
	assert_int_equal(avail, 50);
	memset(p, 'x', 20);
	buf_commit(&b, 20);
	p = buf_reserve(&b, 1000, &avail);
	assert_non_null(p);
	assert_int_equal(avail, 30);
	memset(p, 'y', 30);
	buf_commit(&b, 30);
	assert_int_equal(buf_len(&b), 50);
	/* Full: no space at all. */
	assert_null(buf_reserve(&b, 1, &avail));
	buf_consume(&b, 10);
	p = buf_reserve(&b, 1000, &avail);
	assert_non_null(p);
	assert_int_equal(avail, 10);
	assert_memory_equal(buf_data(&b), "xxxxxxxxxx", 10);
	assert_memory_equal(buf_data(&b) + 10, "yyyyyyyyyy", 10);
	buf_free(&b);
}

static void
test_compaction_keeps_bytes(void **state)
{
	struct buf b;
	char in[256], want[256];
	size_t cap;

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)i;
	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, in, 200), 0);
	cap = b.cap;
	buf_consume(&b, 150);
	/*
	 * 50 bytes held; 150 more fit in the capacity only if the unread
	 * bytes are moved to the front instead of growing.
	 */
	assert_true(cap >= 200);
	assert_int_equal(buf_append(&b, in, cap - 50), 0);
	assert_int_equal(b.cap, cap);
	assert_int_equal(buf_len(&b), cap);
	memcpy(want, in + 150, 50);
	memcpy(want + 50, in, cap - 50);
	assert_memory_equal(buf_data(&b), want, cap);
	buf_free(&b);
}

/* Small deterministic PRNG so failures reproduce. */
static uint32_t
xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
test_random_against_model(void **state)
{
	enum { MODEL = 1 << 16 };
	static char model[MODEL], chunk[3000];
	size_t mstart = 0, mend = 0;
	uint32_t seed = 12345;
	struct buf b;

	(void)state;
	buf_init(&b, 20000);
	for (int op = 0; op < 20000; op++) {
		uint32_t r = xorshift(&seed);
		size_t len = mend - mstart;

		if (r % 3 != 0) {
			size_t n = xorshift(&seed) % sizeof(chunk);
			int want = len + n > 20000 ? -1 : 0;

			for (size_t i = 0; i < n; i++)
				chunk[i] = (char)xorshift(&seed);
			assert_int_equal(buf_append(&b, chunk, n), want);
			if (want == 0) {
				/* Keep the model's bytes contiguous. */
				if (mend + n > MODEL) {
					memmove(model, model + mstart, len);
					mstart = 0;
					mend = len;
				}
				memcpy(model + mend, chunk, n);
				mend += n;
			}
		} else if (len > 0) {
			size_t n = 1 + xorshift(&seed) % len;

			buf_consume(&b, n);
			mstart += n;
		}
		len = mend - mstart;
		assert_int_equal(buf_len(&b), len);
		if (len > 0)
			assert_memory_equal(buf_data(&b), model + mstart, len);
		else
			assert_null(b.data);
	}
	buf_free(&b);
}

/*
 * Line splitting. Each case feeds chunks one buf_append() at a time and
 * takes every line after each; the events are joined with '|', a dropped
 * over-long line showing as "<TOOLONG>".
 */
#define MAXCHUNKS 8

struct line_case {
	const char  *name;
	size_t       max;
	const char  *chunks[MAXCHUNKS];
	const char  *want;
};

static void
take_all(struct buf *b, size_t max, char *events, size_t evsz)
{
	enum buf_line r;
	char *line;
	size_t len;

	while ((r = buf_take_line(b, max, &line, &len)) != BUF_LINE_NONE) {
		size_t used = strlen(events);

		if (r == BUF_LINE_TOOLONG) {
			snprintf(events + used, evsz - used, "%s<TOOLONG>",
			    used ? "|" : "");
			continue;
		}
		assert_int_equal(r, BUF_LINE_OK);
		assert_true(len > 0 && len <= max);
		/* The terminator became NUL so the line parses in place. */
		assert_int_equal(line[len], '\0');
		assert_null(memchr(line, '\r', len));
		assert_null(memchr(line, '\n', len));
		snprintf(events + used, evsz - used, "%s%.*s", used ? "|" : "",
		    (int)len, line);
	}
}

static void
test_take_line_table(void **state)
{
	static const struct line_case cases[] = {
		{ "crlf", 64, { "abc\r\n" }, "abc" },
		{ "lf", 64, { "abc\n" }, "abc" },
		{ "bare cr", 64, { "abc\rdef\r" }, "abc|def" },
		{ "mixed terminators", 64, { "a\r\nb\nc\rd\r\n" }, "a|b|c|d" },
		{ "empty lines skipped", 64, { "\r\n\r\n\n\n\rabc\r\n\r\n\n" },
		    "abc" },
		{ "only terminators", 64, { "\r\n", "\n", "\r", "\r\n" }, "" },
		{ "no terminator yet", 64, { "abc" }, "" },
		{ "line across appends", 64, { "PRI", "VMSG #a", " :hi", "\r\n" },
		    "PRIVMSG #a :hi" },
		{ "crlf split", 64, { "abc\r", "\ndef\r\n" }, "abc|def" },
		{ "spaces kept", 64, { "  x  \r\n" }, "  x  " },
		{ "exactly max", 8, { "12345678\r\n" }, "12345678" },
		{ "exactly max in parts", 8, { "1234", "5678", "\n" }, "12345678" },
		{ "max then terminator later", 8, { "12345678", "\r\nok\r\n" },
		    "12345678|ok" },
		{ "max+1 with terminator", 8, { "123456789\r\nok\r\n" },
		    "<TOOLONG>|ok" },
		{ "max+1 terminator later", 8, { "123456789", "\r\nok\n" },
		    "<TOOLONG>|ok" },
		{ "max grows to max+1", 8, { "12345678", "9\nok\n" },
		    "<TOOLONG>|ok" },
		{ "long line reported once", 8,
		    { "1234567890", "xxxxxxxxxxxxxxxx", "yyy", "zz\r", "\nok\n" },
		    "<TOOLONG>|ok" },
		{ "two long lines", 8, { "123456789012\nabcdefghijk\nok\n" },
		    "<TOOLONG>|<TOOLONG>|ok" },
		{ "good, long, good", 8, { "ok1\r\n12345678901234", "567\nok2\n" },
		    "ok1|<TOOLONG>|ok2" },
		{ "long line ends in bare cr", 8, { "123456789012", "\rok\r" },
		    "<TOOLONG>|ok" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct line_case *c = &cases[i];
		char events[512] = "";
		struct buf b;

		buf_init(&b, 0);
		for (size_t k = 0; k < MAXCHUNKS && c->chunks[k]; k++) {
			assert_int_equal(buf_append(&b, c->chunks[k],
			    strlen(c->chunks[k])), 0);
			take_all(&b, c->max, events, sizeof(events));
		}
		if (strcmp(events, c->want) != 0)
			fail_msg("case \"%s\": got \"%s\", want \"%s\"", c->name,
			    events, c->want);
		buf_free(&b);
	}
}

static void
test_take_line_byte_at_a_time(void **state)
{
	static const char in[] =
	    "NICK alice\r\nUSER a 0 * :Alice A\r\n\r\n"
	    "PRIVMSG #c :hi there\nPING x\r";
	char events[256] = "";
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	for (size_t i = 0; i < sizeof(in) - 1; i++) {
		assert_int_equal(buf_append(&b, in + i, 1), 0);
		take_all(&b, IRC_RECV_LINE_MAX, events, sizeof(events));
	}
	assert_string_equal(events,
	    "NICK alice|USER a 0 * :Alice A|PRIVMSG #c :hi there|PING x");
	/* Everything was consumed: at most a small block is kept. */
	assert_int_equal(buf_len(&b), 0);
	assert_true(b.data == NULL || b.cap <= 1024);
	buf_free(&b);
}

static void
test_take_line_leaves_partial(void **state)
{
	char events[64] = "";
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, "abc\r\nde", 7), 0);
	take_all(&b, 64, events, sizeof(events));
	assert_string_equal(events, "abc");
	/* The unfinished "de" waits for the rest. */
	assert_int_equal(buf_len(&b), 2);
	assert_memory_equal(buf_data(&b), "de", 2);
	assert_int_equal(buf_append(&b, "f\n", 2), 0);
	take_all(&b, 64, events, sizeof(events));
	assert_string_equal(events, "abc|def");
	buf_free(&b);

	/* Consuming part of a pending line must not hide its end later. */
	events[0] = '\0';
	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, "xxabcdef", 8), 0);
	take_all(&b, 64, events, sizeof(events));
	assert_string_equal(events, "");
	buf_consume(&b, 2);
	assert_int_equal(buf_append(&b, "\n", 1), 0);
	take_all(&b, 64, events, sizeof(events));
	assert_string_equal(events, "abcdef");
	buf_free(&b);
}

/*
 * A read reserves a large chunk; the partial line it leaves moves to small
 * storage (so a connection idle mid-line holds 256 bytes, not 16 KiB) and
 * still completes, scan position and all, when its end comes.
 */
static void
test_shrink_keeps_partial_line(void **state)
{
	char events[64] = "";
	size_t avail;
	char *p;
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_non_null(p = buf_reserve(&b, 16384, &avail));
	assert_true(avail >= 16384);
	memcpy(p, "one\r\ntw", 7);
	buf_commit(&b, 7);
	take_all(&b, 64, events, sizeof(events));
	assert_string_equal(events, "one");
	assert_true(b.cap >= 16384);
	buf_shrink(&b);
	assert_int_equal(b.cap, 256);
	assert_int_equal(buf_len(&b), 2);
	assert_memory_equal(buf_data(&b), "tw", 2);
	assert_int_equal(buf_append(&b, "o\n", 2), 0);
	take_all(&b, 64, events, sizeof(events));
	assert_string_equal(events, "one|two");
	/* Small storage, or more than a few bytes, stays as it is. */
	assert_int_equal(buf_append(&b, "x", 1), 0);
	p = b.data;
	buf_shrink(&b);
	assert_ptr_equal(b.data, p);
	/* Emptied, the small storage goes too (an idle client keeps none). */
	assert_int_equal(buf_append(&b, "\n", 1), 0);
	take_all(&b, 64, events, sizeof(events));
	assert_string_equal(events, "one|two|x");
	assert_int_equal(buf_len(&b), 0);
	assert_ptr_equal(b.data, p);
	buf_shrink(&b);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
	buf_free(&b);
}

static void
test_take_line_embedded_nul(void **state)
{
	static const char in[] = "a\0b\r\nc\n";
	struct buf b;
	char *line;
	size_t len;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, in, sizeof(in) - 1), 0);
	/* A NUL does not end the line; the length tells the truth. */
	assert_int_equal(buf_take_line(&b, 64, &line, &len), BUF_LINE_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(line, "a\0b", 3);
	assert_int_equal(buf_take_line(&b, 64, &line, &len), BUF_LINE_OK);
	assert_int_equal(len, 1);
	assert_string_equal(line, "c");
	assert_int_equal(buf_take_line(&b, 64, &line, &len), BUF_LINE_NONE);
	buf_free(&b);
}

static void
test_take_line_endless(void **state)
{
	enum { CHUNK = 100, ROUNDS = 10000 };
	const size_t max = IRC_RECV_LINE_MAX;
	const char *rest = "tail\r\nNICK ok\r\nPING :x y\r\n";
	char chunk[CHUNK], events[256] = "";
	size_t toolong = 0, peak = 0;
	enum buf_line r;
	struct buf b;
	char *line;
	size_t len;

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	buf_init(&b, 0);
	/* A megabyte with no line end must not be held in memory. */
	for (int i = 0; i < ROUNDS; i++) {
		assert_int_equal(buf_append(&b, chunk, sizeof(chunk)), 0);
		if (buf_len(&b) > peak)
			peak = buf_len(&b);
		while ((r = buf_take_line(&b, max, &line, &len)) !=
		    BUF_LINE_NONE) {
			assert_int_equal(r, BUF_LINE_TOOLONG);
			toolong++;
		}
		assert_true(buf_len(&b) <= max);
	}
	assert_true(peak <= max + CHUNK);
	assert_true(b.cap <= 2 * (max + CHUNK));
	assert_int_equal(toolong, 1);
	/* The rest of the long line is dropped; what follows is intact. */
	assert_int_equal(buf_append(&b, rest, strlen(rest)), 0);
	take_all(&b, max, events, sizeof(events));
	assert_string_equal(events, "NICK ok|PING :x y");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_consume),
		cmocka_unit_test(test_append_empty_allocates_nothing),
		cmocka_unit_test(test_storage_released_when_empty),
		cmocka_unit_test(test_refill_starts_at_last_size),
		cmocka_unit_test(test_append_limit),
		cmocka_unit_test(test_limit_counts_held_bytes),
		cmocka_unit_test(test_reserve_commit),
		cmocka_unit_test(test_reserve_respects_limit),
		cmocka_unit_test(test_compaction_keeps_bytes),
		cmocka_unit_test(test_random_against_model),
		cmocka_unit_test(test_take_line_table),
		cmocka_unit_test(test_take_line_byte_at_a_time),
		cmocka_unit_test(test_take_line_leaves_partial),
		cmocka_unit_test(test_shrink_keeps_partial_line),
		cmocka_unit_test(test_take_line_embedded_nul),
		cmocka_unit_test(test_take_line_endless),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
