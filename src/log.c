/*
 * Levelled logging to stderr with ISO-8601 UTC timestamps. One write per
 * line so lines from a crash or a redirect never interleave.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

void
log_msg(const struct logger *log, enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	char line[1024];
	time_t now = time(NULL);
	struct tm tm;
	size_t n;
	va_list ap;

	if (level > log->level)
		return;
	gmtime_r(&now, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, "%s: ", names[level]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	/* Text from the network must not forge log lines or terminal codes. */
	for (char *p = line + n; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	fprintf(stderr, "%s\n", line);
}
