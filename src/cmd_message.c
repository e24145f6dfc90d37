/*
 * Message family: PRIVMSG and NOTICE to nicks, channels and status
 * prefixes (@#chan, +#chan). A channel message is formatted once and
 * appended to each recipient; NOTICE never triggers an error reply
 * (RFC 2812 3.3.2).
 */
#include "command.h"

#include <string.h>

#include "cap.h"
#include "casemap.h"
#include "channel.h"
#include "client.h"
#include "msg.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"

struct delivery {
	struct server   *srv;
	struct client   *from;
	const char      *cmd;           /* "PRIVMSG" or "NOTICE" */
	const char      *text;
	bool             notice;
};

/* Whether cli may speak in chan (RFC 2812 3.3.1; otherwise 404). */
static bool
can_send(const struct channel *chan, const struct client *cli)
{
	const struct membership *m = channel_member(chan, cli);

	if (m == NULL)
		return !(chan->modes & CMODE_NOEXTERNAL) && !(chan->modes & CMODE_MODERATED) &&
		    !channel_is_banned(chan, cli);
	if (m->prefix & (MEMBER_OP | MEMBER_VOICE))
		return true;
	return !(chan->modes & CMODE_MODERATED) && !channel_is_banned(chan, cli);
}

static void
to_channel(struct delivery *d, const char *target)
{
	unsigned need = 0;
	const char *name = target;
	struct channel *chan;
	char line[IRC_LINE_MAX];
	size_t n;

	/* STATUSMSG=@+: "@#chan" reaches ops, "+#chan" voiced users and ops. */
	if (*name == '@' || *name == '+') {
		need = *name == '@' ? MEMBER_OP : MEMBER_OP | MEMBER_VOICE;
		name++;
	}
	if ((chan = channel_find(d->srv, name)) == NULL) {
		if (!d->notice)
			reply_numeric(d->srv, d->from, ERR_NOSUCHNICK, target);
		return;
	}
	if (!can_send(chan, d->from)) {
		if (!d->notice)
			reply_numeric(d->srv, d->from, ERR_CANNOTSENDTOCHAN, chan->name);
		return;
	}
	n = reply_format_from(line, d->from, "%s %s%s :%s", d->cmd,
	    need ? (need == MEMBER_OP ? "@" : "+") : "", chan->name, d->text);
	for (struct membership *m = chan->members; m; m = m->chan_next) {
		if (m->cli == d->from || (need && !(m->prefix & need)))
			continue;
		client_send(m->cli, line, n);
	}
	if (d->from->caps & CAP_ECHO_MESSAGE)
		client_send(d->from, line, n);
}

static void
to_nick(struct delivery *d, const char *target)
{
	struct client *to = client_find_nick(d->srv, target);
	char line[IRC_LINE_MAX];
	size_t n;

	if (to == NULL || !client_is_registered(to)) {
		if (!d->notice)
			reply_numeric(d->srv, d->from, ERR_NOSUCHNICK, target);
		return;
	}
	n = reply_format_from(line, d->from, "%s %s :%s", d->cmd, to->nick, d->text);
	client_send(to, line, n);
	if (d->from->caps & CAP_ECHO_MESSAGE)
		client_send(d->from, line, n);
	if (!d->notice && to->away)
		reply_numeric(d->srv, d->from, RPL_AWAY, to->nick, to->away);
}

static void
deliver(struct server *srv, struct client *cli, const struct msg *msg, bool notice)
{
	struct delivery d = { srv, cli, notice ? "NOTICE" : "PRIVMSG", NULL, notice };
	char *targets, *target;
	int count = 0;

	if (msg->nparams == 0 || msg->params[0][0] == '\0') {
		if (!notice)
			reply_numeric(srv, cli, ERR_NORECIPIENT, d.cmd);
		return;
	}
	if (msg->nparams < 2 || msg->params[1][0] == '\0') {
		if (!notice)
			reply_numeric(srv, cli, ERR_NOTEXTTOSEND);
		return;
	}
	d.text = msg->params[1];
	cli->last_message = srv->now;
	targets = msg->params[0];
	while ((target = command_next_item(&targets)) != NULL) {
		if (*target == '\0')
			continue;
		/* ISUPPORT TARGMAX: the rest of the list is refused. */
		if (++count > IRC_MAXTARGETS) {
			if (!notice)
				reply_numeric(srv, cli, ERR_TOOMANYTARGETS, target);
			break;
		}
		if (name_is_channel(target) ||
		    ((target[0] == '@' || target[0] == '+') && name_is_channel(target + 1)))
			to_channel(&d, target);
		else
			to_nick(&d, target);
	}
}

void
cmd_privmsg(struct server *srv, struct client *cli, const struct msg *msg)
{
	deliver(srv, cli, msg, false);
}

void
cmd_notice(struct server *srv, struct client *cli, const struct msg *msg)
{
	deliver(srv, cli, msg, true);
}
