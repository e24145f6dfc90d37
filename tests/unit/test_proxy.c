/*
 * Unit tests for proxy.c: PROXY protocol v1 and v2 headers, good and
 * hostile, whole and cut at every byte; the v1 and v2 size bounds; and
 * the sniffer that lets ordinary listeners refuse a header.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proxy.h"

/* A byte string that may hold NULs: its bytes and its length. */
#define B(s)            s, sizeof(s) - 1
#define V2_SIG          "\r\n\r\n\0\r\nQUIT\n"
#define V6_MAX          "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
#define NOT_CRLF        "PROXY line not ended by CR LF"
#define NFIELDS         "wrong number of PROXY fields"

struct good_case {
	const char      *bytes;
	size_t           len;
	int              header_len;    /* bytes proxy_parse() must consume */
	int              version;
	enum proxy_family family;
	const char      *src_ip;
	unsigned         src_port;
};

static const struct good_case good_cases[] = {
	{ B("PROXY TCP4 203.0.113.7 127.0.0.1 51234 6697\r\n"), 45, 1,
	    PROXY_INET4, "203.0.113.7", 51234 },
	/* The bytes after the header are the client's and are not consumed. */
	{ B("PROXY TCP4 203.0.113.7 127.0.0.1 51234 6697\r\nNICK a\r\n"), 45, 1,
	    PROXY_INET4, "203.0.113.7", 51234 },
	{ B("PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n"), 32, 1, PROXY_INET4, "0.0.0.0", 0 },
	{ B("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n"), 56, 1,
	    PROXY_INET4, "255.255.255.255", 65535 },
	/* IPv6 text comes back canonical (RFC 5952): lower case, "::". */
	{ B("PROXY TCP6 2001:DB8:0:0:0:0:0:7 ::1 51234 6697\r\n"), 48, 1,
	    PROXY_INET6, "2001:db8::7", 51234 },
	{ B("PROXY TCP6 " V6_MAX " " V6_MAX " 65535 65535\r\n"), 104, 1,
	    PROXY_INET6, V6_MAX, 65535 },
	/* IPv4-mapped addresses come back as IPv4: one address, one form. */
	{ B("PROXY TCP6 ::ffff:203.0.113.7 ::1 1 2\r\n"), 39, 1,
	    PROXY_INET4, "203.0.113.7", 1 },
	{ B("PROXY TCP6 ::FFFF:CB00:7107 ::1 1 2\r\n"), 37, 1,
	    PROXY_INET4, "203.0.113.7", 1 },
	{ B("PROXY UNKNOWN\r\n"), 15, 1, PROXY_LOCAL, "", 0 },
	/* Anything after UNKNOWN is ignored, up to the longest line (107). */
	{ B("PROXY UNKNOWN whatever it likes\r\n"), 33, 1, PROXY_LOCAL, "", 0 },
	{ B("PROXY UNKNOWN " V6_MAX " " V6_MAX " 65535 65535\r\n"), 107, 1,
	    PROXY_LOCAL, "", 0 },
	/* v2 TCP4 203.0.113.7:51234 -> 127.0.0.1:6697. */
	{ B(V2_SIG "\x21\x11\x00\x0c" "\xcb\x00\x71\x07" "\x7f\x00\x00\x01"
	    "\xc8\x22" "\x1a\x29" "NICK a\r\n"), 28, 2,
	    PROXY_INET4, "203.0.113.7", 51234 },
	/* v2 TCP6 2001:db8::7 -> ::1, then a NOOP TLV of 3 bytes to skip. */
	{ B(V2_SIG "\x21\x21\x00\x2a"
	    "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07"
	    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
	    "\x00\x50" "\x1a\x29" "\x04\x00\x03" "abc"), 58, 2,
	    PROXY_INET6, "2001:db8::7", 80 },
	/* v2 TCP6 with an IPv4-mapped source. */
	{ B(V2_SIG "\x21\x21\x00\x24"
	    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xc6\x33\x64\x17"
	    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
	    "\x00\x50" "\x1a\x29"), 52, 2, PROXY_INET4, "198.51.100.23", 80 },
	/* LOCAL (a health check): the real peer stands, addresses or not. */
	{ B(V2_SIG "\x20\x00\x00\x00"), 16, 2, PROXY_LOCAL, "", 0 },
	{ B(V2_SIG "\x20\x11\x00\x0c" "\xcb\x00\x71\x07" "\x7f\x00\x00\x01"
	    "\xc8\x22" "\x1a\x29"), 28, 2, PROXY_LOCAL, "", 0 },
	/* PROXY with UNSPEC or UDP falls back to the real peer (2.2). */
	{ B(V2_SIG "\x21\x00\x00\x00"), 16, 2, PROXY_LOCAL, "", 0 },
	{ B(V2_SIG "\x21\x12\x00\x0c" "\xcb\x00\x71\x07" "\x7f\x00\x00\x01"
	    "\xc8\x22" "\x1a\x29"), 28, 2, PROXY_LOCAL, "", 0 },
};

struct bad_case {
	const char      *bytes;
	size_t           len;
	const char      *error;
};

static const struct bad_case bad_cases[] = {
	/* Not PROXY at all: plain IRC, HTTP, wrong case. */
	{ B("NICK alice\r\n"), "no PROXY header" },
	{ B("GET / HTTP/1.1\r\n"), "no PROXY header" },
	{ B("proxy TCP4 203.0.113.7 127.0.0.1 1 2\r\n"), "no PROXY header" },
	{ B("PROXY\r\n"), "no PROXY header" },
	/* v1: line ends. */
	{ B("PROXY TCP4 203.0.113.7 127.0.0.1 51234 6697\n"), NOT_CRLF },
	{ B("PROXY TCP4 203.0.113.7 127.0.0.1 51234 6697\rN"), NOT_CRLF },
	{ B("PROXY TCP4 203.0.113.7\0" "127.0.0.1 51234 6697\r\n"), NOT_CRLF },
	/* v1: protocol and fields. */
	{ B("PROXY TCP5 203.0.113.7 127.0.0.1 1 2\r\n"), "unknown PROXY protocol" },
	{ B("PROXY UNKNOWNX\r\n"), "unknown PROXY protocol" },
	{ B("PROXY  TCP4 203.0.113.7 127.0.0.1 1 2\r\n"), "unknown PROXY protocol" },
	{ B("PROXY TCP4  203.0.113.7 127.0.0.1 1 2\r\n"), NFIELDS },
	{ B("PROXY TCP4 203.0.113.7  127.0.0.1 1 2\r\n"), NFIELDS },
	{ B("PROXY TCP4 203.0.113.7 127.0.0.1 1 2 \r\n"), NFIELDS },
	{ B("PROXY TCP4 203.0.113.7 127.0.0.1 1\r\n"), NFIELDS },
	{ B("PROXY TCP4 203.0.113.7 127.0.0.1 1 2 3\r\n"), NFIELDS },
	{ B("PROXY TCP4\r\n"), "unknown PROXY protocol" },
	/* v1: addresses. */
	{ B("PROXY TCP4 203.0.113.256 127.0.0.1 1 2\r\n"), "bad PROXY address" },
	{ B("PROXY TCP4 203.0.113.07 127.0.0.1 1 2\r\n"), "bad PROXY address" },
	{ B("PROXY TCP4 203.0.113 127.0.0.1 1 2\r\n"), "bad PROXY address" },
	{ B("PROXY TCP4 203.0.113.7.1 127.0.0.1 1 2\r\n"), "bad PROXY address" },
	{ B("PROXY TCP4 203.0..7 127.0.0.1 1 2\r\n"), "bad PROXY address" },
	{ B("PROXY TCP4 203.0.113.7 127.0.0.x 1 2\r\n"), "bad PROXY address" },
	{ B("PROXY TCP4 0203.0.113.7 127.0.0.1 1 2\r\n"), "bad PROXY address" },
	{ B("PROXY TCP4 ::1 ::1 1 2\r\n"), "bad PROXY address" },
	{ B("PROXY TCP6 203.0.113.7 127.0.0.1 1 2\r\n"), "bad PROXY address" },
	{ B("PROXY TCP6 2001:db8:::7 ::1 1 2\r\n"), "bad PROXY address" },
	{ B("PROXY TCP6 ::1 ::g 1 2\r\n"), "bad PROXY address" },
	/* v1: ports. */
	{ B("PROXY TCP4 1.2.3.4 5.6.7.8 65536 1\r\n"), "bad PROXY port" },
	{ B("PROXY TCP4 1.2.3.4 5.6.7.8 1 70000\r\n"), "bad PROXY port" },
	{ B("PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\n"), "bad PROXY port" },
	{ B("PROXY TCP4 1.2.3.4 5.6.7.8 123456 1\r\n"), "bad PROXY port" },
	{ B("PROXY TCP4 1.2.3.4 5.6.7.8 0123 1\r\n"), "bad PROXY port" },
	{ B("PROXY TCP4 1.2.3.4 5.6.7.8 -1 1\r\n"), "bad PROXY port" },
	{ B("PROXY TCP4 1.2.3.4 5.6.7.8 +1 1\r\n"), "bad PROXY port" },
	{ B("PROXY TCP4 1.2.3.4 5.6.7.8 12a 1\r\n"), "bad PROXY port" },
	{ B("PROXY TCP4 1.2.3.4 5.6.7.8 1 \r\n"), "bad PROXY port" },
	/* v1: 108 bytes, one past the longest line. */
	{ B("PROXY UNKNOWN " V6_MAX " " V6_MAX " 65535 655351\r\n"),
	    "PROXY line too long" },
	/* v2: signature, version, command, family, transport. */
	{ B("\r\n\r\n\0\r\nQUIX\n\x21\x11\x00\x00"), "no PROXY header" },
	{ B("\r\n\r\n\r\n"), "no PROXY header" },
	{ B(V2_SIG "\x11\x11\x00\x0c"), "unsupported PROXY version" },
	{ B(V2_SIG "\x31\x11\x00\x0c"), "unsupported PROXY version" },
	{ B(V2_SIG "\x22\x11\x00\x0c"), "unknown PROXY command" },
	{ B(V2_SIG "\x2f\x11\x00\x0c"), "unknown PROXY command" },
	{ B(V2_SIG "\x21\x41\x00\x0c"), "unknown PROXY address family" },
	{ B(V2_SIG "\x21\x13\x00\x0c"), "unknown PROXY address family" },
	/* v2: an address block too short for its family. */
	{ B(V2_SIG "\x21\x11\x00\x08" "\xcb\x00\x71\x07" "\x7f\x00\x00\x01"),
	    "PROXY address block too short" },
	{ B(V2_SIG "\x21\x21\x00\x0c" "\xcb\x00\x71\x07" "\x7f\x00\x00\x01"
	    "\xc8\x22" "\x1a\x29"), "PROXY address block too short" },
	/* v2: lengths past the bound are refused before waiting for them. */
	{ B(V2_SIG "\x21\x11\x04\x01"), "PROXY header too long" },
	{ B(V2_SIG "\x21\x11\xff\xff"), "PROXY header too long" },
};

static void
test_good_headers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
		const struct good_case *c = &good_cases[i];
		struct proxy_result r;
		int n = proxy_parse(c->bytes, c->len, &r);

		if (n != c->header_len)
			fail_msg("case %zu: got %d (%s), want %d", i, n,
			    r.error ? r.error : "no error", c->header_len);
		assert_int_equal(r.version, c->version);
		assert_int_equal(r.family, c->family);
		assert_string_equal(r.src_ip, c->src_ip);
		assert_int_equal(r.src_port, c->src_port);
		assert_null(r.error);
	}
}

/* Every proper prefix of a good header is "need more", never an error. */
static void
test_good_headers_truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
		const struct good_case *c = &good_cases[i];

		for (size_t k = 0; k < (size_t)c->header_len; k++) {
			struct proxy_result r;
			int n = proxy_parse(c->bytes, k, &r);

			if (n != 0)
				fail_msg("case %zu cut at %zu: got %d (%s), want 0", i, k,
				    n, r.error ? r.error : "no error");
		}
	}
}

static void
test_bad_headers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct proxy_result r;
		int n = proxy_parse(bad_cases[i].bytes, bad_cases[i].len, &r);

		if (n != -1)
			fail_msg("case %zu: got %d, want -1", i, n);
		assert_string_equal(r.error, bad_cases[i].error);
	}
}

/*
 * v1 has no length field: 105 bytes without CR may still end in CR LF
 * at 107; 106 cannot.
 */
static void
test_v1_length_bound(void **state)
{
	char line[PROXY_V1_MAX + 1];
	struct proxy_result r;

	(void)state;
	memset(line, 'x', sizeof(line));
	memcpy(line, "PROXY UNKNOWN ", 14);
	assert_int_equal(proxy_parse(line, PROXY_V1_MAX - 2, &r), 0);
	assert_int_equal(proxy_parse(line, PROXY_V1_MAX - 1, &r), -1);
	assert_string_equal(r.error, "PROXY line too long");
	assert_int_equal(proxy_parse(line, sizeof(line), &r), -1);
	line[PROXY_V1_MAX - 2] = '\r';
	assert_int_equal(proxy_parse(line, PROXY_V1_MAX - 1, &r), 0);
	line[PROXY_V1_MAX - 1] = '\n';
	assert_int_equal(proxy_parse(line, sizeof(line), &r), PROXY_V1_MAX);
	assert_int_equal(r.family, PROXY_LOCAL);
}

/* The largest v2 header taken: TCP4 addresses and TLVs up to the bound. */
static void
test_v2_length_bound(void **state)
{
	static const unsigned char head[] = V2_SIG "\x21\x11";
	static const unsigned char addrs[] = "\xcb\x00\x71\x07\x7f\x00\x00\x01"
	    "\xc8\x22\x1a\x29";
	unsigned char *buf = calloc(1, PROXY_HEADER_MAX + 1);
	struct proxy_result r;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, head, 14);
	buf[14] = PROXY_V2_LEN_MAX >> 8;
	buf[15] = PROXY_V2_LEN_MAX & 0xff;
	memcpy(buf + 16, addrs, 12);
	/* One NOOP TLV fills the rest (2.2.4). */
	buf[28] = 0x04;
	buf[29] = (PROXY_V2_LEN_MAX - 15) >> 8;
	buf[30] = (PROXY_V2_LEN_MAX - 15) & 0xff;
	assert_int_equal(proxy_parse(buf, PROXY_HEADER_MAX - 1, &r), 0);
	assert_int_equal(proxy_parse(buf, PROXY_HEADER_MAX + 1, &r), PROXY_HEADER_MAX);
	assert_string_equal(r.src_ip, "203.0.113.7");
	buf[15]++;
	assert_int_equal(proxy_parse(buf, PROXY_V2_FIXED, &r), -1);
	assert_string_equal(r.error, "PROXY header too long");
	free(buf);
}

struct sniff_case {
	const char      *bytes;
	size_t           len;
	enum proxy_sniff want;
};

static const struct sniff_case sniff_cases[] = {
	{ B(""), PROXY_SNIFF_MAYBE },
	{ B("P"), PROXY_SNIFF_MAYBE },
	{ B("PROXY"), PROXY_SNIFF_MAYBE },
	{ B("PROXY "), PROXY_SNIFF_YES },
	{ B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), PROXY_SNIFF_YES },
	{ B("PROXY garbage"), PROXY_SNIFF_YES },
	{ B("PROXYX"), PROXY_SNIFF_NO },
	{ B("PASS x\r\n"), PROXY_SNIFF_NO },
	{ B("NICK a\r\n"), PROXY_SNIFF_NO },
	{ B("\r\n"), PROXY_SNIFF_MAYBE },
	{ B("\r\n\r\n\0\r\nQUI"), PROXY_SNIFF_MAYBE },
	{ B(V2_SIG), PROXY_SNIFF_YES },
	{ B("\r\n\r\nNICK a\r\n"), PROXY_SNIFF_NO },
	{ B("\r\nPROXY "), PROXY_SNIFF_NO },
};

static void
test_sniff(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(sniff_cases) / sizeof(sniff_cases[0]); i++) {
		enum proxy_sniff s = proxy_sniff(sniff_cases[i].bytes, sniff_cases[i].len);

		if (s != sniff_cases[i].want)
			fail_msg("case %zu: got %d, want %d", i, (int)s,
			    (int)sniff_cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_headers),
		cmocka_unit_test(test_good_headers_truncated),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_v1_length_bound),
		cmocka_unit_test(test_v2_length_bound),
		cmocka_unit_test(test_sniff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
