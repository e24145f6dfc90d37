/*
 * libFuzzer harness for server links (link.h): the TS6 parser, handshake
 * and state of the core, driven as conn.c drives them. Two fake link
 * connections come from 127.0.0.1; by the first input byte each starts
 * fresh or has already passed the handshake as fuzz1.test (CAPAB with EX,
 * IE and TB) or fuzz2.test (without).
 * The rest of the input is lines, each going to the current link; a line
 * that starts with a control byte is an operation instead:
 *   \x01  switch to the other link
 *   \x02  write out every send queue and reap closed links
 *   \x03  let 30 s pass and run the timers (PING, timeouts, autoconnect)
 * After every line the server registry is checked: counts agree, the tree
 * is whole, every server is reached through a live link, and every user
 * of another server is on a known server and found by UID and nick.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "client.h"
#include "config.h"
#include "hmap.h"
#include "link.h"
#include "network.h"
#include "server.h"

#include "fuzz_conf.h"


#define FUZZ_WALL_MS    1704067200000LL
#define FUZZ_MONO_MS    1000000LL
#define FUZZ_LINKS      2

struct fuzz {
	struct server   *srv;
	struct client   *link[FUZZ_LINKS];
	int64_t          wall_ms, mono_ms;
};

static const struct config *
fuzz_config(void)
{
	static struct config cfg;
	static bool ready;

	if (ready)
		return &cfg;
	fuzz_config_parse(&cfg,
	    "server_name = irc.fuzz.test\nsid = 0AA\nlog_level = error\n"
	    "registration_timeout = 40\nping_frequency = 60\nping_timeout = 30\n"
	    "link fuzz1.test {\nhost = 127.0.0.*\npassword = pw\n}\n"
	    "link fuzz2.test {\nhost = 127.0.0.1\nport = 7000\npassword = pw\n"
	    "autoconnect = yes\n}\n", "fuzz_link");
	ready = true;
	return &cfg;
}

static bool
is_live(const struct server *srv, const struct client *cli)
{
	for (const struct client *c = srv->clients; c; c = c->next)
		if (c == cli)
			return c->local->link != NULL;
	return false;
}

static void
check_network(struct server *srv)
{
	const struct network *net = srv->net;
	size_t n = 0;

	for (const struct netserver *s = &net->me; s; s = network_walk(net, s)) {
		n++;
		assert(network_find(net, s->name) == s);
		if (s == &net->me)
			continue;
		assert(network_find(net, s->sid) == s);
		assert(s->hops == s->uplink->hops + 1);
		assert(s->via != NULL && is_live(srv, s->via));
		assert(s->uplink == &net->me ? s->via->local->link->server == s :
		    s->via == s->uplink->via);
	}
	assert(n == net->count);
	/* Users of other servers: on a known server, found by UID and nick. */
	for (const struct client *c = srv->clients; c; c = c->next) {
		if (c->server == NULL || client_is_closing(c))
			continue;
		assert(network_find(net, c->server->sid) == c->server);
		assert(c->server != &net->me && is_live(srv, c->server->via));
		assert(hmap_get(net->users, c->uid) == c);
		assert(client_find_nick(srv, c->nick) == c);
	}
	assert(hmap_count(net->by_name) == n);
	assert(hmap_count(net->by_sid) == n - (net->me.sid[0] == '\0'));
	assert(n <= NETWORK_SERVERS_MAX);
}

static void
feed(struct fuzz *fz, struct client *cli, const char *p, size_t n)
{
	if (cli == NULL || client_is_closing(cli))
		return;
	if (buf_append(&cli->local->recvq, p, n) == 0 && buf_append(&cli->local->recvq, "\r\n", 2) == 0)
		server_on_input(fz->srv, cli);
}

static struct client *
open_link(struct fuzz *fz, int i, bool registered)
{
	const char *why;
	char line[128];
	struct client *cli = server_add_client(fz->srv, -1, "127.0.0.1", &why);

	if (cli == NULL || link_attach(fz->srv, cli, NULL) == -1)
		abort();
	if (registered) {
		snprintf(line, sizeof(line), "PASS pw TS 6 :%dZZ", i + 1);
		feed(fz, cli, line, strlen(line));
		/* The first link takes lists and topics in bursts, the second not. */
		snprintf(line, sizeof(line), "CAPAB :QS ENCAP%s", i == 0 ? " EX IE TB" : "");
		feed(fz, cli, line, strlen(line));
		snprintf(line, sizeof(line), "SERVER fuzz%d.test 1 :fuzz", i + 1);
		feed(fz, cli, line, strlen(line));
	}
	return cli;
}

/* What conn_settle() does: reap closed clients, empty send queues. */
static void
settle(struct fuzz *fz)
{
	struct client *cli;

	while ((cli = server_reap_next(fz->srv)) != NULL) {
		for (int i = 0; i < FUZZ_LINKS; i++)
			if (fz->link[i] == cli)
				fz->link[i] = NULL;
		client_free(cli);
	}
	while ((cli = server_pop_pending(fz->srv)) != NULL)
		buf_consume(&cli->local->sendq, buf_len(&cli->local->sendq));
	/* Connections the core asks the shell for fail at once here. */
	for (const struct config_link *b; (b = link_next_connect(fz->srv)) != NULL;)
		link_connect_failed(fz->srv, b->name, "fuzzing");
}

static void
run_line(struct fuzz *fz, int *cur, const char *p, size_t n)
{
	switch (n > 0 ? p[0] : 0) {
	case 1:
		*cur = (*cur + 1) % FUZZ_LINKS;
		break;
	case 2:
		settle(fz);
		break;
	case 3:
		fz->wall_ms += 30000;
		fz->mono_ms += 30000;
		server_set_clock(fz->srv, fz->wall_ms, fz->mono_ms);
		server_tick(fz->srv);
		settle(fz);
		break;
	default:
		feed(fz, fz->link[*cur], p, n);
	}
	check_network(fz->srv);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz fz = { .wall_ms = FUZZ_WALL_MS, .mono_ms = FUZZ_MONO_MS };
	const char *p = (const char *)data, *end = p + size, *nl;
	int cur = 0;

	if (size < 1)
		return 0;
	if ((fz.srv = server_new(fuzz_config(), fz.wall_ms, fz.mono_ms)) == NULL)
		abort();
	for (int i = 0; i < FUZZ_LINKS; i++)
		fz.link[i] = open_link(&fz, i, (data[0] >> i) & 1);
	check_network(fz.srv);
	for (p++; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		run_line(&fz, &cur, p, (size_t)(nl - p));
		if (nl == end)
			break;
	}
	settle(&fz);
	server_shutdown(fz.srv, "fuzz over");
	settle(&fz);
	check_network(fz.srv);
	server_free(fz.srv);
	return 0;
}
