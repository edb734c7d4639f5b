/*
 * event_ingest.h
 *	  Ingest events that a parser has already turned into ParsedEvent records:
 *	  the canonical JSON parser (event_parse.c) and the carrier formats alike.
 *	  One call hands the whole batch to cbl.ingest_rows, the set-based SQL
 *	  that resolves shipments, classifies against stored revisions and writes
 *	  events, conflicts, pending events, rejects and states.
 */
#ifndef CBL_EVENT_INGEST_H
#define CBL_EVENT_INGEST_H

#include "postgres.h"
#include "fmgr.h"

#include "event_parse.h"

/*
 * Ingest events[0..n-1] (rejected ones included: ok = false with a reason
 * and raw text) with the semantics of cbl.ingest_events; element i is
 * position i + 1.  fcinfo is that of a SQL function returning
 * cbl.ingest_result; the result row is returned.  Strings are copied, so
 * the caller may free the events afterwards.
 */
extern Datum IngestParsedEvents(FunctionCallInfo fcinfo, const ParsedEvent *events, size_t n);

/*
 * Ingest a batch of canonical events held in text[0..len-1] (a JSON array),
 * as cbl.ingest_events(text) does: read one element at a time, in chunks,
 * so that memory stays that of one chunk plus a few bytes per element
 * besides the text itself.
 */
extern Datum IngestEventText(FunctionCallInfo fcinfo, const char *text, size_t len);

#endif							/* CBL_EVENT_INGEST_H */
