/*
 * What the history journal holds (format: docs/journal.md): the durable
 * part of the server's state (the message history of history.h and the
 * read markers of accounts) as journal records. Sans-I/O: records are appended to srv->journal as the state
 * changes, a journal in memory is replayed into the stores at start, and
 * the whole live state is encoded as a snapshot for compaction. Moving
 * bytes to and from the file is histfile.c's work.
 */
#ifndef IRCSERV_PERSIST_H
#define IRCSERV_PERSIST_H

#include <stddef.h>
#include <stdint.h>

#include "journal.h"

struct server;
struct buf;

/*
 * owner's read marker for target is now ms: append its record to
 * srv->journal. Does nothing when srv->journal is NULL (no history_file).
 * A record that cannot be appended (out of memory) is lost and logged.
 */
void    persist_marker(struct server *srv, const char *owner, const char *target,
	    int64_t ms);

/*
 * Channel from was renamed to (history_rename() done): append its record
 * to srv->journal (nothing when NULL). A replay renames the history there.
 */
void    persist_rename(struct server *srv, const char *from, const char *to);

/*
 * From now on, journal the changes of srv->history (items added, items
 * removed by a redaction) through its observer. Items dropped by a bound
 * are not journaled: a replay drops them again under the same bounds.
 */
void    persist_attach(struct server *srv);

/* What a replay found. */
struct persist_stats {
	uint64_t records;       /* good records read */
	uint64_t applied;       /* records applied to a store */
	uint64_t skipped;       /* of a type this server does not know */
	uint64_t bad;           /* with a good check but fields that make no sense */
	size_t   dropped;       /* bytes of damaged tail after the last good record */
};

/*
 * Apply the journal in data (len bytes; the caller keeps them) to srv's
 * stores, oldest record first, without journaling them again. Returns the
 * header check: records are applied only when it is JOURNAL_HEADER_OK;
 * with JOURNAL_HEADER_SHORT the file is empty (dropped = len); FOREIGN and
 * NEWER mean the file is not one this server may replace.
 */
enum journal_header_check persist_replay(struct server *srv, const void *data,
	    size_t len, struct persist_stats *st);

/*
 * Append a whole journal to out: the header, then one record per live
 * item of state, in an order that a replay turns back into the same
 * state. Returns 0, or -1 when out of memory (out then holds a prefix).
 * Taken in one go; a snapshot in slices under way is left as it is.
 */
int     persist_snapshot(struct server *srv, struct buf *out);

/*
 * The same snapshot in slices, for a compaction that must not stall the
 * loop: persist_snapshot_begin() appends the header and the read markers
 * to out and starts a walk over the history (history_walk_begin());
 * each persist_snapshot_step() appends the records of the next items
 * until out has grown by at least max_bytes or the walk is over.
 *
 * The state changes between the slices. Its records made since the begin
 * (in srv->journal) must follow the snapshot's in the new file: with
 * them, a replay gives the state as it is then. For that, from the begin
 * until the walk is over, a drop by a bound is journaled too
 * (JOURNAL_HISTORY_DROP), as an item the walk has visited may be dropped
 * and one it has not yet visited is missing from the snapshot, so a
 * replay's own bounds cannot be relied on to drop the same items.
 *
 * A channel renamed in the middle (persist_rename()) would leave its
 * items under two names in the snapshot, and the records in between
 * could mix them up with those of another channel: such a snapshot is
 * taken again.
 *
 * Begin returns 0 or -1 (out of memory); a step returns 1 when the
 * snapshot is complete, 0 when items are left, -1 when out of memory,
 * PERSIST_SNAPSHOT_AGAIN when a rename came: end it and begin again.
 * persist_snapshot_end() abandons a snapshot (nothing if none is under way).
 */
#define PERSIST_SNAPSHOT_AGAIN  2

int     persist_snapshot_begin(struct server *srv, struct buf *out);
int     persist_snapshot_step(struct server *srv, struct buf *out, size_t max_bytes);
void    persist_snapshot_end(struct server *srv);

#endif
