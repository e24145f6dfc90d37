/*
 * libFuzzer harness for the WebSocket codec (ws.c): arbitrary bytes as a
 * handshake request, as client frames fed in two pieces (decoding must
 * not depend on where a read ends) and as server output to frame, whose
 * text frames must hold only valid UTF-8 whatever the input.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ws.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decode all of in, fed as [0, cut) then the rest; the lines buffer out. */
static void
decode_split(const uint8_t *data, size_t size, size_t cut, struct buf *lines,
    struct buf *out, bool *closed)
{
	struct ws_session s = { .mode = WS_TEXT };
	unsigned char *in = malloc(size + 1);
	size_t used = 0, have = cut;
	bool close = false;
	const char *why;

	assert(in != NULL);
	memcpy(in, data, size);
	for (int pass = 0; pass < 2 && !close; pass++, have = size) {
		used += ws_decode(&s, in + used, have - used, lines, out, &close, &why);
		assert(used <= have);
	}
	*closed = close;
	free(in);
}

/* Every text frame in out (as ws_encode() writes them) is valid UTF-8. */
static void
check_text_frames(const unsigned char *p, size_t n)
{
	size_t off = 0;

	while (off < n) {
		size_t len, h = 2;

		assert(n - off >= 2 && p[off] == 0x81);
		len = p[off + 1];
		if (len == 126) {
			len = (size_t)p[off + 2] << 8 | p[off + 3];
			h = 4;
		} else if (len == 127) {
			len = 0;
			for (int i = 0; i < 8; i++)
				len = len << 8 | p[off + 2 + i];
			h = 10;
		}
		off += h;
		assert(len <= n - off);
		for (size_t i = 0; i < len; ) {
			unsigned char c = p[off + i];
			size_t k = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

			assert(c < 0x80 || (c >= 0xc2 && c <= 0xf4));
			assert(i + k <= len);
			for (size_t j = 1; j < k; j++)
				assert((p[off + i + j] & 0xc0) == 0x80);
			assert(c != '\n');
			i += k;
		}
		off += len;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_request r;
	struct ws_session text = { .mode = WS_TEXT };
	struct buf l1, o1, l2, o2, enc;
	bool c1, c2;
	int n;

	n = ws_parse_request((const char *)data, size, &r);
	assert(n >= -1 && (size_t)(n > 0 ? n : 0) <= size);
	if (n > 0) {
		char resp[256];

		assert(memchr(r.origin, '\0', sizeof(r.origin)) != NULL);
		if (r.upgrade)
			assert(ws_accept_response(&r, resp, sizeof(resp)) > 0);
	}

	buf_init(&l1, 0);
	buf_init(&o1, 0);
	buf_init(&l2, 0);
	buf_init(&o2, 0);
	decode_split(data, size, size, &l1, &o1, &c1);
	decode_split(data, size, size ? data[0] % (size + 1) : 0, &l2, &o2, &c2);
	assert(c1 == c2);
	assert(buf_len(&l1) == buf_len(&l2) && buf_len(&o1) == buf_len(&o2));
	assert(buf_len(&l1) == 0 || memcmp(buf_data(&l1), buf_data(&l2), buf_len(&l1)) == 0);
	buf_free(&l1);
	buf_free(&o1);
	buf_free(&l2);
	buf_free(&o2);

	buf_init(&enc, 0);
	n = (int)ws_encode(&text, (const char *)data, size, &enc);
	assert(n >= 0 && (size_t)n <= size);
	check_text_frames((const unsigned char *)buf_data(&enc), buf_len(&enc));
	buf_free(&enc);
	return 0;
}
