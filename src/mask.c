/*
 * Mask cleaning: what a client types becomes a mask that can be stored,
 * listed, removed and matched cheaply. Pure; knows nothing of channels.
 * The extended-mask letters are given by the caller.
 */
#include "mask.h"

#include <stdio.h>
#include <string.h>

size_t
mask_simplify(char *mask)
{
	size_t i = 0, o = 0;

	while (mask[i]) {
		size_t q = 0;
		bool star = false;

		if (mask[i] != '*' && mask[i] != '?') {
			mask[o++] = mask[i++];
			continue;
		}
		/* A run of wildcards: its '?' count, then one '*' if any. */
		for (; mask[i] == '*' || mask[i] == '?'; i++) {
			if (mask[i] == '*')
				star = true;
			else
				q++;
		}
		while (q-- > 0)
			mask[o++] = '?';
		if (star)
			mask[o++] = '*';
	}
	mask[o] = '\0';
	return o;
}

/* Whether in may be stored at all; see mask_normalize(). */
static bool
mask_is_clean(const char *in)
{
	if (in[0] == '\0' || in[0] == ':')
		return false;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == ',')
			return false;
	return true;
}

/* Append the len bytes at part to out at *o, or "*" when empty, then sep. */
static void
put_part(char *out, size_t *o, const char *part, size_t len, const char *sep)
{
	if (len == 0) {
		part = "*";
		len = 1;
	}
	memcpy(out + *o, part, len);
	*o += len;
	memcpy(out + *o, sep, strlen(sep) + 1);
	*o += strlen(sep);
}

/* Complete the simplified mask m into out: nick!user@host. */
static void
complete(const char *m, char *out)
{
	const char *bang = strchr(m, '!'), *at = strchr(bang ? bang : m, '@');
	const char *user = m;
	size_t o = 0, nick_len = 0;

	/* No '!' nor '@': a host when it has a '.' or ':' (hybrid, Solanum). */
	if (bang == NULL && at == NULL && strpbrk(m, ".:") != NULL) {
		put_part(out, &o, "", 0, "!");
		put_part(out, &o, "", 0, "@");
		put_part(out, &o, m, strlen(m), "");
		return;
	}
	if (bang) {
		nick_len = (size_t)(bang - m);
		user = bang + 1;
	} else if (at == NULL) {
		nick_len = strlen(m);
		user = m + nick_len;
	}
	put_part(out, &o, m, nick_len, "!");
	put_part(out, &o, user, at ? (size_t)(at - user) : strlen(user), "@");
	put_part(out, &o, at ? at + 1 : "", at ? strlen(at + 1) : 0, "");
}

enum mask_kind
mask_normalize(const char *in, const char *extbans, char *out, size_t outsz)
{
	char m[512];   /* any parameter of a 512-byte line */
	size_t n = strlen(in);

	if (outsz < MASK_LEN_MAX + 1 || n >= sizeof(m) || !mask_is_clean(in))
		return MASK_INVALID;
	/* Simplify first, so that a "***" run does not count against the length. */
	memcpy(m, in, n + 1);
	if (mask_simplify(m) > MASK_LEN_MAX - 4)
		return MASK_INVALID;
	if (extbans && m[1] == ':' && strchr(extbans, m[0]) != NULL) {
		memcpy(out, m, strlen(m) + 1);
		return MASK_EXTENDED;
	}
	complete(m, out);
	return MASK_PLAIN;
}
