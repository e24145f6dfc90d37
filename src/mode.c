/*
 * Mode string parsing: turns "+kl-i key 10" and its arguments into single
 * changes, taking parameters by each letter's ISUPPORT CHANMODES type.
 * Pure; deciding what is allowed and applying it is cmd_mode.c's job.
 */
#include "mode.h"

#include <stddef.h>

enum mode_kind
mode_channel_kind(char c)
{
	switch (c) {
	case 'b': case 'e': case 'I':
		return MODE_KIND_LIST;
	case 'k':
		return MODE_KIND_ALWAYS;
	case 'l':
		return MODE_KIND_SET;
	case 'C': case 'i': case 'm': case 'n': case 'p': case 's': case 't':
		return MODE_KIND_FLAG;
	case 'o': case 'v':
		return MODE_KIND_PREFIX;
	default:
		return MODE_KIND_UNKNOWN;
	}
}

static bool
takes_arg(enum mode_kind kind, bool add)
{
	switch (kind) {
	case MODE_KIND_LIST:
	case MODE_KIND_ALWAYS:
	case MODE_KIND_PREFIX:
		return true;
	case MODE_KIND_SET:
		return add;
	default:
		return false;
	}
}

int
mode_parse(const char *modestr, char *const *args, int nargs,
    struct mode_change *out, int max)
{
	bool add = true;
	int n = 0, argi = 0;

	for (const char *p = modestr; *p && n < max; p++) {
		struct mode_change *c;

		if (*p == '+' || *p == '-') {
			add = *p == '+';
			continue;
		}
		c = &out[n++];
		c->add = add;
		c->letter = *p;
		c->kind = mode_channel_kind(*p);
		c->arg = NULL;
		if (takes_arg(c->kind, add) && argi < nargs)
			c->arg = args[argi++];
	}
	return n;
}
