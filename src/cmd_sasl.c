/*
 * SASL family: AUTHENTICATE with the PLAIN mechanism (ircv3.net sasl-3.1,
 * RFC 4616) against the accounts of the configuration file. Data arrives
 * base64 in chunks of 400 bytes; a shorter chunk (or "+") ends it. The
 * password check is a slow hash, queued (hashq.h): the answer comes when
 * it is done, and the client's later lines wait for it.
 */
#include "command.h"

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
#include "log.h"
#include "msg.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"

/* sasl-3.1: AUTHENTICATE arguments come in chunks of at most 400 bytes. */
#define SASL_CHUNK      400
/* Whole base64 payload kept: authzid, authcid and password fit easily. */
#define SASL_DATA_MAX   1200

static void
sasl_reset(struct client *cli)
{
	free(cli->sasl_buf);
	cli->sasl_buf = NULL;
	cli->sasl_len = 0;
	cli->sasl_started = false;
	cli->sasl_discard = false;
}

void
sasl_abort(struct server *srv, struct client *cli)
{
	if (!cli->sasl_started)
		return;
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
	size_t n = reply_format_from(line, cli, "ACCOUNT %s", cli->account);

	reply_common_cap(srv, cli, true, CAP_ACCOUNT_NOTIFY, line, n);
}

static void
login(struct server *srv, struct client *cli, const struct config_account *acct)
{
	char prefix[IRC_NICKLEN + IRC_USERLEN + IRC_HOSTLEN + 3];

	snprintf(cli->account, sizeof(cli->account), "%s", acct->name);
	client_prefix(cli, prefix, sizeof(prefix));
	reply_numeric(srv, cli, RPL_LOGGEDIN, prefix, cli->account, cli->account);
	reply_numeric(srv, cli, RPL_SASLSUCCESS);
	log_msg(LOG_INFO, "SASL login %s by %s (%s)", cli->account, client_name(cli), cli->host);
	if (client_is_registered(cli))
		announce_account(srv, cli);
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
	log_msg(LOG_WARN, "SASL login failed for %s (%s): %s", client_name(cli),
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
 * The whole PLAIN message is in: queue its password check. An unknown
 * account gets a stand-in check of the same cost, charged the same way.
 */
static void
sasl_plain(struct server *srv, struct client *cli)
{
	uint8_t data[SASL_DATA_MAX];
	int n = crypto_base64_decode(cli->sasl_buf ? cli->sasl_buf : "", cli->sasl_len,
	    data, sizeof(data) - 1);
	const struct config_account *acct;
	const char *authcid, *pass;
	enum hashq_status st;

	sasl_reset(cli);
	if (n <= 0) {
		sasl_fail(srv, cli, "malformed message");
		return;
	}
	data[n] = '\0';
	if (plain_split((const char *)data, (size_t)n, &authcid, &pass) == -1) {
		sasl_fail(srv, cli, "malformed message");
		return;
	}
	acct = find_account(srv, authcid);
	st = hashq_add(srv->hashq, cli, pass, acct ? acct->hash : NULL,
	    stand_in_iterations(srv), acct ? acct->name : "", plain_done, srv->now_ms);
	memset(data, 0, sizeof(data));
	if (st != HASHQ_OK)
		sasl_fail(srv, cli, hashq_status_text(st));
}

/*
 * One chunk of PLAIN data; a chunk shorter than 400 bytes (or "+" after
 * one of exactly 400) ends it.
 */
static void
sasl_data(struct server *srv, struct client *cli, const char *arg)
{
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
	if (strcmp(arg, "+") != 0 && cli->sasl_len + n > SASL_DATA_MAX) {
		sasl_reset(cli);
		cli->sasl_discard = n == SASL_CHUNK;
		sasl_fail(srv, cli, "message too long");
		return;
	}
	if (strcmp(arg, "+") != 0 && n > 0) {
		if ((p = realloc(cli->sasl_buf, cli->sasl_len + n + 1)) == NULL) {
			client_close(cli, "Out of memory");
			return;
		}
		memcpy(p + cli->sasl_len, arg, n + 1);
		cli->sasl_buf = p;
		cli->sasl_len += n;
	}
	if (n < SASL_CHUNK)
		sasl_plain(srv, cli);
}

void
cmd_authenticate(struct server *srv, struct client *cli, const struct msg *msg)
{
	const char *arg = msg->params[0];

	if (!(cli->caps & CAP_SASL)) {
		reply_numeric(srv, cli, ERR_SASLFAIL);
		return;
	}
	if (cli->account[0]) {
		reply_numeric(srv, cli, ERR_SASLALREADY);
		return;
	}
	if (strcmp(arg, "*") == 0) {
		sasl_reset(cli);
		reply_numeric(srv, cli, ERR_SASLABORTED);
		return;
	}
	/* The rest of a message refused as too long: its chunks and its "+". */
	if (cli->sasl_discard) {
		cli->sasl_discard = strlen(arg) == SASL_CHUNK;
		if (cli->sasl_discard || strcmp(arg, "+") == 0)
			return;
	}
	if (cli->sasl_started) {
		sasl_data(srv, cli, arg);
		return;
	}
	if (strcasecmp(arg, "PLAIN") != 0) {
		reply_numeric(srv, cli, RPL_SASLMECHS, "PLAIN");
		reply_numeric(srv, cli, ERR_SASLFAIL);
		return;
	}
	cli->sasl_started = true;
	reply_send(cli, "AUTHENTICATE +");
}
