/*
 * Integration tests of SASL PLAIN and the account capabilities over
 * loopback (account-tag, account-notify, draft/read-marker), and
 * cap-notify as REHASH and SIGHUP add and remove sasl. Each runs a server
 * of its own with an account in the configuration.
 */
#include "itest_v3.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SASL PLAIN and the account capabilities, on servers with an account */

static void
test_sasl_plain(void **state)
{
	struct itest_server *srv = itest_server_start_ok(sasl_conf(""));
	struct itest_client *c = itest_connect(srv), *d = itest_connect(srv);
	struct itest_client *z = itest_connect(srv);

	(void)state;
	c->timeout_ms = z->timeout_ms = ITEST_HASH_MS;
	snprintf(c->nick, sizeof(c->nick), "saslA");
	snprintf(d->nick, sizeof(d->nick), "saslD");
	snprintf(z->nick, sizeof(z->nick), "saslZ");
	/* With an account configured, sasl is offered: with its value for 302. */
	itest_send(c, "CAP LS 302");
	/* One line: a 302 list goes on in a second only past 510 bytes. */
	itest_expect_next(c, ":" SRV " CAP * LS :" CAPS_HEAD_302 " sasl=PLAIN,SCRAM-SHA-256 "
	    CAPS_TAIL);
	itest_expect_quiet(c);
	itest_send(d, "CAP LS");
	itest_expect_next(d, ":" SRV " CAP * LS :" CAPS_HEAD " sasl " CAPS_TAIL);
	/* The whole exchange before CAP END, then registration. */
	itest_send(c, "CAP REQ :sasl");
	itest_expect_next(c, ":" SRV " CAP * ACK :sasl");
	authenticate(c, "", ACCT, ACCT_PASS);
	itest_expect_next(c, ":" SRV " 900 * \\*!\\*@127.0.0.1 " ACCT
	    " :You are now logged in as " ACCT);
	itest_expect_next(c, ":" SRV " 903 * :SASL authentication successful");
	itest_send(c, "AUTHENTICATE PLAIN");
	itest_expect_next(c, ":" SRV " 907 * :You have already authenticated using SASL");
	send_registration(c, "saslA");
	itest_expect_quiet(c);
	itest_send(c, "CAP END");
	expect_welcome(c);
	itest_send(d, "CAP END");
	send_registration(d, "saslD");
	expect_welcome(d);
	itest_send(d, "WHOIS saslA");
	itest_expect_next(d, ":" SRV " 311 saslD saslA saslA 127.0.0.1 * :itest saslA");
	itest_expect_next(d, ":" SRV " 312 saslD saslA " SRV " :*");
	itest_expect_next(d, ":" SRV " 330 saslD saslA " ACCT " :is logged in as");
	itest_expect_next(d, ":" SRV " 317 saslD saslA *");
	itest_expect_next(d, ":" SRV " 318 saslD saslA :End of /WHOIS list");
	itest_send(d, "WHO saslA %%na");
	itest_expect_next(d, ":" SRV " 354 saslD saslA " ACCT);
	itest_expect_next(d, ":" SRV " 315 saslD saslA :End of /WHO list");
	itest_send(d, "WHO saslD %%na");
	itest_expect_next(d, ":" SRV " 354 saslD saslD 0");
	itest_expect_next(d, ":" SRV " 315 saslD saslD :End of /WHO list");
	/* An authorization identity naming the same account is accepted. */
	itest_send(z, "CAP REQ :sasl");
	itest_expect_next(z, ":" SRV " CAP * ACK :sasl");
	authenticate(z, "other", ACCT, ACCT_PASS);
	itest_expect_next(z, ":" SRV " 904 * :SASL authentication failed");
	authenticate(z, ACCT, ACCT, ACCT_PASS);
	itest_expect_next(z, ":" SRV " 900 * *");
	itest_expect_next(z, ":" SRV " 903 * :SASL authentication successful");
	quiet(c, d, z);
	itest_close(c);
	itest_close(d);
	itest_close(z);
	itest_server_stop_ok(srv);
}

static void
test_sasl_failures(void **state)
{
	struct itest_server *srv = itest_server_start_ok(sasl_conf(""));
	struct itest_client *f = itest_connect(srv);
	char big[402];

	(void)state;
	f->timeout_ms = ITEST_HASH_MS;
	snprintf(f->nick, sizeof(f->nick), "saslF");
	/* Without CAP REQ :sasl. */
	itest_send(f, "AUTHENTICATE PLAIN");
	itest_expect_next(f, ":" SRV " 904 * :SASL authentication failed");
	itest_send(f, "CAP REQ :sasl");
	itest_expect_next(f, ":" SRV " CAP * ACK :sasl");
	authenticate(f, "", ACCT, "wrong-pass");
	itest_expect_next(f, ":" SRV " 904 * :SASL authentication failed");
	authenticate(f, "", "nobody", ACCT_PASS);
	itest_expect_next(f, ":" SRV " 904 * :SASL authentication failed");
	itest_send(f, "AUTHENTICATE PLAIN");
	itest_expect_next(f, "AUTHENTICATE +");
	itest_send(f, "AUTHENTICATE *");
	itest_expect_next(f, ":" SRV " 906 * :SASL authentication aborted");
	/* PLAIN and SCRAM-SHA-256: 908 lists them. */
	itest_send(f, "AUTHENTICATE EXTERNAL");
	itest_expect_next(f, ":" SRV " 908 * PLAIN,SCRAM-SHA-256 :are available SASL mechanisms");
	itest_expect_next(f, ":" SRV " 904 * :SASL authentication failed");
	itest_send(f, "AUTHENTICATE SCRAM-SHA-256");
	itest_expect_next(f, "AUTHENTICATE +");
	/* A client-first-message asking for channel binding: "p=x,,n=a,r=b". */
	itest_send(f, "AUTHENTICATE cD14LCxuPWEscj1i");
	itest_expect_next(f, ":" SRV " 904 * :SASL authentication failed");
	/* A chunk over 400 bytes. */
	itest_send(f, "AUTHENTICATE PLAIN");
	itest_expect_next(f, "AUTHENTICATE +");
	memset(big, 'A', 401);
	big[401] = '\0';
	itest_send(f, "AUTHENTICATE %s", big);
	itest_expect_next(f, ":" SRV " 905 * :SASL message too long");
	/* CAP END in the middle aborts the exchange, then registers. */
	send_registration(f, "saslF");
	itest_send(f, "AUTHENTICATE PLAIN");
	itest_expect_next(f, "AUTHENTICATE +");
	itest_send(f, "CAP END");
	itest_expect_next(f, ":" SRV " 906 saslF :SASL authentication aborted");
	expect_welcome(f);
	itest_send(f, "WHOIS saslF");
	itest_expect_next(f, ":" SRV " 311 saslF *");
	itest_expect_next(f, ":" SRV " 312 saslF *");
	itest_expect_next(f, ":" SRV " 317 saslF *");
	itest_expect_next(f, ":" SRV " 318 saslF saslF :End of /WHOIS list");
	itest_expect_quiet(f);
	itest_close(f);
	itest_server_stop_ok(srv);
}

/* Connect, log in with SASL before registering, register as nick with caps. */
static struct itest_client *
sasl_user(struct itest_server *srv, const char *nick, const char *caps)
{
	struct itest_client *c = itest_connect(srv);

	c->timeout_ms = ITEST_HASH_MS;
	snprintf(c->nick, sizeof(c->nick), "%s", nick);
	itest_send(c, "CAP REQ :sasl %s", caps);
	itest_expect_next(c, ":" SRV " CAP * ACK :sasl %s", caps);
	authenticate(c, "", ACCT, ACCT_PASS);
	itest_expect_next(c, ":" SRV " 900 *");
	itest_expect_next(c, ":" SRV " 903 *");
	send_registration(c, nick);
	itest_send(c, "CAP END");
	expect_welcome(c);
	return c;
}

static void
test_account_capabilities(void **state)
{
	struct itest_server *srv = itest_server_start_ok(sasl_conf(""));
	struct itest_client *ext = cap_user(srv, "acExt", "extended-join");
	struct itest_client *tag = cap_user(srv, "acTag", "account-tag");
	struct itest_client *note = cap_user(srv, "acNote", "account-notify");
	struct itest_client *pl = cap_user(srv, "acPlain", "");
	struct itest_client *u;

	(void)state;
	enter(ext, "#ac");
	enter(tag, "#ac");
	enter(note, "#ac");
	enter(pl, "#ac");
	settle(ext, tag, note, pl);
	/* Logged in: extended-join names the account, account-tag tags it. */
	u = sasl_user(srv, "acUser", "account-tag");
	itest_send(u, "JOIN #ac");
	expect_line(u, NULL, "@account=" ACCT " :%s JOIN #ac", itest_pfx(u));
	itest_skip_to(u, ":" SRV " 366 acUser #ac :*");
	expect_line(ext, NULL, ":%s JOIN #ac " ACCT " :itest acUser", itest_pfx(u));
	expect_line(tag, NULL, "@account=" ACCT " :%s JOIN #ac", itest_pfx(u));
	expect_line(note, NULL, ":%s JOIN #ac", itest_pfx(u));
	expect_line(pl, NULL, ":%s JOIN #ac", itest_pfx(u));
	itest_send(u, "PRIVMSG #ac :hi");
	expect_line(tag, NULL, "@account=" ACCT " :%s PRIVMSG #ac :hi", itest_pfx(u));
	expect_line(ext, NULL, ":%s PRIVMSG #ac :hi", itest_pfx(u));
	expect_line(note, NULL, ":%s PRIVMSG #ac :hi", itest_pfx(u));
	expect_line(pl, NULL, ":%s PRIVMSG #ac :hi", itest_pfx(u));
	/* Not logged in: "*" in extended-join, no account tag. */
	itest_send(pl, "PRIVMSG #ac :anon");
	expect_line(tag, NULL, ":%s PRIVMSG #ac :anon", itest_pfx(pl));
	settle(ext, note, u);
	itest_send(pl, "PART #ac");
	itest_expect_next(pl, ":%s PART #ac", itest_pfx(pl));
	enter(pl, "#ac");
	itest_expect(ext, ":%s JOIN #ac \\* :itest acPlain", itest_pfx(pl));
	itest_expect(tag, ":%s JOIN #ac", itest_pfx(pl));
	itest_send(pl, "WHO #ac %%na");
	itest_expect_next(pl, ":" SRV " 354 acPlain acExt 0");
	itest_expect_next(pl, ":" SRV " 354 acPlain acTag 0");
	itest_expect_next(pl, ":" SRV " 354 acPlain acNote 0");
	itest_expect_next(pl, ":" SRV " 354 acPlain acUser " ACCT);
	itest_expect_next(pl, ":" SRV " 354 acPlain acPlain 0");
	itest_expect_next(pl, ":" SRV " 315 acPlain #ac :End of /WHO list");
	settle(ext, tag, note, u);
	quiet(ext, tag, note, pl, u);
	itest_close(u);
	itest_server_stop_ok(srv);
}

static void
test_account_notify(void **state)
{
	struct itest_server *srv = itest_server_start_ok(sasl_conf(""));
	struct itest_client *note = cap_user(srv, "anNote", "account-notify");
	struct itest_client *pl = cap_user(srv, "anPlain", "");
	struct itest_client *watch = cap_user(srv, "anWatch",
	    "extended-monitor account-notify");
	struct itest_client *bare = cap_user(srv, "anBare", "account-notify");
	struct itest_client *late = cap_user(srv, "anLate", "account-notify");

	(void)state;
	late->timeout_ms = ITEST_HASH_MS;
	enter(note, "#an");
	enter(pl, "#an");
	enter(late, "#an");
	itest_send(watch, "MONITOR + anLate");
	itest_expect_next(watch, ":" SRV " 730 anWatch :%s", itest_pfx(late));
	itest_send(bare, "MONITOR + anLate");
	itest_expect_next(bare, ":" SRV " 730 anBare :%s", itest_pfx(late));
	settle(note, pl, watch, bare);
	/*
	 * Logging in after registration: ACCOUNT to the user and to peers with
	 * account-notify, and to extended-monitor watchers; not to a watcher
	 * without extended-monitor.
	 */
	itest_send(late, "CAP REQ :sasl");
	itest_expect_next(late, ":" SRV " CAP anLate ACK :sasl");
	authenticate(late, "", ACCT, ACCT_PASS);
	itest_expect_next(late, ":" SRV " 900 anLate %s " ACCT
	    " :You are now logged in as " ACCT, itest_pfx(late));
	itest_expect_next(late, ":" SRV " 903 anLate :SASL authentication successful");
	expect_line(late, NULL, ":%s ACCOUNT " ACCT, itest_pfx(late));
	expect_line(note, NULL, ":%s ACCOUNT " ACCT, itest_pfx(late));
	expect_line(watch, NULL, ":%s ACCOUNT " ACCT, itest_pfx(late));
	quiet(note, pl, watch, bare, late);
	itest_close(late);
	itest_server_stop_ok(srv);
}

/* cap-notify: sasl comes and goes with the accounts of the configuration */

/*
 * Register as nick with cap-notify: implied by CAP LS 302, or requested
 * after a plain CAP LS.
 */
static struct itest_client *
notified_user(struct itest_server *srv, const char *nick, bool v302)
{
	struct itest_client *c = itest_connect(srv);

	itest_send(c, v302 ? "CAP LS 302" : "CAP LS");
	if (!v302)
		itest_send(c, "CAP REQ :cap-notify");
	send_registration(c, nick);
	itest_expect_next(c, ":" SRV " CAP * LS :%s", v302 ? CAPS_ALL_302 : CAPS_ALL);
	if (!v302)
		itest_expect_next(c, ":" SRV " CAP * ACK :cap-notify");
	itest_send(c, "CAP END");
	expect_welcome(c);
	return c;
}

/* draft/read-marker: markers per account, shared by its connections */

/* A registered client with caps that logs in to ACCT with SASL PLAIN. */
static struct itest_client *
account_user(struct itest_server *srv, const char *nick, const char *caps)
{
	struct itest_client *c = cap_user(srv, nick, caps);

	c->timeout_ms = ITEST_HASH_MS;
	authenticate(c, "", ACCT, ACCT_PASS);
	itest_expect_next(c, ":" SRV " 900 %s *", nick);
	itest_expect_next(c, ":" SRV " 903 %s :SASL authentication successful", nick);
	return c;
}

static void
test_read_marker(void **state)
{
	struct itest_server *srv = itest_server_start_ok(sasl_conf(""));
	struct itest_client *a = account_user(srv, "rmA", "sasl draft/read-marker");
	struct itest_client *b = account_user(srv, "rmB", "sasl draft/read-marker");
	struct itest_client *c = account_user(srv, "rmC", "sasl");
	struct itest_client *d = cap_user(srv, "rmD", "draft/read-marker");

	(void)state;
	/* On JOIN: MARKREAD between the JOIN and RPL_ENDOFNAMES. */
	itest_send(a, "JOIN #rm");
	itest_expect_next(a, ":rmA!* JOIN #rm");
	itest_expect_next(a, ":" SRV " MARKREAD #rm \\*");
	itest_expect_next(a, ":" SRV " 353 rmA = #rm :@rmA");
	itest_expect_next(a, ":" SRV " 366 rmA #rm :*");
	/* A set is answered, and told to the account's other connection. */
	itest_send(a, "MARKREAD #rm timestamp=2022-11-11T11:11:11.111Z");
	itest_expect_next(a, ":" SRV " MARKREAD #rm timestamp=2022-11-11T11:11:11.111Z");
	itest_expect_next(b, ":" SRV " MARKREAD #rm timestamp=2022-11-11T11:11:11.111Z");
	/* Older: the stored marker stays and is the answer. */
	itest_send(b, "MARKREAD #RM timestamp=2021-01-01T00:00:00.000Z");
	itest_expect_next(b, ":" SRV " MARKREAD #RM timestamp=2022-11-11T11:11:11.111Z");
	itest_send(a, "MARKREAD #rm *");
	itest_expect_next(a, ":" SRV " FAIL MARKREAD INVALID_PARAMS \\* :Invalid timestamp");
	itest_send(a, "MARKREAD #rm timestamp=2022-13-01T00:00:00.000Z");
	itest_expect_next(a, ":" SRV " FAIL MARKREAD INVALID_PARAMS * :Invalid timestamp");
	itest_send(a, "MARKREAD");
	itest_expect_next(a, ":" SRV " FAIL MARKREAD NEED_MORE_PARAMS :Missing parameters");
	/* Without an account, markers are the connection's own. */
	itest_send(d, "MARKREAD #rm");
	itest_expect_next(d, ":" SRV " MARKREAD #rm \\*");
	quiet(a, b, c, d);
	/* A new connection of the account finds the marker on JOIN. */
	itest_close(b);
	b = account_user(srv, "rmE", "sasl draft/read-marker");
	itest_send(b, "JOIN #rm");
	itest_expect(b, ":" SRV " MARKREAD #rm timestamp=2022-11-11T11:11:11.111Z");
	itest_expect(b, ":" SRV " 366 rmE #rm :*");
	itest_close(a);
	itest_close(b);
	itest_close(c);
	itest_close(d);
	itest_server_stop_ok(srv);
}

static void
test_cap_notify_rehash(void **state)
{
	struct itest_server *srv = itest_server_start_ok(ITEST_CONF_FAST OPER_BLOCK);
	struct itest_client *op = itest_user(srv, "cnOp"), *n302, *n31, *none, *x;

	(void)state;
	itest_send(op, "OPER boss " OPER_PASS);
	itest_expect_next(op, ":%s MODE cnOp :+o", itest_pfx(op));
	itest_expect_next(op, ":" SRV " 381 cnOp :You are now an IRC operator");
	n302 = notified_user(srv, "cn302", true);
	n31 = notified_user(srv, "cn31", false);
	none = itest_user(srv, "cnNone");
	/* REHASH with an account: CAP NEW, with the value for a 302 client. */
	itest_server_write_conf(srv, sasl_conf(OPER_BLOCK));
	itest_send(op, "REHASH");
	itest_expect_next(op, ":" SRV " 382 cnOp * :Rehashing");
	itest_expect_next(n302, ":" SRV " CAP cn302 NEW :sasl=PLAIN,SCRAM-SHA-256");
	itest_expect_next(n31, ":" SRV " CAP cn31 NEW :sasl");
	quiet(op, n302, n31, none);
	x = itest_connect(srv);
	snprintf(x->nick, sizeof(x->nick), "cnX");
	itest_send(x, "CAP LS 302");
	/* One line: a 302 list goes on in a second only past 510 bytes. */
	itest_expect_next(x, ":" SRV " CAP * LS :" CAPS_HEAD_302 " sasl=PLAIN,SCRAM-SHA-256 "
	    CAPS_TAIL);
	/* A rehash that changes nothing announces nothing. */
	itest_send(op, "REHASH");
	itest_expect_next(op, ":" SRV " 382 cnOp * :Rehashing");
	quiet(op, n302, n31, none);
	itest_send(n302, "CAP REQ :sasl");
	itest_expect_next(n302, ":" SRV " CAP cn302 ACK :sasl");
	itest_send(n302, "CAP LIST");
	itest_expect_next(n302, ":" SRV " CAP cn302 LIST :cap-notify sasl");
	n302->timeout_ms = ITEST_HASH_MS;
	authenticate(n302, "", ACCT, ACCT_PASS);
	itest_expect_next(n302, ":" SRV " 900 cn302 *");
	itest_expect_next(n302, ":" SRV " 903 cn302 *");
	/* SIGHUP with the account gone: CAP DEL, and sasl is dropped. */
	itest_server_write_conf(srv, ITEST_CONF_FAST OPER_BLOCK);
	itest_server_signal(srv, SIGHUP);
	itest_expect_next(n302, ":" SRV " CAP cn302 DEL :sasl");
	itest_expect_next(n31, ":" SRV " CAP cn31 DEL :sasl");
	itest_expect_next(x, ":" SRV " CAP * DEL :sasl");
	itest_send(n302, "CAP LIST");
	itest_expect_next(n302, ":" SRV " CAP cn302 LIST :cap-notify");
	itest_send(n302, "AUTHENTICATE PLAIN");
	itest_expect_next(n302, ":" SRV " 904 cn302 :SASL authentication failed");
	itest_send(n302, "CAP REQ :sasl");
	itest_expect_next(n302, ":" SRV " CAP cn302 NAK :sasl");
	/* Who logged in stays logged in. */
	itest_send(none, "WHO cn302 %%na");
	itest_expect_next(none, ":" SRV " 354 cnNone cn302 " ACCT);
	itest_expect_next(none, ":" SRV " 315 cnNone cn302 :End of /WHO list");
	quiet(op, n302, n31, none, x);
	itest_server_stop_ok(srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_sasl_plain),
		itest_unit_test(test_sasl_failures),
		itest_unit_test(test_account_capabilities),
		itest_unit_test(test_account_notify),
		itest_unit_test(test_cap_notify_rehash),
		itest_unit_test(test_read_marker),
	};

	return itest_finish(cmocka_run_group_tests(tests, itest_group_setup_fast,
	    itest_group_teardown));
}
