/*
 * RENAME (IRCv3 draft/channel-rename): a channel operator gives a channel
 * a new name; members, modes, lists and topic stay. Members with the
 * capability get one RENAME line; the others get their own PART and JOIN
 * and the usual join burst, unless only the case changed. A channel may be
 * renamed once per RENAME_DELAY_MS, which bounds how often a big channel
 * can be flooded with the fallback bursts.
 */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

#include "cap.h"
#include "casemap.h"
#include "channel.h"
#include "client.h"
#include "history.h"
#include "hmap.h"
#include "log.h"
#include "msg.h"
#include "numeric.h"
#include "persist.h"
#include "reply.h"
#include "server.h"

#define RENAME_DELAY_MS (60 * 1000)

static void
rename_fail(struct server *srv, struct client *cli, const char *code, const char *from,
    const char *to, const char *text)
{
	reply_send(cli, ":%s FAIL RENAME %s %s %s :%s", srv->cfg.server_name, code, from,
	    reply_param(to), text);
}

/* Whether cli may rename chan to name; if not, the refusal is answered. */
static bool
rename_allowed(struct server *srv, struct client *cli, const struct channel *chan,
    const char *name)
{
	const struct membership *m = channel_member(chan, cli);
	const struct channel *other;

	if (m == NULL) {
		reply_numeric(srv, cli, ERR_NOTONCHANNEL, chan->name);
		return false;
	}
	if (!(m->prefix & MEMBER_OP)) {
		reply_numeric(srv, cli, ERR_CHANOPRIVSNEEDED, chan->name);
		return false;
	}
	if (!name_is_channel(name) || !name_channel_is_valid(name, IRC_CHANNELLEN)) {
		reply_numeric(srv, cli, ERR_BADCHANMASK, reply_param(name));
		return false;
	}
	if (name[0] != chan->name[0]) {
		rename_fail(srv, cli, "CANNOT_RENAME", chan->name, name,
		    "You cannot change a channel prefix type");
		return false;
	}
	if ((other = channel_find(srv, name)) != NULL && other != chan) {
		rename_fail(srv, cli, "CHANNEL_NAME_IN_USE", chan->name, name,
		    "Channel already exists");
		return false;
	}
	if (chan->renamed_ms != 0 && srv->now_ms - chan->renamed_ms < RENAME_DELAY_MS) {
		rename_fail(srv, cli, "CANNOT_RENAME", chan->name, name,
		    "This channel has been renamed recently");
		return false;
	}
	return true;
}

/* Move chan to its new key in the registry. Returns 0, or -1 (unchanged). */
static int
rename_apply(struct server *srv, struct channel *chan, const char *name)
{
	char old[IRC_CHANNELLEN + 1];

	memcpy(old, chan->name, sizeof(old));
	hmap_del(srv->channels, chan->name);
	snprintf(chan->name, sizeof(chan->name), "%s", name);
	if (hmap_put(srv->channels, chan->name, chan) == 0)
		return 0;
	memcpy(chan->name, old, sizeof(old));
	/* The slot just freed takes the old key back without growing. */
	hmap_put(srv->channels, chan->name, chan);
	return -1;
}

/*
 * The fallback for a member without the capability (spec "Fallback"): its
 * own PART of the old name with the reason, its own JOIN of the new one
 * (extended if it asked), then the topic and NAMES as after a JOIN.
 */
static void
rename_fallback(struct server *srv, struct client *to, struct channel *chan,
    const char *old, const char *reason)
{
	if (reason[0] != '\0')
		reply_from(to, to, "PART %s :%s", old, reason);
	else
		reply_from(to, to, "PART %s", old);
	if (client_caps(to) & CAP_EXTENDED_JOIN)
		reply_from(to, to, "JOIN %s %s :%s", chan->name,
		    client_account(to)[0] ? client_account(to) : "*", to->realname ? to->realname : "");
	else
		reply_from(to, to, "JOIN %s", chan->name);
	cmd_channel_send_join_burst(srv, to, chan);
}

/*
 * The channel's history goes with it: CHATHISTORY on the new name gives
 * the messages from before. What a channel that is gone left under the
 * new name is not this channel's, and goes.
 */
static void
rename_history(struct server *srv, const char *old, const char *name, bool case_only)
{
	if (!case_only)
		history_clear(srv->history, name, NULL);
	if (history_rename(srv->history, old, name) == -1) {
		log_msg(&srv->log, LOG_ERROR, "RENAME %s %s: out of memory, the history stays "
		    "under the old name", old, name);
		return;
	}
	persist_rename(srv, old, name);
}

void
cmd_rename(struct server *srv, struct client *cli, const struct msg *msg)
{
	struct channel *chan = channel_find(srv, msg->params[0]);
	const char *name = msg->params[1];
	const char *reason = msg->nparams > 2 ? msg->params[2] : "";
	char old[IRC_CHANNELLEN + 1], line[IRC_LINE_MAX];
	bool case_only;
	struct relay r;

	if (chan == NULL) {
		reply_numeric(srv, cli, ERR_NOSUCHCHANNEL, reply_param(msg->params[0]));
		return;
	}
	if (!rename_allowed(srv, cli, chan, name) || strcmp(chan->name, name) == 0)
		return;
	memcpy(old, chan->name, sizeof(old));
	if (rename_apply(srv, chan, name) == -1) {
		client_close(cli, "Out of memory");
		return;
	}
	chan->renamed_ms = srv->now_ms;
	case_only = casemap_cmp(old, chan->name) == 0;
	rename_history(srv, old, chan->name, case_only);
	/* The spec: the server's RENAME always has the reason, maybe empty. */
	relay_init(&r, srv, cli, line, reply_format_from(line, cli, "RENAME %s %s :%.*s",
	    old, chan->name, (int)msg_utf8_cut(reason, IRC_KICKLEN), reason), NULL);
	for (struct membership *m = chan->members; m; m = m->chan_next) {
		if (client_caps(m->cli) & CAP_CHANNEL_RENAME)
			relay_send(&r, m->cli);
		else if (!case_only)
			rename_fallback(srv, m->cli, chan, old, reason);
	}
	relay_done(&r);
}
