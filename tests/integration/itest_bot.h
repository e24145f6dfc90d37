/*
 * Helpers of the ircbot integration tests (test_bot*.c), on top of
 * itest.h: the bot binary ($IRCBOT_BIN) spawned next to a server, its log
 * kept in a temporary file, stopped with SIGTERM and always reaped, and
 * waits until the bot is online or has joined a channel.
 */
#ifndef IRCSERV_ITEST_BOT_H
#define IRCSERV_ITEST_BOT_H

#include <stdbool.h>
#include <sys/types.h>

#include "itest.h"

#define BOT_START_MS    8000    /* to connect, register and join */
#define BOT_STOP_MS     5000    /* to QUIT and exit after SIGTERM */

struct bot_proc {
	pid_t    pid;           /* 0 once reaped */
	int      status;
	char     log[512];
};

/*
 * Fork and exec argv[0] with stdin on /dev/null, stdout and stderr
 * appended to log, default signal dispositions; on Linux the child is
 * killed when the test binary dies. Returns its pid; the caller reaps it.
 */
pid_t   bot_fork_exec(char *const argv[], const char *log);
/*
 * Start $IRCBOT_BIN [opts...] 127.0.0.1 port password nick [chans...]:
 * opts and chans are NULL-terminated lists (either may be NULL). The bot
 * belongs to the file-scope list that bot_finish() clears (at most 8 per
 * test binary); it is killed if the test binary dies.
 */
struct bot_proc *bot_spawn(const struct itest_server *s, const char *nick,
	    char *const opts[], char *const chans[]);
/* Whether the bot still runs (reaps it if it has exited). */
bool    bot_alive(struct bot_proc *b);
/* SIGTERM, then SIGKILL after BOT_STOP_MS; the exit status, -1 if killed. */
int     bot_stop(struct bot_proc *b);
/* The start of the bot's log (up to 64 KiB); caller frees. */
char   *bot_read_log(const struct bot_proc *b);
/*
 * Every bot still running must stop cleanly: exit 0 after SIGTERM (under
 * ASan, also no leak and no error report); fails the test with the log.
 */
void    bot_stop_all_ok(void);
/* Per-test teardown: stop the bots the test left, then itest_test_teardown(). */
int     bot_teardown(void **state);
#define bot_test(f)     cmocka_unit_test_teardown(f, bot_teardown)
/* c waits until nick is registered, by MONITOR (IRCv3: 730 when online). */
void    bot_wait_online(struct itest_client *c, const char *nick);
/* c waits in chan for the JOIN of the bot nick. */
void    bot_wait_join(struct itest_client *c, const char *nick, const char *chan);
/*
 * At the end of main: shows every bot's log if anything failed, kills
 * the bots left, removes their logs; returns itest_finish(failed).
 */
int     bot_finish(int failed);

#endif
