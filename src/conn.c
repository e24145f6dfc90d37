/*
 * The socket side of connections. Reads go straight into the client's
 * receive queue; complete lines go to server_on_line(). Writes happen once
 * per client per round (plus on POLLOUT), so many queued messages leave in
 * one send(). Errors close only the connection they happen on. On proxy
 * listeners a connection becomes a client only once its PROXY header
 * (proxy.c) has named the real peer; on websocket listeners, once its
 * WebSocket handshake (ws.c) is done: conn_wait.c holds them until then.
 * A WebSocket client is an ordinary client to the core: its frames are
 * decoded into the receive queue as lines, and what the core queues is
 * framed just before it is written (conn_wait.c too).
 */
#include "conn.h"
#include "conn_shell.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "config.h"
#include "irc.h"
#include "link.h"
#include "log.h"
#include "loop.h"
#include "proxy.h"
#include "msg.h"
#include "server.h"
#include "ws.h"

/*
 * Connections accepted from one listener per round. A storm of connects
 * then costs the clients already here a short wait each round, not one
 * long one; the listener stays readable (level-triggered), so the rest
 * are taken in the next rounds.
 */
#define CONN_ACCEPT_MAX 256

/* How long listeners rest when descriptors run out and none can be freed. */
#define CONN_PAUSE_MS 250

int
conn_set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int
conn_listen(const char *addr, int family, unsigned port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int fd, one = 1, af = family == CONFIG_INET6 ? AF_INET6 : AF_INET;

	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET6) {
		struct sockaddr_in6 *sa6 = (struct sockaddr_in6 *)&ss;

		sa6->sin6_family = AF_INET6;
		sa6->sin6_port = htons((unsigned short)port);
		sslen = sizeof(*sa6);
		if (addr && inet_pton(AF_INET6, addr, &sa6->sin6_addr) != 1)
			goto bad_addr;
	} else {
		struct sockaddr_in *sa = (struct sockaddr_in *)&ss;

		sa->sin_family = AF_INET;
		sa->sin_port = htons((unsigned short)port);
		sa->sin_addr.s_addr = htonl(INADDR_ANY);
		sslen = sizeof(*sa);
		if (addr && inet_pton(AF_INET, addr, &sa->sin_addr) != 1)
			goto bad_addr;
	}
	if ((fd = socket(af, SOCK_STREAM, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* An IPv6 listener serves IPv6 only, so [::] and 0.0.0.0 can coexist. */
	if (af == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, sslen) == -1 ||
	    listen(fd, 4096) == -1 || conn_set_nonblocking(fd) == -1) {
		snprintf(err, errlen, "cannot listen on %s port %u: %s",
		    addr ? addr : "0.0.0.0", port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
bad_addr:
	snprintf(err, errlen, "bad listen address %s", addr);
	return -1;
}

static void on_listen(void *ud, int fd, short revents);
static void on_listen_proxy(void *ud, int fd, short revents);
static void on_listen_ws(void *ud, int fd, short revents);
static void on_listen_ws_proxy(void *ud, int fd, short revents);
static void on_listen_server(void *ud, int fd, short revents);
static void on_client(void *ud, int fd, short revents);

struct conn *
conn_new(struct server *srv, struct loop *lp)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->srv = srv;
	c->loop = lp;
	c->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return c;
}

int
conn_add_listener(struct conn *c, int listen_fd, bool proxy, bool websocket,
    bool server)
{
	loop_proc *cb = server ? on_listen_server :
	    websocket ? (proxy ? on_listen_ws_proxy : on_listen_ws) :
	    proxy ? on_listen_proxy : on_listen;

	if (c->nlisten == CONN_LISTENERS_MAX ||
	    loop_add(c->loop, listen_fd, POLLIN, cb, c) == -1)
		return -1;
	c->listen_proxy[c->nlisten] = proxy;
	c->listen_ws[c->nlisten] = websocket;
	c->listen_server[c->nlisten] = server;
	c->listen_fds[c->nlisten++] = listen_fd;
	return 0;
}

/*
 * Best effort: tell a refused connection why, then close it. The line is
 * built like the ERROR of client_close(): cut to fit, CR LF kept.
 */
void
conn_refuse(int fd, const char *ip, const char *why)
{
	char line[IRC_LINE_MAX];
	size_t n = msg_format(line, "ERROR :Closing Link: %s (%s)", ip, why);
	ssize_t w = write(fd, line, n);

	(void)w;
	close(fd);
}

void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	while (c->wait_head != NULL)
		conn_wait_close(c, c->wait_head, NULL);
	for (size_t i = 0; i < c->nlisten; i++) {
		loop_del(c->loop, c->listen_fds[i]);
		close(c->listen_fds[i]);
	}
	if (c->spare_fd >= 0)
		close(c->spare_fd);
	for (size_t i = 0; i < c->nslots; i++)
		conn_ws_free(c->slots[i].ws);
	free(c->slots);
	free(c);
}

static int
map_fd(struct conn *c, int fd, struct client *cli, bool sniff)
{
	if ((size_t)fd >= c->nslots) {
		size_t n = loop_grown((size_t)fd + 1);
		struct conn_slot *v;

		if ((v = realloc(c->slots, n * sizeof(*v))) == NULL)
			return -1;
		memset(v + c->nslots, 0, (n - c->nslots) * sizeof(*v));
		c->slots = v;
		c->nslots = n;
	}
	c->slots[fd].cli = cli;
	c->slots[fd].sniff = sniff;
	c->slots[fd].ws = NULL;
	return 0;
}

/*
 * Out of descriptors: give back the spare one, accept and refuse the
 * waiting connection, take the spare again. Without this, the listener
 * stays readable and the loop spins.
 */
/*
 * Returns true when a waiting connection was refused. Linux reports
 * EMFILE before it looks at the queue, so false means nobody was waiting.
 */
static bool
accept_when_full(struct conn *c, int listen_fd)
{
	int fd;

	if (c->spare_fd >= 0) {
		close(c->spare_fd);
		c->spare_fd = -1;
	}
	if ((fd = accept(listen_fd, NULL, NULL)) >= 0)
		conn_refuse(fd, "*", "Server is full");
	c->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		log_msg(&c->srv->log, LOG_WARN, "out of file descriptors: refused a connection");
	return fd >= 0;
}

/*
 * No descriptor to spare: stop watching the listeners for a moment, or a
 * readable listener that cannot be accepted from would make the loop spin.
 */
static void
pause_listeners(struct conn *c)
{
	for (size_t i = 0; i < c->nlisten; i++)
		loop_set_events(c->loop, c->listen_fds[i], 0);
	c->paused_until_ms = c->srv->now_ms + CONN_PAUSE_MS;
	log_msg(&c->srv->log, LOG_WARN, "out of file descriptors: not accepting for %d ms", CONN_PAUSE_MS);
}

static void
resume_listeners(struct conn *c)
{
	if (c->paused_until_ms == 0 || c->srv->now_ms < c->paused_until_ms)
		return;
	for (size_t i = 0; i < c->nlisten; i++)
		loop_set_events(c->loop, c->listen_fds[i], POLLIN);
	c->paused_until_ms = 0;
	if (c->spare_fd < 0)
		c->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void
conn_peer_text(const struct sockaddr_storage *ss, char *ip, size_t iplen)
{
	snprintf(ip, iplen, "unknown");
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, ip,
		    (socklen_t)iplen);
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, ip,
		    (socklen_t)iplen);
}

/*
 * Hand fd, connected from ip, to the core as a new client, or refuse it.
 * sniff: its first bytes still have to be checked for a PROXY header.
 * ws: the WebSocket state for a websocket listener's client (NULL: plain
 * IRC), which the client owns from then on; on NULL the caller keeps it.
 */
struct client *
conn_admit(struct conn *c, int fd, const char *ip, bool sniff, struct ws_link *ws)
{
	struct client *cli;
	const char *why;

	if ((cli = server_add_client(c->srv, fd, ip, &why)) == NULL) {
		log_msg(&c->srv->log, LOG_INFO, "refused %s: %s", ip, why);
		if (ws != NULL)
			conn_refuse_ws(fd, ws, ip, why);
		else
			conn_refuse(fd, ip, why);
		return NULL;
	}
	if (map_fd(c, fd, cli, sniff) == -1 ||
	    loop_add(c->loop, fd, POLLIN, on_client, c) == -1) {
		/* Out of memory: drop this connection only. */
		client_close(cli, "Out of memory");
		return NULL;
	}
	c->slots[fd].ws = ws;
	log_msg(&c->srv->log, LOG_INFO, "connection from %s (fd %d)%s", ip, fd,
	    ws ? " (WebSocket)" : "");
	return cli;
}

int
conn_adopt(struct conn *c, struct client *cli, bool sniff, struct ws_link *ws)
{
	int fd = cli->local->fd;

	if (fd < 0 || ((size_t)fd < c->nslots && c->slots[fd].cli != NULL) ||
	    conn_set_nonblocking(fd) == -1 || map_fd(c, fd, cli, sniff) == -1)
		return -1;
	if (loop_add(c->loop, fd, POLLIN, on_client, c) == -1) {
		c->slots[fd].cli = NULL;
		return -1;
	}
	c->slots[fd].ws = ws;
	return 0;
}

/* A connection on an ordinary listener: a client at once. */
static void
add_client(struct conn *c, int fd, const struct sockaddr_storage *ss)
{
	char ip[PROXY_IP_MAX];

	if (conn_set_nonblocking(fd) == -1) {
		close(fd);
		return;
	}
	conn_peer_text(ss, ip, sizeof(ip));
	conn_admit(c, fd, ip, true, NULL);
}

/* A connection on a server listener: a server link, never a client. */
static void
add_server_link(struct conn *c, int fd, const struct sockaddr_storage *ss)
{
	char ip[PROXY_IP_MAX];
	struct client *cli;

	if (conn_set_nonblocking(fd) == -1) {
		close(fd);
		return;
	}
	conn_peer_text(ss, ip, sizeof(ip));
	if ((cli = conn_admit(c, fd, ip, false, NULL)) != NULL &&
	    link_attach(c->srv, cli, NULL) == -1)
		client_close(cli, "Server linking is not configured here");
}

typedef void conn_accept_proc(struct conn *c, int fd, const struct sockaddr_storage *ss);

/* Accept until EAGAIN or CONN_ACCEPT_MAX: a burst of connects is one event. */
static void
accept_all(struct conn *c, int listen_fd, conn_accept_proc *proc)
{
	for (unsigned n = 0; n < CONN_ACCEPT_MAX; n++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int cfd = accept(listen_fd, (struct sockaddr *)&ss, &len);

		if (cfd >= 0) {
			proc(c, cfd, &ss);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE) {
			if (c->spare_fd < 0) {
				pause_listeners(c);
				return;
			}
			if (!accept_when_full(c, listen_fd))
				return;
			continue;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			log_msg(&c->srv->log, LOG_ERROR, "accept: %s", strerror(errno));
		return;
	}
}

static void
on_listen(void *ud, int fd, short revents)
{
	(void)revents;
	accept_all(ud, fd, add_client);
}

static void
on_listen_proxy(void *ud, int fd, short revents)
{
	(void)revents;
	accept_all(ud, fd, conn_add_proxy_wait);
}

static void
on_listen_ws(void *ud, int fd, short revents)
{
	(void)revents;
	accept_all(ud, fd, conn_add_ws_wait);
}

static void
on_listen_ws_proxy(void *ud, int fd, short revents)
{
	(void)revents;
	accept_all(ud, fd, conn_add_ws_proxy_wait);
}

static void
on_listen_server(void *ud, int fd, short revents)
{
	(void)revents;
	accept_all(ud, fd, add_server_link);
}

/* Start a non-blocking connect to b; -1 with why. */
static int
start_connect(const struct config_link *b, const char **why)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sa = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sa6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, b->host, &sa->sin_addr) == 1) {
		sa->sin_family = AF_INET;
		sa->sin_port = htons((unsigned short)b->port);
		len = sizeof(*sa);
	} else if (inet_pton(AF_INET6, b->host, &sa6->sin6_addr) == 1) {
		sa6->sin6_family = AF_INET6;
		sa6->sin6_port = htons((unsigned short)b->port);
		len = sizeof(*sa6);
	} else {
		*why = "host is not a numeric address";
		return -1;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1 ||
	    conn_set_nonblocking(fd) == -1 ||
	    (connect(fd, (struct sockaddr *)&ss, len) == -1 && errno != EINPROGRESS)) {
		*why = strerror(errno);
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

void
conn_connect_links(struct conn *c)
{
	const struct config_link *b;
	struct client *cli;
	const char *why = "refused";
	int fd;

	while ((b = link_next_connect(c->srv)) != NULL) {
		if ((fd = start_connect(b, &why)) == -1 ||
		    (cli = conn_admit(c, fd, b->host, false, NULL)) == NULL) {
			link_connect_failed(c->srv, b->name, why);
			continue;
		}
		/* Until connected, writes wait (EAGAIN) and POLLOUT says when. */
		if (link_attach(c->srv, cli, b->name) == -1) {
			client_close(cli, "Out of memory");
			link_connect_failed(c->srv, b->name, "out of memory");
		}
	}
}

/*
 * On an ordinary listener a PROXY header must not pass as IRC: anyone
 * could claim any address with it, and the v2 signature reads as empty
 * lines and a QUIT. Returns true once the first bytes are known to be
 * something else; false while they may still be a header, or after
 * closing the client for sending one.
 */
static bool
first_bytes_ok(struct conn *c, struct client *cli)
{
	switch (proxy_sniff(buf_data(&cli->local->recvq), buf_len(&cli->local->recvq))) {
	case PROXY_SNIFF_NO:
		c->slots[cli->local->fd].sniff = false;
		return true;
	case PROXY_SNIFF_YES:
		client_close(cli, "PROXY header on a non-proxy port");
		return false;
	default:
		return false;
	}
}

static void
read_client(struct conn *c, struct client *cli)
{
	struct ws_link *ws = conn_ws_of(c, cli);
	struct buf *in = ws ? &ws->in : &cli->local->recvq;
	size_t avail, want = ws ? conn_ws_read_room(cli, ws) : CONN_READ_CHUNK;
	char *p = want > 0 ? buf_reserve(in, want, &avail) : NULL;
	ssize_t n;

	if (p == NULL) {
		client_close(cli, "RecvQ exceeded");
		return;
	}
	if (ws && avail > want)
		avail = want;
	do
		n = read(cli->local->fd, p, avail);
	while (n == -1 && errno == EINTR);
	if (n > 0) {
		buf_commit(in, (size_t)n);
		if (ws)
			conn_ws_read(c, cli, ws);
		else if (!c->slots[cli->local->fd].sniff || first_bytes_ok(c, cli))
			server_on_input(c->srv, cli);
		/* A partial line waits in small storage (idle memory). */
		if (!ws)
			buf_shrink(&cli->local->recvq);
	} else if (n == 0) {
		buf_commit(in, 0);
		client_close(cli, "Connection closed");
	} else {
		buf_commit(in, 0);
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			char reason[128];

			snprintf(reason, sizeof(reason), "Read error: %s", strerror(errno));
			client_close(cli, reason);
		}
	}
}

/* Whether anything is left to write: the SendQ, or frames made from it. */
static bool
has_output(const struct client *cli, const struct ws_link *ws)
{
	return buf_len(&cli->local->sendq) > 0 || (ws != NULL && buf_len(&ws->out) > 0);
}

/*
 * One write of everything queued; arm POLLOUT only if bytes remain. Once
 * per client with output in every round: the plain IRC case stays in this
 * file.
 */
static void
write_client(struct conn *c, struct client *cli)
{
	int fd = cli->local->fd;
	struct ws_link *ws = (size_t)fd < c->nslots ? c->slots[fd].ws : NULL;
	struct buf *q = ws ? conn_out_queue(c, cli, false) : &cli->local->sendq;
	ssize_t n;
	bool want;

	if (buf_len(q) > 0) {
		do
			n = write(fd, buf_data(q), buf_len(q));
		while (n == -1 && errno == EINTR);
		if (n > 0) {
			buf_consume(q, (size_t)n);
		} else if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK) {
			char reason[128];

			snprintf(reason, sizeof(reason), "Write error: %s", strerror(errno));
			/* Nothing more can be written: drop the queue. */
			client_close(cli, reason);
			buf_free(q);
			buf_free(&cli->local->sendq);
			return;
		}
	}
	/* Held-back output (a long LIST) goes on once the queue is empty. */
	if (!has_output(cli, ws))
		server_on_drained(c->srv, cli);
	want = has_output(cli, ws);
	if (want != cli->local->want_write) {
		cli->local->want_write = want;
		loop_set_events(c->loop, fd, want ? POLLIN | POLLOUT : POLLIN);
	}
}

static void
on_client(void *ud, int fd, short revents)
{
	struct conn *c = ud;
	struct client *cli = (size_t)fd < c->nslots ? c->slots[fd].cli : NULL;

	if (cli == NULL || client_is_closing(cli))
		return;
	if (revents & POLLNVAL) {
		client_close(cli, "Connection closed");
		return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR))
		read_client(c, cli);
	if ((revents & POLLOUT) && !client_is_closing(cli))
		write_client(c, cli);
}

/*
 * Unmap, write the last bytes once (the ERROR line), close, free. A user
 * with no connection here (local == NULL) is only freed.
 */
static void
close_client(struct conn *c, struct client *cli)
{
	if (cli->local != NULL && cli->local->fd >= 0) {
		struct buf *q = conn_last_words(c, cli);

		if (buf_len(q) > 0) {
			ssize_t n = write(cli->local->fd, buf_data(q), buf_len(q));

			(void)n;
		}
		loop_del(c->loop, cli->local->fd);
		if ((size_t)cli->local->fd < c->nslots) {
			c->slots[cli->local->fd].cli = NULL;
			conn_ws_free(c->slots[cli->local->fd].ws);
			c->slots[cli->local->fd].ws = NULL;
		}
		close(cli->local->fd);
	}
	client_free(cli);
}

int
conn_poll_timeout(const struct conn *c, int timeout_ms)
{
	int64_t left;

	if (c->paused_until_ms != 0) {
		left = c->paused_until_ms - c->srv->now_ms;
		if (left < 0)
			left = 0;
		if (timeout_ms < 0 || left < timeout_ms)
			timeout_ms = (int)left;
	}
	if (c->wait_head == NULL)
		return timeout_ms;
	left = c->wait_head->deadline_ms - c->srv->now_ms;
	if (left < 0)
		left = 0;
	return timeout_ms < 0 || left < timeout_ms ? (int)left : timeout_ms;
}

void
conn_settle(struct conn *c)
{
	struct client *cli;

	conn_expire_waiting(c);
	resume_listeners(c);

	/*
	 * Reaping queues QUITs for peers, and a failed write closes a client:
	 * repeat until no client is left to reap. Each pass frees at least
	 * one client, so this ends.
	 */
	do {
		while ((cli = server_reap_next(c->srv)) != NULL)
			close_client(c, cli);
		while ((cli = server_pop_pending(c->srv)) != NULL)
			if (cli->local->fd >= 0)
				write_client(c, cli);
	} while (c->srv->dead != NULL);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write what is queued to each client, waiting up to drain_ms for slow ones. */
static void
drain(struct conn *c, int drain_ms)
{
	int64_t deadline = mono_ms() + drain_ms;
	struct pollfd *pfds = calloc(c->srv->nclients + 1, sizeof(*pfds));

	if (pfds == NULL)
		return;
	for (;;) {
		nfds_t n = 0;
		int64_t left = deadline - mono_ms();

		for (struct client *cli = c->srv->clients; cli; cli = cli->next) {
			struct buf *q;

			if (cli->local == NULL || cli->local->fd < 0 ||
			    buf_len(q = conn_last_words(c, cli)) == 0)
				continue;
			ssize_t w = write(cli->local->fd, buf_data(q), buf_len(q));

			if (w > 0)
				buf_consume(q, (size_t)w);
			else if (w == -1 && errno != EAGAIN && errno != EINTR)
				buf_free(q);
			if (buf_len(q) > 0) {
				pfds[n].fd = cli->local->fd;
				pfds[n++].events = POLLOUT;
			}
		}
		if (n == 0 || left <= 0)
			break;
		poll(pfds, n, (int)left);
	}
	free(pfds);
}

void
conn_shutdown(struct conn *c, const char *reason, int drain_ms)
{
	struct client *cli;

	server_shutdown(c->srv, reason);
	drain(c, drain_ms);
	while ((cli = server_reap_next(c->srv)) != NULL)
		close_client(c, cli);
}
