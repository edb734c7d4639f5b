-- Settlement (docs/settlement.md): at the end of each period, every party's
-- open charges become statements with numbered lines that never change.
--
-- Periods are calendar months in the billing time zone (the setting
-- billing_time_zone), one row in cbl.period each once settlement has
-- touched them.  cbl.settle(period_start) settles every party and closes
-- the period; cbl.settle(period_start, party_id) settles one party and
-- leaves the period open (cbl.run_monthly_settlement, 89_settlement_cron.sql,
-- does that party by party, committing each, and closes the period last).
--
-- Ready for Citus: statements and their lines are party-keyed (party_id
-- leads every primary and unique key), so they can be distributed by party
-- id and co-located with each other.  Settling writes nothing on the
-- charges (shipment-keyed, distributed by shipment id): a line names its
-- shipment and the numbers of its charges (charge_nos), so the charges
-- behind it are a single-shard lookup on cbl.charge, and the line of a
-- charge is a single-shard lookup on cbl.statement_line by the charge's
-- party; whether a charge is settled is its party's settlement marks
-- (cbl.settlement_mark, 84_charge.sql, party-keyed too).  Periods and
-- statement counters are small tables for the coordinator (reference
-- tables).

-- The month of a moment, in the billing time zone.
CREATE FUNCTION cbl.billing_period(at timestamptz) RETURNS date
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT date_trunc('month', at AT TIME ZONE cbl.get_setting('billing_time_zone'))::date
$$;
COMMENT ON FUNCTION cbl.billing_period(timestamptz) IS
  'the settlement period of a moment: first day of its calendar month in the billing time zone (setting billing_time_zone)';

CREATE TABLE cbl.period (
  period_start   date PRIMARY KEY
                 CONSTRAINT period_start_check CHECK (extract(day FROM period_start) = 1),
  period_end     date NOT NULL GENERATED ALWAYS AS ((period_start + interval '1 month')::date) STORED,
  time_zone      text NOT NULL,
  status         text NOT NULL DEFAULT 'open' CONSTRAINT period_status_check CHECK (status IN ('open', 'closed')),
  opened_at      timestamptz NOT NULL DEFAULT now(),
  closed_at      timestamptz,
  closed_by_run  bigint,
  CONSTRAINT period_closed_check CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
COMMENT ON TABLE cbl.period IS
  'settlement periods: calendar months in the billing time zone, open until settlement closes them (cbl.settle for every party, or the end of cbl.run_monthly_settlement); a month without a row was never settled';
COMMENT ON COLUMN cbl.period.period_start IS 'first day of the month';
COMMENT ON COLUMN cbl.period.period_end IS 'first day of the next month (exclusive end)';
COMMENT ON COLUMN cbl.period.time_zone IS
  'time zone whose calendar the period follows: the billing_time_zone setting when the period was first settled, kept for it';
COMMENT ON COLUMN cbl.period.status IS
  'open (statements may still be added) or closed (settled: charges accrued in it from now on are late and go to the next open period''s statement)';
COMMENT ON COLUMN cbl.period.opened_at IS 'when settlement first touched the period';
COMMENT ON COLUMN cbl.period.closed_at IS 'when the period was closed';
COMMENT ON COLUMN cbl.period.closed_by_run IS 'the cbl.settlement_run that closed it; NULL if cbl.settle() did';
SELECT pg_catalog.pg_extension_config_dump('cbl.period', '');

-- Gapless statement numbers: one counter row per year, updated (and so
-- locked) in the transaction that writes the statements.  A rolled back
-- settlement rolls its numbers back with it; a sequence would leave gaps.
CREATE TABLE cbl.statement_counter (
  year      integer PRIMARY KEY CONSTRAINT statement_counter_year_check CHECK (year BETWEEN 1 AND 9999),
  last_seq  integer NOT NULL DEFAULT 0 CONSTRAINT statement_counter_last_seq_check CHECK (last_seq >= 0)
);
COMMENT ON TABLE cbl.statement_counter IS
  'the last statement number given out in each year; settlement locks the row of the year, so numbers are gapless and in commit order';
COMMENT ON COLUMN cbl.statement_counter.year IS 'year of the statements'' date (the last day of their period)';
COMMENT ON COLUMN cbl.statement_counter.last_seq IS 'the highest number given out in the year so far';
SELECT pg_catalog.pg_extension_config_dump('cbl.statement_counter', '');

CREATE FUNCTION cbl.format_statement_no(year integer, seq integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT year::text || '-' || CASE WHEN seq < 1000000 THEN lpad(seq::text, 6, '0') ELSE seq::text END
$$;
COMMENT ON FUNCTION cbl.format_statement_no(integer, integer) IS
  'a statement number as printed: the year, a dash and the number in the year, at least 6 digits (2026-000042)';

CREATE TABLE cbl.statement (
  party_id        bigint NOT NULL REFERENCES cbl.party (id),
  statement_no    text NOT NULL GENERATED ALWAYS AS (cbl.format_statement_no(year, seq)) STORED,
  year            integer NOT NULL,
  seq             integer NOT NULL CONSTRAINT statement_seq_check CHECK (seq > 0),
  period_start    date NOT NULL REFERENCES cbl.period (period_start),
  statement_date  date NOT NULL,
  direction       text NOT NULL CONSTRAINT statement_direction_check CHECK (direction IN ('receivable', 'payable')),
  currency        text NOT NULL REFERENCES cbl.currency (code),
  total           cbl.amount NOT NULL,
  line_count      integer NOT NULL,
  charge_count    integer NOT NULL,
  run_id          bigint,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (party_id, statement_no),
  CONSTRAINT statement_party_period_key UNIQUE (party_id, period_start, direction, currency),
  -- single node only: drop it before distributing by party (the counter
  -- row keeps numbers unique by itself)
  CONSTRAINT statement_year_seq_key UNIQUE (year, seq),
  CONSTRAINT statement_currency_check CHECK (cbl.currency(total) = currency)
);

CREATE INDEX statement_period_idx ON cbl.statement (period_start);
COMMENT ON INDEX cbl.statement_period_idx IS 'the foreign key to cbl.period; the statements of a period';
CREATE INDEX statement_run_idx ON cbl.statement (run_id) WHERE run_id IS NOT NULL;
COMMENT ON INDEX cbl.statement_run_idx IS 'the statements a settlement run wrote';
COMMENT ON TABLE cbl.statement IS
  'statements: per party, period, direction and currency, the sum of numbered lines (cbl.statement_line); written by settlement, final when written (never changed or deleted)';
COMMENT ON COLUMN cbl.statement.party_id IS 'party the statement is for: the key Citus distributes statements and their lines by';
COMMENT ON COLUMN cbl.statement.statement_no IS
  'statement number, gapless in its year over all parties: year-number, e.g. 2026-000042';
COMMENT ON COLUMN cbl.statement.year IS 'year of the statement date: the series the number belongs to';
COMMENT ON COLUMN cbl.statement.seq IS 'number of the statement in its year, from 1, without gaps';
COMMENT ON COLUMN cbl.statement.period_start IS 'the period settled (cbl.period)';
COMMENT ON COLUMN cbl.statement.statement_date IS 'date of the statement: the last day of its period';
COMMENT ON COLUMN cbl.statement.direction IS
  'receivable (the party owes it: an invoice to a customer) or payable (owed to the party: a carrier''s or agent''s statement)';
COMMENT ON COLUMN cbl.statement.currency IS
  'currency of the statement: the party''s billing currency, or, without one, the currency of its charges (one statement per currency)';
COMMENT ON COLUMN cbl.statement.total IS 'the sum of the lines'' amounts (each rounded to the minor unit)';
COMMENT ON COLUMN cbl.statement.line_count IS 'number of lines';
COMMENT ON COLUMN cbl.statement.charge_count IS 'number of charges behind the lines';
COMMENT ON COLUMN cbl.statement.run_id IS 'the cbl.settlement_run that wrote it; NULL if cbl.settle() was called directly';
COMMENT ON COLUMN cbl.statement.created_at IS 'when it was written';
SELECT pg_catalog.pg_extension_config_dump('cbl.statement', '');

-- Lines: the charges of one shipment and fee code, accrued in one period,
-- in one currency at one rate, and the numbers of those charges.  No foreign
-- keys: a line is written with its statement, by the same statement of
-- settlement, and never changes.
CREATE TABLE cbl.statement_line (
  party_id        bigint NOT NULL,
  statement_no    text NOT NULL,
  line_no         integer NOT NULL CONSTRAINT statement_line_no_check CHECK (line_no > 0),
  kind            text NOT NULL CONSTRAINT statement_line_kind_check CHECK (kind IN ('charge', 'adjustment')),
  accrual_period  date NOT NULL,
  shipment_id     bigint NOT NULL,
  fee_code        text NOT NULL,
  direction       text NOT NULL CONSTRAINT statement_line_direction_check CHECK (direction IN ('receivable', 'payable')),
  charge_count    integer NOT NULL CONSTRAINT statement_line_charge_count_check CHECK (charge_count > 0),
  charge_amount   cbl.amount NOT NULL,
  fx_rate_num     numeric,
  fx_rate_den     numeric,
  fx_rate_date    date,
  fx_via          text,
  amount          cbl.amount NOT NULL,
  charge_nos      bigint[] NOT NULL,
  period_start    date NOT NULL CONSTRAINT statement_line_period_start_check CHECK (extract(day FROM period_start) = 1),
  CONSTRAINT statement_line_charge_nos_check CHECK (cardinality(charge_nos) = charge_count),
  CONSTRAINT statement_line_fx_check
    CHECK ((fx_rate_num IS NULL) = (fx_rate_den IS NULL) AND (fx_rate_num IS NULL) = (fx_rate_date IS NULL)
           AND (fx_via IS NULL OR fx_rate_num IS NOT NULL))
) PARTITION BY RANGE (period_start);
-- Partitioned by the month of the statement's period (docs/scaling.md,
-- "Partitioning"): cbl.create_partitions() (77_partition.sql) makes the
-- monthly partitions, lines of a month without one land in
-- cbl.statement_line_default until it moves them.  The primary key
-- (party_id, statement_no, line_no) is each partition's, as cbl.event's is
-- (72_event.sql says why); it is unique over all the partitions since the
-- lines of a statement all have its period (settlement writes them so).
-- cbl.create_partitions() gives each partition it makes the key of
-- cbl.statement_line_default.
CREATE TABLE cbl.statement_line_default PARTITION OF cbl.statement_line DEFAULT;
ALTER TABLE cbl.statement_line_default
  ADD CONSTRAINT statement_line_default_pkey PRIMARY KEY (party_id, statement_no, line_no);
COMMENT ON TABLE cbl.statement_line_default IS
  'lines of statements whose period has no partition of cbl.statement_line yet; cbl.create_partitions() moves them to their month''s partition';

COMMENT ON TABLE cbl.statement_line IS
  'lines of statements: the charges of one shipment and fee code accrued in one period (and one currency, at one rate), converted to the statement''s currency and rounded to its minor unit; charge_nos names the charges behind it';
COMMENT ON COLUMN cbl.statement_line.party_id IS 'party of the statement (co-locates the line with it)';
COMMENT ON COLUMN cbl.statement_line.statement_no IS 'the statement';
COMMENT ON COLUMN cbl.statement_line.line_no IS
  'number of the line on the statement: the period''s own charges first, then adjustments, by period, shipment and fee code';
COMMENT ON COLUMN cbl.statement_line.kind IS
  'charge (accrued in the statement''s period) or adjustment (accrued in an earlier period: a late charge or the reversal of a settled one)';
COMMENT ON COLUMN cbl.statement_line.accrual_period IS
  'the period the charges belong to (month of accrual in the billing time zone): the statement''s own, or for an adjustment the earlier one it corrects';
COMMENT ON COLUMN cbl.statement_line.shipment_id IS 'shipment of the charges';
COMMENT ON COLUMN cbl.statement_line.fee_code IS 'fee code of the charges (cbl.fee)';
COMMENT ON COLUMN cbl.statement_line.direction IS 'receivable or payable, as the statement';
COMMENT ON COLUMN cbl.statement_line.charge_count IS 'number of charges behind the line';
COMMENT ON COLUMN cbl.statement_line.charge_amount IS 'the sum of the charges, in their own currency, unrounded';
COMMENT ON COLUMN cbl.statement_line.fx_rate_num IS
  'exchange rate used, as an exact fraction num/den (statement currency per unit of the charges'' currency); NULL when no conversion';
COMMENT ON COLUMN cbl.statement_line.fx_rate_den IS 'denominator of the exchange rate (an inverse quote is 1/rate); NULL when no conversion';
COMMENT ON COLUMN cbl.statement_line.fx_rate_date IS
  'the day the rate dates from (cbl.fx_rate.valid_on, the latest on or before the charges'' accrual date; through a pivot, the older leg''s)';
COMMENT ON COLUMN cbl.statement_line.fx_via IS 'pivot currency the rate crossed through (setting fx_pivot_currency); NULL if direct or inverse';
COMMENT ON COLUMN cbl.statement_line.amount IS
  'the line''s amount in the statement''s currency: charge_amount times the rate, rounded half-even to the minor unit';
COMMENT ON COLUMN cbl.statement_line.charge_nos IS
  'the numbers (cbl.charge.charge_no, of this shipment) of the charges behind the line: the link from a settled charge to its line';
COMMENT ON COLUMN cbl.statement_line.period_start IS
  'the period of the statement (cbl.statement.period_start): the month whose partition holds the line';
-- its columns are cbl.statement_line's, with their comments
SELECT cbl.copy_column_comments('cbl.statement_line', 'cbl.statement_line_default');
SELECT pg_catalog.pg_extension_config_dump('cbl.statement_line_default', '');

ALTER TABLE cbl.settlement_mark
  ADD CONSTRAINT settlement_mark_period_fkey FOREIGN KEY (period_start) REFERENCES cbl.period (period_start);
CREATE INDEX settlement_mark_period_idx ON cbl.settlement_mark (period_start);
COMMENT ON INDEX cbl.settlement_mark_period_idx IS 'the foreign key to cbl.period; the parties settled for a period';

-- Final means final: statements, their lines, settlement marks and closed
-- periods never change.
CREATE FUNCTION cbl.settlement_guard() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_TABLE_NAME = 'period' THEN
    IF OLD.status = 'open' THEN
      -- closing it, or removing a period no statement refers to (its foreign keys protect the others)
      IF TG_OP = 'DELETE' THEN
        RETURN OLD;
      END IF;
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'period % is % and cannot be changed', to_char(OLD.period_start, 'YYYY-MM'), OLD.status
      USING ERRCODE = 'LG030',
            DETAIL = 'A period only ever goes from open to closed, and its statements are final.',
            HINT = 'Charges accrued in a closed period are settled on the next open period''s statement as adjustments.';
  END IF;
  IF TG_TABLE_NAME = 'settlement_mark' THEN
    RAISE EXCEPTION 'the settlement of party % for % is final and cannot be changed', OLD.party_id,
                    to_char(OLD.period_start, 'YYYY-MM')
      USING ERRCODE = 'LG032',
            DETAIL = 'It says which charges are settled; statements are final when settlement writes them.';
  END IF;
  IF TG_TABLE_NAME LIKE 'statement\_line%' THEN   -- fired on the partitions of cbl.statement_line
    RAISE EXCEPTION 'statement % is final and cannot be changed', OLD.statement_no
      USING ERRCODE = 'LG032',
            DETAIL = format('Line %s is part of it; statements are final when settlement writes them.', to_jsonb(OLD) ->> 'line_no'),
            HINT = 'Correct a settled charge with cbl.void_charge() and cbl.add_charge(): the correction is an adjustment line on the next statement.';
  END IF;
  RAISE EXCEPTION 'statement % is final and cannot be changed', OLD.statement_no
    USING ERRCODE = 'LG032',
          DETAIL = 'Statements are final when settlement writes them.',
          HINT = 'Correct a settled charge with cbl.void_charge() and cbl.add_charge(): the correction is an adjustment line on the next statement.';
END $$;
COMMENT ON FUNCTION cbl.settlement_guard() IS
  'trigger: statements, their lines and settlement marks never change (SQLSTATE LG032), a closed period stays closed (LG030)';
REVOKE ALL ON FUNCTION cbl.settlement_guard() FROM PUBLIC;

CREATE FUNCTION cbl.settlement_guard_truncate() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RAISE EXCEPTION 'cannot truncate cbl.%: statements are final', TG_TABLE_NAME
    USING ERRCODE = 'LG032';
END $$;
COMMENT ON FUNCTION cbl.settlement_guard_truncate() IS
  'trigger: the tables of statements cannot be truncated (SQLSTATE LG032)';
REVOKE ALL ON FUNCTION cbl.settlement_guard_truncate() FROM PUBLIC;

CREATE TRIGGER statement_guard BEFORE UPDATE OR DELETE ON cbl.statement
  FOR EACH ROW EXECUTE FUNCTION cbl.settlement_guard();
COMMENT ON TRIGGER statement_guard ON cbl.statement IS 'statements are final';
CREATE TRIGGER statement_guard_truncate BEFORE TRUNCATE ON cbl.statement
  FOR EACH STATEMENT EXECUTE FUNCTION cbl.settlement_guard_truncate();
COMMENT ON TRIGGER statement_guard_truncate ON cbl.statement IS 'statements are final';
CREATE TRIGGER statement_line_guard BEFORE UPDATE OR DELETE ON cbl.statement_line
  FOR EACH ROW EXECUTE FUNCTION cbl.settlement_guard();
COMMENT ON TRIGGER statement_line_guard ON cbl.statement_line IS 'statement lines are final';
CREATE TRIGGER statement_line_guard_truncate BEFORE TRUNCATE ON cbl.statement_line
  FOR EACH STATEMENT EXECUTE FUNCTION cbl.settlement_guard_truncate();
COMMENT ON TRIGGER statement_line_guard_truncate ON cbl.statement_line IS 'statement lines are final';
-- TRUNCATE of a partition fires no trigger of its parent: every partition
-- of cbl.statement_line has this guard of its own (cbl.create_partitions
-- gives each partition it makes the TRUNCATE triggers of the default one).
CREATE TRIGGER statement_line_default_guard_truncate BEFORE TRUNCATE ON cbl.statement_line_default
  FOR EACH STATEMENT EXECUTE FUNCTION cbl.settlement_guard_truncate();
COMMENT ON TRIGGER statement_line_default_guard_truncate ON cbl.statement_line_default IS 'statement lines are final';
CREATE TRIGGER period_guard BEFORE UPDATE OR DELETE ON cbl.period
  FOR EACH ROW EXECUTE FUNCTION cbl.settlement_guard();
COMMENT ON TRIGGER period_guard ON cbl.period IS 'a closed period stays closed';
CREATE TRIGGER settlement_mark_guard BEFORE UPDATE OR DELETE ON cbl.settlement_mark
  FOR EACH ROW EXECUTE FUNCTION cbl.settlement_guard();
COMMENT ON TRIGGER settlement_mark_guard ON cbl.settlement_mark IS 'settlement marks are final';
CREATE TRIGGER settlement_mark_guard_truncate BEFORE TRUNCATE ON cbl.settlement_mark
  FOR EACH STATEMENT EXECUTE FUNCTION cbl.settlement_guard_truncate();
COMMENT ON TRIGGER settlement_mark_guard_truncate ON cbl.settlement_mark IS 'settlement marks are final';

-- Exchange factor for a pair on a date, as cbl.convert() finds it (direct or
-- inverse, else through the pivot currency), for set-based conversion: one
-- call per distinct currency pair and day, never one per charge.
CREATE FUNCTION cbl.fx_factor(from_currency text, to_currency text, on_date date, pivot text)
RETURNS TABLE (num numeric, den numeric, valid_on date, via text)
LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
SET search_path = pg_catalog, pg_temp AS $$
  WITH leg (a, b, num, den, valid_on, pref) AS (
    -- the latest direct and the latest inverse rate of each pair needed
    SELECT q.a, q.b, r.num, r.den, r.valid_on, r.pref
      FROM (VALUES (from_currency, to_currency), (from_currency, pivot), (pivot, to_currency)) q (a, b)
     CROSS JOIN LATERAL (
       (SELECT f.rate AS num, 1::numeric AS den, f.valid_on, 0 AS pref FROM cbl.fx_rate f
         WHERE f.base = q.a AND f.quote = q.b AND f.valid_on <= on_date
         ORDER BY f.valid_on DESC LIMIT 1)
       UNION ALL
       (SELECT 1::numeric, f.rate, f.valid_on, 1 FROM cbl.fx_rate f
         WHERE f.base = q.b AND f.quote = q.a AND f.valid_on <= on_date
         ORDER BY f.valid_on DESC LIMIT 1)
     ) r
  ), best AS (             -- per pair, as cbl.fx_rate_on: the later, direct before inverse
    SELECT DISTINCT ON (leg.a, leg.b) leg.a, leg.b, leg.num, leg.den, leg.valid_on
      FROM leg ORDER BY leg.a, leg.b, leg.valid_on DESC, leg.pref
  )
  SELECT x.num, x.den, x.valid_on, x.via FROM (
    SELECT d.num, d.den, d.valid_on, NULL::text AS via, 1 AS pref
      FROM best d WHERE d.a = from_currency AND d.b = to_currency
    UNION ALL
    SELECT l1.num * l2.num, l1.den * l2.den, least(l1.valid_on, l2.valid_on), pivot, 2
      FROM best l1 JOIN best l2 ON l1.a = from_currency AND l1.b = pivot AND l2.a = pivot AND l2.b = to_currency
     WHERE pivot <> from_currency AND pivot <> to_currency
  ) x
  ORDER BY x.pref
  LIMIT 1
$$;
COMMENT ON FUNCTION cbl.fx_factor(text, text, date, text) IS
  'the exchange factor num/den from one currency to another on a date, as cbl.convert() applies it (direct or inverse rate, else both legs through the pivot), the day it dates from and the pivot crossed; no row if none';

-- Raised from inside settlement's set-based statements when a line needs a
-- rate that does not exist (evaluated only for such lines).
CREATE FUNCTION cbl.settlement_missing_rate(from_currency text, to_currency text, on_date date, party_id bigint)
RETURNS cbl.amount
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  who text;
BEGIN
  SELECT format('%s %s', p.kind, p.code) INTO who FROM cbl.party p WHERE p.id = settlement_missing_rate.party_id;
  RAISE EXCEPTION 'no exchange rate from % to % on or before %', from_currency, to_currency, to_char(on_date, 'YYYY-MM-DD')
    USING ERRCODE = 'LG003',
          DETAIL = format('Settling %s needs its charges in %s accrued on %s in %s.', who, from_currency,
                          to_char(on_date, 'YYYY-MM-DD'), to_currency),
          HINT = 'Load a rate with cbl.set_fx_rate(), then settle again; nothing was written.';
END $$;
COMMENT ON FUNCTION cbl.settlement_missing_rate(text, text, date, bigint) IS
  'raises SQLSTATE LG003 naming the party and the day whose charges settlement cannot convert (internal)';

-- The bounds of a period in its time zone, and the checks every settlement
-- makes: a first day of a month, a month that has ended, no later period
-- closed.  Creates the period's row (open) if it has none, and locks it.
CREATE FUNCTION cbl.settlement_period(period_start date, create_row boolean DEFAULT true)
RETURNS TABLE (status text, time_zone text, start_at timestamptz, end_at timestamptz, year integer)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  p date := settlement_period.period_start;
  tz text;
  st text;
  later date;
BEGIN
  IF p IS NULL THEN
    RAISE EXCEPTION 'the period to settle must not be null'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF extract(day FROM p) <> 1 THEN
    RAISE EXCEPTION 'a settlement period starts on the first day of a month, not on %', to_char(p, 'YYYY-MM-DD')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = format('Give %s for the month of %s.', to_char(p, 'YYYY-MM-01'), to_char(p, 'YYYY-MM-DD'));
  END IF;
  SELECT x.time_zone, x.status INTO tz, st FROM cbl.period x WHERE x.period_start = p FOR UPDATE;
  tz := coalesce(tz, cbl.get_setting('billing_time_zone'));
  start_at := p::timestamp AT TIME ZONE tz;
  end_at := (p + interval '1 month')::timestamp AT TIME ZONE tz;
  year := extract(year FROM p)::integer;
  time_zone := tz;
  IF st IS NULL THEN
    IF end_at > now() THEN
      RAISE EXCEPTION 'period % has not ended yet', to_char(p, 'YYYY-MM')
        USING ERRCODE = 'LG031',
              DETAIL = format('It ends at %s 00:00 in time zone %s; charges may still accrue in it.',
                              to_char(p + interval '1 month', 'YYYY-MM-DD'), tz),
              HINT = 'Settle a month once it is over.';
    END IF;
    SELECT min(x.period_start) INTO later FROM cbl.period x WHERE x.period_start > p AND x.status = 'closed';
    IF later IS NOT NULL THEN
      RAISE EXCEPTION 'period % cannot be settled: a later period, %, is closed', to_char(p, 'YYYY-MM'), to_char(later, 'YYYY-MM')
        USING ERRCODE = 'LG030',
              DETAIL = 'Settling a period also settles the charges still open from earlier periods, as adjustments; they were settled with the later period.',
              HINT = 'Charges of an earlier month that are still open go to the next open period''s statement.';
    END IF;
    IF create_row THEN
      INSERT INTO cbl.period AS x (period_start, time_zone) VALUES (p, tz)
      ON CONFLICT ON CONSTRAINT period_pkey DO NOTHING;
      SELECT x.status INTO st FROM cbl.period x WHERE x.period_start = p FOR UPDATE;
    END IF;
  ELSIF st = 'open' THEN
    SELECT min(x.period_start) INTO later FROM cbl.period x WHERE x.period_start > p AND x.status = 'closed';
    IF later IS NOT NULL THEN
      RAISE EXCEPTION 'period % cannot be settled: a later period, %, is closed', to_char(p, 'YYYY-MM'), to_char(later, 'YYYY-MM')
        USING ERRCODE = 'LG030';
    END IF;
  END IF;
  status := coalesce(st, 'open');
  RETURN NEXT;
END $$;
COMMENT ON FUNCTION cbl.settlement_period(date, boolean) IS
  'internal: checks a period can be settled (first of a month 22023, ended LG031, no later period closed LG030), creates and locks its row, returns its status, time zone, bounds and year';
REVOKE ALL ON FUNCTION cbl.settlement_period(date, boolean) FROM PUBLIC;

-- Commission of agents for a period, as payable charges (origin commission,
-- fee code COM) on each shipment they brought, one per rule: the rule's
-- percent of the revenue (receivable) or margin (receivable minus payable)
-- of the shipment's charges settled on the period's statements of its
-- other parties (customers, carriers, brokers ...; not agents), converted to
-- the agent's billing currency (else the reporting currency) at each
-- charge's accrual date's rate, the rules valid on that date.  Keyed by
-- period and rule (trigger_key), so it is written once.
CREATE FUNCTION cbl.settlement_commission(period_start date, start_at timestamptz, time_zone text,
                                          agent_id bigint DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  n integer;
BEGIN
  EXECUTE format($sql$
    WITH ag AS (
      SELECT p.id, coalesce(p.billing_currency, cbl.get_setting('reporting_currency')) AS to_ccy
        FROM cbl.party p
       WHERE p.kind = 'agent' %s
         AND EXISTS (SELECT 1 FROM cbl.commission_rule r WHERE r.agent_id = p.id)
         AND NOT EXISTS (SELECT 1 FROM cbl.settlement_mark st WHERE st.party_id = p.id AND st.period_start = $1)
    ), b AS MATERIALIZED (
      SELECT ag.id AS agent_id, ag.to_ccy, ch.shipment_id, ch.direction, ch.amount,
             cbl.currency(ch.amount) AS ccy, (ch.accrued_at AT TIME ZONE $3)::date AS acc_date, f.fee_group
        FROM ag
        JOIN cbl.shipment s ON s.agent_id = ag.id
        JOIN cbl.charge ch ON ch.shipment_id = s.id AND ch.voided_at IS NULL AND ch.origin <> 'commission'
        JOIN cbl.party cp ON cp.id = ch.party_id AND cp.kind <> 'agent'
        -- settled by the party's settlement for the period, not an earlier one
        JOIN cbl.settlement_mark m ON m.party_id = ch.party_id AND m.period_start = $1
                                  AND m.charges_through >= ch.charge_no AND m.settled_before > ch.accrued_at
        JOIN cbl.fee f ON f.code = ch.fee_code AND f.fee_group <> 'commission'
       WHERE NOT EXISTS (SELECT 1 FROM cbl.settlement_mark e
                          WHERE e.party_id = ch.party_id AND e.charges_through < m.charges_through
                            AND e.charges_through >= ch.charge_no AND e.settled_before > ch.accrued_at)
    ), fx AS (
      SELECT x.ccy, x.to_ccy, x.acc_date, r.num, r.den
        FROM (SELECT DISTINCT b.ccy, b.to_ccy, b.acc_date FROM b WHERE b.ccy <> b.to_ccy) x
        LEFT JOIN LATERAL cbl.fx_factor(x.ccy, x.to_ccy, x.acc_date, cbl.get_setting('fx_pivot_currency')) r ON true
    ), bc AS (
      SELECT b.agent_id, b.to_ccy, b.shipment_id, b.direction, b.acc_date, b.fee_group,
             CASE WHEN b.ccy = b.to_ccy THEN b.amount
                  WHEN fx.num IS NULL THEN cbl.settlement_missing_rate(b.ccy, b.to_ccy, b.acc_date, b.agent_id)
                  ELSE cbl.amount_exchange(b.amount, b.to_ccy, fx.num, fx.den) END AS amount
        FROM b LEFT JOIN fx ON fx.ccy = b.ccy AND fx.to_ccy = b.to_ccy AND fx.acc_date = b.acc_date
    ), per AS (
      SELECT bc.agent_id, bc.shipment_id, r.rule_no, r.percent, r.basis, r.fee_group, bc.to_ccy,
             cbl.sum(CASE WHEN bc.direction = 'receivable' THEN bc.amount ELSE OPERATOR(cbl.-) bc.amount END) AS base
        FROM bc
        JOIN cbl.commission_rule r ON r.agent_id = bc.agent_id AND r.valid @> bc.acc_date
                                  AND (r.fee_group IS NULL OR r.fee_group = bc.fee_group)
                                  AND (r.basis = 'margin' OR bc.direction = 'receivable')
       GROUP BY bc.agent_id, bc.shipment_id, r.rule_no, r.percent, r.basis, r.fee_group, bc.to_ccy
    ), ins AS (
      INSERT INTO cbl.charge AS c (shipment_id, party_id, direction, fee_code, amount, accrued_at, origin,
                                   trigger_key, note)
      SELECT per.shipment_id, per.agent_id, 'payable', 'COM', per.base OPERATOR(cbl.*) (per.percent / 100), $2,
             'commission', 'commission:' || to_char($1, 'YYYY-MM') || ':' || per.rule_no,
             format('commission for %%s: %%s%%%% of the %%s%%s, %%s, under rule %%s', to_char($1, 'YYYY-MM'),
                    per.percent, per.basis, coalesce(' of fee group ' || per.fee_group, ''), cbl.round(per.base),
                    per.rule_no)
        FROM per
       WHERE cbl.value(per.base) <> 0
         -- written once per key (the unique index on (shipment_id, trigger_key) is each
         -- partition's, which ON CONFLICT cannot name through cbl.charge; settlements
         -- run one at a time, so none writes the key meanwhile)
         AND NOT EXISTS (SELECT 1 FROM cbl.charge x
                          WHERE x.shipment_id = per.shipment_id
                            AND x.trigger_key = 'commission:' || to_char($1, 'YYYY-MM') || ':' || per.rule_no)
      RETURNING 1
    )
    SELECT count(*)::integer FROM ins
  $sql$, CASE WHEN agent_id IS NULL THEN '' ELSE 'AND p.id = $4' END)
  INTO n
  USING period_start, start_at, time_zone, agent_id;
  RETURN n;
END $$;
COMMENT ON FUNCTION cbl.settlement_commission(date, timestamptz, text, bigint) IS
  'internal: writes the commission charges of agents (all, or one) for a period from their rules and the charges settled on the period''s statements of their shipments; idempotent; returns how many it wrote';
REVOKE ALL ON FUNCTION cbl.settlement_commission(date, timestamptz, text, bigint) FROM PUBLIC;

-- The statements of a period for a set of parties, set-based: every open
-- charge of theirs accrued before the end of the period becomes part of a
-- line (which names it), every line part of a statement, every statement
-- gets the next gapless number of the year, and every party settled gets
-- its settlement mark (cbl.settlement_mark: the highest charge number taken
-- and the period's end), which is what makes those charges settled.
-- Parties that already have a mark for the period are left alone (their
-- charges that are still open are late, for the next period).
--
-- Nothing is written on the charges.  What makes a mark exact is the SHARE
-- lock on cbl.charge taken first: it waits for every transaction writing
-- charges (adding, voiding, changing one) to end and keeps new ones waiting
-- until settlement commits, so the charges read (by a statement whose
-- snapshot is taken after the lock) are all there are: none with a lower
-- number can commit later, none read can be voided meanwhile.  Under
-- REPEATABLE READ or SERIALIZABLE the snapshot may be older than the lock,
-- so settlement refuses to run there.
--
-- The lines are grouped in the order they are numbered in (the party's
-- statement, then the line), so one sort serves both.
-- (Merge joins off: the planner cannot know that the statements and the
-- rates of a month are few, and would sort a million charges to merge them.)
CREATE FUNCTION cbl.settlement_write(period_start date, end_at timestamptz, time_zone text, year integer,
                                     party_id bigint, agents boolean, run_id bigint)
RETURNS TABLE (charges integer, statements integer, lines integer)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET enable_mergejoin = off AS $$
DECLARE
  filter text;
  last_through bigint;
  last_before timestamptz;
  msg text;
  detail text;
  hint text;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'settlement runs in a READ COMMITTED transaction, not %', upper(current_setting('transaction_isolation'))
      USING ERRCODE = 'invalid_transaction_state',
            DETAIL = 'It locks cbl.charge against writes, then reads the charges to settle: an older snapshot could miss charges committed before the lock.',
            HINT = 'Settle outside a REPEATABLE READ or SERIALIZABLE transaction.';
  END IF;
  LOCK TABLE cbl.charge IN SHARE MODE;
  IF party_id IS NOT NULL THEN
    -- what its last settlement left: charges numbered after it, or accrued after its period
    SELECT m.charges_through, m.settled_before INTO last_through, last_before
      FROM cbl.settlement_mark m
     WHERE m.party_id = settlement_write.party_id
     ORDER BY m.charges_through DESC
     LIMIT 1;
    filter := 'ch.party_id = $5 AND (ch.charge_no > $7 OR ch.accrued_at >= $8)';
  ELSIF agents THEN
    filter := 'p.kind = ''agent''';
  ELSE
    filter := 'p.kind <> ''agent''';
  END IF;
  INSERT INTO cbl.statement_counter AS sc (year) VALUES (settlement_write.year)
  ON CONFLICT ON CONSTRAINT statement_counter_pkey DO NOTHING;
  BEGIN
    EXECUTE format($sql$
      WITH c AS MATERIALIZED (  -- the open charges: not voided, taken by no settlement mark
        SELECT ch.shipment_id, ch.charge_no, ch.party_id, ch.direction, ch.fee_code, ch.amount,
               cbl.currency(ch.amount) AS ccy,
               coalesce(p.billing_currency, cbl.currency(ch.amount)) AS to_ccy,
               (ch.accrued_at AT TIME ZONE $3)::date AS acc_date,
               date_trunc('month', ch.accrued_at AT TIME ZONE $3)::date AS acc_period
          FROM cbl.charge ch
          JOIN cbl.party p ON p.id = ch.party_id
         WHERE ch.voided_at IS NULL AND ch.accrued_at < $2 AND %s
           AND NOT EXISTS (SELECT 1 FROM cbl.settlement_mark m
                            WHERE m.party_id = ch.party_id
                              AND (m.period_start = $1
                                   OR (m.charges_through >= ch.charge_no AND m.settled_before > ch.accrued_at)))
      ), fx AS MATERIALIZED (
        SELECT x.ccy, x.to_ccy, x.acc_date, r.num, r.den, r.valid_on, r.via
          FROM (SELECT DISTINCT c.ccy, c.to_ccy, c.acc_date FROM c WHERE c.ccy <> c.to_ccy) x
          LEFT JOIN LATERAL cbl.fx_factor(x.ccy, x.to_ccy, x.acc_date, cbl.get_setting('fx_pivot_currency')) r ON true
      ), l0 AS (                -- the lines: charges of one party, direction, statement currency, period,
                                -- shipment, fee code, currency and rate, grouped in the order they are numbered
        SELECT c.party_id, c.direction, c.to_ccy, c.acc_period <> $1 AS late, c.acc_period, c.shipment_id,
               c.fee_code, c.ccy, fx.valid_on, fx.num, fx.den, fx.via, cbl.sum(c.amount) AS charge_amount,
               count(*)::integer AS charge_count, min(c.acc_date) AS acc_date,
               array_agg(c.charge_no) AS charge_nos, max(c.charge_no) AS max_no
          FROM c LEFT JOIN fx ON fx.ccy = c.ccy AND fx.to_ccy = c.to_ccy AND fx.acc_date = c.acc_date
         GROUP BY c.party_id, c.direction, c.to_ccy, c.acc_period <> $1, c.acc_period, c.shipment_id, c.fee_code,
                  c.ccy, fx.valid_on, fx.num, fx.den, fx.via
      ), lr AS MATERIALIZED (   -- numbered (statements from 1, lines from 1 in each), converted and rounded
        SELECT l0.*,
               dense_rank() OVER (ORDER BY l0.party_id, l0.direction, l0.to_ccy)::integer AS r,
               row_number() OVER (PARTITION BY l0.party_id, l0.direction, l0.to_ccy
                                  ORDER BY l0.late, l0.acc_period, l0.shipment_id, l0.fee_code, l0.ccy,
                                           l0.valid_on, l0.num, l0.den, l0.via)::integer AS line_no,
               cbl.round(CASE WHEN l0.ccy = l0.to_ccy THEN l0.charge_amount
                              WHEN l0.num IS NULL THEN cbl.settlement_missing_rate(l0.ccy, l0.to_ccy, l0.acc_date, l0.party_id)
                              ELSE cbl.amount_exchange(l0.charge_amount, l0.to_ccy, l0.num, l0.den) END) AS amount
          FROM l0
      ), n AS (                 -- the statements' numbers: the next ones of the year, the counter row locked
        UPDATE cbl.statement_counter sc SET last_seq = sc.last_seq + x.n
          FROM (SELECT max(lr.r) AS n FROM lr) x
         WHERE sc.year = $4 AND x.n > 0
        RETURNING sc.last_seq - x.n AS base
      ), ih AS (
        INSERT INTO cbl.statement (party_id, year, seq, period_start, statement_date, direction, currency, total,
                                   line_count, charge_count, run_id)
        SELECT lr.party_id, $4, n.base + lr.r, $1, ($1 + interval '1 month' - interval '1 day')::date, lr.direction,
               lr.to_ccy, cbl.sum(lr.amount), count(*)::integer, sum(lr.charge_count)::integer, $6
          FROM lr CROSS JOIN n
         GROUP BY n.base, lr.r, lr.party_id, lr.direction, lr.to_ccy
        RETURNING 1
      ), il AS (                -- the number as cbl.format_statement_no() writes it
        INSERT INTO cbl.statement_line (party_id, statement_no, line_no, kind, accrual_period, shipment_id, fee_code,
                                        direction, charge_count, charge_amount, fx_rate_num, fx_rate_den,
                                        fx_rate_date, fx_via, amount, charge_nos, period_start)
        SELECT lr.party_id,
               $4::text || '-' || CASE WHEN n.base + lr.r < 1000000 THEN lpad((n.base + lr.r)::text, 6, '0')
                                       ELSE (n.base + lr.r)::text END,
               lr.line_no, CASE WHEN lr.late THEN 'adjustment' ELSE 'charge' END, lr.acc_period, lr.shipment_id,
               lr.fee_code, lr.direction, lr.charge_count, lr.charge_amount, lr.num, lr.den, lr.valid_on, lr.via,
               lr.amount, lr.charge_nos, $1
          FROM lr CROSS JOIN n
        RETURNING 1
      ), im AS (                -- what each party's settlement took
        INSERT INTO cbl.settlement_mark (party_id, period_start, charges_through, settled_before, run_id)
        SELECT lr.party_id, $1, max(lr.max_no), $2, $6
          FROM lr
         GROUP BY lr.party_id
        RETURNING 1
      )
      SELECT (SELECT coalesce(sum(lr.charge_count), 0) FROM lr)::integer, (SELECT count(*) FROM ih)::integer,
             (SELECT count(*) FROM il)::integer
    $sql$, filter)
    INTO charges, statements, lines
    USING period_start, end_at, time_zone, year, party_id, run_id, coalesce(last_through, 0),
          coalesce(last_before, '-infinity'::timestamptz);
  EXCEPTION
    WHEN SQLSTATE 'LG003' THEN
      -- the missing rate, without the statement it was found in as context
      GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
      RAISE EXCEPTION USING ERRCODE = 'LG003', MESSAGE = msg, DETAIL = detail, HINT = hint;
  END;
  RETURN NEXT;
END $$;
COMMENT ON FUNCTION cbl.settlement_write(date, timestamptz, text, integer, bigint, boolean, bigint) IS
  'internal: writes the statements and settlement marks of a period for one party, or all non-agents, or all agents, set-based, under a SHARE lock on cbl.charge; returns the charges settled, statements and lines written';
REVOKE ALL ON FUNCTION cbl.settlement_write(date, timestamptz, text, integer, bigint, boolean, bigint) FROM PUBLIC;

-- Settling one party (of a period already checked and locked): an agent's
-- commission first, which needs the other parties of its shipments settled.
CREATE FUNCTION cbl.settlement_party(period_start date, start_at timestamptz, end_at timestamptz, time_zone text,
                                     year integer, party_id bigint, run_id bigint)
RETURNS TABLE (charges integer, statements integer, lines integer)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  pty cbl.party;
  waiting bigint;
  example text;
BEGIN
  SELECT * INTO pty FROM cbl.party p WHERE p.id = settlement_party.party_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown party id %', party_id
      USING ERRCODE = 'LG020';
  END IF;
  IF pty.kind = 'agent'
     AND NOT EXISTS (SELECT 1 FROM cbl.settlement_mark st WHERE st.party_id = pty.id AND st.period_start = settlement_party.period_start) THEN
    SELECT count(*), min(cp.kind || ' ' || cp.code) INTO waiting, example
      FROM cbl.shipment s
      JOIN cbl.charge ch ON ch.shipment_id = s.id AND ch.voided_at IS NULL AND ch.accrued_at < end_at
                        AND NOT EXISTS (SELECT 1 FROM cbl.settlement_mark m
                                         WHERE m.party_id = ch.party_id AND m.charges_through >= ch.charge_no
                                           AND m.settled_before > ch.accrued_at)
      JOIN cbl.party cp ON cp.id = ch.party_id AND cp.kind <> 'agent'
     WHERE s.agent_id = pty.id
       AND NOT EXISTS (SELECT 1 FROM cbl.settlement_mark st WHERE st.party_id = ch.party_id
                                                               AND st.period_start = settlement_party.period_start);
    IF waiting > 0 THEN
      RAISE EXCEPTION 'the commission of agent % for % needs the other parties of its shipments settled first',
                      pty.code, to_char(period_start, 'YYYY-MM')
        USING ERRCODE = 'LG033',
              DETAIL = format('%s open charges of its shipments belong to parties without a statement for the period, e.g. %s.',
                              waiting, example),
              HINT = 'Settle those parties first, or the whole period with cbl.settle(period_start).';
    END IF;
    PERFORM cbl.settlement_commission(period_start, start_at, time_zone, pty.id);
  END IF;
  RETURN QUERY SELECT * FROM cbl.settlement_write(period_start, end_at, time_zone, year, pty.id, false, run_id);
END $$;
COMMENT ON FUNCTION cbl.settlement_party(date, timestamptz, timestamptz, text, integer, bigint, bigint) IS
  'internal: settles one party for a period (an agent''s commission first; SQLSTATE LG033 if its shipments'' other parties are not settled yet)';
REVOKE ALL ON FUNCTION cbl.settlement_party(date, timestamptz, timestamptz, text, integer, bigint, bigint) FROM PUBLIC;

-- Everything left to settle in a period, then close it.
CREATE FUNCTION cbl.settlement_all(period_start date, start_at timestamptz, end_at timestamptz, time_zone text,
                                   year integer, run_id bigint)
RETURNS TABLE (charges integer, statements integer, lines integer)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  a record;
  b record;
BEGIN
  SELECT * INTO a FROM cbl.settlement_write(period_start, end_at, time_zone, year, NULL, false, run_id);
  PERFORM cbl.settlement_commission(period_start, start_at, time_zone, NULL);
  SELECT * INTO b FROM cbl.settlement_write(period_start, end_at, time_zone, year, NULL, true, run_id);
  UPDATE cbl.period x SET status = 'closed', closed_at = now(), closed_by_run = settlement_all.run_id
   WHERE x.period_start = settlement_all.period_start AND x.status = 'open';
  charges := a.charges + b.charges;
  statements := a.statements + b.statements;
  lines := a.lines + b.lines;
  RETURN NEXT;
END $$;
COMMENT ON FUNCTION cbl.settlement_all(date, timestamptz, timestamptz, text, integer, bigint) IS
  'internal: settles every party not yet settled for a period (others, then agents with their commission) and closes it';
REVOKE ALL ON FUNCTION cbl.settlement_all(date, timestamptz, timestamptz, text, integer, bigint) FROM PUBLIC;

CREATE FUNCTION cbl.settle(period_start date, party_id bigint DEFAULT NULL)
RETURNS SETOF cbl.statement
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  per record;
BEGIN
  -- one settlement at a time (a run holds this lock for its whole length)
  PERFORM pg_advisory_xact_lock(1667394675, 1);   -- 'cbls', 1
  IF party_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cbl.party p WHERE p.id = settle.party_id) THEN
    RAISE EXCEPTION 'unknown party id %', party_id
      USING ERRCODE = 'LG020',
            HINT = 'Parties are the rows of cbl.party.';
  END IF;
  SELECT * INTO per FROM cbl.settlement_period(period_start);
  IF per.status = 'open' THEN
    IF party_id IS NULL THEN
      PERFORM cbl.settlement_all(period_start, per.start_at, per.end_at, per.time_zone, per.year, NULL);
    ELSE
      PERFORM cbl.settlement_party(period_start, per.start_at, per.end_at, per.time_zone, per.year, party_id, NULL);
    END IF;
  END IF;
  RETURN QUERY
    SELECT s.* FROM cbl.statement s
     WHERE s.period_start = settle.period_start AND (settle.party_id IS NULL OR s.party_id = settle.party_id)
     ORDER BY s.year, s.seq;
END $$;
COMMENT ON FUNCTION cbl.settle(date, bigint) IS
  'settle a period (first day of a month in the billing time zone): every party''s open charges accrued before its end become statements per party, direction and currency, with lines by shipment and fee code (earlier periods'' charges as adjustment lines); agents get their commission; without party_id the period is then closed; idempotent: returns the period''s statements (of the party), new or existing; SQLSTATE LG030 a later period is closed, LG031 not ended, LG033 agent before its customers, LG003 missing rate';
REVOKE ALL ON FUNCTION cbl.settle(date, bigint) FROM PUBLIC;

-- Views for BI: standard types only.
CREATE VIEW cbl.v_statement AS
SELECT s.statement_no,
       s.year AS statement_year,
       s.seq AS statement_seq,
       s.party_id,
       p.code AS party_code,
       p.name AS party_name,
       p.kind AS party_kind,
       s.period_start,
       (s.period_start + interval '1 month' - interval '1 day')::date AS period_end,
       s.statement_date,
       s.direction,
       s.currency,
       cbl.value(s.total) AS total,
       s.line_count,
       s.charge_count,
       coalesce(a.lines, 0) AS adjustment_lines,
       coalesce(a.total, 0) AS adjustment_total,
       s.run_id,
       s.created_at
  FROM cbl.statement s
  JOIN cbl.party p ON p.id = s.party_id
  LEFT JOIN LATERAL (
    SELECT count(*) AS lines, sum(cbl.value(l.amount)) AS total
      FROM cbl.statement_line l
     WHERE l.party_id = s.party_id AND l.statement_no = s.statement_no AND l.period_start = s.period_start
       AND l.kind = 'adjustment'
  ) a ON true;
COMMENT ON VIEW cbl.v_statement IS
  'for BI: one row per statement (party, period, direction, currency) with its total and its adjustments; standard SQL types';
COMMENT ON COLUMN cbl.v_statement.statement_no IS 'statement number, gapless per year: year-number, e.g. 2026-000042';
COMMENT ON COLUMN cbl.v_statement.statement_year IS 'year of the numbering series (of the statement date)';
COMMENT ON COLUMN cbl.v_statement.statement_seq IS 'number within the year, from 1 without gaps';
COMMENT ON COLUMN cbl.v_statement.party_id IS 'party id';
COMMENT ON COLUMN cbl.v_statement.party_code IS 'party code';
COMMENT ON COLUMN cbl.v_statement.party_name IS 'party name';
COMMENT ON COLUMN cbl.v_statement.party_kind IS 'kind of party: customer, carrier, agent, broker, warehouse or operator';
COMMENT ON COLUMN cbl.v_statement.period_start IS 'first day of the period settled';
COMMENT ON COLUMN cbl.v_statement.period_end IS 'last day of the period settled';
COMMENT ON COLUMN cbl.v_statement.statement_date IS 'date of the statement (the last day of its period)';
COMMENT ON COLUMN cbl.v_statement.direction IS 'receivable (the party owes it) or payable (owed to the party)';
COMMENT ON COLUMN cbl.v_statement.currency IS 'ISO 4217 currency of the statement';
COMMENT ON COLUMN cbl.v_statement.total IS 'total: the sum of the lines, in the statement currency';
COMMENT ON COLUMN cbl.v_statement.line_count IS 'number of lines';
COMMENT ON COLUMN cbl.v_statement.charge_count IS 'number of charges behind the lines';
COMMENT ON COLUMN cbl.v_statement.adjustment_lines IS 'number of adjustment lines (charges of earlier periods)';
COMMENT ON COLUMN cbl.v_statement.adjustment_total IS 'sum of the adjustment lines, in the statement currency';
COMMENT ON COLUMN cbl.v_statement.run_id IS 'the settlement run that wrote it (cbl.settlement_run); NULL if written by cbl.settle()';
COMMENT ON COLUMN cbl.v_statement.created_at IS 'when the statement was written';

CREATE VIEW cbl.v_statement_line AS
SELECT l.statement_no,
       l.line_no,
       l.party_id,
       p.code AS party_code,
       s.period_start,
       l.kind,
       l.accrual_period,
       l.shipment_id,
       sh.reference AS shipment_reference,
       l.fee_code,
       f.fee_group,
       l.direction,
       l.charge_count,
       cbl.currency(l.charge_amount) AS charge_currency,
       cbl.value(l.charge_amount) AS charge_amount,
       l.fx_rate_num / l.fx_rate_den AS fx_rate,
       l.fx_rate_date,
       l.fx_via,
       s.currency,
       cbl.value(l.amount) AS amount
  FROM cbl.statement_line l
  JOIN cbl.statement s ON s.party_id = l.party_id AND s.statement_no = l.statement_no
  JOIN cbl.party p ON p.id = l.party_id
  JOIN cbl.shipment sh ON sh.id = l.shipment_id
  JOIN cbl.fee f ON f.code = l.fee_code;
COMMENT ON VIEW cbl.v_statement_line IS
  'for BI: one row per statement line, with the shipment reference, fee group, the charges'' own amount and currency, the rate used and the amount in the statement currency; standard SQL types';
COMMENT ON COLUMN cbl.v_statement_line.statement_no IS 'statement number';
COMMENT ON COLUMN cbl.v_statement_line.line_no IS 'line number on the statement';
COMMENT ON COLUMN cbl.v_statement_line.party_id IS 'party id of the statement';
COMMENT ON COLUMN cbl.v_statement_line.party_code IS 'party code';
COMMENT ON COLUMN cbl.v_statement_line.period_start IS 'first day of the period the statement settles';
COMMENT ON COLUMN cbl.v_statement_line.kind IS 'charge (of the statement''s period) or adjustment (of an earlier period)';
COMMENT ON COLUMN cbl.v_statement_line.accrual_period IS 'first day of the period the charges belong to';
COMMENT ON COLUMN cbl.v_statement_line.shipment_id IS 'shipment id';
COMMENT ON COLUMN cbl.v_statement_line.shipment_reference IS 'the shipment''s own reference';
COMMENT ON COLUMN cbl.v_statement_line.fee_code IS 'fee code';
COMMENT ON COLUMN cbl.v_statement_line.fee_group IS 'group of the fee code';
COMMENT ON COLUMN cbl.v_statement_line.direction IS 'receivable or payable';
COMMENT ON COLUMN cbl.v_statement_line.charge_count IS 'number of charges behind the line';
COMMENT ON COLUMN cbl.v_statement_line.charge_currency IS 'ISO 4217 currency the charges were in';
COMMENT ON COLUMN cbl.v_statement_line.charge_amount IS 'sum of the charges in their own currency, unrounded';
COMMENT ON COLUMN cbl.v_statement_line.fx_rate IS
  'exchange rate applied (statement currency per unit of charge currency); NULL when the currencies are the same';
COMMENT ON COLUMN cbl.v_statement_line.fx_rate_date IS 'day the rate dates from; NULL when no conversion';
COMMENT ON COLUMN cbl.v_statement_line.fx_via IS 'pivot currency of a crossed rate; NULL otherwise';
COMMENT ON COLUMN cbl.v_statement_line.currency IS 'ISO 4217 currency of the statement';
COMMENT ON COLUMN cbl.v_statement_line.amount IS 'amount of the line in the statement currency, rounded to its minor unit';

CREATE VIEW cbl.v_charge_line AS
SELECT l.shipment_id,
       c.charge_no,
       l.party_id,
       s.period_start,
       l.statement_no,
       l.line_no
  FROM cbl.statement_line l
  JOIN cbl.statement s ON s.party_id = l.party_id AND s.statement_no = l.statement_no
 CROSS JOIN LATERAL unnest(l.charge_nos) AS c (charge_no);
COMMENT ON VIEW cbl.v_charge_line IS
  'for BI: the statement line each settled charge is on, one row per settled charge (join cbl.v_charge or cbl.charge on shipment_id and charge_no); standard SQL types';
COMMENT ON COLUMN cbl.v_charge_line.shipment_id IS 'shipment of the charge';
COMMENT ON COLUMN cbl.v_charge_line.charge_no IS 'number of the charge (cbl.charge.charge_no)';
COMMENT ON COLUMN cbl.v_charge_line.party_id IS 'party of the charge and the statement';
COMMENT ON COLUMN cbl.v_charge_line.period_start IS 'first day of the period whose settlement took the charge';
COMMENT ON COLUMN cbl.v_charge_line.statement_no IS 'the statement the charge is on';
COMMENT ON COLUMN cbl.v_charge_line.line_no IS 'the line of that statement the charge is behind';
