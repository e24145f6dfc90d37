/*
 * IRCv3 server-time timestamps, "YYYY-MM-DDThh:mm:ss.sssZ" (UTC, with
 * milliseconds): the time= tag of every message, CHATHISTORY and
 * MARKREAD timestamps. Pure functions on milliseconds since the epoch;
 * no clock is read and no libc time function is called (formatting is on
 * the path of every message kept in the history).
 */
#ifndef IRCSERV_SERVERTIME_H
#define IRCSERV_SERVERTIME_H

#include <stdint.h>

/* "YYYY-MM-DDThh:mm:ss.sssZ" and its NUL. */
#define SERVERTIME_SIZE 25

/*
 * Parse exactly that form (years 1970-9999, a real calendar date, no leap
 * second) into milliseconds since the epoch. Returns 0, or -1 for anything
 * else.
 */
int     servertime_parse(const char *s, int64_t *ms);
/*
 * Format ms in that form into out. Times before the epoch give the epoch,
 * times from the year 10000 on give 9999-12-31T23:59:59.999Z.
 */
void    servertime_format(int64_t ms, char out[SERVERTIME_SIZE]);

#endif
