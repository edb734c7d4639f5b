/*
 * rate_card_parse.h
 *	  Compile a rate card's JSON definition into a RateCard (rating.h).
 *
 * Pure C and jansson: no PostgreSQL header (jansson's json_object() clashes
 * with PostgreSQL's fmgrprotos.h), so the libFuzzer target links this file
 * alone.  The compiler never raises: a definition it refuses gets one
 * message that starts with the JSON path of the offending value, e.g.
 * "$.zones[2].countries[0]: "XX" is not an ISO 3166 country".
 *
 * Numbers stay exact: before jansson sees the text, every number literal is
 * turned into a marked string, and the compiler reads its digits as a
 * decimal in micro-units.  jansson never converts a number to double.
 */
#ifndef CBL_RATE_CARD_PARSE_H
#define CBL_RATE_CARD_PARSE_H

#include <stddef.h>

#include "rating.h"

typedef struct RateCardError
{
	char		message[384];	/* "$.path: what is wrong" */
	char		hint[192];		/* a full sentence, or "" */
	bool		out_of_memory;
} RateCardError;

/*
 * Compile a definition (JSON text, not necessarily NUL-terminated).  Returns
 * a card that the caller frees with RateCardFree, or NULL with *err filled.
 */
extern RateCard *RateCardCompile(const char *json, size_t len, RateCardError *err);

extern void RateCardFree(RateCard *card);

#endif							/* CBL_RATE_CARD_PARSE_H */
