/*
 * The bot's core: registration, channels, keepalive and the bookkeeping
 * behind the commands, fed with received lines and the clock. Output goes
 * to two queues: urgent (registration, PONG, QUIT), sent at once, and
 * paced (everything else), let out by the token bucket.
 */
#include "bot/bot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/botcmd.h"

typedef void bot_handler(struct bot *, const struct ircline *, struct bot_time);

/* Seen entries keep this much of what someone said. */
#define SEEN_TEXT_MAX   120

struct bot *
bot_new(const struct botconf *cfg, struct bot_time now, uint64_t seed)
{
	struct bot *bot = calloc(1, sizeof(*bot));

	if (bot == NULL)
		return NULL;
	bot->cfg = *cfg;
	ircline_copy(bot->nick, cfg->nick, sizeof(bot->nick));
	bot->started_ms = now.ms;
	bot->urgent.cap = BOT_URGENTQ_MAX;
	bot->paced.cap = BOT_OUTQ_MAX;
	pace_bucket_init(&bot->bucket, BOT_RATE_INTERVAL_MS, BOT_RATE_BURST, now.ms);
	pace_backoff_init(&bot->backoff, BOT_BACKOFF_MIN_MS, BOT_BACKOFF_MAX_MS);
	/* xorshift64* must not start at 0. */
	bot->rng = seed != 0 ? seed : 0x9e3779b97f4a7c15ULL;
	seen_init(&bot->seen);
	vote_init(&bot->vote);
	remind_init(&bot->remind);
	moderate_init(&bot->mod);
	for (size_t i = 0; i < cfg->nwords; i++)
		moderate_add_word(&bot->mod, cfg->words[i]);
	return bot;
}

void
bot_free(struct bot *bot)
{
	free(bot);
}

unsigned
bot_random(struct bot *bot, unsigned n)
{
	uint64_t x = bot->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	bot->rng = x;
	/* The top bits of xorshift64* are the good ones; the modulo bias is < 2^-40. */
	return (unsigned)(((x * 0x2545f4914f6cdd1dULL) >> 16) % (n ? n : 1)) + 1;
}

/* Queue line (CR LF added) on q; false when q is full or line too long. */
static bool
outq_push(struct bot_outq *q, const char *line, size_t len)
{
	char *slot;

	if (q->len >= q->cap || len + 2 > IRCLINE_MAX)
		return false;
	slot = q->lines[(q->head + q->len) % BOT_OUTQ_MAX];
	memcpy(slot, line, len);
	memcpy(slot + len, "\r\n", 3);
	q->len++;
	return true;
}

static size_t
outq_pop(struct bot_outq *q, char *out, size_t outsz)
{
	const char *slot = q->lines[q->head];
	size_t len = strlen(slot);

	if (len >= outsz)
		len = 0;
	else
		memcpy(out, slot, len + 1);
	q->head = (q->head + 1) % BOT_OUTQ_MAX;
	q->len--;
	return len;
}

static int
vqueue(struct bot *bot, struct bot_outq *q, const char *fmt, va_list ap)
{
	char line[IRCLINE_MAX];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	/* RFC 1459 2.3: 510 bytes, and CR LF. */
	if (n < 0 || (size_t)n + 2 > IRCLINE_MAX)
		return -1;
	if (!outq_push(q, line, (size_t)n)) {
		bot->dropped++;
		return -1;
	}
	return 0;
}

int
bot_send(struct bot *bot, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vqueue(bot, &bot->paced, fmt, ap);
	va_end(ap);
	return r;
}

static int __attribute__((format(printf, 2, 3)))
send_urgent(struct bot *bot, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vqueue(bot, &bot->urgent, fmt, ap);
	va_end(ap);
	return r;
}

void
bot_vsay(struct bot *bot, const char *target, bool notice, const char *fmt, va_list ap)
{
	char text[1024];
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	size_t len;

	if (n < 0)
		return;
	len = (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1;
	/*
	 * Echoed user text must not start a CTCP (\x01) or end the line; other
	 * formatting codes are harmless.
	 */
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\001' || text[i] == '\r' || text[i] == '\n')
			text[i] = ' ';
	len = ircline_utf8_cut(text, len, BOT_TEXT_MAX);
	bot_send(bot, "%s %s :%.*s", notice ? "NOTICE" : "PRIVMSG", target, (int)len, text);
}

void
bot_say(struct bot *bot, const char *target, bool notice, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bot_vsay(bot, target, notice, fmt, ap);
	va_end(ap);
}

struct bot_chan *
bot_chan_find(struct bot *bot, const char *name)
{
	for (size_t i = 0; i < bot->nchans; i++)
		if (ircline_casecmp(bot->chans[i].name, name) == 0)
			return &bot->chans[i];
	return NULL;
}

static bool
is_me(const struct bot *bot, const char *nick)
{
	return ircline_casecmp(bot->nick, nick) == 0;
}

void
bot_connected(struct bot *bot, struct bot_time now)
{
	bot->connected = true;
	bot->registered = false;
	bot->close_wanted = false;
	bot->ping_sent = false;
	bot->bot_mode_set = false;
	bot->joins_sent = false;
	bot->nick_tries = 0;
	bot->nchans = 0;
	bot->connected_ms = now.ms;
	bot->last_rx_ms = now.ms;
	ircline_copy(bot->nick, bot->cfg.nick, sizeof(bot->nick));
	pace_bucket_init(&bot->bucket, BOT_RATE_INTERVAL_MS, BOT_RATE_BURST, now.ms);
	/* RFC 2812 3.1: PASS before NICK and USER. */
	if (bot->cfg.password[0] != '\0')
		send_urgent(bot, "PASS %s", bot->cfg.password);
	send_urgent(bot, "NICK %s", bot->nick);
	send_urgent(bot, "USER %.10s 0 * :ircserv bot", bot->cfg.nick);
}

int64_t
bot_disconnected(struct bot *bot, struct bot_time now)
{
	/* A connection that lasted starts the backoff over; a flapping one does not. */
	if (bot->registered && now.ms - bot->registered_ms >= BOT_STABLE_MS)
		pace_backoff_reset(&bot->backoff);
	bot->connected = false;
	bot->registered = false;
	bot->close_wanted = false;
	bot->nchans = 0;
	bot->urgent.head = bot->urgent.len = 0;
	bot->paced.head = bot->paced.len = 0;
	return pace_backoff_next(&bot->backoff);
}

void
bot_quit(struct bot *bot, const char *reason)
{
	send_urgent(bot, "QUIT :%.200s", reason);
}

bool
bot_wants_close(const struct bot *bot)
{
	return bot->close_wanted;
}

static void
on_ping(struct bot *bot, const struct ircline *m, struct bot_time now)
{
	(void)now;
	send_urgent(bot, "PONG :%.400s", ircline_param(m, 0));
}

static void
on_welcome(struct bot *bot, const struct ircline *m, struct bot_time now)
{
	bot->registered = true;
	bot->registered_ms = now.ms;
	/* RFC 2812 5.1: 001's first parameter is the nick we registered. */
	if (m->nparams > 0 && m->params[0][0] != '\0')
		ircline_copy(bot->nick, m->params[0], sizeof(bot->nick));
}

/* ISUPPORT BOT=<letter>: the user mode that marks bots (IRCv3 bot mode). */
static void
on_isupport(struct bot *bot, const struct ircline *m, struct bot_time now)
{
	(void)now;
	for (int i = 1; i + 1 < m->nparams && !bot->bot_mode_set; i++) {
		const char *t = m->params[i];

		if (strncmp(t, "BOT=", 4) == 0 && t[4] != '\0' && t[5] == '\0' &&
		    ((t[4] >= 'a' && t[4] <= 'z') || (t[4] >= 'A' && t[4] <= 'Z'))) {
			bot_send(bot, "MODE %s +%c", bot->nick, t[4]);
			bot->bot_mode_set = true;
		}
	}
}

/* 432/433 while registering: try another nick, a few times. */
static void
on_nick_refused(struct bot *bot, const struct ircline *m, struct bot_time now)
{
	(void)m;
	(void)now;
	if (bot->registered)
		return;
	if (++bot->nick_tries > BOT_NICK_TRIES) {
		bot->close_wanted = true;
		return;
	}
	/* Keep within NICKLEN 30 (ircserv), and likely within 9 (RFC 2812). */
	if (bot->nick_tries == 1)
		snprintf(bot->nick, sizeof(bot->nick), "%.20s_", bot->cfg.nick);
	else
		snprintf(bot->nick, sizeof(bot->nick), "%.20s%u", bot->cfg.nick,
		    bot_random(bot, 9000) + 999);
	send_urgent(bot, "NICK %s", bot->nick);
}

/* End of MOTD (or none): join, as many channels per JOIN as fit. */
static void
on_motd_end(struct bot *bot, const struct ircline *m, struct bot_time now)
{
	char list[400];
	size_t len = 0;

	(void)m;
	(void)now;
	if (!bot->registered || bot->joins_sent)
		return;
	bot->joins_sent = true;
	for (size_t i = 0; i < bot->cfg.nchans; i++) {
		size_t n = strlen(bot->cfg.chans[i]);

		if (len > 0 && len + 1 + n >= sizeof(list)) {
			bot_send(bot, "JOIN %.*s", (int)len, list);
			len = 0;
		}
		if (len > 0)
			list[len++] = ',';
		memcpy(list + len, bot->cfg.chans[i], n);
		len += n;
	}
	if (len > 0)
		bot_send(bot, "JOIN %.*s", (int)len, list);
}

/* Expand {nick} and {chan} in the greeting. */
static void
greet(struct bot *bot, const char *chan, const char *nick)
{
	const char *p = bot->cfg.greeting;
	char out[BOTCONF_GREETING_MAX + 2 * IRCLINE_CHAN_MAX + 1];
	size_t len = 0;

	while (*p != '\0' && len + 1 < sizeof(out)) {
		const char *sub = NULL;

		if (strncmp(p, "{nick}", 6) == 0)
			sub = nick;
		else if (strncmp(p, "{chan}", 6) == 0)
			sub = chan;
		if (sub == NULL) {
			out[len++] = *p++;
			continue;
		}
		len += ircline_copy(out + len, sub, sizeof(out) - len);
		len = len < sizeof(out) ? len : sizeof(out) - 1;
		p += 6;
	}
	out[len] = '\0';
	bot_say(bot, chan, false, "%s", out);
}

static void
on_join(struct bot *bot, const struct ircline *m, struct bot_time now)
{
	const char *chan = ircline_param(m, 0);
	char what[IRCLINE_CHAN_MAX + 16];

	if (!ircline_is_channel(chan))
		return;
	if (is_me(bot, m->nick)) {
		if (bot_chan_find(bot, chan) == NULL && bot->nchans < BOTCONF_CHANS_MAX) {
			ircline_copy(bot->chans[bot->nchans].name, chan, IRCLINE_CHAN_MAX);
			bot->chans[bot->nchans++].op = false;
		}
		return;
	}
	if (bot_chan_find(bot, chan) == NULL)
		return;
	snprintf(what, sizeof(what), "joining %s", chan);
	seen_note(&bot->seen, m->nick, now.wall, what);
	if (bot->cfg.greeting[0] != '\0')
		greet(bot, chan, m->nick);
}

static void
chan_forget(struct bot *bot, const char *chan)
{
	struct bot_chan *c = bot_chan_find(bot, chan);

	if (c != NULL)
		*c = bot->chans[--bot->nchans];
}

static void
on_part(struct bot *bot, const struct ircline *m, struct bot_time now)
{
	char what[IRCLINE_CHAN_MAX + 16];

	if (is_me(bot, m->nick)) {
		chan_forget(bot, ircline_param(m, 0));
		return;
	}
	snprintf(what, sizeof(what), "leaving %s", ircline_param(m, 0));
	seen_note(&bot->seen, m->nick, now.wall, what);
}

static void
on_kick(struct bot *bot, const struct ircline *m, struct bot_time now)
{
	char what[IRCLINE_CHAN_MAX + 32];

	if (is_me(bot, ircline_param(m, 1))) {
		chan_forget(bot, ircline_param(m, 0));
		return;
	}
	snprintf(what, sizeof(what), "being kicked from %s", ircline_param(m, 0));
	seen_note(&bot->seen, ircline_param(m, 1), now.wall, what);
}

static void
on_quit(struct bot *bot, const struct ircline *m, struct bot_time now)
{
	char what[SEEN_TEXT_MAX + 16];
	const char *reason = ircline_param(m, 0);

	snprintf(what, sizeof(what), "quitting (%.*s)",
	    (int)ircline_utf8_cut(reason, strlen(reason), SEEN_TEXT_MAX), reason);
	seen_note(&bot->seen, m->nick, now.wall, what);
}

static void
on_nick(struct bot *bot, const struct ircline *m, struct bot_time now)
{
	const char *to = ircline_param(m, 0);
	char what[IRCLINE_NICK_MAX + 32];

	if (to[0] == '\0')
		return;
	if (is_me(bot, m->nick)) {
		ircline_copy(bot->nick, to, sizeof(bot->nick));
		return;
	}
	snprintf(what, sizeof(what), "changing nick to %s", to);
	seen_note(&bot->seen, m->nick, now.wall, what);
	snprintf(what, sizeof(what), "changing nick from %s", m->nick);
	seen_note(&bot->seen, to, now.wall, what);
}

/* RPL_NAMREPLY "353 me = #chan :@a +b c": are we an operator there? */
static void
on_names(struct bot *bot, const struct ircline *m, struct bot_time now)
{
	struct bot_chan *c = bot_chan_find(bot, ircline_param(m, 2));
	const char *p = ircline_param(m, 3);

	(void)now;
	while (c != NULL && *p != '\0') {
		size_t plen = strspn(p, "~&@%+"), len = strcspn(p + plen, " !");
		char nick[IRCLINE_NICK_MAX];

		snprintf(nick, sizeof(nick), "%.*s", (int)len, p + plen);
		if (is_me(bot, nick))
			c->op = memchr(p, '@', plen) || memchr(p, '~', plen) ||
			    memchr(p, '&', plen);
		p += plen + strcspn(p + plen, " ");
		p += strspn(p, " ");
	}
}

/* Does channel mode letter c take a parameter (RFC 2811 4; +l only when set)? */
static bool
mode_takes_arg(char c, bool adding)
{
	return strchr("ovhqabeIk", c) != NULL || (c == 'l' && adding);
}

static void
on_mode(struct bot *bot, const struct ircline *m, struct bot_time now)
{
	struct bot_chan *c = bot_chan_find(bot, ircline_param(m, 0));
	const char *modes = ircline_param(m, 1);
	bool adding = true;
	int arg = 2;

	(void)now;
	for (; c != NULL && *modes != '\0'; modes++) {
		if (*modes == '+' || *modes == '-') {
			adding = *modes == '+';
			continue;
		}
		if (!mode_takes_arg(*modes, adding))
			continue;
		if (*modes == 'o' && is_me(bot, ircline_param(m, arg)))
			c->op = adding;
		arg++;
	}
}

static void
on_ctcp(struct bot *bot, const char *nick, const char *text)
{
	/* CTCP replies go by NOTICE, so that two clients never loop. */
	if (strcmp(text, "\001VERSION\001") == 0)
		bot_send(bot, "NOTICE %s :\001VERSION ircbot (ircserv)\001", nick);
	else if (strncmp(text, "\001PING ", 6) == 0 && strlen(text) < 64 &&
	    strchr(text + 6, '\001') != NULL)
		bot_send(bot, "NOTICE %s :%s", nick, text);
}

/* A channel message: note it, moderate it; true if it got someone kicked or warned. */
static bool
channel_message(struct bot *bot, const struct ircline *m, const char *chan,
    const char *text, struct bot_time now)
{
	struct bot_chan *c = bot_chan_find(bot, chan);
	char what[SEEN_TEXT_MAX + IRCLINE_CHAN_MAX + 32];
	const char *word;

	if (c == NULL)
		return false;
	snprintf(what, sizeof(what), "in %s, saying: %.*s", chan,
	    (int)ircline_utf8_cut(text, strlen(text), SEEN_TEXT_MAX), text);
	seen_note(&bot->seen, m->nick, now.wall, what);
	if (!c->op || (word = moderate_match(&bot->mod, text)) == NULL)
		return false;
	if (moderate_judge(&bot->mod, chan, m->nick, now.ms) == MODERATE_WARN)
		bot_say(bot, chan, false, "%s: please don't say \"%s\" here; "
		    "next time it is a kick.", m->nick, word);
	else
		bot_send(bot, "KICK %s %s :banned word (%s)", chan, m->nick, word);
	return true;
}

static void
on_privmsg(struct bot *bot, const struct ircline *m, struct bot_time now)
{
	const char *target = ircline_param(m, 0), *text = ircline_param(m, 1);
	struct botcmd_ctx ctx = { m->nick, NULL, now };

	/*
	 * Our own lines (echo-message) and servers' messages need no answer;
	 * a server name has a '.', which no nick may (RFC 2812 2.3.1).
	 */
	if (m->nick[0] == '\0' || strchr(m->nick, '.') != NULL || is_me(bot, m->nick) ||
	    !bot->registered)
		return;
	if (text[0] == '\001') {
		if (!ircline_is_channel(target))
			on_ctcp(bot, m->nick, text);
		return;
	}
	if (ircline_is_channel(target)) {
		if (channel_message(bot, m, target, text, now))
			return;
		ctx.chan = target;
		if (bot_chan_find(bot, target) != NULL)
			botcmd_run(bot, &ctx, text);
		return;
	}
	if (!botcmd_run(bot, &ctx, text))
		bot_say(bot, m->nick, true, "I am a bot; try !help");
}

static const struct {
	const char      *name;
	bot_handler     *handler;
} handlers[] = {
	{ "PING",       on_ping },
	{ "001",        on_welcome },
	{ "005",        on_isupport },
	{ "432",        on_nick_refused },
	{ "433",        on_nick_refused },
	{ "376",        on_motd_end },
	{ "422",        on_motd_end },
	{ "JOIN",       on_join },
	{ "PART",       on_part },
	{ "KICK",       on_kick },
	{ "QUIT",       on_quit },
	{ "NICK",       on_nick },
	{ "353",        on_names },
	{ "MODE",       on_mode },
	{ "PRIVMSG",    on_privmsg },
};

void
bot_on_line(struct bot *bot, const char *line, size_t len, struct bot_time now)
{
	char buf[BOT_RECV_LINE_MAX + 1];
	const char *nul = memchr(line, '\0', len);
	struct ircline m;

	bot->last_rx_ms = now.ms;
	bot->ping_sent = false;
	/* A NUL ends the line: nothing after it can be trusted to mean anything. */
	if (nul != NULL)
		len = (size_t)(nul - line);
	if (len > BOT_RECV_LINE_MAX)
		return;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (ircline_parse(&m, buf) == -1)
		return;
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (strcmp(m.command, handlers[i].name) == 0) {
			handlers[i].handler(bot, &m, now);
			return;
		}
	/* ERROR (RFC 2812 3.7.4): the server is closing the link. */
	if (strcmp(m.command, "ERROR") == 0)
		bot->close_wanted = true;
}

static void
deliver_reminders(struct bot *bot, struct bot_time now)
{
	struct remind_item it;

	while (remind_pop_due(&bot->remind, now.ms, &it)) {
		/* A channel we have left since gets a private notice instead. */
		if (bot_chan_find(bot, it.target) != NULL)
			bot_say(bot, it.target, false, "%s: reminder: %s", it.nick, it.text);
		else
			bot_say(bot, it.nick, true, "reminder: %s", it.text);
	}
}

void
bot_tick(struct bot *bot, struct bot_time now)
{
	struct vote_poll *p;
	char res[BOT_TEXT_MAX];

	if (!bot->connected)
		return;
	if (!bot->registered && now.ms - bot->connected_ms >= BOT_REGISTER_MS)
		bot->close_wanted = true;
	/* Keepalive: a server that went silent is PINGed once, then dropped. */
	if (!bot->ping_sent && now.ms - bot->last_rx_ms >= BOT_IDLE_MS) {
		send_urgent(bot, "PING :keepalive");
		bot->ping_sent = true;
		bot->ping_ms = now.ms;
	} else if (bot->ping_sent && now.ms - bot->ping_ms >= BOT_DEAD_MS) {
		bot->close_wanted = true;
	}
	if (!bot->registered)
		return;
	deliver_reminders(bot, now);
	while ((p = vote_expired(&bot->vote, now.ms)) != NULL) {
		vote_format(p, true, res, sizeof(res));
		if (bot_chan_find(bot, p->chan) != NULL)
			bot_say(bot, p->chan, false, "Poll closed: %s", res);
		vote_close(p);
	}
}

size_t
bot_next_line(struct bot *bot, int64_t now_ms, char *out, size_t outsz)
{
	if (bot->urgent.len > 0) {
		/* It goes anyway, but it still counts against the server's limit. */
		pace_bucket_charge(&bot->bucket, now_ms);
		return outq_pop(&bot->urgent, out, outsz);
	}
	if (bot->paced.len > 0 && pace_bucket_take(&bot->bucket, now_ms))
		return outq_pop(&bot->paced, out, outsz);
	return 0;
}

static int64_t
earlier(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int64_t
bot_timeout_ms(struct bot *bot, int64_t now_ms)
{
	int64_t at = INT64_MAX;

	if (!bot->connected)
		return -1;
	if (bot->urgent.len > 0 || bot->close_wanted)
		return 0;
	if (bot->paced.len > 0)
		at = now_ms + pace_bucket_wait_ms(&bot->bucket, now_ms);
	if (!bot->registered)
		at = earlier(at, bot->connected_ms + BOT_REGISTER_MS);
	at = earlier(at, bot->ping_sent ? bot->ping_ms + BOT_DEAD_MS :
	    bot->last_rx_ms + BOT_IDLE_MS);
	if (bot->registered) {
		at = earlier(at, remind_next_due(&bot->remind));
		for (size_t i = 0; i < VOTE_POLLS_MAX; i++)
			if (bot->vote.polls[i].chan[0] != '\0')
				at = earlier(at, bot->vote.polls[i].opened_ms + VOTE_TTL_MS);
	}
	return at <= now_ms ? 0 : at - now_ms;
}
