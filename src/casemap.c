/*
 * Casefolding, case-insensitive hashing and wildcard matching under rfc1459
 * casemapping, and the validity rules for nicknames, channel names and
 * usernames. Pure; no state.
 */
#include "casemap.h"

#include <string.h>

#include "irc.h"

char
casemap_lower(char c)
{
	/* rfc1459: '[' ']' '\' '~' are the upper case of '{' '}' '|' '^'. */
	if ((c >= 'A' && c <= 'Z') || c == '[' || c == ']' || c == '\\')
		return (char)(c + 32);
	if (c == '~')
		return '^';
	return c;
}

void
casemap_fold(char *dst, const char *src, size_t dstsz)
{
	size_t i = 0;

	if (dstsz == 0)
		return;
	for (; src[i] && i + 1 < dstsz; i++)
		dst[i] = casemap_lower(src[i]);
	dst[i] = '\0';
}

int
casemap_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char ca = (unsigned char)casemap_lower(*a);
		unsigned char cb = (unsigned char)casemap_lower(*b);

		if (ca != cb || ca == '\0')
			return ca - cb;
	}
}

uint32_t
casemap_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)casemap_lower(*s);
		h *= 16777619u;
	}
	return h;
}

bool
casemap_match(const char *mask, const char *s)
{
	const char *star = NULL, *retry = NULL;

	/* Iterative glob with single backtrack point: linear-ish, no recursion. */
	while (*s) {
		if (*mask == '*') {
			star = ++mask;
			retry = s;
		} else if (*mask == '?' ||
		    (*mask && casemap_lower(*mask) == casemap_lower(*s))) {
			mask++;
			s++;
		} else if (star) {
			mask = star;
			s = ++retry;
		} else {
			return false;
		}
	}
	while (*mask == '*')
		mask++;
	return *mask == '\0';
}

static bool
is_nick_special(char c)
{
	return c != '\0' && strchr("[]\\`_^{|}", c) != NULL;
}

bool
name_nick_is_valid(const char *nick, size_t nicklen)
{
	size_t n = strlen(nick);

	if (n == 0 || n > nicklen)
		return false;
	/* RFC 2812 2.3.1: ( letter / special ) *( letter / digit / special / "-" ) */
	if (!((nick[0] >= 'A' && nick[0] <= 'Z') || (nick[0] >= 'a' && nick[0] <= 'z') ||
	    is_nick_special(nick[0])))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = nick[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || is_nick_special(c)))
			return false;
	}
	return true;
}

bool
name_is_channel(const char *s)
{
	return s[0] != '\0' && strchr(IRC_CHANTYPES, s[0]) != NULL;
}

bool
name_channel_is_valid(const char *name, size_t chanlen)
{
	size_t n = strlen(name);

	if (n < 2 || n > chanlen || !name_is_channel(name))
		return false;
	/* RFC 2812 1.3: no space, ^G or comma; ':' would split a mask. */
	return strpbrk(name, " ,\a:") == NULL;
}

size_t
name_user_clean(char *dst, size_t dstsz, const char *user, size_t userlen)
{
	size_t o = 0;

	for (; *user && o < userlen && o + 1 < dstsz; user++) {
		unsigned char c = (unsigned char)*user;

		/* Keep what a nick!user@host mask can carry unambiguously. */
		if (c <= ' ' || c == '@' || c == '!' || c == '*' || c == '?' ||
		    c == ',' || c == ':' || c >= 0x7f)
			continue;
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return o;
}
