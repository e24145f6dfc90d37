/*
 * labeled-response: after a labelled command is dispatched, the bytes it
 * queued for its sender are cut off the send queue and queued again with
 * the label: as a tag on a single line, inside a labelled BATCH for
 * several, or as an ACK when there was nothing; bytes a handler set aside
 * as no reply follow unlabelled. Nothing has been written yet at that
 * point, since writes happen only at the end of the round.
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
label_begin(struct label *l, struct client *cli, const struct msg *msg)
{
	char value[LABEL_MAX + 2];

	l->active = false;
	l->aside_at = l->aside_len = 0;
	if (!(client_caps(cli) & CAP_LABELED_RESPONSE) || msg->tags == NULL ||
	    !msg_tag_get(msg->tags, "label", value, sizeof(value)) ||
	    value[0] == '\0' || strlen(value) > LABEL_MAX || strpbrk(value, "; \\\r\n"))
		return;
	memcpy(l->value, value, strlen(value) + 1);
	l->mark = buf_len(&cli->local->sendq);
	l->active = true;
	cli->local->label = l;
}

void
label_resume(struct label *l, struct client *cli, const char *value)
{
	snprintf(l->value, sizeof(l->value), "%s", value);
	l->aside_at = l->aside_len = 0;
	l->mark = buf_len(&cli->local->sendq);
	l->active = true;
	cli->local->label = l;
}

bool
label_take(struct client *cli, char value[LABEL_MAX + 1])
{
	struct label *l = cli->local->label;

	if (l == NULL || !l->active)
		return false;
	memcpy(value, l->value, sizeof(l->value));
	l->active = false;
	return true;
}

void
label_aside(struct client *cli, size_t at)
{
	struct label *l = cli->local->label;

	if (l == NULL || l->aside_len > 0 || at < l->mark ||
	    at > buf_len(&cli->local->sendq))
		return;
	l->aside_at = at;
	l->aside_len = buf_len(&cli->local->sendq) - at;
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

		/* A nested batch's lines keep their own batch tag (IRCv3 batch). */
		if (len > 7 && memcmp(p, "@batch=", 7) == 0)
			client_send(cli, p, len);
		else
			reply_send_with_tag(cli, tag, p, len);
		p += len;
	}
	reply_send(cli, ":%s BATCH -%s", srv->cfg.server_name, id);
}

/*
 * Cut everything queued since the mark off the sendq into a new buffer,
 * the reply first and the bytes set aside (label_aside()) last. Returns
 * it (the caller frees it) with the reply's length in *n, or NULL.
 */
static char *
take_tail(struct label *l, struct client *cli, size_t *n)
{
	size_t total = buf_len(&cli->local->sendq) - l->mark;
	/* Nothing queued: the queue may have no storage (NULL). */
	const char *p = total > 0 ? buf_data(&cli->local->sendq) + l->mark : "";
	size_t before = l->aside_len ? l->aside_at - l->mark : total;
	char *tail = malloc(total ? total : 1);

	if (tail == NULL)
		return NULL;
	/* Reply bytes before and after the aside range, then the range. */
	memcpy(tail, p, before);
	memcpy(tail + before, p + before + l->aside_len, total - before - l->aside_len);
	memcpy(tail + total - l->aside_len, p + before, l->aside_len);
	buf_truncate(&cli->local->sendq, l->mark);
	*n = total - l->aside_len;
	return tail;
}

void
label_end(struct label *l, struct server *srv, struct client *cli)
{
	size_t total = buf_len(&cli->local->sendq), n;
	char tag[LABEL_MAX + 8], *tail;

	if (cli->local->label == l)
		cli->local->label = NULL;
	if (!l->active || client_is_closing(cli) || total < l->mark ||
	    l->aside_at + l->aside_len > total)
		return;
	if ((tail = take_tail(l, cli, &n)) == NULL)
		return;
	snprintf(tag, sizeof(tag), "label=%s", l->value);
	if (n == 0)
		reply_send_tagged(cli, tag, ":%s ACK", srv->cfg.server_name);
	else if (count_lines(tail, n) == 1)
		reply_send_with_tag(cli, tag, tail, n);
	else if (client_caps(cli) & CAP_BATCH)
		send_batch(srv, cli, l, tail, n);
	else
		client_send(cli, tail, n);      /* no batch: unlabelled replies */
	if (l->aside_len > 0)
		client_send(cli, tail + n, l->aside_len);
	free(tail);
}
