/*
 * cbl.h
 *	  Helpers shared by cbl's SQL-callable C files.
 */
#ifndef CBL_H
#define CBL_H

#include "parse_error.h"

/*
 * Raise the error a type input function raises for bad text: SQLSTATE 22P02
 * (22003 when err->out_of_range), "invalid input syntax for type T: "..."",
 * with the parser's detail and hint.
 */
extern void CblRaiseInputError(const char *type_name, const char *input,
							   const ParseError *err) pg_attribute_noreturn();

#endif							/* CBL_H */
