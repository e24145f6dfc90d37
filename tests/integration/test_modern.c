/*
 * Integration tests of the small modern features over the wire: UTF8ONLY
 * (invalid UTF-8 refused with FAIL, never relayed), HELPOP. Each test uses its own
 * nicks and channels on the shared server.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_utf8only),
		itest_unit_test(test_helpop),
	};

	return itest_finish(cmocka_run_group_tests(tests, itest_group_setup,
	    itest_group_teardown));
}
