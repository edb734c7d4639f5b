/*
 * fuzz_awb.c
 *	  libFuzzer target for AwbParse / AwbFormat / AwbValidatePacked
 *	  (IATA air waybill numbers, src/check_digit.c); the properties are in fuzz_identifier.h.
 *
 * Build: make test/fuzz/build/fuzz_awb
 * Run:   test/fuzz/build/fuzz_awb -runs=200000 test/fuzz/corpus/awb
 */
#include "fuzz_identifier.h"

static const IdentifierOps ops = {
	AwbParse, AwbFormat, AwbValidatePacked, AWB_TEXT_LEN, AWB_PACKED_LIMIT
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return FuzzIdentifier(&ops, data, size);
}
