/*
 * fuzz_identifier.h
 *	  The libFuzzer harness shared by the check-digit identifier targets
 *	  (fuzz_awb.c, fuzz_container_no.c, fuzz_s10.c); each names its parser.
 *
 * Properties checked, abort() on any violation:
 *	- parsing any bytes never crashes, and a failure always says why;
 *	- a parsed value is in the packed range and formats to canonical text of
 *	  the type's fixed length, which parses back to the same packed value and
 *	  formats identically, and the packed validator (what recv runs) accepts it;
 *	- any int64 the packed validator accepts (the first 8 input bytes read as
 *	  one, raw and reduced into range) survives the same round trip; one it
 *	  rejects says why.
 */
#ifndef CBL_FUZZ_IDENTIFIER_H
#define CBL_FUZZ_IDENTIFIER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_digit.h"

typedef struct IdentifierOps
{
	bool		(*parse) (const char *s, int64_t *out, ParseError *err);
	int			(*format) (int64_t v, char *buf, size_t len);
	bool		(*validate_packed) (int64_t v, ParseError *err);
	int			text_len;		/* length of the canonical text */
	int64_t		packed_limit;	/* every packed value is in [0, limit) */
} IdentifierOps;

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The round trip every accepted packed value must survive. */
static void
CheckPacked(const IdentifierOps *ops, int64_t v)
{
	char		buf[32];
	char		again[32];
	int64_t		w;
	ParseError	err;

	if (!ops->validate_packed(v, &err))
		abort();
	if (ops->format(v, buf, sizeof(buf)) != ops->text_len || strlen(buf) != (size_t) ops->text_len)
		abort();
	if (!ops->parse(buf, &w, &err) || w != v)
		abort();
	if (ops->format(w, again, sizeof(again)) != ops->text_len || strcmp(buf, again) != 0)
		abort();
	/* a buffer one byte short is refused, not overrun */
	if (ops->format(v, again, ops->text_len) != -1)
		abort();
}

static int
FuzzIdentifier(const IdentifierOps *ops, const uint8_t *data, size_t size)
{
	char	   *s = malloc(size + 1);
	int64_t		v;
	ParseError	err;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	err.detail[0] = '\0';
	if (ops->parse(s, &v, &err))
	{
		if (v < 0 || v >= ops->packed_limit)
			abort();
		CheckPacked(ops, v);
	}
	else if (err.detail[0] == '\0')
		abort();
	/* failing without an error struct must not crash either */
	(void) ops->parse(s, &v, NULL);

	if (size >= 8)
	{
		int64_t		packed;

		memcpy(&packed, data, sizeof(packed));
		err.detail[0] = '\0';
		if (ops->validate_packed(packed, &err))
			CheckPacked(ops, packed);
		else if (err.detail[0] == '\0')
			abort();
		/* reduced into range, so most values reach the real checks */
		packed = (int64_t) ((uint64_t) packed % (uint64_t) ops->packed_limit);
		if (ops->validate_packed(packed, NULL))
			CheckPacked(ops, packed);
	}

	free(s);
	return 0;
}

#endif							/* CBL_FUZZ_IDENTIFIER_H */
