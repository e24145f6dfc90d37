/*
 * libFuzzer harness for the whole sans-I/O core. The input is a script of
 * operations on up to FUZZ_SLOTS fake clients, doing what conn.c and the
 * loop do (accept, read into the RecvQ, write out the SendQ, hang up,
 * reap, let time pass), with small limits so that SendQ, RecvQ, flood,
 * channel and list limits are reached. After every operation the
 * registries are checked against each other (check_server()).
 *
 * Script: one opcode byte, its low 3 bits the operation, the high 5 bits
 * its argument; some operations read more bytes (see run_op()).
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "channel.h"
#include "client.h"
#include "config.h"
#include "crypto.h"
#include "hmap.h"
#include "irc.h"
#include "log.h"
#include "server.h"

#include "fuzz_conf.h"


#define FUZZ_SLOTS      8
#define FUZZ_PASSWORD   "pw"
/* Start of the clocks: 2024-01-01, and an arbitrary monotonic origin. */
#define FUZZ_WALL_MS    1704067200000LL
#define FUZZ_MONO_MS    1000000LL

enum op {
	OP_CONNECT,     /* arg: address index */
	OP_SEND,        /* next: slot, length (2 bytes LE), then the bytes */
	OP_CLOCK,       /* next: 2 bytes LE, tens of milliseconds to advance */
	OP_DRAIN,       /* arg: slot; the client read all its output */
	OP_WRITE,       /* every pending client writes (arg: 0 all, else half) */
	OP_HANGUP,      /* arg: slot; the peer closed the connection */
	OP_REAP,        /* free every closed client, as conn_settle() does */
	OP_SHUTDOWN     /* server_shutdown() */
};

/* Two flood-exempt callers and two limited ones, one of them IPv6. */
static const char *const fuzz_ips[] = {
	"127.0.0.1", "10.0.0.1", "10.0.0.2", "2001:db8::1"
};

struct fuzz {
	struct server   *srv;
	struct client   *slot[FUZZ_SLOTS];
	int64_t          wall_ms, mono_ms;
	const uint8_t   *p, *end;
};

/*
 * Small limits, so few bytes reach every edge; an oper and an account
 * whose hashes take one PBKDF2 iteration, so OPER and SASL stay cheap.
 */
static const struct config *
fuzz_config(void)
{
	static struct config cfg;
	static bool ready;
	char hash[CRYPTO_HASH_MAX], text[2048];

	if (ready)
		return &cfg;
	if (crypto_hash_password("secret", 1, hash, sizeof(hash)) == -1)
		abort();
	snprintf(text, sizeof(text),
	    "server_name = irc.fuzz.test\n"
	    "max_clients = 6\n"
	    "max_per_ip = 2\n"
	    "connect_rate = 6\n"
	    "channels_per_user = 4\n"
	    "sendq = 8K\n"
	    "recvq = 9K\n"
	    "maxlist = 4\n"
	    "max_invites = 3\n"
	    "whowas = 4\n"
	    "registration_timeout = 5\n"
	    "ping_frequency = 10\n"
	    "ping_timeout = 5\n"
	    "flood_burst = 20\n"
	    "flood_rate = 10\n"
	    "flood_max = 40\n"
	    "flood_exempt = 127.0.0.1 2001:db8::*\n"
	    "log_level = error\n"
	    "oper fuzz {\n"
	    "password = %s\n"
	    "host = *@127.0.0.1 *@10.0.0.*\n"
	    "}\n"
	    "account acct {\n"
	    "password = %s\n"
	    "}\n", hash, hash);
	fuzz_config_parse(&cfg, text, "fuzz_core");
	if (config_set_string(&cfg.password, FUZZ_PASSWORD) == -1)
		abort();
	ready = true;
	return &cfg;
}

/* Membership m is on its client's list. */
static bool
on_client_list(const struct membership *m)
{
	for (const struct membership *x = m->cli->channels; x; x = x->cli_next)
		if (x == m)
			return true;
	return false;
}

static bool
on_channel_list(const struct membership *m)
{
	for (const struct membership *x = m->chan->members; x; x = x->chan_next)
		if (x == m)
			return true;
	return false;
}

static bool
is_client(const struct server *srv, const struct client *cli)
{
	for (const struct client *c = srv->clients; c; c = c->next)
		if (c == cli)
			return true;
	return false;
}

static void
check_channel(struct server *srv, struct channel *chan)
{
	const struct config *c = &srv->cfg;
	const struct membership *prev = NULL;
	unsigned n = 0;

	assert(chan->nmembers > 0);
	assert(channel_find(srv, chan->name) == chan);
	for (const struct membership *m = chan->members; m; m = m->chan_next) {
		assert(m->chan == chan);
		assert(m->chan_prev == prev);
		assert(is_client(srv, m->cli));
		assert(on_client_list(m));
		prev = m;
		n++;
	}
	assert(chan->members_tail == prev);
	assert(n == chan->nmembers);
	assert(chan->bans.n <= c->maxlist && chan->excepts.n <= c->maxlist &&
	    chan->invexes.n <= c->maxlist);
	assert(chan->ninvites <= c->max_invites);
	assert(strlen(chan->key) <= IRC_KEYLEN);
}

static void
check_client(struct server *srv, struct client *cli)
{
	const struct config *c = &srv->cfg;
	const struct membership *prev = NULL;
	unsigned n = 0;

	assert(cli->srv == srv);
	for (const struct membership *m = cli->channels; m; m = m->cli_next) {
		assert(m->cli == cli);
		assert(m->cli_prev == prev);
		assert(channel_find(srv, m->chan->name) == m->chan);
		assert(on_channel_list(m));
		prev = m;
		n++;
	}
	assert(n == cli->nchannels);
	assert(n <= c->chanlimit);
	if (cli->nick[0])
		assert(hmap_get(srv->nicks, cli->nick) == cli);
	if (client_is_registered(cli))
		assert(cli->nick[0] != '\0');
	assert(strlen(cli->nick) <= IRC_NICKLEN);
	assert(strlen(cli->user) <= IRC_USERLEN);
	assert(strlen(client_account(cli)) <= IRC_ACCOUNTLEN);
	assert(buf_len(&cli->local->recvq) <= c->recvq);
	/* The SendQ bound; a closing client may hold one ERROR line more. */
	if (client_is_closing(cli))
		assert(buf_len(&cli->local->sendq) <= c->sendq + IRC_LINE_MAX);
	else
		assert(buf_len(&cli->local->sendq) <= c->sendq);
	if (!client_is_closing(cli)) {
		assert(cli->local->timer_index < srv->ntimers);
		assert(srv->timers[cli->local->timer_index] == cli);
	}
}

/* The registries agree with each other and with every client. */
static void
check_server(struct fuzz *fz)
{
	struct server *srv = fz->srv;
	unsigned nclients = 0, nusers = 0, ninvisible = 0, nopers = 0, nnicks = 0;
	struct channel *chan;
	const char *key;
	size_t it = 0;

	for (struct client *cli = srv->clients; cli; cli = cli->next) {
		bool user = client_is_registered(cli) ||
		    (client_is_closing(cli) && cli->was_registered);

		assert(cli->next == NULL || cli->next->prev == cli);
		check_client(srv, cli);
		nclients++;
		nnicks += cli->nick[0] != '\0';
		nusers += user;
		ninvisible += user && (cli->umodes & UMODE_INVISIBLE);
		nopers += user && (cli->umodes & UMODE_OPER);
	}
	assert(nclients == srv->nclients);
	assert(nclients <= srv->cfg.max_clients);
	assert(nusers == srv->nusers);
	assert(ninvisible == srv->ninvisible);
	assert(nopers == srv->nopers);
	assert(hmap_count(srv->nicks) == nnicks);
	while ((chan = hmap_next(srv->channels, &it, &key)) != NULL) {
		assert(key == chan->name);
		check_channel(srv, chan);
	}
	for (size_t i = 0; i < srv->ntimers; i++) {
		assert(srv->timers[i]->local->timer_index == i);
		assert(is_client(srv, srv->timers[i]));
		if (i > 0)
			assert(srv->timers[(i - 1) / 2]->local->timer_at <= srv->timers[i]->local->timer_at);
	}
	for (struct client *cli = srv->pending; cli; cli = cli->local->pending_next) {
		assert(cli->local->write_pending);
		assert(is_client(srv, cli));
	}
	for (struct client *cli = srv->dead; cli; cli = cli->dead_next)
		assert(client_is_closing(cli) && is_client(srv, cli));
	for (size_t i = 0; i < FUZZ_SLOTS; i++)
		assert(fz->slot[i] == NULL || is_client(srv, fz->slot[i]));
}

static unsigned
take_byte(struct fuzz *fz)
{
	return fz->p < fz->end ? *fz->p++ : 0;
}

static unsigned
take_u16(struct fuzz *fz)
{
	unsigned lo = take_byte(fz);

	return lo | take_byte(fz) << 8;
}

static void
op_connect(struct fuzz *fz, unsigned arg)
{
	const char *ip = fuzz_ips[arg % (sizeof(fuzz_ips) / sizeof(fuzz_ips[0]))];
	const char *why = NULL;
	struct client *cli;
	size_t i;

	for (i = 0; i < FUZZ_SLOTS && fz->slot[i] != NULL; i++)
		continue;
	if (i == FUZZ_SLOTS)
		return;
	/* Descriptors only need to differ; nothing reads them. */
	cli = server_add_client(fz->srv, 100 + (int)i, ip, &why);
	if (cli == NULL)
		assert(why != NULL);
	fz->slot[i] = cli;
}

/* conn.c read_client(): read into the RecvQ up to its limit, then lines. */
static void
op_send(struct fuzz *fz)
{
	struct client *cli = fz->slot[take_byte(fz) % FUZZ_SLOTS];
	size_t len = take_u16(fz), left = (size_t)(fz->end - fz->p);

	if (len > left)
		len = left;
	while (len > 0 && cli != NULL && !client_is_closing(cli)) {
		size_t avail, n;
		char *p = buf_reserve(&cli->local->recvq, 16384, &avail);

		if (p == NULL) {
			client_close(cli, "RecvQ exceeded");
			break;
		}
		n = avail < len ? avail : len;
		memcpy(p, fz->p, n);
		buf_commit(&cli->local->recvq, n);
		fz->p += n;
		len -= n;
		server_on_input(fz->srv, cli);
		check_server(fz);
	}
	fz->p += len;
}

static void
op_clock(struct fuzz *fz)
{
	int64_t ms = (int64_t)take_u16(fz) * 10;

	fz->wall_ms += ms;
	fz->mono_ms += ms;
	server_set_clock(fz->srv, fz->wall_ms, fz->mono_ms);
	/* A round of the loop: queued password checks advance and may finish. */
	server_work(fz->srv);
	server_tick(fz->srv);
}

static void
op_drain(struct fuzz *fz, unsigned arg)
{
	struct client *cli = fz->slot[arg % FUZZ_SLOTS];

	if (cli != NULL)
		buf_consume(&cli->local->sendq, buf_len(&cli->local->sendq));
}

/* conn_settle(): write what is pending; a slow peer takes only half. */
static void
op_write(struct fuzz *fz, unsigned arg)
{
	struct client *cli;

	while ((cli = server_pop_pending(fz->srv)) != NULL) {
		size_t n = buf_len(&cli->local->sendq);

		buf_consume(&cli->local->sendq, arg ? n / 2 : n);
	}
}

static void
op_reap(struct fuzz *fz)
{
	struct client *cli;

	while ((cli = server_reap_next(fz->srv)) != NULL) {
		for (size_t i = 0; i < FUZZ_SLOTS; i++)
			if (fz->slot[i] == cli)
				fz->slot[i] = NULL;
		assert(!is_client(fz->srv, cli));
		client_free(cli);
		check_server(fz);
	}
}

static void
run_op(struct fuzz *fz)
{
	unsigned b = take_byte(fz), arg = b >> 3;

	switch ((enum op)(b & 7)) {
	case OP_CONNECT:
		op_connect(fz, arg);
		break;
	case OP_SEND:
		op_send(fz);
		break;
	case OP_CLOCK:
		op_clock(fz);
		break;
	case OP_DRAIN:
		op_drain(fz, arg);
		break;
	case OP_WRITE:
		op_write(fz, arg);
		break;
	case OP_HANGUP:
		if (fz->slot[arg % FUZZ_SLOTS] != NULL)
			client_close(fz->slot[arg % FUZZ_SLOTS], "Connection closed");
		break;
	case OP_REAP:
		op_reap(fz);
		break;
	case OP_SHUTDOWN:
		server_shutdown(fz->srv, "Server shutting down");
		break;
	}
	check_server(fz);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz fz;

	memset(&fz, 0, sizeof(fz));
	fz.wall_ms = FUZZ_WALL_MS;
	fz.mono_ms = FUZZ_MONO_MS;
	fz.p = data;
	fz.end = data + size;
	if ((fz.srv = server_new(fuzz_config(), fz.wall_ms, fz.mono_ms)) == NULL)
		abort();
	while (fz.p < fz.end)
		run_op(&fz);
	/* The end of a round: reap, as the loop would, then free the rest. */
	op_reap(&fz);
	server_free(fz.srv);
	return 0;
}
