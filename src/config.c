/*
 * Configuration: the defaults that make "./ircserv <port> <password>" a
 * complete server. Every string field is heap-owned by struct config.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

int
config_set_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

int
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = 6667;
	/*
	 * Sizes: a SendQ of 1 MiB holds several thousand lines, enough for a
	 * client on a slow link to catch up with a busy channel; past it the
	 * client is not reading and is cut off.
	 */
	cfg->max_clients = 10000;
	cfg->chanlimit = 50;
	cfg->maxlist = 100;
	cfg->max_invites = 64;
	cfg->whowas_max = 200;
	cfg->sendq = 1024 * 1024;
	cfg->recvq = 16 * 1024;
	/* Timeouts close to what ngIRCd and hybrid use by default. */
	cfg->reg_timeout_s = 60;
	cfg->ping_freq_s = 120;
	cfg->ping_timeout_s = 60;
	if (config_set_string(&cfg->server_name, "irc.local") == -1 ||
	    config_set_string(&cfg->network, "ircserv") == -1 ||
	    config_set_string(&cfg->description, "ircserv IRC server") == -1 ||
	    config_set_string(&cfg->admin_loc1, "ircserv") == -1 ||
	    config_set_string(&cfg->admin_loc2, "Administrator not configured") == -1 ||
	    config_set_string(&cfg->admin_email, "root@localhost") == -1 ||
	    config_set_string(&cfg->motd,
	    "Welcome to ircserv.\n"
	    "Join a channel with /join #name and say hello.\n"
	    "Type /help for the commands this server knows.") == -1 ||
	    config_set_string(&cfg->password, "") == -1) {
		config_free(cfg);
		return -1;
	}
	return 0;
}

void
config_free(struct config *cfg)
{
	char **fields[] = {
		&cfg->server_name, &cfg->network, &cfg->description,
		&cfg->admin_loc1, &cfg->admin_loc2, &cfg->admin_email,
		&cfg->motd, &cfg->password,
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		free(*fields[i]);
		*fields[i] = NULL;
	}
}
