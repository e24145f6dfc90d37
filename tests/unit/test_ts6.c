/*
 * Unit tests for ts6.c and network.c: UIDs made and checked, user
 * introductions in the three forms (TS6 UID, hybrid's UID, EUID) and
 * their refusals, the nick-collision and channel-timestamp rules of
 * ts6.txt, SJOIN member lists; and the server registry's tree: adding,
 * walking, removing a subtree farthest first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hmap.h"
#include "msg.h"
#include "network.h"
#include "ts6.h"

static void
test_uid(void **state)
{
	char uid[TS6_UID_LEN + 1];

	(void)state;
	ts6_uid_make(uid, "1AA", 0);
	assert_string_equal(uid, "1AAAAAAAA");
	ts6_uid_make(uid, "1AA", 35);
	assert_string_equal(uid, "1AAAAAAA9");
	ts6_uid_make(uid, "1AA", 36);
	assert_string_equal(uid, "1AAAAAABA");
	ts6_uid_make(uid, "2BB", TS6_IDS - 1);
	assert_string_equal(uid, "2BBZ99999");
	ts6_uid_make(uid, "2BB", TS6_IDS);
	assert_string_equal(uid, "2BBAAAAAA");
	for (uint64_t n = 0; n < TS6_IDS; n += TS6_IDS / 977) {
		ts6_uid_make(uid, "9ZZ", n);
		assert_true(ts6_uid_is_valid(uid));
	}
	assert_true(ts6_uid_is_valid("0AAB12345"));
	assert_false(ts6_uid_is_valid("0AA112345"));   /* digit after the SID */
	assert_false(ts6_uid_is_valid("AAAB12345"));   /* SID starts with a digit */
	assert_false(ts6_uid_is_valid("0AAB1234"));
	assert_false(ts6_uid_is_valid("0AAB123456"));
	assert_false(ts6_uid_is_valid("0AAb12345"));
	assert_false(ts6_uid_is_valid("0AAB1234a"));
	assert_false(ts6_uid_is_valid(""));
}

/* Parse text (modified in place) and the user it introduces. */
static const char *
parse(char *text, struct ts6_user *u)
{
	struct msg m;

	assert_int_equal(msg_parse(text, strlen(text), &m), 0);
	return ts6_parse_user(&m, u);
}

static void
test_parse_user_forms(void **state)
{
	char plain[] = ":1AA UID alice 1 1700000000 +iw al host.example 192.0.2.1 "
	    "1AAAAAAAB :Alice A";
	char hybrid[] = ":0HY UID bob 2 1700000001 +i bo cloak.example real.example "
	    "192.0.2.2 0HYAAAAAC bobacct :Bob B";
	char euid[] = ":3CC EUID carol 1 1700000002 + ca host.example 192.0.2.3 "
	    "3CCAAAAAD real.example * :Carol";
	struct ts6_user u;

	(void)state;
	assert_null(parse(plain, &u));
	assert_string_equal(u.nick, "alice");
	assert_int_equal(u.hops, 1);
	assert_true(u.ts == 1700000000);
	assert_string_equal(u.umodes, "+iw");
	assert_string_equal(u.user, "al");
	assert_string_equal(u.host, "host.example");
	assert_string_equal(u.ip, "192.0.2.1");
	assert_string_equal(u.uid, "1AAAAAAAB");
	assert_string_equal(u.realhost, "");
	assert_string_equal(u.account, "");
	assert_string_equal(u.realname, "Alice A");
	assert_null(parse(hybrid, &u));
	assert_string_equal(u.realhost, "real.example");
	assert_string_equal(u.ip, "192.0.2.2");
	assert_string_equal(u.uid, "0HYAAAAAC");
	assert_string_equal(u.account, "bobacct");
	assert_string_equal(u.realname, "Bob B");
	assert_null(parse(euid, &u));
	assert_string_equal(u.ip, "192.0.2.3");
	assert_string_equal(u.uid, "3CCAAAAAD");
	assert_string_equal(u.realhost, "real.example");
	assert_string_equal(u.account, "");
	/* A user saved from a nick collision goes by its UID. */
	snprintf(plain, sizeof(plain), "%s", ":1AA UID 1AAAAAAAB 1 100 + al h 0 "
	    "1AAAAAAAB :A");
	assert_null(parse(plain, &u));
	assert_string_equal(u.nick, "1AAAAAAAB");
}

static void
test_parse_user_refused(void **state)
{
	static const struct {
		const char *line, *why;
	} v[] = {
		{ "UID a 1 1 + u h 0 1AAAAAAAB", "Not enough parameters" },
		{ "EUID a 1 1 + u h 0 1AAAAAAAB h2 :r", "Not enough parameters" },
		{ "NICK a 1 1 + u h 0 1AAAAAAAB :r", "Not enough parameters" },
		{ "UID 1a 1 1 + u h 0 1AAAAAAAB :r", "Bogus nick introduced" },
		{ "UID 1AAAAAAAC 1 1 + u h 0 1AAAAAAAB :r", "Bogus nick introduced" },
		{ "UID a 0 1 + u h 0 1AAAAAAAB :r", "Bogus hop count" },
		{ "UID a x 1 + u h 0 1AAAAAAAB :r", "Bogus hop count" },
		{ "UID a 1 0 + u h 0 1AAAAAAAB :r", "Bogus nick timestamp" },
		{ "UID a 1 -5 + u h 0 1AAAAAAAB :r", "Bogus nick timestamp" },
		{ "UID a 1 12x + u h 0 1AAAAAAAB :r", "Bogus nick timestamp" },
		{ "UID a 1 99999999999999999999 + u h 0 1AAAAAAAB :r",
		  "Bogus nick timestamp" },
		{ "UID a 1 1 i u h 0 1AAAAAAAB :r", "Bogus user modes" },
		{ "UID a 1 1 +i1 u h 0 1AAAAAAAB :r", "Bogus user modes" },
		{ "UID a 1 1 + u,v h 0 1AAAAAAAB :r", "Bogus user, host or address" },
		{ "UID a 1 1 + uuuuuuuuuuuuuuuuuuuuuuuuuuuuu h 0 1AAAAAAAB :r",
		  "Bogus user, host or address" },
		{ "UID a 1 1 + u :h 0 1AAAAAAAB :r", "Not enough parameters" },
		{ "UID a 1 1 + u h 0 1AA :r", "Bogus UID" },
		{ "UID a 1 1 + u h r 0 1AAAAAAAB acc,t :r", "Bogus account" },
	};
	char line[512];
	struct ts6_user u;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const char *why;

		snprintf(line, sizeof(line), "%s", v[i].line);
		why = parse(line, &u);
		if (why == NULL || strcmp(why, v[i].why) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", v[i].line,
			    why ? why : "(accepted)", v[i].why);
	}
}

static void
test_collision_rules(void **state)
{
	(void)state;
	/* Older wins between different people; a reconnect keeps the newer. */
	assert_int_equal(ts6_nick_collision(100, "a@h", 50, "b@h"), TS6_LOSE_OLD);
	assert_int_equal(ts6_nick_collision(100, "a@h", 50, "A@H"), TS6_LOSE_NEW);
	assert_int_equal(ts6_nick_collision(100, "a@h", 150, "b@h"), TS6_LOSE_NEW);
	assert_int_equal(ts6_nick_collision(100, "a@h", 150, "a@h"), TS6_LOSE_OLD);
	assert_int_equal(ts6_nick_collision(100, "a@h", 100, "a@h"), TS6_LOSE_BOTH);
	assert_int_equal(ts6_nick_collision(100, "a@h", 100, "b@h"), TS6_LOSE_BOTH);
	assert_int_equal(ts6_channel_ts(100, 50), TS6_CHAN_TAKE_THEIRS);
	assert_int_equal(ts6_channel_ts(100, 100), TS6_CHAN_MERGE);
	assert_int_equal(ts6_channel_ts(100, 150), TS6_CHAN_KEEP_OURS);
}

/* Who is saved or killed, for an introduction or a nick change alike. */
static void
test_collision_outcomes(void **state)
{
	struct ts6_outcome o;

	(void)state;
	/* The older of two people keeps the nick; the other is saved. */
	o = ts6_collide(100, "a@h", 150, "b@h", true);
	assert_int_equal(o.old, TS6_FIX_NONE);
	assert_int_equal(o.new, TS6_FIX_SAVE);
	o = ts6_collide(100, "a@h", 50, "b@h", true);
	assert_int_equal(o.old, TS6_FIX_SAVE);
	assert_int_equal(o.new, TS6_FIX_NONE);
	/* The same person (a reconnect): the newer keeps it. */
	o = ts6_collide(100, "a@h", 150, "A@h", false);
	assert_int_equal(o.old, TS6_FIX_KILL);
	assert_int_equal(o.new, TS6_FIX_NONE);
	o = ts6_collide(100, "a@h", 50, "a@h", false);
	assert_int_equal(o.old, TS6_FIX_NONE);
	assert_int_equal(o.new, TS6_FIX_KILL);
	/* Equal timestamps: both go, saved or killed. */
	o = ts6_collide(100, "a@h", 100, "b@h", true);
	assert_int_equal(o.old, TS6_FIX_SAVE);
	assert_int_equal(o.new, TS6_FIX_SAVE);
	o = ts6_collide(100, "a@h", 100, "a@h", false);
	assert_int_equal(o.old, TS6_FIX_KILL);
	assert_int_equal(o.new, TS6_FIX_KILL);
}

static void
test_save_and_timestamps(void **state)
{
	int64_t ts = 0;

	(void)state;
	assert_true(ts6_save_applies("alice", "1AAAAAAAB", 1700000000, 1700000000));
	/* Already saved, or the SAVE was for an earlier nick. */
	assert_false(ts6_save_applies("1AAAAAAAB", "1AAAAAAAB", 100, 100));
	assert_false(ts6_save_applies("alice", "1AAAAAAAB", 1700000001, 1700000000));
	assert_true(ts6_ts_parse("1700000000", &ts));
	assert_true(ts == 1700000000);
	assert_false(ts6_ts_parse("0", &ts));
	assert_false(ts6_ts_parse("-5", &ts));
	assert_false(ts6_ts_parse("12x", &ts));
	assert_false(ts6_ts_parse("", &ts));
	assert_false(ts6_ts_parse("9999999999999999999", &ts));
	assert_true(ts == 1700000000);
}

static void
test_sjoin_members(void **state)
{
	const char *cur = " @+1AAAAAAAB +2BBAAAAAC  3CCAAAAAD %@4DDAAAAAE ";
	struct ts6_member m;

	(void)state;
	assert_int_equal(ts6_sjoin_member(&cur, &m), 1);
	assert_string_equal(m.uid, "1AAAAAAAB");
	assert_true(m.op && m.voice);
	assert_int_equal(ts6_sjoin_member(&cur, &m), 1);
	assert_string_equal(m.uid, "2BBAAAAAC");
	assert_true(!m.op && m.voice);
	assert_int_equal(ts6_sjoin_member(&cur, &m), 1);
	assert_true(!m.op && !m.voice);
	assert_int_equal(ts6_sjoin_member(&cur, &m), 1);
	assert_string_equal(m.uid, "4DDAAAAAE");
	assert_true(m.op && !m.voice);
	assert_int_equal(ts6_sjoin_member(&cur, &m), 0);
	assert_int_equal(ts6_sjoin_member(&cur, &m), 0);
	cur = "@";
	assert_int_equal(ts6_sjoin_member(&cur, &m), -1);
	cur = "@1AAAAAAABC";
	assert_int_equal(ts6_sjoin_member(&cur, &m), -1);
	cur = "!1AAAAAAAB";
	assert_int_equal(ts6_sjoin_member(&cur, &m), -1);
}

static void
count_gone(void *ud, struct netserver *s)
{
	char *order = ud;

	strcat(order, s->name);
	strcat(order, " ");
}

static void
test_network_tree(void **state)
{
	struct network *net = network_new("a.test", "1AA", "A");
	struct netserver *b, *c, *d, *e, *s;
	char order[256] = "";
	int n = 0;

	(void)state;
	assert_non_null(net);
	b = network_add(net, &net->me, "b.test", "2BB", "B", NULL);
	c = network_add(net, b, "c.test", "3CC", "C", NULL);
	d = network_add(net, c, "d.test", "4DD", "D", NULL);
	e = network_add(net, b, "e.test", "5EE", "E", NULL);
	assert_true(b && c && d && e);
	assert_int_equal(d->hops, 3);
	assert_int_equal(net->count, 5);
	assert_ptr_equal(network_find(net, "C.TEST"), c);
	assert_ptr_equal(network_find(net, "4DD"), d);
	assert_ptr_equal(network_find(net, "1AA"), &net->me);
	assert_null(network_find(net, "9ZZ"));
	/* Pre-order: a server before those behind it. */
	for (s = &net->me; s; s = network_walk(net, s)) {
		if (s->uplink)
			assert_true(s->uplink->hops + 1 == s->hops);
		n++;
	}
	assert_int_equal(n, 5);
	network_remove(net, c, count_gone, order);
	assert_string_equal(order, "d.test c.test ");
	assert_int_equal(net->count, 3);
	assert_null(network_find(net, "d.test"));
	assert_null(network_find(net, "3CC"));
	assert_int_equal(hmap_count(net->by_sid), 3);
	order[0] = '\0';
	network_remove(net, &net->me, count_gone, order);
	assert_string_equal(order, "");
	network_remove(net, b, count_gone, order);
	assert_string_equal(order, "e.test b.test ");
	assert_int_equal(net->count, 1);
	assert_null(net->me.child);
	network_free(net);
}

/* Letters of other TS6 servers take their parameters; ours keep their kind. */
static void
test_peer_mode_kinds(void **state)
{
	char *args[] = { "q!*@*", "#fwd", "3:5", "1AAAAAAAB", "key" };
	struct mode_change c[8];

	(void)state;
	assert_int_equal(ts6_mode_kind('b'), MODE_KIND_LIST);
	assert_int_equal(ts6_mode_kind('k'), MODE_KIND_ALWAYS);
	assert_int_equal(ts6_mode_kind('l'), MODE_KIND_SET);
	assert_int_equal(ts6_mode_kind('o'), MODE_KIND_PREFIX);
	assert_int_equal(ts6_mode_kind('q'), MODE_KIND_LIST);
	assert_int_equal(ts6_mode_kind('h'), MODE_KIND_PREFIX);
	assert_int_equal(ts6_mode_kind('f'), MODE_KIND_SET);
	assert_int_equal(ts6_mode_kind('Z'), MODE_KIND_FLAG);
	assert_int_equal(mode_parse_kind("+qmfjZ-hk", args, 5, c, 8, ts6_mode_kind), 7);
	assert_string_equal(c[0].arg, "q!*@*");
	assert_null(c[1].arg);
	assert_string_equal(c[2].arg, "#fwd");
	assert_string_equal(c[3].arg, "3:5");
	assert_null(c[4].arg);
	assert_false(c[5].add);
	assert_string_equal(c[5].arg, "1AAAAAAAB");
	assert_string_equal(c[6].arg, "key");
	/* Our own parse gives q none: the next letter would take its mask. */
	assert_int_equal(mode_parse("+qk", args, 5, c, 8), 2);
	assert_null(c[0].arg);
	assert_string_equal(c[1].arg, "q!*@*");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uid),
		cmocka_unit_test(test_parse_user_forms),
		cmocka_unit_test(test_parse_user_refused),
		cmocka_unit_test(test_collision_rules),
		cmocka_unit_test(test_collision_outcomes),
		cmocka_unit_test(test_save_and_timestamps),
		cmocka_unit_test(test_sjoin_members),
		cmocka_unit_test(test_network_tree),
		cmocka_unit_test(test_peer_mode_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
