/*
 * The history file (history_file): the shell side of the journal. It
 * loads the file at start and replays it into the server (persist.h),
 * then appends the records the core queues in srv->journal with write(),
 * a bounded amount per round, syncs the file to disk every flush_ms, and
 * compacts it (a snapshot written beside it, then rename()d over it) when
 * it has grown to twice its last snapshot, the snapshot taken a slice a
 * round (persist_snapshot_step()) so that no round stalls the loop. Like conn.c it touches files so
 * that the core does not; docs/journal.md describes the format and the
 * guarantees.
 */
#ifndef IRCSERV_HISTFILE_H
#define IRCSERV_HISTFILE_H

#include <stddef.h>
#include <stdint.h>

struct server;
struct histfile;

/* Bytes of records written to the file per round at most. */
#define HISTFILE_ROUND_BYTES    (256 * 1024)
/* Bytes written to the new file per round while compacting. */
#define HISTFILE_COMPACT_BYTES  (1024 * 1024)
/*
 * Bytes of snapshot records encoded per round while compacting (about a
 * thousand stored messages), so that a compaction never stalls the loop.
 */
#define HISTFILE_SNAPSHOT_BYTES (256 * 1024)
/* Compaction waits until the file is twice the larger of this and the last snapshot. */
#define HISTFILE_COMPACT_MIN    (1024 * 1024)
/* Largest file loaded at start. */
#define HISTFILE_LOAD_MAX       ((size_t)1 << 30)
/* Records held while the file cannot be written; past it they are dropped. */
#define HISTFILE_PENDING_MAX    (64 * 1024 * 1024)

/*
 * Lock path.lock (a second server on the file is refused), load path into
 * srv (a missing file is an empty history), then write the
 * loaded state as a fresh file in its place and start journaling: from
 * then on srv->journal collects records. A damaged tail is dropped and
 * logged, and the old file kept as path.damaged. flush_ms is the longest
 * a written record waits for fdatasync(); 0 leaves syncing to the kernel.
 * Returns NULL with the reason in err when the file cannot be read or
 * written, or is not a journal this server can read. Caller frees with
 * histfile_close().
 */
struct histfile *histfile_open(struct server *srv, const char *path, unsigned flush_ms,
	    int64_t now_ms, char *err, size_t errlen);
/*
 * One round's work: write queued records (at most HISTFILE_ROUND_BYTES),
 * a step of compaction, and fdatasync() when due. Returns how many
 * milliseconds may pass before the next call: 0 while work is left, -1
 * when nothing is waiting.
 */
int     histfile_round(struct histfile *hf, int64_t now_ms);
/*
 * Write every queued record, finish or abandon a compaction, sync and
 * close; srv->journal is NULL afterwards. Accepts NULL.
 */
void    histfile_close(struct histfile *hf);

#endif
