/*
 * sanitizer_options.c
 *	  Linked into cbl.so by test/tools/asan-test.sh only (never into a
 *	  normal build): what AddressSanitizer needs to check an instrumented
 *	  extension inside a server that is not instrumented.
 *
 * 1. Options.  The sanitizers read ASAN_OPTIONS from /proc/self/environ,
 *	  which a PostgreSQL server process overwrites with its process title;
 *	  a runtime that finds __asan_default_options / __ubsan_default_options
 *	  calls them at start-up instead, and getenv() reads the environment
 *	  PostgreSQL moved out of the way (CBL_ASAN_OPTIONS, CBL_UBSAN_OPTIONS).
 *
 * 2. Stale stack poison.  An ERROR leaves through siglongjmp.  The runtime
 *	  arrives with cbl.so, after the server bound siglongjmp to libc, so it
 *	  cannot intercept it and unpoison the frames the jump abandons: cbl's
 *	  frames leave their redzones behind, and the next call that puts a
 *	  server frame there (an fcinfo, say) reads "poisoned" memory.  So the
 *	  stack is unpoisoned whenever control comes back into cbl: on entry to
 *	  each of cbl's C functions (fmgr_hook, for the functions needs_fmgr_hook
 *	  selects), after an error left one (FHET_ABORT), and when an error is
 *	  reported (emit_log_hook).  Frames entered afterwards poison their own
 *	  redzones again, so overflows of cbl's stack buffers are still caught.
 */
#include "postgres.h"

#include <pthread.h>
#include <sanitizer/asan_interface.h>

#include "access/htup_details.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/elog.h"
#include "utils/syscache.h"

const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *
__asan_default_options(void)
{
	const char *o = getenv("CBL_ASAN_OPTIONS");

	return o ? o : "";
}

const char *
__ubsan_default_options(void)
{
	const char *o = getenv("CBL_UBSAN_OPTIONS");

	return o ? o : "";
}

static needs_fmgr_hook_type prev_needs_fmgr_hook;
static fmgr_hook_type prev_fmgr_hook;
static emit_log_hook_type prev_emit_log_hook;
static char *stack_lo;
static char *stack_hi;

/* Unpoison the used part of the stack and what new frames will take. */
static void
CleanStack(void)
{
	char		here;
	char	   *lo;

	if (stack_hi == NULL)
	{
		pthread_attr_t attr;
		void	   *addr;
		size_t		size;

		if (pthread_getattr_np(pthread_self(), &attr) != 0)
			return;
		pthread_attr_getstack(&attr, &addr, &size);
		pthread_attr_destroy(&attr);
		stack_lo = (char *) addr;
		stack_hi = (char *) addr + size;
	}
	lo = &here - 256 * 1024;
	if (lo < stack_lo)
		lo = stack_lo;
	__asan_unpoison_memory_region(lo, (size_t) (stack_hi - lo));
}

/* cbl's own C functions: language C, in a library named cbl. */
static bool
CblNeedsFmgrHook(Oid fn_oid)
{
	HeapTuple	tup;
	bool		ours = false;

	if (prev_needs_fmgr_hook && prev_needs_fmgr_hook(fn_oid))
		return true;
	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	if (HeapTupleIsValid(tup))
	{
		Form_pg_proc p = (Form_pg_proc) GETSTRUCT(tup);
		bool		isnull;
		Datum		bin;

		if (p->prolang == ClanguageId)
		{
			bin = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_probin, &isnull);
			if (!isnull)
			{
				char	   *path = TextDatumGetCString(bin);

				ours = strstr(path, "cbl") != NULL;
				pfree(path);
			}
		}
		ReleaseSysCache(tup);
	}
	return ours;
}

static void
CblFmgrHook(FmgrHookEventType event, FmgrInfo *flinfo, Datum *private)
{
	if (event == FHET_START || event == FHET_ABORT)
		CleanStack();
	if (prev_fmgr_hook)
		prev_fmgr_hook(event, flinfo, private);
}

static void
CblEmitLogHook(ErrorData *edata)
{
	CleanStack();
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

static void CblSanitizerHooks(void) __attribute__((constructor));

static void
CblSanitizerHooks(void)
{
	prev_needs_fmgr_hook = needs_fmgr_hook;
	needs_fmgr_hook = CblNeedsFmgrHook;
	prev_fmgr_hook = fmgr_hook;
	fmgr_hook = CblFmgrHook;
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = CblEmitLogHook;
}

/*
 * Canaries: asan-test.sh calls these once, on a scratch server, after the
 * suite, and expects one report of each kind; without them a run could
 * pass because the sanitizers never ran.
 */
PG_FUNCTION_INFO_V1(cbl_asan_canary);
PG_FUNCTION_INFO_V1(cbl_ubsan_canary);

Datum		cbl_asan_canary(PG_FUNCTION_ARGS);
Datum		cbl_ubsan_canary(PG_FUNCTION_ARGS);

/* Writes p[n], p pointing at an 8-byte stack array: with n = 8, one byte past its end. */
Datum
cbl_asan_canary(PG_FUNCTION_ARGS)
{
	char		buf[8] = {0};
	char	   *volatile p = buf;
	int			n = PG_GETARG_INT32(0);

	p[n] = 1;
	PG_RETURN_INT32(buf[0]);
}

/*
 * 1 << n: undefined for n >= 32.  (Not a signed overflow: PostgreSQL builds
 * with -fwrapv, which defines it, so UBSan does not report one.)
 */
Datum
cbl_ubsan_canary(PG_FUNCTION_ARGS)
{
	volatile int32 n = PG_GETARG_INT32(0);

	PG_RETURN_INT32(1 << n);
}
