/*
 * cbl.h
 *	  Helpers shared by cbl's SQL-callable C files.
 */
#ifndef CBL_H
#define CBL_H

#include "access/tupdesc.h"
#include "fmgr.h"

#include "parse_error.h"

/*
 * Raise the error a type input function raises for bad text: SQLSTATE 22P02
 * (22003 when err->out_of_range), "invalid input syntax for type T: "..."",
 * with the parser's detail and hint.
 */
extern void CblRaiseInputError(const char *type_name, const char *input,
							   const ParseError *err) pg_attribute_noreturn();

/*
 * The row type a function with OUT parameters returns, blessed, built once
 * per call site and kept in fn_extra: for functions called once per row
 * (views), where get_call_result_type on every call would build it anew.
 * The function must not use fn_extra for anything else.
 */
extern TupleDesc CblResultDesc(FunctionCallInfo fcinfo);

#endif							/* CBL_H */
