/*
 * server-time timestamps: strict parsing, formatting that agrees with the C
 * library's calendar (gmtime_r) over the whole range, and the clamps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "servertime.h"

/* The reference: the C library's calendar. */
static void
reference(int64_t ms, char out[SERVERTIME_SIZE])
{
	time_t secs = (time_t)(ms / 1000);
	char tmp[64];
	struct tm tm;

	assert_non_null(gmtime_r(&secs, &tm));
	assert_int_equal(snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(ms % 1000)), SERVERTIME_SIZE - 1);
	memcpy(out, tmp, SERVERTIME_SIZE);
}

static void
check(int64_t ms)
{
	char want[SERVERTIME_SIZE], got[SERVERTIME_SIZE];
	int64_t back;

	reference(ms, want);
	servertime_format(ms, got);
	if (strcmp(want, got) != 0)
		fail_msg("%lld: \"%s\", want \"%s\"", (long long)ms, got, want);
	assert_int_equal(servertime_parse(got, &back), 0);
	assert_int_equal(back, ms);
}

static void
test_parse_time(void **state)
{
	static const char *bad[] = {
		"", "*", "2019-01-04T14:33:26.123", "2019-01-04T14:33:26.123z",
		"2019-01-04t14:33:26.123Z", "2019-01-04T14:33:26Z",
		"2019-01-04T14:33:26.1234Z", "2019-01-04T14:33:26.12Z",
		"2019-01-04 14:33:26.123Z", "2019/01/04T14:33:26.123Z",
		"2019-1-04T14:33:26.123ZZ", "+019-01-04T14:33:26.123Z",
		"2019-01-04T14:33:-1.123Z", "2019-01-04T14:33:2a.123Z",
		"1969-12-31T23:59:59.999Z", "2019-00-04T14:33:26.123Z",
		"2019-13-04T14:33:26.123Z", "2019-01-00T14:33:26.123Z",
		"2019-01-32T14:33:26.123Z", "2019-02-29T00:00:00.000Z",
		"1900-02-29T00:00:00.000Z", "2019-04-31T00:00:00.000Z",
		"2019-01-04T24:00:00.000Z", "2019-01-04T14:60:26.123Z",
		"2019-01-04T14:33:60.000Z", "2019-01-04T14:33:26.123Z ",
		"not-a-timestamp",
	};
	static const char *good[] = {
		"1970-01-01T00:00:00.000Z", "2019-01-04T14:33:26.123Z",
		"2020-02-29T23:59:59.999Z", "2000-02-29T12:00:00.001Z",
		"2023-11-14T22:13:20.000Z", "9999-12-31T23:59:59.999Z",
	};
	char out[SERVERTIME_SIZE];
	int64_t ms;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (servertime_parse(bad[i], &ms) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(servertime_parse("1970-01-01T00:00:01.500Z", &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(servertime_parse("2023-11-14T22:13:20.000Z", &ms), 0);
	assert_int_equal(ms, (int64_t)1700000000 * 1000);
	/* Every good timestamp comes back the same from the formatter. */
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(servertime_parse(good[i], &ms), 0);
		servertime_format(ms, out);
		assert_string_equal(out, good[i]);
	}
}

static void
test_format_calendar(void **state)
{
	/* Around the days where a naive calendar goes wrong, in ms. */
	static const int64_t days[] = {
		0, 58, 59, 60, 365, 730, 789, 790, 1095, 1096,         /* 1970-1973 */
		10956, 11016, 11017, 11018, 11322,                     /* 2000 */
		47481, 47540, 47541,                                   /* 2100 */
		2932896,                                               /* 9999-12-31 */
	};
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	(void)state;
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		check(days[i] * 86400000LL);
		check(days[i] * 86400000LL + 86399999);
		if (days[i] > 0)
			check(days[i] * 86400000LL - 1);
	}
	/* Every day of 400 years (one whole cycle of the calendar), at noon. */
	for (int64_t d = 0; d < 146097; d++)
		check(d * 86400000LL + 43200123);
	/* And random instants up to the year 9999 (a fixed xorshift sequence). */
	for (int i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		check((int64_t)(x % 253402300800000ULL));
	}
}

static void
test_format_clamps(void **state)
{
	char out[SERVERTIME_SIZE];

	(void)state;
	servertime_format(-1, out);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	servertime_format(INT64_MIN, out);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	servertime_format(253402300800000LL, out);
	assert_string_equal(out, "9999-12-31T23:59:59.999Z");
	servertime_format(INT64_MAX, out);
	assert_string_equal(out, "9999-12-31T23:59:59.999Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_format_calendar),
		cmocka_unit_test(test_format_clamps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
