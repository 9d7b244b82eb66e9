/* PROXY protocol version 2: the header parser, the sniff for connections
 * that may not send one, and the list of trusted senders. See proxy.h; the
 * section numbers below are those of HAProxy's doc/proxy-protocol.txt. */
#include "proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2.2: twelve bytes that no common protocol starts with (a NUL in the
 * middle, so never a C string) */
static const uint8_t v2sig[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
				   0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };

#define CMD_LOCAL 0x0
#define CMD_PROXY 0x1
#define AF_PP_UNSPEC 0x0
#define AF_PP_INET 0x1
#define AF_PP_INET6 0x2
#define AF_PP_UNIX 0x3
#define TP_UNSPEC 0x0
#define TP_STREAM 0x1
#define TP_DGRAM 0x2
#define PP2_TYPE_CRC32C 0x03

/* CRC32C (Castagnoli), as RFC 4960 appendix B: reflected polynomial
 * 0x82F63B78. Bit by bit: a header is at most PROXY_HEADER_MAX bytes and
 * comes once per connection, so a table would buy nothing. */
static uint32_t crc32c_update(uint32_t crc, const uint8_t *p, size_t n)
{
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
	}
	return crc;
}

#ifdef UNITTEST
uint32_t proxy__crc32c(const uint8_t *p, size_t n)
{
	return crc32c_update(0xFFFFFFFFu, p, n) ^ 0xFFFFFFFFu;
}
#endif

_Static_assert(PROXY_HEADER_MAX == 1024, "the refusal message in proxy_parse names the limit");

/* Bytes of the address block for a family/transport pair, 0 when the
 * addresses are to be ignored (UNSPEC on either side). -1: a value the spec
 * says receivers must reject. */
static int addr_len(unsigned af, unsigned tp)
{
	if (af > AF_PP_UNIX || tp > TP_DGRAM)
		return -1;
	if (af == AF_PP_UNSPEC || tp == TP_UNSPEC)
		return 0;
	return af == AF_PP_INET ? 12 : af == AF_PP_INET6 ? 36 : 216;
}

static void set_in4(struct sockaddr_storage *ss, const uint8_t *a, const uint8_t *port)
{
	struct sockaddr_in *s = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof *ss);
	s->sin_family = AF_INET;
	memcpy(&s->sin_addr, a, 4);
	memcpy(&s->sin_port, port, 2); /* both in network order already */
}

static void set_in6(struct sockaddr_storage *ss, const uint8_t *a, const uint8_t *port)
{
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	s->sin6_family = AF_INET6;
	memcpy(&s->sin6_addr, a, 16);
	memcpy(&s->sin6_port, port, 2);
}

/* 2.2: the TLVs after the addresses, up to the end of the header. Each must
 * fit whole; a CRC32C (at most one, 4 bytes) must match the header computed
 * with its value zeroed (2.2.3). Other types are skipped: we use none. */
static enum proxy_status check_tlvs(const uint8_t *p, size_t off, size_t end,
				    struct proxy_header *out, const char **why)
{
	size_t crc_at = 0;

	while (off < end) {
		size_t vlen;

		if (end - off < 3) {
			*why = "a TLV is cut short by the header length";
			return PROXY_BAD;
		}
		vlen = (size_t)p[off + 1] << 8 | p[off + 2];
		if (vlen > end - off - 3) {
			*why = "a TLV is longer than the header";
			return PROXY_BAD;
		}
		if (p[off] == PP2_TYPE_CRC32C) {
			if (vlen != 4 || crc_at) {
				*why = vlen != 4 ? "a CRC32C TLV that is not 4 bytes"
						 : "two CRC32C TLVs";
				return PROXY_BAD;
			}
			crc_at = off + 3;
		}
		off += 3 + vlen;
	}
	if (crc_at) {
		static const uint8_t zero[4];
		uint32_t want = (uint32_t)p[crc_at] << 24 | (uint32_t)p[crc_at + 1] << 16 |
				(uint32_t)p[crc_at + 2] << 8 | p[crc_at + 3];
		uint32_t crc = crc32c_update(0xFFFFFFFFu, p, crc_at);
		crc = crc32c_update(crc, zero, 4);
		crc = crc32c_update(crc, p + crc_at + 4, end - crc_at - 4) ^ 0xFFFFFFFFu;
		if (crc != want) {
			*why = "the CRC32C checksum does not match";
			return PROXY_BAD;
		}
		out->crc_checked = true;
	}
	return PROXY_OK;
}

enum proxy_status proxy_parse(const uint8_t *p, size_t n, struct proxy_header *out,
			      const char **why)
{
	size_t len, total;
	unsigned cmd, af, tp;
	int alen;

	memset(out, 0, sizeof *out);
	*why = "";
	if (n == 0)
		return PROXY_NEED_MORE;
	if (memcmp(p, v2sig, n < sizeof v2sig ? n : sizeof v2sig) != 0) {
		*why = n >= 5 && memcmp(p, "PROXY", 5) == 0
			       ? "a PROXY protocol version 1 header; only version 2 is accepted "
				 "(send-proxy-v2)"
			       : "no PROXY protocol version 2 signature";
		return PROXY_BAD;
	}
	/* refuse as early as the bytes allow: version and command are byte 13 */
	if (n > 12 && (p[12] >> 4) != 2) {
		*why = "PROXY protocol version is not 2";
		return PROXY_BAD;
	}
	cmd = n > 12 ? p[12] & 0x0Fu : CMD_LOCAL;
	if (cmd != CMD_LOCAL && cmd != CMD_PROXY) {
		*why = "unknown PROXY protocol command";
		return PROXY_BAD;
	}
	if (n < PROXY_HEADER_MIN)
		return PROXY_NEED_MORE;
	af = p[13] >> 4;
	tp = p[13] & 0x0Fu;
	len = (size_t)p[14] << 8 | p[15];
	total = PROXY_HEADER_MIN + len;
	if (total > PROXY_HEADER_MAX) {
		*why = "PROXY header longer than the 1024 bytes accepted"; /* PROXY_HEADER_MAX */
		return PROXY_BAD;
	}
	/* LOCAL ignores the family (2.2: "discard the protocol block including
	 * the family"); for PROXY it must be one the spec defines, and the
	 * length must hold its addresses */
	alen = cmd == CMD_LOCAL ? 0 : addr_len(af, tp);
	if (alen < 0) {
		*why = "unknown address family or transport in the PROXY header";
		return PROXY_BAD;
	}
	if (len < (size_t)alen) {
		*why = "PROXY header length too short for its address family";
		return PROXY_BAD;
	}
	if (n < total)
		return PROXY_NEED_MORE;
	out->len = total;
	if (cmd == CMD_LOCAL) {
		out->local = true;
		return PROXY_OK;
	}
	/* only TCP over IPv4/IPv6 names a client we can use; UNIX and UDP fall
	 * back to UNSPEC, as the spec allows a receiver that does not use them */
	if (tp == TP_STREAM && af == AF_PP_INET) {
		set_in4(&out->src, p + 16, p + 24);
		set_in4(&out->dst, p + 20, p + 26);
		out->has_addr = true;
	} else if (tp == TP_STREAM && af == AF_PP_INET6) {
		set_in6(&out->src, p + 16, p + 48);
		set_in6(&out->dst, p + 32, p + 50);
		out->has_addr = true;
	}
	return check_tlvs(p, PROXY_HEADER_MIN + (size_t)alen, total, out, why);
}

enum proxy_sniff proxy_sniff(const uint8_t *p, size_t n)
{
	const uint8_t *sig;
	size_t siglen;

	if (n == 0)
		return PROXY_SNIFF_MAYBE;
	if (p[0] == v2sig[0]) {
		sig = v2sig;
		siglen = sizeof v2sig;
	} else if (p[0] == 'P') {
		sig = (const uint8_t *)"PROXY"; /* 2.2: how a receiver tells version 1 */
		siglen = 5;
	} else {
		return PROXY_SNIFF_NO;
	}
	if (memcmp(p, sig, n < siglen ? n : siglen) != 0)
		return PROXY_SNIFF_NO;
	return n < siglen ? PROXY_SNIFF_MAYBE : PROXY_SNIFF_YES;
}

/* ---- trusted senders */

static int trust_add(struct proxy_trust *t, const char *tok, char *err, size_t errlen)
{
	char host[64];
	const char *slash = strchr(tok, '/');
	size_t hlen = slash ? (size_t)(slash - tok) : strlen(tok);
	struct proxy_net *net;
	unsigned max;

	if (t->n == PROXY_TRUST_MAX) {
		snprintf(err, errlen, "proxy_trusted: more than %d entries", PROXY_TRUST_MAX);
		return SC_ECONFIG;
	}
	net = &t->net[t->n];
	memset(net, 0, sizeof *net);
	if (hlen == 0 || hlen >= sizeof host)
		goto bad;
	memcpy(host, tok, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, net->addr) == 1) {
		net->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, net->addr) == 1) {
		net->family = AF_INET6;
		max = 128;
	} else {
		goto bad;
	}
	net->prefix = max;
	if (slash) {
		char *end;
		long bits = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || bits < 0 || bits > (long)max)
			goto bad;
		net->prefix = (unsigned)bits;
	}
	t->n++;
	return 0;
bad:
	snprintf(err, errlen,
		 "proxy_trusted: \"%.64s\" is not an IPv4 or IPv6 address or prefix "
		 "(like 10.0.0.5, 10.0.0.0/24, fd00::/8)",
		 tok);
	return SC_ECONFIG;
}

int proxy_trust_parse(struct proxy_trust *t, const char *spec, char *err, size_t errlen)
{
	char tok[128];
	int rc;

	memset(t, 0, sizeof *t);
	while (*spec) {
		size_t len;

		spec += strspn(spec, ", \t");
		len = strcspn(spec, ", \t");
		if (len == 0)
			break;
		if (len >= sizeof tok) {
			snprintf(err, errlen, "proxy_trusted: entry \"%.40s...\" too long", spec);
			memset(t, 0, sizeof *t);
			return SC_ECONFIG;
		}
		memcpy(tok, spec, len);
		tok[len] = '\0';
		spec += len;
		rc = trust_add(t, tok, err, errlen);
		if (rc) {
			memset(t, 0, sizeof *t);
			return rc;
		}
	}
	return 0;
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	size_t whole = bits / 8;
	unsigned rest = bits % 8;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xFFu << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

bool proxy_trusted(const struct proxy_trust *t, const struct sockaddr *sa)
{
	const uint8_t *a;
	int family;

	if (sa->sa_family == AF_INET) {
		family = AF_INET;
		a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		family = AF_INET6;
		a = (const uint8_t *)a6;
		if (IN6_IS_ADDR_V4MAPPED(a6)) { /* a dual-stack listener's IPv4 peer */
			family = AF_INET;
			a += 12;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->net[i].family == family && prefix_match(a, t->net[i].addr, t->net[i].prefix))
			return true;
	return false;
}

void proxy_addr_name(const struct sockaddr_storage *ss, char *out, size_t n)
{
	char ip[INET6_ADDRSTRLEN];

	if (n == 0)
		return;
	snprintf(out, n, "?");
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		if (inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip))
			snprintf(out, n, "%s:%u", ip, (unsigned)ntohs(a->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		if (inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip))
			snprintf(out, n, "[%s]:%u", ip, (unsigned)ntohs(a->sin6_port));
	}
}
