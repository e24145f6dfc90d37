/*
 * The socket side of connections. Reads go straight into the client's
 * receive queue; complete lines go to server_on_line(). Writes happen once
 * per client per round (plus on POLLOUT), so many queued messages leave in
 * one send(). Errors close only the connection they happen on. On proxy
 * listeners a connection becomes a client only once its PROXY header
 * (proxy.c) has named the real peer.
 */
#include "conn.h"

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
#include "log.h"
#include "loop.h"
#include "proxy.h"
#include "msg.h"
#include "server.h"

/* Bytes read per readable event: large, but bounded per client per round. */
#define CONN_READ_CHUNK 16384

#define CONN_LISTENERS_MAX 16

/*
 * Connections accepted from one listener per round. A storm of connects
 * then costs the clients already here a short wait each round, not one
 * long one; the listener stays readable (level-triggered), so the rest
 * are taken in the next rounds.
 */
#define CONN_ACCEPT_MAX 256

/*
 * Time a proxy's connection has to send its PROXY header. The spec asks
 * for at least 3 s, to cover a TCP retransmit.
 */
#define CONN_PROXY_TIMEOUT_MS 5000

/*
 * A connection on a proxy listener whose header has not all arrived. It
 * is not a client yet: the core first hears of it with the address the
 * header names. Waiters are listed in arrival order, so in deadline order.
 */
struct proxy_wait {
	struct conn     *c;
	int              fd;
	int64_t          deadline_ms;
	char             peer[PROXY_IP_MAX];    /* the proxy's own address */
	size_t           len;
	unsigned char    buf[PROXY_HEADER_MAX];
	struct proxy_wait *prev, *next;
};

struct conn_slot {
	struct client   *cli;
	bool             sniff;         /* first bytes not yet checked for PROXY */
};

struct conn {
	struct server   *srv;
	struct loop     *loop;
	int              listen_fds[CONN_LISTENERS_MAX];
	size_t           nlisten;
	int              spare_fd;      /* reserve descriptor for EMFILE */
	struct conn_slot *slots;        /* fd -> client */
	size_t           nslots;
	struct proxy_wait *wait_head, *wait_tail;
	size_t           nwait;
	int64_t          paused_until_ms;  /* listeners off while out of fds; 0: on */
};

/* How long listeners rest when descriptors run out and none can be freed. */
#define CONN_PAUSE_MS 250

static int
set_nonblocking(int fd)
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
	    listen(fd, 4096) == -1 || set_nonblocking(fd) == -1) {
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
static void on_client(void *ud, int fd, short revents);
static void on_proxy_wait(void *ud, int fd, short revents);

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
conn_add_listener(struct conn *c, int listen_fd, bool proxy)
{
	if (c->nlisten == CONN_LISTENERS_MAX ||
	    loop_add(c->loop, listen_fd, POLLIN, proxy ? on_listen_proxy : on_listen,
	    c) == -1)
		return -1;
	c->listen_fds[c->nlisten++] = listen_fd;
	return 0;
}

/*
 * Best effort: tell a refused connection why, then close it. The line is
 * built like the ERROR of client_close(): cut to fit, CR LF kept.
 */
static void
refuse(int fd, const char *ip, const char *why)
{
	char line[IRC_LINE_MAX];
	size_t n = msg_format(line, "ERROR :Closing Link: %s (%s)", ip, why);
	ssize_t w = write(fd, line, n);

	(void)w;
	close(fd);
}

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
	free(w);
}

/* Stop waiting for a header: refuse with why (NULL: just close). */
static void
wait_close(struct conn *c, struct proxy_wait *w, const char *why)
{
	loop_del(c->loop, w->fd);
	if (why != NULL)
		refuse(w->fd, w->peer, why);
	else
		close(w->fd);
	wait_unlink(c, w);
}

void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	while (c->wait_head != NULL)
		wait_close(c, c->wait_head, NULL);
	for (size_t i = 0; i < c->nlisten; i++) {
		loop_del(c->loop, c->listen_fds[i]);
		close(c->listen_fds[i]);
	}
	if (c->spare_fd >= 0)
		close(c->spare_fd);
	free(c->slots);
	free(c);
}

static int
map_fd(struct conn *c, int fd, struct client *cli, bool sniff)
{
	if ((size_t)fd >= c->nslots) {
		size_t n = c->nslots ? c->nslots : 64;
		struct conn_slot *v;

		while (n <= (size_t)fd)
			n *= 2;
		if ((v = realloc(c->slots, n * sizeof(*v))) == NULL)
			return -1;
		memset(v + c->nslots, 0, (n - c->nslots) * sizeof(*v));
		c->slots = v;
		c->nslots = n;
	}
	c->slots[fd].cli = cli;
	c->slots[fd].sniff = sniff;
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
		refuse(fd, "*", "Server is full");
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

static void
peer_text(const struct sockaddr_storage *ss, char *ip, size_t iplen)
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
 */
static struct client *
admit(struct conn *c, int fd, const char *ip, bool sniff)
{
	struct client *cli;
	const char *why;

	if ((cli = server_add_client(c->srv, fd, ip, &why)) == NULL) {
		log_msg(&c->srv->log, LOG_INFO, "refused %s: %s", ip, why);
		refuse(fd, ip, why);
		return NULL;
	}
	if (map_fd(c, fd, cli, sniff) == -1 ||
	    loop_add(c->loop, fd, POLLIN, on_client, c) == -1) {
		/* Out of memory: drop this connection only. */
		client_close(cli, "Out of memory");
		return NULL;
	}
	log_msg(&c->srv->log, LOG_INFO, "connection from %s (fd %d)", ip, fd);
	return cli;
}

/* A connection on an ordinary listener: a client at once. */
static void
add_client(struct conn *c, int fd, const struct sockaddr_storage *ss)
{
	char ip[PROXY_IP_MAX];

	if (set_nonblocking(fd) == -1) {
		close(fd);
		return;
	}
	peer_text(ss, ip, sizeof(ip));
	admit(c, fd, ip, true);
}

/*
 * A connection on a proxy listener: wait for its header. Waiters count
 * against max_clients with the clients, so they cannot pile up unbounded.
 */
static void
add_proxy_wait(struct conn *c, int fd, const struct sockaddr_storage *ss)
{
	struct proxy_wait *w;
	char ip[PROXY_IP_MAX];

	peer_text(ss, ip, sizeof(ip));
	if (set_nonblocking(fd) == -1) {
		close(fd);
		return;
	}
	if (c->nwait + c->srv->nclients >= c->srv->cfg.max_clients) {
		refuse(fd, ip, "Server is full");
		return;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    loop_add(c->loop, fd, POLLIN, on_proxy_wait, w) == -1) {
		free(w);
		refuse(fd, ip, "Out of memory");
		return;
	}
	w->c = c;
	w->fd = fd;
	w->deadline_ms = c->srv->now_ms + CONN_PROXY_TIMEOUT_MS;
	memcpy(w->peer, ip, sizeof(ip));
	w->prev = c->wait_tail;
	if (c->wait_tail)
		c->wait_tail->next = w;
	else
		c->wait_head = w;
	c->wait_tail = w;
	c->nwait++;
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
	accept_all(ud, fd, add_proxy_wait);
}

/*
 * The header is complete: admit the client under the address it names
 * (the proxy's own for LOCAL and UNKNOWN), and give the core the bytes
 * that came after it.
 */
static void
proxy_done(struct conn *c, struct proxy_wait *w, const struct proxy_result *r,
    size_t hlen)
{
	const char *ip = r->family == PROXY_LOCAL ? w->peer : r->src_ip;
	struct client *cli;
	int fd = w->fd;

	log_msg(&c->srv->log, LOG_DEBUG, "fd %d: PROXY v%d header from %s names %s", fd,
	    r->version, w->peer, ip);
	loop_del(c->loop, fd);
	if ((cli = admit(c, fd, ip, false)) != NULL && w->len > hlen) {
		if (buf_append(&cli->recvq, w->buf + hlen, w->len - hlen) == -1)
			client_close(cli, "RecvQ exceeded");
		else
			server_on_input(c->srv, cli);
	}
	wait_unlink(c, w);
}

/* Read more of a PROXY header; parse it once it may be complete. */
static void
on_proxy_wait(void *ud, int fd, short revents)
{
	struct proxy_wait *w = ud;
	struct conn *c = w->c;
	struct proxy_result r;
	ssize_t n;
	int hlen;

	(void)revents;
	do
		n = read(fd, w->buf + w->len, sizeof(w->buf) - w->len);
	while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		wait_close(c, w, NULL);
		return;
	}
	w->len += (size_t)n;
	/*
	 * proxy_parse() decides within PROXY_HEADER_MAX bytes, so the buffer
	 * never fills up while the answer is still "need more".
	 */
	hlen = proxy_parse(w->buf, w->len, &r);
	if (hlen > 0) {
		proxy_done(c, w, &r, (size_t)hlen);
	} else if (hlen == -1) {
		log_msg(&c->srv->log, LOG_INFO, "refused %s on a proxy port: %s", w->peer, r.error);
		wait_close(c, w, "PROXY header required");
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
	switch (proxy_sniff(buf_data(&cli->recvq), buf_len(&cli->recvq))) {
	case PROXY_SNIFF_NO:
		c->slots[cli->fd].sniff = false;
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
	size_t avail;
	char *p = buf_reserve(&cli->recvq, CONN_READ_CHUNK, &avail);
	ssize_t n;

	if (p == NULL) {
		client_close(cli, "RecvQ exceeded");
		return;
	}
	do
		n = read(cli->fd, p, avail);
	while (n == -1 && errno == EINTR);
	if (n > 0) {
		buf_commit(&cli->recvq, (size_t)n);
		if (!c->slots[cli->fd].sniff || first_bytes_ok(c, cli))
			server_on_input(c->srv, cli);
	} else if (n == 0) {
		buf_commit(&cli->recvq, 0);
		client_close(cli, "Connection closed");
	} else {
		buf_commit(&cli->recvq, 0);
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			char reason[128];

			snprintf(reason, sizeof(reason), "Read error: %s", strerror(errno));
			client_close(cli, reason);
		}
	}
}
/* One write of everything queued; arm POLLOUT only if bytes remain. */
static void
write_client(struct conn *c, struct client *cli)
{
	ssize_t n;
	bool want;

	if (buf_len(&cli->sendq) > 0) {
		do
			n = write(cli->fd, buf_data(&cli->sendq), buf_len(&cli->sendq));
		while (n == -1 && errno == EINTR);
		if (n > 0) {
			buf_consume(&cli->sendq, (size_t)n);
		} else if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK) {
			char reason[128];

			snprintf(reason, sizeof(reason), "Write error: %s", strerror(errno));
			/* Nothing more can be written: drop the queue. */
			client_close(cli, reason);
			buf_free(&cli->sendq);
			return;
		}
	}
	/* Held-back output (a long LIST) goes on once the queue is empty. */
	if (buf_len(&cli->sendq) == 0)
		server_on_drained(c->srv, cli);
	want = buf_len(&cli->sendq) > 0;
	if (want != cli->want_write) {
		cli->want_write = want;
		loop_set_events(c->loop, cli->fd, want ? POLLIN | POLLOUT : POLLIN);
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

/* Unmap, write the last bytes once (the ERROR line), close, free. */
static void
close_client(struct conn *c, struct client *cli)
{
	if (cli->fd >= 0) {
		if (buf_len(&cli->sendq) > 0) {
			ssize_t n = write(cli->fd, buf_data(&cli->sendq), buf_len(&cli->sendq));

			(void)n;
		}
		loop_del(c->loop, cli->fd);
		if ((size_t)cli->fd < c->nslots)
			c->slots[cli->fd].cli = NULL;
		close(cli->fd);
	}
	client_free(cli);
}

/* Close the waiting connections whose PROXY header is late. */
static void
expire_waiting(struct conn *c)
{
	struct proxy_wait *w;

	while ((w = c->wait_head) != NULL && w->deadline_ms <= c->srv->now_ms) {
		log_msg(&c->srv->log, LOG_INFO, "refused %s on a proxy port: no PROXY header in %d ms",
		    w->peer, CONN_PROXY_TIMEOUT_MS);
		wait_close(c, w, "PROXY header required");
	}
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

	expire_waiting(c);
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
			if (cli->fd >= 0)
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
			if (cli->fd < 0 || buf_len(&cli->sendq) == 0)
				continue;
			ssize_t w = write(cli->fd, buf_data(&cli->sendq), buf_len(&cli->sendq));

			if (w > 0)
				buf_consume(&cli->sendq, (size_t)w);
			else if (w == -1 && errno != EAGAIN && errno != EINTR)
				buf_free(&cli->sendq);
			if (buf_len(&cli->sendq) > 0) {
				pfds[n].fd = cli->fd;
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
