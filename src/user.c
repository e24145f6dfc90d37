/*
 * User lifecycle (user.h): registration completing, and a registered
 * user leaving. Formats the QUIT once for all peers and the channels'
 * history (reply.c), notifies MONITOR watchers (monitor.c), keeps WHOWAS
 * (whowas.c); the counts are client.c's.
 */
#include "user.h"

#include "client.h"
#include "history.h"
#include "irc.h"
#include "link.h"
#include "log.h"
#include "monitor.h"
#include "reply.h"
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

	if (!cli->was_registered)
		return;
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
