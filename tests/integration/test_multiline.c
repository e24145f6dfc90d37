/*
 * draft/multiline over the wire: the limits from the configuration in the
 * capability's value and enforced with FAIL, a batch delivered as a batch
 * to a client with the capability and as separate lines to one without,
 * the lines of a refused batch reaching nobody, and a batch kept in the
 * history file replayed as one batch after a restart.
 */
#include "itest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SRV             ITEST_SERVER_NAME
#define CAPS            "draft/multiline batch message-tags echo-message"

/* A registered user with the multiline capabilities. */
static struct itest_client *
ml_user(struct itest_server *s, const char *nick, const char *caps)
{
	struct itest_client *c = itest_user(s, nick);

	itest_join(c, "#ml");
	itest_send(c, "CAP REQ :%s", caps);
	itest_expect_next(c, ":%s CAP %s ACK :%s", SRV, nick, caps);
	return c;
}

static void
test_multiline(void **state)
{
	struct itest_server *s = itest_server_start_ok(ITEST_CONF_FAST
	    "multiline_max_bytes = 600\nmultiline_max_lines = 3\n");
	struct itest_client *a, *b, *c;
	char id[32];
	const char *line;

	(void)state;
	a = itest_connect(s);
	itest_send(a, "CAP LS 302");
	itest_expect_next(a, ":" SRV " CAP * LS :* draft/multiline=max-bytes=600,max-lines=3 *");
	itest_close(a);
	a = ml_user(s, "mlA", CAPS);
	b = ml_user(s, "mlB", "draft/multiline batch");
	c = ml_user(s, "mlC", "message-tags");
	itest_sync(a);
	itest_sync(b);

	itest_send(a, "BATCH +x draft/multiline #ml");
	itest_send(a, "@batch=x PRIVMSG #ml :first line");
	itest_send(a, "@batch=x;draft/multiline-concat PRIVMSG #ml :, continued");
	itest_send(a, "BATCH -x");
	/* b has no message-tags: no msgid, as for any message. */
	line = itest_expect_next(b, ":%s BATCH +* draft/multiline #ml", itest_pfx(a));
	if (sscanf(strchr(line, '+'), "+%31s", id) != 1)
		itest_fail_at(ITEST_HERE, "no batch id in %s", line);
	itest_expect_next(b, "@batch=%s :%s PRIVMSG #ml :first line", id, itest_pfx(a));
	itest_expect_next(b, "@batch=%s;draft/multiline-concat :%s PRIVMSG #ml :, continued",
	    id, itest_pfx(a));
	itest_expect_next(b, ":%s BATCH -%s", itest_pfx(a), id);
	itest_expect_next(c, "@msgid=* :%s PRIVMSG #ml :first line", itest_pfx(a));
	itest_expect_next(c, ":%s PRIVMSG #ml :, continued", itest_pfx(a));
	itest_expect_next(a, "@msgid=* :%s BATCH +%s draft/multiline #ml", itest_pfx(a), id);
	itest_skip_to(a, ":%s BATCH -%s", itest_pfx(a), id);

	/* The configured limits: a fourth line, then too many bytes. */
	itest_send(a, "BATCH +y draft/multiline #ml");
	for (int i = 0; i < 4; i++)
		itest_send(a, "@batch=y PRIVMSG #ml :line %d", i);
	itest_send(a, "BATCH -y");
	itest_expect_next(a, ":" SRV " FAIL BATCH MULTILINE_MAX_LINES 3 "
	    ":Multiline batch max-lines exceeded");
	itest_send(a, "BATCH +z draft/multiline #ml");
	itest_send(a, "@batch=z PRIVMSG #ml :%0400d", 1);
	itest_send(a, "@batch=z PRIVMSG #ml :%0200d", 2);
	itest_send(a, "BATCH -z");
	itest_expect_next(a, ":" SRV " FAIL BATCH MULTILINE_MAX_BYTES 600 "
	    ":Multiline batch max-bytes exceeded");
	itest_expect_quiet(a);
	itest_expect_quiet(b);
	itest_expect_quiet(c);
	itest_close(a);
	itest_close(b);
	itest_close(c);
	itest_server_stop_ok(s);
}

/* A batch kept in the history file comes back after a restart, as one batch. */
static void
test_multiline_restart(void **state)
{
	char path[256], conf[512];
	struct itest_server *s;
	struct itest_client *a, *b;

	(void)state;
	snprintf(path, sizeof(path), "%s/ircserv-multiline.%d",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	unlink(path);
	snprintf(conf, sizeof(conf), ITEST_CONF_FAST "history_file = %s\n", path);
	s = itest_server_start_ok(conf);
	a = ml_user(s, "mlR", CAPS);
	itest_send(a, "BATCH +k draft/multiline #ml");
	itest_send(a, "@batch=k PRIVMSG #ml :kept line");
	itest_send(a, "@batch=k;draft/multiline-concat PRIVMSG #ml :, joined");
	itest_send(a, "BATCH -k");
	itest_sync(a);
	itest_close(a);
	itest_server_stop_ok(s);
	s = itest_server_start_ok(conf);
	b = ml_user(s, "mlS", "draft/multiline batch message-tags draft/chathistory");
	itest_send(b, "CHATHISTORY LATEST #ml * 10");
	itest_expect_next(b, ":" SRV " BATCH +* chathistory #ml");
	itest_expect_next(b, "@batch=*;msgid=* :mlR!* BATCH +* draft/multiline #ml");
	itest_expect_next(b, "@batch=* :mlR!* PRIVMSG #ml :kept line");
	itest_expect_next(b, "@batch=*;draft/multiline-concat :mlR!* PRIVMSG #ml :, joined");
	itest_expect_next(b, "@batch=* :mlR!* BATCH -*");
	itest_expect_next(b, ":" SRV " BATCH -*");
	itest_close(b);
	itest_server_stop_ok(s);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_multiline),
		itest_unit_test(test_multiline_restart),
	};

	return itest_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
