/*
 * Unit tests for persist.c and histfile.c: the records MARKREAD makes,
 * replay into a fresh server (damaged tails, unknown and malformed
 * records), the snapshot that compaction writes, and compaction of a real
 * file in a temporary directory, which must be a whole journal at every
 * step, however it is interrupted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "client.h"
#include "fake.h"
#include "histfile.h"
#include "history.h"
#include "journal.h"
#include "persist.h"
#include "readmarker.h"
#include "server.h"

/* A buffer holding a journal header, ready for records. */
static void
journal_init(struct buf *b)
{
	uint8_t h[JOURNAL_HEADER_SIZE];

	buf_init(b, 0);
	journal_header(h);
	assert_int_equal(buf_append(b, h, sizeof(h)), 0);
}

/* A registered client logged in to account (as SASL would leave it). */
static struct client *
account_client(struct server *srv, const char *nick, const char *account)
{
	struct client *cli = fake_registered(srv, nick);

	assert_int_equal(client_set_account(cli, account), 0);
	return cli;
}

static void
test_markread_journaled(void **state)
{
	struct server *srv = fake_server(), *again = fake_server();
	struct client *a = account_client(srv, "alice", "acct");
	struct client *b = fake_registered(srv, "bob");
	struct persist_stats st;
	struct buf j;
	size_t len;

	(void)state;
	journal_init(&j);
	srv->journal = &j;
	fake_line(srv, a, "MARKREAD #chan timestamp=2022-11-11T11:11:11.111Z");
	len = buf_len(&j);
	assert_true(len > JOURNAL_HEADER_SIZE);
	/* A marker that does not move, and one of a connection, are not kept. */
	fake_line(srv, a, "MARKREAD #chan timestamp=2020-01-01T00:00:00.000Z");
	fake_line(srv, b, "MARKREAD #chan timestamp=2022-11-11T11:11:11.111Z");
	assert_int_equal(buf_len(&j), len);
	fake_line(srv, a, "MARKREAD Bob timestamp=2022-11-11T11:11:12.000Z");
	assert_int_equal(persist_replay(again, buf_data(&j), buf_len(&j), &st),
	    JOURNAL_HEADER_OK);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.applied, 2);
	assert_int_equal(st.dropped, 0);
	assert_true(readmarker_get(again->markers, "acct", "#CHAN") == 1668165071111);
	assert_true(readmarker_get(again->markers, "acct", "bob") == 1668165072000);
	srv->journal = NULL;
	buf_free(&j);
	fake_free(srv);
	fake_free(again);
}

/* Two stores hold the same markers. */
static int
same_marker(void *ud, const char *owner, const char *target, int64_t ms)
{
	return readmarker_get(ud, owner, target) == ms ? 0 : -1;
}

static void
assert_same(struct server *a, struct server *b)
{
	assert_int_equal(readmarker_owners(a->markers), readmarker_owners(b->markers));
	assert_int_equal(readmarker_walk(a->markers, same_marker, b->markers), 0);
	assert_int_equal(readmarker_walk(b->markers, same_marker, a->markers), 0);
}

/* The snapshot is the live state alone, and replays to the same state. */
static void
test_snapshot(void **state)
{
	struct server *srv = fake_server(), *from_log = fake_server();
	struct server *from_snap = fake_server();
	struct persist_stats st;
	struct buf j, snap;
	char owner[16], target[16];

	(void)state;
	journal_init(&j);
	srv->journal = &j;
	for (int i = 0; i < 3000; i++) {
		snprintf(owner, sizeof(owner), "acct%d", i % 7);
		snprintf(target, sizeof(target), "#t%d", i % 11);
		readmarker_set(srv->markers, owner, target, 1000 + i, &(int64_t){ 0 });
		persist_marker(srv, owner, target, 1000 + i);
	}
	buf_init(&snap, 0);
	assert_int_equal(persist_snapshot(srv, &snap), 0);
	/* 7 owners x 11 targets (every pair occurs), each record under 40 bytes. */
	assert_true(buf_len(&snap) < JOURNAL_HEADER_SIZE + 77 * 40);
	assert_true(buf_len(&j) > 3000 * 20);
	persist_replay(from_log, buf_data(&j), buf_len(&j), &st);
	assert_int_equal(st.applied, 3000);
	persist_replay(from_snap, buf_data(&snap), buf_len(&snap), &st);
	assert_int_equal(st.applied, 77);
	assert_same(srv, from_log);
	assert_same(srv, from_snap);
	srv->journal = NULL;
	buf_free(&j);
	buf_free(&snap);
	fake_free(srv);
	fake_free(from_log);
	fake_free(from_snap);
}

static void
put_marker(struct buf *j, const char *owner, const char *target, uint64_t ms)
{
	struct journal_enc e;

	journal_begin(&e, j, JOURNAL_MARKER);
	journal_put_str(&e, owner);
	journal_put_str(&e, target);
	journal_put_u64(&e, ms);
	assert_true(journal_end(&e) > 0);
}

/* Unknown types are skipped, malformed records counted, the tail dropped. */
static void
test_replay_hostile(void **state)
{
	struct server *srv = fake_server();
	struct persist_stats st;
	struct journal_enc e;
	struct buf j;

	(void)state;
	journal_init(&j);
	put_marker(&j, "acct", "#a", 5000);
	journal_begin(&e, &j, 250);
	journal_put_str(&e, "from a newer server");
	journal_end(&e);
	put_marker(&j, "", "#a", 1);                    /* no owner */
	put_marker(&j, "acct", "#b", (uint64_t)-5);     /* before 1970 */
	journal_begin(&e, &j, JOURNAL_MARKER);          /* a field missing */
	journal_put_str(&e, "acct");
	journal_put_str(&e, "#c");
	journal_end(&e);
	journal_begin(&e, &j, JOURNAL_MARKER);          /* a field too many */
	journal_put_str(&e, "acct");
	journal_put_str(&e, "#d");
	journal_put_u64(&e, 7);
	journal_put_u8(&e, 0);
	journal_end(&e);
	put_marker(&j, "acct", "#e", 6000);
	buf_append(&j, "\x10\x00\x00\x00junk", 8);
	assert_int_equal(persist_replay(srv, buf_data(&j), buf_len(&j), &st),
	    JOURNAL_HEADER_OK);
	assert_int_equal(st.records, 7);
	assert_int_equal(st.applied, 2);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(st.bad, 4);
	assert_int_equal(st.dropped, 8);
	assert_true(readmarker_get(srv->markers, "acct", "#a") == 5000);
	assert_true(readmarker_get(srv->markers, "acct", "#e") == 6000);
	assert_int_equal(readmarker_targets(srv->markers, "acct"), 2);
	/* Not a journal: nothing is applied. */
	assert_int_equal(persist_replay(srv, "hello", 5, &st), JOURNAL_HEADER_FOREIGN);
	buf_free(&j);
	fake_free(srv);
}

/*
 * A HISTORY_ADD record of kind, with line (len bytes) as its line field,
 * and one field more when extra.
 */
static void
put_item(struct buf *j, unsigned kind, const char *msgid, const char *line,
    size_t len, bool extra)
{
	struct journal_enc e;

	journal_begin(&e, j, JOURNAL_HISTORY_ADD);
	journal_put_u8(&e, (uint8_t)kind);
	journal_put_u32(&e, 0);
	journal_put_u64(&e, 1700000000000);
	journal_put_str(&e, "#h");
	journal_put_str(&e, "");
	journal_put_str(&e, msgid);
	journal_put_bytes(&e, line, len);
	journal_put_str(&e, "");
	journal_put_str(&e, "");
	if (extra)
		journal_put_u8(&e, 0);
	assert_true(journal_end(&e) > 0);
}

/* History records that do not parse are counted and skipped, not half applied. */
static void
test_replay_hostile_history(void **state)
{
	struct server *srv = fake_server();
	struct persist_stats st;
	struct journal_enc e;
	struct buf j;
	struct history_item it;

	(void)state;
	journal_init(&j);
	put_item(&j, HISTORY_PRIVMSG, "good", ":a PRIVMSG #h :x", 16, false);
	put_item(&j, HISTORY_PRIVMSG, "nul", ":a PRIVMSG #h :\0x", 17, false);
	put_item(&j, HISTORY_NKINDS, "kind", ":a PRIVMSG #h :x", 16, false);
	put_item(&j, HISTORY_PRIVMSG, "extra", ":a PRIVMSG #h :x", 16, true);
	put_item(&j, HISTORY_PRIVMSG, "empty", "", 0, false);
	journal_begin(&e, &j, JOURNAL_HISTORY_ADD);     /* cut after the target */
	journal_put_u8(&e, HISTORY_PRIVMSG);
	journal_put_u32(&e, 0);
	journal_put_u64(&e, 1700000000000);
	journal_put_str(&e, "#h");
	journal_end(&e);
	journal_begin(&e, &j, JOURNAL_HISTORY_DEL);     /* an empty msgid */
	journal_put_str(&e, "");
	journal_end(&e);
	journal_begin(&e, &j, JOURNAL_HISTORY_DEL);     /* a msgid with a NUL */
	journal_put_bytes(&e, "go\0od", 5);
	journal_end(&e);
	assert_int_equal(persist_replay(srv, buf_data(&j), buf_len(&j), &st),
	    JOURNAL_HEADER_OK);
	assert_int_equal(st.records, 8);
	assert_int_equal(st.applied, 1);
	assert_int_equal(st.bad, 7);
	assert_int_equal(history_count(srv->history), 1);
	assert_true(history_find(srv->history, "#h", NULL, "good", &it));
	assert_int_equal(it.len, 16);
	buf_free(&j);
	fake_free(srv);
}

/* History items, a redaction, and both replays (journal, snapshot). */
static void
test_history_journaled(void **state)
{
	struct server *srv = fake_server(), *from_log = fake_server();
	struct server *from_snap = fake_server();
	struct persist_stats st;
	struct buf j, snap;
	char msgid[32], line[128], *a, *b;
	struct history_item it;
	size_t len;

	(void)state;
	journal_init(&j);
	srv->journal = &j;
	persist_attach(srv);
	for (int i = 0; i < 200; i++) {
		snprintf(msgid, sizeof(msgid), "id%d", i);
		snprintf(line, sizeof(line), ":nick%d!u@h PRIVMSG %s :message %d", i % 3,
		    i % 2 ? "#chan" : "bob", i);
		it = (struct history_item){ .target = i % 2 ? "#chan" : "bob",
		    .owner = i % 2 ? NULL : "acct", .time_ms = 1700000000000 + i,
		    .msgid = msgid, .line = line, .len = strlen(line),
		    .tags = i % 5 ? NULL : "+draft/react=x", .account = i % 7 ? NULL : "acct",
		    .kind = i % 4 ? HISTORY_PRIVMSG : HISTORY_TAGMSG, .flags = i % 2 };
		assert_int_equal(history_add(srv->history, &it), 0);
	}
	assert_int_equal(history_remove(srv->history, "id7"), 1);
	assert_int_equal(history_remove(srv->history, "id8"), 1);
	persist_replay(from_log, buf_data(&j), buf_len(&j), &st);
	assert_int_equal(st.records, 202);
	assert_int_equal(st.applied, 202);
	buf_init(&snap, 0);
	assert_int_equal(persist_snapshot(srv, &snap), 0);
	persist_replay(from_snap, buf_data(&snap), buf_len(&snap), &st);
	assert_int_equal(st.applied, 198);
	a = fake_history_dump(srv);
	assert_non_null(strstr(a, "#chan|-|1700000000001|id1|:nick1!u@h PRIVMSG #chan :message 1|-|-|0|1\n"));
	assert_non_null(strstr(a, "bob|acct|1700000000000|id0|:nick0!u@h PRIVMSG bob :message 0|+draft/react=x|acct|2|0\n"));
	assert_null(strstr(a, "|id7|"));
	b = fake_history_dump(from_log);
	assert_string_equal(a, b);
	free(b);
	b = fake_history_dump(from_snap);
	assert_string_equal(a, b);
	free(b);
	free(a);
	/* Journaling stops with the journal. */
	len = buf_len(&j);
	srv->journal = NULL;
	it.msgid = "late";
	assert_int_equal(history_add(srv->history, &it), 0);
	srv->journal = &j;
	assert_int_equal(buf_len(&j), len);
	it.msgid = "later";
	assert_int_equal(history_add(srv->history, &it), 0);
	assert_true(buf_len(&j) > len);
	buf_free(&j);
	buf_free(&snap);
	fake_free(srv);
	fake_free(from_log);
	fake_free(from_snap);
}

/*
 * A server that restarts within the second it started before must not
 * hand out a restored msgid again (reply.c: "<started hex>-<seq hex>").
 */
static void
test_msgid_after_restart(void **state)
{
	struct server *srv = fake_server(), *again = fake_server();
	struct persist_stats st;
	struct history_item it;
	char msgid[40];
	struct buf j;

	(void)state;
	journal_init(&j);
	srv->journal = &j;
	persist_attach(srv);
	snprintf(msgid, sizeof(msgid), "%lx-%x", (unsigned long)again->started, 0x2a);
	it = (struct history_item){ .target = "#c", .time_ms = 1700000000000,
	    .msgid = msgid, .line = ":a!b@c PRIVMSG #c :hi", .len = 21 };
	assert_int_equal(history_add(srv->history, &it), 0);
	it.msgid = "another-server-ffff";
	assert_int_equal(history_add(srv->history, &it), 0);
	again->msgid_seq = 3;
	persist_replay(again, buf_data(&j), buf_len(&j), &st);
	assert_int_equal(st.applied, 2);
	assert_true(again->msgid_seq == 0x2a);
	buf_free(&j);
	srv->journal = NULL;
	fake_free(srv);
	fake_free(again);
}

/* The file at path, read whole into a new server; returns its size. */
static long
load_into(const char *path, struct server *srv, struct persist_stats *st)
{
	FILE *f = fopen(path, "rb");
	static uint8_t data[8 * 1024 * 1024];
	size_t n;

	assert_non_null(f);
	n = fread(data, 1, sizeof(data), f);
	fclose(f);
	assert_int_equal(persist_replay(srv, data, n, st), JOURNAL_HEADER_OK);
	return (long)n;
}

/*
 * Compaction of a real file: markers rewritten until the file passes
 * twice HISTFILE_COMPACT_MIN; at every round the file at path is a whole
 * journal (at most one record cut short at its end, as a crash would leave
 * it), and a server started from it at any point has a prefix of the
 * changes. A compaction interrupted by a crash leaves the old file.
 */
static void
test_histfile_compaction(void **state)
{
	char dir[] = "/tmp/ircserv-persist.XXXXXX", path[64], tmp[80];
	char crash[80], crash_tmp[96];
	struct server *srv = fake_server(), *check;
	struct histfile *hf;
	struct persist_stats st;
	char err[256], target[64];
	int64_t now = 1000;
	bool compacted = false, interrupted = false;
	long size, top = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/hist", dir);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	snprintf(crash, sizeof(crash), "%s/crash", dir);
	snprintf(crash_tmp, sizeof(crash_tmp), "%s.new", crash);
	hf = histfile_open(srv, path, 0, now, err, sizeof(err));
	assert_non_null(hf);
	assert_non_null(srv->journal);
	for (int i = 0; i < 60000; i++) {
		snprintf(target, sizeof(target), "#a-long-channel-name-for-bigger-records%d", i % 5);
		readmarker_set(srv->markers, "acct", target, i + 1, &(int64_t){ 0 });
		persist_marker(srv, "acct", target, i + 1);
		if (i % 1000 != 999)
			continue;
		histfile_round(hf, now++);
		check = fake_server();
		size = load_into(path, check, &st);
		assert_true(st.dropped < 100);
		/* What a restart finds: no marker newer than the truth. */
		assert_true(readmarker_get(check->markers, "acct", target) <= i + 1);
		if (access(tmp, F_OK) == 0 && !interrupted) {
			/*
			 * A crash now, as a copy of both files: the old file is
			 * whole, and a restart replaces the half-written new one.
			 */
			struct server *crashed = fake_server();
			struct histfile *hf2;

			interrupted = true;
			fake_copy_file(path, crash);
			fake_copy_file(tmp, crash_tmp);
			hf2 = histfile_open(crashed, crash, 0, now, err, sizeof(err));
			assert_non_null(hf2);
			assert_true(readmarker_get(crashed->markers, "acct", target) > 0);
			histfile_close(hf2);
			assert_int_equal(access(crash_tmp, F_OK), -1);
			fake_free(crashed);
			unlink(crash);
		}
		if (size < top)
			compacted = true;
		top = size;
		assert_true(size < 2 * HISTFILE_COMPACT_MIN + HISTFILE_ROUND_BYTES +
		    HISTFILE_COMPACT_BYTES);
		fake_free(check);
	}
	while (histfile_round(hf, now++) == 0)
		;
	assert_true(compacted);
	assert_true(interrupted);
	histfile_close(hf);
	assert_null(srv->journal);
	check = fake_server();
	load_into(path, check, &st);
	assert_int_equal(st.dropped, 0);
	assert_same(srv, check);
	fake_free(check);
	fake_free(srv);
	unlink(path);
	unlink(tmp);
	snprintf(crash_tmp, sizeof(crash_tmp), "%s.lock", path);
	unlink(crash_tmp);
	snprintf(crash_tmp, sizeof(crash_tmp), "%s/crash.lock", dir);
	unlink(crash_tmp);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markread_journaled),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_replay_hostile),
		cmocka_unit_test(test_replay_hostile_history),
		cmocka_unit_test(test_history_journaled),
		cmocka_unit_test(test_msgid_after_restart),
		cmocka_unit_test(test_histfile_compaction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
