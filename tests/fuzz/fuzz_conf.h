/*
 * What the harnesses that run a whole server (fuzz_core.c, fuzz_link.c)
 * share: libFuzzer's entry points, a configuration parsed once from text
 * over the defaults (a harness that cannot start aborts, saying why), and
 * an initialisation that makes it before the first input, so that its
 * log_level quiets the run. Each harness defines fuzz_config(), which
 * keeps its struct config and calls fuzz_config_parse() the first time.
 * Included by one harness per binary.
 */
#ifndef IRCSERV_FUZZ_CONF_H
#define IRCSERV_FUZZ_CONF_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"

int     LLVMFuzzerInitialize(int *argc, char ***argv);
int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The harness's configuration, made on the first call. */
static const struct config *fuzz_config(void);

/* Defaults, then text (as a file called who), into cfg; abort on error. */
static void
fuzz_config_parse(struct config *cfg, const char *text, const char *who)
{
	char err[256];

	if (config_defaults(cfg) == -1 ||
	    config_parse_string(cfg, text, "fuzz.conf", err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", who, err);
		abort();
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_config();
	return 0;
}

#endif
