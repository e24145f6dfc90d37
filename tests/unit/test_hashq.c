/*
 * The queue of password checks through the core: work is done only by
 * server_work(), at most HASHQ_ROUND iterations a round and round-robin,
 * so a long check does not hold up a short one; each finished check calls
 * back once; a client that goes away mid-check is never called back; a
 * stand-in check costs what a real one does; and the budgets (per
 * connection, per address, server-wide) refuse without charging.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client.h"
#include "crypto.h"
#include "fake.h"
#include "hashq.h"
#include "server.h"

/* What the callbacks saw, in order. */
static struct {
	struct client *cli[64];
	bool ok[64];
	char name[64][64];
	unsigned n;
} seen;

static void
record(struct server *srv, struct client *cli, bool ok, const char *name)
{
	(void)srv;
	assert_true(seen.n < 64);
	seen.cli[seen.n] = cli;
	seen.ok[seen.n] = ok;
	snprintf(seen.name[seen.n], sizeof(seen.name[0]), "%s", name);
	seen.n++;
}

static int
setup(void **state)
{
	memset(&seen, 0, sizeof(seen));
	return fake_setup(state);
}

static void
make_hash(const char *pw, unsigned iterations, char out[CRYPTO_HASH_MAX])
{
	assert_int_equal(crypto_hash_password(pw, iterations, out, CRYPTO_HASH_MAX), 0);
}

static enum hashq_status
queue(struct server *srv, struct client *cli, const char *pw, const char *hash,
    unsigned iterations, const char *name)
{
	return hashq_add(srv->hashq, cli, pw, hash, iterations, name, record, srv->now_ms);
}

/* Rounds of server_work() until it reports nothing left. */
static unsigned
rounds_to_idle(struct server *srv)
{
	unsigned n = 0;

	while (n < 1000 && server_work(srv))
		n++;
	return n + 1;
}

static void
test_complete_and_bounded_rounds(void **state)
{
	struct server *srv = *state;
	struct client *a = fake_client(srv, "10.0.0.1");
	char hash[CRYPTO_HASH_MAX];

	make_hash("pw", 5 * HASHQ_ROUND, hash);
	assert_int_equal(queue(srv, a, "pw", hash, 0, "acct"), HASHQ_OK);
	assert_true(a->local->hash_wait);
	/* Nothing happens until the loop does the work. */
	assert_int_equal(seen.n, 0);
	/* 5 * HASHQ_ROUND iterations need 5 rounds: no round does more. */
	assert_int_equal(rounds_to_idle(srv), 5);
	assert_int_equal(seen.n, 1);
	assert_ptr_equal(seen.cli[0], a);
	assert_true(seen.ok[0]);
	assert_string_equal(seen.name[0], "acct");
	assert_false(a->local->hash_wait);
	assert_int_equal(hashq_count(srv->hashq), 0);
	assert_false(server_work(srv));

	assert_int_equal(queue(srv, a, "wrong", hash, 0, "acct"), HASHQ_OK);
	fake_work(srv);
	assert_int_equal(seen.n, 2);
	assert_false(seen.ok[1]);
}

/* Round-robin: a short check queued behind a long one finishes first. */
static void
test_round_robin(void **state)
{
	struct server *srv = *state;
	struct client *a = fake_client(srv, "10.0.0.1");
	struct client *b = fake_client(srv, "10.0.0.2");
	char slow[CRYPTO_HASH_MAX], quick[CRYPTO_HASH_MAX];

	make_hash("pw", 40 * HASHQ_SLICE, slow);
	make_hash("pw", 2 * HASHQ_SLICE, quick);
	assert_int_equal(queue(srv, a, "pw", slow, 0, "slow"), HASHQ_OK);
	assert_int_equal(queue(srv, b, "pw", quick, 0, "quick"), HASHQ_OK);
	assert_int_equal(hashq_count(srv->hashq), 2);
	/* Slices alternate: the quick check is done after 4 slices. */
	for (unsigned i = 1; i < 4 * HASHQ_SLICE / HASHQ_ROUND; i++) {
		server_work(srv);
		assert_int_equal(seen.n, 0);
	}
	server_work(srv);
	assert_int_equal(seen.n, 1);
	assert_ptr_equal(seen.cli[0], b);
	fake_work(srv);
	assert_int_equal(seen.n, 2);
	assert_ptr_equal(seen.cli[1], a);
	assert_true(seen.ok[0] && seen.ok[1]);
}

/* An unknown name gets a stand-in of the same cost that always fails. */
static void
test_stand_in_costs_the_same(void **state)
{
	struct server *srv = *state;
	struct client *a = fake_client(srv, "10.0.0.1");
	char hash[CRYPTO_HASH_MAX];
	unsigned real, stand_in;

	make_hash("pw", 7 * HASHQ_ROUND, hash);
	assert_int_equal(queue(srv, a, "pw", hash, 0, "bob"), HASHQ_OK);
	real = rounds_to_idle(srv);
	assert_int_equal(queue(srv, a, "pw", NULL, 7 * HASHQ_ROUND, ""), HASHQ_OK);
	stand_in = rounds_to_idle(srv);
	assert_int_equal(real, 7);
	assert_int_equal(stand_in, real);
	assert_int_equal(seen.n, 2);
	assert_true(seen.ok[0]);
	assert_false(seen.ok[1]);
	/* A malformed stored hash also gets the stand-in, and fails. */
	fake_advance(srv, 60);
	assert_int_equal(queue(srv, a, "pw", "$pbkdf2-sha256$x", 3 * HASHQ_ROUND, "odd"),
	    HASHQ_OK);
	assert_int_equal(rounds_to_idle(srv), 3);
	assert_false(seen.ok[2]);
}

/* A client that quits or is closed mid-check is never called back. */
static void
test_client_gone_mid_check(void **state)
{
	struct server *srv = *state;
	struct client *a = fake_client(srv, "10.0.0.1");
	struct client *b = fake_client(srv, "10.0.0.2");
	struct client *c = fake_client(srv, "10.0.0.3");
	char hash[CRYPTO_HASH_MAX];

	make_hash("pw", 3 * HASHQ_ROUND, hash);
	assert_int_equal(queue(srv, a, "pw", hash, 0, "a"), HASHQ_OK);
	assert_int_equal(queue(srv, b, "pw", hash, 0, "b"), HASHQ_OK);
	assert_int_equal(queue(srv, c, "pw", hash, 0, "c"), HASHQ_OK);
	server_work(srv);
	/* a is reaped (freed) mid-check; b is closing when its check ends. */
	fake_line(srv, a, "QUIT");
	fake_reap(srv);
	assert_int_equal(hashq_count(srv->hashq), 2);
	fake_line(srv, b, "QUIT");
	fake_work(srv);
	assert_int_equal(seen.n, 1);
	assert_ptr_equal(seen.cli[0], c);
	fake_reap(srv);
	assert_int_equal(hashq_count(srv->hashq), 0);
}

/*
 * Per connection: HASHQ_CONN_BURST, then one per 60 / HASHQ_CONN_PER_MIN
 * s, and one check at a time. Per address: HASHQ_ADDR_BURST, and at most
 * HASHQ_ADDR_JOBS queued at once. Refusals charge nothing.
 */
static void
test_budgets(void **state)
{
	struct server *srv = *state;
	struct client *c[6];
	char hash[CRYPTO_HASH_MAX];
	unsigned i;

	make_hash("pw", 100, hash);
	for (i = 0; i < 6; i++)
		c[i] = fake_client(srv, "10.9.9.9");
	assert_int_equal(queue(srv, c[0], "x", hash, 0, ""), HASHQ_OK);
	assert_int_equal(queue(srv, c[0], "x", hash, 0, ""), HASHQ_BUSY);
	fake_work(srv);
	for (i = 1; i < HASHQ_CONN_BURST; i++) {
		assert_int_equal(queue(srv, c[0], "x", hash, 0, ""), HASHQ_OK);
		fake_work(srv);
	}
	assert_int_equal(queue(srv, c[0], "x", hash, 0, ""), HASHQ_CONN_BUDGET);
	/* At most HASHQ_ADDR_JOBS of the address queued at once. */
	for (i = 1; i <= HASHQ_ADDR_JOBS; i++)
		assert_int_equal(queue(srv, c[i], "x", hash, 0, ""), HASHQ_OK);
	assert_int_equal(queue(srv, c[5], "x", hash, 0, ""), HASHQ_ADDR_BUDGET);
	fake_work(srv);
	/* 3 + 4 charged so far; the burst of 8 allows one more. */
	assert_int_equal(queue(srv, c[5], "x", hash, 0, ""), HASHQ_OK);
	fake_work(srv);
	assert_int_equal(queue(srv, c[5], "x", hash, 0, ""), HASHQ_ADDR_BUDGET);
	assert_int_equal(seen.n, 3 + 4 + 1);
	/* Time refills both buckets. */
	fake_advance(srv, 60 / HASHQ_CONN_PER_MIN);
	assert_int_equal(queue(srv, c[0], "x", hash, 0, ""), HASHQ_OK);
	fake_work(srv);
}

/* The server-wide cap holds even for clients exempt from the budgets. */
static void
test_global_cap(void **state)
{
	struct server *srv = *state;
	struct client *c[HASHQ_MAX_JOBS + 1];
	char hash[CRYPTO_HASH_MAX];

	make_hash("pw", 100, hash);
	for (unsigned i = 0; i <= HASHQ_MAX_JOBS; i++) {
		c[i] = fake_client(srv, "127.0.0.1");
		c[i]->local->flood_exempt = true;
	}
	for (unsigned i = 0; i < HASHQ_MAX_JOBS; i++)
		assert_int_equal(queue(srv, c[i], "pw", hash, 0, ""), HASHQ_OK);
	assert_int_equal(queue(srv, c[HASHQ_MAX_JOBS], "pw", hash, 0, ""), HASHQ_FULL);
	assert_int_equal(hashq_count(srv->hashq), HASHQ_MAX_JOBS);
	fake_work(srv);
	assert_int_equal(queue(srv, c[HASHQ_MAX_JOBS], "pw", hash, 0, ""), HASHQ_OK);
	fake_work(srv);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, fake_teardown)
	const struct CMUnitTest tests[] = {
		T(test_complete_and_bounded_rounds),
		T(test_round_robin),
		T(test_stand_in_costs_the_same),
		T(test_client_gone_mid_check),
		T(test_budgets),
		T(test_global_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
