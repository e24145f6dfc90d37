/*
 * The socket shell's own state, shared by its two files and by nothing
 * else: conn.c (listeners, clients' reads and writes, the end of a round)
 * and conn_wait.c (connections that are not clients yet, waiting for a
 * PROXY header or a WebSocket handshake or being answered over HTTP, and
 * the WebSocket framing around clients). The core never includes this.
 */
#ifndef IRCSERV_CONN_SHELL_H
#define IRCSERV_CONN_SHELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "proxy.h"
#include "ws.h"

struct client;
struct sockaddr_storage;

/* Bytes read per readable event: large, but bounded per client per round. */
#define CONN_READ_CHUNK 16384

#define CONN_LISTENERS_MAX 16

/*
 * Time a proxy's connection has to send its PROXY header, and a WebSocket
 * connection its handshake (both, when the listener has both). The PROXY
 * spec asks for at least 3 s, to cover a TCP retransmit.
 */
#define CONN_PROXY_TIMEOUT_MS 5000

/*
 * A connection on a proxy or websocket listener whose header has not all
 * arrived. It is not a client yet: the core first hears of it with the
 * address the header names. Waiters are listed in arrival order, so in
 * deadline order. A waiter that is answered over HTTP (the web page, an
 * error) stays one until the answer is written.
 */
struct proxy_wait {
	struct conn     *c;
	int              fd;
	int64_t          deadline_ms;
	char             peer[PROXY_IP_MAX];    /* the proxy's own address */
	bool             proxy;         /* a PROXY header is still expected */
	bool             websocket;     /* a WebSocket handshake follows */
	struct buf       answer;        /* HTTP answer being written, then close */
	size_t           len, cap;
	struct proxy_wait *prev, *next;
	unsigned char    buf[];         /* cap bytes */
};

/* A WebSocket client's codec state and byte queues (ws.h). */
struct ws_link {
	struct ws_session s;
	struct buf       in;            /* bytes read, not yet whole frames */
	struct buf       out;           /* frames not yet written */
};

struct conn_slot {
	struct client   *cli;
	bool             sniff;         /* first bytes not yet checked for PROXY */
	struct ws_link  *ws;            /* NULL: plain IRC */
};

struct conn {
	struct server   *srv;
	struct loop     *loop;
	int              listen_fds[CONN_LISTENERS_MAX];
	bool             listen_proxy[CONN_LISTENERS_MAX];
	bool             listen_ws[CONN_LISTENERS_MAX];
	bool             listen_server[CONN_LISTENERS_MAX];
	size_t           nlisten;
	int              spare_fd;      /* reserve descriptor for EMFILE */
	struct conn_slot *slots;        /* fd -> client */
	size_t           nslots;
	struct proxy_wait *wait_head, *wait_tail;
	size_t           nwait;
	int64_t          paused_until_ms;  /* listeners off while out of fds; 0: on */
};

/* Make fd non-blocking and close-on-exec; 0 or -1. */
int     conn_set_nonblocking(int fd);
/* The peer's address as text ("unknown" when neither IPv4 nor IPv6). */
void    conn_peer_text(const struct sockaddr_storage *ss, char *ip, size_t iplen);
/* Best effort: write the ERROR line that says why to fd, then close it. */
void    conn_refuse(int fd, const char *ip, const char *why);
/* conn_refuse() for a WebSocket whose 101 answer waits in ws->out. */
void    conn_refuse_ws(int fd, struct ws_link *ws, const char *ip, const char *why);
/*
 * Hand fd, connected from ip, to the core as a new client, or refuse it.
 * sniff: its first bytes still have to be checked for a PROXY header.
 * ws: the WebSocket state of a websocket listener's client (NULL: plain
 * IRC), which the client owns from then on; on NULL the caller keeps it.
 */
struct client *conn_admit(struct conn *c, int fd, const char *ip, bool sniff,
	    struct ws_link *ws);

/*
 * A client restored from a saved state (conn_upgrade.c) whose descriptor
 * cli->fd this image inherited: watch it as conn_admit() would. Returns 0,
 * or -1 when the descriptor is not open or already taken.
 */
int     conn_adopt(struct conn *c, struct client *cli, bool sniff, struct ws_link *ws);
/*
 * A waiting connection restored from a saved state: its descriptor, the
 * header bytes it sent so far (len, at most the waiter's room) and its
 * deadline. Returns 0 or -1.
 */
int     conn_wait_adopt(struct conn *c, int fd, const char *peer, bool proxy,
	    bool websocket, const void *got, size_t len, int64_t deadline_ms,
	    const void *answer, size_t alen);
/* conn_wait.c: accept procs for proxy, websocket and proxy websocket listeners. */
void    conn_add_proxy_wait(struct conn *c, int fd, const struct sockaddr_storage *ss);
void    conn_add_ws_wait(struct conn *c, int fd, const struct sockaddr_storage *ss);
void    conn_add_ws_proxy_wait(struct conn *c, int fd,
	    const struct sockaddr_storage *ss);
/* Stop waiting: refuse with why (NULL: just close), unlink, free. */
void    conn_wait_close(struct conn *c, struct proxy_wait *w, const char *why);
/* Close the waiting connections whose deadline has passed. */
void    conn_expire_waiting(struct conn *c);

/* A client's WebSocket state; NULL for plain IRC (or an unmapped fd). */
struct ws_link *conn_ws_of(const struct conn *c, const struct client *cli);
/* Free a WebSocket state; accepts NULL. */
void    conn_ws_free(struct ws_link *ws);
/*
 * Bytes a WebSocket client may read now: no more than its receive queue
 * can take besides what waits in ws->in (0: the queue is full).
 */
size_t  conn_ws_read_room(const struct client *cli, const struct ws_link *ws);
/* Decode the whole frames in ws->in into the receive queue; handle them. */
void    conn_ws_read(struct conn *c, struct client *cli, struct ws_link *ws);
/*
 * The bytes to write to cli: its SendQ, or for a WebSocket client the
 * frames made from it (all: frame everything now, before closing).
 */
struct buf *conn_out_queue(struct conn *c, struct client *cli, bool all);
/* The last bytes before closing, a WebSocket client's Close included. */
struct buf *conn_last_words(struct conn *c, struct client *cli);

#endif
