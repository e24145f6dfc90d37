/*
 * The handler families: the cmd_* functions of the command table
 * (command.c), grouped by the cmd_<family>.c file that defines them, and
 * the few functions one family gives another (the welcome burst, the
 * JOIN burst). Only command.c and cmd_*.c include this header: the core
 * (server.c, client.c, channel.c, reply.c, ...) never calls a handler
 * file; make lint checks it.
 */
#ifndef IRCSERV_CMD_H
#define IRCSERV_CMD_H

#include "command.h"

struct server;
struct client;
struct channel;
struct msg;

/* cmd_register.c */
cmd_handler cmd_cap, cmd_nick, cmd_pass, cmd_ping, cmd_pong, cmd_quit, cmd_setname,
	    cmd_user;
/* Complete registration if NICK, USER and CAP END are all in. */
void    register_try_complete(struct server *srv, struct client *cli);

/* cmd_sasl.c */
cmd_handler cmd_authenticate;
/* Abandon a SASL exchange in progress, answering 906 (CAP END during it). */
void    sasl_abort(struct server *srv, struct client *cli);

/* cmd_channel.c */
cmd_handler cmd_invite, cmd_join, cmd_kick, cmd_list, cmd_names, cmd_part, cmd_topic;
/* Send NAMES (353/366) for one channel. */
void    cmd_channel_send_names(struct server *srv, struct client *cli, struct channel *chan);
/* What follows a JOIN for its client: the topic (332, 333) and NAMES. */
void    cmd_channel_send_join_burst(struct server *srv, struct client *cli, struct channel *chan);

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
cmd_handler cmd_die, cmd_kill, cmd_oper, cmd_rehash, cmd_upgrade, cmd_wallops;

/* cmd_monitor.c */
cmd_handler cmd_monitor;

/* cmd_readmarker.c */
cmd_handler cmd_markread;
/* Send cli its marker for target: after a JOIN (draft/read-marker). */
void    markread_send(struct server *srv, struct client *cli, const char *target);

/* cmd_metadata.c */
cmd_handler cmd_metadata;
/* After cli joined chan: the metadata it subscribes to there, or 774. */
void    cmd_metadata_send_join(struct server *srv, struct client *cli, struct channel *chan);
/* At registration: cli's own metadata in a "metadata" batch (before-connect). */
void    cmd_metadata_send_own(struct server *srv, struct client *cli);
/* WHOIS: 760 for the few keys of t meant to be read by people. */
void    cmd_metadata_send_whois(struct server *srv, struct client *cli, const struct client *t);

/* cmd_history.c */
cmd_handler cmd_chathistory, cmd_redact;

/* cmd_query.c */
cmd_handler cmd_away, cmd_ison, cmd_userhost, cmd_who, cmd_whois, cmd_whowas;

/* cmd_link.c */
cmd_handler cmd_connect, cmd_links, cmd_map, cmd_squit;

/* cmd_info.c */
cmd_handler cmd_admin, cmd_info, cmd_lusers, cmd_motd, cmd_stats,
	    cmd_summon, cmd_time, cmd_users, cmd_version;

/* cmd_help.c */
cmd_handler cmd_help;

#endif
