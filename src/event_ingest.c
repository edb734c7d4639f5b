/*
 * event_ingest.c
 *	  cbl.ingest_events(jsonb | text) and IngestParsedEvents(): read a batch,
 *	  cut it into chunks, and take each chunk through the steps of ingest
 *	  (ingest.h lists the files).  docs/milestones.md states the semantics;
 *	  docs/performance.md measures them.
 *
 * A chunk (the whole batch, unless it is very large) goes through:
 *
 *	 1. vocabulary: the distinct milestone names and code-map keys, one
 *		query each (milestones key-share locked); elements that name no
 *		milestone are rejects
 *	 2. the content hash (128 bits) and event key of every element, in C
 *	 3. shipments: the candidate canonical forms of every reference (C, the
 *		identifier parsers of check_digit.c), looked up through
 *		cbl.reference_lookup's index, then the kind check in C
 *	 4. advisory locks on the shipments' buckets, in bucket order
 *	 5. what cbl.event holds of each identity (shipment, source, event_id),
 *		through its primary key; every element classified in C
 *	 6. the shipments written to, checked and read (framework, reference);
 *		inserts of events, conflicts, pending events and rejects
 *	 7. states: the new events of shipments that only gained events, merged
 *		in C into the stored state (a semilattice join); changed states
 *		written and announced (NOTIFY cbl_milestone)
 *
 * and at the end of the call the states of shipments whose events were
 * revised or retracted are derived again from their history
 * (cbl.derive_states), and cbl.states_changed() gets the set of shipments
 * whose stored state changed: the one place for what else follows.
 *
 * No statement runs per element: reads go through an index key by key in
 * C (ingest_db.c says why), writes are one statement per kind of row.
 *
 * Memory.  A batch is read one element at a time (EventStreamNext) and kept
 * as compact records; a batch of more than INGEST_CHUNK elements is cut into
 * partitions by a hash of the identity (source, event_id), so every version
 * of an event lands in the same partition and is classified together, as
 * in one chunk.  Each partition is read again from the batch (only each
 * element's place in the text is kept), so memory stays that of one chunk
 * plus a few bytes per element, besides the batch itself.
 */
#include "postgres.h"

#include <sys/resource.h>

#include "common/hashfn.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "catalog/namespace.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "event_ingest.h"
#include "ingest.h"

PG_FUNCTION_INFO_V1(cbl_ingest_events_text);
PG_FUNCTION_INFO_V1(cbl_ingest_events_jsonb);

/* Elements per chunk: a batch up to this size is classified in one go. */
#define INGEST_CHUNK		50000

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

void
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
	StepDone("ev-rest");
	MergeStates(in, c);
	StepDone("notify");
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
	/* before anything is looked up: see cbl.milestone_delete_check */
	LockRelationOid(get_relname_relid("event", get_namespace_oid("cbl", false)), RowExclusiveLock);
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

/* Ingest a batch held in text (event_ingest.h). */
Datum
IngestEventText(FunctionCallInfo fcinfo, const char *text, size_t len)
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

	return IngestEventText(fcinfo, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/* cbl.ingest_events(jsonb) */
Datum
cbl_ingest_events_jsonb(PG_FUNCTION_ARGS)
{
	Jsonb	   *j = PG_GETARG_JSONB_P(0);
	char	   *text = JsonbToCString(NULL, &j->root, VARSIZE(j));

	return IngestEventText(fcinfo, text, strlen(text));
}

