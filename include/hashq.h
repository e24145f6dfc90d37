/*
 * The queue of password checks (OPER, SASL PLAIN). Each check is a
 * PBKDF2 run that the loop works on in slices between rounds of I/O,
 * round-robin over the checks, so a burst of them delays only the clients
 * that asked, never the others. It also keeps the budgets that bound how
 * much hashing peers can ask for: per connection, per address, and a cap
 * on the checks queued at once. Sans-I/O: server_work() drives it.
 */
#ifndef IRCSERV_HASHQ_H
#define IRCSERV_HASHQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct client;
struct hashq;
struct server;

/* Iterations of one slice of a check, and of all slices in one loop round. */
#define HASHQ_SLICE             2000u
#define HASHQ_ROUND             2000u
/* Checks queued at once, server-wide and per address. */
#define HASHQ_MAX_JOBS          32u
#define HASHQ_ADDR_JOBS         4u
/* Token buckets: checks at once, then a steady rate a minute. */
#define HASHQ_ADDR_BURST        8u
#define HASHQ_ADDR_PER_MIN      60u
#define HASHQ_CONN_BURST        3u
#define HASHQ_CONN_PER_MIN      12u

enum hashq_status {
	HASHQ_OK,
	HASHQ_BUSY,             /* the client has a check queued already */
	HASHQ_CONN_BUDGET,      /* this connection asked for too many */
	HASHQ_ADDR_BUDGET,      /* its address asked for too many */
	HASHQ_FULL,             /* HASHQ_MAX_JOBS are queued */
	HASHQ_NOMEM
};

/*
 * Called by hashq_run() when cli's check is done: ok tells whether the
 * password matched; name is the copy of what hashq_add() was given. cli
 * is still linked (maybe closing); the callback may send to it.
 */
typedef void hashq_done(struct server *srv, struct client *cli, bool ok,
	    const char *name);

/* Caller frees with hashq_free(). NULL when out of memory. */
struct hashq *hashq_new(void);
/* Frees the queued checks without calling back. Accepts NULL. */
void    hashq_free(struct hashq *q);

/*
 * Queue a check of password against the stored hash encoded for cli, or,
 * when encoded is NULL or malformed, a stand-in that costs iterations and
 * always fails. name (cut to 63 bytes) is handed back to done. Budgets
 * are charged here, when the check is queued; a flood-exempt client is
 * charged to none but the server-wide cap. While the check is queued,
 * cli->hash_wait is set and the client's further input waits (the core
 * resumes it after done). Returns HASHQ_OK, or why nothing was queued and
 * nothing charged.
 */
enum hashq_status hashq_add(struct hashq *q, struct client *cli,
	    const char *password, const char *encoded, unsigned iterations,
	    const char *name, hashq_done *done, int64_t now_ms);
/*
 * Work up to iterations (in slices of HASHQ_SLICE) on the queued checks,
 * round-robin, and call done for each one finished, then resume that
 * client's input. Returns whether checks are still queued.
 */
bool    hashq_run(struct hashq *q, struct server *srv, unsigned iterations);
/* cli goes away: drop its check, if any, without calling back. */
void    hashq_drop(struct hashq *q, struct client *cli);
/* Why a check was refused, for the log: "too many checks queued" ... */
const char *hashq_status_text(enum hashq_status st);
/* Checks queued now. */
size_t  hashq_count(const struct hashq *q);

#endif
