/*
 * draft/multiline: the batch store (the spec's byte count, the line and
 * byte bounds, blank lines), and BATCH through server_on_line(): delivery
 * as a batch to clients with the capability and as separate lines to the
 * others, the echo with its label, each FAIL code, the lines of a refused
 * batch being dropped, and a batch left open being discarded by its timer.
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
#include "multiline.h"
#include "server.h"

#define CAPS "message-tags batch server-time draft/multiline"

static void
test_store_counts(void **state)
{
	struct multiline *ml = multiline_new("r1", "#chan", 5);

	(void)state;
	assert_non_null(ml);
	assert_string_equal(ml->ref, "r1");
	assert_false(multiline_is_sendable(ml));
	assert_int_equal(multiline_add(ml, "", false, 20, 4), MULTILINE_OK);
	assert_false(multiline_is_sendable(ml));
	/* Spec: a line feed joins each line to the one before... */
	assert_int_equal(multiline_add(ml, "hello", false, 20, 4), MULTILINE_OK);
	assert_int_equal(ml->bytes, 6);
	/* ...except a concatenated one, which adds only its text. */
	assert_int_equal(multiline_add(ml, "abc", true, 20, 4), MULTILINE_OK);
	assert_int_equal(ml->bytes, 9);
	assert_true(multiline_is_sendable(ml));
	/* A blank line cannot be concatenated. */
	assert_int_equal(multiline_add(ml, "", true, 20, 4), MULTILINE_ERR_INVALID);
	/* 9 + 1 + 11 > 20: refused, and nothing is kept. */
	assert_int_equal(multiline_add(ml, "01234567890", false, 20, 4), MULTILINE_ERR_BYTES);
	assert_int_equal(ml->nlines, 3);
	/* Exactly the limit: 9 + 1 + 10 = 20. */
	assert_int_equal(multiline_add(ml, "0123456789", false, 20, 4), MULTILINE_OK);
	assert_int_equal(ml->bytes, 20);
	assert_int_equal(multiline_add(ml, "x", true, 100, 4), MULTILINE_ERR_LINES);
	multiline_fail(ml);
	assert_true(ml->failed);
	assert_int_equal(ml->nlines, 0);
	multiline_free(ml);
	multiline_free(NULL);
}

/* alice (with the caps, plus echo and labels), bob (with them), carol (without). */
static void
three(struct server *srv, struct client **a, struct client **b, struct client **c)
{
	*a = fake_joined(srv, "alice", "#c");
	*b = fake_joined(srv, "bob", "#c");
	*c = fake_joined(srv, "carol", "#c");
	fake_cap_on(srv, *a, CAPS " echo-message labeled-response");
	fake_cap_on(srv, *b, CAPS);
	fake_cap_on(srv, *c, "server-time message-tags");
	fake_drop_all(srv);
}

static void
test_batch_delivery(void **state)
{
	struct server *srv = *state;
	struct client *alice, *bob, *carol;
	char *out;

	three(srv, &alice, &bob, &carol);
	fake_line(srv, alice, "@label=L1;+x=y BATCH +r1 draft/multiline #c");
	/* Nothing before the batch ends: no ACK for the opening line. */
	fake_expect(alice, "");
	fake_line(srv, alice, "@batch=r1 PRIVMSG #c hello");
	fake_line(srv, alice, "@batch=r1 PRIVMSG #c :");
	fake_line(srv, alice, "@batch=r1 PRIVMSG #c :how is ");
	fake_line(srv, alice, "@batch=r1;draft/multiline-concat PRIVMSG #c :everyone?");
	fake_expect(bob, "");
	fake_line(srv, alice, "BATCH -r1");
	/*
	 * One msgid, on the BATCH line, and the client-only tags with it (the
	 * three JOINs, kept in history, took msgids 1 to 3).
	 */
	fake_expect(bob,
	    "@time=2023-11-14T22:13:20.000Z;msgid=6553f100-5;+x=y "
	    ":alice!u@127.0.0.1 BATCH +ml4 draft/multiline #c\r\n"
	    "@batch=ml4 :alice!u@127.0.0.1 PRIVMSG #c :hello\r\n"
	    "@batch=ml4 :alice!u@127.0.0.1 PRIVMSG #c :\r\n"
	    "@batch=ml4 :alice!u@127.0.0.1 PRIVMSG #c :how is \r\n"
	    "@batch=ml4;draft/multiline-concat :alice!u@127.0.0.1 PRIVMSG #c :everyone?\r\n"
	    ":alice!u@127.0.0.1 BATCH -ml4\r\n");
	/* carol: the non-blank lines as sent, the msgid on the first only. */
	fake_expect(carol,
	    "@time=2023-11-14T22:13:20.000Z;msgid=6553f100-5;+x=y "
	    ":alice!u@127.0.0.1 PRIVMSG #c :hello\r\n"
	    "@time=2023-11-14T22:13:20.000Z;+x=y :alice!u@127.0.0.1 PRIVMSG #c :how is \r\n"
	    "@time=2023-11-14T22:13:20.000Z;+x=y :alice!u@127.0.0.1 PRIVMSG #c :everyone?\r\n");
	/* The echo: the label on its BATCH line, and no labeled-response batch. */
	out = fake_take_output(alice);
	assert_memory_equal(out, "@label=L1;time=", 15);
	assert_null(strstr(out, "labeled-response"));
	assert_null(strstr(out + 2, "label="));
	assert_non_null(strstr(out, ":alice!u@127.0.0.1 BATCH -ml4\r\n"));
	free(out);
	assert_null(local_batch(alice->local));
}

static void
test_batch_to_nick_and_ack(void **state)
{
	struct server *srv = *state;
	struct client *alice, *bob, *carol;

	three(srv, &alice, &bob, &carol);
	fake_line(srv, alice, "CAP REQ -echo-message");
	fake_drop_output(alice);
	fake_line(srv, alice, "@label=L2 BATCH +r2 draft/multiline carol");
	fake_line(srv, alice, "@batch=r2 NOTICE carol :one");
	fake_line(srv, alice, "@batch=r2 NOTICE carol :two");
	fake_line(srv, alice, "BATCH -r2");
	/* No echo: the label is acknowledged when the batch ends. */
	fake_expect(alice, "@label=L2 :irc.local ACK\r\n");
	fake_expect_has(carol, ":alice!u@127.0.0.1 NOTICE carol :one\r\n");
	/* Unknown nick: the error carries the label of the batch. */
	fake_line(srv, alice, "@label=L3 BATCH +r3 draft/multiline nobody");
	fake_line(srv, alice, "@batch=r3 PRIVMSG nobody :one");
	fake_line(srv, alice, "BATCH -r3");
	fake_expect(alice, "@label=L3 :irc.local 401 alice nobody :No such nick/channel\r\n");
}

static void
test_batch_limits(void **state)
{
	struct server *srv = *state;
	struct client *alice, *bob, *carol;

	three(srv, &alice, &bob, &carol);
	fake_line(srv, alice, "BATCH +r draft/multiline #c");
	for (int i = 0; i < 33; i++)
		fake_line(srv, alice, "@batch=r PRIVMSG #c hi");
	fake_expect(alice, ":irc.local FAIL BATCH MULTILINE_MAX_LINES 32 "
	    ":Multiline batch max-lines exceeded\r\n");
	/* The rest of a refused batch is dropped, its end too. */
	fake_line(srv, alice, "@batch=r PRIVMSG #c hi");
	fake_line(srv, alice, "BATCH -r");
	fake_expect(alice, "");
	fake_expect(bob, "");
	fake_expect(carol, "");
	assert_null(local_batch(alice->local));

	fake_line(srv, alice, "BATCH +s draft/multiline #c");
	for (int i = 0; i < 11; i++)
		fake_linef(srv, alice, "@batch=s PRIVMSG #c %0400d", i);
	fake_expect(alice, ":irc.local FAIL BATCH MULTILINE_MAX_BYTES 4096 "
	    ":Multiline batch max-bytes exceeded\r\n");
	fake_line(srv, alice, "BATCH -s");
	fake_expect(bob, "");
}

static void
test_batch_invalid(void **state)
{
	struct server *srv = *state;
	struct client *alice, *bob, *carol;

	three(srv, &alice, &bob, &carol);
	fake_line(srv, alice, "BATCH +a draft/multiline #c");
	fake_line(srv, alice, "@batch=a PRIVMSG #other :hi");
	fake_expect(alice, ":irc.local FAIL BATCH MULTILINE_INVALID_TARGET #c #other "
	    ":Invalid multiline target\r\n");
	fake_line(srv, alice, "BATCH -a");

	fake_line(srv, alice, "BATCH +b draft/multiline #c");
	fake_line(srv, alice, "@batch=b PRIVMSG #c :hi");
	fake_line(srv, alice, "@batch=b;draft/multiline-concat PRIVMSG #c :");
	fake_expect(alice, ":irc.local FAIL BATCH MULTILINE_INVALID "
	    ":A blank line cannot be concatenated\r\n");
	fake_line(srv, alice, "BATCH -b");

	fake_line(srv, alice, "BATCH +c draft/multiline #c");
	fake_line(srv, alice, "@batch=other PRIVMSG #c :hi");
	fake_expect_has(alice, "FAIL BATCH MULTILINE_INVALID :Line tagged for a batch");
	fake_line(srv, alice, "BATCH -c");

	fake_line(srv, alice, "BATCH +d draft/multiline #c");
	fake_line(srv, alice, "@batch=d PRIVMSG #c :");
	fake_line(srv, alice, "BATCH -d");
	fake_expect_has(alice, "FAIL BATCH MULTILINE_INVALID :A multiline batch needs");

	fake_line(srv, alice, "BATCH -zz");
	fake_expect_has(alice, "FAIL BATCH MULTILINE_INVALID :No open batch");
	fake_line(srv, alice, "BATCH +e chathistory #c");
	fake_expect_has(alice, "FAIL BATCH MULTILINE_INVALID :Only draft/multiline");
	fake_line(srv, carol, "BATCH +f draft/multiline #c");
	fake_expect_has(carol, "FAIL BATCH MULTILINE_INVALID :draft/multiline and batch");
	assert_null(local_batch(carol->local));
	/* Nothing of all that reached the channel. */
	fake_expect(bob, "");
	fake_expect(carol, "");
}

/* The refusals of BATCH itself and of the lines it collects, each once. */
static void
test_batch_refusals(void **state)
{
	struct server *srv = *state;
	struct client *alice, *bob, *carol;

	three(srv, &alice, &bob, &carol);
	fake_line(srv, alice, "BATCH r draft/multiline #c");
	fake_expect(alice, ":irc.local FAIL BATCH MULTILINE_INVALID "
	    ":A batch reference starts with + or -\r\n");
	fake_line(srv, alice, "BATCH +r draft/multiline");
	fake_expect_has(alice, "FAIL BATCH MULTILINE_INVALID :Only draft/multiline");
	fake_line(srv, alice, "BATCH +a=b draft/multiline #c");
	fake_expect(alice, ":irc.local FAIL BATCH MULTILINE_INVALID "
	    ":Invalid batch reference or target\r\n");
	fake_line(srv, alice, "BATCH +r draft/multiline #c,bob");
	fake_expect_has(alice, ":Invalid batch reference or target");
	fake_line(srv, alice, "BATCH +012345678901234567890123456789012 draft/multiline #c");
	fake_expect_has(alice, ":Invalid batch reference or target");
	assert_null(local_batch(alice->local));
	/* A line for a batch when none is open is refused, not relayed. */
	fake_line(srv, alice, "@batch=r PRIVMSG #c :hi");
	fake_expect_has(alice, ":Line tagged for a batch that is not open");

	/* A second BATCH + refuses both: neither is ever delivered. */
	fake_line(srv, alice, "BATCH +a draft/multiline #c");
	fake_line(srv, alice, "@batch=a PRIVMSG #c :hi");
	fake_line(srv, alice, "BATCH +b draft/multiline #c");
	fake_expect(alice, ":irc.local FAIL BATCH MULTILINE_INVALID "
	    ":A multiline batch is already open\r\n");
	fake_line(srv, alice, "BATCH -b");
	fake_expect_has(alice, ":No open batch with that reference");
	fake_line(srv, alice, "BATCH -a");
	fake_expect(alice, "");
	assert_null(local_batch(alice->local));

	/*
	 * A refusal that leaves the open batch alone is no answer to it: not
	 * under its label, which its end still carries.
	 */
	fake_line(srv, alice, "CAP REQ -echo-message");
	fake_drop_output(alice);
	fake_line(srv, alice, "@label=L BATCH +l draft/multiline #c");
	fake_line(srv, alice, "@batch=l PRIVMSG #c :hi");
	fake_line(srv, alice, "BATCH -zz");
	fake_line(srv, alice, "BATCH x");
	fake_line(srv, alice, "BATCH +y chathistory #c");
	fake_expect(alice, ":irc.local FAIL BATCH MULTILINE_INVALID "
	    ":No open batch with that reference\r\n"
	    ":irc.local FAIL BATCH MULTILINE_INVALID :A batch reference starts with + or -\r\n"
	    ":irc.local FAIL BATCH MULTILINE_INVALID :Only draft/multiline batches are taken\r\n");
	fake_line(srv, alice, "BATCH -l");
	fake_expect(alice, "@label=L :irc.local ACK\r\n");
	fake_expect_has(bob, "PRIVMSG #c :hi");
	fake_expect_has(carol, "PRIVMSG #c :hi");

	fake_line(srv, alice, "BATCH +c draft/multiline #c");
	fake_line(srv, alice, "@batch=c TAGMSG #c");
	fake_expect(alice, ":irc.local FAIL BATCH MULTILINE_INVALID "
	    ":Only PRIVMSG and NOTICE go in a multiline batch\r\n");
	fake_line(srv, alice, "BATCH -c");

	fake_line(srv, alice, "BATCH +d draft/multiline #c");
	fake_line(srv, alice, "@batch=d PRIVMSG #c :hi");
	fake_line(srv, alice, "@batch=d NOTICE #c :hi");
	fake_expect(alice, ":irc.local FAIL BATCH MULTILINE_INVALID "
	    ":PRIVMSG and NOTICE mixed in one batch\r\n");
	fake_line(srv, alice, "BATCH -d");

	fake_line(srv, alice, "BATCH +e draft/multiline #c");
	fake_line(srv, alice, "@batch=e PRIVMSG #c hi :there");
	fake_expect(alice, ":irc.local FAIL BATCH MULTILINE_INVALID "
	    ":A batch line takes a target and a text\r\n");
	fake_line(srv, alice, "BATCH -e");
	fake_expect(alice, "");
	fake_expect(bob, "");
	fake_expect(carol, "");
}

/* The batch is checked at its end like one message: 404, and +C for any line. */
static void
test_batch_cannot_send(void **state)
{
	struct server *srv = *state;
	struct client *alice, *bob, *carol;

	three(srv, &alice, &bob, &carol);
	fake_line(srv, alice, "MODE #c +C");
	fake_drop_all(srv);
	fake_line(srv, alice, "BATCH +a draft/multiline #c");
	fake_line(srv, alice, "@batch=a PRIVMSG #c :hello");
	fake_line(srv, alice, "@batch=a PRIVMSG #c :\001VERSION\001");
	fake_line(srv, alice, "BATCH -a");
	fake_expect(alice, ":irc.local 404 alice #c :Cannot send to channel\r\n");
	/* A NOTICE batch is dropped without a word. */
	fake_line(srv, alice, "BATCH +b draft/multiline #c");
	fake_line(srv, alice, "@batch=b NOTICE #c :\001VERSION\001");
	fake_line(srv, alice, "BATCH -b");
	fake_expect(alice, "");
	fake_line(srv, alice, "MODE #c -C+m");
	fake_drop_all(srv);
	fake_line(srv, bob, "BATCH +x draft/multiline #c");
	fake_line(srv, bob, "@batch=x PRIVMSG #c :hi");
	fake_line(srv, bob, "BATCH -x");
	fake_expect(bob, ":irc.local 404 bob #c :Cannot send to channel\r\n");
	fake_expect(alice, "");
	fake_expect(carol, "");
}

static void
test_batch_timeout(void **state)
{
	struct server *srv = *state;
	struct client *alice, *bob, *carol;

	three(srv, &alice, &bob, &carol);
	fake_line(srv, alice, "BATCH +t draft/multiline #c");
	fake_line(srv, alice, "@batch=t PRIVMSG #c :hi");
	fake_advance(srv, 29);
	server_tick(srv);
	assert_non_null(local_batch(alice->local));
	fake_advance(srv, 1);
	server_tick(srv);
	assert_null(local_batch(alice->local));
	fake_expect(alice, ":irc.local FAIL BATCH MULTILINE_INVALID :Multiline batch timed out\r\n");
	fake_line(srv, alice, "BATCH -t");
	fake_expect_has(alice, "No open batch");
	fake_expect(bob, "");
	/* A batch open at QUIT is freed with its client (ASan checks). */
	fake_line(srv, alice, "BATCH +u draft/multiline #c");
	fake_line(srv, alice, "@batch=u PRIVMSG #c :hi");
	fake_line(srv, alice, "QUIT");
	fake_reap(srv);
}

/* Each line of a batch is charged to flood control as it arrives. */
static void
test_batch_lines_are_paced(void **state)
{
	struct server *srv = *state;
	struct client *alice, *bob, *carol;
	char lines[1024];
	int n = 0, rounds;

	three(srv, &alice, &bob, &carol);
	srv->cfg.flood_burst = 5;
	srv->cfg.flood_rate = 2;
	n += snprintf(lines + n, sizeof(lines) - (size_t)n, "BATCH +p draft/multiline #c\r\n");
	for (int i = 0; i < 8; i++)
		n += snprintf(lines + n, sizeof(lines) - (size_t)n,
		    "@batch=p PRIVMSG #c :line %d\r\n", i);
	n += snprintf(lines + n, sizeof(lines) - (size_t)n, "BATCH -p\r\n");
	assert_int_equal(buf_append(&alice->local->recvq, lines, (size_t)n), 0);
	server_on_input(srv, alice);
	/* The burst took BATCH + and four lines; the rest wait. */
	assert_true(alice->local->throttled);
	assert_non_null(local_batch(alice->local));
	assert_int_equal(local_batch(alice->local)->nlines, 4);
	fake_expect(bob, "");
	for (rounds = 0; local_batch(alice->local) != NULL && rounds < 20; rounds++) {
		fake_advance(srv, 1);
		server_tick(srv);
	}
	assert_null(local_batch(alice->local));
	assert_true(rounds >= 2);
	assert_int_equal(fake_output_count(bob, "@batch="), 8);
}

/*
 * A batch is kept as one message: CHATHISTORY replays it as a multiline
 * batch nested in the chathistory batch, with the msgid it was relayed
 * with, and to a client without draft/multiline as its non-blank lines.
 */
static void
test_batch_history(void **state)
{
	struct server *srv = *state;
	struct client *alice, *bob, *carol;
	char *live, *msgid, *out;

	three(srv, &alice, &bob, &carol);
	fake_cap_on(srv, bob, "draft/chathistory");
	fake_cap_on(srv, carol, "draft/chathistory batch");
	fake_drop_all(srv);
	fake_line(srv, alice, "@+x=y BATCH +h draft/multiline #c");
	fake_line(srv, alice, "@batch=h PRIVMSG #c hello");
	fake_line(srv, alice, "@batch=h PRIVMSG #c :");
	fake_line(srv, alice, "@batch=h PRIVMSG #c :how is ");
	fake_line(srv, alice, "@batch=h;draft/multiline-concat PRIVMSG #c :everyone?");
	fake_line(srv, alice, "BATCH -h");
	live = fake_take_output(bob);
	msgid = strstr(live, "msgid=");
	assert_non_null(msgid);
	*strchr(msgid, ';') = '\0';
	fake_drop_all(srv);
	fake_line(srv, bob, "CHATHISTORY LATEST #c * 10");
	out = fake_take_output(bob);
	assert_non_null(strstr(out, msgid));
	assert_non_null(strstr(out, " draft/multiline #c\r\n@batch=ml"));
	assert_non_null(strstr(out, " :alice!u@127.0.0.1 PRIVMSG #c :\r\n"));
	assert_non_null(strstr(out, ";draft/multiline-concat :alice!u@127.0.0.1 PRIVMSG #c "
	    ":everyone?\r\n@batch=ch"));
	assert_non_null(strstr(out, " :alice!u@127.0.0.1 BATCH -ml"));
	assert_int_equal(fake_output_count(bob, "x"), 0);
	free(out);
	fake_line(srv, carol, "CHATHISTORY LATEST #c * 10");
	out = fake_take_output(carol);
	assert_non_null(strstr(out, msgid));
	assert_null(strstr(strstr(out, msgid) + 1, "msgid="));
	assert_null(strstr(out, "draft/multiline"));
	assert_null(strstr(out, "PRIVMSG #c :\r\n"));
	assert_non_null(strstr(out, ":alice!u@127.0.0.1 PRIVMSG #c :everyone?\r\n"));
	free(out);
	free(live);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_counts),
		T(test_batch_delivery),
		T(test_batch_to_nick_and_ack),
		T(test_batch_limits),
		T(test_batch_invalid),
		T(test_batch_refusals),
		T(test_batch_cannot_send),
		T(test_batch_timeout),
		T(test_batch_lines_are_paced),
		T(test_batch_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
