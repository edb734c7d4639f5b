/*
 * milestone_state.h
 *	  cbl.milestone_state: what is known about one shipment's milestones,
 *	  derived from its live events.
 *
 * For each (milestone, classifier) the state keeps the winning report: the
 * time, when the source issued it, the source's priority and a key of the
 * event.  Merging two states keeps, per (milestone, classifier), the report
 * that ranks first in one total order, so merge is associative, commutative
 * and idempotent: the same events in any order, any number of times, give a
 * byte-identical state.
 */
#ifndef CBL_MILESTONE_STATE_H
#define CBL_MILESTONE_STATE_H

#include "fmgr.h"
#include "datatype/timestamp.h"

/* MilestoneEntry, the classifiers, the checks and the binary form: pure C. */
#include "milestone_wire.h"

typedef struct MilestoneState
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int16		framework;		/* cbl.framework.id; 0 in the empty state */
	uint16		nentries;
	uint32		reserved0;		/* always zero */
	uint32		reserved1;		/* always zero: entries start 8-aligned */
	MilestoneEntry entries[FLEXIBLE_ARRAY_MEMBER];	/* sorted by (milestone, classifier) */
} MilestoneState;

#define MILESTONE_STATE_SIZE(n) (offsetof(MilestoneState, entries) + (n) * sizeof(MilestoneEntry))
#define DatumGetMilestoneStateP(X)	((MilestoneState *) PG_DETOAST_DATUM(X))
#define PG_GETARG_MILESTONE_STATE_P(n) DatumGetMilestoneStateP(PG_GETARG_DATUM(n))

/* Merge two states (the semilattice join); errors on different frameworks. */
extern MilestoneState *MilestoneStateMerge(const MilestoneState *a, const MilestoneState *b);

/*
 * The state of reports of one framework (entries are sorted in place; each
 * has reserved0 = 0): what merging their one-entry states gives.
 */
extern MilestoneState *MilestoneStateFromEntries(int16 framework, MilestoneEntry *entries, int n);

/* The entry for (milestone, classifier), or NULL. */
extern const MilestoneEntry *MilestoneStateFind(const MilestoneState *s, int16 milestone,
												char classifier);

/* Classifier letter for 'PLN'/'EST'/'ACT' (any case), or 0. */
extern char ClassifierFromText(const char *s, int len);
extern const char *ClassifierName(char c);

#endif							/* CBL_MILESTONE_STATE_H */
