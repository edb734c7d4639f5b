/*
 * rounding.h
 *	  Rounding modes and exact rounded integer division, the one place cbl
 *	  decides how a quotient is rounded.
 *
 * Pure C (no PostgreSQL headers): the pure parsers and evaluators
 * (rating.c, duty_parse.c) and the backend files share it.
 */
#ifndef CBL_ROUNDING_H
#define CBL_ROUNDING_H

typedef enum RoundMode
{
	ROUND_HALF_EVEN,			/* banker's rounding: ties to even */
	ROUND_HALF_UP,				/* ties away from zero */
	ROUND_DOWN,					/* toward zero (truncate) */
	ROUND_UP					/* away from zero */
} RoundMode;

/* num / den (den != 0, any signs) rounded to a whole number with a mode. */
extern __int128 DivRound(__int128 num, __int128 den, RoundMode mode);

#endif							/* CBL_ROUNDING_H */
