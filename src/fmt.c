/*
 * fmt_vsnprintf() (fmt.h): the format is checked first, so that one the
 * short path cannot do goes whole, arguments untouched, to vsnprintf().
 */
#include "fmt.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct sink {
	char   *out;
	size_t  size;
	size_t  len;                    /* of the whole text, written or not */
};

static void
put(struct sink *s, const char *p, size_t n)
{
	if (s->size > 0 && s->len < s->size - 1) {
		size_t room = s->size - 1 - s->len;

		memcpy(s->out + s->len, p, n < room ? n : room);
	}
	s->len += n;
}

static void
put_num(struct sink *s, unsigned long long v, bool negative)
{
	char digits[24];
	size_t i = sizeof(digits);

	do
		digits[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if (negative)
		digits[--i] = '-';
	put(s, digits + i, sizeof(digits) - i);
}

/* Only %s %c %d %u %ld %lu %lld %llu %zu %%, each bare. */
static bool
simple(const char *fmt)
{
	for (const char *p = fmt; (p = strchr(p, '%')) != NULL; p++) {
		switch (*++p) {
		case 's': case 'c': case 'd': case 'u': case '%':
			break;
		case 'l':
			if (p[1] == 'l')
				p++;
			if (p[1] != 'd' && p[1] != 'u')
				return false;
			p++;
			break;
		case 'z':
			if (p[1] != 'u')
				return false;
			p++;
			break;
		default:
			return false;
		}
	}
	return true;
}

static void
put_signed(struct sink *s, long long v)
{
	put_num(s, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v, v < 0);
}

/* One conversion at p (just after '%'); returns what follows it. */
static const char *
convert(struct sink *s, const char *p, va_list *ap)
{
	const char *str;
	char c;

	switch (*p) {
	case 's':
		str = va_arg(*ap, const char *);
		if (str == NULL)
			str = "(null)";
		put(s, str, strlen(str));
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		put(s, &c, 1);
		break;
	case 'd':
		put_signed(s, va_arg(*ap, int));
		break;
	case 'u':
		put_num(s, va_arg(*ap, unsigned), false);
		break;
	case 'l':
		if (p[1] == 'l') {
			if (*(p += 2) == 'd')
				put_signed(s, va_arg(*ap, long long));
			else
				put_num(s, va_arg(*ap, unsigned long long), false);
		} else if (*++p == 'd') {
			put_signed(s, va_arg(*ap, long));
		} else {
			put_num(s, va_arg(*ap, unsigned long), false);
		}
		break;
	case 'z':
		p++;
		put_num(s, va_arg(*ap, size_t), false);
		break;
	default:
		put(s, "%", 1);
		break;
	}
	return p + 1;
}

int
fmt_vsnprintf(char *out, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { out, size, 0 };
	const char *p = fmt, *pct;
	va_list aq;

	if (!simple(fmt))
		return vsnprintf(out, size, fmt, ap);
	va_copy(aq, ap);
	while ((pct = strchr(p, '%')) != NULL) {
		put(&s, p, (size_t)(pct - p));
		p = convert(&s, pct + 1, &aq);
	}
	va_end(aq);
	put(&s, p, strlen(p));
	if (size > 0)
		out[s.len < size ? s.len : size - 1] = '\0';
	return s.len > INT_MAX ? -1 : (int)s.len;
}

int
fmt_snprintf(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(out, size, fmt, ap);
	va_end(ap);
	return n;
}
