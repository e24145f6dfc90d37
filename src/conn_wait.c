/*
 * Connections that are not clients yet, and the WebSocket side of those
 * that are. A connection on a proxy or websocket listener waits here for
 * its PROXY header (proxy.c) and WebSocket handshake (ws.c), or for its
 * HTTP answer (the web page, an error) to be written, within one
 * deadline; then conn.c's conn_admit() makes it a client. For WebSocket
 * clients, frames read are decoded into the receive queue as lines, and
 * the SendQ's lines are framed just before conn.c writes them.
 */
#include "conn_shell.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "casemap.h"
#include "client.h"
#include "config.h"
#include "irc.h"
#include "log.h"
#include "loop.h"
#include "msg.h"
#include "server.h"
#include "webpage.h"

static void on_proxy_wait(void *ud, int fd, short revents);

/* Forget a waiting connection: unlink and free it; its fd is not touched. */
static void
wait_unlink(struct conn *c, struct proxy_wait *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		c->wait_head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		c->wait_tail = w->prev;
	c->nwait--;
	buf_free(&w->answer);
	free(w);
}

/* Stop waiting for a header: refuse with why (NULL: just close). */
void
conn_wait_close(struct conn *c, struct proxy_wait *w, const char *why)
{
	loop_del(c->loop, w->fd);
	if (why != NULL)
		conn_refuse(w->fd, w->peer, why);
	else
		close(w->fd);
	wait_unlink(c, w);
}


void
conn_ws_free(struct ws_link *ws)
{
	if (ws == NULL)
		return;
	buf_free(&ws->in);
	buf_free(&ws->out);
	free(ws);
}

/* A client's WebSocket state; NULL for plain IRC (or an unmapped fd). */
struct ws_link *
conn_ws_of(const struct conn *c, const struct client *cli)
{
	int fd = cli->local->fd;

	return fd >= 0 && (size_t)fd < c->nslots ? c->slots[fd].ws : NULL;
}


/*
 * conn_refuse() for a WebSocket whose 101 answer waits in ws->out: the ERROR
 * line goes as a message and a Close follows, so a web client can say
 * why it was turned away.
 */
void
conn_refuse_ws(int fd, struct ws_link *ws, const char *ip, const char *why)
{
	char line[IRC_LINE_MAX];
	size_t n = msg_format(line, "ERROR :Closing Link: %s (%s)", ip, why);
	ssize_t w;

	if (ws_encode(&ws->s, line, n, &ws->out) != -1)
		ws_close_frame(&ws->s, &ws->out, WS_CLOSE_NORMAL, "");
	w = write(fd, buf_data(&ws->out), buf_len(&ws->out));
	(void)w;
	close(fd);
}


/*
 * A connection on a proxy listener: wait for its header. Waiters count
 * against max_clients with the clients, so they cannot pile up unbounded.
 */
/* A new waiter for fd from ip, watched and listed; NULL when out of memory. */
static struct proxy_wait *
wait_new(struct conn *c, int fd, const char *ip, bool proxy, bool websocket)
{
	struct proxy_wait *w;
	size_t cap = websocket ? WS_HEADER_MAX : PROXY_HEADER_MAX;

	if ((w = calloc(1, sizeof(*w) + cap)) == NULL ||
	    loop_add(c->loop, fd, POLLIN, on_proxy_wait, w) == -1) {
		free(w);
		return NULL;
	}
	w->c = c;
	w->fd = fd;
	w->cap = cap;
	w->proxy = proxy;
	w->websocket = websocket;
	w->deadline_ms = c->srv->now_ms + CONN_PROXY_TIMEOUT_MS;
	snprintf(w->peer, sizeof(w->peer), "%s", ip);
	w->prev = c->wait_tail;
	if (c->wait_tail)
		c->wait_tail->next = w;
	else
		c->wait_head = w;
	c->wait_tail = w;
	c->nwait++;
	return w;
}

static void
add_wait(struct conn *c, int fd, const struct sockaddr_storage *ss, bool proxy,
    bool websocket)
{
	char ip[PROXY_IP_MAX];

	conn_peer_text(ss, ip, sizeof(ip));
	if (conn_set_nonblocking(fd) == -1) {
		close(fd);
		return;
	}
	if (c->nwait + c->srv->nclients >= c->srv->cfg.max_clients) {
		conn_refuse(fd, ip, "Server is full");
		return;
	}
	if (wait_new(c, fd, ip, proxy, websocket) == NULL)
		conn_refuse(fd, ip, "Out of memory");
}

int
conn_wait_adopt(struct conn *c, int fd, const char *peer, bool proxy,
    bool websocket, const void *got, size_t len, int64_t deadline_ms,
    const void *answer, size_t alen)
{
	struct proxy_wait *w;

	if (conn_set_nonblocking(fd) == -1 ||
	    (w = wait_new(c, fd, peer, proxy, websocket)) == NULL)
		return -1;
	if (len > w->cap || (alen > 0 && buf_append(&w->answer, answer, alen) == -1)) {
		conn_wait_close(c, w, NULL);
		return -1;
	}
	if (len > 0)
		memcpy(w->buf, got, len);
	w->len = len;
	w->deadline_ms = deadline_ms;
	/* The rest of an HTTP answer is written, then the connection closes. */
	if (alen > 0)
		loop_set_events(c->loop, fd, POLLOUT);
	return 0;
}

void
conn_add_proxy_wait(struct conn *c, int fd, const struct sockaddr_storage *ss)
{
	add_wait(c, fd, ss, true, false);
}

void
conn_add_ws_wait(struct conn *c, int fd, const struct sockaddr_storage *ss)
{
	add_wait(c, fd, ss, false, true);
}

void
conn_add_ws_proxy_wait(struct conn *c, int fd, const struct sockaddr_storage *ss)
{
	add_wait(c, fd, ss, true, true);
}


/*
 * Give the core bytes that came after a header: for a WebSocket client
 * they are frames (a client may send its first ones right behind the
 * handshake), otherwise IRC.
 */
static void
feed_rest(struct conn *c, struct client *cli, const unsigned char *p, size_t n)
{
	struct ws_link *ws = conn_ws_of(c, cli);

	if (n == 0)
		return;
	if (buf_append(ws ? &ws->in : &cli->local->recvq, p, n) == -1)
		client_close(cli, "RecvQ exceeded");
	else if (ws)
		conn_ws_read(c, cli, ws);
	else
		server_on_input(c->srv, cli);
}

/* Stop waiting: the connection becomes a client (fd now belongs to it). */
static struct client *
wait_admit(struct conn *c, struct proxy_wait *w, const char *ip,
    struct ws_link *ws)
{
	loop_del(c->loop, w->fd);
	return conn_admit(c, w->fd, ip, false, ws);
}

/*
 * Answer an HTTP request that will not become a WebSocket (the page, or
 * an error) and close once it is written: bytes queued in w->answer, and
 * the waiter now waits for POLLOUT within the same deadline.
 */
static void
http_answer(struct conn *c, struct proxy_wait *w, int status, const char *text,
    const char *why)
{
	char head[256];
	int n = ws_http_error(head, sizeof(head), status, text);

	log_msg(&c->srv->log, LOG_INFO, "HTTP %d to %s on a websocket port: %s", status, w->peer, why);
	if (n < 0 || buf_append(&w->answer, head, (size_t)n) == -1) {
		conn_wait_close(c, w, NULL);
		return;
	}
	loop_set_events(c->loop, w->fd, POLLOUT);
}

static void
serve_page(struct conn *c, struct proxy_wait *w)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/html; charset=utf-8\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n"
	    "Connection: close\r\n\r\n", webpage_html_len);

	log_msg(&c->srv->log, LOG_DEBUG, "fd %d: web page to %s", w->fd, w->peer);
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    buf_append(&w->answer, head, (size_t)n) == -1 ||
	    buf_append(&w->answer, webpage_html, webpage_html_len) == -1) {
		conn_wait_close(c, w, NULL);
		return;
	}
	loop_set_events(c->loop, w->fd, POLLOUT);
}

/* Is ip (the peer) one whose X-Forwarded-For we believe? */
static bool
is_trusted_proxy(const struct server *srv, const char *ip)
{
	const struct config_strv *t = &srv->cfg.websocket_trusted;

	for (size_t i = 0; i < t->n; i++)
		if (casemap_match(t->v[i], ip))
			return true;
	return false;
}

/*
 * The address the client is admitted under: the X-Forwarded-For entry
 * when the peer is a trusted proxy and it is a numeric address (in
 * canonical text), else the peer.
 */
static const char *
client_address(struct conn *c, struct proxy_wait *w, const struct ws_request *r,
    char out[PROXY_IP_MAX])
{
	unsigned char a[16];

	if (r->forwarded[0] == '\0' || !is_trusted_proxy(c->srv, w->peer))
		return w->peer;
	if (inet_pton(AF_INET, r->forwarded, a) == 1 &&
	    inet_ntop(AF_INET, a, out, PROXY_IP_MAX) != NULL)
		return out;
	if (inet_pton(AF_INET6, r->forwarded, a) == 1 &&
	    inet_ntop(AF_INET6, a, out, PROXY_IP_MAX) != NULL)
		return out;
	log_msg(&c->srv->log, LOG_INFO, "%s: ignored X-Forwarded-For \"%s\"", w->peer, r->forwarded);
	return w->peer;
}

/*
 * The handshake request has arrived (hlen bytes, or -1: refused): answer
 * it. An upgrade becomes a client with the 101 queued first; a plain GET
 * of / gets the web page when it is enabled; anything else a 400.
 */
static void
ws_handshake(struct conn *c, struct proxy_wait *w, const struct ws_request *r,
    int hlen)
{
	const struct config *cfg = &c->srv->cfg;
	char ipbuf[PROXY_IP_MAX], resp[256];
	struct ws_link *ws;
	struct client *cli;
	int n;

	if (hlen == -1) {
		http_answer(c, w, 400, "Bad Request", r->error);
		return;
	}
	if (!r->upgrade) {
		if (cfg->websocket_client && r->root)
			serve_page(c, w);
		else if (cfg->websocket_client)
			http_answer(c, w, 404, "Not Found", "no such page");
		else
			http_answer(c, w, 400, "Bad Request", "not a WebSocket handshake");
		return;
	}
	if (cfg->websocket_origins.n > 0 && !ws_origin_allowed(r->origin,
	    cfg->websocket_origins.v, cfg->websocket_origins.n)) {
		http_answer(c, w, 403, "Forbidden", "origin not allowed");
		return;
	}
	if ((n = ws_accept_response(r, resp, sizeof(resp))) == -1 ||
	    (ws = calloc(1, sizeof(*ws))) == NULL) {
		conn_wait_close(c, w, NULL);
		return;
	}
	ws->s.mode = r->mode;
	buf_init(&ws->in, 0);
	buf_init(&ws->out, 0);
	if (buf_append(&ws->out, resp, (size_t)n) == -1) {
		conn_ws_free(ws);
		conn_wait_close(c, w, NULL);
		return;
	}
	if ((cli = wait_admit(c, w, client_address(c, w, r, ipbuf), ws)) == NULL) {
		conn_ws_free(ws);
		wait_unlink(c, w);
		return;
	}
	log_msg(&c->srv->log, LOG_DEBUG, "fd %d: WebSocket (%s)", cli->local->fd,
	    r->protocol ? r->protocol : "no subprotocol");
	/* The 101 answer waits in ws->out. */
	client_want_write(cli);
	feed_rest(c, cli, w->buf + hlen, w->len - (size_t)hlen);
	wait_unlink(c, w);
}

/*
 * The PROXY header is complete: take the address it names (the proxy's
 * own for LOCAL and UNKNOWN). Without a WebSocket to follow, admit the
 * client and give the core the bytes that came after it.
 */
static void
proxy_done(struct conn *c, struct proxy_wait *w, const struct proxy_result *r,
    size_t hlen)
{
	struct client *cli;

	log_msg(&c->srv->log, LOG_DEBUG, "fd %d: PROXY v%d header from %s names %s", w->fd,
	    r->version, w->peer, r->family == PROXY_LOCAL ? w->peer : r->src_ip);
	if (r->family != PROXY_LOCAL)
		memcpy(w->peer, r->src_ip, sizeof(w->peer));
	w->proxy = false;
	memmove(w->buf, w->buf + hlen, w->len - hlen);
	w->len -= hlen;
	if (w->websocket)
		return;
	if ((cli = wait_admit(c, w, w->peer, NULL)) != NULL)
		feed_rest(c, cli, w->buf, w->len);
	wait_unlink(c, w);
}

/* Write more of an HTTP answer; close once it is all out (or on error). */
static void
answer_more(struct conn *c, struct proxy_wait *w)
{
	ssize_t n;

	do
		n = write(w->fd, buf_data(&w->answer), buf_len(&w->answer));
	while (n == -1 && errno == EINTR);
	if (n > 0)
		buf_consume(&w->answer, (size_t)n);
	if ((n == -1 && errno != EAGAIN && errno != EWOULDBLOCK) ||
	    buf_len(&w->answer) == 0)
		conn_wait_close(c, w, NULL);
}

/* Read more of a PROXY header or WebSocket handshake; parse what came. */
static void
on_proxy_wait(void *ud, int fd, short revents)
{
	struct proxy_wait *w = ud;
	struct conn *c = w->c;
	struct proxy_result r;
	struct ws_request req;
	ssize_t n;
	int hlen;

	if (buf_len(&w->answer) > 0) {
		if (revents & (POLLOUT | POLLERR | POLLHUP))
			answer_more(c, w);
		return;
	}
	do
		n = read(fd, w->buf + w->len, w->cap - w->len);
	while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		conn_wait_close(c, w, NULL);
		return;
	}
	w->len += (size_t)n;
	if (w->proxy) {
		/*
		 * proxy_parse() decides within PROXY_HEADER_MAX bytes, so the
		 * buffer never fills up while the answer is still "need more".
		 */
		hlen = proxy_parse(w->buf, w->len, &r);
		if (hlen == -1) {
			log_msg(&c->srv->log, LOG_INFO, "refused %s on a proxy port: %s", w->peer, r.error);
			conn_wait_close(c, w, "PROXY header required");
			return;
		}
		if (hlen == 0)
			return;
		if (!w->websocket) {
			proxy_done(c, w, &r, (size_t)hlen);     /* frees w */
			return;
		}
		proxy_done(c, w, &r, (size_t)hlen);
		if (w->len == 0)
			return;
	}
	/* ws_parse_request() decides within WS_HEADER_MAX bytes, the buffer. */
	if ((hlen = ws_parse_request((const char *)w->buf, w->len, &req)) != 0)
		ws_handshake(c, w, &req, hlen);
}


/*
 * A WebSocket client's bytes are in ws->in: decode the whole frames into
 * the receive queue (answers to pings and closes go to ws->out), let the
 * core handle the lines, then close if the peer closed or broke the
 * protocol. A partial frame waits in ws->in for the next read.
 */
void
conn_ws_read(struct conn *c, struct client *cli, struct ws_link *ws)
{
	size_t before = buf_len(&cli->local->recvq), out = buf_len(&ws->out), used;
	const char *why = NULL;
	bool close;

	used = ws_decode(&ws->s, (unsigned char *)buf_data(&ws->in), buf_len(&ws->in),
	    &cli->local->recvq, &ws->out, &close, &why);
	buf_consume(&ws->in, used);
	if (buf_len(&cli->local->recvq) > before)
		server_on_input(c->srv, cli);
	if (buf_len(&ws->out) > out)
		client_want_write(cli);         /* a Pong or Close to write */
	if (close)
		client_close(cli, why);
}

/*
 * Bytes to read for a WebSocket client: no more than its receive queue
 * can take besides what waits in ws->in. A frame decodes to fewer bytes
 * than it has (6 or more of header and mask, 2 of CR LF), so whatever is
 * read then decodes in full and only a partial frame stays in ws->in.
 * 0 when the receive queue is full, as a TCP client's can be.
 */
size_t
conn_ws_read_room(const struct client *cli, const struct ws_link *ws)
{
	size_t used = buf_len(&cli->local->recvq) + buf_len(&ws->in);

	if (cli->local->recvq.limit == 0)
		return CONN_READ_CHUNK;
	if (used >= cli->local->recvq.limit)
		return 0;
	return cli->local->recvq.limit - used < CONN_READ_CHUNK ?
	    cli->local->recvq.limit - used : CONN_READ_CHUNK;
}


/*
 * The bytes to write to cli: its SendQ, or for a WebSocket client the
 * frames made from it. Lines are framed only once the frames before
 * them are written, so at most one round's worth of output is held
 * outside the SendQ and the SendQ limit still applies to a slow reader.
 * all: frame everything now (the last write before closing).
 */
struct buf *
conn_out_queue(struct conn *c, struct client *cli, bool all)
{
	struct ws_link *ws = conn_ws_of(c, cli);
	long used;

	if (ws == NULL)
		return &cli->local->sendq;
	/* RFC 6455 section 5.5.1: nothing follows a Close frame. */
	if (ws->s.closed) {
		buf_consume(&cli->local->sendq, buf_len(&cli->local->sendq));
		return &ws->out;
	}
	if ((all || buf_len(&ws->out) == 0) && buf_len(&cli->local->sendq) > 0) {
		used = ws_encode(&ws->s, buf_data(&cli->local->sendq), buf_len(&cli->local->sendq),
		    &ws->out);
		if (used == -1) {
			client_close(cli, "Out of memory");
			buf_free(&cli->local->sendq);
		} else {
			buf_consume(&cli->local->sendq, (size_t)used);
		}
	}
	return &ws->out;
}


/*
 * The last bytes before closing: the ERROR line, and for a WebSocket
 * client a Close frame after it (none when the peer's Close was echoed).
 */
struct buf *
conn_last_words(struct conn *c, struct client *cli)
{
	struct ws_link *ws = conn_ws_of(c, cli);
	struct buf *q = conn_out_queue(c, cli, true);

	if (ws != NULL)
		ws_close_frame(&ws->s, q, WS_CLOSE_NORMAL, "");
	return q;
}


/* Close the waiting connections whose PROXY header is late. */
void
conn_expire_waiting(struct conn *c)
{
	struct proxy_wait *w;

	while ((w = c->wait_head) != NULL && w->deadline_ms <= c->srv->now_ms) {
		if (w->proxy) {
			log_msg(&c->srv->log, LOG_INFO, "refused %s on a proxy port: no PROXY header "
			    "in %d ms", w->peer, CONN_PROXY_TIMEOUT_MS);
			conn_wait_close(c, w, "PROXY header required");
		} else {
			if (buf_len(&w->answer) == 0)
				log_msg(&c->srv->log, LOG_INFO, "closed %s on a websocket port: no "
				    "handshake in %d ms", w->peer, CONN_PROXY_TIMEOUT_MS);
			conn_wait_close(c, w, NULL);
		}
	}
}

