/*
 * Commands about the network of servers: CONNECT and SQUIT (operators),
 * LINKS and MAP (everyone). The server registry is network.h; linking
 * itself is link.h.
 */
#include <stdio.h>
#include <string.h>

#include "casemap.h"
#include "client.h"
#include "cmd.h"
#include "command.h"
#include "link.h"
#include "msg.h"
#include "network.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"

static bool
is_oper(struct server *srv, struct client *cli)
{
	if (cli->umodes & UMODE_OPER)
		return true;
	reply_numeric(srv, cli, ERR_NOPRIVILEGES);
	return false;
}

/* CONNECT <server>: link to a configured server now. */
void
cmd_connect(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *why;

	if (!is_oper(srv, cli))
		return;
	if (link_connect(srv, msg->params[0], &why) == -1) {
		reply_send(cli, ":%s NOTICE %s :*** CONNECT %s: %s", srv->cfg.server_name,
		    cli->nick, msg->params[0], why);
		return;
	}
	reply_send(cli, ":%s NOTICE %s :*** Connecting to %s", srv->cfg.server_name,
	    cli->nick, msg->params[0]);
}

/* SQUIT <server> [:<reason>]: split a server from the network. */
void
cmd_squit(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct netserver *s;
	char reason[IRC_LINE_MAX];

	if (!is_oper(srv, cli))
		return;
	s = network_find(srv->net, msg->params[0]);
	if (s == NULL || s == &srv->net->me) {
		reply_numeric(srv, cli, ERR_NOSUCHSERVER, msg->params[0]);
		return;
	}
	snprintf(reason, sizeof(reason), "%.200s", msg->nparams > 1 &&
	    msg->params[1][0] ? msg->params[1] : cli->nick);
	reply_send(cli, ":%s NOTICE %s :*** Splitting %s: %s", srv->cfg.server_name,
	    cli->nick, s->name, reason);
	link_squit(srv, s, reason);
}

/* LINKS [[<remote server>] <server mask>] (RFC 2812 3.4.5). */
void
cmd_links(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *mask = msg->nparams > 0 && msg->params[msg->nparams - 1][0] ?
	    msg->params[msg->nparams - 1] : "*";
	const struct network *net = srv->net;

	if (msg->nparams > 1 && !command_target_is_us(srv, cli, msg, 0))
		return;
	for (const struct netserver *s = &net->me; s != NULL; s = network_walk(net, s))
		if (casemap_match(mask, s->name))
			reply_numeric(srv, cli, RPL_LINKS, s->name,
			    s->uplink ? s->uplink->name : s->name, s->hops, s->desc);
	reply_numeric(srv, cli, RPL_ENDOFLINKS, mask);
}

/* MAP: the network as a tree, one server a line, indented by hops. */
void
cmd_map(struct server *srv, struct client *cli, const struct msg *msg)
{
	const struct network *net = srv->net;
	char line[IRC_LINE_MAX];
	unsigned indent;

	(void)msg;
	for (const struct netserver *s = &net->me; s != NULL; s = network_walk(net, s)) {
		/* Deep trees are cut to what one line holds. */
		indent = s->hops > 40 ? 40 : s->hops;
		snprintf(line, sizeof(line), "%*s%s%s [%s] %u hop%s", (int)(indent * 2), "",
		    s->hops ? "`- " : "", s->name, s->sid[0] ? s->sid : "-", s->hops,
		    s->hops == 1 ? "" : "s");
		reply_numeric(srv, cli, RPL_MAP, line);
	}
	reply_numeric(srv, cli, RPL_MAPEND);
}
