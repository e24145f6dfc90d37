/*
 * Integration tests of ircserv's operations features, each on a server of
 * its own with a configuration file: --mkpasswd and OPER with its hash,
 * --configtest and bad files, REHASH and SIGHUP, registration and ping
 * timeouts, flood control as seen from the wire, KILL, DIE and a full
 * server. Timeouts in the configurations are short, and every wait is
 * bounded.
 */
#include "itest.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SRV ITEST_SERVER_NAME
/*
 * An oper block with a hash of "opsecret" at 1000 iterations, so that
 * OPER is quick: made with Python's hashlib.pbkdf2_hmac, salt
 * "ircserv-ops-test", in the format crypto.h describes.
 */
#define OPER_PASS       "opsecret"
#define OPER_HASH       "$pbkdf2-sha256$1000$aXJjc2Vydi1vcHMtdGVzdA$" \
	"fhjE+nE3KEtESHI/GNIWy70vXMw2KuUydcL/UGBjAW4"
#define OPER_BLOCK      "oper boss {\n\tpassword = " OPER_HASH "\n" \
	"\thost = *@127.0.0.1\n}\n"
/* Many connections from 127.0.0.1 in a row: no per-IP limits. */
#define CONF_NOLIMITS   "max_per_ip = 0\nconnect_rate = 0\n"
/* And no flood control, for tests that are not about it. */
#define CONF_BASE       CONF_NOLIMITS ITEST_CONF_FAST
#define MAX_TEMP_FILES  16

/* Files the tests write outside the harness's directory, removed at exit. */
static char temp_dir[256];
static struct {
	char    files[MAX_TEMP_FILES][320];
	int     nfiles;
} temp;

/* A new file name in our temporary directory, named after what it holds. */
static const char *
temp_path(const char *what)
{
	const char *tmp = getenv("TMPDIR");
	char *path;

	if (temp_dir[0] == '\0') {
		snprintf(temp_dir, sizeof(temp_dir), "%s/ircserv-ops.XXXXXX",
		    tmp && tmp[0] ? tmp : "/tmp");
		if (mkdtemp(temp_dir) == NULL)
			fail_msg("mkdtemp %s: %s", temp_dir, strerror(errno));
	}
	if (temp.nfiles == MAX_TEMP_FILES)
		fail_msg("too many temporary files");
	path = temp.files[temp.nfiles++];
	snprintf(path, sizeof(temp.files[0]), "%s/%d-%s", temp_dir, temp.nfiles, what);
	return path;
}

static void
temp_cleanup(void)
{
	for (int i = 0; i < temp.nfiles; i++)
		unlink(temp.files[i]);
	if (temp_dir[0] != '\0')
		rmdir(temp_dir);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) == EOF)
		fail_msg("cannot write %s: %s", path, strerror(errno));
}

/* Connect, register as nick and become an operator. */
static struct itest_client *
oper_user(struct itest_server *s, const char *nick)
{
	struct itest_client *c = itest_user(s, nick);

	itest_send(c, "OPER boss " OPER_PASS);
	itest_expect_next(c, ":%s!%s@127.0.0.1 MODE %s :+o", nick, c->user, nick);
	itest_expect_next(c, ":%s 381 %s :You are now an IRC operator", SRV, nick);
	return c;
}

/* --mkpasswd */

static void
test_mkpasswd_and_oper(void **state)
{
	char hash[256], again[256], conf[1024], err[512];
	char *argv[] = { (char *)itest_server_bin(), "--mkpasswd", NULL };
	struct itest_server *s;
	struct itest_client *c;

	(void)state;
	itest_mkpasswd("Correct-Horse-9", hash, sizeof(hash));
	/* A fresh salt each time: the same password never hashes alike. */
	itest_mkpasswd("Correct-Horse-9", again, sizeof(again));
	if (strcmp(hash, again) == 0)
		fail_msg("two --mkpasswd runs gave the same hash %s", hash);
	/* No password at all (stdin is /dev/null here) is refused. */
	assert_int_equal(itest_run(argv, ITEST_HASH_MS, err, sizeof(err)), 1);
	if (strstr(err, "empty password") == NULL)
		fail_msg("--mkpasswd with no input said \"%s\"", err);

	snprintf(conf, sizeof(conf), CONF_BASE "oper admin {\n\tpassword = %s\n"
	    "\thost = *@127.0.0.1\n}\n", hash);
	s = itest_server_start_ok(conf);
	c = itest_user(s, "admin");
	c->timeout_ms = ITEST_HASH_MS;
	itest_send(c, "OPER admin Correct-Horse-8");
	itest_expect_next(c, ":%s 464 admin :Password incorrect", SRV);
	itest_send(c, "OPER admin Correct-Horse-9");
	itest_expect_next(c, ":admin!admin@127.0.0.1 MODE admin :+o");
	itest_expect_next(c, ":%s 381 admin :You are now an IRC operator", SRV);
	itest_send(c, "WHOIS admin");
	itest_expect(c, ":%s 313 admin admin :is an IRC operator", SRV);
	itest_close(c);
	itest_server_stop_ok(s);
}

/* --configtest and bad configuration files */

/*
 * Run argv (which names file) and require exit code 1 with
 * "<file>:<line>: " and problem on standard error.
 */
static void
expect_config_error(char *const argv[], const char *file, int line,
    const char *problem)
{
	char err[1024], want[400];
	int code = itest_run(argv, ITEST_START_MS, err, sizeof(err));

	snprintf(want, sizeof(want), "%s:%d: ", file, line);
	if (code != 1 || strstr(err, want) == NULL || strstr(err, problem) == NULL)
		fail_msg("%s %s exited with %d, stderr \"%s\"; expected 1 and "
		    "\"%s...%s...\"", argv[0], argv[1], code, err, want, problem);
}

static void
test_configtest(void **state)
{
	const char *good = temp_path("good.conf"), *bad = temp_path("bad.conf");
	const char *plain = temp_path("plain.conf");
	char *argv[] = { (char *)itest_server_bin(), "--configtest", "-c", NULL, NULL };
	char *srv_argv[] = { (char *)itest_server_bin(), "-c", (char *)bad, NULL,
	    ITEST_PASSWORD, NULL };
	char err[1024], port[16];
	int code;

	(void)state;
	write_file(good, "# a good file\nnetwork = TestNet\n" OPER_BLOCK
	    "flood_burst = 5\n");
	write_file(bad, "network = TestNet\n\nmax_clients = 0\n");
	/* A plain-text password must not be echoed back in the error. */
	write_file(plain, "oper boss {\n\thost = *@127.0.0.1\n"
	    "\tpassword = hunter2plain\n}\n");

	argv[3] = (char *)good;
	if ((code = itest_run(argv, ITEST_TIMEOUT_MS, err, sizeof(err))) != 0)
		fail_msg("--configtest %s exited with %d: %s", good, code, err);
	argv[3] = (char *)bad;
	expect_config_error(argv, bad, 3, "max_clients must be between 1 and");
	argv[3] = (char *)plain;
	expect_config_error(argv, plain, 3, "--mkpasswd");
	itest_run(argv, ITEST_TIMEOUT_MS, err, sizeof(err));
	if (strstr(err, "hunter2plain") != NULL)
		fail_msg("the error repeats the plain-text password: %s", err);
	argv[3] = "/nonexistent/ircserv.conf";
	code = itest_run(argv, ITEST_TIMEOUT_MS, err, sizeof(err));
	if (code != 1 || strstr(err, "/nonexistent/ircserv.conf") == NULL)
		fail_msg("--configtest of a missing file exited with %d: %s", code, err);

	/* Starting with the bad file fails the same way, before listening. */
	snprintf(port, sizeof(port), "%d", itest_free_port());
	srv_argv[3] = port;
	expect_config_error(srv_argv, bad, 3, "max_clients must be between 1 and");
}

/* REHASH and SIGHUP */

/* Ask for the MOTD; whether one of its lines is text. */
static bool
motd_has(struct itest_client *c, const char *text)
{
	char want[256];
	bool found = false;

	itest_send(c, "MOTD");
	itest_skip_to(c, ":%s 375 %s :*", SRV, c->nick);
	snprintf(want, sizeof(want), ":%s 372 %s :- %s", SRV, c->nick, text);
	for (;;) {
		const char *l = itest_next(c);

		if (itest_match(want, l))
			found = true;
		else if (!itest_match(":" SRV " 372 *", l))
			break;
	}
	if (!itest_match(":" SRV " 376 *", c->last))
		fail_msg("[%s] MOTD ended with \"%s\"", c->nick, c->last);
	return found;
}

/* The configuration for the reload tests: the MOTD from motd, and network. */
static void
reload_conf(char *out, size_t outsz, const char *motd, const char *network)
{
	snprintf(out, outsz, CONF_BASE OPER_BLOCK "motd_file = %s\nnetwork = %s\n",
	    motd, network);
}

/* Register a new client nick and check the NETWORK token it is given. */
static void
expect_network(struct itest_server *s, const char *nick, const char *network)
{
	struct itest_client *c = itest_connect(s);

	snprintf(c->nick, sizeof(c->nick), "%s", nick);
	itest_send(c, "PASS %s", s->password);
	itest_send(c, "NICK %s", nick);
	itest_send(c, "USER %s 0 * :itest", nick);
	itest_skip_to(c, ":%s 005 %s *NETWORK=%s *", SRV, nick, network);
	itest_skip_to(c, ":%s 376 %s :*", SRV, nick);
	itest_close(c);
}

static void
test_rehash(void **state)
{
	const char *motd1 = temp_path("motd1.txt"), *motd2 = temp_path("motd2.txt");
	char conf[1024];
	struct itest_server *s;
	struct itest_client *op, *plain;

	(void)state;
	write_file(motd1, "first message of the day\n");
	write_file(motd2, "second message of the day\n");
	reload_conf(conf, sizeof(conf), motd1, "FirstNet");
	s = itest_server_start_ok(conf);
	op = oper_user(s, "boss");
	plain = itest_user(s, "plain");
	itest_join(op, "#ops");
	itest_join(plain, "#ops");
	itest_sync(op);
	assert_true(motd_has(plain, "first message of the day"));

	/* A user who is not an operator may not reload. */
	itest_send(plain, "REHASH");
	itest_expect_next(plain, ":%s 481 plain :Permission Denied- You're not an "
	    "IRC operator", SRV);

	reload_conf(conf, sizeof(conf), motd2, "SecondNet");
	itest_server_write_conf(s, conf);
	itest_send(op, "REHASH");
	itest_expect_next(op, ":%s 382 boss %s :Rehashing", SRV, s->conf_path);
	itest_expect_quiet(op);
	assert_true(motd_has(op, "second message of the day"));
	assert_true(motd_has(plain, "second message of the day"));
	expect_network(s, "newcomer", "SecondNet");
	/* Nobody was dropped, and the oper is still one. */
	itest_send(plain, "PRIVMSG #ops :still here");
	itest_expect_next(op, ":plain!plain@127.0.0.1 PRIVMSG #ops :still here");
	itest_send(op, "WHOIS boss");
	itest_expect(op, ":%s 313 boss boss :is an IRC operator", SRV);
	itest_sync(op);

	/* A broken file is refused with its line, and nothing changes. */
	itest_server_write_conf(s, "network = BrokenNet\nbogus_setting = 1\n");
	itest_send(op, "REHASH");
	itest_expect_next(op, ":%s 382 boss %s :Rehashing", SRV, s->conf_path);
	itest_expect_next(op, ":%s NOTICE boss :*%s:2: *bogus_setting*", SRV, s->conf_path);
	assert_true(motd_has(op, "second message of the day"));
	expect_network(s, "latecomer", "SecondNet");
	itest_send(op, "WHOIS boss");
	itest_expect(op, ":%s 313 boss boss :is an IRC operator", SRV);
	itest_sync(plain);
	itest_close(op);
	itest_close(plain);
	itest_server_stop_ok(s);
}

/* Send MOTD until its text is text: a signal is handled asynchronously. */
static bool
motd_becomes(struct itest_client *c, const char *text, int timeout_ms)
{
	int64_t deadline = itest_now_ms() + timeout_ms;

	do {
		if (motd_has(c, text))
			return true;
		itest_sleep_ms(50);
	} while (itest_now_ms() < deadline);
	return false;
}

/* The server's log contains needle within timeout_ms. */
static bool
log_shows(struct itest_server *s, const char *needle, int timeout_ms)
{
	int64_t deadline = itest_now_ms() + timeout_ms;

	do {
		char *log = itest_server_log(s);
		bool found = strstr(log, needle) != NULL;

		free(log);
		if (found)
			return true;
		itest_sleep_ms(50);
	} while (itest_now_ms() < deadline);
	return false;
}

static void
test_sighup(void **state)
{
	const char *motd1 = temp_path("motd1.txt"), *motd2 = temp_path("motd2.txt");
	char conf[1024];
	struct itest_server *s;
	struct itest_client *c;

	(void)state;
	write_file(motd1, "before the signal\n");
	write_file(motd2, "after the signal\n");
	reload_conf(conf, sizeof(conf), motd1, "FirstNet");
	s = itest_server_start_ok(conf);
	c = itest_user(s, "watcher");
	assert_true(motd_has(c, "before the signal"));

	reload_conf(conf, sizeof(conf), motd2, "SignalNet");
	itest_server_write_conf(s, conf);
	itest_server_signal(s, SIGHUP);
	if (!motd_becomes(c, "after the signal", ITEST_TIMEOUT_MS))
		fail_msg("the MOTD did not change within %d ms of SIGHUP", ITEST_TIMEOUT_MS);
	assert_true(itest_server_alive(s));
	expect_network(s, "newcomer", "SignalNet");
	itest_sync(c);

	/* A broken file on SIGHUP: logged, the running configuration kept. */
	itest_server_write_conf(s, "motd_file = /nonexistent/motd.txt\n");
	itest_server_signal(s, SIGHUP);
	if (!log_shows(s, "/nonexistent/motd.txt", ITEST_TIMEOUT_MS))
		fail_msg("no log line about the broken file after SIGHUP");
	assert_true(itest_server_alive(s));
	assert_true(motd_has(c, "after the signal"));
	expect_network(s, "latecomer", "SignalNet");
	itest_sync(c);
	itest_close(c);
	itest_server_stop_ok(s);
}

/* Timeouts */

static void
test_registration_timeout(void **state)
{
	struct itest_server *s = itest_server_start_ok(CONF_BASE "registration_timeout = 1\n");
	struct itest_client *idle = itest_connect(s), *half = itest_connect(s);
	int64_t t0 = itest_now_ms(), took;

	(void)state;
	/* Half a registration is no better than none. */
	itest_send(half, "NICK halfway");
	itest_expect(idle, "ERROR :Closing Link: 127.0.0.1 (Registration timeout)");
	itest_expect_closed(idle);
	took = itest_now_ms() - t0;
	if (took < 800 || took > 2500)
		fail_msg("closed after %lld ms; registration_timeout is 1 s", (long long)took);
	itest_expect(half, "ERROR :Closing Link: 127.0.0.1 (Registration timeout)");
	itest_expect_closed(half);
	/* A client that registers in time stays. */
	itest_close(itest_user(s, "intime"));
	itest_server_stop_ok(s);
}

static void
test_ping_timeout(void **state)
{
	struct itest_server *s = itest_server_start_ok(CONF_BASE "ping_frequency = 1\nping_timeout = 1\n");
	struct itest_client *mute = itest_user(s, "mute");
	struct itest_client *alive = itest_user(s, "alive");
	int64_t t0, end, closed_at = 0;
	bool quit_seen = false;
	int pings = 0;
	char line[ITEST_LINE_MAX + 1];

	(void)state;
	itest_join(mute, "#p");
	itest_join(alive, "#p");
	itest_sync(mute);
	itest_sync(alive);
	t0 = itest_now_ms();
	/* alive answers every PING for 4 s; mute never reads nor writes. */
	end = t0 + 4000;
	while (itest_now_ms() < end) {
		int r = itest_poll_line(alive, 100, line, sizeof(line));

		if (r == -1)
			fail_msg("the client that answers PING was disconnected");
		if (r == 0)
			continue;
		if (strcmp(line, "PING :" SRV) == 0) {
			pings++;
			itest_send(alive, "PONG :%s", SRV);
		} else if (strcmp(line, ":mute!mute@127.0.0.1 QUIT :Ping timeout: 2 seconds") == 0) {
			quit_seen = true;
			closed_at = itest_now_ms();
		} else {
			fail_msg("[alive] unexpected line \"%s\"", line);
		}
	}
	if (!quit_seen)
		fail_msg("the channel never saw mute's QUIT with \"Ping timeout: 2 seconds\"");
	if (closed_at - t0 > 3500)
		fail_msg("mute was dropped %lld ms after going idle",
		    (long long)(closed_at - t0));
	if (pings < 2)
		fail_msg("alive got %d PINGs in 4 s with ping_frequency 1", pings);
	itest_expect_next(mute, "PING :%s", SRV);
	itest_expect_next(mute, "ERROR :Closing Link: 127.0.0.1 (Ping timeout: 2 seconds)");
	itest_expect_closed(mute);
	itest_sync(alive);
	itest_close(alive);
	itest_server_stop_ok(s);
}

/* Flood control */

/* n "PING :<tag>-<i>" lines in one buffer (caller frees), *len set. */
static char *
ping_batch(const char *tag, int n, size_t *len)
{
	size_t cap = (size_t)n * (strlen(tag) + 24), o = 0;
	char *buf = malloc(cap);

	assert_non_null(buf);
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, cap - o, "PING :%s-%d\r\n", tag, i);
	*len = o;
	return buf;
}

static void
test_flood_paced(void **state)
{
	struct itest_server *s = itest_server_start_ok(CONF_NOLIMITS "flood_burst = 5\nflood_rate = 10\n");
	struct itest_client *c = itest_user(s, "pacer");
	int64_t t0, took;
	size_t len;
	char *batch = ping_batch("p", 40, &len);

	(void)state;
	t0 = itest_now_ms();
	itest_send_raw(c, batch, len);
	free(batch);
	/* All 40, in order, nothing else between them. */
	for (int i = 0; i < 40; i++)
		itest_expect_next(c, ":%s PONG %s :p-%d", SRV, SRV, i);
	took = itest_now_ms() - t0;
	/* 35 lines past the burst at 10 a second: about 3.5 s. */
	if (took < 2500)
		fail_msg("40 PONGs took %lld ms; 10 lines/s allows no less than 3 s",
		    (long long)took);
	itest_sync(c);
	itest_close(c);
	itest_server_stop_ok(s);
}

static void
test_flood_excess(void **state)
{
	struct itest_server *s = itest_server_start_ok(CONF_NOLIMITS
	    "flood_burst = 5\nflood_rate = 10\nflood_max = 20\n");
	struct itest_client *c = itest_user(s, "flooder");
	struct itest_client *peer = itest_user(s, "peer");
	size_t len;
	char *batch;

	(void)state;
	itest_join(c, "#f");
	itest_join(peer, "#f");
	itest_sync(peer);
	batch = ping_batch("x", 300, &len);
	itest_send_raw(c, batch, len);
	free(batch);
	itest_expect(c, "ERROR :Closing Link: 127.0.0.1 (Excess Flood)");
	itest_expect_closed(c);
	itest_expect_next(peer, ":flooder!flooder@127.0.0.1 QUIT :Excess Flood");
	itest_sync(peer);
	itest_close(c);
	itest_close(peer);
	itest_server_stop_ok(s);
}

/*
 * conf/ircserv.conf: flood_max lines may be held back, "one more
 * disconnects the client". A burst plus exactly flood_max lines, each
 * ending in CR LF as clients send them, must all be answered.
 */
static void
test_flood_max_boundary(void **state)
{
	struct itest_server *s = itest_server_start_ok(CONF_NOLIMITS
	    "flood_burst = 5\nflood_rate = 50\nflood_max = 20\n");
	struct itest_client *c = itest_user(s, "edge");
	size_t len;
	char *batch = ping_batch("b", 25, &len);

	(void)state;
	/* Let registration's lines age out of the window (5 x 20 ms). */
	itest_sleep_ms(300);
	itest_send_raw(c, batch, len);
	free(batch);
	for (int i = 0; i < 25; i++)
		itest_expect_next(c, ":%s PONG %s :b-%d", SRV, SRV, i);
	itest_sync(c);
	itest_close(c);
	itest_server_stop_ok(s);
}

static void
test_flood_exempt(void **state)
{
	struct itest_server *s = itest_server_start_ok(CONF_NOLIMITS
	    "flood_burst = 5\nflood_rate = 2\nflood_max = 20\nflood_exempt = 127.0.0.1\n");
	struct itest_client *c = itest_user(s, "trusted");
	int64_t t0, took;
	size_t len;
	char *batch = ping_batch("e", 200, &len);

	(void)state;
	t0 = itest_now_ms();
	itest_send_raw(c, batch, len);
	free(batch);
	for (int i = 0; i < 200; i++)
		itest_expect_next(c, ":%s PONG %s :e-%d", SRV, SRV, i);
	took = itest_now_ms() - t0;
	if (took > 1000)
		fail_msg("200 PONGs to an exempt client took %lld ms", (long long)took);
	itest_sync(c);
	itest_close(c);
	itest_server_stop_ok(s);
}

/* KILL, DIE, a full server */

static void
test_kill(void **state)
{
	struct itest_server *s = itest_server_start_ok(CONF_BASE OPER_BLOCK);
	struct itest_client *op = oper_user(s, "boss");
	struct itest_client *victim = itest_user(s, "victim");
	struct itest_client *peer = itest_user(s, "peer");

	(void)state;
	itest_join(victim, "#k");
	itest_join(peer, "#k");
	itest_sync(victim);
	itest_sync(peer);
	itest_send(peer, "KILL victim :nope");
	itest_expect_next(peer, ":%s 481 peer :Permission Denied- You're not an "
	    "IRC operator", SRV);
	itest_send(op, "KILL ghost :gone");
	itest_expect_next(op, ":%s 401 boss ghost :No such nick/channel", SRV);
	itest_send(op, "KILL %s :gone", SRV);
	itest_expect_next(op, ":%s 483 boss :You can't kill a server!", SRV);

	itest_send(op, "KILL victim :spamming");
	itest_expect_next(op, ":%s NOTICE boss :*** Killed victim (spamming)", SRV);
	itest_expect_next(victim, ":boss!boss@127.0.0.1 KILL victim :spamming");
	itest_expect_next(victim, "ERROR :Closing Link: 127.0.0.1 (Killed (boss (spamming)))");
	itest_expect_closed(victim);
	itest_expect_next(peer, ":victim!victim@127.0.0.1 QUIT :Killed (boss (spamming))");
	/* The nick is free again. */
	itest_send(op, "ISON victim peer");
	itest_expect_next(op, ":%s 303 boss :peer", SRV);
	itest_close(victim);
	itest_close(itest_user(s, "victim"));
	itest_close(op);
	itest_close(peer);
	itest_server_stop_ok(s);
}

static void
test_die(void **state)
{
	struct itest_server *s = itest_server_start_ok(CONF_BASE OPER_BLOCK);
	struct itest_client *op = oper_user(s, "boss");
	struct itest_client *other = itest_user(s, "other");
	int code;

	(void)state;
	itest_send(other, "DIE");
	itest_expect_next(other, ":%s 481 other :Permission Denied- You're not an "
	    "IRC operator", SRV);
	assert_true(itest_server_alive(s));
	itest_send(op, "DIE");
	itest_expect(op, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
	itest_expect(other, "ERROR :Closing Link: 127.0.0.1 (Server shutting down)");
	itest_expect_closed(op);
	itest_expect_closed(other);
	code = itest_server_wait(s, ITEST_STOP_MS);
	if (code != 0)
		fail_msg("after DIE the server %s %d", code == -1 ? "was still running:" :
		    "exited with", code);
	itest_close(op);
	itest_close(other);
	itest_server_free(s);
}

/*
 * Per-IP limits apply to addresses not in limit_exempt; "none" takes
 * loopback out of the list so that they can be seen here.
 */
static void
test_per_ip_limits(void **state)
{
	struct itest_server *s = itest_server_start_ok("limit_exempt = none\n"
	    "max_per_ip = 2\nconnect_rate = 0\n");
	struct itest_server *r = itest_server_start_ok("limit_exempt = none\n"
	    "max_per_ip = 0\nconnect_rate = 3\n");
	struct itest_client *c[3], *extra;

	(void)state;
	c[0] = itest_user(s, "ipone");
	c[1] = itest_user(s, "iptwo");
	extra = itest_connect(s);
	itest_expect_next(extra, "ERROR :Closing Link: 127.0.0.1 "
	    "(Too many connections from your host)");
	itest_expect_closed(extra);
	itest_close(extra);
	itest_send(c[0], "PRIVMSG iptwo :still here");
	itest_expect_next(c[1], ":ipone!ipone@127.0.0.1 PRIVMSG iptwo :still here");
	itest_close(c[0]);
	itest_close(c[1]);
	itest_server_stop_ok(s);
	/*
	 * connect_rate = 3: the harness's readiness probe was one, so two
	 * more get in and the next connection within the minute is refused.
	 */
	for (int i = 0; i < 2; i++) {
		c[i] = itest_connect(r);
		itest_sync(c[i]);
	}
	extra = itest_connect(r);
	itest_expect_next(extra, "ERROR :Closing Link: 127.0.0.1 "
	    "(Connecting too fast from your host, try again in a minute)");
	itest_expect_closed(extra);
	itest_close(extra);
	for (int i = 0; i < 2; i++)
		itest_close(c[i]);
	itest_server_stop_ok(r);
}

/* require_password = no: PASS may be left out; a wrong one still closes. */
static void
test_password_optional(void **state)
{
	struct itest_server *s = itest_server_start_ok("require_password = no\n");
	struct itest_client *none = itest_connect(s);
	struct itest_client *bad = itest_connect(s);
	struct itest_client *good = itest_user(s, "withpass");

	(void)state;
	itest_send(none, "NICK nopass");
	itest_send(none, "USER nopass 0 * :No Password");
	itest_expect(none, ":" SRV " 001 nopass :*");
	itest_send(none, "PRIVMSG withpass :no PASS needed");
	itest_expect_next(good, ":nopass!nopass@127.0.0.1 PRIVMSG withpass :no PASS needed");
	itest_send(bad, "PASS not-the-password");
	itest_send(bad, "NICK badpass");
	itest_send(bad, "USER badpass 0 * :Bad");
	itest_expect_next(bad, ":" SRV " 464 badpass :Password incorrect");
	itest_expect_next(bad, "ERROR :Closing Link: 127.0.0.1 (Bad password)");
	itest_expect_closed(bad);
	itest_close(none);
	itest_close(bad);
	itest_close(good);
	itest_server_stop_ok(s);
}

/*
 * With the default settings loopback is exempt from max_per_ip (50) and
 * connect_rate (20 a minute): 60 local clients connect at once and all
 * register, as a local load test or a script of bots would.
 */
#define LOCAL_CLIENTS   60

static void
test_loopback_not_limited(void **state)
{
	struct itest_server *s = itest_server_start_ok("");
	struct itest_client *c[LOCAL_CLIENTS];
	char nick[32];

	(void)state;
	for (int i = 0; i < LOCAL_CLIENTS; i++)
		c[i] = itest_connect(s);
	for (int i = 0; i < LOCAL_CLIENTS; i++) {
		snprintf(nick, sizeof(nick), "local%d", i);
		itest_register(c[i], nick);
	}
	itest_send(c[0], "PRIVMSG local%d :all here", LOCAL_CLIENTS - 1);
	itest_expect_next(c[LOCAL_CLIENTS - 1], ":local0!local0@127.0.0.1 "
	    "PRIVMSG local%d :all here", LOCAL_CLIENTS - 1);
	for (int i = 0; i < LOCAL_CLIENTS; i++)
		itest_close(c[i]);
	itest_server_stop_ok(s);
}

static void
test_server_full(void **state)
{
	struct itest_server *s = itest_server_start_ok(CONF_BASE "max_clients = 3\n");
	struct itest_client *c[3], *extra;
	int64_t deadline;
	bool admitted = false;

	(void)state;
	c[0] = itest_user(s, "first");
	c[1] = itest_user(s, "second");
	c[2] = itest_connect(s);
	itest_sync(c[2]);
	extra = itest_connect(s);
	itest_expect_next(extra, "ERROR :Closing Link: 127.0.0.1 (Server is full)");
	itest_expect_closed(extra);
	itest_close(extra);
	/* The three that got in still work. */
	itest_register(c[2], "third");
	itest_send(c[0], "PRIVMSG third :hello");
	itest_expect_next(c[2], ":first!first@127.0.0.1 PRIVMSG third :hello");
	itest_sync(c[1]);
	/* A place that frees up can be taken again. */
	itest_close(c[2]);
	deadline = itest_now_ms() + ITEST_TIMEOUT_MS;
	while (!admitted && itest_now_ms() < deadline) {
		char line[ITEST_LINE_MAX + 1];

		extra = itest_connect(s);
		itest_send(extra, "PING :in");
		if (itest_poll_line(extra, 1000, line, sizeof(line)) == 1 &&
		    strcmp(line, ":" SRV " PONG " SRV " :in") == 0)
			admitted = true;
		itest_close(extra);
		if (!admitted)
			itest_sleep_ms(50);
	}
	if (!admitted)
		fail_msg("no connection was admitted after one of three left");
	itest_close(c[0]);
	itest_close(c[1]);
	itest_server_stop_ok(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_mkpasswd_and_oper),
		itest_unit_test(test_configtest),
		itest_unit_test(test_rehash),
		itest_unit_test(test_sighup),
		itest_unit_test(test_registration_timeout),
		itest_unit_test(test_ping_timeout),
		itest_unit_test(test_flood_paced),
		itest_unit_test(test_flood_excess),
		itest_unit_test(test_flood_max_boundary),
		itest_unit_test(test_flood_exempt),
		itest_unit_test(test_kill),
		itest_unit_test(test_die),
		itest_unit_test(test_server_full),
		itest_unit_test(test_per_ip_limits),
		itest_unit_test(test_loopback_not_limited),
		itest_unit_test(test_password_optional),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	temp_cleanup();
	return itest_finish(failed);
}
