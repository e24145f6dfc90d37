/*
 * The "!" commands. Each handler gets the arguments as one string, checks
 * them against fixed bounds, and answers with one line: in the channel by
 * PRIVMSG, in private by NOTICE (RFC 2812 3.3.2: automatic replies must
 * not provoke more). Unknown commands are left alone for other bots.
 */
#include "bot/botcmd.h"

#include <stdio.h>
#include <string.h>

typedef void botcmd_handler(struct bot *, const struct botcmd_ctx *, char *);

/* !roll lists each die up to this many; past it, only the total. */
#define ROLL_LIST_MAX   20

static void __attribute__((format(printf, 3, 4)))
reply(struct bot *bot, const struct botcmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (ctx->chan != NULL)
		bot_vsay(bot, ctx->chan, false, fmt, ap);
	else
		bot_vsay(bot, ctx->nick, true, fmt, ap);
	va_end(ap);
}

int
botcmd_parse_uint(const char *s, unsigned max, unsigned *out)
{
	unsigned long v = 0;

	if (*s == '\0' || strlen(s) > 9)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < 1 || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int
botcmd_parse_roll(const char *arg, unsigned *dice, unsigned *sides)
{
	char num[16];
	const char *d = strchr(arg, 'd');
	size_t n;

	if (d == NULL)
		d = strchr(arg, 'D');
	if (d == NULL || (n = (size_t)(d - arg)) >= sizeof(num))
		return -1;
	memcpy(num, arg, n);
	num[n] = '\0';
	if (n == 0)
		*dice = 1;
	else if (botcmd_parse_uint(num, BOTCMD_ROLL_DICE_MAX, dice) == -1)
		return -1;
	/* A one-sided die is not a roll. */
	if (botcmd_parse_uint(d + 1, BOTCMD_ROLL_SIDES_MAX, sides) == -1 || *sides < 2)
		return -1;
	return 0;
}

int
botcmd_split(char *s, char **argv, int max)
{
	int n = 0;

	for (;;) {
		char *end;

		while (*s == ' ')
			s++;
		if (*s == '\0')
			return n;
		if (n >= max)
			return -1;
		if (*s == '"') {
			if ((end = strchr(++s, '"')) == NULL)
				return -1;
			/* A closing quote ends the word: "a"b is an error. */
			if (end[1] != ' ' && end[1] != '\0')
				return -1;
		} else {
			end = s + strcspn(s, " ");
		}
		argv[n++] = s;
		if (*end == '\0')
			return n;
		*end = '\0';
		s = end + 1;
	}
}

size_t
botcmd_duration(int64_t seconds, char *out, size_t outsz)
{
	static const struct { int64_t secs; char unit; } units[] = {
		{ 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' },
	};
	size_t len = 0;

	if (outsz == 0)
		return 0;
	out[0] = '\0';
	if (seconds <= 0)
		return (size_t)snprintf(out, outsz, "0s");
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		int64_t v = seconds / units[i].secs;
		int r;

		seconds %= units[i].secs;
		if (v == 0 || len + 1 >= outsz)
			continue;
		r = snprintf(out + len, outsz - len, "%s%lld%c", len ? " " : "",
		    (long long)v, units[i].unit);
		len = r < 0 ? len : len + (size_t)r < outsz ? len + (size_t)r : outsz - 1;
	}
	return len;
}

static void
cmd_help(struct bot *bot, const struct botcmd_ctx *ctx, char *args)
{
	(void)args;
	reply(bot, ctx, "commands: !help, !time, !uptime, !seen <nick>, !roll NdM, "
	    "!poll \"question\" option1 option2 ..., !vote <n>, !results, !endpoll, "
	    "!remind <minutes> <text>");
}

static void
cmd_time(struct bot *bot, const struct botcmd_ctx *ctx, char *args)
{
	char when[64];
	struct tm tm;

	(void)args;
	if (gmtime_r(&ctx->now.wall, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		ircline_copy(when, "unknown", sizeof(when));
	reply(bot, ctx, "%s", when);
}

static void
cmd_uptime(struct bot *bot, const struct botcmd_ctx *ctx, char *args)
{
	char up[64], conn[64];

	(void)args;
	botcmd_duration((ctx->now.ms - bot->started_ms) / 1000, up, sizeof(up));
	botcmd_duration((ctx->now.ms - bot->connected_ms) / 1000, conn, sizeof(conn));
	reply(bot, ctx, "up %s, connected for %s", up, conn);
}

static void
cmd_seen(struct bot *bot, const struct botcmd_ctx *ctx, char *args)
{
	char *argv[2], ago[64];
	const struct seen_entry *e;

	if (botcmd_split(args, argv, 1) != 1 || strlen(argv[0]) >= IRCLINE_NICK_MAX) {
		reply(bot, ctx, "usage: !seen <nick>");
		return;
	}
	if (ircline_casecmp(argv[0], bot->nick) == 0 ||
	    ircline_casecmp(argv[0], ctx->nick) == 0) {
		reply(bot, ctx, "%s is right here.", argv[0]);
		return;
	}
	if ((e = seen_find(&bot->seen, argv[0])) == NULL) {
		reply(bot, ctx, "I have not seen %s.", argv[0]);
		return;
	}
	botcmd_duration((int64_t)(ctx->now.wall - e->when), ago, sizeof(ago));
	reply(bot, ctx, "%s was last seen %s ago, %s", e->nick, ago, e->what);
}

static void
cmd_roll(struct bot *bot, const struct botcmd_ctx *ctx, char *args)
{
	char *argv[2], list[ROLL_LIST_MAX * 5 + 1];
	unsigned dice, sides, total = 0;
	size_t len = 0;

	if (botcmd_split(args, argv, 1) != 1 ||
	    botcmd_parse_roll(argv[0], &dice, &sides) == -1) {
		reply(bot, ctx, "usage: !roll NdM (1-%d dice, 2-%d sides)",
		    BOTCMD_ROLL_DICE_MAX, BOTCMD_ROLL_SIDES_MAX);
		return;
	}
	list[0] = '\0';
	for (unsigned i = 0; i < dice; i++) {
		unsigned v = bot_random(bot, sides);

		total += v;
		if (dice > 1 && dice <= ROLL_LIST_MAX)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%u",
			    len ? " " : "", v);
	}
	if (len > 0)
		reply(bot, ctx, "%s rolled %ud%u: %s = %u", ctx->nick, dice, sides, list,
		    total);
	else
		reply(bot, ctx, "%s rolled %ud%u: %u", ctx->nick, dice, sides, total);
}

/* Polls are per channel; in private there is nothing to vote in. */
static bool
need_channel(struct bot *bot, const struct botcmd_ctx *ctx)
{
	if (ctx->chan == NULL)
		reply(bot, ctx, "polls live in channels; use this there.");
	return ctx->chan != NULL;
}

static void
cmd_poll(struct bot *bot, const struct botcmd_ctx *ctx, char *args)
{
	char *argv[VOTE_OPTIONS_MAX + 2], res[BOT_TEXT_MAX];
	int n;

	if (!need_channel(bot, ctx))
		return;
	n = botcmd_split(args, argv, VOTE_OPTIONS_MAX + 1);
	switch (n < 3 ? VOTE_BAD_TEXT : vote_open(&bot->vote, ctx->chan, ctx->nick,
	    argv[0], argv + 1, n - 1, ctx->now.ms)) {
	case VOTE_OK:
		vote_format(vote_find(&bot->vote, ctx->chan), false, res, sizeof(res));
		reply(bot, ctx, "Poll by %s: %s -- vote with !vote <n>, see !results", ctx->nick, res);
		break;
	case VOTE_RUNNING:
		reply(bot, ctx, "a poll is already running here; see !results");
		break;
	case VOTE_TOO_MANY:
		reply(bot, ctx, "too many polls running; try later");
		break;
	default:
		reply(bot, ctx, "usage: !poll \"question\" option1 option2 ... "
		    "(2-%d options, up to %d bytes each)", VOTE_OPTIONS_MAX,
		    VOTE_OPTION_MAX - 1);
		break;
	}
}

static void
cmd_vote(struct bot *bot, const struct botcmd_ctx *ctx, char *args)
{
	char *argv[2];
	unsigned choice = 0;
	struct vote_poll *p;

	if (!need_channel(bot, ctx))
		return;
	if (botcmd_split(args, argv, 1) != 1 ||
	    botcmd_parse_uint(argv[0], VOTE_OPTIONS_MAX, &choice) == -1)
		choice = 0;
	switch (vote_cast(&bot->vote, ctx->chan, ctx->nick, (int)choice)) {
	case VOTE_OK:
		p = vote_find(&bot->vote, ctx->chan);
		reply(bot, ctx, "%s voted for %u) %s", ctx->nick, choice,
		    p->options[choice - 1]);
		break;
	case VOTE_NO_POLL:
		reply(bot, ctx, "no poll is running here");
		break;
	case VOTE_ALREADY:
		reply(bot, ctx, "%s: you have already voted", ctx->nick);
		break;
	case VOTE_TOO_MANY:
		reply(bot, ctx, "%s: this poll has all the voters it can count", ctx->nick);
		break;
	default:
		p = vote_find(&bot->vote, ctx->chan);
		reply(bot, ctx, "usage: !vote <1-%d>", p ? p->noptions : VOTE_OPTIONS_MAX);
		break;
	}
}

static void
cmd_results(struct bot *bot, const struct botcmd_ctx *ctx, char *args)
{
	struct vote_poll *p;
	char res[BOT_TEXT_MAX];

	(void)args;
	if (!need_channel(bot, ctx))
		return;
	if ((p = vote_find(&bot->vote, ctx->chan)) == NULL) {
		reply(bot, ctx, "no poll is running here");
		return;
	}
	vote_format(p, true, res, sizeof(res));
	reply(bot, ctx, "Results: %s", res);
}

static void
cmd_endpoll(struct bot *bot, const struct botcmd_ctx *ctx, char *args)
{
	struct vote_poll *p;
	char res[BOT_TEXT_MAX];

	(void)args;
	if (!need_channel(bot, ctx))
		return;
	if ((p = vote_find(&bot->vote, ctx->chan)) == NULL) {
		reply(bot, ctx, "no poll is running here");
		return;
	}
	if (ircline_casecmp(p->owner, ctx->nick) != 0) {
		reply(bot, ctx, "%s: only %s can end this poll", ctx->nick, p->owner);
		return;
	}
	vote_format(p, true, res, sizeof(res));
	vote_close(p);
	reply(bot, ctx, "Poll closed: %s", res);
}

static void
cmd_remind(struct bot *bot, const struct botcmd_ctx *ctx, char *args)
{
	unsigned minutes;
	size_t wlen = strcspn(args, " ");
	char *text = args + wlen;
	enum remind_status st;

	text += strspn(text, " ");
	args[wlen] = '\0';
	if (botcmd_parse_uint(args, REMIND_MINUTES_MAX, &minutes) == -1 ||
	    text[0] == '\0' || strlen(text) > REMIND_TEXT_MAX) {
		reply(bot, ctx, "usage: !remind <minutes 1-%d> <text, up to %d bytes>",
		    REMIND_MINUTES_MAX, REMIND_TEXT_MAX);
		return;
	}
	st = remind_add(&bot->remind, ctx->nick, ctx->chan ? ctx->chan : ctx->nick,
	    ctx->now.ms + (int64_t)minutes * 60000, text);
	if (st == REMIND_NICK_FULL)
		reply(bot, ctx, "%s: you already have %d reminders pending", ctx->nick,
		    REMIND_PER_NICK);
	else if (st == REMIND_FULL)
		reply(bot, ctx, "%s: too many reminders pending; try later", ctx->nick);
	else
		reply(bot, ctx, "%s: I will remind you in %u minute%s", ctx->nick, minutes,
		    minutes == 1 ? "" : "s");
}

static const struct {
	const char      *name;
	botcmd_handler  *handler;
} commands[] = {
	{ "help",       cmd_help },
	{ "time",       cmd_time },
	{ "uptime",     cmd_uptime },
	{ "seen",       cmd_seen },
	{ "roll",       cmd_roll },
	{ "poll",       cmd_poll },
	{ "vote",       cmd_vote },
	{ "results",    cmd_results },
	{ "endpoll",    cmd_endpoll },
	{ "remind",     cmd_remind },
};

bool
botcmd_run(struct bot *bot, const struct botcmd_ctx *ctx, const char *text)
{
	char buf[BOTCMD_TEXT_MAX + 1];
	size_t nlen;

	if (text[0] != '!')
		return false;
	nlen = strcspn(text + 1, " ");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strlen(commands[i].name) != nlen ||
		    strncmp(commands[i].name, text + 1, nlen) != 0)
			continue;
		if (strlen(text) > BOTCMD_TEXT_MAX) {
			reply(bot, ctx, "%s: that command is too long", ctx->nick);
			return true;
		}
		/* The arguments, as a string the handler may cut up. */
		ircline_copy(buf, text + 1 + nlen + (text[1 + nlen] == ' '), sizeof(buf));
		commands[i].handler(bot, ctx, buf);
		return true;
	}
	return false;
}
