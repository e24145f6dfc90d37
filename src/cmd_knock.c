/*
 * KNOCK: ask the operators of a channel one cannot join (+i, +k, or full)
 * for an invitation (ISUPPORT KNOCK, numerics 710-714). Two rate limits
 * keep it from being a way to flood operators: each user may have one
 * knock delivered per knock_user_delay seconds, and each channel takes one
 * per knock_channel_delay seconds, whoever knocks (config.h).
 */
#include "cmd.h"

#include <stdint.h>

#include "channel.h"
#include "client.h"
#include "msg.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"

static bool
too_soon(const struct server *srv, int64_t last_ms, int64_t delay_ms)
{
	return last_ms != 0 && srv->now_ms - last_ms < delay_ms;
}

/* Whether chan keeps cli out now: invite-only, keyed, or full. */
static bool
is_closed(const struct channel *chan)
{
	return (chan->modes & CMODE_INVITE) || chan->key[0] != '\0' ||
	    (chan->limit != 0 && chan->nmembers >= chan->limit);
}

/* The numeric refusing the knock, with its channel argument; NULL to go on. */
static const char *
knock_refusal(const struct client *cli, const struct channel *chan)
{
	if (channel_member(chan, cli) != NULL)
		return ERR_KNOCKONCHAN;
	/* A private channel takes no knocks; a banned user may not ask. */
	if ((chan->modes & CMODE_PRIVATE) ||
	    (channel_is_banned(chan, cli) && !channel_is_invited(chan, cli)))
		return ERR_CANNOTSENDTOCHAN;
	if (!is_closed(chan))
		return ERR_CHANOPEN;
	return NULL;
}

void
cmd_knock(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct channel *chan = channel_find(srv, msg->params[0]);
	char who[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 3];
	const char *refusal;
	struct local_extra *x = cli->local->extra;

	/* A secret channel is not admitted to outsiders. */
	if (chan == NULL || ((chan->modes & CMODE_SECRET) && channel_member(chan, cli) == NULL)) {
		reply_numeric(srv, cli, ERR_NOSUCHCHANNEL, msg->params[0]);
		return;
	}
	if ((refusal = knock_refusal(cli, chan)) != NULL) {
		reply_numeric(srv, cli, refusal, chan->name);
		return;
	}
	if (too_soon(srv, x != NULL ? x->knock_ms : 0,
	    (int64_t)srv->cfg.knock_user_delay_s * 1000)) {
		reply_numeric(srv, cli, ERR_TOOMANYKNOCK, chan->name, "user");
		return;
	}
	if (too_soon(srv, chan->knock_ms, (int64_t)srv->cfg.knock_channel_delay_s * 1000)) {
		reply_numeric(srv, cli, ERR_TOOMANYKNOCK, chan->name, "channel");
		return;
	}
	/* Without memory for the user's timer, the channel's still holds. */
	if ((x = local_extra(cli->local)) != NULL)
		x->knock_ms = srv->now_ms;
	chan->knock_ms = srv->now_ms;
	client_prefix(cli, who, sizeof(who));
	for (struct membership *m = chan->members; m; m = m->chan_next)
		if (m->prefix & MEMBER_OP)
			reply_numeric(srv, m->cli, RPL_KNOCK, chan->name, who);
	reply_numeric(srv, cli, RPL_KNOCKDLVR, chan->name);
}
