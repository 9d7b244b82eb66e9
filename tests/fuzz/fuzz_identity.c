/* libFuzzer target: the certificate identity parser (common/tls.c).
 *
 * The input is a certificate in DER, as a peer sends it in the handshake. It
 * is parsed with d2i_X509 and handed to the code tls_peer_identity runs on a
 * verified peer certificate (tls__identity_from_x509, compiled in with
 * UNITTEST: this target builds its own tls.c). Verification is not fuzzed
 * here: a subject an attacker controls is reached by any CA mistake, and the
 * parser must hold on its own. Expectations: 0, with ids of
 * [A-Za-z0-9._-]{1,63} and the role matching the OU; or SC_ETLS with a
 * reason and an identity left all zero. */
#include <openssl/err.h>
#include <openssl/x509.h>

#include "fuzz_util.h"
#include "tls.h"

static void check_id(const char *s, size_t cap, bool may_be_empty)
{
	size_t n = strnlen(s, cap);

	CHECK(n < cap && n < 64);
	CHECK(n > 0 || may_be_empty);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	struct tls_identity id;
	char err[256];
	X509 *cert;
	int rc;

	if (size > FUZZ_MAX_INPUT)
		return -1;
	cert = d2i_X509(NULL, &p, (long)size);
	if (!cert) {
		ERR_clear_error();
		return 0;
	}
	err[0] = '\0';
	memset(&id, 0x55, sizeof id);
	rc = tls__identity_from_x509(cert, &id, err, sizeof err);
	CHECK(strnlen(err, sizeof err) < sizeof err);
	CHECK(strnlen(id.subject, sizeof id.subject) < sizeof id.subject);
	if (rc == 0) {
		check_id(id.district, sizeof id.district, false);
		check_id(id.campus, sizeof id.campus, false);
		if (id.role == SAFECAMPUS__ROLE__ROLE_BUREAU) {
			CHECK(id.school[0] == '\0');
		} else {
			CHECK(id.role == SAFECAMPUS__ROLE__ROLE_SCHOOL);
			check_id(id.school, sizeof id.school, false);
			CHECK(strcmp(id.school, "bureau") != 0);
		}
	} else {
		static const struct tls_identity zero;
		CHECK(rc == SC_ETLS);
		CHECK(strncmp(err, "bad identity: ", 14) == 0);
		CHECK(memcmp(&id, &zero, sizeof id) == 0);
	}
	X509_free(cert);
	ERR_clear_error();
	return 0;
}
