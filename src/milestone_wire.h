/*
 * milestone_wire.h
 *	  The entries of a cbl.milestone_state, the checks every decoded state
 *	  passes (text input and recv share them), and its binary form, in pure C.
 *
 * No PostgreSQL headers: test/fuzz/fuzz_recv.c links this.  Times are
 * PostgreSQL timestamptz values (microseconds from 2000-01-01 UTC); the
 * MILESTONE_TS_* constants repeat datatype/timestamp.h's, and
 * milestone_state.c asserts at compile time that they agree.
 *
 * Binary form (big-endian): framework int16, entry count uint16, then per
 * entry milestone int16, classifier byte, a zero byte, priority int32,
 * at int64, issued int64, event_key int64: 32 bytes an entry.
 */
#ifndef CBL_MILESTONE_WIRE_H
#define CBL_MILESTONE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse_error.h"
#include "wire.h"

/* Classifiers, in the order entries sort within a milestone. */
#define CLASSIFIER_PLN	'P'
#define CLASSIFIER_EST	'E'
#define CLASSIFIER_ACT	'A'

typedef struct MilestoneEntry
{
	int16_t		milestone;		/* cbl.milestone.id */
	char		classifier;		/* CLASSIFIER_* */
	char		reserved0;		/* always zero */
	int32_t		priority;		/* the reporting source's priority */
	int64_t		at;				/* when the milestone happened / is expected */
	int64_t		issued;			/* when the source issued it; MILESTONE_TS_UNKNOWN if unknown */
	int64_t		event_key;		/* key of the event, e.g. a hash of (source, event_id) */
} MilestoneEntry;

/* timestamptz: DT_NOBEGIN (an unknown issue time), DT_NOEND, and the valid range */
#define MILESTONE_TS_UNKNOWN	INT64_MIN
#define MILESTONE_TS_NOEND		INT64_MAX
#define MILESTONE_TS_MIN		INT64_C(-211813488000000000)	/* MIN_TIMESTAMP */
#define MILESTONE_TS_END		INT64_C(9223371331200000000)	/* END_TIMESTAMP */

#define MILESTONE_WIRE_HEADER	4
#define MILESTONE_WIRE_ENTRY	32

/* Entries sort by milestone, then PLN < EST < ACT; 0 when the keys are equal. */
extern int	MilestoneEntryKeyCmp(const MilestoneEntry *x, const MilestoneEntry *y);

/*
 * Is (framework, entries) a state input could have produced?  Sorted,
 * unique keys, positive ids, known classifiers, finite times.  On failure
 * fill err (if not NULL) with what is wrong and return false.
 */
extern bool MilestoneStateCheck(int framework, const MilestoneEntry *entries, int n,
								ParseError *err);

/*
 * Decode the header: WIRE_SHORT without 4 bytes, WIRE_INVALID when the
 * count promises more entries than the message holds.
 */
extern WireResult MilestoneWireHeader(WireReader *r, int16_t *framework, int *n, ParseError *err);

/*
 * Decode n entries (after MilestoneWireHeader said they are there) into
 * entries[0..n-1] and check the state; WIRE_INVALID with err when an entry's
 * reserved byte is not zero or MilestoneStateCheck fails.
 */
extern WireResult MilestoneWireEntries(WireReader *r, int16_t framework, int n,
									   MilestoneEntry *entries, ParseError *err);

/* Bytes of the binary form of n entries, and the form itself into out. */
#define MILESTONE_WIRE_LEN(n) (MILESTONE_WIRE_HEADER + (size_t) (n) * MILESTONE_WIRE_ENTRY)
extern void MilestoneWireEncode(int16_t framework, const MilestoneEntry *entries, int n,
								uint8_t *out);

#endif							/* CBL_MILESTONE_WIRE_H */
