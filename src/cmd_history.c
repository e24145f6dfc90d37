/*
 * History family: CHATHISTORY (IRCv3 draft/chathistory, with
 * draft/event-playback) and REDACT (draft/message-redaction). A channel's
 * history is read by its members only; direct messages by the logged-in
 * party that kept them (history.h). Each line's work is bounded by
 * HISTORY_QUERY_MAX items and, for TARGETS, by the user's channels.
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
#include "irc.h"
#include "msg.h"
#include "readmarker.h"
#include "reply.h"
#include "server.h"
#include "servertime.h"

#define MSGID_PREFIX            "msgid="
#define TIMESTAMP_PREFIX        "timestamp="

/* FAIL <cmd> <code> <params> :<text> */
static void
fail(struct server *srv, struct client *cli, const char *cmd, const char *code,
    const char *params, const char *text)
{
	reply_send(cli, ":%s FAIL %s %s %s :%s", srv->cfg.server_name, cmd, code, params,
	    text);
}

/* "*", msgid=... or timestamp=...; -1 for anything else. */
static int
parse_ref(const char *s, bool star, struct history_ref *r)
{
	size_t n;

	r->kind = HISTORY_REF_NONE;
	r->msgid = NULL;
	r->time_ms = 0;
	if (star && strcmp(s, "*") == 0)
		return 0;
	if (strncmp(s, MSGID_PREFIX, strlen(MSGID_PREFIX)) == 0) {
		n = strlen(s + strlen(MSGID_PREFIX));
		if (n == 0 || n > HISTORY_MSGID_MAX)
			return -1;
		r->kind = HISTORY_REF_MSGID;
		r->msgid = s + strlen(MSGID_PREFIX);
		return 0;
	}
	if (strncmp(s, TIMESTAMP_PREFIX, strlen(TIMESTAMP_PREFIX)) == 0 &&
	    servertime_parse(s + strlen(TIMESTAMP_PREFIX), &r->time_ms) == 0) {
		r->kind = HISTORY_REF_TIME;
		return 0;
	}
	return -1;
}

/* A decimal limit, at most HISTORY_QUERY_MAX; -1 if not a number. */
static int
parse_limit(const char *s, size_t *limit)
{
	size_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v <= HISTORY_QUERY_MAX)
			v = v * 10 + (size_t)(*s - '0');
	}
	*limit = v > HISTORY_QUERY_MAX ? HISTORY_QUERY_MAX : v;
	return 0;
}

/* Open a batch of type (and its parameter) for cli; id gets its name, or "". */
static void
batch_open(struct server *srv, struct client *cli, char id[24], const char *type,
    const char *param)
{
	id[0] = '\0';
	if (!(client_caps(cli) & CAP_BATCH))
		return;
	snprintf(id, 24, "ch%llx", (unsigned long long)++srv->msgid_seq);
	reply_send(cli, ":%s BATCH +%s %s%s%s", srv->cfg.server_name, id, type,
	    param ? " " : "", param ? param : "");
}

static void
batch_close(struct server *srv, struct client *cli, const char *id)
{
	if (id[0] != '\0')
		reply_send(cli, ":%s BATCH -%s", srv->cfg.server_name, id);
}

/* Start relaying line for the kept item it: its tags, account, msgid and time. */
static void
relay_item(struct server *srv, struct relay *r, const struct history_item *it,
    const char *line, size_t len)
{
	relay_init(r, srv, NULL, line, len, it->tags);
	r->account = it->account;
	r->bot = (it->flags & HISTORY_F_BOT) != 0;
	relay_stamp(r, it->time_ms, it->msgid);
}

/*
 * The next line of a multiline item at *p (before end): the line without
 * the concat tag in *line and *len, whether it had the tag in *concat,
 * and whether its text is blank in *blank. False at the end.
 */
static bool
next_part(const char **p, const char *end, const char **line, size_t *len,
    bool *concat, bool *blank)
{
	static const char tag[] = "@draft/multiline-concat ";
	const char *nl, *q;
	int spaces = 0;

	if (*p >= end)
		return false;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	*line = *p;
	*len = (size_t)((nl ? nl : end) - *p);
	*p = nl ? nl + 1 : end;
	*concat = *len > sizeof(tag) - 1 && memcmp(*line, tag, sizeof(tag) - 1) == 0;
	if (*concat) {
		*line += sizeof(tag) - 1;
		*len -= sizeof(tag) - 1;
	}
	/* ":prefix CMD target :text": the text follows the third space and ':'. */
	for (q = *line; q < *line + *len && spaces < 3; q++)
		spaces += *q == ' ';
	*blank = q + 1 >= *line + *len;
	return true;
}

/*
 * A kept multiline batch (history.h HISTORY_F_MULTILINE): to a client with
 * draft/multiline and batch, a draft/multiline batch (nested in batch)
 * whose BATCH line carries the message's tags; to others its non-blank
 * lines one by one, the msgid on the first (ircv3.net multiline).
 */
static void
replay_multiline(struct server *srv, struct client *cli, const struct history_item *it,
    const char *batch)
{
	const char *p = it->line, *end = it->line + it->len, *part;
	char line[IRC_LINE_MAX + 2], outer[32], inner[64], id[24];
	char src[IRC_LINE_MAX], target[IRC_LINE_MAX];
	bool concat, blank, nested = (client_caps(cli) & CAP_MULTILINE) && (client_caps(cli) & CAP_BATCH);
	size_t len, n = 0;
	struct relay r;

	snprintf(outer, sizeof(outer), "batch=%s", batch);
	if (!nested) {
		while (next_part(&p, end, &part, &len, &concat, &blank)) {
			if (blank || len > IRC_LINE_MAX - 2)
				continue;
			memcpy(line, part, len);
			memcpy(line + len, "\r\n", 2);
			relay_item(srv, &r, it, line, len + 2);
			r.no_msgid = n++ > 0;
			relay_send_tagged(&r, cli, batch[0] ? outer : NULL);
			relay_done(&r);
		}
		return;
	}
	/* The source and target of the BATCH lines: those of the first line. */
	if (!next_part(&p, end, &part, &len, &concat, &blank) || len >= sizeof(line))
		return;
	memcpy(line, part, len);
	line[len] = '\0';
	if (sscanf(line, "%511s %*s %511s", src, target) != 2)
		return;
	snprintf(id, sizeof(id), "ml%llx", (unsigned long long)++srv->msgid_seq);
	len = (size_t)snprintf(line, sizeof(line), "%s BATCH +%s draft/multiline %s\r\n",
	    src, id, target);
	/* nested: cli has batch, so batch is open. */
	relay_item(srv, &r, it, line, len);
	relay_send_tagged(&r, cli, outer);
	relay_done(&r);
	for (p = it->line; next_part(&p, end, &part, &len, &concat, &blank);) {
		snprintf(inner, sizeof(inner), "batch=%s%s", id,
		    concat ? ";draft/multiline-concat" : "");
		reply_send_tagged(cli, inner, "%.*s", (int)len, part);
	}
	reply_send_tagged(cli, outer, "%s BATCH -%s", src, id);
}

/*
 * A channel's line kept from before a rename (draft/channel-rename) names
 * the channel as it was called then: it is replayed with the name now
 * (it->target), so that the client files it under the channel it asked
 * about. line holds len bytes, ":source COMMAND channel ..."; returns the
 * new length (at most room), or len when nothing changes.
 */
static size_t
renamed_line(const struct history_item *it, char *line, size_t len, size_t room)
{
	char name[IRC_CHANNELLEN + 1], *cmd, *param, *end;
	size_t plen, tlen = strlen(it->target);

	/* QUIT and NICK name no channel; direct messages are not renamed. */
	if (it->owner != NULL || it->kind == HISTORY_QUIT || it->kind == HISTORY_NICK ||
	    (cmd = memchr(line, ' ', len)) == NULL ||
	    (param = memchr(cmd + 1, ' ', len - (size_t)(cmd + 1 - line))) == NULL)
		return len;
	param++;
	end = memchr(param, ' ', len - (size_t)(param - line));
	plen = (size_t)((end ? end : line + len) - param);
	if (plen >= sizeof(name) || len - plen + tlen > room)
		return len;
	memcpy(name, param, plen);
	name[plen] = '\0';
	if (casemap_cmp(name, it->target) == 0)
		return len;
	memmove(param + tlen, param + plen, len - (size_t)(param - line) - plen);
	memcpy(param, it->target, tlen);
	return len - plen + tlen;
}

/*
 * A JOIN is kept in its extended-join form (":source JOIN channel account
 * :realname"); a client without extended-join gets it as it got JOINs,
 * cut after the channel. Returns the new length.
 */
static size_t
join_for(const struct client *cli, const char *line, size_t len)
{
	const char *p = line, *end = line + len;
	int spaces = 0;

	if (client_caps(cli) & CAP_EXTENDED_JOIN)
		return len;
	for (; p < end; p++)
		if (*p == ' ' && ++spaces == 3)
			return (size_t)(p - line);
	return len;
}

/* Send one kept item to cli as it was relayed, with its msgid and time. */
static void
replay(struct server *srv, struct client *cli, const struct history_item *it,
    const char *batch)
{
	if (it->flags & HISTORY_F_MULTILINE) {
		replay_multiline(srv, cli, it, batch);
		return;
	}
	char line[IRC_LINE_MAX + 2], tag[32];
	size_t len = it->len < IRC_LINE_MAX - 2 ? it->len : IRC_LINE_MAX - 2;
	struct relay r;

	/* The batch tag first (ircv3.net batch); none without a batch. */
	snprintf(tag, sizeof(tag), "batch=%s", batch);

	memcpy(line, it->line, len);
	len = renamed_line(it, line, len, IRC_LINE_MAX - 2);
	if (it->kind == HISTORY_JOIN)
		len = join_for(cli, line, len);
	line[len++] = '\r';
	line[len++] = '\n';
	relay_item(srv, &r, it, line, len);
	relay_send_tagged(&r, cli, batch[0] ? tag : NULL);
	relay_done(&r);
}

/*
 * Which history name is meant: a channel cli is on (owner NULL), or a
 * nick whose conversation with cli's account is asked for. Returns -1
 * after FAIL INVALID_TARGET.
 */
static int
resolve_target(struct server *srv, struct client *cli, const char *sub,
    const char *name, const char **key, const char **owner)
{
	char params[IRC_LINE_MAX];

	*owner = NULL;
	if (name_is_channel(name)) {
		struct channel *chan = channel_find(srv, name);

		if (chan != NULL && channel_member(chan, cli) != NULL) {
			*key = chan->name;
			return 0;
		}
	} else if (name_nick_is_valid(name, IRC_NICKLEN)) {
		*key = name;
		*owner = client_account(cli)[0] ? client_account(cli) : "";
		return 0;
	}
	snprintf(params, sizeof(params), "%s %s", sub, reply_param(name));
	fail(srv, cli, "CHATHISTORY", "INVALID_TARGET", params, "Messages could not be retrieved");
	return -1;
}

static const struct {
	const char      *name;
	enum history_op  op;
	int              refs;          /* references before the limit */
} subcommands[] = {
	{ "LATEST",  HISTORY_LATEST,  1 },
	{ "BEFORE",  HISTORY_BEFORE,  1 },
	{ "AFTER",   HISTORY_AFTER,   1 },
	{ "AROUND",  HISTORY_AROUND,  1 },
	{ "BETWEEN", HISTORY_BETWEEN, 2 },
};

static void
send_items(struct server *srv, struct client *cli, const char *target,
    const struct history_item *items, size_t n)
{
	char id[24];

	batch_open(srv, cli, id, "chathistory", target);
	for (size_t i = 0; i < n; i++)
		replay(srv, cli, &items[i], id);
	batch_close(srv, cli, id);
}

static void
select_history(struct server *srv, struct client *cli, const struct msg *msg, size_t s)
{
	struct history_item items[HISTORY_QUERY_MAX];
	struct history_query q = { 0 };
	const char *sub = subcommands[s].name, *key, *owner;
	int refs = subcommands[s].refs;
	size_t n = 0;

	if (msg->nparams < 3 + refs) {
		fail(srv, cli, "CHATHISTORY", "NEED_MORE_PARAMS", sub, "Missing parameters");
		return;
	}
	q.op = subcommands[s].op;
	if (parse_ref(msg->params[2], q.op == HISTORY_LATEST, &q.a) == -1 ||
	    (refs == 2 && parse_ref(msg->params[3], false, &q.b) == -1) ||
	    (q.op != HISTORY_LATEST && q.a.kind == HISTORY_REF_NONE) ||
	    parse_limit(msg->params[2 + refs], &q.limit) == -1) {
		char params[IRC_LINE_MAX];

		snprintf(params, sizeof(params), "%s %s", sub, reply_param(msg->params[2]));
		fail(srv, cli, "CHATHISTORY", "INVALID_PARAMS", params, "Invalid parameters");
		return;
	}
	if (resolve_target(srv, cli, sub, msg->params[1], &key, &owner) == -1)
		return;
	/* draft/event-playback: events and TAGMSG only for clients that asked. */
	q.kinds = HISTORY_MESSAGES;
	if (client_caps(cli) & CAP_EVENT_PLAYBACK)
		q.kinds = HISTORY_ALL;
	if (!(client_caps(cli) & CAP_MESSAGE_TAGS))
		q.kinds &= ~HISTORY_BIT(HISTORY_TAGMSG);
	q.now_ms = srv->now_wall_ms;
	/* Without an account there is no conversation history. */
	if (owner == NULL || owner[0] != '\0')
		n = history_query(srv->history, key, owner, &q, items);
	send_items(srv, cli, msg->params[1], items, n);
}

struct target_time {
	const char      *name;
	int64_t          ms;
};

static int
by_time(const void *a, const void *b)
{
	const struct target_time *x = a, *y = b;

	return x->ms < y->ms ? -1 : x->ms > y->ms;
}

/* CHATHISTORY TARGETS <timestamp> <timestamp> <limit> */
static void
list_targets(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct target_time *v;
	const char *names[HISTORY_QUERY_MAX];
	int64_t times[HISTORY_QUERY_MAX], from, to;
	struct history_ref a, b;
	size_t limit, n = 0, nconv = 0;
	char id[24], tag[32], ts[SERVERTIME_SIZE];

	if (msg->nparams < 4) {
		fail(srv, cli, "CHATHISTORY", "NEED_MORE_PARAMS", "TARGETS", "Missing parameters");
		return;
	}
	if (parse_ref(msg->params[1], false, &a) == -1 || a.kind != HISTORY_REF_TIME ||
	    parse_ref(msg->params[2], false, &b) == -1 || b.kind != HISTORY_REF_TIME ||
	    parse_limit(msg->params[3], &limit) == -1) {
		fail(srv, cli, "CHATHISTORY", "INVALID_PARAMS", "TARGETS", "Invalid parameters");
		return;
	}
	from = a.time_ms < b.time_ms ? a.time_ms : b.time_ms;
	to = a.time_ms < b.time_ms ? b.time_ms : a.time_ms;
	if (client_account(cli)[0])
		nconv = history_conversations(srv->history, client_account(cli), from, to, names,
		    times, limit);
	if ((v = malloc((cli->nchannels + nconv + 1) * sizeof(*v))) == NULL) {
		client_close(cli, "Out of memory");
		return;
	}
	for (struct membership *m = cli->channels; m; m = m->cli_next) {
		int64_t ms = history_last_message(srv->history, m->chan->name, NULL);

		if (ms > from && ms < to)
			v[n++] = (struct target_time){ m->chan->name, ms };
	}
	for (size_t i = 0; i < nconv; i++)
		v[n++] = (struct target_time){ names[i], times[i] };
	qsort(v, n, sizeof(*v), by_time);
	batch_open(srv, cli, id, "draft/chathistory-targets", NULL);
	snprintf(tag, sizeof(tag), "batch=%s", id);
	for (size_t i = 0; i < n && i < limit; i++) {
		servertime_format(v[i].ms, ts);
		if (id[0])
			reply_send_tagged(cli, tag, ":%s CHATHISTORY TARGETS %s %s",
			    srv->cfg.server_name, v[i].name, ts);
		else
			reply_send(cli, ":%s CHATHISTORY TARGETS %s %s", srv->cfg.server_name,
			    v[i].name, ts);
	}
	batch_close(srv, cli, id);
	free(v);
}

void
cmd_chathistory(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *sub = msg->params[0];

	if (casemap_cmp(sub, "TARGETS") == 0) {
		list_targets(srv, cli, msg);
		return;
	}
	for (size_t s = 0; s < sizeof(subcommands) / sizeof(subcommands[0]); s++) {
		if (casemap_cmp(sub, subcommands[s].name) == 0) {
			select_history(srv, cli, msg, s);
			return;
		}
	}
	fail(srv, cli, "CHATHISTORY", "INVALID_PARAMS", reply_param(sub), "Unknown subcommand");
}

/* Whether cli sent the kept message it: same account, or same nick!user@host. */
static bool
is_sender(const struct client *cli, const struct history_item *it)
{
	char prefix[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 3];
	size_t n;

	if (client_account(cli)[0] && it->account && casemap_cmp(client_account(cli), it->account) == 0)
		return true;
	client_prefix(cli, prefix, sizeof(prefix));
	n = strlen(prefix);
	return it->len > n + 1 && it->line[0] == ':' && it->line[n + 1] == ' ' &&
	    strncmp(it->line + 1, prefix, n) == 0;
}

static bool
is_redactable(const struct history_item *it)
{
	return it->kind == HISTORY_PRIVMSG || it->kind == HISTORY_NOTICE ||
	    it->kind == HISTORY_TAGMSG;
}

static void
redact_fail(struct server *srv, struct client *cli, const char *code, const char *target,
    const char *msgid, const char *text)
{
	char params[IRC_LINE_MAX];

	if (msgid)
		snprintf(params, sizeof(params), "%s %s", reply_param(target),
		    reply_param(msgid));
	else
		snprintf(params, sizeof(params), "%s", reply_param(target));
	fail(srv, cli, "REDACT", code, params, text);
}

/* Relay the REDACT line to "to" if it negotiated draft/message-redaction. */
static void
redact_send(struct relay *r, struct client *to)
{
	if (to != NULL && (client_caps(to) & CAP_MESSAGE_REDACTION))
		relay_send(r, to);
}

/*
 * REDACT <target> <msgid> [:reason] (draft/message-redaction): the sender
 * may redact its message; in a channel, its operators too; opers anywhere.
 * The message leaves the history, and the REDACT goes to those who got it
 * and negotiated the capability.
 */
void
cmd_redact(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *target = msg->params[0], *msgid = msg->params[1];
	const char *reason = msg->nparams > 2 ? msg->params[2] : NULL;
	struct channel *chan = NULL;
	struct membership *m = NULL;
	struct client *peer = NULL;
	struct history_item it;
	char line[IRC_LINE_MAX];
	struct relay r;
	bool found;
	size_t n;

	if (name_is_channel(target)) {
		if ((chan = channel_find(srv, target)) == NULL ||
		    (m = channel_member(chan, cli)) == NULL) {
			redact_fail(srv, cli, "INVALID_TARGET", target, NULL,
			    "You cannot delete messages from this target");
			return;
		}
		found = history_find(srv->history, chan->name, NULL, msgid, &it);
	} else {
		if (!name_nick_is_valid(target, IRC_NICKLEN)) {
			redact_fail(srv, cli, "INVALID_TARGET", target, NULL,
			    "You cannot delete messages from this target");
			return;
		}
		peer = client_find_nick(srv, target);
		found = client_account(cli)[0] &&
		    history_find(srv->history, target, client_account(cli), msgid, &it);
	}
	if (!found || !is_redactable(&it)) {
		redact_fail(srv, cli, "UNKNOWN_MSGID", target, msgid,
		    "This message does not exist or is too old");
		return;
	}
	if (!is_sender(cli, &it) && !(cli->umodes & UMODE_OPER) &&
	    (m == NULL || !(m->prefix & MEMBER_OP))) {
		redact_fail(srv, cli, "REDACT_FORBIDDEN", target, msgid,
		    "You are not authorised to delete this message");
		return;
	}
	history_remove(srv->history, msgid);
	target = chan ? chan->name : target;
	if (reason && reason[0])
		n = reply_format_from(line, cli, "REDACT %s %s :%s", target, msgid, reason);
	else
		n = reply_format_from(line, cli, "REDACT %s %s", target, msgid);
	relay_init(&r, srv, cli, line, n, NULL);
	if (chan != NULL) {
		for (m = chan->members; m; m = m->chan_next)
			redact_send(&r, m->cli);
	} else {
		redact_send(&r, peer);
		if (peer != cli)
			redact_send(&r, cli);
	}
	relay_done(&r);
}
