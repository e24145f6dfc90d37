/*
 * Command dispatch: one table row per command {name, min params, needs
 * registration, handler}. command_dispatch() answers 421, 451 and 461
 * centrally, so handlers see only well-formed calls; and the parameter
 * helpers every handler family shares. Handlers live in cmd_<family>.c
 * and are declared in cmd.h, which only command.c and cmd_*.c include.
 */
#ifndef IRCSERV_COMMAND_H
#define IRCSERV_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

struct server;
struct client;
struct channel;
struct msg;

typedef void cmd_handler(struct server *, struct client *, const struct msg *);

struct command {
	const char  *name;
	int          min_params;
	bool         needs_registration;
	cmd_handler *handler;
};

/* The row for name (upper case), or NULL. */
const struct command *command_find(const char *name);
/* The table and its length, sorted by name (for STATS m and tests). */
const struct command *command_table(size_t *n);
/* Check and run msg for cli. */
void    command_dispatch(struct server *srv, struct client *cli, const struct msg *msg);

/* Split the next comma-separated item off *cursor (like strsep). */
char   *command_next_item(char **cursor);
/*
 * ISUPPORT TARGMAX: split the comma-separated list at *cursor into at
 * most max distinct (casemapped) non-empty items in v, in order; repeats
 * are dropped. When more items follow, *extra is the first of them (its
 * list is not split further), else NULL. Returns the number in v.
 */
size_t  command_targets(char **cursor, char **v, size_t max, char **extra);
/* Whether item equals (casemapped) one of the n strings of v. */
bool    command_is_repeat(char *const *v, size_t n, const char *item);
/*
 * RFC 2812 3.4: a <target> names a server (wildcards allowed) or a nick,
 * meaning that user's server. Answers 402 and returns false unless the
 * parameter at index i is absent or leads to us.
 */
bool    command_target_is_us(struct server *srv, struct client *cli,
	    const struct msg *msg, int i);

#endif
