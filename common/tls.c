/* TLS over memory BIOs. See tls.h and docs/internals/tls.md. */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "safecampus.pb-c.h"
#include "tls_int.h"

/* TLS 1.2 floor: forward secrecy and AEAD only. */
#define TLS12_CIPHERS                                                \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"
#define TLS13_SUITES "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"
#define TLS_GROUPS "X25519:P-256:P-384"
#define TLS_VERIFY_DEPTH 4
#define TLS_SESSION_ID_CTX "safecampus"

/* Per record: 5 header + 1 inner type + 16 tag (1.3), 5 + 8 nonce + 16 tag
 * (1.2 GCM). 64 leaves room. */
#define TLS_RECORD_PLAIN 16384u
#define TLS_RECORD_OVERHEAD 64u
/* Handshake flights, alerts and key updates on top of one biggest write. */
#define TLS_OUT_SLACK ((size_t)64 << 10)

size_t tls_write_bound(size_t len)
{
	return len + (len / TLS_RECORD_PLAIN + 1) * TLS_RECORD_OVERHEAD;
}

static size_t tls_out_max(void)
{
	return tls_write_bound(TLS_WRITE_MAX) + TLS_OUT_SLACK;
}

static void fmt(char *dst, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *dst, size_t n, const char *f, ...)
{
	va_list ap;

	if (!dst || n == 0)
		return;
	va_start(ap, f);
	vsnprintf(dst, n, f, ap);
	va_end(ap);
}

/* Drains OpenSSL's error queue into "reason (detail); reason ..." text. */
static void ossl_errors(char *dst, size_t n)
{
	const char *data;
	char prev[128] = "";
	int flags;
	unsigned long e;
	size_t used = 0;

	if (n == 0)
		return;
	dst[0] = '\0';
	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		const char *reason = ERR_reason_error_string(e);
		char code[32];
		int w;

		if (ERR_SYSTEM_ERROR(e))
			reason = strerror(
				ERR_GET_REASON(e)); /* errno, e.g. "No such file or directory" */
		if (!reason) {
			snprintf(code, sizeof code, "error %lx", e);
			reason = code;
		}
		if (used >= n - 1 || (strcmp(prev, reason) == 0 && !(flags & ERR_TXT_STRING)))
			continue; /* keep draining; skip repeats */
		snprintf(prev, sizeof prev, "%s", reason);
		w = snprintf(dst + used, n - used, "%s%s%s%s%s", used ? "; " : "", reason,
			     (flags & ERR_TXT_STRING) && data && *data ? " (" : "",
			     (flags & ERR_TXT_STRING) && data ? data : "",
			     (flags & ERR_TXT_STRING) && data && *data ? ")" : "");
		if (w > 0)
			used += (size_t)w < n - used ? (size_t)w : n - used - 1;
	}
	if (dst[0] == '\0')
		snprintf(dst, n, "unknown OpenSSL error");
}

/* ------------------------------------------------------------------ context */

static int ctx_fail(SSL_CTX *s, char *err, size_t errlen, int rc, const char *what,
		    const char *file)
{
	char detail[256];

	ossl_errors(detail, sizeof detail);
	fmt(err, errlen, "tls: %s%s%s: %s", what, file ? " " : "", file ? file : "", detail);
	SSL_CTX_free(s);
	return rc;
}

int tls_ctx_new(struct tls_ctx **out, bool server, const char *cert_file, const char *key_file,
		const char *ca_file, const char *min_version, char *err, size_t errlen)
{
	struct tls_ctx *c;
	SSL_CTX *s;
	X509_VERIFY_PARAM *param;
	int minv;
	long opts;

	fmt(err, errlen, "%s", "");
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!ca_file || !*ca_file) {
		fmt(err, errlen, "tls: a CA file is required");
		return -EINVAL;
	}
	if (!cert_file != !key_file || (server && !cert_file)) {
		fmt(err, errlen, "tls: %s",
		    server ? "the server needs a certificate and a key"
			   : "give both a certificate and a key, or neither");
		return -EINVAL;
	}
	if (!min_version || strcmp(min_version, "1.3") == 0) {
		minv = TLS1_3_VERSION;
	} else if (strcmp(min_version, "1.2") == 0) {
		minv = TLS1_2_VERSION;
	} else {
		fmt(err, errlen, "tls: minimum version must be \"1.3\" or \"1.2\", not \"%s\"",
		    min_version);
		return SC_ECONFIG;
	}

	ERR_clear_error();
	s = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (!s)
		return ctx_fail(NULL, err, errlen, -ENOMEM, "cannot make SSL_CTX", NULL);
	if (!SSL_CTX_set_min_proto_version(s, minv) ||
	    !SSL_CTX_set_max_proto_version(s, TLS1_3_VERSION))
		return ctx_fail(s, err, errlen, SC_ECONFIG, "cannot set protocol versions", NULL);

	/* No compression (CRIME), no renegotiation of any kind. No session
	 * tickets unless the server turns them on (tls_ctx_enable_tickets, which
	 * checks a resumed client's certificate again); clients accept them. */
	opts = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET;
	if (server)
		opts |= SSL_OP_CIPHER_SERVER_PREFERENCE;
	SSL_CTX_set_options(s, opts);
	SSL_CTX_clear_options(s, SSL_OP_LEGACY_SERVER_CONNECT |
					 SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION |
					 SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
	SSL_CTX_set_security_level(s, 2);
	SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
	if (!SSL_CTX_set_num_tickets(s, 0))
		return ctx_fail(s, err, errlen, SC_ECONFIG, "cannot turn session tickets off",
				NULL);
	if (!server) {
		SSL_CTX_clear_options(s, SSL_OP_NO_TICKET);
		tls__client_ctx_setup(s);
	}
	SSL_CTX_set_mode(s, SSL_MODE_RELEASE_BUFFERS);
	if (!SSL_CTX_set_cipher_list(s, TLS12_CIPHERS) ||
	    !SSL_CTX_set_ciphersuites(s, TLS13_SUITES))
		return ctx_fail(s, err, errlen, SC_ECONFIG, "cannot set cipher suites", NULL);
	if (!SSL_CTX_set1_groups_list(s, TLS_GROUPS))
		return ctx_fail(s, err, errlen, SC_ECONFIG, "cannot set key exchange groups", NULL);
	if (server && !SSL_CTX_set_session_id_context(s, (const unsigned char *)TLS_SESSION_ID_CTX,
						      sizeof TLS_SESSION_ID_CTX - 1))
		return ctx_fail(s, err, errlen, SC_ECONFIG, "cannot set session id context", NULL);

	/* Trust the district CA and nothing else (no system store). */
	if (!SSL_CTX_load_verify_file(s, ca_file))
		return ctx_fail(s, err, errlen, SC_ECONFIG, "cannot load CA file", ca_file);
	SSL_CTX_set_verify(s, SSL_VERIFY_PEER | (server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
			   NULL);
	SSL_CTX_set_verify_depth(s, TLS_VERIFY_DEPTH);
	param = SSL_CTX_get0_param(s);
	X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
	if (!SSL_CTX_set_purpose(s, server ? X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER))
		return ctx_fail(s, err, errlen, SC_ECONFIG, "cannot set certificate purpose", NULL);
	if (server) {
		/* Tell clients which CA we accept, so they pick the right certificate. */
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca_file);
		if (!names)
			return ctx_fail(s, err, errlen, SC_ECONFIG, "no CA names in", ca_file);
		SSL_CTX_set_client_CA_list(s, names);
	}

	if (cert_file) {
		if (!SSL_CTX_use_certificate_chain_file(s, cert_file))
			return ctx_fail(s, err, errlen, SC_ECONFIG, "cannot load certificate",
					cert_file);
		if (!SSL_CTX_use_PrivateKey_file(s, key_file, SSL_FILETYPE_PEM))
			return ctx_fail(s, err, errlen, SC_ECONFIG, "cannot load private key",
					key_file);
		if (!SSL_CTX_check_private_key(s))
			return ctx_fail(s, err, errlen, SC_ECONFIG,
					"private key does not match certificate", cert_file);
	}

	c = calloc(1, sizeof *c);
	if (!c)
		return ctx_fail(s, err, errlen, -ENOMEM, "out of memory", NULL);
	c->ssl_ctx = s;
	c->server = server;
	*out = c;
	return 0;
}

/* ------------------------------------------------------------------ revocation */

/* ASN1_TIME as Unix seconds; 0 if absent or unreadable. */
static long long asn1_unix(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (long long)timegm(&tm);
}

static void name_text(const X509_NAME *nm, char *dst, size_t n)
{
	BIO *mem = BIO_new(BIO_s_mem());
	int r;

	dst[0] = '\0';
	if (!mem)
		return;
	if (X509_NAME_print_ex(mem, nm, 0, XN_FLAG_RFC2253) >= 0) {
		r = BIO_read(mem, dst, (int)n - 1);
		dst[r > 0 ? r : 0] = '\0';
	}
	BIO_free(mem);
}

/* Reads every PEM object (certificates, CRLs) of path. NULL with a reason
 * in err if the file is unreadable or not PEM. */
static STACK_OF(X509_INFO) *
	read_pem_infos(const char *path, const char *what, char *err, size_t errlen)
{
	BIO *b = BIO_new_file(path, "r");
	STACK_OF(X509_INFO) * infos;
	char detail[256];

	if (!b) {
		ossl_errors(detail, sizeof detail);
		fmt(err, errlen, "tls: cannot read %s %s: %s", what, path, detail);
		return NULL;
	}
	infos = PEM_X509_INFO_read_bio(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!infos) {
		ossl_errors(detail, sizeof detail);
		fmt(err, errlen, "tls: %s %s is not PEM: %s", what, path, detail);
		return NULL;
	}
	ERR_clear_error();
	return infos;
}

int tls_ctx_load_crl(struct tls_ctx *ctx, const char *crl_file, const char *ca_file, char *err,
		     size_t errlen)
{
	STACK_OF(X509_INFO) *crls = NULL, *cas = NULL;
	struct tls_crl_info info = { 0 };
	X509_STORE *store;
	char issuer[256];
	time_t now = time(NULL);
	int rc = SC_ECONFIG;

	fmt(err, errlen, "%s", "");
	if (!ctx || !crl_file || !*crl_file || !ca_file)
		return -EINVAL;
	ERR_clear_error();
	if (!(crls = read_pem_infos(crl_file, "CRL file", err, errlen)) ||
	    !(cas = read_pem_infos(ca_file, "CA file", err, errlen)))
		goto out;
	/* check everything before touching the store: all or nothing */
	for (int i = 0; i < sk_X509_INFO_num(crls); i++) {
		X509_CRL *crl = sk_X509_INFO_value(crls, i)->crl;
		const X509 *by = NULL;
		long long next, this_upd;

		if (!crl)
			continue; /* a certificate or key in the file: not ours to judge */
		name_text(X509_CRL_get_issuer(crl), issuer, sizeof issuer);
		for (int j = 0; j < sk_X509_INFO_num(cas) && !by; j++) {
			X509 *ca = sk_X509_INFO_value(cas, j)->x509;
			if (ca &&
			    X509_NAME_cmp(X509_get_subject_name(ca), X509_CRL_get_issuer(crl)) ==
				    0 &&
			    X509_CRL_verify(crl, X509_get0_pubkey(ca)) == 1)
				by = ca;
		}
		ERR_clear_error();
		if (!by) {
			fmt(err, errlen,
			    "tls: CRL file %s: the CRL of \"%s\" is not signed by a CA of %s",
			    crl_file, issuer, ca_file);
			goto out;
		}
		this_upd = asn1_unix(X509_CRL_get0_lastUpdate(crl));
		next = asn1_unix(X509_CRL_get0_nextUpdate(crl));
		if (this_upd > (long long)now) {
			fmt(err, errlen,
			    "tls: CRL file %s: the CRL of \"%s\" is not valid yet (is this "
			    "machine's clock behind?)",
			    crl_file, issuer);
			goto out;
		}
		if (!next || next <= (long long)now) {
			char when[32] = "no next update";
			struct tm tm;
			time_t nt = (time_t)next;
			if (next && gmtime_r(&nt, &tm))
				strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
			fmt(err, errlen,
			    "tls: CRL file %s: the CRL of \"%s\" has expired (%s); make a "
			    "fresh one (deploy/pki.sh crl DIR)",
			    crl_file, issuer, when);
			goto out;
		}
		if (!info.next_update || next < info.next_update)
			info.next_update = next;
		STACK_OF(X509_REVOKED) *rev = X509_CRL_get_REVOKED(crl);
		info.revoked += rev ? (unsigned)sk_X509_REVOKED_num(rev) : 0;
		info.crls++;
	}
	if (info.crls == 0) {
		fmt(err, errlen, "tls: CRL file %s holds no CRL", crl_file);
		goto out;
	}
	for (int j = 0; j < sk_X509_INFO_num(cas); j++) {
		X509 *ca = sk_X509_INFO_value(cas, j)->x509;
		bool have = false;

		if (!ca)
			continue;
		for (int i = 0; i < sk_X509_INFO_num(crls) && !have; i++) {
			X509_CRL *crl = sk_X509_INFO_value(crls, i)->crl;
			have = crl && X509_NAME_cmp(X509_get_subject_name(ca),
						    X509_CRL_get_issuer(crl)) == 0;
		}
		if (!have) {
			name_text(X509_get_subject_name(ca), issuer, sizeof issuer);
			fmt(err, errlen,
			    "tls: CRL file %s has no CRL of the CA \"%s\" (of %s): every "
			    "certificate it issued would be refused",
			    crl_file, issuer, ca_file);
			goto out;
		}
	}
	store = SSL_CTX_get_cert_store(ctx->ssl_ctx);
	for (int i = 0; i < sk_X509_INFO_num(crls); i++) {
		X509_CRL *crl = sk_X509_INFO_value(crls, i)->crl;
		if (crl && !X509_STORE_add_crl(store, crl)) {
			char detail[256];
			ossl_errors(detail, sizeof detail);
			fmt(err, errlen, "tls: cannot add a CRL of %s: %s", crl_file, detail);
			goto out;
		}
	}
	/* the leaf against its issuer's CRL; the CA itself is the trust anchor */
	X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ctx->ssl_ctx), X509_V_FLAG_CRL_CHECK);
	ctx->crl = info;
	rc = 0;
out:
	sk_X509_INFO_pop_free(crls, X509_INFO_free);
	sk_X509_INFO_pop_free(cas, X509_INFO_free);
	ERR_clear_error();
	return rc;
}

void tls_ctx_crl_info(const struct tls_ctx *ctx, struct tls_crl_info *out)
{
	*out = ctx ? ctx->crl : (struct tls_crl_info){ 0 };
}

void tls_ctx_free(struct tls_ctx *ctx)
{
	if (!ctx)
		return;
	SSL_CTX_free(ctx->ssl_ctx); /* sessions keep their own reference */
	free(ctx);
}

/* ------------------------------------------------------------------ session */

int tls_new(struct tls **out, struct tls_ctx *ctx, const char *server_name)
{
	struct tls *t;
	unsigned char ip[16];
	int rc = -ENOMEM;

	if (!out || !ctx)
		return -EINVAL;
	*out = NULL;
	if (ctx->server != (server_name == NULL))
		return -EINVAL; /* a client must say whom it expects; a server must not */
	if (server_name && (!*server_name || strlen(server_name) > 253))
		return -EINVAL;

	t = calloc(1, sizeof *t);
	if (!t)
		return -ENOMEM;
	buf_init(&t->out, tls_out_max());
	t->server = ctx->server;
	ERR_clear_error();
	t->ssl = SSL_new(ctx->ssl_ctx);
	t->rbio = BIO_new(BIO_s_mem());
	t->wbio = BIO_new(BIO_s_mem());
	if (!t->ssl || !t->rbio || !t->wbio) {
		BIO_free(t->rbio);
		BIO_free(t->wbio);
		t->rbio = t->wbio = NULL;
		goto fail;
	}
	/* An empty BIO means "no data yet", not end of stream. */
	BIO_set_mem_eof_return(t->rbio, -1);
	BIO_set_mem_eof_return(t->wbio, -1);
	SSL_set_bio(t->ssl, t->rbio, t->wbio);

	if (t->server) {
		SSL_set_accept_state(t->ssl);
	} else {
		tls__client_attach(t);
		X509_VERIFY_PARAM *param = SSL_get0_param(t->ssl);

		SSL_set_connect_state(t->ssl);
		X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		rc = SC_ETLS;
		if (inet_pton(AF_INET, server_name, ip) == 1 ||
		    inet_pton(AF_INET6, server_name, ip) == 1) {
			if (!X509_VERIFY_PARAM_set1_ip_asc(param, server_name))
				goto fail;
		} else {
			if (!X509_VERIFY_PARAM_set1_host(param, server_name, 0) ||
			    !SSL_set_tlsext_host_name(t->ssl, server_name))
				goto fail;
		}
	}
	ERR_clear_error();
	*out = t;
	return 0;
fail:
	ERR_clear_error();
	SSL_free(t->ssl);
	buf_free(&t->out);
	free(t);
	return rc;
}

void tls_free(struct tls *t)
{
	if (!t)
		return;
	SSL_SESSION_free(t->ticket);
	SSL_free(t->ssl); /* frees both BIOs */
	buf_free(&t->out);
	free(t);
}

/* Moves everything OpenSSL wrote into t->out. Called after every SSL_* call. */
/* A memory BIO keeps the largest buffer it ever held (a handshake flight, a
 * big frame). Once it is empty, swap in a fresh one, so an idle session holds
 * no BIO buffer at all: most of a server's connections are idle schools. */
static void bio_release(struct tls *t, bool read_side)
{
	BIO *b = read_side ? t->rbio : t->wbio, *nb;
	BUF_MEM *bm = NULL;

	if (BIO_ctrl_pending(b) != 0 || BIO_get_mem_ptr(b, &bm) <= 0 || !bm || bm->max == 0)
		return;
	if (!(nb = BIO_new(BIO_s_mem())))
		return; /* keep the old one: only memory is at stake */
	BIO_set_mem_eof_return(nb, -1);
	if (read_side) {
		SSL_set0_rbio(t->ssl, nb); /* frees the old BIO */
		t->rbio = nb;
	} else {
		SSL_set0_wbio(t->ssl, nb);
		t->wbio = nb;
	}
}

static int tls_flush(struct tls *t)
{
	size_t n;

	while ((n = BIO_ctrl_pending(t->wbio)) > 0) {
		int chunk = n > INT_MAX ? INT_MAX : (int)n;
		uint8_t *dst = buf_reserve(&t->out, (size_t)chunk);
		int r;

		if (!dst) {
			t->failed = true;
			fmt(t->err, sizeof t->err, "output buffer over its limit");
			return buf_used(&t->out) > t->out.max - (size_t)chunk ? -ENOBUFS : -ENOMEM;
		}
		r = BIO_read(t->wbio, dst, chunk);
		if (r <= 0)
			break;
		buf_commit(&t->out, (size_t)r);
	}
	bio_release(t, false);
	return 0;
}

/* Records why SSL_* failed; includes the X509 verify result when there is one. */
static void tls_set_error(struct tls *t, int ssl_err)
{
	char detail[192];
	long vr = SSL_get_verify_result(t->ssl);
	unsigned long e = ERR_peek_error();

	if (e) {
		const char *reason = ERR_reason_error_string(e);
		if (reason)
			snprintf(detail, sizeof detail, "%s", reason);
		else
			ERR_error_string_n(e, detail, sizeof detail);
	} else if (ssl_err == SSL_ERROR_SYSCALL) {
		snprintf(detail, sizeof detail, "unexpected end of stream");
	} else {
		snprintf(detail, sizeof detail, "TLS error %d", ssl_err);
	}
	if (vr != X509_V_OK)
		fmt(t->err, sizeof t->err, "%s: %s", detail, X509_verify_cert_error_string(vr));
	else
		fmt(t->err, sizeof t->err, "%s", detail);
	ERR_clear_error();
	t->failed = true;
}

int tls_feed(struct tls *t, const void *cipher, size_t len)
{
	const uint8_t *p = cipher;

	if (t->failed)
		return SC_ETLS;
	if (len == 0)
		return 0;
	if (BIO_ctrl_pending(t->rbio) > TLS_IN_MAX - len || len > TLS_IN_MAX) {
		fmt(t->err, sizeof t->err, "input over its limit");
		return SC_ETOOBIG;
	}
	while (len > 0) {
		int chunk = len > INT_MAX ? INT_MAX : (int)len;
		int r = BIO_write(t->rbio, p, chunk);
		if (r <= 0) {
			fmt(t->err, sizeof t->err, "out of memory");
			ERR_clear_error();
			return -ENOMEM;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

int tls_read(struct tls *t, struct buf *plain)
{
	int r, e, rc;

	if (t->failed)
		return SC_ETLS;
	if (!t->done) {
		ERR_clear_error();
		r = SSL_do_handshake(t->ssl);
		e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(t->ssl, r);
		rc = tls_flush(t);
		if (rc < 0)
			return rc;
		if (r != 1) {
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
				return 0;
			tls_set_error(t, e);
			return SC_ETLS;
		}
		t->done = true;
		t->resumed = SSL_session_reused(t->ssl) == 1;
		snprintf(t->version, sizeof t->version, "%s %s%s", SSL_get_version(t->ssl),
			 SSL_get_cipher_name(t->ssl), t->resumed ? " resumed" : "");
		if (t->server && t->resumed && (rc = tls__resumed_check(t)) < 0) {
			t->failed = true;
			return rc;
		}
	}
	/* Drain while input or decrypted data remains; stop when plain is full. */
	while (!t->peer_closed) {
		size_t room = plain->max - buf_used(plain);
		size_t want;
		uint8_t *dst;

		if (room == 0)
			return 0;
		/* plaintext never exceeds the ciphertext waiting (or what OpenSSL
		 * already decrypted): reserve that, not a whole record each time,
		 * so an idle session's last read allocates nothing big */
		size_t avail = BIO_ctrl_pending(t->rbio) + (size_t)SSL_pending(t->ssl);
		if (avail == 0 && !SSL_has_pending(t->ssl)) {
			bio_release(t, true);
			return 0; /* nothing to read: SSL_read would only say WANT_READ */
		}
		want = room < TLS_RECORD_PLAIN ? room : TLS_RECORD_PLAIN;
		if (avail && want > avail)
			want = avail;
		dst = buf_reserve(plain, want);
		if (!dst)
			return -ENOMEM;
		ERR_clear_error();
		r = SSL_read(t->ssl, dst, (int)want);
		e = r > 0 ? SSL_ERROR_NONE : SSL_get_error(t->ssl, r);
		rc = tls_flush(t); /* key updates, alerts */
		if (r > 0)
			buf_commit(plain, (size_t)r);
		if (rc < 0)
			return rc;
		if (r > 0)
			continue;
		switch (e) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			bio_release(t, true);
			return 0;
		case SSL_ERROR_ZERO_RETURN:
			t->peer_closed = true;
			ERR_clear_error();
			return 0;
		default:
			tls_set_error(t, e);
			return SC_ETLS;
		}
	}
	return 0;
}

int tls_write(struct tls *t, const void *plain, size_t len)
{
	int r, e, rc;

	if (t->failed)
		return SC_ETLS;
	if (!t->done)
		return -ENOTCONN;
	if (t->shutdown_sent)
		return -EPIPE;
	if (len > TLS_WRITE_MAX)
		return SC_ETOOBIG;
	if (len == 0)
		return 0;
	if (buf_used(&t->out) > t->out.max - tls_write_bound(len))
		return -ENOBUFS;
	ERR_clear_error();
	/* A memory BIO takes everything, so SSL_write is all or nothing. */
	r = SSL_write(t->ssl, plain, (int)len);
	e = r > 0 ? SSL_ERROR_NONE : SSL_get_error(t->ssl, r);
	rc = tls_flush(t);
	if (rc < 0)
		return rc;
	if (r <= 0 || (size_t)r != len) {
		tls_set_error(t, e);
		return SC_ETLS;
	}
	return 0;
}

int tls_shutdown(struct tls *t)
{
	int r;

	if (!t->done || t->failed || t->shutdown_sent)
		return 0;
	t->shutdown_sent = true;
	ERR_clear_error();
	r = SSL_shutdown(t->ssl);
	(void)r; /* 0: sent, peer's not seen yet; 1: both done. Neither needs more. */
	ERR_clear_error();
	return tls_flush(t);
}

size_t tls_out_pending(const struct tls *t)
{
	return buf_used(&t->out);
}

int tls_out_take(struct tls *t, struct buf *cipher)
{
	size_t n = buf_used(&t->out);
	int rc;

	if (n == 0)
		return 0;
	rc = buf_append(cipher, buf_head(&t->out), n);
	if (rc < 0)
		return rc;
	buf_free(&t->out); /* idle sessions keep no output buffer */
	return 0;
}

bool tls_in_pending(const struct tls *t)
{
	return !t->failed && !t->peer_closed &&
	       (BIO_ctrl_pending(t->rbio) > 0 || SSL_has_pending(t->ssl));
}

bool tls_handshake_done(const struct tls *t)
{
	return t->done;
}

bool tls_peer_closed(const struct tls *t)
{
	return t->peer_closed;
}

const char *tls_error(const struct tls *t)
{
	return t->err;
}

const char *tls_version(const struct tls *t)
{
	return t->done ? t->version : "";
}

/* ------------------------------------------------------------------ identity */

static bool id_valid(const unsigned char *s, int n)
{
	if (n < 1 || n > 63)
		return false;
	for (int i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static int name_field(char *err, size_t errlen, const X509_NAME *nm, int nid, const char *label,
		      char *dst, size_t dstlen)
{
	const X509_NAME_ENTRY *ent;
	unsigned char *u = NULL;
	int i, n;

	i = X509_NAME_get_index_by_NID(nm, nid, -1);
	if (i < 0) {
		fmt(err, errlen, "bad identity: certificate subject has no %s", label);
		return SC_ETLS;
	}
	if (X509_NAME_get_index_by_NID(nm, nid, i) >= 0) {
		fmt(err, errlen, "bad identity: certificate subject has more than one %s", label);
		return SC_ETLS;
	}
	ent = X509_NAME_get_entry(nm, i);
	n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(ent));
	if (n < 0 || !id_valid(u, n) || (size_t)n >= dstlen) {
		OPENSSL_free(u);
		ERR_clear_error();
		fmt(err, errlen,
		    "bad identity: certificate subject %s is not an id ([A-Za-z0-9._-]{1,63})",
		    label);
		return SC_ETLS;
	}
	memcpy(dst, u, (size_t)n);
	dst[n] = '\0';
	OPENSSL_free(u);
	return 0;
}

/* The identity in a certificate's subject; the reason for people in err.
 * Split from tls_peer_identity so that the parsing can be fuzzed on a
 * certificate alone (tls__identity_from_x509, tests/fuzz/fuzz_identity.c). */
static int identity_from_cert(const X509 *cert, struct tls_identity *out, char *err, size_t errlen)
{
	const X509_NAME *nm;
	BIO *mem;
	char ou[64];
	int rc, n;

	memset(out, 0, sizeof *out);
	nm = X509_get_subject_name(cert);

	mem = BIO_new(BIO_s_mem());
	if (mem) {
		if (X509_NAME_print_ex(mem, nm, 0, XN_FLAG_RFC2253) >= 0) {
			n = BIO_read(mem, out->subject, (int)sizeof out->subject - 1);
			out->subject[n > 0 ? n : 0] = '\0';
		}
		BIO_free(mem);
	}
	ERR_clear_error();

	if ((rc = name_field(err, errlen, nm, NID_organizationName, "O (district)", out->district,
			     sizeof out->district)) < 0 ||
	    (rc = name_field(err, errlen, nm, NID_organizationalUnitName, "OU (school)", ou,
			     sizeof ou)) < 0 ||
	    (rc = name_field(err, errlen, nm, NID_commonName, "CN (campus)", out->campus,
			     sizeof out->campus)) < 0) {
		char subject[sizeof out->subject];

		memcpy(subject, out->subject, sizeof subject);
		memset(out, 0, sizeof *out);
		n = (int)strlen(err);
		if (n < (int)errlen - 1)
			fmt(err + n, errlen - (size_t)n, " in \"%s\"", subject);
		return rc;
	}
	if (strcmp(ou, "bureau") == 0) {
		out->role = SAFECAMPUS__ROLE__ROLE_BUREAU;
		out->school[0] = '\0';
	} else {
		out->role = SAFECAMPUS__ROLE__ROLE_SCHOOL;
		memcpy(out->school, ou, sizeof out->school);
	}
	return 0;
}

int tls_peer_identity(struct tls *t, struct tls_identity *out)
{
	X509 *cert;

	memset(out, 0, sizeof *out);
	if (!t->done || t->failed) {
		fmt(t->err, sizeof t->err, "bad identity: handshake not done");
		return SC_ETLS;
	}
	cert = SSL_get0_peer_certificate(t->ssl);
	if (!cert || SSL_get_verify_result(t->ssl) != X509_V_OK) {
		fmt(t->err, sizeof t->err, "bad identity: no verified peer certificate");
		return SC_ETLS;
	}
	return identity_from_cert(cert, out, t->err, sizeof t->err);
}

#ifdef UNITTEST
int tls__identity_from_x509(const struct x509_st *cert, struct tls_identity *out, char *err,
			    size_t errlen)
{
	return identity_from_cert(cert, out, err, errlen);
}
#endif

int tls_peer_recheck(struct tls *t, const struct tls_ctx *ctx, char *why, size_t whylen)
{
	X509 *cert;
	X509_STORE_CTX *sc;
	int rc = SC_ETLS;

	fmt(why, whylen, "%s", "");
	if (!t || !ctx || !t->done || t->failed || !(cert = SSL_get0_peer_certificate(t->ssl))) {
		fmt(why, whylen, "no verified peer certificate");
		return -EINVAL;
	}
	ERR_clear_error();
	sc = X509_STORE_CTX_new();
	if (!sc)
		return -ENOMEM;
	/* what libssl does for a handshake (ssl_verify_cert_chain): the
	 * context's store and parameters (purpose, depth, flags), the chain
	 * the peer sent */
	if (!X509_STORE_CTX_init(sc, SSL_CTX_get_cert_store(ctx->ssl_ctx), cert,
				 SSL_get_peer_cert_chain(t->ssl)) ||
	    !X509_STORE_CTX_set_default(sc, ctx->server ? "ssl_client" : "ssl_server") ||
	    !X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(sc),
				    SSL_CTX_get0_param(ctx->ssl_ctx))) {
		fmt(why, whylen, "cannot set up verification");
		rc = -ENOMEM;
	} else if (X509_verify_cert(sc) == 1) {
		rc = 0;
	} else {
		fmt(why, whylen, "%s", X509_verify_cert_error_string(X509_STORE_CTX_get_error(sc)));
	}
	X509_STORE_CTX_free(sc);
	ERR_clear_error();
	return rc;
}
