/*
 * Unit tests of the snapshot taken in slices (persist_snapshot_begin(),
 * _step(); history_walk()): the history store changes between the slices
 * (items added, dropped by every bound, redacted, whole targets gone,
 * channels renamed),
 * and the new file a compaction writes (the snapshot, then the records
 * made since it began) must replay to exactly the store's content. So
 * must the old file, which gets the same records. Then histfile.c's
 * compaction of a real file over many rounds, with a crash in the middle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "fake.h"
#include "histfile.h"
#include "history.h"
#include "journal.h"
#include "persist.h"
#include "server.h"

/* A small deterministic generator (xorshift32): each seed is one story. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* The story's state: its clock and the msgids handed out. */
struct story {
	struct server *srv;
	uint32_t seed;
	int64_t  now;
	unsigned next_id;
};

/*
 * A channel message to one of few channels (each fills to its line bound
 * and drops), or a direct message between accounts (two copies, same msgid),
 * of a varying size (for the byte bound).
 */
static void
story_add(struct story *s)
{
	char msgid[32], line[400], target[32], pad[200];
	uint32_t r = rnd(&s->seed);
	struct history_item it = { 0 };
	size_t padlen = r % (sizeof(pad) - 1);

	memset(pad, 'x', padlen);
	pad[padlen] = '\0';
	s->now += rnd(&s->seed) % 40;
	snprintf(msgid, sizeof(msgid), "m%u", s->next_id++);
	it.time_ms = s->now;
	it.msgid = msgid;
	it.kind = r % 13 == 0 ? HISTORY_JOIN : HISTORY_PRIVMSG;
	it.tags = r % 3 == 0 ? "+draft/react=y" : NULL;
	it.account = r % 4 == 0 ? "acct1" : NULL;
	if (r % 5 == 0) {
		snprintf(target, sizeof(target), "nick%u", (r >> 8) % 4);
		snprintf(line, sizeof(line), ":a!u@h PRIVMSG %s :%s", target, pad);
		it.target = target;
		it.owner = (r >> 12) % 2 ? "acct1" : "acct2";
	} else {
		snprintf(target, sizeof(target), "#c%u", (r >> 8) % 3);
		snprintf(line, sizeof(line), ":a!u@h PRIVMSG %s :%u %s", target, s->next_id, pad);
		it.target = target;
	}
	it.line = line;
	it.len = strlen(line);
	assert_true(history_add(s->srv->history, &it) >= 0);
}

/*
 * Redact one of the msgids handed out since first (those the walk is to
 * visit when first is where it began), which may be gone already.
 */
static void
story_redact(struct story *s, unsigned first)
{
	char msgid[32];

	if (s->next_id <= first)
		return;
	snprintf(msgid, sizeof(msgid), "m%u", first + rnd(&s->seed) % (s->next_id - first));
	history_remove(s->srv->history, msgid);
}

/*
 * Rename one channel to another's name, as RENAME does (that one's items
 * go first); its history goes with it.
 */
static void
story_rename(struct story *s)
{
	char from[16], to[16];
	uint32_t r = rnd(&s->seed);

	snprintf(from, sizeof(from), "#c%u", r % 3);
	snprintf(to, sizeof(to), "#c%u", (r % 3 + 1 + (r >> 4) % 2) % 3);
	history_clear(s->srv->history, to, NULL);
	assert_int_equal(history_rename(s->srv->history, from, to), 0);
	persist_rename(s->srv, from, to);
}

/* The bounds of both servers: every one of them drops now and then. */
static const struct history_limits limits = { 5, 4000, 40000 };

static struct server *
story_server(void)
{
	struct server *srv = fake_server();

	history_set_limits(srv->history, &limits, 0);
	return srv;
}

/* Replay the journal in data into a fresh server: its dump. */
static char *
replayed(const void *data, size_t len)
{
	struct server *srv = story_server();
	struct persist_stats st;
	char *d;

	assert_int_equal(persist_replay(srv, data, len, &st), JOURNAL_HEADER_OK);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.dropped, 0);
	d = fake_history_dump(srv);
	fake_free(srv);
	return d;
}

/*
 * One compaction, the store changing between slices of slice bytes: the
 * snapshot plus the records made since it began replays to the store's
 * content, as does the old journal. Returns the slices it took; adds the
 * items compared to *items, and the snapshots taken again to *agains.
 */
static unsigned
run_story(uint32_t seed, size_t slice, size_t *items, unsigned *agains)
{
	struct story s = { .srv = story_server(), .seed = seed, .now = 1000000 };
	struct buf old, nf;
	size_t mark, snap_len;
	unsigned slices = 0;
	char *live, *got;
	int rc = 0;
	uint32_t r;

	buf_init(&old, 0);
	buf_init(&nf, 0);
	assert_int_equal(buf_append(&old, "", 0), 0);
	{
		uint8_t h[JOURNAL_HEADER_SIZE];

		journal_header(h);
		assert_int_equal(buf_append(&old, h, sizeof(h)), 0);
	}
	s.srv->journal = &old;
	persist_attach(s.srv);
	for (int i = 0; i < 150; i++)
		story_add(&s);
	assert_int_equal(persist_snapshot_begin(s.srv, &nf), 0);
	mark = buf_len(&old);
	while (rc == 0) {
		r = rnd(&s.seed) % 20;
		if (r < 9)
			story_add(&s);
		else if (r < 12)
			story_redact(&s, 0);
		else if (r < 13)
			story_redact(&s, s.next_id - s.next_id / 8);
		else if (r < 14)
			s.now += 1500;  /* the next adds drop by age */
		else if (r < 15 && rnd(&s.seed) % 2)
			story_rename(&s);
		else if (r < 16) {
			/* A snapshot in one go (a hot upgrade's) leaves the walk be. */
			struct buf whole;

			buf_init(&whole, 0);
			assert_int_equal(persist_snapshot(s.srv, &whole), 0);
			assert_true(s.srv->journal_drops);
			buf_free(&whole);
		} else {
			rc = persist_snapshot_step(s.srv, &nf, slice);
			slices++;
		}
		/* A rename came: the snapshot is taken again, from the start. */
		if (rc == PERSIST_SNAPSHOT_AGAIN) {
			persist_snapshot_end(s.srv);
			buf_truncate(&nf, 0);
			assert_int_equal(persist_snapshot_begin(s.srv, &nf), 0);
			mark = buf_len(&old);
			rc = 0;
			(*agains)++;
		}
	}
	assert_int_equal(rc, 1);
	assert_false(s.srv->journal_drops);
	/*
	 * The new file: the snapshot, then what was journaled since it began;
	 * checked as the walk ends (later adds could hide a difference by
	 * pushing out an item a replay kept wrongly) and after more changes.
	 */
	snap_len = buf_len(&nf);
	for (int round = 0; round < 2; round++) {
		buf_truncate(&nf, snap_len);
		assert_int_equal(buf_append(&nf, buf_data(&old) + mark,
		    buf_len(&old) - mark), 0);
		live = fake_history_dump(s.srv);
		*items += history_count(s.srv->history);
		got = replayed(buf_data(&nf), buf_len(&nf));
		assert_string_equal(got, live);
		free(got);
		got = replayed(buf_data(&old), buf_len(&old));
		assert_string_equal(got, live);
		free(got);
		free(live);
		for (int i = 0; i < 20; i++)
			story_add(&s);
	}
	s.srv->journal = NULL;
	buf_free(&old);
	buf_free(&nf);
	fake_free(s.srv);
	return slices;
}

static void
test_interleaved(void **state)
{
	unsigned slices = 0;
	size_t items = 0;
	unsigned agains = 0;

	(void)state;
	for (uint32_t seed = 1; seed <= 300; seed++)
		slices += run_story(seed * 2654435761u | 1, 1 + seed % 700, &items, &agains);
	/* Renames came in the middle of walks. */
	assert_true(agains > 30);
	/* The walks were cut into many slices, and the stores were not empty. */
	assert_true(slices > 300 * 5);
	assert_true(items > 300 * 2 * 10);
}

/*
 * The walk itself: it ends at the items held when it began, passes over
 * items removed before it gets to them, and tells when it is over.
 */
static bool
collect(void *arg, const struct history_item *it)
{
	struct buf *b = arg;

	buf_append(b, it->msgid, strlen(it->msgid));
	buf_append(b, " ", 1);
	return false;           /* one at a time */
}

static void
add_plain(struct history *h, const char *target, const char *msgid)
{
	struct history_item it = { .target = target, .time_ms = 1, .msgid = msgid,
	    .line = ":a PRIVMSG x :y", .len = 15 };

	assert_int_equal(history_add(h, &it), 0);
}

static void
test_walk(void **state)
{
	struct history *h = history_new(&(struct history_limits){ 3, 0, 1 << 20 });
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_true(history_walk(h, collect, &b));     /* no walk: over */
	add_plain(h, "#a", "1");
	add_plain(h, "#b", "2");
	add_plain(h, "#a", "3");
	add_plain(h, "#b", "4");
	history_walk_begin(h);
	assert_false(history_walk(h, collect, &b));    /* 1 */
	add_plain(h, "#a", "5");                       /* after the end: not visited */
	assert_int_equal(history_remove(h, "2"), 1);   /* not reached yet: passed over */
	add_plain(h, "#a", "6");                       /* drops 1, visited */
	add_plain(h, "#a", "7");                       /* drops 3 by the line bound */
	assert_true(history_walk(h, collect, &b));     /* 4, the last: over */
	assert_true(history_walk(h, collect, &b));     /* and stays over */
	buf_append(&b, "", 1);
	assert_string_equal(buf_data(&b), "1 4 ");
	/* The last item to visit goes: the walk ends before it. */
	buf_consume(&b, buf_len(&b));
	history_walk_begin(h);                         /* 4 5 6 7 */
	assert_false(history_walk(h, collect, &b));
	assert_int_equal(history_remove(h, "7"), 1);
	assert_false(history_walk(h, collect, &b));
	assert_true(history_walk(h, collect, &b));
	buf_append(&b, "", 1);
	assert_string_equal(buf_data(&b), "4 5 6 ");
	/* Ended early; then a drop replayed from a journal. */
	history_walk_begin(h);
	history_walk_end(h);
	assert_true(history_walk(h, collect, &b));
	assert_false(history_drop(h, "#a", NULL, "4"));
	assert_true(history_drop(h, "#b", NULL, "4"));
	assert_false(history_drop(h, "#b", NULL, "4"));
	assert_int_equal(history_count(h), 2);
	buf_free(&b);
	history_free(h);
}

/*
 * The case that needs the drops journaled: the walk has passed the oldest
 * item of a full target, and not the next. A new item pushes the oldest
 * out, then the next is redacted before the walk gets to it. The snapshot
 * has the oldest and not the next, so on replay the new item finds room
 * and would push nothing out: the record of the drop removes the oldest.
 */
static void
test_passed_dropped_unpassed_redacted(void **state)
{
	struct server *srv = fake_server();
	struct history_limits two = { 2, 0, 1 << 20 };
	struct history_item it = { .target = "#x", .time_ms = 1, .line = ":a PRIVMSG #x :y",
	    .len = 16 };
	struct buf old, nf;
	struct persist_stats st;
	size_t mark;
	char *live, *got;

	(void)state;
	history_set_limits(srv->history, &two, 0);
	buf_init(&old, 0);
	buf_init(&nf, 0);
	srv->journal = &old;
	persist_attach(srv);
	it.msgid = "o1";
	assert_int_equal(history_add(srv->history, &it), 0);
	it.msgid = "o2";
	assert_int_equal(history_add(srv->history, &it), 0);
	assert_int_equal(persist_snapshot_begin(srv, &nf), 0);
	mark = buf_len(&old);
	/* The walk passes o1 (a step of one byte: one item). */
	assert_int_equal(persist_snapshot_step(srv, &nf, 1), 0);
	it.msgid = "a1";
	assert_int_equal(history_add(srv->history, &it), 0);     /* drops o1 */
	assert_int_equal(history_remove(srv->history, "o2"), 1);
	assert_int_equal(persist_snapshot_step(srv, &nf, 1), 1);
	assert_int_equal(buf_append(&nf, buf_data(&old) + mark, buf_len(&old) - mark), 0);
	live = fake_history_dump(srv);
	srv->journal = NULL;
	fake_free(srv);
	srv = fake_server();
	history_set_limits(srv->history, &two, 0);
	assert_int_equal(persist_replay(srv, buf_data(&nf), buf_len(&nf), &st), JOURNAL_HEADER_OK);
	got = fake_history_dump(srv);
	assert_string_equal(got, live);
	assert_int_equal(history_count(srv->history), 1);
	free(got);
	free(live);
	buf_free(&old);
	buf_free(&nf);
	fake_free(srv);
}

/* Bounds large enough for the file tests to keep what they write. */
static const struct history_limits big = { 100000, 0, 64 << 20 };

/* The journal file at path replayed into a fresh server: its dump. */
static char *
file_replayed(const char *path, size_t *dropped)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[65536], *d;
	struct server *srv = fake_server();
	struct persist_stats st;
	size_t n;

	history_set_limits(srv->history, &big, 0);
	assert_non_null(f);
	buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_append(&b, chunk, n), 0);
	fclose(f);
	assert_int_equal(persist_replay(srv, buf_data(&b), buf_len(&b), &st), JOURNAL_HEADER_OK);
	assert_int_equal(st.bad, 0);
	*dropped = st.dropped;
	d = fake_history_dump(srv);
	buf_free(&b);
	fake_free(srv);
	return d;
}

/*
 * A crash now: copies of the file and of the half-written new one. A
 * server started on them finds the old file whole, with a state the live
 * one went through (here: the state at the last round, as nothing changed
 * since), and removes the new one.
 */
static void
crash_copy(const char *dir, const char *path, const char *tmp, const char *live)
{
	char crash[96], crash_tmp[112], lock[112], err[256];
	struct server *srv = fake_server();
	struct histfile *hf;
	size_t dropped;
	char *got;

	snprintf(crash, sizeof(crash), "%s/crash", dir);
	snprintf(crash_tmp, sizeof(crash_tmp), "%s.new", crash);
	snprintf(lock, sizeof(lock), "%s.lock", crash);
	fake_copy_file(path, crash);
	fake_copy_file(tmp, crash_tmp);
	got = file_replayed(crash, &dropped);
	assert_int_equal(dropped, 0);
	assert_string_equal(got, live);
	free(got);
	history_set_limits(srv->history, &big, 0);
	hf = histfile_open(srv, crash, 0, 0, err, sizeof(err));
	assert_non_null(hf);
	assert_int_equal(access(crash_tmp, F_OK), -1);
	histfile_close(hf);
	fake_free(srv);
	unlink(crash);
	unlink(lock);
}

/*
 * Compaction of a real file, the store changing between its rounds: it
 * takes many rounds (no round encodes the whole store), the file at path
 * is a whole journal with the live state after every round, also when a
 * crash leaves the new file half-written, and so is the new one once in
 * place.
 */
static void
test_histfile_rounds(void **state)
{
	char dir[] = "/tmp/ircserv-compact.XXXXXX", path[64], tmp[80], lock[80];
	struct story s = { .srv = story_server(), .seed = 12345, .now = 1000000 };
	struct histfile *hf;
	char err[256], *live, *got;
	unsigned rounds = 0, compactions = 0;
	bool was_compacting = false, crashed = false;
	size_t dropped;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/hist", dir);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	history_set_limits(s.srv->history, &big, 0);
	hf = histfile_open(s.srv, path, 0, 0, err, sizeof(err));
	assert_non_null(hf);
	/* About 150 bytes a record: the file passes 2 MiB, then goes on growing. */
	for (int i = 0; i < 60000 && compactions < 3; i++) {
		story_add(&s);
		if (i % 7 == 0)
			story_redact(&s, 0);
		/* Now and then in the middle of a compaction, which starts again. */
		if (i % 2999 == 0)
			story_rename(&s);
		if (i % 50 != 49)
			continue;
		histfile_round(hf, 0);
		if (access(tmp, F_OK) == 0) {
			rounds++;
			was_compacting = true;
		} else if (was_compacting) {
			was_compacting = false;
			compactions++;
		}
		if (i % 1000 != 999 && !(was_compacting && !crashed))
			continue;
		live = fake_history_dump(s.srv);
		got = file_replayed(path, &dropped);
		assert_int_equal(dropped, 0);
		assert_string_equal(got, live);
		free(got);
		if (was_compacting && !crashed) {
			crashed = true;
			crash_copy(dir, path, tmp, live);
		}
		free(live);
	}
	assert_true(compactions >= 2);
	assert_true(crashed);
	/* Each compaction took several rounds. */
	assert_true(rounds > compactions * 4);
	histfile_close(hf);
	live = fake_history_dump(s.srv);
	got = file_replayed(path, &dropped);
	assert_int_equal(dropped, 0);
	assert_string_equal(got, live);
	free(got);
	free(live);
	fake_free(s.srv);
	unlink(path);
	unlink(lock);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_passed_dropped_unpassed_redacted),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_histfile_rounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
