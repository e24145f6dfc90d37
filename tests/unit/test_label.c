/*
 * IRCv3 batch and labeled-response through the core: ACK for a command
 * with no reply, the label on a single reply, a labelled BATCH around
 * several, echo-message inside the response, and clients without the
 * capability or with a bad label getting plain replies.
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
#include "client.h"
#include "fake.h"
#include "server.h"

static struct client *
labeled(struct server *srv, const char *nick, const char *caps)
{
	struct client *cli = fake_registered(srv, nick);

	fake_linef(srv, cli, "CAP REQ :%s", caps);
	fake_expect_has(cli, " ACK :");
	return cli;
}

static void
test_ack_for_no_reply(void **state)
{
	struct server *srv = *state;
	struct client *a = labeled(srv, "alice", "labeled-response batch message-tags");

	fake_line(srv, a, "@label=abc PONG :x");
	fake_expect(a, "@label=abc :irc.local ACK\r\n");
}

/*
 * An empty send queue may have no storage (large storage is released
 * once written out): the ACK is still sent.
 */
static void
test_ack_with_no_sendq_storage(void **state)
{
	struct server *srv = *state;
	struct client *a = labeled(srv, "alice", "labeled-response batch message-tags");

	buf_free(&a->local->sendq);
	assert_null(buf_data(&a->local->sendq));
	fake_line(srv, a, "@label=abc PONG :x");
	fake_expect(a, "@label=abc :irc.local ACK\r\n");
}

static void
test_single_reply_labelled(void **state)
{
	struct server *srv = *state;
	struct client *a = labeled(srv, "alice", "labeled-response batch message-tags");

	fake_line(srv, a, "@label=q1 PING :tok");
	fake_expect(a, "@label=q1 :irc.local PONG irc.local :tok\r\n");
	fake_line(srv, a, "@label=q2 NICK 1bad");
	fake_expect(a, "@label=q2 :irc.local 432 alice 1bad :Erroneous nickname\r\n");
}

static void
test_several_replies_batched(void **state)
{
	struct server *srv = *state;
	struct client *a = labeled(srv, "alice", "labeled-response batch message-tags");
	char *out, id[32], want[1024];
	const char *p;

	fake_line(srv, a, "JOIN #c");
	fake_drop_output(a);
	fake_line(srv, a, "@label=m MODE #c");
	out = fake_take_output(a);
	p = strstr(out, "BATCH +");
	assert_non_null(p);
	sscanf(p + 7, "%31s", id);
	snprintf(want, sizeof(want),
	    "@label=m :irc.local BATCH +%s labeled-response\r\n"
	    "@batch=%s :irc.local 324 alice #c +nt\r\n"
	    "@batch=%s :irc.local 329 alice #c %ld\r\n"
	    ":irc.local BATCH -%s\r\n", id, id, id, (long)FAKE_NOW, id);
	assert_string_equal(out, want);
	free(out);
}

static void
test_echo_inside_response(void **state)
{
	struct server *srv = *state;
	struct client *a = labeled(srv, "alice",
	    "labeled-response batch message-tags echo-message");
	struct client *b = fake_registered(srv, "bob");
	char *out;

	fake_line(srv, a, "@label=e PRIVMSG bob :hi");
	out = fake_take_output(a);
	assert_non_null(strstr(out, "@label=e;msgid="));
	assert_non_null(strstr(out, " :alice!u@127.0.0.1 PRIVMSG bob :hi\r\n"));
	free(out);
	/* The recipient sees no label. */
	fake_expect(b, ":alice!u@127.0.0.1 PRIVMSG bob :hi\r\n");
}

/*
 * A message to oneself: the delivery is a side effect, not a reply, so
 * only the echo carries the label and the delivery follows it unlabelled;
 * without echo-message the reply is an ACK.
 */
static void
test_message_to_self(void **state)
{
	struct server *srv = *state;
	struct client *a = labeled(srv, "alice",
	    "labeled-response batch echo-message");
	struct client *n = labeled(srv, "noecho", "labeled-response batch");
	const char *end;
	char *out;

	fake_line(srv, a, "@label=s PRIVMSG alice :hi");
	fake_expect(a, "@label=s :alice!u@127.0.0.1 PRIVMSG alice :hi\r\n"
	    ":alice!u@127.0.0.1 PRIVMSG alice :hi\r\n");
	fake_line(srv, a, "@label=t NOTICE alice :hi");
	fake_expect(a, "@label=t :alice!u@127.0.0.1 NOTICE alice :hi\r\n"
	    ":alice!u@127.0.0.1 NOTICE alice :hi\r\n");
	fake_line(srv, n, "@label=u PRIVMSG noecho :hi");
	fake_expect(n, "@label=u :irc.local ACK\r\n"
	    ":noecho!u@127.0.0.1 PRIVMSG noecho :hi\r\n");
	/* With replies besides the echo (a 401): a batch, then the delivery. */
	fake_line(srv, a, "@label=w PRIVMSG alice,nobody :hi");
	out = fake_take_output(a);
	assert_non_null(end = strstr(out, "BATCH -"));
	assert_string_equal(strchr(end, '\n') + 1,
	    ":alice!u@127.0.0.1 PRIVMSG alice :hi\r\n");
	free(out);
	/* Unlabelled, as before: delivery and echo. */
	fake_line(srv, a, "PRIVMSG alice :x");
	fake_expect(a, ":alice!u@127.0.0.1 PRIVMSG alice :x\r\n"
	    ":alice!u@127.0.0.1 PRIVMSG alice :x\r\n");
	assert_null(a->local->label);
}

static void
test_no_capability_no_label(void **state)
{
	struct server *srv = *state;
	struct client *a = fake_registered(srv, "alice");
	struct client *nb = labeled(srv, "nobatch", "labeled-response message-tags");

	fake_line(srv, a, "@label=x PING :t");
	fake_expect(a, ":irc.local PONG irc.local :t\r\n");
	fake_line(srv, a, "@label=x PONG :t");
	fake_expect(a, "");
	/* Several replies without batch: sent unlabelled. */
	fake_line(srv, nb, "JOIN #d");
	fake_drop_output(nb);
	fake_linef(srv, nb, "@label=y MODE #d");
	fake_expect(nb, ":irc.local 324 nobatch #d +nt\r\n"
	    ":irc.local 329 nobatch #d 1700000000\r\n");
}

static void
test_bad_labels_ignored(void **state)
{
	struct server *srv = *state;
	struct client *a = labeled(srv, "alice", "labeled-response batch message-tags");
	char line[200];

	fake_line(srv, a, "@label= PING :t");
	fake_expect(a, ":irc.local PONG irc.local :t\r\n");
	memset(line, 0, sizeof(line));
	snprintf(line, sizeof(line), "@label=%065d PING :t", 0);
	fake_line(srv, a, line);
	fake_expect(a, ":irc.local PONG irc.local :t\r\n");
	fake_line(srv, a, "@label=a\\sb PING :t");
	fake_expect(a, ":irc.local PONG irc.local :t\r\n");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
	const struct CMUnitTest tests[] = {
		T(test_ack_for_no_reply),
		T(test_ack_with_no_sendq_storage),
		T(test_single_reply_labelled),
		T(test_several_replies_batched),
		T(test_echo_inside_response),
		T(test_message_to_self),
		T(test_no_capability_no_label),
		T(test_bad_labels_ignored),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
