/*
 * Message family: PRIVMSG, NOTICE and TAGMSG to nicks, channels and status
 * prefixes (@#chan, +#chan). A message is formatted once and relayed to
 * each recipient with the IRCv3 tags its capabilities ask for; channel
 * modes n, m, b and C are checked here. NOTICE never triggers an error
 * reply (RFC 2812 3.3.2), and TAGMSG reaches only clients with
 * message-tags.
 */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "casemap.h"
#include "channel.h"
#include "client.h"
#include "history.h"
#include "label.h"
#include "link.h"
#include "msg.h"
#include "multiline.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"

struct delivery {
	struct server   *srv;
	struct client   *from;
	const char      *cmd;           /* "PRIVMSG", "NOTICE" or "TAGMSG" */
	const char      *text;          /* NULL for TAGMSG and a multiline */
	bool             notice;        /* no error replies */
	bool             tagmsg;        /* only for message-tags clients */
	const struct multiline *ml;     /* a draft/multiline batch, or NULL */
	unsigned         kind;          /* enum history_kind */
	char             tags[IRC_CLIENT_TAGS_MAX];  /* sender's client-only tags */
};

/* One line of a multiline fallback, with the relay that tags it. */
struct fallback_line {
	struct relay     r;
	char             line[IRC_LINE_MAX];
};

/*
 * What one target gets, formatted once for all its recipients: a single
 * line, or a multiline batch in both forms: the BATCH + line (tagged per
 * recipient) and the inner lines with BATCH - (the same bytes for all),
 * or the fallback's separate lines.
 */
struct outgoing {
	struct relay     r;             /* the line, or the BATCH + line */
	char             line[IRC_LINE_MAX];
	char            *body;          /* owned; inner lines and BATCH - */
	size_t           body_len;
	struct fallback_line *fb;       /* owned; the non-blank lines */
	size_t           nfb;
	char            *kept;          /* owned; the history form (history.h) */
	size_t           kept_len;
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

/* Whether a line of d is a CTCP that +C refuses. */
static bool
is_blocked(const struct channel *chan, const struct delivery *d)
{
	if (d->ml == NULL)
		return is_blocked_ctcp(chan, d->text);
	for (size_t i = 0; i < d->ml->nlines; i++)
		if (is_blocked_ctcp(chan, d->ml->lines[i].text))
			return true;
	return false;
}

/*
 * Append "@batch=<id>[;draft/multiline-concat] :prefix CMD target :text"
 * for each line of the batch, then ":prefix BATCH -<id>", to o->body.
 */
static int
format_body(const struct delivery *d, struct outgoing *o, const char *target,
    const char *id)
{
	const struct multiline *ml = d->ml;
	char line[IRC_LINE_MAX];
	size_t cap = (ml->nlines + 1) * (IRC_LINE_MAX + 64), n;
	int tag;

	if ((o->body = malloc(cap)) == NULL)
		return -1;
	for (size_t i = 0; i < ml->nlines; i++) {
		n = reply_format_from(line, d->from, "%s %s :%s", d->cmd, target,
		    ml->lines[i].text);
		tag = snprintf(o->body + o->body_len, cap - o->body_len, "@batch=%s%s ",
		    id, ml->lines[i].concat ? ";draft/multiline-concat" : "");
		memcpy(o->body + o->body_len + tag, line, n);
		o->body_len += (size_t)tag + n;
	}
	o->body_len += reply_format_from(o->body + o->body_len, d->from, "BATCH -%s", id);
	return 0;
}

/*
 * Spec "Fallback": the non-blank lines as they were sent; the first
 * carries the batch's tags and msgid, the later ones its tags but no msgid.
 */
static int
format_fallback(const struct delivery *d, struct outgoing *o, const char *target)
{
	const struct multiline *ml = d->ml;
	struct fallback_line *f;

	if ((o->fb = calloc(ml->nlines, sizeof(*o->fb))) == NULL)
		return -1;
	for (size_t i = 0; i < ml->nlines; i++) {
		if (ml->lines[i].text[0] == '\0')
			continue;
		f = &o->fb[o->nfb];
		relay_init(&f->r, d->srv, d->from, f->line, 0, d->tags);
		f->r.len = reply_format_from(f->line, d->from, "%s %s :%s", d->cmd, target,
		    ml->lines[i].text);
		relay_same_message(&f->r, &o->r);
		f->r.no_msgid = o->nfb > 0;
		o->nfb++;
	}
	return 0;
}

/*
 * The batch as history keeps it (history.h HISTORY_F_MULTILINE): its
 * lines as relayed, ":prefix CMD target :text", joined by LF, each line
 * sent with draft/multiline-concat starting with that tag and a space.
 */
static int
format_kept(const struct delivery *d, struct outgoing *o, const char *target)
{
	const struct multiline *ml = d->ml;
	size_t cap = ml->nlines * (IRC_LINE_MAX + 32), n;
	char line[IRC_LINE_MAX];

	if ((o->kept = malloc(cap)) == NULL)
		return -1;
	for (size_t i = 0; i < ml->nlines; i++) {
		n = reply_format_from(line, d->from, "%s %s :%s", d->cmd, target,
		    ml->lines[i].text) - 2;             /* without CR LF */
		o->kept_len += (size_t)snprintf(o->kept + o->kept_len, cap - o->kept_len,
		    "%s%s%.*s", i > 0 ? "\n" : "",
		    ml->lines[i].concat ? "@draft/multiline-concat " : "", (int)n, line);
	}
	return 0;
}

/* Format what target gets: ":prefix CMD target[ :text]", or a batch. */
static int
outgoing_init(const struct delivery *d, struct outgoing *o, const char *target)
{
	char id[24];

	memset(o, 0, sizeof(*o));
	relay_init(&o->r, d->srv, d->from, o->line, 0, d->tags);
	if (d->ml == NULL) {
		const char *parts[] = { d->cmd, " ", target, " :", d->text };

		/* "<cmd> <target> :<text>", or without " :<text>" (TAGMSG). */
		o->r.len = reply_join_from(o->line, d->from, parts, d->text ? 5 : 3);
		return 0;
	}
	snprintf(id, sizeof(id), "ml%llx", (unsigned long long)++d->srv->msgid_seq);
	o->r.len = reply_format_from(o->line, d->from, "BATCH +%s draft/multiline %s",
	    id, target);
	return format_body(d, o, target, id) == -1 ||
	    format_fallback(d, o, target) == -1 ||
	    format_kept(d, o, target) == -1 ? -1 : 0;
}

/* Queue what o holds for to; tag ("label=...") goes on its first line. */
static void
outgoing_send(struct outgoing *o, struct client *to, const char *tag)
{
	if (o->body == NULL) {
		relay_send_tagged(&o->r, to, tag);
	} else if ((client_caps(to) & CAP_MULTILINE) && (client_caps(to) & CAP_BATCH)) {
		relay_send_tagged(&o->r, to, tag);
		client_send(to, o->body, o->body_len);
	} else {
		for (size_t i = 0; i < o->nfb; i++)
			relay_send_tagged(&o->fb[i].r, to, i == 0 ? tag : NULL);
	}
}

/*
 * The sender's copy (echo-message). A batch's echo carries the label of
 * the batch on its first line (ircv3.net multiline, labeled-response); a
 * single line is labelled by label_end() like any reply.
 */
static void
outgoing_echo(const struct delivery *d, struct outgoing *o)
{
	char value[LABEL_MAX + 1], tag[LABEL_MAX + 8];

	if (d->ml != NULL && label_take(d->from, value)) {
		snprintf(tag, sizeof(tag), "label=%s", value);
		outgoing_send(o, d->from, tag);
	} else {
		outgoing_send(o, d->from, NULL);
	}
}

static void
outgoing_done(struct outgoing *o)
{
	relay_done(&o->r);
	for (size_t i = 0; i < o->nfb; i++)
		relay_done(&o->fb[i].r);
	free(o->fb);
	free(o->body);
	free(o->kept);
}

/* Keep o in the history of target (owner: an account, for a direct message). */
static void
outgoing_keep(const struct delivery *d, struct outgoing *o, const char *target,
    const char *owner)
{
	if (d->ml != NULL)
		relay_keep_multiline(&o->r, target, owner, d->kind, o->kept, o->kept_len);
	else
		relay_keep(&o->r, target, owner, d->kind);
}

/*
 * Whether the message goes into history: typing notifications (a TAGMSG
 * with +typing) come and go by the second and would push messages out.
 */
static bool
is_kept(const struct delivery *d)
{
	return !d->tagmsg || (strstr(d->tags, "+typing") == NULL &&
	    strstr(d->tags, "+draft/typing") == NULL);
}

static bool
wants(const struct delivery *d, const struct client *to)
{
	return !d->tagmsg || (client_caps(to) & CAP_MESSAGE_TAGS);
}

static void
to_channel(struct delivery *d, const char *target)
{
	unsigned need = 0;
	const char *name = target;
	struct channel *chan;
	struct outgoing o;

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
	if (!can_send(chan, d->from) || is_blocked(chan, d)) {
		if (!d->notice)
			reply_numeric(d->srv, d->from, ERR_CANNOTSENDTOCHAN, chan->name);
		return;
	}
	if (outgoing_init(d, &o, need ? target : chan->name) == -1) {
		outgoing_done(&o);
		client_close(d->from, "Out of memory");
		return;
	}
	/* A STATUSMSG reaches only some members: it is no part of the history. */
	if (need == 0 && is_kept(d))
		outgoing_keep(d, &o, chan->name, NULL);
	for (struct membership *m = chan->members; m; m = m->chan_next) {
		if (m->cli == d->from || (need && !(m->prefix & need)) || !wants(d, m->cli))
			continue;
		/* A single line, the common case: straight to the relay. */
		if (o.body == NULL)
			relay_send(&o.r, m->cli);
		else
			outgoing_send(&o, m->cli, NULL);
	}
	if ((client_caps(d->from) & CAP_ECHO_MESSAGE) && wants(d, d->from))
		outgoing_echo(d, &o);
	outgoing_done(&o);
	/* Other servers' members (multiline batches stay here for now). */
	link_chan_message(d->srv, d->from, d->cmd, target, d->text, d->tags);
}

static void
to_nick(struct delivery *d, const char *target)
{
	struct client *to = client_find_nick(d->srv, target);
	struct outgoing o;

	if (to == NULL || !client_is_registered(to)) {
		if (!d->notice)
			reply_numeric(d->srv, d->from, ERR_NOSUCHNICK, target);
		return;
	}
	if (outgoing_init(d, &o, to->nick) == -1) {
		outgoing_done(&o);
		client_close(d->from, "Out of memory");
		return;
	}
	/* Each logged-in party keeps the conversation under its account. */
	if (is_kept(d) && client_account(d->from)[0])
		outgoing_keep(d, &o, to->nick, client_account(d->from));
	if (is_kept(d) && client_account(to)[0] && to != d->from)
		outgoing_keep(d, &o, d->from->nick, client_account(to));
	/*
	 * A message to oneself is delivered like any other, and with
	 * echo-message echoed as well; the delivery is no reply to a labelled
	 * command (ircv3.net labeled-response), only the echo is.
	 */
	if (wants(d, to)) {
		size_t at = to == d->from ? buf_len(&to->local->sendq) : 0;

		outgoing_send(&o, to, NULL);
		if (to == d->from)
			label_aside(to, at);
	}
	/* A user of another server: its link takes the message. */
	if (to->server != NULL)
		link_remote_message(d->srv, d->from, to, d->cmd, d->text, d->tags);
	if ((client_caps(d->from) & CAP_ECHO_MESSAGE) && wants(d, d->from))
		outgoing_echo(d, &o);
	outgoing_done(&o);
	if (!d->notice && !d->tagmsg && to->away)
		reply_numeric(d->srv, d->from, RPL_AWAY, to->nick, to->away);
}

/* A channel, or a channel with a STATUSMSG prefix ("@#chan"). */
static bool
is_channel_target(const char *target)
{
	return name_is_channel(target) ||
	    ((target[0] == '@' || target[0] == '+') && name_is_channel(target + 1));
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
		if (is_channel_target(target))
			to_channel(d, target);
		else
			to_nick(d, target);
	}
}

void
message_send_multiline(struct server *srv, struct client *cli, const struct multiline *ml)
{
	struct delivery d = { .srv = srv, .from = cli, .cmd = ml->command, .ml = ml,
	    .notice = strcmp(ml->command, "NOTICE") == 0 };

	/* Client-only tags of a batch are sent on its BATCH line (spec). */
	memcpy(d.tags, ml->tags, sizeof(d.tags));
	d.from->last_message = srv->now;
	if (is_channel_target(ml->target))
		to_channel(&d, ml->target);
	else
		to_nick(&d, ml->target);
}

void
cmd_privmsg(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct delivery d = { .srv = srv, .from = cli, .cmd = "PRIVMSG",
	    .kind = HISTORY_PRIVMSG };

	deliver(&d, msg);
}

void
cmd_notice(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct delivery d = { .srv = srv, .from = cli, .cmd = "NOTICE", .notice = true,
	    .kind = HISTORY_NOTICE };

	deliver(&d, msg);
}

void
cmd_tagmsg(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct delivery d = { .srv = srv, .from = cli, .cmd = "TAGMSG", .tagmsg = true,
	    .kind = HISTORY_TAGMSG };

	deliver(&d, msg);
}
