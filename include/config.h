/*
 * Server settings. config_defaults() gives everything needed to serve
 * with no file; a configuration file only overrides fields.
 * Ownership: struct config owns every string it points to; config_free()
 * releases them.
 */
#ifndef IRCSERV_CONFIG_H
#define IRCSERV_CONFIG_H

#include <stddef.h>

struct config {
	char    *server_name;
	char    *network;
	char    *description;
	char    *admin_loc1;
	char    *admin_loc2;
	char    *admin_email;
	char    *motd;                  /* MOTD text, lines separated by '\n' */
	char    *password;              /* connection password, never logged */
	unsigned port;

	unsigned max_clients;
	unsigned chanlimit;             /* channels one user may be in */
	unsigned maxlist;               /* entries per list mode (b, e, I) */
	unsigned max_invites;           /* pending invitations kept per channel */
	unsigned whowas_max;            /* WHOWAS history entries */
	size_t   sendq;                 /* bytes queued to a client before it is cut off */
	size_t   recvq;                 /* unprocessed input bytes kept per client */

	unsigned reg_timeout_s;         /* to complete registration */
	unsigned ping_freq_s;           /* idle time before the server PINGs */
	unsigned ping_timeout_s;        /* time to answer that PING */
};

/* Fill *cfg with the defaults; strings are allocated. Returns 0 or -1. */
int     config_defaults(struct config *cfg);
/* Release the strings of *cfg. Accepts a zeroed config. */
void    config_free(struct config *cfg);
/* Replace *field by a copy of value. Returns 0 or -1 (out of memory). */
int     config_set_string(char **field, const char *value);

#endif
