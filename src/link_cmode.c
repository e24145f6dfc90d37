/*
 * Channel modes as other servers change them (link.h): TMODE, and a
 * peer's channel MODE, by the simple channel TS rule; the modes of an
 * SJOIN or a JOIN by the channel TS rules (Solanum doc/technical/ts6.md
 * "Channel rules"); BMASK (list modes in a burst) and TB (a topic in a
 * burst). A peer needs no channel-op status, but every change is checked
 * for form and bounded: 64 changes a line, the lists by maxlist. Letters
 * we lack are skipped, their parameters taken by the kind other TS6
 * servers give them. Members here see each change as MODE from the user
 * or server that made it; passing lines on is the caller's job.
 */
#include "link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casemap.h"
#include "channel.h"
#include "client.h"
#include "hmap.h"
#include "history.h"
#include "irc.h"
#include "mask.h"
#include "mode.h"
#include "msg.h"
#include "network.h"
#include "reply.h"
#include "server.h"
#include "ts6.h"

#define PEER_CHANGES_MAX        64
#define PEER_MASKLEN            (IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 3)
/* Words of a TMODE's modes and arguments: more than any server sends. */
#define TMODE_WORDS             32

/* A change made by u, or by the server called who when u is NULL. */
struct peer_mode {
	struct server       *srv;
	struct channel      *chan;
	const struct client *u;
	const char          *who;
	struct mode_result   res;
};

/* Show the collected changes to the members here as one MODE line. */
static void
peer_show(void *ud, struct mode_result *r)
{
	struct peer_mode *x = ud;
	char line[IRC_LINE_MAX];
	size_t n;

	if (x->u != NULL)
		n = reply_format_from(line, x->u, "MODE %s %s%s", x->chan->name, r->modes,
		    r->args);
	else
		n = msg_format(line, ":%s MODE %s %s%s", x->who, x->chan->name, r->modes,
		    r->args);
	reply_channel_kept(x->chan, x->u, line, n, HISTORY_MODE);
}

static void
peer_init(struct peer_mode *x, struct server *srv, struct channel *chan,
    const struct client *u, const char *who)
{
	memset(x, 0, sizeof(*x));
	x->srv = srv;
	x->chan = chan;
	x->u = u;
	x->who = who;
	x->res.room = IRC_LINE_MAX - 2 - (1 + PEER_MASKLEN + 6 + strlen(chan->name) + 1);
	x->res.flush = peer_show;
	x->res.ud = x;
}

static void
peer_done(struct peer_mode *x)
{
	if (x->res.nmodes > 0)
		peer_show(x, &x->res);
	mode_result_reset(&x->res);
}

/* A list entry from a peer: kept as sent, when it is one word that fits. */
static void
peer_list(struct peer_mode *x, const struct mode_change *c)
{
	struct mask_list *l = c->letter == 'b' ? &x->chan->bans :
	    c->letter == 'e' ? &x->chan->excepts : &x->chan->invexes;
	size_t used = x->chan->bans.n + x->chan->excepts.n + x->chan->invexes.n;
	size_t max = x->srv->cfg.maxlist > used - l->n ? x->srv->cfg.maxlist - (used - l->n) : 0;
	char by[PEER_MASKLEN], mask[IRC_LINE_MAX];

	/* An extban's "x:" and a mask as long as ours may be. */
	if (c->arg[0] == '\0' || c->arg[0] == ':' || strlen(c->arg) > MASK_LEN_MAX + 2 ||
	    strpbrk(c->arg, " ,") != NULL)
		return;
	snprintf(mask, sizeof(mask), "%s", c->arg);
	if (x->u != NULL)
		client_prefix(x->u, by, sizeof(by));
	else
		snprintf(by, sizeof(by), "%s", x->who);
	if ((c->add ? channel_mask_add(l, mask, by, x->srv->now, max) :
	    channel_mask_del(l, mask)) == 1)
		mode_result_add(&x->res, c->add, c->letter, mask, NULL);
}

/* +o/+v of a member named by UID (or by nick, from older peers). */
static void
peer_prefix(struct peer_mode *x, const struct mode_change *c)
{
	struct client *t = hmap_get(x->srv->net->users, c->arg);
	unsigned bit = c->letter == 'o' ? MEMBER_OP : MEMBER_VOICE;
	struct membership *m;

	if (t == NULL)
		t = client_find_nick(x->srv, c->arg);
	if (t == NULL || (m = channel_member(x->chan, t)) == NULL ||
	    c->add == ((m->prefix & bit) != 0))
		return;
	m->prefix = c->add ? m->prefix | bit : m->prefix & ~bit;
	mode_result_add(&x->res, c->add, c->letter, t->nick, NULL);
}

/* One change from a peer, applied when it is one of ours and well formed. */
static void
peer_change(struct peer_mode *x, const struct mode_change *c)
{
	unsigned limit = 0;

	if (strchr(MODE_CHANNEL_LETTERS, c->letter) == NULL)
		return;
	if (c->kind == MODE_KIND_FLAG) {
		mode_apply_flag(x->chan, c->add, c->letter, &x->res);
		return;
	}
	if (c->arg == NULL && (c->add || c->kind != MODE_KIND_SET))
		return;
	if (c->kind == MODE_KIND_LIST)
		peer_list(x, c);
	else if (c->kind == MODE_KIND_PREFIX)
		peer_prefix(x, c);
	else if (c->kind == MODE_KIND_ALWAYS && (!c->add || mode_key_is_valid(c->arg)))
		mode_apply_key(x->chan, c->add ? c->arg : NULL, &x->res);
	else if (c->kind == MODE_KIND_SET && (!c->add || mode_limit_parse(c->arg, &limit)))
		mode_apply_limit(x->chan, limit, &x->res);
}

static void
peer_apply(struct peer_mode *x, const char *modestr, char *const *args, int nargs)
{
	struct mode_change changes[PEER_CHANGES_MAX];
	int n = mode_parse_kind(modestr, args, nargs, changes, PEER_CHANGES_MAX, ts6_mode_kind);

	for (int i = 0; i < n; i++)
		peer_change(x, &changes[i]);
}

const char *
link_server_name(struct server *srv, struct client *cli, const char *source)
{
	struct netserver *s = source ? network_find(srv->net, source) : NULL;

	return s != NULL ? s->name : cli->local->link->server->name;
}

/* The space-joined parameters from first on, into out. */
static void
join_params(const struct msg *msg, int first, char *out, size_t outsz)
{
	size_t n = 0;

	out[0] = '\0';
	for (int i = first; i < msg->nparams && n < outsz; i++)
		n += (size_t)snprintf(out + n, outsz - n, " %s", msg->params[i]);
}

/*
 * [:src] TMODE <ts> <channel> <modes> [<args>], or MODE <channel> <modes>
 * [<args>] from a peer that uses it: ignored when its TS is greater than
 * ours, else applied here and passed on as TMODE. The modes and their
 * arguments may come as one trailing parameter (":+o <uid>"): they are
 * taken word by word, at most TMODE_WORDS.
 */
static void
on_tmode(struct server *srv, struct client *cli, const struct client *u,
    const struct msg *msg, int first)
{
	struct channel *chan = channel_find(srv, msg->params[first]);
	long long ts = first ? strtoll(msg->params[0], NULL, 10) : 0;
	char rest[IRC_LINE_MAX], words[IRC_LINE_MAX], *w[TMODE_WORDS], *save = NULL;
	struct peer_mode x;
	int n = 0;

	if (chan == NULL || (first && (ts <= 0 || ts > (long long)chan->created)))
		return;
	join_params(msg, first + 1, rest, sizeof(rest));
	memcpy(words, rest, sizeof(words));
	for (char *p = strtok_r(words, " ", &save); p && n < TMODE_WORDS;
	    p = strtok_r(NULL, " ", &save))
		w[n++] = p;
	if (n == 0)
		return;
	peer_init(&x, srv, chan, u, u ? NULL : link_server_name(srv, cli, msg->source));
	peer_apply(&x, w[0], w + 1, n - 1);
	peer_done(&x);
	link_broadcast(srv, cli, ":%s TMODE %lld %s%s", msg->source ? msg->source :
	    cli->local->link->server->sid, first ? ts : (long long)chan->created,
	    chan->name, rest);
}

/* Send line to every link but except whose peer offers cap (0: all). */
static void
broadcast_cap(struct server *srv, struct client *except, unsigned cap, const char *line)
{
	for (struct netserver *s = srv->net->me.child; s != NULL; s = s->next)
		if (s->via != except && s->via != NULL &&
		    (cap == 0 || (s->via->local->link->caps & cap)))
			reply_send(s->via, "%s", line);
}

/* The capability a peer needs to get the list mode letter in BMASK. */
static unsigned
list_cap(char letter)
{
	return letter == 'e' ? LINK_CAP_EX : letter == 'I' ? LINK_CAP_IE : 0;
}

/*
 * :<sid> BMASK <ts> <channel> <letter> :<masks>: applied when its TS is
 * not greater than ours; passed on to the links that know the list.
 */
static void
on_bmask(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct channel *chan = channel_find(srv, msg->params[1]);
	long long ts = strtoll(msg->params[0], NULL, 10);
	char masks[IRC_LINE_MAX], line[IRC_LINE_MAX], *save = NULL;
	struct mode_change c = { .add = true, .kind = MODE_KIND_LIST };
	struct peer_mode x;

	if (chan == NULL || ts <= 0 || ts > (long long)chan->created ||
	    msg->params[2][0] == '\0' || msg->params[2][1] != '\0')
		return;
	c.letter = msg->params[2][0];
	peer_init(&x, srv, chan, NULL, link_server_name(srv, cli, msg->source));
	snprintf(masks, sizeof(masks), "%s", msg->params[3]);
	/* At most one line's worth of masks: bounded by the line. */
	for (char *m = strtok_r(masks, " ", &save); m; m = strtok_r(NULL, " ", &save)) {
		c.arg = m;
		peer_change(&x, &c);
	}
	peer_done(&x);
	snprintf(line, sizeof(line), ":%s BMASK %lld %s %c :%s", msg->source ? msg->source :
	    cli->local->link->server->sid, ts, chan->name, c.letter, msg->params[3]);
	broadcast_cap(srv, cli, list_cap(c.letter), line);
}

void
link_topic_set(struct channel *chan, const char *topic, const char *by, time_t at)
{
	free(chan->topic);
	free(chan->topic_by);
	chan->topic = chan->topic_by = NULL;
	if (topic[0] != '\0' && ((chan->topic = strndup(topic, IRC_TOPICLEN)) == NULL ||
	    (chan->topic_by = strdup(by)) == NULL)) {
		free(chan->topic);
		chan->topic = NULL;
	}
	chan->topic_at = at;
}

/*
 * :<sid> TB <channel> <topic TS> [<setter>] :<topic>: taken when the
 * channel has no topic or an newer one (Solanum's m_tb.c; the older
 * topic wins), unless it is empty or the same text. Members here see
 * TOPIC from the server; links with TB get it.
 */
static void
on_tb(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct channel *chan = channel_find(srv, msg->params[0]);
	long long ts = strtoll(msg->params[1], NULL, 10);
	const char *topic = msg->params[msg->nparams - 1];
	const char *who = link_server_name(srv, cli, msg->source);
	const char *by = msg->nparams >= 4 ? msg->params[2] : who;
	char line[IRC_LINE_MAX];
	size_t n;

	if (chan == NULL || ts <= 0 || topic[0] == '\0' ||
	    (chan->topic != NULL && ((long long)chan->topic_at <= ts ||
	    strcmp(chan->topic, topic) == 0)))
		return;
	link_topic_set(chan, topic, by, (time_t)ts);
	n = msg_format(line, ":%s TOPIC %s :%s", who, chan->name, chan->topic ?
	    chan->topic : "");
	reply_channel_kept(chan, NULL, line, n, HISTORY_TOPIC);
	snprintf(line, sizeof(line), ":%s TB %s %lld %s :%s", msg->source ? msg->source :
	    cli->local->link->server->sid, chan->name, ts, by, topic);
	broadcast_cap(srv, cli, LINK_CAP_TB, line);
}

/*
 * :<uid> INVITE <target> <channel> <ts>: by the simple channel TS rule.
 * The target's server keeps the invitation (its user may then join) and
 * tells it; every server it crosses tells its members that want
 * invite-notify; the others pass it on towards the target.
 */
static void
on_invite(struct server *srv, struct client *cli, const struct client *u,
    const struct msg *msg)
{
	struct client *t = hmap_get(srv->net->users, msg->params[0]);
	struct channel *chan = channel_find(srv, msg->params[1]);
	long long ts = msg->nparams >= 3 ? strtoll(msg->params[2], NULL, 10) : 0;

	if (t == NULL || chan == NULL || client_is_closing(t) ||
	    ts > (long long)chan->created || channel_member(chan, t) != NULL)
		return;
	reply_invite_notify(chan, u, t);
	if (t->server == NULL) {
		channel_invite_add(srv, chan, t);
		reply_from(t, u, "INVITE %s :%s", t->nick, chan->name);
	} else if (t->server->via != NULL && t->server->via != cli) {
		reply_send(t->server->via, ":%s INVITE %s %s %lld", u->uid, t->uid,
		    chan->name, (long long)chan->created);
	}
}

bool
link_cmode_dispatch(struct server *srv, struct client *cli, const struct client *u,
    const struct msg *msg)
{
	const char *c = msg->command;

	if (strcmp(c, "TMODE") == 0 && msg->nparams >= 3)
		on_tmode(srv, cli, u, msg, 1);
	else if (strcmp(c, "MODE") == 0 && msg->nparams >= 2 &&
	    name_is_channel(msg->params[0]))
		on_tmode(srv, cli, u, msg, 0);
	else if (u != NULL && strcmp(c, "INVITE") == 0 && msg->nparams >= 2)
		on_invite(srv, cli, u, msg);
	else if (u == NULL && strcmp(c, "BMASK") == 0 && msg->nparams >= 4)
		on_bmask(srv, cli, msg);
	else if (u == NULL && strcmp(c, "TB") == 0 && msg->nparams >= 3)
		on_tb(srv, cli, msg);
	else
		return false;
	return true;
}

/* Every mode, status and list entry of chan goes; the members here see it. */
static void
remove_ours(struct peer_mode *x)
{
	struct mask_list *lists[] = { &x->chan->bans, &x->chan->excepts, &x->chan->invexes };
	struct mode_change c = { .add = false, .kind = MODE_KIND_FLAG };
	char mask[IRC_LINE_MAX];

	for (const char *p = "Cimnpst"; *p; p++) {
		c.letter = *p;
		peer_change(x, &c);
	}
	c = (struct mode_change){ .add = false, .letter = 'k', .kind = MODE_KIND_ALWAYS,
	    .arg = "*" };
	peer_change(x, &c);
	c = (struct mode_change){ .add = false, .letter = 'l', .kind = MODE_KIND_SET };
	peer_change(x, &c);
	for (struct membership *m = x->chan->members; m != NULL; m = m->chan_next) {
		if (m->prefix & MEMBER_OP)
			mode_result_add(&x->res, false, 'o', m->cli->nick, NULL);
		if (m->prefix & MEMBER_VOICE)
			mode_result_add(&x->res, false, 'v', m->cli->nick, NULL);
		m->prefix = 0;
	}
	for (size_t i = 0; i < 3; i++) {
		c = (struct mode_change){ .add = false, .letter = "beI"[i],
		    .kind = MODE_KIND_LIST, .arg = mask };
		/* The last entry each time: one pass, whatever happens. */
		for (size_t left = lists[i]->n; left > 0 && lists[i]->n > 0; left--) {
			snprintf(mask, sizeof(mask), "%s", lists[i]->v[lists[i]->n - 1].mask);
			peer_change(x, &c);
		}
	}
	x->chan->ninvites = 0;
}

/* Equal TS: flags are added, the higher limit and the greater key win. */
static void
merge_theirs(struct peer_mode *x, const char *modestr, char *const *args, int nargs)
{
	struct mode_change changes[PEER_CHANGES_MAX];
	int n = mode_parse_kind(modestr, args, nargs, changes, PEER_CHANGES_MAX, ts6_mode_kind);

	for (int i = 0; i < n; i++) {
		const struct mode_change *c = &changes[i];

		if (!c->add || c->kind == MODE_KIND_LIST || c->kind == MODE_KIND_PREFIX)
			continue;
		if (c->letter == 'k' && c->arg && strcmp(c->arg, x->chan->key) <= 0)
			continue;
		if (c->letter == 'l' && c->arg && strtoul(c->arg, NULL, 10) <= x->chan->limit)
			continue;
		peer_change(x, c);
	}
}

enum ts6_chan_ts
link_cmode_sjoin(struct server *srv, struct channel *chan, const char *who, int64_t ts,
    const char *modestr, char *const *args, int nargs)
{
	enum ts6_chan_ts rule = ts6_channel_ts(chan->created, ts);
	char line[IRC_LINE_MAX];
	struct peer_mode x;

	if (rule == TS6_CHAN_KEEP_OURS)
		return rule;
	peer_init(&x, srv, chan, NULL, who);
	if (rule == TS6_CHAN_TAKE_THEIRS) {
		reply_channel(chan, NULL, NULL, line, msg_format(line, ":%s NOTICE %s :*** "
		    "Notice -- TS for %s changed from %lld to %lld", srv->net->me.name,
		    chan->name, chan->name, (long long)chan->created, (long long)ts));
		chan->created = (time_t)ts;
		remove_ours(&x);
		peer_done(&x);
		peer_apply(&x, modestr, args, nargs);
	} else {
		merge_theirs(&x, modestr, args, nargs);
	}
	peer_done(&x);
	return rule;
}

/* BMASK lines for the list letter of c, as many as its entries need. */
static void
burst_list(struct server *srv, struct client *l, const struct channel *c, char letter,
    const struct mask_list *list)
{
	char line[IRC_LINE_MAX];
	size_t head, n;

	if (list->n == 0)
		return;
	head = n = (size_t)snprintf(line, sizeof(line), ":%s BMASK %lld %s %c :",
	    srv->net->me.sid, (long long)c->created, c->name, letter);
	for (size_t i = 0; i < list->n; i++) {
		size_t len = strlen(list->v[i].mask);

		if (n > head && n + 1 + len > IRC_LINE_MAX - 2) {
			reply_send(l, "%s", line);
			n = head;
		}
		if (n + 1 + len > IRC_LINE_MAX - 2)
			continue;
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", n > head ? " " : "",
		    list->v[i].mask);
	}
	if (n > head)
		reply_send(l, "%s", line);
}

void
link_cmode_burst(struct server *srv, struct client *l, const struct channel *c)
{
	unsigned caps = l->local->link->caps;

	burst_list(srv, l, c, 'b', &c->bans);
	if (caps & LINK_CAP_EX)
		burst_list(srv, l, c, 'e', &c->excepts);
	if (caps & LINK_CAP_IE)
		burst_list(srv, l, c, 'I', &c->invexes);
	if ((caps & LINK_CAP_TB) && c->topic != NULL)
		reply_send(l, ":%s TB %s %lld %s :%s", srv->net->me.sid, c->name,
		    (long long)c->topic_at, c->topic_by ? c->topic_by : srv->net->me.name,
		    c->topic);
}
