/*
 * The history file: load and replay at start, append the records the core
 * queues, a bounded amount per round, sync on a timer, and compact by
 * writing a snapshot beside the file and rename()-ing it over. Invariant:
 * the file at path is always a whole journal, the old one or the new one,
 * so a crash at any point loses at most the records not yet written.
 */
#include "histfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "persist.h"
#include "server.h"

/* After a failed compaction, the next try waits this long. */
#define COMPACT_RETRY_MS        10000
/* After a failed write, the next one waits this long. */
#define WRITE_RETRY_MS          1000

struct histfile {
	struct server *srv;
	char    *path, *tmp_path, *bad_path;
	int      lock_fd;               /* path.lock, write-locked while open */
	int      fd;                    /* the journal, appended to */
	struct buf out;                 /* srv->journal: records to write to fd */
	uint64_t file_bytes;            /* bytes in the file at fd */
	uint64_t base;                  /* bytes of the last snapshot */
	unsigned flush_ms;
	int64_t  dirty_since;           /* first write not yet synced; -1: none */
	int64_t  retry_at;              /* after a write error, not before this */
	int64_t  compact_at;            /* after a failed compaction, not before */
	bool     failing;               /* writes fail (logged once) */
	bool     lost;                  /* records were dropped: compact to keep them */
	/* A compaction is under way while cfd >= 0. */
	int      cfd;                   /* the new file, at tmp_path */
	bool     walking;               /* the snapshot is still being taken */
	struct buf snap;                /* for cfd: the snapshot, then the records made since */
	struct buf tail;                /* records made since, while walking */
	size_t   copied;                /* bytes at the front of out that snap or tail has */
	uint64_t cbytes;                /* bytes written to cfd */
	uint64_t snap_bytes;            /* bytes of the snapshot alone */
	uint64_t released;              /* of the old file's cached pages (release_pages()) */
	int64_t  started;               /* when the compaction started (mono_ms()) */
	unsigned rounds;                /* rounds it has taken */
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
path_with(const char *path, const char *suffix)
{
	size_t a = strlen(path), b = strlen(suffix);
	char *s = malloc(a + b + 1);

	if (s != NULL) {
		memcpy(s, path, a);
		memcpy(s + a, suffix, b + 1);
	}
	return s;
}

/* One write(), retried on EINTR: bytes written, or -1. */
static ssize_t
write_some(int fd, const void *p, size_t n)
{
	ssize_t r;

	while ((r = write(fd, p, n)) == -1 && errno == EINTR)
		;
	return r;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t r;

	while (n > 0) {
		if ((r = write_some(fd, c, n)) <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* A rename is on disk once its directory is synced (best effort). */
static void
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) :
	    strdup(".");
	int fd = dir ? open(dir, O_RDONLY | O_CLOEXEC) : -1;

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

/* The whole file at path into *data (NULL and 0 when it does not exist). */
static int
load(const char *path, uint8_t **data, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t have = 0;
	ssize_t r = 0;

	*data = NULL;
	*len = 0;
	if (fd == -1 && errno == ENOENT)
		return 0;
	if (fd == -1 || fstat(fd, &st) == -1)
		goto fail;
	if ((uint64_t)st.st_size > HISTFILE_LOAD_MAX) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, HISTFILE_LOAD_MAX);
		close(fd);
		return -1;
	}
	if ((*data = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (have < (size_t)st.st_size &&
	    ((r = read(fd, *data + have, (size_t)st.st_size - have)) > 0 ||
	    (r == -1 && errno == EINTR)))
		have += r > 0 ? (size_t)r : 0;
	if (r == -1)
		goto fail;
	*len = have;
	close(fd);
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	free(*data);
	*data = NULL;
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * Log what a load found; keep a file with a damaged tail as path.damaged
 * (a hard link, so that path itself is never missing).
 */
static void
report_load(struct histfile *hf, const struct persist_stats *st, size_t len)
{
	log_msg(&hf->srv->log, LOG_INFO, "history file %s: %zu bytes, %llu records loaded",
	    hf->path, len, (unsigned long long)st->applied);
	if (st->skipped || st->bad)
		log_msg(&hf->srv->log, LOG_WARN, "history file %s: %llu records of unknown types and "
		    "%llu malformed ones ignored", hf->path,
		    (unsigned long long)st->skipped, (unsigned long long)st->bad);
	if (st->dropped == 0)
		return;
	unlink(hf->bad_path);
	if (link(hf->path, hf->bad_path) == -1)
		log_msg(&hf->srv->log, LOG_WARN, "history file %s: cannot keep a copy as %s: %s",
		    hf->path, hf->bad_path, strerror(errno));
	log_msg(&hf->srv->log, LOG_WARN, "history file %s: damaged tail: %zu bytes dropped after "
	    "%llu good records (%zu bytes); the file as it was is kept as %s",
	    hf->path, st->dropped, (unsigned long long)st->records,
	    len - st->dropped, hf->bad_path);
}

/*
 * Two servers appending to one file would each rewrite it without the
 * other's records: the first holds a POSIX write lock on path.lock (freed
 * by the kernel whenever the process ends, kill -9 included).
 */
static int
lock(struct histfile *hf, char *err, size_t errlen)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char *lock_path = path_with(hf->path, ".lock");

	if (lock_path == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((hf->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		snprintf(err, errlen, "%s: %s", lock_path, strerror(errno));
	else if (fcntl(hf->lock_fd, F_SETLK, &fl) == -1)
		snprintf(err, errlen, "%s: %s", lock_path, errno == EACCES ||
		    errno == EAGAIN ? "in use by another server" : strerror(errno));
	else {
		free(lock_path);
		return 0;
	}
	free(lock_path);
	return -1;
}

/* Write the live state as a new file over path, at start. */
static int
write_fresh(struct histfile *hf, char *err, size_t errlen)
{
	struct buf snap;
	int fd = -1;

	buf_init(&snap, 0);
	if (persist_snapshot(hf->srv, &snap) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((fd = open(hf->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1 ||
	    write_all(fd, buf_data(&snap), buf_len(&snap)) == -1 || fdatasync(fd) == -1 ||
	    rename(hf->tmp_path, hf->path) == -1) {
		snprintf(err, errlen, "%s: %s", hf->tmp_path, strerror(errno));
		goto fail;
	}
	sync_dir(hf->path);
	hf->fd = fd;
	hf->file_bytes = hf->base = buf_len(&snap);
	buf_free(&snap);
	return 0;
fail:
	if (fd >= 0) {
		close(fd);
		unlink(hf->tmp_path);
	}
	buf_free(&snap);
	return -1;
}

struct histfile *
histfile_open(struct server *srv, const char *path, unsigned flush_ms, int64_t now_ms,
    char *err, size_t errlen)
{
	struct histfile *hf = calloc(1, sizeof(*hf));
	struct persist_stats st;
	enum journal_header_check c;
	uint8_t *data = NULL;
	size_t len = 0;

	(void)now_ms;
	if (hf != NULL)
		hf->fd = hf->cfd = hf->lock_fd = -1;
	if (hf == NULL || (hf->path = strdup(path)) == NULL ||
	    (hf->tmp_path = path_with(path, ".new")) == NULL ||
	    (hf->bad_path = path_with(path, ".damaged")) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	hf->srv = srv;
	hf->flush_ms = flush_ms;
	hf->dirty_since = -1;
	buf_init(&hf->out, 0);
	buf_init(&hf->snap, 0);
	buf_init(&hf->tail, 0);
	if (lock(hf, err, errlen) == -1 || load(path, &data, &len, err, errlen) == -1)
		goto fail;
	c = persist_replay(srv, data ? data : (const uint8_t *)"", len, &st);
	if (c == JOURNAL_HEADER_FOREIGN || c == JOURNAL_HEADER_NEWER) {
		snprintf(err, errlen, "%s: %s; move it away to start with an empty history",
		    path, c == JOURNAL_HEADER_NEWER ? "written by a newer version" :
		    "not a history journal, or its header is damaged");
		goto fail;
	}
	if (data != NULL)
		report_load(hf, &st, len);
	free(data);
	data = NULL;
	if (write_fresh(hf, err, errlen) == -1)
		goto fail;
	srv->journal = &hf->out;
	persist_attach(srv);
	return hf;
fail:
	free(data);
	histfile_close(hf);
	return NULL;
}

/*
 * Records queued since the last round join the new file's tail: held
 * apart while the snapshot is being taken, then after it.
 */
static bool
copy_new(struct histfile *hf)
{
	size_t n = buf_len(&hf->out);

	if (hf->copied < n && buf_append(hf->walking ? &hf->tail : &hf->snap,
	    buf_data(&hf->out) + hf->copied, n - hf->copied) == -1)
		return false;
	hf->copied = n;
	return true;
}

/* Drop the new file and try again later; now < 0: stopping, not a failure. */
static void
compact_abandon(struct histfile *hf, const char *why, int64_t now)
{
	/* A rename in the middle: not a failure, and the next round starts again. */
	bool again = hf->srv->snapshot_again;

	log_msg(&hf->srv->log, now >= 0 && !again ? LOG_ERROR : LOG_INFO, "history file %s: "
	    "compaction abandoned: %s", hf->path, again ? "a channel was renamed, starting "
	    "again" : why);
	close(hf->cfd);
	unlink(hf->tmp_path);
	hf->cfd = -1;
	hf->copied = 0;
	if (hf->walking)
		persist_snapshot_end(hf->srv);
	hf->walking = false;
	buf_free(&hf->snap);
	buf_free(&hf->tail);
	hf->compact_at = again ? now : now + COMPACT_RETRY_MS;
}

/*
 * Start a compaction: open the new file and start a snapshot of the live
 * state in slices (persist_snapshot_begin()). The records queued but not
 * yet written are part of that state already; those made from now on
 * follow the snapshot.
 */
static void
compact_start(struct histfile *hf, int64_t now)
{
	hf->cfd = open(hf->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (hf->cfd == -1) {
		compact_abandon(hf, strerror(errno), now);
		return;
	}
	hf->walking = true;
	if (persist_snapshot_begin(hf->srv, &hf->snap) == -1) {
		compact_abandon(hf, "no memory for a snapshot", now);
		return;
	}
	hf->cbytes = hf->snap_bytes = hf->released = 0;
	hf->copied = buf_len(&hf->out);
	hf->lost = false;
	hf->started = mono_ms();
	hf->rounds = 0;
	log_msg(&hf->srv->log, LOG_INFO, "history file %s: compacting %llu bytes", hf->path,
	    (unsigned long long)hf->file_bytes);
}

/*
 * A slice of the snapshot, when little of it waits to be written; once it
 * is complete, the records made meanwhile follow it. Returns false when
 * out of memory, or when the snapshot must be taken again (a rename).
 */
static bool
compact_walk(struct histfile *hf)
{
	int rc;

	if (!hf->walking || buf_len(&hf->snap) >= HISTFILE_SNAPSHOT_BYTES)
		return true;
	rc = persist_snapshot_step(hf->srv, &hf->snap, HISTFILE_SNAPSHOT_BYTES);
	if (rc != 1)
		return rc == 0;
	hf->walking = false;
	hf->snap_bytes = hf->cbytes + buf_len(&hf->snap);
	if (buf_append(&hf->snap, buf_data(&hf->tail), buf_len(&hf->tail)) == -1)
		return false;
	buf_free(&hf->tail);
	return true;
}

/* Put the complete new file in place of the old one. */
static void
compact_finish(struct histfile *hf, int64_t now)
{
	if ((hf->flush_ms > 0 && fdatasync(hf->cfd) == -1) ||
	    rename(hf->tmp_path, hf->path) == -1) {
		compact_abandon(hf, strerror(errno), now);
		return;
	}
	if (hf->flush_ms > 0)
		sync_dir(hf->path);
	close(hf->fd);
	hf->fd = hf->cfd;
	hf->cfd = -1;
	/* Everything queued is in the new file already. */
	buf_consume(&hf->out, buf_len(&hf->out));
	hf->copied = 0;
	hf->file_bytes = hf->cbytes;
	hf->base = hf->snap_bytes;
	hf->dirty_since = hf->flush_ms > 0 ? -1 : hf->dirty_since;
	buf_free(&hf->snap);
	log_msg(&hf->srv->log, LOG_INFO, "history file %s: compacted to %llu bytes in %u rounds, "
	    "%lld ms", hf->path, (unsigned long long)hf->file_bytes, hf->rounds,
	    (long long)(mono_ms() - hf->started));
}

/*
 * The page cache work of a compaction, a slice a round instead of all at
 * its end: the r bytes just written to the new file go to the disk now
 * (Linux starts their writeback on POSIX_FADV_DONTNEED), so that the
 * final fdatasync() finds little left to wait for; and as much of the old
 * file's cached pages are let go, which its unlink would otherwise free
 * in one go. Advice only: nothing depends on it.
 */
static void
release_pages(struct histfile *hf, ssize_t r)
{
	posix_fadvise(hf->cfd, (off_t)hf->cbytes, (off_t)r, POSIX_FADV_DONTNEED);
	if (hf->released < hf->file_bytes) {
		posix_fadvise(hf->fd, (off_t)hf->released, HISTFILE_COMPACT_BYTES,
		    POSIX_FADV_DONTNEED);
		hf->released += HISTFILE_COMPACT_BYTES;
	}
}

/*
 * A round of compaction: a slice of the snapshot, then a write of what
 * waits for the new file; when all of it is out, put it in place.
 */
static void
compact_step(struct histfile *hf, int64_t now)
{
	size_t n;
	ssize_t r;

	hf->rounds++;
	if (!compact_walk(hf)) {
		compact_abandon(hf, "out of memory", now);
		return;
	}
	if ((n = buf_len(&hf->snap)) > 0) {
		r = write_some(hf->cfd, buf_data(&hf->snap),
		    n < HISTFILE_COMPACT_BYTES ? n : HISTFILE_COMPACT_BYTES);
		if (r == -1) {
			compact_abandon(hf, strerror(errno), now);
			return;
		}
		buf_consume(&hf->snap, (size_t)r);
		release_pages(hf, r);
		hf->cbytes += (uint64_t)r;
		if ((size_t)r < n)
			return;
	}
	if (!hf->walking)
		compact_finish(hf, now);
}

/* Queued records lost to a file that cannot be written: compact later. */
static void
drop_queued(struct histfile *hf)
{
	log_msg(&hf->srv->log, LOG_ERROR, "history file %s: %zu bytes of records dropped; the file "
	    "is rewritten from memory once it can be", hf->path, buf_len(&hf->out));
	buf_consume(&hf->out, buf_len(&hf->out));
	hf->copied = 0;
	hf->lost = true;
}

static void
write_queued(struct histfile *hf, int64_t now)
{
	size_t n = buf_len(&hf->out);
	ssize_t r;

	if (n == 0 || now < hf->retry_at)
		return;
	r = write_some(hf->fd, buf_data(&hf->out),
	    n < HISTFILE_ROUND_BYTES ? n : HISTFILE_ROUND_BYTES);
	if (r <= 0) {
		if (!hf->failing)
			log_msg(&hf->srv->log, LOG_ERROR, "history file %s: %s; records wait in memory",
			    hf->path, r == 0 ? "nothing written" : strerror(errno));
		hf->failing = true;
		hf->retry_at = now + WRITE_RETRY_MS;
		if (n > HISTFILE_PENDING_MAX && hf->cfd == -1)
			drop_queued(hf);
		return;
	}
	if (hf->failing)
		log_msg(&hf->srv->log, LOG_INFO, "history file %s: writing again", hf->path);
	hf->failing = false;
	buf_consume(&hf->out, (size_t)r);
	hf->copied -= hf->copied < (size_t)r ? hf->copied : (size_t)r;
	hf->file_bytes += (uint64_t)r;
	if (hf->dirty_since < 0)
		hf->dirty_since = now;
}

/* The smaller of two timeouts, -1 meaning none. */
static int
sooner(int a, int64_t b)
{
	if (b < 0)
		return a;
	if (b > 60000)
		b = 60000;
	return a < 0 || b < a ? (int)b : a;
}

int
histfile_round(struct histfile *hf, int64_t now)
{
	uint64_t base;
	int wait = -1;

	if (hf == NULL)
		return -1;
	if (hf->cfd >= 0 && !copy_new(hf))
		compact_abandon(hf, "out of memory", now);
	write_queued(hf, now);
	base = hf->base > HISTFILE_COMPACT_MIN ? hf->base : HISTFILE_COMPACT_MIN;
	if (hf->cfd >= 0)
		compact_step(hf, now);
	else if (now >= hf->compact_at && (hf->lost || hf->file_bytes > 2 * base))
		compact_start(hf, now);
	if (hf->flush_ms > 0 && hf->dirty_since >= 0 &&
	    now - hf->dirty_since >= hf->flush_ms) {
		if (fdatasync(hf->fd) == -1)
			log_msg(&hf->srv->log, LOG_ERROR, "history file %s: fdatasync: %s", hf->path,
			    strerror(errno));
		hf->dirty_since = -1;
	}
	if (hf->cfd >= 0 || (buf_len(&hf->out) > 0 && now >= hf->retry_at))
		return 0;
	if (buf_len(&hf->out) > 0)
		wait = sooner(wait, hf->retry_at - now);
	if (hf->lost || hf->file_bytes > 2 * base)
		wait = sooner(wait, hf->compact_at - now);
	if (hf->flush_ms > 0 && hf->dirty_since >= 0)
		wait = sooner(wait, hf->dirty_since + hf->flush_ms - now);
	return wait;
}

void
histfile_close(struct histfile *hf)
{
	if (hf == NULL)
		return;
	if (hf->cfd >= 0)
		compact_abandon(hf, "the server is stopping", -1);
	if (hf->fd >= 0) {
		if (write_all(hf->fd, buf_data(&hf->out), buf_len(&hf->out)) == -1 ||
		    fdatasync(hf->fd) == -1)
			log_msg(&hf->srv->log, LOG_ERROR, "history file %s: %s", hf->path, strerror(errno));
		close(hf->fd);
	}
	if (hf->lock_fd >= 0)
		close(hf->lock_fd);
	if (hf->srv != NULL && hf->srv->journal == &hf->out)
		hf->srv->journal = NULL;
	buf_free(&hf->out);
	buf_free(&hf->snap);
	buf_free(&hf->tail);
	free(hf->path);
	free(hf->tmp_path);
	free(hf->bad_path);
	free(hf);
}
