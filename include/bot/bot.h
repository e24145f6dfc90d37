/*
 * The bot's sans-I/O core: it is fed received lines and the clock, and
 * produces the lines to send, paced by a token bucket. It keeps the
 * registration state, the channels it is in, and the state behind the
 * commands (seen, polls, reminders, warnings). The shell (main.c) owns
 * the socket, the poll loop and reconnect timing.
 */
#ifndef IRCSERV_BOT_BOT_H
#define IRCSERV_BOT_BOT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bot/botconf.h"
#include "bot/ircline.h"
#include "bot/moderate.h"
#include "bot/pace.h"
#include "bot/remind.h"
#include "bot/seen.h"
#include "bot/vote.h"

#define BOT_OUTQ_MAX            64      /* paced lines waiting; more are dropped */
#define BOT_URGENTQ_MAX         8       /* PONG, registration, QUIT */
#define BOT_RATE_INTERVAL_MS    1000    /* one line a second ... */
#define BOT_RATE_BURST          4       /* ... after a burst of four */
#define BOT_BACKOFF_MIN_MS      1000
#define BOT_BACKOFF_MAX_MS      60000
#define BOT_IDLE_MS             90000   /* silence before we PING the server */
#define BOT_DEAD_MS             60000   /* then, silence before we give up */
#define BOT_REGISTER_MS         30000   /* to get 001 after connecting */
#define BOT_STABLE_MS           10000   /* registered this long: backoff resets */
#define BOT_NICK_TRIES          8       /* 433s before we give up on a connection */
/* Longest received line we look at: 8191 bytes of tags, then 512. */
#define BOT_RECV_LINE_MAX       (8191 + IRCLINE_MAX)
/* Our text per line, so that the relayed line, with our prefix, fits 512. */
#define BOT_TEXT_MAX            360

/* The clock, injected: monotonic ms for timers, wall time for people. */
struct bot_time {
	int64_t  ms;
	time_t   wall;
};

struct bot_chan {
	char     name[IRCLINE_CHAN_MAX];
	bool     op;            /* we hold +o there (moderation needs it) */
};

struct bot_outq {
	char     lines[BOT_OUTQ_MAX][IRCLINE_MAX + 1];  /* each ends in CR LF */
	size_t   head, len, cap;
};

struct bot {
	struct botconf  cfg;
	char            nick[IRCLINE_NICK_MAX];  /* ours, as the server knows it */
	bool            connected;
	bool            registered;     /* 001 seen on this connection */
	bool            close_wanted;   /* the shell should drop the connection */
	bool            ping_sent;      /* keepalive PING unanswered */
	bool            bot_mode_set;   /* MODE +B sent on this connection */
	unsigned        nick_tries;
	int64_t         started_ms;
	int64_t         connected_ms;
	int64_t         registered_ms;
	int64_t         last_rx_ms;
	int64_t         ping_ms;        /* when the keepalive PING went */
	bool            joins_sent;     /* JOINs queued on this connection */
	struct bot_chan chans[BOTCONF_CHANS_MAX];
	size_t          nchans;
	struct bot_outq urgent;         /* bypasses the bucket */
	struct bot_outq paced;
	unsigned long   dropped;        /* paced lines lost to a full queue */
	struct pace_bucket bucket;
	struct pace_backoff backoff;
	uint64_t        rng;            /* xorshift64* state, never 0 */
	struct seen     seen;
	struct vote     vote;
	struct remind   remind;
	struct moderate mod;
};

/* A bot for cfg (copied); seed feeds !roll. Caller frees with bot_free(). */
struct bot *bot_new(const struct botconf *cfg, struct bot_time now, uint64_t seed);
void    bot_free(struct bot *bot);

/* The connection is up: queues PASS, NICK and USER. */
void    bot_connected(struct bot *bot, struct bot_time now);
/*
 * The connection is gone: forgets per-connection state and unsent lines
 * and returns how long to wait before connecting again (backoff).
 */
int64_t bot_disconnected(struct bot *bot, struct bot_time now);
/* One received line, without CR LF (len bytes, NUL bytes allowed). */
void    bot_on_line(struct bot *bot, const char *line, size_t len, struct bot_time now);
/* Timers: reminders, expired polls, keepalive. Call when bot_timeout_ms() says. */
void    bot_tick(struct bot *bot, struct bot_time now);
/*
 * Copy the next line that may go now (CR LF included) into out; returns
 * its length, 0 when nothing may go yet.
 */
size_t  bot_next_line(struct bot *bot, int64_t now_ms, char *out, size_t outsz);
/* Milliseconds until bot_tick() or bot_next_line() has work; -1: none. */
int64_t bot_timeout_ms(struct bot *bot, int64_t now_ms);
/* True once the connection should be dropped (dead server, QUIT sent). */
bool    bot_wants_close(const struct bot *bot);
/* Queue QUIT with reason, ahead of the paced lines. */
void    bot_quit(struct bot *bot, const char *reason);

/*
 * Queue "PRIVMSG target :text" (NOTICE when notice), paced. The text is
 * cut to BOT_TEXT_MAX at a UTF-8 boundary; control characters that could
 * start CTCP or end the line are replaced by spaces.
 */
void    bot_say(struct bot *bot, const char *target, bool notice, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
/* bot_say() with a va_list. */
void    bot_vsay(struct bot *bot, const char *target, bool notice, const char *fmt,
	    va_list ap) __attribute__((format(printf, 4, 0)));
/* Queue a raw command line (no CR LF), paced; -1 if it does not fit. */
int     bot_send(struct bot *bot, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The channel entry for name if we are in it, or NULL. */
struct bot_chan *bot_chan_find(struct bot *bot, const char *name);
/* A random number in 1..n (n >= 1) from the bot's generator. */
unsigned bot_random(struct bot *bot, unsigned n);

#endif
