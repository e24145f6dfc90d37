/*
 * relay: the benchmark's baseline, "what the kernel allows". A line relay
 * with only the IRC that ircload needs: 001 once NICK and USER are in, PONG,
 * a JOIN echo, PRIVMSG to a channel's other members or to one nick. No
 * checks or limits beyond buffer sizes; epoll, TCP_NODELAY, and one write
 * per client per round, like the server under test. Listens on 127.0.0.1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define RELAY_INBUF     4096
#define RELAY_OUT_MAX   (4 * 1024 * 1024)
#define RELAY_BUCKETS   65536           /* nick and channel hash chains */
#define RELAY_NAME      64

struct rchan;

struct rclient {
	int              fd;
	bool             dirty, want_out, closed, has_user, welcomed;
	char             nick[RELAY_NAME];
	struct rclient  *next_nick;     /* hash chain */
	struct rchan    *chan;          /* at most one channel */
	size_t           chan_idx;      /* our slot in chan->m */
	char            *out;
	size_t           outlen, outcap;
	size_t           inlen;
	char             in[RELAY_INBUF];
};

struct rchan {
	char             name[RELAY_NAME];
	struct rclient **m;
	size_t           n, cap;
	struct rchan    *next;          /* hash chain */
};

struct relay {
	int              ep, lfd;
	struct rclient  *nicks[RELAY_BUCKETS];
	struct rchan    *chans[RELAY_BUCKETS];
	struct rclient **dirty;
	size_t           ndirty, dirtycap;
};

static uint32_t
hash_name(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % RELAY_BUCKETS;
}

static void
mark_dirty(struct relay *r, struct rclient *c)
{
	if (c->dirty)
		return;
	if (r->ndirty == r->dirtycap) {
		size_t cap = r->dirtycap ? r->dirtycap * 2 : 1024;
		struct rclient **v = realloc(r->dirty, cap * sizeof(*v));

		if (v == NULL)
			abort();
		r->dirty = v;
		r->dirtycap = cap;
	}
	c->dirty = true;
	r->dirty[r->ndirty++] = c;
}

static void
client_drop(struct relay *r, struct rclient *c);

static void
client_append(struct relay *r, struct rclient *c, const char *p, size_t n)
{
	if (c->closed)
		return;
	if (c->outcap - c->outlen < n) {
		size_t cap = c->outcap ? c->outcap : 4096;
		char *v;

		while (cap - c->outlen < n)
			cap *= 2;
		if (cap > RELAY_OUT_MAX || (v = realloc(c->out, cap)) == NULL) {
			client_drop(r, c);
			return;
		}
		c->out = v;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
	mark_dirty(r, c);
}

static void
nick_unlink(struct relay *r, struct rclient *c)
{
	struct rclient **pp;

	if (c->nick[0] == '\0')
		return;
	for (pp = &r->nicks[hash_name(c->nick)]; *pp; pp = &(*pp)->next_nick)
		if (*pp == c) {
			*pp = c->next_nick;
			break;
		}
}

static struct rclient *
nick_find(struct relay *r, const char *nick)
{
	struct rclient *c = r->nicks[hash_name(nick)];

	while (c && strcmp(c->nick, nick) != 0)
		c = c->next_nick;
	return c;
}

/* Leave the channel (swap-remove) and the nick map; freed after the round. */
static void
client_drop(struct relay *r, struct rclient *c)
{
	struct rchan *ch = c->chan;

	if (c->closed)
		return;
	c->closed = true;
	if (ch) {
		ch->m[c->chan_idx] = ch->m[--ch->n];
		ch->m[c->chan_idx]->chan_idx = c->chan_idx;
		c->chan = NULL;
	}
	nick_unlink(r, c);
	mark_dirty(r, c);
}

static struct rchan *
chan_get(struct relay *r, const char *name)
{
	uint32_t h = hash_name(name);
	struct rchan *ch = r->chans[h];

	while (ch && strcmp(ch->name, name) != 0)
		ch = ch->next;
	if (ch || (ch = calloc(1, sizeof(*ch))) == NULL)
		return ch;
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	ch->next = r->chans[h];
	r->chans[h] = ch;
	return ch;
}

static void
on_join(struct relay *r, struct rclient *c, const char *name)
{
	struct rchan *ch;
	char line[256];
	int n;

	if (c->chan || (ch = chan_get(r, name)) == NULL)
		return;
	if (ch->n == ch->cap) {
		size_t cap = ch->cap ? ch->cap * 2 : 16;
		struct rclient **v = realloc(ch->m, cap * sizeof(*v));

		if (v == NULL)
			return;
		ch->m = v;
		ch->cap = cap;
	}
	c->chan = ch;
	c->chan_idx = ch->n;
	ch->m[ch->n++] = c;
	n = snprintf(line, sizeof(line), ":%s!u@relay JOIN %s\r\n", c->nick, name);
	client_append(r, c, line, (size_t)n);
}

/* Format once, append the same bytes to every recipient. */
static void
on_privmsg(struct relay *r, struct rclient *c, const char *target, const char *text)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), ":%s!u@relay PRIVMSG %s :%s\r\n",
	    c->nick, target, text);
	struct rclient *to;

	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	if (target[0] == '#') {
		struct rchan *ch = c->chan;

		if (ch == NULL || strcmp(ch->name, target) != 0)
			return;
		for (size_t i = 0; i < ch->n; i++)
			if (ch->m[i] != c)
				client_append(r, ch->m[i], line, (size_t)n);
	} else if ((to = nick_find(r, target)) != NULL) {
		client_append(r, to, line, (size_t)n);
	}
}

static void
on_nick(struct relay *r, struct rclient *c, const char *nick)
{
	uint32_t h = hash_name(nick);

	nick_unlink(r, c);
	snprintf(c->nick, sizeof(c->nick), "%s", nick);
	c->next_nick = r->nicks[h];
	r->nicks[h] = c;
}

static void
welcome(struct relay *r, struct rclient *c)
{
	char line[256];
	int n;

	if (c->welcomed || !c->has_user || c->nick[0] == '\0')
		return;
	c->welcomed = true;
	n = snprintf(line, sizeof(line), ":relay 001 %s :Welcome to the relay\r\n", c->nick);
	client_append(r, c, line, (size_t)n);
}

/* "CMD arg [:text]": just enough parsing for the generator's lines. */
static void
on_line(struct relay *r, struct rclient *c, char *line)
{
	char *arg = strchr(line, ' '), *text = NULL;
	char out[600];
	int n;

	if (arg == NULL)
		return;
	*arg++ = '\0';
	if ((text = strstr(arg, " :")) != NULL) {
		*text = '\0';
		text += 2;
	}
	if (strcmp(line, "PRIVMSG") == 0 && text) {
		on_privmsg(r, c, arg, text);
	} else if (strcmp(line, "PING") == 0) {
		n = snprintf(out, sizeof(out), ":relay PONG relay :%s\r\n",
		    arg[0] == ':' ? arg + 1 : arg);
		client_append(r, c, out, (size_t)n);
	} else if (strcmp(line, "JOIN") == 0) {
		on_join(r, c, arg);
	} else if (strcmp(line, "NICK") == 0) {
		on_nick(r, c, arg);
		welcome(r, c);
	} else if (strcmp(line, "USER") == 0) {
		c->has_user = true;
		welcome(r, c);
	} else if (strcmp(line, "QUIT") == 0) {
		client_drop(r, c);
	}
}

static void
client_read(struct relay *r, struct rclient *c)
{
	for (int rounds = 0; rounds < 16 && !c->closed; rounds++) {
		ssize_t n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
		size_t start = 0;

		if (n == 0 || (n == -1 && errno != EINTR && errno != EAGAIN)) {
			client_drop(r, c);
			return;
		}
		if (n == -1)
			return;
		c->inlen += (size_t)n;
		for (size_t i = 0; i < c->inlen && !c->closed; i++) {
			if (c->in[i] != '\n')
				continue;
			c->in[i] = '\0';
			if (i > start && c->in[i - 1] == '\r')
				c->in[i - 1] = '\0';
			on_line(r, c, c->in + start);
			start = i + 1;
		}
		memmove(c->in, c->in + start, c->inlen - start);
		c->inlen -= start;
		if (c->inlen == sizeof(c->in))
			c->inlen = 0;
	}
}

static void
client_flush(struct relay *r, struct rclient *c)
{
	struct epoll_event ev;
	ssize_t n;

	c->dirty = false;
	if (c->closed) {
		close(c->fd);
		free(c->out);
		free(c);
		return;
	}
	if (c->outlen > 0 && (n = write(c->fd, c->out, c->outlen)) > 0) {
		memmove(c->out, c->out + n, c->outlen - (size_t)n);
		c->outlen -= (size_t)n;
	}
	if ((c->outlen > 0) != c->want_out) {
		c->want_out = c->outlen > 0;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | (c->want_out ? EPOLLOUT : 0);
		ev.data.ptr = c;
		epoll_ctl(r->ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
}

static void
relay_accept(struct relay *r)
{
	struct epoll_event ev;
	int fd, one = 1;

	while ((fd = accept(r->lfd, NULL, NULL)) >= 0) {
		struct rclient *c = calloc(1, sizeof(*c));

		if (c == NULL || fcntl(fd, F_SETFL, O_NONBLOCK) == -1) {
			free(c);
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev);
	}
}

static int
relay_listen(struct relay *r, int port)
{
	struct sockaddr_in sa;
	struct epoll_event ev;
	int one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((r->lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(r->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(r->lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(r->lfd, 4096) == -1 || fcntl(r->lfd, F_SETFL, O_NONBLOCK) == -1 ||
	    (r->ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	return epoll_ctl(r->ep, EPOLL_CTL_ADD, r->lfd, &ev);
}

int
main(int argc, char **argv)
{
	struct relay *r = calloc(1, sizeof(*r));
	struct epoll_event ev[256];
	struct rlimit rl;

	if (argc != 2 || atoi(argv[1]) <= 0 || atoi(argv[1]) > 65535) {
		fprintf(stderr, "usage: relay PORT\n");
		return 2;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	if (r == NULL || relay_listen(r, atoi(argv[1])) == -1) {
		perror("relay");
		return 1;
	}
	for (;;) {
		int n = epoll_wait(r->ep, ev, 256, -1);

		for (int i = 0; i < n; i++) {
			struct rclient *c = ev[i].data.ptr;

			if (c == NULL)
				relay_accept(r);
			else if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				client_read(r, c);
			if (c && ev[i].events & EPOLLOUT)
				mark_dirty(r, c);
		}
		for (size_t i = 0; i < r->ndirty; i++)
			client_flush(r, r->dirty[i]);
		r->ndirty = 0;
	}
}
