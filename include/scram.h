/*
 * The server side of SASL SCRAM-SHA-256 (RFC 5802, RFC 7677), pure: it
 * parses the client's messages as hostile input, builds the server's, and
 * checks the proof. Stored hashes are PBKDF2-HMAC-SHA256, which is SCRAM's
 * Hi(), so the SaltedPassword is the first 32 bytes of the stored key and
 * a login costs no PBKDF2 work here. Channel binding is not offered: the
 * GS2 header must be "n,," (no binding, no authorization identity).
 */
#ifndef IRCSERV_SCRAM_H
#define IRCSERV_SCRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

#define SCRAM_MECH              "SCRAM-SHA-256"
/* Longest client nonce and user name taken, and room for each message. */
#define SCRAM_NONCE_MAX         128
#define SCRAM_USER_MAX          63
#define SCRAM_MSG_MAX           512

/* One exchange; the caller owns it and wipes it with scram_clear(). */
struct scram {
	char     user[SCRAM_USER_MAX + 1];      /* decoded name */
	char     first_bare[SCRAM_MSG_MAX];     /* client-first-message-bare */
	char     server_first[SCRAM_MSG_MAX];
	char     nonce[2 * SCRAM_NONCE_MAX + 1]; /* client's, then ours */
	uint8_t  stored_key[CRYPTO_SHA256_LEN];
	uint8_t  server_key[CRYPTO_SHA256_LEN];
	bool     never;                         /* stand-in: no proof passes */
};

/*
 * Take the client-first-message (len bytes, may hold NULs): "n,,n=USER,
 * r=NONCE", nothing else. Sets s->user. Returns 0, or -1 when malformed.
 */
int     scram_client_first(struct scram *s, const char *msg, size_t len);
/*
 * Build the server-first-message into s->server_first (returned) from the
 * account's SaltedPassword (32 bytes), its salt and iteration count, and a
 * server nonce of printable characters without ','. never marks a stand-in
 * for an unknown name: the exchange goes on the same but cannot succeed.
 */
const char *scram_server_first(struct scram *s,
	    const uint8_t salted[CRYPTO_SHA256_LEN], const uint8_t *salt,
	    size_t saltlen, unsigned iterations, const char *snonce, bool never);
/*
 * Check the client-final-message "c=biws,r=NONCE,p=PROOF". On success
 * write the server-final-message "v=SIGNATURE" into out (outsz bytes,
 * at least 64) and return 0; -1 when malformed or the proof is wrong.
 */
int     scram_client_final(struct scram *s, const char *msg, size_t len,
	    char *out, size_t outsz);
/* Wipe s (it holds keys). */
void    scram_clear(struct scram *s);

#endif
