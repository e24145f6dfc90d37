/*
 * A draft/multiline batch under collection: its lines in order, the
 * combined size counted as the spec counts it, and the bounds checked
 * before each line is kept. Delivery and the protocol are elsewhere.
 */
#include "multiline.h"

#include <stdlib.h>
#include <string.h>

/* Copy s into dst (size n), cut to fit and always terminated. */
static void
copy_cut(char *dst, size_t n, const char *s)
{
	size_t len = strlen(s);

	if (len >= n)
		len = n - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

struct multiline *
multiline_new(const char *ref, const char *target, int64_t now_ms)
{
	struct multiline *ml = calloc(1, sizeof(*ml));

	if (ml == NULL)
		return NULL;
	copy_cut(ml->ref, sizeof(ml->ref), ref);
	copy_cut(ml->target, sizeof(ml->target), target);
	ml->opened_ms = now_ms;
	return ml;
}

void
multiline_fail(struct multiline *ml)
{
	for (size_t i = 0; i < ml->nlines; i++)
		free(ml->lines[i].text);
	free(ml->lines);
	ml->lines = NULL;
	ml->nlines = ml->bytes = 0;
	ml->failed = true;
}

void
multiline_free(struct multiline *ml)
{
	if (ml == NULL)
		return;
	multiline_fail(ml);
	free(ml);
}

enum multiline_err
multiline_add(struct multiline *ml, const char *text, bool concat,
    size_t max_bytes, size_t max_lines)
{
	size_t len = strlen(text), add;
	struct multiline_line *v;
	char *copy;

	/* Spec: a blank line never carries draft/multiline-concat. */
	if (concat && len == 0)
		return MULTILINE_ERR_INVALID;
	if (ml->nlines >= max_lines)
		return MULTILINE_ERR_LINES;
	/* Each line feed joining two lines counts one byte; none after the last. */
	add = len + (ml->nlines > 0 && !concat ? 1 : 0);
	if (add > max_bytes - ml->bytes || ml->bytes > max_bytes)
		return MULTILINE_ERR_BYTES;
	if ((copy = malloc(len + 1)) == NULL)
		return MULTILINE_ERR_NOMEM;
	memcpy(copy, text, len + 1);
	/* The array grows by one: at most max_lines reallocations per batch. */
	if ((v = realloc(ml->lines, (ml->nlines + 1) * sizeof(*v))) == NULL) {
		free(copy);
		return MULTILINE_ERR_NOMEM;
	}
	ml->lines = v;
	v[ml->nlines].text = copy;
	v[ml->nlines].concat = concat;
	ml->nlines++;
	ml->bytes += add;
	return MULTILINE_OK;
}

bool
multiline_is_sendable(const struct multiline *ml)
{
	for (size_t i = 0; i < ml->nlines; i++)
		if (ml->lines[i].text[0] != '\0')
			return true;
	return false;
}
