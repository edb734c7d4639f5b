/*
 * cbl.c
 *	  Module magic, load-time set-up, and helpers shared by the C files.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/guc.h"

#include "cbl.h"
#include "ingest.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * _PG_init only registers things.  The "cbl." GUC prefix is reserved now so
 * that a typo in a future cbl setting is reported rather than silently kept.
 */
void
_PG_init(void)
{
	DefineCustomBoolVariable("cbl.ingest_probe_by_query",
							 "Ingest reads stored rows through SQL queries instead of their indexes.",
							 "Automatic for Citus tables (docs/scaling.md); this forces it, to test that path on a single node.",
							 &cbl_ingest_probe_by_query, false, PGC_SUSET,
							 GUC_NOT_IN_SAMPLE | GUC_NO_SHOW_ALL, NULL, NULL, NULL);
	MarkGUCPrefixReserved("cbl");
}

/*
 * CblRaiseInputError
 *	  Turn a pure-C parser's ParseError into the ERROR of a type's input
 *	  function.
 */
void
CblRaiseInputError(const char *type_name, const char *input, const ParseError *err)
{
	if (err->out_of_range)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value \"%s\" is out of range for type %s", input, type_name),
				 err->detail[0] ? errdetail("%s", err->detail) : 0,
				 err->hint[0] ? errhint("%s", err->hint) : 0));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", type_name, input),
			 err->detail[0] ? errdetail("%s", err->detail) : 0,
			 err->hint[0] ? errhint("%s", err->hint) : 0));
}

TupleDesc
CblResultDesc(FunctionCallInfo fcinfo)
{
	TupleDesc	desc = (TupleDesc) fcinfo->flinfo->fn_extra;

	if (desc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "function returning a row called in a context that cannot accept one");
		desc = BlessTupleDesc(CreateTupleDescCopy(desc));
		fcinfo->flinfo->fn_extra = desc;
		MemoryContextSwitchTo(old);
	}
	return desc;
}
