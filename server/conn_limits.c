/* Counts by key: a chained hash table that doubles when its load passes 2. */
#include "conn_limits.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct limit_entry {
	struct limit_entry *next;
	unsigned count;
	char key[]; /* NUL-terminated */
};

#define LIMIT_BUCKETS_MIN 64u

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

void limit_table_init(struct limit_table *t)
{
	memset(t, 0, sizeof *t);
}

void limit_table_free(struct limit_table *t)
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		for (struct limit_entry *e = t->buckets[i], *next; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(t->buckets);
	limit_table_init(t);
}

static struct limit_entry **slot(const struct limit_table *t, const char *key)
{
	struct limit_entry **p = &t->buckets[hash(key) & (t->nbuckets - 1)];

	while (*p && strcmp((*p)->key, key) != 0)
		p = &(*p)->next;
	return p;
}

unsigned limit_get(const struct limit_table *t, const char *key)
{
	struct limit_entry *e;

	if (!t->nbuckets)
		return 0;
	e = *slot(t, key);
	return e ? e->count : 0;
}

static void grow(struct limit_table *t)
{
	size_t n = t->nbuckets ? t->nbuckets * 2 : LIMIT_BUCKETS_MIN;
	struct limit_entry **b = calloc(n, sizeof *b);

	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < t->nbuckets; i++) {
		for (struct limit_entry *e = t->buckets[i], *next; e; e = next) {
			next = e->next;
			struct limit_entry **head = &b[hash(e->key) & (n - 1)];
			e->next = *head;
			*head = e;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

int limit_inc(struct limit_table *t, const char *key)
{
	struct limit_entry **p, *e;
	size_t len;

	if (!t->nbuckets || t->nentries >= 2 * t->nbuckets)
		grow(t);
	if (!t->nbuckets)
		return -ENOMEM;
	p = slot(t, key);
	if (*p)
		return (int)++(*p)->count;
	len = strlen(key);
	e = malloc(sizeof *e + len + 1);
	if (!e)
		return -ENOMEM;
	memcpy(e->key, key, len + 1);
	e->count = 1;
	e->next = NULL;
	*p = e;
	t->nentries++;
	return 1;
}

void limit_dec(struct limit_table *t, const char *key)
{
	struct limit_entry **p, *e;

	if (!t->nbuckets)
		return;
	p = slot(t, key);
	e = *p;
	if (!e)
		return;
	if (--e->count == 0) {
		*p = e->next;
		free(e);
		t->nentries--;
	}
}
