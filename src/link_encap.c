/*
 * ENCAP (link.h): ":<source> ENCAP <server mask> <subcommand> ..." goes
 * on, unchanged, on each link (never back to the one it came from)
 * toward at least one server whose name matches the mask, and is handled
 * here when this server's name does. Subcommands handled: LOGIN (a
 * user's server says it logged in), SU (services set or clear a user's
 * account), CHGHOST (a user's host changes), RSFNC (services rename a
 * user of this server), and for SASL
 * through services SASL, SVSLOGIN and MECHLIST (sasl_relay.h). Others
 * only pass through.
 */
#include "link.h"

#include <stdio.h>
#include <string.h>

#include "cap.h"
#include "casemap.h"
#include "client.h"
#include "hmap.h"
#include "irc.h"
#include "local.h"
#include "msg.h"
#include "network.h"
#include "numeric.h"
#include "reply.h"
#include "sasl_relay.h"
#include "server.h"
#include "ts6.h"

void
link_account_set(struct server *srv, struct client *u, const char *account,
    bool tell)
{
	char line[IRC_LINE_MAX], prefix[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 3];
	size_t n;

	if (strcmp(client_account(u), account) == 0)
		return;
	if (client_set_account(u, account) == -1) {
		if (u->server == NULL)
			client_close(u, "Out of memory");
		return;
	}
	if (u->server == NULL && u->local != NULL) {
		client_prefix(u, prefix, sizeof(prefix));
		if (account[0])
			reply_numeric(srv, u, RPL_LOGGEDIN, prefix, account, account);
		else
			reply_numeric(srv, u, RPL_LOGGEDOUT, prefix);
		if (tell)
			link_user_login(srv, u);
	}
	if (client_is_registered(u)) {
		n = reply_format_from(line, u, "ACCOUNT %s", account[0] ? account : "*");
		reply_common_cap(srv, u, true, CAP_ACCOUNT_NOTIFY, line, n);
	}
}

/* The user named by uid (or nick), unless it is leaving. */
static struct client *
find_user(struct server *srv, const char *name)
{
	struct client *u = ts6_uid_is_valid(name) ? hmap_get(srv->net->users, name) :
	    client_find_nick(srv, name);

	return u != NULL && !client_is_closing(u) && client_is_registered(u) ? u : NULL;
}

/* An account name as a link gives it: "*" or "0" for none. */
static const char *
account_arg(const char *s)
{
	return strcmp(s, "*") == 0 || strcmp(s, "0") == 0 ? "" : s;
}

/* The subcommand p[0] with its n - 1 parameters, for this server. */
static void
handle(struct server *srv, struct client *cli, struct client *u,
    const char *const *p, int n)
{
	struct client *t;

	if (strcmp(p[0], "LOGIN") == 0 && n >= 2 && u != NULL) {
		/* :<uid> ENCAP * LOGIN <account>: its own server's word. */
		if (strlen(p[1]) <= IRC_ACCOUNTLEN)
			link_account_set(srv, u, account_arg(p[1]), false);
	} else if (strcmp(p[0], "SU") == 0 && n >= 2 && u == NULL) {
		/* :<services> ENCAP * SU <user> [<account>] */
		if ((t = find_user(srv, p[1])) != NULL &&
		    (n < 3 || strlen(p[2]) <= IRC_ACCOUNTLEN))
			link_account_set(srv, t, n >= 3 ? account_arg(p[2]) : "", false);
	} else if (strcmp(p[0], "SASL") == 0) {
		sasl_relay_on_sasl(srv, p + 1, n - 1);
	} else if (strcmp(p[0], "SVSLOGIN") == 0) {
		sasl_relay_on_svslogin(srv, cli, p + 1, n - 1);
	} else if (strcmp(p[0], "MECHLIST") == 0 && n >= 2) {
		sasl_relay_on_mechlist(srv, p[1]);
	} else if (strcmp(p[0], "CHGHOST") == 0 && n >= 3) {
		/* :<source> ENCAP * CHGHOST <uid> :<host>: passed on above. */
		link_remote_chghost(srv, cli, u != NULL ? u->uid : "", p[1], p[2], true);
	} else if (strcmp(p[0], "RSFNC") == 0 && u == NULL) {
		/* :<services> ENCAP <us> RSFNC <uid> <nick> <new TS> <nick TS> */
		link_nick_on_rsfnc(srv, p + 1, n - 1);
	}
}

/* The line to pass on: the message as it came, its last parameter trailing. */
static void
rebuild(char *out, size_t outsz, const char *source, const struct msg *msg)
{
	size_t len = (size_t)snprintf(out, outsz, ":%s ENCAP", source);

	for (int i = 0; i < msg->nparams && len < outsz; i++)
		len += (size_t)snprintf(out + len, outsz - len, " %s%s",
		    i == msg->nparams - 1 ? ":" : "", msg->params[i]);
}

/* Whether a server matching mask is s or behind it (via the same link). */
static bool
matches_toward(const struct network *net, const struct netserver *s, const char *mask)
{
	/* A pre-order walk: s's subtree comes before the next link's servers. */
	for (const struct netserver *t = s; t != NULL && t->via == s->via;
	    t = network_walk(net, t))
		if (casemap_match(mask, t->name))
			return true;
	return false;
}

void
link_encap(struct server *srv, struct client *cli, struct client *u,
    const struct msg *msg)
{
	struct network *net = srv->net;
	const char *source = u != NULL ? u->uid : msg->source ? msg->source :
	    cli->local->link->server->sid;
	char line[IRC_LINE_MAX];

	if (msg->nparams < 2)
		return;
	rebuild(line, sizeof(line), source, msg);
	for (struct netserver *s = net->me.child; s != NULL; s = s->next)
		if (s->via != cli && matches_toward(net, s, msg->params[0]))
			reply_send(s->via, "%s", line);
	if (casemap_match(msg->params[0], net->me.name))
		handle(srv, cli, u, (const char *const *)msg->params + 1, msg->nparams - 1);
}
