/*
 * labeled-response: after a labelled command is dispatched, the bytes it
 * queued for its sender are cut off the send queue and queued again with
 * the label: as a tag on a single line, inside a labelled BATCH for
 * several, or as an ACK when there was nothing. Nothing has been written
 * yet at that point, since writes happen only at the end of the round.
 */
#include "label.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cap.h"
#include "client.h"
#include "msg.h"
#include "reply.h"
#include "server.h"

void
label_begin(struct label *l, const struct client *cli, const struct msg *msg)
{
	char value[LABEL_MAX + 2];

	l->active = false;
	if (!(cli->caps & CAP_LABELED_RESPONSE) || msg->tags == NULL ||
	    !msg_tag_get(msg->tags, "label", value, sizeof(value)) ||
	    value[0] == '\0' || strlen(value) > LABEL_MAX || strpbrk(value, "; \\\r\n"))
		return;
	memcpy(l->value, value, strlen(value) + 1);
	l->mark = buf_len(&cli->sendq);
	l->active = true;
}

/* Queue line (with CR LF) with tag added to its tags. */
static void
send_tagged(struct client *cli, const char *tag, const char *line, size_t len)
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

static size_t
count_lines(const char *p, size_t n)
{
	size_t lines = 0;

	for (size_t i = 0; i < n; i++)
		lines += p[i] == '\n';
	return lines;
}

/* Several replies: BATCH +id labeled-response, each line tagged batch=id. */
static void
send_batch(struct server *srv, struct client *cli, const struct label *l,
    const char *p, size_t n)
{
	char tag[LABEL_MAX + 16], id[24];
	const char *end = p + n;

	snprintf(id, sizeof(id), "lr%llx", (unsigned long long)++srv->msgid_seq);
	snprintf(tag, sizeof(tag), "label=%s", l->value);
	reply_send_tagged(cli, tag, ":%s BATCH +%s labeled-response",
	    srv->cfg.server_name, id);
	snprintf(tag, sizeof(tag), "batch=%s", id);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		send_tagged(cli, tag, p, len);
		p += len;
	}
	reply_send(cli, ":%s BATCH -%s", srv->cfg.server_name, id);
}

void
label_end(struct label *l, struct server *srv, struct client *cli)
{
	size_t total = buf_len(&cli->sendq), n;
	char tag[LABEL_MAX + 8], *tail;

	if (!l->active || client_is_closing(cli) || total < l->mark)
		return;
	n = total - l->mark;
	snprintf(tag, sizeof(tag), "label=%s", l->value);
	if (n == 0) {
		reply_send_tagged(cli, tag, ":%s ACK", srv->cfg.server_name);
		return;
	}
	if ((tail = malloc(n)) == NULL)
		return;
	memcpy(tail, buf_data(&cli->sendq) + l->mark, n);
	buf_truncate(&cli->sendq, l->mark);
	if (count_lines(tail, n) == 1)
		send_tagged(cli, tag, tail, n);
	else if (cli->caps & CAP_BATCH)
		send_batch(srv, cli, l, tail, n);
	else
		client_send(cli, tail, n);      /* no batch: unlabelled replies */
	free(tail);
}
