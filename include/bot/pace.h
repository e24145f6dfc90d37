/*
 * Pacing for the bot: a token bucket for its own output, so that it never
 * trips the server's flood control, and an exponential backoff for
 * reconnects. Pure: time is an argument in monotonic milliseconds.
 */
#ifndef IRCSERV_BOT_PACE_H
#define IRCSERV_BOT_PACE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Token bucket: one line every interval_ms, up to burst lines at once.
 * The credit is kept in milliseconds so that no fraction is lost.
 */
struct pace_bucket {
	int64_t  interval_ms;
	int64_t  credit_ms;     /* 0 .. burst * interval_ms */
	int64_t  cap_ms;
	int64_t  last_ms;       /* when credit_ms was last brought up to date */
};

/* A full bucket at now_ms. */
void    pace_bucket_init(struct pace_bucket *b, int64_t interval_ms,
	    unsigned burst, int64_t now_ms);
/* Take one line's worth of credit: true if there was enough. */
bool    pace_bucket_take(struct pace_bucket *b, int64_t now_ms);
/* Spend one line's worth if there is any (for lines that must go anyway). */
void    pace_bucket_charge(struct pace_bucket *b, int64_t now_ms);
/* Milliseconds until pace_bucket_take() would succeed (0: now). */
int64_t pace_bucket_wait_ms(struct pace_bucket *b, int64_t now_ms);

/* Reconnect delays: min_ms, then doubled after each failure, up to max_ms. */
struct pace_backoff {
	int64_t  min_ms;
	int64_t  max_ms;
	int64_t  next_ms;
};

void    pace_backoff_init(struct pace_backoff *b, int64_t min_ms, int64_t max_ms);
/* The delay before the next attempt; doubles the one after it. */
int64_t pace_backoff_next(struct pace_backoff *b);
/* Back to min_ms, after a connection that got registered. */
void    pace_backoff_reset(struct pace_backoff *b);

#endif
