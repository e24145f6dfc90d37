/*
 * The socket shell's part of a hot upgrade: what conn.c and conn_wait.c
 * hold beyond the core's clients (listeners and their kinds, PROXY
 * sniffing, WebSocket codec state and queues, connections still in a
 * handshake) written to and read from the saved state's STATE_SHELL
 * section. The descriptors themselves cross exec() open; this file only
 * names them.
 */
#include "conn.h"
#include "conn_shell.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "irc.h"
#include "server.h"
#include "state.h"

#define SHELL_MAX_FDS   (1u << 24)
/* An HTTP answer is the web page or an error: far below this. */
#define SHELL_MAX_ANSWER        ((size_t)1 << 24)

/*
 * The clients the core saves (state_save.c): connected here, not closing;
 * server links among them, an outgoing one still connecting too.
 */
static bool
kept(const struct client *cli)
{
	return cli->local != NULL && cli->local->fd >= 0 && state_kept(cli);
}

static void
save_ws(struct state_w *w, const struct ws_link *ws)
{
	state_put_bool(w, ws != NULL);
	if (ws == NULL)
		return;
	state_put_u8(w, (uint8_t)ws->s.mode);
	state_put_bool(w, ws->s.in_message);
	state_put_u64(w, ws->s.msg_len);
	state_put_bool(w, ws->s.closed);
	state_put_bytes(w, buf_data(&ws->in), buf_len(&ws->in));
	state_put_bytes(w, buf_data(&ws->out), buf_len(&ws->out));
}

static void
save_clients(struct conn *c, struct state_w *w)
{
	uint32_t n = 0;

	for (struct client *cli = c->srv->clients; cli; cli = cli->next)
		n += kept(cli);
	state_put_u32(w, n);
	for (struct client *cli = c->srv->clients; cli; cli = cli->next) {
		if (!kept(cli))
			continue;
		state_put_u32(w, (uint32_t)cli->local->fd);
		state_put_bool(w, c->slots[cli->local->fd].sniff);
		save_ws(w, c->slots[cli->local->fd].ws);
	}
}

void
conn_save(struct conn *c, struct state_w *w, int64_t pause_start_ms,
    const char *version)
{
	state_section_begin(w, STATE_SHELL, 2);
	state_put_i64(w, pause_start_ms);
	state_put_str(w, version);
	state_put_u32(w, (uint32_t)c->nlisten);
	for (size_t i = 0; i < c->nlisten; i++) {
		state_put_u32(w, (uint32_t)c->listen_fds[i]);
		state_put_bool(w, c->listen_proxy[i]);
		state_put_bool(w, c->listen_ws[i]);
		state_put_bool(w, c->listen_server[i]);
	}
	state_put_i64(w, c->paused_until_ms);
	save_clients(c, w);
	state_put_u32(w, (uint32_t)c->nwait);
	for (struct proxy_wait *pw = c->wait_head; pw; pw = pw->next) {
		state_put_u32(w, (uint32_t)pw->fd);
		state_put_str(w, pw->peer);
		state_put_bool(w, pw->proxy);
		state_put_bool(w, pw->websocket);
		state_put_bytes(w, pw->buf, pw->len);
		state_put_i64(w, pw->deadline_ms);
		/* SHEL 2: the part of an HTTP answer not written yet. */
		state_put_bytes(w, buf_data(&pw->answer), buf_len(&pw->answer));
	}
	state_section_end(w);
}

void
conn_each_fd(struct conn *c, void (*fn)(void *arg, int fd, bool keep), void *arg,
    bool keep)
{
	for (size_t i = 0; i < c->nlisten; i++)
		fn(arg, c->listen_fds[i], keep);
	for (struct client *cli = c->srv->clients; cli; cli = cli->next)
		if (kept(cli))
			fn(arg, cli->local->fd, keep);
	for (struct proxy_wait *pw = c->wait_head; pw; pw = pw->next)
		fn(arg, pw->fd, keep);
}

static int
get_fd(struct journal_rec *r)
{
	uint32_t fd = journal_get_u32(r);

	if (fd > SHELL_MAX_FDS)
		r->bad = true;
	return r->bad ? -1 : (int)fd;
}

static void
load_queue(struct journal_rec *r, struct buf *b)
{
	size_t n;
	const uint8_t *p = state_get_bytes(r, (size_t)1 << 30, &n);

	if (p != NULL && n > 0 && buf_append(b, p, n) == -1)
		r->bad = true;
}

static struct ws_link *
load_ws(struct journal_rec *r)
{
	struct ws_link *ws;
	uint8_t mode;

	if (!state_get_bool(r) || r->bad)
		return NULL;
	if ((ws = calloc(1, sizeof(*ws))) == NULL) {
		r->bad = true;
		return NULL;
	}
	buf_init(&ws->in, 0);
	buf_init(&ws->out, 0);
	mode = journal_get_u8(r);
	if (mode != WS_TEXT && mode != WS_BINARY)
		r->bad = true;
	ws->s.mode = mode == WS_BINARY ? WS_BINARY : WS_TEXT;
	ws->s.in_message = state_get_bool(r);
	ws->s.msg_len = (size_t)journal_get_u64(r);
	ws->s.closed = state_get_bool(r);
	load_queue(r, &ws->in);
	load_queue(r, &ws->out);
	return ws;
}

/* Every restored client with a descriptor, watched, with its shell state. */
static int
load_clients(struct conn *c, struct journal_rec *r)
{
	uint32_t n = journal_get_u32(r), adopted = 0;

	for (struct client *cli = c->srv->clients; cli; cli = cli->next) {
		if (cli->local == NULL || cli->local->fd < 0)
			continue;
		if (conn_adopt(c, cli, false, NULL) == -1)
			return -1;
		adopted++;
	}
	if (n != adopted)
		return -1;
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		int fd = get_fd(r);
		bool sniff = state_get_bool(r);
		struct ws_link *ws = load_ws(r);

		if (fd < 0 || (size_t)fd >= c->nslots || c->slots[fd].cli == NULL ||
		    c->slots[fd].ws != NULL) {
			conn_ws_free(ws);
			return -1;
		}
		c->slots[fd].sniff = sniff;
		c->slots[fd].ws = ws;
	}
	return r->bad ? -1 : 0;
}

static int
load_waiters(struct conn *c, struct journal_rec *r, uint32_t version)
{
	uint32_t n = state_get_count(r, SHELL_MAX_FDS);
	char peer[PROXY_IP_MAX];

	for (uint32_t i = 0; i < n && !r->bad; i++) {
		int fd = get_fd(r);
		bool proxy, websocket;
		const uint8_t *got;
		size_t len;

		state_get_str(r, peer, sizeof(peer));
		proxy = state_get_bool(r);
		websocket = state_get_bool(r);
		const uint8_t *answer = NULL;
		size_t alen = 0;
		int64_t deadline;

		got = state_get_bytes(r, WS_HEADER_MAX, &len);
		deadline = state_get_i64(r);
		if (version >= 2)
			answer = state_get_bytes(r, SHELL_MAX_ANSWER, &alen);
		if (r->bad || conn_wait_adopt(c, fd, peer, proxy, websocket, got, len,
		    deadline, answer, alen) == -1)
			return -1;
	}
	return 0;
}

int
conn_restore(struct conn *c, struct journal_rec *r, uint32_t version,
    int64_t *pause_start_ms, char *old_version, size_t versz, char *err, size_t errlen)
{
	uint32_t n;

	*pause_start_ms = state_get_i64(r);
	state_get_str(r, old_version, versz);
	n = state_get_count(r, CONN_LISTENERS_MAX);
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		int fd = get_fd(r);
		bool proxy = state_get_bool(r), websocket = state_get_bool(r);
		bool server = state_get_bool(r);

		if (r->bad || conn_set_nonblocking(fd) == -1 ||
		    conn_add_listener(c, fd, proxy, websocket, server) == -1) {
			snprintf(err, errlen, "listener %u (fd %d) not taken over", i, fd);
			return -1;
		}
	}
	c->paused_until_ms = state_get_i64(r);
	if (r->bad || load_clients(c, r) == -1) {
		snprintf(err, errlen, "client connections not taken over");
		return -1;
	}
	if (load_waiters(c, r, version) == -1 || !state_r_done(r)) {
		snprintf(err, errlen, "waiting connections not taken over");
		return -1;
	}
	return 0;
}
