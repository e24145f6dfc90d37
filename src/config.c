/*
 * Configuration: the defaults that make "./ircserv <port> <password>" a
 * complete server, deep copies, and the parser for the file format that
 * conf/ircserv.conf documents. A file is applied to a copy, which replaces
 * the caller's config only when every line was valid.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_block.h"
#include "config_check.h"
#include "irc.h"
#include "log.h"
#include "metadata.h"
#include "multiline.h"
#include "readmarker.h"

#define KIB             CONFIG_KIB
#define MIB             CONFIG_MIB
/* An MOTD is sent to every client at registration: keep it modest. */
#define MOTD_FILE_MAX   (64 * 1024)

/* How a setting's value is read; see setting_apply(). */
enum value_type {
	V_HOST,         /* a host name with a dot, like irc.example.net */
	V_SID,          /* a TS6 server ID: a digit, then two of [A-Z0-9] */
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
	V_ORIGINS,      /* web origins separated by spaces; repeatable */
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
	{ "sid",                  V_SID,     F(sid),            3, 3 },
	{ "network",              V_WORD,    F(network),        1, 64 },
	{ "description",          V_TEXT,    F(description),    1, 200 },
	{ "admin_location",       V_TEXT,    F(admin_loc1),     1, 200 },
	{ "admin_location2",      V_TEXT,    F(admin_loc2),     1, 200 },
	{ "admin_email",          V_TEXT,    F(admin_email),    1, 200 },
	{ "motd_file",            V_PATH,    F(motd_file),      1, 4095 },
	{ "require_password",     V_BOOL,    F(require_password), 0, 0 },
	{ "utf8only",             V_BOOL,    F(utf8only),       0, 0 },
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
	{ "history_lines",        V_UINT,    F(history_lines),  0, 100000 },
	{ "history_age",          V_UINT,    F(history_age_s),  0, 3650 * 86400 },
	{ "history_size",         V_SIZE,    F(history_size),   0, 1024 * MIB },
	{ "registration_timeout", V_UINT,    F(reg_timeout_s),  1, 3600 },
	{ "ping_frequency",       V_UINT,    F(ping_freq_s),    1, 86400 },
	{ "ping_timeout",         V_UINT,    F(ping_timeout_s), 1, 86400 },
	{ "flood_burst",          V_UINT,    F(flood_burst),    1, 1000 },
	{ "flood_rate",           V_UINT,    F(flood_rate),     1, 1000 },
	{ "flood_max",            V_UINT,    F(flood_max),      1, 100000 },
	{ "flood_exempt",         V_IPMASKS, F(flood_exempt),   0, 0 },
	/*
	 * A batch of at least one full line; at most what one history journal
	 * record holds (JOURNAL_RECORD_MAX) with the lines' sources.
	 */
	{ "multiline_max_bytes",  V_UINT,    F(multiline_max_bytes), 512, 32768 },
	{ "multiline_max_lines",  V_UINT,    F(multiline_max_lines), 1, 100 },
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
	{ "websocket_client",     V_BOOL,    F(websocket_client), 0, 0 },
	{ "websocket_origins",    V_ORIGINS, F(websocket_origins), 0, 0 },
	{ "websocket_trusted_proxies", V_IPMASKS, F(websocket_trusted), 0, 0 },
	{ "event_backend",        V_BACKEND, F(event_backend),  0, 0 },
	{ "sasl_service",         V_WORD,    F(sasl_service),   1, IRC_NICKLEN },
	{ "log_level",            V_LEVEL,   F(log_level),      0, 0 },
	{ "log_file",             V_PATH,    F(log_file),       1, 4095 },
	{ "history_file",         V_PATH,    F(history_file),   1, 4095 },
	{ "history_flush_ms",     V_UINT,    F(history_flush_ms), 0, 60000 },
};

#define NKEYS           (sizeof(config_keys) / sizeof(config_keys[0]))

/* Owned strings no setting of the table names. */
static const size_t untabled_strings[] = { F(motd), F(password) };
#define NUNTABLED       (sizeof(untabled_strings) / sizeof(untabled_strings[0]))

bool
config_owned_field(size_t i, size_t *offset, bool *is_strv)
{
	if (i < NUNTABLED) {
		*offset = untabled_strings[i];
		*is_strv = false;
		return true;
	}
	size_t n = NUNTABLED;          /* index of the next owned field */

	for (size_t k = 0; k < NKEYS; k++) {
		enum value_type t = config_keys[k].type;
		bool str = t == V_HOST || t == V_SID || t == V_WORD || t == V_TEXT ||
		    t == V_PATH;
		bool strv = t == V_IPMASKS || t == V_ORIGINS;

		if (!str && !strv)
			continue;
		if (n++ == i) {
			*offset = config_keys[k].offset;
			*is_strv = strv;
			return true;
		}
	}
	return false;
}

/* log_level names, indexed by enum log_level. */
static const char *const level_names[] = { "error", "warn", "info", "debug" };

struct parser {
	struct config *cfg;             /* the copy being changed */
	const char *file;
	unsigned line;                  /* 0: the error is about the whole file */
	char    *err;
	size_t   errlen;
	unsigned key_line[NKEYS];       /* where each setting was given; 0: not yet */
	struct config_blocks blocks;    /* oper and account blocks (config_block.h) */
};

static char **
string_at(struct config *cfg, size_t offset)
{
	return (char **)(void *)((char *)cfg + offset);
}

/* The numbers and switches of config_defaults(). */
static void
defaults_numbers(struct config *cfg)
{
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
	/* History: a day of a busy channel, a week at most, 32 MiB in all. */
	cfg->history_lines = 1000;
	cfg->history_age_s = 7 * 86400;
	cfg->history_size = 32 * 1024 * 1024;
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
	cfg->utf8only = true;
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
}

int
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	defaults_numbers(cfg);
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
	    config_strv_add(&cfg->limit_exempt, "127.*", 5) == -1 ||
	    config_strv_add(&cfg->limit_exempt, "::1", 3) == -1) {
		config_free(cfg);
		return -1;
	}
	return 0;
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
	if (k->type == V_HOST && !config_host_is_valid(value))
		return parse_error(p, "%s \"%s\" is not a host name with a dot, "
		    "like irc.example.net", k->name, value);
	if (k->type == V_SID && !config_sid_is_valid(value))
		return parse_error(p, "sid \"%s\" must be a digit and two capital "
		    "letters or digits, like 1AA", value);
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

	if (config_parse_number(value, size, &v) == -1)
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
	if (l->family == CONFIG_INET6 ? !config_ipv6_is_valid(l->addr) :
	    !config_ipv4_is_valid(l->addr))
		return parse_error(p, "listen: \"%s\" is not a numeric %s address",
		    l->addr, l->family == CONFIG_INET6 ? "IPv6" : "IPv4");
	if (config_parse_number(colon + 1, false, &port) == -1 || port < 1 ||
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
	char *rest = value, *word = config_next_word(&rest);

	if (listen_address(p, word, &l) == -1)
		return -1;
	while ((word = config_next_word(&rest)) != NULL) {
		if (strcmp(word, "proxy") == 0)
			l.proxy = true;
		else if (strcmp(word, "websocket") == 0)
			l.websocket = true;
		else if (strcmp(word, "server") == 0)
			l.server = true;
		else
			return parse_error(p, "listen: unknown option \"%s\" "
			    "(known: proxy, websocket, server)", word);
	}
	if (l.server && (l.proxy || l.websocket))
		return parse_error(p, "listen: a server listener takes neither "
		    "proxy nor websocket");
	if (first)
		config_listens_free(cfg);
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

	while ((w = config_next_word(&value)) != NULL) {
		if (!is_valid(w))
			return parse_error(p, "%s: \"%s\" is not %s", what, w, hint);
		if (config_strv_add(sv, w, strlen(w)) == -1)
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
	if (!first && k->type != V_LISTEN && k->type != V_IPMASKS &&
	    k->type != V_ORIGINS)
		return parse_error(p, "%s is already set on line %u", key, *line);
	*line = p->line;
	switch (k->type) {
	case V_HOST:
	case V_SID:
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
	case V_ORIGINS:
		sv = (struct config_strv *)(void *)((char *)p->cfg + k->offset);
		if (first)
			config_strv_free(sv);
		/* "none" empties the list, e.g. to exempt no address. */
		if (strcmp(value, "none") == 0)
			return 0;
		if (k->type == V_ORIGINS)
			return add_masks(p, sv, value, config_origin_is_valid, key,
			    "an origin like https://chat.example.net");
		return add_masks(p, sv, value, config_ipmask_is_valid, key,
		    "an IP address or a glob like 10.0.*");
	}
	return parse_error(p, "%s: unhandled setting type", key);
}

/* Lines. */

/* A finished block's problems are reported at the line that opened it. */
static int
block_close(struct parser *p)
{
	unsigned line = p->line;

	if (p->blocks.open == CONFIG_BLOCK_NONE)
		return parse_error(p, "'}' without a block to close");
	p->line = p->blocks.line;
	if (config_block_close(&p->blocks) == -1)
		return parse_error(p, "%s", p->blocks.why);
	p->line = line;
	return 0;
}

static int
split_setting(struct parser *p, char *line, char **key, char **value)
{
	char *eq = strchr(line, '=');

	if (eq == NULL)
		return parse_error(p, "expected \"<setting> = <value>\" "
		    "(this line has no '=')");
	*eq = '\0';
	*key = config_trim(line);
	*value = config_trim(eq + 1);
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
	config_strip_comment(line);
	line = config_trim(line);
	if ((len = strlen(line)) == 0)
		return 0;
	if (strcmp(line, "}") == 0)
		return block_close(p);
	if (line[len - 1] == '{' && strchr(line, '=') == NULL)
		return config_block_open(&p->blocks, line, p->line) == -1 ?
		    parse_error(p, "%s", p->blocks.why) : 0;
	if (split_setting(p, line, &key, &value) == -1)
		return -1;
	if (p->blocks.open != CONFIG_BLOCK_NONE)
		return config_block_set(&p->blocks, key, value) == -1 ?
		    parse_error(p, "%s", p->blocks.why) : 0;
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
	if (p->blocks.open != CONFIG_BLOCK_NONE) {
		p->line = p->blocks.line;
		return parse_error(p, "the %s block opened here has no '}'",
		    config_block_name(p->blocks.open));
	}
	/* Server links speak TS6, where every server has a SID. */
	if (p->cfg->nlinks > 0 && p->cfg->sid == NULL) {
		p->line = 0;
		return parse_error(p, "link blocks need a sid (like sid = 1AA)");
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
	config_blocks_init(&p->blocks, cfg);
}

/* Files named by the configuration, read through the shell's reader. */

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
motd_load(struct parser *p, config_read_fn *read_file)
{
	char why[128], *text;
	size_t i, j;

	p->line = p->key_line[key_find("motd_file") - config_keys];
	text = read_file(p->cfg->motd_file, MOTD_FILE_MAX, why, sizeof(why));
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
load_files(struct parser *p, const char *path, config_read_fn *read_file)
{
	const char *paths[] = { "motd_file", "log_file", "history_file" };
	const struct config_key *k;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		k = key_find(paths[i]);
		if (p->key_line[k - config_keys] != 0 &&
		    path_resolve(string_at(p->cfg, k->offset), path) == -1)
			return parse_nomem(p);
	}
	return p->cfg->motd_file != NULL ? motd_load(p, read_file) : 0;
}

/* Apply text to a copy of *cfg; with read_file, load the files it names. */
static int
parse_into(struct config *cfg, const char *text, const char *filename,
    config_read_fn *read_file, char *err, size_t errlen)
{
	struct config tmp;
	struct parser p;

	if (config_copy(&tmp, cfg) == -1) {
		snprintf(err, errlen, "%s: out of memory", filename);
		return -1;
	}
	parser_init(&p, &tmp, filename, err, errlen);
	if (parse_text(&p, text) == -1 ||
	    (read_file != NULL && load_files(&p, filename, read_file) == -1)) {
		config_free(&tmp);
		return -1;
	}
	config_free(cfg);
	*cfg = tmp;
	return 0;
}

int
config_parse_string(struct config *cfg, const char *text,
    const char *filename, char *err, size_t errlen)
{
	return parse_into(cfg, text, filename, NULL, err, errlen);
}

int
config_parse_file(struct config *cfg, const char *text, const char *path,
    config_read_fn *read_file, char *err, size_t errlen)
{
	return parse_into(cfg, text, path, read_file, err, errlen);
}
