/*
 * Reply formatting and fan-out. Every outgoing line passes through
 * reply_vformat(), which enforces the 512-byte limit and the CR LF ending.
 * Broadcasts format once and append the same bytes to each recipient.
 */
#include "reply.h"

#include <stdio.h>
#include <string.h>

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
reply_from(struct client *to, const struct client *from, const char *fmt, ...)
{
	char line[IRC_LINE_MAX];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = vformat_from(line, from, fmt, ap);
	va_end(ap);
	client_send(to, line, n);
}

void
reply_channel(struct channel *chan, const struct client *except,
    const char *line, size_t len)
{
	for (struct membership *m = chan->members; m; m = m->chan_next)
		if (m->cli != except)
			client_send(m->cli, line, len);
}

void
reply_common(struct server *srv, struct client *cli, bool self,
    const char *line, size_t len)
{
	uint32_t serial = server_next_serial(srv);

	/* Each peer once, however many channels it shares with cli. */
	cli->serial = serial;
	if (self)
		client_send(cli, line, len);
	for (struct membership *m = cli->channels; m; m = m->cli_next) {
		for (struct membership *p = m->chan->members; p; p = p->chan_next) {
			if (p->cli->serial == serial)
				continue;
			p->cli->serial = serial;
			client_send(p->cli, line, len);
		}
	}
}
