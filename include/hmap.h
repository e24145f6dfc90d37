/*
 * String-keyed hash map whose keys compare under the rfc1459 casemapping,
 * so "Nick" and "nICK" are one key. Open addressing with linear probing and
 * backward-shift deletion: no tombstones, no per-entry allocation.
 * The map does not copy keys: a key must stay valid and unchanged while it
 * is in the map (the user and channel registries key on names they own).
 */
#ifndef IRCSERV_HMAP_H
#define IRCSERV_HMAP_H

#include <stddef.h>

struct hmap;

/* Caller frees with hmap_free(). Returns NULL when out of memory. */
struct hmap *hmap_new(void);
/* Frees the map, not the keys or values. Accepts NULL. */
void    hmap_free(struct hmap *m);
/* The value for key, or NULL. */
void   *hmap_get(const struct hmap *m, const char *key);
/* Insert or replace. Returns 0, or -1 when out of memory (map unchanged). */
int     hmap_put(struct hmap *m, const char *key, void *val);
/* Remove key if present; returns its value or NULL. */
void   *hmap_del(struct hmap *m, const char *key);
size_t  hmap_count(const struct hmap *m);
/*
 * Iterate: start with *it = 0; each call returns the next value and its
 * key, or NULL at the end. The map must not change during iteration.
 */
void   *hmap_next(const struct hmap *m, size_t *it, const char **key);

#endif
