/*
 * duty_parse.h
 *	  Customs duty expressions ("Free", "12%", "8.30 % + 95.00 EUR / 100 kg",
 *	  "90¢/pr. + 20%", "6% but not less than 0.03 EUR per 1 kg", "... MAX ...")
 *	  in pure C: parse, format canonically, encode, decode, and the exact
 *	  arithmetic of one term.
 *
 * No PostgreSQL headers: the fuzz target test/fuzz/fuzz_duty.c links this
 * file.  Nothing here raises or allocates; failures fill a ParseError.
 *
 * A rate has up to three parts, each a sum of up to DUTY_MAX_TERMS terms:
 * the main expression, an optional minimum and an optional maximum.  The
 * duty is max(MIN, min(MAX, main)) when the bounds are present.  "Free" is
 * a main part with no terms (and no bounds).  A term is either ad valorem
 * (a percentage of the customs value) or specific (an amount of money per a
 * quantity of a unit: 95.00 EUR per 100 kg).
 *
 * Every number is an exact integer count of millionths: percentages in
 * millionths of a percent, amounts in micro-units of their currency (as
 * cbl.amount), quantities in millionths of the unit.  Unused fields are zero,
 * so equal rates are equal byte for byte, in memory and encoded.
 */
#ifndef CBL_DUTY_PARSE_H
#define CBL_DUTY_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "currency.h"
#include "parse_error.h"

#define DUTY_MAX_TERMS		4		/* terms per part */
#define DUTY_PARTS			3

/* Parts of a rate. */
#define DUTY_PART_MAIN		0
#define DUTY_PART_MIN		1
#define DUTY_PART_MAX		2

/* Kinds of term. */
#define DUTY_AD_VALOREM		1
#define DUTY_SPECIFIC		2

/* Units of specific duties (the values are part of the binary form). */
#define DUTY_UNIT_KG		1
#define DUTY_UNIT_T			2		/* 1000 kg */
#define DUTY_UNIT_PR		3		/* pair */
#define DUTY_UNIT_ITEM		4		/* piece, number */
#define DUTY_UNIT_DOZ		5		/* 12 items */
#define DUTY_UNIT_L			6		/* litre */
#define DUTY_UNIT_HL		7		/* 100 l */
#define DUTY_UNIT_M			8
#define DUTY_UNIT_M2		9
#define DUTY_UNIT_M3		10
#define DUTY_UNIT_LAST		10

/* Limits: larger values are refused as out of range (SQLSTATE 22003). */
#define DUTY_MAX_PERCENT_MICROS	INT64_C(100000000000)		/* 100000 % */
#define DUTY_MAX_AMOUNT_MICROS	INT64_C(1000000000000000)	/* 10^9 major units */
#define DUTY_MAX_PER_MICROS		INT64_C(1000000000000000)	/* 10^9 units */

/* Longest canonical text, with NUL (12 terms of at most ~75 characters). */
#define DUTY_TEXT_MAX		1024

/* Longest binary form: 4 header bytes and 12 specific terms of 20 bytes. */
#define DUTY_ENCODED_MAX	(4 + DUTY_PARTS * DUTY_MAX_TERMS * 20)

/* Version byte that starts the binary form. */
#define DUTY_ENCODING_VERSION 1

typedef struct DutyTerm
{
	uint8_t		kind;			/* DUTY_AD_VALOREM or DUTY_SPECIFIC */
	uint8_t		unit;			/* specific: DUTY_UNIT_*; else 0 */
	CurrencyCode currency;		/* specific: packed ISO 4217 code; else 0 */
	int64_t		value;			/* ad valorem: millionths of a percent;
								 * specific: micro-units of the currency */
	int64_t		per;			/* specific: millionths of the unit the
								 * amount is for (100 kg: 100000000); else 0 */
} DutyTerm;

typedef struct DutyRate
{
	uint8_t		nterms[DUTY_PARTS];
	DutyTerm	terms[DUTY_PARTS][DUTY_MAX_TERMS];
} DutyRate;

/* Is the rate "Free" (a main part without terms)? */
static inline bool
DutyRateIsFree(const DutyRate *r)
{
	return r->nterms[DUTY_PART_MAIN] == 0;
}

/*
 * Parse a published duty expression (NUL-terminated, any bytes).  On
 * failure the detail quotes the part that could not be read and says where.
 */
extern bool DutyParse(const char *s, DutyRate *out, ParseError *err);

/* Write the canonical text; returns its length, or -1 if len is too small. */
extern int	DutyFormat(const DutyRate *r, char *buf, size_t len);

/* Write one term canonically ("12%", "95.00 EUR/100 kg"); as DutyFormat. */
extern int	DutyFormatTerm(const DutyTerm *t, char *buf, size_t len);

/*
 * Write a count of millionths with no more decimals than it needs
 * ("16.5", "100", "0.3464"); returns the length, or -1 if len < 24.
 */
extern int	DutyFormatMillionths(int64_t v, char *buf, size_t len);

/*
 * The binary form (the value stored on disk and sent by send/recv):
 *   byte 0: DUTY_ENCODING_VERSION; bytes 1-3: number of terms of the main,
 *   minimum and maximum parts; then each term in that order:
 *   ad valorem: kind (1), int64 percent millionths;
 *   specific: kind (2), int64 amount micro-units, uint16 packed currency,
 *   int64 quantity millionths, uint8 unit.
 * Integers are big-endian.  Returns the number of bytes written (at most
 * DUTY_ENCODED_MAX).
 */
extern size_t DutyEncode(const DutyRate *r, uint8_t *buf);

/*
 * Decode and validate a binary form as strictly as DutyParse validates text:
 * anything DutyEncode cannot produce from a parsed rate is refused.
 */
extern bool DutyDecode(const uint8_t *buf, size_t len, DutyRate *out, ParseError *err);

/* Canonical unit name ("kg", "pr", "item" ...), or NULL for an unknown unit. */
extern const char *DutyUnitName(int unit);

/*
 * Key of the quantity a unit is measured in ("kg" for kg and t, "item" for
 * item and doz, "l" for l and hl ...), and how many of those one unit is.
 */
extern const char *DutyUnitKey(int unit);
extern int64_t DutyUnitFactor(int unit);

/*
 * value_micros * percent / 100, rounded half-even to the micro-unit.  False
 * when the result is beyond +/-INT64_MAX.
 */
extern bool DutyAdValoremMicros(int64_t percent_millionths, int64_t value_micros,
								int64_t *out);

/*
 * A specific term's amount for a quantity given in millionths of the unit's
 * quantity key: value * quantity / (per * factor), rounded half-even to the
 * micro-unit.  False on overflow.
 */
extern bool DutySpecificMicros(const DutyTerm *t, int64_t quantity_millionths,
							   int64_t *out);

#endif							/* CBL_DUTY_PARSE_H */
