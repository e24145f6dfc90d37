/*
 * Reply formatting and fan-out. Every outgoing line passes through
 * reply_vformat(), which enforces the 512-byte limit and the CR LF ending.
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
#include "server.h"

/* End the text of length n (or more, if it was cut) in out with CR LF. */
static size_t
finish_line(char *out, int n)
{
	size_t len = n < 0 ? 0 : (size_t)n;

	/* RFC 1459 2.3: cut the text so that text + CR LF fits in 512. */
	if (len > IRC_LINE_MAX - 2)
		len = IRC_LINE_MAX - 2;
	out[len++] = '\r';
	out[len++] = '\n';
	return len;
}

size_t
reply_vformat(char *out, const char *fmt, va_list ap)
{
	return finish_line(out, vsnprintf(out, IRC_LINE_MAX - 1, fmt, ap));
}

size_t
reply_format(char *out, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = reply_vformat(out, fmt, ap);
	va_end(ap);
	return n;
}

void
reply_send(struct client *cli, const char *fmt, ...)
{
	char line[IRC_LINE_MAX];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = reply_vformat(line, fmt, ap);
	va_end(ap);
	client_send(cli, line, n);
}

void
reply_numeric(struct server *srv, struct client *cli, const char *fmt, ...)
{
	char line[IRC_LINE_MAX];
	int head, n;
	va_list ap;

	/* fmt is "NNN rest": put ":server NNN target " in front of rest. */
	head = snprintf(line, IRC_LINE_MAX - 1, ":%s %.3s %s ", srv->cfg.server_name,
	    fmt, client_name(cli));
	if (head < 0 || head >= IRC_LINE_MAX - 2)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line + head, IRC_LINE_MAX - 1 - (size_t)head, fmt + 4, ap);
	va_end(ap);
	client_send(cli, line, finish_line(line, head + (n < 0 ? 0 : n)));
}

static size_t
vformat_from(char *out, const struct client *from, const char *fmt, va_list ap)
{
	char text[IRC_LINE_MAX], prefix[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 3];

	client_prefix(from, prefix, sizeof(prefix));
	vsnprintf(text, sizeof(text), fmt, ap);
	return reply_format(out, ":%s %s", prefix, text);
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
relay_init(struct relay *r, struct server *srv, const char *line, size_t len,
    const char *client_tags)
{
	int64_t ms = srv->now_wall_ms;
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	memset(r, 0, sizeof(*r));
	r->srv = srv;
	r->line = line;
	r->len = len;
	r->client_tags = client_tags && *client_tags ? client_tags : NULL;
	/* IRCv3 server-time: UTC with milliseconds. */
	gmtime_r(&secs, &tm);
	n = strftime(r->tags, sizeof(r->tags), "time=%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(r->tags + n, sizeof(r->tags) - n, ".%03dZ", (int)(ms % 1000));
	r->time_len = n;
	/* IRCv3 msgid: unique for the server's lifetime and across restarts. */
	snprintf(r->tags + n, sizeof(r->tags) - n, ";msgid=%lx-%llx",
	    (unsigned long)srv->started, (unsigned long long)++srv->msgid_seq);
}

/* Build "@tags " + line for one combination of capabilities. */
static char *
relay_variant(struct relay *r, bool mtags, bool stime, size_t *lenp)
{
	const char *tags = stime ? r->tags : r->tags + r->time_len + 1;
	size_t tlen = mtags ? strlen(tags) : r->time_len;
	size_t ctlen = mtags && r->client_tags ? strlen(r->client_tags) + 1 : 0;
	char *v = malloc(2 + tlen + ctlen + r->len);

	if (v == NULL)
		return NULL;
	v[0] = '@';
	memcpy(v + 1, tags, tlen);
	if (ctlen) {
		v[1 + tlen] = ';';
		memcpy(v + 2 + tlen, r->client_tags, ctlen - 1);
	}
	v[1 + tlen + ctlen] = ' ';
	memcpy(v + 2 + tlen + ctlen, r->line, r->len);
	*lenp = 2 + tlen + ctlen + r->len;
	return v;
}

void
relay_send(struct relay *r, struct client *to)
{
	bool mtags = (to->caps & CAP_MESSAGE_TAGS) != 0;
	bool stime = (to->caps & CAP_SERVER_TIME) != 0;
	int k = (mtags ? 1 : 0) | (stime ? 2 : 0);

	if (k == 0) {
		client_send(to, r->line, r->len);
		return;
	}
	if (r->variant[k] == NULL &&
	    (r->variant[k] = relay_variant(r, mtags, stime, &r->variant_len[k])) == NULL) {
		client_close(to, "Out of memory");
		return;
	}
	client_send(to, r->variant[k], r->variant_len[k]);
}

void
relay_done(struct relay *r)
{
	for (int i = 0; i < 4; i++)
		free(r->variant[i]);
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
	relay_init(&r, to->srv, line, n, NULL);
	relay_send(&r, to);
	relay_done(&r);
}

void
reply_channel(struct channel *chan, const struct client *except,
    const char *line, size_t len)
{
	struct relay r;

	if (chan->members == NULL)
		return;
	relay_init(&r, chan->members->cli->srv, line, len, NULL);
	for (struct membership *m = chan->members; m; m = m->chan_next)
		if (m->cli != except)
			relay_send(&r, m->cli);
	relay_done(&r);
}

void
reply_common(struct server *srv, struct client *cli, bool self,
    const char *line, size_t len)
{
	uint32_t serial = server_next_serial(srv);
	struct relay r;

	relay_init(&r, srv, line, len, NULL);
	/* Each peer once, however many channels it shares with cli. */
	cli->serial = serial;
	if (self)
		relay_send(&r, cli);
	for (struct membership *m = cli->channels; m; m = m->cli_next) {
		for (struct membership *p = m->chan->members; p; p = p->chan_next) {
			if (p->cli->serial == serial)
				continue;
			p->cli->serial = serial;
			relay_send(&r, p->cli);
		}
	}
	relay_done(&r);
}
