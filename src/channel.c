/*
 * Channels: the registry keyed on casefolded names, memberships linked from
 * both sides, list modes and invitations. A channel exists while it has
 * members; the last channel_part() frees it.
 */
#include "channel.h"

#include <stdlib.h>
#include <string.h>

#include "casemap.h"
#include "client.h"
#include "fmt.h"
#include "hmap.h"
#include "server.h"

struct channel *
channel_find(struct server *srv, const char *name)
{
	return hmap_get(srv->channels, name);
}

struct channel *
channel_create(struct server *srv, const char *name)
{
	struct channel *chan = calloc(1, sizeof(*chan));

	if (chan == NULL)
		return NULL;
	memcpy(chan->name, name, strnlen(name, IRC_CHANNELLEN));
	chan->created = srv->now;
	if (hmap_put(srv->channels, chan->name, chan) == -1) {
		free(chan);
		return NULL;
	}
	return chan;
}

void
channel_free(struct server *srv, struct channel *chan)
{
	if (chan == NULL)
		return;
	hmap_del(srv->channels, chan->name);
	free(chan->topic);
	free(chan->topic_by);
	channel_mask_free(&chan->bans);
	channel_mask_free(&chan->excepts);
	channel_mask_free(&chan->invexes);
	free(chan->invites);
	metadata_free(&chan->metadata);
	free(chan);
}

struct membership *
channel_join(struct channel *chan, struct client *cli, unsigned prefix)
{
	struct membership *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->cli = cli;
	m->chan = chan;
	m->prefix = prefix;
	/* Members in join order, for NAMES. */
	m->chan_prev = chan->members_tail;
	if (chan->members_tail)
		chan->members_tail->chan_next = m;
	else
		chan->members = m;
	chan->members_tail = m;
	chan->nmembers++;
	m->cli_next = cli->channels;
	if (cli->channels)
		cli->channels->cli_prev = m;
	cli->channels = m;
	cli->nchannels++;
	return m;
}

void
channel_part(struct server *srv, struct membership *m)
{
	struct channel *chan = m->chan;
	struct client *cli = m->cli;

	if (m->chan_prev)
		m->chan_prev->chan_next = m->chan_next;
	else
		chan->members = m->chan_next;
	if (m->chan_next)
		m->chan_next->chan_prev = m->chan_prev;
	else
		chan->members_tail = m->chan_prev;
	chan->nmembers--;
	if (m->cli_prev)
		m->cli_prev->cli_next = m->cli_next;
	else
		cli->channels = m->cli_next;
	if (m->cli_next)
		m->cli_next->cli_prev = m->cli_prev;
	cli->nchannels--;
	free(m);
	if (chan->nmembers == 0)
		channel_free(srv, chan);
}

struct membership *
channel_member(const struct channel *chan, const struct client *cli)
{
	for (struct membership *m = cli->channels; m; m = m->cli_next)
		if (m->chan == chan)
			return m;
	return NULL;
}

const char *
channel_prefix(unsigned prefix, bool all, char out[4])
{
	size_t n = 0;

	if (prefix & MEMBER_OP)
		out[n++] = '@';
	if ((prefix & MEMBER_VOICE) && (all || n == 0))
		out[n++] = '+';
	out[n] = '\0';
	return out;
}

bool
channel_is_hidden(const struct channel *chan)
{
	return (chan->modes & (CMODE_SECRET | CMODE_PRIVATE)) != 0;
}

/* Whether one entry, plain mask or extban, matches cli (full: its prefix). */
static bool
entry_matches(const char *mask, const char *full, const char *real, const struct client *cli)
{
	if (mask[0] == EXTBAN_ACCOUNT && mask[1] == ':')
		return client_account(cli)[0] != '\0' && casemap_match(mask + 2, client_account(cli));
	if (mask[0] == EXTBAN_MUTE && mask[1] == ':')
		mask += 2;
	return casemap_match(mask, full) || (real != NULL && casemap_match(mask, real));
}

/*
 * Whether an entry of l matches cli, counting mutes (m: entries) only when
 * mutes is set and the other entries only when bans is set.
 */
static bool
channel_mask_match_kind(const struct mask_list *l, const struct client *cli,
    bool bans, bool mutes)
{
	char full[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 3];
	char real[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 3];
	bool changed = client_host_changed(cli);

	if (l->n == 0)
		return false;
	client_prefix(cli, full, sizeof(full));
	/* A host services gave hides no ban on the address. */
	if (changed)
		fmt_snprintf(real, sizeof(real), "%s!%s@%s", cli->nick, cli->user,
		    client_addr(cli));
	for (size_t i = 0; i < l->n; i++) {
		bool mute = l->v[i].mask[0] == EXTBAN_MUTE && l->v[i].mask[1] == ':';

		if ((mute ? mutes : bans) &&
		    entry_matches(l->v[i].mask, full, changed ? real : NULL, cli))
			return true;
	}
	return false;
}

bool
channel_is_banned(const struct channel *chan, const struct client *cli)
{
	return channel_mask_match_kind(&chan->bans, cli, true, false) &&
	    !channel_mask_match(&chan->excepts, cli);
}

bool
channel_is_muted(const struct channel *chan, const struct client *cli)
{
	return channel_mask_match_kind(&chan->bans, cli, false, true) &&
	    !channel_mask_match(&chan->excepts, cli);
}

/* Whether chan holds an invitation for cli (by id, not by mask). */
static bool
invite_held(const struct channel *chan, const struct client *cli)
{
	for (size_t i = 0; i < chan->ninvites; i++)
		if (chan->invites[i] == cli->id)
			return true;
	return false;
}

bool
channel_is_invited(const struct channel *chan, const struct client *cli)
{
	return invite_held(chan, cli) || channel_mask_match(&chan->invexes, cli);
}

/*
 * Note chan's name in cli's own list, once; when full, forget the oldest.
 * A user on another server keeps its own list there.
 */
static void
client_note_invite(struct server *srv, struct client *cli, const struct channel *chan)
{
	struct local_extra *l;
	size_t max = srv->cfg.max_invites;
	char (*v)[IRC_CHANNELLEN + 1];

	if (cli->local == NULL || (l = local_extra(cli->local)) == NULL)
		return;
	channel_invite_prune(srv, cli);
	for (size_t i = 0; i < l->ninvited; i++)
		if (casemap_cmp(l->invited[i], chan->name) == 0)
			return;
	if (l->ninvited >= max) {
		memmove(l->invited, l->invited + 1, (max - 1) * sizeof(*v));
		l->ninvited = max - 1;
	} else {
		if ((v = realloc(l->invited, (l->ninvited + 1) * sizeof(*v))) == NULL)
			return;
		l->invited = v;
	}
	memcpy(l->invited[l->ninvited++], chan->name, sizeof(*v));
}

void
channel_invite_add(struct server *srv, struct channel *chan, struct client *cli)
{
	size_t max = srv->cfg.max_invites;
	uint64_t *v;

	if (max == 0)
		return;
	client_note_invite(srv, cli, chan);
	if (invite_held(chan, cli))
		return;
	if (chan->ninvites >= max) {
		/* Full (or max lowered by REHASH): forget the oldest invitations. */
		size_t drop = chan->ninvites - max + 1;

		memmove(chan->invites, chan->invites + drop, (max - 1) * sizeof(*v));
		chan->invites[max - 1] = cli->id;
		chan->ninvites = max;
		return;
	}
	if ((v = realloc(chan->invites, (chan->ninvites + 1) * sizeof(*v))) == NULL)
		return;
	v[chan->ninvites++] = cli->id;
	chan->invites = v;
}

/* cli's list of invitations; NULL when it has none (or is not local). */
static struct local_extra *
invited_of(const struct client *cli)
{
	return cli->local != NULL ? cli->local->extra : NULL;
}

void
channel_invite_del(struct channel *chan, struct client *cli)
{
	struct local_extra *l = invited_of(cli);

	for (size_t i = 0; i < chan->ninvites; i++) {
		if (chan->invites[i] == cli->id) {
			chan->invites[i] = chan->invites[--chan->ninvites];
			break;
		}
	}
	for (size_t i = 0; l != NULL && i < l->ninvited; i++) {
		if (casemap_cmp(l->invited[i], chan->name) == 0) {
			memmove(l->invited + i, l->invited + i + 1,
			    (l->ninvited - i - 1) * sizeof(l->invited[0]));
			l->ninvited--;
			return;
		}
	}
}

struct channel *
channel_invite_pending(struct server *srv, const struct client *cli, size_t i)
{
	struct channel *chan = channel_find(srv, cli->local->extra->invited[i]);

	return chan != NULL && invite_held(chan, cli) ? chan : NULL;
}

void
channel_invite_prune(struct server *srv, struct client *cli)
{
	struct local_extra *l = invited_of(cli);
	size_t kept = 0;

	for (size_t i = 0; l != NULL && i < l->ninvited; i++) {
		if (channel_invite_pending(srv, cli, i) == NULL)
			continue;
		if (kept != i)
			memcpy(l->invited[kept], l->invited[i], sizeof(l->invited[0]));
		kept++;
	}
	if (l != NULL)
		l->ninvited = kept;
}

int
channel_mask_add(struct mask_list *l, const char *mask, const char *by, time_t at, size_t max)
{
	struct mask_entry *e;

	for (size_t i = 0; i < l->n; i++)
		if (casemap_cmp(l->v[i].mask, mask) == 0)
			return 0;
	if (l->n >= max)
		return -1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;

		if ((e = realloc(l->v, cap * sizeof(*e))) == NULL)
			return -1;
		l->v = e;
		l->cap = cap;
	}
	e = &l->v[l->n];
	e->mask = strdup(mask);
	e->set_by = strdup(by);
	e->set_at = at;
	if (e->mask == NULL || e->set_by == NULL) {
		free(e->mask);
		free(e->set_by);
		return -1;
	}
	l->n++;
	return 1;
}

int
channel_mask_del(struct mask_list *l, const char *mask)
{
	for (size_t i = 0; i < l->n; i++) {
		if (casemap_cmp(l->v[i].mask, mask) == 0) {
			free(l->v[i].mask);
			free(l->v[i].set_by);
			memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(l->v[0]));
			l->n--;
			return 1;
		}
	}
	return 0;
}

bool
channel_mask_match(const struct mask_list *l, const struct client *cli)
{
	return channel_mask_match_kind(l, cli, true, true);
}

void
channel_mask_free(struct mask_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].mask);
		free(l->v[i].set_by);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}
