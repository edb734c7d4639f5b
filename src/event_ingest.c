/*
 * event_ingest.c
 *	  cbl.ingest_events(jsonb | text) and IngestParsedEvents(): the batch is
 *	  parsed element by element (event_parse.c, jansson), resolved and
 *	  classified here in C, and written with a fixed number of set-based
 *	  statements (SPI, arrays in, no statement per element).
 *
 * docs/milestones.md states the semantics; docs/performance.md measures
 * them.  For each chunk of the batch (all of it, unless it is very large):
 *
 *	 1. vocabulary: the distinct milestone names and code-map keys of the
 *		chunk, one query each; elements that name no milestone are rejects
 *	 2. content hash and event key of every element, in C
 *	 3. shipments: the candidate canonical forms of every reference (C, the
 *		identifier parsers of check_digit.c), one query on
 *		cbl.reference_lookup, then the kind check in C
 *	 4. advisory locks on the buckets of the shipments, in bucket order
 *	 5. one query for what cbl.event holds of the chunk's identities
 *		(shipment, source, event_id); then every element is classified in C
 *	 6. inserts from arrays: events, conflicts, pending events, rejects
 *	 7. states: the new events of shipments that only gained events, merged
 *		in C into one state per shipment, then one upsert that joins them to
 *		the stored states (the merge is a semilattice join)
 *
 * and at the end of the call the states of shipments whose events were
 * revised or retracted are derived again from their history
 * (cbl.derive_states), and cbl.states_changed() gets the set of shipments
 * whose stored state changed: the one place where what follows a state
 * change (notifications) happens.
 *
 * Memory.  A batch is read one element at a time and kept as compact
 * records; a batch of more than INGEST_CHUNK elements is cut into
 * partitions by a hash of the identity (source, event_id), so every version
 * of an event lands in the same partition and is classified together, as
 * in one chunk.  Each partition is read again from the batch (the stream
 * keeps only each element's place in the text), so memory stays that of
 * one chunk plus a few bytes per element.
 */
#include "postgres.h"

#include <sys/resource.h>

#include "access/genam.h"
#include "access/relscan.h"
#include "access/visibilitymap.h"
#include "storage/bufmgr.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "check_digit.h"
#include "event_ingest.h"
#include "milestone_state.h"
#include "state_access.h"

PG_FUNCTION_INFO_V1(cbl_ingest_events_text);
PG_FUNCTION_INFO_V1(cbl_ingest_events_jsonb);

/* Elements per chunk: a batch up to this size is classified in one go. */
#define INGEST_CHUNK		50000

/* Advisory locks: (LOCK_SPACE, bucket of the shipment id), 512 buckets. */
#define LOCK_SPACE			1667392049
#define LOCK_BUCKETS		512

#define HASH_LEN			32	/* content hash: 128 bits as hex */

/* ---- records ------------------------------------------------------------- */

/* One batch element. */
typedef struct Elem
{
	int32		position;		/* from 1 */
	bool		ok;				/* false: reject says why */
	const char *reject;
	const char *raw;			/* the element as sent, or NULL: see RawOf() */
	size_t		offset;			/* stream: its bytes in the text */
	size_t		length;

	const char *source;
	const char *event_id;
	const char *shipment;		/* one reference, or several separated by \x1f */
	const char *milestone_in;	/* as given, or NULL with standard + code */
	const char *standard;
	const char *code;
	const char *version;
	const char *qualifier;
	const char *classifier_in;	/* NULL: the code map's */
	TimestampTz occurred_at;
	TimestampTz updated_at;
	bool		has_updated_at;
	bool		retracted;
	bool		partial;
	const char *location;
	const char *reason_code_in;
	const char *payload;

	/* resolved */
	const char *milestone;		/* canonical code */
	int16		milestone_id;
	const char *classifier;		/* PLN, EST or ACT */
	const char *reason_code;
	int64		event_key;
	char		hash[HASH_LEN + 1];
	int			first_target;	/* its (element, shipment) rows */
	int			ntargets;
} Elem;

/* One element for one shipment: what is classified. */
typedef struct Target
{
	int			elem;
	int64		shipment_id;
	const char *ref;			/* the reference that found the shipment */
	int			identity;
	char		outcome;		/* see OUT_* */
	int32		revision;		/* the revision written */
	int32		rank;			/* among the fresh contents of its identity, from 1 */
} Target;

#define OUT_DUPLICATE	'd'
#define OUT_ACCEPTED	'a'
#define OUT_UPDATED		'u'
#define OUT_RETRACTED	'r'
#define OUT_CONFLICT	'c'

/* (shipment, source, event_id) and what cbl.event holds of it. */
typedef struct Identity
{
	int64		shipment_id;
	const char *source;
	const char *event_id;
	int32		max_rev;		/* 0: nothing stored */
	TimestampTz cur_updated_at; /* of the highest revision */
	bool		cur_has_updated_at;
	bool		was_retracted;
	int			first_hash;		/* the stored content hashes, in hashes[] */
	int			nhashes;
	int			first_target;	/* its targets, in order[] */
	int			ntargets;
} Identity;

static void StepDone(const char *step);

/* ---- a small hash map: bytes -> int -------------------------------------- */

typedef struct KeyMap
{
	int			cap;			/* a power of 2 */
	int			n;
	uint32	   *hashes;
	const char **keys;
	int		   *lens;
	int		   *vals;
} KeyMap;

static void
KeyMapInit(KeyMap *m, int expected)
{
	int			cap = 16;

	while (cap < expected * 2)
		cap *= 2;
	m->cap = cap;
	m->n = 0;
	m->hashes = palloc(cap * sizeof(uint32));
	m->keys = palloc0(cap * sizeof(char *));
	m->lens = palloc(cap * sizeof(int));
	m->vals = palloc(cap * sizeof(int));
}

static void KeyMapGrow(KeyMap *m);

/*
 * The value slot of key (which must outlive the map); *found says whether
 * it was there.  A new slot holds -1.
 */
static int *
KeyMapSlot(KeyMap *m, const char *key, int len, bool *found)
{
	uint32		h;
	int			i;

	if ((m->n + 1) * 2 > m->cap)
		KeyMapGrow(m);
	h = hash_bytes((const unsigned char *) key, len);
	i = h & (m->cap - 1);
	while (m->keys[i] != NULL)
	{
		if (m->hashes[i] == h && m->lens[i] == len && memcmp(m->keys[i], key, len) == 0)
		{
			*found = true;
			return &m->vals[i];
		}
		i = (i + 1) & (m->cap - 1);
	}
	m->keys[i] = key;
	m->hashes[i] = h;
	m->lens[i] = len;
	m->vals[i] = -1;
	m->n++;
	*found = false;
	return &m->vals[i];
}

/* KeyMapSlot for a key that does not outlive the call: copied if new. */
static int *
KeyMapSlotCopy(KeyMap *m, const char *key, int len, bool *found)
{
	int		   *slot = KeyMapSlot(m, key, len, found);

	if (!*found)
	{
		int			i = slot - m->vals;

		m->keys[i] = memcpy(palloc(len + 1), key, len);
	}
	return slot;
}

static int
KeyMapGet(const KeyMap *m, const char *key, int len)
{
	uint32		h = hash_bytes((const unsigned char *) key, len);
	int			i = h & (m->cap - 1);

	while (m->keys[i] != NULL)
	{
		if (m->hashes[i] == h && m->lens[i] == len && memcmp(m->keys[i], key, len) == 0)
			return m->vals[i];
		i = (i + 1) & (m->cap - 1);
	}
	return -1;
}

static void
KeyMapGrow(KeyMap *m)
{
	KeyMap		old = *m;

	KeyMapInit(m, old.cap);
	for (int i = 0; i < old.cap; i++)
		if (old.keys[i] != NULL)
		{
			bool		found;

			*KeyMapSlot(m, old.keys[i], old.lens[i], &found) = old.vals[i];
		}
	pfree(old.hashes);
	pfree(old.keys);
	pfree(old.lens);
	pfree(old.vals);
}

/* ---- growing arrays of int64 --------------------------------------------- */

typedef struct Int64List
{
	int64	   *v;
	int			n;
	int			cap;
	MemoryContext cxt;			/* where it lives; NULL: the current one */
} Int64List;

static void
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

static int
Int64Cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* Sort and drop repeats. */
static void
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

/* ---- SPI arguments: one array per column ---------------------------------- */

typedef struct Col
{
	Oid			type;
	Datum	   *v;
	bool	   *isnull;
	int			n;
} Col;

static void
ColInit(Col *c, Oid type, int cap)
{
	c->type = type;
	c->v = palloc(Max(cap, 1) * sizeof(Datum));
	c->isnull = palloc(Max(cap, 1) * sizeof(bool));
	c->n = 0;
}

static void
ColDatum(Col *c, Datum d, bool isnull)
{
	c->v[c->n] = d;
	c->isnull[c->n] = isnull;
	c->n++;
}

static void
ColText(Col *c, const char *s)
{
	ColDatum(c, s ? CStringGetTextDatum(s) : (Datum) 0, s == NULL);
}

static Datum
ColArray(Col *c)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			dims[1] = {c->n};
	int			lbs[1] = {1};

	get_typlenbyvalalign(c->type, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_md_array(c->v, c->isnull, 1, dims, lbs, c->type,
											  typlen, typbyval, typalign));
}

/* ---- prepared statements --------------------------------------------------- */

typedef enum
{
	Q_MILESTONE, Q_CODE_MAP, Q_EVENT, Q_CONFLICT, Q_PENDING, Q_REJECT, Q_SOURCE, Q_STATE_UPDATE,
	Q_STATE_INSERT, Q_DERIVE, Q_ANNOUNCE, Q_CHANGED, N_QUERIES
} QueryId;

/* The columns of a cbl.ingest_row that conflicts, pending events and rejects use. */
#define ROW_ARGS \
	"$1::int4[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::text[], $7::text[], " \
	"$8::timestamptz[], $9::timestamptz[], $10::text[], $11::text[], $12::bool[], $13::bool[], " \
	"$14::text[], $15::text[], $16::int8[]"
#define ROW_COLUMNS \
	"u(position, source, event_id, shipment_ref, shipment_id, milestone, classifier, occurred_at, " \
	"updated_at, location, reason_code, retracted, partial, payload, content_hash, event_key"
#define ROW_VALUE \
	"ROW(u.position, u.source, u.event_id, u.shipment_ref, u.shipment_id, u.milestone, u.classifier, " \
	"u.occurred_at, u.updated_at, u.location, u.reason_code, u.retracted, u.partial, u.payload::jsonb, " \
	"NULL, NULL, u.content_hash, u.event_key)::cbl.ingest_row"
#define N_ROW_ARGS 16

typedef struct QueryDef
{
	const char *sql;
	int			nargs;
	Oid			argtypes[18];	/* InvalidOid: cbl.milestone_state[] */
	bool		rowset;			/* no arguments: its rows come from cbl.ingest_rowset() */
	bool		replan;			/* planned at every run, not once */
} QueryDef;

static const QueryDef query_defs[N_QUERIES] = {
	[Q_MILESTONE] = {
		"SELECT u.i::int4, m.code, m.id::int4 "
		"FROM unnest($1::text[]) WITH ORDINALITY u(x, i) "
		"JOIN cbl.milestone m ON m.code = upper(u.x) "
		"FOR KEY SHARE OF m",
		1, {TEXTARRAYOID}
	},
	/* the most specific row: exact qualifier before '', then exact version */
	[Q_CODE_MAP] = {
		"SELECT u.i::int4, cm.milestone, cm.classifier, cm.reason_code "
		"FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY "
		"     u(standard, code, version, qualifier, i) "
		"CROSS JOIN LATERAL ("
		"  SELECT c.milestone, c.classifier, c.reason_code FROM cbl.code_map c "
		"   WHERE c.standard = u.standard AND c.code = u.code "
		"     AND c.version IN (coalesce(u.version, ''), '') AND c.qualifier IN (coalesce(u.qualifier, ''), '') "
		"   ORDER BY c.qualifier = '', c.version = '' LIMIT 1) cm",
		4, {TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID}
	},
	[Q_EVENT] = {
		"INSERT INTO cbl.event (shipment_id, source, event_id, revision, milestone, classifier, occurred_at, "
		"  updated_at, location, reason_code, retracted, partial, payload, shipment_ref, content_hash, event_key) "
		"SELECT u.shipment_id, u.source, u.event_id, u.revision, u.milestone, u.classifier, u.occurred_at, "
		"  u.updated_at, u.location, u.reason_code, u.retracted, u.partial, u.payload::jsonb, u.shipment_ref, "
		"  u.content_hash, u.event_key "
		"FROM cbl.ingest_rowset() AS u(shipment_id int8, source text, event_id text, revision int4, milestone text, "
		"  classifier text, occurred_at timestamptz, updated_at timestamptz, location text, reason_code text, "
		"  retracted bool, partial bool, payload text, shipment_ref text, content_hash text, event_key int8)",
		0, {0}, true
	},
	[Q_CONFLICT] = {
		"INSERT INTO cbl.event_conflict (shipment_id, source, event_id, stored_revision, incoming, reason) "
		"SELECT u.shipment_id, u.source, u.event_id, u.stored_revision, cbl.ingest_row_json(" ROW_VALUE "), u.reason "
		"FROM unnest(" ROW_ARGS ", $17::int4[], $18::text[]) " ROW_COLUMNS ", stored_revision, reason)",
		18, {INT4ARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT8ARRAYOID, TEXTARRAYOID,
			TEXTARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
			BOOLARRAYOID, BOOLARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT8ARRAYOID, INT4ARRAYOID,
		TEXTARRAYOID}
	},
	/* a copy sent again is kept once: the first in the batch */
	[Q_PENDING] = {
		"INSERT INTO cbl.event_pending (source, event_id, content_hash, shipment_ref, element) "
		"SELECT DISTINCT ON (u.source, u.event_id, u.content_hash) "
		"       u.source, u.event_id, u.content_hash, u.shipment_ref, cbl.ingest_row_json(" ROW_VALUE ") "
		"FROM unnest(" ROW_ARGS ") " ROW_COLUMNS ") "
		"ORDER BY u.source, u.event_id, u.content_hash, u.position "
		"ON CONFLICT DO NOTHING",
		16, {INT4ARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT8ARRAYOID, TEXTARRAYOID,
			TEXTARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
		BOOLARRAYOID, BOOLARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT8ARRAYOID}
	},
	/* an element whose parser gave no text of it keeps it as a canonical event */
	[Q_REJECT] = {
		"INSERT INTO cbl.event_reject (position, reason, element) "
		"SELECT u.position, u.reason, coalesce(u.raw, cbl.ingest_row_json(" ROW_VALUE ")::text) "
		"FROM unnest(" ROW_ARGS ", $17::text[], $18::text[]) " ROW_COLUMNS ", reason, raw) "
		"ORDER BY u.position",
		18, {INT4ARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT8ARRAYOID, TEXTARRAYOID,
			TEXTARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
			BOOLARRAYOID, BOOLARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT8ARRAYOID, TEXTARRAYOID,
		TEXTARRAYOID}
	},
	[Q_SOURCE] = {
		"SELECT s.code, s.priority FROM cbl.source s WHERE s.code = ANY ($1::text[])",
		1, {TEXTARRAYOID}
	},
	/*
	 * by the row versions just read under the shipments' locks: no second
	 * index probe; planned afresh each time (no arguments), so that a plan
	 * made while the table was small never outlives it
	 */
	[Q_STATE_UPDATE] = {
		"UPDATE cbl.shipment_state ss SET state = u.state, changed_at = now() "
		"FROM cbl.ingest_rowset() AS u(tid tid, state cbl.milestone_state) "
		"WHERE ss.ctid = u.tid",
		0, {0}, true, true
	},
	[Q_STATE_INSERT] = {
		"INSERT INTO cbl.shipment_state (shipment_id, state) "
		"SELECT u.shipment_id, u.state FROM cbl.ingest_rowset() AS u(shipment_id int8, state cbl.milestone_state)",
		0, {0}, true
	},
	[Q_DERIVE] = {
		"SELECT cbl.derive_states($1::int8[])",
		1, {INT8ARRAYOID}
	},
	[Q_ANNOUNCE] = {
		"SELECT cbl.announce_states($1::int8[])",
		1, {INT8ARRAYOID}
	},
	[Q_CHANGED] = {
		"SELECT cbl.states_changed($1::int8[])",
		1, {INT8ARRAYOID}
	},
};

static SPIPlanPtr plans[N_QUERIES];
static Oid	plans_state_type = InvalidOid;	/* cbl.milestone_state when they were prepared */

/* cbl.milestone_state's OID (looked up every call: the extension may be re-created). */
static Oid
StateTypeOid(void)
{
	Oid			nsp = get_namespace_oid("cbl", false);
	Oid			typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
										CStringGetDatum("milestone_state"), ObjectIdGetDatum(nsp));

	if (!OidIsValid(typid))
		elog(ERROR, "type cbl.milestone_state does not exist");
	return typid;
}

/*
 * The plan of a query, prepared once per backend.  Generic plans always:
 * an array parameter's size is unknown to them, so they keep the per-row
 * index probes of the identity and reference look-ups whatever the batch
 * size (a custom plan sized for 10 000 rows may hash all of cbl.event).
 */
static SPIPlanPtr
QueryPlan(QueryId q, Oid state_type)
{
	if (plans_state_type != state_type)
	{
		/* the extension was created anew: so was the type */
		for (int i = 0; i < N_QUERIES; i++)
			if (plans[i] != NULL)
			{
				SPI_freeplan(plans[i]);
				plans[i] = NULL;
			}
		plans_state_type = state_type;
	}
	if (plans[q] == NULL)
	{
		const QueryDef *d = &query_defs[q];
		Oid			argtypes[18];
		SPIPlanPtr	p;

		for (int i = 0; i < d->nargs; i++)
			argtypes[i] = OidIsValid(d->argtypes[i]) ? d->argtypes[i] : get_array_type(state_type);
		p = SPI_prepare_cursor(d->sql, d->nargs, argtypes,
							   d->replan ? CURSOR_OPT_CUSTOM_PLAN : CURSOR_OPT_GENERIC_PLAN);
		if (p == NULL)
			elog(ERROR, "could not prepare an ingest statement: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		plans[q] = p;
	}
	return plans[q];
}

/*
 * The rows of the statement being run, for cbl.ingest_rowset(): a wide
 * batch of rows costs less as a set function's rows than as one array per
 * column (unnest of 16 arrays cost as much as the insert they fed).
 */
static Col *rowset = NULL;
static int	rowset_ncols = 0;

PG_FUNCTION_INFO_V1(cbl_ingest_rowset);

Datum
cbl_ingest_rowset(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	desc;
	Datum	   *values;
	bool	   *nulls;
	int			n;

	if (rowset == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cbl.ingest_rowset() is only for cbl.ingest_events")));
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	desc = rsinfo->setDesc;
	if (desc->natts != rowset_ncols)
		elog(ERROR, "cbl.ingest_rowset(): %d columns asked for, %d given", desc->natts, rowset_ncols);
	for (int k = 0; k < rowset_ncols; k++)
		if (TupleDescAttr(desc, k)->atttypid != rowset[k].type)
			elog(ERROR, "cbl.ingest_rowset(): column %d has the wrong type", k + 1);
	n = rowset_ncols > 0 ? rowset[0].n : 0;
	values = palloc(Max(rowset_ncols, 1) * sizeof(Datum));
	nulls = palloc(Max(rowset_ncols, 1) * sizeof(bool));
	for (int i = 0; i < n; i++)
	{
		for (int k = 0; k < rowset_ncols; k++)
		{
			values[k] = rowset[k].v[i];
			nulls[k] = rowset[k].isnull[i];
		}
		tuplestore_putvalues(rsinfo->setResult, desc, values, nulls);
	}
	return (Datum) 0;
}

/* Run query q with these columns as its arguments (arrays) or rows (rowset). */
static void
Run(QueryId q, Oid state_type, Col *cols, int ncols, int expect)
{
	Datum		args[18];
	char		nulls[18];
	volatile int ret = 0;
	MemoryContext cxt = CurrentMemoryContext;

	if (query_defs[q].rowset)
	{
		SPIPlanPtr	plan = QueryPlan(q, state_type);

		rowset = cols;
		rowset_ncols = ncols;
		PG_TRY();
		{
			ret = SPI_execute_plan(plan, NULL, NULL, false, 0);
		}
		PG_FINALLY();
		{
			rowset = NULL;
		}
		PG_END_TRY();
	}
	else
	{
		Assert(ncols == query_defs[q].nargs);
		for (int i = 0; i < ncols; i++)
		{
			args[i] = ColArray(&cols[i]);
			nulls[i] = ' ';
		}
		ret = SPI_execute_plan(QueryPlan(q, state_type), args, nulls, false, 0);
	}
	/* SPI leaves us in its procedure context: back to the chunk's */
	MemoryContextSwitchTo(cxt);
	if (ret != expect)
		elog(ERROR, "ingest statement %d failed: %s", (int) q, SPI_result_code_string(ret));
}

static int32
GetInt32(int row, int col, bool *isnull)
{
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);

	return *isnull ? 0 : DatumGetInt32(d);
}

/* A text column as a palloc'd C string, or NULL. */
static char *
GetText(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* ---- the call ------------------------------------------------------------- */

typedef struct Ingest
{
	Oid			state_type;
	bool		all_locked;		/* every bucket locked up front (several chunks) */
	bool		notify_at_end;	/* several chunks: announce every change at the end */
	const char *text;			/* the batch text, when read from one */
	int64		accepted,
				duplicate,
				updated,
				conflict,
				retracted,
				rejected,
				pending;
	Int64List	changed;		/* shipments whose stored state changed */
	Int64List	replaced;		/* shipments whose current events changed */
} Ingest;

/* One chunk of the batch. */
typedef struct Chunk
{
	Elem	   *elems;
	int			nelems;
	int			cap;
	Target	   *targets;
	int			ntargets;
	Identity   *ids;
	int			nids;
	int		   *order;			/* targets grouped by identity */
	char	  (*hashes)[HASH_LEN + 1];	/* stored content hashes */
	int			nhashes;
	Int64List	ships;			/* shipments written to, sorted */
	int16	   *frameworks;		/* and their frameworks' ids */
	char	  **references;		/* and references */
} Chunk;

static void
ChunkAdd(Chunk *c, const Elem *e)
{
	if (c->nelems == c->cap)
	{
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->elems = c->elems ? repalloc_huge(c->elems, c->cap * sizeof(Elem))
			: MemoryContextAllocHuge(CurrentMemoryContext, c->cap * sizeof(Elem));
	}
	c->elems[c->nelems++] = *e;
}

static const char *
Copy(const char *s, bool copy)
{
	return s == NULL || !copy ? s : pstrdup(s);
}

/* A parsed element as a record; copy: its strings die with the parser's element. */
static void
ElemFrom(Elem *e, const ParsedEvent *ev, int32 position, bool copy)
{
	memset(e, 0, sizeof(*e));
	e->position = position;
	e->ok = ev->ok;
	e->raw = Copy(ev->raw, copy);
	if (!ev->ok)
	{
		e->reject = pstrdup(ev->reason);
		return;
	}
	e->source = Copy(ev->source, true);	/* event_id_buf lives in *ev */
	e->event_id = Copy(ev->event_id, true);
	e->shipment = Copy(ev->shipment, copy);
	e->milestone_in = Copy(ev->milestone, copy);
	e->standard = Copy(ev->standard, copy);
	e->code = Copy(ev->code, copy);
	e->version = Copy(ev->version, copy);
	e->qualifier = Copy(ev->qualifier, copy);
	e->classifier_in = ev->classifier[0] ? pstrdup(ev->classifier) : NULL;
	e->occurred_at = (TimestampTz) ev->occurred_at;
	e->has_updated_at = ev->has_updated_at;
	e->updated_at = ev->has_updated_at ? (TimestampTz) ev->updated_at : 0;
	e->retracted = ev->retracted;
	e->partial = ev->partial;
	e->location = Copy(ev->location, copy);
	e->reason_code_in = Copy(ev->reason_code, copy);
	e->payload = Copy(ev->payload, copy);
}

static void
RejectElem(Elem *e, const char *reason)
{
	e->ok = false;
	e->reject = reason;
}

/* ---- look-ups through an index --------------------------------------------- */

/*
 * The reads of ingest go straight through the index they need, key by key,
 * with no plan: a planned join of 10 000 keys to a table may hash the whole
 * table, or, planned while the table was small, loop over it for every key
 * (as the PL/pgSQL version once did), and costs about twice as much even
 * when it probes.  As a query would, a probe checks the caller's SELECT
 * right on the table and refuses row-level security, and it reads with a
 * fresh snapshot taken after the locks, which sees every commit before
 * them and this transaction's own writes.
 */
typedef struct Probe
{
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	Snapshot	snapshot;
	Buffer		vmbuffer;		/* index-only probes: the visibility map page */
	int			nkeys;
	ScanKeyData keys[3];
} Probe;

static Oid
CblRelid(const char *name)
{
	Oid			relid = get_relname_relid(name, get_namespace_oid("cbl", false));

	if (!OidIsValid(relid))
		elog(ERROR, "relation cbl.%s does not exist", name);
	return relid;
}

/* Open table through index (its first nkeys columns, compared with procs). */
static void
ProbeOpen(Probe *p, const char *table, const char *index, int nkeys, const Oid *procs)
{
	Oid			relid = CblRelid(table);
	AclResult	acl = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);

	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, OBJECT_TABLE, psprintf("cbl.%s", table));
	if (check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ingest does not support row-level security on cbl.%s", table)));
	p->heap = table_open(relid, AccessShareLock);
	p->index = index_open(CblRelid(index), AccessShareLock);
	CommandCounterIncrement();
	p->snapshot = RegisterSnapshot(GetTransactionSnapshot());
	p->slot = table_slot_create(p->heap, NULL);
	p->nkeys = nkeys;
	for (int k = 0; k < nkeys; k++)
		ScanKeyEntryInitialize(&p->keys[k], 0, k + 1, BTEqualStrategyNumber, InvalidOid,
							   p->index->rd_indcollation[k], procs[k], (Datum) 0);
	p->scan = index_beginscan(p->heap, p->index, p->snapshot, nkeys, 0);
	p->vmbuffer = InvalidBuffer;
}

/*
 * The next row as the index holds it (its key and INCLUDE columns) into
 * values/isnull, like an index-only scan: the heap is visited only for
 * pages not all-visible (rows changed since the last vacuum).
 */
static bool
ProbeNextIndexOnly(Probe *p, Datum *values, bool *isnull)
{
	ItemPointer tid;

	while ((tid = index_getnext_tid(p->scan, ForwardScanDirection)) != NULL)
	{
		if (!VM_ALL_VISIBLE(p->heap, ItemPointerGetBlockNumber(tid), &p->vmbuffer) &&
			!index_fetch_heap(p->scan, p->slot))
			continue;			/* no version of it is visible to us */
		index_deform_tuple(p->scan->xs_itup, p->scan->xs_itupdesc, values, isnull);
		return true;
	}
	return false;
}

/* Start at the rows with these key values; then ProbeNext() each. */
static void
ProbeKeys(Probe *p, const Datum *values)
{
	for (int k = 0; k < p->nkeys; k++)
		p->keys[k].sk_argument = values[k];
	index_rescan(p->scan, p->keys, p->nkeys, NULL, 0);
}

static bool
ProbeNext(Probe *p)
{
	return index_getnext_slot(p->scan, ForwardScanDirection, p->slot);
}

static Datum
ProbeGet(Probe *p, AttrNumber att, bool *isnull)
{
	return slot_getattr(p->slot, att, isnull);
}

static void
ProbeClose(Probe *p)
{
	if (BufferIsValid(p->vmbuffer))
		ReleaseBuffer(p->vmbuffer);
	index_endscan(p->scan);
	ExecDropSingleTupleTableSlot(p->slot);
	UnregisterSnapshot(p->snapshot);
	index_close(p->index, AccessShareLock);
	table_close(p->heap, AccessShareLock);
}

static AttrNumber
Att(Probe *p, const char *column)
{
	AttrNumber	a = get_attnum(RelationGetRelid(p->heap), column);

	if (a == InvalidAttrNumber)
		elog(ERROR, "cbl.%s has no column %s", RelationGetRelationName(p->heap), column);
	return a;
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

static void
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
	 * The milestones, key-share locked as a foreign key would: one deleted
	 * meanwhile is not found, and one found cannot be deleted until we
	 * commit (cbl.event has no foreign key; cbl.milestone_delete_check).
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
		if (name_of[i] >= 0)
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
			if (e->milestone == NULL)
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
 * sorted keys).  Same identity and same hash: a duplicate.  And the event
 * key, hashtextextended(source || U+001F || event_id, 0) as before.
 */
static void
HashElem(Elem *e, StringInfo buf)
{
	uint64		h1,
				h2;
	int64		t;

	resetStringInfo(buf);
	HashField(buf, e->milestone);
	HashField(buf, e->classifier);
	t = e->occurred_at;
	appendBinaryStringInfo(buf, (char *) &t, sizeof(t));
	appendStringInfoChar(buf, e->has_updated_at ? '\1' : '\2');
	t = e->has_updated_at ? e->updated_at : 0;
	appendBinaryStringInfo(buf, (char *) &t, sizeof(t));
	HashField(buf, e->location);
	HashField(buf, e->reason_code);
	appendStringInfoChar(buf, e->retracted ? 't' : 'f');
	appendStringInfoChar(buf, e->partial ? 't' : 'f');
	HashField(buf, e->payload);
	h1 = hash_bytes_extended((const unsigned char *) buf->data, buf->len, INT64CONST(0x63626c2d636f6e74));
	h2 = hash_bytes_extended((const unsigned char *) buf->data, buf->len, INT64CONST(0x656e742d68617368));
	snprintf(e->hash, sizeof(e->hash), "%016llx%016llx", (unsigned long long) h1, (unsigned long long) h2);

	resetStringInfo(buf);
	appendStringInfo(buf, "%s\x1f%s", e->source, e->event_id);
	e->event_key = (int64) hash_bytes_extended((const unsigned char *) buf->data, buf->len, 0);
}

/* ---- 3. shipments ---------------------------------------------------------- */

/* The canonical forms of one reference, and the values to look it up by. */
typedef struct RefForms
{
	const char *ref;
	const char *plain;			/* btrim(ref, ' \t\r\n') unless empty */
	const char *awb;			/* NULL unless valid */
	const char *container;
	const char *s10;
	const char *cand[4];		/* distinct look-up values, NULL for none */
} RefForms;

/* s without the given characters at either end (s itself if none). */
static const char *
Trimmed(const char *s, const char *chars)
{
	size_t		len = strlen(s);
	const char *end = s + len;
	const char *p = s;

	if (len == 0 || (strchr(chars, s[0]) == NULL && strchr(chars, s[len - 1]) == NULL))
		return s;
	while (*p && strchr(chars, *p))
		p++;
	while (end > p && strchr(chars, end[-1]))
		end--;
	return pnstrdup(p, end - p);
}

static const char *
IdentForm(const char *s, bool (*parse) (const char *, int64_t *, ParseError *),
		  int (*format) (int64_t, char *, size_t))
{
	int64_t		v;
	char		buf[32];

	if (!parse(s, &v, NULL) || format(v, buf, sizeof(buf)) < 0)
		return NULL;
	return pstrdup(buf);
}

/*
 * What cbl.canonical_reference(kind, value) gives (the value trimmed, an
 * identifier in canonical form), and the values the index is searched for:
 * the reference without surrounding spaces, and its canonical AWB,
 * container and S10 forms if it is one.
 */
static void
RefFormsOf(RefForms *f, const char *ref)
{
	const char *trimmed = Trimmed(ref, " \t\r\n");
	const char *cand[4];
	int			n = 0;

	f->ref = ref;
	f->plain = trimmed[0] ? trimmed : NULL;
	f->awb = IdentForm(trimmed, AwbParse, AwbFormat);
	f->container = IdentForm(trimmed, ContainerNoParse, ContainerNoFormat);
	f->s10 = IdentForm(trimmed, S10Parse, S10Format);
	cand[0] = Trimmed(ref, " ");
	if (trimmed == ref)
	{
		cand[1] = f->awb;
		cand[2] = f->container;
		cand[3] = f->s10;
	}
	else
	{
		cand[1] = IdentForm(ref, AwbParse, AwbFormat);
		cand[2] = IdentForm(ref, ContainerNoParse, ContainerNoFormat);
		cand[3] = IdentForm(ref, S10Parse, S10Format);
	}
	memset(f->cand, 0, sizeof(f->cand));
	for (int j = 0; j < 4; j++)
	{
		bool		dup = cand[j] == NULL;

		for (int k = 0; k < n && !dup; k++)
			dup = strcmp(f->cand[k], cand[j]) == 0;
		if (!dup)
			f->cand[n++] = cand[j];
	}
}

/* The kinds of reference cbl.canonical_reference knows. */
typedef enum RefKind
{
	KIND_OTHER,					/* none of these: no canonical form */
	KIND_PLAIN,					/* reference, hawb, bl, hbl, booking, tracking, customer_ref, other */
	KIND_AWB,
	KIND_CONTAINER,
	KIND_S10
} RefKind;

static RefKind
KindOf(const char *kind, int len)
{
	static const char *const plain_kinds[] = {
		"reference", "hawb", "bl", "hbl", "booking", "tracking", "customer_ref", "other", NULL
	};

#define IS(s) (len == (int) strlen(s) && memcmp(kind, s, len) == 0)
	if (IS("awb"))
		return KIND_AWB;
	if (IS("container"))
		return KIND_CONTAINER;
	if (IS("s10"))
		return KIND_S10;
	for (int k = 0; plain_kinds[k] != NULL; k++)
		if (IS(plain_kinds[k]))
			return KIND_PLAIN;
#undef IS
	return KIND_OTHER;
}

/* What cbl.canonical_reference(kind, ref) gives, from the forms. */
static const char *
CanonicalFor(const RefForms *f, RefKind kind)
{
	switch (kind)
	{
		case KIND_AWB:
			return f->awb;
		case KIND_CONTAINER:
			return f->container;
		case KIND_S10:
			return f->s10;
		case KIND_PLAIN:
			return f->plain;
		case KIND_OTHER:
			break;
	}
	return NULL;
}

static int
TextDatumCmp(const void *a, const void *b)
{
	text	   *x = DatumGetTextPP(*(const Datum *) a);
	text	   *y = DatumGetTextPP(*(const Datum *) b);
	int			lx = VARSIZE_ANY_EXHDR(x);
	int			ly = VARSIZE_ANY_EXHDR(y);
	int			r = memcmp(VARDATA_ANY(x), VARDATA_ANY(y), Min(lx, ly));

	return r != 0 ? r : (lx > ly) - (lx < ly);
}

typedef struct LookupRow
{
	RefKind		kind;
	int64		shipment_id;
	int			next;			/* the next row with the same value, or -1 */
} LookupRow;

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
static void
ResolveShipments(Ingest *in, Chunk *c)
{
	KeyMap		values;
	Col			vcol;
	RefForms  **forms = palloc0(Max(c->nelems, 1) * sizeof(RefForms *));
	int		   *nforms = palloc0(Max(c->nelems, 1) * sizeof(int));
	LookupRow  *rows = NULL;
	int			tcap;

	KeyMapInit(&values, c->nelems * 2);
	ColInit(&vcol, TEXTOID, c->nelems * 4);
	for (int i = 0; i < c->nelems; i++)
	{
		Elem	   *e = &c->elems[i];
		List	   *refs;
		ListCell   *lc;
		int			k = 0;

		if (!e->ok)
			continue;
		refs = SplitRefs(e->shipment);
		forms[i] = palloc(list_length(refs) * sizeof(RefForms));
		nforms[i] = list_length(refs);
		foreach(lc, refs)
		{
			RefForms   *f = &forms[i][k++];

			RefFormsOf(f, lfirst(lc));
			for (int j = 0; j < 4 && f->cand[j] != NULL; j++)
			{
				bool		found;

				(void) KeyMapSlot(&values, f->cand[j], strlen(f->cand[j]), &found);
				if (!found)
					ColText(&vcol, f->cand[j]);
			}
		}
		list_free(refs);
	}

	StepDone("ref-forms");
	/* every look-up row of every value, chained by value */
	if (vcol.n > 0)
	{
		Probe		p;
		Oid			procs[1] = {F_TEXTEQ};
		int			nrows = 0,
					cap = vcol.n + 16;

		/* in key order: neighbouring probes share index pages */
		qsort(vcol.v, vcol.n, sizeof(Datum), TextDatumCmp);
		/* (value) INCLUDE (kind, shipment_id): index-only */
		ProbeOpen(&p, "reference_lookup", "reference_lookup_value_idx", 1, procs);
		if (IndexRelationGetNumberOfAttributes(p.index) != 3)
			elog(ERROR, "index cbl.reference_lookup_value_idx must be on (value) INCLUDE (kind, shipment_id)");
		p.scan->xs_want_itup = true;
		rows = palloc(cap * sizeof(LookupRow));
		for (int i = 0; i < vcol.n; i++)
		{
			char	   *value = TextDatumGetCString(vcol.v[i]);
			bool		found;
			int		   *slot = KeyMapSlot(&values, value, strlen(value), &found);

			Datum		itup[3];
			bool		itup_null[3];

			ProbeKeys(&p, &vcol.v[i]);
			while (ProbeNextIndexOnly(&p, itup, itup_null))
			{
				text	   *kind = DatumGetTextPP(itup[1]);

				if (nrows == cap)
				{
					cap *= 2;
					rows = repalloc_huge(rows, cap * sizeof(LookupRow));
				}
				rows[nrows].kind = KindOf(VARDATA_ANY(kind), VARSIZE_ANY_EXHDR(kind));
				rows[nrows].shipment_id = DatumGetInt64(itup[2]);
				rows[nrows].next = *slot;
				*slot = nrows++;
			}
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
		for (int k = 0; k < nforms[i]; k++)
		{
			const RefForms *f = &forms[i][k];

			for (int j = 0; j < 4 && f->cand[j] != NULL; j++)
				for (int r = KeyMapGet(&values, f->cand[j], strlen(f->cand[j])); r >= 0; r = rows[r].next)
				{
					const char *canon = CanonicalFor(f, rows[r].kind);
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

/* ---- 4. locks -------------------------------------------------------------- */

static void
LockBuckets(bool *buckets)
{
	for (int k = 0; k < LOCK_BUCKETS; k++)
		if (buckets[k])
			DirectFunctionCall2(pg_advisory_xact_lock_int4, Int32GetDatum(LOCK_SPACE), Int32GetDatum(k));
}

static int
Bucket(int64 shipment_id)
{
	return DatumGetInt32(DirectFunctionCall1(hashint8, Int64GetDatum(shipment_id))) & (LOCK_BUCKETS - 1);
}

/*
 * Serialise writers of the same shipments: the buckets of this chunk's
 * shipments, in bucket order (at most 512 locks, and one order for all, so
 * no deadlock).  The statements after it see every event committed before.
 */
static void
LockShipments(Ingest *in, Chunk *c)
{
	bool		buckets[LOCK_BUCKETS] = {false};

	if (in->all_locked)
		return;
	for (int t = 0; t < c->ntargets; t++)
		buckets[Bucket(c->targets[t].shipment_id)] = true;
	LockBuckets(buckets);
}

/* ---- 5. classify ----------------------------------------------------------- */

static int
IdentityKey(StringInfo buf, int64 shipment_id, const char *source, const char *event_id)
{
	resetStringInfo(buf);
	appendBinaryStringInfo(buf, (char *) &shipment_id, sizeof(shipment_id));
	appendBinaryStringInfo(buf, source, strlen(source) + 1);
	appendStringInfoString(buf, event_id);
	return buf->len;
}

static Chunk *sort_chunk;

static int
IdentityCmp(const void *a, const void *b)
{
	const Identity *x = &sort_chunk->ids[*(const int *) a];
	const Identity *y = &sort_chunk->ids[*(const int *) b];
	int			r;

	if (x->shipment_id != y->shipment_id)
		return x->shipment_id < y->shipment_id ? -1 : 1;
	r = strcmp(x->source, y->source);
	return r != 0 ? r : strcmp(x->event_id, y->event_id);
}

/* The stored revisions of the chunk's identities. */
static void
LoadStored(Ingest *in, Chunk *c)
{
	KeyMap		map;
	StringInfoData buf;
	Col			cols[3];
	int		   *count;

	KeyMapInit(&map, c->ntargets);
	initStringInfo(&buf);
	c->ids = MemoryContextAllocHuge(CurrentMemoryContext, Max(c->ntargets, 1) * sizeof(Identity));
	c->nids = 0;
	ColInit(&cols[0], INT8OID, c->ntargets);
	ColInit(&cols[1], TEXTOID, c->ntargets);
	ColInit(&cols[2], TEXTOID, c->ntargets);
	for (int t = 0; t < c->ntargets; t++)
	{
		Target	   *tg = &c->targets[t];
		Elem	   *e = &c->elems[tg->elem];
		int			len = IdentityKey(&buf, tg->shipment_id, e->source, e->event_id);
		bool		found;
		int		   *slot = KeyMapSlotCopy(&map, buf.data, len, &found);

		if (!found)
		{
			Identity   *id = &c->ids[c->nids];

			memset(id, 0, sizeof(*id));
			id->shipment_id = tg->shipment_id;
			id->source = e->source;
			id->event_id = e->event_id;
			*slot = c->nids++;
			ColDatum(&cols[0], Int64GetDatum(tg->shipment_id), false);
			ColText(&cols[1], e->source);
			ColText(&cols[2], e->event_id);
		}
		tg->identity = *slot;
		c->ids[*slot].ntargets++;
	}

	/* targets grouped by identity, each group in batch order */
	count = palloc0((c->nids + 1) * sizeof(int));
	c->order = MemoryContextAllocHuge(CurrentMemoryContext, Max(c->ntargets, 1) * sizeof(int));
	for (int i = 0, pos = 0; i < c->nids; i++)
	{
		c->ids[i].first_target = pos;
		pos += c->ids[i].ntargets;
	}
	for (int t = 0; t < c->ntargets; t++)
	{
		Identity   *id = &c->ids[c->targets[t].identity];

		c->order[id->first_target + count[c->targets[t].identity]++] = t;
	}

	c->nhashes = 0;
	c->hashes = NULL;
	if (c->nids == 0)
		return;
	{
		Probe		p;
		Oid			procs[3] = {F_INT8EQ, F_TEXTEQ, F_TEXTEQ};
		AttrNumber	a_rev,
					a_upd,
					a_retr,
					a_hash;
		int			cap = c->nids + 16;

		int		   *by_key = palloc(c->nids * sizeof(int));

		/* in key order: neighbouring probes share index pages */
		for (int i = 0; i < c->nids; i++)
			by_key[i] = i;
		sort_chunk = c;
		qsort(by_key, c->nids, sizeof(int), IdentityCmp);
		ProbeOpen(&p, "event", "event_pkey", 3, procs);
		a_rev = Att(&p, "revision");
		a_upd = Att(&p, "updated_at");
		a_retr = Att(&p, "retracted");
		a_hash = Att(&p, "content_hash");
		c->hashes = MemoryContextAllocHuge(CurrentMemoryContext, cap * sizeof(*c->hashes));
		for (int j = 0; j < c->nids; j++)
		{
			int			i = by_key[j];
			Identity   *id = &c->ids[i];
			Datum		keys[3];

			keys[0] = cols[0].v[i];
			keys[1] = cols[1].v[i];
			keys[2] = cols[2].v[i];
			id->first_hash = c->nhashes;
			ProbeKeys(&p, keys);
			while (ProbeNext(&p))
			{
				bool		isnull;
				int32		rev = DatumGetInt32(ProbeGet(&p, a_rev, &isnull));
				Datum		upd = ProbeGet(&p, a_upd, &isnull);
				text	   *h;

				if (rev > id->max_rev)
				{
					id->max_rev = rev;
					id->cur_has_updated_at = !isnull;
					id->cur_updated_at = isnull ? 0 : DatumGetTimestampTz(upd);
				}
				if (DatumGetBool(ProbeGet(&p, a_retr, &isnull)))
					id->was_retracted = true;
				if (c->nhashes == cap)
				{
					cap *= 2;
					c->hashes = repalloc_huge(c->hashes, cap * sizeof(*c->hashes));
				}
				h = DatumGetTextPP(ProbeGet(&p, a_hash, &isnull));
				text_to_cstring_buffer(h, c->hashes[c->nhashes++], HASH_LEN + 1);
				id->nhashes++;
			}
		}
		ProbeClose(&p);
	}
}

/* Fresh versions of one identity sort by retracted, updated_at (NULL first), hash. */

static int
FreshCmp(const void *a, const void *b)
{
	const Elem *x = &sort_chunk->elems[sort_chunk->targets[*(const int *) a].elem];
	const Elem *y = &sort_chunk->elems[sort_chunk->targets[*(const int *) b].elem];

	if (x->retracted != y->retracted)
		return x->retracted ? 1 : -1;
	if (x->has_updated_at != y->has_updated_at)
		return x->has_updated_at ? 1 : -1;
	if (x->has_updated_at && x->updated_at != y->updated_at)
		return x->updated_at < y->updated_at ? -1 : 1;
	return strcmp(x->hash, y->hash);
}

/*
 * Per identity: a version whose content is stored, or came earlier in the
 * batch, is a duplicate; the fresh ones, in (retracted, updated_at, hash)
 * order, are: a conflict if the event was retracted; the retraction; the
 * first version of a new identity (accepted); a later revision (updated)
 * if its updated_at is later than the stored current one and the fresh one
 * before it; else a conflict.  Non-conflicts get the next revisions.
 */
static void
Classify(Chunk *c)
{
	int		   *fresh = palloc(Max(c->ntargets, 1) * sizeof(int));

	sort_chunk = c;
	for (int i = 0; i < c->nids; i++)
	{
		Identity   *id = &c->ids[i];
		int			nfresh = 0;
		int32		rev = id->max_rev;

		for (int k = 0; k < id->ntargets; k++)
		{
			int			t = c->order[id->first_target + k];
			Elem	   *e = &c->elems[c->targets[t].elem];
			bool		seen = false;

			for (int h = 0; h < id->nhashes && !seen; h++)
				seen = strcmp(c->hashes[id->first_hash + h], e->hash) == 0;
			for (int f = 0; f < nfresh && !seen; f++)
				seen = strcmp(c->elems[c->targets[fresh[f]].elem].hash, e->hash) == 0;
			c->targets[t].outcome = OUT_DUPLICATE;
			if (!seen)
				fresh[nfresh++] = t;
		}
		if (nfresh > 1)
			qsort(fresh, nfresh, sizeof(int), FreshCmp);
		for (int f = 0; f < nfresh; f++)
		{
			Target	   *tg = &c->targets[fresh[f]];
			Elem	   *e = &c->elems[tg->elem];
			Elem	   *prev = f > 0 ? &c->elems[c->targets[fresh[f - 1]].elem] : NULL;
			TimestampTz floor = DT_NOBEGIN;

			if (id->max_rev > 0 && id->cur_has_updated_at)
				floor = id->cur_updated_at;
			if (prev != NULL && prev->has_updated_at && prev->updated_at > floor)
				floor = prev->updated_at;
			tg->rank = f + 1;
			if (id->was_retracted)
				tg->outcome = OUT_CONFLICT;
			else if (e->retracted)
				tg->outcome = OUT_RETRACTED;
			else if (id->max_rev == 0 && f == 0)
				tg->outcome = OUT_ACCEPTED;
			else if ((e->has_updated_at ? e->updated_at : DT_NOBEGIN) > floor)
				tg->outcome = OUT_UPDATED;
			else
				tg->outcome = OUT_CONFLICT;
			if (tg->outcome != OUT_CONFLICT)
				tg->revision = ++rev;
		}
	}
	pfree(fresh);
}

/*
 * The shipments this chunk writes to, and their frameworks: each must still
 * exist (cbl.event has no foreign key; a shipment deleted since it was
 * found is caught here, after the locks, or by cbl.shipment_delete_check).
 */
static void
CheckShipments(Ingest *in, Chunk *c)
{
	int			found = 0;

	memset(&c->ships, 0, sizeof(c->ships));
	for (int t = 0; t < c->ntargets; t++)
		if (c->targets[t].outcome != OUT_DUPLICATE)
			Int64Add(&c->ships, c->targets[t].shipment_id);
	Int64Unique(&c->ships);
	c->frameworks = palloc0(Max(c->ships.n, 1) * sizeof(int16));
	c->references = palloc0(Max(c->ships.n, 1) * sizeof(char *));
	if (c->ships.n == 0)
		return;
	{
		Probe		p;
		Oid			procs[1] = {F_INT8EQ};
		AttrNumber	a_fw,
					a_ref;

		ProbeOpen(&p, "shipment", "shipment_pkey", 1, procs);
		a_fw = Att(&p, "framework");
		a_ref = Att(&p, "reference");
		for (int i = 0; i < c->ships.n; i++)
		{
			Datum		key = Int64GetDatum(c->ships.v[i]);
			bool		isnull;

			ProbeKeys(&p, &key);
			if (!ProbeNext(&p))
				continue;
			c->frameworks[i] = FrameworkIdByCode(TextDatumGetCString(ProbeGet(&p, a_fw, &isnull)));
			if (c->frameworks[i] <= 0)
				elog(ERROR, "the framework of shipment " INT64_FORMAT " is not in cbl.framework or its id is out of range",
					 c->ships.v[i]);
			c->references[i] = TextDatumGetCString(ProbeGet(&p, a_ref, &isnull));
			found++;
		}
		ProbeClose(&p);
	}
	if (found < c->ships.n)
		for (int i = 0; i < c->ships.n; i++)
			if (c->frameworks[i] == 0)
				ereport(ERROR,
						(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
						 errmsg("shipment " INT64_FORMAT " no longer exists", c->ships.v[i]),
						 errdetail("It was deleted while events for it were being ingested."),
						 errhint("Send the batch again.")));
}

/* ---- 6. writes ------------------------------------------------------------- */

/* The cbl.ingest_row columns of an element (for one shipment, or none). */
static void
RowCols(Col *cols, const Elem *e, int64 shipment_id, bool has_shipment, const char *ref)
{
	ColDatum(&cols[0], Int32GetDatum(e->position), false);
	ColText(&cols[1], e->source);
	ColText(&cols[2], e->event_id);
	ColText(&cols[3], ref);
	ColDatum(&cols[4], Int64GetDatum(shipment_id), !has_shipment);
	ColText(&cols[5], e->milestone ? e->milestone : e->milestone_in);
	ColText(&cols[6], e->classifier);
	ColDatum(&cols[7], TimestampTzGetDatum(e->occurred_at), e->source == NULL);
	ColDatum(&cols[8], TimestampTzGetDatum(e->updated_at), !e->has_updated_at);
	ColText(&cols[9], e->location);
	ColText(&cols[10], e->reason_code);
	ColDatum(&cols[11], BoolGetDatum(e->retracted), e->source == NULL);
	ColDatum(&cols[12], BoolGetDatum(e->partial), e->source == NULL);
	ColText(&cols[13], e->payload);
	ColText(&cols[14], e->source ? e->hash : NULL);
	ColDatum(&cols[15], Int64GetDatum(e->event_key), e->source == NULL);
}

static void
RowColsInit(Col *cols, int cap)
{
	static const Oid types[N_ROW_ARGS] = {
		INT4OID, TEXTOID, TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTOID, TIMESTAMPTZOID,
		TIMESTAMPTZOID, TEXTOID, TEXTOID, BOOLOID, BOOLOID, TEXTOID, TEXTOID, INT8OID
	};

	for (int k = 0; k < N_ROW_ARGS; k++)
		ColInit(&cols[k], types[k], cap);
}

/* The element as sent, for a reject, if there is a text to take it from. */
static const char *
RawOf(Ingest *in, const Elem *e)
{
	char	   *raw;
	char	   *copy;

	if (e->raw != NULL || in->text == NULL || e->length == 0)
		return e->raw;
	raw = EventElementRaw(in->text + e->offset, e->length);
	if (raw == NULL)
		return NULL;
	copy = pstrdup(raw);
	free(raw);
	return copy;
}

static void
WriteEvents(Ingest *in, Chunk *c)
{
	static const Oid types[16] = {
		INT8OID, TEXTOID, TEXTOID, INT4OID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID,
		TEXTOID, TEXTOID, BOOLOID, BOOLOID, TEXTOID, TEXTOID, TEXTOID, INT8OID
	};
	Col			ev[16];
	Col			cf[N_ROW_ARGS + 2];
	Col			pd[N_ROW_ARGS];
	Col			rj[N_ROW_ARGS + 2];

	for (int k = 0; k < 16; k++)
		ColInit(&ev[k], types[k], c->ntargets);
	RowColsInit(cf, 16);
	ColInit(&cf[N_ROW_ARGS], INT4OID, 16);
	ColInit(&cf[N_ROW_ARGS + 1], TEXTOID, 16);
	RowColsInit(pd, 16);
	RowColsInit(rj, 16);
	ColInit(&rj[N_ROW_ARGS], TEXTOID, 16);
	ColInit(&rj[N_ROW_ARGS + 1], TEXTOID, 16);

	/* in identity order, fresh versions by rank: revisions ascend */
	for (int i = 0; i < c->nids; i++)
	{
		Identity   *id = &c->ids[i];

		for (int k = 0; k < id->ntargets; k++)
		{
			Target	   *tg = &c->targets[c->order[id->first_target + k]];
			Elem	   *e = &c->elems[tg->elem];

			switch (tg->outcome)
			{
				case OUT_DUPLICATE:
					in->duplicate++;
					continue;
				case OUT_CONFLICT:
					if (cf[0].n == 0)
					{
						RowColsInit(cf, c->ntargets);
						ColInit(&cf[N_ROW_ARGS], INT4OID, c->ntargets);
						ColInit(&cf[N_ROW_ARGS + 1], TEXTOID, c->ntargets);
					}
					RowCols(cf, e, tg->shipment_id, true, tg->ref);
					ColDatum(&cf[N_ROW_ARGS], Int32GetDatum(id->max_rev), id->max_rev == 0);
					ColText(&cf[N_ROW_ARGS + 1], id->was_retracted
							? "The event was retracted; later versions are not applied."
							: "Same event id with different content and no later updated_at.");
					in->conflict++;
					continue;
				case OUT_ACCEPTED:
					in->accepted++;
					break;
				case OUT_UPDATED:
					in->updated++;
					break;
				case OUT_RETRACTED:
					in->retracted++;
					break;
			}
			ColDatum(&ev[0], Int64GetDatum(tg->shipment_id), false);
			ColText(&ev[1], e->source);
			ColText(&ev[2], e->event_id);
			ColDatum(&ev[3], Int32GetDatum(tg->revision), false);
			ColText(&ev[4], e->milestone);
			ColText(&ev[5], e->classifier);
			ColDatum(&ev[6], TimestampTzGetDatum(e->occurred_at), false);
			ColDatum(&ev[7], TimestampTzGetDatum(e->updated_at), !e->has_updated_at);
			ColText(&ev[8], e->location);
			ColText(&ev[9], e->reason_code);
			ColDatum(&ev[10], BoolGetDatum(e->retracted), false);
			ColDatum(&ev[11], BoolGetDatum(e->partial), false);
			ColText(&ev[12], e->payload);
			ColText(&ev[13], tg->ref);
			ColText(&ev[14], e->hash);
			ColDatum(&ev[15], Int64GetDatum(e->event_key), false);
		}
	}
	if (ev[0].n > 0)
		Run(Q_EVENT, in->state_type, ev, 16, SPI_OK_INSERT);
	if (cf[0].n > 0)
		Run(Q_CONFLICT, in->state_type, cf, N_ROW_ARGS + 2, SPI_OK_INSERT);

	/* unknown shipment: kept until it exists; invalid: kept with the reason */
	for (int i = 0; i < c->nelems; i++)
	{
		Elem	   *e = &c->elems[i];

		if (e->ok && e->ntargets == 0)
		{
			if (pd[0].n == 0)
				RowColsInit(pd, c->nelems);
			RowCols(pd, e, 0, false, e->shipment);
			in->pending++;
		}
		else if (!e->ok)
		{
			if (rj[0].n == 0)
			{
				RowColsInit(rj, c->nelems);
				ColInit(&rj[N_ROW_ARGS], TEXTOID, c->nelems);
				ColInit(&rj[N_ROW_ARGS + 1], TEXTOID, c->nelems);
			}
			RowCols(rj, e, 0, false, e->shipment);
			ColText(&rj[N_ROW_ARGS], e->reject);
			ColText(&rj[N_ROW_ARGS + 1], RawOf(in, e));
			in->rejected++;
		}
	}
	StepDone("ev-insert");
	if (pd[0].n > 0)
		Run(Q_PENDING, in->state_type, pd, N_ROW_ARGS, SPI_OK_INSERT);
	if (rj[0].n > 0)
		Run(Q_REJECT, in->state_type, rj, N_ROW_ARGS + 2, SPI_OK_INSERT);
}

/* ---- 7. states ------------------------------------------------------------- */

/*
 * NOTIFY cbl_milestone with what cbl.announce_states sends: {"shipment_id"
 * : 1, "reference" : "EXP-1001", "milestone" : "PICKED_UP"}.
 */
static void
Announce(int64 shipment_id, const char *reference, const char *milestone)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"shipment_id\" : " INT64_FORMAT ", \"reference\" : ", shipment_id);
	if (reference)
		escape_json(&buf, reference);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoString(&buf, ", \"milestone\" : ");
	if (milestone)
		escape_json(&buf, milestone);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoChar(&buf, '}');
	Async_Notify("cbl_milestone", buf.data);
	pfree(buf.data);
}

static int
DeltaCmp(const void *a, const void *b)
{
	const Target *x = &sort_chunk->targets[*(const int *) a];
	const Target *y = &sort_chunk->targets[*(const int *) b];

	return (x->shipment_id > y->shipment_id) - (x->shipment_id < y->shipment_id);
}

/*
 * Shipments whose events were revised or retracted are derived again from
 * their history at the end of the call.  The others that gained events get
 * the state of their new events joined to the stored state: the same as
 * deriving it again, because the state is a semilattice of the live events.
 */
static void
MergeStates(Ingest *in, Chunk *c)
{
	int		   *delta = palloc(Max(c->ntargets, 1) * sizeof(int));
	int			ndelta = 0;
	Int64List	replaced = {0};
	KeyMap		sources;
	Col			scol;
	Col			ids;
	Col			upd[2];
	Col			ins[2];
	MilestoneState **news;
	bool	   *stored;
	int32	   *priority;
	MilestoneEntry *entries;

	for (int t = 0; t < c->ntargets; t++)
		if (c->targets[t].outcome == OUT_UPDATED || c->targets[t].outcome == OUT_RETRACTED)
		{
			Int64Add(&replaced, c->targets[t].shipment_id);
			Int64Add(&in->replaced, c->targets[t].shipment_id);
		}
	Int64Unique(&replaced);
	for (int t = 0; t < c->ntargets; t++)
	{
		Target	   *tg = &c->targets[t];

		if (tg->outcome == OUT_ACCEPTED && !c->elems[tg->elem].partial &&
			(replaced.n == 0 || bsearch(&tg->shipment_id, replaced.v, replaced.n, sizeof(int64), Int64Cmp) == NULL))
			delta[ndelta++] = t;
	}
	if (ndelta == 0)
		return;
	sort_chunk = c;
	qsort(delta, ndelta, sizeof(int), DeltaCmp);

	/* the sources' priorities */
	KeyMapInit(&sources, 16);
	ColInit(&scol, TEXTOID, ndelta);
	for (int d = 0; d < ndelta; d++)
	{
		const char *src = c->elems[c->targets[delta[d]].elem].source;
		bool		found;
		int		   *slot = KeyMapSlot(&sources, src, strlen(src), &found);

		if (!found)
		{
			*slot = scol.n;
			ColText(&scol, src);
		}
	}
	priority = palloc(scol.n * sizeof(int32));
	for (int k = 0; k < scol.n; k++)
		priority[k] = 100;
	Run(Q_SOURCE, in->state_type, &scol, 1, SPI_OK_SELECT);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		char	   *code = GetText(r, 1);
		bool		isnull;
		int32		p = GetInt32(r, 2, &isnull);

		priority[KeyMapGet(&sources, code, strlen(code))] = p;
	}
	SPI_freetuptable(SPI_tuptable);

	/* one state per shipment from its new events */
	entries = palloc0(ndelta * sizeof(MilestoneEntry));
	ColInit(&ids, INT8OID, ndelta);
	news = palloc(ndelta * sizeof(MilestoneState *));
	for (int d = 0; d < ndelta;)
	{
		int64	   *at;
		int16		framework;
		int64		ship = c->targets[delta[d]].shipment_id;
		int			n = 0;

		for (; d < ndelta && c->targets[delta[d]].shipment_id == ship; d++)
		{
			const Elem *e = &c->elems[c->targets[delta[d]].elem];
			MilestoneEntry *m = &entries[n++];

			memset(m, 0, sizeof(*m));
			m->milestone = e->milestone_id;
			m->classifier = ClassifierFromText(e->classifier, strlen(e->classifier));
			m->priority = priority[KeyMapGet(&sources, e->source, strlen(e->source))];
			m->at = e->occurred_at;
			m->issued = e->has_updated_at ? e->updated_at : DT_NOBEGIN;
			m->event_key = e->event_key;
			if (m->milestone <= 0 || m->classifier == 0 || TIMESTAMP_NOT_FINITE(m->at))
				elog(ERROR, "ingest: invalid report for milestone state");
		}
		at = bsearch(&ship, c->ships.v, c->ships.n, sizeof(int64), Int64Cmp);
		framework = at ? c->frameworks[at - c->ships.v] : 0;
		if (framework == 0)
			elog(ERROR, "ingest: shipment " INT64_FORMAT " has no framework", ship);
		news[ids.n] = MilestoneStateFromEntries(framework, entries, n);
		ColDatum(&ids, Int64GetDatum(ship), false);
	}
	StepDone("st-build");

	/*
	 * Joined to the stored states (read under the shipments' locks, so no
	 * one else writes them meanwhile); only real changes are written.
	 */
	stored = palloc0(ids.n * sizeof(bool));
	ColInit(&upd[0], TIDOID, ids.n);
	ColInit(&upd[1], in->state_type, ids.n);
	ColInit(&ins[0], INT8OID, ids.n);
	ColInit(&ins[1], in->state_type, ids.n);
	{
		Probe		p;
		Oid			procs[1] = {F_INT8EQ};
		AttrNumber	a_state;

		ProbeOpen(&p, "shipment_state", "shipment_state_pkey", 1, procs);
		a_state = Att(&p, "state");
		for (int k = 0; k < ids.n; k++)
		{
			bool		isnull;
			MilestoneState *was;
			MilestoneState *now;
			ItemPointer tid;

			ProbeKeys(&p, &ids.v[k]);
			if (!ProbeNext(&p))
				continue;
			was = DatumGetMilestoneStateP(ProbeGet(&p, a_state, &isnull));
			now = MilestoneStateMerge(was, news[k]);
			stored[k] = true;
			news[k] = NULL;
			if (VARSIZE(now) == VARSIZE(was) && memcmp(now, was, VARSIZE(was)) == 0)
				continue;		/* nothing new */
			news[k] = now;
			tid = palloc(sizeof(ItemPointerData));
			ItemPointerCopy(&p.slot->tts_tid, tid);
			ColDatum(&upd[0], PointerGetDatum(tid), false);
			ColDatum(&upd[1], PointerGetDatum(now), false);
		}
		ProbeClose(&p);
	}
	for (int k = 0; k < ids.n; k++)
		if (!stored[k])
		{
			ColDatum(&ins[0], ids.v[k], false);
			ColDatum(&ins[1], PointerGetDatum(news[k]), false);
		}
	StepDone("st-read");
	if (upd[0].n > 0)
	{
		Run(Q_STATE_UPDATE, in->state_type, upd, 2, SPI_OK_UPDATE);
		if (SPI_processed != (uint64) upd[0].n)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("milestone states changed while ingest held their shipments' locks"),
					 errdetail("Something wrote cbl.shipment_state without taking the shipments' advisory locks."),
					 errhint("Write states through cbl.ingest_events or cbl.refresh_state.")));
	}
	if (ins[0].n > 0)
		Run(Q_STATE_INSERT, in->state_type, ins, 2, SPI_OK_INSERT);
	StepDone("st-write");
	for (int k = 0; k < ids.n; k++)
	{
		int64		id = DatumGetInt64(ids.v[k]);
		int64	   *at;

		if (news[k] == NULL)
			continue;
		Int64Add(&in->changed, id);
		if (in->notify_at_end)
			continue;
		at = bsearch(&id, c->ships.v, c->ships.n, sizeof(int64), Int64Cmp);
		Announce(id, at ? c->references[at - c->ships.v] : NULL, StateCurrentMilestone(news[k]));
	}
}

/* ---- the chunk, the call ----------------------------------------------------- */

/* Step times (wall and CPU) at DEBUG1, for docs/performance.md. */
static instr_time step_start;
static double step_cpu;

static double
CpuMs(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1000.0 +
		(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1000.0;
}

static void
StepStart(void)
{
	if (!message_level_is_interesting(DEBUG1))
		return;
	INSTR_TIME_SET_CURRENT(step_start);
	step_cpu = CpuMs();
}

static void
StepDone(const char *step)
{
	instr_time	now;
	double		cpu;

	if (!message_level_is_interesting(DEBUG1))
		return;
	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, step_start);
	cpu = CpuMs();
	elog(DEBUG1, "cbl ingest: %-10s %7.1f ms, CPU %7.1f ms", step, INSTR_TIME_GET_MILLISEC(now), cpu - step_cpu);
	StepStart();
}

static void
ProcessChunk(Ingest *in, Chunk *c)
{
	StringInfoData buf;

	StepDone("parse");
	ResolveVocabulary(in, c);
	StepDone("vocabulary");
	initStringInfo(&buf);
	for (int i = 0; i < c->nelems; i++)
		if (c->elems[i].ok)
			HashElem(&c->elems[i], &buf);
	StepDone("hash");
	ResolveShipments(in, c);
	StepDone("ref-match");
	LockShipments(in, c);
	StepDone("locks");
	LoadStored(in, c);
	StepDone("stored");
	Classify(c);
	StepDone("classify");
	CheckShipments(in, c);
	StepDone("shipments");
	WriteEvents(in, c);
	StepDone("ev-others");
	MergeStates(in, c);
	StepDone("st-notify");
}

static void
RunIds(Ingest *in, QueryId q, const Int64List *ids)
{
	Col			col;

	ColInit(&col, INT8OID, ids->n);
	for (int i = 0; i < ids->n; i++)
		ColDatum(&col, Int64GetDatum(ids->v[i]), false);
	Run(q, in->state_type, &col, 1, SPI_OK_SELECT);
}

/*
 * After every chunk: the states of shipments whose events were revised or
 * retracted derived again, their changes announced (and with several
 * chunks every change, once), then cbl.states_changed() with all of them.
 */
static void
FinishCall(Ingest *in)
{
	Int64List	derived = {0};

	Int64Unique(&in->replaced);
	if (in->replaced.n > 0)
	{
		bool		isnull;
		Datum		d;

		RunIds(in, Q_DERIVE, &in->replaced);
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		if (!isnull)
		{
			ArrayType  *a = DatumGetArrayTypeP(d);
			Datum	   *vals;
			int			n;

			deconstruct_array(a, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &vals, NULL, &n);
			for (int i = 0; i < n; i++)
			{
				Int64Add(&in->changed, DatumGetInt64(vals[i]));
				Int64Add(&derived, DatumGetInt64(vals[i]));
			}
		}
		SPI_freetuptable(SPI_tuptable);
	}
	Int64Unique(&in->changed);
	if (in->notify_at_end ? in->changed.n > 0 : derived.n > 0)
	{
		RunIds(in, Q_ANNOUNCE, in->notify_at_end ? &in->changed : &derived);
		SPI_freetuptable(SPI_tuptable);
	}
	if (in->changed.n > 0)
	{
		RunIds(in, Q_CHANGED, &in->changed);
		SPI_freetuptable(SPI_tuptable);
	}
}

/*
 * Where the elements come from: an array of parsed events, a stream over
 * the batch text, or (should the stream and jansson disagree) the batch
 * parsed whole.
 */
typedef struct Source
{
	const ParsedEvent *events;
	size_t		n;
	EventStream *stream;
	EventBatch *batch;
	const char *text;
	size_t		len;
} Source;

/* Element i (from 0) into *e, copying what must outlive the parser's element. */
static void
SourceAt(Source *src, size_t i, size_t offset, size_t length, Elem *e)
{
	ParsedEvent ev;

	if (src->events != NULL)
	{
		ElemFrom(e, &src->events[i], (int32) i + 1, false);
		return;
	}
	if (src->batch != NULL)
	{
		EventBatchElement(src->batch, i, &ev);
		ElemFrom(e, &ev, (int32) i + 1, false);
		return;
	}
	if (EventStreamAt(src->stream, offset, length, &ev) != 1)
		elog(ERROR, "ingest: element %zu of the batch no longer parses", i + 1);
	ElemFrom(e, &ev, (int32) i + 1, true);
	e->offset = offset;
	e->length = length;
}

/* The identity's partition of an element: (source, event_id), or its position. */
static uint32
PartitionHash(const ParsedEvent *ev, size_t i)
{
	StringInfoData buf;
	uint32		h;

	if (!ev->ok)
		return hash_bytes_uint32((uint32) i);
	initStringInfo(&buf);
	appendStringInfo(&buf, "%s\x1f%s", ev->source, ev->event_id);
	h = hash_bytes((const unsigned char *) buf.data, buf.len);
	pfree(buf.data);
	return h;
}

static void
BatchError(const char *text, size_t len, EventBatch **batch_out)
{
	char		errbuf[256];
	EventBatch *batch = EventBatchParse(text, len, errbuf, sizeof(errbuf));

	if (batch == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid event batch: %s", errbuf),
				 errhint("A batch is a JSON array of event objects; see docs/milestones.md.")));
	*batch_out = batch;
}

typedef struct Place
{
	uint32		hash;
	uint32		length;
	size_t		offset;
} Place;

/*
 * Read the batch: one chunk if it holds up to INGEST_CHUNK elements, else
 * partitions by identity, each read again from the source.
 */
static void
IngestSource(Ingest *in, Source *src, MemoryContext chunk_cxt)
{
	MemoryContext outer = CurrentMemoryContext;
	Chunk		c = {0};
	Place	   *places = NULL;
	size_t		n = 0;
	size_t		cap = 0;
	bool		big = false;

	MemoryContextSwitchTo(chunk_cxt);
	for (;;)
	{
		ParsedEvent evbuf;
		const ParsedEvent *ev;
		size_t		offset = 0,
					length = 0;

		CHECK_FOR_INTERRUPTS();
		if (src->events != NULL)
		{
			if (n == src->n)
				break;
			ev = &src->events[n];
		}
		else if (src->batch != NULL)
		{
			if (n == EventBatchSize(src->batch))
				break;
			EventBatchElement(src->batch, n, &evbuf);
			ev = &evbuf;
		}
		else
		{
			int			r = EventStreamNext(src->stream, &evbuf, &offset, &length);

			if (r == 0)
				break;
			if (r < 0)
			{
				/* not a JSON array: jansson says where; or read it whole */
				MemoryContextSwitchTo(outer);
				MemoryContextReset(chunk_cxt);
				BatchError(src->text, src->len, &src->batch);
				IngestSource(in, src, chunk_cxt);
				return;
			}
			ev = &evbuf;
		}
		if (n == INGEST_CHUNK && !big)
		{
			/* too many for one chunk: keep only each element's place */
			big = true;
			MemoryContextSwitchTo(outer);
			cap = INGEST_CHUNK * 4;
			places = MemoryContextAllocHuge(outer, cap * sizeof(Place));
			for (size_t i = 0; i < n; i++)
			{
				ParsedEvent old;

				memset(&old, 0, sizeof(old));
				old.ok = c.elems[i].ok;
				old.source = c.elems[i].source;
				old.event_id = c.elems[i].event_id;
				places[i].hash = PartitionHash(&old, i);
				places[i].offset = c.elems[i].offset;
				places[i].length = (uint32) c.elems[i].length;
			}
			MemoryContextReset(chunk_cxt);
			memset(&c, 0, sizeof(c));
		}
		if (!big)
		{
			Elem		e;

			ElemFrom(&e, ev, (int32) n + 1, src->events == NULL && src->batch == NULL);
			e.offset = offset;
			e.length = length;
			ChunkAdd(&c, &e);
		}
		else
		{
			if (n == cap)
			{
				cap *= 2;
				places = repalloc_huge(places, cap * sizeof(Place));
			}
			places[n].hash = PartitionHash(ev, n);
			places[n].offset = offset;
			places[n].length = (uint32) length;
		}
		n++;
	}
	MemoryContextSwitchTo(outer);

	if (!big)
	{
		MemoryContextSwitchTo(chunk_cxt);
		ProcessChunk(in, &c);
		MemoryContextSwitchTo(outer);
		MemoryContextReset(chunk_cxt);
		return;
	}

	/* every bucket, in order: the partitions' shipments are not known yet */
	{
		bool		all[LOCK_BUCKETS];

		memset(all, true, sizeof(all));
		LockBuckets(all);
		in->all_locked = true;
		in->notify_at_end = true;
	}
	{
		uint32		parts = (uint32) ((n + INGEST_CHUNK / 2 - 1) / (INGEST_CHUNK / 2));

		for (uint32 p = 0; p < parts; p++)
		{
			MemoryContextSwitchTo(chunk_cxt);
			memset(&c, 0, sizeof(c));
			for (size_t i = 0; i < n; i++)
			{
				Elem		e;

				if (places[i].hash % parts != p)
					continue;
				CHECK_FOR_INTERRUPTS();
				SourceAt(src, i, places[i].offset, places[i].length, &e);
				ChunkAdd(&c, &e);
			}
			ProcessChunk(in, &c);
			MemoryContextSwitchTo(outer);
			MemoryContextReset(chunk_cxt);
		}
	}
}

/* Run the whole call; fcinfo's result row is returned. */
static Datum
IngestCall(FunctionCallInfo fcinfo, Source *src)
{
	Ingest		in = {0};
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7] = {false};
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext chunk_cxt;
	int			save_nestlevel;
	HeapTuple	tuple;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "cbl.ingest_events must return a row");
	tupdesc = BlessTupleDesc(tupdesc);

	/* like a function with SET search_path = pg_catalog, pg_temp */
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	SPI_connect();
	in.state_type = StateTypeOid();
	in.text = src->text;
	in.changed.cxt = in.replaced.cxt = CurrentMemoryContext;	/* SPI's: until SPI_finish */
	chunk_cxt = AllocSetContextCreate(CurrentMemoryContext, "cbl ingest chunk", ALLOCSET_DEFAULT_SIZES);
	StepStart();
	IngestSource(&in, src, chunk_cxt);
	FinishCall(&in);
	StepDone("finish");
	SPI_finish();

	AtEOXact_GUC(true, save_nestlevel);

	MemoryContextSwitchTo(caller);
	values[0] = Int64GetDatum(in.accepted);
	values[1] = Int64GetDatum(in.duplicate);
	values[2] = Int64GetDatum(in.updated);
	values[3] = Int64GetDatum(in.conflict);
	values[4] = Int64GetDatum(in.retracted);
	values[5] = Int64GetDatum(in.rejected);
	values[6] = Int64GetDatum(in.pending);
	tuple = heap_form_tuple(tupdesc, values, nulls);
	return HeapTupleGetDatum(tuple);
}

Datum
IngestParsedEvents(FunctionCallInfo fcinfo, const ParsedEvent *events, size_t n)
{
	Source		src = {0};

	if (n > (size_t) PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("event batch of %zu elements is too large", n)));
	src.events = events;
	src.n = n;
	return IngestCall(fcinfo, &src);
}

/* Ingest a batch held in text. */
static Datum
IngestText(FunctionCallInfo fcinfo, const char *text, size_t len)
{
	Source	   *src = palloc0(sizeof(Source));	/* not a local: PG_FINALLY reads it */
	volatile Datum result = (Datum) 0;

	src->text = text;
	src->len = len;
	src->stream = EventStreamOpen(text, len);
	if (src->stream == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	PG_TRY();
	{
		result = IngestCall(fcinfo, src);
	}
	PG_FINALLY();
	{
		EventStreamClose(src->stream);
		EventBatchFree(src->batch);
	}
	PG_END_TRY();
	return result;
}

/* cbl.ingest_events(text): raw JSON text, for clients that do not build jsonb. */
Datum
cbl_ingest_events_text(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	return IngestText(fcinfo, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/* cbl.ingest_events(jsonb) */
Datum
cbl_ingest_events_jsonb(PG_FUNCTION_ARGS)
{
	Jsonb	   *j = PG_GETARG_JSONB_P(0);
	char	   *text = JsonbToCString(NULL, &j->root, VARSIZE(j));

	return IngestText(fcinfo, text, strlen(text));
}
