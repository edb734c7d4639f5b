/*
 * amount_agg.c
 *	  sum() and avg() over cbl.amount, and their state type cbl.amount_accum.
 *
 * The state is a real type with text and binary I/O (not "internal"), so
 * parallel query and Citus can ship partial states between processes and
 * nodes as text: "(count,sum of micro-units,currency)".  The sum is kept in
 * 128 bits, so no order of additions can overflow before the final result,
 * which makes the aggregate exactly order-independent.
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"		/* send/recv */
#include "utils/builtins.h"

#include "amount.h"
#include "cbl.h"
#include "state_order.h"

PG_FUNCTION_INFO_V1(cbl_amount_accum_in);
PG_FUNCTION_INFO_V1(cbl_amount_accum_out);
PG_FUNCTION_INFO_V1(cbl_amount_accum_recv);
PG_FUNCTION_INFO_V1(cbl_amount_accum_send);
PG_FUNCTION_INFO_V1(cbl_amount_accum_add);
PG_FUNCTION_INFO_V1(cbl_amount_accum_combine);
PG_FUNCTION_INFO_V1(cbl_amount_accum_sum);
PG_FUNCTION_INFO_V1(cbl_amount_accum_avg);

/*
 * 32 bytes, aligned like double.  The 128-bit sum is stored as two 64-bit
 * halves because PostgreSQL guarantees only 8-byte alignment for the datum.
 */
typedef struct AmountAccum
{
	int64		count;
	int64		sum_hi;
	uint64		sum_lo;
	CurrencyCode currency;		/* CURRENCY_NONE while count = 0 */
	uint16		reserved0;		/* always zero */
	uint32		reserved1;		/* always zero */
} AmountAccum;

#define PG_GETARG_ACCUM_P(n)	((AmountAccum *) PG_GETARG_POINTER(n))

static __int128
AccumSum(const AmountAccum *s)
{
	return (__int128) (((unsigned __int128) (uint64) s->sum_hi << 64) | s->sum_lo);
}

static void
AccumSetSum(AmountAccum *s, __int128 sum)
{
	s->sum_hi = (int64) (sum >> 64);
	s->sum_lo = (uint64) sum;
}

static AmountAccum *
AccumFromValue(const AmountAccumValue *v)
{
	AmountAccum *s = (AmountAccum *) palloc0(sizeof(AmountAccum));

	s->count = v->count;
	AccumSetSum(s, v->sum);
	s->currency = v->currency;
	return s;
}

/* ---- I/O ------------------------------------------------------------------ */

Datum
cbl_amount_accum_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	AmountAccumValue v;
	ParseError	err;

	if (!AmountAccumParse(str, &v, &err))
		CblRaiseInputError("cbl.amount_accum", str, &err);
	PG_RETURN_POINTER(AccumFromValue(&v));
}

Datum
cbl_amount_accum_out(PG_FUNCTION_ARGS)
{
	AmountAccum *s = PG_GETARG_ACCUM_P(0);
	AmountAccumValue v = {s->count, AccumSum(s), s->currency};
	char	   *buf = palloc(AMOUNT_ACCUM_TEXT_MAX);

	AmountAccumFormat(&v, buf, AMOUNT_ACCUM_TEXT_MAX);
	PG_RETURN_CSTRING(buf);
}

/* The binary form goes through the text form's validation, so recv = in. */
Datum
cbl_amount_accum_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	const char *str = pq_getmsgstring(buf);
	AmountAccumValue v;
	ParseError	err;

	if (!AmountAccumParse(str, &v, &err))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external cbl.amount_accum value"),
				 errdetail("%s", err.detail)));
	PG_RETURN_POINTER(AccumFromValue(&v));
}

Datum
cbl_amount_accum_send(PG_FUNCTION_ARGS)
{
	AmountAccum *s = PG_GETARG_ACCUM_P(0);
	AmountAccumValue v = {s->count, AccumSum(s), s->currency};
	char		text[AMOUNT_ACCUM_TEXT_MAX];
	StringInfoData buf;

	AmountAccumFormat(&v, text, sizeof(text));
	pq_begintypsend(&buf);
	pq_sendstring(&buf, text);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---- transition, combine, final ------------------------------------------ */

/*
 * The state we may write: the argument itself inside an aggregate (the
 * executor owns it), a copy otherwise.
 */
static AmountAccum *
WritableState(FunctionCallInfo fcinfo)
{
	AmountAccum *s = PG_GETARG_ACCUM_P(0);
	AmountAccum *copy;

	if (AggCheckCallContext(fcinfo, NULL))
		return s;
	copy = (AmountAccum *) palloc(sizeof(AmountAccum));
	memcpy(copy, s, sizeof(AmountAccum));
	return copy;
}

static void
AccumMerge(AmountAccum *s, int64 count, __int128 sum, CurrencyCode currency,
		   const char *verb)
{
	if (count == 0)
		return;
	if (s->count == 0)
		s->currency = currency;
	else
		CheckSameCurrency(s->currency, currency, verb);
	/* count can reach 2^63 only after 2^63 rows; sums of them fit in 128 bits */
	s->count += count;
	AccumSetSum(s, AccumSum(s) + sum);
}

Datum
cbl_amount_accum_add(PG_FUNCTION_ARGS)
{
	AmountAccum *s = WritableState(fcinfo);
	Amount	   *a = PG_GETARG_AMOUNT_P(1);

	AccumMerge(s, 1, a->micros, a->currency, "aggregate");
	PG_RETURN_POINTER(s);
}

Datum
cbl_amount_accum_combine(PG_FUNCTION_ARGS)
{
	AmountAccum *s = WritableState(fcinfo);
	AmountAccum *other = PG_GETARG_ACCUM_P(1);

	AccumMerge(s, other->count, AccumSum(other), other->currency, "aggregate");
	PG_RETURN_POINTER(s);
}

Datum
cbl_amount_accum_sum(PG_FUNCTION_ARGS)
{
	AmountAccum *s = PG_GETARG_ACCUM_P(0);
	__int128	sum = AccumSum(s);

	if (s->count == 0)
		PG_RETURN_NULL();
	if (sum > AMOUNT_MAX_MICROS || sum < AMOUNT_MIN_MICROS)
		AmountOutOfRange();
	PG_RETURN_AMOUNT_P(MakeAmount((int64) sum, s->currency));
}

/* The mean, rounded half-even to the micro-unit. */
Datum
cbl_amount_accum_avg(PG_FUNCTION_ARGS)
{
	AmountAccum *s = PG_GETARG_ACCUM_P(0);
	__int128	sum = AccumSum(s);
	__int128	q;

	if (s->count == 0)
		PG_RETURN_NULL();
	q = DivRound(sum, s->count, ROUND_HALF_EVEN);
	/* |mean| <= max |input|, so q is always in range */
	PG_RETURN_AMOUNT_P(MakeAmount((int64) q, s->currency));
}

/* ---- order and hash (state_order.h) --------------------------------------- */

/* Currency (alphabetical), then count, then sum. */
static int
AmountAccumCompare(const AmountAccum *a, const AmountAccum *b)
{
	__int128	sa = AccumSum(a),
				sb = AccumSum(b);

	if (a->currency != b->currency)
		return CBL_CMP(a->currency, b->currency);
	if (a->count != b->count)
		return CBL_CMP(a->count, b->count);
	return CBL_CMP(sa, sb);
}

static void
AmountAccumHashKey(const AmountAccum *s, int64 key[], int *n)
{
	key[(*n)++] = s->currency;
	key[(*n)++] = s->count;
	key[(*n)++] = s->sum_hi;
	key[(*n)++] = (int64) s->sum_lo;
}

CBL_STATE_ORDER_FUNCS(AmountAccum, cbl_amount_accum)
