/*
 * libFuzzer harness for the PROXY protocol parser, the first code that
 * reads a connection on a "proxy" listener. Checks the contract of
 * proxy.h on arbitrary bytes and on every prefix of them: a header is
 * complete at exactly one length, every shorter prefix asks for more,
 * the address comes back as canonical text, and proxy_sniff() agrees.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_address(const struct proxy_result *r)
{
	unsigned char a[16];
	char back[PROXY_IP_MAX];

	assert(r->version == 1 || r->version == 2);
	assert(memchr(r->src_ip, '\0', sizeof(r->src_ip)) != NULL);
	assert(r->src_port <= 65535);
	switch (r->family) {
	case PROXY_LOCAL:
		assert(r->src_ip[0] == '\0');
		break;
	case PROXY_INET4:
		assert(inet_pton(AF_INET, r->src_ip, a) == 1);
		inet_ntop(AF_INET, a, back, sizeof(back));
		assert(strcmp(back, r->src_ip) == 0);
		break;
	case PROXY_INET6:
		assert(inet_pton(AF_INET6, r->src_ip, a) == 1);
		inet_ntop(AF_INET6, a, back, sizeof(back));
		assert(strcmp(back, r->src_ip) == 0);
		break;
	default:
		assert(!"unknown family");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_result r, rp;
	/* A private copy, so reading past size is caught by ASan. */
	uint8_t *buf = malloc(size ? size : 1);
	int n;

	assert(buf != NULL);
	memcpy(buf, data, size);
	memset(&r, 0, sizeof(r));
	n = proxy_parse(buf, size, &r);
	assert(n >= -1 && (size_t)(n > 0 ? n : 0) <= size);
	assert(n <= PROXY_HEADER_MAX);
	if (n == -1)
		assert(r.error != NULL);
	if (n > 0) {
		check_address(&r);
		assert(proxy_sniff(buf, size) == PROXY_SNIFF_YES);
	}
	/* Bytes arrive in pieces: each shorter prefix needs more or fails. */
	for (size_t len = 0; len < size && len < PROXY_HEADER_MAX + 1; len++) {
		int m;

		memset(&rp, 0, sizeof(rp));
		m = proxy_parse(buf, len, &rp);
		if (n > 0)
			assert(m == (len < (size_t)n ? 0 : n));
		if (n == 0)
			assert(m == 0);
		if (m == -1)
			assert(n == -1);
		if (proxy_sniff(buf, len) == PROXY_SNIFF_NO)
			assert(m == -1);
	}
	free(buf);
	return 0;
}
