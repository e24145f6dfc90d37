/*
 * Test helpers for driving the sans-I/O core: a server with a fixed clock,
 * fake clients (fd -1) fed whole lines through server_on_line(), and ways
 * to read and assert on the exact bytes queued in a client's sendq.
 * The helpers fail the running cmocka test when setup goes wrong.
 */
#ifndef IRCSERV_FAKE_H
#define IRCSERV_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct server;
struct client;
struct config;

/* The clock every fake server starts with (2023-11-14T22:13:20Z). */
#define FAKE_NOW        ((time_t)1700000000)
#define FAKE_NOW_MS     ((int64_t)1000000)
/* The connection password of every fake server. */
#define FAKE_PASSWORD   "secret"

/*
 * A server with the default configuration (but no per-IP limits),
 * password FAKE_PASSWORD and the
 * clock at FAKE_NOW / FAKE_NOW_MS. Logging is turned down to warnings.
 * Fails the test when it cannot be created. Free with fake_free().
 */
struct server *fake_server(void);
/* fake_server() with adjust(cfg) applied to its configuration first. */
struct server *fake_server_adjusted(void (*adjust)(struct config *));
/* Free srv and every client still in it. Accepts NULL. */
void    fake_free(struct server *srv);
/* cmocka fixtures: *state = fake_server(), and fake_free(*state). */
int     fake_setup(void **state);
int     fake_teardown(void **state);
/* Turn on IRCv3 capabilities (CAP REQ :caps) for cli, output dropped. */
void    fake_cap_on(struct server *srv, struct client *cli, const char *caps);

/* A new unregistered client with no socket (fd -1) connected from ip. */
struct client *fake_client(struct server *srv, const char *ip);
/*
 * Feed one line (without CR LF) from cli, as conn.c would: the line is
 * copied into a modifiable buffer first, so literals are fine.
 */
void    fake_line(struct server *srv, struct client *cli, const char *line);
/* fake_line() with printf formatting. */
void    fake_linef(struct server *srv, struct client *cli, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/*
 * A client from 127.0.0.1 that has sent PASS, NICK nick and
 * "USER u 0 * :Real Name"; fails the test unless it is registered. Its
 * sendq is emptied, so the next output is what the test provokes.
 */
#define fake_registered(srv, nick) \
	fake_registered_at((srv), (nick), __FILE__, __LINE__)
/* fake_registered() that also JOINs chan; all output is dropped. */
#define fake_joined(srv, nick, chan) \
	fake_joined_at((srv), (nick), (chan), __FILE__, __LINE__)

/*
 * A registered user on no connection of ours (local == NULL), as a server
 * link will make them: nick, user "r", host 192.0.2.1, realname "Remote
 * User"; registered through user_register(), so counted and announced to
 * MONITOR watchers. fake_remote_join() puts it in chan (created if need
 * be) with prefix (MEMBER_* bits), without any announcement.
 */
struct client *fake_remote(struct server *srv, const char *nick);
void    fake_remote_join(struct server *srv, struct client *cli, const char *chan,
	    unsigned prefix);

/*
 * Everything queued for cli as a malloc'd NUL-terminated string (the
 * caller frees it); the sendq is emptied.
 */
char   *fake_take_output(struct client *cli);
/* Empty cli's sendq, dropping its content. */
void    fake_drop_output(struct client *cli);
/* Empty every client's sendq and the server's pending-write list. */
void    fake_drop_all(struct server *srv);
/* True when the bytes queued for cli contain needle; the sendq is kept. */
bool    fake_output_has(const struct client *cli, const char *needle);
/* How many times needle occurs in cli's queued bytes; the sendq is kept. */
size_t  fake_output_count(const struct client *cli, const char *needle);
/*
 * Assert that exactly expected (CR LF included) is queued for cli, then
 * empty the sendq. Use "" to assert that nothing was sent.
 */
#define fake_expect(cli, expected) \
	fake_expect_at((cli), (expected), __FILE__, __LINE__)
/* Assert that cli's output contains needle, then empty the sendq. */
#define fake_expect_has(cli, needle) \
	fake_expect_has_at((cli), (needle), __FILE__, __LINE__)

/*
 * The functions behind the macros above, which pass the caller's file and
 * line so that a failure points at the test, not at this file.
 */
struct client *fake_registered_at(struct server *srv, const char *nick,
	    const char *file, int line);
struct client *fake_joined_at(struct server *srv, const char *nick,
	    const char *chan, const char *file, int line);
void    fake_expect_at(struct client *cli, const char *expected,
	    const char *file, int line);
void    fake_expect_has_at(struct client *cli, const char *needle,
	    const char *file, int line);

/* Free every client marked closed, as the loop does after a round. */
void    fake_reap(struct server *srv);
/*
 * Run the server's background work (queued password checks), round after
 * round as the loop does, until none is left; fails the test if it does
 * not end within a bound. Returns the rounds it took.
 */
unsigned fake_work(struct server *srv);
/* Move the server's clocks (wall and monotonic) s seconds forward. */
void    fake_advance(struct server *srv, unsigned s);

/*
 * Every item of srv's history store, one line each with all its fields,
 * oldest first, as a malloc'd string the caller frees: two stores with
 * the same content give the same string.
 */
char   *fake_history_dump(struct server *srv);
/* Copy the file at from to to, as it is now (a crash's leftovers). */
void    fake_copy_file(const char *from, const char *to);

#endif
