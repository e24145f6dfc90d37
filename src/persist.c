/*
 * Journal records of the server's durable state: encoding each change,
 * replaying a journal into the stores, and the snapshot for compaction.
 * Invariant: a replayed record goes through the same store call as the
 * change it records, so the stores' bounds hold for loaded state too.
 * Files are histfile.c's.
 */
#include "persist.h"

#include <stdbool.h>

#include "buf.h"
#include "log.h"
#include "readmarker.h"
#include "server.h"

/* Longest owner or target name kept: an account name, a channel name. */
#define PERSIST_NAME_MAX        256

static int
put_marker(struct buf *out, const char *owner, const char *target, int64_t ms)
{
	struct journal_enc e;

	journal_begin(&e, out, JOURNAL_MARKER);
	journal_put_str(&e, owner);
	journal_put_str(&e, target);
	journal_put_u64(&e, (uint64_t)ms);
	return journal_end(&e) < 0 ? -1 : 0;
}

void
persist_marker(struct server *srv, const char *owner, const char *target, int64_t ms)
{
	if (srv->journal != NULL && put_marker(srv->journal, owner, target, ms) == -1)
		log_msg(&srv->log, LOG_ERROR, "history journal: out of memory, a read marker is not kept");
}

/* A marker record: owner, target, milliseconds since the epoch. */
static bool
apply_marker(struct server *srv, struct journal_rec *rec)
{
	char owner[PERSIST_NAME_MAX], target[PERSIST_NAME_MAX];
	int64_t ms, stored;

	journal_get_str(rec, owner, sizeof(owner));
	journal_get_str(rec, target, sizeof(target));
	ms = (int64_t)journal_get_u64(rec);
	if (!journal_rec_ok(rec) || owner[0] == '\0' || target[0] == '\0' || ms < 0)
		return false;
	return readmarker_set(srv->markers, owner, target, ms, &stored) != -1;
}

enum journal_header_check
persist_replay(struct server *srv, const void *data, size_t len, struct persist_stats *st)
{
	struct journal_reader rd;
	struct journal_rec rec;
	enum journal_header_check c = journal_reader_init(&rd, data, len);
	bool ok;

	*st = (struct persist_stats){ 0 };
	if (c != JOURNAL_HEADER_OK && c != JOURNAL_HEADER_SHORT)
		return c;
	while (journal_next(&rd, &rec)) {
		switch (rec.type) {
		case JOURNAL_MARKER:
			ok = apply_marker(srv, &rec);
			break;
		default:
			st->skipped++;
			continue;
		}
		if (ok)
			st->applied++;
		else
			st->bad++;
	}
	st->records = rd.records;
	st->dropped = journal_dropped(&rd);
	return c;
}

static int
snapshot_marker(void *ud, const char *owner, const char *target, int64_t ms)
{
	return put_marker(ud, owner, target, ms);
}

int
persist_snapshot(struct server *srv, struct buf *out)
{
	uint8_t h[JOURNAL_HEADER_SIZE];

	journal_header(h);
	if (buf_append(out, h, sizeof(h)) == -1)
		return -1;
	return readmarker_walk(srv->markers, snapshot_marker, out);
}
