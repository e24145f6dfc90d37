/*
 * The readiness loop's bookkeeping, run once per backend over pipes and
 * socketpairs on this host: level-triggered readiness, POLLOUT only when
 * asked, and callbacks that delete, reuse, change or add descriptors in
 * the middle of a round. No timing: every wait has a zero timeout, except
 * where data is already there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"

/* The backend under test: each group sets it before it runs. */
static enum loop_backend backend;

#define NFDS_MAX 1024

/* What the callbacks saw, and what the first of a round should do. */
struct seen {
	struct loop *lp;
	unsigned calls[NFDS_MAX];
	short    rev[NFDS_MAX];
	unsigned total;
	int      first_fd;      /* fd the first callback of the round got; -1 */
	void   (*on_first)(struct seen *s, int fd);
	int      other[2];      /* the two descriptors a test plays with */
	int      fresh[2];      /* a pipe made during dispatch */
	unsigned fresh_calls;
};

static void
on_fd(void *ud, int fd, short revents)
{
	struct seen *s = ud;

	assert_true(fd >= 0 && fd < NFDS_MAX);
	s->calls[fd]++;
	s->rev[fd] = revents;
	s->total++;
	if (s->first_fd == -1) {
		s->first_fd = fd;
		if (s->on_first)
			s->on_first(s, fd);
	}
}

static void
on_fresh(void *ud, int fd, short revents)
{
	struct seen *s = ud;

	(void)fd;
	(void)revents;
	s->fresh_calls++;
}

static struct loop *
new_loop(void)
{
	char err[128];
	struct loop *lp = loop_new(backend, err, sizeof(err));

	if (lp == NULL)
		fail_msg("loop_new: %s", err);
	return lp;
}

/* One round: wait (no blocking), then dispatch; counts start from zero. */
static void
round_of(struct seen *s)
{
	memset(s->calls, 0, sizeof(s->calls));
	memset(s->rev, 0, sizeof(s->rev));
	s->total = 0;
	s->fresh_calls = 0;
	s->first_fd = -1;
	assert_int_equal(loop_wait(s->lp, 0), 0);
	loop_dispatch(s->lp);
}

static void
make_pipe(int p[2])
{
	assert_int_equal(pipe(p), 0);
	assert_true(p[0] < NFDS_MAX && p[1] < NFDS_MAX);
}

static void
put_byte(int fd)
{
	assert_int_equal(write(fd, "x", 1), 1);
}

static void
test_backend_name(void **state)
{
	struct loop *lp = new_loop();

	(void)state;
	assert_string_equal(loop_backend_name(lp),
	    backend == LOOP_BACKEND_EPOLL ? "epoll" : "poll");
	loop_free(lp);
}

/* Unread data is reported every round until it is read. */
static void
test_level_triggered(void **state)
{
	struct seen s = { .lp = new_loop() };
	int p[2];
	char b[8];

	(void)state;
	make_pipe(p);
	assert_int_equal(loop_add(s.lp, p[0], POLLIN, on_fd, &s), 0);
	round_of(&s);
	assert_int_equal(s.total, 0);
	put_byte(p[1]);
	for (int i = 0; i < 3; i++) {
		round_of(&s);
		assert_int_equal(s.calls[p[0]], 1);
		assert_true(s.rev[p[0]] & POLLIN);
		assert_int_equal(s.total, 1);
	}
	assert_int_equal(read(p[0], b, sizeof(b)), 1);
	round_of(&s);
	assert_int_equal(s.total, 0);
	loop_del(s.lp, p[0]);
	close(p[0]);
	close(p[1]);
	loop_free(s.lp);
}

/* A writable socket is reported only while POLLOUT is asked for. */
static void
test_pollout_only_when_asked(void **state)
{
	struct seen s = { .lp = new_loop() };
	int sp[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(loop_add(s.lp, sp[0], POLLIN, on_fd, &s), 0);
	round_of(&s);
	assert_int_equal(s.total, 0);
	loop_set_events(s.lp, sp[0], POLLIN | POLLOUT);
	round_of(&s);
	assert_int_equal(s.calls[sp[0]], 1);
	assert_int_equal(s.rev[sp[0]], POLLOUT);
	loop_set_events(s.lp, sp[0], POLLIN);
	round_of(&s);
	assert_int_equal(s.total, 0);
	/* Watching nothing: not even readable data is reported. */
	put_byte(sp[1]);
	loop_set_events(s.lp, sp[0], 0);
	round_of(&s);
	assert_int_equal(s.total, 0);
	loop_set_events(s.lp, sp[0], POLLIN);
	round_of(&s);
	assert_int_equal(s.rev[sp[0]], POLLIN);
	loop_del(s.lp, sp[0]);
	close(sp[0]);
	close(sp[1]);
	loop_free(s.lp);
}

/* A closed peer wakes the reader, so it can see the end of file. */
static void
test_hangup(void **state)
{
	struct seen s = { .lp = new_loop() };
	int sp[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(loop_add(s.lp, sp[0], POLLIN, on_fd, &s), 0);
	close(sp[1]);
	round_of(&s);
	assert_int_equal(s.calls[sp[0]], 1);
	assert_true(s.rev[sp[0]] & (POLLIN | POLLHUP));
	loop_del(s.lp, sp[0]);
	close(sp[0]);
	loop_free(s.lp);
}

/* Two readable pipes; whichever callback runs first acts on the other. */
static void
two_ready(struct seen *s, int a[2], int b[2])
{
	make_pipe(a);
	make_pipe(b);
	s->other[0] = a[0];
	s->other[1] = b[0];
	assert_int_equal(loop_add(s->lp, a[0], POLLIN, on_fd, s), 0);
	assert_int_equal(loop_add(s->lp, b[0], POLLIN, on_fd, s), 0);
	put_byte(a[1]);
	put_byte(b[1]);
}

static int
the_other(const struct seen *s, int fd)
{
	return fd == s->other[0] ? s->other[1] : s->other[0];
}

static void
delete_other(struct seen *s, int fd)
{
	loop_del(s->lp, the_other(s, fd));
}

static void
test_removal_during_dispatch(void **state)
{
	struct seen s = { .lp = new_loop(), .on_first = delete_other };
	int a[2], b[2], gone;

	(void)state;
	two_ready(&s, a, b);
	round_of(&s);
	/* Both were ready; the one deleted first is not called. */
	assert_int_equal(s.total, 1);
	gone = the_other(&s, s.first_fd);
	assert_int_equal(s.calls[gone], 0);
	s.on_first = NULL;
	round_of(&s);
	assert_int_equal(s.total, 1);
	assert_int_equal(s.calls[gone], 0);
	loop_del(s.lp, the_other(&s, gone));
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
	loop_free(s.lp);
}

/*
 * Delete and close the other descriptor, then put a new, readable pipe
 * under the same number and watch it with another callback.
 */
static void
reuse_other(struct seen *s, int fd)
{
	int num = the_other(s, fd);

	loop_del(s->lp, num);
	close(num);
	make_pipe(s->fresh);
	if (s->fresh[0] != num) {
		assert_int_equal(dup2(s->fresh[0], num), num);
		close(s->fresh[0]);
		s->fresh[0] = num;
	}
	put_byte(s->fresh[1]);
	assert_int_equal(loop_add(s->lp, num, POLLIN, on_fresh, s), 0);
}

static void
test_reuse_during_dispatch(void **state)
{
	struct seen s = { .lp = new_loop(), .on_first = reuse_other };
	int a[2], b[2], num;

	(void)state;
	two_ready(&s, a, b);
	round_of(&s);
	num = the_other(&s, s.first_fd);
	/* The old event for num is stale: neither the old nor the new watch gets it. */
	assert_int_equal(s.total, 1);
	assert_int_equal(s.calls[num], 0);
	assert_int_equal(s.fresh_calls, 0);
	/* The new watch is served from the next round on. */
	s.on_first = NULL;
	round_of(&s);
	assert_int_equal(s.fresh_calls, 1);
	assert_int_equal(s.calls[num], 0);
	loop_del(s.lp, a[0]);
	loop_del(s.lp, b[0]);
	close(a[0]);
	close(b[0]);
	close(a[1]);
	close(b[1]);
	close(s.fresh[1]);
	loop_free(s.lp);
}

/* Both sockets are writable; the first callback stops the other's POLLOUT. */
static void
stop_other_writing(struct seen *s, int fd)
{
	loop_set_events(s->lp, the_other(s, fd), POLLIN);
}

static void
test_events_changed_during_dispatch(void **state)
{
	struct seen s = { .lp = new_loop(), .on_first = stop_other_writing };
	int x[2], y[2], quiet;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, x), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, y), 0);
	s.other[0] = x[0];
	s.other[1] = y[0];
	assert_int_equal(loop_add(s.lp, x[0], POLLIN | POLLOUT, on_fd, &s), 0);
	assert_int_equal(loop_add(s.lp, y[0], POLLIN | POLLOUT, on_fd, &s), 0);
	round_of(&s);
	assert_int_equal(s.total, 1);
	quiet = the_other(&s, s.first_fd);
	assert_int_equal(s.calls[quiet], 0);
	/* Changing it back takes effect at the next wait. */
	s.on_first = NULL;
	loop_set_events(s.lp, quiet, POLLIN | POLLOUT);
	round_of(&s);
	assert_int_equal(s.total, 2);
	assert_int_equal(s.rev[quiet], POLLOUT);
	loop_del(s.lp, x[0]);
	loop_del(s.lp, y[0]);
	for (int i = 0; i < 2; i++) {
		close(x[i]);
		close(y[i]);
	}
	loop_free(s.lp);
}

/* A descriptor added in a callback waits for the next round. */
static void
add_fresh(struct seen *s, int fd)
{
	(void)fd;
	make_pipe(s->fresh);
	put_byte(s->fresh[1]);
	assert_int_equal(loop_add(s->lp, s->fresh[0], POLLIN, on_fresh, s), 0);
}

static void
test_added_during_dispatch(void **state)
{
	struct seen s = { .lp = new_loop(), .on_first = add_fresh };
	int p[2];

	(void)state;
	make_pipe(p);
	assert_int_equal(loop_add(s.lp, p[0], POLLIN, on_fd, &s), 0);
	put_byte(p[1]);
	round_of(&s);
	assert_int_equal(s.total, 1);
	assert_int_equal(s.fresh_calls, 0);
	s.on_first = NULL;
	round_of(&s);
	assert_int_equal(s.fresh_calls, 1);
	loop_del(s.lp, p[0]);
	loop_del(s.lp, s.fresh[0]);
	close(p[0]);
	close(p[1]);
	close(s.fresh[0]);
	close(s.fresh[1]);
	loop_free(s.lp);
}

/* Adding a watched descriptor again replaces its callback and events. */
static void
test_add_again_replaces(void **state)
{
	struct seen s = { .lp = new_loop() };
	int p[2];

	(void)state;
	make_pipe(p);
	put_byte(p[1]);
	assert_int_equal(loop_add(s.lp, p[0], POLLIN, on_fd, &s), 0);
	assert_int_equal(loop_add(s.lp, p[0], POLLIN, on_fresh, &s), 0);
	round_of(&s);
	assert_int_equal(s.total, 0);
	assert_int_equal(s.fresh_calls, 1);
	/* Deleting or changing what is not watched does nothing. */
	loop_del(s.lp, p[1]);
	loop_set_events(s.lp, p[1], POLLOUT);
	loop_del(s.lp, p[0]);
	loop_del(s.lp, p[0]);
	round_of(&s);
	assert_int_equal(s.fresh_calls, 0);
	close(p[0]);
	close(p[1]);
	loop_free(s.lp);
}

/*
 * Many descriptors, added and deleted in a scattered order, so the poll
 * backend's holes and moved entries and epoll's interest set are both
 * exercised: every round reports exactly the readable watched ones.
 */
#define MANY 150

static void
test_many_descriptors(void **state)
{
	struct seen s = { .lp = new_loop() };
	int p[MANY][2];
	unsigned want;

	(void)state;
	for (int i = 0; i < MANY; i++) {
		make_pipe(p[i]);
		assert_int_equal(loop_add(s.lp, p[i][0], POLLIN, on_fd, &s), 0);
		if (i % 3 == 0)
			put_byte(p[i][1]);
	}
	round_of(&s);
	assert_int_equal(s.total, MANY / 3);
	for (int i = 0; i < MANY; i++)
		assert_int_equal(s.calls[p[i][0]], i % 3 == 0);
	/* Drop every other one; half of those readable stay. */
	for (int i = 0; i < MANY; i += 2)
		loop_del(s.lp, p[i][0]);
	round_of(&s);
	want = 0;
	for (int i = 0; i < MANY; i++) {
		unsigned expect = i % 2 == 1 && i % 3 == 0;

		assert_int_equal(s.calls[p[i][0]], expect);
		want += expect;
	}
	assert_int_equal(s.total, want);
	/* Watch them again: all readable ones are back. */
	for (int i = 0; i < MANY; i += 2)
		assert_int_equal(loop_add(s.lp, p[i][0], POLLIN, on_fd, &s), 0);
	round_of(&s);
	assert_int_equal(s.total, MANY / 3);
	for (int i = 0; i < MANY; i++) {
		loop_del(s.lp, p[i][0]);
		close(p[i][0]);
		close(p[i][1]);
	}
	round_of(&s);
	assert_int_equal(s.total, 0);
	loop_free(s.lp);
}

/* A bad descriptor cannot be watched by epoll; poll reports it as POLLNVAL. */
/* Calls per descriptor, for more descriptors than struct seen holds. */
struct tally {
	unsigned *calls;        /* indexed by fd */
	size_t    n;
	unsigned  total;
};

static void
on_tally(void *ud, int fd, short revents)
{
	struct tally *t = ud;

	(void)revents;
	assert_true(fd >= 0 && (size_t)fd < t->n);
	t->calls[fd]++;
	t->total++;
}

#define BATCH_FDS 1300

/*
 * More ready descriptors than epoll hands over at once (1,024): poll
 * reports all of them in one round; epoll fewer, and the rest in the
 * next, so that within two rounds every one is reached, once a round.
 */
static void
test_many_ready(void **state)
{
	static int p[BATCH_FDS][2];
	struct tally t = { 0 };
	struct loop *lp;
	struct rlimit rl;
	unsigned first;

	(void)state;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < 2 * BATCH_FDS + 64)
		skip();
	lp = new_loop();
	t.n = 2 * BATCH_FDS + 64;
	assert_non_null(t.calls = calloc(t.n, sizeof(*t.calls)));
	for (int i = 0; i < BATCH_FDS; i++) {
		assert_int_equal(pipe(p[i]), 0);
		assert_true((size_t)p[i][1] < t.n);
		put_byte(p[i][1]);
		assert_int_equal(loop_add(lp, p[i][0], POLLIN, on_tally, &t), 0);
	}
	assert_int_equal(loop_wait(lp, 0), 0);
	loop_dispatch(lp);
	first = t.total;
	if (backend == LOOP_BACKEND_EPOLL)
		assert_true(first > 0 && first < BATCH_FDS);
	else
		assert_int_equal(first, BATCH_FDS);
	assert_int_equal(loop_wait(lp, 0), 0);
	loop_dispatch(lp);
	assert_true(t.total - first <= BATCH_FDS);
	for (int i = 0; i < BATCH_FDS; i++) {
		assert_true(t.calls[p[i][0]] >= 1 && t.calls[p[i][0]] <= 2);
		loop_del(lp, p[i][0]);
		close(p[i][0]);
		close(p[i][1]);
	}
	free(t.calls);
	loop_free(lp);
}

static void
test_bad_descriptor(void **state)
{
	struct seen s = { .lp = new_loop() };
	int p[2], fd;

	(void)state;
	make_pipe(p);
	fd = p[0];
	close(p[0]);
	close(p[1]);
	assert_int_equal(loop_add(s.lp, -1, POLLIN, on_fd, &s), -1);
	if (backend == LOOP_BACKEND_EPOLL) {
		assert_int_equal(loop_add(s.lp, fd, POLLIN, on_fd, &s), -1);
	} else {
		assert_int_equal(loop_add(s.lp, fd, POLLIN, on_fd, &s), 0);
		round_of(&s);
		assert_int_equal(s.rev[fd], POLLNVAL);
		loop_del(s.lp, fd);
	}
	loop_free(s.lp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_name),
		cmocka_unit_test(test_level_triggered),
		cmocka_unit_test(test_pollout_only_when_asked),
		cmocka_unit_test(test_hangup),
		cmocka_unit_test(test_removal_during_dispatch),
		cmocka_unit_test(test_reuse_during_dispatch),
		cmocka_unit_test(test_events_changed_during_dispatch),
		cmocka_unit_test(test_added_during_dispatch),
		cmocka_unit_test(test_add_again_replaces),
		cmocka_unit_test(test_many_descriptors),
		cmocka_unit_test(test_many_ready),
		cmocka_unit_test(test_bad_descriptor),
	};
	int failed;

	backend = LOOP_BACKEND_POLL;
	failed = cmocka_run_group_tests_name("loop (poll)", tests, NULL, NULL);
#ifdef __linux__
	backend = LOOP_BACKEND_EPOLL;
	failed += cmocka_run_group_tests_name("loop (epoll)", tests, NULL, NULL);
#else
	{
		char err[128];

		/* Elsewhere epoll must refuse with a reason. */
		if (loop_new(LOOP_BACKEND_EPOLL, err, sizeof(err)) != NULL ||
		    strstr(err, "Linux") == NULL)
			failed++;
	}
#endif
	return failed;
}
