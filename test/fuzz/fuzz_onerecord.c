/*
 * fuzz_onerecord.c
 *	  libFuzzer target for the parser of ONE Record LogisticsEvents (src/fmt_onerecord.c);
 *	  the properties are those of fuzz_fmt.h.
 */
#include "fuzz_fmt.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return FuzzFormat(FmtParseOneRecord, data, size);
}
