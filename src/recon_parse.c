/*
 * recon_parse.c
 *	  The state of cbl.recon_agg: classify, combine, parse and format.
 *
 * Pure C (see recon_parse.h).  Sums are 128-bit, so no order of additions
 * overflows: the aggregate is exactly order-independent, and combining
 * partial states equals aggregating all rows at once.
 */
#include <ctype.h>
#include <string.h>

#include "amount_parse.h"
#include "recon_parse.h"

static const char hint[] =
	"The state of cbl.recon_agg reads \"(matched,over,under,unexpected,missing,"
	"7 sums of micro-units,currency)\"; the empty state is \"(0,0,0,0,0,0,0,0,0,0,0,0,)\".";

void
ReconAccumInit(ReconAccumValue *v)
{
	memset(v, 0, sizeof(*v));
	v->currency = CURRENCY_NONE;
}

int64_t
ReconAccumRows(const ReconAccumValue *v)
{
	int64_t		n = 0;

	for (int i = 0; i < RECON_OUTCOMES; i++)
		n += v->count[i];
	return n;
}

int
ReconAccumAdd(ReconAccumValue *v, bool has_expected, int64_t expected,
			  bool has_invoiced, int64_t invoiced, CurrencyCode currency,
			  int64_t tolerance, CurrencyCode *mismatch)
{
	ReconOutcome o;

	if (!has_expected && !has_invoiced)
		return RECON_OUTCOMES;	/* nothing to count */
	if (ReconAccumRows(v) > 0 && v->currency != currency)
	{
		*mismatch = v->currency;
		return -1;
	}
	v->currency = currency;
	if (!has_expected)
	{
		o = RECON_UNEXPECTED;
		v->sum[RECON_SUM_UNEXPECTED] += invoiced;
	}
	else if (!has_invoiced)
	{
		o = RECON_MISSING;
		v->sum[RECON_SUM_MISSING] += expected;
	}
	else
	{
		__int128	variance = (__int128) invoiced - expected;
		__int128	magnitude = variance < 0 ? -variance : variance;

		if (magnitude <= tolerance)
		{
			o = RECON_MATCHED;
			v->sum[RECON_SUM_MATCHED] += invoiced;
		}
		else if (variance > 0)
		{
			o = RECON_OVER_BILLED;
			v->sum[RECON_SUM_OVER] += variance;
		}
		else
		{
			o = RECON_UNDER_BILLED;
			v->sum[RECON_SUM_UNDER] += variance;
		}
	}
	if (has_expected)
		v->sum[RECON_SUM_EXPECTED] += expected;
	if (has_invoiced)
		v->sum[RECON_SUM_INVOICED] += invoiced;
	v->count[o]++;
	return (int) o;
}

bool
ReconAccumCombine(ReconAccumValue *v, const ReconAccumValue *other)
{
	if (ReconAccumRows(other) == 0)
		return true;
	if (ReconAccumRows(v) > 0 && v->currency != other->currency)
		return false;
	v->currency = other->currency;
	for (int i = 0; i < RECON_OUTCOMES; i++)
		v->count[i] += other->count[i];
	for (int i = 0; i < RECON_SUMS; i++)
		v->sum[i] += other->sum[i];
	return true;
}

/* ---- text form ------------------------------------------------------------ */

static const char *
SkipSpace(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

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

/*
 * Is |x| within n amounts (of at most AMOUNT_MAX_MICROS) times factor (1 or
 * 2)?  n <= INT64_MAX, so the bound stays below 2^127.
 */
static bool
WithinBound(__int128 x, int64_t n, int factor)
{
	__int128	bound = (__int128) n * AMOUNT_MAX_MICROS * factor;

	return x <= bound && x >= -bound;
}

bool
ReconAccumParse(const char *str, ReconAccumValue *out, ParseError *err)
{
	const char *p = SkipSpace(str);
	char		code[4];
	int			n = 0;
	__int128	rows = 0;
	static const char *const count_names[RECON_OUTCOMES] = {
		"matched", "over-billed", "under-billed", "unexpected", "missing"
	};

	ReconAccumInit(out);
	if (*p++ != '(')
		return ParseFail(err, hint, "Expected \"(\".");
	for (int i = 0; i < RECON_OUTCOMES; i++)
	{
		__int128	c;

		if (!ParseInt128(&p, &c) || c < 0 || c > INT64_MAX)
			return ParseFail(err, hint, "The %s count must be a whole number from 0 to 9223372036854775807.",
							 count_names[i]);
		rows += c;
		if (rows > INT64_MAX)
			return ParseFail(err, hint, "The counts add up to more than 9223372036854775807.");
		out->count[i] = (int64_t) c;
		if (*p++ != ',')
			return ParseFail(err, hint, "Expected \",\" after count %d.", i + 1);
	}
	for (int i = 0; i < RECON_SUMS; i++)
	{
		if (!ParseInt128(&p, &out->sum[i]))
			return ParseFail(err, hint, "Sum %d must be a whole number of micro-units, at most 2^126 in magnitude.",
							 i + 1);
		if (*p++ != ',')
			return ParseFail(err, hint, "Expected \",\" after sum %d.", i + 1);
	}
	while (n < 4 && isalpha((unsigned char) p[n]))
	{
		if (n < 3)
			code[n] = (char) toupper((unsigned char) p[n]);
		n++;
	}
	code[n < 3 ? n : 3] = '\0';
	p += n;
	if (*p++ != ')')
		return ParseFail(err, hint, "Expected \")\" after the currency.");
	if (*SkipSpace(p) != '\0')
		return ParseFail(err, hint, "Unexpected text after \")\".");

	if (rows == 0)
	{
		for (int i = 0; i < RECON_SUMS; i++)
			if (out->sum[i] != 0)
				return ParseFail(err, hint, "An empty state has every sum 0 and no currency.");
		if (n != 0)
			return ParseFail(err, hint, "An empty state has every sum 0 and no currency.");
		return true;
	}
	if (n != 3)
		return ParseFail(err, hint, "A non-empty state names a three-letter currency.");
	{
		const CurrencyInfo *info = CurrencyLookup(code, 3);
		const int64_t *c = out->count;
		const __int128 *s = out->sum;

		if (info == NULL)
			return ParseFail(err, "Currency codes are ISO 4217 alphabetic codes such as USD or EUR.",
							 "\"%s\" is not an ISO 4217 currency code.", code);
		out->currency = CurrencyPack(info);
		/* what ReconAccumAdd can produce, and nothing else */
		if (!WithinBound(s[RECON_SUM_MATCHED], c[RECON_MATCHED], 1) ||
			!WithinBound(s[RECON_SUM_UNEXPECTED], c[RECON_UNEXPECTED], 1) ||
			!WithinBound(s[RECON_SUM_MISSING], c[RECON_MISSING], 1) ||
			!WithinBound(s[RECON_SUM_EXPECTED],
						 c[RECON_MATCHED] + c[RECON_OVER_BILLED] + c[RECON_UNDER_BILLED] + c[RECON_MISSING], 1) ||
			!WithinBound(s[RECON_SUM_INVOICED],
						 c[RECON_MATCHED] + c[RECON_OVER_BILLED] + c[RECON_UNDER_BILLED] + c[RECON_UNEXPECTED], 1))
			return ParseFail(err, hint, "A sum is larger than its count of amounts can add up to.");
		/* each over-billed variance is at least one micro-unit, and so on */
		if (s[RECON_SUM_OVER] < c[RECON_OVER_BILLED] ||
			!WithinBound(s[RECON_SUM_OVER], c[RECON_OVER_BILLED], 2))
			return ParseFail(err, hint, "The over-billed variance must be positive and within its count of amounts.");
		if (s[RECON_SUM_UNDER] > -(__int128) c[RECON_UNDER_BILLED] ||
			!WithinBound(s[RECON_SUM_UNDER], c[RECON_UNDER_BILLED], 2))
			return ParseFail(err, hint, "The under-billed variance must be negative and within its count of amounts.");
	}
	return true;
}

int
ReconAccumFormat(const ReconAccumValue *v, char *buf, size_t buflen)
{
	char		text[RECON_ACCUM_TEXT_MAX];
	int			len = 0;
	const CurrencyInfo *info = CurrencyFromCode(v->currency);

	text[len++] = '(';
	for (int i = 0; i < RECON_OUTCOMES; i++)
		len += snprintf(text + len, sizeof(text) - len, "%lld,", (long long) v->count[i]);
	for (int i = 0; i < RECON_SUMS; i++)
	{
		len += FormatInt128(v->sum[i], text + len);
		text[len++] = ',';
	}
	len += snprintf(text + len, sizeof(text) - len, "%s)",
					ReconAccumRows(v) > 0 && info ? info->code : "");
	return snprintf(buf, buflen, "%s", text);
}
