/*
 * This server's channels as the links see them (link.h): in a burst,
 * each channel with users of this server is sent as SJOIN with its
 * timestamp, its simple modes and those members with their status. A
 * long member list takes several SJOIN lines with the same head.
 */
#include "link.h"

#include <stdio.h>
#include <string.h>

#include "channel.h"
#include "client.h"
#include "hmap.h"
#include "irc.h"
#include "network.h"
#include "reply.h"
#include "server.h"

/* Room left in an SJOIN line for members, with space for one more. */
#define SJOIN_MEMBERS_MAX (IRC_LINE_MAX - 2 - 16)

/* "+nt", then the key and the limit as parameters when set. */
static void
chan_modes(const struct channel *c, char *out, size_t outsz)
{
	static const struct {
		unsigned bit;
		char letter;
	} letters[] = {
		{ CMODE_INVITE, 'i' }, { CMODE_MODERATED, 'm' }, { CMODE_NOEXTERNAL, 'n' },
		{ CMODE_PRIVATE, 'p' }, { CMODE_SECRET, 's' }, { CMODE_TOPIC, 't' },
	};
	char flags[16] = "+", args[64] = "";
	size_t n = 1;

	for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
		if (c->modes & letters[i].bit)
			flags[n++] = letters[i].letter;
	if (c->key[0] != '\0') {
		flags[n++] = 'k';
		snprintf(args, sizeof(args), " %s", c->key);
	}
	if (c->limit > 0) {
		flags[n++] = 'l';
		snprintf(args + strlen(args), sizeof(args) - strlen(args), " %u", c->limit);
	}
	flags[n] = '\0';
	snprintf(out, outsz, "%s%s", flags, args);
}

/* One channel: SJOIN lines for its members that are users of this server. */
static void
burst_channel(struct server *srv, struct client *l, const struct channel *c)
{
	char head[IRC_LINE_MAX], members[IRC_LINE_MAX], modes[96];
	size_t hlen, mlen = 0;

	chan_modes(c, modes, sizeof(modes));
	hlen = (size_t)snprintf(head, sizeof(head), ":%s SJOIN %lld %s %s :",
	    srv->net->me.sid, (long long)c->created, c->name, modes);
	for (const struct membership *m = c->members; m != NULL; m = m->chan_next) {
		const struct client *u = m->cli;

		if (u->local == NULL || u->local->link != NULL || u->uid[0] == '\0' ||
		    !client_is_registered(u))
			continue;
		if (hlen + mlen + 12 > SJOIN_MEMBERS_MAX) {
			reply_send(l, "%s%s", head, members);
			mlen = 0;
		}
		mlen += (size_t)snprintf(members + mlen, sizeof(members) - mlen, "%s%s%s%s",
		    mlen ? " " : "", m->prefix & MEMBER_OP ? "@" : "",
		    m->prefix & MEMBER_VOICE ? "+" : "", u->uid);
	}
	if (mlen > 0)
		reply_send(l, "%s%s", head, members);
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
		chan_modes(chan, modes, sizeof(modes));
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
    const char *target, const char *text)
{
	if (known(srv, cli) && text != NULL)
		link_broadcast(srv, NULL, ":%s %s %s :%s", cli->uid, cmd, target, text);
}
