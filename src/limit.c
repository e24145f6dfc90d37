/*
 * Per-IP connection counts and one-minute connection-rate windows, in a
 * hash map keyed on the address text. An entry goes away once its address
 * has no connection and its window has run out, so memory follows the
 * number of active addresses.
 */
#include "limit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "hmap.h"

#define LIMIT_WINDOW_MS 60000
/* Past this many entries, admitting sweeps out idle ones. */
#define LIMIT_SWEEP_AT  4096

struct ipstat {
	char     ip[64];        /* the map key */
	unsigned conns;
	unsigned window_count;
	int64_t  window_start_ms;
};

struct limits {
	struct hmap *map;
	size_t       sweep_at;
};

struct limits *
limits_new(void)
{
	struct limits *l = calloc(1, sizeof(*l));

	if (l == NULL || (l->map = hmap_new()) == NULL) {
		free(l);
		return NULL;
	}
	l->sweep_at = LIMIT_SWEEP_AT;
	return l;
}

void
limits_free(struct limits *l)
{
	struct ipstat *st;
	size_t it = 0;

	if (l == NULL)
		return;
	while ((st = hmap_next(l->map, &it, NULL)) != NULL)
		free(st);
	hmap_free(l->map);
	free(l);
}

static bool
is_idle(const struct ipstat *st, int64_t now_ms)
{
	return st->conns == 0 && now_ms - st->window_start_ms >= LIMIT_WINDOW_MS;
}

/* Drop idle entries: collect them first, as the map must not change while iterated. */
static void
sweep(struct limits *l, int64_t now_ms)
{
	struct ipstat *st, **idle = calloc(hmap_count(l->map), sizeof(*idle));
	size_t it = 0, n = 0;

	if (idle != NULL) {
		while ((st = hmap_next(l->map, &it, NULL)) != NULL)
			if (is_idle(st, now_ms))
				idle[n++] = st;
		for (size_t i = 0; i < n; i++) {
			hmap_del(l->map, idle[i]->ip);
			free(idle[i]);
		}
		free(idle);
	}
	l->sweep_at = hmap_count(l->map) * 2 > LIMIT_SWEEP_AT ?
	    hmap_count(l->map) * 2 : LIMIT_SWEEP_AT;
}

const char *
limits_admit(struct limits *l, const char *ip, unsigned max_per_ip,
    unsigned rate_per_min, int64_t now_ms)
{
	struct ipstat *st = hmap_get(l->map, ip);

	if (st == NULL) {
		if (hmap_count(l->map) >= l->sweep_at)
			sweep(l, now_ms);
		if ((st = calloc(1, sizeof(*st))) == NULL)
			return "Out of memory";
		snprintf(st->ip, sizeof(st->ip), "%s", ip);
		st->window_start_ms = now_ms;
		if (hmap_put(l->map, st->ip, st) == -1) {
			free(st);
			return "Out of memory";
		}
	}
	if (now_ms - st->window_start_ms >= LIMIT_WINDOW_MS) {
		st->window_start_ms = now_ms;
		st->window_count = 0;
	}
	if (max_per_ip && st->conns >= max_per_ip)
		return "Too many connections from your host";
	if (rate_per_min && st->window_count >= rate_per_min)
		return "Connecting too fast from your host, try again in a minute";
	st->conns++;
	st->window_count++;
	return NULL;
}

void
limits_release(struct limits *l, const char *ip, int64_t now_ms)
{
	struct ipstat *st = hmap_get(l->map, ip);

	if (st == NULL || st->conns == 0)
		return;
	st->conns--;
	if (is_idle(st, now_ms)) {
		hmap_del(l->map, st->ip);
		free(st);
	}
}
