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
 * reaches the end of a batch that EventBatchParse refuses; nothing leaks
 * (LeakSanitizer).
 * The same bytes, NUL-terminated, also go to IsoTimestampParse, whose
 * accepted values must fall between years 1 and 9999.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event_parse.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
