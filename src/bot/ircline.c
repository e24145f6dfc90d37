/*
 * Parsing of received IRC lines for the bot, and rfc1459 casemapping.
 * The parser cuts the caller's buffer in place and never reads past its
 * NUL; anything malformed yields -1 rather than a half-filled message.
 */
#include "bot/ircline.h"

#include <string.h>

char
ircline_lower(char c)
{
	/* rfc1459: []\~ are the upper case of {}|^. */
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	switch (c) {
	case '[':
		return '{';
	case ']':
		return '}';
	case '\\':
		return '|';
	case '~':
		return '^';
	default:
		return c;
	}
}

int
ircline_casecmp(const char *a, const char *b)
{
	unsigned char ca, cb;

	do {
		ca = (unsigned char)ircline_lower(*a++);
		cb = (unsigned char)ircline_lower(*b++);
	} while (ca != '\0' && ca == cb);
	return ca - cb;
}

void
ircline_fold(char *dst, const char *src, size_t dstsz)
{
	size_t i = 0;

	if (dstsz == 0)
		return;
	for (; src[i] != '\0' && i + 1 < dstsz; i++)
		dst[i] = ircline_lower(src[i]);
	dst[i] = '\0';
}

size_t
ircline_copy(char *dst, const char *src, size_t dstsz)
{
	size_t len = strlen(src), n = len < dstsz - 1 ? len : dstsz - 1;

	memcpy(dst, src, n);
	dst[n] = '\0';
	return len;
}

size_t
ircline_utf8_cut(const char *s, size_t len, size_t max)
{
	size_t n;

	if (len <= max)
		return len;
	n = max;
	/* Back up over continuation bytes to the lead byte, and drop it too. */
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

bool
ircline_is_channel(const char *name)
{
	return name[0] == '#' || name[0] == '&';
}

const char *
ircline_param(const struct ircline *m, int i)
{
	return i >= 0 && i < m->nparams ? m->params[i] : "";
}

/* Skip spaces; RFC 2812 2.3.1 separates fields by one or more. */
static char *
skip_spaces(char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/* Cut the word at p; returns where the next field starts. */
static char *
cut_word(char *p)
{
	char *sp = strchr(p, ' ');

	if (sp == NULL)
		return p + strlen(p);
	*sp = '\0';
	return sp + 1;
}

static void
set_nick(struct ircline *m)
{
	size_t n = strcspn(m->source, "!@");

	if (n >= sizeof(m->nick))
		n = sizeof(m->nick) - 1;
	memcpy(m->nick, m->source, n);
	m->nick[n] = '\0';
}

int
ircline_parse(struct ircline *m, char *buf)
{
	char *p = skip_spaces(buf);

	memset(m, 0, sizeof(*m));
	/* IRCv3 message-tags: the bot needs none of them. */
	if (*p == '@')
		p = skip_spaces(cut_word(p));
	if (*p == ':') {
		m->source = p + 1;
		p = skip_spaces(cut_word(p));
		set_nick(m);
	}
	if (*p == '\0')
		return -1;
	m->command = p;
	p = skip_spaces(cut_word(p));
	for (char *c = m->command; *c != '\0'; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	while (*p != '\0' && m->nparams < IRCLINE_PARAMS_MAX) {
		/* RFC 2812 2.3.1: the 15th parameter takes the rest, ':' or not. */
		if (*p == ':' || m->nparams == IRCLINE_PARAMS_MAX - 1) {
			m->params[m->nparams++] = *p == ':' ? p + 1 : p;
			break;
		}
		m->params[m->nparams++] = p;
		p = skip_spaces(cut_word(p));
	}
	return 0;
}
