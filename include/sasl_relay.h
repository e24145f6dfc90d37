/*
 * SASL through services (TS6 ENCAP SASL, as Solanum and Atheme speak it):
 * when the setting sasl_service names a user of another server (the SASL
 * agent, "SaslServ"), a local client's AUTHENTICATE is relayed to it as
 *   :<our SID> ENCAP <agent's server> SASL <client id> <agent UID> <mode> <data>
 * mode H (the client's host and IP) and S (the mechanism) to start, C
 * (a chunk of client data), D A (abort, or the client left). The client id is the UID the
 * client has or will have once registered (link.h gives it early). The
 * agent's answers come back in ENCAP to this server: SASL C (a challenge,
 * "AUTHENTICATE <data>"), D S/F/A (903, 904, 906), M (908, the
 * mechanisms), SVSLOGIN (the account, 900), and MECHLIST (what the sasl
 * capability's value offers). Without an agent, cmd_sasl.c checks the
 * accounts of the configuration file as before. An exchange the agent
 * does not answer within SASL_RELAY_TIMEOUT_MS fails with 904.
 *
 * Core, sans I/O: what it sends goes to send queues. The state of an
 * exchange is the client's local_extra (sasl_relay_ms, sasl_agent).
 */
#ifndef IRCSERV_SASL_RELAY_H
#define IRCSERV_SASL_RELAY_H

#include <stdbool.h>
#include <stdint.h>

struct server;
struct client;
struct msg;

#define SASL_RELAY_TIMEOUT_MS   30000

/* The SASL agent: the sasl_service user, when another server has it. */
struct client *sasl_relay_agent(const struct server *srv);
/* Whether cli's exchange is relayed to the agent. */
bool    sasl_relay_busy(const struct client *cli);
/*
 * AUTHENTICATE arg from the local client cli, whose exchange is relayed
 * or starts now (arg the mechanism). Returns false, doing nothing, when
 * no exchange is relayed and there is no agent: the caller checks the
 * accounts of the configuration file.
 */
bool    sasl_relay_input(struct server *srv, struct client *cli, const char *arg);
/* AUTHENTICATE * or a reset: the agent is told (D A); no reply here. */
void    sasl_relay_abort(struct server *srv, struct client *cli);
/* cli leaves during a relayed exchange: the agent is told (D A). */
void    sasl_relay_gone(struct server *srv, struct client *cli);
/*
 * ENCAP for this server: SASL <agent> <client id> <mode> [<data>...],
 * SVSLOGIN <target> <nick> <user> <host> <account>, MECHLIST :<list>;
 * p are the parameters after the subcommand, n of them. Wrong or stale
 * ones are ignored.
 */
void    sasl_relay_on_sasl(struct server *srv, const char *const *p, int n);
void    sasl_relay_on_svslogin(struct server *srv, struct client *link,
	    const char *const *p, int n);
void    sasl_relay_on_mechlist(struct server *srv, const char *list);
/* What the sasl capability offers: the agent's list, else ours (NULL). */
const char *sasl_relay_mechs(const struct server *srv);
/*
 * Timers (server.c): when cli's relayed exchange times out (INT64_MAX:
 * none), and the timeout itself (904, the agent told to abort).
 */
int64_t sasl_relay_deadline(const struct client *cli);
void    sasl_relay_expire(struct server *srv, struct client *cli);

#endif
