/* TLS 1.3 session resumption: tickets issued by the server, kept and offered
 * by the client, and the check a resumed session needs. See tls.h and
 * docs/internals/tls.md ("Resumption").
 *
 * Why derived keys: workers share the port (SO_REUSEPORT) and a restart must
 * not invalidate every school's ticket, yet a key file to distribute and
 * rotate is one more secret to lose. The server's private key is already that
 * secret, on every worker and across restarts; HKDF gives one independent key
 * per period from it. A ticket names its period; the current and the previous
 * period are accepted, so a ticket lives between one and two periods. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "tls_int.h"

#define TICKET_NAME_LEN 16
#define TICKET_SALT "safecampus session tickets v1"

struct period_keys {
	unsigned char name[TICKET_NAME_LEN];
	unsigned char aes[32];
	unsigned char hmac[32];
};

static int hkdf(int mode, const unsigned char *key, size_t keylen, const void *salt, size_t saltlen,
		const void *info, size_t infolen, unsigned char *out, size_t outlen)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[6], *q = p;
	int ok;

	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, keylen);
	if (salt)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
							 saltlen);
	if (info)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
							 infolen);
	*q = OSSL_PARAM_construct_end();
	ok = kctx && EVP_KDF_derive(kctx, out, outlen, p) == 1;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -1;
}

static int period_keys(const struct tls_ticket_keys *tk, unsigned long long period,
		       struct period_keys *out)
{
	unsigned char info[16] = "period ";

	for (int i = 0; i < 8; i++)
		info[8 + i] = (unsigned char)(period >> (56 - 8 * i));
	return hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, tk->secret, sizeof tk->secret, NULL, 0, info,
		    sizeof info, (unsigned char *)out, sizeof *out);
}

static int set_mac_key(EVP_MAC_CTX *hctx, unsigned char *key)
{
	OSSL_PARAM p[3];

	p[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, key, 32);
	p[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	p[2] = OSSL_PARAM_construct_end();
	return EVP_MAC_CTX_set_params(hctx, p);
}

/* OpenSSL's ticket callback: 1 use these keys, 2 use them and issue a new
 * ticket (it came from the previous period), 0 unknown name (full handshake),
 * -1 error. */
static int ticket_cb(SSL *ssl, unsigned char *name, unsigned char *iv, EVP_CIPHER_CTX *cctx,
		     EVP_MAC_CTX *hctx, int enc)
{
	const struct tls_ctx *ctx = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	const struct tls_ticket_keys *tk = &ctx->tickets;
	unsigned long long now =
		(unsigned long long)time(NULL) / (unsigned long long)tk->lifetime_s;
	struct period_keys k;
	int rc = -1;

	if (enc) {
		if (period_keys(tk, now, &k) || RAND_bytes(iv, EVP_MAX_IV_LENGTH) != 1)
			goto out;
		memcpy(name, k.name, TICKET_NAME_LEN);
		if (EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k.aes, iv) != 1 ||
		    set_mac_key(hctx, k.hmac) != 1)
			goto out;
		rc = 1;
		goto out;
	}
	rc = 0;
	for (unsigned long long age = 0; age < 2 && now >= age; age++) {
		if (period_keys(tk, now - age, &k)) {
			rc = -1;
			break;
		}
		if (CRYPTO_memcmp(name, k.name, TICKET_NAME_LEN) != 0)
			continue;
		if (EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k.aes, iv) != 1 ||
		    set_mac_key(hctx, k.hmac) != 1) {
			rc = -1;
			break;
		}
		rc = age ? 2 : 1;
		break;
	}
out:
	OPENSSL_cleanse(&k, sizeof k);
	return rc;
}

static SSL_TICKET_RETURN ticket_dec_cb(SSL *ssl, SSL_SESSION *sess, const unsigned char *name,
				       size_t namelen, SSL_TICKET_STATUS status, void *arg);

int tls_ctx_enable_tickets(struct tls_ctx *ctx, long lifetime_s, char *err, size_t errlen)
{
	SSL_CTX *s = ctx->ssl_ctx;
	EVP_PKEY *pkey = SSL_CTX_get0_privatekey(s);
	unsigned char *der = NULL;
	int n;

	if (!ctx->server || lifetime_s <= 0) {
		ctx->tickets.on = false;
		return 0;
	}
	n = pkey ? i2d_PrivateKey(pkey, &der) : -1;
	if (n <= 0 || hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, der, (size_t)n, TICKET_SALT,
			   sizeof TICKET_SALT - 1, NULL, 0, ctx->tickets.secret,
			   sizeof ctx->tickets.secret)) {
		if (der)
			OPENSSL_clear_free(der, (size_t)n);
		if (err && errlen)
			snprintf(err, errlen, "tls: cannot derive session ticket keys");
		return SC_ECONFIG;
	}
	OPENSSL_clear_free(der, (size_t)n);
	ctx->tickets.on = true;
	ctx->tickets.lifetime_s = lifetime_s;
	SSL_CTX_set_app_data(s, ctx);
	SSL_CTX_clear_options(s, SSL_OP_NO_TICKET);
	/* stateless tickets only: nothing is cached in a worker's memory */
	SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
	SSL_CTX_set_timeout(s, 2 * lifetime_s);
	if (!SSL_CTX_set_num_tickets(s, 1) || !SSL_CTX_set_tlsext_ticket_key_evp_cb(s, ticket_cb) ||
	    !SSL_CTX_set_session_ticket_cb(s, NULL, ticket_dec_cb, NULL)) {
		if (err && errlen)
			snprintf(err, errlen, "tls: cannot turn session tickets on");
		return SC_ECONFIG;
	}
	return 0;
}

/* Why a certificate a session carries may no longer be used, or NULL: its
 * validity dates, and the CRLs of the store as it is now (a SIGHUP may have
 * reloaded them). */
static const char *no_longer_valid(SSL_CTX *sctx, X509 *cert)
{
	X509_STORE *store = SSL_CTX_get_cert_store(sctx);
	STACK_OF(X509_OBJECT) * objs;
	int revoked = 0;

	if (!cert)
		return "no client certificate";
	if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0 ||
	    X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0)
		return "certificate has expired";
	if (!X509_STORE_lock(store))
		return "cannot read the CRLs";
	objs = X509_STORE_get0_objects(store);
	for (int i = 0; i < sk_X509_OBJECT_num(objs) && !revoked; i++) {
		X509_OBJECT *o = sk_X509_OBJECT_value(objs, i);
		X509_CRL *crl = X509_OBJECT_get_type(o) == X509_LU_CRL
					? X509_OBJECT_get0_X509_CRL(o)
					: NULL;
		X509_REVOKED *rev;
		if (crl &&
		    X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(cert)) == 0 &&
		    X509_CRL_get0_by_cert(crl, &rev, cert) == 1)
			revoked = 1;
	}
	X509_STORE_unlock(store);
	return revoked ? "certificate revoked" : NULL;
}

/* Called when a ticket decrypted: a session whose certificate is no longer
 * valid is not resumed. The handshake goes on as a full one, whose
 * verification then refuses the certificate with the usual alert, so the
 * client hears "certificate revoked", not a closed connection. */
static SSL_TICKET_RETURN ticket_dec_cb(SSL *ssl, SSL_SESSION *sess, const unsigned char *name,
				       size_t namelen, SSL_TICKET_STATUS status, void *arg)
{
	(void)name;
	(void)namelen;
	(void)arg;
	switch (status) {
	case SSL_TICKET_SUCCESS:
	case SSL_TICKET_SUCCESS_RENEW:
		if (no_longer_valid(SSL_get_SSL_CTX(ssl), SSL_SESSION_get0_peer(sess)))
			return SSL_TICKET_RETURN_IGNORE_RENEW;
		return status == SSL_TICKET_SUCCESS ? SSL_TICKET_RETURN_USE
						    : SSL_TICKET_RETURN_USE_RENEW;
	case SSL_TICKET_FATAL_ERR_MALLOC:
	case SSL_TICKET_FATAL_ERR_OTHER:
		return SSL_TICKET_RETURN_ABORT;
	default: /* none, empty, not ours: a full handshake */
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	}
}

int tls__resumed_check(struct tls *t)
{
	/* ticket_dec_cb already refused such sessions; this holds if a session
	 * was resumed some other way */
	const char *why =
		no_longer_valid(SSL_get_SSL_CTX(t->ssl), SSL_get0_peer_certificate(t->ssl));

	if (why) {
		snprintf(t->err, sizeof t->err, "certificate verify failed: %s (resumed session)",
			 why);
		return SC_ETLS;
	}
	return 0;
}

/* ---- client */

static int on_new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct tls *t = SSL_get_app_data(ssl);

	if (!t || !SSL_SESSION_is_resumable(sess))
		return 0;
	SSL_SESSION_free(t->ticket);
	t->ticket = sess;
	return 1; /* we keep the reference */
}

void tls__client_ctx_setup(SSL_CTX *s)
{
	SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(s, on_new_session);
}

void tls__client_attach(struct tls *t)
{
	SSL_set_app_data(t->ssl, t);
}

struct tls_session *tls_session_save(struct tls *t)
{
	/* a copy: SSL_free of a connection that ended without close_notify
	 * marks its own session object not resumable (ssl_clear_bad_session),
	 * and a school's connection usually ends that way */
	if (!t || t->server || !t->ticket)
		return NULL;
	return (struct tls_session *)SSL_SESSION_dup(t->ticket);
}

int tls_session_offer(struct tls *t, struct tls_session *s)
{
	if (!t || t->server || !s)
		return -EINVAL;
	/* a resumed session skips the server's certificate: one the client's
	 * CRL (safecampus init --crl) now revokes, or that expired, must not be
	 * resumed, or the client would go on trusting a revoked server key */
	if (no_longer_valid(SSL_get_SSL_CTX(t->ssl), SSL_SESSION_get0_peer((SSL_SESSION *)s)))
		return -ESTALE;
	if (SSL_set_session(t->ssl, (SSL_SESSION *)s) != 1)
		return -EINVAL;
	return 0;
}

void tls_session_free(struct tls_session *s)
{
	SSL_SESSION_free((SSL_SESSION *)s);
}

int tls_session_encode(const struct tls_session *s, unsigned char **der, size_t *len)
{
	int n = s ? i2d_SSL_SESSION((SSL_SESSION *)s, NULL) : 0;
	unsigned char *p;

	*der = NULL;
	*len = 0;
	if (n <= 0 || !(p = malloc((size_t)n)))
		return -ENOMEM;
	*der = p;
	*len = (size_t)i2d_SSL_SESSION((SSL_SESSION *)s, &p);
	return 0;
}

struct tls_session *tls_session_decode(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;

	if (!der || len == 0 || len > 65536)
		return NULL;
	return (struct tls_session *)d2i_SSL_SESSION(NULL, &p, (long)len);
}

bool tls_resumed(const struct tls *t)
{
	return t && t->resumed;
}
