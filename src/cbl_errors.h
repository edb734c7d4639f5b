/*
 * cbl_errors.h
 *	  SQLSTATEs of cbl's own error class "LG" (logistics).
 *
 * Classes beginning with a letter from I to Z are free for implementations,
 * so these never collide with the SQL standard's or PostgreSQL's codes.
 * Input syntax, range and argument errors use PostgreSQL's standard codes
 * (22P02, 22003, 22023); these are for conditions a caller may want to
 * catch by name.  docs/errors.md lists them.
 */
#ifndef CBL_ERRORS_H
#define CBL_ERRORS_H

#define ERRCODE_CBL_CURRENCY_MISMATCH	MAKE_SQLSTATE('L','G','0','0','1')
#define ERRCODE_CBL_UNKNOWN_CURRENCY	MAKE_SQLSTATE('L','G','0','0','2')
#define ERRCODE_CBL_FX_RATE_NOT_FOUND	MAKE_SQLSTATE('L','G','0','0','3')
#define ERRCODE_CBL_PG_CRON_UNAVAILABLE	MAKE_SQLSTATE('L','G','0','0','4')
#define ERRCODE_CBL_NO_RATE_CARD		MAKE_SQLSTATE('L','G','0','1','0')
#define ERRCODE_CBL_NO_ZONE			MAKE_SQLSTATE('L','G','0','1','1')
#define ERRCODE_CBL_NO_PRICE			MAKE_SQLSTATE('L','G','0','1','2')
#define ERRCODE_CBL_CHARGE_NOT_FOUND	MAKE_SQLSTATE('L','G','0','2','0')
#define ERRCODE_CBL_PARTY_AMBIGUOUS		MAKE_SQLSTATE('L','G','0','2','1')
#define ERRCODE_CBL_CHARGE_VOIDED		MAKE_SQLSTATE('L','G','0','2','2')
#define ERRCODE_CBL_CHARGE_FINAL		MAKE_SQLSTATE('L','G','0','2','3')
#define ERRCODE_CBL_NOT_BILLABLE		MAKE_SQLSTATE('L','G','0','2','4')
#define ERRCODE_CBL_INVOICE_CONFLICT	MAKE_SQLSTATE('L','G','0','2','5')
#define ERRCODE_CBL_PERIOD_CLOSED		MAKE_SQLSTATE('L','G','0','3','0')
#define ERRCODE_CBL_PERIOD_NOT_ENDED	MAKE_SQLSTATE('L','G','0','3','1')
#define ERRCODE_CBL_STATEMENT_FINAL		MAKE_SQLSTATE('L','G','0','3','2')
#define ERRCODE_CBL_COMMISSION_TOO_SOON	MAKE_SQLSTATE('L','G','0','3','3')
#define ERRCODE_CBL_SETTLEMENT_FAILED	MAKE_SQLSTATE('L','G','0','3','4')

#endif							/* CBL_ERRORS_H */
