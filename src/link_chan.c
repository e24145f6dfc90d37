/*
 * This server's channels as the links see them (link.h): in a burst,
 * each channel is sent as SJOIN with its timestamp, its simple modes and
 * its members (but those behind the link it goes to) with their status,
 * then its lists and topic (link_cmode_burst()). A long member list takes
 * several SJOIN lines with the same head. Changes by users of this server
 * follow: JOIN, PART, KICK, TOPIC, TMODE, INVITE, channel messages.
 */
#include "link.h"

#include <stdio.h>
#include <string.h>

#include "channel.h"
#include "client.h"
#include "hmap.h"
#include "irc.h"
#include "mode.h"
#include "network.h"
#include "reply.h"
#include "server.h"

/* Room left in an SJOIN line for members, with space for one more. */
#define SJOIN_MEMBERS_MAX (IRC_LINE_MAX - 2 - 16)

/* One channel: SJOIN lines for its members that l does not know, then
 * its lists and topic. */
static void
burst_channel(struct server *srv, struct client *l, const struct channel *c)
{
	char head[IRC_LINE_MAX], members[IRC_LINE_MAX], modes[96];
	size_t hlen, mlen = 0;

	mode_channel_string(c, true, modes, sizeof(modes));
	hlen = (size_t)snprintf(head, sizeof(head), ":%s SJOIN %lld %s %s :",
	    srv->net->me.sid, (long long)c->created, c->name, modes);
	for (const struct membership *m = c->members; m != NULL; m = m->chan_next) {
		const struct client *u = m->cli;

		/* Ours, and those of servers that are not behind l. */
		if (u->uid[0] == '\0' || !client_is_registered(u) || (u->local != NULL &&
		    u->local->link != NULL) || (u->server != NULL && u->server->via == l))
			continue;
		if (hlen + mlen + 12 > SJOIN_MEMBERS_MAX) {
			reply_send(l, "%s%s", head, members);
			mlen = 0;
		}
		mlen += (size_t)snprintf(members + mlen, sizeof(members) - mlen, "%s%s%s%s",
		    mlen ? " " : "", m->prefix & MEMBER_OP ? "@" : "",
		    m->prefix & MEMBER_VOICE ? "+" : "", u->uid);
	}
	if (mlen > 0) {
		reply_send(l, "%s%s", head, members);
		link_cmode_burst(srv, l, c);
	}
}

void
link_burst_channels(struct server *srv, struct client *l)
{
	const struct channel *c;
	size_t it = 0;

	while ((c = hmap_next(srv->channels, &it, NULL)) != NULL)
		burst_channel(srv, l, c);
}

/* Whether cli is a user of this server the links know (it has a UID). */
static bool
known(const struct server *srv, const struct client *cli)
{
	return srv->net->me.child != NULL && cli->local != NULL &&
	    cli->local->link == NULL && cli->uid[0] != '\0';
}

void
link_chan_join(struct server *srv, struct client *cli, const struct channel *chan,
    bool created)
{
	char modes[96];

	if (!known(srv, cli))
		return;
	/* A new channel is an SJOIN, with its modes and its first op. */
	if (created) {
		mode_channel_string(chan, true, modes, sizeof(modes));
		link_broadcast(srv, NULL, ":%s SJOIN %lld %s %s :@%s", srv->net->me.sid,
		    (long long)chan->created, chan->name, modes, cli->uid);
	} else {
		/* ts6.txt v8: JOIN carries no modes, only "+". */
		link_broadcast(srv, NULL, ":%s JOIN %lld %s +", cli->uid,
		    (long long)chan->created, chan->name);
	}
}

void
link_chan_part(struct server *srv, struct client *cli, const struct channel *chan,
    const char *reason)
{
	if (!known(srv, cli))
		return;
	if (reason != NULL && reason[0] != '\0')
		link_broadcast(srv, NULL, ":%s PART %s :%s", cli->uid, chan->name, reason);
	else
		link_broadcast(srv, NULL, ":%s PART %s", cli->uid, chan->name);
}

void
link_chan_kick(struct server *srv, struct client *cli, const struct channel *chan,
    const struct client *victim, const char *reason)
{
	if (known(srv, cli) && victim->uid[0] != '\0')
		link_broadcast(srv, NULL, ":%s KICK %s %s :%s", cli->uid, chan->name,
		    victim->uid, reason);
}

void
link_chan_topic(struct server *srv, struct client *cli, const struct channel *chan)
{
	if (known(srv, cli))
		link_broadcast(srv, NULL, ":%s TOPIC %s :%s", cli->uid, chan->name,
		    chan->topic ? chan->topic : "");
}

void
link_chan_message(struct server *srv, struct client *cli, const char *cmd,
    const char *target, const char *text, const char *tags)
{
	if (!known(srv, cli))
		return;
	if (strcmp(cmd, "TAGMSG") == 0)
		link_relay(srv, NULL, NULL, tags, true, ":%s TAGMSG %s", cli->uid, target);
	else if (text != NULL)
		link_relay(srv, NULL, NULL, tags, false, ":%s %s %s :%s", cli->uid, cmd,
		    target, text);
}

void
link_chan_mode(struct server *srv, struct client *cli, const struct channel *chan,
    const char *modes, const char *args)
{
	if (known(srv, cli))
		link_broadcast(srv, NULL, ":%s TMODE %lld %s %s%s", cli->uid,
		    (long long)chan->created, chan->name, modes, args);
}

void
link_chan_invite(struct server *srv, struct client *cli, const struct client *target,
    const struct channel *chan)
{
	if (known(srv, cli) && target->server != NULL && target->server->via != NULL &&
	    target->uid[0] != '\0')
		reply_send(target->server->via, ":%s INVITE %s %s %lld", cli->uid,
		    target->uid, chan->name, (long long)chan->created);
}
