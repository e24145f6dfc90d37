/*
 * User queries: WHO WHOIS WHOWAS ISON USERHOST, and AWAY. Only AWAY
 * changes state; everything else reads the registries and answers.
 * Server information is in cmd_info.c, HELP in cmd_help.c.
 */
#include "cmd.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "casemap.h"
#include "channel.h"
#include "client.h"
#include "hmap.h"
#include "mask.h"
#include "link.h"
#include "msg.h"
#include "network.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"
#include "whowas.h"

/*
 * Join params[from..] with spaces into out: lists such as ISON's arrive
 * as separate parameters or as one trailing parameter holding spaces.
 */
static void
join_params(const struct msg *msg, int from, char *out, size_t outsz)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = from; i < msg->nparams && len + 1 < outsz; i++) {
		int n = snprintf(out + len, outsz - len, "%s%s", len ? " " : "",
		    msg->params[i]);

		if (n < 0)
			break;
		len += (size_t)n < outsz - len ? (size_t)n : outsz - len - 1;
	}
}

/*
 * Stamp every client sharing a channel with cli with a fresh serial and
 * return it: afterwards "shares a channel" is one comparison per user.
 */
static uint32_t
mark_peers(struct server *srv, struct client *cli)
{
	uint32_t serial = server_next_serial(srv);

	for (struct membership *m = cli->channels; m; m = m->cli_next)
		for (struct membership *p = m->chan->members; p; p = p->chan_next)
			p->cli->serial = serial;
	return serial;
}

/* Whether cli may see that chan exists (and its membership lists). */
static bool
channel_is_visible_to(const struct channel *chan, const struct client *cli)
{
	return !channel_is_hidden(chan) || channel_member(chan, cli) != NULL;
}

/* AWAY ISON USERHOST */

/* IRCv3 away-notify: tell each peer with the capability once, not cli. */
static void
away_notify(struct server *srv, struct client *cli)
{
	char line[IRC_LINE_MAX];
	size_t n;

	if (cli->away)
		n = reply_format_from(line, cli, "AWAY :%s", cli->away);
	else
		n = reply_format_from(line, cli, "AWAY");
	reply_common_cap(srv, cli, false, CAP_AWAY_NOTIFY, line, n);
}

void
cmd_away(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *text = msg->nparams > 0 ? msg->params[0] : "";
	bool was_away = cli->away != NULL;
	char *copy = NULL;

	/* RFC 2812 4.1: no (or an empty) message means "back". */
	if (text[0] != '\0' && (copy = strndup(text, msg_utf8_cut(text, IRC_AWAYLEN))) == NULL) {
		client_close(cli, "Out of memory");
		return;
	}
	free(cli->away);
	cli->away = copy;
	if (copy)
		reply_numeric(srv, cli, RPL_NOWAWAY);
	else
		reply_numeric(srv, cli, RPL_UNAWAY);
	if (copy || was_away) {
		away_notify(srv, cli);
		link_user_away(srv, cli);
	}
}

void
cmd_ison(struct server *srv, struct client *cli, const struct msg *msg)
{
	char list[IRC_LINE_MAX], *cursor = list, *nick;
	struct reply_words w;
	struct client *who;

	join_params(msg, 0, list, sizeof(list));
	reply_words_init(&w, reply_numeric_room(srv, cli, 1));
	/* RFC 2812 4.9: the online ones, spelled as the server has them. */
	while ((nick = msg_next_word(&cursor)) != NULL)
		if ((who = client_find_user(srv, nick)) != NULL && !reply_words_add(&w, who->nick))
			break;
	reply_numeric(srv, cli, RPL_ISON, w.text);
}

void
cmd_userhost(struct server *srv, struct client *cli, const struct msg *msg)
{
	char list[IRC_LINE_MAX], *cursor = list, *nick;
	char item[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 8];
	struct reply_words w;
	struct client *who;
	int asked = 0;

	join_params(msg, 0, list, sizeof(list));
	reply_words_init(&w, reply_numeric_room(srv, cli, 1));
	while (asked++ < IRC_USERHOSTMAX && (nick = msg_next_word(&cursor)) != NULL) {
		if ((who = client_find_user(srv, nick)) == NULL)
			continue;
		/* RFC 2812 5.1 RPL_USERHOST: nick ["*"] "=" ("+" / "-") host. */
		snprintf(item, sizeof(item), "%s%s=%c%s@%s", who->nick,
		    (who->umodes & UMODE_OPER) ? "*" : "", who->away ? '-' : '+',
		    who->user, who->host);
		reply_words_add(&w, item);
	}
	reply_numeric(srv, cli, RPL_USERHOST, w.text);
}

/* WHO */

struct who_query {
	const char *mask;               /* as given, for 315 */
	char        match[MASK_QUERY_MAX + 1];  /* simplified, "" when too long */
	bool        opers_only;         /* the "o" flag */
	bool        whox;               /* a %fields part was given */
	char        fields[32];         /* WHOX field letters */
	char        order[16];          /* those shown, in reply order, 'r' last */
	char        token[8];           /* WHOX query token, echoed as "t" */
};

/*
 * WHO <mask> [<flags>][%<fields>[,<token>]] (modern ircdocs WHO and the
 * WHOX extension): flags before '%', fields after it, token after ','.
 */
static void
who_parse(const struct msg *msg, struct who_query *q)
{
	const char *opt, *pct, *comma;
	size_t nflags;

	memset(q, 0, sizeof(*q));
	q->mask = msg->nparams > 0 && msg->params[0][0] ? msg->params[0] : "*";
	/* Simplified once per line; longer than any field it could match: none. */
	if (strlen(q->mask) < sizeof(q->match) * 2) {
		char tmp[sizeof(q->match) * 2];

		memcpy(tmp, q->mask, strlen(q->mask) + 1);
		if (mask_simplify(tmp) <= MASK_QUERY_MAX)
			memcpy(q->match, tmp, strlen(tmp) + 1);
	}
	if (msg->nparams < 2)
		return;
	opt = msg->params[1];
	pct = strchr(opt, '%');
	nflags = pct ? (size_t)(pct - opt) : strlen(opt);
	q->opers_only = memchr(opt, 'o', nflags) != NULL;
	if (pct == NULL)
		return;
	q->whox = true;
	comma = strchr(pct, ',');
	snprintf(q->fields, sizeof(q->fields), "%.*s",
	    (int)(comma ? (size_t)(comma - pct - 1) : strlen(pct + 1)), pct + 1);
	/* IRCv3 WHOX: the token is 1 to 3 digits; anything else is ignored. */
	if (comma && strlen(comma + 1) >= 1 && strlen(comma + 1) <= 3 &&
	    strspn(comma + 1, "0123456789") == strlen(comma + 1))
		snprintf(q->token, sizeof(q->token), "%s", comma + 1);
	/* The fields to show, in the fixed order: found once, not per user. */
	nflags = 0;
	for (const char *f = "tcuihsnfdlaor"; *f; f++)
		if (strchr(q->fields, *f) != NULL && (*f != 't' || q->token[0] != '\0'))
			q->order[nflags++] = *f;
	q->order[nflags] = '\0';
}

/* "H" here or "G" gone, "*" for an operator, then the channel prefix. */
static void
who_flags(const struct client *cli, const struct client *t,
    const struct membership *m, char out[8])
{
	size_t n = 0;

	out[n++] = t->away ? 'G' : 'H';
	if (t->umodes & UMODE_OPER)
		out[n++] = '*';
	/* IRCv3 bot mode: "B" after the away and operator flags. */
	if (t->umodes & UMODE_BOT)
		out[n++] = 'B';
	out[n] = '\0';
	if (m)
		channel_prefix(m->prefix, (client_caps(cli) & CAP_MULTI_PREFIX) != 0, out + n);
}

/*
 * The address of t that cli may see, or NULL. A user of this server has
 * its address as host, seen by all, unless services gave it another host:
 * then only operators and the user see it. A user of another server has
 * the address its server gave ("0": none), seen by all when it is its
 * host too, else only by operators (a cloak or hostname hides it).
 */
static const char *
shown_ip(const struct server *srv, const struct client *cli, const struct client *t)
{
	const char *ip;

	if (t->server == NULL)
		return !client_host_changed(t) || (cli->umodes & UMODE_OPER) || cli == t ?
		    client_ip(t) : NULL;
	ip = link_remote_ip(srv, t);
	if (strcmp(ip, "0") == 0 || ip[0] == ':')
		return NULL;
	return strcmp(ip, t->host) == 0 || (cli->umodes & UMODE_OPER) || cli == t ? ip : NULL;
}

/* The server t is on, for WHO: its own, or this one. */
static const char *
who_server(const struct server *srv, const struct client *t)
{
	return t->server != NULL ? t->server->name : srv->cfg.server_name;
}

/* RFC 2812 3.6.2 hopcount: links between us and t's server (0: this one). */
static unsigned
who_hops(const struct client *t)
{
	return t->server != NULL ? t->server->hops : 0;
}

/* The value of WHOX field f for t (not 'd', 'l' or 'r', see whox_send()). */
static const char *
whox_value(struct server *srv, struct client *cli, const struct who_query *q, char f,
    const struct client *t, const char *chan, const char *flags)
{
	const char *ip;

	switch (f) {
	case 't': return q->token;
	case 'c': return chan;
	case 'u': return t->user;
	/* modern.ircdocs.horse WHOX: an address not shown is 255.255.255.255. */
	case 'i': return (ip = shown_ip(srv, cli, t)) != NULL ? ip : "255.255.255.255";
	case 'h': return t->host;
	case 's': return who_server(srv, t);
	case 'n': return t->nick;
	case 'f': return flags;
	case 'a': return client_account(t)[0] ? client_account(t) : "0";
	case 'o': return "n/a";
	default: return "";
	}
}

/*
 * WHOX 354: the requested fields in the fixed order, realname last. Copied,
 * not formatted: WHOX over a big channel runs this per member.
 */
static void
whox_send(struct server *srv, struct client *cli, const struct who_query *q,
    struct reply_line *l, const struct client *t, const char *chan, const char *flags)
{
	for (const char *f = q->order; *f; f++) {
		if (f != q->order)
			reply_line_addc(l, ' ');
		if (*f == 'l')
			reply_line_add_uint(l, (unsigned long long)(srv->now > t->last_message ?
			    srv->now - t->last_message : 0));
		else if (*f == 'd')
			reply_line_add_uint(l, who_hops(t));
		else if (*f == 'r') {
			reply_line_addc(l, ':');
			reply_line_add(l, t->realname ? t->realname : "");
		} else
			reply_line_add(l, whox_value(srv, cli, q, *f, t, chan, flags));
	}
	reply_line_send(l, cli);
}

/*
 * One WHO line for t, shown in m's channel (or "*" when m is NULL), on l
 * (started by who_start()).
 */
static void
who_send(struct server *srv, struct client *cli, const struct who_query *q,
    struct reply_line *l, const struct client *t, const struct membership *m)
{
	const char *chan = m ? m->chan->name : "*";
	char flags[8];

	if (q->opers_only && !(t->umodes & UMODE_OPER))
		return;
	who_flags(cli, t, m, flags);
	if (q->whox) {
		whox_send(srv, cli, q, l, t, chan, flags);
		return;
	}
	/* RPL_WHOREPLY: <channel> <user> <host> <server> <nick> <flags> :0 <realname> */
	reply_line_add(l, chan);
	reply_line_addc(l, ' ');
	reply_line_add(l, t->user);
	reply_line_addc(l, ' ');
	reply_line_add(l, t->host);
	reply_line_addc(l, ' ');
	reply_line_add(l, who_server(srv, t));
	reply_line_addc(l, ' ');
	reply_line_add(l, t->nick);
	reply_line_addc(l, ' ');
	reply_line_add(l, flags);
	reply_line_add(l, " :");
	reply_line_add_uint(l, who_hops(t));
	reply_line_addc(l, ' ');
	reply_line_add(l, t->realname ? t->realname : "");
	reply_line_send(l, cli);
}

/* The head of q's reply lines: 354 for WHOX, else 352. */
static void
who_start(struct server *srv, struct client *cli, const struct who_query *q,
    struct reply_line *l)
{
	reply_line_start(l, srv, cli, q->whox ? RPL_WHOSPCRPL : RPL_WHOREPLY);
}

/* The first of t's channels that cli may see, or NULL. */
static const struct membership *
visible_membership(const struct client *cli, const struct client *t)
{
	for (const struct membership *m = t->channels; m; m = m->cli_next)
		if (channel_is_visible_to(m->chan, cli))
			return m;
	return NULL;
}

static void
who_channel(struct server *srv, struct client *cli, const struct who_query *q,
    struct channel *chan)
{
	bool member = channel_member(chan, cli) != NULL;
	uint32_t peers;
	struct reply_line l;

	/* RFC 2812 3.6.1: a secret or private channel is empty to outsiders. */
	if (!member && channel_is_hidden(chan))
		return;
	peers = member ? 0 : mark_peers(srv, cli);
	who_start(srv, cli, q, &l);
	for (struct membership *m = chan->members; m && !client_is_closing(cli);
	    m = m->chan_next) {
		if (!member && (m->cli->umodes & UMODE_INVISIBLE) &&
		    m->cli->serial != peers)
			continue;
		who_send(srv, cli, q, &l, m->cli, m);
	}
}

static bool
who_matches(const struct server *srv, const char *mask, const struct client *t)
{
	return casemap_match(mask, t->nick) || casemap_match(mask, t->user) ||
	    casemap_match(mask, t->host) ||
	    casemap_match(mask, who_server(srv, t)) ||
	    (t->realname && casemap_match(mask, t->realname));
}

static void
who_mask(struct server *srv, struct client *cli, const struct who_query *q)
{
	const char *mask = q->match;
	struct client *t;
	uint32_t peers;
	struct reply_line l;

	who_start(srv, cli, q, &l);
	/* An exact nick names one user, invisible or not, like WHOIS. */
	if (strpbrk(mask, "*?") == NULL && (t = client_find_user(srv, mask)) != NULL) {
		who_send(srv, cli, q, &l, t, visible_membership(cli, t));
		return;
	}
	/* RFC 2812 3.6.1: "0" means everyone, like "*". */
	if (strcmp(mask, "0") == 0)
		mask = "*";
	/* Invisible users show only to those sharing a channel with them. */
	peers = mark_peers(srv, cli);
	/* A mask too long to match anything gets the end marker alone. */
	if (mask[0] == '\0')
		return;
	for (t = srv->clients; t && !client_is_closing(cli); t = t->next) {
		if (!client_is_registered(t))
			continue;
		if (t != cli && (t->umodes & UMODE_INVISIBLE) && t->serial != peers)
			continue;
		/* "*" (simplified from any run of '*') matches everyone. */
		if (strcmp(mask, "*") == 0 || who_matches(srv, mask, t))
			who_send(srv, cli, q, &l, t, visible_membership(cli, t));
	}
}

void
cmd_who(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct who_query q;
	struct channel *chan;

	who_parse(msg, &q);
	if (name_is_channel(q.mask)) {
		if ((chan = channel_find(srv, q.mask)) != NULL)
			who_channel(srv, cli, &q, chan);
	} else {
		who_mask(srv, cli, &q);
	}
	reply_numeric(srv, cli, RPL_ENDOFWHO, q.mask);
}

/* WHOIS WHOWAS */

/* 319: t's channels that cli may see, split over as many lines as needed. */
static void
whois_channels(struct server *srv, struct client *cli, const struct client *t)
{
	bool all = (client_caps(cli) & CAP_MULTI_PREFIX) != 0;
	size_t room = reply_numeric_room(srv, cli, strlen(t->nick) + 2);
	char item[IRC_CHANNELLEN + 4], prefix[4];
	struct reply_words w;

	reply_words_init(&w, room);
	for (const struct membership *m = t->channels; m; m = m->cli_next) {
		if (!channel_is_visible_to(m->chan, cli))
			continue;
		snprintf(item, sizeof(item), "%s%s",
		    channel_prefix(m->prefix, all, prefix), m->chan->name);
		if (!reply_words_add(&w, item)) {
			reply_numeric(srv, cli, RPL_WHOISCHANNELS, t->nick, w.text);
			reply_words_init(&w, room);
			reply_words_add(&w, item);
		}
	}
	if (w.nwords > 0)
		reply_numeric(srv, cli, RPL_WHOISCHANNELS, t->nick, w.text);
}

static void
whois_one(struct server *srv, struct client *cli, const char *nick)
{
	const struct client *t = client_find_user(srv, nick);
	const char *ip;

	if (t == NULL) {
		reply_numeric(srv, cli, ERR_NOSUCHNICK, nick);
		return;
	}
	reply_numeric(srv, cli, RPL_WHOISUSER, t->nick, t->user, t->host,
	    t->realname ? t->realname : "");
	whois_channels(srv, cli, t);
	reply_numeric(srv, cli, RPL_WHOISSERVER, t->nick, t->server ? t->server->name :
	    srv->cfg.server_name, t->server ? t->server->desc : srv->cfg.description);
	if (t->umodes & UMODE_OPER)
		reply_numeric(srv, cli, RPL_WHOISOPERATOR, t->nick);
	if (t->away)
		reply_numeric(srv, cli, RPL_AWAY, t->nick, t->away);
	if (client_account(t)[0])
		reply_numeric(srv, cli, RPL_WHOISACCOUNT, t->nick, client_account(t));
	if (t->umodes & UMODE_BOT)
		reply_numeric(srv, cli, RPL_WHOISBOT, t->nick, srv->cfg.network);
	/*
	 * Where a user behind a host not its address (of another server, or
	 * one services gave) connects from, to those who may see it.
	 */
	if ((t->server != NULL || client_host_changed(t)) &&
	    (ip = shown_ip(srv, cli, t)) != NULL &&
	    strcmp(ip, t->host) != 0)
		reply_numeric(srv, cli, RPL_WHOISACTUALLY, t->nick, ip);
	cmd_metadata_send_whois(srv, cli, t);
	/* Idle time is known on the user's own server (WHOIS <nick> <nick>). */
	if (t->server == NULL)
		reply_numeric(srv, cli, RPL_WHOISIDLE, t->nick,
		    (long)(srv->now - t->last_message), (long)t->signon);
}

/*
 * WHOIS <target> <nicks> with target a user or server of another server:
 * that server is asked, and answers through the links. Returns false
 * when the target is here or unknown.
 */
static bool
whois_elsewhere(struct server *srv, struct client *cli, const char *target,
    const char *nicks)
{
	const struct client *t = client_find_user(srv, target);
	struct netserver *s = t != NULL ? t->server : network_find(srv->net, target);

	if (s == NULL || s == &srv->net->me || s->via == NULL)
		return false;
	link_whois(srv, cli, s, t != NULL ? t->uid : s->sid, nicks);
	return true;
}

void
cmd_whois(struct server *srv, struct client *cli, const struct msg *msg)
{
	char list[IRC_LINE_MAX], *cursor = list, *extra, *v[IRC_MAXTARGETS];
	const char *nicks;
	size_t n;

	/* RFC 2812 3.6.2: WHOIS [<target>] <mask>{,<mask>}. */
	nicks = msg->nparams > 0 ? msg->params[msg->nparams >= 2 ? 1 : 0] : "";
	if (nicks[0] == '\0') {
		reply_numeric(srv, cli, ERR_NONICKNAMEGIVEN);
		return;
	}
	if (msg->nparams >= 2 && (whois_elsewhere(srv, cli, msg->params[0], nicks) ||
	    !command_target_is_us(srv, cli, msg, 0)))
		return;
	snprintf(list, sizeof(list), "%s", nicks);
	/* ISUPPORT TARGMAX=WHOIS: answers the first IRC_MAXTARGETS nicks, once each. */
	n = command_targets(&cursor, v, IRC_MAXTARGETS, &extra);
	for (size_t i = 0; i < n; i++)
		whois_one(srv, cli, v[i]);
	reply_numeric(srv, cli, RPL_ENDOFWHOIS, nicks);
}

void
cmd_whowas(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *nick = msg->nparams > 0 ? msg->params[0] : "";
	const struct whowas_entry *e;
	long count = 0, sent = 0;
	size_t it = 0;
	char when[64];

	if (nick[0] == '\0') {
		reply_numeric(srv, cli, ERR_NONICKNAMEGIVEN);
		return;
	}
	/* RFC 2812 3.6.3: WHOWAS <nick> [<count> [<target>]]; count <= 0: all. */
	if (!command_target_is_us(srv, cli, msg, 2))
		return;
	if (msg->nparams > 1)
		count = strtol(msg->params[1], NULL, 10);
	while ((count <= 0 || sent < count) &&
	    (e = whowas_next(srv->whowas, nick, &it)) != NULL) {
		reply_numeric(srv, cli, RPL_WHOWASUSER, e->nick, e->user, e->host,
		    e->realname);
		reply_format_time(e->at, when, sizeof(when));
		reply_numeric(srv, cli, RPL_WHOISSERVER, e->nick, srv->cfg.server_name,
		    when);
		sent++;
	}
	if (sent == 0)
		reply_numeric(srv, cli, ERR_WASNOSUCHNICK, nick);
	reply_numeric(srv, cli, RPL_ENDOFWHOWAS, nick);
}
