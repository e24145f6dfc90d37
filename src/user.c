/*
 * User lifecycle (user.h): registration completing and the welcome burst
 * (001-005, LUSERS, MOTD), and a registered user leaving. Formats the QUIT
 * once for all peers and the channels' history (reply.c), notifies MONITOR
 * watchers (monitor.c), keeps WHOWAS (whowas.c); the counts are client.c's.
 */
#include "user.h"

#include <string.h>

#include "client.h"
#include "history.h"
#include "hmap.h"
#include "irc.h"
#include "link.h"
#include "log.h"
#include "mode.h"
#include "monitor.h"
#include "network.h"
#include "numeric.h"
#include "reply.h"
#include "sasl_relay.h"
#include "server.h"
#include "whowas.h"

void
user_register(struct server *srv, struct client *cli)
{
	client_set_registered(cli);
	link_user_intro(srv, cli);
	log_msg(&srv->log, LOG_INFO, "registered %s!%s@%s", cli->nick, cli->user,
	    cli->host);
	monitor_notify(srv, cli, true);
}

void
user_quit(struct server *srv, struct client *cli)
{
	char line[IRC_LINE_MAX];
	size_t n;

	if (cli->local != NULL)
		sasl_relay_gone(srv, cli);
	if (!cli->was_registered) {
		/* A UID given early for SASL through services (sasl_relay.h). */
		link_remote_forget(srv, cli);
		return;
	}
	/* RFC 2812 3.1.7: a closed connection is announced as a QUIT. */
	/* close_reason is NULL if strdup() failed in client_close(). */
	n = reply_format_from(line, cli, "QUIT :%s",
	    cli->close_reason != NULL ? cli->close_reason : "Connection closed");
	reply_common_kept(srv, cli, false, line, n, HISTORY_QUIT);
	link_user_quit(srv, cli, cli->close_reason != NULL ? cli->close_reason :
	    "Connection closed");
	monitor_notify(srv, cli, false);
	whowas_add(srv->whowas, cli, srv->now);
	client_uncount(cli);
}

/* Tokens per 005 line, as the modern ircdocs "RPL_ISUPPORT" advise. */
#define USER_ISUPPORT_PER_LINE  13

/* ISUPPORT */

static void
isupport_flush(struct server *srv, struct client *cli, struct reply_words *w,
    size_t room)
{
	if (w->nwords > 0)
		reply_numeric(srv, cli, RPL_ISUPPORT, w->text);
	reply_words_init(w, room);
}

void
user_send_isupport(struct server *srv, struct client *cli)
{
	static const char tail[] = " :are supported by this server";
	size_t room = reply_numeric_room(srv, cli, sizeof(tail));
	struct reply_words w;

	reply_words_init(&w, room);
	for (size_t i = 0; i < srv->nisupport; i++) {
		if (w.nwords == USER_ISUPPORT_PER_LINE)
			isupport_flush(srv, cli, &w, room);
		if (!reply_words_add(&w, srv->isupport[i])) {
			isupport_flush(srv, cli, &w, room);
			reply_words_add(&w, srv->isupport[i]);
		}
	}
	isupport_flush(srv, cli, &w, room);
}

/* LUSERS */

void
user_send_lusers(struct server *srv, struct client *cli)
{
	unsigned links = 0, unknown, local;
	unsigned nchannels = (unsigned)hmap_count(srv->channels);

	/* Servers linked here: bounded by the link blocks. */
	for (const struct netserver *s = srv->net->me.child; s != NULL; s = s->next)
		links++;
	unknown = srv->nclients - srv->nusers - links;
	/* 251 and 266 count the network; 255 and 265 the users here. */
	local = srv->nusers - srv->net->nremote;
	/* RFC 2812 5.1 (251-255): 251 and 255 always, the rest only if non-zero. */
	reply_numeric(srv, cli, RPL_LUSERCLIENT, srv->nusers - srv->ninvisible,
	    srv->ninvisible, srv->net->count);
	if (srv->nopers > 0)
		reply_numeric(srv, cli, RPL_LUSEROP, srv->nopers);
	if (unknown > 0)
		reply_numeric(srv, cli, RPL_LUSERUNKNOWN, unknown);
	if (nchannels > 0)
		reply_numeric(srv, cli, RPL_LUSERCHANNELS, nchannels);
	reply_numeric(srv, cli, RPL_LUSERME, local, links);
	reply_numeric(srv, cli, RPL_LOCALUSERS, local, srv->max_local,
	    local, srv->max_local);
	reply_numeric(srv, cli, RPL_GLOBALUSERS, srv->nusers, srv->max_users,
	    srv->nusers, srv->max_users);
}

void
user_send_motd(struct server *srv, struct client *cli)
{
	const char *p = srv->cfg.motd;
	char line[IRC_LINE_MAX];

	if (p == NULL || *p == '\0') {
		reply_numeric(srv, cli, ERR_NOMOTD);
		return;
	}
	reply_numeric(srv, cli, RPL_MOTDSTART, srv->cfg.server_name);
	while (*p) {
		size_t n = strcspn(p, "\n");
		size_t keep = n;

		if (keep > 0 && p[keep - 1] == '\r')
			keep--;
		if (keep >= sizeof(line))
			keep = sizeof(line) - 1;
		memcpy(line, p, keep);
		line[keep] = '\0';
		reply_numeric(srv, cli, RPL_MOTD, line);
		p += n;
		if (*p == '\n')
			p++;
	}
	reply_numeric(srv, cli, RPL_ENDOFMOTD);
}

void
user_welcome(struct server *srv, struct client *cli)
{
	char prefix[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 3];

	client_prefix(cli, prefix, sizeof(prefix));
	reply_numeric(srv, cli, RPL_WELCOME, srv->cfg.network, prefix);
	reply_numeric(srv, cli, RPL_YOURHOST, srv->cfg.server_name, IRCSERV_VERSION);
	reply_numeric(srv, cli, RPL_CREATED, srv->created);
	reply_numeric(srv, cli, RPL_MYINFO, srv->cfg.server_name, IRCSERV_VERSION,
	    MODE_USER_LETTERS, MODE_CHANNEL_LETTERS, MODE_CHANNEL_PARAM_LETTERS);
	user_send_isupport(srv, cli);
	user_send_lusers(srv, cli);
	user_send_motd(srv, cli);
	if (cli->umodes) {
		char modes[8];

		client_umode_string(cli, modes);
		reply_from(cli, cli, "MODE %s :%s", cli->nick, modes);
	}
}
