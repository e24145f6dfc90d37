/*
 * Case-insensitive string hash map: open addressing, linear probing,
 * backward-shift deletion, power-of-two table kept at most 3/4 full.
 */
#include "hmap.h"

#include <stdint.h>
#include <stdlib.h>

#include "casemap.h"

struct hmap_entry {
	const char *key;        /* NULL: empty slot */
	void       *val;
	uint32_t    hash;
};

struct hmap {
	struct hmap_entry *tab;
	size_t  mask;           /* table size - 1 */
	size_t  count;
};

#define HMAP_INITIAL 16

struct hmap *
hmap_new(void)
{
	struct hmap *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	if ((m->tab = calloc(HMAP_INITIAL, sizeof(*m->tab))) == NULL) {
		free(m);
		return NULL;
	}
	m->mask = HMAP_INITIAL - 1;
	return m;
}

void
hmap_free(struct hmap *m)
{
	if (m == NULL)
		return;
	free(m->tab);
	free(m);
}

size_t
hmap_count(const struct hmap *m)
{
	return m->count;
}

static size_t
find_slot(const struct hmap *m, const char *key, uint32_t h)
{
	size_t i = h & m->mask;

	while (m->tab[i].key != NULL) {
		if (m->tab[i].hash == h && casemap_cmp(m->tab[i].key, key) == 0)
			return i;
		i = (i + 1) & m->mask;
	}
	return i;
}

void *
hmap_get(const struct hmap *m, const char *key)
{
	size_t i = find_slot(m, key, casemap_hash(key));

	return m->tab[i].key ? m->tab[i].val : NULL;
}

static int
grow(struct hmap *m)
{
	size_t oldsize = m->mask + 1, size = oldsize * 2;
	struct hmap_entry *old = m->tab, *tab = calloc(size, sizeof(*tab));

	if (tab == NULL)
		return -1;
	m->tab = tab;
	m->mask = size - 1;
	for (size_t i = 0; i < oldsize; i++) {
		size_t j;

		if (old[i].key == NULL)
			continue;
		j = old[i].hash & m->mask;
		while (tab[j].key != NULL)
			j = (j + 1) & m->mask;
		tab[j] = old[i];
	}
	free(old);
	return 0;
}

int
hmap_put(struct hmap *m, const char *key, void *val)
{
	uint32_t h = casemap_hash(key);
	size_t i = find_slot(m, key, h);

	if (m->tab[i].key != NULL) {
		m->tab[i].key = key;
		m->tab[i].val = val;
		return 0;
	}
	if ((m->count + 1) * 4 > (m->mask + 1) * 3) {
		if (grow(m) == -1)
			return -1;
		i = find_slot(m, key, h);
	}
	m->tab[i].key = key;
	m->tab[i].val = val;
	m->tab[i].hash = h;
	m->count++;
	return 0;
}

void *
hmap_del(struct hmap *m, const char *key)
{
	size_t i = find_slot(m, key, casemap_hash(key)), j;
	void *val;

	if (m->tab[i].key == NULL)
		return NULL;
	val = m->tab[i].val;
	/* Backward shift: pull later entries of the run into the hole. */
	j = i;
	for (;;) {
		size_t home;

		j = (j + 1) & m->mask;
		if (m->tab[j].key == NULL)
			break;
		home = m->tab[j].hash & m->mask;
		/* Move j to i unless its home lies cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			m->tab[i] = m->tab[j];
			i = j;
		}
	}
	m->tab[i].key = NULL;
	m->tab[i].val = NULL;
	m->count--;
	return val;
}

void *
hmap_next(const struct hmap *m, size_t *it, const char **key)
{
	while (*it <= m->mask) {
		const struct hmap_entry *e = &m->tab[(*it)++];

		if (e->key != NULL) {
			if (key)
				*key = e->key;
			return e->val;
		}
	}
	return NULL;
}
