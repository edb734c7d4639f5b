/*
 * fuzz_amount_accum.c
 *	  libFuzzer target for the text form of cbl.amount_accum, the state of
 *	  sum() and avg() over cbl.amount that Citus and parallel query ship
 *	  between processes (src/amount_parse.c).
 *
 * Whatever parses must satisfy the state's invariants (count >= 0; an empty
 * state has sum 0 and no currency; |sum| <= count * max amount), format to
 * text that parses back identically, and format again to the same text.
 * Inputs that fail must leave a detail sentence.  Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amount_parse.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *input = malloc(size + 1);
	ParseError	err;
	AmountAccumValue v;

	memcpy(input, data, size);
	input[size] = '\0';
	memset(&err, 0, sizeof(err));

	if (AmountAccumParse(input, &v, &err))
	{
		char		text[AMOUNT_ACCUM_TEXT_MAX];
		char		again_text[AMOUNT_ACCUM_TEXT_MAX];
		AmountAccumValue again;
		__int128	bound = (__int128) v.count * AMOUNT_MAX_MICROS;
		int			n;

		if (v.count < 0)
			abort();
		if (v.count == 0 && (v.sum != 0 || v.currency != CURRENCY_NONE))
			abort();
		if (v.count > 0 && CurrencyFromCode(v.currency) == NULL)
			abort();
		if (v.sum > bound || v.sum < -bound)
			abort();
		n = AmountAccumFormat(&v, text, sizeof(text));
		if (n <= 0 || (size_t) n >= sizeof(text))
			abort();
		if (!AmountAccumParse(text, &again, &err))
			abort();
		if (again.count != v.count || again.sum != v.sum || again.currency != v.currency)
			abort();
		AmountAccumFormat(&again, again_text, sizeof(again_text));
		if (strcmp(text, again_text) != 0)
			abort();
	}
	else if (err.detail[0] == '\0')
		abort();

	free(input);
	return 0;
}
