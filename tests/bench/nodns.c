/*
 * nodns: answers every DNS query on 127.0.0.1:53 with NXDOMAIN, so that a
 * peer which always resolves client addresses (ircd-hybrid) fails fast
 * instead of waiting seconds per client for a resolver that is not there.
 * run.sh starts it inside its private network namespace only.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DNS_HEADER      12

/* Length of the header and question of a query, or 0 if malformed. */
static size_t
question_end(const unsigned char *p, size_t n)
{
	size_t i = DNS_HEADER;

	/* RFC 1035 4.1.2: QNAME is length-prefixed labels ending in 0. */
	while (i < n && p[i] != 0) {
		if (p[i] > 63)
			return 0;
		i += (size_t)p[i] + 1;
	}
	i += 1 + 4;                     /* the zero label, QTYPE, QCLASS */
	return i <= n ? i : 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	unsigned char buf[512];
	int fd, port = argc > 1 ? atoi(argv[1]) : 53;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		perror("nodns");
		return 1;
	}
	for (;;) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		size_t end;

		if (n < DNS_HEADER || (buf[2] & 0x80) ||
		    (end = question_end(buf, (size_t)n)) == 0)
			continue;
		/* RFC 1035 4.1.1: QR=1, keep opcode and RD, RA=1, RCODE=3. */
		buf[2] |= 0x80;
		buf[3] = 0x80 | 3;
		memset(buf + 6, 0, 6);          /* no answer, authority, additional */
		sendto(fd, buf, end, 0, (struct sockaddr *)&from, flen);
	}
}
