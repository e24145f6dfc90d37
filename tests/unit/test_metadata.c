/*
 * draft/metadata-3 through the core: the store's bounds and key rules,
 * METADATA GET/LIST/SET/CLEAR/SUB/UNSUB/SUBS/SYNC on users and channels,
 * who may read and write what, notifications to subscribers, metadata on
 * JOIN, after registration (before-connect) and in WHOIS, and hostile
 * input (bad keys, long values, too many keys or subscriptions).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "channel.h"
#include "client.h"
#include "fake.h"
#include "metadata.h"
#include "server.h"

/* A registered client with draft/metadata-3 (and caps, if not NULL). */
static struct client *
md_client(struct server *srv, const char *nick, const char *caps)
{
	struct client *c = fake_registered(srv, nick);

	fake_cap_on(srv, c, caps ? caps : "draft/metadata-3");
	return c;
}

static void
test_store_keys_and_bounds(void **state)
{
	struct metadata md = { 0 };
	char key[METADATA_KEYLEN + 2];

	(void)state;
	assert_true(metadata_key_valid("display-name"));
	assert_true(metadata_key_valid("A.b_c:d-9"));
	assert_false(metadata_key_valid(""));
	assert_false(metadata_key_valid(":lead"));
	assert_false(metadata_key_valid("sp ace"));
	assert_false(metadata_key_valid("$url$"));
	assert_false(metadata_key_valid("a/b"));
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	assert_false(metadata_key_valid(key));          /* one byte too long */
	key[METADATA_KEYLEN] = '\0';
	assert_true(metadata_key_valid(key));

	assert_int_equal(metadata_set(&md, "Color", "red", 2), 1);
	assert_string_equal(metadata_get(&md, "COLOR"), "red");
	assert_string_equal(md.v[0].key, "color");
	assert_int_equal(metadata_set(&md, "color", "blue", 2), 0);
	assert_string_equal(metadata_get(&md, "color"), "blue");
	assert_int_equal(metadata_set(&md, "b", "2", 2), 1);
	assert_int_equal(metadata_set(&md, "c", "3", 2), -1);   /* full */
	assert_null(metadata_get(&md, "c"));
	assert_int_equal(metadata_del(&md, "COLOR"), 1);
	assert_int_equal(metadata_del(&md, "color"), 0);
	assert_int_equal(md.n, 1);
	assert_string_equal(md.v[0].key, "b");
	metadata_free(&md);
	assert_int_equal(md.n, 0);
	metadata_free(&md);                             /* reusable, idempotent */
}

static void
test_set_get_self(void **state)
{
	struct server *srv = *state;
	struct client *a = md_client(srv, "alice", NULL);

	fake_line(srv, a, "METADATA * SET Display-Name :Alice A.");
	fake_expect(a, ":irc.local 761 alice alice display-name * :Alice A.\r\n");
	fake_line(srv, a, "METADATA alice GET display-name avatar $bad");
	fake_expect(a, ":irc.local 761 alice alice display-name * :Alice A.\r\n"
	    ":irc.local 766 alice alice avatar :key not set\r\n"
	    ":irc.local FAIL METADATA KEY_INVALID $bad :Invalid key\r\n");
	fake_line(srv, a, "METADATA * SET display-name");
	fake_expect(a, ":irc.local 766 alice alice display-name :key not set\r\n");
	fake_line(srv, a, "METADATA * LIST");
	fake_expect(a, "");
	fake_line(srv, a, "METADATA * SET");
	fake_expect(a, ":irc.local 461 alice METADATA :Not enough parameters\r\n");
	fake_line(srv, a, "METADATA * DESTROY x");
	fake_expect(a, ":irc.local FAIL METADATA SUBCOMMAND_INVALID DESTROY "
	    ":Invalid subcommand\r\n");
}

static void
test_batch_framing(void **state)
{
	struct server *srv = *state;
	struct client *a = md_client(srv, "alice", "draft/metadata-3 batch");
	char *out;
	char id[32];

	fake_line(srv, a, "METADATA * SET avatar :http://a/x.png");
	fake_drop_output(a);
	fake_line(srv, a, "METADATA * LIST");
	out = fake_take_output(a);
	assert_int_equal(sscanf(out, ":irc.local BATCH +%31s metadata alice\r\n", id), 1);
	assert_non_null(strstr(out, " avatar * :http://a/x.png\r\n"));
	assert_non_null(strstr(out, ":irc.local 761 alice alice avatar"));
	{
		char line[128];

		snprintf(line, sizeof(line), "@batch=%s :irc.local 761", id);
		assert_non_null(strstr(out, line));
		snprintf(line, sizeof(line), ":irc.local BATCH -%s\r\n", id);
		assert_non_null(strstr(out, line));
	}
	free(out);
	/* An empty LIST is an empty batch. */
	fake_line(srv, a, "METADATA * CLEAR");
	fake_drop_output(a);
	fake_line(srv, a, "METADATA * LIST");
	assert_int_equal(fake_output_count(a, "BATCH"), 2);
	assert_int_equal(fake_output_count(a, " 761 "), 0);
	fake_drop_output(a);
}

static void
test_hostile_values_and_limits(void **state)
{
	struct server *srv = *state;
	struct client *a = md_client(srv, "alice", NULL);
	char line[METADATA_MAX_VALUE + 64], value[METADATA_MAX_VALUE + 2];

	memset(value, 'v', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';                /* one byte too long */
	snprintf(line, sizeof(line), "METADATA * SET k :%s", value);
	fake_line(srv, a, line);
	fake_expect(a, ":irc.local FAIL METADATA INVALID_VALUE k :Value is too long\r\n");
	value[METADATA_MAX_VALUE] = '\0';               /* exactly the limit */
	snprintf(line, sizeof(line), "METADATA * SET k :%s", value);
	fake_line(srv, a, line);
	fake_expect_has(a, " 761 alice alice k * :vvv");
	fake_line(srv, a, "METADATA * SET :colon x");
	fake_expect(a, ":irc.local FAIL METADATA KEY_INVALID * :Invalid key\r\n");
	a->local->flood_exempt = true;         /* the key limit here, not the rate */
	for (int i = 1; i < METADATA_MAX_KEYS; i++)
		fake_linef(srv, a, "METADATA * SET key%d :v", i);
	fake_drop_output(a);
	assert_int_equal(a->metadata.n, METADATA_MAX_KEYS);
	fake_line(srv, a, "METADATA * SET onemore :v");
	fake_expect(a, ":irc.local FAIL METADATA LIMIT_REACHED alice :Metadata limit reached\r\n");
	fake_line(srv, a, "METADATA * SET key1 :replaced");  /* a set key may change */
	fake_expect(a, ":irc.local 761 alice alice key1 * :replaced\r\n");
	/* Not UTF-8: refused before any handler, nothing stored. */
	fake_line(srv, a, "METADATA * SET key2 :\xc3(");
	fake_expect_has(a, "FAIL METADATA INVALID_UTF8");
	assert_string_equal(metadata_get(&a->metadata, "key2"), "v");
}

/* The limits are settings: the capability shows them and SET obeys them. */
static void
test_limits_from_settings(void **state)
{
	struct server *srv = *state;
	struct client *a = md_client(srv, "alice", NULL);

	srv->cfg.metadata_max_keys = 2;
	srv->cfg.metadata_max_value = 3;
	srv->cfg.metadata_max_subs = 1;
	fake_line(srv, a, "CAP LS 302");
	fake_expect_has(a, " draft/metadata-3=before-connect,max-subs=1,max-keys=2,"
	    "max-value-bytes=3 ");
	fake_line(srv, a, "METADATA * SET k :abcd");
	fake_expect(a, ":irc.local FAIL METADATA INVALID_VALUE k :Value is too long\r\n");
	fake_line(srv, a, "METADATA * SET k :abc");
	fake_line(srv, a, "METADATA * SET l :abc");
	fake_drop_output(a);
	fake_line(srv, a, "METADATA * SET m :abc");
	fake_expect(a, ":irc.local FAIL METADATA LIMIT_REACHED alice :Metadata limit reached\r\n");
	fake_line(srv, a, "METADATA * SUB x y");
	fake_expect(a, ":irc.local FAIL METADATA TOO_MANY_SUBS y :Too many subscriptions\r\n"
	    ":irc.local 770 alice x\r\n");
}

/*
 * RATE_LIMITED: metadata_set_burst SETs at once, then metadata_set_rate a
 * minute; the refusal names the seconds to wait and changes nothing.
 */
static void
test_set_rate_limited(void **state)
{
	struct server *srv = *state;
	struct client *a = md_client(srv, "alice", NULL);

	srv->cfg.metadata_set_burst = 3;
	srv->cfg.metadata_set_rate = 6;         /* one every 10 s */
	for (int i = 0; i < 3; i++)
		fake_linef(srv, a, "METADATA * SET k%d :v", i);
	fake_drop_output(a);
	fake_line(srv, a, "METADATA * SET k3 :two words");
	fake_expect(a, ":irc.local FAIL METADATA RATE_LIMITED alice k3 10 * "
	    ":Too many metadata changes\r\n");
	assert_null(metadata_get(&a->metadata, "k3"));
	fake_advance(srv, 9);
	fake_line(srv, a, "METADATA * SET k3 :v");
	fake_expect(a, ":irc.local FAIL METADATA RATE_LIMITED alice k3 1 v "
	    ":Too many metadata changes\r\n");
	fake_advance(srv, 1);
	fake_line(srv, a, "METADATA * SET k3 :v");
	fake_expect(a, ":irc.local 761 alice alice k3 * :v\r\n");
	/* Trusted (flood_exempt) clients are not limited. */
	a->local->flood_exempt = true;
	for (int i = 0; i < 5; i++)
		fake_linef(srv, a, "METADATA * SET k%d :w", i);
	assert_int_equal(fake_output_count(a, " 761 "), 5);
}

static void
test_permissions_users(void **state)
{
	struct server *srv = *state;
	struct client *a = md_client(srv, "alice", NULL);
	struct client *b = md_client(srv, "bob", NULL);

	fake_line(srv, b, "METADATA * SET color :red");
	fake_drop_output(b);
	fake_line(srv, a, "METADATA bob SET color :blue");
	fake_expect(a, ":irc.local FAIL METADATA KEY_NO_PERMISSION bob color "
	    ":Permission denied\r\n");
	fake_line(srv, a, "METADATA bob CLEAR");
	fake_expect(a, ":irc.local FAIL METADATA KEY_NO_PERMISSION bob * "
	    ":Permission denied\r\n");
	fake_line(srv, a, "METADATA BOB GET color");
	fake_expect(a, ":irc.local 761 alice bob color * :red\r\n");
	fake_line(srv, a, "METADATA nobody LIST");
	fake_expect(a, ":irc.local FAIL METADATA INVALID_TARGET nobody "
	    ":Invalid metadata target\r\n");
	fake_line(srv, a, "METADATA #nochan GET x");
	fake_expect(a, ":irc.local FAIL METADATA INVALID_TARGET #nochan "
	    ":Invalid metadata target\r\n");
	fake_line(srv, a, "METADATA bob SUB color");
	fake_expect(a, ":irc.local FAIL METADATA INVALID_TARGET bob "
	    ":Invalid metadata target\r\n");
	fake_expect(b, "");
	assert_string_equal(metadata_get(&b->metadata, "color"), "red");
}

static void
test_channel_rules(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#c");
	struct client *m = fake_joined(srv, "member", "#c");
	struct client *out = md_client(srv, "outsider", NULL);

	fake_line(srv, op, "METADATA #C SET url :http://c");
	fake_expect(op, ":irc.local 761 op #c url * :http://c\r\n");
	fake_line(srv, m, "METADATA #c SET url :http://evil");
	fake_expect(m, ":irc.local FAIL METADATA KEY_NO_PERMISSION #c url "
	    ":Permission denied\r\n");
	fake_line(srv, out, "METADATA #c GET url");
	fake_expect(out, ":irc.local 761 outsider #c url * :http://c\r\n");
	/* Invite-only: only members read it. */
	fake_line(srv, op, "MODE #c +i");
	fake_drop_all(srv);
	fake_line(srv, out, "METADATA #c GET url");
	fake_expect(out, ":irc.local FAIL METADATA KEY_NO_PERMISSION #c url "
	    ":Permission denied\r\n");
	fake_line(srv, out, "METADATA #c LIST");
	fake_expect(out, ":irc.local FAIL METADATA KEY_NO_PERMISSION #c * "
	    ":Permission denied\r\n");
	fake_line(srv, out, "METADATA #c SYNC");
	fake_expect(out, ":irc.local FAIL METADATA KEY_NO_PERMISSION #c * "
	    ":Permission denied\r\n");
	fake_line(srv, m, "METADATA #c LIST");
	fake_expect(m, ":irc.local 761 member #c url * :http://c\r\n");
	/* Secret: not even there for a non-member. */
	fake_line(srv, op, "MODE #c -i+s");
	fake_drop_all(srv);
	fake_line(srv, out, "METADATA #c LIST");
	fake_expect(out, ":irc.local FAIL METADATA INVALID_TARGET #c "
	    ":Invalid metadata target\r\n");
	fake_line(srv, op, "METADATA #c CLEAR");
	fake_expect(op, ":irc.local 766 op #c url :key not set\r\n");
	assert_int_equal(channel_find(srv, "#c")->metadata.n, 0);
}

static void
test_notifications(void **state)
{
	struct server *srv = *state;
	struct client *a = md_client(srv, "alice", NULL);
	struct client *b = md_client(srv, "bob", NULL);
	struct client *c = md_client(srv, "carol", NULL);
	struct client *plain = fake_registered(srv, "plain");

	fake_line(srv, b, "METADATA * SUB display-name");
	fake_expect(b, ":irc.local 770 bob display-name\r\n");
	fake_line(srv, c, "METADATA * SUB display-name");
	fake_line(srv, plain, "METADATA * SUB display-name");  /* no capability */
	/* No shared channel: nobody hears of it. */
	fake_line(srv, a, "METADATA * SET display-name :A");
	fake_drop_output(a);
	fake_expect(b, "");
	/* bob shares two channels with alice and hears once; carol none. */
	fake_line(srv, a, "JOIN #one,#two");
	fake_line(srv, b, "JOIN #one,#two");
	fake_line(srv, plain, "JOIN #one");
	fake_drop_all(srv);
	fake_line(srv, a, "METADATA * SET display-name :A2");
	fake_expect(a, ":irc.local 761 alice alice display-name * :A2\r\n");
	fake_expect(b, ":irc.local 761 bob alice display-name * :A2\r\n");
	fake_expect(c, "");
	fake_expect(plain, "");
	fake_line(srv, a, "METADATA * SET avatar :x");   /* not subscribed */
	fake_drop_output(a);
	fake_expect(b, "");
	fake_line(srv, a, "METADATA * SET display-name");
	fake_drop_output(a);
	fake_expect(b, ":irc.local 766 bob alice display-name :key not set\r\n");
	/* Channel metadata goes to the channel's subscribed members. */
	fake_line(srv, a, "METADATA #one SET display-name :One");
	fake_drop_output(a);
	fake_expect(b, ":irc.local 761 bob #one display-name * :One\r\n");
	fake_line(srv, a, "METADATA #one CLEAR");
	fake_drop_output(a);
	fake_expect(b, ":irc.local 766 bob #one display-name :key not set\r\n");
	fake_expect(c, "");
}

/*
 * A user's changes also reach those who MONITOR it with extended-monitor
 * (once, also when they share a channel too); MONITOR alone is not enough.
 */
static void
test_notifications_monitor(void **state)
{
	struct server *srv = *state;
	struct client *a = md_client(srv, "alice", NULL);
	struct client *w = md_client(srv, "watcher", NULL);
	struct client *v = md_client(srv, "viewer", NULL);

	fake_cap_on(srv, w, "extended-monitor");
	fake_line(srv, w, "METADATA * SUB display-name");
	fake_line(srv, v, "METADATA * SUB display-name");
	fake_line(srv, w, "MONITOR + alice");
	fake_line(srv, v, "MONITOR + alice");
	fake_drop_all(srv);
	fake_line(srv, a, "METADATA * SET display-name :A");
	fake_drop_output(a);
	fake_expect(w, ":irc.local 761 watcher alice display-name * :A\r\n");
	fake_expect(v, "");
	fake_line(srv, a, "JOIN #m");
	fake_line(srv, w, "JOIN #m");
	fake_drop_all(srv);
	fake_line(srv, a, "METADATA * SET display-name");
	fake_drop_output(a);
	fake_expect(w, ":irc.local 766 watcher alice display-name :key not set\r\n");
	fake_line(srv, w, "MONITOR - alice");
	fake_line(srv, w, "PART #m");
	fake_drop_all(srv);
	fake_line(srv, a, "METADATA * SET display-name :B");
	fake_drop_output(a);
	fake_expect(w, "");
}

static void
test_subscriptions(void **state)
{
	struct server *srv = *state;
	struct client *a = md_client(srv, "alice", NULL);
	char line[IRC_LINE_MAX];

	fake_line(srv, a, "METADATA * SUB Avatar $x website avatar");
	fake_expect(a, ":irc.local FAIL METADATA KEY_INVALID $x :Invalid key\r\n"
	    ":irc.local 770 alice avatar website avatar\r\n");
	fake_line(srv, a, "METADATA * SUBS");
	fake_expect(a, ":irc.local 772 alice avatar website\r\n");
	fake_line(srv, a, "METADATA * UNSUB website nope");
	fake_expect(a, ":irc.local 771 alice website nope\r\n");
	fake_line(srv, a, "METADATA * SUBS");
	fake_expect(a, ":irc.local 772 alice avatar\r\n");
	/* Fill up to the limit, 13 keys a line. */
	for (int i = 0; a->local->extra->metadata_subs.n < METADATA_MAX_SUBS; i++) {
		snprintf(line, sizeof(line), "METADATA * SUB k%da k%db k%dc", i, i, i);
		fake_line(srv, a, line);
	}
	fake_drop_output(a);
	assert_int_equal(a->local->extra->metadata_subs.n, METADATA_MAX_SUBS);
	fake_line(srv, a, "METADATA * SUB avatar extra1 extra2");
	fake_expect(a, ":irc.local FAIL METADATA TOO_MANY_SUBS extra1 "
	    ":Too many subscriptions\r\n:irc.local 770 alice avatar\r\n");
	fake_line(srv, a, "METADATA * SUBS");
	assert_int_equal(fake_output_count(a, " 772 alice "), 1);
	fake_drop_output(a);
	/* Subscribing while on channels asks for a SYNC of each. */
	fake_line(srv, a, "JOIN #c");
	fake_line(srv, a, "METADATA * UNSUB avatar");
	fake_drop_output(a);
	fake_line(srv, a, "METADATA * SUB avatar");
	fake_expect(a, ":irc.local 770 alice avatar\r\n:irc.local 774 alice #c 1\r\n");
}

static void
test_join_and_sync(void **state)
{
	struct server *srv = *state;
	struct client *a = md_client(srv, "alice", NULL);
	struct client *b = md_client(srv, "bob", "draft/metadata-3 draft/no-implicit-names");

	fake_line(srv, b, "METADATA * SUB display-name avatar");
	fake_line(srv, a, "METADATA * SET display-name :A");
	fake_line(srv, a, "METADATA * SET color :red");
	fake_line(srv, a, "JOIN #c");
	fake_line(srv, a, "METADATA #c SET avatar :c.png");
	fake_drop_all(srv);
	fake_line(srv, b, "JOIN #c");
	fake_expect(b, ":bob!u@127.0.0.1 JOIN #c\r\n"
	    ":irc.local 761 bob #c avatar * :c.png\r\n"
	    ":irc.local 761 bob alice display-name * :A\r\n");
	fake_line(srv, b, "METADATA #c SYNC");
	fake_expect(b, ":irc.local 761 bob #c avatar * :c.png\r\n"
	    ":irc.local 761 bob alice display-name * :A\r\n");
	fake_line(srv, b, "METADATA alice SYNC");
	fake_expect(b, ":irc.local 761 bob alice display-name * :A\r\n");
}

static void
test_join_large_channel_syncs_later(void **state)
{
	struct server *srv = *state;
	struct client *b = md_client(srv, "bob", "draft/metadata-3 draft/no-implicit-names");
	char nick[16];

	for (int i = 0; i < 101; i++) {
		snprintf(nick, sizeof(nick), "u%d", i);
		fake_joined(srv, nick, "#big");
	}
	fake_line(srv, b, "METADATA * SUB display-name");
	fake_drop_output(b);
	fake_line(srv, b, "JOIN #big");
	fake_expect(b, ":bob!u@127.0.0.1 JOIN #big\r\n:irc.local 774 bob #big 1\r\n");
}

static void
test_before_connect(void **state)
{
	struct server *srv = *state;
	struct client *c = fake_client(srv, "127.0.0.1");
	struct client *plain = fake_client(srv, "127.0.0.1");
	char *out;

	fake_line(srv, plain, "METADATA * SET display-name :x");
	fake_expect(plain, ":irc.local 451 * :You have not registered\r\n");
	fake_line(srv, c, "CAP LS 302");
	fake_expect_has(c, "draft/metadata-3=before-connect,max-subs=50,max-keys=20,"
	    "max-value-bytes=300");
	fake_line(srv, c, "CAP REQ :draft/metadata-3 batch");
	fake_drop_output(c);
	fake_line(srv, c, "METADATA * SET display-name :Early");
	fake_expect(c, ":irc.local 761 * * display-name * :Early\r\n");
	fake_line(srv, c, "METADATA * SYNC");
	fake_expect(c, ":irc.local 451 * :You have not registered\r\n");
	fake_line(srv, c, "METADATA someone GET x");
	fake_expect(c, ":irc.local 451 * :You have not registered\r\n");
	fake_line(srv, c, "PASS " FAKE_PASSWORD);
	fake_line(srv, c, "NICK early");
	fake_line(srv, c, "USER u 0 * :R");
	fake_line(srv, c, "CAP END");
	assert_true(client_is_registered(c));
	out = fake_take_output(c);
	assert_non_null(strstr(out, " metadata early\r\n"));
	assert_non_null(strstr(out, " 761 early early display-name * :Early\r\n"));
	free(out);
}

static void
test_cap_after_registration(void **state)
{
	struct server *srv = *state;
	struct client *a = fake_registered(srv, "alice");
	char *out;

	fake_line(srv, a, "CAP REQ :batch");
	fake_drop_output(a);
	fake_line(srv, a, "CAP REQ :draft/metadata-3");
	out = fake_take_output(a);
	/* The ACK, then an empty batch: no metadata is kept across connections. */
	assert_non_null(strstr(out, ":irc.local CAP alice ACK :draft/metadata-3\r\n"
	    ":irc.local BATCH +"));
	assert_non_null(strstr(out, " metadata alice\r\n:irc.local BATCH -"));
	free(out);
	fake_line(srv, a, "CAP REQ :draft/metadata-3");  /* already on: nothing more */
	fake_expect(a, ":irc.local CAP alice ACK :draft/metadata-3\r\n");
}

static void
test_whois_and_free(void **state)
{
	struct server *srv = *state;
	struct client *a = md_client(srv, "alice", NULL);
	struct client *b = fake_registered(srv, "bob");

	fake_line(srv, a, "METADATA * SET display-name :Alice");
	fake_line(srv, a, "METADATA * SET secret-ish :not in whois");
	fake_line(srv, a, "JOIN #c");
	fake_line(srv, a, "METADATA #c SET topic-ish :kept until the channel goes");
	fake_drop_all(srv);
	fake_line(srv, b, "WHOIS alice");
	assert_int_equal(fake_output_count(b, " 760 "), 1);
	fake_expect_has(b, ":irc.local 760 bob alice display-name * :Alice\r\n");
	/* Leaving frees the channel and its metadata; quitting the user's. */
	fake_line(srv, a, "QUIT");
	fake_reap(srv);
	assert_null(channel_find(srv, "#c"));
}

static void
test_labeled_batch_nests(void **state)
{
	struct server *srv = *state;
	struct client *a = md_client(srv, "alice",
	    "draft/metadata-3 batch labeled-response message-tags");
	char *out;

	fake_line(srv, a, "@label=L1 METADATA * GET x y");
	out = fake_take_output(a);
	/* Outer labelled batch, inner metadata batch tagged with the outer id. */
	assert_non_null(strstr(out, "@label=L1 :irc.local BATCH +"));
	assert_non_null(strstr(out, " metadata alice\r\n"));
	assert_null(strstr(out, ";batch="));
	assert_int_equal((int)(strstr(out, " 766 alice alice y ") != NULL), 1);
	free(out);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
	const struct CMUnitTest tests[] = {
		T(test_store_keys_and_bounds),
		T(test_set_get_self),
		T(test_batch_framing),
		T(test_hostile_values_and_limits),
		T(test_limits_from_settings),
		T(test_set_rate_limited),
		T(test_permissions_users),
		T(test_channel_rules),
		T(test_notifications),
		T(test_notifications_monitor),
		T(test_subscriptions),
		T(test_join_and_sync),
		T(test_join_large_channel_syncs_later),
		T(test_before_connect),
		T(test_cap_after_registration),
		T(test_whois_and_free),
		T(test_labeled_batch_nests),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
