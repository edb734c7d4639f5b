/*
 * identifiers.c
 *	  cbl.awb, cbl.container_no and cbl.s10: type I/O, cbl.is_valid_* twins
 *	  and accessors.
 *
 * The parsing and the check digits are in check_digit.c (pure C).  Each type
 * is an int64, pass by value, packed so that integer order is the order of
 * the canonical text; comparison, hashing and send are PostgreSQL's int8
 * functions, declared LANGUAGE internal in sql/cbl/50_identifiers.sql.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"		/* recv */
#include "utils/builtins.h"		/* text_to_cstring, cstring_to_text_with_len */

#include "cbl.h"
#include "check_digit.h"
#include "wire.h"

PG_FUNCTION_INFO_V1(cbl_awb_in);
PG_FUNCTION_INFO_V1(cbl_awb_out);
PG_FUNCTION_INFO_V1(cbl_awb_recv);
PG_FUNCTION_INFO_V1(cbl_is_valid_awb);
PG_FUNCTION_INFO_V1(cbl_awb_airline_prefix);

PG_FUNCTION_INFO_V1(cbl_container_no_in);
PG_FUNCTION_INFO_V1(cbl_container_no_out);
PG_FUNCTION_INFO_V1(cbl_container_no_recv);
PG_FUNCTION_INFO_V1(cbl_is_valid_container_no);
PG_FUNCTION_INFO_V1(cbl_container_no_owner_code);

PG_FUNCTION_INFO_V1(cbl_s10_in);
PG_FUNCTION_INFO_V1(cbl_s10_out);
PG_FUNCTION_INFO_V1(cbl_s10_recv);
PG_FUNCTION_INFO_V1(cbl_is_valid_s10);
PG_FUNCTION_INFO_V1(cbl_s10_service);
PG_FUNCTION_INFO_V1(cbl_s10_country);

/* What each type needs from check_digit.c. */
typedef struct IdentType
{
	const char *name;			/* SQL name, for messages */
	bool		(*parse) (const char *, int64_t *, ParseError *);
	int			(*format) (int64_t, char *, size_t);
	bool		(*validate) (int64_t, ParseError *);
} IdentType;

static const IdentType awb_type = {
	"cbl.awb", AwbParse, AwbFormat, AwbValidatePacked
};
static const IdentType container_no_type = {
	"cbl.container_no", ContainerNoParse, ContainerNoFormat, ContainerNoValidatePacked
};
static const IdentType s10_type = {
	"cbl.s10", S10Parse, S10Format, S10ValidatePacked
};

/* Longest canonical text of the three, plus the NUL. */
#define IDENT_BUF_LEN 16

/*
 * IdentIn
 *	  Parse text input, raising the type's input syntax error on failure.
 */
static Datum
IdentIn(const IdentType *type, const char *input)
{
	ParseError	err;
	int64_t		v;

	if (!type->parse(input, &v, &err))
		CblRaiseInputError(type->name, input, &err);
	return Int64GetDatum((int64) v);
}

/*
 * IdentFormat
 *	  The canonical text of a stored value into buf; a stored value that does
 *	  not format is corruption, since input and recv validate.
 */
static int
IdentFormat(const IdentType *type, int64 v, char *buf)
{
	int			len = type->format((int64_t) v, buf, IDENT_BUF_LEN);

	if (len < 0)
		elog(ERROR, "corrupt %s value %lld", type->name, (long long) v);
	return len;
}

static Datum
IdentOut(const IdentType *type, int64 v)
{
	char		buf[IDENT_BUF_LEN];

	IdentFormat(type, v, buf);
	return CStringGetDatum(pstrdup(buf));
}

/*
 * IdentRecv
 *	  Binary input: an int8, accepted only if it is a value input could have
 *	  produced.
 */
static Datum
IdentRecv(const IdentType *type, StringInfo msg)
{
	WireReader	r;
	int64_t		v;
	ParseError	err;
	WireResult	res;

	WireReaderInit(&r, msg->data + msg->cursor, msg->len - msg->cursor);
	res = PackedWireDecode(&r, type->validate, &v, &err);
	if (res == WIRE_SHORT)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("insufficient data left in message")));
	if (res == WIRE_INVALID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external %s value", type->name),
				 errdetail("%s", err.detail)));
	msg->cursor += (int) r.pos;
	return Int64GetDatum((int64) v);
}

/* The is_valid twin: never raises for bad text. */
static Datum
IdentIsValid(const IdentType *type, text *input)
{
	char	   *s = text_to_cstring(input);
	int64_t		v;
	bool		ok = type->parse(s, &v, NULL);

	pfree(s);
	return BoolGetDatum(ok);
}

/* Characters [start, start + len) of the canonical text, as text. */
static Datum
IdentPart(const IdentType *type, int64 v, int start, int len)
{
	char		buf[IDENT_BUF_LEN];

	IdentFormat(type, v, buf);
	return PointerGetDatum(cstring_to_text_with_len(buf + start, len));
}

/* ---- cbl.awb ------------------------------------------------------------ */

Datum
cbl_awb_in(PG_FUNCTION_ARGS)
{
	return IdentIn(&awb_type, PG_GETARG_CSTRING(0));
}

Datum
cbl_awb_out(PG_FUNCTION_ARGS)
{
	return IdentOut(&awb_type, PG_GETARG_INT64(0));
}

Datum
cbl_awb_recv(PG_FUNCTION_ARGS)
{
	return IdentRecv(&awb_type, (StringInfo) PG_GETARG_POINTER(0));
}

Datum
cbl_is_valid_awb(PG_FUNCTION_ARGS)
{
	return IdentIsValid(&awb_type, PG_GETARG_TEXT_PP(0));
}

/* cbl.airline_prefix: the 3-digit IATA airline prefix, "176" */
Datum
cbl_awb_airline_prefix(PG_FUNCTION_ARGS)
{
	return IdentPart(&awb_type, PG_GETARG_INT64(0), 0, 3);
}

/* ---- cbl.container_no --------------------------------------------------- */

Datum
cbl_container_no_in(PG_FUNCTION_ARGS)
{
	return IdentIn(&container_no_type, PG_GETARG_CSTRING(0));
}

Datum
cbl_container_no_out(PG_FUNCTION_ARGS)
{
	return IdentOut(&container_no_type, PG_GETARG_INT64(0));
}

Datum
cbl_container_no_recv(PG_FUNCTION_ARGS)
{
	return IdentRecv(&container_no_type, (StringInfo) PG_GETARG_POINTER(0));
}

Datum
cbl_is_valid_container_no(PG_FUNCTION_ARGS)
{
	return IdentIsValid(&container_no_type, PG_GETARG_TEXT_PP(0));
}

/*
 * cbl.owner_code: the 4-letter prefix registered with the BIC, "CSQU": the
 * 3-letter owner code and the category identifier.
 */
Datum
cbl_container_no_owner_code(PG_FUNCTION_ARGS)
{
	return IdentPart(&container_no_type, PG_GETARG_INT64(0), 0, 4);
}

/* ---- cbl.s10 ------------------------------------------------------------ */

Datum
cbl_s10_in(PG_FUNCTION_ARGS)
{
	return IdentIn(&s10_type, PG_GETARG_CSTRING(0));
}

Datum
cbl_s10_out(PG_FUNCTION_ARGS)
{
	return IdentOut(&s10_type, PG_GETARG_INT64(0));
}

Datum
cbl_s10_recv(PG_FUNCTION_ARGS)
{
	return IdentRecv(&s10_type, (StringInfo) PG_GETARG_POINTER(0));
}

Datum
cbl_is_valid_s10(PG_FUNCTION_ARGS)
{
	return IdentIsValid(&s10_type, PG_GETARG_TEXT_PP(0));
}

/* cbl.s10_service: the 2-letter service indicator, "RR" */
Datum
cbl_s10_service(PG_FUNCTION_ARGS)
{
	return IdentPart(&s10_type, PG_GETARG_INT64(0), 0, 2);
}

/* cbl.s10_country: the ISO 3166-1 alpha-2 country of origin, "CN" */
Datum
cbl_s10_country(PG_FUNCTION_ARGS)
{
	return IdentPart(&s10_type, PG_GETARG_INT64(0), 11, 2);
}
