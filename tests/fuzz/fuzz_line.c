/*
 * libFuzzer harness for the line assembler. The input is a recipe: byte 0
 * picks the line limit, byte 1 how many chunk sizes follow, then the chunk
 * sizes; the rest is the byte stream, fed to a struct buf in chunks of
 * those sizes (cycling), taking lines after each one as conn.c does.
 * What comes out is compared with a simple model that splits the whole
 * stream at once, so any chunking must give the same lines.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "irc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHUNKS_MAX      16

/* Line limits tried: tiny ones reach the too-long paths quickly. */
static const size_t line_limits[] = { 1, 2, 7, 16, 64, IRC_LINE_MAX, IRC_RECV_LINE_MAX };

/* One expected event of the model: a line (off, len) or a too-long drop. */
struct event {
	size_t  off, len;
	int     toolong;
};

struct model {
	struct event *v;
	size_t  n, next;
};

static int
is_eol(uint8_t c)
{
	return c == '\r' || c == '\n';
}

/*
 * buf.h's contract: lines end at CR, LF or CR LF, empty lines are skipped,
 * a line over max is reported once as too long. An unterminated tail is a
 * line only when it is already too long.
 */
static void
model_build(struct model *md, const uint8_t *s, size_t n, size_t max)
{
	size_t i = 0;

	md->v = calloc(n + 1, sizeof(*md->v));
	assert(md->v != NULL);
	md->n = md->next = 0;
	while (i < n) {
		size_t j = i;

		while (j < n && !is_eol(s[j]))
			j++;
		if (j - i > max)
			md->v[md->n++] = (struct event){ i, j - i, 1 };
		else if (j < n && j > i)
			md->v[md->n++] = (struct event){ i, j - i, 0 };
		i = j + 1;
	}
}

static void
model_expect(struct model *md, const uint8_t *s, enum buf_line r,
    const char *line, size_t len)
{
	const struct event *e;

	assert(md->next < md->n);
	e = &md->v[md->next++];
	if (e->toolong) {
		assert(r == BUF_LINE_TOOLONG);
		return;
	}
	assert(r == BUF_LINE_OK);
	assert(len == e->len);
	assert(memcmp(line, s + e->off, len) == 0);
	assert(line[len] == '\0');
}

/* Take every line the buffer holds now. */
static void
drain_lines(struct buf *b, size_t max, struct model *md, const uint8_t *s)
{
	enum buf_line r;
	char *line;
	size_t len;

	while ((r = buf_take_line(b, max, &line, &len)) != BUF_LINE_NONE)
		model_expect(md, s, r, line, len);
	/* What stays is part of one line, never more than max bytes of it. */
	assert(buf_len(b) <= max);
	assert(b->limit == 0 || buf_len(b) <= b->limit);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunks[CHUNKS_MAX], nchunks, max, off, k = 0;
	struct model md;
	struct buf b;

	if (size < 2)
		return 0;
	max = line_limits[data[0] % (sizeof(line_limits) / sizeof(line_limits[0]))];
	nchunks = (size_t)data[1] % CHUNKS_MAX + 1;
	if (size < 2 + nchunks)
		return 0;
	for (size_t i = 0; i < nchunks; i++)
		chunks[i] = (size_t)data[2 + i] + 1;
	data += 2 + nchunks;
	size -= 2 + nchunks;

	model_build(&md, data, size, max);
	/* A limit like the RecvQ's: one line plus one read always fits. */
	buf_init(&b, max + 1 + 256);
	for (off = 0; off < size; k = (k + 1) % nchunks) {
		size_t n = chunks[k] < size - off ? chunks[k] : size - off, avail;
		char *p;

		/* Odd chunks go through reserve/commit, like conn.c's read(). */
		if (k % 2) {
			p = buf_reserve(&b, n, &avail);
			assert(p != NULL && avail >= n);
			memcpy(p, data + off, n);
			buf_commit(&b, n);
		} else {
			assert(buf_append(&b, data + off, n) == 0);
		}
		off += n;
		drain_lines(&b, max, &md, data);
	}
	assert(md.next == md.n);
	buf_free(&b);
	free(md.v);
	return 0;
}
