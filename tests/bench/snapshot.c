/*
 * What compaction and a start cost at the history store's bounds: fill a
 * server's store with N channel messages (a realistic line with tags),
 * then time persist_snapshot() (the loop stall of a compaction) and
 * persist_replay() of that snapshot (the start), in CPU time. Built and run by
 * tests/bench/journal.sh against the release objects.
 *
 *	snapshot [N]        (default 100000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "history.h"
#include "log.h"
#include "persist.h"
#include "server.h"

/* CPU time of this process: the machine may be busy with others. */
static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	struct config cfg;
	struct server *srv, *again;
	struct persist_stats st;
	struct history_item it;
	char target[32], msgid[32], line[512];
	struct buf snap;
	double t0, t_snap, t_replay;

	if (config_defaults(&cfg) == -1)
		return 1;
	cfg.log_level = LOG_ERROR;
	cfg.history_lines = 100000;
	cfg.history_size = 1024u * 1024 * 1024;
	cfg.history_age_s = 0;
	if ((srv = server_new(&cfg, 1700000000000, 1000)) == NULL ||
	    (again = server_new(&cfg, 1700000000000, 1000)) == NULL)
		return 1;
	for (long i = 0; i < n; i++) {
		snprintf(target, sizeof(target), "#channel%ld", i % 100);
		snprintf(msgid, sizeof(msgid), "6b10a0f1-%lx", i);
		snprintf(line, sizeof(line), ":nick%ld!~user%ld@203.0.113.%ld PRIVMSG %s :"
		    "a message of an ordinary length, somewhat over a hundred bytes, "
		    "number %ld", i % 500, i % 500, i % 250, target, i);
		it = (struct history_item){ .target = target, .time_ms = 1700000000000 + i,
		    .msgid = msgid, .line = line, .len = strlen(line),
		    .tags = i % 10 ? NULL : "+draft/reply=6b10a0f1-1", .account =
		    i % 3 ? NULL : "someaccount", .kind = HISTORY_PRIVMSG };
		if (history_add(srv->history, &it) != 0)
			return 1;
	}
	buf_init(&snap, 0);
	t0 = now_ms();
	if (persist_snapshot(srv, &snap) == -1)
		return 1;
	t_snap = now_ms() - t0;
	t0 = now_ms();
	persist_replay(again, buf_data(&snap), buf_len(&snap), &st);
	t_replay = now_ms() - t0;
	printf("snapshot of %zu items (%zu bytes of store): %zu bytes in %.1f ms of CPU; "
	    "replay %llu records in %.1f ms of CPU\n", history_count(srv->history),
	    history_bytes(srv->history), buf_len(&snap), t_snap,
	    (unsigned long long)st.applied, t_replay);
	buf_free(&snap);
	server_free(srv);
	server_free(again);
	config_free(&cfg);
	return st.applied == (unsigned long long)n ? 0 : 1;
}
