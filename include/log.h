/*
 * Levelled log lines on stderr: "2026-11-24T12:00:00Z info: text".
 * The level is the module's only state, set once at start. Never log
 * passwords or message contents.
 */
#ifndef IRCSERV_LOG_H
#define IRCSERV_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void    log_set_level(enum log_level level);
void    log_msg(enum log_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
