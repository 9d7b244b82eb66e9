/* Inside client/web/: what the list, the record page and the form share. */
#ifndef SC_WEB_REC_H
#define SC_WEB_REC_H

#include "web_int.h"

/** A field a form or a list shows (not a oneof, message or bytes). */
bool web_settable(const ProtobufCFieldDescriptor *f);
bool web_ends(const char *s, const char *sfx);
/** The kind's first date field (a record's period), or NULL. */
const ProtobufCFieldDescriptor *web_date_field(const struct kind *k);
/** Writes field f of m for people: enum labels, times, yes/no, the record
 * a reference names (web_record_ref, when r is not NULL); escaped. */
void web_value(struct web_req *r, struct web_page *p, const struct kind *k,
	       const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);
/** Has k an add form (/k/KIND/new)? Not an event kind (a hazard's steps
 * are made by the actions on its page) nor one made by a command of its own. */
bool web_addable(const struct kind *k);
/** "synced", "not yet synced", "rejected" in the request's language. */
const char *web_sync_label(enum store_sync_state s);
/** <tag class="sync[ pending|rejected]">label</tag>: a record's sync state
 * in a cell (tag "td") or a record's list ("dd"), kept on one line. */
void web_sync_cell(struct web_page *p, const char *tag, enum store_sync_state s);

/** For each of k's kind_refs (a drill's plan): the version of the record it
 * names in force on rec's date, linked to its page, as <dt>/<dd> pairs of
 * the record's list (web_inforce.c). */
void web_in_force(struct web_req *r, struct web_page *p, const struct kind *k,
		  const Safecampus__Record *rec);
/** At the bureau, for a record addressed to many schools (kind_ops.
 * each_school: a notice): each school's answer, those that owe one first,
 * with how many have not acknowledged it and how many are overdue
 * (web_standing.c); nothing elsewhere. */
void web_school_standings(struct web_req *r, struct web_page *p, const struct kind *k,
			  const struct kind_env *env, const Safecampus__Record *rec,
			  const char *today);
/** The record's signed history, recomputed from this store's rows: its
 * problems, or that it adds up (client/web/web_verify.c). */
void web_verify_box(struct web_req *r, struct web_page *p, const Safecampus__Record *rec);

/** For a field of school ids (kind_ops.schools_field), at the bureau: the
 * district's schools to tick, val's checked; false (nothing written) when no
 * district dashboard is stored here to name them (web_schools.c). */
bool web_school_picker(struct web_page *p, struct web_req *r, const char *field, const char *val);
/** For a field of k naming another record by id (field minus "_id" is a
 * kind, or a kind_ref's field): a <select> of this school's records of that
 * kind, newest first, by date and title, val selected (kept as typed when it
 * is not among them); false (nothing written) for any other field
 * (web_pick.c). */
bool web_record_picker(struct web_page *p, struct web_req *r, const struct kind *k,
		       const char *field, const char *val, bool req);
/** A record in words, as a picker offers it and a page without a title is
 * headed: its first text and enum fields and its day in the order its list
 * shows them ("2026年3月12日 · 校级 · 消防", "王芳 · 班主任"), enum values
 * by their labels; its id's first characters when it has none. Into out. */
void web_record_words(const struct kind *k, const Safecampus__Record *r, char *out, size_t n);
/** "隐患：三楼消防通道堆放杂物": the kind and the record's title (its list's
 * flexible column, KC_FLEX), else the kind and web_record_words ("应急演练：
 * 2026年3月12日 · 消防"): a record's heading and its link text in a line. */
void web_record_title(const struct kind *k, const Safecampus__Record *r, char *out, size_t n);
/** "a：b" into out: a heading's parts (the kind, the record, the step) with
 * the separator of the page's language (a full-width colon in Chinese). */
void web_heading(char *out, size_t n, const char *a, const char *b);
/** For a field of k naming another record by id (as web_record_picker
 * knows them): that record as the picker offers it, by date and title,
 * linked to its page, its id the tooltip; an id not held here as a record
 * of that kind by its first characters and that it is not here. False
 * (nothing written) for any other field or an empty id. */
bool web_record_ref(struct web_page *p, struct web_req *r, const struct kind *k, const char *field,
		    const char *id);
/** Does field of k hold a name of another kind's records (kind_ops.name_refs)? */
bool web_names_field(const struct kind *k, const char *field);
/** For such a field: <datalist id="names-FIELD"> of the school's records of
 * that kind by name, newest first (web_pick.c); nothing for another field. */
void web_name_choices(struct web_page *p, struct web_req *r, const struct kind *k,
		      const char *field);
/** Every posted value of name joined with ';' into out (empties skipped);
 * web_arg's value when none was posted as a form field; NULL if they do not
 * fit in n. */
const char *web_args_joined(struct web_req *r, const char *name, char *out, size_t n);
/** The 403 page for a form or import this person is not offered: why (a
 * "refused: " start dropped) and that nothing was written. */
void web_not_offered(struct web_req *r, struct web_page *p, const char *why);

#endif
