/*
 * SCRAM-SHA-256 server messages (RFC 5802 section 7 grammar). Every field
 * of the client's messages is checked before use; anything unexpected
 * (channel binding, an authorization identity, extensions, a bad escape,
 * a nonce that does not match) fails the exchange. Keys are compared in
 * constant time and wiped by scram_clear().
 */
#include "scram.h"

#include <stdio.h>
#include <string.h>

/* The GS2 header we accept, and its base64 as the client echoes it. */
#define SCRAM_GS2       "n,,"
#define SCRAM_GS2_B64   "biws"

/* Copy the value of "<key>=value" at *p (up to ',' or the end) into out. */
static int
take_attr(const char **p, const char *end, char key, char *out, size_t outsz)
{
	const char *v = *p, *comma;
	size_t n;

	if (end - v < 2 || v[0] != key || v[1] != '=')
		return -1;
	v += 2;
	comma = memchr(v, ',', (size_t)(end - v));
	n = (size_t)((comma ? comma : end) - v);
	if (n == 0 || n >= outsz || memchr(v, '\0', n) != NULL)
		return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	*p = comma ? comma + 1 : end;
	return 0;
}

/* RFC 5802 saslname: "=2C" is ',', "=3D" is '=', no other '=' or controls. */
static int
decode_name(const char *in, char *out, size_t outsz)
{
	size_t o = 0;

	for (; *in; in++) {
		char c = *in;

		if ((unsigned char)c < 0x20 || c == 0x7f)
			return -1;
		if (c == '=') {
			if (strncmp(in, "=2C", 3) == 0)
				c = ',';
			else if (strncmp(in, "=3D", 3) == 0)
				c = '=';
			else
				return -1;
			in += 2;
		}
		if (o + 1 >= outsz)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return o > 0 ? 0 : -1;
}

/* RFC 5802 printable: %x21-2B / %x2D-7E. */
static bool
nonce_is_valid(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e || *s == ',')
			return false;
	return true;
}

int
scram_client_first(struct scram *s, const char *msg, size_t len)
{
	const char *end = msg + len, *p;
	char name[3 * SCRAM_USER_MAX + 1], nonce[SCRAM_NONCE_MAX + 1];
	size_t bare;

	memset(s, 0, sizeof(*s));
	/* No channel binding ("n"), no authorization identity. */
	if (len < strlen(SCRAM_GS2) || memcmp(msg, SCRAM_GS2, strlen(SCRAM_GS2)) != 0)
		return -1;
	p = msg + strlen(SCRAM_GS2);
	bare = (size_t)(end - p);
	if (bare >= sizeof(s->first_bare) || memchr(p, '\0', bare) != NULL)
		return -1;
	/* n=USER,r=NONCE and nothing after: "m=" and extensions are refused. */
	if (take_attr(&p, end, 'n', name, sizeof(name)) == -1 ||
	    take_attr(&p, end, 'r', nonce, sizeof(nonce)) == -1 || p != end ||
	    end[-1] == ',' || decode_name(name, s->user, sizeof(s->user)) == -1 ||
	    !nonce_is_valid(nonce))
		return -1;
	memcpy(s->first_bare, msg + strlen(SCRAM_GS2), bare);
	s->first_bare[bare] = '\0';
	snprintf(s->nonce, sizeof(s->nonce), "%s", nonce);
	return 0;
}

const char *
scram_server_first(struct scram *s, const uint8_t salted[CRYPTO_SHA256_LEN],
    const uint8_t *salt, size_t saltlen, unsigned iterations,
    const char *snonce, bool never)
{
	uint8_t client_key[CRYPTO_SHA256_LEN];
	char salt64[CRYPTO_PBKDF2_SALT_MAX * 2];
	size_t n = strlen(s->nonce);

	/* RFC 5802 section 3: StoredKey = H(HMAC(SaltedPassword, "Client Key")). */
	crypto_hmac_sha256(salted, CRYPTO_SHA256_LEN, "Client Key", 10, client_key);
	crypto_sha256(client_key, sizeof(client_key), s->stored_key);
	crypto_hmac_sha256(salted, CRYPTO_SHA256_LEN, "Server Key", 10, s->server_key);
	crypto_wipe(client_key, sizeof(client_key));
	s->never = never;
	snprintf(s->nonce + n, sizeof(s->nonce) - n, "%s", snonce);
	crypto_base64_encode(salt, saltlen, salt64, sizeof(salt64));
	snprintf(s->server_first, sizeof(s->server_first), "r=%s,s=%s,i=%u",
	    s->nonce, salt64, iterations);
	return s->server_first;
}

/* HMAC(key, client-first-bare "," server-first "," final-without-proof). */
static void
auth_signature(const struct scram *s, const uint8_t key[CRYPTO_SHA256_LEN],
    const char *final, size_t finallen, uint8_t out[CRYPTO_SHA256_LEN])
{
	char msg[3 * SCRAM_MSG_MAX];
	int n = snprintf(msg, sizeof(msg), "%s,%s,%.*s", s->first_bare,
	    s->server_first, (int)finallen, final);

	crypto_hmac_sha256(key, CRYPTO_SHA256_LEN, msg, (size_t)n, out);
}

int
scram_client_final(struct scram *s, const char *msg, size_t len, char *out,
    size_t outsz)
{
	const char *end = msg + len, *p = msg, *proof_at;
	char cb[8], nonce[sizeof(s->nonce)], proof64[64];
	uint8_t proof[CRYPTO_SHA256_LEN + 1], sig[CRYPTO_SHA256_LEN], key[CRYPTO_SHA256_LEN];
	bool ok;

	if (s->server_first[0] == '\0' || len >= SCRAM_MSG_MAX || memchr(msg, '\0', len))
		return -1;
	if (take_attr(&p, end, 'c', cb, sizeof(cb)) == -1 || strcmp(cb, SCRAM_GS2_B64) != 0 ||
	    take_attr(&p, end, 'r', nonce, sizeof(nonce)) == -1 || strcmp(nonce, s->nonce) != 0)
		return -1;
	proof_at = p;
	if (take_attr(&p, end, 'p', proof64, sizeof(proof64)) == -1 || p != end ||
	    end[-1] == ',' || crypto_base64_decode(proof64, strlen(proof64), proof,
	    sizeof(proof)) != CRYPTO_SHA256_LEN)
		return -1;
	/* ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); H(ClientKey) must be StoredKey. */
	auth_signature(s, s->stored_key, msg, (size_t)(proof_at - 1 - msg), sig);
	for (size_t i = 0; i < CRYPTO_SHA256_LEN; i++)
		proof[i] ^= sig[i];
	crypto_sha256(proof, CRYPTO_SHA256_LEN, key);
	ok = crypto_equal(key, s->stored_key, sizeof(key)) && !s->never;
	crypto_wipe(proof, sizeof(proof));
	crypto_wipe(key, sizeof(key));
	if (!ok)
		return -1;
	auth_signature(s, s->server_key, msg, (size_t)(proof_at - 1 - msg), sig);
	memcpy(out, "v=", 3);
	return crypto_base64_encode(sig, sizeof(sig), out + 2, outsz - 2) == -1 ? -1 : 0;
}

void
scram_clear(struct scram *s)
{
	crypto_wipe(s, sizeof(*s));
}
