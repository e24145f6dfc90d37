/*
 * Handler tests for MODE (cmd_mode.c), driven through server_on_line()
 * with fake clients: channel mode queries, flags, k and l, o and v, the
 * b/e/I lists with their limits, the privilege checks and their numerics,
 * and user modes. Announcements are checked byte for byte.
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
#include "irc.h"
#include "server.h"

static struct membership *
member(struct server *srv, struct client *cli, const char *name)
{
	struct channel *chan = channel_find(srv, name);

	assert_non_null(chan);
	return channel_member(chan, cli);
}

/* Channel queries and flags */

static void
test_mode_query_default(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *carol = fake_registered(srv, "carol");

	/* 329 is the creation time, not the time of the query. */
	fake_advance(srv, 100);
	fake_line(srv, alice, "MODE #c");
	fake_expect(alice,
	    ":irc.local 324 alice #c +nt\r\n"
	    ":irc.local 329 alice #c 1700000000\r\n");
	fake_line(srv, carol, "MODE #C");
	fake_expect(carol,
	    ":irc.local 324 carol #c +nt\r\n"
	    ":irc.local 329 carol #c 1700000000\r\n");
	fake_line(srv, carol, "MODE #nope");
	fake_expect(carol, ":irc.local 403 carol #nope :No such channel\r\n");
	fake_line(srv, carol, "MODE");
	fake_expect(carol, ":irc.local 461 carol MODE :Not enough parameters\r\n");
}

static void
test_mode_key_shown_to_members_only(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct client *carol = fake_registered(srv, "carol");

	fake_line(srv, alice, "MODE #c +kl sesame 10");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c +kl sesame 10\r\n");
	fake_expect(bob, ":alice!u@127.0.0.1 MODE #c +kl sesame 10\r\n");
	fake_expect(carol, "");
	fake_line(srv, bob, "MODE #c");
	fake_expect(bob,
	    ":irc.local 324 bob #c +ntkl sesame 10\r\n"
	    ":irc.local 329 bob #c 1700000000\r\n");
	fake_line(srv, carol, "MODE #c");
	fake_expect(carol,
	    ":irc.local 324 carol #c +ntkl 10\r\n"
	    ":irc.local 329 carol #c 1700000000\r\n");
}

static void
test_mode_kl_minus_i(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct channel *chan = channel_find(srv, "#c");

	/* Only what changed is announced: -i was not set, so it is left out. */
	fake_line(srv, alice, "MODE #c +kl-i key 10");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c +kl key 10\r\n");
	fake_expect(bob, ":alice!u@127.0.0.1 MODE #c +kl key 10\r\n");
	assert_string_equal(chan->key, "key");
	assert_int_equal(chan->limit, 10);

	fake_line(srv, alice, "MODE #c -kl+i");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c -kl+i *\r\n");
	fake_drop_output(bob);
	assert_string_equal(chan->key, "");
	assert_int_equal(chan->limit, 0);
	assert_true(chan->modes & CMODE_INVITE);

	fake_line(srv, alice, "MODE #c +kl-i key 10");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c +kl-i key 10\r\n");
	fake_expect(bob, ":alice!u@127.0.0.1 MODE #c +kl-i key 10\r\n");
	assert_false(chan->modes & CMODE_INVITE);
}

static void
test_mode_flags(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");

	/* n and t are already set, so only imps changes. */
	fake_line(srv, alice, "MODE #c +imnpst");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c +imps\r\n");
	fake_expect(bob, ":alice!u@127.0.0.1 MODE #c +imps\r\n");
	fake_line(srv, alice, "MODE #c");
	fake_expect(alice,
	    ":irc.local 324 alice #c +imnpst\r\n"
	    ":irc.local 329 alice #c 1700000000\r\n");
	/* Setting what is set already announces nothing. */
	fake_line(srv, alice, "MODE #c +s");
	fake_expect(alice, "");
	fake_expect(bob, "");
	fake_line(srv, alice, "MODE #c -imnpst");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c -imnpst\r\n");
	fake_line(srv, alice, "MODE #c");
	fake_expect_has(alice, ":irc.local 324 alice #c +\r\n");
}

/* Prefix modes */

static void
test_mode_op_voice(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");

	fake_line(srv, alice, "MODE #c +o bob");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c +o bob\r\n");
	fake_expect(bob, ":alice!u@127.0.0.1 MODE #c +o bob\r\n");
	assert_true(member(srv, bob, "#c")->prefix & MEMBER_OP);
	/* Already op: nothing to announce. */
	fake_line(srv, alice, "MODE #c +o BOB");
	fake_expect(alice, "");
	fake_line(srv, alice, "MODE #c -o bob");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c -o bob\r\n");
	fake_expect(bob, ":alice!u@127.0.0.1 MODE #c -o bob\r\n");
	assert_false(member(srv, bob, "#c")->prefix & MEMBER_OP);
	fake_line(srv, alice, "MODE #c +v bob");
	fake_expect(bob, ":alice!u@127.0.0.1 MODE #c +v bob\r\n");
	assert_true(member(srv, bob, "#c")->prefix & MEMBER_VOICE);
	fake_line(srv, alice, "MODE #c -v+o bob bob");
	fake_expect(bob, ":alice!u@127.0.0.1 MODE #c -v+o bob bob\r\n");
	assert_int_equal(member(srv, bob, "#c")->prefix, MEMBER_OP);
	fake_drop_output(alice);
	/* A new op can use it at once. */
	fake_line(srv, bob, "MODE #c -o alice");
	fake_expect(alice, ":bob!u@127.0.0.1 MODE #c -o alice\r\n");
}

static void
test_mode_op_bad_targets(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");

	fake_registered(srv, "carol");
	fake_line(srv, alice, "MODE #c +o nobody");
	fake_expect(alice, ":irc.local 401 alice nobody :No such nick/channel\r\n");
	fake_line(srv, alice, "MODE #c +v carol");
	fake_expect(alice, ":irc.local 441 alice carol #c :They aren't on that channel\r\n");
	fake_line(srv, alice, "MODE #c +o");
	fake_expect(alice, ":irc.local 461 alice MODE :Not enough parameters\r\n");
	fake_line(srv, alice, "MODE #c +o :");
	fake_expect(alice, ":irc.local 401 alice * :No such nick/channel\r\n");
	/* The good change in a mixed command still goes through. */
	fake_line(srv, alice, "MODE #c +oo nobody bob");
	fake_expect(alice,
	    ":irc.local 401 alice nobody :No such nick/channel\r\n"
	    ":alice!u@127.0.0.1 MODE #c +o bob\r\n");
	fake_expect(bob, ":alice!u@127.0.0.1 MODE #c +o bob\r\n");
}

/* Privileges */

static void
test_mode_needs_op(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct channel *chan = channel_find(srv, "#c");

	/* One 482 per command, however many changes it asked for. */
	fake_line(srv, bob, "MODE #c +im-t+k key");
	fake_expect(bob, ":irc.local 482 bob #c :You're not channel operator\r\n");
	fake_expect(alice, "");
	assert_int_equal(chan->modes, CMODE_NOEXTERNAL | CMODE_TOPIC);
	assert_string_equal(chan->key, "");
	fake_line(srv, bob, "MODE #c +o bob");
	fake_expect(bob, ":irc.local 482 bob #c :You're not channel operator\r\n");
	assert_int_equal(member(srv, bob, "#c")->prefix, 0);
	fake_line(srv, bob, "MODE #c +b alice");
	fake_expect(bob, ":irc.local 482 bob #c :You're not channel operator\r\n");
	assert_int_equal(chan->bans.n, 0);
	/* Viewing is not changing: lists and the mode query need no op. */
	fake_line(srv, bob, "MODE #c +b");
	fake_expect(bob, ":irc.local 368 bob #c :End of channel ban list\r\n");
}

static void
test_mode_non_member(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *carol = fake_registered(srv, "carol");

	/* RFC 1459 4.2.3 lists ERR_NOTONCHANNEL for this case. */
	fake_line(srv, carol, "MODE #c +i");
	fake_expect(carol, ":irc.local 442 carol #c :You're not on that channel\r\n");
	fake_expect(alice, "");
	assert_false(channel_find(srv, "#c")->modes & CMODE_INVITE);
}

static void
test_mode_unknown_letter(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");

	fake_line(srv, alice, "MODE #c +x");
	fake_expect(alice, ":irc.local 472 alice x :is unknown mode char to me\r\n");
	fake_line(srv, alice, "MODE #c +Xi");
	fake_expect(alice,
	    ":irc.local 472 alice X :is unknown mode char to me\r\n"
	    ":alice!u@127.0.0.1 MODE #c +i\r\n");
}

/* k and l */

static void
test_mode_key_errors(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	struct channel *chan = channel_find(srv, "#c");

	fake_line(srv, alice, "MODE #c +k a,b");
	fake_expect(alice, ":irc.local 696 alice #c k a,b :Invalid key\r\n");
	fake_expect(bob, "");
	assert_string_equal(chan->key, "");
	/*
	 * A key that cannot stand as a middle parameter (empty, spaces, a
	 * leading ':') is shown as "*" in 696, so the reply keeps its shape.
	 */
	fake_line(srv, alice, "MODE #c +k :");
	fake_expect(alice, ":irc.local 696 alice #c k * :Invalid key\r\n");
	fake_line(srv, alice, "MODE #c +k : ");
	fake_expect(alice, ":irc.local 696 alice #c k * :Invalid key\r\n");
	fake_line(srv, alice, "MODE #c +k :passphrase with spaces");
	fake_expect(alice, ":irc.local 696 alice #c k * :Invalid key\r\n");
	fake_line(srv, alice, "MODE #c +k ::x");
	fake_expect(alice, ":irc.local 696 alice #c k * :Invalid key\r\n");
	fake_expect(bob, "");
	assert_string_equal(chan->key, "");
	fake_line(srv, alice, "MODE #c +k");
	fake_expect(alice, ":irc.local 461 alice MODE :Not enough parameters\r\n");
	fake_line(srv, alice, "MODE #c +k first");
	fake_drop_all(srv);
	fake_line(srv, alice, "MODE #c +k second");
	fake_expect(alice, ":irc.local 467 alice #c :Channel key already set\r\n");
	assert_string_equal(chan->key, "first");
	/* -k needs no parameter; the key is not revealed when removed. */
	fake_line(srv, alice, "MODE #c -k");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c -k *\r\n");
	fake_expect(bob, ":alice!u@127.0.0.1 MODE #c -k *\r\n");
	assert_string_equal(chan->key, "");
	fake_line(srv, alice, "MODE #c -k");
	fake_expect(alice, "");
}

static void
test_mode_limit_errors(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct channel *chan = channel_find(srv, "#c");

	fake_line(srv, alice, "MODE #c +l abc");
	fake_expect(alice, ":irc.local 696 alice #c l abc :Invalid limit\r\n");
	fake_line(srv, alice, "MODE #c +l 0");
	fake_expect(alice, ":irc.local 696 alice #c l 0 :Invalid limit\r\n");
	fake_line(srv, alice, "MODE #c +l -5");
	fake_expect(alice, ":irc.local 696 alice #c l -5 :Invalid limit\r\n");
	fake_line(srv, alice, "MODE #c +l 12x");
	fake_expect(alice, ":irc.local 696 alice #c l 12x :Invalid limit\r\n");
	fake_line(srv, alice, "MODE #c +l :");
	fake_expect(alice, ":irc.local 696 alice #c l * :Invalid limit\r\n");
	fake_line(srv, alice, "MODE #c +l :1 2");
	fake_expect(alice, ":irc.local 696 alice #c l * :Invalid limit\r\n");
	fake_line(srv, alice, "MODE #c +l");
	fake_expect(alice, ":irc.local 461 alice MODE :Not enough parameters\r\n");
	assert_int_equal(chan->limit, 0);
	fake_line(srv, alice, "MODE #c +l 5");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c +l 5\r\n");
	fake_line(srv, alice, "MODE #c +l 5");
	fake_expect(alice, "");
	fake_line(srv, alice, "MODE #c -l");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c -l\r\n");
	assert_int_equal(chan->limit, 0);
}

static void
test_mode_modes_limit(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct channel *chan = channel_find(srv, "#c");

	/* ISUPPORT MODES=6: changes with a parameter past the sixth are dropped. */
	fake_line(srv, alice, "MODE #c +bbbbbbbb a b c d e f g h");
	fake_expect(alice,
	    ":alice!u@127.0.0.1 MODE #c +bbbbbb a!*@* b!*@* c!*@* d!*@* e!*@* f!*@*\r\n");
	assert_int_equal(chan->bans.n, 6);
	/* Flags do not count against the limit. */
	fake_line(srv, alice, "MODE #c +ibbbbbbmbb a1 b1 c1 d1 e1 f1 g1 h1");
	fake_expect(alice,
	    ":alice!u@127.0.0.1 MODE #c +ibbbbbbm a1!*@* b1!*@* c1!*@* d1!*@* e1!*@* f1!*@*\r\n");
	assert_int_equal(chan->bans.n, 12);
}

/* b e I lists */

static void
test_mode_lists(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");
	static const struct {
		char letter;
		const char *item, *end;
	} lists[] = {
		{ 'b', "367", "368 alice #c :End of channel ban list" },
		{ 'e', "348", "349 alice #c :End of channel exception list" },
		{ 'I', "346", "347 alice #c :End of channel invite exception list" },
	};
	char expect[IRC_LINE_MAX * 2];

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		char l = lists[i].letter;

		fake_advance(srv, 1);
		fake_linef(srv, alice, "MODE #c +%c bob", l);
		snprintf(expect, sizeof(expect), ":alice!u@127.0.0.1 MODE #c +%c bob!*@*\r\n", l);
		fake_expect(alice, expect);
		fake_expect(bob, expect);
		fake_linef(srv, alice, "MODE #c %c", l);
		snprintf(expect, sizeof(expect),
		    ":irc.local %s alice #c bob!*@* alice!u@127.0.0.1 %ld\r\n"
		    ":irc.local %s\r\n", lists[i].item, (long)srv->now, lists[i].end);
		fake_expect(alice, expect);
		fake_linef(srv, alice, "MODE #c -%c bob", l);
		snprintf(expect, sizeof(expect), ":alice!u@127.0.0.1 MODE #c -%c bob!*@*\r\n", l);
		fake_expect(alice, expect);
		fake_expect(bob, expect);
		/* Removing what is not there announces nothing. */
		fake_linef(srv, alice, "MODE #c -%c bob", l);
		fake_expect(alice, "");
		fake_linef(srv, alice, "MODE #c +%c", l);
		snprintf(expect, sizeof(expect), ":irc.local %s\r\n", lists[i].end);
		fake_expect(alice, expect);
	}
}

static void
test_mode_mask_normalised(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");

	fake_line(srv, alice, "MODE #c +bbbb bob u@h n!u a!b@c");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c +bbbb bob!*@* *!u@h n!u@* a!b@c\r\n");
	/* Removal normalises the same way. */
	fake_line(srv, alice, "MODE #c -bb u@h n!u");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c -bb *!u@h n!u@*\r\n");
	assert_int_equal(channel_find(srv, "#c")->bans.n, 2);
}

/* Masks that could not be shown or removed as stored are refused. */
static void
test_mode_mask_hostile(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");

	fake_line(srv, alice, "MODE #c +b :a b c");
	fake_expect(alice, ":irc.local 696 alice #c b * :Invalid mask\r\n");
	fake_line(srv, alice, "MODE #c +b ::x");
	fake_expect(alice, ":irc.local 696 alice #c b * :Invalid mask\r\n");
	fake_line(srv, alice, "MODE #c +e a,b");
	fake_expect(alice, ":irc.local 696 alice #c e a,b :Invalid mask\r\n");
	assert_int_equal(channel_find(srv, "#c")->bans.n, 0);
	/* Wildcard runs are stored simplified, and removed by either form. */
	fake_line(srv, alice, "MODE #c +b ***x*?*?!*@*");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c +b *x??*!*@*\r\n");
	fake_line(srv, alice, "MODE #c +b host.example");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c +b *!*@host.example\r\n");
	fake_line(srv, alice, "MODE #c -bb ***x*?*?!*@* *!*@host.example");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c -bb *x??*!*@* *!*@host.example\r\n");
	assert_int_equal(channel_find(srv, "#c")->bans.n, 0);
}

static void
test_mode_list_duplicates_silent(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");

	fake_line(srv, alice, "MODE #c +b bob");
	fake_drop_all(srv);
	fake_line(srv, alice, "MODE #c +b bob!*@*");
	fake_expect(alice, "");
	/* The lists compare under the casemapping. */
	fake_line(srv, alice, "MODE #c +b BOB");
	fake_expect(alice, "");
	fake_expect(bob, "");
	fake_line(srv, alice, "MODE #c +bb x x");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c +b x!*@*\r\n");
	assert_int_equal(channel_find(srv, "#c")->bans.n, 2);
}

static void
test_mode_list_query_forms(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *carol = fake_registered(srv, "carol");

	/* irssi asks "MODE #c b" (no sign) when it joins. */
	fake_line(srv, alice, "MODE #c b");
	fake_expect(alice, ":irc.local 368 alice #c :End of channel ban list\r\n");
	/* Asked twice in one command, listed once. */
	fake_line(srv, alice, "MODE #c bb");
	fake_expect(alice, ":irc.local 368 alice #c :End of channel ban list\r\n");
	fake_line(srv, alice, "MODE #c beI");
	fake_expect(alice,
	    ":irc.local 368 alice #c :End of channel ban list\r\n"
	    ":irc.local 349 alice #c :End of channel exception list\r\n"
	    ":irc.local 347 alice #c :End of channel invite exception list\r\n");
	fake_line(srv, carol, "MODE #c b");
	fake_expect(carol, ":irc.local 368 carol #c :End of channel ban list\r\n");
}

static void
test_mode_maxlist(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct channel *chan = channel_find(srv, "#c");

	/* ISUPPORT MAXLIST=beI:100. */
	for (int i = 0; i < 100; i++)
		fake_linef(srv, alice, "MODE #c +b m%d", i);
	assert_int_equal(chan->bans.n, 100);
	fake_drop_output(alice);
	fake_line(srv, alice, "MODE #c +b extra");
	fake_expect(alice, ":irc.local 478 alice #c b :Channel list is full\r\n");
	assert_int_equal(chan->bans.n, 100);
	/* Removing one makes room again. */
	fake_line(srv, alice, "MODE #c -b+b m0 extra");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE #c -b+b m0!*@* extra!*@*\r\n");
}

static void
test_mode_maxlist_shared_by_beI(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct channel *chan = channel_find(srv, "#c");

	/*
	 * modern.ircdocs.horse MAXLIST: "beI:100" bounds the b, e and I
	 * entries combined, not each list on its own.
	 */
	for (int i = 0; i < 50; i++)
		fake_linef(srv, alice, "MODE #c +be b%d e%d", i, i);
	assert_int_equal(chan->bans.n + chan->excepts.n, 100);
	fake_drop_output(alice);
	fake_line(srv, alice, "MODE #c +I inv");
	fake_expect(alice, ":irc.local 478 alice #c I :Channel list is full\r\n");
	assert_int_equal(chan->invexes.n, 0);
}

static void
test_mode_announcement_fits_lines(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	char masks[6][82], line[IRC_LINE_MAX], *out;
	int missing = -1;

	/*
	 * Six 81-byte bans become six 85-byte masks: more than one 512-byte
	 * MODE line can carry. Each applied mask must be announced whole.
	 */
	for (int i = 0; i < 6; i++) {
		memset(masks[i], 'a' + i, 81);
		masks[i][81] = '\0';
	}
	snprintf(line, sizeof(line), "MODE #c +bbbbbb %s %s %s %s %s %s", masks[0],
	    masks[1], masks[2], masks[3], masks[4], masks[5]);
	assert_true(strlen(line) <= IRC_LINE_MAX - 2);
	fake_line(srv, alice, line);
	assert_int_equal(channel_find(srv, "#c")->bans.n, 6);
	out = fake_take_output(alice);
	for (const char *p = out, *e; *p; p = e + 2) {
		e = strstr(p, "\r\n");
		assert_non_null(e);
		assert_true((size_t)(e + 2 - p) <= IRC_LINE_MAX);
	}
	for (int i = 0; i < 6 && missing < 0; i++) {
		char whole[96];

		snprintf(whole, sizeof(whole), " %.81s!*@*", masks[i]);
		if (strstr(out, whole) == NULL)
			missing = i;
	}
	if (missing >= 0)
		print_message("announced:\n%s", out);
	free(out);
	if (missing >= 0)
		fail_msg("mask %d (of 6) was not announced whole", missing);
}

/* User modes */

static void
test_umode(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *bob = fake_joined(srv, "bob", "#c");

	fake_line(srv, alice, "MODE alice");
	fake_expect(alice, ":irc.local 221 alice +\r\n");
	fake_line(srv, alice, "MODE alice +i");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE alice :+i\r\n");
	/* A user mode change is told to the user only. */
	fake_expect(bob, "");
	assert_true(alice->umodes & UMODE_INVISIBLE);
	fake_line(srv, alice, "MODE alice +i");
	fake_expect(alice, "");
	fake_line(srv, alice, "MODE ALICE +w");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE alice :+w\r\n");
	fake_line(srv, alice, "MODE alice");
	fake_expect(alice, ":irc.local 221 alice +iw\r\n");
	fake_line(srv, alice, "MODE alice -i+i-w");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE alice :-i+i-w\r\n");
	fake_line(srv, alice, "MODE alice -i");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE alice :-i\r\n");
	assert_int_equal(alice->umodes, 0);
}

static void
test_umode_oper_only_via_oper(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");

	/* RFC 2812 3.1.5: +o from MODE is ignored. */
	fake_line(srv, alice, "MODE alice +o");
	fake_expect(alice, "");
	assert_false(alice->umodes & UMODE_OPER);
	fake_line(srv, alice, "MODE alice +oi");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE alice :+i\r\n");
	/* Dropping oper status is allowed. */
	alice->umodes |= UMODE_OPER;
	srv->nopers++;
	fake_line(srv, alice, "MODE alice -o");
	fake_expect(alice, ":alice!u@127.0.0.1 MODE alice :-o\r\n");
	assert_false(alice->umodes & UMODE_OPER);
	assert_int_equal(srv->nopers, 0);
}

static void
test_umode_errors(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *bob = fake_registered(srv, "bob");

	fake_line(srv, alice, "MODE alice +z");
	fake_expect(alice, ":irc.local 501 alice :Unknown MODE flag\r\n");
	fake_line(srv, alice, "MODE alice +zi");
	fake_expect(alice,
	    ":irc.local 501 alice :Unknown MODE flag\r\n"
	    ":alice!u@127.0.0.1 MODE alice :+i\r\n");
	fake_line(srv, alice, "MODE bob +i");
	fake_expect(alice, ":irc.local 502 alice :Can't change mode for other users\r\n");
	fake_line(srv, alice, "MODE bob");
	fake_expect(alice, ":irc.local 502 alice :Can't change mode for other users\r\n");
	fake_expect(bob, "");
	assert_false(bob->umodes & UMODE_INVISIBLE);
	fake_line(srv, alice, "MODE nobody +i");
	fake_expect(alice, ":irc.local 401 alice nobody :No such nick/channel\r\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
		T(test_mode_query_default),
		T(test_mode_key_shown_to_members_only),
		T(test_mode_kl_minus_i),
		T(test_mode_flags),
		T(test_mode_op_voice),
		T(test_mode_op_bad_targets),
		T(test_mode_needs_op),
		T(test_mode_non_member),
		T(test_mode_unknown_letter),
		T(test_mode_key_errors),
		T(test_mode_limit_errors),
		T(test_mode_modes_limit),
		T(test_mode_lists),
		T(test_mode_mask_normalised),
		T(test_mode_list_duplicates_silent),
		T(test_mode_list_query_forms),
		T(test_mode_maxlist),
		T(test_mode_maxlist_shared_by_beI),
		T(test_mode_announcement_fits_lines),
		T(test_umode),
		T(test_umode_oper_only_via_oper),
		T(test_umode_errors),
		T(test_mode_mask_hostile),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
