#include "err.h"

#include <stdio.h>
#include <string.h>

const char *sc_strerror(int rc)
{
	switch (rc) {
	case 0: return "success";
	case SC_EPROTO: return "protocol violation";
	case SC_ETOOBIG: return "over size limit";
	case SC_ETLS: return "TLS failure";
	case SC_EDB: return "database error";
	case SC_ECONFIG: return "bad configuration";
	case SC_ESQLITE: return "local store error";
	case SC_ENOTFOUND: return "not found";
	case SC_EREJECTED: return "rejected by server";
	case SC_EUSAGE: return "usage error";
	case SC_ESERVER: return "server error";
	case SC_ETRANSITION: return "workflow step not allowed";
	case SC_EINVALID: return "invalid value";
	default: break;
	}
	if (rc < 0 && rc > SC_EBASE)
		return strerror(-rc);
	return "unknown error";
}

int sc_vrefuse(int rc, char *why, size_t whylen, const char *fmt, va_list ap)
{
	if (why && whylen)
		vsnprintf(why, whylen, fmt, ap);
	return rc;
}

int sc_refuse(int rc, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = sc_vrefuse(rc, why, whylen, fmt, ap);
	va_end(ap);
	return rc;
}
