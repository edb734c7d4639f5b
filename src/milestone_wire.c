/*
 * milestone_wire.c
 *	  cbl.milestone_state entries: their order, the checks of a decoded state,
 *	  and the binary form (milestone_wire.h).  Pure C.
 */
#include "milestone_wire.h"

static int
ClassifierRank(char c)
{
	return c == CLASSIFIER_PLN ? 0 : c == CLASSIFIER_EST ? 1 : 2;
}

int
MilestoneEntryKeyCmp(const MilestoneEntry *x, const MilestoneEntry *y)
{
	if (x->milestone != y->milestone)
		return x->milestone < y->milestone ? -1 : 1;
	return ClassifierRank(x->classifier) - ClassifierRank(y->classifier);
}

static bool
FiniteTime(int64_t t)
{
	return t != MILESTONE_TS_UNKNOWN && t != MILESTONE_TS_NOEND &&
		t >= MILESTONE_TS_MIN && t < MILESTONE_TS_END;
}

bool
MilestoneStateCheck(int framework, const MilestoneEntry *entries, int n, ParseError *err)
{
	if (framework < 0)
		return ParseFail(err, NULL, "The framework id is negative.");
	if (framework == 0 && n != 0)
		return ParseFail(err, NULL, "A state with entries names its framework.");
	for (int k = 0; k < n; k++)
	{
		const MilestoneEntry *e = &entries[k];

		if (e->milestone <= 0)
			return ParseFail(err, NULL, "Milestone ids are positive.");
		if (e->classifier != CLASSIFIER_ACT && e->classifier != CLASSIFIER_EST &&
			e->classifier != CLASSIFIER_PLN)
			return ParseFail(err, NULL, "The classifier is not PLN, EST or ACT.");
		if (!FiniteTime(e->at))
			return ParseFail(err, NULL, "A milestone time must be a finite timestamp.");
		if (e->issued != MILESTONE_TS_UNKNOWN && !FiniteTime(e->issued))
			return ParseFail(err, NULL, "An issue time must be a finite timestamp or unknown.");
		if (k > 0 && MilestoneEntryKeyCmp(&entries[k - 1], e) >= 0)
			return ParseFail(err, NULL, "Entries must be sorted by milestone and classifier, each once.");
	}
	return true;
}

WireResult
MilestoneWireHeader(WireReader *r, int16_t *framework, int *n, ParseError *err)
{
	uint16_t	f,
				count;

	if (r->len - r->pos < MILESTONE_WIRE_HEADER)
		return WIRE_SHORT;
	(void) WireGetUint16(r, &f);
	(void) WireGetUint16(r, &count);
	if ((size_t) count * MILESTONE_WIRE_ENTRY > r->len - r->pos)
	{
		ParseFail(err, NULL, "The entry count does not match the data.");
		return WIRE_INVALID;
	}
	*framework = (int16_t) f;
	*n = count;
	return WIRE_OK;
}

WireResult
MilestoneWireEntries(WireReader *r, int16_t framework, int n, MilestoneEntry *entries,
					 ParseError *err)
{
	if (r->len - r->pos < (size_t) n * MILESTONE_WIRE_ENTRY)
		return WIRE_SHORT;
	for (int k = 0; k < n; k++)
	{
		MilestoneEntry *e = &entries[k];
		uint16_t	milestone;
		uint8_t		classifier,
					reserved;
		uint32_t	priority;
		uint64_t	at,
					issued,
					key;

		(void) WireGetUint16(r, &milestone);
		(void) WireGetUint8(r, &classifier);
		(void) WireGetUint8(r, &reserved);
		(void) WireGetUint32(r, &priority);
		(void) WireGetUint64(r, &at);
		(void) WireGetUint64(r, &issued);
		(void) WireGetUint64(r, &key);
		if (reserved != 0)
		{
			ParseFail(err, NULL, "The reserved byte of entry %d is not zero.", k + 1);
			return WIRE_INVALID;
		}
		e->milestone = (int16_t) milestone;
		e->classifier = (char) classifier;
		e->reserved0 = 0;
		e->priority = (int32_t) priority;
		e->at = (int64_t) at;
		e->issued = (int64_t) issued;
		e->event_key = (int64_t) key;
	}
	if (!MilestoneStateCheck(framework, entries, n, err))
		return WIRE_INVALID;
	return WIRE_OK;
}

void
MilestoneWireEncode(int16_t framework, const MilestoneEntry *entries, int n, uint8_t *out)
{
	WirePutUint16(out, (uint16_t) framework);
	WirePutUint16(out + 2, (uint16_t) n);
	out += MILESTONE_WIRE_HEADER;
	for (int k = 0; k < n; k++, out += MILESTONE_WIRE_ENTRY)
	{
		const MilestoneEntry *e = &entries[k];

		WirePutUint16(out, (uint16_t) e->milestone);
		out[2] = (uint8_t) e->classifier;
		out[3] = 0;
		WirePutUint32(out + 4, (uint32_t) e->priority);
		WirePutUint64(out + 8, (uint64_t) e->at);
		WirePutUint64(out + 16, (uint64_t) e->issued);
		WirePutUint64(out + 24, (uint64_t) e->event_key);
	}
}
