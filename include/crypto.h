/*
 * Password hashing with libc only: SHA-256 (FIPS 180-4), HMAC-SHA256
 * (RFC 2104) and PBKDF2-HMAC-SHA256 (RFC 8018), plus constant-time
 * comparisons. Operator and account passwords are stored as
 *
 *	$pbkdf2-sha256$<iterations>$<salt>$<hash>
 *
 * where salt and hash are standard base64 (RFC 4648 section 4) without
 * '=' padding, the PHC string format's convention. When decoding, '.' is
 * also read as '+', so hashes made by Python passlib ("ab64") verify too.
 */
#ifndef IRCSERV_CRYPTO_H
#define IRCSERV_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SHA256_LEN       32
#define CRYPTO_SHA256_BLOCK     64

/*
 * 200000 iterations take 0.09 s (-O2) on the 2-core Xeon this server was
 * developed on: slow enough that a stolen configuration file costs an
 * attacker dearly per guess, fast enough that an OPER or SASL login
 * stalls the single-threaded server only briefly. (OWASP's 2023 advice
 * for PBKDF2-HMAC-SHA256 is 600000, which we judged too long a stall.)
 */
#define CRYPTO_PBKDF2_ITERATIONS        200000u
/*
 * Iterations accepted when verifying: a hash in the configuration with
 * more than this would stall the server for seconds on every OPER.
 */
#define CRYPTO_PBKDF2_MAX_ITERATIONS    10000000u
/* Bytes of random salt and of derived key in a new hash. */
#define CRYPTO_SALT_LEN         16
#define CRYPTO_KEY_LEN          32
/* Room for any hash crypto_hash_password() writes, NUL included. */
#define CRYPTO_HASH_MAX         128
/* The prefix every stored password hash starts with. */
#define CRYPTO_HASH_PREFIX      "$pbkdf2-sha256$"

/* Incremental SHA-256; the fields are private to crypto.c. */
struct crypto_sha256 {
	uint32_t h[8];
	uint64_t nbytes;
	uint8_t  block[CRYPTO_SHA256_BLOCK];
	size_t   nblock;
};

void    crypto_sha256_init(struct crypto_sha256 *ctx);
void    crypto_sha256_update(struct crypto_sha256 *ctx, const void *data,
	    size_t len);
/* Write the digest to out and wipe ctx. */
void    crypto_sha256_final(struct crypto_sha256 *ctx,
	    uint8_t out[CRYPTO_SHA256_LEN]);
/* One-shot SHA-256 of data. */
void    crypto_sha256(const void *data, size_t len,
	    uint8_t out[CRYPTO_SHA256_LEN]);

#define CRYPTO_SHA1_LEN         20

/*
 * One-shot SHA-1 (FIPS 180-4 section 6.1) of data. Not for secrets: the
 * WebSocket handshake (RFC 6455 section 4.2.2) names it, nothing else
 * here uses it.
 */
void    crypto_sha1(const void *data, size_t len, uint8_t out[CRYPTO_SHA1_LEN]);

/* HMAC-SHA256 (RFC 2104) of msg under key; any key length. */
void    crypto_hmac_sha256(const void *key, size_t keylen, const void *msg,
	    size_t msglen, uint8_t out[CRYPTO_SHA256_LEN]);

/* Bytes of salt and of derived key the PBKDF2 state below can hold. */
#define CRYPTO_PBKDF2_SALT_MAX  64
#define CRYPTO_PBKDF2_OUT_MAX   64

/*
 * PBKDF2 (RFC 8018 section 5.2) with HMAC-SHA256 in steps, so a caller
 * can spread one derivation over many short slices of work: init, then
 * run until it returns true, then finish. The fields are private to
 * crypto.c; the state holds copies, so the caller's password and salt
 * may go away after init.
 */
struct crypto_pbkdf2 {
	struct crypto_sha256 inner, outer;      /* HMAC key states */
	uint8_t  salt[CRYPTO_PBKDF2_SALT_MAX];
	size_t   saltlen;
	uint8_t  u[CRYPTO_SHA256_LEN], t[CRYPTO_SHA256_LEN];
	uint8_t  out[CRYPTO_PBKDF2_OUT_MAX];
	size_t   outlen, done;                  /* bytes wanted, bytes made */
	uint32_t index;                         /* output block in progress */
	unsigned iterations, round;             /* per block; rounds done */
};

/*
 * Start deriving outlen bytes (at most CRYPTO_PBKDF2_OUT_MAX) from the
 * password and a salt of at most CRYPTO_PBKDF2_SALT_MAX bytes, with
 * iterations >= 1. Byte strings, so both may contain NUL.
 */
void    crypto_pbkdf2_init(struct crypto_pbkdf2 *k, const void *password,
	    size_t passlen, const void *salt, size_t saltlen,
	    unsigned iterations, size_t outlen);
/*
 * Run up to max_iterations more HMAC iterations. Returns true once the
 * whole output is derived (then call crypto_pbkdf2_finish()). The total
 * work is iterations times the number of 32-byte output blocks.
 */
bool    crypto_pbkdf2_run(struct crypto_pbkdf2 *k, unsigned max_iterations);
/* Copy the derived outlen bytes to out and wipe the state. */
void    crypto_pbkdf2_finish(struct crypto_pbkdf2 *k, uint8_t *out);
/* The three steps at once, with the same limits. */
void    crypto_pbkdf2_sha256(const void *password, size_t passlen,
	    const void *salt, size_t saltlen, unsigned iterations,
	    uint8_t *out, size_t outlen);

/*
 * Hash password with a 16-byte salt from crypto_random() into out as
 * "$pbkdf2-sha256$<iterations>$<salt>$<hash>". iterations 0 means
 * CRYPTO_PBKDF2_ITERATIONS. Returns 0, or -1 if iterations exceeds
 * CRYPTO_PBKDF2_MAX_ITERATIONS, the salt cannot be read or out is
 * smaller than needed (CRYPTO_HASH_MAX is always enough).
 */
int     crypto_hash_password(const char *password, unsigned iterations,
	    char *out, size_t outsz);
/*
 * Whether encoded is a well-formed hash this module can verify: the
 * prefix, 1..CRYPTO_PBKDF2_MAX_ITERATIONS iterations, a salt of 8..64
 * bytes and a hash of 16..64 bytes. Does not hash anything.
 */
bool    crypto_hash_is_valid(const char *encoded);
/*
 * Whether password matches the stored hash. False on any malformed hash,
 * whatever its content. Takes as long as the hash's iteration count.
 */
bool    crypto_verify_password(const char *password, const char *encoded);

/* A stored hash taken apart (see crypto_hash_parse()). */
struct crypto_hash {
	unsigned iterations;
	uint8_t  salt[CRYPTO_PBKDF2_SALT_MAX];
	size_t   saltlen;
	uint8_t  key[CRYPTO_PBKDF2_OUT_MAX];
	size_t   keylen;
};

/* Split a well-formed hash string into h; 0, or -1 when malformed. */
int     crypto_hash_parse(const char *encoded, struct crypto_hash *h);

/*
 * crypto_verify_password() in steps, for a caller that spreads the work
 * over time: begin, run until it returns true, then end for the answer.
 * The state holds copies of what it needs; private fields.
 */
struct crypto_verify {
	struct crypto_pbkdf2 kdf;
	uint8_t  want[CRYPTO_PBKDF2_OUT_MAX];
	size_t   keylen;
	bool     never;         /* a stand-in check that cannot succeed */
};

/* Start checking password against encoded; -1 when the hash is malformed. */
int     crypto_verify_begin(struct crypto_verify *v, const char *password,
	    const char *encoded);
/*
 * Start a check that costs what one against a hash of the given iteration
 * count (32-byte key) costs, and always fails: the stand-in for a name
 * with no hash, so that it is not told apart by how long it takes.
 */
void    crypto_verify_begin_dummy(struct crypto_verify *v, const char *password,
	    unsigned iterations);
/* Run up to max_iterations more; true when the answer is ready. */
bool    crypto_verify_run(struct crypto_verify *v, unsigned max_iterations);
/* Whether the password matched; wipes the state. Only after run said true. */
bool    crypto_verify_end(struct crypto_verify *v);
/* Give up a check that has not finished; wipes the state. */
void    crypto_verify_cancel(struct crypto_verify *v);

/* Whether n bytes of a and b are equal, in time that depends only on n. */
bool    crypto_equal(const void *a, const void *b, size_t n);
/*
 * Whether the two strings are equal, in time that depends only on the
 * length of attempt: the secret's length is never measured, so a client
 * guessing a password learns nothing from how long a refusal took.
 */
bool    crypto_str_equal(const char *attempt, const char *secret);

/*
 * Decode standard base64 (RFC 4648, '=' padding allowed) of length len
 * into out (max bytes). Returns the byte count, or -1 on malformed input
 * or when it does not fit.
 */
int     crypto_base64_decode(const char *in, size_t len, uint8_t *out, size_t max);

/*
 * Encode len bytes as standard base64 with '=' padding into out (outsz
 * bytes, NUL included). Returns the length, or -1 when it does not fit.
 */
int     crypto_base64_encode(const void *in, size_t len, char *out, size_t outsz);
/* Zero n bytes at p in a way the compiler may not drop (secrets). */
void    crypto_wipe(void *p, size_t n);
/* Fill buf with n bytes from the kernel (getentropy()); 0, or -1 when it cannot. */
int     crypto_random(void *buf, size_t n);

#endif
