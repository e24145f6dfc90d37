/*
 * IRCv3 capabilities this server offers (ircv3.net "Capability
 * Negotiation"). Only capabilities that are implemented completely are in
 * the table: clients request everything they are offered.
 */
#ifndef IRCSERV_CAP_H
#define IRCSERV_CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAP_CAP_NOTIFY          (1u << 0)
#define CAP_MULTI_PREFIX        (1u << 1)
#define CAP_USERHOST_IN_NAMES   (1u << 2)
#define CAP_AWAY_NOTIFY         (1u << 3)
#define CAP_ECHO_MESSAGE        (1u << 4)
#define CAP_INVITE_NOTIFY       (1u << 5)
#define CAP_MESSAGE_TAGS        (1u << 6)
#define CAP_SERVER_TIME         (1u << 7)
#define CAP_SASL                (1u << 8)
#define CAP_EXTENDED_JOIN       (1u << 9)
#define CAP_ACCOUNT_NOTIFY      (1u << 10)
#define CAP_ACCOUNT_TAG         (1u << 11)
#define CAP_BATCH               (1u << 12)
#define CAP_LABELED_RESPONSE    (1u << 13)
#define CAP_SETNAME             (1u << 14)
#define CAP_NO_IMPLICIT_NAMES   (1u << 15)
#define CAP_EXTENDED_MONITOR    (1u << 16)
#define CAP_CHGHOST             (1u << 17)
#define CAP_CHANNEL_RENAME      (1u << 18)
#define CAP_READ_MARKER         (1u << 19)
#define CAP_METADATA            (1u << 20)
#define CAP_MULTILINE           (1u << 21)
#define CAP_CHATHISTORY         (1u << 22)
#define CAP_EVENT_PLAYBACK      (1u << 23)
#define CAP_MESSAGE_REDACTION   (1u << 24)

/* Room for a capability's value (the SASL agent's mechanisms are the longest). */
#define CAP_VALUE_MAX           224

struct server;
struct client;

struct cap {
	const char *name;
	uint32_t    bit;
	const char *value;      /* fixed value for CAP LS 302, or NULL (cap_value()) */
};

/* The offered capabilities, in the order CAP LS lists them. */
const struct cap *cap_table(size_t *n);
/*
 * The value of cap shown to CAP LS 302 clients, or NULL when it has none;
 * values made from srv's settings (the limits of draft/metadata-3 and
 * draft/multiline) are written into out (outsz bytes).
 */
const char *cap_value(const struct server *srv, const struct cap *cap, char *out,
	    size_t outsz);
/* The capability called name (exact, case-sensitive per spec), or NULL. */
const struct cap *cap_find(const char *name);
/*
 * Whether srv offers cap now: sasl only while the configuration has
 * accounts to log in to or the SASL agent is on the network. A change is
 * announced with cap-notify (cap_sasl_update()).
 */
bool    cap_is_offered(const struct server *srv, const struct cap *cap);
/* The bits of every capability srv offers now. */
uint32_t cap_offered(const struct server *srv);
/*
 * Send "CAP <nick> <sub> :<names>" for the capabilities in bits, with
 * values when asked; 302 clients get long lists split, every line but the
 * last carrying "*" (ircv3.net capability negotiation, "Multiline replies").
 */
void    cap_send_list(struct server *srv, struct client *cli, const char *sub,
	    uint32_t bits, bool values);
/*
 * Tell cap-notify clients that capabilities were added (NEW, with values
 * for 302 clients) or removed (DEL; those who had them enabled lose them).
 * O(connections with cap-notify): the server keeps a list of them.
 */
void    cap_notify(struct server *srv, uint32_t added, uint32_t removed);
/*
 * Set the capabilities cli's connection has enabled to bits, keeping the
 * server's list of cap-notify connections. Returns 0, or -1 when out of
 * memory (nothing changed).
 */
int     cap_set(struct server *srv, struct client *cli, uint32_t bits);
/* cli leaves: off the list of cap-notify connections (from the reaper). */
void    cap_unlink(struct server *srv, struct client *cli);
/*
 * The sasl capability comes and goes: with configured accounts (a
 * reload), and while sasl_service names a user of another server (the
 * SASL agent; sasl_relay.h), whose MECHLIST makes its value. Called after
 * anything that may change it (a line from a link, a user of another
 * server leaving, a reload), in O(1) when nothing changed: cap-notify
 * clients get NEW when it appears, DEL when it goes, and 302 clients a
 * NEW with the new value when only the value changed.
 * cap_sasl_reset() takes the present state as announced (at start and
 * after a hot upgrade), saying nothing.
 */
void    cap_sasl_update(struct server *srv);
void    cap_sasl_reset(struct server *srv);

#endif
