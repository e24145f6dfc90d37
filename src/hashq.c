/*
 * Password checks as queued work: a FIFO of PBKDF2 states that hashq_run()
 * advances one slice at a time, moving each unfinished check to the back,
 * and the token buckets that decide whether a check may be queued. A
 * check belongs to its client; hashq_drop() forgets it when the client is
 * reaped, so no callback ever sees a freed client.
 */
#include "hashq.h"

#include <stdio.h>
#include <stdlib.h>

#include "client.h"
#include "crypto.h"
#include "hmap.h"
#include "server.h"

/* Past this many address entries, queueing sweeps out idle ones. */
#define HASHQ_SWEEP_AT  1024

struct hashq_addr {
	char     ip[64];        /* the map key */
	int64_t  debt_ms;       /* token bucket: when its debt runs out */
	unsigned njobs;         /* checks queued for this address */
};

struct hashq_job {
	struct client      *cli;
	struct hashq_addr  *addr;
	struct crypto_verify v;
	hashq_done         *done;
	char                name[64];
	struct hashq_job   *next;
};

struct hashq {
	struct hashq_job   *head, *tail;
	size_t              njobs;
	struct hmap        *addrs;  /* ip -> struct hashq_addr */
	size_t              sweep_at;
};

struct hashq *
hashq_new(void)
{
	struct hashq *q = calloc(1, sizeof(*q));

	if (q == NULL || (q->addrs = hmap_new()) == NULL) {
		free(q);
		return NULL;
	}
	q->sweep_at = HASHQ_SWEEP_AT;
	return q;
}

static void
job_free(struct hashq_job *job)
{
	/* The state holds password-derived keys. */
	crypto_verify_cancel(&job->v);
	free(job);
}

void
hashq_free(struct hashq *q)
{
	struct hashq_job *job, *next;
	struct hashq_addr *a;
	size_t it = 0;

	if (q == NULL)
		return;
	for (job = q->head; job; job = next) {
		next = job->next;
		job_free(job);
	}
	while ((a = hmap_next(q->addrs, &it, NULL)) != NULL)
		free(a);
	hmap_free(q->addrs);
	free(q);
}

const char *
hashq_status_text(enum hashq_status st)
{
	switch (st) {
	case HASHQ_OK:
		return "queued";
	case HASHQ_BUSY:
		return "a check is in progress";
	case HASHQ_CONN_BUDGET:
		return "too many checks on this connection";
	case HASHQ_ADDR_BUDGET:
		return "too many checks from this address";
	case HASHQ_FULL:
		return "too many checks queued";
	case HASHQ_NOMEM:
		break;
	}
	return "out of memory";
}

size_t
hashq_count(const struct hashq *q)
{
	return q->njobs;
}

/*
 * A token bucket kept as the time its debt runs out: burst checks at once,
 * then one every 60000 / per_min ms. Charges one check when it fits.
 */
static bool
bucket_take(int64_t *debt_ms, unsigned burst, unsigned per_min, int64_t now_ms)
{
	const int64_t cost = 60000 / per_min;

	if (*debt_ms < now_ms - cost * burst)
		*debt_ms = now_ms - cost * burst;
	if (*debt_ms + cost > now_ms)
		return false;
	*debt_ms += cost;
	return true;
}

static bool
addr_is_idle(const struct hashq_addr *a, int64_t now_ms)
{
	const int64_t cost = 60000 / HASHQ_ADDR_PER_MIN;

	return a->njobs == 0 && a->debt_ms <= now_ms - cost * HASHQ_ADDR_BURST;
}

/* Drop entries whose bucket is full again; collected first, as the map must not change while iterated. */
static void
sweep(struct hashq *q, int64_t now_ms)
{
	struct hashq_addr *a, **idle = calloc(hmap_count(q->addrs), sizeof(*idle));
	size_t it = 0, n = 0;

	if (idle != NULL) {
		while ((a = hmap_next(q->addrs, &it, NULL)) != NULL)
			if (addr_is_idle(a, now_ms))
				idle[n++] = a;
		for (size_t i = 0; i < n; i++) {
			hmap_del(q->addrs, idle[i]->ip);
			free(idle[i]);
		}
		free(idle);
	}
	q->sweep_at = hmap_count(q->addrs) * 2 > HASHQ_SWEEP_AT ?
	    hmap_count(q->addrs) * 2 : HASHQ_SWEEP_AT;
}

static struct hashq_addr *
addr_get(struct hashq *q, const char *ip, int64_t now_ms)
{
	struct hashq_addr *a = hmap_get(q->addrs, ip);

	if (a != NULL)
		return a;
	if (hmap_count(q->addrs) >= q->sweep_at)
		sweep(q, now_ms);
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	snprintf(a->ip, sizeof(a->ip), "%s", ip);
	a->debt_ms = INT64_MIN / 2;
	if (hmap_put(q->addrs, a->ip, a) == -1) {
		free(a);
		return NULL;
	}
	return a;
}

/* Check the budgets and charge them; HASHQ_OK or why not (nothing charged). */
static enum hashq_status
charge(struct hashq *q, struct client *cli, struct hashq_addr *a, int64_t now_ms)
{
	struct local_extra *x;
	int64_t conn, addr = a->debt_ms;

	if (cli->local->hash_wait)
		return HASHQ_BUSY;
	if (q->njobs >= HASHQ_MAX_JOBS)
		return HASHQ_FULL;
	if (cli->local->flood_exempt)
		return HASHQ_OK;
	if ((x = local_extra(cli->local)) == NULL)
		return HASHQ_NOMEM;
	conn = x->hash_debt_ms;
	if (!bucket_take(&conn, HASHQ_CONN_BURST, HASHQ_CONN_PER_MIN, now_ms))
		return HASHQ_CONN_BUDGET;
	if (a->njobs >= HASHQ_ADDR_JOBS ||
	    !bucket_take(&addr, HASHQ_ADDR_BURST, HASHQ_ADDR_PER_MIN, now_ms))
		return HASHQ_ADDR_BUDGET;
	x->hash_debt_ms = conn;
	a->debt_ms = addr;
	return HASHQ_OK;
}

static struct hashq_job *
pop_head(struct hashq *q)
{
	struct hashq_job *job = q->head;

	q->head = job->next;
	if (q->head == NULL)
		q->tail = NULL;
	job->next = NULL;
	q->njobs--;
	job->addr->njobs--;
	return job;
}

static void
push_tail(struct hashq *q, struct hashq_job *job)
{
	if (q->tail)
		q->tail->next = job;
	else
		q->head = job;
	q->tail = job;
	q->njobs++;
	job->addr->njobs++;
}

enum hashq_status
hashq_add(struct hashq *q, struct client *cli, const char *password,
    const char *encoded, unsigned iterations, const char *name,
    hashq_done *done, int64_t now_ms)
{
	struct hashq_addr *a = addr_get(q, client_addr(cli), now_ms);
	struct hashq_job *job;
	enum hashq_status st;

	if (a == NULL)
		return HASHQ_NOMEM;
	if ((st = charge(q, cli, a, now_ms)) != HASHQ_OK)
		return st;
	if ((job = calloc(1, sizeof(*job))) == NULL)
		return HASHQ_NOMEM;
	if (encoded == NULL || crypto_verify_begin(&job->v, password, encoded) == -1)
		crypto_verify_begin_dummy(&job->v, password, iterations);
	job->cli = cli;
	job->addr = a;
	job->done = done;
	snprintf(job->name, sizeof(job->name), "%s", name);
	push_tail(q, job);
	cli->local->hash_wait = true;
	return HASHQ_OK;
}

static void
finish(struct server *srv, struct hashq_job *job)
{
	struct client *cli = job->cli;
	bool ok = crypto_verify_end(&job->v);

	cli->local->hash_wait = false;
	if (!client_is_closing(cli)) {
		job->done(srv, cli, ok, job->name);
		/* Lines that arrived meanwhile were held: go on with them. */
		if (!client_is_closing(cli))
			server_on_input(srv, cli);
	}
	free(job);
}

bool
hashq_run(struct hashq *q, struct server *srv, unsigned iterations)
{
	struct hashq_job *job;
	unsigned n;

	while (q->head != NULL && iterations > 0) {
		/* Off the queue while it runs: done may queue another check. */
		job = pop_head(q);
		n = iterations < HASHQ_SLICE ? iterations : HASHQ_SLICE;
		iterations -= n;
		if (crypto_verify_run(&job->v, n))
			finish(srv, job);
		else
			push_tail(q, job);
	}
	return q->head != NULL;
}

void
hashq_drop(struct hashq *q, struct client *cli)
{
	struct hashq_job **p = &q->head, *job, *prev = NULL;

	if (cli->local == NULL || !cli->local->hash_wait)
		return;
	while ((job = *p) != NULL) {
		if (job->cli != cli) {
			prev = job;
			p = &job->next;
			continue;
		}
		*p = job->next;
		if (q->tail == job)
			q->tail = prev;
		q->njobs--;
		job->addr->njobs--;
		job_free(job);
		break;
	}
	cli->local->hash_wait = false;
}
