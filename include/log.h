/*
 * Levelled log lines on stderr: "2026-11-24T12:00:00Z info: text".
 * The level lives in a struct logger that the caller owns (struct server
 * has one, set from log_level in the configuration), so the module keeps
 * no state. Never log passwords or message contents.
 */
#ifndef IRCSERV_LOG_H
#define IRCSERV_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

struct logger {
	enum log_level level;           /* lines less severe than this are dropped */
};

void    log_msg(const struct logger *log, enum log_level level,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
