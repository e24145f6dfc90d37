/*
 * Integration tests of services over a server link: a raw client plays
 * services (fake.test, 9ZZ) with a SaslServ user; ircserv, with
 * sasl_service = SaslServ, offers the agent's mechanisms, relays a
 * client's AUTHENTICATE as ENCAP SASL and brings the answers back (900,
 * 903), and the user then registers with its account in EUID. ENCAP SU
 * logs a user in and out. The sasl capability is there only while the
 * agent is: cap-notify clients get CAP NEW and DEL as it comes and goes.
 */
#include "itest_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Node A with sasl_service, and services linked to it with EUID. */
static struct itest_client *
services_up(struct node *a)
{
	struct itest_client *f, *u;
	char conf[600];

	link_block(conf, sizeof(conf), "fake.test", "127.0.0.1", 0, false);
	strcat(conf, "sasl_service = SaslServ\n");
	node_start(a, "irc.a.test", "1AA", itest_free_port(), conf);
	f = fake_linked_capab(a, "QS ENCAP EX IE EUID");
	itest_skip_to(f, "PING :1AA");
	itest_send(f, "SVINFO 6 6 0 :%lld", (long long)time(NULL));
	itest_send(f, ":9ZZ PONG fake.test :1AA");
	itest_send(f, ":9ZZ EUID SaslServ 1 %lld +S s services.int 0 9ZZAAAAAA "
	    "services.int * :SASL", (long long)time(NULL));
	itest_send(f, ":9ZZ ENCAP * MECHLIST :PLAIN,EXTERNAL");
	u = node_user(a, "ua");
	wait_whois(u, "SaslServ", "fake.test");
	itest_close(u);
	return f;
}

static void
test_sasl_through_services(void **state)
{
	struct node a;
	struct itest_client *f, *c;
	const char *l;
	char id[16];

	(void)state;
	f = services_up(&a);
	c = itest_connect(a.s);
	itest_send(c, "PASS %s", ITEST_PASSWORD);
	itest_send(c, "CAP LS 302");
	itest_expect(c, ":irc.a.test CAP * LS *sasl=PLAIN,EXTERNAL*");
	itest_send(c, "NICK carol");
	itest_send(c, "USER c 0 * :Carol");
	itest_send(c, "CAP REQ :sasl");
	itest_expect(c, ":irc.a.test CAP * ACK *sasl*");
	itest_send(c, "AUTHENTICATE PLAIN");
	l = itest_expect(f, ":1AA ENCAP fake.test SASL 1AA?????? 9ZZAAAAAA H 127.0.0.1 127.0.0.1");
	assert_int_equal(sscanf(l, ":1AA ENCAP fake.test SASL %9s ", id), 1);
	itest_expect(f, ":1AA ENCAP fake.test SASL %s 9ZZAAAAAA S PLAIN", id);
	itest_send(f, ":9ZZ ENCAP irc.a.test SASL 9ZZAAAAAA %s C +", id);
	itest_expect_next(c, "AUTHENTICATE +");
	itest_send(c, "AUTHENTICATE AGNhcm9sAHNlY3JldA==");
	itest_expect(f, ":1AA ENCAP fake.test SASL %s 9ZZAAAAAA C AGNhcm9sAHNlY3JldA==", id);
	itest_send(f, ":9ZZ ENCAP irc.a.test SVSLOGIN %s * * * carolacct", id);
	itest_send(f, ":9ZZ ENCAP irc.a.test SASL 9ZZAAAAAA %s D S", id);
	itest_expect_next(c, ":irc.a.test 900 carol carol!c@127.0.0.1 carolacct :*");
	itest_expect_next(c, ":irc.a.test 903 carol :SASL authentication successful");
	itest_send(c, "CAP END");
	itest_expect(c, ":irc.a.test 001 carol *");
	itest_expect(f, ":1AA EUID carol 1 * %s * carolacct :Carol", id);
	/* Services log carol out and in again. */
	itest_send(f, ":9ZZ ENCAP * SU %s", id);
	itest_expect(c, ":irc.a.test 901 carol carol!c@127.0.0.1 :You are now logged out");
	itest_send(f, ":9ZZ ENCAP * SU %s :other", id);
	itest_expect(c, ":irc.a.test 900 carol carol!c@127.0.0.1 other :*");
	itest_send(c, "WHOIS carol");
	itest_expect(c, ":irc.a.test 330 carol carol other :is logged in as");
	itest_server_stop_ok(a.s);
}

/* Send CAP LS from c; fail if a line of the answer mentions sasl. */
static void
ls_without_sasl(struct itest_client *c)
{
	char l[ITEST_LINE_MAX + 1];

	itest_send(c, "CAP LS 302");
	do {
		if (itest_poll_line(c, ITEST_TIMEOUT_MS, l, sizeof(l)) != 1)
			itest_fail_at(ITEST_HERE, "%s: no CAP LS", c->nick);
		if (strstr(l, "sasl") != NULL)
			itest_fail_at(ITEST_HERE, "%s: sasl offered: %s", c->nick, l);
	} while (strstr(l, " LS * :") != NULL);   /* a 302 list goes on */
}

static void
test_sasl_cap_follows_agent(void **state)
{
	struct node a;
	struct itest_client *f, *c, *u;
	char conf[600];
	long long now = (long long)time(NULL);

	(void)state;
	link_block(conf, sizeof(conf), "fake.test", "127.0.0.1", 0, false);
	strcat(conf, "sasl_service = SaslServ\n");
	node_start(&a, "irc.a.test", "1AA", itest_free_port(), conf);
	f = fake_linked_with(&a, "QS ENCAP EX IE EUID");
	/* Before the agent: no sasl. */
	c = itest_connect(a.s);
	snprintf(c->nick, sizeof(c->nick), "carol");
	ls_without_sasl(c);
	itest_send(c, "PASS %s", ITEST_PASSWORD);
	itest_send(c, "NICK carol");
	itest_send(c, "USER c 0 * :Carol");
	itest_send(c, "CAP END");
	itest_expect(c, ":irc.a.test 001 carol *");
	itest_send(c, "PING :welcomed");
	itest_skip_to(c, ":irc.a.test PONG irc.a.test :welcomed");
	itest_send(f, ":9ZZ EUID SaslServ 1 %lld +S s services.int 0 9ZZAAAAAA "
	    "services.int * :SASL", now);
	itest_expect_next(c, ":irc.a.test CAP carol NEW :sasl");
	itest_send(f, ":9ZZ ENCAP * MECHLIST :PLAIN,EXTERNAL");
	itest_expect_next(c, ":irc.a.test CAP carol NEW :sasl=PLAIN,EXTERNAL");
	itest_send(c, "CAP REQ :sasl");
	itest_expect_next(c, ":irc.a.test CAP carol ACK :sasl");
	/* The agent leaves: DEL, and sasl is off for carol and new clients. */
	itest_send(f, ":9ZZAAAAAA QUIT :restarting");
	itest_expect_next(c, ":irc.a.test CAP carol DEL :sasl");
	itest_send(c, "CAP LIST");
	itest_expect_next(c, ":irc.a.test CAP carol LIST :cap-notify");
	u = itest_connect(a.s);
	snprintf(u->nick, sizeof(u->nick), "u");
	ls_without_sasl(u);
	/* Back by a nick change, with its list; gone with its server. */
	itest_send(f, ":9ZZ EUID other 1 %lld +S s services.int 0 9ZZAAAAAB "
	    "services.int * :SASL", now);
	itest_send(f, ":9ZZAAAAAB NICK SaslServ :%lld", now + 1);
	itest_expect_next(c, ":irc.a.test CAP carol NEW :sasl=PLAIN,EXTERNAL");
	itest_expect_next(u, ":irc.a.test CAP * NEW :sasl=PLAIN,EXTERNAL");
	itest_close(f);
	itest_expect_next(c, ":irc.a.test CAP carol DEL :sasl");
	itest_server_stop_ok(a.s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_sasl_through_services),
		itest_unit_test(test_sasl_cap_follows_agent),
	};

	return itest_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
