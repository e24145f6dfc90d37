/*
 * The table of IRCv3 capabilities and which of them are offered now. Negotiation itself (CAP LS, REQ,
 * LIST, END) is in cmd_register.c; each capability's effect is in the
 * handler family it changes.
 */
#include "cap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "metadata.h"
#include "reply.h"
#include "sasl_relay.h"
#include "server.h"

static const struct cap caps[] = {
	{ "account-notify",     CAP_ACCOUNT_NOTIFY, NULL },
	{ "account-tag",        CAP_ACCOUNT_TAG, NULL },
	{ "away-notify",        CAP_AWAY_NOTIFY, NULL },
	{ "batch",              CAP_BATCH, NULL },
	{ "cap-notify",         CAP_CAP_NOTIFY, NULL },
	{ "draft/channel-rename", CAP_CHANNEL_RENAME, NULL },
	/* Work in progress, hence draft/: CHATHISTORY and its event playback. */
	{ "draft/chathistory",  CAP_CHATHISTORY, NULL },
	/* A host changes when services say so (CHGHOST over a link). */
	{ "chghost",            CAP_CHGHOST, NULL },
	{ "echo-message",       CAP_ECHO_MESSAGE, NULL },
	{ "draft/event-playback", CAP_EVENT_PLAYBACK, NULL },
	{ "extended-join",      CAP_EXTENDED_JOIN, NULL },
	{ "extended-monitor",   CAP_EXTENDED_MONITOR, NULL },
	{ "invite-notify",      CAP_INVITE_NOTIFY, NULL },
	{ "labeled-response",   CAP_LABELED_RESPONSE, NULL },
	{ "draft/message-redaction", CAP_MESSAGE_REDACTION, NULL },
	{ "message-tags",       CAP_MESSAGE_TAGS, NULL },
	/* Work in progress, hence draft/; values from the settings. */
	{ "draft/metadata-3",   CAP_METADATA, NULL },
	{ "multi-prefix",       CAP_MULTI_PREFIX, NULL },
	{ "draft/multiline",    CAP_MULTILINE, NULL },
	/* A work-in-progress spec: its name carries the draft/ prefix. */
	{ "draft/no-implicit-names", CAP_NO_IMPLICIT_NAMES, NULL },
	{ "draft/read-marker",  CAP_READ_MARKER, NULL },
	{ "sasl",               CAP_SASL, "PLAIN,SCRAM-SHA-256" },
	{ "server-time",        CAP_SERVER_TIME, NULL },
	{ "setname",            CAP_SETNAME, NULL },
	{ "userhost-in-names",  CAP_USERHOST_IN_NAMES, NULL },
};

const struct cap *
cap_table(size_t *n)
{
	*n = sizeof(caps) / sizeof(caps[0]);
	return caps;
}

const struct cap *
cap_find(const char *name)
{
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (strcmp(caps[i].name, name) == 0)
			return &caps[i];
	return NULL;
}

const char *
cap_value(const struct server *srv, const struct cap *cap, char *out, size_t outsz)
{
	const struct config *c = &srv->cfg;

	if (cap->bit == CAP_METADATA)
		snprintf(out, outsz, "before-connect,max-subs=%u,max-keys=%u,"
		    "max-value-bytes=%u", c->metadata_max_subs, c->metadata_max_keys,
		    c->metadata_max_value);
	else if (cap->bit == CAP_MULTILINE)
		snprintf(out, outsz, "max-bytes=%u,max-lines=%u",
		    c->multiline_max_bytes, c->multiline_max_lines);
	else if (cap->bit != CAP_SASL || sasl_relay_agent(srv) == NULL)
		return cap->value;
	/* Relayed to the agent: its MECHLIST; none heard yet, no value (as Solanum). */
	else if (sasl_relay_mechs(srv) == NULL)
		return NULL;
	else
		snprintf(out, outsz, "%s", sasl_relay_mechs(srv));
	return out;
}

bool
cap_is_offered(const struct server *srv, const struct cap *cap)
{
	if (cap->bit == CAP_SASL)
		return srv->cfg.naccounts > 0 ||
		    sasl_relay_agent(srv) != NULL;
	return true;
}

uint32_t
cap_offered(const struct server *srv)
{
	uint32_t bits = 0;

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (cap_is_offered(srv, &caps[i]))
			bits |= caps[i].bit;
	return bits;
}

void
cap_send_list(struct server *srv, struct client *cli, const char *sub,
    uint32_t bits, bool values)
{
	size_t n = sizeof(caps) / sizeof(caps[0]), len = 0, room;
	char list[IRC_LINE_MAX], word[CAP_VALUE_MAX + 32], buf[CAP_VALUE_MAX];
	const char *value;
	/* What the line holds besides the list: ":server CAP nick sub * :" and CR LF. */
	int head = snprintf(NULL, 0, ":%s CAP %s %s * :", srv->cfg.server_name,
	    client_name(cli), sub) + 2;

	room = head > 0 && head < IRC_LINE_MAX - 100 ? IRC_LINE_MAX - (size_t)head : 100;
	list[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!(bits & caps[i].bit))
			continue;
		value = values ? cap_value(srv, &caps[i], buf, sizeof(buf)) : NULL;
		snprintf(word, sizeof(word), "%s%s%s", caps[i].name,
		    value ? "=" : "", value ? value : "");
		if (len + strlen(word) + 1 > room) {
			/* 3.1 clients cannot take a continued list: it ends here. */
			if (cli->local->cap_version < 302)
				break;
			reply_send(cli, ":%s CAP %s %s * :%s", srv->cfg.server_name,
			    client_name(cli), sub, list);
			len = 0;
			list[0] = '\0';
		}
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
		    len ? " " : "", word);
	}
	reply_send(cli, ":%s CAP %s %s :%s", srv->cfg.server_name,
	    client_name(cli), sub, list);
}

int
cap_set(struct server *srv, struct client *cli, uint32_t bits)
{
	struct local *l = cli->local;
	struct client **v;
	uint32_t n;

	if ((bits & CAP_CAP_NOTIFY) && l->notify_index == 0) {
		if (srv->nnotify == srv->notify_cap) {
			n = srv->notify_cap ? srv->notify_cap * 2 : 64;
			if ((v = realloc(srv->notify, n * sizeof(*v))) == NULL)
				return -1;
			srv->notify = v;
			srv->notify_cap = n;
		}
		srv->notify[srv->nnotify++] = cli;
		l->notify_index = srv->nnotify;
	} else if (!(bits & CAP_CAP_NOTIFY)) {
		cap_unlink(srv, cli);
	}
	l->caps = bits;
	return 0;
}

void
cap_unlink(struct server *srv, struct client *cli)
{
	uint32_t i = cli->local != NULL ? cli->local->notify_index : 0;
	struct client *last;

	if (i == 0)
		return;
	/* The last one takes its place: O(1), the order does not matter. */
	last = srv->notify[--srv->nnotify];
	srv->notify[i - 1] = last;
	last->local->notify_index = i;
	cli->local->notify_index = 0;
}

void
cap_notify(struct server *srv, uint32_t added, uint32_t removed)
{
	/* cap-notify is always offered: no DEL of it changes the list walked. */
	removed &= ~CAP_CAP_NOTIFY;
	for (uint32_t i = 0; i < srv->nnotify; i++) {
		struct client *cli = srv->notify[i];

		if (client_is_closing(cli))
			continue;
		if (added)
			cap_send_list(srv, cli, "NEW", added, cli->local->cap_version >= 302);
		if (removed) {
			cap_send_list(srv, cli, "DEL", removed, false);
			cli->local->caps &= ~removed;
		}
	}
}

/* The sasl capability now: "" when not offered, else "=" and its value. */
static void
sasl_now(const struct server *srv, char *out, size_t outsz)
{
	const struct cap *sasl = cap_find("sasl");
	char buf[CAP_VALUE_MAX];
	const char *value;

	if (!cap_is_offered(srv, sasl)) {
		out[0] = '\0';
		return;
	}
	value = cap_value(srv, sasl, buf, sizeof(buf));
	snprintf(out, outsz, "=%s", value != NULL ? value : "");
}

void
cap_sasl_reset(struct server *srv)
{
	sasl_now(srv, srv->sasl_shown, sizeof(srv->sasl_shown));
}

void
cap_sasl_update(struct server *srv)
{
	char now[sizeof(srv->sasl_shown)];
	bool was = srv->sasl_shown[0] != '\0';

	sasl_now(srv, now, sizeof(now));
	if (strcmp(now, srv->sasl_shown) == 0)
		return;
	memcpy(srv->sasl_shown, now, sizeof(now));
	if (!was || now[0] == '\0') {
		cap_notify(srv, was ? 0 : CAP_SASL, was ? CAP_SASL : 0);
		return;
	}
	/*
	 * Offered still, with another value (sasl-3.2: the mechanisms
	 * changed): a NEW with the value, to those who see values (302).
	 */
	for (uint32_t i = 0; i < srv->nnotify; i++)
		if (!client_is_closing(srv->notify[i]) &&
		    srv->notify[i]->local->cap_version >= 302)
			cap_send_list(srv, srv->notify[i], "NEW", CAP_SASL, true);
}
