/*
 * SASL family: AUTHENTICATE with the PLAIN mechanism (ircv3.net sasl-3.1,
 * RFC 4616) against the accounts of the configuration file. Data arrives
 * base64 in chunks of 400 bytes; a shorter chunk (or "+") ends it. A
 * password check costs a slow hash, so each attempt costs flood allowance.
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
#include "log.h"
#include "msg.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"

/* sasl-3.1: AUTHENTICATE arguments come in chunks of at most 400 bytes. */
#define SASL_CHUNK      400
/* Whole base64 payload kept: authzid, authcid and password fit easily. */
#define SASL_DATA_MAX   1200
#define SASL_PENALTY_MS 5000

static void
sasl_reset(struct client *cli)
{
	free(cli->sasl_buf);
	cli->sasl_buf = NULL;
	cli->sasl_len = 0;
	cli->sasl_started = false;
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

/* The account that authzid NUL authcid NUL passwd logs in to, or NULL. */
static const struct config_account *
plain_check(struct server *srv, const char *data, size_t n)
{
	const char *authzid = data, *authcid, *pass;
	const struct config_account *acct;

	/* RFC 4616: exactly two NULs, none in the password. */
	if ((authcid = memchr(data, '\0', n)) == NULL)
		return NULL;
	authcid++;
	if ((pass = memchr(authcid, '\0', n - (size_t)(authcid - data))) == NULL)
		return NULL;
	pass++;
	if (memchr(pass, '\0', n - (size_t)(pass - data)) != NULL)
		return NULL;
	/* The authorization identity, when given, must be the same account. */
	if (*authzid != '\0' && casemap_cmp(authzid, authcid) != 0)
		return NULL;
	if ((acct = find_account(srv, authcid)) == NULL ||
	    !crypto_verify_password(pass, acct->hash))
		return NULL;
	return acct;
}

static void
sasl_plain(struct server *srv, struct client *cli)
{
	uint8_t data[SASL_DATA_MAX];
	int n = crypto_base64_decode(cli->sasl_buf ? cli->sasl_buf : "", cli->sasl_len,
	    data, sizeof(data) - 1);
	const struct config_account *acct = NULL;

	sasl_reset(cli);
	cli->flood_at_ms += SASL_PENALTY_MS;
	if (n > 0 && server_may_hash(srv)) {
		data[n] = '\0';
		acct = plain_check(srv, (const char *)data, (size_t)n);
	}
	if (acct != NULL) {
		login(srv, cli, acct);
		return;
	}
	reply_numeric(srv, cli, ERR_SASLFAIL);
	log_msg(LOG_WARN, "SASL login failed for %s (%s)", client_name(cli), cli->host);
}

/* One chunk of PLAIN data; a chunk shorter than 400 bytes ends it. */
static void
sasl_data(struct server *srv, struct client *cli, const char *arg)
{
	size_t n = strlen(arg);
	char *p;

	if (n > SASL_CHUNK || cli->sasl_len + n > SASL_DATA_MAX) {
		sasl_reset(cli);
		reply_numeric(srv, cli, ERR_SASLTOOLONG);
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
