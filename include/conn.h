/*
 * Connections: the only place sockets are read, written, accepted and
 * closed. conn reads into each client's receive queue, feeds whole lines to
 * the core, and writes each client's send queue once per round; POLLOUT is
 * armed only while a send queue is non-empty.
 */
#ifndef IRCSERV_CONN_H
#define IRCSERV_CONN_H

#include <stddef.h>

struct server;
struct loop;
struct conn;

/*
 * Open the listening socket on port (all IPv4 interfaces), non-blocking.
 * Returns the descriptor, or -1 with a reason in err.
 */
int     conn_listen(unsigned port, char *err, size_t errlen);
/* Serve srv's clients on listen_fd through lp. Caller frees with conn_free(). */
struct conn *conn_new(struct server *srv, struct loop *lp, int listen_fd);
/* Close the listener and free the shell state (not the server). Accepts NULL. */
void    conn_free(struct conn *c);
/*
 * End of a poll round: free closed clients (writing their last bytes once),
 * then write every client with pending output once.
 */
void    conn_settle(struct conn *c);
/*
 * Shutdown: close every client with reason, keep writing their queues for
 * at most drain_ms, then close them all.
 */
void    conn_shutdown(struct conn *c, const char *reason, int drain_ms);

#endif
