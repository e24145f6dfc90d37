/*
 * Integration tests of the hot upgrade (docs/upgrade.md). The server runs
 * from a copy of the binary in a directory of the test's own, so that the
 * test can put another binary at its path: SIGUSR2 (or UPGRADE) while a
 * sender streams numbered messages to a channel must lose, repeat or
 * reorder none, drop no client, keep the process id and leave NAMES, MODE,
 * TOPIC, WHOIS away and the capabilities as they were, twice in a row;
 * a binary that fails, answers another state version, never answers or is
 * missing must leave the old server serving. PROXY and WebSocket clients,
 * and connections half way through their PROXY header or WebSocket
 * handshake, carry on in the new image, which reads the history file the
 * old one handed over.
 */
#include "itest.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define SRV ITEST_SERVER_NAME
/* The oper block of test_ops.c: "opsecret" at 1000 iterations. */
#define OPER_PASS       "opsecret"
#define OPER_HASH       "$pbkdf2-sha256$1000$aXJjc2Vydi1vcHMtdGVzdA$" \
	"fhjE+nE3KEtESHI/GNIWy70vXMw2KuUydcL/UGBjAW4"
#define CONF            "max_per_ip = 0\nconnect_rate = 0\n" ITEST_CONF_FAST \
	"oper boss {\n\tpassword = " OPER_HASH "\n\thost = *@127.0.0.1\n}\n"
#define STREAM          600     /* numbered messages per upgrade */

static char dir[256];
static char bin[320];           /* the path the server runs from */
static char real_bin[512];      /* the binary under test */

static void
copy_file(const char *from, const char *to, mode_t mode)
{
	char tmp[400], buf[65536];
	FILE *in = fopen(from, "rb"), *out;
	size_t n;

	snprintf(tmp, sizeof(tmp), "%s.new", to);
	if (in == NULL || (out = fopen(tmp, "wb")) == NULL)
		fail_msg("copy %s: %s", from, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			fail_msg("copy %s: %s", to, strerror(errno));
	fclose(in);
	/* A running binary cannot be written: a new file takes its name. */
	if (fclose(out) == EOF || chmod(tmp, mode) == -1 || rename(tmp, to) == -1)
		fail_msg("install %s: %s", to, strerror(errno));
}

static void
put_script(const char *text)
{
	char tmp[400];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", bin);
	if ((f = fopen(tmp, "w")) == NULL || fputs(text, f) == EOF || fclose(f) == EOF ||
	    chmod(tmp, 0755) == -1 || rename(tmp, bin) == -1)
		fail_msg("script %s: %s", bin, strerror(errno));
}

/* The test's directory, and the path the servers run from. */
static void
start_server_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	const char *under_test = getenv("IRCSERV_BIN");

	snprintf(dir, sizeof(dir), "%s/ircserv-upgrade.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		fail_msg("mkdtemp: %s", strerror(errno));
	snprintf(bin, sizeof(bin), "%s/ircserv", dir);
	if (realpath(under_test, real_bin) == NULL)
		fail_msg("IRCSERV_BIN %s: %s", under_test, strerror(errno));
}

/* A server started from bin, a copy of the binary under test. */
static struct itest_server *
start_server(void)
{
	struct itest_server *s;

	if (dir[0] == '\0')
		start_server_dir();
	copy_file(real_bin, bin, 0755);
	setenv("IRCSERV_BIN", bin, 1);
	s = itest_server_start_conf(ITEST_PASSWORD, CONF);
	setenv("IRCSERV_BIN", real_bin, 1);
	assert_non_null(s);
	return s;
}

/* The reply to cmd, after what the client had before. */
static char *
reply_of(struct itest_client *c, const char *cmd, const char *end)
{
	itest_sync(c);
	return itest_reply(c, cmd, end);
}

struct world {
	struct itest_server *s;
	struct itest_client *alice, *bob, *carol;
	char *before[6];
};

static const char *const queries[][2] = {
	{ "NAMES #room", "* 366 *" },
	{ "MODE #room", "* 324 *" },
	{ "TOPIC #room", "* 333 *" },
	{ "WHOIS bob", "* 318 *" },
	{ "CAP LIST", "* CAP * LIST *" },
	{ "MODE #room +b", "* 368 *" },
};

static void
world_setup(struct world *w)
{
	w->s = start_server();
	w->alice = itest_connect(w->s);
	itest_send(w->alice, "CAP LS 302");
	itest_skip_to(w->alice, ":" SRV " CAP * LS :*");
	itest_send(w->alice, "CAP REQ :echo-message server-time multi-prefix");
	itest_expect(w->alice, ":" SRV " CAP * ACK :*");
	itest_send(w->alice, "CAP END");
	itest_register(w->alice, "alice");
	itest_send(w->alice, "JOIN #room");
	itest_skip_to(w->alice, ":" SRV " 366 alice #room *");
	/* A small receive buffer: bob's SendQ holds bytes when the exec comes. */
	w->bob = itest_connect_rcvbuf(w->s, 4096);
	itest_register(w->bob, "bob");
	itest_join(w->bob, "#room");
	w->carol = itest_user(w->s, "carol");
	itest_join(w->carol, "#room");
	itest_send(w->carol, "OPER boss " OPER_PASS);
	itest_expect(w->carol, ":" SRV " 381 carol *");
	itest_send(w->alice, "TOPIC #room :the room's topic");
	itest_send(w->alice, "MODE #room +kl key 50");
	itest_send(w->alice, "MODE #room +b bad!*@*");
	itest_send(w->alice, "MODE #room +v bob");
	itest_send(w->bob, "AWAY :gone fishing");
	itest_expect(w->bob, ":" SRV " 306 bob *");
	for (size_t i = 0; i < 6; i++)
		w->before[i] = reply_of(w->alice, queries[i][0], queries[i][1]);
	itest_sync(w->bob);
	itest_sync(w->carol);
}

/*
 * alice streams STREAM numbered messages, the upgrade (kick) fires half
 * way; bob must read them all, in order, once each.
 */
/* Long lines fill the socket buffers: bob's SendQ holds some at the exec. */
static const char padding[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";

static void
stream_across(struct world *w, int nth, void (*kick)(struct world *w))
{
	char line[ITEST_LINE_MAX + 1], want[64];
	int next = 0;

	for (int i = 0; i < STREAM; i++) {
		if (i == STREAM / 2) {
			/* Half a line in the RecvQ when the exec comes. */
			snprintf(want, sizeof(want), "PRIVMSG #room :seq %d.", nth);
			itest_send_raw(w->alice, want, strlen(want));
			itest_sleep_ms(20);
			kick(w);
			itest_sleep_ms(20);
			snprintf(want, sizeof(want), "%d\r\n", i);
			itest_send_raw(w->alice, want, strlen(want));
			continue;
		}
		itest_send(w->alice, "PRIVMSG #room :seq %d.%d %.300s", nth, i, padding);
		if (i % 50 == 0)
			itest_sleep_ms(5);
	}
	while (next < STREAM) {
		assert_int_equal(itest_poll_line(w->bob, ITEST_TIMEOUT_MS * 3, line,
		    sizeof(line)), 1);
		snprintf(want, sizeof(want), " PRIVMSG #room :seq %d.", nth);
		if (strstr(line, want) == NULL)
			continue;
		snprintf(want, sizeof(want), " PRIVMSG #room :seq %d.%d", nth, next);
		if (strstr(line, want) == NULL || (strlen(strstr(line, want)) != strlen(want) &&
		    strstr(line, want)[strlen(want)] != ' '))
			fail_msg("message %d: got \"%s\"", next, line);
		next++;
	}
	itest_wait_log(w->s, "replaced by", nth);
}

static void
kick_signal(struct world *w)
{
	itest_server_signal(w->s, SIGUSR2);
}

static void
kick_command(struct world *w)
{
	itest_send(w->carol, "UPGRADE");
}

static void
check_unchanged(struct world *w)
{
	for (size_t i = 0; i < 6; i++) {
		char *after = reply_of(w->alice, queries[i][0], queries[i][1]);

		assert_string_equal(w->before[i], after);
		free(after);
	}
	assert_non_null(strstr(w->before[3], " 301 alice bob :gone fishing"));
	/* echo-message with server-time, as before. */
	itest_send(w->alice, "PRIVMSG #room :after");
	itest_expect(w->alice, "@time=* :%s PRIVMSG #room :after", itest_pfx(w->alice));
	itest_expect(w->carol, ":" SRV " NOTICE carol :*** Upgraded from ircserv-* (binary of "
	    "*Z) to ircserv-* (binary of *Z) (state version 4); paused * ms");
	assert_true(itest_server_alive(w->s));
}

static void
test_upgrade_keeps_everything(void **state)
{
	struct world w;
	pid_t pid;

	(void)state;
	world_setup(&w);
	pid = w.s->pid;
	stream_across(&w, 1, kick_signal);
	check_unchanged(&w);
	stream_across(&w, 2, kick_command);
	check_unchanged(&w);
	assert_int_equal(w.s->pid, pid);
	assert_int_equal(itest_log_count(w.s, "closing alice"), 0);
	assert_int_equal(itest_log_count(w.s, "closing bob"), 0);
	assert_int_equal(itest_log_count(w.s, "closing carol"), 0);
	for (size_t i = 0; i < 6; i++)
		free(w.before[i]);
	itest_close(w.alice);
	itest_close(w.bob);
	itest_close(w.carol);
	assert_int_equal(itest_server_stop(w.s), 0);
	itest_server_free(w.s);
}

/*
 * SIGUSR2 over and over, as an impatient operator might: a signal that
 * comes while the new image starts must not kill it (its handlers are
 * not set up yet); it waits and asks for one more upgrade.
 */
static void
test_signal_storm(void **state)
{
	struct itest_server *s;
	struct itest_client *a, *b;

	(void)state;
	s = start_server();
	a = itest_user(s, "alice");
	itest_join(a, "#room");
	b = itest_user(s, "bob");
	itest_join(b, "#room");
	itest_sync(a);
	for (int i = 0; i < 300; i++) {
		kill(s->pid, SIGUSR2);
		itest_sleep_ms(1);
	}
	itest_wait_log(s, "replaced by", 2);
	itest_sleep_ms(200);
	assert_true(itest_server_alive(s));
	itest_send(a, "PRIVMSG #room :after the storm");
	itest_expect(b, ":%s PRIVMSG #room :after the storm", itest_pfx(a));
	itest_close(a);
	itest_close(b);
	assert_int_equal(itest_server_stop(s), 0);
	itest_server_free(s);
}

/* Put a bad binary at the path, ask for an upgrade: refused, still serving. */
static void
refused_with(struct itest_server *s, struct itest_client *c, struct itest_client *d,
    int nth, const char *script, const char *why)
{
	if (script != NULL)
		put_script(script);
	else
		unlink(bin);
	itest_sync(d);
	itest_server_signal(s, SIGUSR2);
	/* The check runs beside the loop: the server answers meanwhile. */
	assert_true(itest_expect_quiet(d) < 1000);
	itest_wait_log(s, "upgrade refused, still serving", nth);
	assert_int_equal(itest_log_count(s, why), 1);
	itest_expect(c, ":" SRV " NOTICE carol :*** Upgrade refused, still serving: *");
	itest_send(c, "PRIVMSG #room :still here");
	itest_sync(c);
	assert_true(itest_server_alive(s));
}

static void
test_bad_binary_keeps_serving(void **state)
{
	struct itest_server *s;
	struct itest_client *c, *d;

	(void)state;
	s = start_server();
	c = itest_user(s, "carol");
	itest_join(c, "#room");
	itest_send(c, "OPER boss " OPER_PASS);
	itest_expect(c, ":" SRV " 381 carol *");
	d = itest_user(s, "dave");
	itest_join(d, "#room");
	refused_with(s, c, d, 1, "#!/bin/sh\nexit 3\n", "failed (exit status 3)");
	refused_with(s, c, d, 2, "#!/bin/sh\necho ircserv-upgrade 999 ircserv-9.9\n",
	    "reads state versions 999 to 999, this server writes 4");
	refused_with(s, c, d, 3, "#!/bin/sh\necho hello\n", "not an ircserv answer");
	refused_with(s, c, d, 4, NULL, "cannot run");
	refused_with(s, c, d, 5, "#!/bin/sh\nexec sleep 30\n", "gave no answer in 5000 ms");
	/* A binary of the previous format cannot read what this one writes. */
	refused_with(s, c, d, 6, "#!/bin/sh\necho ircserv-upgrade 1 ircserv-0.0\n",
	    "reads state versions 1 to 1, this server writes 4");
	/* Nor one of version 3, which would not read CLNT 5. */
	refused_with(s, c, d, 7, "#!/bin/sh\necho ircserv-upgrade 1 ircserv-0.1 3\n",
	    "reads state versions 1 to 3, this server writes 4");
	itest_send(c, "PRIVMSG #room :final");
	itest_expect(d, ":%s PRIVMSG #room :final", itest_pfx(c));
	/* The real binary back: the upgrade goes through. */
	copy_file(real_bin, bin, 0755);
	itest_send(c, "UPGRADE");
	itest_wait_log(s, "replaced by", 1);
	itest_send(c, "PRIVMSG #room :upgraded");
	itest_expect(d, ":%s PRIVMSG #room :upgraded", itest_pfx(c));
	itest_close(c);
	itest_close(d);
	assert_int_equal(itest_server_stop(s), 0);
	itest_server_free(s);
}

/* A raw connection to port (the harness's client, read here by hand). */
static struct itest_client *
connect_port(struct itest_server *s, int port)
{
	struct itest_client *c;
	int main_port = s->port;

	s->port = port;
	c = itest_connect(s);
	s->port = main_port;
	return c;
}

/* A masked WebSocket text frame with line as its payload (key 0: unchanged). */
static void
ws_send(struct itest_client *c, const char *line)
{
	unsigned char f[256];
	size_t n = strlen(line);

	assert_true(n < 126);
	f[0] = 0x81;
	f[1] = (unsigned char)(0x80 | n);
	memset(f + 2, 0, 4);
	memcpy(f + 6, line, n);
	assert_int_equal(itest_try_send_raw(c, f, n + 6), 0);
}

static bool
holds(const unsigned char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, needle, k) == 0)
			return true;
	return false;
}

/* Read the handshake's answer, byte by byte up to its blank line: a 101. */
static void
ws_answer(struct itest_client *c)
{
	char in[1024];
	size_t len = 0;
	int64_t end = itest_now_ms() + ITEST_TIMEOUT_MS;

	while (itest_now_ms() < end && len < sizeof(in) - 1) {
		if (recv(c->fd, in + len, 1, MSG_DONTWAIT) == 1) {
			in[++len] = '\0';
			if (len >= 4 && memcmp(in + len - 4, "\r\n\r\n", 4) == 0) {
				assert_memory_equal(in, "HTTP/1.1 101 ", 13);
				return;
			}
		} else {
			itest_sleep_ms(5);
		}
	}
	fail_msg("no answer to the WebSocket handshake");
}

/* Read frames from a WebSocket until one's payload holds needle. */
static void
ws_expect(struct itest_client *c, const char *needle)
{
	static unsigned char in[65536];
	size_t len = 0;
	int64_t end = itest_now_ms() + ITEST_TIMEOUT_MS;

	while (itest_now_ms() < end) {
		ssize_t n = recv(c->fd, in + len, sizeof(in) - len, MSG_DONTWAIT);
		size_t at = 0;

		if (n > 0)
			len += (size_t)n;
		else
			itest_sleep_ms(10);
		/* Server frames are unmasked, each under 64 KiB. */
		while (len - at >= 2) {
			size_t plen = in[at + 1] & 0x7f, head = 2;

			if (plen == 126 && len - at >= 4) {
				plen = (size_t)in[at + 2] << 8 | in[at + 3];
				head = 4;
			} else if (plen == 126) {
				break;
			}
			if (len - at < head + plen)
				break;
			if (holds(in + at + head, plen, needle))
				return;
			at += head + plen;
		}
		memmove(in, in + at, len - at);
		len -= at;
	}
	fail_msg("no WebSocket frame with \"%s\"", needle);
}

#define WS_REQUEST      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n" \
	"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" \
	"Sec-WebSocket-Version: 13\r\n\r\n"

struct shells {
	struct itest_server *s;
	int proxy_port, ws_port;
	struct itest_client *p1, *p2, *w1, *w2, *obs;
};

/* One connection of each kind, two of them half way through their header. */
static void
shells_setup(struct shells *sh, const char *hist)
{
	char conf[1024];
	const char *half = WS_REQUEST;

	sh->proxy_port = itest_free_port();
	sh->ws_port = itest_free_port();
	snprintf(conf, sizeof(conf), CONF "listen = 127.0.0.1:%d proxy\n"
	    "listen = 127.0.0.1:%d websocket\nhistory_file = %s\n", sh->proxy_port,
	    sh->ws_port, hist);
	copy_file(real_bin, bin, 0755);
	setenv("IRCSERV_BIN", bin, 1);
	sh->s = itest_server_start_conf(ITEST_PASSWORD, conf);
	setenv("IRCSERV_BIN", real_bin, 1);
	assert_non_null(sh->s);
	sh->obs = itest_user(sh->s, "obs");
	itest_join(sh->obs, "#h");
	sh->p1 = connect_port(sh->s, sh->proxy_port);
	itest_send(sh->p1, "PROXY TCP4 192.0.2.1 127.0.0.1 40000 %d", sh->proxy_port);
	itest_register(sh->p1, "p1");
	itest_send(sh->p1, "JOIN #h");
	itest_skip_to(sh->p1, ":" SRV " 366 p1 #h *");
	itest_send(sh->p1, "PRIVMSG #h :kept in the history file");
	sh->p2 = connect_port(sh->s, sh->proxy_port);
	itest_send_raw(sh->p2, "PROXY TCP4 192.0.2.2 127.", 25);
	sh->w1 = connect_port(sh->s, sh->ws_port);
	itest_send_raw(sh->w1, WS_REQUEST, strlen(WS_REQUEST));
	ws_answer(sh->w1);
	ws_send(sh->w1, "PASS " ITEST_PASSWORD);
	ws_send(sh->w1, "NICK w1");
	ws_send(sh->w1, "USER w 0 * :web");
	ws_send(sh->w1, "JOIN #h");
	ws_expect(sh->w1, " 366 w1 #h ");
	sh->w2 = connect_port(sh->s, sh->ws_port);
	itest_send_raw(sh->w2, half, 30);
	itest_sync(sh->obs);
}

static void
test_proxy_websocket_history_file(void **state)
{
	struct shells sh;
	char hist[400];

	(void)state;
	if (dir[0] == '\0')
		start_server_dir();
	snprintf(hist, sizeof(hist), "%s/history", dir);
	shells_setup(&sh, hist);
	itest_server_signal(sh.s, SIGUSR2);
	itest_wait_log(sh.s, "replaced by", 1);
	/* The halves of the headers arrive in the new image. */
	itest_send(sh.p2, "0.0.1 40001 %d", sh.proxy_port);
	itest_register(sh.p2, "p2");
	itest_send_raw(sh.w2, WS_REQUEST + 30, strlen(WS_REQUEST) - 30);
	ws_answer(sh.w2);
	ws_send(sh.w2, "PASS " ITEST_PASSWORD);
	ws_send(sh.w2, "NICK w2");
	ws_send(sh.w2, "USER w 0 * :web");
	ws_expect(sh.w2, " 001 w2 ");
	/* The WebSocket and PROXY clients of before still talk. */
	ws_send(sh.w1, "PRIVMSG #h :from the web");
	itest_expect(sh.obs, ":w1!w@127.0.0.1 PRIVMSG #h :from the web");
	itest_send(sh.p1, "PRIVMSG #h :from behind a proxy");
	itest_expect(sh.obs, ":p1!p1@192.0.2.1 PRIVMSG #h :from behind a proxy");
	ws_expect(sh.w1, "PRIVMSG #h :from behind a proxy");
	itest_send(sh.p2, "WHOIS p2");
	itest_expect(sh.p2, ":" SRV " 311 p2 p2 p2 192.0.2.2 * :*");
	/* The history file was handed over: the message is still there. */
	itest_send(sh.obs, "CAP REQ :batch server-time message-tags draft/chathistory");
	itest_expect(sh.obs, ":" SRV " CAP obs ACK :*");
	itest_send(sh.obs, "CHATHISTORY LATEST #h * 10");
	itest_expect(sh.obs, "@batch=*;time=*;msgid=* :p1!p1@192.0.2.1 PRIVMSG #h :kept in the "
	    "history file");
	assert_int_equal(itest_log_count(sh.s, " error: "), 0);
	assert_int_equal(itest_server_stop(sh.s), 0);
	itest_server_free(sh.s);
	unlink(hist);
}

static void
cleanup(void)
{
	char path[400];

	if (dir[0] == '\0')
		return;
	unlink(bin);
	snprintf(path, sizeof(path), "%s/history", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/history.lock", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_upgrade_keeps_everything),
		itest_unit_test(test_signal_storm),
		itest_unit_test(test_bad_binary_keeps_serving),
		itest_unit_test(test_proxy_websocket_history_file),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	cleanup();
	return itest_finish(failed);
}
