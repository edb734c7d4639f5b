/*
 * hs_code_parse.c
 *	  Harmonized System codes: parse text, validate and format packed values.
 *
 * Pure C: no PostgreSQL headers, so the fuzz target can link it.  Input may
 * be arbitrary bytes; nothing here reads past the terminating NUL or raises.
 * See hs_code_parse.h for the packing.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hs_code_parse.h"

/* 10^0 .. 10^10 */
static const int64_t pow10_table[HS_CODE_MAX_DIGITS + 1] = {
	1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL,
	100000000LL, 1000000000LL, 10000000000LL
};

/* Longest trimmed input quoted in a DETAIL; longer ones are not repeated. */
#define HS_CODE_QUOTE_MAX 40

#define LENGTH_HINT \
	"Chapters have 2 digits, headings 4, subheadings 6, and national tariff lines 8 or 10."
#define CHAPTER_HINT \
	"The Harmonized System has chapters 01 to 97, 77 being reserved; cbl also accepts the national-use chapters 98 and 99."
#define SYNTAX_HINT \
	"Write the digits 0-9, optionally grouped by dots or single spaces, e.g. 8517.13.00 or 8517 13 00."

/* The whitespace trimmed around a code (ASCII only, locale-independent). */
static bool
IsSpace(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool
IsValidLength(int64_t n)
{
	return n == 2 || n == 4 || n == 6 || n == 8 || n == 10;
}

/* Does a chapter (00-99) exist?  01-97 except 77, plus national-use 98, 99. */
static bool
IsValidChapter(int chapter)
{
	return chapter >= 1 && chapter <= 99 && chapter != 77;
}

/*
 * Length in bytes of the valid UTF-8 sequence at s (1 to 4), storing its code
 * point, or 0 when s does not start a valid, shortest-form sequence.  Stops
 * at the NUL terminator, which is never a continuation byte.
 */
static int
DecodeUtf8(const unsigned char *s, uint32_t *cp)
{
	uint32_t	c = s[0];
	int			n;
	uint32_t	min;

	if (c < 0x80)
	{
		*cp = c;
		return 1;
	}
	else if (c >= 0xC2 && c <= 0xDF)
	{
		n = 2;
		c &= 0x1F;
		min = 0x80;
	}
	else if (c >= 0xE0 && c <= 0xEF)
	{
		n = 3;
		c &= 0x0F;
		min = 0x800;
	}
	else if (c >= 0xF0 && c <= 0xF4)
	{
		n = 4;
		c &= 0x07;
		min = 0x10000;
	}
	else
		return 0;

	for (int i = 1; i < n; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

/*
 * Report the unexpected character at s + pos (pos counts from 0; everything
 * before it is ASCII, so it is also the character position).  Printable
 * ASCII is quoted as is, other valid UTF-8 is quoted with its code point,
 * control characters by code point only, and other bytes in hex.
 */
static bool
FailUnexpected(const char *s, size_t pos, ParseError *err)
{
	const unsigned char *p = (const unsigned char *) s + pos;
	uint32_t	cp;
	int			n = DecodeUtf8(p, &cp);

	if (n == 1 && cp > 0x20 && cp < 0x7F)
		return ParseFail(err, SYNTAX_HINT,
						 "Unexpected character \"%c\" at position %zu.",
						 (char) cp, pos + 1);
	if (n == 1 || (n > 1 && (cp < 0xA0)))
		return ParseFail(err, SYNTAX_HINT,
						 "Unexpected character U+%04X at position %zu.",
						 (unsigned int) cp, pos + 1);
	if (n > 1)
		return ParseFail(err, SYNTAX_HINT,
						 "Unexpected character \"%.*s\" (U+%04X) at position %zu.",
						 n, (const char *) p, (unsigned int) cp, pos + 1);
	return ParseFail(err, SYNTAX_HINT,
					 "Unexpected byte 0x%02X at position %zu.",
					 (unsigned int) *p, pos + 1);
}

static bool
FailChapter(int chapter, ParseError *err)
{
	return ParseFail(err, CHAPTER_HINT,
					 "Chapter %02d does not exist in the Harmonized System.",
					 chapter);
}

bool
HsCodeParse(const char *s, int64_t *out, ParseError *err)
{
	size_t		start = 0;
	size_t		end = strlen(s);
	size_t		ndigits = 0;
	int64_t		digits = 0;
	char		sep = 0;
	int			chapter;

	while (start < end && IsSpace((unsigned char) s[start]))
		start++;
	while (end > start && IsSpace((unsigned char) s[end - 1]))
		end--;
	if (start == end)
		return ParseFail(err, LENGTH_HINT, "The input has no digits.");

	for (size_t i = start; i < end; i++)
	{
		char		c = s[i];

		if (c >= '0' && c <= '9')
		{
			if (ndigits < HS_CODE_MAX_DIGITS)
				digits = digits * 10 + (c - '0');
			ndigits++;
		}
		else if (c == '.' || c == ' ')
		{
			/* Trimmed: neither the first nor the last character is a space. */
			if (i == start || i == end - 1 ||
				!(s[i - 1] >= '0' && s[i - 1] <= '9') ||
				!(s[i + 1] >= '0' && s[i + 1] <= '9'))
				return ParseFail(err, SYNTAX_HINT,
								 "Separator \"%c\" at position %zu is not between two digits.",
								 c, i + 1);
			if (sep != 0 && c != sep)
				return ParseFail(err, SYNTAX_HINT,
								 "Separator \"%c\" at position %zu differs from the earlier separator \"%c\"; use one kind of separator.",
								 c, i + 1, sep);
			/* Past 10 digits the length error below says more. */
			if (ndigits < HS_CODE_MAX_DIGITS && ndigits % 2 != 0)
				return ParseFail(err,
								 "Group the digits as 4, then pairs (8517.13.00), or as pairs (85.17).",
								 "Separator \"%c\" at position %zu follows digit %zu; separators may only follow the 2nd, 4th, 6th or 8th digit.",
								 c, i + 1, ndigits);
			sep = c;
		}
		else
			return FailUnexpected(s, i, err);
	}

	if (!IsValidLength((int64_t) ndigits))
	{
		if (end - start <= HS_CODE_QUOTE_MAX)
			return ParseFail(err, LENGTH_HINT,
							 "An HS code has 2, 4, 6, 8 or 10 digits; \"%.*s\" has %zu.",
							 (int) (end - start), s + start, ndigits);
		return ParseFail(err, LENGTH_HINT,
						 "An HS code has 2, 4, 6, 8 or 10 digits; the input has %zu.",
						 ndigits);
	}

	chapter = (int) (digits / pow10_table[ndigits - 2]);
	if (!IsValidChapter(chapter))
		return FailChapter(chapter, err);

	*out = digits * pow10_table[HS_CODE_MAX_DIGITS - ndigits] * 16 + (int64_t) ndigits;
	return true;
}

bool
HsCodeValidatePacked(int64_t v, ParseError *err)
{
	int64_t		len;
	int64_t		digits;
	int			chapter;

	if (v < 0)
		return ParseFail(err, NULL, "The packed value %lld is negative.",
						 (long long) v);
	len = v % 16;
	digits = v / 16;
	if (!IsValidLength(len))
		return ParseFail(err, NULL,
						 "The packed value %lld has length %lld; an HS code has 2, 4, 6, 8 or 10 digits.",
						 (long long) v, (long long) len);
	if (digits >= pow10_table[HS_CODE_MAX_DIGITS])
		return ParseFail(err, NULL,
						 "The packed value %lld has more than 10 digits.",
						 (long long) v);
	if (digits % pow10_table[HS_CODE_MAX_DIGITS - len] != 0)
		return ParseFail(err, NULL,
						 "The packed value %lld has length %lld but nonzero digits beyond it.",
						 (long long) v, (long long) len);
	chapter = (int) (digits / pow10_table[HS_CODE_MAX_DIGITS - 2]);
	if (!IsValidChapter(chapter))
		return FailChapter(chapter, err);
	return true;
}

int
HsCodeDigits(int64_t v, char *buf, size_t len)
{
	int64_t		digits;
	int			n;

	if (!HsCodeValidatePacked(v, NULL) || len < (size_t) HsCodeLength(v) + 1)
		return -1;
	n = HsCodeLength(v);
	digits = v / 16;
	for (int i = HS_CODE_MAX_DIGITS - 1; i >= 0; i--)
	{
		if (i < n)
			buf[i] = (char) ('0' + digits % 10);
		digits /= 10;
	}
	buf[n] = '\0';
	return n;
}

int
HsCodeFormat(int64_t v, char *buf, size_t len)
{
	char		digits[HS_CODE_DIGITS_BUFLEN];
	int			n = HsCodeDigits(v, digits, sizeof(digits));
	int			o = 0;

	/* 2 or 4 digits as they are, then one dot per further pair. */
	if (n < 0 || len < (size_t) (n + (n > 4 ? (n - 4) / 2 : 0) + 1))
		return -1;
	for (int i = 0; i < n; i++)
	{
		if (i >= 4 && i % 2 == 0)
			buf[o++] = '.';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return o;
}

int
HsCodeLength(int64_t v)
{
	return (int) (v % 16);
}

int64_t
HsCodeTruncate(int64_t v, int ndigits)
{
	int64_t		scale;

	if (!IsValidLength(ndigits) || ndigits > HsCodeLength(v))
		return -1;
	scale = pow10_table[HS_CODE_MAX_DIGITS - ndigits];
	return (v / 16) / scale * scale * 16 + ndigits;
}

bool
HsCodeContains(int64_t a, int64_t b)
{
	int			la = HsCodeLength(a);

	return la <= HsCodeLength(b) && HsCodeTruncate(b, la) == a;
}

int
HsCodePrefixes(int64_t v, int64_t *out)
{
	int			n = 0;

	for (int len = 2; len <= HsCodeLength(v); len += 2)
		out[n++] = HsCodeTruncate(v, len);
	return n;
}
