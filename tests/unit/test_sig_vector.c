/* The example vector of docs/PROTOCOL.md ("Signatures and chains"): two
 * steps of one hazard signed with the RFC 8032 test key 1. The canonical
 * bytes, the signatures and the event hashes sig.c computes must be the ones
 * the document prints, and the document must print them (read from
 * $SC_SOURCE_DIR/docs/PROTOCOL.md), so another implementation checking
 * itself against the document checks itself against this code. On a
 * mismatch the test prints what sig.c computed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "kinds.h"
#include "sig.h"

/* RFC 8032 section 7.1, TEST 1 */
static const char *const SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char *const PUB = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

/* what docs/PROTOCOL.md prints */
static const char *const CANON1 = "5343534947310a0000002433663663316535322d386134312d346436652d3962"
				  "30612d3263356437653966316130310000000c68617a6172645f6576656e7400"
				  "0000077363686f6f6c410000000465617374000000046368656e000000077363"
				  "686f6f6c410000019ad735840000000000000000000000003f0a243962326534"
				  "6336612d316433662d346135622d386337642d30653166326133623463356410"
				  "012a095a68616f2047616e67320a323033302d30312d3135";
static const char *const SIG1 = "e775de446570ca29485bf323ccf04f7e93545a5a5b38eb2aaa64aed767d8a316"
				"5fc73a88001a17fd988ee2b7542ca5343436d041c0b98299362ed24e2511e706";
static const char *const HASH1 = "87ac9c625be7fbcf5de8dd62e320a9eae13ecdfc76b14eb33401afa66301b528";
static const char *const CANON2 = "5343534947310a0000002433663663316535322d386134312d346436652d3962"
				  "30612d3263356437653966316130320000000c68617a6172645f6576656e7400"
				  "0000077363686f6f6c410000000465617374000000046368656e000000077363"
				  "686f6f6c410000019ad7366e600000002087ac9c625be7fbcf5de8dd62e320a9"
				  "eae13ecdfc76b14eb33401afa66301b528000000010000002055c64d0fcd6f9d"
				  "5f7c828093857e3fdfda68478bb4e9bd24d481ef391c7804e8000000350a2439"
				  "623265346336612d316433662d346135622d386337642d306531663261336234"
				  "63356410023a0b52652d616e63686f726564";
static const char *const SIG2 = "54cdd8a61d2db06602a8459031862b16604b9d3d14ef136fa3d6d43fa072da81"
				"3bf0826e2a3808f1bf690ff95d5ce375476b01dd88f4a648d9fadf81f6269906";
static const char *const HASH2 = "d1931c2aa78f80a0b369e50ddf4355a195cbccc6c60d1051edf994fb1e10a6d4";

static char *hex_of(const uint8_t *p, size_t n)
{
	char *h = malloc(2 * n + 1);

	assert_non_null(h);
	sig_hex(p, n, h);
	return h;
}

static Safecampus__Record *step(const char *id, int action, const char *owner, const char *deadline,
				const char *note, int64_t signed_ms)
{
	const struct kind *k = kind_by_name("hazard_event");
	Safecampus__Record *r = calloc(1, sizeof *r);
	Safecampus__HazardEvent *e = calloc(1, sizeof *e);
	Safecampus__Signature *s = calloc(1, sizeof *s);

	assert_non_null(k);
	assert_true(r && e && s);
	safecampus__record__init(r);
	safecampus__hazard_event__init(e);
	safecampus__signature__init(s);
	kind_record_set_payload(r, k, &e->base);
	r->id = strdup(id);
	r->school = strdup("schoolA");
	r->campus = strdup("east");
	e->hazard_id = strdup("9b2e4c6a-1d3f-4a5b-8c7d-0e1f2a3b4c5d");
	e->action = (Safecampus__HazardAction)action;
	if (owner)
		e->owner = strdup(owner);
	if (deadline)
		e->deadline_date = strdup(deadline);
	if (note)
		e->note = strdup(note);
	s->signer = strdup("chen");
	s->signer_school = strdup("schoolA");
	s->signed_ms = signed_ms;
	r->signature = s;
	return r;
}

static void set_bytes(ProtobufCBinaryData *d, const uint8_t *p, size_t n)
{
	d->data = malloc(n);
	assert_non_null(d->data);
	memcpy(d->data, p, n);
	d->len = n;
}

/* Signs r with key, then checks canonical bytes, signature and hash against
 * the document's; the hash goes to out for the next step. */
static void check_step(EVP_PKEY *key, const uint8_t *pub, Safecampus__Record *r, const char *canon,
		       const char *sig, const char *hash, uint8_t out[SIG_HASH_LEN],
		       const char *name)
{
	struct buf b;
	uint8_t s[SIG_LEN];
	char why[256];
	char *hc, *hs, *hh;

	buf_init(&b, 1 << 20);
	assert_int_equal(sig_canonical(r, &b), 0);
	assert_int_equal(sig_sign(key, buf_head(&b), buf_used(&b), s), 0);
	set_bytes(&r->signature->sig, s, SIG_LEN);
	assert_int_equal(sig_event_hash(r, out), 0);
	assert_int_equal(sig_check(r, pub, why, sizeof why), 0);
	hc = hex_of(buf_head(&b), buf_used(&b));
	hs = hex_of(s, SIG_LEN);
	hh = hex_of(out, SIG_HASH_LEN);
	if (strcmp(hc, canon) || strcmp(hs, sig) || strcmp(hh, hash))
		printf("%s computed:\n  canonical %s\n  signature %s\n  hash      %s\n", name, hc,
		       hs, hh);
	assert_string_equal(hc, canon);
	assert_string_equal(hs, sig);
	assert_string_equal(hh, hash);
	free(hc);
	free(hs);
	free(hh);
	buf_free(&b);
}

/* The document, with every blank, newline and backtick removed: a hex
 * string broken over the lines of a code block is one substring again. */
static char *protocol_doc(void)
{
	const char *src = getenv("SC_SOURCE_DIR");
	char path[4096];
	FILE *f;
	char *d;
	size_t n = 0;
	int c;

	assert_non_null(src);
	snprintf(path, sizeof path, "%s/docs/PROTOCOL.md", src);
	f = fopen(path, "r");
	assert_non_null(f);
	d = malloc(1 << 20);
	assert_non_null(d);
	while ((c = fgetc(f)) != EOF && n + 1 < (1 << 20))
		if (c != ' ' && c != '\n' && c != '`')
			d[n++] = (char)c;
	d[n] = '\0';
	fclose(f);
	return d;
}

static void test_vector(void **state)
{
	uint8_t seed[32], pub[SIG_PUBKEY_LEN], got[SIG_PUBKEY_LEN], h1[SIG_HASH_LEN],
		h2[SIG_HASH_LEN];
	uint8_t photo[SIG_HASH_LEN];
	EVP_PKEY *key;
	Safecampus__Record *r1, *r2;
	char *doc;

	(void)state;
	assert_int_equal(sig_unhex(SEED, seed, sizeof seed), 0);
	assert_int_equal(sig_unhex(PUB, pub, sizeof pub), 0);
	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed);
	assert_non_null(key);
	assert_int_equal(sig_pubkey_raw(key, got), 0);
	assert_memory_equal(got, pub, sizeof pub);

	/* step 1: the principal assigns; the first step, no prev_hash */
	r1 = step("3f6c1e52-8a41-4d6e-9b0a-2c5d7e9f1a01",
		  SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_ASSIGN, "Zhao Gang", "2030-01-15", NULL,
		  1764547200000);
	check_step(key, pub, r1, CANON1, SIG1, HASH1, h1, "step 1");
	/* step 2: rectified, with one evidence file (SHA-256 of the bytes "photo") */
	r2 = step("3f6c1e52-8a41-4d6e-9b0a-2c5d7e9f1a02",
		  SAFECAMPUS__HAZARD_ACTION__HAZARD_ACTION_RECTIFY, NULL, NULL, "Re-anchored",
		  1764547260000);
	set_bytes(&r2->signature->prev_hash, h1, SIG_HASH_LEN);
	assert_int_equal(sig_sha256("photo", 5, photo), 0);
	r2->signature->evidence = calloc(1, sizeof *r2->signature->evidence);
	assert_non_null(r2->signature->evidence);
	set_bytes(&r2->signature->evidence[0], photo, SIG_HASH_LEN);
	r2->signature->n_evidence = 1;
	check_step(key, pub, r2, CANON2, SIG2, HASH2, h2, "step 2");

	/* one byte of the payload changed: the signature no longer covers it */
	{
		char why[256];
		r2->hazard_event->note[0] = 'X';
		assert_int_not_equal(sig_check(r2, pub, why, sizeof why), 0);
	}
	doc = protocol_doc();
	for (const char *const *v =
		     (const char *const[]){ PUB, CANON1, SIG1, HASH1, CANON2, SIG2, HASH2, NULL };
	     *v; v++) {
		if (!strstr(doc, *v))
			printf("docs/PROTOCOL.md does not print %s\n", *v);
		assert_non_null(strstr(doc, *v));
	}
	free(doc);
	kind_record_free(r1);
	kind_record_free(r2);
	EVP_PKEY_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
