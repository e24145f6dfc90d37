/*
 * Shell: reading the configuration and MOTD files from disk. The parser
 * (config.c) only sees their text; this is the one place a file named
 * by the configuration is opened.
 */
#include "config_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *
config_file_read(const char *path, size_t max, char *why, size_t whylen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL) {
		snprintf(why, whylen, "%s", strerror(errno));
		return NULL;
	}
	if ((buf = malloc(max + 2)) == NULL) {
		fclose(f);
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f))
		snprintf(why, whylen, "%s", strerror(errno));
	else if (n > max)
		snprintf(why, whylen, "larger than %zu bytes", max);
	else if (memchr(buf, '\0', n) != NULL)
		snprintf(why, whylen, "contains a NUL byte");
	else
		why[0] = '\0';
	fclose(f);
	if (why[0] != '\0') {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

int
config_load_file(struct config *cfg, const char *path, char *err,
    size_t errlen)
{
	char why[128], *text;
	int rc;

	if ((text = config_file_read(path, CONFIG_FILE_MAX, why,
	    sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	rc = config_parse_file(cfg, text, path, config_file_read, err, errlen);
	free(text);
	return rc;
}
