/*
 * event_ingest.c
 *	  cbl.ingest_events(jsonb | text): parse a batch of canonical events in C
 *	  (event_parse.c, jansson), then hand all of it, as arrays, to one
 *	  set-based SQL function (cbl.ingest_rows) in a single SPI call.
 *
 * C does the per-element work (JSON, validation, timestamps); SQL does the
 * set work (matching shipments, classifying against stored revisions,
 * writing events, state and notifications).  No row-by-row SPI.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "event_ingest.h"

PG_FUNCTION_INFO_V1(cbl_ingest_events_text);
PG_FUNCTION_INFO_V1(cbl_ingest_events_jsonb);

/* The columns handed to cbl.ingest_rows, in its argument order. */
enum
{
	COL_POSITION, COL_SOURCE, COL_EVENT_ID, COL_SHIPMENT, COL_MILESTONE, COL_STANDARD,
	COL_CODE, COL_VERSION, COL_QUALIFIER, COL_CLASSIFIER, COL_OCCURRED_AT, COL_UPDATED_AT,
	COL_LOCATION, COL_REASON_CODE, COL_RETRACTED, COL_PARTIAL, COL_PAYLOAD, COL_RAW,
	COL_REJECT, N_COLS
};

static const Oid col_types[N_COLS] = {
	INT4OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	TEXTOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID,
	TEXTOID, TEXTOID, BOOLOID, BOOLOID, TEXTOID, TEXTOID,
	TEXTOID
};

typedef struct Columns
{
	Datum	   *values[N_COLS];
	bool	   *nulls[N_COLS];
	int			n;
} Columns;

static void
SetText(Columns *c, int col, const char *s)
{
	c->nulls[col][c->n] = (s == NULL);
	c->values[col][c->n] = s ? CStringGetTextDatum(s) : (Datum) 0;
}

static void
AddElement(Columns *c, const ParsedEvent *ev, int position)
{
	int			i = c->n;

	for (int col = 0; col < N_COLS; col++)
		c->nulls[col][i] = false;
	c->values[COL_POSITION][i] = Int32GetDatum(position);
	SetText(c, COL_RAW, ev->raw);
	if (!ev->ok)
	{
		/* a rejected element keeps only its position, raw text and reason */
		for (int col = COL_SOURCE; col < N_COLS; col++)
			if (col != COL_RAW)
				c->nulls[col][i] = true;
		SetText(c, COL_REJECT, ev->reason);
		c->n++;
		return;
	}
	SetText(c, COL_SOURCE, ev->source);
	SetText(c, COL_EVENT_ID, ev->event_id);
	SetText(c, COL_SHIPMENT, ev->shipment);
	SetText(c, COL_MILESTONE, ev->milestone);
	SetText(c, COL_STANDARD, ev->standard);
	SetText(c, COL_CODE, ev->code);
	SetText(c, COL_VERSION, ev->version);
	SetText(c, COL_QUALIFIER, ev->qualifier);
	/* "" (a mapped code without one): the code map's classifier */
	SetText(c, COL_CLASSIFIER, ev->classifier[0] ? ev->classifier : NULL);
	c->values[COL_OCCURRED_AT][i] = TimestampTzGetDatum(ev->occurred_at);
	c->values[COL_UPDATED_AT][i] = TimestampTzGetDatum(ev->updated_at);
	c->nulls[COL_UPDATED_AT][i] = !ev->has_updated_at;
	SetText(c, COL_LOCATION, ev->location);
	SetText(c, COL_REASON_CODE, ev->reason_code);
	c->values[COL_RETRACTED][i] = BoolGetDatum(ev->retracted);
	c->values[COL_PARTIAL][i] = BoolGetDatum(ev->partial);
	SetText(c, COL_PAYLOAD, ev->payload);
	c->nulls[COL_REJECT][i] = true;
	c->n++;
}

/* Build one array per column and run cbl.ingest_rows over them. */
static Datum
RunIngest(FunctionCallInfo fcinfo, Columns *c)
{
	static SPIPlanPtr plan = NULL;
	Datum		args[N_COLS];
	char		nulls[N_COLS];
	TupleDesc	tupdesc;
	HeapTuple	result;
	int			ret;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "cbl.ingest_events must return a row");

	for (int col = 0; col < N_COLS; col++)
	{
		int16		typlen;
		bool		typbyval;
		char		typalign;
		int			dims[1] = {c->n};
		int			lbs[1] = {1};

		get_typlenbyvalalign(col_types[col], &typlen, &typbyval, &typalign);
		args[col] = PointerGetDatum(construct_md_array(c->values[col], c->nulls[col], 1, dims, lbs,
													   col_types[col], typlen, typbyval, typalign));
		nulls[col] = ' ';
	}

	SPI_connect();
	if (plan == NULL)
	{
		Oid			argtypes[N_COLS];
		SPIPlanPtr	p;

		for (int col = 0; col < N_COLS; col++)
			argtypes[col] = get_array_type(col_types[col]);
		p = SPI_prepare("SELECT * FROM cbl.ingest_rows($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
						"$11, $12, $13, $14, $15, $16, $17, $18, $19)",
						N_COLS, argtypes);
		if (p == NULL)
			elog(ERROR, "could not prepare cbl.ingest_rows: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		plan = p;
	}
	ret = SPI_execute_plan(plan, args, nulls, false, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "cbl.ingest_rows returned no row");
	/* SPI_copytuple allocates in the caller's context, so it outlives SPI_finish */
	result = SPI_copytuple(SPI_tuptable->vals[0]);
	SPI_finish();
	return heap_copy_tuple_as_datum(result, tupdesc);
}

/* Room for n elements in every column. */
static void
ColumnsInit(Columns *c, size_t n)
{
	if (n > (size_t) MaxAllocSize / sizeof(Datum) / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("event batch of %zu elements is too large", n),
				 errhint("Send batches of at most a few hundred thousand events.")));
	for (int col = 0; col < N_COLS; col++)
	{
		c->values[col] = palloc(Max(n, 1) * sizeof(Datum));
		c->nulls[col] = palloc(Max(n, 1) * sizeof(bool));
	}
	c->n = 0;
}

Datum
IngestParsedEvents(FunctionCallInfo fcinfo, const ParsedEvent *events, size_t n)
{
	Columns		c = {0};

	ColumnsInit(&c, n);
	for (size_t i = 0; i < n; i++)
		AddElement(&c, &events[i], (int) i + 1);
	return RunIngest(fcinfo, &c);
}

/* Parse a batch held in text and ingest it. */
static Datum
IngestText(FunctionCallInfo fcinfo, const char *text, size_t len)
{
	char		errbuf[256];
	EventBatch *volatile batch = EventBatchParse(text, len, errbuf, sizeof(errbuf));
	Columns		c = {0};
	Datum		result;

	if (batch == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid event batch: %s", errbuf),
				 errhint("A batch is a JSON array of event objects; see docs/milestones.md.")));

	PG_TRY();
	{
		size_t		n = EventBatchSize(batch);
		ParsedEvent ev;

		ColumnsInit(&c, n);
		/* C per element: copy what jansson holds into Datums */
		for (size_t i = 0; i < n; i++)
		{
			EventBatchElement(batch, i, &ev);
			AddElement(&c, &ev, (int) i + 1);
		}
	}
	PG_FINALLY();
	{
		EventBatchFree(batch);
	}
	PG_END_TRY();

	result = RunIngest(fcinfo, &c);
	PG_RETURN_DATUM(result);
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
