/*
 * fuzz_container_no.c
 *	  libFuzzer target for ContainerNoParse / ContainerNoFormat / ContainerNoValidatePacked
 *	  (ISO 6346 container numbers, src/check_digit.c); the properties are in fuzz_identifier.h.
 *
 * Build: make test/fuzz/build/fuzz_container_no
 * Run:   test/fuzz/build/fuzz_container_no -runs=200000 test/fuzz/corpus/container_no
 */
#include "fuzz_identifier.h"

static const IdentifierOps ops = {
	ContainerNoParse, ContainerNoFormat, ContainerNoValidatePacked, CONTAINER_NO_TEXT_LEN, CONTAINER_NO_PACKED_LIMIT
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return FuzzIdentifier(&ops, data, size);
}
