/*
 * duty_parse.c
 *	  Customs duty expressions: parse published text, format canonically,
 *	  encode and decode the binary form, and compute one term exactly.
 *
 * Pure C: no PostgreSQL headers, so the fuzz target can link it.  Input may
 * be arbitrary bytes; nothing here reads past the terminating NUL, allocates
 * or raises.  See duty_parse.h for the structure and the binary form, and
 * docs/customs.md for the grammar.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "amount_parse.h"
#include "duty_parse.h"
#include "rounding.h"

/* 10^0 .. 10^18 */
static const int64_t pow10_table[19] = {
	INT64_C(1), INT64_C(10), INT64_C(100), INT64_C(1000), INT64_C(10000),
	INT64_C(100000), INT64_C(1000000), INT64_C(10000000), INT64_C(100000000),
	INT64_C(1000000000), INT64_C(10000000000), INT64_C(100000000000),
	INT64_C(1000000000000), INT64_C(10000000000000), INT64_C(100000000000000),
	INT64_C(1000000000000000), INT64_C(10000000000000000),
	INT64_C(100000000000000000), INT64_C(1000000000000000000)
};

#define MILLION INT64_C(1000000)

/* Characters of the rest of the input quoted in a DETAIL. */
#define QUOTE_CHARS 24

#define SYNTAX_HINT \
	"Write Free, a percentage (12%), an amount per unit (95.00 EUR/100 kg, 2.4¢/kg), terms joined by +, and optionally MIN and MAX followed by the same."
#define AFTER_NUMBER_HINT \
	"After a number write %, ¢ or a currency code: 12%, 2.4¢/kg, 95.00 EUR/100 kg."
#define PER_HINT \
	"An amount is for a quantity of a unit: 95.00 EUR/100 kg, 90¢/pr., 0.03 EUR per 1 kg."
#define UNIT_HINT \
	"Units are kg, t, pr (pairs), item (p/st, pcs, No.), doz, l, hl, m, m2 and m3."
#define BOUND_HINT \
	"A rate has at most one minimum (MIN, but not less than) and one maximum (MAX, but not more than)."
#define FREE_HINT \
	"Free stands alone; write 0% to combine a zero rate with other terms."
#define CURRENCY_HINT \
	"Currency codes are ISO 4217 alphabetic codes such as USD or EUR; ¢ is US cents, $ US dollars."

/* ---- units ------------------------------------------------------------ */

typedef struct UnitInfo
{
	const char *name;			/* canonical */
	const char *key;			/* quantity key */
	int64_t		factor;			/* key units per unit */
} UnitInfo;

static const UnitInfo unit_table[DUTY_UNIT_LAST + 1] = {
	{NULL, NULL, 0},
	{"kg", "kg", 1},
	{"t", "kg", 1000},
	{"pr", "pr", 1},
	{"item", "item", 1},
	{"doz", "item", 12},
	{"l", "l", 1},
	{"hl", "l", 100},
	{"m", "m", 1},
	{"m2", "m2", 1},
	{"m3", "m3", 1}
};

typedef struct UnitAlias
{
	const char *alias;			/* lower case */
	uint8_t		unit;
} UnitAlias;

static const UnitAlias unit_aliases[] = {
	{"kg", DUTY_UNIT_KG}, {"kgs", DUTY_UNIT_KG}, {"kilogram", DUTY_UNIT_KG},
	{"kilograms", DUTY_UNIT_KG}, {"kg/net", DUTY_UNIT_KG},
	{"t", DUTY_UNIT_T}, {"tonne", DUTY_UNIT_T}, {"tonnes", DUTY_UNIT_T},
	{"pr", DUTY_UNIT_PR}, {"prs", DUTY_UNIT_PR}, {"pair", DUTY_UNIT_PR},
	{"pairs", DUTY_UNIT_PR},
	{"item", DUTY_UNIT_ITEM}, {"items", DUTY_UNIT_ITEM}, {"p/st", DUTY_UNIT_ITEM},
	{"pce", DUTY_UNIT_ITEM}, {"pc", DUTY_UNIT_ITEM}, {"pcs", DUTY_UNIT_ITEM},
	{"piece", DUTY_UNIT_ITEM}, {"pieces", DUTY_UNIT_ITEM}, {"no", DUTY_UNIT_ITEM},
	{"unit", DUTY_UNIT_ITEM}, {"units", DUTY_UNIT_ITEM},
	{"doz", DUTY_UNIT_DOZ}, {"dozen", DUTY_UNIT_DOZ},
	{"l", DUTY_UNIT_L}, {"ltr", DUTY_UNIT_L}, {"liter", DUTY_UNIT_L},
	{"liters", DUTY_UNIT_L}, {"litre", DUTY_UNIT_L}, {"litres", DUTY_UNIT_L},
	{"hl", DUTY_UNIT_HL}, {"hectolitre", DUTY_UNIT_HL}, {"hectoliter", DUTY_UNIT_HL},
	{"m", DUTY_UNIT_M}, {"metre", DUTY_UNIT_M}, {"meter", DUTY_UNIT_M},
	{"metres", DUTY_UNIT_M}, {"meters", DUTY_UNIT_M},
	{"m2", DUTY_UNIT_M2}, {"m\xC2\xB2", DUTY_UNIT_M2},
	{"m3", DUTY_UNIT_M3}, {"m\xC2\xB3", DUTY_UNIT_M3}
};

const char *
DutyUnitName(int unit)
{
	return unit >= 1 && unit <= DUTY_UNIT_LAST ? unit_table[unit].name : NULL;
}

const char *
DutyUnitKey(int unit)
{
	return unit >= 1 && unit <= DUTY_UNIT_LAST ? unit_table[unit].key : NULL;
}

int64_t
DutyUnitFactor(int unit)
{
	return unit >= 1 && unit <= DUTY_UNIT_LAST ? unit_table[unit].factor : 0;
}

/* ---- the cursor and error reporting -------------------------------------- */

typedef struct Parser
{
	const char *s;
	size_t		pos;
	ParseError *err;
} Parser;

static int
Byte(const Parser *p, size_t at)
{
	return (unsigned char) p->s[at];
}

static bool
IsAsciiSpace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Bytes of whitespace at s + at: ASCII space or UTF-8 no-break space. */
static size_t
SpaceLen(const char *s, size_t at)
{
	if (IsAsciiSpace((unsigned char) s[at]))
		return 1;
	if ((unsigned char) s[at] == 0xC2 && (unsigned char) s[at + 1] == 0xA0)
		return 2;
	return 0;
}

static void
SkipSpace(Parser *p)
{
	size_t		n;

	while ((n = SpaceLen(p->s, p->pos)) > 0)
		p->pos += n;
}

static bool
AtEnd(const Parser *p)
{
	return p->s[p->pos] == '\0';
}

static bool
IsDigit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
IsAlpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
ToLower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Does s + at start with the given UTF-8 bytes? */
static bool
HasBytes(const char *s, size_t at, const char *bytes)
{
	size_t		n = strlen(bytes);

	for (size_t i = 0; i < n; i++)
		if (s[at + i] != bytes[i])
			return false;
	return true;
}

/* Character position (from 1) of byte offset at: UTF-8 lead bytes before it. */
static size_t
CharPosition(const char *s, size_t at)
{
	size_t		n = 1;

	for (size_t i = 0; i < at; i++)
		if (((unsigned char) s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

/*
 * Length of the valid, shortest-form UTF-8 sequence at s (2 to 4 bytes) for
 * a printable character, or 0.  Stops at NUL, which is never a continuation.
 */
static int
Utf8PrintableLen(const unsigned char *s)
{
	uint32_t	c = s[0];
	int			n;
	uint32_t	min;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2, c &= 0x1F, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, c &= 0x0F, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	for (int i = 1; i < n; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) || c < 0xA0)
		return 0;
	return n;
}

/*
 * Quote at most QUOTE_CHARS characters of s from byte at to byte end (the
 * rest of the input when end is 0), trailing whitespace dropped, into buf:
 * printable ASCII and printable UTF-8 as they are, anything else as \xNN, so
 * the DETAIL is always valid UTF-8.  "..." marks a cut.
 */
static void
Quote(const char *s, size_t at, size_t end, char *buf, size_t buflen)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		o = 0;
	int			chars = 0;

	if (end == 0)
		end = strlen(s);
	while (end > at && SpaceLen(s, end - 1) == 1)
		end--;
	if (end >= at + 2 && u[end - 2] == 0xC2 && u[end - 1] == 0xA0)
		end -= 2;
	while (at < end && chars < QUOTE_CHARS && o + 8 < buflen)
	{
		int			n;

		if (u[at] >= 0x20 && u[at] < 0x7F)
			buf[o++] = (char) u[at++];
		else if ((n = Utf8PrintableLen(u + at)) > 0 && at + (size_t) n <= end)
		{
			memcpy(buf + o, s + at, (size_t) n);
			o += (size_t) n;
			at += (size_t) n;
		}
		else
		{
			o += (size_t) snprintf(buf + o, buflen - o, "\\x%02X", u[at]);
			at++;
		}
		chars++;
	}
	if (at < end)
	{
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

/* Offset of the first byte at or after at that is not whitespace. */
static size_t
SkipSpaceFrom(const char *s, size_t at)
{
	size_t		n;

	while ((n = SpaceLen(s, at)) > 0)
		at += n;
	return at;
}

/*
 * Report that the input could not be read at byte at: quote the rest of it,
 * or say that it ended where `expected` was expected.
 */
static bool
FailAt(Parser *p, size_t at, const char *hint, const char *expected)
{
	char		quoted[QUOTE_CHARS * 4 + 8];

	at = SkipSpaceFrom(p->s, at);
	if (p->s[at] == '\0')
		return ParseFail(p->err, hint,
						 "The expression ends at position %zu where %s was expected.",
						 CharPosition(p->s, at), expected);
	Quote(p->s, at, 0, quoted, sizeof(quoted));
	return ParseFail(p->err, hint, "Cannot read \"%s\" at position %zu.",
					 quoted, CharPosition(p->s, at));
}

/* ---- numbers -------------------------------------------------------------- */

typedef struct Number
{
	size_t		start;			/* bytes of the number in the input */
	size_t		end;
	uint64_t	mantissa;		/* its digits, trailing fractional zeros dropped */
	int			scale;			/* decimals of mantissa */
	bool		overflow;		/* more than 18 significant digits */
} Number;

#define MANTISSA_MAX UINT64_C(1000000000000000000)	/* 10^18 */

static void
AppendDigit(Number *n, int digit)
{
	if (n->overflow)
		return;
	if (n->mantissa > (MANTISSA_MAX - (uint64_t) digit) / 10)
		n->overflow = true;
	else
		n->mantissa = n->mantissa * 10 + (uint64_t) digit;
}

/*
 * Read digits, optionally a dot and more digits, at the cursor.  With
 * groups, "1 000" (a single space before each group of exactly three
 * digits) reads as one number, as TARIC writes quantities.  Returns false,
 * consuming nothing, when no digit is there.
 */
static bool
ReadNumber(Parser *p, bool groups, Number *num)
{
	const char *s = p->s;
	size_t		at = p->pos;
	int			zeros = 0;		/* fractional zeros not yet known to matter */

	if (!IsDigit(Byte(p, at)))
		return false;
	memset(num, 0, sizeof(*num));
	num->start = at;
	for (;;)
	{
		while (IsDigit((unsigned char) s[at]))
			AppendDigit(num, s[at++] - '0');
		if (groups && s[at] == ' ' && IsDigit((unsigned char) s[at + 1]) &&
			IsDigit((unsigned char) s[at + 2]) && IsDigit((unsigned char) s[at + 3]) &&
			!IsDigit((unsigned char) s[at + 4]) && s[at + 4] != '.')
		{
			at++;
			continue;
		}
		break;
	}
	if (s[at] == '.' && IsDigit((unsigned char) s[at + 1]))
	{
		at++;
		while (IsDigit((unsigned char) s[at]))
		{
			int			d = s[at++] - '0';

			if (d == 0)
			{
				zeros++;
				continue;
			}
			for (; zeros > 0; zeros--)
			{
				AppendDigit(num, 0);
				num->scale++;
			}
			AppendDigit(num, d);
			num->scale++;
		}
	}
	num->end = at;
	p->pos = at;
	return true;
}

typedef enum ScaleResult
{
	SCALE_OK,
	SCALE_TOO_PRECISE,
	SCALE_TOO_LARGE
} ScaleResult;

/* The number in units of 10^-decimals, at most max. */
static ScaleResult
ScaleNumber(const Number *num, int decimals, int64_t max, int64_t *out)
{
	int64_t		factor;

	if (num->overflow)
		return SCALE_TOO_LARGE;
	if (num->scale > decimals)
		return SCALE_TOO_PRECISE;
	factor = pow10_table[decimals - num->scale];
	if (num->mantissa > (uint64_t) (max / factor))
		return SCALE_TOO_LARGE;
	*out = (int64_t) num->mantissa * factor;
	return SCALE_OK;
}

/* Report a number that is too precise or too large; what names it. */
static bool
FailNumber(Parser *p, const Number *num, ScaleResult r, const char *what,
		   const char *precision, const char *limit)
{
	char		quoted[QUOTE_CHARS * 4 + 8];

	Quote(p->s, num->start, num->end, quoted, sizeof(quoted));
	if (r == SCALE_TOO_PRECISE)
		return ParseFail(p->err, NULL, "The %s \"%s\" at position %zu is more precise than %s.",
						 what, quoted, CharPosition(p->s, num->start), precision);
	ParseFail(p->err, NULL, "The %s \"%s\" at position %zu is above %s.",
			  what, quoted, CharPosition(p->s, num->start), limit);
	if (p->err)
		p->err->out_of_range = true;
	return false;
}

/* ---- words and symbols ------------------------------------------------- */

/*
 * Match a phrase of one or more lower-case words separated by single spaces
 * in the pattern, case-insensitively, with any whitespace between the words
 * of the input and no letter right after the last.  Consumes it if it
 * matches.
 */
static bool
MatchPhrase(Parser *p, const char *phrase)
{
	size_t		at = p->pos;

	for (const char *w = phrase; *w;)
	{
		if (*w == ' ')
		{
			if (SpaceLen(p->s, at) == 0)
				return false;
			at = SkipSpaceFrom(p->s, at);
			w++;
			continue;
		}
		if (ToLower((unsigned char) p->s[at]) != *w)
			return false;
		at++;
		w++;
	}
	if (IsAlpha((unsigned char) p->s[at]))
		return false;
	p->pos = at;
	return true;
}

/* A currency symbol at the cursor: $ (USD), € (EUR), £ (GBP). */
static bool
ReadSymbol(Parser *p, CurrencyCode *ccy)
{
	const char *code;
	size_t		len;

	if (p->s[p->pos] == '$')
		code = "USD", len = 1;
	else if (HasBytes(p->s, p->pos, "\xE2\x82\xAC"))
		code = "EUR", len = 3;
	else if (HasBytes(p->s, p->pos, "\xC2\xA3"))
		code = "GBP", len = 2;
	else
		return false;
	*ccy = CurrencyPack(CurrencyLookup(code, 3));
	p->pos += len;
	return true;
}

/*
 * A three-letter ISO 4217 code (any case) at the cursor.  A run of exactly
 * three letters that is not a currency fails with *failed set; a run of
 * another length is not a code (nothing consumed, *failed false).
 */
static bool
ReadCurrencyCode(Parser *p, CurrencyCode *ccy, bool *failed)
{
	size_t		at = p->pos;
	char		code[3];
	const CurrencyInfo *info;

	*failed = false;
	for (int i = 0; i < 3; i++)
	{
		int			c = (unsigned char) p->s[at + i];

		if (!IsAlpha(c))
			return false;
		code[i] = (char) (c >= 'a' ? c - ('a' - 'A') : c);
	}
	if (IsAlpha((unsigned char) p->s[at + 3]))
		return false;
	info = CurrencyLookup(code, 3);
	if (info == NULL)
	{
		*failed = true;
		return ParseFail(p->err, CURRENCY_HINT,
						 "\"%.3s\" at position %zu is not an ISO 4217 currency code.",
						 p->s + at, CharPosition(p->s, at));
	}
	*ccy = CurrencyPack(info);
	p->pos = at + 3;
	return true;
}

/* A unit (kg, pr., p/st, m², ...) at the cursor, with an optional dot. */
static bool
ReadUnit(Parser *p, uint8_t *unit)
{
	size_t		at = p->pos;
	size_t		end = at;
	char		lower[17];
	size_t		len;

	for (;;)
	{
		int			c = (unsigned char) p->s[end];

		if (IsAlpha(c) || IsDigit(c) || c == '/')
			end++;
		else if (c == 0xC2 && ((unsigned char) p->s[end + 1] == 0xB2 ||
							   (unsigned char) p->s[end + 1] == 0xB3))
			end += 2;
		else
			break;
	}
	if (end == at)
		return FailAt(p, at, UNIT_HINT, "a unit");
	len = end - at;
	if (len < sizeof(lower))
	{
		for (size_t i = 0; i < len; i++)
			lower[i] = (char) ToLower((unsigned char) p->s[at + i]);
		lower[len] = '\0';
		for (size_t i = 0; i < sizeof(unit_aliases) / sizeof(unit_aliases[0]); i++)
		{
			if (strcmp(lower, unit_aliases[i].alias) == 0)
			{
				*unit = unit_aliases[i].unit;
				p->pos = end;
				/* an abbreviation's dot: "pr.", "doz.", "No." */
				if (p->s[p->pos] == '.' && !IsDigit((unsigned char) p->s[p->pos + 1]))
					p->pos++;
				return true;
			}
		}
	}
	{
		char		quoted[QUOTE_CHARS * 4 + 8];

		Quote(p->s, at, end, quoted, sizeof(quoted));
		return ParseFail(p->err, UNIT_HINT, "Unknown unit \"%s\" at position %zu.",
						 quoted, CharPosition(p->s, at));
	}
}

/* ---- the grammar ------------------------------------------------------------ */

/*
 * The rest of a specific term once its amount is read: "/" or "per", an
 * optional quantity (1 if none), a unit.
 */
static bool
FinishSpecific(Parser *p, DutyTerm *t, const Number *num, CurrencyCode ccy, int decimals)
{
	int64_t		micros;
	int64_t		per = MILLION;
	ScaleResult r;
	Number		q;

	/* decimals is 6 for an amount in its currency, 4 for US cents */
	r = ScaleNumber(num, decimals, DUTY_MAX_AMOUNT_MICROS, &micros);
	if (r != SCALE_OK)
		return FailNumber(p, num, r, "amount",
						  decimals == 4 ? "a millionth of a dollar" : "a millionth of its currency",
						  "1000000000 units of its currency");
	SkipSpace(p);
	if (p->s[p->pos] == '/')
		p->pos++;
	else if (!MatchPhrase(p, "per"))
		return FailAt(p, p->pos, PER_HINT, "/ and a unit");
	SkipSpace(p);
	if (ReadNumber(p, true, &q))
	{
		r = ScaleNumber(&q, 6, DUTY_MAX_PER_MICROS, &per);
		if (r != SCALE_OK)
			return FailNumber(p, &q, r, "quantity", "a millionth of the unit", "1000000000");
		if (per == 0)
		{
			char		quoted[QUOTE_CHARS * 4 + 8];

			Quote(p->s, q.start, q.end, quoted, sizeof(quoted));
			return ParseFail(p->err, PER_HINT,
							 "The quantity \"%s\" at position %zu must be more than zero.",
							 quoted, CharPosition(p->s, q.start));
		}
		SkipSpace(p);
	}
	if (!ReadUnit(p, &t->unit))
		return false;
	t->kind = DUTY_SPECIFIC;
	t->currency = ccy;
	t->value = micros;
	t->per = per;
	return true;
}

/* One term: a percentage, or an amount per a quantity of a unit. */
static bool
ParseTerm(Parser *p, DutyTerm *t)
{
	size_t		start;
	Number		num;
	CurrencyCode ccy;
	bool		failed;

	memset(t, 0, sizeof(*t));
	SkipSpace(p);
	start = p->pos;

	/* $1.35/kg, € 3/item */
	if (ReadSymbol(p, &ccy))
	{
		SkipSpace(p);
		if (!ReadNumber(p, false, &num))
			return FailAt(p, p->pos, SYNTAX_HINT, "a number");
		return FinishSpecific(p, t, &num, ccy, 6);
	}

	if (ReadNumber(p, false, &num))
	{
		ScaleResult r;

		SkipSpace(p);
		if (p->s[p->pos] == '%')
		{
			p->pos++;
			r = ScaleNumber(&num, 6, DUTY_MAX_PERCENT_MICROS, &t->value);
			if (r != SCALE_OK)
				return FailNumber(p, &num, r, "percentage", "a millionth of a percent", "100000%");
			t->kind = DUTY_AD_VALOREM;
			return true;
		}
		if (HasBytes(p->s, p->pos, "\xC2\xA2"))	/* ¢: US cents */
		{
			p->pos += 2;
			return FinishSpecific(p, t, &num, CurrencyPack(CurrencyLookup("USD", 3)), 4);
		}
		if (ReadSymbol(p, &ccy) || ReadCurrencyCode(p, &ccy, &failed))
			return FinishSpecific(p, t, &num, ccy, 6);
		if (failed)
			return false;
		return FailAt(p, p->pos, AFTER_NUMBER_HINT, "%, ¢ or a currency code");
	}

	/* EUR 3/item */
	if (ReadCurrencyCode(p, &ccy, &failed))
	{
		SkipSpace(p);
		if (!ReadNumber(p, false, &num))
			return FailAt(p, p->pos, SYNTAX_HINT, "a number");
		return FinishSpecific(p, t, &num, ccy, 6);
	}
	if (failed)
		return false;
	return FailAt(p, start, SYNTAX_HINT, "a percentage or an amount");
}

/* Terms joined by "+", into one part of the rate. */
static bool
ParseSum(Parser *p, DutyRate *out, int part)
{
	int			n = 0;

	for (;;)
	{
		if (n == DUTY_MAX_TERMS)
			return ParseFail(p->err, NULL,
							 "A part of a rate has at most %d terms; another starts at position %zu.",
							 DUTY_MAX_TERMS, CharPosition(p->s, SkipSpaceFrom(p->s, p->pos)));
		if (!ParseTerm(p, &out->terms[part][n]))
			return false;
		n++;
		SkipSpace(p);
		if (p->s[p->pos] != '+')
			break;
		p->pos++;
	}
	out->nterms[part] = (uint8_t) n;
	return true;
}

/* MIN or MAX in one of its spellings at the cursor; the part, or -1. */
static int
MatchBound(Parser *p)
{
	static const char *const min_words[] = {
		"but not less than", "not less than", "minimum", "min"
	};
	static const char *const max_words[] = {
		"but not more than", "not more than", "but not to exceed", "not to exceed",
		"maximum", "max"
	};

	for (size_t i = 0; i < sizeof(min_words) / sizeof(min_words[0]); i++)
		if (MatchPhrase(p, min_words[i]))
		{
			if (p->s[p->pos] == '.')
				p->pos++;
			return DUTY_PART_MIN;
		}
	for (size_t i = 0; i < sizeof(max_words) / sizeof(max_words[0]); i++)
		if (MatchPhrase(p, max_words[i]))
		{
			if (p->s[p->pos] == '.')
				p->pos++;
			return DUTY_PART_MAX;
		}
	return -1;
}

bool
DutyParse(const char *s, DutyRate *out, ParseError *err)
{
	Parser		p = {s, 0, err};

	memset(out, 0, sizeof(*out));
	SkipSpace(&p);
	if (AtEnd(&p))
		return ParseFail(err, SYNTAX_HINT, "The duty expression is empty.");

	if (MatchPhrase(&p, "free"))
	{
		SkipSpace(&p);
		if (!AtEnd(&p))
			return FailAt(&p, p.pos, FREE_HINT, "nothing");
		return true;
	}

	if (!ParseSum(&p, out, DUTY_PART_MAIN))
		return false;
	for (;;)
	{
		size_t		at;
		size_t		keyword;
		int			part;

		SkipSpace(&p);
		if (AtEnd(&p))
			break;
		at = p.pos;
		if (p.s[p.pos] == ',')
		{
			p.pos++;
			SkipSpace(&p);
		}
		keyword = p.pos;
		part = MatchBound(&p);
		if (part < 0)
			return FailAt(&p, at, SYNTAX_HINT, "MIN or MAX");
		if (out->nterms[part] > 0)
			return ParseFail(err, BOUND_HINT, "A second %s at position %zu; a rate has one at most.",
							 part == DUTY_PART_MIN ? "minimum" : "maximum",
							 CharPosition(s, keyword));
		if (!ParseSum(&p, out, part))
			return false;
	}
	return true;
}

/* ---- formatting ------------------------------------------------------------ */

int
DutyFormatMillionths(int64_t v, char *buf, size_t len)
{
	uint64_t	magnitude = v < 0 ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v;
	uint64_t	whole = magnitude / (uint64_t) MILLION;
	uint64_t	frac = magnitude % (uint64_t) MILLION;
	int			decimals = 6;
	int			n;

	if (len < 24)
		return -1;
	while (decimals > 0 && frac % 10 == 0)
	{
		frac /= 10;
		decimals--;
	}
	if (decimals == 0)
		n = snprintf(buf, len, "%s%llu", v < 0 ? "-" : "", (unsigned long long) whole);
	else
		n = snprintf(buf, len, "%s%llu.%0*llu", v < 0 ? "-" : "", (unsigned long long) whole,
					 decimals, (unsigned long long) frac);
	return n;
}

/* Appends to a buffer, remembering whether anything did not fit. */
typedef struct Out
{
	char	   *buf;
	size_t		len;
	size_t		used;
	bool		overflow;
} Out;

static void
Put(Out *o, const char *s)
{
	size_t		n = strlen(s);

	if (o->overflow || o->used + n + 1 > o->len)
	{
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->used, s, n + 1);
	o->used += n;
}

int
DutyFormatTerm(const DutyTerm *t, char *buf, size_t len)
{
	Out			o = {buf, len, 0, len == 0};
	char		tmp[AMOUNT_TEXT_MAX];

	if (len > 0)
		buf[0] = '\0';
	if (t->kind == DUTY_AD_VALOREM)
	{
		DutyFormatMillionths(t->value, tmp, sizeof(tmp));
		Put(&o, tmp);
		Put(&o, "%");
	}
	else if (t->kind == DUTY_SPECIFIC)
	{
		const CurrencyInfo *info = CurrencyFromCode(t->currency);
		const char *unit = DutyUnitName(t->unit);

		if (info == NULL || unit == NULL)
			return -1;
		AmountFormat(t->value, info, tmp, sizeof(tmp));
		Put(&o, tmp);
		Put(&o, "/");
		if (t->per != MILLION)
		{
			DutyFormatMillionths(t->per, tmp, sizeof(tmp));
			Put(&o, tmp);
			Put(&o, " ");
		}
		Put(&o, unit);
	}
	else
		return -1;
	return o.overflow ? -1 : (int) o.used;
}

int
DutyFormat(const DutyRate *r, char *buf, size_t len)
{
	static const char *const labels[DUTY_PARTS] = {"", " MIN ", " MAX "};
	Out			o = {buf, len, 0, len == 0};
	char		term[128];

	if (len > 0)
		buf[0] = '\0';
	if (DutyRateIsFree(r))
	{
		Put(&o, "Free");
		return o.overflow ? -1 : (int) o.used;
	}
	for (int part = 0; part < DUTY_PARTS; part++)
	{
		if (r->nterms[part] == 0)
			continue;
		Put(&o, labels[part]);
		for (int i = 0; i < r->nterms[part]; i++)
		{
			if (DutyFormatTerm(&r->terms[part][i], term, sizeof(term)) < 0)
				return -1;
			if (i > 0)
				Put(&o, " + ");
			Put(&o, term);
		}
	}
	return o.overflow ? -1 : (int) o.used;
}

/* ---- binary form -------------------------------------------------------- */

static void
PutInt(uint8_t *buf, size_t *at, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		buf[(*at)++] = (uint8_t) (v >> (8 * i));
}

static uint64_t
GetInt(const uint8_t *buf, size_t *at, int bytes)
{
	uint64_t	v = 0;

	for (int i = 0; i < bytes; i++)
		v = (v << 8) | buf[(*at)++];
	return v;
}

size_t
DutyEncode(const DutyRate *r, uint8_t *buf)
{
	size_t		at = 0;

	buf[at++] = DUTY_ENCODING_VERSION;
	for (int part = 0; part < DUTY_PARTS; part++)
		buf[at++] = r->nterms[part];
	for (int part = 0; part < DUTY_PARTS; part++)
		for (int i = 0; i < r->nterms[part]; i++)
		{
			const DutyTerm *t = &r->terms[part][i];

			buf[at++] = t->kind;
			PutInt(buf, &at, (uint64_t) t->value, 8);
			if (t->kind == DUTY_SPECIFIC)
			{
				PutInt(buf, &at, t->currency, 2);
				PutInt(buf, &at, (uint64_t) t->per, 8);
				buf[at++] = t->unit;
			}
		}
	return at;
}

bool
DutyDecode(const uint8_t *buf, size_t len, DutyRate *out, ParseError *err)
{
	size_t		at = 4;

	memset(out, 0, sizeof(*out));
	if (len < 4)
		return ParseFail(err, NULL, "The value has %zu bytes; a duty rate has at least 4.", len);
	if (buf[0] != DUTY_ENCODING_VERSION)
		return ParseFail(err, NULL, "Format version %u is not %d.", (unsigned) buf[0],
						 DUTY_ENCODING_VERSION);
	for (int part = 0; part < DUTY_PARTS; part++)
	{
		if (buf[1 + part] > DUTY_MAX_TERMS)
			return ParseFail(err, NULL, "Part %d has %u terms; at most %d are allowed.",
							 part, (unsigned) buf[1 + part], DUTY_MAX_TERMS);
		out->nterms[part] = buf[1 + part];
	}
	if (out->nterms[DUTY_PART_MAIN] == 0 &&
		(out->nterms[DUTY_PART_MIN] != 0 || out->nterms[DUTY_PART_MAX] != 0))
		return ParseFail(err, NULL, "A Free rate has a minimum or a maximum.");

	for (int part = 0; part < DUTY_PARTS; part++)
		for (int i = 0; i < out->nterms[part]; i++)
		{
			DutyTerm   *t = &out->terms[part][i];

			if (len - at < 9)
				return ParseFail(err, NULL, "The value ends inside a term.");
			t->kind = buf[at++];
			t->value = (int64_t) GetInt(buf, &at, 8);
			if (t->kind == DUTY_AD_VALOREM)
			{
				if (t->value < 0 || t->value > DUTY_MAX_PERCENT_MICROS)
					return ParseFail(err, NULL, "A percentage is out of range.");
			}
			else if (t->kind == DUTY_SPECIFIC)
			{
				if (len - at < 11)
					return ParseFail(err, NULL, "The value ends inside a term.");
				t->currency = (CurrencyCode) GetInt(buf, &at, 2);
				t->per = (int64_t) GetInt(buf, &at, 8);
				t->unit = buf[at++];
				if (t->value < 0 || t->value > DUTY_MAX_AMOUNT_MICROS)
					return ParseFail(err, NULL, "An amount is out of range.");
				if (CurrencyFromCode(t->currency) == NULL)
					return ParseFail(err, NULL, "Currency code %u is not a current ISO 4217 currency.",
									 (unsigned) t->currency);
				if (t->per <= 0 || t->per > DUTY_MAX_PER_MICROS)
					return ParseFail(err, NULL, "A quantity is out of range.");
				if (DutyUnitName(t->unit) == NULL)
					return ParseFail(err, NULL, "Unit %u is not known.", (unsigned) t->unit);
			}
			else
				return ParseFail(err, NULL, "Term kind %u is not known.", (unsigned) t->kind);
		}
	if (at != len)
		return ParseFail(err, NULL, "The value has extra data after its last term.");
	return true;
}

/* ---- arithmetic ------------------------------------------------------------ */

/* n / d (d > 0) rounded half-even, within +/-INT64_MAX. */
static bool
DivideHalfEven(__int128 n, __int128 d, int64_t *out)
{
	__int128	q = DivRound(n, d, ROUND_HALF_EVEN);

	if (q > INT64_MAX || q < -INT64_MAX)
		return false;
	*out = (int64_t) q;
	return true;
}

bool
DutyAdValoremMicros(int64_t percent_millionths, int64_t value_micros, int64_t *out)
{
	return DivideHalfEven((__int128) value_micros * percent_millionths,
						  (__int128) 100 * MILLION, out);
}

bool
DutySpecificMicros(const DutyTerm *t, int64_t quantity_millionths, int64_t *out)
{
	int64_t		factor = DutyUnitFactor(t->unit);

	if (t->kind != DUTY_SPECIFIC || factor <= 0 || t->per <= 0)
		return false;
	return DivideHalfEven((__int128) t->value * quantity_millionths,
						  (__int128) t->per * factor, out);
}
