/*
 * A saved state, rebuilt: each section of state_save.c read back field by
 * field into a fresh server. Every count and length is bounded before it
 * is trusted, every name checked where the server would check it, and
 * each section must be read to its last byte: a blob that does not make
 * sense is refused as a whole, with the section that failed.
 */
#include "state.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cap.h"
#include "casemap.h"
#include "channel.h"
#include "chanlist.h"
#include "client.h"
#include "hmap.h"
#include "inputq.h"
#include "journal.h"
#include "limit.h"
#include "monitor.h"
#include "network.h"
#include "multiline.h"
#include "numeric.h"
#include "persist.h"
#include "readmarker.h"
#include "reply.h"
#include "scram.h"
#include "server.h"
#include "timer.h"
#include "ts6.h"
#include "whowas.h"

/* Bounds no saved state of a sane server passes. */
#define LOAD_MAX_CLIENTS        (1u << 24)
#define LOAD_MAX_LIST           (1u << 16)
#define LOAD_MAX_QUEUE          ((size_t)1 << 30)

static int
load_server(struct state_load *ld, struct journal_rec *r)
{
	struct server *srv = ld->srv;
	size_t n;
	const uint8_t *secret;

	srv->next_id = journal_get_u64(r);
	srv->msgid_seq = journal_get_u64(r);
	srv->started = (time_t)state_get_i64(r);
	state_get_str(r, srv->created, sizeof(srv->created));
	srv->max_users = journal_get_u32(r);
	secret = state_get_bytes(r, sizeof(srv->scram_secret), &n);
	if (secret != NULL && n == sizeof(srv->scram_secret))
		memcpy(srv->scram_secret, secret, n);
	else
		r->bad = true;
	/* SRVR 1 had no count of local users: the network's is an upper bound. */
	srv->max_local = ld->version >= 2 ? journal_get_u32(r) : srv->max_users;
	return state_r_done(r) ? 0 : -1;
}

static int
load_whowas(struct state_load *ld, struct journal_rec *r)
{
	struct server *srv = ld->srv;
	struct whowas_entry e;

	while (!r->bad && journal_get_u8(r) == 1) {
		state_get_str(r, e.nick, sizeof(e.nick));
		state_get_str(r, e.user, sizeof(e.user));
		state_get_str(r, e.host, sizeof(e.host));
		state_get_str(r, e.realname, sizeof(e.realname));
		e.at = (time_t)state_get_i64(r);
		if (!r->bad)
			whowas_put(srv->whowas, &e);
	}
	return state_r_done(r) ? 0 : -1;
}

static int
load_history(struct state_load *ld, struct journal_rec *r)
{
	struct server *srv = ld->srv;
	struct persist_stats st;
	size_t n;
	const uint8_t *snap = state_get_bytes(r, SIZE_MAX, &n);

	if (snap == NULL || !state_r_done(r) ||
	    persist_replay(srv, snap, n, &st) != JOURNAL_HEADER_OK ||
	    st.bad != 0 || st.dropped != 0)
		return -1;
	return 0;
}

static int
load_markers(struct state_load *ld, struct journal_rec *r)
{
	struct server *srv = ld->srv;
	char owner[READMARKER_OWNER_SIZE], target[IRC_CHANNELLEN + 1];
	int64_t ms, stored;

	while (!r->bad && journal_get_u8(r) == 1) {
		state_get_str(r, owner, sizeof(owner));
		state_get_str(r, target, sizeof(target));
		ms = state_get_i64(r);
		if (!r->bad && (ms < 0 || readmarker_set(srv->conn_markers, owner,
		    target, ms, &stored) == -1))
			r->bad = true;
	}
	return state_r_done(r) ? 0 : -1;
}

void
state_load_metadata(struct journal_rec *r, struct metadata *md, bool values)
{
	uint32_t n = state_get_count(r, LOAD_MAX_LIST);
	char key[METADATA_KEYLEN + 1], *value;

	for (uint32_t i = 0; i < n && !r->bad; i++) {
		state_get_str(r, key, sizeof(key));
		value = state_get_strdup(r, STATE_STR_MAX);
		if (!r->bad && (!metadata_key_valid(key) || (value == NULL) == values ||
		    metadata_set(md, key, value, SIZE_MAX) != 1))
			r->bad = true;
		free(value);
	}
}

/* The command of a batch: one of the two literals the server uses. */
static const char *
batch_command(struct journal_rec *r)
{
	char cmd[16];
	char *s = state_get_strdup(r, sizeof(cmd));

	const char *v = s == NULL ? NULL : strcmp(s, "PRIVMSG") == 0 ? "PRIVMSG" :
	    strcmp(s, "NOTICE") == 0 ? "NOTICE" : "";
	free(s);
	if (v != NULL && v[0] == '\0')
		r->bad = true;
	return v;
}

static void
load_batch(struct journal_rec *r, struct client *cli)
{
	struct multiline *ml;
	struct local_extra *x;
	char ref[MULTILINE_REF_MAX + 1], target[IRC_CHANNELLEN + 2], *text;
	uint32_t n;
	bool concat;

	if (!state_get_bool(r))
		return;
	state_get_str(r, ref, sizeof(ref));
	state_get_str(r, target, sizeof(target));
	if (r->bad || (x = local_extra(cli->local)) == NULL ||
	    (ml = x->batch = multiline_new(ref, target, 0)) == NULL) {
		r->bad = true;
		return;
	}
	state_get_str(r, ml->label, sizeof(ml->label));
	state_get_str(r, ml->tags, sizeof(ml->tags));
	ml->command = batch_command(r);
	ml->opened_ms = state_get_i64(r);
	ml->failed = state_get_bool(r);
	n = state_get_count(r, LOAD_MAX_LIST);
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		text = state_get_strdup(r, STATE_STR_MAX);
		concat = state_get_bool(r);
		if (text == NULL || multiline_add(ml, text, concat, SIZE_MAX,
		    SIZE_MAX) != MULTILINE_OK)
			r->bad = true;
		free(text);
	}
}

static void
load_scram(struct journal_rec *r, struct client *cli)
{
	struct scram *s;
	size_t n1, n2;
	const uint8_t *k1, *k2;

	if (!state_get_bool(r))
		return;
	if ((s = cli->local->extra->sasl_scram = calloc(1, sizeof(*s))) == NULL) {
		r->bad = true;
		return;
	}
	state_get_str(r, s->user, sizeof(s->user));
	state_get_str(r, s->first_bare, sizeof(s->first_bare));
	state_get_str(r, s->server_first, sizeof(s->server_first));
	state_get_str(r, s->nonce, sizeof(s->nonce));
	k1 = state_get_bytes(r, sizeof(s->stored_key), &n1);
	k2 = state_get_bytes(r, sizeof(s->server_key), &n2);
	s->never = state_get_bool(r);
	if (r->bad || n1 != sizeof(s->stored_key) || n2 != sizeof(s->server_key)) {
		r->bad = true;
		return;
	}
	memcpy(s->stored_key, k1, n1);
	memcpy(s->server_key, k2, n2);
}

static void
load_sasl(struct journal_rec *r, struct client *cli)
{
	const uint8_t *p;
	size_t n;

	if (state_get_bool(r)) {
		p = state_get_bytes(r, STATE_STR_MAX, &n);
		if (p != NULL && (cli->local->extra->sasl_buf = malloc(n + 1)) != NULL) {
			memcpy(cli->local->extra->sasl_buf, p, n);
			cli->local->extra->sasl_buf[n] = '\0';
			cli->local->extra->sasl_len = n;
		} else {
			r->bad = true;
		}
	}
	cli->local->extra->sasl_step = journal_get_u32(r);
	cli->local->extra->sasl_started = state_get_bool(r);
	cli->local->extra->sasl_discard = state_get_bool(r);
	cli->local->extra->hash_debt_ms = state_get_i64(r);
	load_scram(r, cli);
}


static void
load_identity(struct journal_rec *r, struct client *cli, bool *registered)
{
	char nick[IRC_NICKLEN + 1], account[IRC_ACCOUNTLEN + 1];

	cli->id = journal_get_u64(r);
	cli->local->fd = (int)journal_get_u32(r);
	*registered = journal_get_u8(r) == 1;
	cli->local->pass_ok = state_get_bool(r);
	cli->local->pass_sent = state_get_bool(r);
	cli->local->cap_negotiating = state_get_bool(r);
	cli->local->got_user = state_get_bool(r);
	cli->local->cap_version = journal_get_u32(r);
	if (cap_set(cli->srv, cli, journal_get_u32(r)) == -1)
		r->bad = true;
	cli->umodes = journal_get_u32(r);
	state_get_str(r, nick, sizeof(nick));
	state_get_str(r, cli->local->extra->pending_nick, sizeof(cli->local->extra->pending_nick));
	state_get_str(r, cli->user, sizeof(cli->user));
	state_get_str(r, cli->host, sizeof(cli->host));
	cli->realname = state_get_strdup(r, IRC_REALNAMELEN);
	cli->away = state_get_strdup(r, STATE_STR_MAX);
	state_get_str(r, account, sizeof(account));
	if (r->bad || (nick[0] && (client_find_nick(cli->srv, nick) != NULL ||
	    client_set_nick(cli, nick) == -1)) || client_set_account(cli, account) == -1)
		r->bad = true;
	if (*registered && (nick[0] == '\0' || cli->user[0] == '\0'))
		r->bad = true;
}

static void
load_timers(struct journal_rec *r, struct client *cli)
{
	cli->signon = (time_t)state_get_i64(r);
	cli->last_message = (time_t)state_get_i64(r);
	cli->local->connected_ms = state_get_i64(r);
	cli->local->last_active_ms = state_get_i64(r);
	cli->local->ping_sent_ms = state_get_i64(r);
	cli->local->flood_at_ms = state_get_i64(r);
	cli->local->flood_exempt = state_get_bool(r);
	cli->local->ip_counted = state_get_bool(r);
	cli->local->throttled = state_get_bool(r);
	cli->local->input_pending = state_get_bool(r);
	cli->local->extra->knock_ms = state_get_i64(r);
	cli->local->extra->metadata_at_ms = state_get_i64(r);
}

/* MONITOR, invitations, metadata, a paced LIST, the channel order. */
static void
load_lists(struct journal_rec *r, struct client *cli, struct state_load_cli *lc)
{
	char nick[IRC_NICKLEN + 1];
	uint32_t n = state_get_count(r, MONITOR_MAX);

	for (uint32_t i = 0; i < n && !r->bad; i++)
		if (state_get_str(r, nick, sizeof(nick)) == 0 &&
		    monitor_add(cli->srv->monitor, cli, nick) != 1)
			r->bad = true;
	n = state_get_count(r, LOAD_MAX_LIST);
	if (n > 0 && (cli->local->extra->invited = calloc(n, sizeof(*cli->local->extra->invited))) == NULL)
		r->bad = true;
	for (uint32_t i = 0; i < n && !r->bad; i++)
		state_get_str(r, cli->local->extra->invited[cli->local->extra->ninvited++], sizeof(*cli->local->extra->invited));
	state_load_metadata(r, &cli->metadata, true);
	state_load_metadata(r, &cli->local->extra->metadata_subs, false);
	lc->list_open = state_get_bool(r);
	state_load_chans(r, lc);
}

void
state_load_chans(struct journal_rec *r, struct state_load_cli *lc)
{
	uint32_t n = state_get_count(r, LOAD_MAX_LIST);

	if (n > 0 && (lc->chans = calloc(n, sizeof(*lc->chans))) == NULL)
		r->bad = true;
	for (uint32_t i = 0; i < n && !r->bad; i++)
		state_get_str(r, lc->chans[lc->nchans++], sizeof(*lc->chans));
}

/* A queue's bytes, its limit raised if a new configuration lowered it. */
static void
load_queue(struct journal_rec *r, struct buf *b)
{
	size_t n;
	const uint8_t *p = state_get_bytes(r, LOAD_MAX_QUEUE, &n);

	if (p == NULL)
		return;
	if (b->limit < n)
		b->limit = (uint32_t)n;
	if (n > 0 && buf_append(b, p, n) == -1)
		r->bad = true;
}

/* Put a restored client back on the server's timer heap and lists. */
static void
load_adopt(struct server *srv, struct journal_rec *r, struct state_load_cli *lc,
    bool registered)
{
	struct client *cli = lc->cli;

	if (registered)
		client_set_registered(cli);
	cli->local->timer_at = srv->now_ms;
	if (timer_heap_add(srv, cli) == -1 || (cli->local->ip_counted &&
	    limits_admit(srv->limits, client_addr(cli), UINT_MAX, 0, srv->now_ms) != NULL)) {
		r->bad = true;
		return;
	}
	server_timer_update(srv, cli);
	if (cli->local->input_pending) {
		cli->local->input_pending = false;
		inputq_defer(srv, cli, false);
	}
	/* A paced LIST of CLNT 1 or 2 cannot go on: it ends here. */
	if (lc->list_open && lc->list_filters == NULL)
		reply_numeric(srv, cli, RPL_LISTEND);
	if (buf_len(&cli->local->sendq) > 0)
		client_want_write(cli);
}

/* A user's TS6 UID (CLNT 3): valid, and no one else's. */
static void
load_uid(struct state_load *ld, struct journal_rec *r, struct client *cli)
{
	struct hmap *users = ld->srv->net->users;

	state_get_str(r, cli->uid, sizeof(cli->uid));
	if (r->bad || cli->uid[0] == '\0')
		return;
	if (!ts6_uid_is_valid(cli->uid) || hmap_get(users, cli->uid) != NULL ||
	    hmap_put(users, cli->uid, cli) == -1)
		r->bad = true;
}

/* CLNT 3: a paced LIST's filters and the channels it had still to list. */
static void
load_list(struct journal_rec *r, struct state_load_cli *lc)
{
	uint32_t n;

	if (!lc->list_open)
		return;
	lc->list_filters = state_get_strdup(r, IRC_LINE_MAX);
	lc->list_conds = state_get_strdup(r, IRC_LINE_MAX);
	n = state_get_count(r, LOAD_MAX_CLIENTS);
	if (lc->list_filters == NULL || lc->list_conds == NULL || n > r->len / 4 ||
	    (lc->list_names = calloc(n ? n : 1, sizeof(*lc->list_names))) == NULL) {
		r->bad = true;
		return;
	}
	for (uint32_t i = 0; i < n && !r->bad; i++)
		state_get_str(r, lc->list_names[lc->list_n++], sizeof(*lc->list_names));
}

static void
load_client(struct state_load *ld, struct journal_rec *r, struct state_load_cli *lc)
{
	uint64_t next_id = ld->srv->next_id;
	struct client *cli = client_new(ld->srv, -1, "");
	bool registered = false;

	ld->srv->next_id = next_id;     /* the client keeps its saved id */

	/* The rarely used state is read in place, and let go if it holds nothing. */
	if ((lc->cli = cli) == NULL || local_extra(cli->local) == NULL) {
		r->bad = true;
		return;
	}
	load_identity(r, cli, &registered);
	load_timers(r, cli);
	load_sasl(r, cli);
	load_lists(r, cli, lc);
	load_batch(r, cli);
	load_queue(r, &cli->local->recvq);
	load_queue(r, &cli->local->sendq);
	if (ld->version >= 2)
		cli->nick_ts = (time_t)state_get_i64(r);
	if (ld->version >= 3) {
		load_uid(ld, r, cli);
		state_link_load_conn(ld, r, cli);
		load_list(r, lc);
	}
	if (ld->version >= 4) {
		cli->local->extra->sasl_relay_ms = state_get_i64(r);
		state_get_str(r, cli->local->extra->sasl_agent,
		    sizeof(cli->local->extra->sasl_agent));
	}
	if (ld->version >= 5)
		state_get_str(r, cli->local->extra->addr, sizeof(cli->local->extra->addr));
	local_extra_trim(cli->local);
	if (!r->bad)
		load_adopt(ld->srv, r, lc, registered);
	if (cli->id > ld->srv->next_id)
		ld->srv->next_id = cli->id;
}

static int
by_id(const void *a, const void *b)
{
	uint64_t x = ((const struct state_load_cli *)a)->cli->id;
	uint64_t y = ((const struct state_load_cli *)b)->cli->id;

	return x < y ? -1 : x > y;
}

static int
load_clients(struct state_load *ld, struct journal_rec *r)
{
	/* A client takes well over 64 bytes: a larger count is a lie. */
	uint32_t n = state_get_count(r, LOAD_MAX_CLIENTS);

	if (n > r->len / 64 || (ld->v = calloc(n ? n : 1, sizeof(*ld->v))) == NULL)
		return -1;
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		load_client(ld, r, &ld->v[i]);
		ld->n += ld->v[i].cli != NULL;
	}
	ld->cap = n;
	if (!state_r_done(r))
		return -1;
	return state_load_index(ld);
}

int
state_load_index(struct state_load *ld)
{
	qsort(ld->v, ld->n, sizeof(*ld->v), by_id);
	for (size_t i = 1; i < ld->n; i++)
		if (ld->v[i].cli->id == ld->v[i - 1].cli->id)
			return -1;
	return 0;
}

struct client *
state_load_find(const struct state_load *ld, uint64_t id)
{
	size_t lo = 0, hi = ld->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ld->v[mid].cli->id == id)
			return ld->v[mid].cli;
		if (ld->v[mid].cli->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void
load_masks(struct journal_rec *r, struct mask_list *l)
{
	uint32_t n = state_get_count(r, LOAD_MAX_LIST);
	char *mask, *by;
	time_t at;

	for (uint32_t i = 0; i < n && !r->bad; i++) {
		mask = state_get_strdup(r, STATE_STR_MAX);
		by = state_get_strdup(r, STATE_STR_MAX);
		at = (time_t)state_get_i64(r);
		if (mask == NULL || by == NULL ||
		    channel_mask_add(l, mask, by, at, SIZE_MAX) != 1)
			r->bad = true;
		free(mask);
		free(by);
	}
}

static void
load_members(struct state_load *ld, struct journal_rec *r, struct channel *chan)
{
	uint32_t n = state_get_count(r, LOAD_MAX_CLIENTS);
	struct client *cli;
	uint64_t id;
	unsigned prefix;

	for (uint32_t i = 0; i < n && !r->bad; i++) {
		id = journal_get_u64(r);
		prefix = journal_get_u8(r);
		cli = state_load_find(ld, id);
		if (r->bad || cli == NULL || prefix > (MEMBER_OP | MEMBER_VOICE) ||
		    !client_is_registered(cli) || channel_member(chan, cli) != NULL ||
		    channel_join(chan, cli, prefix) == NULL)
			r->bad = true;
	}
	if (chan->nmembers == 0)
		r->bad = true;
}

static void
load_channel(struct state_load *ld, struct journal_rec *r)
{
	char name[IRC_CHANNELLEN + 1];
	struct channel *chan;
	uint32_t n;

	if (state_get_str(r, name, sizeof(name)) == -1 || !name_channel_is_valid(name, IRC_CHANNELLEN) ||
	    channel_find(ld->srv, name) != NULL ||
	    (chan = channel_create(ld->srv, name)) == NULL) {
		r->bad = true;
		return;
	}
	chan->topic = state_get_strdup(r, STATE_STR_MAX);
	chan->topic_by = state_get_strdup(r, STATE_STR_MAX);
	chan->topic_at = (time_t)state_get_i64(r);
	chan->created = (time_t)state_get_i64(r);
	chan->modes = journal_get_u32(r);
	state_get_str(r, chan->key, sizeof(chan->key));
	chan->limit = journal_get_u32(r);
	load_masks(r, &chan->bans);
	load_masks(r, &chan->excepts);
	load_masks(r, &chan->invexes);
	n = state_get_count(r, LOAD_MAX_LIST);
	if (n > 0 && (chan->invites = calloc(n, sizeof(*chan->invites))) == NULL)
		r->bad = true;
	for (uint32_t i = 0; i < n && !r->bad; i++)
		chan->invites[chan->ninvites++] = journal_get_u64(r);
	chan->knock_ms = state_get_i64(r);
	chan->renamed_ms = state_get_i64(r);
	state_load_metadata(r, &chan->metadata, true);
	load_members(ld, r, chan);
}

/* Put each client's memberships back in the order it had them. */
static int
load_channel_order(struct state_load *ld)
{
	for (size_t i = 0; i < ld->n; i++) {
		struct state_load_cli *lc = &ld->v[i];
		struct client *cli = lc->cli;

		if (lc->nchans != cli->nchannels)
			return -1;
		for (uint32_t k = lc->nchans; k-- > 0;) {
			struct channel *chan = channel_find(ld->srv, lc->chans[k]);
			struct membership *m = chan ? channel_member(chan, cli) : NULL;

			if (m == NULL)
				return -1;
			if (m == cli->channels)
				continue;
			m->cli_prev->cli_next = m->cli_next;
			if (m->cli_next)
				m->cli_next->cli_prev = m->cli_prev;
			m->cli_prev = NULL;
			m->cli_next = cli->channels;
			cli->channels->cli_prev = m;
			cli->channels = m;
		}
	}
	return 0;
}

static int
load_channels(struct state_load *ld, struct journal_rec *r)
{
	uint32_t n = state_get_count(r, LOAD_MAX_CLIENTS);

	for (uint32_t i = 0; i < n && !r->bad; i++)
		load_channel(ld, r);
	if (!state_r_done(r))
		return -1;
	return load_channel_order(ld);
}

typedef int load_fn(struct state_load *ld, struct journal_rec *r);

/* Load one section; a missing optional one is fine. 0 or -1 with err. */
static int
load_section(struct state_load *ld, const void *data, size_t len, uint32_t tag,
    bool required, load_fn *fn, char *err, size_t errlen)
{
	struct journal_rec r;
	uint32_t version;
	char name[5];

	for (int i = 0; i < 4; i++)
		name[i] = (char)(tag >> (8 * i));
	name[4] = '\0';
	if (!state_section(data, len, tag, &version, &r)) {
		if (required)
			snprintf(err, errlen, "state section %s missing", name);
		return required ? -1 : 0;
	}
	/*
	 * SRVR 2 added the highest local count, CLNT 2 the nick timestamp,
	 * CLNT 3 the UID, the link state and a LIST's rest, CLNT 4 a SASL
	 * exchange relayed to services, CLNT 5 the address of a user behind a
	 * host services gave, LINK 2 the services' SASL mechanisms, LINK 3 the
	 * addresses of users of other servers; every other section is at 1.
	 */
	if (version < 1 || version > (tag == STATE_CLIENTS ? 5u :
	    tag == STATE_LINKS ? 3u : tag == STATE_SERVER ? 2u : 1u)) {
		snprintf(err, errlen, "state section %s version %u unknown", name, version);
		return -1;
	}
	ld->version = version;
	if (fn(ld, &r) == -1) {
		snprintf(err, errlen, "state section %s damaged (at byte %zu of %zu)",
		    name, r.pos, r.len);
		return -1;
	}
	return 0;
}

/* Paced LISTs go on where the old image left them, the channels being back. */
static void
resume_lists(struct state_load *ld)
{
	for (size_t i = 0; i < ld->n; i++) {
		struct state_load_cli *lc = &ld->v[i];

		if (lc->list_filters == NULL)
			continue;
		chanlist_resume(ld->srv, lc->cli, lc->list_filters, lc->list_conds,
		    lc->list_names, lc->list_n);
		lc->list_filters = lc->list_conds = NULL;
		lc->list_names = NULL;
	}
}

int
state_load(struct server *srv, const void *data, size_t len, char *err,
    size_t errlen)
{
	struct state_load ld = { srv, NULL, 0, 0, 0, 0 };
	unsigned max_users, max_local;
	int rc = -1;

	if (errlen > 0)
		err[0] = '\0';
	if (state_check(data, len, err, errlen) == -1)
		return -1;
	if (load_section(&ld, data, len, STATE_SERVER, true, load_server, err, errlen) == 0 &&
	    load_section(&ld, data, len, STATE_WHOWAS, true, load_whowas, err, errlen) == 0 &&
	    load_section(&ld, data, len, STATE_HISTORY, false, load_history, err, errlen) == 0 &&
	    load_section(&ld, data, len, STATE_MARKERS, true, load_markers, err, errlen) == 0) {
		max_users = srv->max_users;
		max_local = srv->max_local;
		if (load_section(&ld, data, len, STATE_CLIENTS, true, load_clients, err, errlen) == 0 &&
		    load_section(&ld, data, len, STATE_LINKS, false, state_link_load, err, errlen) == 0 &&
		    load_section(&ld, data, len, STATE_CHANNELS, true, load_channels, err, errlen) == 0)
			rc = state_link_check(&ld);
		if (rc == 0) {
			resume_lists(&ld);
			/* What the clients were told of sasl before the upgrade. */
			cap_sasl_reset(srv);
		}
		if (rc == -1 && err[0] == '\0')
			snprintf(err, errlen, "state: a server link without its server");
		if (max_users > srv->max_users)
			srv->max_users = max_users;
		if (max_local > srv->max_local)
			srv->max_local = max_local;
	}
	for (size_t i = 0; i < ld.n; i++) {
		free(ld.v[i].chans);
		free(ld.v[i].list_filters);
		free(ld.v[i].list_conds);
		free(ld.v[i].list_names);
	}
	free(ld.v);
	return rc;
}
