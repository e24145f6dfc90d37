/*
 * Integration tests of PROXY protocol listeners: raw clients on loopback
 * send v1 and v2 headers naming documentation addresses (RFC 5737, 3849),
 * and the server must show those as the clients' hosts, apply per-IP
 * limits to them, and refuse plain traffic on a proxy listener, bad or
 * late headers, and headers on an ordinary listener.
 */
#include "itest.h"

#include <stdio.h>
#include <string.h>

#define SRV             ITEST_SERVER_NAME
#define V2_SIG          "\r\n\r\n\0\r\nQUIT\n"
/* The server gives a header this long to arrive (conn.c). */
#define HEADER_TIMEOUT_MS 5000

struct proxy_server {
	struct itest_server *srv;
	int      proxy_port;
};

/* A server with a proxy listener on another free port, plus extra config. */
static void
proxy_server_start(struct proxy_server *ps, const char *extra)
{
	char conf[512];

	ps->proxy_port = itest_free_port();
	assert_true(ps->proxy_port > 0);
	snprintf(conf, sizeof(conf), "listen = 127.0.0.1:%d proxy\n%s", ps->proxy_port,
	    extra);
	ps->srv = itest_server_start_conf(ITEST_PASSWORD, conf);
	assert_non_null(ps->srv);
}

/* A raw client on the proxy listener; it has sent nothing yet. */
#define proxy_connect(ps)       proxy_connect_at(ITEST_HERE, (ps))
static struct itest_client *
proxy_connect_at(const char *file, int line, struct proxy_server *ps)
{
	struct itest_client *c;
	int port = ps->srv->port;

	ps->srv->port = ps->proxy_port;
	c = itest_connect_at(file, line, ps->srv, 0);
	ps->srv->port = port;
	return c;
}

/* Connect to the proxy listener, send a v1 header for ip, and register. */
static struct itest_client *
proxy_user_v1(struct proxy_server *ps, const char *ip, const char *nick)
{
	struct itest_client *c = proxy_connect(ps);

	itest_send(c, "PROXY TCP4 %s 127.0.0.1 40000 %d", ip, ps->proxy_port);
	itest_register(c, nick);
	return c;
}

static void
expect_whois_host(struct itest_client *c, const char *nick, const char *host)
{
	itest_send(c, "WHOIS %s", nick);
	itest_expect(c, ":%s 311 %s %s %.10s %s * :*", SRV, c->nick, nick, nick, host);
	itest_skip_to(c, ":%s 318 %s %s :*", SRV, c->nick, nick);
}

static void
test_v1_header_sets_host(void **state)
{
	struct proxy_server ps;
	struct itest_client *a, *b;

	(void)state;
	proxy_server_start(&ps, "");
	a = proxy_user_v1(&ps, "203.0.113.7", "viaproxy");
	expect_whois_host(a, "viaproxy", "203.0.113.7");
	/* Others see the header's address too, in WHOIS and in prefixes. */
	b = itest_user(ps.srv, "direct");
	expect_whois_host(b, "viaproxy", "203.0.113.7");
	expect_whois_host(b, "direct", "127.0.0.1");
	itest_send(a, "PRIVMSG direct :hello");
	itest_expect(b, ":viaproxy!viaproxy@203.0.113.7 PRIVMSG direct :hello");
	assert_int_equal(itest_server_stop(ps.srv), 0);
}

/* The header and the first IRC lines in one segment, as proxies send them. */
static void
test_v1_header_with_lines_in_one_write(void **state)
{
	struct proxy_server ps;
	struct itest_client *c;
	char buf[512];
	int n;

	(void)state;
	proxy_server_start(&ps, "");
	c = proxy_connect(&ps);
	n = snprintf(buf, sizeof(buf), "PROXY TCP6 2001:db8::42 ::1 40000 %d\r\n"
	    "PASS %s\r\nNICK sixer\r\nUSER sixer 0 * :six\r\n", ps.proxy_port,
	    ITEST_PASSWORD);
	itest_send_raw(c, buf, (size_t)n);
	snprintf(c->nick, sizeof(c->nick), "sixer");
	itest_expect(c, ":%s 001 sixer :*", SRV);
	expect_whois_host(c, "sixer", "2001:db8::42");
	assert_int_equal(itest_server_stop(ps.srv), 0);
}

/* A header cut into pieces still counts once it is whole. */
static void
test_header_in_pieces(void **state)
{
	static const char hdr[] = "PROXY TCP4 198.51.100.23 127.0.0.1 1 2\r\n";
	struct proxy_server ps;
	struct itest_client *c;

	(void)state;
	proxy_server_start(&ps, "");
	c = proxy_connect(&ps);
	itest_send_raw(c, hdr, 3);
	itest_sleep_ms(50);
	itest_send_raw(c, hdr + 3, 20);
	itest_sleep_ms(50);
	itest_send_raw(c, hdr + 23, sizeof(hdr) - 1 - 23);
	itest_register(c, "pieces");
	expect_whois_host(c, "pieces", "198.51.100.23");
	assert_int_equal(itest_server_stop(ps.srv), 0);
}

static void
test_v2_header_sets_host(void **state)
{
	/* PROXY, TCP over IPv4, 12 address bytes: 203.0.113.9:5555 -> 127.0.0.1. */
	static const char v4[] = V2_SIG "\x21\x11\x00\x0c"
	    "\xcb\x00\x71\x09" "\x7f\x00\x00\x01" "\x15\xb3" "\x1a\x0b";
	/* PROXY, TCP over IPv6 2001:db8::7 -> ::1, then a 3-byte NOOP TLV. */
	static const char v6[] = V2_SIG "\x21\x21\x00\x2a"
	    "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07"
	    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
	    "\x15\xb3" "\x1a\x0b" "\x04\x00\x03" "pad";
	/* LOCAL (a health check): the proxy's own address stands. */
	static const char local[] = V2_SIG "\x20\x00\x00\x00";
	struct proxy_server ps;
	struct itest_client *a, *b, *l;

	(void)state;
	proxy_server_start(&ps, "");
	a = proxy_connect(&ps);
	itest_send_raw(a, v4, sizeof(v4) - 1);
	itest_register(a, "binary4");
	b = proxy_connect(&ps);
	itest_send_raw(b, v6, sizeof(v6) - 1);
	itest_register(b, "binary6");
	l = proxy_connect(&ps);
	itest_send_raw(l, local, sizeof(local) - 1);
	itest_register(l, "local");
	expect_whois_host(a, "binary4", "203.0.113.9");
	expect_whois_host(a, "binary6", "2001:db8::7");
	expect_whois_host(a, "local", "127.0.0.1");
	assert_int_equal(itest_server_stop(ps.srv), 0);
}

static void
test_plain_traffic_on_proxy_port_refused(void **state)
{
	struct proxy_server ps;
	struct itest_client *c;

	(void)state;
	proxy_server_start(&ps, "");
	c = proxy_connect(&ps);
	itest_send(c, "NICK sneaky");
	itest_expect_next(c, "ERROR :Closing Link: 127.0.0.1 (PROXY header required)");
	itest_expect_closed(c);
	/* A malformed header is refused the same way. */
	c = proxy_connect(&ps);
	itest_send(c, "PROXY TCP4 203.0.113.300 127.0.0.1 1 2");
	itest_expect_next(c, "ERROR :Closing Link: 127.0.0.1 (PROXY header required)");
	itest_expect_closed(c);
	/* The listener still serves proper headers afterwards. */
	itest_close(proxy_user_v1(&ps, "203.0.113.8", "stillok"));
	assert_int_equal(itest_server_stop(ps.srv), 0);
}

/* A proxy that connects and says nothing is dropped after the deadline. */
static void
test_silent_proxy_connection_times_out(void **state)
{
	struct proxy_server ps;
	struct itest_client *c;
	int64_t start;

	(void)state;
	proxy_server_start(&ps, "");
	c = proxy_connect(&ps);
	c->timeout_ms = HEADER_TIMEOUT_MS + 3000;
	start = itest_now_ms();
	itest_expect_next(c, "ERROR :Closing Link: 127.0.0.1 (PROXY header required)");
	itest_expect_closed(c);
	assert_true(itest_now_ms() - start >= HEADER_TIMEOUT_MS - 100);
	assert_int_equal(itest_server_stop(ps.srv), 0);
}

/* Anyone could claim any address if ordinary ports took headers. */
static void
test_header_on_ordinary_port_refused(void **state)
{
	static const char v2[] = V2_SIG "\x21\x11\x00\x0c"
	    "\xcb\x00\x71\x09" "\x7f\x00\x00\x01" "\x15\xb3" "\x1a\x0b";
	struct proxy_server ps;
	struct itest_client *c;

	(void)state;
	proxy_server_start(&ps, "");
	c = itest_connect(ps.srv);
	itest_send(c, "PROXY TCP4 203.0.113.7 127.0.0.1 40000 6667");
	itest_expect_next(c, "ERROR :Closing Link: 127.0.0.1 (PROXY header on a "
	    "non-proxy port)");
	itest_expect_closed(c);
	/* v2, whose signature would otherwise read as empty lines and QUIT. */
	c = itest_connect(ps.srv);
	itest_send_raw(c, v2, sizeof(v2) - 1);
	itest_expect_next(c, "ERROR :Closing Link: 127.0.0.1 (PROXY header on a "
	    "non-proxy port)");
	itest_expect_closed(c);
	/* A signature cut short is decided when its next byte comes. */
	c = itest_connect(ps.srv);
	itest_send_raw(c, "PRO", 3);
	itest_sleep_ms(50);
	itest_send_raw(c, "XY TCP4", 7);
	itest_expect_next(c, "ERROR :Closing Link: 127.0.0.1 (PROXY header on a "
	    "non-proxy port)");
	itest_expect_closed(c);
	/* Lines that only start like a signature are ordinary IRC. */
	c = itest_connect(ps.srv);
	itest_send_raw(c, "\r\n", 2);
	itest_register(c, "crlffirst");
	assert_int_equal(itest_server_stop(ps.srv), 0);
}

/* max_per_ip counts the header's address, not the proxy's 127.0.0.1. */
static void
test_per_ip_limit_uses_header_address(void **state)
{
	struct proxy_server ps;
	struct itest_client *c;

	(void)state;
	proxy_server_start(&ps, "limit_exempt = none\nmax_per_ip = 2\n");
	proxy_user_v1(&ps, "203.0.113.50", "first");
	proxy_user_v1(&ps, "203.0.113.50", "second");
	c = proxy_connect(&ps);
	itest_send(c, "PROXY TCP4 203.0.113.50 127.0.0.1 40000 %d", ps.proxy_port);
	itest_expect_next(c, "ERROR :Closing Link: 203.0.113.50 (Too many connections "
	    "from your host)");
	itest_expect_closed(c);
	/* Other addresses behind the same proxy are not held back. */
	proxy_user_v1(&ps, "203.0.113.51", "third");
	proxy_user_v1(&ps, "198.51.100.1", "fourth");
	assert_int_equal(itest_server_stop(ps.srv), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_v1_header_sets_host),
		itest_unit_test(test_v1_header_with_lines_in_one_write),
		itest_unit_test(test_header_in_pieces),
		itest_unit_test(test_v2_header_sets_host),
		itest_unit_test(test_plain_traffic_on_proxy_port_refused),
		itest_unit_test(test_silent_proxy_connection_times_out),
		itest_unit_test(test_header_on_ordinary_port_refused),
		itest_unit_test(test_per_ip_limit_uses_header_address),
	};

	return itest_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
