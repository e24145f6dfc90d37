/*
 * Per-IP admission (limit.c): connections at once, connections a minute,
 * release, independence of addresses, and entries going away when idle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "limit.h"

static void
test_max_per_ip(void **state)
{
	struct limits *l = limits_new();

	(void)state;
	assert_non_null(l);
	assert_null(limits_admit(l, "10.0.0.1", 2, 0, 0));
	assert_null(limits_admit(l, "10.0.0.1", 2, 0, 0));
	assert_string_equal(limits_admit(l, "10.0.0.1", 2, 0, 0),
	    "Too many connections from your host");
	/* Another address is counted on its own. */
	assert_null(limits_admit(l, "10.0.0.2", 2, 0, 0));
	limits_release(l, "10.0.0.1", 0);
	assert_null(limits_admit(l, "10.0.0.1", 2, 0, 0));
	/* 0 means no limit. */
	for (int i = 0; i < 100; i++)
		assert_null(limits_admit(l, "10.0.0.3", 0, 0, 0));
	limits_free(l);
}

static void
test_connect_rate(void **state)
{
	struct limits *l = limits_new();

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_null(limits_admit(l, "10.0.0.1", 0, 3, 1000));
		limits_release(l, "10.0.0.1", 1000);
	}
	assert_string_equal(limits_admit(l, "10.0.0.1", 0, 3, 30000),
	    "Connecting too fast from your host, try again in a minute");
	/* A minute after the window opened, connections are welcome again. */
	assert_null(limits_admit(l, "10.0.0.1", 0, 3, 61000));
	limits_free(l);
}

static void
test_many_addresses(void **state)
{
	struct limits *l = limits_new();
	char ip[32];

	(void)state;
	/* More addresses than the sweep threshold, all released and idle. */
	for (int i = 0; i < 10000; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		assert_null(limits_admit(l, ip, 1, 1, (int64_t)i));
		limits_release(l, ip, (int64_t)i);
	}
	/* Much later, old addresses are forgotten: the rate window restarts. */
	for (int i = 0; i < 10000; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		assert_null(limits_admit(l, ip, 1, 1, 1000000 + (int64_t)i));
	}
	limits_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_per_ip),
		cmocka_unit_test(test_connect_rate),
		cmocka_unit_test(test_many_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
