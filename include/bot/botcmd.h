/*
 * The bot's "!" commands: help, time, uptime, seen, roll, poll, vote,
 * results, endpoll, remind. Argument parsing is pure and exported for the
 * tests; botcmd_run() checks arguments, updates the bot's state and
 * queues the replies through bot_say().
 */
#ifndef IRCSERV_BOT_BOTCMD_H
#define IRCSERV_BOT_BOTCMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bot/bot.h"

#define BOTCMD_TEXT_MAX         400     /* longer commands get a short refusal */
#define BOTCMD_ROLL_DICE_MAX    100
#define BOTCMD_ROLL_SIDES_MAX   1000
#define BOTCMD_ARGS_MAX         (VOTE_OPTIONS_MAX + 2)

/* Who said a command, and where the answer goes. */
struct botcmd_ctx {
	const char      *nick;          /* the sender */
	const char      *chan;          /* the channel, NULL in private */
	struct bot_time  now;
};

/*
 * Run text if it is a command ("!name args"). Returns true if it was one
 * of ours (answered, even if only with a usage line), false otherwise.
 */
bool    botcmd_run(struct bot *bot, const struct botcmd_ctx *ctx, const char *text);

/* "NdM" (or "dM" for one die): 0, or -1 unless 1 <= N <= 100, 2 <= M <= 1000. */
int     botcmd_parse_roll(const char *arg, unsigned *dice, unsigned *sides);
/* Decimal digits only, 1..max: 0 and *out set, or -1. */
int     botcmd_parse_uint(const char *s, unsigned max, unsigned *out);
/*
 * Split s in place into at most max words; a word that starts with '"'
 * runs to the next '"'. Returns the count, or -1 for an unterminated
 * quote or more than max words.
 */
int     botcmd_split(char *s, char **argv, int max);
/* "1d 2h 3m 4s" (largest units first, zeros left out; "0s" for 0). */
size_t  botcmd_duration(int64_t seconds, char *out, size_t outsz);

#endif
