/*
 * A paced LIST (chanlist.h): the ELIST filters and conditions, and the
 * listing itself, a chunk at a time as the client's send queue drains.
 * It walks the channel registry, or, for a listing carried across a hot
 * upgrade, the names the old image had still to list; channels created
 * or removed meanwhile may be missed or listed twice, as on other servers.
 */
#include "chanlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "casemap.h"
#include "channel.h"
#include "client.h"
#include "command.h"
#include "hmap.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"

/* Whether cli may see chan's topic in LIST (as NAMES and WHOIS see it). */
static bool
can_see(const struct channel *chan, const struct client *cli)
{
	return !channel_is_hidden(chan) || channel_member(chan, cli) != NULL;
}

/*
 * A LIST time condition's minutes as seconds, bounded so nothing
 * overflows; -1 unless s is a plain decimal number.
 */
static time_t
list_minutes(const char *s)
{
	unsigned long v;

	if (*s == '\0' || s[strspn(s, "0123456789")] != '\0')
		return -1;
	v = strtoul(s, NULL, 10);
	return (time_t)(v > 1000000000UL ? 1000000000UL : v) * 60;
}

/*
 * One LIST condition (ISUPPORT ELIST): "<n" and ">n" user counts, "!mask"
 * names that must not match, and (modern.ircdocs.horse, as InspIRCd and
 * Solanum read them) "C<n" / "C>n" channels created less / more than n
 * minutes ago, "T<n" / "T>n" topics set less / more than n minutes ago.
 * A channel with no topic meets no T condition, and no channel meets a C
 * or T condition whose n is not a number. Returns -1 when f is not
 * a condition (a name or mask), else whether chan meets it.
 */
static int
list_condition(const struct server *srv, const struct channel *chan, const char *f)
{
	time_t at, limit;

	if (f[0] == '<')
		return chan->nmembers < (unsigned)strtoul(f + 1, NULL, 10);
	if (f[0] == '>')
		return chan->nmembers > (unsigned)strtoul(f + 1, NULL, 10);
	if (f[0] == '!')
		return !casemap_match(f + 1, chan->name);
	if ((f[0] != 'C' && f[0] != 'c' && f[0] != 'T' && f[0] != 't') ||
	    (f[1] != '<' && f[1] != '>'))
		return -1;
	if ((limit = list_minutes(f + 2)) < 0)
		return 0;
	if (f[0] == 'T' || f[0] == 't') {
		if (chan->topic == NULL)
			return 0;
		at = chan->topic_at;
	} else {
		at = chan->created;
	}
	if (f[1] == '<')
		return srv->now - at < limit;
	return srv->now - at > limit;
}

/*
 * LIST parameters (ISUPPORT ELIST=CMNTU): channel names or masks, any of
 * which may match, and conditions (list_condition()) that must all hold.
 */
static bool
list_filters_match(const struct server *srv, const struct channel *chan,
    const char *filters)
{
	char copy[IRC_LINE_MAX], *p = copy, *f;
	bool any_mask = false, mask_hit = false;

	if (filters[0] == '\0')
		return true;
	snprintf(copy, sizeof(copy), "%s", filters);
	while ((f = command_next_item(&p)) != NULL) {
		int met;

		if (*f == '\0')
			continue;
		if ((met = list_condition(srv, chan, f)) == 0)
			return false;
		if (met == -1) {
			any_mask = true;
			mask_hit = mask_hit || casemap_match(f, chan->name);
		}
	}
	return !any_mask || mask_hit;
}

/*
 * ISUPPORT SAFELIST: LIST never fills the send queue. Entries are queued
 * while less than this many bytes wait for the client; the rest follows
 * each time its queue empties. Channels created or removed meanwhile may
 * be missed or listed twice, as on other servers.
 */
#define LIST_CHUNK_BYTES (32 * 1024)

static void
list_end(struct server *srv, struct client *cli)
{
	struct local_extra *x = cli->local->extra;

	free(x->list_filters);
	free(x->list_conds);
	free(x->list_names);
	x->list_filters = x->list_conds = NULL;
	x->list_names = NULL;
	x->list_nnames = 0;
	x->on_drained = NULL;
	local_extra_trim(cli->local);
	reply_numeric(srv, cli, RPL_LISTEND);
}

/* The next channel to consider, or NULL at the end. */
static struct channel *
list_next(struct server *srv, struct local_extra *x)
{
	struct channel *chan;

	if (x->list_names == NULL)
		return hmap_next(srv->channels, &x->list_it, NULL);
	/* A channel gone since is skipped. */
	while (x->list_it < x->list_nnames)
		if ((chan = channel_find(srv, x->list_names[x->list_it++])) != NULL)
			return chan;
	return NULL;
}

/* Queue LIST entries up to LIST_CHUNK_BYTES; the rest when the queue drains. */
static void
list_continue(struct server *srv, struct client *cli)
{
	struct local_extra *x = cli->local->extra;
	struct channel *chan;
	struct reply_line l;

	reply_line_start(&l, srv, cli, RPL_LIST);
	/* A client cut off for SendQ meanwhile gets no more formatting. */
	while (buf_len(&cli->local->sendq) < LIST_CHUNK_BYTES && !client_is_closing(cli)) {
		if ((chan = list_next(srv, x)) == NULL) {
			list_end(srv, cli);
			return;
		}
		/* RFC 2812 3.2.6: secret channels are not listed to outsiders. */
		if ((chan->modes & CMODE_SECRET) && channel_member(chan, cli) == NULL)
			continue;
		if (!list_filters_match(srv, chan, x->list_filters) ||
		    !list_filters_match(srv, chan, x->list_conds))
			continue;
		/* RPL_LIST: <channel> <# visible> :<topic> */
		reply_line_add(&l, chan->name);
		reply_line_addc(&l, ' ');
		reply_line_add_uint(&l, chan->nmembers);
		reply_line_add(&l, " :");
		reply_line_add(&l, chan->topic && can_see(chan, cli) ? chan->topic : "");
		reply_line_send(&l, cli);
	}
}

/* Put a listing in place; false (cli closed) when out of memory. */
static bool
install(struct client *cli, char *filters, char *conds,
    char (*names)[IRC_CHANNELLEN + 1], size_t n)
{
	struct local_extra *x = local_extra(cli->local);

	if (x == NULL) {
		free(filters);
		free(conds);
		free(names);
		client_close(cli, "Out of memory");
		return false;
	}
	free(x->list_filters);
	free(x->list_conds);
	free(x->list_names);
	x->list_filters = filters;
	x->list_conds = conds;
	x->list_names = names;
	x->list_nnames = names != NULL ? n : 0;
	x->list_it = 0;
	x->on_drained = list_continue;
	return true;
}

void
chanlist_start(struct server *srv, struct client *cli, char *filters, char *conds)
{
	if (install(cli, filters, conds, NULL, 0))
		list_continue(srv, cli);
}

void
chanlist_resume(struct server *srv, struct client *cli, char *filters, char *conds,
    char (*names)[IRC_CHANNELLEN + 1], size_t n)
{
	/* An empty queue will not drain: go on now. */
	if (install(cli, filters, conds, names, n) && buf_len(&cli->local->sendq) == 0)
		list_continue(srv, cli);
}

int
chanlist_rest(const struct server *srv, const struct client *cli,
    chanlist_name_fn *fn, void *ud)
{
	const struct local_extra *x = cli->local->extra;
	const struct channel *chan;
	size_t it;
	int rc = 0;

	if (x == NULL || x->list_filters == NULL)
		return 0;
	if (x->list_names != NULL) {
		for (it = x->list_it; it < x->list_nnames && rc == 0; it++)
			rc = fn(ud, x->list_names[it]);
		return rc;
	}
	for (it = x->list_it; rc == 0 && (chan = hmap_next(srv->channels, &it, NULL)) != NULL;)
		rc = fn(ud, chan->name);
	return rc;
}

static int
count_one(void *ud, const char *name)
{
	(void)name;
	(*(size_t *)ud)++;
	return 0;
}

size_t
chanlist_rest_count(const struct server *srv, const struct client *cli)
{
	size_t n = 0;

	chanlist_rest(srv, cli, count_one, &n);
	return n;
}
