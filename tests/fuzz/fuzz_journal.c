/*
 * libFuzzer harness for the journal reader, the code that reads the
 * history file at startup. Two views of the input: as a file, where the
 * reader must stop inside the data at a record boundary, and every good
 * record framed again must give back the good prefix byte for byte; and as
 * payloads (a length byte before each) framed into a valid journal, which
 * must read back whole, and then cut at every byte of its last record.
 * Both are also replayed into a server, as a start with history_file does.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "journal.h"
#include "log.h"
#include "persist.h"
#include "server.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Frame the record's type and body again at the end of out. */
static void
reframe(struct buf *out, const struct journal_rec *rec)
{
	struct journal_enc e;

	journal_begin(&e, out, (enum journal_type)rec->type);
	for (size_t i = 0; i < rec->len; i++)
		journal_put_u8(&e, rec->p[i]);
	assert(journal_end(&e) == (long)(JOURNAL_FRAME_SIZE + 1 + rec->len));
}

/* Replay data into a new server: the counts add up, whatever it holds. */
static void
replay(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct server *srv;
	struct persist_stats st;

	if (config_defaults(&cfg) == -1)
		return;
	cfg.log_level = LOG_ERROR;
	if ((srv = server_new(&cfg, 1700000000000, 1000)) != NULL) {
		if (persist_replay(srv, data, size, &st) == JOURNAL_HEADER_OK)
			assert(st.applied + st.skipped + st.bad == st.records &&
			    st.dropped <= size);
		server_free(srv);
	}
	config_free(&cfg);
}

/* Read data as a file; returns the records read. */
static uint64_t
read_file(const uint8_t *data, size_t size)
{
	struct journal_reader rd;
	struct journal_rec rec;
	struct buf again;
	uint8_t h[JOURNAL_HEADER_SIZE];
	enum journal_header_check c = journal_reader_init(&rd, data, size);
	char s[64];

	if (c != JOURNAL_HEADER_OK) {
		assert(!journal_next(&rd, &rec));
		return 0;
	}
	buf_init(&again, 0);
	journal_header(h);
	buf_append(&again, h, sizeof(h));
	while (journal_next(&rd, &rec)) {
		assert(rec.p >= data && rec.p + rec.len <= data + rd.good);
		reframe(&again, &rec);
		/* Field getters stay inside the record whatever it holds. */
		while (journal_get_str(&rec, s, sizeof(s)) == 0 || !rec.bad)
			;
		assert(rec.bad);
	}
	assert(rd.good <= size && journal_dropped(&rd) == size - rd.good);
	assert(buf_len(&again) == rd.good);
	assert(memcmp(buf_data(&again), data, rd.good) == 0);
	buf_free(&again);
	return rd.records;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal_enc e;
	struct buf b;
	uint8_t h[JOURNAL_HEADER_SIZE];
	size_t pos = 1, n, records = 0, last = JOURNAL_HEADER_SIZE;

	read_file(data, size);
	replay(data, size);
	if (size == 0 || (data[0] & 1) == 0)
		return 0;
	buf_init(&b, 0);
	journal_header(h);
	buf_append(&b, h, sizeof(h));
	while (pos < size) {
		n = data[pos++];
		if (n > size - pos)
			n = size - pos;
		last = buf_len(&b);
		journal_begin(&e, &b, n > 0 ? (enum journal_type)data[pos] : JOURNAL_MARKER);
		for (size_t i = 1; i < n; i++)
			journal_put_u8(&e, data[pos + i]);
		assert(journal_end(&e) > 0);
		records++;
		pos += n;
	}
	assert(read_file((const uint8_t *)buf_data(&b), buf_len(&b)) == records);
	replay((const uint8_t *)buf_data(&b), buf_len(&b));
	for (size_t cut = last; records > 0 && cut < buf_len(&b); cut++)
		assert(read_file((const uint8_t *)buf_data(&b), cut) == records - 1);
	buf_free(&b);
	return 0;
}
