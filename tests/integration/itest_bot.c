/*
 * Helpers of the ircbot integration tests (test_bot*.c): bots spawned
 * with their output in a log file, stopped and reaped by the test or at
 * the latest by bot_finish(); file-scope state so that an exit can still
 * kill them.
 */
#include "itest_bot.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define SRV             ITEST_SERVER_NAME
#define MAX_BOTS        8

/* File scope so that the teardown and an exit can still reach the bots. */
static struct {
	struct bot_proc bots[MAX_BOTS];
	int      nbots;
	bool     installed;
} bots;

static void
kill_bots(void)
{
	for (int i = 0; i < bots.nbots; i++)
		if (bots.bots[i].pid > 0)
			kill(bots.bots[i].pid, SIGKILL);
}

/* In the child: a clean signal state, output to the log, then exec. */
static void
bot_exec(char *const argv[], const char *log)
{
	int sigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGALRM };
	sigset_t none;
	int in = open("/dev/null", O_RDONLY), out;

#ifdef __linux__
	/* A test binary that dies must not leave a bot reconnecting forever. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	alarm(0);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (in == -1 || out == -1)
		_exit(126);
	dup2(in, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(out, STDERR_FILENO);
	execv(argv[0], argv);
	dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

pid_t
bot_fork_exec(char *const argv[], const char *log)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_int_not_equal(pid, -1);
	if (pid == 0)
		bot_exec(argv, log);
	return pid;
}

struct bot_proc *
bot_spawn(const struct itest_server *s, const char *nick, char *const opts[],
    char *const chans[])
{
	const char *bin = getenv("IRCBOT_BIN"), *tmp = getenv("TMPDIR");
	char port[16], *argv[32];
	struct bot_proc *b;
	int n = 0, fd;

	if (bin == NULL || bin[0] == '\0')
		fail_msg("set IRCBOT_BIN to the ircbot binary");
	if (!bots.installed) {
		bots.installed = true;
		atexit(kill_bots);
	}
	assert_true(bots.nbots < MAX_BOTS);
	b = &bots.bots[bots.nbots++];
	snprintf(b->log, sizeof(b->log), "%s/ircbot-itest.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	assert_int_not_equal(fd = mkstemp(b->log), -1);
	close(fd);
	snprintf(port, sizeof(port), "%d", s->port);
	argv[n++] = (char *)bin;
	for (int i = 0; opts != NULL && opts[i] != NULL; i++)
		argv[n++] = opts[i];
	argv[n++] = ITEST_HOST;
	argv[n++] = port;
	argv[n++] = (char *)s->password;
	argv[n++] = (char *)nick;
	for (int i = 0; chans != NULL && chans[i] != NULL && n < 31; i++)
		argv[n++] = chans[i];
	argv[n] = NULL;
	b->pid = bot_fork_exec(argv, b->log);
	return b;
}

bool
bot_alive(struct bot_proc *b)
{
	if (b->pid == 0)
		return false;
	if (waitpid(b->pid, &b->status, WNOHANG) == b->pid) {
		b->pid = 0;
		return false;
	}
	return true;
}

int
bot_stop(struct bot_proc *b)
{
	int64_t deadline = itest_now_ms() + BOT_STOP_MS;

	if (b->pid == 0)
		return WIFEXITED(b->status) ? WEXITSTATUS(b->status) : -1;
	kill(b->pid, SIGTERM);
	while (itest_now_ms() < deadline) {
		if (waitpid(b->pid, &b->status, WNOHANG) == b->pid) {
			b->pid = 0;
			return WIFEXITED(b->status) ? WEXITSTATUS(b->status) : -1;
		}
		itest_sleep_ms(10);
	}
	kill(b->pid, SIGKILL);
	waitpid(b->pid, &b->status, 0);
	b->pid = 0;
	return -1;
}

char *
bot_read_log(const struct bot_proc *b)
{
	FILE *f = fopen(b->log, "r");
	char *text = calloc(1, 65536);
	size_t n;

	assert_non_null(text);
	if (f != NULL) {
		n = fread(text, 1, 65535, f);
		text[n] = '\0';
		fclose(f);
	}
	return text;
}

void
bot_stop_all_ok(void)
{
	for (int i = 0; i < bots.nbots; i++) {
		struct bot_proc *b = &bots.bots[i];
		int code;

		if (b->pid > 0 && (code = bot_stop(b)) != 0) {
			char *text = bot_read_log(b);

			fail_msg("a bot exited with %d on SIGTERM; its log:\n%s", code, text);
		}
	}
}

int
bot_teardown(void **state)
{
	for (int i = 0; i < bots.nbots; i++)
		if (bots.bots[i].pid > 0)
			bot_stop(&bots.bots[i]);
	return itest_test_teardown(state);
}

void
bot_wait_online(struct itest_client *c, const char *nick)
{
	int saved = c->timeout_ms;

	c->timeout_ms = BOT_START_MS;
	itest_send(c, "MONITOR + %s", nick);
	itest_skip_to(c, ":" SRV " 730 %s :%s!*", c->nick, nick);
	itest_send(c, "MONITOR - %s", nick);
	c->timeout_ms = saved;
	itest_sync(c);
}

void
bot_wait_join(struct itest_client *c, const char *nick, const char *chan)
{
	int saved = c->timeout_ms;

	c->timeout_ms = BOT_START_MS;
	itest_expect(c, ":%s!*@127.0.0.1 JOIN %s", nick, chan);
	c->timeout_ms = saved;
}

int
bot_finish(int failed)
{
	if (failed)
		for (int i = 0; i < bots.nbots; i++) {
			char *text = bot_read_log(&bots.bots[i]);

			fprintf(stderr, "---- ircbot log %s ----\n%s---- end ----\n",
			    bots.bots[i].log, text);
			free(text);
		}
	kill_bots();
	for (int i = 0; i < bots.nbots; i++)
		unlink(bots.bots[i].log);
	return itest_finish(failed);
}
