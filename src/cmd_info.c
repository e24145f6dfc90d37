/*
 * Server information: LUSERS MOTD VERSION TIME
 * ADMIN INFO LINKS STATS USERS SUMMON. Read-only: they answer from the
 * configuration and the server's counters. This is the only server, so
 * a <target> server parameter either names us or gets 402.
 */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

#include "casemap.h"
#include "client.h"
#include "msg.h"
#include "network.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"
#include "user.h"

/* LUSERS MOTD VERSION TIME ADMIN INFO LINKS USERS SUMMON (the 005 lines, LUSERS
   and MOTD themselves are user.c's, shared with the welcome burst) */

void
cmd_lusers(struct server *srv, struct client *cli, const struct msg *msg)
{
	/* LUSERS [<mask> [<target>]]: one server, so the mask changes nothing. */
	if (command_target_is_us(srv, cli, msg, 1))
		user_send_lusers(srv, cli);
}

void
cmd_motd(struct server *srv, struct client *cli, const struct msg *msg)
{
	if (command_target_is_us(srv, cli, msg, 0))
		user_send_motd(srv, cli);
}

void
cmd_version(struct server *srv, struct client *cli, const struct msg *msg)
{
	if (!command_target_is_us(srv, cli, msg, 0))
		return;
	reply_numeric(srv, cli, RPL_VERSION, IRCSERV_VERSION, srv->cfg.server_name,
	    srv->cfg.description);
	/* Modern ircdocs: VERSION is followed by the 005 lines. */
	user_send_isupport(srv, cli);
}

void
cmd_time(struct server *srv, struct client *cli, const struct msg *msg)
{
	char when[64];

	if (!command_target_is_us(srv, cli, msg, 0))
		return;
	reply_format_time(srv->now, when, sizeof(when));
	reply_numeric(srv, cli, RPL_TIME, srv->cfg.server_name, when);
}

void
cmd_admin(struct server *srv, struct client *cli, const struct msg *msg)
{
	const struct config *c = &srv->cfg;

	if (!command_target_is_us(srv, cli, msg, 0))
		return;
	reply_numeric(srv, cli, RPL_ADMINME, c->server_name);
	reply_numeric(srv, cli, RPL_ADMINLOC1, c->admin_loc1 ? c->admin_loc1 : "");
	reply_numeric(srv, cli, RPL_ADMINLOC2, c->admin_loc2 ? c->admin_loc2 : "");
	reply_numeric(srv, cli, RPL_ADMINEMAIL, c->admin_email ? c->admin_email : "");
}

void
cmd_info(struct server *srv, struct client *cli, const struct msg *msg)
{
	char when[64], text[IRC_LINE_MAX];

	if (!command_target_is_us(srv, cli, msg, 0))
		return;
	reply_numeric(srv, cli, RPL_INFO, IRCSERV_VERSION);
	reply_numeric(srv, cli, RPL_INFO,
	    "A small IRC server in C17 (RFC 1459/2812, modern IRC, IRCv3 caps).");
	snprintf(text, sizeof(text), "Serving %s as %s.", srv->cfg.network,
	    srv->cfg.server_name);
	reply_numeric(srv, cli, RPL_INFO, text);
	reply_format_time(srv->started, when, sizeof(when));
	snprintf(text, sizeof(text), "On-line since %s.", when);
	reply_numeric(srv, cli, RPL_INFO, text);
	reply_numeric(srv, cli, RPL_ENDOFINFO);
}

void
cmd_users(struct server *srv, struct client *cli, const struct msg *msg)
{
	(void)msg;
	/* RFC 2812 4.6: USERS may be disabled, and is here. */
	reply_numeric(srv, cli, ERR_USERSDISABLED);
}

void
cmd_summon(struct server *srv, struct client *cli, const struct msg *msg)
{
	(void)msg;
	/* RFC 2812 4.5: no local logins to summon from a network server. */
	reply_numeric(srv, cli, ERR_SUMMONDISABLED);
}

/* STATS */

static void
stats_commands(struct server *srv, struct client *cli)
{
	size_t n;
	const struct command *table = command_table(&n);

	for (size_t i = 0; i < n; i++)
		if (srv->cmd_counts[i] > 0)
			reply_numeric(srv, cli, RPL_STATSCOMMANDS, table[i].name,
			    srv->cmd_counts[i], srv->cmd_bytes[i], 0UL);
}

static void
stats_uptime(struct server *srv, struct client *cli)
{
	long up = (long)(srv->now - srv->started);

	if (up < 0)
		up = 0;
	reply_numeric(srv, cli, RPL_STATSUPTIME, up / 86400, up / 3600 % 24,
	    up / 60 % 60, up % 60);
}

/* One clock of STATS r: its histogram as "<=50us:N ... >50000us:N". */
static void
stats_round_hist(struct server *srv, struct client *cli, const char *name,
    const struct roundstat_clock *c)
{
	char text[IRC_LINE_MAX];
	size_t len = (size_t)snprintf(text, sizeof(text), "%s", name);

	for (size_t i = 0; i < ROUNDSTAT_BUCKETS && len < sizeof(text); i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, " %s%uus:%llu",
		    i < ROUNDSTAT_BUCKETS - 1 ? "<=" : ">",
		    roundstat_bucket_us[i < ROUNDSTAT_BUCKETS - 1 ? i : i - 1],
		    (unsigned long long)c->hist[i]);
	reply_numeric(srv, cli, RPL_STATSDEBUG, "r", text);
}

/* Work time of the loop's rounds (roundstat.h), for operators. */
static void
stats_rounds(struct server *srv, struct client *cli)
{
	const struct roundstat *rs = &srv->rounds;
	char text[IRC_LINE_MAX];
	int64_t wall, cpu;

	if (!(cli->umodes & UMODE_OPER)) {
		reply_numeric(srv, cli, ERR_NOPRIVILEGES);
		return;
	}
	roundstat_take_recent(&srv->rounds, &wall, &cpu);
	snprintf(text, sizeof(text), "rounds %llu wall_ms %llu cpu_ms %llu",
	    (unsigned long long)rs->rounds,
	    (unsigned long long)(rs->wall.total_ns / 1000000),
	    (unsigned long long)(rs->cpu.total_ns / 1000000));
	reply_numeric(srv, cli, RPL_STATSDEBUG, "r", text);
	snprintf(text, sizeof(text), "max wall_us %lld cpu_us %lld",
	    (long long)(rs->wall.max_ns / 1000), (long long)(rs->cpu.max_ns / 1000));
	reply_numeric(srv, cli, RPL_STATSDEBUG, "r", text);
	snprintf(text, sizeof(text), "recent wall_us %lld cpu_us %lld",
	    (long long)(wall / 1000), (long long)(cpu / 1000));
	reply_numeric(srv, cli, RPL_STATSDEBUG, "r", text);
	stats_round_hist(srv, cli, "wall", &rs->wall);
	stats_round_hist(srv, cli, "cpu", &rs->cpu);
	snprintf(text, sizeof(text), "dropped_lines %llu",
	    (unsigned long long)srv->closing_drops);
	reply_numeric(srv, cli, RPL_STATSDEBUG, "r", text);
}

void
cmd_stats(struct server *srv, struct client *cli, const struct msg *msg)
{
	char letter[2] = "*";

	if (!command_target_is_us(srv, cli, msg, 1))
		return;
	if (msg->nparams > 0 && msg->params[0][0] != '\0')
		letter[0] = msg->params[0][0];
	if (letter[0] == 'm')
		stats_commands(srv, cli);
	else if (letter[0] == 'u')
		stats_uptime(srv, cli);
	else if (letter[0] == 'r')
		stats_rounds(srv, cli);
	/* Every query, known or not, ends with 219. */
	reply_numeric(srv, cli, RPL_ENDOFSTATS, letter);
}
