/*
 * Unit tests for config.c: each setting of a good file lands in its field
 * (sizes, lists, blocks, comments, CR LF); each bad file gets its exact
 * "file:line: problem" and leaves the config as it was; deep copies;
 * loading files and the MOTD from disk; and conf/ircserv.conf itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "config_block.h"
#include "config_file.h"
#include "crypto.h"
#include "log.h"

/* "change-me" at 1000 iterations: cheap to verify in a test. */
#define HASH    "$pbkdf2-sha256$1000$ZK5owaJuJKhZ7tBYTE9Zew$" \
		"3CO9C1Qb10p2is/HzsryCmbUq+7PrSCA3xfSd+gMgXs"

/* What the failing files below start from: one of every list. */
static const char base_text[] =
    "listen = 127.0.0.1:7000\n"
    "flood_exempt = 10.1.*\n"
    "oper root {\n"
    "\tpassword = " HASH "\n"
    "\thost = *@10.0.0.1\n"
    "}\n"
    "account carol {\n"
    "\tpassword = " HASH "\n"
    "}\n"
    "sid = 1AA\n"
    "link hub.example.net {\n"
    "\thost = 127.0.0.1\n"
    "\tport = 7001\n"
    "\tpassword = s3cret\n"
    "\tautoconnect = yes\n"
    "}\n";

static bool
str_same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static bool
strv_same(const struct config_strv *a, const struct config_strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		if (!str_same(a->v[i], b->v[i]))
			return false;
	}
	return true;
}

static bool
lists_same(const struct config *a, const struct config *b)
{
	size_t i;

	if (a->nlistens != b->nlistens || a->nopers != b->nopers ||
	    a->naccounts != b->naccounts || a->nlinks != b->nlinks ||
	    !str_same(a->sid, b->sid) ||
	    !strv_same(&a->flood_exempt, &b->flood_exempt) ||
	    !strv_same(&a->limit_exempt, &b->limit_exempt) ||
	    !strv_same(&a->websocket_origins, &b->websocket_origins) ||
	    !strv_same(&a->websocket_trusted, &b->websocket_trusted))
		return false;
	for (i = 0; i < a->nlistens; i++) {
		if (!str_same(a->listens[i].addr, b->listens[i].addr) ||
		    a->listens[i].port != b->listens[i].port ||
		    a->listens[i].family != b->listens[i].family ||
		    a->listens[i].proxy != b->listens[i].proxy ||
		    a->listens[i].websocket != b->listens[i].websocket ||
		    a->listens[i].server != b->listens[i].server)
			return false;
	}
	for (i = 0; i < a->nlinks; i++) {
		if (!str_same(a->links[i].name, b->links[i].name) ||
		    !str_same(a->links[i].host, b->links[i].host) ||
		    !str_same(a->links[i].password, b->links[i].password) ||
		    a->links[i].port != b->links[i].port ||
		    a->links[i].autoconnect != b->links[i].autoconnect)
			return false;
	}
	for (i = 0; i < a->nopers; i++) {
		if (!str_same(a->opers[i].name, b->opers[i].name) ||
		    !str_same(a->opers[i].hash, b->opers[i].hash) ||
		    !strv_same(&a->opers[i].hosts, &b->opers[i].hosts))
			return false;
	}
	for (i = 0; i < a->naccounts; i++) {
		if (!str_same(a->accounts[i].name, b->accounts[i].name) ||
		    !str_same(a->accounts[i].hash, b->accounts[i].hash))
			return false;
	}
	return true;
}

/* Field by field, so that a failed parse is seen to change nothing. */
static bool
config_same(const struct config *a, const struct config *b)
{
	return str_same(a->server_name, b->server_name) &&
	    str_same(a->network, b->network) &&
	    str_same(a->description, b->description) &&
	    str_same(a->admin_loc1, b->admin_loc1) &&
	    str_same(a->admin_loc2, b->admin_loc2) &&
	    str_same(a->admin_email, b->admin_email) &&
	    str_same(a->motd, b->motd) && str_same(a->password, b->password) &&
	    str_same(a->log_file, b->log_file) &&
	    str_same(a->motd_file, b->motd_file) &&
	    str_same(a->history_file, b->history_file) &&
	    str_same(a->bind_addr, b->bind_addr) &&
	    a->history_flush_ms == b->history_flush_ms &&
	    a->history_lines == b->history_lines &&
	    a->history_age_s == b->history_age_s &&
	    a->history_size == b->history_size &&
	    a->utf8only == b->utf8only &&
	    a->websocket_client == b->websocket_client &&
	    a->port == b->port && a->max_clients == b->max_clients &&
	    a->chanlimit == b->chanlimit && a->maxlist == b->maxlist &&
	    a->max_invites == b->max_invites &&
	    a->whowas_max == b->whowas_max && a->sendq == b->sendq &&
	    a->recvq == b->recvq && a->reg_timeout_s == b->reg_timeout_s &&
	    a->ping_freq_s == b->ping_freq_s &&
	    a->ping_timeout_s == b->ping_timeout_s &&
	    a->max_per_ip == b->max_per_ip &&
	    a->connect_rate == b->connect_rate &&
	    a->require_password == b->require_password &&
	    a->flood_burst == b->flood_burst &&
	    a->flood_rate == b->flood_rate && a->flood_max == b->flood_max &&
	    a->multiline_max_bytes == b->multiline_max_bytes &&
	    a->multiline_max_lines == b->multiline_max_lines &&
	    a->metadata_max_keys == b->metadata_max_keys &&
	    a->metadata_max_subs == b->metadata_max_subs &&
	    a->metadata_max_value == b->metadata_max_value &&
	    a->metadata_set_burst == b->metadata_set_burst &&
	    a->metadata_set_rate == b->metadata_set_rate &&
	    a->knock_user_delay_s == b->knock_user_delay_s &&
	    a->knock_channel_delay_s == b->knock_channel_delay_s &&
	    a->readmarker_targets == b->readmarker_targets &&
	    a->readmarker_accounts == b->readmarker_accounts &&
	    a->readmarker_conns == b->readmarker_conns &&
	    a->log_level == b->log_level &&
	    a->event_backend == b->event_backend && lists_same(a, b);
}

/* Defaults, then text, which must parse. */
static void
parse_ok(struct config *cfg, const char *text)
{
	char err[512] = "";

	assert_int_equal(config_defaults(cfg), 0);
	if (config_parse_string(cfg, text, "t.conf", err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s\nin: %s", err, text);
}

static void
test_defaults(void **state)
{
	struct config cfg;

	(void)state;
	assert_int_equal(config_defaults(&cfg), 0);
	assert_string_equal(cfg.server_name, "irc.local");
	assert_int_equal(cfg.port, 6667);
	assert_int_equal(cfg.max_per_ip, 50);
	assert_int_equal(cfg.connect_rate, 20);
	assert_int_equal(cfg.flood_burst, 10);
	assert_int_equal(cfg.flood_rate, 2);
	assert_int_equal(cfg.flood_max, 100);
	assert_int_equal(cfg.multiline_max_bytes, 4096);
	assert_int_equal(cfg.multiline_max_lines, 32);
	assert_int_equal(cfg.metadata_max_keys, 20);
	assert_int_equal(cfg.metadata_max_subs, 50);
	assert_int_equal(cfg.metadata_max_value, 300);
	assert_int_equal(cfg.metadata_set_burst, 10);
	assert_int_equal(cfg.metadata_set_rate, 60);
	assert_int_equal(cfg.knock_user_delay_s, 300);
	assert_int_equal(cfg.knock_channel_delay_s, 60);
	assert_int_equal(cfg.readmarker_targets, 256);
	assert_int_equal(cfg.readmarker_accounts, 4096);
	assert_int_equal(cfg.readmarker_conns, 4096);
	assert_int_equal(cfg.log_level, LOG_INFO);
	assert_int_equal(cfg.event_backend, CONFIG_BACKEND_POLL);
	assert_null(cfg.log_file);
	assert_null(cfg.motd_file);
	assert_null(cfg.history_file);
	assert_int_equal(cfg.history_flush_ms, 1000);
	assert_int_equal(cfg.nlistens, 0);
	assert_int_equal(cfg.nopers, 0);
	assert_int_equal(cfg.naccounts, 0);
	assert_int_equal(cfg.flood_exempt.n, 0);
	/* Loopback is exempt from the per-IP limits; a password is needed. */
	assert_int_equal(cfg.limit_exempt.n, 2);
	assert_string_equal(cfg.limit_exempt.v[0], "127.*");
	assert_string_equal(cfg.limit_exempt.v[1], "::1");
	assert_true(cfg.require_password);
	config_free(&cfg);
	assert_null(cfg.server_name);
	/* Freeing twice, or a zeroed config, is harmless. */
	config_free(&cfg);
}

enum field_kind { UINT, SIZE, STR, INT, BOOL };

static void
check_field(const struct config *cfg, size_t offset, enum field_kind kind,
    unsigned long long num, const char *str)
{
	const char *base = (const char *)cfg + offset;

	switch (kind) {
	case UINT:
		assert_int_equal(*(const unsigned *)(const void *)base, num);
		break;
	case SIZE:
		assert_int_equal(*(const size_t *)(const void *)base, num);
		break;
	case INT:
		assert_int_equal(*(const int *)(const void *)base, num);
		break;
	case BOOL:
		assert_int_equal(*(const bool *)(const void *)base, num);
		break;
	case STR:
		assert_string_equal(*(char *const *)(const void *)base, str);
		break;
	}
}

#define F(field)        offsetof(struct config, field)

/* One line each: the value lands in its field. */
static void
test_settings(void **state)
{
	static const struct {
		const char *text;
		size_t offset;
		enum field_kind kind;
		unsigned long long num;
		const char *str;
	} v[] = {
		{ "server_name = irc.example.net", F(server_name), STR, 0, "irc.example.net" },
		{ "network = ExampleNet", F(network), STR, 0, "ExampleNet" },
		{ "description = A friendly IRC server", F(description), STR, 0,
		  "A friendly IRC server" },
		{ "admin_location = Somewhere", F(admin_loc1), STR, 0, "Somewhere" },
		{ "admin_location2 = Run by someone", F(admin_loc2), STR, 0,
		  "Run by someone" },
		{ "admin_email = admin@example.net", F(admin_email), STR, 0,
		  "admin@example.net" },
		{ "motd_file = motd.txt", F(motd_file), STR, 0, "motd.txt" },
		{ "log_file = /var/log/ircserv.log", F(log_file), STR, 0,
		  "/var/log/ircserv.log" },
		{ "history_file = /var/lib/ircserv/history", F(history_file), STR, 0,
		  "/var/lib/ircserv/history" },
		{ "history_flush_ms = 0", F(history_flush_ms), UINT, 0, NULL },
		{ "history_flush_ms = 60000", F(history_flush_ms), UINT, 60000, NULL },
		{ "max_clients = 500", F(max_clients), UINT, 500, NULL },
		{ "max_per_ip = 0", F(max_per_ip), UINT, 0, NULL },
		{ "connect_rate = 7", F(connect_rate), UINT, 7, NULL },
		{ "channels_per_user = 20", F(chanlimit), UINT, 20, NULL },
		{ "maxlist = 42", F(maxlist), UINT, 42, NULL },
		{ "max_invites = 9", F(max_invites), UINT, 9, NULL },
		{ "whowas = 0", F(whowas_max), UINT, 0, NULL },
		{ "registration_timeout = 30", F(reg_timeout_s), UINT, 30, NULL },
		{ "ping_frequency = 1", F(ping_freq_s), UINT, 1, NULL },
		{ "ping_frequency = 86400", F(ping_freq_s), UINT, 86400, NULL },
		{ "ping_timeout = 45", F(ping_timeout_s), UINT, 45, NULL },
		{ "flood_burst = 5", F(flood_burst), UINT, 5, NULL },
		{ "flood_rate = 3", F(flood_rate), UINT, 3, NULL },
		{ "flood_max = 1000", F(flood_max), UINT, 1000, NULL },
		{ "multiline_max_bytes = 512", F(multiline_max_bytes), UINT, 512, NULL },
		{ "multiline_max_lines = 100", F(multiline_max_lines), UINT, 100, NULL },
		{ "multiline_max_bytes = 32768", F(multiline_max_bytes), UINT, 32768, NULL },
		{ "metadata_max_keys = 5", F(metadata_max_keys), UINT, 5, NULL },
		{ "metadata_max_subs = 1000", F(metadata_max_subs), UINT, 1000, NULL },
		{ "metadata_max_value_bytes = 300", F(metadata_max_value), UINT, 300, NULL },
		{ "metadata_set_burst = 1", F(metadata_set_burst), UINT, 1, NULL },
		{ "metadata_set_rate = 60000", F(metadata_set_rate), UINT, 60000, NULL },
		{ "knock_user_delay = 0", F(knock_user_delay_s), UINT, 0, NULL },
		{ "knock_channel_delay = 86400", F(knock_channel_delay_s), UINT, 86400, NULL },
		{ "readmarker_targets = 1", F(readmarker_targets), UINT, 1, NULL },
		{ "readmarker_accounts = 1000000", F(readmarker_accounts), UINT, 1000000, NULL },
		{ "readmarker_connections = 7", F(readmarker_conns), UINT, 7, NULL },
		{ "require_password = no", F(require_password), BOOL, 0, NULL },
		{ "require_password = yes", F(require_password), BOOL, 1, NULL },
		{ "log_level = error", F(log_level), INT, LOG_ERROR, NULL },
		{ "log_level = warn", F(log_level), INT, LOG_WARN, NULL },
		{ "log_level = info", F(log_level), INT, LOG_INFO, NULL },
		{ "log_level = debug", F(log_level), INT, LOG_DEBUG, NULL },
		{ "event_backend = poll", F(event_backend), INT, CONFIG_BACKEND_POLL, NULL },
#ifdef __linux__
		{ "event_backend = epoll", F(event_backend), INT, CONFIG_BACKEND_EPOLL, NULL },
#endif
		/* Sizes: plain, K and M in either case, at both limits. */
		{ "sendq = 4K", F(sendq), SIZE, 4096, NULL },
		{ "sendq = 4k", F(sendq), SIZE, 4096, NULL },
		{ "sendq = 64M", F(sendq), SIZE, 64u << 20, NULL },
		{ "sendq = 2m", F(sendq), SIZE, 2u << 20, NULL },
		{ "sendq = 100000", F(sendq), SIZE, 100000, NULL },
		{ "recvq = 9K", F(recvq), SIZE, 9216, NULL },
		{ "recvq = 9216", F(recvq), SIZE, 9216, NULL },
		/* Layout: spaces, tabs, comments, '#' inside values, CR LF. */
		{ "  network\t=\tFoo  \t", F(network), STR, 0, "Foo" },
		{ "network=Foo", F(network), STR, 0, "Foo" },
		{ "network = Foo # the name", F(network), STR, 0, "Foo" },
		{ "network = Foo\t# the name", F(network), STR, 0, "Foo" },
		{ "network = Foo#bar", F(network), STR, 0, "Foo#bar" },
		{ "description = Join us on #help", F(description), STR, 0,
		  "Join us on" },
		{ "description = x = y", F(description), STR, 0, "x = y" },
		{ "description = Caf\xc3\xa9 {", F(description), STR, 0,
		  "Caf\xc3\xa9 {" },
		{ "# only a comment\nmax_clients = 3 # three", F(max_clients),
		  UINT, 3, NULL },
		{ "max_clients = 3\r\n", F(max_clients), UINT, 3, NULL },
		{ "max_clients = 0003", F(max_clients), UINT, 3, NULL },
	};
	struct config cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		parse_ok(&cfg, v[i].text);
		check_field(&cfg, v[i].offset, v[i].kind, v[i].num, v[i].str);
		config_free(&cfg);
	}
}

/* Settings not named in a file keep what the config had. */
static void
test_settings_kept(void **state)
{
	struct config cfg, before;

	(void)state;
	parse_ok(&cfg, base_text);
	assert_int_equal(config_copy(&before, &cfg), 0);
	assert_int_equal(config_parse_string(&cfg, "", "t.conf", NULL, 0), 0);
	assert_true(config_same(&cfg, &before));
	assert_int_equal(config_parse_string(&cfg,
	    "\n\n# nothing\r\n   \t\n\t# indented\n", "t.conf", NULL, 0), 0);
	assert_true(config_same(&cfg, &before));
	assert_int_equal(config_parse_string(&cfg, "max_clients = 7",
	    "t.conf", NULL, 0), 0);
	assert_int_equal(cfg.max_clients, 7);
	before.max_clients = 7;
	assert_true(config_same(&cfg, &before));
	config_free(&cfg);
	config_free(&before);
}

static void
test_listen(void **state)
{
	struct config cfg;

	(void)state;
	parse_ok(&cfg,
	    "listen = 0.0.0.0:6667\n"
	    "listen = [::]:6667\n"
	    "listen = 127.0.0.1:6670 proxy\n"
	    "listen = [2001:db8::1]:65535   proxy   # behind haproxy\n");
	assert_int_equal(cfg.nlistens, 4);
	assert_string_equal(cfg.listens[0].addr, "0.0.0.0");
	assert_int_equal(cfg.listens[0].port, 6667);
	assert_int_equal(cfg.listens[0].family, CONFIG_INET4);
	assert_false(cfg.listens[0].proxy);
	assert_string_equal(cfg.listens[1].addr, "::");
	assert_int_equal(cfg.listens[1].port, 6667);
	assert_int_equal(cfg.listens[1].family, CONFIG_INET6);
	assert_false(cfg.listens[1].proxy);
	assert_string_equal(cfg.listens[2].addr, "127.0.0.1");
	assert_int_equal(cfg.listens[2].port, 6670);
	assert_true(cfg.listens[2].proxy);
	assert_string_equal(cfg.listens[3].addr, "2001:db8::1");
	assert_int_equal(cfg.listens[3].port, 65535);
	assert_int_equal(cfg.listens[3].family, CONFIG_INET6);
	assert_true(cfg.listens[3].proxy);
	config_free(&cfg);
}

static void
test_websocket(void **state)
{
	struct config cfg, copy;

	(void)state;
	assert_int_equal(config_defaults(&cfg), 0);
	assert_false(cfg.websocket_client);
	assert_int_equal(cfg.websocket_origins.n, 0);
	assert_int_equal(cfg.websocket_trusted.n, 0);
	config_free(&cfg);
	parse_ok(&cfg,
	    "listen = 127.0.0.1:8080 websocket\n"
	    "listen = [::1]:8081 proxy websocket\n"
	    "websocket_client = yes\n"
	    "websocket_origins = https://chat.example.net http://localhost:8080\n"
	    "websocket_origins = https://b.example\n"
	    "websocket_trusted_proxies = 127.0.0.1 10.0.*\n");
	assert_true(cfg.listens[0].websocket);
	assert_false(cfg.listens[0].proxy);
	assert_true(cfg.listens[1].websocket);
	assert_true(cfg.listens[1].proxy);
	assert_true(cfg.websocket_client);
	assert_int_equal(cfg.websocket_origins.n, 3);
	assert_string_equal(cfg.websocket_origins.v[2], "https://b.example");
	assert_int_equal(cfg.websocket_trusted.n, 2);
	assert_int_equal(config_copy(&copy, &cfg), 0);
	assert_true(lists_same(&copy, &cfg));
	config_free(&copy);
	config_free(&cfg);
}

static char **
field_string(struct config *cfg, size_t off)
{
	return (char **)(void *)((char *)cfg + off);
}

static struct config_strv *
field_strv(struct config *cfg, size_t off)
{
	return (struct config_strv *)(void *)((char *)cfg + off);
}

/*
 * Every owned field (the text and list settings of the table, motd and
 * password) is set, copied into memory of its own, and freed: a field
 * shared by the copy would fail here and be freed twice under ASan.
 */
static void
test_copy_owns_every_field(void **state)
{
	struct config cfg, copy;
	size_t i, off, nstr = 0, nstrv = 0;
	bool strv;

	(void)state;
	assert_int_equal(config_defaults(&cfg), 0);
	for (i = 0; config_owned_field(i, &off, &strv); i++) {
		if (strv) {
			assert_int_equal(config_strv_add(field_strv(&cfg, off),
			    "10.*", 4), 0);
			nstrv++;
		} else {
			assert_int_equal(config_set_string(field_string(&cfg, off),
			    "value"), 0);
			nstr++;
		}
	}
	assert_true(nstr >= 12);        /* ten text settings, motd, password */
	assert_true(nstrv >= 4);        /* the four list settings */
	assert_int_equal(config_copy(&copy, &cfg), 0);
	for (i = 0; config_owned_field(i, &off, &strv); i++) {
		if (strv) {
			struct config_strv *a = field_strv(&cfg, off);
			struct config_strv *b = field_strv(&copy, off);

			assert_int_equal(a->n, b->n);
			assert_ptr_not_equal(a->v, b->v);
			assert_ptr_not_equal(a->v[a->n - 1], b->v[b->n - 1]);
			assert_string_equal(a->v[a->n - 1], b->v[b->n - 1]);
		} else {
			assert_ptr_not_equal(*field_string(&cfg, off),
			    *field_string(&copy, off));
			assert_string_equal(*field_string(&copy, off), "value");
		}
	}
	config_free(&cfg);
	config_free(&copy);
}

/* Address forms through "listen = <addr>:1", against RFC 4291 2.2. */
static void
test_listen_addresses(void **state)
{
	static const struct {
		const char *addr;
		bool ok;
	} v[] = {
		{ "0.0.0.0", true }, { "255.255.255.255", true },
		{ "10.0.0.1", true }, { "256.0.0.1", false }, { "1.2.3", false },
		{ "1.2.3.4.5", false }, { "01.2.3.4", false }, { "1..3.4", false },
		{ "1.2.3.", false }, { "a.b.c.d", false }, { "localhost", false },
		{ "", false },
		{ "[::]", true }, { "[::1]", true }, { "[1::]", true },
		{ "[1:2:3:4:5:6:7:8]", true }, { "[1:2:3:4:5:6:7::]", true },
		{ "[::2:3:4:5:6:7:8]", true }, { "[fe80::1:2]", true },
		{ "[FFFF:abcd::]", true }, { "[::ffff:192.0.2.1]", true },
		{ "[64:ff9b::192.0.2.33]", true }, { "[1:2:3:4:5:6:1.2.3.4]", true },
		{ "[1:2:3:4:5:6:7:1.2.3.4]", false }, { "[::1.2.3]", false },
		{ "[1.2.3.4::]", false }, { "[1:2:3:4:5:6:7:8:9]", false },
		{ "[1:2:3:4:5:6:7]", false }, { "[1:2:3:4:5:6::7:8]", false },
		{ "[1::2::3]", false }, { "[:::]", false }, { "[:1::]", false },
		{ "[1::2:]", false }, { "[1:]", false }, { "[12345::]", false },
		{ "[g::]", false }, { "[]", false }, { "[fe80::1%eth0]", false },
	};
	struct config cfg;
	char text[128], err[256];
	int rc;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(text, sizeof(text), "listen = %s:1", v[i].addr);
		assert_int_equal(config_defaults(&cfg), 0);
		rc = config_parse_string(&cfg, text, "t.conf", err, sizeof(err));
		if ((rc == 0) != v[i].ok)
			fail_msg("\"%s\": expected %s, got %s", text,
			    v[i].ok ? "success" : "an error", rc == 0 ? "success" : err);
		config_free(&cfg);
	}
}

static void
test_blocks(void **state)
{
	struct config cfg;

	(void)state;
	parse_ok(&cfg,
	    "oper alice {\n"
	    "\tpassword = " HASH "\n"
	    "\thost = *@127.0.0.1   # local\n"
	    "\thost = ~al@*.example.net *@::1\n"
	    "}\n"
	    "oper bob{\n"
	    "password=" HASH "\n"
	    "host = *@*\n"
	    "}   # end of bob\n"
	    "account carol {\r\n"
	    "  password = " HASH "\r\n"
	    "}\r\n"
	    "account dave {\n"
	    "\tpassword = " HASH "\n"
	    "}\n");
	assert_int_equal(cfg.nopers, 2);
	assert_string_equal(cfg.opers[0].name, "alice");
	assert_string_equal(cfg.opers[0].hash, HASH);
	assert_int_equal(cfg.opers[0].hosts.n, 3);
	assert_string_equal(cfg.opers[0].hosts.v[0], "*@127.0.0.1");
	assert_string_equal(cfg.opers[0].hosts.v[1], "~al@*.example.net");
	assert_string_equal(cfg.opers[0].hosts.v[2], "*@::1");
	assert_string_equal(cfg.opers[1].name, "bob");
	assert_int_equal(cfg.opers[1].hosts.n, 1);
	assert_int_equal(cfg.naccounts, 2);
	assert_string_equal(cfg.accounts[0].name, "carol");
	assert_string_equal(cfg.accounts[0].hash, HASH);
	assert_string_equal(cfg.accounts[1].name, "dave");
	assert_true(crypto_verify_password("change-me", cfg.opers[0].hash));
	config_free(&cfg);
}

/*
 * The first list entry in a file replaces the list the config had; later
 * ones add to it; a file that names none keeps it.
 */
static void
test_lists_replace(void **state)
{
	struct config cfg;

	(void)state;
	parse_ok(&cfg, base_text);
	assert_int_equal(config_parse_string(&cfg,
	    "flood_exempt = 127.0.0.1 ::1\n"
	    "listen = 0.0.0.0:6667\n"
	    "flood_exempt = 192.168.?.*\n"
	    "listen = 0.0.0.0:6697\n", "t.conf", NULL, 0), 0);
	assert_int_equal(cfg.nlistens, 2);
	assert_int_equal(cfg.listens[0].port, 6667);
	assert_int_equal(cfg.listens[1].port, 6697);
	assert_int_equal(cfg.flood_exempt.n, 3);
	assert_string_equal(cfg.flood_exempt.v[0], "127.0.0.1");
	assert_string_equal(cfg.flood_exempt.v[1], "::1");
	assert_string_equal(cfg.flood_exempt.v[2], "192.168.?.*");
	/* limit_exempt replaces the built-in loopback list; "none" empties it. */
	assert_int_equal(config_parse_string(&cfg,
	    "limit_exempt = 10.0.0.1\nlimit_exempt = 10.2.*\n", "t.conf", NULL,
	    0), 0);
	assert_int_equal(cfg.limit_exempt.n, 2);
	assert_string_equal(cfg.limit_exempt.v[0], "10.0.0.1");
	assert_string_equal(cfg.limit_exempt.v[1], "10.2.*");
	assert_int_equal(config_parse_string(&cfg, "limit_exempt = none\n",
	    "t.conf", NULL, 0), 0);
	assert_int_equal(cfg.limit_exempt.n, 0);
	assert_int_equal(config_parse_string(&cfg,
	    "limit_exempt = none\nlimit_exempt = ::1\n", "t.conf", NULL, 0), 0);
	assert_int_equal(cfg.limit_exempt.n, 1);
	assert_string_equal(cfg.limit_exempt.v[0], "::1");
	/* Opers and accounts came from base_text and were not named. */
	assert_int_equal(cfg.nopers, 1);
	assert_string_equal(cfg.opers[0].name, "root");
	assert_int_equal(cfg.naccounts, 1);
	assert_int_equal(config_parse_string(&cfg,
	    "oper admin {\n password = " HASH "\n host = *@*\n}\n",
	    "t.conf", NULL, 0), 0);
	assert_int_equal(cfg.nopers, 1);
	assert_string_equal(cfg.opers[0].name, "admin");
	assert_int_equal(cfg.naccounts, 1);
	assert_int_equal(cfg.nlistens, 2);
	config_free(&cfg);
}

/* Each bad file: its exact error, and the config left as it was. */
#define EXPECT_BLOCK "expected \"oper <name> {\", \"account <name> {\" or " \
	"\"link <server name> {\""

/* Link blocks, the sid and server listeners (link.h). */
static void
test_links(void **state)
{
	struct config cfg, copy;
	char err[256];
	const struct config_link *l;

	(void)state;
	parse_ok(&cfg, base_text);
	assert_string_equal(cfg.sid, "1AA");
	assert_int_equal(cfg.nlinks, 1);
	l = config_link_find(&cfg, "HUB.example.net");
	assert_non_null(l);
	assert_string_equal(l->host, "127.0.0.1");
	assert_string_equal(l->password, "s3cret");
	assert_int_equal(l->port, 7001);
	assert_true(l->autoconnect);
	assert_null(config_link_find(&cfg, "other.example.net"));
	/* The first link block of a file replaces the list, like opers. */
	assert_int_equal(config_parse_string(&cfg, "listen = 127.0.0.1:7002 server\n"
	    "link leaf.example.net {\n\thost = 10.0.*\n\tpassword = p\n}\n",
	    "t.conf", err, sizeof(err)), 0);
	assert_int_equal(cfg.nlinks, 1);
	assert_string_equal(cfg.links[0].name, "leaf.example.net");
	assert_int_equal(cfg.links[0].port, 0);
	assert_false(cfg.links[0].autoconnect);
	assert_true(cfg.listens[0].server);
	assert_int_equal(config_copy(&copy, &cfg), 0);
	assert_true(config_same(&copy, &cfg));
	config_free(&copy);
	config_free(&cfg);
	/* A link needs this server's sid. */
	assert_int_equal(config_defaults(&cfg), 0);
	assert_int_equal(config_parse_string(&cfg, "link a.example {\n\thost = 1.2.3.4"
	    "\n\tpassword = p\n}\n", "t.conf", err, sizeof(err)), -1);
	assert_string_equal(err, "t.conf: link blocks need a sid (like sid = 1AA)");
	config_free(&cfg);
}

static void
test_bad_files(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} v[] = {
		/* Lines. */
		{ "foo = 1", "t.conf:1: unknown setting \"foo\"" },
		{ "\n\nserver_name irc.x.net\n",
		  "t.conf:3: expected \"<setting> = <value>\" (this line has no '=')" },
		{ "# c\r\n\r\nbar\r\n",
		  "t.conf:3: expected \"<setting> = <value>\" (this line has no '=')" },
		{ "= 5", "t.conf:1: missing setting name before '='" },
		{ "max clients = 5", "t.conf:1: \"max clients\" is not a setting name" },
		{ "network =", "t.conf:1: network has no value after '='" },
		{ "network = # nothing", "t.conf:1: network has no value after '='" },
		{ "network = a\x01z", "t.conf:1: control character (0x01) in line" },
		{ "network = a\rz", "t.conf:1: control character (0x0d) in line" },
		{ "network = a\x7fz", "t.conf:1: control character (0x7f) in line" },
		{ "server_name = a.b\nserver_name = c.d",
		  "t.conf:2: server_name is already set on line 1" },
		/* Strings. */
		{ "server_name = irc", "t.conf:1: server_name \"irc\" is not a host "
		  "name with a dot, like irc.example.net" },
		{ "server_name = irc_1.net", "t.conf:1: server_name \"irc_1.net\" is "
		  "not a host name with a dot, like irc.example.net" },
		{ "server_name = .x", "t.conf:1: server_name must be 3 to 63 "
		  "characters long" },
		{ "server_name = a.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		  "t.conf:1: server_name must be 3 to 63 characters long" },
		{ "network = Example Net",
		  "t.conf:1: network must be one word, without spaces" },
		/* Numbers and sizes. */
		{ "max_clients = abc", "t.conf:1: max_clients: \"abc\" is not a number" },
		{ "max_clients = -5", "t.conf:1: max_clients: \"-5\" is not a number" },
		{ "max_clients = 5 6", "t.conf:1: max_clients: \"5 6\" is not a number" },
		{ "max_clients = 5K", "t.conf:1: max_clients: \"5K\" is not a number" },
		{ "max_clients = 0",
		  "t.conf:1: max_clients must be between 1 and 1000000" },
		{ "ping_frequency = 86401",
		  "t.conf:1: ping_frequency must be between 1 and 86400" },
		{ "ping_frequency = 0",
		  "t.conf:1: ping_frequency must be between 1 and 86400" },
		{ "history_flush_ms = 60001",
		  "t.conf:1: history_flush_ms must be between 0 and 60000" },
		{ "ping_frequency = 99999999999999999999999999",
		  "t.conf:1: ping_frequency must be between 1 and 86400" },
		{ "ping_timeout = 4294967297",
		  "t.conf:1: ping_timeout must be between 1 and 86400" },
		{ "multiline_max_bytes = 511",
		  "t.conf:1: multiline_max_bytes must be between 512 and 32768" },
		{ "multiline_max_lines = 101",
		  "t.conf:1: multiline_max_lines must be between 1 and 100" },
		{ "multiline_max_lines = 0",
		  "t.conf:1: multiline_max_lines must be between 1 and 100" },
		{ "metadata_max_value_bytes = 301",
		  "t.conf:1: metadata_max_value_bytes must be between 1 and 300" },
		{ "metadata_set_rate = 0",
		  "t.conf:1: metadata_set_rate must be between 1 and 60000" },
		{ "sendq = 3K", "t.conf:1: sendq must be between 4K and 64M" },
		{ "sendq = 4095", "t.conf:1: sendq must be between 4K and 64M" },
		{ "sendq = 65M", "t.conf:1: sendq must be between 4K and 64M" },
		{ "sendq = 99999999999999999999M",
		  "t.conf:1: sendq must be between 4K and 64M" },
		{ "sendq = 1G", "t.conf:1: sendq: \"1G\" is not a size (a number, "
		  "then optionally K or M)" },
		{ "sendq = 1 M", "t.conf:1: sendq: \"1 M\" is not a size (a number, "
		  "then optionally K or M)" },
		{ "sendq = K", "t.conf:1: sendq: \"K\" is not a size (a number, "
		  "then optionally K or M)" },
		{ "recvq = 8K", "t.conf:1: recvq must be between 9K and 64M" },
		{ "log_level = verbose",
		  "t.conf:1: log_level must be error, warn, info or debug" },
		{ "log_level = INFO",
		  "t.conf:1: log_level must be error, warn, info or debug" },
		{ "event_backend = select", "t.conf:1: event_backend must be poll or epoll" },
		{ "event_backend = EPOLL", "t.conf:1: event_backend must be poll or epoll" },
		{ "event_backend = poll epoll",
		  "t.conf:1: event_backend must be poll or epoll" },
#ifndef __linux__
		{ "event_backend = epoll",
		  "t.conf:1: event_backend epoll is available on Linux only; use poll" },
#endif
		/* Listen. */
		{ "listen = 6667", "t.conf:1: listen: expected <address>:<port>, "
		  "like 0.0.0.0:6667" },
		{ "listen = 0.0.0.0:0",
		  "t.conf:1: listen: the port must be a number from 1 to 65535" },
		{ "listen = 0.0.0.0:65536",
		  "t.conf:1: listen: the port must be a number from 1 to 65535" },
		{ "listen = 0.0.0.0:",
		  "t.conf:1: listen: the port must be a number from 1 to 65535" },
		{ "listen = 0.0.0.0:irc",
		  "t.conf:1: listen: the port must be a number from 1 to 65535" },
		{ "listen = 256.0.0.1:6667",
		  "t.conf:1: listen: \"256.0.0.1\" is not a numeric IPv4 address" },
		{ "listen = localhost:6667",
		  "t.conf:1: listen: \"localhost\" is not a numeric IPv4 address" },
		{ "listen = ::1:6667", "t.conf:1: listen: put IPv6 addresses in "
		  "brackets, like [::1]:6667" },
		{ "listen = [::1:6667", "t.conf:1: listen: expected [<IPv6 address>]"
		  ":<port>, like [::]:6667" },
		{ "listen = [::1]6667", "t.conf:1: listen: expected [<IPv6 address>]"
		  ":<port>, like [::]:6667" },
		{ "listen = [1::2::3]:6667",
		  "t.conf:1: listen: \"1::2::3\" is not a numeric IPv6 address" },
		{ "listen = 127.0.0.1:6667 tls", "t.conf:1: listen: unknown option "
		  "\"tls\" (known: proxy, websocket, server)" },
		{ "websocket_origins = example.net", "t.conf:1: websocket_origins: "
		  "\"example.net\" is not an origin like https://chat.example.net" },
		{ "websocket_origins = https://a.example/path", "t.conf:1: "
		  "websocket_origins: \"https://a.example/path\" is not an origin "
		  "like https://chat.example.net" },
		{ "listen = 127.0.0.1:6667\nlisten = 127.0.0.1:6667 proxy",
		  "t.conf:2: listen: 127.0.0.1 port 6667 is given twice" },
		/* Masks. */
		{ "flood_exempt = 10.0.0.0/8", "t.conf:1: flood_exempt: \"10.0.0.0/8\" "
		  "is not an IP address or a glob like 10.0.*" },
		{ "flood_exempt = 127.0.0.1 localhost", "t.conf:1: flood_exempt: "
		  "\"localhost\" is not an IP address or a glob like 10.0.*" },
		{ "limit_exempt = 127.0.0.0/8", "t.conf:1: limit_exempt: "
		  "\"127.0.0.0/8\" is not an IP address or a glob like 10.0.*" },
		{ "limit_exempt = none ::1", "t.conf:1: limit_exempt: \"none\" "
		  "is not an IP address or a glob like 10.0.*" },
		/* Booleans. */
		{ "require_password = off", "t.conf:1: require_password must be "
		  "yes or no" },
		{ "require_password = YES", "t.conf:1: require_password must be "
		  "yes or no" },
		{ "require_password = no\nrequire_password = no",
		  "t.conf:2: require_password is already set on line 1" },
		/* Blocks. */
		{ "oper alice {\n\tpassword = hunter2\n\thost = *@*\n}",
		  "t.conf:2: password must be a $pbkdf2-sha256$ hash, not plain "
		  "text: make one with \"ircserv --mkpasswd\"" },
		{ "oper alice {\n\tpassword = $pbkdf2-sha256$1000$abc$def\n}",
		  "t.conf:2: password is a malformed $pbkdf2-sha256$ hash: make a "
		  "new one with \"ircserv --mkpasswd\"" },
		{ "oper alice {\n\tpassword = " HASH "\n\tpassword = " HASH "\n}",
		  "t.conf:3: password is already set in this block" },
		{ "\noper alice {\n\thost = *@*\n}",
		  "t.conf:2: oper \"alice\" has no password" },
		{ "oper alice {\n\tpassword = " HASH "\n}",
		  "t.conf:1: oper \"alice\" has no host (for local users only: "
		  "host = *@127.0.0.1)" },
		{ "oper alice {\n\tpassword = " HASH "\n\thost = 127.0.0.1\n}",
		  "t.conf:3: host: \"127.0.0.1\" is not a user@host mask like "
		  "*@127.0.0.1" },
		{ "oper alice {\n\thost = a@b@c\n}", "t.conf:2: host: \"a@b@c\" is "
		  "not a user@host mask like *@127.0.0.1" },
		{ "oper alice {\n\tpassword = " HASH "\n\thost = *@*\n}\n"
		  "oper Alice {\n", "t.conf:5: oper \"Alice\" is defined twice" },
		{ "account bob {\n\tpassword = " HASH "\n}\n"
		  "account BOB {\n", "t.conf:4: account \"BOB\" is defined twice" },
		{ "account bob {\n}", "t.conf:1: account \"bob\" has no password" },
		{ "account bob {\n\thost = *@*\n}",
		  "t.conf:2: unknown setting \"host\" in an account block" },
		{ "oper alice {\n\tflags = all\n}",
		  "t.conf:2: unknown setting \"flags\" in an oper block" },
		{ "oper alice {\n\tpassword = " HASH "\n",
		  "t.conf:1: the oper block opened here has no '}'" },
		{ "x = y\n}", "t.conf:1: unknown setting \"x\"" },
		{ "network = a\n}", "t.conf:2: '}' without a block to close" },
		{ "oper a {\noper b {", "t.conf:2: blocks cannot be nested (the oper "
		  "block opened on line 1 has no '}')" },
		{ "listen x {",
		  "t.conf:1: " EXPECT_BLOCK },
		{ "{", "t.conf:1: " EXPECT_BLOCK },
		{ "sid = 1a", "t.conf:1: sid must be 3 to 3 characters long" },
		{ "sid = AAA", "t.conf:1: sid \"AAA\" must be a digit and two capital "
		  "letters or digits, like 1AA" },
		{ "sid = 1aa", "t.conf:1: sid \"1aa\" must be a digit and two capital "
		  "letters or digits, like 1AA" },
		{ "listen = 127.0.0.1:7000 server proxy", "t.conf:1: listen: a server "
		  "listener takes neither proxy nor websocket" },
		{ "link nodot {\n}", "t.conf:1: link name \"nodot\" must be a server "
		  "name with a dot, like hub.example.net (at most 63 bytes)" },
		{ "link a.example {\n\tpassword = x\n}", "t.conf:1: link \"a.example\" "
		  "has no host" },
		{ "link a.example {\n\thost = 10.0.0.1\n}", "t.conf:1: link "
		  "\"a.example\" has no password" },
		{ "link a.example {\n\thost = 10.0.0.1\n\tpassword = x\n"
		  "\tautoconnect = yes\n}", "t.conf:1: link \"a.example\": autoconnect "
		  "needs a port to connect to" },
		{ "link a.example {\n\thost = 10.0.*\n\tpassword = x\n\tport = 7\n}",
		  "t.conf:1: link \"a.example\": with a port, host must be a numeric "
		  "address to connect to, not \"10.0.*\"" },
		{ "link a.example {\n\thost = 10.0.0.1\n\tpassword = two words\n}",
		  "t.conf:3: password must be one word of at most 128 bytes, not "
		  "starting with ':'" },
		{ "link a.example {\n\thost = 10.0.0.1\n\tport = 0\n}",
		  "t.conf:3: port must be a number from 1 to 65535" },
		{ "link a.example {\n\thost = 10.0.0.1\n\tflavour = x\n}",
		  "t.conf:3: unknown setting \"flavour\" in a link block (known: host, "
		  "port, password, autoconnect)" },
		{ "link hub.example.net {\n\thost = 1.1.1.1\n\tpassword = x\n}\n"
		  "link HUB.example.net {\n}", "t.conf:5: link \"HUB.example.net\" is "
		  "defined twice" },
		{ "oper {", "t.conf:1: expected \"oper <name> {\"" },
		{ "oper a b {", "t.conf:1: expected \"oper <name> {\"" },
		{ "oper a*b {", "t.conf:1: oper name \"a*b\" must be 1 to 30 letters, "
		  "digits or -_.[]\\`^|" },
		{ "account aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa {", "t.conf:1: account name "
		  "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" must be 1 to 30 letters, digits "
		  "or -_.[]\\`^|" },
		{ "oper a {\n\tnetwork = x\n}",
		  "t.conf:2: unknown setting \"network\" in an oper block" },
		/* The problem is found after good lines: nothing is applied. */
		{ "server_name = a.b\nmax_clients = 9\nlisten = 1.2.3.4:5\n"
		  "flood_exempt = 1.1.1.1\noper new {\n\tpassword = " HASH "\n\t"
		  "host = *@*\n}\nmax_clients = 0",
		  "t.conf:9: max_clients is already set on line 2" },
	};
	struct config cfg, before;
	char err[512];

	(void)state;
	parse_ok(&cfg, base_text);
	assert_int_equal(config_copy(&before, &cfg), 0);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(err, 'X', sizeof(err));
		if (config_parse_string(&cfg, v[i].text, "t.conf", err,
		    sizeof(err)) != -1)
			fail_msg("accepted: %s", v[i].text);
		if (strcmp(err, v[i].err) != 0)
			fail_msg("for: %s\nexpected: %s\n     got: %s", v[i].text,
			    v[i].err, err);
		assert_true(config_same(&cfg, &before));
	}
	config_free(&cfg);
	config_free(&before);
}

/* Lines up to 4096 bytes are read; a longer one is an error. */
static void
test_line_length(void **state)
{
	size_t n = CONFIG_LINE_MAX + 2;
	char *text = malloc(n + 16), err[256];
	struct config cfg;

	(void)state;
	assert_non_null(text);
	memset(text, ' ', n + 16);
	text[0] = '#';
	strcpy(text + CONFIG_LINE_MAX, "\r\n");
	parse_ok(&cfg, text);
	text[CONFIG_LINE_MAX] = 'x';
	strcpy(text + CONFIG_LINE_MAX + 1, "\r\nnetwork = x\n");
	assert_int_equal(config_parse_string(&cfg, text, "t.conf", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "t.conf:1: line longer than 4096 bytes");
	assert_string_equal(cfg.network, "ircserv");
	config_free(&cfg);
	free(text);
}

/* A short err buffer gets a truncated, terminated message. */
static void
test_error_truncated(void **state)
{
	struct config cfg;
	char err[12];

	(void)state;
	assert_int_equal(config_defaults(&cfg), 0);
	memset(err, 'X', sizeof(err));
	assert_int_equal(config_parse_string(&cfg, "foo = 1", "t.conf", err,
	    sizeof(err)), -1);
	assert_string_equal(err, "t.conf:1: u");
	memset(err, 'X', sizeof(err));
	assert_int_equal(config_parse_string(&cfg, "foo = 1",
	    "a-very-long-file-name.conf", err, sizeof(err)), -1);
	assert_string_equal(err, "a-very-long");
	assert_int_equal(config_parse_string(&cfg, "foo = 1", "t.conf", NULL,
	    0), -1);
	config_free(&cfg);
}

static void
test_copy(void **state)
{
	struct config cfg, copy;

	(void)state;
	parse_ok(&cfg, base_text);
	assert_int_equal(config_set_string(&cfg.log_file, "x.log"), 0);
	assert_int_equal(config_copy(&copy, &cfg), 0);
	assert_true(config_same(&copy, &cfg));
	/* Deep: nothing is shared. */
	assert_ptr_not_equal(copy.server_name, cfg.server_name);
	assert_ptr_not_equal(copy.opers[0].hosts.v[0], cfg.opers[0].hosts.v[0]);
	assert_ptr_not_equal(copy.listens, cfg.listens);
	config_free(&cfg);
	assert_string_equal(copy.opers[0].hosts.v[0], "*@10.0.0.1");
	assert_string_equal(copy.log_file, "x.log");
	assert_null(copy.motd_file);
	config_free(&copy);
}

/* Files on disk, in a private temporary directory. */

struct tmpdir {
	char dir[64];
	char paths[8][128];
	int npaths;
};

static const char *
tmp_write(struct tmpdir *t, const char *name, const char *data, size_t len)
{
	char *path = t->paths[t->npaths++];
	FILE *f;

	assert_true((size_t)t->npaths <= sizeof(t->paths) / sizeof(t->paths[0]));
	strcpy(path, t->dir);
	strcat(path, "/");
	strcat(path, name);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void
tmp_cleanup(struct tmpdir *t)
{
	for (int i = 0; i < t->npaths; i++)
		unlink(t->paths[i]);
	rmdir(t->dir);
}

static void
test_load_file(void **state)
{
	static const char motd[] = "Hello\r\n\r\n  there \x02" "bold\x02\r\n\n";
	struct tmpdir t = { "/tmp/ircserv-test-XXXXXX", { "" }, 0 };
	char text[256], want[128], err[512];
	const char *conf;
	struct config cfg;

	(void)state;
	assert_non_null(mkdtemp(t.dir));
	tmp_write(&t, "motd.txt", motd, sizeof(motd) - 1);
	snprintf(text, sizeof(text), "network = Disk\nmotd_file = motd.txt\n"
	    "log_file = logs/ircserv.log\nhistory_file = hist\n");
	conf = tmp_write(&t, "ircserv.conf", text, strlen(text));
	assert_int_equal(config_defaults(&cfg), 0);
	if (config_load_file(&cfg, conf, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.network, "Disk");
	/* CR dropped, trailing newlines dropped, formatting codes kept. */
	assert_string_equal(cfg.motd, "Hello\n\n  there \x02" "bold\x02");
	/* Relative names are taken from the configuration file's directory. */
	snprintf(want, sizeof(want), "%s/motd.txt", t.dir);
	assert_string_equal(cfg.motd_file, want);
	snprintf(want, sizeof(want), "%s/logs/ircserv.log", t.dir);
	assert_string_equal(cfg.log_file, want);
	snprintf(want, sizeof(want), "%s/hist", t.dir);
	assert_string_equal(cfg.history_file, want);
	config_free(&cfg);
	tmp_cleanup(&t);
}

static void
test_load_errors(void **state)
{
	struct tmpdir t = { "/tmp/ircserv-test-XXXXXX", { "" }, 0 };
	char want[512], err[512], *big;
	const char *conf, *nul, *large, *bad;
	struct config cfg, before;

	(void)state;
	assert_non_null(mkdtemp(t.dir));
	conf = tmp_write(&t, "a.conf", "network = A\n\nmotd_file = /nonexistent/motd\n",
	    strlen("network = A\n\nmotd_file = /nonexistent/motd\n"));
	nul = tmp_write(&t, "nul.conf", "network = A\0B\n", 14);
	bad = tmp_write(&t, "bad.conf", "network = A\nnetwork = B\n", 24);
	assert_non_null(big = malloc(CONFIG_FILE_MAX + 1));
	memset(big, '\n', CONFIG_FILE_MAX + 1);
	large = tmp_write(&t, "large.conf", big, CONFIG_FILE_MAX + 1);
	free(big);
	parse_ok(&cfg, base_text);
	assert_int_equal(config_copy(&before, &cfg), 0);

	assert_int_equal(config_load_file(&cfg, conf, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: motd_file \"/nonexistent/motd\": %s",
	    conf, strerror(ENOENT));
	assert_string_equal(err, want);
	assert_int_equal(config_load_file(&cfg, nul, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: contains a NUL byte", nul);
	assert_string_equal(err, want);
	assert_int_equal(config_load_file(&cfg, bad, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: network is already set on line 1", bad);
	assert_string_equal(err, want);
	assert_int_equal(config_load_file(&cfg, large, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: larger than %d bytes", large,
	    CONFIG_FILE_MAX);
	assert_string_equal(err, want);
	snprintf(want, sizeof(want), "%s/missing.conf", t.dir);
	assert_int_equal(config_load_file(&cfg, want, err, sizeof(err)), -1);
	snprintf(want + strlen(want), sizeof(want) - strlen(want), ": %s",
	    strerror(ENOENT));
	assert_string_equal(err, want);
	assert_true(config_same(&cfg, &before));
	config_free(&cfg);
	config_free(&before);
	tmp_cleanup(&t);
}

/* The shipped example parses, and its oper's password is "change-me". */
static void
test_example_conf(void **state)
{
	struct config cfg;
	char err[512];

	(void)state;
	assert_int_equal(config_defaults(&cfg), 0);
	if (config_load_file(&cfg, "conf/ircserv.conf", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(cfg.server_name, "irc.example.net");
	assert_string_equal(cfg.network, "ExampleNet");
	/* The command-line port is always served; the example adds none. */
	assert_int_equal(cfg.nlistens, 0);
	/* Commented-out settings keep their defaults. */
	assert_int_equal(cfg.max_clients, 10000);
	assert_int_equal(cfg.sendq, 1024 * 1024);
	assert_int_equal(cfg.nopers, 1);
	assert_string_equal(cfg.opers[0].name, "alice");
	assert_true(crypto_verify_password("change-me", cfg.opers[0].hash));
	assert_false(crypto_verify_password("change-you", cfg.opers[0].hash));
	assert_int_equal(cfg.naccounts, 0);
	config_free(&cfg);
}

/*
 * The example's commented-out "#key = value" lines show the defaults:
 * each, applied alone, changes nothing. The lines that are examples
 * (addresses, origins, file names, a switch turned on) are named here.
 */
static void
test_example_conf_defaults(void **state)
{
	static const char *const examples[] = {
		"motd_file", "bind", "listen", "websocket_client",
		"websocket_origins", "websocket_trusted_proxies", "flood_exempt",
		"log_file", "history_file", "sid",
	};
	struct config defaults, cfg;
	char why[128], err[512], *text, *line, *next;
	unsigned checked = 0;

	(void)state;
	text = config_file_read("conf/ircserv.conf", CONFIG_FILE_MAX, why,
	    sizeof(why));
	if (text == NULL)
		fail_msg("conf/ircserv.conf: %s", why);
	assert_int_equal(config_defaults(&defaults), 0);
	for (line = text; line != NULL; line = next) {
		size_t key = 0;
		bool example = false;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] != '#')
			continue;
		while (islower((unsigned char)line[1 + key]) || line[1 + key] == '_')
			key++;
		if (key == 0 || strncmp(line + 1 + key, " = ", 3) != 0)
			continue;
		for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
			if (strlen(examples[i]) == key &&
			    strncmp(examples[i], line + 1, key) == 0)
				example = true;
		if (example)
			continue;
		assert_int_equal(config_copy(&cfg, &defaults), 0);
		if (config_parse_string(&cfg, line + 1, "conf/ircserv.conf", err,
		    sizeof(err)) != 0)
			fail_msg("%s", err);
		if (!config_same(&cfg, &defaults))
			fail_msg("\"%s\" is not the default", line);
		config_free(&cfg);
		checked++;
	}
	/* Most settings are shown commented out. */
	assert_true(checked >= 30);
	config_free(&defaults);
	free(text);
}

/* bind narrows the command-line port to one address; copied and freed. */
static void
test_bind(void **state)
{
	struct config cfg, copy;
	char err[256];

	(void)state;
	assert_int_equal(config_defaults(&cfg), 0);
	assert_null(cfg.bind_addr);
	assert_int_equal(config_parse_string(&cfg, "bind = 127.0.0.1\n", "t.conf",
	    err, sizeof(err)), 0);
	assert_string_equal(cfg.bind_addr, "127.0.0.1");
	assert_int_equal(config_copy(&copy, &cfg), 0);
	assert_string_equal(copy.bind_addr, "127.0.0.1");
	assert_int_equal(config_parse_string(&cfg, "bind = 1 2\n", "t.conf",
	    err, sizeof(err)), -1);
	config_free(&copy);
	config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_owns_every_field),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bind),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_settings_kept),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_websocket),
		cmocka_unit_test(test_listen_addresses),
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_lists_replace),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_error_truncated),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_example_conf),
		cmocka_unit_test(test_example_conf_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
