/* The identity a client certificate carries, read the way the server reads it.
 *
 * Subject convention (deploy/pki.sh issues certificates this way):
 *   O  = district id
 *   OU = school id, or "bureau" for the district education bureau
 *   CN = campus id (for the bureau, the bureau's office or site)
 * Each id matches [A-Za-z0-9._-]{1,63}; each attribute appears exactly once. */
#ifndef SC_IDENT_H
#define SC_IDENT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define IDENT_MAX 63
#define IDENT_BUREAU_OU "bureau"

struct ident {
	char district[IDENT_MAX + 1];
	char school[IDENT_MAX + 1]; /* "" for the bureau */
	char campus[IDENT_MAX + 1];
	int role;            /* SAFECAMPUS__ROLE__* */
	long long not_after; /* certificate expiry, Unix seconds (0 if unknown) */
};

/** True if s is a valid id: [A-Za-z0-9._-]{1,63}. */
bool ident_id_valid(const char *s);

/** Reads the identity from the PEM certificate at path. On failure returns
 * SC_ECONFIG (or -ENOENT/-EACCES for an unreadable file) with a reason for
 * people in err. */
SC_WUR int ident_from_cert(const char *path, struct ident *out, char *err, size_t errlen);

/** Checks that the PEM private key at key_path is readable, unencrypted and
 * belongs to the certificate at cert_path. SC_ECONFIG with a reason on failure. */
SC_WUR int ident_check_key(const char *cert_path, const char *key_path, char *err, size_t errlen);

/** Checks that ca_path holds at least one PEM certificate and that the
 * certificate at cert_path verifies against it. SC_ECONFIG with a reason if
 * the file is unusable; returns 1 (not an error) with a warning in err if
 * the certificate does not verify against it. */
SC_WUR int ident_check_ca(const char *cert_path, const char *ca_path, char *err, size_t errlen);

/** Checks that crl_path holds CRLs the client can use against the server
 * certificate: each signed by a CA of ca_path, current, one per CA
 * (tls_ctx_load_crl's rules). SC_ECONFIG with a reason for people in err. */
SC_WUR int ident_check_crl(const char *crl_path, const char *ca_path, char *err, size_t errlen);

#endif
