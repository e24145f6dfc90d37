/*
 * SASL PLAIN and the account capabilities through the core: negotiation,
 * every AUTHENTICATE numeric, and how a login shows in WHOIS, WHOX,
 * extended-join, account-notify and account-tag. Also cap-notify when a
 * rehash adds or removes the accounts that make sasl available.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client.h"
#include "config.h"
#include "config_file.h"
#include "crypto.h"
#include "fake.h"
#include "hashq.h"
#include "server.h"

static char conf_text[512];

/* A server whose configuration has the account "bob" with password "pw". */
static int
setup(void **state)
{
	struct server *srv = fake_server();
	char hash[CRYPTO_HASH_MAX], err[256];

	/* Few iterations: the test is about the protocol, not the hash. */
	assert_int_equal(crypto_hash_password("pw", 1000, hash, sizeof(hash)), 0);
	snprintf(conf_text, sizeof(conf_text), "account bob {\n\tpassword = %s\n}\n", hash);
	if (config_parse_string(&srv->cfg, conf_text, "test.conf", err, sizeof(err)) == -1)
		fail_msg("%s", err);
	*state = srv;
	return 0;
}

static int
teardown(void **state)
{
	fake_free(*state);
	return 0;
}

/* Standard base64 of n bytes into out, which has room for it (crypto.h). */
static void
b64(const char *in, size_t n, char *out)
{
	assert_true(crypto_base64_encode(in, n, out, 4 * ((n + 2) / 3) + 1) >= 0);
}

/* A client that negotiated sasl (and caps), not yet registered. */
static struct client *
sasl_client(struct server *srv, const char *caps)
{
	struct client *cli = fake_client(srv, "127.0.0.1");

	fake_line(srv, cli, "CAP LS 302");
	fake_linef(srv, cli, "CAP REQ :%s", caps);
	fake_expect_has(cli, " ACK :");
	return cli;
}

static void
authenticate(struct server *srv, struct client *cli, const char *user, const char *pw)
{
	char plain[128], enc[256];
	int n = snprintf(plain, sizeof(plain), "%c%s%c%s", '\0', user, '\0', pw);

	b64(plain, (size_t)n, enc);
	fake_line(srv, cli, "AUTHENTICATE PLAIN");
	fake_expect(cli, "AUTHENTICATE +\r\n");
	fake_linef(srv, cli, "AUTHENTICATE %s", enc);
	fake_work(srv);
}

static void
finish_registration(struct server *srv, struct client *cli, const char *nick)
{
	fake_line(srv, cli, "PASS " FAKE_PASSWORD);
	fake_linef(srv, cli, "NICK %s", nick);
	fake_line(srv, cli, "USER u 0 * :Real Name");
	fake_line(srv, cli, "CAP END");
	fake_expect_has(cli, " 001 ");
}

static void
test_sasl_advertised(void **state)
{
	struct server *srv = *state;
	struct client *a = fake_client(srv, "127.0.0.1");
	struct client *b = fake_client(srv, "127.0.0.1");

	fake_line(srv, a, "CAP LS 302");
	fake_expect_has(a, " sasl=PLAIN,SCRAM-SHA-256 ");
	/* The version a client announced sticks (ircv3.net: CAP LS 302). */
	fake_line(srv, a, "CAP LS");
	fake_expect_has(a, " sasl=PLAIN,SCRAM-SHA-256 ");
	/* 3.1 clients get names without values. */
	fake_line(srv, b, "CAP LS");
	fake_expect_has(b, " sasl ");
}

static void
test_sasl_not_offered_without_accounts(void **state)
{
	struct server *srv = fake_server();
	struct client *a = fake_client(srv, "127.0.0.1");
	char *out;

	(void)state;
	fake_line(srv, a, "CAP LS 302");
	out = fake_take_output(a);
	assert_null(strstr(out, "sasl"));
	free(out);
	fake_line(srv, a, "CAP REQ :sasl");
	fake_expect(a, ":irc.local CAP * NAK :sasl\r\n");
	fake_free(srv);
}

static void
test_sasl_plain_success(void **state)
{
	struct server *srv = *state;
	struct client *a = sasl_client(srv, "sasl");

	authenticate(srv, a, "bob", "pw");
	fake_expect(a,
	    ":irc.local 900 * *!*@127.0.0.1 bob :You are now logged in as bob\r\n"
	    ":irc.local 903 * :SASL authentication successful\r\n");
	assert_string_equal(client_account(a), "bob");
	fake_line(srv, a, "AUTHENTICATE PLAIN");
	fake_expect(a, ":irc.local 907 * :You have already authenticated using SASL\r\n");
	finish_registration(srv, a, "robert");
	fake_line(srv, a, "WHOIS robert");
	fake_expect_has(a, ":irc.local 330 robert robert bob :is logged in as\r\n");
	fake_line(srv, a, "WHO robert %na");
	fake_expect_has(a, ":irc.local 354 robert robert bob\r\n");
}

static void
test_sasl_failures(void **state)
{
	struct server *srv = *state;
	struct client *a = sasl_client(srv, "sasl");
	struct client *plain = fake_client(srv, "127.0.0.1");
	char big[402];

	authenticate(srv, a, "bob", "wrong");
	fake_expect(a, ":irc.local 904 * :SASL authentication failed\r\n");
	authenticate(srv, a, "nobody", "pw");
	fake_expect(a, ":irc.local 904 * :SASL authentication failed\r\n");
	authenticate(srv, a, "", "pw");
	fake_expect(a, ":irc.local 904 * :SASL authentication failed\r\n");
	fake_line(srv, a, "AUTHENTICATE EXTERNAL");
	fake_expect(a, ":irc.local 908 * PLAIN,SCRAM-SHA-256 :are available SASL mechanisms\r\n"
	    ":irc.local 904 * :SASL authentication failed\r\n");
	fake_line(srv, a, "AUTHENTICATE PLAIN");
	fake_line(srv, a, "AUTHENTICATE *");
	fake_expect(a, "AUTHENTICATE +\r\n:irc.local 906 * :SASL authentication aborted\r\n");
	fake_line(srv, a, "AUTHENTICATE PLAIN");
	fake_drop_output(a);
	memset(big, 'A', 401);
	big[401] = '\0';
	fake_linef(srv, a, "AUTHENTICATE %s", big);
	fake_expect(a, ":irc.local 905 * :SASL message too long\r\n");
	fake_line(srv, a, "AUTHENTICATE PLAIN");
	fake_drop_output(a);
	fake_line(srv, a, "AUTHENTICATE !!!notbase64");
	fake_expect(a, ":irc.local 904 * :SASL authentication failed\r\n");
	assert_string_equal(client_account(a), "");
	/* Without CAP REQ :sasl. */
	fake_line(srv, plain, "AUTHENTICATE PLAIN");
	fake_expect(plain, ":irc.local 904 * :SASL authentication failed\r\n");
}

static void
test_sasl_chunked(void **state)
{
	struct server *srv = *state;
	struct client *a = sasl_client(srv, "sasl");
	char plain[400], enc[600], chunk[401];
	int n;

	/* authzid = authcid, then a payload of exactly 400 base64 bytes + "+". */
	memset(plain, 0, sizeof(plain));
	n = snprintf(plain, sizeof(plain), "bob%cbob%cpw", '\0', '\0');
	/* Pad the password side with nothing: build a 300-byte payload. */
	b64(plain, 300, enc);
	assert_int_equal(strlen(enc), 400);
	(void)n;
	fake_line(srv, a, "AUTHENTICATE PLAIN");
	fake_drop_output(a);
	memcpy(chunk, enc, 400);
	chunk[400] = '\0';
	fake_linef(srv, a, "AUTHENTICATE %s", chunk);
	fake_expect(a, "");
	fake_line(srv, a, "AUTHENTICATE +");
	fake_work(srv);
	/* The password is "pw" followed by NULs: not the account's password. */
	fake_expect(a, ":irc.local 904 * :SASL authentication failed\r\n");
}

/*
 * A message of exactly 1200 base64 bytes (3 chunks of 400) and "+" is the
 * longest taken: it is processed. One byte more fails with 904, and the
 * rest of a long message (400 kB here) is dropped without an answer per
 * chunk, so the client can start again at once.
 */
static void
test_sasl_longest_and_too_long(void **state)
{
	struct server *srv = *state;
	struct client *a = sasl_client(srv, "sasl");
	char plain[900], enc[1300], hash[CRYPTO_HASH_MAX], conf[1024], err[256];
	char pw[895];

	/* authzid "" NUL "long" NUL 894 bytes of password: 900 bytes, 1200 in base64. */
	memset(pw, 'x', sizeof(pw) - 1);
	pw[sizeof(pw) - 1] = '\0';
	assert_int_equal(crypto_hash_password(pw, 1000, hash, sizeof(hash)), 0);
	/* Accounts in the text replace those configured: keep bob. */
	snprintf(conf, sizeof(conf), "%saccount long {\n\tpassword = %s\n}\n", conf_text, hash);
	if (config_parse_string(&srv->cfg, conf, "test.conf", err, sizeof(err)) == -1)
		fail_msg("%s", err);
	plain[0] = '\0';
	memcpy(plain + 1, "long", 4);
	plain[5] = '\0';
	memcpy(plain + 6, pw, 894);
	b64(plain, 900, enc);
	assert_int_equal(strlen(enc), 1200);
	fake_line(srv, a, "AUTHENTICATE PLAIN");
	fake_drop_output(a);
	for (int i = 0; i < 3; i++)
		fake_linef(srv, a, "AUTHENTICATE %.400s", enc + 400 * i);
	fake_expect(a, "");
	fake_line(srv, a, "AUTHENTICATE +");
	fake_work(srv);
	fake_expect_has(a, " 903 * :SASL authentication successful\r\n");
	assert_string_equal(client_account(a), "long");

	a = sasl_client(srv, "sasl");
	fake_line(srv, a, "AUTHENTICATE PLAIN");
	fake_drop_output(a);
	for (int i = 0; i < 3; i++)
		fake_linef(srv, a, "AUTHENTICATE %.400s", enc + 400 * i);
	fake_line(srv, a, "AUTHENTICATE QQ");
	fake_expect(a, ":irc.local 904 * :SASL authentication failed\r\n");
	assert_int_equal(hashq_count(srv->hashq), 0);

	/* irctest's 400 kB: a first chunk, then 1000 more of 400 bytes. */
	a = sasl_client(srv, "sasl");
	fake_line(srv, a, "AUTHENTICATE PLAIN");
	fake_drop_output(a);
	for (int i = 0; i < 1001; i++)
		fake_linef(srv, a, "AUTHENTICATE %.400s", enc);
	fake_expect(a, ":irc.local 904 * :SASL authentication failed\r\n");
	assert_true(a->local->extra == NULL || a->local->extra->sasl_buf == NULL);
	fake_line(srv, a, "AUTHENTICATE +");
	fake_expect(a, "");
	/* Not stuck: a new exchange starts and succeeds. */
	authenticate(srv, a, "bob", "pw");
	fake_expect_has(a, " 903 * :SASL authentication successful\r\n");
	/* A chunk over 400 bytes is 905, as before. */
	a = sasl_client(srv, "sasl");
	fake_line(srv, a, "AUTHENTICATE PLAIN");
	fake_drop_output(a);
	fake_linef(srv, a, "AUTHENTICATE %.401s", enc);
	fake_expect(a, ":irc.local 905 * :SASL message too long\r\n");
}

/*
 * The client side of SCRAM-SHA-256 for the tests: send client-first,
 * answer the server-first with a proof for pw. Returns the server-first
 * (decoded) in sfirst. The exchange's next output is left queued.
 */
static void
scram_login(struct server *srv, struct client *cli, const char *user, const char *pw,
    char *sfirst, size_t sfirstsz)
{
	char first[128], enc[512], *out, *arg, salt64[64], nonce[256], final[512], msg[1024];
	uint8_t salt[64], salted[32], ckey[32], skey[32], sig[32], proof[32];
	unsigned iter;
	int n, m;

	fake_line(srv, cli, "AUTHENTICATE SCRAM-SHA-256");
	fake_expect(cli, "AUTHENTICATE +\r\n");
	n = snprintf(first, sizeof(first), "n,,n=%s,r=clientnonce", user);
	b64(first, (size_t)n, enc);
	fake_linef(srv, cli, "AUTHENTICATE %s", enc);
	out = fake_take_output(cli);
	assert_int_equal(strncmp(out, "AUTHENTICATE ", 13), 0);
	arg = out + 13;
	arg[strcspn(arg, "\r")] = '\0';
	n = crypto_base64_decode(arg, strlen(arg), (uint8_t *)sfirst, sfirstsz - 1);
	assert_true(n > 0);
	sfirst[n] = '\0';
	free(out);
	assert_int_equal(sscanf(sfirst, "r=%255[^,],s=%63[^,],i=%u", nonce, salt64, &iter), 3);
	assert_int_equal(strncmp(nonce, "clientnonce", 11), 0);
	assert_true(strlen(nonce) > 11);
	m = crypto_base64_decode(salt64, strlen(salt64), salt, sizeof(salt));
	assert_true(m > 0);
	crypto_pbkdf2_sha256(pw, strlen(pw), salt, (size_t)m, iter, salted, sizeof(salted));
	crypto_hmac_sha256(salted, 32, "Client Key", 10, ckey);
	crypto_sha256(ckey, 32, skey);
	snprintf(final, sizeof(final), "c=biws,r=%s", nonce);
	n = snprintf(msg, sizeof(msg), "%s,%s,%s", first + 3, sfirst, final);
	crypto_hmac_sha256(skey, 32, msg, (size_t)n, sig);
	for (int i = 0; i < 32; i++)
		proof[i] = ckey[i] ^ sig[i];
	b64((const char *)proof, 32, enc);
	n = snprintf(msg, sizeof(msg), "%s,p=%s", final, enc);
	b64(msg, (size_t)n, enc);
	fake_linef(srv, cli, "AUTHENTICATE %s", enc);
}

/* SCRAM-SHA-256 with the stored PBKDF2 hash: the server proves itself, then 900/903. */
static void
test_scram_success(void **state)
{
	struct server *srv = *state;
	struct client *a = sasl_client(srv, "sasl");
	char sfirst[512], *out;

	scram_login(srv, a, "bob", "pw", sfirst, sizeof(sfirst));
	/* No PBKDF2 work is queued for SCRAM. */
	assert_int_equal(hashq_count(srv->hashq), 0);
	out = fake_take_output(a);
	assert_int_equal(strncmp(out, "AUTHENTICATE ", 13), 0);
	assert_null(strstr(out, " 90"));
	free(out);
	fake_line(srv, a, "AUTHENTICATE +");
	fake_expect(a,
	    ":irc.local 900 * *!*@127.0.0.1 bob :You are now logged in as bob\r\n"
	    ":irc.local 903 * :SASL authentication successful\r\n");
	assert_string_equal(client_account(a), "bob");
	assert_true(a->local->extra == NULL || a->local->extra->sasl_scram == NULL);
}

/* A wrong password, an unknown name (a stable stand-in salt), hostile messages. */
static void
test_scram_failures(void **state)
{
	struct server *srv = *state;
	struct client *a = sasl_client(srv, "sasl");
	char s1[512], s2[512], enc[256];

	scram_login(srv, a, "bob", "wrong", s1, sizeof(s1));
	fake_expect(a, ":irc.local 904 * :SASL authentication failed\r\n");
	scram_login(srv, a, "nobody", "pw", s1, sizeof(s1));
	fake_expect(a, ":irc.local 904 * :SASL authentication failed\r\n");
	scram_login(srv, a, "NOBODY", "pw", s2, sizeof(s2));
	fake_expect(a, ":irc.local 904 * :SASL authentication failed\r\n");
	/* Same salt and count for the same (folded) unknown name, as for an account. */
	assert_string_equal(strchr(s1, ','), strchr(s2, ','));
	/* Channel binding asked for: refused at the first message. */
	fake_line(srv, a, "AUTHENTICATE SCRAM-SHA-256");
	b64("p=tls-unique,,n=bob,r=abc", 25, enc);
	fake_linef(srv, a, "AUTHENTICATE %s", enc);
	fake_expect(a, "AUTHENTICATE +\r\n:irc.local 904 * :SASL authentication failed\r\n");
	assert_true(a->local->extra == NULL || a->local->extra->sasl_scram == NULL);
	/* Not base64, and an abort in the middle. */
	fake_line(srv, a, "AUTHENTICATE SCRAM-SHA-256");
	fake_line(srv, a, "AUTHENTICATE !!!!");
	fake_expect(a, "AUTHENTICATE +\r\n:irc.local 904 * :SASL authentication failed\r\n");
	fake_line(srv, a, "AUTHENTICATE SCRAM-SHA-256");
	b64("n,,n=bob,r=abc", 14, enc);
	fake_linef(srv, a, "AUTHENTICATE %s", enc);
	fake_drop_output(a);
	fake_line(srv, a, "AUTHENTICATE *");
	fake_expect(a, ":irc.local 906 * :SASL authentication aborted\r\n");
	assert_true(a->local->extra == NULL || a->local->extra->sasl_scram == NULL);
	assert_string_equal(client_account(a), "");
	/* A client gone mid-exchange is freed with its state (ASan checks). */
	fake_line(srv, a, "AUTHENTICATE SCRAM-SHA-256");
	fake_linef(srv, a, "AUTHENTICATE %s", enc);
	fake_line(srv, a, "QUIT");
	fake_reap(srv);
}

/*
 * sasl-3.2: after registration a user may log in again, to another
 * account; peers with account-notify see the change. Before registration
 * a second login is 907.
 */
static void
test_reauthenticate(void **state)
{
	struct server *srv = *state;
	struct client *notify = fake_joined(srv, "notify", "#c");
	struct client *a = fake_joined(srv, "re", "#c");
	char conf[1024], hash[CRYPTO_HASH_MAX], err[256], s[512];

	assert_int_equal(crypto_hash_password("pw2", 1000, hash, sizeof(hash)), 0);
	snprintf(conf, sizeof(conf), "%saccount carol {\n\tpassword = %s\n}\n", conf_text, hash);
	if (config_parse_string(&srv->cfg, conf, "test.conf", err, sizeof(err)) == -1)
		fail_msg("%s", err);
	fake_line(srv, notify, "CAP REQ :account-notify");
	fake_line(srv, a, "CAP REQ :sasl");
	fake_drop_all(srv);
	authenticate(srv, a, "bob", "pw");
	fake_expect_has(a, " 903 re :SASL authentication successful\r\n");
	fake_expect(notify, ":re!u@127.0.0.1 ACCOUNT bob\r\n");
	scram_login(srv, a, "carol", "pw2", s, sizeof(s));
	fake_drop_output(a);
	fake_line(srv, a, "AUTHENTICATE +");
	fake_expect(a, ":irc.local 900 re re!u@127.0.0.1 carol :You are now logged in as carol\r\n"
	    ":irc.local 903 re :SASL authentication successful\r\n");
	fake_expect(notify, ":re!u@127.0.0.1 ACCOUNT carol\r\n");
	assert_string_equal(client_account(a), "carol");
	/* A failed attempt keeps the account. */
	authenticate(srv, a, "bob", "wrong");
	fake_expect(a, ":irc.local 904 re :SASL authentication failed\r\n");
	assert_string_equal(client_account(a), "carol");
	fake_expect(notify, "");
}

static void
test_cap_end_aborts_sasl(void **state)
{
	struct server *srv = *state;
	struct client *a = sasl_client(srv, "sasl");

	fake_line(srv, a, "PASS " FAKE_PASSWORD);
	fake_line(srv, a, "NICK carol");
	fake_line(srv, a, "USER u 0 * :Real Name");
	fake_line(srv, a, "AUTHENTICATE PLAIN");
	fake_drop_output(a);
	fake_line(srv, a, "CAP END");
	fake_expect_has(a, ":irc.local 906 carol :SASL authentication aborted\r\n"
	    ":irc.local 001 carol ");
}

static void
test_account_capabilities(void **state)
{
	struct server *srv = *state;
	struct client *ext = fake_joined(srv, "ext", "#c");
	struct client *tag = fake_joined(srv, "tag", "#c");
	struct client *notify = fake_joined(srv, "notify", "#c");
	struct client *a = sasl_client(srv, "sasl");

	fake_line(srv, ext, "CAP REQ :extended-join");
	fake_line(srv, tag, "CAP REQ :account-tag");
	fake_line(srv, notify, "CAP REQ :account-notify");
	authenticate(srv, a, "bob", "pw");
	finish_registration(srv, a, "bobby");
	fake_drop_all(srv);
	fake_line(srv, a, "JOIN #c");
	fake_expect(ext, ":bobby!u@127.0.0.1 JOIN #c bob :Real Name\r\n");
	fake_expect(tag, "@account=bob :bobby!u@127.0.0.1 JOIN #c\r\n");
	fake_expect(notify, ":bobby!u@127.0.0.1 JOIN #c\r\n");
	fake_line(srv, a, "PRIVMSG #c :hi");
	fake_expect(tag, "@account=bob :bobby!u@127.0.0.1 PRIVMSG #c :hi\r\n");
	fake_expect(ext, ":bobby!u@127.0.0.1 PRIVMSG #c :hi\r\n");
	/* Not logged in: "*" in extended-join, no account tag. */
	fake_line(srv, notify, "PART #c");
	fake_drop_all(srv);
	fake_line(srv, notify, "JOIN #c");
	fake_expect(ext, ":notify!u@127.0.0.1 JOIN #c * :Real Name\r\n");
	fake_expect(tag, ":notify!u@127.0.0.1 JOIN #c\r\n");
}

static void
test_account_notify_after_registration(void **state)
{
	struct server *srv = *state;
	struct client *notify = fake_joined(srv, "notify", "#c");
	struct client *other = fake_joined(srv, "other", "#c");
	struct client *a = fake_joined(srv, "late", "#c");

	fake_line(srv, notify, "CAP REQ :account-notify");
	fake_line(srv, a, "CAP REQ :sasl account-notify");
	fake_drop_all(srv);
	authenticate(srv, a, "bob", "pw");
	fake_expect(a, ":irc.local 900 late late!u@127.0.0.1 bob :You are now logged in as bob\r\n"
	    ":irc.local 903 late :SASL authentication successful\r\n"
	    ":late!u@127.0.0.1 ACCOUNT bob\r\n");
	fake_expect(notify, ":late!u@127.0.0.1 ACCOUNT bob\r\n");
	fake_expect(other, "");
}

static void
test_rehash_cap_notify(void **state)
{
	struct server *srv = fake_server();
	struct client *a = fake_registered(srv, "a");
	struct client *old = fake_registered(srv, "old");
	char path[] = "/tmp/ircserv-test-sasl-XXXXXX", err[256];
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	fake_line(srv, a, "CAP LS 302");
	fake_line(srv, old, "CAP REQ :multi-prefix");
	fake_drop_all(srv);
	assert_int_equal(server_set_config_path(srv, path, config_load_file), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(conf_text, f);
	fclose(f);
	if (server_rehash(srv, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	fake_expect(a, ":irc.local CAP a NEW :sasl=PLAIN,SCRAM-SHA-256\r\n");
	fake_expect(old, "");
	fake_line(srv, a, "CAP REQ :sasl");
	fake_drop_output(a);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# no accounts\n", f);
	fclose(f);
	assert_int_equal(server_rehash(srv, err, sizeof(err)), 0);
	fake_expect(a, ":irc.local CAP a DEL :sasl\r\n");
	fake_line(srv, a, "CAP LIST");
	fake_expect(a, ":irc.local CAP a LIST :cap-notify\r\n");
	unlink(path);
	fake_free(srv);
}

/*
 * Budgets are charged when a check is queued, for known and unknown
 * names alike: HASHQ_CONN_BURST per connection, HASHQ_ADDR_BURST per
 * address; a malformed message costs nothing. Other addresses are not
 * affected.
 */
static void
test_hash_budget(void **state)
{
	struct server *srv = *state;
	struct client *c[4], *other = NULL;

	for (int i = 0; i < 4; i++)
		c[i] = sasl_client(srv, "sasl");
	for (int i = 0; i < 5; i++) {
		fake_line(srv, c[0], "AUTHENTICATE PLAIN");
		fake_line(srv, c[0], "AUTHENTICATE !!!notbase64");
		fake_expect(c[0], "AUTHENTICATE +\r\n:irc.local 904 * :SASL authentication failed\r\n");
	}
	for (unsigned i = 0; i < HASHQ_CONN_BURST; i++) {
		authenticate(srv, c[0], i % 2 ? "bob" : "nobody", "wrong");
		fake_expect(c[0], ":irc.local 904 * :SASL authentication failed\r\n");
	}
	/* This connection's budget is spent: refused without queueing anything. */
	authenticate(srv, c[0], "bob", "pw");
	assert_int_equal(hashq_count(srv->hashq), 0);
	fake_expect(c[0], ":irc.local 904 * :SASL authentication failed\r\n");
	assert_string_equal(client_account(c[0]), "");
	/* The address allows HASHQ_ADDR_BURST in all: 3 + 3 + 2 more. */
	for (unsigned i = 0; i < HASHQ_ADDR_BURST - HASHQ_CONN_BURST; i++) {
		authenticate(srv, c[1 + i / HASHQ_CONN_BURST], "nobody", "pw");
		fake_expect(c[1 + i / HASHQ_CONN_BURST], ":irc.local 904 * :SASL authentication failed\r\n");
	}
	authenticate(srv, c[3], "bob", "pw");
	fake_expect(c[3], ":irc.local 904 * :SASL authentication failed\r\n");
	/* Another address still logs in at once. */
	other = fake_client(srv, "10.1.2.3");
	fake_line(srv, other, "CAP REQ :sasl");
	fake_drop_output(other);
	authenticate(srv, other, "bob", "pw");
	fake_expect_has(other, " 903 * :SASL authentication successful\r\n");
	/* One check a second comes back to the address. */
	fake_advance(srv, 1);
	authenticate(srv, c[3], "bob", "pw");
	fake_expect_has(c[3], " 903 * :SASL authentication successful\r\n");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_sasl_advertised),
		cmocka_unit_test(test_sasl_not_offered_without_accounts),
		T(test_sasl_plain_success),
		T(test_sasl_failures),
		T(test_sasl_chunked),
		T(test_sasl_longest_and_too_long),
		T(test_scram_success),
		T(test_scram_failures),
		T(test_reauthenticate),
		T(test_cap_end_aborts_sasl),
		T(test_account_capabilities),
		T(test_account_notify_after_registration),
		T(test_rehash_cap_notify),
		T(test_hash_budget),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
