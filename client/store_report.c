/* The annual report's edited sections in the client store (table
 * report_edits, migration 3 -> 4 in store.c). Kept apart from the cached
 * statements of store.c: a report is saved a few times a year, so each call
 * prepares its own statement and the shared statement list stays as it is. */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int prepare(struct store *st, const char *sql, struct qh *h)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &h->s, NULL);

	h->owned = true;
	if (rc != SQLITE_OK) {
		h->s = NULL;
		return store__sql_fail(st, rc, "prepare");
	}
	return 0;
}

int store_report_edit_put(struct store *st, int year, const char *scope, const char *section,
			  const char *text)
{
	bool drop = !text || !*text;
	struct qh h = { 0 };
	int rc;

	store__clear_error();
	rc = prepare(st,
		     drop ? "DELETE FROM report_edits WHERE year = ?1 AND scope = ?2 AND "
			    "section = ?3"
			  : "INSERT INTO report_edits(year, scope, section, body, updated_ms) "
			    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(year, scope, section) DO "
			    "UPDATE SET body = excluded.body, updated_ms = excluded.updated_ms",
		     &h);
	if (rc)
		return rc;
	sqlite3_bind_int(h.s, 1, year);
	store__bind_text(&h, 2, scope);
	store__bind_text(&h, 3, section);
	if (!drop) {
		store__bind_text(&h, 4, text);
		sqlite3_bind_int64(h.s, 5, store__now_ms());
	}
	rc = store__q_done(st, &h, "save the report's section");
	store__q_put(&h);
	return rc;
}

int store_report_edit_get(struct store *st, int year, const char *scope, const char *section,
			  char **text, int64_t *updated_ms)
{
	struct qh h = { 0 };
	int rc;

	store__clear_error();
	*text = NULL;
	if (updated_ms)
		*updated_ms = 0;
	rc = prepare(st,
		     "SELECT body, updated_ms FROM report_edits WHERE year = ?1 AND "
		     "scope = ?2 AND section = ?3",
		     &h);
	if (rc)
		return rc;
	sqlite3_bind_int(h.s, 1, year);
	store__bind_text(&h, 2, scope);
	store__bind_text(&h, 3, section);
	rc = sqlite3_step(h.s);
	if (rc == SQLITE_ROW) {
		*text = strdup(store__col_text(h.s, 0));
		if (updated_ms)
			*updated_ms = sqlite3_column_int64(h.s, 1);
		rc = *text ? 0 : -ENOMEM;
	} else if (rc == SQLITE_DONE) {
		store__set_error("section %s of the %d report was not edited", section, year);
		rc = SC_ENOTFOUND;
	} else {
		rc = store__sql_fail(st, rc, "read the report's section");
	}
	store__q_put(&h);
	return rc;
}
