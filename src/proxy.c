/*
 * PROXY protocol header parser (HAProxy proxy-protocol.txt, v1 and v2).
 * Pure: it looks at the bytes it is given and says "need more", "done,
 * this many bytes, this address" or "refuse". Addresses come back as
 * canonical text, the form the core uses for hosts and per-IP limits.
 */
#include "proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

/* 2.2: the first 12 bytes of a version 2 header; byte 5 is a NUL. */
static const unsigned char v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};
static const char v1_prefix[] = "PROXY ";
#define V1_PREFIX_LEN   (sizeof(v1_prefix) - 1)

/* 2.2: high nibble of byte 13 is the version, low nibble the command. */
#define V2_VERSION      0x20
#define V2_CMD_LOCAL    0x0
#define V2_CMD_PROXY    0x1
/* Byte 14: address family (high nibble) and transport (low nibble). */
#define V2_TCP4         0x11
#define V2_TCP6         0x21
#define V2_TCP4_LEN     12      /* 2 * 4 address bytes + 2 * 2 port bytes */
#define V2_TCP6_LEN     36      /* 2 * 16 + 2 * 2 */

static int
fail(struct proxy_result *out, const char *why)
{
	out->error = why;
	return -1;
}

/* Does buf start with the first min(len, n) bytes of prefix? */
static int
prefix_matches(const unsigned char *buf, size_t len, const void *prefix, size_t n)
{
	return memcmp(buf, prefix, len < n ? len : n) == 0;
}

/* 2.1: a decimal port in [0, 65535], no leading zero. */
static int
v1_port(const char *s, unsigned *port)
{
	size_t n = strlen(s);
	unsigned v = 0;

	if (n == 0 || n > 5 || (s[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = v;
	return 0;
}

/*
 * 2.1: exactly four decimal numbers in [0, 255], one dot between each,
 * and no leading zero (it would read as octal elsewhere).
 */
static int
v1_ipv4(const char *s)
{
	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t n = 0;

		while (s[n] >= '0' && s[n] <= '9' && n < 4)
			v = v * 10 + (unsigned)(s[n++] - '0');
		if (n == 0 || n > 3 || v > 255 || (s[0] == '0' && n > 1))
			return -1;
		s += n;
		if (part < 3 && *s++ != '.')
			return -1;
	}
	return *s == '\0' ? 0 : -1;
}

/*
 * The text of an IPv6 address. An IPv4-mapped one (::ffff:a.b.c.d, what a
 * dual-stack proxy reports for IPv4 clients) becomes plain IPv4, so that
 * per-IP limits see one address in one form.
 */
static enum proxy_family
ipv6_text(const struct in6_addr *a, char *out)
{
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		inet_ntop(AF_INET, &a->s6_addr[12], out, PROXY_IP_MAX);
		return PROXY_INET4;
	}
	inet_ntop(AF_INET6, a, out, PROXY_IP_MAX);
	return PROXY_INET6;
}

/*
 * Check a v1 address of family fam. With out, store its canonical text
 * and the family it has after unmapping in *outfam.
 */
static int
v1_addr(const char *s, enum proxy_family fam, char *out, enum proxy_family *outfam)
{
	struct in6_addr a6;

	if (fam == PROXY_INET4) {
		if (v1_ipv4(s) == -1)
			return -1;
		if (out != NULL) {
			memcpy(out, s, strlen(s) + 1);
			*outfam = PROXY_INET4;
		}
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6) != 1)
		return -1;
	if (out != NULL)
		*outfam = ipv6_text(&a6, out);
	return 0;
}

/*
 * Cut line at single spaces into at most max fields. Returns the count,
 * or max + 1 when there are more. Empty fields stay, to be refused.
 */
static int
v1_split(char *line, char **f, int max)
{
	int n = 0;

	for (;;) {
		if (n == max)
			return max + 1;
		f[n++] = line;
		if ((line = strchr(line, ' ')) == NULL)
			return n;
		*line++ = '\0';
	}
}

/* The text of a complete v1 line, CR LF removed and NUL-terminated. */
static int
v1_fields(char *line, struct proxy_result *out)
{
	char *f[4], *proto = line + V1_PREFIX_LEN;
	enum proxy_family fam;
	unsigned dst_port;

	/* 2.1: after UNKNOWN the receiver ignores the rest of the line. */
	if (strncmp(proto, "UNKNOWN", 7) == 0 && (proto[7] == '\0' || proto[7] == ' ')) {
		out->family = PROXY_LOCAL;
		return 0;
	}
	if (strncmp(proto, "TCP4 ", 5) == 0)
		fam = PROXY_INET4;
	else if (strncmp(proto, "TCP6 ", 5) == 0)
		fam = PROXY_INET6;
	else
		return fail(out, "unknown PROXY protocol");
	if (v1_split(proto + 5, f, 4) != 4)
		return fail(out, "wrong number of PROXY fields");
	if (v1_addr(f[0], fam, out->src_ip, &out->family) == -1 ||
	    v1_addr(f[1], fam, NULL, NULL) == -1)
		return fail(out, "bad PROXY address");
	if (v1_port(f[2], &out->src_port) == -1 || v1_port(f[3], &dst_port) == -1)
		return fail(out, "bad PROXY port");
	return 0;
}

/* 2.1: "PROXY ..." ending in CR LF within PROXY_V1_MAX bytes. */
static int
parse_v1(const unsigned char *p, size_t len, struct proxy_result *out)
{
	char line[PROXY_V1_MAX];
	size_t i;

	out->version = 1;
	/* The CR may be at most at PROXY_V1_MAX - 2, with its LF after it. */
	for (i = 0; i < len && i < PROXY_V1_MAX - 1; i++)
		if (p[i] == '\r' || p[i] == '\n' || p[i] == '\0')
			break;
	if (i == PROXY_V1_MAX - 1)
		return fail(out, "PROXY line too long");
	if (i == len)
		return 0;
	/* 2.1: a lone CR or LF must not end the line. */
	if (p[i] != '\r')
		return fail(out, "PROXY line not ended by CR LF");
	if (i + 1 == len)
		return 0;
	if (p[i + 1] != '\n')
		return fail(out, "PROXY line not ended by CR LF");
	memcpy(line, p, i);
	line[i] = '\0';
	if (v1_fields(line, out) == -1)
		return -1;
	return (int)(i + 2);
}

/* 2.2: 16 fixed bytes, then a length-counted address block and TLVs. */
static int
parse_v2(const unsigned char *p, size_t len, struct proxy_result *out)
{
	size_t alen;
	unsigned cmd, fam;

	out->version = 2;
	if (len < PROXY_V2_FIXED)
		return 0;
	fam = p[13];
	if ((p[12] & 0xf0) != V2_VERSION)
		return fail(out, "unsupported PROXY version");
	if ((cmd = p[12] & 0x0f) != V2_CMD_LOCAL && cmd != V2_CMD_PROXY)
		return fail(out, "unknown PROXY command");
	if ((fam >> 4) > 3 || (fam & 0x0f) > 2)
		return fail(out, "unknown PROXY address family");
	alen = (size_t)p[14] << 8 | p[15];
	if (alen > PROXY_V2_LEN_MAX)
		return fail(out, "PROXY header too long");
	if (len < PROXY_V2_FIXED + alen)
		return 0;
	p += PROXY_V2_FIXED;
	/*
	 * LOCAL (a health check) and families we do not take (UNSPEC, UDP,
	 * AF_UNIX) fall back to the real endpoints, as 2.2 allows; TLVs
	 * after the addresses are skipped.
	 */
	out->family = PROXY_LOCAL;
	if (cmd == V2_CMD_PROXY && fam == V2_TCP4) {
		if (alen < V2_TCP4_LEN)
			return fail(out, "PROXY address block too short");
		inet_ntop(AF_INET, p, out->src_ip, PROXY_IP_MAX);
		out->src_port = (unsigned)p[8] << 8 | p[9];
		out->family = PROXY_INET4;
	} else if (cmd == V2_CMD_PROXY && fam == V2_TCP6) {
		struct in6_addr a6;

		if (alen < V2_TCP6_LEN)
			return fail(out, "PROXY address block too short");
		memcpy(&a6, p, sizeof(a6));
		out->family = ipv6_text(&a6, out->src_ip);
		out->src_port = (unsigned)p[32] << 8 | p[33];
	}
	return (int)(PROXY_V2_FIXED + alen);
}

int
proxy_parse(const void *buf, size_t len, struct proxy_result *out)
{
	const unsigned char *p = buf;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return 0;
	if (prefix_matches(p, len, v2_sig, sizeof(v2_sig)))
		return len < sizeof(v2_sig) ? 0 : parse_v2(p, len, out);
	if (prefix_matches(p, len, v1_prefix, V1_PREFIX_LEN))
		return len < V1_PREFIX_LEN ? 0 : parse_v1(p, len, out);
	/* 2.2: anything else is not this protocol; drop, never guess. */
	return fail(out, "no PROXY header");
}

enum proxy_sniff
proxy_sniff(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (len == 0)
		return PROXY_SNIFF_MAYBE;
	if (prefix_matches(p, len, v2_sig, sizeof(v2_sig)))
		return len < sizeof(v2_sig) ? PROXY_SNIFF_MAYBE : PROXY_SNIFF_YES;
	if (prefix_matches(p, len, v1_prefix, V1_PREFIX_LEN))
		return len < V1_PREFIX_LEN ? PROXY_SNIFF_MAYBE : PROXY_SNIFF_YES;
	return PROXY_SNIFF_NO;
}
