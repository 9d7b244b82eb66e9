/* The PROXY protocol, version 2 (HAProxy's doc/proxy-protocol.txt): the
 * binary header a TCP balancer in front of safecampusd sends before the
 * client's first byte, saying whom it relays. With it the server's logs and
 * its per-address limits see the campus, not the balancer.
 *
 * Only the addresses in proxy_trusted (a configuration list) may send one,
 * and from them it is required (conn.c): the spec warns against guessing
 * whether a header is there, since a client allowed to send one could pose
 * as anyone. Everything here is pure (no I/O, no allocation), so that the
 * parser is unit-tested on split, truncated and malformed input
 * (tests/unit/test_proxy.c) and can be fuzzed. */
#ifndef SC_PROXY_H
#define SC_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "err.h"

/** Longest header accepted, in bytes (16 + the length field). The spec sets
 * no maximum; the largest address block is 216 bytes (AF_UNIX) and the TLVs
 * HAProxy can add (unique id <= 128, authority <= 255, TLS details, crc32c)
 * fit well within the rest. Anything longer is refused before it is read. */
#define PROXY_HEADER_MAX 1024
/** The fixed part: signature, version/command, family, length. */
#define PROXY_HEADER_MIN 16
/** Entries in proxy_trusted. */
#define PROXY_TRUST_MAX 32

enum proxy_status {
	PROXY_OK,        /* a whole, valid header: out is filled */
	PROXY_NEED_MORE, /* valid so far; wait for more bytes */
	PROXY_BAD,       /* not a valid version 2 header: refuse the connection */
};

struct proxy_header {
	size_t len; /* bytes the header takes: 16 + its length field */
	bool local; /* LOCAL: the proxy's own connection (a health check) */
	/* PROXY over TCP/IPv4 or TCP/IPv6: the relayed client (src) and the
	 * address it dialled (dst). false for LOCAL and for families this
	 * server does not use (UNSPEC, UNIX, UDP), which the spec says to treat
	 * as UNSPEC: the connection's own endpoints stand. */
	bool has_addr;
	struct sockaddr_storage src, dst;
	bool crc_checked; /* a CRC32C TLV was present and matched */
};

/** Parses the version 2 header at the start of p[0..n). PROXY_OK with *out
 * filled (the bytes after out->len are the client's); PROXY_NEED_MORE while
 * everything seen is a valid prefix; PROXY_BAD with *why (a static string
 * for logs) otherwise: wrong signature (also a version 1 text header, which
 * is not supported), version other than 2, unknown command, family or
 * transport, a length over PROXY_HEADER_MAX or too short for its family,
 * TLVs that do not add up, a CRC32C that does not match. */
enum proxy_status proxy_parse(const uint8_t *p, size_t n, struct proxy_header *out,
			      const char **why);

enum proxy_sniff {
	PROXY_SNIFF_NO,    /* not a PROXY header (a TLS ClientHello starts 0x16) */
	PROXY_SNIFF_MAYBE, /* too few bytes to tell */
	PROXY_SNIFF_YES,   /* the start of a version 1 or 2 header */
};

/** Whether a connection's first bytes are a PROXY header (either version):
 * for connections from addresses not trusted to send one, which are refused
 * with a clear reason instead of failing in TLS. */
enum proxy_sniff proxy_sniff(const uint8_t *p, size_t n);

/** The addresses allowed to send a header: IPv4 or IPv6 addresses or
 * prefixes (10.0.0.0/24, fd00::/8). */
struct proxy_trust {
	size_t n;
	struct proxy_net {
		int family;       /* AF_INET or AF_INET6 */
		uint8_t addr[16]; /* network byte order; 4 bytes used for AF_INET */
		unsigned prefix;  /* bits that must match */
	} net[PROXY_TRUST_MAX];
};

/** Parses spec, a list of addresses and prefixes separated by commas or
 * spaces ("" = nobody). SC_ECONFIG with the reason in err for a bad entry,
 * a prefix too long for its family, or more than PROXY_TRUST_MAX entries;
 * *t is then empty. */
SC_WUR int proxy_trust_parse(struct proxy_trust *t, const char *spec, char *err, size_t errlen);
/** True if sa (AF_INET, AF_INET6; an IPv4-mapped IPv6 address counts as its
 * IPv4 address) is in t. */
bool proxy_trusted(const struct proxy_trust *t, const struct sockaddr *sa);
/** "ip:port" / "[v6]:port" of an AF_INET/AF_INET6 address, as the logs write
 * peers (channel_peer_name); "?" otherwise. */
void proxy_addr_name(const struct sockaddr_storage *ss, char *out, size_t n);

#ifdef UNITTEST
/** Tests only: CRC32C of p[0..n), as the header's checksum TLV holds it. */
uint32_t proxy__crc32c(const uint8_t *p, size_t n);
#endif

#endif
