/*
 * The work budget of one loop round (inputq_begin_round()): lines beyond
 * it wait in the clients' receive queues on the input-pending list and
 * are served in later rounds, in turn, each client's lines in order.
 * A fake clock charges every handled line 1 ms, as an expensive line
 * would cost, so a 3 ms budget serves three lines per round.
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
#include "client.h"
#include "fake.h"
#include "inputq.h"
#include "server.h"

#define LINE_NS ((int64_t)1000000)
#define NCLI    10

static const struct server *clock_srv;
static unsigned long clock_lines;       /* lines of the rounds before */

/* Every line handled so far has cost LINE_NS. */
static int64_t
fake_ns(void)
{
	return (int64_t)(clock_lines + clock_srv->round_lines) * LINE_NS;
}

/* The CPU time of those lines: the process ran half the time (steal). */
static int64_t
fake_cpu_half_ns(void)
{
	return fake_ns() / 2;
}

/* ... or all of it. */
static int64_t
fake_cpu_all_ns(void)
{
	return fake_ns();
}

static void
round_begin(struct server *srv)
{
	clock_lines += srv->round_lines;
	inputq_begin_round(srv);
}

static void
queue(struct server *srv, struct client *cli, const char *lines)
{
	assert_int_equal(buf_append(&cli->local->recvq, lines, strlen(lines)), 0);
	server_on_input(srv, cli);
}

static struct server *
budget_server(void)
{
	struct server *srv = fake_server();

	srv->cfg.flood_burst = 100;     /* flood control out of the way */
	srv->clock_ns = fake_ns;
	clock_srv = srv;
	clock_lines = 0;
	return srv;
}

/* Which of cli[] got a PONG in this round: "1" or "." each. */
static void
served(struct client **cli, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[i] = fake_output_has(cli[i], "PONG") ? '1' : '.';
		fake_drop_output(cli[i]);
	}
	out[n] = '\0';
}

/* Many clients with an expensive line each: three per round, in order. */
static void
test_round_budget_serves_in_turn(void **state)
{
	static const char *want[] = {
		"111.......", "...111....", "......111.", ".........1",
	};
	struct server *srv = budget_server();
	struct client *cli[NCLI];
	char got[NCLI + 1], nick[16];

	(void)state;
	for (size_t i = 0; i < NCLI; i++) {
		snprintf(nick, sizeof(nick), "n%zu", i);
		cli[i] = fake_registered(srv, nick);
	}
	/* One wake-up brought a line from every client. */
	round_begin(srv);
	for (size_t i = 0; i < NCLI; i++)
		queue(srv, cli[i], "PING :x\r\n");
	for (size_t r = 0; r < sizeof(want) / sizeof(want[0]); r++) {
		if (r > 0)
			round_begin(srv);
		served(cli, NCLI, got);
		assert_string_equal(got, want[r]);
		assert_true(inputq_pending(srv) == (r + 1 < sizeof(want) / sizeof(want[0])));
	}
	round_begin(srv);
	served(cli, NCLI, got);
	assert_string_equal(got, "..........");
	fake_free(srv);
}

/*
 * A client with many lines is cut off by the budget and goes after the
 * others waiting; its lines stay in order; one closed while waiting
 * leaves the list.
 */
static void
test_round_budget_round_robin(void **state)
{
	struct server *srv = budget_server();
	struct client *a = fake_registered(srv, "a");
	struct client *b = fake_registered(srv, "b");
	struct client *c = fake_registered(srv, "c");
	struct client *d = fake_registered(srv, "d");
	struct client *gone;
	char *out;

	(void)state;
	round_begin(srv);
	queue(srv, a, "PING :1\r\nPING :2\r\nPING :3\r\nPING :4\r\nPING :5\r\n"
	    "PING :6\r\nPING :7\r\n");
	queue(srv, b, "PING :b\r\n");
	queue(srv, c, "PING :c\r\n");
	queue(srv, d, "PING :d\r\n");
	assert_int_equal(fake_output_count(a, "PONG"), 3);
	fake_expect(b, "");
	fake_drop_output(a);
	/* d closes while it waits: it is skipped and leaves the list. */
	client_close(d, "gone");
	while ((gone = server_reap_next(srv)) != NULL)
		client_free(gone);
	/* Next round: b and c first, then a goes on with its 4th line. */
	round_begin(srv);
	assert_true(fake_output_has(b, "PONG"));
	assert_true(fake_output_has(c, "PONG"));
	out = fake_take_output(a);
	assert_string_equal(out, ":irc.local PONG irc.local :4\r\n");
	free(out);
	assert_true(inputq_pending(srv));
	/* New lines from a waiting client queue behind its old ones. */
	queue(srv, a, "PING :8\r\n");
	fake_drop_output(a);
	round_begin(srv);
	out = fake_take_output(a);
	assert_non_null(strstr(out, ":5\r\n"));
	assert_non_null(strstr(out, ":7\r\n"));
	assert_true(strstr(out, ":5\r\n") < strstr(out, ":7\r\n"));
	assert_null(strstr(out, ":8\r\n"));
	free(out);
	round_begin(srv);
	fake_expect(a, ":irc.local PONG irc.local :8\r\n");
	assert_false(inputq_pending(srv));
	fake_free(srv);
}

/*
 * Input that holds no line once the budget is spent (a lone CR LF, or a
 * read that left the queue empty) puts nobody on the list.
 */
static void
test_round_budget_empty_queue(void **state)
{
	struct server *srv = budget_server();
	struct client *a = fake_registered(srv, "a");
	struct client *b = fake_registered(srv, "b");
	struct client *c = fake_registered(srv, "c");

	(void)state;
	round_begin(srv);
	queue(srv, a, "PING :1\r\nPING :2\r\nPING :3\r\n");
	assert_true(inputq_round_spent(srv));
	assert_int_equal(buf_len(&b->local->recvq), 0);
	server_on_input(srv, b);
	queue(srv, c, "\r\n");
	assert_false(b->local->input_pending);
	assert_false(c->local->input_pending);
	assert_false(inputq_pending(srv));
	fake_free(srv);
}

/*
 * With the CPU clock given, time the process did not run is not charged:
 * at half speed a round serves six lines of 1 ms (3 ms of work), not
 * three; a CPU clock that agrees with the monotonic one changes nothing.
 */
static void
test_round_budget_cpu_time(void **state)
{
	static const struct {
		server_clock_fn *cpu;
		const char *want[2];
	} cases[] = {
		{ fake_cpu_half_ns, { "111111....", "......1111" } },
		{ fake_cpu_all_ns, { "111.......", "...111...." } },
	};
	struct client *cli[NCLI];
	char got[NCLI + 1];

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct server *srv = budget_server();

		srv->cpu_clock_ns = cases[k].cpu;
		for (size_t i = 0; i < NCLI; i++) {
			char nick[8];

			snprintf(nick, sizeof(nick), "c%zu", i);
			cli[i] = fake_registered(srv, nick);
		}
		round_begin(srv);
		for (size_t i = 0; i < NCLI; i++)
			queue(srv, cli[i], "PING :x\r\n");
		served(cli, NCLI, got);
		assert_string_equal(got, cases[k].want[0]);
		round_begin(srv);
		served(cli, NCLI, got);
		assert_string_equal(got, cases[k].want[1]);
		fake_free(srv);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_budget_serves_in_turn),
		cmocka_unit_test(test_round_budget_round_robin),
		cmocka_unit_test(test_round_budget_empty_queue),
		cmocka_unit_test(test_round_budget_cpu_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
