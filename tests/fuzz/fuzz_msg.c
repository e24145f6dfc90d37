/*
 * libFuzzer harness for the pure message layer: msg_parse() on arbitrary
 * bytes (embedded NULs included, as buf_take_line() can hand them over),
 * then the tag helpers, msg_next_word(), mode_parse() and the casemap
 * checks on whatever the parse produced. Checks the parser's contract:
 * every pointer lies inside the line, at most 15 parameters, outputs
 * always NUL-terminated within their size.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "casemap.h"
#include "irc.h"
#include "mode.h"
#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* p points into [line, line + len], at a NUL-terminated string. */
static void
check_inside(const char *line, size_t len, const char *p)
{
	assert(p >= line && p <= line + len);
	assert(p + strlen(p) <= line + len);
}

/* The tag helpers with a few keys and output sizes, including 0 and 1. */
static void
check_tags(const char *tags)
{
	static const char *const keys[] = {
		"time", "msgid", "label", "batch", "+typing", "+draft/reply",
		"account", "", "a", "+",
	};
	static const size_t sizes[] = { 0, 1, 2, 8, 64, IRC_CLIENT_TAGS_MAX };
	char *out = malloc(IRC_CLIENT_TAGS_MAX + 1);

	assert(out != NULL);
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			int r;

			memset(out, 'X', IRC_CLIENT_TAGS_MAX + 1);
			r = msg_tag_get(tags, keys[k], out, sizes[s]);
			assert(r == 0 || r == 1);
			if (sizes[s] > 0)
				assert(memchr(out, '\0', sizes[s]) != NULL);
		}
	}
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n;

		memset(out, 'X', IRC_CLIENT_TAGS_MAX + 1);
		n = msg_client_tags(tags, out, sizes[s]);
		if (sizes[s] > 0) {
			assert(n < sizes[s]);
			assert(strlen(out) == n);
		} else {
			assert(n == 0);
		}
	}
	free(out);
}

/* What handlers do with parameters: modes, names, masks, words. */
static void
check_params(const struct msg *m)
{
	struct mode_change changes[IRC_MODES * 4];
	char fold[IRC_CHANNELLEN + 1], user[IRC_USERLEN + 1];
	int n;

	if (m->nparams >= 2) {
		n = mode_parse(m->params[1], m->params + 2, m->nparams - 2,
		    changes, (int)(sizeof(changes) / sizeof(changes[0])));
		assert(n >= 0 && n <= (int)(sizeof(changes) / sizeof(changes[0])));
		casemap_match(m->params[0], m->params[1]);
		casemap_cmp(m->params[0], m->params[1]);
	}
	for (int i = 0; i < m->nparams; i++) {
		casemap_fold(fold, m->params[i], sizeof(fold));
		assert(strlen(fold) < sizeof(fold));
		name_nick_is_valid(m->params[i], IRC_NICKLEN);
		name_channel_is_valid(m->params[i], IRC_CHANNELLEN);
		assert(name_user_clean(user, sizeof(user), m->params[i],
		    IRC_USERLEN) == strlen(user));
		casemap_hash(m->params[i]);
	}
	if (m->nparams > 0) {
		char *copy = strdup(m->params[m->nparams - 1]), *cur = copy, *w;

		assert(copy != NULL);
		while ((w = msg_next_word(&cur)) != NULL)
			assert(*w != '\0' && strchr(w, ' ') == NULL);
		free(copy);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	struct msg m;

	assert(line != NULL);
	memcpy(line, data, size);
	line[size] = '\0';
	if (msg_parse(line, size, &m) == 0) {
		assert(m.command != NULL && *m.command != '\0');
		assert(strchr(m.command, ' ') == NULL);
		check_inside(line, size, m.command);
		for (const char *c = m.command; *c; c++)
			assert(!(*c >= 'a' && *c <= 'z'));
		assert(m.nparams >= 0 && m.nparams <= IRC_PARAMS_MAX);
		for (int i = 0; i < m.nparams; i++)
			check_inside(line, size, m.params[i]);
		if (m.source)
			check_inside(line, size, m.source);
		if (m.tags) {
			check_inside(line, size, m.tags);
			assert(m.tags_len <= size);
			check_tags(m.tags);
		}
		check_params(&m);
	}
	/* The tag helpers also see raw sections straight from the wire. */
	line[size] = '\0';
	memcpy(line, data, size);
	check_tags(line);
	free(line);
	return 0;
}
