/*
 * fuzz_s10.c
 *	  libFuzzer target for S10Parse / S10Format / S10ValidatePacked
 *	  (UPU S10 item identifiers, src/check_digit.c).
 *
 * Build: make test/fuzz/build/fuzz_s10
 * Run:   test/fuzz/build/fuzz_s10 -runs=200000 test/fuzz/corpus/s10
 *
 * Properties checked, abort() on any violation:
 *	- parsing any bytes never crashes, and a failure always says why;
 *	- a parsed value formats to 13 characters of canonical text, which
 *	  parses back to the same packed value and formats identically, and the
 *	  packed validator accepts it;
 *	- any int64 the packed validator accepts (the first 8 input bytes read as
 *	  one) formats, and its text parses back to it; one it rejects says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_digit.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The round trip every accepted packed value must survive. */
static void
CheckPacked(int64_t v)
{
	char		buf[32];
	char		again[32];
	int64_t		w;
	ParseError	err;

	if (!S10ValidatePacked(v, &err))
		abort();
	if (S10Format(v, buf, sizeof(buf)) != S10_TEXT_LEN || strlen(buf) != S10_TEXT_LEN)
		abort();
	if (!S10Parse(buf, &w, &err) || w != v)
		abort();
	if (S10Format(w, again, sizeof(again)) != S10_TEXT_LEN || strcmp(buf, again) != 0)
		abort();
	/* a buffer one byte short is refused, not overrun */
	if (S10Format(v, again, S10_TEXT_LEN) != -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *s = malloc(size + 1);
	int64_t		v;
	ParseError	err;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	err.detail[0] = '\0';
	if (S10Parse(s, &v, &err))
	{
		if (v < 0 || v >= S10_PACKED_LIMIT)
			abort();
		CheckPacked(v);
	}
	else if (err.detail[0] == '\0')
		abort();
	/* failing without an error struct must not crash either */
	(void) S10Parse(s, &v, NULL);

	/* the first 8 bytes as a packed value: accepted only if it round-trips */
	if (size >= 8)
	{
		int64_t		packed;

		memcpy(&packed, data, sizeof(packed));
		err.detail[0] = '\0';
		if (S10ValidatePacked(packed, &err))
			CheckPacked(packed);
		else if (err.detail[0] == '\0')
			abort();
		/* reduced into range, so most values reach the real checks */
		packed = (int64_t) ((uint64_t) packed % (uint64_t) S10_PACKED_LIMIT);
		if (S10ValidatePacked(packed, NULL))
			CheckPacked(packed);
	}

	free(s);
	return 0;
}
