/*
 * Unit tests for crypto.c against published vectors: SHA-256 (FIPS 180-2
 * appendix B and the NIST examples), HMAC-SHA256 (RFC 4231) and
 * PBKDF2-HMAC-SHA256 (the vectors of draft-josefsson-pbkdf2-test-vectors
 * recomputed for SHA-256); then the password hash strings, including
 * hostile ones, and the constant-time comparisons.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"

/* Lower-case hex of n bytes, into a static-sized buffer of the caller. */
static void
hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void
assert_digest(const uint8_t *p, size_t n, const char *want)
{
	char got[2 * 64 + 1];

	assert_true(n <= 64);
	hex(p, n, got);
	assert_string_equal(got, want);
}

static void
test_sha256_vectors(void **state)
{
	static const struct {
		const char *msg;
		const char *digest;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		/* 448 bits: the padding needs a second block. */
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		/* 896 bits. */
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	uint8_t out[CRYPTO_SHA256_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		crypto_sha256(v[i].msg, strlen(v[i].msg), out);
		assert_digest(out, sizeof(out), v[i].digest);
	}
}

static void
test_sha256_million_a(void **state)
{
	struct crypto_sha256 ctx;
	uint8_t out[CRYPTO_SHA256_LEN];
	char chunk[1000];

	(void)state;
	memset(chunk, 'a', sizeof(chunk));
	crypto_sha256_init(&ctx);
	for (int i = 0; i < 1000; i++)
		crypto_sha256_update(&ctx, chunk, sizeof(chunk));
	crypto_sha256_final(&ctx, out);
	assert_digest(out, sizeof(out),
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Feeding in pieces of any size gives the one-shot digest. */
static void
test_sha256_incremental(void **state)
{
	uint8_t msg[300], one[CRYPTO_SHA256_LEN], parts[CRYPTO_SHA256_LEN];
	static const size_t steps[] = { 1, 3, 55, 56, 63, 64, 65, 127 };
	struct crypto_sha256 ctx;

	(void)state;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 1);
	for (size_t len = 0; len <= sizeof(msg); len += 1 + len / 8) {
		crypto_sha256(msg, len, one);
		for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			crypto_sha256_init(&ctx);
			for (size_t off = 0; off < len; off += steps[s])
				crypto_sha256_update(&ctx, msg + off,
				    len - off < steps[s] ? len - off : steps[s]);
			crypto_sha256_final(&ctx, parts);
			assert_memory_equal(one, parts, sizeof(one));
		}
	}
}

/* RFC 4231 section 4; case 5 checks truncated output, which we lack. */
static void
test_hmac_rfc4231(void **state)
{
	uint8_t k20b[20], k20a[20], k131[131], k25[25], d50d[50], d50c[50];
	const struct {
		const void *key;
		size_t keylen;
		const void *data;
		size_t datalen;
		const char *mac;
	} v[] = {
		{ k20b, 20, "Hi There", 8,
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
		{ "Jefe", 4, "what do ya want for nothing?", 28,
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ k20a, 20, d50d, 50,
		  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
		{ k25, 25, d50c, 50,
		  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
		{ k131, 131, "Test Using Larger Than Block-Size Key - Hash Key First",
		  54,
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
		{ k131, 131, "This is a test using a larger than block-size key and "
		  "a larger than block-size data. The key needs to be hashed "
		  "before being used by the HMAC algorithm.", 152,
		  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
	};
	uint8_t out[CRYPTO_SHA256_LEN];

	(void)state;
	memset(k20b, 0x0b, sizeof(k20b));
	memset(k20a, 0xaa, sizeof(k20a));
	memset(k131, 0xaa, sizeof(k131));
	memset(d50d, 0xdd, sizeof(d50d));
	memset(d50c, 0xcd, sizeof(d50c));
	for (size_t i = 0; i < sizeof(k25); i++)
		k25[i] = (uint8_t)(i + 1);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		crypto_hmac_sha256(v[i].key, v[i].keylen, v[i].data,
		    v[i].datalen, out);
		assert_digest(out, sizeof(out), v[i].mac);
	}
}

/* RFC 8018 PBKDF2-HMAC-SHA256 vectors. */
static const struct {
	const char *pw;
	size_t pwlen;
	const char *salt;
	size_t saltlen;
	unsigned c;
	size_t dklen;
	const char *dk;
} pbkdf2_v[] = {
	{ "password", 8, "salt", 4, 1, 32,
	  "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b" },
	{ "password", 8, "salt", 4, 2, 32,
	  "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43" },
	{ "password", 8, "salt", 4, 4096, 32,
	  "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a" },
	/* Two output blocks, the second one truncated. */
	{ "passwordPASSWORDpassword", 24,
	  "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36, 4096, 40,
	  "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1"
	  "c635518c7dac47e9" },
	/* NUL bytes inside password and salt count. */
	{ "pass\0word", 9, "sa\0lt", 5, 4096, 16,
	  "89b69d0516f829893c696226650a8687" },
};

static void
test_pbkdf2_vectors(void **state)
{
	uint8_t out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(pbkdf2_v) / sizeof(pbkdf2_v[0]); i++) {
		crypto_pbkdf2_sha256(pbkdf2_v[i].pw, pbkdf2_v[i].pwlen, pbkdf2_v[i].salt,
		    pbkdf2_v[i].saltlen, pbkdf2_v[i].c, out, pbkdf2_v[i].dklen);
		assert_digest(out, pbkdf2_v[i].dklen, pbkdf2_v[i].dk);
	}
}

/*
 * The same vectors in slices of every size from 1 iteration up: the
 * result never depends on how the work was cut, and the number of calls
 * is what the slice size says (iterations per block times blocks).
 */
static void
test_pbkdf2_sliced(void **state)
{
	static const unsigned slices[] = { 1, 2, 3, 7, 1000, 4095, 4096, 5000 };
	struct crypto_pbkdf2 k;
	uint8_t out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(pbkdf2_v) / sizeof(pbkdf2_v[0]); i++) {
		size_t blocks = (pbkdf2_v[i].dklen + 31) / 32;

		for (size_t j = 0; j < sizeof(slices) / sizeof(slices[0]); j++) {
			unsigned calls = 1, work = pbkdf2_v[i].c * (unsigned)blocks;

			crypto_pbkdf2_init(&k, pbkdf2_v[i].pw, pbkdf2_v[i].pwlen,
			    pbkdf2_v[i].salt, pbkdf2_v[i].saltlen, pbkdf2_v[i].c,
			    pbkdf2_v[i].dklen);
			while (!crypto_pbkdf2_run(&k, slices[j])) {
				calls++;
				assert_true(calls <= work);
			}
			/* Block starts are counted too: never more calls than work / slice + 1. */
			assert_true(calls <= work / slices[j] + 1);
			crypto_pbkdf2_finish(&k, out);
			assert_digest(out, pbkdf2_v[i].dklen, pbkdf2_v[i].dk);
		}
	}
}

/* Verification in steps agrees with the one-shot check; the stand-in never passes. */
static void
test_verify_steps(void **state)
{
	char hash[CRYPTO_HASH_MAX];
	struct crypto_verify v;
	unsigned calls;

	(void)state;
	assert_int_equal(crypto_hash_password("right", 3000, hash, sizeof(hash)), 0);
	assert_int_equal(crypto_verify_begin(&v, "right", hash), 0);
	for (calls = 1; !crypto_verify_run(&v, 1000); calls++)
		;
	assert_int_equal(calls, 3);
	assert_true(crypto_verify_end(&v));
	assert_int_equal(crypto_verify_begin(&v, "wrong", hash), 0);
	while (!crypto_verify_run(&v, 999))
		;
	assert_false(crypto_verify_end(&v));
	assert_int_equal(crypto_verify_begin(&v, "right", "$pbkdf2-sha256$0$AAAA$AAAA"), -1);
	assert_int_equal(crypto_verify_begin(&v, NULL, hash), -1);
	/* The stand-in costs the iterations it was given, and fails whatever the password. */
	crypto_verify_begin_dummy(&v, "", 3000);
	for (calls = 1; !crypto_verify_run(&v, 1000); calls++)
		;
	assert_int_equal(calls, 3);
	assert_false(crypto_verify_end(&v));
}

static void
test_hash_roundtrip(void **state)
{
	char a[CRYPTO_HASH_MAX], b[CRYPTO_HASH_MAX];
	unsigned iter;
	char salt[64], key[64];

	(void)state;
	assert_int_equal(crypto_hash_password("change-me", 1000, a, sizeof(a)), 0);
	assert_int_equal(crypto_hash_password("change-me", 1000, b, sizeof(b)), 0);
	/* Fresh salt each time. */
	assert_string_not_equal(a, b);
	assert_int_equal(sscanf(a, "$pbkdf2-sha256$%u$%63[^$]$%63s", &iter,
	    salt, key), 3);
	assert_int_equal(iter, 1000);
	/* 16 and 32 bytes in unpadded base64. */
	assert_int_equal(strlen(salt), 22);
	assert_int_equal(strlen(key), 43);
	assert_true(crypto_hash_is_valid(a));
	assert_true(crypto_verify_password("change-me", a));
	assert_true(crypto_verify_password("change-me", b));
	assert_false(crypto_verify_password("change-mE", a));
	assert_false(crypto_verify_password("change-me ", a));
	assert_false(crypto_verify_password("", a));
	assert_false(crypto_verify_password(NULL, a));
}

static void
test_hash_default_iterations(void **state)
{
	char h[CRYPTO_HASH_MAX];

	(void)state;
	assert_int_equal(crypto_hash_password("pw", 0, h, sizeof(h)), 0);
	assert_int_equal(strncmp(h, "$pbkdf2-sha256$200000$", 22), 0);
	assert_true(crypto_verify_password("pw", h));
}

static void
test_hash_errors(void **state)
{
	char h[CRYPTO_HASH_MAX];

	(void)state;
	assert_int_equal(crypto_hash_password("pw",
	    CRYPTO_PBKDF2_MAX_ITERATIONS + 1, h, sizeof(h)), -1);
	/* Too small a buffer fails rather than truncating. */
	assert_int_equal(crypto_hash_password("pw", 10, h, 40), -1);
	assert_int_equal(crypto_hash_password("pw", 10, h, 0), -1);
}

/* Hashes made elsewhere: Python hashlib, and passlib's '.' for '+'. */
static void
test_hash_foreign(void **state)
{
	static const char *std = "$pbkdf2-sha256$1000$++++++++++++++++++++AQ$"
	    "knYzfOmOC6GztGuF7Ct+rkVYOoU8um3zrvuk8UUhfos";
	static const char *ab64 = "$pbkdf2-sha256$1000$....................AQ$"
	    "knYzfOmOC6GztGuF7Ct.rkVYOoU8um3zrvuk8UUhfos";

	(void)state;
	assert_true(crypto_verify_password("open sesame", std));
	assert_true(crypto_verify_password("open sesame", ab64));
	assert_false(crypto_verify_password("open sesamE", ab64));
}

/* Malformed hashes are refused without hashing or crashing. */
static void
test_hash_hostile(void **state)
{
	static const char *bad[] = {
		"",
		"$",
		"$pbkdf2-sha256$",
		"$pbkdf2-sha256$1000$",
		"$pbkdf2-sha256$1000$AAAAAAAAAAA$",
		"$pbkdf2-sha512$1000$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"pbkdf2-sha256$1000$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		/* Iterations: zero, sign, leading zero, too many, overflow. */
		"$pbkdf2-sha256$0$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$pbkdf2-sha256$+1000$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$pbkdf2-sha256$-1000$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$pbkdf2-sha256$01000$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$pbkdf2-sha256$ 1000$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$pbkdf2-sha256$10000001$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$pbkdf2-sha256$99999999999999999999999$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$pbkdf2-sha256$1e3$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		/* Salt: 7 bytes, a bad character, padding, impossible length. */
		"$pbkdf2-sha256$1000$AAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$pbkdf2-sha256$1000$AAAAA*AAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$pbkdf2-sha256$1000$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA",
		"$pbkdf2-sha256$1000$AAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		/* Salt with unused bits set ('B' ends in 1). */
		"$pbkdf2-sha256$1000$AAAAAAAAAAB$AAAAAAAAAAAAAAAAAAAAAA",
		/* Hash: 15 bytes, 65 bytes, extra field, spaces. */
		"$pbkdf2-sha256$1000$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAA",
		"$pbkdf2-sha256$1000$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$pbkdf2-sha256$1000$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA$",
		"$pbkdf2-sha256$1000$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA ",
		" $pbkdf2-sha256$1000$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$pbkdf2-sha256$1000$AAAAAAAAAAA$AAAAAAAAAA\x80" "AAAAAAAAAAA",
		"change-me",
	};

	(void)state;
	/* The shortest valid one, to show the bad ones fail for their flaw. */
	assert_true(crypto_hash_is_valid(
	    "$pbkdf2-sha256$1000$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA"));
	assert_true(crypto_hash_is_valid(
	    "$pbkdf2-sha256$10000000$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA"));
	/* The longest: 64 bytes of salt and of hash. */
	assert_true(crypto_hash_is_valid("$pbkdf2-sha256$1$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (crypto_hash_is_valid(bad[i]) ||
		    crypto_verify_password("", bad[i]))
			fail_msg("bad hash %zu accepted: %s", i, bad[i]);
	}
	assert_false(crypto_hash_is_valid(NULL));
	assert_false(crypto_verify_password("x", NULL));
}

/* Random bytes after the prefix: no crash, no read past the string. */
static void
test_hash_garbage(void **state)
{
	char s[80];
	unsigned seed = 12345;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		size_t len = 15 + (seed = seed * 1103515245 + 12345) % 60, j;

		memcpy(s, "$pbkdf2-sha256$", 15);
		for (j = 15; j < len; j++) {
			seed = seed * 1103515245 + 12345;
			s[j] = "0123456789$AB+/.=a \x01\xff"[(seed >> 16) % 21];
		}
		s[len] = '\0';
		/* Keep the work small if garbage happens to be valid. */
		if (crypto_hash_is_valid(s) && strtoul(s + 15, NULL, 10) > 100000)
			continue;
		(void)crypto_verify_password("x", s);
	}
}

static void
test_equal(void **state)
{
	(void)state;
	assert_true(crypto_equal("abcdef", "abcdef", 6));
	assert_false(crypto_equal("abcdef", "abcdeg", 6));
	assert_false(crypto_equal("xbcdef", "abcdef", 6));
	assert_true(crypto_equal("a", "b", 0));
}

static void
test_str_equal(void **state)
{
	static const struct {
		const char *attempt, *secret;
		bool equal;
	} v[] = {
		{ "", "", true },
		{ "a", "", false },
		{ "", "a", false },
		{ "secret", "secret", true },
		{ "secreT", "secret", false },
		{ "secre", "secret", false },
		{ "secrets", "secret", false },
		{ "s", "secret", false },
		{ "secretsecret", "secret", false },
		{ "\xff\x80", "\xff\x80", true },
		{ "\xff\x80", "\xff\x81", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (crypto_str_equal(v[i].attempt, v[i].secret) != v[i].equal)
			fail_msg("\"%s\" vs \"%s\": expected %s", v[i].attempt,
			    v[i].secret, v[i].equal ? "equal" : "different");
	}
}

/* FIPS 180-2 appendix A and the NIST examples; RFC 6455 section 1.3. */
static void
test_sha1_vectors(void **state)
{
	static const struct {
		const char *msg;
		const char *digest;
	} v[] = {
		{ "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
		{ "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "a49b2446a02c645bf419f995b67091253a04a259" },
		{ "The quick brown fox jumps over the lazy dog",
		  "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12" },
		/* 55 and 56 bytes: the length fits in the last block, or not. */
		{ "0123456789012345678901234567890123456789012345678901234",
		  "9f3a4ce7f66b1b74c34da2c5d732c39f81e0f8df" },
		{ "01234567890123456789012345678901234567890123456789012345",
		  "0a40b8fbdaafb7c29651618ac15d27e772287130" },
		{ "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11",
		  "b37a4f2cc0624f1690f64606cf385945b2bec4ea" },
	};
	uint8_t out[CRYPTO_SHA1_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		crypto_sha1(v[i].msg, strlen(v[i].msg), out);
		assert_digest(out, sizeof(out), v[i].digest);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_sha1_vectors),
		cmocka_unit_test(test_sha256_million_a),
		cmocka_unit_test(test_sha256_incremental),
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_pbkdf2_vectors),
		cmocka_unit_test(test_pbkdf2_sliced),
		cmocka_unit_test(test_verify_steps),
		cmocka_unit_test(test_hash_roundtrip),
		cmocka_unit_test(test_hash_default_iterations),
		cmocka_unit_test(test_hash_errors),
		cmocka_unit_test(test_hash_foreign),
		cmocka_unit_test(test_hash_hostile),
		cmocka_unit_test(test_hash_garbage),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_str_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
