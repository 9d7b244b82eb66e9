/* Person signatures: Ed25519 keys, the canonical bytes a sign-off signs, and
 * the hash that chains one event to the next.
 *
 * Both sides run this code: the client signs what a person does, the server
 * checks it on push and `verify` re-checks it from stored rows. The byte
 * format is written out in docs/PROTOCOL.md ("Signatures and chains") so that
 * another implementation can produce and check the same bytes; change it only
 * with a new SIG_VERSION. All crypto is OpenSSL 3 EVP (no hand-written
 * primitives). */
#ifndef SC_SIG_H
#define SC_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "safecampus.pb-c.h"

#define SIG_VERSION 1
#define SIG_PUBKEY_LEN 32 /* raw Ed25519 public key */
#define SIG_LEN 64        /* raw Ed25519 signature */
#define SIG_HASH_LEN 32   /* SHA-256 */
/* the signer of an enrolment made with the district administrator's key */
#define SIG_DISTRICT_SIGNER "@district"

struct evp_pkey_st;

/** A new Ed25519 key pair. *out owned by the caller (EVP_PKEY_free). */
SC_WUR int sig_keygen(struct evp_pkey_st **out);
/** The raw 32-byte public key of k. */
SC_WUR int sig_pubkey_raw(struct evp_pkey_st *k, uint8_t out[SIG_PUBKEY_LEN]);
/** Signs msg with k (Ed25519, pure: no pre-hash). */
SC_WUR int sig_sign(struct evp_pkey_st *k, const void *msg, size_t n, uint8_t out[SIG_LEN]);
/** 0 if sig is pub's signature over msg, SC_EINVALID if not (or pub is bad). */
SC_WUR int sig_verify(const uint8_t pub[SIG_PUBKEY_LEN], const void *msg, size_t n,
		      const uint8_t *sig, size_t siglen);
/** SHA-256 of n bytes. */
SC_WUR int sig_sha256(const void *p, size_t n, uint8_t out[SIG_HASH_LEN]);

/** Lower-case hex of n bytes into out (2n + 1 bytes). */
void sig_hex(const uint8_t *p, size_t n, char *out);
/** Parses 2n hex digits into n bytes; SC_EINVALID if s is not exactly that. */
SC_WUR int sig_unhex(const char *s, uint8_t *out, size_t n);

/** The canonical bytes record r's signature covers, appended to out:
 * "SCSIG1\n", then each of id, kind, school, campus, signer, signer_school as a
 * 4-byte big-endian length and the UTF-8 bytes, signed_ms as 8 bytes big-endian
 * two's complement, prev_hash and every evidence hash the same length-prefixed
 * way, and last the packed payload message (protobuf, fields in number order,
 * defaults left out: what protobuf-c writes). r->signature must be set (its
 * sig field is not covered). */
SC_WUR int sig_canonical(const Safecampus__Record *r, struct buf *out);
/** The hash of a signed event: SHA-256 over its canonical bytes followed by
 * the 64 signature bytes. The next event of the same chain carries it as
 * prev_hash. */
SC_WUR int sig_event_hash(const Safecampus__Record *r, uint8_t out[SIG_HASH_LEN]);
/** What sig_check checks before the Ed25519 verification: the signature's
 * shape (lengths, evidence files among the signed hashes), then r's canonical
 * bytes appended to out. 0, or SC_EINVALID with why saying which part failed
 * (the same words sig_check gives). The server verifies these bytes on its
 * thread pool (server/push_sign.c). */
SC_WUR int sig_signed_bytes(const Safecampus__Record *r, struct buf *out, char *why, size_t n);
/** Checks r's signature with the signer's public key: 0 or SC_EINVALID
 * (why says which part failed). */
SC_WUR int sig_check(const Safecampus__Record *r, const uint8_t pub[SIG_PUBKEY_LEN], char *why,
		     size_t n);

#endif
