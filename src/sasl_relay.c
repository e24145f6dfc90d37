/*
 * SASL through services (sasl_relay.h): AUTHENTICATE relayed to the agent
 * named by sasl_service as ENCAP SASL, its answers relayed back.
 */
#include "sasl_relay.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "hmap.h"
#include "irc.h"
#include "link.h"
#include "local.h"
#include "log.h"
#include "network.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"
#include "ts6.h"

/* sasl-3.1: a client's chunk is at most 400 bytes. */
#define RELAY_CHUNK     400
/* What a mechanism's name is made of. */
#define MECH_CHARS      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

struct client *
sasl_relay_agent(const struct server *srv)
{
	struct client *a;

	if (srv->cfg.sasl_service == NULL || srv->net->me.sid[0] == '\0')
		return NULL;
	a = hmap_get(srv->nicks, srv->cfg.sasl_service);
	/*
	 * Closing first: a user closed at shutdown may still name a server
	 * its link's reaping has freed.
	 */
	if (a == NULL || client_is_closing(a) || a->server == NULL ||
	    a->server->via == NULL)
		return NULL;
	return a;
}

bool
sasl_relay_busy(const struct client *cli)
{
	return cli->local != NULL && cli->local->extra != NULL &&
	    cli->local->extra->sasl_relay_ms != 0;
}

/* Send one SASL message for cli to the agent a. */
static void
agent_send(struct server *srv, struct client *cli, struct client *a, char mode,
    const char *data)
{
	reply_send(a->server->via, ":%s ENCAP %s SASL %s %s %c %s",
	    srv->net->me.sid, a->server->name, cli->uid, a->uid, mode, data);
}

/* The exchange of cli is over: forget it (and its timer). */
static void
exchange_end(struct server *srv, struct client *cli)
{
	struct local_extra *x = cli->local->extra;

	x->sasl_relay_ms = 0;
	x->sasl_agent[0] = '\0';
	x->sasl_started = false;
	local_extra_trim(cli->local);
	server_timer_update(srv, cli);
}

/* The agent of cli's exchange, if it is still the agent; else NULL. */
static struct client *
exchange_agent(struct server *srv, const struct client *cli)
{
	struct client *a = sasl_relay_agent(srv);

	return a != NULL && strcmp(a->uid, cli->local->extra->sasl_agent) == 0 ? a : NULL;
}

/* Start: the client's address (H), then its mechanism (S). */
static bool
exchange_start(struct server *srv, struct client *cli, struct local_extra *x,
    const char *mech)
{
	struct client *a = sasl_relay_agent(srv);
	char host[IRC_HOSTLEN * 2 + 2];
	const char *ip = client_ip(cli);

	if (a == NULL)
		return false;
	/* A mechanism is one short word of letters, digits, '-' and '_'. */
	if (mech[0] == '\0' || strlen(mech) > 20 || strspn(mech, MECH_CHARS) != strlen(mech) ||
	    link_user_uid(srv, cli)[0] == '\0') {
		local_extra_trim(cli->local);
		reply_numeric(srv, cli, ERR_SASLFAIL);
		return true;
	}
	/* An address starting with ':' would read as the last parameter. */
	snprintf(host, sizeof(host), "%s %s", cli->host, ip[0] == ':' ? cli->host : ip);
	agent_send(srv, cli, a, 'H', host);
	agent_send(srv, cli, a, 'S', mech);
	snprintf(x->sasl_agent, sizeof(x->sasl_agent), "%s", a->uid);
	x->sasl_started = true;
	x->sasl_relay_ms = srv->now_ms > 0 ? srv->now_ms : 1;
	server_timer_update(srv, cli);
	return true;
}

bool
sasl_relay_input(struct server *srv, struct client *cli, const char *arg)
{
	struct local_extra *x = cli->local->extra;
	struct client *a;

	if (x == NULL || x->sasl_relay_ms == 0)
		return (x = local_extra(cli->local)) != NULL &&
		    exchange_start(srv, cli, x, arg);
	if (strlen(arg) > RELAY_CHUNK || strchr(arg, ' ') != NULL || arg[0] == ':') {
		sasl_relay_abort(srv, cli);
		reply_numeric(srv, cli, ERR_SASLTOOLONG);
		return true;
	}
	if ((a = exchange_agent(srv, cli)) == NULL) {
		exchange_end(srv, cli);
		reply_numeric(srv, cli, ERR_SASLFAIL);
		return true;
	}
	agent_send(srv, cli, a, 'C', arg);
	return true;
}

void
sasl_relay_abort(struct server *srv, struct client *cli)
{
	struct client *a;

	if (!sasl_relay_busy(cli))
		return;
	if ((a = exchange_agent(srv, cli)) != NULL)
		agent_send(srv, cli, a, 'D', "A");
	exchange_end(srv, cli);
}

void
sasl_relay_gone(struct server *srv, struct client *cli)
{
	struct client *a;

	if (sasl_relay_busy(cli) && (a = exchange_agent(srv, cli)) != NULL)
		agent_send(srv, cli, a, 'D', "A");
}

/* The local client whose exchange with agent is relayed under id. */
static struct client *
relayed_client(struct server *srv, const char *agent, const char *id)
{
	struct client *cli = ts6_uid_is_valid(id) ? hmap_get(srv->net->users, id) : NULL;

	if (cli == NULL || cli->server != NULL || cli->local == NULL ||
	    cli->local->link != NULL || client_is_closing(cli) || !sasl_relay_busy(cli) ||
	    strcmp(cli->local->extra->sasl_agent, agent) != 0)
		return NULL;
	return cli;
}

/* D <S|F|A>: the exchange ends. */
static void
exchange_done(struct server *srv, struct client *cli, const char *how)
{
	exchange_end(srv, cli);
	if (strcmp(how, "S") == 0) {
		reply_numeric(srv, cli, RPL_SASLSUCCESS);
	} else if (strcmp(how, "A") == 0) {
		reply_numeric(srv, cli, ERR_SASLABORTED);
	} else {
		reply_numeric(srv, cli, ERR_SASLFAIL);
		log_msg(&srv->log, LOG_WARN, "SASL login failed for %s (%s): "
		    "refused by services", client_name(cli), cli->host);
	}
}

void
sasl_relay_on_sasl(struct server *srv, const char *const *p, int n)
{
	struct client *cli;
	const char *data;

	if (n < 4 || p[2][0] == '\0' || p[2][1] != '\0' ||
	    (cli = relayed_client(srv, p[0], p[1])) == NULL)
		return;
	data = p[3];
	switch (p[2][0]) {
	case 'C':
		/* A challenge goes on as it is; it must not make two lines. */
		if (strlen(data) <= RELAY_CHUNK && data[0] != ':' &&
		    strpbrk(data, " \r\n") == NULL)
			reply_send(cli, "AUTHENTICATE %s", data[0] ? data : "+");
		cli->local->extra->sasl_relay_ms = srv->now_ms > 0 ? srv->now_ms : 1;
		server_timer_update(srv, cli);
		break;
	case 'D':
		exchange_done(srv, cli, data);
		break;
	case 'M':
		if (strlen(data) < 200 && strpbrk(data, " \r\n") == NULL)
			reply_numeric(srv, cli, RPL_SASLMECHS, data);
		break;
	default:
		break;
	}
}

void
sasl_relay_on_svslogin(struct server *srv, struct client *link,
    const char *const *p, int n)
{
	struct client *cli;
	struct client *a = sasl_relay_agent(srv);

	/*
	 * SVSLOGIN <target> <nick> <user> <host> <account> ("*": no change):
	 * the account, and the host the account has (a vhost); the nick and
	 * the user stay the client's own.
	 */
	if (n < 5 || a == NULL || a->server->via != link ||
	    (cli = relayed_client(srv, a->uid, p[0])) == NULL)
		return;
	if (strcmp(p[3], "*") != 0 && link_host_valid(p[3]) && strcmp(cli->host, p[3]) != 0 &&
	    link_host_show(srv, cli, p[3]) && client_is_registered(cli))
		link_host_announce(srv, NULL, srv->net->me.sid, cli, p[3]);
	if (strlen(p[4]) <= IRC_ACCOUNTLEN)
		link_account_set(srv, cli, strcmp(p[4], "0") == 0 ? "" : p[4], true);
}

void
sasl_relay_on_mechlist(struct server *srv, const char *list)
{
	char *out = srv->net->sasl_mechs;
	size_t n = strlen(list);

	/* Names and commas only, as the capability's value shows them. */
	if (n > NETWORK_MECHS_MAX || strspn(list, MECH_CHARS ",") != n)
		return;
	memcpy(out, list, n + 1);
}

const char *
sasl_relay_mechs(const struct server *srv)
{
	if (sasl_relay_agent(srv) == NULL || srv->net->sasl_mechs[0] == '\0')
		return NULL;
	return srv->net->sasl_mechs;
}

int64_t
sasl_relay_deadline(const struct client *cli)
{
	if (!sasl_relay_busy(cli))
		return INT64_MAX;
	return cli->local->extra->sasl_relay_ms + SASL_RELAY_TIMEOUT_MS;
}

void
sasl_relay_expire(struct server *srv, struct client *cli)
{
	log_msg(&srv->log, LOG_WARN, "SASL for %s (%s): services did not answer",
	    client_name(cli), cli->host);
	sasl_relay_abort(srv, cli);
	reply_numeric(srv, cli, ERR_SASLFAIL);
}
