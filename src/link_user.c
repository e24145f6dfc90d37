/*
 * The users of this server as the links see them (link.h): each gets a
 * UID (ts6.h) once this server has a sid, is introduced in every burst
 * and when it registers, and its nick changes and its leaving are passed
 * on. The form of an introduction follows the peer: EUID when it offers
 * the EUID capability, else hybrid's UID with realhost and account.
 */
#include "link.h"

#include <stdio.h>
#include <string.h>

#include "client.h"
#include "hmap.h"
#include "network.h"
#include "reply.h"
#include "server.h"
#include "ts6.h"

/* cli's UID, given now if it has none; "" while this server has no sid. */
static const char *
uid_of(struct server *srv, struct client *cli)
{
	struct network *net = srv->net;

	if (cli->uid[0] == '\0' && net->me.sid[0] != '\0') {
		ts6_uid_make(cli->uid, net->me.sid, net->next_uid++);
		/* Found by UID when a link names it; no memory: not found. */
		if (hmap_put(net->users, cli->uid, cli) == -1)
			cli->uid[0] = '\0';
	}
	return cli->uid;
}

const char *
link_user_uid(struct server *srv, struct client *cli)
{
	return uid_of(srv, cli);
}

void
link_user_login(struct server *srv, struct client *cli)
{
	const char *acct = client_account(cli);

	if (client_is_registered(cli) && cli->uid[0] != '\0')
		link_broadcast(srv, NULL, ":%s ENCAP * LOGIN %s", cli->uid,
		    acct[0] ? acct : "*");
}

void
link_send_user(struct server *srv, struct client *l, struct client *u)
{
	const char *sid = u->server ? u->server->sid : srv->net->me.sid;
	const char *acct = client_account(u)[0] ? client_account(u) : "*";
	/* A user of another server's as its server gave it ("0": none). */
	const char *ip = link_remote_ip(srv, u);
	unsigned hops = u->server ? u->server->hops + 1 : 1;
	/* The real host: a user here behind a host services gave has its address. */
	const char *real = u->server == NULL ? client_addr(u) : u->host;
	char umodes[8];

	/* A user restored by a hot upgrade has no nick timestamp saved. */
	if (u->nick_ts == 0)
		u->nick_ts = u->signon ? u->signon : srv->now;
	client_umode_string(u, umodes);
	/* An address starting with ':' would read as the last parameter. */
	if (ip[0] == ':')
		ip = real;
	if (l->local->link->caps & LINK_CAP_EUID)
		reply_send(l, ":%s EUID %s %u %lld %s %s %s %s %s %s %s :%s", sid,
		    u->nick, hops, (long long)u->nick_ts, umodes, u->user, u->host, ip,
		    uid_of(srv, u), real, acct, u->realname ? u->realname : "");
	else
		reply_send(l, ":%s UID %s %u %lld %s %s %s %s %s %s %s :%s", sid,
		    u->nick, hops, (long long)u->nick_ts, umodes, u->user, u->host,
		    real, ip, uid_of(srv, u), acct, u->realname ? u->realname : "");
}

static bool
is_our_user(const struct client *cli)
{
	return client_is_registered(cli) && cli->local != NULL && cli->local->link == NULL;
}

void
link_burst_users(struct server *srv, struct client *l)
{
	/* A line or two per user of this server: the burst is that big anyway. */
	for (struct client *u = srv->clients; u != NULL; u = u->next) {
		/* Ours, and those of servers that are not behind l. */
		if (!is_our_user(u) && (u->server == NULL || u->server->via == l ||
		    !client_is_registered(u)))
			continue;
		link_send_user(srv, l, u);
		if (u->away != NULL)
			reply_send(l, ":%s AWAY :%s", u->uid, u->away);
	}
}

void
link_user_mode(struct server *srv, struct client *cli, unsigned bit, bool on)
{
	static const struct {
		unsigned bit;
		char letter;
	} letters[] = {
		{ UMODE_INVISIBLE, 'i' }, { UMODE_OPER, 'o' }, { UMODE_WALLOPS, 'w' },
		{ UMODE_BOT, 'B' },
	};

	if (cli->uid[0] == '\0' || !is_our_user(cli))
		return;
	for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
		if (letters[i].bit == bit)
			link_broadcast(srv, NULL, ":%s MODE %s :%c%c", cli->uid,
			    cli->uid, on ? '+' : '-', letters[i].letter);
}

void
link_user_wallops(struct server *srv, struct client *cli, const char *text)
{
	if (cli->uid[0] != '\0' && is_our_user(cli))
		link_broadcast(srv, NULL, ":%s WALLOPS :%s", cli->uid, text);
}

void
link_user_away(struct server *srv, struct client *cli)
{
	if (cli->uid[0] == '\0' || !is_our_user(cli))
		return;
	if (cli->away != NULL)
		link_broadcast(srv, NULL, ":%s AWAY :%s", cli->uid, cli->away);
	else
		link_broadcast(srv, NULL, ":%s AWAY", cli->uid);
}

void
link_user_intro(struct server *srv, struct client *cli)
{
	cli->nick_ts = srv->now;
	if (uid_of(srv, cli)[0] == '\0')
		return;
	for (struct netserver *s = srv->net->me.child; s != NULL; s = s->next)
		link_send_user(srv, s->via, cli);
}

void
link_user_nick(struct server *srv, struct client *cli)
{
	cli->nick_ts = srv->now;
	if (cli->uid[0] != '\0')
		link_broadcast(srv, NULL, ":%s NICK %s :%lld", cli->uid, cli->nick,
		    (long long)cli->nick_ts);
}

void
link_user_quit(struct server *srv, struct client *cli, const char *reason)
{
	bool ours = cli->server == NULL;

	/* Users of other servers leave by their server's word, not ours. */
	link_remote_forget(srv, cli);
	if (ours && cli->uid[0] != '\0' && (cli->local == NULL || cli->local->link == NULL))
		link_broadcast(srv, NULL, ":%s QUIT :%s", cli->uid, reason);
}

void
link_user_kill(struct server *srv, struct client *killer, struct client *victim,
    const char *why)
{
	const char *from = uid_of(srv, killer);

	if (victim->server == NULL || victim->uid[0] == '\0')
		return;
	link_broadcast(srv, NULL, ":%s KILL %s :%s!%s!%s!%s (%s)",
	    from[0] != '\0' ? from : srv->net->me.sid, victim->uid,
	    srv->cfg.server_name, killer->host, killer->user, killer->nick, why);
}
