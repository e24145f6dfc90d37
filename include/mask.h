/*
 * Masks as clients send them: cleaning and normalizing before a mask is
 * stored (channel lists +b/+e/+I) or matched (WHO, LIST). Pure functions;
 * matching itself is casemap_match().
 */
#ifndef IRCSERV_MASK_H
#define IRCSERV_MASK_H

#include <stdbool.h>
#include <stddef.h>

/* Longest list mask: nick!user@host at the longest, plus room for wildcards. */
#define MASK_LEN_MAX    (30 + 10 + 63 + 2 + 24)
/* Longest WHO or LIST search mask; longer ones match nothing. */
#define MASK_QUERY_MAX  255

/*
 * Rewrite mask in place without changing what it matches: runs of '*'
 * become one '*', and the '?' of a wildcard run go before its '*'
 * ("*?*?" -> "??*"), so the matcher backtracks as little as possible.
 * Returns the new length.
 */
size_t  mask_simplify(char *mask);

/*
 * Extended masks ("a:account", "m:nick!user@host", ISUPPORT EXTBAN):
 * when extbans (may be NULL) holds the letter before a ':' at the start of
 * in, the mask is extended; the rest is left for the extban's owner to
 * check and is only simplified here.
 */
enum mask_kind {
	MASK_INVALID = -1,      /* refused: empty, too long, space, control, ',', leading ':' */
	MASK_PLAIN = 0,         /* out is nick!user@host */
	MASK_EXTENDED = 1,      /* out is "<letter>:<rest>", rest not completed */
};

/*
 * Clean and complete a +b/+e/+I mask into out (outsz bytes, at least
 * MASK_LEN_MAX + 1): "nick" -> "nick!*@*", "user@host" -> "*!user@host",
 * "nick!user" -> "nick!user@*", "host.name" or an address with ':' ->
 * "*!*@host.name", empty parts -> "*", wildcards simplified. Every mask
 * stored this way can be sent as a middle parameter and removed by the
 * text shown in the list, or by what was typed.
 */
enum mask_kind mask_normalize(const char *in, const char *extbans, char *out, size_t outsz);

#endif
