/*
 * Hot upgrade, the shell: the binary's absolute path, the --upgrade-check
 * child (spawned with its stdout on a pipe the loop watches, killed at
 * its deadline, always reaped), and the exec with the saved state in a
 * memfd. Nothing here decides what the state holds (state.h, conn_save());
 * a failure before the exec leaves the server serving as it was.
 */
#if defined(__linux__)
#define _GNU_SOURCE             /* memfd_create() */
#endif
#include "upgrade.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "conn.h"
#include "histfile.h"
#include "irc.h"
#include "log.h"
#include "loop.h"
#include "reply.h"
#include "server.h"
#include "state.h"

extern char **environ;

/* argv0 as an absolute path: as given, from the working directory, or on PATH. */
static int
resolve_path(const char *argv0, char *out, size_t outsz)
{
	char cwd[PATH_MAX];
	const char *path = getenv("PATH"), *p, *end;
	int n;

	if (argv0[0] == '/')
		return snprintf(out, outsz, "%s", argv0) < (int)outsz ? 0 : -1;
	if (strchr(argv0, '/') != NULL) {
		while (argv0[0] == '.' && argv0[1] == '/')
			argv0 += 2;
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return -1;
		return snprintf(out, outsz, "%s/%s", cwd, argv0) < (int)outsz ? 0 : -1;
	}
	for (p = path ? path : ""; *p; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		end = end ? end : p + strlen(p);
		if (*p != '/')
			continue;
		n = snprintf(out, outsz, "%.*s/%s", (int)(end - p), p, argv0);
		if (n > 0 && (size_t)n < outsz && access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

/* This image's version and the time of the binary at the path. */
static void
name_version(struct upgrade *u)
{
	struct stat sb;
	struct tm tm;
	char when[32];

	if (stat(u->path, &sb) == 0 && gmtime_r(&sb.st_mtime, &tm) != NULL &&
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		snprintf(u->version, sizeof(u->version), "%s (binary of %s)",
		    IRCSERV_VERSION, when);
	else
		snprintf(u->version, sizeof(u->version), "%s", IRCSERV_VERSION);
}

int
upgrade_init(struct upgrade *u, int argc, char **argv, char *err, size_t errlen)
{
	memset(u, 0, sizeof(*u));
	u->check_pid = -1;
	u->check_fd = -1;
	snprintf(u->version, sizeof(u->version), "%s", IRCSERV_VERSION);
	if (resolve_path(argv[0], u->path, sizeof(u->path)) == -1) {
		snprintf(err, errlen, "cannot find the path of %s", argv[0]);
		return -1;
	}
	/* Room for the arguments, --upgrade-state <fd> and the NULL. */
	if ((u->argv = calloc((size_t)argc + 3, sizeof(*u->argv))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	u->argv[u->argc++] = u->path;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], UPGRADE_STATE_OPTION) == 0 && i + 1 < argc) {
			i++;
			continue;
		}
		u->argv[u->argc++] = argv[i];
	}
	name_version(u);
	return 0;
}

void
upgrade_print_check(void)
{
	/*
	 * "<answer> <oldest> <release> <newest>": the state versions this
	 * binary reads. A server of an older format compares only the first
	 * number with the version it writes, so it hands its state over when
	 * that is the oldest read here.
	 */
	printf("%s %u %s %u\n", UPGRADE_ANSWER, STATE_VERSION_OLDEST, IRCSERV_VERSION,
	    STATE_VERSION);
	fflush(stdout);
}

void
upgrade_notice_opers(struct server *srv, const char *fmt, ...)
{
	char text[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (struct client *cli = srv->clients; cli; cli = cli->next)
		if (client_is_registered(cli) && (cli->umodes & UMODE_OPER))
			reply_send(cli, ":%s NOTICE %s :*** %s", srv->cfg.server_name,
			    cli->nick, text);
}

/* Refuse the upgrade: log why, tell the operators, keep serving. */
static void
refuse(struct upgrade *u, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
refuse(struct upgrade *u, const char *fmt, ...)
{
	char why[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_msg(&u->srv->log, LOG_ERROR, "upgrade refused, still serving: %s", why);
	upgrade_notice_opers(u->srv, "Upgrade refused, still serving: %s", why);
}

/* The check is over (EOF, a full answer or the deadline): reap it, judge it. */
static void
check_done(struct upgrade *u, bool timed_out)
{
	unsigned oldest = 0, newest = 0;
	char word[32], *nl;
	int got;
	int status = 0;

	loop_del(u->loop, u->check_fd);
	close(u->check_fd);
	u->check_fd = -1;
	if (timed_out || waitpid(u->check_pid, &status, WNOHANG) == 0) {
		kill(u->check_pid, SIGKILL);
		while (waitpid(u->check_pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	u->check_pid = -1;
	u->answer[u->alen] = '\0';
	if ((nl = strchr(u->answer, '\n')) != NULL)
		*nl = '\0';
	u->new_version[0] = '\0';
	if (timed_out)
		refuse(u, "%s --upgrade-check gave no answer in %d ms", u->path, UPGRADE_CHECK_MS);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		refuse(u, "%s --upgrade-check failed (%s %d)", u->path,
		    WIFEXITED(status) ? "exit status" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	else if ((got = sscanf(u->answer, "%31s %u %63s %u", word, &oldest,
	    u->new_version, &newest)) < 3 || strcmp(word, UPGRADE_ANSWER) != 0)
		refuse(u, "%s --upgrade-check: not an ircserv answer", u->path);
	/* A binary that gives one number reads that version only. */
	else if (STATE_VERSION < oldest || STATE_VERSION > (got == 4 ? newest : oldest))
		refuse(u, "%s reads state versions %u to %u, this server writes %u",
		    u->path, oldest, got == 4 ? newest : oldest, STATE_VERSION);
	else
		u->ready = true;
}

static void
on_check(void *ud, int fd, short revents)
{
	struct upgrade *u = ud;
	ssize_t n;

	(void)revents;
	n = read(fd, u->answer + u->alen, sizeof(u->answer) - 1 - u->alen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		u->alen += (size_t)n;
	if (n <= 0 || u->alen == sizeof(u->answer) - 1)
		check_done(u, false);
}

/* Spawn path --upgrade-check with its stdout on a pipe; 0 or -1 (errno). */
static int
spawn_check(struct upgrade *u)
{
	char *args[] = { u->path, "--upgrade-check", NULL };
	posix_spawn_file_actions_t fa;
	int p[2], rc;

	if (pipe(p) == -1)
		return -1;
	if (fcntl(p[0], F_SETFD, FD_CLOEXEC) == -1 || fcntl(p[1], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(p[0], F_SETFL, O_NONBLOCK) == -1 || posix_spawn_file_actions_init(&fa) != 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	rc = posix_spawn(&u->check_pid, u->path, &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0 || loop_add(u->loop, p[0], POLLIN, on_check, u) == -1) {
		if (rc == 0) {
			kill(u->check_pid, SIGKILL);
			waitpid(u->check_pid, NULL, 0);
		}
		u->check_pid = -1;
		close(p[0]);
		errno = rc ? rc : ENOMEM;
		return -1;
	}
	u->check_fd = p[0];
	return 0;
}

void
upgrade_request(struct upgrade *u, struct loop *lp, struct server *srv, int64_t now_ms)
{
	u->loop = lp;
	u->srv = srv;
	if (u->check_pid != -1 || u->ready) {
		log_msg(&srv->log, LOG_INFO, "upgrade: already under way");
		return;
	}
	log_msg(&srv->log, LOG_INFO, "upgrade: checking %s", u->path);
	u->alen = 0;
	if (spawn_check(u) == -1) {
		refuse(u, "cannot run %s: %s", u->path, strerror(errno));
		return;
	}
	u->check_deadline_ms = now_ms + UPGRADE_CHECK_MS;
}

int
upgrade_timeout(struct upgrade *u, int64_t now_ms)
{
	if (u->check_pid == -1)
		return -1;
	if (now_ms >= u->check_deadline_ms) {
		check_done(u, true);
		return -1;
	}
	return (int)(u->check_deadline_ms - now_ms);
}

void
upgrade_signals(sigset_t *set)
{
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR2);
}

static void
set_cloexec(void *arg, int fd, bool on)
{
	int flags = fcntl(fd, F_GETFD);

	(void)arg;
	if (flags != -1)
		fcntl(fd, F_SETFD, on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC);
}

/* A descriptor of no name in the file system, open across exec. */
static int
state_fd(void)
{
#if defined(__linux__)
	int fd = memfd_create("ircserv-state", 0);

	/* Else (no such call, or a filter forbids it) an unlinked file. */
	if (fd >= 0)
		return fd;
#endif
	{
		char tmp[] = "/tmp/ircserv-state-XXXXXX";
		int t = mkstemp(tmp);

		if (t >= 0)
			unlink(tmp);
		return t;
	}
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The state in a new descriptor at offset 0; -1 when it cannot be made. */
static int
save_state(struct upgrade *u, struct conn *c, bool with_history, int64_t now_ms)
{
	struct buf blob;
	struct state_w w;
	int fd = -1;

	buf_init(&blob, 0);
	state_w_begin(&w, &blob);
	if (state_save(u->srv, &w, with_history) == 0)
		conn_save(c, &w, now_ms, u->version);
	if (state_w_end(&w) == 0 && (fd = state_fd()) >= 0 &&
	    (write_all(fd, buf_data(&blob), buf_len(&blob)) == -1 ||
	    lseek(fd, 0, SEEK_SET) == -1)) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0)
		log_msg(&u->srv->log, LOG_INFO, "upgrade: %zu bytes of state, exec %s",
		    buf_len(&blob), u->path);
	buf_free(&blob);
	return fd;
}

void
upgrade_exec(struct upgrade *u, struct conn *c, struct histfile **hf, int64_t now_ms)
{
	char fdtext[16];
	bool had_history = *hf != NULL;
	sigset_t block, saved;
	int fd;

	u->ready = false;
	if ((fd = save_state(u, c, !had_history, now_ms)) == -1) {
		refuse(u, "cannot save the state: %s", strerror(errno));
		return;
	}
	/* The new image reads the history file itself: flush and unlock it. */
	histfile_close(*hf);
	*hf = NULL;
	snprintf(fdtext, sizeof(fdtext), "%d", fd);
	u->argv[u->argc] = UPGRADE_STATE_OPTION;
	u->argv[u->argc + 1] = fdtext;
	u->argv[u->argc + 2] = NULL;
	conn_each_fd(c, set_cloexec, NULL, false);
	/*
	 * Until the new image has its handlers, these signals would take the
	 * default action (SIGUSR2: terminate). Blocked, they wait across the
	 * exec, pending, and it unblocks them once it can handle them.
	 */
	sigemptyset(&block);
	upgrade_signals(&block);
	sigprocmask(SIG_BLOCK, &block, &saved);
	execv(u->path, u->argv);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	refuse(u, "exec %s: %s", u->path, strerror(errno));
	conn_each_fd(c, set_cloexec, NULL, true);
	u->argv[u->argc] = NULL;
	close(fd);
	if (had_history)
		log_msg(&u->srv->log, LOG_ERROR, "upgrade: the history file was closed "
		    "for the new image; history is kept in memory only until a restart");
}

int
upgrade_read_state(int fd, struct buf *out, char *err, size_t errlen)
{
	struct stat sb;
	size_t done = 0, avail;
	char *p;
	ssize_t n;

	buf_init(out, 0);
	if (fstat(fd, &sb) == -1 || sb.st_size <= 0 || (uint64_t)sb.st_size >= BUF_MAX_CAP ||
	    (p = buf_reserve(out, (size_t)sb.st_size, &avail)) == NULL) {
		snprintf(err, errlen, "state descriptor %d: %s", fd,
		    errno ? strerror(errno) : "empty or too large");
		close(fd);
		return -1;
	}
	while (done < (size_t)sb.st_size) {
		n = read(fd, p + done, (size_t)sb.st_size - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "state descriptor %d: short read", fd);
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	buf_commit(out, done);
	close(fd);
	return 0;
}

void
upgrade_free(struct upgrade *u)
{
	if (u->check_pid != -1) {
		if (u->check_fd >= 0) {
			loop_del(u->loop, u->check_fd);
			close(u->check_fd);
		}
		kill(u->check_pid, SIGKILL);
		waitpid(u->check_pid, NULL, 0);
	}
	free(u->argv);
}
