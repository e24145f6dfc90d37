/*
 * Channel family: JOIN, PART, TOPIC, NAMES, LIST, INVITE, KICK. Each
 * handler checks, applies through channel.c, then announces; every
 * announcement is formatted once and fanned out with reply_channel().
 */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cap.h"
#include "casemap.h"
#include "channel.h"
#include "chanlist.h"
#include "client.h"
#include "history.h"
#include "hmap.h"
#include "mask.h"
#include "link.h"
#include "msg.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"

static bool
is_op(const struct channel *chan, const struct client *cli)
{
	const struct membership *m = channel_member(chan, cli);

	return m != NULL && (m->prefix & MEMBER_OP);
}

static void
send_topic(struct server *srv, struct client *cli, const struct channel *chan)
{
	if (chan->topic == NULL) {
		reply_numeric(srv, cli, RPL_NOTOPIC, chan->name);
		return;
	}
	reply_numeric(srv, cli, RPL_TOPIC, chan->name, chan->topic);
	reply_numeric(srv, cli, RPL_TOPICWHOTIME, chan->name, chan->topic_by,
	    (long)chan->topic_at);
}

/* One NAMES entry: prefixes, then nick or nick!user@host. */
static size_t
names_entry(char *out, size_t outsz, const struct membership *m, uint32_t caps)
{
	char pfx[4], full[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 3];

	channel_prefix(m->prefix, (caps & CAP_MULTI_PREFIX) != 0, pfx);
	if (caps & CAP_USERHOST_IN_NAMES)
		client_prefix(m->cli, full, sizeof(full));
	else
		snprintf(full, sizeof(full), "%s", m->cli->nick);
	return (size_t)snprintf(out, outsz, "%s%s", pfx, full);
}

/* 353 lines for chan, split to fit the line limit; no 366. */
static void
send_names_lines(struct server *srv, struct client *cli, struct channel *chan)
{
	char list[IRC_LINE_MAX], entry[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 8];
	/* Room left for ":server 353 nick = #chan :" around the list. */
	size_t room = IRC_LINE_MAX - 2 - 16 - strlen(srv->cfg.server_name) -
	    strlen(cli->nick) - strlen(chan->name), len = 0;
	char sym = (chan->modes & CMODE_SECRET) ? '@' :
	    (chan->modes & CMODE_PRIVATE) ? '*' : '=';
	bool member = channel_member(chan, cli) != NULL;

	/* A client cut off for SendQ meanwhile gets no more formatting. */
	for (struct membership *m = chan->members; m && !client_is_closing(cli);
	    m = m->chan_next) {
		size_t n;

		/* RFC 2812 3.2.5: invisible users are hidden from outsiders. */
		if (!member && (m->cli->umodes & UMODE_INVISIBLE))
			continue;
		n = names_entry(entry, sizeof(entry), m, client_caps(cli));
		if (len > 0 && len + 1 + n > room) {
			reply_numeric(srv, cli, RPL_NAMREPLY, sym, chan->name, list);
			len = 0;
		}
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
		    len ? " " : "", entry);
	}
	if (len > 0)
		reply_numeric(srv, cli, RPL_NAMREPLY, sym, chan->name, list);
}

void
cmd_channel_send_names(struct server *srv, struct client *cli, struct channel *chan)
{
	send_names_lines(srv, cli, chan);
	reply_numeric(srv, cli, RPL_ENDOFNAMES, chan->name);
}

/* Whether cli may see chan in NAMES, LIST and WHOIS. */
static bool
can_see(const struct channel *chan, const struct client *cli)
{
	return !channel_is_hidden(chan) || channel_member(chan, cli) != NULL;
}

/* The checks of RFC 2812 3.2.1 for joining an existing channel. */
static const char *
join_refusal(const struct channel *chan, const struct client *cli, const char *key)
{
	bool invited = channel_is_invited(chan, cli);

	if (channel_is_banned(chan, cli) && !invited)
		return ERR_BANNEDFROMCHAN;
	if ((chan->modes & CMODE_INVITE) && !invited)
		return ERR_INVITEONLYCHAN;
	if (chan->key[0] && (key == NULL || strcmp(key, chan->key) != 0))
		return ERR_BADCHANNELKEY;
	if (chan->limit && chan->nmembers >= chan->limit && !invited)
		return ERR_CHANNELISFULL;
	return NULL;
}

/* IRCv3 extended-join adds the account ("*": none) and the realname. */
static void
announce_join(struct server *srv, struct channel *chan, struct client *cli)
{
	char plain[IRC_LINE_MAX], ext[IRC_LINE_MAX];
	struct relay rp, re;

	relay_init(&rp, srv, cli, plain, reply_format_from(plain, cli, "JOIN %s",
	    chan->name), NULL);
	relay_init(&re, srv, cli, ext, reply_format_from(ext, cli, "JOIN %s %s :%s",
	    chan->name, client_account(cli)[0] ? client_account(cli) : "*",
	    cli->realname ? cli->realname : ""), NULL);
	/*
	 * One msgid for both forms; history keeps the extended one, which a
	 * replay cuts to the plain one for clients without extended-join.
	 */
	relay_keep(&re, chan->name, NULL, HISTORY_JOIN);
	relay_stamp(&rp, srv->now_wall_ms, re.msgid + 6);
	for (struct membership *m = chan->members; m; m = m->chan_next)
		relay_send((client_caps(m->cli) & CAP_EXTENDED_JOIN) ? &re : &rp, m->cli);
	relay_done(&rp);
	relay_done(&re);
	/* away-notify: members learn at once that the newcomer is away. */
	if (cli->away) {
		size_t n = reply_format_from(plain, cli, "AWAY :%s", cli->away);

		relay_init(&rp, srv, cli, plain, n, NULL);
		for (struct membership *m = chan->members; m; m = m->chan_next)
			if (m->cli != cli && (client_caps(m->cli) & CAP_AWAY_NOTIFY))
				relay_send(&rp, m->cli);
		relay_done(&rp);
	}
}

static void
join_one(struct server *srv, struct client *cli, const char *name, const char *key)
{
	struct channel *chan;
	const char *refusal;
	bool created = false;

	if (!name_is_channel(name)) {
		reply_numeric(srv, cli, ERR_NOSUCHCHANNEL, name);
		return;
	}
	if (!name_channel_is_valid(name, IRC_CHANNELLEN)) {
		reply_numeric(srv, cli, ERR_BADCHANMASK, name);
		return;
	}
	chan = channel_find(srv, name);
	if (chan != NULL && channel_member(chan, cli) != NULL)
		return;
	if (cli->nchannels >= srv->cfg.chanlimit) {
		reply_numeric(srv, cli, ERR_TOOMANYCHANNELS, name);
		return;
	}
	if (chan == NULL) {
		if ((chan = channel_create(srv, name)) == NULL) {
			client_close(cli, "Out of memory");
			return;
		}
		/* Like most servers, new channels start +nt. */
		chan->modes = CMODE_NOEXTERNAL | CMODE_TOPIC;
		created = true;
	} else if ((refusal = join_refusal(chan, cli, key)) != NULL) {
		reply_numeric(srv, cli, refusal, chan->name);
		return;
	}
	if (channel_join(chan, cli, created ? MEMBER_OP : 0) == NULL) {
		if (created)
			channel_free(srv, chan);
		client_close(cli, "Out of memory");
		return;
	}
	channel_invite_del(chan, cli);
	announce_join(srv, chan, cli);
	link_chan_join(srv, cli, chan, created);
	cmd_channel_send_join_burst(srv, cli, chan);
}

void
cmd_channel_send_join_burst(struct server *srv, struct client *cli, struct channel *chan)
{
	if (chan->topic)
		send_topic(srv, cli, chan);
	/* draft/read-marker: MARKREAD after the JOIN, before RPL_ENDOFNAMES. */
	if (client_caps(cli) & CAP_READ_MARKER)
		markread_send(srv, cli, chan->name);
	/* IRCv3 no-implicit-names: the client asks for NAMES when it wants them. */
	if (!(client_caps(cli) & CAP_NO_IMPLICIT_NAMES))
		cmd_channel_send_names(srv, cli, chan);
	cmd_metadata_send_join(srv, cli, chan);
}

static void
part_all(struct server *srv, struct client *cli)
{
	char line[IRC_LINE_MAX];

	while (cli->channels) {
		struct membership *m = cli->channels;
		size_t n = reply_format_from(line, cli, "PART %s", m->chan->name);

		reply_channel_kept(m->chan, cli, line, n, HISTORY_PART);
		link_chan_part(srv, cli, m->chan, NULL);
		channel_part(srv, m);
	}
}

void
cmd_join(struct server *srv, struct client *cli, const struct msg *msg)
{
	char *names = msg->params[0], *keys = msg->nparams > 1 ? msg->params[1] : NULL;
	char *name, *seen[IRC_JOINTARGETS];
	size_t n = 0;

	/* RFC 2812 3.2.1: "JOIN 0" leaves every channel. */
	if (strcmp(names, "0") == 0) {
		part_all(srv, cli);
		return;
	}
	while ((name = command_next_item(&names)) != NULL && !client_is_closing(cli)) {
		char *key = command_next_item(&keys);

		/* A channel named twice is joined (or refused) once. */
		if (*name == '\0' || command_is_repeat(seen, n, name))
			continue;
		/* ISUPPORT TARGMAX=JOIN: the rest of the list is refused. */
		if (n == IRC_JOINTARGETS) {
			reply_numeric(srv, cli, ERR_TOOMANYTARGETS, name);
			break;
		}
		seen[n++] = name;
		join_one(srv, cli, name, key);
	}
}

void
cmd_part(struct server *srv, struct client *cli, const struct msg *msg)
{
	char *names = msg->params[0], *extra, *v[IRC_JOINTARGETS];
	const char *reason = msg->nparams > 1 ? msg->params[1] : NULL;
	char line[IRC_LINE_MAX];
	size_t n = command_targets(&names, v, IRC_JOINTARGETS, &extra);

	for (size_t i = 0; i < n && !client_is_closing(cli); i++) {
		struct channel *chan = channel_find(srv, v[i]);
		struct membership *m;
		size_t len;

		if (chan == NULL) {
			reply_numeric(srv, cli, ERR_NOSUCHCHANNEL, v[i]);
			continue;
		}
		if ((m = channel_member(chan, cli)) == NULL) {
			reply_numeric(srv, cli, ERR_NOTONCHANNEL, chan->name);
			continue;
		}
		if (reason && reason[0])
			len = reply_format_from(line, cli, "PART %s :%s", chan->name, reason);
		else
			len = reply_format_from(line, cli, "PART %s", chan->name);
		reply_channel_kept(chan, cli, line, len, HISTORY_PART);
		link_chan_part(srv, cli, chan, reason);
		channel_part(srv, m);
	}
	if (extra)
		reply_numeric(srv, cli, ERR_TOOMANYTARGETS, extra);
}

void
cmd_topic(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct channel *chan = channel_find(srv, msg->params[0]);
	struct membership *m;
	char line[IRC_LINE_MAX], prefix[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 3];
	size_t n;

	if (chan == NULL) {
		reply_numeric(srv, cli, ERR_NOSUCHCHANNEL, msg->params[0]);
		return;
	}
	m = channel_member(chan, cli);
	if (msg->nparams < 2) {
		if (m == NULL && channel_is_hidden(chan))
			reply_numeric(srv, cli, ERR_NOTONCHANNEL, chan->name);
		else
			send_topic(srv, cli, chan);
		return;
	}
	if (m == NULL) {
		reply_numeric(srv, cli, ERR_NOTONCHANNEL, chan->name);
		return;
	}
	if ((chan->modes & CMODE_TOPIC) && !(m->prefix & MEMBER_OP)) {
		reply_numeric(srv, cli, ERR_CHANOPRIVSNEEDED, chan->name);
		return;
	}
	free(chan->topic);
	free(chan->topic_by);
	chan->topic = chan->topic_by = NULL;
	client_prefix(cli, prefix, sizeof(prefix));
	if (msg->params[1][0] != '\0') {
		chan->topic = strndup(msg->params[1],
		    msg_utf8_cut(msg->params[1], IRC_TOPICLEN));
		chan->topic_by = strdup(prefix);
		if (chan->topic == NULL || chan->topic_by == NULL) {
			free(chan->topic);
			free(chan->topic_by);
			chan->topic = chan->topic_by = NULL;
		}
		chan->topic_at = srv->now;
	}
	n = reply_format_from(line, cli, "TOPIC %s :%s", chan->name,
	    chan->topic ? chan->topic : "");
	reply_channel_kept(chan, cli, line, n, HISTORY_TOPIC);
	link_chan_topic(srv, cli, chan);
}

void
cmd_names(struct server *srv, struct client *cli, const struct msg *msg)
{
	char list[IRC_LINE_MAX], *cursor = list, *extra, *v[IRC_MAXTARGETS];
	struct channel *chan;
	size_t it = 0, n;

	if (msg->nparams == 0 || msg->params[0][0] == '\0') {
		/* Every channel the user may see, then one end marker. */
		while (!client_is_closing(cli) &&
		    (chan = hmap_next(srv->channels, &it, NULL)) != NULL)
			if (can_see(chan, cli))
				send_names_lines(srv, cli, chan);
		reply_numeric(srv, cli, RPL_ENDOFNAMES, "*");
		return;
	}
	/* RFC 2812 3.2.5: 353 for each visible channel, one 366 for the list. */
	snprintf(list, sizeof(list), "%s", msg->params[0]);
	n = command_targets(&cursor, v, IRC_MAXTARGETS, &extra);
	for (size_t i = 0; i < n && !client_is_closing(cli); i++)
		if ((chan = channel_find(srv, v[i])) != NULL && can_see(chan, cli))
			send_names_lines(srv, cli, chan);
	if (extra)
		reply_numeric(srv, cli, ERR_TOOMANYTARGETS, extra);
	/* The list goes back as one parameter; a mangled one as "*". */
	reply_numeric(srv, cli, RPL_ENDOFNAMES, msg->params[0][0] != ':' &&
	    strchr(msg->params[0], ' ') == NULL ? msg->params[0] : "*");
}

/*
 * The LIST items of param, cleaned once for the whole listing: repeats
 * dropped, at most IRC_MAXTARGETS, masks simplified; a mask still longer
 * than MASK_QUERY_MAX is cut (either way it has more characters than a
 * channel name and matches none). Returns
 * a malloc'd comma-separated copy, or NULL without memory.
 */
static char *
list_clean_items(struct server *srv, struct client *cli, const char *param)
{
	char copy[IRC_LINE_MAX], out[IRC_LINE_MAX], *cursor = copy, *extra;
	char *v[IRC_MAXTARGETS];
	size_t n, len = 0;

	snprintf(copy, sizeof(copy), "%s", param);
	n = command_targets(&cursor, v, IRC_MAXTARGETS, &extra);
	if (extra)
		reply_numeric(srv, cli, ERR_TOOMANYTARGETS, extra);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (mask_simplify(v[i]) > MASK_QUERY_MAX)
			v[i][MASK_QUERY_MAX] = '\0';
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s",
		    len ? "," : "", v[i]);
	}
	return strdup(out);
}

void
cmd_list(struct server *srv, struct client *cli, const struct msg *msg)
{
	char *filters, *conds;

	/* A LIST going on is replaced: none of it goes on meanwhile. */
	if (cli->local->extra != NULL)
		cli->local->extra->on_drained = NULL;
	filters = list_clean_items(srv, cli, msg->nparams > 0 ? msg->params[0] : "");
	conds = list_clean_items(srv, cli, msg->nparams > 1 ? msg->params[1] : "");
	if (filters == NULL || conds == NULL) {
		free(filters);
		free(conds);
		client_close(cli, "Out of memory");
		return;
	}
	reply_numeric(srv, cli, RPL_LISTSTART);
	chanlist_start(srv, cli, filters, conds);
}

/*
 * INVITE with no parameter (modern.ircdocs.horse): the channels that have
 * invited the user and not yet seen it join, oldest first (336, 337).
 */
static void
invite_list(struct server *srv, struct client *cli)
{
	const struct local_extra *x = cli->local->extra;

	channel_invite_prune(srv, cli);
	for (size_t i = 0; x != NULL && i < x->ninvited; i++)
		reply_numeric(srv, cli, RPL_INVITELIST, x->invited[i]);
	reply_numeric(srv, cli, RPL_ENDOFINVITELIST);
}

void
cmd_invite(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct client *target;
	struct channel *chan;

	if (msg->nparams == 0) {
		invite_list(srv, cli);
		return;
	}
	if (msg->nparams < 2) {
		reply_numeric(srv, cli, ERR_NEEDMOREPARAMS, "INVITE");
		return;
	}
	target = client_find_nick(srv, msg->params[0]);
	chan = channel_find(srv, msg->params[1]);
	if (target == NULL || !client_is_registered(target)) {
		reply_numeric(srv, cli, ERR_NOSUCHNICK, msg->params[0]);
		return;
	}
	if (chan == NULL) {
		reply_numeric(srv, cli, ERR_NOSUCHCHANNEL, msg->params[1]);
		return;
	}
	if (channel_member(chan, cli) == NULL) {
		reply_numeric(srv, cli, ERR_NOTONCHANNEL, chan->name);
		return;
	}
	if (channel_member(chan, target) != NULL) {
		reply_numeric(srv, cli, ERR_USERONCHANNEL, target->nick, chan->name);
		return;
	}
	if ((chan->modes & CMODE_INVITE) && !is_op(chan, cli)) {
		reply_numeric(srv, cli, ERR_CHANOPRIVSNEEDED, chan->name);
		return;
	}
	channel_invite_add(srv, chan, target);
	reply_numeric(srv, cli, RPL_INVITING, target->nick, chan->name);
	if (target->away)
		reply_numeric(srv, cli, RPL_AWAY, target->nick, target->away);
	reply_from(target, cli, "INVITE %s :%s", target->nick, chan->name);
	reply_invite_notify(chan, cli, target);
	link_chan_invite(srv, cli, target, chan);
}

static void
kick_one(struct server *srv, struct client *cli, struct channel *chan,
    const char *nick, const char *reason)
{
	struct client *target = client_find_nick(srv, nick);
	struct membership *m;
	char line[IRC_LINE_MAX];
	size_t n;

	if (target == NULL) {
		reply_numeric(srv, cli, ERR_NOSUCHNICK, nick);
		return;
	}
	if ((m = channel_member(chan, target)) == NULL) {
		reply_numeric(srv, cli, ERR_USERNOTINCHANNEL, target->nick, chan->name);
		return;
	}
	n = reply_format_from(line, cli, "KICK %s %s :%.*s", chan->name,
	    target->nick, (int)msg_utf8_cut(reason, IRC_KICKLEN), reason);
	reply_channel_kept(chan, cli, line, n, HISTORY_KICK);
	link_chan_kick(srv, cli, chan, target, reason);
	channel_part(srv, m);
}

void
cmd_kick(struct server *srv, struct client *cli, const struct msg *msg)
{
	char *chans = msg->params[0], *nicks = msg->params[1], *name, *nick;
	const char *reason = msg->nparams > 2 && msg->params[2][0] ? msg->params[2] : cli->nick;
	char *one = strchr(chans, ',') ? NULL : chans;
	int count = 0;

	/* RFC 2812 3.2.8: one channel and many users, or pairs. */
	while ((nick = command_next_item(&nicks)) != NULL && count++ < IRC_MAXTARGETS) {
		struct channel *chan;

		name = one ? one : command_next_item(&chans);
		if (name == NULL)
			break;
		if ((chan = channel_find(srv, name)) == NULL) {
			reply_numeric(srv, cli, ERR_NOSUCHCHANNEL, name);
			continue;
		}
		if (channel_member(chan, cli) == NULL) {
			reply_numeric(srv, cli, ERR_NOTONCHANNEL, chan->name);
			continue;
		}
		if (!is_op(chan, cli)) {
			reply_numeric(srv, cli, ERR_CHANOPRIVSNEEDED, chan->name);
			continue;
		}
		kick_one(srv, cli, chan, nick, reason);
	}
}
