/*
 * Command table and dispatch. The table is sorted by name and searched with
 * bsearch; arity and registration are checked here, once, so no handler
 * repeats 451/461 logic. Command names arrive upper-cased from msg_parse().
 */
#include "command.h"

#include <stdlib.h>
#include <string.h>

#include "casemap.h"
#include "cmd.h"
#include "client.h"
#include "msg.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"

static const struct command commands[] = {
	{ "ADMIN",    0, true,  cmd_admin },
	{ "AUTHENTICATE", 1, false, cmd_authenticate },
	{ "AWAY",     0, true,  cmd_away },
	/* Client batches: draft/multiline. */
	{ "BATCH",    1, true,  cmd_batch },
	{ "CAP",      1, false, cmd_cap },
	/* No minimum beyond the subcommand: FAIL CHATHISTORY NEED_MORE_PARAMS. */
	{ "CHATHISTORY", 1, true, cmd_chathistory },
	{ "CONNECT",  1, true,  cmd_connect },
	{ "DIE",      0, true,  cmd_die },
	{ "HELP",     0, true,  cmd_help },
	/* HELPOP is what several servers call HELP; both answer the same. */
	{ "HELPOP",   0, true,  cmd_help },
	{ "INFO",     0, true,  cmd_info },
	{ "INVITE",   0, true,  cmd_invite },
	{ "ISON",     1, true,  cmd_ison },
	{ "JOIN",     1, true,  cmd_join },
	{ "KICK",     2, true,  cmd_kick },
	{ "KILL",     1, true,  cmd_kill },
	{ "KNOCK",    1, true,  cmd_knock },
	{ "LINKS",    0, true,  cmd_links },
	{ "LIST",     0, true,  cmd_list },
	{ "LUSERS",   0, true,  cmd_lusers },
	{ "MAP",      0, true,  cmd_map },
	/* No minimum: a missing target is FAIL MARKREAD NEED_MORE_PARAMS. */
	{ "MARKREAD", 0, true,  cmd_markread },
	/* Also before registration, for one's own metadata (before-connect). */
	{ "METADATA", 2, false, cmd_metadata },
	{ "MODE",     1, true,  cmd_mode },
	{ "MONITOR",  1, true,  cmd_monitor },
	{ "MOTD",     0, true,  cmd_motd },
	{ "NAMES",    0, true,  cmd_names },
	{ "NICK",     0, false, cmd_nick },
	{ "NOTICE",   0, true,  cmd_notice },
	{ "OPER",     2, true,  cmd_oper },
	{ "PART",     1, true,  cmd_part },
	{ "PASS",     1, false, cmd_pass },
	{ "PING",     0, false, cmd_ping },
	{ "PONG",     0, false, cmd_pong },
	{ "PRIVMSG",  0, true,  cmd_privmsg },
	{ "QUIT",     0, false, cmd_quit },
	{ "REDACT",   2, true,  cmd_redact },
	{ "REHASH",   0, true,  cmd_rehash },
	{ "RENAME",   2, true,  cmd_rename },
	{ "SETNAME",  1, true,  cmd_setname },
	{ "SQUIT",    1, true,  cmd_squit },
	{ "STATS",    0, true,  cmd_stats },
	{ "SUMMON",   0, true,  cmd_summon },
	{ "TAGMSG",   0, true,  cmd_tagmsg },
	{ "TIME",     0, true,  cmd_time },
	{ "TOPIC",    1, true,  cmd_topic },
	{ "UPGRADE",  0, true,  cmd_upgrade },
	{ "USER",     4, false, cmd_user },
	{ "USERHOST", 1, true,  cmd_userhost },
	{ "USERS",    0, true,  cmd_users },
	{ "VERSION",  0, true,  cmd_version },
	{ "WALLOPS",  1, true,  cmd_wallops },
	{ "WHO",      0, true,  cmd_who },
	{ "WHOIS",    0, true,  cmd_whois },
	{ "WHOWAS",   0, true,  cmd_whowas },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int
compare_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct command *)elem)->name);
}

const struct command *
command_find(const char *name)
{
	return bsearch(name, commands, NCOMMANDS, sizeof(commands[0]), compare_name);
}

const struct command *
command_table(size_t *n)
{
	*n = NCOMMANDS;
	return commands;
}

void
command_dispatch(struct server *srv, struct client *cli, const struct msg *msg)
{
	const struct command *cmd;

	/* A line of an open client batch is collected, not run (multiline). */
	if (client_is_registered(cli) && batch_takes_line(cli, msg)) {
		batch_line(srv, cli, msg);
		return;
	}
	if ((cmd = command_find(msg->command)) == NULL) {
		reply_numeric(srv, cli, ERR_UNKNOWNCOMMAND, msg->command);
		return;
	}
	srv->cmd_counts[cmd - commands]++;
	srv->cmd_bytes[cmd - commands] += msg->len;
	if (cmd->needs_registration && !client_is_registered(cli)) {
		reply_numeric(srv, cli, ERR_NOTREGISTERED);
		return;
	}
	if (msg->nparams < cmd->min_params) {
		reply_numeric(srv, cli, ERR_NEEDMOREPARAMS, cmd->name);
		return;
	}
	cmd->handler(srv, cli, msg);
}

char *
command_next_item(char **cursor)
{
	char *item = *cursor, *comma;

	if (item == NULL)
		return NULL;
	comma = strchr(item, ',');
	if (comma) {
		*comma = '\0';
		*cursor = comma + 1;
	} else {
		*cursor = NULL;
	}
	return item;
}

bool
command_is_repeat(char *const *v, size_t n, const char *item)
{
	for (size_t i = 0; i < n; i++)
		if (casemap_cmp(v[i], item) == 0)
			return true;
	return false;
}

size_t
command_targets(char **cursor, char **v, size_t max, char **extra)
{
	size_t n = 0;
	char *item;

	*extra = NULL;
	while ((item = command_next_item(cursor)) != NULL) {
		if (*item == '\0' || command_is_repeat(v, n, item))
			continue;
		if (n == max) {
			*extra = item;
			break;
		}
		v[n++] = item;
	}
	return n;
}

bool
command_target_is_us(struct server *srv, struct client *cli, const struct msg *msg,
    int i)
{
	const char *t;

	if (msg->nparams <= i || msg->params[i][0] == '\0')
		return true;
	t = msg->params[i];
	if (casemap_match(t, srv->cfg.server_name) || client_find_user(srv, t))
		return true;
	reply_numeric(srv, cli, ERR_NOSUCHSERVER, t);
	return false;
}
