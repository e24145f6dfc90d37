/*
 * The oper, account and link blocks of the configuration file, for the
 * parser in config.c: it hands over the lines of a block, this module
 * checks them and adds the oper, account or link to the config being
 * built. Problems
 * are written to why without "file:line", which the parser adds. Also
 * frees and copies the opers, accounts and links of a struct config.
 */
#ifndef IRCSERV_CONFIG_BLOCK_H
#define IRCSERV_CONFIG_BLOCK_H

#include <stdbool.h>

#include "config.h"

enum config_block_kind {
	CONFIG_BLOCK_NONE, CONFIG_BLOCK_OPER, CONFIG_BLOCK_ACCOUNT, CONFIG_BLOCK_LINK
};

/* The blocks of one file being read; cfg is borrowed. */
struct config_blocks {
	struct config *cfg;
	enum config_block_kind open;    /* the block being read, or NONE */
	unsigned line;                  /* where it opened */
	bool     opers_seen;            /* the first oper block replaced the list */
	bool     accounts_seen;
	bool     links_seen;
	char     why[512];              /* the last problem */
};

void    config_blocks_init(struct config_blocks *b, struct config *cfg);
/* "oper", "account" or "link". */
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

/* Release the opers, accounts and links of cfg; the lists are left empty. */
void    config_blocks_free(struct config *cfg);
/*
 * Deep-copy the opers, accounts and links of src into dst, whose lists are
 * overwritten, not freed. Returns 0, or -1 with what was copied so far
 * left for config_free(dst).
 */
int     config_blocks_copy(struct config *dst, const struct config *src);

/*
 * config_link.c: the link blocks, for config_block.c. Open adds the link
 * name (checked) to b->cfg; set and close check as the others do.
 */
int     config_link_open(struct config_blocks *b, const char *name);
int     config_link_set(struct config_blocks *b, const char *key, char *value);
int     config_link_close(struct config_blocks *b);
void    config_links_free(struct config *cfg);
int     config_links_copy(struct config *dst, const struct config *src);
/* b->why = the formatted problem; returns -1. */
int     config_block_error(struct config_blocks *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* The link block called name (casemapped), or NULL. */
const struct config_link *config_link_find(const struct config *cfg,
	    const char *name);
/* Whether s is a TS6 server ID: a digit, then two of [A-Z0-9]. */
bool    config_sid_is_valid(const char *s);

#endif
