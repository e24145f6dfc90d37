/*
 * The history journal's codec (format: docs/journal.md). Sans-I/O: the
 * encoder appends framed records to a struct buf, the reader walks a byte
 * buffer; neither touches a file (histfile.c does). A journal is a 16-byte
 * versioned header, then records, each
 *
 *	u32 length | u32 CRC-32C | length bytes of payload (u8 type, body)
 *
 * little-endian, the CRC over the length field and the payload. The reader
 * stops at the first record that is short, too long or fails its check:
 * what follows is a damaged tail and is counted, never parsed.
 */
#ifndef IRCSERV_JOURNAL_H
#define IRCSERV_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

#define JOURNAL_MAGIC           "IRCSJRNL"      /* 8 bytes, no NUL on file */
#define JOURNAL_VERSION         1u
#define JOURNAL_HEADER_SIZE     16      /* magic, u32 version, u32 CRC-32C */
#define JOURNAL_FRAME_SIZE      8       /* u32 length, u32 CRC-32C */
/* Largest payload: a record over it is damage, whatever its check says. */
#define JOURNAL_RECORD_MAX      (64 * 1024)

/*
 * Record types (the payload's first byte). A reader skips types it does
 * not know, so a newer server may add types without a new header version;
 * a change to an existing type's body needs a new type number.
 */
enum journal_type {
	JOURNAL_MARKER          = 1,    /* read marker: owner, target, i64 ms */
	JOURNAL_HISTORY_ADD     = 16,   /* history entry (persist.c has the body) */
	JOURNAL_HISTORY_DEL     = 17,   /* history entry redacted or removed */
	JOURNAL_HISTORY_DROP    = 18,   /* history entry dropped by a bound */
	JOURNAL_HISTORY_RENAME  = 19,   /* a channel's history under a new name */
};

/*
 * CRC-32C (Castagnoli, reflected 0x82F63B78) of len bytes, continuing crc
 * (0 to start): with the CPU's crc32 instruction where there is one (x86-64
 * SSE 4.2), else journal_crc32c_portable(), a table a byte at a time.
 */
uint32_t journal_crc32c(uint32_t crc, const void *data, size_t len);
uint32_t journal_crc32c_portable(uint32_t crc, const void *data, size_t len);

/* Write the header of a new journal (JOURNAL_VERSION) into out. */
void    journal_header(uint8_t out[JOURNAL_HEADER_SIZE]);

enum journal_header_check {
	JOURNAL_HEADER_OK,
	JOURNAL_HEADER_SHORT,   /* under 16 bytes, a prefix of a header: empty */
	JOURNAL_HEADER_FOREIGN, /* not a journal, or its header is damaged */
	JOURNAL_HEADER_NEWER,   /* a version this server cannot read */
};

/* Check the first len bytes of a file; *version gets the version when OK. */
enum journal_header_check journal_check_header(const void *data, size_t len,
	    uint32_t *version);

/*
 * Building one record at the end of out: begin, put fields, end. A field
 * that does not fit (JOURNAL_RECORD_MAX) or memory that runs out makes the
 * record bad; journal_end() then removes what was put and returns -1.
 */
struct journal_enc {
	struct buf *out;
	size_t   start;                 /* where the frame begins in out */
	uint8_t *room;                  /* reserved at the end of out (buf_reserve) */
	size_t   used, avail;           /* bytes put in room, and its size */
	bool     bad;
};

void    journal_begin(struct journal_enc *e, struct buf *out, enum journal_type type);
void    journal_put_u8(struct journal_enc *e, uint8_t v);
void    journal_put_u32(struct journal_enc *e, uint32_t v);
void    journal_put_u64(struct journal_enc *e, uint64_t v);
/* len (at most 65535) bytes, u16 length first. */
void    journal_put_bytes(struct journal_enc *e, const void *p, size_t len);
/* A NUL-terminated string, as bytes. */
void    journal_put_str(struct journal_enc *e, const char *s);
/* Frame the record. Returns its size on file, or -1 (nothing appended). */
long    journal_end(struct journal_enc *e);

/* Reading the fields of one record's body, in order; errors are sticky. */
struct journal_rec {
	unsigned type;                  /* an enum journal_type, or unknown */
	const uint8_t *p;               /* body, after the type byte */
	size_t   len, pos;
	bool     bad;                   /* a get ran past the end, or a bad string */
};

uint8_t  journal_get_u8(struct journal_rec *r);
/* Borrow the next n bytes as they are, or NULL (and the record bad). */
const uint8_t *journal_get_raw(struct journal_rec *r, size_t n);
uint32_t journal_get_u32(struct journal_rec *r);
uint64_t journal_get_u64(struct journal_rec *r);
/* Borrow a byte field: *len bytes at the returned pointer (NULL when bad). */
const uint8_t *journal_get_bytes(struct journal_rec *r, size_t *len);
/*
 * Copy a string field into out (size outsz, NUL added). Marks the record
 * bad when it does not fit or holds a NUL. Returns 0 or -1.
 */
int     journal_get_str(struct journal_rec *r, char *out, size_t outsz);
/* Whether every field was read and none was bad. */
bool     journal_rec_ok(const struct journal_rec *r);

/* A pass over a journal in memory; the caller keeps the bytes. */
struct journal_reader {
	const uint8_t *data;
	size_t   len;
	size_t   good;                  /* end of the last good record (or header) */
	uint64_t records;               /* good records returned */
};

/*
 * Start reading data. Returns the header check; records follow only when
 * it is JOURNAL_HEADER_OK (SHORT: nothing to read, all len bytes damaged).
 */
enum journal_header_check journal_reader_init(struct journal_reader *rd,
	    const void *data, size_t len);
/*
 * The next good record into *rec (borrowing from the data). Returns true,
 * or false at the end: a clean end or the start of a damaged tail.
 */
bool    journal_next(struct journal_reader *rd, struct journal_rec *rec);
/* Bytes after the last good record: a damaged or incomplete tail. */
size_t  journal_dropped(const struct journal_reader *rd);

#endif
