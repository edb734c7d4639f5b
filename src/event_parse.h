/*
 * event_parse.h
 *	  Parse a batch of canonical events (a JSON array) with jansson, element
 *	  by element, into plain C fields.  ParsedEvent is also what the parsers
 *	  of carrier formats produce: event_ingest.h ingests an array of them.
 *
 * Pure C: no PostgreSQL headers (jansson's json_object() clashes with
 * PostgreSQL's fmgrprotos.h, and the fuzz target links this file alone).
 * An element that is malformed gets a reason and never stops the batch;
 * only input that is not a JSON array at all fails the whole call.
 */
#ifndef CBL_EVENT_PARSE_H
#define CBL_EVENT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct EventBatch EventBatch;

/* One element.  Strings point into the batch and live until EventBatchFree. */
typedef struct ParsedEvent
{
	bool		ok;				/* false: reason says why it is rejected */
	char		reason[256];
	const char *source;
	const char *event_id;		/* a JSON string, or an integer written as text */
	char		event_id_buf[24];
	const char *shipment;		/* any reference of the shipment, or several
								 * separated by \x1f: the event goes to every
								 * distinct shipment one of them finds */
	const char *milestone;		/* canonical code, or NULL when standard/code given */
	const char *standard;		/* with code (and optionally version and qualifier): */
	const char *code;			/* looked up in cbl.code_map */
	const char *version;		/* version of the standard, or NULL for any */
	const char *qualifier;		/* what the code alone does not say, or NULL */
	char		classifier[4];	/* "PLN", "EST" or "ACT"; "" with standard/code: the map's */
	int64_t		occurred_at;	/* microseconds since 2000-01-01 00:00 UTC */
	bool		has_updated_at;
	int64_t		updated_at;
	const char *location;		/* UN/LOCODE, or NULL */
	const char *reason_code;	/* or NULL */
	bool		retracted;
	bool		partial;		/* air: part of the pieces; does not complete the milestone */
	char	   *payload;		/* compact JSON with sorted keys, or NULL; owned by the batch */
	char	   *raw;			/* the element as compact JSON; owned by the batch */
} ParsedEvent;

/*
 * Parse text as a JSON array.  On failure returns NULL and writes a
 * message ("line 3, column 7: ...") into errbuf.
 */
extern EventBatch *EventBatchParse(const char *text, size_t len, char *errbuf, size_t errlen);
extern size_t EventBatchSize(const EventBatch *batch);

/* Parse element i into *out (which must stay put until EventBatchFree). */
extern void EventBatchElement(EventBatch *batch, size_t i, ParsedEvent *out);
extern void EventBatchFree(EventBatch *batch);

/*
 * Parse an ISO 8601 date-time with a UTC offset ("2026-03-01T10:00:00Z",
 * "2026-03-01T10:00:00.5+08:00", "2026-03-01 10:00+0100") into microseconds
 * since 2000-01-01 UTC.  A time without an offset is refused: it would mean
 * different instants in different sessions.
 */
extern bool IsoTimestampParse(const char *s, int64_t *out, const char **why);

#endif							/* CBL_EVENT_PARSE_H */
