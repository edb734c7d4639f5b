/*
 * event_parse.c
 *	  Canonical event batches: JSON (jansson, and a flat scanner in front of
 *	  it for the common element) to C fields, element by element.
 *
 * Pure C (see event_parse.h).  Every check that can fail for one element
 * writes a reason into that element and moves on.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "event_parse.h"
#include "json_flat.h"
#include "owned_strings.h"

#define MAX_TEXT_FIELD	200		/* source, event id, references, codes */

struct EventBatch
{
	json_t	   *root;
	OwnedStrings owned;			/* strings from json_dumps, freed at the end */
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
	OwnedStringsFree(&batch->owned);
	json_decref(batch->root);
	free(batch);
}

/* Keep a malloc'd string until the batch is freed. */
static char *
Own(EventBatch *batch, char *s)
{
	return OwnedStringsKeep(&batch->owned, s);
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
TextField(ParsedEvent *ev, const FlatValue *v, const char *key, bool required, const char **out)
{
	*out = NULL;
	if (v->type == FLAT_ABSENT || v->type == FLAT_NULL)
	{
		if (required)
			return Reject(ev, "Field \"%s\" is missing.", key);
		return true;
	}
	if (v->type != FLAT_STRING)
		return Reject(ev, "Field \"%s\" must be a string.", key);
	if (v->len == 0)
		return Reject(ev, "Field \"%s\" is empty.", key);
	if (strlen(v->str) != v->len)
		return Reject(ev, "Field \"%s\" contains a NUL character.", key);
	if (v->len > MAX_TEXT_FIELD)
		return Reject(ev, "Field \"%s\" is longer than 200 characters.", key);
	*out = v->str;
	return true;
}

/* A boolean field: absent or null leaves *out false. */
static bool
BoolField(ParsedEvent *ev, const FlatValue *v, const char *key, bool *out)
{
	if (v->type == FLAT_ABSENT || v->type == FLAT_NULL)
		return true;
	if (v->type != FLAT_TRUE && v->type != FLAT_FALSE)
		return Reject(ev, "Field \"%s\" must be true or false.", key);
	*out = v->type == FLAT_TRUE;
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

/* The fields of a canonical event, in known_fields order. */
enum
{
	F_SOURCE, F_EVENT_ID, F_SHIPMENT, F_MILESTONE, F_STANDARD, F_CODE, F_VERSION, F_QUALIFIER,
	F_CLASSIFIER, F_OCCURRED_AT, F_UPDATED_AT, F_LOCATION, F_REASON_CODE, F_RETRACTED, F_PARTIAL,
	F_PAYLOAD, N_FIELDS
};

static const char *const known_fields[] = {
	"source", "event_id", "shipment", "milestone", "standard", "code", "version", "qualifier",
	"classifier", "occurred_at", "updated_at", "location", "reason_code", "retracted", "partial",
	"payload", NULL
};

/* The field a key names, or -1. */
static int
FieldOf(const char *key)
{
	for (int k = 0; k < N_FIELDS; k++)
		if (key[0] == known_fields[k][0] && strcmp(key, known_fields[k]) == 0)
			return k;
	return -1;
}

/*
 * Check the fields of one element and fill *ev from them (which must be
 * zeroed with ok set).  The strings of field[] must live as long as *ev.
 * A payload that is not null is dumped from the general parser's value
 * (field->other) and handed to own(), which keeps it as long as the caller
 * promises; NULL from a dump means out of memory.
 */
static void
CheckFields(const FlatValue *field, ParsedEvent *ev, char *(*own) (void *, char *), void *owner)
{
	const FlatValue *v;
	const char *text;
	const char *why;

	if (!TextField(ev, &field[F_SOURCE], "source", true, &ev->source))
		return;
	v = &field[F_EVENT_ID];
	if (v->type == FLAT_INTEGER)
	{
		snprintf(ev->event_id_buf, sizeof(ev->event_id_buf), "%" PRId64, v->integer);
		ev->event_id = ev->event_id_buf;
	}
	else if (!TextField(ev, v, "event_id", true, &ev->event_id))
		return;
	if (!TextField(ev, &field[F_SHIPMENT], "shipment", true, &ev->shipment) ||
		!TextField(ev, &field[F_MILESTONE], "milestone", false, &ev->milestone) ||
		!TextField(ev, &field[F_STANDARD], "standard", false, &ev->standard) ||
		!TextField(ev, &field[F_CODE], "code", false, &ev->code) ||
		!TextField(ev, &field[F_VERSION], "version", false, &ev->version) ||
		!TextField(ev, &field[F_QUALIFIER], "qualifier", false, &ev->qualifier) ||
		!TextField(ev, &field[F_LOCATION], "location", false, &ev->location) ||
		!TextField(ev, &field[F_REASON_CODE], "reason_code", false, &ev->reason_code))
		return;
	/* neither a milestone nor a code, only a reason code: a reason event */
	if (ev->milestone == NULL && ev->standard == NULL && ev->code == NULL && ev->reason_code != NULL)
	{
		if (ev->version != NULL || ev->qualifier != NULL)
		{
			Reject(ev, "\"version\" and \"qualifier\" go with \"standard\" and \"code\"%s.", "");
			return;
		}
	}
	else if (ev->milestone == NULL && (ev->standard == NULL || ev->code == NULL))
	{
		Reject(ev, "Give \"milestone\", or \"standard\" and \"code\", or only \"reason_code\"%s.", "");
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
	if (!TextField(ev, &field[F_CLASSIFIER], "classifier", ev->milestone != NULL, &text))
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

	if (!TextField(ev, &field[F_OCCURRED_AT], "occurred_at", true, &text))
		return;
	if (!IsoTimestampParse(text, &ev->occurred_at, &why))
	{
		Reject(ev, "Field \"occurred_at\": %s", why);
		return;
	}
	if (!TextField(ev, &field[F_UPDATED_AT], "updated_at", false, &text))
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

	if (!BoolField(ev, &field[F_RETRACTED], "retracted", &ev->retracted) ||
		!BoolField(ev, &field[F_PARTIAL], "partial", &ev->partial))
		return;

	v = &field[F_PAYLOAD];
	if (v->type != FLAT_ABSENT && v->type != FLAT_NULL)
	{
		ev->payload = v->other == NULL ? NULL :
			own(owner, json_dumps(v->other, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY));
		if (ev->payload == NULL)
			Reject(ev, "Out of memory while copying the event%s.", "");
	}
}

/* jansson's value of a field in the scanner's terms; other keeps the value itself. */
static void
FieldFromJson(json_t *v, FlatValue *out)
{
	memset(out, 0, sizeof(*out));
	if (v == NULL)
		return;
	out->other = v;
	switch (json_typeof(v))
	{
		case JSON_NULL:
			out->type = FLAT_NULL;
			break;
		case JSON_STRING:
			out->type = FLAT_STRING;
			out->str = json_string_value(v);
			out->len = json_string_length(v);
			break;
		case JSON_INTEGER:
			out->type = FLAT_INTEGER;
			out->integer = (int64_t) json_integer_value(v);
			break;
		case JSON_TRUE:
			out->type = FLAT_TRUE;
			break;
		case JSON_FALSE:
			out->type = FLAT_FALSE;
			break;
		default:
			out->type = FLAT_OTHER;
			break;
	}
}

/*
 * Fill *ev from the element obj, parsed by jansson.  want_raw: serialise
 * the element into ev->raw for every element (the batch API), or only for
 * rejected ones (the stream: a reject keeps it, an accepted element never
 * needs it).  Dumped strings (raw, payload) go to own() as in CheckFields.
 */
static void
ParseObject(json_t *obj, ParsedEvent *ev, bool want_raw, char *(*own) (void *, char *),
			void *owner)
{
	json_t	   *v;
	json_t	   *member[N_FIELDS];
	FlatValue	field[N_FIELDS];
	const char *key;
	size_t		key_len;
	const char *unknown = NULL;
	bool		has_nul = false;

	memset(ev, 0, sizeof(*ev));
	ev->ok = true;
	if (want_raw)
	{
		ev->raw = own(owner, json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY));
		if (ev->raw == NULL)
		{
			Reject(ev, "Out of memory while copying the event%s.", "");
			return;
		}
	}
	if (!json_is_object(obj))
	{
		Reject(ev, "An event must be a JSON object%s.", "");
		return;
	}
	/*
	 * One pass over the fields: a NUL in any value first, then the first
	 * unknown key.  (A key holding a NUL counts by its text before the NUL,
	 * and its value is no field's.)
	 */
	memset(member, 0, sizeof(member));
	json_object_keylen_foreach(obj, key, key_len, v)
	{
		int			k = FieldOf(key);

		has_nul = has_nul || HasNul(v);
		if (k < 0 && unknown == NULL)
			unknown = key;
		else if (k >= 0 && key_len == strlen(key))
			member[k] = v;
	}
	if (has_nul)
	{
		Reject(ev, "The event contains a NUL character%s.", "");
		return;
	}
	if (unknown != NULL)
	{
		Reject(ev, "Unknown field \"%.100s\"; put extra data in \"payload\".", unknown);
		return;
	}
	for (int k = 0; k < N_FIELDS; k++)
		FieldFromJson(member[k], &field[k]);
	CheckFields(field, ev, own, owner);
}

static char *
OwnByBatch(void *batch, char *s)
{
	return Own((EventBatch *) batch, s);
}

void
EventBatchElement(EventBatch *batch, size_t i, ParsedEvent *ev)
{
	ParseObject(json_array_get(batch->root, i), ev, true, OwnByBatch, batch);
}

/* ---- stream ---------------------------------------------------------------- */

/*
 * The stream finds the elements of the top-level array itself (only white
 * space, commas and brackets lie between them).  An element of the flat
 * shape nearly every feed sends is read by the scanner of json_flat.h
 * (FastElement); any other, and every reject, is left to jansson, one
 * element at a time (JSON_DISABLE_EOF_CHECK: it stops after the value and
 * says how many bytes it read).  Whatever jansson allocates for an element
 * comes from an arena that the next element reuses: one reset instead of a
 * free() per string, object and hash table.  jansson's allocator is global,
 * so the arena is installed only while this file parses an element and the
 * default one is put back before returning: no json_t of an element
 * outlives the call that parsed it (its strings do, in the arena, until the
 * next call).
 */
#define ARENA_BLOCK		(256 * 1024)

typedef struct ArenaBlock
{
	struct ArenaBlock *next;
	size_t		size;
	size_t		used;
	/* data follows, max-aligned */
} ArenaBlock;

struct EventStream
{
	const char *text;
	size_t		len;
	size_t		pos;			/* where the next element (or a separator) starts */
	size_t		count;			/* elements returned so far */
	bool		done;
	bool		refused;		/* the text holds a NUL byte */
	bool		no_fast_path;	/* every element through jansson (for tests) */
	ArenaBlock *blocks;			/* the first block is reused; others are freed */
};

#define ARENA_HEADER	((sizeof(ArenaBlock) + 15) & ~(size_t) 15)

static EventStream *current_stream;	/* the stream whose arena jansson uses */

static void *
ArenaAllocIn(EventStream *s, size_t size)
{
	ArenaBlock *b = s->blocks;

	size = (size + 15) & ~(size_t) 15;
	if (b == NULL || b->used + size > b->size)
	{
		size_t		cap = size > ARENA_BLOCK / 4 ? size : ARENA_BLOCK;

		b = malloc(ARENA_HEADER + cap);
		if (b == NULL)
			return NULL;
		b->size = cap;
		b->used = 0;
		/* the big first block stays first: it is the one kept */
		if (s->blocks != NULL && cap == ARENA_BLOCK)
		{
			b->next = s->blocks;
			s->blocks = b;
		}
		else if (s->blocks != NULL)
		{
			b->next = s->blocks->next;
			s->blocks->next = b;
			b->used = size;
			return (char *) b + ARENA_HEADER;
		}
		else
		{
			b->next = NULL;
			s->blocks = b;
		}
	}
	b->used += size;
	return (char *) b + ARENA_HEADER + b->used - size;
}

/* jansson's allocator */
static void *
ArenaAlloc(size_t size)
{
	return ArenaAllocIn(current_stream, size);
}

/* the flat scanner's */
static void *
ArenaAllocFor(void *stream, size_t size)
{
	return ArenaAllocIn((EventStream *) stream, size);
}

static void
ArenaFree(void *p)
{
	(void) p;					/* everything goes at the next reset */
}

/* Free every block but one, and empty that one. */
static void
ArenaReset(EventStream *s, bool all)
{
	ArenaBlock *b = s->blocks;
	ArenaBlock *keep = NULL;

	while (b != NULL)
	{
		ArenaBlock *next = b->next;

		if (!all && keep == NULL && b->size == ARENA_BLOCK)
		{
			keep = b;
			keep->used = 0;
		}
		else
			free(b);
		b = next;
	}
	if (keep != NULL)
		keep->next = NULL;
	s->blocks = keep;
}

static bool
IsJsonSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
SkipSpace(EventStream *s)
{
	while (s->pos < s->len && IsJsonSpace(s->text[s->pos]))
		s->pos++;
}

EventStream *
EventStreamOpen(const char *text, size_t len)
{
	EventStream *s = calloc(1, sizeof(EventStream));

	if (s == NULL)
		return NULL;
	s->text = text;
	s->len = len;
	/*
	 * jansson skips a raw NUL byte (never valid JSON) and then counts the
	 * bytes it read one short: such a text is read whole (EventBatchParse).
	 */
	s->done = memchr(text, '\0', len) != NULL;
	s->refused = s->done;
	return s;
}

void
EventStreamClose(EventStream *s)
{
	if (s == NULL)
		return;
	ArenaReset(s, true);
	free(s);
}

static char *
OwnByArena(void *unused, char *s)
{
	(void) unused;
	return s;					/* dumped into the arena: lives until the next element */
}

void
EventStreamNoFastPath(EventStream *s)
{
	s->no_fast_path = true;
}

/*
 * The fast path: the element at text[offset, offset + avail) read by the
 * flat scanner (json_flat.h) into the arena, when it has the simple shape,
 * no payload, and passes every check.  false leaves the element to jansson:
 * the same checks on jansson's reading, and a reject keeps the element as
 * jansson serialises it.
 */
static bool
FastElement(EventStream *s, size_t offset, size_t avail, ParsedEvent *ev, size_t *consumed)
{
	FlatValue	field[N_FIELDS];

	if (s->no_fast_path ||
		!JsonFlatScan(s->text + offset, avail, known_fields, field, ArenaAllocFor, s, consumed))
		return false;
	if (field[F_PAYLOAD].type != FLAT_ABSENT && field[F_PAYLOAD].type != FLAT_NULL)
		return false;			/* jansson dumps it with sorted keys */
	memset(ev, 0, sizeof(*ev));
	ev->ok = true;
	CheckFields(field, ev, NULL, NULL);
	return ev->ok;
}

int
EventStreamNext(EventStream *s, ParsedEvent *ev, size_t *offset, size_t *length)
{
	size_t		consumed;
	json_malloc_t saved_malloc;
	json_free_t saved_free;
	json_error_t error;
	json_t	   *obj;

	if (s->done)
		return s->refused ? -1 : 0;
	SkipSpace(s);
	if (s->count == 0)
	{
		/* the opening bracket, then ']' at once for an empty batch */
		if (s->pos >= s->len || s->text[s->pos] != '[')
			return -1;
		s->pos++;
		SkipSpace(s);
		if (s->pos < s->len && s->text[s->pos] == ']')
		{
			s->pos++;
			SkipSpace(s);
			s->done = true;
			return s->pos == s->len ? 0 : -1;
		}
	}
	else
	{
		/* after an element: ',' and the next, or ']' and the end */
		if (s->pos >= s->len)
			return -1;
		if (s->text[s->pos] == ']')
		{
			s->pos++;
			SkipSpace(s);
			s->done = true;
			return s->pos == s->len ? 0 : -1;
		}
		if (s->text[s->pos] != ',')
			return -1;
		s->pos++;
		SkipSpace(s);
	}
	if (s->pos >= s->len)
		return -1;

	ArenaReset(s, false);
	if (FastElement(s, s->pos, s->len - s->pos, ev, &consumed))
	{
		*offset = s->pos;
		*length = consumed;
		s->pos += consumed;
		s->count++;
		return 1;
	}
	json_get_alloc_funcs(&saved_malloc, &saved_free);
	current_stream = s;
	json_set_alloc_funcs(ArenaAlloc, ArenaFree);
	obj = json_loadb(s->text + s->pos, s->len - s->pos,
					 JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
					 &error);
	if (obj != NULL)
	{
		ParseObject(obj, ev, false, OwnByArena, NULL);
		/* a reject keeps the element as sent */
		if (!ev->ok && ev->raw == NULL)
			ev->raw = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		if (!ev->ok && ev->raw == NULL)
			obj = NULL;			/* out of memory: give up like a parse error */
	}
	json_set_alloc_funcs(saved_malloc, saved_free);
	current_stream = NULL;
	if (obj == NULL || error.position <= 0)
		return -1;
	*offset = s->pos;
	*length = (size_t) error.position;
	s->pos += (size_t) error.position;
	s->count++;
	return 1;
}

int
EventStreamAt(EventStream *s, size_t offset, size_t length, ParsedEvent *ev)
{
	json_malloc_t saved_malloc;
	json_free_t saved_free;
	json_error_t error;
	json_t	   *obj;

	size_t		consumed;

	if (offset > s->len || length > s->len - offset)
		return -1;
	ArenaReset(s, false);
	/* the whole span, as jansson reads it here without JSON_DISABLE_EOF_CHECK */
	if (FastElement(s, offset, length, ev, &consumed) && consumed == length)
		return 1;
	json_get_alloc_funcs(&saved_malloc, &saved_free);
	current_stream = s;
	json_set_alloc_funcs(ArenaAlloc, ArenaFree);
	obj = json_loadb(s->text + offset, length, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
					 &error);
	if (obj != NULL)
	{
		ParseObject(obj, ev, false, OwnByArena, NULL);
		if (!ev->ok && ev->raw == NULL)
			ev->raw = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		if (!ev->ok && ev->raw == NULL)
			obj = NULL;
	}
	json_set_alloc_funcs(saved_malloc, saved_free);
	current_stream = NULL;
	return obj == NULL ? -1 : 1;
}

char *
EventElementRaw(const char *text, size_t len)
{
	json_error_t error;
	json_t	   *obj = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
	char	   *raw;

	if (obj == NULL)
		return NULL;
	raw = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	json_decref(obj);
	return raw;
}
