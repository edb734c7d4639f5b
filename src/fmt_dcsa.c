/*
 * fmt_dcsa.c
 *	  DCSA Track & Trace events (2.2 flat, 3.0 with eventClassification and
 *	  eventRouting) to FmtEvents.
 *
 * Pure C with jansson (see fmt.h).  The message is a JSON array of events,
 * a 3.0 notification body {"events": [...]}, or one event object.  Each
 * event gives:
 *	 - event_id: eventID; a 2.2 event with retractedEventID retracts that
 *	   event instead, and a 3.0 event with isRetracted = true retracts itself;
 *	 - code map keys: standard "DCSA", version "2.2" or "3.0", the event
 *	   type code (ARRI, LOAD, CONF ...) and a qualifier: for equipment events
 *	   EMPTY or LADEN, then ".EXPORT", ".IMPORT" or ".TRANSSHIPMENT" from
 *	   3.0's movementType; for shipment events the document type (BKG, TRD,
 *	   CUC ...);
 *	 - classifier: eventClassifierCode (REQ, requested, counts as PLN);
 *	 - occurred_at: eventDateTime; updated_at: eventUpdatedDateTime (3.0) or
 *	   eventCreatedDateTime (2.2);
 *	 - shipment references: document references (booking, transport
 *	   document), the shipment event's documentID, the equipment reference
 *	   and 2.2's EQ and FF references;
 *	 - location: the event location's or the transport call's UN/LOCODE;
 *	 - reason_code: delayReasonCode;
 *	 - payload: what else identifies the move (vessel, voyage, document type,
 *	   empty indicator, movement type, facility, change remark, publisher),
 *	   and the delayReasonCode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "event_parse.h"
#include "fmt.h"

/* A string member, or NULL (absent, null, not a string, empty). */
static const char *
Str(json_t *obj, const char *key)
{
	json_t	   *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	if (!json_is_string(v) || json_string_length(v) == 0 ||
		strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

static json_t *
Obj(json_t *obj, const char *key)
{
	json_t	   *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_object(v) ? v : NULL;
}

/* Collect references without repeats, FMT_SEP between them. */
typedef struct Refs
{
	char		buf[1024];
	size_t		len;
	bool		overflow;
	bool		bad;
} Refs;

static void
AddRef(Refs *r, const char *value)
{
	size_t		n;
	const char *p;

	if (value == NULL)
		return;
	if (!FmtTextOk(value) || FmtHasControl(value))
	{
		r->bad = true;
		return;
	}
	n = strlen(value);
	/* already there? */
	p = r->buf;
	while (p < r->buf + r->len)
	{
		const char *end = strchr(p, FMT_SEP[0]);
		size_t		m = end ? (size_t) (end - p) : strlen(p);

		if (m == n && memcmp(p, value, n) == 0)
			return;
		p += m + 1;
	}
	if (r->len + n + 2 > sizeof(r->buf))
	{
		r->overflow = true;
		return;
	}
	if (r->len > 0)
		r->buf[r->len++] = FMT_SEP[0];
	memcpy(r->buf + r->len, value, n);
	r->len += n;
	r->buf[r->len] = '\0';
}

static void
SetIf(json_t *payload, const char *key, const char *value)
{
	if (value != NULL)
		json_object_set_new(payload, key, json_string(value));
}

static void
CopyIf(json_t *payload, const char *key, json_t *value)
{
	if (value != NULL && !json_is_null(value))
		json_object_set(payload, key, value);
}

static bool
ParseTime(FmtEvent *ev, json_t *obj, const char *key, bool required, int64_t *out, bool *has)
{
	json_t	   *v = json_object_get(obj, key);
	const char *why;

	if (has)
		*has = false;
	if (v == NULL || json_is_null(v))
	{
		if (required)
			FmtReject(ev, "Field \"%s\" is missing.", key);
		return !required;
	}
	if (!json_is_string(v) || !IsoTimestampParse(json_string_value(v), out, &why))
	{
		FmtReject(ev, "Field \"%s\" is not a date-time with a UTC offset: %.80s", key,
				  json_is_string(v) ? json_string_value(v) : "(not a string)");
		return false;
	}
	if (has)
		*has = true;
	return true;
}

static void
ParseOne(FmtBatch *batch, json_t *e, int position, const FmtOptions *opt)
{
	FmtEvent   *ev = FmtAdd(batch, position);
	json_t	   *cls,
			   *payload,
			   *v;
	const char *type,
			   *code = NULL,
			   *classifier,
			   *version,
			   *location = NULL,
			   *qualifier = "",
			   *doc_type = NULL,
			   *empty = NULL,
			   *movement = NULL;
	json_t	   *tcall = NULL,
			   *equip = NULL,
			   *ship = NULL;
	Refs		refs = {.len = 0};
	char		qbuf[64];

	if (ev == NULL)
		return;
	ev->raw = FmtOwn(batch, json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY));
	ev->source = opt->source ? opt->source : "dcsa";
	ev->standard = "DCSA";
	if (!json_is_object(e))
	{
		FmtReject(ev, "A DCSA event must be a JSON object.");
		return;
	}

	/* 3.0 classifies in eventClassification; 2.2 is flat */
	cls = Obj(e, "eventClassification");
	if (cls != NULL)
	{
		version = "3.0";
		type = Str(cls, "eventTypeCode");
		classifier = Str(cls, "eventClassifierCode");
	}
	else
	{
		version = "2.2";
		cls = e;
		type = Str(e, "eventType");
		classifier = Str(e, "eventClassifierCode");
	}
	ev->version = version;
	if (type == NULL)
	{
		FmtReject(ev, "The event has no event type (eventType in 2.2, eventClassification.eventTypeCode in 3.0).");
		return;
	}
	if (strcmp(type, "TRANSPORT") == 0)
		code = Str(cls, "transportEventTypeCode");
	else if (strcmp(type, "EQUIPMENT") == 0)
		code = Str(cls, "equipmentEventTypeCode");
	else if (strcmp(type, "SHIPMENT") == 0)
		code = Str(cls, "shipmentEventTypeCode");
	else if (strcmp(type, "IOT") == 0)
		code = Str(cls, "iotEventTypeCode");
	else if (strcmp(type, "REEFER") == 0)
		code = Str(cls, "reeferEventTypeCode");
	else
	{
		FmtReject(ev, "Unknown DCSA event type \"%.40s\".", type);
		return;
	}
	if (code == NULL || strlen(code) > 8)
	{
		FmtReject(ev, "The %s event has no event type code.", type);
		return;
	}
	ev->code = FmtStr(batch, code);

	if (classifier == NULL)
	{
		FmtReject(ev, "Field \"eventClassifierCode\" is missing.");
		return;
	}
	if (strcmp(classifier, "ACT") == 0 || strcmp(classifier, "PLN") == 0 ||
		strcmp(classifier, "EST") == 0)
		memcpy(ev->classifier, classifier, 4);
	else if (strcmp(classifier, "REQ") == 0)
		memcpy(ev->classifier, "PLN", 4);
	else
	{
		FmtReject(ev, "Field \"eventClassifierCode\" must be ACT, PLN, EST or REQ, not \"%.20s\".",
				  classifier);
		return;
	}

	/* times */
	if (!ParseTime(ev, e, "eventDateTime", true, &ev->occurred_at, NULL))
		return;
	if (strcmp(version, "3.0") == 0)
	{
		if (!ParseTime(ev, e, "eventUpdatedDateTime", false, &ev->updated_at, &ev->has_updated_at))
			return;
	}
	else if (!ParseTime(ev, e, "eventCreatedDateTime", false, &ev->updated_at, &ev->has_updated_at))
		return;

	/* identity and retraction */
	{
		const char *id = Str(e, "eventID");
		char		idbuf[32];
		const char *retracts = Str(e, "retractedEventID");

		if (retracts == NULL)
			retracts = Str(Obj(e, "metadata"), "retractedEventID");
		v = json_object_get(e, "isRetracted");
		if (v != NULL && !json_is_null(v) && !json_is_boolean(v))
		{
			FmtReject(ev, "Field \"isRetracted\" must be true or false.");
			return;
		}
		ev->retracted = json_is_true(v);
		if (retracts != NULL)
		{
			id = retracts;
			ev->retracted = true;
		}
		if (id == NULL && json_is_integer(json_object_get(e, "eventID")))
		{
			snprintf(idbuf, sizeof(idbuf), "%" JSON_INTEGER_FORMAT,
					 json_integer_value(json_object_get(e, "eventID")));
			id = idbuf;
		}
		if (id == NULL)
		{
			FmtReject(ev, "Field \"eventID\" is missing.");
			return;
		}
		if (!FmtTextOk(id))
		{
			FmtReject(ev, "Field \"eventID\" is longer than %d characters.", FMT_MAX_TEXT);
			return;
		}
		ev->event_id = FmtStr(batch, id);
	}

	/* where the pieces live in each version */
	if (strcmp(version, "3.0") == 0)
	{
		json_t	   *td = Obj(e, "transportDetails");

		tcall = Obj(td, "transportCall");
		equip = Obj(e, "equipmentDetails");
		ship = Obj(e, "shipmentDetails");
		empty = Str(equip, "emptyIndicatorCode");
		movement = Str(equip, "movementType");
		doc_type = Str(cls, "documentTypeCode");
		if (doc_type == NULL)
			doc_type = Str(Obj(ship, "documentReference"), "typeCode");
		AddRef(&refs, Str(Obj(ship, "documentReference"), "reference"));
		v = json_object_get(ship, "additionalDocumentReferences");
		if (json_is_array(v))
		{
			size_t		i;
			json_t	   *r;

			json_array_foreach(v, i, r)
				AddRef(&refs, Str(r, "reference"));
		}
		AddRef(&refs, Str(equip, "equipmentReference"));
		ev->reason_code = Str(cls, "delayReasonCode");
		if (ev->reason_code == NULL)
			ev->reason_code = Str(td, "delayReasonCode");
	}
	else
	{
		tcall = Obj(e, "transportCall");
		empty = Str(e, "emptyIndicatorCode");
		doc_type = Str(e, "documentTypeCode");
		AddRef(&refs, Str(e, "documentID"));
		v = json_object_get(e, "documentReferences");
		if (json_is_array(v))
		{
			size_t		i;
			json_t	   *r;

			json_array_foreach(v, i, r)
				AddRef(&refs, Str(r, "documentReferenceValue"));
		}
		AddRef(&refs, Str(e, "equipmentReference"));
		v = json_object_get(e, "references");
		if (json_is_array(v))
		{
			size_t		i;
			json_t	   *r;

			json_array_foreach(v, i, r)
			{
				const char *t = Str(r, "referenceType");

				if (t != NULL && (strcmp(t, "EQ") == 0 || strcmp(t, "FF") == 0))
					AddRef(&refs, Str(r, "referenceValue"));
			}
		}
		ev->reason_code = Str(e, "delayReasonCode");
	}
	if (refs.bad || refs.overflow)
	{
		FmtReject(ev, "A document or equipment reference is longer than %d characters or holds a control character.",
				  FMT_MAX_TEXT);
		return;
	}
	if (refs.len == 0)
	{
		FmtReject(ev, "The event names no document or equipment reference to find its shipment by.");
		return;
	}
	ev->shipment = FmtStr(batch, refs.buf);
	if (ev->reason_code != NULL && !FmtTextOk(ev->reason_code))
		ev->reason_code = NULL;
	else
		ev->reason_code = FmtStr(batch, ev->reason_code);

	/* qualifier */
	if (strcmp(type, "EQUIPMENT") == 0)
	{
		snprintf(qbuf, sizeof(qbuf), "%.10s%s%.20s", empty ? empty : "",
				 empty && movement ? "." : "", movement ? movement : "");
		qualifier = qbuf;
	}
	else if (strcmp(type, "SHIPMENT") == 0 && doc_type != NULL)
		qualifier = doc_type;
	ev->qualifier = FmtStr(batch, strlen(qualifier) <= 40 ? qualifier : "");

	/* location */
	location = Str(Obj(e, "eventLocation"), "UNLocationCode");
	if (location == NULL)
		location = Str(tcall, "UNLocationCode");
	if (location == NULL)
		location = Str(Obj(tcall, "location"), "UNLocationCode");
	if (location != NULL)
	{
		if (!FmtIsUnLocode(location))
		{
			FmtReject(ev, "The UN/LOCODE \"%.20s\" is not valid.", location);
			return;
		}
		ev->location = FmtStr(batch, location);
	}

	/* payload: what else tells the move apart */
	payload = FmtJsonObject();
	SetIf(payload, "eventType", type);
	if (strcmp(classifier, "REQ") == 0)
		SetIf(payload, "eventClassifierCode", classifier);
	SetIf(payload, "documentTypeCode", doc_type);
	SetIf(payload, "emptyIndicatorCode", empty);
	SetIf(payload, "movementType", movement);
	SetIf(payload, "equipmentReference", Str(equip ? equip : e, "equipmentReference"));
	SetIf(payload, "ISOEquipmentCode", Str(equip ? equip : e, "ISOEquipmentCode"));
	SetIf(payload, "facilityTypeCode", Str(Obj(e, "eventLocation"), "facilityTypeCode"));
	if (tcall != NULL)
	{
		json_t	   *vessel = Obj(tcall, "vessel");

		if (vessel == NULL)
			vessel = Obj(tcall, "vesselTransport");
		SetIf(payload, "modeOfTransport", Str(tcall, "modeOfTransport"));
		SetIf(payload, "vesselIMONumber", Str(vessel, "vesselIMONumber"));
		SetIf(payload, "vesselName", Str(vessel, "vesselName"));
		SetIf(payload, "exportVoyageNumber", Str(tcall, "exportVoyageNumber"));
		SetIf(payload, "importVoyageNumber", Str(tcall, "importVoyageNumber"));
		SetIf(payload, "exportVoyageNumber",
			  Str(Obj(tcall, "exportVoyageNumberOrReference"), "carrierVoyageNumber"));
		SetIf(payload, "importVoyageNumber",
			  Str(Obj(tcall, "importVoyageNumberOrReference"), "carrierVoyageNumber"));
		CopyIf(payload, "transportCallSequenceNumber",
			   json_object_get(tcall, "transportCallSequenceNumber"));
		if (!json_object_get(payload, "facilityTypeCode"))
			SetIf(payload, "facilityTypeCode", Str(tcall, "facilityTypeCode"));
	}
	SetIf(payload, "changeRemark", Str(e, "changeRemark"));
	SetIf(payload, "changeRemark", Str(Obj(e, "transportDetails"), "changeRemark"));
	SetIf(payload, "reason", Str(e, "reason"));
	/* also here: a code that is no milestone carries the code map's reason code */
	SetIf(payload, "delayReasonCode", ev->reason_code);
	SetIf(payload, "publisher",
		  Str(Obj(Obj(e, "eventRouting"), "originatingParty"), "partyCode"));
	if (ev->retracted && Str(e, "retractedEventID") != NULL)
		SetIf(payload, "retractingEventID", Str(e, "eventID"));
	ev->payload = FmtOwn(batch, json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS));
	json_decref(payload);

	if (ev->raw == NULL || ev->payload == NULL || ev->event_id == NULL ||
		ev->shipment == NULL || ev->code == NULL || ev->qualifier == NULL)
		FmtReject(ev, "Out of memory while reading the event.");
}

bool
FmtParseDcsa(FmtBatch *batch, const char *text, size_t len, const FmtOptions *opt,
			 char *errbuf, size_t errlen)
{
	json_error_t error;
	json_t	   *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &error);
	json_t	   *events;
	size_t		i;
	json_t	   *e;

	if (root == NULL)
	{
		snprintf(errbuf, errlen, "line %d, column %d: %s", error.line, error.column, error.text);
		return false;
	}
	if (json_is_array(root))
		events = root;
	else if (json_is_object(root) && json_is_array(json_object_get(root, "events")))
		events = json_object_get(root, "events");
	else if (json_is_object(root) &&
			 (json_object_get(root, "eventID") || json_object_get(root, "eventClassification") ||
			  json_object_get(root, "eventType")))
		events = NULL;
	else
	{
		snprintf(errbuf, errlen, "a DCSA message is an array of events, an object with \"events\", or one event");
		json_decref(root);
		return false;
	}
	if (events == NULL)
		ParseOne(batch, root, 1, opt);
	else
		json_array_foreach(events, i, e)
			ParseOne(batch, e, (int) i + 1, opt);
	json_decref(root);
	return true;
}
