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

static char **
string_at(struct config *cfg, size_t offset)
{
	return (char **)(void *)((char *)cfg + offset);
}

static struct config_strv *
strv_at(struct config *cfg, size_t offset)
{
	return (struct config_strv *)(void *)((char *)cfg + offset);
}

static const struct config_strv *
strv_at_const(const struct config *cfg, size_t offset)
{
	return (const struct config_strv *)(const void *)((const char *)cfg + offset);
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
	size_t off;
	bool strv;

	for (size_t i = 0; config_owned_field(i, &off, &strv); i++) {
		if (strv)
			config_strv_free(strv_at(cfg, off));
		else
			free(*string_at(cfg, off));
	}
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

/* Copy into the detached field at off of *dst the one of *src. */
static int
owned_copy(struct config *dst, const struct config *src, size_t off,
    bool strv)
{
	const char *from;

	if (strv)
		return config_strv_copy(strv_at(dst, off), strv_at_const(src, off));
	from = *string_at_const(src, off);
	return from == NULL ? 0 : config_set_string(string_at(dst, off), from);
}

int
config_copy(struct config *dst, const struct config *src)
{
	size_t i, off;
	bool strv;

	*dst = *src;
	/* Detach every pointer first, so a failure frees only our copies. */
	for (i = 0; config_owned_field(i, &off, &strv); i++) {
		if (strv)
			*strv_at(dst, off) = (struct config_strv){ NULL, 0 };
		else
			*string_at(dst, off) = NULL;
	}
	dst->listens = NULL;
	dst->opers = NULL;
	dst->accounts = NULL;
	dst->links = NULL;
	dst->nlistens = dst->nopers = dst->naccounts = dst->nlinks = 0;
	for (i = 0; config_owned_field(i, &off, &strv); i++) {
		if (owned_copy(dst, src, off, strv) == -1)
			goto fail;
	}
	if (listens_copy(dst, src) == -1 || config_blocks_copy(dst, src) == -1)
		goto fail;
	return 0;
fail:
	config_free(dst);
	return -1;
}
