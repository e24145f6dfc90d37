/*
 * The oper and account blocks of the configuration file, for the parser
 * in config.c: it hands over the lines of a block, this module checks
 * them and adds the oper or account to the config being built. Problems
 * are written to why without "file:line", which the parser adds. Also
 * frees and copies the opers and accounts of a struct config.
 */
#ifndef IRCSERV_CONFIG_BLOCK_H
#define IRCSERV_CONFIG_BLOCK_H

#include <stdbool.h>

#include "config.h"

enum config_block_kind { CONFIG_BLOCK_NONE, CONFIG_BLOCK_OPER, CONFIG_BLOCK_ACCOUNT };

/* The blocks of one file being read; cfg is borrowed. */
struct config_blocks {
	struct config *cfg;
	enum config_block_kind open;    /* the block being read, or NONE */
	unsigned line;                  /* where it opened */
	bool     opers_seen;            /* the first oper block replaced the list */
	bool     accounts_seen;
	char     why[512];              /* the last problem */
};

void    config_blocks_init(struct config_blocks *b, struct config *cfg);
/* "oper" or "account". */
const char *config_block_name(enum config_block_kind kind);
/*
 * line is "<kind> <name> {" (trimmed; changed in place), seen at lineno.
 * Returns 0, or -1 with the problem in b->why.
 */
int     config_block_open(struct config_blocks *b, char *line, unsigned lineno);
/* "key = value" inside the open block. Returns 0 or -1 (b->why). */
int     config_block_set(struct config_blocks *b, const char *key, char *value);
/* "}" of the open block: checks it is complete. Returns 0 or -1 (b->why). */
int     config_block_close(struct config_blocks *b);

/* Release the opers and accounts of cfg; the lists are left empty. */
void    config_blocks_free(struct config *cfg);
/*
 * Deep-copy the opers and accounts of src into dst, whose lists are
 * overwritten, not freed. Returns 0, or -1 with what was copied so far
 * left for config_free(dst).
 */
int     config_blocks_copy(struct config *dst, const struct config *src);

#endif
