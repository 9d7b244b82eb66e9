/* People who sign at this campus. See person.h for the contract and
 * docs/internals/people.md for the design and the threat model.
 *
 * The password goes through ONE scrypt per use: 64 bytes come out; the
 * SHA-256 of the first 32 is stored as the verifier, the last 32 (in hex) are
 * the passphrase of the encrypted PKCS#8 key. So the store holds nothing that
 * lets one skip the memory-hard step, and a login that is about to sign pays
 * for the KDF once, not twice. */
#include "person.h"
#include "i18n.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include "kinds.h"
#include "store_int.h"
#include "uuid.h"

#define ROLE(x) SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_##x

/* scrypt cost: N = 2^15, r = 8, p = 1 needs 32 MiB; maxmem leaves room */
#define PW_LOG2N 15
#define PW_R 8
#define PW_P 1
#define PW_MAXMEM (64u << 20)
#define PW_SALT 16
#define PW_OUT 64
#define KEY_PEM_MAX 4096

static char last_error[512];

const char *person_last_error(void)
{
	return last_error;
}

__attribute__((format(printf, 2, 3))) static int fail(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof last_error, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---------------------------------------------------------------- roles and logins */

static const char *const role_names[] = {
	[ROLE(PRINCIPAL)] = "principal",
	[ROLE(VICE_PRINCIPAL)] = "vice_principal",
	[ROLE(DEPARTMENT_HEAD)] = "department_head",
	[ROLE(HEAD_TEACHER)] = "head_teacher",
	[ROLE(SUBJECT_TEACHER)] = "subject_teacher",
	[ROLE(SECURITY_GUARD)] = "security_guard",
	[ROLE(CANTEEN_STAFF)] = "canteen_staff",
	[ROLE(BUS_STAFF)] = "bus_staff",
	[ROLE(PARENT_VOLUNTEER)] = "parent_volunteer",
	[ROLE(LOGISTICS)] = "logistics",
	[ROLE(BUREAU_OFFICER)] = "bureau_officer",
};

const char *person_role_name(int role)
{
	if (role <= 0 || (size_t)role >= sizeof role_names / sizeof role_names[0])
		return NULL;
	return role_names[role];
}

int person_role_parse(const char *name, int *role)
{
	for (size_t i = 1; name && i < sizeof role_names / sizeof role_names[0]; i++)
		if (role_names[i] && strcmp(role_names[i], name) == 0) {
			*role = (int)i;
			return 0;
		}
	/* "guard" is what people say */
	if (name && strcmp(name, "guard") == 0) {
		*role = ROLE(SECURITY_GUARD);
		return 0;
	}
	return SC_EINVALID;
}

bool person_login_ok(const char *login)
{
	size_t n = login ? strlen(login) : 0;

	if (n < 2 || n > PERSON_LOGIN_MAX || login[0] == '@')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = login[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' ||
		      ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------- the KDF */

static int kdf(const char *password, const uint8_t *salt, size_t nsalt, int log2n, int r, int p,
	       uint8_t out[PW_OUT])
{
	EVP_KDF *k = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	EVP_KDF_CTX *ctx = k ? EVP_KDF_CTX_new(k) : NULL;
	uint64_t n = (uint64_t)1 << log2n, maxmem = PW_MAXMEM;
	uint32_t rr = (uint32_t)r, pp = (uint32_t)p;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)password,
						  strlen(password)),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, nsalt),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
		OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &rr),
		OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &pp),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
		OSSL_PARAM_construct_end(),
	};
	int rc = 0;

	if (log2n < 10 || log2n > 20 || r < 1 || r > 32 || p < 1 || p > 16)
		rc = fail(SC_EINVALID, _("the stored password parameters are out of range"));
	else if (!ctx || EVP_KDF_derive(ctx, out, PW_OUT, params) != 1)
		rc = fail(-ENOMEM, _("scrypt failed (out of memory?)"));
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(k);
	return rc;
}

/* The verifier stored for a KDF output: SHA-256 of its first half. */
static int verifier(const uint8_t out[PW_OUT], uint8_t v[SIG_HASH_LEN])
{
	return sig_sha256(out, PW_OUT / 2, v);
}

/* The passphrase of the PKCS#8 key: hex of the KDF output's second half. */
static void passphrase(const uint8_t out[PW_OUT], char pass[PW_OUT + 1])
{
	sig_hex(out + PW_OUT / 2, PW_OUT / 2, pass);
}

/* Encrypted PKCS#8 PEM of k under pass; *pem malloc'd. */
static int key_seal(EVP_PKEY *k, const char *pass, char **pem)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int rc = 0;

	*pem = NULL;
	if (!b)
		return -ENOMEM;
	/* PBES2 (PBKDF2) + AES-256-CBC: the passphrase is already 256 bits from
	 * scrypt, so the wrapping's own iteration count adds nothing to defend */
	if (PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_256_cbc(), pass, (int)strlen(pass), NULL,
					  NULL) != 1) {
		rc = fail(SC_EINVALID, _("cannot encrypt the signing key"));
		goto out;
	}
	n = BIO_get_mem_data(b, &data);
	if (n <= 0 || n > KEY_PEM_MAX || !(*pem = strndup(data, (size_t)n)))
		rc = -ENOMEM;
out:
	BIO_free(b);
	return rc;
}

static int key_open(const char *pem, const char *pass, EVP_PKEY **k)
{
	BIO *b = BIO_new_mem_buf(pem, -1);

	*k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)pass) : NULL;
	BIO_free(b);
	return *k ? 0
		  : fail(PERSON_EPASSWORD, _("the signing key does not open with this password"));
}

/* ---------------------------------------------------------------- rows */

#define P_COLS                                                                     \
	"login, display_name, role, school, record_id, enrolled_by, enrolled_ms, " \
	"revoked_ms, public_key"

static void copy(char *dst, size_t n, const unsigned char *src)
{
	snprintf(dst, n, "%s", src ? (const char *)src : "");
}

static void row_person(sqlite3_stmt *s, struct person *p)
{
	const void *pk = sqlite3_column_blob(s, 8);

	memset(p, 0, sizeof *p);
	copy(p->login, sizeof p->login, sqlite3_column_text(s, 0));
	copy(p->display_name, sizeof p->display_name, sqlite3_column_text(s, 1));
	p->role = sqlite3_column_int(s, 2);
	copy(p->school, sizeof p->school, sqlite3_column_text(s, 3));
	copy(p->record_id, sizeof p->record_id, sqlite3_column_text(s, 4));
	copy(p->enrolled_by, sizeof p->enrolled_by, sqlite3_column_text(s, 5));
	p->enrolled_ms = sqlite3_column_int64(s, 6);
	p->revoked_ms = sqlite3_column_int64(s, 7);
	if (pk && sqlite3_column_bytes(s, 8) == SIG_PUBKEY_LEN)
		memcpy(p->public_key, pk, SIG_PUBKEY_LEN);
}

static int sql_fail(struct store *st, int rc, const char *what)
{
	return fail(store__sql_fail(st, rc, what), "%s: %s", what, sqlite3_errmsg(st->db));
}

/* The secret columns of a person, for login and signing. */
struct secret {
	uint8_t salt[PW_SALT], hash[SIG_HASH_LEN];
	int log2n, r, p;
	char *key_pem;
};

static int load(struct store *st, const char *login, struct person *p, struct secret *sec)
{
	sqlite3_stmt *s = NULL;
	int rc;

	last_error[0] = '\0';
	rc = sqlite3_prepare_v2(st->db,
				"SELECT " P_COLS
				", pw_salt, pw_hash, pw_log2n, pw_r, pw_p, key_pem "
				"FROM people WHERE login = ?1",
				-1, &s, NULL);
	if (rc != SQLITE_OK)
		return sql_fail(st, rc, "read people");
	sqlite3_bind_text(s, 1, login ? login : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		rc = fail(PERSON_EUNKNOWN, _("no person '%s' at this campus"), login ? login : "");
		goto out;
	}
	if (rc != SQLITE_ROW) {
		rc = sql_fail(st, rc, "read people");
		goto out;
	}
	rc = 0;
	row_person(s, p);
	if (sec) {
		if (sqlite3_column_bytes(s, 9) != PW_SALT ||
		    sqlite3_column_bytes(s, 10) != SIG_HASH_LEN) {
			rc = fail(SC_ESQLITE, _("the password of '%s' is damaged in the store"),
				  login);
			goto out;
		}
		memcpy(sec->salt, sqlite3_column_blob(s, 9), PW_SALT);
		memcpy(sec->hash, sqlite3_column_blob(s, 10), SIG_HASH_LEN);
		sec->log2n = sqlite3_column_int(s, 11);
		sec->r = sqlite3_column_int(s, 12);
		sec->p = sqlite3_column_int(s, 13);
		sec->key_pem = strdup((const char *)sqlite3_column_text(s, 14) ?: "");
		if (!sec->key_pem)
			rc = -ENOMEM;
	}
out:
	sqlite3_finalize(s);
	return rc;
}

/* Checks password against sec; on success passes the key passphrase out. */
static int check_password(const struct person *p, const struct secret *sec, const char *password,
			  char pass[PW_OUT + 1])
{
	uint8_t out[PW_OUT], v[SIG_HASH_LEN];
	int rc = kdf(password ? password : "", sec->salt, PW_SALT, sec->log2n, sec->r, sec->p, out);

	if (!rc)
		rc = verifier(out, v);
	if (!rc && CRYPTO_memcmp(v, sec->hash, SIG_HASH_LEN) != 0)
		rc = fail(PERSON_EPASSWORD, _("wrong password for '%s'"), p->login);
	if (!rc && pass)
		passphrase(out, pass);
	OPENSSL_cleanse(out, sizeof out);
	return rc;
}

int person_get(struct store *st, const char *login, struct person *out)
{
	struct person p;
	int rc = load(st, login, &p, NULL);

	if (!rc && out)
		*out = p;
	return rc;
}

int person_login(struct store *st, const char *login, const char *password, struct person *out)
{
	struct person p;
	struct secret sec = { 0 };
	int rc = load(st, login, &p, &sec);

	if (!rc && p.revoked_ms)
		rc = fail(PERSON_EREVOKED, _("'%s' was revoked"), login);
	if (!rc)
		rc = check_password(&p, &sec, password, NULL);
	free(sec.key_pem);
	if (!rc && out)
		*out = p;
	return rc;
}

int person_each(struct store *st, person_each_cb cb, void *arg)
{
	sqlite3_stmt *s = NULL;
	struct person p;
	int rc = sqlite3_prepare_v2(st->db, "SELECT " P_COLS " FROM people ORDER BY login", -1, &s,
				    NULL);

	last_error[0] = '\0';
	if (rc != SQLITE_OK)
		return sql_fail(st, rc, "read people");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		row_person(s, &p);
		rc = cb(arg, &p);
		if (rc)
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0 : sql_fail(st, rc, "read people");
out:
	sqlite3_finalize(s);
	return rc;
}

/* ---------------------------------------------------------------- signing */

void person_signature_free(Safecampus__Signature *s)
{
	if (s)
		protobuf_c_message_free_unpacked(&s->base, NULL);
}

static int dup_bytes(ProtobufCBinaryData *b, const uint8_t *p, size_t n)
{
	b->len = 0;
	b->data = NULL;
	if (!n)
		return 0;
	b->data = malloc(n);
	if (!b->data)
		return -ENOMEM;
	memcpy(b->data, p, n);
	b->len = n;
	return 0;
}

/* Sets r->signature for signer and signs it with k. */
static int sign_with(EVP_PKEY *k, const char *signer, const char *school, Safecampus__Record *r,
		     const uint8_t *prev, const uint8_t (*ev)[SIG_HASH_LEN], size_t nev)
{
	Safecampus__Signature *s = calloc(1, sizeof *s);
	struct buf b;
	int rc = 0;

	if (!s)
		return -ENOMEM;
	safecampus__signature__init(s);
	if (r->signature) {
		/* the evidence files attached before signing (client/evidence.h)
		 * are part of what is signed */
		s->files = r->signature->files;
		s->n_files = r->signature->n_files;
		r->signature->files = NULL;
		r->signature->n_files = 0;
	}
	person_signature_free(r->signature);
	r->signature = s;
	s->signer = strdup(signer);
	s->signer_school = strdup(school);
	if (!s->signer || !s->signer_school)
		return -ENOMEM;
	s->signed_ms = store__now_ms();
	rc = dup_bytes(&s->prev_hash, prev, prev ? SIG_HASH_LEN : 0);
	if (!rc && nev) {
		s->evidence = calloc(nev, sizeof *s->evidence);
		if (!s->evidence)
			return -ENOMEM;
		for (size_t i = 0; !rc && i < nev; i++, s->n_evidence++)
			rc = dup_bytes(&s->evidence[i], ev[i], SIG_HASH_LEN);
	}
	if (rc)
		return rc;
	buf_init(&b, 4u << 20);
	rc = sig_canonical(r, &b);
	if (!rc) {
		rc = dup_bytes(&s->sig, (const uint8_t[SIG_LEN]){ 0 }, SIG_LEN);
		if (!rc)
			rc = sig_sign(k, buf_head(&b), buf_used(&b), s->sig.data);
	}
	buf_free(&b);
	return rc ? fail(rc, "cannot sign the record (%s)", sc_strerror(rc)) : 0;
}

/* Opens login's key with password: the checks of person_login, then the key. */
static int open_key(struct store *st, const char *login, const char *password, struct person *p,
		    EVP_PKEY **k)
{
	struct secret sec = { 0 };
	char pass[PW_OUT + 1];
	int rc = load(st, login, p, &sec);

	*k = NULL;
	if (!rc && p->revoked_ms)
		rc = fail(PERSON_EREVOKED, _("'%s' was revoked"), login);
	if (!rc)
		rc = check_password(p, &sec, password, pass);
	if (!rc)
		rc = key_open(sec.key_pem, pass, k);
	OPENSSL_cleanse(pass, sizeof pass);
	free(sec.key_pem);
	return rc;
}

int person_sign_record(struct store *st, const char *login, const char *password,
		       Safecampus__Record *r, const uint8_t *prev_hash,
		       const uint8_t (*evidence)[SIG_HASH_LEN], size_t nevidence)
{
	struct person p;
	EVP_PKEY *k;
	int rc = open_key(st, login, password, &p, &k);

	if (!rc)
		rc = sign_with(k, p.login, p.school, r, prev_hash, evidence, nevidence);
	EVP_PKEY_free(k);
	return rc;
}

/* ---------------------------------------------------------------- enrolment */

/* The key that signs an enrolment of role at school, and its signer name. */
static int actor_key(struct store *st, const struct person_actor *by, int role, const char *school,
		     EVP_PKEY **k, char signer[PERSON_LOGIN_MAX + 2], char signer_school[64])
{
	struct person a;
	int rc;

	*k = NULL;
	if (!by->login) {
		FILE *f = by->admin_key ? fopen(by->admin_key, "r") : NULL;
		if (!f)
			return fail(PERSON_EDENIED, _("cannot read the district admin key %s: %s"),
				    by->admin_key ? by->admin_key : "(none given)",
				    strerror(errno));
		*k = PEM_read_PrivateKey(f, NULL, NULL, (void *)(by->password ? by->password : ""));
		fclose(f);
		if (!*k || EVP_PKEY_get_id(*k) != EVP_PKEY_ED25519) {
			EVP_PKEY_free(*k);
			*k = NULL;
			return fail(PERSON_EDENIED, _("%s is not an Ed25519 private key"),
				    by->admin_key);
		}
		snprintf(signer, PERSON_LOGIN_MAX + 2, "%s", SIG_DISTRICT_SIGNER);
		signer_school[0] = '\0';
		return 0;
	}
	/* a principal and a bureau officer come from the district; a school's
	 * principal enrols the rest of that school (the letter cascade's top) */
	if (role == ROLE(PRINCIPAL) || role == ROLE(BUREAU_OFFICER))
		return fail(PERSON_EDENIED,
			    _("a %s is enrolled with the district admin key "
			      "(--admin-key), not by a person"),
			    person_role_name(role));
	rc = open_key(st, by->login, by->password, &a, k);
	if (rc)
		return rc;
	if (a.role != ROLE(PRINCIPAL) || strcmp(a.school, school) != 0) {
		EVP_PKEY_free(*k);
		*k = NULL;
		return fail(PERSON_EDENIED,
			    _("'%s' is not the principal of this school and may not "
			      "enrol or revoke people"),
			    by->login);
	}
	snprintf(signer, PERSON_LOGIN_MAX + 2, "%s", a.login);
	memcpy(signer_school, a.school, sizeof a.school);
	return 0;
}

/* The signed person record for p (new, or a revocation of it). *out freed
 * with kind_record_free. */
static int person_record(struct store *st, const struct person *p, EVP_PKEY *k, const char *signer,
			 const char *signer_school, const uint8_t *prev, const char *campus_of,
			 Safecampus__Record **out)
{
	const struct kind *kk = kind_by_name("person");
	Safecampus__Record *r = calloc(1, sizeof *r);
	Safecampus__Person *m = calloc(1, sizeof *m);
	char campus[64], hex[2 * SIG_PUBKEY_LEN + 1];
	int rc;

	*out = NULL;
	if (!r || !m || !kk) {
		free(r);
		free(m);
		return kk ? -ENOMEM : fail(SC_EINVALID, _("this build has no person kind"));
	}
	safecampus__record__init(r);
	safecampus__person__init(m);
	kind_record_set_payload(r, kk, &m->base);
	sig_hex(p->public_key, SIG_PUBKEY_LEN, hex);
	if (campus_of)
		snprintf(campus, sizeof campus, "%s", campus_of);
	rc = campus_of ? 0 : store__own_campus(st, campus);
	m->login = strdup(p->login);
	m->display_name = strdup(p->display_name);
	m->public_key = strdup(hex);
	r->id = strdup(p->record_id);
	r->school = strdup(p->school);
	r->campus = strdup(campus);
	m->role = (Safecampus__StaffRole)p->role;
	m->enrolled_ms = p->enrolled_ms;
	m->revoked_ms = p->revoked_ms;
	if (!rc &&
	    (!m->login || !m->display_name || !m->public_key || !r->id || !r->school || !r->campus))
		rc = -ENOMEM;
	if (!rc)
		rc = sign_with(k, signer, signer_school, r, prev, NULL, 0);
	if (rc)
		kind_record_free(r);
	else
		*out = r;
	return rc;
}

int person_add(struct store *st, struct person *p, const char *password,
	       const struct person_actor *by)
{
	uint8_t salt[PW_SALT], out[PW_OUT], v[SIG_HASH_LEN];
	char pass[PW_OUT + 1], signer[PERSON_LOGIN_MAX + 2], sschool[64];
	EVP_PKEY *ak = NULL, *k = NULL;
	Safecampus__Record *r = NULL;
	sqlite3_stmt *s = NULL;
	char *pem = NULL;
	bool in_tx = false;
	int rc;

	last_error[0] = '\0';
	if (!person_login_ok(p->login))
		return fail(SC_EINVALID, _("'%s' is not a login: 2 to %d of a-z 0-9 . _ -"),
			    p->login, PERSON_LOGIN_MAX);
	if (!person_role_name(p->role))
		return fail(SC_EINVALID, _("no role given"));
	if (!password || strlen(password) < PERSON_PASSWORD_MIN)
		return fail(PERSON_EWEAK, _("the password must have at least %d characters"),
			    PERSON_PASSWORD_MIN);
	if (person_get(st, p->login, NULL) == 0)
		return fail(PERSON_EEXISTS, _("'%s' is already enrolled here"), p->login);
	rc = actor_key(st, by, p->role, p->school, &ak, signer, sschool);
	if (rc)
		return rc;
	if (RAND_bytes(salt, sizeof salt) != 1) {
		rc = fail(-EIO, _("no random numbers"));
		goto out;
	}
	rc = sig_keygen(&k);
	if (!rc)
		rc = sig_pubkey_raw(k, p->public_key);
	if (!rc)
		rc = kdf(password, salt, sizeof salt, PW_LOG2N, PW_R, PW_P, out);
	if (!rc)
		rc = verifier(out, v);
	if (rc)
		goto out;
	passphrase(out, pass);
	rc = key_seal(k, pass, &pem);
	if (!rc)
		rc = uuid_new(p->record_id);
	if (rc)
		goto out;
	snprintf(p->enrolled_by, sizeof p->enrolled_by, "%.*s", PERSON_LOGIN_MAX, signer);
	p->enrolled_ms = store__now_ms();
	p->revoked_ms = 0;
	rc = person_record(st, p, ak, signer, sschool, NULL, NULL, &r);
	if (rc)
		goto out;
	rc = store__tx_begin(st);
	if (rc)
		goto out;
	in_tx = true;
	rc = sqlite3_prepare_v2(st->db,
				"INSERT INTO people(login, display_name, role, school, record_id, "
				"enrolled_by, enrolled_ms, pw_salt, pw_hash, pw_log2n, pw_r, pw_p, "
				"public_key, key_pem) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
				"?10, ?11, ?12, ?13, ?14)",
				-1, &s, NULL);
	if (rc != SQLITE_OK) {
		rc = sql_fail(st, rc, "enrol");
		goto out;
	}
	sqlite3_bind_text(s, 1, p->login, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, p->display_name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, p->role);
	sqlite3_bind_text(s, 4, p->school, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, p->record_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, p->enrolled_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, p->enrolled_ms);
	sqlite3_bind_blob(s, 8, salt, sizeof salt, SQLITE_STATIC);
	sqlite3_bind_blob(s, 9, v, sizeof v, SQLITE_STATIC);
	sqlite3_bind_int(s, 10, PW_LOG2N);
	sqlite3_bind_int(s, 11, PW_R);
	sqlite3_bind_int(s, 12, PW_P);
	sqlite3_bind_blob(s, 13, p->public_key, SIG_PUBKEY_LEN, SQLITE_STATIC);
	sqlite3_bind_text(s, 14, pem, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	rc = rc == SQLITE_DONE ? 0 : sql_fail(st, rc, "enrol");
	if (!rc) {
		rc = store_write(st, r);
		if (rc)
			fail(rc, "enrol: %s", store_last_error());
	}
out:
	sqlite3_finalize(s);
	if (in_tx)
		rc = store__tx_end(st, rc);
	OPENSSL_cleanse(out, sizeof out);
	OPENSSL_cleanse(pass, sizeof pass);
	kind_record_free(r);
	free(pem);
	EVP_PKEY_free(k);
	EVP_PKEY_free(ak);
	return rc;
}

int person_passwd(struct store *st, const char *login, const char *old_password,
		  const char *new_password)
{
	uint8_t salt[PW_SALT], out[PW_OUT], v[SIG_HASH_LEN];
	char pass[PW_OUT + 1];
	struct person p;
	EVP_PKEY *k = NULL;
	sqlite3_stmt *s = NULL;
	char *pem = NULL;
	int rc;

	if (!new_password || strlen(new_password) < PERSON_PASSWORD_MIN)
		return fail(PERSON_EWEAK, _("the password must have at least %d characters"),
			    PERSON_PASSWORD_MIN);
	rc = open_key(st, login, old_password, &p, &k);
	if (rc)
		return rc;
	if (RAND_bytes(salt, sizeof salt) != 1) {
		rc = fail(-EIO, _("no random numbers"));
		goto out;
	}
	rc = kdf(new_password, salt, sizeof salt, PW_LOG2N, PW_R, PW_P, out);
	if (!rc)
		rc = verifier(out, v);
	if (rc)
		goto out;
	passphrase(out, pass);
	rc = key_seal(k, pass, &pem);
	if (rc)
		goto out;
	rc = sqlite3_prepare_v2(st->db,
				"UPDATE people SET pw_salt = ?2, pw_hash = ?3, pw_log2n = ?4, "
				"pw_r = ?5, pw_p = ?6, key_pem = ?7 WHERE login = ?1",
				-1, &s, NULL);
	if (rc != SQLITE_OK) {
		rc = sql_fail(st, rc, "change the password");
		goto out;
	}
	sqlite3_bind_text(s, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, salt, sizeof salt, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, v, sizeof v, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, PW_LOG2N);
	sqlite3_bind_int(s, 5, PW_R);
	sqlite3_bind_int(s, 6, PW_P);
	sqlite3_bind_text(s, 7, pem, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	rc = rc == SQLITE_DONE ? 0 : sql_fail(st, rc, "change the password");
out:
	sqlite3_finalize(s);
	OPENSSL_cleanse(out, sizeof out);
	OPENSSL_cleanse(pass, sizeof pass);
	free(pem);
	EVP_PKEY_free(k);
	return rc;
}

int person_revoke(struct store *st, const char *login, int64_t at_ms, const struct person_actor *by)
{
	char signer[PERSON_LOGIN_MAX + 2], sschool[64];
	Safecampus__Record *r = NULL, *old = NULL;
	uint8_t prev[SIG_HASH_LEN];
	sqlite3_stmt *s = NULL;
	EVP_PKEY *ak = NULL;
	struct person p;
	bool in_tx = false;
	int rc = person_get(st, login, &p);

	if (rc)
		return rc;
	if (p.revoked_ms)
		return fail(PERSON_EREVOKED, _("'%s' was already revoked"), login);
	/* revoking a principal is the district's; anyone else the principal's */
	rc = actor_key(st, by, p.role, p.school, &ak, signer, sschool);
	if (rc)
		return rc;
	p.revoked_ms = at_ms > 0 ? at_ms : store__now_ms();
	/* the revocation is the enrolment's next version: it names the version
	 * stored here (the server refuses it otherwise) and keeps its campus,
	 * which the signature covers */
	rc = store_get(st, p.record_id, &old);
	if (rc == 0 && old->signature)
		rc = sig_event_hash(old, prev);
	if (rc) {
		rc = fail(rc, "revoke: cannot read the enrolment of '%s': %s", login,
			  store_last_error());
		goto out;
	}
	rc = person_record(st, &p, ak, signer, sschool, old->signature ? prev : NULL, old->campus,
			   &r);
	if (rc)
		goto out;
	rc = store__tx_begin(st);
	if (rc)
		goto out;
	in_tx = true;
	rc = sqlite3_prepare_v2(st->db, "UPDATE people SET revoked_ms = ?2 WHERE login = ?1", -1,
				&s, NULL);
	if (rc != SQLITE_OK) {
		rc = sql_fail(st, rc, "revoke");
		goto out;
	}
	sqlite3_bind_text(s, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, p.revoked_ms);
	rc = sqlite3_step(s);
	rc = rc == SQLITE_DONE ? 0 : sql_fail(st, rc, "revoke");
	if (!rc) {
		rc = store_write(st, r);
		if (rc)
			fail(rc, "revoke: %s", store_last_error());
	}
out:
	sqlite3_finalize(s);
	if (in_tx)
		rc = store__tx_end(st, rc);
	kind_record_free(r);
	kind_record_free(old);
	EVP_PKEY_free(ak);
	return rc;
}
