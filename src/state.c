/*
 * The saved state's codec: little-endian fields appended to a struct buf,
 * sections with a patched length, a CRC-32C trailer; and a reader that
 * checks every field against the bytes left, so that a damaged blob ends
 * in an error, never a read out of bounds. What goes in each section is
 * state_save.c's and state_load.c's.
 */
#include "state.h"

#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "buf.h"
#include "journal.h"

#define STATE_NULL_LEN  0xFFFFFFFFu

static void
put_raw(struct state_w *w, const void *p, size_t n)
{
	if (!w->bad && n > 0 && buf_append(w->out, p, n) == -1)
		w->bad = true;
}

static void
le32(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t
get_le32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[3] << 24;
}

void
state_w_begin(struct state_w *w, struct buf *out)
{
	uint8_t h[STATE_HEADER_SIZE] = { 0 };

	w->out = out;
	w->section = SIZE_MAX;
	w->bad = false;
	buf_truncate(out, 0);
	memcpy(h, STATE_MAGIC, 8);
	le32(h + 8, STATE_VERSION);
	put_raw(w, h, sizeof(h));
}

void
state_put_u8(struct state_w *w, uint8_t v)
{
	put_raw(w, &v, 1);
}

void
state_put_u32(struct state_w *w, uint32_t v)
{
	uint8_t b[4];

	le32(b, v);
	put_raw(w, b, 4);
}

void
state_put_u64(struct state_w *w, uint64_t v)
{
	state_put_u32(w, (uint32_t)v);
	state_put_u32(w, (uint32_t)(v >> 32));
}

void
state_put_i64(struct state_w *w, int64_t v)
{
	state_put_u64(w, (uint64_t)v);
}

void
state_put_bool(struct state_w *w, bool v)
{
	state_put_u8(w, v ? 1 : 0);
}

void
state_put_bytes(struct state_w *w, const void *p, size_t len)
{
	if (len >= STATE_NULL_LEN) {
		w->bad = true;
		return;
	}
	state_put_u32(w, (uint32_t)len);
	put_raw(w, p, len);
}

void
state_put_str(struct state_w *w, const char *s)
{
	if (s == NULL)
		state_put_u32(w, STATE_NULL_LEN);
	else
		state_put_bytes(w, s, strlen(s));
}

void
state_section_begin(struct state_w *w, uint32_t tag, uint32_t version)
{
	w->section = buf_len(w->out);
	state_put_u32(w, tag);
	state_put_u32(w, version);
	state_put_u32(w, 0);            /* the length, patched at the end */
}

void
state_section_end(struct state_w *w)
{
	size_t body;

	if (w->bad || w->section == SIZE_MAX)
		return;
	body = buf_len(w->out) - w->section - STATE_SECTION_HEADER;
	if (body >= STATE_NULL_LEN)
		w->bad = true;
	else
		le32((uint8_t *)buf_data(w->out) + w->section + 8, (uint32_t)body);
	w->section = SIZE_MAX;
}

int
state_w_end(struct state_w *w)
{
	size_t body;
	uint8_t crc[4];

	if (w->bad)
		return -1;
	body = buf_len(w->out) - STATE_HEADER_SIZE;
	if (body >= STATE_NULL_LEN)
		return -1;
	le32((uint8_t *)buf_data(w->out) + 12, (uint32_t)body);
	le32(crc, journal_crc32c(0, buf_data(w->out), buf_len(w->out)));
	put_raw(w, crc, 4);
	return w->bad ? -1 : 0;
}

int64_t
state_get_i64(struct journal_rec *r)
{
	return (int64_t)journal_get_u64(r);
}

bool
state_get_bool(struct journal_rec *r)
{
	uint8_t v = journal_get_u8(r);

	if (v > 1)
		r->bad = true;
	return v == 1;
}

uint32_t
state_get_count(struct journal_rec *r, uint32_t max)
{
	uint32_t v = journal_get_u32(r);

	if (v > max) {
		r->bad = true;
		return 0;
	}
	return r->bad ? 0 : v;
}

const uint8_t *
state_get_bytes(struct journal_rec *r, size_t max, size_t *len)
{
	uint32_t n = journal_get_u32(r);
	const uint8_t *p;

	*len = 0;
	if (n == STATE_NULL_LEN || n > max) {
		r->bad = true;
		return NULL;
	}
	if ((p = journal_get_raw(r, n)) != NULL)
		*len = n;
	return p;
}

int
state_get_str(struct journal_rec *r, char *out, size_t outsz)
{
	size_t n;
	const uint8_t *p = state_get_bytes(r, outsz - 1, &n);

	out[0] = '\0';
	if (p == NULL || memchr(p, '\0', n) != NULL) {
		r->bad = true;
		return -1;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

char *
state_get_strdup(struct journal_rec *r, size_t max)
{
	size_t n;
	const uint8_t *p;
	char *s;

	if (r->bad || r->len - r->pos < 4) {
		r->bad = true;
		return NULL;
	}
	if (get_le32(r->p + r->pos) == STATE_NULL_LEN) {
		r->pos += 4;
		return NULL;
	}
	if ((p = state_get_bytes(r, max, &n)) == NULL)
		return NULL;
	if (memchr(p, '\0', n) != NULL || (s = malloc(n + 1)) == NULL) {
		r->bad = true;
		return NULL;
	}
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

bool
state_r_done(const struct journal_rec *r)
{
	return !r->bad && r->pos == r->len;
}

int
state_check(const void *data, size_t len, char *err, size_t errlen)
{
	const uint8_t *p = data;
	uint32_t version, body;

	if (len < STATE_HEADER_SIZE + 4 || memcmp(p, STATE_MAGIC, 8) != 0) {
		snprintf(err, errlen, "not a saved state (%zu bytes)", len);
		return -1;
	}
	version = get_le32(p + 8);
	body = get_le32(p + 12);
	if (version < STATE_VERSION_OLDEST || version > STATE_VERSION) {
		snprintf(err, errlen, "state version %u, this server reads %u to %u",
		    version, STATE_VERSION_OLDEST, STATE_VERSION);
		return -1;
	}
	if ((size_t)body != len - STATE_HEADER_SIZE - 4) {
		snprintf(err, errlen, "state length %u, %zu bytes given", body, len);
		return -1;
	}
	if (journal_crc32c(0, p, len - 4) != get_le32(p + len - 4)) {
		snprintf(err, errlen, "state checksum mismatch: the state is damaged");
		return -1;
	}
	return 0;
}

bool
state_section(const void *data, size_t len, uint32_t tag, uint32_t *version,
    struct journal_rec *r)
{
	struct journal_rec all = { 0, data, len - 4, STATE_HEADER_SIZE, false };

	while (!all.bad && all.pos < all.len) {
		uint32_t t = journal_get_u32(&all), v = journal_get_u32(&all);
		uint32_t n = journal_get_u32(&all);
		const uint8_t *body = journal_get_raw(&all, n);

		if (body != NULL && t == tag) {
			*version = v;
			*r = (struct journal_rec){ 0, body, n, 0, false };
			return true;
		}
	}
	return false;
}
