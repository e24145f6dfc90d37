/*
 * The life of a user, as the rest of the network sees it: registration
 * completing and a registered client leaving. client.c owns struct client
 * and the user counts; this module sequences what the two events do to
 * the registries and to other clients, so that handlers (registration)
 * and the reaper (server.c) take the same steps; and the welcome burst a
 * new user gets (001-005, LUSERS, MOTD), whose parts LUSERS, MOTD and
 * VERSION send again.
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
 * The welcome burst to cli, just registered: 001-004, the 005 ISUPPORT
 * lines, LUSERS, MOTD, and its user modes if any are set.
 */
void    user_welcome(struct server *srv, struct client *cli);
/* The 005 ISUPPORT lines (13 tokens a line at most) to cli. */
void    user_send_isupport(struct server *srv, struct client *cli);
/* LUSERS (251-255, 265, 266) from the server's counts, to cli. */
void    user_send_lusers(struct server *srv, struct client *cli);
/* The MOTD (375, 372 each line, 376), or 422 when there is none, to cli. */
void    user_send_motd(struct server *srv, struct client *cli);
/*
 * cli, closed, is being reaped: if it was a registered user, its QUIT
 * (with the close reason) goes once to every client sharing a channel
 * and into those channels' history,
 * its watchers hear 731, WHOWAS keeps it, and it leaves the user counts.
 * Unregistered clients are left as they are.
 */
void    user_quit(struct server *srv, struct client *cli);

#endif
