/* The dashboard's words in the reader's language: the server sends its
 * labels and generated texts in English; these translate them on the
 * client by indicator key, alert kind or text template, and return the
 * server's text unchanged when the language is English or the text is not
 * one they know (client/dashboard_text.c). */
#ifndef SC_DASHBOARD_TEXT_H
#define SC_DASHBOARD_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/** The label of indicator key ("score" included): the catalogue's when the
 * reader reads Chinese and the key is known, else server_label, else key.
 * Static or server_label: never freed. */
const char *dashboard_indicator_label(const char *key, const char *server_label);

/** The head of indicator key's column in the school table ("Hazards
 * overdue", 逾期隐患; "score" and "name" too), in the reader's language;
 * an unknown key gets its full label. Static or server_label. */
const char *dashboard_column_head(const char *key, const char *server_label);

/** An alert kind ("hazard_overdue") in words into out; false if unknown. */
bool dashboard_alert_words(const char *kind, char *out, size_t n);

/** An indicator's detail ("3 of 4 months; no records: scored 0") in the
 * reader's language: out, or text itself when nothing is to change. */
const char *dashboard_detail_text(const char *text, char *out, size_t n);

/** The same for an alert's title, a missing submission's "what", a
 * hazard-age bucket ("drill for 2026-10", "0-7 days") and the note of a step
 * the server took (an escalation's "overdue 5 days (deadline ...): ..."). */
const char *dashboard_title_text(const char *text, char *out, size_t n);

#endif
