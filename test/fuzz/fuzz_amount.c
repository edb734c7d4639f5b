/*
 * fuzz_amount.c
 *	  libFuzzer target for the cbl.amount text parser (src/amount_parse.c).
 *
 * Arbitrary bytes, NUL-terminated, go to AmountParse.  Whatever parses must
 * be in range, format to canonical text that parses back to the identical
 * value and currency, and format again to the same text (a fixed point);
 * the display scale must hold the currency's minor unit.  Inputs that fail
 * must leave a detail sentence.  Any violation aborts.
 *
 *	  make test/fuzz/build/fuzz_amount
 *	  test/fuzz/build/fuzz_amount -runs=200000 test/fuzz/corpus/amount
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
	int64_t		micros;
	const CurrencyInfo *currency;

	memcpy(input, data, size);
	input[size] = '\0';
	memset(&err, 0, sizeof(err));

	if (AmountParse(input, &micros, &currency, &err))
	{
		char		text[AMOUNT_TEXT_MAX];
		char		again_text[AMOUNT_TEXT_MAX];
		int64_t		again;
		const CurrencyInfo *again_currency;
		int			n = AmountFormat(micros, currency, text, sizeof(text));
		int			scale = AmountDisplayScale(micros, currency);

		if (micros < AMOUNT_MIN_MICROS || currency == NULL)
			abort();
		if (n <= 0 || (size_t) n >= sizeof(text))
			abort();
		if (scale < (currency->minor_unit > 0 ? currency->minor_unit : 0) || scale > AMOUNT_SCALE)
			abort();
		if (!AmountParse(text, &again, &again_currency, &err))
			abort();
		if (again != micros || again_currency != currency)
			abort();
		AmountFormat(again, again_currency, again_text, sizeof(again_text));
		if (strcmp(text, again_text) != 0)
			abort();
		/* a valid currency always maps back through its packed code */
		if (CurrencyFromCode(CurrencyPack(currency)) != currency)
			abort();
	}
	else if (err.detail[0] == '\0')
		abort();

	free(input);
	return 0;
}
