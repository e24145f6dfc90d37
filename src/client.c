/*
 * Clients: creation, the nick map, the send path with its SendQ limit, and
 * the deferred close. Closing only marks a client and queues ERROR; the
 * server unlinks and frees it after the round (server_reap_next()).
 */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "hmap.h"
#include "link.h"
#include "log.h"
#include "msg.h"
#include "network.h"
#include "server.h"

struct client *
client_new(struct server *srv, int fd, const char *ip)
{
	struct client *cli = calloc(1, sizeof(*cli));

	if (cli == NULL)
		return NULL;
	cli->local = local_new(srv, fd);
	if (cli->local == NULL) {
		free(cli);
		return NULL;
	}
	cli->srv = srv;
	cli->id = ++srv->next_id;
	cli->state = CLIENT_UNREGISTERED;
	fmt_snprintf(cli->host, sizeof(cli->host), "%s", ip);
	cli->signon = srv->now;
	cli->last_message = srv->now;
	cli->next = srv->clients;
	if (srv->clients)
		srv->clients->prev = cli;
	srv->clients = cli;
	srv->nclients++;
	return cli;
}

struct client *
client_new_remote(struct server *srv)
{
	struct client *cli = calloc(1, sizeof(*cli));

	if (cli == NULL)
		return NULL;
	cli->srv = srv;
	cli->id = ++srv->next_id;
	cli->state = CLIENT_UNREGISTERED;
	cli->next = srv->clients;
	if (srv->clients)
		srv->clients->prev = cli;
	srv->clients = cli;
	srv->nclients++;
	return cli;
}

void
client_free(struct client *cli)
{
	if (cli == NULL)
		return;
	local_free(cli->local);
	free(cli->realname);
	free(cli->away);
	free(cli->close_reason);
	/* Reaping logged it out; at server_free() the index goes as a whole. */
	free(cli->login);
	metadata_free(&cli->metadata);
	free(cli);
}

bool
client_is_registered(const struct client *cli)
{
	return cli->state == CLIENT_REGISTERED;
}

bool
client_is_closing(const struct client *cli)
{
	return cli->state == CLIENT_CLOSING;
}

const char *
client_name(const struct client *cli)
{
	if (cli->nick[0])
		return cli->nick;
	if (cli->local != NULL && cli->local->extra != NULL &&
	    cli->local->extra->pending_nick[0])
		return cli->local->extra->pending_nick;
	return "*";
}

void
client_umode_string(const struct client *cli, char out[8])
{
	snprintf(out, 8, "+%s%s%s%s",
	    (cli->umodes & UMODE_BOT) ? "B" : "",
	    (cli->umodes & UMODE_INVISIBLE) ? "i" : "",
	    (cli->umodes & UMODE_OPER) ? "o" : "",
	    (cli->umodes & UMODE_WALLOPS) ? "w" : "");
}

/* Whether cli is in the user counts: from registration until reaped. */
static bool
is_counted(const struct client *cli)
{
	return cli->state == CLIENT_REGISTERED || cli->was_registered;
}

/* Add delta (1 or -1) to the counts cli's modes put it in. */
static void
count_modes(struct client *cli, unsigned modes, int delta)
{
	struct server *srv = cli->srv;

	if (modes & UMODE_INVISIBLE)
		srv->ninvisible += (unsigned)delta;
	if (modes & UMODE_OPER)
		srv->nopers += (unsigned)delta;
}

void
client_set_registered(struct client *cli)
{
	struct server *srv = cli->srv;

	cli->state = CLIENT_REGISTERED;
	srv->nusers++;
	count_modes(cli, cli->umodes, 1);
	if (srv->nusers > srv->max_users)
		srv->max_users = srv->nusers;
	/* A user of another server has its server set before it registers. */
	if (cli->server == NULL && srv->nusers - srv->net->nremote > srv->max_local)
		srv->max_local = srv->nusers - srv->net->nremote;
}

void
client_set_umode(struct client *cli, unsigned bit, bool on)
{
	if (on == ((cli->umodes & bit) != 0))
		return;
	cli->umodes = on ? cli->umodes | bit : cli->umodes & ~bit;
	if (is_counted(cli))
		count_modes(cli, bit, on ? 1 : -1);
	link_user_mode(cli->srv, cli, bit, on);
}

void
client_uncount(struct client *cli)
{
	if (!is_counted(cli))
		return;
	cli->srv->nusers--;
	count_modes(cli, cli->umodes, -1);
	cli->was_registered = false;
}

bool
client_host_changed(const struct client *cli)
{
	return cli->local != NULL && cli->local->extra != NULL &&
	    cli->local->extra->addr[0] != '\0';
}

const char *
client_addr(const struct client *cli)
{
	return client_host_changed(cli) ? cli->local->extra->addr : cli->host;
}

const char *
client_ip(const struct client *cli)
{
	const char *a = client_addr(cli);

	return a[0] == '0' && a[1] == ':' && a[2] == ':' ? a + 1 : a;
}

void
client_prefix(const struct client *cli, char *out, size_t outsz)
{
	size_t n;

	/* Made for every message a client sends: no format string. */
	if (outsz == 0)
		return;
	out[0] = '\0';
	n = msg_cat(out, outsz, 0, client_name(cli));
	n = msg_cat(out, outsz, n, "!");
	n = msg_cat(out, outsz, n, cli->user[0] ? cli->user : "*");
	n = msg_cat(out, outsz, n, "@");
	msg_cat(out, outsz, n, cli->host);
}

/* Put cli, whose connection is l, at the head of the pending-write list. */
static void
pending_add(struct client *cli, struct local *l)
{
	struct server *srv = cli->srv;

	l->write_pending = true;
	l->pending_prev = NULL;
	l->pending_next = srv->pending;
	if (l->pending_next)
		l->pending_next->local->pending_prev = cli;
	srv->pending = cli;
}

void
client_want_write(struct client *cli)
{
	if (cli->local != NULL && !cli->local->write_pending)
		pending_add(cli, cli->local);
}

void
client_send(struct client *cli, const char *p, size_t n)
{
	struct local *l = cli->local;

	if (l == NULL)
		return;         /* not connected here: see client.h */
	if (client_is_closing(cli)) {
		cli->srv->closing_drops++;
		return;
	}
	if (buf_append(&l->sendq, p, n) == -1) {
		client_close(cli, "SendQ exceeded");
		return;
	}
	if (!l->write_pending)
		pending_add(cli, l);
}

/* Who the log says is closing: a link's server or link block, else the nick. */
static const char *
log_name(const struct client *cli)
{
	const struct link *l = cli->local != NULL ? cli->local->link : NULL;

	if (l != NULL && l->server != NULL)
		return l->server->name;
	if (l != NULL && l->name[0] != '\0')
		return l->name;
	return client_name(cli);
}

void
client_close(struct client *cli, const char *reason)
{
	char line[IRC_LINE_MAX];
	size_t n;

	if (client_is_closing(cli))
		return;
	cli->was_registered = client_is_registered(cli);
	cli->state = CLIENT_CLOSING;
	cli->close_reason = strdup(reason);
	/*
	 * The ERROR goes out even when the SendQ is full: the limit exists
	 * to bound memory, and one more line is bounded.
	 */
	if (cli->local != NULL) {
		n = msg_format(line, "ERROR :Closing Link: %s (%s)", cli->host, reason);
		cli->local->sendq.limit = 0;
		if (buf_append(&cli->local->sendq, line, n) == 0)
			client_want_write(cli);
	}
	cli->dead_next = cli->srv->dead;
	cli->srv->dead = cli;
	/* What users type stays out of the log: "Quit: <text>" is logged as Quit. */
	log_msg(&cli->srv->log, LOG_INFO, "closing %s (%s): %s", log_name(cli), cli->host,
	    strncmp(reason, "Quit", 4) == 0 ? "Quit" : reason);
}

static void
account_unlink(struct client *cli)
{
	struct server *srv = cli->srv;
	struct client_login *l = cli->login;

	if (l->next)
		l->next->login->prev = l->prev;
	if (l->prev) {
		l->prev->login->next = l->next;
	} else if (l->next) {
		/* The map's key is the first session's name: hand it on. */
		hmap_put(srv->accounts, l->next->login->name, l->next);
	} else {
		hmap_del(srv->accounts, l->name);
	}
	free(l);
	cli->login = NULL;
}

int
client_set_account(struct client *cli, const char *account)
{
	struct server *srv = cli->srv;
	struct client_login *l;
	struct client *first;

	if (cli->login != NULL)
		account_unlink(cli);
	if (account[0] == '\0')
		return 0;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -1;
	snprintf(l->name, sizeof(l->name), "%s", account);
	first = hmap_get(srv->accounts, l->name);
	if (first == NULL && hmap_put(srv->accounts, l->name, cli) == -1) {
		free(l);
		return -1;
	}
	cli->login = l;
	if (first != NULL) {
		l->next = first->login->next;
		l->prev = first;
		if (first->login->next)
			first->login->next->login->prev = cli;
		first->login->next = cli;
	}
	return 0;
}

struct client *
client_first_session(struct server *srv, const char *account)
{
	return hmap_get(srv->accounts, account);
}

struct client *
client_find_nick(struct server *srv, const char *nick)
{
	return hmap_get(srv->nicks, nick);
}

struct client *
client_find_user(struct server *srv, const char *nick)
{
	struct client *who = client_find_nick(srv, nick);

	return who && client_is_registered(who) ? who : NULL;
}

int
client_set_nick(struct client *cli, const char *nick)
{
	struct hmap *nicks = cli->srv->nicks;
	char old[sizeof(cli->nick)];

	memcpy(old, cli->nick, sizeof(old));
	if (cli->nick[0])
		hmap_del(nicks, cli->nick);
	fmt_snprintf(cli->nick, sizeof(cli->nick), "%s", nick);
	if (hmap_put(nicks, cli->nick, cli) == -1) {
		memcpy(cli->nick, old, sizeof(old));
		if (old[0])
			hmap_put(nicks, cli->nick, cli);
		return -1;
	}
	return 0;
}
