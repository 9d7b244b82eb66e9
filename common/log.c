#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum log_level log_min_level = LOG_INFO;

void log_set_level(enum log_level level)
{
	log_min_level = level;
}

int log_parse_level(const char *s, enum log_level *out)
{
	static const char *const names[] = { "debug", "info", "warn", "error", "off" };
	for (int i = 0; i <= LOG_OFF; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void log_write(enum log_level level, const char *file, int line, const char *fmt, ...)
{
	static const char *const tags[] = { "DEBUG", "INFO", "WARN", "ERROR", "OFF" };
	char msg[2048];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	const char *base = strrchr(file, '/');

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* one fprintf per line so concurrent writers (worker processes) do not interleave */
	fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s:%d %s\n", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		tags[level], base ? base + 1 : file, line, msg);
}
