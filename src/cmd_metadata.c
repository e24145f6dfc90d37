/*
 * METADATA (IRCv3 draft/metadata-3): GET LIST SET CLEAR SUB UNSUB SUBS SYNC
 * on users ("*" is oneself) and channels; changes pushed to subscribers as
 * 761/766 numerics; metadata on JOIN, after registration and in WHOIS
 * (760). Each line's work is bounded by the store's limits (metadata.h)
 * and, for notifications, by the members of the channels involved.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cap.h"
#include "casemap.h"
#include "channel.h"
#include "client.h"
#include "cmd.h"
#include "metadata.h"
#include "monitor.h"
#include "msg.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"

/* A channel larger than this gets 774 on JOIN instead of its metadata. */
#define METADATA_JOIN_SYNC_MAX  100
/* Seconds a client is asked to wait before METADATA SYNC (774). */
#define METADATA_RETRY_AFTER    1
/* Keys per 770/771/772 line: their bytes stay well under 512. */
#define KEYS_LINE_MAX           400

/* The user or channel a METADATA line is about. */
struct target {
	const char      *name;          /* as replies show it */
	struct client   *user;          /* one of user and chan is set */
	struct channel  *chan;
	struct metadata *md;
};

/* Where the lines of one reply go: a "metadata" batch when cli has batch. */
struct out {
	struct server   *srv;
	struct client   *cli;
	char             tag[32];       /* "batch=<id>", or "" */
};

static void
out_open(struct out *o, struct server *srv, struct client *cli, const char *target)
{
	char id[24];

	o->srv = srv;
	o->cli = cli;
	o->tag[0] = '\0';
	if (!(client_caps(cli) & CAP_BATCH))
		return;
	snprintf(id, sizeof(id), "md%llx", (unsigned long long)++srv->msgid_seq);
	reply_send(cli, ":%s BATCH +%s metadata %s", srv->cfg.server_name, id, target);
	snprintf(o->tag, sizeof(o->tag), "batch=%s", id);
}

static void
out_close(struct out *o)
{
	if (o->tag[0] != '\0')
		reply_send(o->cli, ":%s BATCH -%s", o->srv->cfg.server_name, o->tag + 6);
}

static const char *
out_tag(const struct out *o)
{
	return o->tag[0] != '\0' ? o->tag : NULL;
}

/* FAIL METADATA <code> <params> :<text>, inside o's batch when it has one. */
static void
out_fail(const struct out *o, const char *code, const char *params, const char *text)
{
	char line[IRC_LINE_MAX];

	snprintf(line, sizeof(line), ":%s FAIL METADATA %s %s :%s",
	    o->srv->cfg.server_name, code, params, text);
	if (o->tag[0] != '\0')
		reply_send_tagged(o->cli, o->tag, "%s", line);
	else
		reply_send(o->cli, "%s", line);
}

/* A FAIL outside any batch. */
static void
fail(struct server *srv, struct client *cli, const char *code, const char *params,
    const char *text)
{
	struct out o = { srv, cli, "" };

	out_fail(&o, code, params, text);
}

static void
fail_target(struct server *srv, struct client *cli, const char *name)
{
	fail(srv, cli, "INVALID_TARGET", reply_param(name), "Invalid metadata target");
}

static void
fail_permission(struct server *srv, struct client *cli, const struct target *t,
    const char *key)
{
	char params[IRC_LINE_MAX];

	snprintf(params, sizeof(params), "%s %s", t->name, reply_param(key));
	fail(srv, cli, "KEY_NO_PERMISSION", params, "Permission denied");
}

/*
 * Resolve name: "*" is cli itself, then a channel or a registered nick. A
 * secret or private channel is no target for a non-member, as it would
 * not be in WHOIS or LIST. Answers INVALID_TARGET and returns -1 if none.
 */
static int
resolve(struct server *srv, struct client *cli, const char *name, struct target *t)
{
	memset(t, 0, sizeof(*t));
	if (strcmp(name, "*") == 0) {
		t->user = cli;
	} else if (name_is_channel(name)) {
		t->chan = channel_find(srv, name);
		if (t->chan && channel_is_hidden(t->chan) && !channel_member(t->chan, cli))
			t->chan = NULL;
	} else {
		t->user = client_find_nick(srv, name);
		if (t->user && !client_is_registered(t->user))
			t->user = NULL;
	}
	if (t->user) {
		t->name = client_name(t->user);
		t->md = &t->user->metadata;
	} else if (t->chan) {
		t->name = t->chan->name;
		t->md = &t->chan->metadata;
	} else {
		fail_target(srv, cli, name);
		return -1;
	}
	return 0;
}

/* Users' metadata is public; an invite-only channel's is for its members. */
static bool
may_read(const struct client *cli, const struct target *t)
{
	return t->user || !(t->chan->modes & CMODE_INVITE) || channel_member(t->chan, cli);
}

/* The keys cli subscribes to: an empty set when it has none. */
static const struct metadata *
subs_of(const struct client *cli)
{
	static const struct metadata none;

	return cli->local != NULL && cli->local->extra != NULL ?
	    &cli->local->extra->metadata_subs : &none;
}

/* Oneself, and channels one is an operator of. */
static bool
may_write(const struct client *cli, const struct target *t)
{
	const struct membership *m;

	if (t->user)
		return t->user == cli;
	m = channel_member(t->chan, cli);
	return m != NULL && (m->prefix & MEMBER_OP);
}

static bool
is_subscribed(const struct client *cli, const char *key)
{
	return (client_caps(cli) & CAP_METADATA) && metadata_find(subs_of(cli), key);
}

/* Send ":server <num> <nick> <rest>" to chan's subscribers of key not yet stamped. */
static void
notify_members(struct server *srv, struct channel *chan, uint32_t serial,
    const char *key, const char *num, const char *rest)
{
	for (struct membership *p = chan->members; p; p = p->chan_next) {
		if (p->cli->serial == serial)
			continue;
		p->cli->serial = serial;
		if (is_subscribed(p->cli, key))
			reply_send(p->cli, ":%s %s %s %s", srv->cfg.server_name, num,
			    p->cli->nick, rest);
	}
}

/*
 * The same to those who MONITOR user with extended-monitor (ircv3.net
 * metadata: clients get updates of the users they monitor, as
 * extended-monitor gives them what channel sharers get), not yet stamped.
 */
static void
notify_watchers(struct server *srv, const struct client *user, uint32_t serial,
    const char *key, const char *num, const char *rest)
{
	size_t n;
	struct client **w = monitor_watchers(srv->monitor, user->nick, &n);

	for (size_t i = 0; i < n; i++) {
		if (w[i]->serial == serial || !(client_caps(w[i]) & CAP_EXTENDED_MONITOR))
			continue;
		w[i]->serial = serial;
		if (is_subscribed(w[i], key))
			reply_send(w[i], ":%s %s %s %s", srv->cfg.server_name, num, w[i]->nick,
			    rest);
	}
}

/*
 * Tell subscribers that key of t is now value (NULL: unset), except from,
 * who made the change: for a channel its members, for a user everyone
 * sharing a channel with it and its MONITOR watchers with extended-monitor
 * (each once). The line is formatted once; only the recipient's nick
 * differs.
 */
static void
notify(struct server *srv, struct client *from, const struct target *t,
    const char *key, const char *value)
{
	char rest[IRC_LINE_MAX];
	const char *num = value ? "761" : "766";
	uint32_t serial = server_next_serial(srv);

	if (value)
		snprintf(rest, sizeof(rest), "%s %s * :%s", t->name, key, value);
	else
		snprintf(rest, sizeof(rest), "%s %s :key not set", t->name, key);
	from->serial = serial;
	if (t->chan) {
		notify_members(srv, t->chan, serial, key, num, rest);
		return;
	}
	for (struct membership *m = t->user->channels; m; m = m->cli_next)
		notify_members(srv, m->chan, serial, key, num, rest);
	notify_watchers(srv, t->user, serial, key, num, rest);
}

static void
md_get(struct server *srv, struct client *cli, const struct msg *msg,
    const struct target *t)
{
	struct out o;

	if (msg->nparams < 3) {
		reply_numeric(srv, cli, ERR_NEEDMOREPARAMS, "METADATA");
		return;
	}
	out_open(&o, srv, cli, t->name);
	for (int i = 2; i < msg->nparams; i++) {
		const char *key = msg->params[i], *value;
		char params[IRC_LINE_MAX];

		if (!metadata_key_valid(key)) {
			out_fail(&o, "KEY_INVALID", reply_param(key), "Invalid key");
		} else if (!may_read(cli, t)) {
			snprintf(params, sizeof(params), "%s %s", t->name, key);
			out_fail(&o, "KEY_NO_PERMISSION", params, "Permission denied");
		} else if ((value = metadata_get(t->md, key)) != NULL) {
			reply_numeric_tagged(srv, cli, out_tag(&o), RPL_KEYVALUE, t->name,
			    metadata_find(t->md, key)->key, value);
		} else {
			reply_numeric_tagged(srv, cli, out_tag(&o), RPL_KEYNOTSET, t->name, key);
		}
	}
	out_close(&o);
}

static void
md_list(struct server *srv, struct client *cli, const struct target *t)
{
	struct out o;

	if (!may_read(cli, t)) {
		fail_permission(srv, cli, t, "*");
		return;
	}
	out_open(&o, srv, cli, t->name);
	for (size_t i = 0; i < t->md->n; i++)
		reply_numeric_tagged(srv, cli, out_tag(&o), RPL_KEYVALUE, t->name,
		    t->md->v[i].key, t->md->v[i].value);
	out_close(&o);
}

/*
 * Spec "METADATA SET": RATE_LIMITED. Each SET advances the client's timer
 * by 60 / metadata_set_rate seconds; while it runs metadata_set_burst
 * SETs ahead of now, SET is refused with the seconds to wait. Trusted
 * (flood_exempt) clients are not limited.
 */
static bool
rate_limited(struct server *srv, struct client *cli, const struct target *t,
    const char *key, const char *value)
{
	int64_t step = 60000 / srv->cfg.metadata_set_rate;
	int64_t window = (int64_t)srv->cfg.metadata_set_burst * step, wait_ms;
	char params[IRC_LINE_MAX];
	struct local_extra *x;

	if (cli->local->flood_exempt)
		return false;
	/* Without memory for the timer, SET itself will fail for the same reason. */
	if ((x = local_extra(cli->local)) == NULL)
		return false;
	if (x->metadata_at_ms < srv->now_ms)
		x->metadata_at_ms = srv->now_ms;
	wait_ms = x->metadata_at_ms + step - window - srv->now_ms;
	if (wait_ms <= 0) {
		x->metadata_at_ms += step;
		return false;
	}
	/* RATE_LIMITED <Target> <Key> <RetryAfter> <Value> (the spec's table). */
	snprintf(params, sizeof(params), "%s %s %lld %s", t->name, key,
	    (long long)((wait_ms + 999) / 1000), value ? reply_param(value) : "*");
	fail(srv, cli, "RATE_LIMITED", params, "Too many metadata changes");
	return true;
}

static void
md_set(struct server *srv, struct client *cli, const struct msg *msg,
    const struct target *t)
{
	const char *key = msg->params[2];
	const char *value = msg->nparams > 3 && msg->params[3][0] ? msg->params[3] : NULL;
	char folded[METADATA_KEYLEN + 1];
	int r;

	if (!metadata_key_valid(key)) {
		fail(srv, cli, "KEY_INVALID", reply_param(key), "Invalid key");
		return;
	}
	if (!may_write(cli, t)) {
		fail_permission(srv, cli, t, key);
		return;
	}
	metadata_key_fold(key, folded);
	if (rate_limited(srv, cli, t, folded, value))
		return;
	if (value && strlen(value) > srv->cfg.metadata_max_value) {
		fail(srv, cli, "INVALID_VALUE", folded, "Value is too long");
		return;
	}
	/* Values are UTF-8 even with utf8only = no (server.c lets such lines in). */
	if (value && !msg_is_utf8(value, strlen(value))) {
		fail(srv, cli, "INVALID_VALUE", folded, "Value is not UTF-8");
		return;
	}
	if (value == NULL) {
		/* An empty value removes the key, as CLEAR does. */
		r = metadata_del(t->md, folded);
		reply_numeric(srv, cli, RPL_KEYNOTSET, t->name, folded);
		if (r == 1)
			notify(srv, cli, t, folded, NULL);
		return;
	}
	r = metadata_set(t->md, folded, value, srv->cfg.metadata_max_keys);
	if (r == -1) {
		fail(srv, cli, "LIMIT_REACHED", t->name, "Metadata limit reached");
	} else if (r == -2) {
		client_close(cli, "Out of memory");
	} else {
		reply_numeric(srv, cli, RPL_KEYVALUE, t->name, folded, value);
		notify(srv, cli, t, folded, value);
	}
}

static void
md_clear(struct server *srv, struct client *cli, const struct target *t)
{
	struct out o;

	if (!may_write(cli, t)) {
		fail_permission(srv, cli, t, "*");
		return;
	}
	out_open(&o, srv, cli, t->name);
	for (size_t i = 0; i < t->md->n; i++) {
		reply_numeric_tagged(srv, cli, out_tag(&o), RPL_KEYNOTSET, t->name,
		    t->md->v[i].key);
		notify(srv, cli, t, t->md->v[i].key, NULL);
	}
	metadata_free(t->md);
	out_close(&o);
}

/* Collects keys into 770/771/772 lines of at most KEYS_LINE_MAX bytes. */
struct keys_line {
	const char *numeric;
	char        text[KEYS_LINE_MAX + METADATA_KEYLEN + 2];
	size_t      len;
};

static void
keys_flush(struct server *srv, struct client *cli, struct keys_line *k)
{
	if (k->len > 0)
		reply_numeric(srv, cli, k->numeric, k->text);
	k->len = 0;
}

/* Keys are words without ':' in front, so they are middle parameters. */
static void
keys_add(struct server *srv, struct client *cli, struct keys_line *k, const char *key)
{
	if (k->len + 1 + strlen(key) > KEYS_LINE_MAX)
		keys_flush(srv, cli, k);
	k->len += (size_t)snprintf(k->text + k->len, sizeof(k->text) - k->len, "%s%s",
	    k->len ? " " : "", key);
}

/*
 * Metadata was subscribed to: ask for METADATA SYNC of each channel cli is
 * on, rather than sending every member's values now (spec "Postponed
 * synchronization"); that keeps SUB's cost to cli's own channels.
 */
static void
sync_later(struct server *srv, struct client *cli)
{
	for (struct membership *m = cli->channels; m; m = m->cli_next)
		reply_numeric(srv, cli, RPL_METADATASYNCLATER, m->chan->name,
		    METADATA_RETRY_AFTER);
}

static void
md_sub(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct keys_line k = { RPL_METADATASUBOK, "", 0 };
	struct local_extra *x = local_extra(cli->local);
	bool added = false;

	if (x == NULL) {
		client_close(cli, "Out of memory");
		return;
	}
	for (int i = 2; i < msg->nparams; i++) {
		const char *key = msg->params[i];
		int r;

		if (!metadata_key_valid(key)) {
			fail(srv, cli, "KEY_INVALID", reply_param(key), "Invalid key");
			continue;
		}
		r = metadata_set(&x->metadata_subs, key, NULL, srv->cfg.metadata_max_subs);
		if (r == -1) {
			/* Spec: the first key not subscribed to; the rest are not processed. */
			fail(srv, cli, "TOO_MANY_SUBS", key, "Too many subscriptions");
			break;
		}
		if (r == -2) {
			client_close(cli, "Out of memory");
			return;
		}
		added |= r == 1;
		keys_add(srv, cli, &k, metadata_find(&x->metadata_subs, key)->key);
	}
	keys_flush(srv, cli, &k);
	if (added && client_is_registered(cli))
		sync_later(srv, cli);
}

static void
md_unsub(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct keys_line k = { RPL_METADATAUNSUBOK, "", 0 };
	char folded[METADATA_KEYLEN + 1];

	for (int i = 2; i < msg->nparams; i++) {
		if (!metadata_key_valid(msg->params[i])) {
			fail(srv, cli, "KEY_INVALID", reply_param(msg->params[i]), "Invalid key");
			continue;
		}
		metadata_key_fold(msg->params[i], folded);
		if (cli->local->extra != NULL)
			metadata_del(&cli->local->extra->metadata_subs, folded);
		keys_add(srv, cli, &k, folded);
	}
	keys_flush(srv, cli, &k);
}

static void
md_subs(struct server *srv, struct client *cli)
{
	struct keys_line k = { RPL_METADATASUBS, "", 0 };
	const struct metadata *subs = subs_of(cli);

	for (size_t i = 0; i < subs->n; i++)
		keys_add(srv, cli, &k, subs->v[i].key);
	keys_flush(srv, cli, &k);
}

/* The values of md that cli subscribes to, as 761 about name. */
static void
send_subscribed(const struct out *o, const char *name, const struct metadata *md)
{
	for (size_t i = 0; i < md->n; i++)
		if (metadata_find(subs_of(o->cli), md->v[i].key))
			reply_numeric_tagged(o->srv, o->cli, out_tag(o), RPL_KEYVALUE, name,
			    md->v[i].key, md->v[i].value);
}

/* A channel's subscribed metadata and that of its other members. */
static void
send_channel(const struct out *o, struct channel *chan)
{
	send_subscribed(o, chan->name, &chan->metadata);
	for (struct membership *p = chan->members; p; p = p->chan_next)
		if (p->cli != o->cli && p->cli->metadata.n > 0)
			send_subscribed(o, p->cli->nick, &p->cli->metadata);
}

static void
md_sync(struct server *srv, struct client *cli, const struct target *t)
{
	struct out o;

	if (!may_read(cli, t)) {
		fail_permission(srv, cli, t, "*");
		return;
	}
	out_open(&o, srv, cli, t->name);
	if (t->chan)
		send_channel(&o, t->chan);
	else
		send_subscribed(&o, t->name, t->md);
	out_close(&o);
}

/*
 * Before registration (spec "before-connect") a client with the
 * capability may manage its own metadata and subscriptions; SYNC and
 * other targets wait for registration.
 */
static bool
allowed_unregistered(const struct client *cli, const struct msg *msg)
{
	return (client_caps(cli) & CAP_METADATA) && strcmp(msg->params[0], "*") == 0 &&
	    strcasecmp(msg->params[1], "SYNC") != 0;
}

static void
run_on_target(struct server *srv, struct client *cli, const struct msg *msg,
    const char *sub)
{
	struct target t;

	if (resolve(srv, cli, msg->params[0], &t) < 0)
		return;
	if (strcasecmp(sub, "GET") == 0)
		md_get(srv, cli, msg, &t);
	else if (strcasecmp(sub, "LIST") == 0)
		md_list(srv, cli, &t);
	else if (strcasecmp(sub, "SET") == 0 && msg->nparams < 3)
		reply_numeric(srv, cli, ERR_NEEDMOREPARAMS, "METADATA");
	else if (strcasecmp(sub, "SET") == 0)
		md_set(srv, cli, msg, &t);
	else if (strcasecmp(sub, "CLEAR") == 0)
		md_clear(srv, cli, &t);
	else
		md_sync(srv, cli, &t);
}

void
cmd_metadata(struct server *srv, struct client *cli, const struct msg *msg)
{
	static const char *const own[] = { "SUB", "UNSUB", "SUBS" };
	static const char *const any[] = { "GET", "LIST", "SET", "CLEAR", "SYNC" };
	const char *sub = msg->params[1];

	if (!client_is_registered(cli) && !allowed_unregistered(cli, msg)) {
		reply_numeric(srv, cli, ERR_NOTREGISTERED);
		return;
	}
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		if (strcasecmp(sub, own[i]) != 0)
			continue;
		/* Subscriptions are one's own: the target is "*". */
		if (strcmp(msg->params[0], "*") != 0)
			fail_target(srv, cli, msg->params[0]);
		else if (i < 2 && msg->nparams < 3)
			reply_numeric(srv, cli, ERR_NEEDMOREPARAMS, "METADATA");
		else if (i == 0)
			md_sub(srv, cli, msg);
		else if (i == 1)
			md_unsub(srv, cli, msg);
		else
			md_subs(srv, cli);
		return;
	}
	for (size_t i = 0; i < sizeof(any) / sizeof(any[0]); i++) {
		if (strcasecmp(sub, any[i]) == 0) {
			run_on_target(srv, cli, msg, sub);
			return;
		}
	}
	fail(srv, cli, "SUBCOMMAND_INVALID", reply_param(sub), "Invalid subcommand");
}

void
cmd_metadata_send_join(struct server *srv, struct client *cli, struct channel *chan)
{
	struct out o = { srv, cli, "" };

	if (!(client_caps(cli) & CAP_METADATA) || subs_of(cli)->n == 0)
		return;
	if (chan->nmembers > METADATA_JOIN_SYNC_MAX) {
		reply_numeric(srv, cli, RPL_METADATASYNCLATER, chan->name,
		    METADATA_RETRY_AFTER);
		return;
	}
	send_channel(&o, chan);
}

void
cmd_metadata_send_own(struct server *srv, struct client *cli)
{
	struct out o;

	if (!(client_caps(cli) & CAP_METADATA))
		return;
	/* Spec: one's own metadata in a batch, an empty one when there is none. */
	out_open(&o, srv, cli, cli->nick);
	for (size_t i = 0; i < cli->metadata.n; i++)
		reply_numeric_tagged(srv, cli, out_tag(&o), RPL_KEYVALUE, cli->nick,
		    cli->metadata.v[i].key, cli->metadata.v[i].value);
	out_close(&o);
}

void
cmd_metadata_send_whois(struct server *srv, struct client *cli, const struct client *t)
{
	/* Spec: a chosen subset, meant to be read by people. */
	static const char *const shown[] = { "display-name", "pronouns", "homepage" };

	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		const char *value = metadata_get(&t->metadata, shown[i]);

		if (value)
			reply_numeric(srv, cli, RPL_WHOISKEYVALUE, t->nick, shown[i], value);
	}
}
