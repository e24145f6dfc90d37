/*
 * SHA-256, HMAC-SHA256 and PBKDF2-HMAC-SHA256 in portable C (and SHA-1,
 * for the WebSocket handshake only), and the
 * "$pbkdf2-sha256$" password hash strings built on them. Secrets are
 * compared in constant time and wiped from the stack after use. The only
 * system dependency is getentropy(), for new salts and nonces.
 */
#include "crypto.h"

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

/* FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of
 * the cube roots of the first 64 primes. */
static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";


/*
 * memset() that the compiler may not drop as a dead store: the call goes
 * through a volatile function pointer it cannot see through.
 */
static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;

void
crypto_wipe(void *p, size_t n)
{
	wipe_memset(p, 0, n);
}

static uint32_t
ror32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t
load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* FIPS 180-4 section 6.2.2: process one 64-byte block. */
static void
sha256_compress(uint32_t h[8], const uint8_t block[CRYPTO_SHA256_BLOCK])
{
	uint32_t w[64], a, b, c, d, e, f, g, k, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = load_be32(block + 4 * i);
	for (i = 16; i < 64; i++) {
		t1 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^
		    (w[i - 15] >> 3);
		t2 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^
		    (w[i - 2] >> 10);
		w[i] = w[i - 16] + t1 + w[i - 7] + t2;
	}
	a = h[0], b = h[1], c = h[2], d = h[3];
	e = h[4], f = h[5], g = h[6], k = h[7];
	for (i = 0; i < 64; i++) {
		t1 = k + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) +
		    ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
		t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) +
		    ((a & b) ^ (a & c) ^ (b & c));
		k = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

void
crypto_sha256_init(struct crypto_sha256 *ctx)
{
	/* FIPS 180-4 section 5.3.3. */
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(ctx->h, iv, sizeof(iv));
	ctx->nbytes = 0;
	ctx->nblock = 0;
}

void
crypto_sha256_update(struct crypto_sha256 *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n;

	ctx->nbytes += len;
	while (len > 0) {
		if (ctx->nblock == 0 && len >= CRYPTO_SHA256_BLOCK) {
			sha256_compress(ctx->h, p);
			p += CRYPTO_SHA256_BLOCK;
			len -= CRYPTO_SHA256_BLOCK;
			continue;
		}
		n = CRYPTO_SHA256_BLOCK - ctx->nblock;
		if (n > len)
			n = len;
		memcpy(ctx->block + ctx->nblock, p, n);
		ctx->nblock += n;
		p += n;
		len -= n;
		if (ctx->nblock == CRYPTO_SHA256_BLOCK) {
			sha256_compress(ctx->h, ctx->block);
			ctx->nblock = 0;
		}
	}
}

void
crypto_sha256_final(struct crypto_sha256 *ctx, uint8_t out[CRYPTO_SHA256_LEN])
{
	uint64_t bits = ctx->nbytes * 8;
	int i;

	/* FIPS 180-4 section 5.1.1: 0x80, zeros, then the 64-bit length. */
	ctx->block[ctx->nblock++] = 0x80;
	if (ctx->nblock > CRYPTO_SHA256_BLOCK - 8) {
		memset(ctx->block + ctx->nblock, 0,
		    CRYPTO_SHA256_BLOCK - ctx->nblock);
		sha256_compress(ctx->h, ctx->block);
		ctx->nblock = 0;
	}
	memset(ctx->block + ctx->nblock, 0, CRYPTO_SHA256_BLOCK - ctx->nblock);
	store_be32(ctx->block + 56, (uint32_t)(bits >> 32));
	store_be32(ctx->block + 60, (uint32_t)bits);
	sha256_compress(ctx->h, ctx->block);
	for (i = 0; i < 8; i++)
		store_be32(out + 4 * i, ctx->h[i]);
	crypto_wipe(ctx, sizeof(*ctx));
}

void
crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN])
{
	struct crypto_sha256 ctx;

	crypto_sha256_init(&ctx);
	crypto_sha256_update(&ctx, data, len);
	crypto_sha256_final(&ctx, out);
}

static uint32_t
rol32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

/* FIPS 180-4 section 6.1.2: process one 64-byte block. */
static void
sha1_compress(uint32_t h[5], const uint8_t block[64])
{
	uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = load_be32(block + 4 * i);
	for (; i < 80; i++)
		w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t = rol32(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol32(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void
crypto_sha1(const void *data, size_t len, uint8_t out[CRYPTO_SHA1_LEN])
{
	/* FIPS 180-4 section 5.3.1. */
	uint32_t h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
	const uint8_t *p = data;
	uint8_t tail[128];
	size_t rest = len % 64, n;
	uint64_t bits = (uint64_t)len * 8;

	for (size_t off = 0; off + 64 <= len; off += 64)
		sha1_compress(h, p + off);
	/* Section 5.1.1: the last bytes, 0x80, zeros, the 64-bit length. */
	memset(tail, 0, sizeof(tail));
	memcpy(tail, p + (len - rest), rest);
	tail[rest] = 0x80;
	n = rest + 1 + 8 <= 64 ? 64 : 128;
	store_be32(tail + n - 8, (uint32_t)(bits >> 32));
	store_be32(tail + n - 4, (uint32_t)bits);
	sha1_compress(h, tail);
	if (n == 128)
		sha1_compress(h, tail + 64);
	for (int i = 0; i < 5; i++)
		store_be32(out + 4 * i, h[i]);
}

/*
 * RFC 2104: the inner and outer hash states after absorbing the key
 * XORed with ipad and opad. PBKDF2 computes them once per password
 * instead of once per iteration, which halves its cost.
 */
static void
hmac_prepare(const void *key, size_t keylen, struct crypto_sha256 *inner,
    struct crypto_sha256 *outer)
{
	uint8_t k[CRYPTO_SHA256_BLOCK], pad[CRYPTO_SHA256_BLOCK];
	int i;

	memset(k, 0, sizeof(k));
	if (keylen > CRYPTO_SHA256_BLOCK)
		crypto_sha256(key, keylen, k);
	else if (keylen > 0)
		memcpy(k, key, keylen);
	for (i = 0; i < CRYPTO_SHA256_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	crypto_sha256_init(inner);
	crypto_sha256_update(inner, pad, sizeof(pad));
	for (i = 0; i < CRYPTO_SHA256_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	crypto_sha256_init(outer);
	crypto_sha256_update(outer, pad, sizeof(pad));
	crypto_wipe(k, sizeof(k));
	crypto_wipe(pad, sizeof(pad));
}

/* Finish an HMAC whose prepared states are copied, so they can be reused. */
static void
hmac_finish(const struct crypto_sha256 *inner,
    const struct crypto_sha256 *outer, const void *msg, size_t msglen,
    uint8_t out[CRYPTO_SHA256_LEN])
{
	struct crypto_sha256 ctx = *inner;
	uint8_t digest[CRYPTO_SHA256_LEN];

	crypto_sha256_update(&ctx, msg, msglen);
	crypto_sha256_final(&ctx, digest);
	ctx = *outer;
	crypto_sha256_update(&ctx, digest, sizeof(digest));
	crypto_sha256_final(&ctx, out);
	crypto_wipe(digest, sizeof(digest));
}

void
crypto_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, uint8_t out[CRYPTO_SHA256_LEN])
{
	struct crypto_sha256 inner, outer;

	hmac_prepare(key, keylen, &inner, &outer);
	hmac_finish(&inner, &outer, msg, msglen, out);
	crypto_wipe(&inner, sizeof(inner));
	crypto_wipe(&outer, sizeof(outer));
}

/*
 * RFC 8018 section 5.2, function F, in steps: start block number index of
 * the output (U_1), then go on for up to n more iterations.
 */
static void
pbkdf2_block_start(struct crypto_pbkdf2 *k)
{
	struct crypto_sha256 ctx = k->inner;
	uint8_t be[4];

	/* U_1 = PRF(P, S || INT(i)). */
	store_be32(be, k->index);
	crypto_sha256_update(&ctx, k->salt, k->saltlen);
	crypto_sha256_update(&ctx, be, sizeof(be));
	crypto_sha256_final(&ctx, k->u);
	ctx = k->outer;
	crypto_sha256_update(&ctx, k->u, sizeof(k->u));
	crypto_sha256_final(&ctx, k->u);
	memcpy(k->t, k->u, sizeof(k->u));
	k->round = 1;
}

/* U_c = PRF(P, U_{c-1}); T = U_1 ^ ... ^ U_c. Returns the iterations run. */
static unsigned
pbkdf2_block_step(struct crypto_pbkdf2 *k, unsigned n)
{
	unsigned done = 0;
	int j;

	while (done < n && k->round < k->iterations) {
		hmac_finish(&k->inner, &k->outer, k->u, sizeof(k->u), k->u);
		for (j = 0; j < CRYPTO_SHA256_LEN; j++)
			k->t[j] ^= k->u[j];
		k->round++;
		done++;
	}
	return done;
}

void
crypto_pbkdf2_init(struct crypto_pbkdf2 *k, const void *password,
    size_t passlen, const void *salt, size_t saltlen, unsigned iterations,
    size_t outlen)
{
	assert(saltlen <= sizeof(k->salt) && outlen <= sizeof(k->out));
	assert(iterations >= 1);
	memset(k, 0, sizeof(*k));
	hmac_prepare(password, passlen, &k->inner, &k->outer);
	memcpy(k->salt, salt, saltlen);
	k->saltlen = saltlen;
	k->iterations = iterations;
	k->outlen = outlen;
	k->index = 1;
	if (outlen > 0)
		pbkdf2_block_start(k);
}

bool
crypto_pbkdf2_run(struct crypto_pbkdf2 *k, unsigned max_iterations)
{
	size_t n;

	while (k->done < k->outlen) {
		max_iterations -= pbkdf2_block_step(k, max_iterations);
		if (k->round < k->iterations)
			return false;
		/* The block is complete: keep it and start the next one. */
		n = k->outlen - k->done < sizeof(k->t) ? k->outlen - k->done : sizeof(k->t);
		memcpy(k->out + k->done, k->t, n);
		k->done += n;
		k->index++;
		if (k->done < k->outlen) {
			pbkdf2_block_start(k);
			max_iterations -= max_iterations > 0;
		}
	}
	return true;
}

void
crypto_pbkdf2_finish(struct crypto_pbkdf2 *k, uint8_t *out)
{
	assert(k->done == k->outlen);
	memcpy(out, k->out, k->outlen);
	crypto_wipe(k, sizeof(*k));
}

void
crypto_pbkdf2_sha256(const void *password, size_t passlen, const void *salt,
    size_t saltlen, unsigned iterations, uint8_t *out, size_t outlen)
{
	struct crypto_pbkdf2 k;

	crypto_pbkdf2_init(&k, password, passlen, salt, saltlen, iterations, outlen);
	while (!crypto_pbkdf2_run(&k, UINT_MAX))
		;
	crypto_pbkdf2_finish(&k, out);
}

bool
crypto_equal(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t diff = 0;
	size_t i;

	for (i = 0; i < n; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

bool
crypto_str_equal(const char *attempt, const char *secret)
{
	const volatile unsigned char *a = (const unsigned char *)attempt;
	const volatile unsigned char *s = (const unsigned char *)secret;
	unsigned diff = 0;
	size_t i = 0, j = 0;
	unsigned char c;

	/*
	 * One step per byte of attempt, its NUL included. j walks the secret
	 * but stops on its NUL, so the secret is never read past its end and
	 * its length shapes neither the loop nor a branch: a longer secret
	 * differs at attempt's NUL, a shorter one where its NUL meets a byte.
	 */
	do {
		c = a[i++];
		diff |= (unsigned)(c ^ s[j]);
		j += (size_t)(s[j] != 0);
	} while (c != 0);
	return diff == 0;
}

/* Standard base64 without padding; out needs 4 * ceil(len / 3) + 1 bytes. */
static void
b64_encode(const uint8_t *in, size_t len, char *out)
{
	uint32_t v;
	size_t i, n;

	for (i = 0; i < len; i += 3) {
		n = len - i < 3 ? len - i : 3;
		v = (uint32_t)in[i] << 16;
		if (n > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (n > 2)
			v |= in[i + 2];
		*out++ = b64_alphabet[v >> 18 & 63];
		*out++ = b64_alphabet[v >> 12 & 63];
		if (n > 1)
			*out++ = b64_alphabet[v >> 6 & 63];
		if (n > 2)
			*out++ = b64_alphabet[v & 63];
	}
	*out = '\0';
}

static int
b64_value(char c)
{
	const char *p;

	/* passlib's "ab64" writes '.' where standard base64 has '+'. */
	if (c == '.')
		c = '+';
	if (c == '\0' || (p = strchr(b64_alphabet, c)) == NULL)
		return -1;
	return (int)(p - b64_alphabet);
}

/*
 * Decode the len characters at in (no padding) into out, which holds max
 * bytes. Returns the byte count, or -1 on a bad character, an impossible
 * length, unused bits that are not zero, or too much data.
 */
static int
b64_decode(const char *in, size_t len, uint8_t *out, size_t max)
{
	uint32_t acc = 0;
	size_t i, n = 0;
	int bits = 0, v;

	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		if ((v = b64_value(in[i])) == -1)
			return -1;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == max)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	if ((acc & ((1u << bits) - 1)) != 0)
		return -1;
	return (int)n;
}

/* Parse a decimal without sign, leading zeros or overflow, up to '$'. */
static const char *
parse_iterations(const char *s, unsigned *out)
{
	unsigned long v = 0;

	if (*s < '1' || *s > '9')
		return NULL;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned long)(*s++ - '0');
		if (v > CRYPTO_PBKDF2_MAX_ITERATIONS)
			return NULL;
	}
	if (*s != '$')
		return NULL;
	*out = (unsigned)v;
	return s + 1;
}

int
crypto_hash_parse(const char *encoded, struct crypto_hash *h)
{
	const char *p, *dollar;
	int n;

	if (encoded == NULL || strncmp(encoded, CRYPTO_HASH_PREFIX,
	    strlen(CRYPTO_HASH_PREFIX)) != 0)
		return -1;
	p = encoded + strlen(CRYPTO_HASH_PREFIX);
	if ((p = parse_iterations(p, &h->iterations)) == NULL)
		return -1;
	if ((dollar = strchr(p, '$')) == NULL)
		return -1;
	n = b64_decode(p, (size_t)(dollar - p), h->salt, sizeof(h->salt));
	if (n < 8)
		return -1;
	h->saltlen = (size_t)n;
	p = dollar + 1;
	n = b64_decode(p, strlen(p), h->key, sizeof(h->key));
	if (n < 16)
		return -1;
	h->keylen = (size_t)n;
	return 0;
}

bool
crypto_hash_is_valid(const char *encoded)
{
	struct crypto_hash h;

	return crypto_hash_parse(encoded, &h) == 0;
}

int
crypto_verify_begin(struct crypto_verify *v, const char *password,
    const char *encoded)
{
	struct crypto_hash h;

	if (password == NULL || crypto_hash_parse(encoded, &h) == -1)
		return -1;
	crypto_pbkdf2_init(&v->kdf, password, strlen(password), h.salt,
	    h.saltlen, h.iterations, h.keylen);
	memcpy(v->want, h.key, h.keylen);
	v->keylen = h.keylen;
	v->never = false;
	crypto_wipe(&h, sizeof(h));
	return 0;
}

void
crypto_verify_begin_dummy(struct crypto_verify *v, const char *password,
    unsigned iterations)
{
	static const uint8_t salt[CRYPTO_SALT_LEN];

	crypto_pbkdf2_init(&v->kdf, password, strlen(password), salt,
	    sizeof(salt), iterations ? iterations : 1, CRYPTO_KEY_LEN);
	memset(v->want, 0, sizeof(v->want));
	v->keylen = CRYPTO_KEY_LEN;
	v->never = true;
}

bool
crypto_verify_run(struct crypto_verify *v, unsigned max_iterations)
{
	return crypto_pbkdf2_run(&v->kdf, max_iterations);
}

bool
crypto_verify_end(struct crypto_verify *v)
{
	uint8_t key[CRYPTO_PBKDF2_OUT_MAX];
	bool ok;

	crypto_pbkdf2_finish(&v->kdf, key);
	ok = crypto_equal(key, v->want, v->keylen) && !v->never;
	crypto_wipe(key, sizeof(key));
	crypto_wipe(v, sizeof(*v));
	return ok;
}

void
crypto_verify_cancel(struct crypto_verify *v)
{
	crypto_wipe(v, sizeof(*v));
}

bool
crypto_verify_password(const char *password, const char *encoded)
{
	struct crypto_verify v;

	if (crypto_verify_begin(&v, password, encoded) == -1)
		return false;
	while (!crypto_verify_run(&v, UINT_MAX))
		;
	return crypto_verify_end(&v);
}

int
crypto_random(void *buf, size_t n)
{
	unsigned char *p = buf;
	size_t chunk;

	/* The kernel's generator, without a descriptor: getentropy() gives 256 bytes a call. */
	for (; n > 0; p += chunk, n -= chunk) {
		chunk = n < 256 ? n : 256;
		if (getentropy(p, chunk) == -1)
			return -1;
	}
	return 0;
}

int
crypto_hash_password(const char *password, unsigned iterations, char *out,
    size_t outsz)
{
	uint8_t salt[CRYPTO_SALT_LEN], key[CRYPTO_KEY_LEN];
	char salt64[CRYPTO_SALT_LEN * 2], key64[CRYPTO_KEY_LEN * 2];
	int n;

	if (iterations == 0)
		iterations = CRYPTO_PBKDF2_ITERATIONS;
	if (iterations > CRYPTO_PBKDF2_MAX_ITERATIONS ||
	    crypto_random(salt, sizeof(salt)) == -1)
		return -1;
	crypto_pbkdf2_sha256(password, strlen(password), salt, sizeof(salt),
	    iterations, key, sizeof(key));
	b64_encode(salt, sizeof(salt), salt64);
	b64_encode(key, sizeof(key), key64);
	n = snprintf(out, outsz, "%s%u$%s$%s", CRYPTO_HASH_PREFIX, iterations,
	    salt64, key64);
	crypto_wipe(key, sizeof(key));
	crypto_wipe(key64, sizeof(key64));
	if (n < 0 || (size_t)n >= outsz) {
		if (outsz > 0)
			crypto_wipe(out, outsz);
		return -1;
	}
	return 0;
}

int
crypto_base64_decode(const char *in, size_t len, uint8_t *out, size_t max)
{
	size_t pad = 0;

	/* RFC 4648: padded input comes in whole quads with at most two '='. */
	while (pad < 2 && len > 0 && in[len - 1] == '=') {
		len--;
		pad++;
	}
	if (pad > 0 && (len + pad) % 4 != 0)
		return -1;
	return b64_decode(in, len, out, max);
}

int
crypto_base64_encode(const void *in, size_t len, char *out, size_t outsz)
{
	size_t n = (len + 2) / 3 * 4;

	if (outsz < n + 1)
		return -1;
	b64_encode(in, len, out);
	/* RFC 4648 padding, which b64_encode() leaves out. */
	for (size_t i = strlen(out); i < n; i++)
		out[i] = '=';
	out[n] = '\0';
	return (int)n;
}
