/*
 * fmt.h
 *	  Carrier and standards formats (DCSA Track & Trace, X12 315 and 214,
 *	  Cargo-IMP FSU, IATA ONE Record) parsed into one plain C record per
 *	  status or event, ready for canonical ingest.
 *
 * Pure C: no PostgreSQL headers (the fuzz targets link these files alone,
 * and jansson's json_object() clashes with fmgrprotos.h).  A parser never
 * raises: a part of a message that is wrong becomes one FmtEvent with
 * ok = false, a reason and the part as raw text, and the rest of the message
 * goes on.  Only input that cannot be read at all (not JSON, no ISA header,
 * no FSU header) fails the whole call, with a message in errbuf.
 *
 * The parsers do not decide milestones: they give the code map's keys
 * (standard, version, code, qualifier), and cbl.code_map says the rest.
 *
 * Local times: X12 and Cargo-IMP give wall-clock times.  Such an event has
 * local_time set, occurred_at holding the wall-clock time as if it were UTC,
 * and either zone (an IANA zone name the message implies, e.g. X12 time code
 * ET -> America/New_York, or a fixed "+05:30" offset) or zone_keys (places
 * to look up in cbl.location_zone, most specific first: an IATA airport, a
 * UN/LOCODE, "US-VT", a country).  format_ingest.c resolves them with the
 * server's time zone database.
 */
#ifndef CBL_FMT_H
#define CBL_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FMT_SEP			"\x1f"	/* separates several shipment references or zone keys */
#define FMT_MAX_TEXT	200		/* longest text field canonical ingest takes */

typedef struct FmtEvent
{
	bool		ok;				/* false: reason says why the part is rejected */
	char		reason[256];
	int			position;		/* 1-based: which part of the message (event, set, line) */
	const char *source;			/* the caller's, or the format's default */
	const char *event_id;		/* the message's own, or derived from its content */
	const char *shipment;		/* references, FMT_SEP between them */
	const char *standard;		/* code map keys */
	const char *version;
	const char *code;
	const char *qualifier;		/* "" when the code says it all */
	char		classifier[4];	/* "PLN", "EST", "ACT", or "" to take the code map's */
	int64_t		occurred_at;	/* microseconds since 2000-01-01 (UTC, or wall clock) */
	bool		local_time;		/* occurred_at is a wall-clock time: see above */
	const char *zone;			/* IANA zone name or "+hh:mm", or NULL */
	const char *zone_keys;		/* places to look the zone up by, or NULL */
	bool		has_updated_at;
	int64_t		updated_at;		/* always UTC */
	const char *location;		/* UN/LOCODE, or NULL */
	const char *airport;		/* IATA airport code (FSU), or NULL; its UN/LOCODE comes from cbl.location_zone */
	const char *reason_code;	/* or NULL */
	bool		retracted;
	bool		partial;		/* air: fewer pieces than the waybill, or ONE Record's indicator */
	const char *payload;		/* compact JSON object, or NULL */
	const char *raw;			/* the part of the message, as text */
} FmtEvent;

typedef struct FmtOptions
{
	const char *source;			/* NULL: the format's name */
	bool		has_reference_time;
	int64_t		reference_time; /* UTC; FSU dates have no year: the nearest one is taken */
} FmtOptions;

typedef struct FmtBatch FmtBatch;

extern FmtBatch *FmtBatchNew(void);
extern void FmtBatchFree(FmtBatch *batch);
extern size_t FmtBatchSize(const FmtBatch *batch);
extern const FmtEvent *FmtBatchGet(const FmtBatch *batch, size_t i);

/*
 * Each returns false with a message in errbuf when the input cannot be read
 * at all; otherwise true, with one FmtEvent per status or event (rejected
 * parts included) appended to batch.
 */
extern bool FmtParseDcsa(FmtBatch *batch, const char *text, size_t len,
						 const FmtOptions *opt, char *errbuf, size_t errlen);
extern bool FmtParseX12(FmtBatch *batch, const char *text, size_t len, const char *set_id,
						const FmtOptions *opt, char *errbuf, size_t errlen);
extern bool FmtParseFsu(FmtBatch *batch, const char *text, size_t len,
						const FmtOptions *opt, char *errbuf, size_t errlen);
extern bool FmtParseOneRecord(FmtBatch *batch, const char *text, size_t len,
							  const FmtOptions *opt, char *errbuf, size_t errlen);

/* ---- shared by the parsers (fmt_common.c) --------------------------------- */

/* A new event at the end of the batch, ok and zeroed; NULL when out of memory. */
extern FmtEvent *FmtAdd(FmtBatch *batch, int position);
/* Copies kept until FmtBatchFree (NULL in, NULL out; NULL when out of memory). */
extern const char *FmtStr(FmtBatch *batch, const char *s);
extern const char *FmtStrN(FmtBatch *batch, const char *s, size_t n);
extern const char *FmtPrintf(FmtBatch *batch, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
/* Take ownership of a malloc'd string. */
extern const char *FmtOwn(FmtBatch *batch, char *s);
extern void FmtReject(FmtEvent *ev, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* 64-bit FNV-1a, chained: FmtHash(p, n, FMT_HASH_SEED) then more. */
#define FMT_HASH_SEED	UINT64_C(14695981039346656037)
extern uint64_t FmtHash(const void *p, size_t n, uint64_t h);

/* Days from 1970-01-01 (proleptic Gregorian) and validity of a date. */
extern int64_t FmtDaysFromCivil(int y, int m, int d);
extern bool FmtValidDate(int y, int m, int d);
/* Microseconds since 2000-01-01 of a wall-clock date and time. */
extern int64_t FmtWallClock(int y, int mo, int d, int h, int mi, int s);

/* Is s a UN/LOCODE (2 letters, 3 letters or digits 2-9)? */
extern bool FmtIsUnLocode(const char *s);

/* Is s a non-empty text of at most FMT_MAX_TEXT bytes? */
extern bool FmtTextOk(const char *s);
/* Does s hold a control character (below 0x20), such as FMT_SEP? */
extern bool FmtHasControl(const char *s);

/*
 * A jansson string of s; bytes that are not valid UTF-8 become '?', so a
 * payload always dumps to valid JSON.  (Declared without jansson.h, which
 * files with PostgreSQL headers must not include.)
 */
struct json_t;
extern struct json_t *FmtJson(const char *s);

/*
 * A new empty JSON object.  Never call jansson's json_object() in cbl: the
 * server exports a function of the same name (the SQL json_object), which
 * the dynamic linker binds the call to.  json_pack("{}") builds the object
 * inside libjansson.
 */
extern struct json_t *FmtJsonObject(void);
/* How many of the len bytes at s to keep for at most n, cut back to a whole UTF-8 character. */
extern size_t FmtUtf8Cut(const char *s, size_t len, size_t n);

#endif							/* CBL_FMT_H */
