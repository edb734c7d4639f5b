/*
 * ingest_util.c
 *	  Small containers for ingest (ingest.h): a hash map from byte strings
 *	  to int, growing lists of int64.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "utils/memutils.h"

#include "ingest.h"

/* ---- a small hash map: bytes -> int -------------------------------------- */

void
KeyMapInit(KeyMap *m, int expected)
{
	int			cap = 16;

	while (cap < expected * 2)
		cap *= 2;
	m->cap = cap;
	m->n = 0;
	m->slots = MemoryContextAllocHuge(CurrentMemoryContext, cap * sizeof(KeyMapEntry));
	for (int i = 0; i < cap; i++)
		m->slots[i].key = NULL;
}

static void KeyMapGrow(KeyMap *m);

/* The entry of key, new (value -1) unless *found. */
static KeyMapEntry *
KeyMapEntryOf(KeyMap *m, const char *key, int len, bool *found)
{
	uint32		h;
	KeyMapEntry *e;

	if ((m->n + 1) * 2 > m->cap)
		KeyMapGrow(m);
	h = hash_bytes((const unsigned char *) key, len);
	for (e = &m->slots[h & (m->cap - 1)]; e->key != NULL;
		 e = e + 1 == m->slots + m->cap ? m->slots : e + 1)
	{
		if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0)
		{
			*found = true;
			return e;
		}
	}
	e->key = key;
	e->hash = h;
	e->len = len;
	e->val = -1;
	m->n++;
	*found = false;
	return e;
}

/*
 * The value slot of key (which must outlive the map); *found says whether
 * it was there.  A new slot holds -1.
 */
int *
KeyMapSlot(KeyMap *m, const char *key, int len, bool *found)
{
	return &KeyMapEntryOf(m, key, len, found)->val;
}

/* KeyMapSlot for a key that does not outlive the call: copied if new. */
int *
KeyMapSlotCopy(KeyMap *m, const char *key, int len, bool *found)
{
	KeyMapEntry *e = KeyMapEntryOf(m, key, len, found);

	if (!*found)
		e->key = memcpy(palloc(len + 1), key, len);
	return &e->val;
}

int
KeyMapGet(const KeyMap *m, const char *key, int len)
{
	uint32		h = hash_bytes((const unsigned char *) key, len);
	const KeyMapEntry *e;

	for (e = &m->slots[h & (m->cap - 1)]; e->key != NULL;
		 e = e + 1 == m->slots + m->cap ? m->slots : e + 1)
		if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0)
			return e->val;
	return -1;
}

static void
KeyMapGrow(KeyMap *m)
{
	KeyMap		old = *m;

	KeyMapInit(m, old.cap);
	for (int i = 0; i < old.cap; i++)
		if (old.slots[i].key != NULL)
		{
			bool		found;

			*KeyMapSlot(m, old.slots[i].key, old.slots[i].len, &found) = old.slots[i].val;
		}
	pfree(old.slots);
}

/* ---- growing lists of int64 ---------------------------------------------- */

void
Int64Add(Int64List *l, int64 x)
{
	if (l->n == l->cap)
	{
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = l->v ? repalloc_huge(l->v, l->cap * sizeof(int64))
			: MemoryContextAllocHuge(l->cxt ? l->cxt : CurrentMemoryContext, l->cap * sizeof(int64));
	}
	l->v[l->n++] = x;
}

int
Int64Cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* Sort and drop repeats. */
void
Int64Unique(Int64List *l)
{
	int			m = 0;

	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof(int64), Int64Cmp);
	for (int i = 0; i < l->n; i++)
		if (m == 0 || l->v[m - 1] != l->v[i])
			l->v[m++] = l->v[i];
	l->n = m;
}

