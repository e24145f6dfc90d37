/*
 * History over loopback: CHATHISTORY gives back the very lines (msgid,
 * time, text) its clients got live, within history_lines; events only
 * with draft/event-playback; non-members get FAIL; REDACT takes a message
 * out; a reload with history_lines = 0 empties the history.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

#define SRV     ITEST_SERVER_NAME
#define CAPS    "batch message-tags server-time echo-message draft/chathistory"
#define CONF    ITEST_CONF_FAST "history_lines = 4\n"

/* A user on chan (joined first: itest_join() takes untagged lines) with caps. */
static struct itest_client *
history_user(struct itest_server *s, const char *nick, const char *chan,
    const char *caps)
{
	struct itest_client *c = itest_user(s, nick);

	itest_join(c, chan);
	itest_send(c, "CAP REQ :%s", caps);
	itest_expect_next(c, ":" SRV " CAP %s ACK :%s", nick, caps);
	return c;
}

/* The batch id of the BATCH +<id> chathistory <target> line just taken. */
static void
batch_id(const char *line, char *id, size_t idsz)
{
	const char *p = strstr(line, "BATCH +");

	assert_non_null(p);
	snprintf(id, idsz, "%.*s", (int)strcspn(p + 7, " "), p + 7);
}

static void
test_replay_is_what_was_sent(void **state)
{
	struct itest_server *s = itest_server_start_ok(CONF);
	struct itest_client *a = history_user(s, "hA", "#hi", CAPS);
	struct itest_client *b = itest_user(s, "hB");
	char live[5][ITEST_LINE_MAX + 1], id[64];

	(void)state;
	for (int i = 0; i < 5; i++) {
		itest_send(a, "PRIVMSG #hi :message %d", i);
		snprintf(live[i], sizeof(live[i]), "%s", itest_expect_next(a,
		    "@time=*;msgid=* :%s PRIVMSG #hi :message %d", itest_pfx(a), i));
	}
	/* history_lines = 4: a's JOIN and message 0 are gone. */
	itest_send(a, "CHATHISTORY LATEST #hi * 10");
	batch_id(itest_expect_next(a, ":" SRV " BATCH +* chathistory #hi"), id, sizeof(id));
	for (int i = 1; i < 5; i++)
		itest_expect_next(a, "@batch=%s;%s", id, live[i] + 1);
	itest_expect_next(a, ":" SRV " BATCH -%s", id);
	itest_expect_quiet(a);
	/* BEFORE the msgid of message 3, at most 1. */
	itest_send(a, "CHATHISTORY BEFORE #hi %.*s 1",
	    (int)strcspn(strstr(live[3], "msgid="), " ;"), strstr(live[3], "msgid="));
	batch_id(itest_expect_next(a, ":" SRV " BATCH +* chathistory #hi"), id, sizeof(id));
	itest_expect_next(a, "@batch=%s;%s", id, live[2] + 1);
	itest_expect_next(a, ":" SRV " BATCH -%s", id);
	/* Not a member: no history, whether or not the channel has any. */
	itest_send(b, "CHATHISTORY LATEST #hi * 10");
	itest_expect_next(b, ":" SRV " FAIL CHATHISTORY INVALID_TARGET LATEST #hi :*");
	itest_close(a);
	itest_close(b);
	itest_server_stop_ok(s);
}

static void
test_events_and_redact(void **state)
{
	struct itest_server *s = itest_server_start_ok(ITEST_CONF_FAST);
	struct itest_client *a = history_user(s, "evA", "#ev", CAPS " draft/message-redaction");
	struct itest_client *b = itest_user(s, "evB");
	const char *line;
	char msgid[64], id[64];

	(void)state;
	itest_join(b, "#ev");
	/* One at a time: the two connections' lines may be taken in either order. */
	itest_send(a, "TOPIC #ev :new topic");
	itest_skip_to(a, "@time=*;msgid=* :%s TOPIC #ev :new topic", itest_pfx(a));
	itest_send(b, "PART #ev :bye");
	itest_expect_next(a, "@time=*;msgid=* :%s PART #ev :bye", itest_pfx(b));
	itest_send(a, "PRIVMSG #ev :to be deleted");
	line = itest_expect_next(a, "@time=*;msgid=* :%s PRIVMSG #ev :to be deleted",
	    itest_pfx(a));
	snprintf(msgid, sizeof(msgid), "%.*s", (int)strcspn(strstr(line, "msgid=") + 6, " ;"),
	    strstr(line, "msgid=") + 6);
	/* Without event-playback: the message only. */
	itest_send(a, "CHATHISTORY LATEST #ev * 10");
	batch_id(itest_expect_next(a, ":" SRV " BATCH +* chathistory #ev"), id, sizeof(id));
	itest_expect_next(a, "@batch=%s;time=*;msgid=%s :%s PRIVMSG #ev :to be deleted", id,
	    msgid, itest_pfx(a));
	itest_expect_next(a, ":" SRV " BATCH -%s", id);
	/* With it: the JOINs, TOPIC and PART too, in order. */
	itest_send(a, "CAP REQ draft/event-playback");
	itest_expect_next(a, ":" SRV " CAP evA ACK :draft/event-playback");
	itest_send(a, "CHATHISTORY LATEST #ev * 10");
	batch_id(itest_expect_next(a, ":" SRV " BATCH +* chathistory #ev"), id, sizeof(id));
	itest_expect_next(a, "@batch=%s;* :%s JOIN #ev", id, itest_pfx(a));
	itest_expect_next(a, "@batch=%s;* :%s JOIN #ev", id, itest_pfx(b));
	itest_expect_next(a, "@batch=%s;* :%s TOPIC #ev :new topic", id, itest_pfx(a));
	itest_expect_next(a, "@batch=%s;* :%s PART #ev :bye", id, itest_pfx(b));
	itest_expect_next(a, "@batch=%s;* PRIVMSG #ev :to be deleted", id);
	itest_expect_next(a, ":" SRV " BATCH -%s", id);
	/* REDACT: the message leaves the history. */
	itest_send(a, "REDACT #ev %s :oops", msgid);
	itest_expect_next(a, "@*msgid=* :%s REDACT #ev %s :oops", itest_pfx(a), msgid);
	itest_send(a, "CHATHISTORY AROUND #ev msgid=%s 10", msgid);
	batch_id(itest_expect_next(a, ":" SRV " BATCH +* chathistory #ev"), id, sizeof(id));
	itest_expect_next(a, ":" SRV " BATCH -%s", id);
	itest_send(a, "REDACT #ev %s", msgid);
	itest_expect_next(a, ":" SRV " FAIL REDACT UNKNOWN_MSGID #ev %s :*", msgid);
	itest_close(a);
	itest_close(b);
	itest_server_stop_ok(s);
}

static void
test_reload_limits(void **state)
{
	struct itest_server *s = itest_server_start_ok(ITEST_CONF_FAST);
	struct itest_client *a = history_user(s, "rlA", "#rl", CAPS);
	char id[64], *log;
	int64_t deadline;

	(void)state;
	itest_send(a, "PRIVMSG #rl :kept");
	itest_expect_next(a, "@* PRIVMSG #rl :kept");
	itest_server_write_conf(s, ITEST_CONF_FAST "history_lines = 0\n");
	itest_server_signal(s, SIGHUP);
	/* Bounded wait for the reload to be logged. */
	deadline = itest_now_ms() + ITEST_TIMEOUT_MS;
	for (;;) {
		log = itest_server_log(s);
		if (strstr(log, "reloaded") != NULL) {
			free(log);
			break;
		}
		free(log);
		if (itest_now_ms() > deadline)
			itest_fail_at(ITEST_HERE, "no reload logged after SIGHUP");
		itest_sleep_ms(10);
	}
	itest_send(a, "CHATHISTORY LATEST #rl * 10");
	batch_id(itest_expect_next(a, ":" SRV " BATCH +* chathistory #rl"), id, sizeof(id));
	itest_expect_next(a, ":" SRV " BATCH -%s", id);
	itest_close(a);
	itest_server_stop_ok(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_replay_is_what_was_sent),
		itest_unit_test(test_events_and_redact),
		itest_unit_test(test_reload_limits),
	};

	return itest_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
