/*
 * fuzz_fsu.c
 *	  libFuzzer target for the parser of Cargo-IMP FSU messages (src/fmt_fsu.c);
 *	  the properties are those of fuzz_fmt.h.
 */
#include "fuzz_fmt.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return FuzzFormat(FmtParseFsu, data, size);
}
