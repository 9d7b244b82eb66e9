/* Unit tests for client/person.c (accounts, passwords, enrolment) and
 * common/sig.c (canonical bytes, signatures, the event hash of the chain),
 * on a temporary store file. */
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
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "kinds.h"
#include "person.h"
#include "sig.h"
#include "store.h"
#include "store_harness.h"
#include "uuid.h"

#define ROLE(x) SAFECAMPUS__STAFF_ROLE__STAFF_ROLE_##x

struct fx {
	char dir[64], path[128], admin[128];
	struct store *st;
};

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof *fx);
	struct store_config cfg = {
		.server = "localhost:7443",
		.server_name = "localhost",
		.cert = "/c.pem",
		.key = "/k.pem",
		.ca = "/ca.pem",
		.district = "d1",
		.school = "s1",
		.campus = "north",
		.role = SAFECAMPUS__ROLE__ROLE_SCHOOL,
		.crl = "",
	};
	EVP_PKEY *k = NULL;
	FILE *f;

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof fx->dir, "/tmp/test_person.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof fx->path, "%s/store.db", fx->dir);
	snprintf(fx->admin, sizeof fx->admin, "%s/admin.key", fx->dir);
	if (store_open(&fx->st, fx->path, true) != 0 || store_config_save(fx->st, &cfg) != 0)
		return -1;
	if (sig_keygen(&k) != 0 || !(f = fopen(fx->admin, "w")))
		return -1;
	PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	EVP_PKEY_free(k);
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;
	store_harness_remove(fx->st, fx->path);
	unlink(fx->admin);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void enrol(struct fx *fx, const char *login, int role, const char *pw,
		  const struct person_actor *by, int want)
{
	struct person p = { 0 };

	snprintf(p.login, sizeof p.login, "%s", login);
	snprintf(p.display_name, sizeof p.display_name, "Name of %s", login);
	snprintf(p.school, sizeof p.school, "s1");
	p.role = role;
	assert_int_equal(person_add(fx->st, &p, pw, by), want);
}

static void test_enrol_and_login(void **state)
{
	struct fx *fx = *state;
	struct person_actor admin = { .admin_key = fx->admin };
	struct person_actor chen = { .login = "chen", .password = "chen-pass-1" };
	struct person_actor zhao = { .login = "zhao", .password = "zhao-pass-1" };
	struct person p;

	/* a principal only with the admin key */
	enrol(fx, "chen", ROLE(PRINCIPAL), "chen-pass-1", &chen, PERSON_EDENIED);
	enrol(fx, "chen", ROLE(PRINCIPAL), "short", &admin, PERSON_EWEAK);
	enrol(fx, "Chen!", ROLE(PRINCIPAL), "chen-pass-1", &admin, SC_EINVALID);
	enrol(fx, "chen", ROLE(PRINCIPAL), "chen-pass-1", &admin, 0);
	enrol(fx, "chen", ROLE(PRINCIPAL), "chen-pass-1", &admin, PERSON_EEXISTS);
	/* the principal enrols others; a wrong principal password does not */
	enrol(fx, "zhao", ROLE(LOGISTICS), "zhao-pass-1",
	      &(struct person_actor){ .login = "chen", .password = "nope-nope" }, PERSON_EPASSWORD);
	enrol(fx, "zhao", ROLE(LOGISTICS), "zhao-pass-1", &chen, 0);
	/* not a principal: may not enrol */
	enrol(fx, "li", ROLE(HEAD_TEACHER), "li-pass-11", &zhao, PERSON_EDENIED);

	assert_int_equal(person_login(fx->st, "chen", "chen-pass-1", &p), 0);
	assert_string_equal(p.login, "chen");
	assert_int_equal(p.role, ROLE(PRINCIPAL));
	assert_string_equal(p.school, "s1");
	assert_string_equal(p.display_name, "Name of chen");
	assert_string_equal(p.enrolled_by, SIG_DISTRICT_SIGNER);
	assert_int_equal(person_login(fx->st, "zhao", "zhao-pass-1", &p), 0);
	assert_string_equal(p.enrolled_by, "chen");
	assert_int_equal(person_login(fx->st, "chen", "chen-pass-2", NULL), PERSON_EPASSWORD);
	assert_int_equal(person_login(fx->st, "nobody", "chen-pass-1", NULL), PERSON_EUNKNOWN);
	assert_int_equal(person_login(fx->st, "chen", "", NULL), PERSON_EPASSWORD);

	/* a new password: the old one stops working, the key stays the same */
	assert_int_equal(person_get(fx->st, "zhao", &p), 0);
	{
		uint8_t pub[SIG_PUBKEY_LEN];
		memcpy(pub, p.public_key, sizeof pub);
		assert_int_equal(person_passwd(fx->st, "zhao", "wrong-old", "zhao-pass-2"),
				 PERSON_EPASSWORD);
		assert_int_equal(person_passwd(fx->st, "zhao", "zhao-pass-1", "zhao-pass-2"), 0);
		assert_int_equal(person_login(fx->st, "zhao", "zhao-pass-1", NULL),
				 PERSON_EPASSWORD);
		assert_int_equal(person_login(fx->st, "zhao", "zhao-pass-2", &p), 0);
		assert_memory_equal(p.public_key, pub, sizeof pub);
	}

	/* revoked: a distinct error, even with the right password */
	assert_int_equal(person_revoke(fx->st, "zhao", 0, &chen), 0);
	assert_int_equal(person_login(fx->st, "zhao", "zhao-pass-2", NULL), PERSON_EREVOKED);
	assert_int_equal(person_revoke(fx->st, "zhao", 0, &chen), PERSON_EREVOKED);
	/* the principal is revoked by the district only */
	assert_int_equal(person_revoke(fx->st, "chen", 0, &chen), PERSON_EDENIED);
}

/* A hazard_event record, ready to sign. Free with kind_record_free. */
static Safecampus__Record *event(const char *note)
{
	const struct kind *k = kind_by_name("hazard_event");
	Safecampus__Record *r = calloc(1, sizeof *r);
	Safecampus__HazardEvent *e = calloc(1, sizeof *e);
	char id[37];

	assert_non_null(r);
	assert_non_null(e);
	safecampus__record__init(r);
	safecampus__hazard_event__init(e);
	assert_int_equal(uuid_new(id), 0);
	r->id = strdup(id);
	r->school = strdup("s1");
	r->campus = strdup("north");
	e->hazard_id = strdup("0b7e6c3a-4f7e-4c1e-9d50-2a6b1f0c9e11");
	e->action = SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_NOTE;
	e->note = strdup(note);
	e->at_ms = 1700000000000;
	kind_record_set_payload(r, k, &e->base);
	return r;
}

static void test_sign_and_chain(void **state)
{
	struct fx *fx = *state;
	struct person_actor admin = { .admin_key = fx->admin };
	Safecampus__Record *a = event("first"), *b = event("second");
	uint8_t ha[SIG_HASH_LEN], hb[SIG_HASH_LEN], ev[1][SIG_HASH_LEN];
	struct person p;
	char why[256];

	enrol(fx, "chen", ROLE(PRINCIPAL), "chen-pass-1", &admin, 0);
	assert_int_equal(person_get(fx->st, "chen", &p), 0);
	assert_int_equal(person_sign_record(fx->st, "chen", "bad-pass-1", a, NULL, NULL, 0),
			 PERSON_EPASSWORD);
	assert_int_equal(person_sign_record(fx->st, "chen", "chen-pass-1", a, NULL, NULL, 0), 0);
	assert_string_equal(a->signature->signer, "chen");
	assert_string_equal(a->signature->signer_school, "s1");
	assert_int_equal(a->signature->sig.len, SIG_LEN);
	assert_int_equal(sig_check(a, p.public_key, why, sizeof why), 0);
	assert_int_equal(sig_event_hash(a, ha), 0);

	/* the second event chains to the first and names an evidence file */
	assert_int_equal(sig_sha256("photo", 5, ev[0]), 0);
	assert_int_equal(person_sign_record(fx->st, "chen", "chen-pass-1", b, ha, ev, 1), 0);
	assert_memory_equal(b->signature->prev_hash.data, ha, SIG_HASH_LEN);
	assert_int_equal(sig_check(b, p.public_key, why, sizeof why), 0);
	assert_int_equal(sig_event_hash(b, hb), 0);
	assert_memory_not_equal(ha, hb, SIG_HASH_LEN);

	/* any change to what was signed breaks the signature */
	{
		char *old = b->hazard_event->note;
		b->hazard_event->note = strdup("second, rewritten");
		assert_int_equal(sig_check(b, p.public_key, why, sizeof why), SC_EINVALID);
		assert_non_null(strstr(why, "does not match"));
		free(b->hazard_event->note);
		b->hazard_event->note = old;
	}
	b->signature->prev_hash.data[0] ^= 1;
	assert_int_equal(sig_check(b, p.public_key, why, sizeof why), SC_EINVALID);
	b->signature->prev_hash.data[0] ^= 1;
	b->signature->evidence[0].data[5] ^= 1;
	assert_int_equal(sig_check(b, p.public_key, why, sizeof why), SC_EINVALID);
	b->signature->evidence[0].data[5] ^= 1;
	b->signature->sig.data[10] ^= 1;
	assert_int_equal(sig_check(b, p.public_key, why, sizeof why), SC_EINVALID);
	b->signature->sig.data[10] ^= 1;
	/* another key does not verify it */
	{
		uint8_t other[SIG_PUBKEY_LEN];
		memcpy(other, p.public_key, sizeof other);
		other[0] ^= 0x40;
		assert_int_equal(sig_check(b, other, why, sizeof why), SC_EINVALID);
	}
	/* a short signature or prev_hash is refused before any crypto */
	b->signature->prev_hash.len = 31;
	assert_int_equal(sig_check(b, p.public_key, why, sizeof why), SC_EINVALID);
	assert_non_null(strstr(why, "prev_hash"));
	b->signature->prev_hash.len = SIG_HASH_LEN;
	assert_int_equal(sig_check(b, p.public_key, why, sizeof why), 0);

	/* the signed record survives the store (records.signature) */
	{
		Safecampus__Record *back = NULL;
		assert_int_equal(store_write(fx->st, b), 0);
		assert_int_equal(store_get(fx->st, b->id, &back), 0);
		assert_non_null(back->signature);
		assert_int_equal(sig_check(back, p.public_key, why, sizeof why), 0);
		safecampus__record__free_unpacked(back, NULL);
	}
	kind_record_free(a);
	kind_record_free(b);
}

/* The canonical bytes, byte for byte, as docs/PROTOCOL.md gives them. */
static void test_canonical_bytes(void **state)
{
	Safecampus__Record *r = event("n");
	Safecampus__Signature s = SAFECAMPUS__SIGNATURE__INIT;
	struct buf b;
	const uint8_t *p;

	(void)state;
	free(r->id);
	r->id = strdup("ab");
	s.signer = "li";
	s.signer_school = "s1";
	s.signed_ms = 0x0102030405060708;
	r->signature = &s;
	buf_init(&b, 1 << 16);
	assert_int_equal(sig_canonical(r, &b), 0);
	p = buf_head(&b);
	assert_memory_equal(p, "SCSIG1\n", 7);
	p += 7;
	assert_memory_equal(p, "\0\0\0\2ab", 6);
	p += 6;
	assert_memory_equal(p, "\0\0\0\14hazard_event", 16);
	p += 16;
	assert_memory_equal(p, "\0\0\0\2s1", 6);
	p += 6;
	assert_memory_equal(p, "\0\0\0\5north", 9);
	p += 9;
	assert_memory_equal(p, "\0\0\0\2li", 6);
	p += 6;
	assert_memory_equal(p, "\0\0\0\2s1", 6);
	p += 6;
	assert_memory_equal(p, "\1\2\3\4\5\6\7\10", 8);
	p += 8;
	assert_memory_equal(p, "\0\0\0\0", 4); /* prev_hash: empty */
	p += 4;
	assert_memory_equal(p, "\0\0\0\0", 4); /* no evidence */
	p += 4;
	{
		size_t n = protobuf_c_message_get_packed_size(&r->hazard_event->base);
		uint8_t want[4] = { 0, 0, 0, (uint8_t)n };
		assert_memory_equal(p, want, 4);
		p += 4;
		/* field 1 (hazard_id) first: tag 0x0a */
		assert_int_equal(p[0], 0x0a);
		assert_int_equal((size_t)(p + n - buf_head(&b)), buf_used(&b));
	}
	/* the same record gives the same bytes */
	{
		struct buf b2;
		buf_init(&b2, 1 << 16);
		assert_int_equal(sig_canonical(r, &b2), 0);
		assert_int_equal(buf_used(&b2), buf_used(&b));
		assert_memory_equal(buf_head(&b2), buf_head(&b), buf_used(&b));
		buf_free(&b2);
	}
	buf_free(&b);
	r->signature = NULL;
	kind_record_free(r);
}

/* Evidence files' descriptions follow the payload (PROTOCOL.md section 13
 * row 10), byte for byte, only when there are any; and sig_check wants each
 * described file to be one of the signed evidence hashes. */
static void test_canonical_files(void **state)
{
	Safecampus__Record *r = event("n");
	Safecampus__Signature s = SAFECAMPUS__SIGNATURE__INIT;
	Safecampus__EvidenceFile f = SAFECAMPUS__EVIDENCE_FILE__INIT, *fp = &f;
	uint8_t h[32], zero[32] = { 0 }, pub[32] = { 0 };
	ProtobufCBinaryData ev = { 32, h };
	struct buf plain, with;
	const uint8_t *p;
	char why[160];

	(void)state;
	memset(h, 0xab, sizeof h);
	s.signer = "li";
	s.signer_school = "s1";
	s.n_evidence = 1;
	s.evidence = &ev;
	r->signature = &s;
	buf_init(&plain, 1 << 16);
	buf_init(&with, 1 << 16);
	assert_int_equal(sig_canonical(r, &plain), 0);
	f.sha256.data = h;
	f.sha256.len = 32;
	f.size = 0x0102030405;
	f.media_type = "image/jpeg";
	f.name = "扶手.jpg";
	s.n_files = 1;
	s.files = &fp;
	assert_int_equal(sig_canonical(r, &with), 0);
	/* the same bytes, then the tail */
	assert_memory_equal(buf_head(&with), buf_head(&plain), buf_used(&plain));
	p = buf_head(&with) + buf_used(&plain);
	assert_memory_equal(p, "SCEV1\n\0\0\0\1", 10);
	p += 10;
	assert_memory_equal(p, "\0\0\0\40", 4);
	assert_memory_equal(p + 4, h, 32);
	p += 36;
	assert_memory_equal(p, "\0\0\0\1\2\3\4\5", 8);
	p += 8;
	assert_memory_equal(p, "\0\0\0\12image/jpeg", 14);
	p += 14;
	assert_memory_equal(p, "\0\0\0\12扶手.jpg", 14);
	p += 14;
	assert_int_equal((size_t)(p - buf_head(&with)), buf_used(&with));
	/* a description of a file the signature does not name is refused */
	{
		uint8_t sig64[64] = { 0 };
		s.sig.data = sig64;
		s.sig.len = sizeof sig64;
		f.sha256.data = zero;
		assert_int_equal(sig_check(r, pub, why, sizeof why), SC_EINVALID);
		assert_non_null(strstr(why, "not one of the signed evidence hashes"));
	}
	buf_free(&plain);
	buf_free(&with);
	r->signature = NULL;
	kind_record_free(r);
}

static void test_hex(void **state)
{
	uint8_t v[3] = { 0x00, 0xab, 0xff }, back[3];
	char h[7];

	(void)state;
	sig_hex(v, 3, h);
	assert_string_equal(h, "00abff");
	assert_int_equal(sig_unhex("00ABff", back, 3), 0);
	assert_memory_equal(back, v, 3);
	assert_int_equal(sig_unhex("00abf", back, 3), SC_EINVALID);
	assert_int_equal(sig_unhex("00abfg", back, 3), SC_EINVALID);
	assert_int_equal(sig_unhex(NULL, back, 3), SC_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enrol_and_login, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_sign_and_chain, fx_setup, fx_teardown),
		cmocka_unit_test(test_canonical_bytes),
		cmocka_unit_test(test_canonical_files),
		cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
