/* Internals shared by tls.c and tls_resume.c; not part of the contract. */
#ifndef SC_TLS_INT_H
#define SC_TLS_INT_H

#include <stdbool.h>

#include <openssl/ssl.h>

#include "tls.h"

/* Keys that seal session tickets: derived, never stored (tls_resume.c). */
struct tls_ticket_keys {
	bool on;
	long lifetime_s;          /* a ticket is accepted for at most this long */
	unsigned char secret[32]; /* HKDF-extract of the server's private key */
};

struct tls_ctx {
	SSL_CTX *ssl_ctx;
	bool server;
	struct tls_crl_info crl; /* what tls_ctx_load_crl loaded */
	struct tls_ticket_keys tickets;
};

struct tls {
	SSL *ssl;
	BIO *rbio;      /* network -> OpenSSL; owned by ssl */
	BIO *wbio;      /* OpenSSL -> out; owned by ssl */
	struct buf out; /* ciphertext not yet taken, flushed from wbio after every SSL_* call */
	bool server;
	bool done;        /* handshake finished */
	bool peer_closed; /* close_notify received */
	bool failed;      /* fatal error; the session is dead */
	bool shutdown_sent;
	bool resumed;        /* the handshake resumed a session (no certificate sent) */
	SSL_SESSION *ticket; /* client: the newest resumable session the server gave */
	char err[256];
	char version[64];
};

/* Client contexts: keep the sessions the server's tickets make. */
void tls__client_ctx_setup(SSL_CTX *s);
/* Client sessions: remember t for the new-session callback. */
void tls__client_attach(struct tls *t);
/* Server, once the handshake is done: a resumed session carries the client
 * certificate of its first handshake, not a fresh one: check it again against
 * the CRLs loaded now and its validity dates. SC_ETLS with t->err set. */
int tls__resumed_check(struct tls *t);

#endif
