/*
 * fuzz_recv.c
 *	  libFuzzer target for the binary receive functions of cbl's types:
 *	  the byte decoding and validation they run (src/wire.c,
 *	  src/milestone_wire.c), on arbitrary messages.
 *
 * The first byte picks the type, the rest is the message recv would get:
 *	 0 cbl.amount, 1 cbl.hs_code, 2 cbl.awb, 3 cbl.container_no, 4 cbl.s10,
 *	 5 cbl.milestone_state (bytes past 5 wrap around).
 * The message is copied to a buffer of exactly its size, so reading one
 * byte past it is an AddressSanitizer report.  Properties, abort() on any
 * violation:
 *	- a message shorter than the value is WIRE_SHORT, and only then;
 *	- a rejected value says why;
 *	- an accepted value used exactly the bytes of its form, and encodes
 *	  (what send writes) back to those very bytes;
 *	- an accepted scalar formats to text that parses back to the same value
 *	  (recv accepts only what text input could have produced);
 *	- an accepted milestone state passes the checks text input runs.
 *
 *	  make test/fuzz/build/fuzz_recv
 *	  test/fuzz/build/fuzz_recv -runs=200000 test/fuzz/corpus/recv
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amount_parse.h"
#include "check_digit.h"
#include "hs_code_parse.h"
#include "milestone_wire.h"
#include "wire.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct PackedType
{
	bool		(*validate) (int64_t, ParseError *);
	int			(*format) (int64_t, char *, size_t);
	bool		(*parse) (const char *, int64_t *, ParseError *);
} PackedType;

static const PackedType packed_types[4] = {
	{HsCodeValidatePacked, HsCodeFormat, HsCodeParse},
	{AwbValidatePacked, AwbFormat, AwbParse},
	{ContainerNoValidatePacked, ContainerNoFormat, ContainerNoParse},
	{S10ValidatePacked, S10Format, S10Parse},
};

/* The result agrees with the length; a rejection says why. */
static void
CheckResult(WireResult res, size_t len, size_t needed, const ParseError *err)
{
	if ((res == WIRE_SHORT) != (len < needed))
		abort();
	if (res == WIRE_INVALID && err->detail[0] == '\0')
		abort();
}

static void
FuzzAmount(const uint8_t *msg, size_t len)
{
	WireReader	r;
	int64_t		micros;
	CurrencyCode currency;
	ParseError	err = {0};
	WireResult	res;

	WireReaderInit(&r, msg, len);
	res = AmountWireDecode(&r, &micros, &currency, &err);
	CheckResult(res, len, AMOUNT_WIRE_LEN, &err);
	if (res == WIRE_OK)
	{
		uint8_t		again[AMOUNT_WIRE_LEN];
		char		text[AMOUNT_TEXT_MAX];
		int64_t		parsed;
		const CurrencyInfo *info = CurrencyFromCode(currency);
		const CurrencyInfo *parsed_info;

		if (r.pos != AMOUNT_WIRE_LEN || info == NULL)
			abort();
		AmountWireEncode(micros, currency, again);
		if (memcmp(again, msg, AMOUNT_WIRE_LEN) != 0)
			abort();
		if (AmountFormat(micros, info, text, sizeof(text)) <= 0)
			abort();
		if (!AmountParse(text, &parsed, &parsed_info, &err) || parsed != micros || parsed_info != info)
			abort();
	}
}

static void
FuzzPacked(const PackedType *type, const uint8_t *msg, size_t len)
{
	WireReader	r;
	int64_t		v;
	ParseError	err = {0};
	WireResult	res;

	WireReaderInit(&r, msg, len);
	res = PackedWireDecode(&r, type->validate, &v, &err);
	CheckResult(res, len, PACKED_WIRE_LEN, &err);
	if (res == WIRE_OK)
	{
		uint8_t		again[PACKED_WIRE_LEN];
		char		text[32];
		int64_t		parsed;

		if (r.pos != PACKED_WIRE_LEN)
			abort();
		PackedWireEncode(v, again);
		if (memcmp(again, msg, PACKED_WIRE_LEN) != 0)
			abort();
		if (type->format(v, text, sizeof(text)) <= 0)
			abort();
		if (!type->parse(text, &parsed, &err) || parsed != v)
			abort();
	}
}

static void
FuzzMilestoneState(const uint8_t *msg, size_t len)
{
	WireReader	r;
	int16_t		framework;
	int			n;
	ParseError	err = {0};
	WireResult	res;
	MilestoneEntry *entries;

	WireReaderInit(&r, msg, len);
	res = MilestoneWireHeader(&r, &framework, &n, &err);
	CheckResult(res, len, MILESTONE_WIRE_HEADER, &err);
	if (res != WIRE_OK)
		return;
	if (n < 0 || MILESTONE_WIRE_LEN(n) > len)
		abort();
	entries = malloc(sizeof(MilestoneEntry) * (n > 0 ? n : 1));
	res = MilestoneWireEntries(&r, framework, n, entries, &err);
	if (res == WIRE_SHORT)		/* the header checked the length */
		abort();
	if (res == WIRE_INVALID && err.detail[0] == '\0')
		abort();
	if (res == WIRE_OK)
	{
		size_t		used = MILESTONE_WIRE_LEN(n);
		uint8_t    *again = malloc(used);

		if (r.pos != used)
			abort();
		if (!MilestoneStateCheck(framework, entries, n, NULL))
			abort();
		for (int k = 0; k < n; k++)
			if (entries[k].reserved0 != 0)
				abort();
		MilestoneWireEncode(framework, entries, n, again);
		if (memcmp(again, msg, used) != 0)
			abort();
		free(again);
	}
	free(entries);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t    *msg;
	size_t		len;

	if (size == 0)
		return 0;
	len = size - 1;
	/* exactly len bytes on the heap: a read past the message is caught */
	msg = malloc(len);
	if (len > 0)
		memcpy(msg, data + 1, len);
	switch (data[0] % 6)
	{
		case 0:
			FuzzAmount(msg, len);
			break;
		case 5:
			FuzzMilestoneState(msg, len);
			break;
		default:
			FuzzPacked(&packed_types[data[0] % 6 - 1], msg, len);
			break;
	}
	free(msg);
	return 0;
}
