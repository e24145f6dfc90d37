/*
 * The metadata store: small bounded arrays of casefolded keys with owned
 * values. Removal keeps the order of the rest (LIST shows keys in the
 * order they were set). Who may read or write what is cmd_metadata.c's.
 */
#include "metadata.h"

#include <stdlib.h>
#include <string.h>

bool
metadata_key_valid(const char *key)
{
	size_t len = strlen(key);

	/* Spec "Keys and Values": A-Z a-z 0-9 _ . : -, not leading ':'. */
	if (len == 0 || len > METADATA_KEYLEN || key[0] == ':')
		return false;
	return strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.:-") == len;
}

void
metadata_key_fold(const char *key, char out[METADATA_KEYLEN + 1])
{
	size_t i;

	for (i = 0; i < METADATA_KEYLEN && key[i] != '\0'; i++)
		out[i] = key[i] >= 'A' && key[i] <= 'Z' ? (char)(key[i] - 'A' + 'a') : key[i];
	out[i] = '\0';
}

static ptrdiff_t
find_index(const struct metadata *md, const char *key)
{
	char folded[METADATA_KEYLEN + 1];

	metadata_key_fold(key, folded);
	for (size_t i = 0; i < md->n; i++)
		if (strcmp(md->v[i].key, folded) == 0)
			return (ptrdiff_t)i;
	return -1;
}

const struct metadata_entry *
metadata_find(const struct metadata *md, const char *key)
{
	ptrdiff_t i = find_index(md, key);

	return i < 0 ? NULL : &md->v[i];
}

const char *
metadata_get(const struct metadata *md, const char *key)
{
	const struct metadata_entry *e = metadata_find(md, key);

	return e ? e->value : NULL;
}

static int
grow(struct metadata *md)
{
	size_t cap = md->cap ? md->cap * 2 : 4;
	struct metadata_entry *v;

	if (md->n < md->cap)
		return 0;
	if ((v = realloc(md->v, cap * sizeof(*v))) == NULL)
		return -1;
	md->v = v;
	md->cap = cap;
	return 0;
}

int
metadata_set(struct metadata *md, const char *key, const char *value, size_t max)
{
	ptrdiff_t i = find_index(md, key);
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return -2;
	if (i >= 0) {
		free(md->v[i].value);
		md->v[i].value = copy;
		return 0;
	}
	if (md->n >= max) {
		free(copy);
		return -1;
	}
	if (grow(md) < 0) {
		free(copy);
		return -2;
	}
	metadata_key_fold(key, md->v[md->n].key);
	md->v[md->n++].value = copy;
	return 1;
}

int
metadata_del(struct metadata *md, const char *key)
{
	ptrdiff_t i = find_index(md, key);

	if (i < 0)
		return 0;
	free(md->v[i].value);
	memmove(&md->v[i], &md->v[i + 1], (md->n - (size_t)i - 1) * sizeof(md->v[0]));
	md->n--;
	return 1;
}

void
metadata_free(struct metadata *md)
{
	for (size_t i = 0; i < md->n; i++)
		free(md->v[i].value);
	free(md->v);
	md->v = NULL;
	md->n = md->cap = 0;
}
