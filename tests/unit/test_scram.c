/*
 * SCRAM-SHA-256 against the example exchange of RFC 7677 section 3, then
 * hostile client messages: every field malformed, missing, repeated or
 * out of order, channel binding, authorization identities, extensions,
 * wrong nonces and proofs, and the stand-in for unknown names.
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
#include "scram.h"

/* RFC 7677 section 3: user "user", password "pencil". */
#define RFC_FIRST       "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
#define RFC_SNONCE      "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define RFC_SALT64      "W22ZaJ0SNY7soEsUEjb6gQ=="
#define RFC_SERVER_FIRST "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
	"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define RFC_FINAL       "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
	"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define RFC_SERVER_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

/* Run the RFC exchange up to the server-first-message. */
static void
rfc_start(struct scram *s, bool never)
{
	uint8_t salt[16], salted[CRYPTO_SHA256_LEN];

	assert_int_equal(crypto_base64_decode(RFC_SALT64, strlen(RFC_SALT64), salt,
	    sizeof(salt)), 16);
	crypto_pbkdf2_sha256("pencil", 6, salt, sizeof(salt), 4096, salted, sizeof(salted));
	assert_int_equal(scram_client_first(s, RFC_FIRST, strlen(RFC_FIRST)), 0);
	assert_string_equal(s->user, "user");
	assert_string_equal(scram_server_first(s, salted, salt, sizeof(salt), 4096,
	    RFC_SNONCE, never), RFC_SERVER_FIRST);
}

static void
test_rfc7677_vector(void **state)
{
	struct scram s;
	char out[128];

	(void)state;
	rfc_start(&s, false);
	assert_int_equal(scram_client_final(&s, RFC_FINAL, strlen(RFC_FINAL), out,
	    sizeof(out)), 0);
	assert_string_equal(out, RFC_SERVER_FINAL);
	scram_clear(&s);
	assert_string_equal(s.user, "");
	/* The same exchange for a stand-in never passes. */
	rfc_start(&s, true);
	assert_int_equal(scram_client_final(&s, RFC_FINAL, strlen(RFC_FINAL), out,
	    sizeof(out)), -1);
}

static void
test_client_first_hostile(void **state)
{
	static const char *const bad[] = {
		"", "n", "n,", "n,,", "y,,n=user,r=abc", "p=tls-unique,,n=user,r=abc",
		"n,a=user,n=user,r=abc", "N,,n=user,r=abc", "n,,r=abc,n=user",
		"n,,n=user", "n,,n=,r=abc", "n,,n=user,r=", "n,,m=ext,n=user,r=abc",
		"n,,n=user,r=abc,x=ext", "n,,n=user,r=abc,", "n,,n=us=er,r=abc",
		"n,,n=us=2,r=abc", "n,,n=us\ter,r=abc", "n,,n=user,r=a b",
		"n,,n=user,r=ab\x7f", ",,n=user,r=abc", "n,,n=user,,r=abc",
		"n,,n=user,r=abc,r=def",
	};
	struct scram s;
	char longname[200], longnonce[300], msg[600];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (scram_client_first(&s, bad[i], strlen(bad[i])) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	/* A NUL inside is refused, not cut. */
	assert_int_equal(scram_client_first(&s, "n,,n=user\0x,r=abc", 17), -1);
	memset(longname, 'u', sizeof(longname) - 1);
	longname[SCRAM_USER_MAX + 1] = '\0';
	snprintf(msg, sizeof(msg), "n,,n=%s,r=abc", longname);
	assert_int_equal(scram_client_first(&s, msg, strlen(msg)), -1);
	longname[SCRAM_USER_MAX] = '\0';
	snprintf(msg, sizeof(msg), "n,,n=%s,r=abc", longname);
	assert_int_equal(scram_client_first(&s, msg, strlen(msg)), 0);
	memset(longnonce, 'x', sizeof(longnonce) - 1);
	longnonce[SCRAM_NONCE_MAX + 1] = '\0';
	snprintf(msg, sizeof(msg), "n,,n=u,r=%s", longnonce);
	assert_int_equal(scram_client_first(&s, msg, strlen(msg)), -1);
	/* Escapes decode. */
	assert_int_equal(scram_client_first(&s, "n,,n=a=2Cb=3Dc,r=abc", 20), 0);
	assert_string_equal(s.user, "a,b=c");
}

static void
test_client_final_hostile(void **state)
{
	static const char *const bad[] = {
		"",
		"c=biws",
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
		/* Another channel binding header. */
		"c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		/* The client's nonce only, or one changed. */
		"c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k1,"
		"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		/* A wrong proof, a short one, bad base64, an extension, order. */
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVA=",
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzb",
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=!!!!",
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,x=1,"
		"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,",
		"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,c=biws,"
		"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	};
	struct scram s;
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rfc_start(&s, false);
		if (scram_client_final(&s, bad[i], strlen(bad[i]), out, sizeof(out)) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	/* Without a server-first-message nothing is accepted. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(scram_client_final(&s, RFC_FINAL, strlen(RFC_FINAL), out,
	    sizeof(out)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7677_vector),
		cmocka_unit_test(test_client_first_hostile),
		cmocka_unit_test(test_client_final_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
