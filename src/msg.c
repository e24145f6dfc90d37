/*
 * Message parser: splits a line in place into tags, source, command and at
 * most 15 parameters, following RFC 2812 2.3.1 (the 15th parameter takes the
 * rest of the line). It never allocates; pointers borrow from the line.
 */
#include "msg.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"

static char *
skip_spaces(char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/* Cut the word at p: NUL-terminate it and return what follows. */
static char *
cut_word(char *p)
{
	char *sp = strchr(p, ' ');

	if (sp == NULL)
		return p + strlen(p);
	*sp = '\0';
	return sp + 1;
}

int
msg_parse(char *line, size_t len, struct msg *m)
{
	char *p = line;

	memset(m, 0, sizeof(*m));
	m->len = len;
	p = skip_spaces(p);
	if (*p == '@') {
		m->tags = p + 1;
		p = cut_word(p);
		m->tags_len = (size_t)(p - (m->tags - 1));
		p = skip_spaces(p);
	}
	if (*p == ':') {
		m->source = p + 1;
		p = cut_word(p);
		p = skip_spaces(p);
	}
	if (*p == '\0')
		return -1;
	m->command = p;
	p = cut_word(p);
	for (char *c = m->command; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');

	for (;;) {
		p = skip_spaces(p);
		if (*p == '\0')
			break;
		if (*p == ':') {
			m->params[m->nparams++] = p + 1;
			m->trailing = true;
			break;
		}
		if (m->nparams == IRC_PARAMS_MAX - 1) {
			/* RFC 2812 2.3.1: the 15th parameter is the rest. */
			m->params[m->nparams++] = p;
			m->trailing = true;
			break;
		}
		m->params[m->nparams++] = p;
		p = cut_word(p);
	}
	return 0;
}

char *
msg_next_word(char **cursor)
{
	char *w = *cursor, *end;

	while (*w == ' ')
		w++;
	if (*w == '\0')
		return NULL;
	end = strchr(w, ' ');
	if (end) {
		*end = '\0';
		*cursor = end + 1;
	} else {
		*cursor = w + strlen(w);
	}
	return w;
}

/* IRCv3 message-tags: unescape one value ("\:" ";", "\s" " ", ...). */
static void
unescape_value(const char *v, size_t n, char *out, size_t outsz)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < outsz; i++) {
		char c = v[i];

		if (c == '\\') {
			if (++i == n)
				break;
			switch (v[i]) {
			case ':': c = ';'; break;
			case 's': c = ' '; break;
			case 'r': c = '\r'; break;
			case 'n': c = '\n'; break;
			default: c = v[i]; break;
			}
		}
		out[o++] = c;
	}
	out[o] = '\0';
}

int
msg_tag_get(const char *tags, const char *key, char *val, size_t valsz)
{
	size_t klen = strlen(key);
	const char *p = tags;

	if (valsz)
		val[0] = '\0';
	while (p && *p) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		size_t kn = eq ? (size_t)(eq - p) : n;

		if (kn == klen && memcmp(p, key, klen) == 0) {
			if (eq && valsz)
				unescape_value(eq + 1, n - kn - 1, val, valsz);
			return 1;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

/* IRCv3 message-tags: key = ['+'] [vendor '/'] 1*(alnum / '-' / '.'). */
static bool
tag_key_is_valid(const char *k, size_t n)
{
	if (n < 2 || k[0] != '+')
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = k[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '/'))
			return false;
	}
	return true;
}

size_t
msg_client_tags(const char *tags, char *out, size_t outsz)
{
	size_t len = 0;
	const char *p = tags;

	if (outsz)
		out[0] = '\0';
	while (p && *p) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		size_t kn = eq ? (size_t)(eq - p) : n;

		if (tag_key_is_valid(p, kn) && len + n + 2 <= outsz) {
			if (len)
				out[len++] = ';';
			memcpy(out + len, p, n);
			len += n;
			out[len] = '\0';
		}
		p = end ? end + 1 : NULL;
	}
	return len;
}

/* Bytes a sequence led by c takes (0: c cannot lead one). */
static size_t
utf8_seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/*
 * Bytes of the well-formed sequence at s (n > 0 bytes available), or 0
 * when s[0] does not start one.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t len = utf8_seq_len(s[0]);

	if (len == 0 || len > n)
		return 0;
	for (size_t k = 1; k < len; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	/* RFC 3629 4: the second byte's range after E0, ED, F0 and F4. */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

size_t
msg_utf8_valid(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, n;
	uint64_t w;

	while (i < len) {
		/* ASCII 8 bytes at a time (memcpy: any alignment). */
		for (; i + 8 <= len; i += 8) {
			memcpy(&w, s + i, 8);
			if (w & UINT64_C(0x8080808080808080))
				break;
		}
		while (i < len && s[i] < 0x80)
			i++;
		if (i == len || (n = utf8_seq(s + i, len - i)) == 0)
			break;
		i += n;
	}
	return i;
}

bool
msg_is_utf8(const char *p, size_t len)
{
	return msg_utf8_valid(p, len) == len;
}

size_t
msg_utf8_trim(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t lead = len;

	/* Back over at most three continuation bytes to a lead byte. */
	while (lead > 0 && len - lead < 3 && (s[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0)
		return len;
	lead--;
	if (utf8_seq_len(s[lead]) > len - lead)
		return lead;
	return len;
}

size_t
msg_utf8_cut(const char *s, size_t max)
{
	return msg_utf8_trim(s, strnlen(s, max));
}

size_t
msg_finish_line(char *out, int n)
{
	size_t len = n < 0 ? 0 : (size_t)n;

	/*
	 * RFC 1459 2.3: cut the text so that text + CR LF fits in 512, and
	 * not inside a character (UTF8ONLY: what is relayed stays UTF-8).
	 */
	if (len > IRC_LINE_MAX - 2)
		len = msg_utf8_trim(out, IRC_LINE_MAX - 2);
	out[len++] = '\r';
	out[len++] = '\n';
	return len;
}

size_t
msg_cat(char *out, size_t cap, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (len < cap - 1) {
		size_t k = n < cap - 1 - len ? n : cap - 1 - len;

		memcpy(out + len, s, k);
		out[len + k] = '\0';
	}
	return len + n;
}

size_t
msg_concat(char *out, const char *const parts[], size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len = msg_cat(out, IRC_LINE_MAX - 1, len, parts[i]);
	/* Parts are bounded strings; a total past INT_MAX is cut all the same. */
	return msg_finish_line(out, len > INT_MAX ? INT_MAX : (int)len);
}

size_t
msg_vformat(char *out, const char *fmt, va_list ap)
{
	return msg_finish_line(out, fmt_vsnprintf(out, IRC_LINE_MAX - 1, fmt, ap));
}

size_t
msg_format(char *out, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = msg_vformat(out, fmt, ap);
	va_end(ap);
	return n;
}
