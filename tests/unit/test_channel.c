/*
 * Handler tests for the channel family (cmd_channel.c): JOIN, PART,
 * TOPIC, NAMES, LIST, INVITE and KICK, driven through server_on_line()
 * with fake clients. Each test asserts the exact bytes queued for every
 * client involved, so a missing, extra or misformatted line fails it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "channel.h"
#include "client.h"
#include "fake.h"
#include "hmap.h"
#include "irc.h"
#include "server.h"

/* A string of n copies of c (caller frees). */
static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* Whether cli is on the channel called name. */
static bool
is_member(struct server *srv, struct client *cli, const char *name)
{
	struct channel *chan = channel_find(srv, name);

	return chan != NULL && channel_member(chan, cli) != NULL;
}

/* Every line of out ends in CR LF and is at most 512 bytes long. */
static void
assert_lines_fit(const char *out)
{
	const char *p = out, *crlf;

	while (*p) {
		crlf = strstr(p, "\r\n");
		assert_non_null(crlf);
		assert_true((size_t)(crlf + 2 - p) <= IRC_LINE_MAX);
		p = crlf + 2;
	}
}

/* JOIN */

static void
test_join_creates_channel(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct channel *chan;

	fake_line(srv, alice, "JOIN #c");
	fake_expect(alice,
	    ":alice!u@127.0.0.1 JOIN #c\r\n"
	    ":irc.local 353 alice = #c :@alice\r\n"
	    ":irc.local 366 alice #c :End of /NAMES list\r\n");
	chan = channel_find(srv, "#c");
	assert_non_null(chan);
	assert_int_equal(chan->nmembers, 1);
	assert_true(channel_member(chan, alice)->prefix & MEMBER_OP);
	assert_int_equal(alice->nchannels, 1);
}

static void
test_join_echoed_to_members(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_registered(srv, "carol");

	fake_line(srv, bob, "JOIN #c");
	fake_expect(bob,
	    ":bob!u@127.0.0.1 JOIN #c\r\n"
	    ":irc.local 353 bob = #c :@alice bob\r\n"
	    ":irc.local 366 bob #c :End of /NAMES list\r\n");
	fake_expect(alice, ":bob!u@127.0.0.1 JOIN #c\r\n");
	fake_expect(carol, "");
	assert_int_equal(channel_member(channel_find(srv, "#c"), bob)->prefix, 0);
	/* Names are casemapped: #C is #c, announced with its own spelling. */
	fake_line(srv, carol, "JOIN #C");
	fake_expect_has(carol, ":carol!u@127.0.0.1 JOIN #c\r\n");
	fake_expect(alice, ":carol!u@127.0.0.1 JOIN #c\r\n");
	fake_expect(bob, ":carol!u@127.0.0.1 JOIN #c\r\n");
}

static void
test_join_sends_topic(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_registered(srv, "bob");

	fake_advance(srv, 10);
	fake_line(srv, alice, "TOPIC #c :hello world");
	fake_drop_output(alice);
	fake_advance(srv, 10);
	fake_line(srv, bob, "JOIN #c");
	fake_expect(bob,
	    ":bob!u@127.0.0.1 JOIN #c\r\n"
	    ":irc.local 332 bob #c :hello world\r\n"
	    ":irc.local 333 bob #c alice!u@127.0.0.1 1700000010\r\n"
	    ":irc.local 353 bob = #c :@alice bob\r\n"
	    ":irc.local 366 bob #c :End of /NAMES list\r\n");
}

static void
test_join_list_with_keys(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_registered(srv, "carol");
	struct client *dave = fake_registered(srv, "dave");

	fake_line(srv, alice, "JOIN #a,#b");
	fake_line(srv, alice, "MODE #a +k k1");
	fake_line(srv, alice, "MODE #b +k k2");
	fake_drop_output(alice);
	assert_int_equal(alice->nchannels, 2);

	fake_line(srv, bob, "JOIN #a,#b k1,k2");
	assert_true(fake_output_has(bob, ":bob!u@127.0.0.1 JOIN #a\r\n"));
	assert_true(fake_output_has(bob, ":bob!u@127.0.0.1 JOIN #b\r\n"));
	assert_true(is_member(srv, bob, "#a") && is_member(srv, bob, "#b"));

	/* Keys pair with channels by position. */
	fake_line(srv, carol, "JOIN #a,#b k1,k1");
	assert_true(fake_output_has(carol, ":carol!u@127.0.0.1 JOIN #a\r\n"));
	fake_expect_has(carol, ":irc.local 475 carol #b :Cannot join channel (+k)\r\n");
	assert_true(is_member(srv, carol, "#a"));
	assert_false(is_member(srv, carol, "#b"));

	fake_line(srv, dave, "JOIN #a,#b");
	fake_expect(dave,
	    ":irc.local 475 dave #a :Cannot join channel (+k)\r\n"
	    ":irc.local 475 dave #b :Cannot join channel (+k)\r\n");
	assert_int_equal(dave->nchannels, 0);
}

static void
test_join_zero_parts_all(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *bob = fake_registered(srv, "bob");
	char *out;

	fake_line(srv, alice, "JOIN #a,#b");
	fake_line(srv, bob, "JOIN #a,#b");
	fake_drop_all(srv);
	fake_line(srv, bob, "JOIN 0");
	assert_int_equal(bob->nchannels, 0);
	assert_int_equal(channel_find(srv, "#a")->nmembers, 1);
	assert_int_equal(channel_find(srv, "#b")->nmembers, 1);
	/* The user and the members each see one PART per channel, no reason. */
	assert_int_equal(fake_output_count(bob, " PART "), 2);
	assert_int_equal(fake_output_count(alice, " PART "), 2);
	assert_true(fake_output_has(alice, ":bob!u@127.0.0.1 PART #a\r\n"));
	assert_true(fake_output_has(alice, ":bob!u@127.0.0.1 PART #b\r\n"));
	out = fake_take_output(bob);
	assert_non_null(strstr(out, ":bob!u@127.0.0.1 PART #a\r\n"));
	assert_non_null(strstr(out, ":bob!u@127.0.0.1 PART #b\r\n"));
	assert_int_equal(strlen(out), 2 * strlen(":bob!u@127.0.0.1 PART #a\r\n"));
	free(out);
	/* With no channels left, JOIN 0 says nothing. */
	fake_line(srv, bob, "JOIN 0");
	fake_expect(bob, "");
}

static void
test_join_bad_names(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	char *longest = repeat('x', IRC_CHANNELLEN), *toolong = repeat('y', IRC_CHANNELLEN + 1);

	fake_line(srv, alice, "JOIN c");
	fake_expect(alice, ":irc.local 403 alice c :No such channel\r\n");
	fake_line(srv, alice, "JOIN #a\ab");
	fake_expect(alice, ":irc.local 476 alice #a\ab :Bad Channel Mask\r\n");
	fake_line(srv, alice, "JOIN #a:b");
	fake_expect(alice, ":irc.local 476 alice #a:b :Bad Channel Mask\r\n");
	fake_line(srv, alice, "JOIN #");
	fake_expect(alice, ":irc.local 476 alice # :Bad Channel Mask\r\n");
	/* CHANNELLEN=50 counts the '#'. */
	longest[0] = '#';
	toolong[0] = '#';
	fake_linef(srv, alice, "JOIN %s", toolong);
	fake_expect_has(alice, " 476 alice #yyyy");
	assert_int_equal(alice->nchannels, 0);
	assert_int_equal(hmap_count(srv->channels), 0);
	fake_linef(srv, alice, "JOIN %s", longest);
	fake_expect_has(alice, " JOIN #xxxx");
	assert_int_equal(alice->nchannels, 1);
	/* A comma splits the list: "b" is a name of its own, with no '#'. */
	fake_line(srv, alice, "JOIN #ok,b");
	fake_expect_has(alice, ":irc.local 403 alice b :No such channel\r\n");
	assert_true(is_member(srv, alice, "#ok"));
	/* '&' is a channel type too (CHANTYPES=#&). */
	fake_line(srv, alice, "JOIN &local");
	fake_expect_has(alice, ":alice!u@127.0.0.1 JOIN &local\r\n");
	free(longest);
	free(toolong);
}

static void
test_join_twice_is_silent(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");

	fake_line(srv, bob, "JOIN #c");
	fake_expect(bob, "");
	fake_expect(alice, "");
	assert_int_equal(bob->nchannels, 1);
	assert_int_equal(channel_find(srv, "#c")->nmembers, 2);
}

static void
test_join_chanlimit(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");

	/* ISUPPORT CHANLIMIT=#&:50. */
	for (int i = 0; i < 50; i++)
		fake_linef(srv, alice, "JOIN #c%d", i);
	assert_int_equal(alice->nchannels, 50);
	fake_drop_output(alice);
	fake_line(srv, alice, "JOIN #c50");
	fake_expect(alice, ":irc.local 405 alice #c50 :You have joined too many channels\r\n");
	assert_int_equal(alice->nchannels, 50);
	assert_null(channel_find(srv, "#c50"));
	/* Leaving one makes room again. */
	fake_line(srv, alice, "PART #c0");
	fake_line(srv, alice, "JOIN #c50");
	assert_true(is_member(srv, alice, "#c50"));
}

static void
test_join_invite_only(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_registered(srv, "carol");

	fake_line(srv, alice, "MODE #c +i");
	fake_drop_output(alice);
	fake_line(srv, bob, "JOIN #c");
	fake_expect(bob, ":irc.local 473 bob #c :Cannot join channel (+i)\r\n");
	fake_expect(alice, "");
	assert_false(is_member(srv, bob, "#c"));

	fake_line(srv, alice, "INVITE bob #c");
	fake_drop_all(srv);
	fake_line(srv, bob, "JOIN #c");
	fake_expect_has(bob, ":bob!u@127.0.0.1 JOIN #c\r\n");
	fake_expect(alice, ":bob!u@127.0.0.1 JOIN #c\r\n");
	/* The invitation is used up by joining. */
	fake_line(srv, bob, "PART #c");
	fake_drop_all(srv);
	fake_line(srv, bob, "JOIN #c");
	fake_expect(bob, ":irc.local 473 bob #c :Cannot join channel (+i)\r\n");

	/* An invite exception (+I) that matches lets bob in, not carol. */
	fake_line(srv, alice, "MODE #c +I bob!*@*");
	fake_drop_output(alice);
	fake_line(srv, bob, "JOIN #c");
	fake_expect_has(bob, ":bob!u@127.0.0.1 JOIN #c\r\n");
	fake_line(srv, carol, "JOIN #c");
	fake_expect(carol, ":irc.local 473 carol #c :Cannot join channel (+i)\r\n");
}

static void
test_join_key(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_registered(srv, "bob");

	fake_line(srv, alice, "MODE #c +k sesame");
	fake_drop_output(alice);
	fake_line(srv, bob, "JOIN #c");
	fake_expect(bob, ":irc.local 475 bob #c :Cannot join channel (+k)\r\n");
	fake_line(srv, bob, "JOIN #c wrong");
	fake_expect(bob, ":irc.local 475 bob #c :Cannot join channel (+k)\r\n");
	fake_line(srv, bob, "JOIN #c SESAME");
	fake_expect(bob, ":irc.local 475 bob #c :Cannot join channel (+k)\r\n");
	fake_expect(alice, "");
	fake_line(srv, bob, "JOIN #c sesame");
	fake_expect_has(bob, ":bob!u@127.0.0.1 JOIN #c\r\n");
	assert_true(is_member(srv, bob, "#c"));
}

static void
test_join_limit(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_registered(srv, "carol");

	fake_line(srv, alice, "MODE #c +l 2");
	fake_drop_output(alice);
	fake_line(srv, bob, "JOIN #c");
	fake_expect_has(bob, ":bob!u@127.0.0.1 JOIN #c\r\n");
	fake_drop_output(alice);
	fake_line(srv, carol, "JOIN #c");
	fake_expect(carol, ":irc.local 471 carol #c :Cannot join channel (+l)\r\n");
	fake_expect(alice, "");
	assert_int_equal(channel_find(srv, "#c")->nmembers, 2);
}

static void
test_join_ban_and_exception(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_registered(srv, "carol");

	fake_line(srv, alice, "MODE #c +b bob");
	fake_drop_output(alice);
	fake_line(srv, bob, "JOIN #c");
	fake_expect(bob, ":irc.local 474 bob #c :Cannot join channel (+b)\r\n");
	assert_false(is_member(srv, bob, "#c"));
	/* The ban is bob!*@*, which does not match carol. */
	fake_line(srv, carol, "JOIN #c");
	fake_expect_has(carol, ":carol!u@127.0.0.1 JOIN #c\r\n");
	/* A matching ban exception (+e) overrides the ban. */
	fake_line(srv, alice, "MODE #c +e bob!u@127.0.0.1");
	fake_drop_all(srv);
	fake_line(srv, bob, "JOIN #c");
	fake_expect_has(bob, ":bob!u@127.0.0.1 JOIN #c\r\n");
	assert_true(is_member(srv, bob, "#c"));
}

/* PART */

static void
test_part(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *carol = fake_registered(srv, "carol");

	fake_line(srv, bob, "PART #c :see you");
	fake_expect(bob, ":bob!u@127.0.0.1 PART #c :see you\r\n");
	fake_expect(alice, ":bob!u@127.0.0.1 PART #c :see you\r\n");
	assert_false(is_member(srv, bob, "#c"));
	assert_int_equal(bob->nchannels, 0);

	fake_line(srv, bob, "JOIN #c");
	fake_drop_all(srv);
	fake_line(srv, bob, "PART #c");
	fake_expect(bob, ":bob!u@127.0.0.1 PART #c\r\n");
	fake_expect(alice, ":bob!u@127.0.0.1 PART #c\r\n");

	fake_line(srv, bob, "PART #nope");
	fake_expect(bob, ":irc.local 403 bob #nope :No such channel\r\n");
	fake_line(srv, carol, "PART #c");
	fake_expect(carol, ":irc.local 442 carol #c :You're not on that channel\r\n");
	fake_line(srv, carol, "PART");
	fake_expect(carol, ":irc.local 461 carol PART :Not enough parameters\r\n");
	fake_expect(alice, "");

	/* A list: each name is handled on its own. */
	fake_line(srv, alice, "JOIN #d");
	fake_drop_output(alice);
	fake_line(srv, alice, "PART #nope,#d,#c :bye");
	fake_expect(alice,
	    ":irc.local 403 alice #nope :No such channel\r\n"
	    ":alice!u@127.0.0.1 PART #d :bye\r\n"
	    ":alice!u@127.0.0.1 PART #c :bye\r\n");
	assert_int_equal(alice->nchannels, 0);
}

static void
test_part_last_member_destroys(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");

	fake_line(srv, alice, "TOPIC #c :old");
	fake_line(srv, alice, "PART #c");
	assert_non_null(channel_find(srv, "#c"));
	fake_line(srv, bob, "PART #c");
	assert_null(channel_find(srv, "#c"));
	assert_int_equal(hmap_count(srv->channels), 0);
	fake_drop_all(srv);
	/* A new channel of that name: fresh state, the joiner is its op. */
	fake_line(srv, bob, "JOIN #c");
	fake_expect(bob,
	    ":bob!u@127.0.0.1 JOIN #c\r\n"
	    ":irc.local 353 bob = #c :@bob\r\n"
	    ":irc.local 366 bob #c :End of /NAMES list\r\n");
}

/* TOPIC */

static void
test_topic_query_and_set(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *carol = fake_registered(srv, "carol");

	fake_line(srv, alice, "TOPIC #c");
	fake_expect(alice, ":irc.local 331 alice #c :No topic is set\r\n");
	fake_advance(srv, 5);
	fake_line(srv, alice, "TOPIC #c :new topic here");
	fake_expect(alice, ":alice!u@127.0.0.1 TOPIC #c :new topic here\r\n");
	fake_expect(bob, ":alice!u@127.0.0.1 TOPIC #c :new topic here\r\n");
	fake_expect(carol, "");
	fake_advance(srv, 5);
	fake_line(srv, bob, "TOPIC #c");
	fake_expect(bob,
	    ":irc.local 332 bob #c :new topic here\r\n"
	    ":irc.local 333 bob #c alice!u@127.0.0.1 1700000005\r\n");
	fake_line(srv, bob, "TOPIC #nope");
	fake_expect(bob, ":irc.local 403 bob #nope :No such channel\r\n");
}

static void
test_topic_needs_op_when_t(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct channel *chan = channel_find(srv, "#c");

	fake_line(srv, alice, "TOPIC #c :by op");
	fake_drop_all(srv);
	/* New channels are +t. */
	fake_line(srv, bob, "TOPIC #c :by bob");
	fake_expect(bob, ":irc.local 482 bob #c :You're not channel operator\r\n");
	fake_expect(alice, "");
	assert_string_equal(chan->topic, "by op");

	fake_line(srv, alice, "MODE #c -t");
	fake_drop_all(srv);
	fake_line(srv, bob, "TOPIC #c :by bob");
	fake_expect(bob, ":bob!u@127.0.0.1 TOPIC #c :by bob\r\n");
	fake_expect(alice, ":bob!u@127.0.0.1 TOPIC #c :by bob\r\n");
	assert_string_equal(chan->topic, "by bob");
	assert_string_equal(chan->topic_by, "bob!u@127.0.0.1");
}

static void
test_topic_non_member(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *carol = fake_registered(srv, "carol");

	fake_line(srv, alice, "TOPIC #c :public");
	fake_drop_output(alice);
	fake_line(srv, carol, "TOPIC #c :mine");
	fake_expect(carol, ":irc.local 442 carol #c :You're not on that channel\r\n");
	fake_expect(alice, "");
	assert_string_equal(channel_find(srv, "#c")->topic, "public");
	/* Anyone may read the topic of a public channel... */
	fake_line(srv, carol, "TOPIC #c");
	fake_expect(carol,
	    ":irc.local 332 carol #c :public\r\n"
	    ":irc.local 333 carol #c alice!u@127.0.0.1 1700000000\r\n");
	/* ...but not of a secret one. */
	fake_line(srv, alice, "MODE #c +s");
	fake_drop_output(alice);
	fake_line(srv, carol, "TOPIC #c");
	fake_expect(carol, ":irc.local 442 carol #c :You're not on that channel\r\n");
}

static void
test_topic_truncated_to_topiclen(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	char *topic = repeat('t', 400), expect[IRC_LINE_MAX];

	fake_linef(srv, alice, "TOPIC #c :%s", topic);
	/* ISUPPORT TOPICLEN=390. */
	snprintf(expect, sizeof(expect), ":alice!u@127.0.0.1 TOPIC #c :%.390s\r\n", topic);
	fake_expect(alice, expect);
	fake_expect(bob, expect);
	assert_int_equal(strlen(channel_find(srv, "#c")->topic), IRC_TOPICLEN);
	fake_line(srv, bob, "TOPIC #c");
	snprintf(expect, sizeof(expect), ":irc.local 332 bob #c :%.390s\r\n", topic);
	fake_expect_has(bob, expect);
	free(topic);
}

static void
test_topic_empty_clears(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");

	fake_line(srv, alice, "TOPIC #c :something");
	fake_drop_all(srv);
	fake_line(srv, alice, "TOPIC #c :");
	fake_expect(alice, ":alice!u@127.0.0.1 TOPIC #c :\r\n");
	fake_expect(bob, ":alice!u@127.0.0.1 TOPIC #c :\r\n");
	assert_null(channel_find(srv, "#c")->topic);
	fake_line(srv, bob, "TOPIC #c");
	fake_expect(bob, ":irc.local 331 bob #c :No topic is set\r\n");
	/* A later joiner gets no 332 either. */
	{
		struct client *carol = fake_registered(srv, "carol");

		fake_line(srv, carol, "JOIN #c");
		assert_false(fake_output_has(carol, " 332 "));
		assert_false(fake_output_has(carol, " 331 "));
	}
}

/* NAMES */

static void
test_names_with_arg(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");

	fake_line(srv, bob, "NAMES #c");
	fake_expect(bob,
	    ":irc.local 353 bob = #c :@alice bob\r\n"
	    ":irc.local 366 bob #c :End of /NAMES list\r\n");
	fake_line(srv, bob, "NAMES #nope");
	fake_expect(bob, ":irc.local 366 bob #nope :End of /NAMES list\r\n");
	/* A list: 353 for each channel, once, then one 366 naming the list. */
	fake_line(srv, bob, "NAMES #nope,#c");
	fake_expect(bob,
	    ":irc.local 353 bob = #c :@alice bob\r\n"
	    ":irc.local 366 bob #nope,#c :End of /NAMES list\r\n");
	fake_line(srv, alice, "JOIN #d");
	fake_drop_output(alice);
	fake_line(srv, alice, "NAMES #c,#d,#C");
	fake_expect(alice,
	    ":irc.local 353 alice = #c :@alice bob\r\n"
	    ":irc.local 353 alice = #d :@alice\r\n"
	    ":irc.local 366 alice #c,#d,#C :End of /NAMES list\r\n");
	fake_expect(bob, "");
}

/* A JOIN list: a channel named twice costs once; past TARGMAX, 407. */
static void
test_join_list_bounded(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#t");
	struct client *bob = fake_registered(srv, "bob");
	char line[IRC_LINE_MAX];
	size_t n = (size_t)snprintf(line, sizeof(line), "JOIN ");

	fake_line(srv, op, "MODE #t +i");
	while (n < 400)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "#t,#T,");
	fake_line(srv, bob, line);
	fake_expect(bob, ":irc.local 473 bob #t :Cannot join channel (+i)\r\n");
	n = (size_t)snprintf(line, sizeof(line), "JOIN ");
	for (int i = 0; i < IRC_JOINTARGETS + 3; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "#j%d,", i);
	fake_line(srv, bob, line);
	assert_int_equal(bob->nchannels, IRC_JOINTARGETS);
	fake_expect_has(bob, ":irc.local 407 bob #j20 :Too many targets\r\n");
}

/* Invitations lowered by REHASH: the next one trims the list to max_invites. */
static void
test_invites_follow_lowered_max(void **state)
{
	struct server *srv = *state;
	struct client *op = fake_joined(srv, "op", "#c");
	char nick[32];

	for (int i = 0; i < 6; i++) {
		snprintf(nick, sizeof(nick), "guest%d", i);
		fake_registered(srv, nick);
		fake_linef(srv, op, "INVITE %s #c", nick);
	}
	assert_int_equal(channel_find(srv, "#c")->ninvites, 6);
	srv->cfg.max_invites = 2;
	fake_registered(srv, "late");
	fake_line(srv, op, "INVITE late #c");
	assert_int_equal(channel_find(srv, "#c")->ninvites, 2);
	assert_true(channel_is_invited(channel_find(srv, "#c"), client_find_nick(srv, "late")));
	assert_true(channel_is_invited(channel_find(srv, "#c"), client_find_nick(srv, "guest5")));
	assert_false(channel_is_invited(channel_find(srv, "#c"), client_find_nick(srv, "guest4")));
}

/* TARGMAX=NAMES:4 and repeats: a long list costs four channels at most. */
static void
test_names_list_bounded(void **state)
{
	struct server *srv = *state;
	struct client *bob = fake_joined(srv, "bob", "#c");
	char line[IRC_LINE_MAX];
	size_t n = (size_t)snprintf(line, sizeof(line), "NAMES ");

	while (n + 3 < sizeof(line) - 20)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "#c,");
	snprintf(line + n, sizeof(line) - n, "#a,#b,#d,#e,#f");
	fake_line(srv, bob, line);
	assert_int_equal(fake_output_count(bob, " 353 "), 1);
	assert_int_equal(fake_output_count(bob, " 366 "), 1);
	fake_expect_has(bob, ":irc.local 407 bob #e :Too many targets\r\n");
}

static void
test_names_without_arg(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_joined(srv, "carol", "#s");
	const char *end = ":irc.local 366 alice * :End of /NAMES list\r\n";
	char *out;

	fake_line(srv, carol, "MODE #s +s");
	fake_line(srv, alice, "JOIN #a,#b");
	fake_line(srv, bob, "JOIN #b");
	fake_drop_all(srv);
	fake_line(srv, alice, "NAMES");
	out = fake_take_output(alice);
	assert_non_null(strstr(out, ":irc.local 353 alice = #a :@alice\r\n"));
	assert_non_null(strstr(out, ":irc.local 353 alice = #b :@alice bob\r\n"));
	/* A secret channel is not shown to outsiders. */
	assert_null(strstr(out, "#s"));
	/* One end marker, for "*", and nothing after it. */
	assert_int_equal(strlen(out), strlen(":irc.local 353 alice = #a :@alice\r\n") +
	    strlen(":irc.local 353 alice = #b :@alice bob\r\n") + strlen(end));
	assert_string_equal(out + strlen(out) - strlen(end), end);
	free(out);
}

static void
test_names_hides_invisible_from_outsiders(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *carol = fake_registered(srv, "carol");
	struct client *dave = fake_registered(srv, "dave");

	fake_line(srv, carol, "MODE carol +i");
	fake_line(srv, carol, "JOIN #c");
	fake_drop_all(srv);
	fake_line(srv, dave, "NAMES #c");
	fake_expect(dave,
	    ":irc.local 353 dave = #c :@alice bob\r\n"
	    ":irc.local 366 dave #c :End of /NAMES list\r\n");
	fake_line(srv, bob, "NAMES #c");
	fake_expect(bob,
	    ":irc.local 353 bob = #c :@alice bob carol\r\n"
	    ":irc.local 366 bob #c :End of /NAMES list\r\n");
	fake_expect(alice, "");
}

static void
test_names_secret_and_private(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *dave = fake_registered(srv, "dave");

	fake_line(srv, alice, "MODE #c +s");
	fake_drop_output(alice);
	fake_line(srv, dave, "NAMES #c");
	fake_expect(dave, ":irc.local 366 dave #c :End of /NAMES list\r\n");
	fake_line(srv, dave, "NAMES");
	fake_expect(dave, ":irc.local 366 dave * :End of /NAMES list\r\n");
	/* RFC 2812 5.1 RPL_NAMREPLY: '@' secret, '*' private, '=' public. */
	fake_line(srv, alice, "NAMES #c");
	fake_expect(alice,
	    ":irc.local 353 alice @ #c :@alice\r\n"
	    ":irc.local 366 alice #c :End of /NAMES list\r\n");
	fake_line(srv, alice, "MODE #c -s+p");
	fake_drop_output(alice);
	fake_line(srv, alice, "NAMES #c");
	fake_expect(alice,
	    ":irc.local 353 alice * #c :@alice\r\n"
	    ":irc.local 366 alice #c :End of /NAMES list\r\n");
}

/* The nick of the i-th extra member: 3 to 30 bytes, unique by its digits. */
static void
split_nick(char *out, size_t outsz, int i)
{
	size_t len = 3 + (size_t)(i * 7) % 28;

	assert_true(outsz > len && i >= 0 && i < 100);
	snprintf(out, outsz, "n%02d", i % 100);
	memset(out + 3, 'x', len - 3);
	out[len] = '\0';
}

static void
test_names_split_under_512(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#big");
	const char *head = ":irc.local 353 alice = #big :";
	char nick[IRC_NICKLEN + 1], *out, *p, *e;
	unsigned lines = 0;

	/* 99 more members with nicks of mixed lengths: about 1.7 KiB. */
	for (int i = 0; i < 99; i++) {
		split_nick(nick, sizeof(nick), i);
		fake_joined(srv, nick, "#big");
	}
	assert_int_equal(channel_find(srv, "#big")->nmembers, 100);
	fake_line(srv, alice, "NAMES #big");
	out = fake_take_output(alice);
	assert_lines_fit(out);
	assert_non_null(strstr(out, ":irc.local 353 alice = #big :@alice "));
	/* Every 353 but the last is well filled, not one nick per line. */
	for (p = out; (p = strstr(p, head)) != NULL; p = e) {
		e = strstr(p, "\r\n");
		lines++;
		if (strstr(e, head) != NULL)
			assert_true(e + 2 - p > 400);
	}
	assert_true(lines >= 4);
	for (int i = 0; i < 99; i++) {
		size_t n;

		split_nick(nick, sizeof(nick), i);
		n = strlen(nick);
		/* Each nick whole and exactly once: no nick is cut by the limit. */
		p = strstr(out, nick);
		if (p == NULL)
			fail_msg("%s missing", nick);
		assert_true(p[-1] == ' ' || p[-1] == ':');
		assert_true(p[n] == ' ' || p[n] == '\r');
		assert_null(strstr(p + n, nick));
	}
	assert_non_null(strstr(out, ":irc.local 366 alice #big :End of /NAMES list\r\n"));
	free(out);
}

static void
test_names_multi_prefix_and_userhost(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *carol = fake_registered(srv, "carol");
	struct client *dave = fake_registered(srv, "dave");

	fake_line(srv, alice, "MODE #c +v alice");
	fake_drop_all(srv);
	/* Without multi-prefix only the highest prefix shows. */
	fake_line(srv, bob, "NAMES #c");
	fake_expect(bob,
	    ":irc.local 353 bob = #c :@alice bob\r\n"
	    ":irc.local 366 bob #c :End of /NAMES list\r\n");
	fake_cap_on(srv, carol, "multi-prefix");
	fake_line(srv, carol, "NAMES #c");
	fake_expect(carol,
	    ":irc.local 353 carol = #c :@+alice bob\r\n"
	    ":irc.local 366 carol #c :End of /NAMES list\r\n");
	fake_cap_on(srv, dave, "userhost-in-names");
	fake_line(srv, dave, "NAMES #c");
	fake_expect(dave,
	    ":irc.local 353 dave = #c :@alice!u@127.0.0.1 bob!u@127.0.0.1\r\n"
	    ":irc.local 366 dave #c :End of /NAMES list\r\n");
	fake_cap_on(srv, dave, "multi-prefix");
	fake_line(srv, dave, "NAMES #c");
	fake_expect(dave,
	    ":irc.local 353 dave = #c :@+alice!u@127.0.0.1 bob!u@127.0.0.1\r\n"
	    ":irc.local 366 dave #c :End of /NAMES list\r\n");
	/* The names sent on JOIN follow the same rules. */
	fake_line(srv, dave, "JOIN #c");
	fake_expect_has(dave,
	    ":irc.local 353 dave = #c :@+alice!u@127.0.0.1 bob!u@127.0.0.1 "
	    "dave!u@127.0.0.1\r\n");
}

/* LIST */

static void
test_list_basic(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *carol = fake_registered(srv, "carol");

	fake_joined(srv, "bob", "#c");
	fake_line(srv, alice, "TOPIC #c :chat here");
	fake_drop_all(srv);
	fake_line(srv, carol, "LIST");
	fake_expect(carol,
	    ":irc.local 321 carol Channel :Users  Name\r\n"
	    ":irc.local 322 carol #c 2 :chat here\r\n"
	    ":irc.local 323 carol :End of /LIST\r\n");
	fake_line(srv, alice, "TOPIC #c :");
	fake_drop_all(srv);
	fake_line(srv, carol, "LIST");
	fake_expect(carol,
	    ":irc.local 321 carol Channel :Users  Name\r\n"
	    ":irc.local 322 carol #c 2 :\r\n"
	    ":irc.local 323 carol :End of /LIST\r\n");
}

static void
test_list_hides_secret(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#s");
	struct client *carol = fake_registered(srv, "carol");

	fake_line(srv, alice, "MODE #s +s");
	fake_line(srv, alice, "TOPIC #s :hidden");
	fake_drop_output(alice);
	fake_line(srv, carol, "LIST");
	fake_expect(carol,
	    ":irc.local 321 carol Channel :Users  Name\r\n"
	    ":irc.local 323 carol :End of /LIST\r\n");
	fake_line(srv, alice, "LIST");
	fake_expect(alice,
	    ":irc.local 321 alice Channel :Users  Name\r\n"
	    ":irc.local 322 alice #s 1 :hidden\r\n"
	    ":irc.local 323 alice :End of /LIST\r\n");
}

static void
test_list_filters(void **state)
{
	struct server *srv = *state;
	struct client *carol = fake_registered(srv, "carol");
	const char *a = ":irc.local 322 carol #a 1 :\r\n";
	const char *ab = ":irc.local 322 carol #ab 2 :\r\n";
	const char *b = ":irc.local 322 carol #b 3 :\r\n";
	static const struct {
		const char *filter;
		bool a, ab, b;
	} cases[] = {
		{ ">1", false, true, true },
		{ "<3", true, true, false },
		{ "#a*", true, true, false },
		{ "!#a*", false, false, true },
		{ ">1,#a*", false, true, false },
		{ "#B", false, false, true },
		{ "<1", false, false, false },
	};

	fake_joined(srv, "u1", "#a");
	fake_joined(srv, "u2", "#ab");
	fake_joined(srv, "u3", "#ab");
	fake_joined(srv, "u4", "#b");
	fake_joined(srv, "u5", "#b");
	fake_joined(srv, "u6", "#b");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_linef(srv, carol, "LIST %s", cases[i].filter);
		assert_int_equal(fake_output_has(carol, a), cases[i].a);
		assert_int_equal(fake_output_has(carol, ab), cases[i].ab);
		assert_int_equal(fake_output_has(carol, b), cases[i].b);
		assert_int_equal(fake_output_count(carol, " 322 "),
		    cases[i].a + cases[i].ab + cases[i].b);
		assert_int_equal(fake_output_count(carol, ":irc.local 323 carol :End of /LIST\r\n"), 1);
		fake_drop_output(carol);
	}
}

/*
 * ELIST C and T: channel and topic age in minutes, "<n" younger, ">n"
 * older; a channel with no topic meets no T condition.
 */
static void
test_list_time_filters(void **state)
{
	struct server *srv = *state;
	struct client *carol = fake_registered(srv, "carol");
	struct client *u1 = fake_joined(srv, "u1", "#old");
	struct client *u2;
	static const struct {
		const char *filter;
		bool old, young, bare;
	} cases[] = {
		{ "C>2", true, false, false },
		{ "c>2", true, false, false },
		{ "C<2", false, true, true },
		{ "C<0", false, false, false },
		{ "C>0", true, true, false },
		{ "C<10", true, true, true },
		{ "T>2", true, false, false },
		{ "T<2", false, true, false },
		{ "T<0", false, false, false },
		{ "T>0", true, true, false },
		{ "t<10", true, true, false },
		{ "C<10,T>2", true, false, false },
		{ "#old,#young C>0", true, true, false },
		{ "C>99999999999999999999", false, false, false },
		{ "C<99999999999999999999", true, true, true },
		{ "T<-5,C>x", false, false, false },
		{ "C", false, false, false },
		{ "C=1", false, false, false },
	};

	fake_line(srv, u1, "TOPIC #old :first");
	fake_advance(srv, 180);
	u2 = fake_joined(srv, "u2", "#young");
	fake_line(srv, u2, "TOPIC #young :second");
	fake_advance(srv, 60);
	fake_joined(srv, "u3", "#bare");
	fake_drop_all(srv);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_linef(srv, carol, "LIST %s", cases[i].filter);
		if (fake_output_has(carol, " 322 carol #old ") != cases[i].old ||
		    fake_output_has(carol, " 322 carol #young ") != cases[i].young ||
		    fake_output_has(carol, " 322 carol #bare ") != cases[i].bare)
			fail_msg("LIST %s", cases[i].filter);
		assert_int_equal(fake_output_count(carol, " 322 "),
		    cases[i].old + cases[i].young + cases[i].bare);
		assert_int_equal(fake_output_count(carol, " 323 carol :End of /LIST\r\n"), 1);
		fake_drop_output(carol);
	}
	fake_line(srv, carol, "VERSION");
	fake_expect_has(carol, " ELIST=CMNTU ");
}

/* INVITE */

static void
test_invite(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_joined(srv, "carol", "#c");

	fake_line(srv, alice, "INVITE bob #c");
	fake_expect(alice, ":irc.local 341 alice bob #c\r\n");
	fake_expect(bob, ":alice!u@127.0.0.1 INVITE bob :#c\r\n");
	/* Members without invite-notify hear nothing. */
	fake_expect(carol, "");
	/* Any member may invite to a channel that is not +i. */
	fake_line(srv, carol, "INVITE bob #C");
	fake_expect(carol, ":irc.local 341 carol bob #c\r\n");
	fake_expect(bob, ":carol!u@127.0.0.1 INVITE bob :#c\r\n");
}

static void
test_invite_errors(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_registered(srv, "carol");
	struct client *dave = fake_joined(srv, "dave", "#c");

	fake_line(srv, alice, "INVITE nobody #c");
	fake_expect(alice, ":irc.local 401 alice nobody :No such nick/channel\r\n");
	fake_line(srv, alice, "INVITE bob #nope");
	fake_expect(alice, ":irc.local 403 alice #nope :No such channel\r\n");
	fake_line(srv, carol, "INVITE bob #c");
	fake_expect(carol, ":irc.local 442 carol #c :You're not on that channel\r\n");
	fake_line(srv, alice, "INVITE dave #c");
	fake_expect(alice, ":irc.local 443 alice dave #c :is already on channel\r\n");
	fake_line(srv, alice, "INVITE bob");
	fake_expect(alice, ":irc.local 461 alice INVITE :Not enough parameters\r\n");
	fake_line(srv, alice, "MODE #c +i");
	fake_drop_all(srv);
	fake_line(srv, dave, "INVITE bob #c");
	fake_expect(dave, ":irc.local 482 dave #c :You're not channel operator\r\n");
	/* None of these reached the target. */
	fake_expect(bob, "");
	fake_line(srv, bob, "JOIN #c");
	fake_expect(bob, ":irc.local 473 bob #c :Cannot join channel (+i)\r\n");
}

static void
test_invite_away_target(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_registered(srv, "bob");

	fake_line(srv, bob, "AWAY :out for lunch");
	fake_drop_output(bob);
	fake_line(srv, alice, "INVITE bob #c");
	fake_expect(alice,
	    ":irc.local 341 alice bob #c\r\n"
	    ":irc.local 301 alice bob :out for lunch\r\n");
	fake_expect(bob, ":alice!u@127.0.0.1 INVITE bob :#c\r\n");
}

static void
test_invite_notify(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_registered(srv, "bob");
	struct client *carol = fake_joined(srv, "carol", "#c");
	struct client *dave = fake_joined(srv, "dave", "#c");
	struct client *erin = fake_joined(srv, "erin", "#c");
	const char *note = ":alice!u@127.0.0.1 INVITE bob #c\r\n";

	fake_cap_on(srv, alice, "invite-notify");
	fake_cap_on(srv, carol, "invite-notify");
	fake_cap_on(srv, dave, "invite-notify");
	fake_line(srv, alice, "MODE #c +o carol");
	fake_drop_all(srv);
	/* Not +i: every member with the capability, but not the inviter. */
	fake_line(srv, alice, "INVITE bob #c");
	fake_expect(alice, ":irc.local 341 alice bob #c\r\n");
	fake_expect(carol, note);
	fake_expect(dave, note);
	fake_expect(erin, "");
	fake_expect(bob, ":alice!u@127.0.0.1 INVITE bob :#c\r\n");
	/* +i: only the channel operators, who could have invited too. */
	fake_line(srv, alice, "MODE #c +i");
	fake_drop_all(srv);
	fake_line(srv, alice, "INVITE bob #c");
	fake_expect(carol, note);
	fake_expect(dave, "");
	fake_expect(erin, "");
}

/* KICK */

static void
test_kick(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *carol = fake_joined(srv, "carol", "#c");
	const char *kick = ":alice!u@127.0.0.1 KICK #c bob :alice\r\n";

	/* Without a reason, the kicker's nick is the reason. */
	fake_line(srv, alice, "KICK #c bob");
	fake_expect(alice, kick);
	fake_expect(bob, kick);
	fake_expect(carol, kick);
	assert_false(is_member(srv, bob, "#c"));
	assert_int_equal(bob->nchannels, 0);
	assert_int_equal(channel_find(srv, "#c")->nmembers, 2);
	/* Kicked users hear nothing more from the channel. */
	fake_line(srv, carol, "PRIVMSG #c :hi");
	fake_expect(bob, "");
	fake_expect(alice, ":carol!u@127.0.0.1 PRIVMSG #c :hi\r\n");

	fake_line(srv, alice, "KICK #c carol :behave");
	fake_expect(alice, ":alice!u@127.0.0.1 KICK #c carol :behave\r\n");
	fake_expect(carol, ":alice!u@127.0.0.1 KICK #c carol :behave\r\n");
	fake_line(srv, alice, "NAMES #c");
	fake_expect_has(alice, ":irc.local 353 alice = #c :@alice\r\n");
}

static void
test_kick_errors(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *dave = fake_registered(srv, "dave");

	fake_line(srv, bob, "KICK #c alice");
	fake_expect(bob, ":irc.local 482 bob #c :You're not channel operator\r\n");
	fake_expect(alice, "");
	fake_line(srv, alice, "KICK #c dave");
	fake_expect(alice, ":irc.local 441 alice dave #c :They aren't on that channel\r\n");
	fake_line(srv, alice, "KICK #c nobody");
	fake_expect(alice, ":irc.local 401 alice nobody :No such nick/channel\r\n");
	fake_line(srv, alice, "KICK #nope bob");
	fake_expect(alice, ":irc.local 403 alice #nope :No such channel\r\n");
	fake_line(srv, dave, "KICK #c bob");
	fake_expect(dave, ":irc.local 442 dave #c :You're not on that channel\r\n");
	fake_line(srv, alice, "KICK #c");
	fake_expect(alice, ":irc.local 461 alice KICK :Not enough parameters\r\n");
	fake_expect(bob, "");
	assert_true(is_member(srv, bob, "#c"));
}

static void
test_kick_several(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *carol = fake_joined(srv, "carol", "#c");

	fake_line(srv, alice, "KICK #c bob,nobody,carol :cleanup");
	fake_expect(alice,
	    ":alice!u@127.0.0.1 KICK #c bob :cleanup\r\n"
	    ":irc.local 401 alice nobody :No such nick/channel\r\n"
	    ":alice!u@127.0.0.1 KICK #c carol :cleanup\r\n");
	/* Bob was gone when carol was kicked. */
	fake_expect(bob, ":alice!u@127.0.0.1 KICK #c bob :cleanup\r\n");
	fake_expect(carol,
	    ":alice!u@127.0.0.1 KICK #c bob :cleanup\r\n"
	    ":alice!u@127.0.0.1 KICK #c carol :cleanup\r\n");
	assert_int_equal(channel_find(srv, "#c")->nmembers, 1);
}

static void
test_kick_channel_pairs(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *carol = fake_registered(srv, "carol");

	fake_line(srv, alice, "JOIN #d");
	fake_line(srv, carol, "JOIN #d");
	fake_line(srv, bob, "JOIN #d");
	fake_drop_all(srv);
	/* RFC 2812 3.2.8: with several channels, channels and nicks pair up. */
	fake_line(srv, alice, "KICK #c,#d bob,carol :out");
	fake_expect(alice,
	    ":alice!u@127.0.0.1 KICK #c bob :out\r\n"
	    ":alice!u@127.0.0.1 KICK #d carol :out\r\n");
	fake_expect(bob,
	    ":alice!u@127.0.0.1 KICK #c bob :out\r\n"
	    ":alice!u@127.0.0.1 KICK #d carol :out\r\n");
	fake_expect(carol, ":alice!u@127.0.0.1 KICK #d carol :out\r\n");
	assert_false(is_member(srv, bob, "#c"));
	assert_true(is_member(srv, bob, "#d"));
	assert_false(is_member(srv, carol, "#d"));
}

static void
test_kick_reason_truncated(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	char *reason = repeat('r', 400), expect[IRC_LINE_MAX];

	fake_linef(srv, alice, "KICK #c bob :%s", reason);
	/* ISUPPORT KICKLEN=390. */
	snprintf(expect, sizeof(expect), ":alice!u@127.0.0.1 KICK #c bob :%.390s\r\n", reason);
	fake_expect(bob, expect);
	fake_expect(alice, expect);
	free(reason);
}

/*
 * SAFELIST: a LIST of 2000 channels with long topics never queues much
 * more than 32 KiB; each time the queue drains the next part follows,
 * and every channel is listed exactly once before 323.
 */
static void
test_list_paced(void **state)
{
	struct server *srv = *state;
	struct client *op = NULL;
	struct client *alice = fake_registered(srv, "alice");
	char line[IRC_LINE_MAX], *out;
	size_t listed = 0, rounds = 0;
	bool ended = false;

	for (int i = 0; i < 2000; i++) {
		/* CHANLIMIT is 50: a new creator every 50 channels. */
		if (i % 50 == 0) {
			snprintf(line, sizeof(line), "op%d", i / 50);
			op = fake_registered(srv, line);
		}
		snprintf(line, sizeof(line), "JOIN #p%d", i);
		fake_line(srv, op, line);
		snprintf(line, sizeof(line), "TOPIC #p%d :%0300d", i, i);
		fake_line(srv, op, line);
	}
	fake_drop_all(srv);
	fake_line(srv, alice, "LIST");
	while (!ended && rounds++ < 1000) {
		assert_true(buf_len(&alice->local->sendq) < 32 * 1024 + IRC_LINE_MAX);
		out = fake_take_output(alice);
		for (const char *p = out; (p = strstr(p, " 322 alice #p")) != NULL; p++)
			listed++;
		ended = strstr(out, " 323 alice :End of /LIST") != NULL;
		free(out);
		if (!ended)
			server_on_drained(srv, alice);
	}
	assert_true(ended);
	assert_int_equal(listed, 2000);
	assert_true(rounds > 10);
	/* The LIST is over: its state (and the rarely used part it took) is gone. */
	assert_null(alice->local->extra);
}

/* STYLE.md: every x_free() accepts NULL, and freeing NULL changes nothing. */
static void
test_channel_free_null(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");

	fake_line(srv, alice, "JOIN #keep");
	channel_free(srv, NULL);
	assert_int_equal(hmap_count(srv->channels), 1);
	assert_true(is_member(srv, alice, "#keep"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
		T(test_join_creates_channel),
		T(test_channel_free_null),
		T(test_join_echoed_to_members),
		T(test_join_sends_topic),
		T(test_join_list_with_keys),
		T(test_join_zero_parts_all),
		T(test_join_bad_names),
		T(test_join_twice_is_silent),
		T(test_join_chanlimit),
		T(test_join_invite_only),
		T(test_join_key),
		T(test_join_limit),
		T(test_join_ban_and_exception),
		T(test_part),
		T(test_part_last_member_destroys),
		T(test_topic_query_and_set),
		T(test_topic_needs_op_when_t),
		T(test_topic_non_member),
		T(test_topic_truncated_to_topiclen),
		T(test_topic_empty_clears),
		T(test_names_with_arg),
		T(test_names_list_bounded),
		T(test_join_list_bounded),
		T(test_invites_follow_lowered_max),
	T(test_names_list_bounded),
		T(test_names_without_arg),
		T(test_names_hides_invisible_from_outsiders),
		T(test_names_secret_and_private),
		T(test_names_split_under_512),
		T(test_names_multi_prefix_and_userhost),
		T(test_list_basic),
		T(test_list_hides_secret),
		T(test_list_filters),
		T(test_list_time_filters),
		T(test_list_paced),
		T(test_invite),
		T(test_invite_errors),
		T(test_invite_away_target),
		T(test_invite_notify),
		T(test_kick),
		T(test_kick_errors),
		T(test_kick_several),
		T(test_kick_channel_pairs),
		T(test_kick_reason_truncated),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
