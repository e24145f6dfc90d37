/*
 * Casefolding, case-insensitive hashing and wildcard matching under rfc1459
 * casemapping, and the validity rules for nicknames, channel names and
 * usernames. Pure; no state.
 */
#include "casemap.h"

#include <stdint.h>
#include <string.h>

#include "irc.h"
#include "msg.h"

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

/*
 * Greedy glob with a single backtrack point: linear for the usual masks,
 * but a segment after a '*' may be retried at every position of s.
 * Gives up (-1) after budget steps; 1 match, 0 no match.
 */
static int
match_greedy(const char *mask, const char *s, size_t budget)
{
	const char *star = NULL, *retry = NULL;

	while (*s) {
		if (budget-- == 0)
			return -1;
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
			return 0;
		}
	}
	while (*mask == '*')
		mask++;
	return *mask == '\0';
}

/* Longest mask (in non-'*' characters) the bit-parallel matcher takes. */
#define MATCH_NFA_SYMBOLS 255
#define MATCH_NFA_WORDS   ((MATCH_NFA_SYMBOLS + 1 + 63) / 64)

/*
 * The mask as a bit-parallel automaton (Shift-And): state i means "the
 * first i symbols matched", a '*' is a self-loop on the state it follows.
 * O(strlen(s) * words) whatever the mask; -1 when the mask is too long.
 */
static int
match_nfa(const char *mask, const char *s)
{
	uint64_t rows[MATCH_NFA_SYMBOLS + 1][MATCH_NFA_WORDS], loop[MATCH_NFA_WORDS];
	uint64_t d[MATCH_NFA_WORDS], any;
	unsigned char idx[256];
	size_t k = 0, nrows = 1, w, nw;

	memset(idx, 0, sizeof(idx));
	memset(rows, 0, sizeof(rows[0]));
	memset(loop, 0, sizeof(loop));
	for (const char *p = mask; *p; p++) {
		size_t bit = k + 1;
		unsigned char c = (unsigned char)casemap_lower(*p);

		if (*p == '*') {
			loop[k / 64] |= 1ull << (k % 64);
			continue;
		}
		if (k == MATCH_NFA_SYMBOLS)
			return -1;
		if (*p == '?') {
			/* '?' takes any character: set in every row, present and future. */
			for (size_t r = 0; r < nrows; r++)
				rows[r][bit / 64] |= 1ull << (bit % 64);
		} else {
			if (idx[c] == 0) {
				idx[c] = (unsigned char)nrows;
				memcpy(rows[nrows], rows[0], sizeof(rows[0]));
				nrows++;
			}
			rows[idx[c]][bit / 64] |= 1ull << (bit % 64);
		}
		k++;
	}
	nw = k / 64 + 1;
	memset(d, 0, sizeof(d));
	d[0] = 1;
	for (; *s; s++) {
		const uint64_t *m = rows[idx[(unsigned char)casemap_lower(*s)]];
		uint64_t carry = 0;

		any = 0;
		for (w = 0; w < nw; w++) {
			uint64_t next = ((d[w] << 1) | carry) & m[w];

			carry = d[w] >> 63;
			d[w] = next | (d[w] & loop[w]);
			any |= d[w];
		}
		if (any == 0)
			return 0;
	}
	return (d[k / 64] >> (k % 64)) & 1;
}

/*
 * What follows the mask's last '*' (all of it when there is none) must
 * match the end of s, of n bytes. Checked first, it turns most strings
 * away at once whatever the rest of the mask (WHO over long realnames).
 */
static bool
match_tail(const char *mask, const char *s, size_t n)
{
	size_t m = strlen(mask), t = 0;

	while (t < m && mask[m - 1 - t] != '*')
		t++;
	if (t > n || (t == m && m != n))
		return false;
	for (size_t i = 0; i < t; i++) {
		char c = mask[m - t + i];

		if (c != '?' && casemap_lower(c) != casemap_lower(s[n - t + i]))
			return false;
	}
	return true;
}

bool
casemap_match(const char *mask, const char *s)
{
	size_t n = strlen(s);
	int r;

	if (!match_tail(mask, s, n))
		return false;
	r = match_greedy(mask, s, 4 * n + 64);

	/* Backtracking went on too long: switch to the linear-time matcher. */
	if (r < 0)
		r = match_nfa(mask, s);
	if (r < 0)
		r = match_greedy(mask, s, SIZE_MAX);
	return r == 1;
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
	/*
	 * RFC 2812 1.3: no space, ^G or comma; ':' would split a mask. UTF-8
	 * even with utf8only = no: every client, a WebSocket text one too,
	 * must be able to name the channel back.
	 */
	return strpbrk(name, " ,\a:") == NULL && msg_is_utf8(name, n);
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
