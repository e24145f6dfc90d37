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

void
local_free(struct local *l)
{
	if (l == NULL)
		return;
	buf_free(&l->recvq);
	buf_free(&l->sendq);
	free(l->sasl_buf);
	if (l->sasl_scram != NULL)
		crypto_wipe(l->sasl_scram, sizeof(*l->sasl_scram));
	free(l->sasl_scram);
	free(l->monitors);
	free(l->invited);
	free(l->list_filters);
	free(l->list_conds);
	metadata_free(&l->metadata_subs);
	multiline_free(l->batch);
	link_free(l->link);
	free(l);
}
