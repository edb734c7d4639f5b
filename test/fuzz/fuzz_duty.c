/*
 * fuzz_duty.c
 *	  libFuzzer target for the duty expression parser (src/duty_parse.c).
 *
 * Arbitrary bytes, NUL-terminated, go to DutyParse.  Whatever parses must
 * format to canonical text that parses back to the identical structure and
 * formats to the identical text again, encode to a binary form that decodes
 * to the identical structure, refuse buffers that are too small, and compute
 * its terms without overflow or undefined behaviour.  Whatever fails must
 * leave a full-sentence, valid UTF-8 detail.  The same bytes are also fed to
 * DutyDecode (what recv runs): a binary form that decodes must be the one
 * DutyEncode writes for it (canonical) and round-trip through text.  Any
 * violation aborts; ASan/LSan catch overruns and leaks.
 *
 *	  make test/fuzz/build/fuzz_duty
 *	  test/fuzz/build/fuzz_duty -runs=300000 test/fuzz/corpus/duty
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duty_parse.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Is s (NUL-terminated) valid, shortest-form UTF-8? */
static bool
ValidUtf8(const char *s)
{
	const unsigned char *u = (const unsigned char *) s;

	while (*u)
	{
		uint32_t	c = *u;
		int			n;
		uint32_t	min;

		if (c < 0x80)
		{
			u++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 2, c &= 0x1F, min = 0x80;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 3, c &= 0x0F, min = 0x800;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 4, c &= 0x07, min = 0x10000;
		else
			return false;
		for (int i = 1; i < n; i++)
		{
			if ((u[i] & 0xC0) != 0x80)
				return false;
			c = (c << 6) | (u[i] & 0x3F);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return false;
		u += n;
	}
	return true;
}

static bool
FullSentence(const char *s, bool may_be_empty)
{
	size_t		n = strlen(s);

	if (n == 0)
		return may_be_empty;
	return s[n - 1] == '.' && ValidUtf8(s);
}

/* Everything a parsed or decoded rate must satisfy. */
static void
CheckRate(const DutyRate *r, const uint8_t *data, size_t size)
{
	char		text[DUTY_TEXT_MAX];
	char		again[DUTY_TEXT_MAX];
	uint8_t		enc[DUTY_ENCODED_MAX];
	DutyRate	back;
	ParseError	err;
	int			n;
	size_t		len;

	/* Canonical text: parses back to the same structure and the same text. */
	n = DutyFormat(r, text, sizeof(text));
	if (n <= 0 || (size_t) n != strlen(text) || !ValidUtf8(text))
		abort();
	if (!DutyParse(text, &back, &err) || memcmp(&back, r, sizeof(back)) != 0)
		abort();
	if (DutyFormat(&back, again, sizeof(again)) != n || strcmp(text, again) != 0)
		abort();
	/* A buffer one byte short is refused, not overrun. */
	if (DutyFormat(r, again, (size_t) n) != -1)
		abort();

	/* Binary form: decodes to the same structure. */
	len = DutyEncode(r, enc);
	if (len < 4 || len > DUTY_ENCODED_MAX)
		abort();
	if (!DutyDecode(enc, len, &back, &err) || memcmp(&back, r, sizeof(back)) != 0)
		abort();
	/* Any shorter prefix is refused. */
	if (DutyDecode(enc, len - 1, &back, NULL))
		abort();

	/* Free has no bounds; the terms compute with extreme inputs without UB. */
	if (DutyRateIsFree(r) && (r->nterms[DUTY_PART_MIN] || r->nterms[DUTY_PART_MAX]))
		abort();
	for (int part = 0; part < DUTY_PARTS; part++)
		for (int i = 0; i < r->nterms[part]; i++)
		{
			const DutyTerm *t = &r->terms[part][i];
			int64_t		v = 0;
			int64_t		out;

			if (size >= 8)
				memcpy(&v, data, sizeof(v));
			if (v == INT64_MIN)
				v = -INT64_MAX;
			if (t->kind == DUTY_AD_VALOREM)
			{
				if (!DutyAdValoremMicros(t->value, INT64_C(1000000), &out) ||
					out != t->value / 100 + ((t->value % 100) * 2 > 100 ||
											 ((t->value % 100) * 2 == 100 && (t->value / 100) % 2)))
					abort();
				(void) DutyAdValoremMicros(t->value, v, &out);
			}
			else
			{
				if (DutyUnitKey(t->unit) == NULL || DutyUnitFactor(t->unit) <= 0)
					abort();
				(void) DutySpecificMicros(t, v, &out);
				/* one "per" quantity in key units costs exactly the amount */
				if (!DutySpecificMicros(t, t->per * DutyUnitFactor(t->unit), &out) ||
					out != t->value)
					abort();
			}
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *s = malloc(size + 1);
	DutyRate	r;
	ParseError	err;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	memset(&err, 0, sizeof(err));
	if (DutyParse(s, &r, &err))
	{
		if (!DutyParse(s, &r, NULL))
			abort();
		CheckRate(&r, data, size);
	}
	else if (!FullSentence(err.detail, false) || !FullSentence(err.hint, true) ||
			 DutyParse(s, &r, NULL))
		abort();

	/* The raw bytes as a binary form: canonical when accepted. */
	memset(&err, 0, sizeof(err));
	if (DutyDecode(data, size, &r, &err))
	{
		uint8_t		enc[DUTY_ENCODED_MAX];

		if (DutyEncode(&r, enc) != size || memcmp(enc, data, size) != 0)
			abort();
		CheckRate(&r, data, size);
	}
	else if (!FullSentence(err.detail, false))
		abort();

	free(s);
	return 0;
}
