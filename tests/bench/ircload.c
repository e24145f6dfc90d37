/*
 * ircload: loopback IRC load generator for the benchmark (tests/bench).
 * One thread, epoll, non-blocking sockets. Runs one scenario (connect,
 * fanout, privmsg, idle) against 127.0.0.1, prints one "key=value ..." line,
 * and exits non-zero on loss, reordering, ERROR, error numerics, failed
 * registrations, unexpected disconnects or a missed deadline.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LOAD_INBUF      4096            /* longest line we accept, with tags */
#define LOAD_OUT_MAX    (1024 * 1024)   /* our own queue to one server conn */
#define LOAD_READ_MAX   (64 * 1024)     /* bytes read from one conn per event */
#define LOAD_ERRSHOW    5               /* protocol errors echoed to stderr */
#define HIST_US         100000          /* 1 us buckets below 100 ms */
#define HIST_MS         120000          /* then 1 ms buckets up to 120 s */
#define NS              1000000000LL
#define MS              1000000LL

enum lstate { LS_IDLE, LS_CONNECTING, LS_REGISTERING, LS_READY, LS_CLOSED };

enum exit_code { EXIT_OK = 0, EXIT_CHECK = 1, EXIT_USAGE = 2, EXIT_DEADLINE = 3 };

struct opts {
	const char *scenario;           /* connect fanout privmsg idle */
	const char *name;               /* label printed as scenario= */
	const char *server;             /* label printed as server= */
	const char *password;
	int         port;
	long        pid;                /* server, for CPU and RSS; 0: unknown */
	unsigned    n;                  /* connect/idle: clients */
	unsigned    conc;               /* connections registering at once */
	unsigned    channels, members;  /* fanout */
	unsigned    pairs;              /* privmsg */
	unsigned    window;             /* unacknowledged messages per sender */
	double      rate;               /* messages/s per sender; 0: max */
	double      duration_s;         /* sending time */
	unsigned    count;              /* messages per sender; 0: use duration */
	unsigned    payload;            /* bytes of text per message */
	unsigned    pings;              /* idle: PING round trips */
	double      deadline_s;         /* hard limit for the whole scenario */
	bool        verbose;            /* phases and progress on stderr */
	bool        spin;               /* never sleep while timing */
};

struct hist {
	uint64_t us[HIST_US];
	uint64_t ms[HIST_MS];
	uint64_t n;
};

/* One sender's ordered messages and their acknowledgement window. */
struct stream {
	struct lconn *from;
	char          target[32];
	unsigned      receivers;        /* deliveries that complete one message */
	uint64_t      sent, acked;
	uint32_t     *ring;             /* deliveries per message, seq % window */
	int64_t       next_ns;          /* fixed rate: when the next one is due */
};

struct lconn {
	int             fd;
	enum lstate     state;
	bool            dirty;          /* on the flush list */
	bool            want_out;       /* EPOLLOUT armed */
	bool            joined;
	char            nick[24];
	char            chan[24];       /* fanout: channel to join */
	struct stream  *src;            /* stream this conn receives, or NULL */
	uint64_t        expect;         /* next sequence number from src */
	int64_t         start_ns;       /* connect() time */
	char           *ping_tok;       /* idle probe: token awaited */
	size_t          inlen;
	char           *out;
	size_t          outlen, outcap;
	char            in[LOAD_INBUF];
};

struct load {
	struct opts     o;
	int             ep;
	int64_t         start, now, deadline;
	struct lconn   *c;
	size_t          nc;
	size_t          next_open, inflight;
	struct lconn  **dirty;
	size_t          ndirty;
	struct stream  *st;
	size_t          nst;
	bool            sending;
	bool            spin;           /* poll without sleeping: timing phases */
	struct hist    *reg, *lat;
	uint64_t        registered, joined, deliveries, loss, reorder;
	uint64_t        errors, failures, bytes_in;
	int64_t         last_reg_ns, last_input_ns, pong_ns;
	double          steal;          /* steal_ms() in the timed phase */
	unsigned        errshown;
};

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static void
hist_add(struct hist *h, int64_t ns)
{
	int64_t us = ns < 0 ? 0 : ns / 1000;

	if (us < HIST_US)
		h->us[us]++;
	else
		h->ms[us / 1000 < HIST_MS ? us / 1000 : HIST_MS - 1]++;
	h->n++;
}

/* The q-quantile in milliseconds, or NAN for an empty histogram. */
static double
hist_ms(const struct hist *h, double q)
{
	uint64_t want, seen = 0;

	if (h->n == 0)
		return NAN;
	want = (uint64_t)ceil(q * (double)h->n);
	if (want == 0)
		want = 1;
	for (size_t i = 0; i < HIST_US; i++)
		if ((seen += h->us[i]) >= want)
			return (double)i / 1000.0;
	for (size_t i = 0; i < HIST_MS; i++)
		if ((seen += h->ms[i]) >= want)
			return (double)i;
	return (double)HIST_MS;
}

/* A protocol problem: count it and show the first few. */
static void
load_error(struct load *l, const struct lconn *c, const char *fmt, ...)
{
	va_list ap;

	l->errors++;
	if (l->errshown++ >= LOAD_ERRSHOW)
		return;
	fprintf(stderr, "ircload: %s: ", c ? c->nick : "-");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* CPU time from /proc/PID/stat (utime + stime, all threads), in ticks. */
static double
proc_stat_cpu_s(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return NAN;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* proc(5): the command name may hold spaces; fields restart after ')'. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return NAN;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/*
 * Server CPU time (user + system, all threads) in seconds; NAN if unknown.
 * The first field of each thread's schedstat is its time on a CPU in ns:
 * the same quantity as utime + stime, without the 10 ms tick granularity
 * that would swamp a short connect run.
 */
static double
proc_cpu_s(long pid)
{
	char path[320];
	unsigned long long ns, sum = 0;
	struct dirent *de;
	int found = 0;
	DIR *d;
	FILE *f;

	if (pid <= 0)
		return NAN;
	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	if ((d = opendir(path)) == NULL)
		return proc_stat_cpu_s(pid);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%.32s/schedstat", pid, de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%llu", &ns) == 1) {
			sum += ns;
			found++;
		}
		fclose(f);
	}
	closedir(d);
	return found ? (double)sum / 1e9 : proc_stat_cpu_s(pid);
}

/*
 * Time the hypervisor ran something else while this machine wanted its
 * CPUs (the "steal" field of /proc/stat's cpu line, all CPUs), in ms;
 * NAN if unknown. A virtual machine's latency tails follow it, so the
 * timed phases print how much of it fell inside them.
 */
static double
steal_ms(void)
{
	unsigned long long v[8];
	char line[512];
	FILE *f;
	int n = 0;

	if ((f = fopen("/proc/stat", "r")) == NULL)
		return NAN;
	if (fgets(line, sizeof(line), f) != NULL)
		n = sscanf(line, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
		    &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return NAN;
	return (double)v[7] * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

/* Server resident set size in KiB; -1 if unknown. */
static long
proc_rss_kb(long pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void
mark_dirty(struct load *l, struct lconn *c)
{
	if (!c->dirty) {
		c->dirty = true;
		l->dirty[l->ndirty++] = c;
	}
}

/* Queue one line; the flush at the end of the round writes it. */
static int
conn_send(struct load *l, struct lconn *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->state == LS_CLOSED)
		return -1;
	if (c->outcap - c->outlen < 600) {
		size_t cap = c->outcap ? c->outcap * 2 : 2048;
		char *p;

		if (cap > LOAD_OUT_MAX || (p = realloc(c->out, cap)) == NULL) {
			load_error(l, c, "own send queue overflow");
			return -1;
		}
		c->out = p;
		c->outcap = cap;
	}
	va_start(ap, fmt);
	n = vsnprintf(c->out + c->outlen, c->outcap - c->outlen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= c->outcap - c->outlen)
		return -1;
	c->outlen += (size_t)n;
	mark_dirty(l, c);
	return 0;
}

static void
conn_events(struct load *l, struct lconn *c, bool out)
{
	struct epoll_event ev;

	if (c->want_out == out)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | (out ? EPOLLOUT : 0);
	ev.data.ptr = c;
	epoll_ctl(l->ep, EPOLL_CTL_MOD, c->fd, &ev);
	c->want_out = out;
}

/* Close at the end of a run: RST, so neither side keeps TIME_WAIT ports. */
static void
conn_close(struct load *l, struct lconn *c)
{
	struct linger lg = { 1, 0 };

	if (c->state == LS_CLOSED || c->state == LS_IDLE)
		return;
	if (c->state == LS_CONNECTING || c->state == LS_REGISTERING)
		l->inflight--;
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	epoll_ctl(l->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->state = LS_CLOSED;
}

/* The connection failed or was dropped while we still needed it. */
static void
conn_lost(struct load *l, struct lconn *c, const char *why)
{
	if (c->state == LS_CONNECTING || c->state == LS_REGISTERING)
		l->failures++;
	load_error(l, c, "connection lost: %s", why);
	conn_close(l, c);
}

static void
conn_register(struct load *l, struct lconn *c)
{
	c->state = LS_REGISTERING;
	if (l->o.password)
		conn_send(l, c, "PASS %s\r\n", l->o.password);
	conn_send(l, c, "NICK %s\r\nUSER %s 0 * :ircload bench\r\n", c->nick, c->nick);
}

static int
conn_open(struct load *l, struct lconn *c)
{
	struct sockaddr_in sa;
	struct epoll_event ev;
	int one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)l->o.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->start_ns = mono_ns();
	l->inflight++;
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    fcntl(c->fd, F_SETFL, O_NONBLOCK) == -1) {
		c->state = LS_CLOSED;
		l->inflight--;
		l->failures++;
		load_error(l, c, "socket: %s", strerror(errno));
		if (c->fd >= 0)
			close(c->fd);
		return -1;
	}
	/* Latency is the point: no Nagle delay on our side. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->state = LS_CONNECTING;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.ptr = c;
	c->want_out = true;
	epoll_ctl(l->ep, EPOLL_CTL_ADD, c->fd, &ev);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		conn_register(l, c);
	else if (errno != EINPROGRESS)
		conn_lost(l, c, strerror(errno));
	return 0;
}

/* Keep up to o.conc connections registering until all nc are opened. */
static void
open_more(struct load *l)
{
	while (l->next_open < l->nc && l->inflight < l->o.conc)
		conn_open(l, &l->c[l->next_open++]);
}

/* A PRIVMSG with "<seq> <ts_ns> ..." text: check order, ack, latency. */
static void
on_delivery(struct load *l, struct lconn *c, const char *text)
{
	struct stream *s = c->src;
	uint64_t seq;
	int64_t ts;
	char *end;

	seq = strtoull(text, &end, 10);
	ts = strtoll(end, &end, 10);
	if (s == NULL || end == text) {
		load_error(l, c, "unexpected message: %s", text);
		return;
	}
	l->deliveries++;
	hist_add(l->lat, l->now - ts);
	if (seq < c->expect) {
		l->reorder++;
		return;
	}
	if (seq > c->expect)
		l->loss += seq - c->expect;
	c->expect = seq + 1;
	if (seq < s->acked || seq >= s->sent)
		return;
	s->ring[seq % l->o.window]++;
	while (s->acked < s->sent && s->ring[s->acked % l->o.window] >= s->receivers)
		s->ring[s->acked++ % l->o.window] = 0;
}

/* Nick of a ":nick!user@host" source, compared case-insensitively. */
static bool
source_is(const char *src, size_t srclen, const char *nick)
{
	size_t n = strlen(nick);

	return srclen >= n && strncasecmp(src, nick, n) == 0 &&
	    (srclen == n || src[n] == '!' || src[n] == '@');
}

static void
on_numeric(struct load *l, struct lconn *c, int num, const char *line)
{
	if (num == 1 && c->state == LS_REGISTERING) {
		c->state = LS_READY;
		l->inflight--;
		l->registered++;
		l->last_reg_ns = l->now;
		hist_add(l->reg, l->now - c->start_ns);
	} else if (num >= 400 && num < 600 && num != 422) {
		/*
		 * Nothing we send should fail: any error numeric is a bug,
		 * except ERR_NOMOTD (RFC 2812 5.2), which servers send as news.
		 */
		load_error(l, c, "error reply: %s", line);
		if (c->state == LS_REGISTERING) {
			l->failures++;
			conn_close(l, c);
		}
	}
}

/* The last parameter of a line (after " :" or the last space). */
static const char *
last_param(const char *rest)
{
	const char *p = strstr(rest, " :");

	if (p)
		return p + 2;
	p = strrchr(rest, ' ');
	return p ? p + 1 : rest;
}

static void
on_line(struct load *l, struct lconn *c, char *line)
{
	const char *src = "", *cmd, *rest;
	size_t srclen = 0;
	char *sp;

	if (line[0] == '@' && (line = strchr(line, ' ')) != NULL)
		line++;
	if (line == NULL || *line == '\0')
		return;
	if (line[0] == ':') {
		src = line + 1;
		if ((sp = strchr(line, ' ')) == NULL)
			return;
		srclen = (size_t)(sp - src);
		line = sp + 1;
	}
	cmd = line;
	sp = strchr(line, ' ');
	rest = sp ? sp : "";
	if (sp)
		*sp = '\0';
	if (strcmp(cmd, "PRIVMSG") == 0)
		on_delivery(l, c, last_param(rest + 1));
	else if (strcmp(cmd, "PING") == 0)
		conn_send(l, c, "PONG :%s\r\n", last_param(rest + 1));
	else if (strcmp(cmd, "PONG") == 0 && c->ping_tok &&
	    strcmp(last_param(rest + 1), c->ping_tok) == 0)
		l->pong_ns = l->now;
	else if (strcmp(cmd, "JOIN") == 0 && !c->joined && source_is(src, srclen, c->nick)) {
		c->joined = true;
		l->joined++;
	} else if (strcmp(cmd, "ERROR") == 0)
		load_error(l, c, "ERROR%s", rest);
	else if (strlen(cmd) == 3 && cmd[0] >= '0' && cmd[0] <= '9')
		on_numeric(l, c, atoi(cmd), rest + 1);
}

/* Split the input buffer into lines; keep a partial tail. */
static void
conn_lines(struct load *l, struct lconn *c)
{
	size_t start = 0;

	for (size_t i = 0; i < c->inlen && c->state != LS_CLOSED; i++) {
		if (c->in[i] != '\n')
			continue;
		c->in[i] = '\0';
		if (i > start && c->in[i - 1] == '\r')
			c->in[i - 1] = '\0';
		on_line(l, c, c->in + start);
		start = i + 1;
	}
	if (c->state == LS_CLOSED)
		return;
	memmove(c->in, c->in + start, c->inlen - start);
	c->inlen -= start;
	if (c->inlen == sizeof(c->in)) {
		load_error(l, c, "line longer than %d bytes", LOAD_INBUF);
		c->inlen = 0;
	}
}

static void
conn_read(struct load *l, struct lconn *c)
{
	size_t total = 0;
	ssize_t n;

	while (c->state != LS_CLOSED && total < LOAD_READ_MAX) {
		n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
		if (n > 0) {
			c->inlen += (size_t)n;
			total += (size_t)n;
			conn_lines(l, c);
		} else if (n == 0) {
			conn_lost(l, c, "closed by server");
		} else if (errno == EINTR) {
			continue;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			break;
		} else {
			conn_lost(l, c, strerror(errno));
		}
	}
	if (total) {
		l->bytes_in += total;
		l->last_input_ns = l->now;
	}
}

static void
conn_flush(struct load *l, struct lconn *c)
{
	ssize_t n = 0;

	c->dirty = false;
	if (c->state == LS_CLOSED || c->state == LS_CONNECTING)
		return;
	while (c->outlen > 0) {
		n = write(c->fd, c->out, c->outlen);
		if (n > 0) {
			memmove(c->out, c->out + n, c->outlen - (size_t)n);
			c->outlen -= (size_t)n;
		} else if (n == -1 && errno == EINTR) {
			continue;
		} else {
			break;
		}
	}
	if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
		conn_lost(l, c, strerror(errno));
	else
		conn_events(l, c, c->outlen > 0);
}

static void
conn_ready_out(struct load *l, struct lconn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (c->state != LS_CONNECTING) {
		mark_dirty(l, c);
		return;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 || err != 0) {
		conn_lost(l, c, strerror(err ? err : errno));
		return;
	}
	conn_register(l, c);
}

/* Append the due messages of every stream, within its window. */
static void
streams_tick(struct load *l)
{
	int64_t period = l->o.rate > 0 ? (int64_t)((double)NS / l->o.rate) : 0;

	for (size_t i = 0; l->sending && i < l->nst; i++) {
		struct stream *s = &l->st[i];

		while (s->sent - s->acked < l->o.window &&
		    (l->o.count == 0 || s->sent < l->o.count) &&
		    (period == 0 || l->now >= s->next_ns)) {
			if (conn_send(l, s->from, "PRIVMSG %s :%" PRIu64 " %" PRId64 " %.*s\r\n",
			    s->target, s->sent, mono_ns(), (int)l->o.payload,
			    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") == -1)
				break;
			s->sent++;
			s->next_ns += period;
		}
	}
}

/* Milliseconds until the next fixed-rate message is due, or until. */
static int
next_timeout_ms(const struct load *l, int64_t until)
{
	int64_t first = until < l->now + 50 * MS ? until : l->now + 50 * MS;

	/*
	 * A sleeping generator adds its own wake-up latency to every figure;
	 * a spinning one loses its CPU to any other runnable task now and
	 * then. Sleeping is the default: on a shared machine it is the fairer.
	 */
	if (l->spin)
		return 0;
	if (l->sending && l->o.rate > 0)
		for (size_t i = 0; i < l->nst; i++)
			if (l->st[i].next_ns < first && l->st[i].sent - l->st[i].acked < l->o.window)
				first = l->st[i].next_ns;
	if (first <= l->now)
		return 0;
	return (int)((first - l->now + MS - 1) / MS);
}


/*
 * One round: send what is due and flush, so that anything queued by the
 * previous round leaves before we sleep; then wait, read and dispatch.
 */
static void
load_round(struct load *l, int64_t until)
{
	struct epoll_event ev[256];
	int n;

	open_more(l);
	l->now = mono_ns();
	streams_tick(l);
	for (size_t i = 0; i < l->ndirty; i++)
		conn_flush(l, l->dirty[i]);
	l->ndirty = 0;
	n = epoll_wait(l->ep, ev, 256, next_timeout_ms(l, until));
	l->now = mono_ns();
	for (int i = 0; i < n; i++) {
		struct lconn *c = ev[i].data.ptr;

		if (c->state == LS_CLOSED)
			continue;
		if (ev[i].events & (EPOLLOUT | EPOLLERR))
			conn_ready_out(l, c);
		if (c->state != LS_CONNECTING && c->state != LS_CLOSED &&
		    ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			conn_read(l, c);
	}
}

typedef bool load_pred(const struct load *);

static void
load_progress(const struct load *l, const char *what)
{
	if (l->o.verbose)
		fprintf(stderr, "ircload: %.3f s: %s: registered=%" PRIu64 " joined=%"
		    PRIu64 " failures=%" PRIu64 " errors=%" PRIu64 " deliveries=%" PRIu64 "\n",
		    (double)(mono_ns() - l->start) / (double)NS, what, l->registered,
		    l->joined, l->failures, l->errors, l->deliveries);
}

/* Rounds until done(l) holds or the clock passes until; -1 at the deadline. */
static int
load_run(struct load *l, load_pred *done, int64_t until)
{
	l->now = mono_ns();
	while (!(done && done(l)) && l->now < until) {
		if (l->now >= l->deadline) {
			load_progress(l, "deadline");
			fprintf(stderr, "ircload: deadline of %.0f s exceeded\n",
			    l->o.deadline_s);
			return -1;
		}
		load_round(l, until);
	}
	return 0;
}

static bool
all_settled(const struct load *l)
{
	return l->next_open == l->nc && l->inflight == 0;
}

static bool
all_joined(const struct load *l)
{
	return l->joined + l->failures >= l->nc || l->errors > 0;
}

static bool
all_acked(const struct load *l)
{
	for (size_t i = 0; i < l->nst; i++)
		if (l->st[i].acked < l->st[i].sent)
			return false;
	return true;
}

static bool
all_done(const struct load *l)
{
	for (size_t i = 0; i < l->nst; i++)
		if (l->st[i].sent < l->o.count)
			return false;
	return all_acked(l);
}

static bool
is_quiet(const struct load *l)
{
	return l->now - l->last_input_ns > 300 * MS;
}

static bool
got_pong(const struct load *l)
{
	return l->pong_ns != 0;
}

static struct load *
load_new(const struct opts *o, size_t nc)
{
	struct load *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->o = *o;
	l->nc = nc;
	l->steal = NAN;
	l->c = calloc(nc + 1, sizeof(*l->c));
	l->dirty = calloc(nc + 1, sizeof(*l->dirty));
	l->reg = calloc(1, sizeof(*l->reg));
	l->lat = calloc(1, sizeof(*l->lat));
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->c == NULL || l->dirty == NULL || l->reg == NULL || l->lat == NULL ||
	    l->ep == -1) {
		perror("ircload: setup");
		exit(EXIT_USAGE);
	}
	/* RFC 2812 2.3.1: nicknames of 9 characters at most, letter first. */
	for (size_t i = 0; i <= nc; i++) {
		l->c[i].fd = -1;
		snprintf(l->c[i].nick, sizeof(l->c[i].nick), "b%u", (unsigned)i);
	}
	l->start = l->now = mono_ns();
	l->deadline = l->now + (int64_t)(o->deadline_s * (double)NS);
	return l;
}

static void
load_close_all(struct load *l)
{
	for (size_t i = 0; i <= l->nc; i++)
		conn_close(l, &l->c[i]);
}

/* Connect and register every client, o.conc at a time. */
static int
register_all(struct load *l)
{
	if (load_run(l, all_settled, INT64_MAX) == -1)
		return -1;
	load_progress(l, "registered");
	if (l->failures > 0) {
		fprintf(stderr, "ircload: %" PRIu64 " registrations failed\n", l->failures);
		return -1;
	}
	return 0;
}

static void
stream_init(struct load *l, struct stream *s, struct lconn *from,
    const char *target, unsigned receivers)
{
	s->from = from;
	snprintf(s->target, sizeof(s->target), "%s", target);
	s->receivers = receivers;
	if ((s->ring = calloc(l->o.window, sizeof(*s->ring))) == NULL) {
		perror("ircload");
		exit(EXIT_USAGE);
	}
}

static void
print_num(const char *key, double v, int prec)
{
	if (isnan(v))
		printf(" %s=na", key);
	else
		printf(" %s=%.*f", key, prec, v);
}

static void
print_head(const struct load *l)
{
	printf("scenario=%s server=%s", l->o.name ? l->o.name : l->o.scenario,
	    l->o.server);
}

/* The verdict printed last on the line and returned as the exit code. */
static int
print_status(const struct load *l, int rc)
{
	bool bad = l->loss || l->reorder || l->errors || l->failures;

	printf(" loss=%" PRIu64 " reorder=%" PRIu64 " errors=%" PRIu64
	    " failures=%" PRIu64 " status=%s\n", l->loss, l->reorder, l->errors,
	    l->failures, rc == -1 ? "timeout" : bad ? "FAIL" : "ok");
	fflush(stdout);
	if (rc == -1)
		return EXIT_DEADLINE;
	return bad ? EXIT_CHECK : EXIT_OK;
}

/* connect: N clients register, o.conc at a time; time to 001. */
static int
sc_connect(struct load *l)
{
	double cpu0 = proc_cpu_s(l->o.pid), cpu, secs;
	int64_t t0 = mono_ns();
	int rc;

	l->last_reg_ns = t0;
	rc = load_run(l, all_settled, INT64_MAX);
	cpu = proc_cpu_s(l->o.pid) - cpu0;
	secs = (double)(l->last_reg_ns - t0) / (double)NS;
	print_head(l);
	printf(" clients=%zu concurrency=%u registered=%" PRIu64, l->nc, l->o.conc,
	    l->registered);
	print_num("duration_s", secs, 3);
	print_num("regs_per_s", (double)l->registered / secs, 0);
	print_num("server_cpu_s", cpu, 3);
	print_num("regs_per_cpu_s", (double)l->registered / cpu, 0);
	print_num("p50_ms", hist_ms(l->reg, 0.50), 3);
	print_num("p99_ms", hist_ms(l->reg, 0.99), 3);
	l->failures += l->nc - l->registered - l->failures;
	return print_status(l, rc);
}

/* The measured phase: send for o.duration_s (or o.count each), then drain. */
static int
measure(struct load *l, double *secs, double *cpu)
{
	double cpu0 = proc_cpu_s(l->o.pid), steal0 = steal_ms();
	int64_t t0 = mono_ns(), period;
	int rc;

	period = l->o.rate > 0 ? (int64_t)((double)NS / l->o.rate) : 0;
	for (size_t i = 0; i < l->nst; i++)
		l->st[i].next_ns = t0 + period * (int64_t)i / (int64_t)l->nst;
	l->sending = true;
	l->spin = l->o.spin;
	if (l->o.count)
		rc = load_run(l, all_done, INT64_MAX);
	else
		rc = load_run(l, NULL, t0 + (int64_t)(l->o.duration_s * (double)NS));
	l->sending = false;
	if (rc == 0)
		rc = load_run(l, all_acked, mono_ns() + 15 * NS);
	l->spin = false;
	load_progress(l, "drained");
	*secs = (double)(mono_ns() - t0) / (double)NS;
	*cpu = proc_cpu_s(l->o.pid) - cpu0;
	l->steal = steal_ms() - steal0;
	/* Whatever a receiver still misses now is lost. */
	for (size_t i = 0; i <= l->nc; i++)
		if (l->c[i].src && l->c[i].expect < l->c[i].src->sent)
			l->loss += l->c[i].src->sent - l->c[i].expect;
	return rc;
}

static int
report_traffic(struct load *l, const char *unit, int rc, double secs, double cpu)
{
	uint64_t msgs = 0;
	char key[64];

	for (size_t i = 0; i < l->nst; i++)
		msgs += l->st[i].sent;
	print_head(l);
	if (l->o.rate > 0)
		printf(" rate=%.0f", l->o.rate);
	else
		printf(" rate=max");
	printf(" senders=%zu window=%u messages=%" PRIu64 " deliveries=%" PRIu64,
	    l->nst, l->o.window, msgs, l->deliveries);
	print_num("duration_s", secs, 3);
	snprintf(key, sizeof(key), "%s_per_s", unit);
	print_num(key, (double)l->deliveries / secs, 0);
	print_num("server_cpu_s", cpu, 3);
	snprintf(key, sizeof(key), "%s_per_cpu_s", unit);
	print_num(key, (double)l->deliveries / cpu, 0);
	print_num("p50_ms", hist_ms(l->lat, 0.50), 3);
	print_num("p99_ms", hist_ms(l->lat, 0.99), 3);
	print_num("steal_ms", l->steal, 0);
	return print_status(l, rc);
}

/*
 * fanout: o.channels channels of o.members; member 0 of each channel sends,
 * the others receive. A message is acknowledged once every receiver has it.
 */
static int
sc_fanout(struct load *l)
{
	unsigned m = l->o.members;
	double secs = NAN, cpu = NAN;
	int rc;

	l->nst = l->o.channels;
	if ((l->st = calloc(l->nst, sizeof(*l->st))) == NULL)
		return EXIT_USAGE;
	for (size_t i = 0; i < l->nc; i++) {
		struct lconn *c = &l->c[i];

		snprintf(c->chan, sizeof(c->chan), "#bench%u", (unsigned)(i / m));
		if (i % m == 0)
			stream_init(l, &l->st[i / m], c, c->chan, m - 1);
		else
			c->src = &l->st[i / m];
	}
	if ((rc = register_all(l)) == 0) {
		for (size_t i = 0; i < l->nc; i++)
			conn_send(l, &l->c[i], "JOIN %s\r\n", l->c[i].chan);
		rc = load_run(l, all_joined, INT64_MAX);
		load_progress(l, "joined");
	}
	if (rc == 0 && l->errors == 0)
		rc = load_run(l, is_quiet, mono_ns() + 5 * NS);
	if (rc == 0 && l->errors == 0)
		rc = measure(l, &secs, &cpu);
	return report_traffic(l, "deliveries", rc, secs, cpu);
}

/* privmsg: o.pairs sender/receiver pairs, user to user. */
static int
sc_privmsg(struct load *l)
{
	double secs = NAN, cpu = NAN;
	int rc;

	l->nst = l->o.pairs;
	if ((l->st = calloc(l->nst, sizeof(*l->st))) == NULL)
		return EXIT_USAGE;
	for (size_t i = 0; i < l->nst; i++) {
		stream_init(l, &l->st[i], &l->c[2 * i], l->c[2 * i + 1].nick, 1);
		l->c[2 * i + 1].src = &l->st[i];
	}
	if ((rc = register_all(l)) == 0 && l->errors == 0)
		rc = load_run(l, is_quiet, mono_ns() + 5 * NS);
	if (rc == 0 && l->errors == 0)
		rc = measure(l, &secs, &cpu);
	return report_traffic(l, "messages", rc, secs, cpu);
}

/* Sequential PING round trips from the probe connection. */
static int
ping_probe(struct load *l, struct lconn *p, struct hist *h)
{
	char tok[32];
	double steal0 = steal_ms();

	p->ping_tok = tok;
	l->spin = l->o.spin;
	for (unsigned k = 0; k < l->o.pings; k++) {
		int64_t t;

		snprintf(tok, sizeof(tok), "bench%u", k);
		l->pong_ns = 0;
		conn_send(l, p, "PING :%s\r\n", tok);
		t = mono_ns();
		if (load_run(l, got_pong, t + 5 * NS) == -1)
			return -1;
		if (l->pong_ns == 0) {
			load_error(l, p, "no PONG within 5 s");
			return 0;
		}
		hist_add(h, l->pong_ns - t);
		/* Space the probes out, as a client's keepalive would be. */
		if (load_run(l, NULL, mono_ns() + 1 * MS) == -1)
			return -1;
	}
	p->ping_tok = NULL;
	l->spin = false;
	l->steal = steal_ms() - steal0;
	return 0;
}

/* idle: N registered clients sit still; server RSS and PING latency. */
static int
sc_idle(struct load *l)
{
	long rss0 = proc_rss_kb(l->o.pid), rss1 = -1;
	double per = NAN;
	int rc;

	if ((rc = register_all(l)) == 0)
		rc = load_run(l, is_quiet, mono_ns() + 10 * NS);
	if (rc == 0) {
		rss1 = proc_rss_kb(l->o.pid);
		if (rss0 >= 0 && rss1 >= 0)
			per = (double)(rss1 - rss0) / (double)l->nc;
		/* The probe is one more connection, opened after the idle ones. */
		l->nc++;
		if ((rc = register_all(l)) == 0)
			rc = ping_probe(l, &l->c[l->nc - 1], l->lat);
	}
	print_head(l);
	printf(" clients=%u registered=%" PRIu64 " rss_before_kb=%ld rss_after_kb=%ld",
	    l->o.n, l->registered, rss0, rss1);
	print_num("rss_per_client_kb", per, 2);
	printf(" pings=%" PRIu64, l->lat->n);
	print_num("ping_p50_ms", hist_ms(l->lat, 0.50), 3);
	print_num("ping_p99_ms", hist_ms(l->lat, 0.99), 3);
	print_num("ping_max_ms", hist_ms(l->lat, 1.0), 3);
	print_num("steal_ms", l->steal, 0);
	return print_status(l, rc);
}

/* probe: can a TCP connection be made at all? For start-up polling. */
static int
sc_probe(const struct opts *o)
{
	struct sockaddr_in sa;
	int fd, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)o->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return EXIT_CHECK;
	/* Loopback: refused or accepted at once, no timeout needed. */
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? EXIT_OK : EXIT_CHECK;
	close(fd);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: ircload [options] connect|fanout|privmsg|idle|probe\n"
	    "  -p PORT     server port on 127.0.0.1 (6667)\n"
	    "  -w PASS     connection password (none)\n"
	    "  -P PID      server process, for CPU time and RSS\n"
	    "  -S LABEL    server name printed (server)\n"
	    "  -N LABEL    scenario name printed (the scenario)\n"
	    "  -n N        connect, idle: clients (2000)\n"
	    "  -c N        connections registering at once (256)\n"
	    "  -C N -m N   fanout: channels (10) and members each (100)\n"
	    "  -k N        privmsg: pairs (100)\n"
	    "  -W N        unacknowledged messages per sender (32)\n"
	    "  -r RATE     messages/s per sender, 0 for max (0)\n"
	    "  -d SECS     sending time (5)\n"
	    "  -x N        send exactly N messages per sender instead\n"
	    "  -b N        message text bytes, at most 256 (64)\n"
	    "  -q N        idle: PING round trips (500)\n"
	    "  -D SECS     hard deadline for the whole run (120)\n"
	    "  -s          spin instead of sleeping while timing\n"
	    "  -v          progress on standard error\n");
	exit(EXIT_USAGE);
}

static double
num_arg(const char *s, double lo, double hi)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= lo && v <= hi))
		usage();
	return v;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int ch;

	*o = (struct opts){ .server = "server", .port = 6667, .n = 2000, .conc = 256,
	    .channels = 10, .members = 100, .pairs = 100, .window = 32,
	    .duration_s = 5, .payload = 64, .pings = 500, .deadline_s = 120 };
	while ((ch = getopt(argc, argv, "p:w:P:S:N:n:c:C:m:k:W:r:d:x:b:q:D:sv")) != -1) {
		switch (ch) {
		case 'p': o->port = (int)num_arg(optarg, 1, 65535); break;
		case 'w': o->password = optarg; break;
		case 'P': o->pid = (long)num_arg(optarg, 1, 1e9); break;
		case 'S': o->server = optarg; break;
		case 'N': o->name = optarg; break;
		case 'n': o->n = (unsigned)num_arg(optarg, 1, 100000); break;
		case 'c': o->conc = (unsigned)num_arg(optarg, 1, 100000); break;
		case 'C': o->channels = (unsigned)num_arg(optarg, 1, 1000); break;
		case 'm': o->members = (unsigned)num_arg(optarg, 2, 10000); break;
		case 'k': o->pairs = (unsigned)num_arg(optarg, 1, 50000); break;
		case 'W': o->window = (unsigned)num_arg(optarg, 1, 100000); break;
		case 'r': o->rate = num_arg(optarg, 0, 1e7); break;
		case 'd': o->duration_s = num_arg(optarg, 0.1, 3600); break;
		case 'x': o->count = (unsigned)num_arg(optarg, 1, 1e9); break;
		case 'b': o->payload = (unsigned)num_arg(optarg, 1, 256); break;
		case 'q': o->pings = (unsigned)num_arg(optarg, 1, 1e6); break;
		case 'D': o->deadline_s = num_arg(optarg, 1, 86400); break;
		case 's': o->spin = true; break;
		case 'v': o->verbose = true; break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	o->scenario = argv[optind];
}

/* 10,000 clients need as many descriptors: take the hard limit. */
static void
raise_fd_limit(size_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need + 16) {
		fprintf(stderr, "ircload: need %zu descriptors, RLIMIT_NOFILE is %llu\n",
		    need + 16, (unsigned long long)rl.rlim_cur);
		exit(EXIT_USAGE);
	}
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct load *l;
	size_t nc;
	int rc;

	parse_opts(argc, argv, &o);
	if (strcmp(o.scenario, "probe") == 0)
		return sc_probe(&o);
	if (strcmp(o.scenario, "fanout") == 0)
		nc = (size_t)o.channels * o.members;
	else if (strcmp(o.scenario, "privmsg") == 0)
		nc = (size_t)o.pairs * 2;
	else if (strcmp(o.scenario, "connect") == 0 || strcmp(o.scenario, "idle") == 0)
		nc = o.n;
	else
		usage();
	raise_fd_limit(nc + 1);
	l = load_new(&o, nc);
	if (strcmp(o.scenario, "fanout") == 0)
		rc = sc_fanout(l);
	else if (strcmp(o.scenario, "privmsg") == 0)
		rc = sc_privmsg(l);
	else if (strcmp(o.scenario, "connect") == 0)
		rc = sc_connect(l);
	else
		rc = sc_idle(l);
	load_close_all(l);
	return rc;
}
