#include "err.h"

#include <stdio.h>
#include <string.h>

#include "i18n.h"

/* Marked for the client's reader; the server never binds the catalogue,
 * so its logs keep the English. */
const char *sc_strerror(int rc)
{
	switch (rc) {
	case 0:
		return _("success");
	case SC_EPROTO:
		return _("protocol violation");
	case SC_ETOOBIG:
		return _("over size limit");
	case SC_ETLS:
		return _("TLS failure");
	case SC_EDB:
		return _("database error");
	case SC_ECONFIG:
		return _("bad configuration");
	case SC_ESQLITE:
		return _("local store error");
	case SC_ENOTFOUND:
		return _("not found");
	case SC_EREJECTED:
		return _("rejected by server");
	case SC_EUSAGE:
		return _("usage error");
	case SC_ESERVER:
		return _("server error");
	case SC_ETRANSITION:
		return _("workflow step not allowed");
	case SC_EINVALID:
		return _("invalid value");
	default:
		break;
	}
	if (rc < 0 && rc > SC_EBASE)
		return strerror(-rc);
	return _("unknown error");
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
