/*
 * The "link <server name> { ... }" blocks of the configuration file: the
 * servers that may link with us (TS6, link.h). A link's password is sent
 * in PASS, so it is kept as plain text, unlike oper and account hashes.
 */
#include "config_block.h"

#include <stdlib.h>
#include <string.h>

#include "casemap.h"
#include "config_check.h"
#include "irc.h"

/* Longest link password: one PASS parameter with room to spare. */
#define LINK_PASSWORD_MAX 128

void
config_links_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nlinks; i++) {
		free(cfg->links[i].name);
		free(cfg->links[i].host);
		free(cfg->links[i].password);
	}
	free(cfg->links);
	cfg->links = NULL;
	cfg->nlinks = 0;
}

int
config_links_copy(struct config *dst, const struct config *src)
{
	const struct config_link *s;
	struct config_link *d;

	dst->links = NULL;
	dst->nlinks = 0;
	if (src->nlinks == 0)
		return 0;
	if ((dst->links = calloc(src->nlinks, sizeof(*dst->links))) == NULL)
		return -1;
	dst->nlinks = src->nlinks;
	for (size_t i = 0; i < src->nlinks; i++) {
		s = &src->links[i];
		d = &dst->links[i];
		*d = *s;
		d->name = d->host = d->password = NULL;
		if ((d->name = strdup(s->name)) == NULL ||
		    (s->host && (d->host = strdup(s->host)) == NULL) ||
		    (s->password && (d->password = strdup(s->password)) == NULL))
			return -1;
	}
	return 0;
}

const struct config_link *
config_link_find(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nlinks; i++)
		if (casemap_cmp(cfg->links[i].name, name) == 0)
			return &cfg->links[i];
	return NULL;
}

bool
config_sid_is_valid(const char *s)
{
	return s[0] >= '0' && s[0] <= '9' && s[1] != '\0' && s[2] != '\0' &&
	    s[3] == '\0' && strspn(s + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == 2;
}

int
config_link_open(struct config_blocks *b, const char *name)
{
	struct config *cfg = b->cfg;
	struct config_link *v;

	if (!config_host_is_valid(name) || strlen(name) > IRC_HOSTLEN)
		return config_block_error(b, "link name \"%s\" must be a server "
		    "name with a dot, like hub.example.net (at most %d bytes)",
		    name, IRC_HOSTLEN);
	if (!b->links_seen) {
		config_links_free(cfg);
		b->links_seen = true;
	}
	if (config_link_find(cfg, name) != NULL)
		return config_block_error(b, "link \"%s\" is defined twice", name);
	if ((v = realloc(cfg->links, (cfg->nlinks + 1) * sizeof(*v))) == NULL)
		return config_block_error(b, "out of memory");
	cfg->links = v;
	memset(&v[cfg->nlinks], 0, sizeof(*v));
	if ((v[cfg->nlinks].name = strdup(name)) == NULL)
		return config_block_error(b, "out of memory");
	cfg->nlinks++;
	b->open = CONFIG_BLOCK_LINK;
	return 0;
}

static int
set_once(struct config_blocks *b, char **field, const char *key,
    const char *value)
{
	if (*field != NULL)
		return config_block_error(b, "%s is already set in this block", key);
	if (config_set_string(field, value) == -1)
		return config_block_error(b, "out of memory");
	return 0;
}

static int
set_password(struct config_blocks *b, struct config_link *l, const char *value)
{
	/* The value is never quoted back. */
	if (strlen(value) > LINK_PASSWORD_MAX || strpbrk(value, " \t") != NULL ||
	    value[0] == ':')
		return config_block_error(b, "password must be one word of at most "
		    "%d bytes, not starting with ':'", LINK_PASSWORD_MAX);
	return set_once(b, &l->password, "password", value);
}

int
config_link_set(struct config_blocks *b, const char *key, char *value)
{
	struct config_link *l = &b->cfg->links[b->cfg->nlinks - 1];
	unsigned long long port;

	if (strcmp(key, "host") == 0) {
		if (!config_ipmask_is_valid(value))
			return config_block_error(b, "host: \"%s\" is not an IP "
			    "address or a glob like 10.0.*", value);
		return set_once(b, &l->host, key, value);
	}
	if (strcmp(key, "password") == 0)
		return set_password(b, l, value);
	if (strcmp(key, "port") == 0) {
		if (l->port != 0)
			return config_block_error(b, "port is already set in this block");
		if (config_parse_number(value, false, &port) == -1 || port < 1 ||
		    port > 65535)
			return config_block_error(b, "port must be a number from 1 "
			    "to 65535");
		l->port = (unsigned)port;
		return 0;
	}
	if (strcmp(key, "autoconnect") == 0) {
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
			return config_block_error(b, "autoconnect must be yes or no");
		l->autoconnect = strcmp(value, "yes") == 0;
		return 0;
	}
	return config_block_error(b, "unknown setting \"%s\" in a link block "
	    "(known: host, port, password, autoconnect)", key);
}

int
config_link_close(struct config_blocks *b)
{
	const struct config_link *l = &b->cfg->links[b->cfg->nlinks - 1];

	if (l->host == NULL)
		return config_block_error(b, "link \"%s\" has no host", l->name);
	if (l->password == NULL)
		return config_block_error(b, "link \"%s\" has no password", l->name);
	if (l->autoconnect && l->port == 0)
		return config_block_error(b, "link \"%s\": autoconnect needs a "
		    "port to connect to", l->name);
	/* We connect to host: it must be one address, not a glob. */
	if (l->port != 0 && !config_ipv4_is_valid(l->host) &&
	    !config_ipv6_is_valid(l->host))
		return config_block_error(b, "link \"%s\": with a port, host must "
		    "be a numeric address to connect to, not \"%s\"", l->name,
		    l->host);
	b->open = CONFIG_BLOCK_NONE;
	return 0;
}
