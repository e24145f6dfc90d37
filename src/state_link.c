/*
 * The saved state of server linking: each link connection's protocol
 * state (with its client in CLNT), and the LINK section: this server's
 * SID and UID counter, the servers behind the links as a tree, the
 * autoconnect records, and the users of other servers. The reader
 * checks the tree (every server under a known uplink, reached through
 * an established link that is its uplink's), SIDs, UIDs and nicks used
 * once, each user on a known server whose SID starts its UID.
 */
#include "state.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "casemap.h"
#include "client.h"
#include "hmap.h"
#include "link.h"
#include "network.h"
#include "server.h"
#include "ts6.h"

/* Bounds no saved state of a sane server passes. */
#define LINK_MAX_PEERS          4096u
#define LINK_MAX_USERS          (1u << 24)

void
state_link_save_conn(struct state_w *w, const struct client *cli)
{
	const struct link *l = cli->local->link;

	state_put_bool(w, l != NULL);
	if (l == NULL)
		return;
	state_put_bool(w, l->up);
	state_put_bool(w, l->outgoing);
	state_put_bool(w, l->got_pass);
	state_put_bool(w, l->got_svinfo);
	state_put_bool(w, l->eob);
	state_put_u32(w, l->caps);
	state_put_i64(w, l->ts_version);
	state_put_str(w, l->name);
	state_put_str(w, l->pass);
	state_put_str(w, l->sid);
	state_put_i64(w, l->up_ms);
}

void
state_link_load_conn(struct state_load *ld, struct journal_rec *r, struct client *cli)
{
	struct link *l;
	int64_t ts;

	(void)ld;
	if (!state_get_bool(r) || r->bad)
		return;
	if ((l = cli->local->link = calloc(1, sizeof(*l))) == NULL) {
		r->bad = true;
		return;
	}
	l->up = state_get_bool(r);
	l->outgoing = state_get_bool(r);
	l->got_pass = state_get_bool(r);
	l->got_svinfo = state_get_bool(r);
	l->eob = state_get_bool(r);
	l->caps = journal_get_u32(r);
	ts = state_get_i64(r);
	l->ts_version = ts < INT_MIN || ts > INT_MAX ? 0 : (int)ts;
	state_get_str(r, l->name, sizeof(l->name));
	state_get_str(r, l->pass, sizeof(l->pass));
	state_get_str(r, l->sid, sizeof(l->sid));
	l->up_ms = state_get_i64(r);
	/* A link is no user; an established one takes a whole burst. */
	if (ts != l->ts_version || cli->nick[0] != '\0' || (l->outgoing && !l->name[0]))
		r->bad = true;
	if (l->up && cli->local->recvq.limit < LINK_QUEUE_BYTES)
		cli->local->recvq.limit = LINK_QUEUE_BYTES;
	if (l->up && cli->local->sendq.limit < LINK_QUEUE_BYTES)
		cli->local->sendq.limit = LINK_QUEUE_BYTES;
}

/* Pre-order: a server after its uplink, siblings in their order. */
static void
save_servers(const struct network *net, struct state_w *w)
{
	state_put_u32(w, (uint32_t)(net->count - 1));
	for (const struct netserver *s = network_walk(net, &net->me); s != NULL;
	    s = network_walk(net, s)) {
		state_put_str(w, s->name);
		state_put_str(w, s->sid);
		state_put_str(w, s->desc);
		state_put_str(w, s->uplink->sid);
		state_put_u64(w, s->via->id);
		state_put_bool(w, s->eob);
	}
}

static int
peer_by_name(const void *a, const void *b)
{
	return strcmp((*(struct link_peer *const *)a)->name,
	    (*(struct link_peer *const *)b)->name);
}

/* In name order, so that the same records always make the same bytes. */
static void
save_peers(const struct network *net, struct state_w *w)
{
	size_t n = hmap_count(net->peers), i = 0, it = 0;
	struct link_peer **v = calloc(n ? n : 1, sizeof(*v)), *p;

	if (v == NULL) {
		w->bad = true;
		return;
	}
	while (i < n && (p = hmap_next(net->peers, &it, NULL)) != NULL)
		v[i++] = p;
	qsort(v, i, sizeof(*v), peer_by_name);
	state_put_u32(w, (uint32_t)i);
	for (size_t k = 0; k < i; k++) {
		state_put_str(w, v[k]->name);
		state_put_u64(w, v[k]->conn != NULL ? v[k]->conn->id : 0);
		state_put_i64(w, v[k]->next_ms);
		state_put_i64(w, v[k]->delay_ms);
		state_put_bool(w, v[k]->queued);
	}
	free(v);
}

static void
save_user(struct server *srv, struct state_w *w, const struct client *c)
{
	state_put_u64(w, c->id);
	state_put_str(w, c->uid);
	state_put_str(w, c->nick);
	state_put_i64(w, (int64_t)c->nick_ts);
	state_put_i64(w, (int64_t)c->signon);
	state_put_i64(w, (int64_t)c->last_message);
	state_put_u32(w, c->umodes);
	state_put_str(w, c->user);
	state_put_str(w, c->host);
	state_put_str(w, c->realname);
	state_put_str(w, c->away);
	state_put_str(w, client_account(c));
	state_put_str(w, c->server->sid);
	state_save_metadata(w, &c->metadata);
	state_save_chans(w, c);
	state_put_str(w, link_remote_ip(srv, c));        /* LINK 3 */
}

/* Oldest first, as CLNT: the restore prepends each. */
static void
save_users(struct server *srv, struct state_w *w)
{
	struct client *last = NULL;
	uint32_t n = 0;

	for (struct client *c = srv->clients; c; c = c->next) {
		last = c;
		n += state_kept_remote(c);
	}
	state_put_u32(w, n);
	for (struct client *c = last; c; c = c->prev)
		if (state_kept_remote(c))
			save_user(srv, w, c);
}

void
state_link_save(struct server *srv, struct state_w *w)
{
	const struct network *net = srv->net;

	state_section_begin(w, STATE_LINKS, 3);
	state_put_str(w, net->me.sid);
	state_put_u64(w, net->next_uid);
	save_servers(net, w);
	save_peers(net, w);
	save_users(srv, w);
	state_put_str(w, net->sasl_mechs);      /* LINK 2 */
	state_section_end(w);
}

/* The established link with id, whose server (if direct) is not set yet. */
static struct client *
find_link(const struct state_load *ld, uint64_t id)
{
	struct client *cli = state_load_find(ld, id);

	return cli != NULL && cli->local != NULL && cli->local->link != NULL &&
	    cli->local->link->up ? cli : NULL;
}

/* network_add() puts a server first among its siblings: put it last. */
static void
to_last(struct netserver *s)
{
	struct netserver *t = s;

	if (s->next == NULL)
		return;
	while (t->next != NULL)
		t = t->next;
	s->uplink->child = s->next;
	s->next->prev = NULL;
	t->next = s;
	s->prev = t;
	s->next = NULL;
}

static void
load_server(struct state_load *ld, struct journal_rec *r)
{
	struct network *net = ld->srv->net;
	char name[IRC_HOSTLEN + 1], sid[NETWORK_SID_LEN + 1];
	char desc[NETWORK_DESC_MAX + 1], up[NETWORK_SID_LEN + 1];
	struct netserver *uplink, *s;
	struct client *via;

	state_get_str(r, name, sizeof(name));
	state_get_str(r, sid, sizeof(sid));
	state_get_str(r, desc, sizeof(desc));
	state_get_str(r, up, sizeof(up));
	via = find_link(ld, journal_get_u64(r));
	if (r->bad || via == NULL || !link_name_is_valid(name) ||
	    !network_is_sid(sid) || network_find(net, name) != NULL ||
	    network_find(net, sid) != NULL || (uplink = network_find(net, up)) == NULL ||
	    (uplink == &net->me ? via->local->link->server != NULL : uplink->via != via) ||
	    (s = network_add(net, uplink, name, sid, desc, via)) == NULL) {
		r->bad = true;
		return;
	}
	to_last(s);
	s->eob = state_get_bool(r);
	if (uplink == &net->me)
		via->local->link->server = s;
}

static void
load_peer(struct state_load *ld, struct journal_rec *r)
{
	struct server *srv = ld->srv;
	char name[IRC_HOSTLEN + 1];
	uint64_t id;
	struct client *conn = NULL;
	struct link_peer *p;

	state_get_str(r, name, sizeof(name));
	id = journal_get_u64(r);
	if (r->bad || hmap_get(srv->net->peers, name) != NULL ||
	    (id != 0 && ((conn = state_load_find(ld, id)) == NULL || conn->local == NULL ||
	    conn->local->link == NULL || casemap_cmp(conn->local->link->name, name) != 0)) ||
	    (p = link_peer_get(srv, name)) == NULL) {
		r->bad = true;
		return;
	}
	p->conn = conn;
	p->next_ms = state_get_i64(r);
	p->delay_ms = state_get_i64(r);
	if ((p->queued = state_get_bool(r)))
		srv->net->link_queued++;
}

/* Whether the user c, as read, may join the network here. */
static bool
user_ok(struct server *srv, const struct client *c, const char *nick,
    const struct netserver *s)
{
	return s != NULL && s != &srv->net->me && ts6_uid_is_valid(c->uid) &&
	    strncmp(c->uid, s->sid, NETWORK_SID_LEN) == 0 &&
	    hmap_get(srv->net->users, c->uid) == NULL && nick[0] != '\0' &&
	    client_find_nick(srv, nick) == NULL && c->user[0] != '\0' &&
	    c->realname != NULL;
}

/* An address as ts6_parse_user() takes it: one word, "0" when unknown. */
static bool
ip_ok(const char *ip)
{
	return ip[0] != '\0' && ip[0] != ':' && strpbrk(ip, " ,\r\n") == NULL;
}

static void
load_user(struct state_load *ld, struct journal_rec *r)
{
	struct server *srv = ld->srv;
	uint64_t next_id = srv->next_id;
	struct client *c = client_new_remote(srv);
	char nick[IRC_NICKLEN + 1], account[IRC_ACCOUNTLEN + 1], sid[NETWORK_SID_LEN + 1];
	char ip[TS6_IP_MAX + 1] = "0";
	struct netserver *s;

	srv->next_id = next_id;         /* the user keeps its saved id */
	if (c == NULL) {
		r->bad = true;
		return;
	}
	ld->v[ld->n++] = (struct state_load_cli){ .cli = c };
	c->id = journal_get_u64(r);
	state_get_str(r, c->uid, sizeof(c->uid));
	state_get_str(r, nick, sizeof(nick));
	c->nick_ts = (time_t)state_get_i64(r);
	c->signon = (time_t)state_get_i64(r);
	c->last_message = (time_t)state_get_i64(r);
	c->umodes = journal_get_u32(r);
	state_get_str(r, c->user, sizeof(c->user));
	state_get_str(r, c->host, sizeof(c->host));
	c->realname = state_get_strdup(r, IRC_REALNAMELEN);
	c->away = state_get_strdup(r, STATE_STR_MAX);
	state_get_str(r, account, sizeof(account));
	state_get_str(r, sid, sizeof(sid));
	state_load_metadata(r, &c->metadata, true);
	state_load_chans(r, &ld->v[ld->n - 1]);
	if (ld->version >= 3)
		state_get_str(r, ip, sizeof(ip));
	if (r->bad || !user_ok(srv, c, nick, s = network_find(srv->net, sid)) ||
	    client_set_nick(c, nick) == -1 || hmap_put(srv->net->users, c->uid, c) == -1 ||
	    client_set_account(c, account) == -1 || !ip_ok(ip) ||
	    link_remote_set_ip(srv, c, ip) == -1) {
		r->bad = true;
		return;
	}
	c->server = s;
	srv->net->nremote++;
	c->was_registered = true;
	client_set_registered(c);
	if (c->id > srv->next_id)
		srv->next_id = c->id;
}

static void
load_users(struct state_load *ld, struct journal_rec *r)
{
	/* A user takes well over 32 bytes: a larger count is a lie. */
	uint32_t n = state_get_count(r, LINK_MAX_USERS);
	struct state_load_cli *v;

	if (r->bad || n > r->len / 32 ||
	    (v = realloc(ld->v, (ld->n + n + 1) * sizeof(*v))) == NULL) {
		r->bad = true;
		return;
	}
	ld->v = v;
	ld->cap = ld->n + n;
	for (uint32_t i = 0; i < n && !r->bad; i++)
		load_user(ld, r);
}

int
state_link_load(struct state_load *ld, struct journal_rec *r)
{
	struct network *net = ld->srv->net;
	char sid[NETWORK_SID_LEN + 1];
	uint32_t n;

	/* A SID is never changed while running: the links know this one. */
	state_get_str(r, sid, sizeof(sid));
	if (!r->bad && sid[0] != '\0' && strcmp(sid, net->me.sid) != 0 &&
	    (!network_is_sid(sid) || network_set_sid(net, sid) == -1))
		r->bad = true;
	net->next_uid = journal_get_u64(r);
	n = state_get_count(r, NETWORK_SERVERS_MAX);
	for (uint32_t i = 0; i < n && !r->bad; i++)
		load_server(ld, r);
	n = state_get_count(r, LINK_MAX_PEERS);
	for (uint32_t i = 0; i < n && !r->bad; i++)
		load_peer(ld, r);
	load_users(ld, r);
	if (ld->version >= 2)
		state_get_str(r, net->sasl_mechs, sizeof(net->sasl_mechs));
	if (!state_r_done(r) || state_load_index(ld) == -1)
		return -1;
	return 0;
}

int
state_link_check(struct state_load *ld)
{
	for (size_t i = 0; i < ld->n; i++) {
		const struct client *cli = ld->v[i].cli;
		const struct link *l = cli->local != NULL ? cli->local->link : NULL;
		const struct link_peer *p;

		if (l == NULL)
			continue;
		if (l->up != (l->server != NULL))
			return -1;
		/* A named link has its autoconnect record (link_peer_attach()). */
		p = l->name[0] ? hmap_get(ld->srv->net->peers, l->name) : NULL;
		if (l->name[0] && p == NULL)
			return -1;
	}
	return 0;
}
