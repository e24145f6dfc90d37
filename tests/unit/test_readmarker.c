/*
 * Read markers (draft/read-marker): the store (forward only, casefolded
 * names, bounds per owner and in total, forgetting a connection), and
 * MARKREAD through server_on_line(): get, set, the MARKREAD of the join burst, the other sessions of an account, markers of
 * connections without an account, and the FAIL replies for bad input.
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
#include "config.h"
#include "fake.h"
#include "readmarker.h"
#include "server.h"

static void
test_store_forward_only(void **state)
{
	struct readmarkers *rm = readmarker_new(4, 4);
	int64_t stored;

	(void)state;
	assert_non_null(rm);
	assert_int_equal(readmarker_get(rm, "acct", "#chan"), -1);
	assert_int_equal(readmarker_set(rm, "acct", "#Chan", 1000, &stored), 1);
	assert_int_equal(stored, 1000);
	assert_int_equal(readmarker_get(rm, "ACCT", "#chan"), 1000);
	assert_int_equal(readmarker_set(rm, "acct", "#chan", 999, &stored), 0);
	assert_int_equal(stored, 1000);
	assert_int_equal(readmarker_set(rm, "acct", "#chan", 1000, &stored), 0);
	assert_int_equal(readmarker_set(rm, "acct", "#chan", 1001, &stored), 1);
	assert_int_equal(stored, 1001);
	/* Names compare under rfc1459: { is the lower case of [. */
	assert_int_equal(readmarker_set(rm, "acct", "nick[a]", 5, &stored), 1);
	assert_int_equal(readmarker_get(rm, "acct", "NICK{A}"), 5);
	/* Markers belong to their owner only. */
	assert_int_equal(readmarker_get(rm, "other", "#chan"), -1);
	readmarker_forget(rm, "acct");
	assert_int_equal(readmarker_get(rm, "acct", "#chan"), -1);
	assert_int_equal(readmarker_owners(rm), 0);
	readmarker_forget(rm, "nobody");
	readmarker_free(rm);
	readmarker_free(NULL);
}

/* The server's stores are sized by the readmarker_* settings. */
static void
test_bounds_from_settings(void **state)
{
	struct config cfg;
	struct server *srv;
	int64_t stored;

	(void)state;
	assert_int_equal(config_defaults(&cfg), 0);
	cfg.readmarker_targets = 2;
	cfg.readmarker_accounts = 1;
	srv = server_new(&cfg, 0, 0);
	config_free(&cfg);
	assert_non_null(srv);
	readmarker_set(srv->markers, "acct", "#a", 1, &stored);
	readmarker_set(srv->markers, "acct", "#b", 2, &stored);
	readmarker_set(srv->markers, "acct", "#c", 3, &stored);
	assert_int_equal(readmarker_get(srv->markers, "acct", "#a"), -1);
	assert_int_equal(readmarker_get(srv->markers, "acct", "#c"), 3);
	readmarker_set(srv->markers, "other", "#a", 4, &stored);
	assert_int_equal(readmarker_get(srv->markers, "acct", "#b"), -1);
	assert_int_equal(readmarker_owners(srv->markers), 1);
	server_free(srv);
}

static void
test_store_bounds(void **state)
{
	struct readmarkers *rm = readmarker_new(3, 3);
	char name[16];
	int64_t stored;

	(void)state;
	assert_non_null(rm);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "#c%d", i);
		assert_int_equal(readmarker_set(rm, "a", name, 10 + i, &stored), 1);
	}
	/* Updating #c0 makes #c1 the oldest: it goes when #c3 comes. */
	assert_int_equal(readmarker_set(rm, "a", "#c0", 20, &stored), 1);
	assert_int_equal(readmarker_set(rm, "a", "#c3", 13, &stored), 1);
	assert_int_equal(readmarker_targets(rm, "a"), 3);
	assert_int_equal(readmarker_get(rm, "a", "#c1"), -1);
	assert_int_equal(readmarker_get(rm, "a", "#c0"), 20);
	assert_int_equal(readmarker_get(rm, "a", "#c2"), 12);
	/* Owners: the least recently updated goes first. */
	assert_int_equal(readmarker_set(rm, "b", "#x", 1, &stored), 1);
	assert_int_equal(readmarker_set(rm, "c", "#x", 1, &stored), 1);
	assert_int_equal(readmarker_set(rm, "a", "#x", 1, &stored), 1);
	assert_int_equal(readmarker_set(rm, "d", "#x", 1, &stored), 1);
	assert_int_equal(readmarker_owners(rm), 3);
	assert_int_equal(readmarker_get(rm, "b", "#x"), -1);
	assert_int_equal(readmarker_get(rm, "a", "#x"), 1);
	assert_int_equal(readmarker_get(rm, "d", "#x"), 1);
	/* Many more owners and targets than the bounds: still 3 by 3. */
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "o%d", i % 7);
		char target[16];
		snprintf(target, sizeof(target), "#t%d", i);
		assert_int_not_equal(readmarker_set(rm, name, target, i, &stored), -1);
	}
	assert_int_equal(readmarker_owners(rm), 3);
	assert_true(readmarker_targets(rm, name) <= 3);
	readmarker_free(rm);
}

static void
test_markread_get_set(void **state)
{
	struct server *srv = *state;
	struct client *a = fake_registered(srv, "alice");

	fake_cap_on(srv, a, "draft/read-marker");
	fake_line(srv, a, "MARKREAD #nosuch");
	fake_expect(a, ":irc.local MARKREAD #nosuch *\r\n");
	fake_line(srv, a, "MARKREAD #chan timestamp=2019-01-04T14:33:26.123Z");
	fake_expect(a, ":irc.local MARKREAD #chan timestamp=2019-01-04T14:33:26.123Z\r\n");
	fake_line(srv, a, "MARKREAD #CHAN");
	fake_expect(a, ":irc.local MARKREAD #CHAN timestamp=2019-01-04T14:33:26.123Z\r\n");
	/* An older timestamp is answered with the stored one. */
	fake_line(srv, a, "MARKREAD #chan timestamp=2019-01-01T00:00:00.000Z");
	fake_expect(a, ":irc.local MARKREAD #chan timestamp=2019-01-04T14:33:26.123Z\r\n");
	/* One in the future is clamped to the server's clock. */
	fake_line(srv, a, "MARKREAD bob timestamp=2999-01-01T00:00:00.000Z");
	fake_expect(a, ":irc.local MARKREAD bob timestamp=2023-11-14T22:13:20.000Z\r\n");
	fake_line(srv, a, "MARKREAD bob");
	fake_expect(a, ":irc.local MARKREAD bob timestamp=2023-11-14T22:13:20.000Z\r\n");
}

static void
test_markread_refused(void **state)
{
	struct server *srv = *state;
	struct client *a = fake_registered(srv, "alice");
	struct client *u = fake_client(srv, "127.0.0.1");

	fake_line(srv, a, "MARKREAD");
	fake_expect(a, ":irc.local FAIL MARKREAD NEED_MORE_PARAMS :Missing parameters\r\n");
	fake_line(srv, a, "MARKREAD :");
	fake_expect(a, ":irc.local FAIL MARKREAD NEED_MORE_PARAMS :Missing parameters\r\n");
	fake_line(srv, a, "MARKREAD #chan *");
	fake_expect(a, ":irc.local FAIL MARKREAD INVALID_PARAMS * :Invalid timestamp\r\n");
	fake_line(srv, a, "MARKREAD #chan 2019-01-04T14:33:26.123Z");
	fake_expect(a, ":irc.local FAIL MARKREAD INVALID_PARAMS 2019-01-04T14:33:26.123Z "
	    ":Invalid timestamp\r\n");
	fake_line(srv, a, "MARKREAD #chan :timestamp=2019-02-29T00:00:00.000Z");
	fake_expect(a, ":irc.local FAIL MARKREAD INVALID_PARAMS "
	    "timestamp=2019-02-29T00:00:00.000Z :Invalid timestamp\r\n");
	fake_line(srv, a, "MARKREAD #chan :timestamp=2019-01-04T14:33:26.123Z x");
	fake_expect(a, ":irc.local FAIL MARKREAD INVALID_PARAMS * :Invalid timestamp\r\n");
	fake_line(srv, a, "MARKREAD a,b timestamp=2019-01-04T14:33:26.123Z");
	fake_expect(a, ":irc.local FAIL MARKREAD INVALID_PARAMS a,b :Invalid target\r\n");
	fake_line(srv, a, "MARKREAD :#with space");
	fake_expect(a, ":irc.local FAIL MARKREAD INVALID_PARAMS * :Invalid target\r\n");
	fake_line(srv, a, "MARKREAD #0123456789012345678901234567890123456789012345678901");
	fake_expect_has(a, "FAIL MARKREAD INVALID_PARAMS");
	/* Nothing was stored by the refusals. */
	fake_line(srv, a, "MARKREAD #chan");
	fake_expect(a, ":irc.local MARKREAD #chan *\r\n");
	fake_line(srv, u, "MARKREAD #chan");
	fake_expect(u, ":irc.local 451 * :You have not registered\r\n");
}

static void
test_markread_on_join(void **state)
{
	struct server *srv = *state;
	struct client *a = fake_registered(srv, "alice");
	struct client *b = fake_registered(srv, "bob");

	fake_cap_on(srv, a, "draft/read-marker");
	fake_line(srv, a, "JOIN #chan");
	fake_expect(a, ":alice!u@127.0.0.1 JOIN #chan\r\n"
	    ":irc.local MARKREAD #chan *\r\n"
	    ":irc.local 353 alice = #chan :@alice\r\n"
	    ":irc.local 366 alice #chan :End of /NAMES list\r\n");
	fake_line(srv, a, "MARKREAD #chan timestamp=2020-03-15T10:00:00.000Z");
	fake_line(srv, a, "PART #chan");
	fake_drop_output(a);
	fake_line(srv, a, "JOIN #Chan");
	fake_expect(a, ":alice!u@127.0.0.1 JOIN #Chan\r\n"
	    ":irc.local MARKREAD #Chan timestamp=2020-03-15T10:00:00.000Z\r\n"
	    ":irc.local 353 alice = #Chan :@alice\r\n"
	    ":irc.local 366 alice #Chan :End of /NAMES list\r\n");
	/* Without the capability, no MARKREAD in the burst. */
	fake_line(srv, b, "JOIN #chan");
	assert_false(fake_output_has(b, "MARKREAD"));
}

static void
test_markread_sessions(void **state)
{
	struct server *srv = *state;
	struct client *a1 = fake_registered(srv, "a1");
	struct client *a2 = fake_registered(srv, "a2");
	struct client *a3 = fake_registered(srv, "a3");
	struct client *other = fake_registered(srv, "other");
	struct client *anon = fake_registered(srv, "anon");

	fake_cap_on(srv, a1, "draft/read-marker");
	fake_cap_on(srv, a2, "draft/read-marker");
	fake_cap_on(srv, other, "draft/read-marker");
	fake_cap_on(srv, anon, "draft/read-marker");
	assert_int_equal(client_set_account(a1, "acct"), 0);
	assert_int_equal(client_set_account(a2, "ACCT"), 0);
	assert_int_equal(client_set_account(a3, "acct"), 0);
	assert_int_equal(client_set_account(other, "other"), 0);
	fake_line(srv, a1, "MARKREAD #chan timestamp=2022-11-11T11:11:11.111Z");
	fake_expect(a1, ":irc.local MARKREAD #chan timestamp=2022-11-11T11:11:11.111Z\r\n");
	/* The other session with the capability learns it; nobody else. */
	fake_expect(a2, ":irc.local MARKREAD #chan timestamp=2022-11-11T11:11:11.111Z\r\n");
	fake_expect(a3, "");
	fake_expect(other, "");
	fake_expect(anon, "");
	/* No change, no news for the others. */
	fake_line(srv, a2, "MARKREAD #chan timestamp=2022-01-01T00:00:00.000Z");
	fake_expect(a2, ":irc.local MARKREAD #chan timestamp=2022-11-11T11:11:11.111Z\r\n");
	fake_expect(a1, "");
	fake_line(srv, other, "MARKREAD #chan");
	fake_expect(other, ":irc.local MARKREAD #chan *\r\n");
	fake_line(srv, anon, "MARKREAD #chan");
	fake_expect(anon, ":irc.local MARKREAD #chan *\r\n");
	/* The first session leaves: the account's others still hear. */
	fake_line(srv, a1, "QUIT");
	fake_reap(srv);
	assert_non_null(client_first_session(srv, "acct"));
	assert_ptr_not_equal(client_first_session(srv, "acct"), a1);
	fake_line(srv, a3, "MARKREAD #chan timestamp=2022-12-01T00:00:00.000Z");
	fake_expect(a2, ":irc.local MARKREAD #chan timestamp=2022-12-01T00:00:00.000Z\r\n");
	/* Logging out leaves the index. */
	assert_int_equal(client_set_account(a2, ""), 0);
	assert_int_equal(client_set_account(a3, ""), 0);
	assert_null(client_first_session(srv, "acct"));
	/* The markers stay with the account. */
	assert_int_equal(client_set_account(anon, "acct"), 0);
	fake_line(srv, anon, "MARKREAD #chan");
	fake_expect(anon, ":irc.local MARKREAD #chan timestamp=2022-12-01T00:00:00.000Z\r\n");
}

static void
test_markread_connection_only(void **state)
{
	struct server *srv = *state;
	struct client *a = fake_registered(srv, "alice");
	struct client *b = fake_registered(srv, "bob");

	fake_line(srv, a, "MARKREAD #chan timestamp=2021-05-20T08:30:00.000Z");
	fake_expect(a, ":irc.local MARKREAD #chan timestamp=2021-05-20T08:30:00.000Z\r\n");
	fake_line(srv, b, "MARKREAD #chan");
	fake_expect(b, ":irc.local MARKREAD #chan *\r\n");
	assert_int_equal(readmarker_owners(srv->conn_markers), 1);
	/* A connection's markers go with it. */
	fake_line(srv, a, "QUIT");
	fake_reap(srv);
	assert_int_equal(readmarker_owners(srv->conn_markers), 0);
	assert_int_equal(readmarker_owners(srv->markers), 0);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_forward_only),
		cmocka_unit_test(test_store_bounds),
		cmocka_unit_test(test_bounds_from_settings),
		T(test_markread_get_set),
		T(test_markread_refused),
		T(test_markread_on_join),
		T(test_markread_sessions),
		T(test_markread_connection_only),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
