/*
 * Integration tests of ircserv under hostile network conditions: a reader
 * that never reads while its channel is flooded, a tiny receive window
 * that forces partial writes, clients that reset with output pending, and
 * a churn of connections, and a backlog of connections larger than one
 * round accepts. The server must stay responsive to everyone else and
 * keep its counts and descriptors straight.
 */
#include "itest.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SRV ITEST_SERVER_NAME
/* A PING round trip while the server is busy elsewhere must stay below this. */
#define MAX_RTT_MS      500

/* n PRIVMSG lines to target in one buffer (caller frees), *len set. */
static char *
privmsg_batch(const char *target, int first, int n, const char *pad, size_t *len)
{
	size_t cap = (size_t)n * (strlen(target) + strlen(pad) + 40), o = 0;
	char *buf = malloc(cap);

	assert_non_null(buf);
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, cap - o, "PRIVMSG %s :msg %06d %s\r\n",
		    target, first + i, pad);
	*len = o;
	return buf;
}

/*
 * The slow reader's SendQ (1 MiB) fills while the server keeps answering
 * others quickly; then it is cut off, and its peers see why.
 */
static void
test_slow_reader_is_dropped(void **state)
{
	struct itest_client *slow = itest_connect_rcvbuf(*state, 4096);
	struct itest_client *flood = itest_user(*state, "flooder");
	struct itest_client *probe = itest_user(*state, "prober");
	char *pad = malloc(401), *batch, line[600];
	long rtt, max_rtt = 0;
	bool quit = false;
	int sent = 0;
	int64_t start = itest_now_ms(), deadline = start + 15000;
	size_t len;

	assert_non_null(pad);
	memset(pad, 'f', 400);
	pad[400] = '\0';
	itest_register(slow, "slowpoke");
	itest_join(slow, "#flood");
	itest_join(flood, "#flood");
	/*
	 * The SendQ (1 MiB) plus the kernel's socket buffers, which grow to
	 * several MiB on loopback, is far less than 40 MB.
	 */
	while (!quit && sent < 100000 && itest_now_ms() < deadline) {
		batch = privmsg_batch("#flood", sent, 100, pad, &len);
		itest_send_raw(flood, batch, len);
		free(batch);
		sent += 100;
		rtt = itest_expect_quiet(probe);
		if (rtt > max_rtt)
			max_rtt = rtt;
		while (itest_poll_line(flood, 0, line, sizeof(line)) == 1)
			if (itest_match(":slowpoke!slowpoke@127.0.0.1 QUIT :*", line)) {
				if (strcmp(line, ":slowpoke!slowpoke@127.0.0.1 QUIT :SendQ exceeded"))
					fail_msg("unexpected QUIT: %s", line);
				quit = true;
			}
	}
	if (!quit) {
		itest_expect(flood, ":slowpoke!slowpoke@127.0.0.1 QUIT :SendQ exceeded");
	}
	print_message("slow reader dropped after %d messages in %ld ms; slowest PING "
	    "%ld ms\n", sent, (long)(itest_now_ms() - start), max_rtt);
	if (max_rtt >= MAX_RTT_MS)
		fail_msg("a PING took %ld ms while a slow reader was being filled", max_rtt);
	/* Reading now, it gets what was sent, then the server's close. */
	slow->timeout_ms = 10000;
	itest_expect_closed(slow);
	itest_expect_quiet(probe);
	free(pad);
	itest_close(slow);
	itest_close(flood);
	itest_close(probe);
}

/*
 * A receive window of a few KiB makes most of the server's writes partial;
 * read in small pieces with pauses, every line must still arrive whole and
 * in order.
 */
static void
test_partial_writes_keep_lines_whole(void **state)
{
	struct itest_client *tiny = itest_connect_rcvbuf(*state, 2048);
	struct itest_client *w = itest_user(*state, "pwriter");
	char *pad = malloc(381), *batch;
	size_t len;
	int total = 300;

	assert_non_null(pad);
	for (int i = 0; i < 380; i++)
		pad[i] = (char)('a' + i % 26);
	pad[380] = '\0';
	itest_register(tiny, "tinybuf");
	itest_join(tiny, "#partial");
	itest_join(w, "#partial");
	itest_sync(tiny);
	tiny->read_max = 500;
	batch = privmsg_batch("#partial", 0, total, pad, &len);
	itest_send_raw(w, batch, len);
	free(batch);
	for (int i = 0; i < total; i++) {
		itest_expect_next(tiny, ":%s PRIVMSG #partial :msg %06d %s", itest_pfx(w), i, pad);
		if (i % 5 == 0)
			itest_sleep_ms(2);
	}
	tiny->read_max = 0;
	itest_expect_quiet(tiny);
	free(pad);
	itest_close(tiny);
	itest_close(w);
}

/*
 * A client that resets right after a command: the server's answer fails
 * to write, the client is closed during the write phase, and its QUIT
 * must still reach its peers at once, not whenever the next event comes.
 */
static void
test_reset_client_quit_is_delivered(void **state)
{
	struct itest_client *peer = itest_user(*state, "rstpeer");
	char nick[32];

	itest_join(peer, "#rst");
	for (int i = 0; i < 5; i++) {
		struct itest_client *x;

		snprintf(nick, sizeof(nick), "rst%d", i);
		x = itest_user(*state, nick);
		itest_join(x, "#rst");
		itest_expect_next(peer, ":%s JOIN #rst", itest_pfx(x));
		itest_send(x, "PING :going");
		itest_abort(x);
		itest_expect_next(peer, ":%s!%s@127.0.0.1 QUIT :*", nick, nick);
	}
	itest_expect_quiet(peer);
	itest_send(peer, "NAMES #rst");
	itest_expect_next(peer, ":" SRV " 353 rstpeer = #rst :@rstpeer");
	itest_close(peer);
}

/* Users and unknown connections from LUSERS, as "users/unknown". */
static void
lusers_counts(struct itest_client *c, unsigned *users, unsigned *unknown)
{
	const char *l;
	unsigned vis, inv;

	*unknown = 0;
	itest_send(c, "LUSERS");
	l = itest_expect_next(c, ":" SRV " 251 %s :There are * users and * invisible*",
	    c->nick);
	assert_int_equal(sscanf(strstr(l, "There are"), "There are %u users and %u",
	    &vis, &inv), 2);
	*users = vis + inv;
	while (!itest_match(":" SRV " 255 *", l = itest_next(c)))
		if (itest_match(":" SRV " 253 *", l))
			assert_int_equal(sscanf(strchr(l + 1, ' ') + 1, "253 %*s %u", unknown), 1);
	itest_sync(c);
}

static void
churn_round(struct itest_server *s, int round)
{
	struct itest_client *c[50];
	char nick[32];

	for (int i = 0; i < 50; i++) {
		c[i] = itest_connect(s);
		if (i % 3 == 0) {
			snprintf(nick, sizeof(nick), "churn%d_%d", round, i);
			itest_register(c[i], nick);
			if (i % 2 == 0)
				itest_join(c[i], "#churn");
		} else if (i % 3 == 1) {
			itest_send_raw(c[i], "NICK half", 9);
		}
	}
	for (int i = 0; i < 50; i++) {
		if (i % 6 == 0)
			itest_send(c[i], "QUIT :churning");
		if (i % 2 == 0)
			itest_close(c[i]);
		else
			itest_abort(c[i]);
	}
}

/* 200 connections come and go; nothing leaks and the server stays quick. */
static void
test_connection_churn(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *probe = itest_user(s, "churnprobe");
	unsigned users0, unknown0, users, unknown;
	int fds0, fds = -1;
	int64_t deadline;
	long rtt;

	/*
	 * The baseline must not count clients that earlier tests closed and
	 * the server has not reaped yet (slow under valgrind): wait until two
	 * readings a moment apart agree.
	 */
	deadline = itest_now_ms() + ITEST_TIMEOUT_MS;
	lusers_counts(probe, &users0, &unknown0);
	do {
		itest_sleep_ms(100);
		lusers_counts(probe, &users, &unknown);
		if (users == users0 && unknown == unknown0)
			break;
		users0 = users;
		unknown0 = unknown;
	} while (itest_now_ms() < deadline);
	fds0 = itest_server_nfds(s);
	for (int round = 0; round < 4; round++)
		churn_round(s, round);
	rtt = itest_expect_quiet(probe);
	if (rtt >= MAX_RTT_MS)
		fail_msg("a PING took %ld ms after the churn", rtt);
	/* Closing is asynchronous: give the server a moment to reap. */
	deadline = itest_now_ms() + ITEST_TIMEOUT_MS;
	do {
		lusers_counts(probe, &users, &unknown);
		if (fds0 >= 0)
			fds = itest_server_nfds(s);
		if (users == users0 && unknown == unknown0 && fds == fds0)
			break;
		itest_sleep_ms(50);
	} while (itest_now_ms() < deadline);
	assert_int_equal(users, users0);
	assert_int_equal(unknown, unknown0);
	if (fds0 >= 0 && fds != fds0)
		fail_msg("the server holds %d descriptors, %d before the churn", fds, fds0);
	itest_send(probe, "NAMES #churn");
	itest_expect_next(probe, ":" SRV " 366 churnprobe #churn :End of /NAMES list");
	itest_close(probe);
}

/*
 * The server takes at most 256 connections from a listener per round.
 * With 600 waiting in the backlog at once (the server stopped while they
 * connect), the listener must stay ready until every one is accepted and
 * served, whichever event backend runs.
 */
#define BACKLOG_BURST 600

static void
test_accept_backlog_in_rounds(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *probe = itest_user(s, "backlogprobe"), **c;
	unsigned users, unknown0, unknown = 0;
	int64_t deadline;

	c = calloc(BACKLOG_BURST, sizeof(*c));
	assert_non_null(c);
	lusers_counts(probe, &users, &unknown0);
	assert_int_equal(kill(s->pid, SIGSTOP), 0);
	/* The kernel completes each handshake into the listen backlog. */
	for (int i = 0; i < BACKLOG_BURST; i++)
		c[i] = itest_connect(s);
	assert_int_equal(kill(s->pid, SIGCONT), 0);
	deadline = itest_now_ms() + ITEST_TIMEOUT_MS;
	do {
		lusers_counts(probe, &users, &unknown);
		if (unknown == unknown0 + BACKLOG_BURST)
			break;
		itest_sleep_ms(20);
	} while (itest_now_ms() < deadline);
	assert_int_equal(unknown, unknown0 + BACKLOG_BURST);
	for (int i = 0; i < BACKLOG_BURST; i++)
		itest_send(c[i], "NICK");
	for (int i = 0; i < BACKLOG_BURST; i++) {
		itest_expect_next(c[i], ":" SRV " 431 * :No nickname given");
		itest_close(c[i]);
	}
	free(c);
	itest_close(probe);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_slow_reader_is_dropped),
		itest_unit_test(test_partial_writes_keep_lines_whole),
		itest_unit_test(test_reset_client_quit_is_delivered),
		itest_unit_test(test_connection_churn),
		itest_unit_test(test_accept_backlog_in_rounds),
	};

	return itest_finish(cmocka_run_group_tests(tests, itest_group_setup_fast,
	    itest_group_teardown));
}
