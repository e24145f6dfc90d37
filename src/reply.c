/*
 * Reply formatting and fan-out. Every outgoing line passes through
 * msg_vformat() (msg.h), which enforces the 512-byte limit and the CR LF
 * ending.
 * Broadcasts format once and append the same bytes to each recipient.
 */
#include "reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "cap.h"
#include "channel.h"
#include "client.h"
#include "fmt.h"
#include "history.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"
#include "network.h"
#include "server.h"
#include "servertime.h"

void
reply_send(struct client *cli, const char *fmt, ...)
{
	char line[IRC_LINE_MAX];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = msg_vformat(line, fmt, ap);
	va_end(ap);
	client_send(cli, line, n);
}

void
reply_send_tagged(struct client *cli, const char *tag, const char *fmt, ...)
{
	char line[IRC_LINE_MAX], out[IRC_LINE_MAX + 128];
	va_list ap;
	size_t n;
	int m;

	va_start(ap, fmt);
	n = msg_vformat(line, fmt, ap);
	va_end(ap);
	m = snprintf(out, sizeof(out), "@%s %.*s", tag, (int)n, line);
	if (m > 0 && (size_t)m < sizeof(out))
		client_send(cli, out, (size_t)m);
}

void
reply_line_start(struct reply_line *l, struct server *srv, const struct client *cli,
    const char *fmt)
{
	char numeric[4];

	memcpy(numeric, fmt, 3);
	numeric[3] = '\0';
	l->len = 0;
	reply_line_add(l, ":");
	reply_line_add(l, srv->cfg.server_name);
	reply_line_add(l, " ");
	reply_line_add(l, numeric);
	reply_line_add(l, " ");
	reply_line_add(l, client_name(cli));
	reply_line_add(l, " ");
	l->head = l->len;
}

void
reply_line_add(struct reply_line *l, const char *s)
{
	/* One byte more than a line may hold, so that msg_finish_line() cuts it. */
	size_t n = strlen(s), room = IRC_LINE_MAX - 1 - l->len;

	if (n > room)
		n = room;
	memcpy(l->text + l->len, s, n);
	l->len += n;
}

void
reply_line_addc(struct reply_line *l, char c)
{
	if (l->len < IRC_LINE_MAX - 1)
		l->text[l->len++] = c;
}

void
reply_line_add_uint(struct reply_line *l, unsigned long long v)
{
	char digits[24], *p = digits + sizeof(digits) - 1;

	*p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	reply_line_add(l, p);
}

void
reply_line_send(struct reply_line *l, struct client *cli)
{
	client_send(cli, l->text, msg_finish_line(l->text, (int)l->len));
	l->len = l->head;
}

const char *
reply_param(const char *s)
{
	return s[0] == '\0' || s[0] == ':' || strchr(s, ' ') != NULL ? "*" : s;
}

/*
 * ":src NNN target " (NNN: fmt's first three bytes) at the start of line,
 * copied; its length, or -1 when it leaves no room for text.
 */
static int
numeric_head(char *line, const char *src, const char *fmt, const char *target)
{
	size_t ls = strlen(src), lf = strnlen(fmt, 3), lt = strlen(target);
	size_t n = ls + lf + lt + 4;

	if (n >= IRC_LINE_MAX - 2)
		return -1;
	line[0] = ':';
	memcpy(line + 1, src, ls);
	line[1 + ls] = ' ';
	memcpy(line + 2 + ls, fmt, lf);
	line[2 + ls + lf] = ' ';
	memcpy(line + 3 + ls + lf, target, lt);
	line[n - 1] = ' ';
	return (int)n;
}

/* ":server NNN target rest" from a numeric.h fmt, with "@tag " first unless tag is NULL. */
static void
vnumeric(struct server *srv, struct client *cli, const char *tag, const char *fmt,
    va_list ap)
{
	char line[IRC_LINE_MAX], out[IRC_LINE_MAX + 128];
	int head, n;
	size_t len;

	/*
	 * fmt is "NNN rest": put ":server NNN target " in front of rest. A
	 * user of another server (answered for a remote WHOIS) gets it through
	 * the link towards it, as ":<sid> NNN <uid> rest", without tags.
	 */
	if (cli->local == NULL) {
		if (cli->server == NULL || cli->server->via == NULL || cli->uid[0] == '\0')
			return;
		head = numeric_head(line, srv->net->me.sid, fmt, cli->uid);
		tag = NULL;
	} else {
		head = numeric_head(line, srv->cfg.server_name, fmt, client_name(cli));
	}
	if (head < 0)
		return;
	/* Most numerics take only %s and %u: no stdio for them (fmt.h). */
	n = fmt_vsnprintf(line + head, IRC_LINE_MAX - 1 - (size_t)head, fmt + 4, ap);
	len = msg_finish_line(line, head + (n < 0 ? 0 : n));
	if (cli->local == NULL) {
		client_send(cli->server->via, line, len);
		return;
	}
	if (tag == NULL) {
		client_send(cli, line, len);
		return;
	}
	n = snprintf(out, sizeof(out), "@%s %.*s", tag, (int)len, line);
	if (n > 0 && (size_t)n < sizeof(out))
		client_send(cli, out, (size_t)n);
}

void
reply_numeric(struct server *srv, struct client *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnumeric(srv, cli, NULL, fmt, ap);
	va_end(ap);
}

void
reply_numeric_tagged(struct server *srv, struct client *cli, const char *tag,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnumeric(srv, cli, tag, fmt, ap);
	va_end(ap);
}

static size_t
vformat_from(char *out, const struct client *from, const char *fmt, va_list ap)
{
	char text[IRC_LINE_MAX];
	const char *parts[1] = { text };

	fmt_vsnprintf(text, sizeof(text), fmt, ap);
	return reply_join_from(out, from, parts, 1);
}

size_t
reply_join_from(char *out, const struct client *from, const char *const parts[],
    size_t n)
{
	char prefix[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 3];
	const char *all[REPLY_JOIN_MAX + 3] = { ":", prefix, " " };

	if (n > REPLY_JOIN_MAX)
		n = REPLY_JOIN_MAX;
	client_prefix(from, prefix, sizeof(prefix));
	memcpy(all + 3, parts, n * sizeof(*parts));
	return msg_concat(out, all, n + 3);
}

size_t
reply_format_from(char *out, const struct client *from, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = vformat_from(out, from, fmt, ap);
	va_end(ap);
	return n;
}

void
relay_init(struct relay *r, struct server *srv, const struct client *from,
    const char *line, size_t len, const char *client_tags)
{
	/* Only the fields; tags are formatted when a recipient first needs them. */
	r->srv = srv;
	r->line = line;
	r->len = len;
	r->client_tags = client_tags && *client_tags ? client_tags : NULL;
	r->account = from && client_account(from)[0] ? client_account(from) : NULL;
	r->bot = from && (from->umodes & UMODE_BOT);
	r->no_msgid = false;
	r->time[0] = r->msgid[0] = '\0';
	for (int i = 0; i < 8; i++)
		r->variant[i] = NULL;
}

/* v in lower-case hex at p, no leading zeros; returns the digits written. */
static size_t
put_hex(char *p, unsigned long long v)
{
	char tmp[16];
	size_t n = 0;

	do
		tmp[n++] = "0123456789abcdef"[v & 15];
	while ((v >>= 4) != 0);
	for (size_t i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

const char *
relay_stamp(struct relay *r, int64_t ms, const char *msgid)
{
	/* IRCv3 server-time: UTC with milliseconds. Made for every kept message. */
	memcpy(r->time, "time=", 5);
	servertime_format(ms, r->time + 5);
	memcpy(r->msgid, "msgid=", 6);
	if (msgid != NULL) {
		size_t n = strnlen(msgid, sizeof(r->msgid) - 7);

		memcpy(r->msgid + 6, msgid, n);
		r->msgid[6 + n] = '\0';
	} else {
		/* IRCv3 msgid: unique for the server's lifetime and across restarts. */
		char *p = r->msgid + 6;

		p += put_hex(p, (unsigned long)r->srv->started);
		*p++ = '-';
		p += put_hex(p, ++r->srv->msgid_seq);
		*p = '\0';
	}
	return r->msgid + 6;
}

/* "<started hex>-<seq hex>", as relay_stamp() makes them. */
void
relay_msgid_restored(struct server *srv, const char *msgid)
{
	char prefix[24];
	size_t n = (size_t)snprintf(prefix, sizeof(prefix), "%lx-",
	    (unsigned long)srv->started);
	unsigned long long seq;
	char *end;

	if (strncmp(msgid, prefix, n) != 0)
		return;
	seq = strtoull(msgid + n, &end, 16);
	if (*end == '\0' && seq > srv->msgid_seq)
		srv->msgid_seq = seq;
}

/* The time= and msgid= tags, made once per message on first use. */
static void
relay_make_tags(struct relay *r)
{
	if (r->time[0] == '\0')
		relay_stamp(r, r->srv->now_wall_ms, NULL);
}

/* Keep line (len bytes, no CR LF) with r's tags in the history. */
static void
keep(struct relay *r, const char *target, const char *owner, unsigned kind,
    const char *line, size_t len, unsigned flags)
{
	struct history_item item = { 0 };

	relay_make_tags(r);
	item.target = target;
	item.owner = owner;
	item.time_ms = r->srv->now_wall_ms;
	item.msgid = r->msgid + 6;
	item.line = line;
	item.len = len;
	item.tags = r->client_tags;
	item.account = r->account;
	item.kind = kind;
	item.flags = flags | (r->bot ? HISTORY_F_BOT : 0);
	/* Out of memory: the message went out, only its history is lost. */
	if (history_add(r->srv->history, &item) == -1)
		log_msg(&r->srv->log, LOG_DEBUG, "history: %s not kept", item.msgid);
}

void
relay_keep(struct relay *r, const char *target, const char *owner, unsigned kind)
{
	size_t len = r->len;

	/* The line without its CR LF; the tags are made again on replay. */
	while (len > 0 && (r->line[len - 1] == '\n' || r->line[len - 1] == '\r'))
		len--;
	keep(r, target, owner, kind, r->line, len, 0);
}

void
relay_keep_multiline(struct relay *r, const char *target, const char *owner,
    unsigned kind, const char *lines, size_t len)
{
	keep(r, target, owner, kind, lines, len, HISTORY_F_MULTILINE);
}

/* Append ";part" (or "part" first) to the tag section being built. */
static size_t
add_tag(char *out, size_t len, size_t cap, const char *part)
{
	int n = snprintf(out + len, cap - len, "%s%s", len > 1 ? ";" : "", part);

	return n < 0 || (size_t)n >= cap - len ? len : len + (size_t)n;
}

/* Build "@tags line" for variant k (bit 1 message-tags, 2 server-time, 4 account-tag). */
static char *
relay_variant(struct relay *r, int k, size_t *lenp)
{
	char tags[IRC_SERVER_TAGS_MAX + 1];
	size_t n = 1;
	char *v;

	relay_make_tags(r);
	tags[0] = '@';
	tags[1] = '\0';
	if (k & 2)
		n = add_tag(tags, n, sizeof(tags), r->time);
	if ((k & 1) && !r->no_msgid)
		n = add_tag(tags, n, sizeof(tags), r->msgid);
	if ((k & 1) && r->bot)
		n = add_tag(tags, n, sizeof(tags), "bot");
	if ((k & 4) && r->account) {
		char acct[IRC_ACCOUNTLEN + 16];

		snprintf(acct, sizeof(acct), "account=%s", r->account);
		n = add_tag(tags, n, sizeof(tags), acct);
	}
	if ((k & 1) && r->client_tags)
		n = add_tag(tags, n, sizeof(tags), r->client_tags);
	/* No tag at all (no_msgid and nothing else to show): the bare line. */
	if (n == 1)
		n = 0;
	if ((v = malloc(n + 1 + r->len)) == NULL)
		return NULL;
	memcpy(v, tags, n);
	if (n > 0)
		v[n++] = ' ';
	memcpy(v + n, r->line, r->len);
	*lenp = n + r->len;
	return v;
}

/* The bytes of the variant to's capabilities ask for; NULL: out of memory. */
static const char *
relay_bytes(struct relay *r, const struct client *to, size_t *lenp)
{
	uint32_t caps = client_caps(to);
	int k = ((caps & CAP_MESSAGE_TAGS) ? 1 : 0) | ((caps & CAP_SERVER_TIME) ? 2 : 0) |
	    ((caps & CAP_ACCOUNT_TAG) && r->account ? 4 : 0);

	if (k == 0) {
		*lenp = r->len;
		return r->line;
	}
	if (r->variant[k] == NULL &&
	    (r->variant[k] = relay_variant(r, k, &r->variant_len[k])) == NULL)
		return NULL;
	*lenp = r->variant_len[k];
	return r->variant[k];
}

void
relay_send(struct relay *r, struct client *to)
{
	size_t len;
	const char *p = relay_bytes(r, to, &len);

	if (p == NULL)
		client_close(to, "Out of memory");
	else
		client_send(to, p, len);
}

void
relay_send_tagged(struct relay *r, struct client *to, const char *tag)
{
	size_t len;
	const char *p;

	if (tag == NULL) {
		relay_send(r, to);
		return;
	}
	if ((p = relay_bytes(r, to, &len)) == NULL)
		client_close(to, "Out of memory");
	else
		reply_send_with_tag(to, tag, p, len);
}

void
relay_same_message(struct relay *r, struct relay *first)
{
	relay_make_tags(first);
	memcpy(r->time, first->time, sizeof(r->time));
	memcpy(r->msgid, first->msgid, sizeof(r->msgid));
}

const char *
relay_msgid(struct relay *r)
{
	relay_make_tags(r);
	return r->msgid;
}

void
relay_done(struct relay *r)
{
	for (int i = 0; i < 8; i++)
		free(r->variant[i]);
}

void
reply_send_with_tag(struct client *cli, const char *tag, const char *line, size_t len)
{
	char out[IRC_SERVER_TAGS_MAX + IRC_LINE_MAX + 2];
	int n;

	if (line[0] == '@')
		n = snprintf(out, sizeof(out), "@%s;%.*s", tag, (int)len - 1, line + 1);
	else
		n = snprintf(out, sizeof(out), "@%s %.*s", tag, (int)len, line);
	if (n > 0 && (size_t)n < sizeof(out))
		client_send(cli, out, (size_t)n);
}

void
reply_from(struct client *to, const struct client *from, const char *fmt, ...)
{
	char line[IRC_LINE_MAX];
	struct relay r;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = vformat_from(line, from, fmt, ap);
	va_end(ap);
	relay_init(&r, to->srv, from, line, n, NULL);
	relay_send(&r, to);
	relay_done(&r);
}

void
reply_invite_notify(struct channel *chan, const struct client *from,
    const struct client *target)
{
	char line[IRC_LINE_MAX];
	struct relay r;

	relay_init(&r, from->srv, from, line, reply_format_from(line, from, "INVITE %s %s",
	    target->nick, chan->name), NULL);
	for (struct membership *m = chan->members; m; m = m->chan_next) {
		if (m->cli == from || !(client_caps(m->cli) & CAP_INVITE_NOTIFY))
			continue;
		if ((chan->modes & CMODE_INVITE) && !(m->prefix & MEMBER_OP))
			continue;
		relay_send(&r, m->cli);
	}
	relay_done(&r);
}

void
reply_channel(struct channel *chan, const struct client *from,
    const struct client *except, const char *line, size_t len)
{
	struct relay r;

	if (chan->members == NULL)
		return;
	relay_init(&r, chan->members->cli->srv, from, line, len, NULL);
	for (struct membership *m = chan->members; m; m = m->chan_next)
		if (m->cli != except)
			relay_send(&r, m->cli);
	relay_done(&r);
}

static void
relay_to_watchers(struct relay *r, const struct client *cli, uint32_t cap, uint32_t serial)
{
	size_t n;
	struct client **w = monitor_watchers(r->srv->monitor, cli->nick, &n);

	for (size_t i = 0; i < n; i++) {
		if (w[i]->serial == serial || !(client_caps(w[i]) & CAP_EXTENDED_MONITOR) ||
		    !(client_caps(w[i]) & cap))
			continue;
		w[i]->serial = serial;
		relay_send(r, w[i]);
	}
}

void
reply_channel_kept(struct channel *chan, const struct client *from,
    const char *line, size_t len, unsigned kind)
{
	struct relay r;

	if (chan->members == NULL)
		return;
	relay_init(&r, chan->members->cli->srv, from, line, len, NULL);
	relay_keep(&r, chan->name, NULL, kind);
	for (struct membership *m = chan->members; m; m = m->chan_next)
		relay_send(&r, m->cli);
	relay_done(&r);
}

/* reply_common_cap(), keeping the event in cli's channels' history unless kind < 0. */
static void
common(struct server *srv, struct client *cli, bool self, uint32_t cap,
    const char *line, size_t len, int kind)
{
	uint32_t serial = server_next_serial(srv);
	struct relay r;

	relay_init(&r, srv, cli, line, len, NULL);
	if (kind >= 0)
		for (struct membership *m = cli->channels; m; m = m->cli_next)
			relay_keep(&r, m->chan->name, NULL, (unsigned)kind);
	/* Each peer once, however many channels it shares with cli. */
	cli->serial = serial;
	if (self && (cap == 0 || (client_caps(cli) & cap)))
		relay_send(&r, cli);
	for (struct membership *m = cli->channels; m; m = m->cli_next) {
		for (struct membership *p = m->chan->members; p; p = p->chan_next) {
			if (p->cli->serial == serial)
				continue;
			p->cli->serial = serial;
			if (cap == 0 || (client_caps(p->cli) & cap))
				relay_send(&r, p->cli);
		}
	}
	/* extended-monitor: watchers hear these notifications too. */
	if (cap != 0)
		relay_to_watchers(&r, cli, cap, serial);
	relay_done(&r);
}

void
reply_common_cap(struct server *srv, struct client *cli, bool self, uint32_t cap,
    const char *line, size_t len)
{
	common(srv, cli, self, cap, line, len, -1);
}

void
reply_common(struct server *srv, struct client *cli, bool self,
    const char *line, size_t len)
{
	common(srv, cli, self, 0, line, len, -1);
}

void
reply_common_kept(struct server *srv, struct client *cli, bool self,
    const char *line, size_t len, unsigned kind)
{
	common(srv, cli, self, 0, line, len, (int)kind);
}

size_t
reply_numeric_room(const struct server *srv, const struct client *cli, size_t used)
{
	size_t head = strlen(srv->cfg.server_name) + strlen(client_name(cli)) + 7;

	if (head + used >= IRC_LINE_MAX - 2)
		return 0;
	return IRC_LINE_MAX - 2 - head - used;
}

void
reply_words_init(struct reply_words *w, size_t room)
{
	w->text[0] = '\0';
	w->len = 0;
	w->nwords = 0;
	w->room = room < sizeof(w->text) ? room : sizeof(w->text) - 1;
}

bool
reply_words_add(struct reply_words *w, const char *word)
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

void
reply_format_time(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, outsz, "%A %B %d %Y -- %H:%M:%S UTC", &tm) == 0)
		snprintf(out, outsz, "%lld", (long long)t);
}

void
reply_wallops(struct server *srv, const struct client *from, const char *line,
    size_t len, bool opers_only)
{
	unsigned want = UMODE_WALLOPS | (opers_only ? UMODE_OPER : 0);
	struct relay r;

	relay_init(&r, srv, from, line, len, NULL);
	for (struct client *c = srv->clients; c; c = c->next)
		if (client_is_registered(c) && c->local != NULL && (c->umodes & want) == want)
			relay_send(&r, c);
	relay_done(&r);
}
