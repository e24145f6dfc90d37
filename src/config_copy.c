/*
 * The lifetime of a struct config: setting a string, freeing all it owns,
 * deep copies (a file is applied to a copy). The defaults and the parser
 * are in config.c.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config_block.h"

#define F(field)        offsetof(struct config, field)

/* The string fields, for freeing and copying. */
static const size_t string_fields[] = {
	F(server_name), F(network), F(description), F(admin_loc1),
	F(admin_loc2), F(admin_email), F(motd), F(password), F(log_file),
	F(motd_file), F(bind_addr), F(history_file),
};

static char **
string_at(struct config *cfg, size_t offset)
{
	return (char **)(void *)((char *)cfg + offset);
}

static char *const *
string_at_const(const struct config *cfg, size_t offset)
{
	return (char *const *)(const void *)((const char *)cfg + offset);
}

int
config_set_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

void
config_strv_free(struct config_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

int
config_strv_add(struct config_strv *sv, const char *s, size_t len)
{
	char **v = realloc(sv->v, (sv->n + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	sv->v = v;
	if ((v[sv->n] = strndup(s, len)) == NULL)
		return -1;
	sv->n++;
	return 0;
}

int
config_strv_copy(struct config_strv *dst, const struct config_strv *src)
{
	for (size_t i = 0; i < src->n; i++) {
		if (config_strv_add(dst, src->v[i], strlen(src->v[i])) == -1) {
			config_strv_free(dst);
			return -1;
		}
	}
	return 0;
}

void
config_listens_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nlistens; i++)
		free(cfg->listens[i].addr);
	free(cfg->listens);
	cfg->listens = NULL;
	cfg->nlistens = 0;
}

void
config_free(struct config *cfg)
{
	for (size_t i = 0; i < sizeof(string_fields) / sizeof(string_fields[0]); i++)
		free(*string_at(cfg, string_fields[i]));
	config_strv_free(&cfg->flood_exempt);
	config_strv_free(&cfg->websocket_origins);
	config_strv_free(&cfg->websocket_trusted);
	config_strv_free(&cfg->limit_exempt);
	config_listens_free(cfg);
	config_blocks_free(cfg);
	memset(cfg, 0, sizeof(*cfg));
}

/*
 * The array is allocated zeroed at its full size first, so that
 * config_free() can release a copy that failed half-way.
 */
static int
listens_copy(struct config *dst, const struct config *src)
{
	if (src->nlistens > 0 && (dst->listens = calloc(src->nlistens,
	    sizeof(*dst->listens))) == NULL)
		return -1;
	dst->nlistens = src->nlistens;
	for (size_t i = 0; i < src->nlistens; i++) {
		dst->listens[i] = src->listens[i];
		if ((dst->listens[i].addr = strdup(src->listens[i].addr)) == NULL)
			return -1;
	}
	return 0;
}

int
config_copy(struct config *dst, const struct config *src)
{
	size_t i, off;

	*dst = *src;
	/* Detach every pointer first, so a failure frees only our copies. */
	for (i = 0; i < sizeof(string_fields) / sizeof(string_fields[0]); i++)
		*string_at(dst, string_fields[i]) = NULL;
	memset(&dst->flood_exempt, 0, sizeof(dst->flood_exempt));
	memset(&dst->websocket_origins, 0, sizeof(dst->websocket_origins));
	memset(&dst->websocket_trusted, 0, sizeof(dst->websocket_trusted));
	memset(&dst->limit_exempt, 0, sizeof(dst->limit_exempt));
	dst->listens = NULL;
	dst->opers = NULL;
	dst->accounts = NULL;
	dst->nlistens = dst->nopers = dst->naccounts = 0;
	for (i = 0; i < sizeof(string_fields) / sizeof(string_fields[0]); i++) {
		off = string_fields[i];
		if (*string_at_const(src, off) != NULL &&
		    config_set_string(string_at(dst, off),
		    *string_at_const(src, off)) == -1)
			goto fail;
	}
	if (config_strv_copy(&dst->flood_exempt, &src->flood_exempt) == -1 ||
	    config_strv_copy(&dst->websocket_origins, &src->websocket_origins) == -1 ||
	    config_strv_copy(&dst->websocket_trusted, &src->websocket_trusted) == -1 ||
	    config_strv_copy(&dst->limit_exempt, &src->limit_exempt) == -1 ||
	    listens_copy(dst, src) == -1 || config_blocks_copy(dst, src) == -1)
		goto fail;
	return 0;
fail:
	config_free(dst);
	return -1;
}
