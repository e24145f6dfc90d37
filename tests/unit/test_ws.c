/*
 * Unit tests for ws.c: the handshake (RFC 6455 section 4, its example
 * key, subprotocol preference, hostile and truncated requests) and the
 * frame codec (masking, fragmentation with control frames in between,
 * length forms, limits, partial input) and text-frame UTF-8 repair.
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
#include "ws.h"

#define KEY_HDR "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
#define GOOD "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n" \
	"Connection: keep-alive, Upgrade\r\n" KEY_HDR \
	"Sec-WebSocket-Version: 13\r\n"

/* Build a client frame: fin, opcode, payload masked with mask. */
static size_t
frame(unsigned char *out, bool fin, unsigned op, const void *payload, size_t n,
    const unsigned char mask[4])
{
	size_t h = 2;

	out[0] = (unsigned char)((fin ? 0x80 : 0) | op);
	if (n < 126) {
		out[1] = (unsigned char)(0x80 | n);
	} else if (n < 65536) {
		out[1] = 0x80 | 126;
		out[2] = (unsigned char)(n >> 8);
		out[3] = (unsigned char)n;
		h = 4;
	} else {
		out[1] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			out[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
		h = 10;
	}
	memcpy(out + h, mask, 4);
	for (size_t i = 0; i < n; i++)
		out[h + 4 + i] = ((const unsigned char *)payload)[i] ^ mask[i & 3];
	return h + 4 + n;
}

static const unsigned char M[4] = { 0x37, 0xfa, 0x21, 0x3d };

static void
test_accept_key(void **state)
{
	char out[29];

	(void)state;
	/* RFC 6455 section 1.3. */
	ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void
test_request_good(void **state)
{
	const char *req = GOOD "Origin: https://web.example\r\n"
	    "Sec-WebSocket-Protocol: foo, text.ircv3.net\r\n"
	    "Sec-WebSocket-Protocol: binary.ircv3.net\r\n"
	    "X-Forwarded-For: 10.0.0.1, 192.0.2.7\r\n\r\nextra";
	struct ws_request r;
	char resp[256];

	(void)state;
	assert_int_equal(ws_parse_request(req, strlen(req), &r),
	    (int)(strlen(req) - 5));
	assert_true(r.upgrade);
	assert_true(r.root);
	assert_string_equal(r.origin, "https://web.example");
	assert_string_equal(r.forwarded, "192.0.2.7");
	assert_string_equal(r.protocol, "text.ircv3.net");
	assert_int_equal(r.mode, WS_TEXT);
	assert_true(ws_accept_response(&r, resp, sizeof(resp)) > 0);
	assert_non_null(strstr(resp, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
	assert_non_null(strstr(resp, "Sec-WebSocket-Protocol: text.ircv3.net\r\n"));
	assert_string_equal(resp + strlen(resp) - 4, "\r\n\r\n");
}

static void
test_request_protocols(void **state)
{
	static const struct {
		const char *offer;
		const char *want;
	} v[] = {
		{ "binary.ircv3.net, text.ircv3.net", "binary.ircv3.net" },
		{ "text.ircv3.net, binary.ircv3.net", "text.ircv3.net" },
		{ "binary.ircv3.net", "binary.ircv3.net" },
		{ "chat, superchat", NULL },
		{ NULL, NULL },
	};
	char req[1024], resp[256];
	struct ws_request r;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(req, sizeof(req), GOOD "%s%s%s\r\n",
		    v[i].offer ? "Sec-WebSocket-Protocol: " : "",
		    v[i].offer ? v[i].offer : "", v[i].offer ? "\r\n" : "");
		assert_true(ws_parse_request(req, strlen(req), &r) > 0);
		if (v[i].want == NULL) {
			assert_null(r.protocol);
			assert_int_equal(r.mode, WS_TEXT);
			ws_accept_response(&r, resp, sizeof(resp));
			assert_null(strstr(resp, "Sec-WebSocket-Protocol"));
		} else {
			assert_string_equal(r.protocol, v[i].want);
			assert_int_equal(r.mode, v[i].want[0] == 'b' ? WS_BINARY : WS_TEXT);
		}
	}
}

static void
test_request_plain_and_partial(void **state)
{
	const char *plain = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	const char *full = GOOD "\r\n";
	struct ws_request r;

	(void)state;
	assert_int_equal(ws_parse_request(plain, strlen(plain), &r), (int)strlen(plain));
	assert_false(r.upgrade);
	assert_true(r.root);
	/* Every truncation of a good request asks for more. */
	for (size_t n = 0; n < strlen(full); n++)
		assert_int_equal(ws_parse_request(full, n, &r), 0);
	assert_int_equal(ws_parse_request(full, strlen(full), &r), (int)strlen(full));
}

static void
test_request_hostile(void **state)
{
	static const char *bad[] = {
		"POST / HTTP/1.1\r\n\r\n",
		"NICK foo\r\nUSER a b c d\r\n",
		"GET / HTTP/1.0\r\n\r\n",
		"GET /\r\n\r\n",
		"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
		/* Upgrade without a key, a bad key, an old version. */
		"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		"Sec-WebSocket-Version: 13\r\n\r\n",
		"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		"Sec-WebSocket-Key: short==\r\nSec-WebSocket-Version: 13\r\n\r\n",
		"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		KEY_HDR "Sec-WebSocket-Version: 8\r\n\r\n",
		GOOD KEY_HDR "\r\n",
	};
	struct ws_request r;
	char *big;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ws_parse_request(bad[i], strlen(bad[i]), &r) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(r.error);
	}
	/* Headers that never end are refused at WS_HEADER_MAX. */
	big = malloc(WS_HEADER_MAX + 1);
	assert_non_null(big);
	memcpy(big, "GET / HTTP/1.1\r\n", 16);
	memset(big + 16, 'a', WS_HEADER_MAX - 16);
	assert_int_equal(ws_parse_request(big, WS_HEADER_MAX - 1, &r), 0);
	assert_int_equal(ws_parse_request(big, WS_HEADER_MAX, &r), -1);
	free(big);
}

/* Decode all of in; return what the lines buffer holds, NUL-terminated. */
struct decoded {
	struct buf lines, out;
	bool close;
	const char *why;
	size_t used;
};

static void
decode(struct ws_session *s, unsigned char *in, size_t len, struct decoded *d)
{
	d->used = ws_decode(s, in, len, &d->lines, &d->out, &d->close, &d->why);
}

static void
test_decode_fragments_and_control(void **state)
{
	struct ws_session s = { .mode = WS_TEXT };
	struct decoded d = { 0 };
	unsigned char in[512];
	size_t n = 0;
	const unsigned char *o;

	(void)state;
	buf_init(&d.lines, 0);
	buf_init(&d.out, 0);
	n += frame(in + n, true, 1, "NICK a", 6, M);
	n += frame(in + n, false, 1, "PRIVMSG #c", 10, M);
	n += frame(in + n, true, 9, "hi", 2, M);        /* ping in between */
	n += frame(in + n, false, 0, " :hel", 5, M);
	n += frame(in + n, true, 10, "", 0, M);         /* unsolicited pong */
	n += frame(in + n, true, 0, "lo", 2, M);
	/* Byte by byte: nothing is lost or decoded twice. */
	for (size_t have = 0, used = 0; have <= n; have++) {
		decode(&s, in + used, have - used, &d);
		used += d.used;
		assert_false(d.close);
		if (have == n)
			assert_int_equal(used, n);
	}
	assert_int_equal(buf_len(&d.lines), strlen("NICK a\r\nPRIVMSG #c :hello\r\n"));
	assert_memory_equal(buf_data(&d.lines), "NICK a\r\nPRIVMSG #c :hello\r\n",
	    buf_len(&d.lines));
	o = (const unsigned char *)buf_data(&d.out);
	assert_int_equal(buf_len(&d.out), 4);
	assert_int_equal(o[0], 0x8a);
	assert_int_equal(o[1], 2);
	assert_memory_equal(o + 2, "hi", 2);
	buf_free(&d.lines);
	buf_free(&d.out);
}

/* Decode one hostile input; expect a close with code. */
static void
expect_close(const unsigned char *in, size_t n, unsigned code)
{
	struct ws_session s = { .mode = WS_BINARY };
	struct decoded d = { 0 };
	unsigned char copy[1024];
	const unsigned char *o;

	assert_true(n <= sizeof(copy));
	memcpy(copy, in, n);
	buf_init(&d.lines, 0);
	buf_init(&d.out, 0);
	decode(&s, copy, n, &d);
	assert_true(d.close);
	assert_true(s.closed);
	o = (const unsigned char *)buf_data(&d.out);
	assert_true(buf_len(&d.out) >= 4);
	assert_int_equal(o[0], 0x88);
	assert_int_equal((unsigned)o[2] << 8 | o[3], code);
	/* Nothing after the close is decoded. */
	decode(&s, copy, n, &d);
	assert_int_equal(d.used, 0);
	buf_free(&d.lines);
	buf_free(&d.out);
}

static void
test_decode_hostile(void **state)
{
	unsigned char in[1024];
	size_t n;

	(void)state;
	/* Unmasked. */
	expect_close((const unsigned char *)"\x81\x02hi", 4, WS_CLOSE_PROTOCOL);
	/* RSV bit, unknown opcode. */
	n = frame(in, true, 1, "x", 1, M);
	in[0] |= 0x40;
	expect_close(in, n, WS_CLOSE_PROTOCOL);
	n = frame(in, true, 3, "x", 1, M);
	expect_close(in, n, WS_CLOSE_PROTOCOL);
	/* Fragmented ping; a 126-byte ping. */
	n = frame(in, false, 9, "x", 1, M);
	expect_close(in, n, WS_CLOSE_PROTOCOL);
	memset(in + 600, 'p', 126);
	n = frame(in, true, 9, in + 600, 126, M);
	expect_close(in, n, WS_CLOSE_PROTOCOL);
	/* Continuation with nothing open; a new message inside one. */
	n = frame(in, true, 0, "x", 1, M);
	expect_close(in, n, WS_CLOSE_PROTOCOL);
	n = frame(in, false, 1, "x", 1, M);
	n += frame(in + n, true, 2, "y", 1, M);
	expect_close(in, n, WS_CLOSE_PROTOCOL);
	/* Non-minimal lengths, the top bit of a 64-bit length, oversized. */
	expect_close((const unsigned char *)"\x81\xfe\x00\x05MASK", 8, WS_CLOSE_PROTOCOL);
	expect_close((const unsigned char *)"\x81\xff\x80\0\0\0\0\0\0\0MASK", 14,
	    WS_CLOSE_PROTOCOL);
	expect_close((const unsigned char *)"\x81\xff\0\0\0\x01\0\0\0\0MASK", 14,
	    WS_CLOSE_TOO_BIG);
	expect_close((const unsigned char *)"\x81\xfe\xff\xffMASK", 8, WS_CLOSE_TOO_BIG);
}

static void
test_decode_message_limit(void **state)
{
	struct ws_session s = { .mode = WS_TEXT };
	struct decoded d = { 0 };
	static unsigned char in[3 * WS_MESSAGE_MAX];
	static char payload[WS_MESSAGE_MAX];
	size_t n, half = WS_MESSAGE_MAX / 2 + 1;

	(void)state;
	buf_init(&d.lines, 0);
	buf_init(&d.out, 0);
	memset(payload, 'x', sizeof(payload));
	/* Exactly WS_MESSAGE_MAX passes, in one frame. */
	n = frame(in, true, 1, payload, WS_MESSAGE_MAX, M);
	decode(&s, in, n, &d);
	assert_false(d.close);
	assert_int_equal(buf_len(&d.lines), WS_MESSAGE_MAX + 2);
	/* Two fragments that together exceed it do not. */
	n = frame(in, false, 1, payload, half, M);
	n += frame(in + n, true, 0, payload, half, M);
	decode(&s, in, n, &d);
	assert_true(d.close);
	assert_int_equal(((unsigned char)buf_data(&d.out)[2] << 8 |
	    (unsigned char)buf_data(&d.out)[3]), WS_CLOSE_TOO_BIG);
	buf_free(&d.lines);
	buf_free(&d.out);
}

static void
test_decode_close_echo(void **state)
{
	struct ws_session s = { .mode = WS_TEXT };
	struct decoded d = { 0 };
	unsigned char in[64];
	size_t n = frame(in, true, 8, "\x03\xe9" "bye", 5, M);

	(void)state;
	buf_init(&d.lines, 0);
	buf_init(&d.out, 0);
	decode(&s, in, n, &d);
	assert_true(d.close);
	assert_int_equal(d.used, n);
	assert_int_equal(buf_len(&d.out), 4);
	assert_memory_equal(buf_data(&d.out), "\x88\x02\x03\xe9", 4);
	/* A second close is never sent. */
	assert_int_equal(ws_close_frame(&s, &d.out, 1000, ""), 0);
	assert_int_equal(buf_len(&d.out), 4);
	buf_free(&d.lines);
	buf_free(&d.out);
}

static void
test_decode_recvq_full(void **state)
{
	struct ws_session s = { .mode = WS_TEXT };
	struct decoded d = { 0 };
	unsigned char in[64];
	size_t n = frame(in, true, 1, "PRIVMSG a :b", 12, M);

	(void)state;
	buf_init(&d.lines, 8);
	buf_init(&d.out, 0);
	decode(&s, in, n, &d);
	assert_true(d.close);
	assert_string_equal(d.why, "RecvQ exceeded");
	buf_free(&d.lines);
	buf_free(&d.out);
}

static void
test_encode(void **state)
{
	struct ws_session text = { .mode = WS_TEXT }, bin = { .mode = WS_BINARY };
	const char *in = "PING a\r\nPRIVMSG b :caf\xe9\r\nPRIVMSG b :\xc3\xa9\xed\xa0\x80\r\npart";
	struct buf out;
	const char *o;

	(void)state;
	buf_init(&out, 0);
	assert_int_equal(ws_encode(&bin, in, strlen(in), &out), strlen(in) - 4);
	o = buf_data(&out);
	assert_memory_equal(o, "\x82\x06PING a\x82\x0fPRIVMSG b :caf\xe9", 25);
	buf_consume(&out, buf_len(&out));
	assert_int_equal(ws_encode(&text, in, strlen(in), &out), strlen(in) - 4);
	o = buf_data(&out);
	/* Latin-1 é and a surrogate's three bytes become U+FFFD each. */
	assert_memory_equal(o, "\x81\x06PING a\x81\x11PRIVMSG b :caf\xef\xbf\xbd"
	    "\x81\x16PRIVMSG b :\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 8 + 19 + 24);
	assert_int_equal(buf_len(&out), 8 + 19 + 24);
	buf_free(&out);
}

static void
test_encode_lengths(void **state)
{
	struct ws_session bin = { .mode = WS_BINARY };
	static char line[70000];
	struct buf out;
	const unsigned char *o;

	(void)state;
	buf_init(&out, 0);
	memset(line, 'a', sizeof(line));
	line[200] = '\n';
	assert_int_equal(ws_encode(&bin, line, 201, &out), 201);
	o = (const unsigned char *)buf_data(&out);
	assert_int_equal(o[1], 126);
	assert_int_equal(o[2] << 8 | o[3], 200);
	buf_consume(&out, buf_len(&out));
	line[200] = 'a';
	line[sizeof(line) - 1] = '\n';
	assert_int_equal(ws_encode(&bin, line, sizeof(line), &out), sizeof(line));
	o = (const unsigned char *)buf_data(&out);
	assert_int_equal(o[1], 127);
	assert_int_equal((size_t)o[7] << 16 | (size_t)o[8] << 8 | o[9], sizeof(line) - 1);
	buf_free(&out);
}

static void
test_origins(void **state)
{
	char *allowed[] = { "https://a.example", "http://localhost:8080" };

	(void)state;
	assert_true(ws_origin_allowed("https://A.example", allowed, 2));
	assert_true(ws_origin_allowed("http://localhost:8080", allowed, 2));
	assert_false(ws_origin_allowed("https://a.example.evil", allowed, 2));
	assert_false(ws_origin_allowed("", allowed, 2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_key),
		cmocka_unit_test(test_request_good),
		cmocka_unit_test(test_request_protocols),
		cmocka_unit_test(test_request_plain_and_partial),
		cmocka_unit_test(test_request_hostile),
		cmocka_unit_test(test_decode_fragments_and_control),
		cmocka_unit_test(test_decode_hostile),
		cmocka_unit_test(test_decode_message_limit),
		cmocka_unit_test(test_decode_close_echo),
		cmocka_unit_test(test_decode_recvq_full),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_encode_lengths),
		cmocka_unit_test(test_origins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
