/* proxy.c: the PROXY protocol v2 parser, the sniff for untrusted peers and
 * the trusted list. A header is the only thing a balancer's connection can
 * say before TLS, and whatever it says becomes the address in the logs and
 * the per-address limits, so every malformed shape must be refused, every
 * prefix of a good one must wait for more, and nothing may read past n. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proxy.h"

static const uint8_t sig[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
				 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };

/* What HAProxy 2.6.12 (Debian 12) sent to a server line with
 * `send-proxy-v2 proxy-v2-options crc32c,unique-id source 127.0.0.5`,
 * captured on loopback, followed by the client's first bytes "\x16hello":
 * TCP over IPv4 from 127.0.0.1:58890 to 127.0.0.1:22174, a CRC32C TLV and an
 * empty unique-id TLV. */
static const uint8_t haproxy_crc[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0x00,
	0x16, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xe6, 0x0a, 0x56, 0x9e, 0x03, 0x00,
	0x04, 0x38, 0x17, 0x16, 0x65, 0x05, 0x00, 0x00, 0x16, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};
#define HAPROXY_CRC_HDR 38 /* 16 + 22 */

/* Builds a header: ver_cmd, fam, then body (addresses and TLVs). */
static size_t mk(uint8_t *out, uint8_t ver_cmd, uint8_t fam, const uint8_t *body, size_t blen)
{
	memcpy(out, sig, 12);
	out[12] = ver_cmd;
	out[13] = fam;
	out[14] = (uint8_t)(blen >> 8);
	out[15] = (uint8_t)blen;
	if (blen)
		memcpy(out + 16, body, blen);
	return 16 + blen;
}

/* IPv4 addresses block: 192.0.2.7:51234 -> 198.51.100.1:7443 */
static const uint8_t ip4_block[12] = { 192, 0, 2, 7, 198, 51, 100, 1, 0xC8, 0x22, 0x1D, 0x13 };

static enum proxy_status parse(const uint8_t *p, size_t n, struct proxy_header *h)
{
	const char *why = NULL;
	enum proxy_status st = proxy_parse(p, n, h, &why);

	assert_non_null(why);
	if (st == PROXY_BAD)
		assert_true(why[0] != '\0'); /* a refusal always says why */
	return st;
}

static void expect_bad(const uint8_t *p, size_t n, const char *why_part)
{
	struct proxy_header h;
	const char *why = NULL;

	assert_int_equal(proxy_parse(p, n, &h, &why), PROXY_BAD);
	if (!strstr(why, why_part))
		fail_msg("expected a reason with \"%s\", got \"%s\"", why_part, why);
}

static void test_ipv4(void **state)
{
	uint8_t b[64];
	struct proxy_header h;
	char name[64];
	size_t n = mk(b, 0x21, 0x11, ip4_block, sizeof ip4_block);

	(void)state;
	memcpy(b + n, "\x16\x03\x01", 3); /* a ClientHello follows */
	assert_int_equal(parse(b, n + 3, &h), PROXY_OK);
	assert_int_equal(h.len, 28);
	assert_false(h.local);
	assert_true(h.has_addr);
	assert_false(h.crc_checked);
	proxy_addr_name(&h.src, name, sizeof name);
	assert_string_equal(name, "192.0.2.7:51234");
	proxy_addr_name(&h.dst, name, sizeof name);
	assert_string_equal(name, "198.51.100.1:7443");
}

static void test_ipv6(void **state)
{
	uint8_t body[36] = { 0 }, b[64];
	struct proxy_header h;
	char name[80];

	(void)state;
	inet_pton(AF_INET6, "2001:db8::42", body);
	inet_pton(AF_INET6, "2001:db8::1", body + 16);
	body[32] = 0x01, body[33] = 0xBB; /* 443 */
	body[34] = 0x1D, body[35] = 0x13; /* 7443 */
	size_t n = mk(b, 0x21, 0x21, body, sizeof body);
	assert_int_equal(parse(b, n, &h), PROXY_OK);
	assert_int_equal(h.len, 52);
	assert_true(h.has_addr);
	proxy_addr_name(&h.src, name, sizeof name);
	assert_string_equal(name, "[2001:db8::42]:443");
	proxy_addr_name(&h.dst, name, sizeof name);
	assert_string_equal(name, "[2001:db8::1]:7443");
}

/* LOCAL (a health check): accepted whatever the family byte says, the
 * block skipped by its length, no address taken */
static void test_local(void **state)
{
	uint8_t b[64];
	const uint8_t junk[5] = { 1, 2, 3, 4, 5 };
	struct proxy_header h;

	(void)state;
	size_t n = mk(b, 0x20, 0x00, NULL, 0);
	assert_int_equal(parse(b, n, &h), PROXY_OK);
	assert_true(h.local);
	assert_false(h.has_addr);
	assert_int_equal(h.len, 16);
	n = mk(b, 0x20, 0xFF, junk, sizeof junk);
	assert_int_equal(parse(b, n, &h), PROXY_OK);
	assert_true(h.local);
	assert_int_equal(h.len, 21);
}

/* PROXY with families we do not use: the spec's UNSPEC fallback, so the
 * connection's own address stands; still bounded by their lengths */
static void test_unspec_fallbacks(void **state)
{
	uint8_t b[300], body[216] = { 0 };
	struct proxy_header h;

	(void)state;
	assert_int_equal(parse(b, mk(b, 0x21, 0x00, NULL, 0), &h), PROXY_OK);
	assert_false(h.has_addr);
	assert_int_equal(parse(b, mk(b, 0x21, 0x31, body, 216), &h), PROXY_OK); /* UNIX stream */
	assert_false(h.has_addr);
	assert_int_equal(parse(b, mk(b, 0x21, 0x12, ip4_block, 12), &h), PROXY_OK); /* UDP */
	assert_false(h.has_addr);
	assert_int_equal(parse(b, mk(b, 0x21, 0x10, NULL, 0), &h),
			 PROXY_OK); /* INET, UNSPEC transport */
	assert_false(h.has_addr);
	expect_bad(b, mk(b, 0x21, 0x31, body, 108), "too short");
}

/* Every proper prefix of a good header waits; the whole one parses. The
 * spec: "the receiver must not start to parse an address before the whole
 * address block is received". */
static void test_split(void **state)
{
	uint8_t tlvs[] = { 0x04, 0x00, 0x02, 0xAA, 0xBB, 0x05, 0x00, 0x03, 'i', 'd', '1' };
	uint8_t body[sizeof ip4_block + sizeof tlvs], b[64];
	struct proxy_header h;

	(void)state;
	memcpy(body, ip4_block, sizeof ip4_block);
	memcpy(body + sizeof ip4_block, tlvs, sizeof tlvs);
	size_t n = mk(b, 0x21, 0x11, body, sizeof body);
	for (size_t i = 0; i < n; i++) {
		uint8_t *copy = malloc(i ? i : 1); /* exact size: ASan sees any overread */
		memcpy(copy, b, i);
		assert_int_equal(parse(copy, i, &h), PROXY_NEED_MORE);
		free(copy);
	}
	assert_int_equal(parse(b, n, &h), PROXY_OK);
	assert_int_equal(h.len, n);

	const uint8_t *hp = haproxy_crc;
	for (size_t i = 0; i < HAPROXY_CRC_HDR; i++)
		assert_int_equal(parse(hp, i, &h), PROXY_NEED_MORE);
}

static void test_haproxy_capture(void **state)
{
	struct proxy_header h;
	char name[64];

	(void)state;
	assert_int_equal(parse(haproxy_crc, sizeof haproxy_crc, &h), PROXY_OK);
	assert_int_equal(h.len, HAPROXY_CRC_HDR);
	assert_true(h.crc_checked);
	assert_true(h.has_addr);
	proxy_addr_name(&h.src, name, sizeof name);
	assert_string_equal(name, "127.0.0.1:58890");
	assert_int_equal(haproxy_crc[h.len], 0x16); /* the client's bytes start right after */

	/* any bit flipped inside the header after the fixed part: the CRC (or
	 * the structure) refuses it; except the CRC TLV's own type byte (28),
	 * which turns it into a TLV nobody checks, as it would for any receiver */
	for (size_t i = 16; i < HAPROXY_CRC_HDR; i++) {
		if (i == 28)
			continue;
		for (int bit = 0; bit < 8; bit++) {
			uint8_t b[sizeof haproxy_crc];
			memcpy(b, haproxy_crc, sizeof b);
			b[i] ^= (uint8_t)(1u << bit);
			enum proxy_status st =
				proxy_parse(b, sizeof b, &h, &(const char *){ NULL });
			assert_int_not_equal(st, PROXY_OK);
		}
	}
}

static void test_crc32c(void **state)
{
	uint8_t body[12 + 7], b[64];
	struct proxy_header h;

	(void)state;
	/* RFC 3720 / the usual check value of CRC-32C */
	assert_int_equal(proxy__crc32c((const uint8_t *)"123456789", 9), 0xE3069283u);
	memcpy(body, ip4_block, 12);
	memcpy(body + 12, "\x03\x00\x04\x00\x00\x00\x00", 7);
	size_t n = mk(b, 0x21, 0x11, body, sizeof body);
	uint32_t crc = proxy__crc32c(b, n);
	b[n - 4] = (uint8_t)(crc >> 24), b[n - 3] = (uint8_t)(crc >> 16);
	b[n - 2] = (uint8_t)(crc >> 8), b[n - 1] = (uint8_t)crc;
	assert_int_equal(parse(b, n, &h), PROXY_OK);
	assert_true(h.crc_checked);
	b[n - 1] ^= 1;
	expect_bad(b, n, "CRC32C");

	/* a CRC TLV of the wrong size, or two of them */
	memcpy(body + 12, "\x03\x00\x03\x00\x00\x00\x04", 7);
	expect_bad(b, mk(b, 0x21, 0x11, body, sizeof body), "not 4 bytes");
	uint8_t two[12 + 14];
	memcpy(two, ip4_block, 12);
	memcpy(two + 12, "\x03\x00\x04\x00\x00\x00\x00\x03\x00\x04\x00\x00\x00\x00", 14);
	expect_bad(b, mk(b, 0x21, 0x11, two, sizeof two), "two CRC32C");
}

static void test_bad_fixed_part(void **state)
{
	uint8_t b[64];
	size_t n;

	(void)state;
	/* each byte of the signature */
	for (size_t i = 0; i < 12; i++) {
		n = mk(b, 0x21, 0x11, ip4_block, 12);
		b[i] ^= 0x40;
		expect_bad(b, n, "signature");
		expect_bad(b, i + 1, "signature"); /* refused as soon as it diverges */
	}
	/* version 1 text and versions other than 2, refused at byte 13 */
	expect_bad((const uint8_t *)"PROXY TCP4 192.0.2.7 198.51.100.1 51234 7443\r\n", 46,
		   "version 1");
	n = mk(b, 0x11, 0x11, ip4_block, 12);
	expect_bad(b, 13, "version is not 2");
	n = mk(b, 0x31, 0x11, ip4_block, 12);
	expect_bad(b, n, "version is not 2");
	/* commands 2..15 */
	for (unsigned cmd = 2; cmd < 16; cmd++) {
		n = mk(b, (uint8_t)(0x20 | cmd), 0x11, ip4_block, 12);
		expect_bad(b, 13, "command");
	}
	/* families 4..15 and transports 3..15 (PROXY command) */
	for (unsigned af = 4; af < 16; af++)
		expect_bad(b, mk(b, 0x21, (uint8_t)(af << 4 | 1), ip4_block, 12), "family");
	for (unsigned tp = 3; tp < 16; tp++)
		expect_bad(b, mk(b, 0x21, (uint8_t)(0x10 | tp), ip4_block, 12), "family");
	/* lengths too short for the family: checked at 16 bytes, before any address */
	n = mk(b, 0x21, 0x11, ip4_block, 11);
	expect_bad(b, 16, "too short");
	n = mk(b, 0x21, 0x21, ip4_block, 12);
	expect_bad(b, 16, "too short");
	(void)n;
}

/* A length field over PROXY_HEADER_MAX is refused at the 16th byte: the
 * server never buffers more than that waiting for the rest. */
static void test_too_long(void **state)
{
	uint8_t b[16];

	(void)state;
	memcpy(b, sig, 12);
	b[12] = 0x21, b[13] = 0x11;
	b[14] = (PROXY_HEADER_MAX - 16 + 1) >> 8;
	b[15] = (PROXY_HEADER_MAX - 16 + 1) & 0xFF;
	expect_bad(b, 16, "longer than");
	b[14] = 0xFF, b[15] = 0xFF;
	expect_bad(b, 16, "longer than");
	b[12] = 0x20; /* LOCAL too */
	expect_bad(b, 16, "longer than");
	/* the longest accepted: exactly PROXY_HEADER_MAX, one NOOP TLV filling it */
	uint8_t *big = calloc(1, PROXY_HEADER_MAX);
	size_t blen = PROXY_HEADER_MAX - 16;
	uint8_t *body = calloc(1, blen);
	struct proxy_header h;
	memcpy(body, ip4_block, 12);
	body[12] = 0x04;
	body[13] = (uint8_t)((blen - 15) >> 8);
	body[14] = (uint8_t)(blen - 15);
	assert_int_equal(parse(big, mk(big, 0x21, 0x11, body, blen), &h), PROXY_OK);
	assert_int_equal(h.len, PROXY_HEADER_MAX);
	free(body);
	free(big);
}

static void test_bad_tlvs(void **state)
{
	uint8_t body[12 + 8], b[64];

	(void)state;
	memcpy(body, ip4_block, 12);
	/* two bytes left: no room for a TLV header */
	memcpy(body + 12, "\x04\x00", 2);
	expect_bad(b, mk(b, 0x21, 0x11, body, 14), "cut short");
	/* a TLV whose value runs past the header */
	memcpy(body + 12,
	       "\x05\x00\x09"
	       "abcde",
	       8);
	expect_bad(b, mk(b, 0x21, 0x11, body, 20), "longer than the header");
	/* an empty TLV and an unknown type are fine */
	memcpy(body + 12, "\x04\x00\x00\xE0\x00\x02xy", 8);
	struct proxy_header h;
	assert_int_equal(parse(b, mk(b, 0x21, 0x11, body, 20), &h), PROXY_OK);
}

/* Random bytes after a good start: never a crash or an overread (ASan), and
 * an OK never claims more bytes than it was given. */
static void test_random(void **state)
{
	uint32_t x = 12345;
	struct proxy_header h;

	(void)state;
	for (int round = 0; round < 200000; round++) {
		size_t n = 0;
		x = x * 1103515245u + 12345u;
		n = (x >> 8) % 80;
		uint8_t *b = malloc(n ? n : 1);
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			b[i] = (uint8_t)(x >> 16);
		}
		/* mostly a valid prefix, so the parser gets past the signature */
		if (round % 4 != 0)
			memcpy(b, sig, n < 12 ? n : 12);
		if (n > 12 && round % 2)
			b[12] = (uint8_t)(0x20 | (b[12] & 1));
		if (n > 15 && round % 3)
			b[14] = 0;
		enum proxy_status st = proxy_parse(b, n, &h, &(const char *){ NULL });
		if (st == PROXY_OK)
			assert_true(h.len <= n && h.len >= 16 && h.len <= PROXY_HEADER_MAX);
		(void)proxy_sniff(b, n);
		free(b);
	}
}

static void test_sniff(void **state)
{
	(void)state;
	assert_int_equal(proxy_sniff((const uint8_t *)"", 0), PROXY_SNIFF_MAYBE);
	assert_int_equal(proxy_sniff((const uint8_t *)"\x16\x03\x01", 3),
			 PROXY_SNIFF_NO); /* ClientHello */
	assert_int_equal(proxy_sniff(sig, 1), PROXY_SNIFF_MAYBE);
	assert_int_equal(proxy_sniff(sig, 11), PROXY_SNIFF_MAYBE);
	assert_int_equal(proxy_sniff(sig, 12), PROXY_SNIFF_YES);
	assert_int_equal(proxy_sniff((const uint8_t *)"\r\n\r\nX", 5), PROXY_SNIFF_NO);
	assert_int_equal(proxy_sniff((const uint8_t *)"PRO", 3), PROXY_SNIFF_MAYBE);
	assert_int_equal(proxy_sniff((const uint8_t *)"PROXY TCP4", 10), PROXY_SNIFF_YES);
	assert_int_equal(proxy_sniff((const uint8_t *)"POST /", 6), PROXY_SNIFF_NO);
	assert_int_equal(proxy_sniff((const uint8_t *)"GET /", 5), PROXY_SNIFF_NO);
}

static struct sockaddr_storage sa(const char *ip)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof ss);
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, ip, &a->sin_addr), 1);
	}
	return ss;
}

static bool trusted(const struct proxy_trust *t, const char *ip)
{
	struct sockaddr_storage ss = sa(ip);

	return proxy_trusted(t, (struct sockaddr *)&ss);
}

static void test_trust(void **state)
{
	struct proxy_trust t;
	char err[256];

	(void)state;
	assert_int_equal(proxy_trust_parse(&t, "", err, sizeof err), 0);
	assert_int_equal(t.n, 0);
	assert_false(trusted(&t, "127.0.0.1"));
	assert_int_equal(proxy_trust_parse(&t, "127.0.0.5, 10.0.0.0/24 fd00::/8,,192.0.2.128/25",
					   err, sizeof err),
			 0);
	assert_int_equal(t.n, 4);
	assert_true(trusted(&t, "127.0.0.5"));
	assert_false(trusted(&t, "127.0.0.6"));
	assert_true(trusted(&t, "10.0.0.77"));
	assert_false(trusted(&t, "10.0.1.1"));
	assert_true(trusted(&t, "192.0.2.200"));
	assert_false(trusted(&t, "192.0.2.100"));
	assert_true(trusted(&t, "fd12::1"));
	assert_false(trusted(&t, "fe80::1"));
	assert_true(trusted(&t, "::ffff:127.0.0.5")); /* IPv4-mapped: its IPv4 address */
	assert_false(trusted(&t, "::ffff:127.0.0.6"));
	assert_int_equal(proxy_trust_parse(&t, "0.0.0.0/0", err, sizeof err), 0);
	assert_true(trusted(&t, "203.0.113.9"));
	assert_false(trusted(&t, "2001:db8::1"));

	const char *bad[] = { "10.0.0.0/33",       "fd00::/129", "abc",
			      "10.0.0.1/",         "10.0.0.1/x", "/24",
			      "10.0.0.1 nonsense", "10.0.0.256" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t.n = 99;
		assert_int_equal(proxy_trust_parse(&t, bad[i], err, sizeof err), SC_ECONFIG);
		assert_int_equal(t.n, 0);
		assert_non_null(strstr(err, "proxy_trusted"));
	}
	char many[PROXY_TRUST_MAX * 16 + 32] = "";
	for (int i = 0; i <= PROXY_TRUST_MAX; i++) {
		char one[24];
		snprintf(one, sizeof one, "10.1.0.%d ", i);
		strcat(many, one);
	}
	assert_int_equal(proxy_trust_parse(&t, many, err, sizeof err), SC_ECONFIG);
	assert_non_null(strstr(err, "more than"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),     cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_local),    cmocka_unit_test(test_unspec_fallbacks),
		cmocka_unit_test(test_split),    cmocka_unit_test(test_haproxy_capture),
		cmocka_unit_test(test_crc32c),   cmocka_unit_test(test_bad_fixed_part),
		cmocka_unit_test(test_too_long), cmocka_unit_test(test_bad_tlvs),
		cmocka_unit_test(test_random),   cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_trust),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
