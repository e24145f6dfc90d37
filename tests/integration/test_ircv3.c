/*
 * Integration tests of the IRCv3 capabilities over loopback: negotiation
 * (CAP LS, REQ, LIST, END, NAK, 410, cap-notify on REHASH and SIGHUP), and
 * for each capability the exact lines a client with it and a client
 * without it receive. SASL and cap-notify run on servers of their own with
 * accounts in the configuration; everything else shares the group's server.
 */
#include "itest.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SRV             ITEST_SERVER_NAME
#define NETWORK         "ircserv"       /* the default network name */

/*
 * The name the server gives no-implicit-names. Its specification is a work
 * in progress that forbids the final name until ratified (see
 * test_draft_cap_names).
 */
#define NO_IMPLICIT_NAMES "draft/no-implicit-names"
/* What CAP LS lists, in its order, around sasl (offered only with accounts). */
#define CAPS_PRE        "account-notify account-tag away-notify batch " \
	"cap-notify draft/channel-rename chghost echo-message extended-join extended-monitor invite-notify " \
	"labeled-response message-tags "
#define CAPS_POST       " " NO_IMPLICIT_NAMES " draft/read-marker"
#define CAPS_HEAD       CAPS_PRE "draft/metadata-3 multi-prefix draft/multiline" CAPS_POST
#define CAPS_TAIL       "server-time setname userhost-in-names"
#define CAPS_ALL        CAPS_HEAD " " CAPS_TAIL
/* CAP LS 302 shows capability values. */
#define METADATA_VALUE  "before-connect,max-subs=50,max-keys=20,max-value-bytes=300"
#define MULTILINE_VALUE "max-bytes=4096,max-lines=32"
#define CAPS_HEAD_302   CAPS_PRE "draft/metadata-3=" METADATA_VALUE " multi-prefix " \
	"draft/multiline=" MULTILINE_VALUE CAPS_POST
#define CAPS_ALL_302    CAPS_HEAD_302 " " CAPS_TAIL

/* The SASL account of the dedicated servers. */
#define ACCT            "acct"
#define ACCT_PASS       "Acct-Pass-7"
/*
 * An oper block with a hash of "opsecret" at 1000 iterations, so that
 * OPER is quick (the same block as test_ops.c).
 */
#define OPER_PASS       "opsecret"
#define OPER_HASH       "$pbkdf2-sha256$1000$aXJjc2Vydi1vcHMtdGVzdA$" \
	"fhjE+nE3KEtESHI/GNIWy70vXMw2KuUydcL/UGBjAW4"
#define OPER_BLOCK      "oper boss {\n\tpassword = " OPER_HASH "\n" \
	"\thost = *@127.0.0.1\n}\n"

/* The tag section limits of IRCv3 message-tags, without '@' and ' '. */
#define CLIENT_TAGS_MAX 4094

/* Connect, register as nick, then CAP REQ caps ("" for none). */
#define cap_user(s, nick, caps) cap_user_at(ITEST_HERE, (s), (nick), (caps))
static struct itest_client *
cap_user_at(const char *file, int line, struct itest_server *s, const char *nick,
    const char *caps)
{
	struct itest_client *c = itest_user_at(file, line, s, nick);

	if (caps[0] != '\0') {
		itest_send_at(file, line, c, "CAP REQ :%s", caps);
		itest_expect_next_at(file, line, c, ":%s CAP %s ACK :%s", SRV, nick,
		    caps);
	}
	return c;
}

/* Send PASS, NICK and USER as itest_register() does, without waiting. */
#define send_registration(c, nick) send_registration_at(ITEST_HERE, (c), (nick))
static void
send_registration_at(const char *file, int line, struct itest_client *c,
    const char *nick)
{
	snprintf(c->nick, sizeof(c->nick), "%s", nick);
	snprintf(c->user, sizeof(c->user), "%.10s", nick);
	itest_send_at(file, line, c, "PASS %s", c->srv->password);
	itest_send_at(file, line, c, "NICK %s", nick);
	itest_send_at(file, line, c, "USER %s 0 * :itest %s", nick, nick);
}

/* The welcome burst must come next: 001, then through the end of the MOTD. */
#define expect_welcome(c) expect_welcome_at(ITEST_HERE, (c))
static void
expect_welcome_at(const char *file, int line, struct itest_client *c)
{
	char end1[128], end2[128];

	itest_expect_next_at(file, line, c, ":%s 001 %s :*", SRV, c->nick);
	snprintf(end1, sizeof(end1), ":%s 376 %s :*", SRV, c->nick);
	snprintf(end2, sizeof(end2), ":%s 422 %s :*", SRV, c->nick);
	for (;;) {
		const char *l = itest_next_at(file, line, c);

		if (itest_match(end1, l) || itest_match(end2, l))
			return;
	}
}

/* Join chan, whatever c's capabilities make the replies look like, through 366. */
#define enter(c, chan)  enter_at(ITEST_HERE, (c), (chan))
static void
enter_at(const char *file, int line, struct itest_client *c, const char *chan)
{
	itest_send_at(file, line, c, "JOIN %s", chan);
	itest_skip_to_at(file, line, c, ":%s 366 %s %s :*", SRV, c->nick, chan);
}

/* itest_sync() each client of a NULL-terminated list. */
#define settle(...)     settle_at(ITEST_HERE, __VA_ARGS__, (struct itest_client *)NULL)
static void
settle_at(const char *file, int line, struct itest_client *c, ...)
{
	va_list ap;

	va_start(ap, c);
	for (; c != NULL; c = va_arg(ap, struct itest_client *))
		itest_sync_at(file, line, c);
	va_end(ap);
}

/* itest_expect_quiet() each client of a NULL-terminated list. */
#define quiet(...)      quiet_at(ITEST_HERE, __VA_ARGS__, (struct itest_client *)NULL)
static void
quiet_at(const char *file, int line, struct itest_client *c, ...)
{
	va_list ap;

	va_start(ap, c);
	for (; c != NULL; c = va_arg(ap, struct itest_client *))
		itest_expect_quiet_at(file, line, c);
	va_end(ap);
}

/*
 * Whether v is an IRCv3 server-time stamp, YYYY-MM-DDThh:mm:ss.sssZ in
 * UTC, within a few seconds of now.
 */
static bool
time_is_now(const char *v)
{
	static const char form[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	time_t now = time(NULL);
	char stamp[32];
	struct tm tm;

	if (strlen(v) != sizeof(form) - 1)
		return false;
	for (size_t i = 0; form[i]; i++)
		if (form[i] == 'd' ? (v[i] < '0' || v[i] > '9') : v[i] != form[i])
			return false;
	for (time_t t = now - 5; t <= now + 1; t++) {
		gmtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		if (strncmp(stamp, v, 19) == 0)
			return true;
	}
	return false;
}

/* The msgid and time values of the line last checked by expect_line(). */
struct seen {
	char    msgid[64];
	char    time[40];
};

/* Append the formatted text to out at *len, never past outsz. */
static void put(char *out, size_t outsz, size_t *len, const char *fmt, ...)
    ITEST_PRINTF(4, 5);

static void
put(char *out, size_t outsz, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len + 1 >= outsz)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *len, outsz - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + (size_t)n < outsz ? *len + (size_t)n : outsz - 1;
}

/*
 * Rewrite line into out with the values of its msgid and time tags
 * replaced by ID and TIME, storing them in *seen. Returns an error text,
 * or NULL.
 */
static const char *
normalize(const char *line, char *out, size_t outsz, struct seen *seen)
{
	const char *p = line + 1, *end = strchr(line, ' ');
	size_t len = 0;

	memset(seen, 0, sizeof(*seen));
	if (line[0] != '@' || end == NULL) {
		put(out, outsz, &len, "%s", line);
		return NULL;
	}
	put(out, outsz, &len, "@");
	while (p < end) {
		size_t n = strcspn(p, "; ");
		const char *v = memchr(p, '=', n);
		int vn = v ? (int)(n - (size_t)(v + 1 - p)) : 0;

		if (v && strncmp(p, "msgid=", 6) == 0) {
			if (vn == 0 || vn >= (int)sizeof(seen->msgid))
				return "bad msgid value";
			snprintf(seen->msgid, sizeof(seen->msgid), "%.*s", vn, v + 1);
			put(out, outsz, &len, "msgid=ID");
		} else if (v && strncmp(p, "time=", 5) == 0) {
			snprintf(seen->time, sizeof(seen->time), "%.*s", vn, v + 1);
			if (!time_is_now(seen->time))
				return "time tag not YYYY-MM-DDThh:mm:ss.sssZ close to now";
			put(out, outsz, &len, "time=TIME");
		} else {
			put(out, outsz, &len, "%.*s", (int)n, p);
		}
		p += n;
		if (*p == ';') {
			p++;
			put(out, outsz, &len, ";");
		}
	}
	put(out, outsz, &len, "%s", end);
	return NULL;
}

/*
 * The next line of c, with its msgid and time values replaced by ID and
 * TIME, must be exactly the formatted want. The values go to *seen (may
 * be NULL); a time must be a valid server-time stamp close to now.
 */
#define expect_line(c, seen, ...) expect_line_at(ITEST_HERE, (c), (seen), __VA_ARGS__)
static void expect_line_at(const char *file, int line, struct itest_client *c,
    struct seen *seen, const char *fmt, ...) ITEST_PRINTF(5, 6);

static void
expect_line_at(const char *file, int line, struct itest_client *c,
    struct seen *seen, const char *fmt, ...)
{
	char want[9000], got[9000], text[9000];
	struct seen dummy;
	const char *err;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	snprintf(text, sizeof(text), "%s", itest_next_at(file, line, c));
	if ((err = normalize(text, got, sizeof(got), seen ? seen : &dummy)) != NULL)
		itest_fail_at(file, line, "[%s] %s in \"%s\"", c->nick, err, text);
	if (strcmp(got, want) != 0)
		itest_fail_at(file, line, "[%s] got \"%s\"\n  (as \"%s\")\n  wanted \"%s\"",
		    c->nick, text, got, want);
}

/*
 * Read one line straight from c's socket, for the lines the harness
 * refuses: IRCv3 message-tags lets a server send up to 8191 bytes of tags
 * before the 512-byte message. Nothing may be queued or half-read.
 * Returns the line's length without CR LF.
 */
#define raw_line(c, out, outsz) raw_line_at(ITEST_HERE, (c), (out), (outsz))
static size_t
raw_line_at(const char *file, int line, struct itest_client *c, char *out,
    size_t outsz)
{
	int64_t deadline = itest_now_ms() + c->timeout_ms;
	size_t n = 0;

	if (c->head != NULL || c->inlen != 0)
		itest_fail_at(file, line, "[%s] lines queued before a raw read", c->nick);
	for (;;) {
		struct pollfd pfd = { c->fd, POLLIN, 0 };
		int64_t left = deadline - itest_now_ms();
		ssize_t r;

		if (left <= 0)
			itest_fail_at(file, line, "[%s] no whole line within %d ms (%zu "
			    "bytes)", c->nick, c->timeout_ms, n);
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		/* One byte at a time: nothing after the line is taken. */
		r = recv(c->fd, out + n, 1, 0);
		if (r == -1 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (r <= 0)
			itest_fail_at(file, line, "[%s] connection closed", c->nick);
		if (++n >= 2 && out[n - 2] == '\r' && out[n - 1] == '\n') {
			out[n - 2] = '\0';
			return n - 2;
		}
		if (n + 1 >= outsz)
			itest_fail_at(file, line, "[%s] line over %zu bytes", c->nick, outsz);
	}
}

/* Standard base64 of n bytes (RFC 4648), for AUTHENTICATE. */
static void
b64(const char *in, size_t n, char *out)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)(unsigned char)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)(unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = i + 1 < n ? a[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? a[v & 63] : '=';
	}
	out[o] = '\0';
}

/* Send "AUTHENTICATE <base64 of authzid NUL authcid NUL password>". */
#define send_plain(c, z, u, p)  send_plain_at(ITEST_HERE, (c), (z), (u), (p))
static void
send_plain_at(const char *file, int line, struct itest_client *c,
    const char *authzid, const char *authcid, const char *password)
{
	char plain[256], enc[400];
	int n = snprintf(plain, sizeof(plain), "%s%c%s%c%s", authzid, '\0', authcid,
	    '\0', password);

	b64(plain, (size_t)n, enc);
	itest_send_at(file, line, c, "AUTHENTICATE %s", enc);
}

/* Accounts: a password hash from the server binary itself */

/*
 * A configuration with one SASL account, acct, whose password hash comes
 * from --mkpasswd (made once per run), plus extra.
 */
static const char *
sasl_conf(const char *extra)
{
	static char hash[256], conf[2048];

	if (hash[0] == '\0')
		itest_mkpasswd(ACCT_PASS, hash, sizeof(hash));
	snprintf(conf, sizeof(conf), ITEST_CONF_FAST "account " ACCT " {\n"
	    "\tpassword = %s\n}\n%s", hash, extra);
	return conf;
}

/* Negotiation */

static void
test_cap_ls(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *a = itest_connect(s), *b = itest_connect(s);
	struct itest_client *c = itest_connect(s);

	snprintf(a->nick, sizeof(a->nick), "lsA");
	snprintf(b->nick, sizeof(b->nick), "lsB");
	snprintf(c->nick, sizeof(c->nick), "lsC");
	/* The list is short: one line, no "*" continuation, and no sasl without accounts. */
	itest_send(a, "CAP LS 302");
	itest_expect_next(a, ":" SRV " CAP * LS :" CAPS_ALL_302);
	itest_expect_quiet(a);
	itest_send(b, "CAP LS");
	itest_expect_next(b, ":" SRV " CAP * LS :" CAPS_ALL);
	itest_expect_quiet(b);
	itest_send(c, "cap ls 301");
	itest_expect_next(c, ":" SRV " CAP * LS :" CAPS_ALL);
	itest_send(c, "CAP REQ :sasl");
	itest_expect_next(c, ":" SRV " CAP * NAK :sasl");
	/* CAP LS 302 turns cap-notify on by itself. */
	itest_send(a, "CAP LIST");
	itest_expect_next(a, ":" SRV " CAP * LIST :cap-notify");
	itest_send(b, "CAP LIST");
	itest_expect_next(b, ":" SRV " CAP * LIST :");
	/* Neither is registered before CAP END. */
	send_registration(a, "lsA");
	send_registration(b, "lsB");
	quiet(a, b);
	itest_send(a, "CAP END");
	expect_welcome(a);
	itest_send(b, "CAP END");
	expect_welcome(b);
	itest_send(a, "CAP LS 302");
	itest_expect_next(a, ":" SRV " CAP lsA LS :" CAPS_ALL_302);
	itest_expect_quiet(a);
}

/*
 * ircv3.net no-implicit-names is a work-in-progress specification, and
 * says that software implementing it MUST NOT use the unprefixed name and
 * SHOULD use "draft/no-implicit-names", which is what the clients that
 * implement it request.
 */
static void
test_draft_cap_names(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *c = itest_connect(s);
	char list[ITEST_LINE_MAX + 3];

	snprintf(c->nick, sizeof(c->nick), "dcA");
	itest_send(c, "CAP LS 302");
	/* Spaces around every name, so that a name is found whole. */
	snprintf(list, sizeof(list), " %s ", strstr(itest_expect_next(c,
	    ":" SRV " CAP * LS :*"), " :") + 2);
	if (strstr(list, " no-implicit-names ") != NULL)
		fail_msg("CAP LS offers the work-in-progress no-implicit-names under "
		    "its final name; it must be draft/no-implicit-names");
	assert_non_null(strstr(list, " draft/no-implicit-names "));
}

static void
test_cap_req_all_or_nothing(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *c = itest_connect(s), *d;

	snprintf(c->nick, sizeof(c->nick), "reqA");
	itest_send(c, "CAP LS");
	itest_skip_to(c, ":" SRV " CAP * LS :*");
	itest_send(c, "CAP REQ :bogus-cap");
	itest_expect_next(c, ":" SRV " CAP * NAK :bogus-cap");
	/* One unknown name refuses the whole request. */
	itest_send(c, "CAP REQ :multi-prefix bogus-cap server-time");
	itest_expect_next(c, ":" SRV " CAP * NAK :multi-prefix bogus-cap server-time");
	itest_send(c, "CAP LIST");
	itest_expect_next(c, ":" SRV " CAP * LIST :");
	/* Names are case-sensitive; removing an unknown one is refused too. */
	itest_send(c, "CAP REQ :Multi-Prefix");
	itest_expect_next(c, ":" SRV " CAP * NAK :Multi-Prefix");
	itest_send(c, "CAP REQ :-bogus-cap");
	itest_expect_next(c, ":" SRV " CAP * NAK :-bogus-cap");
	itest_send(c, "CAP REQ :");
	itest_expect_next(c, ":" SRV " CAP * NAK :");
	itest_send(c, "CAP REQ :multi-prefix server-time");
	itest_expect_next(c, ":" SRV " CAP * ACK :multi-prefix server-time");
	itest_send(c, "CAP REQ :-server-time userhost-in-names");
	itest_expect_next(c, ":" SRV " CAP * ACK :-server-time userhost-in-names");
	itest_send(c, "CAP LIST");
	itest_expect_next(c, ":" SRV " CAP * LIST :multi-prefix userhost-in-names");
	/* A 3.1 client may take cap-notify and drop it again. */
	itest_send(c, "CAP REQ :cap-notify");
	itest_expect_next(c, ":" SRV " CAP * ACK :cap-notify");
	itest_send(c, "CAP REQ :-cap-notify");
	itest_expect_next(c, ":" SRV " CAP * ACK :-cap-notify");
	send_registration(c, "reqA");
	itest_send(c, "CAP END");
	expect_welcome(c);
	/* After registration: the same list, REQ still works, END is a no-op. */
	itest_send(c, "CAP LIST");
	itest_expect_next(c, ":" SRV " CAP reqA LIST :multi-prefix userhost-in-names");
	itest_send(c, "CAP REQ :-multi-prefix echo-message");
	itest_expect_next(c, ":" SRV " CAP reqA ACK :-multi-prefix echo-message");
	itest_send(c, "CAP LIST");
	itest_expect_next(c, ":" SRV " CAP reqA LIST :echo-message userhost-in-names");
	/* Enabling what is on, or disabling what is off, is fine; so is a trailing space. */
	itest_send(c, "CAP REQ :echo-message -away-notify ");
	itest_expect_next(c, ":" SRV " CAP reqA ACK :echo-message -away-notify*");
	itest_send(c, "CAP LIST");
	itest_expect_next(c, ":" SRV " CAP reqA LIST :echo-message userhost-in-names");
	itest_send(c, "CAP END");
	itest_expect_quiet(c);
	/* A 302 client cannot turn cap-notify off. */
	d = itest_connect(s);
	snprintf(d->nick, sizeof(d->nick), "reqB");
	itest_send(d, "CAP LS 302");
	itest_skip_to(d, ":" SRV " CAP * LS :*");
	itest_send(d, "CAP REQ :-cap-notify");
	itest_expect_next(d, ":" SRV " CAP * NAK :-cap-notify");
	itest_send(d, "CAP LIST");
	itest_expect_next(d, ":" SRV " CAP * LIST :cap-notify");
}

static void
test_registration_waits_for_cap_end(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *a = itest_connect(s), *b = itest_connect(s);
	struct itest_client *c = itest_connect(s), *d = itest_connect(s);

	/* CAP LS suspends registration; NICK and USER are not enough. */
	itest_send(a, "CAP LS 302");
	send_registration(a, "regA");
	itest_expect_next(a, ":" SRV " CAP * LS :" CAPS_ALL_302);
	itest_expect_quiet(a);
	itest_send(a, "CAP REQ :multi-prefix");
	itest_expect_next(a, ":" SRV " CAP regA ACK :multi-prefix");
	itest_expect_quiet(a);
	itest_send(a, "CAP END");
	expect_welcome(a);
	/* So does a CAP REQ without LS. */
	itest_send(b, "CAP REQ :server-time");
	itest_expect_next(b, ":" SRV " CAP * ACK :server-time");
	send_registration(b, "regB");
	itest_expect_quiet(b);
	itest_send(b, "CAP END");
	expect_welcome(b);
	/* A bad subcommand is 410 and suspends nothing. */
	snprintf(c->nick, sizeof(c->nick), "regC");
	itest_send(c, "CAP FOO");
	itest_expect_next(c, ":" SRV " 410 * FOO :Invalid CAP command");
	itest_send(c, "CAP");
	itest_expect_next(c, ":" SRV " 461 * CAP :Not enough parameters");
	send_registration(c, "regC");
	expect_welcome(c);
	itest_send(c, "CAP bogus");
	itest_expect_next(c, ":" SRV " 410 regC bogus :Invalid CAP command");
	/* CAP END with no negotiation changes nothing. */
	snprintf(d->nick, sizeof(d->nick), "regD");
	itest_send(d, "CAP END");
	itest_expect_quiet(d);
	send_registration(d, "regD");
	expect_welcome(d);
	itest_expect_quiet(d);
}

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

/* multi-prefix, userhost-in-names, extended-join, no-implicit-names */

static void
test_names_prefixes(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *op = cap_user(s, "mpOp", "");
	struct itest_client *mp = cap_user(s, "mpMp", "multi-prefix");
	struct itest_client *uh = cap_user(s, "mpUh", "userhost-in-names");
	struct itest_client *both = cap_user(s, "mpBoth", "multi-prefix userhost-in-names");

	enter(op, "#mp");
	itest_send(op, "MODE #mp +v mpOp");
	itest_expect_next(op, ":%s MODE #mp +v mpOp", itest_pfx(op));
	enter(mp, "#mp");
	enter(uh, "#mp");
	enter(both, "#mp");
	settle(op, mp, uh, both);
	itest_send(op, "NAMES #mp");
	itest_expect_next(op, ":" SRV " 353 mpOp = #mp :@mpOp mpMp mpUh mpBoth");
	itest_expect_next(op, ":" SRV " 366 mpOp #mp :End of /NAMES list");
	itest_send(mp, "NAMES #mp");
	itest_expect_next(mp, ":" SRV " 353 mpMp = #mp :@+mpOp mpMp mpUh mpBoth");
	itest_expect_next(mp, ":" SRV " 366 mpMp #mp :End of /NAMES list");
	itest_send(uh, "NAMES #mp");
	itest_expect_next(uh, ":" SRV " 353 mpUh = #mp :@%s %s %s %s", itest_pfx(op), itest_pfx(mp),
	    itest_pfx(uh), itest_pfx(both));
	itest_expect_next(uh, ":" SRV " 366 mpUh #mp :End of /NAMES list");
	itest_send(both, "NAMES #mp");
	itest_expect_next(both, ":" SRV " 353 mpBoth = #mp :@+%s %s %s %s", itest_pfx(op),
	    itest_pfx(mp), itest_pfx(uh), itest_pfx(both));
	itest_expect_next(both, ":" SRV " 366 mpBoth #mp :End of /NAMES list");
	/* WHO and WHOIS: every prefix with multi-prefix, the highest without. */
	itest_send(mp, "WHO #mp");
	itest_expect_next(mp, ":" SRV " 352 mpMp #mp mpOp 127.0.0.1 " SRV " mpOp H@+ :0 itest mpOp");
	itest_skip_to(mp, ":" SRV " 315 mpMp #mp :*");
	itest_send(uh, "WHO #mp");
	itest_expect_next(uh, ":" SRV " 352 mpUh #mp mpOp 127.0.0.1 " SRV " mpOp H@ :0 itest mpOp");
	itest_skip_to(uh, ":" SRV " 315 mpUh #mp :*");
	itest_send(mp, "WHOIS mpOp");
	itest_expect(mp, ":" SRV " 319 mpMp mpOp :@+#mp");
	itest_skip_to(mp, ":" SRV " 318 mpMp mpOp :*");
	itest_send(uh, "WHOIS mpOp");
	itest_expect(uh, ":" SRV " 319 mpUh mpOp :@#mp");
	itest_skip_to(uh, ":" SRV " 318 mpUh mpOp :*");
	/* The NAMES sent on JOIN follow the same rules. */
	itest_send(both, "PART #mp");
	itest_expect_next(both, ":%s PART #mp", itest_pfx(both));
	itest_send(both, "JOIN #mp");
	itest_expect_next(both, ":%s JOIN #mp", itest_pfx(both));
	itest_expect_next(both, ":" SRV " 353 mpBoth = #mp :@+%s %s %s %s", itest_pfx(op),
	    itest_pfx(mp), itest_pfx(uh), itest_pfx(both));
	itest_expect_next(both, ":" SRV " 366 mpBoth #mp :End of /NAMES list");
	settle(op, mp, uh);
	quiet(op, mp, uh, both);
}

static void
test_extended_join(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *ext = cap_user(s, "ejExt", "extended-join");
	struct itest_client *pl = cap_user(s, "ejPlain", "");
	struct itest_client *j = cap_user(s, "ejJoin", "");

	/* The joining client's own JOIN is extended too; "*": no account. */
	itest_send(ext, "JOIN #ej");
	itest_expect_next(ext, ":%s JOIN #ej * :itest ejExt", itest_pfx(ext));
	itest_skip_to(ext, ":" SRV " 366 ejExt #ej :*");
	enter(pl, "#ej");
	expect_line(ext, NULL, ":%s JOIN #ej * :itest ejPlain", itest_pfx(pl));
	itest_send(j, "SETNAME :Real Name Here");
	itest_send(j, "JOIN #ej");
	itest_expect_next(j, ":%s JOIN #ej", itest_pfx(j));
	itest_skip_to(j, ":" SRV " 366 ejJoin #ej :*");
	expect_line(ext, NULL, ":%s JOIN #ej * :Real Name Here", itest_pfx(j));
	expect_line(pl, NULL, ":%s JOIN #ej", itest_pfx(j));
	quiet(ext, pl, j);
}

static void
test_no_implicit_names(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *a = cap_user(s, "niA", NO_IMPLICIT_NAMES);
	struct itest_client *b = cap_user(s, "niB", NO_IMPLICIT_NAMES);
	struct itest_client *c = cap_user(s, "niC", "");

	itest_send(a, "JOIN #ni");
	itest_expect_next(a, ":%s JOIN #ni", itest_pfx(a));
	itest_expect_quiet(a);
	itest_send(a, "TOPIC #ni :hello");
	itest_expect_next(a, ":%s TOPIC #ni :hello", itest_pfx(a));
	/* The topic still comes; 353 and 366 do not. */
	itest_send(b, "JOIN #ni");
	itest_expect_next(b, ":%s JOIN #ni", itest_pfx(b));
	itest_expect_next(b, ":" SRV " 332 niB #ni :hello");
	itest_expect_next(b, ":" SRV " 333 niB #ni %s *", itest_pfx(a));
	itest_expect_quiet(b);
	itest_send(c, "JOIN #ni");
	itest_expect_next(c, ":%s JOIN #ni", itest_pfx(c));
	itest_expect_next(c, ":" SRV " 332 niC #ni :hello");
	itest_expect_next(c, ":" SRV " 333 niC #ni %s *", itest_pfx(a));
	itest_expect_next(c, ":" SRV " 353 niC = #ni :@niA niB niC");
	itest_expect_next(c, ":" SRV " 366 niC #ni :End of /NAMES list");
	settle(a, b);
	/* NAMES on request as usual. */
	itest_send(b, "NAMES #ni");
	itest_expect_next(b, ":" SRV " 353 niB = #ni :@niA niB niC");
	itest_expect_next(b, ":" SRV " 366 niB #ni :End of /NAMES list");
	quiet(a, b, c);
}

/* away-notify, invite-notify, setname */

static void
test_away_notify(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *u = cap_user(s, "awUser", "away-notify");
	struct itest_client *an = cap_user(s, "awNote", "away-notify");
	struct itest_client *two = cap_user(s, "awTwo", "away-notify");
	struct itest_client *pl = cap_user(s, "awPlain", "");
	struct itest_client *far = cap_user(s, "awFar", "away-notify");

	enter(u, "#aw");
	enter(u, "#aw2");
	enter(an, "#aw");
	enter(two, "#aw");
	enter(two, "#aw2");
	enter(pl, "#aw");
	settle(u, an, two, pl, far);
	/* Peers with the capability hear it once each; the user only its numeric. */
	itest_send(u, "AWAY :lunch");
	itest_expect_next(u, ":" SRV " 306 awUser :You have been marked as being away");
	expect_line(an, NULL, ":%s AWAY :lunch", itest_pfx(u));
	expect_line(two, NULL, ":%s AWAY :lunch", itest_pfx(u));
	quiet(u, an, two, pl, far);
	itest_send(u, "AWAY");
	itest_expect_next(u, ":" SRV " 305 awUser :You are no longer marked as being away");
	expect_line(an, NULL, ":%s AWAY", itest_pfx(u));
	expect_line(two, NULL, ":%s AWAY", itest_pfx(u));
	quiet(u, an, two, pl, far);
	/* Back when not away: nothing to tell. */
	itest_send(u, "AWAY");
	itest_expect_next(u, ":" SRV " 305 awUser :*");
	quiet(u, an, two, pl, far);
	/* An away user joining: members with away-notify hear JOIN, then AWAY. */
	itest_send(u, "AWAY :brb");
	itest_expect_next(u, ":" SRV " 306 awUser :*");
	settle(an, two);
	enter(an, "#aw3");
	enter(pl, "#aw3");
	settle(an, pl);
	enter(u, "#aw3");
	expect_line(an, NULL, ":%s JOIN #aw3", itest_pfx(u));
	expect_line(an, NULL, ":%s AWAY :brb", itest_pfx(u));
	expect_line(pl, NULL, ":%s JOIN #aw3", itest_pfx(u));
	quiet(u, an, two, pl, far);
}

static void
test_invite_notify(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *op = cap_user(s, "ivOp", "invite-notify");
	struct itest_client *n = cap_user(s, "ivNote", "invite-notify");
	struct itest_client *m = cap_user(s, "ivMore", "invite-notify");
	struct itest_client *p = cap_user(s, "ivPlain", "");
	struct itest_client *t = cap_user(s, "ivT", ""), *t2 = cap_user(s, "ivT2", "");

	enter(op, "#iv");
	enter(n, "#iv");
	enter(m, "#iv");
	enter(p, "#iv");
	settle(op, n, m, p);
	/* The inviter gets 341, the invitee INVITE, members with the cap a notice. */
	itest_send(op, "INVITE ivT #iv");
	itest_expect_next(op, ":" SRV " 341 ivOp ivT #iv");
	expect_line(t, NULL, ":%s INVITE ivT :#iv", itest_pfx(op));
	expect_line(n, NULL, ":%s INVITE ivT #iv", itest_pfx(op));
	expect_line(m, NULL, ":%s INVITE ivT #iv", itest_pfx(op));
	quiet(op, n, m, p, t);
	/* On a +i channel only the operators hear of it. */
	itest_send(op, "MODE #iv +i");
	itest_send(op, "MODE #iv +o ivNote");
	settle(op, n, m, p);
	itest_send(n, "INVITE ivT2 #iv");
	itest_expect_next(n, ":" SRV " 341 ivNote ivT2 #iv");
	expect_line(t2, NULL, ":%s INVITE ivT2 :#iv", itest_pfx(n));
	expect_line(op, NULL, ":%s INVITE ivT2 #iv", itest_pfx(n));
	quiet(op, n, m, p, t2);
}

static void
test_setname(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *sn = cap_user(s, "snSelf", "setname");
	struct itest_client *peer = cap_user(s, "snPeer", "setname");
	struct itest_client *pl = cap_user(s, "snPlain", "");
	char name[392];

	enter(sn, "#sn");
	enter(peer, "#sn");
	enter(pl, "#sn");
	settle(sn, peer, pl);
	itest_send(sn, "SETNAME :New Real Name");
	expect_line(sn, NULL, ":%s SETNAME :New Real Name", itest_pfx(sn));
	expect_line(peer, NULL, ":%s SETNAME :New Real Name", itest_pfx(sn));
	quiet(sn, peer, pl);
	itest_send(pl, "WHOIS snSelf");
	itest_expect_next(pl, ":" SRV " 311 snPlain snSelf snSelf 127.0.0.1 * :New Real Name");
	itest_skip_to(pl, ":" SRV " 318 snPlain snSelf :*");
	/* Empty or over 390 bytes: FAIL, and nothing changes. */
	itest_send(sn, "SETNAME :");
	itest_expect_next(sn, ":" SRV " FAIL SETNAME INVALID_REALNAME "
	    ":Realname must be 1 to 390 bytes");
	memset(name, 'r', 391);
	name[391] = '\0';
	itest_send(sn, "SETNAME :%s", name);
	itest_expect_next(sn, ":" SRV " FAIL SETNAME INVALID_REALNAME :*");
	quiet(sn, peer, pl);
	name[390] = '\0';
	itest_send(sn, "SETNAME :%s", name);
	expect_line(sn, NULL, ":%s SETNAME :%s", itest_pfx(sn), name);
	expect_line(peer, NULL, ":%s SETNAME :%s", itest_pfx(sn), name);
	itest_send(sn, "SETNAME");
	itest_expect_next(sn, ":" SRV " 461 snSelf SETNAME :Not enough parameters");
	quiet(sn, peer, pl);
}

/* MONITOR, extended-monitor */

static void
test_monitor(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *w = cap_user(s, "monW", ""), *a, *o, *z;

	itest_send(w, "VERSION");
	itest_expect(w, ":" SRV " 005 monW * MONITOR=100 *");
	itest_sync(w);
	/* Offline targets come as one 731; a bad nick is skipped. */
	itest_send(w, "MONITOR + monA,monB,1bad");
	itest_expect_next(w, ":" SRV " 731 monW :monA,monB");
	itest_expect_quiet(w);
	a = itest_user(s, "monA");
	itest_expect_next(w, ":" SRV " 730 monW :monA!monA@127.0.0.1");
	itest_send(a, "NICK monB");
	itest_expect_next(a, ":monA!monA@127.0.0.1 NICK :monB");
	snprintf(a->nick, sizeof(a->nick), "monB");
	itest_expect_next(w, ":" SRV " 731 monW :monA");
	itest_expect_next(w, ":" SRV " 730 monW :monB!monA@127.0.0.1");
	itest_send(w, "MONITOR S");
	itest_expect_next(w, ":" SRV " 730 monW :monB!monA@127.0.0.1");
	itest_expect_next(w, ":" SRV " 731 monW :monA");
	itest_send(w, "MONITOR L");
	itest_expect_next(w, ":" SRV " 732 monW :monA,monB");
	itest_expect_next(w, ":" SRV " 733 monW :End of MONITOR list");
	itest_send(a, "QUIT :bye");
	itest_expect_closed(a);
	itest_expect_next(w, ":" SRV " 731 monW :monB");
	/* An online nick is answered with 730 at once; removal is silent. */
	o = itest_user(s, "monO");
	itest_send(w, "MONITOR + monO");
	itest_expect_next(w, ":" SRV " 730 monW :%s", itest_pfx(o));
	itest_send(w, "MONITOR - monA,MONO");
	itest_send(w, "MONITOR L");
	itest_expect_next(w, ":" SRV " 732 monW :monB");
	itest_expect_next(w, ":" SRV " 733 monW :End of MONITOR list");
	itest_send(w, "MONITOR C");
	itest_send(w, "MONITOR L");
	itest_expect_next(w, ":" SRV " 733 monW :End of MONITOR list");
	itest_send(w, "MONITOR +");
	itest_expect_next(w, ":" SRV " 461 monW MONITOR :Not enough parameters");
	itest_send(o, "QUIT");
	itest_expect_closed(o);
	/* A nick taken by a client that has not registered is still offline. */
	itest_send(w, "MONITOR + monZ");
	itest_expect_next(w, ":" SRV " 731 monW :monZ");
	z = itest_connect(s);
	itest_send(z, "PASS %s", s->password);
	itest_send(z, "NICK monZ");
	itest_expect_quiet(z);
	itest_expect_quiet(w);
	itest_send(z, "USER monZ 0 * :itest monZ");
	itest_expect_next(w, ":" SRV " 730 monW :monZ!monZ@127.0.0.1");
	quiet(w);
}

static void
test_monitor_full(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *w = cap_user(s, "mfW", "");
	char list[400];

	/* MONITOR=100: the rest of a list that does not fit is refused with 734. */
	for (int i = 0; i < 100; i += 20) {
		size_t len = 0;

		for (int j = i; j < i + 20; j++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%smfN%d",
			    len ? "," : "", j);
		itest_send(w, "MONITOR + %s", list);
		itest_expect_next(w, ":" SRV " 731 mfW :%s", list);
	}
	itest_send(w, "MONITOR + mfN1,mfX,mfY");
	itest_expect_next(w, ":" SRV " 731 mfW :mfN1");
	itest_expect_next(w, ":" SRV " 734 mfW 100 mfX,mfY :Monitor list is full");
	itest_send(w, "MONITOR - mfN0");
	itest_send(w, "MONITOR + mfX,mfY");
	itest_expect_next(w, ":" SRV " 731 mfW :mfX");
	itest_expect_next(w, ":" SRV " 734 mfW 100 mfY :Monitor list is full");
	itest_send(w, "MONITOR C");
	itest_expect_quiet(w);
}

static void
test_extended_monitor(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *e = cap_user(s, "emExt", "extended-monitor away-notify setname");
	struct itest_client *p = cap_user(s, "emPlain", "away-notify setname");
	struct itest_client *x = cap_user(s, "emBare", "extended-monitor");
	struct itest_client *t = cap_user(s, "emT", "");

	itest_send(e, "MONITOR + emT");
	itest_expect_next(e, ":" SRV " 730 emExt :%s", itest_pfx(t));
	itest_send(p, "MONITOR + emT");
	itest_expect_next(p, ":" SRV " 730 emPlain :%s", itest_pfx(t));
	itest_send(x, "MONITOR + emT");
	itest_expect_next(x, ":" SRV " 730 emBare :%s", itest_pfx(t));
	/* No shared channel: only extended-monitor plus the notify capability. */
	itest_send(t, "AWAY :gone");
	itest_expect_next(t, ":" SRV " 306 emT :*");
	expect_line(e, NULL, ":%s AWAY :gone", itest_pfx(t));
	quiet(e, p, x, t);
	itest_send(t, "SETNAME :Other Name");
	expect_line(e, NULL, ":%s SETNAME :Other Name", itest_pfx(t));
	quiet(e, p, x, t);
	/* Monitoring and sharing a channel: still once. */
	enter(t, "#em");
	enter(e, "#em");
	settle(t, e);
	itest_send(t, "AWAY");
	itest_expect_next(t, ":" SRV " 305 emT :*");
	expect_line(e, NULL, ":%s AWAY", itest_pfx(t));
	quiet(e, p, x, t);
}

/* Bot mode */

static void
test_bot_mode(void **state)
{
	struct itest_server *s = *state;
	struct itest_client *b = cap_user(s, "botB", "");
	struct itest_client *v = cap_user(s, "botV", "");
	struct itest_client *mt = cap_user(s, "botMt", "message-tags server-time");

	itest_send(b, "VERSION");
	itest_expect(b, ":" SRV " 005 botB * BOT=B *");
	itest_sync(b);
	itest_send(b, "MODE botB +B");
	itest_expect_next(b, ":%s MODE botB :+B", itest_pfx(b));
	itest_send(b, "MODE botB");
	itest_expect_next(b, ":" SRV " 221 botB +B");
	itest_send(v, "WHOIS botB");
	itest_expect_next(v, ":" SRV " 311 botV botB botB 127.0.0.1 * :itest botB");
	itest_expect_next(v, ":" SRV " 312 botV botB " SRV " :*");
	itest_expect_next(v, ":" SRV " 335 botV botB :is a bot on " NETWORK);
	itest_expect_next(v, ":" SRV " 317 botV botB *");
	itest_expect_next(v, ":" SRV " 318 botV botB :End of /WHOIS list");
	itest_send(v, "WHO botB");
	itest_expect_next(v, ":" SRV " 352 botV * botB 127.0.0.1 " SRV " botB HB :0 itest botB");
	itest_expect_next(v, ":" SRV " 315 botV botB :End of /WHO list");
	/* The "bot" tag goes to message-tags clients only. */
	itest_send(b, "PRIVMSG botMt,botV :beep");
	expect_line(mt, NULL, "@time=TIME;msgid=ID;bot :%s PRIVMSG botMt :beep", itest_pfx(b));
	expect_line(v, NULL, ":%s PRIVMSG botV :beep", itest_pfx(b));
	itest_send(b, "MODE botB -B");
	itest_expect_next(b, ":%s MODE botB :-B", itest_pfx(b));
	itest_send(b, "PRIVMSG botMt :human");
	expect_line(mt, NULL, "@time=TIME;msgid=ID :%s PRIVMSG botMt :human", itest_pfx(b));
	itest_send(v, "WHOIS botB");
	itest_expect_next(v, ":" SRV " 311 botV botB *");
	itest_expect_next(v, ":" SRV " 312 botV botB *");
	itest_expect_next(v, ":" SRV " 317 botV botB *");
	itest_expect_next(v, ":" SRV " 318 botV botB :End of /WHOIS list");
	quiet(b, v, mt);
}

/* SASL PLAIN and the account capabilities, on servers with an account */

/* Run PLAIN for c: AUTHENTICATE PLAIN, "+", then the credentials. */
#define authenticate(c, z, u, p) authenticate_at(ITEST_HERE, (c), (z), (u), (p))
static void
authenticate_at(const char *file, int line, struct itest_client *c,
    const char *authzid, const char *authcid, const char *password)
{
	itest_send_at(file, line, c, "AUTHENTICATE PLAIN");
	itest_expect_next_at(file, line, c, "AUTHENTICATE +");
	send_plain_at(file, line, c, authzid, authcid, password);
}

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
	/* Past 400 bytes a 302 list goes on in a second line. */
	itest_expect_next(c, ":" SRV " CAP * LS * :" CAPS_HEAD_302 " sasl=PLAIN,SCRAM-SHA-256 "
	    "server-time setname");
	itest_expect_next(c, ":" SRV " CAP * LS :userhost-in-names");
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
	/* Past 400 bytes a 302 list goes on in a second line. */
	itest_expect_next(x, ":" SRV " CAP * LS * :" CAPS_HEAD_302 " sasl=PLAIN,SCRAM-SHA-256 "
	    "server-time setname");
	itest_expect_next(x, ":" SRV " CAP * LS :userhost-in-names");
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
		itest_unit_test(test_cap_ls),
		itest_unit_test(test_draft_cap_names),
		itest_unit_test(test_cap_req_all_or_nothing),
		itest_unit_test(test_registration_waits_for_cap_end),
		itest_unit_test(test_message_tags),
		itest_unit_test(test_message_tags_limits),
		itest_unit_test(test_msgid),
		itest_unit_test(test_server_time),
		itest_unit_test(test_echo_message),
		itest_unit_test(test_echo_message_tags),
		itest_unit_test(test_echo_message_to_self),
		itest_unit_test(test_labeled_response),
		itest_unit_test(test_labeled_response_limits),
		itest_unit_test(test_names_prefixes),
		itest_unit_test(test_extended_join),
		itest_unit_test(test_no_implicit_names),
		itest_unit_test(test_away_notify),
		itest_unit_test(test_invite_notify),
		itest_unit_test(test_setname),
		itest_unit_test(test_monitor),
		itest_unit_test(test_monitor_full),
		itest_unit_test(test_extended_monitor),
		itest_unit_test(test_bot_mode),
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
