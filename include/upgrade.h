/*
 * Hot upgrade, the shell's part (docs/upgrade.md): the path this binary
 * was started from, the check of a new binary there (run once with
 * --upgrade-check as a child whose answer comes through a pipe the loop
 * watches, with a timeout, always reaped), and the exec: the saved state
 * (state.h, conn_save()) in a memfd, every descriptor it names kept open
 * across exec and everything else close-on-exec. Also the new image's
 * side: reading the state back from the descriptor it was given.
 */
#ifndef IRCSERV_UPGRADE_H
#define IRCSERV_UPGRADE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

struct buf;
struct conn;
struct histfile;
struct loop;
struct server;

/* How long the new binary has to answer --upgrade-check. */
#define UPGRADE_CHECK_MS        5000
/* The answer's first word; then the state version it reads, then its version. */
#define UPGRADE_ANSWER          "ircserv-upgrade"
/* The option that hands the new image its state: --upgrade-state <fd>. */
#define UPGRADE_STATE_OPTION    "--upgrade-state"

struct upgrade {
	char         path[PATH_MAX];    /* absolute, resolved at start-up */
	char       **argv;              /* owned array: the arguments to exec with */
	size_t       argc;
	struct loop *loop;
	struct server *srv;
	pid_t        check_pid;         /* the running check, or -1 */
	int          check_fd;          /* its stdout, watched by the loop; -1 */
	int64_t      check_deadline_ms;
	char         answer[128];       /* what it printed so far */
	size_t       alen;
	bool         ready;             /* the check passed: exec after the round */
	char         new_version[64];
	/* IRCSERV_VERSION and the binary's time: "ircserv-0.1 (binary of <UTC>)". */
	char         version[96];
};

/*
 * Resolve argv[0] to an absolute path (through PATH when it has no '/')
 * and keep the arguments, without a previous --upgrade-state, for the
 * exec; u->version names this image (the binary's modification time
 * tells two builds of one version apart). Returns 0, or -1 with the
 * reason in err.
 */
int     upgrade_init(struct upgrade *u, int argc, char **argv, char *err,
	    size_t errlen);
/* Free what upgrade_init() took; reap a check still running. */
void    upgrade_free(struct upgrade *u);
/* Print the answer to --upgrade-check on stdout. */
void    upgrade_print_check(void);
/*
 * SIGUSR2 or UPGRADE: start the check of the binary at u->path (nothing
 * if one is running). Its outcome is logged and noticed to operators.
 */
void    upgrade_request(struct upgrade *u, struct loop *lp, struct server *srv,
	    int64_t now_ms);
/*
 * Milliseconds until the running check's deadline (-1: none), for the
 * wait; a check past it is killed and reaped, and the upgrade refused.
 */
int     upgrade_timeout(struct upgrade *u, int64_t now_ms);
/*
 * The check passed (u->ready): save the state and exec the new binary.
 * Returns only when that failed, logged and noticed, with every
 * descriptor as it was. *hf, the history file, is flushed and closed once
 * the state is saved, just before the exec (the new image reads it): if
 * the exec itself fails, it is NULL afterwards.
 */
void    upgrade_exec(struct upgrade *u, struct conn *c, struct histfile **hf,
	    int64_t now_ms);
/*
 * Add the signals the server handles (INT, TERM, HUP, USR2) to set: the
 * exec blocks them, the new image unblocks them once its handlers are in
 * place, and those that came meanwhile are delivered then.
 */
void    upgrade_signals(sigset_t *set);
/* Read the whole state from fd (then closed) into out. 0 or -1 with err. */
int     upgrade_read_state(int fd, struct buf *out, char *err, size_t errlen);
/* A server NOTICE to every operator. */
void    upgrade_notice_opers(struct server *srv, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
