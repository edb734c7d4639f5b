/*
 * event_parse.h
 *	  Parse a batch of canonical events (a JSON array) with jansson, element
 *	  by element, into plain C fields (the stream reads the common flat
 *	  element with a scanner first: json_flat.h).  ParsedEvent is also what the parsers
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
	const char *milestone;		/* canonical code, or NULL when standard/code given;
								 * NULL with neither and a reason_code: an
								 * event that is no milestone (a hold, a delay) */
	const char *standard;		/* with code (and optionally version and qualifier): */
	const char *code;			/* looked up in cbl.code_map */
	const char *version;		/* version of the standard, or NULL for any */
	const char *qualifier;		/* what the code alone does not say, or NULL */
	char		classifier[4];	/* "PLN", "EST" or "ACT"; "" with standard/code: the map's
								 * (a reason event without one: ACT) */
	int64_t		occurred_at;	/* microseconds since 2000-01-01 00:00 UTC */
	bool		has_updated_at;
	int64_t		updated_at;
	const char *location;		/* UN/LOCODE, or NULL */
	const char *reason_code;	/* or NULL */
	bool		retracted;
	bool		partial;		/* air: part of the pieces; does not complete the milestone */
	char	   *payload;		/* compact JSON with sorted keys, or NULL; owned by the batch */
	char	   *raw;			/* the element as sent (compact JSON for canonical events),
								 * what a reject keeps; owned by the batch.  Optional
								 * for elements that are ok: ingest rebuilds a
								 * canonical event if a later step rejects one */
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
 * The same batch read element by element, as ingest does: one element is
 * held at a time (in an arena that the next one reuses), so a batch of a
 * million events takes no more parser memory than one of ten.  Elements
 * are parsed exactly as EventBatchElement does, except that raw is filled
 * for rejected elements only.
 *
 * EventStreamNext returns 1 with the next element in *out (its strings
 * valid until the next call) and its bytes in the text at [*offset,
 * *offset + *length); 0 at the end of the array; -1 if the text is not a
 * JSON array, or holds a NUL byte (EventBatchParse on the whole text then
 * says where it broke; should it parse after all, read the batch with it
 * instead: it is the reference).
 */
typedef struct EventStream EventStream;

extern EventStream *EventStreamOpen(const char *text, size_t len);	/* NULL: out of memory */
extern int	EventStreamNext(EventStream *s, ParsedEvent *out, size_t *offset, size_t *length);
extern void EventStreamClose(EventStream *s);

/*
 * Most elements are read by a flat scanner (json_flat.h) and only the rest
 * by jansson; both give the same ParsedEvent.  This sends every element of
 * the stream through jansson, so tests can compare the two.
 */
extern void EventStreamNoFastPath(EventStream *s);

/* The element at text[offset, offset + length) again, as EventStreamNext gave it: 1, or -1. */
extern int	EventStreamAt(EventStream *s, size_t offset, size_t length, ParsedEvent *out);

/*
 * The element text[0, len) (as EventStreamNext located it) as compact JSON
 * with sorted keys, for a reject found after parsing; malloc'd, NULL if it
 * does not parse or memory runs out.
 */
extern char *EventElementRaw(const char *text, size_t len);

/*
 * Parse an ISO 8601 date-time with a UTC offset ("2026-03-01T10:00:00Z",
 * "2026-03-01T10:00:00.5+08:00", "2026-03-01 10:00+0100") into microseconds
 * since 2000-01-01 UTC.  A time without an offset is refused: it would mean
 * different instants in different sessions.
 */
extern bool IsoTimestampParse(const char *s, int64_t *out, const char **why);

#endif							/* CBL_EVENT_PARSE_H */
