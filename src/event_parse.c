/*
 * event_parse.c
 *	  Canonical event batches: JSON (jansson) to C fields, element by element.
 *
 * Pure C (see event_parse.h).  Every check that can fail for one element
 * writes a reason into that element and moves on.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "event_parse.h"

#define MAX_TEXT_FIELD	200		/* source, event id, references, codes */

struct EventBatch
{
	json_t	   *root;
	char	  **owned;			/* strings from json_dumps, freed at the end */
	size_t		nowned;
	size_t		capowned;
};

/* ---- timestamps ------------------------------------------------------------ */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian); H. Hinnant's algorithm. */
static int64_t
DaysFromCivil(int y, int m, int d)
{
	int			era;
	unsigned	yoe,
				doy,
				doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned) (y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t) era * 146097 + (int64_t) doe - 719468;
}

static bool
Digits(const char **p, int n, int *out)
{
	int			v = 0;

	for (int i = 0; i < n; i++)
	{
		if (!isdigit((unsigned char) (*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

bool
IsoTimestampParse(const char *s, int64_t *out, const char **why)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p = s;
	int			y,
				mo,
				d,
				h,
				mi,
				sec = 0,
				oh = 0,
				om = 0;
	int64_t		usec = 0;
	int			sign = 0;
	bool		leap;

	*why = "Expected an ISO 8601 date-time with a UTC offset, such as \"2026-03-01T10:00:00Z\".";
	if (!Digits(&p, 4, &y) || *p++ != '-' || !Digits(&p, 2, &mo) || *p++ != '-' ||
		!Digits(&p, 2, &d))
		return false;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return false;
	p++;
	if (!Digits(&p, 2, &h) || *p++ != ':' || !Digits(&p, 2, &mi))
		return false;
	if (*p == ':')
	{
		p++;
		if (!Digits(&p, 2, &sec))
			return false;
		if (*p == '.' || *p == ',')
		{
			int			n = 0;

			p++;
			if (!isdigit((unsigned char) *p))
				return false;
			while (isdigit((unsigned char) *p))
			{
				if (n < 6)
					usec = usec * 10 + (*p - '0');
				n++;
				p++;
			}
			for (; n < 6; n++)
				usec *= 10;
		}
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-')
	{
		sign = *p++ == '-' ? -1 : 1;
		if (!Digits(&p, 2, &oh))
			return false;
		if (*p == ':')
			p++;
		if (isdigit((unsigned char) *p) && !Digits(&p, 2, &om))
			return false;
	}
	else
	{
		*why = "The date-time has no UTC offset; add \"Z\" or one such as \"+08:00\".";
		return false;
	}
	if (*p != '\0')
		return false;

	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) ||
		h > 23 || mi > 59 || sec > 59 || oh > 18 || om > 59)
	{
		*why = "The date-time names a day or time that does not exist.";
		return false;
	}
	*out = ((DaysFromCivil(y, mo, d) - 10957) * 86400 +
			h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60)) * INT64_C(1000000) + usec;
	return true;
}

/* ---- batch ----------------------------------------------------------------- */

EventBatch *
EventBatchParse(const char *text, size_t len, char *errbuf, size_t errlen)
{
	json_error_t error;
	json_t	   *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &error);
	EventBatch *batch;

	if (root == NULL)
	{
		snprintf(errbuf, errlen, "line %d, column %d: %s", error.line, error.column, error.text);
		return NULL;
	}
	if (!json_is_array(root))
	{
		snprintf(errbuf, errlen, "the batch is a JSON %s, not an array of events",
				 json_is_object(root) ? "object" : "scalar");
		json_decref(root);
		return NULL;
	}
	batch = calloc(1, sizeof(EventBatch));
	if (batch == NULL)
	{
		json_decref(root);
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	batch->root = root;
	return batch;
}

size_t
EventBatchSize(const EventBatch *batch)
{
	return json_array_size(batch->root);
}

void
EventBatchFree(EventBatch *batch)
{
	if (batch == NULL)
		return;
	for (size_t i = 0; i < batch->nowned; i++)
		free(batch->owned[i]);
	free(batch->owned);
	json_decref(batch->root);
	free(batch);
}

/* Keep a malloc'd string until the batch is freed. */
static char *
Own(EventBatch *batch, char *s)
{
	if (s == NULL)
		return NULL;
	if (batch->nowned == batch->capowned)
	{
		size_t		cap = batch->capowned ? batch->capowned * 2 : 64;
		char	  **grown = realloc(batch->owned, cap * sizeof(char *));

		if (grown == NULL)
		{
			free(s);
			return NULL;
		}
		batch->owned = grown;
		batch->capowned = cap;
	}
	batch->owned[batch->nowned++] = s;
	return s;
}

static bool
Reject(ParsedEvent *ev, const char *fmt, const char *arg)
{
	ev->ok = false;
	snprintf(ev->reason, sizeof(ev->reason), fmt, arg);
	return false;
}

/*
 * A text field: NULL when absent or JSON null; rejects non-strings, empty
 * strings, embedded NULs (PostgreSQL text cannot hold them) and overlong ones.
 */
static bool
TextField(ParsedEvent *ev, json_t *obj, const char *key, bool required, const char **out)
{
	json_t	   *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
	{
		if (required)
			return Reject(ev, "Field \"%s\" is missing.", key);
		return true;
	}
	if (!json_is_string(v))
		return Reject(ev, "Field \"%s\" must be a string.", key);
	if (json_string_length(v) == 0)
		return Reject(ev, "Field \"%s\" is empty.", key);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return Reject(ev, "Field \"%s\" contains a NUL character.", key);
	if (json_string_length(v) > MAX_TEXT_FIELD)
		return Reject(ev, "Field \"%s\" is longer than 200 characters.", key);
	*out = json_string_value(v);
	return true;
}

/* Does any string in this JSON value hold a NUL (which jsonb refuses)? */
static bool
HasNul(json_t *v)
{
	const char *key;
	json_t	   *item;
	size_t		i;

	if (json_is_string(v))
		return strlen(json_string_value(v)) != json_string_length(v);
	if (json_is_array(v))
	{
		json_array_foreach(v, i, item)
			if (HasNul(item))
			return true;
	}
	if (json_is_object(v))
	{
		json_object_foreach(v, key, item)
		{
			if (HasNul(item))
				return true;
		}
	}
	return false;
}

static bool
IsUnLocode(const char *s)
{
	if (strlen(s) != 5)
		return false;
	for (int i = 0; i < 5; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (i < 2 ? !(c >= 'A' && c <= 'Z') : !((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '9')))
			return false;
	}
	return true;
}

static const char *const known_fields[] = {
	"source", "event_id", "shipment", "milestone", "standard", "code", "version", "qualifier",
	"classifier", "occurred_at", "updated_at", "location", "reason_code", "retracted", "partial",
	"payload", NULL
};

void
EventBatchElement(EventBatch *batch, size_t i, ParsedEvent *ev)
{
	json_t	   *obj = json_array_get(batch->root, i);
	json_t	   *v;
	const char *key;
	const char *text;
	const char *why;

	memset(ev, 0, sizeof(*ev));
	ev->ok = true;
	ev->raw = Own(batch, json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY));
	if (!json_is_object(obj))
	{
		Reject(ev, "An event must be a JSON object%s.", "");
		return;
	}
	if (ev->raw != NULL && HasNul(obj))
	{
		Reject(ev, "The event contains a NUL character%s.", "");
		return;
	}
	json_object_foreach(obj, key, v)
	{
		bool		known = false;

		for (int k = 0; known_fields[k] != NULL; k++)
			known = known || strcmp(key, known_fields[k]) == 0;
		if (!known)
		{
			Reject(ev, "Unknown field \"%.100s\"; put extra data in \"payload\".", key);
			return;
		}
	}

	if (!TextField(ev, obj, "source", true, &ev->source))
		return;
	v = json_object_get(obj, "event_id");
	if (json_is_integer(v))
	{
		snprintf(ev->event_id_buf, sizeof(ev->event_id_buf), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
		ev->event_id = ev->event_id_buf;
	}
	else if (!TextField(ev, obj, "event_id", true, &ev->event_id))
		return;
	if (!TextField(ev, obj, "shipment", true, &ev->shipment) ||
		!TextField(ev, obj, "milestone", false, &ev->milestone) ||
		!TextField(ev, obj, "standard", false, &ev->standard) ||
		!TextField(ev, obj, "code", false, &ev->code) ||
		!TextField(ev, obj, "version", false, &ev->version) ||
		!TextField(ev, obj, "qualifier", false, &ev->qualifier) ||
		!TextField(ev, obj, "location", false, &ev->location) ||
		!TextField(ev, obj, "reason_code", false, &ev->reason_code))
		return;
	if (ev->milestone == NULL && (ev->standard == NULL || ev->code == NULL))
	{
		Reject(ev, "Give \"milestone\", or \"standard\" and \"code\"%s.", "");
		return;
	}
	if (ev->milestone != NULL && (ev->standard != NULL || ev->code != NULL))
	{
		Reject(ev, "Give \"milestone\" or \"standard\" and \"code\", not both%s.", "");
		return;
	}
	if (ev->milestone != NULL && (ev->version != NULL || ev->qualifier != NULL))
	{
		Reject(ev, "\"version\" and \"qualifier\" go with \"standard\" and \"code\"%s.", "");
		return;
	}

	/* without a classifier, a mapped code takes the one its map row gives */
	if (!TextField(ev, obj, "classifier", ev->milestone != NULL, &text))
		return;
	if (text != NULL)
	{
		if (strlen(text) != 3)
			text = "";
		for (int k = 0; k < 3 && text[k]; k++)
			ev->classifier[k] = (char) toupper((unsigned char) text[k]);
		if (strcmp(ev->classifier, "PLN") != 0 && strcmp(ev->classifier, "EST") != 0 &&
			strcmp(ev->classifier, "ACT") != 0)
		{
			Reject(ev, "Field \"classifier\" must be PLN, EST or ACT%s.", "");
			return;
		}
	}

	if (!TextField(ev, obj, "occurred_at", true, &text))
		return;
	if (!IsoTimestampParse(text, &ev->occurred_at, &why))
	{
		Reject(ev, "Field \"occurred_at\": %s", why);
		return;
	}
	if (!TextField(ev, obj, "updated_at", false, &text))
		return;
	if (text != NULL)
	{
		if (!IsoTimestampParse(text, &ev->updated_at, &why))
		{
			Reject(ev, "Field \"updated_at\": %s", why);
			return;
		}
		ev->has_updated_at = true;
	}

	if (ev->location != NULL && !IsUnLocode(ev->location))
	{
		Reject(ev, "Field \"location\" must be a UN/LOCODE such as \"DEHAM\", not \"%.20s\".",
			   ev->location);
		return;
	}

	v = json_object_get(obj, "retracted");
	if (v != NULL && !json_is_null(v))
	{
		if (!json_is_boolean(v))
		{
			Reject(ev, "Field \"retracted\" must be true or false%s.", "");
			return;
		}
		ev->retracted = json_is_true(v);
	}
	v = json_object_get(obj, "partial");
	if (v != NULL && !json_is_null(v))
	{
		if (!json_is_boolean(v))
		{
			Reject(ev, "Field \"partial\" must be true or false%s.", "");
			return;
		}
		ev->partial = json_is_true(v);
	}

	v = json_object_get(obj, "payload");
	if (v != NULL && !json_is_null(v))
		ev->payload = Own(batch, json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY));
	if ((v != NULL && !json_is_null(v) && ev->payload == NULL) || ev->raw == NULL)
		Reject(ev, "Out of memory while copying the event%s.", "");
}
