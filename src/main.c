/*
 * ircserv entry point: arguments, signals, the listener, and the poll
 * loop that drives the core. The only file with main() and the only
 * global (the signal pipe, which a handler must reach).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "irc.h"
#include "conn.h"
#include "log.h"
#include "loop.h"
#include "server.h"

/* Self-pipe: signal handlers write the signal number, the loop reads it. */
static volatile sig_atomic_t signal_fd = -1;

static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	ssize_t n = write(signal_fd, &b, 1);

	(void)n;
	errno = saved;
}

struct run_state {
	int     pipe_rd;
	bool    stop;
};

static void
on_signal_pipe(void *ud, int fd, short revents)
{
	struct run_state *st = ud;
	unsigned char sigs[16];
	ssize_t n;

	(void)revents;
	while ((n = read(fd, sigs, sizeof(sigs))) > 0)
		for (ssize_t i = 0; i < n; i++)
			if (sigs[i] == SIGINT || sigs[i] == SIGTERM)
				st->stop = true;
}

static int
setup_signals(struct run_state *st)
{
	struct sigaction sa;
	int p[2];

	if (pipe(p) == -1)
		return -1;
	for (int i = 0; i < 2; i++)
		if (fcntl(p[i], F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(p[i], F_SETFD, FD_CLOEXEC) == -1)
			return -1;
	st->pipe_rd = p[0];
	signal_fd = p[1];
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1)
		return -1;
	/* A peer that vanishes mid-write must cost an EPIPE, not the process. */
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ircserv <port> <password>\n"
	    "  port      TCP port to listen on, 1-65535\n"
	    "  password  connection password: non-empty, no spaces, CR or LF\n");
	exit(2);
}

static unsigned
parse_port(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < 1 || v > 65535)
		usage();
	return (unsigned)v;
}

static void
check_password(const char *s)
{
	if (s[0] == '\0' || strpbrk(s, " \r\n") != NULL)
		usage();
}

/* As many descriptors as the hard limit allows: each client needs one. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
serve(struct server *srv, int listen_fd, struct run_state *st)
{
	struct loop *lp = loop_new();
	struct conn *c = lp ? conn_new(srv, lp, listen_fd) : NULL;
	int timeout, rc = 0;

	if (c == NULL || loop_add(lp, st->pipe_rd, POLLIN, on_signal_pipe, st) == -1) {
		log_msg(LOG_ERROR, "out of memory at start");
		conn_free(c);
		loop_free(lp);
		return 1;
	}
	server_set_clock(srv, time(NULL), mono_ms());
	timeout = server_tick(srv);
	while (!st->stop) {
		if (loop_poll(lp, timeout) == -1) {
			log_msg(LOG_ERROR, "poll: %s", strerror(errno));
			rc = 1;
			break;
		}
		server_set_clock(srv, time(NULL), mono_ms());
		timeout = server_tick(srv);
		conn_settle(c);
	}
	log_msg(LOG_INFO, "shutting down");
	conn_shutdown(c, "Server shutting down", 2000);
	conn_free(c);
	loop_free(lp);
	return rc;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct server *srv;
	struct run_state st = { -1, false };
	char err[256];
	int listen_fd, rc;

	if (argc != 3)
		usage();
	if (config_defaults(&cfg) == -1)
		return 1;
	cfg.port = parse_port(argv[1]);
	check_password(argv[2]);
	if (config_set_string(&cfg.password, argv[2]) == -1)
		return 1;
	raise_fd_limit();
	if (setup_signals(&st) == -1) {
		fprintf(stderr, "ircserv: signals: %s\n", strerror(errno));
		return 1;
	}
	if ((listen_fd = conn_listen(cfg.port, err, sizeof(err))) == -1) {
		fprintf(stderr, "ircserv: %s\n", err);
		config_free(&cfg);
		return 1;
	}
	srv = server_new(&cfg, time(NULL), mono_ms());
	if (srv == NULL) {
		fprintf(stderr, "ircserv: out of memory\n");
		return 1;
	}
	log_msg(LOG_INFO, "%s listening on port %u", IRCSERV_VERSION, cfg.port);
	config_free(&cfg);
	rc = serve(srv, listen_fd, &st);
	server_free(srv);
	close(st.pipe_rd);
	close(signal_fd);
	return rc;
}
