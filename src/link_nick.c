/*
 * Nick collisions between servers and SAVE (link.h). A user introduced
 * (UID, EUID) or renamed (NICK) by a link may want a nick someone holds
 * here; ts6_collide() says who loses by the nick timestamps and the
 * user@hosts. A loser is saved (its nick becomes its UID, with timestamp
 * TS6_SAVE_TS) when the links concerned take SAVE, else killed. Who is
 * told follows Solanum's ts6.md: the existing user's SAVE goes to every
 * link, its KILL to all but the one the collision came from; the new
 * user's SAVE or KILL of an introduction goes back that way only, and
 * the KILL of a renamer everywhere. An unregistered local client that
 * holds the nick simply loses its connection; one that is leaving
 * already gives the nick up at once. Services rename a user of this
 * server with ENCAP RSFNC (a NickServ guest nick or a regained one).
 */
#include "link.h"

#include <stdio.h>
#include <string.h>

#include "casemap.h"
#include "client.h"
#include "history.h"
#include "hmap.h"
#include "irc.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"
#include "network.h"
#include "reply.h"
#include "server.h"
#include "ts6.h"
#include "whowas.h"

/* u's nick becomes nick with timestamp ts, shown to its channels and watchers. */
static int
rename_shown(struct server *srv, struct client *u, const char *nick, int64_t ts)
{
	char line[IRC_LINE_MAX];
	size_t n = reply_format_from(line, u, "NICK :%s", nick);
	bool recase = casemap_cmp(u->nick, nick) == 0;

	whowas_add(srv->whowas, u, srv->now);
	if (!recase)
		monitor_notify(srv, u, false);
	if (client_set_nick(u, nick) == -1)
		return -1;
	u->nick_ts = (time_t)ts;
	reply_common_kept(srv, u, u->local != NULL, line, n, HISTORY_NICK);
	if (!recase)
		monitor_notify(srv, u, true);
	return 0;
}

/*
 * u's nick becomes its UID: shown here, then passed to every link but
 * skip, as SAVE from sid to those that take it, as the nick change it
 * makes to the others.
 */
static void
save_user(struct server *srv, struct client *u, struct client *skip, const char *sid)
{
	long long ts = (long long)u->nick_ts;

	if (rename_shown(srv, u, u->uid, TS6_SAVE_TS) == -1) {
		link_remote_close(srv, u, "Out of memory");
		return;
	}
	for (struct netserver *s = srv->net->me.child; s != NULL; s = s->next) {
		if (s->via == NULL || s->via == skip)
			continue;
		if (s->via->local->link->caps & LINK_CAP_SAVE)
			reply_send(s->via, ":%s SAVE %s %lld", sid, u->uid, ts);
		else
			reply_send(s->via, ":%s NICK %s :%d", u->uid, u->uid, TS6_SAVE_TS);
	}
}

/* u is killed (for a nick collision: why), the KILL sent to every link but skip. */
static void
kill_user(struct server *srv, struct client *u, struct client *skip, const char *why)
{
	if (u->uid[0] != '\0')
		link_broadcast(srv, skip, ":%s KILL %s :%s (%s)",
		    srv->net->me.sid, u->uid, srv->net->me.name, why);
	/* The nick is free at once; the reaper leaves a new holder's entry. */
	if (hmap_get(srv->nicks, u->nick) == u)
		hmap_del(srv->nicks, u->nick);
	link_remote_close(srv, u, why);
}

/* Whether the collision of old with a user from cli may be settled by SAVE. */
static bool
can_save(const struct client *cli, const struct client *old)
{
	const struct client *via = old->server != NULL ? old->server->via : NULL;

	return (cli->local->link->caps & LINK_CAP_SAVE) &&
	    (via == NULL || (via->local->link->caps & LINK_CAP_SAVE));
}

/*
 * The existing user old collides with a user of user@host uh and nick
 * timestamp ts from the link cli. old is saved or killed as the rules
 * say; returns what happens to the other.
 */
static enum ts6_fix
settle(struct server *srv, struct client *cli, struct client *old, const char *uh,
    int64_t ts)
{
	char olduh[IRC_USERLEN + IRC_HOSTLEN + 2];
	struct ts6_outcome o;

	if (client_is_closing(old)) {
		/* Leaving already: the nick is free at once. */
		if (hmap_get(srv->nicks, old->nick) == old)
			hmap_del(srv->nicks, old->nick);
		return TS6_FIX_NONE;
	}
	if (!client_is_registered(old)) {
		kill_user(srv, old, NULL, "Nick collision");
		return TS6_FIX_NONE;
	}
	snprintf(olduh, sizeof(olduh), "%s@%s", old->user, old->host);
	o = ts6_collide(old->nick_ts ? old->nick_ts : old->signon, olduh, ts, uh,
	    can_save(cli, old));
	log_msg(&srv->log, LOG_INFO, "nick collision on %s (%s): %s", old->nick, uh,
	    o.old == TS6_FIX_NONE ? "the new user loses" : o.new == TS6_FIX_NONE ?
	    "the old user loses" : "both lose");
	if (o.old == TS6_FIX_SAVE)
		save_user(srv, old, NULL, srv->net->me.sid);
	else if (o.old == TS6_FIX_KILL)
		kill_user(srv, old, cli, "Nick collision");
	return o.new;
}

const char *
link_nick_intro(struct server *srv, struct client *cli, struct client *old,
    const struct ts6_user *u)
{
	char uh[IRC_USERLEN + IRC_HOSTLEN + 2];

	snprintf(uh, sizeof(uh), "%s@%s", u->user, u->host);
	switch (settle(srv, cli, old, uh, u->ts)) {
	case TS6_FIX_KILL:
		reply_send(cli, ":%s KILL %s :%s (Nick collision)", srv->net->me.sid,
		    u->uid, srv->net->me.name);
		return NULL;
	case TS6_FIX_SAVE:
		reply_send(cli, ":%s SAVE %s %lld", srv->net->me.sid, u->uid,
		    (long long)u->ts);
		return u->uid;
	default:
		return u->nick;
	}
}

void
link_nick_change(struct server *srv, struct client *cli, struct client *u,
    const struct msg *msg)
{
	const char *nick = msg->params[0];
	struct client *other = client_find_nick(srv, nick);
	char uh[IRC_USERLEN + IRC_HOSTLEN + 2];
	int64_t ts;

	if (!name_nick_is_valid(nick, IRC_NICKLEN) && strcmp(nick, u->uid) != 0) {
		link_close(srv, cli, "Bogus nick change");
		return;
	}
	if (msg->nparams < 2 || !ts6_ts_parse(msg->params[1], &ts))
		ts = (int64_t)srv->now;
	snprintf(uh, sizeof(uh), "%s@%s", u->user, u->host);
	switch (other != NULL && other != u ? settle(srv, cli, other, uh, ts) :
	    TS6_FIX_NONE) {
	case TS6_FIX_KILL:
		kill_user(srv, u, NULL, "Nick collision");
		return;
	case TS6_FIX_SAVE:
		reply_send(cli, ":%s SAVE %s %lld", srv->net->me.sid, u->uid, (long long)ts);
		if (strcmp(u->nick, u->uid) == 0)
			return;
		nick = u->uid;
		ts = TS6_SAVE_TS;
		break;
	default:
		break;
	}
	if (rename_shown(srv, u, nick, ts) == -1) {
		link_close(srv, cli, "Out of memory");
		return;
	}
	link_broadcast(srv, cli, ":%s NICK %s :%lld", u->uid, u->nick, (long long)ts);
}

void
link_nick_on_save(struct server *srv, struct client *cli, const char *sid,
    const struct msg *msg)
{
	struct client *t = ts6_uid_is_valid(msg->params[0]) ?
	    hmap_get(srv->net->users, msg->params[0]) : NULL;
	int64_t ts;

	/* A SAVE that crossed a QUIT, a KILL or a nick change does nothing. */
	if (t == NULL || client_is_closing(t) || !client_is_registered(t) ||
	    !ts6_ts_parse(msg->params[1], &ts) ||
	    !ts6_save_applies(t->nick, t->uid, t->nick_ts, ts))
		return;
	log_msg(&srv->log, LOG_INFO, "%s saved from a nick collision", t->nick);
	save_user(srv, t, cli, sid);
}

void
link_nick_on_rsfnc(struct server *srv, const char *const *p, int n)
{
	struct client *t = n >= 4 && ts6_uid_is_valid(p[0]) ?
	    hmap_get(srv->net->users, p[0]) : NULL;
	struct client *other;
	int64_t new_ts, nick_ts;

	/*
	 * Solanum's ts6.md: for a user of this server, and only while its
	 * nick TS is still the one services saw (else the user renamed
	 * itself meanwhile and the order is stale).
	 */
	if (t == NULL || t->local == NULL || client_is_closing(t) ||
	    !client_is_registered(t) || !ts6_ts_parse(p[2], &new_ts) ||
	    !ts6_ts_parse(p[3], &nick_ts) || (int64_t)t->nick_ts != nick_ts ||
	    !name_nick_is_valid(p[1], IRC_NICKLEN) || strcmp(t->nick, p[1]) == 0)
		return;
	/* Whoever holds the new nick is killed off. */
	other = client_find_nick(srv, p[1]);
	if (other != NULL && other != t)
		kill_user(srv, other, NULL, "Nickname regained by services");
	log_msg(&srv->log, LOG_INFO, "services rename %s to %s", t->nick, p[1]);
	if (rename_shown(srv, t, p[1], new_ts) == -1) {
		client_close(t, "Out of memory");
		return;
	}
	link_broadcast(srv, NULL, ":%s NICK %s :%lld", t->uid, t->nick, (long long)new_ts);
}
