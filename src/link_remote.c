/*
 * Users of other servers (link.h): introduced by UID or EUID, they are
 * struct clients without a local connection (client_new_remote()), in
 * the nick map like everyone and in the network's UID map. Their QUIT,
 * NICK, AWAY, CHGHOST and private messages come through the link they
 * are behind and go on to the other links; a netsplit makes every user behind the
 * split server quit with "<near server> <far server>". Nick collisions
 * are link_nick.c's.
 */
#include "link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap.h"
#include "casemap.h"
#include "client.h"
#include "command.h"
#include "hmap.h"
#include "irc.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"
#include "network.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"
#include "ts6.h"

/*
 * The address of a user of another server, kept apart from struct client
 * (most users are ours and have theirs in host): keyed on its own copy of
 * the UID.
 */
struct remote_addr {
	char uid[TS6_UID_LEN + 1];
	char ip[];
};

int
link_remote_set_ip(struct server *srv, const struct client *u, const char *ip)
{
	size_t n = strlen(ip);
	struct remote_addr *a;

	free(hmap_del(srv->net->addrs, u->uid));
	/* "0": its server does not say (unknown or hidden). */
	if (strcmp(ip, "0") == 0 || n == 0 || n > TS6_IP_MAX || u->uid[0] == '\0')
		return 0;
	if ((a = malloc(sizeof(*a) + n + 1)) == NULL)
		return -1;
	snprintf(a->uid, sizeof(a->uid), "%s", u->uid);
	memcpy(a->ip, ip, n + 1);
	if (hmap_put(srv->net->addrs, a->uid, a) == -1) {
		free(a);
		return -1;
	}
	return 0;
}

const char *
link_remote_ip(const struct server *srv, const struct client *u)
{
	const struct remote_addr *a;

	if (u->server == NULL)
		return client_ip(u);
	a = u->uid[0] != '\0' ? hmap_get(srv->net->addrs, u->uid) : NULL;
	return a != NULL ? a->ip : "0";
}

void
link_remote_forget(struct server *srv, struct client *u)
{
	if (u->uid[0] != '\0' && hmap_get(srv->net->users, u->uid) == u) {
		hmap_del(srv->net->users, u->uid);
		free(hmap_del(srv->net->addrs, u->uid));
	}
	if (u->server != NULL)
		srv->net->nremote--;
	u->server = NULL;
	/* It may have been the SASL agent. */
	cap_sasl_update(srv);
}

void
link_remote_close(struct server *srv, struct client *u, const char *reason)
{
	link_remote_forget(srv, u);
	client_close(u, reason);
}

static unsigned
umodes_of(const char *s)
{
	unsigned m = 0;

	for (; *s; s++)
		m |= *s == 'i' ? UMODE_INVISIBLE : *s == 'o' ? UMODE_OPER :
		    *s == 'w' ? UMODE_WALLOPS : *s == 'B' ? UMODE_BOT : 0;
	return m;
}

/* Fill in and register the new user c as u describes. Returns 0 or -1. */
static int
remote_fill(struct server *srv, struct client *c, struct netserver *src,
    const struct ts6_user *u)
{
	snprintf(c->user, sizeof(c->user), "%s", u->user);
	snprintf(c->host, sizeof(c->host), "%s", u->host);
	snprintf(c->uid, sizeof(c->uid), "%s", u->uid);
	c->nick_ts = c->signon = (time_t)u->ts;
	c->last_message = srv->now;
	c->server = src;
	srv->net->nremote++;
	c->umodes = umodes_of(u->umodes);
	c->was_registered = true;
	if ((c->realname = strdup(u->realname)) == NULL ||
	    client_set_nick(c, u->nick) == -1 ||
	    hmap_put(srv->net->users, c->uid, c) == -1 ||
	    link_remote_set_ip(srv, c, u->ip) == -1 ||
	    (u->account[0] && client_set_account(c, u->account) == -1))
		return -1;
	client_set_registered(c);
	return 0;
}

void
link_remote_intro(struct server *srv, struct client *cli, struct netserver *src,
    const struct ts6_user *u)
{
	struct client *old = client_find_nick(srv, u->nick), *c;
	struct ts6_user saved;
	const char *nick;
	time_t signon = (time_t)u->ts;

	if (hmap_get(srv->net->users, u->uid) != NULL) {
		link_close(srv, cli, "UID already in use");
		return;
	}
	if (old != NULL) {
		if ((nick = link_nick_intro(srv, cli, old, u)) == NULL)
			return;
		if (nick != u->nick) {
			/* Saved: it goes by its UID here and on the other links. */
			saved = *u;
			saved.nick = nick;
			saved.ts = TS6_SAVE_TS;
			u = &saved;
		}
	}
	if ((c = client_new_remote(srv)) == NULL || remote_fill(srv, c, src, u) == -1) {
		if (c != NULL)
			link_remote_close(srv, c, "Out of memory");
		link_close(srv, cli, "Out of memory");
		return;
	}
	c->signon = signon;
	monitor_notify(srv, c, true);
	for (struct netserver *s = srv->net->me.child; s != NULL; s = s->next)
		if (s->via != cli)
			link_send_user(srv, s->via, c);
}

/* Whether s is t or behind t. */
static bool
is_behind(const struct netserver *s, const struct netserver *t)
{
	for (; s != NULL; s = s->uplink)
		if (s == t)
			return true;
	return false;
}

void
link_remote_split(struct server *srv, struct netserver *s)
{
	char reason[2 * IRC_HOSTLEN + 2];

	/* ts6.txt / QS: the users of a split server quit "<near> <far>". */
	snprintf(reason, sizeof(reason), "%s %s", s->uplink->name, s->name);
	for (struct client *u = srv->clients; u != NULL; u = u->next)
		if (u->server != NULL && !client_is_closing(u) && is_behind(u->server, s))
			link_remote_close(srv, u, reason);
}

/*
 * [@<client tags>] :uid PRIVMSG|NOTICE <target> :<text>, or TAGMSG
 * <target> (message-tags clients only), to a user here or farther on.
 */
static void
remote_message(struct server *srv, struct client *cli, struct client *u,
    const struct msg *msg)
{
	struct client *to = ts6_uid_is_valid(msg->params[0]) ?
	    hmap_get(srv->net->users, msg->params[0]) : NULL;
	bool tagmsg = strcmp(msg->command, "TAGMSG") == 0;
	const char *text = tagmsg ? NULL : msg->params[1];
	char tags[IRC_CLIENT_TAGS_MAX] = "", line[IRC_LINE_MAX];
	struct relay r;

	if (to == NULL && (to = client_find_user(srv, msg->params[0])) == NULL)
		return;
	if (msg->tags != NULL)
		msg_client_tags(msg->tags, tags, sizeof(tags));
	if (to->server != NULL) {
		if (to->server->via != cli && !client_is_closing(to))
			link_remote_message(srv, u, to, msg->command, text, tags);
		return;
	}
	if (client_is_closing(to) || to->local == NULL || to->local->link != NULL ||
	    (tagmsg && !(client_caps(to) & CAP_MESSAGE_TAGS)))
		return;
	relay_init(&r, srv, u, line, tagmsg ? reply_format_from(line, u, "TAGMSG %s",
	    to->nick) : reply_format_from(line, u, "%s %s :%s", msg->command, to->nick,
	    text), tags);
	relay_send(&r, to);
	relay_done(&r);
}

/* :uid MODE uid :+i-w: user modes of u, passed on. */
static void
remote_umode(struct server *srv, struct client *cli, struct client *u,
    const char *modes)
{
	bool on = true;
	char one[2] = "";

	for (const char *s = modes; *s; s++) {
		one[0] = *s;
		if (*s == '+' || *s == '-')
			on = *s == '+';
		else if (umodes_of(one) != 0)
			client_set_umode(u, umodes_of(one), on);
	}
	link_broadcast(srv, cli, ":%s MODE %s :%s", u->uid, u->uid, modes);
}

/*
 * :uid WALLOPS|OPERWALL :<text> from u: to the users here with +w (only
 * the operators among them for OPERWALL), then passed on as it came.
 */
static void
remote_wallops(struct server *srv, struct client *cli, struct client *u,
    const struct msg *msg)
{
	char line[IRC_LINE_MAX];
	bool operwall = strcmp(msg->command, "OPERWALL") == 0;

	reply_wallops(srv, u, line, reply_format_from(line, u, "WALLOPS :%s",
	    msg->params[0]), operwall);
	link_broadcast(srv, cli, ":%s %s :%s", u->uid, msg->command, msg->params[0]);
}

/*
 * :uid WHOIS <hunted> :<nicks> from u: answered here (the WHOIS command
 * run for u, whose numerics go back through the links), or passed on
 * towards the server hunted names (a UID, nick, SID or server name).
 */
static void
remote_whois(struct server *srv, struct client *cli, struct client *u,
    const struct msg *msg)
{
	const char *h = msg->params[0];
	struct client *t = ts6_uid_is_valid(h) ? hmap_get(srv->net->users, h) :
	    client_find_user(srv, h);
	struct netserver *s = t != NULL ? t->server : network_find(srv->net, h);
	const struct command *whois = command_find("WHOIS");
	char name[] = "WHOIS";
	struct msg q;

	if (t == NULL && s == NULL)
		return;
	if (s != NULL && s != &srv->net->me) {
		if (s->via != NULL && s->via != cli)
			reply_send(s->via, ":%s WHOIS %s :%s", u->uid,
			    t != NULL ? t->uid : s->sid, msg->params[1]);
		return;
	}
	memset(&q, 0, sizeof(q));
	q.command = name;
	q.params[0] = msg->params[1];
	q.nparams = 1;
	if (whois != NULL && msg->params[1][0] != '\0')
		whois->handler(srv, u, &q);
}

void
link_remote_numeric(struct server *srv, struct client *cli, struct netserver *src,
    const struct msg *msg)
{
	struct client *t = msg->nparams >= 2 && ts6_uid_is_valid(msg->params[0]) ?
	    hmap_get(srv->net->users, msg->params[0]) : NULL;
	char rest[IRC_LINE_MAX];
	size_t n = 0;

	if (t == NULL || client_is_closing(t))
		return;
	/* The parameters after the target, the last one as a trailing one. */
	for (int i = 1; i < msg->nparams && n < sizeof(rest); i++)
		n += (size_t)snprintf(rest + n, sizeof(rest) - n, "%s%s%s",
		    i > 1 ? " " : "", i == msg->nparams - 1 ? ":" : "", msg->params[i]);
	if (t->server != NULL) {
		if (t->server->via != NULL && t->server->via != cli)
			reply_send(t->server->via, ":%s %s %s %s", src->sid,
			    msg->command, t->uid, rest);
		return;
	}
	if (t->local != NULL && t->local->link == NULL)
		reply_send(t, ":%s %s %s %s", src->name, msg->command, t->nick, rest);
}

void
link_whois(struct server *srv, struct client *cli, struct netserver *s,
    const char *hunted, const char *nicks)
{
	(void)srv;
	if (s->via != NULL && cli->uid[0] != '\0')
		reply_send(s->via, ":%s WHOIS %s :%s", cli->uid, hunted, nicks);
}

void
link_remote_dispatch(struct server *srv, struct client *cli, struct client *u,
    const struct msg *msg)
{
	const char *c = msg->command;
	char reason[IRC_LINE_MAX];

	if (link_rchan_user(srv, cli, u, msg))
		return;
	if (strcmp(c, "ENCAP") == 0) {
		link_encap(srv, cli, u, msg);
	} else if (strcmp(c, "KILL") == 0 && msg->nparams >= 1) {
		link_remote_kill(srv, cli, msg);
	} else if (strcmp(c, "QUIT") == 0) {
		snprintf(reason, sizeof(reason), "%s", msg->nparams ? msg->params[0] : "");
		link_broadcast(srv, cli, ":%s QUIT :%s", u->uid, reason);
		link_remote_close(srv, u, reason);
	} else if (strcmp(c, "NICK") == 0 && msg->nparams >= 1) {
		link_nick_change(srv, cli, u, msg);
	} else if (strcmp(c, "CHGHOST") == 0 && msg->nparams >= 2) {
		link_remote_chghost(srv, cli, u->uid, msg->params[0], msg->params[1], false);
	} else if ((((strcmp(c, "PRIVMSG") == 0 || strcmp(c, "NOTICE") == 0) &&
	    msg->nparams >= 2) || (strcmp(c, "TAGMSG") == 0 && msg->nparams >= 1)) &&
	    !name_is_channel(msg->params[0])) {
		remote_message(srv, cli, u, msg);
	} else if ((strcmp(c, "WALLOPS") == 0 || strcmp(c, "OPERWALL") == 0) &&
	    msg->nparams >= 1) {
		remote_wallops(srv, cli, u, msg);
	} else if (strcmp(c, "WHOIS") == 0 && msg->nparams >= 2) {
		remote_whois(srv, cli, u, msg);
	} else if (strcmp(c, "MODE") == 0 && msg->nparams >= 2 &&
	    strcmp(msg->params[0], u->uid) == 0) {
		remote_umode(srv, cli, u, msg->params[1]);
	} else if (strcmp(c, "AWAY") == 0) {
		free(u->away);
		u->away = msg->nparams && msg->params[0][0] ? strndup(msg->params[0],
		    IRC_AWAYLEN) : NULL;
		link_broadcast(srv, cli, u->away ? ":%s AWAY :%s" : ":%s AWAY%s", u->uid,
		    u->away ? u->away : "");
	}
}

bool
link_host_valid(const char *host)
{
	const char *slash = strrchr(host, '/');
	size_t len = strlen(host);

	if (len == 0 || len > IRC_HOSTLEN || host[0] == ':' ||
	    strspn(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-./:") != len)
		return false;
	/* "a/24" would read as a CIDR mask in a ban. */
	return slash == NULL || !(slash[1] >= '0' && slash[1] <= '9');
}

/*
 * A user of this server is to show host: its address is kept aside the
 * first time, and forgotten when host is the address again. False: out
 * of memory (nothing changes).
 */
static bool
keep_addr(struct client *t, const char *host)
{
	struct local_extra *x;

	if (!client_host_changed(t)) {
		if ((x = local_extra(t->local)) == NULL)
			return false;
		memcpy(x->addr, t->host, strlen(t->host) + 1);
	} else if (strcmp(host, client_addr(t)) == 0) {
		t->local->extra->addr[0] = '\0';
		local_extra_trim(t->local);
	}
	return true;
}

void
link_host_announce(struct server *srv, struct client *skip, const char *source,
    const struct client *t, const char *host)
{
	for (struct netserver *s = srv->net->me.child; s != NULL; s = s->next) {
		if (s->via == NULL || s->via == skip)
			continue;
		if (s->via->local->link->caps & LINK_CAP_EUID)
			reply_send(s->via, ":%s CHGHOST %s %s", source, t->uid, host);
		else
			reply_send(s->via, ":%s ENCAP * CHGHOST %s :%s", source, t->uid, host);
	}
}

bool
link_host_show(struct server *srv, struct client *t, const char *host)
{
	char line[IRC_LINE_MAX];
	size_t n;

	if (strcmp(t->host, host) == 0)
		return true;
	if (t->local != NULL && !keep_addr(t, host))
		return false;
	if (!client_is_registered(t)) {
		/* Not shown yet: its introduction and welcome carry the host. */
		memcpy(t->host, host, strlen(host) + 1);
		return true;
	}
	/* ircv3.net chghost: ":nick!user@old CHGHOST <user> <new host>". */
	n = reply_format_from(line, t, "CHGHOST %s %s", t->user, host);
	reply_common_cap(srv, t, t->local != NULL, CAP_CHGHOST, line, n);
	memcpy(t->host, host, strlen(host) + 1);
	if (t->local != NULL)
		reply_numeric(srv, t, RPL_HOSTHIDDEN, host);
	return true;
}

void
link_remote_chghost(struct server *srv, struct client *cli, const char *source,
    const char *uid, const char *host, bool encap)
{
	struct client *t = ts6_uid_is_valid(uid) ? hmap_get(srv->net->users, uid) : NULL;

	if (t == NULL || client_is_closing(t) || !client_is_registered(t) ||
	    !link_host_valid(host))
		return;
	if (!encap)
		link_host_announce(srv, cli, source, t, host);
	link_host_show(srv, t, host);
}

void
link_remote_kill(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct client *t = ts6_uid_is_valid(msg->params[0]) ?
	    hmap_get(srv->net->users, msg->params[0]) : NULL;
	const char *path = msg->nparams > 1 ? msg->params[1] : "";
	char reason[IRC_LINE_MAX];

	if (t == NULL)
		t = client_find_user(srv, msg->params[0]);
	if (t == NULL || client_is_closing(t))
		return;
	snprintf(reason, sizeof(reason), "Killed (%.200s)", path);
	link_broadcast(srv, cli, ":%s KILL %s :%s", msg->source ? msg->source :
	    cli->local->link->server->sid, t->uid[0] ? t->uid : t->nick, path);
	if (t->server != NULL)
		link_remote_close(srv, t, reason);
	else
		client_close(t, reason);
}

void
link_remote_message(struct server *srv, struct client *from, struct client *to,
    const char *cmd, const char *text, const char *tags)
{
	if (to->server == NULL || to->server->via == NULL || from->uid[0] == '\0')
		return;
	if (strcmp(cmd, "TAGMSG") == 0)
		link_relay(srv, to->server->via, NULL, tags, true, ":%s TAGMSG %s",
		    from->uid, to->uid);
	else if (text != NULL)
		link_relay(srv, to->server->via, NULL, tags, false, ":%s %s %s :%s",
		    from->uid, cmd, to->uid, text);
}
