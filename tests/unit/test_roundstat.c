/*
 * Work time of the loop's rounds (roundstat.c): histogram buckets at their
 * bounds, totals, the maximum since start and the one since the last look.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "roundstat.h"

static void
test_buckets(void **state)
{
	(void)state;
	assert_int_equal(roundstat_bucket(0), 0);
	assert_int_equal(roundstat_bucket(50000), 0);          /* 50 us: <= 50 us */
	assert_int_equal(roundstat_bucket(50001), 1);
	assert_int_equal(roundstat_bucket(5000000), 6);        /* 5 ms: <= 5000 us */
	assert_int_equal(roundstat_bucket(5000001), 7);
	assert_int_equal(roundstat_bucket(50000000), ROUNDSTAT_BUCKETS - 2);
	assert_int_equal(roundstat_bucket(INT64_MAX), ROUNDSTAT_BUCKETS - 1);
	/* The bounds rise. */
	for (size_t i = 1; i < ROUNDSTAT_BUCKETS - 1; i++)
		assert_true(roundstat_bucket_us[i] > roundstat_bucket_us[i - 1]);
}

static void
test_note_and_recent(void **state)
{
	struct roundstat rs;
	int64_t wall, cpu;

	(void)state;
	memset(&rs, 0, sizeof(rs));
	roundstat_note(&rs, 3000000, 1000000);
	roundstat_note(&rs, 1000000, 2000000);
	roundstat_note(&rs, -5, -5);            /* a clock step back counts as 0 */
	assert_int_equal(rs.rounds, 3);
	assert_int_equal(rs.wall.total_ns, 4000000);
	assert_int_equal(rs.cpu.total_ns, 3000000);
	assert_int_equal(rs.wall.max_ns, 3000000);
	assert_int_equal(rs.cpu.max_ns, 2000000);
	assert_int_equal(rs.wall.hist[0], 1);
	assert_int_equal(rs.wall.hist[roundstat_bucket(3000000)], 1);
	roundstat_take_recent(&rs, &wall, &cpu);
	assert_int_equal(wall, 3000000);
	assert_int_equal(cpu, 2000000);
	/* A new period: only what came since; the maximum since start stays. */
	roundstat_note(&rs, 200, 100);
	roundstat_take_recent(&rs, &wall, &cpu);
	assert_int_equal(wall, 200);
	assert_int_equal(cpu, 100);
	assert_int_equal(rs.wall.max_ns, 3000000);
	roundstat_take_recent(&rs, &wall, &cpu);
	assert_int_equal(wall, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_note_and_recent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
