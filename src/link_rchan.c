/*
 * Channels as other servers change them (link.h): SJOIN and JOIN bring
 * their users in (a channel this server does not have is made with the
 * peer's timestamp and modes), PART and KICK take them out, and their
 * channel PRIVMSG and NOTICE reach the members here. Every change is
 * shown to the members here as their clients expect it and passed on
 * to the other links, so each link gets a channel message once.
 *
 * Channel timestamps (ts6.txt): an older one from a peer is taken, and
 * then the peer's statuses count; an equal one merges statuses; with a
 * newer one the peer's members join without status. This server's own
 * modes and statuses are kept in every case for now (not yet removed
 * when the peer's timestamp is older).
 */
#include "link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Simple modes of an SJOIN ("+ntk key"), for a channel made here. */
static void
apply_modes(struct channel *chan, const struct msg *msg, int first)
{
	int arg = first + 1;

	for (const char *p = msg->params[first]; *p; p++) {
		chan->modes |= *p == 'i' ? CMODE_INVITE : *p == 'm' ? CMODE_MODERATED :
		    *p == 'n' ? CMODE_NOEXTERNAL : *p == 'p' ? CMODE_PRIVATE :
		    *p == 's' ? CMODE_SECRET : *p == 't' ? CMODE_TOPIC : 0;
		if (*p == 'k' && arg < msg->nparams - 1)
			snprintf(chan->key, sizeof(chan->key), "%s", msg->params[arg++]);
		else if (*p == 'l' && arg < msg->nparams - 1)
			chan->limit = (unsigned)strtoul(msg->params[arg++], NULL, 10);
	}
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
	rule = made ? TS6_CHAN_TAKE_THEIRS : ts6_channel_ts(chan->created, ts);
	if (made)
		apply_modes(chan, msg, 2);
	else if (rule == TS6_CHAN_TAKE_THEIRS)
		chan->created = (time_t)ts;
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
	free(chan->topic);
	free(chan->topic_by);
	chan->topic = chan->topic_by = NULL;
	if (topic[0] != '\0' && ((chan->topic = strndup(topic, IRC_TOPICLEN)) == NULL ||
	    (chan->topic_by = strdup(by)) == NULL)) {
		free(chan->topic);
		chan->topic = NULL;
	}
	chan->topic_at = u->srv->now;
	reply_channel_kept(chan, u, line, reply_format_from(line, u, "TOPIC %s :%s",
	    chan->name, chan->topic ? chan->topic : ""), HISTORY_TOPIC);
}

/* Rebuild msg with its source for the other links. */
static void
forward(struct server *srv, struct client *cli, const struct msg *msg)
{
	char line[IRC_LINE_MAX];
	size_t n = (size_t)snprintf(line, sizeof(line), ":%s %s", msg->source, msg->command);

	for (int i = 0; i < msg->nparams && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, i == msg->nparams - 1 ?
		    " :%s" : " %s", msg->params[i]);
	link_broadcast(srv, cli, "%s", line);
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
	bool made;

	if (strcmp(c, "JOIN") == 0 && msg->nparams >= 2) {
		chan = channel_for(srv, msg->params[1], strtoll(msg->params[0], NULL, 10), &made);
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
	} else if ((strcmp(c, "PRIVMSG") == 0 || strcmp(c, "NOTICE") == 0) &&
	    msg->nparams >= 2 && (chan = channel_find(srv, msg->params[0] +
	    (msg->params[0][0] == '@' || msg->params[0][0] == '+'))) != NULL) {
		reply_channel_kept(chan, u, line, reply_format_from(line, u, "%s %s :%s", c,
		    msg->params[0], msg->params[1]), c[0] == 'P' ? HISTORY_PRIVMSG :
		    HISTORY_NOTICE);
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
	return user_channel_cmd(srv, cli, u, msg);
}

bool
link_rchan_server(struct server *srv, struct client *cli, const struct msg *msg)
{
	if (strcmp(msg->command, "SJOIN") != 0 || msg->nparams < 4)
		return false;
	on_sjoin(srv, cli, msg);
	if (!client_is_closing(cli))
		forward(srv, cli, msg);
	return true;
}
