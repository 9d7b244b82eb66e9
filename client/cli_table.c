/* Listings laid out to fit a width. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


struct cli_table {
	size_t ncols, nrows, cap;
	const char **head;
	size_t *maxw;
	unsigned *flags;
	char **cells; /* nrows * ncols */
};

struct cli_table *cli_table_new(size_t ncols)
{
	struct cli_table *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->ncols = ncols;
	t->head = calloc(ncols, sizeof *t->head);
	t->maxw = calloc(ncols, sizeof *t->maxw);
	t->flags = calloc(ncols, sizeof *t->flags);
	if (!t->head || !t->maxw || !t->flags) {
		cli_table_free(t);
		return NULL;
	}
	return t;
}

void cli_table_col(struct cli_table *t, size_t col, const char *head, size_t maxw, unsigned flags)
{
	if (col >= t->ncols)
		return;
	t->head[col] = head;
	t->maxw[col] = maxw;
	t->flags[col] = flags;
}

int cli_table_add(struct cli_table *t, const char *const *cells)
{
	char **row;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 32;
		char **more = realloc(t->cells, cap * t->ncols * sizeof *more);
		if (!more)
			return -ENOMEM;
		t->cells = more;
		t->cap = cap;
	}
	row = &t->cells[t->nrows * t->ncols];
	for (size_t j = 0; j < t->ncols; j++) {
		row[j] = strdup(cells[j] ? cells[j] : "");
		if (!row[j]) {
			while (j--)
				free(row[j]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

size_t cli_table_rows(const struct cli_table *t)
{
	return t->nrows;
}

void cli_table_free(struct cli_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; t->cells && i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->head);
	free(t->maxw);
	free(t->flags);
	free(t);
}

static bool cell_empty(const char *s)
{
	return !*s || strcmp(s, "-") == 0;
}

void cli_table_print(const struct cli_table *t, FILE *f, size_t width)
{
	size_t n = t->ncols, room = width, flex = n, flexmin = 0, last = 0;
	size_t *w = calloc(n ? n : 1, sizeof *w), *nat = calloc(n ? n : 1, sizeof *nat);
	bool *show = calloc(n ? n : 1, sizeof *show), first;

	if (!w || !nat || !show)
		goto out;
	for (size_t j = 0; j < n; j++) {
		bool empty = true;
		nat[j] = cli_width(cli_s(t->head[j]));
		for (size_t i = 0; i < t->nrows; i++) {
			const char *v = t->cells[i * n + j];
			size_t cw = cli_width(cell_empty(v) ? "-" : v);
			empty &= cell_empty(v);
			if (cw > nat[j])
				nat[j] = cw;
		}
		w[j] = t->maxw[j] && nat[j] > t->maxw[j] ? t->maxw[j] : nat[j];
		/* a header is cut only when it is much wider than what it heads */
		{
			size_t hw = cli_width(cli_s(t->head[j]));
			if (hw > 14)
				hw = 14;
			if (w[j] < hw)
				w[j] = hw;
		}
		show[j] = !(t->flags[j] & CLI_COL_OFF) &&
			  (!(t->flags[j] & CLI_COL_HIDE_EMPTY) || !empty || t->nrows == 0);
		if ((t->flags[j] & CLI_COL_FLEX) && flex == n && show[j])
			flex = j;
	}
	/* kept columns first, then the title's fair share, then the rest in order */
	for (size_t j = 0; j < n; j++) {
		if (!show[j] || j == flex || !(t->flags[j] & CLI_COL_KEEP))
			continue;
		room = room > w[j] + 1 ? room - w[j] - 1 : 0;
	}
	if (flex < n) {
		size_t share = width * 2 / 5 > 24 ? width * 2 / 5 : 24;
		flexmin = nat[flex] < share ? nat[flex] : share;
		/* never so wide that the kept columns push the line past the width */
		if (flexmin > room)
			flexmin = room > 16 ? room : 16;
		if (flexmin > nat[flex])
			flexmin = nat[flex];
		if (flexmin < cli_width(cli_s(t->head[flex])))
			flexmin = cli_width(cli_s(t->head[flex]));
		room = room > flexmin ? room - flexmin : 0;
	}
	/* the columns before the title (what kind of record, when) come first;
	 * then the title takes what it needs; the columns after it get the rest */
	for (size_t j = 0; j < n; j++) {
		if (flex < n && j == flex) {
			size_t give = flexmin + room;
			w[flex] = nat[flex] < give ? nat[flex] : give;
			room = give - w[flex];
			continue;
		}
		if (!show[j] || (t->flags[j] & CLI_COL_KEEP))
			continue;
		if (w[j] + 1 <= room)
			room -= w[j] + 1;
		else
			show[j] = false;
	}
	for (size_t j = 0; j < n; j++)
		if (show[j])
			last = j;
	first = true;
	for (size_t j = 0; j < n; j++) {
		char up[64];
		size_t k = 0;
		if (!show[j])
			continue;
		for (const char *p = cli_s(t->head[j]); *p && k + 1 < sizeof up; p++)
			up[k++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
		up[k] = '\0';
		if (!first)
			fputc(' ', f);
		first = false;
		cli_cell(f, up, j == last ? cli_width(up) : w[j]);
	}
	fputc('\n', f);
	for (size_t i = 0; i < t->nrows; i++) {
		first = true;
		for (size_t j = 0; j < n; j++) {
			const char *v = t->cells[i * n + j];
			if (!show[j])
				continue;
			if (cell_empty(v))
				v = "-";
			if (!first)
				fputc(' ', f);
			first = false;
			if (j == last)
				cli_cell(f, v, cli_width(v) < w[j] ? cli_width(v) : w[j]);
			else
				cli_cell(f, v, w[j]);
		}
		fputc('\n', f);
	}
out:
	free(w);
	free(nat);
	free(show);
}
