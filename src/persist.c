/*
 * Journal records of the server's durable state: encoding each change,
 * replaying a journal into the stores, and the snapshot for compaction.
 * Invariant: a replayed record goes through the same store call as the
 * change it records, so the stores' bounds hold for loaded state too.
 * Files are histfile.c's.
 */
#include "persist.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "history.h"
#include "log.h"
#include "readmarker.h"
#include "reply.h"
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

/*
 * A history item: kind, flags, time, then its strings ("" for NULL).
 * Returns 0, 1 when it is too large for a record (never the case for a
 * line of IRC, tags included), or -1 when out of memory.
 */
static int
put_history(struct buf *out, const struct history_item *it)
{
	struct journal_enc e;
	size_t size = strlen(it->target) + (it->owner ? strlen(it->owner) : 0) +
	    strlen(it->msgid) + it->len + (it->tags ? strlen(it->tags) : 0) +
	    (it->account ? strlen(it->account) : 0);

	if (size > JOURNAL_RECORD_MAX - 64 || it->len > 0xffff)
		return 1;

	journal_begin(&e, out, JOURNAL_HISTORY_ADD);
	journal_put_u8(&e, (uint8_t)it->kind);
	journal_put_u32(&e, it->flags);
	journal_put_u64(&e, (uint64_t)it->time_ms);
	journal_put_str(&e, it->target);
	journal_put_str(&e, it->owner ? it->owner : "");
	journal_put_str(&e, it->msgid);
	journal_put_bytes(&e, it->line, it->len);
	journal_put_str(&e, it->tags ? it->tags : "");
	journal_put_str(&e, it->account ? it->account : "");
	return journal_end(&e) < 0 ? -1 : 0;
}

static void
on_history(void *arg, enum history_change change, const struct history_item *it)
{
	struct server *srv = arg;
	struct journal_enc e;
	int rc = 0;

	if (srv->journal == NULL || (change == HISTORY_DROPPED && !srv->journal_drops))
		return;
	if (change == HISTORY_ADDED) {
		rc = put_history(srv->journal, it);
	} else if (change == HISTORY_DROPPED || change == HISTORY_CLEARED) {
		/* One item of one target: a DEL would take the msgid's every copy. */
		journal_begin(&e, srv->journal, JOURNAL_HISTORY_DROP);
		journal_put_str(&e, it->target);
		journal_put_str(&e, it->owner ? it->owner : "");
		journal_put_str(&e, it->msgid);
		rc = journal_end(&e) < 0 ? -1 : 0;
	} else {
		journal_begin(&e, srv->journal, JOURNAL_HISTORY_DEL);
		journal_put_str(&e, it->msgid);
		rc = journal_end(&e) < 0 ? -1 : 0;
	}
	if (rc == -1)
		log_msg(&srv->log, LOG_ERROR, "history journal: out of memory, a change is not kept");
}

void
persist_rename(struct server *srv, const char *from, const char *to)
{
	struct journal_enc e;

	if (srv->journal_drops)
		srv->snapshot_again = true;
	if (srv->journal == NULL)
		return;
	journal_begin(&e, srv->journal, JOURNAL_HISTORY_RENAME);
	journal_put_str(&e, from);
	journal_put_str(&e, to);
	if (journal_end(&e) < 0)
		log_msg(&srv->log, LOG_ERROR, "history journal: out of memory, a rename is not kept");
}

void
persist_attach(struct server *srv)
{
	history_observe(srv->history, on_history, srv);
}

/*
 * The next string field, copied NUL-terminated to *pos (advanced) in the
 * scratch space before end; NULL when bad. Empty gives "".
 */
static const char *
take_str(struct journal_rec *rec, char **pos, const char *end)
{
	char *s = *pos;

	if (journal_get_str(rec, s, (size_t)(end - s)) == -1)
		return NULL;
	*pos = s + strlen(s) + 1;
	return s;
}

/* A history item, added through history_add() as when it was new. */
static bool
apply_history(struct server *srv, struct journal_rec *rec, char *scratch, size_t size)
{
	struct history_item it = { 0 };
	char *pos = scratch;
	const char *end = scratch + size;

	it.kind = journal_get_u8(rec);
	it.flags = journal_get_u32(rec);
	it.time_ms = (int64_t)journal_get_u64(rec);
	it.target = take_str(rec, &pos, end);
	it.owner = take_str(rec, &pos, end);
	it.msgid = take_str(rec, &pos, end);
	it.line = take_str(rec, &pos, end);
	it.tags = take_str(rec, &pos, end);
	it.account = take_str(rec, &pos, end);
	if (!journal_rec_ok(rec) || it.kind >= HISTORY_NKINDS || it.time_ms < 0)
		return false;
	it.len = strlen(it.line);
	it.owner = it.owner[0] ? it.owner : NULL;
	it.tags = it.tags[0] ? it.tags : NULL;
	it.account = it.account[0] ? it.account : NULL;
	relay_msgid_restored(srv, it.msgid);
	return history_add(srv->history, &it) != -1;
}

/* A redaction: every item with the msgid goes. */
static bool
apply_history_del(struct server *srv, struct journal_rec *rec)
{
	char msgid[HISTORY_MSGID_MAX + 1];

	if (journal_get_str(rec, msgid, sizeof(msgid)) == -1 || !journal_rec_ok(rec) ||
	    msgid[0] == '\0')
		return false;
	history_remove(srv->history, msgid);
	return true;
}

/* A drop by a bound, journaled while a snapshot was taken in slices. */
static bool
apply_history_drop(struct server *srv, struct journal_rec *rec)
{
	char target[PERSIST_NAME_MAX], owner[PERSIST_NAME_MAX];
	char msgid[HISTORY_MSGID_MAX + 1];

	journal_get_str(rec, target, sizeof(target));
	journal_get_str(rec, owner, sizeof(owner));
	journal_get_str(rec, msgid, sizeof(msgid));
	if (!journal_rec_ok(rec) || target[0] == '\0' || msgid[0] == '\0')
		return false;
	/* Often gone already: the replay's own bounds dropped it. */
	history_drop(srv->history, target, owner[0] ? owner : NULL, msgid);
	return true;
}

/* A channel's history under its new name. */
static bool
apply_history_rename(struct server *srv, struct journal_rec *rec)
{
	char from[PERSIST_NAME_MAX], to[PERSIST_NAME_MAX];

	journal_get_str(rec, from, sizeof(from));
	journal_get_str(rec, to, sizeof(to));
	if (!journal_rec_ok(rec) || from[0] == '\0' || to[0] == '\0')
		return false;
	return history_rename(srv->history, from, to) == 0;
}

enum journal_header_check
persist_replay(struct server *srv, const void *data, size_t len, struct persist_stats *st)
{
	struct journal_reader rd;
	struct journal_rec rec;
	enum journal_header_check c = journal_reader_init(&rd, data, len);
	/* Room for every string of the largest record, each with its NUL. */
	size_t size = JOURNAL_RECORD_MAX + 16;
	char *scratch;
	bool ok;

	*st = (struct persist_stats){ 0 };
	if (c != JOURNAL_HEADER_OK && c != JOURNAL_HEADER_SHORT)
		return c;
	if ((scratch = malloc(size)) == NULL) {
		st->dropped = len;
		log_msg(&srv->log, LOG_ERROR, "history journal: out of memory, nothing loaded");
		return c;
	}
	while (journal_next(&rd, &rec)) {
		switch (rec.type) {
		case JOURNAL_MARKER:
			ok = apply_marker(srv, &rec);
			break;
		case JOURNAL_HISTORY_ADD:
			ok = apply_history(srv, &rec, scratch, size);
			break;
		case JOURNAL_HISTORY_DEL:
			ok = apply_history_del(srv, &rec);
			break;
		case JOURNAL_HISTORY_DROP:
			ok = apply_history_drop(srv, &rec);
			break;
		case JOURNAL_HISTORY_RENAME:
			ok = apply_history_rename(srv, &rec);
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
	free(scratch);
	st->records = rd.records;
	st->dropped = journal_dropped(&rd);
	return c;
}

static int
snapshot_marker(void *ud, const char *owner, const char *target, int64_t ms)
{
	return put_marker(ud, owner, target, ms);
}

struct snapshot {
	struct buf *out;
	size_t   stop;                  /* pause once out holds this many bytes */
	bool     failed;
};

static bool
snapshot_history(void *arg, const struct history_item *it)
{
	struct snapshot *sn = arg;

	if (put_history(sn->out, it) == -1)
		sn->failed = true;
	return !sn->failed && buf_len(sn->out) < sn->stop;
}

/* A journal's header and the read markers: the start of every snapshot. */
static int
snapshot_head(struct server *srv, struct buf *out)
{
	uint8_t h[JOURNAL_HEADER_SIZE];

	journal_header(h);
	if (buf_append(out, h, sizeof(h)) == -1 ||
	    readmarker_walk(srv->markers, snapshot_marker, out) != 0)
		return -1;
	return 0;
}

int
persist_snapshot_begin(struct server *srv, struct buf *out)
{
	if (snapshot_head(srv, out) == -1)
		return -1;
	history_walk_begin(srv->history);
	srv->journal_drops = true;
	srv->snapshot_again = false;
	return 0;
}

int
persist_snapshot_step(struct server *srv, struct buf *out, size_t max_bytes)
{
	struct snapshot sn = { out, SIZE_MAX, false };
	bool done;

	if (srv->snapshot_again)
		return PERSIST_SNAPSHOT_AGAIN;
	if (max_bytes < SIZE_MAX - buf_len(out))
		sn.stop = buf_len(out) + max_bytes;
	done = history_walk(srv->history, snapshot_history, &sn);
	if (sn.failed)
		return -1;
	/* Walked to its end: the records from now on replay exactly. */
	if (done)
		srv->journal_drops = false;
	return done ? 1 : 0;
}

void
persist_snapshot_end(struct server *srv)
{
	history_walk_end(srv->history);
	srv->journal_drops = srv->snapshot_again = false;
}

static void
snapshot_item(void *arg, const struct history_item *it)
{
	snapshot_history(arg, it);
}

/* In one go, beside a compaction's walk, which it leaves as it is. */
int
persist_snapshot(struct server *srv, struct buf *out)
{
	struct snapshot sn = { out, SIZE_MAX, false };
	size_t avail;

	/* Room for it all at once: the store's bytes are about the records'. */
	if (buf_reserve(out, history_bytes(srv->history) + history_count(srv->history) * 16 +
	    4096, &avail) == NULL || snapshot_head(srv, out) == -1)
		return -1;
	history_foreach(srv->history, snapshot_item, &sn);
	return sn.failed ? -1 : 0;
}
