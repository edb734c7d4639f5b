/*
 * milestone_state.c
 *	  cbl.milestone_state: I/O, constructor, merge, the aggregate's pieces,
 *	  comparison and hashing, and the entries as rows.
 *
 * Text form (the wire form, also what Citus ships between nodes):
 *	  "framework;milestone,CLS,at,issued,priority,event_key;..."
 * with times as UTC ISO 8601 to the microsecond ("-" for an unknown issue
 * time), e.g. "3;2,ACT,2026-03-01T10:00:00.000000Z,-,100,42".  The empty
 * state is "0".  cbl.describe() gives the human form with names.
 */
#include "postgres.h"

#include <ctype.h>

#include "common/hashfn.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"		/* send/recv */
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "milestone_state.h"

PG_FUNCTION_INFO_V1(cbl_milestone_state_in);
PG_FUNCTION_INFO_V1(cbl_milestone_state_out);
PG_FUNCTION_INFO_V1(cbl_milestone_state_recv);
PG_FUNCTION_INFO_V1(cbl_milestone_state_send);
PG_FUNCTION_INFO_V1(cbl_milestone_state_make);
PG_FUNCTION_INFO_V1(cbl_milestone_state_merge);
PG_FUNCTION_INFO_V1(cbl_milestone_state_eq);
PG_FUNCTION_INFO_V1(cbl_milestone_state_ne);
PG_FUNCTION_INFO_V1(cbl_milestone_state_cmp);
PG_FUNCTION_INFO_V1(cbl_milestone_state_hash);
PG_FUNCTION_INFO_V1(cbl_milestone_state_hash_extended);
PG_FUNCTION_INFO_V1(cbl_milestone_state_entries);
PG_FUNCTION_INFO_V1(cbl_milestone_state_framework_id);

/* ---- helpers ------------------------------------------------------------- */

char
ClassifierFromText(const char *s, int len)
{
	if (len != 3)
		return 0;
	if (pg_strncasecmp(s, "ACT", 3) == 0)
		return CLASSIFIER_ACT;
	if (pg_strncasecmp(s, "EST", 3) == 0)
		return CLASSIFIER_EST;
	if (pg_strncasecmp(s, "PLN", 3) == 0)
		return CLASSIFIER_PLN;
	return 0;
}

const char *
ClassifierName(char c)
{
	switch (c)
	{
		case CLASSIFIER_ACT:
			return "ACT";
		case CLASSIFIER_EST:
			return "EST";
		case CLASSIFIER_PLN:
			return "PLN";
	}
	return "???";
}

/*
 * The one rule that picks between two reports of the same milestone and
 * classifier: the more trusted source, then the more recently issued
 * report, then the later time, then the smaller event key.  A total order
 * on report contents, so the winner never depends on arrival order.
 */
static bool
EntryWins(const MilestoneEntry *x, const MilestoneEntry *y)
{
	if (x->priority != y->priority)
		return x->priority > y->priority;
	if (x->issued != y->issued)
		return x->issued > y->issued;
	if (x->at != y->at)
		return x->at > y->at;
	return x->event_key <= y->event_key;
}

static MilestoneState *
AllocState(int16 framework, int n)
{
	MilestoneState *s = (MilestoneState *) palloc0(MILESTONE_STATE_SIZE(n));

	SET_VARSIZE(s, MILESTONE_STATE_SIZE(n));
	s->framework = framework;
	s->nentries = (uint16) n;
	return s;
}

MilestoneState *
MilestoneStateMerge(const MilestoneState *a, const MilestoneState *b)
{
	MilestoneState *r;
	int			i = 0,
				j = 0,
				n = 0;
	int16		framework;

	if (a->framework != 0 && b->framework != 0 && a->framework != b->framework)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge milestone states of different frameworks (%d and %d)",
						a->framework, b->framework),
				 errhint("A shipment follows one framework; group events by shipment.")));
	framework = a->framework != 0 ? a->framework : b->framework;
	if (a->nentries + b->nentries > PG_UINT16_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("milestone state has too many entries")));

	r = AllocState(framework, a->nentries + b->nentries);
	while (i < a->nentries || j < b->nentries)
	{
		const MilestoneEntry *x = i < a->nentries ? &a->entries[i] : NULL;
		const MilestoneEntry *y = j < b->nentries ? &b->entries[j] : NULL;
		int			c = x == NULL ? 1 : y == NULL ? -1 : MilestoneEntryKeyCmp(x, y);

		if (c < 0)
			r->entries[n++] = *x, i++;
		else if (c > 0)
			r->entries[n++] = *y, j++;
		else
		{
			r->entries[n++] = EntryWins(x, y) ? *x : *y;
			i++, j++;
		}
	}
	r->nentries = (uint16) n;
	SET_VARSIZE(r, MILESTONE_STATE_SIZE(n));
	return r;
}

static int
EntrySortCmp(const void *x, const void *y)
{
	return MilestoneEntryKeyCmp((const MilestoneEntry *) x, (const MilestoneEntry *) y);
}

/*
 * The state of a set of reports of one framework: entries[0..n-1] (sorted
 * here, in place) reduced to one winner per (milestone, classifier), the
 * same state as the merge of their one-entry states in any order.
 */
MilestoneState *
MilestoneStateFromEntries(int16 framework, MilestoneEntry *entries, int n)
{
	MilestoneState *r;
	int			m = 0;

	if (n > PG_UINT16_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("milestone state has too many entries")));
	qsort(entries, n, sizeof(MilestoneEntry), EntrySortCmp);
	r = AllocState(framework, n);
	for (int k = 0; k < n; k++)
	{
		if (m > 0 && MilestoneEntryKeyCmp(&r->entries[m - 1], &entries[k]) == 0)
		{
			if (!EntryWins(&r->entries[m - 1], &entries[k]))
				r->entries[m - 1] = entries[k];
		}
		else
			r->entries[m++] = entries[k];
	}
	r->nentries = (uint16) m;
	SET_VARSIZE(r, MILESTONE_STATE_SIZE(m));
	return r;
}

const MilestoneEntry *
MilestoneStateFind(const MilestoneState *s, int16 milestone, char classifier)
{
	MilestoneEntry key = {0};
	int			lo = 0,
				hi = s->nentries - 1;

	key.milestone = milestone;
	key.classifier = classifier;
	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = MilestoneEntryKeyCmp(&s->entries[mid], &key);

		if (c == 0)
			return &s->entries[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* milestone_wire.h repeats these PostgreSQL constants: they must agree. */
StaticAssertDecl(MILESTONE_TS_UNKNOWN == DT_NOBEGIN && MILESTONE_TS_NOEND == DT_NOEND,
				 "milestone_wire.h: DT_NOBEGIN, DT_NOEND");
StaticAssertDecl(MILESTONE_TS_MIN == MIN_TIMESTAMP && MILESTONE_TS_END == END_TIMESTAMP,
				 "milestone_wire.h: MIN_TIMESTAMP, END_TIMESTAMP");
StaticAssertDecl(sizeof(MilestoneEntry) == MILESTONE_WIRE_ENTRY,
				 "an entry is as large as its binary form");

/* ---- text I/O ---------------------------------------------------------- */

static void
AppendUtc(StringInfo buf, TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (t == DT_NOBEGIN)
	{
		appendStringInfoChar(buf, '-');
		return;
	}
	if (timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		elog(ERROR, "milestone state holds an invalid timestamp");
	appendStringInfo(buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
					 tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
					 (int) fsec);
}

/* Read exactly n digits. */
static bool
ReadDigits(const char **p, int n, int *out)
{
	int			v = 0;

	for (int k = 0; k < n; k++)
	{
		if (!isdigit((unsigned char) (*p)[k]))
			return false;
		v = v * 10 + ((*p)[k] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

/* Parse "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC) or "-" (unknown, if allowed). */
static bool
ReadUtc(const char **p, TimestampTz *out, bool allow_unknown)
{
	struct pg_tm tm = {0};
	int			usec;
	Timestamp	ts;

	if (**p == '-' && allow_unknown)
	{
		(*p)++;
		*out = DT_NOBEGIN;
		return true;
	}
	if (!ReadDigits(p, 4, &tm.tm_year) || *(*p)++ != '-' ||
		!ReadDigits(p, 2, &tm.tm_mon) || *(*p)++ != '-' ||
		!ReadDigits(p, 2, &tm.tm_mday) || *(*p)++ != 'T' ||
		!ReadDigits(p, 2, &tm.tm_hour) || *(*p)++ != ':' ||
		!ReadDigits(p, 2, &tm.tm_min) || *(*p)++ != ':' ||
		!ReadDigits(p, 2, &tm.tm_sec) || *(*p)++ != '.' ||
		!ReadDigits(p, 6, &usec) || *(*p)++ != 'Z')
		return false;
	if (tm.tm_year < 1 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
		tm.tm_mday > day_tab[isleap(tm.tm_year)][tm.tm_mon - 1] ||
		tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
		return false;
	if (tm2timestamp(&tm, usec, NULL, &ts) != 0 || !IS_VALID_TIMESTAMP(ts))
		return false;
	*out = ts;
	return true;
}

static bool
ReadInt64(const char **p, int64 *out)
{
	char	   *end;

	errno = 0;
	if (!(isdigit((unsigned char) **p) || **p == '-'))
		return false;
	*out = strtoi64(*p, &end, 10);
	if (errno != 0 || end == *p)
		return false;
	*p = end;
	return true;
}

static void
BadText(const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type cbl.milestone_state: \"%s\"", input),
			 errdetail("%s", detail),
			 errhint("The text form reads \"framework;milestone,ACT,2026-03-01T10:00:00.000000Z,-,priority,event_key;...\"; the empty state is \"0\".")));
}

Datum
cbl_milestone_state_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	int64		framework;
	int			n = 0;
	int			cap = 8;
	MilestoneEntry *entries = palloc0(cap * sizeof(MilestoneEntry));
	MilestoneState *s;
	ParseError	err;

	if (!ReadInt64(&p, &framework) || framework < 0 || framework > PG_INT16_MAX)
		BadText(input, "Expected a framework id from 0 to 32767.");
	while (*p == ';')
	{
		MilestoneEntry e = {0};
		int64		v;

		p++;
		if (!ReadInt64(&p, &v) || v <= 0 || v > PG_INT16_MAX || *p++ != ',')
			BadText(input, "Expected a milestone id from 1 to 32767 and a comma.");
		e.milestone = (int16) v;
		e.classifier = ClassifierFromText(p, 3);
		if (e.classifier == 0 || strnlen(p, 4) < 4 || p[3] != ',')
			BadText(input, "Expected PLN, EST or ACT and a comma.");
		p += 4;
		if (!ReadUtc(&p, &e.at, false) || *p++ != ',')
			BadText(input, "Expected a UTC time like 2026-03-01T10:00:00.000000Z and a comma.");
		if (!ReadUtc(&p, &e.issued, true) || *p++ != ',')
			BadText(input, "Expected an issue time (UTC) or \"-\" and a comma.");
		if (!ReadInt64(&p, &v) || v < PG_INT32_MIN || v > PG_INT32_MAX || *p++ != ',')
			BadText(input, "Expected a priority (a 32-bit integer) and a comma.");
		e.priority = (int32) v;
		if (!ReadInt64(&p, &e.event_key))
			BadText(input, "Expected an event key (a 64-bit integer).");
		if (n == cap)
		{
			cap *= 2;
			entries = repalloc(entries, cap * sizeof(MilestoneEntry));
		}
		if (n == PG_UINT16_MAX)
			BadText(input, "A state holds at most 65535 entries.");
		entries[n++] = e;
	}
	if (*p != '\0')
		BadText(input, "Unexpected text after the last entry.");

	s = AllocState((int16) framework, n);
	memcpy(s->entries, entries, n * sizeof(MilestoneEntry));
	if (!MilestoneStateCheck(s->framework, s->entries, s->nentries, &err))
		BadText(input, err.detail);
	PG_RETURN_POINTER(s);
}

Datum
cbl_milestone_state_out(PG_FUNCTION_ARGS)
{
	MilestoneState *s = PG_GETARG_MILESTONE_STATE_P(0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%d", s->framework);
	for (int k = 0; k < s->nentries; k++)
	{
		const MilestoneEntry *e = &s->entries[k];

		appendStringInfo(&buf, ";%d,%s,", e->milestone, ClassifierName(e->classifier));
		AppendUtc(&buf, e->at);
		appendStringInfoChar(&buf, ',');
		AppendUtc(&buf, e->issued);
		appendStringInfo(&buf, ",%d," INT64_FORMAT, e->priority, e->event_key);
	}
	PG_RETURN_CSTRING(buf.data);
}

/* ---- binary I/O: framework, count, then each entry's fields ------------- */

Datum
cbl_milestone_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	WireReader	r;
	int16_t		framework;
	int			n;
	MilestoneState *s = NULL;
	ParseError	err;
	WireResult	res;

	WireReaderInit(&r, msg->data + msg->cursor, msg->len - msg->cursor);
	res = MilestoneWireHeader(&r, &framework, &n, &err);
	if (res == WIRE_OK)
	{
		s = AllocState(framework, n);
		res = MilestoneWireEntries(&r, framework, n, s->entries, &err);
	}
	if (res == WIRE_SHORT)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("insufficient data left in message")));
	if (res == WIRE_INVALID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external cbl.milestone_state value"),
				 errdetail("%s", err.detail)));
	msg->cursor += (int) r.pos;
	PG_RETURN_POINTER(s);
}

Datum
cbl_milestone_state_send(PG_FUNCTION_ARGS)
{
	MilestoneState *s = PG_GETARG_MILESTONE_STATE_P(0);
	size_t		len = MILESTONE_WIRE_LEN(s->nentries);
	bytea	   *result = (bytea *) palloc(VARHDRSZ + len);

	SET_VARSIZE(result, VARHDRSZ + len);
	MilestoneWireEncode(s->framework, s->entries, s->nentries, (uint8_t *) VARDATA(result));
	PG_RETURN_BYTEA_P(result);
}

/* ---- constructor, merge ------------------------------------------------- */

/*
 * cbl.milestone_state(framework, milestone, classifier, at, issued,
 * priority, event_key): the state of one report.
 */
Datum
cbl_milestone_state_make(PG_FUNCTION_ARGS)
{
	int32		framework;
	int32		milestone;
	text	   *cls;
	TimestampTz at;
	MilestoneState *s;
	MilestoneEntry *e;
	char		c;

	/* Only the issue time may be unknown; otherwise act as if STRICT. */
	for (int k = 0; k < 7; k++)
		if (k != 4 && PG_ARGISNULL(k))
			PG_RETURN_NULL();
	framework = PG_GETARG_INT32(0);
	milestone = PG_GETARG_INT32(1);
	cls = PG_GETARG_TEXT_PP(2);
	at = PG_GETARG_TIMESTAMPTZ(3);
	c = ClassifierFromText(VARDATA_ANY(cls), VARSIZE_ANY_EXHDR(cls));

	if (framework <= 0 || framework > PG_INT16_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("framework id %d is out of range", framework)));
	if (milestone <= 0 || milestone > PG_INT16_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("milestone id %d is out of range", milestone)));
	if (c == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown event classifier \"%s\"", text_to_cstring(cls)),
				 errhint("Use PLN (planned), EST (estimated) or ACT (actual).")));
	if (TIMESTAMP_NOT_FINITE(at))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a milestone time must be finite")));

	s = AllocState((int16) framework, 1);
	e = &s->entries[0];
	e->milestone = (int16) milestone;
	e->classifier = c;
	e->at = at;
	e->issued = PG_ARGISNULL(4) ? DT_NOBEGIN : PG_GETARG_TIMESTAMPTZ(4);
	if (TIMESTAMP_NOT_FINITE(e->issued) && !PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an issue time must be finite")));
	e->priority = PG_GETARG_INT32(5);
	e->event_key = PG_GETARG_INT64(6);
	PG_RETURN_POINTER(s);
}

/* Merge two states; also the transition and combine function of the aggregate. */
Datum
cbl_milestone_state_merge(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(MilestoneStateMerge(PG_GETARG_MILESTONE_STATE_P(0),
										  PG_GETARG_MILESTONE_STATE_P(1)));
}

Datum
cbl_milestone_state_framework_id(PG_FUNCTION_ARGS)
{
	MilestoneState *s = PG_GETARG_MILESTONE_STATE_P(0);

	if (s->framework == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT16(s->framework);
}

/* ---- comparison, hashing: on the canonical bytes ------------------------ */

static int
StateCmp(FunctionCallInfo fcinfo)
{
	MilestoneState *a = PG_GETARG_MILESTONE_STATE_P(0);
	MilestoneState *b = PG_GETARG_MILESTONE_STATE_P(1);
	Size		la = VARSIZE(a),
				lb = VARSIZE(b);
	int			c = memcmp(VARDATA(a), VARDATA(b), Min(la, lb) - VARHDRSZ);

	if (c != 0)
		return c < 0 ? -1 : 1;
	return (la > lb) - (la < lb);
}

Datum
cbl_milestone_state_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(StateCmp(fcinfo) == 0);
}

Datum
cbl_milestone_state_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(StateCmp(fcinfo) != 0);
}

Datum
cbl_milestone_state_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(StateCmp(fcinfo));
}

Datum
cbl_milestone_state_hash(PG_FUNCTION_ARGS)
{
	MilestoneState *s = PG_GETARG_MILESTONE_STATE_P(0);

	return hash_any((const unsigned char *) VARDATA(s), VARSIZE(s) - VARHDRSZ);
}

Datum
cbl_milestone_state_hash_extended(PG_FUNCTION_ARGS)
{
	MilestoneState *s = PG_GETARG_MILESTONE_STATE_P(0);

	return hash_any_extended((const unsigned char *) VARDATA(s), VARSIZE(s) - VARHDRSZ,
							 PG_GETARG_INT64(1));
}

/* ---- the entries as rows -------------------------------------------------- */

/*
 * cbl.milestone_entries(state): (milestone_id, classifier, at, issued,
 * priority, event_key), in key order.
 */
Datum
cbl_milestone_state_entries(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MilestoneState *s = PG_GETARG_MILESTONE_STATE_P(0);

	InitMaterializedSRF(fcinfo, 0);
	for (int k = 0; k < s->nentries; k++)
	{
		const MilestoneEntry *e = &s->entries[k];
		Datum		values[6];
		bool		nulls[6] = {false};

		values[0] = Int16GetDatum(e->milestone);
		values[1] = CStringGetTextDatum(ClassifierName(e->classifier));
		values[2] = TimestampTzGetDatum(e->at);
		values[3] = TimestampTzGetDatum(e->issued);
		nulls[3] = (e->issued == DT_NOBEGIN);
		values[4] = Int32GetDatum(e->priority);
		values[5] = Int64GetDatum(e->event_key);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
