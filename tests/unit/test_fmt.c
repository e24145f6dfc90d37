/*
 * fmt_vsnprintf() writes the same bytes and returns the same length as
 * vsnprintf() for every format, whether it takes the short path (%s %c
 * %d %u %ld %lu %lld %llu %zu %%) or hands the format on, at every buffer
 * size down to 0; and numerics built with it and the copied ":server NNN
 * nick " head are the lines the C library's formatting made, cut at 510
 * bytes.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client.h"
#include "fake.h"
#include "fmt.h"
#include "irc.h"
#include "numeric.h"
#include "reply.h"
#include "server.h"

#define BUFSZ 700

static void check(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* fmt with its arguments, through both, at sizes 0 to 40 and 700. */
static void
check(const char *fmt, ...)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 5, 8, 13, 21, 34, 40, BUFSZ };
	char want[BUFSZ + 1], got[BUFSZ + 1];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		va_list ap;
		int nw, ng;

		memset(want, 0x5a, sizeof(want));
		memset(got, 0x5a, sizeof(got));
		va_start(ap, fmt);
		nw = vsnprintf(want, sizes[i], fmt, ap);
		va_end(ap);
		va_start(ap, fmt);
		ng = fmt_vsnprintf(got, sizes[i], fmt, ap);
		va_end(ap);
		if (nw != ng || memcmp(want, got, sizeof(want)) != 0)
			fail_msg("\"%s\" at size %zu: vsnprintf %d \"%.*s\", fmt %d \"%.*s\"",
			    fmt, sizes[i], nw, (int)sizes[i], want, ng, (int)sizes[i], got);
	}
}

static void
test_short_path(void **state)
{
	const char *volatile none = NULL;

	(void)state;
	check("%s", "");
	check("plain text, no conversion");
	check("%s :are supported by this server", "AWAYLEN=390 BOT=B CASEMAPPING=rfc1459");
	check(":- %s", "a line of the message of the day, somewhat longer than the small sizes");
	check("%s %s %s", "one", "", "three");
	check("null %s here", none);
	check("%u %u :Current local users %u, max %u", 0u, UINT_MAX, 7u, 4294967295u);
	check("%d %d %d %d", 0, -1, INT_MAX, INT_MIN);
	check("%ld %ld %lu %lu", LONG_MAX, LONG_MIN, 0ul, ULONG_MAX);
	check("There are %u users and %u invisible on %zu servers", 12u, 3u, (size_t)2);
	check("%zu", SIZE_MAX);
	check("%lld %lld %llu %llu", LLONG_MIN, LLONG_MAX, 0ULL, ULLONG_MAX);
	check("ACCOUNTEXTBAN=%c%c%c", 'a', '~', 0x7f);
	check("a NUL %c in the middle", '\0');
	check("100%% sure, %s%%", "quite");
	check("%%%s%%%u%%", "x", 5u);
}

static void
test_other_formats_handed_on(void **state)
{
	(void)state;
	/* Anything with a flag, width, precision or another conversion. */
	check("%.3s rest", "123 long");
	check("%02ld:%02ld", 3L, 45L);
	check("%5s|%-5s|", "ab", "cd");
	check("%x %X %o", 255u, 255u, 8u);
	check("%lli %llx", LLONG_MIN, ULLONG_MAX);
	check("%.*s", 4, "abcdefgh");
	check("%p", (void *)0);
	check("%zd", (ssize_t)-5);
	check("%s then %5u", "short path first", 42u);
	check("%lx", 255ul);
	check("%hu %hhd", (unsigned short)7, (signed char)-3);
}

/* A numeric for a local user is ":server NNN nick text", cut at 510 bytes. */
static void
test_numeric_lines(void **state)
{
	struct server *srv = *state;
	struct client *cli = fake_registered(srv, "alice");
	char want[IRC_LINE_MAX * 2], text[600];
	int n;

	reply_numeric(srv, cli, RPL_LUSERCLIENT, 5u, 1u, (size_t)3);
	snprintf(want, sizeof(want), ":%s 251 alice :There are 5 users and 1 invisible "
	    "on 3 servers\r\n", srv->cfg.server_name);
	fake_expect(cli, want);
	reply_numeric(srv, cli, RPL_ENDOFMOTD);
	snprintf(want, sizeof(want), ":%s 376 alice :End of /MOTD command\r\n",
	    srv->cfg.server_name);
	fake_expect(cli, want);
	/* Too long: 510 bytes of it, then CR LF. */
	memset(text, 'm', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	reply_numeric(srv, cli, RPL_MOTD, text);
	n = snprintf(want, sizeof(want), ":%s 372 alice :- %s", srv->cfg.server_name, text);
	assert_true(n > IRC_LINE_MAX - 2);
	memcpy(want + IRC_LINE_MAX - 2, "\r\n", 3);
	fake_expect(cli, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_path),
		cmocka_unit_test(test_other_formats_handed_on),
		cmocka_unit_test_setup_teardown(test_numeric_lines, fake_setup, fake_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
