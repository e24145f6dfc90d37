/*
 * What a saved state holds, written: one section per store, in the order
 * state_load.c rebuilds them (clients before the channels that name them
 * by id; the links' users, in LINK, too). Only state that outlives a round is saved: the upgrade runs
 * between rounds, after closed clients are reaped and password checks are
 * done, so borrowed pointers (labels) and the dead list are empty.
 */
#include "state.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "casemap.h"
#include "channel.h"
#include "chanlist.h"
#include "client.h"
#include "hmap.h"
#include "multiline.h"
#include "persist.h"
#include "readmarker.h"
#include "scram.h"
#include "server.h"
#include "whowas.h"

bool
state_kept(const struct client *cli)
{
	return !client_is_closing(cli) && client_is_local(cli);
}

bool
state_kept_remote(const struct client *cli)
{
	return !client_is_closing(cli) && !client_is_local(cli) &&
	    cli->server != NULL && client_is_registered(cli);
}

/* A channel member that is kept: a user here or on a linked server. */
static bool
member_kept(const struct client *cli)
{
	return state_kept(cli) || state_kept_remote(cli);
}

/* A channel with a member that is kept. */
static bool
has_kept_member(const struct channel *chan)
{
	for (const struct membership *m = chan->members; m; m = m->chan_next)
		if (member_kept(m->cli))
			return true;
	return false;
}

static void
save_server(struct server *srv, struct state_w *w)
{
	state_section_begin(w, STATE_SERVER, 2);
	state_put_u64(w, srv->next_id);
	state_put_u64(w, srv->msgid_seq);
	state_put_i64(w, (int64_t)srv->started);
	state_put_str(w, srv->created);
	state_put_u32(w, srv->max_users);
	state_put_bytes(w, srv->scram_secret, sizeof(srv->scram_secret));
	state_put_u32(w, srv->max_local);       /* SRVR 2 */
	state_section_end(w);
}

static void
save_whowas_entry(void *arg, const struct whowas_entry *e)
{
	struct state_w *w = arg;

	state_put_u8(w, 1);             /* one more entry */
	state_put_str(w, e->nick);
	state_put_str(w, e->user);
	state_put_str(w, e->host);
	state_put_str(w, e->realname);
	state_put_i64(w, (int64_t)e->at);
}

static int
save_marker(void *ud, const char *owner, const char *target, int64_t ms)
{
	struct state_w *w = ud;

	state_put_u8(w, 1);
	state_put_str(w, owner);
	state_put_str(w, target);
	state_put_i64(w, ms);
	return w->bad ? -1 : 0;
}

/* WHOWAS, the history (as a journal snapshot) and the connections' markers. */
static void
save_stores(struct server *srv, struct state_w *w, bool with_history)
{
	struct buf snap;

	state_section_begin(w, STATE_WHOWAS, 1);
	whowas_walk(srv->whowas, save_whowas_entry, w);
	state_put_u8(w, 0);
	state_section_end(w);
	if (with_history) {
		buf_init(&snap, 0);
		if (persist_snapshot(srv, &snap) == -1)
			w->bad = true;
		state_section_begin(w, STATE_HISTORY, 1);
		state_put_bytes(w, buf_data(&snap), buf_len(&snap));
		state_section_end(w);
		buf_free(&snap);
	}
	state_section_begin(w, STATE_MARKERS, 1);
	readmarker_walk(srv->conn_markers, save_marker, w);
	state_put_u8(w, 0);
	state_section_end(w);
}

void
state_save_metadata(struct state_w *w, const struct metadata *md)
{
	state_put_u32(w, (uint32_t)md->n);
	for (size_t i = 0; i < md->n; i++) {
		state_put_str(w, md->v[i].key);
		state_put_str(w, md->v[i].value);
	}
}

static void
save_batch(struct state_w *w, const struct multiline *ml)
{
	state_put_bool(w, ml != NULL);
	if (ml == NULL)
		return;
	state_put_str(w, ml->ref);
	state_put_str(w, ml->target);
	state_put_str(w, ml->label);
	state_put_str(w, ml->tags);
	state_put_str(w, ml->command);
	state_put_i64(w, ml->opened_ms);
	state_put_bool(w, ml->failed);
	state_put_u32(w, (uint32_t)ml->nlines);
	for (size_t i = 0; i < ml->nlines; i++) {
		state_put_str(w, ml->lines[i].text);
		state_put_bool(w, ml->lines[i].concat);
	}
}

/* The connection's rarely used state, or an empty one when it has none. */
static const struct local_extra *
extra_of(const struct client *cli)
{
	static const struct local_extra none;

	return cli->local->extra != NULL ? cli->local->extra : &none;
}

/* SASL in progress: the data so far, and a SCRAM exchange's state. */
static void
save_sasl(struct state_w *w, const struct client *cli)
{
	const struct scram *s = extra_of(cli)->sasl_scram;

	state_put_bool(w, extra_of(cli)->sasl_buf != NULL);
	if (extra_of(cli)->sasl_buf != NULL)
		state_put_bytes(w, extra_of(cli)->sasl_buf, extra_of(cli)->sasl_len);
	state_put_u32(w, extra_of(cli)->sasl_step);
	state_put_bool(w, extra_of(cli)->sasl_started);
	state_put_bool(w, extra_of(cli)->sasl_discard);
	state_put_i64(w, extra_of(cli)->hash_debt_ms);
	state_put_bool(w, s != NULL);
	if (s == NULL)
		return;
	state_put_str(w, s->user);
	state_put_str(w, s->first_bare);
	state_put_str(w, s->server_first);
	state_put_str(w, s->nonce);
	state_put_bytes(w, s->stored_key, sizeof(s->stored_key));
	state_put_bytes(w, s->server_key, sizeof(s->server_key));
	state_put_bool(w, s->never);
}

/* Who the client is, and how far its registration went. */
static void
save_identity(struct state_w *w, const struct client *cli)
{
	state_put_u64(w, cli->id);
	state_put_u32(w, (uint32_t)cli->local->fd);
	state_put_u8(w, cli->state == CLIENT_REGISTERED ? 1 : 0);
	state_put_bool(w, cli->local->pass_ok);
	state_put_bool(w, cli->local->pass_sent);
	state_put_bool(w, cli->local->cap_negotiating);
	state_put_bool(w, cli->local->got_user);
	state_put_u32(w, cli->local->cap_version);
	state_put_u32(w, client_caps(cli));
	state_put_u32(w, cli->umodes);
	state_put_str(w, cli->nick);
	state_put_str(w, extra_of(cli)->pending_nick);
	state_put_str(w, cli->user);
	state_put_str(w, cli->host);
	state_put_str(w, cli->realname);
	state_put_str(w, cli->away);
	state_put_str(w, client_account(cli));
}

/* Clocks, flood pacing and the flags of the limits it is counted in. */
static void
save_timers(struct state_w *w, const struct client *cli)
{
	state_put_i64(w, (int64_t)cli->signon);
	state_put_i64(w, (int64_t)cli->last_message);
	state_put_i64(w, cli->local->connected_ms);
	state_put_i64(w, cli->local->last_active_ms);
	state_put_i64(w, cli->local->ping_sent_ms);
	state_put_i64(w, cli->local->flood_at_ms);
	state_put_bool(w, cli->local->flood_exempt);
	state_put_bool(w, cli->local->ip_counted);
	state_put_bool(w, cli->local->throttled);
	state_put_bool(w, cli->local->input_pending);
	state_put_i64(w, extra_of(cli)->knock_ms);
	state_put_i64(w, extra_of(cli)->metadata_at_ms);
}

/* The lists this server keeps for the connection, and its channels in order. */
static void
save_lists(struct state_w *w, const struct client *cli)
{
	state_put_u32(w, (uint32_t)extra_of(cli)->nmonitors);
	for (size_t i = 0; i < extra_of(cli)->nmonitors; i++)
		state_put_str(w, extra_of(cli)->monitors[i]);
	state_put_u32(w, (uint32_t)extra_of(cli)->ninvited);
	for (size_t i = 0; i < extra_of(cli)->ninvited; i++)
		state_put_str(w, extra_of(cli)->invited[i]);
	state_save_metadata(w, &cli->metadata);
	state_save_metadata(w, &extra_of(cli)->metadata_subs);
	state_put_bool(w, extra_of(cli)->list_filters != NULL);
	state_save_chans(w, cli);
}

void
state_save_chans(struct state_w *w, const struct client *cli)
{
	state_put_u32(w, cli->nchannels);
	for (const struct membership *m = cli->channels; m; m = m->cli_next)
		state_put_str(w, m->chan->name);
}

static int
put_name(void *ud, const char *name)
{
	state_put_str(ud, name);
	return 0;
}

/* A paced LIST going on: its filters and the channels it has still to list. */
static void
save_list(struct state_w *w, const struct client *cli)
{
	const struct local_extra *x = extra_of(cli);

	if (x->list_filters == NULL)
		return;
	state_put_str(w, x->list_filters);
	state_put_str(w, x->list_conds);
	state_put_u32(w, (uint32_t)chanlist_rest_count(cli->srv, cli));
	chanlist_rest(cli->srv, cli, put_name, w);
}

static void
save_client(struct state_w *w, const struct client *cli)
{
	save_identity(w, cli);
	save_timers(w, cli);
	save_sasl(w, cli);
	save_lists(w, cli);
	save_batch(w, local_batch(cli->local));
	state_put_bytes(w, buf_data(&cli->local->recvq), buf_len(&cli->local->recvq));
	state_put_bytes(w, buf_data(&cli->local->sendq), buf_len(&cli->local->sendq));
	state_put_i64(w, (int64_t)cli->nick_ts);     /* CLNT 2 */
	state_put_str(w, cli->uid);                  /* CLNT 3 */
	state_link_save_conn(w, cli);
	save_list(w, cli);
	/* CLNT 4: a SASL exchange relayed to services. */
	state_put_i64(w, extra_of(cli)->sasl_relay_ms);
	state_put_str(w, extra_of(cli)->sasl_agent);
	/* CLNT 5: the address, while services show another host. */
	state_put_str(w, extra_of(cli)->addr);
}

/* Oldest first: the restore prepends each, as client_new() does. */
static void
save_clients(struct server *srv, struct state_w *w)
{
	struct client *last = NULL;
	uint32_t n = 0;

	for (struct client *cli = srv->clients; cli; cli = cli->next) {
		last = cli;
		n += state_kept(cli);
	}
	state_section_begin(w, STATE_CLIENTS, 5);
	state_put_u32(w, n);
	for (struct client *cli = last; cli; cli = cli->prev)
		if (state_kept(cli))
			save_client(w, cli);
	state_section_end(w);
}

static void
save_masks(struct state_w *w, const struct mask_list *l)
{
	state_put_u32(w, (uint32_t)l->n);
	for (size_t i = 0; i < l->n; i++) {
		state_put_str(w, l->v[i].mask);
		state_put_str(w, l->v[i].set_by);
		state_put_i64(w, (int64_t)l->v[i].set_at);
	}
}

static void
save_channel(struct state_w *w, const struct channel *chan)
{
	uint32_t n = 0;

	state_put_str(w, chan->name);
	state_put_str(w, chan->topic);
	state_put_str(w, chan->topic_by);
	state_put_i64(w, (int64_t)chan->topic_at);
	state_put_i64(w, (int64_t)chan->created);
	state_put_u32(w, chan->modes);
	state_put_str(w, chan->key);
	state_put_u32(w, chan->limit);
	save_masks(w, &chan->bans);
	save_masks(w, &chan->excepts);
	save_masks(w, &chan->invexes);
	state_put_u32(w, (uint32_t)chan->ninvites);
	for (size_t i = 0; i < chan->ninvites; i++)
		state_put_u64(w, chan->invites[i]);
	state_put_i64(w, chan->knock_ms);
	state_put_i64(w, chan->renamed_ms);
	state_save_metadata(w, &chan->metadata);
	for (const struct membership *m = chan->members; m; m = m->chan_next)
		n += member_kept(m->cli);
	state_put_u32(w, n);
	for (const struct membership *m = chan->members; m; m = m->chan_next)
		if (member_kept(m->cli)) {
			state_put_u64(w, m->cli->id);
			state_put_u8(w, (uint8_t)m->prefix);
		}
}

static int
by_name(const void *a, const void *b)
{
	const struct channel *x = *(struct channel *const *)a;
	const struct channel *y = *(struct channel *const *)b;

	return casemap_cmp(x->name, y->name);
}

/* In name order, so that the same channels always make the same bytes. */
static void
save_channels(struct server *srv, struct state_w *w)
{
	size_t n = hmap_count(srv->channels), i = 0, it = 0;
	struct channel **v = calloc(n ? n : 1, sizeof(*v));
	struct channel *chan;

	if (v == NULL) {
		w->bad = true;
		return;
	}
	while (i < n && (chan = hmap_next(srv->channels, &it, NULL)) != NULL)
		if (has_kept_member(chan))
			v[i++] = chan;
	qsort(v, i, sizeof(*v), by_name);
	state_section_begin(w, STATE_CHANNELS, 1);
	state_put_u32(w, (uint32_t)i);
	for (size_t k = 0; k < i; k++)
		save_channel(w, v[k]);
	state_section_end(w);
	free(v);
}

int
state_save(struct server *srv, struct state_w *w, bool with_history)
{
	save_server(srv, w);
	save_stores(srv, w, with_history);
	save_clients(srv, w);
	state_link_save(srv, w);
	save_channels(srv, w);
	return w->bad ? -1 : 0;
}
