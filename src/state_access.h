/*
 * state_access.h
 *	  The frameworks' steps, cached per backend (state_access.c), and
 *	  reading a milestone state against them.
 */
#ifndef CBL_STATE_ACCESS_H
#define CBL_STATE_ACCESS_H

#include "datatype/timestamp.h"

#include "milestone_state.h"

typedef struct FrameworkStepInfo
{
	int16		position;
	int16		milestone_id;
	const char *milestone;		/* its code */
	bool		required;
	bool		terminal;
	bool		has_sla;
	Interval	sla;
} FrameworkStepInfo;

typedef struct FrameworkInfo
{
	int32		id;
	const char *code;
	int			nsteps;
	int			cap;
	FrameworkStepInfo *steps;	/* by position */
} FrameworkInfo;

/*
 * The framework with this id, or NULL.  Valid until the next call into
 * the cache (an invalidation may reload it).
 */
extern const FrameworkInfo *FrameworkLookup(int16 id);

/* The id of the framework with this code, or 0. */
extern int16 FrameworkIdByCode(const char *code);

/* cbl.current_milestone(state): the code, or NULL. */
extern const char *StateCurrentMilestone(const MilestoneState *s);

#endif							/* CBL_STATE_ACCESS_H */
