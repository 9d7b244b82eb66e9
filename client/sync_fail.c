/* What a failed sync means, for people: a name and what to do, one per
 * failure class (sync.h, docs/CLI.md "Exit codes"). */
#include "sync.h"
#include "i18n.h"

const char *sync_failure_name(enum sync_failure f)
{
	switch (f) {
	case SYNC_FAIL_NONE:
		return _("done");
	case SYNC_FAIL_CONFIG:
		return _("not set up");
	case SYNC_FAIL_UNREACHABLE:
		return _("server unreachable");
	case SYNC_FAIL_LOST:
		return _("connection lost during the sync");
	case SYNC_FAIL_TLS:
		return _("certificate refused");
	case SYNC_FAIL_UNAVAILABLE:
		return _("the district database is unavailable");
	case SYNC_FAIL_PROTOCOL:
		return _("protocol error");
	case SYNC_FAIL_STORE:
		return _("local store error");
	}
	return _("failed");
}

const char *sync_failure_hint(enum sync_failure f)
{
	switch (f) {
	case SYNC_FAIL_NONE:
		return "";
	case SYNC_FAIL_CONFIG:
		return _("This store's server settings are missing or wrong: see `safecampus init "
			 "--help`.");
	case SYNC_FAIL_UNREACHABLE:
		return _("Nothing is lost: records wait in this store's outbox for the next sync. "
			 "Check this "
			 "computer's network; if it lasts, ask the district administrator whether "
			 "the "
			 "server is running.");
	case SYNC_FAIL_LOST:
		return _("What the server acknowledged is kept here, the rest waits in the outbox: "
			 "running "
			 "sync again is safe.");
	case SYNC_FAIL_TLS:
		return _("The network is fine; a certificate was refused. Check this computer's "
			 "date and "
			 "time, then ask the district administrator to check this campus's "
			 "certificate "
			 "(`safecampus status` shows it) and the CA given to `init`.");
	case SYNC_FAIL_UNAVAILABLE:
		return _("The district server is running but cannot reach its database: nothing of "
			 "the "
			 "unfinished step was stored, records wait in the outbox. Try again later; "
			 "tell "
			 "the district administrator if it lasts.");
	case SYNC_FAIL_PROTOCOL:
		return _("The server sent something this client does not understand, or failed: "
			 "check that "
			 "client and server versions match (`safecampus --version`) and tell the "
			 "district "
			 "administrator, with the message above.");
	case SYNC_FAIL_STORE:
		return _("This computer's store file could not be read or written: check the free "
			 "disk "
			 "space and the file's permissions. Nothing the server acknowledged is "
			 "lost.");
	}
	return "";
}
