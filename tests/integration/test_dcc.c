/*
 * DCC through ircserv: the server only relays CTCP offers (PRIVMSG text
 * framed by \x01) byte for byte; the file itself goes straight between
 * the two clients. These tests make real offers, parse what arrives, and
 * move files of 0 B, 1 B and 4 MiB over loopback with classic DCC SEND
 * (4-byte big-endian acknowledgements), then RESUME/ACCEPT and passive
 * (reverse) DCC with a token. Every wait is bounded.
 */
#include "itest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LOOPBACK_U32    2130706433UL    /* 127.0.0.1 as DCC writes it */
#define XFER_MS         20000           /* bound for one transfer */
#define CHUNK           65536
#define ACKQ_MAX        (64 * 1024)     /* acks queued by a receiver */

/* An offer as parsed from "\x01DCC SEND name ip port size [token]\x01". */
struct dcc_offer {
	char            verb[16];       /* SEND, RESUME, ACCEPT */
	char            name[256];      /* unquoted */
	unsigned long   ip;
	int             port;
	unsigned long long size;        /* for RESUME/ACCEPT: the position */
	char            token[32];      /* "" when absent */
};

/* FNV-1a, 64 bits: a short name for a buffer in failure messages. */
static uint64_t
fnv1a64(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* n pseudo-random bytes (xorshift64), the same for the same seed. */
static unsigned char *
random_bytes(size_t n, uint64_t seed)
{
	unsigned char *p = malloc(n ? n : 1);
	uint64_t x = seed;

	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)(x >> 24);
	}
	return p;
}

static void
set_nonblock(int fd)
{
	assert_int_not_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), -1);
}

/* A listening socket on 127.0.0.1 and a port the kernel chose. */
static int
listen_loopback(int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_int_not_equal(fd, -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	set_nonblock(fd);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Connect to the address an offer names (host-order IPv4, port). */
static int
connect_to(unsigned long ip, int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_int_not_equal(fd, -1);
	set_nonblock(fd);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl((uint32_t)ip);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 && errno != EINPROGRESS)
		fail_msg("connect to port %d: %s", port, strerror(errno));
	return fd;
}

static int
accept_within(int lfd, int ms)
{
	struct pollfd pfd = { lfd, POLLIN, 0 };
	int fd;

	if (poll(&pfd, 1, ms) != 1)
		fail_msg("nobody connected to the DCC port within %d ms", ms);
	fd = accept(lfd, NULL, NULL);
	assert_int_not_equal(fd, -1);
	set_nonblock(fd);
	return fd;
}

/*
 * Parse the CTCP text of a DCC request: "\x01DCC VERB name a b c [d]\x01",
 * where a quoted name may hold spaces. For SEND, a b c are ip port size;
 * for RESUME and ACCEPT they are name port position (no ip). 0 or -1.
 */
static int
dcc_parse(const char *text, struct dcc_offer *o)
{
	char body[512], *p, *q;
	size_t len = strlen(text);
	int n;

	memset(o, 0, sizeof(*o));
	if (len < 2 || text[0] != '\001' || text[len - 1] != '\001' || len - 2 >= sizeof(body))
		return -1;
	memcpy(body, text + 1, len - 2);
	body[len - 2] = '\0';
	if (sscanf(body, "DCC %15s %n", o->verb, &n) != 1)
		return -1;
	p = body + n;
	if (*p == '"') {
		if ((q = strchr(p + 1, '"')) == NULL)
			return -1;
		snprintf(o->name, sizeof(o->name), "%.*s", (int)(q - p - 1), p + 1);
		p = q + 1;
	} else {
		q = p + strcspn(p, " ");
		snprintf(o->name, sizeof(o->name), "%.*s", (int)(q - p), p);
		p = q;
	}
	if (strcmp(o->verb, "SEND") == 0) {
		n = sscanf(p, " %lu %d %llu %31s", &o->ip, &o->port, &o->size, o->token);
		return n >= 3 ? 0 : -1;
	}
	n = sscanf(p, " %d %llu %31s", &o->port, &o->size, o->token);
	return n >= 2 ? 0 : -1;
}

/* Wait for the next line on c, check it is exactly want, return its CTCP text. */
#define expect_exact(c, want) expect_exact_at(ITEST_HERE, (c), (want))
static const char *
expect_exact_at(const char *file, int line, struct itest_client *c, const char *want)
{
	const char *got = itest_next_at(file, line, c);
	const char *colon;

	if (strcmp(got, want) != 0)
		itest_fail_at(file, line, "[%s] expected exactly\n  \"%s\"\n  got\n  \"%s\"",
		    c->nick, want, got);
	colon = strstr(got, " :");
	assert_non_null(colon);
	return colon + 2;
}

struct pump {
	int              sfd, rfd;      /* sender's and receiver's sockets */
	const unsigned char *data;
	size_t           size;
	size_t           sent;          /* sender's file position */
	unsigned char    ackin[4];      /* partial acknowledgement read */
	size_t           ackin_len;
	uint32_t         last_ack;
	unsigned long    nacks;
	unsigned char   *got;
	size_t           total;         /* receiver's file position */
	unsigned char   *ackq;          /* acknowledgements not yet written */
	size_t           ackq_len;
	bool             receiver_done;
};

/* Sender: write the file, read acks, close after the ack of the last byte. */
static void
pump_sender(struct pump *x, short revents)
{
	if ((revents & POLLOUT) && x->sent < x->size) {
		size_t n = x->size - x->sent < CHUNK ? x->size - x->sent : CHUNK;
		ssize_t w = send(x->sfd, x->data + x->sent, n, MSG_NOSIGNAL);

		if (w > 0)
			x->sent += (size_t)w;
		else if (w == -1 && errno != EAGAIN && errno != EINTR)
			fail_msg("DCC sender: %s", strerror(errno));
	}
	if (revents & (POLLIN | POLLHUP)) {
		ssize_t r = recv(x->sfd, x->ackin + x->ackin_len, 4 - x->ackin_len, 0);

		if (r == 0)
			fail_msg("DCC receiver closed before the last ack");
		if (r > 0 && (x->ackin_len += (size_t)r) == 4) {
			uint32_t ack = (uint32_t)x->ackin[0] << 24 | (uint32_t)x->ackin[1] << 16 |
			    (uint32_t)x->ackin[2] << 8 | x->ackin[3];

			/* Acks only grow, and never beyond what was sent. */
			if (ack < x->last_ack || ack > x->sent)
				fail_msg("bad DCC ack %u (last %u, sent %zu)", ack, x->last_ack,
				    x->sent);
			x->last_ack = ack;
			x->nacks++;
			x->ackin_len = 0;
		}
	}
	/* Classic DCC: the sender hangs up once the whole file is acknowledged. */
	if (x->sent == x->size && x->last_ack == (uint32_t)x->size) {
		close(x->sfd);
		x->sfd = -1;
	}
}

/* Receiver: read, acknowledge the running total as 4 bytes, big-endian. */
static void
pump_receiver(struct pump *x, short revents)
{
	if ((revents & POLLOUT) && x->ackq_len > 0) {
		ssize_t w = send(x->rfd, x->ackq, x->ackq_len, MSG_NOSIGNAL);

		if (w > 0) {
			memmove(x->ackq, x->ackq + w, x->ackq_len - (size_t)w);
			x->ackq_len -= (size_t)w;
		}
	}
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		ssize_t r = recv(x->rfd, x->got + x->total, x->size + 1 - x->total, 0);
		uint32_t ack;

		if (r == 0) {
			x->receiver_done = true;
			return;
		}
		if (r == -1 && errno != EAGAIN && errno != EINTR)
			fail_msg("DCC receiver: %s", strerror(errno));
		if (r <= 0)
			return;
		x->total += (size_t)r;
		if (x->total > x->size)
			fail_msg("the sender sent more than the %zu bytes offered", x->size);
		if (x->ackq_len + 4 > ACKQ_MAX)
			fail_msg("the sender does not read its acks");
		ack = (uint32_t)x->total;
		x->ackq[x->ackq_len++] = (unsigned char)(ack >> 24);
		x->ackq[x->ackq_len++] = (unsigned char)(ack >> 16);
		x->ackq[x->ackq_len++] = (unsigned char)(ack >> 8);
		x->ackq[x->ackq_len++] = (unsigned char)ack;
	}
}

/*
 * Move data[start..size) from sfd to rfd, the receiver already holding
 * data[0..start) (a resumed transfer: positions count from the file's
 * start). Fails the test unless the receiver ends with the whole file.
 */
static void
dcc_transfer(int sfd, int rfd, const unsigned char *data, size_t size, size_t start)
{
	struct pump x = { .sfd = sfd, .rfd = rfd, .data = data, .size = size,
	    .sent = start, .last_ack = (uint32_t)start, .total = start };
	int64_t t0 = itest_now_ms(), deadline = t0 + XFER_MS;

	x.got = malloc(size + 1);
	x.ackq = malloc(ACKQ_MAX);
	assert_non_null(x.got);
	assert_non_null(x.ackq);
	memcpy(x.got, data, start);
	/* Nothing to send: the sender hangs up at once. */
	if (start == size) {
		close(x.sfd);
		x.sfd = -1;
	}
	while (!x.receiver_done) {
		struct pollfd pfd[2] = {
			{ x.rfd, (short)(POLLIN | (x.ackq_len ? POLLOUT : 0)), 0 },
			{ x.sfd, (short)(POLLIN | (x.sent < x.size ? POLLOUT : 0)), 0 },
		};

		if (itest_now_ms() >= deadline)
			fail_msg("DCC transfer of %zu bytes incomplete after %d ms: sent %zu, "
			    "received %zu", size, XFER_MS, x.sent, x.total);
		if (poll(pfd, x.sfd == -1 ? 1 : 2, 100) <= 0)
			continue;
		pump_receiver(&x, pfd[0].revents);
		if (x.sfd != -1)
			pump_sender(&x, pfd[1].revents);
	}
	print_message("DCC: %zu bytes (from %zu) in %lld ms, %lu acks, FNV-1a %016llx\n",
	    size, start, (long long)(itest_now_ms() - t0), x.nacks,
	    (unsigned long long)fnv1a64(x.got, x.total));
	if (x.total != size || memcmp(x.got, data, size) != 0)
		fail_msg("received %zu bytes, FNV-1a %016llx; sent %zu, FNV-1a %016llx", x.total,
		    (unsigned long long)fnv1a64(x.got, x.total), size,
		    (unsigned long long)fnv1a64(data, size));
	if (x.sfd != -1)
		fail_msg("the receiver saw EOF before the sender got the last ack");
	close(x.rfd);
	free(x.got);
	free(x.ackq);
}

/* Offer a file of size bytes from a to b, and move it the classic way. */
static void
send_file(struct itest_client *a, struct itest_client *b, const char *name,
    size_t size, uint64_t seed)
{
	unsigned char *data = random_bytes(size, seed);
	char text[400], want[600];
	struct dcc_offer o;
	int port, lfd = listen_loopback(&port), sfd, rfd;

	snprintf(text, sizeof(text), "\001DCC SEND %s %lu %d %zu\001", name, LOOPBACK_U32,
	    port, size);
	itest_send(a, "PRIVMSG %s :%s", b->nick, text);
	snprintf(want, sizeof(want), ":%s PRIVMSG %s :%s", itest_pfx(a), b->nick, text);
	/* What b acts on is what it received, parsed. */
	assert_int_equal(dcc_parse(expect_exact(b, want), &o), 0);
	assert_string_equal(o.verb, "SEND");
	assert_int_equal(o.ip, LOOPBACK_U32);
	assert_int_equal(o.port, port);
	assert_int_equal(o.size, size);
	rfd = connect_to(o.ip, o.port);
	sfd = accept_within(lfd, ITEST_TIMEOUT_MS);
	close(lfd);
	dcc_transfer(sfd, rfd, data, (size_t)o.size, 0);
	free(data);
}

static void
test_dcc_send_sizes(void **state)
{
	struct itest_client *a = itest_user(*state, "sender");
	struct itest_client *b = itest_user(*state, "getter");

	send_file(a, b, "empty.bin", 0, 1);
	send_file(a, b, "one.bin", 1, 2);
	send_file(a, b, "big.bin", 4u << 20, 3);
	/* An odd size that no chunk boundary lines up with. */
	send_file(a, b, "odd.bin", 1234567, 4);
	itest_expect_quiet(a);
	itest_expect_quiet(b);
	itest_close(a);
	itest_close(b);
}

/*
 * DCC RESUME / ACCEPT (mIRC's extension): the receiver already has the
 * first part, asks for the rest by port and position, the sender agrees,
 * and the transfer starts at that position. Quoted name with spaces.
 */
static void
test_dcc_resume(void **state)
{
	struct itest_client *a = itest_user(*state, "resumer");
	struct itest_client *b = itest_user(*state, "resumee");
	size_t size = 3u << 20, have = 1000003;
	unsigned char *data = random_bytes(size, 5);
	char text[400], want[600];
	struct dcc_offer o, r;
	int port, lfd = listen_loopback(&port), sfd, rfd;

	snprintf(text, sizeof(text), "\001DCC SEND \"my file.txt\" %lu %d %zu\001",
	    LOOPBACK_U32, port, size);
	itest_send(a, "PRIVMSG resumee :%s", text);
	snprintf(want, sizeof(want), ":%s PRIVMSG resumee :%s", itest_pfx(a), text);
	assert_int_equal(dcc_parse(expect_exact(b, want), &o), 0);
	assert_string_equal(o.name, "my file.txt");
	/* b has the first part: RESUME name port position. */
	snprintf(text, sizeof(text), "\001DCC RESUME \"%s\" %d %zu\001", o.name, o.port, have);
	itest_send(b, "PRIVMSG resumer :%s", text);
	snprintf(want, sizeof(want), ":%s PRIVMSG resumer :%s", itest_pfx(b), text);
	assert_int_equal(dcc_parse(expect_exact(a, want), &r), 0);
	assert_string_equal(r.verb, "RESUME");
	assert_string_equal(r.name, "my file.txt");
	assert_int_equal(r.port, port);
	assert_int_equal(r.size, have);
	snprintf(text, sizeof(text), "\001DCC ACCEPT \"%s\" %d %llu\001", r.name, r.port,
	    r.size);
	itest_send(a, "PRIVMSG resumee :%s", text);
	snprintf(want, sizeof(want), ":%s PRIVMSG resumee :%s", itest_pfx(a), text);
	assert_int_equal(dcc_parse(expect_exact(b, want), &r), 0);
	assert_string_equal(r.verb, "ACCEPT");
	assert_int_equal(r.size, have);
	rfd = connect_to(o.ip, o.port);
	sfd = accept_within(lfd, ITEST_TIMEOUT_MS);
	close(lfd);
	dcc_transfer(sfd, rfd, data, size, (size_t)r.size);
	free(data);
	itest_close(a);
	itest_close(b);
}

/*
 * Passive (reverse) DCC: the sender cannot listen, so it offers port 0
 * and a token; the receiver listens and answers with its own address,
 * port and the same token; the sender connects and sends.
 */
static void
test_dcc_passive(void **state)
{
	struct itest_client *a = itest_user(*state, "psender");
	struct itest_client *b = itest_user(*state, "preceiver");
	size_t size = 2u << 20;
	unsigned char *data = random_bytes(size, 6);
	char text[400], want[600];
	struct dcc_offer o, r;
	int port, lfd, sfd, rfd;

	snprintf(text, sizeof(text), "\001DCC SEND \"my file.txt\" %lu 0 %zu 77\001",
	    LOOPBACK_U32, size);
	itest_send(a, "PRIVMSG preceiver :%s", text);
	snprintf(want, sizeof(want), ":%s PRIVMSG preceiver :%s", itest_pfx(a), text);
	assert_int_equal(dcc_parse(expect_exact(b, want), &o), 0);
	assert_int_equal(o.port, 0);
	assert_string_equal(o.token, "77");
	lfd = listen_loopback(&port);
	snprintf(text, sizeof(text), "\001DCC SEND \"%s\" %lu %d %llu %s\001", o.name,
	    LOOPBACK_U32, port, o.size, o.token);
	itest_send(b, "PRIVMSG psender :%s", text);
	snprintf(want, sizeof(want), ":%s PRIVMSG psender :%s", itest_pfx(b), text);
	assert_int_equal(dcc_parse(expect_exact(a, want), &r), 0);
	assert_string_equal(r.name, "my file.txt");
	assert_string_equal(r.token, "77");
	assert_int_equal(r.port, port);
	/* Roles reversed on the wire: the sender connects. */
	sfd = connect_to(r.ip, r.port);
	rfd = accept_within(lfd, ITEST_TIMEOUT_MS);
	close(lfd);
	dcc_transfer(sfd, rfd, data, size, 0);
	free(data);
	itest_close(a);
	itest_close(b);
}

/*
 * The relay is byte-exact: read straight off b's socket, CR LF included.
 * Runs of spaces, a leading space, \x01 in the middle, UTF-8 and control
 * bytes, in PRIVMSG and in the NOTICE replies CTCP uses. Bytes that are
 * not UTF-8 are refused (UTF8ONLY), never relayed.
 */
static void
test_ctcp_relay_byte_exact(void **state)
{
	static const char *texts[] = {
		"\001DCC SEND \"my file.txt\" 2130706433 0 12345 token-1\001",
		"\001DCC SEND \"two  spaces .txt\" 2130706433 40000 7\001",
		"\001DCC SEND \"na\xc3\xafve r\xc3\xa9sum\xc3\xa9.pdf\" 2130706433 40001 9\001",
		"\001DCC RESUME \"my file.txt\" 40000 4096\001",
		"\001DCC ACCEPT \"my file.txt\" 40000 4096\001",
		"\001DCC CHAT chat 2130706433 40002\001",
		" \001 leading space, \001 inside, trailing space \001 ",
		"\001\001\001",
		"\001VERSION\001",
		"raw \x7f\x02\x03\x1f bytes",
	};
	struct itest_client *a = itest_user(*state, "rawsend");
	struct itest_client *b = itest_user(*state, "rawrecv");
	char want[600];

	itest_sync(b);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		int n;

		itest_send(a, "PRIVMSG rawrecv :%s", texts[i]);
		n = snprintf(want, sizeof(want), ":%s PRIVMSG rawrecv :%s\r\n", itest_pfx(a), texts[i]);
		itest_expect_raw(b, want, (size_t)n);
		itest_send(a, "NOTICE rawrecv :%s", texts[i]);
		n = snprintf(want, sizeof(want), ":%s NOTICE rawrecv :%s\r\n", itest_pfx(a), texts[i]);
		itest_expect_raw(b, want, (size_t)n);
	}
	itest_send(a, "PRIVMSG rawrecv :\001DCC SEND latin-1-\xe9.txt 2130706433 1 2\001");
	itest_expect_next(a, ":" ITEST_SERVER_NAME " FAIL PRIVMSG INVALID_UTF8 :*");
	itest_expect_quiet(b);
	/* A refusal travels back by NOTICE, as CTCP replies do. */
	itest_send(b, "NOTICE rawsend :\001DCC REJECT SEND \"my file.txt\"\001");
	expect_exact(a, ":rawrecv!rawrecv@127.0.0.1 NOTICE rawsend :"
	    "\001DCC REJECT SEND \"my file.txt\"\001");
	itest_close(a);
	itest_close(b);
}

/* The offer's parser rejects what is not a DCC request. */
static void
test_dcc_parse(void **state)
{
	struct dcc_offer o;

	(void)state;
	assert_int_equal(dcc_parse("\001DCC SEND f 2130706433 1 2\001", &o), 0);
	assert_string_equal(o.name, "f");
	assert_int_equal(dcc_parse("\001DCC SEND \"a b\" 2130706433 0 2 tok\001", &o), 0);
	assert_string_equal(o.name, "a b");
	assert_string_equal(o.token, "tok");
	assert_int_equal(dcc_parse("DCC SEND f 1 2 3", &o), -1);
	assert_int_equal(dcc_parse("\001DCC SEND f 1\001", &o), -1);
	assert_int_equal(dcc_parse("\001DCC SEND \"open 1 2 3\001", &o), -1);
	assert_int_equal(dcc_parse("\001", &o), -1);
	assert_int_equal(dcc_parse("\001PING 1\001", &o), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dcc_parse),
		itest_unit_test(test_dcc_send_sizes),
		itest_unit_test(test_dcc_resume),
		itest_unit_test(test_dcc_passive),
		itest_unit_test(test_ctcp_relay_byte_exact),
	};

	return itest_finish(cmocka_run_group_tests(tests, itest_group_setup_fast,
	    itest_group_teardown));
}
