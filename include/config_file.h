/*
 * Shell: the configuration file and the MOTD file it names, read from
 * disk and handed to the parser (config.h) as text. Only main.c uses
 * this module; the core reloads the configuration through the
 * config_load_fn the shell gave it (server_set_config_path()).
 */
#ifndef IRCSERV_CONFIG_FILE_H
#define IRCSERV_CONFIG_FILE_H

#include <stddef.h>

#include "config.h"

/*
 * The whole file at path, NUL-terminated, if it holds at most max bytes
 * and no NUL. Returns a buffer the caller frees, or NULL with the reason
 * in why. A config_read_fn.
 */
char   *config_file_read(const char *path, size_t max, char *why,
	    size_t whylen);
/*
 * Read the file at path (at most CONFIG_FILE_MAX bytes) and apply it with
 * config_parse_file(), which reads the MOTD file it names. Returns 0, or
 * -1 with *cfg unchanged and an error naming the file (and line, when
 * there is one) in err. A config_load_fn.
 */
int     config_load_file(struct config *cfg, const char *path, char *err,
	    size_t errlen);

#endif
