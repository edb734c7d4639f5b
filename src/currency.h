/*
 * currency.h
 *	  ISO 4217 currencies compiled into cbl, and their packed 16-bit form.
 *
 * Pure C (no PostgreSQL headers): shared with the fuzz targets.  The list is
 * generated from src/data by gen_reference.py; cbl.currency holds the same
 * rows for SQL.  Compiling it in keeps cbl.amount I/O IMMUTABLE.
 */
#ifndef CBL_CURRENCY_H
#define CBL_CURRENCY_H

#include <stdbool.h>
#include <stdint.h>

typedef struct CurrencyInfo
{
	char		code[4];		/* ISO 4217 alphabetic code, NUL-terminated */
	int16_t		numeric_code;	/* ISO 4217 numeric code */
	int8_t		minor_unit;		/* decimals of the minor unit; -1: none */
	bool		billable;		/* false for funds, metals, testing codes */
} CurrencyInfo;

/* A currency packed into 16 bits: base-26 of the three letters, plus one. */
typedef uint16_t CurrencyCode;

#define CURRENCY_NONE ((CurrencyCode) 0)

/* The entry for a three-letter code (exactly "USD", upper case), or NULL. */
extern const CurrencyInfo *CurrencyLookup(const char *code, int len);

/* The entry for a packed code, or NULL when it is not a known currency. */
extern const CurrencyInfo *CurrencyFromCode(CurrencyCode code);

/* Pack the three upper-case letters of a known currency. */
extern CurrencyCode CurrencyPack(const CurrencyInfo *info);

/* Number of compiled-in currencies, and the i-th (sorted by code). */
extern int	CurrencyCount(void);
extern const CurrencyInfo *CurrencyAt(int i);

/* ISO 3166-1 alpha-2: is this two-letter (upper-case) code a country? */
extern bool CountryCodeIsValid(const char *code);

#endif							/* CBL_CURRENCY_H */
