/*
 * state_access.c
 *	  Reading a cbl.milestone_state against its framework, in C:
 *	  cbl.current_milestone, cbl.is_terminal, cbl.missing_milestones,
 *	  cbl.milestone_time, cbl.state_steps and cbl.state_summary
 *	  (71_state_access.sql), and the same for ingest's notifications.
 *
 * The frameworks' steps and the milestone vocabulary are cached per backend.
 * Statement triggers on cbl.framework, cbl.framework_step and
 * cbl.milestone send a relcache invalidation for their table on every
 * change (cbl.framework_cache_trigger); the relcache callback registered
 * here only bumps a generation counter, and the next reader loads
 * everything again with the latest snapshot (the tables are small), as
 * src/rate_card.c does for rate cards.  A transaction sees its own changes
 * (the invalidation is processed at the next command) and an aborted one
 * flushes the cache again.  In parallel mode, where a new snapshot cannot
 * be taken, a load uses the active snapshot and serves the current
 * transaction only.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "cbl.h"
#include "milestone_state.h"
#include "state_access.h"

PG_FUNCTION_INFO_V1(cbl_current_milestone);
PG_FUNCTION_INFO_V1(cbl_is_terminal);
PG_FUNCTION_INFO_V1(cbl_missing_milestones);
PG_FUNCTION_INFO_V1(cbl_milestone_time);
PG_FUNCTION_INFO_V1(cbl_state_steps);
PG_FUNCTION_INFO_V1(cbl_state_summary);
PG_FUNCTION_INFO_V1(cbl_framework_cache_trigger);

/* ---- the cache ------------------------------------------------------------- */

typedef struct Vocabulary
{
	int			nframeworks;
	FrameworkInfo *frameworks;	/* by id */
	int			nmilestones;
	int16	   *milestone_ids;	/* sorted */
	char	  **milestone_codes;	/* in the same order */
	LocalTransactionId lxid;	/* valid in this transaction only, or Invalid: always */
} Vocabulary;

static Vocabulary *vocabulary = NULL;
static MemoryContext cache_context = NULL;
static uint64 cache_generation = 1;	/* bumped by every invalidation */
static uint64 cache_built_generation = 0;
static Oid	watched[3] = {InvalidOid, InvalidOid, InvalidOid};	/* framework, _step, milestone */
static bool callback_registered = false;

static void
FrameworkRelcacheCallback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == watched[0] || relid == watched[1] || relid == watched[2])
	{
		cache_generation++;
		/* looked up again: the tables may have been dropped and created anew */
		watched[0] = watched[1] = watched[2] = InvalidOid;
	}
}

static int
FrameworkIdCmp(const void *a, const void *b)
{
	return ((const FrameworkInfo *) a)->id - ((const FrameworkInfo *) b)->id;
}

static void
LoadVocabulary(void)
{
	static SPIPlanPtr steps_plan = NULL;
	static SPIPlanPtr milestones_plan = NULL;
	bool		parallel = IsInParallelMode();
	Snapshot	snap;
	MemoryContext old;
	Vocabulary *v;
	Oid			nsp = get_namespace_oid("cbl", false);

	watched[0] = get_relname_relid("framework", nsp);
	watched[1] = get_relname_relid("framework_step", nsp);
	watched[2] = get_relname_relid("milestone", nsp);

	SPI_connect();
	if (steps_plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare("SELECT f.id::pg_catalog.int4, f.code, fs.position::pg_catalog.int4, "
									"fs.milestone, m.id::pg_catalog.int4, fs.required, fs.terminal, fs.sla "
									"FROM cbl.framework f "
									"LEFT JOIN cbl.framework_step fs ON fs.framework OPERATOR(pg_catalog.=) f.code "
									"LEFT JOIN cbl.milestone m ON m.code OPERATOR(pg_catalog.=) fs.milestone "
									"ORDER BY 1, 3", 0, NULL);

		if (p == NULL)
			elog(ERROR, "could not prepare the framework query: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		steps_plan = p;
	}
	if (milestones_plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare("SELECT id::pg_catalog.int4, code FROM cbl.milestone ORDER BY 1", 0, NULL);

		if (p == NULL)
			elog(ERROR, "could not prepare the milestone query: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		milestones_plan = p;
	}
	/* catalog-like: the latest committed rows, unless that cannot be had */
	snap = parallel ? GetActiveSnapshot() : GetLatestSnapshot();

	if (cache_context == NULL)
		cache_context = AllocSetContextCreate(CacheMemoryContext, "cbl frameworks", ALLOCSET_SMALL_SIZES);
	MemoryContextReset(cache_context);
	vocabulary = NULL;
	v = MemoryContextAllocZero(cache_context, sizeof(Vocabulary));
	v->lxid = parallel ? MyProc->lxid : InvalidLocalTransactionId;

	if (SPI_execute_snapshot(milestones_plan, NULL, NULL, snap, InvalidSnapshot, true, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read cbl.milestone");
	old = MemoryContextSwitchTo(cache_context);
	v->nmilestones = (int) SPI_processed;
	v->milestone_ids = palloc(Max(v->nmilestones, 1) * sizeof(int16));
	v->milestone_codes = palloc(Max(v->nmilestones, 1) * sizeof(char *));
	for (int i = 0; i < v->nmilestones; i++)
	{
		bool		isnull;

		v->milestone_ids[i] = (int16) DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		v->milestone_codes[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
	}
	MemoryContextSwitchTo(old);

	if (SPI_execute_snapshot(steps_plan, NULL, NULL, snap, InvalidSnapshot, true, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read cbl.framework_step");
	old = MemoryContextSwitchTo(cache_context);
	v->frameworks = palloc0(Max(SPI_processed, 1) * sizeof(FrameworkInfo));
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int32		id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		FrameworkInfo *f = v->nframeworks > 0 ? &v->frameworks[v->nframeworks - 1] : NULL;
		FrameworkStepInfo *st;
		Datum		sla;

		if (f == NULL || f->id != id)
		{
			f = &v->frameworks[v->nframeworks++];
			f->id = id;
			f->code = SPI_getvalue(tup, desc, 2);
			f->steps = palloc0(16 * sizeof(FrameworkStepInfo));
			f->cap = 16;
		}
		(void) SPI_getbinval(tup, desc, 3, &isnull);
		if (isnull)
			continue;			/* a framework without steps */
		if (f->nsteps == f->cap)
		{
			f->cap *= 2;
			f->steps = repalloc(f->steps, f->cap * sizeof(FrameworkStepInfo));
		}
		st = &f->steps[f->nsteps++];
		st->position = (int16) DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
		st->milestone = SPI_getvalue(tup, desc, 4);
		st->milestone_id = (int16) DatumGetInt32(SPI_getbinval(tup, desc, 5, &isnull));
		st->required = DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull));
		st->terminal = DatumGetBool(SPI_getbinval(tup, desc, 7, &isnull));
		sla = SPI_getbinval(tup, desc, 8, &isnull);
		st->has_sla = !isnull;
		if (!isnull)
			st->sla = *DatumGetIntervalP(sla);
	}
	MemoryContextSwitchTo(old);
	SPI_finish();
	qsort(v->frameworks, v->nframeworks, sizeof(FrameworkInfo), FrameworkIdCmp);
	vocabulary = v;
}

/* The cache, loaded if it is missing or stale. */
static Vocabulary *
GetVocabulary(void)
{
	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(FrameworkRelcacheCallback, (Datum) 0);
		callback_registered = true;
	}
	if (cache_built_generation != cache_generation ||
		(vocabulary != NULL && vocabulary->lxid != InvalidLocalTransactionId && vocabulary->lxid != MyProc->lxid))
		vocabulary = NULL;
	if (vocabulary == NULL)
	{
		uint64		generation = cache_generation;

		LoadVocabulary();
		/* an invalidation during the load: use what was read, reload next time */
		cache_built_generation = generation;
	}
	return vocabulary;
}

const FrameworkInfo *
FrameworkLookup(int16 id)
{
	Vocabulary *v = GetVocabulary();
	FrameworkInfo key;

	if (id <= 0)
		return NULL;
	key.id = id;
	return bsearch(&key, v->frameworks, v->nframeworks, sizeof(FrameworkInfo), FrameworkIdCmp);
}

int16
FrameworkIdByCode(const char *code)
{
	Vocabulary *v = GetVocabulary();

	for (int i = 0; i < v->nframeworks; i++)
		if (strcmp(v->frameworks[i].code, code) == 0)
			return (int16) v->frameworks[i].id;
	return 0;
}

/* The id of a milestone code, or 0. */
static int16
MilestoneIdOf(const char *code)
{
	Vocabulary *v = GetVocabulary();

	for (int i = 0; i < v->nmilestones; i++)
		if (strcmp(v->milestone_codes[i], code) == 0)
			return v->milestone_ids[i];
	return 0;
}

/* The framework of a state, or NULL (the empty state, an unknown id). */
static const FrameworkInfo *
StateFramework(const MilestoneState *s)
{
	return s->framework == 0 ? NULL : FrameworkLookup(s->framework);
}

/* The step of the framework the state has furthest got to (by ACT), or -1. */
static int
CurrentStep(const FrameworkInfo *f, const MilestoneState *s)
{
	for (int k = f->nsteps - 1; k >= 0; k--)
		if (MilestoneStateFind(s, f->steps[k].milestone_id, CLASSIFIER_ACT) != NULL)
			return k;
	return -1;
}

const char *
StateCurrentMilestone(const MilestoneState *s)
{
	const FrameworkInfo *f = StateFramework(s);
	int			k = f ? CurrentStep(f, s) : -1;

	return k >= 0 ? f->steps[k].milestone : NULL;
}

/* ---- the SQL functions --------------------------------------------------------- */

/* cbl.current_milestone(state): the furthest step, in framework order, that actually happened. */
Datum
cbl_current_milestone(PG_FUNCTION_ARGS)
{
	const char *m = StateCurrentMilestone(PG_GETARG_MILESTONE_STATE_P(0));

	if (m == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(m));
}

/* cbl.is_terminal(state): a terminal step actually happened. */
Datum
cbl_is_terminal(PG_FUNCTION_ARGS)
{
	MilestoneState *s = PG_GETARG_MILESTONE_STATE_P(0);
	const FrameworkInfo *f = StateFramework(s);

	for (int k = 0; f != NULL && k < f->nsteps; k++)
		if (f->steps[k].terminal && MilestoneStateFind(s, f->steps[k].milestone_id, CLASSIFIER_ACT) != NULL)
			PG_RETURN_BOOL(true);
	PG_RETURN_BOOL(false);
}

/* cbl.missing_milestones(state): required steps before the current one that never happened. */
Datum
cbl_missing_milestones(PG_FUNCTION_ARGS)
{
	MilestoneState *s = PG_GETARG_MILESTONE_STATE_P(0);
	const FrameworkInfo *f = StateFramework(s);
	int			cur = f ? CurrentStep(f, s) : -1;
	Datum	   *items = palloc(Max(cur, 1) * sizeof(Datum));
	int			n = 0;

	for (int k = 0; k < cur; k++)
		if (f->steps[k].required && f->steps[k].position < f->steps[cur].position &&
			MilestoneStateFind(s, f->steps[k].milestone_id, CLASSIFIER_ACT) == NULL)
			items[n++] = CStringGetTextDatum(f->steps[k].milestone);
	PG_RETURN_ARRAYTYPE_P(construct_array(items, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* Upper case as SQL's upper() gives it (the database's collation). */
static char *
SqlUpper(text *t)
{
	return TextDatumGetCString(DirectFunctionCall1Coll(upper, DEFAULT_COLLATION_OID, PointerGetDatum(t)));
}

/* cbl.milestone_time(state, milestone, classifier): the time held, or NULL. */
Datum
cbl_milestone_time(PG_FUNCTION_ARGS)
{
	MilestoneState *s = PG_GETARG_MILESTONE_STATE_P(0);
	char	   *code = SqlUpper(PG_GETARG_TEXT_PP(1));
	char	   *cls = SqlUpper(PG_GETARG_TEXT_PP(2));
	char		c = strcmp(cls, "ACT") == 0 ? CLASSIFIER_ACT : strcmp(cls, "EST") == 0 ? CLASSIFIER_EST
		: strcmp(cls, "PLN") == 0 ? CLASSIFIER_PLN : 0;
	int16		id = MilestoneIdOf(code);
	const MilestoneEntry *e = (c != 0 && id != 0) ? MilestoneStateFind(s, id, c) : NULL;

	if (e == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(e->at);
}

/*
 * cbl.state_steps(state): every step of the state's framework in order,
 * with the planned, estimated and actual times the state holds for it.
 */
Datum
cbl_state_steps(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MilestoneState *s = PG_GETARG_MILESTONE_STATE_P(0);
	const FrameworkInfo *f = StateFramework(s);

	InitMaterializedSRF(fcinfo, 0);
	for (int k = 0; f != NULL && k < f->nsteps; k++)
	{
		const FrameworkStepInfo *st = &f->steps[k];
		const MilestoneEntry *pln = MilestoneStateFind(s, st->milestone_id, CLASSIFIER_PLN);
		const MilestoneEntry *est = MilestoneStateFind(s, st->milestone_id, CLASSIFIER_EST);
		const MilestoneEntry *act = MilestoneStateFind(s, st->milestone_id, CLASSIFIER_ACT);
		Datum		values[9];
		bool		nulls[9] = {false};
		Interval   *sla = palloc(sizeof(Interval));

		*sla = st->sla;
		values[0] = Int16GetDatum(st->position);
		values[1] = CStringGetTextDatum(st->milestone);
		values[2] = BoolGetDatum(st->required);
		values[3] = BoolGetDatum(st->terminal);
		values[4] = IntervalPGetDatum(sla);
		nulls[4] = !st->has_sla;
		values[5] = pln ? TimestampTzGetDatum(pln->at) : (Datum) 0;
		nulls[5] = pln == NULL;
		values[6] = est ? TimestampTzGetDatum(est->at) : (Datum) 0;
		nulls[6] = est == NULL;
		values[7] = act ? TimestampTzGetDatum(act->at) : (Datum) 0;
		nulls[7] = act == NULL;
		values[8] = act ? Int64GetDatum(act->event_key) : (Datum) 0;
		nulls[8] = act == NULL;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * cbl.state_summary(state): what cbl.v_shipment_status shows of a state,
 * in one pass over the steps: the current milestone and when it happened;
 * the delivery step's (the first terminal step, required ones first)
 * expected time, estimate before plan, and actual time; whether any
 * terminal step happened.  The view aggregated cbl.state_steps for this,
 * a third of a status look-up's time.
 */
Datum
cbl_state_summary(PG_FUNCTION_ARGS)
{
	MilestoneState *s = PG_GETARG_MILESTONE_STATE_P(0);
	const FrameworkInfo *f = StateFramework(s);
	Datum		values[5] = {0};
	bool		nulls[5] = {true, true, true, true, false};
	int			cur = f ? CurrentStep(f, s) : -1;
	int			delivery = -1;
	bool		terminal = false;

	for (int k = 0; f != NULL && k < f->nsteps; k++)
	{
		const FrameworkStepInfo *st = &f->steps[k];

		if (!st->terminal)
			continue;
		if (delivery < 0 || (st->required && !f->steps[delivery].required))
			delivery = k;
		if (MilestoneStateFind(s, st->milestone_id, CLASSIFIER_ACT) != NULL)
			terminal = true;
	}
	if (cur >= 0)
	{
		values[0] = CStringGetTextDatum(f->steps[cur].milestone);
		values[1] = TimestampTzGetDatum(MilestoneStateFind(s, f->steps[cur].milestone_id, CLASSIFIER_ACT)->at);
		nulls[0] = nulls[1] = false;
	}
	if (delivery >= 0)
	{
		int16		m = f->steps[delivery].milestone_id;
		const MilestoneEntry *expected = MilestoneStateFind(s, m, CLASSIFIER_EST);
		const MilestoneEntry *actual = MilestoneStateFind(s, m, CLASSIFIER_ACT);

		if (expected == NULL)
			expected = MilestoneStateFind(s, m, CLASSIFIER_PLN);
		values[2] = expected ? TimestampTzGetDatum(expected->at) : (Datum) 0;
		nulls[2] = expected == NULL;
		values[3] = actual ? TimestampTzGetDatum(actual->at) : (Datum) 0;
		nulls[3] = actual == NULL;
	}
	values[4] = BoolGetDatum(terminal);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(CblResultDesc(fcinfo), values, nulls)));
}

/* Invalidate cbl.<name>, if it exists. */
static void
InvalidateCblTable(const char *name)
{
	Oid			nsp = get_namespace_oid("cbl", true);
	Oid			relid = OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;

	if (OidIsValid(relid))
		CacheInvalidateRelcacheByRelid(relid);
}

/*
 * The statement trigger of cbl.framework, cbl.framework_step and
 * cbl.milestone: every backend's cache of them is stale now.  The caches
 * listen for the three tables by their oids, looked up by name.  On Citus
 * the trigger fires on a shard (cbl.framework_step_102040 on a worker, or
 * the coordinator's copy of a reference table), whose invalidation no cache
 * listens for; so the three tables are invalidated by name as well (on a
 * single node, the trigger's own table again and the other two: harmless,
 * and only when frameworks change; docs/scaling.md).
 */
Datum
cbl_framework_cache_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "cbl_framework_cache_trigger: not called as a trigger");
	CacheInvalidateRelcache(td->tg_relation);
	InvalidateCblTable("framework");
	InvalidateCblTable("framework_step");
	InvalidateCblTable("milestone");
	return PointerGetDatum(NULL);
}
