/*
 * The saved state of a running server, for a hot upgrade (format:
 * docs/upgrade.md), server links and the network behind them included
 * (state_link.c). Sans-I/O: state_save() encodes the core's state into
 * a byte buffer, state_load() rebuilds it in a fresh server from bytes;
 * moving the bytes across exec() and the descriptors they name is the
 * shell's work (upgrade.c). A blob is
 *
 *	"IRCSTATE" | u32 version | u32 body length | sections | u32 CRC-32C
 *
 * little-endian, the CRC over everything before it; each section is
 * u32 tag | u32 section version | u32 length | body. Readers skip a
 * section whose tag they do not know. Every read is bounds-checked and
 * errors are sticky: a damaged or hostile blob is refused, never trusted.
 */
#ifndef IRCSERV_STATE_H
#define IRCSERV_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "irc.h"
#include "journal.h"

struct server;
struct buf;
struct client;

#define STATE_MAGIC             "IRCSTATE"      /* 8 bytes, no NUL */
/*
 * The blob format this server writes (--upgrade-check answers it), and
 * the oldest it still reads: a server of the previous format can hand
 * its state to this one.
 */
#define STATE_VERSION           4u
#define STATE_VERSION_OLDEST    1u
#define STATE_HEADER_SIZE       16      /* magic, u32 version, u32 body length */
#define STATE_SECTION_HEADER    12      /* u32 tag, u32 version, u32 length */
/* The longest string field a reader accepts (a SendQ is bytes, not a string). */
#define STATE_STR_MAX           (64 * 1024)

/* Section tags: four ASCII letters read as a little-endian u32. */
#define STATE_TAG(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | \
	    (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define STATE_SERVER            STATE_TAG('S', 'R', 'V', 'R')  /* counters, clocks */
#define STATE_WHOWAS            STATE_TAG('W', 'W', 'A', 'S')
#define STATE_HISTORY           STATE_TAG('H', 'I', 'S', 'T')  /* a journal snapshot */
#define STATE_MARKERS           STATE_TAG('M', 'A', 'R', 'K')  /* of connections */
#define STATE_CLIENTS           STATE_TAG('C', 'L', 'N', 'T')
#define STATE_CHANNELS          STATE_TAG('C', 'H', 'A', 'N')
#define STATE_SHELL             STATE_TAG('S', 'H', 'E', 'L')  /* listeners, sockets */
/* Linked servers, users of other servers, autoconnect (state version 2; 3: addresses). */
#define STATE_LINKS             STATE_TAG('L', 'I', 'N', 'K')

/* Writing: errors (out of memory) are sticky in bad. */
struct state_w {
	struct buf *out;
	size_t   section;               /* offset of the open section's header */
	bool     bad;
};

/* Start a blob in out (emptied first). */
void    state_w_begin(struct state_w *w, struct buf *out);
void    state_put_u8(struct state_w *w, uint8_t v);
void    state_put_u32(struct state_w *w, uint32_t v);
void    state_put_u64(struct state_w *w, uint64_t v);
void    state_put_i64(struct state_w *w, int64_t v);
void    state_put_bool(struct state_w *w, bool v);
/* u32 length and the bytes. */
void    state_put_bytes(struct state_w *w, const void *p, size_t len);
/* A string, or NULL (length 0xFFFFFFFF). */
void    state_put_str(struct state_w *w, const char *s);
/* Open a section; sections do not nest. */
void    state_section_begin(struct state_w *w, uint32_t tag, uint32_t version);
void    state_section_end(struct state_w *w);
/* Close the blob (body length, CRC). Returns 0, or -1 when it went bad. */
int     state_w_end(struct state_w *w);

/*
 * Reading a section's body: the cursor is the journal's (struct
 * journal_rec: journal_get_u8(), _u32(), _u64(), _raw(), sticky errors);
 * these read the fields the journal does not have.
 */
int64_t  state_get_i64(struct journal_rec *r);
/* A bool must be 0 or 1. */
bool     state_get_bool(struct journal_rec *r);
/* Borrow a byte field of at most max bytes: *len at the pointer (NULL when bad). */
const uint8_t *state_get_bytes(struct journal_rec *r, size_t max, size_t *len);
/* Copy a string (no NUL inside, not NULL) into out of size outsz. 0 or -1. */
int      state_get_str(struct journal_rec *r, char *out, size_t outsz);
/*
 * A string of at most max bytes as a new allocation, or NULL: for a NULL
 * string (r->bad unchanged) or on error or no memory (r->bad set).
 */
char    *state_get_strdup(struct journal_rec *r, size_t max);
/* A count of at most max (larger marks r bad and returns 0). */
uint32_t state_get_count(struct journal_rec *r, uint32_t max);
/* Whether every field was read and none was bad. */
bool     state_r_done(const struct journal_rec *r);

/*
 * Check a blob: magic, version (STATE_VERSION_OLDEST to STATE_VERSION),
 * length and CRC-32C. Returns 0, or -1 with the reason in err.
 */
int     state_check(const void *data, size_t len, char *err, size_t errlen);
/*
 * The body of the section tagged tag in a checked blob, in *r. Returns
 * true and its version in *version, or false when there is none.
 */
bool    state_section(const void *data, size_t len, uint32_t tag,
	    uint32_t *version, struct journal_rec *r);

/*
 * Encode every piece of srv's core state into w as sections: counters,
 * WHOWAS, history (unless history_file keeps it: with_history false),
 * read markers, clients (server links among them) with their queues,
 * the servers behind the links and their users, channels with their
 * members. The shell adds its own section (STATE_SHELL) before
 * state_w_end(). Clients marked closing are left out, and so are users
 * without a connection here that no server of the network holds.
 * Returns 0 or -1 (out of memory).
 */
int     state_save(struct server *srv, struct state_w *w, bool with_history);
/*
 * Rebuild the state in data (checked with state_check()) into srv, fresh
 * from server_new() with the configuration: clients keep their ids and
 * descriptors (cli->fd), which the shell then takes over. Returns 0, or
 * -1 with the reason in err; srv then holds part of the state and should
 * be freed (its clients with server_free(), the descriptors being the
 * shell's to close).
 */
int     state_load(struct server *srv, const void *data, size_t len, char *err,
	    size_t errlen);

/*
 * Shared by state_save.c, state_load.c and state_link.c only.
 */

/* Whether cli goes into the state (state_save() above). */
bool    state_kept(const struct client *cli);
/* A user of another server (local NULL, on a known server) that is kept. */
bool    state_kept_remote(const struct client *cli);

/* A restored user, and the order of its channels until they exist. */
struct state_load_cli {
	struct client  *cli;
	char          (*chans)[IRC_CHANNELLEN + 1];
	uint32_t        nchans;
	bool            list_open;      /* a paced LIST was going on */
	char           *list_filters;   /* CLNT 3: what it was, and what */
	char           *list_conds;     /* it had still to list */
	char          (*list_names)[IRC_CHANNELLEN + 1];
	uint32_t        list_n;
};

/* The restore's scratch: the users, sorted by id once all are read. */
struct state_load {
	struct server  *srv;
	struct state_load_cli *v;
	size_t          n;
	size_t          cap;
	uint32_t        version;        /* of the section being read */
	uint32_t        blob_version;   /* of the whole blob */
};

/* Metadata key/values (values false: keys only). */
struct metadata;
void    state_save_metadata(struct state_w *w, const struct metadata *md);
void    state_load_metadata(struct journal_rec *r, struct metadata *md, bool values);
/* A user's channel names, in its order (CLNT and LINK). */
void    state_save_chans(struct state_w *w, const struct client *cli);
void    state_load_chans(struct journal_rec *r, struct state_load_cli *lc);
/* Sort the users by id: -1 if one is there twice. Then find one by id. */
int     state_load_index(struct state_load *ld);
struct client *state_load_find(const struct state_load *ld, uint64_t id);
/* The link state of a client of CLNT 3 (bool, then struct link). */
void    state_link_save_conn(struct state_w *w, const struct client *cli);
void    state_link_load_conn(struct state_load *ld, struct journal_rec *r, struct client *cli);
/* The LINK section. */
void    state_link_save(struct server *srv, struct state_w *w);
int     state_link_load(struct state_load *ld, struct journal_rec *r);
/* After every section: each established link has its server. 0 or -1. */
int     state_link_check(struct state_load *ld);

#endif
