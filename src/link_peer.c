/*
 * Connecting out (link.h): one record per link block name that has had a
 * connection, holding its connection and its autoconnect schedule. A
 * split or a failed attempt waits LINK_RETRY_MIN_MS, doubling up to
 * LINK_RETRY_MAX_MS while attempts keep failing; a link that stayed up
 * LINK_STABLE_MS starts again from the first delay. Connections are made
 * by the shell, which asks link_next_connect() after the timers.
 */
#include "link.h"

#include <stdlib.h>
#include <string.h>

#include "casemap.h"
#include "client.h"
#include "config_block.h"
#include "hmap.h"
#include "irc.h"
#include "log.h"
#include "network.h"
#include "server.h"

struct link_peer *
link_peer_get(struct server *srv, const char *name)
{
	struct network *net = srv->net;
	struct link_peer *p = hmap_get(net->peers, name);

	if (p != NULL || strlen(name) > IRC_HOSTLEN || (p = calloc(1, sizeof(*p))) == NULL)
		return p;
	strcpy(p->name, name);
	if (hmap_put(net->peers, p->name, p) == -1) {
		free(p);
		return NULL;
	}
	return p;
}

/* Whether the connection we started to name should give way to theirs. */
static bool
ours_loses(const struct server *srv, const char *name)
{
	return casemap_cmp(srv->net->me.name, name) > 0;
}

int
link_peer_attach(struct server *srv, const char *name, struct client *cli)
{
	struct link_peer *p = link_peer_get(srv, name);

	if (p == NULL)
		return 0;
	if (p->conn != NULL && p->conn != cli && !client_is_closing(p->conn)) {
		/* Both sides connected at once: keep one, the same on both. */
		if (link_is_up(p->conn) || !p->conn->local->link->outgoing ||
		    !ours_loses(srv, name))
			return -1;
		link_close(srv, p->conn, "Overridden by the link from the other side");
	}
	p->conn = cli;
	if (p->queued) {
		p->queued = false;
		srv->net->link_queued--;
	}
	return 0;
}

void
link_peer_detach(struct server *srv, const char *name, struct client *cli,
    int64_t up_ms)
{
	struct link_peer *p = hmap_get(srv->net->peers, name);

	if (p == NULL || p->conn != cli)
		return;
	p->conn = NULL;
	if (up_ms >= LINK_STABLE_MS || p->delay_ms == 0)
		p->delay_ms = LINK_RETRY_MIN_MS;
	else if ((p->delay_ms *= 2) > LINK_RETRY_MAX_MS)
		p->delay_ms = LINK_RETRY_MAX_MS;
	p->next_ms = srv->now_ms + p->delay_ms;
}

static void
queue(struct server *srv, struct link_peer *p)
{
	if (!p->queued) {
		p->queued = true;
		srv->net->link_queued++;
	}
}

int
link_tick(struct server *srv)
{
	const struct config *cfg = &srv->cfg;
	struct link_peer *p;
	int64_t next = -1, left;

	/* Bounded by the link blocks of the configuration. */
	for (size_t i = 0; i < cfg->nlinks; i++) {
		if (!cfg->links[i].autoconnect ||
		    network_find(srv->net, cfg->links[i].name) != NULL)
			continue;
		if ((p = link_peer_get(srv, cfg->links[i].name)) == NULL ||
		    p->conn != NULL || p->queued)
			continue;
		if ((left = p->next_ms - srv->now_ms) <= 0)
			queue(srv, p);
		else if (next < 0 || left < next)
			next = left;
	}
	/* Queued connections are made at the end of the round: no waiting. */
	if (srv->net->link_queued > 0)
		return 0;
	return next > INT32_MAX ? INT32_MAX : (int)next;
}

int
link_connect(struct server *srv, const char *name, const char **why)
{
	const struct config_link *b = config_link_find(&srv->cfg, name);
	struct link_peer *p;

	*why = NULL;
	if (b == NULL)
		*why = "No link block for this server";
	else if (b->port == 0)
		*why = "No port to connect to in its link block";
	else if (network_find(srv->net, b->name) != NULL)
		*why = "Server already linked";
	else if ((p = link_peer_get(srv, b->name)) == NULL)
		*why = "Out of memory";
	else if (p->conn != NULL || p->queued)
		*why = "Already connecting";
	else
		queue(srv, p);
	return *why != NULL ? -1 : 0;
}

const struct config_link *
link_next_connect(struct server *srv)
{
	const struct config *cfg = &srv->cfg;
	struct link_peer *p;

	if (srv->net->link_queued == 0)
		return NULL;
	for (size_t i = 0; i < cfg->nlinks; i++) {
		p = hmap_get(srv->net->peers, cfg->links[i].name);
		if (p != NULL && p->queued) {
			p->queued = false;
			srv->net->link_queued--;
			log_msg(&srv->log, LOG_INFO, "link %s: connecting to %s "
			    "port %u", p->name, cfg->links[i].host, cfg->links[i].port);
			return &cfg->links[i];
		}
	}
	/* Queued for blocks a REHASH removed: forget them. */
	for (size_t it = 0; (p = hmap_next(srv->net->peers, &it, NULL)) != NULL;)
		p->queued = false;
	srv->net->link_queued = 0;
	return NULL;
}

void
link_connect_failed(struct server *srv, const char *name, const char *why)
{
	struct link_peer *p = hmap_get(srv->net->peers, name);

	log_msg(&srv->log, LOG_WARN, "link %s: cannot connect: %s", name, why);
	if (p != NULL && p->conn == NULL)
		link_peer_detach(srv, name, NULL, 0);
}
