/*
 * customs.c
 *	  Customs arithmetic: the type cbl.duty_rate (I/O, comparison, hashing,
 *	  components), the duty of a rate for a customs value and quantities,
 *	  rounding to a national increment, and cbl.allocate (largest remainder).
 *
 * The parser and the exact arithmetic of one term are pure C in
 * duty_parse.c; this file turns them into SQL functions.  Money stays in
 * integer micro-units or exact numeric; the only implicit rounding is
 * half-even to the micro-unit (as everywhere in cbl); rounding to a minor
 * unit or a national increment is explicit and names its mode.  A specific
 * duty in a currency other than the customs value's is converted with
 * cbl.convert() on a date the caller gives, never silently.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"	/* get_namespace_oid */
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "nodes/pg_list.h"
#include "nodes/value.h"
#include "parser/parse_func.h"	/* LookupFuncName */
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"		/* j2date */
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/syscache.h"

#include "amount.h"
#include "cbl.h"
#include "cbl_errors.h"
#include "duty_parse.h"

#define DUTY_TYPE_NAME "cbl.duty_rate"

PG_FUNCTION_INFO_V1(cbl_duty_rate_in);
PG_FUNCTION_INFO_V1(cbl_duty_rate_out);
PG_FUNCTION_INFO_V1(cbl_duty_rate_recv);
PG_FUNCTION_INFO_V1(cbl_duty_rate_send);
PG_FUNCTION_INFO_V1(cbl_parse_duty);
PG_FUNCTION_INFO_V1(cbl_is_valid_duty);
PG_FUNCTION_INFO_V1(cbl_duty_rate_eq);
PG_FUNCTION_INFO_V1(cbl_duty_rate_ne);
PG_FUNCTION_INFO_V1(cbl_duty_rate_lt);
PG_FUNCTION_INFO_V1(cbl_duty_rate_le);
PG_FUNCTION_INFO_V1(cbl_duty_rate_gt);
PG_FUNCTION_INFO_V1(cbl_duty_rate_ge);
PG_FUNCTION_INFO_V1(cbl_duty_rate_cmp);
PG_FUNCTION_INFO_V1(cbl_duty_rate_hash);
PG_FUNCTION_INFO_V1(cbl_duty_rate_hash_extended);
PG_FUNCTION_INFO_V1(cbl_duty_components);
PG_FUNCTION_INFO_V1(cbl_duty_compute);
PG_FUNCTION_INFO_V1(cbl_duty_amount);
PG_FUNCTION_INFO_V1(cbl_customs_round);
PG_FUNCTION_INFO_V1(cbl_customs_percent);
PG_FUNCTION_INFO_V1(cbl_allocate);

/* ---- the stored form ------------------------------------------------------- */

/*
 * The varlena holds exactly the binary form DutyEncode writes (duty_parse.h):
 * canonical, so equal rates are equal byte for byte and comparison and
 * hashing work on the bytes.
 */
static Datum
DutyRateGetDatum(const DutyRate *r)
{
	uint8_t		enc[DUTY_ENCODED_MAX];
	size_t		n = DutyEncode(r, enc);
	bytea	   *v = (bytea *) palloc(VARHDRSZ + n);

	SET_VARSIZE(v, VARHDRSZ + n);
	memcpy(VARDATA(v), enc, n);
	return PointerGetDatum(v);
}

/* Decode a stored rate; a value that does not decode is corrupt. */
static void
DatumGetDutyRate(Datum d, DutyRate *out)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(d);
	ParseError	err;

	if (!DutyDecode((const uint8_t *) VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v), out, &err))
		elog(ERROR, "corrupt %s value: %s", DUTY_TYPE_NAME, err.detail);
}

/* Canonical text of a rate, palloc'd. */
static char *
DutyRateText(const DutyRate *r)
{
	char	   *buf = palloc(DUTY_TEXT_MAX);

	if (DutyFormat(r, buf, DUTY_TEXT_MAX) < 0)
		elog(ERROR, "cannot format a %s value", DUTY_TYPE_NAME);
	return buf;
}

/* ---- I/O ------------------------------------------------------------------ */

/*
 * cbl_duty_rate_in
 *	  Text to cbl.duty_rate; 22P02 (22003 for a number out of range) with a
 *	  DETAIL quoting the part that could not be read.
 */
Datum
cbl_duty_rate_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	DutyRate	r;
	ParseError	err;

	if (!DutyParse(input, &r, &err))
		CblRaiseInputError(DUTY_TYPE_NAME, input, &err);
	PG_RETURN_DATUM(DutyRateGetDatum(&r));
}

/* cbl_duty_rate_out: canonical text, e.g. "8.3% + 95.00 EUR/100 kg". */
Datum
cbl_duty_rate_out(PG_FUNCTION_ARGS)
{
	DutyRate	r;

	DatumGetDutyRate(PG_GETARG_DATUM(0), &r);
	PG_RETURN_CSTRING(DutyRateText(&r));
}

/* cbl_duty_rate_recv: the binary form, validated as strictly as text. */
Datum
cbl_duty_rate_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			n = buf->len - buf->cursor;
	const char *bytes = pq_getmsgbytes(buf, n);
	DutyRate	r;
	ParseError	err;

	if (!DutyDecode((const uint8_t *) bytes, (size_t) n, &r, &err))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external %s value", DUTY_TYPE_NAME),
				 errdetail("%s", err.detail)));
	PG_RETURN_DATUM(DutyRateGetDatum(&r));
}

/* cbl_duty_rate_send: the stored bytes. */
Datum
cbl_duty_rate_send(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* cbl.parse_duty(text): the same as the cast, for a text column. */
Datum
cbl_parse_duty(PG_FUNCTION_ARGS)
{
	char	   *input = text_to_cstring(PG_GETARG_TEXT_PP(0));
	DutyRate	r;
	ParseError	err;

	if (!DutyParse(input, &r, &err))
		CblRaiseInputError(DUTY_TYPE_NAME, input, &err);
	PG_RETURN_DATUM(DutyRateGetDatum(&r));
}

/* cbl.is_valid_duty(text): does it parse?  Never raises. */
Datum
cbl_is_valid_duty(PG_FUNCTION_ARGS)
{
	DutyRate	r;

	PG_RETURN_BOOL(DutyParse(text_to_cstring(PG_GETARG_TEXT_PP(0)), &r, NULL));
}

/* ---- comparison and hashing ---------------------------------------------- */

/*
 * Order of the binary forms: total and deterministic, so rates can be
 * indexed, grouped and made DISTINCT; it means nothing about which duty is
 * higher.
 */
static int
DutyRateCmp(FunctionCallInfo fcinfo)
{
	struct varlena *a = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	struct varlena *b = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(1));
	size_t		la = VARSIZE_ANY_EXHDR(a);
	size_t		lb = VARSIZE_ANY_EXHDR(b);
	int			c = memcmp(VARDATA_ANY(a), VARDATA_ANY(b), Min(la, lb));

	if (c != 0)
		return c < 0 ? -1 : 1;
	return (la > lb) - (la < lb);
}

Datum
cbl_duty_rate_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(DutyRateCmp(fcinfo) == 0);
}

Datum
cbl_duty_rate_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(DutyRateCmp(fcinfo) != 0);
}

Datum
cbl_duty_rate_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(DutyRateCmp(fcinfo) < 0);
}

Datum
cbl_duty_rate_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(DutyRateCmp(fcinfo) <= 0);
}

Datum
cbl_duty_rate_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(DutyRateCmp(fcinfo) > 0);
}

Datum
cbl_duty_rate_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(DutyRateCmp(fcinfo) >= 0);
}

Datum
cbl_duty_rate_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(DutyRateCmp(fcinfo));
}

Datum
cbl_duty_rate_hash(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));

	return hash_any((const unsigned char *) VARDATA_ANY(v), (int) VARSIZE_ANY_EXHDR(v));
}

Datum
cbl_duty_rate_hash_extended(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));

	return hash_any_extended((const unsigned char *) VARDATA_ANY(v),
							 (int) VARSIZE_ANY_EXHDR(v), PG_GETARG_INT64(1));
}

/* ---- helpers ----------------------------------------------------------------- */

static const char *const part_names[DUTY_PARTS] = {"main", "min", "max"};

/* Millionths as an exact numeric without trailing zeros. */
static Datum
MillionthsNumeric(int64 v)
{
	return DirectFunctionCall1(numeric_trim_scale,
							   NumericGetDatum(int64_div_fast_to_numeric(v, 6)));
}

static int
NumericCmp(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a),
											 NumericGetDatum(b)));
}

static bool
NumericIsZero(Numeric n)
{
	return NumericCmp(n, int64_to_numeric(0)) == 0;
}

static char *
NumericText(Numeric n)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n)));
}

/*
 * An exact numeric as a whole number of millionths; 22023 naming what when
 * it is not finite, negative (unless allowed) or finer than a millionth,
 * 22003 when it is too large.
 */
static int64
NumericToMillionths(Numeric n, const char *what, bool allow_negative)
{
	Numeric		scaled;
	Numeric		whole;

	if (numeric_is_nan(n) || numeric_is_inf(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite number", what)));
	if (!allow_negative && NumericCmp(n, int64_to_numeric(0)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", what),
				 errdetail("It is %s.", NumericText(n))));
	scaled = numeric_mul_opt_error(n, int64_to_numeric(1000000), NULL);
	whole = DatumGetNumeric(DirectFunctionCall2(numeric_trunc, NumericGetDatum(scaled),
												Int32GetDatum(0)));
	if (NumericCmp(scaled, whole) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s has more than 6 decimals", what),
				 errdetail("It is %s.", NumericText(n))));
	if (NumericCmp(whole, int64_to_numeric(PG_INT64_MAX)) > 0 ||
		NumericCmp(whole, int64_to_numeric(-PG_INT64_MAX)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s is out of range", what),
				 errdetail("It is %s.", NumericText(n))));
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(whole)));
}

/* Canonical text of an amount, palloc'd. */
static char *
AmountText(int64 micros, CurrencyCode currency)
{
	char	   *buf = palloc(AMOUNT_TEXT_MAX);

	AmountFormat(micros, AmountCurrency(currency), buf, AMOUNT_TEXT_MAX);
	return buf;
}

static char *
MillionthsText(int64 v)
{
	char	   *buf = palloc(32);

	DutyFormatMillionths(v, buf, 32);
	return buf;
}

/* A date as YYYY-MM-DD whatever DateStyle says. */
static char *
DateText(DateADT d)
{
	int			y,
				m,
				day;

	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	return psprintf("%04d-%02d-%02d", y, m, day);
}

/* The OID of type cbl.amount (cbl is not relocatable). */
static Oid
AmountTypeOid(void)
{
	Oid			nsp = get_namespace_oid("cbl", false);

	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
						   CStringGetDatum("amount"), ObjectIdGetDatum(nsp));
}

static void
CheckedAdd(int64 a, int64 b, int64 *r)
{
	if (pg_add_s64_overflow(a, b, r) || *r < AMOUNT_MIN_MICROS)
		AmountOutOfRange();
}

/* ---- cbl.duty_components ------------------------------------------------- */

/*
 * cbl.duty_components(rate): one row per term, with the part it belongs to
 * (main, min, max), its position, its kind, and either the percentage or
 * the amount, the quantity it is for and the unit.
 */
Datum
cbl_duty_components(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	DutyRate	r;

	DatumGetDutyRate(PG_GETARG_DATUM(0), &r);
	InitMaterializedSRF(fcinfo, 0);

	for (int part = 0; part < DUTY_PARTS; part++)
		for (int i = 0; i < r.nterms[part]; i++)
		{
			const DutyTerm *t = &r.terms[part][i];
			Datum		values[8];
			bool		nulls[8] = {false};

			values[0] = CStringGetTextDatum(part_names[part]);
			values[1] = Int32GetDatum(i + 1);
			if (t->kind == DUTY_AD_VALOREM)
			{
				values[2] = CStringGetTextDatum("ad valorem");
				values[3] = MillionthsNumeric(t->value);
				nulls[4] = nulls[5] = nulls[6] = nulls[7] = true;
			}
			else
			{
				values[2] = CStringGetTextDatum("specific");
				nulls[3] = true;
				values[4] = AmountPGetDatum(MakeAmount(t->value, t->currency));
				values[5] = MillionthsNumeric(t->per);
				values[6] = CStringGetTextDatum(DutyUnitName(t->unit));
				values[7] = CStringGetTextDatum(DutyUnitKey(t->unit));
			}
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	return (Datum) 0;
}

/* ---- the duty of a rate ---------------------------------------------------- */

/* What a call to cbl.duty_compute / cbl.duty_amount keeps between calls. */
typedef struct ConvertCache
{
	bool		ready;
	FmgrInfo	convert;		/* cbl.convert(cbl.amount, text, date) */
} ConvertCache;

typedef struct DutyContext
{
	FunctionCallInfo fcinfo;
	int64		value;			/* customs value, micro-units */
	CurrencyCode currency;		/* its currency */
	Jsonb	   *quantities;		/* an object, or NULL */
	bool		have_date;
	DateADT		on_date;
	const char *rate_text;		/* for messages */
} DutyContext;

/* The quantity of a key (kg, pr, item ...) in millionths; raises if absent. */
static int64
Quantity(DutyContext *ctx, const char *key, const DutyTerm *t)
{
	JsonbValue	v;
	JsonbValue *found = NULL;
	char		term[128];

	if (ctx->quantities != NULL)
		found = getKeyJsonValueFromContainer(&ctx->quantities->root, key, strlen(key), &v);
	if (found == NULL || found->type == jbvNull)
	{
		DutyFormatTerm(t, term, sizeof(term));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("duty rate \"%s\" needs the quantity in %s", ctx->rate_text, key),
				 errdetail("The term %s is charged per %s.", term, DutyUnitName(t->unit)),
				 errhint("Give it in quantities, e.g. '{\"%s\": 12.5}'.", key)));
	}
	if (found->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("quantity \"%s\" must be a JSON number", key),
				 errhint("Write it without quotes, e.g. '{\"%s\": 12.5}'.", key)));
	return NumericToMillionths(found->val.numeric, psprintf("quantity \"%s\"", key), false);
}

/* An amount in another currency converted with cbl.convert on the context's date. */
static int64
ConvertMicros(DutyContext *ctx, int64 micros, CurrencyCode from, const DutyTerm *t)
{
	FunctionCallInfo fcinfo = ctx->fcinfo;
	ConvertCache *cache = (ConvertCache *) fcinfo->flinfo->fn_extra;
	const char *to_code = AmountCurrency(ctx->currency)->code;
	Amount	   *converted;

	if (!ctx->have_date)
	{
		char		term[128];

		DutyFormatTerm(t, term, sizeof(term));
		ereport(ERROR,
				(errcode(ERRCODE_CBL_CURRENCY_MISMATCH),
				 errmsg("duty rate \"%s\" has a term in %s but the customs value is in %s",
						ctx->rate_text, AmountCurrency(from)->code, to_code),
				 errdetail("The term is %s.", term),
				 errhint("Give the date of the exchange rate (on_date) so that cbl.convert() can convert it, or convert the customs value first.")));
	}
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ConvertCache));
		fcinfo->flinfo->fn_extra = cache;
	}
	if (!cache->ready)
	{
		Oid			argtypes[3] = {AmountTypeOid(), TEXTOID, DATEOID};
		List	   *name = list_make2(makeString(pstrdup("cbl")), makeString(pstrdup("convert")));
		Oid			fn = LookupFuncName(name, 3, argtypes, false);

		fmgr_info_cxt(fn, &cache->convert, fcinfo->flinfo->fn_mcxt);
		cache->ready = true;
	}
	converted = DatumGetAmountP(FunctionCall3(&cache->convert,
											  AmountPGetDatum(MakeAmount(micros, from)),
											  CStringGetTextDatum(to_code),
											  DateADTGetDatum(ctx->on_date)));
	return converted->micros;
}

/* The sum of one part's terms in the customs value's currency, explained. */
static int64
ComputePart(DutyContext *ctx, const DutyTerm *terms, int n, StringInfo expl)
{
	int64		sum = 0;

	for (int i = 0; i < n; i++)
	{
		const DutyTerm *t = &terms[i];
		char		term[128];
		int64		x;

		DutyFormatTerm(t, term, sizeof(term));
		if (i > 0)
			appendStringInfoString(expl, " + ");
		if (t->kind == DUTY_AD_VALOREM)
		{
			if (!DutyAdValoremMicros(t->value, ctx->value, &x))
				AmountOutOfRange();
			appendStringInfo(expl, "%s of %s = %s", term,
							 AmountText(ctx->value, ctx->currency),
							 AmountText(x, ctx->currency));
		}
		else
		{
			const char *key = DutyUnitKey(t->unit);
			int64		q = Quantity(ctx, key, t);

			if (!DutySpecificMicros(t, q, &x))
				AmountOutOfRange();
			appendStringInfo(expl, "%s x %s %s = %s", term, MillionthsText(q), key,
							 AmountText(x, t->currency));
			if (t->currency != ctx->currency)
			{
				x = ConvertMicros(ctx, x, t->currency, t);
				appendStringInfo(expl, " = %s on %s", AmountText(x, ctx->currency),
								 DateText(ctx->on_date));
			}
		}
		CheckedAdd(sum, x, &sum);
	}
	return sum;
}

/*
 * The duty of a rate: the main part, capped by the maximum, raised to the
 * minimum; exact to the micro-unit (each term rounded half-even to the
 * micro-unit), not rounded to the minor unit.
 */
static int64
ComputeDuty(FunctionCallInfo fcinfo, StringInfo expl, CurrencyCode *currency)
{
	DutyRate	r;
	Amount	   *value = PG_GETARG_AMOUNT_P(1);
	DutyContext ctx;
	int64		main_part;
	int64		result;

	DatumGetDutyRate(PG_GETARG_DATUM(0), &r);
	ctx.fcinfo = fcinfo;
	ctx.value = value->micros;
	ctx.currency = value->currency;
	ctx.quantities = PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2);
	ctx.have_date = !PG_ARGISNULL(3);
	ctx.on_date = ctx.have_date ? PG_GETARG_DATEADT(3) : 0;
	ctx.rate_text = DutyRateText(&r);
	*currency = value->currency;

	if (value->micros < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("customs value must not be negative"),
				 errdetail("It is %s.", AmountText(value->micros, value->currency))));
	if (ctx.quantities != NULL &&
		(!JB_ROOT_IS_OBJECT(ctx.quantities) || JB_ROOT_IS_SCALAR(ctx.quantities)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("quantities must be a JSON object"),
				 errhint("Give them by unit, e.g. '{\"kg\": 12.5, \"pr\": 10}'.")));
	if (ctx.have_date && DATE_NOT_FINITE(ctx.on_date))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the date of a duty calculation must be finite")));

	if (DutyRateIsFree(&r))
	{
		appendStringInfoString(expl, "Free");
		return 0;
	}

	main_part = ComputePart(&ctx, r.terms[DUTY_PART_MAIN], r.nterms[DUTY_PART_MAIN], expl);
	result = main_part;
	if (r.nterms[DUTY_PART_MAX] > 0)
	{
		int64		max_part;

		appendStringInfoString(expl, "; maximum ");
		max_part = ComputePart(&ctx, r.terms[DUTY_PART_MAX], r.nterms[DUTY_PART_MAX], expl);
		if (result > max_part)
		{
			result = max_part;
			appendStringInfoString(expl, ", applied");
		}
		else
			appendStringInfoString(expl, ", not reached");
	}
	if (r.nterms[DUTY_PART_MIN] > 0)
	{
		int64		min_part;

		appendStringInfoString(expl, "; minimum ");
		min_part = ComputePart(&ctx, r.terms[DUTY_PART_MIN], r.nterms[DUTY_PART_MIN], expl);
		if (result < min_part)
		{
			result = min_part;
			appendStringInfoString(expl, ", applied");
		}
		else
			appendStringInfoString(expl, ", not reached");
	}
	if (r.nterms[DUTY_PART_MAIN] > 1 || r.nterms[DUTY_PART_MIN] > 0 || r.nterms[DUTY_PART_MAX] > 0)
		appendStringInfo(expl, "; duty %s", AmountText(result, value->currency));
	return result;
}

/*
 * cbl.duty_compute(rate, customs_value, quantities, on_date) -> (duty, explanation)
 *	  NULL rate or value gives NULL; NULL quantities count as none; NULL
 *	  on_date refuses terms in another currency.
 */
Datum
cbl_duty_compute(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	StringInfoData expl;
	CurrencyCode currency;
	int64		duty;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "cbl.duty_compute must return a composite");
	tupdesc = BlessTupleDesc(tupdesc);
	initStringInfo(&expl);
	duty = ComputeDuty(fcinfo, &expl, &currency);
	values[0] = AmountPGetDatum(MakeAmount(duty, currency));
	values[1] = CStringGetTextDatum(expl.data);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* cbl.duty_amount(rate, customs_value, quantities, on_date): the duty only. */
Datum
cbl_duty_amount(PG_FUNCTION_ARGS)
{
	StringInfoData expl;
	CurrencyCode currency;
	int64		duty;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	initStringInfo(&expl);
	duty = ComputeDuty(fcinfo, &expl, &currency);
	PG_RETURN_AMOUNT_P(MakeAmount(duty, currency));
}

/* ---- rounding to a national increment ------------------------------------ */

/*
 * The increment to round to, in micro-units: a positive numeric of major
 * units with at most 6 decimals, or (NULL) the currency's minor unit.
 */
static int64
IncrementMicros(FunctionCallInfo fcinfo, int argno, CurrencyCode currency)
{
	const CurrencyInfo *info = AmountCurrency(currency);
	int64		unit;

	if (PG_ARGISNULL(argno))
	{
		if (info->minor_unit < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("currency %s has no minor unit", info->code),
					 errhint("Give the increment to round to, e.g. 0.01.")));
		unit = 1;
		for (int i = info->minor_unit; i < AMOUNT_SCALE; i++)
			unit *= 10;
		return unit;
	}
	unit = NumericToMillionths(PG_GETARG_NUMERIC(argno), "rounding increment", false);
	if (unit == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rounding increment must be more than zero")));
	return unit;
}

/* num / den rounded with a mode to a multiple of unit micro-units, as an amount. */
static Amount *
RoundedAmount(Numeric num, Numeric den, int64 unit, RoundMode mode, CurrencyCode currency)
{
	Numeric		units = NumericDivRound(num, numeric_mul_opt_error(den, int64_to_numeric(unit), NULL), mode);
	Numeric		micros = numeric_mul_opt_error(units, int64_to_numeric(unit), NULL);

	if (NumericCmp(micros, int64_to_numeric(AMOUNT_MAX_MICROS)) > 0 ||
		NumericCmp(micros, int64_to_numeric(AMOUNT_MIN_MICROS)) < 0)
		AmountOutOfRange();
	return MakeAmount(DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(micros))),
					  currency);
}

/*
 * cbl.customs_round(value, rounding, unit): the amount rounded with a mode
 * to a multiple of unit major units (NULL: the minor unit), e.g. down to
 * 100 JPY.
 */
Datum
cbl_customs_round(PG_FUNCTION_ARGS)
{
	Amount	   *a;
	RoundMode	mode;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	a = PG_GETARG_AMOUNT_P(0);
	mode = RoundModeFromName(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	PG_RETURN_AMOUNT_P(RoundedAmount(int64_to_numeric(a->micros), int64_to_numeric(1),
									 IncrementMicros(fcinfo, 2, a->currency), mode,
									 a->currency));
}

/*
 * cbl.customs_percent(value, percent, rounding, unit): value * percent / 100
 * computed exactly and rounded once with a mode to a multiple of unit (NULL:
 * the minor unit).  For taxes and fees, whose rates may have many decimals.
 */
Datum
cbl_customs_percent(PG_FUNCTION_ARGS)
{
	Amount	   *a;
	Numeric		percent;
	RoundMode	mode;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	a = PG_GETARG_AMOUNT_P(0);
	percent = PG_GETARG_NUMERIC(1);
	mode = RoundModeFromName(text_to_cstring(PG_GETARG_TEXT_PP(2)));
	if (numeric_is_nan(percent) || numeric_is_inf(percent))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("percent must be a finite number")));
	PG_RETURN_AMOUNT_P(RoundedAmount(numeric_mul_opt_error(int64_to_numeric(a->micros), percent, NULL),
									 int64_to_numeric(100),
									 IncrementMicros(fcinfo, 3, a->currency), mode,
									 a->currency));
}

/* ---- cbl.allocate ------------------------------------------------------------ */

typedef struct Share
{
	int			index;
	Numeric		remainder;
} Share;

/* Larger remainder first; on a tie, the earlier position. */
static int
ShareCmp(const void *a, const void *b)
{
	const Share *x = (const Share *) a;
	const Share *y = (const Share *) b;
	int			c = NumericCmp(y->remainder, x->remainder);

	if (c != 0)
		return c;
	return (x->index > y->index) - (x->index < y->index);
}

/*
 * cbl.allocate(total, weights): the total split in proportion to the
 * weights into whole minor units that sum exactly to it.  Each part gets
 * the whole units of its exact share; the units left over go one each to
 * the largest remainders, the earlier position first on a tie.  A negative
 * total is split as its absolute value, negated.
 */
Datum
cbl_allocate(PG_FUNCTION_ARGS)
{
	Amount	   *total = PG_GETARG_AMOUNT_P(0);
	ArrayType  *weights = PG_GETARG_ARRAYTYPE_P(1);
	const CurrencyInfo *info = AmountCurrency(total->currency);
	Oid			amount_type = get_fn_expr_argtype(fcinfo->flinfo, 0);
	Datum	   *elems;
	bool	   *elem_nulls;
	int			n;
	int64		unit = 1;
	int64		units;
	int64		sign = total->micros < 0 ? -1 : 1;
	Numeric		sum = int64_to_numeric(0);
	Numeric    *w;
	int64	   *parts;
	Share	   *shares;
	int64		assigned = 0;
	Datum	   *result;

	if (!OidIsValid(amount_type))
		amount_type = AmountTypeOid();
	if (ARR_NDIM(weights) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("weights must be a one-dimensional array")));
	deconstruct_array(weights, NUMERICOID, -1, false, TYPALIGN_INT, &elems, &elem_nulls, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot allocate %s over no weights", AmountText(total->micros, total->currency)),
				 errhint("Give one weight per part.")));
	if (info->minor_unit < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("currency %s has no minor unit to allocate in", info->code)));
	for (int i = info->minor_unit; i < AMOUNT_SCALE; i++)
		unit *= 10;
	if (total->micros % unit != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot allocate %s in whole minor units of %s",
						AmountText(total->micros, total->currency), info->code),
				 errdetail("The total has digits below the minor unit."),
				 errhint("Round it first, e.g. with cbl.round().")));
	units = (total->micros < 0 ? -total->micros : total->micros) / unit;

	w = palloc(sizeof(Numeric) * n);
	for (int i = 0; i < n; i++)
	{
		if (elem_nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("weight %d is null", i + 1)));
		w[i] = DatumGetNumeric(elems[i]);
		if (numeric_is_nan(w[i]) || numeric_is_inf(w[i]) || NumericCmp(w[i], int64_to_numeric(0)) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("weight %d must be a finite number not below zero", i + 1),
					 errdetail("It is %s.", NumericText(w[i]))));
		sum = numeric_add_opt_error(sum, w[i], NULL);
	}

	parts = palloc0(sizeof(int64) * n);
	if (units > 0)
	{
		Numeric		total_units = int64_to_numeric(units);

		if (NumericIsZero(sum))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot allocate %s: every weight is zero",
							AmountText(total->micros, total->currency)),
					 errhint("Give at least one weight above zero.")));
		shares = palloc(sizeof(Share) * n);
		for (int i = 0; i < n; i++)
		{
			Numeric		product = numeric_mul_opt_error(total_units, w[i], NULL);
			Numeric		q = DatumGetNumeric(DirectFunctionCall2(numeric_div_trunc,
																NumericGetDatum(product),
																NumericGetDatum(sum)));

			parts[i] = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(q)));
			assigned += parts[i];
			shares[i].index = i;
			shares[i].remainder = numeric_mod_opt_error(product, sum, NULL);
		}
		/* fewer than n units are left: one each to the largest remainders */
		qsort(shares, n, sizeof(Share), ShareCmp);
		for (int64 k = 0; k < units - assigned; k++)
			parts[shares[k].index]++;
	}

	result = palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
		result[i] = AmountPGetDatum(MakeAmount(sign * parts[i] * unit, total->currency));
	PG_RETURN_ARRAYTYPE_P(construct_array(result, n, amount_type, sizeof(Amount), false,
										  TYPALIGN_DOUBLE));
}
