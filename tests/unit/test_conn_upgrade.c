/*
 * The socket shell's part of a hot upgrade (conn_upgrade.c), on a
 * socketpair: an HTTP answer still being written when the state is saved
 * (more than the socket takes at once) is written to its last byte by the
 * new image, which then closes the connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "conn.h"
#include "conn_shell.h"
#include "fake.h"
#include "loop.h"
#include "server.h"
#include "state.h"

#define ANSWER_BYTES    (1u << 20)

/* The shell's section of a state holding c's waiters, as the old image saves it. */
static void
save_shell(struct conn *c, struct buf *blob)
{
	struct state_w w;

	buf_init(blob, 0);
	state_w_begin(&w, blob);
	conn_save(c, &w, 0, "old");
	assert_int_equal(state_w_end(&w), 0);
}

/* Read fd (non-blocking) while lp runs, until EOF; the bytes compared with want. */
static size_t
read_to_eof(struct loop *lp, int fd, const char *want, size_t wantlen)
{
	char buf[65536];
	size_t got = 0;

	for (int round = 0; round < 2000; round++) {
		ssize_t n;

		assert_int_equal(loop_wait(lp, 10), 0);
		loop_dispatch(lp);
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			assert_true(got + (size_t)n <= wantlen);
			assert_memory_equal(buf, want + got, (size_t)n);
			got += (size_t)n;
		}
		if (n == 0)
			return got;
	}
	fail_msg("no end of the answer after %zu bytes", got);
	return got;
}

static void
test_http_answer_finished(void **state)
{
	struct server *old = fake_server(), *new = fake_server();
	char err[128], version[64];
	struct loop *lp1 = loop_new(LOOP_BACKEND_POLL, err, sizeof(err));
	struct loop *lp2 = loop_new(LOOP_BACKEND_POLL, err, sizeof(err));
	struct conn *c1, *c2;
	char *answer = malloc(ANSWER_BYTES);
	int sv[2], keep;
	struct buf blob;
	struct journal_rec r;
	uint32_t shell_version;
	int64_t start;

	(void)state;
	assert_non_null(lp1);
	assert_non_null(lp2);
	assert_non_null(answer);
	assert_non_null(c1 = conn_new(old, lp1));
	assert_non_null(c2 = conn_new(new, lp2));
	for (size_t i = 0; i < ANSWER_BYTES; i++)
		answer[i] = (char)('a' + i % 26);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	/* An answer far larger than the socket takes: the old image is writing it. */
	assert_int_equal(conn_wait_adopt(c1, sv[0], "192.0.2.1", false, true, NULL, 0,
	    old->now_ms + 60000, answer, ANSWER_BYTES), 0);
	save_shell(c1, &blob);
	/* The exec: the descriptor stays open under its number, the old image goes. */
	keep = dup(sv[0]);
	conn_free(c1);
	assert_int_equal(dup2(keep, sv[0]), sv[0]);
	close(keep);
	assert_true(state_section(buf_data(&blob), buf_len(&blob), STATE_SHELL,
	    &shell_version, &r));
	assert_int_equal(shell_version, 2);
	if (conn_restore(c2, &r, shell_version, &start, version, sizeof(version), err,
	    sizeof(err)) == -1)
		fail_msg("conn_restore: %s", err);
	assert_int_equal(read_to_eof(lp2, sv[1], answer, ANSWER_BYTES), ANSWER_BYTES);
	close(sv[1]);
	buf_free(&blob);
	free(answer);
	conn_free(c2);
	loop_free(lp1);
	loop_free(lp2);
	fake_free(old);
	fake_free(new);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_answer_finished),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
