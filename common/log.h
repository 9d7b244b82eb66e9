/* Leveled logging to stderr, one line per event, key=value fields.
 *
 *   log_info("listening addr=%s port=%d", addr, port);
 *
 * Lines look like: 2026-11-29T10:00:00.123Z INFO server.c:42 listening addr=...
 * The level is set once at start-up (log_set_level); lines below it cost one
 * comparison. */
#ifndef SC_LOG_H
#define SC_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

extern enum log_level log_min_level;

void log_set_level(enum log_level level);
/** Parses "debug", "info", "warn", "error", "off"; -EINVAL otherwise. */
int log_parse_level(const char *s, enum log_level *out);
void log_write(enum log_level level, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define log_at(lvl, ...)                                                   \
	do {                                                               \
		if ((lvl) >= log_min_level)                                \
			log_write((lvl), __FILE__, __LINE__, __VA_ARGS__); \
	} while (0)
#define log_debug(...) log_at(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_at(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_at(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_at(LOG_ERROR, __VA_ARGS__)

#endif
