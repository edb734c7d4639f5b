/*
 * amount_parse.c
 *	  Parse and format cbl.amount text and its aggregate state.
 *
 * Pure C (see amount_parse.h).  Every path that fails fills a ParseError;
 * nothing here allocates, so arbitrary input cannot leak.
 */
#include <ctype.h>
#include <string.h>

#include "amount_parse.h"

static const char *
SkipSpace(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Read three letters as an upper-case code into buf; returns chars read. */
static int
ReadCode(const char *p, char buf[4])
{
	int			n = 0;

	while (n < 4 && isalpha((unsigned char) p[n]))
	{
		if (n < 3)
			buf[n] = (char) toupper((unsigned char) p[n]);
		n++;
	}
	buf[n < 3 ? n : 3] = '\0';
	return n;
}

/*
 * Read a decimal number into micro-units.  *consumed gets the characters
 * used; returns false (with err) on bad syntax, excess decimals or overflow.
 */
static bool
ReadNumber(const char *p, int64_t *micros, int *consumed, ParseError *err)
{
	const char *start = p;
	bool		negative = false;
	uint64_t	whole = 0;
	uint64_t	frac = 0;
	int			int_digits = 0;
	int			frac_digits = 0;
	const uint64_t max_whole = (uint64_t) (AMOUNT_MAX_MICROS / AMOUNT_UNIT);

	if (*p == '+' || *p == '-')
		negative = (*p++ == '-');
	while (isdigit((unsigned char) *p))
	{
		whole = whole * 10 + (uint64_t) (*p - '0');
		if (whole > max_whole)
			goto out_of_range;
		int_digits++;
		p++;
	}
	if (*p == '.')
	{
		p++;
		while (isdigit((unsigned char) *p))
		{
			if (frac_digits == AMOUNT_SCALE)
			{
				/* Extra decimals are fine only if they are zeros. */
				if (*p != '0')
				{
					const char *q = p;

					while (isdigit((unsigned char) *q))
						q++;
					return ParseFail(err,
									 "Round the value to six decimals first.",
									 "cbl.amount keeps at most 6 decimal places; \"%.*s\" has more.",
									 (int) (q - start), start);
				}
			}
			else
			{
				frac = frac * 10 + (uint64_t) (*p - '0');
				frac_digits++;
			}
			p++;
		}
	}
	if (int_digits == 0 && frac_digits == 0)
		return ParseFail(err, "Write the amount as a number and a currency code, such as \"12.34 USD\".",
						 "The amount has no digits.");
	while (frac_digits < AMOUNT_SCALE)
	{
		frac *= 10;
		frac_digits++;
	}
	{
		uint64_t	magnitude = whole * (uint64_t) AMOUNT_UNIT + frac;

		if (magnitude > (uint64_t) AMOUNT_MAX_MICROS)
			goto out_of_range;
		*micros = negative ? -(int64_t) magnitude : (int64_t) magnitude;
	}
	*consumed = (int) (p - start);
	return true;

out_of_range:
	ParseFail(err, NULL,
			  "cbl.amount holds at most 9223372036854.775807 major units either side of zero.");
	if (err)
		err->out_of_range = true;
	return false;
}

static bool
UnknownCurrency(ParseError *err, const char *code)
{
	return ParseFail(err,
					 "Currency codes are ISO 4217 alphabetic codes such as USD or EUR; table cbl.currency lists them.",
					 "\"%s\" is not a current ISO 4217 currency code.", code);
}

bool
AmountParse(const char *str, int64_t *micros, const CurrencyInfo **currency, ParseError *err)
{
	const char *p = SkipSpace(str);
	char		code[4];
	int			n;
	int			used = 0;
	bool		code_first;

	if (*p == '\0')
		return ParseFail(err, "Write the amount as a number and a currency code, such as \"12.34 USD\".",
						 "The input is empty.");

	code_first = isalpha((unsigned char) *p);
	if (code_first)
	{
		n = ReadCode(p, code);
		if (n != 3)
			return ParseFail(err, NULL, "A currency code has three letters.");
		p = SkipSpace(p + n);
	}
	if (!(isdigit((unsigned char) *p) || *p == '.' || *p == '+' || *p == '-'))
		return ParseFail(err, "Write the amount as a number and a currency code, such as \"12.34 USD\".",
						 code_first ? "Expected a number after the currency code."
						 : "Expected a number.");
	if (!ReadNumber(p, micros, &used, err))
		return false;
	p += used;
	if (!code_first)
	{
		const char *before = p;

		p = SkipSpace(p);
		if (*p == '\0')
			return ParseFail(err, "Write the amount as a number and a currency code, such as \"12.34 USD\".",
							 "The currency code is missing.");
		if (p == before || !isalpha((unsigned char) *p))
			return ParseFail(err, NULL,
							 "Unexpected character \"%c\" after the number.", *p);
		n = ReadCode(p, code);
		if (n != 3)
			return ParseFail(err, NULL, "A currency code has three letters.");
		p += n;
	}
	p = SkipSpace(p);
	if (*p != '\0')
		return ParseFail(err, NULL, "Unexpected character \"%c\" after the amount.", *p);

	*currency = CurrencyLookup(code, 3);
	if (*currency == NULL)
		return UnknownCurrency(err, code);
	return true;
}

bool
AmountValidatePacked(int64_t micros, CurrencyCode currency, ParseError *err)
{
	if (micros < AMOUNT_MIN_MICROS)
		return ParseFail(err, NULL, "The value is below the smallest cbl.amount.");
	if (CurrencyFromCode(currency) == NULL)
		return ParseFail(err, NULL, "Currency code %u is not a current ISO 4217 currency.",
						 (unsigned) currency);
	return true;
}

int
AmountDisplayScale(int64_t micros, const CurrencyInfo *currency)
{
	int			scale = currency->minor_unit > 0 ? currency->minor_unit : 0;
	int64_t		frac = micros % AMOUNT_UNIT;
	int			needed = AMOUNT_SCALE;

	if (frac < 0)
		frac = -frac;
	if (frac == 0)
		needed = 0;
	else
		while (frac % 10 == 0)
		{
			frac /= 10;
			needed--;
		}
	return needed > scale ? needed : scale;
}

int
AmountFormat(int64_t micros, const CurrencyInfo *currency, char *buf, size_t buflen)
{
	uint64_t	magnitude = micros < 0 ? (uint64_t) (-micros) : (uint64_t) micros;
	uint64_t	whole = magnitude / (uint64_t) AMOUNT_UNIT;
	uint64_t	frac = magnitude % (uint64_t) AMOUNT_UNIT;
	int			scale = AmountDisplayScale(micros, currency);
	char		tmp[AMOUNT_TEXT_MAX];
	int			n = 0;
	int			len = 0;

	/* Written by hand: this is every amount's output path, and snprintf is slow. */
	if (buflen < AMOUNT_TEXT_MAX)
		return -1;
	do
	{
		tmp[n++] = (char) ('0' + whole % 10);
		whole /= 10;
	} while (whole != 0);
	if (micros < 0)
		buf[len++] = '-';
	while (n > 0)
		buf[len++] = tmp[--n];
	if (scale > 0)
	{
		buf[len++] = '.';
		for (int i = 0; i < scale; i++)
		{
			uint64_t	div = (uint64_t) AMOUNT_UNIT;

			for (int k = 0; k <= i; k++)
				div /= 10;
			buf[len++] = (char) ('0' + (frac / div) % 10);
		}
	}
	buf[len++] = ' ';
	memcpy(buf + len, currency->code, 3);
	len += 3;
	buf[len] = '\0';
	return len;
}

/* ---- aggregate state ---------------------------------------------------- */

/* Read an optionally signed decimal 128-bit integer; false on overflow. */
bool
ParseInt128(const char **pp, __int128 *out)
{
	const char *p = *pp;
	bool		negative = false;
	unsigned __int128 v = 0;
	const unsigned __int128 limit = ((unsigned __int128) 1 << 126);
	int			digits = 0;

	if (*p == '-')
	{
		negative = true;
		p++;
	}
	while (isdigit((unsigned char) *p))
	{
		v = v * 10 + (unsigned) (*p - '0');
		if (v > limit)
			return false;
		digits++;
		p++;
	}
	if (digits == 0)
		return false;
	*out = negative ? -(__int128) v : (__int128) v;
	*pp = p;
	return true;
}

bool
AmountAccumParse(const char *str, AmountAccumValue *out, ParseError *err)
{
	const char *p = SkipSpace(str);
	__int128	count;
	char		code[4];
	int			n;
	static const char hint[] = "The state of cbl.amount aggregates reads \"(count,sum of micro-units,currency)\", such as \"(2,3500000,USD)\".";

	if (*p++ != '(')
		return ParseFail(err, hint, "Expected \"(\".");
	if (!ParseInt128(&p, &count) || count < 0 || count > INT64_MAX)
		return ParseFail(err, hint, "The count must be a whole number from 0 to 9223372036854775807.");
	if (*p++ != ',')
		return ParseFail(err, hint, "Expected \",\" after the count.");
	if (!ParseInt128(&p, &out->sum))
		return ParseFail(err, hint, "The sum must be a whole number of micro-units, at most 2^126 in magnitude.");
	if (*p++ != ',')
		return ParseFail(err, hint, "Expected \",\" after the sum.");
	n = ReadCode(p, code);
	p += n;
	if (*p++ != ')')
		return ParseFail(err, hint, "Expected \")\" after the currency.");
	if (*SkipSpace(p) != '\0')
		return ParseFail(err, hint, "Unexpected text after \")\".");

	out->count = (int64_t) count;
	if (count == 0)
	{
		if (n != 0 || out->sum != 0)
			return ParseFail(err, hint, "An empty state has sum 0 and no currency.");
		out->currency = CURRENCY_NONE;
		return true;
	}
	if (n != 3)
		return ParseFail(err, hint, "A non-empty state names a three-letter currency.");
	{
		const CurrencyInfo *info = CurrencyLookup(code, 3);
		__int128	bound = (__int128) out->count * AMOUNT_MAX_MICROS;

		if (info == NULL)
			return UnknownCurrency(err, code);
		if (out->sum > bound || out->sum < -bound)
			return ParseFail(err, hint, "The sum is larger than count amounts can add up to.");
		out->currency = CurrencyPack(info);
	}
	return true;
}

/* Write a 128-bit integer in decimal; returns the length. */
static int
FormatInt128(__int128 v, char *buf)
{
	char		tmp[48];
	int			n = 0;
	int			len = 0;
	unsigned __int128 m = v < 0 ? -(unsigned __int128) v : (unsigned __int128) v;

	do
	{
		tmp[n++] = (char) ('0' + (int) (m % 10));
		m /= 10;
	} while (m != 0);
	if (v < 0)
		buf[len++] = '-';
	while (n > 0)
		buf[len++] = tmp[--n];
	buf[len] = '\0';
	return len;
}

int
AmountAccumFormat(const AmountAccumValue *v, char *buf, size_t buflen)
{
	char		sum[48];
	const CurrencyInfo *info = CurrencyFromCode(v->currency);

	FormatInt128(v->sum, sum);
	return snprintf(buf, buflen, "(%lld,%s,%s)", (long long) v->count, sum,
					info ? info->code : "");
}
