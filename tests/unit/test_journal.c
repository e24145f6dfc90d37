/*
 * Unit tests for journal.c: CRC-32C test vectors, the header, record
 * framing and fields, and the reader on damaged input: a journal cut at
 * every byte of its tail, every byte of a record flipped, lengths that lie.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "journal.h"

/* RFC 3720 appendix B.4, and the common check value of "123456789". */
static void
test_crc32c_vectors(void **state)
{
	uint8_t b[32];

	(void)state;
	assert_int_equal(journal_crc32c(0, "123456789", 9), 0xe3069283u);
	memset(b, 0, sizeof(b));
	assert_int_equal(journal_crc32c(0, b, sizeof(b)), 0x8a9136aau);
	memset(b, 0xff, sizeof(b));
	assert_int_equal(journal_crc32c(0, b, sizeof(b)), 0x62a8ab43u);
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)i;
	assert_int_equal(journal_crc32c(0, b, sizeof(b)), 0x46dd794eu);
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)(31 - i);
	assert_int_equal(journal_crc32c(0, b, sizeof(b)), 0x113fdb5cu);
	assert_int_equal(journal_crc32c(0, b, 0), 0);
	/* Continuing a CRC equals computing it at once. */
	assert_int_equal(journal_crc32c(journal_crc32c(0, "1234", 4), "56789", 5),
	    0xe3069283u);
	assert_int_equal(journal_crc32c_portable(0, "123456789", 9), 0xe3069283u);
}

/* Both ways agree on every length and alignment (the fast one works in 8s). */
static void
test_crc32c_paths_agree(void **state)
{
	uint8_t b[300];
	uint32_t x = 12345;

	(void)state;
	for (size_t i = 0; i < sizeof(b); i++) {
		x = x * 1103515245u + 12345u;
		b[i] = (uint8_t)(x >> 16);
	}
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; off + len <= sizeof(b); len += 7)
			assert_int_equal(journal_crc32c(0x1234u, b + off, len),
			    journal_crc32c_portable(0x1234u, b + off, len));
}

static void
test_header(void **state)
{
	uint8_t h[JOURNAL_HEADER_SIZE], bad[JOURNAL_HEADER_SIZE];
	uint32_t version = 0;

	(void)state;
	journal_header(h);
	assert_memory_equal(h, JOURNAL_MAGIC, 8);
	assert_int_equal(journal_check_header(h, sizeof(h), &version), JOURNAL_HEADER_OK);
	assert_int_equal(version, JOURNAL_VERSION);
	/* Every prefix is a header cut short by a crash: an empty journal. */
	for (size_t n = 0; n < sizeof(h); n++)
		assert_int_equal(journal_check_header(h, n, &version), JOURNAL_HEADER_SHORT);
	/* Any flipped bit is damage or another file. */
	for (size_t i = 0; i < sizeof(h); i++) {
		memcpy(bad, h, sizeof(h));
		bad[i] ^= 0x01;
		assert_int_equal(journal_check_header(bad, sizeof(bad), &version),
		    JOURNAL_HEADER_FOREIGN);
	}
	assert_int_equal(journal_check_header("# ircserv", 9, &version),
	    JOURNAL_HEADER_FOREIGN);
	/* A later version with a good check is refused as newer. */
	memcpy(bad, h, sizeof(h));
	bad[8] = JOURNAL_VERSION + 1;
	{
		uint32_t crc = journal_crc32c(0, bad, 12);

		bad[12] = (uint8_t)crc;
		bad[13] = (uint8_t)(crc >> 8);
		bad[14] = (uint8_t)(crc >> 16);
		bad[15] = (uint8_t)(crc >> 24);
	}
	assert_int_equal(journal_check_header(bad, sizeof(bad), &version),
	    JOURNAL_HEADER_NEWER);
}

/* A journal of a header and n marker records "owner<i>" "#chan" i. */
static void
build(struct buf *b, int n, size_t *ends)
{
	uint8_t h[JOURNAL_HEADER_SIZE];
	struct journal_enc e;
	char owner[32];

	buf_init(b, 0);
	journal_header(h);
	assert_int_equal(buf_append(b, h, sizeof(h)), 0);
	for (int i = 0; i < n; i++) {
		snprintf(owner, sizeof(owner), "owner%d", i);
		journal_begin(&e, b, JOURNAL_MARKER);
		journal_put_str(&e, owner);
		journal_put_str(&e, "#chan");
		journal_put_u64(&e, (uint64_t)i * 1000 + 7);
		assert_true(journal_end(&e) > 0);
		if (ends != NULL)
			ends[i] = buf_len(b);
	}
}

/* Read every record of data; check each is record i of build(). */
static int
read_all(const void *data, size_t len, size_t *dropped)
{
	struct journal_reader rd;
	struct journal_rec rec;
	char owner[32], want[32], target[16];
	int n = 0;

	if (journal_reader_init(&rd, data, len) == JOURNAL_HEADER_FOREIGN)
		return -1;
	while (journal_next(&rd, &rec)) {
		assert_int_equal(rec.type, JOURNAL_MARKER);
		assert_int_equal(journal_get_str(&rec, owner, sizeof(owner)), 0);
		assert_int_equal(journal_get_str(&rec, target, sizeof(target)), 0);
		assert_int_equal(journal_get_u64(&rec), (uint64_t)n * 1000 + 7);
		assert_true(journal_rec_ok(&rec));
		snprintf(want, sizeof(want), "owner%d", n);
		assert_string_equal(owner, want);
		assert_string_equal(target, "#chan");
		n++;
	}
	assert_int_equal(rd.records, (uint64_t)n);
	*dropped = journal_dropped(&rd);
	return n;
}

static void
test_round_trip(void **state)
{
	struct buf b;
	size_t ends[5], dropped = 99;

	(void)state;
	build(&b, 5, ends);
	assert_int_equal(read_all(buf_data(&b), buf_len(&b), &dropped), 5);
	assert_int_equal(dropped, 0);
	/* Frame: length of type + body, then the check. */
	assert_int_equal(ends[0] - JOURNAL_HEADER_SIZE,
	    JOURNAL_FRAME_SIZE + 1 + (2 + 6) + (2 + 5) + 8);
	buf_free(&b);
}

/* A crash may cut the file anywhere: every cut keeps the whole records. */
static void
test_truncated_at_every_byte(void **state)
{
	struct buf b;
	size_t ends[4], dropped;
	int want;

	(void)state;
	build(&b, 4, ends);
	for (size_t len = 0; len <= buf_len(&b); len++) {
		want = 0;
		while (want < 4 && ends[want] <= len)
			want++;
		assert_int_equal(read_all(buf_data(&b), len, &dropped), want);
		if (len < JOURNAL_HEADER_SIZE)
			assert_int_equal(dropped, len);
		else
			assert_int_equal(dropped,
			    len - (want ? ends[want - 1] : JOURNAL_HEADER_SIZE));
	}
	buf_free(&b);
}

/* Any changed byte of the last record drops that record alone. */
static void
test_flipped_bytes(void **state)
{
	struct buf b;
	size_t ends[3], dropped;
	uint8_t *copy;

	(void)state;
	build(&b, 3, ends);
	copy = malloc(buf_len(&b));
	assert_non_null(copy);
	for (size_t i = ends[1]; i < ends[2]; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(copy, buf_data(&b), buf_len(&b));
			copy[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(read_all(copy, buf_len(&b), &dropped), 2);
			assert_int_equal(dropped, ends[2] - ends[1]);
		}
	}
	/* Damage in the middle ends the journal there: what follows is dropped. */
	memcpy(copy, buf_data(&b), buf_len(&b));
	copy[ends[0] + 10] ^= 0x80;
	assert_int_equal(read_all(copy, buf_len(&b), &dropped), 1);
	assert_int_equal(dropped, ends[2] - ends[0]);
	free(copy);
	buf_free(&b);
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Lengths that lie are never trusted, even with a matching check. */
static void
test_lying_lengths(void **state)
{
	uint8_t f[JOURNAL_HEADER_SIZE + JOURNAL_FRAME_SIZE + 4];
	uint32_t lens[] = { 0, 5, JOURNAL_RECORD_MAX + 1, 0xffffffffu };
	struct journal_reader rd;
	struct journal_rec rec;

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		journal_header(f);
		put_le32(f + JOURNAL_HEADER_SIZE, lens[i]);
		memset(f + JOURNAL_HEADER_SIZE + JOURNAL_FRAME_SIZE, JOURNAL_MARKER, 4);
		put_le32(f + JOURNAL_HEADER_SIZE + 4, journal_crc32c(journal_crc32c(0,
		    f + JOURNAL_HEADER_SIZE, 4), f + JOURNAL_HEADER_SIZE + JOURNAL_FRAME_SIZE,
		    lens[i] < 4 ? lens[i] : 4));
		assert_int_equal(journal_reader_init(&rd, f, sizeof(f)), JOURNAL_HEADER_OK);
		assert_false(journal_next(&rd, &rec));
		assert_int_equal(journal_dropped(&rd), JOURNAL_FRAME_SIZE + 4);
	}
	/* The same frame with its true length reads. */
	put_le32(f + JOURNAL_HEADER_SIZE, 4);
	put_le32(f + JOURNAL_HEADER_SIZE + 4, journal_crc32c(journal_crc32c(0,
	    f + JOURNAL_HEADER_SIZE, 4), f + JOURNAL_HEADER_SIZE + JOURNAL_FRAME_SIZE, 4));
	journal_reader_init(&rd, f, sizeof(f));
	assert_true(journal_next(&rd, &rec));
	assert_int_equal(rec.len, 3);
	assert_int_equal(journal_dropped(&rd), 0);
}

static void
test_fields(void **state)
{
	struct buf b;
	struct journal_enc e;
	struct journal_reader rd;
	struct journal_rec rec;
	uint8_t h[JOURNAL_HEADER_SIZE], raw[3] = { 0, 'x', 0 };
	const uint8_t *p;
	char s[8];
	size_t n;

	(void)state;
	buf_init(&b, 0);
	journal_header(h);
	buf_append(&b, h, sizeof(h));
	journal_begin(&e, &b, 200);
	journal_put_u8(&e, 0xab);
	journal_put_u32(&e, 0xdeadbeefu);
	journal_put_u64(&e, 0x0123456789abcdefull);
	journal_put_bytes(&e, raw, sizeof(raw));
	journal_put_str(&e, "toolongstring");
	journal_put_str(&e, "");
	assert_true(journal_end(&e) > 0);
	journal_reader_init(&rd, buf_data(&b), buf_len(&b));
	assert_true(journal_next(&rd, &rec));
	/* Unknown types are returned for the caller to skip. */
	assert_int_equal(rec.type, 200);
	assert_int_equal(journal_get_u8(&rec), 0xab);
	assert_int_equal(journal_get_u32(&rec), 0xdeadbeefu);
	assert_true(journal_get_u64(&rec) == 0x0123456789abcdefull);
	p = journal_get_bytes(&rec, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(p, raw, 3);
	/* A string that does not fit marks the record bad. */
	assert_int_equal(journal_get_str(&rec, s, sizeof(s)), -1);
	assert_string_equal(s, "");
	assert_false(journal_rec_ok(&rec));
	buf_free(&b);

	/* A string with a NUL in it is refused; reading past the end too. */
	buf_init(&b, 0);
	buf_append(&b, h, sizeof(h));
	journal_begin(&e, &b, JOURNAL_MARKER);
	journal_put_bytes(&e, raw, sizeof(raw));
	assert_true(journal_end(&e) > 0);
	journal_reader_init(&rd, buf_data(&b), buf_len(&b));
	assert_true(journal_next(&rd, &rec));
	assert_int_equal(journal_get_str(&rec, s, sizeof(s)), -1);
	journal_reader_init(&rd, buf_data(&b), buf_len(&b));
	assert_true(journal_next(&rd, &rec));
	assert_int_equal(journal_get_u32(&rec), 0x78000003u);
	assert_false(journal_rec_ok(&rec));
	assert_int_equal(journal_get_u8(&rec), 0);
	assert_true(journal_rec_ok(&rec));
	assert_int_equal(journal_get_u64(&rec), 0);
	assert_false(journal_rec_ok(&rec));
	buf_free(&b);
}

/* A record over the bound is not written, and the buffer is as before. */
static void
test_too_big(void **state)
{
	struct buf b;
	struct journal_enc e;
	char *big = malloc(60000);

	(void)state;
	assert_non_null(big);
	memset(big, 'a', 60000);
	buf_init(&b, 0);
	buf_append(&b, "xyz", 3);
	journal_begin(&e, &b, JOURNAL_MARKER);
	journal_put_bytes(&e, big, 60000);
	journal_put_bytes(&e, big, 60000);
	assert_int_equal(journal_end(&e), -1);
	assert_int_equal(buf_len(&b), 3);
	journal_begin(&e, &b, JOURNAL_MARKER);
	journal_put_bytes(&e, big, 70000);
	assert_int_equal(journal_end(&e), -1);
	assert_int_equal(buf_len(&b), 3);
	journal_begin(&e, &b, JOURNAL_MARKER);
	journal_put_bytes(&e, big, 60000);
	assert_int_equal(journal_end(&e), JOURNAL_FRAME_SIZE + 1 + 2 + 60000);
	assert_int_equal(buf_len(&b), 3 + JOURNAL_FRAME_SIZE + 1 + 2 + 60000);
	free(big);
	buf_free(&b);
}

/*
 * A record that went bad for want of room (a full buffer) takes its
 * remaining fields, empty ones included, without copying into the room it
 * never got: memcpy() to NULL is undefined even for no bytes (UBSan).
 */
static void
test_bad_then_empty_field(void **state)
{
	struct buf b;
	struct journal_enc e;

	(void)state;
	buf_init(&b, 3);
	assert_int_equal(buf_append(&b, "xyz", 3), 0);
	journal_begin(&e, &b, JOURNAL_MARKER);
	journal_put_str(&e, "");
	journal_put_bytes(&e, NULL, 0);
	journal_put_u8(&e, 1);
	assert_int_equal(journal_end(&e), -1);
	assert_int_equal(buf_len(&b), 3);
	assert_memory_equal(buf_data(&b), "xyz", 3);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_vectors),
		cmocka_unit_test(test_crc32c_paths_agree),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_truncated_at_every_byte),
		cmocka_unit_test(test_flipped_bytes),
		cmocka_unit_test(test_lying_lengths),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_bad_then_empty_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
