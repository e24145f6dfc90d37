/*
 * PROXY protocol headers (HAProxy's proxy-protocol.txt, versions 1 and 2):
 * a proxy in front of the server, such as a TLS terminator, opens each
 * connection with one header naming the client's real address. This
 * parser is pure: it reads bytes handed to it and touches no socket, so
 * conn.c owns the buffering, the deadline and what to do with the result.
 */
#ifndef IRCSERV_PROXY_H
#define IRCSERV_PROXY_H

#include <stddef.h>

/* Longest version 1 line, "PROXY UNKNOWN <v6> <v6> 65535 65535\r\n" (2.1). */
#define PROXY_V1_MAX            107
/* The fixed part of a version 2 header: signature, ver/cmd, family, length. */
#define PROXY_V2_FIXED          16
/*
 * Longest version 2 address block and TLVs we take. The spec lets the
 * length field reach 65535; a bound is ours to choose, and 1 KiB holds
 * the largest address block (AF_UNIX, 216 bytes) and the usual TLVs.
 */
#define PROXY_V2_LEN_MAX        1024
/* A buffer this large can hold any header proxy_parse() accepts. */
#define PROXY_HEADER_MAX        (PROXY_V2_FIXED + PROXY_V2_LEN_MAX)
/* Longest address text, with its NUL (INET6_ADDRSTRLEN). */
#define PROXY_IP_MAX            46

enum proxy_family {
	PROXY_LOCAL,            /* v1 UNKNOWN, v2 LOCAL or UNSPEC: use the peer */
	PROXY_INET4,
	PROXY_INET6
};

struct proxy_result {
	int     version;                /* 1 or 2 */
	enum proxy_family family;
	char    src_ip[PROXY_IP_MAX];   /* canonical text; "" for PROXY_LOCAL */
	unsigned src_port;
	const char *error;              /* why the header was refused, static */
};

/*
 * Parse the header at the start of buf (len bytes received so far).
 * Returns the header's length in bytes when it is complete and valid
 * (*out filled; the bytes after it belong to the application), 0 when
 * every byte so far is a valid start and more are needed, or -1 when the
 * bytes are not a valid header (out->error says why). The spec asks the
 * receiver to drop such connections, never to guess.
 */
int     proxy_parse(const void *buf, size_t len, struct proxy_result *out);

enum proxy_sniff {
	PROXY_SNIFF_NO,         /* not the start of a PROXY header */
	PROXY_SNIFF_YES,        /* starts with "PROXY " or the v2 signature */
	PROXY_SNIFF_MAYBE       /* too short to tell: every byte matches so far */
};

/*
 * Do the first len bytes of a connection begin a PROXY header? For
 * ordinary listeners, which must refuse one rather than read it as IRC.
 */
enum proxy_sniff proxy_sniff(const void *buf, size_t len);

#endif
