/*
 * Protocol limits that are fixed by the protocol or by this server's
 * design. Limits an admin may tune live in struct config (config.h).
 */
#ifndef IRCSERV_IRC_H
#define IRCSERV_IRC_H

/* RFC 1459 2.3: a message is at most 512 bytes including CR LF. */
#define IRC_LINE_MAX            512
/* IRCv3 message-tags: a client may send 4094 bytes of tags plus '@' and ' '. */
#define IRC_CLIENT_TAGS_MAX     4096
/* IRCv3 message-tags: a server may send at most 8191 bytes of tags. */
#define IRC_SERVER_TAGS_MAX     8191
/* The longest line we accept from a client, terminator excluded. */
#define IRC_RECV_LINE_MAX       (IRC_CLIENT_TAGS_MAX + IRC_LINE_MAX - 2)
/* RFC 2812 2.3: at most 15 parameters. */
#define IRC_PARAMS_MAX          15

#define IRC_NICKLEN             30
#define IRC_USERLEN             10
#define IRC_HOSTLEN             63
/* Realnames are kept as sent; this only bounds what one line can carry. */
#define IRC_REALNAMELEN         390
#define IRC_CHANNELLEN          50
#define IRC_TOPICLEN            390
#define IRC_KICKLEN             390
#define IRC_AWAYLEN             200
#define IRC_KEYLEN              23
#define IRC_ACCOUNTLEN          IRC_NICKLEN
/* Channel modes with a parameter applied by one MODE command. */
#define IRC_MODES               6
/* Targets accepted by one PRIVMSG/NOTICE/KICK/WHOIS/NAMES, masks by one LIST. */
#define IRC_MAXTARGETS          4
/* RFC 2812 4.8: USERHOST answers at most five nicks. */
#define IRC_USERHOSTMAX         5
/* Channels accepted by one JOIN or PART (ISUPPORT TARGMAX). */
#define IRC_JOINTARGETS         20

#define IRC_CHANTYPES           "#&"
#define IRC_CASEMAPPING         "rfc1459"

#define IRCSERV_VERSION         "ircserv-0.1"

#endif
