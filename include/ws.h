/*
 * WebSocket (RFC 6455) for IRC (ircv3.net websocket): the HTTP/1.1 upgrade
 * handshake and the frame codec, sans I/O. Everything here reads bytes
 * handed to it and appends bytes to buffers; conn.c owns the sockets, the
 * deadlines and the decision to close. One IRC line is one message, without
 * CR LF; text.ircv3.net frames carry only UTF-8, binary.ircv3.net any bytes.
 */
#ifndef IRCSERV_WS_H
#define IRCSERV_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "irc.h"

struct buf;

/* Most bytes of a handshake request, request line and headers included. */
#define WS_HEADER_MAX           8192
/*
 * Longest message a client may send: a line with tags, without CR LF
 * (irc.h). Longer ones end the connection with 1009 "message too big";
 * the core answers lines within it but too long for IRC with 417.
 */
#define WS_MESSAGE_MAX          IRC_RECV_LINE_MAX
/* The longest frame header: 2 bytes, 8 of length, 4 of mask. */
#define WS_FRAME_HEADER_MAX     14
/* Room for the Origin header kept from a request, NUL included. */
#define WS_ORIGIN_MAX           256
/* Room for one address of X-Forwarded-For, NUL included. */
#define WS_ADDR_MAX             64

enum ws_mode {
	WS_TEXT,                /* text frames, UTF-8 only (also: no subprotocol) */
	WS_BINARY               /* binary frames, bytes as they are */
};

/* Close codes (RFC 6455 section 7.4.1). */
#define WS_CLOSE_NORMAL         1000
#define WS_CLOSE_GOING_AWAY     1001
#define WS_CLOSE_PROTOCOL       1002
#define WS_CLOSE_TOO_BIG        1009

/* A parsed handshake request; the strings are copies. */
struct ws_request {
	bool    upgrade;        /* asks for a WebSocket; false: plain HTTP */
	bool    root;           /* GET of "/" (or "/index.html") */
	char    key[25];        /* Sec-WebSocket-Key, 24 base64 characters */
	char    origin[WS_ORIGIN_MAX];  /* "" when absent */
	char    forwarded[WS_ADDR_MAX]; /* last X-Forwarded-For entry; "" */
	const char *protocol;   /* the subprotocol chosen, static; NULL: none */
	enum ws_mode mode;
	const char *error;      /* why the request was refused, static */
};

/*
 * Parse the request at the start of buf (len bytes so far). Returns its
 * length once the blank line that ends it has arrived and it is a GET
 * with what the handshake needs (or a plain GET: r->upgrade false), 0
 * while more may come (never past WS_HEADER_MAX bytes), -1 when it is
 * malformed, too long or not a valid upgrade (r->error says why). The
 * subprotocol is the first one the client lists that we speak.
 */
int     ws_parse_request(const char *buf, size_t len, struct ws_request *r);

/*
 * Write the 101 answer to r into out (outsz bytes, NUL included).
 * Returns its length, or -1 when out is too small (256 bytes suffice).
 */
int     ws_accept_response(const struct ws_request *r, char *out, size_t outsz);
/* Sec-WebSocket-Accept for key (section 4.2.2): 28 characters and NUL. */
void    ws_accept_key(const char *key, char out[29]);

/* Per-connection codec state, after the handshake; zero it, set mode. */
struct ws_session {
	enum ws_mode mode;
	bool    in_message;     /* a fragmented data message is open */
	size_t  msg_len;        /* its bytes so far */
	bool    closed;         /* a Close frame was sent: decode no more */
};

/*
 * Decode the complete frames at in (len bytes; unmasked in place).
 * Each data message's payload goes to lines followed by CR LF, so the
 * core reads it as one line; a message arrives fragment by fragment.
 * Pings are answered and Close is echoed in out. Returns the bytes
 * consumed: a partial frame at the end stays for the next call. Sets
 * *close (with *why) when the connection must end once out is written:
 * after a Close, a protocol error (its Close frame queued) or a full
 * lines buffer (*why "RecvQ exceeded", nothing queued).
 */
size_t  ws_decode(struct ws_session *s, unsigned char *in, size_t len,
	    struct buf *lines, struct buf *out, bool *close, const char **why);

/*
 * Frame each complete line of in (up to its last LF) as one message
 * without its CR LF, in s->mode; text frames get U+FFFD in place of each
 * byte that is not part of valid UTF-8. Returns the bytes of in used;
 * an unfinished line stays. -1 when out cannot grow.
 */
long    ws_encode(const struct ws_session *s, const char *in, size_t len,
	    struct buf *out);

/* Queue a Close frame with code and reason (at most 123 bytes) to out. */
int     ws_close_frame(struct ws_session *s, struct buf *out, unsigned code,
	    const char *reason);

/*
 * An HTTP answer with no body: "HTTP/1.1 <status>", Connection: close.
 * Returns the length written to out, or -1 when it does not fit.
 */
int     ws_http_error(char *out, size_t outsz, int status, const char *text);

/* Does origin (as sent) equal one of the n allowed ones (ASCII case)? */
bool    ws_origin_allowed(const char *origin, char *const *allowed, size_t n);

#endif
