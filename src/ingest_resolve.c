/*
 * ingest_resolve.c
 *	  Steps 1 to 3 of ingest (ingest.h): the milestones and code-map rows
 *	  the elements name, their content hashes and event keys, and the
 *	  shipments their references find.
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "port/pg_bswap.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/varlena.h"

#include "ingest.h"
#include "reference.h"

static void
RejectElem(Elem *e, const char *reason)
{
	e->ok = false;
	e->reject = reason;
}


/* ---- 1. vocabulary --------------------------------------------------------- */

/* The row of cbl.code_map a code-map key found. */
typedef struct MapRow
{
	bool		found;
	const char *milestone;
	int16		id;
	const char *classifier;
	const char *reason_code;
} MapRow;

/* Part of a composite key: the string and a NUL (no string holds one). */
static void
KeyPart(StringInfo buf, const char *s)
{
	if (s != NULL)
		appendStringInfoString(buf, s);
	appendStringInfoChar(buf, '\0');
}

void
ResolveVocabulary(Ingest *in, Chunk *c)
{
	KeyMap		names;
	KeyMap		maps;
	Col			ncol;
	Col			mcols[4];
	int		   *name_of = palloc(Max(c->nelems, 1) * sizeof(int));
	int		   *map_of = palloc(Max(c->nelems, 1) * sizeof(int));
	const char **name_code;
	int16	   *name_id;
	MapRow	   *map_row;
	int		   *map_name;

	KeyMapInit(&names, 64);
	KeyMapInit(&maps, 64);
	ColInit(&ncol, TEXTOID, c->nelems);
	for (int k = 0; k < 4; k++)
		ColInit(&mcols[k], TEXTOID, c->nelems);

	for (int i = 0; i < c->nelems; i++)
	{
		Elem	   *e = &c->elems[i];
		bool		found;
		int		   *slot;

		name_of[i] = map_of[i] = -1;
		if (!e->ok)
			continue;
		if (e->milestone_in == NULL && e->standard == NULL)
			continue;			/* only a reason code: nothing to look up */
		if (e->milestone_in != NULL)
		{
			slot = KeyMapSlot(&names, e->milestone_in, strlen(e->milestone_in), &found);
			if (!found)
			{
				*slot = ncol.n;
				ColText(&ncol, e->milestone_in);
			}
			name_of[i] = *slot;
		}
		else
		{
			/* version and qualifier: NULL and '' mean the same (any) */
			StringInfoData key;

			initStringInfo(&key);
			KeyPart(&key, e->standard);
			KeyPart(&key, e->code);
			KeyPart(&key, e->version);
			KeyPart(&key, e->qualifier);
			slot = KeyMapSlot(&maps, key.data, key.len, &found);
			if (!found)
			{
				*slot = mcols[0].n;
				ColText(&mcols[0], e->standard);
				ColText(&mcols[1], e->code);
				ColText(&mcols[2], e->version);
				ColText(&mcols[3], e->qualifier);
			}
			map_of[i] = *slot;
		}
	}

	/* the code map first: the milestones it names are looked up with the others */
	map_row = palloc0(Max(mcols[0].n, 1) * sizeof(*map_row));
	map_name = palloc(Max(mcols[0].n, 1) * sizeof(int));
	if (mcols[0].n > 0)
	{
		Run(Q_CODE_MAP, in->state_type, mcols, 4, SPI_OK_SELECT);
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			bool		isnull;
			int			i = GetInt32(r, 1, &isnull) - 1;

			map_row[i].found = true;
			map_row[i].milestone = GetText(r, 2);
			map_row[i].classifier = GetText(r, 3);
			map_row[i].reason_code = GetText(r, 4);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	for (int i = 0; i < mcols[0].n; i++)
	{
		const char *code = map_row[i].milestone;
		bool		found;
		int		   *slot;

		map_name[i] = -1;
		if (code == NULL)
			continue;
		slot = KeyMapSlot(&names, code, strlen(code), &found);
		if (!found)
		{
			*slot = ncol.n;
			ColText(&ncol, code);
		}
		map_name[i] = *slot;
	}

	/*
	 * The milestones.  One deleted meanwhile cannot be among them: its
	 * deletion waits for this call to end (it locks cbl.event in SHARE mode,
	 * cbl.milestone_delete_check; this call holds ROW EXCLUSIVE from its
	 * start), or this call waits for its deletion to commit.
	 */
	name_code = palloc0(Max(ncol.n, 1) * sizeof(char *));
	name_id = palloc0(Max(ncol.n, 1) * sizeof(int16));
	if (ncol.n > 0)
	{
		Run(Q_MILESTONE, in->state_type, &ncol, 1, SPI_OK_SELECT);
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			bool		isnull;
			int			i = GetInt32(r, 1, &isnull) - 1;

			name_code[i] = GetText(r, 2);
			name_id[i] = (int16) GetInt32(r, 3, &isnull);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	for (int i = 0; i < mcols[0].n; i++)
		if (map_name[i] >= 0)
		{
			map_row[i].milestone = name_code[map_name[i]];
			map_row[i].id = name_id[map_name[i]];
		}

	for (int i = 0; i < c->nelems; i++)
	{
		Elem	   *e = &c->elems[i];

		if (!e->ok)
			continue;
		e->classifier = e->classifier_in;
		e->reason_code = e->reason_code_in;
		if (name_of[i] < 0 && map_of[i] < 0)
		{
			/* a reason event given as such (canonical JSON): no milestone */
			e->milestone = NULL;
			if (e->classifier == NULL)
				e->classifier = "ACT";
		}
		else if (name_of[i] >= 0)
		{
			e->milestone = name_code[name_of[i]];
			e->milestone_id = name_id[name_of[i]];
			if (e->milestone == NULL)
				RejectElem(e, psprintf("Unknown milestone \"%s\"; table cbl.milestone lists them.",
									   e->milestone_in));
		}
		else
		{
			const MapRow *m = &map_row[map_of[i]];

			if (m->found)
			{
				e->milestone = m->milestone;
				e->milestone_id = m->id;
				if (e->classifier == NULL)
					e->classifier = m->classifier;
				if (e->reason_code == NULL)
					e->reason_code = m->reason_code;
			}
			if (m->found && m->milestone == NULL && m->reason_code != NULL)
			{
				/*
				 * Not a milestone (a hold, a delay, a document step): an
				 * event that carries the map's reason code, which says what
				 * happened (a reason the message gives besides yields to it).
				 * The state ignores it; exceptions read it.
				 */
				e->reason_code = m->reason_code;
				if (e->classifier == NULL)
					e->classifier = "ACT";
			}
			else if (e->milestone == NULL)
				RejectElem(e, psprintf("No milestone is mapped to %s code \"%s\"%s in cbl.code_map.",
									   e->standard, e->code,
									   e->qualifier ? psprintf(" (qualifier \"%s\")", e->qualifier) : ""));
			else if (e->classifier == NULL)
				RejectElem(e, psprintf("Give \"classifier\": cbl.code_map has none for %s code \"%s\".",
									   e->standard, e->code));
		}
	}
}

/* ---- 2. hashes ------------------------------------------------------------- */

static void
HashField(StringInfo buf, const char *s)
{
	if (s == NULL)
		appendStringInfoChar(buf, '\2');
	else
	{
		appendStringInfoChar(buf, '\1');
		appendBinaryStringInfo(buf, s, strlen(s) + 1);	/* with its NUL: no string holds one */
	}
}

/*
 * The content hash: 128 bits (two seeds of hash_bytes_extended) of an
 * unambiguous serialisation of the content: milestone, classifier, times,
 * location, reason code, retraction, partial and payload (compact JSON with
 * sorted keys), as hex into out.  The times include updated_at, given
 * apart so that a version can be hashed as if issued when another was
 * (Classify: the same content issued earlier is no conflict).
 */
void
ContentHashAs(const Elem *e, bool has_updated_at, TimestampTz updated_at, StringInfo buf, char *out)
{
	uint64		h1,
				h2;
	int64		t;

	resetStringInfo(buf);
	HashField(buf, e->milestone);
	HashField(buf, e->classifier);
	t = e->occurred_at;
	appendBinaryStringInfo(buf, (char *) &t, sizeof(t));
	appendStringInfoChar(buf, has_updated_at ? '\1' : '\2');
	t = has_updated_at ? updated_at : 0;
	appendBinaryStringInfo(buf, (char *) &t, sizeof(t));
	HashField(buf, e->location);
	HashField(buf, e->reason_code);
	appendStringInfoChar(buf, e->retracted ? 't' : 'f');
	appendStringInfoChar(buf, e->partial ? 't' : 'f');
	HashField(buf, e->payload);
	h1 = hash_bytes_extended((const unsigned char *) buf->data, buf->len, INT64CONST(0x63626c2d636f6e74));
	h2 = hash_bytes_extended((const unsigned char *) buf->data, buf->len, INT64CONST(0x656e742d68617368));
	/* hex of the big-endian bytes: what "%016llx%016llx" prints */
	h1 = pg_hton64(h1);
	h2 = pg_hton64(h2);
	hex_encode((const char *) &h1, sizeof(h1), out);
	hex_encode((const char *) &h2, sizeof(h2), out + 16);
	out[HASH_LEN] = '\0';
}

/*
 * An element's content hash (same identity and same hash: a duplicate),
 * and its event key, hashtextextended(source || U+001F || event_id, 0).
 */
void
HashElem(Elem *e, StringInfo buf)
{
	ContentHashAs(e, e->has_updated_at, e->updated_at, buf, e->hash);

	resetStringInfo(buf);
	appendStringInfoString(buf, e->source);
	appendStringInfoChar(buf, '\x1f');
	appendStringInfoString(buf, e->event_id);
	e->event_key = (int64) hash_bytes_extended((const unsigned char *) buf->data, buf->len, 0);
}

/* ---- 3. shipments ---------------------------------------------------------- */

typedef struct LookupRow
{
	RefKind		kind;
	int64		shipment_id;
	int			next;			/* the next row with the same value, or -1 */
} LookupRow;

/* A distinct look-up value of the chunk and the rows the index has for it. */
typedef struct LookupValue
{
	const char *value;
	int			len;
	int			rows;			/* first LookupRow, or -1 */
} LookupValue;

/* Byte order of two LookupValues by number (the sort is for locality only). */
static int
LookupValueCmp(const void *a, const void *b, void *arg)
{
	const LookupValue *x = &((const LookupValue *) arg)[*(const int *) a];
	const LookupValue *y = &((const LookupValue *) arg)[*(const int *) b];
	int			r = memcmp(x->value, y->value, Min(x->len, y->len));

	return r != 0 ? r : (x->len > y->len) - (x->len < y->len);
}

static int
TargetCmp(const void *a, const void *b)
{
	const Target *x = a;
	const Target *y = b;

	return (x->shipment_id > y->shipment_id) - (x->shipment_id < y->shipment_id);
}

/* The references an element names: one, or several separated by U+001F. */
static List *
SplitRefs(const char *shipment)
{
	List	   *refs = NIL;
	const char *p = shipment;

	if (strchr(shipment, '\x1f') == NULL)
		return list_make1((char *) shipment);
	for (;;)
	{
		const char *sep = strchr(p, '\x1f');

		refs = lappend(refs, sep ? pnstrdup(p, sep - p) : (char *) p);
		if (sep == NULL)
			return refs;
		p = sep + 1;
	}
}

/*
 * Each element's shipments: a reference matches a cbl.reference_lookup row
 * whose value is one of its look-up values and is what
 * cbl.canonical_reference gives for the row's kind.  An element naming
 * several references goes once to each distinct shipment, remembering the
 * least reference (in the database's collation) that found it.
 */
void
ResolveShipments(Ingest *in, Chunk *c)
{
	KeyMap		value_map;		/* look-up value -> LookupValue */
	KeyMap		shipments;
	LookupValue *values = palloc(Max(c->nelems, 1) * sizeof(LookupValue));
	int			nvalues = 0,
				vcap = Max(c->nelems, 1);
	RefForms  **forms = palloc0(Max(c->nelems, 1) * sizeof(RefForms *));
	int		   *nforms = palloc0(Max(c->nelems, 1) * sizeof(int));
	int		   *first_of = palloc(Max(c->nelems, 1) * sizeof(int));	/* the first element naming the same */
	LookupRow  *rows = NULL;
	int			tcap;

	KeyMapInit(&value_map, c->nelems * 2);
	KeyMapInit(&shipments, c->nelems);
	for (int i = 0; i < c->nelems; i++)
	{
		Elem	   *e = &c->elems[i];
		List	   *refs;
		ListCell   *lc;
		int			k = 0;
		bool		seen;
		int		   *first;

		if (!e->ok)
			continue;
		/* a batch names far fewer shipments than it has elements: forms once per text */
		first = KeyMapSlot(&shipments, e->shipment, strlen(e->shipment), &seen);
		first_of[i] = seen ? *first : i;
		if (seen)
			continue;
		*first = i;
		refs = SplitRefs(e->shipment);
		forms[i] = palloc(list_length(refs) * sizeof(RefForms));
		nforms[i] = list_length(refs);
		foreach(lc, refs)
		{
			RefForms   *f = &forms[i][k++];

			RefFormsOf(f, lfirst(lc));
			for (int j = 0; j < 4 && f->cand[j] != NULL; j++)
			{
				int			len = strlen(f->cand[j]);
				bool		found;
				int		   *v = KeyMapSlot(&value_map, f->cand[j], len, &found);

				if (!found)
				{
					if (nvalues == vcap)
					{
						vcap *= 2;
						values = repalloc_huge(values, vcap * sizeof(LookupValue));
					}
					values[nvalues].value = f->cand[j];
					values[nvalues].len = len;
					values[nvalues].rows = -1;
					*v = nvalues++;
				}
				f->value[j] = *v;
			}
		}
		list_free(refs);
	}

	StepDone("ref-forms");
	/* every look-up row of every value, chained by value */
	if (nvalues > 0)
	{
		Probe		p;
		Oid			procs[1] = {F_TEXTEQ};
		int			nrows = 0,
					cap = nvalues + 16;
		int		   *order = palloc(nvalues * sizeof(int));

		/* in key order: neighbouring probes share index pages */
		for (int v = 0; v < nvalues; v++)
			order[v] = v;
		qsort_arg(order, nvalues, sizeof(int), LookupValueCmp, values);
		/* (value) INCLUDE (kind, shipment_id): index-only */
		ProbeOpen(&p, "reference_lookup", "reference_lookup_value_idx", 1, procs);
		if ((p.byquery ? p.nindexatts : IndexRelationGetNumberOfAttributes(p.index)) != 3)
			elog(ERROR, "index cbl.reference_lookup_value_idx must be on (value) INCLUDE (kind, shipment_id)");
		if (!p.byquery)
			p.scan->xs_want_itup = true;
		rows = palloc(cap * sizeof(LookupRow));
		for (int o = 0; o < nvalues; o++)
		{
			LookupValue *lv = &values[order[o]];
			Datum		key = PointerGetDatum(cstring_to_text_with_len(lv->value, lv->len));
			Datum		itup[3];
			bool		itup_null[3];

			ProbeKeys(&p, &key);
			while (ProbeNextIndexOnly(&p, itup, itup_null))
			{
				text	   *kind = DatumGetTextPP(itup[1]);

				if (nrows == cap)
				{
					cap *= 2;
					rows = repalloc_huge(rows, cap * sizeof(LookupRow));
				}
				rows[nrows].kind = ReferenceKindOf(VARDATA_ANY(kind), VARSIZE_ANY_EXHDR(kind));
				rows[nrows].shipment_id = DatumGetInt64(itup[2]);
				rows[nrows].next = lv->rows;
				lv->rows = nrows++;
			}
			pfree(DatumGetPointer(key));
		}
		ProbeClose(&p);
	}
	StepDone("ref-probe");
	tcap = c->nelems + 16;
	c->targets = MemoryContextAllocHuge(CurrentMemoryContext, tcap * sizeof(Target));
	c->ntargets = 0;
	for (int i = 0; i < c->nelems; i++)
	{
		Elem	   *e = &c->elems[i];
		int			first = c->ntargets;

		e->first_target = first;
		e->ntargets = 0;
		if (!e->ok)
			continue;
		if (first_of[i] != i)
		{
			/* the same text as an element before: the same shipments, by the same references */
			const Elem *f = &c->elems[first_of[i]];

			if (c->ntargets + f->ntargets > tcap)
			{
				tcap = (c->ntargets + f->ntargets) * 2;
				c->targets = repalloc_huge(c->targets, tcap * sizeof(Target));
			}
			for (int t = 0; t < f->ntargets; t++)
			{
				c->targets[c->ntargets] = c->targets[f->first_target + t];
				c->targets[c->ntargets].elem = i;
				c->ntargets++;
			}
			e->ntargets = f->ntargets;
			continue;
		}
		for (int k = 0; k < nforms[i]; k++)
		{
			const RefForms *f = &forms[i][k];

			for (int j = 0; j < 4 && f->cand[j] != NULL; j++)
				for (int r = values[f->value[j]].rows; r >= 0; r = rows[r].next)
				{
					const char *canon = RefFormFor(f, rows[r].kind);
					int			t;

					if (canon == NULL || strcmp(canon, f->cand[j]) != 0)
						continue;
					/* the same shipment through another reference: keep the least */
					for (t = first; t < c->ntargets; t++)
						if (c->targets[t].shipment_id == rows[r].shipment_id)
							break;
					if (t < c->ntargets)
					{
						const char *old = c->targets[t].ref;

						if (varstr_cmp(f->ref, strlen(f->ref), old, strlen(old), DEFAULT_COLLATION_OID) < 0)
							c->targets[t].ref = f->ref;
						continue;
					}
					if (c->ntargets == tcap)
					{
						tcap *= 2;
						c->targets = repalloc_huge(c->targets, tcap * sizeof(Target));
					}
					memset(&c->targets[c->ntargets], 0, sizeof(Target));
					c->targets[c->ntargets].elem = i;
					c->targets[c->ntargets].shipment_id = rows[r].shipment_id;
					c->targets[c->ntargets].ref = f->ref;
					c->ntargets++;
				}
		}
		e->ntargets = c->ntargets - first;
		if (e->ntargets > 1)
			qsort(&c->targets[first], e->ntargets, sizeof(Target), TargetCmp);
	}
}

