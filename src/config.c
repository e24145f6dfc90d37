/*
 * Configuration: the defaults that make "./ircserv <port> <password>" a
 * complete server, deep copies, and the parser for the file format that
 * conf/ircserv.conf documents. A file is applied to a copy, which replaces
 * the caller's config only when every line was valid.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casemap.h"
#include "crypto.h"
#include "irc.h"
#include "log.h"
#include "metadata.h"
#include "multiline.h"
#include "readmarker.h"

#define KIB             1024ull
#define MIB             (1024ull * 1024ull)
/* An MOTD is sent to every client at registration: keep it modest. */
#define MOTD_FILE_MAX   (64 * 1024)
/* Longest oper host mask or flood_exempt IP mask. */
#define MASK_MAX        128

/* How a setting's value is read; see setting_apply(). */
enum value_type {
	V_HOST,         /* a host name with a dot, like irc.example.net */
	V_WORD,         /* text without spaces */
	V_TEXT,         /* free text */
	V_PATH,         /* a file name */
	V_UINT,         /* unsigned in [min, max] */
	V_SIZE,         /* bytes, with an optional K or M suffix */
	V_LEVEL,        /* error, warn, info or debug */
	V_BOOL,         /* yes or no */
	V_BACKEND,      /* poll or epoll */
	V_LISTEN,       /* <address>:<port> [proxy]; repeatable */
	V_IPMASKS,      /* IP masks separated by spaces; repeatable */
};

/* One top-level setting: strings take [min, max] as length limits. */
struct config_key {
	const char *name;
	enum value_type type;
	size_t offset;
	unsigned long long min, max;
};

#define F(field)        offsetof(struct config, field)

static const struct config_key config_keys[] = {
	{ "server_name",          V_HOST,    F(server_name),    3, IRC_HOSTLEN },
	{ "network",              V_WORD,    F(network),        1, 64 },
	{ "description",          V_TEXT,    F(description),    1, 200 },
	{ "admin_location",       V_TEXT,    F(admin_loc1),     1, 200 },
	{ "admin_location2",      V_TEXT,    F(admin_loc2),     1, 200 },
	{ "admin_email",          V_TEXT,    F(admin_email),    1, 200 },
	{ "motd_file",            V_PATH,    F(motd_file),      1, 4095 },
	{ "require_password",     V_BOOL,    F(require_password), 0, 0 },
	{ "bind",                 V_WORD,    F(bind_addr),      2, 45 },
	{ "listen",               V_LISTEN,  F(listens),        0, 0 },
	{ "max_clients",          V_UINT,    F(max_clients),    1, 1000000 },
	{ "max_per_ip",           V_UINT,    F(max_per_ip),     0, 1000000 },
	{ "connect_rate",         V_UINT,    F(connect_rate),   0, 1000000 },
	{ "limit_exempt",         V_IPMASKS, F(limit_exempt),   0, 0 },
	{ "channels_per_user",    V_UINT,    F(chanlimit),      1, 1000 },
	{ "sendq",                V_SIZE,    F(sendq),          4 * KIB, 64 * MIB },
	/* One line of tags plus message (irc.h) must fit, with room to spare. */
	{ "recvq",                V_SIZE,    F(recvq),          9 * KIB, 64 * MIB },
	{ "maxlist",              V_UINT,    F(maxlist),        1, 10000 },
	{ "max_invites",          V_UINT,    F(max_invites),    1, 10000 },
	{ "whowas",               V_UINT,    F(whowas_max),     0, 100000 },
	{ "registration_timeout", V_UINT,    F(reg_timeout_s),  1, 3600 },
	{ "ping_frequency",       V_UINT,    F(ping_freq_s),    1, 86400 },
	{ "ping_timeout",         V_UINT,    F(ping_timeout_s), 1, 86400 },
	{ "flood_burst",          V_UINT,    F(flood_burst),    1, 1000 },
	{ "flood_rate",           V_UINT,    F(flood_rate),     1, 1000 },
	{ "flood_max",            V_UINT,    F(flood_max),      1, 100000 },
	{ "flood_exempt",         V_IPMASKS, F(flood_exempt),   0, 0 },
	/* A batch of at least one full line; at most a SendQ's worth. */
	{ "multiline_max_bytes",  V_UINT,    F(multiline_max_bytes), 512, 1024 * 1024 },
	{ "multiline_max_lines",  V_UINT,    F(multiline_max_lines), 1, 1000 },
	{ "metadata_max_keys",    V_UINT,    F(metadata_max_keys), 1, 1000 },
	{ "metadata_max_subs",    V_UINT,    F(metadata_max_subs), 1, 1000 },
	{ "metadata_max_value_bytes", V_UINT, F(metadata_max_value), 1, METADATA_VALUE_CAP },
	{ "metadata_set_burst",   V_UINT,    F(metadata_set_burst), 1, 1000 },
	{ "metadata_set_rate",    V_UINT,    F(metadata_set_rate), 1, 60000 },
	{ "knock_user_delay",     V_UINT,    F(knock_user_delay_s), 0, 86400 },
	{ "knock_channel_delay",  V_UINT,    F(knock_channel_delay_s), 0, 86400 },
	{ "readmarker_targets",   V_UINT,    F(readmarker_targets), 1, 100000 },
	{ "readmarker_accounts",  V_UINT,    F(readmarker_accounts), 1, 1000000 },
	{ "readmarker_connections", V_UINT,  F(readmarker_conns), 1, 1000000 },
	{ "event_backend",        V_BACKEND, F(event_backend),  0, 0 },
	{ "log_level",            V_LEVEL,   F(log_level),      0, 0 },
	{ "log_file",             V_PATH,    F(log_file),       1, 4095 },
	{ "history_file",         V_PATH,    F(history_file),   1, 4095 },
	{ "history_flush_ms",     V_UINT,    F(history_flush_ms), 0, 60000 },
};

#define NKEYS           (sizeof(config_keys) / sizeof(config_keys[0]))

/* The string fields, for freeing and copying. */
static const size_t string_fields[] = {
	F(server_name), F(network), F(description), F(admin_loc1),
	F(admin_loc2), F(admin_email), F(motd), F(password), F(log_file),
	F(motd_file), F(bind_addr), F(history_file),
};

/* log_level names, indexed by enum log_level. */
static const char *const level_names[] = { "error", "warn", "info", "debug" };

enum block_kind { BLOCK_NONE, BLOCK_OPER, BLOCK_ACCOUNT };

struct parser {
	struct config *cfg;             /* the copy being changed */
	const char *file;
	unsigned line;                  /* 0: the error is about the whole file */
	char    *err;
	size_t   errlen;
	enum block_kind block;
	unsigned block_line;
	unsigned key_line[NKEYS];       /* where each setting was given; 0: not yet */
	bool     opers_seen;            /* the first oper block replaced the list */
	bool     accounts_seen;
};

static char **
string_at(struct config *cfg, size_t offset)
{
	return (char **)(void *)((char *)cfg + offset);
}

static char *const *
string_at_const(const struct config *cfg, size_t offset)
{
	return (char *const *)(const void *)((const char *)cfg + offset);
}

int
config_set_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

static int strv_add(struct config_strv *sv, const char *s, size_t len);

int
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = 6667;
	/*
	 * Sizes: a SendQ of 1 MiB holds several thousand lines, enough for a
	 * client on a slow link to catch up with a busy channel; past it the
	 * client is not reading and is cut off.
	 */
	cfg->max_clients = 10000;
	cfg->chanlimit = 50;
	cfg->maxlist = 100;
	cfg->max_invites = 64;
	cfg->whowas_max = 200;
	cfg->sendq = 1024 * 1024;
	cfg->recvq = 16 * 1024;
	/* Timeouts close to what ngIRCd and hybrid use by default. */
	cfg->reg_timeout_s = 60;
	cfg->ping_freq_s = 120;
	cfg->ping_timeout_s = 60;
	/*
	 * Room for a few NAT-ed households per IP and for reconnect loops,
	 * while one host cannot take the whole server.
	 */
	cfg->max_per_ip = 50;
	cfg->connect_rate = 20;
	cfg->require_password = true;
	/* A pasted 10-line burst goes through; then 2 lines a second. */
	cfg->flood_burst = 10;
	cfg->flood_rate = 2;
	cfg->flood_max = 100;
	/* draft/multiline: Ergo's defaults, a long paste in one batch. */
	cfg->multiline_max_bytes = MULTILINE_MAX_BYTES;
	cfg->multiline_max_lines = MULTILINE_MAX_LINES;
	cfg->metadata_max_keys = METADATA_MAX_KEYS;
	cfg->metadata_max_subs = METADATA_MAX_SUBS;
	cfg->metadata_max_value = METADATA_MAX_VALUE;
	cfg->metadata_set_burst = METADATA_SET_BURST;
	cfg->metadata_set_rate = METADATA_SET_RATE;
	/* KNOCK: one per user every 5 minutes, one per channel a minute. */
	cfg->knock_user_delay_s = 300;
	cfg->knock_channel_delay_s = 60;
	cfg->readmarker_targets = READMARKER_TARGETS;
	cfg->readmarker_accounts = READMARKER_OWNERS;
	cfg->readmarker_conns = READMARKER_CONNS;
	cfg->log_level = LOG_INFO;
	cfg->history_flush_ms = 1000;
	if (config_set_string(&cfg->server_name, "irc.local") == -1 ||
	    config_set_string(&cfg->network, "ircserv") == -1 ||
	    config_set_string(&cfg->description, "ircserv IRC server") == -1 ||
	    config_set_string(&cfg->admin_loc1, "ircserv") == -1 ||
	    config_set_string(&cfg->admin_loc2, "Administrator not configured") == -1 ||
	    config_set_string(&cfg->admin_email, "root@localhost") == -1 ||
	    config_set_string(&cfg->motd,
	    "Welcome to ircserv.\n"
	    "Join a channel with /join #name and say hello.\n"
	    "Send HELP (in most clients: /quote HELP) for the commands this server knows.") == -1 ||
	    config_set_string(&cfg->password, "") == -1 ||
	    /*
	     * Loopback (127.0.0.0/8, ::1) is exempt from max_per_ip and
	     * connect_rate, as in Ergo's default configuration: local bots,
	     * bouncers and load tests would trip them, and whoever can
	     * connect from the host itself can do worse than connect often.
	     */
	    strv_add(&cfg->limit_exempt, "127.*", 5) == -1 ||
	    strv_add(&cfg->limit_exempt, "::1", 3) == -1) {
		config_free(cfg);
		return -1;
	}
	return 0;
}

static void
strv_free(struct config_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

/* Append a copy of the len bytes at s. Returns 0 or -1. */
static int
strv_add(struct config_strv *sv, const char *s, size_t len)
{
	char **v = realloc(sv->v, (sv->n + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	sv->v = v;
	if ((v[sv->n] = strndup(s, len)) == NULL)
		return -1;
	sv->n++;
	return 0;
}

/* *dst must be empty; on failure it is left empty. */
static int
strv_copy(struct config_strv *dst, const struct config_strv *src)
{
	for (size_t i = 0; i < src->n; i++) {
		if (strv_add(dst, src->v[i], strlen(src->v[i])) == -1) {
			strv_free(dst);
			return -1;
		}
	}
	return 0;
}

static void
listens_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nlistens; i++)
		free(cfg->listens[i].addr);
	free(cfg->listens);
	cfg->listens = NULL;
	cfg->nlistens = 0;
}

static void
opers_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nopers; i++) {
		free(cfg->opers[i].name);
		free(cfg->opers[i].hash);
		strv_free(&cfg->opers[i].hosts);
	}
	free(cfg->opers);
	cfg->opers = NULL;
	cfg->nopers = 0;
}

static void
accounts_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->naccounts; i++) {
		free(cfg->accounts[i].name);
		free(cfg->accounts[i].hash);
	}
	free(cfg->accounts);
	cfg->accounts = NULL;
	cfg->naccounts = 0;
}

void
config_free(struct config *cfg)
{
	for (size_t i = 0; i < sizeof(string_fields) / sizeof(string_fields[0]); i++)
		free(*string_at(cfg, string_fields[i]));
	strv_free(&cfg->flood_exempt);
	strv_free(&cfg->limit_exempt);
	listens_free(cfg);
	opers_free(cfg);
	accounts_free(cfg);
	memset(cfg, 0, sizeof(*cfg));
}

/*
 * The arrays are allocated zeroed at their full size first, so that
 * config_free() can release a copy that failed half-way.
 */
static int
lists_copy(struct config *dst, const struct config *src)
{
	size_t i;

	if ((src->nlistens > 0 && (dst->listens = calloc(src->nlistens,
	    sizeof(*dst->listens))) == NULL) ||
	    (src->nopers > 0 && (dst->opers = calloc(src->nopers,
	    sizeof(*dst->opers))) == NULL) ||
	    (src->naccounts > 0 && (dst->accounts = calloc(src->naccounts,
	    sizeof(*dst->accounts))) == NULL))
		return -1;
	dst->nlistens = src->nlistens;
	dst->nopers = src->nopers;
	dst->naccounts = src->naccounts;
	for (i = 0; i < src->nlistens; i++) {
		dst->listens[i] = src->listens[i];
		if ((dst->listens[i].addr = strdup(src->listens[i].addr)) == NULL)
			return -1;
	}
	for (i = 0; i < src->nopers; i++) {
		if ((dst->opers[i].name = strdup(src->opers[i].name)) == NULL ||
		    (dst->opers[i].hash = strdup(src->opers[i].hash)) == NULL ||
		    strv_copy(&dst->opers[i].hosts, &src->opers[i].hosts) == -1)
			return -1;
	}
	for (i = 0; i < src->naccounts; i++) {
		if ((dst->accounts[i].name = strdup(src->accounts[i].name)) == NULL ||
		    (dst->accounts[i].hash = strdup(src->accounts[i].hash)) == NULL)
			return -1;
	}
	return 0;
}

int
config_copy(struct config *dst, const struct config *src)
{
	size_t i, off;

	*dst = *src;
	/* Detach every pointer first, so a failure frees only our copies. */
	for (i = 0; i < sizeof(string_fields) / sizeof(string_fields[0]); i++)
		*string_at(dst, string_fields[i]) = NULL;
	memset(&dst->flood_exempt, 0, sizeof(dst->flood_exempt));
	memset(&dst->limit_exempt, 0, sizeof(dst->limit_exempt));
	dst->listens = NULL;
	dst->opers = NULL;
	dst->accounts = NULL;
	dst->nlistens = dst->nopers = dst->naccounts = 0;
	for (i = 0; i < sizeof(string_fields) / sizeof(string_fields[0]); i++) {
		off = string_fields[i];
		if (*string_at_const(src, off) != NULL &&
		    config_set_string(string_at(dst, off),
		    *string_at_const(src, off)) == -1)
			goto fail;
	}
	if (strv_copy(&dst->flood_exempt, &src->flood_exempt) == -1 ||
	    strv_copy(&dst->limit_exempt, &src->limit_exempt) == -1 ||
	    lists_copy(dst, src) == -1)
		goto fail;
	return 0;
fail:
	config_free(dst);
	return -1;
}

/* Errors. */

static int parse_error(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Write "<file>:<line>: <problem>" (no line when p->line is 0); return -1. */
static int
parse_error(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->errlen == 0)
		return -1;
	if (p->line > 0)
		n = snprintf(p->err, p->errlen, "%s:%u: ", p->file, p->line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->file);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int
parse_nomem(struct parser *p)
{
	return parse_error(p, "out of memory");
}

/* Lexing. */

static bool
is_space(char c)
{
	return c == ' ' || c == '\t';
}

static char *
trim(char *s)
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
static void
strip_comment(char *line)
{
	for (size_t i = 0; line[i] != '\0'; i++) {
		if (line[i] == '#' && (i == 0 || is_space(line[i - 1]))) {
			line[i] = '\0';
			return;
		}
	}
}

/* The next space-separated word of *s, NUL-terminated, or NULL. */
static char *
next_word(char **s)
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
static int
parse_number(const char *s, bool size, unsigned long long *out)
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
		unit = KIB, s++;
	else if (size && (*s == 'M' || *s == 'm'))
		unit = MIB, s++;
	if (*s != '\0')
		return -1;
	*out = v > ULLONG_MAX / unit ? ULLONG_MAX : v * unit;
	return 0;
}

/* Address checks, without <arpa/inet.h>: the core stays socket-free. */

/* Dotted quad, no leading zeros (they read as octal to some parsers). */
static bool
ipv4_is_valid(const char *s)
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
static bool
ipv6_is_valid(const char *s)
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
			if (s[seg] != '\0' || !ipv4_is_valid(s))
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

static bool
host_is_valid(const char *s)
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
static bool
ipmask_is_valid(const char *s)
{
	return *s != '\0' && strlen(s) <= MASK_MAX &&
	    strspn(s, "0123456789abcdefABCDEF.:*?") == strlen(s);
}

/* user@host, each side a glob: *@127.0.0.1, ~alice@*.example.net. */
static bool
usermask_is_valid(const char *s)
{
	const char *at = strchr(s, '@');

	return at != NULL && at != s && at[1] != '\0' &&
	    strchr(at + 1, '@') == NULL && strchr(s, '!') == NULL &&
	    strlen(s) <= MASK_MAX;
}

/* Oper and account names: what a nick may hold, so OPER can name them. */
static bool
block_name_is_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= IRC_NICKLEN && strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.[]\\`^|") == n;
}

/* Settings: setting_apply() dispatches on the key's type. */

static const struct config_key *
key_find(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	}
	return NULL;
}

static int
set_string(struct parser *p, const struct config_key *k, const char *value)
{
	size_t len = strlen(value);

	if (len < k->min || len > k->max)
		return parse_error(p, "%s must be %llu to %llu characters long",
		    k->name, k->min, k->max);
	if (k->type == V_HOST && !host_is_valid(value))
		return parse_error(p, "%s \"%s\" is not a host name with a dot, "
		    "like irc.example.net", k->name, value);
	if (k->type == V_WORD && strpbrk(value, " \t") != NULL)
		return parse_error(p, "%s must be one word, without spaces",
		    k->name);
	if (config_set_string(string_at(p->cfg, k->offset), value) == -1)
		return parse_nomem(p);
	return 0;
}

/* A limit as written in the file: "4K", "64M", "86400". */
static const char *
number_text(unsigned long long n, bool size, char *buf, size_t bufsz)
{
	if (size && n > 0 && n % MIB == 0)
		snprintf(buf, bufsz, "%lluM", n / MIB);
	else if (size && n > 0 && n % KIB == 0)
		snprintf(buf, bufsz, "%lluK", n / KIB);
	else
		snprintf(buf, bufsz, "%llu", n);
	return buf;
}

static int
set_number(struct parser *p, const struct config_key *k, const char *value)
{
	bool size = k->type == V_SIZE;
	char *field = (char *)p->cfg + k->offset;
	char lo[32], hi[32];
	unsigned long long v;

	if (parse_number(value, size, &v) == -1)
		return parse_error(p, "%s: \"%s\" is not a %s", k->name, value,
		    size ? "size (a number, then optionally K or M)" : "number");
	if (v < k->min || v > k->max)
		return parse_error(p, "%s must be between %s and %s", k->name,
		    number_text(k->min, size, lo, sizeof(lo)),
		    number_text(k->max, size, hi, sizeof(hi)));
	if (size)
		*(size_t *)(void *)field = (size_t)v;
	else
		*(unsigned *)(void *)field = (unsigned)v;
	return 0;
}

static int
set_level(struct parser *p, const char *value)
{
	for (int i = LOG_ERROR; i <= LOG_DEBUG; i++) {
		if (strcmp(value, level_names[i]) == 0) {
			p->cfg->log_level = i;
			return 0;
		}
	}
	return parse_error(p, "log_level must be error, warn, info or debug");
}

/* epoll exists on Linux only: elsewhere, say so while reading the file. */
static int
set_backend(struct parser *p, const char *value)
{
	if (strcmp(value, "poll") == 0) {
		p->cfg->event_backend = CONFIG_BACKEND_POLL;
		return 0;
	}
	if (strcmp(value, "epoll") != 0)
		return parse_error(p, "event_backend must be poll or epoll");
#ifdef __linux__
	p->cfg->event_backend = CONFIG_BACKEND_EPOLL;
	return 0;
#else
	return parse_error(p, "event_backend epoll is available on Linux only; use poll");
#endif
}

static int
set_bool(struct parser *p, const struct config_key *k, const char *value)
{
	bool *field = (bool *)(void *)((char *)p->cfg + k->offset);

	if (strcmp(value, "yes") == 0)
		*field = true;
	else if (strcmp(value, "no") == 0)
		*field = false;
	else
		return parse_error(p, "%s must be yes or no", k->name);
	return 0;
}

/* "<IPv4>:<port>" or "[<IPv6>]:<port>" into l; l->addr points into s. */
static int
listen_address(struct parser *p, char *s, struct config_listen *l)
{
	unsigned long long port;
	char *colon;

	if (*s == '[') {
		if ((colon = strchr(s, ']')) == NULL || colon[1] != ':')
			return parse_error(p, "listen: expected [<IPv6 address>]"
			    ":<port>, like [::]:6667");
		*colon++ = '\0';
		l->addr = s + 1;
		l->family = CONFIG_INET6;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return parse_error(p, "listen: expected <address>:<port>, "
			    "like 0.0.0.0:6667");
		*colon = '\0';
		if (strchr(s, ':') != NULL)
			return parse_error(p, "listen: put IPv6 addresses in "
			    "brackets, like [::1]:6667");
		l->addr = s;
		l->family = CONFIG_INET4;
	}
	if (l->family == CONFIG_INET6 ? !ipv6_is_valid(l->addr) :
	    !ipv4_is_valid(l->addr))
		return parse_error(p, "listen: \"%s\" is not a numeric %s address",
		    l->addr, l->family == CONFIG_INET6 ? "IPv6" : "IPv4");
	if (parse_number(colon + 1, false, &port) == -1 || port < 1 ||
	    port > 65535)
		return parse_error(p, "listen: the port must be a number from 1 "
		    "to 65535");
	l->port = (unsigned)port;
	return 0;
}

static int
set_listen(struct parser *p, char *value, bool first)
{
	struct config *cfg = p->cfg;
	struct config_listen l = { 0 }, *v;
	char *rest = value, *word = next_word(&rest);

	if (listen_address(p, word, &l) == -1)
		return -1;
	while ((word = next_word(&rest)) != NULL) {
		if (strcmp(word, "proxy") != 0)
			return parse_error(p, "listen: unknown option \"%s\" "
			    "(the only one is proxy)", word);
		l.proxy = true;
	}
	if (first)
		listens_free(cfg);
	for (size_t i = 0; i < cfg->nlistens; i++) {
		if (cfg->listens[i].port == l.port &&
		    strcmp(cfg->listens[i].addr, l.addr) == 0)
			return parse_error(p, "listen: %s port %u is given twice",
			    l.addr, l.port);
	}
	if ((v = realloc(cfg->listens, (cfg->nlistens + 1) * sizeof(*v))) == NULL)
		return parse_nomem(p);
	cfg->listens = v;
	if ((l.addr = strdup(l.addr)) == NULL)
		return parse_nomem(p);
	v[cfg->nlistens++] = l;
	return 0;
}

/* Append each space-separated mask of value to sv; hint says what fits. */
static int
add_masks(struct parser *p, struct config_strv *sv, char *value,
    bool (*is_valid)(const char *), const char *what, const char *hint)
{
	char *w;

	while ((w = next_word(&value)) != NULL) {
		if (!is_valid(w))
			return parse_error(p, "%s: \"%s\" is not %s", what, w, hint);
		if (strv_add(sv, w, strlen(w)) == -1)
			return parse_nomem(p);
	}
	return 0;
}

static int
setting_apply(struct parser *p, const char *key, char *value)
{
	const struct config_key *k = key_find(key);
	struct config_strv *sv;
	unsigned *line;
	bool first;

	if (k == NULL)
		return parse_error(p, "unknown setting \"%s\"", key);
	line = &p->key_line[k - config_keys];
	first = *line == 0;
	if (!first && k->type != V_LISTEN && k->type != V_IPMASKS)
		return parse_error(p, "%s is already set on line %u", key, *line);
	*line = p->line;
	switch (k->type) {
	case V_HOST:
	case V_WORD:
	case V_TEXT:
	case V_PATH:
		return set_string(p, k, value);
	case V_UINT:
	case V_SIZE:
		return set_number(p, k, value);
	case V_LEVEL:
		return set_level(p, value);
	case V_BOOL:
		return set_bool(p, k, value);
	case V_BACKEND:
		return set_backend(p, value);
	case V_LISTEN:
		return set_listen(p, value, first);
	case V_IPMASKS:
		sv = (struct config_strv *)(void *)((char *)p->cfg + k->offset);
		if (first)
			strv_free(sv);
		/* "none" empties the list, e.g. to exempt no address. */
		if (strcmp(value, "none") == 0)
			return 0;
		return add_masks(p, sv, value, ipmask_is_valid, key,
		    "an IP address or a glob like 10.0.*");
	}
	return parse_error(p, "%s: unhandled setting type", key);
}

/* Blocks: "oper <name> {" or "account <name> {", settings, then "}". */

static const char *
block_kind_name(enum block_kind kind)
{
	return kind == BLOCK_OPER ? "oper" : "account";
}

static int
oper_add(struct parser *p, const char *name)
{
	struct config *cfg = p->cfg;
	struct config_oper *v;

	if (!p->opers_seen) {
		opers_free(cfg);
		p->opers_seen = true;
	}
	for (size_t i = 0; i < cfg->nopers; i++) {
		if (casemap_cmp(cfg->opers[i].name, name) == 0)
			return parse_error(p, "oper \"%s\" is defined twice", name);
	}
	if ((v = realloc(cfg->opers, (cfg->nopers + 1) * sizeof(*v))) == NULL)
		return parse_nomem(p);
	cfg->opers = v;
	memset(&v[cfg->nopers], 0, sizeof(*v));
	if ((v[cfg->nopers].name = strdup(name)) == NULL)
		return parse_nomem(p);
	cfg->nopers++;
	p->block = BLOCK_OPER;
	return 0;
}

static int
account_add(struct parser *p, const char *name)
{
	struct config *cfg = p->cfg;
	struct config_account *v;

	if (!p->accounts_seen) {
		accounts_free(cfg);
		p->accounts_seen = true;
	}
	for (size_t i = 0; i < cfg->naccounts; i++) {
		if (casemap_cmp(cfg->accounts[i].name, name) == 0)
			return parse_error(p, "account \"%s\" is defined twice",
			    name);
	}
	if ((v = realloc(cfg->accounts,
	    (cfg->naccounts + 1) * sizeof(*v))) == NULL)
		return parse_nomem(p);
	cfg->accounts = v;
	memset(&v[cfg->naccounts], 0, sizeof(*v));
	if ((v[cfg->naccounts].name = strdup(name)) == NULL)
		return parse_nomem(p);
	cfg->naccounts++;
	p->block = BLOCK_ACCOUNT;
	return 0;
}

/* line ends with '{' and has no '='. */
static int
block_open(struct parser *p, char *line)
{
	char *rest = line, *kind, *name;

	if (p->block != BLOCK_NONE)
		return parse_error(p, "blocks cannot be nested (the %s block "
		    "opened on line %u has no '}')", block_kind_name(p->block),
		    p->block_line);
	line[strlen(line) - 1] = '\0';
	kind = next_word(&rest);
	if (kind == NULL || (strcmp(kind, "oper") != 0 &&
	    strcmp(kind, "account") != 0))
		return parse_error(p, "expected \"oper <name> {\" or "
		    "\"account <name> {\"");
	if ((name = next_word(&rest)) == NULL || next_word(&rest) != NULL)
		return parse_error(p, "expected \"%s <name> {\"", kind);
	if (!block_name_is_valid(name))
		return parse_error(p, "%s name \"%s\" must be 1 to %d letters, "
		    "digits or -_.[]\\`^|", kind, name, IRC_NICKLEN);
	p->block_line = p->line;
	return strcmp(kind, "oper") == 0 ? oper_add(p, name) :
	    account_add(p, name);
}

static int
set_hash(struct parser *p, char **field, const char *value)
{
	/* The value is never quoted back: it may be a plain-text password. */
	if (*field != NULL)
		return parse_error(p, "password is already set in this block");
	if (strncmp(value, CRYPTO_HASH_PREFIX, strlen(CRYPTO_HASH_PREFIX)) != 0)
		return parse_error(p, "password must be a " CRYPTO_HASH_PREFIX
		    " hash, not plain text: make one with \"ircserv --mkpasswd\"");
	if (!crypto_hash_is_valid(value))
		return parse_error(p, "password is a malformed " CRYPTO_HASH_PREFIX
		    " hash: make a new one with \"ircserv --mkpasswd\"");
	if (config_set_string(field, value) == -1)
		return parse_nomem(p);
	return 0;
}

static int
block_set(struct parser *p, const char *key, char *value)
{
	struct config *cfg = p->cfg;
	/* Only inside an oper block is there an oper to point at. */
	struct config_oper *oper = p->block == BLOCK_OPER ? &cfg->opers[cfg->nopers - 1] : NULL;

	if (p->block == BLOCK_ACCOUNT && strcmp(key, "password") == 0)
		return set_hash(p, &cfg->accounts[cfg->naccounts - 1].hash,
		    value);
	if (p->block == BLOCK_OPER && strcmp(key, "password") == 0)
		return set_hash(p, &oper->hash, value);
	if (p->block == BLOCK_OPER && strcmp(key, "host") == 0)
		return add_masks(p, &oper->hosts, value, usermask_is_valid,
		    "host", "a user@host mask like *@127.0.0.1");
	return parse_error(p, "unknown setting \"%s\" in an %s block", key,
	    block_kind_name(p->block));
}

/* Check the finished block; problems are reported at its first line. */
static int
block_close(struct parser *p)
{
	const struct config *cfg = p->cfg;
	const struct config_oper *oper;
	const struct config_account *acct;

	unsigned line = p->line;

	if (p->block == BLOCK_NONE)
		return parse_error(p, "'}' without a block to close");
	p->line = p->block_line;
	if (p->block == BLOCK_OPER) {
		oper = &cfg->opers[cfg->nopers - 1];
		if (oper->hash == NULL)
			return parse_error(p, "oper \"%s\" has no password",
			    oper->name);
		if (oper->hosts.n == 0)
			return parse_error(p, "oper \"%s\" has no host (for "
			    "local users only: host = *@127.0.0.1)", oper->name);
	} else {
		acct = &cfg->accounts[cfg->naccounts - 1];
		if (acct->hash == NULL)
			return parse_error(p, "account \"%s\" has no password",
			    acct->name);
	}
	p->line = line;
	p->block = BLOCK_NONE;
	return 0;
}

/* Lines. */

static int
split_setting(struct parser *p, char *line, char **key, char **value)
{
	char *eq = strchr(line, '=');

	if (eq == NULL)
		return parse_error(p, "expected \"<setting> = <value>\" "
		    "(this line has no '=')");
	*eq = '\0';
	*key = trim(line);
	*value = trim(eq + 1);
	if (**key == '\0')
		return parse_error(p, "missing setting name before '='");
	if (strpbrk(*key, " \t") != NULL)
		return parse_error(p, "\"%s\" is not a setting name", *key);
	if (**value == '\0')
		return parse_error(p, "%s has no value after '='", *key);
	return 0;
}

static int
parse_line(struct parser *p, char *line)
{
	char *key = NULL, *value = NULL;
	size_t len;

	for (const char *c = line; *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 ? *c != '\t' : *c == 0x7f)
			return parse_error(p, "control character (0x%02x) in line",
			    (unsigned)(unsigned char)*c);
	}
	strip_comment(line);
	line = trim(line);
	if ((len = strlen(line)) == 0)
		return 0;
	if (strcmp(line, "}") == 0)
		return block_close(p);
	if (line[len - 1] == '{' && strchr(line, '=') == NULL)
		return block_open(p, line);
	if (split_setting(p, line, &key, &value) == -1)
		return -1;
	if (p->block != BLOCK_NONE)
		return block_set(p, key, value);
	return setting_apply(p, key, value);
}

/* Feed text line by line; LF or CR LF endings, the last one optional. */
static int
parse_text(struct parser *p, const char *text)
{
	char line[CONFIG_LINE_MAX + 1];
	const char *s = text, *nl;
	size_t len;

	while (*s != '\0') {
		p->line++;
		nl = strchr(s, '\n');
		len = nl != NULL ? (size_t)(nl - s) : strlen(s);
		if (len > 0 && s[len - 1] == '\r')
			len--;
		if (len > CONFIG_LINE_MAX)
			return parse_error(p, "line longer than %d bytes",
			    CONFIG_LINE_MAX);
		memcpy(line, s, len);
		line[len] = '\0';
		if (parse_line(p, line) == -1)
			return -1;
		if (nl == NULL)
			break;
		s = nl + 1;
	}
	if (p->block != BLOCK_NONE) {
		p->line = p->block_line;
		return parse_error(p, "the %s block opened here has no '}'",
		    block_kind_name(p->block));
	}
	return 0;
}

static void
parser_init(struct parser *p, struct config *cfg, const char *file,
    char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->file = file;
	p->err = err;
	p->errlen = errlen;
}

int
config_parse_string(struct config *cfg, const char *text,
    const char *filename, char *err, size_t errlen)
{
	struct config tmp;
	struct parser p;

	if (config_copy(&tmp, cfg) == -1) {
		snprintf(err, errlen, "%s: out of memory", filename);
		return -1;
	}
	parser_init(&p, &tmp, filename, err, errlen);
	if (parse_text(&p, text) == -1) {
		config_free(&tmp);
		return -1;
	}
	config_free(cfg);
	*cfg = tmp;
	return 0;
}

/* Files. */

/*
 * The whole file at path, NUL-terminated, if it holds at most max bytes
 * and no NUL. Returns a buffer the caller frees, or NULL with the reason
 * in why.
 */
static char *
file_read(const char *path, size_t max, char *why, size_t whylen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL) {
		snprintf(why, whylen, "%s", strerror(errno));
		return NULL;
	}
	if ((buf = malloc(max + 2)) == NULL) {
		fclose(f);
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f))
		snprintf(why, whylen, "%s", strerror(errno));
	else if (n > max)
		snprintf(why, whylen, "larger than %zu bytes", max);
	else if (memchr(buf, '\0', n) != NULL)
		snprintf(why, whylen, "contains a NUL byte");
	else
		why[0] = '\0';
	fclose(f);
	if (why[0] != '\0') {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* Make a relative *field relative to the directory of the file conf. */
static int
path_resolve(char **field, const char *conf)
{
	const char *slash = strrchr(conf, '/');
	size_t dirlen;
	char *s;

	if (*field == NULL || (*field)[0] == '/' || slash == NULL)
		return 0;
	dirlen = (size_t)(slash - conf) + 1;
	if ((s = malloc(dirlen + strlen(*field) + 1)) == NULL)
		return -1;
	memcpy(s, conf, dirlen);
	strcpy(s + dirlen, *field);
	free(*field);
	*field = s;
	return 0;
}

/* Read cfg->motd_file into cfg->motd, keeping bare '\n' separators. */
static int
motd_load(struct parser *p)
{
	char why[128], *text;
	size_t i, j;

	p->line = p->key_line[key_find("motd_file") - config_keys];
	text = file_read(p->cfg->motd_file, MOTD_FILE_MAX, why, sizeof(why));
	if (text == NULL)
		return parse_error(p, "motd_file \"%s\": %s", p->cfg->motd_file,
		    why);
	for (i = j = 0; text[i] != '\0'; i++) {
		if (text[i] != '\r')
			text[j++] = text[i];
	}
	while (j > 0 && text[j - 1] == '\n')
		j--;
	text[j] = '\0';
	free(p->cfg->motd);
	p->cfg->motd = text;
	return 0;
}

/* Resolve the paths the file set, then read the MOTD it names. */
static int
load_files(struct parser *p, const char *path)
{
	const char *paths[] = { "motd_file", "log_file", "history_file" };
	const struct config_key *k;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		k = key_find(paths[i]);
		if (p->key_line[k - config_keys] != 0 &&
		    path_resolve(string_at(p->cfg, k->offset), path) == -1)
			return parse_nomem(p);
	}
	return p->cfg->motd_file != NULL ? motd_load(p) : 0;
}

int
config_load_file(struct config *cfg, const char *path, char *err,
    size_t errlen)
{
	struct config tmp;
	struct parser p;
	char why[128], *text;
	int rc;

	if (config_copy(&tmp, cfg) == -1) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	parser_init(&p, &tmp, path, err, errlen);
	if ((text = file_read(path, CONFIG_FILE_MAX, why, sizeof(why))) == NULL)
		rc = parse_error(&p, "%s", why);
	else
		rc = parse_text(&p, text);
	free(text);
	if (rc == 0)
		rc = load_files(&p, path);
	if (rc == -1) {
		config_free(&tmp);
		return -1;
	}
	config_free(cfg);
	*cfg = tmp;
	return 0;
}
