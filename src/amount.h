/*
 * amount.h
 *	  cbl.amount: an exact monetary amount in one ISO 4217 currency.
 */
#ifndef CBL_AMOUNT_H
#define CBL_AMOUNT_H

#include "fmgr.h"
#include "utils/numeric.h"

#include "amount_parse.h"
#include "rounding.h"

/*
 * 16 bytes, pass by reference, aligned like double.  The reserved fields are
 * always zero so that equal amounts are equal byte for byte: hashing, Citus
 * shard routing and binary comparisons never see garbage.
 */
typedef struct Amount
{
	int64		micros;			/* value in millionths of the major unit */
	CurrencyCode currency;		/* packed ISO 4217 code, never CURRENCY_NONE */
	uint16		reserved0;		/* always zero */
	uint32		reserved1;		/* always zero */
} Amount;

#define DatumGetAmountP(X)		((Amount *) DatumGetPointer(X))
#define AmountPGetDatum(X)		PointerGetDatum(X)
#define PG_GETARG_AMOUNT_P(n)	DatumGetAmountP(PG_GETARG_DATUM(n))
#define PG_RETURN_AMOUNT_P(x)	return AmountPGetDatum(x)

/*
 * Round micro-units to 0..6 decimals with a mode; raises "out of range"
 * when rounding away from zero leaves the range.
 */
extern int64 AmountRoundMicros(int64 micros, int decimals, RoundMode mode);

/* num / den rounded to a whole number with a mode, exactly (any signs). */
extern Numeric NumericDivRound(Numeric num, Numeric den, RoundMode mode);

/* The mode named "half_even", "half_up", "down" or "up"; raises otherwise. */
extern RoundMode RoundModeFromName(const char *name);

/* A new, zero-padded amount; errors if micros is out of range. */
extern Amount *MakeAmount(int64 micros, CurrencyCode currency);

/* The currency's entry; elog(ERROR) if the stored code is not one (corrupt). */
extern const CurrencyInfo *AmountCurrency(CurrencyCode code);

/*
 * Raise the currency-mismatch error (SQLSTATE LG001) when a and b differ;
 * verb says what was being done ("add", "sum", "compare").
 */
extern void CheckSameCurrency(CurrencyCode a, CurrencyCode b, const char *verb);

/* Raise "cbl.amount out of range" (SQLSTATE 22003). */
extern void AmountOutOfRange(void) pg_attribute_noreturn();

#endif							/* CBL_AMOUNT_H */
