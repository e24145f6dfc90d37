/*
 * WebSocket handshake and frames (RFC 6455) for IRC (ircv3.net websocket).
 * Pure: input is bytes, output is bytes appended to buffers. A frame is
 * decoded only once it is all there, so its size is bounded by
 * WS_MESSAGE_MAX plus a header; what to do with a close is conn.c's call.
 */
#include "ws.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "crypto.h"
#include "msg.h"

/* RFC 6455 section 1.3. */
static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

enum {
	OP_CONT = 0x0, OP_TEXT = 0x1, OP_BINARY = 0x2,
	OP_CLOSE = 0x8, OP_PING = 0x9, OP_PONG = 0xa
};

static int
refuse(struct ws_request *r, const char *why)
{
	r->error = why;
	return -1;
}

/* Does the comma-separated list s (len bytes) hold token, ASCII case? */
static bool
has_token(const char *s, size_t len, const char *token)
{
	size_t tlen = strlen(token), i = 0;

	while (i < len) {
		size_t start, end;

		while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
			i++;
		start = i;
		while (i < len && s[i] != ',')
			i++;
		end = i;
		while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
			end--;
		if (end - start == tlen && strncasecmp(s + start, token, tlen) == 0)
			return true;
	}
	return false;
}

/*
 * ircv3.net websocket: the first subprotocol the client offers that we
 * speak wins. Offers arrive in order over one or more headers.
 */
static void
pick_protocol(struct ws_request *r, const char *s, size_t len)
{
	size_t i = 0;

	while (r->protocol == NULL && i < len) {
		size_t start, end;

		while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
			i++;
		start = i;
		while (i < len && s[i] != ',' && s[i] != ' ' && s[i] != '\t')
			i++;
		end = i;
		if (end - start == 16 && memcmp(s + start, "binary.ircv3.net", 16) == 0) {
			r->protocol = "binary.ircv3.net";
			r->mode = WS_BINARY;
		} else if (end - start == 14 && memcmp(s + start, "text.ircv3.net", 14) == 0) {
			r->protocol = "text.ircv3.net";
			r->mode = WS_TEXT;
		}
	}
}

/* Copy the value (len bytes) into out (outsz), or fail when too long. */
static int
copy_value(char *out, size_t outsz, const char *v, size_t len)
{
	if (len >= outsz)
		return -1;
	memcpy(out, v, len);
	out[len] = '\0';
	return 0;
}

/* The last entry of X-Forwarded-For: the one our trusted proxy added. */
static int
last_forwarded(struct ws_request *r, const char *v, size_t len)
{
	const char *comma = NULL;

	for (size_t i = 0; i < len; i++)
		if (v[i] == ',')
			comma = v + i;
	if (comma != NULL) {
		len -= (size_t)(comma + 1 - v);
		v = comma + 1;
	}
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	return copy_value(r->forwarded, sizeof(r->forwarded), v, len);
}

struct ws_seen {
	bool    upgrade, connection, version, key;
};

/* One header line "Name: value" (len bytes, no CR LF). */
static int
header(struct ws_request *r, struct ws_seen *seen, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len), *v;
	size_t nlen, vlen;

	if (colon == NULL || colon == line)
		return refuse(r, "malformed header line");
	nlen = (size_t)(colon - line);
	v = colon + 1;
	vlen = len - nlen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
#define IS(name) (nlen == sizeof(name) - 1 && strncasecmp(line, name, nlen) == 0)
	if (IS("Upgrade")) {
		seen->upgrade |= has_token(v, vlen, "websocket");
	} else if (IS("Connection")) {
		seen->connection |= has_token(v, vlen, "upgrade");
	} else if (IS("Sec-WebSocket-Version")) {
		if (vlen != 2 || memcmp(v, "13", 2) != 0)
			return refuse(r, "unsupported Sec-WebSocket-Version");
		seen->version = true;
	} else if (IS("Sec-WebSocket-Key")) {
		uint8_t nonce[18];

		/* Section 4.1: base64 of a 16-byte nonce. */
		if (seen->key || vlen != 24 ||
		    crypto_base64_decode(v, vlen, nonce, sizeof(nonce)) != 16)
			return refuse(r, "bad Sec-WebSocket-Key");
		memcpy(r->key, v, 24);
		r->key[24] = '\0';
		seen->key = true;
	} else if (IS("Sec-WebSocket-Protocol")) {
		pick_protocol(r, v, vlen);
	} else if (IS("Origin")) {
		if (copy_value(r->origin, sizeof(r->origin), v, vlen) == -1)
			return refuse(r, "Origin too long");
	} else if (IS("X-Forwarded-For")) {
		if (last_forwarded(r, v, vlen) == -1)
			return refuse(r, "bad X-Forwarded-For");
	}
#undef IS
	return 0;
}

/* "GET <target> HTTP/1.1" */
static int
request_line(struct ws_request *r, const char *line, size_t len)
{
	const char *sp, *target;
	size_t tlen;

	if (len < 4 || memcmp(line, "GET ", 4) != 0)
		return refuse(r, "not a GET request");
	target = line + 4;
	if ((sp = memchr(target, ' ', len - 4)) == NULL)
		return refuse(r, "malformed request line");
	tlen = (size_t)(sp - target);
	if ((size_t)(line + len - (sp + 1)) != 8 || memcmp(sp + 1, "HTTP/1.1", 8) != 0)
		return refuse(r, "not HTTP/1.1");
	r->root = (tlen == 1 && target[0] == '/') ||
	    (tlen == 11 && memcmp(target, "/index.html", 11) == 0);
	return 0;
}

int
ws_parse_request(const char *buf, size_t len, struct ws_request *r)
{
	struct ws_seen seen = { 0 };
	const char *end = NULL, *p, *eol;

	memset(r, 0, sizeof(*r));
	r->mode = WS_TEXT;
	for (size_t i = 0; i + 3 < len && i + 4 <= WS_HEADER_MAX; i++) {
		if (buf[i] == '\r' && memcmp(buf + i, "\r\n\r\n", 4) == 0) {
			end = buf + i + 2;      /* just after the last header's CR LF */
			break;
		}
	}
	if (end == NULL) {
		if (len >= WS_HEADER_MAX)
			return refuse(r, "request headers too long");
		/* Something that cannot be a GET is refused at once. */
		if (memcmp(buf, "GET ", len < 4 ? len : 4) != 0)
			return refuse(r, "not a GET request");
		return 0;
	}
	for (p = buf; p < end; p = eol + 2) {
		eol = memchr(p, '\r', (size_t)(end - p));
		if (eol == NULL || eol[1] != '\n')
			return refuse(r, "bare CR in the request");
		if (memchr(p, '\0', (size_t)(eol - p)) != NULL ||
		    memchr(p, '\n', (size_t)(eol - p)) != NULL)
			return refuse(r, "bad byte in the request");
		if ((p == buf ? request_line(r, p, (size_t)(eol - p)) :
		    header(r, &seen, p, (size_t)(eol - p))) == -1)
			return -1;
	}
	r->upgrade = seen.upgrade;
	if (r->upgrade && !(seen.connection && seen.version && seen.key))
		return refuse(r, "incomplete WebSocket handshake");
	return (int)(end - buf) + 2;
}

void
ws_accept_key(const char *key, char out[29])
{
	char cat[24 + sizeof(ws_guid)];
	uint8_t digest[CRYPTO_SHA1_LEN];

	memcpy(cat, key, 24);
	memcpy(cat + 24, ws_guid, sizeof(ws_guid));
	crypto_sha1(cat, 24 + sizeof(ws_guid) - 1, digest);
	crypto_base64_encode(digest, sizeof(digest), out, 29);
}

int
ws_accept_response(const struct ws_request *r, char *out, size_t outsz)
{
	char accept[29];
	int n;

	ws_accept_key(r->key, accept);
	n = snprintf(out, outsz, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n%s%s%s\r\n", accept,
	    r->protocol ? "Sec-WebSocket-Protocol: " : "",
	    r->protocol ? r->protocol : "", r->protocol ? "\r\n" : "");
	return n < 0 || (size_t)n >= outsz ? -1 : n;
}

int
ws_http_error(char *out, size_t outsz, int status, const char *text)
{
	int n = snprintf(out, outsz, "HTTP/1.1 %d %s\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n", status, text);

	return n < 0 || (size_t)n >= outsz ? -1 : n;
}

bool
ws_origin_allowed(const char *origin, char *const *allowed, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(origin, allowed[i]) == 0)
			return true;
	return false;
}

/* Write the header for a payload of len bytes to h; its length (2..10). */
static size_t
header_bytes(unsigned char h[10], unsigned opcode, size_t len)
{
	size_t n = 2;

	h[0] = (unsigned char)(0x80 | opcode);
	if (len < 126) {
		h[1] = (unsigned char)len;
	} else if (len < 65536) {
		h[1] = 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		n = 4;
	} else {
		h[1] = 127;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
		n = 10;
	}
	return n;
}

/* Append a frame header for a payload of len bytes (server frames: no mask). */
static int
frame_header(struct buf *out, unsigned opcode, size_t len)
{
	unsigned char h[10];

	return buf_append(out, h, header_bytes(h, opcode, len));
}

/* Append a whole frame: header and payload in one reservation. */
static int
frame(struct buf *out, unsigned opcode, const void *payload, size_t len)
{
	unsigned char h[10];
	size_t hlen = header_bytes(h, opcode, len), avail;
	char *dst = buf_reserve(out, hlen + len, &avail);

	if (dst == NULL || avail < hlen + len)
		return -1;
	memcpy(dst, h, hlen);
	memcpy(dst + hlen, payload, len);
	buf_commit(out, hlen + len);
	return 0;
}

int
ws_close_frame(struct ws_session *s, struct buf *out, unsigned code,
    const char *reason)
{
	unsigned char p[125];
	size_t rlen = strlen(reason);

	if (s->closed)
		return 0;
	s->closed = true;
	if (rlen > sizeof(p) - 2)
		rlen = sizeof(p) - 2;
	p[0] = (unsigned char)(code >> 8);
	p[1] = (unsigned char)code;
	memcpy(p + 2, reason, rlen);
	if (frame_header(out, OP_CLOSE, rlen + 2) == -1)
		return -1;
	return buf_append(out, p, rlen + 2);
}

/* A decoded frame header. */
struct frame {
	bool    fin;
	unsigned opcode;
	size_t  hlen;           /* header bytes, mask included */
	uint64_t plen;          /* payload bytes */
	const unsigned char *mask;
};

/*
 * Read the header at in. Returns 1 when complete, 0 when more is needed,
 * -1 with *code on a protocol violation.
 */
static int
frame_parse(const unsigned char *in, size_t len, struct frame *f, unsigned *code)
{
	unsigned lenbyte;

	*code = WS_CLOSE_PROTOCOL;
	if (len < 2)
		return 0;
	f->fin = (in[0] & 0x80) != 0;
	f->opcode = in[0] & 0x0f;
	lenbyte = in[1] & 0x7f;
	/* Section 5.2: no extension was agreed, so the RSV bits are 0. */
	if ((in[0] & 0x70) != 0)
		return -1;
	/* Section 5.3: every client frame is masked. */
	if ((in[1] & 0x80) == 0)
		return -1;
	if (f->opcode != OP_CONT && f->opcode != OP_TEXT && f->opcode != OP_BINARY &&
	    f->opcode != OP_CLOSE && f->opcode != OP_PING && f->opcode != OP_PONG)
		return -1;
	/* Section 5.5: control frames are short and never fragmented. */
	if (f->opcode >= OP_CLOSE && (!f->fin || lenbyte > 125))
		return -1;
	f->hlen = 2 + (lenbyte == 126 ? 2 : lenbyte == 127 ? 8 : 0) + 4;
	if (len < f->hlen)
		return 0;
	if (lenbyte == 126) {
		f->plen = (uint64_t)in[2] << 8 | in[3];
		if (f->plen < 126)      /* section 5.2: the minimal length form */
			return -1;
	} else if (lenbyte == 127) {
		f->plen = 0;
		for (int i = 0; i < 8; i++)
			f->plen = f->plen << 8 | in[2 + i];
		if (f->plen < 65536 || (f->plen >> 63) != 0)
			return -1;
	} else {
		f->plen = lenbyte;
	}
	f->mask = in + f->hlen - 4;
	if (f->plen > WS_MESSAGE_MAX) {
		*code = WS_CLOSE_TOO_BIG;
		return -1;
	}
	return 1;
}

/* XOR the payload with the mask, 8 bytes at a time (memcpy: any alignment). */
static void
unmask(unsigned char *p, size_t n, const unsigned char mask[4])
{
	unsigned char m8[8];
	uint64_t m, w;
	size_t i = 0;

	for (int k = 0; k < 8; k++)
		m8[k] = mask[k & 3];
	memcpy(&m, m8, 8);
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		w ^= m;
		memcpy(p + i, &w, 8);
	}
	for (; i < n; i++)
		p[i] ^= mask[i & 3];
}

/* Fail the connection with code: queue our Close, stop decoding. */
static void
fail(struct ws_session *s, struct buf *out, unsigned code, const char *why,
    bool *close, const char **whyp)
{
	ws_close_frame(s, out, code, why);
	*close = true;
	*whyp = why;
}

/* A control frame's payload p (n bytes). */
static void
control(struct ws_session *s, const struct frame *f, const unsigned char *p,
    size_t n, struct buf *out, bool *close, const char **why)
{
	if (f->opcode == OP_PING) {
		if (!s->closed && frame(out, OP_PONG, p, n) == -1)
			fail(s, out, WS_CLOSE_GOING_AWAY, "Out of memory", close, why);
	} else if (f->opcode == OP_CLOSE) {
		/* Section 5.5.1: echo the status code. 1 byte is malformed. */
		unsigned code = n >= 2 ? (unsigned)p[0] << 8 | p[1] : WS_CLOSE_NORMAL;

		if (n == 1)
			code = WS_CLOSE_PROTOCOL;
		ws_close_frame(s, out, code, "");
		*close = true;
		*why = "Connection closed";
	}
	/* A Pong is the answer to nothing we sent: ignored (section 5.5.3). */
}

/* A data frame's payload: part of the open message, or a new one. */
static void
data(struct ws_session *s, const struct frame *f, const unsigned char *p,
    size_t n, struct buf *lines, struct buf *out, bool *close, const char **why)
{
	if (f->opcode == OP_CONT ? !s->in_message : s->in_message) {
		fail(s, out, WS_CLOSE_PROTOCOL, f->opcode == OP_CONT ?
		    "continuation without a message" : "message inside a message",
		    close, why);
		return;
	}
	if (f->opcode != OP_CONT)
		s->msg_len = 0;
	if (n > WS_MESSAGE_MAX - s->msg_len) {
		fail(s, out, WS_CLOSE_TOO_BIG, "message too long", close, why);
		return;
	}
	s->msg_len += n;
	s->in_message = !f->fin;
	if (buf_append(lines, p, n) == -1 ||
	    (f->fin && buf_append(lines, "\r\n", 2) == -1)) {
		*close = true;
		*why = "RecvQ exceeded";
	}
}

size_t
ws_decode(struct ws_session *s, unsigned char *in, size_t len,
    struct buf *lines, struct buf *out, bool *close, const char **why)
{
	size_t off = 0;

	*close = false;
	while (!*close && !s->closed) {
		struct frame f;
		unsigned code;
		int r = frame_parse(in + off, len - off, &f, &code);
		unsigned char *p;

		if (r == -1) {
			fail(s, out, code, code == WS_CLOSE_TOO_BIG ? "frame too long" :
			    "protocol error", close, why);
			break;
		}
		if (r == 0 || len - off - f.hlen < f.plen)
			break;
		p = in + off + f.hlen;
		unmask(p, (size_t)f.plen, f.mask);
		if (f.opcode >= OP_CLOSE)
			control(s, &f, p, (size_t)f.plen, out, close, why);
		else
			data(s, &f, p, (size_t)f.plen, lines, out, close, why);
		off += f.hlen + (size_t)f.plen;
	}
	return off;
}

/*
 * One line (no CR LF) as a text frame, U+FFFD for each byte that is not
 * part of well-formed UTF-8 (msg_utf8_valid(), as UTF8ONLY checks it).
 */
static int
encode_text(const unsigned char *p, size_t n, struct buf *out)
{
	const char *s = (const char *)p;
	size_t outlen = 0, i, run;

	for (i = 0; i < n; i++) {
		run = msg_utf8_valid(s + i, n - i);
		outlen += run;
		if ((i += run) < n)
			outlen += 3;
	}
	if (outlen == n)
		return frame(out, OP_TEXT, p, n);
	if (frame_header(out, OP_TEXT, outlen) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		run = msg_utf8_valid(s + i, n - i);
		if (run > 0 && buf_append(out, p + i, run) == -1)
			return -1;
		if ((i += run) < n && buf_append(out, "\xef\xbf\xbd", 3) == -1)
			return -1;
	}
	return 0;
}

long
ws_encode(const struct ws_session *s, const char *in, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t off = 0;
	const unsigned char *nl;

	while (off < len && (nl = memchr(p + off, '\n', len - off)) != NULL) {
		size_t n = (size_t)(nl - (p + off));

		if (n > 0 && p[off + n - 1] == '\r')
			n--;
		if (s->mode == WS_TEXT ? encode_text(p + off, n, out) == -1 :
		    frame(out, OP_BINARY, p + off, n) == -1)
			return -1;
		off = (size_t)(nl - p) + 1;
	}
	return (long)off;
}
