/*
 * rounding.c
 *	  Exact rounded integer division (see rounding.h).
 */
#include <stdint.h>

#include "rounding.h"

__int128
DivRound(__int128 num, __int128 den, RoundMode mode)
{
	__int128	q;
	__int128	r;
	__int128	twice;
	__int128	absden = den < 0 ? -den : den;
	__int128	away = (num < 0) != (den < 0) ? -1 : 1;

	/* the common case fits 64 bits, whose division is several times faster */
	if (num >= INT64_MIN && num <= INT64_MAX && den >= -INT64_MAX && den <= INT64_MAX)
	{
		q = (int64_t) num / (int64_t) den;
		r = (int64_t) num % (int64_t) den;
	}
	else
	{
		q = num / den;
		r = num % den;
	}
	if (r == 0)
		return q;
	twice = 2 * (r < 0 ? -r : r);
	switch (mode)
	{
		case ROUND_DOWN:
			return q;
		case ROUND_UP:
			return q + away;
		case ROUND_HALF_UP:
			return twice >= absden ? q + away : q;
		case ROUND_HALF_EVEN:
		default:
			return (twice > absden || (twice == absden && q % 2 != 0)) ? q + away : q;
	}
}
