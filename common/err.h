/* Error codes shared by client and server.
 *
 * Functions return 0 on success or a negative value: either a negated errno
 * (-ENOMEM, -EINVAL, ...) or one of the SC_E* codes below, which sit far below
 * any errno so the two never collide. sc_strerror() names both. */
#ifndef SC_ERR_H
#define SC_ERR_H

#include <stdarg.h>
#include <stddef.h>

#define SC_WUR __attribute__((warn_unused_result))

enum sc_err {
	SC_EBASE = -10000,
	SC_EPROTO = SC_EBASE - 1,       /* peer broke the protocol */
	SC_ETOOBIG = SC_EBASE - 2,      /* frame or buffer over its limit */
	SC_ETLS = SC_EBASE - 3,         /* TLS failure (handshake, verify, record) */
	SC_EDB = SC_EBASE - 4,          /* database error */
	SC_ECONFIG = SC_EBASE - 5,      /* bad configuration */
	SC_ESQLITE = SC_EBASE - 6,      /* local store error */
	SC_ENOTFOUND = SC_EBASE - 7,    /* no such record */
	SC_EREJECTED = SC_EBASE - 8,    /* the server rejected a record */
	SC_EUSAGE = SC_EBASE - 9,       /* command-line misuse */
	SC_ESERVER = SC_EBASE - 10,     /* the server answered with Error */
	SC_ETRANSITION = SC_EBASE - 11, /* workflow step not allowed */
	SC_EINVALID = SC_EBASE - 12,    /* a field fails validation */
};

/** Writes a reason for people into why (if why and whylen) and returns rc:
 * the one way a rule refuses, `return sc_refuse(SC_ETRANSITION, why, n, ...)`. */
int sc_refuse(int rc, char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/** sc_refuse with a va_list. */
int sc_vrefuse(int rc, char *why, size_t whylen, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/** Text for a code from this file or a negated errno. Static storage. */
const char *sc_strerror(int rc);

#endif
