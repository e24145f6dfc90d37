/*
 * A vsnprintf() for the few conversions replies use most, without the
 * cost of the C library's stream machinery on every numeric (part of the
 * core; no allocation, no state).
 */
#ifndef IRCSERV_FMT_H
#define IRCSERV_FMT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * vsnprintf(out, size, fmt, ap), the same bytes and result: at most
 * size - 1 bytes and a NUL are written (nothing when size is 0), and the
 * length of the whole text is returned. %s (NULL as "(null)"), %c, %d,
 * %u, %ld, %lu, %lld, %llu, %zu and %% are done here; a format with any
 * other conversion, flag, width or precision is handed to vsnprintf().
 */
int     fmt_vsnprintf(char *out, size_t size, const char *fmt, va_list ap);
/* snprintf() through fmt_vsnprintf(). */
int     fmt_snprintf(char *out, size_t size, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
