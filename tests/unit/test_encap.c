/*
 * ENCAP between servers (link_encap.c) and SASL through services
 * (sasl_relay.c), with fake links: irc.local (1AA) linked to b.test (2BB)
 * and to c.test (3CC), behind which is d.test (4DD). ENCAP goes on only
 * toward the servers its mask matches and never back; LOGIN and SU set
 * accounts; a client's AUTHENTICATE goes to the SaslServ of c.test and
 * its answers come back. The sasl capability comes and goes with the
 * agent: CAP NEW and DEL to cap-notify clients.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cap.h"
#include "client.h"
#include "config.h"
#include "crypto.h"
#include "fake.h"
#include "hmap.h"
#include "link.h"
#include "network.h"
#include "sasl_relay.h"
#include "server.h"

static void
with_links(struct config *cfg)
{
	char err[256];
	static const char text[] =
	    "sid = 1AA\n"
	    "sasl_service = SaslServ\n"
	    "link b.test {\n\thost = 192.0.2.2\n\tpassword = pw\n}\n"
	    "link c.test {\n\thost = 192.0.2.3\n\tpassword = pw\n}\n";

	if (config_parse_string(cfg, text, "test", err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

/* An incoming link from ip that registers as name (sid). */
static struct client *
peer(struct server *srv, const char *ip, const char *name, const char *sid)
{
	struct client *p = fake_client(srv, ip);

	assert_int_equal(link_attach(srv, p, NULL), 0);
	fake_linef(srv, p, "PASS pw TS 6 :%s", sid);
	fake_line(srv, p, "CAPAB :QS ENCAP EX IE EUID");
	fake_linef(srv, p, "SERVER %s 1 :%s", name, name);
	fake_linef(srv, p, "SVINFO 6 6 0 :%lld", (long long)srv->now);
	assert_true(link_is_up(p));
	return p;
}

struct net {
	struct server *srv;
	struct client *b, *c;
};

static struct net
net_up(void)
{
	struct net n;

	n.srv = fake_server_adjusted(with_links);
	n.b = peer(n.srv, "192.0.2.2", "b.test", "2BB");
	n.c = peer(n.srv, "192.0.2.3", "c.test", "3CC");
	fake_line(n.srv, n.c, ":3CC SID d.test 2 4DD + :d");
	fake_drop_all(n.srv);
	return n;
}

static void
test_encap_routing(void **state)
{
	struct net n = net_up();

	(void)state;
	/* Toward d.test only: through c.test, not back to b.test. */
	fake_line(n.srv, n.b, ":2BB ENCAP d.test FOO a b :c d");
	fake_expect(n.c, ":2BB ENCAP d.test FOO a b :c d\r\n");
	fake_expect(n.b, "");
	/* Everyone: every other link, the subcommand unknown but passed on. */
	fake_line(n.srv, n.c, ":4DD ENCAP * BAR x");
	fake_expect(n.b, ":4DD ENCAP * BAR :x\r\n");
	fake_expect(n.c, "");
	/* Masks matching only the sender's side, or only us, go nowhere. */
	fake_line(n.srv, n.b, ":2BB ENCAP b.* BAR x");
	fake_line(n.srv, n.b, ":2BB ENCAP irc.local BAR x");
	/* An unknown source is dropped. */
	fake_line(n.srv, n.b, ":9ZZ ENCAP * BAR x");
	fake_expect(n.c, "");
	fake_expect(n.b, "");
	fake_free(n.srv);
}

/* bob, a user of b.test, and alice (account-notify) in #c. */
static struct client *
with_bob(struct net *n)
{
	struct client *alice = fake_joined(n->srv, "alice", "#c");

	fake_linef(n->srv, n->b, ":2BB EUID bob 1 %lld +i b bhost 192.0.2.20 2BBAAAAAA "
	    "bhost * :Bob", (long long)n->srv->now);
	fake_linef(n->srv, n->b, ":2BB SJOIN %lld #c + :2BBAAAAAA", (long long)n->srv->now);
	fake_cap_on(n->srv, alice, "account-notify");
	fake_drop_all(n->srv);
	return alice;
}

static void
test_encap_login_su(void **state)
{
	struct net n = net_up();
	struct client *alice = with_bob(&n), *bob = client_find_nick(n.srv, "bob");
	char line[128];

	(void)state;
	assert_non_null(bob);
	fake_line(n.srv, n.b, ":2BBAAAAAA ENCAP * LOGIN bobacct");
	assert_string_equal(client_account(bob), "bobacct");
	fake_expect(alice, ":bob!b@bhost ACCOUNT bobacct\r\n");
	fake_expect(n.c, ":2BBAAAAAA ENCAP * LOGIN :bobacct\r\n");
	fake_line(n.srv, alice, "WHOIS bob");
	fake_expect_has(alice, " 330 alice bob bobacct :is logged in as\r\n");
	/* Services log alice in, then out: 900, 901, and account-notify. */
	snprintf(line, sizeof(line), ":3CC ENCAP * SU %s :aliceacct", alice->uid);
	fake_line(n.srv, n.c, line);
	assert_string_equal(client_account(alice), "aliceacct");
	fake_expect(alice, ":irc.local 900 alice alice!u@127.0.0.1 aliceacct "
	    ":You are now logged in as aliceacct\r\n"
	    ":alice!u@127.0.0.1 ACCOUNT aliceacct\r\n");
	snprintf(line, sizeof(line), ":3CC ENCAP * SU %s :aliceacct\r\n", alice->uid);
	fake_expect(n.b, line);
	snprintf(line, sizeof(line), ":3CC ENCAP * SU %s", alice->uid);
	fake_line(n.srv, n.c, line);
	assert_string_equal(client_account(alice), "");
	fake_expect(alice, ":irc.local 901 alice alice!u@127.0.0.1 "
	    ":You are now logged out\r\n:alice!u@127.0.0.1 ACCOUNT *\r\n");
	/* A user's LOGIN is its own; SU from a user is not services' word. */
	fake_line(n.srv, n.b, ":2BBAAAAAA ENCAP * SU alice :bobacct");
	assert_string_equal(client_account(alice), "");
	fake_free(n.srv);
}

/*
 * Services rename a user of this server (ENCAP RSFNC): shown to it and
 * its channels, told to every link as NICK with the new TS; one who held
 * the nick is killed; a stale nick TS, a user of another server, an
 * invalid nick or a user as source change nothing.
 */
static void
test_encap_rsfnc(void **state)
{
	struct net n = net_up();
	struct client *alice = with_bob(&n), *bob = client_find_nick(n.srv, "bob");
	long long ts = (long long)alice->nick_ts;
	char line[160];

	(void)state;
	assert_non_null(bob);
	/* Ignored: stale TS, not ours, bad nick, a user's word, too few. */
	fake_linef(n.srv, n.c, ":3CC ENCAP irc.local RSFNC %s Guest1 %lld %lld",
	    alice->uid, ts + 5, ts - 1);
	fake_linef(n.srv, n.c, ":3CC ENCAP irc.local RSFNC %s Guest1 %lld %lld",
	    bob->uid, ts + 5, (long long)bob->nick_ts);
	fake_linef(n.srv, n.c, ":3CC ENCAP irc.local RSFNC %s 1abc %lld %lld",
	    alice->uid, ts + 5, ts);
	fake_linef(n.srv, n.b, ":2BBAAAAAA ENCAP irc.local RSFNC %s Guest1 %lld %lld",
	    alice->uid, ts + 5, ts);
	fake_linef(n.srv, n.c, ":3CC ENCAP irc.local RSFNC %s Guest1 %lld",
	    alice->uid, ts + 5);
	assert_string_equal(alice->nick, "alice");
	fake_drop_all(n.srv);

	/* A guest nick: the user, the links (services too) see it. */
	fake_linef(n.srv, n.c, ":3CC ENCAP irc.local RSFNC %s Guest1 %lld %lld 1",
	    alice->uid, ts + 5, ts);
	assert_string_equal(alice->nick, "Guest1");
	assert_int_equal((long long)alice->nick_ts, ts + 5);
	fake_expect(alice, ":alice!u@127.0.0.1 NICK :Guest1\r\n");
	snprintf(line, sizeof(line), ":%s NICK Guest1 :%lld\r\n", alice->uid, ts + 5);
	fake_expect(n.b, line);
	fake_expect(n.c, line);
	assert_ptr_equal(client_find_nick(n.srv, "Guest1"), alice);
	assert_null(client_find_nick(n.srv, "alice"));

	/* Regaining a nick someone holds: the holder is killed everywhere. */
	fake_linef(n.srv, n.c, ":3CC ENCAP irc.local RSFNC %s bob %lld %lld",
	    alice->uid, ts + 9, ts + 5);
	assert_string_equal(alice->nick, "bob");
	assert_ptr_equal(client_find_nick(n.srv, "bob"), alice);
	assert_true(client_is_closing(bob));
	snprintf(line, sizeof(line), ":1AA KILL 2BBAAAAAA :irc.local (Nickname regained "
	    "by services)\r\n");
	assert_true(fake_output_has(n.b, line));
	assert_true(fake_output_has(n.c, line));
	snprintf(line, sizeof(line), ":%s NICK bob :%lld\r\n", alice->uid, ts + 9);
	assert_true(fake_output_has(n.b, line));
	fake_expect_has(alice, ":Guest1!u@127.0.0.1 NICK :bob\r\n");
	fake_free(n.srv);
}

/* The services link l introduces an agent-like user nick (uid). */
static void
agent_euid(struct server *srv, struct client *l, const char *nick, const char *uid)
{
	fake_linef(srv, l, ":3CC EUID %s 1 %lld +S s services.int 0 %s services.int * "
	    ":SASL", nick, (long long)srv->now, uid);
}

/* SaslServ on c.test, and carol registering with CAP REQ sasl. */
static struct client *
with_saslserv(struct net *n)
{
	struct client *carol;

	agent_euid(n->srv, n->c, "SaslServ", "3CCAAAAAA");
	fake_line(n->srv, n->c, ":3CC ENCAP * MECHLIST :PLAIN,EXTERNAL");
	fake_drop_all(n->srv);
	carol = fake_client(n->srv, "127.0.0.1");
	fake_line(n->srv, carol, "PASS " FAKE_PASSWORD);
	fake_line(n->srv, carol, "CAP LS 302");
	fake_expect_has(carol, " sasl=PLAIN,EXTERNAL ");
	fake_line(n->srv, carol, "NICK carol");
	fake_line(n->srv, carol, "USER c 0 * :Carol");
	fake_line(n->srv, carol, "CAP REQ :sasl");
	fake_drop_all(n->srv);
	return carol;
}

static void
test_sasl_relayed(void **state)
{
	struct net n = net_up();
	struct client *carol = with_saslserv(&n);
	char line[256];

	(void)state;
	fake_line(n.srv, carol, "AUTHENTICATE PLAIN");
	assert_int_equal(strlen(carol->uid), 9);
	assert_ptr_equal(hmap_get(n.srv->net->users, carol->uid), carol);
	snprintf(line, sizeof(line), ":1AA ENCAP c.test SASL %s 3CCAAAAAA H 127.0.0.1 "
	    "127.0.0.1\r\n:1AA ENCAP c.test SASL %s 3CCAAAAAA S PLAIN\r\n",
	    carol->uid, carol->uid);
	fake_expect(n.c, line);
	fake_expect(n.b, "");
	fake_linef(n.srv, n.c, ":3CC ENCAP irc.local SASL 3CCAAAAAA %s C +", carol->uid);
	fake_expect(carol, "AUTHENTICATE +\r\n");
	fake_line(n.srv, carol, "AUTHENTICATE AGNhcm9sAHNlY3JldA==");
	snprintf(line, sizeof(line), ":1AA ENCAP c.test SASL %s 3CCAAAAAA C "
	    "AGNhcm9sAHNlY3JldA==\r\n", carol->uid);
	fake_expect(n.c, line);
	/* Answers for another agent or an unknown client are dropped. */
	fake_linef(n.srv, n.c, ":3CC ENCAP irc.local SASL 3CCAAAAAB %s D S", carol->uid);
	fake_line(n.srv, n.c, ":3CC ENCAP irc.local SASL 3CCAAAAAA 1AAZZZZZZ D S");
	fake_expect(carol, "");
	fake_linef(n.srv, n.c, ":3CC ENCAP irc.local SVSLOGIN %s * * * carolacct",
	    carol->uid);
	fake_linef(n.srv, n.c, ":3CC ENCAP irc.local SASL 3CCAAAAAA %s D S", carol->uid);
	fake_expect(carol, ":irc.local 900 carol carol!c@127.0.0.1 carolacct "
	    ":You are now logged in as carolacct\r\n"
	    ":irc.local 903 carol :SASL authentication successful\r\n");
	assert_false(sasl_relay_busy(carol));
	/* Registered: every link learns the account with the user. */
	fake_line(n.srv, carol, "CAP END");
	fake_expect_has(n.b, " 127.0.0.1 carolacct :Carol\r\n");
	fake_expect_has(n.c, " 127.0.0.1 carolacct :Carol\r\n");
	fake_free(n.srv);
}

/*
 * SVSLOGIN with a host (the account's vhost): the client registers with
 * it, its address kept aside; links get it as the host, the address as
 * the real host. A host CHGHOST could not set is ignored.
 */
static void
test_sasl_svslogin_host(void **state)
{
	struct net n = net_up();
	struct client *carol = with_saslserv(&n);
	char line[256];

	(void)state;
	fake_line(n.srv, carol, "AUTHENTICATE PLAIN");
	fake_linef(n.srv, n.c, ":3CC ENCAP irc.local SVSLOGIN %s * * bad_host 0",
	    carol->uid);
	assert_string_equal(carol->host, "127.0.0.1");
	fake_drop_all(n.srv);
	fake_linef(n.srv, n.c, ":3CC ENCAP irc.local SVSLOGIN %s * * carol.users.example "
	    "carolacct", carol->uid);
	assert_string_equal(carol->host, "carol.users.example");
	assert_string_equal(client_addr(carol), "127.0.0.1");
	fake_linef(n.srv, n.c, ":3CC ENCAP irc.local SASL 3CCAAAAAA %s D S", carol->uid);
	fake_expect(carol, ":irc.local 900 carol carol!c@carol.users.example carolacct "
	    ":You are now logged in as carolacct\r\n"
	    ":irc.local 903 carol :SASL authentication successful\r\n");
	fake_line(n.srv, carol, "CAP END");
	fake_expect_has(carol, " carol!c@carol.users.example\r\n");
	snprintf(line, sizeof(line), " c carol.users.example 127.0.0.1 %s 127.0.0.1 carolacct "
	    ":Carol\r\n", carol->uid);
	fake_expect_has(n.b, line);
	fake_drop_all(n.srv);
	/* Registered, logging in again: the change is shown and passed on. */
	fake_line(n.srv, carol, "AUTHENTICATE PLAIN");
	assert_true(sasl_relay_busy(carol));
	fake_linef(n.srv, n.c, ":3CC ENCAP irc.local SVSLOGIN %s * * c2.users.example "
	    "carolacct", carol->uid);
	fake_expect_has(carol, " 396 carol c2.users.example :is now your displayed host\r\n");
	snprintf(line, sizeof(line), ":1AA CHGHOST %s c2.users.example\r\n", carol->uid);
	fake_expect_has(n.b, line);
	assert_string_equal(client_addr(carol), "127.0.0.1");
	fake_free(n.srv);
}

static void
test_sasl_relay_fail_abort_timeout(void **state)
{
	struct net n = net_up();
	struct client *carol = with_saslserv(&n);
	char line[128];

	(void)state;
	fake_line(n.srv, carol, "AUTHENTICATE PLAIN");
	fake_linef(n.srv, n.c, ":3CC ENCAP irc.local SASL 3CCAAAAAA %s M PLAIN", carol->uid);
	fake_linef(n.srv, n.c, ":3CC ENCAP irc.local SASL 3CCAAAAAA %s D F", carol->uid);
	fake_expect(carol, ":irc.local 908 carol PLAIN :are available SASL mechanisms\r\n"
	    ":irc.local 904 carol :SASL authentication failed\r\n");
	assert_string_equal(client_account(carol), "");
	fake_drop_all(n.srv);
	/* The client gives up: the agent is told. */
	fake_line(n.srv, carol, "AUTHENTICATE PLAIN");
	fake_drop_output(n.c);
	fake_line(n.srv, carol, "AUTHENTICATE *");
	fake_expect(carol, ":irc.local 906 carol :SASL authentication aborted\r\n");
	snprintf(line, sizeof(line), ":1AA ENCAP c.test SASL %s 3CCAAAAAA D A\r\n", carol->uid);
	fake_expect(n.c, line);
	/* A mechanism that would not be one word is refused here. */
	fake_line(n.srv, carol, "AUTHENTICATE :PLAIN X");
	fake_expect(carol, ":irc.local 904 carol :SASL authentication failed\r\n");
	fake_expect(n.c, "");
	/* The agent never answers. */
	fake_line(n.srv, carol, "AUTHENTICATE PLAIN");
	fake_drop_output(n.c);
	fake_advance(n.srv, SASL_RELAY_TIMEOUT_MS / 1000 - 1);
	server_tick(n.srv);
	fake_expect(carol, "");
	fake_advance(n.srv, 2);
	server_tick(n.srv);
	fake_expect(carol, ":irc.local 904 carol :SASL authentication failed\r\n");
	fake_expect(n.c, line);
	assert_false(sasl_relay_busy(carol));
	fake_free(n.srv);
}

/* Leaving before registration takes the early UID out of the map. */
static void
test_sasl_relay_unregistered_quit(void **state)
{
	struct net n = net_up();
	struct client *carol = with_saslserv(&n);
	char uid[16], line[128];

	(void)state;
	fake_line(n.srv, carol, "AUTHENTICATE PLAIN");
	snprintf(uid, sizeof(uid), "%s", carol->uid);
	fake_drop_output(n.c);
	fake_line(n.srv, carol, "QUIT");
	fake_reap(n.srv);
	assert_null(hmap_get(n.srv->net->users, uid));
	/* The agent hears that the exchange is over. */
	snprintf(line, sizeof(line), ":1AA ENCAP c.test SASL %s 3CCAAAAAA D A\r\n", uid);
	fake_expect(n.c, line);
	/* No agent: the sasl capability is not offered (no accounts either). */
	fake_line(n.srv, n.c, ":3CCAAAAAA QUIT :gone");
	fake_reap(n.srv);
	assert_null(sasl_relay_agent(n.srv));
	fake_free(n.srv);
}

/* A local account without services: a login after registering is told. */
static void
test_local_login_told(void **state)
{
	struct net n = net_up();
	struct client *alice = fake_registered(n.srv, "alice");
	char hash[CRYPTO_HASH_MAX], conf[256], err[256], b64[64], line[128];
	static const char plain[] = "\0bob\0pw";

	(void)state;
	assert_int_equal(crypto_hash_password("pw", 1000, hash, sizeof(hash)), 0);
	snprintf(conf, sizeof(conf), "account bob {\n\tpassword = %s\n}\n", hash);
	if (config_parse_string(&n.srv->cfg, conf, "test", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	fake_drop_all(n.srv);
	fake_line(n.srv, alice, "CAP REQ :sasl");
	fake_line(n.srv, alice, "AUTHENTICATE PLAIN");
	assert_true(crypto_base64_encode(plain, sizeof(plain) - 1, b64, sizeof(b64)) > 0);
	fake_linef(n.srv, alice, "AUTHENTICATE %s", b64);
	fake_work(n.srv);
	fake_expect_has(alice, " 903 alice :SASL authentication successful\r\n");
	snprintf(line, sizeof(line), ":%s ENCAP * LOGIN bob\r\n", alice->uid);
	fake_expect(n.b, line);
	fake_expect(n.c, line);
	fake_free(n.srv);
}

/* A registered client that sent CAP LS (302 or not) and asked for caps. */
static struct client *
cap_client(struct server *srv, const char *nick, const char *ls, const char *req)
{
	struct client *cli = fake_client(srv, "127.0.0.1");

	fake_line(srv, cli, "PASS " FAKE_PASSWORD);
	fake_line(srv, cli, ls);
	fake_linef(srv, cli, "NICK %s", nick);
	fake_linef(srv, cli, "USER %s 0 * :%s", nick, nick);
	if (req != NULL)
		fake_linef(srv, cli, "CAP REQ :%s", req);
	fake_line(srv, cli, "CAP END");
	assert_true(client_is_registered(cli));
	fake_drop_output(cli);
	return cli;
}

static void
test_sasl_cap_follows_agent(void **state)
{
	struct net n = net_up();
	struct client *v302 = cap_client(n.srv, "new", "CAP LS 302", NULL);
	struct client *old = cap_client(n.srv, "old", "CAP LS", "cap-notify");
	struct client *plain = cap_client(n.srv, "plain", "CAP LS", NULL);
	long long ts = (long long)n.srv->now;

	(void)state;
	/* The server's list: cap-notify clients, 302 ones implicitly. */
	assert_int_equal(n.srv->nnotify, 2);
	fake_drop_all(n.srv);
	/* No agent: no sasl in CAP LS. */
	fake_line(n.srv, plain, "CAP LS");
	assert_false(fake_output_has(plain, "sasl"));
	fake_drop_all(n.srv);

	/* The agent comes: NEW, without a value until its MECHLIST. */
	agent_euid(n.srv, n.c, "SaslServ", "3CCAAAAAA");
	fake_expect(v302, ":irc.local CAP new NEW :sasl\r\n");
	fake_expect(old, ":irc.local CAP old NEW :sasl\r\n");
	fake_expect(plain, "");
	fake_line(n.srv, n.c, ":3CC ENCAP * MECHLIST :PLAIN,EXTERNAL");
	fake_expect(v302, ":irc.local CAP new NEW :sasl=PLAIN,EXTERNAL\r\n");
	fake_expect(old, "");
	/* The same list again changes nothing. */
	fake_line(n.srv, n.c, ":3CC ENCAP * MECHLIST :PLAIN,EXTERNAL");
	fake_expect(v302, "");
	fake_line(n.srv, v302, "CAP REQ :sasl");
	fake_expect(v302, ":irc.local CAP new ACK :sasl\r\n");

	/* It leaves: DEL, and those who had sasl lose it. */
	fake_line(n.srv, n.c, ":3CCAAAAAA QUIT :restarting");
	fake_expect(v302, ":irc.local CAP new DEL :sasl\r\n");
	fake_expect(old, ":irc.local CAP old DEL :sasl\r\n");
	fake_expect(plain, "");
	assert_false(client_caps(v302) & CAP_SASL);
	fake_line(n.srv, plain, "CAP LS");
	assert_false(fake_output_has(plain, "sasl"));
	fake_drop_all(n.srv);

	/* Back by a nick change, with the list it gave; gone with its server. */
	agent_euid(n.srv, n.c, "sasl2", "3CCAAAAAB");
	fake_expect(v302, "");
	fake_linef(n.srv, n.c, ":3CCAAAAAB NICK SaslServ :%lld", ts + 1);
	fake_expect(v302, ":irc.local CAP new NEW :sasl=PLAIN,EXTERNAL\r\n");
	fake_expect(old, ":irc.local CAP old NEW :sasl\r\n");
	fake_line(n.srv, n.c, "ERROR :services down");
	fake_reap(n.srv);
	fake_expect_has(v302, ":irc.local CAP new DEL :sasl\r\n");

	/* Leaving takes a client off the list. */
	fake_line(n.srv, old, "QUIT");
	fake_reap(n.srv);
	assert_int_equal(n.srv->nnotify, 1);
	fake_free(n.srv);
}

/* With accounts of its own, sasl stays; the agent changes only its value. */
static void
with_accounts(struct config *cfg)
{
	char err[256];
	static const char text[] =
	    "account acct {\n\tpassword = $pbkdf2-sha256$1000$ZK5owaJuJKhZ7tBYTE9Zew$"
	    "3CO9C1Qb10p2is/HzsryCmbUq+7PrSCA3xfSd+gMgXs\n}\n";

	with_links(cfg);
	if (config_parse_string(cfg, text, "test", err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static void
test_sasl_cap_with_accounts(void **state)
{
	struct server *srv = fake_server_adjusted(with_accounts);
	struct client *c = peer(srv, "192.0.2.3", "c.test", "3CC");
	struct client *v302 = cap_client(srv, "new", "CAP LS 302", NULL);
	struct client *old = cap_client(srv, "old", "CAP LS", "cap-notify sasl");

	(void)state;
	fake_drop_all(srv);
	agent_euid(srv, c, "SaslServ", "3CCAAAAAA");
	fake_line(srv, c, ":3CC ENCAP * MECHLIST :EXTERNAL");
	fake_expect(v302, ":irc.local CAP new NEW :sasl\r\n"
	    ":irc.local CAP new NEW :sasl=EXTERNAL\r\n");
	fake_expect(old, "");
	fake_line(srv, c, ":3CCAAAAAA QUIT :restarting");
	fake_expect(v302, ":irc.local CAP new NEW :sasl=PLAIN,SCRAM-SHA-256\r\n");
	fake_expect(old, "");
	assert_true(client_caps(old) & CAP_SASL);
	fake_free(srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encap_routing),
		cmocka_unit_test(test_encap_login_su),
		cmocka_unit_test(test_encap_rsfnc),
		cmocka_unit_test(test_sasl_relayed),
		cmocka_unit_test(test_sasl_svslogin_host),
		cmocka_unit_test(test_sasl_relay_fail_abort_timeout),
		cmocka_unit_test(test_sasl_relay_unregistered_quit),
		cmocka_unit_test(test_local_login_told),
		cmocka_unit_test(test_sasl_cap_follows_agent),
		cmocka_unit_test(test_sasl_cap_with_accounts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
