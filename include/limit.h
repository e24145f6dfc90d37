/*
 * Per-IP connection accounting: how many connections each address holds
 * and how many it opened in the current minute. The server asks before
 * accepting a client and tells when one goes away. Entries exist only
 * while an address has connections or a running rate window.
 */
#ifndef IRCSERV_LIMIT_H
#define IRCSERV_LIMIT_H

#include <stdint.h>

struct limits;

/* Caller frees with limits_free(). NULL when out of memory. */
struct limits *limits_new(void);
/* Accepts NULL. */
void    limits_free(struct limits *l);
/*
 * May ip open another connection at now_ms, given at most max_per_ip at
 * once and rate_per_min a minute (0: no limit)? Returns NULL and counts
 * the connection, or the reason for refusing it (counting nothing).
 */
const char *limits_admit(struct limits *l, const char *ip, unsigned max_per_ip,
	    unsigned rate_per_min, int64_t now_ms);
/* A connection from ip that limits_admit() counted has closed. */
void    limits_release(struct limits *l, const char *ip, int64_t now_ms);

#endif
