/*
 * IRCv3 labeled-response: the replies one command queues for its sender
 * are tied to the command's "label" tag. With no reply the server sends
 * ACK, one reply carries the label, several come in a labelled BATCH
 * (ircv3.net labeled-response, batch).
 */
#ifndef IRCSERV_LABEL_H
#define IRCSERV_LABEL_H

#include <stdbool.h>
#include <stddef.h>

struct server;
struct client;
struct msg;

/* The longest label accepted; a longer one is ignored. */
#define LABEL_MAX 64

struct label {
	char    value[LABEL_MAX + 1];   /* as sent, still escaped */
	size_t  mark;                   /* sendq length before dispatch */
	size_t  aside_at, aside_len;    /* sendq bytes that are no reply */
	bool    active;
};

/*
 * Before dispatch: note msg's label if cli negotiated labeled-response;
 * cli->label then points at l until label_end().
 */
void    label_begin(struct label *l, struct client *cli, const struct msg *msg);
/*
 * label_begin() for a command whose label came on an earlier line: a
 * client batch is labelled on its BATCH + line and answered at its
 * BATCH - (ircv3.net multiline). value as kept by label_take().
 */
void    label_resume(struct label *l, struct client *cli, const char *value);
/*
 * Take the label of cli's command for a reply that carries it itself:
 * copies the value (at most LABEL_MAX bytes, escaped as sent) into value
 * and returns true; label_end() then adds nothing. False when cli's
 * command has no label (left unchanged).
 */
bool    label_take(struct client *cli, char value[LABEL_MAX + 1]);
/*
 * The bytes queued for cli from sendq offset at up to now are not a reply
 * to its labelled command but a side effect, such as its own message
 * delivered to itself (ircv3.net labeled-response: only the echo-message
 * copy carries the label). label_end() queues them after the reply,
 * without the label. No effect outside a labelled command; one range per
 * command.
 */
void    label_aside(struct client *cli, size_t at);
/* After dispatch: label what was queued for cli since label_begin(). */
void    label_end(struct label *l, struct server *srv, struct client *cli);

#endif
