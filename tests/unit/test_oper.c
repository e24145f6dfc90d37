/*
 * Operator features through the sans-I/O core: OPER against "oper" blocks
 * parsed into the fake server's configuration, KILL, WALLOPS, DIE, REHASH
 * and dropping +o; then flood control as conn.c drives it, with bytes
 * appended to a client's receive queue and server_on_input() on a fake
 * clock, including the timer that resumes a throttled client.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "client.h"
#include "config.h"
#include "config_file.h"
#include "crypto.h"
#include "fake.h"
#include "hashq.h"
#include "server.h"

/* Few iterations: the tests hash on every OPER, and speed is not at issue. */
#define TEST_ITERATIONS 1000
#define OPER_PASSWORD   "pw"
#define ERROR_LINE(reason) "ERROR :Closing Link: 127.0.0.1 (" reason ")\r\n"
#define YOUREOPER(nick) ":irc.local 381 " nick " :You are now an IRC operator\r\n"
#define NOPRIVS(nick) \
	":irc.local 481 " nick " :Permission Denied- You're not an IRC operator\r\n"

/*
 * Two blocks with the same password: "oper" may be used from this host,
 * "faraway" only from 10.0.0.1, which no fake client here comes from.
 */
static const char oper_conf_fmt[] =
    "oper oper {\n"
    "\tpassword = %s\n"
    "\thost = *@127.0.0.1\n"
    "}\n"
    "oper faraway {\n"
    "\tpassword = %s\n"
    "\thost = *@10.0.0.1\n"
    "}\n";

/* Apply text to the running server's configuration, as a file would. */
static void
apply_conf(struct server *srv, const char *text)
{
	char err[512];

	if (config_parse_string(&srv->cfg, text, "test.conf", err, sizeof(err)) == -1)
		fail_msg("config_parse_string: %s", err);
}

static int
setup(void **state)
{
	struct server *srv = fake_server();
	char hash[CRYPTO_HASH_MAX], text[1024];

	assert_int_equal(crypto_hash_password(OPER_PASSWORD, TEST_ITERATIONS, hash,
	    sizeof(hash)), 0);
	snprintf(text, sizeof(text), oper_conf_fmt, hash, hash);
	apply_conf(srv, text);
	assert_int_equal(srv->cfg.nopers, 2);
	*state = srv;
	return 0;
}

static int
teardown(void **state)
{
	fake_free(*state);
	return 0;
}

/* OPER cli with the right password; its output is dropped. */
static void
oper_up(struct server *srv, struct client *cli)
{
	fake_line(srv, cli, "OPER oper " OPER_PASSWORD);
	fake_work(srv);
	assert_true(cli->umodes & UMODE_OPER);
	fake_drop_output(cli);
}

/* What LUSERS tells cli, as a malloc'd string (caller frees). */
static char *
lusers_of(struct server *srv, struct client *cli)
{
	fake_drop_output(cli);
	fake_line(srv, cli, "LUSERS");
	return fake_take_output(cli);
}

/* OPER */

static void
test_oper_ok(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_registered(srv, "oper");
	struct client *other = fake_registered(srv, "other");
	char *out;

	out = lusers_of(srv, other);
	assert_null(strstr(out, " 252 "));
	free(out);
	fake_line(srv, op, "OPER oper " OPER_PASSWORD);
	/* The check is queued: no answer until the background work is done. */
	fake_expect(op, "");
	assert_false(op->umodes & UMODE_OPER);
	fake_work(srv);
	fake_expect(op, ":oper!u@127.0.0.1 MODE oper :+o\r\n" YOUREOPER("oper"));
	assert_true(op->umodes & UMODE_OPER);
	assert_int_equal(srv->nopers, 1);
	/* Only the new operator is told. */
	fake_expect(other, "");

	out = lusers_of(srv, other);
	if (strstr(out, ":irc.local 252 other 1 :operator(s) online\r\n") == NULL)
		fail_msg("LUSERS lacks 252 with 1 operator:\n%s", out);
	free(out);
	fake_line(srv, other, "WHOIS oper");
	fake_expect_has(other, ":irc.local 313 other oper :is an IRC operator\r\n");
	fake_line(srv, other, "WHO oper");
	fake_expect_has(other, ":irc.local 352 other * u 127.0.0.1 irc.local oper H* :0 ");
	fake_line(srv, other, "WHOIS other");
	assert_false(fake_output_has(other, " 313 "));
	fake_drop_output(other);
	fake_line(srv, other, "MODE oper");
	fake_expect(other, ":irc.local 502 other :Can't change mode for other users\r\n");
	fake_line(srv, op, "MODE oper");
	fake_expect(op, ":irc.local 221 oper +o\r\n");
}

/* A second OPER says 381 again but neither repeats +o nor counts twice. */
static void
test_oper_twice(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_registered(srv, "oper");

	oper_up(srv, op);
	fake_line(srv, op, "OPER oper " OPER_PASSWORD);
	fake_work(srv);
	fake_expect(op, YOUREOPER("oper"));
	assert_int_equal(srv->nopers, 1);
}

static void
test_oper_wrong_password(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_registered(srv, "guess");

	fake_line(srv, cli, "OPER oper wrong");
	fake_work(srv);
	fake_expect(cli, ":irc.local 464 guess :Password incorrect\r\n");
	fake_line(srv, cli, "OPER oper " OPER_PASSWORD "x");
	fake_work(srv);
	fake_expect(cli, ":irc.local 464 guess :Password incorrect\r\n");
	assert_false(cli->umodes & UMODE_OPER);
	assert_int_equal(srv->nopers, 0);
	/* A wrong password is not a disconnect: the client stays. */
	assert_false(client_is_closing(cli));
}

static void
test_oper_unknown_name(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_registered(srv, "guess");

	fake_line(srv, cli, "OPER nobody " OPER_PASSWORD);
	fake_expect(cli, ":irc.local 491 guess :No O-lines for your host\r\n");
	assert_false(cli->umodes & UMODE_OPER);
	/* Oper names compare like nicks. */
	fake_line(srv, cli, "OPER OPER " OPER_PASSWORD);
	fake_work(srv);
	fake_expect(cli, ":guess!u@127.0.0.1 MODE guess :+o\r\n" YOUREOPER("guess"));
}

static void
test_oper_host_mismatch(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_registered(srv, "guess");

	/* The right password, from the wrong host: still 491, not 381. */
	fake_line(srv, cli, "OPER faraway " OPER_PASSWORD);
	fake_expect(cli, ":irc.local 491 guess :No O-lines for your host\r\n");
	assert_false(cli->umodes & UMODE_OPER);
	assert_int_equal(srv->nopers, 0);
}

static void
test_oper_needs_params_and_registration(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_registered(srv, "guess");
	struct client *unreg = fake_client(srv, "127.0.0.1");

	fake_line(srv, cli, "OPER oper");
	fake_expect(cli, ":irc.local 461 guess OPER :Not enough parameters\r\n");
	fake_line(srv, unreg, "OPER oper " OPER_PASSWORD);
	fake_expect(unreg, ":irc.local 451 * :You have not registered\r\n");
	assert_false(unreg->umodes & UMODE_OPER);
}

/*
 * Through the input path: the lines after an OPER wait behind its queued
 * check and are handled, in order, once it is done; a client that goes
 * away meanwhile is never called back (ASan would see a use after free).
 */
static void
test_oper_later_lines_wait(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_registered(srv, "guess");
	struct client *gone = fake_registered(srv, "gone");
	static const char lines[] = "OPER oper wrong\r\nPING :after\r\n";

	assert_int_equal(buf_append(&cli->local->recvq, lines, sizeof(lines) - 1), 0);
	server_on_input(srv, cli);
	fake_expect(cli, "");
	assert_true(cli->local->hash_wait);
	fake_work(srv);
	fake_expect(cli, ":irc.local 464 guess :Password incorrect\r\n"
	    ":irc.local PONG irc.local :after\r\n");
	assert_false(cli->local->hash_wait);

	/* Gone before its check ran: never called back. */
	fake_line(srv, gone, "OPER oper " OPER_PASSWORD);
	fake_line(srv, gone, "QUIT");
	fake_reap(srv);
	fake_work(srv);
	assert_int_equal(srv->nopers, 0);
}

/*
 * Each connection may ask for HASHQ_CONN_BURST checks at once, then one
 * every 5 s; a refused attempt is told so and costs nothing, and a failed
 * host check costs no budget at all.
 */
static void
test_oper_budget(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_registered(srv, "guess");

	for (int i = 0; i < 5; i++) {
		fake_line(srv, cli, "OPER faraway " OPER_PASSWORD);
		fake_expect(cli, ":irc.local 491 guess :No O-lines for your host\r\n");
	}
	for (unsigned i = 0; i < HASHQ_CONN_BURST; i++) {
		fake_line(srv, cli, "OPER oper wrong");
		fake_work(srv);
		fake_expect(cli, ":irc.local 464 guess :Password incorrect\r\n");
	}
	fake_line(srv, cli, "OPER oper " OPER_PASSWORD);
	assert_false(cli->local->hash_wait);
	fake_expect(cli, ":irc.local NOTICE guess :*** Too many password checks "
	    "right now, try OPER again in a moment\r\n");
	fake_advance(srv, 5);
	fake_line(srv, cli, "OPER oper " OPER_PASSWORD);
	fake_work(srv);
	fake_expect_has(cli, YOUREOPER("guess"));
}

/* MODE -o */

static void
test_mode_deoper(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_registered(srv, "oper");
	struct client *other = fake_registered(srv, "other");
	char *out;

	oper_up(srv, op);
	assert_int_equal(srv->nopers, 1);
	/* RFC 2812 3.1.5: +o only through OPER; asking is ignored. */
	fake_line(srv, other, "MODE other +o");
	fake_expect(other, "");
	assert_false(other->umodes & UMODE_OPER);
	assert_int_equal(srv->nopers, 1);

	fake_line(srv, op, "MODE oper -o");
	fake_expect(op, ":oper!u@127.0.0.1 MODE oper :-o\r\n");
	assert_false(op->umodes & UMODE_OPER);
	assert_int_equal(srv->nopers, 0);
	/* Again: no change, no line, no second decrement. */
	fake_line(srv, op, "MODE oper -o");
	fake_expect(op, "");
	assert_int_equal(srv->nopers, 0);
	out = lusers_of(srv, other);
	assert_null(strstr(out, " 252 "));
	free(out);
	fake_line(srv, op, "KILL other :bye");
	fake_expect(op, NOPRIVS("oper"));
	assert_false(client_is_closing(other));
}

/* An operator who leaves is no longer counted. */
static void
test_oper_quit_counts(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_registered(srv, "oper");

	oper_up(srv, op);
	assert_int_equal(srv->nopers, 1);
	fake_line(srv, op, "QUIT :done");
	fake_reap(srv);
	assert_int_equal(srv->nopers, 0);
}

/* KILL */

static void
test_kill_not_oper(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_registered(srv, "plain");
	struct client *victim = fake_registered(srv, "victim");

	fake_line(srv, cli, "KILL victim :reason");
	fake_expect(cli, NOPRIVS("plain"));
	fake_expect(victim, "");
	assert_false(client_is_closing(victim));
}

static void
test_kill_errors(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_registered(srv, "oper");
	struct client *unreg = fake_client(srv, "127.0.0.1");

	oper_up(srv, op);
	fake_line(srv, op, "KILL nobody :reason");
	fake_expect(op, ":irc.local 401 oper nobody :No such nick/channel\r\n");
	fake_line(srv, op, "KILL irc.local :reason");
	fake_expect(op, ":irc.local 483 oper :You can't kill a server!\r\n");
	fake_line(srv, op, "KILL IRC.LOCAL :reason");
	fake_expect(op, ":irc.local 483 oper :You can't kill a server!\r\n");
	fake_line(srv, op, "KILL");
	fake_expect(op, ":irc.local 461 oper KILL :Not enough parameters\r\n");
	/* A nick held by a connection that has not registered is no user. */
	fake_line(srv, unreg, "NICK halfway");
	fake_drop_output(unreg);
	fake_line(srv, op, "KILL halfway :reason");
	fake_expect(op, ":irc.local 401 oper halfway :No such nick/channel\r\n");
	assert_false(client_is_closing(unreg));
}

static void
test_kill(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_registered(srv, "oper");
	struct client *victim = fake_joined(srv, "victim", "#room");
	struct client *peer = fake_joined(srv, "peer", "#room");

	oper_up(srv, op);
	fake_line(srv, op, "KILL victim :reason");
	fake_expect(victim, ":oper!u@127.0.0.1 KILL victim :reason\r\n"
	    ERROR_LINE("Killed (oper (reason))"));
	assert_true(client_is_closing(victim));
	/* The killer is not in the channel; it gets a confirmation notice. */
	fake_expect(op, ":irc.local NOTICE oper :*** Killed victim (reason)\r\n");
	fake_reap(srv);
	fake_expect(peer, ":victim!u@127.0.0.1 QUIT :Killed (oper (reason))\r\n");
	fake_expect(op, "");
	assert_null(client_find_nick(srv, "victim"));
	assert_int_equal(srv->nusers, 2);
}

/* Without a reason, the killer's nick stands in for it. */
static void
test_kill_default_reason(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_registered(srv, "oper");
	struct client *victim = fake_registered(srv, "victim");

	oper_up(srv, op);
	fake_line(srv, op, "KILL VICTIM");
	fake_expect(victim, ":oper!u@127.0.0.1 KILL victim :oper\r\n"
	    ERROR_LINE("Killed (oper (oper))"));
	fake_reap(srv);
	assert_null(client_find_nick(srv, "victim"));
}

/* WALLOPS */

static void
test_wallops(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_registered(srv, "oper");
	struct client *w = fake_registered(srv, "watcher");
	struct client *plain = fake_registered(srv, "plain");
	struct client *unreg = fake_client(srv, "127.0.0.1");

	oper_up(srv, op);
	fake_line(srv, w, "MODE watcher +w");
	fake_expect(w, ":watcher!u@127.0.0.1 MODE watcher :+w\r\n");
	fake_line(srv, op, "WALLOPS :hello opers");
	fake_expect(w, ":oper!u@127.0.0.1 WALLOPS :hello opers\r\n");
	fake_expect(plain, "");
	fake_expect(unreg, "");
	/* The sender gets it too, but only with +w like everyone else. */
	fake_expect(op, "");
	fake_line(srv, op, "MODE oper +w");
	fake_drop_output(op);
	fake_line(srv, op, "WALLOPS :again");
	fake_expect(op, ":oper!u@127.0.0.1 WALLOPS :again\r\n");
	fake_expect(w, ":oper!u@127.0.0.1 WALLOPS :again\r\n");
	fake_expect(plain, "");
}

static void
test_wallops_not_oper(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_registered(srv, "plain");
	struct client *w = fake_registered(srv, "watcher");

	fake_line(srv, w, "MODE watcher +w");
	fake_drop_output(w);
	fake_line(srv, cli, "WALLOPS :spam");
	fake_expect(cli, NOPRIVS("plain"));
	fake_expect(w, "");
	fake_line(srv, w, "WALLOPS :spam");
	fake_expect(w, NOPRIVS("watcher"));
}

/* DIE */

static void
test_die(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_registered(srv, "plain");
	struct client *op = fake_registered(srv, "oper");

	fake_line(srv, cli, "DIE");
	fake_expect(cli, NOPRIVS("plain"));
	assert_false(srv->stop);
	oper_up(srv, op);
	fake_line(srv, op, "DIE");
	assert_true(srv->stop);
}

/* REHASH */

static void
test_rehash_not_oper(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_registered(srv, "plain");

	fake_line(srv, cli, "REHASH");
	fake_expect(cli, NOPRIVS("plain"));
}

static void
test_rehash_without_file(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_registered(srv, "oper");
	char *out;

	oper_up(srv, op);
	fake_line(srv, op, "REHASH");
	out = fake_take_output(op);
	if (strncmp(out, ":irc.local NOTICE oper :", 24) != 0 ||
	    strstr(out, "nothing to reload") == NULL || strstr(out, " 382 ") != NULL)
		fail_msg("REHASH without a file said:\n%s", out);
	free(out);
	/* Nothing changed: the oper blocks are still there. */
	assert_int_equal(srv->cfg.nopers, 2);
}

/* Write text to a new temporary file; path receives its name. */
static void
temp_conf(char *path, size_t pathsz, const char *text)
{
	int fd;
	FILE *f;

	snprintf(path, pathsz, "/tmp/ircserv-test-oper.XXXXXX");
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void
rewrite_conf(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* REHASH from a file: 382, the new settings at once, errors keep the old. */
static void
test_rehash_file(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_registered(srv, "oper");
	char hash[CRYPTO_HASH_MAX], text[1024], path[64];
	char *out;

	assert_int_equal(crypto_hash_password(OPER_PASSWORD, TEST_ITERATIONS, hash,
	    sizeof(hash)), 0);
	snprintf(text, sizeof(text), oper_conf_fmt, hash, hash);
	assert_true(strlen(text) + 40 < sizeof(text));
	strcat(text, "network = RehashNet\n");
	temp_conf(path, sizeof(path), text);
	assert_int_equal(server_set_config_path(srv, path, config_load_file), 0);
	oper_up(srv, op);

	fake_line(srv, op, "REHASH");
	out = fake_take_output(op);
	if (strstr(out, ":irc.local 382 oper ") != out || strstr(out, "NOTICE") != NULL)
		fail_msg("REHASH said:\n%s", out);
	free(out);
	assert_string_equal(srv->cfg.network, "RehashNet");
	assert_false(client_is_closing(op));
	assert_true(op->umodes & UMODE_OPER);

	rewrite_conf(path, "network = Other\nnot a setting\n");
	fake_line(srv, op, "REHASH");
	out = fake_take_output(op);
	if (strstr(out, ":irc.local 382 oper ") == NULL ||
	    strstr(out, ":irc.local NOTICE oper :") == NULL ||
	    strstr(out, path) == NULL || strstr(out, ":2: ") == NULL)
		fail_msg("REHASH of a bad file said:\n%s", out);
	free(out);
	assert_string_equal(srv->cfg.network, "RehashNet");
	assert_int_equal(srv->cfg.nopers, 2);
	unlink(path);
}

/* Flood control through the input path */

/* Append n "PING :<first + i>" lines to cli's receive queue. */
static void
queue_pings(struct client *cli, int first, int n)
{
	char line[32];

	for (int i = 0; i < n; i++) {
		int len = snprintf(line, sizeof(line), "PING :%d\r\n", first + i);

		assert_int_equal(buf_append(&cli->local->recvq, line, (size_t)len), 0);
	}
}

/* Check that out is exactly the PONGs for tokens first .. first + n - 1. */
static void
assert_pongs(const char *out, int first, int n)
{
	char line[64];
	const char *p = out;

	for (int i = 0; i < n; i++) {
		snprintf(line, sizeof(line), ":irc.local PONG irc.local :%d\r\n", first + i);
		if (strncmp(p, line, strlen(line)) != 0)
			fail_msg("expected PONG %d next in:\n%s", first + i, out);
		p += strlen(line);
	}
	if (*p != '\0')
		fail_msg("more than %d PONGs from %d:\n%s", n, first, out);
}

static void
set_flood(struct server *srv, unsigned burst, unsigned rate, unsigned max)
{
	srv->cfg.flood_burst = burst;
	srv->cfg.flood_rate = rate;
	srv->cfg.flood_max = max;
}

static void
test_flood_burst_then_paced(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_registered(srv, "fast");
	int done, got, rounds = 0;
	char *out;

	set_flood(srv, 5, 2, 100);
	queue_pings(cli, 1, 8);
	server_on_input(srv, cli);
	out = fake_take_output(cli);
	assert_pongs(out, 1, 5);
	free(out);
	assert_true(cli->local->throttled);
	assert_false(client_is_closing(cli));
	/* Nothing more comes until the clock moves. */
	server_tick(srv);
	fake_expect(cli, "");

	/* The timer heap resumes the client; the rest come at 2 a second. */
	for (done = 5; done < 8 && rounds < 10; rounds++) {
		fake_advance(srv, 1);
		server_tick(srv);
		out = fake_take_output(cli);
		got = (int)(strlen(out) / strlen(":irc.local PONG irc.local :1\r\n"));
		assert_pongs(out, done + 1, got);
		assert_true(got <= 2);
		free(out);
		done += got;
	}
	assert_int_equal(done, 8);
	assert_true(rounds >= 2);
	assert_false(client_is_closing(cli));
	assert_int_equal(buf_len(&cli->local->recvq), 0);
	assert_false(cli->local->throttled);
}

/* Lines that arrive while a client is throttled queue behind the held ones. */
static void
test_flood_more_input_while_throttled(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_registered(srv, "fast");
	char *out;

	set_flood(srv, 5, 2, 100);
	queue_pings(cli, 1, 6);
	server_on_input(srv, cli);
	fake_drop_output(cli);
	assert_true(cli->local->throttled);
	queue_pings(cli, 7, 2);
	server_on_input(srv, cli);
	fake_expect(cli, "");
	for (int s = 0; s < 10 && buf_len(&cli->local->recvq) > 0; s++) {
		fake_advance(srv, 1);
		server_tick(srv);
	}
	out = fake_take_output(cli);
	assert_pongs(out, 6, 3);
	free(out);
}

/* A quiet spell restores the full burst. */
static void
test_flood_allowance_recovers(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_registered(srv, "fast");
	char *out;

	set_flood(srv, 5, 2, 100);
	queue_pings(cli, 1, 5);
	server_on_input(srv, cli);
	fake_drop_output(cli);
	/* Exactly one burst: no line is held, so nothing is throttled. */
	assert_false(cli->local->throttled);
	fake_advance(srv, 3);
	server_tick(srv);
	queue_pings(cli, 6, 5);
	server_on_input(srv, cli);
	out = fake_take_output(cli);
	assert_pongs(out, 6, 5);
	free(out);
}

static void
test_flood_max_exceeded(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_joined(srv, "flooder", "#room");
	struct client *peer = fake_joined(srv, "peer", "#room");
	char *out;

	set_flood(srv, 5, 2, 10);
	/* 5 taken, 10 held: at the limit, not over it. */
	queue_pings(cli, 1, 15);
	server_on_input(srv, cli);
	assert_false(client_is_closing(cli));
	assert_true(cli->local->throttled);
	fake_drop_output(cli);
	/* One more line held is one too many. */
	queue_pings(cli, 16, 1);
	server_on_input(srv, cli);
	assert_true(client_is_closing(cli));
	out = fake_take_output(cli);
	if (strstr(out, ERROR_LINE("Excess Flood")) == NULL)
		fail_msg("no Excess Flood ERROR:\n%s", out);
	free(out);
	fake_reap(srv);
	fake_expect(peer, ":flooder!u@127.0.0.1 QUIT :Excess Flood\r\n");
}

static void
test_flood_max_exceeded_at_once(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_registered(srv, "flooder");

	set_flood(srv, 5, 2, 20);
	queue_pings(cli, 1, 300);
	server_on_input(srv, cli);
	assert_true(client_is_closing(cli));
	/* The burst is answered before the excess is noticed, and no more. */
	fake_expect(cli, ":irc.local PONG irc.local :1\r\n"
	    ":irc.local PONG irc.local :2\r\n"
	    ":irc.local PONG irc.local :3\r\n"
	    ":irc.local PONG irc.local :4\r\n"
	    ":irc.local PONG irc.local :5\r\n"
	    ERROR_LINE("Excess Flood"));
}

static void
test_flood_exempt(void **state)
{
	struct server *srv = *state;
	struct client *trusted, *other;
	char *out;

	set_flood(srv, 5, 2, 20);
	apply_conf(srv, "flood_exempt = 10.9.*\n");
	trusted = fake_client(srv, "10.9.8.7");
	fake_line(srv, trusted, "PASS " FAKE_PASSWORD);
	fake_line(srv, trusted, "NICK trusted");
	fake_line(srv, trusted, "USER u 0 * :Real Name");
	assert_true(client_is_registered(trusted));
	assert_true(trusted->local->flood_exempt);
	fake_drop_output(trusted);
	/* Far beyond flood_max, and all answered in the same round. */
	queue_pings(trusted, 1, 200);
	server_on_input(srv, trusted);
	out = fake_take_output(trusted);
	assert_pongs(out, 1, 200);
	free(out);
	assert_false(trusted->local->throttled);
	assert_false(client_is_closing(trusted));
	assert_int_equal(buf_len(&trusted->local->recvq), 0);

	/* Everyone else is still paced. */
	other = fake_registered(srv, "other");
	assert_false(other->local->flood_exempt);
	queue_pings(other, 1, 8);
	server_on_input(srv, other);
	out = fake_take_output(other);
	assert_pongs(out, 1, 5);
	free(out);
	assert_true(other->local->throttled);
}

/* Server full */

static void
test_server_full(void **state)
{
	struct server *srv = *state;
	const char *why = NULL;

	srv->cfg.max_clients = 3;
	fake_registered(srv, "one");
	fake_registered(srv, "two");
	fake_client(srv, "127.0.0.1");
	assert_null(server_add_client(srv, -1, "127.0.0.1", &why));
	assert_non_null(why);
	assert_string_equal(why, "Server is full");
	assert_int_equal(srv->nclients, 3);
}

/* How many of n connections from ip in a row the server admits. */
static int
admitted(struct server *srv, const char *ip, int n)
{
	const char *why = NULL;
	int ok = 0;

	for (int i = 0; i < n; i++)
		ok += server_add_client(srv, -1, ip, &why) != NULL;
	return ok;
}

/*
 * Per-IP limits (max_per_ip = 2 here): loopback is exempt by default,
 * other addresses are not; limit_exempt replaces that list, and "none"
 * exempts nobody.
 */
static void
test_limit_exempt(void **state)
{
	struct server *srv = *state;
	const char *why = NULL;

	srv->cfg.max_per_ip = 2;
	assert_int_equal(admitted(srv, "127.0.0.5", 5), 5);
	assert_int_equal(admitted(srv, "::1", 3), 3);
	assert_int_equal(admitted(srv, "10.0.0.1", 3), 2);
	assert_null(server_add_client(srv, -1, "10.0.0.1", &why));
	assert_string_equal(why, "Too many connections from your host");

	apply_conf(srv, "limit_exempt = 10.0.*\n");
	assert_int_equal(admitted(srv, "10.0.0.1", 3), 3);
	assert_int_equal(admitted(srv, "127.0.0.9", 3), 2);

	apply_conf(srv, "limit_exempt = none\n");
	assert_int_equal(admitted(srv, "10.0.0.2", 3), 2);
	assert_int_equal(admitted(srv, "::1", 3), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_oper_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oper_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oper_wrong_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oper_unknown_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oper_host_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oper_needs_params_and_registration,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_oper_later_lines_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oper_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode_deoper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oper_quit_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_not_oper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_default_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wallops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wallops_not_oper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_die, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rehash_not_oper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rehash_without_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rehash_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_burst_then_paced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_more_input_while_throttled,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_allowance_recovers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_flood_max_exceeded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_max_exceeded_at_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_flood_exempt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_exempt, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
