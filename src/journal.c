/*
 * The journal codec: CRC-32C, the versioned header, framed records built
 * in a struct buf, and a reader that returns good records until the first
 * damaged one. Invariant: the reader never reads past len nor trusts a
 * length before its CRC checks. Files and what the records mean are left
 * to histfile.c and persist.c.
 */
#include "journal.h"

#include <string.h>

#include "buf.h"

/* CRC-32C, reflected polynomial 0x82F63B78 (RFC 3720 appendix B.4). */
static const uint32_t crc32c_table[256] = {
	0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c,
	0x26a1e7e8, 0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
	0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c,
	0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
	0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc,
	0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
	0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
	0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
	0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad,
	0x1642ae59, 0xe4292d5a, 0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
	0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595, 0x417b1dbc, 0xb3109ebf,
	0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
	0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f,
	0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
	0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f,
	0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
	0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e,
	0x4767748a, 0xb50cf789, 0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
	0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46, 0x7198540d, 0x83f3d70e,
	0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
	0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
	0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
	0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4,
	0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
	0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b,
	0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
	0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6, 0x502036a5,
	0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
	0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975,
	0x0e330a81, 0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
	0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905,
	0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
	0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8,
	0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
	0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
	0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
	0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78,
	0x7fab5e8c, 0x8dc0dd8f, 0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
	0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1, 0x69e9f0d5, 0x9b8273d6,
	0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
	0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69,
	0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
	0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/*
 * SSE 4.2's crc32 instruction computes CRC-32C, 8 bytes at a time: about
 * 8 times the table's speed, which keeps a journal record's check a small
 * part of relaying a message (docs/performance.md).
 */
#define JOURNAL_CRC_HW  1
__attribute__((target("sse4.2")))
static uint32_t
crc32c_hw(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc, v;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
	}
	crc = (uint32_t)c;
	while (len--)
		crc = __builtin_ia32_crc32qi(crc, *p++);
	return crc;
}
#endif

uint32_t
journal_crc32c_portable(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	crc = ~crc;
	while (len--)
		crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

uint32_t
journal_crc32c(uint32_t crc, const void *data, size_t len)
{
#ifdef JOURNAL_CRC_HW
	if (__builtin_cpu_supports("sse4.2"))
		return ~crc32c_hw(~crc, data, len);
#endif
	return journal_crc32c_portable(crc, data, len);
}

static void
le32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t
le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

void
journal_header(uint8_t out[JOURNAL_HEADER_SIZE])
{
	memcpy(out, JOURNAL_MAGIC, 8);
	le32_put(out + 8, JOURNAL_VERSION);
	le32_put(out + 12, journal_crc32c(0, out, 12));
}

enum journal_header_check
journal_check_header(const void *data, size_t len, uint32_t *version)
{
	const uint8_t *p = data;
	size_t magic = len < 8 ? len : 8;

	if (len == 0)
		return JOURNAL_HEADER_SHORT;
	/* A crash while the file was being created leaves part of a header. */
	if (memcmp(p, JOURNAL_MAGIC, magic) != 0)
		return JOURNAL_HEADER_FOREIGN;
	if (len < JOURNAL_HEADER_SIZE)
		return JOURNAL_HEADER_SHORT;
	if (le32_get(p + 12) != journal_crc32c(0, p, 12))
		return JOURNAL_HEADER_FOREIGN;
	*version = le32_get(p + 8);
	return *version > JOURNAL_VERSION || *version == 0 ?
	    JOURNAL_HEADER_NEWER : JOURNAL_HEADER_OK;
}

/*
 * Fields go straight into space reserved at the end of the buffer, which
 * is committed when it runs out and at the end: a record costs a few
 * reservations, not one append per field.
 */
static void
put(struct journal_enc *e, const void *p, size_t n)
{
	size_t left;

	/*
	 * A bad record takes nothing more; an empty field copies nothing
	 * (room is NULL when no reservation succeeded: memcpy() must not see it).
	 */
	if (e->bad || n == 0)
		return;
	/* The reserved room never reaches past the largest record. */
	if (e->avail - e->used < n) {
		left = JOURNAL_FRAME_SIZE + JOURNAL_RECORD_MAX -
		    (buf_len(e->out) - e->start + e->used);
		buf_commit(e->out, e->used);
		e->used = e->avail = 0;
		if (n > left || (e->room = (uint8_t *)buf_reserve(e->out,
		    n > 512 ? n : 512, &e->avail)) == NULL || e->avail < n) {
			e->avail = 0;
			e->bad = true;
			return;
		}
		if (e->avail > left)
			e->avail = left;
	}
	memcpy(e->room + e->used, p, n);
	e->used += n;
}

void
journal_begin(struct journal_enc *e, struct buf *out, enum journal_type type)
{
	uint8_t frame[JOURNAL_FRAME_SIZE] = { 0 };

	e->out = out;
	e->start = buf_len(out);
	e->room = NULL;
	e->used = e->avail = 0;
	e->bad = false;
	put(e, frame, sizeof(frame));
	journal_put_u8(e, (uint8_t)type);
}

void
journal_put_u8(struct journal_enc *e, uint8_t v)
{
	put(e, &v, 1);
}

void
journal_put_u32(struct journal_enc *e, uint32_t v)
{
	uint8_t b[4];

	le32_put(b, v);
	put(e, b, sizeof(b));
}

void
journal_put_u64(struct journal_enc *e, uint64_t v)
{
	uint8_t b[8];

	le32_put(b, (uint32_t)v);
	le32_put(b + 4, (uint32_t)(v >> 32));
	put(e, b, sizeof(b));
}

void
journal_put_bytes(struct journal_enc *e, const void *p, size_t len)
{
	uint8_t b[2] = { (uint8_t)len, (uint8_t)(len >> 8) };

	if (len > 0xffff)
		e->bad = true;
	put(e, b, sizeof(b));
	put(e, p, len);
}

void
journal_put_str(struct journal_enc *e, const char *s)
{
	journal_put_bytes(e, s, strlen(s));
}

long
journal_end(struct journal_enc *e)
{
	uint8_t *frame;
	size_t n;

	buf_commit(e->out, e->used);
	e->used = e->avail = 0;
	if (e->bad) {
		if (buf_len(e->out) > e->start)
			buf_truncate(e->out, e->start);
		return -1;
	}
	frame = (uint8_t *)buf_data(e->out) + e->start;
	n = buf_len(e->out) - e->start;
	le32_put(frame, (uint32_t)(n - JOURNAL_FRAME_SIZE));
	le32_put(frame + 4, journal_crc32c(journal_crc32c(0, frame, 4),
	    frame + JOURNAL_FRAME_SIZE, n - JOURNAL_FRAME_SIZE));
	return (long)n;
}

const uint8_t *
journal_get_raw(struct journal_rec *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || r->len - r->pos < n) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->pos;
	r->pos += n;
	return p;
}

uint8_t
journal_get_u8(struct journal_rec *r)
{
	const uint8_t *p = journal_get_raw(r, 1);

	return p ? p[0] : 0;
}

uint32_t
journal_get_u32(struct journal_rec *r)
{
	const uint8_t *p = journal_get_raw(r, 4);

	return p ? le32_get(p) : 0;
}

uint64_t
journal_get_u64(struct journal_rec *r)
{
	const uint8_t *p = journal_get_raw(r, 8);

	return p ? (uint64_t)le32_get(p) | (uint64_t)le32_get(p + 4) << 32 : 0;
}

const uint8_t *
journal_get_bytes(struct journal_rec *r, size_t *len)
{
	const uint8_t *p = journal_get_raw(r, 2);

	*len = p ? (size_t)p[0] | (size_t)p[1] << 8 : 0;
	p = p ? journal_get_raw(r, *len) : NULL;
	if (p == NULL)
		*len = 0;
	return p;
}

int
journal_get_str(struct journal_rec *r, char *out, size_t outsz)
{
	size_t len;
	const uint8_t *p = journal_get_bytes(r, &len);

	if (p == NULL || len >= outsz || memchr(p, '\0', len) != NULL) {
		r->bad = true;
		if (outsz > 0)
			out[0] = '\0';
		return -1;
	}
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

bool
journal_rec_ok(const struct journal_rec *r)
{
	return !r->bad && r->pos == r->len;
}

enum journal_header_check
journal_reader_init(struct journal_reader *rd, const void *data, size_t len)
{
	uint32_t version;
	enum journal_header_check c = journal_check_header(data, len, &version);

	rd->data = data;
	rd->len = len;
	rd->records = 0;
	rd->good = c == JOURNAL_HEADER_OK ? JOURNAL_HEADER_SIZE : 0;
	return c;
}

bool
journal_next(struct journal_reader *rd, struct journal_rec *rec)
{
	const uint8_t *frame = rd->data + rd->good;
	size_t left = rd->len - rd->good;
	uint32_t n;

	if (rd->good == 0 || left < JOURNAL_FRAME_SIZE)
		return false;
	n = le32_get(frame);
	/* A type byte at least; the length is checked before it is used. */
	if (n == 0 || n > JOURNAL_RECORD_MAX || n > left - JOURNAL_FRAME_SIZE)
		return false;
	if (le32_get(frame + 4) != journal_crc32c(journal_crc32c(0, frame, 4),
	    frame + JOURNAL_FRAME_SIZE, n))
		return false;
	rec->type = frame[JOURNAL_FRAME_SIZE];
	rec->p = frame + JOURNAL_FRAME_SIZE + 1;
	rec->len = n - 1;
	rec->pos = 0;
	rec->bad = false;
	rd->good += JOURNAL_FRAME_SIZE + n;
	rd->records++;
	return true;
}

size_t
journal_dropped(const struct journal_reader *rd)
{
	return rd->len - rd->good;
}
