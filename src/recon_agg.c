/*
 * recon_agg.c
 *	  cbl.recon_agg(expected, invoiced, tolerance): counts and totals of a
 *	  reconciliation by outcome, and its state type cbl.recon_accum.
 *
 * Each row is one pair of an expected amount (a charge) and an invoiced
 * amount (an invoice line), either of which may be NULL: matched when they
 * differ by at most the tolerance, over- or under-billed otherwise,
 * unexpected without an expected amount, missing without an invoiced one.
 * The classification, combination and text form are pure C in
 * recon_parse.c; this file is the SQL face.  Like cbl.amount_accum, the
 * state is a real fixed-size type with text and binary I/O, so parallel
 * query and Citus ship partial states as text and no serial functions are
 * needed.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "access/htup_details.h"
#include "libpq/pqformat.h"		/* send/recv */
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "amount.h"
#include "cbl.h"
#include "recon_parse.h"
#include "state_order.h"

PG_FUNCTION_INFO_V1(cbl_recon_accum_in);
PG_FUNCTION_INFO_V1(cbl_recon_accum_out);
PG_FUNCTION_INFO_V1(cbl_recon_accum_recv);
PG_FUNCTION_INFO_V1(cbl_recon_accum_send);
PG_FUNCTION_INFO_V1(cbl_recon_accum_add);
PG_FUNCTION_INFO_V1(cbl_recon_accum_combine);
PG_FUNCTION_INFO_V1(cbl_recon_accum_final);

/*
 * 160 bytes, aligned like double.  128-bit sums are stored as two 64-bit
 * halves because PostgreSQL guarantees only 8-byte alignment for the datum.
 */
typedef struct ReconAccum
{
	int64		count[RECON_OUTCOMES];
	int64		sum_hi[RECON_SUMS];
	uint64		sum_lo[RECON_SUMS];
	CurrencyCode currency;		/* CURRENCY_NONE while empty */
	uint16		reserved0;		/* always zero */
	uint32		reserved1;		/* always zero */
} ReconAccum;

StaticAssertDecl(sizeof(ReconAccum) == 160, "cbl.recon_accum is declared INTERNALLENGTH = 160");

#define PG_GETARG_RECON_P(n)	((ReconAccum *) PG_GETARG_POINTER(n))

static void
ToValue(const ReconAccum *s, ReconAccumValue *v)
{
	for (int i = 0; i < RECON_OUTCOMES; i++)
		v->count[i] = s->count[i];
	for (int i = 0; i < RECON_SUMS; i++)
		v->sum[i] = (__int128) (((unsigned __int128) (uint64) s->sum_hi[i] << 64) | s->sum_lo[i]);
	v->currency = s->currency;
}

static void
FromValue(const ReconAccumValue *v, ReconAccum *s)
{
	memset(s, 0, sizeof(ReconAccum));
	for (int i = 0; i < RECON_OUTCOMES; i++)
		s->count[i] = v->count[i];
	for (int i = 0; i < RECON_SUMS; i++)
	{
		s->sum_hi[i] = (int64) (v->sum[i] >> 64);
		s->sum_lo[i] = (uint64) v->sum[i];
	}
	s->currency = v->currency;
}

static ReconAccum *
NewState(const ReconAccumValue *v)
{
	ReconAccum *s = (ReconAccum *) palloc(sizeof(ReconAccum));

	FromValue(v, s);
	return s;
}

/* ---- I/O ------------------------------------------------------------------ */

Datum
cbl_recon_accum_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	ReconAccumValue v;
	ParseError	err;

	if (!ReconAccumParse(str, &v, &err))
		CblRaiseInputError("cbl.recon_accum", str, &err);
	PG_RETURN_POINTER(NewState(&v));
}

Datum
cbl_recon_accum_out(PG_FUNCTION_ARGS)
{
	ReconAccumValue v;
	char	   *buf = palloc(RECON_ACCUM_TEXT_MAX);

	ToValue(PG_GETARG_RECON_P(0), &v);
	ReconAccumFormat(&v, buf, RECON_ACCUM_TEXT_MAX);
	PG_RETURN_CSTRING(buf);
}

/* The binary form goes through the text form's validation, so recv = in. */
Datum
cbl_recon_accum_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	const char *str = pq_getmsgstring(buf);
	ReconAccumValue v;
	ParseError	err;

	if (!ReconAccumParse(str, &v, &err))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external cbl.recon_accum value"),
				 errdetail("%s", err.detail)));
	PG_RETURN_POINTER(NewState(&v));
}

Datum
cbl_recon_accum_send(PG_FUNCTION_ARGS)
{
	ReconAccumValue v;
	char		text[RECON_ACCUM_TEXT_MAX];
	StringInfoData buf;

	ToValue(PG_GETARG_RECON_P(0), &v);
	ReconAccumFormat(&v, text, sizeof(text));
	pq_begintypsend(&buf);
	pq_sendstring(&buf, text);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---- transition, combine, final ------------------------------------------ */

/*
 * The state we may write: the argument itself inside an aggregate (the
 * executor owns it), a copy otherwise.
 */
static ReconAccum *
WritableState(FunctionCallInfo fcinfo)
{
	ReconAccum *s = PG_GETARG_RECON_P(0);
	ReconAccum *copy;

	if (AggCheckCallContext(fcinfo, NULL))
		return s;
	copy = (ReconAccum *) palloc(sizeof(ReconAccum));
	memcpy(copy, s, sizeof(ReconAccum));
	return copy;
}

/* The tolerance in micro-units: truncated toward zero, capped at the range. */
static int64
ToleranceMicros(Numeric tolerance)
{
	Datum		micros;
	Datum		cap = NumericGetDatum(int64_to_numeric(PG_INT64_MAX));

	if (numeric_is_nan(tolerance) ||
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(tolerance),
										  NumericGetDatum(int64_to_numeric(0)))) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a reconciliation tolerance must be a number of at least 0, not %s",
						DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(tolerance))))));
	micros = DirectFunctionCall2(numeric_mul, NumericGetDatum(tolerance),
								 NumericGetDatum(int64_to_numeric(1000000)));
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, micros, cap)) >= 0)
		return PG_INT64_MAX;
	micros = DirectFunctionCall2(numeric_trunc, micros, Int32GetDatum(0));
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, micros));
}

Datum
cbl_recon_accum_add(PG_FUNCTION_ARGS)
{
	ReconAccum *s;
	ReconAccumValue v;
	Amount	   *expected = PG_ARGISNULL(1) ? NULL : PG_GETARG_AMOUNT_P(1);
	Amount	   *invoiced = PG_ARGISNULL(2) ? NULL : PG_GETARG_AMOUNT_P(2);
	int64		tolerance = 0;
	CurrencyCode currency;
	CurrencyCode mismatch = CURRENCY_NONE;

	if (PG_ARGISNULL(0))
	{
		ReconAccumInit(&v);
		s = NewState(&v);
	}
	else
		s = WritableState(fcinfo);
	if (expected == NULL && invoiced == NULL)
		PG_RETURN_POINTER(s);
	if (expected != NULL && invoiced != NULL)
		CheckSameCurrency(expected->currency, invoiced->currency, "reconcile");
	currency = expected != NULL ? expected->currency : invoiced->currency;
	if (!PG_ARGISNULL(3) && expected != NULL && invoiced != NULL)
		tolerance = ToleranceMicros(PG_GETARG_NUMERIC(3));

	ToValue(s, &v);
	if (ReconAccumAdd(&v, expected != NULL, expected ? expected->micros : 0,
					  invoiced != NULL, invoiced ? invoiced->micros : 0,
					  currency, tolerance, &mismatch) < 0)
		CheckSameCurrency(mismatch, currency, "aggregate");
	FromValue(&v, s);
	PG_RETURN_POINTER(s);
}

Datum
cbl_recon_accum_combine(PG_FUNCTION_ARGS)
{
	ReconAccum *s = WritableState(fcinfo);
	ReconAccum *other = PG_GETARG_RECON_P(1);
	ReconAccumValue v;
	ReconAccumValue w;

	ToValue(s, &v);
	ToValue(other, &w);
	if (!ReconAccumCombine(&v, &w))
		CheckSameCurrency(v.currency, w.currency, "aggregate");
	FromValue(&v, s);
	PG_RETURN_POINTER(s);
}

static Datum
SumAmount(__int128 sum, CurrencyCode currency)
{
	if (sum > AMOUNT_MAX_MICROS || sum < AMOUNT_MIN_MICROS)
		AmountOutOfRange();
	return AmountPGetDatum(MakeAmount((int64) sum, currency));
}

/*
 * The summary (cbl.recon_summary): currency, the five counts, the amount of
 * each outcome (matched: invoiced; over/under-billed: variance; unexpected:
 * invoiced; missing: expected), expected and invoiced totals, net variance.
 * NULL when no row had an amount.
 */
Datum
cbl_recon_accum_final(PG_FUNCTION_ARGS)
{
	ReconAccumValue v;
	TupleDesc	tupdesc;
	Datum		values[14];
	bool		nulls[14] = {0};
	int			k = 0;

	ToValue(PG_GETARG_RECON_P(0), &v);
	if (ReconAccumRows(&v) == 0)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "cbl.recon_agg must return a composite type");
	if (tupdesc->natts != 14)
		elog(ERROR, "cbl.recon_summary has %d attributes, expected 14", tupdesc->natts);
	tupdesc = BlessTupleDesc(tupdesc);

	values[k++] = CStringGetTextDatum(AmountCurrency(v.currency)->code);
	for (int i = 0; i < RECON_OUTCOMES; i++)
		values[k++] = Int64GetDatum(v.count[i]);
	for (int i = RECON_SUM_MATCHED; i <= RECON_SUM_INVOICED; i++)
		values[k++] = SumAmount(v.sum[i], v.currency);
	values[k++] = SumAmount(v.sum[RECON_SUM_INVOICED] - v.sum[RECON_SUM_EXPECTED], v.currency);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* ---- order and hash (state_order.h) --------------------------------------- */

/* Currency (alphabetical), then the counts, then the sums, in their order. */
static int
ReconAccumCompare(const ReconAccum *a, const ReconAccum *b)
{
	if (a->currency != b->currency)
		return CBL_CMP(a->currency, b->currency);
	for (int i = 0; i < RECON_OUTCOMES; i++)
		if (a->count[i] != b->count[i])
			return CBL_CMP(a->count[i], b->count[i]);
	for (int i = 0; i < RECON_SUMS; i++)
	{
		if (a->sum_hi[i] != b->sum_hi[i])
			return CBL_CMP(a->sum_hi[i], b->sum_hi[i]);
		if (a->sum_lo[i] != b->sum_lo[i])
			return CBL_CMP(a->sum_lo[i], b->sum_lo[i]);
	}
	return 0;
}

static void
ReconAccumHashKey(const ReconAccum *s, int64 key[], int *n)
{
	StaticAssertStmt(1 + RECON_OUTCOMES + 2 * RECON_SUMS <= CBL_STATE_HASH_KEY_MAX,
					 "the hash key of cbl.recon_accum fits");
	key[(*n)++] = s->currency;
	for (int i = 0; i < RECON_OUTCOMES; i++)
		key[(*n)++] = s->count[i];
	for (int i = 0; i < RECON_SUMS; i++)
	{
		key[(*n)++] = s->sum_hi[i];
		key[(*n)++] = (int64) s->sum_lo[i];
	}
}

CBL_STATE_ORDER_FUNCS(ReconAccum, cbl_recon_accum)
