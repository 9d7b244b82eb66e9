/* Signatures of sign-offs in PostgreSQL. See signoff.h. */
#include "signoff.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "kindsql.h"
#include "sig.h"

#define SEP '\x1f'

/* hex -> bytes into b (len 0 for ""). */
static int unhex_into(const char *s, size_t len, ProtobufCBinaryData *b, size_t max)
{
	char tmp[2 * 64 + 1];

	b->len = 0;
	b->data = NULL;
	if (len == 0)
		return 0;
	if (len % 2 || len / 2 > max || len >= sizeof tmp)
		return SC_EINVALID;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	b->data = malloc(len / 2);
	if (!b->data)
		return -ENOMEM;
	b->len = len / 2;
	return sig_unhex(tmp, b->data, b->len);
}

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* ---------------------------------------------------------------- evidence files */

static int hex_text(struct buf *b, const void *p, size_t n)
{
	const uint8_t *x = p;
	char h[3];

	for (size_t i = 0; i < n; i++) {
		snprintf(h, sizeof h, "%02x", x[i]);
		if (buf_append(b, h, 2))
			return SC_ETOOBIG;
	}
	return 0;
}

int signoff_files_text(const Safecampus__Signature *s, struct buf *out)
{
	int rc = 0;

	for (size_t i = 0; i < s->n_files && !rc; i++) {
		const Safecampus__EvidenceFile *f = s->files[i];
		char num[24];
		snprintf(num, sizeof num, ",%" PRIu64 ",", f->size);
		rc = buf_append(out, i ? ";" : "", i ? 1 : 0);
		if (!rc)
			rc = hex_text(out, f->sha256.data, f->sha256.len);
		if (!rc)
			rc = buf_append(out, num, strlen(num));
		if (!rc)
			rc = hex_text(out, f->media_type,
				      f->media_type ? strlen(f->media_type) : 0);
		if (!rc)
			rc = buf_append(out, ",", 1);
		if (!rc)
			rc = hex_text(out, f->name, f->name ? strlen(f->name) : 0);
	}
	return rc ? SC_ETOOBIG : 0;
}

/* hex of len chars into a new NUL-terminated string */
static int unhex_str(const char *s, size_t len, char **out)
{
	char *d = malloc(len / 2 + 1);

	*out = d;
	if (!d)
		return -ENOMEM;
	if (len % 2)
		return SC_EINVALID;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return SC_EINVALID;
		d[i] = (char)v;
	}
	d[len / 2] = '\0';
	return 0;
}

int signoff_files_parse(const char *text, size_t len, Safecampus__Signature *s)
{
	const char *q = text, *end = text + len;
	int rc = 0;

	while (!rc && q < end) {
		const char *semi = memchr(q, ';', (size_t)(end - q));
		const char *fe = semi ? semi : end;
		const char *c1 = memchr(q, ',', (size_t)(fe - q));
		const char *c2 = c1 ? memchr(c1 + 1, ',', (size_t)(fe - c1 - 1)) : NULL;
		const char *c3 = c2 ? memchr(c2 + 1, ',', (size_t)(fe - c2 - 1)) : NULL;
		Safecampus__EvidenceFile *f, **more;
		if (!c3)
			return SC_EINVALID;
		more = realloc(s->files, (s->n_files + 1) * sizeof *more);
		if (!more)
			return -ENOMEM;
		s->files = more;
		f = calloc(1, sizeof *f);
		if (!f)
			return -ENOMEM;
		safecampus__evidence_file__init(f);
		s->files[s->n_files++] = f;
		rc = unhex_into(q, (size_t)(c1 - q), &f->sha256, SIG_HASH_LEN);
		if (!rc)
			f->size = strtoull(c1 + 1, NULL, 10);
		if (!rc)
			rc = unhex_str(c2 + 1, (size_t)(c3 - c2 - 1), &f->media_type);
		if (!rc)
			rc = unhex_str(c3 + 1, (size_t)(fe - c3 - 1), &f->name);
		q = fe + (semi ? 1 : 0);
	}
	return rc;
}

int signoff_parse(const char *text, Safecampus__Signature **out)
{
	Safecampus__Signature *s = calloc(1, sizeof *s);
	const char *part[7];
	size_t len[7];
	const char *p = text;
	int rc = 0;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	safecampus__signature__init(s);
	for (int i = 0; i < 7; i++) {
		const char *e = strchr(p, SEP);
		if (!e && i < 5) {
			safecampus__signature__free_unpacked(s, NULL);
			return SC_EINVALID;
		}
		part[i] = p;
		len[i] = e ? (size_t)(e - p) : strlen(p);
		p = e ? e + 1 : p + len[i];
	}
	s->signer = dupn(part[0], len[0]);
	s->signer_school = dupn(part[1], len[1]);
	if (!s->signer || !s->signer_school)
		rc = -ENOMEM;
	else
		s->signed_ms = strtoll(part[2], NULL, 10);
	if (!rc)
		rc = unhex_into(part[3], len[3], &s->prev_hash, SIG_HASH_LEN);
	/* evidence: hex hashes joined by ',' */
	for (const char *q = part[4], *end = part[4] + len[4]; !rc && q < end;) {
		const char *c = memchr(q, ',', (size_t)(end - q));
		size_t l = c ? (size_t)(c - q) : (size_t)(end - q);
		ProtobufCBinaryData *more =
			realloc(s->evidence, (s->n_evidence + 1) * sizeof *more);
		if (!more) {
			rc = -ENOMEM;
			break;
		}
		s->evidence = more;
		rc = unhex_into(q, l, &s->evidence[s->n_evidence++], SIG_HASH_LEN);
		q += l + (c ? 1 : 0);
	}
	if (!rc)
		rc = unhex_into(part[5], len[5], &s->sig, SIG_LEN);
	if (!rc)
		rc = signoff_files_parse(part[6], len[6], s);
	if (rc) {
		safecampus__signature__free_unpacked(s, NULL);
		return rc;
	}
	*out = s;
	return 0;
}

const char *const signoff_insert_sql =
	"INSERT INTO signoff (school, id, kind, hlc, chain_id, pos, signer, signer_school, "
	"signed_ms, prev_hash, evidence, sig, hash, files, log_seq, log_hash) "
	"SELECT u.school, u.id, u.kind, u.hlc, u.chain_id, u.pos, u.signer, u.signer_school, "
	"u.signed_ms, decode(u.prev, 'hex'), "
	"ARRAY(SELECT decode(e, 'hex') FROM unnest(string_to_array(nullif(u.ev, ''), ',')) e), "
	"decode(u.sig, 'hex'), decode(u.hash, 'hex'), u.files, u.log_seq, decode(u.log_hash, "
	"'hex') "
	"FROM unnest($1::text[], $2::uuid[], $3::text[], $4::bigint[], $5::uuid[], $6::int[], "
	"$7::text[], $8::text[], $9::bigint[], $10::text[], $11::text[], $12::text[], $13::text[], "
	"$14::text[], $15::bigint[], $16::text[]) AS u(school, id, kind, hlc, chain_id, pos, "
	"signer, "
	"signer_school, signed_ms, prev, ev, sig, hash, files, log_seq, log_hash) "
	"ON CONFLICT (school, id, hlc) DO NOTHING";

const char *const signoff_log_head_sql =
	"SELECT log_seq, encode(log_hash, 'hex') FROM signoff WHERE log_seq IS NOT NULL "
	"ORDER BY log_seq DESC LIMIT 1";

int signoff_log_next(const uint8_t *prev, const uint8_t hash[32], uint8_t out[32])
{
	static const uint8_t zero[SIGNOFF_LOG_HASH_LEN];
	uint8_t in[2 * SIGNOFF_LOG_HASH_LEN];
	unsigned int len = 0;

	memcpy(in, prev ? prev : zero, SIGNOFF_LOG_HASH_LEN);
	memcpy(in + SIGNOFF_LOG_HASH_LEN, hash, SIGNOFF_LOG_HASH_LEN);
	return EVP_Digest(in, sizeof in, out, &len, EVP_sha256(), NULL) == 1 && len == 32
		       ? 0
		       : SC_EINVALID;
}

void signoff_batch_init(struct signoff_batch *b)
{
	memset(b, 0, sizeof *b);
	for (int i = 0; i < SIGNOFF_NPARAMS; i++)
		buf_init(&b->col[i], 64u << 20);
}

static int hex_elem(struct buf *b, const uint8_t *p, size_t n)
{
	char h[2 * 64 + 1];

	if (n > 64)
		return SC_EINVALID;
	sig_hex(p, n, h);
	return kindsql_array_elem(b, h);
}

int signoff_batch_add(struct signoff_batch *b, const Safecampus__Record *r, const char *kind,
		      const char *chain_id, int pos, const uint8_t hash[32], uint64_t log_seq,
		      const uint8_t log_hash[32])
{
	const Safecampus__Signature *s = r->signature;
	char num[4][24];
	struct buf ev;
	int rc = 0;

	if (b->n == 0)
		for (int i = 0; i < SIGNOFF_NPARAMS && !rc; i++)
			rc = buf_append(&b->col[i], "{", 1);
	if (rc)
		return rc;
	snprintf(num[0], sizeof num[0], "%" PRIu64, r->hlc);
	snprintf(num[1], sizeof num[1], "%d", pos);
	snprintf(num[2], sizeof num[2], "%" PRId64, s->signed_ms);
	snprintf(num[3], sizeof num[3], "%" PRIu64, log_seq);
	buf_init(&ev, 1u << 16);
	for (size_t i = 0; i < s->n_evidence && !rc; i++) {
		char h[65];
		sig_hex(s->evidence[i].data, s->evidence[i].len > 32 ? 32 : s->evidence[i].len, h);
		rc = buf_append(&ev, i ? "," : "", i ? 1 : 0);
		if (!rc)
			rc = buf_append(&ev, h, strlen(h));
	}
	if (!rc)
		rc = buf_append(&ev, "", 1);
	if (!rc)
		rc = kindsql_array_elem(&b->col[0], r->school);
	if (!rc)
		rc = kindsql_array_elem(&b->col[1], r->id);
	if (!rc)
		rc = kindsql_array_elem(&b->col[2], kind);
	if (!rc)
		rc = kindsql_array_elem(&b->col[3], num[0]);
	if (!rc)
		rc = kindsql_array_elem(&b->col[4], chain_id);
	if (!rc)
		rc = kindsql_array_elem(&b->col[5], num[1]);
	if (!rc)
		rc = kindsql_array_elem(&b->col[6], s->signer);
	if (!rc)
		rc = kindsql_array_elem(&b->col[7], s->signer_school);
	if (!rc)
		rc = kindsql_array_elem(&b->col[8], num[2]);
	if (!rc)
		rc = hex_elem(&b->col[9], s->prev_hash.data, s->prev_hash.len);
	if (!rc)
		rc = kindsql_array_elem(&b->col[10], (const char *)buf_head(&ev));
	if (!rc)
		rc = hex_elem(&b->col[11], s->sig.data, s->sig.len);
	if (!rc)
		rc = hex_elem(&b->col[12], hash, 32);
	if (!rc) {
		buf_reset(&ev);
		rc = signoff_files_text(s, &ev);
		if (!rc)
			rc = buf_append(&ev, "", 1);
		if (!rc)
			rc = kindsql_array_elem(&b->col[13], (const char *)buf_head(&ev));
	}
	if (!rc)
		rc = kindsql_array_elem(&b->col[14], num[3]);
	if (!rc)
		rc = hex_elem(&b->col[15], log_hash, 32);
	buf_free(&ev);
	if (!rc)
		b->n++;
	return rc;
}

const char *const *signoff_batch_params(struct signoff_batch *b)
{
	for (int i = 0; i < SIGNOFF_NPARAMS; i++) {
		if (buf_append(&b->col[i], "}", 2))
			return NULL;
		b->param[i] = (const char *)buf_head(&b->col[i]);
	}
	return b->param;
}

void signoff_batch_free(struct signoff_batch *b)
{
	for (int i = 0; i < SIGNOFF_NPARAMS; i++)
		buf_free(&b->col[i]);
}
