/*
 * MARKREAD (IRCv3 draft/read-marker): a user's clients tell each other up
 * to which message the user has read each channel or query. Markers are
 * kept per account, or for the connection alone when it has no account
 * (so nobody else ever sees them), in the stores of readmarker.h.
 */
#include "cmd.h"

#include <string.h>

#include "cap.h"
#include "casemap.h"
#include "client.h"
#include "irc.h"
#include "msg.h"
#include "persist.h"
#include "readmarker.h"
#include "reply.h"
#include "server.h"
#include "servertime.h"

#define TIMESTAMP_PREFIX "timestamp="

/* The store and owner name of cli's markers. */
static struct readmarkers *
markers_of(struct server *srv, const struct client *cli, char owner[READMARKER_OWNER_SIZE],
    const char **name)
{
	if (client_account(cli)[0]) {
		*name = client_account(cli);
		return srv->markers;
	}
	readmarker_conn_owner(cli->id, owner);
	*name = owner;
	return srv->conn_markers;
}

/* "MARKREAD target timestamp=..." or "MARKREAD target *" for ms < 0. */
static void
send_marker(struct server *srv, struct client *cli, const char *target, int64_t ms)
{
	char ts[SERVERTIME_SIZE];

	if (ms < 0) {
		reply_send(cli, ":%s MARKREAD %s *", srv->cfg.server_name, target);
		return;
	}
	servertime_format(ms, ts);
	reply_send(cli, ":%s MARKREAD %s " TIMESTAMP_PREFIX "%s", srv->cfg.server_name,
	    target, ts);
}

void
markread_send(struct server *srv, struct client *cli, const char *target)
{
	char owner[READMARKER_OWNER_SIZE];
	const char *name;
	struct readmarkers *rm = markers_of(srv, cli, owner, &name);

	send_marker(srv, cli, target, readmarker_get(rm, name, target));
}

static void
markread_fail(struct server *srv, struct client *cli, const char *code,
    const char *param, const char *text)
{
	if (param != NULL)
		reply_send(cli, ":%s FAIL MARKREAD %s %s :%s", srv->cfg.server_name, code,
		    reply_param(param), text);
	else
		reply_send(cli, ":%s FAIL MARKREAD %s :%s", srv->cfg.server_name, code, text);
}

static bool
target_is_valid(const char *target)
{
	if (name_is_channel(target))
		return name_channel_is_valid(target, IRC_CHANNELLEN);
	return name_nick_is_valid(target, IRC_NICKLEN);
}

/* The user's other clients with the capability learn the new marker. */
static void
tell_sessions(struct server *srv, struct client *cli, const char *target, int64_t ms)
{
	if (client_account(cli)[0] == '\0')
		return;
	for (struct client *s = client_first_session(srv, client_account(cli)); s; s = client_next_session(s))
		if (s != cli && (client_caps(s) & CAP_READ_MARKER) && client_is_registered(s))
			send_marker(srv, s, target, ms);
}

void
cmd_markread(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *target = msg->nparams > 0 ? msg->params[0] : "", *name, *ts;
	char owner[READMARKER_OWNER_SIZE];
	struct readmarkers *rm = markers_of(srv, cli, owner, &name);
	int64_t ms, stored;
	int r;

	if (target[0] == '\0') {
		markread_fail(srv, cli, "NEED_MORE_PARAMS", NULL, "Missing parameters");
		return;
	}
	if (!target_is_valid(target)) {
		markread_fail(srv, cli, "INVALID_PARAMS", target, "Invalid target");
		return;
	}
	if (msg->nparams < 2) {
		send_marker(srv, cli, target, readmarker_get(rm, name, target));
		return;
	}
	/* A client may not set "*"; only server-time timestamps count. */
	ts = msg->params[1];
	if (strncmp(ts, TIMESTAMP_PREFIX, strlen(TIMESTAMP_PREFIX)) != 0 ||
	    servertime_parse(ts + strlen(TIMESTAMP_PREFIX), &ms) == -1) {
		markread_fail(srv, cli, "INVALID_PARAMS", ts, "Invalid timestamp");
		return;
	}
	/* A marker in the future would hold back every later one: clamp it. */
	if (ms > srv->now_wall_ms)
		ms = srv->now_wall_ms;
	if ((r = readmarker_set(rm, name, target, ms, &stored)) == -1) {
		markread_fail(srv, cli, "INTERNAL_ERROR", target,
		    "The read timestamp could not be set");
		return;
	}
	send_marker(srv, cli, target, stored);
	if (r == 1 && rm == srv->markers)
		persist_marker(srv, name, target, stored);
	if (r == 1)
		tell_sessions(srv, cli, target, stored);
}
