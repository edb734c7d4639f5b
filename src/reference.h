/*
 * reference.h
 *	  Shipment references: the stored form of a reference text for each kind,
 *	  and the values cbl.reference_lookup is searched for.  One definition
 *	  for cbl.canonical_reference, cbl.find_shipments and ingest.
 */
#ifndef CBL_REFERENCE_H
#define CBL_REFERENCE_H

#include "check_digit.h"

/*
 * The stored forms of one reference text.  A reference_lookup row (kind,
 * value) matches the text when value is RefFormFor(kind): the text trimmed
 * of spaces, tabs and line ends for the plain kinds, its canonical form for
 * the identifiers if it is valid as one.  Those forms are few and mostly
 * the same text, so the index is probed once per distinct form (cand).
 */
typedef struct RefForms
{
	const char *ref;			/* the text as given */
	const char *plain;			/* btrim(ref, ' \t\r\n'), NULL if empty */
	const char *awb;			/* canonical form, NULL unless valid */
	const char *container;
	const char *s10;
	const char *cand[4];		/* the distinct forms, NULL after the last */
	int			value[4];		/* free for the caller: ingest's look-up value of each */
} RefForms;

extern void RefFormsOf(RefForms *f, const char *ref);
extern const char *RefFormFor(const RefForms *f, RefKind kind);

#endif							/* CBL_REFERENCE_H */
