/*
 * The commands of an established link (link.h): servers introduced (SID)
 * and split (SQUIT), PING and PONG between servers, SVINFO, EOB, ERROR;
 * users introduced (UID, EUID) are checked and kept (link_remote.c),
 * which also takes the commands of those users.
 * Every message's source must be a server behind the link it came on;
 * one from an unknown source or the wrong direction is dropped (it may
 * have crossed a SQUIT). A message that breaks the rules of the protocol
 * closes the link. Commands not handled yet are ignored.
 */
#include "link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casemap.h"
#include "client.h"
#include "hmap.h"
#include "config_block.h"
#include "irc.h"
#include "log.h"
#include "msg.h"
#include "network.h"
#include "reply.h"
#include "server.h"
#include "ts6.h"

typedef void link_cmd_fn(struct server *srv, struct client *cli,
    struct netserver *src, const struct msg *msg);

/*
 * The server a message comes from: the peer itself when there is no
 * source, else the server named (by SID or name) when it is reached
 * through this link. NULL: drop the message (a user source, for now).
 */
static struct netserver *
source_of(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct netserver *s;

	if (msg->source == NULL)
		return cli->local->link->server;
	if ((s = network_find(srv->net, msg->source)) == NULL || s->via != cli)
		return NULL;
	return s;
}

/* Whether target names this server. */
static bool
is_me(const struct server *srv, const char *target)
{
	const struct netserver *me = &srv->net->me;

	return strcmp(target, me->sid) == 0 || casemap_cmp(target, me->name) == 0;
}

/* PING <origin> [<destination>]: answered here, or passed on. */
static void
on_ping(struct server *srv, struct client *cli, struct netserver *src,
    const struct msg *msg)
{
	const struct netserver *t;

	if (msg->nparams < 1)
		return;
	if (msg->nparams >= 2 && !is_me(srv, msg->params[1])) {
		t = network_find(srv->net, msg->params[1]);
		if (t != NULL && t->via != NULL && t->via != cli)
			reply_send(t->via, ":%s PING %s :%s", src->sid,
			    msg->params[0], t->sid);
		return;
	}
	reply_send(cli, ":%s PONG %s :%s", srv->net->me.sid, srv->net->me.name,
	    msg->params[0]);
}

/* PONG <origin> [<destination>]: the first one for us ends the burst. */
static void
on_pong(struct server *srv, struct client *cli, struct netserver *src,
    const struct msg *msg)
{
	const struct netserver *t;
	struct link *l = cli->local->link;

	if (msg->nparams >= 2 && !is_me(srv, msg->params[1])) {
		t = network_find(srv->net, msg->params[1]);
		if (t != NULL && t->via != NULL && t->via != cli)
			reply_send(t->via, ":%s PONG %s :%s", src->sid,
			    msg->params[0], t->sid);
		return;
	}
	if (!l->eob && src == l->server) {
		l->eob = true;
		src->eob = true;
		log_msg(&srv->log, LOG_INFO, "link %s: end of burst", src->name);
	}
}

/* :<uplink> SID <name> <hops> <SID> [<flags>] :<description> */
static void
on_sid(struct server *srv, struct client *cli, struct netserver *src,
    const struct msg *msg)
{
	const char *name = msg->params[0], *sid = msg->params[2];
	const char *desc = msg->params[msg->nparams - 1];
	struct netserver *s;
	char reason[128];

	if (msg->nparams < 4) {
		link_close(srv, cli, "Not enough parameters for SID");
		return;
	}
	if (!link_name_is_valid(name) || !config_sid_is_valid(sid)) {
		link_close(srv, cli, "Bogus server name or ID introduced");
		return;
	}
	if (network_find(srv->net, name) != NULL || network_find(srv->net, sid) != NULL) {
		snprintf(reason, sizeof(reason), "Server %s (%s) already exists",
		    name, sid);
		link_close(srv, cli, reason);
		return;
	}
	if ((s = network_add(srv->net, src, name, sid, desc, cli)) == NULL) {
		link_close(srv, cli, "Too many servers");
		return;
	}
	log_msg(&srv->log, LOG_INFO, "server %s (%s) introduced by %s", s->name,
	    s->sid, src->name);
	link_broadcast(srv, cli, ":%s SID %s %u %s + :%s", src->sid, s->name,
	    s->hops + 1, s->sid, s->desc);
}

/*
 * SQUIT <server> :<reason>. From the direction of that server it says the
 * server has gone; from elsewhere it asks for the split, which the
 * server's uplink makes.
 */
static void
on_squit(struct server *srv, struct client *cli, struct netserver *src,
    const struct msg *msg)
{
	const char *reason = msg->nparams >= 2 ? msg->params[1] : "";
	struct netserver *t;

	if (msg->nparams < 1)
		return;
	(void)src;
	t = network_find(srv->net, msg->params[0]);
	/* Names and SIDs are found casemapped: "0aa" is this server too. */
	if (is_me(srv, msg->params[0]) || t == &srv->net->me ||
	    t == cli->local->link->server) {
		link_close(srv, cli, reason[0] ? reason : "SQUIT");
		return;
	}
	if (t == NULL)
		return;
	if (t->via == cli) {
		log_msg(&srv->log, LOG_INFO, "server %s split: %s", t->name, reason);
		link_split(srv, t, cli, reason);
	} else {
		link_squit(srv, t, reason);
	}
}

/* SVINFO <current TS> <minimum TS> 0 :<time> */
static void
on_svinfo(struct server *srv, struct client *cli, struct netserver *src,
    const struct msg *msg)
{
	long long delta;

	if (src != cli->local->link->server || msg->nparams < 4)
		return;
	if (atoi(msg->params[0]) < LINK_TS_VERSION || atoi(msg->params[1]) > LINK_TS_VERSION) {
		link_close(srv, cli, "Incompatible TS version");
		return;
	}
	delta = strtoll(msg->params[3], NULL, 10) - (long long)srv->now;
	if (delta > LINK_TS_MAX_DELTA || delta < -LINK_TS_MAX_DELTA) {
		link_close(srv, cli, "Excessive TS delta");
		return;
	}
	if (delta > 30 || delta < -30)
		log_msg(&srv->log, LOG_WARN, "link %s: clocks differ by %lld s",
		    src->name, delta);
	cli->local->link->got_svinfo = true;
}

static void
on_eob(struct server *srv, struct client *cli, struct netserver *src,
    const struct msg *msg)
{
	(void)srv, (void)cli, (void)msg;
	src->eob = true;
}

static void
on_error(struct server *srv, struct client *cli, struct netserver *src,
    const struct msg *msg)
{
	(void)src;
	link_on_error(srv, cli, msg);
}

/*
 * UID or EUID: a user of src. Checked now, so that a peer that sends a
 * malformed one loses its link; users of other servers are not kept yet.
 */
static void
on_uid(struct server *srv, struct client *cli, struct netserver *src,
    const struct msg *msg)
{
	struct ts6_user u;
	const char *why = ts6_parse_user(msg, &u);

	if (why == NULL && strncmp(u.uid, src->sid, TS6_SID_LEN) != 0)
		why = "UID of another server";
	if (why != NULL) {
		link_close(srv, cli, why);
		return;
	}
	link_remote_intro(srv, cli, src, &u);
}

static void
on_kill(struct server *srv, struct client *cli, struct netserver *src,
    const struct msg *msg)
{
	(void)src;
	link_remote_kill(srv, cli, msg);
}

/*
 * A message from a user: from the direction of its server only, else it
 * is dropped (it may have crossed a KILL or a SQUIT). Returns true when
 * the source was a UID.
 */
static bool
user_source(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct client *u;

	if (msg->source == NULL || !ts6_uid_is_valid(msg->source))
		return false;
	u = hmap_get(srv->net->users, msg->source);
	if (u != NULL && u->server != NULL && u->server->via == cli &&
	    !client_is_closing(u))
		link_remote_dispatch(srv, cli, u, msg);
	return true;
}

static void
on_encap(struct server *srv, struct client *cli, struct netserver *src,
    const struct msg *msg)
{
	(void)src;
	link_encap(srv, cli, NULL, msg);
}

static void
on_chghost(struct server *srv, struct client *cli, struct netserver *src,
    const struct msg *msg)
{
	link_remote_chghost(srv, cli, src->sid, msg->params[0], msg->params[1], false);
}

static void
on_save(struct server *srv, struct client *cli, struct netserver *src,
    const struct msg *msg)
{
	link_nick_on_save(srv, cli, src->sid, msg);
}

/* :<sid> WALLOPS :<text>: to the users here with +w, then passed on. */
static void
on_wallops(struct server *srv, struct client *cli, struct netserver *src,
    const struct msg *msg)
{
	char line[IRC_LINE_MAX];

	reply_wallops(srv, NULL, line, msg_format(line, ":%s WALLOPS :%s", src->name,
	    msg->params[0]), false);
	link_broadcast(srv, cli, ":%s WALLOPS :%s", src->sid, msg->params[0]);
}

static void
on_server(struct server *srv, struct client *cli, struct netserver *src,
    const struct msg *msg)
{
	(void)src, (void)msg;
	/* TS6 introduces servers with SID; SERVER is the handshake's only. */
	link_close(srv, cli, "SERVER after registration (use SID)");
}

static const struct {
	const char *name;
	int min_params;
	link_cmd_fn *fn;
} link_cmds[] = {
	{ "CHGHOST", 2, on_chghost },
	{ "ENCAP", 2, on_encap },
	{ "EOB", 0, on_eob },
	{ "ERROR", 0, on_error },
	{ "EUID", 0, on_uid },
	{ "KILL", 1, on_kill },
	{ "PING", 1, on_ping },
	{ "PONG", 1, on_pong },
	{ "SAVE", 2, on_save },
	{ "SERVER", 0, on_server },
	{ "SID", 4, on_sid },
	{ "SQUIT", 1, on_squit },
	{ "SVINFO", 4, on_svinfo },
	{ "UID", 0, on_uid },
	{ "WALLOPS", 1, on_wallops },
};

void
link_proto_dispatch(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct netserver *src;
	char reason[64];

	if (user_source(srv, cli, msg))
		return;
	if (source_of(srv, cli, msg) != NULL && link_rchan_server(srv, cli, msg))
		return;
	/* A numeric: the answer to a remote query, for a user. */
	if (strlen(msg->command) == 3 && strspn(msg->command, "0123456789") == 3) {
		if ((src = source_of(srv, cli, msg)) != NULL)
			link_remote_numeric(srv, cli, src, msg);
		return;
	}
	for (size_t i = 0; i < sizeof(link_cmds) / sizeof(link_cmds[0]); i++) {
		if (strcmp(msg->command, link_cmds[i].name) != 0)
			continue;
		if (msg->nparams < link_cmds[i].min_params) {
			snprintf(reason, sizeof(reason), "Not enough parameters "
			    "for %s", link_cmds[i].name);
			link_close(srv, cli, reason);
			return;
		}
		if ((src = source_of(srv, cli, msg)) == NULL) {
			log_msg(&srv->log, LOG_DEBUG, "link %s: %s from unknown "
			    "source %s dropped", cli->local->link->server->name,
			    msg->command, msg->source);
			return;
		}
		link_cmds[i].fn(srv, cli, src, msg);
		return;
	}
}
