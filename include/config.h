/*
 * Server settings. config_defaults() gives everything needed to serve
 * with no file; a configuration file (format: conf/ircserv.conf) only
 * overrides fields. Ownership: struct config owns every string and array
 * it points to; config_free() releases them all. The parser works on
 * text and never opens a file: reading files is the shell's
 * (config_file.h), which passes its reader in.
 *
 * Files: config.c (settings table, defaults, parser), config_block.c
 * (oper and account blocks), config_check.c (value checks),
 * config_copy.c (free and copy, driven by the settings table through
 * config_owned_field(): a new setting needs no second list).
 */
#ifndef IRCSERV_CONFIG_H
#define IRCSERV_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* Largest configuration or MOTD file read, and longest line in it. */
#define CONFIG_FILE_MAX         (1024 * 1024)
#define CONFIG_LINE_MAX         4096

/* Address families, kept free of <sys/socket.h>: conn.c maps them to AF_*. */
#define CONFIG_INET4            4
#define CONFIG_INET6            6

/* event_backend: how the loop waits for descriptors (loop.h maps these). */
#define CONFIG_BACKEND_POLL     0
#define CONFIG_BACKEND_EPOLL    1       /* Linux only: refused elsewhere */

/* A list of strings: v[0] .. v[n - 1]. */
struct config_strv {
	char   **v;
	size_t   n;
};

/* One "listen = <address>:<port> [proxy] [websocket]" line. */
struct config_listen {
	char    *addr;                  /* numeric, IPv6 without brackets */
	unsigned port;
	int      family;                /* CONFIG_INET4 or CONFIG_INET6 */
	bool     proxy;                 /* peers send a PROXY protocol header */
	bool     websocket;             /* peers speak WebSocket (ws.h) */
	bool     server;                /* server links only (link.h), never clients */
};

/* An "oper <name> { ... }" block: who may OPER, with which password. */
struct config_oper {
	char    *name;
	char    *hash;                  /* "$pbkdf2-sha256$..." (crypto.h) */
	struct config_strv hosts;       /* user@host masks, at least one */
};

/*
 * A "link <name> { ... }" block: a server that may link with us (TS6).
 * It must connect from host (an address or IP glob) to a server listener
 * and send password; with port, host is the address we connect to.
 */
struct config_link {
	char    *name;                  /* its server name */
	char    *host;                  /* exact address, or a glob without port */
	char    *password;              /* plain text: sent in PASS, expected back */
	unsigned port;                  /* where to connect; 0: incoming only */
	bool     autoconnect;           /* keep the link up (needs port) */
};

/* An "account <name> { ... }" block: a SASL PLAIN login. */
struct config_account {
	char    *name;
	char    *hash;                  /* "$pbkdf2-sha256$..." (crypto.h) */
};

struct config {
	char    *server_name;
	char    *sid;                   /* TS6 server ID; NULL: none (no links) */
	char    *sasl_service;          /* nick of the SASL agent (sasl_relay.h); NULL: none */
	char    *network;
	char    *description;
	char    *admin_loc1;
	char    *admin_loc2;
	char    *admin_email;
	char    *motd;                  /* MOTD text, lines separated by '\n' */
	char    *password;              /* connection password, never logged */
	bool     require_password;      /* false: clients may register without PASS */
	bool     utf8only;              /* refuse non-UTF-8 lines, ISUPPORT UTF8ONLY */
	unsigned port;                  /* used when listens is empty */

	unsigned max_clients;
	unsigned chanlimit;             /* channels one user may be in */
	unsigned maxlist;               /* entries per list mode (b, e, I) */
	unsigned max_invites;           /* pending invitations kept per channel */
	unsigned whowas_max;            /* WHOWAS history entries */
	unsigned history_lines;         /* messages kept per channel or conversation */
	unsigned history_age_s;         /* seconds messages are kept; 0: no limit */
	size_t   history_size;          /* bytes of history in all */
	size_t   sendq;                 /* bytes queued to a client before it is cut off */
	size_t   recvq;                 /* unprocessed input bytes kept per client */

	unsigned reg_timeout_s;         /* to complete registration */
	unsigned ping_freq_s;           /* idle time before the server PINGs */
	unsigned ping_timeout_s;        /* time to answer that PING */

	unsigned max_per_ip;            /* connections from one IP; 0: no limit */
	unsigned connect_rate;          /* new connections per IP a minute; 0: no limit */
	struct config_strv limit_exempt; /* IP masks exempt from the two above */
	unsigned flood_burst;           /* lines taken at once before slowing down */
	unsigned flood_rate;            /* lines per second, sustained */
	unsigned flood_max;             /* lines held back before "Excess Flood" */
	struct config_strv flood_exempt; /* IP masks exempt from flood control */
	unsigned multiline_max_bytes;   /* draft/multiline max-bytes */
	unsigned multiline_max_lines;   /* draft/multiline max-lines */
	unsigned metadata_max_keys;     /* draft/metadata-3 pairs per user or channel */
	unsigned metadata_max_subs;     /* subscriptions per client */
	unsigned metadata_max_value;    /* bytes of a value */
	unsigned metadata_set_burst;    /* METADATA SETs taken at once */
	unsigned metadata_set_rate;     /* then SETs per minute */
	unsigned knock_user_delay_s;    /* between KNOCKs delivered for one user */
	unsigned knock_channel_delay_s; /* between KNOCKs delivered to one channel */
	unsigned readmarker_targets;    /* read markers per account or connection */
	unsigned readmarker_accounts;   /* accounts with read markers (at start) */
	unsigned readmarker_conns;      /* connections without an account (at start) */

	bool     websocket_client;      /* serve the web page at GET / */
	struct config_strv websocket_origins; /* allowed Origin values; empty: any */
	struct config_strv websocket_trusted; /* IP masks whose X-Forwarded-For counts */

	int      event_backend;         /* CONFIG_BACKEND_*; read once, at startup */
	int      log_level;             /* an enum log_level (log.h) */
	char    *log_file;              /* NULL: log to stderr */
	char    *motd_file;             /* NULL: the built-in motd */
	char    *bind_addr;             /* address for the command-line port; NULL: 0.0.0.0 */
	char    *history_file;          /* the journal (histfile.h); NULL: memory only */
	unsigned history_flush_ms;      /* longest wait for fdatasync(); 0: the kernel's */

	struct config_listen *listens;  /* empty: 0.0.0.0 at port */
	size_t   nlistens;
	struct config_oper *opers;
	size_t   nopers;
	struct config_account *accounts;
	size_t   naccounts;
	struct config_link *links;
	size_t   nlinks;
};

/*
 * The shell's file reader: the file at path, NUL-terminated, at most max
 * bytes; NULL with the reason in why.
 */
typedef char *config_read_fn(const char *path, size_t max, char *why,
    size_t whylen);
/*
 * The shell's loader: apply the file at path to *cfg (config_load_file()).
 * Returns 0, or -1 with *cfg unchanged and the problem in err.
 */
typedef int config_load_fn(struct config *cfg, const char *path, char *err,
    size_t errlen);

/* Fill *cfg with the defaults; strings are allocated. Returns 0 or -1. */
int     config_defaults(struct config *cfg);
/* Release everything *cfg owns and zero it. Accepts a zeroed config. */
void    config_free(struct config *cfg);
/* Replace *field by a copy of value. Returns 0 or -1 (out of memory). */
int     config_set_string(char **field, const char *value);
/* Append a copy of the len bytes at s. Returns 0 or -1. */
int     config_strv_add(struct config_strv *sv, const char *s, size_t len);
/* Free every string of sv and leave it empty. */
void    config_strv_free(struct config_strv *sv);
/* Copy src into the empty dst. Returns 0, or -1 with dst left empty. */
int     config_strv_copy(struct config_strv *dst, const struct config_strv *src);
/*
 * The i-th pointer field struct config owns that config_free() and
 * config_copy() treat alike: every text setting of the table, motd and
 * password (a char * at *offset, *is_strv false), and every list setting
 * (a struct config_strv, *is_strv true). Returns false past the last.
 */
bool    config_owned_field(size_t i, size_t *offset, bool *is_strv);
/* Free the listen lines of cfg and leave the list empty. */
void    config_listens_free(struct config *cfg);
/*
 * Make *dst a deep copy of *src. *dst is overwritten, not freed. Returns
 * 0, or -1 (out of memory) with *dst zeroed and nothing leaked.
 */
int     config_copy(struct config *dst, const struct config *src);

/*
 * Apply the settings in text on top of *cfg. The first listen,
 * flood_exempt, limit_exempt, oper, account or link in text replaces the
 * list *cfg had;
 * later ones add to it. Touches no files: motd_file is only recorded.
 * Returns 0, or -1 with *cfg unchanged and "<filename>:<line>: <problem>"
 * in err.
 */
int     config_parse_string(struct config *cfg, const char *text,
	    const char *filename, char *err, size_t errlen);
/*
 * Apply text, the contents of the file at path, like
 * config_parse_string(); then relative motd_file and log_file paths are
 * taken from path's directory and stored resolved, and the MOTD file is
 * read with read_file into cfg->motd. Returns 0, or -1 with *cfg
 * unchanged and "<path>:<line>: <problem>" in err.
 */
int     config_parse_file(struct config *cfg, const char *text,
	    const char *path, config_read_fn *read_file, char *err,
	    size_t errlen);

#endif
