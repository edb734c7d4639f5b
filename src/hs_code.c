/*
 * hs_code.c
 *	  SQL-callable functions of the type cbl.hs_code (Harmonized System code).
 *
 * The value is an int8 packed by hs_code_parse.c; equality, ordering and
 * hashing are PostgreSQL's own int8 functions (sql/cbl/40_hs_code.sql), so
 * this file only holds I/O, the hierarchy helpers and containment.
 */
#include "postgres.h"

#include "catalog/namespace.h"	/* get_namespace_oid */
#include "catalog/pg_type.h"	/* TYPALIGN_DOUBLE, Anum_pg_type_oid */
#include "fmgr.h"
#include "lib/stringinfo.h"		/* recv */
#include "utils/array.h"		/* construct_array */
#include "utils/builtins.h"		/* text_to_cstring, cstring_to_text */
#include "utils/syscache.h"		/* GetSysCacheOid2 */

#include "cbl.h"
#include "hs_code_parse.h"
#include "wire.h"

#define HS_CODE_TYPE_NAME "cbl.hs_code"

PG_FUNCTION_INFO_V1(cbl_hs_code_in);
PG_FUNCTION_INFO_V1(cbl_hs_code_out);
PG_FUNCTION_INFO_V1(cbl_hs_code_recv);
PG_FUNCTION_INFO_V1(cbl_is_valid_hs_code);
PG_FUNCTION_INFO_V1(cbl_hs_code_chapter);
PG_FUNCTION_INFO_V1(cbl_hs_code_heading);
PG_FUNCTION_INFO_V1(cbl_hs_code_subheading);
PG_FUNCTION_INFO_V1(cbl_hs_code_length);
PG_FUNCTION_INFO_V1(cbl_hs_code_digits);
PG_FUNCTION_INFO_V1(cbl_hs_code_contains);
PG_FUNCTION_INFO_V1(cbl_hs_code_contained_by);
PG_FUNCTION_INFO_V1(cbl_hs_code_prefixes);

/*
 * cbl_hs_code_in
 *	  Text to cbl.hs_code; raises 22P02 with the parser's detail and hint.
 */
Datum
cbl_hs_code_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	int64_t		v;
	ParseError	err;

	if (!HsCodeParse(input, &v, &err))
		CblRaiseInputError(HS_CODE_TYPE_NAME, input, &err);
	PG_RETURN_INT64((int64) v);
}

/*
 * cbl_hs_code_out
 *	  cbl.hs_code to its canonical text, e.g. "8517.13.00".
 */
Datum
cbl_hs_code_out(PG_FUNCTION_ARGS)
{
	int64		v = PG_GETARG_INT64(0);
	char		buf[HS_CODE_FORMAT_BUFLEN];

	if (HsCodeFormat((int64_t) v, buf, sizeof(buf)) < 0)
		elog(ERROR, "invalid packed value %lld for type %s",
			 (long long) v, HS_CODE_TYPE_NAME);
	PG_RETURN_CSTRING(pstrdup(buf));
}

/*
 * cbl_hs_code_recv
 *	  Binary (an int8, as int8send writes it) to cbl.hs_code, validated as
 *	  strictly as text input.
 */
Datum
cbl_hs_code_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	WireReader	r;
	int64_t		v;
	ParseError	err;
	WireResult	res;

	WireReaderInit(&r, buf->data + buf->cursor, buf->len - buf->cursor);
	res = PackedWireDecode(&r, HsCodeValidatePacked, &v, &err);
	if (res == WIRE_SHORT)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("insufficient data left in message")));
	if (res == WIRE_INVALID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external binary value for type %s",
						HS_CODE_TYPE_NAME),
				 errdetail("%s", err.detail)));
	buf->cursor += (int) r.pos;
	PG_RETURN_INT64((int64) v);
}

/*
 * cbl_is_valid_hs_code
 *	  Would the text be accepted as a cbl.hs_code?  Never raises.
 */
Datum
cbl_is_valid_hs_code(PG_FUNCTION_ARGS)
{
	char	   *input = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int64_t		v;

	PG_RETURN_BOOL(HsCodeParse(input, &v, NULL));
}

/* The code truncated to ndigits, or SQL NULL when it is shorter than that. */
static Datum
TruncateOrNull(FunctionCallInfo fcinfo, int ndigits)
{
	int64		v = PG_GETARG_INT64(0);

	if (HsCodeLength((int64_t) v) < ndigits)
		PG_RETURN_NULL();
	PG_RETURN_INT64((int64) HsCodeTruncate((int64_t) v, ndigits));
}

/*
 * cbl_hs_code_chapter, cbl_hs_code_heading, cbl_hs_code_subheading
 *	  The 2-, 4- and 6-digit prefix of a code.
 */
Datum
cbl_hs_code_chapter(PG_FUNCTION_ARGS)
{
	return TruncateOrNull(fcinfo, 2);
}

Datum
cbl_hs_code_heading(PG_FUNCTION_ARGS)
{
	return TruncateOrNull(fcinfo, 4);
}

Datum
cbl_hs_code_subheading(PG_FUNCTION_ARGS)
{
	return TruncateOrNull(fcinfo, 6);
}

/*
 * cbl_hs_code_length
 *	  Number of digits: 2, 4, 6, 8 or 10.
 */
Datum
cbl_hs_code_length(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(HsCodeLength((int64_t) PG_GETARG_INT64(0)));
}

/*
 * cbl_hs_code_digits
 *	  The plain digits as text, e.g. '851713'.
 */
Datum
cbl_hs_code_digits(PG_FUNCTION_ARGS)
{
	int64		v = PG_GETARG_INT64(0);
	char		buf[HS_CODE_DIGITS_BUFLEN];

	if (HsCodeDigits((int64_t) v, buf, sizeof(buf)) < 0)
		elog(ERROR, "invalid packed value %lld for type %s",
			 (long long) v, HS_CODE_TYPE_NAME);
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}

/*
 * cbl_hs_code_contains
 *	  a @> b: b is a, or a longer code under a.
 */
Datum
cbl_hs_code_contains(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HsCodeContains((int64_t) PG_GETARG_INT64(0),
								  (int64_t) PG_GETARG_INT64(1)));
}

/*
 * cbl_hs_code_contained_by
 *	  a <@ b: the commutator of @>.
 */
Datum
cbl_hs_code_contained_by(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HsCodeContains((int64_t) PG_GETARG_INT64(1),
								  (int64_t) PG_GETARG_INT64(0)));
}

/*
 * HsCodeTypeOid
 *	  OID of cbl.hs_code, looked up once per call site and kept in fn_extra.
 *	  The extension is not relocatable, so the schema is always cbl.
 */
static Oid
HsCodeTypeOid(FunctionCallInfo fcinfo)
{
	Oid		   *cached = (Oid *) fcinfo->flinfo->fn_extra;

	if (cached == NULL)
	{
		Oid			nsp = get_namespace_oid("cbl", false);
		Oid			typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
									   CStringGetDatum("hs_code"),
									   ObjectIdGetDatum(nsp));

		if (!OidIsValid(typid))
			elog(ERROR, "type %s does not exist", HS_CODE_TYPE_NAME);
		cached = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(Oid));
		*cached = typid;
		fcinfo->flinfo->fn_extra = cached;
	}
	return *cached;
}

/*
 * cbl_hs_code_prefixes
 *	  All prefixes of a code at 2, 4, ... digits up to its own, shortest
 *	  first, as cbl.hs_code[] (for "code = ANY (...)" longest-prefix look-ups).
 */
Datum
cbl_hs_code_prefixes(PG_FUNCTION_ARGS)
{
	int64		v = PG_GETARG_INT64(0);
	int64_t		prefixes[HS_CODE_MAX_DIGITS / 2];
	Datum		elems[HS_CODE_MAX_DIGITS / 2];
	int			n = HsCodePrefixes((int64_t) v, prefixes);

	for (int i = 0; i < n; i++)
		elems[i] = Int64GetDatum((int64) prefixes[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, HsCodeTypeOid(fcinfo),
										  sizeof(int64), FLOAT8PASSBYVAL,
										  TYPALIGN_DOUBLE));
}
