/*
 * fuzz_fmt.h
 *	  The libFuzzer harness shared by the carrier format targets
 *	  (fuzz_dcsa.c, fuzz_x12.c, fuzz_fsu.c, fuzz_onerecord.c); each names the
 *	  parser it runs over the input.
 *
 * Properties checked, abort() on any violation:
 *	- parsing any bytes never crashes or leaks, and a message that cannot be
 *	  read at all says why;
 *	- every event is either rejected with a reason, or ok with everything
 *	  canonical ingest needs: source, event id and shipment references of 1
 *	  to 200 bytes each (no empty reference between separators), standard and
 *	  code, a qualifier (maybe ""), a classifier that is "", PLN, EST or ACT,
 *	  a zone or places to find one for a local time, a UN/LOCODE or nothing
 *	  as location, and a payload that is a JSON object;
 *	- the same input (up to 512 bytes) parses to the same events again (ids
 *	  derived from the content are deterministic).
 */
#ifndef CBL_FUZZ_FMT_H
#define CBL_FUZZ_FMT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fmt.h"

typedef bool (*FmtParser) (FmtBatch *batch, const char *text, size_t len,
						   const FmtOptions *opt, char *errbuf, size_t errlen);

static void
CheckText(const char *s)
{
	if (s == NULL || s[0] == '\0' || strlen(s) > FMT_MAX_TEXT)
		abort();
}

static void
CheckEvent(const FmtEvent *ev)
{
	if (!ev->ok)
	{
		if (ev->reason[0] == '\0')
			abort();
		return;
	}
	CheckText(ev->source);
	CheckText(ev->event_id);
	CheckText(ev->standard);
	CheckText(ev->code);
	if (ev->shipment == NULL || ev->shipment[0] == '\0' || ev->qualifier == NULL || ev->raw == NULL)
		abort();
	for (const char *p = ev->shipment;;)
	{
		const char *e = strchr(p, FMT_SEP[0]);
		size_t		n = e ? (size_t) (e - p) : strlen(p);

		if (n == 0 || n > FMT_MAX_TEXT)
			abort();
		if (e == NULL)
			break;
		p = e + 1;
	}
	if (ev->classifier[0] != '\0' && strcmp(ev->classifier, "PLN") != 0 &&
		strcmp(ev->classifier, "EST") != 0 && strcmp(ev->classifier, "ACT") != 0)
		abort();
	if (ev->local_time && ev->zone == NULL && (ev->zone_keys == NULL || ev->zone_keys[0] == '\0'))
		abort();
	if (ev->location != NULL && !FmtIsUnLocode(ev->location))
		abort();
	if (ev->payload != NULL)
	{
		json_error_t error;
		json_t	   *j = json_loads(ev->payload, 0, &error);

		if (j == NULL || !json_is_object(j))
			abort();
		json_decref(j);
	}
}

static int
FuzzFormat(FmtParser parse, const uint8_t *data, size_t size)
{
	FmtOptions	opt = {0};
	FmtBatch   *a = FmtBatchNew();
	FmtBatch   *b = FmtBatchNew();
	char		err[256] = "";
	bool		ok;

	if (a == NULL || b == NULL)
		abort();
	/* a reference time from the first bytes, for the dates without a year */
	opt.has_reference_time = size > 0 && (data[0] & 1);
	opt.reference_time = size >= 9 ? (int64_t) (((uint64_t) data[1] << 32 | (uint64_t) data[2] << 24) % (UINT64_C(300) * 365 * 86400 * 1000000)) : 0;
	ok = parse(a, (const char *) data, size, &opt, err, sizeof(err));
	if (!ok && err[0] == '\0')
		abort();
	if (ok)
	{
		char		err2[256] = "";

		for (size_t i = 0; i < FmtBatchSize(a); i++)
			CheckEvent(FmtBatchGet(a, i));
		/* determinism, on small inputs (the smoke run stays short) */
		if (size > 512)
			goto done;
		if (!parse(b, (const char *) data, size, &opt, err2, sizeof(err2)) ||
			FmtBatchSize(a) != FmtBatchSize(b))
			abort();
		for (size_t i = 0; i < FmtBatchSize(a); i++)
		{
			const FmtEvent *x = FmtBatchGet(a, i),
					   *y = FmtBatchGet(b, i);

			if (x->ok != y->ok || (x->ok && (strcmp(x->event_id, y->event_id) != 0 ||
											 x->occurred_at != y->occurred_at)))
				abort();
		}
	}
done:
	FmtBatchFree(a);
	FmtBatchFree(b);
	return 0;
}

#endif							/* CBL_FUZZ_FMT_H */
