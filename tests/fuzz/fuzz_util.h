/* Helpers shared by the client-side libFuzzer drivers (header only, so each
 * driver stays one file and one target).
 *
 * - CHECK(): a broken expectation aborts, which libFuzzer reports as a crash.
 * - fuzz_unpack_body(): the input is the bytes of one message of the
 *   Envelope's oneof (Changes, PushAck, ...). It is wrapped as that field of
 *   an Envelope and unpacked with frame_envelope_unpack, the function the
 *   client runs on every frame, so its checks (unknown field numbers at any
 *   depth) apply, while the fuzzer mutates the message itself.
 * - fuzz_store_new(): a real SQLite store (client/store.c, schema and all),
 *   in memory so that a run costs no disk and leaves nothing behind, with the
 *   configuration `init` would have written. Each run makes its own and
 *   closes it: no state is kept between runs. */
#ifndef SC_FUZZ_UTIL_H
#define SC_FUZZ_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "kinds.h"
#include "log.h"
#include "store.h"

#define CHECK(c)                                                                              \
	do {                                                                                  \
		if (!(c)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                              \
		}                                                                             \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Once per process: the product's warnings about skipped rows would cost
 * more than the run itself (SC_FUZZ_LOG=1 keeps them, to see why). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	if (!getenv("SC_FUZZ_LOG"))
		log_set_level(LOG_OFF);
	return 0;
}

/* Bigger inputs than this are not worth the time: the client's real limit is
 * the frame (4 MiB), but what a decoder does wrong shows on small inputs. */
#define FUZZ_MAX_INPUT (256u << 10)

/* Envelope field `field` (length-delimited) holding data; NULL if the
 * envelope does not unpack or the body is not that field. */
static inline Safecampus__Envelope *fuzz_unpack_body(unsigned field, const uint8_t *data,
						     size_t size)
{
	uint8_t *p = malloc(size + 16);
	size_t n = 0, len = size;
	Safecampus__Envelope *env;

	if (!p)
		return NULL;
	p[n++] = (uint8_t)(field << 3 | 2);
	do {
		p[n++] = (uint8_t)((len & 0x7f) | (len > 0x7f ? 0x80 : 0));
		len >>= 7;
	} while (len);
	if (size)
		memcpy(p + n, data, size);
	env = frame_envelope_unpack(p, n + size);
	free(p);
	if (env && (unsigned)env->body_case != field) {
		frame_envelope_free(env);
		env = NULL;
	}
	return env;
}

#define FUZZ_SCHOOL "s03"
#define FUZZ_CAMPUS "north"

/* The store a school's install has after `init`; aborts if it cannot be made
 * (that is the harness failing, not the input). */
static inline struct store *fuzz_store_new(int bureau)
{
	struct store_config cfg = {
		.server = "localhost:7443",
		.server_name = "localhost",
		.cert = "/c.pem",
		.key = "/k.pem",
		.ca = "/ca.pem",
		.district = "d1",
		.school = bureau ? "" : FUZZ_SCHOOL,
		.campus = bureau ? "bureau" : FUZZ_CAMPUS,
		.role = bureau ? SAFECAMPUS__ROLE__ROLE_BUREAU : SAFECAMPUS__ROLE__ROLE_SCHOOL,
	};
	struct store *st = NULL;

	CHECK(store_open(&st, ":memory:", true) == 0);
	CHECK(store_config_save(st, &cfg) == 0);
	return st;
}

/* A record of kind with the given field texts (name, value, ..., NULL);
 * aborts on a text the kind refuses (the harness is wrong then). Free with
 * kind_record_free. */
static inline Safecampus__Record *fuzz_record(const char *id, const char *kind, ...)
{
	const struct kind *k = kind_by_name(kind);
	Safecampus__Record *r = calloc(1, sizeof *r);
	ProtobufCMessage *m;
	const char *name;
	char err[256];
	va_list ap;

	CHECK(k && r);
	safecampus__record__init(r);
	r->id = strdup(id);
	CHECK(r->id);
	m = kind_payload_new(k);
	CHECK(m);
	va_start(ap, kind);
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);
		if (kind_field_set(m, kind_field(k, name), v, err, sizeof err) != 0) {
			fprintf(stderr, "fuzz_record %s.%s=%s: %s\n", kind, name, v, err);
			abort();
		}
	}
	va_end(ap);
	kind_record_set_payload(r, k, m);
	return r;
}

/* store_write of a record made by fuzz_record, then freed. */
static inline void fuzz_write(struct store *st, Safecampus__Record *r)
{
	CHECK(store_write(st, r) == 0);
	kind_record_free(r);
}

#endif
