/*
 * Polls: at most one running poll per channel, one vote per nick, in
 * tables of fixed size. Pure: time is an argument (monotonic ms), used
 * only to close polls nobody closed.
 */
#ifndef IRCSERV_BOT_VOTE_H
#define IRCSERV_BOT_VOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bot/ircline.h"

#define VOTE_POLLS_MAX          16      /* channels with a running poll */
#define VOTE_OPTIONS_MAX        9       /* so that "!vote N" is one digit */
#define VOTE_VOTERS_MAX         256
#define VOTE_QUESTION_MAX       160
#define VOTE_OPTION_MAX         40
#define VOTE_TTL_MS             (2 * 3600 * 1000)  /* then it closes itself */

struct vote_poll {
	char     chan[IRCLINE_CHAN_MAX];        /* casefolded; "" when free */
	char     owner[IRCLINE_NICK_MAX];       /* casefolded; may !endpoll */
	char     question[VOTE_QUESTION_MAX];
	char     options[VOTE_OPTIONS_MAX][VOTE_OPTION_MAX];
	unsigned counts[VOTE_OPTIONS_MAX];
	int      noptions;
	char     voters[VOTE_VOTERS_MAX][IRCLINE_NICK_MAX];  /* casefolded */
	size_t   nvoters;
	int64_t  opened_ms;
};

struct vote {
	struct vote_poll polls[VOTE_POLLS_MAX];
};

enum vote_status {
	VOTE_OK,
	VOTE_RUNNING,           /* the channel already has a poll */
	VOTE_TOO_MANY,          /* every slot (polls or voters) is taken */
	VOTE_NO_POLL,
	VOTE_ALREADY,           /* this nick has voted */
	VOTE_BAD_CHOICE,
	VOTE_BAD_TEXT           /* question or option empty or too long */
};

void    vote_init(struct vote *v);
/* Open a poll in chan; options must number 2..VOTE_OPTIONS_MAX. */
enum vote_status vote_open(struct vote *v, const char *chan, const char *owner,
	    const char *question, char *const options[], int noptions, int64_t now_ms);
/* choice counts from 1, as users type it. */
enum vote_status vote_cast(struct vote *v, const char *chan, const char *nick,
	    int choice);
/* The running poll of chan, or NULL. */
struct vote_poll *vote_find(struct vote *v, const char *chan);
/* A poll open for VOTE_TTL_MS or more, or NULL. */
struct vote_poll *vote_expired(struct vote *v, int64_t now_ms);
void    vote_close(struct vote_poll *p);
/*
 * "question: 1) a 3, 2) b 0 (3 votes)" into out, or without the counts
 * "question: 1) a, 2) b"; returns the length.
 */
size_t  vote_format(const struct vote_poll *p, bool counts, char *out, size_t outsz);

#endif
