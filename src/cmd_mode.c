/*
 * MODE: channel modes (query 324/329, list modes b/e/I, k, l, o, v and the
 * flags C i m n p s t) and user modes (i, o, w). Changes are parsed by
 * mode_parse(), checked and applied one by one here, and exactly what was
 * applied is announced once, as one MODE line.
 */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casemap.h"
#include "channel.h"
#include "client.h"
#include "history.h"
#include "link.h"
#include "mask.h"
#include "mode.h"
#include "msg.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"

#define MODE_MASKLEN (IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 3)
/* "<UID> TMODE <ts>" with a 20-digit timestamp. */
#define MODE_TMODE_HEAD (9 + 7 + 21)

/*
 * Extended bans (channel.h, ISUPPORT EXTBAN=,am): "a:<account mask>" in
 * +b, +e and +I; "m:<mask>" in +b (a mute) and +e, its mask completed
 * like a plain one. Both are cleaned by mask_normalize(). Returns 1 with
 * the entry in out (at least MASK_LEN_MAX + 3 bytes), 0 when arg is not an
 * extban (it does not start with a letter and ':'), -1 when it is one of
 * an unknown type, with an empty or unusable mask, or that means nothing
 * in list.
 */
static int
extban_normalize(char list, const char *arg, char *out, size_t outsz)
{
	char inner[MASK_LEN_MAX + 1];

	if (!((arg[0] >= 'a' && arg[0] <= 'z') || (arg[0] >= 'A' && arg[0] <= 'Z')) ||
	    arg[1] != ':')
		return 0;
	if (strchr(EXTBAN_TYPES, arg[0]) == NULL || arg[2] == '\0')
		return -1;
	if (arg[0] == EXTBAN_ACCOUNT)
		return mask_normalize(arg, EXTBAN_TYPES, out, outsz) == MASK_EXTENDED ? 1 : -1;
	if (list == 'I' || mask_normalize(arg + 2, NULL, inner, sizeof(inner)) != MASK_PLAIN)
		return -1;
	snprintf(out, outsz, "%c:%s", EXTBAN_MUTE, inner);
	return 1;
}

static void
send_mask_list(struct server *srv, struct client *cli, struct channel *chan, char letter)
{
	const struct mask_list *l = letter == 'b' ? &chan->bans :
	    letter == 'e' ? &chan->excepts : &chan->invexes;
	const char *item = letter == 'b' ? RPL_BANLIST :
	    letter == 'e' ? RPL_EXCEPTLIST : RPL_INVEXLIST;

	for (size_t i = 0; i < l->n; i++)
		reply_numeric(srv, cli, item, chan->name, l->v[i].mask,
		    l->v[i].set_by, (long)l->v[i].set_at);
	if (letter == 'b')
		reply_numeric(srv, cli, RPL_ENDOFBANLIST, chan->name);
	else if (letter == 'e')
		reply_numeric(srv, cli, RPL_ENDOFEXCEPTLIST, chan->name);
	else
		reply_numeric(srv, cli, RPL_ENDOFINVEXLIST, chan->name);
}

struct mode_ctx {
	struct server   *srv;
	struct client   *cli;
	struct channel  *chan;
	struct mode_result res;
	bool             op;
	bool             denied;        /* some change needed channel-op */
	int              nparam;        /* changes with a parameter so far */
	unsigned         listed;        /* list modes already sent (1 bit each) */
};

static void
apply_list(struct mode_ctx *x, const struct mode_change *c)
{
	struct mask_list *l = c->letter == 'b' ? &x->chan->bans :
	    c->letter == 'e' ? &x->chan->excepts : &x->chan->invexes;
	char mask[MASK_LEN_MAX + 3], by[MODE_MASKLEN];
	int r;

	/* ISUPPORT MAXLIST=beI:n: one limit shared by the three lists. */
	size_t used = x->chan->bans.n + x->chan->excepts.n + x->chan->invexes.n;
	size_t max = x->srv->cfg.maxlist > used - l->n ? x->srv->cfg.maxlist - (used - l->n) : 0;

	/*
	 * Stored in the one normal form (mask_normalize()), so every entry
	 * can be listed and removed as shown.
	 */
	if ((r = extban_normalize(c->letter, c->arg, mask, sizeof(mask))) == -1) {
		reply_numeric(x->srv, x->cli, ERR_INVALIDMODEPARAM, x->chan->name, c->letter,
		    reply_param(c->arg), "Invalid extban");
		return;
	}
	if (r == 0 && mask_normalize(c->arg, NULL, mask, sizeof(mask)) == MASK_INVALID) {
		reply_numeric(x->srv, x->cli, ERR_INVALIDMODEPARAM, x->chan->name, c->letter,
		    reply_param(c->arg), "Invalid mask");
		return;
	}
	if (c->add) {
		client_prefix(x->cli, by, sizeof(by));
		r = channel_mask_add(l, mask, by, x->srv->now, max);
		if (r == -1)
			reply_numeric(x->srv, x->cli, ERR_BANLISTFULL, x->chan->name, c->letter);
	} else {
		r = channel_mask_del(l, mask);
	}
	if (r == 1)
		mode_result_add(&x->res, c->add, c->letter, mask, NULL);
}

static void
apply_prefix(struct mode_ctx *x, const struct mode_change *c)
{
	struct client *target = client_find_nick(x->srv, c->arg);
	struct membership *m;
	unsigned bit = c->letter == 'o' ? MEMBER_OP : MEMBER_VOICE;

	if (target == NULL || !client_is_registered(target)) {
		reply_numeric(x->srv, x->cli, ERR_NOSUCHNICK, reply_param(c->arg));
		return;
	}
	if ((m = channel_member(x->chan, target)) == NULL) {
		reply_numeric(x->srv, x->cli, ERR_USERNOTINCHANNEL, target->nick, x->chan->name);
		return;
	}
	if (c->add == ((m->prefix & bit) != 0))
		return;
	m->prefix = c->add ? m->prefix | bit : m->prefix & ~bit;
	mode_result_add(&x->res, c->add, c->letter, target->nick,
	    target->uid[0] ? target->uid : NULL);
}

static void
apply_key(struct mode_ctx *x, const struct mode_change *c)
{
	if (c->add && !mode_key_is_valid(c->arg)) {
		reply_numeric(x->srv, x->cli, ERR_INVALIDMODEPARAM, x->chan->name, 'k',
		    reply_param(c->arg), "Invalid key");
		return;
	}
	if (c->add && x->chan->key[0]) {
		reply_numeric(x->srv, x->cli, ERR_KEYSET, x->chan->name);
		return;
	}
	mode_apply_key(x->chan, c->add ? c->arg : NULL, &x->res);
}

static void
apply_limit(struct mode_ctx *x, const struct mode_change *c)
{
	unsigned v = 0;

	if (c->add && !mode_limit_parse(c->arg, &v)) {
		reply_numeric(x->srv, x->cli, ERR_INVALIDMODEPARAM, x->chan->name, 'l',
		    reply_param(c->arg), "Invalid limit");
		return;
	}
	mode_apply_limit(x->chan, v, &x->res);
}

/* Check one change and apply it, answering the numeric when refused. */
static void
apply_change(struct mode_ctx *x, const struct mode_change *c)
{
	if (c->kind == MODE_KIND_UNKNOWN) {
		reply_numeric(x->srv, x->cli, ERR_UNKNOWNMODE, c->letter);
		return;
	}
	if (c->kind == MODE_KIND_LIST && c->arg == NULL) {
		unsigned bit = c->letter == 'b' ? 1 : c->letter == 'e' ? 2 : 4;

		if (!(x->listed & bit))
			send_mask_list(x->srv, x->cli, x->chan, c->letter);
		x->listed |= bit;
		return;
	}
	if (!x->op) {
		x->denied = true;
		return;
	}
	if (c->kind == MODE_KIND_FLAG) {
		mode_apply_flag(x->chan, c->add, c->letter, &x->res);
		return;
	}
	/* Removing k or l needs no parameter; everything else here does. */
	if (c->arg == NULL && (c->add || c->kind == MODE_KIND_PREFIX)) {
		reply_numeric(x->srv, x->cli, ERR_NEEDMOREPARAMS, "MODE");
		return;
	}
	/* ISUPPORT MODES: at most IRC_MODES changes with a parameter. */
	if (++x->nparam > IRC_MODES)
		return;
	if (c->kind == MODE_KIND_LIST)
		apply_list(x, c);
	else if (c->kind == MODE_KIND_PREFIX)
		apply_prefix(x, c);
	else if (c->kind == MODE_KIND_ALWAYS)
		apply_key(x, c);
	else
		apply_limit(x, c);
}

/* Announce the collected changes to the whole channel as one MODE line. */
static void
announce(void *ud, struct mode_result *r)
{
	struct mode_ctx *x = ud;
	char line[IRC_LINE_MAX];
	size_t n = reply_format_from(line, x->cli, "MODE %s %s%s", x->chan->name,
	    r->modes, r->args);

	reply_channel_kept(x->chan, x->cli, line, n, HISTORY_MODE);
	link_chan_mode(x->srv, x->cli, x->chan, r->modes, r->wire);
}

static void
channel_mode(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct mode_ctx x = { .srv = srv, .cli = cli };
	struct mode_change changes[64];
	struct membership *m;
	char modes[IRC_LINE_MAX], prefix[MODE_MASKLEN];
	size_t head;
	int n;

	if ((x.chan = channel_find(srv, msg->params[0])) == NULL) {
		reply_numeric(srv, cli, ERR_NOSUCHCHANNEL, msg->params[0]);
		return;
	}
	m = channel_member(x.chan, cli);
	if (msg->nparams == 1) {
		mode_channel_string(x.chan, m != NULL, modes, sizeof(modes));
		reply_numeric(srv, cli, RPL_CHANNELMODEIS, x.chan->name, modes);
		reply_numeric(srv, cli, RPL_CREATIONTIME, x.chan->name, (long)x.chan->created);
		return;
	}
	x.op = m != NULL && (m->prefix & MEMBER_OP);
	/*
	 * ":prefix MODE #chan " and CR LF around the modes and arguments, or
	 * the links' ":<UID> TMODE <ts> #chan ", whichever is longer.
	 */
	client_prefix(cli, prefix, sizeof(prefix));
	head = strlen(prefix) + 6 > MODE_TMODE_HEAD ? strlen(prefix) + 6 : MODE_TMODE_HEAD;
	x.res.room = IRC_LINE_MAX - 2 - (1 + head + strlen(x.chan->name) + 1);
	x.res.flush = announce;
	x.res.ud = &x;
	n = mode_parse(msg->params[1], (char *const *)msg->params + 2, msg->nparams - 2,
	    changes, 64);
	for (int i = 0; i < n; i++)
		apply_change(&x, &changes[i]);
	if (x.denied)
		reply_numeric(srv, cli, m ? ERR_CHANOPRIVSNEEDED : ERR_NOTONCHANNEL,
		    x.chan->name);
	if (x.res.nmodes > 0)
		announce(&x, &x.res);
}

static void
set_umode(struct client *cli, unsigned bit, bool add,
    struct mode_result *res, char letter)
{
	if (add == ((cli->umodes & bit) != 0))
		return;
	client_set_umode(cli, bit, add);
	mode_result_add(res, add, letter, NULL, NULL);
}

static void
user_mode(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct client *target = client_find_nick(srv, msg->params[0]);
	struct mode_result res = { .sign = 0 };
	bool add = true, unknown = false;

	if (target == NULL) {
		reply_numeric(srv, cli, ERR_NOSUCHNICK, msg->params[0]);
		return;
	}
	if (target != cli) {
		reply_numeric(srv, cli, ERR_USERSDONTMATCH);
		return;
	}
	if (msg->nparams == 1) {
		char modes[8];

		client_umode_string(cli, modes);
		reply_numeric(srv, cli, RPL_UMODEIS, modes);
		return;
	}
	for (const char *p = msg->params[1]; *p; p++) {
		if (*p == '+' || *p == '-')
			add = *p == '+';
		else if (*p == 'i')
			set_umode(cli, UMODE_INVISIBLE, add, &res, 'i');
		else if (*p == 'w')
			set_umode(cli, UMODE_WALLOPS, add, &res, 'w');
		else if (*p == 'B')
			set_umode(cli, UMODE_BOT, add, &res, 'B');
		else if (*p == 'o') {
			/* RFC 2812 3.1.5: +o only through OPER. */
			if (!add)
				set_umode(cli, UMODE_OPER, false, &res, 'o');
		} else
			unknown = true;
	}
	if (unknown)
		reply_numeric(srv, cli, ERR_UMODEUNKNOWNFLAG);
	if (res.nmodes)
		reply_from(cli, cli, "MODE %s :%s", cli->nick, res.modes);
}

void
cmd_mode(struct server *srv, struct client *cli, const struct msg *msg)
{
	if (name_is_channel(msg->params[0]))
		channel_mode(srv, cli, msg);
	else
		user_mode(srv, cli, msg);
}
