/*
 * Byte buffer with a read cursor, used for receive queues and send queues.
 * Invariant: start <= end <= cap, and end - start <= limit. Bytes are
 * appended at end and consumed from start; the buffer compacts only when it
 * needs room at the end, and releases its storage when it empties (keeping
 * only a small one, up to 1 KiB), so an idle client holds little or none;
 * the next fill allocates at once the size the released one reached.
 */
#ifndef IRCSERV_BUF_H
#define IRCSERV_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Offsets are 32 bits, so that the two buffers of every client take 64
 * bytes, not 112: a buffer never holds more than BUF_MAX_CAP bytes (the
 * largest limit a configuration allows is far below it).
 */
#define BUF_MAX_CAP ((size_t)1 << 31)

struct buf {
	char    *data;          /* owned; NULL while empty */
	uint32_t start;         /* first unread byte */
	uint32_t end;           /* one past the last byte */
	uint32_t cap;
	uint32_t limit;         /* most bytes it may hold; 0 = no limit */
	uint32_t scan;          /* bytes after start known to hold no line end */
	bool     discard;       /* dropping the rest of an over-long line */
	/*
	 * log2 of the storage the last fill needed, when it was released on
	 * emptying: the next fill starts there, not at 256 bytes through a
	 * chain of reallocs (a send queue refilled each round); 0: none.
	 */
	uint8_t  hint;
};

enum buf_line {
	BUF_LINE_NONE,          /* no complete line yet */
	BUF_LINE_OK,            /* *line, *len describe one line */
	BUF_LINE_TOOLONG        /* a line over the maximum was dropped */
};

/*
 * Set up an empty buffer holding at most limit bytes (0: unlimited, which
 * is BUF_MAX_CAP; so is any larger limit).
 */
void    buf_init(struct buf *b, size_t limit);
/* Release the storage; the buffer is empty and reusable afterwards. */
void    buf_free(struct buf *b);
/*
 * Copy n bytes to the end. Returns 0, or -1 (nothing appended) when the
 * limit would be passed or memory runs out. The caller keeps p.
 */
int     buf_append(struct buf *b, const void *p, size_t n);
/* Bytes held. */
static inline size_t
buf_len(const struct buf *b)
{
	return b->end - b->start;
}
/*
 * The unread bytes (NULL when the buffer is empty and holds no storage);
 * valid until the next call that changes the buffer.
 */
static inline char *
buf_data(const struct buf *b)
{
	/* An empty buffer has no storage: NULL + 0 is undefined in C. */
	return b->data == NULL ? NULL : b->data + b->start;
}
/*
 * Move the few bytes (at most 512) left in storage over 1 KiB into the
 * smallest storage that holds them: a connection that stops in the middle
 * of a line then keeps 256 bytes, not the 16 KiB its read reserved. An
 * empty buffer keeps no storage at all (an emptied small one is otherwise
 * kept for the next bytes). Does nothing else, or when out of memory.
 */
void    buf_shrink(struct buf *b);
/* Keep only the first len unread bytes (len <= buf_len). */
void    buf_truncate(struct buf *b, size_t len);
/* Drop n unread bytes from the front (n <= buf_len). */
void    buf_consume(struct buf *b, size_t n);
/*
 * Make room for at least want bytes at the end, for a read() straight into
 * the buffer; returns the space (its size in *avail) or NULL on failure.
 * Follow with buf_commit() for the bytes actually stored.
 */
char   *buf_reserve(struct buf *b, size_t want, size_t *avail);
void    buf_commit(struct buf *b, size_t n);
/*
 * Take the next line from the front. A line ends at "\r\n", "\n" or a bare
 * "\r"; the terminator is not part of it and is replaced by NUL, so the line
 * can be parsed in place. Empty lines are skipped. A line longer than max is
 * dropped up to its end and reported once as BUF_LINE_TOOLONG; while its end
 * has not arrived, its bytes are discarded as they come, so memory stays
 * bounded. The line stays valid until the buffer is next changed.
 */
enum buf_line buf_take_line(struct buf *b, size_t max, char **line, size_t *len);

#endif
