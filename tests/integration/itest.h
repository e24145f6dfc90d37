/*
 * Integration-test harness: runs the ircserv binary named by $IRCSERV_BIN
 * on a free 127.0.0.1 port and speaks raw IRC to it through non-blocking
 * sockets. Every wait is bounded (ITEST_TIMEOUT_MS unless a client says
 * otherwise), every process started is reaped, and every line the server
 * sends is checked on arrival: it must end in CR LF, hold no other CR, LF
 * or NUL, and fit in 512 bytes. A failed expectation fails the running
 * cmocka test at the caller's file and line and shows what did arrive.
 * With $TEST_EVENT_BACKEND set (poll or epoll), every server the harness
 * starts gets "event_backend = <it>" in its configuration, so the same
 * tests run under either backend.
 */
#ifndef IRCSERV_ITEST_H
#define IRCSERV_ITEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/types.h>

#include <cmocka.h>

/*
 * Bounds scale with ITEST_SLOW (a whole factor, default 1), for servers
 * running under valgrind.
 */
int     itest_slow(void);
#define ITEST_TIMEOUT_MS        (3000 * itest_slow())  /* default bound for every wait */
#define ITEST_START_MS          (5000 * itest_slow())  /* for the server to accept */
#define ITEST_STOP_MS           (5000 * itest_slow())  /* to exit after SIGTERM */
#define ITEST_PASSWORD          "s3cret-pass"
#define ITEST_SERVER_NAME       "irc.local"
#define ITEST_HOST              "127.0.0.1"
#define ITEST_LINE_MAX          512     /* RFC 1459 2.3, CR LF included */

#define ITEST_PRINTF(f, a)      __attribute__((format(printf, f, a)))
#define ITEST_HERE              __FILE__, __LINE__

struct itest_server {
	pid_t    pid;           /* 0 once reaped */
	int      port;
	int      status;        /* waitpid() status, valid once pid is 0 */
	char     password[64];
	char     log_path[512]; /* the server's stdout and stderr */
	char     conf_path[512]; /* "-c" file, "" when started without one */
	bool     shared;        /* the group's server, outlives each test */
};

/* One received line: text without CR LF, NUL-terminated. */
struct itest_line {
	struct itest_line *next;
	size_t   len;
	char     text[];
};

struct itest_client {
	struct itest_server *srv;
	int      fd;
	char     nick[32];      /* as registered; also labels failure output */
	char     user[16];
	int      timeout_ms;    /* bound for each wait; ITEST_TIMEOUT_MS */
	size_t   read_max;      /* most bytes per recv(); 0 = as many as fit */
	bool     closed;        /* the server closed or reset the connection */
	int      close_errno;   /* 0 for an orderly close, else e.g. ECONNRESET */
	char     in[8192];      /* bytes of a line whose LF has not come yet */
	size_t   inlen;
	char     bad[256];      /* first protocol violation seen, "" if none */
	struct itest_line *head, *tail;  /* lines received and not consumed */
	size_t   nlines;
	char     last[ITEST_LINE_MAX + 1];  /* the line last matched or taken */
	unsigned long long nread;          /* lines received in all */
	unsigned ping_seq;
	struct itest_client *open_prev, *open_next;  /* the harness's list */
};

/*
 * Servers. itest_server_start() returns NULL (after printing why) when the
 * binary cannot be started or does not accept connections in time.
 * itest_server_stop() sends SIGTERM, waits up to ITEST_STOP_MS, then uses
 * SIGKILL, and always reaps. It returns the exit code (0..255), 128 + the
 * signal for a server killed by a signal, or -1 when it had to be killed.
 * Calling it again returns the same value. itest_server_free() stops the
 * server if needed and frees it; the log stays until itest_finish().
 */
struct itest_server *itest_server_start(const char *password);
/*
 * Like itest_server_start(), with conf written to a file in the harness's
 * temporary directory and given to the server as "-c FILE".
 */
struct itest_server *itest_server_start_conf(const char *password, const char *conf);
/*
 * Replace the server's configuration file (for REHASH / SIGHUP tests);
 * the $TEST_EVENT_BACKEND line is added last, like ITEST_CONF_LOOPBACK.
 */
void    itest_server_write_conf(struct itest_server *s, const char *conf);
/* The configuration that trusts loopback: no flood control, no per-IP limits. */
#define ITEST_CONF_FAST "flood_exempt = 127.0.0.1\n"
/* Added to every configuration the tests give: serve loopback only. */
#define ITEST_CONF_LOOPBACK "bind = 127.0.0.1\n"
int     itest_server_stop(struct itest_server *s);
void    itest_server_free(struct itest_server *s);
/* Send sig; then itest_server_wait() for up to timeout_ms (-1: still running). */
void    itest_server_signal(struct itest_server *s, int sig);
int     itest_server_wait(struct itest_server *s, int timeout_ms);
bool    itest_server_alive(struct itest_server *s);
/* Copy the server's log to stderr. */
void    itest_server_dump_log(const struct itest_server *s);
/* The server's log as a string (caller frees), "" when unreadable. */
char   *itest_server_log(const struct itest_server *s);
/*
 * Send cmd and read the reply up to the line matching end: its lines
 * joined with LF (caller frees), WHOIS's idle time (317) left out.
 */
char   *itest_reply(struct itest_client *c, const char *cmd, const char *end);
/* How many times needle is in the server's log. */
int     itest_log_count(const struct itest_server *s, const char *needle);
/* Wait until needle is in the log n times; fail (dumping it) after 10 s. */
void    itest_wait_log(const struct itest_server *s, const char *needle, int n);
/* Descriptors the server holds open (/proc/PID/fd), or -1 if unknown. */
int     itest_server_nfds(const struct itest_server *s);

/*
 * cmocka group fixtures: one server with ITEST_PASSWORD for the whole file,
 * passed to every test as *state. The teardown fails the group unless the
 * server exits with status 0 on SIGTERM.
 */
int     itest_group_setup(void **state);
/* The same, for tests that send at full speed: ITEST_CONF_FAST. */
int     itest_group_setup_fast(void **state);
int     itest_group_teardown(void **state);
/*
 * Per-test teardown: closes the clients and stops the dedicated servers a
 * test left behind (a failed assertion skips its own cleanup), so that one
 * failure does not spill into the next test. itest_unit_test() uses it.
 */
int     itest_test_teardown(void **state);
#define itest_unit_test(f)      cmocka_unit_test_teardown(f, itest_test_teardown)
/*
 * Call from main() with cmocka's result: adds failed group teardowns
 * (which cmocka 1.1 does not count), prints every log of every server the
 * file started if anything failed, removes the private temp directory, and
 * returns the number of failures.
 */
int     itest_finish(int failed);

/*
 * Run argv (argv[0] is the program) with stdin and stdout on /dev/null and
 * stderr captured into err (size errsz, NUL-terminated). Returns the exit
 * code, 128 + signal, or -1 if it had to be killed after timeout_ms.
 */
int     itest_run(char *const argv[], int timeout_ms, char *err, size_t errsz);
/*
 * Run argv with input on its stdin, its stdout (NUL-terminated, cut to
 * outsz) in out; bounded by timeout_ms, the child killed and reaped past
 * it. Returns its exit code, 128 + signal, or -1.
 */
int     itest_run_input(char *const argv[], const char *input, char *out, size_t outsz,
	    int timeout_ms);
/* $IRCSERV_BIN; fails the test when unset. */
const char *itest_server_bin(void);
/*
 * The hash "$IRCSERV_BIN --mkpasswd" prints for password, as an
 * administrator makes one; fails the test unless it is one well-formed
 * $pbkdf2-sha256$ line.
 */
#define ITEST_HASH_MS           (30000 * itest_slow())
void    itest_mkpasswd(const char *password, char *hash, size_t hashsz);
/* itest_server_start_conf() with ITEST_PASSWORD; fails the test if it does not start. */
struct itest_server *itest_server_start_ok(const char *conf);
/* Stop and free s; fails the test unless it exited with status 0. */
void    itest_server_stop_ok(struct itest_server *s);
/*
 * A free port on 127.0.0.1, held for this binary until it exits: no other
 * process is given it, and only a socket with SO_REUSEADDR (as ircserv's
 * listeners) can bind it.
 */
int     itest_free_port(void);

/*
 * Clients. Connecting fails the test on error. rcvbuf > 0 sets SO_RCVBUF
 * before connecting. itest_close() closes and frees (NULL is fine);
 * itest_abort() does the same with SO_LINGER 0, so the server sees a reset.
 */
#define itest_connect(s)                itest_connect_at(ITEST_HERE, (s), 0)
#define itest_connect_rcvbuf(s, n)      itest_connect_at(ITEST_HERE, (s), (n))
struct itest_client *itest_connect_at(const char *file, int line,
	    struct itest_server *s, int rcvbuf);
/* A client on fd, a connection of the test's own (one it accepted); made close-on-exec. */
struct itest_client *itest_adopt(struct itest_server *s, int fd);
void    itest_close(struct itest_client *c);
void    itest_abort(struct itest_client *c);

/* Send one line; CR LF is appended. */
#define itest_send(c, ...)      itest_send_at(ITEST_HERE, (c), __VA_ARGS__)
void    itest_send_at(const char *file, int line, struct itest_client *c,
	    const char *fmt, ...) ITEST_PRINTF(4, 5);
/* Send exactly n bytes. */
#define itest_send_raw(c, p, n) itest_send_raw_at(ITEST_HERE, (c), (p), (n))
void    itest_send_raw_at(const char *file, int line, struct itest_client *c,
	    const void *p, size_t n);
/* Like itest_send_raw(), but returns -1 (instead of failing) on error. */
int     itest_try_send_raw(struct itest_client *c, const void *p, size_t n);

/*
 * Patterns are printf formats that expand to a glob matched against the
 * whole line (without CR LF): '*' matches any run, '?' one character, and
 * '\' makes the next character literal.
 */
bool    itest_match(const char *pattern, const char *text);

/*
 * itest_expect: the first line, queued or arriving, that matches. Lines
 * before it that do not match stay queued, in order, for later calls; so
 * expect() checks presence, not order. Returns the line (valid until the
 * next call on c).
 */
#define itest_expect(c, ...)    itest_expect_at(ITEST_HERE, (c), __VA_ARGS__)
const char *itest_expect_at(const char *file, int line, struct itest_client *c,
	    const char *fmt, ...) ITEST_PRINTF(4, 5);
/* itest_expect_next: the very next line must match (checks order). */
#define itest_expect_next(c, ...) itest_expect_next_at(ITEST_HERE, (c), __VA_ARGS__)
const char *itest_expect_next_at(const char *file, int line, struct itest_client *c,
	    const char *fmt, ...) ITEST_PRINTF(4, 5);
/* itest_skip_to: consume lines in order, dropping them, up to a match. */
#define itest_skip_to(c, ...)   itest_skip_to_at(ITEST_HERE, (c), __VA_ARGS__)
const char *itest_skip_to_at(const char *file, int line, struct itest_client *c,
	    const char *fmt, ...) ITEST_PRINTF(4, 5);
/* itest_next: take the next line; fails on timeout or close. */
#define itest_next(c)           itest_next_at(ITEST_HERE, (c))
const char *itest_next_at(const char *file, int line, struct itest_client *c);
/*
 * Take the next line into out (size outsz) within timeout_ms. Returns 1,
 * 0 on timeout, -1 once the connection is closed and no line is left.
 * Protocol violations still fail the test.
 */
#define itest_poll_line(c, ms, out, outsz) \
	itest_poll_line_at(ITEST_HERE, (c), (ms), (out), (outsz))
int     itest_poll_line_at(const char *file, int line, struct itest_client *c,
	    int timeout_ms, char *out, size_t outsz);

/* Fail if any line is queued or arrives within ms, or the connection closes. */
#define itest_expect_none(c, ms) itest_expect_none_at(ITEST_HERE, (c), (ms))
void    itest_expect_none_at(const char *file, int line, struct itest_client *c,
	    int ms);
/*
 * Round trip a PING and drop everything before its PONG, so that all the
 * server queued for c before now has been read.
 */
#define itest_sync(c)           itest_sync_at(ITEST_HERE, (c))
void    itest_sync_at(const char *file, int line, struct itest_client *c);
/*
 * Like itest_sync(), but the PONG must be the only thing: nothing queued,
 * nothing before it. Proves the server sent c nothing since the last read,
 * without sleeping (the server answers one connection in order). Returns
 * the round-trip time in milliseconds.
 */
#define itest_expect_quiet(c)   itest_expect_quiet_at(ITEST_HERE, (c))
long    itest_expect_quiet_at(const char *file, int line, struct itest_client *c);
/*
 * Read until the server closes the connection, dropping what arrives
 * (queued lines stay). Fails unless it closes within the timeout.
 */
#define itest_expect_closed(c)  itest_expect_closed_at(ITEST_HERE, (c))
void    itest_expect_closed_at(const char *file, int line, struct itest_client *c);
/*
 * Read exactly n bytes straight from the socket and compare them with p,
 * byte for byte (CR LF included). Nothing may be queued or half-read.
 */
#define itest_expect_raw(c, p, n) itest_expect_raw_at(ITEST_HERE, (c), (p), (n))
void    itest_expect_raw_at(const char *file, int line, struct itest_client *c,
	    const void *p, size_t n);
/* Drop every queued line. */
void    itest_discard(struct itest_client *c);

/*
 * Register with PASS (unless password is NULL), NICK, USER and wait for
 * 001 and the end of the MOTD (376 or 422); the burst is consumed.
 */
#define itest_register(c, nick) itest_register_at(ITEST_HERE, (c), (nick))
void    itest_register_at(const char *file, int line, struct itest_client *c,
	    const char *nick);
/* Connect and register as nick with the server's password. */
#define itest_user(s, nick)     itest_user_at(ITEST_HERE, (s), (nick))
struct itest_client *itest_user_at(const char *file, int line,
	    struct itest_server *s, const char *nick);
/* Join chan and consume the JOIN echo through 366. */
#define itest_join(c, chan)     itest_join_at(ITEST_HERE, (c), (chan))
void    itest_join_at(const char *file, int line, struct itest_client *c,
	    const char *chan);
/* "nick!user@127.0.0.1", the source the server puts on c's messages. */
const char *itest_prefix(const struct itest_client *c, char *out, size_t outsz);
/* itest_prefix() into one of 8 rotating buffers, for use inside expectations. */
const char *itest_pfx(const struct itest_client *c);

/* Fail the running test at file:line with a message. */
void    itest_fail_at(const char *file, int line, const char *fmt, ...)
	    ITEST_PRINTF(3, 4) __attribute__((noreturn));
/* Milliseconds on the monotonic clock. */
int64_t itest_now_ms(void);
void    itest_sleep_ms(int ms);

#endif
