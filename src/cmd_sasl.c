/*
 * SASL family: AUTHENTICATE with the PLAIN mechanism (ircv3.net sasl-3.1,
 * RFC 4616) against the accounts of the configuration file, or relayed
 * to services when sasl_service names a user of another server
 * (sasl_relay.h). Data arrives
 * base64 in chunks of 400 bytes; a shorter chunk (or "+") ends it. The
 * password check is a slow hash, queued (hashq.h): the answer comes when
 * it is done, and the client's later lines wait for it.
 */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cap.h"
#include "casemap.h"
#include "client.h"
#include "config.h"
#include "crypto.h"
#include "hashq.h"
#include "link.h"
#include "log.h"
#include "msg.h"
#include "numeric.h"
#include "reply.h"
#include "sasl_relay.h"
#include "scram.h"
#include "server.h"

/* sasl-3.1: AUTHENTICATE arguments come in chunks of at most 400 bytes. */
#define SASL_CHUNK      400
/* Whole base64 payload kept: authzid, authcid and password fit easily. */
#define SASL_DATA_MAX   1200
/* What 908 lists; the sasl capability's value (cap.c) is the same. */
#define SASL_MECHS      "PLAIN," SCRAM_MECH

/* End the exchange: drop its data and, for SCRAM, wipe its keys. */
static void
sasl_reset(struct client *cli)
{
	struct local_extra *x = cli->local->extra;

	if (x == NULL)
		return;
	if (x->sasl_scram != NULL) {
		scram_clear(x->sasl_scram);
		free(x->sasl_scram);
		x->sasl_scram = NULL;
	}
	x->sasl_step = 0;
	free(x->sasl_buf);
	x->sasl_buf = NULL;
	x->sasl_len = 0;
	x->sasl_started = false;
	x->sasl_discard = false;
	local_extra_trim(cli->local);
}

void
sasl_abort(struct server *srv, struct client *cli)
{
	if (cli->local->extra == NULL || !cli->local->extra->sasl_started)
		return;
	sasl_relay_abort(srv, cli);
	sasl_reset(cli);
	reply_numeric(srv, cli, ERR_SASLABORTED);
}

static const struct config_account *
find_account(const struct server *srv, const char *name)
{
	for (size_t i = 0; i < srv->cfg.naccounts; i++)
		if (casemap_cmp(srv->cfg.accounts[i].name, name) == 0)
			return &srv->cfg.accounts[i];
	return NULL;
}

/* account-notify: tell peers with the capability, and the user, once each. */
static void
announce_account(struct server *srv, struct client *cli)
{
	char line[IRC_LINE_MAX];
	size_t n = reply_format_from(line, cli, "ACCOUNT %s", client_account(cli));

	reply_common_cap(srv, cli, true, CAP_ACCOUNT_NOTIFY, line, n);
}

static void
login(struct server *srv, struct client *cli, const struct config_account *acct)
{
	char prefix[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 3];

	if (client_set_account(cli, acct->name) == -1) {
		client_close(cli, "Out of memory");
		return;
	}
	client_prefix(cli, prefix, sizeof(prefix));
	reply_numeric(srv, cli, RPL_LOGGEDIN, prefix, client_account(cli), client_account(cli));
	reply_numeric(srv, cli, RPL_SASLSUCCESS);
	log_msg(&srv->log, LOG_INFO, "SASL login %s by %s (%s)", client_account(cli), client_name(cli), cli->host);
	if (client_is_registered(cli)) {
		announce_account(srv, cli);
		link_user_login(srv, cli);
	}
}

/*
 * Split authzid NUL authcid NUL passwd (RFC 4616) into the account name
 * and the password; -1 when malformed.
 */
static int
plain_split(const char *data, size_t n, const char **authcid, const char **pass)
{
	const char *authzid = data;

	/* Exactly two NULs, none in the password. */
	if ((*authcid = memchr(data, '\0', n)) == NULL)
		return -1;
	(*authcid)++;
	if ((*pass = memchr(*authcid, '\0', n - (size_t)(*authcid - data))) == NULL)
		return -1;
	(*pass)++;
	if (memchr(*pass, '\0', n - (size_t)(*pass - data)) != NULL)
		return -1;
	/* The authorization identity, when given, must be the same account. */
	if (*authzid != '\0' && casemap_cmp(authzid, *authcid) != 0)
		return -1;
	return 0;
}

static void
sasl_fail(struct server *srv, struct client *cli, const char *why)
{
	reply_numeric(srv, cli, ERR_SASLFAIL);
	log_msg(&srv->log, LOG_WARN, "SASL login failed for %s (%s): %s", client_name(cli),
	    cli->host, why);
}

/*
 * The iterations a check of an unknown name costs: those of the first
 * account's hash, so that the name is not told apart by how long the
 * answer takes (docs/security.md).
 */
static unsigned
stand_in_iterations(const struct server *srv)
{
	struct crypto_hash h;

	for (size_t i = 0; i < srv->cfg.naccounts; i++)
		if (crypto_hash_parse(srv->cfg.accounts[i].hash, &h) == 0)
			return h.iterations;
	return CRYPTO_PBKDF2_ITERATIONS;
}

/* The password check of sasl_plain() is done. */
static void
plain_done(struct server *srv, struct client *cli, bool ok, const char *name)
{
	/* The account may have gone with a REHASH while the check ran. */
	const struct config_account *acct = ok ? find_account(srv, name) : NULL;

	if (acct != NULL)
		login(srv, cli, acct);
	else
		sasl_fail(srv, cli, "bad account or password");
}

/*
 * A whole PLAIN message: queue its password check. An unknown account
 * gets a stand-in check of the same cost, charged the same way.
 */
static void
plain_message(struct server *srv, struct client *cli, char *data, size_t n)
{
	const struct config_account *acct;
	const char *authcid, *pass;
	enum hashq_status st;

	sasl_reset(cli);
	if (n == 0 || plain_split(data, n, &authcid, &pass) == -1) {
		sasl_fail(srv, cli, "malformed message");
		return;
	}
	acct = find_account(srv, authcid);
	st = hashq_add(srv->hashq, cli, pass, acct ? acct->hash : NULL,
	    stand_in_iterations(srv), acct ? acct->name : "", plain_done, srv->now_ms);
	if (st != HASHQ_OK)
		sasl_fail(srv, cli, hashq_status_text(st));
}

/* Send a SASL message as "AUTHENTICATE <base64>" (always under 400 here). */
static void
sasl_send(struct client *cli, const char *msg)
{
	char b64[SASL_CHUNK + 1];

	if (crypto_base64_encode(msg, strlen(msg), b64, sizeof(b64)) > 0)
		reply_send(cli, "AUTHENTICATE %s", b64);
}

/*
 * The salt and SaltedPassword of the stand-in for an unknown SCRAM name:
 * derived from a secret of this process and the folded name, so that
 * asking twice gives the same salt, as for a real account.
 */
static void
scram_stand_in(const struct server *srv, const char *user, uint8_t salt[16],
    uint8_t salted[CRYPTO_SHA256_LEN])
{
	char folded[SCRAM_USER_MAX + 1];
	uint8_t mac[CRYPTO_SHA256_LEN];

	casemap_fold(folded, user, sizeof(folded));
	crypto_hmac_sha256(srv->scram_secret, sizeof(srv->scram_secret), folded,
	    strlen(folded), mac);
	memcpy(salt, mac, 16);
	crypto_hmac_sha256(mac, sizeof(mac), "salted", 6, salted);
}

/* SCRAM client-first-message: answer with the server-first-message. */
static void
scram_first(struct server *srv, struct client *cli, const char *data, size_t n)
{
	struct scram *s = cli->local->extra->sasl_scram;
	const struct config_account *acct;
	struct crypto_hash h;
	uint8_t nonce[18];
	char nonce64[32];
	bool real;

	if (scram_client_first(s, data, n) == -1) {
		sasl_reset(cli);
		sasl_fail(srv, cli, "malformed message");
		return;
	}
	acct = find_account(srv, s->user);
	/* Hi() is PBKDF2: the stored key's first block is the SaltedPassword. */
	real = acct != NULL && crypto_hash_parse(acct->hash, &h) == 0 &&
	    h.keylen >= CRYPTO_SHA256_LEN;
	if (!real) {
		scram_stand_in(srv, s->user, h.salt, h.key);
		h.saltlen = 16;
		h.iterations = stand_in_iterations(srv);
	}
	if (crypto_random(nonce, sizeof(nonce)) == -1) {
		sasl_reset(cli);
		sasl_fail(srv, cli, "no random nonce");
		return;
	}
	crypto_base64_encode(nonce, sizeof(nonce), nonce64, sizeof(nonce64));
	sasl_send(cli, scram_server_first(s, h.key, h.salt, h.saltlen, h.iterations,
	    nonce64, !real));
	crypto_wipe(&h, sizeof(h));
	cli->local->extra->sasl_step = 1;
}

/* SCRAM client-final-message: check the proof, prove ourselves back. */
static void
scram_final(struct server *srv, struct client *cli, const char *data, size_t n)
{
	char out[128];

	if (scram_client_final(cli->local->extra->sasl_scram, data, n, out, sizeof(out)) == -1) {
		sasl_reset(cli);
		sasl_fail(srv, cli, "bad account or password");
		return;
	}
	sasl_send(cli, out);
	cli->local->extra->sasl_step = 2;
}

/* A whole SCRAM message, by step: client-first, client-final, then "+". */
static void
scram_message(struct server *srv, struct client *cli, const char *data, size_t n)
{
	const struct config_account *acct;

	if (cli->local->extra->sasl_step == 0) {
		scram_first(srv, cli, data, n);
	} else if (cli->local->extra->sasl_step == 1) {
		scram_final(srv, cli, data, n);
	} else {
		/* RFC 5802: the client answers the server-final-message with nothing. */
		acct = n == 0 ? find_account(srv, cli->local->extra->sasl_scram->user) : NULL;
		sasl_reset(cli);
		if (acct != NULL)
			login(srv, cli, acct);
		else
			sasl_fail(srv, cli, n ? "malformed message" : "account gone");
	}
}

/* The message in sasl_buf is complete: decode it and hand it on. */
static void
sasl_message(struct server *srv, struct client *cli)
{
	char data[SASL_DATA_MAX];
	struct local_extra *l = cli->local->extra;
	int n = crypto_base64_decode(l->sasl_buf ? l->sasl_buf : "", l->sasl_len,
	    (uint8_t *)data, sizeof(data) - 1);

	free(l->sasl_buf);
	l->sasl_buf = NULL;
	l->sasl_len = 0;
	if (n < 0) {
		sasl_reset(cli);
		sasl_fail(srv, cli, "malformed message");
		return;
	}
	data[n] = '\0';
	if (cli->local->extra->sasl_scram != NULL)
		scram_message(srv, cli, data, (size_t)n);
	else
		plain_message(srv, cli, data, (size_t)n);
	crypto_wipe(data, sizeof(data));
}

/*
 * One chunk of a client message; a chunk shorter than 400 bytes (or "+"
 * after one of exactly 400) ends it.
 */
static void
sasl_data(struct server *srv, struct client *cli, const char *arg)
{
	struct local_extra *l = cli->local->extra;
	size_t n = strlen(arg);
	char *p;

	/* sasl-3.1: 905 for a chunk longer than 400 bytes. */
	if (n > SASL_CHUNK) {
		sasl_reset(cli);
		reply_numeric(srv, cli, ERR_SASLTOOLONG);
		return;
	}
	/*
	 * More in all than any message we take: the exchange fails with 904
	 * (as ircv3 SASL and irctest expect), and the 400-byte chunks still
	 * on their way are dropped unanswered, so the client is not answered
	 * once per chunk and can start again at once.
	 */
	if (strcmp(arg, "+") != 0 && l->sasl_len + n > SASL_DATA_MAX) {
		struct local_extra *x;

		sasl_reset(cli);
		if (n == SASL_CHUNK && (x = local_extra(cli->local)) != NULL)
			x->sasl_discard = true;
		sasl_fail(srv, cli, "message too long");
		return;
	}
	if (strcmp(arg, "+") != 0 && n > 0) {
		if ((p = realloc(l->sasl_buf, l->sasl_len + n + 1)) == NULL) {
			client_close(cli, "Out of memory");
			return;
		}
		memcpy(p + l->sasl_len, arg, n + 1);
		l->sasl_buf = p;
		l->sasl_len += n;
	}
	if (n < SASL_CHUNK)
		sasl_message(srv, cli);
}

void
cmd_authenticate(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *arg = msg->params[0];
	struct local_extra *x;

	if (!(client_caps(cli) & CAP_SASL)) {
		reply_numeric(srv, cli, ERR_SASLFAIL);
		return;
	}
	/*
	 * sasl-3.2: a registered user may authenticate again (and so change
	 * account); before registration one login is all.
	 */
	if (client_account(cli)[0] && !client_is_registered(cli)) {
		reply_numeric(srv, cli, ERR_SASLALREADY);
		return;
	}
	if (strcmp(arg, "*") == 0) {
		sasl_relay_abort(srv, cli);
		sasl_reset(cli);
		reply_numeric(srv, cli, ERR_SASLABORTED);
		return;
	}
	if ((x = local_extra(cli->local)) == NULL) {
		client_close(cli, "Out of memory");
		return;
	}
	/* The rest of a message refused as too long: its chunks and its "+". */
	if (x->sasl_discard) {
		x->sasl_discard = strlen(arg) == SASL_CHUNK;
		if (x->sasl_discard || strcmp(arg, "+") == 0)
			return;
	}
	/* Through services when they are on the network (sasl_relay.h). */
	if ((sasl_relay_busy(cli) || !x->sasl_started) && sasl_relay_input(srv, cli, arg))
		return;
	if (x->sasl_started) {
		sasl_data(srv, cli, arg);
		return;
	}
	if (strcasecmp(arg, SCRAM_MECH) == 0) {
		if ((x->sasl_scram = calloc(1, sizeof(*x->sasl_scram))) == NULL) {
			client_close(cli, "Out of memory");
			return;
		}
		x->sasl_step = 0;
	} else if (strcasecmp(arg, "PLAIN") != 0) {
		local_extra_trim(cli->local);
		reply_numeric(srv, cli, RPL_SASLMECHS, SASL_MECHS);
		reply_numeric(srv, cli, ERR_SASLFAIL);
		return;
	}
	x->sasl_started = true;
	reply_send(cli, "AUTHENTICATE +");
}
