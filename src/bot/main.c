/*
 * ircbot: the I/O shell around the bot core. One process, one socket, one
 * poll() loop: connect without blocking (each address in turn), feed
 * whole lines to the core, write what it lets out, and reconnect after
 * the delay it asks for. SIGINT or SIGTERM sends QUIT and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bot/bot.h"
#include "bot/botconf.h"

#define CONNECT_TIMEOUT_MS      10000
#define QUIT_TIMEOUT_MS         2000    /* for the server to close after QUIT */
#define POLL_MAX_MS             500     /* how late a signal may be noticed */
#define OUTBUF_MAX              (4 * IRCLINE_MAX)

/* Set by the signal handler, read by the loop: the only global. */
static volatile sig_atomic_t stop_requested;

struct shell {
	struct bot      *bot;
	int              fd;            /* -1 while disconnected */
	bool             connecting;    /* connect() in progress */
	int64_t          connect_deadline_ms;
	int64_t          retry_at_ms;   /* when to connect again */
	struct addrinfo *addrs;         /* from getaddrinfo(), while connecting */
	struct addrinfo *next_addr;     /* the address to try after this one */
	bool             quitting;
	int64_t          quit_deadline_ms;
	char             in[BOT_RECV_LINE_MAX + 2];
	size_t           inlen;
	bool             discarding;    /* inside an over-long line */
	char             out[OUTBUF_MAX];
	size_t           outlen;
};

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static struct bot_time
clock_now(void)
{
	struct timespec ts;
	struct bot_time t;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t.ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	t.wall = time(NULL);
	return t;
}

/* One line of log on stderr, stamped with the UTC time. */
static void __attribute__((format(printf, 1, 2)))
note(const char *fmt, ...)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		stamp[0] = '\0';
	fprintf(stderr, "%s ircbot: ", stamp);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
drop_connection(struct shell *sh, const char *why)
{
	struct bot_time now = clock_now();
	int64_t delay;

	if (sh->fd != -1)
		close(sh->fd);
	sh->fd = -1;
	sh->connecting = false;
	sh->inlen = sh->outlen = 0;
	sh->discarding = false;
	delay = bot_disconnected(sh->bot, now);
	sh->retry_at_ms = now.ms + delay;
	if (!sh->quitting)
		note("disconnected (%s); retrying in %lld s", why, (long long)(delay / 1000));
}

/* Start a non-blocking connect to the next address; false when none is left. */
static bool
try_next_address(struct shell *sh)
{
	while (sh->next_addr != NULL) {
		struct addrinfo *ai = sh->next_addr;
		int fd;

		sh->next_addr = ai->ai_next;
		if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) == -1)
			continue;
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
		    (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 && errno != EINPROGRESS)) {
			close(fd);
			continue;
		}
		sh->fd = fd;
		sh->connecting = true;
		sh->connect_deadline_ms = clock_now().ms + CONNECT_TIMEOUT_MS;
		return true;
	}
	return false;
}

static void
start_connect(struct shell *sh)
{
	const struct botconf *cfg = &sh->bot->cfg;
	struct addrinfo hints;
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (sh->addrs != NULL)
		freeaddrinfo(sh->addrs);
	sh->addrs = NULL;
	/* getaddrinfo() may block on DNS; a bot can afford that pause. */
	if ((r = getaddrinfo(cfg->host, cfg->port, &hints, &sh->addrs)) != 0) {
		sh->addrs = NULL;
		drop_connection(sh, gai_strerror(r));
		return;
	}
	sh->next_addr = sh->addrs;
	note("connecting to %s port %s", cfg->host, cfg->port);
	if (!try_next_address(sh))
		drop_connection(sh, "no address accepts connections");
}

/* The connect finished, or failed: go on to registration or the next address. */
static void
finish_connect(struct shell *sh)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(sh->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == 0) {
		sh->connecting = false;
		freeaddrinfo(sh->addrs);
		sh->addrs = sh->next_addr = NULL;
		note("connected to %s port %s", sh->bot->cfg.host, sh->bot->cfg.port);
		bot_connected(sh->bot, clock_now());
		return;
	}
	close(sh->fd);
	sh->fd = -1;
	if (!try_next_address(sh))
		drop_connection(sh, strerror(err));
}

/* Hand every complete line in the input buffer to the core. */
static void
feed_lines(struct shell *sh)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(sh->in + start, '\n', sh->inlen - start)) != NULL) {
		size_t len = (size_t)(nl - (sh->in + start));

		if (!sh->discarding) {
			if (len > 0 && sh->in[start + len - 1] == '\r')
				len--;
			bot_on_line(sh->bot, sh->in + start, len, clock_now());
		}
		sh->discarding = false;
		start += (size_t)(nl - (sh->in + start)) + 1;
	}
	memmove(sh->in, sh->in + start, sh->inlen - start);
	sh->inlen -= start;
	/* A line longer than we take: drop it up to its LF. */
	if (sh->inlen == sizeof(sh->in)) {
		sh->discarding = true;
		sh->inlen = 0;
	}
}

static void
read_input(struct shell *sh)
{
	ssize_t n = recv(sh->fd, sh->in + sh->inlen, sizeof(sh->in) - sh->inlen, 0);

	if (n > 0) {
		sh->inlen += (size_t)n;
		feed_lines(sh);
	} else if (n == 0) {
		drop_connection(sh, "closed by the server");
	} else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
		drop_connection(sh, strerror(errno));
	}
}

static void
write_output(struct shell *sh)
{
	ssize_t n;

	while (sh->outlen + IRCLINE_MAX + 1 <= sizeof(sh->out)) {
		size_t len = bot_next_line(sh->bot, clock_now().ms, sh->out + sh->outlen,
		    sizeof(sh->out) - sh->outlen);

		if (len == 0)
			break;
		sh->outlen += len;
	}
	if (sh->outlen == 0)
		return;
	/* MSG_NOSIGNAL (POSIX.1-2008): a reset peer costs EPIPE, not the process. */
	n = send(sh->fd, sh->out, sh->outlen, MSG_NOSIGNAL);
	if (n > 0) {
		memmove(sh->out, sh->out + n, sh->outlen - (size_t)n);
		sh->outlen -= (size_t)n;
	} else if (n == -1 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
		drop_connection(sh, strerror(errno));
	}
}

static int
poll_timeout(struct shell *sh, int64_t now_ms)
{
	int64_t t = POLL_MAX_MS, b;

	if (sh->fd == -1) {
		b = sh->retry_at_ms - now_ms;
	} else if (sh->connecting) {
		b = sh->connect_deadline_ms - now_ms;
	} else {
		b = bot_timeout_ms(sh->bot, now_ms);
		if (b == -1)
			b = POLL_MAX_MS;
	}
	if (sh->quitting)
		b = b < sh->quit_deadline_ms - now_ms ? b : sh->quit_deadline_ms - now_ms;
	t = b < t ? b : t;
	return t < 0 ? 0 : (int)t;
}

/* One round: timers, then poll, then the socket's events. */
static void
shell_round(struct shell *sh)
{
	struct bot_time now = clock_now();
	struct pollfd pfd = { sh->fd, 0, 0 };

	if (sh->fd == -1 && !sh->quitting && now.ms >= sh->retry_at_ms)
		start_connect(sh);
	if (sh->fd != -1 && sh->connecting && now.ms >= sh->connect_deadline_ms) {
		close(sh->fd);
		sh->fd = -1;
		if (!try_next_address(sh))
			drop_connection(sh, "connection timed out");
	}
	if (sh->fd != -1 && !sh->connecting) {
		bot_tick(sh->bot, now);
		write_output(sh);
		if (sh->fd != -1 && bot_wants_close(sh->bot) && sh->outlen == 0)
			drop_connection(sh, "the connection is dead");
	}
	pfd.fd = sh->fd;
	pfd.events = sh->connecting || sh->outlen > 0 ? POLLOUT : 0;
	if (sh->fd != -1 && !sh->connecting)
		pfd.events |= POLLIN;
	if (poll(&pfd, 1, poll_timeout(sh, now.ms)) <= 0 || sh->fd == -1)
		return;
	if (sh->connecting) {
		finish_connect(sh);
		return;
	}
	if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
		read_input(sh);
	if (sh->fd != -1 && (pfd.revents & POLLOUT))
		write_output(sh);
}

static int
setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() returns EINTR and the loop sees the flag. */
	sa.sa_handler = on_stop;
	if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1)
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

/* Send QUIT once, then wait (bounded) for the server to close. */
static bool
shell_should_stop(struct shell *sh)
{
	int64_t now_ms = clock_now().ms;

	if (!stop_requested)
		return false;
	if (!sh->quitting) {
		sh->quitting = true;
		sh->quit_deadline_ms = now_ms + QUIT_TIMEOUT_MS;
		if (sh->fd == -1 || sh->connecting)
			return true;
		bot_quit(sh->bot, "ircbot stopping");
	}
	return sh->fd == -1 || now_ms >= sh->quit_deadline_ms;
}

int
main(int argc, char *argv[])
{
	struct botconf cfg;
	struct shell sh;
	struct bot_time now = clock_now();
	char err[512];

	botconf_init(&cfg);
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(botconf_usage(), stdout);
		return 0;
	}
	if (botconf_parse_args(&cfg, argc, argv, err, sizeof(err)) == -1) {
		fprintf(stderr, "ircbot: %s\n%s", err, botconf_usage());
		return 2;
	}
	if (setup_signals() == -1) {
		perror("ircbot: sigaction");
		return 1;
	}
	memset(&sh, 0, sizeof(sh));
	sh.fd = -1;
	sh.retry_at_ms = now.ms;
	if ((sh.bot = bot_new(&cfg, now, (uint64_t)now.wall ^
	    ((uint64_t)getpid() << 32) ^ (uint64_t)now.ms)) == NULL) {
		fprintf(stderr, "ircbot: out of memory\n");
		return 1;
	}
	while (!shell_should_stop(&sh))
		shell_round(&sh);
	if (sh.fd != -1)
		close(sh.fd);
	if (sh.addrs != NULL)
		freeaddrinfo(sh.addrs);
	bot_free(sh.bot);
	return 0;
}
