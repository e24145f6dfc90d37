/*
 * Local connections: creation with the server's queue limits and clocks,
 * and release of everything a connection owns. What the fields mean and
 * who changes them is in local.h.
 */
#include "local.h"

#include <stdlib.h>

#include "crypto.h"
#include "link.h"
#include "multiline.h"
#include "scram.h"
#include "server.h"

struct local *
local_new(const struct server *srv, int fd)
{
	struct local *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->fd = fd;
	buf_init(&l->recvq, srv->cfg.recvq);
	buf_init(&l->sendq, srv->cfg.sendq);
	l->connected_ms = srv->now_ms;
	l->last_active_ms = srv->now_ms;
	return l;
}

static void
extra_free(struct local_extra *x)
{
	if (x == NULL)
		return;
	free(x->sasl_buf);
	if (x->sasl_scram != NULL)
		crypto_wipe(x->sasl_scram, sizeof(*x->sasl_scram));
	free(x->sasl_scram);
	free(x->monitors);
	free(x->invited);
	free(x->list_filters);
	free(x->list_conds);
	free(x->list_names);
	metadata_free(&x->metadata_subs);
	multiline_free(x->batch);
	free(x);
}

void
local_free(struct local *l)
{
	if (l == NULL)
		return;
	buf_free(&l->recvq);
	buf_free(&l->sendq);
	extra_free(l->extra);
	link_free(l->link);
	free(l);
}

struct local_extra *
local_extra(struct local *l)
{
	if (l->extra == NULL)
		l->extra = calloc(1, sizeof(*l->extra));
	return l->extra;
}

void
local_extra_trim(struct local *l)
{
	const struct local_extra *x = l->extra;

	if (x == NULL || x->pending_nick[0] || x->addr[0] || x->sasl_started || x->sasl_discard ||
	    x->sasl_step || x->sasl_buf || x->sasl_scram || x->sasl_relay_ms ||
	    x->hash_debt_ms ||
	    x->nmonitors || x->ninvited || x->metadata_subs.n ||
	    x->metadata_at_ms || x->knock_ms || x->list_filters || x->list_conds ||
	    x->on_drained || x->batch)
		return;
	extra_free(l->extra);
	l->extra = NULL;
}

void
local_batch_end(struct local *l)
{
	if (l->extra == NULL)
		return;
	multiline_free(l->extra->batch);
	l->extra->batch = NULL;
	local_extra_trim(l);
}
