/*
 * check_digit.c
 *	  Parse, format and validate the check-digit identifiers: IATA air
 *	  waybill numbers, ISO 6346 container numbers and UPU S10 item
 *	  identifiers.  See check_digit.h for the packed layouts.
 *
 * Pure C: no PostgreSQL headers, so the fuzz targets can link it.  The input
 * may be any bytes; only ASCII letters, digits and the separators count, and
 * everything is checked by hand (no <ctype.h>, whose answers depend on the
 * locale).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check_digit.h"
#include "currency.h"
#include "parse_error.h"

/* The syntax shared by the three types: what the compacting pass accepts. */
typedef struct IdentSyntax
{
	const char *what;			/* "An air waybill number", starts a sentence */
	int			nsig;			/* letters and digits in a valid identifier */
	bool		digits_only;	/* letters are unexpected characters */
	const char *unit;			/* what nsig counts: "digits" */
	const char *separators;		/* bytes that may separate the parts */
	uint32_t	breaks;			/* bit n: a separator may follow n letters/digits */
	const char *break_rule;		/* where separators may go, for the detail */
	const char *hint;			/* the expected form, for format errors */
} IdentSyntax;

static const IdentSyntax awb_syntax = {
	.what = "An air waybill number",
	.nsig = 11,
	.digits_only = true,
	.unit = "digits",
	.separators = "- ",
	.breaks = 1u << 3,
	.break_rule = "a hyphen or space may only follow the 3-digit airline prefix",
	.hint = "An air waybill number is a 3-digit airline prefix and an 8-digit serial number, e.g. 176-12345675.",
};

static const IdentSyntax container_syntax = {
	.what = "A container number",
	.nsig = 11,
	.digits_only = false,
	.unit = "letters and digits",
	.separators = "- ",
	.breaks = (1u << 3) | (1u << 4) | (1u << 10),
	.break_rule = "a space or hyphen may only separate the owner code, category identifier, serial number and check digit",
	.hint = "A container number is a 3-letter owner code, a category identifier (U, J or Z), a 6-digit serial number and a check digit, e.g. CSQU3054383.",
};

static const IdentSyntax s10_syntax = {
	.what = "An S10 item identifier",
	.nsig = 13,
	.digits_only = false,
	.unit = "letters and digits",
	.separators = " ",
	.breaks = (1u << 2) | (1u << 5) | (1u << 8) | (1u << 10) | (1u << 11),
	.break_rule = "a space may only follow the service indicator, the third and sixth serial digits, the serial number and the check digit",
	.hint = "An S10 item identifier is a 2-letter service indicator, an 8-digit serial number, a check digit and a 2-letter country code, e.g. RR123456785CN.",
};

static inline bool
IsDigit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
IsUpper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static inline bool
IsLetter(unsigned char c)
{
	return IsUpper(c) || (c >= 'a' && c <= 'z');
}

static inline bool
IsSpace(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline bool
IsSeparator(const IdentSyntax *syn, unsigned char c)
{
	return c != '\0' && strchr(syn->separators, c) != NULL;
}

/*
 * Compact
 *	  Trim s, check its characters and separators against syn, and copy its
 *	  letters (upper-cased) and digits into out[0 .. syn->nsig], which ends
 *	  with a NUL.  The first problem found, in this order, is reported: empty
 *	  input, an unexpected byte, the wrong number of letters and digits, a
 *	  misplaced separator.
 */
static bool
Compact(const char *s, const IdentSyntax *syn, char *out, ParseError *err)
{
	size_t		start = 0;
	size_t		end = strlen(s);
	size_t		n = 0;			/* letters and digits seen */
	size_t		bad_sep = SIZE_MAX; /* offset of the first misplaced separator */

	while (start < end && IsSpace((unsigned char) s[start]))
		start++;
	while (end > start && IsSpace((unsigned char) s[end - 1]))
		end--;
	if (start == end)
		return ParseFail(err, syn->hint, "The input is empty.");

	for (size_t i = start; i < end; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (IsDigit(c) || (!syn->digits_only && IsLetter(c)))
		{
			if (n < (size_t) syn->nsig)
				out[n] = (c >= 'a' && c <= 'z') ? (char) (c - 'a' + 'A') : (char) c;
			n++;
		}
		else if (IsSeparator(syn, c))
		{
			bool		ok = n < 32 && (syn->breaks & (1u << n)) != 0 &&
				!IsSeparator(syn, (unsigned char) s[i - 1]);

			if (!ok && bad_sep == SIZE_MAX)
				bad_sep = i;
		}
		else if (c >= 0x21 && c <= 0x7e && c != '"')
			return ParseFail(err, syn->hint,
							 "Unexpected character \"%c\" at position %zu.", c, i + 1);
		else
			return ParseFail(err, syn->hint,
							 "Unexpected byte 0x%02X at position %zu.", c, i + 1);
	}

	if (n != (size_t) syn->nsig)
		return ParseFail(err, syn->hint, "%s has %d %s, not %zu.",
						 syn->what, syn->nsig, syn->unit, n);
	if (bad_sep != SIZE_MAX)
		return ParseFail(err, syn->hint, "Unexpected \"%c\" at position %zu: %s.",
						 s[bad_sep], bad_sep + 1, syn->break_rule);
	out[n] = '\0';
	return true;
}

/* The value of n decimal digits. */
static int64_t
DigitsValue(const char *d, int n)
{
	int64_t		v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + (d[i] - '0');
	return v;
}

/* Write v as exactly n decimal digits (v < 10^n). */
static void
WriteDigits(int64_t v, char *d, int n)
{
	for (int i = n - 1; i >= 0; i--)
	{
		d[i] = (char) ('0' + v % 10);
		v /= 10;
	}
}

/* Write v (< 26^n) as exactly n letters, A = 0. */
static void
WriteLetters(int64_t v, char *d, int n)
{
	for (int i = n - 1; i >= 0; i--)
	{
		d[i] = (char) ('A' + v % 26);
		v /= 26;
	}
}

/* The value of n upper-case letters in base 26, A = 0. */
static int64_t
LettersValue(const char *d, int n)
{
	int64_t		v = 0;

	for (int i = 0; i < n; i++)
		v = v * 26 + (d[i] - 'A');
	return v;
}

static bool
AllDigits(const char *d, int n)
{
	for (int i = 0; i < n; i++)
		if (!IsDigit((unsigned char) d[i]))
			return false;
	return true;
}

static bool
AllUpper(const char *d, int n)
{
	for (int i = 0; i < n; i++)
		if (!IsUpper((unsigned char) d[i]))
			return false;
	return true;
}

/* "Check digit should be 5, not 0." */
static bool
CheckDigitFail(ParseError *err, int expected, char found)
{
	return ParseFail(err, NULL, "Check digit should be %d, not %c.", expected, found);
}

/* ---------------------------------------------------------------------------
 * IATA air waybill number: 3-digit airline prefix, 7-digit serial, check
 * digit = the 7-digit serial modulo 7.
 */

int
AwbCheckDigit(const char *serial7)
{
	return (int) (DigitsValue(serial7, 7) % 7);
}

bool
AwbParse(const char *s, int64_t *out, ParseError *err)
{
	char		d[12];
	int			check;

	if (!Compact(s, &awb_syntax, d, err))
		return false;
	check = AwbCheckDigit(d + 3);
	if (d[10] - '0' != check)
		return CheckDigitFail(err, check, d[10]);
	*out = DigitsValue(d, 11);
	return true;
}

int
AwbFormat(int64_t v, char *buf, size_t len)
{
	if (v < 0 || v >= AWB_PACKED_LIMIT || len < AWB_TEXT_LEN + 1)
		return -1;
	WriteDigits(v / INT64_C(100000000), buf, 3);
	buf[3] = '-';
	WriteDigits(v % INT64_C(100000000), buf + 4, 8);
	buf[AWB_TEXT_LEN] = '\0';
	return AWB_TEXT_LEN;
}

/* ---------------------------------------------------------------------------
 * ISO 6346 container number: owner code (3 letters), category identifier
 * (U, J or Z), 6-digit serial, check digit.
 */

/*
 * Letter values: A = 10 upwards, skipping the multiples of 11, so
 * A=10 B=12 ... K=21 L=23 ... U=32 V=34 ... Z=38.
 */
static int
ContainerLetterValue(char c)
{
	int			v = 10 + (c - 'A');

	/* one skip for each multiple of 11 (11, 22, 33) passed on the way */
	if (v >= 11)
		v++;
	if (v >= 22)
		v++;
	if (v >= 33)
		v++;
	return v;
}

int
ContainerNoCheckDigit(const char *first10)
{
	int			sum = 0;

	for (int i = 0; i < 10; i++)
	{
		int			value = i < 4 ? ContainerLetterValue(first10[i]) : first10[i] - '0';

		sum += value << i;
	}
	return sum % 11 % 10;
}

bool
ContainerNoParse(const char *s, int64_t *out, ParseError *err)
{
	char		c[12];
	int			check;

	if (!Compact(s, &container_syntax, c, err))
		return false;
	if (!AllUpper(c, 3))
		return ParseFail(err, container_syntax.hint,
						 "The owner code must be three letters, not \"%.3s\".", c);
	if (c[3] != 'U' && c[3] != 'J' && c[3] != 'Z')
		return ParseFail(err, container_syntax.hint,
						 "The category identifier must be U, J or Z, not \"%c\".", c[3]);
	if (!AllDigits(c + 4, 6))
		return ParseFail(err, container_syntax.hint,
						 "The serial number must be six digits, not \"%.6s\".", c + 4);
	if (!IsDigit((unsigned char) c[10]))
		return ParseFail(err, container_syntax.hint,
						 "The check digit must be a digit, not \"%c\".", c[10]);
	check = ContainerNoCheckDigit(c);
	if (c[10] - '0' != check)
		return CheckDigitFail(err, check, c[10]);
	*out = LettersValue(c, 4) * INT64_C(10000000) + DigitsValue(c + 4, 7);
	return true;
}

int
ContainerNoFormat(int64_t v, char *buf, size_t len)
{
	if (v < 0 || v >= CONTAINER_NO_PACKED_LIMIT || len < CONTAINER_NO_TEXT_LEN + 1)
		return -1;
	WriteLetters(v / INT64_C(10000000), buf, 4);
	WriteDigits(v % INT64_C(10000000), buf + 4, 7);
	buf[CONTAINER_NO_TEXT_LEN] = '\0';
	return CONTAINER_NO_TEXT_LEN;
}

/* ---------------------------------------------------------------------------
 * UPU S10 item identifier: service indicator (2 letters), 8-digit serial,
 * check digit, ISO 3166-1 alpha-2 country code.
 */

int
S10CheckDigit(const char *serial8)
{
	static const int weights[8] = {8, 6, 4, 2, 3, 5, 9, 7};
	int			sum = 0;
	int			check;

	for (int i = 0; i < 8; i++)
		sum += (serial8[i] - '0') * weights[i];
	check = 11 - sum % 11;
	if (check == 10)
		return 0;
	if (check == 11)
		return 5;
	return check;
}

bool
S10Parse(const char *s, int64_t *out, ParseError *err)
{
	char		c[14];
	int			check;

	if (!Compact(s, &s10_syntax, c, err))
		return false;
	if (!AllUpper(c, 2))
		return ParseFail(err, s10_syntax.hint,
						 "The service indicator must be two letters, not \"%.2s\".", c);
	if (!AllDigits(c + 2, 8))
		return ParseFail(err, s10_syntax.hint,
						 "The serial number must be eight digits, not \"%.8s\".", c + 2);
	if (!IsDigit((unsigned char) c[10]))
		return ParseFail(err, s10_syntax.hint,
						 "The check digit must be a digit, not \"%c\".", c[10]);
	if (!AllUpper(c + 11, 2))
		return ParseFail(err, s10_syntax.hint,
						 "The country code must be two letters, not \"%.2s\".", c + 11);
	if (!CountryCodeIsValid(c + 11))
		return ParseFail(err, NULL,
						 "The country code \"%.2s\" is not an ISO 3166-1 alpha-2 code.", c + 11);
	check = S10CheckDigit(c + 2);
	if (c[10] - '0' != check)
		return CheckDigitFail(err, check, c[10]);
	*out = (LettersValue(c, 2) * INT64_C(1000000000) + DigitsValue(c + 2, 9)) * 676 +
		LettersValue(c + 11, 2);
	return true;
}

int
S10Format(int64_t v, char *buf, size_t len)
{
	int64_t		body;

	if (v < 0 || v >= S10_PACKED_LIMIT || len < S10_TEXT_LEN + 1)
		return -1;
	body = v / 676;
	WriteLetters(body / INT64_C(1000000000), buf, 2);
	WriteDigits(body % INT64_C(1000000000), buf + 2, 9);
	WriteLetters(v % 676, buf + 11, 2);
	buf[S10_TEXT_LEN] = '\0';
	return S10_TEXT_LEN;
}

/* ---------------------------------------------------------------------------
 * Packed-value validation (binary receive): the value must be in range and
 * its canonical text must parse back to it, which checks the check digit,
 * the container category and the S10 country exactly as input does.
 */

static bool
ValidatePacked(int64_t v, const char *what, int64_t limit,
			   int (*format) (int64_t, char *, size_t),
			   bool (*parse) (const char *, int64_t *, ParseError *),
			   ParseError *err)
{
	char		buf[32];
	int64_t		again;

	if (v < 0 || v >= limit || format(v, buf, sizeof(buf)) < 0)
		return ParseFail(err, NULL, "The packed value %lld is out of range for %s.",
						 (long long) v, what);
	if (!parse(buf, &again, err))
		return false;
	if (again != v)				/* cannot happen: the packing is one-to-one */
		return ParseFail(err, NULL, "The packed value %lld is not canonical.",
						 (long long) v);
	return true;
}

bool
AwbValidatePacked(int64_t v, ParseError *err)
{
	return ValidatePacked(v, "an air waybill number", AWB_PACKED_LIMIT,
						  AwbFormat, AwbParse, err);
}

bool
ContainerNoValidatePacked(int64_t v, ParseError *err)
{
	return ValidatePacked(v, "a container number", CONTAINER_NO_PACKED_LIMIT,
						  ContainerNoFormat, ContainerNoParse, err);
}

bool
S10ValidatePacked(int64_t v, ParseError *err)
{
	return ValidatePacked(v, "an S10 item identifier", S10_PACKED_LIMIT,
						  S10Format, S10Parse, err);
}

/* ---- shipment references ---------------------------------------------------- */

RefKind
ReferenceKindOf(const char *kind, size_t len)
{
	static const char *const plain_kinds[] = {
		"reference", "hawb", "bl", "hbl", "booking", "tracking", "customer_ref", "other", NULL
	};

#define IS(s) (len == strlen(s) && memcmp(kind, s, len) == 0)
	if (IS("awb"))
		return REF_AWB;
	if (IS("container"))
		return REF_CONTAINER;
	if (IS("s10"))
		return REF_S10;
	for (int k = 0; plain_kinds[k] != NULL; k++)
		if (IS(plain_kinds[k]))
			return REF_PLAIN;
#undef IS
	return REF_OTHER;
}

const char *
ReferenceCanonical(RefKind kind, const char *trimmed, char *buf)
{
	bool		(*parse) (const char *, int64_t *, ParseError *);
	int			(*format) (int64_t, char *, size_t);
	int64_t		v;

	switch (kind)
	{
		case REF_PLAIN:
			return trimmed[0] ? trimmed : NULL;
		case REF_AWB:
			parse = AwbParse;
			format = AwbFormat;
			break;
		case REF_CONTAINER:
			parse = ContainerNoParse;
			format = ContainerNoFormat;
			break;
		case REF_S10:
			parse = S10Parse;
			format = S10Format;
			break;
		default:
			return NULL;
	}
	if (!parse(trimmed, &v, NULL) || format(v, buf, REF_CANONICAL_LEN) < 0)
		return NULL;
	return buf;
}
