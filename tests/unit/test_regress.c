/*
 * Regression inputs found by fuzzing (tests/fuzz/), fed through the core
 * the way conn.c feeds it: bytes appended to the receive queue, then
 * server_on_input(). Each test names the harness and what went wrong.
 * Some faults are undefined behaviour that only clang's UBSan reports,
 * so build these under it too: make SAN=1 CC=clang unit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "client.h"
#include "fake.h"
#include "irc.h"
#include "server.h"

/* Bytes arriving from cli's socket, as conn.c read_client() hands them over. */
static void
feed(struct server *srv, struct client *cli, const void *p, size_t n)
{
	assert_int_equal(buf_append(&cli->local->recvq, p, n), 0);
	server_on_input(srv, cli);
}

/*
 * fuzz_core: an unterminated line longer than IRC_RECV_LINE_MAX is dropped
 * whole, which empties the receive queue (its storage is freed), and the
 * input loop then scanned the empty queue for line ends: buf_data() on a
 * buffer with no storage computes NULL + 0, undefined in C (UBSan:
 * "applying zero offset to null pointer", src/buf.c buf_data, from
 * server.c skip_line_ends). The peer needs no registration.
 */
static void
test_unterminated_overlong_line(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");
	size_t n = IRC_RECV_LINE_MAX + 400;
	char *junk = malloc(n);

	assert_non_null(junk);
	memset(junk, 'x', n);
	feed(srv, cli, junk, n);
	free(junk);
	fake_expect(cli, ":irc.local 417 * :Input line was too long\r\n");
	assert_false(client_is_closing(cli));
	assert_int_equal(buf_len(&cli->local->recvq), 0);
	/* The rest of that line is dropped up to its end; then lines work. */
	feed(srv, cli, "yyy\r\nPING :after\r\n", 18);
	fake_expect_has(cli, " :after\r\n");
	assert_int_equal(buf_len(&cli->local->recvq), 0);
}

/*
 * The same empty queue reached directly: server_on_input() with nothing
 * received, as timer_fire() calls it to resume a throttled client.
 */
static void
test_input_on_empty_queue(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");

	assert_int_equal(buf_len(&cli->local->recvq), 0);
	server_on_input(srv, cli);
	fake_expect(cli, "");
	assert_false(client_is_closing(cli));
}

/* fuzz_core: a lone CR LF or LF run empties the queue the same way. */
static void
test_only_line_ends(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");

	feed(srv, cli, "\r\n\r\n\n\r", 6);
	fake_expect(cli, "");
	assert_int_equal(buf_len(&cli->local->recvq), 0);
	feed(srv, cli, "PING :x\r\n", 9);
	fake_expect_has(cli, " :x\r\n");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
	const struct CMUnitTest tests[] = {
		T(test_unterminated_overlong_line),
		T(test_input_on_empty_queue),
		T(test_only_line_ends),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
