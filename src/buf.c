/*
 * Byte buffers: append at the end, consume from a read cursor, compact only
 * when room is needed, free storage when empty. Line splitting lives here
 * because it is the one way receive buffers are consumed.
 */
#include "buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BUF_MIN_CAP 256
/*
 * An emptied buffer keeps storage up to this size: a client exchanging
 * small messages then costs no malloc/free per message, while the large
 * ones (a welcome burst, a 16 KiB read) are released, so idle clients
 * hold nothing.
 */
#define BUF_KEEP_CAP 1024
/*
 * The largest first allocation a size hint asks for: far below malloc's
 * mmap threshold, so that a fill after a huge one (a long LIST) costs no
 * mmap/munmap pair.
 */
#define BUF_HINT_MAX_SHIFT 14

void
buf_init(struct buf *b, size_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = (uint32_t)(limit > BUF_MAX_CAP ? BUF_MAX_CAP : limit);
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->start = b->end = b->cap = b->scan = 0;
}

/* The buffer became empty: rewind it, or release large storage. */
static void
buf_emptied(struct buf *b)
{
	if (b->cap > BUF_KEEP_CAP) {
		/* What this fill reached (end: nothing was consumed in between). */
		uint8_t shift = 8;

		while (shift < BUF_HINT_MAX_SHIFT && ((uint32_t)1 << shift) < b->end)
			shift++;
		buf_free(b);
		b->hint = shift;
		return;
	}
	b->start = b->end = b->scan = 0;
}

void
buf_shrink(struct buf *b)
{
	size_t len = buf_len(b), cap = BUF_MIN_CAP;
	char *p;

	if (len == 0) {
		buf_free(b);
		return;
	}
	if (b->cap <= BUF_KEEP_CAP || len > BUF_KEEP_CAP / 2)
		return;
	while (cap < len)
		cap *= 2;
	if ((p = malloc(cap)) == NULL)
		return;
	if (len > 0)
		memcpy(p, b->data + b->start, len);
	free(b->data);
	b->data = p;
	b->start = 0;
	b->end = (uint32_t)len;
	b->cap = (uint32_t)cap;
}

void
buf_truncate(struct buf *b, size_t len)
{
	b->end = b->start + len;
	if (b->scan > len)
		b->scan = len;
	if (len == 0)
		buf_emptied(b);
}

void
buf_consume(struct buf *b, size_t n)
{
	b->start += (uint32_t)n;
	b->scan = b->scan > n ? b->scan - (uint32_t)n : 0;
	if (b->start == b->end)
		buf_emptied(b);
}

/* Ensure room for n more bytes at the end: compact first, then grow. */
static int
buf_room(struct buf *b, size_t n)
{
	size_t len = buf_len(b), need, cap;
	char *p;

	if (b->cap - b->end >= n)
		return 0;
	if (b->start > 0 && b->cap - len >= n) {
		memmove(b->data, b->data + b->start, len);
		b->start = 0;
		b->end = (uint32_t)len;
		return 0;
	}
	if (n > BUF_MAX_CAP - len)
		return -1;
	need = len + n;
	cap = b->cap ? b->cap : b->hint ? (size_t)1 << b->hint : BUF_MIN_CAP;
	while (cap < need)
		cap *= 2;
	if (b->start > 0) {
		memmove(b->data, b->data + b->start, len);
		b->start = 0;
		b->end = (uint32_t)len;
	}
	if ((p = realloc(b->data, cap)) == NULL)
		return -1;
	b->data = p;
	b->cap = (uint32_t)cap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (b->limit && n > b->limit - buf_len(b))
		return -1;
	if (buf_room(b, n) == -1)
		return -1;
	memcpy(b->data + b->end, p, n);
	b->end += (uint32_t)n;
	return 0;
}

char *
buf_reserve(struct buf *b, size_t want, size_t *avail)
{
	if (b->limit) {
		size_t left = b->limit - buf_len(b);
		if (left == 0)
			return NULL;
		if (want > left)
			want = left;
	}
	if (buf_room(b, want) == -1)
		return NULL;
	*avail = b->cap - b->end;
	if (b->limit && *avail > b->limit - buf_len(b))
		*avail = b->limit - buf_len(b);
	return b->data + b->end;
}

void
buf_commit(struct buf *b, size_t n)
{
	b->end += (uint32_t)n;
	if (b->start == b->end)
		buf_emptied(b);
}

/* Index of the first '\r' or '\n' at or after from, or len if none. */
static size_t
find_eol(const char *p, size_t from, size_t len)
{
	for (size_t i = from; i < len; i++)
		if (p[i] == '\n' || p[i] == '\r')
			return i;
	return len;
}

enum buf_line
buf_take_line(struct buf *b, size_t max, char **line, size_t *len)
{
	for (;;) {
		size_t n = buf_len(b), eol;
		bool was_lf;
		char *p;

		if (n == 0) {
			buf_emptied(b);
			return BUF_LINE_NONE;
		}
		p = buf_data(b);
		eol = find_eol(p, b->scan, n);
		if (eol == n) {
			/* No terminator yet: keep at most max bytes of it. */
			if (b->discard) {
				buf_consume(b, n);
				return BUF_LINE_NONE;
			}
			if (n > max) {
				b->discard = true;
				buf_consume(b, n);
				return BUF_LINE_TOOLONG;
			}
			b->scan = (uint32_t)n;
			return BUF_LINE_NONE;
		}
		was_lf = p[eol] == '\n';
		p[eol] = '\0';
		b->scan = 0;
		if (b->discard) {
			b->discard = false;
			buf_consume(b, eol + 1);
			continue;
		}
		if (eol > max) {
			buf_consume(b, eol + 1);
			return BUF_LINE_TOOLONG;
		}
		if (eol == 0) {
			buf_consume(b, 1);
			continue;
		}
		/*
		 * Consume through the terminator (and the "\n" of a "\r\n"
		 * that has arrived) now; the bytes stay in place until the
		 * buffer is next changed, which is the documented lifetime of
		 * *line. A "\n" arriving later shows up as an empty line,
		 * skipped on the next call.
		 */
		*line = p;
		*len = eol;
		b->start += (uint32_t)eol + 1;
		if (eol + 1 < n && p[eol + 1] == '\n' && !was_lf)
			b->start++;
		b->scan = 0;
		return BUF_LINE_OK;
	}
}
