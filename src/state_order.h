/*
 * state_order.h
 *	  Comparison and hash functions for cbl's aggregate state types
 *	  (cbl.amount_accum, cbl.recon_accum), so that every cbl type has default
 *	  btree and hash operator classes: Citus and the planner can then group,
 *	  sort, hash and de-duplicate partial states like any other value.
 *
 * A file defines, for its state type T,
 *	  static int  T##Compare(const T *a, const T *b);	  a total order
 *	  static void T##HashKey(const T *s, int64 key[], int *n);  the fields equality looks at
 * and expands CBL_STATE_ORDER_FUNCS(T, prefix) once, which defines the
 * SQL-callable prefix_cmp, _eq, _ne, _lt, _le, _gt, _ge, _hash and
 * _hash_extended.  Equal states (T##Compare = 0) have equal keys, so equal
 * hashes, whatever their padding.
 */
#ifndef CBL_STATE_ORDER_H
#define CBL_STATE_ORDER_H

#include "common/hashfn.h"

#define CBL_STATE_HASH_KEY_MAX 32

#define CBL_CMP(a, b)	((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

#define CBL_STATE_ORDER_FUNCS(T, prefix) \
PG_FUNCTION_INFO_V1(prefix##_cmp); \
PG_FUNCTION_INFO_V1(prefix##_eq); \
PG_FUNCTION_INFO_V1(prefix##_ne); \
PG_FUNCTION_INFO_V1(prefix##_lt); \
PG_FUNCTION_INFO_V1(prefix##_le); \
PG_FUNCTION_INFO_V1(prefix##_gt); \
PG_FUNCTION_INFO_V1(prefix##_ge); \
PG_FUNCTION_INFO_V1(prefix##_hash); \
PG_FUNCTION_INFO_V1(prefix##_hash_extended); \
static inline int \
prefix##_compare_args(FunctionCallInfo fcinfo) \
{ \
	return T##Compare((const T *) PG_GETARG_POINTER(0), (const T *) PG_GETARG_POINTER(1)); \
} \
Datum prefix##_cmp(PG_FUNCTION_ARGS) { PG_RETURN_INT32(prefix##_compare_args(fcinfo)); } \
Datum prefix##_eq(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(prefix##_compare_args(fcinfo) == 0); } \
Datum prefix##_ne(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(prefix##_compare_args(fcinfo) != 0); } \
Datum prefix##_lt(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(prefix##_compare_args(fcinfo) < 0); } \
Datum prefix##_le(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(prefix##_compare_args(fcinfo) <= 0); } \
Datum prefix##_gt(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(prefix##_compare_args(fcinfo) > 0); } \
Datum prefix##_ge(PG_FUNCTION_ARGS) { PG_RETURN_BOOL(prefix##_compare_args(fcinfo) >= 0); } \
Datum \
prefix##_hash(PG_FUNCTION_ARGS) \
{ \
	int64		key[CBL_STATE_HASH_KEY_MAX]; \
	int			n = 0; \
\
	T##HashKey((const T *) PG_GETARG_POINTER(0), key, &n); \
	return hash_any((const unsigned char *) key, n * (int) sizeof(int64)); \
} \
Datum \
prefix##_hash_extended(PG_FUNCTION_ARGS) \
{ \
	int64		key[CBL_STATE_HASH_KEY_MAX]; \
	int			n = 0; \
\
	T##HashKey((const T *) PG_GETARG_POINTER(0), key, &n); \
	return hash_any_extended((const unsigned char *) key, n * (int) sizeof(int64), \
							 PG_GETARG_INT64(1)); \
}

#endif							/* CBL_STATE_ORDER_H */
