/* Identity from a client certificate (see ident.h for the convention). */
#include "ident.h"
#include "i18n.h"
#include "tls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "safecampus.pb-c.h"

bool ident_id_valid(const char *s)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++) {
		char c = s[n];
		if (n >= IDENT_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return n > 0;
}

/* The last OpenSSL error as text, for people; clears the queue. */
static const char *ssl_reason(char *buf, size_t n)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, n, "no PEM data found");
	else
		ERR_error_string_n(e, buf, n);
	ERR_clear_error();
	return buf;
}

static int open_pem(const char *path, const char *what, BIO **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	int e;

	*out = NULL;
	if (!f) {
		e = errno;
		snprintf(err, errlen, _("cannot read %s %s: %s"), what, path, strerror(e));
		return e == ENOENT ? -ENOENT : e == EACCES ? -EACCES : SC_ECONFIG;
	}
	*out = BIO_new_fp(f, BIO_CLOSE);
	if (!*out) {
		fclose(f);
		snprintf(err, errlen, _("out of memory reading %s"), path);
		return -ENOMEM;
	}
	return 0;
}

static int load_cert(const char *path, X509 **out, char *err, size_t errlen)
{
	char why[256];
	BIO *b;
	int rc = open_pem(path, "certificate", &b, err, errlen);

	*out = NULL;
	if (rc)
		return rc;
	*out = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!*out) {
		snprintf(err, errlen, _("%s is not a PEM certificate (%s)"), path,
			 ssl_reason(why, sizeof why));
		return SC_ECONFIG;
	}
	return 0;
}

/* The one value of attribute nid in name, as UTF-8, checked as an id. */
static int subject_attr(const X509_NAME *name, int nid, const char *label, const char *path,
			char *out, char *err, size_t errlen)
{
	int i = X509_NAME_get_index_by_NID(name, nid, -1);
	unsigned char *utf8 = NULL;
	const X509_NAME_ENTRY *e;
	int len;

	if (i < 0) {
		snprintf(err, errlen, _("%s: certificate subject has no %s"), path, label);
		return SC_ECONFIG;
	}
	if (X509_NAME_get_index_by_NID(name, nid, i) >= 0) {
		snprintf(err, errlen, _("%s: certificate subject has more than one %s"), path,
			 label);
		return SC_ECONFIG;
	}
	e = X509_NAME_get_entry(name, i);
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
	if (len < 0) {
		snprintf(err, errlen, _("%s: certificate %s does not decode"), path, label);
		return SC_ECONFIG;
	}
	if ((size_t)len != strlen((const char *)utf8) || !ident_id_valid((const char *)utf8)) {
		snprintf(err, errlen,
			 _("%s: certificate %s \"%.*s\" is not an id ([A-Za-z0-9._-], 1 to %d "
			   "characters)"),
			 path, label, len > 64 ? 64 : len, (const char *)utf8, IDENT_MAX);
		OPENSSL_free(utf8);
		return SC_ECONFIG;
	}
	snprintf(out, IDENT_MAX + 1, "%s", (const char *)utf8);
	OPENSSL_free(utf8);
	return 0;
}

int ident_from_cert(const char *path, struct ident *out, char *err, size_t errlen)
{
	const char *conv = " (expected subject O=<district>, OU=<school id or bureau>, "
			   "CN=<campus id>)";
	char ou[IDENT_MAX + 1];
	X509 *x = NULL;
	const X509_NAME *name;
	const ASN1_TIME *na;
	int rc;

	memset(out, 0, sizeof *out);
	rc = load_cert(path, &x, err, errlen);
	if (rc)
		return rc;
	name = X509_get_subject_name(x);
	rc = subject_attr(name, NID_organizationName, "O (district)", path, out->district, err,
			  errlen);
	if (rc == 0)
		rc = subject_attr(name, NID_organizationalUnitName, "OU (school)", path, ou, err,
				  errlen);
	if (rc == 0)
		rc = subject_attr(name, NID_commonName, "CN (campus)", path, out->campus, err,
				  errlen);
	if (rc) {
		size_t used = strlen(err);
		snprintf(err + used, errlen - used, "%s", conv);
		goto out;
	}
	if (strcmp(ou, IDENT_BUREAU_OU) == 0) {
		out->role = SAFECAMPUS__ROLE__ROLE_BUREAU;
		out->school[0] = '\0';
	} else {
		out->role = SAFECAMPUS__ROLE__ROLE_SCHOOL;
		snprintf(out->school, sizeof out->school, "%s", ou);
	}
	na = X509_get0_notAfter(x);
	if (na) {
		struct tm tm;
		if (ASN1_TIME_to_tm(na, &tm) == 1)
			out->not_after = (long long)timegm(&tm);
	}
out:
	X509_free(x);
	return rc;
}

/* No password prompt: an encrypted key cannot be used unattended. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int ident_check_key(const char *cert_path, const char *key_path, char *err, size_t errlen)
{
	char why[256];
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	BIO *b = NULL;
	int rc = open_pem(key_path, "private key", &b, err, errlen);

	if (rc)
		return rc;
	k = PEM_read_bio_PrivateKey(b, NULL, no_password, NULL);
	if (!k) {
		snprintf(err, errlen, _("%s is not an unencrypted PEM private key (%s)"), key_path,
			 ssl_reason(why, sizeof why));
		rc = SC_ECONFIG;
		goto out;
	}
	rc = load_cert(cert_path, &x, err, errlen);
	if (rc)
		goto out;
	if (X509_check_private_key(x, k) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, _("private key %s does not belong to certificate %s"),
			 key_path, cert_path);
		rc = SC_ECONFIG;
	}
out:
	X509_free(x);
	EVP_PKEY_free(k);
	BIO_free(b);
	return rc;
}

int ident_check_ca(const char *cert_path, const char *ca_path, char *err, size_t errlen)
{
	char why[256];
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509 *x = NULL;
	int rc = 0;
	BIO *b = NULL;
	int n = 0;

	rc = open_pem(ca_path, "CA certificate", &b, err, errlen);
	if (rc)
		return rc;
	store = X509_STORE_new();
	if (!store) {
		rc = -ENOMEM;
		goto out;
	}
	for (;;) {
		X509 *ca = PEM_read_bio_X509(b, NULL, NULL, NULL);
		if (!ca)
			break;
		if (X509_STORE_add_cert(store, ca) == 1)
			n++;
		X509_free(ca);
	}
	ERR_clear_error();
	if (n == 0) {
		snprintf(err, errlen, _("%s holds no PEM certificate"), ca_path);
		rc = SC_ECONFIG;
		goto out;
	}
	rc = load_cert(cert_path, &x, err, errlen);
	if (rc)
		goto out;
	ctx = X509_STORE_CTX_new();
	if (!ctx || X509_STORE_CTX_init(ctx, store, x, NULL) != 1) {
		rc = -ENOMEM;
		goto out;
	}
	if (X509_verify_cert(ctx) != 1) {
		snprintf(why, sizeof why, "%s",
			 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		snprintf(err, errlen, _("certificate %s does not verify against CA %s: %s"),
			 cert_path, ca_path, why);
		ERR_clear_error();
		rc = 1;
	}
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	X509_free(x);
	BIO_free(b);
	return rc;
}

int ident_check_crl(const char *crl_path, const char *ca_path, char *err, size_t errlen)
{
	struct tls_ctx *ctx;
	int rc = tls_ctx_new(&ctx, false, NULL, NULL, ca_path, NULL, err, errlen);

	if (rc)
		return SC_ECONFIG;
	rc = tls_ctx_load_crl(ctx, crl_path, ca_path, err, errlen);
	tls_ctx_free(ctx);
	return rc ? SC_ECONFIG : 0;
}
