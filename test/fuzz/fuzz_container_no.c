/*
 * fuzz_container_no.c
 *	  libFuzzer target for ContainerNoParse / ContainerNoFormat / ContainerNoValidatePacked
 *	  (ISO 6346 container numbers, src/check_digit.c).
 *
 * Build: make test/fuzz/build/fuzz_container_no
 * Run:   test/fuzz/build/fuzz_container_no -runs=200000 test/fuzz/corpus/container_no
 *
 * Properties checked, abort() on any violation:
 *	- parsing any bytes never crashes, and a failure always says why;
 *	- a parsed value formats to 11 characters of canonical text, which
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

	if (!ContainerNoValidatePacked(v, &err))
		abort();
	if (ContainerNoFormat(v, buf, sizeof(buf)) != CONTAINER_NO_TEXT_LEN || strlen(buf) != CONTAINER_NO_TEXT_LEN)
		abort();
	if (!ContainerNoParse(buf, &w, &err) || w != v)
		abort();
	if (ContainerNoFormat(w, again, sizeof(again)) != CONTAINER_NO_TEXT_LEN || strcmp(buf, again) != 0)
		abort();
	/* a buffer one byte short is refused, not overrun */
	if (ContainerNoFormat(v, again, CONTAINER_NO_TEXT_LEN) != -1)
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
	if (ContainerNoParse(s, &v, &err))
	{
		if (v < 0 || v >= CONTAINER_NO_PACKED_LIMIT)
			abort();
		CheckPacked(v);
	}
	else if (err.detail[0] == '\0')
		abort();
	/* failing without an error struct must not crash either */
	(void) ContainerNoParse(s, &v, NULL);

	/* the first 8 bytes as a packed value: accepted only if it round-trips */
	if (size >= 8)
	{
		int64_t		packed;

		memcpy(&packed, data, sizeof(packed));
		err.detail[0] = '\0';
		if (ContainerNoValidatePacked(packed, &err))
			CheckPacked(packed);
		else if (err.detail[0] == '\0')
			abort();
		/* reduced into range, so most values reach the real checks */
		packed = (int64_t) ((uint64_t) packed % (uint64_t) CONTAINER_NO_PACKED_LIMIT);
		if (ContainerNoValidatePacked(packed, NULL))
			CheckPacked(packed);
	}

	free(s);
	return 0;
}
