/*
 * check_digit.h
 *	  Check-digit identifiers: IATA air waybill numbers, ISO 6346 container
 *	  numbers and UPU S10 item identifiers, parsed into and formatted from
 *	  one int64 each.
 *
 * Pure C (no PostgreSQL headers): shared with the fuzz targets in test/fuzz.
 * Nothing here raises.  A parser fills a ParseError (see parse_error.h) and
 * returns false; a formatter returns -1.
 *
 * Packing: the int64 of a valid identifier is never negative, and integer
 * order equals the byte order of the canonical text, so SQL reuses the int8
 * comparison and hash functions.
 *
 *	 AWB		the 11-digit number:  176-12345675 -> 17612345675
 *	 container	letters (A = 0 .. Z = 25) in base 26, then the 7 digits:
 *				((L1 * 26 + L2) * 26 + L3) * 26 + L4) * 10^7 + digits
 *	 S10		service letters in base 26, the 9 digits, country in base 26:
 *				((S1 * 26 + S2) * 10^9 + digits) * 676 + (C1 * 26 + C2)
 */
#ifndef CBL_CHECK_DIGIT_H
#define CBL_CHECK_DIGIT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>			/* size_t */

#include "parse_error.h"

/* Length of the canonical text, without the terminating NUL. */
#define AWB_TEXT_LEN			12	/* 176-12345675 */
#define CONTAINER_NO_TEXT_LEN	11	/* CSQU3054383 */
#define S10_TEXT_LEN			13	/* RR123456785CN */

/* Largest packed value + 1 of each type. */
#define AWB_PACKED_LIMIT			INT64_C(100000000000)
#define CONTAINER_NO_PACKED_LIMIT	(INT64_C(456976) * INT64_C(10000000))
#define S10_PACKED_LIMIT			(INT64_C(676) * INT64_C(1000000000) * INT64_C(676))

/*
 * Parse NUL-terminated text (arbitrary bytes) into *out.  Leading and
 * trailing white space is ignored, letters may be lower case, and one space
 * or hyphen may separate the parts (see docs/identifiers.md).  On failure
 * return false with err (if not NULL) saying what is wrong.
 */
extern bool AwbParse(const char *s, int64_t *out, ParseError *err);
extern bool ContainerNoParse(const char *s, int64_t *out, ParseError *err);
extern bool S10Parse(const char *s, int64_t *out, ParseError *err);

/*
 * Write the canonical text of a packed value into buf (NUL-terminated) and
 * return its length, or -1 when v is outside the type's packed range or len
 * is too small.  Nothing else is verified here (not the check digit, the
 * container category or the S10 country): use *ValidatePacked for values
 * that did not come from *Parse.
 */
extern int	AwbFormat(int64_t v, char *buf, size_t len);
extern int	ContainerNoFormat(int64_t v, char *buf, size_t len);
extern int	S10Format(int64_t v, char *buf, size_t len);

/*
 * Is v a value *Parse could have produced?  Used by the binary receive
 * functions; on failure fill err (if not NULL) and return false.
 */
extern bool AwbValidatePacked(int64_t v, ParseError *err);
extern bool ContainerNoValidatePacked(int64_t v, ParseError *err);
extern bool S10ValidatePacked(int64_t v, ParseError *err);

/* The check digit (0-9) of the first digits/letters of each identifier. */
extern int	AwbCheckDigit(const char *serial7);
extern int	ContainerNoCheckDigit(const char *first10);
extern int	S10CheckDigit(const char *serial8);

/*
 * Shipment references (cbl.reference_kinds()) by how their stored form is
 * made: the three identifiers in canonical text, the other known kinds as
 * trimmed text.  One definition for cbl.canonical_reference and ingest.
 */
typedef enum RefKind
{
	REF_OTHER,					/* not a kind cbl knows: no stored form */
	REF_PLAIN,					/* reference, hawb, bl, hbl, booking, tracking, customer_ref, other */
	REF_AWB,
	REF_CONTAINER,
	REF_S10
} RefKind;

extern RefKind ReferenceKindOf(const char *kind, size_t len);

/*
 * cbl.canonical_reference(kind, value) of a value already trimmed of
 * spaces, tabs and line ends: the stored form, in buf (REF_CANONICAL_LEN
 * bytes) for the identifiers or value itself otherwise; NULL when the value
 * is empty or not valid as that kind.
 */
#define REF_CANONICAL_LEN 16
extern const char *ReferenceCanonical(RefKind kind, const char *trimmed, char *buf);

#endif							/* CBL_CHECK_DIGIT_H */
