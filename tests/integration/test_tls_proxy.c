/*
 * End to end through a real TLS terminator: HAProxy on loopback decrypts
 * TLS with a throwaway self-signed certificate and forwards to ircserv's
 * proxy listener with a PROXY header (v1 on one port, v2 on another),
 * connecting from 127.0.0.2 so that the header's 127.0.0.1 is told
 * apart. Clients are `openssl s_client` processes whose stdin and stdout
 * are one end of a socket pair, so the harness speaks IRC through them.
 * Every child is killed by its pid and reaped; Linux only (PDEATHSIG).
 */
#include "itest.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#define SRV             ITEST_SERVER_NAME
#define TLS_WAIT_MS     5000    /* haproxy start, TLS handshake */
#define MAX_TLS_CLIENTS 8
/* The address haproxy connects to ircserv from; the header says 127.0.0.1. */
#define PROXY_SOURCE    "127.0.0.2"

struct tls_env {
	struct itest_server *srv;
	char     dir[256];
	char     haproxy[256];  /* the binary */
	char     openssl[256];
	char     skip[256];     /* why the tests cannot run, "" when they can */
	int      proxy_port;    /* ircserv's proxy listener */
	int      tls_v1_port;   /* haproxy: TLS in, PROXY v1 out */
	int      tls_v2_port;   /* haproxy: TLS in, PROXY v2 out */
	pid_t    haproxy_pid;
	pid_t    clients[MAX_TLS_CLIENTS];
	int      started, finished;
};

/* Look for name in $PATH and the sbin directories, which root's PATH may lack. */
static bool
find_program(const char *name, char *out, size_t outsz)
{
	const char *path = getenv("PATH");
	char dirs[2048];
	char *p, *next;

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin:/usr/local/sbin",
	    path ? path : "/usr/bin:/bin");
	for (p = dirs; p != NULL; p = next) {
		int n;

		if ((next = strchr(p, ':')) != NULL)
			*next++ = '\0';
		n = snprintf(out, outsz, "%s/%s", p[0] ? p : ".", name);
		if (n > 0 && (size_t)n < outsz && access(out, X_OK) == 0)
			return true;
	}
	return false;
}

/*
 * Fork and exec argv with stdin and stdout on io (-1: /dev/null) and
 * stderr appended to err_path. The child dies with the test process.
 */
static pid_t
spawn(char *const argv[], int io, const char *err_path)
{
	pid_t pid;
	int err;

	fflush(NULL);
	if ((pid = fork()) != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_DFL);
	alarm(0);
	if (io == -1)
		io = open("/dev/null", O_RDWR);
	err = open(err_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (io == -1 || err == -1)
		_exit(126);
	dup2(io, STDIN_FILENO);
	dup2(io, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	execv(argv[0], argv);
	dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* SIGTERM, up to 3 s to exit, then SIGKILL; always reaped. */
static void
stop_child(pid_t *pid)
{
	int status;

	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	for (int i = 0; i < 300; i++) {
		if (waitpid(*pid, &status, WNOHANG) != 0) {
			*pid = 0;
			return;
		}
		itest_sleep_ms(10);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, &status, 0);
	*pid = 0;
}

static void
dump(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return;
	fprintf(stderr, "---- %s\n", path);
	while (fgets(line, sizeof(line), f))
		fputs(line, stderr);
	fclose(f);
}

static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* A throwaway self-signed certificate, key appended, as haproxy wants it. */
static int
make_cert(struct tls_env *e)
{
	char key[300], crt[300], pem[300], err[2048], buf[8192];
	char *argv[] = { e->openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes",
	    "-days", "1", "-subj", "/CN=localhost", "-keyout", key, "-out", crt, NULL };
	FILE *out, *in;
	size_t n;

	snprintf(key, sizeof(key), "%s/key.pem", e->dir);
	snprintf(crt, sizeof(crt), "%s/cert.pem", e->dir);
	snprintf(pem, sizeof(pem), "%s/irc.pem", e->dir);
	if (itest_run(argv, 30000, err, sizeof(err)) != 0) {
		fprintf(stderr, "tls_proxy: openssl req failed: %s\n", err);
		return -1;
	}
	if ((out = fopen(pem, "w")) == NULL)
		return -1;
	for (int i = 0; i < 2; i++) {
		if ((in = fopen(i == 0 ? crt : key, "r")) == NULL)
			break;
		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, n, out);
		fclose(in);
	}
	return fclose(out);
}

static int
write_haproxy_cfg(const struct tls_env *e, const char *path)
{
	char cfg[2048];

	snprintf(cfg, sizeof(cfg),
	    "global\n"
	    "    maxconn 64\n"
	    "defaults\n"
	    "    mode tcp\n"
	    "    timeout connect 5s\n"
	    "    timeout client 60s\n"
	    "    timeout server 60s\n"
	    "frontend tls_v1\n"
	    "    bind 127.0.0.1:%d ssl crt %s/irc.pem\n"
	    "    default_backend ircserv_v1\n"
	    "frontend tls_v2\n"
	    "    bind 127.0.0.1:%d ssl crt %s/irc.pem\n"
	    "    default_backend ircserv_v2\n"
	    "backend ircserv_v1\n"
	    "    server irc 127.0.0.1:%d source " PROXY_SOURCE " send-proxy\n"
	    "backend ircserv_v2\n"
	    "    server irc 127.0.0.1:%d source " PROXY_SOURCE " send-proxy-v2\n",
	    e->tls_v1_port, e->dir, e->tls_v2_port, e->dir, e->proxy_port,
	    e->proxy_port);
	return write_file(path, cfg);
}

/* Does something accept TCP on 127.0.0.1:port? Loopback answers at once. */
static bool
port_open(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd != -1 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	if (fd != -1)
		close(fd);
	return ok;
}

/* Until haproxy listens on port, or exits, or TLS_WAIT_MS pass. */
static int
wait_port(struct tls_env *e, int port)
{
	int64_t deadline = itest_now_ms() + TLS_WAIT_MS;
	int status;

	while (itest_now_ms() < deadline) {
		if (waitpid(e->haproxy_pid, &status, WNOHANG) == e->haproxy_pid) {
			e->haproxy_pid = 0;
			return -1;
		}
		if (port_open(port))
			return 0;
		itest_sleep_ms(20);
	}
	return -1;
}

static int
start_haproxy(struct tls_env *e)
{
	char cfg[300], log[300], err[4096];
	char *check[] = { e->haproxy, "-c", "-f", cfg, NULL };
	char *run[] = { e->haproxy, "-db", "-f", cfg, NULL };

	snprintf(cfg, sizeof(cfg), "%s/haproxy.cfg", e->dir);
	snprintf(log, sizeof(log), "%s/haproxy.log", e->dir);
	if (write_haproxy_cfg(e, cfg) == -1)
		return -1;
	if (itest_run(check, 10000, err, sizeof(err)) != 0) {
		fprintf(stderr, "tls_proxy: haproxy -c refused %s: %s\n", cfg, err);
		return -1;
	}
	if ((e->haproxy_pid = spawn(run, -1, log)) <= 0)
		return -1;
	if (wait_port(e, e->tls_v1_port) == -1 || wait_port(e, e->tls_v2_port) == -1) {
		fprintf(stderr, "tls_proxy: haproxy did not listen within %d ms\n",
		    TLS_WAIT_MS);
		dump(log);
		return -1;
	}
	return 0;
}

/* Certificate, ircserv with a proxy listener, haproxy in front of it. */
static int
env_start(struct tls_env *e)
{
	const char *tmp = getenv("TMPDIR");
	char conf[256];

	snprintf(e->dir, sizeof(e->dir), "%s/ircserv-tls.XXXXXX",
	    tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(e->dir) == NULL) {
		e->dir[0] = '\0';
		return -1;
	}
	if (make_cert(e) == -1)
		return -1;
	e->proxy_port = itest_free_port();
	e->tls_v1_port = itest_free_port();
	e->tls_v2_port = itest_free_port();
	/* debug: the log names the header's sender and address. */
	snprintf(conf, sizeof(conf), "listen = 127.0.0.1:%d proxy\nlog_level = debug\n",
	    e->proxy_port);
	if ((e->srv = itest_server_start_conf(ITEST_PASSWORD, conf)) == NULL)
		return -1;
	e->srv->shared = true;
	return start_haproxy(e);
}

static int group_teardown(void **state);

static int
group_setup(void **state)
{
	struct tls_env *e = calloc(1, sizeof(*e));
	const char *ci = getenv("CI");

	if ((*state = e) == NULL)
		return -1;
	if (!find_program("haproxy", e->haproxy, sizeof(e->haproxy)) ||
	    !find_program("openssl", e->openssl, sizeof(e->openssl))) {
		snprintf(e->skip, sizeof(e->skip), "haproxy or openssl is not installed "
		    "(tests/deps.sh installs them)");
		/* CI installs both: there, missing is a failure, not a skip. */
		if (ci != NULL && ci[0] != '\0') {
			fprintf(stderr, "tls_proxy: %s\n", e->skip);
			free(e);
			*state = NULL;
			return -1;
		}
		return 0;
	}
	/* cmocka skips the group teardown when the setup fails: clean up here. */
	if (env_start(e) == -1) {
		group_teardown(state);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	struct tls_env *e = *state;
	char path[300];
	int code = 0;

	if (e == NULL)
		return 0;
	for (int i = 0; i < MAX_TLS_CLIENTS; i++)
		stop_child(&e->clients[i]);
	stop_child(&e->haproxy_pid);
	if (e->srv != NULL) {
		itest_test_teardown(state);
		e->srv->shared = false;
		code = itest_server_stop(e->srv);
		itest_server_free(e->srv);
	}
	if (e->dir[0] != '\0') {
		static const char *files[] = { "key.pem", "cert.pem", "irc.pem",
		    "haproxy.cfg", "haproxy.log", "s_client.log" };

		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", e->dir, files[i]);
			/* Logs help only when a test did not finish. */
			if (e->started != e->finished && strstr(files[i], ".log"))
				dump(path);
			unlink(path);
		}
		rmdir(e->dir);
	}
	free(e);
	*state = NULL;
	return code == 0 ? 0 : -1;
}

/*
 * A client speaking TLS to haproxy's port through `openssl s_client`:
 * the harness reads and writes plain IRC on the other end of a socket
 * pair. -quiet prints only the server's bytes; -nocommands keeps lines
 * that start with Q or R from being taken as s_client commands.
 */
#define tls_connect(e, port)    tls_connect_at(ITEST_HERE, (e), (port))
static struct itest_client *
tls_connect_at(const char *file, int line, struct tls_env *e, int port)
{
	char target[64], log[300];
	char *argv[] = { e->openssl, "s_client", "-connect", target, "-quiet",
	    "-nocommands", "-servername", "localhost", NULL };
	struct itest_client *c = calloc(1, sizeof(*c));
	int sv[2], slot;

	for (slot = 0; slot < MAX_TLS_CLIENTS && e->clients[slot] > 0; slot++)
		;
	if (c == NULL || slot == MAX_TLS_CLIENTS ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		itest_fail_at(file, line, "cannot set up a TLS client");
	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	snprintf(log, sizeof(log), "%s/s_client.log", e->dir);
	if ((e->clients[slot] = spawn(argv, sv[1], log)) <= 0)
		itest_fail_at(file, line, "fork: %s", strerror(errno));
	close(sv[1]);
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	c->srv = e->srv;
	c->fd = sv[0];
	c->timeout_ms = TLS_WAIT_MS;
	snprintf(c->nick, sizeof(c->nick), "*");
	return c;
}

/* Close our end; s_client then has nothing to read and is stopped. */
static void
tls_close(struct tls_env *e, struct itest_client *c)
{
	close(c->fd);
	itest_discard(c);
	free(c);
	for (int i = 0; i < MAX_TLS_CLIENTS; i++)
		stop_child(&e->clients[i]);
}

static void
expect_whois_host(struct itest_client *c, const char *nick, const char *host)
{
	itest_send(c, "WHOIS %s", nick);
	itest_expect(c, ":%s 311 %s %s %.10s %s * :*", SRV, c->nick, nick, nick, host);
	itest_skip_to(c, ":%s 318 %s %s :*", SRV, c->nick, nick);
}

/* Did ircserv log a header of version v from the proxy naming 127.0.0.1? */
static bool
logged_header(const struct tls_env *e, int v)
{
	char want[128], *log = itest_server_log(e->srv);
	bool found;

	snprintf(want, sizeof(want), "PROXY v%d header from " PROXY_SOURCE
	    " names 127.0.0.1", v);
	found = strstr(log, want) != NULL;
	free(log);
	return found;
}

/*
 * Register over TLS through haproxy, then talk with a plain client both
 * ways: the server saw the header's address, not the proxy's.
 */
static void
run_tls_session(struct tls_env *e, int port, int version, const char *nick)
{
	struct itest_client *t, *plain;

	e->started++;
	t = tls_connect(e, port);
	itest_register(t, nick);
	expect_whois_host(t, nick, "127.0.0.1");
	assert_true(logged_header(e, version));
	plain = itest_user(e->srv, "plain");
	itest_send(t, "PRIVMSG plain :hello over TLS");
	itest_expect(plain, ":%s!%.10s@127.0.0.1 PRIVMSG plain :hello over TLS", nick,
	    nick);
	itest_send(plain, "PRIVMSG %s :and back", nick);
	itest_expect(t, ":plain!plain@127.0.0.1 PRIVMSG %s :and back", nick);
	itest_send(t, "QUIT :done");
	itest_expect(t, "ERROR :Closing Link: 127.0.0.1 (Quit: done)");
	/* The server closes, haproxy closes TLS, s_client exits. */
	itest_expect_closed(t);
	tls_close(e, t);
	itest_close(plain);
	e->finished++;
}

static void
test_tls_proxy_v2(void **state)
{
	struct tls_env *e = *state;

	if (e->skip[0] != '\0') {
		print_message("tls_proxy: skipped: %s\n", e->skip);
		skip();
	}
	run_tls_session(e, e->tls_v2_port, 2, "tlsvtwo");
}

static void
test_tls_proxy_v1(void **state)
{
	struct tls_env *e = *state;

	if (e->skip[0] != '\0') {
		print_message("tls_proxy: skipped: %s\n", e->skip);
		skip();
	}
	run_tls_session(e, e->tls_v1_port, 1, "tlsvone");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_tls_proxy_v2),
		itest_unit_test(test_tls_proxy_v1),
	};

	return itest_finish(cmocka_run_group_tests(tests, group_setup, group_teardown));
}
