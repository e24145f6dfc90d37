/*
 * The life of a user, as the rest of the network sees it: registration
 * completing and a registered client leaving. client.c owns struct client
 * and the user counts; this module sequences what the two events do to
 * the registries and to other clients, so that handlers (registration)
 * and the reaper (server.c) take the same steps. The welcome burst to the
 * user itself is cmd_register.c's.
 */
#ifndef IRCSERV_USER_H
#define IRCSERV_USER_H

struct server;
struct client;

/*
 * cli has sent everything registration needs: it becomes a registered
 * user (counted for LUSERS), the registration is logged, and clients
 * that MONITOR its nick hear 730.
 */
void    user_register(struct server *srv, struct client *cli);
/*
 * cli, closed, is being reaped: if it was a registered user, its QUIT
 * (with the close reason) goes once to every client sharing a channel
 * and into those channels' history,
 * its watchers hear 731, WHOWAS keeps it, and it leaves the user counts.
 * Unregistered clients are left as they are.
 */
void    user_quit(struct server *srv, struct client *cli);

#endif
