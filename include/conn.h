/*
 * Connections: the only place sockets are read, written, accepted and
 * closed. conn reads into each client's receive queue, feeds whole lines to
 * the core, and writes each client's send queue once per round; POLLOUT is
 * armed only while a send queue is non-empty. On proxy listeners it first
 * reads the PROXY header and admits the client under the address it names.
 */
#ifndef IRCSERV_CONN_H
#define IRCSERV_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct server;
struct loop;
struct conn;

/*
 * Open a non-blocking listening socket on addr (numeric; NULL: every IPv4
 * interface) and port; family is CONFIG_INET4 or CONFIG_INET6. Returns the
 * descriptor, or -1 with a reason naming the address and port in err.
 */
int     conn_listen(const char *addr, int family, unsigned port, char *err,
	    size_t errlen);
/* Serve srv's clients through lp. Caller frees with conn_free(). */
struct conn *conn_new(struct server *srv, struct loop *lp);
/*
 * Accept clients on listen_fd, which conn now owns. With proxy, every
 * connection must open with a PROXY protocol header (v1 or v2) within 5 s
 * and is refused otherwise; without, one that opens with a header is
 * refused. With websocket, connections speak WebSocket (ws.h): the
 * handshake (after the PROXY header, with both) must be complete within
 * the same 5 s; a plain HTTP GET of / gets the web page when the
 * configuration's websocket_client is on, anything else a 400. With
 * server (alone), connections are server links (link.h), never clients.
 * Returns 0 or -1.
 */
int     conn_add_listener(struct conn *c, int listen_fd, bool proxy,
	    bool websocket, bool server);
/*
 * Make the server-link connections the core asks for (link_next_connect()):
 * a non-blocking connect() whose socket is a link client at once; what
 * the core queues is written once it is connected. A failure is reported
 * back with link_connect_failed().
 */
void    conn_connect_links(struct conn *c);
/*
 * Close the listeners and the connections still waiting for a PROXY
 * header, and free the shell state (not the server). Accepts NULL.
 */
void    conn_free(struct conn *c);
/*
 * End of a loop round: close connections whose PROXY header is overdue,
 * free closed clients (writing their last bytes once), then write every
 * client with pending output once.
 */
void    conn_settle(struct conn *c);
/*
 * The wait timeout for the next round: timeout_ms (-1: none), shortened
 * to the first PROXY header deadline. Call after conn_settle().
 */
int     conn_poll_timeout(const struct conn *c, int timeout_ms);
/*
 * Shutdown: close every client with reason, keep writing their queues for
 * at most drain_ms, then close them all.
 */
void    conn_shutdown(struct conn *c, const char *reason, int drain_ms);

/*
 * Hot upgrade (conn_upgrade.c, format in docs/upgrade.md): write the
 * shell's section (STATE_SHELL) of a saved state into w: the listeners,
 * each client's socket-level state (PROXY sniffing, WebSocket codec and
 * byte queues) and the connections still waiting for a PROXY header or
 * WebSocket handshake, with pause_start_ms (monotonic) and the version of
 * this image (upgrade.h: struct upgrade's version). Connections being answered over HTTP are left out (they
 * close with the old image).
 */
struct state_w;
struct journal_rec;
void    conn_save(struct conn *c, struct state_w *w, int64_t pause_start_ms,
	    const char *version);
/*
 * Calls fn for every descriptor a saved state names (listeners, clients,
 * waiters): the ones the exec must keep open.
 */
void    conn_each_fd(struct conn *c, void (*fn)(void *arg, int fd, bool keep),
	    void *arg, bool keep);
/*
 * Take over what r (the STATE_SHELL section, of that version) names, the core's clients
 * being restored already: listen again on the listeners, watch each
 * client's descriptor, rebuild the waiting connections. *pause_start_ms
 * and old_version (size versz) get what the old image wrote. Returns 0,
 * or -1 with the reason in err.
 */
int     conn_restore(struct conn *c, struct journal_rec *r, uint32_t version,
	    int64_t *pause_start_ms, char *old_version, size_t versz, char *err,
	    size_t errlen);
#endif
