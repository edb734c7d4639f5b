# cbl: PostgreSQL extension for cross-border logistics (PGXS build).
#
#   make demo        set up everything, start a private cluster, run the demo
#   make test        set up everything, run the whole suite on throwaway clusters
#   make && make install   build and install into the server pg_config names
#
# Layout: C in src/, install script assembled from sql/cbl/*.sql, pg_regress
# inputs in sql/ with outputs in expected/, isolation specs in test/specs,
# TAP tests in test/t, fuzz targets in test/fuzz, benchmarks in test/bench.

EXTENSION  = cbl
EXTVERSION = 0.2.0
MODULE_big = cbl
PGFILEDESC = "cbl - cross-border logistics core"

# Pure-C parsers (no PostgreSQL headers): shared with the fuzz targets.
PARSER_SRCS = src/currency.c src/rounding.c src/amount_parse.c src/hs_code_parse.c src/check_digit.c src/event_parse.c \
	src/rate_card_parse.c src/rating.c src/duty_parse.c src/wire.c src/milestone_wire.c \
	src/fmt_common.c src/fmt_dcsa.c src/fmt_x12.c src/fmt_fsu.c src/fmt_onerecord.c \
	src/recon_parse.c src/owned_strings.c src/json_flat.c

OBJS = \
	src/cbl.o \
	src/currency.o \
	src/rounding.o \
	src/amount_parse.o \
	src/amount.o \
	src/amount_agg.o \
	src/hs_code_parse.o \
	src/hs_code.o \
	src/check_digit.o \
	src/identifiers.o \
	src/reference.o \
	src/wire.o \
	src/milestone_wire.o \
	src/milestone_state.o \
	src/state_access.o \
	src/event_sources.o \
	src/owned_strings.o \
	src/json_flat.o \
	src/event_parse.o \
	src/event_ingest.o \
	src/ingest_util.o \
	src/ingest_db.o \
	src/ingest_resolve.o \
	src/ingest_write.o \
	src/fmt_common.o \
	src/fmt_dcsa.o \
	src/fmt_x12.o \
	src/fmt_fsu.o \
	src/fmt_onerecord.o \
	src/format_ingest.o \
	src/rate_card_parse.o \
	src/rating.o \
	src/rate_card.o \
	src/duty_parse.o \
	src/customs.o \
	src/recon_parse.o \
	src/recon_agg.o

# The install script is assembled from one file per concern, in name order.
INSTALL_PARTS = $(sort $(wildcard sql/cbl/*.sql))
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
# Upgrade scripts (sql/cbl--A--B.sql) are written by hand, and each released
# version's full script is kept frozen in test/upgrade/, installed too so the
# upgrade test (and a user) can still create it: docs/upgrading.md.
DATA = $(wildcard sql/$(EXTENSION)--*--*.sql) $(wildcard test/upgrade/$(EXTENSION)--*.sql)

# pg_regress: explicit order, the first test creates the extension.
REGRESS = \
	init \
	currency \
	amount_io \
	amount_ops \
	amount_round \
	amount_agg \
	amount_diff \
	fx \
	hs_code \
	customs \
	customs_quote \
	identifiers \
	milestone_model \
	shipment \
	milestone_state \
	event_ingest \
	ingest_by_query \
	ingest_property \
	ingest_large \
	partition \
	exceptions \
	views \
	rating \
	rating_features \
	rating_errors \
	cron_optional \
	security_roles \
	security_definer \
	formats_dcsa \
	formats_x12 \
	formats_air \
	formats_upu \
	reason_events \
	charges \
	billing_triggers \
	reconcile \
	recon_agg \
	money_views \
	billing \
	settlement \
	settlement_cron \
	citus_ready \
	docs_examples \
	catalog \
	drop_extension
REGRESS_OPTS = --temp-config=$(srcdir)/test/regress.conf

ISOLATION = fx_rate_upsert event_ingest_concurrent exception_scan settle_concurrent partition_concurrent
ISOLATION_OPTS = --inputdir=$(srcdir)/test

TAP_TESTS = 1
PROVE_TESTS = $(sort $(wildcard test/t/*.pl))

# jansson comes through pkg-config; stop early with a clear message without it.
PKG_CONFIG ?= pkg-config
JANSSON_CFLAGS := $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null)
JANSSON_LIBS   := $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null)
ifeq ($(JANSSON_LIBS),)
ifeq ($(filter demo demo-stop test deps clean distclean,$(MAKECMDGOALS)),)
$(error jansson not found by $(PKG_CONFIG): install libjansson-dev (Debian) or jansson-devel, or run "make demo" / "make test", which install it)
endif
endif

PG_CPPFLAGS = -I$(srcdir)/src $(JANSSON_CFLAGS)
PG_CFLAGS   = -Wmissing-prototypes -Wshadow=compatible-local
SHLIB_LINK  = $(JANSSON_LIBS)

EXTRA_CLEAN = $(DATA_built) test/fuzz/build

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
else ifeq ($(filter demo demo-stop test deps,$(MAKECMDGOALS)),)
$(error pg_config not found: install postgresql-server-dev-15, or run "make demo" / "make test", which install it)
endif

# Objects are rebuilt when any header changes (a stale object that saw an
# older layout of a shared struct crashes the server).
$(OBJS): $(wildcard src/*.h)

$(DATA_built): $(INSTALL_PARTS)
	cat $^ > $@

# ---------------------------------------------------------------------------
# The two commands.  Both install what is missing (as root, via apt-get),
# build, install, and use private clusters under .cbl/ (git-ignored).

.PHONY: demo demo-stop test deps fuzz fuzz-smoke fuzz-build bench bench-rating bench-ingest bench-ingest-ab regen-data asan-test bench-recon bench-settle bench-scale bench-lookup stress valgrind-test

deps:
	@bash test/tools/deps.sh

demo:
	@bash test/tools/deps.sh
	@$(MAKE) --no-print-directory install-as-needed
	@bash test/demo/demo.sh

demo-stop:
	@bash test/demo/demo.sh stop

test:
	@bash test/tools/deps.sh
	@$(MAKE) --no-print-directory install-as-needed
	@bash test/tools/run-tests.sh

# Build and install; as a non-root user, only if the target dir is writable.
.PHONY: install-as-needed
install-as-needed:
	@$(MAKE) --no-print-directory all
	@if [ -w "$$($(PG_CONFIG) --pkglibdir)" ]; then \
		$(MAKE) --no-print-directory install >/dev/null; \
	else \
		echo "cbl: cannot write $$($(PG_CONFIG) --pkglibdir); run 'sudo make install' first" >&2; exit 1; \
	fi

# ---------------------------------------------------------------------------
# Fuzzing: libFuzzer targets over the pure-C parsers (clang, ASan, UBSan).
FUZZ_TARGETS = amount amount_accum hs_code awb container_no s10 event_batch duty rate_card recv \
	dcsa x12 fsu onerecord recon_accum
FUZZ_CC     ?= clang
FUZZ_FLAGS   = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc
FUZZ_BINS    = $(patsubst %,test/fuzz/build/fuzz_%,$(FUZZ_TARGETS))

test/fuzz/build/fuzz_%: test/fuzz/fuzz_%.c test/fuzz/*.h $(PARSER_SRCS) src/*.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(JANSSON_CFLAGS) -o $@ $< $(PARSER_SRCS) $(JANSSON_LIBS)

fuzz-build: $(FUZZ_BINS)

# Brief runs, part of `make test`: a fixed number of inputs, never a time limit.
FUZZ_SMOKE_RUNS ?= 200000
fuzz-smoke: fuzz-build
	@bash test/fuzz/run.sh smoke $(FUZZ_SMOKE_RUNS) $(FUZZ_TARGETS)

# Long runs for developers: FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 600
fuzz: fuzz-build
	@bash test/fuzz/run.sh long $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The load, crash and memory TAP tests at full size (docs/testing.md).
stress:
	@bash test/tools/deps.sh
	@$(MAKE) --no-print-directory install-as-needed
	@bash test/tools/stress.sh

# The regression suite against cbl built with -fsanitize=address,undefined,
# in a private copy of the PostgreSQL install (docs/testing.md).
asan-test:
	@bash test/tools/asan-test.sh

# The regression suite (or the tests named in VALGRIND_TESTS) with the server
# under valgrind's memcheck (docs/testing.md).  Slow.
valgrind-test:
	@bash test/tools/valgrind-test.sh $(VALGRIND_TESTS)

bench:
	@bash test/bench/run.sh

# Rating: 1M shipments, cbl against PL/pgSQL and a bare scan.
bench-rating:
	@bash test/bench/rating.sh

# Ingest: 1M canonical events against COPY of the same rows, and a replay.
bench-ingest:
	@bash test/bench/ingest.sh

# Ingest, two builds side by side (make bench-ingest-ab REV=<commit>): the
# per-step CPU of REV and of the working tree, batch by batch in turn.
bench-ingest-ab:
	@bash test/bench/ingest_ab.sh $(REV)

# Reconciliation: a 100 000-line carrier invoice against plain SQL.
bench-recon:
	@bash test/bench/recon.sh

# Settlement: a month of 1M charges of 2,000 customers against the bare
# INSERT ... SELECT ... GROUP BY writing the same statement lines.
bench-settle:
	@bash test/bench/settle.sh

# The status of one shipment, cbl against the baseline of 23 November 2026
# (test/bench/lookup.sh, docs/performance.md, Scale).
bench-lookup:
	@bash test/bench/lookup.sh

# Scale: 1, 2, 4 and 8 million shipments in one growing database; time per
# row at each size and single-shipment status lookups (BENCH_SCALE_SIZES).
bench-scale:
	@bash test/bench/scale.sh

# Regenerate the compiled-in ISO tables and seed SQL from src/data.
regen-data:
	python3 src/data/gen_reference.py
