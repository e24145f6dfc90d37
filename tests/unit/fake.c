/*
 * Fake server and clients for handler tests: lines go in through
 * server_on_line() exactly as conn.c would pass them, and output is read
 * straight from each client's sendq. No sockets, no sleeping: the clock
 * is whatever the test sets.
 */
#include "fake.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "channel.h"
#include "client.h"
#include "config.h"
#include "hashq.h"
#include "history.h"
#include "log.h"
#include "server.h"
#include "user.h"

struct server *
fake_server(void)
{
	return fake_server_adjusted(NULL);
}

struct server *
fake_server_adjusted(void (*adjust)(struct config *))
{
	struct config cfg;
	struct server *srv;

	assert_int_equal(config_defaults(&cfg), 0);
	/* Closing clients logs at info level; keep test output readable. */
	cfg.log_level = LOG_WARN;
	assert_int_equal(config_set_string(&cfg.password, FAKE_PASSWORD), 0);
	/* Many fake clients share 127.0.0.1: no per-IP limits by default. */
	cfg.max_per_ip = 0;
	cfg.connect_rate = 0;
	if (adjust != NULL)
		adjust(&cfg);
	srv = server_new(&cfg, (int64_t)FAKE_NOW * 1000, FAKE_NOW_MS);
	config_free(&cfg);
	assert_non_null(srv);
	return srv;
}

void
fake_free(struct server *srv)
{
	server_free(srv);
}

int
fake_setup(void **state)
{
	*state = fake_server();
	return 0;
}

int
fake_teardown(void **state)
{
	fake_free(*state);
	return 0;
}

void
fake_cap_on(struct server *srv, struct client *cli, const char *caps)
{
	fake_linef(srv, cli, "CAP REQ :%s", caps);
	fake_drop_output(cli);
}

struct client *
fake_client(struct server *srv, const char *ip)
{
	const char *why = NULL;
	struct client *cli = server_add_client(srv, -1, ip, &why);

	if (cli == NULL)
		fail_msg("fake_client(%s) refused: %s", ip, why ? why : "?");
	return cli;
}

void
fake_line(struct server *srv, struct client *cli, const char *line)
{
	size_t len = strlen(line);
	char *copy = malloc(len + 1);

	assert_non_null(copy);
	memcpy(copy, line, len + 1);
	server_on_line(srv, cli, copy, len);
	free(copy);
}

void
fake_linef(struct server *srv, struct client *cli, const char *fmt, ...)
{
	va_list ap;
	char *line;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	line = malloc((size_t)n + 1);
	assert_non_null(line);
	va_start(ap, fmt);
	vsnprintf(line, (size_t)n + 1, fmt, ap);
	va_end(ap);
	fake_line(srv, cli, line);
	free(line);
}

struct client *
fake_registered_at(struct server *srv, const char *nick, const char *file,
    int line)
{
	struct client *cli = fake_client(srv, "127.0.0.1");

	fake_line(srv, cli, "PASS " FAKE_PASSWORD);
	fake_linef(srv, cli, "NICK %s", nick);
	fake_line(srv, cli, "USER u 0 * :Real Name");
	if (!client_is_registered(cli)) {
		char *out = fake_take_output(cli);

		print_error("fake_registered(\"%s\"): not registered; "
		    "output:\n%s\n", nick, out);
		free(out);
		_fail(file, line);
	}
	_assert_string_equal(cli->nick, nick, file, line);
	fake_drop_output(cli);
	return cli;
}

struct client *
fake_joined_at(struct server *srv, const char *nick, const char *chan,
    const char *file, int line)
{
	struct client *cli = fake_registered_at(srv, nick, file, line);
	unsigned before = cli->nchannels;

	fake_linef(srv, cli, "JOIN %s", chan);
	if (cli->nchannels != before + 1) {
		char *out = fake_take_output(cli);

		print_error("fake_joined(\"%s\", \"%s\"): not joined; "
		    "output:\n%s\n", nick, chan, out);
		free(out);
		_fail(file, line);
	}
	fake_drop_all(srv);
	return cli;
}

struct client *
fake_remote(struct server *srv, const char *nick)
{
	struct client *cli = client_new(srv, -1, "192.0.2.1");

	assert_non_null(cli);
	local_free(cli->local);
	cli->local = NULL;
	snprintf(cli->user, sizeof(cli->user), "r");
	cli->realname = strdup("Remote User");
	assert_non_null(cli->realname);
	assert_int_equal(client_set_nick(cli, nick), 0);
	user_register(srv, cli);
	assert_true(client_is_registered(cli));
	return cli;
}

void
fake_remote_join(struct server *srv, struct client *cli, const char *name,
    unsigned prefix)
{
	struct channel *chan = channel_find(srv, name);

	if (chan == NULL)
		chan = channel_create(srv, name);
	assert_non_null(chan);
	assert_non_null(channel_join(chan, cli, prefix));
}

char *
fake_take_output(struct client *cli)
{
	size_t n = buf_len(&cli->local->sendq);
	char *out = malloc(n + 1);

	assert_non_null(out);
	/* An empty buf has no storage at all, so do not touch buf_data(). */
	if (n > 0) {
		memcpy(out, buf_data(&cli->local->sendq), n);
		buf_consume(&cli->local->sendq, n);
	}
	out[n] = '\0';
	return out;
}

void
fake_drop_output(struct client *cli)
{
	size_t n = cli->local != NULL ? buf_len(&cli->local->sendq) : 0;

	if (n > 0)
		buf_consume(&cli->local->sendq, n);
}

void
fake_drop_all(struct server *srv)
{
	while (server_pop_pending(srv) != NULL)
		continue;
	for (struct client *cli = srv->clients; cli != NULL; cli = cli->next)
		fake_drop_output(cli);
}

size_t
fake_output_count(const struct client *cli, const char *needle)
{
	size_t n = buf_len(&cli->local->sendq), k = strlen(needle), count = 0;
	const char *p;

	if (n == 0 || k == 0 || k > n)
		return 0;
	p = buf_data(&cli->local->sendq);
	/* The sendq is not NUL-terminated, so no strstr(). */
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, needle, k) == 0)
			count++;
	return count;
}

bool
fake_output_has(const struct client *cli, const char *needle)
{
	return fake_output_count(cli, needle) > 0;
}

void
fake_expect_at(struct client *cli, const char *expected, const char *file,
    int line)
{
	char *out = fake_take_output(cli);

	if (strcmp(out, expected) != 0) {
		print_error("output:\n%s\nexpected:\n%s\n", out, expected);
		free(out);
		_fail(file, line);
	}
	free(out);
}

void
fake_expect_has_at(struct client *cli, const char *needle, const char *file,
    int line)
{
	char *out = fake_take_output(cli);

	if (strstr(out, needle) == NULL) {
		print_error("output:\n%s\nlacks:\n%s\n", out, needle);
		free(out);
		_fail(file, line);
	}
	free(out);
}

void
fake_reap(struct server *srv)
{
	struct client *cli;

	while ((cli = server_reap_next(srv)) != NULL)
		client_free(cli);
}

unsigned
fake_work(struct server *srv)
{
	unsigned rounds = 1;

	/* 10 000 000 iterations (the most a hash may ask) for every queued check. */
	while (server_work(srv)) {
		if (++rounds > 10000000u / HASHQ_ROUND * HASHQ_MAX_JOBS)
			fail_msg("background work does not end");
	}
	return rounds;
}

void
fake_advance(struct server *srv, unsigned s)
{
	server_set_clock(srv, srv->now_wall_ms + (int64_t)s * 1000,
	    srv->now_ms + (int64_t)s * 1000);
}

static void
dump_item(void *arg, const struct history_item *it)
{
	struct buf *b = arg;
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s|%s|%lld|%s|%.*s|%s|%s|%u|%u\n",
	    it->target, it->owner ? it->owner : "-", (long long)it->time_ms, it->msgid,
	    (int)it->len, it->line, it->tags ? it->tags : "-",
	    it->account ? it->account : "-", it->kind, it->flags);

	assert_int_equal(buf_append(b, line, (size_t)n), 0);
}

char *
fake_history_dump(struct server *srv)
{
	struct buf b;
	char *s;

	buf_init(&b, 0);
	history_foreach(srv->history, dump_item, &b);
	assert_int_equal(buf_append(&b, "", 1), 0);
	s = strdup(buf_data(&b));
	assert_non_null(s);
	buf_free(&b);
	return s;
}

void
fake_copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char b[65536];
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(b, 1, sizeof(b), in)) > 0)
		assert_int_equal(fwrite(b, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}
