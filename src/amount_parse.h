/*
 * amount_parse.h
 *	  Text form of cbl.amount and of its aggregate state, in pure C.
 *
 * An amount is a whole number of micro-units (millionths of the currency's
 * major unit) and a currency.  Six decimals cover rates and surcharges before
 * rounding; int64 micro-units give a range of +/-9,223,372,036,854.775807
 * major units.  No PostgreSQL headers: the fuzz targets link this file.
 */
#ifndef CBL_AMOUNT_PARSE_H
#define CBL_AMOUNT_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "currency.h"
#include "parse_error.h"

#define AMOUNT_SCALE		6
#define AMOUNT_UNIT			INT64_C(1000000)
/* Symmetric range, so negation and abs() can never overflow. */
#define AMOUNT_MAX_MICROS	INT64_MAX
#define AMOUNT_MIN_MICROS	(-INT64_MAX)

/* Longest text an amount or accumulator state formats to, with NUL. */
#define AMOUNT_TEXT_MAX		40
#define AMOUNT_ACCUM_TEXT_MAX 80

/*
 * Parse "1234.56 USD" (or "USD 1234.56"): optional sign, digits, at most six
 * decimals, an ISO 4217 code (any case).  No exponent, no thousands separator.
 */
extern bool AmountParse(const char *str, int64_t *micros,
						const CurrencyInfo **currency, ParseError *err);

/*
 * Could text input have produced this micro-unit value and packed currency?
 * What the binary receive function accepts (wire.c); err says why not.
 */
extern bool AmountValidatePacked(int64_t micros, CurrencyCode currency, ParseError *err);

/*
 * Decimals shown for an amount: the currency's minor unit, or more when the
 * value has nonzero digits beyond it ("100.5 JPY", "10.005 USD").
 */
extern int	AmountDisplayScale(int64_t micros, const CurrencyInfo *currency);

/* Write the canonical text ("-1234.50 USD"); returns its length. */
extern int	AmountFormat(int64_t micros, const CurrencyInfo *currency,
						 char *buf, size_t buflen);

/*
 * The aggregate state: count, exact 128-bit sum of micro-units, currency.
 * Text form "(count,sum,CCY)"; the empty state is "(0,0,)".
 */
typedef struct AmountAccumValue
{
	int64_t		count;
	__int128	sum;
	CurrencyCode currency;
} AmountAccumValue;

extern bool AmountAccumParse(const char *str, AmountAccumValue *out, ParseError *err);
extern int	AmountAccumFormat(const AmountAccumValue *v, char *buf, size_t buflen);

/*
 * Read an optionally signed decimal integer of at most 2^126 in magnitude
 * at *pp and advance past it; false on overflow or no digit (*pp then
 * unchanged).  The text forms of aggregate states use it (amount_accum
 * here, recon_agg's in recon_parse.c).
 */
extern bool ParseInt128(const char **pp, __int128 *out);

#endif							/* CBL_AMOUNT_PARSE_H */
