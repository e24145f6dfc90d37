/*
 * Helpers of the IRCv3 integration tests (itest_v3.h): registration with
 * capabilities, lines with normalized msgid and time tags, raw reads,
 * SASL PLAIN. Linked into every integration test with itest.c.
 */
#include "itest_v3.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Connect, register as nick, then CAP REQ caps ("" for none). */
struct itest_client *
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
void
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
void
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
void
enter_at(const char *file, int line, struct itest_client *c, const char *chan)
{
	itest_send_at(file, line, c, "JOIN %s", chan);
	itest_skip_to_at(file, line, c, ":%s 366 %s %s :*", SRV, c->nick, chan);
}

/* itest_sync() each client of a NULL-terminated list. */
void
settle_at(const char *file, int line, struct itest_client *c, ...)
{
	va_list ap;

	va_start(ap, c);
	for (; c != NULL; c = va_arg(ap, struct itest_client *))
		itest_sync_at(file, line, c);
	va_end(ap);
}

/* itest_expect_quiet() each client of a NULL-terminated list. */
void
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
bool
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
const char *
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

void
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
size_t
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
void
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
void
send_plain_at(const char *file, int line, struct itest_client *c,
    const char *authzid, const char *authcid, const char *password)
{
	char plain[256], enc[400];
	int n = snprintf(plain, sizeof(plain), "%s%c%s%c%s", authzid, '\0', authcid,
	    '\0', password);

	b64(plain, (size_t)n, enc);
	itest_send_at(file, line, c, "AUTHENTICATE %s", enc);
}

/* Accounts */

/*
 * ACCT_PASS hashed at 1000 iterations, so that each login is quick even
 * under ASan: Python's hashlib.pbkdf2_hmac, salt "ircserv-sasl-test", in
 * the format crypto.h describes. A hash from --mkpasswd itself (200,000
 * iterations) is logged in with in test_modern and test_ops.
 */
#define ACCT_HASH       "$pbkdf2-sha256$1000$aXJjc2Vydi1zYXNsLXRlc3Q$" \
	"zU8laLTiHJPa/TTwISug4Dkcloi6gWDo1+JDKmAja2Q"

const char *
sasl_conf(const char *extra)
{
	static char conf[2048];

	snprintf(conf, sizeof(conf), ITEST_CONF_FAST "account " ACCT " {\n"
	    "\tpassword = " ACCT_HASH "\n}\n%s", extra);
	return conf;
}

/* Run PLAIN for c: AUTHENTICATE PLAIN, "+", then the credentials. */
void
authenticate_at(const char *file, int line, struct itest_client *c,
    const char *authzid, const char *authcid, const char *password)
{
	itest_send_at(file, line, c, "AUTHENTICATE PLAIN");
	itest_expect_next_at(file, line, c, "AUTHENTICATE +");
	send_plain_at(file, line, c, authzid, authcid, password);
}
