/*
 * TS6 wire rules (ts6.h): identifiers, user introductions, SJOIN members,
 * and the timestamp rules, all pure functions of their arguments.
 */
#include "ts6.h"

#include <stdlib.h>
#include <string.h>

#include "casemap.h"
#include "config_block.h"
#include "irc.h"
#include "msg.h"

#define UPPER   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define ALNUM   UPPER "0123456789"

bool
ts6_uid_is_valid(const char *s)
{
	char sid[TS6_SID_LEN + 1];

	if (strlen(s) != TS6_UID_LEN)
		return false;
	memcpy(sid, s, TS6_SID_LEN);
	sid[TS6_SID_LEN] = '\0';
	return config_sid_is_valid(sid) && strchr(UPPER, s[3]) != NULL &&
	    s[3] != '\0' && strspn(s + 4, ALNUM) == 5;
}

void
ts6_uid_make(char out[TS6_UID_LEN + 1], const char *sid, uint64_t n)
{
	n %= TS6_IDS;
	memcpy(out, sid, TS6_SID_LEN);
	for (int i = TS6_UID_LEN - 1; i > TS6_SID_LEN; i--) {
		out[i] = ALNUM[n % 36];
		n /= 36;
	}
	out[TS6_SID_LEN] = UPPER[n];
	out[TS6_UID_LEN] = '\0';
}

/* Digits only, at most 18 (no overflow), making a number in [min, max]. */
static bool
number(const char *s, long long min, long long max, long long *out)
{
	size_t n = strlen(s);

	if (n == 0 || n > 18 || strspn(s, "0123456789") != n)
		return false;
	*out = strtoll(s, NULL, 10);
	return *out >= min && *out <= max;
}

bool
ts6_ts_parse(const char *s, int64_t *ts)
{
	long long n;

	if (!number(s, 1, INT64_MAX, &n))
		return false;
	*ts = n;
	return true;
}

/* A word of 1 to max bytes without spaces, commas or control characters. */
static bool
word(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == ',' || *s == 0x7f)
			return false;
	return true;
}

/* Which parameter holds what, by the form of the introduction. */
struct user_form {
	int ip, uid, realhost, account;
};

static const char *
check_user(struct ts6_user *u)
{
	/* A user saved from a nick collision goes by its UID. */
	if (!name_nick_is_valid(u->nick, IRC_NICKLEN) && strcmp(u->nick, u->uid) != 0)
		return "Bogus nick introduced";
	if (u->umodes[0] != '+' || strspn(u->umodes + 1, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(u->umodes + 1))
		return "Bogus user modes";
	if (!word(u->user, IRC_USERLEN) || !word(u->host, IRC_HOSTLEN) ||
	    !word(u->ip, TS6_IP_MAX) || (u->realhost[0] && !word(u->realhost, IRC_HOSTLEN)))
		return "Bogus user, host or address";
	if (!ts6_uid_is_valid(u->uid))
		return "Bogus UID";
	if (strcmp(u->account, "*") == 0 || strcmp(u->account, "0") == 0)
		u->account = "";
	if (u->account[0] && !word(u->account, IRC_ACCOUNTLEN))
		return "Bogus account";
	return NULL;
}

const char *
ts6_parse_user(const struct msg *msg, struct ts6_user *u)
{
	static const struct user_form plain = { 6, 7, -1, -1 },
	    hybrid = { 7, 8, 6, 9 }, euid = { 6, 7, 8, 9 };
	const struct user_form *f;
	long long n;

	if (strcmp(msg->command, "EUID") == 0 && msg->nparams >= 11)
		f = &euid;
	else if (strcmp(msg->command, "UID") == 0 && msg->nparams >= 11)
		f = &hybrid;
	else if (strcmp(msg->command, "UID") == 0 && msg->nparams >= 9)
		f = &plain;
	else
		return "Not enough parameters";
	memset(u, 0, sizeof(*u));
	u->nick = msg->params[0];
	if (!number(msg->params[1], 1, 1000, &n))
		return "Bogus hop count";
	u->hops = (unsigned)n;
	if (!number(msg->params[2], 1, INT64_MAX, &n))
		return "Bogus nick timestamp";
	u->ts = n;
	u->umodes = msg->params[3];
	u->user = msg->params[4];
	u->host = msg->params[5];
	u->ip = msg->params[f->ip];
	u->uid = msg->params[f->uid];
	u->realhost = f->realhost >= 0 ? msg->params[f->realhost] : "";
	u->account = f->account >= 0 ? msg->params[f->account] : "";
	u->realname = msg->params[msg->nparams - 1];
	return check_user(u);
}

enum ts6_loser
ts6_nick_collision(int64_t old_ts, const char *old_uh, int64_t new_ts,
    const char *new_uh)
{
	bool same = casemap_cmp(old_uh, new_uh) == 0;

	if (old_ts == new_ts)
		return TS6_LOSE_BOTH;
	if (new_ts < old_ts)
		return same ? TS6_LOSE_NEW : TS6_LOSE_OLD;
	return same ? TS6_LOSE_OLD : TS6_LOSE_NEW;
}

struct ts6_outcome
ts6_collide(int64_t old_ts, const char *old_uh, int64_t new_ts,
    const char *new_uh, bool can_save)
{
	enum ts6_loser loser = ts6_nick_collision(old_ts, old_uh, new_ts, new_uh);
	enum ts6_fix fix = can_save ? TS6_FIX_SAVE : TS6_FIX_KILL;
	struct ts6_outcome o = { TS6_FIX_NONE, TS6_FIX_NONE };

	if (loser != TS6_LOSE_NEW)
		o.old = fix;
	if (loser != TS6_LOSE_OLD)
		o.new = fix;
	return o;
}

bool
ts6_save_applies(const char *nick, const char *uid, int64_t nick_ts, int64_t save_ts)
{
	return strcmp(nick, uid) != 0 && nick_ts == save_ts;
}

enum ts6_chan_ts
ts6_channel_ts(int64_t ours, int64_t theirs)
{
	if (theirs < ours)
		return TS6_CHAN_TAKE_THEIRS;
	return theirs == ours ? TS6_CHAN_MERGE : TS6_CHAN_KEEP_OURS;
}

int
ts6_sjoin_member(const char **cursor, struct ts6_member *m)
{
	const char *p = *cursor, *end;
	size_t len;

	while (*p == ' ')
		p++;
	if (*p == '\0') {
		*cursor = p;
		return 0;
	}
	memset(m, 0, sizeof(*m));
	for (; strchr("@+%~&", *p) != NULL && *p != '\0'; p++) {
		m->op |= *p == '@';
		m->voice |= *p == '+';
	}
	end = strchr(p, ' ');
	len = end ? (size_t)(end - p) : strlen(p);
	*cursor = p + len;
	if (len != TS6_UID_LEN)
		return -1;
	memcpy(m->uid, p, len);
	m->uid[len] = '\0';
	return ts6_uid_is_valid(m->uid) ? 1 : -1;
}

enum mode_kind
ts6_mode_kind(char c)
{
	enum mode_kind k = mode_channel_kind(c);

	if (k != MODE_KIND_UNKNOWN)
		return k;
	/* Solanum: q quiets (a list), f forward and j join throttle (on set). */
	if (c == 'q')
		return MODE_KIND_LIST;
	/* hybrid and others: h half-op, a admin, y owner (statuses). */
	if (c == 'h' || c == 'a' || c == 'y')
		return MODE_KIND_PREFIX;
	if (c == 'f' || c == 'j' || c == 'L')
		return MODE_KIND_SET;
	return MODE_KIND_FLAG;
}
