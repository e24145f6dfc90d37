/*
 * MONITOR (ircv3.net monitor): clients watch up to MONITOR_MAX nicks and
 * hear 730 when one comes online and 731 when it goes. Replies list many
 * targets per line, split to fit.
 */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

#include "casemap.h"
#include "client.h"
#include "monitor.h"
#include "msg.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"

/* Comma-joined targets, sent as one numeric per full line. */
struct monlist {
	struct server   *srv;
	struct client   *cli;
	const char      *numeric;       /* RPL_MONONLINE, RPL_MONOFFLINE, RPL_MONLIST */
	char             buf[IRC_LINE_MAX];
	size_t           len, room;
};

static void
monlist_init(struct monlist *l, struct server *srv, struct client *cli, const char *numeric)
{
	l->srv = srv;
	l->cli = cli;
	l->numeric = numeric;
	l->len = 0;
	l->buf[0] = '\0';
	/* ":server NNN nick :" around the list, and CR LF. */
	l->room = IRC_LINE_MAX - 2 - 8 - strlen(srv->cfg.server_name) - strlen(client_name(cli));
}

static void
monlist_flush(struct monlist *l)
{
	if (l->len == 0)
		return;
	reply_numeric(l->srv, l->cli, l->numeric, l->buf);
	l->len = 0;
	l->buf[0] = '\0';
}

static void
monlist_add(struct monlist *l, const char *item)
{
	size_t n = strlen(item);

	if (l->len > 0 && l->len + 1 + n > l->room)
		monlist_flush(l);
	l->len += (size_t)snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s%s",
	    l->len ? "," : "", item);
}

/* 730 with nick!user@host for an online nick, 731 with the nick otherwise. */
static void
status_add(struct monlist *on, struct monlist *off, const char *nick)
{
	struct client *t = client_find_nick(on->srv, nick);
	char prefix[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 3];

	if (t != NULL && client_is_registered(t)) {
		client_prefix(t, prefix, sizeof(prefix));
		monlist_add(on, prefix);
	} else {
		monlist_add(off, nick);
	}
}

static void
monitor_plus(struct server *srv, struct client *cli, char *targets)
{
	struct monlist on, off;
	char *nick, *refused = NULL;

	monlist_init(&on, srv, cli, RPL_MONONLINE);
	monlist_init(&off, srv, cli, RPL_MONOFFLINE);
	while ((nick = command_next_item(&targets)) != NULL) {
		if (!name_nick_is_valid(nick, IRC_NICKLEN))
			continue;
		if (monitor_add(srv->monitor, cli, nick) == -1) {
			/* 734 names the refused target and everything after it. */
			if (targets)
				targets[-1] = ',';
			refused = nick;
			break;
		}
		status_add(&on, &off, nick);
	}
	monlist_flush(&on);
	monlist_flush(&off);
	if (refused)
		reply_numeric(srv, cli, ERR_MONLISTFULL, MONITOR_MAX, refused);
}

static void
monitor_minus(struct server *srv, struct client *cli, char *targets)
{
	char *nick;

	while ((nick = command_next_item(&targets)) != NULL)
		monitor_del(srv->monitor, cli, nick);
}

static void
monitor_list(struct server *srv, struct client *cli, bool status)
{
	const struct local_extra *x = cli->local->extra;
	struct monlist on, off;

	monlist_init(&on, srv, cli, status ? RPL_MONONLINE : RPL_MONLIST);
	monlist_init(&off, srv, cli, RPL_MONOFFLINE);
	for (size_t i = 0; x != NULL && i < x->nmonitors; i++) {
		if (status)
			status_add(&on, &off, x->monitors[i]);
		else
			monlist_add(&on, x->monitors[i]);
	}
	monlist_flush(&on);
	monlist_flush(&off);
	if (!status)
		reply_numeric(srv, cli, RPL_ENDOFMONLIST);
}

void
cmd_monitor(struct server *srv, struct client *cli, const struct msg *msg)
{
	char sub = msg->params[0][0];

	if ((sub == '+' || sub == '-') && msg->nparams < 2) {
		reply_numeric(srv, cli, ERR_NEEDMOREPARAMS, "MONITOR");
		return;
	}
	switch (sub) {
	case '+':
		monitor_plus(srv, cli, msg->params[1]);
		break;
	case '-':
		monitor_minus(srv, cli, msg->params[1]);
		break;
	case 'C': case 'c':
		monitor_clear(srv->monitor, cli);
		break;
	case 'L': case 'l':
		monitor_list(srv, cli, false);
		break;
	case 'S': case 's':
		monitor_list(srv, cli, true);
		break;
	default:
		reply_numeric(srv, cli, ERR_UNKNOWNCOMMAND, "MONITOR");
		break;
	}
}
