/*
 * Integration-test harness: spawns and reaps ircserv processes, and drives
 * raw IRC clients over non-blocking loopback sockets with poll()-bounded
 * waits. The reader checks every server line for CR LF framing as it
 * arrives. File-scope state (the temp directory, the log list and the live
 * server pids) exists so that a signal or exit can still kill the servers.
 */
#include "itest.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_LOGS        64
#define MAX_CHILDREN    16
#define WATCHDOG_S      150     /* a test binary that runs longer is hung */
#define SHOW_LINES      25      /* lines shown when an expectation fails */
#define MAX_PORTS       512     /* ports held by itest_free_port() */

static struct {
	char    dir[256];                       /* private, from mkdtemp() */
	char    logs[MAX_LOGS][512];
	int     nlogs;
	unsigned seq;                           /* names log and stderr files */
	bool    installed;                      /* signal handlers, atexit */
	int     teardown_failures;              /* cmocka does not count them */
	struct itest_client *clients;           /* open clients */
	struct itest_server *servers[MAX_CHILDREN];  /* servers not yet freed */
	int     ports[MAX_PORTS];               /* sockets holding our ports */
	int     nports;
} harness;

/* Written outside handlers only; the handlers just read it. */
static volatile pid_t children[MAX_CHILDREN];

int64_t
itest_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
itest_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
remaining_ms(int64_t deadline)
{
	int64_t left = deadline - itest_now_ms();

	return left < 0 ? 0 : (int)left;
}

void
itest_fail_at(const char *file, int line, const char *fmt, ...)
{
	char msg[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_error("%s:%d: %s\n", file, line, msg);
	_fail(file, line);
	abort();
}

/* Kill every live server: used from signal handlers and at exit. */
static void
kill_children(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] > 0)
			kill(children[i], SIGKILL);
}

static void
on_fatal_signal(int sig)
{
	static const char msg[] = "itest: killed by a signal, stopping servers\n";

	kill_children();
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
harness_install(void)
{
	int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGALRM };

	if (harness.installed)
		return;
	harness.installed = true;
	/* A closed socket must fail our send(), not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_fatal_signal);
	atexit(kill_children);
	alarm(WATCHDOG_S);
}

static const char *
harness_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (harness.dir[0] != '\0')
		return harness.dir;
	snprintf(harness.dir, sizeof(harness.dir), "%s/ircserv-itest.XXXXXX",
	    tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(harness.dir) == NULL) {
		fprintf(stderr, "itest: mkdtemp %s: %s\n", harness.dir, strerror(errno));
		harness.dir[0] = '\0';
		return NULL;
	}
	return harness.dir;
}

static void
child_track(pid_t pid, bool add)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (add && children[i] == 0) {
			children[i] = pid;
			return;
		}
		if (!add && children[i] == pid) {
			children[i] = 0;
			return;
		}
	}
}

static void
set_cloexec(int fd)
{
	fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
}

/*
 * In the child: stdin from /dev/null, stdout to out_path (or /dev/null),
 * stderr to err_path, default signal dispositions (an ignored SIGPIPE would
 * survive exec and hide a server that forgets to ignore it), then exec.
 */
static void
child_exec(char *const argv[], const char *out_path, const char *err_path)
{
	int sigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGALRM };
	sigset_t none;
	int in, out, err;

	alarm(0);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	in = open("/dev/null", O_RDONLY);
	out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
	err = open(err_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (in == -1 || out == -1 || err == -1)
		_exit(126);
	dup2(in, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	execv(argv[0], argv);
	dprintf(STDERR_FILENO, "itest: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int
exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/* Reap pid within timeout_ms. Returns 1 with *status set, 0 if still running. */
static int
reap_within(pid_t pid, int timeout_ms, int *status)
{
	int64_t deadline = itest_now_ms() + timeout_ms;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid) {
			child_track(pid, false);
			return 1;
		}
		if (r == -1 && errno != EINTR) {
			/* Not our child any more: nothing left to reap. */
			child_track(pid, false);
			*status = 0;
			return 1;
		}
		if (itest_now_ms() >= deadline)
			return 0;
		itest_sleep_ms(5);
	}
}

/*
 * The probe socket stays bound (SO_REUSEADDR, never listening) until the
 * binary exits: the kernel then gives the port to no other bind(0) and to
 * no outgoing connection, so test binaries running side by side never get
 * each other's ports, not even while a server is down between a stop and
 * a restart; our servers and listeners, with SO_REUSEADDR too, can still
 * listen on it.
 */
int
itest_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1, one = 1;

	if (fd == -1)
		return -1;
	set_cloexec(fd);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	if (port != -1 && harness.nports < MAX_PORTS)
		harness.ports[harness.nports++] = fd;
	else
		close(fd);
	return port;
}

/* Non-blocking connect to 127.0.0.1:port within timeout_ms; fd or -1. */
static int
connect_loopback(int port, int rcvbuf, int timeout_ms)
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	int fd, err = 0, one = 1;
	socklen_t len = sizeof(err);

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	set_cloexec(fd);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, timeout_ms) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 || err != 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

static pid_t
spawn_server(struct itest_server *s, const char *bin)
{
	char portstr[16], *argv[6];
	pid_t pid;
	int n = 0;

	snprintf(portstr, sizeof(portstr), "%d", s->port);
	argv[n++] = (char *)bin;
	if (s->conf_path[0]) {
		argv[n++] = "-c";
		argv[n++] = s->conf_path;
	}
	argv[n++] = portstr;
	argv[n++] = s->password;
	argv[n] = NULL;
	fflush(NULL);
	if ((pid = fork()) == 0)
		child_exec(argv, s->log_path, s->log_path);
	if (pid > 0)
		child_track(pid, true);
	return pid;
}

/* 0 once the server accepts a connection, -1 if it exited or timed out. */
static int
wait_ready(struct itest_server *s)
{
	int64_t deadline = itest_now_ms() + ITEST_START_MS;

	while (itest_now_ms() < deadline) {
		int fd;

		if (reap_within(s->pid, 0, &s->status)) {
			s->pid = 0;
			return -1;
		}
		if ((fd = connect_loopback(s->port, 0, 100)) != -1) {
			close(fd);
			return 0;
		}
		itest_sleep_ms(10);
	}
	return -1;
}

static void
server_track(struct itest_server *s, bool add)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (add && harness.servers[i] == NULL) {
			harness.servers[i] = s;
			return;
		}
		if (!add && harness.servers[i] == s) {
			harness.servers[i] = NULL;
			return;
		}
	}
}

int
itest_slow(void)
{
	const char *s = getenv("ITEST_SLOW");
	int v = s ? atoi(s) : 1;

	return v >= 1 && v <= 20 ? v : 1;
}

/* $TEST_EVENT_BACKEND, or NULL when the server's default is wanted. */
static const char *
event_backend(void)
{
	const char *b = getenv("TEST_EVENT_BACKEND");

	return b != NULL && b[0] != '\0' ? b : NULL;
}

/* Write conf, then the loopback line (if asked) and the backend line. */
static void
write_conf(struct itest_server *s, const char *conf, bool loopback)
{
	FILE *f = fopen(s->conf_path, "w");
	const char *backend = event_backend();

	if (f == NULL || fputs(conf, f) == EOF ||
	    (loopback && fputs("\n" ITEST_CONF_LOOPBACK, f) == EOF) ||
	    (backend != NULL && strstr(conf, "event_backend =") == NULL &&
	    fprintf(f, "\nevent_backend = %s\n", backend) < 0) ||
	    fclose(f) == EOF)
		fprintf(stderr, "itest: cannot write %s: %s\n", s->conf_path, strerror(errno));
}

void
itest_server_write_conf(struct itest_server *s, const char *conf)
{
	/*
	 * Test servers listen on loopback only, unless conf says otherwise.
	 * The line goes last, so line numbers in error messages stay as written.
	 */
	write_conf(s, conf, strstr(conf, "bind =") == NULL);
}

static struct itest_server *server_start(const char *password, const char *conf);

struct itest_server *
itest_server_start(const char *password)
{
	return server_start(password, NULL);
}

struct itest_server *
itest_server_start_conf(const char *password, const char *conf)
{
	return server_start(password, conf);
}

static struct itest_server *
server_start(const char *password, const char *conf)
{
	const char *bin = getenv("IRCSERV_BIN"), *dir;
	struct itest_server *s;

	harness_install();
	if (bin == NULL || bin[0] == '\0' || (dir = harness_dir()) == NULL) {
		fprintf(stderr, "itest: set IRCSERV_BIN to the server binary\n");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	snprintf(s->password, sizeof(s->password), "%s", password);
	/*
	 * A server meant to run without a file gets one with the backend
	 * line alone, so nothing else differs from the defaults.
	 */
	if (conf != NULL || event_backend() != NULL) {
		snprintf(s->conf_path, sizeof(s->conf_path), "%s/ircserv-%u.conf", dir,
		    ++harness.seq);
		if (conf != NULL)
			itest_server_write_conf(s, conf);
		else
			write_conf(s, "", false);
		/* Removed with the logs by itest_finish(). */
		if (harness.nlogs < MAX_LOGS)
			snprintf(harness.logs[harness.nlogs++], sizeof(harness.logs[0]),
			    "%s", s->conf_path);
	}
	/* The port may be taken between probing and binding: try again. */
	for (int attempt = 0; attempt < 3; attempt++) {
		s->port = itest_free_port();
		snprintf(s->log_path, sizeof(s->log_path), "%s/server-%u.log", dir,
		    ++harness.seq);
		if (harness.nlogs < MAX_LOGS)
			snprintf(harness.logs[harness.nlogs++], sizeof(harness.logs[0]),
			    "%s", s->log_path);
		if ((s->pid = spawn_server(s, bin)) == -1)
			break;
		if (wait_ready(s) == 0) {
			server_track(s, true);
			return s;
		}
		if (s->pid != 0) {
			fprintf(stderr, "itest: %s did not accept connections on port %d "
			    "within %d ms\n", bin, s->port, ITEST_START_MS);
			itest_server_stop(s);
			break;
		}
		fprintf(stderr, "itest: %s exited with %d on port %d (log: %s)\n", bin,
		    exit_code(s->status), s->port, s->log_path);
		/* Exit 1 is a failure to listen: maybe someone took the port. */
		if (exit_code(s->status) != 1)
			break;
	}
	free(s);
	return NULL;
}

int
itest_server_wait(struct itest_server *s, int timeout_ms)
{
	if (s->pid != 0) {
		if (!reap_within(s->pid, timeout_ms, &s->status))
			return -1;
		s->pid = 0;
	}
	return exit_code(s->status);
}

void
itest_server_signal(struct itest_server *s, int sig)
{
	if (s->pid != 0)
		kill(s->pid, sig);
}

bool
itest_server_alive(struct itest_server *s)
{
	if (s->pid == 0)
		return false;
	if (reap_within(s->pid, 0, &s->status)) {
		s->pid = 0;
		return false;
	}
	return true;
}

int
itest_server_stop(struct itest_server *s)
{
	int code;

	if (s->pid == 0)
		return exit_code(s->status);
	kill(s->pid, SIGTERM);
	if ((code = itest_server_wait(s, ITEST_STOP_MS)) != -1)
		return code;
	fprintf(stderr, "itest: server %d ignored SIGTERM for %d ms; killing it\n",
	    (int)s->pid, ITEST_STOP_MS);
	kill(s->pid, SIGKILL);
	reap_within(s->pid, ITEST_STOP_MS, &s->status);
	s->pid = 0;
	s->status = -1;
	return -1;
}

void
itest_server_free(struct itest_server *s)
{
	if (s == NULL)
		return;
	itest_server_stop(s);
	server_track(s, false);
	free(s);
}

char *
itest_server_log(const struct itest_server *s)
{
	FILE *f = fopen(s->log_path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[4096];

	while (f != NULL && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n + 1 > cap) {
			char *p = realloc(text, cap = (len + n + 1) * 2);

			if (p == NULL)
				break;
			text = p;
		}
		memcpy(text + len, chunk, n);
		len += n;
	}
	if (f != NULL)
		fclose(f);
	if (text == NULL)
		return strdup("");
	text[len] = '\0';
	return text;
}

int
itest_log_count(const struct itest_server *s, const char *needle)
{
	char *log = itest_server_log(s), *p = log;
	int n = 0;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	free(log);
	return n;
}

char *
itest_reply(struct itest_client *c, const char *cmd, const char *end)
{
	char *all = calloc(1, 8192), line[ITEST_LINE_MAX + 1];

	assert_non_null(all);
	itest_send(c, "%s", cmd);
	for (int i = 0; i < 64; i++) {
		assert_int_equal(itest_poll_line(c, ITEST_TIMEOUT_MS, line, sizeof(line)), 1);
		if (strstr(line, " 317 ") != NULL)
			continue;       /* WHOIS idle time moves on */
		strncat(all, line, 8192 - strlen(all) - 2);
		strcat(all, "\n");
		if (itest_match(end, line))
			return all;
	}
	fail_msg("no end to the reply to %s", cmd);
	return all;
}

void
itest_wait_log(const struct itest_server *s, const char *needle, int n)
{
	int64_t end = itest_now_ms() + 10000L * itest_slow();

	while (itest_log_count(s, needle) < n) {
		if (itest_now_ms() > end) {
			itest_server_dump_log(s);
			fail_msg("\"%s\" not %d times in the log", needle, n);
		}
		itest_sleep_ms(20);
	}
}

static void
dump_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char chunk[4096];
	size_t n;

	fprintf(stderr, "---- %s ----\n", path);
	while (f != NULL && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, stderr);
	if (f != NULL)
		fclose(f);
	fprintf(stderr, "---- end of %s ----\n", path);
}

void
itest_server_dump_log(const struct itest_server *s)
{
	dump_file(s->log_path);
}

int
itest_server_nfds(const struct itest_server *s)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)s->pid);
	if (s->pid == 0 || (d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int
itest_group_setup_fast(void **state)
{
	struct itest_server *s = itest_server_start_conf(ITEST_PASSWORD, ITEST_CONF_FAST);

	*state = s;
	if (s == NULL)
		return -1;
	s->shared = true;
	return 0;
}

int
itest_group_setup(void **state)
{
	struct itest_server *s = itest_server_start(ITEST_PASSWORD);

	*state = s;
	if (s == NULL)
		return -1;
	s->shared = true;
	return 0;
}

int
itest_test_teardown(void **state)
{
	(void)state;
	while (harness.clients != NULL)
		itest_close(harness.clients);
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (harness.servers[i] != NULL && !harness.servers[i]->shared)
			itest_server_free(harness.servers[i]);
	return 0;
}

int
itest_group_teardown(void **state)
{
	struct itest_server *s = *state;
	int code;

	if (s == NULL)
		return 0;
	itest_test_teardown(state);
	code = itest_server_stop(s);
	server_track(s, false);
	free(s);
	*state = NULL;
	if (code != 0) {
		print_error("itest: the server exited with status %d on SIGTERM, "
		    "expected 0\n", code);
		harness.teardown_failures++;
		return -1;
	}
	return 0;
}

int
itest_finish(int failed)
{
	kill_children();
	/* cmocka 1.1 leaves a failed group teardown out of its count. */
	failed += harness.teardown_failures;
	for (int i = 0; i < harness.nlogs; i++) {
		if (failed)
			dump_file(harness.logs[i]);
		unlink(harness.logs[i]);
	}
	if (harness.dir[0] != '\0')
		rmdir(harness.dir);
	return failed;
}

int
itest_run(char *const argv[], int timeout_ms, char *err, size_t errsz)
{
	char path[600];
	const char *dir;
	int status = 0, code;
	pid_t pid;
	FILE *f;
	size_t n = 0;

	harness_install();
	err[0] = '\0';
	if ((dir = harness_dir()) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/run-%u.err", dir, ++harness.seq);
	fflush(NULL);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0)
		child_exec(argv, NULL, path);
	child_track(pid, true);
	if (reap_within(pid, timeout_ms, &status)) {
		code = exit_code(status);
	} else {
		kill(pid, SIGKILL);
		reap_within(pid, ITEST_STOP_MS, &status);
		code = -1;
	}
	if ((f = fopen(path, "r")) != NULL) {
		n = fread(err, 1, errsz - 1, f);
		fclose(f);
	}
	err[n] = '\0';
	unlink(path);
	return code;
}

/* Printable copy of a line for failure messages. */
static const char *
show(const char *p, size_t n, char *out, size_t outsz)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < outsz; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '\r')
			o += (size_t)snprintf(out + o, outsz - o, "\\r");
		else if (ch == '\n')
			o += (size_t)snprintf(out + o, outsz - o, "\\n");
		else if (ch < 0x20 || ch == 0x7f || ch == '\\')
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
	return out;
}

static void
note_bad(struct itest_client *c, const char *what, const char *p, size_t n)
{
	char buf[128];

	if (c->bad[0] == '\0')
		snprintf(c->bad, sizeof(c->bad), "%s: \"%s\"", what,
		    show(p, n < 60 ? n : 60, buf, sizeof(buf)));
}

static void
queue_line(struct itest_client *c, const char *p, size_t n)
{
	struct itest_line *l = malloc(sizeof(*l) + n + 1);

	if (l == NULL) {
		note_bad(c, "out of memory queueing", p, n);
		return;
	}
	memcpy(l->text, p, n);
	l->text[n] = '\0';
	l->len = n;
	l->next = NULL;
	if (c->tail)
		c->tail->next = l;
	else
		c->head = l;
	c->tail = l;
	c->nlines++;
	c->nread++;
}

/*
 * Split received bytes into lines, checking the framing of each: RFC 1459
 * 2.3 says every message ends in CR LF and holds at most 512 bytes with it.
 */
static void
split_lines(struct itest_client *c, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n') {
			if (c->inlen == ITEST_LINE_MAX) {
				note_bad(c, "more than 512 bytes without LF", c->in, c->inlen);
				c->inlen = 0;
			}
			c->in[c->inlen++] = p[i];
			continue;
		}
		if (c->inlen == 0 || c->in[c->inlen - 1] != '\r') {
			note_bad(c, "line not ended by CR LF", c->in, c->inlen);
		} else if (c->inlen + 1 > ITEST_LINE_MAX) {
			note_bad(c, "line longer than 512 bytes", c->in, c->inlen);
		} else if (memchr(c->in, '\r', c->inlen - 1) != NULL ||
		    memchr(c->in, '\0', c->inlen - 1) != NULL) {
			note_bad(c, "CR or NUL inside a line", c->in, c->inlen);
		} else {
			queue_line(c, c->in, c->inlen - 1);
		}
		c->inlen = 0;
	}
}

/*
 * Wait up to timeout_ms for bytes and queue the lines they complete.
 * Returns 1 when bytes came, 0 on timeout, -1 once the connection is closed.
 */
static int
fill(struct itest_client *c, int timeout_ms)
{
	char buf[16384];
	size_t want = sizeof(buf);
	struct pollfd pfd = { c->fd, POLLIN, 0 };
	int64_t deadline = itest_now_ms() + timeout_ms;
	ssize_t n;
	int r;

	if (c->closed)
		return -1;
	while ((r = poll(&pfd, 1, remaining_ms(deadline))) == -1 && errno == EINTR)
		;
	if (r == 0)
		return 0;
	if (c->read_max > 0 && c->read_max < want)
		want = c->read_max;
	n = recv(c->fd, buf, want, 0);
	if (n > 0) {
		split_lines(c, buf, (size_t)n);
		return 1;
	}
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 1;
	c->closed = true;
	c->close_errno = n == 0 ? 0 : errno;
	return -1;
}

static void
check_bad(const char *file, int line, struct itest_client *c)
{
	if (c->bad[0] != '\0')
		itest_fail_at(file, line, "[%s] bad line from the server: %s",
		    c->nick, c->bad);
}

static void
line_free_into(struct itest_client *c, struct itest_line *l)
{
	snprintf(c->last, sizeof(c->last), "%s", l->text);
	free(l);
}

static struct itest_line *
pop_line(struct itest_client *c)
{
	struct itest_line *l = c->head;

	if (l == NULL)
		return NULL;
	c->head = l->next;
	if (c->head == NULL)
		c->tail = NULL;
	c->nlines--;
	return l;
}

void
itest_discard(struct itest_client *c)
{
	struct itest_line *l;

	while ((l = pop_line(c)) != NULL)
		line_free_into(c, l);
}

/* Append up to SHOW_LINES queued lines (the last ones) to out. */
static void
describe_queue(const struct itest_client *c, char *out, size_t outsz)
{
	size_t skip = c->nlines > SHOW_LINES ? c->nlines - SHOW_LINES : 0, o;
	char buf[1200];

	o = strlen(out);
	o += (size_t)snprintf(out + o, outsz > o ? outsz - o : 0,
	    "\n  %zu line(s) queued%s%s", c->nlines, c->closed ? ", connection closed" : "",
	    skip ? " (showing the last ones)" : "");
	for (const struct itest_line *l = c->head; l && o < outsz; l = l->next) {
		if (skip > 0) {
			skip--;
			continue;
		}
		o += (size_t)snprintf(out + o, outsz - o, "\n    %s",
		    show(l->text, l->len, buf, sizeof(buf)));
	}
}

static void
fail_waiting(const char *file, int line, struct itest_client *c, const char *what,
    const char *pat)
{
	char msg[6000];

	snprintf(msg, sizeof(msg), "[%s] %s \"%s\" (%s after %d ms)", c->nick, what,
	    pat, c->closed ? "connection closed" : "nothing matched", c->timeout_ms);
	describe_queue(c, msg, sizeof(msg));
	itest_fail_at(file, line, "%s", msg);
}

static void
vpattern(char *out, size_t outsz, const char *fmt, va_list ap)
{
	vsnprintf(out, outsz, fmt, ap);
}

bool
itest_match(const char *p, const char *t)
{
	const char *star_p = NULL, *star_t = NULL;

	while (*t != '\0') {
		if (*p == '*') {
			star_p = ++p;
			star_t = t;
			continue;
		}
		if (*p == '\\' && p[1] != '\0') {
			if (p[1] == *t) {
				p += 2;
				t++;
				continue;
			}
		} else if (*p == '?' || (*p != '\0' && *p == *t)) {
			p++;
			t++;
			continue;
		}
		if (star_p == NULL)
			return false;
		p = star_p;
		t = ++star_t;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* Find, unlink and return the first line after *from that matches. */
static struct itest_line *
queue_find(struct itest_client *c, struct itest_line **from, const char *pat)
{
	struct itest_line *prev = *from, *cur = prev ? prev->next : c->head;

	for (; cur != NULL; prev = cur, cur = cur->next) {
		if (!itest_match(pat, cur->text))
			continue;
		if (prev)
			prev->next = cur->next;
		else
			c->head = cur->next;
		if (c->tail == cur)
			c->tail = prev;
		c->nlines--;
		return cur;
	}
	*from = prev;
	return NULL;
}

const char *
itest_expect_at(const char *file, int line, struct itest_client *c,
    const char *fmt, ...)
{
	char pat[2048];
	struct itest_line *from = NULL, *l;
	int64_t deadline = itest_now_ms() + c->timeout_ms;
	va_list ap;

	va_start(ap, fmt);
	vpattern(pat, sizeof(pat), fmt, ap);
	va_end(ap);
	for (;;) {
		if ((l = queue_find(c, &from, pat)) != NULL) {
			line_free_into(c, l);
			return c->last;
		}
		if (fill(c, remaining_ms(deadline)) != 1 || itest_now_ms() > deadline) {
			check_bad(file, line, c);
			if ((l = queue_find(c, &from, pat)) != NULL) {
				line_free_into(c, l);
				return c->last;
			}
			fail_waiting(file, line, c, "expected a line matching", pat);
		}
		check_bad(file, line, c);
	}
}

/* Wait for a line to be queued; false on timeout or close. */
static bool
wait_line(const char *file, int line, struct itest_client *c, int timeout_ms)
{
	int64_t deadline = itest_now_ms() + timeout_ms;

	while (c->head == NULL) {
		int r = fill(c, remaining_ms(deadline));

		check_bad(file, line, c);
		if (c->head != NULL)
			break;
		if (r == -1 || (r == 0 && itest_now_ms() >= deadline))
			return false;
	}
	return true;
}

const char *
itest_next_at(const char *file, int line, struct itest_client *c)
{
	if (!wait_line(file, line, c, c->timeout_ms))
		fail_waiting(file, line, c, "expected", "any line");
	line_free_into(c, pop_line(c));
	return c->last;
}

int
itest_poll_line_at(const char *file, int line, struct itest_client *c, int timeout_ms,
    char *out, size_t outsz)
{
	if (!wait_line(file, line, c, timeout_ms))
		return c->closed ? -1 : 0;
	line_free_into(c, pop_line(c));
	snprintf(out, outsz, "%s", c->last);
	return 1;
}

const char *
itest_expect_next_at(const char *file, int line, struct itest_client *c,
    const char *fmt, ...)
{
	char pat[2048], buf[1200];
	va_list ap;

	va_start(ap, fmt);
	vpattern(pat, sizeof(pat), fmt, ap);
	va_end(ap);
	if (!wait_line(file, line, c, c->timeout_ms))
		fail_waiting(file, line, c, "expected next a line matching", pat);
	line_free_into(c, pop_line(c));
	if (!itest_match(pat, c->last)) {
		char msg[6000];

		snprintf(msg, sizeof(msg), "[%s] expected next a line matching \"%s\"\n"
		    "  got \"%s\"", c->nick, pat, show(c->last, strlen(c->last), buf,
		    sizeof(buf)));
		describe_queue(c, msg, sizeof(msg));
		itest_fail_at(file, line, "%s", msg);
	}
	return c->last;
}

const char *
itest_skip_to_at(const char *file, int line, struct itest_client *c,
    const char *fmt, ...)
{
	char pat[2048];
	int64_t deadline = itest_now_ms() + c->timeout_ms;
	va_list ap;

	va_start(ap, fmt);
	vpattern(pat, sizeof(pat), fmt, ap);
	va_end(ap);
	for (;;) {
		if (!wait_line(file, line, c, remaining_ms(deadline)))
			fail_waiting(file, line, c, "expected (skipping others) a line matching",
			    pat);
		line_free_into(c, pop_line(c));
		if (itest_match(pat, c->last))
			return c->last;
	}
}

void
itest_expect_none_at(const char *file, int line, struct itest_client *c, int ms)
{
	int64_t deadline = itest_now_ms() + ms;
	char msg[6000];

	while (c->head == NULL && !c->closed && itest_now_ms() < deadline) {
		fill(c, remaining_ms(deadline));
		check_bad(file, line, c);
	}
	if (c->head == NULL && !c->closed)
		return;
	snprintf(msg, sizeof(msg), "[%s] expected no line within %d ms", c->nick, ms);
	describe_queue(c, msg, sizeof(msg));
	itest_fail_at(file, line, "%s", msg);
}

void
itest_sync_at(const char *file, int line, struct itest_client *c)
{
	unsigned seq = ++c->ping_seq;

	itest_send_at(file, line, c, "PING :itest-sync-%u", seq);
	itest_skip_to_at(file, line, c, ":%s PONG %s :itest-sync-%u",
	    ITEST_SERVER_NAME, ITEST_SERVER_NAME, seq);
}

long
itest_expect_quiet_at(const char *file, int line, struct itest_client *c)
{
	unsigned seq = ++c->ping_seq;
	int64_t t0;

	if (c->head != NULL) {
		char msg[6000];

		snprintf(msg, sizeof(msg), "[%s] expected nothing more from the server",
		    c->nick);
		describe_queue(c, msg, sizeof(msg));
		itest_fail_at(file, line, "%s", msg);
	}
	t0 = itest_now_ms();
	itest_send_at(file, line, c, "PING :itest-quiet-%u", seq);
	itest_expect_next_at(file, line, c, ":%s PONG %s :itest-quiet-%u",
	    ITEST_SERVER_NAME, ITEST_SERVER_NAME, seq);
	return (long)(itest_now_ms() - t0);
}

void
itest_expect_closed_at(const char *file, int line, struct itest_client *c)
{
	int64_t deadline = itest_now_ms() + c->timeout_ms;

	while (!c->closed) {
		struct itest_line *keep = c->tail;

		fill(c, remaining_ms(deadline));
		if (!c->closed && itest_now_ms() >= deadline)
			itest_fail_at(file, line, "[%s] the server did not close the "
			    "connection within %d ms (last line: \"%s\")", c->nick,
			    c->timeout_ms, c->tail ? c->tail->text : c->last);
		check_bad(file, line, c);
		/* Drop what arrived now, keeping what was queued before. */
		while (c->tail != keep) {
			struct itest_line *l = keep ? keep->next : c->head;

			if (keep)
				keep->next = l->next;
			else
				c->head = l->next;
			if (c->tail == l)
				c->tail = keep;
			c->nlines--;
			line_free_into(c, l);
		}
	}
}

void
itest_expect_raw_at(const char *file, int line, struct itest_client *c, const void *p,
    size_t n)
{
	char *got = malloc(n + 1), want_s[1200], got_s[1200];
	int64_t deadline = itest_now_ms() + c->timeout_ms;
	size_t have = 0;

	if (got == NULL)
		itest_fail_at(file, line, "out of memory");
	if (c->head != NULL || c->inlen != 0)
		itest_fail_at(file, line, "[%s] itest_expect_raw: %zu line(s) and %zu "
		    "byte(s) already read", c->nick, c->nlines, c->inlen);
	while (have < n) {
		struct pollfd pfd = { c->fd, POLLIN, 0 };
		ssize_t r;

		if (poll(&pfd, 1, remaining_ms(deadline)) == 0)
			break;
		r = recv(c->fd, got + have, n - have, 0);
		if (r == 0 || (r == -1 && errno != EAGAIN && errno != EINTR))
			break;
		if (r > 0)
			have += (size_t)r;
	}
	if (have != n || memcmp(got, p, n) != 0) {
		show(p, n, want_s, sizeof(want_s));
		show(got, have, got_s, sizeof(got_s));
		free(got);
		itest_fail_at(file, line, "[%s] expected the bytes \"%s\"\n  got %zu "
		    "byte(s): \"%s\"", c->nick, want_s, have, got_s);
	}
	free(got);
}

struct itest_client *
itest_connect_at(const char *file, int line, struct itest_server *s, int rcvbuf)
{
	int fd = connect_loopback(s->port, rcvbuf, ITEST_TIMEOUT_MS);

	if (fd == -1)
		itest_fail_at(file, line, "connect to 127.0.0.1:%d: %s", s->port,
		    strerror(errno));
	return itest_adopt(s, fd);
}

struct itest_client *
itest_adopt(struct itest_server *s, int fd)
{
	struct itest_client *c = calloc(1, sizeof(*c));

	if (c == NULL)
		itest_fail_at(ITEST_HERE, "out of memory");
	set_cloexec(fd);        /* servers started later must not hold it */
	c->srv = s;
	c->fd = fd;
	c->timeout_ms = ITEST_TIMEOUT_MS;
	snprintf(c->nick, sizeof(c->nick), "*");
	c->open_next = harness.clients;
	if (harness.clients)
		harness.clients->open_prev = c;
	harness.clients = c;
	return c;
}

void
itest_close(struct itest_client *c)
{
	if (c == NULL)
		return;
	if (c->open_prev)
		c->open_prev->open_next = c->open_next;
	else
		harness.clients = c->open_next;
	if (c->open_next)
		c->open_next->open_prev = c->open_prev;
	close(c->fd);
	itest_discard(c);
	free(c);
}

void
itest_abort(struct itest_client *c)
{
	struct linger lg = { 1, 0 };

	if (c == NULL)
		return;
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	itest_close(c);
}

int
itest_try_send_raw(struct itest_client *c, const void *p, size_t n)
{
	const char *b = p;
	int64_t deadline = itest_now_ms() + c->timeout_ms;

	while (n > 0) {
		ssize_t w = send(c->fd, b, n, MSG_NOSIGNAL);
		struct pollfd pfd = { c->fd, POLLOUT, 0 };

		if (w > 0) {
			b += w;
			n -= (size_t)w;
			continue;
		}
		if (w == -1 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (itest_now_ms() >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		poll(&pfd, 1, remaining_ms(deadline));
	}
	return 0;
}

void
itest_send_raw_at(const char *file, int line, struct itest_client *c, const void *p,
    size_t n)
{
	if (itest_try_send_raw(c, p, n) == -1)
		itest_fail_at(file, line, "[%s] send of %zu bytes: %s", c->nick, n,
		    strerror(errno));
}

void
itest_send_at(const char *file, int line, struct itest_client *c, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf) - 2)
		itest_fail_at(file, line, "itest_send: line too long for the harness");
	buf[n++] = '\r';
	buf[n++] = '\n';
	itest_send_raw_at(file, line, c, buf, (size_t)n);
}

const char *
itest_prefix(const struct itest_client *c, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s!%s@%s", c->nick, c->user, ITEST_HOST);
	return out;
}

void
itest_register_at(const char *file, int line, struct itest_client *c, const char *nick)
{
	snprintf(c->nick, sizeof(c->nick), "%s", nick);
	/* USER's first parameter becomes the username, cut to USERLEN (10). */
	snprintf(c->user, sizeof(c->user), "%.10s", nick);
	if (c->srv->password[0] != '\0')
		itest_send_at(file, line, c, "PASS %s", c->srv->password);
	itest_send_at(file, line, c, "NICK %s", nick);
	itest_send_at(file, line, c, "USER %s 0 * :itest %s", nick, nick);
	itest_expect_next_at(file, line, c, ":%s 001 %s :*", ITEST_SERVER_NAME, nick);
	for (;;) {
		const char *l = itest_next_at(file, line, c);
		char want[128];

		snprintf(want, sizeof(want), ":%s 376 %s :*", ITEST_SERVER_NAME, nick);
		if (itest_match(want, l))
			return;
		snprintf(want, sizeof(want), ":%s 422 %s :*", ITEST_SERVER_NAME, nick);
		if (itest_match(want, l))
			return;
	}
}

struct itest_client *
itest_user_at(const char *file, int line, struct itest_server *s, const char *nick)
{
	struct itest_client *c = itest_connect_at(file, line, s, 0);

	itest_register_at(file, line, c, nick);
	return c;
}

void
itest_join_at(const char *file, int line, struct itest_client *c, const char *chan)
{
	char pfx[128];

	itest_send_at(file, line, c, "JOIN %s", chan);
	itest_expect_at(file, line, c, ":%s JOIN %s", itest_prefix(c, pfx, sizeof(pfx)),
	    chan);
	itest_skip_to_at(file, line, c, ":%s 366 %s %s :*", ITEST_SERVER_NAME, c->nick,
	    chan);
}

/* Children with pipes on stdin and stdout, bounded by a deadline. */
/* Fork and exec argv with stdin from *in_fd and stdout into *out_fd. */
static pid_t
spawn_piped(char *const argv[], int *in_fd, int *out_fd)
{
	int in[2], out[2];
	pid_t pid;

	if (pipe(in) == -1 || pipe(out) == -1)
		fail_msg("pipe: %s", strerror(errno));
	fflush(NULL);
	if ((pid = fork()) == -1)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		/* The harness ignores SIGPIPE and arms a watchdog: not for us. */
		alarm(0);
		signal(SIGPIPE, SIG_DFL);
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	*in_fd = in[1];
	*out_fd = out[0];
	return pid;
}

/* Read fd into out (NUL-terminated) until EOF, a full buffer or deadline. */
static void
read_until(int fd, char *out, size_t outsz, int64_t deadline)
{
	size_t n = 0;

	while (n + 1 < outsz) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int64_t left = deadline - itest_now_ms();
		ssize_t r;

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0)
			break;
		if ((r = read(fd, out + n, outsz - 1 - n)) == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	out[n] = '\0';
}

/* Reap pid by deadline, else kill it. Exit code, 128 + signal, or -1. */
static int
reap_by(pid_t pid, int64_t deadline)
{
	int status = 0;
	pid_t r;

	while ((r = waitpid(pid, &status, WNOHANG)) != pid) {
		if (r == -1 && errno != EINTR)
			return -1;
		if (itest_now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		itest_sleep_ms(5);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

int
itest_run_input(char *const argv[], const char *input, char *out, size_t outsz,
    int timeout_ms)
{
	int64_t deadline = itest_now_ms() + timeout_ms;
	int in, from;
	pid_t pid = spawn_piped(argv, &in, &from);

	/* A short input fits in the pipe: this cannot block. */
	if (write(in, input, strlen(input)) != (ssize_t)strlen(input))
		fail_msg("write to the child: %s", strerror(errno));
	close(in);
	read_until(from, out, outsz, deadline);
	close(from);
	return reap_by(pid, deadline);
}

void
itest_mkpasswd(const char *password, char *hash, size_t hashsz)
{
	char *argv[] = { (char *)itest_server_bin(), "--mkpasswd", NULL };
	char input[128];
	int code;

	snprintf(input, sizeof(input), "%s\n", password);
	code = itest_run_input(argv, input, hash, hashsz, ITEST_HASH_MS);
	if (code != 0)
		fail_msg("--mkpasswd exited with %d, output \"%s\"", code, hash);
	/* One line: the hash, then LF, nothing else. */
	if (strlen(hash) < 2 || hash[strlen(hash) - 1] != '\n' ||
	    strchr(hash, '\n') != hash + strlen(hash) - 1)
		fail_msg("--mkpasswd printed \"%s\", not one line", hash);
	hash[strlen(hash) - 1] = '\0';
	if (!itest_match("$pbkdf2-sha256$*$*$*", hash) ||
	    strpbrk(hash, " \t\r") != NULL ||
	    strspn(hash + strlen("$pbkdf2-sha256$"), "0123456789") == 0)
		fail_msg("--mkpasswd printed \"%s\", not a $pbkdf2-sha256$ hash", hash);
}

struct itest_server *
itest_server_start_ok(const char *conf)
{
	struct itest_server *s = itest_server_start_conf(ITEST_PASSWORD, conf);

	if (s == NULL)
		fail_msg("the server did not start with:\n%s", conf);
	return s;
}

void
itest_server_stop_ok(struct itest_server *s)
{
	int code = itest_server_stop(s);

	itest_server_free(s);
	if (code != 0)
		fail_msg("the server exited with %d on SIGTERM, expected 0", code);
}

const char *
itest_server_bin(void)
{
	const char *bin = getenv("IRCSERV_BIN");

	if (bin == NULL || bin[0] == '\0')
		fail_msg("set IRCSERV_BIN to the server binary");
	return bin;
}

const char *
itest_pfx(const struct itest_client *c)
{
	static char bufs[8][128];
	static unsigned next;
	char *b = bufs[next++ % 8];

	return itest_prefix(c, b, sizeof(bufs[0]));
}
