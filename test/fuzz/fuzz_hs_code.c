/*
 * fuzz_hs_code.c
 *	  libFuzzer target for the cbl.hs_code parser (src/hs_code_parse.c).
 *
 * Arbitrary bytes, NUL-terminated, go to HsCodeParse.  Whatever parses must
 * round-trip through HsCodeFormat and HsCodeDigits to the identical packed
 * value, be accepted by HsCodeValidatePacked (what recv runs), keep integer
 * order equal to the lexical order of the digits against the previous input,
 * and have prefixes that are valid codes containing it.  Inputs that fail
 * must leave a full-sentence detail.  Any violation aborts.
 *
 *	  make test/fuzz/build/fuzz_hs_code
 *	  test/fuzz/build/fuzz_hs_code -runs=300000 test/fuzz/corpus/hs_code
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hs_code_parse.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The previous accepted code, to check order against lexical order. */
static int64_t prev_code = -1;
static char prev_digits[HS_CODE_DIGITS_BUFLEN];

static int
Sign(int x)
{
	return (x > 0) - (x < 0);
}

static void
CheckValid(int64_t v)
{
	ParseError	err;
	char		text[HS_CODE_FORMAT_BUFLEN];
	char		digits[HS_CODE_DIGITS_BUFLEN];
	int64_t		again;
	int64_t		prefixes[HS_CODE_MAX_DIGITS / 2];
	int			len = HsCodeLength(v);
	int			n;

	if (!HsCodeValidatePacked(v, &err))
		abort();
	if (len < 2 || len > HS_CODE_MAX_DIGITS || len % 2 != 0)
		abort();

	/* Canonical text and plain digits parse back to the same value. */
	n = HsCodeFormat(v, text, sizeof(text));
	if (n < 0 || (size_t) n != strlen(text) || n != len + (len > 4 ? (len - 4) / 2 : 0))
		abort();
	if (!HsCodeParse(text, &again, &err) || again != v)
		abort();
	n = HsCodeDigits(v, digits, sizeof(digits));
	if (n != len || strlen(digits) != (size_t) len)
		abort();
	if (!HsCodeParse(digits, &again, &err) || again != v)
		abort();
	/* Too small buffers are refused, not overrun. */
	if (HsCodeFormat(v, text, strlen(text)) != -1 ||
		HsCodeDigits(v, digits, (size_t) len) != -1)
		abort();

	/* Prefixes: shortest first, valid, each containing v; the last is v. */
	n = HsCodePrefixes(v, prefixes);
	if (n != len / 2 || prefixes[n - 1] != v)
		abort();
	for (int i = 0; i < n; i++)
	{
		int64_t		t = HsCodeTruncate(v, 2 * (i + 1));

		if (t != prefixes[i] || !HsCodeValidatePacked(t, NULL) ||
			HsCodeLength(t) != 2 * (i + 1) ||
			!HsCodeContains(t, v) || (t != v && HsCodeContains(v, t)) ||
			t > v || (i > 0 && prefixes[i - 1] >= t))
			abort();
	}
	if (HsCodeTruncate(v, len + 2) != -1 || HsCodeTruncate(v, 3) != -1)
		abort();

	/* Integer order is the lexical order of the digit strings. */
	if (prev_code >= 0)
	{
		int			lex = Sign(strcmp(prev_digits, digits));
		int			num = (prev_code > v) - (prev_code < v);
		size_t		plen = strlen(prev_digits);
		bool		prefix = plen <= (size_t) len && memcmp(prev_digits, digits, plen) == 0;

		if (lex != num || prefix != HsCodeContains(prev_code, v))
			abort();
	}
	prev_code = v;
	memcpy(prev_digits, digits, sizeof(digits));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *s = malloc(size + 1);
	int64_t		v;
	ParseError	err;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	memset(&err, 0, sizeof(err));
	if (HsCodeParse(s, &v, &err))
		CheckValid(v);
	else
	{
		size_t		dl = strlen(err.detail);
		size_t		hl = strlen(err.hint);

		/* A full sentence, and the same verdict from the boolean form. */
		if (dl == 0 || err.detail[dl - 1] != '.' || (hl > 0 && err.hint[hl - 1] != '.') ||
			HsCodeParse(s, &v, NULL))
			abort();
	}

	/* The first 8 bytes as a packed value: validation must agree with I/O. */
	if (size >= 8)
	{
		int64_t		raw;
		char		text[HS_CODE_FORMAT_BUFLEN];

		memcpy(&raw, data, sizeof(raw));
		if (HsCodeValidatePacked(raw, &err))
		{
			if (HsCodeFormat(raw, text, sizeof(text)) < 0 ||
				!HsCodeParse(text, &v, NULL) || v != raw)
				abort();
		}
		else if (HsCodeFormat(raw, text, sizeof(text)) != -1)
			abort();
	}

	free(s);
	return 0;
}
