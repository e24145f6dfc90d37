/*
 * Integration tests for history_file: every message (through CHATHISTORY)
 * and read marker is found again after a restart on SIGTERM and after
 * kill -9 one second after the last message, and a redacted message stays
 * gone; a damaged tail is dropped (and logged) and the server starts
 * with what came before it; a file that is not a journal, or one another
 * server has open, stops the server; the file is compacted and stays
 * bounded while state is rewritten over and over; kill -9 in the middle
 * of a compaction leaves the old file whole.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"

#define SRV             ITEST_SERVER_NAME
#define ACCT            "acct"
#define ACCT_PASS       "Acct-Pass-7"
#define NTARGETS        40
#define NMESSAGES       60
#define HIST_CAPS       "batch server-time message-tags draft/chathistory"

static char dir[256];

/* A private directory for the history files of this run. */
static const char *
hist_path(const char *name)
{
	static char path[512];

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "%s/ircserv-hist.XXXXXX",
		    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (mkdtemp(dir) == NULL)
			itest_fail_at(ITEST_HERE, "mkdtemp: %s", strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

/* Remove the files a test left in the directory. */
static void
hist_clean(const char *name)
{
	char p[600];
	const char *suffix[] = { "", ".new", ".damaged", ".lock" };

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", hist_path(name), suffix[i]);
		unlink(p);
	}
}

/*
 * ACCT_PASS hashed with 1000 iterations (made with Python's
 * hashlib.pbkdf2_hmac), so that the many logins of these tests are quick,
 * under valgrind too.
 */
#define ACCT_HASH       "$pbkdf2-sha256$1000$aXJjc2Vydi1oaXN0LXRlc3Q$" \
	"6p3BJx4UspEPb8AQYodxYvTBNqy+BjR1FvORfuzUGOE"

/* A configuration with account acct and history_file = name, plus extra. */
static const char *
hist_conf(const char *name, const char *extra)
{
	static char conf[4096];

	snprintf(conf, sizeof(conf), ITEST_CONF_FAST "account " ACCT " {\n"
	    "\tpassword = " ACCT_HASH "\n}\nhistory_file = %s\n%s", hist_path(name),
	    extra);
	return conf;
}

/* A registered user logged in to acct with draft/read-marker. */
static struct itest_client *
account_user(struct itest_server *s, const char *nick)
{
	struct itest_client *c = itest_user(s, nick);

	c->timeout_ms = ITEST_HASH_MS;
	itest_send(c, "CAP REQ :sasl draft/read-marker");
	itest_expect_next(c, ":" SRV " CAP %s ACK :sasl draft/read-marker", nick);
	itest_send(c, "AUTHENTICATE PLAIN");
	itest_expect_next(c, "AUTHENTICATE +");
	/* base64 of "\0acct\0Acct-Pass-7" */
	itest_send(c, "AUTHENTICATE AGFjY3QAQWNjdC1QYXNzLTc=");
	itest_expect_next(c, ":" SRV " 900 %s *", nick);
	itest_expect_next(c, ":" SRV " 903 %s :*", nick);
	c->timeout_ms = ITEST_TIMEOUT_MS;
	return c;
}

/* Set the markers of #hist0.. #hist<n-1>, each answered. */
static void
set_markers(struct itest_client *c, int n, int minute)
{
	for (int i = 0; i < n; i++) {
		itest_send(c, "MARKREAD #hist%d timestamp=2024-05-06T07:%02d:%02d.%03dZ", i,
		    minute, i % 60, i);
		itest_expect_next(c, ":" SRV " MARKREAD #hist%d timestamp="
		    "2024-05-06T07:%02d:%02d.%03dZ", i, minute, i % 60, i);
	}
}

/* Every marker set_markers() set is there; #histnone has none. */
static void
check_markers(struct itest_client *c, int n, int minute)
{
	for (int i = 0; i < n; i++) {
		itest_send(c, "MARKREAD #hist%d", i);
		itest_expect_next(c, ":" SRV " MARKREAD #hist%d timestamp="
		    "2024-05-06T07:%02d:%02d.%03dZ", i, minute, i % 60, i);
	}
	itest_send(c, "MARKREAD #histnone");
	itest_expect_next(c, ":" SRV " MARKREAD #histnone \\*");
}

/* A user in #keep with the capabilities CHATHISTORY replies need. */
static struct itest_client *
history_user(struct itest_server *s, const char *nick)
{
	struct itest_client *c = itest_user(s, nick);

	itest_join(c, "#keep");
	itest_send(c, "CAP REQ :" HIST_CAPS);
	itest_expect_next(c, ":" SRV " CAP %s ACK :" HIST_CAPS, nick);
	return c;
}

/* Say n lines in #keep, then make sure the server has handled them all. */
static void
say_lines(struct itest_client *c, int from, int n)
{
	for (int i = from; i < from + n; i++)
		itest_send(c, "PRIVMSG #keep :line %d of the history", i);
	itest_sync(c);
}

/* The msgid of the first line check_lines() saw. */
static char first_msgid[80];

/*
 * CHATHISTORY LATEST gives exactly lines from .. n-1 of sender, in order;
 * the first one's msgid is kept in first_msgid.
 */
static void
check_lines(struct itest_client *c, const char *sender, int from, int n)
{
	const char *l, *id_at;
	char id[32];

	itest_send(c, "CHATHISTORY LATEST #keep * 100");
	l = itest_expect_next(c, ":" SRV " BATCH +* chathistory #keep");
	snprintf(id, sizeof(id), "%s", l + strlen(":" SRV " BATCH +"));
	id[strcspn(id, " ")] = '\0';
	for (int i = from; i < n; i++) {
		l = itest_expect_next(c, "@batch=%s;time=*;msgid=* :%s!* PRIVMSG #keep :line "
		    "%d of the history", id, sender, i);
		if (i == from && (id_at = strstr(l, "msgid=")) != NULL) {
			snprintf(first_msgid, sizeof(first_msgid), "%s", id_at + 6);
			first_msgid[strcspn(first_msgid, " ;")] = '\0';
		}
	}
	itest_expect_next(c, ":" SRV " BATCH -%s", id);
}

static long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* SIGTERM: the server writes everything and exits; a new one finds it all. */
static void
test_restart_sigterm(void **state)
{
	struct itest_server *s = itest_server_start_ok(hist_conf("term", ""));
	struct itest_client *c = account_user(s, "histA"), *w = history_user(s, "histW");

	(void)state;
	set_markers(c, NTARGETS, 1);
	say_lines(w, 0, NMESSAGES / 2);
	itest_close(c);
	itest_close(w);
	itest_server_stop_ok(s);
	s = itest_server_start_ok(hist_conf("term", ""));
	c = account_user(s, "histB");
	w = history_user(s, "histW");
	check_markers(c, NTARGETS, 1);
	check_lines(w, "histW", 0, NMESSAGES / 2);
	/* Changes after the restart are kept too: a redaction among them. */
	set_markers(c, 3, 2);
	say_lines(w, NMESSAGES / 2, NMESSAGES / 2);
	itest_send(w, "REDACT #keep %s", first_msgid);
	itest_sync(w);
	check_lines(w, "histW", 1, NMESSAGES);
	itest_close(c);
	itest_close(w);
	itest_server_stop_ok(s);
	s = itest_server_start_ok(hist_conf("term", ""));
	c = account_user(s, "histC");
	w = history_user(s, "histR");
	check_markers(c, 3, 2);
	check_lines(w, "histW", 1, NMESSAGES);
	itest_close(c);
	itest_close(w);
	itest_server_stop_ok(s);
	hist_clean("term");
}

/* kill -9 one second after the last change loses nothing. */
static void
test_restart_kill9(void **state)
{
	struct itest_server *s = itest_server_start_ok(hist_conf("kill", ""));
	struct itest_client *c = account_user(s, "histK"), *w = history_user(s, "histW");

	(void)state;
	set_markers(c, NTARGETS, 3);
	say_lines(w, 0, NMESSAGES);
	itest_sleep_ms(1000);
	itest_server_signal(s, SIGKILL);
	assert_int_equal(itest_server_wait(s, ITEST_STOP_MS), 128 + SIGKILL);
	itest_close(c);
	itest_close(w);
	itest_server_free(s);
	s = itest_server_start_ok(hist_conf("kill", ""));
	c = account_user(s, "histL");
	w = history_user(s, "histR");
	check_markers(c, NTARGETS, 3);
	check_lines(w, "histW", 0, NMESSAGES);
	itest_close(c);
	itest_close(w);
	itest_server_stop_ok(s);
	hist_clean("kill");
}

/* Append bytes to the file at path. */
static void
append(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "ab");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* A damaged tail is dropped and logged; what came before it is served. */
static void
test_damaged_tail(void **state)
{
	struct itest_server *s = itest_server_start_ok(hist_conf("tail", ""));
	struct itest_client *c = account_user(s, "histT");
	char *log;
	long good;

	(void)state;
	set_markers(c, 5, 4);
	itest_close(c);
	itest_server_stop_ok(s);
	good = file_size(hist_path("tail"));
	assert_true(good > 16);
	/* A torn record: a length that promises more than is there. */
	append(hist_path("tail"), "\x30\x00\x00\x00\x12\x34\x56\x78\x01garbage", 16);
	s = itest_server_start_ok(hist_conf("tail", ""));
	c = account_user(s, "histU");
	check_markers(c, 5, 4);
	log = itest_server_log(s);
	assert_non_null(strstr(log, "damaged tail: 16 bytes dropped after 5 good records"));
	free(log);
	/* The old file is kept aside; the new one holds the good records. */
	assert_int_equal(file_size(hist_path("tail.damaged")), good + 16);
	assert_int_equal(file_size(hist_path("tail")), good);
	/* A record cut short by a crash (its last 3 bytes missing). */
	set_markers(c, 6, 5);
	itest_close(c);
	itest_server_stop_ok(s);
	assert_int_equal(truncate(hist_path("tail"), file_size(hist_path("tail")) - 3), 0);
	s = itest_server_start_ok(hist_conf("tail", ""));
	c = account_user(s, "histV");
	/* #hist5 was the last record: it is gone, the others are there. */
	for (int i = 0; i < 5; i++) {
		itest_send(c, "MARKREAD #hist%d", i);
		itest_expect_next(c, ":" SRV " MARKREAD #hist%d timestamp="
		    "2024-05-06T07:05:%02d.%03dZ", i, i, i);
	}
	itest_send(c, "MARKREAD #hist5");
	itest_expect_next(c, ":" SRV " MARKREAD #hist5 \\*");
	log = itest_server_log(s);
	assert_non_null(strstr(log, "damaged tail: "));
	free(log);
	itest_close(c);
	itest_server_stop_ok(s);
	hist_clean("tail");
}

/*
 * Run the server on history file name; it must exit with status 1 and say
 * why on standard error.
 */
static void
expect_refused(const char *name, const char *why)
{
	char conf[600], port[16], err[1024];
	char *argv[] = { (char *)itest_server_bin(), "-c", conf, port, ITEST_PASSWORD, NULL };
	FILE *f;

	snprintf(conf, sizeof(conf), "%s.conf", hist_path(name));
	snprintf(port, sizeof(port), "%d", itest_free_port());
	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f, "%s\n" ITEST_CONF_LOOPBACK, hist_conf(name, ""));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(itest_run(argv, ITEST_START_MS, err, sizeof(err)), 1);
	if (strstr(err, why) == NULL)
		fail_msg("expected \"%s\" in: %s", why, err);
	unlink(conf);
}

/* A file that is not a journal is never overwritten: the server stops. */
static void
test_foreign_file(void **state)
{
	(void)state;
	append(hist_path("foreign"), "not a journal\n", 14);
	expect_refused("foreign", "not a history journal, or its header is damaged");
	assert_int_equal(file_size(hist_path("foreign")), 14);
	hist_clean("foreign");
}

/* A second server on the same file is refused; the first goes on. */
static void
test_file_in_use(void **state)
{
	struct itest_server *s = itest_server_start_ok(hist_conf("busy", ""));
	struct itest_client *c = account_user(s, "histI");

	(void)state;
	set_markers(c, 2, 6);
	expect_refused("busy", "in use by another server");
	check_markers(c, 2, 6);
	itest_close(c);
	itest_server_stop_ok(s);
	/* Once it has stopped, the file is free again. */
	s = itest_server_start_ok(hist_conf("busy", ""));
	c = account_user(s, "histJ");
	check_markers(c, 2, 6);
	itest_close(c);
	itest_server_stop_ok(s);
	hist_clean("busy");
}

/*
 * The same few markers moved forward over and over: the file grows past
 * its compaction point (2 MiB) and is rewritten from memory, staying
 * bounded, and the latest markers survive a restart.
 */
static void
test_compaction(void **state)
{
	struct itest_server *s = itest_server_start_ok(hist_conf("compact", ""));
	struct itest_client *c = account_user(s, "histZ");
	/* A long target, so that each record is 74 bytes. */
	const char *t = "#compaction-of-the-history-journal-0123456789abc";
	char *log;
	int i, n = 40000;

	(void)state;
	/*
	 * Under valgrind (ITEST_SLOW) 40,000 lines take minutes: the same
	 * compaction is covered there by tests/unit/test_persist.c.
	 */
	if (itest_slow() > 1)
		n = 400;
	for (i = 0; i < n; i++) {
		itest_send(c, "MARKREAD %s%d timestamp=2024-01-01T00:%02d:%02d.%03dZ", t,
		    i % 4, i / 60000 % 60, i / 1000 % 60, i % 1000);
		/* Read the answers as they come, so neither side's buffers fill. */
		if (i % 500 == 499)
			itest_skip_to(c, ":" SRV " MARKREAD %s%d *", t, i % 4);
	}
	itest_sync(c);
	itest_expect_quiet(c);
	log = itest_server_log(s);
	assert_true(n < 40000 || strstr(log, "compacted to") != NULL);
	free(log);
	/* 40000 records of 74 bytes; bounded by twice the 1 MiB minimum. */
	assert_true(file_size(hist_path("compact")) < 2 * 1024 * 1024 + 256 * 1024);
	itest_close(c);
	itest_server_stop_ok(s);
	s = itest_server_start_ok(hist_conf("compact", ""));
	c = account_user(s, "histY");
	for (i = n - 4; i < n; i++) {
		itest_send(c, "MARKREAD %s%d", t, i % 4);
		itest_expect_next(c, ":" SRV " MARKREAD %s%d timestamp=2024-01-01T00:%02d:"
		    "%02d.%03dZ", t, i % 4, i / 60000 % 60, i / 1000 % 60, i % 1000);
	}
	/* Four markers: the file at start is a snapshot of them alone. */
	assert_true(file_size(hist_path("compact")) < 1024);
	itest_close(c);
	itest_server_stop_ok(s);
	hist_clean("compact");
}

/* The line long_lines() says as its i-th: about 200 bytes, numbered. */
#define LONG_LINE       "PRIVMSG #keep :long line %06d of a history that is compacted " \
	"while the server is killed; words to make the record bigger, words to make " \
	"the record bigger, words to make it bigger"

/*
 * CHATHISTORY LATEST #keep gives long lines numbered up to some k with
 * at_least <= k < below, consecutive, in order; returns k.
 */
static int
check_long_tail(struct itest_client *c, int at_least, int below)
{
	const char *l;
	char id[32];
	int k = -1, n;

	itest_send(c, "CHATHISTORY LATEST #keep * 100");
	l = itest_expect_next(c, ":" SRV " BATCH +* chathistory #keep");
	snprintf(id, sizeof(id), "%s", l + strlen(":" SRV " BATCH +"));
	id[strcspn(id, " ")] = '\0';
	for (int i = 0; i < 100; i++) {
		l = itest_expect_next(c, "@batch=%s;time=*;msgid=* :histF!* PRIVMSG #keep :long "
		    "line * of *", id);
		n = atoi(strstr(l, ":long line ") + strlen(":long line "));
		assert_true(k < 0 || n == k + 1);
		k = n;
	}
	itest_expect_next(c, ":" SRV " BATCH -%s", id);
	assert_true(k >= at_least);
	assert_true(k < below);
	return k;
}

/*
 * kill -9 in the middle of a compaction of a large history: the server is
 * stopped (SIGSTOP) as soon as the new file is seen, and killed if it is
 * still there (half-written), else let go on. A restart finds the old
 * file whole: the lines written before the flood (a pause lets the
 * server write them all: under a flood, records may wait a few rounds for
 * their write), and the flood's as far as they were written, consecutive,
 * the first one included; and the new file gone.
 */
static void
test_kill9_compacting(void **state)
{
	const char *conf = hist_conf("killc", "history_lines = 100000\nhistory_flush_ms = 0\n");
	struct itest_server *s = itest_server_start_ok(conf);
	struct itest_client *w = history_user(s, "histF");
	char tmp[600];
	/* About 1 MB of records: short of the first compaction (2 MiB). */
	const int first = 4000;
	int i;
	bool killed = false;

	(void)state;
	snprintf(tmp, sizeof(tmp), "%s.new", hist_path("killc"));
	/* Under valgrind the same is covered by tests/unit/test_compact.c. */
	if (itest_slow() > 1) {
		itest_close(w);
		itest_server_stop_ok(s);
		hist_clean("killc");
		return;
	}
	for (i = 0; i < first; i++)
		itest_send(w, LONG_LINE, i);
	itest_sync(w);
	itest_sleep_ms(500);
	assert_int_equal(access(tmp, F_OK), -1);
	for (; i < 60000 && !killed; i++) {
		itest_send(w, LONG_LINE, i);
		if (i % 2000 == 1999)
			itest_sync(w);
		if (i % 50 != 49 || access(tmp, F_OK) != 0)
			continue;
		itest_server_signal(s, SIGSTOP);
		if (access(tmp, F_OK) == 0) {
			itest_server_signal(s, SIGKILL);
			killed = true;
		} else {
			itest_server_signal(s, SIGCONT);
		}
	}
	assert_true(killed);
	assert_int_equal(itest_server_wait(s, ITEST_STOP_MS), 128 + SIGKILL);
	itest_close(w);
	itest_server_free(s);
	s = itest_server_start_ok(conf);
	/* Registered: the file is loaded (the listener is up before that). */
	w = history_user(s, "histG");
	assert_int_equal(access(tmp, F_OK), -1);
	check_long_tail(w, first - 1, i);
	/* The first line is still there. */
	itest_send(w, "CHATHISTORY AFTER #keep timestamp=2000-01-01T00:00:00.000Z 1");
	itest_expect_next(w, ":" SRV " BATCH +* chathistory #keep");
	itest_expect_next(w, "@batch=*;time=*;msgid=* :histF!* PRIVMSG #keep :long line "
	    "000000 of *");
	itest_expect_next(w, ":" SRV " BATCH -*");
	itest_close(w);
	itest_server_stop_ok(s);
	hist_clean("killc");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_restart_sigterm),
		itest_unit_test(test_restart_kill9),
		itest_unit_test(test_damaged_tail),
		itest_unit_test(test_foreign_file),
		itest_unit_test(test_file_in_use),
		itest_unit_test(test_compaction),
		itest_unit_test(test_kill9_compacting),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	if (dir[0] != '\0')
		rmdir(dir);
	return itest_finish(failed);
}
