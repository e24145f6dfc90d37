/*
 * draft/metadata-3 over the wire: the capability value, before-connect
 * metadata delivered in a batch at registration, SET/GET in batches,
 * notifications to a subscriber sharing a channel, channel metadata on
 * JOIN, WHOIS 760, and hostile input (bad key, too long a value, another
 * user's metadata) refused without effect on others.
 */
#include "itest.h"

#include <stdio.h>
#include <string.h>

#define SRV             ITEST_SERVER_NAME
#define CAP             "draft/metadata-3"

/* A registered user with the capability and batch. */
#define md_user(s, nick) md_user_at(ITEST_HERE, (s), (nick))
static struct itest_client *
md_user_at(const char *file, int line, struct itest_server *s, const char *nick)
{
	struct itest_client *c = itest_user_at(file, line, s, nick);

	itest_send_at(file, line, c, "CAP REQ :" CAP " batch");
	itest_expect_next_at(file, line, c, ":%s CAP %s ACK :" CAP " batch", SRV, nick);
	/* Requesting the capability sends one's metadata: none yet, an empty batch. */
	itest_expect_next_at(file, line, c, ":%s BATCH +* metadata %s", SRV, nick);
	itest_expect_next_at(file, line, c, ":%s BATCH -*", SRV);
	return c;
}

static void
test_before_connect(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *c = itest_connect(s);
	const char *line;
	char id[32];

	snprintf(c->nick, sizeof(c->nick), "mdEarly");
	itest_send(c, "CAP LS 302");
	itest_expect_next(c, ":" SRV " CAP * LS :* " CAP "=before-connect,max-subs=50,"
	    "max-keys=20,max-value-bytes=300 *");
	itest_send(c, "CAP REQ :" CAP " batch");
	itest_expect_next(c, ":" SRV " CAP * ACK :" CAP " batch");
	itest_send(c, "METADATA * SET display-name :Early Bird");
	itest_expect_next(c, ":" SRV " 761 * * display-name * :Early Bird");
	itest_send(c, "PASS %s", s->password);
	itest_send(c, "NICK mdEarly");
	itest_send(c, "USER mdEarly 0 * :x");
	itest_send(c, "CAP END");
	line = itest_skip_to(c, ":" SRV " BATCH +* metadata mdEarly");
	if (sscanf(line, ":" SRV " BATCH +%31s", id) != 1)
		itest_fail_at(ITEST_HERE, "no batch id in %s", line);
	itest_expect_next(c, "@batch=%s :" SRV " 761 mdEarly mdEarly display-name * "
	    ":Early Bird", id);
	itest_expect_next(c, ":" SRV " BATCH -%s", id);
	itest_close(c);
}

static void
test_notify_join_whois(void **state)
{
	struct itest_client *a = md_user(*state, "mdA");
	struct itest_client *b = md_user(*state, "mdB");

	itest_send(b, "METADATA * SUB display-name avatar");
	itest_expect_next(b, ":" SRV " 770 mdB display-name avatar");
	itest_join(a, "#md");
	itest_send(a, "METADATA #md SET avatar :https://x/chan.png");
	itest_expect_next(a, ":" SRV " 761 mdA #md avatar * :https://x/chan.png");
	itest_send(a, "METADATA * SET display-name :Ann");
	itest_expect_next(a, ":" SRV " 761 mdA mdA display-name * :Ann");
	itest_sync(b);
	itest_expect_quiet(b);          /* no shared channel yet */
	itest_send(b, "JOIN #md");
	itest_skip_to(b, ":" SRV " 366 mdB #md :*");
	itest_expect_next(b, ":" SRV " 761 mdB #md avatar * :https://x/chan.png");
	itest_expect_next(b, ":" SRV " 761 mdB mdA display-name * :Ann");
	itest_sync(a);
	itest_send(a, "METADATA * SET display-name :Anna");
	itest_expect_next(a, ":" SRV " 761 mdA mdA display-name * :Anna");
	itest_expect_next(b, ":" SRV " 761 mdB mdA display-name * :Anna");
	itest_send(b, "WHOIS mdA");
	itest_skip_to(b, ":" SRV " 760 mdB mdA display-name * :Anna");
	itest_skip_to(b, ":" SRV " 318 mdB mdA :*");
	itest_send(b, "METADATA mdA GET display-name");
	itest_expect_next(b, ":" SRV " BATCH +* metadata mdA");
	itest_expect_next(b, "@batch=* :" SRV " 761 mdB mdA display-name * :Anna");
	itest_expect_next(b, ":" SRV " BATCH -*");
	itest_close(a);
	itest_close(b);
}

static void
test_hostile(void **state)
{
	struct itest_client *a = md_user(*state, "mdH");
	struct itest_client *b = md_user(*state, "mdI");
	char value[400];

	itest_join(a, "#mdh");
	itest_join(b, "#mdh");
	itest_sync(a);
	itest_send(b, "METADATA * SUB display-name");
	itest_expect_next(b, ":" SRV " 770 mdI display-name");
	itest_expect_next(b, ":" SRV " 774 mdI #mdh 1");
	itest_send(a, "METADATA * SET $bad$ :x");
	itest_expect_next(a, ":" SRV " FAIL METADATA KEY_INVALID $bad$ :Invalid key");
	memset(value, 'x', 301);
	value[301] = '\0';
	itest_send(a, "METADATA * SET display-name :%s", value);
	itest_expect_next(a, ":" SRV " FAIL METADATA INVALID_VALUE display-name "
	    ":Value is too long");
	itest_send(a, "METADATA mdI SET display-name :imposter");
	itest_expect_next(a, ":" SRV " FAIL METADATA KEY_NO_PERMISSION mdI display-name "
	    ":Permission denied");
	itest_send(b, "METADATA #mdh SET display-name :not an op");
	itest_expect_next(b, ":" SRV " FAIL METADATA KEY_NO_PERMISSION #mdh display-name "
	    ":Permission denied");
	itest_send(a, "METADATA nosuchnick LIST");
	itest_expect_next(a, ":" SRV " FAIL METADATA INVALID_TARGET nosuchnick "
	    ":Invalid metadata target");
	itest_sync(a);
	itest_expect_quiet(b);
	itest_close(a);
	itest_close(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_before_connect),
		itest_unit_test(test_notify_join_whois),
		itest_unit_test(test_hostile),
	};

	return itest_finish(cmocka_run_group_tests(tests, itest_group_setup_fast,
	    itest_group_teardown));
}
