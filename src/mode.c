/*
 * Mode string parsing: turns "+kl-i key 10" and its arguments into single
 * changes, taking parameters by each letter's ISUPPORT CHANMODES type;
 * a channel's modes as a string; the collector of applied changes.
 * Pure; deciding what is allowed and applying it is cmd_mode.c's job
 * (link_cmode.c's for changes from other servers).
 */
#include "mode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"

/* The flag modes, in the order mode strings show them. */
static const struct {
	unsigned bit;
	char letter;
} mode_flags[] = {
	{ CMODE_NOCTCP, 'C' }, { CMODE_INVITE, 'i' }, { CMODE_MODERATED, 'm' },
	{ CMODE_NOEXTERNAL, 'n' }, { CMODE_PRIVATE, 'p' }, { CMODE_SECRET, 's' },
	{ CMODE_TOPIC, 't' },
};

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
	return mode_parse_kind(modestr, args, nargs, out, max, mode_channel_kind);
}

int
mode_parse_kind(const char *modestr, char *const *args, int nargs,
    struct mode_change *out, int max, enum mode_kind (*kind)(char))
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
		c->kind = kind(*p);
		c->arg = NULL;
		if (takes_arg(c->kind, add) && argi < nargs)
			c->arg = args[argi++];
	}
	return n;
}

unsigned
mode_channel_flag(char c)
{
	for (size_t i = 0; i < sizeof(mode_flags) / sizeof(mode_flags[0]); i++)
		if (mode_flags[i].letter == c)
			return mode_flags[i].bit;
	return 0;
}

void
mode_channel_string(const struct channel *chan, bool show_key, char *out, size_t outsz)
{
	char flags[16];
	size_t n = 0;

	flags[n++] = '+';
	for (size_t i = 0; i < sizeof(mode_flags) / sizeof(mode_flags[0]); i++)
		if (chan->modes & mode_flags[i].bit)
			flags[n++] = mode_flags[i].letter;
	if (chan->key[0])
		flags[n++] = 'k';
	if (chan->limit)
		flags[n++] = 'l';
	flags[n] = '\0';
	n = (size_t)snprintf(out, outsz, "%s", flags);
	if (chan->key[0] && show_key && n < outsz)
		n += (size_t)snprintf(out + n, outsz - n, " %s", chan->key);
	if (chan->limit && n < outsz)
		snprintf(out + n, outsz - n, " %u", chan->limit);
}

void
mode_result_reset(struct mode_result *r)
{
	r->nmodes = r->nargs = r->nwire = 0;
	r->sign = 0;
	r->modes[0] = r->args[0] = r->wire[0] = '\0';
}

/* Append " s" to buf (holding *n bytes) when it fits. */
static void
add_word(char *buf, size_t bufsz, size_t *n, const char *s)
{
	int w = snprintf(buf + *n, bufsz - *n, " %s", s);

	if (w > 0 && (size_t)w < bufsz - *n)
		*n += (size_t)w;
	else
		buf[*n] = '\0';
}

void
mode_result_add(struct mode_result *r, bool add, char letter, const char *arg,
    const char *wire)
{
	char sign = add ? '+' : '-';
	size_t used = r->nargs > r->nwire ? r->nargs : r->nwire;
	size_t need;

	if (wire == NULL)
		wire = arg;
	need = 2 + (arg ? (strlen(arg) > strlen(wire) ? strlen(arg) : strlen(wire)) + 1 : 0);
	if (r->flush && r->nmodes > 0 && r->nmodes + used + need > r->room) {
		r->flush(r->ud, r);
		mode_result_reset(r);
	}
	if (r->nmodes + 2 >= sizeof(r->modes))
		return;
	if (r->sign != sign)
		r->modes[r->nmodes++] = r->sign = sign;
	r->modes[r->nmodes++] = letter;
	r->modes[r->nmodes] = '\0';
	if (arg) {
		add_word(r->args, sizeof(r->args), &r->nargs, arg);
		add_word(r->wire, sizeof(r->wire), &r->nwire, wire);
	}
}

bool
mode_key_is_valid(const char *key)
{
	return key[0] != '\0' && strpbrk(key, ", :") == NULL;
}

bool
mode_limit_parse(const char *s, unsigned *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end != '\0' || end == s || v <= 0 || v > MODE_LIMIT_MAX)
		return false;
	*out = (unsigned)v;
	return true;
}

void
mode_apply_flag(struct channel *chan, bool add, char letter, struct mode_result *r)
{
	unsigned bit = mode_channel_flag(letter);

	if (bit == 0 || add == ((chan->modes & bit) != 0))
		return;
	chan->modes = add ? chan->modes | bit : chan->modes & ~bit;
	mode_result_add(r, add, letter, NULL, NULL);
}

void
mode_apply_key(struct channel *chan, const char *key, struct mode_result *r)
{
	char k[sizeof(chan->key)];

	if (key == NULL) {
		if (chan->key[0] != '\0') {
			chan->key[0] = '\0';
			mode_result_add(r, false, 'k', "*", NULL);
		}
		return;
	}
	snprintf(k, sizeof(k), "%s", key);
	if (strcmp(k, chan->key) == 0)
		return;
	memcpy(chan->key, k, sizeof(k));
	mode_result_add(r, true, 'k', chan->key, NULL);
}

void
mode_apply_limit(struct channel *chan, unsigned limit, struct mode_result *r)
{
	char num[16];

	if (limit == chan->limit)
		return;
	chan->limit = limit;
	snprintf(num, sizeof(num), "%u", limit);
	mode_result_add(r, limit > 0, 'l', limit > 0 ? num : NULL, NULL);
}
