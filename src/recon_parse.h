/*
 * recon_parse.h
 *	  The state of cbl.recon_agg (reconciliation counts and totals) in pure
 *	  C: how one (expected, invoiced) pair is classified, how two states
 *	  combine, and the text form that parallel query and Citus ship.
 *
 * No PostgreSQL headers: the fuzz target links this file.  Nothing here
 * raises; currency mismatches are reported by return value and the
 * SQL-facing wrapper (recon_agg.c) turns them into SQLSTATE LG001.
 */
#ifndef CBL_RECON_PARSE_H
#define CBL_RECON_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "currency.h"
#include "parse_error.h"

/* Outcomes, in the order of the counts. */
typedef enum ReconOutcome
{
	RECON_MATCHED = 0,
	RECON_OVER_BILLED,
	RECON_UNDER_BILLED,
	RECON_UNEXPECTED,
	RECON_MISSING,
	RECON_OUTCOMES
} ReconOutcome;

/* Totals, in micro-units. */
typedef enum ReconSum
{
	RECON_SUM_MATCHED = 0,		/* invoiced amount of matched pairs */
	RECON_SUM_OVER,				/* variance (invoiced - expected) of over-billed pairs, > 0 */
	RECON_SUM_UNDER,			/* variance of under-billed pairs, < 0 */
	RECON_SUM_UNEXPECTED,		/* invoiced amount of lines nothing was expected for */
	RECON_SUM_MISSING,			/* expected amount of charges not invoiced */
	RECON_SUM_EXPECTED,			/* every expected amount */
	RECON_SUM_INVOICED,			/* every invoiced amount */
	RECON_SUMS
} ReconSum;

typedef struct ReconAccumValue
{
	int64_t		count[RECON_OUTCOMES];
	__int128	sum[RECON_SUMS];
	CurrencyCode currency;		/* CURRENCY_NONE while every count is 0 */
} ReconAccumValue;

/* Longest text form, with NUL: 5 counts, 7 sums of at most 40 chars, code. */
#define RECON_ACCUM_TEXT_MAX 420

/* The empty state. */
extern void ReconAccumInit(ReconAccumValue *v);

/* Rows seen (the sum of the counts). */
extern int64_t ReconAccumRows(const ReconAccumValue *v);

/*
 * Add one pair.  has_expected / has_invoiced say which side is present (a
 * row with neither is ignored); amounts in micro-units of currency;
 * tolerance >= 0 in micro-units: |invoiced - expected| <= tolerance matches.
 * Returns the outcome, or -1 (state unchanged) if currency differs from
 * the state's; *mismatch then gets the state's currency.
 */
extern int	ReconAccumAdd(ReconAccumValue *v, bool has_expected, int64_t expected,
						  bool has_invoiced, int64_t invoiced, CurrencyCode currency,
						  int64_t tolerance, CurrencyCode *mismatch);

/* Add other into v; false (v unchanged) if their currencies differ. */
extern bool ReconAccumCombine(ReconAccumValue *v, const ReconAccumValue *other);

/*
 * Parse "(m,o,u,x,s,SM,SO,SU,SX,SS,SE,SI,CCY)": five counts, seven sums of
 * micro-units, the currency ("" when empty).  Checks every invariant a
 * state built by ReconAccumAdd satisfies.
 */
extern bool ReconAccumParse(const char *str, ReconAccumValue *out, ParseError *err);
extern int	ReconAccumFormat(const ReconAccumValue *v, char *buf, size_t buflen);

#endif							/* CBL_RECON_PARSE_H */
