/*
 * fuzz_event_batch.c
 *	  libFuzzer target for the canonical event batch parser
 *	  (src/event_parse.c, jansson) and its ISO 8601 timestamp parser.
 *
 * Arbitrary bytes go to EventBatchParse; a batch that parses has every
 * element parsed.  Properties, abort() on violation: a failed batch says
 * why; each element is either ok with every required field present and
 * well-formed, or rejected with a reason; the stream (EventStreamNext, what
 * ingest reads, which falls back to EventBatchParse when it gives up) gives
 * the same elements or gives up (-1), never more or other ones, and never
 * reaches the end of a batch that EventBatchParse refuses; the stream's
 * fast path (the flat scanner of json_flat.h) gives exactly what the same
 * stream gives with every element read by jansson: the same elements, at
 * the same offsets and lengths, field for field; nothing leaks
 * (LeakSanitizer).
 * The same bytes, NUL-terminated, also go to IsoTimestampParse, whose
 * accepted values must fall between years 1 and 9999.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event_parse.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
SameText(const char *a, const char *b)
{
	return (a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0);
}

/* Every field of two readings of one element. */
static bool
SameEvent(const ParsedEvent *a, const ParsedEvent *b)
{
	return a->ok == b->ok && strcmp(a->reason, b->reason) == 0 &&
		SameText(a->source, b->source) && SameText(a->event_id, b->event_id) &&
		SameText(a->shipment, b->shipment) && SameText(a->milestone, b->milestone) &&
		SameText(a->standard, b->standard) && SameText(a->code, b->code) &&
		SameText(a->version, b->version) && SameText(a->qualifier, b->qualifier) &&
		strcmp(a->classifier, b->classifier) == 0 && a->occurred_at == b->occurred_at &&
		a->has_updated_at == b->has_updated_at && a->updated_at == b->updated_at &&
		SameText(a->location, b->location) && SameText(a->reason_code, b->reason_code) &&
		a->retracted == b->retracted && a->partial == b->partial &&
		SameText(a->payload, b->payload) && SameText(a->raw, b->raw);
}

/* The stream with its fast path and the stream through jansson alone agree. */
static void
FastPathAgrees(const uint8_t *data, size_t size)
{
	EventStream *fast = EventStreamOpen((const char *) data, size);
	EventStream *slow = EventStreamOpen((const char *) data, size);
	int			rf,
				rs;

	EventStreamNoFastPath(slow);
	do
	{
		ParsedEvent fev,
					sev;
		size_t		foff = 0,
					flen = 0,
					soff = 0,
					slen = 0;

		rf = EventStreamNext(fast, &fev, &foff, &flen);
		rs = EventStreamNext(slow, &sev, &soff, &slen);
		if (rf != rs || (rf == 1 && (foff != soff || flen != slen || !SameEvent(&fev, &sev))))
			abort();
		/* and read again at its place, as ingest does for a partition */
		if (rf == 1 && (EventStreamAt(fast, foff, flen, &fev) != EventStreamAt(slow, soff, slen, &sev) ||
						!SameEvent(&fev, &sev)))
			abort();
	} while (rf == 1);
	EventStreamClose(fast);
	EventStreamClose(slow);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		err[256] = "";
	EventBatch *batch = EventBatchParse((const char *) data, size, err, sizeof(err));
	char	   *s = malloc(size + 1);
	int64_t		ts;
	const char *why;

	EventStream *stream = EventStreamOpen((const char *) data, size);
	ParsedEvent sev;
	size_t		off,
				len,
				k = 0;
	int			r;

	FastPathAgrees(data, size);

	/* the stream agrees with the batch, element by element */
	while ((r = EventStreamNext(stream, &sev, &off, &len)) == 1)
	{
		ParsedEvent bev;

		if (off + len > size)
			abort();
		if (batch == NULL)
			continue;			/* it must give up (-1) further on */
		if (k >= EventBatchSize(batch))
			abort();
		EventBatchElement(batch, k++, &bev);
		if (bev.ok != sev.ok || strcmp(bev.reason, sev.reason) != 0 ||
			(bev.ok && (strcmp(bev.source, sev.source) != 0 || strcmp(bev.event_id, sev.event_id) != 0 ||
						strcmp(bev.shipment, sev.shipment) != 0 || bev.occurred_at != sev.occurred_at ||
						(bev.payload == NULL) != (sev.payload == NULL) ||
						(bev.payload && strcmp(bev.payload, sev.payload) != 0))) ||
			(!bev.ok && (sev.raw == NULL || strcmp(bev.raw, sev.raw) != 0)))
			abort();
	}
	if (r == 0 && (batch == NULL || k != EventBatchSize(batch)))
		abort();
	EventStreamClose(stream);

	if (batch == NULL)
	{
		if (err[0] == '\0')
			abort();
	}
	else
	{
		for (size_t i = 0; i < EventBatchSize(batch); i++)
		{
			ParsedEvent ev;

			EventBatchElement(batch, i, &ev);
			if (ev.ok)
			{
				/* a milestone, or a mapped code, or only a reason code (a reason event) */
				if (ev.source == NULL || ev.event_id == NULL || ev.shipment == NULL ||
					(ev.milestone == NULL && (ev.standard == NULL || ev.code == NULL) &&
					 ev.reason_code == NULL) ||
					ev.raw == NULL)
					abort();
				/* a mapped code (standard + code) may leave the classifier to its map row */
				if (strlen(ev.classifier) != 3 &&
					!(ev.milestone == NULL && ev.classifier[0] == '\0'))
					abort();
			}
			else if (ev.reason[0] == '\0')
				abort();
		}
		EventBatchFree(batch);
	}

	memcpy(s, data, size);
	s[size] = '\0';
	/* 0001-01-01 and 9999-12-31 (+/- 18 h of offset), in microseconds from 2000 */
	if (IsoTimestampParse(s, &ts, &why) &&
		(ts < INT64_C(-63082281600000000) - INT64_C(86400000000) ||
		 ts > INT64_C(252455615999999999) + INT64_C(86400000000)))
		abort();
	free(s);
	return 0;
}
