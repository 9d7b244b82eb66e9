/* Person signatures over canonical bytes, and the event hash of the chain.
 * See sig.h for the contract and docs/internals/people.md for the design. */
#include "sig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "i18n.h"
#include "kinds.h"

/* Canonical bytes are small (a payload is a few hundred bytes); a cap keeps a
 * hostile record from making us allocate without bound. */
#define SIG_CANON_MAX (1u << 20)

int sig_keygen(EVP_PKEY **out)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "ED25519", NULL);
	int rc = -ENOMEM;

	*out = NULL;
	if (ctx && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, out) == 1)
		rc = 0;
	else if (ctx)
		rc = SC_EINVALID;
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int sig_pubkey_raw(EVP_PKEY *k, uint8_t out[SIG_PUBKEY_LEN])
{
	size_t n = SIG_PUBKEY_LEN;

	if (EVP_PKEY_get_raw_public_key(k, out, &n) != 1 || n != SIG_PUBKEY_LEN)
		return SC_EINVALID;
	return 0;
}

int sig_sign(EVP_PKEY *k, const void *msg, size_t n, uint8_t out[SIG_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t len = SIG_LEN;
	int rc = SC_EINVALID;

	if (!md)
		return -ENOMEM;
	/* Ed25519 is "pure": no digest, one-shot */
	if (EVP_DigestSignInit(md, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestSign(md, out, &len, msg, n) == 1 && len == SIG_LEN)
		rc = 0;
	EVP_MD_CTX_free(md);
	return rc;
}

int sig_verify(const uint8_t pub[SIG_PUBKEY_LEN], const void *msg, size_t n, const uint8_t *sig,
	       size_t siglen)
{
	EVP_PKEY *k;
	EVP_MD_CTX *md;
	int rc = SC_EINVALID;

	if (siglen != SIG_LEN)
		return SC_EINVALID;
	k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, SIG_PUBKEY_LEN);
	if (!k)
		return SC_EINVALID;
	md = EVP_MD_CTX_new();
	if (!md)
		rc = -ENOMEM;
	else if (EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) == 1 &&
		 EVP_DigestVerify(md, sig, siglen, msg, n) == 1)
		rc = 0;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return rc;
}

int sig_sha256(const void *p, size_t n, uint8_t out[SIG_HASH_LEN])
{
	unsigned int len = SIG_HASH_LEN;

	if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 || len != SIG_HASH_LEN)
		return -ENOMEM;
	return 0;
}

void sig_hex(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sig_unhex(const char *s, uint8_t *out, size_t n)
{
	if (!s || strlen(s) != 2 * n)
		return SC_EINVALID;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return SC_EINVALID;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* ---------------------------------------------------------------- canonical bytes */

static int put_u32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return buf_append(b, x, sizeof x);
}

static int put_bytes(struct buf *b, const void *p, size_t n)
{
	int rc;

	if (n > SIG_CANON_MAX)
		return SC_ETOOBIG;
	rc = put_u32(b, (uint32_t)n);
	return rc ? rc : buf_append(b, p, n);
}

static int put_str(struct buf *b, const char *s)
{
	return put_bytes(b, s ? s : "", s ? strlen(s) : 0);
}

static int put_u64(struct buf *b, uint64_t v)
{
	uint8_t t[8];

	for (int i = 0; i < 8; i++)
		t[i] = (uint8_t)(v >> (56 - 8 * i));
	return buf_append(b, t, sizeof t);
}

/* The evidence files' descriptions, after the payload and only when there
 * are any, so that every signature made before files existed keeps its
 * bytes: "SCEV1\n", u32 count, then per file its length-prefixed hash, size
 * as 8 bytes big-endian, length-prefixed media type and name. */
static int put_files(struct buf *out, const Safecampus__Signature *s)
{
	int rc;

	if (s->n_files == 0)
		return 0;
	rc = buf_append(out, "SCEV1\n", 6);
	if (!rc)
		rc = put_u32(out, (uint32_t)s->n_files);
	for (size_t i = 0; !rc && i < s->n_files; i++) {
		const Safecampus__EvidenceFile *f = s->files[i];
		rc = put_bytes(out, f->sha256.data, f->sha256.len);
		if (!rc)
			rc = put_u64(out, f->size);
		if (!rc)
			rc = put_str(out, f->media_type);
		if (!rc)
			rc = put_str(out, f->name);
	}
	return rc;
}

int sig_canonical(const Safecampus__Record *r, struct buf *out)
{
	const Safecampus__Signature *s = r->signature;
	const struct kind *k = kind_of(r);
	const ProtobufCMessage *m = kind_payload(r);
	uint64_t ms;
	uint8_t t[8];
	size_t n;
	uint8_t *p;
	int rc;

	if (!s || !k || !m)
		return SC_EINVALID;
	ms = (uint64_t)s->signed_ms;
	for (int i = 0; i < 8; i++)
		t[i] = (uint8_t)(ms >> (56 - 8 * i));
	rc = buf_append(out, "SCSIG1\n", 7);
	if (!rc)
		rc = put_str(out, r->id);
	if (!rc)
		rc = put_str(out, k->name);
	if (!rc)
		rc = put_str(out, r->school);
	if (!rc)
		rc = put_str(out, r->campus);
	if (!rc)
		rc = put_str(out, s->signer);
	if (!rc)
		rc = put_str(out, s->signer_school);
	if (!rc)
		rc = buf_append(out, t, sizeof t);
	if (!rc)
		rc = put_bytes(out, s->prev_hash.data, s->prev_hash.len);
	if (!rc)
		rc = put_u32(out, (uint32_t)s->n_evidence);
	for (size_t i = 0; !rc && i < s->n_evidence; i++)
		rc = put_bytes(out, s->evidence[i].data, s->evidence[i].len);
	if (rc)
		return rc;
	n = protobuf_c_message_get_packed_size(m);
	if (n > SIG_CANON_MAX)
		return SC_ETOOBIG;
	rc = put_u32(out, (uint32_t)n);
	if (rc)
		return rc;
	p = buf_reserve(out, n ? n : 1);
	if (!p)
		return SC_ETOOBIG;
	buf_commit(out, protobuf_c_message_pack(m, p));
	return put_files(out, s);
}

int sig_event_hash(const Safecampus__Record *r, uint8_t out[SIG_HASH_LEN])
{
	struct buf b;
	int rc;

	buf_init(&b, SIG_CANON_MAX * 2);
	rc = sig_canonical(r, &b);
	if (!rc)
		rc = buf_append(&b, r->signature->sig.data, r->signature->sig.len);
	if (!rc)
		rc = sig_sha256(buf_head(&b), buf_used(&b), out);
	buf_free(&b);
	return rc;
}

int sig_signed_bytes(const Safecampus__Record *r, struct buf *out, char *why, size_t n)
{
	const Safecampus__Signature *s = r->signature;
	int rc;

	if (!s || !s->signer || !*s->signer)
		return sc_refuse(SC_EINVALID, why, n, _("not signed"));
	if (s->sig.len != SIG_LEN)
		return sc_refuse(SC_EINVALID, why, n, _("signature is %zu bytes, not %d"),
				 s->sig.len, SIG_LEN);
	if (s->prev_hash.len != 0 && s->prev_hash.len != SIG_HASH_LEN)
		return sc_refuse(SC_EINVALID, why, n, _("prev_hash is %zu bytes, not 0 or %d"),
				 s->prev_hash.len, SIG_HASH_LEN);
	for (size_t i = 0; i < s->n_evidence; i++)
		if (s->evidence[i].len != SIG_HASH_LEN)
			return sc_refuse(SC_EINVALID, why, n,
					 _("evidence hash %zu is not %d bytes"), i + 1,
					 SIG_HASH_LEN);
	/* each described file is one of the signed evidence hashes */
	for (size_t i = 0; i < s->n_files; i++) {
		const Safecampus__EvidenceFile *f = s->files[i];
		bool named = false;
		for (size_t j = 0; j < s->n_evidence && !named; j++)
			named = f->sha256.len == SIG_HASH_LEN &&
				memcmp(f->sha256.data, s->evidence[j].data, SIG_HASH_LEN) == 0;
		if (!named)
			return sc_refuse(
				SC_EINVALID, why, n,
				_("evidence file %zu is not one of the signed evidence hashes"),
				i + 1);
	}
	rc = sig_canonical(r, out);
	if (rc)
		rc = sc_refuse(SC_EINVALID, why, n, _("cannot form the signed bytes (%s)"),
			       sc_strerror(rc));
	return rc;
}

int sig_check(const Safecampus__Record *r, const uint8_t pub[SIG_PUBKEY_LEN], char *why, size_t n)
{
	struct buf b;
	int rc;

	buf_init(&b, SIG_CANON_MAX * 2);
	rc = sig_signed_bytes(r, &b, why, n);
	if (!rc && sig_verify(pub, buf_head(&b), buf_used(&b), r->signature->sig.data,
			      r->signature->sig.len) != 0)
		rc = sc_refuse(SC_EINVALID, why, n,
			       _("the signature of %s does not match these bytes"),
			       r->signature->signer);
	buf_free(&b);
	return rc;
}
