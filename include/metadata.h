/*
 * IRCv3 draft/metadata-3 store: the key/value pairs of one user or one
 * channel, and a client's key subscriptions. Pure data, no I/O: the
 * METADATA command (cmd_metadata.c) checks permissions and talks to
 * clients. Keys are kept casefolded (ASCII lower case) since the spec makes
 * them case-insensitive. Everything is bounded: the settings
 * metadata_max_keys pairs per target, metadata_max_subs subscriptions per
 * client and metadata_max_value_bytes bytes per value (the caller passes
 * them in), METADATA_KEYLEN bytes per key, so a lookup is a short linear
 * scan.
 */
#ifndef IRCSERV_METADATA_H
#define IRCSERV_METADATA_H

#include <stdbool.h>
#include <stddef.h>

#define METADATA_KEYLEN     32      /* bytes of a key name */
/* Defaults of the settings (config.h), shown in the capability's value. */
#define METADATA_MAX_KEYS   20      /* pairs per user or channel (max-keys) */
#define METADATA_MAX_SUBS   50      /* subscriptions per client (max-subs) */
#define METADATA_MAX_VALUE  300     /* bytes of a value (max-value-bytes) */
/* The most metadata_max_value_bytes may be: a 761 reply still fits a line. */
#define METADATA_VALUE_CAP  300
/* Defaults of metadata_set_burst and metadata_set_rate (per minute). */
#define METADATA_SET_BURST  10
#define METADATA_SET_RATE   60

struct metadata_entry {
	char    key[METADATA_KEYLEN + 1];       /* casefolded */
	char   *value;                  /* owned; NULL in a subscription list */
};

/*
 * A set of keys, each with a value (a target's metadata) or without (a
 * client's subscriptions), in the order they were added. Zeroed is empty.
 * Embedded in struct client and struct channel; their owners release it
 * with metadata_free().
 */
struct metadata {
	struct metadata_entry *v;
	size_t  n, cap;
};

/*
 * Whether key is a valid name (spec "Keys and Values"): 1 to
 * METADATA_KEYLEN bytes of A-Z a-z 0-9 _ . : -, not starting with ':'.
 */
bool    metadata_key_valid(const char *key);
/* Copy the valid key into out, casefolded. */
void    metadata_key_fold(const char *key, char out[METADATA_KEYLEN + 1]);

/* The entry of key (valid, any case) in md, or NULL. */
const struct metadata_entry *metadata_find(const struct metadata *md, const char *key);
/* The value of key in md, or NULL when not set. */
const char *metadata_get(const struct metadata *md, const char *key);
/*
 * Set key (valid) to a copy of value, or add key with no value when value
 * is NULL (a subscription). A new key is refused when md already holds
 * max keys. Returns 1 added, 0 replaced (or already present), -1 when
 * full, -2 out of memory.
 */
int     metadata_set(struct metadata *md, const char *key, const char *value, size_t max);
/* Remove key. Returns 1 removed, 0 not present. */
int     metadata_del(struct metadata *md, const char *key);
/* Release every entry; md is empty and reusable afterwards. */
void    metadata_free(struct metadata *md);

#endif
