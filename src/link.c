/*
 * Server links (link.h): the state of a link connection, its handshake
 * (PASS, CAPAB, SERVER, SVINFO) checked against the link block, the burst
 * that follows, and the end of a link. A link is registered only once its
 * SERVER has passed every check; until then it may send nothing but the
 * handshake. Established links' commands are in link_proto.c.
 */
#include "link.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "casemap.h"
#include "client.h"
#include "config_block.h"
#include "config_check.h"
#include "crypto.h"
#include "irc.h"
#include "log.h"
#include "msg.h"
#include "network.h"
#include "reply.h"
#include "server.h"

/*
 * What we offer in CAPAB. TS6 makes QS and ENCAP mandatory, so a peer
 * that does not list them (hybrid 8.2 does not) has them all the same.
 * SERVICES tells services that we take ENCAP SU and send ENCAP LOGIN.
 */
#define LINK_CAPAB      "QS ENCAP EX IE TB EOB EUID SERVICES SAVE " LINK_CAP_CTAGS_NAME

static const struct {
	const char *name;
	unsigned bit;
} capab_names[] = {
	{ "QS", LINK_CAP_QS }, { "ENCAP", LINK_CAP_ENCAP }, { "EX", LINK_CAP_EX },
	{ "IE", LINK_CAP_IE }, { "TB", LINK_CAP_TB }, { "TBURST", LINK_CAP_TB },
	{ "EUID", LINK_CAP_EUID }, { "EOB", LINK_CAP_EOB }, { "SAVE", LINK_CAP_SAVE },
	{ LINK_CAP_CTAGS_NAME, LINK_CAP_CTAGS },
};

bool
link_is_up(const struct client *cli)
{
	return cli->local->link != NULL && cli->local->link->up;
}

void
link_free(struct link *l)
{
	if (l == NULL)
		return;
	crypto_wipe(l->pass, sizeof(l->pass));
	free(l);
}

static void
send_intro(struct server *srv, struct client *cli, const struct config_link *b)
{
	const struct netserver *me = &srv->net->me;

	reply_send(cli, "PASS %s TS %d :%s", b->password, LINK_TS_VERSION, me->sid);
	reply_send(cli, "CAPAB :%s", LINK_CAPAB);
	/* hybrid's form: the SID and flags in SERVER too (TS6 takes PASS's). */
	reply_send(cli, "SERVER %s 1 %s + :%s", me->name, me->sid, me->desc);
}

int
link_attach(struct server *srv, struct client *cli, const char *name)
{
	const struct config_link *b = NULL;
	struct link *l;

	if (name != NULL && (b = config_link_find(&srv->cfg, name)) == NULL)
		return -1;
	if (srv->net->me.sid[0] == '\0' || (l = calloc(1, sizeof(*l))) == NULL)
		return -1;
	cli->local->link = l;
	/* A burst is many lines at once: links are not flood-limited. */
	cli->local->flood_exempt = true;
	if (b != NULL) {
		l->outgoing = true;
		snprintf(l->name, sizeof(l->name), "%s", b->name);
		link_peer_attach(srv, l->name, cli);
		send_intro(srv, cli, b);
	}
	return 0;
}

void
link_close(struct server *srv, struct client *cli, const char *reason)
{
	const struct link *l = cli->local->link;

	if (!client_is_closing(cli))
		log_msg(&srv->log, LOG_INFO, "link %s (%s): closing: %s",
		    l && l->server ? l->server->name : l && l->name[0] ? l->name :
		    "(unknown)", client_ip(cli), reason);
	client_close(cli, reason);
}

void
link_broadcast(struct server *srv, struct client *except, const char *fmt, ...)
{
	char line[IRC_LINE_MAX];
	size_t n;
	va_list ap;
	char text[IRC_LINE_MAX];

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	n = msg_format(line, "%s", text);
	for (struct netserver *s = srv->net->me.child; s != NULL; s = s->next)
		if (s->via != except && s->via != NULL)
			client_send(s->via, line, n);
}

/* The line (n bytes) or its tagged form (tn bytes, 0: none) to the link l. */
static void
relay_one(struct client *l, const char *line, size_t n, const char *tagged,
    size_t tn, bool tagmsg)
{
	bool takes = (l->local->link->caps & LINK_CAP_CTAGS) != 0;

	if (takes && tn > 0)
		client_send(l, tagged, tn);
	else if (takes || !tagmsg)
		client_send(l, line, n);
}

void
link_relay(struct server *srv, struct client *only, struct client *except,
    const char *tags, bool tagmsg, const char *fmt, ...)
{
	char text[IRC_LINE_MAX], line[IRC_LINE_MAX];
	char tagged[IRC_CLIENT_TAGS_MAX + IRC_LINE_MAX];
	size_t n, tn = 0;
	va_list ap;
	int w;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	n = msg_format(line, "%s", text);
	if (tags != NULL && tags[0] != '\0') {
		w = snprintf(tagged, sizeof(tagged), "@%s %.*s", tags, (int)n, line);
		tn = w > 0 && (size_t)w < sizeof(tagged) ? (size_t)w : 0;
	}
	if (only != NULL) {
		relay_one(only, line, n, tagged, tn, tagmsg);
		return;
	}
	for (struct netserver *s = srv->net->me.child; s != NULL; s = s->next)
		if (s->via != except && s->via != NULL)
			relay_one(s->via, line, n, tagged, tn, tagmsg);
}

/* PASS <password> [TS <version> [:<SID>]]: kept until SERVER. */
static void
on_pass(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct link *l = cli->local->link;

	if (l->got_pass || msg->nparams < 1)
		return;
	if (strlen(msg->params[0]) >= sizeof(l->pass)) {
		link_close(srv, cli, "Password too long");
		return;
	}
	l->got_pass = true;
	snprintf(l->pass, sizeof(l->pass), "%s", msg->params[0]);
	if (msg->nparams >= 3 && strcmp(msg->params[1], "TS") == 0)
		l->ts_version = atoi(msg->params[2]);
	if (msg->nparams >= 4 && config_sid_is_valid(msg->params[3]))
		snprintf(l->sid, sizeof(l->sid), "%s", msg->params[3]);
}

/* CAPAB :<token> ...: may come more than once; unknown tokens are ignored. */
static void
on_capab(struct client *cli, const struct msg *msg)
{
	char buf[IRC_LINE_MAX], *rest = buf, *tok;

	if (msg->nparams < 1)
		return;
	snprintf(buf, sizeof(buf), "%s", msg->params[msg->nparams - 1]);
	while ((tok = config_next_word(&rest)) != NULL)
		for (size_t i = 0; i < sizeof(capab_names) / sizeof(capab_names[0]); i++)
			if (strcmp(tok, capab_names[i].name) == 0)
				cli->local->link->caps |= capab_names[i].bit;
}

bool
link_name_is_valid(const char *name)
{
	return strlen(name) <= IRC_HOSTLEN && config_host_is_valid(name);
}

/*
 * The checks of a SERVER line, in hybrid's order. Returns NULL when the
 * peer may link, else the reason to drop it with.
 */
static const char *
server_refusal(struct server *srv, struct client *cli, const char *name,
    const char *sid, const struct config_link **block)
{
	struct link *l = cli->local->link;
	const struct config_link *b;

	if (!link_name_is_valid(name))
		return "Bogus server name";
	if (!config_sid_is_valid(sid))
		return "Bogus server ID";
	if (l->outgoing && casemap_cmp(l->name, name) != 0)
		return "Server name mismatch";
	if ((*block = b = config_link_find(&srv->cfg, name)) == NULL)
		return "No link block for this server";
	if (!casemap_match(b->host, client_ip(cli)))
		return "Invalid host";
	if (!l->got_pass || !crypto_str_equal(l->pass, b->password))
		return "Invalid password";
	if (network_find(srv->net, name) != NULL)
		return "Server already exists";
	if (network_find(srv->net, sid) != NULL)
		return "Server ID already in use";
	return NULL;
}

/*
 * Every server we know but the new peer, uplinks first; this server's
 * users; then a PING.
 */
static void
send_burst(struct server *srv, struct client *cli)
{
	const struct network *net = srv->net;

	for (const struct netserver *s = network_walk(net, &net->me); s != NULL;
	    s = network_walk(net, s)) {
		if (s->via == cli)
			continue;
		reply_send(cli, ":%s SID %s %u %s + :%s", s->uplink->sid, s->name,
		    s->hops + 1, s->sid, s->desc);
	}
	link_burst_users(srv, cli);
	link_burst_channels(srv, cli);
	/* Its PONG marks the end of the peer's reading of our burst. */
	reply_send(cli, "PING :%s", net->me.sid);
}

/* SERVER passed: answer (incoming), register, burst, tell the others. */
static void
server_accept(struct server *srv, struct client *cli, const struct config_link *b,
    const char *sid, const char *desc)
{
	struct link *l = cli->local->link;
	struct netserver *s;

	if (!l->outgoing && link_peer_attach(srv, b->name, cli) == -1) {
		link_close(srv, cli, "Link already in progress");
		return;
	}
	snprintf(l->name, sizeof(l->name), "%s", b->name);
	crypto_wipe(l->pass, sizeof(l->pass));
	if (!l->outgoing)
		send_intro(srv, cli, b);
	reply_send(cli, ":%s SVINFO %d %d 0 :%lld", srv->net->me.sid,
	    LINK_TS_VERSION, LINK_TS_VERSION, (long long)srv->now);
	if ((s = network_add(srv->net, &srv->net->me, b->name, sid, desc, cli)) == NULL) {
		link_close(srv, cli, "Too many servers");
		return;
	}
	l->up = true;
	l->server = s;
	l->up_ms = srv->now_ms;
	if (cli->local->recvq.limit < LINK_QUEUE_BYTES)
		cli->local->recvq.limit = LINK_QUEUE_BYTES;
	if (cli->local->sendq.limit < LINK_QUEUE_BYTES)
		cli->local->sendq.limit = LINK_QUEUE_BYTES;
	log_msg(&srv->log, LOG_INFO, "link %s (%s, %s) established", s->name,
	    s->sid, client_ip(cli));
	send_burst(srv, cli);
	link_broadcast(srv, cli, ":%s SID %s 2 %s + :%s", srv->net->me.sid,
	    s->name, s->sid, s->desc);
	server_timer_update(srv, cli);
}

/* SERVER <name> <hops> [<SID> <flags>] :<description> */
static void
on_server(struct server *srv, struct client *cli, const struct msg *msg)
{
	const struct config_link *b = NULL;
	const char *sid, *why;

	if (msg->nparams < 3) {
		link_close(srv, cli, "Not enough parameters for SERVER");
		return;
	}
	/* TS6 gives the SID in PASS; hybrid in SERVER. */
	sid = msg->nparams >= 5 ? msg->params[2] : cli->local->link->sid;
	if (cli->local->link->ts_version != 0 && cli->local->link->ts_version < LINK_TS_VERSION)
		why = "Incompatible TS version";
	else
		why = server_refusal(srv, cli, msg->params[0], sid, &b);
	if (why != NULL) {
		log_msg(&srv->log, LOG_WARN, "link refused from %s as %s: %s",
		    client_ip(cli), msg->params[0], why);
		link_close(srv, cli, why);
		return;
	}
	server_accept(srv, cli, b, sid, msg->params[msg->nparams - 1]);
}

/* Before SERVER: the handshake, and nothing else. */
static void
handshake(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *c = msg->command;
	char reason[64];

	if (strcmp(c, "PASS") == 0)
		on_pass(srv, cli, msg);
	else if (strcmp(c, "CAPAB") == 0)
		on_capab(cli, msg);
	else if (strcmp(c, "SERVER") == 0)
		on_server(srv, cli, msg);
	else if (strcmp(c, "ERROR") == 0)
		link_on_error(srv, cli, msg);
	/* A server may greet any connection with notices; pings wait. */
	else if (strcmp(c, "NOTICE") != 0 && strcmp(c, "PING") != 0 &&
	    strcmp(c, "PONG") != 0) {
		snprintf(reason, sizeof(reason), "Protocol violation: %.20s before SERVER", c);
		link_close(srv, cli, reason);
	}
}

void
link_on_line(struct server *srv, struct client *cli, char *line, size_t len)
{
	struct msg msg;

	if (msg_parse(line, len, &msg) == -1) {
		link_close(srv, cli, "Malformed line");
		return;
	}
	/* Tags (IRCSERV-CTAGS) come on top of the 512 bytes of a line. */
	if (len - (msg.tags ? msg.tags_len : 0) > IRC_LINE_MAX - 2) {
		link_close(srv, cli, "Line too long");
		return;
	}
	if (cli->local->link->up)
		link_proto_dispatch(srv, cli, &msg);
	else
		handshake(srv, cli, &msg);
	/* The SASL agent may have come, gone, or listed new mechanisms. */
	cap_sasl_update(srv);
}

void
link_on_error(struct server *srv, struct client *cli, const struct msg *msg)
{
	char reason[IRC_LINE_MAX];

	snprintf(reason, sizeof(reason), "ERROR from peer: %.200s",
	    msg->nparams > 0 ? msg->params[msg->nparams - 1] : "");
	link_close(srv, cli, reason);
}

/* A server leaves: its users will quit here (netsplit). */
static void
server_gone(void *ud, struct netserver *s)
{
	struct server *srv = ud;

	log_msg(&srv->log, LOG_DEBUG, "server %s (%s) split", s->name, s->sid);
}

void
link_split(struct server *srv, struct netserver *s, struct client *from,
    const char *reason)
{
	link_broadcast(srv, from, ":%s SQUIT %s :%s", s->uplink->sid, s->sid, reason);
	link_remote_split(srv, s);
	network_remove(srv->net, s, server_gone, srv);
}

void
link_lost(struct server *srv, struct client *cli)
{
	struct link *l = cli->local->link;
	const char *reason = cli->close_reason ? cli->close_reason : "Connection closed";

	if (l->server != NULL) {
		log_msg(&srv->log, LOG_INFO, "link %s lost: %s", l->server->name, reason);
		link_split(srv, l->server, cli, reason);
		l->server = NULL;
	}
	if (l->name[0] != '\0')
		link_peer_detach(srv, l->name, cli, l->up ? srv->now_ms - l->up_ms : 0);
	l->up = false;
}

void
link_squit(struct server *srv, struct netserver *s, const char *reason)
{
	if (s->via == NULL)             /* this server: nothing to split */
		return;
	if (s->uplink == &srv->net->me)
		link_close(srv, s->via, reason);
	else
		reply_send(s->via, ":%s SQUIT %s :%s", srv->net->me.sid, s->sid, reason);
}

void
link_rehash(struct server *srv)
{
	struct netserver *me = &srv->net->me;
	const char *sid = srv->cfg.sid;

	if (sid == NULL || strcmp(sid, me->sid) == 0)
		return;
	if (me->sid[0] != '\0') {
		log_msg(&srv->log, LOG_WARN, "sid stays %s until restart", me->sid);
		return;
	}
	if (network_set_sid(srv->net, sid) == -1)
		log_msg(&srv->log, LOG_ERROR, "out of memory setting the sid");
}
