#include "fault.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

bool fault_armed(const char *name)
{
	static const char *spec;
	static bool read;
	size_t n = strlen(name);

	if (!read) {
		spec = getenv("SAFECAMPUS_FAULT");
		read = true;
	}
	if (!spec)
		return false;
	for (const char *p = spec; (p = strstr(p, name)) != NULL; p += n) {
		bool start = p == spec || p[-1] == ',';
		bool end = p[n] == '\0' || p[n] == ',';
		if (start && end)
			return true;
	}
	return false;
}

void fault_point(const char *name)
{
	if (!fault_armed(name))
		return;
	log_warn("fault injection: %s, killing this process", name);
	kill(getpid(), SIGKILL);
	_exit(137);
}
