/* Unit tests for common/tls.c and common/channel.c.
 *
 * Build and run by hand (from the source tree):
 *
 *   mkdir -p /tmp/tlsb && protoc-c --c_out=/tmp/tlsb -Iproto proto/safecampus.proto &&
 *   gcc -std=c11 -D_GNU_SOURCE -DUNITTEST -g -Wall -Wextra -Werror -Wshadow \
 *       -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
 *       -fsanitize=address,undefined -fno-omit-frame-pointer \
 *       -Icommon -I/tmp/tlsb -o /tmp/tlsb/test_channel \
 *       tests/unit/test_channel.c common/channel.c common/tls.c common/frame.c \
 *       common/buf.c common/err.c /tmp/tlsb/safecampus.pb-c.c \
 *       -luv -lssl -lcrypto -lprotobuf-c -lcmocka &&
 *   SC_SOURCE_DIR=$PWD /tmp/tlsb/test_channel
 *
 * channel.c must be compiled with -DUNITTEST (channel__send_raw). The
 * certificates come from deploy/pki.sh, found under $SC_SOURCE_DIR (default:
 * SC_SOURCE_DIR_DEFAULT, else "."), made into a fresh temporary directory.
 * Every loop test ends by asserting uv_loop_close() == 0. This file: TLS alone,
 * handshakes and refusals; frames, bad input and limits are in
 * test_channel_io.c, the shared harness in channel_harness.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "buf.h"
#include "channel.h"
#include "err.h"
#include "frame.h"
#include "tls.h"

#include "channel_harness.h"

/* ------------------------------------------------------------------ tls alone */

/* Moves ciphertext from a to b. */
static void pump(struct tls *a, struct tls *b)
{
	struct buf tmp;

	buf_init(&tmp, 1 << 20);
	assert_int_equal(tls_out_take(a, &tmp), 0);
	assert_int_equal(tls_out_pending(a), 0);
	if (buf_used(&tmp))
		assert_int_equal(tls_feed(b, buf_head(&tmp), buf_used(&tmp)), 0);
	buf_free(&tmp);
}

static void test_tls_memory(void **state)
{
	struct tls_ctx *sc = ch_make_ctx(true, g_dir, "server");
	struct tls_ctx *cc = ch_make_ctx(false, g_dir, "s1-c1");
	struct tls *s, *c;
	struct buf plain, got;
	struct tls_identity id;
	static uint8_t msg[50000];
	int i;

	(void)state;
	for (i = 0; i < (int)sizeof msg; i++)
		msg[i] = (uint8_t)(i * 7);
	assert_int_equal(tls_new(&s, sc, NULL), 0);
	assert_int_equal(tls_new(&c, cc, "localhost"), 0);
	tls_ctx_free(sc); /* sessions keep their own reference */
	tls_ctx_free(cc);
	buf_init(&plain, 1000); /* deliberately small: tls_read must stop and resume */
	buf_init(&got, sizeof msg);

	assert_int_equal(tls_write(c, "x", 1), -ENOTCONN);
	for (i = 0; i < 10 && !(tls_handshake_done(s) && tls_handshake_done(c)); i++) {
		assert_int_equal(tls_read(c, &plain), 0);
		pump(c, s);
		assert_int_equal(tls_read(s, &plain), 0);
		pump(s, c);
	}
	assert_true(tls_handshake_done(s) && tls_handshake_done(c));
	assert_string_equal(tls_version(c), "TLSv1.3 TLS_AES_256_GCM_SHA384");
	assert_int_equal(tls_peer_identity(s, &id), 0);
	assert_string_equal(id.district, "test-district");
	assert_string_equal(id.school, "s1");
	assert_string_equal(id.campus, "c1");
	assert_int_equal(id.role, SAFECAMPUS__ROLE__ROLE_SCHOOL);
	assert_non_null(strstr(id.subject, "OU=s1"));
	/* the server's certificate does not follow the client convention */
	assert_int_equal(tls_peer_identity(c, &id), SC_ETLS);
	assert_non_null(strstr(tls_error(c), "bad identity"));

	assert_true(tls_write_bound(sizeof msg) >= sizeof msg + 22 * 4);
	assert_int_equal(tls_write(c, msg, sizeof msg), 0);
	assert_true(tls_out_pending(c) > sizeof msg);
	assert_true(tls_out_pending(c) <= tls_write_bound(sizeof msg));
	pump(c, s);
	while (buf_used(&got) < sizeof msg) {
		assert_int_equal(tls_read(s, &plain), 0);
		assert_true(buf_used(&plain) > 0);
		assert_true(buf_used(&plain) <= 1000);
		assert_int_equal(buf_append(&got, buf_head(&plain), buf_used(&plain)), 0);
		buf_reset(&plain);
		if (buf_used(&got) < sizeof msg)
			assert_true(tls_in_pending(s));
	}
	assert_false(tls_in_pending(s));
	assert_memory_equal(buf_head(&got), msg, sizeof msg);

	assert_int_equal(tls_shutdown(c), 0);
	assert_int_equal(tls_write(c, "x", 1), -EPIPE);
	pump(c, s);
	assert_int_equal(tls_read(s, &plain), 0);
	assert_true(tls_peer_closed(s));
	assert_int_equal(buf_used(&plain), 0);

	buf_free(&plain);
	buf_free(&got);
	tls_free(s);
	tls_free(c);
}

static void test_tls_ctx_errors(void **state)
{
	struct tls_ctx *c = NULL;
	struct tls *t = NULL;
	char crt[512], key[512], ca[512], err[512];

	(void)state;
	ch_path(crt, sizeof crt, g_dir, "server.crt");
	ch_path(key, sizeof key, g_dir, "s1-c1.key");
	ch_path(ca, sizeof ca, g_dir, "ca.crt");

	assert_int_equal(tls_ctx_new(&c, true, "/nonexistent.crt", key, ca, NULL, err, sizeof err),
			 SC_ECONFIG);
	assert_non_null(strstr(err, "/nonexistent.crt"));
	assert_non_null(strstr(err, "No such file"));
	assert_null(c);

	assert_int_equal(tls_ctx_new(&c, true, crt, key, ca, NULL, err, sizeof err), SC_ECONFIG);
	assert_non_null(strstr(err, "mismatch"));

	assert_int_equal(tls_ctx_new(&c, false, NULL, NULL, ca, "1.1", err, sizeof err),
			 SC_ECONFIG);
	assert_non_null(strstr(err, "1.1"));
	assert_int_equal(tls_ctx_new(&c, true, NULL, NULL, ca, NULL, err, sizeof err), -EINVAL);
	assert_int_equal(tls_ctx_new(&c, false, NULL, NULL, NULL, NULL, err, sizeof err), -EINVAL);
	assert_int_equal(
		tls_ctx_new(&c, false, NULL, NULL, "/nonexistent-ca", NULL, err, sizeof err),
		SC_ECONFIG);

	assert_int_equal(tls_ctx_new(&c, false, NULL, NULL, ca, "1.2", err, sizeof err), 0);
	assert_int_equal(tls_new(&t, c, NULL), -EINVAL); /* a client must name the server */
	assert_int_equal(tls_new(&t, c, "10.0.0.1"), 0);
	tls_free(t);
	tls_ctx_free(c);
}

static void close_client_ok(struct pair *p)
{
	channel_close(&p->cli.ch, 0, "client done");
}

/* ------------------------------------------------------------------ handshake */

static void test_handshake_school(void **state)
{
	struct pair p;
	char name[64];

	(void)state;
	ch_pair_init(&p, "s1-c1");
	p.cli_ready = close_client_ok;
	ch_pair_run(&p);
	assert_true(p.srv.ready && p.cli.ready);
	assert_int_equal(p.srv.id_rc, 0);
	assert_string_equal(p.srv.id.district, "test-district");
	assert_string_equal(p.srv.id.school, "s1");
	assert_string_equal(p.srv.id.campus, "c1");
	assert_int_equal(p.srv.id.role, SAFECAMPUS__ROLE__ROLE_SCHOOL);
	assert_int_equal(p.cli.status, 0);
	assert_string_equal(p.cli.why, "client done");
	assert_int_equal(p.srv.status, 0);
	assert_string_equal(p.srv.why, "peer closed the connection");
	assert_string_equal(channel_tls_version(&p.cli.ch), "TLSv1.3 TLS_AES_256_GCM_SHA384");
	channel_peer_name(&p.srv.ch, name, sizeof name);
	assert_true(strncmp(name, "127.0.0.1:", 10) == 0);
}

static void test_handshake_bureau_by_ip(void **state)
{
	struct pair p;

	(void)state;
	ch_pair_init(&p, "bureau-hq");
	p.server_name = "127.0.0.1"; /* checked against the IP SAN */
	p.cli_ready = close_client_ok;
	ch_pair_run(&p);
	assert_true(p.srv.ready && p.cli.ready);
	assert_int_equal(p.srv.id_rc, 0);
	assert_string_equal(p.srv.id.district, "test-district");
	assert_string_equal(p.srv.id.school, "");
	assert_string_equal(p.srv.id.campus, "hq");
	assert_int_equal(p.srv.id.role, SAFECAMPUS__ROLE__ROLE_BUREAU);
	assert_int_equal(p.cli.status, 0);
	assert_int_equal(p.srv.status, 0);
}

/* Server-side refusals: the server never reaches on_ready and says why; the
 * client learns through an alert. */
static void expect_refused(const char *cli_dir, const char *cli_base, const char *srv_reason)
{
	struct pair p;

	ch_pair_init(&p, NULL);
	tls_ctx_free(p.cctx);
	p.cctx = NULL;
	if (cli_base) {
		char crt[512], key[512], ca[512], err[512];
		snprintf(crt, sizeof crt, "%s/%s.crt", cli_dir, cli_base);
		snprintf(key, sizeof key, "%s/%s.key", cli_dir, cli_base);
		ch_path(ca, sizeof ca, g_dir, "ca.crt"); /* trusts the real server */
		assert_int_equal(tls_ctx_new(&p.cctx, false, crt, key, ca, NULL, err, sizeof err),
				 0);
	} else {
		p.cctx = ch_make_ctx(false, g_dir, NULL);
	}
	ch_pair_run(&p);
	assert_false(p.srv.ready);
	assert_int_equal(p.srv.status, SC_ETLS);
	if (!strstr(p.srv.why, srv_reason))
		fail_msg("server why \"%s\" lacks \"%s\"", p.srv.why, srv_reason);
	assert_true(strncmp(p.srv.why, "tls: ", 5) == 0);
	assert_int_equal(p.cli.status, SC_ETLS);
	if (!strstr(p.cli.why, "alert"))
		fail_msg("client why \"%s\" names no alert", p.cli.why);
	assert_int_equal(p.srv.frames + p.cli.frames, 0);
}

static void test_refuse_no_cert(void **state)
{
	(void)state;
	expect_refused(NULL, NULL, "peer did not return a certificate");
}

static void test_refuse_rogue_ca(void **state)
{
	(void)state;
	expect_refused(g_rogue, "s1-c1",
		       "certificate verify failed: unable to get local issuer certificate");
}

static void test_refuse_expired(void **state)
{
	(void)state;
	expect_refused(g_dir, "expired", "certificate verify failed: certificate has expired");
}

static void test_refuse_bad_identity(void **state)
{
	struct pair p;

	(void)state;
	ch_pair_init(&p, "badid");
	ch_pair_run(&p);
	assert_false(p.srv.ready); /* handshake passed, identity did not */
	assert_int_equal(p.srv.status, SC_ETLS);
	if (!strstr(p.srv.why, "bad identity") || !strstr(p.srv.why, "OU"))
		fail_msg("server why \"%s\"", p.srv.why);
	assert_int_equal(p.srv.frames + p.cli.frames, 0);
}

static void expect_wrong_host(const char *name, const char *reason)
{
	struct pair p;

	ch_pair_init(&p, "s1-c1");
	p.server_name = name;
	ch_pair_run(&p);
	assert_false(p.cli.ready);
	assert_false(p.srv.ready);
	assert_int_equal(p.cli.status, SC_ETLS);
	if (!strstr(p.cli.why, reason))
		fail_msg("client why \"%s\" lacks \"%s\"", p.cli.why, reason);
	assert_int_equal(p.srv.status, SC_ETLS);
}

static void test_wrong_host(void **state)
{
	(void)state;
	expect_wrong_host("wrong.example", "certificate verify failed: hostname mismatch");
	expect_wrong_host("127.0.0.2", "certificate verify failed: IP address mismatch");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_memory),
		cmocka_unit_test(test_tls_ctx_errors),
		cmocka_unit_test(test_handshake_school),
		cmocka_unit_test(test_handshake_bureau_by_ip),
		cmocka_unit_test(test_refuse_no_cert),
		cmocka_unit_test(test_refuse_rogue_ca),
		cmocka_unit_test(test_refuse_expired),
		cmocka_unit_test(test_refuse_bad_identity),
		cmocka_unit_test(test_wrong_host),
	};

	return cmocka_run_group_tests(tests, ch_group_setup, ch_group_teardown);
}
