/*
 * fuzz_x12.c
 *	  libFuzzer target for the X12 315 and 214 parser (src/fmt_x12.c): every
 *	  input is read as both; the properties are those of fuzz_fmt.h.
 */
#include "fuzz_fmt.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
Parse315(FmtBatch *batch, const char *text, size_t len, const FmtOptions *opt,
		 char *errbuf, size_t errlen)
{
	return FmtParseX12(batch, text, len, "315", opt, errbuf, errlen);
}

static bool
Parse214(FmtBatch *batch, const char *text, size_t len, const FmtOptions *opt,
		 char *errbuf, size_t errlen)
{
	return FmtParseX12(batch, text, len, "214", opt, errbuf, errlen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzFormat(Parse315, data, size);
	return FuzzFormat(Parse214, data, size);
}
