/*
 * Registration family: PASS, NICK, USER, CAP, PING, PONG, QUIT. A client
 * registers once it has a nick, a USER line and no CAP negotiation in
 * progress; the password must be right by then. The welcome burst is
 * user.c's.
 */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cap.h"
#include "casemap.h"
#include "channel.h"
#include "client.h"
#include "history.h"
#include "crypto.h"
#include "link.h"
#include "log.h"
#include "monitor.h"
#include "user.h"
#include "msg.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"
#include "whowas.h"

/*
 * Whether cli can register as things stand: it gave the right PASS, or
 * none is required and it sent none (a wrong one still fails).
 */
static bool
may_register(const struct server *srv, const struct client *cli)
{
	return cli->local->pass_ok || (!srv->cfg.require_password && !cli->local->pass_sent);
}

/*
 * Take nick for an unregistered client that may register: 433 when it is
 * in use, else reserve it and see whether registration is complete.
 */
static void
nick_take(struct server *srv, struct client *cli, const char *nick)
{
	struct client *other = client_find_nick(srv, nick);

	if (other != NULL && other != cli) {
		reply_numeric(srv, cli, ERR_NICKNAMEINUSE, nick);
		return;
	}
	if (strcmp(cli->nick, nick) != 0 && client_set_nick(cli, nick) == -1) {
		client_close(cli, "Out of memory");
		return;
	}
	register_try_complete(srv, cli);
}

/* The nick cli sent before PASS, "" if none. */
static const char *
pending_nick(const struct client *cli)
{
	const struct local_extra *x = cli->local->extra;

	return x != NULL ? x->pending_nick : "";
}

/* Move the nick waiting for PASS (there is one) into nick. */
static void
pending_take(struct client *cli, char nick[IRC_NICKLEN + 1])
{
	memcpy(nick, cli->local->extra->pending_nick, IRC_NICKLEN + 1);
	cli->local->extra->pending_nick[0] = '\0';
	local_extra_trim(cli->local);
}

void
register_try_complete(struct server *srv, struct client *cli)
{
	/* A nick waiting for PASS counts: without the password, it ends here. */
	if (cli->state != CLIENT_UNREGISTERED ||
	    (cli->nick[0] == '\0' && pending_nick(cli)[0] == '\0') ||
	    !cli->local->got_user || cli->local->cap_negotiating)
		return;
	/* With require_password = no, only a PASS that was sent must match. */
	if (!may_register(srv, cli)) {
		reply_numeric(srv, cli, ERR_PASSWDMISMATCH);
		client_close(cli, "Bad password");
		return;
	}
	/* A REHASH dropped require_password while the nick waited: take it now. */
	if (cli->nick[0] == '\0') {
		char nick[IRC_NICKLEN + 1];

		pending_take(cli, nick);
		nick_take(srv, cli, nick);
		return;
	}
	user_register(srv, cli);
	user_welcome(srv, cli);
	cmd_metadata_send_own(srv, cli);
}

void
cmd_pass(struct server *srv, struct client *cli, const struct msg *msg)
{
	char nick[IRC_NICKLEN + 1];

	if (cli->state != CLIENT_UNREGISTERED) {
		reply_numeric(srv, cli, ERR_ALREADYREGISTERED);
		return;
	}
	/* An empty configured password matches nothing. */
	cli->local->pass_sent = true;
	cli->local->pass_ok = srv->cfg.password[0] != '\0' &&
	    crypto_str_equal(msg->params[0], srv->cfg.password);
	/* Now the nick sent before PASS may be taken (433 if it went meanwhile). */
	if (cli->local->pass_ok && pending_nick(cli)[0] != '\0') {
		pending_take(cli, nick);
		nick_take(srv, cli, nick);
	}
}

void
cmd_nick(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *nick = msg->nparams > 0 ? msg->params[0] : "";
	struct client *other;
	char line[IRC_LINE_MAX];
	size_t n;
	bool recase;

	if (nick[0] == '\0') {
		reply_numeric(srv, cli, ERR_NONICKNAMEGIVEN);
		return;
	}
	if (!name_nick_is_valid(nick, IRC_NICKLEN)) {
		reply_numeric(srv, cli, ERR_ERRONEUSNICKNAME, nick);
		return;
	}
	if (!client_is_registered(cli)) {
		/*
		 * Only a client that gave the right PASS holds a nick: others
		 * could keep a user out of theirs. Until then it is remembered.
		 */
		struct local_extra *x;

		if (may_register(srv, cli)) {
			nick_take(srv, cli, nick);
		} else if ((x = local_extra(cli->local)) == NULL) {
			client_close(cli, "Out of memory");
		} else {
			snprintf(x->pending_nick, sizeof(x->pending_nick), "%s", nick);
			register_try_complete(srv, cli);
		}
		return;
	}
	other = client_find_nick(srv, nick);
	if (other != NULL && other != cli) {
		reply_numeric(srv, cli, ERR_NICKNAMEINUSE, nick);
		return;
	}
	if (strcmp(cli->nick, nick) == 0)
		return;
	/* Announce with the old prefix, to the user and each peer once. */
	n = reply_format_from(line, cli, "NICK :%s", nick);
	whowas_add(srv->whowas, cli, srv->now);
	/* A change of case only leaves the watched nick online: no 731/730. */
	recase = casemap_cmp(cli->nick, nick) == 0;
	if (!recase)
		monitor_notify(srv, cli, false);
	if (client_set_nick(cli, nick) == -1) {
		client_close(cli, "Out of memory");
		return;
	}
	reply_common_kept(srv, cli, true, line, n, HISTORY_NICK);
	link_user_nick(srv, cli);
	if (!recase)
		monitor_notify(srv, cli, true);
}

void
cmd_user(struct server *srv, struct client *cli, const struct msg *msg)
{
	long mode;

	if (cli->state != CLIENT_UNREGISTERED || cli->local->got_user) {
		reply_numeric(srv, cli, ERR_ALREADYREGISTERED);
		return;
	}
	/* modern.ircdocs.horse USER: an empty username or realname is missing. */
	if (msg->params[0][0] == '\0' || msg->params[3][0] == '\0') {
		reply_numeric(srv, cli, ERR_NEEDMOREPARAMS, "USER");
		return;
	}
	/* Given, but with nothing a mask can carry (e.g. only non-ASCII). */
	if (name_user_clean(cli->user, sizeof(cli->user), msg->params[0], IRC_USERLEN) == 0) {
		reply_numeric(srv, cli, ERR_INVALIDUSERNAME);
		return;
	}
	free(cli->realname);
	cli->realname = strndup(msg->params[3],
	    msg_utf8_cut(msg->params[3], IRC_REALNAMELEN));
	if (cli->realname == NULL) {
		client_close(cli, "Out of memory");
		return;
	}
	/* RFC 2812 3.1.3: bit 2 asks for +w, bit 3 for +i. */
	mode = strtol(msg->params[1], NULL, 10);
	if (mode & 4)
		client_set_umode(cli, UMODE_WALLOPS, true);
	if (mode & 8)
		client_set_umode(cli, UMODE_INVISIBLE, true);
	cli->local->got_user = true;
	register_try_complete(srv, cli);
}

void
cmd_ping(struct server *srv, struct client *cli, const struct msg *msg)
{
	if (msg->nparams == 0 || msg->params[0][0] == '\0') {
		reply_numeric(srv, cli, ERR_NOORIGIN);
		return;
	}
	reply_send(cli, ":%s PONG %s :%s", srv->cfg.server_name,
	    srv->cfg.server_name, msg->params[0]);
}

void
cmd_pong(struct server *srv, struct client *cli, const struct msg *msg)
{
	/* Any line counts as activity; server_on_line() has reset the timer. */
	(void)srv;
	(void)cli;
	(void)msg;
}

void
cmd_quit(struct server *srv, struct client *cli, const struct msg *msg)
{
	char reason[IRC_LINE_MAX];

	(void)srv;
	if (msg->nparams > 0 && msg->params[0][0] != '\0')
		snprintf(reason, sizeof(reason), "Quit: %s", msg->params[0]);
	else
		snprintf(reason, sizeof(reason), "Quit");
	client_close(cli, reason);
}

/* CAP REQ: all or nothing (ircv3.net: "the whole request MUST be NAKed"). */
static void
cap_req(struct server *srv, struct client *cli, const char *req)
{
	uint32_t add = 0, del = 0, before = client_caps(cli);
	char copy[IRC_LINE_MAX], *p = copy, *word;
	bool ok = true;

	snprintf(copy, sizeof(copy), "%s", req);
	while (ok && (word = msg_next_word(&p)) != NULL) {
		bool remove = word[0] == '-';
		const struct cap *cap = cap_find(word + remove);

		if (cap == NULL || (!remove && !cap_is_offered(srv, cap)))
			ok = false;
		else if (remove)
			del |= cap->bit;
		else
			add |= cap->bit;
	}
	/* With 302, cap-notify is on implicitly and cannot be turned off. */
	if (cli->local->cap_version >= 302 && (del & CAP_CAP_NOTIFY))
		ok = false;
	if (!ok || (add | del) == 0) {
		reply_send(cli, ":%s CAP %s NAK :%s", srv->cfg.server_name,
		    client_name(cli), req);
		return;
	}
	if (cap_set(srv, cli, (client_caps(cli) | add) & ~del) == -1) {
		client_close(cli, "Out of memory");
		return;
	}
	reply_send(cli, ":%s CAP %s ACK :%s", srv->cfg.server_name,
	    client_name(cli), req);
	/* draft/metadata-3: requesting it sends one's metadata (before it: at 001). */
	if (client_is_registered(cli) && (add & ~before & CAP_METADATA))
		cmd_metadata_send_own(srv, cli);
}

void
cmd_cap(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *sub = msg->params[0];

	if (strcasecmp(sub, "LS") == 0) {
		if (!client_is_registered(cli))
			cli->local->cap_negotiating = true;
		if (msg->nparams > 1 && atoi(msg->params[1]) >= 302) {
			cli->local->cap_version = 302;
			if (cap_set(srv, cli, client_caps(cli) | CAP_CAP_NOTIFY) == -1) {
				client_close(cli, "Out of memory");
				return;
			}
		}
		cap_send_list(srv, cli, "LS", cap_offered(srv), cli->local->cap_version >= 302);
	} else if (strcasecmp(sub, "LIST") == 0) {
		cap_send_list(srv, cli, "LIST", client_caps(cli), false);
	} else if (strcasecmp(sub, "REQ") == 0) {
		if (!client_is_registered(cli))
			cli->local->cap_negotiating = true;
		cap_req(srv, cli, msg->nparams > 1 ? msg->params[1] : "");
	} else if (strcasecmp(sub, "END") == 0) {
		if (!client_is_registered(cli)) {
			sasl_abort(srv, cli);
			cli->local->cap_negotiating = false;
			register_try_complete(srv, cli);
		}
	} else {
		reply_numeric(srv, cli, ERR_INVALIDCAPCMD, sub);
	}
}

/*
 * IRCv3 setname: change the realname; the user and everyone sharing a
 * channel who negotiated setname see it. Errors are standard replies.
 */
void
cmd_setname(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *name = msg->params[0];
	char line[IRC_LINE_MAX], *copy;
	size_t n;

	if (name[0] == '\0' || strlen(name) > IRC_REALNAMELEN) {
		reply_send(cli, ":%s FAIL SETNAME INVALID_REALNAME :Realname must be 1 to %d bytes",
		    srv->cfg.server_name, IRC_REALNAMELEN);
		return;
	}
	if ((copy = strdup(name)) == NULL) {
		client_close(cli, "Out of memory");
		return;
	}
	free(cli->realname);
	cli->realname = copy;
	n = reply_format_from(line, cli, "SETNAME :%s", cli->realname);
	reply_common_cap(srv, cli, true, CAP_SETNAME, line, n);
}
