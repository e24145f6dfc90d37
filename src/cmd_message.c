/*
 * Message family: PRIVMSG, NOTICE and TAGMSG to nicks, channels and status
 * prefixes (@#chan, +#chan). A message is formatted once and relayed to
 * each recipient with the IRCv3 tags its capabilities ask for; channel
 * modes n, m, b and C are checked here. NOTICE never triggers an error
 * reply (RFC 2812 3.3.2), and TAGMSG reaches only clients with
 * message-tags.
 */
#include "command.h"

#include <string.h>

#include "cap.h"
#include "casemap.h"
#include "channel.h"
#include "client.h"
#include "label.h"
#include "msg.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"

struct delivery {
	struct server   *srv;
	struct client   *from;
	const char      *cmd;           /* "PRIVMSG", "NOTICE" or "TAGMSG" */
	const char      *text;          /* NULL for TAGMSG */
	bool             notice;        /* no error replies */
	bool             tagmsg;        /* only for message-tags clients */
	char             tags[IRC_CLIENT_TAGS_MAX];  /* sender's client-only tags */
};

/* Whether cli may speak in chan (RFC 2812 3.3.1; otherwise 404). */
static bool
can_send(const struct channel *chan, const struct client *cli)
{
	const struct membership *m = channel_member(chan, cli);

	if (m == NULL)
		return !(chan->modes & CMODE_NOEXTERNAL) && !(chan->modes & CMODE_MODERATED) &&
		    !channel_is_banned(chan, cli) && !channel_is_muted(chan, cli);
	if (m->prefix & (MEMBER_OP | MEMBER_VOICE))
		return true;
	return !(chan->modes & CMODE_MODERATED) && !channel_is_banned(chan, cli) &&
	    !channel_is_muted(chan, cli);
}

/*
 * Channel mode +C: a CTCP request or reply (text starting with \001) is
 * refused, except ACTION, which is how clients send /me.
 */
static bool
is_blocked_ctcp(const struct channel *chan, const char *text)
{
	if (!(chan->modes & CMODE_NOCTCP) || text == NULL || text[0] != '\001')
		return false;
	return strncmp(text + 1, "ACTION", 6) != 0 ||
	    (text[7] != ' ' && text[7] != '\001' && text[7] != '\0');
}

/* Format the relayed line: ":prefix CMD target[ :text]". */
static size_t
format_line(const struct delivery *d, char *line, const char *target)
{
	if (d->text == NULL)
		return reply_format_from(line, d->from, "%s %s", d->cmd, target);
	return reply_format_from(line, d->from, "%s %s :%s", d->cmd, target, d->text);
}

static bool
wants(const struct delivery *d, const struct client *to)
{
	return !d->tagmsg || (to->caps & CAP_MESSAGE_TAGS);
}

static void
to_channel(struct delivery *d, const char *target)
{
	unsigned need = 0;
	const char *name = target;
	struct channel *chan;
	char line[IRC_LINE_MAX];
	struct relay r;

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
	if (!can_send(chan, d->from) || is_blocked_ctcp(chan, d->text)) {
		if (!d->notice)
			reply_numeric(d->srv, d->from, ERR_CANNOTSENDTOCHAN, chan->name);
		return;
	}
	relay_init(&r, d->srv, d->from, line, 0, d->tags);
	r.len = format_line(d, line, need ? target : chan->name);
	for (struct membership *m = chan->members; m; m = m->chan_next) {
		if (m->cli == d->from || (need && !(m->prefix & need)) || !wants(d, m->cli))
			continue;
		relay_send(&r, m->cli);
	}
	if ((d->from->caps & CAP_ECHO_MESSAGE) && wants(d, d->from))
		relay_send(&r, d->from);
	relay_done(&r);
}

static void
to_nick(struct delivery *d, const char *target)
{
	struct client *to = client_find_nick(d->srv, target);
	char line[IRC_LINE_MAX];
	struct relay r;

	if (to == NULL || !client_is_registered(to)) {
		if (!d->notice)
			reply_numeric(d->srv, d->from, ERR_NOSUCHNICK, target);
		return;
	}
	relay_init(&r, d->srv, d->from, line, 0, d->tags);
	r.len = format_line(d, line, to->nick);
	/*
	 * A message to oneself is delivered like any other, and with
	 * echo-message echoed as well; the delivery is no reply to a labelled
	 * command (ircv3.net labeled-response), only the echo is.
	 */
	if (wants(d, to)) {
		size_t at = buf_len(&to->sendq);

		relay_send(&r, to);
		if (to == d->from)
			label_aside(to, at);
	}
	if ((d->from->caps & CAP_ECHO_MESSAGE) && wants(d, d->from))
		relay_send(&r, d->from);
	relay_done(&r);
	if (!d->notice && !d->tagmsg && to->away)
		reply_numeric(d->srv, d->from, RPL_AWAY, to->nick, to->away);
}

/* Check the parameters; false when an error was answered (or not, for NOTICE). */
static bool
check_params(struct delivery *d, const struct msg *msg)
{
	if (msg->nparams == 0 || msg->params[0][0] == '\0') {
		if (!d->notice)
			reply_numeric(d->srv, d->from, ERR_NORECIPIENT, d->cmd);
		return false;
	}
	if (d->tagmsg)
		return true;
	if (msg->nparams < 2 || msg->params[1][0] == '\0') {
		if (!d->notice)
			reply_numeric(d->srv, d->from, ERR_NOTEXTTOSEND);
		return false;
	}
	d->text = msg->params[1];
	return true;
}

static void
deliver(struct delivery *d, const struct msg *msg)
{
	char *targets, *target, *seen[IRC_MAXTARGETS];
	size_t count = 0;

	if (!check_params(d, msg))
		return;
	if (msg->tags)
		msg_client_tags(msg->tags, d->tags, sizeof(d->tags));
	d->from->last_message = d->srv->now;
	targets = msg->params[0];
	while ((target = command_next_item(&targets)) != NULL) {
		/* A target named twice gets the message once. */
		if (*target == '\0' || command_is_repeat(seen, count, target))
			continue;
		/* ISUPPORT TARGMAX: the rest of the list is refused. */
		if (count == IRC_MAXTARGETS) {
			if (!d->notice)
				reply_numeric(d->srv, d->from, ERR_TOOMANYTARGETS, target);
			break;
		}
		seen[count++] = target;
		if (name_is_channel(target) ||
		    ((target[0] == '@' || target[0] == '+') && name_is_channel(target + 1)))
			to_channel(d, target);
		else
			to_nick(d, target);
	}
}

void
cmd_privmsg(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct delivery d = { .srv = srv, .from = cli, .cmd = "PRIVMSG" };

	deliver(&d, msg);
}

void
cmd_notice(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct delivery d = { .srv = srv, .from = cli, .cmd = "NOTICE", .notice = true };

	deliver(&d, msg);
}

void
cmd_tagmsg(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct delivery d = { .srv = srv, .from = cli, .cmd = "TAGMSG", .tagmsg = true };

	deliver(&d, msg);
}
