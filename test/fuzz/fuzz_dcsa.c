/*
 * fuzz_dcsa.c
 *	  libFuzzer target for the parser of DCSA Track & Trace events (src/fmt_dcsa.c);
 *	  the properties are those of fuzz_fmt.h.
 */
#include "fuzz_fmt.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return FuzzFormat(FmtParseDcsa, data, size);
}
