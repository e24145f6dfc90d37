/*
 * Helpers of the IRCv3 integration tests (test_ircv3*.c), on top of
 * itest.h: the capability lists the server offers, clients registered
 * with capabilities, lines compared with their msgid and time values
 * normalized, raw reads past the harness's line limit, SASL PLAIN.
 * Every helper fails the running test (itest_fail_at()) on a mismatch.
 */
#ifndef IRCSERV_ITEST_V3_H
#define IRCSERV_ITEST_V3_H

#include <stdbool.h>
#include <stddef.h>

#include "itest.h"

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
	"cap-notify draft/channel-rename draft/chathistory chghost echo-message " \
	"draft/event-playback extended-join extended-monitor invite-notify " \
	"labeled-response draft/message-redaction message-tags "
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

/* The msgid and time values of the line last checked by expect_line(). */
struct seen {
	char    msgid[64];
	char    time[40];
};

/* Connect, register as nick, then CAP REQ caps ("" for none). */
#define cap_user(s, nick, caps) cap_user_at(ITEST_HERE, (s), (nick), (caps))
struct itest_client *cap_user_at(const char *file, int line,
	    struct itest_server *s, const char *nick, const char *caps);
/* Send PASS, NICK and USER as itest_register() does, without waiting. */
#define send_registration(c, nick) send_registration_at(ITEST_HERE, (c), (nick))
void    send_registration_at(const char *file, int line, struct itest_client *c,
	    const char *nick);
/* The welcome burst must come next: 001, then through the end of the MOTD. */
#define expect_welcome(c) expect_welcome_at(ITEST_HERE, (c))
void    expect_welcome_at(const char *file, int line, struct itest_client *c);
/* Join chan, whatever c's capabilities make the replies look like, through 366. */
#define enter(c, chan)  enter_at(ITEST_HERE, (c), (chan))
void    enter_at(const char *file, int line, struct itest_client *c,
	    const char *chan);
/* itest_sync() each client of a NULL-terminated list. */
#define settle(...)     settle_at(ITEST_HERE, __VA_ARGS__, (struct itest_client *)NULL)
void    settle_at(const char *file, int line, struct itest_client *c, ...);
/* itest_expect_quiet() each client of a NULL-terminated list. */
#define quiet(...)      quiet_at(ITEST_HERE, __VA_ARGS__, (struct itest_client *)NULL)
void    quiet_at(const char *file, int line, struct itest_client *c, ...);
/*
 * Whether v is an IRCv3 server-time stamp, YYYY-MM-DDThh:mm:ss.sssZ in
 * UTC, within a few seconds of now.
 */
bool    time_is_now(const char *v);
/*
 * Rewrite line into out with the values of its msgid and time tags
 * replaced by ID and TIME, storing them in *seen. Returns an error text,
 * or NULL.
 */
const char *normalize(const char *line, char *out, size_t outsz,
	    struct seen *seen);
/*
 * The next line of c, with its msgid and time values replaced by ID and
 * TIME, must be exactly the formatted want. The values go to *seen (may
 * be NULL); a time must be a valid server-time stamp close to now.
 */
#define expect_line(c, seen, ...) expect_line_at(ITEST_HERE, (c), (seen), __VA_ARGS__)
void    expect_line_at(const char *file, int line, struct itest_client *c,
	    struct seen *seen, const char *fmt, ...) ITEST_PRINTF(5, 6);
/*
 * Read one line straight from c's socket, for the lines the harness
 * refuses (message-tags allows 8191 bytes of tags before the message).
 * Nothing may be queued or half-read. Returns its length without CR LF.
 */
#define raw_line(c, out, outsz) raw_line_at(ITEST_HERE, (c), (out), (outsz))
size_t  raw_line_at(const char *file, int line, struct itest_client *c,
	    char *out, size_t outsz);
/* Standard base64 of n bytes (RFC 4648) into out, NUL-terminated. */
void    b64(const char *in, size_t n, char *out);
/* Send "AUTHENTICATE <base64 of authzid NUL authcid NUL password>". */
#define send_plain(c, z, u, p)  send_plain_at(ITEST_HERE, (c), (z), (u), (p))
void    send_plain_at(const char *file, int line, struct itest_client *c,
	    const char *authzid, const char *authcid, const char *password);
/* Run PLAIN for c: AUTHENTICATE PLAIN, "+", then the credentials. */
#define authenticate(c, z, u, p) authenticate_at(ITEST_HERE, (c), (z), (u), (p))
void    authenticate_at(const char *file, int line, struct itest_client *c,
	    const char *authzid, const char *authcid, const char *password);
/*
 * A configuration with one SASL account, ACCT (password ACCT_PASS, hashed
 * at a low cost), plus extra. Static storage.
 */
const char *sasl_conf(const char *extra);

#endif
