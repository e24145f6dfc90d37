/*
 * Integration tests of client-only tags across server links: between
 * ircserv servers (IRCSERV-CTAGS) a typing notification (TAGMSG) and a
 * message's +tags cross A - B - C to message-tags clients, to a channel
 * and to a user; a TS6 peer without the capability gets no TAGMSG and
 * messages without tags, one with it gets both.
 */
#include "itest_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ask for message-tags on c, a user of server. */
static void
want_tags(struct itest_client *c, const char *server)
{
	itest_send(c, "CAP REQ :message-tags");
	itest_expect_next(c, ":%s CAP %s ACK :message-tags", server, c->nick);
}

static void
join(struct itest_client *c, const char *server, const char *chan)
{
	itest_send(c, "JOIN %s", chan);
	itest_skip_to(c, ":%s 366 %s %s *", server, c->nick, chan);
}

static void
test_tags_across_chain(void **state)
{
	struct node a, b, c;
	struct itest_client *op, *ua, *uc, *tc;

	(void)state;
	chain_with_users(&a, &b, &c, &op, &ua, &uc);
	tc = node_user(&c, "tc");
	want_tags(tc, "irc.c.test");
	want_tags(ua, "irc.a.test");
	join(ua, "irc.a.test", "#t");
	join(uc, "irc.c.test", "#t");
	itest_expect(ua, "@* :uc!uc@127.0.0.1 JOIN #t");
	join(tc, "irc.c.test", "#t");
	itest_expect(ua, "@* :tc!tc@127.0.0.1 JOIN #t");
	itest_skip_to(uc, ":tc!tc@127.0.0.1 JOIN #t");
	/* A typing notification from A reaches the message-tags client on C. */
	itest_send(ua, "@+typing=active TAGMSG #t");
	itest_expect_next(tc, "@*+typing=active* :ua!ua@127.0.0.1 TAGMSG #t");
	/* A message keeps its client tags for those that take them. */
	itest_send(ua, "@+draft/reply=abc PRIVMSG #t :hi");
	itest_expect_next(tc, "@*+draft/reply=abc* :ua!ua@127.0.0.1 PRIVMSG #t :hi");
	itest_expect_next(uc, ":ua!ua@127.0.0.1 PRIVMSG #t :hi");
	expect_quiet(uc, NULL);
	/* To a user, both ways. */
	itest_send(ua, "@+typing=paused TAGMSG tc");
	itest_expect_next(tc, "@*+typing=paused* :ua!ua@127.0.0.1 TAGMSG tc");
	itest_send(tc, "@+typing=done TAGMSG ua");
	itest_expect(ua, "@*+typing=done* :tc!tc@127.0.0.1 TAGMSG ua");
	itest_send(tc, "@+typing=active TAGMSG uc");
	expect_quiet(uc, NULL);
	itest_server_stop_ok(c.s);
	itest_server_stop_ok(b.s);
	itest_server_stop_ok(a.s);
}

/* A TS6 peer without IRCSERV-CTAGS, then one with it. */
static void
test_tags_to_ts6_peer(void **state)
{
	struct node a;
	struct itest_client *f, *ua, *w;

	(void)state;
	ua = node_alone(&a, "ua", &w);
	want_tags(ua, "irc.a.test");
	join(ua, "irc.a.test", "#x");
	f = fake_linked(&a);
	fake_user(f, "bob", "9ZZAAAAAB");
	itest_send(f, ":9ZZ SJOIN 1 #x + :9ZZAAAAAB");
	itest_skip_to(ua, "@* :bob!bob@h.example JOIN #x");
	itest_send(ua, "@+typing=active TAGMSG #x");
	itest_send(ua, "@+typing=active TAGMSG bob");
	itest_send(ua, "@+draft/reply=abc PRIVMSG #x :plain");
	itest_expect_next(f, ":1AAAAAAAA PRIVMSG #x :plain");
	itest_send(ua, "@+draft/reply=abc PRIVMSG bob :plain too");
	itest_expect_next(f, ":1AAAAAAAA PRIVMSG 9ZZAAAAAB :plain too");
	itest_close(f);
	wait_links(w, 1);
	f = fake_linked_with(&a, "QS ENCAP EX IE IRCSERV-CTAGS");
	fake_user(f, "bob", "9ZZAAAAAB");
	itest_send(f, ":9ZZ SJOIN 1 #x + :9ZZAAAAAB");
	itest_skip_to(ua, "@* :bob!bob@h.example JOIN #x");
	itest_send(ua, "@+typing=active TAGMSG #x");
	itest_expect(f, "@+typing=active :1AAAAAAAA TAGMSG #x");
	/* Its users' tags reach message-tags clients here. */
	itest_send(f, "@+typing=active;time=x :9ZZAAAAAB TAGMSG #x");
	itest_expect_next(ua, "@*+typing=active* :bob!bob@h.example TAGMSG #x");
	itest_send(f, "@+draft/react=1 :9ZZAAAAAB TAGMSG 1AAAAAAAA");
	itest_expect_next(ua, "@*+draft/react=1* :bob!bob@h.example TAGMSG ua");
	itest_server_stop_ok(a.s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_tags_across_chain),
		itest_unit_test(test_tags_to_ts6_peer),
	};

	return itest_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
