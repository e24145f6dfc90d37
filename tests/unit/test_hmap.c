/*
 * Unit tests for hmap.c: case-insensitive put/get/del, replacement,
 * growth, and backward-shift deletion checked against a plain reference
 * array, using keys chosen to collide in the same home slot (including
 * runs that wrap around the end of the table).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "casemap.h"
#include "hmap.h"

#define KEYSZ 24

/* Small deterministic PRNG so failures reproduce. */
static uint32_t
xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* The upper-case (rfc1459) spelling of s, to look keys up differently. */
static void
upper(char *dst, const char *src, size_t dstsz)
{
	size_t i = 0;

	for (; src[i] && i + 1 < dstsz; i++) {
		char c = src[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		else if (c == '{' || c == '}' || c == '|')
			c = (char)(c - 32);
		else if (c == '^')
			c = '~';
		dst[i] = c;
	}
	dst[i] = '\0';
}

static void
test_basic(void **state)
{
	struct hmap *m = hmap_new();
	int a = 1, b = 2;

	(void)state;
	assert_non_null(m);
	assert_int_equal(hmap_count(m), 0);
	assert_null(hmap_get(m, "nick"));
	assert_null(hmap_del(m, "nick"));
	assert_int_equal(hmap_put(m, "Nick", &a), 0);
	assert_int_equal(hmap_put(m, "#Chan[x]", &b), 0);
	assert_int_equal(hmap_count(m), 2);
	assert_ptr_equal(hmap_get(m, "Nick"), &a);
	assert_ptr_equal(hmap_get(m, "nick"), &a);
	assert_ptr_equal(hmap_get(m, "NICK"), &a);
	assert_ptr_equal(hmap_get(m, "#chan{X}"), &b);
	assert_ptr_equal(hmap_get(m, "#CHAN[x]"), &b);
	assert_null(hmap_get(m, "nick_"));
	assert_null(hmap_get(m, "nic"));
	assert_null(hmap_get(m, ""));
	assert_ptr_equal(hmap_del(m, "nICK"), &a);
	assert_int_equal(hmap_count(m), 1);
	assert_null(hmap_get(m, "nick"));
	assert_null(hmap_del(m, "nick"));
	assert_int_equal(hmap_count(m), 1);
	assert_ptr_equal(hmap_get(m, "#chan[x]"), &b);
	hmap_free(m);
	hmap_free(NULL);
}

static void
test_replace(void **state)
{
	static const char k1[] = "alice", k2[] = "ALICE";
	struct hmap *m = hmap_new();
	int a = 1, b = 2;
	const char *key = NULL;
	size_t it = 0;

	(void)state;
	assert_non_null(m);
	assert_int_equal(hmap_put(m, k1, &a), 0);
	assert_int_equal(hmap_put(m, k2, &b), 0);
	assert_int_equal(hmap_count(m), 1);
	assert_ptr_equal(hmap_get(m, "Alice"), &b);
	/*
	 * The map keeps the key it was last given: a registry that renames
	 * "alice" to "ALICE" frees the old spelling's storage.
	 */
	assert_ptr_equal(hmap_next(m, &it, &key), &b);
	assert_ptr_equal(key, k2);
	assert_null(hmap_next(m, &it, &key));
	hmap_free(m);
}

static void
test_many_keys(void **state)
{
	enum { N = 10000 };
	char (*keys)[KEYSZ] = calloc(N, KEYSZ);
	int *vals = calloc(N, sizeof(*vals));
	struct hmap *m = hmap_new();
	char up[KEYSZ];

	(void)state;
	assert_non_null(keys);
	assert_non_null(vals);
	assert_non_null(m);
	for (int i = 0; i < N; i++) {
		snprintf(keys[i], KEYSZ, "user[%d]^x", i);
		assert_int_equal(hmap_put(m, keys[i], &vals[i]), 0);
		assert_int_equal(hmap_count(m), (size_t)i + 1);
	}
	for (int i = 0; i < N; i++) {
		upper(up, keys[i], sizeof(up));
		assert_ptr_equal(hmap_get(m, up), &vals[i]);
	}
	/* Delete every other key, looked up by its other spelling. */
	for (int i = 0; i < N; i += 2) {
		upper(up, keys[i], sizeof(up));
		assert_ptr_equal(hmap_del(m, up), &vals[i]);
	}
	assert_int_equal(hmap_count(m), N / 2);
	for (int i = 0; i < N; i++) {
		if (i % 2)
			assert_ptr_equal(hmap_get(m, keys[i]), &vals[i]);
		else
			assert_null(hmap_get(m, keys[i]));
	}
	/* Put them back and delete the other half. */
	for (int i = 0; i < N; i += 2)
		assert_int_equal(hmap_put(m, keys[i], &vals[i]), 0);
	for (int i = 1; i < N; i += 2)
		assert_ptr_equal(hmap_del(m, keys[i]), &vals[i]);
	assert_int_equal(hmap_count(m), N / 2);
	for (int i = 0; i < N; i++) {
		if (i % 2)
			assert_null(hmap_get(m, keys[i]));
		else
			assert_ptr_equal(hmap_get(m, keys[i]), &vals[i]);
	}
	hmap_free(m);
	free(keys);
	free(vals);
}

/*
 * Find n distinct keys whose hash has the given low bits under mask, so
 * they share a home slot in every table of up to mask + 1 slots.
 */
static void
find_colliding(char (*out)[KEYSZ], size_t n, uint32_t mask, uint32_t home,
    unsigned *counter)
{
	size_t found = 0;

	while (found < n) {
		char k[KEYSZ];

		snprintf(k, sizeof(k), "Key%u", (*counter)++);
		if ((casemap_hash(k) & mask) == home)
			memcpy(out[found++], k, KEYSZ);
	}
}

/* Every key's presence in m must match present[]. */
static void
check_all(const struct hmap *m, char (*keys)[KEYSZ], const bool *present,
    int *vals, size_t n)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		char up[KEYSZ];
		void *got;

		upper(up, keys[i], sizeof(up));
		got = hmap_get(m, up);
		if (present[i]) {
			count++;
			if (got != &vals[i])
				fail_msg("key %s lost", keys[i]);
		} else if (got != NULL) {
			fail_msg("deleted key %s still found", keys[i]);
		}
	}
	assert_int_equal(hmap_count(m), count);
}

/* Random puts and deletes on pool, checking every key after every step. */
static void
churn(char (*keys)[KEYSZ], size_t n, int ops, uint32_t seed)
{
	bool *present = calloc(n, sizeof(*present));
	int *vals = calloc(n, sizeof(*vals));
	struct hmap *m = hmap_new();

	assert_non_null(present);
	assert_non_null(vals);
	assert_non_null(m);
	for (int op = 0; op < ops; op++) {
		size_t i = xorshift(&seed) % n;

		if (present[i]) {
			assert_ptr_equal(hmap_del(m, keys[i]), &vals[i]);
			present[i] = false;
		} else {
			assert_int_equal(hmap_put(m, keys[i], &vals[i]), 0);
			present[i] = true;
		}
		check_all(m, keys, present, vals, n);
	}
	hmap_free(m);
	free(present);
	free(vals);
}

static void
test_collisions_wrap_small(void **state)
{
	/*
	 * 12 keys stay in the initial table of 16 (it grows past 3/4 full):
	 * three each with home 14, 15, 0 and 1, so every run crosses the end
	 * of the table, and deletion has to shift entries back across it.
	 */
	static const uint32_t homes[] = { 14, 15, 0, 1 };
	char keys[12][KEYSZ];
	unsigned counter = 0;

	(void)state;
	for (size_t h = 0; h < 4; h++)
		find_colliding(&keys[h * 3], 3, 15, homes[h], &counter);
	churn(keys, 12, 5000, 1);
	churn(keys, 12, 5000, 99);
}

static void
test_collisions_delete_orders(void **state)
{
	/*
	 * Insert all 12 colliding keys, then delete them in many random
	 * orders, checking the survivors after each deletion.
	 */
	static const uint32_t homes[] = { 15, 0, 15, 14 };
	char keys[12][KEYSZ];
	int vals[12];
	unsigned counter = 1000;
	uint32_t seed = 7;

	(void)state;
	for (size_t h = 0; h < 4; h++)
		find_colliding(&keys[h * 3], 3, 15, homes[h], &counter);
	for (int round = 0; round < 2000; round++) {
		struct hmap *m = hmap_new();
		bool present[12];
		size_t order[12];

		assert_non_null(m);
		for (size_t i = 0; i < 12; i++) {
			order[i] = i;
			present[i] = true;
		}
		for (size_t i = 11; i > 0; i--) {
			size_t j = xorshift(&seed) % (i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		/* Insertion order varies too, so runs are laid out differently. */
		for (size_t i = 0; i < 12; i++) {
			size_t k = order[(i + (size_t)round) % 12];

			assert_int_equal(hmap_put(m, keys[k], &vals[k]), 0);
		}
		check_all(m, keys, present, vals, 12);
		for (size_t i = 0; i < 12; i++) {
			size_t k = order[i];

			assert_ptr_equal(hmap_del(m, keys[k]), &vals[k]);
			present[k] = false;
			check_all(m, keys, present, vals, 12);
		}
		hmap_free(m);
	}
}

static void
test_collisions_large(void **state)
{
	/*
	 * 128 keys homed at the last and the first slot of any table up to
	 * 1024 slots: one long run that wraps, through the table's growth.
	 */
	char (*keys)[KEYSZ] = calloc(160, KEYSZ);
	unsigned counter = 5000;

	(void)state;
	assert_non_null(keys);
	find_colliding(keys, 64, 1023, 1023, &counter);
	find_colliding(keys + 64, 64, 1023, 0, &counter);
	/* And some ordinary keys between them. */
	for (int i = 0; i < 32; i++)
		snprintf(keys[128 + i], KEYSZ, "plain%d", i);
	churn(keys, 160, 4000, 4242);
	free(keys);
}

static void
test_iteration(void **state)
{
	enum { N = 1000 };
	char (*keys)[KEYSZ] = calloc(N, KEYSZ);
	int *seen = calloc(N, sizeof(*seen));
	struct hmap *m = hmap_new();
	const char *key;
	size_t it = 0, visits = 0;
	int *v;

	(void)state;
	assert_non_null(keys);
	assert_non_null(seen);
	assert_non_null(m);
	assert_null(hmap_next(m, &it, &key));
	for (int i = 0; i < N; i++) {
		snprintf(keys[i], KEYSZ, "k%d", i);
		assert_int_equal(hmap_put(m, keys[i], &seen[i]), 0);
	}
	for (int i = 0; i < N; i += 3)
		assert_ptr_equal(hmap_del(m, keys[i]), &seen[i]);
	it = 0;
	while ((v = hmap_next(m, &it, &key)) != NULL) {
		size_t i = (size_t)(v - seen);

		assert_true(i < N);
		/* The key handed back is the very pointer that was put. */
		assert_ptr_equal(key, keys[i]);
		seen[i]++;
		visits++;
	}
	assert_int_equal(visits, hmap_count(m));
	for (int i = 0; i < N; i++)
		assert_int_equal(seen[i], i % 3 == 0 ? 0 : 1);
	/* The key out-parameter is optional. */
	it = 0;
	assert_non_null(hmap_next(m, &it, NULL));
	hmap_free(m);
	free(keys);
	free(seen);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_collisions_wrap_small),
		cmocka_unit_test(test_collisions_delete_orders),
		cmocka_unit_test(test_collisions_large),
		cmocka_unit_test(test_iteration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
