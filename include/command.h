/*
 * Command dispatch: one table row per command {name, min params, needs
 * registration, handler}. command_dispatch() answers 421, 451 and 461
 * centrally, so handlers see only well-formed calls. Handlers live in
 * cmd_<family>.c and are declared here, grouped by family.
 */
#ifndef IRCSERV_COMMAND_H
#define IRCSERV_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct server;
struct client;
struct channel;
struct msg;

typedef void cmd_handler(struct server *, struct client *, const struct msg *);

struct command {
	const char  *name;
	int          min_params;
	bool         needs_registration;
	cmd_handler *handler;
};

/* The row for name (upper case), or NULL. */
const struct command *command_find(const char *name);
/* The table and its length, sorted by name (for STATS m and tests). */
const struct command *command_table(size_t *n);
/* Check and run msg for cli. */
void    command_dispatch(struct server *srv, struct client *cli, const struct msg *msg);

/* Split the next comma-separated item off *cursor (like strsep). */
char   *command_next_item(char **cursor);
/*
 * ISUPPORT TARGMAX: split the comma-separated list at *cursor into at
 * most max distinct (casemapped) non-empty items in v, in order; repeats
 * are dropped. When more items follow, *extra is the first of them (its
 * list is not split further), else NULL. Returns the number in v.
 */
size_t  command_targets(char **cursor, char **v, size_t max, char **extra);
/* Whether item equals (casemapped) one of the n strings of v. */
bool    command_is_repeat(char *const *v, size_t n, const char *item);
/*
 * RFC 2812 3.4: a <target> names a server (wildcards allowed) or a nick,
 * meaning that user's server. Answers 402 and returns false unless the
 * parameter at index i is absent or leads to us.
 */
bool    command_target_is_us(struct server *srv, struct client *cli,
	    const struct msg *msg, int i);

/* cmd_register.c */
cmd_handler cmd_cap, cmd_nick, cmd_pass, cmd_ping, cmd_pong, cmd_quit, cmd_setname,
	    cmd_user;
/* Complete registration if NICK, USER and CAP END are all in. */
void    register_try_complete(struct server *srv, struct client *cli);
/* Tell cap-notify clients that capabilities were added or removed. */
void    cap_notify(struct server *srv, uint32_t added, uint32_t removed);

/* cmd_sasl.c */
cmd_handler cmd_authenticate;
/* Abandon a SASL exchange in progress, answering 906 (CAP END during it). */
void    sasl_abort(struct server *srv, struct client *cli);

/* cmd_channel.c */
cmd_handler cmd_invite, cmd_join, cmd_kick, cmd_list, cmd_names, cmd_part, cmd_topic;
/* Send the next part of a paced LIST (see server_on_drained()). */
void    list_continue(struct server *srv, struct client *cli);
/* Send NAMES (353/366) for one channel. */
void    channel_send_names(struct server *srv, struct client *cli, struct channel *chan);
/* What follows a JOIN for its client: the topic (332, 333) and NAMES. */
void    channel_send_join_burst(struct server *srv, struct client *cli, struct channel *chan);

/* cmd_knock.c */
cmd_handler cmd_knock;

/* cmd_rename.c */
cmd_handler cmd_rename;

/* cmd_message.c */
cmd_handler cmd_notice, cmd_privmsg, cmd_tagmsg;
struct multiline;
/*
 * Deliver the complete multiline batch ml from cli to its target: as a
 * draft/multiline batch to clients with that capability and batch, as
 * separate lines to the others (ircv3.net multiline "Fallback").
 */
void    message_send_multiline(struct server *srv, struct client *cli,
	    const struct multiline *ml);
/* cmd_batch.c */
cmd_handler cmd_batch;
/* Whether msg is a line of a client batch, for batch_line() to take. */
bool    batch_takes_line(const struct client *cli, const struct msg *msg);
/* Take one line tagged batch=<ref> into cli's open batch. */
void    batch_line(struct server *srv, struct client *cli, const struct msg *msg);

/* cmd_mode.c */
cmd_handler cmd_mode;

/* cmd_oper.c */
cmd_handler cmd_die, cmd_kill, cmd_oper, cmd_rehash, cmd_wallops;

/* cmd_monitor.c */
cmd_handler cmd_monitor;
/* Tell cli's watchers that it came online (730) or went offline (731). */
void    monitor_notify(struct server *srv, struct client *cli, bool online);

/* cmd_readmarker.c */
cmd_handler cmd_markread;
/* Send cli its marker for target: after a JOIN (draft/read-marker). */
void    markread_send(struct server *srv, struct client *cli, const char *target);

/* cmd_metadata.c */
cmd_handler cmd_metadata;
/* After cli joined chan: the metadata it subscribes to there, or 774. */
void    metadata_send_join(struct server *srv, struct client *cli, struct channel *chan);
/* At registration: cli's own metadata in a "metadata" batch (before-connect). */
void    metadata_send_own(struct server *srv, struct client *cli);
/* WHOIS: 760 for the few keys of t meant to be read by people. */
void    metadata_send_whois(struct server *srv, struct client *cli, const struct client *t);

/* cmd_query.c */
cmd_handler cmd_away, cmd_ison, cmd_userhost, cmd_who, cmd_whois, cmd_whowas;

/* cmd_info.c */
cmd_handler cmd_admin, cmd_info, cmd_links, cmd_lusers, cmd_motd, cmd_stats,
	    cmd_summon, cmd_time, cmd_users, cmd_version;
void    info_send_isupport(struct server *srv, struct client *cli);
void    info_send_lusers(struct server *srv, struct client *cli);
void    info_send_motd(struct server *srv, struct client *cli);

/* cmd_help.c */
cmd_handler cmd_help;

#endif
