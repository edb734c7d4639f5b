/*
 * fmt_onerecord.c
 *	  IATA ONE Record LogisticsEvent documents (JSON-LD) to FmtEvents.
 *
 * Pure C with jansson (see fmt.h).  The message is one LogisticsEvent, an
 * array of them, or an object with "@graph".  Property names are read by
 * their local name, so "eventCode", "cargo:eventCode" and
 * "https://onerecord.iata.org/ns/cargo#eventCode" are the same; a value may
 * be plain or wrapped as {"@value": ...} or {"@id": ...}.
 *
 *	 - event_id: the event's @id (its IRI), or a hash of the document;
 *	 - code: eventCode as an IRI (".../coreCodeLists#StatusCode_DEP",
 *	   ".../code-lists/StatusCode#DEP"), a text ("DEP") or a CodeListElement
 *	   with "code"; standard IATA, qualifier "" (an event does not say where
 *	   the waybill starts and ends);
 *	 - classifier: eventTimeType ACTUAL -> ACT, ESTIMATED and EXPECTED -> EST,
 *	   PLANNED and REQUESTED -> PLN;
 *	 - occurred_at: eventDate; updated_at: creationDate;
 *	 - partial: partialEventIndicator;
 *	 - shipment references: eventFor (its IRI, and the AWB when the object is
 *	   embedded with waybillPrefix and waybillNumber), else the logistics
 *	   object the event's own IRI hangs under (".../logistics-objects/X/
 *	   logistics-events/Y" -> ".../logistics-objects/X");
 *	 - location: eventLocation or recordedAtLocation: a UN/LOCODE, or an
 *	   IATA airport code (as the IRI's last segment or a locationCode) that
 *	   cbl.location_zone turns into a UN/LOCODE.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check_digit.h"
#include "event_parse.h"
#include "fmt.h"

/* The local name of a property: after the last '#', '/' or ':'. */
static const char *
LocalName(const char *key)
{
	const char *p = key + strlen(key);

	while (p > key && p[-1] != '#' && p[-1] != '/' && p[-1] != ':')
		p--;
	return p;
}

/* A member by local name. */
static json_t *
Get(json_t *obj, const char *name)
{
	const char *key;
	json_t	   *v;

	if (!json_is_object(obj))
		return NULL;
	v = json_object_get(obj, name);
	if (v != NULL)
		return v;
	json_object_foreach(obj, key, v)
	{
		if (strcmp(LocalName(key), name) == 0)
			return v;
	}
	return NULL;
}

/* The text of a value: a string, {"@value": s} or {"@id": s}; NULL otherwise. */
static const char *
Text(json_t *v)
{
	if (json_is_array(v) && json_array_size(v) == 1)
		v = json_array_get(v, 0);
	if (json_is_object(v))
	{
		json_t	   *w = json_object_get(v, "@value");

		if (w == NULL)
			w = json_object_get(v, "@id");
		v = w;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 ||
		strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

/* A boolean: true/false, "true"/"false", or {"@value": either}. */
static int
Bool(json_t *v)
{
	const char *s;

	if (json_is_object(v) && json_object_get(v, "@value"))
		v = json_object_get(v, "@value");
	if (json_is_boolean(v))
		return json_is_true(v);
	s = json_is_string(v) ? json_string_value(v) : NULL;
	if (s && strcmp(s, "true") == 0)
		return 1;
	if (s && strcmp(s, "false") == 0)
		return 0;
	return -1;
}

static bool
IsEvent(json_t *e)
{
	json_t	   *t = json_object_get(e, "@type");
	size_t		i;
	json_t	   *x;

	if (json_is_string(t))
		return strcmp(LocalName(json_string_value(t)), "LogisticsEvent") == 0;
	if (json_is_array(t))
		json_array_foreach(t, i, x)
			if (json_is_string(x) && strcmp(LocalName(json_string_value(x)), "LogisticsEvent") == 0)
			return true;
	/* no @type: an event if it has an event code */
	return t == NULL && Get(e, "eventCode") != NULL;
}

/*
 * "…#StatusCode_DEP", "…/StatusCode#DEP", "DEP", {"code": "DEP"} -> "DEP";
 * a discrepancy "DIS_OFLD" -> "DIS" with qualifier "OFLD".
 */
static bool
EventCode(json_t *v, char *out, size_t outlen, char *qual, size_t quallen)
{
	const char *s = NULL;

	if (json_is_object(v) && Get(v, "code") != NULL)
		s = Text(Get(v, "code"));
	if (s == NULL)
		s = Text(v);
	if (s == NULL)
		return false;
	s = LocalName(s);
	if (strncmp(s, "StatusCode_", 11) == 0)
		s += 11;
	qual[0] = '\0';
	if (strncmp(s, "DIS_", 4) == 0 && strlen(s + 4) < quallen && strlen(s) <= 12)
	{
		strcpy(qual, s + 4);
		for (const char *p = qual; *p; p++)
			if (!isalnum((unsigned char) *p))
				return false;
		strcpy(out, "DIS");
		return true;
	}
	if (strlen(s) == 0 || strlen(s) >= outlen || strlen(s) > 8)
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char) *p))
			return false;
	strcpy(out, s);
	return true;
}

/* Strip "/logistics-events/..." from an event IRI: the object it belongs to. */
static const char *
ParentObject(FmtBatch *batch, const char *iri)
{
	const char *p = iri ? strstr(iri, "/logistics-events/") : NULL;

	if (p == NULL || p == iri)
		return NULL;
	return FmtStrN(batch, iri, (size_t) (p - iri));
}

static void
AddRef(char *buf, size_t buflen, const char *v, bool *bad)
{
	size_t		n = strlen(buf);

	if (v == NULL)
		return;
	if (!FmtTextOk(v) || FmtHasControl(v))
	{
		*bad = true;
		return;
	}
	if (n > 0)
	{
		if (n + 1 >= buflen)
		{
			*bad = true;
			return;
		}
		buf[n++] = FMT_SEP[0];
		buf[n] = '\0';
	}
	if (n + strlen(v) >= buflen)
	{
		*bad = true;
		return;
	}
	strcat(buf, v);
}

/* A location's code: an IRI's last segment, or locationCodes / code in the object. */
static void
Location(FmtBatch *batch, FmtEvent *ev, json_t *v, json_t *payload, const char *key)
{
	const char *s = NULL;
	const char *iri = Text(v);

	if (json_is_object(v))
	{
		json_t	   *codes = Get(v, "locationCodes");

		if (json_is_array(codes) && json_array_size(codes) > 0)
			codes = json_array_get(codes, 0);
		if (codes != NULL)
		{
			s = Text(Get(codes, "code"));
			if (s == NULL)
				s = Text(codes);
		}
		if (s == NULL)
			s = Text(Get(v, "code"));
	}
	if (iri != NULL)
		json_object_set_new(payload, key, FmtJson(iri));
	if (s == NULL && iri != NULL)
		s = LocalName(iri);
	if (s == NULL)
		return;
	if (FmtIsUnLocode(s) && ev->location == NULL)
		ev->location = FmtStr(batch, s);
	else if (strlen(s) == 3 && isupper((unsigned char) s[0]) && isupper((unsigned char) s[1]) &&
			 isupper((unsigned char) s[2]) && ev->airport == NULL)
	{
		ev->airport = FmtStr(batch, s);
		json_object_set_new(payload, "airport", FmtJson(s));
	}
}

static void
ParseOne(FmtBatch *batch, json_t *e, int position, const FmtOptions *opt)
{
	FmtEvent   *ev = FmtAdd(batch, position);
	json_t	   *payload,
			   *v;
	const char *s,
			   *why;
	char		code[16];
	char		qual[16];
	char		refs[1024] = "";
	bool		bad = false;
	int			b;

	if (ev == NULL)
		return;
	ev->raw = FmtOwn(batch, json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY));
	ev->source = opt->source ? opt->source : "iata-onerecord";
	ev->standard = "IATA";
	ev->version = "";
	if (!json_is_object(e) || !IsEvent(e))
	{
		FmtReject(ev, "A ONE Record event is a JSON object of @type LogisticsEvent.");
		return;
	}
	if (ev->raw == NULL)
	{
		FmtReject(ev, "Out of memory while reading the event.");
		return;
	}

	if (!EventCode(Get(e, "eventCode"), code, sizeof(code), qual, sizeof(qual)))
	{
		FmtReject(ev, "The event has no eventCode such as StatusCode_DEP.");
		return;
	}
	ev->code = FmtStr(batch, code);
	if (qual[0])
	{
		ev->qualifier = FmtStr(batch, qual);
		ev->reason_code = ev->qualifier;
	}

	s = Text(Get(e, "eventTimeType"));
	if (s != NULL)
	{
		s = LocalName(s);
		if (strcmp(s, "ACTUAL") == 0)
			memcpy(ev->classifier, "ACT", 4);
		else if (strcmp(s, "ESTIMATED") == 0 || strcmp(s, "EXPECTED") == 0)
			memcpy(ev->classifier, "EST", 4);
		else if (strcmp(s, "PLANNED") == 0 || strcmp(s, "REQUESTED") == 0)
			memcpy(ev->classifier, "PLN", 4);
		else
		{
			FmtReject(ev, "eventTimeType \"%.40s\" is not ACTUAL, ESTIMATED, EXPECTED, PLANNED or REQUESTED.", s);
			return;
		}
	}

	s = Text(Get(e, "eventDate"));
	if (s == NULL)
	{
		FmtReject(ev, "The event has no eventDate.");
		return;
	}
	if (!IsoTimestampParse(s, &ev->occurred_at, &why))
	{
		FmtReject(ev, "eventDate \"%.40s\": %s", s, why);
		return;
	}
	s = Text(Get(e, "creationDate"));
	if (s != NULL)
	{
		if (!IsoTimestampParse(s, &ev->updated_at, &why))
		{
			FmtReject(ev, "creationDate \"%.40s\": %s", s, why);
			return;
		}
		ev->has_updated_at = true;
	}

	v = Get(e, "partialEventIndicator");
	if (v != NULL && !json_is_null(v))
	{
		b = Bool(v);
		if (b < 0)
		{
			FmtReject(ev, "partialEventIndicator must be true or false.");
			return;
		}
		ev->partial = b == 1;
	}

	/* identity */
	s = Text(json_object_get(e, "@id"));
	if (s != NULL && FmtTextOk(s))
		ev->event_id = FmtStr(batch, s);
	else
		ev->event_id = FmtPrintf(batch, "onerecord-%016llx",
								 (unsigned long long) FmtHash(ev->raw, strlen(ev->raw), FMT_HASH_SEED));

	/* what it is about */
	payload = FmtJsonObject();
	v = Get(e, "eventFor");
	if (v != NULL)
	{
		const char *iri = Text(v);
		const char *prefix = Text(Get(v, "waybillPrefix"));
		const char *number = Text(Get(v, "waybillNumber"));

		AddRef(refs, sizeof(refs), iri, &bad);
		if (iri)
			json_object_set_new(payload, "eventFor", FmtJson(iri));
		if (prefix && number)
		{
			char		awb[32];
			char		canon[16];
			int64_t		packed;

			snprintf(awb, sizeof(awb), "%.3s-%.8s", prefix, number);
			if (AwbParse(awb, &packed, NULL) && AwbFormat(packed, canon, sizeof(canon)) > 0)
			{
				AddRef(refs, sizeof(refs), canon, &bad);
				json_object_set_new(payload, "awb", json_string(canon));
			}
		}
	}
	if (refs[0] == '\0')
		AddRef(refs, sizeof(refs), ParentObject(batch, Text(json_object_get(e, "@id"))), &bad);
	if (bad)
	{
		FmtReject(ev, "A reference of the event is longer than %d characters or holds a control character.",
				  FMT_MAX_TEXT);
		json_decref(payload);
		return;
	}
	if (refs[0] == '\0')
	{
		FmtReject(ev, "The event names no eventFor and its @id hangs under no logistics object.");
		json_decref(payload);
		return;
	}
	ev->shipment = FmtStr(batch, refs);

	Location(batch, ev, Get(e, "eventLocation"), payload, "eventLocation");
	Location(batch, ev, Get(e, "recordedAtLocation"), payload, "recordedAtLocation");
	if ((s = Text(Get(e, "eventName"))) != NULL)
		json_object_set_new(payload, "eventName", FmtJson(s));
	if ((s = Text(Get(e, "recordingOrganization"))) != NULL)
		json_object_set_new(payload, "recordingOrganization", FmtJson(s));
	if ((s = Text(Get(e, "eventTimeType"))) != NULL)
		json_object_set_new(payload, "eventTimeType", FmtJson(LocalName(s)));
	if (ev->partial)
		json_object_set_new(payload, "partial", json_true());
	ev->payload = FmtOwn(batch, json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS));
	json_decref(payload);
	if (ev->payload == NULL || ev->event_id == NULL || ev->shipment == NULL || ev->code == NULL ||
		ev->qualifier == NULL)
		FmtReject(ev, "Out of memory while reading the event.");
}

bool
FmtParseOneRecord(FmtBatch *batch, const char *text, size_t len, const FmtOptions *opt,
				  char *errbuf, size_t errlen)
{
	json_error_t error;
	json_t	   *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &error);
	json_t	   *list;
	size_t		i;
	json_t	   *e;

	if (root == NULL)
	{
		snprintf(errbuf, errlen, "line %d, column %d: %s", error.line, error.column, error.text);
		return false;
	}
	if (json_is_array(root))
		list = root;
	else if (json_is_object(root) && json_is_array(json_object_get(root, "@graph")))
		list = json_object_get(root, "@graph");
	else if (json_is_object(root))
		list = NULL;
	else
	{
		snprintf(errbuf, errlen, "a ONE Record message is a LogisticsEvent object or an array of them");
		json_decref(root);
		return false;
	}
	if (list == NULL)
		ParseOne(batch, root, 1, opt);
	else
		json_array_foreach(list, i, e)
			ParseOne(batch, e, (int) i + 1, opt);
	json_decref(root);
	return true;
}
