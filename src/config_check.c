/*
 * Pieces of the configuration file format, pure and socket-free: words,
 * comments, numbers with size suffixes, and the checks of addresses,
 * host names, masks and block names. config.c and config_block.c use them.
 */
#include "config_check.h"

#include <limits.h>
#include <string.h>

#include "irc.h"

static bool
is_space(char c)
{
	return c == ' ' || c == '\t';
}

char *
config_trim(char *s)
{
	size_t n;

	while (is_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/*
 * Cut the line at its comment. '#' opens one only at the start or after
 * a space, so a value such as "#ircserv" or "a#b" survives.
 */
void
config_strip_comment(char *line)
{
	for (size_t i = 0; line[i] != '\0'; i++) {
		if (line[i] == '#' && (i == 0 || is_space(line[i - 1]))) {
			line[i] = '\0';
			return;
		}
	}
}

/* The next space-separated word of *s, NUL-terminated, or NULL. */
char *
config_next_word(char **s)
{
	char *w = *s, *end;

	while (is_space(*w))
		w++;
	if (*w == '\0')
		return NULL;
	end = w + strcspn(w, " \t");
	if (*end != '\0')
		*end++ = '\0';
	*s = end;
	return w;
}

/*
 * Decimal digits, and for sizes an optional K or M (units of 1024).
 * Too large a value becomes ULLONG_MAX, which fails any range check with
 * the range in the message. Returns -1 if s is not a number at all.
 */
int
config_parse_number(const char *s, bool size, unsigned long long *out)
{
	unsigned long long v = 0, unit = 1;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (ULLONG_MAX - 9) / 10)
			v = ULLONG_MAX;
		else
			v = v * 10 + (unsigned long long)(*s - '0');
	}
	if (size && (*s == 'K' || *s == 'k'))
		unit = CONFIG_KIB, s++;
	else if (size && (*s == 'M' || *s == 'm'))
		unit = CONFIG_MIB, s++;
	if (*s != '\0')
		return -1;
	*out = v > ULLONG_MAX / unit ? ULLONG_MAX : v * unit;
	return 0;
}

/* Address checks, without <arpa/inet.h>: the core stays socket-free. */

/* Dotted quad, no leading zeros (they read as octal to some parsers). */
bool
config_ipv4_is_valid(const char *s)
{
	unsigned v;
	int part, digits;

	for (part = 0; part < 4; part++) {
		if (part > 0 && *s++ != '.')
			return false;
		for (v = 0, digits = 0; *s >= '0' && *s <= '9' && digits < 4;
		    digits++)
			v = v * 10 + (unsigned)(*s++ - '0');
		if (digits == 0 || digits > 3 || v > 255 ||
		    (digits > 1 && s[-digits] == '0'))
			return false;
	}
	return *s == '\0';
}

/* RFC 4291 section 2.2 text forms: x:x:x:x:x:x:x:x, "::", trailing IPv4. */
bool
config_ipv6_is_valid(const char *s)
{
	int groups = 0, digits;
	bool gap = false;
	size_t seg;

	while (*s != '\0') {
		if (s[0] == ':' && s[1] == ':') {
			if (gap)
				return false;
			gap = true;
			s += 2;
			continue;
		}
		seg = strcspn(s, ":");
		if (memchr(s, '.', seg) != NULL) {
			if (s[seg] != '\0' || !config_ipv4_is_valid(s))
				return false;
			groups += 2;
			break;
		}
		for (digits = 0; digits < 5 && *s != '\0' &&
		    strchr("0123456789abcdefABCDEF", *s) != NULL; digits++)
			s++;
		if (digits == 0 || digits > 4 || ++groups > 8)
			return false;
		if (s[0] == ':' && s[1] != ':' && *++s == '\0')
			return false;
	}
	return gap ? groups <= 7 : groups == 8;
}

bool
config_host_is_valid(const char *s)
{
	if (strchr(s, '.') == NULL || *s == '.' || *s == '-')
		return false;
	for (; *s != '\0'; s++) {
		if (strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-", *s) == NULL)
			return false;
	}
	return true;
}

/* A glob on a client's IP text: 127.0.0.1, 10.0.*, ::1. */
bool
config_ipmask_is_valid(const char *s)
{
	return *s != '\0' && strlen(s) <= CONFIG_MASK_MAX &&
	    strspn(s, "0123456789abcdefABCDEF.:*?") == strlen(s);
}

/*
 * A web origin as browsers send it (RFC 6454): scheme://host[:port], no
 * path, printable ASCII without spaces.
 */
bool
config_origin_is_valid(const char *s)
{
	const char *host = strstr(s, "://");
	size_t n = strlen(s);

	if (host == NULL || host == s || host[3] == '\0' || n >= 256 ||
	    strchr(host + 3, '/') != NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

/* user@host, each side a glob: *@127.0.0.1, ~alice@*.example.net. */
bool
config_usermask_is_valid(const char *s)
{
	const char *at = strchr(s, '@');

	return at != NULL && at != s && at[1] != '\0' &&
	    strchr(at + 1, '@') == NULL && strchr(s, '!') == NULL &&
	    strlen(s) <= CONFIG_MASK_MAX;
}

/* Oper and account names: what a nick may hold, so OPER can name them. */
bool
config_name_is_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= IRC_NICKLEN && strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.[]\\`^|") == n;
}

