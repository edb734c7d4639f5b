/*
 * fuzz_recon_accum.c
 *	  libFuzzer target for the text form of cbl.recon_accum, the state of
 *	  cbl.recon_agg that Citus and parallel query ship between processes
 *	  (src/recon_parse.c), and for combining states.
 *
 * Whatever parses must satisfy the state's invariants, format to text that
 * parses back identically and formats again to the same text; combining
 * it with the empty state changes nothing, and combining it with itself
 * doubles every count and sum.  Inputs that fail must leave a detail
 * sentence.  Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recon_parse.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
Same(const ReconAccumValue *a, const ReconAccumValue *b)
{
	if (a->currency != b->currency)
		return 0;
	for (int i = 0; i < RECON_OUTCOMES; i++)
		if (a->count[i] != b->count[i])
			return 0;
	for (int i = 0; i < RECON_SUMS; i++)
		if (a->sum[i] != b->sum[i])
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *input = malloc(size + 1);
	ParseError	err;
	ReconAccumValue v;

	memcpy(input, data, size);
	input[size] = '\0';
	memset(&err, 0, sizeof(err));

	if (ReconAccumParse(input, &v, &err))
	{
		char		text[RECON_ACCUM_TEXT_MAX];
		char		again_text[RECON_ACCUM_TEXT_MAX];
		ReconAccumValue again;
		ReconAccumValue empty;
		ReconAccumValue sum;
		int			n;

		for (int i = 0; i < RECON_OUTCOMES; i++)
			if (v.count[i] < 0)
				abort();
		if (ReconAccumRows(&v) == 0 && v.currency != CURRENCY_NONE)
			abort();
		if (ReconAccumRows(&v) > 0 && CurrencyFromCode(v.currency) == NULL)
			abort();
		if (v.sum[RECON_SUM_OVER] < 0 || v.sum[RECON_SUM_UNDER] > 0)
			abort();
		n = ReconAccumFormat(&v, text, sizeof(text));
		if (n <= 0 || (size_t) n >= sizeof(text))
			abort();
		if (!ReconAccumParse(text, &again, &err) || !Same(&v, &again))
			abort();
		ReconAccumFormat(&again, again_text, sizeof(again_text));
		if (strcmp(text, again_text) != 0)
			abort();

		/* the empty state is neutral, on either side */
		ReconAccumInit(&empty);
		sum = v;
		if (!ReconAccumCombine(&sum, &empty) || !Same(&sum, &v))
			abort();
		if (!ReconAccumCombine(&empty, &v) || !Same(&empty, &v))
			abort();
		/* a state combined with itself doubles (counts below 2^62 only) */
		if (ReconAccumRows(&v) < (INT64_C(1) << 61))
		{
			sum = v;
			if (!ReconAccumCombine(&sum, &v))
				abort();
			for (int i = 0; i < RECON_OUTCOMES; i++)
				if (sum.count[i] != 2 * v.count[i])
					abort();
			for (int i = 0; i < RECON_SUMS; i++)
				if (sum.sum[i] != 2 * v.sum[i])
					abort();
		}
	}
	else if (err.detail[0] == '\0')
		abort();

	free(input);
	return 0;
}
