/*
 * Query family: WHO WHOIS WHOWAS ISON USERHOST AWAY, and the server queries
 * LUSERS MOTD VERSION TIME ADMIN INFO LINKS STATS HELP USERS SUMMON. Only
 * AWAY changes state; everything else reads the registries and answers.
 * This is the only server, so a <target> server parameter either names us
 * or gets 402.
 */
#include "command.h"

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
#include "msg.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"
#include "whowas.h"

/* RFC 2812 3.6.2 hopcount: every user is on this server. */
#define QUERY_HOPCOUNT          0
/* Tokens per 005 line, as the modern ircdocs "RPL_ISUPPORT" advise. */
#define QUERY_ISUPPORT_PER_LINE 13

/*
 * A line of space-separated words that must fit, with the rest of its
 * numeric, in one 512-byte message.
 */
struct wordbuf {
	char    text[IRC_LINE_MAX];
	size_t  len;
	size_t  room;
	unsigned nwords;
};

/* Bytes left for text after ":server NNN nick " and used other bytes. */
static size_t
numeric_room(const struct server *srv, const struct client *cli, size_t used)
{
	size_t head = strlen(srv->cfg.server_name) + strlen(client_name(cli)) + 7;

	if (head + used >= IRC_LINE_MAX - 2)
		return 0;
	return IRC_LINE_MAX - 2 - head - used;
}

static void
wordbuf_init(struct wordbuf *w, size_t room)
{
	w->text[0] = '\0';
	w->len = 0;
	w->nwords = 0;
	w->room = room < sizeof(w->text) ? room : sizeof(w->text) - 1;
}

/* Append word after a space; false (nothing added) when it does not fit. */
static bool
wordbuf_add(struct wordbuf *w, const char *word)
{
	size_t n = strlen(word), sep = w->len ? 1 : 0;

	if (w->len + sep + n > w->room)
		return false;
	if (sep)
		w->text[w->len++] = ' ';
	memcpy(w->text + w->len, word, n + 1);
	w->len += n;
	w->nwords++;
	return true;
}

/* Human-readable UTC time, for TIME, INFO and WHOWAS. */
static void
format_time(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, outsz, "%A %B %d %Y -- %H:%M:%S UTC", &tm) == 0)
		snprintf(out, outsz, "%lld", (long long)t);
}

/* A registered user called nick, or NULL. */
static struct client *
find_user(struct server *srv, const char *nick)
{
	struct client *who = client_find_nick(srv, nick);

	return who && client_is_registered(who) ? who : NULL;
}

/*
 * RFC 2812 3.4: a <target> names a server (wildcards allowed) or a nick,
 * meaning that user's server. Answers 402 and returns false unless the
 * parameter at index i is absent or leads to us.
 */
static bool
target_is_us(struct server *srv, struct client *cli, const struct msg *msg,
    int i)
{
	const char *t;

	if (msg->nparams <= i || msg->params[i][0] == '\0')
		return true;
	t = msg->params[i];
	if (casemap_match(t, srv->cfg.server_name) || find_user(srv, t))
		return true;
	reply_numeric(srv, cli, ERR_NOSUCHSERVER, t);
	return false;
}

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

/* ISUPPORT */

static void
isupport_flush(struct server *srv, struct client *cli, struct wordbuf *w,
    size_t room)
{
	if (w->nwords > 0)
		reply_numeric(srv, cli, RPL_ISUPPORT, w->text);
	wordbuf_init(w, room);
}

void
query_send_isupport(struct server *srv, struct client *cli)
{
	static const char tail[] = " :are supported by this server";
	size_t room = numeric_room(srv, cli, sizeof(tail));
	struct wordbuf w;

	wordbuf_init(&w, room);
	for (size_t i = 0; i < srv->nisupport; i++) {
		if (w.nwords == QUERY_ISUPPORT_PER_LINE)
			isupport_flush(srv, cli, &w, room);
		if (!wordbuf_add(&w, srv->isupport[i])) {
			isupport_flush(srv, cli, &w, room);
			wordbuf_add(&w, srv->isupport[i]);
		}
	}
	isupport_flush(srv, cli, &w, room);
}

/* LUSERS MOTD VERSION TIME ADMIN INFO LINKS USERS SUMMON */

void
query_send_lusers(struct server *srv, struct client *cli)
{
	unsigned unknown = srv->nclients - srv->nusers;
	unsigned nchannels = (unsigned)hmap_count(srv->channels);

	/* RFC 2812 5.1 (251-255): 251 and 255 always, the rest only if non-zero. */
	reply_numeric(srv, cli, RPL_LUSERCLIENT, srv->nusers - srv->ninvisible,
	    srv->ninvisible);
	if (srv->nopers > 0)
		reply_numeric(srv, cli, RPL_LUSEROP, srv->nopers);
	if (unknown > 0)
		reply_numeric(srv, cli, RPL_LUSERUNKNOWN, unknown);
	if (nchannels > 0)
		reply_numeric(srv, cli, RPL_LUSERCHANNELS, nchannels);
	reply_numeric(srv, cli, RPL_LUSERME, srv->nusers);
	reply_numeric(srv, cli, RPL_LOCALUSERS, srv->nusers, srv->max_users,
	    srv->nusers, srv->max_users);
	reply_numeric(srv, cli, RPL_GLOBALUSERS, srv->nusers, srv->max_users,
	    srv->nusers, srv->max_users);
}

void
query_send_motd(struct server *srv, struct client *cli)
{
	const char *p = srv->cfg.motd;
	char line[IRC_LINE_MAX];

	if (p == NULL || *p == '\0') {
		reply_numeric(srv, cli, ERR_NOMOTD);
		return;
	}
	reply_numeric(srv, cli, RPL_MOTDSTART, srv->cfg.server_name);
	while (*p) {
		size_t n = strcspn(p, "\n");
		size_t keep = n;

		if (keep > 0 && p[keep - 1] == '\r')
			keep--;
		if (keep >= sizeof(line))
			keep = sizeof(line) - 1;
		memcpy(line, p, keep);
		line[keep] = '\0';
		reply_numeric(srv, cli, RPL_MOTD, line);
		p += n;
		if (*p == '\n')
			p++;
	}
	reply_numeric(srv, cli, RPL_ENDOFMOTD);
}

void
cmd_lusers(struct server *srv, struct client *cli, const struct msg *msg)
{
	/* LUSERS [<mask> [<target>]]: one server, so the mask changes nothing. */
	if (target_is_us(srv, cli, msg, 1))
		query_send_lusers(srv, cli);
}

void
cmd_motd(struct server *srv, struct client *cli, const struct msg *msg)
{
	if (target_is_us(srv, cli, msg, 0))
		query_send_motd(srv, cli);
}

void
cmd_version(struct server *srv, struct client *cli, const struct msg *msg)
{
	if (!target_is_us(srv, cli, msg, 0))
		return;
	reply_numeric(srv, cli, RPL_VERSION, IRCSERV_VERSION, srv->cfg.server_name,
	    srv->cfg.description);
	/* Modern ircdocs: VERSION is followed by the 005 lines. */
	query_send_isupport(srv, cli);
}

void
cmd_time(struct server *srv, struct client *cli, const struct msg *msg)
{
	char when[64];

	if (!target_is_us(srv, cli, msg, 0))
		return;
	format_time(srv->now, when, sizeof(when));
	reply_numeric(srv, cli, RPL_TIME, srv->cfg.server_name, when);
}

void
cmd_admin(struct server *srv, struct client *cli, const struct msg *msg)
{
	const struct config *c = &srv->cfg;

	if (!target_is_us(srv, cli, msg, 0))
		return;
	reply_numeric(srv, cli, RPL_ADMINME, c->server_name);
	reply_numeric(srv, cli, RPL_ADMINLOC1, c->admin_loc1 ? c->admin_loc1 : "");
	reply_numeric(srv, cli, RPL_ADMINLOC2, c->admin_loc2 ? c->admin_loc2 : "");
	reply_numeric(srv, cli, RPL_ADMINEMAIL, c->admin_email ? c->admin_email : "");
}

void
cmd_info(struct server *srv, struct client *cli, const struct msg *msg)
{
	char when[64], text[IRC_LINE_MAX];

	if (!target_is_us(srv, cli, msg, 0))
		return;
	reply_numeric(srv, cli, RPL_INFO, IRCSERV_VERSION);
	reply_numeric(srv, cli, RPL_INFO,
	    "A small IRC server in C17 (RFC 1459/2812, modern IRC, IRCv3 caps).");
	snprintf(text, sizeof(text), "Serving %s as %s.", srv->cfg.network,
	    srv->cfg.server_name);
	reply_numeric(srv, cli, RPL_INFO, text);
	format_time(srv->started, when, sizeof(when));
	snprintf(text, sizeof(text), "On-line since %s.", when);
	reply_numeric(srv, cli, RPL_INFO, text);
	reply_numeric(srv, cli, RPL_ENDOFINFO);
}

void
cmd_links(struct server *srv, struct client *cli, const struct msg *msg)
{
	/* RFC 2812 3.4.5: LINKS [[<remote server>] <server mask>]. */
	const char *mask = msg->nparams > 0 && msg->params[msg->nparams - 1][0] ?
	    msg->params[msg->nparams - 1] : "*";

	if (msg->nparams > 1 && !target_is_us(srv, cli, msg, 0))
		return;
	if (casemap_match(mask, srv->cfg.server_name))
		reply_numeric(srv, cli, RPL_LINKS, srv->cfg.server_name,
		    srv->cfg.server_name, srv->cfg.description);
	reply_numeric(srv, cli, RPL_ENDOFLINKS, mask);
}

void
cmd_users(struct server *srv, struct client *cli, const struct msg *msg)
{
	(void)msg;
	/* RFC 2812 4.6: USERS may be disabled, and is here. */
	reply_numeric(srv, cli, ERR_USERSDISABLED);
}

void
cmd_summon(struct server *srv, struct client *cli, const struct msg *msg)
{
	(void)msg;
	/* RFC 2812 4.5: no local logins to summon from a network server. */
	reply_numeric(srv, cli, ERR_SUMMONDISABLED);
}

/* STATS */

static void
stats_commands(struct server *srv, struct client *cli)
{
	size_t n;
	const struct command *table = command_table(&n);

	for (size_t i = 0; i < n; i++)
		if (srv->cmd_counts[i] > 0)
			reply_numeric(srv, cli, RPL_STATSCOMMANDS, table[i].name,
			    srv->cmd_counts[i], srv->cmd_bytes[i], 0UL);
}

static void
stats_uptime(struct server *srv, struct client *cli)
{
	long up = (long)(srv->now - srv->started);

	if (up < 0)
		up = 0;
	reply_numeric(srv, cli, RPL_STATSUPTIME, up / 86400, up / 3600 % 24,
	    up / 60 % 60, up % 60);
}

void
cmd_stats(struct server *srv, struct client *cli, const struct msg *msg)
{
	char letter[2] = "*";

	if (!target_is_us(srv, cli, msg, 1))
		return;
	if (msg->nparams > 0 && msg->params[0][0] != '\0')
		letter[0] = msg->params[0][0];
	if (letter[0] == 'm')
		stats_commands(srv, cli);
	else if (letter[0] == 'u')
		stats_uptime(srv, cli);
	/* Every query, known or not, ends with 219. */
	reply_numeric(srv, cli, RPL_ENDOFSTATS, letter);
}

/* HELP */

struct help {
	const char *name;
	const char *usage;
	const char *text;
};

/* One row per command, sorted by name. */
static const struct help helps[] = {
	{ "ADMIN", "ADMIN [<server>]",
	  "Show who runs the server and how to reach them." },
	{ "AUTHENTICATE", "AUTHENTICATE PLAIN | <base64> | *",
	  "Log in to an account with SASL PLAIN (after CAP REQ :sasl)." },
	{ "AWAY", "AWAY [:<message>]",
	  "Mark yourself away with a message; without one, mark yourself back." },
	{ "BATCH", "BATCH +<ref> draft/multiline <target> | BATCH -<ref>",
	  "Send the PRIVMSG or NOTICE lines tagged batch=<ref> as one message (draft/multiline)." },
	{ "CAP", "CAP LS [302] | LIST | REQ :<caps> | END",
	  "Negotiate IRCv3 capabilities, before or after registering." },
	{ "DIE", "DIE",
	  "Shut the server down (IRC operators only)." },
	{ "HELP", "HELP [<command>]",
	  "Show help on a command, or the list of commands." },
	{ "HELPOP", "HELPOP [<command>]",
	  "The same as HELP." },
	{ "INFO", "INFO [<server>]",
	  "Show what this server is and since when it runs." },
	{ "INVITE", "INVITE [<nick> <channel>]",
	  "Invite a user to a channel (as an operator if it is +i); alone, list your invitations." },
	{ "ISON", "ISON <nick> [<nick> ...]",
	  "Show which of the given nicks are online." },
	{ "JOIN", "JOIN <channel>{,<channel>} [<key>{,<key>}] | JOIN 0",
	  "Join channels, creating them if needed; JOIN 0 leaves all of them." },
	{ "KICK", "KICK <channel> <nick>{,<nick>} [:<reason>]",
	  "Remove users from a channel (channel operators only)." },
	{ "KILL", "KILL <nick> :<reason>",
	  "Disconnect a user (IRC operators only)." },
	{ "KNOCK", "KNOCK <channel>",
	  "Ask the operators of a +i, +k or full channel for an invitation." },
	{ "LINKS", "LINKS [[<server>] <mask>]",
	  "List the servers of the network: just this one." },
	{ "LIST", "LIST [<channel>{,<channel>}] [<elist conditions>]",
	  "List channels with their user counts and topics." },
	{ "LUSERS", "LUSERS",
	  "Show how many users, operators and channels there are." },
	{ "MARKREAD", "MARKREAD <target> [timestamp=YYYY-MM-DDThh:mm:ss.sssZ]",
	  "Show, or move forward, up to when you have read a channel or query." },
	{ "METADATA", "METADATA <*|nick|channel> GET|LIST|SET|CLEAR|SUB|UNSUB|SUBS|SYNC [...]",
	  "Read and set key/value metadata on users and channels (draft/metadata-3)." },
	{ "MODE", "MODE <nick|channel> [<modes> [<params>]]",
	  "Show or change user modes (Biow) or channel modes (bCeIiklmnopstv)." },
	{ "MONITOR", "MONITOR +|- <nick>{,<nick>} | C | L | S",
	  "Watch nicks and hear when they come online or leave." },
	{ "MOTD", "MOTD [<server>]",
	  "Show the message of the day." },
	{ "NAMES", "NAMES [<channel>{,<channel>}]",
	  "List the visible members of channels." },
	{ "NICK", "NICK <nick>",
	  "Set or change your nickname." },
	{ "NOTICE", "NOTICE <target>{,<target>} :<text>",
	  "Like PRIVMSG, but never answered automatically." },
	{ "OPER", "OPER <name> <password>",
	  "Become an IRC operator." },
	{ "PART", "PART <channel>{,<channel>} [:<reason>]",
	  "Leave channels." },
	{ "PASS", "PASS <password>",
	  "Give the connection password, before NICK and USER." },
	{ "PING", "PING <token>",
	  "Check the connection; the server answers PONG <token>." },
	{ "PONG", "PONG <token>",
	  "Answer a PING from the server." },
	{ "PRIVMSG", "PRIVMSG <target>{,<target>} :<text>",
	  "Send a message to users or channels (@#chan: its operators)." },
	{ "QUIT", "QUIT [:<reason>]",
	  "Disconnect, telling your channels why." },
	{ "REHASH", "REHASH",
	  "Reload the configuration file (IRC operators only)." },
	{ "RENAME", "RENAME <channel> <new name> [:<reason>]",
	  "Rename a channel, keeping its members and modes (channel operators)." },
	{ "SETNAME", "SETNAME :<realname>",
	  "Change your real name (IRCv3 setname)." },
	{ "STATS", "STATS <letter> [<server>]",
	  "Server statistics: m for command counts, u for uptime." },
	{ "SUMMON", "SUMMON <user>",
	  "Disabled: there are no local logins to summon." },
	{ "TAGMSG", "TAGMSG <target>{,<target>}",
	  "Send only IRCv3 tags (typing notices, reactions) to users or channels." },
	{ "TIME", "TIME [<server>]",
	  "Show the server's time." },
	{ "TOPIC", "TOPIC <channel> [:<topic>]",
	  "Show or change a channel's topic; an empty topic clears it." },
	{ "USER", "USER <username> <mode> * :<realname>",
	  "Give your username and real name when registering." },
	{ "USERHOST", "USERHOST <nick> [<nick> ...]",
	  "Show user@host, operator and away status of up to five nicks." },
	{ "USERS", "USERS [<server>]",
	  "Disabled: there are no local logins to list." },
	{ "VERSION", "VERSION [<server>]",
	  "Show the server version and supported features." },
	{ "WALLOPS", "WALLOPS :<text>",
	  "Send a message to every user with mode +w (IRC operators only)." },
	{ "WHO", "WHO <mask|channel> [o][%<fields>[,<token>]]",
	  "List users matching a mask or on a channel; o: operators only." },
	{ "WHOIS", "WHOIS [<server>] <nick>{,<nick>}",
	  "Show who a user is, their channels and idle time." },
	{ "WHOWAS", "WHOWAS <nick> [<count>]",
	  "Show who recently used a nick." },
};

static int
compare_help(const void *key, const void *elem)
{
	return strcmp(key, ((const struct help *)elem)->name);
}

/* The help for a command of the table, or NULL. */
static const struct help *
help_find(const char *topic)
{
	char name[32];
	size_t i;

	for (i = 0; topic[i] && i < sizeof(name) - 1; i++)
		name[i] = (topic[i] >= 'a' && topic[i] <= 'z') ?
		    (char)(topic[i] - 'a' + 'A') : topic[i];
	name[i] = '\0';
	if (topic[i] != '\0' || command_find(name) == NULL)
		return NULL;
	return bsearch(name, helps, sizeof(helps) / sizeof(helps[0]),
	    sizeof(helps[0]), compare_help);
}

static void
help_index(struct server *srv, struct client *cli)
{
	size_t n;
	const struct command *table = command_table(&n);
	struct wordbuf w;
	size_t room = numeric_room(srv, cli, sizeof("index :"));

	reply_numeric(srv, cli, RPL_HELPSTART, "index",
	    "Commands (HELP <command> for details):");
	wordbuf_init(&w, room);
	for (size_t i = 0; i < n; i++) {
		if (!wordbuf_add(&w, table[i].name)) {
			reply_numeric(srv, cli, RPL_HELPTXT, "index", w.text);
			wordbuf_init(&w, room);
			wordbuf_add(&w, table[i].name);
		}
	}
	if (w.nwords > 0)
		reply_numeric(srv, cli, RPL_HELPTXT, "index", w.text);
	reply_numeric(srv, cli, RPL_ENDOFHELP, "index", "End of /HELP");
}

void
cmd_help(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *topic = msg->nparams > 0 ? msg->params[0] : "";
	const struct help *h;

	/* Modern ircdocs HELP: 704 first line, 705 body, 706 last line. */
	if (topic[0] == '\0' || casemap_cmp(topic, "index") == 0) {
		help_index(srv, cli);
		return;
	}
	if ((h = help_find(topic)) == NULL) {
		reply_numeric(srv, cli, ERR_HELPNOTFOUND, topic);
		return;
	}
	reply_numeric(srv, cli, RPL_HELPSTART, h->name, h->usage);
	reply_numeric(srv, cli, RPL_HELPTXT, h->name, h->text);
	reply_numeric(srv, cli, RPL_ENDOFHELP, h->name, "End of /HELP");
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
	if (copy || was_away)
		away_notify(srv, cli);
}

void
cmd_ison(struct server *srv, struct client *cli, const struct msg *msg)
{
	char list[IRC_LINE_MAX], *cursor = list, *nick;
	struct wordbuf w;
	struct client *who;

	join_params(msg, 0, list, sizeof(list));
	wordbuf_init(&w, numeric_room(srv, cli, 1));
	/* RFC 2812 4.9: the online ones, spelled as the server has them. */
	while ((nick = msg_next_word(&cursor)) != NULL)
		if ((who = find_user(srv, nick)) != NULL && !wordbuf_add(&w, who->nick))
			break;
	reply_numeric(srv, cli, RPL_ISON, w.text);
}

void
cmd_userhost(struct server *srv, struct client *cli, const struct msg *msg)
{
	char list[IRC_LINE_MAX], *cursor = list, *nick;
	char item[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 8];
	struct wordbuf w;
	struct client *who;
	int asked = 0;

	join_params(msg, 0, list, sizeof(list));
	wordbuf_init(&w, numeric_room(srv, cli, 1));
	while (asked++ < IRC_USERHOSTMAX && (nick = msg_next_word(&cursor)) != NULL) {
		if ((who = find_user(srv, nick)) == NULL)
			continue;
		/* RFC 2812 5.1 RPL_USERHOST: nick ["*"] "=" ("+" / "-") host. */
		snprintf(item, sizeof(item), "%s%s=%c%s@%s", who->nick,
		    (who->umodes & UMODE_OPER) ? "*" : "", who->away ? '-' : '+',
		    who->user, who->host);
		wordbuf_add(&w, item);
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
}

/* "H" here or "G" gone, "*" for an operator, then the channel prefix. */
static void
who_flags(const struct client *cli, const struct client *t,
    const struct membership *m, char out[8])
{
	char prefix[4] = "";

	if (m)
		channel_prefix(m->prefix, (cli->caps & CAP_MULTI_PREFIX) != 0, prefix);
	/* IRCv3 bot mode: "B" after the away and operator flags. */
	snprintf(out, 8, "%c%s%s%s", t->away ? 'G' : 'H',
	    (t->umodes & UMODE_OPER) ? "*" : "", (t->umodes & UMODE_BOT) ? "B" : "",
	    prefix);
}

/* The value of WHOX field f for t, using num for numbers. */
static const char *
whox_value(struct server *srv, const struct who_query *q, char f,
    const struct client *t, const char *chan, const char *flags, char num[24])
{
	switch (f) {
	case 't': return q->token;
	case 'c': return chan;
	case 'u': return t->user;
	case 'i': case 'h': return t->host;
	case 's': return srv->cfg.server_name;
	case 'n': return t->nick;
	case 'f': return flags;
	case 'd': return "0";
	case 'l':
		snprintf(num, 24, "%lld", (long long)(srv->now - t->last_message));
		return num;
	case 'a': return t->account[0] ? t->account : "0";
	case 'o': return "n/a";
	default: return NULL;
	}
}

/* Append pre then v to out[*len] (outsz bytes, NUL-terminated); cut if full. */
static void
whox_append(char *out, size_t outsz, size_t *len, const char *pre, const char *v)
{
	for (int i = 0; i < 2; i++, pre = v) {
		size_t n = strlen(pre);

		if (n > outsz - 1 - *len)
			n = outsz - 1 - *len;
		memcpy(out + *len, pre, n);
		*len += n;
	}
	out[*len] = '\0';
}

/* WHOX 354: the requested fields in the fixed order, realname last. */
static void
whox_send(struct server *srv, struct client *cli, const struct who_query *q,
    const struct client *t, const char *chan, const char *flags)
{
	char out[IRC_LINE_MAX], num[24];
	size_t len = 0;

	out[0] = '\0';
	/* Copied, not formatted: WHOX over a big channel runs this per member. */
	for (const char *f = "tcuihsnfdlao"; *f; f++) {
		if (strchr(q->fields, *f) == NULL ||
		    (*f == 't' && q->token[0] == '\0'))
			continue;
		whox_append(out, sizeof(out), &len, len ? " " : "",
		    whox_value(srv, q, *f, t, chan, flags, num));
	}
	if (strchr(q->fields, 'r'))
		whox_append(out, sizeof(out), &len, len ? " :" : ":",
		    t->realname ? t->realname : "");
	reply_numeric(srv, cli, RPL_WHOSPCRPL, out);
}

/* One WHO line for t, shown in m's channel (or "*" when m is NULL). */
static void
who_send(struct server *srv, struct client *cli, const struct who_query *q,
    const struct client *t, const struct membership *m)
{
	const char *chan = m ? m->chan->name : "*";
	char flags[8];

	if (q->opers_only && !(t->umodes & UMODE_OPER))
		return;
	who_flags(cli, t, m, flags);
	if (q->whox)
		whox_send(srv, cli, q, t, chan, flags);
	else
		reply_numeric(srv, cli, RPL_WHOREPLY, chan, t->user, t->host,
		    srv->cfg.server_name, t->nick, flags, QUERY_HOPCOUNT,
		    t->realname ? t->realname : "");
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

	/* RFC 2812 3.6.1: a secret or private channel is empty to outsiders. */
	if (!member && channel_is_hidden(chan))
		return;
	peers = member ? 0 : mark_peers(srv, cli);
	for (struct membership *m = chan->members; m && !client_is_closing(cli);
	    m = m->chan_next) {
		if (!member && (m->cli->umodes & UMODE_INVISIBLE) &&
		    m->cli->serial != peers)
			continue;
		who_send(srv, cli, q, m->cli, m);
	}
}

static bool
who_matches(const struct server *srv, const char *mask, const struct client *t)
{
	return casemap_match(mask, t->nick) || casemap_match(mask, t->user) ||
	    casemap_match(mask, t->host) ||
	    casemap_match(mask, srv->cfg.server_name) ||
	    (t->realname && casemap_match(mask, t->realname));
}

static void
who_mask(struct server *srv, struct client *cli, const struct who_query *q)
{
	const char *mask = q->match;
	struct client *t;
	uint32_t peers;

	/* An exact nick names one user, invisible or not, like WHOIS. */
	if (strpbrk(mask, "*?") == NULL && (t = find_user(srv, mask)) != NULL) {
		who_send(srv, cli, q, t, visible_membership(cli, t));
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
		if (who_matches(srv, mask, t))
			who_send(srv, cli, q, t, visible_membership(cli, t));
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
	bool all = (cli->caps & CAP_MULTI_PREFIX) != 0;
	size_t room = numeric_room(srv, cli, strlen(t->nick) + 2);
	char item[IRC_CHANNELLEN + 4], prefix[4];
	struct wordbuf w;

	wordbuf_init(&w, room);
	for (const struct membership *m = t->channels; m; m = m->cli_next) {
		if (!channel_is_visible_to(m->chan, cli))
			continue;
		snprintf(item, sizeof(item), "%s%s",
		    channel_prefix(m->prefix, all, prefix), m->chan->name);
		if (!wordbuf_add(&w, item)) {
			reply_numeric(srv, cli, RPL_WHOISCHANNELS, t->nick, w.text);
			wordbuf_init(&w, room);
			wordbuf_add(&w, item);
		}
	}
	if (w.nwords > 0)
		reply_numeric(srv, cli, RPL_WHOISCHANNELS, t->nick, w.text);
}

static void
whois_one(struct server *srv, struct client *cli, const char *nick)
{
	const struct client *t = find_user(srv, nick);

	if (t == NULL) {
		reply_numeric(srv, cli, ERR_NOSUCHNICK, nick);
		return;
	}
	reply_numeric(srv, cli, RPL_WHOISUSER, t->nick, t->user, t->host,
	    t->realname ? t->realname : "");
	whois_channels(srv, cli, t);
	reply_numeric(srv, cli, RPL_WHOISSERVER, t->nick, srv->cfg.server_name,
	    srv->cfg.description);
	if (t->umodes & UMODE_OPER)
		reply_numeric(srv, cli, RPL_WHOISOPERATOR, t->nick);
	if (t->away)
		reply_numeric(srv, cli, RPL_AWAY, t->nick, t->away);
	if (t->account[0])
		reply_numeric(srv, cli, RPL_WHOISACCOUNT, t->nick, t->account);
	if (t->umodes & UMODE_BOT)
		reply_numeric(srv, cli, RPL_WHOISBOT, t->nick, srv->cfg.network);
	metadata_send_whois(srv, cli, t);
	reply_numeric(srv, cli, RPL_WHOISIDLE, t->nick,
	    (long)(srv->now - t->last_message), (long)t->signon);
}

void
cmd_whois(struct server *srv, struct client *cli, const struct msg *msg)
{
	char list[IRC_LINE_MAX], *cursor = list, *extra, *v[IRC_MAXTARGETS];
	const char *nicks;
	size_t n;

	/* RFC 2812 3.6.2: WHOIS [<target>] <mask>{,<mask>}. */
	if (msg->nparams >= 2 && !target_is_us(srv, cli, msg, 0))
		return;
	nicks = msg->nparams > 0 ? msg->params[msg->nparams >= 2 ? 1 : 0] : "";
	if (nicks[0] == '\0') {
		reply_numeric(srv, cli, ERR_NONICKNAMEGIVEN);
		return;
	}
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
	if (!target_is_us(srv, cli, msg, 2))
		return;
	if (msg->nparams > 1)
		count = strtol(msg->params[1], NULL, 10);
	while ((count <= 0 || sent < count) &&
	    (e = whowas_next(srv->whowas, nick, &it)) != NULL) {
		reply_numeric(srv, cli, RPL_WHOWASUSER, e->nick, e->user, e->host,
		    e->realname);
		format_time(e->at, when, sizeof(when));
		reply_numeric(srv, cli, RPL_WHOISSERVER, e->nick, srv->cfg.server_name,
		    when);
		sent++;
	}
	if (sent == 0)
		reply_numeric(srv, cli, ERR_WASNOSUCHNICK, nick);
	reply_numeric(srv, cli, RPL_ENDOFWHOWAS, nick);
}
