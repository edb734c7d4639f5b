/*
 * parse_error.h
 *	  How cbl's pure-C parsers report what is wrong with an input.
 *
 * The parsers (currency.c, amount_parse.c, hs_code_parse.c, check_digit.c)
 * include no PostgreSQL header, so the libFuzzer targets in test/fuzz link
 * them without a backend.  They never raise: they fill a ParseError and
 * return false; the SQL-facing wrappers turn that into ereport(ERROR) for a
 * type's input function, or into false for its cbl.is_valid_* twin.
 */
#ifndef CBL_PARSE_ERROR_H
#define CBL_PARSE_ERROR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct ParseError
{
	bool		out_of_range;	/* well-formed but too large: SQLSTATE 22003 */
	char		detail[192];	/* a full sentence for errdetail() */
	char		hint[192];		/* a full sentence for errhint(), or "" */
} ParseError;

/* Fill err (if given) and return false, so parsers can "return ParseFail(...)". */
static inline bool ParseFail(ParseError *err, const char *hint, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

static inline bool
ParseFail(ParseError *err, const char *hint, const char *fmt,...)
{
	if (err != NULL)
	{
		va_list		ap;

		va_start(ap, fmt);
		vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
		va_end(ap);
		snprintf(err->hint, sizeof(err->hint), "%s", hint ? hint : "");
		err->out_of_range = false;
	}
	return false;
}

#endif							/* CBL_PARSE_ERROR_H */
