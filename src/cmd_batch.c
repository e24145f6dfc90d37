/*
 * Client batches (ircv3.net batch, draft/multiline): "BATCH +ref
 * draft/multiline <target>" opens one, the PRIVMSG or NOTICE lines tagged
 * batch=ref are collected (multiline.h), and "BATCH -ref" hands the whole
 * message to the message family for delivery. A client has at most one
 * batch open. Errors are FAIL BATCH with the spec's codes; a refused
 * batch stays open, dropping its lines, until its BATCH - comes.
 */
#include "cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cap.h"
#include "casemap.h"
#include "client.h"
#include "label.h"
#include "msg.h"
#include "multiline.h"
#include "reply.h"
#include "server.h"

#define MULTILINE_TYPE  "draft/multiline"
#define CONCAT_TAG      "draft/multiline-concat"

/* FAIL BATCH <code and params> :<text>, answering the line at hand. */
static void
fail(struct server *srv, struct client *cli, const char *what, const char *text)
{
	reply_send(cli, ":%s FAIL BATCH %s :%s", srv->cfg.server_name, what, text);
}

/*
 * fail() for a refusal that ends the open batch: the batch's answer, so
 * it carries the batch's label when the line at hand has none of its
 * own; the batch drops the rest of its lines.
 */
static void
refuse(struct server *srv, struct client *cli, const char *what, const char *text)
{
	char tag[LABEL_MAX + 8];
	struct multiline *ml = local_batch(cli->local);

	if (ml == NULL || ml->label[0] == '\0' || cli->local->label != NULL) {
		fail(srv, cli, what, text);
	} else {
		snprintf(tag, sizeof(tag), "label=%s", ml->label);
		reply_send_tagged(cli, tag, ":%s FAIL BATCH %s :%s",
		    srv->cfg.server_name, what, text);
	}
	if (ml != NULL)
		multiline_fail(ml);
}

/* A reference tag a client may use: 1 to MULTILINE_REF_MAX plain characters. */
static bool
ref_valid(const char *ref)
{
	size_t len = strlen(ref);

	if (len == 0 || len > MULTILINE_REF_MAX)
		return false;
	for (const char *p = ref; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    *p == ';' || *p == '\\' || *p == '=')
			return false;
	return true;
}

static void
batch_open(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *ref = msg->params[0] + 1;
	struct multiline *ml;
	struct local_extra *x;

	if (!(client_caps(cli) & CAP_MULTILINE) || !(client_caps(cli) & CAP_BATCH)) {
		fail(srv, cli, "MULTILINE_INVALID", "draft/multiline and batch are not enabled");
		return;
	}
	if (msg->nparams < 3 || strcmp(msg->params[1], MULTILINE_TYPE) != 0) {
		fail(srv, cli, "MULTILINE_INVALID", "Only draft/multiline batches are taken");
		return;
	}
	if (!ref_valid(ref) || msg->params[2][0] == '\0' || strchr(msg->params[2], ',') ||
	    strlen(msg->params[2]) >= sizeof(ml->target)) {
		fail(srv, cli, "MULTILINE_INVALID", "Invalid batch reference or target");
		return;
	}
	if (local_batch(cli->local) != NULL) {
		/* Both the open batch and this one are refused, whole. */
		refuse(srv, cli, "MULTILINE_INVALID", "A multiline batch is already open");
		return;
	}
	if ((ml = multiline_new(ref, msg->params[2], srv->now_ms)) == NULL) {
		client_close(cli, "Out of memory");
		return;
	}
	if (msg->tags)
		msg_client_tags(msg->tags, ml->tags, sizeof(ml->tags));
	/* Spec: the batch is answered at its end, under this line's label. */
	label_take(cli, ml->label);
	if ((x = local_extra(cli->local)) == NULL) {
		multiline_free(ml);
		client_close(cli, "Out of memory");
		return;
	}
	x->batch = ml;
	server_timer_update(srv, cli);
}

static void
batch_close(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct multiline *ml = local_batch(cli->local);
	struct label l, *outer = cli->local->label;

	if (ml == NULL || strcmp(ml->ref, msg->params[0] + 1) != 0) {
		fail(srv, cli, "MULTILINE_INVALID", "No open batch with that reference");
		return;
	}
	if (!ml->failed && !multiline_is_sendable(ml))
		refuse(srv, cli, "MULTILINE_INVALID", "A multiline batch needs a line that is not blank");
	else if (!ml->failed) {
		if (ml->label[0] != '\0') {
			if (outer != NULL)
				outer->active = false;
			label_resume(&l, cli, ml->label);
		}
		message_send_multiline(srv, cli, ml);
		if (ml->label[0] != '\0') {
			label_end(&l, srv, cli);
			cli->local->label = outer;
		}
	}
	local_batch_end(cli->local);
}

void
cmd_batch(struct server *srv, struct client *cli, const struct msg *msg)
{
	if (msg->params[0][0] == '+')
		batch_open(srv, cli, msg);
	else if (msg->params[0][0] == '-')
		batch_close(srv, cli, msg);
	else
		fail(srv, cli, "MULTILINE_INVALID", "A batch reference starts with + or -");
}

/* Whether the raw tag section tags has key. */
static bool
has_tag(const char *tags, const char *key)
{
	char value[2];

	return msg_tag_get(tags, key, value, sizeof(value)) == 1;
}

bool
batch_takes_line(const struct client *cli, const struct msg *msg)
{
	return (local_batch(cli->local) != NULL || (client_caps(cli) & CAP_MULTILINE)) && msg->tags != NULL &&
	    strcmp(msg->command, "BATCH") != 0 &&
	    has_tag(msg->tags, "batch");
}

/* Check one line of the open batch against the batch; false when refused. */
static bool
line_fits(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct multiline *ml = local_batch(cli->local);
	char what[2 * IRC_CHANNELLEN + 40];

	if (strcmp(msg->command, "PRIVMSG") != 0 && strcmp(msg->command, "NOTICE") != 0) {
		refuse(srv, cli, "MULTILINE_INVALID", "Only PRIVMSG and NOTICE go in a multiline batch");
		return false;
	}
	if (ml->command != NULL && strcmp(ml->command, msg->command) != 0) {
		refuse(srv, cli, "MULTILINE_INVALID", "PRIVMSG and NOTICE mixed in one batch");
		return false;
	}
	if (msg->nparams != 2) {
		refuse(srv, cli, "MULTILINE_INVALID", "A batch line takes a target and a text");
		return false;
	}
	if (casemap_cmp(msg->params[0], ml->target) != 0) {
		snprintf(what, sizeof(what), "MULTILINE_INVALID_TARGET %s %s", ml->target,
		    reply_param(msg->params[0]));
		refuse(srv, cli, what, "Invalid multiline target");
		return false;
	}
	return true;
}

void
batch_line(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct multiline *ml = local_batch(cli->local);
	char ref[MULTILINE_REF_MAX + 2], what[64];
	bool concat;

	msg_tag_get(msg->tags, "batch", ref, sizeof(ref));
	if (ml == NULL || strcmp(ref, ml->ref) != 0) {
		refuse(srv, cli, "MULTILINE_INVALID", "Line tagged for a batch that is not open");
		return;
	}
	if (ml->failed || !line_fits(srv, cli, msg))
		return;
	ml->command = strcmp(msg->command, "NOTICE") == 0 ? "NOTICE" : "PRIVMSG";
	concat = has_tag(msg->tags, CONCAT_TAG);
	switch (multiline_add(ml, msg->params[1], concat, srv->cfg.multiline_max_bytes,
	    srv->cfg.multiline_max_lines)) {
	case MULTILINE_OK:
		break;
	case MULTILINE_ERR_BYTES:
		snprintf(what, sizeof(what), "MULTILINE_MAX_BYTES %u", srv->cfg.multiline_max_bytes);
		refuse(srv, cli, what, "Multiline batch max-bytes exceeded");
		break;
	case MULTILINE_ERR_LINES:
		snprintf(what, sizeof(what), "MULTILINE_MAX_LINES %u", srv->cfg.multiline_max_lines);
		refuse(srv, cli, what, "Multiline batch max-lines exceeded");
		break;
	case MULTILINE_ERR_INVALID:
		refuse(srv, cli, "MULTILINE_INVALID", "A blank line cannot be concatenated");
		break;
	case MULTILINE_ERR_NOMEM:
		client_close(cli, "Out of memory");
		break;
	}
}
