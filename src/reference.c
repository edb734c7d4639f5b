/*
 * reference.c
 *	  Shipment references (reference.h): their stored forms, and
 *	  cbl.canonical_reference, cbl.find_shipments and cbl.find_shipment
 *	  (sql/cbl/62_shipment.sql).
 *
 * The finders were PL/pgSQL over a query that computed the canonical form
 * for each of cbl.reference_kinds(): about 0.2 ms a call, and a status
 * look-up by tracking number calls cbl.find_shipment once for each index
 * condition the planner derives from it (two or three).  Here the forms
 * come from C and one query, prepared once per backend, reads the look-up
 * rows through cbl.reference_lookup_value_idx.  The query runs as the
 * caller, so privileges and row-level security apply as they did, and on
 * Citus it is routed like any other query.
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/varlena.h"

#include "cbl.h"
#include "reference.h"

PG_FUNCTION_INFO_V1(cbl_canonical_reference);
PG_FUNCTION_INFO_V1(cbl_find_shipments);
PG_FUNCTION_INFO_V1(cbl_find_shipment);

/* ---- stored forms ----------------------------------------------------------- */

/* s without spaces, tabs and line ends at either end (s itself if none). */
static const char *
Trimmed(const char *s)
{
	const char *ws = " \t\r\n";
	size_t		len = strlen(s);
	const char *p = s;
	const char *end = s + len;

	if (len == 0 || (strchr(ws, s[0]) == NULL && strchr(ws, s[len - 1]) == NULL))
		return s;
	while (*p && strchr(ws, *p))
		p++;
	while (end > p && strchr(ws, end[-1]))
		end--;
	return pnstrdup(p, end - p);
}

/* The canonical form of trimmed text as one of the identifiers, or NULL. */
static const char *
IdentForm(const char *trimmed, RefKind kind)
{
	char		buf[REF_CANONICAL_LEN];
	const char *form = ReferenceCanonical(kind, trimmed, buf);

	return form ? pstrdup(form) : NULL;
}

void
RefFormsOf(RefForms *f, const char *ref)
{
	const char *trimmed = Trimmed(ref);
	const char *forms[4];
	int			n = 0;

	f->ref = ref;
	f->plain = trimmed[0] ? trimmed : NULL;
	f->awb = f->plain ? IdentForm(trimmed, REF_AWB) : NULL;
	f->container = f->plain ? IdentForm(trimmed, REF_CONTAINER) : NULL;
	f->s10 = f->plain ? IdentForm(trimmed, REF_S10) : NULL;
	forms[0] = f->plain;
	forms[1] = f->awb;
	forms[2] = f->container;
	forms[3] = f->s10;
	memset(f->cand, 0, sizeof(f->cand));
	for (int j = 0; j < 4; j++)
	{
		bool		dup = forms[j] == NULL;

		for (int k = 0; k < n && !dup; k++)
			dup = strcmp(f->cand[k], forms[j]) == 0;
		if (!dup)
			f->cand[n++] = forms[j];
	}
}

/* What cbl.canonical_reference(kind, f->ref) gives. */
const char *
RefFormFor(const RefForms *f, RefKind kind)
{
	switch (kind)
	{
		case REF_AWB:
			return f->awb;
		case REF_CONTAINER:
			return f->container;
		case REF_S10:
			return f->s10;
		case REF_PLAIN:
			return f->plain;
		case REF_OTHER:
			break;
	}
	return NULL;
}

/*
 * cbl.canonical_reference(kind, value): the stored form of a reference
 * (check_digit.h).
 */
Datum
cbl_canonical_reference(PG_FUNCTION_ARGS)
{
	text	   *kind = PG_GETARG_TEXT_PP(0);
	const char *value = Trimmed(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	char		buf[REF_CANONICAL_LEN];
	const char *canonical;

	canonical = ReferenceCanonical(ReferenceKindOf(VARDATA_ANY(kind), VARSIZE_ANY_EXHDR(kind)),
								   value, buf);
	if (canonical == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(canonical));
}

/* ---- finding shipments -------------------------------------------------------- */

/* One cbl.reference_lookup row a text matches. */
typedef struct Match
{
	int64		shipment_id;
	char	   *kind;
	char	   *value;
} Match;

/* (shipment_id, kind), kind in the database's collation as ORDER BY would. */
static int
MatchCmp(const void *a, const void *b)
{
	const Match *x = a;
	const Match *y = b;

	if (x->shipment_id != y->shipment_id)
		return x->shipment_id < y->shipment_id ? -1 : 1;
	return varstr_cmp(x->kind, strlen(x->kind), y->kind, strlen(y->kind), DEFAULT_COLLATION_OID);
}

static bool
TextIs(text *t, const char *s)
{
	size_t		len = strlen(s);

	return VARSIZE_ANY_EXHDR(t) == len && memcmp(VARDATA_ANY(t), s, len) == 0;
}

/*
 * The cbl.reference_lookup rows that value finds (of kind only, unless
 * NULL), in (shipment_id, kind) order, allocated in the caller's memory
 * context.  The caller has connected to SPI.
 */
static int
FindMatches(const char *value, const char *kind, Match **out, MemoryContext caller)
{
	static SPIPlanPtr plan = NULL;
	RefForms	f;
	Datum		forms[4];
	int			nforms = 0;
	Datum		arg;
	Match	   *matches;
	int			n = 0;
	MemoryContext spi;

	RefFormsOf(&f, value);
	while (nforms < 4 && f.cand[nforms] != NULL)
	{
		forms[nforms] = CStringGetTextDatum(f.cand[nforms]);
		nforms++;
	}
	*out = NULL;
	if (nforms == 0)
		return 0;
	if (plan == NULL)
	{
		Oid			argtype = TEXTARRAYOID;
		SPIPlanPtr	p;

		/*
		 * Through reference_lookup_value_idx, (value) INCLUDE (kind,
		 * shipment_id), by a generic plan: the custom plans PostgreSQL would
		 * otherwise keep choosing were planned anew at every call, two thirds
		 * of its cost.
		 */
		p = SPI_prepare_cursor("SELECT l.shipment_id, l.kind, l.value FROM cbl.reference_lookup l "
							   "WHERE l.value OPERATOR(pg_catalog.=) ANY ($1)", 1, &argtype,
							   CURSOR_OPT_GENERIC_PLAN);
		if (p == NULL)
			elog(ERROR, "cbl: could not prepare the reference look-up: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		plan = p;
	}
	arg = PointerGetDatum(construct_array(forms, nforms, TEXTOID, -1, false, TYPALIGN_INT));
	if (SPI_execute_plan(plan, &arg, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "cbl: the reference look-up failed");

	/* the matches outlive SPI's memory */
	spi = MemoryContextSwitchTo(caller);
	matches = palloc(Max(SPI_processed, 1) * sizeof(Match));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(row, desc, 1, &isnull));
		text	   *row_kind = DatumGetTextPP(SPI_getbinval(row, desc, 2, &isnull));
		text	   *row_value = DatumGetTextPP(SPI_getbinval(row, desc, 3, &isnull));
		const char *form;

		/* the value is the text's stored form for the row's kind */
		form = RefFormFor(&f, ReferenceKindOf(VARDATA_ANY(row_kind), VARSIZE_ANY_EXHDR(row_kind)));
		if (form == NULL || !TextIs(row_value, form) || (kind != NULL && !TextIs(row_kind, kind)))
			continue;
		matches[n].shipment_id = id;
		matches[n].kind = text_to_cstring(row_kind);
		matches[n].value = pstrdup(form);
		n++;
	}
	MemoryContextSwitchTo(spi);
	SPI_freetuptable(SPI_tuptable);
	qsort(matches, n, sizeof(Match), MatchCmp);
	*out = matches;
	return n;
}

/*
 * cbl.find_shipments(value): every look-up row the value finds, as
 * (shipment_id, kind, stored_value) in that order.
 */
Datum
cbl_find_shipments(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *value = text_to_cstring(PG_GETARG_TEXT_PP(0));
	MemoryContext caller = CurrentMemoryContext;
	Match	   *matches;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	n = FindMatches(value, NULL, &matches, caller);
	SPI_finish();
	for (int i = 0; i < n; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = Int64GetDatum(matches[i].shipment_id);
		values[1] = CStringGetTextDatum(matches[i].kind);
		values[2] = CStringGetTextDatum(matches[i].value);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* The text a query of one row and column gives ("" for NULL). */
static char *
QueryText(const char *sql)
{
	char	   *result;

	if (SPI_execute(sql, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "cbl: \"%s\" failed", sql);
	result = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	return result ? result : "";
}

/*
 * cbl.find_shipment(value, kind): the one shipment the value finds (of that
 * kind, if given); NULL if none, an error naming them if several.
 */
Datum
cbl_find_shipment(PG_FUNCTION_ARGS)
{
	MemoryContext caller = CurrentMemoryContext;
	char	   *kind = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *value;
	Match	   *matches;
	int			n;
	int			shipments = 0;

	SPI_connect();
	if (kind != NULL && ReferenceKindOf(kind, strlen(kind)) == REF_OTHER)
	{
		/* read before ereport: no query while an error is being built */
		char	   *kinds = QueryText("SELECT string_agg(k.kind, ', ') FROM cbl.reference_kinds() k");

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown kind of reference \"%s\"", kind),
				 errhint("Reference kinds are %s.", kinds)));
	}
	if (PG_ARGISNULL(0))
	{
		SPI_finish();
		PG_RETURN_NULL();
	}
	value = text_to_cstring(PG_GETARG_TEXT_PP(0));
	n = FindMatches(value, kind, &matches, caller);
	for (int i = 0; i < n; i++)
		if (i == 0 || matches[i].shipment_id != matches[i - 1].shipment_id)
			shipments++;
	if (shipments > 1)
	{
		/* the shipments by their own references (what people know them by) */
		Datum	   *ids = palloc(n * sizeof(Datum));
		Oid			argtype = INT8ARRAYOID;
		Datum		arg;
		StringInfoData detail;

		for (int i = 0; i < n; i++)
			ids[i] = Int64GetDatum(matches[i].shipment_id);
		arg = PointerGetDatum(construct_array(ids, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		if (SPI_execute_with_args("SELECT s.id, s.reference FROM cbl.shipment s WHERE s.id OPERATOR(pg_catalog.=) ANY ($1)",
								  1, &argtype, &arg, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "cbl: could not read the shipments a reference matches");
		initStringInfo(&detail);
		for (int i = 0; i < n; i++)
			for (uint64 r = 0; r < SPI_processed; r++)
			{
				bool		isnull;
				HeapTuple	row = SPI_tuptable->vals[r];

				if (DatumGetInt64(SPI_getbinval(row, SPI_tuptable->tupdesc, 1, &isnull)) != matches[i].shipment_id)
					continue;
				appendStringInfo(&detail, "%sshipment %s (%s %s)", detail.len > 0 ? ", " : "",
								 SPI_getvalue(row, SPI_tuptable->tupdesc, 2), matches[i].kind, matches[i].value);
			}
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("reference \"%s\" matches %d shipments", value, shipments),
				 errdetail("It is %s.", detail.data),
				 errhint("Name the kind, e.g. cbl.find_shipment(value, 'hawb'), or list them all with cbl.find_shipments(value).")));
	}
	SPI_finish();
	if (n == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(matches[0].shipment_id);
}
