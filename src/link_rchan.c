/*
 * Channels as other servers change them (link.h): SJOIN and JOIN bring
 * their users in (a channel this server does not have is made with the
 * peer's timestamp and modes), PART and KICK take them out, and their
 * channel PRIVMSG and NOTICE reach the members here. Every change is
 * shown to the members here as their clients expect it and passed on
 * to the other links, so each link gets a channel message once.
 *
 * Channel timestamps (ts6.txt, link_cmode_sjoin()): a lower one from a
 * peer replaces ours, and this server's modes, statuses and lists go
 * before the peer's apply; an equal one merges; with a greater one the
 * peer's modes are ignored and its members join without status. Channel
 * modes, INVITE, BMASK and TB are link_cmode.c's.
 */
#include "link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "casemap.h"
#include "channel.h"
#include "client.h"
#include "hmap.h"
#include "history.h"
#include "irc.h"
#include "msg.h"
#include "network.h"
#include "reply.h"
#include "server.h"
#include "ts6.h"

/* The user uid when it is behind the link cli, else NULL. */
static struct client *
remote_user(struct server *srv, struct client *cli, const char *uid)
{
	struct client *u = hmap_get(srv->net->users, uid);

	if (u == NULL || u->server == NULL || u->server->via != cli || client_is_closing(u))
		return NULL;
	return u;
}

/* The channel name, made here with ts when it does not exist. */
static struct channel *
channel_for(struct server *srv, const char *name, int64_t ts, bool *made)
{
	struct channel *chan = channel_find(srv, name);

	*made = false;
	if (chan != NULL || !name_channel_is_valid(name, IRC_CHANNELLEN))
		return chan;
	if ((chan = channel_create(srv, name)) != NULL) {
		chan->created = (time_t)ts;
		*made = true;
	}
	return chan;
}

/* u joins chan with prefix; the members here see the JOIN (and modes). */
static void
remote_join(struct server *srv, struct channel *chan, struct client *u, unsigned prefix)
{
	char line[IRC_LINE_MAX];
	size_t n;

	(void)srv;
	if (channel_member(chan, u) != NULL || channel_join(chan, u, prefix) == NULL)
		return;
	n = reply_format_from(line, u, "JOIN %s", chan->name);
	reply_channel_kept(chan, u, line, n, HISTORY_JOIN);
	if (prefix != 0) {
		n = msg_format(line, ":%s MODE %s +%s%s %s%s%s", u->server->name,
		    chan->name, prefix & MEMBER_OP ? "o" : "", prefix & MEMBER_VOICE ?
		    "v" : "", u->nick, prefix == (MEMBER_OP | MEMBER_VOICE) ? " " : "",
		    prefix == (MEMBER_OP | MEMBER_VOICE) ? u->nick : "");
		reply_channel(chan, u, NULL, line, n);
	}
}

/* :<sid> SJOIN <ts> <channel> <modes> [<args>] :<members> */
static void
on_sjoin(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *cur = msg->params[msg->nparams - 1];
	long long ts = strtoll(msg->params[0], NULL, 10);
	struct ts6_member m;
	struct channel *chan;
	enum ts6_chan_ts rule;
	struct client *u;
	bool made;
	int r;

	if (ts <= 0 || (chan = channel_for(srv, msg->params[1], ts, &made)) == NULL)
		return;
	/* A channel made here has the SJOIN's TS: their modes and statuses count. */
	rule = link_cmode_sjoin(srv, chan, link_server_name(srv, cli, msg->source), ts,
	    msg->params[2], (char *const *)msg->params + 3, msg->nparams - 4);
	while ((r = ts6_sjoin_member(&cur, &m)) != 0) {
		if (r < 0) {
			link_close(srv, cli, "Bogus SJOIN member");
			break;
		}
		if ((u = remote_user(srv, cli, m.uid)) != NULL)
			remote_join(srv, chan, u, rule == TS6_CHAN_KEEP_OURS ? 0 :
			    (m.op ? MEMBER_OP : 0) | (m.voice ? MEMBER_VOICE : 0));
	}
	/* A channel made for members that were all unknown is dropped. */
	if (chan->nmembers == 0)
		channel_free(srv, chan);
}

/* u leaves chan, the members here seeing line. */
static void
remote_part(struct server *srv, struct channel *chan, struct client *u,
    const char *line, size_t n, unsigned kind)
{
	struct membership *m = channel_member(chan, u);

	if (m == NULL)
		return;
	reply_channel_kept(chan, u, line, n, kind);
	channel_part(srv, m);
}

/* :uid TOPIC <channel> :<topic> from a member: set and shown here. */
static void
remote_topic(struct channel *chan, struct client *u, const char *topic)
{
	char line[IRC_LINE_MAX], by[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 3];

	client_prefix(u, by, sizeof(by));
	link_topic_set(chan, topic, by, u->srv->now);
	reply_channel_kept(chan, u, line, reply_format_from(line, u, "TOPIC %s :%s",
	    chan->name, chan->topic ? chan->topic : ""), HISTORY_TOPIC);
}

/* Rebuild msg with its source for the other links. */
static void
forward(struct server *srv, struct client *cli, const struct msg *msg)
{
	char line[IRC_LINE_MAX], tags[IRC_CLIENT_TAGS_MAX] = "";
	size_t n = (size_t)snprintf(line, sizeof(line), ":%s %s", msg->source, msg->command);

	for (int i = 0; i < msg->nparams && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, i == msg->nparams - 1 ?
		    " :%s" : " %s", msg->params[i]);
	/* Client-only tags go on to the links that take them. */
	if (msg->tags != NULL)
		msg_client_tags(msg->tags, tags, sizeof(tags));
	link_relay(srv, NULL, cli, tags, strcmp(msg->command, "TAGMSG") == 0, "%s", line);
}

/*
 * A channel PRIVMSG or NOTICE (kept in the history), or a TAGMSG (to
 * message-tags clients only), from u with its client-only tags; with a
 * STATUSMSG prefix on the target, to the members with that status only.
 */
static void
chan_message(struct server *srv, struct channel *chan, struct client *u,
    const struct msg *msg)
{
	char line[IRC_LINE_MAX], tags[IRC_CLIENT_TAGS_MAX] = "";
	bool tagmsg = strcmp(msg->command, "TAGMSG") == 0;
	char p = msg->params[0][0];
	/* STATUSMSG: "@#chan" reaches ops, "+#chan" voiced users and ops. */
	unsigned need = p == '@' ? MEMBER_OP : p == '+' ? MEMBER_OP | MEMBER_VOICE : 0;
	struct relay r;

	if (msg->tags != NULL)
		msg_client_tags(msg->tags, tags, sizeof(tags));
	relay_init(&r, srv, u, line, tagmsg ? reply_format_from(line, u, "TAGMSG %s",
	    msg->params[0]) : reply_format_from(line, u, "%s %s :%s", msg->command,
	    msg->params[0], msg->params[1]), tags);
	/* A STATUSMSG reaches only some members: it is no part of the history. */
	if (!tagmsg && need == 0)
		relay_keep(&r, chan->name, NULL, msg->command[0] == 'P' ?
		    HISTORY_PRIVMSG : HISTORY_NOTICE);
	for (struct membership *m = chan->members; m; m = m->chan_next)
		if ((need == 0 || (m->prefix & need)) &&
		    (!tagmsg || (client_caps(m->cli) & CAP_MESSAGE_TAGS)))
			relay_send(&r, m->cli);
	relay_done(&r);
}

/* Channel commands from u, a user behind cli: JOIN PART KICK TOPIC PRIVMSG NOTICE. */
static bool
user_channel_cmd(struct server *srv, struct client *cli, struct client *u,
    const struct msg *msg)
{
	const char *c = msg->command;
	struct channel *chan;
	struct client *victim;
	char line[IRC_LINE_MAX];
	long long ts;
	bool made;

	if (strcmp(c, "JOIN") == 0 && msg->nparams >= 2) {
		ts = strtoll(msg->params[0], NULL, 10);
		chan = channel_for(srv, msg->params[1], ts, &made);
		/* ts6.md: a lower TS in a JOIN takes the channel too. */
		if (chan != NULL && !made && ts > 0)
			link_cmode_sjoin(srv, chan, u->server->name, ts, "+", NULL, 0);
		if (chan != NULL)
			remote_join(srv, chan, u, made ? MEMBER_OP : 0);
	} else if (strcmp(c, "PART") == 0 && (chan = channel_find(srv, msg->params[0]))) {
		remote_part(srv, chan, u, line, msg->nparams > 1 ? reply_format_from(line, u,
		    "PART %s :%s", chan->name, msg->params[1]) : reply_format_from(line, u,
		    "PART %s", chan->name), HISTORY_PART);
	} else if (strcmp(c, "KICK") == 0 && msg->nparams >= 2 &&
	    (chan = channel_find(srv, msg->params[0])) != NULL &&
	    (victim = hmap_get(srv->net->users, msg->params[1])) != NULL) {
		remote_part(srv, chan, victim, line, reply_format_from(line, u, "KICK %s %s :%s",
		    chan->name, victim->nick, msg->nparams > 2 ? msg->params[2] : ""),
		    HISTORY_KICK);
	} else if (strcmp(c, "TOPIC") == 0 && msg->nparams >= 2 &&
	    (chan = channel_find(srv, msg->params[0])) != NULL &&
	    channel_member(chan, u) != NULL) {
		remote_topic(chan, u, msg->params[1]);
	} else if ((((strcmp(c, "PRIVMSG") == 0 || strcmp(c, "NOTICE") == 0) &&
	    msg->nparams >= 2) || (strcmp(c, "TAGMSG") == 0 && msg->nparams >= 1)) &&
	    (chan = channel_find(srv, msg->params[0] +
	    (msg->params[0][0] == '@' || msg->params[0][0] == '+'))) != NULL) {
		chan_message(srv, chan, u, msg);
	} else {
		return false;
	}
	forward(srv, cli, msg);
	return true;
}

bool
link_rchan_user(struct server *srv, struct client *cli, struct client *u,
    const struct msg *msg)
{
	if (msg->nparams < 1)
		return false;
	return link_cmode_dispatch(srv, cli, u, msg) || user_channel_cmd(srv, cli, u, msg);
}

bool
link_rchan_server(struct server *srv, struct client *cli, const struct msg *msg)
{
	if (link_cmode_dispatch(srv, cli, NULL, msg))
		return true;
	if (strcmp(msg->command, "SJOIN") != 0 || msg->nparams < 4)
		return false;
	on_sjoin(srv, cli, msg);
	if (!client_is_closing(cli))
		forward(srv, cli, msg);
	return true;
}
