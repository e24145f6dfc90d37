/*
 * Operator family: OPER, KILL, WALLOPS, DIE, REHASH. Operators come only
 * from "oper" blocks of the configuration file; with no file there are
 * none. A password check costs a slow hash, so the host is checked first
 * and the check is queued (hashq.h) with the budgets it charges.
 */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

#include "casemap.h"
#include "channel.h"
#include "client.h"
#include "config.h"
#include "crypto.h"
#include "hashq.h"
#include "link.h"
#include "log.h"
#include "msg.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"

static const struct config_oper *
find_oper(const struct server *srv, const char *name)
{
	for (size_t i = 0; i < srv->cfg.nopers; i++)
		if (casemap_cmp(srv->cfg.opers[i].name, name) == 0)
			return &srv->cfg.opers[i];
	return NULL;
}

static bool
oper_host_matches(const struct config_oper *op, const struct client *cli)
{
	char shown[IRC_USERLEN + IRC_HOSTLEN + 2], raw[IRC_USERLEN + IRC_HOSTLEN + 2];

	/*
	 * Masks name the address, as shown ("0::1") or as written ("::1");
	 * never a host services gave.
	 */
	snprintf(shown, sizeof(shown), "%s@%s", cli->user, client_addr(cli));
	snprintf(raw, sizeof(raw), "%s@%s", cli->user, client_ip(cli));
	for (size_t i = 0; i < op->hosts.n; i++)
		if (casemap_match(op->hosts.v[i], shown) || casemap_match(op->hosts.v[i], raw))
			return true;
	return false;
}

static bool
require_oper(struct server *srv, struct client *cli)
{
	if (cli->umodes & UMODE_OPER)
		return true;
	reply_numeric(srv, cli, ERR_NOPRIVILEGES);
	return false;
}

/* The password check of cmd_oper() is done. */
static void
oper_done(struct server *srv, struct client *cli, bool ok, const char *name)
{
	/* The block may have gone with a REHASH while the check ran. */
	const struct config_oper *op = find_oper(srv, name);

	if (!ok || op == NULL) {
		reply_numeric(srv, cli, ERR_PASSWDMISMATCH);
		log_msg(&srv->log, LOG_WARN, "failed OPER %s by %s (%s): bad password",
		    name, client_name(cli), cli->host);
		return;
	}
	if (!(cli->umodes & UMODE_OPER)) {
		client_set_umode(cli, UMODE_OPER, true);
		reply_from(cli, cli, "MODE %s :+o", cli->nick);
	}
	reply_numeric(srv, cli, RPL_YOUREOPER);
	log_msg(&srv->log, LOG_INFO, "OPER %s by %s!%s@%s", op->name, cli->nick, cli->user, cli->host);
}

void
cmd_oper(struct server *srv, struct client *cli, const struct msg *msg)
{
	const struct config_oper *op = find_oper(srv, msg->params[0]);
	enum hashq_status st;

	/* RFC 2812 3.1.4: no block for this name and host -> 491. */
	if (op == NULL || !oper_host_matches(op, cli)) {
		reply_numeric(srv, cli, ERR_NOOPERHOST);
		/* Only a configured name is logged: a swapped one may be a password. */
		log_msg(&srv->log, LOG_WARN, "failed OPER %s by %s (%s): no matching block",
		    op ? op->name : "(unknown name)", client_name(cli), cli->host);
		return;
	}
	/* The answer comes from oper_done() once the queued check is done. */
	st = hashq_add(srv->hashq, cli, msg->params[1], op->hash,
	    CRYPTO_PBKDF2_ITERATIONS, op->name, oper_done, srv->now_ms);
	if (st != HASHQ_OK) {
		reply_send(cli, ":%s NOTICE %s :*** Too many password checks right now, "
		    "try OPER again in a moment", srv->cfg.server_name, cli->nick);
		log_msg(&srv->log, LOG_WARN, "OPER %s by %s (%s) not checked: %s", op->name,
		    client_name(cli), cli->host, hashq_status_text(st));
	}
}

void
cmd_kill(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct client *victim;
	char reason[IRC_LINE_MAX];
	const char *why = msg->nparams > 1 && msg->params[1][0] ? msg->params[1] : cli->nick;

	if (!require_oper(srv, cli))
		return;
	if (casemap_cmp(msg->params[0], srv->cfg.server_name) == 0) {
		reply_numeric(srv, cli, ERR_CANTKILLSERVER);
		return;
	}
	victim = client_find_nick(srv, msg->params[0]);
	if (victim == NULL || !client_is_registered(victim)) {
		reply_numeric(srv, cli, ERR_NOSUCHNICK, msg->params[0]);
		return;
	}
	/* What the victim and everyone sharing a channel see as the reason. */
	snprintf(reason, sizeof(reason), "Killed (%s (%s))", cli->nick, why);
	reply_from(victim, cli, "KILL %s :%s", victim->nick, why);
	log_msg(&srv->log, LOG_INFO, "KILL %s by %s: %s", victim->nick, cli->nick, why);
	/* The killer hears it was done; RFC 2812 defines no reply for it. */
	reply_send(cli, ":%s NOTICE %s :*** Killed %s (%s)", srv->cfg.server_name,
	    cli->nick, victim->nick, why);
	link_user_kill(srv, cli, victim, why);
	client_close(victim, reason);
}

void
cmd_wallops(struct server *srv, struct client *cli, const struct msg *msg)
{
	char line[IRC_LINE_MAX];

	if (!require_oper(srv, cli))
		return;
	reply_wallops(srv, cli, line, reply_format_from(line, cli, "WALLOPS :%s",
	    msg->params[0]), false);
	link_user_wallops(srv, cli, msg->params[0]);
}

void
cmd_die(struct server *srv, struct client *cli, const struct msg *msg)
{
	(void)msg;
	if (!require_oper(srv, cli))
		return;
	log_msg(&srv->log, LOG_INFO, "DIE by %s!%s@%s", cli->nick, cli->user, cli->host);
	srv->stop = true;
}

/*
 * The shell does the upgrade (docs/upgrade.md) after this round: it checks
 * the new binary first and tells the operators how it went.
 */
void
cmd_upgrade(struct server *srv, struct client *cli, const struct msg *msg)
{
	(void)msg;
	if (!require_oper(srv, cli))
		return;
	log_msg(&srv->log, LOG_INFO, "UPGRADE by %s!%s@%s", cli->nick, cli->user, cli->host);
	reply_send(cli, ":%s NOTICE %s :*** Upgrade requested: checking the new binary",
	    srv->cfg.server_name, cli->nick);
	srv->upgrade = true;
}

void
cmd_rehash(struct server *srv, struct client *cli, const struct msg *msg)
{
	char err[512];

	(void)msg;
	if (!require_oper(srv, cli))
		return;
	if (srv->config_path == NULL) {
		reply_send(cli, ":%s NOTICE %s :REHASH: nothing to reload "
		    "(the server was started without -c FILE)",
		    srv->cfg.server_name, cli->nick);
		return;
	}
	reply_numeric(srv, cli, RPL_REHASHING, srv->config_path);
	if (server_rehash(srv, err, sizeof(err)) == -1) {
		reply_send(cli, ":%s NOTICE %s :REHASH failed, configuration kept: %s",
		    srv->cfg.server_name, cli->nick, err);
		log_msg(&srv->log, LOG_ERROR, "REHASH by %s failed: %s", cli->nick, err);
		return;
	}
	log_msg(&srv->log, LOG_INFO, "REHASH by %s: configuration reloaded", cli->nick);
}
