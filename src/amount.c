/*
 * amount.c
 *	  cbl.amount: type I/O, constructor, accessors, arithmetic, comparison,
 *	  hashing and rounding.
 *
 * Arithmetic between amounts is exact int64 arithmetic with overflow checks.
 * Multiplying or dividing by a numeric is done exactly in numeric and then
 * rounded half-even to the micro-unit, the only rounding cbl ever does
 * implicitly; rounding to the currency's minor unit is always explicit
 * (cbl.round).  Amounts in different currencies never meet silently.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "common/int.h"
#include "fmgr.h"
#include "lib/stringinfo.h"		/* recv */
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "amount.h"
#include "cbl.h"
#include "cbl_errors.h"
#include "wire.h"

PG_FUNCTION_INFO_V1(cbl_amount_in);
PG_FUNCTION_INFO_V1(cbl_amount_out);
PG_FUNCTION_INFO_V1(cbl_amount_recv);
PG_FUNCTION_INFO_V1(cbl_amount_send);
PG_FUNCTION_INFO_V1(cbl_amount_make);
PG_FUNCTION_INFO_V1(cbl_amount_currency);
PG_FUNCTION_INFO_V1(cbl_amount_value);
PG_FUNCTION_INFO_V1(cbl_amount_add);
PG_FUNCTION_INFO_V1(cbl_amount_sub);
PG_FUNCTION_INFO_V1(cbl_amount_neg);
PG_FUNCTION_INFO_V1(cbl_amount_abs);
PG_FUNCTION_INFO_V1(cbl_amount_mul);
PG_FUNCTION_INFO_V1(cbl_amount_mul_rev);
PG_FUNCTION_INFO_V1(cbl_amount_div);
PG_FUNCTION_INFO_V1(cbl_amount_ratio);
PG_FUNCTION_INFO_V1(cbl_amount_exchange);
PG_FUNCTION_INFO_V1(cbl_amount_eq);
PG_FUNCTION_INFO_V1(cbl_amount_ne);
PG_FUNCTION_INFO_V1(cbl_amount_lt);
PG_FUNCTION_INFO_V1(cbl_amount_le);
PG_FUNCTION_INFO_V1(cbl_amount_gt);
PG_FUNCTION_INFO_V1(cbl_amount_ge);
PG_FUNCTION_INFO_V1(cbl_amount_cmp);
PG_FUNCTION_INFO_V1(cbl_amount_hash);
PG_FUNCTION_INFO_V1(cbl_amount_hash_extended);
PG_FUNCTION_INFO_V1(cbl_amount_analyze);
PG_FUNCTION_INFO_V1(cbl_amount_smaller);
PG_FUNCTION_INFO_V1(cbl_amount_larger);
PG_FUNCTION_INFO_V1(cbl_amount_round);
PG_FUNCTION_INFO_V1(cbl_amount_round_mode);
PG_FUNCTION_INFO_V1(cbl_amount_round_scale);

/* ---- construction and checks ------------------------------------------ */

void
AmountOutOfRange(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("cbl.amount out of range"),
			 errdetail("cbl.amount holds at most 9223372036854.775807 major units either side of zero.")));
}

Amount *
MakeAmount(int64 micros, CurrencyCode currency)
{
	Amount	   *result;

	if (micros < AMOUNT_MIN_MICROS)
		AmountOutOfRange();
	result = (Amount *) palloc0(sizeof(Amount));
	result->micros = micros;
	result->currency = currency;
	return result;
}

const CurrencyInfo *
AmountCurrency(CurrencyCode code)
{
	const CurrencyInfo *info = CurrencyFromCode(code);

	if (info == NULL)
		elog(ERROR, "cbl.amount holds unknown currency code %u", (unsigned) code);
	return info;
}

void
CheckSameCurrency(CurrencyCode a, CurrencyCode b, const char *verb)
{
	if (a != b)
		ereport(ERROR,
				(errcode(ERRCODE_CBL_CURRENCY_MISMATCH),
				 errmsg("cannot %s amounts in different currencies: %s and %s",
						verb, AmountCurrency(a)->code, AmountCurrency(b)->code),
				 errhint("Convert first with cbl.convert(), or group by cbl.currency().")));
}

/* ---- numeric helpers ----------------------------------------------------- */

#define NumericArg(n)	DatumGetNumeric(n)

static Numeric
NumericFromInt64(int64 v)
{
	return int64_to_numeric(v);
}

static int
NumericCmp(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a),
											 NumericGetDatum(b)));
}

static bool
NumericIsOdd(Numeric whole)
{
	Numeric		two = int64_to_numeric(2);
	Numeric		rem = numeric_mod_opt_error(whole, two, NULL);

	return NumericCmp(rem, int64_to_numeric(0)) != 0;
}

/* Convert an integral numeric to micro-units, or raise out of range. */
static int64
NumericToMicros(Numeric whole)
{
	static const int64 bound = AMOUNT_MAX_MICROS;

	if (NumericCmp(whole, NumericFromInt64(bound)) > 0 ||
		NumericCmp(whole, NumericFromInt64(-bound)) < 0)
		AmountOutOfRange();
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(whole)));
}

static void
CheckFiniteFactor(Numeric n, const char *what)
{
	if (numeric_is_nan(n) || numeric_is_inf(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot %s a cbl.amount by %s", what,
						numeric_is_nan(n) ? "NaN" : "infinity")));
}

/*
 * num / den rounded to a whole number with a mode, computed exactly: the
 * truncated quotient, then the remainder decides.  Shared with customs.c.
 */
Numeric
NumericDivRound(Numeric num, Numeric den, RoundMode mode)
{
	Numeric		zero = int64_to_numeric(0);
	Numeric		q = DatumGetNumeric(DirectFunctionCall2(numeric_div_trunc,
														NumericGetDatum(num),
														NumericGetDatum(den)));
	Numeric		rem = numeric_mod_opt_error(num, den, NULL);
	int			rem_sign = NumericCmp(rem, zero);
	bool		away = false;

	if (rem_sign != 0)
	{
		Numeric		twice = DatumGetNumeric(DirectFunctionCall1(numeric_abs,
																NumericGetDatum(numeric_add_opt_error(rem, rem, NULL))));
		Numeric		absden = DatumGetNumeric(DirectFunctionCall1(numeric_abs,
																 NumericGetDatum(den)));
		int			c = NumericCmp(twice, absden);

		switch (mode)
		{
			case ROUND_DOWN:
				break;
			case ROUND_UP:
				away = true;
				break;
			case ROUND_HALF_UP:
				away = c >= 0;
				break;
			case ROUND_HALF_EVEN:
				away = c > 0 || (c == 0 && NumericIsOdd(q));
				break;
		}
	}
	if (away)
	{
		/* away from zero, in the direction of the exact quotient */
		bool		negative = (rem_sign < 0) != (NumericCmp(den, zero) < 0);

		q = numeric_add_opt_error(q, int64_to_numeric(negative ? -1 : 1), NULL);
	}
	return q;
}

/* num / den rounded half-even to a whole number of micro-units. */
static int64
QuotientHalfEven(Numeric num, Numeric den)
{
	return NumericToMicros(NumericDivRound(num, den, ROUND_HALF_EVEN));
}

/* ---- I/O ------------------------------------------------------------------ */

Datum
cbl_amount_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	int64		micros;
	const CurrencyInfo *currency;
	ParseError	err;

	if (!AmountParse(str, &micros, &currency, &err))
		CblRaiseInputError("cbl.amount", str, &err);
	PG_RETURN_AMOUNT_P(MakeAmount(micros, CurrencyPack(currency)));
}

Datum
cbl_amount_out(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	char	   *buf = palloc(AMOUNT_TEXT_MAX);

	AmountFormat(a->micros, AmountCurrency(a->currency), buf, AMOUNT_TEXT_MAX);
	PG_RETURN_CSTRING(buf);
}

/* Binary form: int64 micro-units, then the three-letter code as int16. */
Datum
cbl_amount_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	WireReader	r;
	int64_t		micros;
	CurrencyCode currency;
	ParseError	err;

	WireReaderInit(&r, buf->data + buf->cursor, buf->len - buf->cursor);
	switch (AmountWireDecode(&r, &micros, &currency, &err))
	{
		case WIRE_OK:
			break;
		case WIRE_SHORT:
			ereport(ERROR,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 errmsg("insufficient data left in message")));
			break;
		case WIRE_INVALID:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid external cbl.amount value"),
					 errdetail("%s", err.detail)));
			break;
	}
	buf->cursor += (int) r.pos;
	PG_RETURN_AMOUNT_P(MakeAmount((int64) micros, currency));
}

Datum
cbl_amount_send(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	bytea	   *result = (bytea *) palloc(VARHDRSZ + AMOUNT_WIRE_LEN);

	SET_VARSIZE(result, VARHDRSZ + AMOUNT_WIRE_LEN);
	AmountWireEncode(a->micros, a->currency, (uint8_t *) VARDATA(result));
	PG_RETURN_BYTEA_P(result);
}

/* ---- constructor and accessors ------------------------------------------- */

/* The currency named by a text of three letters in any case, or NULL. */
static const CurrencyInfo *
LookupCurrencyText(text *code_text)
{
	char		code[3];
	const char *s = VARDATA_ANY(code_text);

	if (VARSIZE_ANY_EXHDR(code_text) != 3)
		return NULL;
	for (int i = 0; i < 3; i++)
		code[i] = pg_ascii_toupper((unsigned char) s[i]);
	return CurrencyLookup(code, 3);
}

/* cbl.amount(numeric, text): exact; more than six nonzero decimals is an error. */
Datum
cbl_amount_make(PG_FUNCTION_ARGS)
{
	Numeric		value = PG_GETARG_NUMERIC(0);
	text	   *code_text = PG_GETARG_TEXT_PP(1);
	const CurrencyInfo *info;
	Numeric		scaled;
	Numeric		whole;

	info = LookupCurrencyText(code_text);
	if (info == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CBL_UNKNOWN_CURRENCY),
				 errmsg("unknown currency \"%s\"", text_to_cstring(code_text)),
				 errhint("Currency codes are ISO 4217 alphabetic codes such as USD or EUR; table cbl.currency lists them.")));
	if (numeric_is_nan(value) || numeric_is_inf(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cbl.amount cannot be %s", numeric_is_nan(value) ? "NaN" : "infinite")));

	scaled = numeric_mul_opt_error(value, int64_to_numeric(AMOUNT_UNIT), NULL);
	whole = DatumGetNumeric(DirectFunctionCall2(numeric_trunc, NumericGetDatum(scaled),
												Int32GetDatum(0)));
	if (NumericCmp(scaled, whole) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cbl.amount keeps at most 6 decimal places"),
				 errdetail("The value %s has more.",
						   DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(value)))),
				 errhint("Round it first, e.g. with round(value, 6).")));
	PG_RETURN_AMOUNT_P(MakeAmount(NumericToMicros(whole), CurrencyPack(info)));
}

Datum
cbl_amount_currency(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);

	PG_RETURN_TEXT_P(cstring_to_text(AmountCurrency(a->currency)->code));
}

/* The value as numeric, with the same decimals as the text form. */
Datum
cbl_amount_value(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	Numeric		exact = int64_div_fast_to_numeric(a->micros, AMOUNT_SCALE);
	int			scale = AmountDisplayScale(a->micros, AmountCurrency(a->currency));

	PG_RETURN_DATUM(DirectFunctionCall2(numeric_round, NumericGetDatum(exact),
										Int32GetDatum(scale)));
}

/* ---- arithmetic ------------------------------------------------------------ */

Datum
cbl_amount_add(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	Amount	   *b = PG_GETARG_AMOUNT_P(1);
	int64		r;

	CheckSameCurrency(a->currency, b->currency, "add");
	if (pg_add_s64_overflow(a->micros, b->micros, &r))
		AmountOutOfRange();
	PG_RETURN_AMOUNT_P(MakeAmount(r, a->currency));
}

Datum
cbl_amount_sub(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	Amount	   *b = PG_GETARG_AMOUNT_P(1);
	int64		r;

	CheckSameCurrency(a->currency, b->currency, "subtract");
	if (pg_sub_s64_overflow(a->micros, b->micros, &r))
		AmountOutOfRange();
	PG_RETURN_AMOUNT_P(MakeAmount(r, a->currency));
}

Datum
cbl_amount_neg(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);

	PG_RETURN_AMOUNT_P(MakeAmount(-a->micros, a->currency));
}

Datum
cbl_amount_abs(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);

	PG_RETURN_AMOUNT_P(MakeAmount(a->micros < 0 ? -a->micros : a->micros, a->currency));
}

/*
 * The fast path of * and /: a numeric with at most 18 significant digits
 * and 18 decimals is mantissa * 10^-scale, and the exact product or
 * quotient then fits in 128 bits.  Anything larger takes the numeric path.
 */
static bool
NumericAsDecimal(Numeric n, int64 *mantissa, int *scale)
{
	char	   *text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n)));
	const char *p = text;
	bool		negative = false;
	int64		m = 0;
	int			digits = 0;
	int			decimals = 0;
	bool		point = false;
	bool		ok = true;

	if (*p == '-')
		negative = true, p++;
	for (; *p; p++)
	{
		if (*p == '.' && !point)
			point = true;
		else if (*p >= '0' && *p <= '9')
		{
			if (m != 0 || *p != '0')
				digits++;
			if (digits > 18)
			{
				ok = false;
				break;
			}
			m = m * 10 + (*p - '0');
			decimals += point;
		}
		else
		{
			ok = false;			/* NaN, Infinity */
			break;
		}
	}
	pfree(text);
	if (!ok || decimals > 18)
		return false;
	*mantissa = negative ? -m : m;
	*scale = decimals;
	return true;
}

static const int64 pow10_table[19] = {
	INT64CONST(1), INT64CONST(10), INT64CONST(100), INT64CONST(1000), INT64CONST(10000),
	INT64CONST(100000), INT64CONST(1000000), INT64CONST(10000000), INT64CONST(100000000),
	INT64CONST(1000000000), INT64CONST(10000000000), INT64CONST(100000000000),
	INT64CONST(1000000000000), INT64CONST(10000000000000), INT64CONST(100000000000000),
	INT64CONST(1000000000000000), INT64CONST(10000000000000000),
	INT64CONST(100000000000000000), INT64CONST(1000000000000000000)
};

/* n / d rounded half-even to an integer, then checked against the range. */
static int64
DivideHalfEven128(int128 n, int128 d)
{
	int128		q = DivRound(n, d, ROUND_HALF_EVEN);

	if (q > AMOUNT_MAX_MICROS || q < AMOUNT_MIN_MICROS)
		AmountOutOfRange();
	return (int64) q;
}

static Amount *
MultiplyAmount(Amount *a, Numeric factor)
{
	Numeric		product;
	int64		mantissa;
	int			scale;

	CheckFiniteFactor(factor, "multiply");
	if (NumericAsDecimal(factor, &mantissa, &scale))
		return MakeAmount(DivideHalfEven128((int128) a->micros * mantissa, pow10_table[scale]),
						  a->currency);
	product = numeric_mul_opt_error(NumericFromInt64(a->micros), factor, NULL);
	return MakeAmount(QuotientHalfEven(product, int64_to_numeric(1)), a->currency);
}

Datum
cbl_amount_mul(PG_FUNCTION_ARGS)
{
	PG_RETURN_AMOUNT_P(MultiplyAmount(PG_GETARG_AMOUNT_P(0), PG_GETARG_NUMERIC(1)));
}

Datum
cbl_amount_mul_rev(PG_FUNCTION_ARGS)
{
	PG_RETURN_AMOUNT_P(MultiplyAmount(PG_GETARG_AMOUNT_P(1), PG_GETARG_NUMERIC(0)));
}

Datum
cbl_amount_div(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	Numeric		divisor = PG_GETARG_NUMERIC(1);

	CheckFiniteFactor(divisor, "divide");
	if (NumericCmp(divisor, int64_to_numeric(0)) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DIVISION_BY_ZERO),
				 errmsg("division by zero")));
	{
		int64		mantissa;
		int			scale;

		if (NumericAsDecimal(divisor, &mantissa, &scale))
			PG_RETURN_AMOUNT_P(MakeAmount(DivideHalfEven128((int128) a->micros * pow10_table[scale],
															mantissa),
										  a->currency));
	}
	PG_RETURN_AMOUNT_P(MakeAmount(QuotientHalfEven(NumericFromInt64(a->micros), divisor),
								  a->currency));
}

/* amount / amount of one currency: a plain ratio (e.g. a margin percentage). */
Datum
cbl_amount_ratio(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	Amount	   *b = PG_GETARG_AMOUNT_P(1);

	CheckSameCurrency(a->currency, b->currency, "divide");
	if (b->micros == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DIVISION_BY_ZERO),
				 errmsg("division by zero")));
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_div,
										NumericGetDatum(NumericFromInt64(a->micros)),
										NumericGetDatum(NumericFromInt64(b->micros))));
}

/*
 * cbl.amount_exchange(amount, to_currency, num, den): amount * num / den in
 * another currency, rounded half-even to the micro-unit once.  cbl.convert()
 * passes a rate as num/1, an inverse rate as 1/rate, or a cross rate through
 * the pivot as a product of those, so no reciprocal is ever rounded first.
 */
Datum
cbl_amount_exchange(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	text	   *code_text = PG_GETARG_TEXT_PP(1);
	Numeric		num = PG_GETARG_NUMERIC(2);
	Numeric		den = PG_GETARG_NUMERIC(3);
	const CurrencyInfo *to = LookupCurrencyText(code_text);
	Numeric		zero = int64_to_numeric(0);

	if (to == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CBL_UNKNOWN_CURRENCY),
				 errmsg("unknown currency \"%s\"", text_to_cstring(code_text)),
				 errhint("Currency codes are ISO 4217 alphabetic codes such as USD or EUR; table cbl.currency lists them.")));
	CheckFiniteFactor(num, "multiply");
	CheckFiniteFactor(den, "divide");
	if (NumericCmp(num, zero) <= 0 || NumericCmp(den, zero) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("exchange rates must be positive")));
	PG_RETURN_AMOUNT_P(MakeAmount(QuotientHalfEven(numeric_mul_opt_error(NumericFromInt64(a->micros), num, NULL),
												   den),
								  CurrencyPack(to)));
}

/* ---- comparison and hashing -------------------------------------------- */

/*
 * Amounts in different currencies have no order: comparing them is an
 * error.  They are simply unequal, so = and <> (and hashing) need no check.
 */
static int
AmountCmp(const Amount *a, const Amount *b)
{
	CheckSameCurrency(a->currency, b->currency, "compare");
	return (a->micros > b->micros) - (a->micros < b->micros);
}

static bool
AmountEq(const Amount *a, const Amount *b)
{
	return a->currency == b->currency && a->micros == b->micros;
}

Datum
cbl_amount_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(AmountEq(PG_GETARG_AMOUNT_P(0), PG_GETARG_AMOUNT_P(1)));
}

Datum
cbl_amount_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!AmountEq(PG_GETARG_AMOUNT_P(0), PG_GETARG_AMOUNT_P(1)));
}

Datum
cbl_amount_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(AmountCmp(PG_GETARG_AMOUNT_P(0), PG_GETARG_AMOUNT_P(1)) < 0);
}

Datum
cbl_amount_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(AmountCmp(PG_GETARG_AMOUNT_P(0), PG_GETARG_AMOUNT_P(1)) <= 0);
}

Datum
cbl_amount_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(AmountCmp(PG_GETARG_AMOUNT_P(0), PG_GETARG_AMOUNT_P(1)) > 0);
}

Datum
cbl_amount_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(AmountCmp(PG_GETARG_AMOUNT_P(0), PG_GETARG_AMOUNT_P(1)) >= 0);
}

Datum
cbl_amount_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(AmountCmp(PG_GETARG_AMOUNT_P(0), PG_GETARG_AMOUNT_P(1)));
}

/* Hash the value and currency only (the reserved bytes are always zero). */
Datum
cbl_amount_hash(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);

	return hash_any((const unsigned char *) a, offsetof(Amount, reserved0));
}

Datum
cbl_amount_hash_extended(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);

	return hash_any_extended((const unsigned char *) a, offsetof(Amount, reserved0),
							 PG_GETARG_INT64(1));
}

/* min()/max() transition and combine functions; mixed currencies raise. */
Datum
cbl_amount_smaller(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	Amount	   *b = PG_GETARG_AMOUNT_P(1);

	PG_RETURN_AMOUNT_P(AmountCmp(a, b) <= 0 ? a : b);
}

Datum
cbl_amount_larger(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	Amount	   *b = PG_GETARG_AMOUNT_P(1);

	PG_RETURN_AMOUNT_P(AmountCmp(a, b) >= 0 ? a : b);
}

/* ---- rounding -------------------------------------------------------------- */

static RoundMode
ParseRoundMode(text *mode_text)
{
	return RoundModeFromName(text_to_cstring(mode_text));
}

RoundMode
RoundModeFromName(const char *mode)
{
	if (strcmp(mode, "half_even") == 0)
		return ROUND_HALF_EVEN;
	if (strcmp(mode, "half_up") == 0)
		return ROUND_HALF_UP;
	if (strcmp(mode, "down") == 0)
		return ROUND_DOWN;
	if (strcmp(mode, "up") == 0)
		return ROUND_UP;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown rounding mode \"%s\"", mode),
			 errhint("Use half_even, half_up, down (toward zero) or up (away from zero).")));
	pg_unreachable();
}

/* Round micro-units to a multiple of 10^(6 - decimals) with the given mode. */
int64
AmountRoundMicros(int64 micros, int decimals, RoundMode mode)
{
	int64		unit = 1;
	int64		q;
	int64		result;

	for (int i = decimals; i < AMOUNT_SCALE; i++)
		unit *= 10;
	q = (int64) DivRound(micros, unit, mode);
	if (pg_mul_s64_overflow(q, unit, &result) || result < AMOUNT_MIN_MICROS)
		AmountOutOfRange();
	return result;
}

static Datum
RoundToMinorUnit(Amount *a, RoundMode mode)
{
	const CurrencyInfo *info = AmountCurrency(a->currency);

	if (info->minor_unit < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("currency %s has no minor unit", info->code),
				 errdetail("ISO 4217 defines no minor unit for %s.", info->code),
				 errhint("Give the number of decimals: cbl.round(amount, decimals, mode).")));
	PG_RETURN_AMOUNT_P(MakeAmount(AmountRoundMicros(a->micros, info->minor_unit, mode),
								  a->currency));
}

/* cbl.round(amount): to the currency's minor unit, half-even. */
Datum
cbl_amount_round(PG_FUNCTION_ARGS)
{
	return RoundToMinorUnit(PG_GETARG_AMOUNT_P(0), ROUND_HALF_EVEN);
}

/* cbl.round(amount, mode): to the currency's minor unit with a named mode. */
Datum
cbl_amount_round_mode(PG_FUNCTION_ARGS)
{
	return RoundToMinorUnit(PG_GETARG_AMOUNT_P(0), ParseRoundMode(PG_GETARG_TEXT_PP(1)));
}

/* cbl.round(amount, decimals, mode): to 0..6 decimals with a named mode. */
Datum
cbl_amount_round_scale(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	int32		decimals = PG_GETARG_INT32(1);
	RoundMode	mode = ParseRoundMode(PG_GETARG_TEXT_PP(2));

	if (decimals < 0 || decimals > AMOUNT_SCALE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot round a cbl.amount to %d decimals", decimals),
				 errhint("Give a number of decimals from 0 to 6.")));
	PG_RETURN_AMOUNT_P(MakeAmount(AmountRoundMicros(a->micros, decimals, mode), a->currency));
}

/*
 * ANALYZE support: gather no statistics for amount columns.  The standard
 * statistics sort a column with its btree "<", which refuses to compare
 * amounts in different currencies, so a column holding several currencies
 * (charges, invoice lines) would make ANALYZE, autovacuum's included, fail
 * on the whole table.  Without statistics the planner uses its defaults for
 * predicates on amounts; the other columns are analyzed as usual.
 */
Datum
cbl_amount_analyze(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(false);
}
