/*
 * format_ingest.c
 *	  cbl.ingest_events(format, message, source, received_at): a carrier
 *	  message as it came (DCSA, X12 315 or 214, Cargo-IMP FSU, ONE Record,
 *	  or canonical JSON) through the same set-based ingest as canonical
 *	  events (event_ingest.h).
 *
 * The pure-C parsers (fmt_*.c) turn the message into FmtEvents.  Here, with
 * the server at hand, two things are finished before ingest:
 *	 - local times (X12, Cargo-IMP) become UTC with the server's time zone
 *	   database: the zone is the one the message implies (X12 time codes) or
 *	   the first of the event's places that cbl.location_zone knows;
 *	 - an airport (Cargo-IMP, ONE Record) becomes the event's UN/LOCODE.
 * Both read cbl.location_zone in one query for the whole message.  An event
 * whose time cannot be placed is rejected with the reason, like any other
 * malformed part of a message.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "pgtime.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "event_ingest.h"
#include "fmt.h"

PG_FUNCTION_INFO_V1(cbl_ingest_format);

typedef struct Place
{
	char	   *code;
	char	   *locode;
	char	   *timezone;
} Place;

typedef struct Places
{
	Place	   *items;
	int			n;
} Places;

/* The places of cbl.location_zone that the events name, in one query. */
static Places
LoadPlaces(FmtBatch *batch)
{
	Places		places = {NULL, 0};
	MemoryContext caller = CurrentMemoryContext;
	Datum	   *keys;
	int			nkeys = 0,
				cap = 16;
	size_t		n = FmtBatchSize(batch);
	ArrayType  *arr;
	int			ret;
	Oid			argtypes[1] = {TEXTARRAYOID};
	Datum		args[1];

	keys = palloc(cap * sizeof(Datum));
	for (size_t i = 0; i < n; i++)
	{
		const FmtEvent *ev = FmtBatchGet(batch, i);
		const char *lists[2];

		if (!ev->ok)
			continue;
		lists[0] = ev->local_time && ev->zone == NULL ? ev->zone_keys : NULL;
		lists[1] = ev->airport;
		for (int l = 0; l < 2; l++)
		{
			const char *p = lists[l];

			while (p != NULL && *p)
			{
				const char *e = strchr(p, FMT_SEP[0]);
				size_t		m = e ? (size_t) (e - p) : strlen(p);

				if (nkeys == cap)
				{
					cap *= 2;
					keys = repalloc(keys, cap * sizeof(Datum));
				}
				if (m > 0 && m <= FMT_MAX_TEXT)
					keys[nkeys++] = PointerGetDatum(cstring_to_text_with_len(p, (int) m));
				p = e ? e + 1 : NULL;
			}
		}
	}
	if (nkeys == 0)
		return places;

	arr = construct_array(keys, nkeys, TEXTOID, -1, false, TYPALIGN_INT);
	args[0] = PointerGetDatum(arr);
	SPI_connect();
	ret = SPI_execute_with_args("SELECT DISTINCT ON (z.code) z.code, z.locode, z.timezone "
								"FROM cbl.location_zone z WHERE z.code = ANY ($1) "
								"ORDER BY z.code, z.builtin",
								1, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read cbl.location_zone: %s", SPI_result_code_string(ret));
	places.items = MemoryContextAlloc(caller, Max(SPI_processed, 1) * sizeof(Place));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *code = SPI_getvalue(tup, desc, 1);
		char	   *locode = SPI_getvalue(tup, desc, 2);
		char	   *zone = SPI_getvalue(tup, desc, 3);

		places.items[places.n].code = MemoryContextStrdup(caller, code);
		places.items[places.n].locode = locode ? MemoryContextStrdup(caller, locode) : NULL;
		places.items[places.n].timezone = MemoryContextStrdup(caller, zone);
		places.n++;
	}
	SPI_finish();
	return places;
}

static const Place *
FindPlace(const Places *places, const char *code, size_t len)
{
	for (int i = 0; i < places->n; i++)
		if (strlen(places->items[i].code) == len && memcmp(places->items[i].code, code, len) == 0)
			return &places->items[i];
	return NULL;
}

/* The wall-clock time wall (microseconds since 2000, as if UTC) in zone, as UTC. */
static bool
WallToUtc(int64 wall, const char *zone, TimestampTz *out)
{
	pg_tz	   *tz = pg_tzset(zone);
	struct pg_tm tm;
	fsec_t		fsec;
	int			offset;

	if (tz == NULL)
		return false;
	if (timestamp2tm((Timestamp) wall, NULL, &tm, &fsec, NULL, NULL) != 0)
		return false;
	offset = DetermineTimeZoneOffset(&tm, tz);
	return tm2timestamp(&tm, fsec, &offset, out) == 0;
}

static void
Reject(ParsedEvent *pe, const char *fmt,...) pg_attribute_printf(2, 3);

static void
Reject(ParsedEvent *pe, const char *fmt,...)
{
	va_list		ap;

	if (!pe->ok)
		return;
	pe->ok = false;
	va_start(ap, fmt);
	vsnprintf(pe->reason, sizeof(pe->reason), fmt, ap);
	va_end(ap);
}

/* Is s (if not NULL) valid in the server encoding and short enough? */
static bool
TextOk(const char *s, size_t max)
{
	size_t		n;

	if (s == NULL)
		return true;
	n = strlen(s);
	return n <= max && pg_verifymbstr(s, (int) n, true);
}

/* One FmtEvent as a ParsedEvent, its time placed and its airport located. */
static void
Convert(const FmtEvent *fe, const Places *places, ParsedEvent *pe)
{
	memset(pe, 0, sizeof(*pe));
	pe->ok = fe->ok;
	strlcpy(pe->reason, fe->reason, sizeof(pe->reason));
	pe->source = fe->source;
	pe->event_id = fe->event_id;
	pe->shipment = fe->shipment;
	pe->standard = fe->standard;
	pe->code = fe->code;
	pe->version = fe->version && fe->version[0] ? fe->version : NULL;
	pe->qualifier = fe->qualifier && fe->qualifier[0] ? fe->qualifier : NULL;
	memcpy(pe->classifier, fe->classifier, sizeof(pe->classifier));
	pe->occurred_at = fe->occurred_at;
	pe->has_updated_at = fe->has_updated_at;
	pe->updated_at = fe->updated_at;
	pe->location = fe->location;
	pe->reason_code = fe->reason_code;
	pe->retracted = fe->retracted;
	pe->partial = fe->partial;
	pe->payload = unconstify(char *, fe->payload);
	pe->raw = unconstify(char *, fe->raw ? fe->raw : "");

	/* the raw text goes into cbl.event_reject: keep it valid text */
	if (!TextOk(pe->raw, MaxAllocSize))
		pe->raw = "(the message part is not valid in the server encoding)";
	if (!pe->ok)
		return;

	/* local time: to UTC */
	if (fe->local_time)
	{
		const char *zone = fe->zone;
		const char *p = fe->zone_keys;
		TimestampTz utc;

		while (zone == NULL && p != NULL && *p)
		{
			const char *e = strchr(p, FMT_SEP[0]);
			size_t		m = e ? (size_t) (e - p) : strlen(p);
			const Place *place = FindPlace(places, p, m);

			if (place != NULL)
				zone = place->timezone;
			p = e ? e + 1 : NULL;
		}
		if (zone == NULL)
		{
			char		keys[128];

			strlcpy(keys, fe->zone_keys ? fe->zone_keys : "", sizeof(keys));
			for (char *k = keys; *k; k++)
				if (*k == FMT_SEP[0])
					*k = ',';
			Reject(pe, "The time is local to %s, whose time zone cbl.location_zone does not know; add a row for it.",
				   keys);
			return;
		}
		if (!WallToUtc(fe->occurred_at, zone, &utc))
		{
			Reject(pe, "The time zone \"%s\" is not known to the server (see pg_timezone_names).", zone);
			return;
		}
		pe->occurred_at = utc;
	}

	/* an airport: the UN/LOCODE of its city */
	if (fe->airport != NULL && pe->location == NULL)
	{
		const Place *place = FindPlace(places, fe->airport, strlen(fe->airport));

		if (place != NULL && place->locode != NULL)
			pe->location = place->locode;
	}

	/* what canonical ingest insists on */
	if (!TextOk(pe->source, FMT_MAX_TEXT) || !TextOk(pe->event_id, FMT_MAX_TEXT) ||
		!TextOk(pe->code, FMT_MAX_TEXT) || !TextOk(pe->version, FMT_MAX_TEXT) ||
		!TextOk(pe->qualifier, FMT_MAX_TEXT) || !TextOk(pe->reason_code, FMT_MAX_TEXT) ||
		!TextOk(pe->shipment, 10 * FMT_MAX_TEXT) || !TextOk(pe->payload, MaxAllocSize))
		Reject(pe, "A field of the event is longer than %d characters or not valid in the server encoding.",
			   FMT_MAX_TEXT);
}

static bool
ParseFormat(const char *format, FmtBatch *batch, const char *text, size_t len,
			const FmtOptions *opt, char *errbuf, size_t errlen)
{
	if (strcmp(format, "dcsa") == 0)
		return FmtParseDcsa(batch, text, len, opt, errbuf, errlen);
	if (strcmp(format, "x12-315") == 0)
		return FmtParseX12(batch, text, len, "315", opt, errbuf, errlen);
	if (strcmp(format, "x12-214") == 0)
		return FmtParseX12(batch, text, len, "214", opt, errbuf, errlen);
	if (strcmp(format, "iata-fsu") == 0)
		return FmtParseFsu(batch, text, len, opt, errbuf, errlen);
	if (strcmp(format, "iata-onerecord") == 0)
		return FmtParseOneRecord(batch, text, len, opt, errbuf, errlen);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown message format \"%s\"", format),
			 errhint("Formats: dcsa, x12-315, x12-214, iata-fsu, iata-onerecord, cbl.")));
	return false;
}

Datum
cbl_ingest_format(PG_FUNCTION_ARGS)
{
	char	   *format;
	text	   *message;
	FmtOptions	opt = {0};
	char		errbuf[256] = "";
	FmtBatch   *volatile batch;
	Datum		result = (Datum) 0;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("format and message must not be null")));
	format = text_to_cstring(PG_GETARG_TEXT_PP(0));
	message = PG_GETARG_TEXT_PP(1);
	if (!PG_ARGISNULL(2))
	{
		opt.source = text_to_cstring(PG_GETARG_TEXT_PP(2));
		if (opt.source[0] == '\0' || strlen(opt.source) > FMT_MAX_TEXT)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("source must be a text of 1 to %d characters", FMT_MAX_TEXT)));
	}
	if (!PG_ARGISNULL(3))
	{
		opt.has_reference_time = true;
		opt.reference_time = PG_GETARG_TIMESTAMPTZ(3);
	}

	if (strcmp(format, "cbl") == 0)
	{
		if (opt.source != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("canonical events name their own source"),
					 errhint("Leave source out for format cbl.")));
		/* the streaming reader of cbl.ingest_events(text), not a whole parse */
		return IngestEventText(fcinfo, VARDATA_ANY(message), VARSIZE_ANY_EXHDR(message));
	}

	batch = FmtBatchNew();
	if (batch == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	PG_TRY();
	{
		size_t		n;
		ParsedEvent *events;
		Places		places;

		if (!ParseFormat(format, batch, VARDATA_ANY(message), VARSIZE_ANY_EXHDR(message), &opt,
						 errbuf, sizeof(errbuf)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid %s message: %s", format, errbuf),
					 errhint("docs/formats.md describes what each format reads.")));
		n = FmtBatchSize(batch);
		places = LoadPlaces(batch);
		events = palloc(Max(n, 1) * sizeof(ParsedEvent));
		for (size_t i = 0; i < n; i++)
			Convert(FmtBatchGet(batch, i), &places, &events[i]);
		result = IngestParsedEvents(fcinfo, events, n);
	}
	PG_FINALLY();
	{
		FmtBatchFree(batch);
	}
	PG_END_TRY();
	PG_RETURN_DATUM(result);
}
