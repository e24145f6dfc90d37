/*
 * The "oper <name> { ... }" and "account <name> { ... }" blocks of the
 * configuration file: opening, their settings, the checks when they
 * close; and freeing and copying the opers and accounts of a config.
 */
#include "config_block.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casemap.h"
#include "config_check.h"
#include "crypto.h"
#include "irc.h"

int
config_block_error(struct config_blocks *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->why, sizeof(b->why), fmt, ap);
	va_end(ap);
	return -1;
}

void
config_blocks_init(struct config_blocks *b, struct config *cfg)
{
	memset(b, 0, sizeof(*b));
	b->cfg = cfg;
}

static void
opers_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nopers; i++) {
		free(cfg->opers[i].name);
		free(cfg->opers[i].hash);
		config_strv_free(&cfg->opers[i].hosts);
	}
	free(cfg->opers);
	cfg->opers = NULL;
	cfg->nopers = 0;
}

static void
accounts_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->naccounts; i++) {
		free(cfg->accounts[i].name);
		free(cfg->accounts[i].hash);
	}
	free(cfg->accounts);
	cfg->accounts = NULL;
	cfg->naccounts = 0;
}

void
config_blocks_free(struct config *cfg)
{
	opers_free(cfg);
	accounts_free(cfg);
	config_links_free(cfg);
}

/*
 * The arrays are allocated zeroed at their full size first, so that
 * config_free() can release a copy that failed half-way.
 */
int
config_blocks_copy(struct config *dst, const struct config *src)
{
	size_t i;

	dst->opers = NULL;
	dst->accounts = NULL;
	dst->nopers = dst->naccounts = 0;
	if ((src->nopers > 0 && (dst->opers = calloc(src->nopers,
	    sizeof(*dst->opers))) == NULL) ||
	    (src->naccounts > 0 && (dst->accounts = calloc(src->naccounts,
	    sizeof(*dst->accounts))) == NULL))
		return -1;
	dst->nopers = src->nopers;
	dst->naccounts = src->naccounts;
	for (i = 0; i < src->nopers; i++) {
		if ((dst->opers[i].name = strdup(src->opers[i].name)) == NULL ||
		    (dst->opers[i].hash = strdup(src->opers[i].hash)) == NULL ||
		    config_strv_copy(&dst->opers[i].hosts, &src->opers[i].hosts) == -1)
			return -1;
	}
	for (i = 0; i < src->naccounts; i++) {
		if ((dst->accounts[i].name = strdup(src->accounts[i].name)) == NULL ||
		    (dst->accounts[i].hash = strdup(src->accounts[i].hash)) == NULL)
			return -1;
	}
	return config_links_copy(dst, src);
}

/* Append each user@host mask of value to sv. */
static int
add_hosts(struct config_blocks *b, struct config_strv *sv, char *value)
{
	char *w;

	while ((w = config_next_word(&value)) != NULL) {
		if (!config_usermask_is_valid(w))
			return config_block_error(b, "host: \"%s\" is not a user@host "
			    "mask like *@127.0.0.1", w);
		if (config_strv_add(sv, w, strlen(w)) == -1)
			return config_block_error(b, "out of memory");
	}
	return 0;
}

const char *
config_block_name(enum config_block_kind kind)
{
	return kind == CONFIG_BLOCK_OPER ? "oper" :
	    kind == CONFIG_BLOCK_LINK ? "link" : "account";
}

static int
oper_add(struct config_blocks *b, const char *name)
{
	struct config *cfg = b->cfg;
	struct config_oper *v;

	if (!b->opers_seen) {
		opers_free(cfg);
		b->opers_seen = true;
	}
	for (size_t i = 0; i < cfg->nopers; i++) {
		if (casemap_cmp(cfg->opers[i].name, name) == 0)
			return config_block_error(b, "oper \"%s\" is defined twice", name);
	}
	if ((v = realloc(cfg->opers, (cfg->nopers + 1) * sizeof(*v))) == NULL)
		return config_block_error(b, "out of memory");
	cfg->opers = v;
	memset(&v[cfg->nopers], 0, sizeof(*v));
	if ((v[cfg->nopers].name = strdup(name)) == NULL)
		return config_block_error(b, "out of memory");
	cfg->nopers++;
	b->open = CONFIG_BLOCK_OPER;
	return 0;
}

static int
account_add(struct config_blocks *b, const char *name)
{
	struct config *cfg = b->cfg;
	struct config_account *v;

	if (!b->accounts_seen) {
		accounts_free(cfg);
		b->accounts_seen = true;
	}
	for (size_t i = 0; i < cfg->naccounts; i++) {
		if (casemap_cmp(cfg->accounts[i].name, name) == 0)
			return config_block_error(b, "account \"%s\" is defined twice",
			    name);
	}
	if ((v = realloc(cfg->accounts,
	    (cfg->naccounts + 1) * sizeof(*v))) == NULL)
		return config_block_error(b, "out of memory");
	cfg->accounts = v;
	memset(&v[cfg->naccounts], 0, sizeof(*v));
	if ((v[cfg->naccounts].name = strdup(name)) == NULL)
		return config_block_error(b, "out of memory");
	cfg->naccounts++;
	b->open = CONFIG_BLOCK_ACCOUNT;
	return 0;
}

int
config_block_open(struct config_blocks *b, char *line, unsigned lineno)
{
	char *rest = line, *kind, *name;

	if (b->open != CONFIG_BLOCK_NONE)
		return config_block_error(b, "blocks cannot be nested (the %s block "
		    "opened on line %u has no '}')", config_block_name(b->open),
		    b->line);
	line[strlen(line) - 1] = '\0';
	kind = config_next_word(&rest);
	if (kind == NULL || (strcmp(kind, "oper") != 0 &&
	    strcmp(kind, "account") != 0 && strcmp(kind, "link") != 0))
		return config_block_error(b, "expected \"oper <name> {\", "
		    "\"account <name> {\" or \"link <server name> {\"");
	if ((name = config_next_word(&rest)) == NULL || config_next_word(&rest) != NULL)
		return config_block_error(b, "expected \"%s <name> {\"", kind);
	b->line = lineno;
	if (strcmp(kind, "link") == 0)
		return config_link_open(b, name);
	if (!config_name_is_valid(name))
		return config_block_error(b, "%s name \"%s\" must be 1 to %d letters, "
		    "digits or -_.[]\\`^|", kind, name, IRC_NICKLEN);
	b->line = lineno;
	return strcmp(kind, "oper") == 0 ? oper_add(b, name) :
	    account_add(b, name);
}

static int
set_hash(struct config_blocks *b, char **field, const char *value)
{
	/* The value is never quoted back: it may be a plain-text password. */
	if (*field != NULL)
		return config_block_error(b, "password is already set in this block");
	if (strncmp(value, CRYPTO_HASH_PREFIX, strlen(CRYPTO_HASH_PREFIX)) != 0)
		return config_block_error(b, "password must be a " CRYPTO_HASH_PREFIX
		    " hash, not plain text: make one with \"ircserv --mkpasswd\"");
	if (!crypto_hash_is_valid(value))
		return config_block_error(b, "password is a malformed " CRYPTO_HASH_PREFIX
		    " hash: make a new one with \"ircserv --mkpasswd\"");
	if (config_set_string(field, value) == -1)
		return config_block_error(b, "out of memory");
	return 0;
}

int
config_block_set(struct config_blocks *b, const char *key, char *value)
{
	struct config *cfg = b->cfg;
	/* Only inside an oper block is there an oper to point at. */
	struct config_oper *oper = b->open == CONFIG_BLOCK_OPER ? &cfg->opers[cfg->nopers - 1] : NULL;

	if (b->open == CONFIG_BLOCK_LINK)
		return config_link_set(b, key, value);

	if (b->open == CONFIG_BLOCK_ACCOUNT && strcmp(key, "password") == 0)
		return set_hash(b, &cfg->accounts[cfg->naccounts - 1].hash,
		    value);
	if (b->open == CONFIG_BLOCK_OPER && strcmp(key, "password") == 0)
		return set_hash(b, &oper->hash, value);
	if (b->open == CONFIG_BLOCK_OPER && strcmp(key, "host") == 0)
		return add_hosts(b, &oper->hosts, value);
	return config_block_error(b, "unknown setting \"%s\" in an %s block", key,
	    config_block_name(b->open));
}

int
config_block_close(struct config_blocks *b)
{
	const struct config *cfg = b->cfg;
	const struct config_oper *oper;
	const struct config_account *acct;

	if (b->open == CONFIG_BLOCK_LINK)
		return config_link_close(b);
	if (b->open == CONFIG_BLOCK_OPER) {
		oper = &cfg->opers[cfg->nopers - 1];
		if (oper->hash == NULL)
			return config_block_error(b, "oper \"%s\" has no password",
			    oper->name);
		if (oper->hosts.n == 0)
			return config_block_error(b, "oper \"%s\" has no host (for "
			    "local users only: host = *@127.0.0.1)", oper->name);
	} else {
		acct = &cfg->accounts[cfg->naccounts - 1];
		if (acct->hash == NULL)
			return config_block_error(b, "account \"%s\" has no password",
			    acct->name);
	}
	b->open = CONFIG_BLOCK_NONE;
	return 0;
}

