/*
 * Integration tests of IRCv3 message tags over loopback: message-tags and
 * TAGMSG (with their limits), msgid, server-time, echo-message, batch and
 * labeled-response; the exact lines a client with each capability and a
 * client without it receive, msgid and time normalized.
 */
#include "itest_v3.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* message-tags, msgid, server-time, TAGMSG */

static void
test_message_tags(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *snd = cap_user(s, "mtSnd", "message-tags");
	struct itest_client *plain = cap_user(s, "mtPlain", "");
	struct itest_client *st = cap_user(s, "mtSt", "server-time");
	struct itest_client *mt = cap_user(s, "mtMt", "message-tags");
	struct itest_client *both = cap_user(s, "mtBoth", "message-tags server-time");
	struct seen a, b;

	enter(snd, "#mt");
	enter(plain, "#mt");
	enter(st, "#mt");
	enter(mt, "#mt");
	enter(both, "#mt");
	settle(snd, plain, st, mt, both);
	/* Client-only tags (with '+') reach message-tags clients; others never. */
	itest_send(snd, "@+x=1;secret=no;+example.com/y=a\\sb;time=1999 PRIVMSG #mt :hi");
	expect_line(plain, NULL, ":%s PRIVMSG #mt :hi", itest_pfx(snd));
	expect_line(st, NULL, "@time=TIME :%s PRIVMSG #mt :hi", itest_pfx(snd));
	expect_line(mt, &a, "@msgid=ID;+x=1;+example.com/y=a\\sb :%s PRIVMSG #mt :hi",
	    itest_pfx(snd));
	expect_line(both, &b, "@time=TIME;msgid=ID;+x=1;+example.com/y=a\\sb "
	    ":%s PRIVMSG #mt :hi", itest_pfx(snd));
	assert_string_equal(a.msgid, b.msgid);
	/* No echo-message: the sender hears nothing. */
	quiet(snd, plain, st, mt, both);
	/* TAGMSG only to message-tags clients; none of the others hears it. */
	itest_send(snd, "@+typing=active TAGMSG #mt");
	expect_line(mt, NULL, "@msgid=ID;+typing=active :%s TAGMSG #mt", itest_pfx(snd));
	expect_line(both, NULL, "@time=TIME;msgid=ID;+typing=active :%s TAGMSG #mt",
	    itest_pfx(snd));
	quiet(snd, plain, st, mt, both);
	itest_send(snd, "@+typing=active TAGMSG mtPlain");
	itest_send(snd, "@+typing=paused TAGMSG mtMt");
	expect_line(mt, NULL, "@msgid=ID;+typing=paused :%s TAGMSG mtMt", itest_pfx(snd));
	quiet(snd, plain, mt);
	itest_send(snd, "TAGMSG mtNobody");
	itest_expect_next(snd, ":" SRV " 401 mtSnd mtNobody :No such nick/channel");
	/* Without client tags, message-tags clients still get a msgid. */
	itest_send(plain, "PRIVMSG #mt :plain");
	expect_line(mt, NULL, "@msgid=ID :%s PRIVMSG #mt :plain", itest_pfx(plain));
	expect_line(snd, NULL, "@msgid=ID :%s PRIVMSG #mt :plain", itest_pfx(plain));
	expect_line(st, NULL, "@time=TIME :%s PRIVMSG #mt :plain", itest_pfx(plain));
	settle(both);
	quiet(plain);
}

/*
 * "@<key>=vvv... <rest>" with a tag section of tags_len bytes between '@'
 * and the space; the caller frees it.
 */
static char *
tagged_line(const char *key, size_t tags_len, const char *rest)
{
	size_t klen = strlen(key), n = 1 + tags_len + 1 + strlen(rest);
	char *p = malloc(n + 1);

	if (p == NULL || tags_len < klen + 2)
		fail_msg("tagged_line: bad arguments");
	p[0] = '@';
	memcpy(p + 1, key, klen);
	p[1 + klen] = '=';
	memset(p + 2 + klen, 'v', tags_len - klen - 1);
	p[1 + tags_len] = ' ';
	memcpy(p + 2 + tags_len, rest, strlen(rest) + 1);
	return p;
}

static void
test_message_tags_limits(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *snd = cap_user(s, "tlSnd", "message-tags");
	struct itest_client *mt = cap_user(s, "tlMt", "message-tags");
	struct itest_client *plain = cap_user(s, "tlPlain", "");
	char text[494], raw[9000], got[9000], want[9000], *line;
	struct seen seen;

	memset(text, 't', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	/* 4094 bytes of tags pass, and reach message-tags clients whole. */
	line = tagged_line("+big", CLIENT_TAGS_MAX, "PRIVMSG tlMt,tlPlain :");
	itest_send(snd, "%s%.400s", line, text);
	raw_line(mt, raw, sizeof(raw));
	if (normalize(raw, got, sizeof(got), &seen) != NULL)
		fail_msg("bad tags in \"%s\"", raw);
	snprintf(want, sizeof(want), "@msgid=ID;%.*s :%s PRIVMSG tlMt :%.400s",
	    CLIENT_TAGS_MAX, line + 1, itest_pfx(snd), text);
	assert_string_equal(got, want);
	expect_line(plain, NULL, ":%s PRIVMSG tlPlain :%.400s", itest_pfx(snd), text);
	free(line);
	/* One byte more is 417, and nothing is delivered. */
	line = tagged_line("+big", CLIENT_TAGS_MAX + 1, "PRIVMSG tlMt,tlPlain :x");
	itest_send(snd, "%s", line);
	free(line);
	itest_expect_next(snd, ":" SRV " 417 tlSnd :Input line was too long");
	/* More than the receive buffer holds: 417 too, and the connection lives. */
	line = tagged_line("+big", 6000, "PRIVMSG tlMt :x\r\n");
	itest_send_raw(snd, line, strlen(line));
	free(line);
	itest_expect_next(snd, ":" SRV " 417 tlSnd :Input line was too long");
	quiet(snd, mt, plain);
	/* Tags do not count against the 510 bytes of the message itself. */
	itest_send(snd, "@+a=b PRIVMSG tlPlain :%s", text);
	itest_expect_next(plain, ":%s PRIVMSG tlPlain :ttt*", itest_pfx(snd));
	itest_send(snd, "@+a=b PRIVMSG tlPlain :%sx", text);
	itest_expect_next(snd, ":" SRV " 417 tlSnd :Input line was too long");
	quiet(snd, plain);
}

static void
test_msgid(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *a = cap_user(s, "miA", "message-tags echo-message");
	struct itest_client *b = cap_user(s, "miB", "message-tags");
	struct itest_client *c = cap_user(s, "miC", "message-tags server-time");
	struct seen ids[4][3];

	enter(a, "#mi");
	enter(b, "#mi");
	enter(c, "#mi");
	settle(a, b, c);
	/* One msgid per message: the same for every recipient and the echo. */
	for (int i = 0; i < 3; i++) {
		itest_send(a, "PRIVMSG #mi :m%d", i);
		expect_line(a, &ids[i][0], "@msgid=ID :%s PRIVMSG #mi :m%d", itest_pfx(a), i);
		expect_line(b, &ids[i][1], "@msgid=ID :%s PRIVMSG #mi :m%d", itest_pfx(a), i);
		expect_line(c, &ids[i][2], "@time=TIME;msgid=ID :%s PRIVMSG #mi :m%d",
		    itest_pfx(a), i);
		assert_string_equal(ids[i][0].msgid, ids[i][1].msgid);
		assert_string_equal(ids[i][0].msgid, ids[i][2].msgid);
	}
	itest_send(a, "NOTICE miB :pm");
	expect_line(a, &ids[3][0], "@msgid=ID :%s NOTICE miB :pm", itest_pfx(a));
	expect_line(b, &ids[3][1], "@msgid=ID :%s NOTICE miB :pm", itest_pfx(a));
	assert_string_equal(ids[3][0].msgid, ids[3][1].msgid);
	/* And a different one for each message. */
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			assert_string_not_equal(ids[i][0].msgid, ids[j][0].msgid);
	quiet(a, b, c);
}

static void
test_server_time(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *st = cap_user(s, "stA", "server-time");
	struct itest_client *b = cap_user(s, "stB", "");

	enter(st, "#st");
	itest_send(b, "JOIN #st");
	itest_expect_next(b, ":%s JOIN #st", itest_pfx(b));
	itest_skip_to(b, ":" SRV " 366 stB #st :*");
	expect_line(st, NULL, "@time=TIME :%s JOIN #st", itest_pfx(b));
	itest_send(b, "PRIVMSG #st :tick");
	expect_line(st, NULL, "@time=TIME :%s PRIVMSG #st :tick", itest_pfx(b));
	itest_send(b, "NICK stC");
	/* The user's own NICK comes without a time: it has no server-time. */
	itest_expect_next(b, ":%s NICK :stC", itest_pfx(b));
	expect_line(st, NULL, "@time=TIME :%s NICK :stC", itest_pfx(b));
	snprintf(b->nick, sizeof(b->nick), "stC");
	/* Numerics are not tagged. */
	itest_send(st, "TIME");
	itest_expect_next(st, ":" SRV " 391 stA " SRV " :*");
	itest_send(b, "QUIT :gone");
	itest_expect_closed(b);
	expect_line(st, NULL, "@time=TIME :%s QUIT :Quit: gone", itest_pfx(b));
	itest_expect_quiet(st);
}

/* echo-message */

static void
test_echo_message(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *e = cap_user(s, "ecA", "echo-message");
	struct itest_client *p = cap_user(s, "ecP", "");
	struct itest_client *m = cap_user(s, "ecM", "echo-message message-tags");

	enter(e, "#ec");
	enter(p, "#ec");
	enter(m, "#ec");
	settle(e, p, m);
	/* Each PRIVMSG or NOTICE comes back exactly once, per target. */
	itest_send(e, "PRIVMSG #ec :hello");
	expect_line(e, NULL, ":%s PRIVMSG #ec :hello", itest_pfx(e));
	expect_line(p, NULL, ":%s PRIVMSG #ec :hello", itest_pfx(e));
	expect_line(m, NULL, "@msgid=ID :%s PRIVMSG #ec :hello", itest_pfx(e));
	quiet(e, p, m);
	itest_send(e, "NOTICE #ec :note");
	expect_line(e, NULL, ":%s NOTICE #ec :note", itest_pfx(e));
	settle(p, m);
	itest_expect_quiet(e);
	itest_send(e, "PRIVMSG ecP :dm");
	expect_line(e, NULL, ":%s PRIVMSG ecP :dm", itest_pfx(e));
	expect_line(p, NULL, ":%s PRIVMSG ecP :dm", itest_pfx(e));
	quiet(e, p, m);
	itest_send(e, "PRIVMSG #ec,ecP :two");
	expect_line(e, NULL, ":%s PRIVMSG #ec :two", itest_pfx(e));
	expect_line(e, NULL, ":%s PRIVMSG ecP :two", itest_pfx(e));
	expect_line(p, NULL, ":%s PRIVMSG #ec :two", itest_pfx(e));
	expect_line(p, NULL, ":%s PRIVMSG ecP :two", itest_pfx(e));
	settle(m);
	quiet(e, p);
	/* Nothing is echoed for a message that was refused. */
	itest_send(e, "PRIVMSG ecNobody :x");
	itest_expect_next(e, ":" SRV " 401 ecA ecNobody :No such nick/channel");
	itest_expect_quiet(e);
	/* Without echo-message the sender hears nothing. */
	itest_send(p, "PRIVMSG #ec :unechoed");
	settle(e, m);
	itest_expect_quiet(p);
}

static void
test_echo_message_tags(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *e = cap_user(s, "etA", "echo-message");
	struct itest_client *p = cap_user(s, "etP", "");
	struct itest_client *m = cap_user(s, "etM", "echo-message message-tags");
	struct seen echo, seen;

	enter(e, "#et");
	enter(p, "#et");
	enter(m, "#et");
	settle(e, p, m);
	/* With message-tags, the echo has the client tags and the recipients' msgid. */
	itest_send(m, "@+x=1;other=2 PRIVMSG #et :tagged");
	expect_line(m, &echo, "@msgid=ID;+x=1 :%s PRIVMSG #et :tagged", itest_pfx(m));
	expect_line(e, NULL, ":%s PRIVMSG #et :tagged", itest_pfx(m));
	expect_line(p, NULL, ":%s PRIVMSG #et :tagged", itest_pfx(m));
	quiet(e, p, m);
	itest_send(e, "PRIVMSG #et :plain");
	expect_line(e, NULL, ":%s PRIVMSG #et :plain", itest_pfx(e));
	expect_line(m, &seen, "@msgid=ID :%s PRIVMSG #et :plain", itest_pfx(e));
	assert_string_not_equal(echo.msgid, seen.msgid);
	settle(p);
	/* TAGMSG is echoed only to a client that has message-tags. */
	itest_send(m, "@+typing=active TAGMSG #et");
	expect_line(m, NULL, "@msgid=ID;+typing=active :%s TAGMSG #et", itest_pfx(m));
	quiet(e, p, m);
	itest_send(e, "@+typing=active TAGMSG #et");
	expect_line(m, NULL, "@msgid=ID;+typing=active :%s TAGMSG #et", itest_pfx(e));
	quiet(e, p, m);
}

/*
 * Send PING and read up to its PONG: how many of the lines before it match
 * the pattern fmt.
 */
#define count_copies(c, ...)    count_copies_at(ITEST_HERE, (c), __VA_ARGS__)
static int count_copies_at(const char *file, int line, struct itest_client *c,
    const char *fmt, ...) ITEST_PRINTF(4, 5);

static int
count_copies_at(const char *file, int line, struct itest_client *c,
    const char *fmt, ...)
{
	char pat[1024], pong[128];
	va_list ap;
	int n = 0;

	va_start(ap, fmt);
	vsnprintf(pat, sizeof(pat), fmt, ap);
	va_end(ap);
	snprintf(pong, sizeof(pong), ":%s PONG %s :copies-%u", SRV, SRV, ++c->ping_seq);
	itest_send_at(file, line, c, "PING :copies-%u", c->ping_seq);
	for (;;) {
		const char *l = itest_next_at(file, line, c);

		if (strcmp(l, pong) == 0)
			return n;
		n += itest_match(pat, l);
	}
}

static void
test_echo_message_to_self(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *p = cap_user(s, "esP", "");
	struct itest_client *e = cap_user(s, "esE", "echo-message");
	struct itest_client *m = cap_user(s, "esM", "echo-message message-tags");
	int plain, privmsg, notice, tagmsg;

	/* Without echo-message, a message to oneself arrives once, as to anyone. */
	itest_send(p, "PRIVMSG esP :me");
	plain = count_copies(p, ":%s PRIVMSG esP :me", itest_pfx(p));
	/*
	 * With it, the delivery and the echo: twice, as the labeled-response
	 * specification has it (only the echo is the labelled reply).
	 */
	itest_send(e, "PRIVMSG esE :me");
	privmsg = count_copies(e, ":%s PRIVMSG esE :me", itest_pfx(e));
	itest_send(e, "NOTICE esE :me");
	notice = count_copies(e, ":%s NOTICE esE :me", itest_pfx(e));
	itest_send(m, "@+typing=active TAGMSG esM");
	tagmsg = count_copies(m, "@msgid=*;+typing=active :%s TAGMSG esM", itest_pfx(m));
	if (plain != 1 || privmsg != 2 || notice != 2 || tagmsg != 2)
		fail_msg("copies of a message to oneself: without echo-message %d, "
		    "with it PRIVMSG %d, NOTICE %d, TAGMSG %d; wanted 1, then 2 each",
		    plain, privmsg, notice, tagmsg);
}

/* batch and labeled-response */

/* The next line must open a labelled batch; its reference tag goes to id. */
#define expect_batch(c, label, id) expect_batch_at(ITEST_HERE, (c), (label), (id))
static void
expect_batch_at(const char *file, int line, struct itest_client *c,
    const char *label, char id[32])
{
	const char *l = itest_expect_next_at(file, line, c,
	    "@label=%s :%s BATCH +* labeled-response", label, SRV);
	const char *p = strstr(l, " BATCH +") + 8;
	size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-");

	/* ircv3.net batch: the reference tag is letters, digits and '-'. */
	if (n == 0 || n >= 32 || strcmp(p + n, " labeled-response") != 0)
		itest_fail_at(file, line, "[%s] bad batch reference in \"%s\"", c->nick, l);
	memcpy(id, p, n);
	id[n] = '\0';
}

static void
test_labeled_response(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *a = cap_user(s, "lrA",
	    "labeled-response batch message-tags echo-message");
	struct itest_client *b = cap_user(s, "lrB", "");
	char id[32];

	/* No reply: ACK. One reply: the label on it. */
	itest_send(a, "@label=p1 PONG :x");
	itest_expect_next(a, "@label=p1 :" SRV " ACK");
	itest_send(a, "@label=p2 PING :tok");
	itest_expect_next(a, "@label=p2 :" SRV " PONG " SRV " :tok");
	itest_send(a, "@label=n3 NICK 1bad");
	itest_expect_next(a, "@label=n3 :" SRV " 432 lrA 1bad :Erroneous nickname");
	/* Several: a labelled BATCH, each line tagged with its reference. */
	enter(a, "#lr");
	itest_send(a, "@label=m4 MODE #lr");
	expect_batch(a, "m4", id);
	itest_expect_next(a, "@batch=%s :" SRV " 324 lrA #lr +nt", id);
	itest_expect_next(a, "@batch=%s :" SRV " 329 lrA #lr *", id);
	itest_expect_next(a, ":" SRV " BATCH -%s", id);
	itest_expect_quiet(a);
	itest_send(a, "@label=w5 WHOIS lrB");
	expect_batch(a, "w5", id);
	itest_expect_next(a, "@batch=%s :" SRV " 311 lrA lrB lrB 127.0.0.1 * :itest lrB", id);
	itest_expect_next(a, "@batch=%s :" SRV " 312 lrA lrB " SRV " :*", id);
	itest_expect_next(a, "@batch=%s :" SRV " 317 lrA lrB *", id);
	itest_expect_next(a, "@batch=%s :" SRV " 318 lrA lrB :End of /WHOIS list", id);
	itest_expect_next(a, ":" SRV " BATCH -%s", id);
	/* The echo is the response and carries the label; the recipient sees none. */
	itest_send(a, "@label=e6 PRIVMSG lrB :hi");
	expect_line(a, NULL, "@label=e6;msgid=ID :%s PRIVMSG lrB :hi", itest_pfx(a));
	expect_line(b, NULL, ":%s PRIVMSG lrB :hi", itest_pfx(a));
	/* Two echoes: a batch of them. */
	itest_send(a, "@label=e7 PRIVMSG #lr,lrB :two");
	expect_batch(a, "e7", id);
	expect_line(a, NULL, "@batch=%s;msgid=ID :%s PRIVMSG #lr :two", id, itest_pfx(a));
	expect_line(a, NULL, "@batch=%s;msgid=ID :%s PRIVMSG lrB :two", id, itest_pfx(a));
	itest_expect_next(a, ":" SRV " BATCH -%s", id);
	expect_line(b, NULL, ":%s PRIVMSG lrB :two", itest_pfx(a));
	quiet(a, b);
}

static void
test_labeled_response_limits(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *a = cap_user(s, "llA", "labeled-response batch");
	struct itest_client *b = cap_user(s, "llB", "");
	struct itest_client *nb = cap_user(s, "llC", "labeled-response");

	/* Labels of up to 64 bytes are used; longer ones are ignored. */
	itest_send(a, "@label=%064d PING :t", 0);
	itest_expect_next(a, "@label=%064d :" SRV " PONG " SRV " :t", 0);
	itest_send(a, "@label=%065d PING :t", 0);
	itest_expect_next(a, ":" SRV " PONG " SRV " :t");
	itest_send(a, "@label= PING :t");
	itest_expect_next(a, ":" SRV " PONG " SRV " :t");
	/* A message without echo-message has no reply for its sender: ACK. */
	itest_send(a, "@label=q PRIVMSG llB :x");
	itest_expect_next(a, "@label=q :" SRV " ACK");
	itest_expect_next(b, ":%s PRIVMSG llB :x", itest_pfx(a));
	/* Without labeled-response: no label, no ACK. */
	itest_send(b, "@label=x PING :t");
	itest_expect_next(b, ":" SRV " PONG " SRV " :t");
	itest_send(b, "@label=y PONG :t");
	itest_expect_quiet(b);
	/* Without batch: one reply is labelled, several come unlabelled. */
	itest_send(nb, "@label=z1 PING :t");
	itest_expect_next(nb, "@label=z1 :" SRV " PONG " SRV " :t");
	enter(nb, "#llc");
	itest_send(nb, "@label=z2 MODE #llc");
	itest_expect_next(nb, ":" SRV " 324 llC #llc +nt");
	itest_expect_next(nb, ":" SRV " 329 llC #llc *");
	quiet(a, b, nb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_message_tags),
		itest_unit_test(test_message_tags_limits),
		itest_unit_test(test_msgid),
		itest_unit_test(test_server_time),
		itest_unit_test(test_echo_message),
		itest_unit_test(test_echo_message_tags),
		itest_unit_test(test_echo_message_to_self),
		itest_unit_test(test_labeled_response),
		itest_unit_test(test_labeled_response_limits),
	};

	return itest_finish(cmocka_run_group_tests(tests, itest_group_setup_fast,
	    itest_group_teardown));
}
