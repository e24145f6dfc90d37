/*
 * Integration tests of the query commands against a running ircserv: WHO
 * (and WHOX), WHOIS, WHOWAS, LIST, NAMES, ISON, USERHOST, AWAY, and the
 * server queries MOTD LUSERS VERSION TIME ADMIN INFO LINKS STATS HELP USERS
 * SUMMON, each with its error numerics. Tests that need exact counts or an
 * IRC operator start a server of their own.
 */
#include "itest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SRV             ITEST_SERVER_NAME
#define OPER_NAME       "qoper"
#define OPER_PASSWORD   "query-oper-pw"

/* The lines of one reply, in arrival order, each ending in '\n'. */
struct block {
	char     text[32768];
	size_t   len;
	unsigned n;
};

/*
 * Take c's lines in order into b, up to and including the first that
 * matches the pattern fmt; fails on timeout or when b overflows.
 */
#define collect(c, b, ...)      collect_at(ITEST_HERE, (c), (b), __VA_ARGS__)
static void collect_at(const char *file, int line, struct itest_client *c,
    struct block *b, const char *fmt, ...) ITEST_PRINTF(5, 6);

static void
collect_at(const char *file, int line, struct itest_client *c, struct block *b,
    const char *fmt, ...)
{
	char end[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(end, sizeof(end), fmt, ap);
	va_end(ap);
	b->len = b->n = 0;
	b->text[0] = '\0';
	for (;;) {
		const char *l = itest_next_at(file, line, c);
		size_t n = strlen(l);

		if (b->len + n + 2 > sizeof(b->text))
			itest_fail_at(file, line, "[%s] reply too long:\n%s",
			    c->nick, b->text);
		memcpy(b->text + b->len, l, n);
		b->len += n;
		b->text[b->len++] = '\n';
		b->text[b->len] = '\0';
		b->n++;
		if (itest_match(end, l))
			return;
	}
}

/* How many lines of b match the pattern fmt. */
static unsigned block_count(const struct block *b, const char *fmt, ...)
    ITEST_PRINTF(2, 3);

static unsigned
block_count(const struct block *b, const char *fmt, ...)
{
	char pat[1024], one[ITEST_LINE_MAX + 1];
	const char *p = b->text;
	unsigned hits = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pat, sizeof(pat), fmt, ap);
	va_end(ap);
	while (*p) {
		size_t n = strcspn(p, "\n");

		snprintf(one, sizeof(one), "%.*s", (int)n, p);
		if (itest_match(pat, one))
			hits++;
		p += n + (p[n] == '\n');
	}
	return hits;
}

/* Fail unless exactly n lines of b match the pattern. */
#define expect_in(b, n, ...) do {                                             \
	unsigned got_ = block_count((b), __VA_ARGS__);                          \
	if (got_ != (unsigned)(n))                                              \
		fail_msg("%u line(s) matching \"%s\", wanted %u, in:\n%s", got_,  \
		    #__VA_ARGS__, (unsigned)(n), (b)->text);                        \
} while (0)

/* Whether the space-separated list in line (after " :") holds word. */
static bool
trailing_has_word(const char *line, const char *word)
{
	const char *p = strstr(line, " :");
	size_t n = strlen(word);

	if (p == NULL)
		return false;
	for (p += 2; *p != '\0'; p++) {
		if (strncmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p += strcspn(p, " ");
		if (*p == '\0')
			break;
	}
	return false;
}

/* A server of this test's own that trusts loopback, with an oper block. */
static struct itest_server *
start_oper_server(void)
{
	char hash[256], conf[1024];
	struct itest_server *s;

	itest_mkpasswd(OPER_PASSWORD, hash, sizeof(hash));
	snprintf(conf, sizeof(conf), ITEST_CONF_FAST
	    "oper " OPER_NAME " {\n"
	    "\tpassword = %s\n"
	    "\thost = *@127.0.0.1\n"
	    "}\n", hash);
	s = itest_server_start_ok(conf);
	return s;
}

/* WHO */

static void
test_who_channel(void **state)
{
	struct itest_client *a = itest_user(*state, "wqA");
	struct itest_client *b = itest_user(*state, "wqB");
	struct itest_client *c = itest_user(*state, "wqC");
	struct itest_client *out = itest_user(*state, "wqOut");

	itest_join(a, "#wq");
	itest_join(b, "#wq");
	itest_join(c, "#wq");
	itest_sync(a);
	itest_send(a, "MODE #wq +v wqB");
	itest_expect_next(a, ":%s MODE #wq +v wqB", itest_pfx(a));
	itest_sync(c);
	itest_send(c, "AWAY :lunch");
	itest_expect_next(c, ":" SRV " 306 wqC :You have been marked as being away");
	/* RFC 2812 3.6.1 / 5.1: members in order, H or G, then the prefix. */
	itest_send(a, "WHO #wq");
	itest_expect_next(a, ":" SRV " 352 wqA #wq wqA 127.0.0.1 " SRV " wqA H@"
	    " :0 itest wqA");
	itest_expect_next(a, ":" SRV " 352 wqA #wq wqB 127.0.0.1 " SRV " wqB H+"
	    " :0 itest wqB");
	itest_expect_next(a, ":" SRV " 352 wqA #wq wqC 127.0.0.1 " SRV " wqC G :0"
	    " itest wqC");
	itest_expect_next(a, ":" SRV " 315 wqA #wq :End of /WHO list");
	/* An outsider sees a channel that is neither secret nor private. */
	itest_send(out, "WHO #wq");
	itest_expect_next(out, ":" SRV " 352 wqOut #wq wqA 127.0.0.1 " SRV " wqA H@"
	    " :0 *");
	itest_expect_next(out, ":" SRV " 352 wqOut #wq wqB 127.0.0.1 " SRV " wqB H+"
	    " :0 *");
	itest_expect_next(out, ":" SRV " 352 wqOut #wq wqC 127.0.0.1 " SRV " wqC G :0 *");
	itest_expect_next(out, ":" SRV " 315 wqOut #wq :End of /WHO list");
	itest_send(out, "WHO #wq-none");
	itest_expect_next(out, ":" SRV " 315 wqOut #wq-none :End of /WHO list");
	/* multi-prefix: every prefix, highest first. */
	itest_send(a, "MODE #wq +v wqA");
	itest_expect_next(a, ":%s MODE #wq +v wqA", itest_pfx(a));
	itest_sync(b);
	itest_send(b, "CAP REQ :multi-prefix");
	itest_expect_next(b, ":" SRV " CAP wqB ACK :multi-prefix");
	itest_send(b, "WHO #wq");
	itest_expect_next(b, ":" SRV " 352 wqB #wq wqA 127.0.0.1 " SRV " wqA H@+ :0 *");
	itest_skip_to(b, ":" SRV " 315 wqB #wq :*");
	itest_send(a, "WHO #wq");
	itest_expect_next(a, ":" SRV " 352 wqA #wq wqA 127.0.0.1 " SRV " wqA H@ :0 *");
	itest_skip_to(a, ":" SRV " 315 wqA #wq :*");
	itest_expect_quiet(a);
	itest_expect_quiet(out);
	itest_close(a);
	itest_close(b);
	itest_close(c);
	itest_close(out);
}

static void
test_who_nick_and_mask(void **state)
{
	struct itest_client *a = itest_user(*state, "wmA");
	struct itest_client *b = itest_user(*state, "wmB");
	struct itest_client *lone = itest_user(*state, "wmLone");
	struct block blk;

	itest_join(a, "#wm");
	itest_join(b, "#wm");
	itest_sync(a);
	/* A nick: one line, in a channel the requester may see. */
	itest_send(lone, "WHO wmA");
	itest_expect_next(lone, ":" SRV " 352 wmLone #wm wmA 127.0.0.1 " SRV
	    " wmA H@ :0 itest wmA");
	itest_expect_next(lone, ":" SRV " 315 wmLone wmA :End of /WHO list");
	/* A user on no channel is shown in channel "*". */
	itest_send(a, "WHO wmlone");
	itest_expect_next(a, ":" SRV " 352 wmA \\* wmLone 127.0.0.1 " SRV
	    " wmLone H :0 itest wmLone");
	itest_expect_next(a, ":" SRV " 315 wmA wmlone :End of /WHO list");
	itest_send(a, "WHO wmNobody");
	itest_expect_next(a, ":" SRV " 315 wmA wmNobody :End of /WHO list");
	/* A mask matches nicks (and user, host, server, realname). */
	itest_send(lone, "WHO wm*");
	collect(lone, &blk, ":" SRV " 315 wmLone wm\\* :End of /WHO list");
	expect_in(&blk, 3, ":" SRV " 352 wmLone * :0 itest wm*");
	expect_in(&blk, 1, "* wmA H@ :0 itest wmA");
	expect_in(&blk, 1, "* wmB H :0 itest wmB");
	expect_in(&blk, 1, ":" SRV " 352 wmLone \\* wmLone 127.0.0.1 * wmLone H :0 *");
	if (blk.n != 4)
		fail_msg("unexpected lines in:\n%s", blk.text);
	itest_send(lone, "WHO *itest?wmB");
	itest_expect_next(lone, ":" SRV " 352 wmLone #wm wmB * wmB H :0 itest wmB");
	itest_expect_next(lone, ":" SRV " 315 wmLone \\*itest?wmB :End of /WHO list");
	itest_send(lone, "WHO wmX*");
	itest_expect_next(lone, ":" SRV " 315 wmLone wmX\\* :End of /WHO list");
	itest_expect_quiet(lone);
	itest_close(a);
	itest_close(b);
	itest_close(lone);
}

static void
test_who_invisible(void **state)
{
	struct itest_client *a = itest_user(*state, "wiA");
	struct itest_client *b = itest_user(*state, "wiB");
	struct itest_client *out = itest_user(*state, "wiOut");
	struct block blk;

	itest_send(a, "MODE wiA +i");
	itest_expect_next(a, ":%s MODE wiA :+i", itest_pfx(a));
	itest_join(a, "#wi");
	itest_join(b, "#wi");
	itest_sync(a);
	/* RFC 2812 3.6.1: +i users only show to those sharing a channel. */
	itest_send(out, "WHO #wi");
	itest_expect_next(out, ":" SRV " 352 wiOut #wi wiB * wiB H :0 itest wiB");
	itest_expect_next(out, ":" SRV " 315 wiOut #wi :End of /WHO list");
	itest_send(out, "WHO wi*");
	collect(out, &blk, ":" SRV " 315 wiOut wi\\* :*");
	expect_in(&blk, 0, "* wiA *");
	expect_in(&blk, 1, "* wiB H :0 itest wiB");
	expect_in(&blk, 1, "* wiOut H :0 itest wiOut");
	itest_send(out, "NAMES #wi");
	itest_expect_next(out, ":" SRV " 353 wiOut = #wi :wiB");
	itest_expect_next(out, ":" SRV " 366 wiOut #wi :End of /NAMES list");
	/* Members see everyone, and an invisible user sees itself. */
	itest_send(b, "WHO #wi");
	itest_expect_next(b, ":" SRV " 352 wiB #wi wiA * wiA H@ :0 itest wiA");
	itest_skip_to(b, ":" SRV " 315 wiB #wi :*");
	itest_send(a, "WHO wi*");
	collect(a, &blk, ":" SRV " 315 wiA wi\\* :*");
	expect_in(&blk, 1, "* wiA H@ :0 itest wiA");
	/* Sharing any channel makes the invisible user visible. */
	itest_join(out, "#wi-other");
	itest_join(a, "#wi-other");
	itest_sync(out);
	itest_send(out, "WHO #wi");
	itest_expect_next(out, ":" SRV " 352 wiOut #wi wiA * wiA H@ :0 itest wiA");
	itest_expect_next(out, ":" SRV " 352 wiOut #wi wiB * wiB H :0 itest wiB");
	itest_expect_next(out, ":" SRV " 315 wiOut #wi :End of /WHO list");
	itest_send(out, "WHO wi*");
	collect(out, &blk, ":" SRV " 315 wiOut wi\\* :*");
	expect_in(&blk, 1, "* wiA * :0 itest wiA");
	itest_close(a);
	itest_close(b);
	itest_close(out);
}

static void
test_whox(void **state)
{
	struct itest_client *a = itest_user(*state, "wxA");
	struct itest_client *b = itest_user(*state, "wxB");

	itest_join(a, "#wx");
	itest_join(b, "#wx");
	itest_sync(a);
	/*
	 * What irssi sends after a join (WHOX: fields in the fixed order
	 * t c u i h s n f d l a o, realname last): token, channel, user,
	 * host, nick, flags, hopcount, account, realname.
	 */
	itest_send(a, "WHO #wx %%tcuhnfdar,743");
	itest_expect_next(a, ":" SRV " 354 wxA 743 #wx wxA 127.0.0.1"
	    " wxA H@ 0 0 :itest wxA");
	itest_expect_next(a, ":" SRV " 354 wxA 743 #wx wxB 127.0.0.1"
	    " wxB H 0 0 :itest wxB");
	itest_expect_next(a, ":" SRV " 315 wxA #wx :End of /WHO list");
	/* irssi's account query. */
	itest_send(a, "WHO wxB %%tna,745");
	itest_expect_next(a, ":" SRV " 354 wxA 745 wxB 0");
	itest_expect_next(a, ":" SRV " 315 wxA wxB :End of /WHO list");
	/* The order is the server's, not the request's. */
	itest_send(b, "WHO wxA %%nsuc");
	itest_expect_next(b, ":" SRV " 354 wxB #wx wxA " SRV " wxA");
	itest_expect_next(b, ":" SRV " 315 wxB wxA :End of /WHO list");
	itest_send(b, "WHO wxA %%cuihsnfdlaor,9");
	itest_expect_next(b, ":" SRV " 354 wxB #wx wxA 127.0.0.1 127.0.0.1 " SRV
	    " wxA H@ 0 ?* 0 n/a :itest wxA");
	itest_expect_next(b, ":" SRV " 315 wxB wxA :End of /WHO list");
	itest_expect_quiet(a);
	itest_expect_quiet(b);
	itest_close(a);
	itest_close(b);
}

/* WHOIS WHOWAS */

static void
test_whois(void **state)
{
	struct itest_client *a = itest_user(*state, "wsA");
	struct itest_client *b = itest_user(*state, "wsB");
	const char *l;

	itest_join(a, "#ws-a");
	itest_join(b, "#ws-a");
	itest_join(b, "#ws-b");
	itest_join(a, "#ws-b");
	itest_join(a, "#ws-s");
	itest_sync(a);
	itest_sync(b);
	itest_send(a, "MODE #ws-s +s");
	itest_expect_next(a, ":%s MODE #ws-s +s", itest_pfx(a));
	itest_send(b, "MODE #ws-b +v wsA");
	itest_expect_next(b, ":%s MODE #ws-b +v wsA", itest_pfx(b));
	itest_sync(a);
	itest_send(b, "WHOIS wsA");
	itest_expect_next(b, ":" SRV " 311 wsB wsA wsA 127.0.0.1 * :itest wsA");
	/* 319: prefixes; the secret channel only for its members. */
	l = itest_expect_next(b, ":" SRV " 319 wsB wsA :*");
	if (!trailing_has_word(l, "@#ws-a") || !trailing_has_word(l, "+#ws-b") ||
	    strstr(l, "#ws-s") != NULL)
		fail_msg("wrong channels in %s", l);
	itest_expect_next(b, ":" SRV " 312 wsB wsA " SRV " :ircserv IRC server");
	itest_expect_next(b, ":" SRV " 317 wsB wsA ?* ?* :seconds idle, signon time");
	itest_expect_next(b, ":" SRV " 318 wsB wsA :End of /WHOIS list");
	itest_send(a, "WHOIS WSA");
	itest_expect_next(a, ":" SRV " 311 wsA wsA *");
	l = itest_expect_next(a, ":" SRV " 319 wsA wsA :*");
	if (!trailing_has_word(l, "@#ws-s"))
		fail_msg("a member was not shown the secret channel: %s", l);
	itest_skip_to(a, ":" SRV " 318 wsA WSA :End of /WHOIS list");
	/* 301 when away; no 319 for a user on no channel. */
	itest_send(a, "AWAY :be right back");
	itest_expect_next(a, ":" SRV " 306 wsA :*");
	itest_send(b, "PART #ws-a,#ws-b");
	itest_skip_to(b, ":%s PART #ws-b", itest_pfx(b));
	itest_send(a, "WHOIS wsB");
	itest_skip_to(a, ":" SRV " 311 wsA wsB wsB 127.0.0.1 * :itest wsB");
	itest_expect_next(a, ":" SRV " 312 wsA wsB " SRV " :*");
	itest_expect_next(a, ":" SRV " 317 wsA wsB *");
	itest_expect_next(a, ":" SRV " 318 wsA wsB :*");
	itest_send(b, "WHOIS wsA");
	itest_skip_to(b, ":" SRV " 312 wsB wsA *");
	itest_expect_next(b, ":" SRV " 301 wsB wsA :be right back");
	itest_expect_next(b, ":" SRV " 317 wsB wsA *");
	itest_expect_next(b, ":" SRV " 318 wsB wsA :*");
	itest_expect_quiet(a);
	itest_expect_quiet(b);
	itest_close(a);
	itest_close(b);
}

static void
test_whois_errors_and_targets(void **state)
{
	struct itest_client *a = itest_user(*state, "weA");
	struct itest_client *b = itest_user(*state, "weB");

	itest_send(a, "WHOIS weNobody");
	itest_expect_next(a, ":" SRV " 401 weA weNobody :No such nick/channel");
	itest_expect_next(a, ":" SRV " 318 weA weNobody :End of /WHOIS list");
	/* Several nicks: each answered in order, one 318 for the list. */
	itest_send(a, "WHOIS weB,weNobody,weA");
	itest_expect_next(a, ":" SRV " 311 weA weB *");
	itest_skip_to(a, ":" SRV " 317 weA weB *");
	itest_expect_next(a, ":" SRV " 401 weA weNobody :No such nick/channel");
	itest_expect_next(a, ":" SRV " 311 weA weA *");
	itest_skip_to(a, ":" SRV " 317 weA weA *");
	itest_expect_next(a, ":" SRV " 318 weA weB,weNobody,weA :End of /WHOIS list");
	itest_send(a, "WHOIS");
	itest_expect_next(a, ":" SRV " 431 weA :No nickname given");
	itest_send(a, "WHOIS :");
	itest_expect_next(a, ":" SRV " 431 weA :No nickname given");
	/* RFC 2812 3.6.2: WHOIS <target> <mask>; only this server exists. */
	itest_send(a, "WHOIS other.server weB");
	itest_expect_next(a, ":" SRV " 402 weA other.server :No such server");
	itest_expect_quiet(a);
	itest_send(a, "WHOIS " SRV " weB");
	itest_expect_next(a, ":" SRV " 311 weA weB *");
	itest_skip_to(a, ":" SRV " 318 weA weB :*");
	itest_send(a, "WHOIS weB weB");
	itest_expect_next(a, ":" SRV " 311 weA weB *");
	itest_skip_to(a, ":" SRV " 318 weA weB :*");
	itest_expect_quiet(a);
	itest_expect_quiet(b);
	itest_close(a);
	itest_close(b);
}

static void
test_whowas(void **state)
{
	struct itest_client *a = itest_user(*state, "wwOld");
	struct itest_client *q = itest_user(*state, "wwQ");
	struct itest_client *c;

	itest_send(a, "NICK wwNew");
	itest_expect_next(a, ":%s NICK :wwNew", itest_pfx(a));
	snprintf(a->nick, sizeof(a->nick), "wwNew");
	itest_send(q, "WHOWAS wwOld");
	itest_expect_next(q, ":" SRV " 314 wwQ wwOld wwOld 127.0.0.1 * :itest wwOld");
	itest_expect_next(q, ":" SRV " 312 wwQ wwOld " SRV " :?*");
	itest_expect_next(q, ":" SRV " 369 wwQ wwOld :End of WHOWAS");
	/* After QUIT, the nick it left with. */
	itest_send(q, "WHOWAS wwNew");
	itest_expect_next(q, ":" SRV " 406 wwQ wwNew :There was no such nickname");
	itest_expect_next(q, ":" SRV " 369 wwQ wwNew :End of WHOWAS");
	itest_send(a, "QUIT :bye");
	itest_expect_closed(a);
	itest_close(a);
	itest_send(q, "WHOWAS wwnew");
	itest_expect_next(q, ":" SRV " 314 wwQ wwNew wwOld 127.0.0.1 * :itest wwOld");
	itest_expect_next(q, ":" SRV " 312 wwQ wwNew " SRV " :?*");
	itest_expect_next(q, ":" SRV " 369 wwQ wwnew :End of WHOWAS");
	/* A second user of the nick: newest first; a count limits. */
	c = itest_connect(*state);
	itest_send(c, "PASS %s", ITEST_PASSWORD);
	itest_send(c, "NICK wwOld");
	itest_send(c, "USER second 0 * :second life");
	itest_skip_to(c, ":" SRV " 376 wwOld :*");
	itest_send(c, "QUIT");
	itest_expect_closed(c);
	itest_close(c);
	itest_send(q, "WHOWAS wwOld");
	itest_expect_next(q, ":" SRV " 314 wwQ wwOld second 127.0.0.1 * :second life");
	itest_expect_next(q, ":" SRV " 312 wwQ wwOld *");
	itest_expect_next(q, ":" SRV " 314 wwQ wwOld wwOld 127.0.0.1 * :itest wwOld");
	itest_expect_next(q, ":" SRV " 312 wwQ wwOld *");
	itest_expect_next(q, ":" SRV " 369 wwQ wwOld :End of WHOWAS");
	itest_send(q, "WHOWAS wwOld 1");
	itest_expect_next(q, ":" SRV " 314 wwQ wwOld second *");
	itest_expect_next(q, ":" SRV " 312 wwQ wwOld *");
	itest_expect_next(q, ":" SRV " 369 wwQ wwOld :End of WHOWAS");
	/* Errors. */
	itest_send(q, "WHOWAS wwNobody");
	itest_expect_next(q, ":" SRV " 406 wwQ wwNobody :There was no such nickname");
	itest_expect_next(q, ":" SRV " 369 wwQ wwNobody :End of WHOWAS");
	itest_send(q, "WHOWAS");
	itest_expect_next(q, ":" SRV " 431 wwQ :No nickname given");
	itest_send(q, "WHOWAS wwOld 1 other.server");
	itest_expect_next(q, ":" SRV " 402 wwQ other.server :No such server");
	itest_expect_quiet(q);
	itest_close(q);
}

/* LIST NAMES */

static void
test_list(void **state)
{
	struct itest_client *a = itest_user(*state, "lqA");
	struct itest_client *b = itest_user(*state, "lqB");
	struct itest_client *out = itest_user(*state, "lqOut");
	struct block blk;

	itest_join(a, "#lq-one");
	itest_join(a, "#lq-two");
	itest_join(b, "#lq-two");
	itest_join(a, "#lq-sec");
	itest_send(a, "MODE #lq-sec +s");
	itest_send(a, "TOPIC #lq-two :two of us");
	itest_sync(a);
	itest_sync(b);
	itest_send(out, "LIST #lq*");
	itest_expect_next(out, ":" SRV " 321 lqOut Channel :Users  Name");
	collect(out, &blk, ":" SRV " 323 lqOut :End of /LIST");
	expect_in(&blk, 1, ":" SRV " 322 lqOut #lq-one 1 :");
	expect_in(&blk, 1, ":" SRV " 322 lqOut #lq-two 2 :two of us");
	/* RFC 2812 3.2.6 and 2811 4.2.6: secret channels only for members. */
	if (blk.n != 3)
		fail_msg("LIST showed more than it should:\n%s", blk.text);
	itest_send(a, "LIST #lq*");
	itest_expect_next(a, ":" SRV " 321 lqA Channel :Users  Name");
	collect(a, &blk, ":" SRV " 323 lqA :End of /LIST");
	expect_in(&blk, 1, ":" SRV " 322 lqA #lq-sec 1 :");
	expect_in(&blk, 3, ":" SRV " 322 lqA #lq-* ? :*");
	/* ELIST=MNU: user counts and a negated mask narrow the mask. */
	itest_send(out, "LIST #lq*,>1");
	itest_expect_next(out, ":" SRV " 321 lqOut *");
	itest_expect_next(out, ":" SRV " 322 lqOut #lq-two 2 :two of us");
	itest_expect_next(out, ":" SRV " 323 lqOut :End of /LIST");
	itest_send(out, "LIST #lq*,<2");
	itest_expect_next(out, ":" SRV " 321 lqOut *");
	itest_expect_next(out, ":" SRV " 322 lqOut #lq-one 1 :");
	itest_expect_next(out, ":" SRV " 323 lqOut :End of /LIST");
	itest_send(out, "LIST #lq*,!#lq-t*");
	itest_expect_next(out, ":" SRV " 321 lqOut *");
	itest_expect_next(out, ":" SRV " 322 lqOut #lq-one 1 :");
	itest_expect_next(out, ":" SRV " 323 lqOut :End of /LIST");
	itest_send(out, "LIST #lq-none");
	itest_expect_next(out, ":" SRV " 321 lqOut *");
	itest_expect_next(out, ":" SRV " 323 lqOut :End of /LIST");
	/* No filter: everything visible, the secret channel still not. */
	itest_send(out, "LIST");
	itest_expect_next(out, ":" SRV " 321 lqOut *");
	collect(out, &blk, ":" SRV " 323 lqOut :End of /LIST");
	expect_in(&blk, 1, "* 322 lqOut #lq-one 1 :");
	expect_in(&blk, 0, "*#lq-sec*");
	/* RFC 2812 3.2.6 example: "LIST #twilight_zone,#42" lists both. */
	itest_send(out, "LIST #lq-one,#lq-two");
	itest_expect_next(out, ":" SRV " 321 lqOut *");
	collect(out, &blk, ":" SRV " 323 lqOut :End of /LIST");
	expect_in(&blk, 1, "* 322 lqOut #lq-one 1 :");
	expect_in(&blk, 1, "* 322 lqOut #lq-two 2 :two of us");
	itest_close(a);
	itest_close(b);
	itest_close(out);
}

static void
test_names_forms(void **state)
{
	struct itest_client *a = itest_user(*state, "naA");
	struct itest_client *b = itest_user(*state, "naB");
	struct itest_client *out = itest_user(*state, "naOut");
	struct block blk;

	itest_join(a, "#na-1");
	itest_join(b, "#na-1");
	itest_join(b, "#na-2");
	itest_join(a, "#na-sec");
	itest_send(a, "MODE #na-sec +s");
	itest_expect_next(a, ":%s MODE #na-sec +s", itest_pfx(a));
	itest_sync(b);
	/* A list: 353 for each channel, then one 366 naming the list. */
	itest_send(out, "NAMES #na-1,#na-2,#na-none,#na-1");
	itest_expect_next(out, ":" SRV " 353 naOut = #na-1 :@naA naB");
	itest_expect_next(out, ":" SRV " 353 naOut = #na-2 :@naB");
	itest_expect_next(out, ":" SRV " 366 naOut #na-1,#na-2,#na-none,#na-1 :End of /NAMES list");
	/* A secret channel is empty to outsiders (RFC 2811 4.2.6). */
	itest_send(out, "NAMES #na-sec");
	itest_expect_next(out, ":" SRV " 366 naOut #na-sec :End of /NAMES list");
	itest_send(a, "NAMES #na-sec");
	itest_expect_next(a, ":" SRV " 353 naA @ #na-sec :@naA");
	itest_expect_next(a, ":" SRV " 366 naA #na-sec :End of /NAMES list");
	/* No argument: every visible channel, then one 366 for "*". */
	itest_send(out, "NAMES");
	collect(out, &blk, ":" SRV " 366 naOut \\* :End of /NAMES list");
	expect_in(&blk, 1, ":" SRV " 353 naOut = #na-1 :@naA naB");
	expect_in(&blk, 1, ":" SRV " 353 naOut = #na-2 :@naB");
	expect_in(&blk, 0, "*#na-sec*");
	expect_in(&blk, 1, "* 366 *");
	itest_send(a, "NAMES");
	collect(a, &blk, ":" SRV " 366 naA \\* :End of /NAMES list");
	expect_in(&blk, 1, ":" SRV " 353 naA @ #na-sec :@naA");
	itest_expect_quiet(out);
	itest_close(a);
	itest_close(b);
	itest_close(out);
}

/* ISON USERHOST AWAY */

static void
test_ison_userhost(void **state)
{
	struct itest_client *a = itest_user(*state, "ihA");
	struct itest_client *b = itest_user(*state, "ihB");

	/* RFC 2812 4.9: the nicks online, spelled as the server has them. */
	itest_send(a, "ISON ihb ihNobody IHA");
	itest_expect_next(a, ":" SRV " 303 ihA :ihB ihA");
	itest_send(a, "ISON :ihNobody ihB");
	itest_expect_next(a, ":" SRV " 303 ihA :ihB");
	itest_send(a, "ISON ihNobody");
	itest_expect_next(a, ":" SRV " 303 ihA :");
	itest_send(a, "ISON");
	itest_expect_next(a, ":" SRV " 461 ihA ISON :Not enough parameters");
	/* RFC 2812 4.8: nick=+user@host, '-' when away, unknown nicks left out. */
	itest_send(b, "AWAY :out");
	itest_expect_next(b, ":" SRV " 306 ihB :*");
	itest_send(a, "USERHOST ihA ihNobody ihb");
	itest_expect_next(a, ":" SRV " 302 ihA :ihA=+ihA@127.0.0.1 ihB=-ihB@127.0.0.1");
	itest_send(a, "USERHOST ihNobody");
	itest_expect_next(a, ":" SRV " 302 ihA :");
	/* At most five nicks are answered. */
	itest_send(a, "USERHOST ihX1 ihX2 ihX3 ihX4 ihX5 ihA");
	itest_expect_next(a, ":" SRV " 302 ihA :");
	itest_send(a, "USERHOST");
	itest_expect_next(a, ":" SRV " 461 ihA USERHOST :Not enough parameters");
	itest_expect_quiet(a);
	itest_close(a);
	itest_close(b);
}

static void
test_away(void **state)
{
	struct itest_client *a = itest_user(*state, "awA");
	struct itest_client *b = itest_user(*state, "awB");
	struct itest_client *n = itest_user(*state, "awN");
	struct itest_client *far = itest_user(*state, "awFar");
	char longmsg[251];

	itest_send(n, "CAP REQ :away-notify");
	itest_expect_next(n, ":" SRV " CAP awN ACK :away-notify");
	itest_send(far, "CAP REQ :away-notify");
	itest_expect_next(far, ":" SRV " CAP awFar ACK :away-notify");
	itest_join(a, "#aw");
	itest_join(b, "#aw");
	itest_join(n, "#aw");
	itest_sync(a);
	itest_sync(b);
	itest_send(b, "AWAY :gone fishing");
	itest_expect_next(b, ":" SRV " 306 awB :You have been marked as being away");
	/* IRCv3 away-notify: only peers that asked for it hear of it. */
	itest_expect_next(n, ":%s AWAY :gone fishing", itest_pfx(b));
	itest_send(a, "PRIVMSG awB :are you there");
	itest_expect_next(b, ":%s PRIVMSG awB :are you there", itest_pfx(a));
	itest_expect_next(a, ":" SRV " 301 awA awB :gone fishing");
	itest_send(a, "NOTICE awB :notice");
	itest_expect_next(b, ":%s NOTICE awB :notice", itest_pfx(a));
	itest_send(a, "WHO awB");
	itest_expect_next(a, ":" SRV " 352 awA #aw awB * awB G :0 itest awB");
	itest_expect_next(a, ":" SRV " 315 awA awB :*");
	itest_send(b, "AWAY");
	itest_expect_next(b, ":" SRV " 305 awB :You are no longer marked as being away");
	itest_expect_next(n, ":%s AWAY", itest_pfx(b));
	/* Already back: 305 again, nothing to announce. */
	itest_send(b, "AWAY :");
	itest_expect_next(b, ":" SRV " 305 awB :You are no longer marked as being away");
	itest_send(a, "PRIVMSG awB :back?");
	itest_expect_next(b, ":%s PRIVMSG awB :back?", itest_pfx(a));
	itest_send(a, "WHO awB");
	itest_expect_next(a, ":" SRV " 352 awA #aw awB * awB H :0 itest awB");
	itest_expect_next(a, ":" SRV " 315 awA awB :*");
	/* ISUPPORT AWAYLEN=200. */
	memset(longmsg, 'x', 250);
	longmsg[250] = '\0';
	itest_send(b, "AWAY :%s", longmsg);
	itest_expect_next(b, ":" SRV " 306 awB :*");
	itest_expect_next(n, ":%s AWAY :%.200s", itest_pfx(b), longmsg);
	itest_send(a, "PRIVMSG awB :x");
	itest_expect_next(a, ":" SRV " 301 awA awB :%.200s", longmsg);
	/* Not about one's own status: 306 says it (away-notify, 2023 erratum). */
	itest_send(n, "AWAY :n too");
	itest_expect_next(n, ":" SRV " 306 awN :*");
	itest_expect_quiet(n);
	itest_send(n, "AWAY");
	itest_expect_next(n, ":" SRV " 305 awN :*");
	itest_expect_quiet(a);
	itest_expect_quiet(n);
	itest_expect_quiet(far);
	/* ircv3 away-notify: "when a user joins and has an away message set". */
	itest_send(b, "PART #aw");
	itest_expect_next(n, ":%s PART #aw", itest_pfx(b));
	itest_expect_next(a, ":%s PART #aw", itest_pfx(b));
	itest_send(b, "JOIN #aw");
	itest_expect_next(a, ":%s JOIN #aw", itest_pfx(b));
	/* The PONG bounds the wait: the AWAY must come before it. */
	itest_send(n, "PING :after-join");
	itest_expect_next(n, ":%s JOIN #aw", itest_pfx(b));
	itest_expect_next(n, ":%s AWAY :%.200s", itest_pfx(b), longmsg);
	itest_expect_next(n, ":" SRV " PONG " SRV " :after-join");
	itest_expect_quiet(a);
	itest_close(a);
	itest_close(b);
	itest_close(n);
	itest_close(far);
}

/* Server queries */

static void
test_motd(void **state)
{
	struct itest_client *a = itest_user(*state, "moA");

	itest_send(a, "MOTD");
	itest_expect_next(a, ":" SRV " 375 moA :- " SRV " Message of the day - ");
	itest_expect_next(a, ":" SRV " 372 moA :- Welcome to ircserv.");
	itest_expect_next(a, ":" SRV " 372 moA :- *");
	itest_expect_next(a, ":" SRV " 372 moA :- *");
	itest_expect_next(a, ":" SRV " 376 moA :End of /MOTD command");
	itest_send(a, "MOTD " SRV);
	itest_expect_next(a, ":" SRV " 375 moA *");
	itest_skip_to(a, ":" SRV " 376 moA *");
	/* A nick names that user's server: this one. */
	itest_send(a, "MOTD moA");
	itest_expect_next(a, ":" SRV " 375 moA *");
	itest_skip_to(a, ":" SRV " 376 moA *");
	itest_send(a, "MOTD other.server");
	itest_expect_next(a, ":" SRV " 402 moA other.server :No such server");
	itest_expect_quiet(a);
	itest_close(a);
}

static void
test_lusers(void **state)
{
	struct itest_server *s = itest_server_start_conf(ITEST_PASSWORD, ITEST_CONF_FAST);
	struct itest_client *a, *b, *u;

	(void)state;
	assert_non_null(s);
	a = itest_user(s, "luA");
	/* RFC 2812 5.1: 252-254 only when non-zero. */
	itest_send(a, "LUSERS");
	itest_expect_next(a, ":" SRV " 251 luA :There are 1 users and 0"
	    " invisible on 1 servers");
	itest_expect_next(a, ":" SRV " 255 luA :I have 1 clients and 0 servers");
	itest_expect_next(a, ":" SRV " 265 luA 1 1 :Current local users 1, max 1");
	itest_expect_next(a, ":" SRV " 266 luA 1 1 :Current global users 1, max 1");
	itest_expect_quiet(a);
	b = itest_user(s, "luB");
	itest_send(b, "MODE luB +i");
	itest_join(b, "#lu");
	u = itest_connect(s);
	itest_sync(u);
	itest_send(a, "LUSERS");
	itest_expect_next(a, ":" SRV " 251 luA :There are 1 users and 1"
	    " invisible on 1 servers");
	itest_expect_next(a, ":" SRV " 253 luA 1 :unknown connection(s)");
	itest_expect_next(a, ":" SRV " 254 luA 1 :channels formed");
	itest_expect_next(a, ":" SRV " 255 luA :I have 2 clients and 0 servers");
	itest_expect_next(a, ":" SRV " 265 luA 2 2 :Current local users 2, max 2");
	itest_expect_next(a, ":" SRV " 266 luA 2 2 :Current global users 2, max 2");
	/* Leaving changes the counts; the maximum stays. */
	itest_send(b, "QUIT");
	itest_expect_closed(b);
	itest_send(u, "QUIT");
	itest_expect_closed(u);
	itest_send(a, "LUSERS");
	itest_expect_next(a, ":" SRV " 251 luA :There are 1 users and 0"
	    " invisible on 1 servers");
	itest_expect_next(a, ":" SRV " 255 luA :I have 1 clients and 0 servers");
	itest_expect_next(a, ":" SRV " 265 luA 1 2 :Current local users 1, max 2");
	itest_expect_next(a, ":" SRV " 266 luA 1 2 :Current global users 1, max 2");
	itest_send(a, "LUSERS * " SRV);
	itest_expect_next(a, ":" SRV " 251 luA *");
	itest_skip_to(a, ":" SRV " 266 luA *");
	itest_send(a, "LUSERS * other.server");
	itest_expect_next(a, ":" SRV " 402 luA other.server :No such server");
	itest_expect_quiet(a);
	itest_close(a);
	itest_close(b);
	itest_close(u);
	itest_server_stop_ok(s);
}

static void
test_version_time_admin(void **state)
{
	struct itest_client *a = itest_user(*state, "vtA");
	struct block blk;

	/* Modern ircdocs: 351, then the 005 lines. */
	itest_send(a, "VERSION");
	itest_send(a, "PING :version-end");
	collect(a, &blk, ":" SRV " PONG " SRV " :version-end");
	expect_in(&blk, 1, ":" SRV " 351 vtA ircserv-* " SRV " :ircserv IRC server");
	if (!itest_match(":" SRV " 351 *", blk.text))
		fail_msg("351 is not first:\n%s", blk.text);
	if (block_count(&blk, ":" SRV " 005 vtA * :are supported by this server") !=
	    blk.n - 2)
		fail_msg("VERSION sent other lines:\n%s", blk.text);
	expect_in(&blk, 1, "* 005 vtA *MODES=6 *");
	expect_in(&blk, 1, "* 005 vtA *CASEMAPPING=rfc1459 *");
	itest_send(a, "VERSION other.server");
	itest_expect_next(a, ":" SRV " 402 vtA other.server :No such server");
	itest_send(a, "TIME");
	itest_expect_next(a, ":" SRV " 391 vtA " SRV " :?* UTC");
	itest_send(a, "TIME other.server");
	itest_expect_next(a, ":" SRV " 402 vtA other.server :No such server");
	itest_send(a, "ADMIN");
	itest_expect_next(a, ":" SRV " 256 vtA " SRV " :Administrative info");
	itest_expect_next(a, ":" SRV " 257 vtA :ircserv");
	itest_expect_next(a, ":" SRV " 258 vtA :Administrator not configured");
	itest_expect_next(a, ":" SRV " 259 vtA :root@localhost");
	itest_send(a, "ADMIN other.server");
	itest_expect_next(a, ":" SRV " 402 vtA other.server :No such server");
	itest_expect_quiet(a);
	itest_close(a);
}

static void
test_info_links(void **state)
{
	struct itest_client *a = itest_user(*state, "ilA");
	struct block blk;

	itest_send(a, "INFO");
	collect(a, &blk, ":" SRV " 374 ilA :End of /INFO list");
	if (blk.n < 2 || block_count(&blk, ":" SRV " 371 ilA :?*") != blk.n - 1)
		fail_msg("INFO is not 371 lines and 374:\n%s", blk.text);
	itest_send(a, "INFO other.server");
	itest_expect_next(a, ":" SRV " 402 ilA other.server :No such server");
	/* RFC 2812 3.4.5: this server, hopcount 0. */
	itest_send(a, "LINKS");
	itest_expect_next(a, ":" SRV " 364 ilA " SRV " " SRV " :0 ircserv IRC server");
	itest_expect_next(a, ":" SRV " 365 ilA * :End of /LINKS list");
	itest_send(a, "LINKS *.local");
	itest_expect_next(a, ":" SRV " 364 ilA " SRV " " SRV " :0 *");
	itest_expect_next(a, ":" SRV " 365 ilA \\*.local :End of /LINKS list");
	itest_send(a, "LINKS nomatch.example");
	itest_expect_next(a, ":" SRV " 365 ilA nomatch.example :End of /LINKS list");
	itest_send(a, "LINKS other.server *");
	itest_expect_next(a, ":" SRV " 402 ilA other.server :No such server");
	itest_expect_quiet(a);
	itest_close(a);
}

static void
test_stats(void **state)
{
	struct itest_client *a = itest_user(*state, "stA");
	struct block blk;

	itest_send(a, "STATS u");
	itest_expect_next(a, ":" SRV " 242 stA :Server Up ? days ?:??:??");
	itest_expect_next(a, ":" SRV " 219 stA u :End of /STATS report");
	/* RFC 2812 5.1 RPL_STATSCOMMANDS: command, count, bytes, remote count. */
	itest_send(a, "STATS m");
	collect(a, &blk, ":" SRV " 219 stA m :End of /STATS report");
	if (block_count(&blk, ":" SRV " 212 stA ?* ?* ?* 0") != blk.n - 1)
		fail_msg("STATS m sent other lines:\n%s", blk.text);
	expect_in(&blk, 1, ":" SRV " 212 stA NICK ?* ?* 0");
	expect_in(&blk, 1, ":" SRV " 212 stA USER ?* ?* 0");
	expect_in(&blk, 1, ":" SRV " 212 stA STATS ?* ?* 0");
	itest_send(a, "STATS x");
	itest_expect_next(a, ":" SRV " 219 stA x :End of /STATS report");
	itest_send(a, "STATS");
	itest_expect_next(a, ":" SRV " 219 stA \\* :End of /STATS report");
	itest_send(a, "STATS u other.server");
	itest_expect_next(a, ":" SRV " 402 stA other.server :No such server");
	itest_expect_quiet(a);
	itest_close(a);
}

static void
test_help_users_summon(void **state)
{
	struct itest_client *a = itest_user(*state, "hpA");
	struct block blk;

	/* Modern ircdocs HELP: 704, 705 lines, 706. */
	itest_send(a, "HELP");
	itest_expect_next(a, ":" SRV " 704 hpA index :*");
	collect(a, &blk, ":" SRV " 706 hpA index :End of /HELP");
	if (block_count(&blk, ":" SRV " 705 hpA index :*") != blk.n - 1)
		fail_msg("HELP index sent other lines:\n%s", blk.text);
	expect_in(&blk, 1, "*JOIN*");
	expect_in(&blk, 1, "*WHOWAS*");
	itest_send(a, "HELP join");
	itest_expect_next(a, ":" SRV " 704 hpA JOIN :JOIN <channel>*");
	itest_expect_next(a, ":" SRV " 705 hpA JOIN :?*");
	itest_expect_next(a, ":" SRV " 706 hpA JOIN :End of /HELP");
	itest_send(a, "HELP nosuch");
	itest_expect_next(a, ":" SRV " 524 hpA nosuch :No help available on this topic");
	/* RFC 2812 4.5, 4.6: both disabled on a network server. */
	itest_send(a, "USERS");
	itest_expect_next(a, ":" SRV " 446 hpA :USERS has been disabled");
	itest_send(a, "SUMMON hpA");
	itest_expect_next(a, ":" SRV " 445 hpA :SUMMON has been disabled");
	itest_expect_quiet(a);
	itest_close(a);
}

static void
test_before_registration(void **state)
{
	static const char *const cmds[] = {
		"WHO #x", "WHO x %tcuhnfdar,743", "WHOIS x", "WHOWAS x", "LIST",
		"NAMES", "NAMES #x", "ISON x", "USERHOST x", "AWAY :gone", "MOTD",
		"LUSERS", "VERSION", "TIME", "ADMIN", "INFO", "LINKS", "STATS u",
		"HELP", "HELP JOIN", "USERS", "SUMMON x",
	};
	struct itest_client *c = itest_connect(*state);

	/* RFC 2812 5.2 ERR_NOTREGISTERED, before any other check. */
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		itest_send(c, "%s", cmds[i]);
		itest_expect_next(c, ":" SRV " 451 * :You have not registered");
	}
	itest_expect_quiet(c);
	/* None of it got in the way of registering. */
	itest_register(c, "brA");
	itest_send(c, "ISON brA");
	itest_expect_next(c, ":" SRV " 303 brA :brA");
	itest_close(c);
}

/* IRC operators: their own server, with an oper block. */
static void
test_oper_queries(void **state)
{
	struct itest_server *s = start_oper_server();
	struct itest_client *op, *u;
	struct block blk;

	(void)state;
	op = itest_user(s, "qoOp");
	u = itest_user(s, "qoU");
	/* The hash has --mkpasswd's full cost: slow under ASan and load. */
	op->timeout_ms = ITEST_HASH_MS;
	itest_send(op, "OPER " OPER_NAME " " OPER_PASSWORD);
	itest_expect_next(op, ":%s MODE qoOp :+o", itest_pfx(op));
	itest_expect_next(op, ":" SRV " 381 qoOp :You are now an IRC operator");
	op->timeout_ms = ITEST_TIMEOUT_MS;
	itest_join(op, "#qo");
	itest_join(u, "#qo");
	itest_sync(op);
	itest_send(u, "WHOIS qoOp");
	itest_expect_next(u, ":" SRV " 311 qoU qoOp qoOp 127.0.0.1 * :itest qoOp");
	itest_expect_next(u, ":" SRV " 319 qoU qoOp :@#qo");
	itest_expect_next(u, ":" SRV " 312 qoU qoOp *");
	itest_expect_next(u, ":" SRV " 313 qoU qoOp :is an IRC operator");
	itest_expect_next(u, ":" SRV " 317 qoU qoOp *");
	itest_expect_next(u, ":" SRV " 318 qoU qoOp :*");
	itest_send(op, "WHOIS qoU");
	collect(op, &blk, ":" SRV " 318 qoOp qoU :*");
	expect_in(&blk, 0, "* 313 *");
	/* WHO: '*' after H/G; the "o" flag keeps only operators. */
	itest_send(u, "WHO #qo");
	itest_expect_next(u, ":" SRV " 352 qoU #qo qoOp * qoOp H*@ :0 itest qoOp");
	itest_expect_next(u, ":" SRV " 352 qoU #qo qoU * qoU H :0 itest qoU");
	itest_expect_next(u, ":" SRV " 315 qoU #qo :*");
	itest_send(u, "WHO #qo o");
	itest_expect_next(u, ":" SRV " 352 qoU #qo qoOp * qoOp H*@ :0 itest qoOp");
	itest_expect_next(u, ":" SRV " 315 qoU #qo :*");
	itest_send(u, "WHO 0 o");
	itest_expect_next(u, ":" SRV " 352 qoU #qo qoOp * qoOp H*@ :0 itest qoOp");
	itest_expect_next(u, ":" SRV " 315 qoU 0 :End of /WHO list");
	itest_send(u, "USERHOST qoOp qoU");
	itest_expect_next(u, ":" SRV " 302 qoU"
	    " :qoOp\\*=+qoOp@127.0.0.1 qoU=+qoU@127.0.0.1");
	itest_send(u, "LUSERS");
	itest_expect_next(u, ":" SRV " 251 qoU *");
	itest_expect_next(u, ":" SRV " 252 qoU 1 :operator(s) online");
	itest_skip_to(u, ":" SRV " 266 qoU *");
	itest_expect_quiet(u);
	itest_close(op);
	itest_close(u);
	itest_server_stop_ok(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_who_channel),
		itest_unit_test(test_who_nick_and_mask),
		itest_unit_test(test_who_invisible),
		itest_unit_test(test_whox),
		itest_unit_test(test_whois),
		itest_unit_test(test_whois_errors_and_targets),
		itest_unit_test(test_whowas),
		itest_unit_test(test_list),
		itest_unit_test(test_names_forms),
		itest_unit_test(test_ison_userhost),
		itest_unit_test(test_away),
		itest_unit_test(test_motd),
		itest_unit_test(test_lusers),
		itest_unit_test(test_version_time_admin),
		itest_unit_test(test_info_links),
		itest_unit_test(test_stats),
		itest_unit_test(test_help_users_summon),
		itest_unit_test(test_before_registration),
		itest_unit_test(test_oper_queries),
	};

	return itest_finish(cmocka_run_group_tests(tests, itest_group_setup_fast,
	    itest_group_teardown));
}
