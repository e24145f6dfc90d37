/*
 * The history store (history.h): the selectors of CHATHISTORY over one
 * target (msgid and time references, limits, event filtering), the bounds
 * (lines per target, age, bytes, in the order items came), removal by
 * msgid, direct-message conversations kept per owner, and the observer
 * and enumeration a journal relies on. Then CHATHISTORY and REDACT through
 * server_on_line(): who sees which history, the replayed lines, and the
 * FAIL replies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client.h"
#include "fake.h"
#include "history.h"
#include "server.h"

#define T0      1700000000000LL

static struct history *
store(unsigned lines, int64_t age_ms, size_t bytes)
{
	struct history_limits lim = { lines, age_ms, bytes };
	struct history *h = history_new(&lim);

	assert_non_null(h);
	return h;
}

/* Add message i to target (owner may be NULL) at T0 + 10 * i, msgid "m<i>". */
static int
add_kind(struct history *h, const char *target, const char *owner, int i, unsigned kind)
{
	char msgid[16], line[64];
	struct history_item it = { 0 };

	snprintf(msgid, sizeof(msgid), "m%d", i);
	snprintf(line, sizeof(line), ":a!u@h PRIVMSG %s :message %d", target, i);
	it.target = target;
	it.owner = owner;
	it.time_ms = T0 + 10 * i;
	it.msgid = msgid;
	it.line = line;
	it.len = strlen(line);
	it.kind = kind;
	return history_add(h, &it);
}

static int
add(struct history *h, const char *target, int i)
{
	return add_kind(h, target, NULL, i, HISTORY_PRIVMSG);
}

/* Run q on target and return the selected msgids as "m1 m2 ...". */
static const char *
sel(struct history *h, const char *target, enum history_op op, struct history_ref a,
    struct history_ref b, size_t limit)
{
	static char out[512];
	struct history_item items[64];
	struct history_query q = { op, a, b, limit, HISTORY_ALL, T0 + 100000 };
	size_t n;

	assert_true(limit <= 64);
	n = history_query(h, target, NULL, &q, items);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strcat(out, i ? " " : "");
		strcat(out, items[i].msgid);
	}
	return out;
}

static struct history_ref
none(void)
{
	return (struct history_ref){ HISTORY_REF_NONE, NULL, 0 };
}

static struct history_ref
id(const char *msgid)
{
	return (struct history_ref){ HISTORY_REF_MSGID, msgid, 0 };
}

static struct history_ref
at(int i)
{
	return (struct history_ref){ HISTORY_REF_TIME, NULL, T0 + 10 * i };
}

static void
test_selectors(void **state)
{
	struct history *h = store(100, 0, 1 << 20);

	(void)state;
	for (int i = 0; i < 10; i++)
		assert_int_equal(add(h, "#chan", i), 0);
	assert_string_equal(sel(h, "#chan", HISTORY_LATEST, none(), none(), 3), "m7 m8 m9");
	assert_string_equal(sel(h, "#CHAN", HISTORY_LATEST, none(), none(), 20),
	    "m0 m1 m2 m3 m4 m5 m6 m7 m8 m9");
	assert_string_equal(sel(h, "#chan", HISTORY_LATEST, id("m4"), none(), 20),
	    "m5 m6 m7 m8 m9");
	assert_string_equal(sel(h, "#chan", HISTORY_LATEST, at(4), none(), 2), "m8 m9");
	assert_string_equal(sel(h, "#chan", HISTORY_BEFORE, id("m6"), none(), 20),
	    "m0 m1 m2 m3 m4 m5");
	assert_string_equal(sel(h, "#chan", HISTORY_BEFORE, at(6), none(), 2), "m4 m5");
	/* A time between two items. */
	assert_string_equal(sel(h, "#chan", HISTORY_BEFORE,
	    (struct history_ref){ HISTORY_REF_TIME, NULL, T0 + 65 }, none(), 2), "m5 m6");
	assert_string_equal(sel(h, "#chan", HISTORY_AFTER, id("m3"), none(), 3), "m4 m5 m6");
	assert_string_equal(sel(h, "#chan", HISTORY_AFTER, at(3), none(), 20),
	    "m4 m5 m6 m7 m8 m9");
	assert_string_equal(sel(h, "#chan", HISTORY_AROUND, id("m7"), none(), 1), "m7");
	assert_string_equal(sel(h, "#chan", HISTORY_AROUND, id("m7"), none(), 3), "m6 m7 m8");
	assert_string_equal(sel(h, "#chan", HISTORY_AROUND, at(7), none(), 4), "m5 m6 m7 m8");
	/* Nothing before the first: the limit is filled after it. */
	assert_string_equal(sel(h, "#chan", HISTORY_AROUND, id("m0"), none(), 3), "m0 m1 m2");
	/* BETWEEN, from either end: the limit counts from the first reference. */
	assert_string_equal(sel(h, "#chan", HISTORY_BETWEEN, id("m0"), id("m9"), 20),
	    "m1 m2 m3 m4 m5 m6 m7 m8");
	assert_string_equal(sel(h, "#chan", HISTORY_BETWEEN, id("m9"), id("m0"), 20),
	    "m1 m2 m3 m4 m5 m6 m7 m8");
	assert_string_equal(sel(h, "#chan", HISTORY_BETWEEN, id("m0"), id("m9"), 3), "m1 m2 m3");
	assert_string_equal(sel(h, "#chan", HISTORY_BETWEEN, id("m9"), id("m0"), 3), "m6 m7 m8");
	assert_string_equal(sel(h, "#chan", HISTORY_BETWEEN, at(0), at(9), 3), "m1 m2 m3");
	assert_string_equal(sel(h, "#chan", HISTORY_BETWEEN, at(9), at(0), 3), "m6 m7 m8");
	assert_string_equal(sel(h, "#chan", HISTORY_BETWEEN, id("m4"), id("m5"), 3), "");
	/* Unknown msgids, targets and zero limits select nothing. */
	assert_string_equal(sel(h, "#chan", HISTORY_BEFORE, id("nope"), none(), 5), "");
	assert_string_equal(sel(h, "#other", HISTORY_LATEST, none(), none(), 5), "");
	assert_string_equal(sel(h, "#chan", HISTORY_LATEST, none(), none(), 0), "");
	history_free(h);
	history_free(NULL);
}

static void
test_kinds_filter(void **state)
{
	struct history *h = store(100, 0, 1 << 20);
	struct history_item items[8];
	struct history_query q = { HISTORY_LATEST, none(), none(), 2, HISTORY_MESSAGES, T0 };

	(void)state;
	add_kind(h, "#c", NULL, 0, HISTORY_PRIVMSG);
	add_kind(h, "#c", NULL, 1, HISTORY_JOIN);
	add_kind(h, "#c", NULL, 2, HISTORY_NOTICE);
	add_kind(h, "#c", NULL, 3, HISTORY_TOPIC);
	add_kind(h, "#c", NULL, 4, HISTORY_TAGMSG);
	/* Without event-playback: PRIVMSG and NOTICE only, the limit counting those. */
	assert_int_equal(history_query(h, "#c", NULL, &q, items), 2);
	assert_string_equal(items[0].msgid, "m0");
	assert_string_equal(items[1].msgid, "m2");
	q.kinds = HISTORY_ALL;
	assert_int_equal(history_query(h, "#c", NULL, &q, items), 2);
	assert_string_equal(items[0].msgid, "m3");
	assert_int_equal(items[1].kind, HISTORY_TAGMSG);
	/* The newest message, not event, is the target's last message. */
	add_kind(h, "#c", NULL, 5, HISTORY_PART);
	assert_int_equal(history_last_message(h, "#c", NULL), T0 + 40);
	assert_int_equal(history_last_message(h, "#none", NULL), -1);
	history_free(h);
}

static void
test_line_bound(void **state)
{
	struct history *h = store(3, 0, 1 << 20);

	(void)state;
	for (int i = 0; i < 5; i++)
		add(h, "#a", i);
	add(h, "#b", 5);
	assert_string_equal(sel(h, "#a", HISTORY_LATEST, none(), none(), 10), "m2 m3 m4");
	assert_int_equal(history_count(h), 4);
	/* Dropped items are gone from the msgid index too. */
	assert_string_equal(sel(h, "#a", HISTORY_AFTER, id("m0"), none(), 10), "");
	/* A smaller bound applies at once. */
	history_set_limits(h, &(struct history_limits){ 1, 0, 1 << 20 }, T0);
	assert_string_equal(sel(h, "#a", HISTORY_LATEST, none(), none(), 10), "m4");
	assert_string_equal(sel(h, "#b", HISTORY_LATEST, none(), none(), 10), "m5");
	add(h, "#a", 6);
	assert_string_equal(sel(h, "#a", HISTORY_LATEST, none(), none(), 10), "m6");
	/* lines 0 keeps nothing. */
	history_set_limits(h, &(struct history_limits){ 0, 0, 1 << 20 }, T0);
	assert_int_equal(history_count(h), 0);
	assert_int_equal(history_bytes(h), 0);
	assert_int_equal(add(h, "#a", 7), 1);
	assert_int_equal(history_count(h), 0);
	history_free(h);
}

static void
test_byte_and_age_bounds(void **state)
{
	struct history *h = store(100, 0, 1 << 20);
	size_t one;

	(void)state;
	add(h, "#a", 0);
	one = history_bytes(h);
	assert_true(one > 0);
	history_free(h);

	/* Room for three items: the oldest of the whole store goes first. */
	h = store(100, 0, 3 * one + one / 2);
	add(h, "#a", 0);
	add(h, "#b", 1);
	add(h, "#a", 2);
	add(h, "#b", 3);
	assert_int_equal(history_count(h), 3);
	assert_true(history_bytes(h) <= 3 * one + one / 2);
	assert_string_equal(sel(h, "#a", HISTORY_LATEST, none(), none(), 10), "m2");
	assert_string_equal(sel(h, "#b", HISTORY_LATEST, none(), none(), 10), "m1 m3");
	history_free(h);

	/* An item larger than the whole bound is not kept. */
	h = store(100, 0, one - 1);
	assert_int_equal(add(h, "#a", 0), 1);
	assert_int_equal(history_count(h), 0);
	history_free(h);

	/* Age: 25 ms. Adding m5 (T0 + 50) drops what is older than T0 + 25. */
	h = store(100, 25, 1 << 20);
	for (int i = 0; i < 3; i++)
		add(h, "#a", i);
	assert_int_equal(history_count(h), 3);
	add(h, "#b", 5);
	assert_int_equal(history_count(h), 1);
	assert_string_equal(sel(h, "#a", HISTORY_LATEST, none(), none(), 10), "");
	history_free(h);
}

static void
test_query_hides_expired(void **state)
{
	struct history *h = store(100, 1000, 1 << 20);
	struct history_item items[4];
	struct history_query q = { HISTORY_LATEST, none(), none(), 4, HISTORY_ALL, T0 + 500 };

	(void)state;
	add(h, "#a", 0);
	add(h, "#a", 50);
	assert_int_equal(history_query(h, "#a", NULL, &q, items), 2);
	/* Nothing was added since, but a query sees the age limit. */
	q.now_ms = T0 + 1200;
	assert_int_equal(history_query(h, "#a", NULL, &q, items), 1);
	assert_string_equal(items[0].msgid, "m50");
	history_free(h);
}

static void
test_remove_and_owners(void **state)
{
	struct history *h = store(100, 0, 1 << 20);
	struct history_item it;
	struct history_query q = { HISTORY_LATEST, none(), none(), 10, HISTORY_ALL, T0 };
	struct history_item items[10];
	const char *names[4];
	int64_t times[4];

	(void)state;
	/* One direct message, kept for both logged-in parties. */
	add_kind(h, "bob", "alice", 1, HISTORY_PRIVMSG);
	add_kind(h, "alice", "bob", 1, HISTORY_PRIVMSG);
	add_kind(h, "carol", "alice", 2, HISTORY_PRIVMSG);
	add_kind(h, "dave", "alice", 3, HISTORY_PRIVMSG);
	add(h, "#c", 4);
	add(h, "#c", 5);
	/* Conversations belong to their owner, under any case of the names. */
	assert_int_equal(history_query(h, "BOB", "Alice", &q, items), 1);
	assert_int_equal(history_query(h, "bob", NULL, &q, items), 0);
	assert_int_equal(history_query(h, "bob", "carol", &q, items), 0);
	assert_true(history_find(h, "alice", "bob", "m1", &it));
	assert_string_equal(it.owner, "bob");
	assert_string_equal(it.target, "alice");
	assert_false(history_find(h, "#c", NULL, "m1", &it));
	/* alice's conversations by the time of their newest message. */
	assert_int_equal(history_conversations(h, "alice", 0, INT64_MAX, names, times, 4), 3);
	assert_string_equal(names[0], "bob");
	assert_string_equal(names[2], "dave");
	assert_int_equal(history_conversations(h, "alice", 0, INT64_MAX, names, times, 2), 2);
	assert_string_equal(names[1], "carol");
	assert_int_equal(history_conversations(h, "alice", T0 + 10, T0 + 30, names, times, 4), 1);
	assert_string_equal(names[0], "carol");
	assert_int_equal(history_conversations(h, "nobody", 0, INT64_MAX, names, times, 4), 0);
	/* A redaction takes every copy. */
	assert_int_equal(history_remove(h, "m1"), 2);
	assert_false(history_find(h, "bob", "alice", "m1", &it));
	assert_int_equal(history_conversations(h, "alice", 0, INT64_MAX, names, times, 4), 2);
	assert_int_equal(history_remove(h, "m1"), 0);
	assert_int_equal(history_remove(h, "m4"), 1);
	assert_string_equal(sel(h, "#c", HISTORY_LATEST, none(), none(), 10), "m5");
	assert_int_equal(history_count(h), 3);
	history_free(h);
}

struct seen {
	char    log[512];
};

static void
observe(void *arg, enum history_change change, const struct history_item *item)
{
	struct seen *s = arg;
	static const char *const what[] = { "+", "-", "x" };

	strcat(s->log, what[change]);
	strcat(s->log, item->msgid);
	strcat(s->log, " ");
}

static void
collect(void *arg, const struct history_item *item)
{
	struct seen *s = arg;

	strcat(s->log, item->target);
	strcat(s->log, "/");
	strcat(s->log, item->msgid);
	strcat(s->log, " ");
}

static void
restore(void *arg, const struct history_item *item)
{
	assert_int_equal(history_add(arg, item), 0);
}

static void
test_observer_and_restore(void **state)
{
	struct history *h = store(2, 0, 1 << 20), *copy;
	struct seen s = { "" }, all = { "" }, again = { "" };
	struct history_item it = { 0 };
	struct history_item items[4];
	struct history_query q = { HISTORY_LATEST, none(), none(), 4, HISTORY_ALL, T0 };

	(void)state;
	history_observe(h, observe, &s);
	add(h, "#a", 1);
	add(h, "#b", 2);
	add(h, "#a", 3);
	add(h, "#a", 4);
	history_remove(h, "m3");
	assert_string_equal(s.log, "+m1 +m2 +m3 -m1 +m4 xm3 ");
	history_foreach(h, collect, &all);
	assert_string_equal(all.log, "#b/m2 #a/m4 ");

	/* Re-adding what foreach gives recreates the store: msgid, time, tags. */
	it.target = "#t";
	it.time_ms = T0 + 7;
	it.msgid = "orig-id";
	it.line = ":n!u@h TAGMSG #t";
	it.len = strlen(it.line);
	it.tags = "+draft/react=x";
	it.account = "acct";
	it.kind = HISTORY_TAGMSG;
	it.flags = HISTORY_F_BOT;
	assert_int_equal(history_add(h, &it), 0);
	copy = store(2, 0, 1 << 20);
	history_foreach(h, restore, copy);
	history_foreach(copy, collect, &again);
	assert_string_equal(again.log, "#b/m2 #a/m4 #t/orig-id ");
	assert_int_equal(history_query(copy, "#t", NULL, &q, items), 1);
	assert_string_equal(items[0].msgid, "orig-id");
	assert_int_equal(items[0].time_ms, T0 + 7);
	assert_string_equal(items[0].tags, "+draft/react=x");
	assert_string_equal(items[0].account, "acct");
	assert_int_equal(items[0].flags, HISTORY_F_BOT);
	assert_memory_equal(items[0].line, it.line, it.len);
	history_free(copy);
	history_free(h);
}

static void
test_malformed(void **state)
{
	struct history *h = store(10, 0, 1 << 20);
	struct history_item it = { 0 };
	char big[HISTORY_MSGID_MAX + 2];

	(void)state;
	it.target = "#a";
	it.msgid = "x";
	it.line = "";
	assert_int_equal(history_add(h, &it), -1);
	it.line = ":a PRIVMSG #a :x";
	it.len = strlen(it.line);
	it.kind = HISTORY_NKINDS;
	assert_int_equal(history_add(h, &it), -1);
	it.kind = HISTORY_PRIVMSG;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	it.msgid = big;
	assert_int_equal(history_add(h, &it), -1);
	it.msgid = "";
	assert_int_equal(history_add(h, &it), -1);
	it.msgid = "ok";
	it.target = "";
	assert_int_equal(history_add(h, &it), -1);
	assert_int_equal(history_count(h), 0);
	history_free(h);
}

/* ---- CHATHISTORY and REDACT through the server ---- */

#define HIST_CAPS "batch server-time message-tags draft/chathistory"

/* The msgid of the line in out that contains needle ("" if none). */
static const char *
msgid_of(const char *out, const char *needle)
{
	static char id[64];
	const char *at = strstr(out, needle), *p;
	size_t n;

	id[0] = '\0';
	if (at == NULL)
		return id;
	while (at > out && at[-1] != '\n')
		at--;
	if ((p = strstr(at, "msgid=")) == NULL)
		return id;
	p += 6;
	n = strcspn(p, "; ");
	snprintf(id, sizeof(id), "%.*s", (int)n, p);
	return id;
}

static void
test_cmd_channel_history(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *carol = fake_registered(srv, "carol");
	char *out;

	fake_cap_on(srv, bob, HIST_CAPS);
	fake_line(srv, alice, "PRIVMSG #c :one");
	fake_advance(srv, 1);
	fake_line(srv, alice, "TOPIC #c :a topic");
	fake_advance(srv, 1);
	fake_line(srv, alice, "PRIVMSG #c :two");
	fake_line(srv, alice, "@+typing=active TAGMSG #c");
	fake_line(srv, alice, "NOTICE #c :three");
	fake_line(srv, alice, "PRIVMSG @#c :ops only");
	/* The msgid and time bob saw live are the ones history gives back. */
	out = fake_take_output(bob);
	char live[64];
	snprintf(live, sizeof(live), "%s", msgid_of(out, "PRIVMSG #c :two"));
	assert_true(live[0] != '\0');
	free(out);

	fake_line(srv, bob, "CHATHISTORY LATEST #c * 2");
	out = fake_take_output(bob);
	assert_non_null(strstr(out, " BATCH +"));
	assert_non_null(strstr(out, " chathistory #c\r\n"));
	assert_non_null(strstr(out, ";time=2023-11-14T22:13:22.000Z;msgid="));
	assert_string_equal(msgid_of(out, "PRIVMSG #c :two"), live);
	assert_non_null(strstr(out, " :alice!u@127.0.0.1 NOTICE #c :three\r\n"));
	assert_null(strstr(out, ":one"));
	/* No event-playback: no TOPIC; typing and STATUSMSG were never kept. */
	assert_null(strstr(out, "TOPIC"));
	assert_null(strstr(out, "TAGMSG"));
	assert_null(strstr(out, "ops only"));
	free(out);

	fake_linef(srv, bob, "CHATHISTORY BEFORE #c msgid=%s 10", live);
	out = fake_take_output(bob);
	assert_non_null(strstr(out, "PRIVMSG #c :one\r\n"));
	assert_null(strstr(out, ":two"));
	free(out);
	fake_cap_on(srv, bob, "draft/event-playback");
	fake_line(srv, bob, "CHATHISTORY AFTER #c timestamp=2023-11-14T22:13:19.999Z 10");
	out = fake_take_output(bob);
	assert_non_null(strstr(out, " TOPIC #c :a topic\r\n"));
	assert_non_null(strstr(out, " JOIN #c\r\n"));
	free(out);

	/* Not a member: nothing, not even whether the channel has history. */
	fake_line(srv, carol, "CHATHISTORY LATEST #c * 10");
	fake_expect(carol, ":irc.local FAIL CHATHISTORY INVALID_TARGET LATEST #c "
	    ":Messages could not be retrieved\r\n");
	fake_line(srv, carol, "CHATHISTORY LATEST #nowhere * 10");
	fake_expect_has(carol, " FAIL CHATHISTORY INVALID_TARGET LATEST #nowhere ");
	fake_line(srv, bob, "CHATHISTORY BEFORE #c * 10");
	fake_expect(bob, ":irc.local FAIL CHATHISTORY INVALID_PARAMS BEFORE * "
	    ":Invalid parameters\r\n");
	fake_line(srv, bob, "CHATHISTORY LATEST #c * ten");
	fake_expect_has(bob, " FAIL CHATHISTORY INVALID_PARAMS LATEST ");
	fake_line(srv, bob, "CHATHISTORY AROUND #c timestamp=2023-13-01T00:00:00.000Z 5");
	fake_expect_has(bob, " FAIL CHATHISTORY INVALID_PARAMS AROUND ");
	fake_line(srv, bob, "CHATHISTORY LATEST #c");
	fake_expect(bob, ":irc.local FAIL CHATHISTORY NEED_MORE_PARAMS LATEST "
	    ":Missing parameters\r\n");
	fake_line(srv, bob, "CHATHISTORY SOMETIME #c * 1");
	fake_expect(bob, ":irc.local FAIL CHATHISTORY INVALID_PARAMS SOMETIME "
	    ":Unknown subcommand\r\n");
	/* An unknown msgid selects nothing: an empty batch. */
	fake_line(srv, bob, "CHATHISTORY AFTER #c msgid=nope 10");
	out = fake_take_output(bob);
	assert_int_equal(fake_output_count(bob, "PRIVMSG"), 0);
	assert_null(strstr(out, "PRIVMSG"));
	assert_non_null(strstr(out, "BATCH -"));
	free(out);
}

/* Each malformed CHATHISTORY or REDACT gets its FAIL, and selects nothing. */
static void
test_cmd_bad_input(void **state)
{
	struct server *srv = *state;
	struct client *bob = fake_joined(srv, "bob", "#c");
	char line[160], *out;

	fake_cap_on(srv, bob, HIST_CAPS);
	fake_line(srv, bob, "PRIVMSG #c :kept");
	fake_drop_all(srv);
	fake_line(srv, bob, "CHATHISTORY");
	fake_expect(bob, ":irc.local 461 bob CHATHISTORY :Not enough parameters\r\n");
	fake_line(srv, bob, "CHATHISTORY BETWEEN #c timestamp=2023-11-14T22:13:20.000Z 10");
	fake_expect(bob, ":irc.local FAIL CHATHISTORY NEED_MORE_PARAMS BETWEEN "
	    ":Missing parameters\r\n");
	fake_line(srv, bob, "CHATHISTORY TARGETS timestamp=2023-11-14T22:13:20.000Z 10");
	fake_expect(bob, ":irc.local FAIL CHATHISTORY NEED_MORE_PARAMS TARGETS "
	    ":Missing parameters\r\n");
	/* BETWEEN takes no "*", at either end. */
	fake_line(srv, bob, "CHATHISTORY BETWEEN #c * timestamp=2023-11-14T22:13:20.000Z 10");
	fake_expect_has(bob, " FAIL CHATHISTORY INVALID_PARAMS BETWEEN * ");
	fake_line(srv, bob, "CHATHISTORY BETWEEN #c timestamp=2023-11-14T22:13:20.000Z * 10");
	fake_expect_has(bob, " FAIL CHATHISTORY INVALID_PARAMS BETWEEN ");
	fake_line(srv, bob, "CHATHISTORY BETWEEN #c msgid=a timestamp=2023-11-14T22:13:20Z 10");
	fake_expect_has(bob, " FAIL CHATHISTORY INVALID_PARAMS BETWEEN ");
	/* A msgid that is empty or longer than any kept, a negative limit. */
	fake_line(srv, bob, "CHATHISTORY BEFORE #c msgid= 10");
	fake_expect_has(bob, " FAIL CHATHISTORY INVALID_PARAMS BEFORE ");
	snprintf(line, sizeof(line), "CHATHISTORY AFTER #c msgid=%0*d 10",
	    HISTORY_MSGID_MAX + 1, 0);
	fake_line(srv, bob, line);
	fake_expect_has(bob, " FAIL CHATHISTORY INVALID_PARAMS AFTER ");
	fake_line(srv, bob, "CHATHISTORY LATEST #c * -1");
	fake_expect_has(bob, " FAIL CHATHISTORY INVALID_PARAMS LATEST ");
	fake_line(srv, bob, "CHATHISTORY LATEST #c timestamp= 1");
	fake_expect_has(bob, " FAIL CHATHISTORY INVALID_PARAMS LATEST ");
	/* Neither a channel nor a nick. */
	fake_line(srv, bob, "CHATHISTORY LATEST no!nick * 10");
	fake_expect(bob, ":irc.local FAIL CHATHISTORY INVALID_TARGET LATEST no!nick "
	    ":Messages could not be retrieved\r\n");
	/* A limit past the maximum is the maximum, however many digits. */
	fake_line(srv, bob, "CHATHISTORY LATEST #c * 18446744073709551616");
	out = fake_take_output(bob);
	assert_non_null(strstr(out, " PRIVMSG #c :kept\r\n"));
	assert_null(strstr(out, "FAIL"));
	free(out);
	/* REDACT: too few parameters, a bad target, a conversation without an account. */
	fake_line(srv, bob, "REDACT #c");
	fake_expect(bob, ":irc.local 461 bob REDACT :Not enough parameters\r\n");
	fake_line(srv, bob, "REDACT no!nick abc");
	fake_expect(bob, ":irc.local FAIL REDACT INVALID_TARGET no!nick "
	    ":You cannot delete messages from this target\r\n");
	fake_line(srv, bob, "REDACT alice abc");
	fake_expect(bob, ":irc.local FAIL REDACT UNKNOWN_MSGID alice abc "
	    ":This message does not exist or is too old\r\n");
}

static void
test_cmd_direct_history(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_registered(srv, "carol");
	struct client *dave = fake_registered(srv, "dave");
	char *out;

	assert_int_equal(client_set_account(alice, "alice"), 0);
	assert_int_equal(client_set_account(bob, "bob"), 0);
	assert_int_equal(client_set_account(dave, "dave"), 0);
	fake_cap_on(srv, alice, HIST_CAPS);
	fake_cap_on(srv, bob, HIST_CAPS);
	fake_cap_on(srv, carol, HIST_CAPS);
	fake_cap_on(srv, dave, HIST_CAPS);
	fake_line(srv, alice, "PRIVMSG bob :hi bob");
	fake_line(srv, carol, "PRIVMSG alice :from carol");
	fake_line(srv, carol, "PRIVMSG dave :carol to dave");
	fake_drop_all(srv);
	/* Both logged-in parties have the conversation, under any case. */
	fake_line(srv, bob, "CHATHISTORY LATEST ALICE * 10");
	fake_expect_has(bob, " PRIVMSG bob :hi bob\r\n");
	fake_line(srv, alice, "CHATHISTORY LATEST bob * 10");
	fake_expect_has(alice, " PRIVMSG bob :hi bob\r\n");
	/* alice kept carol's message though carol has no account; carol has none. */
	fake_line(srv, alice, "CHATHISTORY LATEST carol * 10");
	fake_expect_has(alice, " PRIVMSG alice :from carol\r\n");
	fake_line(srv, carol, "CHATHISTORY LATEST alice * 10");
	out = fake_take_output(carol);
	assert_null(strstr(out, "PRIVMSG"));
	assert_non_null(strstr(out, " chathistory alice\r\n"));
	free(out);
	/* A third account sees nothing of alice's conversations. */
	fake_line(srv, dave, "CHATHISTORY LATEST alice * 10");
	out = fake_take_output(dave);
	assert_null(strstr(out, "PRIVMSG"));
	free(out);
	fake_line(srv, dave, "CHATHISTORY LATEST bob * 10");
	out = fake_take_output(dave);
	assert_null(strstr(out, "PRIVMSG"));
	free(out);
	/* TARGETS: alice's conversations, oldest first. */
	fake_line(srv, alice, "CHATHISTORY TARGETS timestamp=2020-01-01T00:00:00.000Z "
	    "timestamp=2030-01-01T00:00:00.000Z 10");
	out = fake_take_output(alice);
	assert_non_null(strstr(out, " draft/chathistory-targets\r\n"));
	assert_non_null(strstr(out, " CHATHISTORY TARGETS bob 2023-11-14T22:13:20.000Z\r\n"));
	assert_non_null(strstr(out, " CHATHISTORY TARGETS carol 2023-11-14T22:13:20.000Z\r\n"));
	free(out);
	fake_line(srv, alice, "CHATHISTORY TARGETS * timestamp=2030-01-01T00:00:00.000Z 10");
	fake_expect_has(alice, " FAIL CHATHISTORY INVALID_PARAMS TARGETS ");
}

static void
test_cmd_redact(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#r");
	struct client *bob = fake_joined(srv, "bob", "#r");
	struct client *eve = fake_joined(srv, "eve", "#r");
	char *out, mine[64], theirs[64];

	fake_cap_on(srv, op, HIST_CAPS " draft/message-redaction echo-message");
	fake_cap_on(srv, bob, HIST_CAPS " draft/message-redaction echo-message");
	fake_line(srv, bob, "PRIVMSG #r :by bob");
	fake_line(srv, op, "PRIVMSG #r :by op");
	out = fake_take_output(bob);
	snprintf(mine, sizeof(mine), "%s", msgid_of(out, ":by bob"));
	snprintf(theirs, sizeof(theirs), "%s", msgid_of(out, ":by op"));
	free(out);
	fake_drop_all(srv);
	/* Not the sender, not an operator. */
	fake_linef(srv, bob, "REDACT #r %s", theirs);
	out = fake_take_output(bob);
	assert_non_null(strstr(out, " FAIL REDACT REDACT_FORBIDDEN #r "));
	free(out);
	fake_expect(op, "");
	/* The sender may; those with the capability hear of it. */
	fake_linef(srv, bob, "REDACT #r %s :typo", mine);
	out = fake_take_output(op);
	assert_non_null(strstr(out, " :bob!u@127.0.0.1 REDACT #r "));
	assert_non_null(strstr(out, " :typo\r\n"));
	free(out);
	fake_expect(eve, "");
	fake_line(srv, op, "CHATHISTORY LATEST #r * 10");
	out = fake_take_output(op);
	assert_null(strstr(out, "by bob"));
	assert_non_null(strstr(out, "by op"));
	free(out);
	/* Gone is gone; a channel operator may redact others. */
	fake_linef(srv, bob, "REDACT #r %s", mine);
	fake_expect_has(bob, " FAIL REDACT UNKNOWN_MSGID #r ");
	fake_line(srv, bob, "PRIVMSG #r :again");
	out = fake_take_output(bob);
	snprintf(mine, sizeof(mine), "%s", msgid_of(out, ":again"));
	free(out);
	fake_linef(srv, op, "REDACT #r %s", mine);
	fake_expect_has(bob, " REDACT #r ");
	fake_drop_output(eve);
	fake_linef(srv, eve, "REDACT #nowhere %s", mine);
	fake_expect(eve, ":irc.local FAIL REDACT INVALID_TARGET #nowhere "
	    ":You cannot delete messages from this target\r\n");
}

/*
 * draft/event-playback: a JOIN comes back as it came live, in the
 * extended-join form (account, or "*", and realname) to a client with
 * extended-join, plain to others.
 */
static void
test_cmd_join_playback(void **state)
{
	struct server *srv = *state;
	struct client *bob = fake_joined(srv, "bob", "#j");
	struct client *eve = fake_joined(srv, "eve", "#j");
	struct client *alice = fake_registered(srv, "alice");
	char *out;

	assert_int_equal(client_set_account(alice, "acct"), 0);
	fake_line(srv, alice, "JOIN #j");
	fake_cap_on(srv, bob, HIST_CAPS " draft/event-playback extended-join");
	fake_cap_on(srv, eve, HIST_CAPS " draft/event-playback");
	fake_drop_all(srv);
	fake_line(srv, bob, "CHATHISTORY LATEST #j * 10");
	out = fake_take_output(bob);
	assert_non_null(strstr(out, " :alice!u@127.0.0.1 JOIN #j acct :Real Name\r\n"));
	assert_non_null(strstr(out, " :eve!u@127.0.0.1 JOIN #j * :Real Name\r\n"));
	free(out);
	fake_line(srv, eve, "CHATHISTORY LATEST #j * 10");
	out = fake_take_output(eve);
	assert_non_null(strstr(out, " :alice!u@127.0.0.1 JOIN #j\r\n"));
	assert_non_null(strstr(out, " :eve!u@127.0.0.1 JOIN #j\r\n"));
	assert_null(strstr(out, "Real Name"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_kinds_filter),
		cmocka_unit_test(test_line_bound),
		cmocka_unit_test(test_byte_and_age_bounds),
		cmocka_unit_test(test_query_hides_expired),
		cmocka_unit_test(test_remove_and_owners),
		cmocka_unit_test(test_observer_and_restore),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test_setup_teardown(test_cmd_channel_history, fake_setup,
		    fake_teardown),
		cmocka_unit_test_setup_teardown(test_cmd_bad_input, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_cmd_direct_history, fake_setup,
		    fake_teardown),
		cmocka_unit_test_setup_teardown(test_cmd_redact, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_cmd_join_playback, fake_setup,
		    fake_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
