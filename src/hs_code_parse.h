/*
 * hs_code_parse.h
 *	  Harmonized System codes packed into one int64: parse, validate, format.
 *
 * Pure C (no PostgreSQL headers): shared with the fuzz target
 * test/fuzz/fuzz_hs_code.c.  Nothing here raises; failures fill a ParseError.
 *
 * Packing: value = (digits right-padded with zeros to 10 digits) * 16 + length
 * where length is 2, 4, 6, 8 or 10.  Integer order is then the lexical order
 * of the digit strings, a prefix sorting just before the codes it contains:
 * 85 < 8500 < 8501 < 8501.10 < 8502.  Every valid value is positive and below
 * 10^10 * 16, so it fits in an int8 with room to spare.
 */
#ifndef CBL_HS_CODE_PARSE_H
#define CBL_HS_CODE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse_error.h"

/* Most digits in an HS code (a 10-digit national tariff line). */
#define HS_CODE_MAX_DIGITS 10

/* Buffer size for HsCodeFormat: "8517.13.00.12" plus NUL. */
#define HS_CODE_FORMAT_BUFLEN 14

/* Buffer size for HsCodeDigits: "8517130012" plus NUL. */
#define HS_CODE_DIGITS_BUFLEN 11

/*
 * Parse NUL-terminated text into a packed code.  Accepts 2, 4, 6, 8 or 10
 * digits, optionally grouped by dots or by single spaces (one kind per code)
 * placed after the 2nd, 4th, 6th or 8th digit, with surrounding whitespace.
 * The chapter (first two digits) must be 01-97 except 77, or 98 or 99.
 */
extern bool HsCodeParse(const char *s, int64_t *out, ParseError *err);

/* Does a packed value decode to a valid code (as HsCodeParse would give)? */
extern bool HsCodeValidatePacked(int64_t v, ParseError *err);

/*
 * Write the canonical form of a valid packed code ("8517.13.00.12": four
 * digits, then dot-separated pairs) into buf; returns the number of characters
 * written (without the NUL), or -1 when v is not valid or len is too small.
 */
extern int	HsCodeFormat(int64_t v, char *buf, size_t len);

/* The same, but the plain digits ("8517130012"). */
extern int	HsCodeDigits(int64_t v, char *buf, size_t len);

/* Number of digits of a valid packed code: 2, 4, 6, 8 or 10. */
extern int	HsCodeLength(int64_t v);

/*
 * The first ndigits digits of a valid code, as a packed code; ndigits must be
 * 2, 4, 6, 8 or 10 and at most HsCodeLength(v), otherwise returns -1.
 */
extern int64_t HsCodeTruncate(int64_t v, int ndigits);

/* Is b equal to a, or a longer code that starts with a's digits? */
extern bool HsCodeContains(int64_t a, int64_t b);

/*
 * Fill out[] with the prefixes of a valid code at 2, 4, ... digits up to its
 * own length, shortest first (the last one is v itself); returns how many
 * (1 to 5).  out must have room for HS_CODE_MAX_DIGITS / 2 values.
 */
extern int	HsCodePrefixes(int64_t v, int64_t *out);

#endif							/* CBL_HS_CODE_PARSE_H */
