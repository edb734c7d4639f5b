-- cbl benchmarks: the timing harness (test/bench/run.sh loads it first).
--
-- A benchmark is a pair of queries over the same rows, one using cbl and one
-- a baseline in core PostgreSQL types, listed in bench.pair (cases.sql).
-- bench.run_pair() times both, alternately, and stores every sample in
-- bench.sample; report.sql prints the best time of each side and the ratio.
--
-- How a query is timed: EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, FORMAT
-- JSON) and its "Execution Time".  That is the server's own executor clock:
-- it excludes parsing, planning and sending rows to psql, so client and
-- network noise stay out, and TIMING OFF drops the per-node clock calls that
-- would otherwise dominate cheap per-row expressions (what remains, a row
-- counter per plan node, costs the same on both sides).  Each query is an
-- aggregate such as count(expr), so every row's expression is evaluated but
-- only one row comes back.  The JSON plan also says how many parallel
-- workers were launched, which run_pair records.

CREATE SCHEMA bench;

CREATE TABLE bench.pair (
	id        integer PRIMARY KEY,
	name      text NOT NULL,
	rows      bigint NOT NULL,       -- rows each query processes, for the report
	settings  text[] NOT NULL DEFAULT '{}',  -- SET statements run before timing
	cbl_sql   text NOT NULL,
	base_sql  text NOT NULL,
	check_sql text                   -- one boolean: do both sides compute the same thing?
);

CREATE TABLE bench.sample (
	pair_id   integer NOT NULL REFERENCES bench.pair,
	side      text NOT NULL CHECK (side IN ('cbl', 'baseline')),
	round     integer NOT NULL,
	ms        float8 NOT NULL,
	workers   integer NOT NULL       -- parallel workers launched (0 for a serial plan)
);

CREATE TABLE bench.check_result (
	pair_id   integer PRIMARY KEY REFERENCES bench.pair,
	ok        boolean
);

-- One execution of query q: executor milliseconds and workers launched.
CREATE FUNCTION bench.time_query(q text, OUT ms float8, OUT workers integer)
LANGUAGE plpgsql AS $$
DECLARE
	plan json;
BEGIN
	EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, FORMAT JSON) ' || q INTO plan;
	ms := (plan -> 0 ->> 'Execution Time')::float8;
	SELECT coalesce(sum(w::text::integer), 0) INTO workers
	  FROM jsonb_path_query(plan::jsonb, 'strict $.**."Workers Launched"') AS w;
END
$$;

-- Time pair p: its settings, its check, one untimed warm-up of each side,
-- then `rounds` timed rounds.  The side that goes first alternates from
-- round to round, so a slow spell or a cache effect does not always hit the
-- same side.
CREATE FUNCTION bench.run_pair(p integer, rounds integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	c bench.pair;
	s text;
	ok boolean;
	r integer;
	side text;
	t record;
BEGIN
	SELECT * INTO STRICT c FROM bench.pair WHERE id = p;
	FOREACH s IN ARRAY c.settings LOOP
		EXECUTE s;
	END LOOP;
	IF c.check_sql IS NOT NULL THEN
		EXECUTE c.check_sql INTO ok;
		INSERT INTO bench.check_result VALUES (p, coalesce(ok, false));
	END IF;
	PERFORM bench.time_query(c.cbl_sql);
	PERFORM bench.time_query(c.base_sql);
	FOR r IN 1 .. rounds LOOP
		FOREACH side IN ARRAY CASE WHEN r % 2 = 1 THEN ARRAY['cbl', 'baseline']
		                           ELSE ARRAY['baseline', 'cbl'] END LOOP
			t := bench.time_query(CASE side WHEN 'cbl' THEN c.cbl_sql ELSE c.base_sql END);
			INSERT INTO bench.sample VALUES (p, side, r, t.ms, t.workers);
		END LOOP;
	END LOOP;
END
$$;
