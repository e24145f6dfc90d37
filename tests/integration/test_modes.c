/*
 * Integration tests of channel and user modes over the wire: the list
 * modes b, e and I (masks, casemapping, their effect on JOIN and on
 * speaking, list queries, MAXLIST), m n s p v, key visibility, exact
 * announcements, the MODES limit, mode errors, and user modes i w o.
 * Tests that need a small MAXLIST or an IRC operator start their own server.
 */
#include "itest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SRV             ITEST_SERVER_NAME
#define OPER_NAME       "moper"
#define OPER_PASSWORD   "modes-oper-pw"

/* s with the glob characters escaped, to match literally; rotating buffers. */
static const char *
lit(const char *s)
{
	static char bufs[4][512];
	static unsigned next;
	char *b = bufs[next++ % 4];
	size_t n = 0;

	for (; *s != '\0' && n + 2 < sizeof(bufs[0]); s++) {
		if (*s == '*' || *s == '?' || *s == '\\')
			b[n++] = '\\';
		b[n++] = *s;
	}
	b[n] = '\0';
	return b;
}

/* Let every client named read what is queued for it so far. */
static void
sync_all(struct itest_client *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		itest_sync(v[i]);
}
#define SYNC(...) do {                                                        \
	struct itest_client *const v_[] = { __VA_ARGS__ };                      \
	sync_all(v_, sizeof(v_) / sizeof(v_[0]));                               \
} while (0)

/* The next line of op must be its own MODE change, exactly as formatted. */
#define expect_mode(op, ...) do {                                             \
	char m_[512];                                                           \
	snprintf(m_, sizeof(m_), __VA_ARGS__);                                  \
	itest_expect_next((op), ":%s MODE %s", itest_pfx(op), lit(m_));                    \
} while (0)

/* Bans */

static void
test_ban_masks_and_list(void **state)
{
	struct itest_client *a = itest_user(*state, "bmA");
	struct itest_client *b = itest_user(*state, "bmB");

	itest_join(a, "#bm");
	itest_join(b, "#bm");
	itest_sync(a);
	/* irssi asks for the ban list after joining: empty, just 368. */
	itest_send(b, "MODE #bm b");
	itest_expect_next(b, ":" SRV " 368 bmB #bm :End of channel ban list");
	/* Masks are completed to nick!user@host, and announced so. */
	itest_send(a, "MODE #bm +b bmNick");
	expect_mode(a, "#bm +b bmNick!*@*");
	itest_expect_next(b, ":%s MODE #bm +b %s", itest_pfx(a), lit("bmNick!*@*"));
	itest_send(a, "MODE #bm +b *@10.0.*");
	expect_mode(a, "#bm +b *!*@10.0.*");
	itest_send(a, "MODE #bm +b bmx!ident");
	expect_mode(a, "#bm +b bmx!ident@*");
	itest_send(a, "MODE #bm +b a!b@c");
	expect_mode(a, "#bm +b a!b@c");
	/* An entry equal under casemapping is already there: no change. */
	itest_send(a, "MODE #bm +b BMNICK!*@*");
	itest_expect_quiet(a);
	itest_send(a, "MODE #bm -b nosuch!*@*");
	itest_expect_quiet(a);
	itest_sync(b);
	/* Anyone may read the list: mask, who set it, when. */
	itest_send(b, "MODE #bm +b");
	itest_expect_next(b, ":" SRV " 367 bmB #bm %s %s ?*", lit("bmNick!*@*"), itest_pfx(a));
	itest_expect_next(b, ":" SRV " 367 bmB #bm %s %s ?*", lit("*!*@10.0.*"), itest_pfx(a));
	itest_expect_next(b, ":" SRV " 367 bmB #bm %s %s ?*", lit("bmx!ident@*"), itest_pfx(a));
	itest_expect_next(b, ":" SRV " 367 bmB #bm a!b@c %s ?*", itest_pfx(a));
	itest_expect_next(b, ":" SRV " 368 bmB #bm :End of channel ban list");
	itest_sync(b);
	itest_send(a, "MODE #bm -b bmnick");
	expect_mode(a, "#bm -b bmnick!*@*");
	itest_expect_next(b, ":%s MODE #bm -b %s", itest_pfx(a), lit("bmnick!*@*"));
	/* Several list queries in one MODE: each list once, in order. */
	itest_send(b, "MODE #bm bbeI");
	itest_expect_next(b, ":" SRV " 367 bmB #bm %s *", lit("*!*@10.0.*"));
	itest_expect_next(b, ":" SRV " 367 bmB #bm %s *", lit("bmx!ident@*"));
	itest_expect_next(b, ":" SRV " 367 bmB #bm a!b@c *");
	itest_expect_next(b, ":" SRV " 368 bmB #bm :End of channel ban list");
	itest_expect_next(b, ":" SRV " 349 bmB #bm :End of channel exception list");
	itest_expect_next(b, ":" SRV " 347 bmB #bm :End of channel"
	    " invite exception list");
	itest_expect_quiet(b);
	itest_expect_quiet(a);
	itest_close(a);
	itest_close(b);
}

static void
test_ban_blocks_join_and_speech(void **state)
{
	struct itest_client *a = itest_user(*state, "bjA");
	struct itest_client *v = itest_user(*state, "bjV{");
	struct itest_client *w = itest_user(*state, "bjW^");
	struct itest_client *x = itest_user(*state, "bjXyz");

	itest_join(a, "#bj");
	itest_join(v, "#bj");
	itest_sync(a);
	/*
	 * CASEMAPPING=rfc1459: '[' is the upper case of '{' and '~' of '^',
	 * so these masks match bjV{ and bjW^.
	 */
	itest_send(a, "MODE #bj +bb BJV[!*@* BJW~!*@*");
	expect_mode(a, "#bj +bb BJV[!*@* BJW~!*@*");
	itest_expect_next(v, ":%s MODE #bj +bb %s", itest_pfx(a), lit("BJV[!*@* BJW~!*@*"));
	/* RFC 2812 3.3.1: a banned member cannot speak (404); NOTICE is silent. */
	itest_send(v, "PRIVMSG #bj :let me talk");
	itest_expect_next(v, ":" SRV " 404 bjV{ #bj :Cannot send to channel");
	itest_send(v, "NOTICE #bj :let me talk");
	itest_expect_quiet(v);
	itest_expect_quiet(a);
	itest_send(w, "JOIN #bj");
	itest_expect_next(w, ":" SRV " 474 bjW^ #bj :Cannot join channel (+b)");
	/* A wildcard in the nick. */
	itest_send(a, "MODE #bj +b bjx*");
	expect_mode(a, "#bj +b bjx*!*@*");
	itest_send(x, "JOIN #bj");
	itest_expect_next(x, ":" SRV " 474 bjXyz #bj :Cannot join channel (+b)");
	/* Voice lets a banned member speak. */
	itest_sync(v);
	itest_send(a, "MODE #bj +v bjV{");
	expect_mode(a, "#bj +v bjV{");
	itest_expect_next(v, ":%s MODE #bj +v bjV{", itest_pfx(a));
	itest_send(v, "PRIVMSG #bj :voiced");
	itest_expect_next(a, ":%s PRIVMSG #bj :voiced", itest_pfx(v));
	itest_send(a, "MODE #bj -v bjV{");
	expect_mode(a, "#bj -v bjV{");
	itest_expect_next(v, ":%s MODE #bj -v bjV{", itest_pfx(a));
	itest_send(v, "PRIVMSG #bj :unvoiced");
	itest_expect_next(v, ":" SRV " 404 bjV{ #bj :Cannot send to channel");
	/* Lifting the bans lifts both effects. */
	itest_send(a, "MODE #bj -bbb bjv[!*@* bjw~!*@* bjx*!*@*");
	expect_mode(a, "#bj -bbb bjv[!*@* bjw~!*@* bjx*!*@*");
	itest_send(v, "PRIVMSG #bj :free");
	itest_expect_next(v, ":%s MODE #bj -bbb *", itest_pfx(a));
	itest_expect_next(a, ":%s PRIVMSG #bj :free", itest_pfx(v));
	itest_send(w, "JOIN #bj");
	itest_expect_next(w, ":%s JOIN #bj", itest_pfx(w));
	itest_close(a);
	itest_close(v);
	itest_close(w);
	itest_close(x);
}

static void
test_ban_exception(void **state)
{
	struct itest_client *a = itest_user(*state, "exA");
	struct itest_client *ok = itest_user(*state, "exOk");
	struct itest_client *no = itest_user(*state, "exNo");

	itest_join(a, "#ex");
	/* Everyone from 127.0.0.1 is banned, except one nick. */
	itest_send(a, "MODE #ex +be *!*@127.0.0.1 exOk");
	expect_mode(a, "#ex +be *!*@127.0.0.1 exOk!*@*");
	itest_send(no, "JOIN #ex");
	itest_expect_next(no, ":" SRV " 474 exNo #ex :Cannot join channel (+b)");
	itest_send(ok, "JOIN #ex");
	itest_expect_next(ok, ":%s JOIN #ex", itest_pfx(ok));
	itest_skip_to(ok, ":" SRV " 366 exOk #ex :*");
	itest_sync(a);
	itest_send(ok, "PRIVMSG #ex :excepted");
	itest_expect_next(a, ":%s PRIVMSG #ex :excepted", itest_pfx(ok));
	itest_send(ok, "MODE #ex e");
	itest_expect_next(ok, ":" SRV " 348 exOk #ex %s %s ?*", lit("exOk!*@*"), itest_pfx(a));
	itest_expect_next(ok, ":" SRV " 349 exOk #ex :End of channel exception list");
	/* Without the exception the member is banned like anyone. */
	itest_send(a, "MODE #ex -e exOk");
	expect_mode(a, "#ex -e exOk!*@*");
	itest_expect_next(ok, ":%s MODE #ex -e %s", itest_pfx(a), lit("exOk!*@*"));
	itest_send(ok, "PRIVMSG #ex :now banned");
	itest_expect_next(ok, ":" SRV " 404 exOk #ex :Cannot send to channel");
	itest_expect_quiet(a);
	itest_close(a);
	itest_close(ok);
	itest_close(no);
}

static void
test_invite_exception(void **state)
{
	struct itest_client *a = itest_user(*state, "ieA");
	struct itest_client *ok = itest_user(*state, "ieOk");
	struct itest_client *no = itest_user(*state, "ieNo");

	itest_join(a, "#ie");
	itest_send(a, "MODE #ie +iI ieOk!*@127.0.0.1");
	expect_mode(a, "#ie +iI ieOk!*@127.0.0.1");
	/* +I lets a matching user into a +i channel without INVITE. */
	itest_send(no, "JOIN #ie");
	itest_expect_next(no, ":" SRV " 473 ieNo #ie :Cannot join channel (+i)");
	itest_send(ok, "JOIN #ie");
	itest_expect_next(ok, ":%s JOIN #ie", itest_pfx(ok));
	itest_skip_to(ok, ":" SRV " 366 ieOk #ie :*");
	itest_send(no, "MODE #ie I");
	itest_expect_next(no, ":" SRV " 346 ieNo #ie %s %s ?*", lit("ieOk!*@127.0.0.1"),
	    itest_pfx(a));
	itest_expect_next(no, ":" SRV " 347 ieNo #ie :End of channel"
	    " invite exception list");
	/* Each use is not consumed, unlike an INVITE; removal ends it. */
	itest_send(ok, "PART #ie");
	itest_skip_to(ok, ":%s PART #ie", itest_pfx(ok));
	itest_send(ok, "JOIN #ie");
	itest_expect_next(ok, ":%s JOIN #ie", itest_pfx(ok));
	itest_skip_to(ok, ":" SRV " 366 ieOk #ie :*");
	itest_send(ok, "PART #ie");
	itest_skip_to(ok, ":%s PART #ie", itest_pfx(ok));
	itest_sync(a);
	itest_send(a, "MODE #ie -I ieOk!*@127.0.0.1");
	expect_mode(a, "#ie -I ieOk!*@127.0.0.1");
	itest_send(ok, "JOIN #ie");
	itest_expect_next(ok, ":" SRV " 473 ieOk #ie :Cannot join channel (+i)");
	itest_close(a);
	itest_close(ok);
	itest_close(no);
}

/* Flags */

static void
test_moderated(void **state)
{
	struct itest_client *a = itest_user(*state, "mmA");
	struct itest_client *b = itest_user(*state, "mmB");
	struct itest_client *c = itest_user(*state, "mmC");

	itest_join(a, "#mm");
	itest_join(b, "#mm");
	itest_join(c, "#mm");
	SYNC(a, b);
	itest_send(a, "MODE #mm +mv mmB");
	expect_mode(a, "#mm +mv mmB");
	itest_expect_next(b, ":%s MODE #mm +mv mmB", itest_pfx(a));
	itest_expect_next(c, ":%s MODE #mm +mv mmB", itest_pfx(a));
	/* RFC 2811 4.2.3: only voiced members and operators speak. */
	itest_send(c, "PRIVMSG #mm :plain");
	itest_expect_next(c, ":" SRV " 404 mmC #mm :Cannot send to channel");
	itest_send(b, "PRIVMSG #mm :voiced");
	itest_expect_next(a, ":%s PRIVMSG #mm :voiced", itest_pfx(b));
	itest_expect_next(c, ":%s PRIVMSG #mm :voiced", itest_pfx(b));
	itest_send(a, "PRIVMSG #mm :op");
	itest_expect_next(b, ":%s PRIVMSG #mm :op", itest_pfx(a));
	itest_expect_next(c, ":%s PRIVMSG #mm :op", itest_pfx(a));
	itest_send(a, "MODE #mm -m");
	expect_mode(a, "#mm -m");
	itest_expect_next(c, ":%s MODE #mm -m", itest_pfx(a));
	itest_send(c, "PRIVMSG #mm :plain again");
	itest_expect_next(a, ":%s PRIVMSG #mm :plain again", itest_pfx(c));
	itest_expect_quiet(c);
	itest_close(a);
	itest_close(b);
	itest_close(c);
}

static void
test_no_external(void **state)
{
	struct itest_client *a = itest_user(*state, "neA");
	struct itest_client *out = itest_user(*state, "neOut");

	itest_join(a, "#ne");
	itest_send(out, "PRIVMSG #ne :from outside");
	itest_expect_next(out, ":" SRV " 404 neOut #ne :Cannot send to channel");
	itest_send(a, "MODE #ne -n");
	expect_mode(a, "#ne -n");
	itest_send(out, "PRIVMSG #ne :from outside");
	itest_expect_next(a, ":%s PRIVMSG #ne :from outside", itest_pfx(out));
	itest_send(out, "NOTICE #ne :notice from outside");
	itest_expect_next(a, ":%s NOTICE #ne :notice from outside", itest_pfx(out));
	/* +m still applies to outsiders. */
	itest_send(a, "MODE #ne +m");
	expect_mode(a, "#ne +m");
	itest_send(out, "PRIVMSG #ne :moderated");
	itest_expect_next(out, ":" SRV " 404 neOut #ne :Cannot send to channel");
	itest_send(a, "MODE #ne +n-m");
	expect_mode(a, "#ne +n-m");
	itest_send(out, "PRIVMSG #ne :again");
	itest_expect_next(out, ":" SRV " 404 neOut #ne :Cannot send to channel");
	itest_expect_quiet(a);
	itest_expect_quiet(out);
	itest_close(a);
	itest_close(out);
}

static void
test_secret_and_private(void **state)
{
	struct itest_client *a = itest_user(*state, "spA");
	struct itest_client *out = itest_user(*state, "spOut");
	const char *l;

	itest_join(a, "#sp-sec");
	itest_join(a, "#sp-prv");
	itest_send(a, "MODE #sp-sec +s");
	expect_mode(a, "#sp-sec +s");
	itest_send(a, "MODE #sp-prv +p");
	expect_mode(a, "#sp-prv +p");
	/* RFC 2812 5.1 RPL_NAMREPLY: '@' secret, '*' private. */
	itest_send(a, "NAMES #sp-sec,#sp-prv");
	itest_expect_next(a, ":" SRV " 353 spA @ #sp-sec :@spA");
	itest_expect_next(a, ":" SRV " 353 spA \\* #sp-prv :@spA");
	itest_expect_next(a, ":" SRV " 366 spA #sp-sec,#sp-prv :*");
	/* RFC 2811 4.2.6: outsiders cannot learn of a secret channel. */
	itest_send(out, "NAMES #sp-sec");
	itest_expect_next(out, ":" SRV " 366 spOut #sp-sec :End of /NAMES list");
	itest_send(out, "LIST #sp-sec");
	itest_expect_next(out, ":" SRV " 321 spOut *");
	itest_expect_next(out, ":" SRV " 323 spOut :End of /LIST");
	itest_send(a, "LIST #sp-sec");
	itest_expect_next(a, ":" SRV " 321 spA *");
	itest_expect_next(a, ":" SRV " 322 spA #sp-sec 1 :");
	itest_expect_next(a, ":" SRV " 323 spA :End of /LIST");
	itest_send(out, "WHO #sp-sec");
	itest_expect_next(out, ":" SRV " 315 spOut #sp-sec :End of /WHO list");
	itest_send(out, "WHOIS spA");
	itest_expect_next(out, ":" SRV " 311 spOut spA *");
	l = itest_next(out);
	if (strstr(l, "#sp-") != NULL)
		fail_msg("WHOIS showed a hidden channel to an outsider: %s", l);
	itest_skip_to(out, ":" SRV " 318 spOut spA :*");
	itest_send(a, "WHOIS spA");
	itest_expect_next(a, ":" SRV " 311 spA spA *");
	l = itest_expect_next(a, ":" SRV " 319 spA spA :*");
	if (strstr(l, "@#sp-sec") == NULL || strstr(l, "@#sp-prv") == NULL)
		fail_msg("WHOIS hid a channel from its member: %s", l);
	itest_skip_to(a, ":" SRV " 318 spA spA :*");
	/* Cleared, the channel shows again. */
	itest_send(a, "MODE #sp-sec -s");
	expect_mode(a, "#sp-sec -s");
	itest_send(out, "NAMES #sp-sec");
	itest_expect_next(out, ":" SRV " 353 spOut = #sp-sec :@spA");
	itest_expect_next(out, ":" SRV " 366 spOut #sp-sec :*");
	itest_expect_quiet(out);
	itest_close(a);
	itest_close(out);
}

static void
test_voice_and_key(void **state)
{
	struct itest_client *a = itest_user(*state, "vkA");
	struct itest_client *b = itest_user(*state, "vkB");
	struct itest_client *out = itest_user(*state, "vkOut");

	itest_join(a, "#vk");
	itest_join(b, "#vk");
	itest_sync(a);
	itest_send(a, "MODE #vk +v vkB");
	expect_mode(a, "#vk +v vkB");
	itest_expect_next(b, ":%s MODE #vk +v vkB", itest_pfx(a));
	itest_send(out, "NAMES #vk");
	itest_expect_next(out, ":" SRV " 353 vkOut = #vk :@vkA +vkB");
	itest_skip_to(out, ":" SRV " 366 vkOut #vk :*");
	/* Voicing twice changes nothing; -v is announced too. */
	itest_send(a, "MODE #vk +v vkB");
	itest_expect_quiet(a);
	itest_send(a, "MODE #vk -v vkB");
	expect_mode(a, "#vk -v vkB");
	itest_expect_next(b, ":%s MODE #vk -v vkB", itest_pfx(a));
	itest_send(out, "NAMES #vk");
	itest_expect_next(out, ":" SRV " 353 vkOut = #vk :@vkA vkB");
	itest_skip_to(out, ":" SRV " 366 vkOut #vk :*");
	/* The key: members see it in 324, outsiders do not. */
	itest_send(a, "MODE #vk +k hush");
	expect_mode(a, "#vk +k hush");
	itest_expect_next(b, ":%s MODE #vk +k hush", itest_pfx(a));
	itest_send(b, "MODE #vk");
	itest_expect_next(b, ":" SRV " 324 vkB #vk +ntk hush");
	itest_expect_next(b, ":" SRV " 329 vkB #vk ?*");
	itest_send(out, "MODE #vk");
	itest_expect_next(out, ":" SRV " 324 vkOut #vk +ntk");
	itest_expect_next(out, ":" SRV " 329 vkOut #vk ?*");
	itest_expect_quiet(out);
	itest_close(a);
	itest_close(b);
	itest_close(out);
}

static void
test_flags_announced_exactly(void **state)
{
	struct itest_client *a = itest_user(*state, "faA");
	struct itest_client *b = itest_user(*state, "faB");

	itest_join(a, "#fa");
	itest_join(b, "#fa");
	itest_sync(a);
	itest_send(a, "MODE #fa -nt");
	expect_mode(a, "#fa -nt");
	itest_expect_next(b, ":%s MODE #fa -nt", itest_pfx(a));
	itest_send(a, "MODE #fa +imnpst");
	expect_mode(a, "#fa +imnpst");
	itest_expect_next(b, ":%s MODE #fa +imnpst", itest_pfx(a));
	itest_send(b, "MODE #fa");
	itest_expect_next(b, ":" SRV " 324 faB #fa +imnpst");
	itest_expect_next(b, ":" SRV " 329 faB #fa ?*");
	/* Only what changes: +n and +t are already set. */
	itest_send(a, "MODE #fa +nt-ms");
	expect_mode(a, "#fa -ms");
	itest_expect_next(b, ":%s MODE #fa -ms", itest_pfx(a));
	itest_send(a, "MODE #fa -inpt+l 5");
	expect_mode(a, "#fa -inpt+l 5");
	itest_expect_next(b, ":%s MODE #fa -inpt+l 5", itest_pfx(a));
	itest_send(b, "MODE #fa");
	itest_expect_next(b, ":" SRV " 324 faB #fa +l 5");
	itest_expect_next(b, ":" SRV " 329 faB #fa ?*");
	itest_expect_quiet(a);
	itest_expect_quiet(b);
	itest_close(a);
	itest_close(b);
}

static void
test_modes_limit(void **state)
{
	struct itest_client *a = itest_user(*state, "mlA");

	itest_join(a, "#ml");
	/*
	 * ISUPPORT MODES=6: at most six changes with a parameter per
	 * command; flags do not count.
	 */
	itest_send(a, "MODE #ml -t+bbbbbbb m1 m2 m3 m4 m5 m6 m7");
	expect_mode(a, "#ml -t+bbbbbb m1!*@* m2!*@* m3!*@* m4!*@* m5!*@* m6!*@*");
	itest_send(a, "MODE #ml b");
	for (int i = 1; i <= 6; i++)
		itest_expect_next(a, ":" SRV " 367 mlA #ml m%d!\\*@\\* *", i);
	itest_expect_next(a, ":" SRV " 368 mlA #ml :*");
	itest_expect_quiet(a);
	itest_close(a);
}

/* Errors */

static void
test_mode_errors(void **state)
{
	struct itest_client *a = itest_user(*state, "erA");
	struct itest_client *b = itest_user(*state, "erB");

	itest_join(a, "#er");
	itest_join(b, "#er");
	itest_sync(a);
	itest_send(a, "MODE #er +Z");
	itest_expect_next(a, ":" SRV " 472 erA Z :is unknown mode char to me");
	/* An unknown letter does not stop the known ones. */
	itest_send(a, "MODE #er +Zm");
	itest_expect_next(a, ":" SRV " 472 erA Z :is unknown mode char to me");
	expect_mode(a, "#er +m");
	itest_expect_next(b, ":%s MODE #er +m", itest_pfx(a));
	/* Non-operators change nothing, lists included. */
	itest_send(b, "MODE #er -m");
	itest_expect_next(b, ":" SRV " 482 erB #er :You're not channel operator");
	itest_send(b, "MODE #er +b someone");
	itest_expect_next(b, ":" SRV " 482 erB #er :You're not channel operator");
	itest_send(b, "MODE #er +v erB");
	itest_expect_next(b, ":" SRV " 482 erB #er :You're not channel operator");
	itest_send(b, "MODE #er b");
	itest_expect_next(b, ":" SRV " 368 erB #er :*");
	itest_expect_quiet(a);
	/* 467 ERR_KEYSET. */
	itest_send(a, "MODE #er +k one");
	expect_mode(a, "#er +k one");
	itest_send(a, "MODE #er +k two");
	itest_expect_next(a, ":" SRV " 467 erA #er :Channel key already set");
	/* 696 ERR_INVALIDMODEPARAM (modern ircdocs). */
	itest_send(a, "MODE #er +l abc");
	itest_expect_next(a, ":" SRV " 696 erA #er l abc :Invalid limit");
	itest_send(a, "MODE #er +l 0");
	itest_expect_next(a, ":" SRV " 696 erA #er l 0 :Invalid limit");
	itest_send(a, "MODE #er +l -3");
	itest_expect_next(a, ":" SRV " 696 erA #er l -3 :Invalid limit");
	itest_send(a, "MODE #er +l 12x");
	itest_expect_next(a, ":" SRV " 696 erA #er l 12x :Invalid limit");
	itest_send(a, "MODE #er -k *");
	expect_mode(a, "#er -k *");
	itest_send(a, "MODE #er +k a,b");
	itest_expect_next(a, ":" SRV " 696 erA #er k a,b :Invalid key");
	/* A parameter is needed to set k, l, o, v. */
	itest_send(a, "MODE #er +o");
	itest_expect_next(a, ":" SRV " 461 erA MODE :Not enough parameters");
	itest_send(a, "MODE #er +l");
	itest_expect_next(a, ":" SRV " 461 erA MODE :Not enough parameters");
	itest_send(a, "MODE #er");
	itest_expect_next(a, ":" SRV " 324 erA #er +mnt");
	itest_expect_next(a, ":" SRV " 329 erA #er ?*");
	itest_sync(b);
	itest_expect_quiet(a);
	itest_close(a);
	itest_close(b);
}

static void
test_list_full(void **state)
{
	struct itest_server *s = itest_server_start_conf(ITEST_PASSWORD,
	    ITEST_CONF_FAST "maxlist = 3\n");
	struct itest_client *a;

	(void)state;
	assert_non_null(s);
	a = itest_user(s, "lfA");
	itest_join(a, "#lf");
	itest_send(a, "MODE #lf +bbb m1 m2 m3");
	expect_mode(a, "#lf +bbb m1!*@* m2!*@* m3!*@*");
	/* ERR_BANLISTFULL; MAXLIST=beI:3 is one limit for all three lists. */
	itest_send(a, "MODE #lf +b m4");
	itest_expect_next(a, ":" SRV " 478 lfA #lf b :Channel list is full");
	itest_send(a, "MODE #lf +e m4");
	itest_expect_next(a, ":" SRV " 478 lfA #lf e :Channel list is full");
	itest_send(a, "MODE #lf +I m4");
	itest_expect_next(a, ":" SRV " 478 lfA #lf I :Channel list is full");
	itest_send(a, "MODE #lf -b+e m1 m4");
	expect_mode(a, "#lf -b+e m1!*@* m4!*@*");
	itest_send(a, "MODE #lf +bb m5 m6");
	itest_expect_next(a, ":" SRV " 478 lfA #lf b :Channel list is full");
	itest_expect_next(a, ":" SRV " 478 lfA #lf b :Channel list is full");
	itest_send(a, "MODE #lf b");
	itest_expect_next(a, ":" SRV " 367 lfA #lf %s *", lit("m2!*@*"));
	itest_expect_next(a, ":" SRV " 367 lfA #lf %s *", lit("m3!*@*"));
	itest_expect_next(a, ":" SRV " 368 lfA #lf :*");
	itest_expect_quiet(a);
	itest_close(a);
	itest_server_stop_ok(s);
}

/* User modes */

static void
test_user_modes(void **state)
{
	struct itest_client *a = itest_user(*state, "uaA");
	struct itest_client *b = itest_user(*state, "uaB");

	itest_send(a, "MODE uaA +i");
	itest_expect_next(a, ":%s MODE uaA :+i", itest_pfx(a));
	itest_send(a, "MODE uaA +w");
	itest_expect_next(a, ":%s MODE uaA :+w", itest_pfx(a));
	itest_send(a, "MODE uaA");
	itest_expect_next(a, ":" SRV " 221 uaA +iw");
	itest_send(a, "MODE uaA -iw");
	itest_expect_next(a, ":%s MODE uaA :-iw", itest_pfx(a));
	/* RFC 2812 3.1.5: unknown flags get 501; the known ones still apply. */
	itest_send(a, "MODE uaA +x");
	itest_expect_next(a, ":" SRV " 501 uaA :Unknown MODE flag");
	itest_send(a, "MODE uaA +xi");
	itest_expect_next(a, ":" SRV " 501 uaA :Unknown MODE flag");
	itest_expect_next(a, ":%s MODE uaA :+i", itest_pfx(a));
	/* +o only comes from OPER; -o on a non-operator changes nothing. */
	itest_send(a, "MODE uaA +o");
	itest_send(a, "MODE uaA -o");
	itest_expect_quiet(a);
	itest_send(a, "MODE uaA");
	itest_expect_next(a, ":" SRV " 221 uaA +i");
	itest_send(a, "MODE uaB -i");
	itest_expect_next(a, ":" SRV " 502 uaA :Can't change mode for other users");
	itest_send(a, "MODE uaNobody");
	itest_expect_next(a, ":" SRV " 401 uaA uaNobody :No such nick/channel");
	/* Nicks are matched under casemapping. */
	itest_send(a, "MODE UAA -i");
	itest_expect_next(a, ":%s MODE uaA :-i", itest_pfx(a));
	itest_expect_quiet(a);
	itest_expect_quiet(b);
	itest_close(a);
	itest_close(b);
}

static void
test_oper_deoper(void **state)
{
	char hash[256], conf[1024];
	struct itest_server *s;
	struct itest_client *op, *u;

	(void)state;
	itest_mkpasswd(OPER_PASSWORD, hash, sizeof(hash));
	snprintf(conf, sizeof(conf), ITEST_CONF_FAST "oper " OPER_NAME " {\n"
	    "\tpassword = %s\n\thost = *@127.0.0.1\n}\n", hash);
	s = itest_server_start_ok(conf);
	op = itest_user(s, "odOp");
	u = itest_user(s, "odU");
	/* The hash has --mkpasswd's full cost: slow under ASan and load. */
	op->timeout_ms = ITEST_HASH_MS;
	itest_send(op, "OPER " OPER_NAME " wrong-password");
	itest_expect_next(op, ":" SRV " 464 odOp :Password incorrect");
	itest_send(op, "OPER " OPER_NAME " " OPER_PASSWORD);
	itest_expect_next(op, ":%s MODE odOp :+o", itest_pfx(op));
	itest_expect_next(op, ":" SRV " 381 odOp :*");
	op->timeout_ms = ITEST_TIMEOUT_MS;
	itest_send(op, "MODE odOp");
	itest_expect_next(op, ":" SRV " 221 odOp +o");
	itest_send(u, "LUSERS");
	itest_expect_next(u, ":" SRV " 251 odU *");
	itest_expect_next(u, ":" SRV " 252 odU 1 :operator(s) online");
	itest_skip_to(u, ":" SRV " 266 odU *");
	/* MODE nick -o: an operator may give the status up. */
	itest_send(op, "MODE odOp -o");
	itest_expect_next(op, ":%s MODE odOp :-o", itest_pfx(op));
	itest_send(op, "MODE odOp");
	itest_expect_next(op, ":" SRV " 221 odOp +");
	itest_send(op, "MODE odOp +o");
	itest_expect_quiet(op);
	itest_send(u, "LUSERS");
	itest_expect_next(u, ":" SRV " 251 odU *");
	itest_expect_next(u, ":" SRV " 255 odU *");
	itest_skip_to(u, ":" SRV " 266 odU *");
	itest_send(u, "WHOIS odOp");
	itest_skip_to(u, ":" SRV " 312 odU odOp *");
	itest_expect_next(u, ":" SRV " 317 odU odOp *");
	itest_expect_next(u, ":" SRV " 318 odU odOp :*");
	itest_close(op);
	itest_close(u);
	itest_server_stop_ok(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_ban_masks_and_list),
		itest_unit_test(test_ban_blocks_join_and_speech),
		itest_unit_test(test_ban_exception),
		itest_unit_test(test_invite_exception),
		itest_unit_test(test_moderated),
		itest_unit_test(test_no_external),
		itest_unit_test(test_secret_and_private),
		itest_unit_test(test_voice_and_key),
		itest_unit_test(test_flags_announced_exactly),
		itest_unit_test(test_modes_limit),
		itest_unit_test(test_mode_errors),
		itest_unit_test(test_list_full),
		itest_unit_test(test_user_modes),
		itest_unit_test(test_oper_deoper),
	};

	return itest_finish(cmocka_run_group_tests(tests, itest_group_setup_fast,
	    itest_group_teardown));
}
