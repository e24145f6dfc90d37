/*
 * rfc1459 casemapping and name validation. Pure functions. The one
 * casemapping (ISUPPORT CASEMAPPING=rfc1459: A-Z and []\~ fold to a-z and
 * {}|^) is applied to nicks, channels, masks and keys of every lookup.
 */
#ifndef IRCSERV_CASEMAP_H
#define IRCSERV_CASEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fold one character. */
char     casemap_lower(char c);
/* Fold src into dst (size dstsz, always NUL-terminated, truncated). */
void     casemap_fold(char *dst, const char *src, size_t dstsz);
/* Compare under the casemapping, like strcmp. */
int      casemap_cmp(const char *a, const char *b);
/* Hash of the folded string (FNV-1a). */
uint32_t casemap_hash(const char *s);
/* Wildcard match ('*' any run, '?' one char) under the casemapping. */
bool     casemap_match(const char *mask, const char *s);

/* RFC 2812 2.3.1 nickname, at most nicklen bytes. */
bool     name_nick_is_valid(const char *nick, size_t nicklen);
/*
 * Channel name: a CHANTYPES prefix, no space, comma, BEL or ':', UTF-8;
 * at most chanlen bytes.
 */
bool     name_channel_is_valid(const char *name, size_t chanlen);
/* True when s starts with a channel type character. */
bool     name_is_channel(const char *s);
/*
 * Copy a USER username into dst (size dstsz), keeping at most userlen
 * bytes and only characters allowed in a user@host mask. Returns the
 * length, 0 when nothing usable is left.
 */
size_t   name_user_clean(char *dst, size_t dstsz, const char *user, size_t userlen);

#endif
