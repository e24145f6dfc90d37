/*
 * MONITOR and extended-monitor through the core: adding, removing,
 * listing and status, the 730/731 notifications on registration, nick
 * change and quit, the list limit (734), and extended-monitor's away
 * notifications without a shared channel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client.h"
#include "fake.h"
#include "monitor.h"
#include "server.h"

static void
test_monitor_add_status(void **state)
{
	struct server *srv = *state;
	struct client *w = fake_registered(srv, "watcher");

	fake_registered(srv, "alice");
	fake_line(srv, w, "MONITOR + alice,bob,1bad");
	fake_expect(w, ":irc.local 730 watcher :alice!u@127.0.0.1\r\n"
	    ":irc.local 731 watcher :bob\r\n");
	fake_line(srv, w, "MONITOR L");
	fake_expect(w, ":irc.local 732 watcher :alice,bob\r\n"
	    ":irc.local 733 watcher :End of MONITOR list\r\n");
	fake_line(srv, w, "MONITOR S");
	fake_expect(w, ":irc.local 730 watcher :alice!u@127.0.0.1\r\n"
	    ":irc.local 731 watcher :bob\r\n");
	fake_line(srv, w, "MONITOR - ALICE");
	fake_line(srv, w, "MONITOR L");
	fake_expect(w, ":irc.local 732 watcher :bob\r\n"
	    ":irc.local 733 watcher :End of MONITOR list\r\n");
	fake_line(srv, w, "MONITOR C");
	fake_line(srv, w, "MONITOR L");
	fake_expect(w, ":irc.local 733 watcher :End of MONITOR list\r\n");
	fake_line(srv, w, "MONITOR +");
	fake_expect(w, ":irc.local 461 watcher MONITOR :Not enough parameters\r\n");
}

/*
 * Removing entries: the last one (which must not be copied onto itself,
 * a memcpy with overlapping arguments that ASan reports), one in the
 * middle (the last moves into its place), then the only one left.
 */
static void
test_monitor_remove_last(void **state)
{
	struct server *srv = *state;
	struct client *w = fake_registered(srv, "watcher");

	fake_line(srv, w, "MONITOR + a,b,c,d");
	fake_drop_output(w);
	fake_line(srv, w, "MONITOR - d");
	assert_int_equal(w->local->extra->nmonitors, 3);
	fake_line(srv, w, "MONITOR - A");
	fake_line(srv, w, "MONITOR L");
	fake_expect(w, ":irc.local 732 watcher :c,b\r\n"
	    ":irc.local 733 watcher :End of MONITOR list\r\n");
	fake_line(srv, w, "MONITOR - b,c");
	assert_int_equal(w->local->extra->nmonitors, 0);
	fake_line(srv, w, "MONITOR + e");
	fake_drop_output(w);
	fake_line(srv, w, "MONITOR - e");
	fake_line(srv, w, "MONITOR L");
	fake_expect(w, ":irc.local 733 watcher :End of MONITOR list\r\n");
	/* Nothing is watched any more: e's arrival is not announced. */
	fake_registered(srv, "e");
	fake_expect(w, "");
}

static void
test_monitor_notifications(void **state)
{
	struct server *srv = *state;
	struct client *w = fake_registered(srv, "watcher");
	struct client *b;

	fake_line(srv, w, "MONITOR + bob,robert");
	fake_drop_output(w);
	b = fake_registered(srv, "bob");
	fake_expect(w, ":irc.local 730 watcher :bob!u@127.0.0.1\r\n");
	fake_line(srv, b, "NICK robert");
	fake_expect(w, ":irc.local 731 watcher :bob\r\n"
	    ":irc.local 730 watcher :robert!u@127.0.0.1\r\n");
	/* A change of case only: the watched nick stays online, nothing sent. */
	fake_line(srv, b, "NICK ROBERT");
	fake_expect(w, "");
	fake_line(srv, b, "NICK Robert");
	fake_expect(w, "");
	fake_line(srv, b, "QUIT :bye");
	fake_reap(srv);
	fake_expect(w, ":irc.local 731 watcher :Robert\r\n");
}

static void
test_monitor_full(void **state)
{
	struct server *srv = *state;
	struct client *w = fake_registered(srv, "watcher");
	char line[64];

	for (int i = 0; i < MONITOR_MAX; i++) {
		snprintf(line, sizeof(line), "MONITOR + n%d", i);
		fake_line(srv, w, line);
	}
	fake_drop_output(w);
	fake_line(srv, w, "MONITOR + n1,extra,more");
	fake_expect(w, ":irc.local 731 watcher :n1\r\n"
	    ":irc.local 734 watcher 100 extra,more :Monitor list is full\r\n");
	assert_int_equal(w->local->extra->nmonitors, MONITOR_MAX);
}

static void
test_watcher_quit_clears(void **state)
{
	struct server *srv = *state;
	struct client *w = fake_registered(srv, "watcher");
	size_t n;

	fake_line(srv, w, "MONITOR + bob");
	assert_non_null(monitor_watchers(srv->monitor, "BOB", &n));
	assert_int_equal(n, 1);
	fake_line(srv, w, "QUIT");
	fake_reap(srv);
	assert_null(monitor_watchers(srv->monitor, "bob", &n));
	assert_int_equal(n, 0);
	/* bob registering now notifies nobody (no freed watcher is touched). */
	fake_registered(srv, "bob");
}

static void
test_extended_monitor_away(void **state)
{
	struct server *srv = *state;
	struct client *ext = fake_registered(srv, "ext");
	struct client *plain = fake_registered(srv, "plain");
	struct client *b = fake_registered(srv, "bob");

	fake_line(srv, ext, "CAP REQ :extended-monitor away-notify");
	fake_line(srv, plain, "CAP REQ :away-notify");
	fake_line(srv, ext, "MONITOR + bob");
	fake_line(srv, plain, "MONITOR + bob");
	fake_drop_all(srv);
	fake_line(srv, b, "AWAY :lunch");
	fake_expect(ext, ":bob!u@127.0.0.1 AWAY :lunch\r\n");
	fake_expect(plain, "");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
	const struct CMUnitTest tests[] = {
		T(test_monitor_add_status),
		T(test_monitor_remove_last),
		T(test_monitor_notifications),
		T(test_monitor_full),
		T(test_watcher_quit_clears),
		T(test_extended_monitor_away),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
