/*
 * Integration tests of a hot upgrade while an outgoing server link is
 * still connecting. A autoconnects to a port of the test's whose accept
 * queue is full (backlog 0, one connection the test does not accept):
 * the kernel drops A's SYNs, so A's connect() stays in progress
 * (SYN-SENT, retransmitting after 1 s, 3 s, 7 s...), seen in
 * /proc/net/tcp among A's descriptors. SIGUSR2 then. Either the queue
 * is drained and the new image completes that same connection (same
 * socket, same source port; A connects once) and the link comes up
 * once; or the port closes, the connect is refused, and the new image
 * closes it and connects again after autoconnect's first delay; or the
 * connect is left to its registration_timeout, which the new image
 * applies from when the old one started it. A user stays connected
 * throughout and A ends with the descriptors it had.
 */
#include "itest_link.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Autoconnect's first delay after a failed attempt (docs/linking.md). */
#define RETRY_MS        2000
/* A SYN dropped at 0 s is sent again after 1, 3, 7 and 15 s. */
#define SYN_WAIT_MS     (20000 * itest_slow())
/* The registration_timeout of the last test, in seconds. */
#define REG_S           (4 * itest_slow())

/* A port whose accept queue is full: connects to it stay in SYN-SENT. */
struct held {
	int      port;
	int      lfd;           /* listening, backlog 0 */
	int      filler;        /* the one queued connection, never accepted */
};

static void
hold_port(struct held *h)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct pollfd p;

	h->port = itest_free_port();
	h->lfd = link_listen(h->port, 0);
	sa.sin_port = htons((uint16_t)h->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((h->filler = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(h->filler, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		fail_msg("cannot fill the accept queue of port %d", h->port);
	/* It waits in the queue: the listener is readable, and full. */
	p = (struct pollfd){ .fd = h->lfd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, ITEST_TIMEOUT_MS), 1);
}

/* Whether process pid has the socket of that inode among its descriptors. */
static bool
owns_socket(pid_t pid, unsigned long inode)
{
	char path[300], target[64], want[64];
	struct dirent *e;
	bool found = false;
	DIR *d;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	if ((d = opendir(path)) == NULL)
		return false;
	while (!found && (e = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", (int)pid, e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		found = n > 0 && (size_t)n == strlen(want) && memcmp(target, want, (size_t)n) == 0;
	}
	closedir(d);
	return found;
}

/*
 * The socket of process pid that is connecting to 127.0.0.1:port and
 * still in SYN-SENT (state 02 in /proc/net/tcp): true, with its source
 * port and inode.
 */
static bool
syn_sent(pid_t pid, int port, unsigned *lport, unsigned long *inode)
{
	char line[512];
	unsigned lp, rp, st;
	unsigned long ino;
	bool found = false;
	FILE *f = fopen("/proc/net/tcp", "r");

	if (f == NULL)
		fail_msg("cannot read /proc/net/tcp");
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, " %*u: %*x:%x %*x:%x %x %*x:%*x %*x:%*x %*x %*u %*u %lu",
		    &lp, &rp, &st, &ino) != 4 || rp != (unsigned)port || st != 2 ||
		    !owns_socket(pid, ino))
			continue;
		*lport = lp;
		*inode = ino;
		found = true;
	}
	fclose(f);
	return found;
}

/* Wait until A's connect to h's port is in progress. */
static void
wait_syn_sent(struct itest_server *s, const struct held *h, unsigned *lport,
    unsigned long *inode)
{
	int64_t end = itest_now_ms() + ITEST_START_MS;

	while (!syn_sent(s->pid, h->port, lport, inode)) {
		if (itest_now_ms() > end) {
			itest_server_dump_log(s);
			fail_msg("no connect in progress from %d to port %d", (int)s->pid,
			    h->port);
		}
		itest_sleep_ms(20);
	}
}

/* The source port of the connection the test accepted. */
static unsigned
peer_port(const struct itest_client *c)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	if (getpeername(c->fd, (struct sockaddr *)&sa, &len) == -1)
		fail_msg("getpeername");
	return ntohs(sa.sin_port);
}

/* Whether a connection waits in the accept queue of lfd. */
static bool
queued(int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/* One run: A, the port it connects to, its user, what it held before. */
struct run {
	struct node a;
	struct held h;
	struct itest_client *u;
	unsigned lport;         /* the source port of A's connect */
	int      nfds;          /* A's descriptors */
	int      closed;        /* "closing" lines in A's log */
	int64_t  seen_ms;       /* when the connect was seen in progress */
};

/*
 * irc.a.test (with the settings conf) autoconnecting to far.test at a
 * held port, its connect in progress, a user u on it, then upgraded with
 * SIGUSR2 wait_ms after the connect was seen: the connect is still in
 * progress in the new image, on the same socket, and A holds the
 * descriptors it had.
 */
static void
upgrade_while_connecting(struct run *r, const char *conf, int wait_ms)
{
	char blk[512], links[1024];
	unsigned lport;
	unsigned long inode, inode2;
	pid_t pid;

	hold_port(&r->h);
	link_block(blk, sizeof(blk), "far.test", "127.0.0.1", r->h.port, true);
	snprintf(links, sizeof(links), "%s%s", conf, blk);
	node_start(&r->a, "irc.a.test", "1AA", itest_free_port(), links);
	pid = r->a.s->pid;
	wait_syn_sent(r->a.s, &r->h, &r->lport, &inode);
	r->seen_ms = itest_now_ms();
	r->u = node_user(&r->a, "u");
	r->nfds = itest_server_nfds(r->a.s);
	r->closed = itest_log_count(r->a.s, "closing");
	assert_true(r->nfds > 0);
	if (itest_now_ms() < r->seen_ms + wait_ms)
		itest_sleep_ms((int)(r->seen_ms + wait_ms - itest_now_ms()));
	itest_server_signal(r->a.s, SIGUSR2);
	itest_wait_log(r->a.s, "replaced by", 1);
	assert_int_equal(r->a.s->pid, pid);
	/* Nothing was accepted meanwhile: it is the same connect, still going on. */
	if (!syn_sent(pid, r->h.port, &lport, &inode2) || lport != r->lport ||
	    inode2 != inode) {
		itest_server_dump_log(r->a.s);
		fail_msg("the connect from port %u (inode %lu) is not in progress "
		    "after the upgrade", r->lport, inode);
	}
	assert_int_equal(itest_server_nfds(r->a.s), r->nfds);
	assert_int_equal(itest_log_count(r->a.s, "link far.test: connecting to"), 1);
}

/* far.test, connected to by A: A's side of the handshake, then ours. */
static void
far_handshake(struct itest_client *f)
{
	itest_expect_next(f, "PASS " LINK_PW " TS 6 :1AA");
	itest_expect_next(f, "CAPAB :*");
	itest_expect_next(f, "SERVER irc.a.test 1 1AA + :*");
	itest_send(f, "PASS " LINK_PW " TS 6 :8YY");
	itest_send(f, "CAPAB :QS ENCAP EX IE");
	fake_finish_handshake(f, "far.test", "8YY", true);
}

/*
 * far.test's link is up, once; A still has its user, closed nothing but
 * the closed connections expected, and holds the descriptors it had.
 * Then everything is closed and A stopped.
 */
static void
check_linked(struct run *r, struct itest_client *far, int closed)
{
	itest_wait_log(r->a.s, "link far.test (8YY, 127.0.0.1) established", 1);
	wait_links(r->u, 2);
	assert_false(queued(r->h.lfd));
	assert_int_equal(itest_log_count(r->a.s, "established"), 1);
	assert_int_equal(itest_log_count(r->a.s, "closing"), r->closed + closed);
	assert_int_equal(itest_server_nfds(r->a.s), r->nfds);
	itest_close(r->u);
	itest_close(far);
	close(r->h.lfd);
	itest_server_stop_ok(r->a.s);
}

/*
 * The queue is drained after the upgrade: A's next SYN is taken, and the
 * new image completes the connection the old one started: one attempt,
 * one connection, one link.
 */
static void
test_connect_completes_after_upgrade(void **state)
{
	struct run r;
	struct itest_client *far;
	int fd;

	(void)state;
	upgrade_while_connecting(&r, "", 0);
	if ((fd = accept(r.h.lfd, NULL, NULL)) == -1)
		fail_msg("the filler is not in the queue");
	close(fd);
	close(r.h.filler);
	far = link_accept(r.a.s, r.h.lfd, SYN_WAIT_MS);
	assert_int_equal(peer_port(far), r.lport);
	far_handshake(far);
	assert_int_equal(itest_log_count(r.a.s, "link far.test: connecting to"), 1);
	check_linked(&r, far, 0);
}

/*
 * The port closes after the upgrade: A's next SYN is refused. The new
 * image closes that connection and connects again after the first
 * delay, as after any failed attempt; that link comes up.
 */
static void
test_connect_refused_after_upgrade(void **state)
{
	struct run r;
	struct itest_client *far;
	int64_t refused;

	(void)state;
	upgrade_while_connecting(&r, "", 0);
	close(r.h.filler);
	close(r.h.lfd);
	itest_wait_log(r.a.s, "error: Connection refused", 1);
	refused = itest_now_ms();
	/* The log names the link that failed. */
	assert_int_equal(itest_log_count(r.a.s, "closing far.test (127.0.0.1): "), 1);
	/* The retry waits its delay. */
	assert_int_equal(itest_log_count(r.a.s, "link far.test: connecting to"), 1);
	r.h.lfd = link_listen(r.h.port, 4);
	far = link_accept(r.a.s, r.h.lfd, LINK_WAIT_MS);
	if (itest_now_ms() - refused < RETRY_MS / 2)
		fail_msg("connected again %lld ms after the refusal",
		    (long long)(itest_now_ms() - refused));
	assert_int_not_equal(peer_port(far), r.lport);
	assert_int_equal(itest_log_count(r.a.s, "link far.test: connecting to"), 2);
	far_handshake(far);
	check_linked(&r, far, 1);
}

/*
 * The registration_timeout of a connect counts from when the old image
 * started it: upgraded half way through, the new image gives up at the
 * old deadline, not a whole timeout after the exec.
 */
static void
test_connect_deadline_kept(void **state)
{
	struct run r;
	char conf[64];
	int64_t took;

	(void)state;
	snprintf(conf, sizeof(conf), "registration_timeout = %d\n", REG_S);
	upgrade_while_connecting(&r, conf, REG_S * 1000 / 2);
	itest_wait_log(r.a.s, "closing far.test (127.0.0.1): Registration timeout", 1);
	/* At the deadline (seen a little after it was set), or a whole timeout later. */
	took = itest_now_ms() - r.seen_ms;
	if (took >= REG_S * 1000 * 5 / 4) {
		itest_server_dump_log(r.a.s);
		fail_msg("gave up %lld ms after the connect began, not %d", (long long)took,
		    REG_S * 1000);
	}
	assert_int_equal(itest_log_count(r.a.s, "closing"), r.closed + 1);
	wait_links(r.u, 1);
	itest_close(r.u);
	close(r.h.filler);
	close(r.h.lfd);
	itest_server_stop_ok(r.a.s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_connect_completes_after_upgrade),
		itest_unit_test(test_connect_refused_after_upgrade),
		itest_unit_test(test_connect_deadline_kept),
	};

	return itest_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
