/*
 * Token bucket and reconnect backoff. Credit is counted in milliseconds
 * of sending time, so a bucket never drifts from its rate however often
 * it is asked; a clock that steps back only stops credit from growing.
 */
#include "bot/pace.h"

void
pace_bucket_init(struct pace_bucket *b, int64_t interval_ms, unsigned burst,
    int64_t now_ms)
{
	b->interval_ms = interval_ms > 0 ? interval_ms : 1;
	b->cap_ms = b->interval_ms * (burst > 0 ? burst : 1);
	b->credit_ms = b->cap_ms;
	b->last_ms = now_ms;
}

static void
refill(struct pace_bucket *b, int64_t now_ms)
{
	if (now_ms > b->last_ms) {
		b->credit_ms += now_ms - b->last_ms;
		if (b->credit_ms > b->cap_ms)
			b->credit_ms = b->cap_ms;
	}
	b->last_ms = now_ms;
}

bool
pace_bucket_take(struct pace_bucket *b, int64_t now_ms)
{
	refill(b, now_ms);
	if (b->credit_ms < b->interval_ms)
		return false;
	b->credit_ms -= b->interval_ms;
	return true;
}

void
pace_bucket_charge(struct pace_bucket *b, int64_t now_ms)
{
	refill(b, now_ms);
	b->credit_ms -= b->interval_ms;
	if (b->credit_ms < 0)
		b->credit_ms = 0;
}

int64_t
pace_bucket_wait_ms(struct pace_bucket *b, int64_t now_ms)
{
	refill(b, now_ms);
	return b->credit_ms >= b->interval_ms ? 0 : b->interval_ms - b->credit_ms;
}

void
pace_backoff_init(struct pace_backoff *b, int64_t min_ms, int64_t max_ms)
{
	b->min_ms = min_ms > 0 ? min_ms : 1;
	b->max_ms = max_ms >= b->min_ms ? max_ms : b->min_ms;
	b->next_ms = b->min_ms;
}

int64_t
pace_backoff_next(struct pace_backoff *b)
{
	int64_t d = b->next_ms;

	b->next_ms = d > b->max_ms / 2 ? b->max_ms : d * 2;
	return d;
}

void
pace_backoff_reset(struct pace_backoff *b)
{
	b->next_ms = b->min_ms;
}
