/*
 * event_sources.c
 *	  cbl.event_sources(shipment_id): the event keys of a shipment's events
 *	  and the source of each, for cbl.v_timeline (75_views.sql), which shows
 *	  who reported each actual time the milestone state holds by event key.
 *
 * It was PL/pgSQL; a call cost about 30 us, most of it the function's SET
 * clauses and PL/pgSQL itself.  Here the same query runs by a generic plan
 * prepared once per session (the shipment id a parameter, so only the
 * partition of cbl.event of the shipment's month is opened when it runs),
 * as the caller, and the keys are hashed as ingest hashes them.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "cbl.h"

PG_FUNCTION_INFO_V1(cbl_event_sources);

/* hashtextextended(source || E'\x1f' || event_id, 0): ingest's event key */
static int64
EventKey(text *source, text *event_id)
{
	size_t		ls = VARSIZE_ANY_EXHDR(source);
	size_t		le = VARSIZE_ANY_EXHDR(event_id);
	char	   *buf = palloc(ls + 1 + le);
	int64		key;

	memcpy(buf, VARDATA_ANY(source), ls);
	buf[ls] = '\x1f';
	memcpy(buf + ls + 1, VARDATA_ANY(event_id), le);
	key = (int64) hash_bytes_extended((const unsigned char *) buf, ls + 1 + le, 0);
	pfree(buf);
	return key;
}

/*
 * cbl.event_sources(shipment_id, OUT event_keys bigint[], OUT sources
 * text[]): one entry per distinct (source, event_id) of the shipment's
 * events, in that order; both NULL if it has none.
 */
Datum
cbl_event_sources(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr plan = NULL;
	Datum		arg = PG_GETARG_DATUM(0);
	MemoryContext caller = CurrentMemoryContext;
	Datum		values[2] = {0, 0};
	bool		nulls[2] = {true, true};

	SPI_connect();
	if (plan == NULL)
	{
		Oid			argtype = INT8OID;
		SPIPlanPtr	p;

		p = SPI_prepare_cursor("SELECT DISTINCT e.source, e.event_id FROM cbl.event e "
							   "WHERE e.shipment_id OPERATOR(pg_catalog.=) $1 ORDER BY 1, 2",
							   1, &argtype, CURSOR_OPT_GENERIC_PLAN);
		if (p == NULL)
			elog(ERROR, "cbl: could not prepare the event sources query: %s",
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		plan = p;
	}
	if (SPI_execute_plan(plan, &arg, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "cbl: the event sources query failed");
	if (SPI_processed > 0)
	{
		int			n = (int) SPI_processed;
		Datum	   *keys;
		Datum	   *sources;
		MemoryContext spi = MemoryContextSwitchTo(caller);

		keys = palloc(n * sizeof(Datum));
		sources = palloc(n * sizeof(Datum));
		for (int i = 0; i < n; i++)
		{
			HeapTuple	row = SPI_tuptable->vals[i];
			bool		isnull;
			text	   *source = DatumGetTextPP(SPI_getbinval(row, SPI_tuptable->tupdesc, 1, &isnull));
			text	   *event_id = DatumGetTextPP(SPI_getbinval(row, SPI_tuptable->tupdesc, 2, &isnull));

			keys[i] = Int64GetDatum(EventKey(source, event_id));
			sources[i] = PointerGetDatum(source);
		}
		/* the arrays copy the texts out of SPI's memory */
		values[0] = PointerGetDatum(construct_array(keys, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		values[1] = PointerGetDatum(construct_array(sources, n, TEXTOID, -1, false, TYPALIGN_INT));
		nulls[0] = nulls[1] = false;
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(CblResultDesc(fcinfo), values, nulls)));
}
