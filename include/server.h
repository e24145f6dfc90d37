/*
 * The sans-I/O core. struct server owns every client, channel and setting,
 * and server_free() releases all of it. The I/O shell feeds it whole lines
 * (server_on_line), tells it the time (server_set_clock), runs its timers
 * (server_tick) and background work (server_work), collects clients with
 * output (server_pop_pending) and
 * frees closed ones after each round (server_reap_next). Nothing here
 * touches a socket.
 */
#ifndef IRCSERV_SERVER_H
#define IRCSERV_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "roundstat.h"

struct client;
struct hmap;
struct whowas;
struct limits;
struct monitor;
struct hashq;
struct readmarkers;
struct buf;
struct history;
struct network;

#define SERVER_ISUPPORT_MAX 40
/* Own output of one command that costs one more line of flood allowance. */
#define SERVER_COST_BYTES   4096
/*
 * Work budget of one loop round for client lines, in nanoseconds of the
 * shell's clock (server.clock_ns): once it is spent, the clients whose
 * lines are left wait on the input-pending list for the next round. Time
 * the process did not run (a virtual machine's steal, other processes)
 * is no work: when the shell also gives its CPU clock (server.cpu_clock_ns),
 * a round ends only once that too says the budget is spent; cutting it
 * earlier would only add a wait and a write per client.
 */
#define SERVER_ROUND_BUDGET_NS ((int64_t)3000000)

/* A monotonic clock in nanoseconds, read by the core to bound a round. */
typedef int64_t server_clock_fn(void);

struct server {
	struct config    cfg;           /* owned */
	struct logger    log;           /* level from cfg.log_level */
	struct hmap     *nicks;         /* nick -> struct client */
	struct hmap     *channels;      /* name -> struct channel */
	struct hmap     *accounts;      /* account -> first logged-in client */
	struct readmarkers *markers;    /* read markers of accounts */
	struct readmarkers *conn_markers; /* of connections without one, by id */
	struct buf      *journal;       /* records for history_file (persist.h);
					   NULL: memory only. The shell's */
	bool             journal_drops; /* journal bound drops too: a snapshot
					   is being taken in slices (persist.h) */
	bool             snapshot_again; /* a rename came in the middle of it */
	struct whowas   *whowas;        /* nicks that left or changed */
	struct history  *history;       /* CHATHISTORY: messages and channel events */
	struct limits   *limits;        /* connections per IP */
	struct monitor  *monitor;       /* MONITOR watchers */
	struct network  *net;           /* servers linked (network.h, link.h) */
	struct hashq    *hashq;         /* password checks in progress */
	struct client   *clients;       /* every connection */
	unsigned         nclients;      /* connections, registered or not */
	unsigned         nusers;        /* registered */
	unsigned         ninvisible;
	unsigned         nopers;
	unsigned         max_users;     /* highest nusers seen */
	unsigned         max_local;     /* highest count of users here seen */

	struct client   *pending;       /* clients with output to write */
	struct client   *input_head, *input_tail; /* input pending, FIFO */
	struct client   *input_cut;     /* on it, cut off after some lines:
	                                 * goes last at the next round */
	server_clock_fn *clock_ns;      /* the shell's; NULL: rounds unbounded */
	server_clock_fn *cpu_clock_ns;  /* the shell's CPU time; NULL: none */
	int64_t          round_start_ns; /* clock_ns() at inputq_begin_round(),
	                                 * moved on by time the process did not run */
	int64_t          round_cpu_ns;  /* cpu_clock_ns() then */
	unsigned long    round_lines;   /* lines handled since then */
	struct client   *dead;          /* clients marked by client_close() */
	struct client  **timers;        /* min-heap on client_deadline() */
	size_t           ntimers, timers_cap;
	struct client  **notify;        /* connections with cap-notify, in no
	                                 * order (cap.c: cap_set()) */
	uint32_t         nnotify, notify_cap;
	char             sasl_shown[256]; /* cap.c: the sasl capability as last
	                                 * announced: "" not offered, else
	                                 * "=" and its value */

	time_t           now;           /* wall clock, seconds */
	int64_t          now_ms;        /* monotonic clock, milliseconds */
	int64_t          now_wall_ms;   /* wall clock, milliseconds (server-time) */
	uint64_t         msgid_seq;     /* last IRCv3 msgid handed out */
	time_t           started;
	char             created[64];   /* for RPL_CREATED */
	uint32_t         serial;        /* broadcast stamp, see server_next_serial() */
	uint64_t         next_id;

	char            *isupport[SERVER_ISUPPORT_MAX];  /* "TOKEN=value", owned */
	size_t           nisupport;
	unsigned long   *cmd_counts;    /* per command table row, for STATS m */
	unsigned long   *cmd_bytes;
	struct roundstat rounds;        /* loop rounds' work time, for STATS r */
	uint64_t         closing_drops; /* lines for clients already closing,
	                                 * dropped (work wasted), for STATS r */
	char            *config_path;   /* owned; NULL when started without -c */
	config_load_fn  *config_load;   /* the shell's reader of config_path */
	uint8_t          scram_secret[32]; /* random; SCRAM salts of unknown names */
	bool             stop;          /* DIE asked the server to shut down */
	bool             upgrade;       /* UPGRADE asked the shell to upgrade in
	                                 * place; the shell clears it */
};

/*
 * Create a server with a copy of cfg (the caller keeps cfg). wall_ms and
 * now_ms seed the clocks (see server_set_clock()). Caller frees with
 * server_free(). NULL on failure.
 */
struct server *server_new(const struct config *cfg, int64_t wall_ms, int64_t now_ms);
/* Free every client (without I/O), channel and setting. Accepts NULL. */
void    server_free(struct server *srv);
/*
 * Set the clocks for the coming round: wall-clock milliseconds (for
 * displayed times) and monotonic milliseconds (for timers).
 */
void    server_set_clock(struct server *srv, int64_t wall_ms, int64_t now_ms);

/*
 * A new connection from ip: see client_new(). Checks max_clients and the
 * per-IP limits (addresses in flood_exempt are trusted and not limited),
 * then starts the registration timer. Returns NULL with the reason to give
 * the peer in *why when the connection is refused.
 */
struct client *server_add_client(struct server *srv, int fd, const char *ip,
	    const char **why);
/*
 * Handle one complete line (no terminator, NUL-terminated, modifiable) from
 * cli. May queue output to any client and mark clients closed.
 */
void    server_on_line(struct server *srv, struct client *cli, char *line, size_t len);
/* The client sent a line longer than the limit: answer 417. */
void    server_on_line_too_long(struct server *srv, struct client *cli);
/*
 * Bytes arrived in cli->local->recvq: handle the complete lines in it, as many as
 * flood control and the round's work budget allow now; the rest wait for
 * a later round (throttled: on the timer heap; over budget: on the
 * input-pending list, after the clients already waiting there).
 */
void    server_on_input(struct server *srv, struct client *cli);

/*
 * cli's send queue has emptied: go on with output that was held back to
 * keep it small (a long LIST, ISUPPORT SAFELIST).
 */
void    server_on_drained(struct server *srv, struct client *cli);

/*
 * Run the timers that are due (PING idle clients, close timed-out ones).
 * Returns the milliseconds until the next one, or -1 when none is armed.
 */
int     server_tick(struct server *srv);

/* Next client with pending output, removed from the list; NULL when none. */
struct client *server_pop_pending(struct server *srv);
/*
 * Next client marked closed: its QUIT is announced to everyone sharing a
 * channel, it leaves every channel and registry, and it is returned,
 * unlinked, for the shell to flush and close; free it with client_free().
 * NULL when none is left.
 */
struct client *server_reap_next(struct server *srv);
/*
 * Reload the configuration file (REHASH, SIGHUP): read config_path on top
 * of the defaults, keeping the connection password. On success the new
 * settings apply to everyone at once and clients stay connected; on
 * failure the running configuration stays and err says why (file:line).
 * Listeners are not changed. Returns 0 or -1.
 */
int     server_rehash(struct server *srv, char *err, size_t errlen);
/*
 * Keep path (copied) as the file server_rehash() reads, and load, the
 * shell's function that reads and parses it (config_load_file()): the
 * core itself opens no file. Returns 0 or -1.
 */
int     server_set_config_path(struct server *srv, const char *path,
	    config_load_fn *load);

/* Mark every client closed with reason (server shutdown). */
void    server_shutdown(struct server *srv, const char *reason);

/*
 * Background work between rounds of I/O: a bounded slice (HASHQ_ROUND
 * iterations, about a millisecond) of the queued password checks, whose
 * clients are answered as their checks finish. Returns true while work is
 * left: the shell should then poll without blocking and call again.
 */
bool    server_work(struct server *srv);

/*
 * cli's next deadline may have moved earlier (a client batch was opened,
 * which is discarded after MULTILINE_TIMEOUT_MS): reposition its timer.
 */
void    server_timer_update(struct server *srv, struct client *cli);

/* A fresh stamp for "send to each client at most once" broadcasts. */
uint32_t server_next_serial(struct server *srv);

#endif
