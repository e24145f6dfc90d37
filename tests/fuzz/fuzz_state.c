/*
 * libFuzzer harness for the saved state of a hot upgrade (state.h). The
 * input is two parts, split at the first NUL byte:
 *
 *   - lines (LF-separated) that three clients send, the first byte of each
 *     line choosing the client ('0'-'2'): whatever state they reach, saving
 *     it, restoring it into a fresh server and saving again must give the
 *     same bytes;
 *   - edits to that saved state, three bytes each (offset LE16 scaled to
 *     the blob, XOR mask): with the checksum made right again, the restore
 *     must refuse the blob or load it, and never read out of bounds, leak
 *     or crash; what it loads must save again.
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
#include "journal.h"
#include "link.h"
#include "log.h"
#include "server.h"
#include "state.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CLIENTS    4       /* the last is a server link */
#define FUZZ_WALL_MS    1704067200000LL
#define FUZZ_MONO_MS    1000000LL

static struct server *
new_server(void)
{
	struct config cfg;
	struct server *srv;

	char err[256];

	if (config_defaults(&cfg) == -1 || config_parse_string(&cfg, "sid = 0AA\n"
	    "link peer.test {\nhost = 127.0.0.1\npassword = pw\n}\n", "fuzz.conf",
	    err, sizeof(err)) == -1)
		abort();
	cfg.log_level = LOG_ERROR;
	if (config_set_string(&cfg.password, "pw") == -1)
		abort();
	srv = server_new(&cfg, FUZZ_WALL_MS, FUZZ_MONO_MS);
	config_free(&cfg);
	if (srv == NULL)
		abort();
	return srv;
}

/* Free closed clients, empty every SendQ, let paced LISTs finish. */
static void
settle(struct server *srv)
{
	struct client *cli;

	for (int round = 0; round < 1000; round++) {
		bool more = false;

		while ((cli = server_reap_next(srv)) != NULL)
			client_free(cli);
		while ((cli = server_pop_pending(srv)) != NULL) {
			buf_truncate(&cli->local->sendq, 0);
			server_on_drained(srv, cli);
			more = more || (cli->local->extra && cli->local->extra->on_drained);
		}
		if (!more)
			return;
	}
}

static void
save(struct server *srv, struct buf *out)
{
	struct state_w w;

	buf_init(out, 0);
	state_w_begin(&w, out);
	if (state_save(srv, &w, true) == -1 || state_w_end(&w) == -1)
		abort();
}

/* The lines of text as the input of three clients and a link. */
static void
play(struct server *srv, const uint8_t *p, size_t n)
{
	struct client *cli[FUZZ_CLIENTS];
	const char *why;

	/* The link and the first client come from 127.0.0.1, the others not. */
	for (int i = 0; i < FUZZ_CLIENTS; i++)
		if ((cli[i] = server_add_client(srv, -1, i == 0 || i == FUZZ_CLIENTS - 1 ?
		    "127.0.0.1" : "10.0.0.1", &why)) == NULL)
			abort();
	if (link_attach(srv, cli[FUZZ_CLIENTS - 1], NULL) == -1)
		abort();
	while (n > 0) {
		const uint8_t *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) + 1 : n;
		struct client *c = cli[p[0] % FUZZ_CLIENTS];

		if (len > 1 && !client_is_closing(c) &&
		    buf_append(&c->local->recvq, p + 1, len - 1) == 0)
			server_on_input(srv, c);
		p += len;
		n -= len;
	}
	settle(srv);
}

/* Load blob into a fresh server; what loads must save again. */
static void
load(const uint8_t *blob, size_t len, bool must_load, const struct buf *expect)
{
	struct server *srv = new_server();
	char err[256];
	struct buf again;

	if (state_load(srv, blob, len, err, sizeof(err)) == 0) {
		settle(srv);
		save(srv, &again);
		if (expect != NULL)
			assert(buf_len(&again) == buf_len(expect) &&
			    memcmp(buf_data(&again), buf_data(expect), buf_len(expect)) == 0);
		buf_free(&again);
	} else if (must_load) {
		fprintf(stderr, "fuzz_state: a saved state does not load: %s\n", err);
		abort();
	}
	server_free(srv);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cut = memchr(data, '\0', size);
	size_t lines = cut ? (size_t)(cut - data) : size;
	struct server *srv = new_server();
	struct buf blob;
	uint8_t *copy;
	size_t len;
	uint32_t crc;

	play(srv, data, lines);
	save(srv, &blob);
	server_free(srv);
	load((const uint8_t *)buf_data(&blob), buf_len(&blob), true, &blob);
	len = buf_len(&blob);
	if (cut != NULL && (copy = malloc(len)) != NULL) {
		memcpy(copy, buf_data(&blob), len);
		for (const uint8_t *e = cut + 1; e + 3 <= data + size; e += 3) {
			size_t at = STATE_HEADER_SIZE + ((size_t)e[0] | (size_t)e[1] << 8) %
			    (len - STATE_HEADER_SIZE - 4);

			copy[at] ^= e[2];
		}
		crc = journal_crc32c(0, copy, len - 4);
		for (int i = 0; i < 4; i++)
			copy[len - 4 + i] = (uint8_t)(crc >> (8 * i));
		load(copy, len, false, NULL);
		free(copy);
	}
	buf_free(&blob);
	return 0;
}
