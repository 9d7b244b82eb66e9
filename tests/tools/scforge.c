/* scforge: makes the hand-made records of tests/e2e/signatures.sh, which the
 * real client never writes: a signature over other bytes, a forged one, a
 * step whose prev_hash names nothing, an enrolment signed by a teacher. It
 * signs with a person's real key from a real store (client/person.c), so what
 * the server refuses is exactly the one thing the test changed.
 *
 * usage: scforge STORE IN.pb|new-person OUT.pb OP...
 *   IN.pb        a packed Record (e.g. written out of the outbox with sqlite3's
 *                writefile()); new-person: a fresh enrolment record of
 *                $FORGE_SCHOOL/$FORGE_CAMPUS for login $FORGE_LOGIN, role
 *                $FORGE_ROLE (a StaffRole number), with a random key
 * OPs, applied in order:
 *   sign LOGIN PASSWORD   sign as LOGIN (keeps the record's prev_hash)
 *   prev random|none      set prev_hash (before sign: a gap that is signed)
 *   signer LOGIN          rename the signer (after sign: a claimed identity)
 *   flip                  flip one bit of the signature (a forgery)
 *   field NAME VALUE      set a payload field (after sign: other bytes)
 *   newid                 a new record id
 *   school ID             set the record's school (before sign: another school's row)
 * Exit 0, or 1 with a message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "hlc.h"
#include "kinds.h"
#include "person.h"
#include "sig.h"
#include "store.h"
#include "uuid.h"

/* a forge lives for one record; what it allocates (renamed fields, the
 * record) dies with it */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static int die(const char *what)
{
	fprintf(stderr, "scforge: %s\n", what);
	return 1;
}

static char *dup_s(const char *s)
{
	char *d = strdup(s);

	if (!d)
		exit(1);
	return d;
}

static Safecampus__Record *new_person(void)
{
	Safecampus__Record *r = calloc(1, sizeof *r);
	Safecampus__Person *p = calloc(1, sizeof *p);
	uint8_t pub[SIG_PUBKEY_LEN];
	char hex[2 * SIG_PUBKEY_LEN + 1], id[37];

	if (!r || !p || RAND_bytes(pub, sizeof pub) != 1)
		exit(1);
	safecampus__record__init(r);
	safecampus__person__init(p);
	sig_hex(pub, sizeof pub, hex);
	if (uuid_new(id))
		exit(1);
	r->id = dup_s(id);
	r->school = dup_s(getenv("FORGE_SCHOOL") ? getenv("FORGE_SCHOOL") : "schoolA");
	r->campus = dup_s(getenv("FORGE_CAMPUS") ? getenv("FORGE_CAMPUS") : "main");
	r->written_by = dup_s(r->campus);
	r->hlc = HLC_MAKE(hlc_wall_ms(), 0);
	p->login = dup_s(getenv("FORGE_LOGIN") ? getenv("FORGE_LOGIN") : "forged");
	p->display_name = dup_s("Forged");
	p->role = (Safecampus__StaffRole)atoi(getenv("FORGE_ROLE") ? getenv("FORGE_ROLE") : "5");
	p->public_key = dup_s(hex);
	p->enrolled_ms = (int64_t)time(NULL) * 1000;
	r->body_case = SAFECAMPUS__RECORD__BODY_PERSON;
	r->person = p;
	return r;
}

static Safecampus__Record *read_record(const char *path)
{
	static uint8_t b[4u << 20];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(b, 1, sizeof b, f) : 0;

	if (f)
		fclose(f);
	return n ? safecampus__record__unpack(NULL, n, b) : NULL;
}

static void set_bytes(ProtobufCBinaryData *d, const uint8_t *p, size_t n)
{
	d->data = n ? malloc(n) : NULL;
	d->len = n;
	if (n && !d->data)
		exit(1);
	if (n)
		memcpy(d->data, p, n);
}

int main(int argc, char **argv)
{
	struct store *st;
	Safecampus__Record *r;
	uint8_t prev[SIG_HASH_LEN];
	bool have_prev = false;
	char err[256];

	if (argc < 4)
		return die("usage: scforge STORE IN.pb|new-person OUT.pb OP...");
	if (store_open(&st, argv[1], false))
		return die(store_last_error());
	r = !strcmp(argv[2], "new-person") ? new_person() : read_record(argv[2]);
	if (!r)
		return die("cannot read the record");
	if (r->signature && r->signature->prev_hash.len == SIG_HASH_LEN) {
		memcpy(prev, r->signature->prev_hash.data, SIG_HASH_LEN);
		have_prev = true;
	}
	for (int i = 4; i < argc; i++) {
		const char *op = argv[i];
		if (!strcmp(op, "sign") && i + 2 < argc) {
			if (person_sign_record(st, argv[i + 1], argv[i + 2], r,
					       have_prev ? prev : NULL, NULL, 0))
				return die(person_last_error());
			i += 2;
		} else if (!strcmp(op, "prev") && i + 1 < argc) {
			have_prev = !strcmp(argv[++i], "random");
			if (have_prev && RAND_bytes(prev, sizeof prev) != 1)
				return 1;
			if (r->signature) {
				free(r->signature->prev_hash.data);
				set_bytes(&r->signature->prev_hash, prev,
					  have_prev ? SIG_HASH_LEN : 0);
			}
		} else if (!strcmp(op, "signer") && i + 1 < argc && r->signature) {
			r->signature->signer = dup_s(argv[++i]);
		} else if (!strcmp(op, "flip") && r->signature && r->signature->sig.len) {
			r->signature->sig.data[r->signature->sig.len / 2] ^= 0x01;
		} else if (!strcmp(op, "field") && i + 2 < argc) {
			const struct kind *k = kind_of(r);
			const ProtobufCFieldDescriptor *f = k ? kind_field(k, argv[i + 1]) : NULL;
			if (!f || kind_field_set((ProtobufCMessage *)kind_payload(r), f,
						 argv[i + 2], err, sizeof err))
				return die("cannot set that field");
			i += 2;
		} else if (!strcmp(op, "school") && i + 1 < argc) {
			r->school = dup_s(argv[++i]);
		} else if (!strcmp(op, "newid")) {
			char id[37];
			if (uuid_new(id))
				exit(1);
			r->id = dup_s(id);
		} else {
			return die("unknown or incomplete operation");
		}
	}
	size_t n = protobuf_c_message_get_packed_size(&r->base);
	uint8_t *out = malloc(n ? n : 1);
	FILE *f = fopen(argv[3], "wb");
	if (!out || !f)
		return die("cannot write the output");
	protobuf_c_message_pack(&r->base, out);
	fwrite(out, 1, n, f);
	fclose(f);
	store_close(st);
	return 0;
}
