/*
 * Registration through server_on_line(): PASS/NICK/USER in the orders real
 * clients use, CAP negotiation holding registration until CAP END, the
 * welcome burst byte for byte, NICK/USER/PASS errors, PING, QUIT, 421/451,
 * and the 417 line limits. Every assertion is on the bytes in a sendq.
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
#include "channel.h"
#include "client.h"
#include "config.h"
#include "fake.h"
#include "irc.h"
#include "metadata.h"
#include "server.h"

/* Everything after 005 in the burst of the only client, "bob". */
#define BURST_TAIL_ALONE \
	":irc.local 251 bob :There are 1 users and 0 invisible on 1 servers\r\n" \
	":irc.local 255 bob :I have 1 clients and 0 servers\r\n" \
	":irc.local 265 bob 1 1 :Current local users 1, max 1\r\n" \
	":irc.local 266 bob 1 1 :Current global users 1, max 1\r\n" \
	BURST_MOTD

#define BURST_MOTD \
	":irc.local 375 bob :- irc.local Message of the day - \r\n" \
	":irc.local 372 bob :- Welcome to ircserv.\r\n" \
	":irc.local 372 bob :- Join a channel with /join #name and say hello.\r\n" \
	":irc.local 372 bob :- Send HELP (in most clients: /quote HELP) for the commands this server knows.\r\n" \
	":irc.local 376 bob :End of /MOTD command\r\n"

#define CAP_HEAD "account-notify account-tag away-notify batch cap-notify " \
	"draft/channel-rename draft/chathistory chghost echo-message draft/event-playback " \
	"extended-join extended-monitor invite-notify labeled-response draft/message-redaction " \
	"message-tags "
#define CAP_TAIL " draft/no-implicit-names draft/read-marker server-time setname userhost-in-names"
#define CAP_ALL CAP_HEAD "draft/metadata-3 multi-prefix draft/multiline" CAP_TAIL
/* CAP LS 302 shows values, the limits from the settings' defaults. */
#define CAP_ALL_302 CAP_HEAD "draft/metadata-3=before-connect,max-subs=50,max-keys=20," \
	"max-value-bytes=300 multi-prefix " \
	"draft/multiline=max-bytes=4096,max-lines=32" CAP_TAIL

/* Assert out begins with prefix; return what follows it. */
static const char *
skip_prefix(const char *out, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(out, prefix, n) != 0)
		fail_msg("expected output to begin with:\n%s\ngot:\n%s", prefix, out);
	return out + n;
}

/* Words separated by single spaces in p[0..n). */
static size_t
count_words(const char *p, size_t n)
{
	size_t words = 1;

	for (size_t i = 0; i < n; i++) {
		assert_false(p[i] == ' ' && (i == 0 || i + 1 == n || p[i + 1] == ' '));
		words += p[i] == ' ';
	}
	return words;
}

/*
 * Check a whole welcome burst for "bob": 001-004 exactly, one or more 005
 * lines (each within 512 bytes, tokens collected into isupport, which has
 * room for isz bytes), then exactly tail.
 */
static void
check_burst(const char *out, const char *user, const char *tail,
    char *isupport, size_t isz)
{
	char head[1024];
	const char *p;
	size_t nlines = 0, used = 0;

	snprintf(head, sizeof(head),
	    ":irc.local 001 bob :Welcome to the ircserv IRC Network bob!%s@127.0.0.1\r\n"
	    ":irc.local 002 bob :Your host is irc.local, running version ircserv-0.1\r\n"
	    ":irc.local 003 bob :This server was created Tue Nov 14 2023 at 22:13:20 UTC\r\n"
	    ":irc.local 004 bob irc.local ircserv-0.1 Biow bCeIiklmnopstv beIklov\r\n",
	    user);
	p = skip_prefix(out, head);
	isupport[0] = '\0';
	while (strncmp(p, ":irc.local 005 bob ", 19) == 0) {
		const char *end = strstr(p, "\r\n");
		const char *tokens = p + 19, *tail005;
		size_t n;

		assert_non_null(end);
		/* RFC 1459 2.3: 512 bytes with CR LF. */
		assert_true((size_t)(end - p) + 2 <= IRC_LINE_MAX);
		tail005 = strstr(tokens, " :are supported by this server\r\n");
		assert_true(tail005 == end - 30);
		n = (size_t)(tail005 - tokens);
		assert_true(n > 0 && used + n + 2 < isz);
		/* RFC 2812 2.3: 15 params = the nick, 13 tokens, the trailing. */
		assert_true(count_words(tokens, n) <= 13);
		memcpy(isupport + used, tokens, n);
		used += n;
		isupport[used++] = ' ';
		isupport[used] = '\0';
		p = end + 2;
		nlines++;
	}
	assert_true(nlines >= 1);
	assert_string_equal(p, tail);
}

/* Assert that the space-separated token list has tok as a whole word. */
static void
assert_token(const char *list, const char *tok)
{
	size_t n = strlen(tok);

	for (const char *p = list; (p = strstr(p, tok)) != NULL; p++)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return;
	fail_msg("ISUPPORT token %s missing from: %s", tok, list);
}

static void
test_burst_pass_nick_user(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");
	char isupport[4096];
	char *out;

	fake_line(srv, cli, "PASS secret");
	fake_expect(cli, "");
	fake_line(srv, cli, "NICK bob");
	fake_expect(cli, "");
	fake_line(srv, cli, "USER u 0 * :Real Name");
	assert_true(client_is_registered(cli));
	out = fake_take_output(cli);
	check_burst(out, "u", BURST_TAIL_ALONE, isupport, sizeof(isupport));
	free(out);
	assert_string_equal(cli->realname, "Real Name");
}

static void
test_burst_isupport_tokens(void **state)
{
	static const char *const tokens[] = {
		"CASEMAPPING=rfc1459", "CHANTYPES=#&", "PREFIX=(ov)@+",
		"CHANMODES=beI,k,l,Cimnpst", "NICKLEN=30", "CHANNELLEN=50",
		"TOPICLEN=390", "KICKLEN=390", "MODES=6", "NETWORK=ircserv",
		"USERLEN=10", "STATUSMSG=@+",
	};
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");
	char isupport[4096];
	char *out;

	fake_line(srv, cli, "PASS secret");
	fake_line(srv, cli, "NICK bob");
	fake_line(srv, cli, "USER u 0 * :Real Name");
	out = fake_take_output(cli);
	check_burst(out, "u", BURST_TAIL_ALONE, isupport, sizeof(isupport));
	free(out);
	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
		assert_token(isupport, tokens[i]);
	/* More tokens than one line may carry: the split is exercised. */
	assert_true(srv->nisupport > 13);
}

/* 253 and 254 appear once there are unknown connections and channels. */
static void
test_burst_lusers_counts(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_joined(srv, "alice", "#c");
	struct client *cli;
	char isupport[4096];
	char *out;

	(void)alice;
	fake_client(srv, "10.0.0.9");
	cli = fake_client(srv, "127.0.0.1");
	fake_line(srv, cli, "PASS secret");
	fake_line(srv, cli, "USER u 8 * :Real Name");
	fake_line(srv, cli, "NICK bob");
	out = fake_take_output(cli);
	check_burst(out, "u",
	    ":irc.local 251 bob :There are 1 users and 1 invisible on 1 servers\r\n"
	    ":irc.local 253 bob 1 :unknown connection(s)\r\n"
	    ":irc.local 254 bob 1 :channels formed\r\n"
	    ":irc.local 255 bob :I have 2 clients and 0 servers\r\n"
	    ":irc.local 265 bob 2 2 :Current local users 2, max 2\r\n"
	    ":irc.local 266 bob 2 2 :Current global users 2, max 2\r\n"
	    BURST_MOTD
	    ":bob!u@127.0.0.1 MODE bob :+i\r\n", isupport, sizeof(isupport));
	free(out);
	assert_true(cli->umodes & UMODE_INVISIBLE);
}

/* PASS NICK USER, PASS USER NICK, and NICK before PASS all register. */
static void
test_register_orders(void **state)
{
	static const char *const orders[][3] = {
		{ "PASS secret", "NICK bob", "USER u 0 * :R" },
		{ "PASS secret", "USER u 0 * :R", "NICK bob" },
		{ "NICK bob", "PASS secret", "USER u 0 * :R" },
		{ "pass secret", "nick bob", "user u 0 * :R" },
		{ "PASS :secret", "NICK :bob", "USER u 0 * R" },
	};
	struct server *srv = *state;

	for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		struct client *cli = fake_client(srv, "127.0.0.1");

		fake_line(srv, cli, orders[i][0]);
		fake_line(srv, cli, orders[i][1]);
		assert_false(client_is_registered(cli));
		fake_expect(cli, "");
		fake_line(srv, cli, orders[i][2]);
		assert_true(client_is_registered(cli));
		assert_true(fake_output_has(cli,
		    ":irc.local 001 bob :Welcome to the ircserv IRC Network bob!u@127.0.0.1\r\n"));
		fake_line(srv, cli, "QUIT");
		fake_reap(srv);
	}
	assert_int_equal(srv->nclients, 0);
}

/* irssi, WeeChat, HexChat: CAP LS 302, PASS, NICK, USER, CAP REQ, CAP END. */
static void
test_register_cap_negotiation(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");
	char isupport[4096];
	char *out;

	fake_line(srv, cli, "CAP LS 302");
	fake_line(srv, cli, "PASS secret");
	fake_line(srv, cli, "NICK bob");
	fake_line(srv, cli, "USER u 0 * :Real Name");
	fake_expect(cli, ":irc.local CAP * LS :" CAP_ALL_302 "\r\n");
	assert_false(client_is_registered(cli));
	fake_line(srv, cli, "CAP REQ :multi-prefix echo-message");
	fake_expect(cli, ":irc.local CAP bob ACK :multi-prefix echo-message\r\n");
	assert_false(client_is_registered(cli));
	fake_line(srv, cli, "CAP END");
	assert_true(client_is_registered(cli));
	out = fake_take_output(cli);
	check_burst(out, "u", BURST_TAIL_ALONE, isupport, sizeof(isupport));
	free(out);
	assert_int_equal(client_caps(cli), CAP_CAP_NOTIFY | CAP_MULTI_PREFIX | CAP_ECHO_MESSAGE);
}

/* A client that pipelines CAP REQ and CAP END without waiting for ACK. */
static void
test_register_cap_req_end_back_to_back(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");
	char *out;

	fake_line(srv, cli, "PASS secret");
	fake_line(srv, cli, "NICK bob");
	fake_line(srv, cli, "CAP REQ :away-notify");
	fake_line(srv, cli, "USER u 0 * :Real Name");
	/* ircv3.net: a REQ before registration suspends it like LS does. */
	assert_false(client_is_registered(cli));
	fake_expect(cli, ":irc.local CAP bob ACK :away-notify\r\n");
	fake_line(srv, cli, "CAP REQ :multi-prefix");
	fake_line(srv, cli, "CAP END");
	assert_true(client_is_registered(cli));
	out = fake_take_output(cli);
	skip_prefix(out, ":irc.local CAP bob ACK :multi-prefix\r\n"
	    ":irc.local 001 bob :Welcome to the ircserv IRC Network bob!u@127.0.0.1\r\n");
	free(out);
	assert_int_equal(client_caps(cli), CAP_AWAY_NOTIFY | CAP_MULTI_PREFIX);
}

/* CAP END with nothing else sent yet completes nothing. */
static void
test_register_cap_end_first(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");

	fake_line(srv, cli, "CAP LS");
	fake_line(srv, cli, "CAP END");
	fake_expect(cli, ":irc.local CAP * LS :" CAP_ALL "\r\n");
	fake_line(srv, cli, "PASS secret");
	fake_line(srv, cli, "NICK bob");
	assert_false(client_is_registered(cli));
	fake_line(srv, cli, "USER u 0 * :R");
	assert_true(client_is_registered(cli));
	assert_int_equal(client_caps(cli), 0);
}

static void
test_register_bad_password(void **state)
{
	static const char *const first[] = { "PASS wrong", "PASS secretx", "PASS secre",
		"PASS SECRET", NULL };
	struct server *srv = *state;

	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++) {
		struct client *cli = fake_client(srv, "127.0.0.1");

		if (first[i] != NULL)
			fake_line(srv, cli, first[i]);
		fake_line(srv, cli, "NICK bob");
		fake_expect(cli, "");
		fake_line(srv, cli, "USER u 0 * :R");
		assert_false(client_is_registered(cli));
		assert_true(client_is_closing(cli));
		fake_expect(cli, ":irc.local 464 bob :Password incorrect\r\n"
		    "ERROR :Closing Link: 127.0.0.1 (Bad password)\r\n");
		/* Closing: nothing more is read from it or sent to it. */
		fake_line(srv, cli, "PASS secret");
		fake_line(srv, cli, "PING x");
		fake_expect(cli, "");
		assert_int_equal(srv->nclients, 1);
		assert_ptr_equal(srv->dead, cli);
		fake_reap(srv);
		assert_int_equal(srv->nclients, 0);
		assert_null(srv->clients);
		assert_null(srv->dead);
		/* The reserved nick went with it. */
		assert_null(client_find_nick(srv, "bob"));
	}
	assert_int_equal(srv->nusers, 0);
}

/* require_password = no: PASS may be left out, but a wrong one still fails. */
static void
test_register_password_optional(void **state)
{
	struct server *srv = *state;
	struct client *none = fake_client(srv, "127.0.0.1");
	struct client *good = fake_client(srv, "127.0.0.1");
	struct client *bad = fake_client(srv, "127.0.0.1");

	srv->cfg.require_password = false;
	fake_line(srv, none, "NICK nopass");
	/* It may register, so it holds its nick at once. */
	assert_ptr_equal(client_find_nick(srv, "nopass"), none);
	fake_line(srv, none, "USER u 0 * :R");
	assert_true(client_is_registered(none));
	fake_expect_has(none, ":irc.local 001 nopass ");
	fake_line(srv, good, "PASS secret");
	fake_line(srv, good, "NICK goodpass");
	fake_line(srv, good, "USER u 0 * :R");
	assert_true(client_is_registered(good));
	fake_line(srv, bad, "PASS wrong");
	fake_line(srv, bad, "NICK badpass");
	/* A wrong PASS: it may not register, so the nick is not held. */
	assert_null(client_find_nick(srv, "badpass"));
	fake_line(srv, bad, "USER u 0 * :R");
	assert_false(client_is_registered(bad));
	assert_true(client_is_closing(bad));
	fake_expect(bad, ":irc.local 464 badpass :Password incorrect\r\n"
	    "ERROR :Closing Link: 127.0.0.1 (Bad password)\r\n");
	assert_int_equal(srv->nusers, 2);
}

/* The last PASS before registration counts. */
static void
test_register_pass_twice(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");

	fake_line(srv, cli, "PASS wrong");
	fake_line(srv, cli, "PASS secret");
	fake_line(srv, cli, "NICK bob");
	fake_line(srv, cli, "USER u 0 * :R");
	assert_true(client_is_registered(cli));
}

static void
test_register_462(void **state)
{
	struct server *srv = *state;
	struct client *bob = fake_registered(srv, "bob");
	struct client *cli = fake_client(srv, "127.0.0.1");

	fake_line(srv, bob, "PASS secret");
	fake_expect(bob, ":irc.local 462 bob :You may not reregister\r\n");
	fake_line(srv, bob, "USER x 0 * :Other");
	fake_expect(bob, ":irc.local 462 bob :You may not reregister\r\n");
	assert_string_equal(bob->user, "u");
	assert_string_equal(bob->realname, "Real Name");

	/* USER twice while CAP holds registration. */
	fake_line(srv, cli, "CAP LS 302");
	fake_line(srv, cli, "PASS secret");
	fake_line(srv, cli, "USER first 0 * :One");
	fake_drop_output(cli);
	fake_line(srv, cli, "USER second 0 * :Two");
	fake_expect(cli, ":irc.local 462 * :You may not reregister\r\n");
	fake_line(srv, cli, "NICK carol");
	fake_line(srv, cli, "CAP END");
	assert_true(client_is_registered(cli));
	assert_string_equal(cli->user, "first");
}

static void
test_register_461(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");

	fake_line(srv, cli, "USER u 0 *");
	fake_expect(cli, ":irc.local 461 * USER :Not enough parameters\r\n");
	fake_line(srv, cli, "USER");
	fake_expect(cli, ":irc.local 461 * USER :Not enough parameters\r\n");
	fake_line(srv, cli, "PASS");
	fake_expect(cli, ":irc.local 461 * PASS :Not enough parameters\r\n");
	/* An empty username or realname is a missing one. */
	fake_line(srv, cli, "USER u 0 * :");
	fake_expect(cli, ":irc.local 461 * USER :Not enough parameters\r\n");
	fake_line(srv, cli, "USER : 0 * :R");
	fake_expect(cli, ":irc.local 461 * USER :Not enough parameters\r\n");
	/* One with nothing a mask can carry is refused as invalid. */
	fake_line(srv, cli, "USER \xf0\x9f\x98\x8a\xf0\x9f\x98\x8a 0 * :R");
	fake_expect(cli, ":irc.local 468 * :Your username is not valid\r\n");
	fake_line(srv, cli, "USER *@! 0 * :R");
	fake_expect(cli, ":irc.local 468 * :Your username is not valid\r\n");
	fake_line(srv, cli, "PASS secret");
	fake_line(srv, cli, "NICK bob");
	assert_false(client_is_registered(cli));
	assert_false(cli->local->got_user);
	fake_line(srv, cli, "USER u 0 * :R");
	assert_true(client_is_registered(cli));
}

/* USERLEN=10; characters a mask cannot carry are dropped. */
static void
test_register_username_clean(void **state)
{
	static const struct { const char *sent, *kept; } cases[] = {
		{ "abcdefghijklmnop", "abcdefghij" },
		{ "a*b?c!d@e", "abcde" },
		{ "~ident", "~ident" },
		{ "x,y:z", "xyz" },
	};
	struct server *srv = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct client *cli = fake_client(srv, "127.0.0.1");
		char want[128];

		fake_line(srv, cli, "PASS secret");
		fake_line(srv, cli, "NICK bob");
		fake_linef(srv, cli, "USER %s 0 * :R", cases[i].sent);
		assert_string_equal(cli->user, cases[i].kept);
		snprintf(want, sizeof(want), ":irc.local 001 bob :Welcome to the "
		    "ircserv IRC Network bob!%s@127.0.0.1\r\n", cases[i].kept);
		assert_int_equal(fake_output_count(cli, want), 1);
		fake_line(srv, cli, "QUIT");
		fake_reap(srv);
	}
}

/* RFC 2812 3.1.3: mode bit 3 asks for +i, announced after the burst. */
static void
test_register_user_mode_bits(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");
	struct client *plain = fake_client(srv, "127.0.0.1");
	char *out;
	size_t n;

	fake_line(srv, cli, "PASS secret");
	fake_line(srv, cli, "NICK bob");
	fake_line(srv, cli, "USER u 8 * :R");
	out = fake_take_output(cli);
	n = strlen(out);
	assert_true(n > 40);
	assert_string_equal(out + n - strlen(":irc.local 376 bob :End of /MOTD command\r\n"
	    ":bob!u@127.0.0.1 MODE bob :+i\r\n"),
	    ":irc.local 376 bob :End of /MOTD command\r\n"
	    ":bob!u@127.0.0.1 MODE bob :+i\r\n");
	free(out);
	assert_int_equal(cli->umodes, UMODE_INVISIBLE);
	assert_int_equal(srv->ninvisible, 1);

	fake_line(srv, plain, "PASS secret");
	fake_line(srv, plain, "NICK carol");
	fake_line(srv, plain, "USER u 0 * :R");
	assert_int_equal(plain->umodes, 0);
	assert_false(fake_output_has(plain, " MODE carol"));

	/* Bit 2 asks for +w; 12 is both. */
	cli = fake_client(srv, "127.0.0.1");
	fake_line(srv, cli, "PASS secret");
	fake_line(srv, cli, "NICK dave");
	fake_line(srv, cli, "USER u 12 * :R");
	assert_int_equal(cli->umodes, UMODE_INVISIBLE | UMODE_WALLOPS);
	assert_int_equal(fake_output_count(cli, ":dave!u@127.0.0.1 MODE dave :+iw\r\n"), 1);
}

static void
test_nick_431(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");
	struct client *bob = fake_registered(srv, "bob");

	fake_line(srv, cli, "NICK");
	fake_expect(cli, ":irc.local 431 * :No nickname given\r\n");
	fake_line(srv, cli, "NICK :");
	fake_expect(cli, ":irc.local 431 * :No nickname given\r\n");
	fake_line(srv, bob, "NICK");
	fake_expect(bob, ":irc.local 431 bob :No nickname given\r\n");
	fake_line(srv, bob, "NICK :");
	fake_expect(bob, ":irc.local 431 bob :No nickname given\r\n");
	assert_string_equal(bob->nick, "bob");
}

static void
test_nick_432(void **state)
{
	static const char *const bad[] = {
		"1abc", "-abc", "a.b", "a!b", "a@b", "a*b", "a?b", "a,b", "#chan",
		"&chan", "$x", "abcdefghijabcdefghijabcdefghijk",
	};
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");
	struct client *bob = fake_registered(srv, "bob");
	char want[256];

	fake_line(srv, cli, "PASS " FAKE_PASSWORD);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_linef(srv, cli, "NICK %s", bad[i]);
		snprintf(want, sizeof(want), ":irc.local 432 * %s :Erroneous nickname\r\n",
		    bad[i]);
		fake_expect(cli, want);
		fake_linef(srv, bob, "NICK %s", bad[i]);
		snprintf(want, sizeof(want), ":irc.local 432 bob %s :Erroneous nickname\r\n",
		    bad[i]);
		fake_expect(bob, want);
	}
	assert_string_equal(cli->nick, "");
	assert_string_equal(bob->nick, "bob");
	/* NICKLEN=30 exactly is fine; specials may lead, digits and '-' follow. */
	fake_line(srv, cli, "NICK abcdefghijabcdefghijabcdefghij");
	fake_expect(cli, "");
	assert_string_equal(cli->nick, "abcdefghijabcdefghijabcdefghij");
	fake_line(srv, cli, "NICK [x]-9_`^{|}\\");
	fake_expect(cli, "");
	assert_string_equal(cli->nick, "[x]-9_`^{|}\\");
}

static void
test_nick_433(void **state)
{
	static const char *const pairs[][2] = {
		{ "bob", "bob" }, { "bob", "BOB" }, { "Nick[", "nick{" },
		{ "a]", "A}" }, { "x\\", "X|" }, { "A^", "a^" },
	};
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");

	fake_line(srv, cli, "PASS " FAKE_PASSWORD);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct client *owner = fake_registered(srv, pairs[i][0]);
		char want[128];

		fake_linef(srv, cli, "NICK %s", pairs[i][1]);
		snprintf(want, sizeof(want), ":irc.local 433 * %s :Nickname is already in use\r\n",
		    pairs[i][1]);
		fake_expect(cli, want);
		assert_string_equal(cli->nick, "");
		assert_ptr_equal(client_find_nick(srv, pairs[i][1]), owner);
		fake_line(srv, owner, "QUIT");
		fake_reap(srv);
	}
}

/*
 * rfc1459 casemapping folds '~' to '^', so "a~" can never be given to a
 * second user while "A^" is taken: RFC 2812's grammar refuses '~' (432),
 * modern.ircdocs allows it and then it is in use (433). Either is right.
 */
static void
test_nick_433_tilde(void **state)
{
	struct server *srv = *state;
	struct client *owner = fake_registered(srv, "A^");
	struct client *cli = fake_client(srv, "127.0.0.1");
	char *out;

	fake_line(srv, cli, "PASS " FAKE_PASSWORD);
	fake_line(srv, cli, "NICK a~");
	out = fake_take_output(cli);
	if (strcmp(out, ":irc.local 433 * a~ :Nickname is already in use\r\n") != 0)
		assert_string_equal(out, ":irc.local 432 * a~ :Erroneous nickname\r\n");
	free(out);
	assert_string_equal(cli->nick, "");
	assert_ptr_equal(client_find_nick(srv, "a~"), owner);
}

/* A registered user trying a taken nick keeps its own. */
static void
test_nick_433_registered(void **state)
{
	struct server *srv = *state;
	struct client *alice = fake_registered(srv, "alice");
	struct client *bob = fake_registered(srv, "bob");

	fake_line(srv, bob, "NICK ALICE");
	fake_expect(bob, ":irc.local 433 bob ALICE :Nickname is already in use\r\n");
	fake_expect(alice, "");
	assert_string_equal(bob->nick, "bob");
	assert_ptr_equal(client_find_nick(srv, "alice"), alice);
}

/*
 * With a connection password, a NICK before the right PASS holds nothing:
 * it is remembered (and used as the target of numerics) and taken when
 * the right PASS comes; a wrong PASS leaves it waiting.
 */
static void
test_nick_before_pass_not_held(void **state)
{
	struct server *srv = *state;
	struct client *squat = fake_client(srv, "10.0.0.9");
	struct client *real;

	fake_line(srv, squat, "NICK victim");
	fake_line(srv, squat, "PASS wrong");
	fake_expect(squat, "");
	assert_string_equal(squat->nick, "");
	assert_null(client_find_nick(srv, "victim"));
	/* The real user registers under it without a 433. */
	real = fake_registered(srv, "victim");
	assert_ptr_equal(client_find_nick(srv, "victim"), real);
	/* A NICK without PASS finds the nick taken only once it may register. */
	fake_line(srv, squat, "NICK other");
	assert_null(client_find_nick(srv, "other"));
	fake_line(srv, squat, "PASS " FAKE_PASSWORD);
	assert_ptr_equal(client_find_nick(srv, "other"), squat);
	fake_expect(squat, "");
	fake_line(srv, squat, "USER u 0 * :R");
	assert_true(client_is_registered(squat));
	fake_expect_has(squat, ":irc.local 001 other ");
}

/* The nick remembered before PASS is checked when PASS comes: 433 then. */
static void
test_nick_before_pass_in_use(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");

	fake_line(srv, cli, "NICK taken");
	fake_expect(cli, "");
	fake_registered(srv, "taken");
	fake_line(srv, cli, "PASS " FAKE_PASSWORD);
	fake_expect(cli, ":irc.local 433 * taken :Nickname is already in use\r\n");
	assert_string_equal(cli->nick, "");
	fake_line(srv, cli, "NICK free");
	fake_line(srv, cli, "USER u 0 * :R");
	assert_true(client_is_registered(cli));
	fake_expect_has(cli, ":irc.local 001 free ");
	/* Bad nicks are refused at once, PASS or not. */
	cli = fake_client(srv, "127.0.0.1");
	fake_line(srv, cli, "NICK 1bad");
	fake_expect(cli, ":irc.local 432 * 1bad :Erroneous nickname\r\n");
}

/* A nick waiting for PASS when a reload drops require_password is taken then. */
static void
test_nick_waiting_when_password_dropped(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");

	fake_line(srv, cli, "CAP LS 302");
	fake_line(srv, cli, "NICK waiting");
	fake_line(srv, cli, "USER u 0 * :R");
	fake_drop_output(cli);
	srv->cfg.require_password = false;
	fake_line(srv, cli, "CAP END");
	assert_true(client_is_registered(cli));
	assert_ptr_equal(client_find_nick(srv, "waiting"), cli);
	fake_expect_has(cli, ":irc.local 001 waiting ");
}

/* Clients that send PASS after CAP LS, NICK and USER still register. */
static void
test_nick_before_pass_during_cap(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");

	fake_line(srv, cli, "CAP LS 302");
	fake_line(srv, cli, "NICK late");
	fake_line(srv, cli, "USER u 0 * :R");
	fake_drop_output(cli);
	assert_null(client_find_nick(srv, "late"));
	fake_line(srv, cli, "PASS " FAKE_PASSWORD);
	assert_ptr_equal(client_find_nick(srv, "late"), cli);
	fake_expect(cli, "");
	fake_line(srv, cli, "CAP END");
	assert_true(client_is_registered(cli));
	fake_expect_has(cli, ":irc.local 001 late ");
	/* Without the password, CAP END ends it: 464 to the remembered nick. */
	cli = fake_client(srv, "127.0.0.1");
	fake_line(srv, cli, "CAP LS 302");
	fake_line(srv, cli, "NICK nopass");
	fake_line(srv, cli, "USER u 0 * :R");
	fake_drop_output(cli);
	fake_line(srv, cli, "CAP END");
	fake_expect_has(cli, ":irc.local 464 nopass :Password incorrect\r\n");
	assert_true(client_is_closing(cli));
}

static void
test_nick_change_before_registration(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");
	struct client *other = fake_client(srv, "127.0.0.1");

	fake_line(srv, cli, "PASS secret");
	fake_line(srv, other, "PASS secret");
	fake_line(srv, cli, "NICK first");
	assert_ptr_equal(client_find_nick(srv, "first"), cli);
	/* An unregistered client with the password holds its nick (RFC 2812 3.1.2). */
	fake_line(srv, other, "NICK FIRST");
	fake_expect(other, ":irc.local 433 * FIRST :Nickname is already in use\r\n");
	fake_line(srv, cli, "NICK second");
	fake_expect(cli, "");
	assert_null(client_find_nick(srv, "first"));
	assert_ptr_equal(client_find_nick(srv, "second"), cli);
	fake_line(srv, other, "NICK first");
	fake_expect(other, "");
	assert_ptr_equal(client_find_nick(srv, "first"), other);
	fake_line(srv, cli, "USER u 0 * :R");
	assert_true(client_is_registered(cli));
	assert_true(fake_output_has(cli,
	    ":irc.local 001 second :Welcome to the ircserv IRC Network second!u@127.0.0.1\r\n"));
}

static void
test_nick_change_registered(void **state)
{
	struct server *srv = *state;
	struct client *bob = fake_joined(srv, "bob", "#a");
	struct client *alice = fake_joined(srv, "alice", "#a");
	struct client *loner = fake_joined(srv, "loner", "#other");
	struct client *fresh;

	fake_line(srv, bob, "JOIN #b");
	fake_line(srv, alice, "JOIN #b");
	fake_drop_all(srv);
	fake_line(srv, bob, "NICK robert");
	fake_expect(bob, ":bob!u@127.0.0.1 NICK :robert\r\n");
	/* Two shared channels, one line (RFC 2812 3.1.2). */
	fake_expect(alice, ":bob!u@127.0.0.1 NICK :robert\r\n");
	fake_expect(loner, "");
	assert_string_equal(bob->nick, "robert");
	assert_ptr_equal(client_find_nick(srv, "ROBERT"), bob);
	assert_null(client_find_nick(srv, "bob"));
	/* The old nick is free again. */
	fresh = fake_registered(srv, "bob");
	assert_ptr_equal(client_find_nick(srv, "bob"), fresh);
	/* Same nick again: nothing happens. */
	fake_line(srv, bob, "NICK robert");
	fake_expect(bob, "");
	fake_expect(alice, "");
}

static void
test_nick_change_case_only(void **state)
{
	struct server *srv = *state;
	struct client *bob = fake_joined(srv, "bob", "#a");
	struct client *alice = fake_joined(srv, "alice", "#a");

	fake_line(srv, bob, "NICK Bob");
	fake_expect(bob, ":bob!u@127.0.0.1 NICK :Bob\r\n");
	fake_expect(alice, ":bob!u@127.0.0.1 NICK :Bob\r\n");
	assert_string_equal(bob->nick, "Bob");
	assert_ptr_equal(client_find_nick(srv, "bob"), bob);
	fake_line(srv, alice, "PRIVMSG bob :hi");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG Bob :hi\r\n");
}

static void
test_ping(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");
	struct client *bob = fake_registered(srv, "bob");

	fake_line(srv, cli, "PING :12345");
	fake_expect(cli, ":irc.local PONG irc.local :12345\r\n");
	fake_line(srv, cli, "PING");
	fake_expect(cli, ":irc.local 409 * :No origin specified\r\n");
	fake_line(srv, bob, "PING irc.local");
	fake_expect(bob, ":irc.local PONG irc.local :irc.local\r\n");
	fake_line(srv, bob, "PING :LAG 1700000000 123");
	fake_expect(bob, ":irc.local PONG irc.local :LAG 1700000000 123\r\n");
	fake_line(srv, bob, "PING");
	fake_expect(bob, ":irc.local 409 bob :No origin specified\r\n");
	fake_line(srv, bob, "PING :");
	fake_expect(bob, ":irc.local 409 bob :No origin specified\r\n");
	/* PONG is silent. */
	fake_line(srv, bob, "PONG :irc.local");
	fake_line(srv, cli, "PONG :irc.local");
	fake_expect(bob, "");
	fake_expect(cli, "");
}

/* bob quits; alice shares two channels with it and must see one QUIT. */
static void
quit_check(struct server *srv, const char *line, const char *reason)
{
	struct client *bob = fake_joined(srv, "bob", "#a");
	struct client *alice = fake_joined(srv, "alice", "#a");
	struct client *carol = fake_joined(srv, "carol", "#b");
	struct client *loner = fake_joined(srv, "loner", "#z");
	char want[256];

	fake_line(srv, bob, "JOIN #b");
	fake_line(srv, alice, "JOIN #b");
	fake_drop_all(srv);
	fake_line(srv, bob, line);
	assert_true(client_is_closing(bob));
	snprintf(want, sizeof(want), "ERROR :Closing Link: 127.0.0.1 (%s)\r\n", reason);
	fake_expect(bob, want);
	/* Peers hear of it when the client is reaped, not before. */
	fake_expect(alice, "");
	fake_reap(srv);
	snprintf(want, sizeof(want), ":bob!u@127.0.0.1 QUIT :%s\r\n", reason);
	fake_expect(alice, want);
	fake_expect(carol, want);
	fake_expect(loner, "");
	assert_null(client_find_nick(srv, "bob"));
	assert_int_equal(channel_find(srv, "#a")->nmembers, 1);
	assert_int_equal(channel_find(srv, "#b")->nmembers, 2);
	assert_int_equal(srv->nusers, 3);
}

static void
test_quit_reason(void **state)
{
	quit_check(*state, "QUIT :gone to lunch", "Quit: gone to lunch");
}

static void
test_quit_no_reason(void **state)
{
	quit_check(*state, "QUIT", "Quit");
}

static void
test_quit_empty_reason(void **state)
{
	quit_check(*state, "QUIT :", "Quit");
}

static void
test_quit_unregistered(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "10.1.2.3");

	fake_line(srv, cli, "NICK bob");
	fake_line(srv, cli, "QUIT :bye");
	fake_expect(cli, "ERROR :Closing Link: 10.1.2.3 (Quit: bye)\r\n");
	fake_reap(srv);
	assert_int_equal(srv->nclients, 0);
	assert_null(client_find_nick(srv, "bob"));
}

static void
test_not_registered_451(void **state)
{
	static const char *const lines[] = {
		"JOIN :", "JOIN #chan", "PRIVMSG bob :hi", "MODE bob +i", "WHOIS bob",
		"join #x", "AWAY :x", "NOTICE bob :x", "TOPIC #x",
	};
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		fake_line(srv, cli, lines[i]);
		fake_expect(cli, ":irc.local 451 * :You have not registered\r\n");
	}
	fake_line(srv, cli, "NICK bob");
	fake_line(srv, cli, "JOIN #chan");
	fake_expect(cli, ":irc.local 451 bob :You have not registered\r\n");
	assert_null(channel_find(srv, "#chan"));
}

static void
test_unknown_421(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");
	struct client *bob = fake_registered(srv, "bob");

	fake_line(srv, cli, "FOO bar");
	fake_expect(cli, ":irc.local 421 * FOO :Unknown command\r\n");
	fake_line(srv, bob, "FOO bar");
	fake_expect(bob, ":irc.local 421 bob FOO :Unknown command\r\n");
	/* Commands are matched exactly, case-insensitively. */
	fake_line(srv, bob, "privmsgx bob :x");
	fake_expect(bob, ":irc.local 421 bob PRIVMSGX :Unknown command\r\n");
	fake_line(srv, bob, "PRIV bob :x");
	fake_expect(bob, ":irc.local 421 bob PRIV :Unknown command\r\n");
	/* A source prefix from a client is ignored, not taken as the command. */
	fake_line(srv, bob, ":bob PING x");
	fake_expect(bob, ":irc.local PONG irc.local :x\r\n");
}

static void
test_lowercase_commands(void **state)
{
	struct server *srv = *state;
	struct client *bob = fake_registered(srv, "bob");
	struct client *alice = fake_registered(srv, "alice");

	fake_line(srv, alice, "privmsg bob :hi");
	fake_expect(bob, ":alice!u@127.0.0.1 PRIVMSG bob :hi\r\n");
	fake_line(srv, alice, "Ping :x");
	fake_expect(alice, ":irc.local PONG irc.local :x\r\n");
	fake_line(srv, alice, "cap LS");
	fake_expect(alice, ":irc.local CAP alice LS :" CAP_ALL "\r\n");
}

static void
test_cap_ls(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");
	struct client *v3 = fake_client(srv, "127.0.0.1");

	fake_line(srv, cli, "CAP LS");
	/* One line, no "*" continuation marker. */
	fake_expect(cli, ":irc.local CAP * LS :" CAP_ALL "\r\n");
	assert_int_equal(client_caps(cli), 0);
	assert_true(cli->local->cap_negotiating);
	fake_line(srv, v3, "CAP LS 302");
	fake_expect(v3, ":irc.local CAP * LS :" CAP_ALL_302 "\r\n");
	/* ircv3.net cap-notify: implicitly enabled by CAP LS 302. */
	assert_true(client_caps(v3) & CAP_CAP_NOTIFY);
	assert_int_equal(v3->local->cap_version, 302);
	fake_line(srv, v3, "CAP LIST");
	fake_expect(v3, ":irc.local CAP * LIST :cap-notify\r\n");
	/* ircv3.net cap-notify: with 302 it cannot be turned off. */
	fake_line(srv, v3, "CAP REQ :-cap-notify");
	fake_expect(v3, ":irc.local CAP * NAK :-cap-notify\r\n");
	assert_true(client_caps(v3) & CAP_CAP_NOTIFY);
}

/*
 * A list that does not fit one line is split only where it must: with a
 * 63-byte server name, a 30-byte nick and sasl offered, the 302 list takes
 * two lines, the first marked "*", none over 512 bytes, every name whole.
 */
static void
test_cap_ls_split(void **state)
{
	struct server *srv = *state;
	struct client *v3;
	char name[IRC_HOSTLEN + 1], nick[IRC_NICKLEN + 1], *out, *second;

	memset(nick, 'n', sizeof(nick) - 1);
	nick[sizeof(nick) - 1] = '\0';
	v3 = fake_registered(srv, nick);
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	name[10] = '.';
	assert_int_equal(config_set_string(&srv->cfg.server_name, name), 0);
	srv->cfg.accounts = calloc(1, sizeof(*srv->cfg.accounts));
	assert_non_null(srv->cfg.accounts);
	srv->cfg.naccounts = 1;
	assert_int_equal(config_set_string(&srv->cfg.accounts[0].name, "acct"), 0);
	assert_int_equal(config_set_string(&srv->cfg.accounts[0].hash, "x"), 0);
	fake_line(srv, v3, "CAP LS 302");
	out = fake_take_output(v3);
	assert_non_null(strstr(out, " LS * :account-notify "));
	second = strstr(out, "\r\n") + 2;
	assert_true((size_t)(second - out) <= IRC_LINE_MAX);
	assert_non_null(strstr(second, " LS :"));
	assert_true(strlen(second) <= IRC_LINE_MAX);
	assert_null(strstr(strstr(second, " LS :"), "\r\n:"));
	assert_non_null(strstr(out, " userhost-in-names\r\n"));
	assert_non_null(strstr(out, "max-value-bytes=300"));
	free(out);
}

static void
test_cap_req(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");

	fake_line(srv, cli, "CAP LS 302");
	fake_drop_output(cli);
	fake_line(srv, cli, "CAP REQ :echo-message");
	fake_expect(cli, ":irc.local CAP * ACK :echo-message\r\n");
	assert_int_equal(client_caps(cli), CAP_CAP_NOTIFY | CAP_ECHO_MESSAGE);
	fake_line(srv, cli, "CAP REQ multi-prefix");
	fake_expect(cli, ":irc.local CAP * ACK :multi-prefix\r\n");
	fake_line(srv, cli, "CAP LIST");
	fake_expect(cli, ":irc.local CAP * LIST :cap-notify echo-message multi-prefix\r\n");
	/* Removal with '-'. */
	fake_line(srv, cli, "CAP REQ :-echo-message");
	fake_expect(cli, ":irc.local CAP * ACK :-echo-message\r\n");
	assert_int_equal(client_caps(cli), CAP_CAP_NOTIFY | CAP_MULTI_PREFIX);
	fake_line(srv, cli, "CAP LIST");
	fake_expect(cli, ":irc.local CAP * LIST :cap-notify multi-prefix\r\n");
	/* Add and remove in one request. */
	fake_line(srv, cli, "CAP REQ :away-notify -multi-prefix");
	fake_expect(cli, ":irc.local CAP * ACK :away-notify -multi-prefix\r\n");
	assert_int_equal(client_caps(cli), CAP_CAP_NOTIFY | CAP_AWAY_NOTIFY);
}

/* ircv3.net: any unknown name NAKs the whole request; nothing changes. */
static void
test_cap_req_nak(void **state)
{
	static const char *const reqs[] = {
		"foo", "multi-prefix foo", "foo multi-prefix",
		"multi-prefix -foo", "MULTI-PREFIX", "echo-message=1",
	};
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");
	char want[256];

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		fake_linef(srv, cli, "CAP REQ :%s", reqs[i]);
		snprintf(want, sizeof(want), ":irc.local CAP * NAK :%s\r\n", reqs[i]);
		fake_expect(cli, want);
		assert_int_equal(client_caps(cli), 0);
	}
	fake_line(srv, cli, "CAP LIST");
	fake_expect(cli, ":irc.local CAP * LIST :\r\n");
}

static void
test_cap_after_registration(void **state)
{
	struct server *srv = *state;
	struct client *bob = fake_registered(srv, "bob");

	fake_line(srv, bob, "CAP LS 302");
	fake_expect(bob, ":irc.local CAP bob LS :" CAP_ALL_302 "\r\n");
	assert_false(bob->local->cap_negotiating);
	fake_line(srv, bob, "CAP REQ :multi-prefix");
	fake_expect(bob, ":irc.local CAP bob ACK :multi-prefix\r\n");
	assert_true(client_caps(bob) & CAP_MULTI_PREFIX);
	fake_line(srv, bob, "CAP LIST");
	fake_expect(bob, ":irc.local CAP bob LIST :cap-notify multi-prefix\r\n");
	fake_line(srv, bob, "CAP END");
	fake_expect(bob, "");
	assert_true(client_is_registered(bob));
}

static void
test_cap_errors(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_client(srv, "127.0.0.1");
	struct client *bob = fake_registered(srv, "bob");

	fake_line(srv, cli, "CAP FOO");
	fake_expect(cli, ":irc.local 410 * FOO :Invalid CAP command\r\n");
	fake_line(srv, bob, "CAP FOO");
	fake_expect(bob, ":irc.local 410 bob FOO :Invalid CAP command\r\n");
	fake_line(srv, cli, "CAP");
	fake_expect(cli, ":irc.local 461 * CAP :Not enough parameters\r\n");
	fake_line(srv, bob, "CAP");
	fake_expect(bob, ":irc.local 461 bob CAP :Not enough parameters\r\n");
}

/* 600 bytes, over RFC 1459's 512: 417, and nothing is relayed. */
static void
test_line_too_long(void **state)
{
	struct server *srv = *state;
	struct client *bob = fake_registered(srv, "bob");
	struct client *alice = fake_registered(srv, "alice");
	struct client *cli = fake_client(srv, "127.0.0.1");
	char line[700];

	memset(line, 'a', sizeof(line));
	memcpy(line, "PRIVMSG bob :", 13);
	line[600] = '\0';
	fake_line(srv, alice, line);
	fake_expect(alice, ":irc.local 417 alice :Input line was too long\r\n");
	fake_expect(bob, "");
	fake_line(srv, cli, line);
	fake_expect(cli, ":irc.local 417 * :Input line was too long\r\n");
	/* 510 bytes (512 with CR LF) is the longest accepted. */
	line[510] = '\0';
	fake_line(srv, alice, line);
	fake_expect(alice, "");
	assert_int_equal(fake_output_count(bob, ":alice!u@127.0.0.1 PRIVMSG bob :aaa"), 1);
	fake_drop_output(bob);
	line[510] = 'a';
	line[511] = '\0';
	fake_line(srv, alice, line);
	fake_expect(alice, ":irc.local 417 alice :Input line was too long\r\n");
	fake_expect(bob, "");
}

/* IRCv3 message-tags: 4096 bytes of tags ('@' and space included) apart. */
static void
test_tags_limit(void **state)
{
	struct server *srv = *state;
	struct client *bob = fake_registered(srv, "bob");
	static char line[8192];

	/* "@" + 3998 + " " = 4000 bytes of tags, then a short command. */
	line[0] = '@';
	memset(line + 1, 'a', 3998);
	strcpy(line + 3999, " PING :tagged");
	fake_line(srv, bob, line);
	fake_expect(bob, ":irc.local PONG irc.local :tagged\r\n");
	/* Exactly 4096. */
	memset(line + 1, 'a', 4094);
	strcpy(line + 4095, " PING :edge");
	fake_line(srv, bob, line);
	fake_expect(bob, ":irc.local PONG irc.local :edge\r\n");
	/* 4097. */
	memset(line + 1, 'a', 4095);
	strcpy(line + 4096, " PING :over");
	fake_line(srv, bob, line);
	fake_expect(bob, ":irc.local 417 bob :Input line was too long\r\n");
	/* 5000 bytes of tags and no space at all. */
	memset(line + 1, 'a', 4999);
	line[5000] = '\0';
	fake_line(srv, bob, line);
	fake_expect(bob, ":irc.local 417 bob :Input line was too long\r\n");
	/* Short tags do not lend their room to an over-long body. */
	memset(line, 'a', sizeof(line));
	memcpy(line, "@a=b PING :", 11);
	line[5 + 511] = '\0';
	fake_line(srv, bob, line);
	fake_expect(bob, ":irc.local 417 bob :Input line was too long\r\n");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
	const struct CMUnitTest tests[] = {
		T(test_burst_pass_nick_user),
		T(test_burst_isupport_tokens),
		T(test_burst_lusers_counts),
		T(test_register_orders),
		T(test_register_cap_negotiation),
		T(test_register_cap_req_end_back_to_back),
		T(test_register_cap_end_first),
		T(test_register_bad_password),
		T(test_register_password_optional),
		T(test_register_pass_twice),
		T(test_register_462),
		T(test_register_461),
		T(test_register_username_clean),
		T(test_register_user_mode_bits),
		T(test_nick_431),
		T(test_nick_432),
		T(test_nick_433),
		T(test_nick_433_tilde),
		T(test_nick_433_registered),
		T(test_nick_before_pass_not_held),
		T(test_nick_before_pass_in_use),
		T(test_nick_before_pass_during_cap),
		T(test_nick_waiting_when_password_dropped),
		T(test_nick_change_before_registration),
		T(test_nick_change_registered),
		T(test_nick_change_case_only),
		T(test_ping),
		T(test_quit_reason),
		T(test_quit_no_reason),
		T(test_quit_empty_reason),
		T(test_quit_unregistered),
		T(test_not_registered_451),
		T(test_unknown_421),
		T(test_lowercase_commands),
		T(test_cap_ls),
		T(test_cap_ls_split),
		T(test_cap_req),
		T(test_cap_req_nak),
		T(test_cap_after_registration),
		T(test_cap_errors),
		T(test_line_too_long),
		T(test_tags_limit),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
