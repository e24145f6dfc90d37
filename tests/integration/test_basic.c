/*
 * Integration tests of connection handling against a running ircserv:
 * registration in the orders real clients use, passwords, framing (split,
 * LF-only, bare CR, empty and over-long lines), the welcome burst, nick
 * rules, QUIT fan-out, command-line errors and shutdown on signals.
 */
#include "itest.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SRV ITEST_SERVER_NAME
/* Send a string literal as it is, without its NUL. */
#define SEND_LIT(c, lit) itest_send_raw((c), (lit), sizeof(lit) - 1)

/* A string of n copies of ch (caller frees). */
static char *
repeat(char ch, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, ch, n);
	s[n] = '\0';
	return s;
}

static bool
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++) {
		size_t i = 0;

		while (i < n && hay[i] &&
		    tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return true;
	}
	return false;
}

/* Send s one piece at a time, pausing between pieces. */
static void
send_pieces(struct itest_client *c, const char *const *pieces, int pause_ms)
{
	for (; *pieces; pieces++) {
		itest_send_raw(c, *pieces, strlen(*pieces));
		itest_sleep_ms(pause_ms);
	}
}

static void
finish_burst(struct itest_client *c)
{
	itest_skip_to(c, ":" SRV " 376 %s :End of /MOTD command", c->nick);
	itest_expect_quiet(c);
}

static void
test_register_pass_nick_user(void **state)
{
	struct itest_client *c = itest_connect(*state);

	itest_send(c, "PASS %s", ITEST_PASSWORD);
	itest_send(c, "NICK reg1");
	itest_send(c, "USER reg1 0 * :Real Name");
	snprintf(c->nick, sizeof(c->nick), "reg1");
	itest_expect_next(c, ":" SRV " 001 reg1 :Welcome to the ircserv IRC Network "
	    "reg1!reg1@127.0.0.1");
	finish_burst(c);
	itest_close(c);
}

/* irssi and weechat: CAP LS 302, PASS, NICK, USER, CAP REQ, CAP END. */
static void
test_register_cap_negotiation(void **state)
{
	struct itest_client *c = itest_connect(*state);

	itest_send(c, "CAP LS 302");
	itest_send(c, "PASS %s", ITEST_PASSWORD);
	itest_send(c, "NICK cap1");
	itest_send(c, "USER cap1 0 * :Cap User");
	itest_expect_next(c, ":" SRV " CAP * LS :*multi-prefix*");
	/* Negotiation holds registration back: no 001 before CAP END. */
	itest_expect_quiet(c);
	itest_send(c, "CAP REQ :multi-prefix");
	itest_expect_next(c, ":" SRV " CAP cap1 ACK :multi-prefix");
	itest_send(c, "CAP END");
	snprintf(c->nick, sizeof(c->nick), "cap1");
	itest_expect_next(c, ":" SRV " 001 cap1 :Welcome*");
	finish_burst(c);
	itest_close(c);
}

static void
test_register_nick_pass_user(void **state)
{
	struct itest_client *c = itest_connect(*state);

	itest_send(c, "NICK order1");
	itest_send(c, "PASS %s", ITEST_PASSWORD);
	itest_expect_quiet(c);
	itest_send(c, "USER order1 0 * :Order");
	snprintf(c->nick, sizeof(c->nick), "order1");
	itest_expect_next(c, ":" SRV " 001 order1 :Welcome*");
	finish_burst(c);
	itest_close(c);
}

/* PASS must come before NICK and USER complete registration. */
static void
test_register_pass_too_late(void **state)
{
	struct itest_client *c = itest_connect(*state);

	itest_send(c, "NICK late1");
	itest_send(c, "USER late1 0 * :Late");
	itest_send(c, "PASS %s", ITEST_PASSWORD);
	itest_expect_next(c, ":" SRV " 464 late1 :Password incorrect");
	itest_expect_next(c, "ERROR :Closing Link: 127.0.0.1 (Bad password)");
	itest_expect_closed(c);
	assert_int_equal(c->nlines, 0);
	itest_close(c);
}

static void
test_wrong_password(void **state)
{
	struct itest_client *c = itest_connect(*state);

	itest_send(c, "PASS not-the-password");
	itest_send(c, "NICK wrongpw");
	itest_send(c, "USER wrongpw 0 * :Wrong");
	itest_expect_next(c, ":" SRV " 464 wrongpw :Password incorrect");
	itest_expect_next(c, "ERROR :*");
	itest_expect_closed(c);
	assert_int_equal(c->nlines, 0);
	itest_close(c);
}

static void
test_missing_password(void **state)
{
	struct itest_client *c = itest_connect(*state);

	itest_send(c, "NICK nopw");
	itest_send(c, "USER nopw 0 * :No Password");
	itest_expect_next(c, ":" SRV " 464 nopw :Password incorrect");
	itest_expect_next(c, "ERROR :*");
	itest_expect_closed(c);
	itest_close(c);
}

static void
test_register_fragments(void **state)
{
	static const char *const pieces[] = {
		"PAS", "S " ITEST_PASSWORD "\r", "\nNI", "CK fr", "ag1\r\nUSER frag1 0 ",
		"* :Frag", "ments\r", "\n", NULL,
	};
	struct itest_client *c = itest_connect(*state);

	snprintf(c->nick, sizeof(c->nick), "frag1");
	send_pieces(c, pieces, 40);
	itest_expect_next(c, ":" SRV " 001 frag1 :Welcome*frag1!frag1@127.0.0.1");
	finish_burst(c);
	itest_close(c);
}

static void
test_register_byte_at_a_time(void **state)
{
	static const char reg[] = "PASS " ITEST_PASSWORD "\r\nNICK byte1\r\n"
	    "USER byte1 0 * :One Byte\r\n";
	struct itest_client *c = itest_connect(*state);

	snprintf(c->nick, sizeof(c->nick), "byte1");
	for (size_t i = 0; i < sizeof(reg) - 1; i++) {
		itest_send_raw(c, reg + i, 1);
		itest_sleep_ms(2);
	}
	itest_expect_next(c, ":" SRV " 001 byte1 :Welcome*");
	finish_burst(c);
	itest_close(c);
}

static void
test_lf_only_lines(void **state)
{
	static const char reg[] = "PASS " ITEST_PASSWORD "\nNICK lf1\nUSER lf1 0 * :LF\n";
	struct itest_client *c = itest_connect(*state);

	snprintf(c->nick, sizeof(c->nick), "lf1");
	itest_send_raw(c, reg, sizeof(reg) - 1);
	itest_expect_next(c, ":" SRV " 001 lf1 :Welcome*");
	finish_burst(c);
	SEND_LIT(c, "PING :lf-only\n");
	itest_expect_next(c, ":" SRV " PONG " SRV " :lf-only");
	itest_close(c);
}

static void
test_bare_cr_lines(void **state)
{
	static const char reg[] = "PASS " ITEST_PASSWORD "\rNICK cr1\rUSER cr1 0 * :CR\r";
	struct itest_client *c = itest_connect(*state);

	snprintf(c->nick, sizeof(c->nick), "cr1");
	itest_send_raw(c, reg, sizeof(reg) - 1);
	itest_expect_next(c, ":" SRV " 001 cr1 :Welcome*");
	finish_burst(c);
	SEND_LIT(c, "PING :bare-cr\r");
	itest_expect_next(c, ":" SRV " PONG " SRV " :bare-cr");
	itest_close(c);
}

static void
test_empty_lines_ignored(void **state)
{
	static const char reg[] = "\r\n\r\nPASS " ITEST_PASSWORD "\r\n\n\nNICK empty1\r\r"
	    "\r\nUSER empty1 0 * :Empty\r\n\r\n";
	struct itest_client *c = itest_connect(*state);

	SEND_LIT(c, "\r\n\r\n\n\r\r\n");
	/* Not even a 421: the PONG is the only answer. */
	itest_expect_quiet(c);
	snprintf(c->nick, sizeof(c->nick), "empty1");
	itest_send_raw(c, reg, sizeof(reg) - 1);
	itest_expect_next(c, ":" SRV " 001 empty1 :Welcome*");
	finish_burst(c);
	itest_close(c);
}

static void
test_ping_before_registration(void **state)
{
	struct itest_client *c = itest_connect(*state);

	itest_send(c, "PING :early-bird");
	itest_expect_next(c, ":" SRV " PONG " SRV " :early-bird");
	itest_send(c, "PING");
	itest_expect_next(c, ":" SRV " 409 * :No origin specified");
	itest_close(c);
}

static void
test_not_registered_451(void **state)
{
	struct itest_client *c = itest_connect(*state);

	/* irssi sends exactly this while registering. */
	itest_send(c, "JOIN :");
	itest_expect_next(c, ":" SRV " 451 * :You have not registered");
	itest_send(c, "PRIVMSG someone :hello");
	itest_expect_next(c, ":" SRV " 451 * :You have not registered");
	itest_send(c, "NICK early451");
	itest_send(c, "MODE early451 +i");
	itest_expect_next(c, ":" SRV " 451 early451 :You have not registered");
	itest_expect_quiet(c);
	itest_close(c);
}

static void
test_unknown_command_421(void **state)
{
	struct itest_client *c = itest_user(*state, "u421");

	itest_send(c, "FOOBAR with params");
	itest_expect_next(c, ":" SRV " 421 u421 FOOBAR :Unknown command");
	itest_send(c, "frobnicate");
	itest_expect_next(c, ":" SRV " 421 u421 FROBNICATE :Unknown command");
	itest_close(c);
}

/* Cut the next space-separated word off *p; NULL when none is left. */
static char *
next_word(char **p)
{
	char *w = *p, *sp;

	while (*w == ' ')
		w++;
	if (*w == '\0')
		return NULL;
	if ((sp = strchr(w, ' ')) != NULL) {
		*sp = '\0';
		*p = sp + 1;
	} else {
		*p = w + strlen(w);
	}
	return w;
}

/* Check one 005 line: its tokens go into tokens (space separated). */
static void
collect_isupport(const char *line, const char *nick, char *tokens, size_t tsz)
{
	char head[64], body[600], *tail, *tok, *rest = body;
	int count = 0;

	snprintf(head, sizeof(head), ":" SRV " 005 %s ", nick);
	assert_true(strncmp(line, head, strlen(head)) == 0);
	snprintf(body, sizeof(body), "%s", line + strlen(head));
	tail = strstr(body, " :are supported by this server");
	assert_non_null(tail);
	assert_string_equal(tail, " :are supported by this server");
	*tail = '\0';
	while ((tok = next_word(&rest)) != NULL) {
		count++;
		strncat(tokens, " ", tsz - strlen(tokens) - 1);
		strncat(tokens, tok, tsz - strlen(tokens) - 1);
	}
	/* modern.ircdocs.horse: at most 13 tokens per line. */
	assert_in_range(count, 1, 13);
}

static void
assert_token(const char *tokens, const char *pattern)
{
	char copy[4096], *tok, *rest = copy;

	snprintf(copy, sizeof(copy), "%s", tokens);
	while ((tok = next_word(&rest)) != NULL)
		if (itest_match(pattern, tok))
			return;
	fail_msg("no ISUPPORT token matches \"%s\" in:%s", pattern, tokens);
}

static void
test_welcome_burst(void **state)
{
	struct itest_client *holder = itest_user(*state, "wbhold");
	struct itest_client *idle = itest_connect(*state);
	struct itest_client *c = itest_connect(*state);
	char tokens[4096] = "";
	const char *l;

	/* A channel and an unregistered connection make 253 and 254 due. */
	itest_join(holder, "#wb-chan");
	itest_send(idle, "PING :idle");
	itest_expect_next(idle, ":" SRV " PONG " SRV " :idle");
	snprintf(c->nick, sizeof(c->nick), "wb2");
	itest_send(c, "PASS %s", ITEST_PASSWORD);
	itest_send(c, "NICK wb2");
	itest_send(c, "USER wb2 0 * :Welcome Burst");
	itest_expect_next(c, ":" SRV " 001 wb2 :Welcome to the ircserv IRC Network "
	    "wb2!wb2@127.0.0.1");
	itest_expect_next(c, ":" SRV " 002 wb2 :Your host is " SRV ", running version *");
	itest_expect_next(c, ":" SRV " 003 wb2 :This server was created *");
	itest_expect_next(c, ":" SRV " 004 wb2 " SRV " ircserv-* *i*o* *i*k*l*n*o*t* *");
	l = itest_expect_next(c, ":" SRV " 005 wb2 *");
	do {
		collect_isupport(l, "wb2", tokens, sizeof(tokens));
		l = itest_next(c);
	} while (itest_match(":" SRV " 005 *", l));
	assert_token(tokens, "CASEMAPPING=rfc1459");
	assert_token(tokens, "CHANTYPES=*#*");
	assert_token(tokens, "PREFIX=(ov)@+");
	assert_token(tokens, "CHANMODES=*,*k*,*l*,*i*");
	assert_token(tokens, "NICKLEN=30");
	assert_token(tokens, "CHANNELLEN=50");
	assert_token(tokens, "TOPICLEN=390");
	assert_token(tokens, "KICKLEN=390");
	assert_token(tokens, "MODES=?*");
	assert_token(tokens, "NETWORK=ircserv");
	/* RFC 2812 5.1: 251 and 255 always; 252-254 when non-zero. */
	assert_true(itest_match(":" SRV " 251 wb2 :There are * users and * invisible on 1 "
	    "servers", l));
	l = itest_next(c);
	if (itest_match(":" SRV " 252 *", l))
		l = itest_next(c);
	assert_true(itest_match(":" SRV " 253 wb2 * :unknown connection(s)", l));
	itest_expect_next(c, ":" SRV " 254 wb2 * :channels formed");
	itest_expect_next(c, ":" SRV " 255 wb2 :I have * clients and 0 servers");
	l = itest_skip_to(c, ":" SRV " 375 *");
	assert_string_equal(l, ":" SRV " 375 wb2 :- " SRV " Message of the day - ");
	itest_expect_next(c, ":" SRV " 372 wb2 :- *");
	while (itest_match(":" SRV " 372 wb2 :- *", l = itest_next(c)))
		;
	assert_string_equal(l, ":" SRV " 376 wb2 :End of /MOTD command");
	itest_expect_quiet(c);
	itest_close(c);
	itest_close(idle);
	itest_close(holder);
}

static void
test_nick_errors(void **state)
{
	struct itest_client *holder = itest_user(*state, "Casey[");
	struct itest_client *c = itest_user(*state, "ne1");
	struct itest_client *fresh = itest_connect(*state);
	char *toolong = repeat('n', 31);

	itest_send(c, "NICK");
	itest_expect_next(c, ":" SRV " 431 ne1 :No nickname given");
	itest_send(c, "NICK :");
	itest_expect_next(c, ":" SRV " 431 ne1 :No nickname given");
	itest_send(c, "NICK 1digit");
	itest_expect_next(c, ":" SRV " 432 ne1 1digit :Erroneous nickname");
	itest_send(c, "NICK bad!nick");
	itest_expect_next(c, ":" SRV " 432 ne1 bad!nick :Erroneous nickname");
	itest_send(c, "NICK %s", toolong);
	itest_expect_next(c, ":" SRV " 432 ne1 %s :Erroneous nickname", toolong);
	/* rfc1459 casemapping: [ and { are the same letter, as are C and c. */
	itest_send(c, "NICK casey{");
	itest_expect_next(c, ":" SRV " 433 ne1 casey{ :Nickname is already in use");
	itest_send(c, "NICK CASEY[");
	itest_expect_next(c, ":" SRV " 433 ne1 CASEY[ :Nickname is already in use");
	/* Before the right PASS a nick is only remembered: 433 comes with PASS. */
	itest_send(fresh, "NICK casey{");
	itest_expect_quiet(fresh);
	itest_send(fresh, "PASS %s", ITEST_PASSWORD);
	itest_expect_next(fresh, ":" SRV " 433 * casey{ :Nickname is already in use");
	itest_expect_quiet(c);
	free(toolong);
	itest_close(fresh);
	itest_close(c);
	itest_close(holder);
}

static void
test_nick_change_seen_once(void **state)
{
	struct itest_client *a = itest_user(*state, "ncA");
	struct itest_client *b = itest_user(*state, "ncB");
	struct itest_client *other = itest_user(*state, "ncOther");

	itest_join(a, "#nc-one");
	itest_join(a, "#nc-two");
	itest_join(b, "#nc-one");
	itest_join(b, "#nc-two");
	itest_sync(a);
	itest_send(a, "NICK ncA2");
	itest_expect_next(a, ":ncA!ncA@127.0.0.1 NICK :ncA2");
	snprintf(a->nick, sizeof(a->nick), "ncA2");
	itest_sync(a);
	itest_expect_next(b, ":ncA!ncA@127.0.0.1 NICK :ncA2");
	itest_expect_quiet(b);
	itest_expect_quiet(other);
	/* The old nick is free again, the new one taken. */
	itest_send(other, "NICK ncA");
	itest_expect_next(other, ":ncOther!ncOther@127.0.0.1 NICK :ncA");
	itest_send(other, "NICK ncA2");
	itest_expect_next(other, ":" SRV " 433 ncA ncA2 :Nickname is already in use");
	itest_close(a);
	itest_close(b);
	itest_close(other);
}

static void
test_quit_broadcast_once(void **state)
{
	struct itest_client *q = itest_user(*state, "quitter");
	struct itest_client *p = itest_user(*state, "qpeer");
	struct itest_client *far = itest_user(*state, "qfar");
	static const char *const chans[] = { "#q-one", "#q-two", "#q-three" };

	for (size_t i = 0; i < 3; i++) {
		itest_join(q, chans[i]);
		itest_join(p, chans[i]);
	}
	itest_sync(q);
	itest_send(q, "QUIT :bye now");
	itest_expect_next(q, "ERROR :Closing Link: 127.0.0.1 (Quit: bye now)");
	itest_expect_closed(q);
	itest_expect_next(p, ":quitter!quitter@127.0.0.1 QUIT :Quit: bye now");
	itest_expect_quiet(p);
	itest_expect_quiet(far);
	/* The nick is free again. */
	itest_send(far, "NICK quitter");
	itest_expect_next(far, ":qfar!qfar@127.0.0.1 NICK :quitter");
	itest_close(q);
	itest_close(p);
	itest_close(far);
}

static void
test_dropped_connection_is_quit(void **state)
{
	struct itest_client *d = itest_user(*state, "dropper");
	struct itest_client *r = itest_user(*state, "resetter");
	struct itest_client *p = itest_user(*state, "droppeer");

	itest_join(d, "#drop");
	itest_join(r, "#drop");
	itest_join(p, "#drop");
	itest_sync(d);
	itest_sync(r);
	itest_sync(p);
	itest_close(d);
	itest_expect(p, ":dropper!dropper@127.0.0.1 QUIT :*");
	itest_abort(r);
	itest_expect(p, ":resetter!resetter@127.0.0.1 QUIT :*");
	itest_discard(p);
	itest_expect_quiet(p);
	itest_send(p, "NAMES #drop");
	itest_expect_next(p, ":" SRV " 353 droppeer = #drop :droppeer");
	itest_close(p);
}

static void
test_line_too_long_417(void **state)
{
	struct itest_client *c = itest_user(*state, "long1");
	char *x505 = repeat('x', 505), *x504 = repeat('x', 504), *a600 = repeat('a', 600);

	itest_send(c, "PRIVMSG long1 :%s", a600);
	itest_expect_next(c, ":" SRV " 417 long1 :Input line was too long");
	itest_expect_quiet(c);
	/* 510 bytes plus CR LF is the most RFC 1459 allows: accepted. */
	itest_send(c, "PING :%s", x504);
	itest_expect_next(c, ":" SRV " PONG " SRV " :xxxx*");
	/* One more byte is too long. */
	itest_send(c, "PING :%s", x505);
	itest_expect_next(c, ":" SRV " 417 long1 :Input line was too long");
	itest_expect_quiet(c);
	free(x505);
	free(x504);
	free(a600);
	itest_close(c);
}

/* buf.c drops an unterminated line as it arrives and answers 417 once. */
static void
test_endless_line(void **state)
{
	struct itest_client *c = itest_user(*state, "endless");
	size_t chunk = 64 * 1024;
	char *a = repeat('a', chunk);

	for (int i = 0; i < 16; i++)
		itest_send_raw(c, a, chunk);
	SEND_LIT(c, "\r\nPING :after-flood\r\n");
	itest_expect_next(c, ":" SRV " 417 endless :Input line was too long");
	itest_expect_next(c, ":" SRV " PONG " SRV " :after-flood");
	itest_expect_quiet(c);
	free(a);
	itest_close(c);
}

static void
test_every_line_ends_in_crlf(void **state)
{
	struct itest_client *c = itest_user(*state, "crlf1");
	static const char want[] = ":" SRV " PONG " SRV " :raw-bytes\r\n";

	/* The reader checks every line; ask for many different ones. */
	itest_join(c, "#crlf");
	itest_send(c, "TOPIC #crlf :a topic");
	itest_send(c, "VERSION");
	itest_send(c, "MOTD");
	itest_send(c, "LUSERS");
	itest_send(c, "TIME");
	itest_send(c, "ADMIN");
	itest_send(c, "NAMES #crlf");
	itest_send(c, "MODE #crlf");
	itest_send(c, "WHOIS crlf1");
	itest_send(c, "LIST");
	itest_sync(c);
	assert_true(c->nread > 30);
	itest_send(c, "PING :raw-bytes");
	itest_expect_raw(c, want, sizeof(want) - 1);
	itest_close(c);
}

static void
test_usage_errors(void **state)
{
	char *bin = getenv("IRCSERV_BIN"), port[16], err[4096];
	char *cases[][5] = {
		{ bin, NULL },
		{ bin, port, NULL },
		{ bin, "0", ITEST_PASSWORD, NULL },
		{ bin, "70000", ITEST_PASSWORD, NULL },
		{ bin, "abc", ITEST_PASSWORD, NULL },
		{ bin, "-5", ITEST_PASSWORD, NULL },
		{ bin, port, "", NULL },
		{ bin, port, "has space", NULL },
		{ bin, port, ITEST_PASSWORD, "extra", NULL },
	};

	(void)state;
	snprintf(port, sizeof(port), "%d", itest_free_port());
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int code = itest_run(cases[i], ITEST_TIMEOUT_MS, err, sizeof(err));

		if (code != 2 || !contains_nocase(err, "usage"))
			fail_msg("case %zu (%s %s %s): exit %d, expected 2 with a usage "
			    "line; stderr: %s", i, cases[i][1] ? cases[i][1] : "",
			    cases[i][1] && cases[i][2] ? cases[i][2] : "",
			    cases[i][1] && cases[i][2] && cases[i][3] ? cases[i][3] : "",
			    code, err);
	}
}

static void
test_port_in_use(void **state)
{
	char *bin = getenv("IRCSERV_BIN"), port[16], err[4096];
	char *argv[] = { bin, port, ITEST_PASSWORD, NULL };
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), code;

	(void)state;
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(port, sizeof(port), "%d", ntohs(sin.sin_port));
	code = itest_run(argv, ITEST_TIMEOUT_MS, err, sizeof(err));
	close(fd);
	if (code != 1 || strstr(err, port) == NULL)
		fail_msg("port %s in use: exit %d, expected 1 and a message naming the "
		    "port; stderr: %s", port, code, err);
}

/* Clients, one in a channel with another, and one unregistered. */
static void
check_signal_shutdown(int sig)
{
	struct itest_server *s = itest_server_start(ITEST_PASSWORD);
	struct itest_client *c[4];

	assert_non_null(s);
	c[0] = itest_user(s, "sig1");
	c[1] = itest_user(s, "sig2");
	c[2] = itest_user(s, "sig3");
	c[3] = itest_connect(s);
	itest_join(c[0], "#sig");
	itest_join(c[1], "#sig");
	for (int i = 0; i < 4; i++)
		itest_sync(c[i]);
	itest_server_signal(s, sig);
	for (int i = 0; i < 4; i++) {
		itest_expect_next(c[i], "ERROR :*");
		itest_expect_closed(c[i]);
		assert_int_equal(c[i]->nlines, 0);
		assert_int_equal(c[i]->inlen, 0);
		itest_close(c[i]);
	}
	assert_int_equal(itest_server_wait(s, ITEST_STOP_MS), 0);
	itest_server_free(s);
}

static void
test_sigterm_with_clients(void **state)
{
	(void)state;
	check_signal_shutdown(SIGTERM);
}

static void
test_sigint_with_clients(void **state)
{
	(void)state;
	check_signal_shutdown(SIGINT);
}

/*
 * A client that leaves while the server still has output for it. The
 * reset one: its socket is full, so the server holds bytes when the reset
 * comes; writing them then fails with EPIPE (SIGPIPE unless ignored). The
 * closed one: it closes before any answer, so the server writes to a
 * half-closed socket and gets a reset for its next write.
 */
static void
test_sigpipe_does_not_kill(void **state)
{
	/* Loopback trusted: this is about SIGPIPE, not flood control. */
	struct itest_server *s = itest_server_start_conf(ITEST_PASSWORD, ITEST_CONF_FAST);
	char *token = repeat('p', 400), name[16];
	struct itest_client *c, *watch;

	(void)state;
	assert_non_null(s);
	watch = itest_user(s, "pipewatch");
	for (int round = 0; round < 3; round++) {
		snprintf(name, sizeof(name), "pipe%d", round);
		c = itest_connect_rcvbuf(s, 4096);
		itest_register(c, name);
		for (int i = 0; i < 1000; i++)
			itest_send(c, "PING :%s", token);
		itest_sleep_ms(100);
		itest_abort(c);
		itest_sleep_ms(50);
		if (!itest_server_alive(s))
			fail_msg("the server died when a client reset with output pending: "
			    "status %d", itest_server_wait(s, 0));

		c = itest_user(s, name);
		for (int i = 0; i < 200; i++)
			itest_send(c, "MOTD");
		itest_close(c);
		itest_sleep_ms(50);
		if (!itest_server_alive(s))
			fail_msg("the server died writing to a closed client: status %d",
			    itest_server_wait(s, 0));
		itest_expect_quiet(watch);
	}
	itest_close(watch);
	assert_int_equal(itest_server_stop(s), 0);
	itest_server_free(s);
	free(token);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		itest_unit_test(test_register_pass_nick_user),
		itest_unit_test(test_register_cap_negotiation),
		itest_unit_test(test_register_nick_pass_user),
		itest_unit_test(test_register_pass_too_late),
		itest_unit_test(test_wrong_password),
		itest_unit_test(test_missing_password),
		itest_unit_test(test_register_fragments),
		itest_unit_test(test_register_byte_at_a_time),
		itest_unit_test(test_lf_only_lines),
		itest_unit_test(test_bare_cr_lines),
		itest_unit_test(test_empty_lines_ignored),
		itest_unit_test(test_ping_before_registration),
		itest_unit_test(test_not_registered_451),
		itest_unit_test(test_unknown_command_421),
		itest_unit_test(test_welcome_burst),
		itest_unit_test(test_nick_errors),
		itest_unit_test(test_nick_change_seen_once),
		itest_unit_test(test_quit_broadcast_once),
		itest_unit_test(test_dropped_connection_is_quit),
		itest_unit_test(test_line_too_long_417),
		itest_unit_test(test_endless_line),
		itest_unit_test(test_every_line_ends_in_crlf),
		itest_unit_test(test_usage_errors),
		itest_unit_test(test_port_in_use),
		itest_unit_test(test_sigterm_with_clients),
		itest_unit_test(test_sigint_with_clients),
		itest_unit_test(test_sigpipe_does_not_kill),
	};

	return itest_finish(cmocka_run_group_tests(tests, itest_group_setup_fast,
	    itest_group_teardown));
}
