/*
 * ircserv entry point: arguments, signals, the listener, and the event
 * loop that drives the core. The only file with main(), and the only
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
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "config_file.h"
#include "crypto.h"
#include "irc.h"
#include "conn.h"
#include "histfile.h"
#include "link.h"
#include "log.h"
#include "loop.h"
#include "roundstat.h"
#include "inputq.h"
#include "server.h"
#include "state.h"
#include "upgrade.h"

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
	int             pipe_rd;
	bool            stop;
	struct server  *srv;
	struct histfile *hf;            /* NULL without history_file */
	struct upgrade  up;
};

static void
on_signal_pipe(void *ud, int fd, short revents)
{
	struct run_state *st = ud;
	unsigned char sigs[16];
	char err[512];
	ssize_t n;

	(void)revents;
	while ((n = read(fd, sigs, sizeof(sigs))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (sigs[i] == SIGINT || sigs[i] == SIGTERM)
				st->stop = true;
			else if (sigs[i] == SIGHUP && server_rehash(st->srv, err, sizeof(err)) == -1)
				log_msg(&st->srv->log, LOG_ERROR, "rehash failed, configuration kept: %s", err);
			else if (sigs[i] == SIGHUP)
				log_msg(&st->srv->log, LOG_INFO, "configuration reloaded on SIGHUP");
			else if (sigs[i] == SIGUSR2)
				st->srv->upgrade = true;
		}
	}
}

static int
setup_signals(struct run_state *st)
{
	struct sigaction sa;
	sigset_t set;
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
	if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1 || sigaction(SIGUSR2, &sa, NULL) == -1)
		return -1;
	/* A peer that vanishes mid-write must cost an EPIPE, not the process. */
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		return -1;
	/* The old image of an upgrade blocked them for the exec: take them now. */
	sigemptyset(&set);
	upgrade_signals(&set);
	return sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: ircserv [-c FILE] <port> <password>\n"
	    "       ircserv --configtest -c FILE\n"
	    "       ircserv --mkpasswd\n"
	    "       ircserv --upgrade-check\n"
	    "  port      TCP port to listen on, 1-65535\n"
	    "  password  connection password: non-empty, no spaces, CR or LF\n"
	    "  -c FILE   configuration file (see conf/ircserv.conf)\n");
	exit(2);
}

struct options {
	const char *config;
	const char *port;
	const char *password;
	bool        configtest;
	bool        mkpasswd;
	bool        upgrade_check;  /* answer the state version, exit */
	int         state_fd;       /* --upgrade-state: restore from it; -1 */
	int         argc;
	char      **argv;
};

/* A decimal argument from min to max, or a usage error. */
static long
parse_number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > max)
		usage();
	return v;
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	int npos = 0;

	memset(o, 0, sizeof(*o));
	o->state_fd = -1;
	o->argc = argc;
	o->argv = argv;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			o->config = argv[++i];
		else if (strcmp(argv[i], "--upgrade-check") == 0 && argc == 2)
			o->upgrade_check = true;
		else if (strcmp(argv[i], UPGRADE_STATE_OPTION) == 0 && i + 1 < argc)
			o->state_fd = (int)parse_number(argv[++i], 3, INT_MAX);
		else if (strcmp(argv[i], "--configtest") == 0)
			o->configtest = true;
		else if (strcmp(argv[i], "--mkpasswd") == 0)
			o->mkpasswd = true;
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			usage();
		else if (npos == 0 && ++npos)
			o->port = argv[i];
		else if (npos == 1 && ++npos)
			o->password = argv[i];
		else
			usage();
	}
	if (o->upgrade_check)
		return;
	if (o->mkpasswd && (o->configtest || o->config || npos))
		usage();
	if (o->configtest && (o->config == NULL || npos))
		usage();
	if (!o->mkpasswd && !o->configtest && npos != 2)
		usage();
}

static unsigned
parse_port(const char *s)
{
	return (unsigned)parse_number(s, 1, 65535);
}

static void
check_password(const char *s)
{
	if (s[0] == '\0' || strpbrk(s, " \r\n") != NULL)
		usage();
}

/* --mkpasswd: read one password line, print its hash for the config file. */
static int
mkpasswd(void)
{
	char pw[1024], hash[CRYPTO_HASH_MAX];
	struct termios t, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t) == 0;

	if (tty) {
		fprintf(stderr, "Password: ");
		quiet = t;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	}
	if (fgets(pw, sizeof(pw), stdin) == NULL)
		pw[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
		fprintf(stderr, "\n");
	}
	pw[strcspn(pw, "\r\n")] = '\0';
	if (pw[0] == '\0') {
		fprintf(stderr, "ircserv: empty password\n");
		return 1;
	}
	if (crypto_hash_password(pw, CRYPTO_PBKDF2_ITERATIONS, hash, sizeof(hash)) == -1) {
		fprintf(stderr, "ircserv: cannot hash: %s\n", strerror(errno));
		return 1;
	}
	printf("%s\n", hash);
	return 0;
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

/*
 * Each "listen" line, then the port from argv on every IPv4 interface;
 * those marked proxy expect a PROXY protocol header on every connection.
 * The command-line port opens last, so whoever waits for it to accept
 * (a service manager, a test) finds every listener open.
 */
static int
open_listeners(const struct config *cfg, struct conn *c,
    const struct logger *log)
{
	char err[256];
	int fd;

	for (size_t i = 0; i < cfg->nlistens; i++) {
		const struct config_listen *l = &cfg->listens[i];

		if ((fd = conn_listen(l->addr, l->family, l->port, err, sizeof(err))) == -1)
			goto fail;
		if (conn_add_listener(c, fd, l->proxy, l->websocket, l->server) == -1)
			goto no_room;
		log_msg(log, LOG_INFO, "listening on %s port %u%s%s%s", l->addr, l->port,
		    l->websocket ? " (WebSocket)" : "",
		    l->proxy ? " (PROXY protocol)" : "",
		    l->server ? " (server links)" : "");
	}
	/* "bind" may narrow the command-line port to one address (tests: loopback). */
	if ((fd = conn_listen(cfg->bind_addr, cfg->bind_addr && strchr(cfg->bind_addr, ':') ?
	    CONFIG_INET6 : CONFIG_INET4, cfg->port, err, sizeof(err))) == -1)
		goto fail;
	if (conn_add_listener(c, fd, false, false, false) == -1)
		goto no_room;
	return 0;
no_room:
	close(fd);
	snprintf(err, sizeof(err), "too many listeners, or out of memory");
fail:
	fprintf(stderr, "ircserv: %s\n", err);
	return -1;
}

/* The sooner of two wait timeouts in milliseconds; -1 is no limit. */
static int
sooner(int a, int b)
{
	return a < 0 || (b >= 0 && b < a) ? b : a;
}

static int64_t clock_ns(clockid_t id);

/* The core's clock for a round's work budget (server.clock_ns). */
static int64_t
mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* ... and the CPU time this thread has run (server.cpu_clock_ns). */
static int64_t
cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

/* Nanoseconds on clock id (CLOCK_MONOTONIC, or this thread's CPU time). */
static int64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* SIGUSR2 or UPGRADE: start the check; end a check past its deadline. */
static void
upgrade_poll(struct run_state *st, struct loop *lp)
{
	if (st->srv->upgrade) {
		st->srv->upgrade = false;
		upgrade_request(&st->up, lp, st->srv, mono_ms());
	}
	upgrade_timeout(&st->up, mono_ms());
}

/*
 * The check passed: exec the new binary once no password check is
 * running (they cannot move), after the round's output is written.
 * upgrade_exec() returns only on failure, with notices to write. True
 * while the upgrade waits for the checks.
 */
static bool
upgrade_go(struct run_state *st, struct conn *c, bool hashing)
{
	if (!st->up.ready)
		return false;
	if (hashing)
		return true;
	upgrade_exec(&st->up, c, &st->hf, mono_ms());
	conn_settle(c);
	return false;
}

static int
serve(struct server *srv, struct conn *c, struct loop *lp, struct run_state *st)
{
	int timeout, rc = 0;
	bool busy;
	int64_t wall0, cpu0;

	srv->clock_ns = mono_ns;
	srv->cpu_clock_ns = cpu_ns;
	server_set_clock(srv, wall_ms(), mono_ms());
	timeout = server_tick(srv);
	/* Autoconnects are due at once. */
	conn_connect_links(c);
	conn_settle(c);
	while (!st->stop && !srv->stop) {
		if (loop_wait(lp, timeout) == -1) {
			log_msg(&srv->log, LOG_ERROR, "%s: %s", loop_backend_name(lp), strerror(errno));
			rc = 1;
			break;
		}
		/* The round's work, for STATS r: from here to the next wait. */
		wall0 = clock_ns(CLOCK_MONOTONIC);
		cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		/* Handlers must see the time after the wait, not before it. */
		server_set_clock(srv, wall_ms(), mono_ms());
		/*
		 * Clients whose lines outran the last round's work budget come
		 * first; new lines beyond this round's budget wait for the next.
		 */
		inputq_begin_round(srv);
		loop_dispatch(lp);
		timeout = server_tick(srv);
		conn_connect_links(c);
		conn_settle(c);
		/*
		 * Then a slice of queued password checks, after this round's
		 * answers are written, and the answers of checks it finished.
		 * While checks remain, wait only to serve I/O, then go on.
		 */
		busy = server_work(srv);
		upgrade_poll(st, lp);
		conn_settle(c);
		if (upgrade_go(st, c, busy))
			timeout = 0;
		busy = busy || inputq_pending(srv);
		/* A link reaped this round may have scheduled a reconnect. */
		timeout = sooner(timeout, link_tick(srv));
		timeout = busy ? 0 : conn_poll_timeout(c, timeout);
		/* Last, the round's history records go to the file. */
		timeout = sooner(timeout, histfile_round(st->hf, srv->now_ms));
		timeout = sooner(timeout, upgrade_timeout(&st->up, mono_ms()));
		roundstat_note(&srv->rounds, clock_ns(CLOCK_MONOTONIC) - wall0,
		    clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0);
	}
	log_msg(&srv->log, LOG_INFO, "shutting down");
	conn_shutdown(c, "Server shutting down", 2000);
	return rc;
}

static int
load_config(struct config *cfg, const struct options *o)
{
	char err[512];

	if (config_defaults(cfg) == -1)
		return -1;
	if (o->config && config_load_file(cfg, o->config, err, sizeof(err)) == -1) {
		fprintf(stderr, "ircserv: %s\n", err);
		config_free(cfg);
		return -1;
	}
	return 0;
}

/* Send log lines to the configured file instead of the terminal. */
static int
open_log_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

	if (fd == -1 || dup2(fd, STDERR_FILENO) == -1) {
		fprintf(stderr, "ircserv: log file %s: %s\n", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * The new image of a hot upgrade: rebuild the state the old one left in
 * fd and take over its descriptors. A state that cannot be restored is
 * logged as the failure it is: the connections it held are lost.
 */
static int
restore_state(struct server *srv, struct conn *c, int fd, const char *image)
{
	struct buf blob;
	struct journal_rec r;
	char err[256], old[96];
	uint32_t version = 0;
	int64_t start_ms = 0;

	if (upgrade_read_state(fd, &blob, err, sizeof(err)) == -1 ||
	    state_load(srv, buf_data(&blob), buf_len(&blob), err, sizeof(err)) == -1 ||
	    (!state_section(buf_data(&blob), buf_len(&blob), STATE_SHELL, &version, &r) &&
	    snprintf(err, sizeof(err), "no shell section") > 0) ||
	    ((version < 1 || version > 2) &&
	    snprintf(err, sizeof(err), "shell section version %u", version) > 0) ||
	    conn_restore(c, &r, version, &start_ms, old, sizeof(old), err, sizeof(err)) == -1) {
		log_msg(&srv->log, LOG_ERROR, "UPGRADE FAILED: the saved state cannot be "
		    "restored (%s): its connections are lost", err);
		buf_free(&blob);
		return -1;
	}
	buf_free(&blob);
	log_msg(&srv->log, LOG_INFO, "upgrade: %s replaced by %s, paused %lld ms, "
	    "%u connections kept", old, image, (long long)(mono_ms() - start_ms),
	    srv->nclients);
	upgrade_notice_opers(srv, "Upgraded from %s to %s (state version %u); paused %lld ms",
	    old, image, STATE_VERSION, (long long)(mono_ms() - start_ms));
	return 0;
}

/* Load and open history_file, if set. 0, or -1 (said on stderr). */
static int
open_history(const struct config *cfg, struct server *srv, struct run_state *st)
{
	char err[256];

	if (cfg->history_file && (st->hf = histfile_open(srv, cfg->history_file,
	    cfg->history_flush_ms, mono_ms(), err, sizeof(err))) == NULL) {
		fprintf(stderr, "ircserv: history_file %s\n", err);
		return -1;
	}
	return 0;
}

static int
run(struct config *cfg, const struct options *o)
{
	struct run_state st = { .pipe_rd = -1 };
	char err[256];
	struct loop *lp = loop_new(cfg->event_backend == CONFIG_BACKEND_EPOLL ?
	    LOOP_BACKEND_EPOLL : LOOP_BACKEND_POLL, err, sizeof(err));
	struct server *srv = lp ? server_new(cfg, wall_ms(), mono_ms()) : NULL;
	struct conn *c = srv ? conn_new(srv, lp) : NULL;
	int rc = 1;

	if (lp == NULL) {
		fprintf(stderr, "ircserv: event_backend: %s\n", err);
		goto out;
	}
	if (c == NULL || (o->config && server_set_config_path(srv, o->config,
	    config_load_file) == -1)) {
		fprintf(stderr, "ircserv: out of memory\n");
		goto out;
	}
	st.srv = srv;
	if (upgrade_init(&st.up, o->argc, o->argv, err, sizeof(err)) == -1)
		log_msg(&srv->log, LOG_WARN, "upgrade: %s; SIGUSR2 and UPGRADE will fail", err);
	/*
	 * A fresh start loads the history before it listens: the first
	 * client finds it, and a file that stops the server stops it before
	 * anyone connects. The new image of an upgrade has its listeners
	 * already, and reads the file its old image closed once restored.
	 */
	if (o->state_fd < 0 && open_history(cfg, srv, &st) == -1)
		goto out;
	if (o->state_fd >= 0 ? restore_state(srv, c, o->state_fd, st.up.version) == -1 :
	    open_listeners(cfg, c, &srv->log) == -1)
		goto out;
	if (setup_signals(&st) == -1 ||
	    loop_add(lp, st.pipe_rd, POLLIN, on_signal_pipe, &st) == -1) {
		fprintf(stderr, "ircserv: signals: %s\n", strerror(errno));
		goto out;
	}
	if (cfg->log_file && open_log_file(cfg->log_file) == -1)
		goto out;
	if (o->state_fd >= 0 && open_history(cfg, srv, &st) == -1)
		goto out;
	log_msg(&srv->log, LOG_INFO, "%s listening on port %u (%s)", IRCSERV_VERSION, cfg->port,
	    loop_backend_name(lp));
	rc = serve(srv, c, lp, &st);
out:
	upgrade_free(&st.up);
	conn_free(c);
	histfile_close(st.hf);
	loop_free(lp);
	server_free(srv);
	if (st.pipe_rd >= 0) {
		close(st.pipe_rd);
		close(signal_fd);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct config cfg;
	int rc;

	parse_options(argc, argv, &o);
	if (o.upgrade_check) {
		upgrade_print_check();
		return 0;
	}
	if (o.mkpasswd)
		return mkpasswd();
	if (!o.configtest) {
		parse_port(o.port);
		check_password(o.password);
	}
	if (load_config(&cfg, &o) == -1)
		return 1;
	if (o.configtest) {
		printf("ircserv: %s: configuration OK\n", o.config);
		config_free(&cfg);
		return 0;
	}
	cfg.port = parse_port(o.port);
	if (config_set_string(&cfg.password, o.password) == -1) {
		config_free(&cfg);
		return 1;
	}
	raise_fd_limit();
	rc = run(&cfg, &o);
	config_free(&cfg);
	return rc;
}
