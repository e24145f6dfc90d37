/*
 * Integration tests of the small modern features over the wire: UTF8ONLY
 * (invalid UTF-8 refused with FAIL, never relayed), HELPOP, KNOCK, INVITE
 * listing, LIST's ELIST C and T conditions, channel mode +C, extended bans
 * a: and m:, RENAME. Each test uses its own nicks and channels on the
 * shared server (extbans: on a server of its own, with an account).
 */
#include "itest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SRV ITEST_SERVER_NAME
#define UTF8_FAIL "INVALID_UTF8 :Message rejected, your IRC software MUST use " \
	"UTF-8 encoding on this network"

static void
test_utf8only(void **state)
{
	struct itest_client *a = itest_user(*state, "u8A");
	struct itest_client *b = itest_user(*state, "u8B");
	struct itest_client *c;

	itest_send(a, "VERSION");
	itest_expect(a, ":" SRV " 005 u8A * UTF8ONLY *");
	itest_discard(a);
	itest_join(a, "#u8");
	itest_join(b, "#u8");
	itest_sync(a);
	itest_send(a, "PRIVMSG #u8 :hi\xaa");
	itest_expect_next(a, ":" SRV " FAIL PRIVMSG " UTF8_FAIL);
	itest_send(a, "PRIVMSG u8B :\xc0\xaf overlong");
	itest_expect_next(a, ":" SRV " FAIL PRIVMSG " UTF8_FAIL);
	itest_send(a, "TOPIC #u8 :\xed\xa0\x80");
	itest_expect_next(a, ":" SRV " FAIL TOPIC " UTF8_FAIL);
	itest_expect_quiet(b);
	/* Valid UTF-8 of every length is relayed as it came. */
	itest_send(a, "PRIVMSG #u8 :caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	itest_expect_next(b, ":%s PRIVMSG #u8 :caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    itest_pfx(a));
	/* Labelled: the FAIL carries the label. */
	itest_send(a, "CAP REQ :batch labeled-response");
	itest_expect_next(a, ":" SRV " CAP u8A ACK :batch labeled-response");
	itest_send(a, "@label=xyz PRIVMSG #u8 hi\xaa");
	itest_expect_next(a, "@label=xyz :" SRV " FAIL PRIVMSG " UTF8_FAIL);
	itest_expect_quiet(b);
	/* Before registration: refused, and the client may still register. */
	c = itest_connect(*state);
	itest_send(c, "PASS %s", ITEST_PASSWORD);
	itest_send(c, "NICK u8C");
	itest_send(c, "USER \xe8rc\xe9 * * :realname");
	itest_expect_next(c, ":" SRV " FAIL USER " UTF8_FAIL);
	itest_send(c, "USER u * * :i\xe8rc\xe9");
	itest_expect_next(c, ":" SRV " FAIL USER " UTF8_FAIL);
	itest_send(c, "USER u * * :fine");
	itest_expect(c, ":" SRV " 001 u8C :*");
	itest_close(a);
	itest_close(b);
	itest_close(c);
}

static void
test_helpop(void **state)
{
	struct itest_client *a = itest_user(*state, "hoA");

	itest_send(a, "HELPOP");
	itest_expect_next(a, ":" SRV " 704 hoA index :Commands (HELP <command> for details):");
	itest_expect_next(a, ":" SRV " 705 hoA index :* HELP HELPOP *");
	itest_skip_to(a, ":" SRV " 706 hoA index :End of /HELP");
	itest_send(a, "HELPOP join");
	itest_expect_next(a, ":" SRV " 704 hoA JOIN :JOIN <channel>*");
	itest_expect_next(a, ":" SRV " 705 hoA JOIN :*");
	itest_expect_next(a, ":" SRV " 706 hoA JOIN :End of /HELP");
	itest_send(a, "HELPOP no-such-topic");
	itest_expect_next(a, ":" SRV " 524 hoA no-such-topic :No help available on this topic");
	itest_close(a);
}

static void
test_knock(void **state)
{
	struct itest_client *op = itest_user(*state, "knOp");
	struct itest_client *b = itest_user(*state, "knB");
	struct itest_client *c = itest_user(*state, "knC");

	itest_join(op, "#kn");
	itest_send(b, "KNOCK #kn");
	itest_expect_next(b, ":" SRV " 713 knB #kn :Channel is open");
	itest_send(op, "MODE #kn +i");
	itest_expect_next(op, ":%s MODE #kn +i", itest_pfx(op));
	itest_send(b, "KNOCK #kn :please");
	itest_expect_next(b, ":" SRV " 711 knB #kn :Your KNOCK has been delivered");
	itest_expect_next(op, ":" SRV " 710 knOp #kn %s :has asked for an invite", itest_pfx(b));
	/* The channel's rate limit holds off a second knocker... */
	itest_send(c, "KNOCK #kn");
	itest_expect_next(c, ":" SRV " 712 knC #kn :Too many KNOCKs (channel)");
	/* ...and a flood of knocks reaches no operator. */
	for (int i = 0; i < 20; i++)
		itest_send(b, "KNOCK #kn");
	for (int i = 0; i < 20; i++)
		itest_expect_next(b, ":" SRV " 712 knB #kn :Too many KNOCKs (user)");
	itest_expect_quiet(op);
	itest_send(b, "KNOCK #nope");
	itest_expect_next(b, ":" SRV " 403 knB #nope :No such channel");
	itest_send(op, "KNOCK #kn");
	itest_expect_next(op, ":" SRV " 714 knOp #kn :You are already on that channel");
	itest_send(b, "KNOCK");
	itest_expect_next(b, ":" SRV " 461 knB KNOCK :Not enough parameters");
	itest_close(op);
	itest_close(b);
	itest_close(c);
}

static void
test_invite_list(void **state)
{
	struct itest_client *a = itest_user(*state, "ilA");
	struct itest_client *b = itest_user(*state, "ilB");

	itest_send(b, "INVITE");
	itest_expect_next(b, ":" SRV " 337 ilB :End of /INVITE list");
	itest_join(a, "#il-1");
	itest_join(a, "#il-2");
	itest_send(a, "INVITE ilB #il-2");
	itest_expect_next(a, ":" SRV " 341 ilA ilB #il-2");
	itest_send(a, "INVITE ilB #il-1");
	itest_expect_next(a, ":" SRV " 341 ilA ilB #il-1");
	itest_expect_next(b, ":%s INVITE ilB :#il-2", itest_pfx(a));
	itest_expect_next(b, ":%s INVITE ilB :#il-1", itest_pfx(a));
	itest_send(b, "INVITE");
	itest_expect_next(b, ":" SRV " 336 ilB #il-2");
	itest_expect_next(b, ":" SRV " 336 ilB #il-1");
	itest_expect_next(b, ":" SRV " 337 ilB :End of /INVITE list");
	itest_join(b, "#il-2");
	itest_send(b, "INVITE");
	itest_expect_next(b, ":" SRV " 336 ilB #il-1");
	itest_expect_next(b, ":" SRV " 337 ilB :End of /INVITE list");
	itest_send(b, "INVITE ilA");
	itest_expect_next(b, ":" SRV " 461 ilB INVITE :Not enough parameters");
	itest_close(a);
	itest_close(b);
}

static void
test_list_elist(void **state)
{
	struct itest_client *a = itest_user(*state, "elA");

	itest_join(a, "#el-topic");
	itest_send(a, "TOPIC #el-topic :set now");
	itest_expect_next(a, ":%s TOPIC #el-topic :set now", itest_pfx(a));
	itest_join(a, "#el-bare");
	itest_send(a, "VERSION");
	itest_expect(a, ":" SRV " 005 elA * ELIST=CMNTU *");
	itest_sync(a);
	/* Both were created less than 1000 minutes ago, and none before. */
	itest_send(a, "LIST #el-* C<1000");
	itest_expect_next(a, ":" SRV " 321 elA Channel :Users  Name");
	itest_expect(a, ":" SRV " 322 elA #el-topic 1 :set now");
	itest_expect(a, ":" SRV " 322 elA #el-bare 1 :");
	itest_expect_next(a, ":" SRV " 323 elA :End of /LIST");
	itest_send(a, "LIST #el-* C>1000");
	itest_expect_next(a, ":" SRV " 321 elA Channel :Users  Name");
	itest_expect_next(a, ":" SRV " 323 elA :End of /LIST");
	/* Only the channel with a topic meets a T condition. */
	itest_send(a, "LIST #el-*,T<5");
	itest_expect_next(a, ":" SRV " 321 elA Channel :Users  Name");
	itest_expect_next(a, ":" SRV " 322 elA #el-topic 1 :set now");
	itest_expect_next(a, ":" SRV " 323 elA :End of /LIST");
	itest_send(a, "LIST #el-* T>5");
	itest_expect_next(a, ":" SRV " 321 elA Channel :Users  Name");
	itest_expect_next(a, ":" SRV " 323 elA :End of /LIST");
	/* A time that is not a number matches nothing. */
	itest_send(a, "LIST C<1x,T>-1");
	itest_expect_next(a, ":" SRV " 321 elA Channel :Users  Name");
	itest_expect_next(a, ":" SRV " 323 elA :End of /LIST");
	itest_close(a);
}

static void
test_noctcp_mode(void **state)
{
	struct itest_client *a = itest_user(*state, "ncA");
	struct itest_client *b = itest_user(*state, "ncB");

	itest_join(a, "#nc");
	itest_join(b, "#nc");
	itest_sync(a);
	itest_send(a, "MODE #nc +C");
	itest_expect_next(a, ":%s MODE #nc +C", itest_pfx(a));
	itest_expect_next(b, ":%s MODE #nc +C", itest_pfx(a));
	itest_send(b, "PRIVMSG #nc :\001VERSION\001");
	itest_expect_next(b, ":" SRV " 404 ncB #nc :Cannot send to channel");
	itest_send(b, "NOTICE #nc :\001PING 1\001");
	itest_send(b, "PRIVMSG #nc :\001" "ACTION waves\001");
	itest_expect_next(a, ":%s PRIVMSG #nc :\001" "ACTION waves\001", itest_pfx(b));
	itest_expect_quiet(b);
	itest_send(a, "MODE #nc");
	itest_expect_next(a, ":" SRV " 324 ncA #nc +Cnt");
	itest_skip_to(a, ":" SRV " 329 ncA #nc *");
	itest_send(a, "VERSION");
	itest_expect(a, ":" SRV " 005 ncA * CHANMODES=beI,k,l,Cimnpst *");
	itest_close(a);
	itest_close(b);
}

/* SASL PLAIN for "\0exacct\0expass-1", the account of the extban server. */
#define EXBAN_PLAIN "AGV4YWNjdABleHBhc3MtMQ=="

static void
test_extbans(void **state)
{
	char hash[256], conf[512];
	struct itest_server *s;
	struct itest_client *op, *acct, *mute, *other;

	(void)state;
	itest_mkpasswd("expass-1", hash, sizeof(hash));
	snprintf(conf, sizeof(conf), ITEST_CONF_FAST "account exacct {\n\tpassword = %s\n}\n",
	    hash);
	s = itest_server_start_ok(conf);
	op = itest_user(s, "xbOp");
	mute = itest_user(s, "xbMute");
	other = itest_user(s, "xbOther");
	/* Log in with SASL before registering. */
	acct = itest_connect(s);
	acct->timeout_ms = ITEST_HASH_MS;
	snprintf(acct->nick, sizeof(acct->nick), "xbAcct");
	itest_send(acct, "CAP REQ :sasl");
	itest_expect_next(acct, ":" SRV " CAP * ACK :sasl");
	itest_send(acct, "AUTHENTICATE PLAIN");
	itest_expect_next(acct, "AUTHENTICATE +");
	itest_send(acct, "AUTHENTICATE " EXBAN_PLAIN);
	itest_expect_next(acct, ":" SRV " 900 * *");
	itest_expect_next(acct, ":" SRV " 903 * *");
	itest_send(acct, "CAP END");
	itest_register(acct, "xbAcct");

	itest_send(op, "VERSION");
	itest_expect(op, ":" SRV " 005 xbOp ACCOUNTEXTBAN=a * EXTBAN=,am *");
	itest_discard(op);
	itest_join(op, "#xb");
	itest_send(op, "MODE #xb +bb a:EXACCT m:xbMute");
	itest_expect_next(op, ":%s MODE #xb +bb a:EXACCT m:xbMute!*@*", itest_pfx(op));
	itest_send(acct, "JOIN #xb");
	itest_expect_next(acct, ":" SRV " 474 xbAcct #xb :Cannot join channel (+b)");
	/* The muted user joins, and cannot speak; the others can. */
	itest_join(mute, "#xb");
	itest_join(other, "#xb");
	itest_sync(op);
	itest_sync(mute);
	itest_send(mute, "PRIVMSG #xb :can you hear me");
	itest_expect_next(mute, ":" SRV " 404 xbMute #xb :Cannot send to channel");
	itest_send(other, "PRIVMSG #xb :loud and clear");
	itest_expect_next(op, ":%s PRIVMSG #xb :loud and clear", itest_pfx(other));
	itest_expect_quiet(op);
	/* Hostile entries are refused with 696. */
	itest_send(op, "MODE #xb +b z:what");
	itest_expect_next(op, ":" SRV " 696 xbOp #xb b z:what :Invalid extban");
	itest_send(op, "MODE #xb +I m:xbMute");
	itest_expect_next(op, ":" SRV " 696 xbOp #xb I m:xbMute :Invalid extban");
	/* An a: exception lets the account in. */
	itest_send(op, "MODE #xb +e a:exacct");
	itest_expect_next(op, ":%s MODE #xb +e a:exacct", itest_pfx(op));
	itest_send(acct, "JOIN #xb");
	itest_expect_next(acct, ":%s JOIN #xb", itest_pfx(acct));
	itest_close(op);
	itest_close(acct);
	itest_close(mute);
	itest_close(other);
	itest_server_stop_ok(s);
}

static void
test_rename(void **state)
{
	struct itest_client *a = itest_user(*state, "rnA");
	struct itest_client *b = itest_user(*state, "rnB");

	itest_send(a, "CAP REQ :draft/channel-rename");
	itest_expect_next(a, ":" SRV " CAP rnA ACK :draft/channel-rename");
	itest_join(a, "#rn-old");
	itest_join(b, "#rn-old");
	itest_sync(a);
	itest_send(a, "TOPIC #rn-old :kept");
	itest_expect_next(a, ":%s TOPIC #rn-old :kept", itest_pfx(a));
	itest_expect_next(b, ":%s TOPIC #rn-old :kept", itest_pfx(a));
	itest_send(a, "RENAME #rn-old #rn-new :no reason");
	itest_expect_next(a, ":%s RENAME #rn-old #rn-new :no reason", itest_pfx(a));
	/* Without the capability: PART, JOIN and the join burst. */
	itest_expect_next(b, ":%s PART #rn-old :no reason", itest_pfx(b));
	itest_expect_next(b, ":%s JOIN #rn-new", itest_pfx(b));
	itest_expect_next(b, ":" SRV " 332 rnB #rn-new :kept");
	itest_expect_next(b, ":" SRV " 333 rnB #rn-new *");
	itest_expect_next(b, ":" SRV " 353 rnB = #rn-new :@rnA rnB");
	itest_expect_next(b, ":" SRV " 366 rnB #rn-new :End of /NAMES list");
	itest_send(b, "PRIVMSG #rn-new :still here");
	itest_expect_next(a, ":%s PRIVMSG #rn-new :still here", itest_pfx(b));
	/* Refusals. */
	itest_send(b, "RENAME #rn-new #rn-x");
	itest_expect_next(b, ":" SRV " 482 rnB #rn-new :You're not channel operator");
	itest_send(a, "RENAME #rn-new #rn-again");
	itest_expect_next(a, ":" SRV " FAIL RENAME CANNOT_RENAME #rn-new #rn-again "
	    ":This channel has been renamed recently");
	itest_send(a, "RENAME #rn-new &rn");
	itest_expect_next(a, ":" SRV " FAIL RENAME CANNOT_RENAME #rn-new &rn :*");
	itest_send(a, "RENAME #rn-new bad");
	itest_expect_next(a, ":" SRV " 476 rnA bad :Bad Channel Mask");
	itest_send(a, "RENAME #rn-old #rn-x");
	itest_expect_next(a, ":" SRV " 403 rnA #rn-old :No such channel");
	itest_expect_quiet(b);
	itest_close(a);
	itest_close(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_utf8only),
		itest_unit_test(test_helpop),
		itest_unit_test(test_knock),
		itest_unit_test(test_invite_list),
		itest_unit_test(test_list_elist),
		itest_unit_test(test_noctcp_mode),
		itest_unit_test(test_extbans),
		itest_unit_test(test_rename),
	};

	return itest_finish(cmocka_run_group_tests(tests, itest_group_setup_fast,
	    itest_group_teardown));
}
