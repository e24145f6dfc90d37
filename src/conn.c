/*
 * The socket side of connections. Reads go straight into the client's
 * receive queue; complete lines go to server_on_line(). Writes happen once
 * per client per round (plus on POLLOUT), so many queued messages leave in
 * one send(). Errors close only the connection they happen on.
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
#include "server.h"

/* Bytes read per readable event: large, but bounded per client per round. */
#define CONN_READ_CHUNK 16384

#define CONN_LISTENERS_MAX 16

struct conn {
	struct server   *srv;
	struct loop     *loop;
	int              listen_fds[CONN_LISTENERS_MAX];
	size_t           nlisten;
	int              spare_fd;      /* reserve descriptor for EMFILE */
	struct client  **by_fd;         /* fd -> client */
	size_t           nby_fd;
};

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
conn_add_listener(struct conn *c, int listen_fd)
{
	if (c->nlisten == CONN_LISTENERS_MAX ||
	    loop_add(c->loop, listen_fd, POLLIN, on_listen, c) == -1)
		return -1;
	c->listen_fds[c->nlisten++] = listen_fd;
	return 0;
}

void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nlisten; i++) {
		loop_del(c->loop, c->listen_fds[i]);
		close(c->listen_fds[i]);
	}
	if (c->spare_fd >= 0)
		close(c->spare_fd);
	free(c->by_fd);
	free(c);
}

static int
map_fd(struct conn *c, int fd, struct client *cli)
{
	if ((size_t)fd >= c->nby_fd) {
		size_t n = c->nby_fd ? c->nby_fd : 64;
		struct client **v;

		while (n <= (size_t)fd)
			n *= 2;
		if ((v = realloc(c->by_fd, n * sizeof(*v))) == NULL)
			return -1;
		memset(v + c->nby_fd, 0, (n - c->nby_fd) * sizeof(*v));
		c->by_fd = v;
		c->nby_fd = n;
	}
	c->by_fd[fd] = cli;
	return 0;
}

/* Best effort: tell a refused connection why, then close it. */
static void
refuse(int fd, const char *ip, const char *why)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "ERROR :Closing Link: %s (%s)\r\n", ip, why);
	ssize_t w = write(fd, line, (size_t)n);

	(void)w;
	close(fd);
}

/*
 * Out of descriptors: give back the spare one, accept and refuse the
 * waiting connection, take the spare again. Without this, the listener
 * stays readable and poll() spins.
 */
static void
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
	log_msg(LOG_WARN, "out of file descriptors: refused a connection");
}

static void
add_client(struct conn *c, int fd, const struct sockaddr_storage *ss)
{
	char ip[INET6_ADDRSTRLEN] = "unknown";
	struct client *cli;
	const char *why;

	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, ip, sizeof(ip));
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, ip, sizeof(ip));
	if (set_nonblocking(fd) == -1) {
		close(fd);
		return;
	}
	if ((cli = server_add_client(c->srv, fd, ip, &why)) == NULL) {
		log_msg(LOG_INFO, "refused %s: %s", ip, why);
		refuse(fd, ip, why);
		return;
	}
	if (map_fd(c, fd, cli) == -1 || loop_add(c->loop, fd, POLLIN, on_client, c) == -1) {
		/* Out of memory: drop this connection only. */
		client_close(cli, "Out of memory");
		return;
	}
	log_msg(LOG_INFO, "connection from %s (fd %d)", ip, fd);
}

static void
on_listen(void *ud, int fd, short revents)
{
	struct conn *c = ud;

	(void)revents;
	/* Accept until EAGAIN: a burst of connects is one event. */
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int cfd = accept(fd, (struct sockaddr *)&ss, &len);

		if (cfd >= 0) {
			add_client(c, cfd, &ss);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE) {
			accept_when_full(c, fd);
			if (c->spare_fd < 0)
				return;
			continue;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			log_msg(LOG_ERROR, "accept: %s", strerror(errno));
		return;
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
	struct client *cli = (size_t)fd < c->nby_fd ? c->by_fd[fd] : NULL;

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
		if ((size_t)cli->fd < c->nby_fd)
			c->by_fd[cli->fd] = NULL;
		close(cli->fd);
	}
	client_free(cli);
}

void
conn_settle(struct conn *c)
{
	struct client *cli;

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
