/*
 * Integration tests of channels and messages against a running ircserv:
 * JOIN, PART, TOPIC, NAMES, KICK, INVITE, channel and user MODE, PRIVMSG
 * and NOTICE, their error numerics, and ordered fan-out to a crowded
 * channel. Each test uses its own nicks and channels on the shared server.
 */
#include "itest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SRV ITEST_SERVER_NAME

static void
test_join_creator_is_op(void **state)
{
	struct itest_client *a = itest_user(*state, "jnA");
	struct itest_client *b = itest_user(*state, "jnB");

	itest_send(a, "JOIN #jn");
	itest_expect_next(a, ":%s JOIN #jn", itest_pfx(a));
	itest_expect_next(a, ":" SRV " 353 jnA = #jn :@jnA");
	itest_expect_next(a, ":" SRV " 366 jnA #jn :End of /NAMES list");
	itest_send(b, "JOIN #jn");
	itest_expect_next(b, ":%s JOIN #jn", itest_pfx(b));
	itest_expect_next(b, ":" SRV " 353 jnB = #jn :@jnA jnB");
	itest_expect_next(b, ":" SRV " 366 jnB #jn :End of /NAMES list");
	itest_expect_next(a, ":%s JOIN #jn", itest_pfx(b));
	/* Joining again is a no-op. */
	itest_send(b, "JOIN #jn");
	itest_expect_quiet(b);
	itest_expect_quiet(a);
	itest_close(a);
	itest_close(b);
}

static void
test_join_lists_and_keys(void **state)
{
	struct itest_client *a = itest_user(*state, "jlA");
	struct itest_client *b = itest_user(*state, "jlB");

	itest_join(a, "#jl-open");
	itest_join(a, "#jl-keyed");
	itest_send(a, "MODE #jl-keyed +k pass2");
	itest_expect_next(a, ":%s MODE #jl-keyed +k pass2", itest_pfx(a));
	/* Keys pair up by position; the open channel ignores its key. */
	itest_send(b, "JOIN #jl-open,#jl-keyed,#jl-new junk,pass2");
	itest_expect_next(b, ":%s JOIN #jl-open", itest_pfx(b));
	itest_expect_next(b, ":" SRV " 353 jlB = #jl-open :@jlA jlB");
	itest_expect_next(b, ":" SRV " 366 jlB #jl-open :*");
	itest_expect_next(b, ":%s JOIN #jl-keyed", itest_pfx(b));
	itest_expect_next(b, ":" SRV " 353 jlB = #jl-keyed :@jlA jlB");
	itest_expect_next(b, ":" SRV " 366 jlB #jl-keyed :*");
	itest_expect_next(b, ":%s JOIN #jl-new", itest_pfx(b));
	itest_expect_next(b, ":" SRV " 353 jlB = #jl-new :@jlB");
	itest_expect_next(b, ":" SRV " 366 jlB #jl-new :*");
	itest_expect_quiet(b);
	/* A wrong key in a list fails only that channel. */
	itest_send(b, "PART #jl-open,#jl-keyed");
	itest_skip_to(b, ":%s PART #jl-keyed", itest_pfx(b));
	itest_send(b, "JOIN #jl-keyed,#jl-open wrong");
	itest_expect_next(b, ":" SRV " 475 jlB #jl-keyed :Cannot join channel (+k)");
	itest_expect_next(b, ":%s JOIN #jl-open", itest_pfx(b));
	itest_skip_to(b, ":" SRV " 366 jlB #jl-open :*");
	itest_expect_quiet(b);
	itest_close(a);
	itest_close(b);
}

static void
test_join_zero_parts_all(void **state)
{
	struct itest_client *a = itest_user(*state, "jzA");
	struct itest_client *b = itest_user(*state, "jzB");

	itest_join(a, "#jz-1");
	itest_join(a, "#jz-2");
	itest_join(b, "#jz-1");
	itest_join(b, "#jz-2");
	itest_sync(a);
	itest_send(b, "JOIN 0");
	itest_expect(b, ":%s PART #jz-1", itest_pfx(b));
	itest_expect(b, ":%s PART #jz-2", itest_pfx(b));
	itest_expect_quiet(b);
	itest_expect(a, ":%s PART #jz-1", itest_pfx(b));
	itest_expect(a, ":%s PART #jz-2", itest_pfx(b));
	itest_expect_quiet(a);
	itest_send(a, "NAMES #jz-1");
	itest_expect_next(a, ":" SRV " 353 jzA = #jz-1 :@jzA");
	itest_close(a);
	itest_close(b);
}

static void
test_part_with_reason(void **state)
{
	struct itest_client *a = itest_user(*state, "ptA");
	struct itest_client *b = itest_user(*state, "ptB");

	itest_join(a, "#pt");
	itest_join(b, "#pt");
	itest_sync(a);
	itest_send(b, "PART #pt :see you later");
	itest_expect_next(b, ":%s PART #pt :see you later", itest_pfx(b));
	itest_expect_next(a, ":%s PART #pt :see you later", itest_pfx(b));
	itest_send(b, "PART #pt");
	itest_expect_next(b, ":" SRV " 442 ptB #pt :You're not on that channel");
	itest_send(b, "PART #pt-none");
	itest_expect_next(b, ":" SRV " 403 ptB #pt-none :No such channel");
	/* The last member leaving destroys the channel. */
	itest_send(a, "PART #pt");
	itest_expect_next(a, ":%s PART #pt", itest_pfx(a));
	itest_send(a, "PART #pt");
	itest_expect_next(a, ":" SRV " 403 ptA #pt :No such channel");
	itest_close(a);
	itest_close(b);
}

static void
test_topic(void **state)
{
	struct itest_client *a = itest_user(*state, "tpA");
	struct itest_client *b = itest_user(*state, "tpB");
	struct itest_client *c = itest_user(*state, "tpC");

	itest_join(a, "#tp");
	itest_join(b, "#tp");
	itest_sync(a);
	itest_send(a, "TOPIC #tp");
	itest_expect_next(a, ":" SRV " 331 tpA #tp :No topic is set");
	itest_send(a, "TOPIC #tp :hello world");
	itest_expect_next(a, ":%s TOPIC #tp :hello world", itest_pfx(a));
	itest_expect_next(b, ":%s TOPIC #tp :hello world", itest_pfx(a));
	itest_send(b, "TOPIC #tp");
	itest_expect_next(b, ":" SRV " 332 tpB #tp :hello world");
	itest_expect_next(b, ":" SRV " 333 tpB #tp %s ?*", itest_pfx(a));
	/* +t is on by default: only operators set the topic. */
	itest_send(b, "TOPIC #tp :mine now");
	itest_expect_next(b, ":" SRV " 482 tpB #tp :You're not channel operator");
	itest_expect_quiet(a);
	/* A joiner gets the topic between JOIN and NAMES. */
	itest_send(c, "JOIN #tp");
	itest_expect_next(c, ":%s JOIN #tp", itest_pfx(c));
	itest_expect_next(c, ":" SRV " 332 tpC #tp :hello world");
	itest_expect_next(c, ":" SRV " 333 tpC #tp %s ?*", itest_pfx(a));
	itest_expect_next(c, ":" SRV " 353 tpC = #tp :@tpA tpB tpC");
	itest_expect_next(c, ":" SRV " 366 tpC #tp :*");
	itest_sync(a);
	itest_sync(b);
	/* Without +t anyone in the channel may set it. */
	itest_send(a, "MODE #tp -t");
	itest_expect_next(a, ":%s MODE #tp -t", itest_pfx(a));
	itest_send(b, "TOPIC #tp :mine now");
	itest_expect_next(b, ":%s MODE #tp -t", itest_pfx(a));
	itest_expect_next(b, ":%s TOPIC #tp :mine now", itest_pfx(b));
	itest_expect_next(a, ":%s TOPIC #tp :mine now", itest_pfx(b));
	/* An empty topic clears it. */
	itest_send(a, "TOPIC #tp :");
	itest_expect_next(a, ":%s TOPIC #tp :", itest_pfx(a));
	itest_send(a, "TOPIC #tp");
	itest_expect_next(a, ":" SRV " 331 tpA #tp :No topic is set");
	itest_send(c, "PART #tp");
	itest_skip_to(c, ":%s PART #tp", itest_pfx(c));
	itest_send(c, "TOPIC #tp :outside");
	itest_expect_next(c, ":" SRV " 442 tpC #tp :You're not on that channel");
	itest_send(c, "TOPIC #tp-none");
	itest_expect_next(c, ":" SRV " 403 tpC #tp-none :No such channel");
	itest_close(a);
	itest_close(b);
	itest_close(c);
}

static void
test_names(void **state)
{
	struct itest_client *a = itest_user(*state, "nmA");
	struct itest_client *b = itest_user(*state, "nmB");

	itest_join(a, "#nm");
	itest_join(b, "#nm");
	itest_send(b, "NAMES #nm");
	itest_expect_next(b, ":" SRV " 353 nmB = #nm :@nmA nmB");
	itest_expect_next(b, ":" SRV " 366 nmB #nm :End of /NAMES list");
	itest_send(b, "NAMES #nm-none");
	itest_expect_next(b, ":" SRV " 366 nmB #nm-none :End of /NAMES list");
	itest_close(a);
	itest_close(b);
}

static void
test_kick(void **state)
{
	struct itest_client *a = itest_user(*state, "kkA");
	struct itest_client *b = itest_user(*state, "kkB");
	struct itest_client *c = itest_user(*state, "kkC");
	struct itest_client *d = itest_user(*state, "kkD");
	struct itest_client *out = itest_user(*state, "kkOut");

	itest_join(a, "#kk");
	itest_join(b, "#kk");
	itest_join(c, "#kk");
	itest_join(d, "#kk");
	itest_sync(a);
	itest_sync(b);
	itest_sync(c);
	/* Only operators kick. */
	itest_send(b, "KICK #kk kkC :no power");
	itest_expect_next(b, ":" SRV " 482 kkB #kk :You're not channel operator");
	itest_expect_quiet(c);
	/* Several targets in one command, each announced to all members. */
	itest_send(a, "KICK #kk kkB,kkC :enough");
	itest_expect_next(a, ":%s KICK #kk kkB :enough", itest_pfx(a));
	itest_expect_next(a, ":%s KICK #kk kkC :enough", itest_pfx(a));
	itest_expect_next(b, ":%s KICK #kk kkB :enough", itest_pfx(a));
	itest_expect_next(c, ":%s KICK #kk kkB :enough", itest_pfx(a));
	itest_expect_next(c, ":%s KICK #kk kkC :enough", itest_pfx(a));
	itest_expect_next(d, ":%s KICK #kk kkB :enough", itest_pfx(a));
	itest_expect_next(d, ":%s KICK #kk kkC :enough", itest_pfx(a));
	itest_expect_quiet(b);
	itest_expect_quiet(c);
	/* No reason: the kicker's nick. */
	itest_send(a, "KICK #kk kkD");
	itest_expect_next(a, ":%s KICK #kk kkD :kkA", itest_pfx(a));
	itest_expect_next(d, ":%s KICK #kk kkD :kkA", itest_pfx(a));
	itest_send(a, "KICK #kk kkOut");
	itest_expect_next(a, ":" SRV " 441 kkA kkOut #kk :They aren't on that channel");
	itest_send(a, "KICK #kk kkNobody");
	itest_expect_next(a, ":" SRV " 401 kkA kkNobody :No such nick/channel");
	itest_send(a, "KICK #kk-none kkB");
	itest_expect_next(a, ":" SRV " 403 kkA #kk-none :No such channel");
	itest_send(out, "KICK #kk kkA");
	itest_expect_next(out, ":" SRV " 442 kkOut #kk :You're not on that channel");
	itest_send(a, "KICK #kk");
	itest_expect_next(a, ":" SRV " 461 kkA KICK :Not enough parameters");
	itest_send(a, "NAMES #kk");
	itest_expect_next(a, ":" SRV " 353 kkA = #kk :@kkA");
	itest_close(a);
	itest_close(b);
	itest_close(c);
	itest_close(d);
	itest_close(out);
}

static void
test_invite(void **state)
{
	struct itest_client *a = itest_user(*state, "ivA");
	struct itest_client *b = itest_user(*state, "ivB");
	struct itest_client *c = itest_user(*state, "ivC");
	struct itest_client *d = itest_user(*state, "ivD");

	itest_join(a, "#iv");
	itest_join(c, "#iv");
	itest_sync(a);
	itest_send(a, "MODE #iv +i");
	itest_expect_next(a, ":%s MODE #iv +i", itest_pfx(a));
	itest_sync(c);
	itest_send(b, "JOIN #iv");
	itest_expect_next(b, ":" SRV " 473 ivB #iv :Cannot join channel (+i)");
	/* +i: only operators invite. */
	itest_send(c, "INVITE ivB #iv");
	itest_expect_next(c, ":" SRV " 482 ivC #iv :You're not channel operator");
	itest_expect_quiet(b);
	itest_send(a, "INVITE ivB #iv");
	itest_expect_next(a, ":" SRV " 341 ivA ivB #iv");
	itest_expect_next(b, ":%s INVITE ivB :#iv", itest_pfx(a));
	itest_send(b, "JOIN #iv");
	itest_expect_next(b, ":%s JOIN #iv", itest_pfx(b));
	itest_skip_to(b, ":" SRV " 366 ivB #iv :*");
	itest_send(a, "INVITE ivC #iv");
	itest_expect(a, ":" SRV " 443 ivA ivC #iv :is already on channel");
	itest_send(a, "INVITE ivNobody #iv");
	itest_expect(a, ":" SRV " 401 ivA ivNobody :No such nick/channel");
	itest_send(a, "INVITE ivD #iv-none");
	itest_expect(a, ":" SRV " 403 ivA #iv-none :No such channel");
	itest_send(d, "INVITE ivB #iv");
	itest_expect_next(d, ":" SRV " 442 ivD #iv :You're not on that channel");
	itest_send(a, "INVITE ivD");
	itest_expect(a, ":" SRV " 461 ivA INVITE :Not enough parameters");
	/* The invitation was used up: leaving and coming back needs another. */
	itest_send(b, "PART #iv");
	itest_skip_to(b, ":%s PART #iv", itest_pfx(b));
	itest_send(b, "JOIN #iv");
	itest_expect_next(b, ":" SRV " 473 ivB #iv :Cannot join channel (+i)");
	/* Without +i any member may invite. */
	itest_send(a, "MODE #iv -i");
	itest_sync(a);
	itest_sync(c);
	itest_send(c, "INVITE ivD #iv");
	itest_expect_next(c, ":" SRV " 341 ivC ivD #iv");
	itest_expect_next(d, ":%s INVITE ivD :#iv", itest_pfx(c));
	itest_close(a);
	itest_close(b);
	itest_close(c);
	itest_close(d);
}

static void
test_channel_modes(void **state)
{
	struct itest_client *a = itest_user(*state, "mdA");
	struct itest_client *b = itest_user(*state, "mdB");
	struct itest_client *c = itest_user(*state, "mdC");

	itest_join(a, "#md");
	itest_send(a, "MODE #md +i");
	itest_expect_next(a, ":%s MODE #md +i", itest_pfx(a));
	/* Announced exactly as applied, once, with its parameters. */
	itest_send(a, "MODE #md +kl-i sekrit 2");
	itest_expect_next(a, ":%s MODE #md +kl-i sekrit 2", itest_pfx(a));
	itest_send(a, "MODE #md");
	itest_expect_next(a, ":" SRV " 324 mdA #md +*k*l* sekrit 2");
	itest_expect_next(a, ":" SRV " 329 mdA #md ?*");
	itest_send(b, "MODE #md");
	itest_expect_next(b, ":" SRV " 324 mdB #md +*k*l*");
	if (strstr(b->last, "sekrit") != NULL)
		fail_msg("a non-member was shown the key: %s", b->last);
	itest_expect_next(b, ":" SRV " 329 mdB #md ?*");
	/* +k */
	itest_send(b, "JOIN #md");
	itest_expect_next(b, ":" SRV " 475 mdB #md :Cannot join channel (+k)");
	itest_send(b, "JOIN #md wrong");
	itest_expect_next(b, ":" SRV " 475 mdB #md :Cannot join channel (+k)");
	itest_send(b, "JOIN #md sekrit");
	itest_expect_next(b, ":%s JOIN #md", itest_pfx(b));
	itest_skip_to(b, ":" SRV " 366 mdB #md :*");
	itest_expect_next(a, ":%s JOIN #md", itest_pfx(b));
	/* +l 2: the channel is full. */
	itest_send(c, "JOIN #md sekrit");
	itest_expect_next(c, ":" SRV " 471 mdC #md :Cannot join channel (+l)");
	/* Changes that change nothing are not announced. */
	itest_send(a, "MODE #md +n-i");
	itest_expect_quiet(a);
	itest_expect_quiet(b);
	itest_send(a, "MODE #md -l+o mdB");
	itest_expect_next(a, ":%s MODE #md -l+o mdB", itest_pfx(a));
	itest_expect_next(b, ":%s MODE #md -l+o mdB", itest_pfx(a));
	itest_send(c, "JOIN #md sekrit");
	itest_expect_next(c, ":%s JOIN #md", itest_pfx(c));
	itest_expect_next(c, ":" SRV " 353 mdC = #md :@mdA @mdB mdC");
	itest_skip_to(c, ":" SRV " 366 mdC #md :*");
	itest_sync(a);
	itest_sync(b);
	itest_send(b, "MODE #md -k *");
	itest_expect_next(b, ":%s MODE #md -k *", itest_pfx(b));
	itest_expect_next(a, ":%s MODE #md -k *", itest_pfx(b));
	itest_expect_next(c, ":%s MODE #md -k *", itest_pfx(b));
	itest_expect_quiet(a);
	itest_expect_quiet(b);
	itest_expect_quiet(c);
	itest_close(a);
	itest_close(b);
	itest_close(c);
}

static void
test_channel_mode_errors(void **state)
{
	struct itest_client *a = itest_user(*state, "meOp");
	struct itest_client *b = itest_user(*state, "meMember");
	struct itest_client *out = itest_user(*state, "meOut");

	itest_join(a, "#mderr");
	itest_join(b, "#mderr");
	itest_sync(a);
	itest_send(b, "MODE #mderr +t");
	itest_expect_next(b, ":" SRV " 482 meMember #mderr :You're not channel operator");
	itest_send(b, "MODE #mderr +o meMember");
	itest_expect_next(b, ":" SRV " 482 meMember #mderr :You're not channel operator");
	itest_send(out, "MODE #mderr +i");
	itest_expect_next(out, ":" SRV " 442 meOut #mderr :You're not on that channel");
	itest_send(a, "MODE #mderr +Z");
	itest_expect_next(a, ":" SRV " 472 meOp Z :is unknown mode char to me");
	itest_send(a, "MODE #mderr-none +i");
	itest_expect_next(a, ":" SRV " 403 meOp #mderr-none :No such channel");
	itest_send(a, "MODE #mderr +o meOut");
	itest_expect_next(a, ":" SRV " 441 meOp meOut #mderr :They aren't on that channel");
	itest_send(a, "MODE #mderr +o meNobody");
	itest_expect_next(a, ":" SRV " 401 meOp meNobody :No such nick/channel");
	itest_send(a, "MODE");
	itest_expect_next(a, ":" SRV " 461 meOp MODE :Not enough parameters");
	itest_expect_quiet(a);
	itest_expect_quiet(b);
	itest_close(a);
	itest_close(b);
	itest_close(out);
}

static void
test_user_modes(void **state)
{
	struct itest_client *a = itest_user(*state, "umA");
	struct itest_client *b = itest_user(*state, "umB");

	itest_send(a, "MODE umA");
	itest_expect_next(a, ":" SRV " 221 umA +");
	itest_send(a, "MODE umA +i");
	itest_expect_next(a, ":%s MODE umA :+i", itest_pfx(a));
	itest_send(a, "MODE umA");
	itest_expect_next(a, ":" SRV " 221 umA +i");
	itest_send(a, "MODE umA +i");
	itest_expect_quiet(a);
	itest_send(a, "MODE umB +i");
	itest_expect_next(a, ":" SRV " 502 umA :Can't change mode for other users");
	itest_send(a, "MODE umB");
	itest_expect_next(a, ":" SRV " 502 umA :Can't change mode for other users");
	itest_send(a, "MODE umA -i");
	itest_expect_next(a, ":%s MODE umA :-i", itest_pfx(a));
	itest_expect_quiet(b);
	itest_close(a);
	itest_close(b);
}

static void
test_privmsg_and_notice(void **state)
{
	struct itest_client *a = itest_user(*state, "pmA");
	struct itest_client *b = itest_user(*state, "pmB");
	struct itest_client *c = itest_user(*state, "pmC");
	struct itest_client *out = itest_user(*state, "pmOut");

	itest_join(a, "#pm");
	itest_join(b, "#pm");
	itest_sync(a);
	itest_send(a, "PRIVMSG pmB :hello b");
	itest_expect_next(b, ":%s PRIVMSG pmB :hello b", itest_pfx(a));
	itest_send(a, "NOTICE pmB :notice b");
	itest_expect_next(b, ":%s NOTICE pmB :notice b", itest_pfx(a));
	/* The sender does not get its own channel message back. */
	itest_send(a, "PRIVMSG #pm :to the channel");
	itest_expect_next(b, ":%s PRIVMSG #pm :to the channel", itest_pfx(a));
	itest_send(a, "NOTICE #pm :channel notice");
	itest_expect_next(b, ":%s NOTICE #pm :channel notice", itest_pfx(a));
	itest_expect_quiet(a);
	/* Comma lists: each target once, in order. */
	itest_send(a, "PRIVMSG pmC,#pm,pmB :to many");
	itest_expect_next(c, ":%s PRIVMSG pmC :to many", itest_pfx(a));
	itest_expect_next(b, ":%s PRIVMSG #pm :to many", itest_pfx(a));
	itest_expect_next(b, ":%s PRIVMSG pmB :to many", itest_pfx(a));
	itest_send(a, "NOTICE pmC,pmB :notices");
	itest_expect_next(c, ":%s NOTICE pmC :notices", itest_pfx(a));
	itest_expect_next(b, ":%s NOTICE pmB :notices", itest_pfx(a));
	itest_expect_quiet(a);
	/* Nick targets are case-insensitive. */
	itest_send(a, "PRIVMSG PMC :case");
	itest_expect_next(c, ":%s PRIVMSG pmC :case", itest_pfx(a));
	/* New channels are +n: outsiders cannot send to them. */
	itest_send(out, "PRIVMSG #pm :from outside");
	itest_expect_next(out, ":" SRV " 404 pmOut #pm :Cannot send to channel");
	itest_send(out, "NOTICE #pm :from outside");
	itest_expect_quiet(out);
	itest_expect_quiet(a);
	itest_expect_quiet(b);
	itest_close(a);
	itest_close(b);
	itest_close(c);
	itest_close(out);
}

static void
test_message_errors(void **state)
{
	struct itest_client *a = itest_user(*state, "meA");

	itest_send(a, "PRIVMSG meNobody :hi");
	itest_expect_next(a, ":" SRV " 401 meA meNobody :No such nick/channel");
	itest_send(a, "PRIVMSG #me-none :hi");
	itest_expect_next(a, ":" SRV " 401 meA #me-none :No such nick/channel");
	itest_send(a, "PRIVMSG");
	itest_expect_next(a, ":" SRV " 411 meA :No recipient given (PRIVMSG)");
	itest_send(a, "PRIVMSG meA");
	itest_expect_next(a, ":" SRV " 412 meA :No text to send");
	itest_send(a, "PRIVMSG meA :");
	itest_expect_next(a, ":" SRV " 412 meA :No text to send");
	/* RFC 2812 3.3.2: NOTICE never causes an error reply. */
	itest_send(a, "NOTICE meNobody :hi");
	itest_send(a, "NOTICE #me-none :hi");
	itest_send(a, "NOTICE");
	itest_send(a, "NOTICE meA");
	itest_send(a, "NOTICE meA :");
	itest_expect_quiet(a);
	itest_close(a);
}

static void
test_command_errors(void **state)
{
	struct itest_client *a = itest_user(*state, "ceA");
	char *longname = malloc(62);

	assert_non_null(longname);
	longname[0] = '#';
	memset(longname + 1, 'c', 60);
	longname[61] = '\0';
	itest_send(a, "JOIN");
	itest_expect_next(a, ":" SRV " 461 ceA JOIN :Not enough parameters");
	itest_send(a, "PART");
	itest_expect_next(a, ":" SRV " 461 ceA PART :Not enough parameters");
	itest_send(a, "TOPIC");
	itest_expect_next(a, ":" SRV " 461 ceA TOPIC :Not enough parameters");
	itest_send(a, "JOIN nochannel");
	itest_expect_next(a, ":" SRV " 403 ceA nochannel :No such channel");
	itest_send(a, "JOIN %s", longname);
	itest_expect_next(a, ":" SRV " 476 ceA %s :Bad Channel Mask", longname);
	itest_send(a, "USER again 0 * :Again");
	itest_expect_next(a, ":" SRV " 462 ceA :You may not reregister");
	itest_send(a, "PASS %s", ITEST_PASSWORD);
	itest_expect_next(a, ":" SRV " 462 ceA :You may not reregister");
	itest_expect_quiet(a);
	free(longname);
	itest_close(a);
}

#define CROWD           32
#define CROWD_MSGS      50

/* Read n channel messages on c and check each sender's are in order. */
static void
check_crowd_order(struct itest_client *c, struct itest_client *const s[2], int n)
{
	int next[2] = { 0, 0 };
	char want[256];

	for (int i = 0; i < n; i++) {
		const char *l = itest_next(c);
		int k, seq = -1;

		for (k = 0; k < 2; k++) {
			snprintf(want, sizeof(want), ":%s PRIVMSG #crowd :from %s seq *",
			    itest_pfx(s[k]), s[k]->nick);
			if (itest_match(want, l))
				break;
		}
		if (k == 2 || sscanf(strstr(l, " seq ") + 5, "%d", &seq) != 1 ||
		    seq != next[k])
			fail_msg("[%s] message %d out of order or unexpected (wanted %d and "
			    "%d): %s", c->nick, i, next[0], next[1], l);
		next[k]++;
	}
}

static void
test_crowded_channel_order(void **state)
{
	struct itest_client *m[CROWD], *s[2];
	char nick[32];

	for (int i = 0; i < CROWD; i++) {
		snprintf(nick, sizeof(nick), "crowd%02d", i);
		m[i] = itest_user(*state, nick);
		itest_join(m[i], "#crowd");
	}
	s[0] = itest_user(*state, "crowdS1");
	s[1] = itest_user(*state, "crowdS2");
	itest_join(s[0], "#crowd");
	itest_join(s[1], "#crowd");
	for (int i = 0; i < CROWD; i++)
		itest_sync(m[i]);
	itest_sync(s[0]);
	for (int n = 0; n < CROWD_MSGS; n++) {
		itest_send(s[0], "PRIVMSG #crowd :from crowdS1 seq %d", n);
		itest_send(s[1], "PRIVMSG #crowd :from crowdS2 seq %d", n);
	}
	for (int i = 0; i < CROWD; i++) {
		check_crowd_order(m[i], s, 2 * CROWD_MSGS);
		itest_expect_quiet(m[i]);
	}
	/* Each sender gets the other's messages only. */
	for (int k = 0; k < 2; k++) {
		for (int n = 0; n < CROWD_MSGS; n++)
			itest_expect_next(s[k], ":%s PRIVMSG #crowd :from %s seq %d",
			    itest_pfx(s[1 - k]), s[1 - k]->nick, n);
		itest_expect_quiet(s[k]);
	}
	for (int i = 0; i < CROWD; i++)
		itest_close(m[i]);
	itest_close(s[0]);
	itest_close(s[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_join_creator_is_op),
		itest_unit_test(test_join_lists_and_keys),
		itest_unit_test(test_join_zero_parts_all),
		itest_unit_test(test_part_with_reason),
		itest_unit_test(test_topic),
		itest_unit_test(test_names),
		itest_unit_test(test_kick),
		itest_unit_test(test_invite),
		itest_unit_test(test_channel_modes),
		itest_unit_test(test_channel_mode_errors),
		itest_unit_test(test_user_modes),
		itest_unit_test(test_privmsg_and_notice),
		itest_unit_test(test_message_errors),
		itest_unit_test(test_command_errors),
		itest_unit_test(test_crowded_channel_order),
	};

	return itest_finish(cmocka_run_group_tests(tests, itest_group_setup_fast,
	    itest_group_teardown));
}
