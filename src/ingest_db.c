/*
 * ingest_db.c
 *	  The database side of ingest (ingest.h): its prepared statements, the
 *	  rows it hands them (cbl.ingest_rowset), and the look-ups it makes
 *	  through an index without a statement.
 */
#include "postgres.h"

#include "access/attmap.h"
#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/visibilitymap.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "storage/bufmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/relcache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "ingest.h"

/* ---- SPI arguments: one array per column ---------------------------------- */

void
ColInit(Col *c, Oid type, int cap)
{
	c->type = type;
	c->v = palloc(Max(cap, 1) * sizeof(Datum));
	c->isnull = palloc(Max(cap, 1) * sizeof(bool));
	c->n = 0;
}

void
ColDatum(Col *c, Datum d, bool isnull)
{
	c->v[c->n] = d;
	c->isnull[c->n] = isnull;
	c->n++;
}

void
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
		"JOIN cbl.milestone m ON m.code = upper(u.x)",
		1, {TEXTARRAYOID}
	},
	/*
	 * the most specific row: the exact qualifier, then its prefixes up to a
	 * '.', then ''; the exact version before ''; a user's row before a
	 * shipped one
	 */
	[Q_CODE_MAP] = {
		"SELECT u.i::int4, cm.milestone, cm.classifier, cm.reason_code "
		"FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY "
		"     u(standard, code, version, qualifier, i) "
		"CROSS JOIN LATERAL ("
		"  SELECT c.milestone, c.classifier, c.reason_code FROM cbl.code_map c "
		"   WHERE c.standard = u.standard AND c.code = u.code "
		"     AND c.version IN (coalesce(u.version, ''), '') "
		"     AND (c.qualifier = '' OR c.qualifier = u.qualifier "
		"          OR pg_catalog.starts_with(u.qualifier, c.qualifier || '.')) "
		"   ORDER BY pg_catalog.length(c.qualifier) DESC, c.version = '', c.builtin LIMIT 1) cm",
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
		"INSERT INTO cbl.event_conflict (shipment_id, source, event_id, stored_revision, incoming, reason, "
		"  content_hash) "
		"SELECT u.shipment_id, u.source, u.event_id, u.stored_revision, cbl.ingest_row_json(" ROW_VALUE "), u.reason, "
		"  u.content_hash "
		"FROM unnest(" ROW_ARGS ", $17::int4[], $18::text[]) " ROW_COLUMNS ", stored_revision, reason) "
		"ON CONFLICT DO NOTHING",
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
		"INSERT INTO cbl.event_reject (position, reason, element, element_hash) "
		"SELECT r.position, r.reason, r.element, pg_catalog.md5(r.element) "
		"FROM (SELECT u.position, u.reason, coalesce(u.raw, cbl.ingest_row_json(" ROW_VALUE ")::text) AS element "
		"      FROM unnest(" ROW_ARGS ", $17::text[], $18::text[]) " ROW_COLUMNS ", reason, raw)) r "
		"ORDER BY r.position "
		"ON CONFLICT DO NOTHING",
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
	/*
	 * the same by shipment id, when the states were read through a query
	 * (Citus: a row version's tid means nothing across shards); the rows
	 * are read once, here, and not where the table's rows are
	 */
	[Q_STATE_UPDATE_BY_ID] = {
		"WITH u AS MATERIALIZED ("
		"  SELECT * FROM cbl.ingest_rowset() AS r(shipment_id int8, state cbl.milestone_state)) "
		"UPDATE cbl.shipment_state ss SET state = u.state, changed_at = now() "
		"FROM u WHERE ss.shipment_id = u.shipment_id",
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
Oid
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
void
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

int32
GetInt32(int row, int col, bool *isnull)
{
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);

	return *isnull ? 0 : DatumGetInt32(d);
}

/* A text column as a palloc'd C string, or NULL. */
char *
GetText(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* Run q with one array of ids. */
void
RunIds(Ingest *in, QueryId q, const Int64List *ids)
{
	Col			col;

	ColInit(&col, INT8OID, ids->n);
	for (int i = 0; i < ids->n; i++)
		ColDatum(&col, Int64GetDatum(ids->v[i]), false);
	Run(q, in->state_type, &col, 1, SPI_OK_SELECT);
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
static Oid
CblRelid(const char *name)
{
	Oid			relid = get_relname_relid(name, get_namespace_oid("cbl", false));

	if (!OidIsValid(relid))
		elog(ERROR, "relation cbl.%s does not exist", name);
	return relid;
}

/*
 * Partitioned tables.  A probe opens the leaf partition that its first key
 * column routes to (partitioned by that column alone, as cbl.event is by
 * shipment_id), and reads it through the leaf's own index: its partition of
 * the named index if the parent has one (a partitioned index has no
 * storage), else the leaf's primary key (cbl.event's partitions each have
 * theirs: 72_event.sql).  Ingest probes in key order, so the keys of one
 * partition come together and each leaf is opened once per probe.  Leaves
 * stay locked to the end of the transaction, as a query's would.
 */
/* No leaf open: the state a probe of a partitioned table starts in. */
static void
ProbeNoLeaf(Probe *p)
{
	p->heap = NULL;
	p->index = NULL;
	p->scan = NULL;
	p->slot = NULL;
	p->map = NULL;
	p->leaf = InvalidOid;
	p->vmbuffer = InvalidBuffer;
}

static void
ProbeLeafClose(Probe *p)
{
	if (p->heap == NULL)
		return;
	if (BufferIsValid(p->vmbuffer))
		ReleaseBuffer(p->vmbuffer);
	p->vmbuffer = InvalidBuffer;
	index_endscan(p->scan);
	ExecDropSingleTupleTableSlot(p->slot);
	index_close(p->index, NoLock);
	table_close(p->heap, NoLock);
	if (p->map)
		free_attrmap(p->map);
	ProbeNoLeaf(p);
}

/* The leaf partition of the parent that a value of its partition key goes to, or InvalidOid. */
static Oid
ProbeRoute(Probe *p, Datum value)
{
	PartitionKey key = RelationGetPartitionKey(p->parent);
	PartitionDesc desc = RelationGetPartitionDesc(p->parent, true);
	PartitionBoundInfo bounds = desc->boundinfo;
	int			part = -1;

	if (bounds == NULL)
		return InvalidOid;		/* no partition at all */
	if (bounds->ndatums > 0)
	{
		bool		equal;
		int			offset = partition_range_datum_bsearch(key->partsupfunc, key->partcollation,
														   bounds, 1, &value, &equal);

		/* the bound at offset is <= value: the one after it bounds its partition, if any */
		part = bounds->indexes[offset + 1];
	}
	if (part < 0)
		part = bounds->default_index;
	if (part < 0)
		return InvalidOid;
	if (!desc->is_leaf[part])
		elog(ERROR, "ingest does not support sub-partitions of cbl.%s",
			 RelationGetRelationName(p->parent));
	return desc->oids[part];
}

static void
ProbeLeafOpen(Probe *p, Oid leaf)
{
	Oid			index;

	p->heap = table_open(leaf, AccessShareLock);
	index = OidIsValid(p->parent_index) ? index_get_partition(p->heap, p->parent_index) :
		RelationGetPrimaryKeyIndex(p->heap);
	if (!OidIsValid(index))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("partition %s of cbl.%s has no primary key",
						RelationGetRelationName(p->heap), RelationGetRelationName(p->parent)),
				 errhint("Make partitions with cbl.create_partitions(), or give yours the primary key (shipment_id, source, event_id, revision).")));
	p->index = index_open(index, AccessShareLock);
	{
		PartitionKey key = RelationGetPartitionKey(p->parent);
		const char *first = get_attname(RelationGetRelid(p->heap), p->index->rd_index->indkey.values[0], false);

		if (IndexRelationGetNumberOfKeyAttributes(p->index) < p->nkeys ||
			strcmp(first, get_attname(RelationGetRelid(p->parent), key->partattrs[0], false)) != 0)
			elog(ERROR, "index %s of partition %s does not start with the partition key of cbl.%s",
				 RelationGetRelationName(p->index), RelationGetRelationName(p->heap),
				 RelationGetRelationName(p->parent));
		for (int k = 0; k < p->nkeys; k++)
			p->keys[k].sk_collation = p->index->rd_indcollation[k];
	}
	p->slot = table_slot_create(p->heap, NULL);
	p->map = build_attrmap_by_name_if_req(RelationGetDescr(p->heap), RelationGetDescr(p->parent));
	p->scan = index_beginscan(p->heap, p->index, p->snapshot, p->nkeys, 0);
	p->vmbuffer = InvalidBuffer;
	p->leaf = leaf;
}

static void
ProbeOpenPartitioned(Probe *p, Oid relid, Oid index)
{
	PartitionKey key;

	p->parent = table_open(relid, AccessShareLock);
	p->parent_index = index;
	key = RelationGetPartitionKey(p->parent);
	if (key->strategy != PARTITION_STRATEGY_RANGE || key->partnatts != 1 || key->partattrs[0] == 0)
		elog(ERROR, "ingest supports cbl.%s partitioned by a range of one column only",
			 RelationGetRelationName(p->parent));
	ProbeNoLeaf(p);
}

bool		cbl_ingest_probe_by_query = false;

/*
 * Citus.  On a Citus node a distributed or reference table is a shell whose
 * rows are in shards: its own heap and indexes are empty (or hold the stale
 * copy create_distributed_table leaves), and only a query reaches the rows.
 * So a probe of a Citus table (one that pg_dist_partition lists) runs a
 * query per key instead, planned once: the same rows, in index order,
 * through the executor (docs/scaling.md).  cbl.ingest_probe_by_query forces
 * this path on a single node, where the tests run it.  It needs the
 * caller's SPI connection (ingest holds one throughout).
 */
static bool
ProbeIsCitusTable(Oid relid)
{
	Oid			dist = get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE);
	Oid			argtype = OIDOID;
	Datum		arg = ObjectIdGetDatum(relid);
	SPITupleTable *saved = SPI_tuptable;
	uint64		saved_processed = SPI_processed;
	bool		found;

	if (!OidIsValid(dist))
		return false;			/* Citus is not installed in this database */
	if (SPI_execute_with_args("SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid OPERATOR(pg_catalog.=) $1",
							  1, &argtype, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "cbl ingest: could not read pg_dist_partition");
	found = SPI_processed > 0;
	SPI_freetuptable(SPI_tuptable);
	SPI_tuptable = saved;
	SPI_processed = saved_processed;
	return found;
}

/* The table's attribute number of a column of index (of the table or of one of its partitions). */
static AttrNumber
ProbeIndexColumn(Relation table, Relation index, int i)
{
	AttrNumber	att = index->rd_index->indkey.values[i];
	const char *name;
	AttrNumber	mine;

	if (att == 0)
		elog(ERROR, "cbl ingest: index %s has an expression column", RelationGetRelationName(index));
	name = get_attname(index->rd_index->indrelid, att, false);
	mine = get_attnum(RelationGetRelid(table), name);
	if (mine == InvalidAttrNumber)
		elog(ERROR, "cbl.%s has no column %s", RelationGetRelationName(table), name);
	return mine;
}

static void
ProbeOpenQuery(Probe *p, Oid relid, const char *index, int nkeys)
{
	Oid			indexid = get_relname_relid(index, get_namespace_oid("cbl", false));
	Relation	ind;
	TupleDesc	desc;
	StringInfoData sql;
	Oid			argtypes[3];
	int			nkeyatts;

	p->byquery = true;
	p->heap = table_open(relid, AccessShareLock);
	p->index = NULL;
	p->scan = NULL;
	p->slot = NULL;
	p->rows = NULL;
	p->current = NULL;
	p->row = 0;
	/* the named index; for a partitioned table without it, the primary key of a partition */
	if (!OidIsValid(indexid) && get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE)
	{
		PartitionDesc pd = RelationGetPartitionDesc(p->heap, true);

		for (int i = 0; i < pd->nparts && !OidIsValid(indexid); i++)
		{
			Relation	leaf = table_open(pd->oids[i], AccessShareLock);

			indexid = RelationGetPrimaryKeyIndex(leaf);
			table_close(leaf, NoLock);
		}
	}
	if (!OidIsValid(indexid))
		elog(ERROR, "cbl ingest: no index %s for cbl.%s", index, RelationGetRelationName(p->heap));
	ind = index_open(indexid, AccessShareLock);
	if (IndexRelationGetNumberOfKeyAttributes(ind) < nkeys || nkeys > 3)
		elog(ERROR, "cbl ingest: index %s has fewer than %d key columns", RelationGetRelationName(ind), nkeys);
	p->nindexatts = IndexRelationGetNumberOfAttributes(ind);
	nkeyatts = IndexRelationGetNumberOfKeyAttributes(ind);
	for (int i = 0; i < p->nindexatts; i++)
		p->indexatts[i] = ProbeIndexColumn(p->heap, ind, i);
	index_close(ind, NoLock);

	/* every column, at its attribute number; the keys; the index's order */
	desc = RelationGetDescr(p->heap);
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);

		if (a > 0)
			appendStringInfoString(&sql, ", ");
		if (att->attisdropped)
			appendStringInfoString(&sql, "NULL");
		else
			appendStringInfoString(&sql, quote_identifier(NameStr(att->attname)));
	}
	appendStringInfo(&sql, " FROM cbl.%s WHERE ", quote_identifier(RelationGetRelationName(p->heap)));
	for (int k = 0; k < nkeys; k++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, p->indexatts[k] - 1);

		appendStringInfo(&sql, "%s%s OPERATOR(pg_catalog.=) $%d", k > 0 ? " AND " : "",
						 quote_identifier(NameStr(att->attname)), k + 1);
		argtypes[k] = att->atttypid;
	}
	appendStringInfoString(&sql, " ORDER BY ");
	for (int i = 0; i < nkeyatts; i++)
		appendStringInfo(&sql, "%s%s", i > 0 ? ", " : "",
						 quote_identifier(NameStr(TupleDescAttr(desc, p->indexatts[i] - 1)->attname)));
	p->plan = SPI_prepare(sql.data, nkeys, argtypes);
	if (p->plan == NULL)
		elog(ERROR, "cbl ingest: could not prepare \"%s\": %s", sql.data, SPI_result_code_string(SPI_result));
	pfree(sql.data);
}

static void
ProbeKeysQuery(Probe *p, const Datum *values)
{
	SPITupleTable *saved = SPI_tuptable;
	uint64		saved_processed = SPI_processed;

	if (p->rows)
		SPI_freetuptable(p->rows);
	p->rows = NULL;
	p->current = NULL;
	p->row = 0;
	/* not read-only: a fresh snapshot, which sees this transaction's writes */
	if (SPI_execute_plan(p->plan, (Datum *) values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "cbl ingest: a probe of cbl.%s failed", RelationGetRelationName(p->heap));
	p->rows = SPI_tuptable;
	/* the caller may be reading the result of its own last query */
	SPI_tuptable = saved;
	SPI_processed = saved_processed;
}

static bool
ProbeNextQuery(Probe *p)
{
	if (p->rows == NULL || p->row >= p->rows->numvals)
		return false;
	p->current = p->rows->vals[p->row++];
	return true;
}

/* Open table through index (its first nkeys columns, compared with procs). */
void
ProbeOpen(Probe *p, const char *table, const char *index, int nkeys, const Oid *procs)
{
	Oid			relid = CblRelid(table);
	Oid			indexid;
	AclResult	acl = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);

	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, OBJECT_TABLE, psprintf("cbl.%s", table));
	if (check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ingest does not support row-level security on cbl.%s", table)));
	p->parent = NULL;
	p->map = NULL;
	p->leaf = InvalidOid;
	p->nkeys = nkeys;
	p->byquery = false;
	if (cbl_ingest_probe_by_query || ProbeIsCitusTable(relid))
	{
		ProbeOpenQuery(p, relid, index, nkeys);
		return;
	}
	if (get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE)
	{
		/* the named partitioned index, if the parent has it; else the leaves' primary keys */
		ProbeOpenPartitioned(p, relid, get_relname_relid(index, get_namespace_oid("cbl", false)));
		CommandCounterIncrement();
		p->snapshot = RegisterSnapshot(GetTransactionSnapshot());
		/* each leaf's index sets the collations */
		for (int k = 0; k < nkeys; k++)
			ScanKeyEntryInitialize(&p->keys[k], 0, k + 1, BTEqualStrategyNumber, InvalidOid,
								   InvalidOid, procs[k], (Datum) 0);
		return;					/* the leaves open as keys route to them */
	}
	indexid = CblRelid(index);
	p->heap = table_open(relid, AccessShareLock);
	p->index = index_open(indexid, AccessShareLock);
	CommandCounterIncrement();
	p->snapshot = RegisterSnapshot(GetTransactionSnapshot());
	for (int k = 0; k < nkeys; k++)
		ScanKeyEntryInitialize(&p->keys[k], 0, k + 1, BTEqualStrategyNumber, InvalidOid,
							   p->index->rd_indcollation[k], procs[k], (Datum) 0);
	p->slot = table_slot_create(p->heap, NULL);
	p->scan = index_beginscan(p->heap, p->index, p->snapshot, nkeys, 0);
	p->vmbuffer = InvalidBuffer;
}

/*
 * The next row as the index holds it (its key and INCLUDE columns) into
 * values/isnull, like an index-only scan: the heap is visited only for
 * pages not all-visible (rows changed since the last vacuum).
 */
bool
ProbeNextIndexOnly(Probe *p, Datum *values, bool *isnull)
{
	ItemPointer tid;

	if (p->byquery)
	{
		if (!ProbeNextQuery(p))
			return false;
		for (int i = 0; i < p->nindexatts; i++)
			values[i] = SPI_getbinval(p->current, p->rows->tupdesc, p->indexatts[i], &isnull[i]);
		return true;
	}
	if (p->scan == NULL)
		return false;			/* a key of no partition */
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
void
ProbeKeys(Probe *p, const Datum *values)
{
	if (p->byquery)
	{
		ProbeKeysQuery(p, values);
		return;
	}
	if (p->parent)
	{
		Oid			leaf = ProbeRoute(p, values[0]);

		if (leaf != p->leaf)
		{
			ProbeLeafClose(p);
			if (OidIsValid(leaf))
				ProbeLeafOpen(p, leaf);
		}
		if (p->scan == NULL)
			return;
	}
	for (int k = 0; k < p->nkeys; k++)
		p->keys[k].sk_argument = values[k];
	index_rescan(p->scan, p->keys, p->nkeys, NULL, 0);
}

bool
ProbeNext(Probe *p)
{
	if (p->byquery)
		return ProbeNextQuery(p);
	if (p->scan == NULL)
		return false;			/* a key of no partition */
	return index_getnext_slot(p->scan, ForwardScanDirection, p->slot);
}

/* A column of the current row, by its number in the table opened. */
Datum
ProbeGet(Probe *p, AttrNumber att, bool *isnull)
{
	if (p->byquery)
		return SPI_getbinval(p->current, p->rows->tupdesc, att, isnull);
	if (p->map)
		att = p->map->attnums[att - 1];
	return slot_getattr(p->slot, att, isnull);
}

void
ProbeClose(Probe *p)
{
	if (p->byquery)
	{
		if (p->rows)
			SPI_freetuptable(p->rows);
		p->rows = NULL;
		SPI_freeplan(p->plan);
		table_close(p->heap, NoLock);	/* locked to the end of the transaction, as a query would */
		return;
	}
	UnregisterSnapshot(p->snapshot);
	if (p->parent)
	{
		ProbeLeafClose(p);
		table_close(p->parent, AccessShareLock);
		p->parent = NULL;
		return;
	}
	if (BufferIsValid(p->vmbuffer))
		ReleaseBuffer(p->vmbuffer);
	index_endscan(p->scan);
	ExecDropSingleTupleTableSlot(p->slot);
	index_close(p->index, AccessShareLock);
	table_close(p->heap, AccessShareLock);
}

AttrNumber
Att(Probe *p, const char *column)
{
	Relation	rel = p->parent ? p->parent : p->heap;
	AttrNumber	a = get_attnum(RelationGetRelid(rel), column);

	if (a == InvalidAttrNumber)
		elog(ERROR, "cbl.%s has no column %s", RelationGetRelationName(rel), column);
	return a;
}

