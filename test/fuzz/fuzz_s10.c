/*
 * fuzz_s10.c
 *	  libFuzzer target for S10Parse / S10Format / S10ValidatePacked
 *	  (UPU S10 item identifiers, src/check_digit.c); the properties are in fuzz_identifier.h.
 *
 * Build: make test/fuzz/build/fuzz_s10
 * Run:   test/fuzz/build/fuzz_s10 -runs=200000 test/fuzz/corpus/s10
 */
#include "fuzz_identifier.h"

static const IdentifierOps ops = {
	S10Parse, S10Format, S10ValidatePacked, S10_TEXT_LEN, S10_PACKED_LIMIT
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return FuzzIdentifier(&ops, data, size);
}
