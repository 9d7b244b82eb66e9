/* TLS over memory BIOs: OpenSSL 3 with no socket inside.
 *
 * The caller moves bytes: ciphertext from the network goes in with tls_feed,
 * plaintext comes out of tls_read; plaintext goes in with tls_write and the
 * ciphertext to send comes out of tls_out_take. After EVERY tls_* call that
 * can produce output (tls_read, tls_write, tls_shutdown) the caller checks
 * tls_out_pending() and sends what is there: handshake messages, alerts and
 * key updates appear there too, not only application data.
 *
 * Mutual authentication is always on: the server requires a client
 * certificate issued by the district CA, the client checks the server's
 * certificate against the same CA and the host name or IP it dialled.
 * docs/internals/tls.md explains the choices. No global state: OpenSSL 3
 * initialises itself. */
#ifndef SC_TLS_H
#define SC_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

struct tls_ctx;
struct tls;

/** Largest plaintext one tls_write accepts (a frame of FRAME_MAX_LIMIT + header). */
#define TLS_WRITE_MAX ((size_t)(64u << 20) + 4u)
/** Most ciphertext tls_feed holds before tls_read has consumed it. */
#define TLS_IN_MAX ((size_t)1 << 20)

/** Upper bound of the ciphertext that tls_write(len) produces (record headers,
 * AEAD tags), for sizing write queues before encrypting. */
size_t tls_write_bound(size_t len);

/** Makes a context from PEM files. Server: cert_file and key_file required,
 * peers must present a certificate that chains to ca_file (and nothing else:
 * the system store is not used). Client: cert_file/key_file may both be NULL
 * (the server will then refuse the handshake), the server certificate must
 * chain to ca_file. min_version: NULL or "1.3" (default) or "1.2" (floor, ECDHE
 * + AEAD suites only). On failure returns SC_ECONFIG / -EINVAL / -ENOMEM and
 * writes a reason with the OpenSSL error text into err. */
SC_WUR int tls_ctx_new(struct tls_ctx **out, bool server, const char *cert_file,
		       const char *key_file, const char *ca_file, const char *min_version,
		       char *err, size_t errlen);
/** Turns on revocation checking: loads every CRL (PEM, one or more) of
 * crl_file into ctx's trust store and sets X509_V_FLAG_CRL_CHECK, so that each
 * handshake refuses a peer certificate whose serial a CRL of its issuer lists
 * ("certificate revoked"). The file is checked as a whole first, so a bad one
 * never half-applies: every CRL must be signed by a CA of ca_file, be current
 * (thisUpdate not in the future, nextUpdate not past), and every CA of
 * ca_file must have a CRL (a CA without one would fail every handshake with
 * "unable to get certificate CRL"). Call before the first tls_new. Once a CRL
 * expires while loaded, handshakes fail closed with "CRL has expired".
 * SC_ECONFIG with a reason in err. */
SC_WUR int tls_ctx_load_crl(struct tls_ctx *ctx, const char *crl_file, const char *ca_file,
			    char *err, size_t errlen);

/** What tls_ctx_load_crl loaded, for logs and expiry warnings. */
struct tls_crl_info {
	unsigned crls;         /* CRLs loaded; 0: no revocation checking */
	unsigned revoked;      /* revoked serials, all CRLs together */
	long long next_update; /* earliest nextUpdate, Unix seconds (0 if none) */
};
void tls_ctx_crl_info(const struct tls_ctx *ctx, struct tls_crl_info *out);

/** Server: issue one TLS 1.3 session ticket per handshake, so a client that
 * reconnects resumes without a full handshake (a school coming back after a
 * server restart costs a fraction of the CPU). Tickets are sealed (AES-256-CBC
 * + HMAC-SHA256, OpenSSL's ticket format) with keys derived by HKDF from the
 * server's private key and the current period of lifetime_s, so every worker
 * and a restarted server accept each other's tickets with no key file to
 * share, and a ticket is accepted for at most two periods. A resumed client's
 * certificate is checked again at every handshake: validity dates and the CRLs
 * loaded at that time (a revoked campus cannot resume). lifetime_s 0 leaves
 * tickets off. Call after the certificate is loaded. SC_ECONFIG with err. */
SC_WUR int tls_ctx_enable_tickets(struct tls_ctx *ctx, long lifetime_s, char *err, size_t errlen);

/** A session a client can resume later (an OpenSSL SSL_SESSION). */
struct tls_session;
/** Client, after the handshake: the newest session a ticket of the server
 * made resumable, or NULL (none received yet, or tickets are off). Owned by
 * the caller: tls_session_free. */
struct tls_session *tls_session_save(struct tls *t);
/** Client, before the first tls_read: offer s to resume (t takes its own
 * reference; the server may still choose a full handshake). -EINVAL;
 * -ESTALE (not offered: a full handshake follows) if the server certificate
 * s carries has expired or a CRL of t's context revokes it. */
SC_WUR int tls_session_offer(struct tls *t, struct tls_session *s);
void tls_session_free(struct tls_session *s);
/** DER encoding for keeping a session across runs (the client store);
 * *der owned by the caller (free). -ENOMEM. */
SC_WUR int tls_session_encode(const struct tls_session *s, unsigned char **der, size_t *len);
/** The session of tls_session_encode, or NULL if der is not one. */
struct tls_session *tls_session_decode(const unsigned char *der, size_t len);
/** The handshake resumed a session. */
bool tls_resumed(const struct tls *t);

/** Frees the context. Sessions made from it hold a reference and may outlive it. */
void tls_ctx_free(struct tls_ctx *ctx);

/** One session. server_name: on a client context the host name or IP address
 * the certificate must match (required; names are also sent as SNI); NULL on a
 * server context. -EINVAL, -ENOMEM or SC_ETLS. */
SC_WUR int tls_new(struct tls **out, struct tls_ctx *ctx, const char *server_name);
void tls_free(struct tls *t);

/** Hands ciphertext from the network to the session. SC_ETOOBIG if more than
 * TLS_IN_MAX would wait unread (the caller should have stopped reading). */
SC_WUR int tls_feed(struct tls *t, const void *cipher, size_t len);

/** Drives the handshake and decrypts what was fed into plain, up to plain's
 * limit. Returns 0 when it needs more input, when plain is full (call again
 * once the caller made room: tls_in_pending() tells whether input waits), or
 * when the peer sent close_notify (tls_peer_closed()). SC_ETLS on a fatal
 * error (tls_error() says why; an alert for the peer may wait in the output),
 * -ENOMEM. A client calls it once with no input to produce its ClientHello. */
SC_WUR int tls_read(struct tls *t, struct buf *plain);

/** Encrypts len bytes; all or nothing. -ENOTCONN before the handshake is done,
 * -EPIPE after tls_shutdown, SC_ETOOBIG over TLS_WRITE_MAX, -ENOBUFS if the
 * unsent output would grow past its limit, SC_ETLS after a fatal error. */
SC_WUR int tls_write(struct tls *t, const void *plain, size_t len);

/** Queues close_notify (once). A no-op before the handshake finished or after
 * a fatal error (then only the alert OpenSSL queued is sent). */
SC_WUR int tls_shutdown(struct tls *t);

/** Ciphertext waiting to be sent. */
size_t tls_out_pending(const struct tls *t);
/** Appends all waiting ciphertext to cipher, or nothing: SC_ETOOBIG when it
 * does not fit under cipher's limit, -ENOMEM. */
SC_WUR int tls_out_take(struct tls *t, struct buf *cipher);
/** True while fed ciphertext or decrypted plaintext waits inside the session
 * (tls_read stopped because plain was full). */
bool tls_in_pending(const struct tls *t);

bool tls_handshake_done(const struct tls *t);
/** The peer sent close_notify; nothing more will be read. */
bool tls_peer_closed(const struct tls *t);
/** Why the last call failed, for people and logs, e.g. "certificate verify
 * failed: certificate has expired" or "peer did not return a certificate".
 * "" if nothing failed. Valid until the next call on t. */
const char *tls_error(const struct tls *t);
/** The negotiated version and cipher, for logs ("TLSv1.3 TLS_AES_256_GCM_SHA384"). */
const char *tls_version(const struct tls *t);

/** Who the peer is, from its verified certificate:
 *   O=<district>, OU=<school id, or "bureau">, CN=<campus id>.
 * Each id matches [A-Za-z0-9._-]{1,63}. */
struct tls_identity {
	char district[64];
	char school[64]; /* "" for the bureau */
	char campus[64];
	int role;          /* SAFECAMPUS__ROLE__ROLE_SCHOOL or SAFECAMPUS__ROLE__ROLE_BUREAU */
	char subject[256]; /* RFC 2253 text of the whole subject, for logs */
};

/** Fills out from the verified peer certificate. SC_ETLS (reason in
 * tls_error) if the handshake is not done, there is no verified certificate,
 * or the subject breaks the convention. */
SC_WUR int tls_peer_identity(struct tls *t, struct tls_identity *out);

#ifdef UNITTEST
struct x509_st;
/** Tests and fuzzing only: the identity tls_peer_identity reads, from a
 * certificate alone (no session, no verification), the reason in err. */
SC_WUR int tls__identity_from_x509(const struct x509_st *cert, struct tls_identity *out, char *err,
				   size_t errlen);
#endif

/** Verifies the peer certificate of an established session again, now,
 * against ctx (which may be newer than the context the session was made
 * from): its CA, its validity dates, its purpose and ctx's CRLs. Used after a
 * reload to close connections whose certificate was revoked meanwhile.
 * 0 if it still verifies; SC_ETLS with the reason in why (e.g. "certificate
 * revoked"); -EINVAL without a verified peer certificate; -ENOMEM. */
SC_WUR int tls_peer_recheck(struct tls *t, const struct tls_ctx *ctx, char *why, size_t whylen);

#endif
