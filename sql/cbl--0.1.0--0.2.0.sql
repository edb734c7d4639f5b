-- cbl 0.1.0 -> 0.2.0 (docs/upgrading.md).  Every change made to sql/cbl/
-- since 0.1.0 is made here too, in the same order; test/t/015_upgrade.pl
-- checks that an updated 0.1.0 has exactly the catalog of a fresh 0.2.0.
\echo Use "ALTER EXTENSION cbl UPDATE TO '0.2.0'" to load this file. \quit

-- ===== Charges and statement lines partitioned by month (docs/scaling.md, "Partitioning")
-- cbl.charge becomes partitioned by range of shipment_id, cbl.statement_line
-- by range of a new column period_start; cbl.create_partitions() makes their
-- monthly partitions too, cbl.partitions() lists them.  A plain table
-- cannot become a partitioned one: each is renamed, made again partitioned
-- (with its default partition, keys, indexes, triggers and comments as
-- 84_charge.sql and 88_settlement.sql make them), its rows copied into the
-- default partition (charges with their numbers, the identity sequence set
-- to where the old one was; lines with their statement's period), and
-- dropped.  What depends on the tables goes and comes back with its current
-- definition: the views v_charge, v_margin, v_leakage, v_kpi_monthly
-- (87_money_views.sql), v_statement, v_statement_line, v_charge_line
-- (88_settlement.sql), and the functions whose type is a charge
-- (charge_status, add_charge, void_charge).  Grants on all of them, row
-- security and the policies of the tables are carried over.
-- cbl.create_partitions() moves the rows to monthly partitions when run.
CREATE TEMPORARY TABLE cbl_upgrade_acl ON COMMIT DROP AS
SELECT 'TABLE' AS kind, c.oid::regclass::text AS object, a.grantee, a.privilege_type, a.is_grantable
  FROM pg_catalog.pg_class c CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
 WHERE c.oid IN ('cbl.charge'::regclass, 'cbl.statement_line'::regclass, 'cbl.v_charge'::regclass,
                 'cbl.v_margin'::regclass, 'cbl.v_leakage'::regclass, 'cbl.v_kpi_monthly'::regclass,
                 'cbl.v_statement'::regclass, 'cbl.v_statement_line'::regclass, 'cbl.v_charge_line'::regclass)
   AND a.grantee <> c.relowner
UNION ALL
SELECT 'FUNCTION', p.oid::regprocedure::text, a.grantee, a.privilege_type, a.is_grantable
  FROM pg_catalog.pg_proc p CROSS JOIN LATERAL pg_catalog.aclexplode(p.proacl) a
 WHERE p.oid IN ('cbl.charge_status(cbl.charge)'::regprocedure,
                 'cbl.add_charge(text, text, text, text, cbl.amount, timestamptz, text, text, text, text, bigint)'::regprocedure,
                 'cbl.void_charge(bigint, bigint, text)'::regprocedure)
   AND a.grantee <> p.proowner;
CREATE TEMPORARY TABLE cbl_upgrade_options ON COMMIT DROP AS
SELECT c.relname, c.reloptions
  FROM pg_catalog.pg_class c
 WHERE c.oid IN ('cbl.v_charge'::regclass, 'cbl.v_margin'::regclass, 'cbl.v_leakage'::regclass,
                 'cbl.v_kpi_monthly'::regclass, 'cbl.v_statement'::regclass, 'cbl.v_statement_line'::regclass,
                 'cbl.v_charge_line'::regclass)
   AND c.reloptions IS NOT NULL;
CREATE TEMPORARY TABLE cbl_upgrade_rls ON COMMIT DROP AS
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
  FROM pg_catalog.pg_class c WHERE c.oid IN ('cbl.charge'::regclass, 'cbl.statement_line'::regclass);
CREATE TEMPORARY TABLE cbl_upgrade_policy ON COMMIT DROP AS
SELECT p.tablename, p.policyname, p.permissive, p.roles, p.cmd, p.qual, p.with_check
  FROM pg_catalog.pg_policies p WHERE p.schemaname = 'cbl' AND p.tablename IN ('charge', 'statement_line');

DROP VIEW cbl.v_kpi_monthly, cbl.v_margin, cbl.v_leakage, cbl.v_charge,
          cbl.v_statement, cbl.v_statement_line, cbl.v_charge_line;
DROP FUNCTION cbl.charge_status(cbl.charge);
DROP FUNCTION cbl.add_charge(text, text, text, text, cbl.amount, timestamptz, text, text, text, text, bigint);
DROP FUNCTION cbl.void_charge(bigint, bigint, text);
ALTER TABLE cbl.charge RENAME TO charge_0_1_0;
ALTER SEQUENCE cbl.charge_charge_no_seq RENAME TO charge_0_1_0_charge_no_seq;
ALTER TABLE cbl.statement_line RENAME TO statement_line_0_1_0;

CREATE TABLE cbl.charge (
  shipment_id        bigint NOT NULL,
  charge_no          bigint GENERATED ALWAYS AS IDENTITY,
  party_id           bigint NOT NULL,
  direction          text NOT NULL CONSTRAINT charge_direction_check CHECK (direction IN ('receivable', 'payable')),
  fee_code           text NOT NULL,
  amount             cbl.amount NOT NULL,
  accrued_at         timestamptz NOT NULL,
  origin             text NOT NULL
                     CONSTRAINT charge_origin_check
                     CHECK (origin IN ('rated', 'duty', 'manual', 'carrier_invoice', 'commission', 'adjustment')),
  rate_card          text,
  rate_card_version  integer,
  step               text,   -- a milestone code (no foreign key: a check per charge for a label)
  reference          text,
  trigger_key        text,
  adjusts_charge_no  bigint,
  voided_at          timestamptz,
  void_reason        text,
  note               text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  -- adjusts_charge_no names a charge of the same shipment: checked by the
  -- constraint trigger charge_adjusts_check at commit (a foreign key of the
  -- table to itself would make pg_dump warn and could not be restored in
  -- the order of the rows)
  CONSTRAINT charge_voided_check CHECK ((voided_at IS NULL) = (void_reason IS NULL)),
  CONSTRAINT charge_rate_card_check CHECK (rate_card_version IS NULL OR rate_card IS NOT NULL),
  CONSTRAINT charge_adjustment_check CHECK (origin <> 'adjustment' OR adjusts_charge_no IS NOT NULL)
) PARTITION BY RANGE (shipment_id);
-- Partitioned like cbl.event, by the month in the shipment id
-- (docs/scaling.md, "Partitioning"): a shipment's charges are in the
-- partition of its month, so every shipment-keyed statement reads one leaf.
-- cbl.create_partitions() (77_partition.sql) makes the monthly partitions;
-- charges of a month without one land in cbl.charge_default until it moves
-- them.  Charges are numbered by the identity of the parent: write them
-- through cbl.charge (a partition written directly has no identity, and
-- charge_no cannot be NULL), so numbers are handed out in order across all
-- partitions, as settlement needs (cbl.settlement_mark below).
--
-- The primary key, the unique index on (shipment_id, trigger_key), the foreign keys
-- and the indexes are each partition's, not the parent's, for the reason
-- 72_event.sql gives for the event's key (a restore attaches a dumped
-- partition to the extension's parent, which would give the partition the
-- parent's indexes before the dump makes its own), and because a foreign key
-- of the parent would be checked on each restored partition's rows as they
-- are loaded, before the shipments they name.  The keys hold all the same:
-- they include shipment_id, the partition key.  Those of cbl.charge_default
-- are the model: cbl.create_partitions() gives each partition it makes the
-- same constraints and indexes.
CREATE TABLE cbl.charge_default PARTITION OF cbl.charge DEFAULT;
ALTER TABLE cbl.charge_default
  ADD CONSTRAINT charge_default_pkey PRIMARY KEY (shipment_id, charge_no),
  ADD CONSTRAINT charge_default_shipment_id_fkey FOREIGN KEY (shipment_id) REFERENCES cbl.shipment (id),
  ADD CONSTRAINT charge_default_party_id_fkey FOREIGN KEY (party_id) REFERENCES cbl.party (id),
  ADD CONSTRAINT charge_default_fee_code_fkey FOREIGN KEY (fee_code) REFERENCES cbl.fee (code);
COMMENT ON TABLE cbl.charge_default IS
  'charges of shipments whose month has no partition of cbl.charge yet; cbl.create_partitions() moves them to their month''s partition';
-- Settlement: a party's charges accrued since its last settlement's end, and
-- those numbered after its last settlement (late ones).  Nothing in them
-- changes when a charge is settled (see cbl.settlement_mark below).
CREATE INDEX charge_default_party_accrued_idx ON cbl.charge_default (party_id, accrued_at);
COMMENT ON INDEX cbl.charge_default_party_accrued_idx IS
  'settlement: a party''s charges accrued in a period (or since its last settlement''s end); the foreign key to cbl.party';
CREATE INDEX charge_default_party_charge_no_idx ON cbl.charge_default (party_id, charge_no);
COMMENT ON INDEX cbl.charge_default_party_charge_no_idx IS
  'settlement: a party''s charges numbered after its last settlement (late charges)';
-- Reconciliation, leakage, margin: a shipment's charges by party and fee.
CREATE INDEX charge_default_shipment_party_fee_idx ON cbl.charge_default (shipment_id, party_id, fee_code);
COMMENT ON INDEX cbl.charge_default_shipment_party_fee_idx IS
  'reconciliation: the charges of a shipment by party and fee code';
CREATE INDEX charge_default_fee_code_idx ON cbl.charge_default (fee_code);
COMMENT ON INDEX cbl.charge_default_fee_code_idx IS 'the foreign key to cbl.fee';
CREATE INDEX charge_default_accrued_at_idx ON cbl.charge_default (accrued_at);
COMMENT ON INDEX cbl.charge_default_accrued_at_idx IS 'margin and KPIs by month of accrual';
-- Automatic accruals are idempotent: one charge per key and shipment (the
-- shipment's charges are all in one partition, so a unique index of each
-- partition is unique over all).
CREATE UNIQUE INDEX charge_default_trigger_key ON cbl.charge_default (shipment_id, trigger_key) WHERE trigger_key IS NOT NULL;
COMMENT ON INDEX cbl.charge_default_trigger_key IS
  'an automatic accrual (or its adjustment) is written once per shipment and key, whatever is re-sent or re-run';
CREATE INDEX charge_default_adjusts_idx ON cbl.charge_default (shipment_id, adjusts_charge_no) WHERE adjusts_charge_no IS NOT NULL;
COMMENT ON INDEX cbl.charge_default_adjusts_idx IS 'the adjustments of a charge';
COMMENT ON TABLE cbl.charge IS
  'charges of shipments: receivable (billed to a customer) or payable (owed to a carrier, agent ...), accrued by billing triggers, cbl.add_charge() or adjustments; voided with cbl.void_charge(); a settled charge never changes';
COMMENT ON COLUMN cbl.charge.shipment_id IS 'shipment charged for: the key every shipment-keyed table (and Citus) distributes by';
COMMENT ON COLUMN cbl.charge.charge_no IS 'numbers the charges';
COMMENT ON COLUMN cbl.charge.party_id IS
  'party billed (receivable: the customer) or owed (payable: the carrier, agent, broker ...)';
COMMENT ON COLUMN cbl.charge.direction IS 'receivable (revenue: the party owes it) or payable (cost: owed to the party)';
COMMENT ON COLUMN cbl.charge.fee_code IS 'fee code (cbl.fee), e.g. FRT, FSC, DUTY';
COMMENT ON COLUMN cbl.charge.amount IS
  'the amount, exact and currency-tagged; negative for discounts, credits and downward adjustments';
COMMENT ON COLUMN cbl.charge.accrued_at IS
  'when the charge was earned or incurred (the milestone''s actual time for automatic accruals): decides its settlement period';
COMMENT ON COLUMN cbl.charge.origin IS
  'what produced it: rated (a rate card), duty (a duty quote), manual, carrier_invoice, commission or adjustment';
COMMENT ON COLUMN cbl.charge.rate_card IS 'code of the rate card that priced it, if rated';
COMMENT ON COLUMN cbl.charge.rate_card_version IS 'version of that rate card';
COMMENT ON COLUMN cbl.charge.step IS 'the milestone whose billing trigger accrued it; NULL for other charges';
COMMENT ON COLUMN cbl.charge.reference IS
  'what it is for within the shipment, e.g. a container number; carrier invoice lines are matched on it';
COMMENT ON COLUMN cbl.charge.trigger_key IS
  'idempotency key of an automatic accrual: milestone:action:fee code, with :n appended for its n-th adjustment; NULL for other charges';
COMMENT ON COLUMN cbl.charge.adjusts_charge_no IS 'the charge (of the same shipment) this adjustment corrects or reverses';
COMMENT ON COLUMN cbl.charge.voided_at IS 'when it was voided (cancelled while open); NULL: not voided';
COMMENT ON COLUMN cbl.charge.void_reason IS 'why it was voided; NULL: not voided';
COMMENT ON COLUMN cbl.charge.note IS 'free text';
COMMENT ON COLUMN cbl.charge.created_at IS 'when the charge was written (a late charge is written after its period)';
-- its columns are cbl.charge's, with their comments
DO $$
DECLARE
  col record;
BEGIN
  FOR col IN SELECT a.attname, col_description(a.attrelid, a.attnum) AS description
               FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = 'cbl.charge'::regclass AND a.attnum > 0 AND NOT a.attisdropped LOOP
    EXECUTE format('COMMENT ON COLUMN cbl.charge_default.%I IS %L', col.attname, col.description);
  END LOOP;
END $$;
SELECT pg_catalog.pg_extension_config_dump('cbl.charge_default', '');
SELECT pg_catalog.pg_extension_config_dump('cbl.charge_charge_no_seq', '');

CREATE TRIGGER charge_guard
  BEFORE UPDATE OR DELETE ON cbl.charge
  FOR EACH ROW EXECUTE FUNCTION cbl.charge_guard();
COMMENT ON TRIGGER charge_guard ON cbl.charge IS 'settled and voided charges never change';
-- TRUNCATE deletes without firing row triggers: it is refused while the
-- table holds a charge that DELETE would refuse (settled or voided: LG023).
-- A partition's TRUNCATE fires none of its parent's triggers, so
-- cbl.charge_default has this guard too, and cbl.create_partitions gives it
-- to every partition it makes.  The rows are looked at through cbl.charge
-- (a partition's own row type is not cbl.charge), up to the first that is
-- not open.
CREATE FUNCTION cbl.charge_guard_truncate() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r record;
BEGIN
  EXECUTE format('SELECT c.charge_no, s.reference, cbl.charge_status(c) AS status
                    FROM %s t
                    JOIN cbl.charge c ON c.shipment_id = t.shipment_id AND c.charge_no = t.charge_no
                    LEFT JOIN cbl.shipment s ON s.id = c.shipment_id
                   WHERE cbl.charge_status(c) <> ''open''
                   LIMIT 1', TG_RELID::regclass) INTO r;
  IF r.charge_no IS NOT NULL THEN
    RAISE EXCEPTION 'cannot truncate %: charge % of shipment % is %', TG_RELID::regclass, r.charge_no, r.reference, r.status
      USING ERRCODE = 'LG023',
            DETAIL = 'Settled and voided charges are never deleted.',
            HINT = 'Delete open charges with DELETE; correct a settled one with cbl.void_charge().';
  END IF;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION cbl.charge_guard_truncate() IS
  'trigger of cbl.charge and each of its partitions: no TRUNCATE while the table holds a settled or voided charge (SQLSTATE LG023)';
REVOKE ALL ON FUNCTION cbl.charge_guard_truncate() FROM PUBLIC;
CREATE TRIGGER charge_guard_truncate BEFORE TRUNCATE ON cbl.charge
  FOR EACH STATEMENT EXECUTE FUNCTION cbl.charge_guard_truncate();
COMMENT ON TRIGGER charge_guard_truncate ON cbl.charge IS 'settled and voided charges are never deleted';
CREATE TRIGGER charge_default_guard_truncate BEFORE TRUNCATE ON cbl.charge_default
  FOR EACH STATEMENT EXECUTE FUNCTION cbl.charge_guard_truncate();
COMMENT ON TRIGGER charge_default_guard_truncate ON cbl.charge_default IS 'settled and voided charges are never deleted';
CREATE CONSTRAINT TRIGGER charge_adjusts_check
  AFTER INSERT OR UPDATE OF adjusts_charge_no ON cbl.charge
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (NEW.adjusts_charge_no IS NOT NULL)
  EXECUTE FUNCTION cbl.charge_adjusts_check();
COMMENT ON TRIGGER charge_adjusts_check ON cbl.charge IS
  'at commit: the charge an adjustment names exists on the same shipment';

-- the charges of 0.1.0, with their numbers, and the numbering where it was
INSERT INTO cbl.charge (shipment_id, charge_no, party_id, direction, fee_code, amount, accrued_at, origin, rate_card,
                        rate_card_version, step, reference, trigger_key, adjusts_charge_no, voided_at, void_reason,
                        note, created_at)
OVERRIDING SYSTEM VALUE
SELECT shipment_id, charge_no, party_id, direction, fee_code, amount, accrued_at, origin, rate_card,
       rate_card_version, step, reference, trigger_key, adjusts_charge_no, voided_at, void_reason, note, created_at
  FROM cbl.charge_0_1_0;
SELECT pg_catalog.setval('cbl.charge_charge_no_seq', s.last_value, s.is_called)
  FROM cbl.charge_0_1_0_charge_no_seq s;

CREATE FUNCTION cbl.charge_status(c cbl.charge) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN c.voided_at IS NOT NULL THEN 'voided'
              WHEN EXISTS (SELECT 1 FROM cbl.settlement_mark m
                            WHERE m.party_id = c.party_id AND m.charges_through >= c.charge_no
                              AND m.settled_before > c.accrued_at) THEN 'settled'
              ELSE 'open' END
$$;
COMMENT ON FUNCTION cbl.charge_status(cbl.charge) IS
  'status of a charge: open (not yet on a statement), settled (on a statement: never changes again) or voided (cancelled while open); settled is derived from cbl.settlement_mark';

CREATE FUNCTION cbl.add_charge(shipment text, party text, direction text, fee_code text,
                               amount cbl.amount, accrued_at timestamptz DEFAULT now(),
                               reference text DEFAULT NULL, note text DEFAULT NULL,
                               party_kind text DEFAULT NULL, origin text DEFAULT 'manual',
                               adjusts_charge_no bigint DEFAULT NULL)
RETURNS cbl.charge
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  s cbl.shipment;
  v_party bigint;
  result cbl.charge;
BEGIN
  IF shipment IS NULL OR direction IS NULL OR fee_code IS NULL OR amount IS NULL OR accrued_at IS NULL
     OR origin IS NULL THEN
    RAISE EXCEPTION 'a charge needs a shipment, a direction, a fee code, an amount and an accrual time'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO s FROM cbl.shipment x WHERE x.id = cbl.find_shipment(add_charge.shipment);
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown shipment "%"', shipment
      USING ERRCODE = 'LG020',
            HINT = 'Give a reference of the shipment (cbl.find_shipment finds it); create it with cbl.create_shipment().';
  END IF;
  IF direction NOT IN ('receivable', 'payable') THEN
    RAISE EXCEPTION 'a charge is receivable or payable, not "%"', direction
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF origin NOT IN ('manual', 'carrier_invoice', 'commission', 'adjustment') THEN
    RAISE EXCEPTION 'cbl.add_charge writes charges of origin manual, carrier_invoice, commission or adjustment, not "%"', origin
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Rated and duty charges accrue by themselves from billing triggers (cbl.billing_trigger).';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM cbl.fee f WHERE f.code = add_charge.fee_code) THEN
    RAISE EXCEPTION 'unknown fee code "%"', fee_code
      USING ERRCODE = 'LG020',
            HINT = 'Fee codes are the rows of cbl.fee; add yours with INSERT INTO cbl.fee (code, fee_group, description).';
  END IF;
  IF (origin = 'adjustment') <> (adjusts_charge_no IS NOT NULL) THEN
    RAISE EXCEPTION 'an adjustment names the charge it adjusts (adjusts_charge_no), and only an adjustment does'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF adjusts_charge_no IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM cbl.charge c WHERE c.shipment_id = s.id AND c.charge_no = add_charge.adjusts_charge_no) THEN
    RAISE EXCEPTION 'shipment % has no charge %', s.reference, adjusts_charge_no
      USING ERRCODE = 'LG020';
  END IF;
  IF party IS NOT NULL THEN
    v_party := cbl.charge_party_id(party, party_kind);
  ELSIF direction = 'receivable' THEN
    v_party := s.customer_id;
  ELSE
    v_party := s.carrier_id;
    IF v_party IS NULL THEN
      RAISE EXCEPTION 'shipment % has no carrier to owe a payable charge to', s.reference
        USING ERRCODE = 'LG020',
              HINT = 'Name the party (party => ''CODE'').';
    END IF;
  END IF;
  INSERT INTO cbl.charge AS c (shipment_id, party_id, direction, fee_code, amount, accrued_at, origin,
                               reference, adjusts_charge_no, note)
  VALUES (s.id, v_party, add_charge.direction, add_charge.fee_code, add_charge.amount, add_charge.accrued_at,
          add_charge.origin, NULLIF(btrim(add_charge.reference), ''), add_charge.adjusts_charge_no, add_charge.note)
  RETURNING c.* INTO result;
  RETURN result;
END $$;
COMMENT ON FUNCTION cbl.add_charge(text, text, text, text, cbl.amount, timestamptz, text, text, text, text, bigint) IS
  'add a charge by hand to a shipment (named by a reference); party by code (NULL: the customer if receivable, the carrier if payable), kind if codes clash; returns the charge; SQLSTATE LG020 unknown shipment, party or fee code, LG021 ambiguous party';
REVOKE ALL ON FUNCTION cbl.add_charge(text, text, text, text, cbl.amount, timestamptz, text, text, text, text, bigint) FROM PUBLIC;

CREATE FUNCTION cbl.void_charge(shipment_id bigint, charge_no bigint, reason text)
RETURNS cbl.charge
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  c cbl.charge;
  result cbl.charge;
  ref text;
BEGIN
  IF shipment_id IS NULL OR charge_no IS NULL OR reason IS NULL OR btrim(reason) = '' THEN
    RAISE EXCEPTION 'voiding a charge needs its shipment id, its number and a reason'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- waits for a settlement in progress (it holds a SHARE lock on the table),
  -- so that what follows sees whether it took the charge
  LOCK TABLE cbl.charge IN ROW EXCLUSIVE MODE;
  SELECT s.reference INTO ref FROM cbl.shipment s WHERE s.id = void_charge.shipment_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'there is no shipment %', shipment_id
      USING ERRCODE = 'LG020';
  END IF;
  SELECT * INTO c FROM cbl.charge x
   WHERE x.shipment_id = void_charge.shipment_id AND x.charge_no = void_charge.charge_no
     FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'shipment % has no charge %', ref, charge_no
      USING ERRCODE = 'LG020';
  END IF;
  IF c.voided_at IS NOT NULL THEN
    RAISE EXCEPTION 'charge % of shipment % is already voided', charge_no, ref
      USING ERRCODE = 'LG022',
            DETAIL = format('It was voided at %s: %s', c.voided_at, c.void_reason);
  END IF;
  IF cbl.charge_status(c) = 'open' THEN
    UPDATE cbl.charge x SET voided_at = now(), void_reason = reason
     WHERE x.shipment_id = c.shipment_id AND x.charge_no = c.charge_no
    RETURNING x.* INTO result;
    RETURN result;
  END IF;
  -- settled: reverse it, once
  IF EXISTS (SELECT 1 FROM cbl.charge a
              WHERE a.shipment_id = c.shipment_id AND a.adjusts_charge_no = c.charge_no
                AND a.origin = 'adjustment' AND a.voided_at IS NULL
                AND a.trigger_key IS NULL
                AND a.amount OPERATOR(cbl.=) (OPERATOR(cbl.-) c.amount)) THEN
    RAISE EXCEPTION 'charge % of shipment % is already voided', charge_no, ref
      USING ERRCODE = 'LG022',
            DETAIL = 'It is settled, and an adjustment reversing it exists.';
  END IF;
  INSERT INTO cbl.charge AS x (shipment_id, party_id, direction, fee_code, amount, accrued_at, origin,
                               rate_card, rate_card_version, step, reference, trigger_key,
                               adjusts_charge_no, note)
  VALUES (c.shipment_id, c.party_id, c.direction, c.fee_code, OPERATOR(cbl.-) c.amount, c.accrued_at,
          'adjustment', c.rate_card, c.rate_card_version, c.step, c.reference, NULL,
          c.charge_no, 'reverses settled charge ' || c.charge_no || ': ' || reason)
  RETURNING x.* INTO result;
  RETURN result;
END $$;
COMMENT ON FUNCTION cbl.void_charge(bigint, bigint, text) IS
  'void a charge: an open one becomes voided; a settled one is left alone and an open adjustment with the negated amount (same accrual time) reverses it; returns the voided charge or the adjustment; SQLSTATE LG020 no such charge, LG022 already voided';
REVOKE ALL ON FUNCTION cbl.void_charge(bigint, bigint, text) FROM PUBLIC;

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
DO $$
DECLARE
  col record;
BEGIN
  FOR col IN SELECT a.attname, col_description(a.attrelid, a.attnum) AS description
               FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = 'cbl.statement_line'::regclass AND a.attnum > 0 AND NOT a.attisdropped LOOP
    EXECUTE format('COMMENT ON COLUMN cbl.statement_line_default.%I IS %L', col.attname, col.description);
  END LOOP;
END $$;
SELECT pg_catalog.pg_extension_config_dump('cbl.statement_line_default', '');

CREATE OR REPLACE FUNCTION cbl.settlement_guard() RETURNS trigger
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

-- the lines of 0.1.0, each with its statement's period
INSERT INTO cbl.statement_line (party_id, statement_no, line_no, kind, accrual_period, shipment_id, fee_code, direction,
                                charge_count, charge_amount, fx_rate_num, fx_rate_den, fx_rate_date, fx_via, amount,
                                charge_nos, period_start)
SELECT l.party_id, l.statement_no, l.line_no, l.kind, l.accrual_period, l.shipment_id, l.fee_code, l.direction,
       l.charge_count, l.charge_amount, l.fx_rate_num, l.fx_rate_den, l.fx_rate_date, l.fx_via, l.amount,
       l.charge_nos, s.period_start
  FROM cbl.statement_line_0_1_0 l
  JOIN cbl.statement s ON s.party_id = l.party_id AND s.statement_no = l.statement_no;
DO $$
BEGIN
  IF (SELECT count(*) FROM cbl.statement_line_0_1_0) <> (SELECT count(*) FROM cbl.statement_line) THEN
    RAISE EXCEPTION 'statement lines without their statement: the update would lose them';
  END IF;
END $$;

CREATE OR REPLACE FUNCTION cbl.settlement_commission(period_start date, start_at timestamptz, time_zone text,
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

CREATE OR REPLACE FUNCTION cbl.settlement_write(period_start date, end_at timestamptz, time_zone text, year integer,
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

-- BI views that scale (docs/performance.md, Scale): cbl.v_charge reads the
-- settings once per query and looks each rate up through cbl.fx_rate's
-- primary key; cbl.v_kpi_monthly counts the shipments of the month they
-- were made in and the charges of the month they accrued in, so that a
-- filter on the month becomes index ranges.
CREATE VIEW cbl.v_charge AS
SELECT c.shipment_id,
       s.reference AS shipment_reference,
       c.charge_no,
       p.kind AS party_kind,
       p.code AS party_code,
       p.name AS party_name,
       c.direction,
       c.fee_code,
       f.fee_group,
       cbl.value(c.amount) AS amount,
       cbl.currency(c.amount) AS currency,
       c.accrued_at,
       d.accrual_date,
       date_trunc('month', d.accrual_date::timestamp)::date AS accrual_month,
       c.origin,
       c.rate_card,
       c.rate_card_version,
       c.step,
       c.reference,
       c.trigger_key,
       c.adjusts_charge_no,
       CASE WHEN c.voided_at IS NOT NULL THEN 'voided'
            WHEN EXISTS (SELECT 1 FROM cbl.settlement_mark m
                          WHERE m.party_id = c.party_id AND m.charges_through >= c.charge_no
                            AND m.settled_before > c.accrued_at) THEN 'settled'
            ELSE 'open' END AS status,
       c.voided_at,
       c.void_reason,
       c.note,
       c.created_at,
       cu.code AS customer_code,
       cu.name AS customer_name,
       s.origin_country,
       s.destination_country,
       rc.code AS reporting_currency,
       CASE WHEN cbl.currency(c.amount) = rc.code THEN cbl.value(c.amount)
            ELSE cbl.value(cbl.amount_exchange(c.amount, rc.code, fx.num, fx.den)) END AS reporting_amount,
       CASE WHEN cbl.currency(c.amount) = rc.code THEN 1::numeric
            ELSE round(fx.num / fx.den, 10) END AS reporting_rate
  FROM cbl.charge c
  JOIN cbl.shipment s ON s.id = c.shipment_id
  JOIN cbl.party p ON p.id = c.party_id
  JOIN cbl.party cu ON cu.id = s.customer_id
  JOIN cbl.fee f ON f.code = c.fee_code
  -- the settings, each read once per query (an init plan), not per row
  CROSS JOIN (SELECT (SELECT cbl.get_setting('reporting_currency')) AS code,
                     (SELECT cbl.get_setting('fx_pivot_currency')) AS pivot,
                     (SELECT cbl.get_setting('billing_time_zone')) AS tz) rc
  CROSS JOIN LATERAL (SELECT (c.accrued_at AT TIME ZONE rc.tz)::date AS accrual_date) d
  -- the factor, as cbl.convert(): the rate of the pair, else both legs
  -- through the pivot; each leg as cbl.fx_rate_on(): the latest direct or
  -- inverse rate on or before the day (the direct one on a tie), each the
  -- last entry of cbl.fx_rate_pkey at or before (base, quote, day)
  LEFT JOIN LATERAL (
    SELECT x.num, x.den FROM (
      SELECT r.num, r.den, 0 AS pref
        FROM (SELECT y.num, y.den FROM (
                (SELECT f.rate AS num, 1::numeric AS den, f.valid_on, 0 AS pref FROM cbl.fx_rate f
                  WHERE f.base = cbl.currency(c.amount) AND f.quote = rc.code AND f.valid_on <= d.accrual_date
                  ORDER BY f.valid_on DESC LIMIT 1)
                UNION ALL
                (SELECT 1::numeric, f.rate, f.valid_on, 1 FROM cbl.fx_rate f
                  WHERE f.base = rc.code AND f.quote = cbl.currency(c.amount) AND f.valid_on <= d.accrual_date
                  ORDER BY f.valid_on DESC LIMIT 1)) y
               ORDER BY y.valid_on DESC, y.pref LIMIT 1) r
      UNION ALL
      SELECT a.num * b.num, a.den * b.den, 1
        FROM (SELECT y.num, y.den FROM (
                (SELECT f.rate AS num, 1::numeric AS den, f.valid_on, 0 AS pref FROM cbl.fx_rate f
                  WHERE f.base = cbl.currency(c.amount) AND f.quote = rc.pivot AND f.valid_on <= d.accrual_date
                  ORDER BY f.valid_on DESC LIMIT 1)
                UNION ALL
                (SELECT 1::numeric, f.rate, f.valid_on, 1 FROM cbl.fx_rate f
                  WHERE f.base = rc.pivot AND f.quote = cbl.currency(c.amount) AND f.valid_on <= d.accrual_date
                  ORDER BY f.valid_on DESC LIMIT 1)) y
               ORDER BY y.valid_on DESC, y.pref LIMIT 1) a
       CROSS JOIN
             (SELECT y.num, y.den FROM (
                (SELECT f.rate AS num, 1::numeric AS den, f.valid_on, 0 AS pref FROM cbl.fx_rate f
                  WHERE f.base = rc.pivot AND f.quote = rc.code AND f.valid_on <= d.accrual_date
                  ORDER BY f.valid_on DESC LIMIT 1)
                UNION ALL
                (SELECT 1::numeric, f.rate, f.valid_on, 1 FROM cbl.fx_rate f
                  WHERE f.base = rc.code AND f.quote = rc.pivot AND f.valid_on <= d.accrual_date
                  ORDER BY f.valid_on DESC LIMIT 1)) y
               ORDER BY y.valid_on DESC, y.pref LIMIT 1) b
       WHERE rc.pivot NOT IN (cbl.currency(c.amount), rc.code)) x
     WHERE cbl.currency(c.amount) <> rc.code
     ORDER BY x.pref LIMIT 1) fx ON true;
COMMENT ON VIEW cbl.v_charge IS
  'for BI: every charge (open, settled and voided) with its shipment, party, fee group, amount and currency, and the amount in the reporting currency at its accrual date''s rate; standard SQL types';
COMMENT ON COLUMN cbl.v_charge.shipment_id IS 'shipment id';
COMMENT ON COLUMN cbl.v_charge.shipment_reference IS 'the shipment''s own reference';
COMMENT ON COLUMN cbl.v_charge.charge_no IS 'number of the charge';
COMMENT ON COLUMN cbl.v_charge.party_kind IS 'kind of the party billed or owed: customer, carrier, agent, broker ...';
COMMENT ON COLUMN cbl.v_charge.party_code IS 'code of the party';
COMMENT ON COLUMN cbl.v_charge.party_name IS 'name of the party';
COMMENT ON COLUMN cbl.v_charge.direction IS 'receivable (revenue) or payable (cost)';
COMMENT ON COLUMN cbl.v_charge.fee_code IS 'fee code, e.g. FRT';
COMMENT ON COLUMN cbl.v_charge.fee_group IS 'group of the fee code, e.g. freight, fuel';
COMMENT ON COLUMN cbl.v_charge.amount IS 'amount in its own currency (negative for discounts, credits, downward adjustments)';
COMMENT ON COLUMN cbl.v_charge.currency IS 'ISO 4217 currency of amount';
COMMENT ON COLUMN cbl.v_charge.accrued_at IS 'when the charge was earned or incurred';
COMMENT ON COLUMN cbl.v_charge.accrual_date IS 'day of accrual in the billing time zone (setting billing_time_zone)';
COMMENT ON COLUMN cbl.v_charge.accrual_month IS 'first day of the month of accrual';
COMMENT ON COLUMN cbl.v_charge.origin IS 'rated, duty, manual, carrier_invoice, commission or adjustment';
COMMENT ON COLUMN cbl.v_charge.rate_card IS 'rate card that priced it, if rated';
COMMENT ON COLUMN cbl.v_charge.rate_card_version IS 'version of that rate card';
COMMENT ON COLUMN cbl.v_charge.step IS 'milestone whose billing trigger accrued it, if any';
COMMENT ON COLUMN cbl.v_charge.reference IS 'what it is for within the shipment, e.g. a container number';
COMMENT ON COLUMN cbl.v_charge.trigger_key IS
  'idempotency key of an automatic accrual (milestone:action:fee code, :n for the n-th adjustment); NULL for other charges';
COMMENT ON COLUMN cbl.v_charge.adjusts_charge_no IS 'the charge an adjustment corrects or reverses';
COMMENT ON COLUMN cbl.v_charge.status IS
  'open (not yet on a statement), settled (on a statement: cbl.v_charge_line names it) or voided';
COMMENT ON COLUMN cbl.v_charge.voided_at IS 'when it was voided';
COMMENT ON COLUMN cbl.v_charge.void_reason IS 'why it was voided';
COMMENT ON COLUMN cbl.v_charge.note IS 'free text';
COMMENT ON COLUMN cbl.v_charge.created_at IS 'when the charge was written';
COMMENT ON COLUMN cbl.v_charge.customer_code IS 'code of the shipment''s customer';
COMMENT ON COLUMN cbl.v_charge.customer_name IS 'name of the shipment''s customer';
COMMENT ON COLUMN cbl.v_charge.origin_country IS 'country the shipment leaves';
COMMENT ON COLUMN cbl.v_charge.destination_country IS 'country the shipment goes to';
COMMENT ON COLUMN cbl.v_charge.reporting_currency IS 'the reporting currency (setting reporting_currency)';
COMMENT ON COLUMN cbl.v_charge.reporting_amount IS
  'amount converted to the reporting currency at its accrual date''s rate, exact to the micro-unit; NULL if no rate is known';
COMMENT ON COLUMN cbl.v_charge.reporting_rate IS 'the rate applied (reporting currency per unit of currency), to 10 decimals; NULL if none';

CREATE VIEW cbl.v_margin AS
SELECT c.shipment_id,
       c.shipment_reference,
       c.accrual_month AS month,
       c.customer_code,
       c.customer_name,
       c.origin_country,
       c.destination_country,
       coalesce(c.origin_country, '??') || '-' || coalesce(c.destination_country, '??') AS lane,
       min(c.reporting_currency) AS reporting_currency,
       coalesce(sum(c.reporting_amount) FILTER (WHERE c.direction = 'receivable'), 0) AS revenue,
       coalesce(sum(c.reporting_amount) FILTER (WHERE c.direction = 'payable'), 0) AS cost,
       coalesce(sum(c.reporting_amount) FILTER (WHERE c.direction = 'receivable'), 0)
         - coalesce(sum(c.reporting_amount) FILTER (WHERE c.direction = 'payable'), 0) AS margin,
       round(100 * (coalesce(sum(c.reporting_amount) FILTER (WHERE c.direction = 'receivable'), 0)
                    - coalesce(sum(c.reporting_amount) FILTER (WHERE c.direction = 'payable'), 0))
             / NULLIF(sum(c.reporting_amount) FILTER (WHERE c.direction = 'receivable'), 0), 2) AS margin_pct,
       count(*) AS charges,
       count(*) FILTER (WHERE c.reporting_amount IS NULL) AS unconverted_charges
  FROM cbl.v_charge c
 WHERE c.voided_at IS NULL
 GROUP BY c.shipment_id, c.shipment_reference, c.accrual_month, c.customer_code, c.customer_name,
          c.origin_country, c.destination_country;
COMMENT ON VIEW cbl.v_margin IS
  'for BI: revenue, cost and margin per shipment and month of accrual in the reporting currency (each charge at its accrual date''s rate), with the customer and lane; add the rows up by customer, lane or month; voided charges left out';
COMMENT ON COLUMN cbl.v_margin.shipment_id IS 'shipment id';
COMMENT ON COLUMN cbl.v_margin.shipment_reference IS 'the shipment''s own reference';
COMMENT ON COLUMN cbl.v_margin.month IS 'first day of the month the charges accrued in (billing time zone)';
COMMENT ON COLUMN cbl.v_margin.customer_code IS 'code of the shipment''s customer';
COMMENT ON COLUMN cbl.v_margin.customer_name IS 'name of the customer';
COMMENT ON COLUMN cbl.v_margin.origin_country IS 'country the shipment leaves';
COMMENT ON COLUMN cbl.v_margin.destination_country IS 'country the shipment goes to';
COMMENT ON COLUMN cbl.v_margin.lane IS 'origin-destination countries, e.g. DE-CN (?? where unknown)';
COMMENT ON COLUMN cbl.v_margin.reporting_currency IS 'currency of revenue, cost and margin (setting reporting_currency)';
COMMENT ON COLUMN cbl.v_margin.revenue IS 'receivable charges in the reporting currency';
COMMENT ON COLUMN cbl.v_margin.cost IS 'payable charges in the reporting currency';
COMMENT ON COLUMN cbl.v_margin.margin IS 'revenue minus cost';
COMMENT ON COLUMN cbl.v_margin.margin_pct IS 'margin in percent of revenue, to 2 decimals; NULL without revenue (recompute it when adding rows up)';
COMMENT ON COLUMN cbl.v_margin.charges IS 'number of charges counted';
COMMENT ON COLUMN cbl.v_margin.unconverted_charges IS
  'charges left out of the sums for want of an exchange rate to the reporting currency on their accrual date (0 when complete)';

CREATE VIEW cbl.v_leakage AS
WITH billed AS (          -- fee groups billed to the customer, not netted to zero
  SELECT DISTINCT c.shipment_id, f.fee_group
    FROM cbl.charge c
    JOIN cbl.shipment s ON s.id = c.shipment_id AND s.customer_id = c.party_id
    JOIN cbl.fee f ON f.code = c.fee_code
   WHERE c.direction = 'receivable' AND c.voided_at IS NULL
   GROUP BY c.shipment_id, f.fee_group, cbl.currency(c.amount)
  HAVING cbl.value(cbl.sum(c.amount)) <> 0
)
SELECT c.shipment_id,
       c.shipment_reference,
       c.customer_code,
       c.party_kind,
       c.party_code,
       c.fee_group,
       c.fee_code,
       c.currency,
       sum(c.amount) AS cost,
       min(c.reporting_currency) AS reporting_currency,
       sum(c.reporting_amount) AS reporting_cost,
       min(c.accrued_at) AS first_accrued_at,
       count(*) AS charges
  FROM cbl.v_charge c
 WHERE c.direction = 'payable' AND c.voided_at IS NULL
   AND NOT EXISTS (SELECT 1 FROM billed b WHERE b.shipment_id = c.shipment_id AND b.fee_group = c.fee_group)
 GROUP BY c.shipment_id, c.shipment_reference, c.customer_code, c.party_kind, c.party_code,
          c.fee_group, c.fee_code, c.currency
HAVING sum(c.amount) <> 0;
COMMENT ON VIEW cbl.v_leakage IS
  'for BI: costs not passed on: payable charges of a shipment (per party, fee code and currency, net of adjustments) whose fee group was never billed to the shipment''s customer (no receivable of the group that is not netted to zero); voided charges left out';
COMMENT ON COLUMN cbl.v_leakage.shipment_id IS 'shipment id';
COMMENT ON COLUMN cbl.v_leakage.shipment_reference IS 'the shipment''s own reference';
COMMENT ON COLUMN cbl.v_leakage.customer_code IS 'code of the customer who was not billed';
COMMENT ON COLUMN cbl.v_leakage.party_kind IS 'kind of the party the cost is owed to (carrier, agent, broker ...)';
COMMENT ON COLUMN cbl.v_leakage.party_code IS 'code of the party the cost is owed to';
COMMENT ON COLUMN cbl.v_leakage.fee_group IS 'the fee group never billed to the customer';
COMMENT ON COLUMN cbl.v_leakage.fee_code IS 'fee code of the cost';
COMMENT ON COLUMN cbl.v_leakage.currency IS 'ISO 4217 currency of cost';
COMMENT ON COLUMN cbl.v_leakage.cost IS 'the cost, net of its adjustments, in its currency';
COMMENT ON COLUMN cbl.v_leakage.reporting_currency IS 'the reporting currency';
COMMENT ON COLUMN cbl.v_leakage.reporting_cost IS 'the cost in the reporting currency; NULL if a rate is missing';
COMMENT ON COLUMN cbl.v_leakage.first_accrued_at IS 'when the first of these charges accrued';
COMMENT ON COLUMN cbl.v_leakage.charges IS 'number of charges (a charge and its adjustments) behind the row';

-- Duty and import tax: what the customer was billed (the estimate of
-- cbl.duty_quote, or any receivable of the group) against what customs
-- assessed (the payable charges of the group: the duty, VAT and fees paid
-- or owed to the broker, carrier or authority), per shipment and fee code.
-- Compared in the charges' own currency when they share one, else in the
-- reporting currency.
CREATE VIEW cbl.v_duty_variance AS
WITH d AS (
  SELECT c.shipment_id, c.shipment_reference, c.customer_code, c.fee_code,
         count(DISTINCT c.currency) AS currencies,
         min(c.currency) AS currency,
         coalesce(sum(c.amount) FILTER (WHERE c.direction = 'receivable'), 0) AS estimated,
         coalesce(sum(c.amount) FILTER (WHERE c.direction = 'payable'), 0) AS assessed,
         min(c.reporting_currency) AS reporting_currency,
         coalesce(sum(c.reporting_amount) FILTER (WHERE c.direction = 'receivable'), 0) AS reporting_estimated,
         coalesce(sum(c.reporting_amount) FILTER (WHERE c.direction = 'payable'), 0) AS reporting_assessed,
         count(*) FILTER (WHERE c.reporting_amount IS NULL) AS unconverted_charges,
         count(*) FILTER (WHERE c.direction = 'receivable') AS estimated_charges,
         count(*) FILTER (WHERE c.direction = 'payable') AS assessed_charges,
         max(c.accrued_at) FILTER (WHERE c.direction = 'payable') AS assessed_at
    FROM cbl.v_charge c
   WHERE c.fee_group = 'duty_tax' AND c.voided_at IS NULL
   GROUP BY c.shipment_id, c.shipment_reference, c.customer_code, c.fee_code
), v AS (
  SELECT d.*,
         CASE WHEN d.currencies = 1 THEN d.assessed - d.estimated END AS difference,
         CASE WHEN d.unconverted_charges = 0 THEN d.reporting_assessed - d.reporting_estimated END AS reporting_difference
    FROM d
)
SELECT v.shipment_id,
       v.shipment_reference,
       v.customer_code,
       v.fee_code,
       CASE WHEN v.currencies = 1 THEN v.currency END AS currency,
       CASE WHEN v.currencies = 1 THEN v.estimated END AS estimated,
       CASE WHEN v.currencies = 1 THEN v.assessed END AS assessed,
       v.difference,
       v.reporting_currency,
       CASE WHEN v.unconverted_charges = 0 THEN v.reporting_estimated END AS reporting_estimated,
       CASE WHEN v.unconverted_charges = 0 THEN v.reporting_assessed END AS reporting_assessed,
       v.reporting_difference,
       CASE WHEN v.assessed_charges = 0 THEN 'not_assessed'
            WHEN v.estimated_charges = 0 THEN 'not_billed'
            WHEN coalesce(v.difference, v.reporting_difference) IS NULL THEN 'unconverted'
            WHEN coalesce(v.difference, v.reporting_difference) > 0 THEN 'under_billed'
            WHEN coalesce(v.difference, v.reporting_difference) < 0 THEN 'over_billed'
            ELSE 'matched' END AS status,
       v.estimated_charges,
       v.assessed_charges,
       v.assessed_at
  FROM v;
COMMENT ON VIEW cbl.v_duty_variance IS
  'for BI: duty, import tax and customs fees (fee group duty_tax) billed to the customer (receivable, the estimate) against those assessed (payable to the broker, carrier or authority), per shipment and fee code, net of adjustments, voided charges left out; compared in the charges'' currency when they share one, else in the reporting currency';
COMMENT ON COLUMN cbl.v_duty_variance.shipment_id IS 'shipment id';
COMMENT ON COLUMN cbl.v_duty_variance.shipment_reference IS 'the shipment''s own reference';
COMMENT ON COLUMN cbl.v_duty_variance.customer_code IS 'code of the shipment''s customer';
COMMENT ON COLUMN cbl.v_duty_variance.fee_code IS 'fee code of the duty_tax group (DUTY, VAT, MPF, HMF ...)';
COMMENT ON COLUMN cbl.v_duty_variance.currency IS 'ISO 4217 currency of every charge of the row; NULL when they are in more than one';
COMMENT ON COLUMN cbl.v_duty_variance.estimated IS 'billed to the customer (receivable charges, net), in currency; NULL when the currencies differ';
COMMENT ON COLUMN cbl.v_duty_variance.assessed IS 'assessed (payable charges, net), in currency; NULL when the currencies differ';
COMMENT ON COLUMN cbl.v_duty_variance.difference IS 'assessed minus estimated, in currency: positive when the customer was billed too little; NULL when the currencies differ';
COMMENT ON COLUMN cbl.v_duty_variance.reporting_currency IS 'the reporting currency (setting reporting_currency)';
COMMENT ON COLUMN cbl.v_duty_variance.reporting_estimated IS 'estimated in the reporting currency, each charge at its accrual date''s rate; NULL if a rate is missing';
COMMENT ON COLUMN cbl.v_duty_variance.reporting_assessed IS 'assessed in the reporting currency, each charge at its accrual date''s rate; NULL if a rate is missing';
COMMENT ON COLUMN cbl.v_duty_variance.reporting_difference IS 'assessed minus estimated in the reporting currency; NULL if a rate is missing';
COMMENT ON COLUMN cbl.v_duty_variance.status IS
  'not_assessed (nothing payable yet), not_billed (nothing receivable), matched, under_billed (assessed more than billed), over_billed, or unconverted (currencies differ and a rate is missing); compared in currency, else in the reporting currency';
COMMENT ON COLUMN cbl.v_duty_variance.estimated_charges IS 'number of receivable charges (a charge and its adjustments) behind estimated';
COMMENT ON COLUMN cbl.v_duty_variance.assessed_charges IS 'number of payable charges behind assessed';
COMMENT ON COLUMN cbl.v_duty_variance.assessed_at IS 'accrual time of the latest payable charge; NULL when not assessed';
ALTER VIEW cbl.v_duty_variance SET (security_invoker = true);

CREATE VIEW cbl.v_kpi_monthly AS
SELECT m.month,
       f.customer_code,
       f.customer_name,
       sum(f.shipments) AS shipments,
       sum(f.delivered) AS delivered,
       round(100.0 * sum(f.on_time) / NULLIF(sum(f.delivered), 0), 2) AS on_time_pct,
       round(avg(f.clearance_hours), 2) AS avg_clearance_hours,
       round(100.0 * sum(f.exceptions) / NULLIF(sum(f.shipments), 0), 2) AS exceptions_per_100,
       (SELECT cbl.get_setting('reporting_currency')) AS reporting_currency,
       coalesce(sum(f.revenue), 0) AS revenue,
       coalesce(sum(f.cost), 0) AS cost,
       coalesce(sum(f.revenue), 0) - coalesce(sum(f.cost), 0) AS margin,
       sum(f.unconverted) AS unconverted_charges
  FROM (-- each month from the first to the last, with the first shipment
        -- id it carries (cbl.shipment_id(month, 0); NULL outside the years
        -- ids can carry) and its first and next month's midnights in the
        -- billing time zone
        SELECT g.month::date AS month,
               CASE WHEN g.month >= '0001-01-01' AND g.month < '100000-01-01'
                    THEN cbl.shipment_id(g.month::date, 0) END AS first_id,
               g.month AT TIME ZONE z.tz AS starts_at,
               (g.month + interval '1 month') AT TIME ZONE z.tz AS ends_at
          FROM (SELECT (SELECT cbl.get_setting('billing_time_zone')) AS tz) z
         CROSS JOIN LATERAL (
           SELECT cbl.shipment_month((SELECT min(s.id) FROM cbl.shipment s)) AS first_ship,
                  cbl.shipment_month((SELECT max(s.id) FROM cbl.shipment s)) AS last_ship,
                  date_trunc('month', (SELECT min(c.accrued_at) FROM cbl.charge c WHERE c.accrued_at > '-infinity')
                                      AT TIME ZONE z.tz) AS first_charge,
                  date_trunc('month', (SELECT max(c.accrued_at) FROM cbl.charge c WHERE c.accrued_at < 'infinity')
                                      AT TIME ZONE z.tz) AS last_charge) e
         CROSS JOIN LATERAL generate_series(least(e.first_ship::timestamp, e.first_charge),
                                            greatest(e.last_ship::timestamp, e.last_charge),
                                            interval '1 month') g(month)) m
 CROSS JOIN LATERAL (
  -- the shipments made in the month (its ids are the 2^40 from its first,
  -- docs/scaling.md), with or without events
  SELECT cu.code AS customer_code, cu.name AS customer_name, 1 AS shipments,
         (x.delivered_at IS NOT NULL)::integer AS delivered,
         (x.delivered_at IS NOT NULL AND (x.delivery_due_at IS NULL OR x.delivered_at <= x.delivery_due_at))::integer AS on_time,
         extract(epoch FROM x.cleared_at - x.declared_at) / 3600 AS clearance_hours,
         0 AS exceptions, NULL::numeric AS revenue, NULL::numeric AS cost, 0 AS unconverted
    FROM cbl.shipment s
    JOIN cbl.party cu ON cu.id = s.customer_id
    LEFT JOIN cbl.shipment_state ss ON ss.shipment_id = s.id
    LEFT JOIN LATERAL (
      SELECT (array_agg(st.actual ORDER BY st.required DESC, st.position) FILTER (WHERE st.terminal))[1] AS delivered_at,
             (array_agg(st.due_at ORDER BY st.required DESC, st.position) FILTER (WHERE st.terminal))[1] AS delivery_due_at,
             coalesce(max(st.actual) FILTER (WHERE st.milestone = 'IMPORT_DECLARED'),
                      max(st.actual) FILTER (WHERE st.milestone = 'ARRIVED')) AS declared_at,
             max(st.actual) FILTER (WHERE st.milestone = 'IMPORT_CLEARED') AS cleared_at
        FROM (SELECT st.*,
                     coalesce(st.planned,
                              (array_agg(st.actual) FILTER (WHERE st.required)
                                 OVER (ORDER BY st.position ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
                                [count(*) FILTER (WHERE st.required)
                                   OVER (ORDER BY st.position ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)]
                              + st.sla) AS due_at
                FROM cbl.state_steps(ss.state) st) st) x ON true
   WHERE s.id >= m.first_id AND s.id < m.first_id + 1099511627776
  UNION ALL
  -- the exceptions of those shipments, whenever opened
  SELECT cu.code, cu.name, 0, 0, 0, NULL, 1, NULL, NULL, 0
    FROM cbl.exception x
    JOIN cbl.shipment s ON s.id = x.shipment_id
    JOIN cbl.party cu ON cu.id = s.customer_id
   WHERE x.shipment_id >= m.first_id AND x.shipment_id < m.first_id + 1099511627776
  UNION ALL
  -- the charges accrued in the month
  SELECT c.customer_code, c.customer_name, 0, 0, 0, NULL, 0,
         CASE WHEN c.direction = 'receivable' THEN c.reporting_amount END,
         CASE WHEN c.direction = 'payable' THEN c.reporting_amount END,
         CASE WHEN c.reporting_amount IS NULL THEN 1 ELSE 0 END
    FROM cbl.v_charge c
   WHERE c.voided_at IS NULL
     AND c.accrued_at >= m.starts_at AND c.accrued_at < m.ends_at
 ) f
 GROUP BY m.month, f.customer_code, f.customer_name;
COMMENT ON VIEW cbl.v_kpi_monthly IS
  'for BI: per month and customer, the shipments made in the month (the month their id carries, UTC) with how many of them were delivered, on time, their average customs clearance hours and exceptions per 100; and revenue, cost and margin in the reporting currency of the charges accrued in the month (billing time zone); a filter on month reads that month''s rows only';
COMMENT ON COLUMN cbl.v_kpi_monthly.month IS
  'first day of the month: the month shipments were made in (cbl.shipment_month of their id, UTC) and charges accrued in (billing time zone)';
COMMENT ON COLUMN cbl.v_kpi_monthly.customer_code IS 'code of the customer';
COMMENT ON COLUMN cbl.v_kpi_monthly.customer_name IS 'name of the customer';
COMMENT ON COLUMN cbl.v_kpi_monthly.shipments IS
  'shipments made in the month (their id carries it: cbl.shipment_month), with or without events';
COMMENT ON COLUMN cbl.v_kpi_monthly.delivered IS
  'of those shipments, how many have been delivered (their delivery step, the first required terminal step, actually happened), in whatever month';
COMMENT ON COLUMN cbl.v_kpi_monthly.on_time_pct IS
  'percent of those delivered no later than due (planned time, else the previous required step plus the SLA; no due time counts as on time); NULL if none delivered';
COMMENT ON COLUMN cbl.v_kpi_monthly.avg_clearance_hours IS
  'average hours from import declaration (else arrival) to import clearance, over those shipments that have both; NULL if none';
COMMENT ON COLUMN cbl.v_kpi_monthly.exceptions_per_100 IS
  'exceptions of those shipments (opened in whatever month, resolved or not) per 100 of them; NULL if none made in the month';
COMMENT ON COLUMN cbl.v_kpi_monthly.reporting_currency IS 'currency of revenue, cost and margin (setting reporting_currency)';
COMMENT ON COLUMN cbl.v_kpi_monthly.revenue IS 'receivable charges accrued in the month (billing time zone), in the reporting currency';
COMMENT ON COLUMN cbl.v_kpi_monthly.cost IS 'payable charges accrued in the month (billing time zone), in the reporting currency';
COMMENT ON COLUMN cbl.v_kpi_monthly.margin IS 'revenue minus cost';
COMMENT ON COLUMN cbl.v_kpi_monthly.unconverted_charges IS 'charges accrued in the month left out of revenue and cost for want of an exchange rate (0 when complete)';

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

-- options (security_invoker, 95_security.sql), grants, row security and policies as they were
DO $$
DECLARE
  g record;
  r record;
BEGIN
  FOR r IN SELECT * FROM pg_temp.cbl_upgrade_options LOOP
    EXECUTE format('ALTER VIEW cbl.%I SET (%s)', r.relname, array_to_string(r.reloptions, ', '));
  END LOOP;
  -- the grants are the database's, not the extension's: pg_init_privs is
  -- left as a fresh install has it, so that pg_dump dumps them as before
  CREATE TEMPORARY TABLE cbl_upgrade_initprivs ON COMMIT DROP AS
  SELECT i.* FROM pg_catalog.pg_init_privs i
   WHERE (i.classoid = 'pg_catalog.pg_class'::regclass
          AND i.objoid IN (SELECT a.object::regclass FROM pg_temp.cbl_upgrade_acl a WHERE a.kind = 'TABLE'))
      OR (i.classoid = 'pg_catalog.pg_proc'::regclass
          AND i.objoid IN (SELECT a.object::regprocedure FROM pg_temp.cbl_upgrade_acl a WHERE a.kind = 'FUNCTION'));
  FOR g IN SELECT * FROM pg_temp.cbl_upgrade_acl LOOP
    EXECUTE format('GRANT %s ON %s %s TO %s%s', g.privilege_type, g.kind, g.object,
                   CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(g.grantee::regrole::text) END,
                   CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
  END LOOP;
  DELETE FROM pg_catalog.pg_init_privs i
   WHERE (i.classoid = 'pg_catalog.pg_class'::regclass
          AND i.objoid IN (SELECT a.object::regclass FROM pg_temp.cbl_upgrade_acl a WHERE a.kind = 'TABLE'))
      OR (i.classoid = 'pg_catalog.pg_proc'::regclass
          AND i.objoid IN (SELECT a.object::regprocedure FROM pg_temp.cbl_upgrade_acl a WHERE a.kind = 'FUNCTION'));
  INSERT INTO pg_catalog.pg_init_privs SELECT * FROM pg_temp.cbl_upgrade_initprivs;
  DROP TABLE pg_temp.cbl_upgrade_initprivs;
  FOR r IN SELECT * FROM pg_temp.cbl_upgrade_rls LOOP
    IF r.relrowsecurity THEN
      EXECUTE format('ALTER TABLE cbl.%I ENABLE ROW LEVEL SECURITY', r.relname);
    END IF;
    IF r.relforcerowsecurity THEN
      EXECUTE format('ALTER TABLE cbl.%I FORCE ROW LEVEL SECURITY', r.relname);
    END IF;
  END LOOP;
  FOR r IN SELECT * FROM pg_temp.cbl_upgrade_policy LOOP
    EXECUTE format('CREATE POLICY %I ON cbl.%I AS %s FOR %s TO %s%s%s', r.policyname, r.tablename, r.permissive, r.cmd,
                   (SELECT string_agg(CASE WHEN x = 'public' THEN 'PUBLIC' ELSE quote_ident(x) END, ', ')
                      FROM unnest(r.roles) x),
                   CASE WHEN r.qual IS NOT NULL THEN ' USING (' || r.qual || ')' ELSE '' END,
                   CASE WHEN r.with_check IS NOT NULL THEN ' WITH CHECK (' || r.with_check || ')' ELSE '' END);
  END LOOP;
END $$;
DROP TABLE pg_temp.cbl_upgrade_acl, pg_temp.cbl_upgrade_options, pg_temp.cbl_upgrade_rls, pg_temp.cbl_upgrade_policy;
-- out of the extension first, which also takes them off pg_dump's list of configuration tables
ALTER EXTENSION cbl DROP TABLE cbl.charge_0_1_0;
ALTER EXTENSION cbl DROP SEQUENCE cbl.charge_0_1_0_charge_no_seq;
ALTER EXTENSION cbl DROP TABLE cbl.statement_line_0_1_0;
DROP TABLE cbl.charge_0_1_0, cbl.statement_line_0_1_0;

-- cbl.create_partitions() makes the partitions of all three tables; cbl.partitions() lists them
CREATE FUNCTION cbl.partitions()
RETURNS TABLE (parent regclass, partition regclass, month date, lower_bound text, upper_bound text,
               is_default boolean)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT t.oid::regclass, c.oid::regclass,
         CASE WHEN b.bound[1] ~ '^-?\d+$' THEN cbl.shipment_month(b.bound[1]::bigint)
              WHEN b.bound[1] ~ '^\d{4,}-\d\d-\d\d$' THEN date_trunc('month', b.bound[1]::date)::date END,
         b.bound[1], b.bound[2], b.expr = 'DEFAULT'
    FROM pg_class t
    JOIN pg_inherits i ON i.inhparent = t.oid
    JOIN pg_class c ON c.oid = i.inhrelid
    CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS expr) e
    CROSS JOIN LATERAL (SELECT e.expr,
                               regexp_match(e.expr, '^FOR VALUES FROM \(''?([^'')]*)''?\) TO \(''?([^'')]*)''?\)$') AS bound) b
   WHERE t.relnamespace = 'cbl'::regnamespace AND t.relkind = 'p'
   ORDER BY t.relname, b.expr = 'DEFAULT', 3, c.relname
$$;
COMMENT ON FUNCTION cbl.partitions() IS
  'the partitions of cbl''s partitioned tables (cbl.event, cbl.charge, cbl.statement_line): each with its table, the month it holds (of the shipments, or of the statements'' period), its bounds as text (shipment ids or dates; from lower_bound up to, not including, upper_bound) and whether it is the default partition (the rows of months without a partition)';

CREATE OR REPLACE FUNCTION cbl.create_partitions(months_ahead integer DEFAULT 3)
RETURNS TABLE (partition regclass, month date, moved bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  current_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
  first_month date;
  t record;
  m date;
  lo text;
  hi text;
  part text;
  def_rel regclass;
  locked boolean;
  owner text;
  col record;
  con record;
  idx record;
  trg record;
  tt record;
  guards text[];
  what text;
  pass integer;
  locked_rels text[] := '{}';
BEGIN
  IF months_ahead IS NULL OR months_ahead < 0 OR months_ahead > 120 THEN
    RAISE EXCEPTION 'months_ahead must be from 0 to 120, not %', coalesce(months_ahead::text, 'null')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give how many months after the current one to make partitions for, 3 by default.';
  END IF;
  -- Two passes over the tables: the first locks those with a partition to
  -- make, in order, before anything is made (so that no table is held
  -- ACCESS EXCLUSIVE while the next one's writers are waited for); the
  -- second makes the partitions.
  FOR pass IN 1 .. 2 LOOP
  FOR t IN SELECT x.rel, x.name, x.key FROM (VALUES (1, 'cbl.event', 'event', 'shipment_id'),
                                                    (2, 'cbl.charge', 'charge', 'shipment_id'),
                                                    (3, 'cbl.statement_line', 'statement_line', 'period_start'))
                                         AS x (ord, rel, name, key)
            WHERE to_regclass(x.rel) IS NOT NULL
            ORDER BY x.ord LOOP
    IF t.key = 'shipment_id' THEN
      SELECT cbl.shipment_month(min(s.id)) INTO first_month FROM cbl.shipment s;
    ELSE
      EXECUTE 'SELECT min(p.period_start) FROM cbl.period p' INTO first_month;
    END IF;
    first_month := least(coalesce(first_month, current_month), current_month);
    def_rel := format('cbl.%I', t.name || '_default')::regclass;
    locked := t.rel = ANY (locked_rels);
    FOR m IN SELECT g::date FROM generate_series(first_month, current_month + make_interval(months => months_ahead),
                                                 interval '1 month') g LOOP
      IF t.key = 'shipment_id' THEN
        lo := cbl.shipment_id(m, 0)::text;
        hi := cbl.shipment_id((m + interval '1 month')::date, 0)::text;
        what := format('e.shipment_id >= %s AND e.shipment_id < %s', lo, hi);
      ELSE
        lo := m::text;
        hi := (m + interval '1 month')::date::text;
        what := format('e.period_start >= %L AND e.period_start < %L', lo, hi);
      END IF;
      CONTINUE WHEN EXISTS (SELECT 1 FROM cbl.partitions() p
                             WHERE p.parent = t.rel::regclass AND NOT p.is_default
                               AND CASE WHEN t.key = 'shipment_id'
                                        THEN p.lower_bound::bigint < hi::bigint AND p.upper_bound::bigint > lo::bigint
                                        ELSE p.lower_bound::date < hi::date AND p.upper_bound::date > lo::date END);
      IF pass = 1 THEN
        -- writers of the table wait, or are waited for
        EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', t.rel);
        locked_rels := locked_rels || t.rel;
        EXIT;
      END IF;
      IF NOT locked THEN
        -- writers of the table wait, or are waited for; then look again,
        -- since a concurrent run may have made it while we waited
        EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', t.rel);
        locked := true;
        CONTINUE WHEN EXISTS (SELECT 1 FROM cbl.partitions() p
                               WHERE p.parent = t.rel::regclass AND NOT p.is_default
                                 AND CASE WHEN t.key = 'shipment_id'
                                          THEN p.lower_bound::bigint < hi::bigint AND p.upper_bound::bigint > lo::bigint
                                          ELSE p.lower_bound::date < hi::date AND p.upper_bound::date > lo::date END);
      END IF;
      part := t.name || '_' || to_char(m, 'YYYY_MM');
      create_partitions.partition := NULL;
      create_partitions.month := m;
      -- rows of the month in the default partition move out first: the new
      -- partition cannot be made while the default holds rows of its range.
      -- The default's guards against deletes are off for the move.
      SELECT array_agg(g.tgname ORDER BY g.tgname) INTO guards
        FROM pg_trigger g
       WHERE g.tgrelid = def_rel AND NOT g.tgisinternal AND g.tgenabled <> 'D'
         AND g.tgtype::integer & 8 <> 0;   -- fires on DELETE
      FOR trg IN SELECT u.name FROM unnest(guards) u (name) LOOP
        EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', def_rel, trg.name);
      END LOOP;
      EXECUTE format('CREATE TEMPORARY TABLE cbl_partition_moving (LIKE %s)', t.rel);
      EXECUTE format('WITH taken AS (DELETE FROM %s e WHERE %s RETURNING e.*) '
                     'INSERT INTO pg_temp.cbl_partition_moving SELECT * FROM taken', def_rel, what);
      GET DIAGNOSTICS moved = ROW_COUNT;
      FOR trg IN SELECT u.name FROM unnest(guards) u (name) LOOP
        EXECUTE format('ALTER TABLE %s ENABLE TRIGGER %I', def_rel, trg.name);
      END LOOP;
      EXECUTE format('CREATE TABLE cbl.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', part, t.rel, lo, hi);
      -- the keys and indexes of the default partition (72_event.sql,
      -- 84_charge.sql say why they are not the parent's), named after the
      -- partition: the primary key first
      FOR con IN SELECT c.conname, pg_get_constraintdef(c.oid) AS def, obj_description(c.oid, 'pg_constraint') AS description
                   FROM pg_constraint c
                  WHERE c.conrelid = def_rel AND c.contype IN ('p', 'u', 'f', 'x')
                  ORDER BY c.contype <> 'p', c.contype = 'f', c.conname LOOP
        EXECUTE format('ALTER TABLE cbl.%I ADD CONSTRAINT %I %s', part,
                       part || substr(con.conname, length(t.name || '_default') + 1), con.def);
        IF con.description IS NOT NULL THEN
          EXECUTE format('COMMENT ON CONSTRAINT %I ON cbl.%I IS %L',
                         part || substr(con.conname, length(t.name || '_default') + 1), part, con.description);
        END IF;
      END LOOP;
      FOR idx IN SELECT c.relname, pg_get_indexdef(i.indexrelid) AS def, i.indisunique,
                        obj_description(i.indexrelid, 'pg_class') AS description
                   FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                  WHERE i.indrelid = def_rel
                    AND NOT EXISTS (SELECT 1 FROM pg_constraint x WHERE x.conindid = i.indexrelid AND x.conrelid = def_rel)
                  ORDER BY c.relname LOOP
        EXECUTE format('CREATE %sINDEX %I ON cbl.%I %s', CASE WHEN idx.indisunique THEN 'UNIQUE ' ELSE '' END,
                       part || substr(idx.relname, length(t.name || '_default') + 1), part,
                       substr(idx.def, strpos(idx.def, ' USING ') + 1));
        IF idx.description IS NOT NULL THEN
          EXECUTE format('COMMENT ON INDEX cbl.%I IS %L',
                         part || substr(idx.relname, length(t.name || '_default') + 1), idx.description);
        END IF;
      END LOOP;
      -- the default partition's TRUNCATE triggers: a partition's TRUNCATE
      -- fires none of its parent's (88_settlement.sql)
      FOR tt IN SELECT g.tgname, g.tgtype::integer & 2 <> 0 AS before, g.tgfoid::regprocedure AS fn,
                       obj_description(g.oid, 'pg_trigger') AS description
                  FROM pg_trigger g
                 WHERE g.tgrelid = def_rel AND NOT g.tgisinternal AND g.tgnargs = 0
                   AND g.tgtype::integer & 32 <> 0   -- fires on TRUNCATE
                 ORDER BY g.tgname LOOP
        EXECUTE format('CREATE TRIGGER %I %s TRUNCATE ON cbl.%I FOR EACH STATEMENT EXECUTE FUNCTION %s',
                       part || substr(tt.tgname, length(t.name || '_default') + 1),
                       CASE WHEN tt.before THEN 'BEFORE' ELSE 'AFTER' END, part, tt.fn);
        IF tt.description IS NOT NULL THEN
          EXECUTE format('COMMENT ON TRIGGER %I ON cbl.%I IS %L',
                         part || substr(tt.tgname, length(t.name || '_default') + 1), part, tt.description);
        END IF;
      END LOOP;
      EXECUTE format('COMMENT ON TABLE cbl.%I IS %L', part,
                     format('%s of %s %s (UTC): a monthly partition of %s, made by cbl.create_partitions()',
                            CASE t.name WHEN 'event' THEN 'events' WHEN 'charge' THEN 'charges' ELSE 'statement lines' END,
                            CASE t.key WHEN 'shipment_id' THEN 'the shipments made in' ELSE 'the statements of the period' END,
                            to_char(m, 'YYYY-MM'), t.rel));
      FOR col IN SELECT a.attname, col_description(a.attrelid, a.attnum) AS description
                   FROM pg_attribute a
                  WHERE a.attrelid = t.rel::regclass AND a.attnum > 0 AND NOT a.attisdropped LOOP
        EXECUTE format('COMMENT ON COLUMN cbl.%I.%I IS %L', part, col.attname, col.description);
      END LOOP;
      SELECT c.relowner::regrole::text INTO owner FROM pg_class c WHERE c.oid = t.rel::regclass;
      IF owner <> current_user::text THEN
        EXECUTE format('ALTER TABLE cbl.%I OWNER TO %s', part, owner);
      END IF;
      -- back through the parent, into the new partition (charges keep their numbers)
      EXECUTE format('INSERT INTO %s %s SELECT * FROM pg_temp.cbl_partition_moving', t.rel,
                     CASE WHEN t.name = 'charge' THEN 'OVERRIDING SYSTEM VALUE' ELSE '' END);
      DROP TABLE pg_temp.cbl_partition_moving;
      create_partitions.partition := format('cbl.%I', part)::regclass;
      RETURN NEXT;
    END LOOP;
  END LOOP;
  END LOOP;
END $$;
COMMENT ON FUNCTION cbl.create_partitions(integer) IS
  'make the missing monthly partitions of cbl.event and cbl.charge (from the oldest shipment''s month) and of cbl.statement_line (from the oldest settlement period), to months_ahead (3) months ahead, each with the keys, indexes and TRUNCATE guards of its table''s default partition, moving the rows of those months out of the default partitions; returns the partitions made (events, then charges, then statement lines, by month) and the rows moved into each; idempotent; run daily (cbl.schedule_partition_maintenance)';
REVOKE ALL ON FUNCTION cbl.create_partitions(integer) FROM PUBLIC;

-- Conflicts and rejects sent again are recorded once (72_event.sql).  Rows
-- recorded by 0.1.0 keep a NULL hash, so they never collide.
ALTER TABLE cbl.event_conflict ADD COLUMN content_hash text;
CREATE UNIQUE INDEX event_conflict_once ON cbl.event_conflict
  (shipment_id, source, event_id, (coalesce(stored_revision, 0)), content_hash);
COMMENT ON INDEX cbl.event_conflict_once IS
  'one row per conflicting version and stored revision it clashes with: a conflict sent again is not recorded again';
COMMENT ON COLUMN cbl.event_conflict.received_at IS 'when it first came';
COMMENT ON COLUMN cbl.event_conflict.content_hash IS
  'content hash of the incoming version (as cbl.event.content_hash): the same version sent again is recorded once; NULL for conflicts recorded before cbl 0.2.0';
ALTER TABLE cbl.event_reject ADD COLUMN element_hash text;
CREATE UNIQUE INDEX event_reject_once ON cbl.event_reject (element_hash, reason);
COMMENT ON INDEX cbl.event_reject_once IS
  'one row per rejected element and reason: an element sent again and rejected again is not recorded again';
COMMENT ON COLUMN cbl.event_reject.received_at IS 'when it first came';
COMMENT ON COLUMN cbl.event_reject.element_hash IS
  'md5 of element: the same element rejected again for the same reason is recorded once; NULL for rejects recorded before cbl 0.2.0';

-- The pg_cron jobs cbl schedules (the exception scan, partition maintenance,
-- the monthly settlement) are made and removed by these two.  The cron calls
-- are dynamic SQL, so that cbl installs and runs without pg_cron.
CREATE FUNCTION cbl.cron_schedule(job_name text, what text, schedule text, example text, command text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  job bigint;
BEGIN
  PERFORM cbl.assert_pg_cron();
  IF schedule IS NULL THEN
    RAISE EXCEPTION 'the schedule of the % must not be null', what
      USING ERRCODE = 'null_value_not_allowed',
            HINT = format('Give a cron schedule such as %s, or none for that default.', example);
  END IF;
  -- pg_cron's cron.schedule(job_name, ...) updates the job of that name if there is one
  EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job USING job_name, schedule, command;
  RETURN job;
END $$;
COMMENT ON FUNCTION cbl.cron_schedule(text, text, text, text, text) IS
  'for the schedule_* functions: make or change the pg_cron job job_name to run command on schedule (what and example word the error for a null schedule); returns the job id; SQLSTATE LG004 without pg_cron';
REVOKE ALL ON FUNCTION cbl.cron_schedule(text, text, text, text, text) FROM PUBLIC;

CREATE FUNCTION cbl.cron_unschedule(job_name text) RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  scheduled boolean;
BEGIN
  PERFORM cbl.assert_pg_cron();
  EXECUTE 'SELECT EXISTS (SELECT 1 FROM cron.job WHERE jobname = $1 AND username = current_user)'
     INTO scheduled
    USING job_name;
  IF NOT scheduled THEN
    RETURN false;
  END IF;
  EXECUTE 'SELECT cron.unschedule($1)' INTO scheduled USING job_name;
  RETURN scheduled;
END $$;
COMMENT ON FUNCTION cbl.cron_unschedule(text) IS
  'for the unschedule_* functions: remove the current user''s pg_cron job job_name; true if there was one, false if not; SQLSTATE LG004 without pg_cron';
REVOKE ALL ON FUNCTION cbl.cron_unschedule(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION cbl.schedule_exception_scan(schedule text DEFAULT '*/5 * * * *') RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
RETURN cbl.cron_schedule('cbl_exception_scan', 'exception scan', schedule,
                         '''*/5 * * * *'' (every 5 minutes)', 'SELECT * FROM cbl.scan_exceptions()');

CREATE OR REPLACE FUNCTION cbl.unschedule_exception_scan() RETURNS boolean
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
RETURN cbl.cron_unschedule('cbl_exception_scan');

CREATE OR REPLACE FUNCTION cbl.schedule_partition_maintenance(schedule text DEFAULT '0 3 * * *', months_ahead integer DEFAULT 3)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM cbl.assert_pg_cron();
  IF months_ahead IS NULL OR months_ahead < 0 OR months_ahead > 120 THEN
    RAISE EXCEPTION 'months_ahead must be from 0 to 120, not %', coalesce(months_ahead::text, 'null')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give how many months after the current one to make partitions for, 3 by default.';
  END IF;
  RETURN cbl.cron_schedule('cbl_partition_maintenance', 'partition maintenance', schedule,
                           '''0 3 * * *'' (daily at 03:00)',
                           format('SELECT count(*) FROM cbl.create_partitions(%s)', months_ahead));
END $$;

CREATE OR REPLACE FUNCTION cbl.unschedule_partition_maintenance() RETURNS boolean
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
RETURN cbl.cron_unschedule('cbl_partition_maintenance');

CREATE OR REPLACE FUNCTION cbl.schedule_monthly_settlement(schedule text DEFAULT '0 2 1 * *') RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
RETURN cbl.cron_schedule('cbl_monthly_settlement', 'monthly settlement', schedule,
                         '''0 2 1 * *'' (02:00 on the 1st of each month)', 'CALL cbl.run_monthly_settlement()');

CREATE OR REPLACE FUNCTION cbl.unschedule_monthly_settlement() RETURNS boolean
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
RETURN cbl.cron_unschedule('cbl_monthly_settlement');

-- cbl.setup_roles locks the tables row-level security alters before it grants
-- (a deadlock with autovacuum otherwise).
CREATE OR REPLACE FUNCTION cbl.setup_roles() RETURNS TABLE (action text, object text, role name)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  r record;
  c record;
  priv text;
  rel regclass;
  fn regprocedure;
BEGIN
  -- Row-level security (cbl.setup_row_security, below) alters these tables.
  -- Lock them before the grants update their catalog rows: an autovacuum of
  -- one of them, waiting to write the same pg_class row, and this function,
  -- waiting for the table the autovacuum holds, would deadlock.  Waiting for
  -- an autovacuum that holds nothing of ours only cancels the autovacuum.
  FOR rel IN SELECT to_regclass(t) FROM unnest(ARRAY['cbl.shipment', 'cbl.shipment_reference', 'cbl.reference_lookup',
                                                     'cbl.event', 'cbl.shipment_state', 'cbl.exception', 'cbl.party',
                                                     'cbl.charge', 'cbl.statement', 'cbl.statement_line',
                                                     'cbl.settlement_mark']) t
              WHERE to_regclass(t) IS NOT NULL LOOP
    EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', rel);
  END LOOP;

  -- 1. The roles, NOLOGIN; a role that exists is left as it is.
  FOR r IN SELECT x.role, x.description FROM cbl.roles() x LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles a WHERE a.rolname = r.role) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r.role);
      EXECUTE format('COMMENT ON ROLE %I IS %L', r.role, r.description);
      action := 'created role';
      object := NULL;
      role := r.role;
      RETURN NEXT;
    END IF;
  END LOOP;

  -- 2. cbl_admin: every table and function of the schema.
  GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA cbl TO cbl_admin;
  GRANT EXECUTE ON ALL ROUTINES IN SCHEMA cbl TO cbl_admin;

  -- 3. The list; what is not installed is skipped and reported.
  FOR r IN SELECT g.role, g.object_kind, g.object, g.privileges FROM cbl.role_grants() g LOOP
    IF r.object_kind = 'table' THEN
      rel := to_regclass(r.object);
      IF rel IS NULL THEN
        action := 'skipped: not installed';
        object := r.object;
        role := r.role;
        RETURN NEXT;
        CONTINUE;
      END IF;
      SELECT n.nspname, k.relname INTO c
        FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace WHERE k.oid = rel;
      FOREACH priv IN ARRAY r.privileges LOOP
        EXECUTE format(CASE priv
                         WHEN 'SELECT' THEN 'GRANT SELECT ON TABLE %I.%I TO %I'
                         WHEN 'INSERT' THEN 'GRANT INSERT ON TABLE %I.%I TO %I'
                         WHEN 'UPDATE' THEN 'GRANT UPDATE ON TABLE %I.%I TO %I'
                         WHEN 'DELETE' THEN 'GRANT DELETE ON TABLE %I.%I TO %I'
                       END, c.nspname, c.relname, r.role);
      END LOOP;
    ELSE
      fn := to_regprocedure(r.object);
      IF fn IS NULL THEN
        action := 'skipped: not installed';
        object := r.object;
        role := r.role;
        RETURN NEXT;
        CONTINUE;
      END IF;
      -- a regprocedure prints as a quoted, schema-qualified signature
      EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO %I', fn, r.role);
    END IF;
  END LOOP;

  -- 4. cbl_reader: every view cbl.v_*, and SELECT on exactly the columns
  --    of the tables and views they read (the views run with the reader's
  --    privileges), so a BI tool reads through the views only what they show.
  FOR c IN SELECT n.nspname, k.relname FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace
            WHERE n.nspname = 'cbl' AND k.relkind = 'v' AND k.relname LIKE 'v\_%' ORDER BY k.relname LOOP
    EXECUTE format('GRANT SELECT ON TABLE %I.%I TO cbl_reader', c.nspname, c.relname);
  END LOOP;
  FOR c IN
    WITH RECURSIVE viewed AS (
      SELECT k.oid FROM pg_class k
       WHERE k.relnamespace = 'cbl'::regnamespace AND k.relkind = 'v' AND k.relname LIKE 'v\_%'
      UNION
      SELECT d.refobjid
        FROM viewed v
        JOIN pg_rewrite rw ON rw.ev_class = v.oid
        JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                        AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> v.oid
        JOIN pg_class k ON k.oid = d.refobjid AND k.relkind = 'v'
    )
    SELECT DISTINCT n.nspname, k.relname, a.attname
      FROM viewed v
      JOIN pg_rewrite rw ON rw.ev_class = v.oid
      JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                      AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> v.oid
      JOIN pg_class k ON k.oid = d.refobjid
      JOIN pg_namespace n ON n.oid = k.relnamespace
      LEFT JOIN pg_attribute a ON a.attrelid = k.oid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0
     ORDER BY 1, 2, 3
  LOOP
    IF c.attname IS NULL THEN   -- a whole-row reference: the whole relation
      EXECUTE format('GRANT SELECT ON TABLE %I.%I TO cbl_reader', c.nspname, c.relname);
    ELSE
      EXECUTE format('GRANT SELECT (%I) ON TABLE %I.%I TO cbl_reader', c.attname, c.nspname, c.relname);
    END IF;
  END LOOP;
  -- and the columns read by the functions the views call as the reader
  -- (the catalog records no dependency of a PL/pgSQL body): cbl.event_sources
  GRANT SELECT (shipment_id, source, event_id) ON TABLE cbl.event TO cbl_reader;

  -- 5. Row-level security and the policies.
  PERFORM cbl.setup_row_security();
END $$;

-- One helper gives partitions their parent's column comments (00_schema.sql).
-- A partition shows its parent's column comments (a partition made by
-- CREATE TABLE ... PARTITION OF has none of its own): the default partitions
-- at install, the monthly ones in cbl.create_partitions().
CREATE FUNCTION cbl.copy_column_comments(parent regclass, part regclass) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  col record;
BEGIN
  FOR col IN SELECT a.attname, col_description(a.attrelid, a.attnum) AS description
               FROM pg_attribute a
              WHERE a.attrelid = parent AND a.attnum > 0 AND NOT a.attisdropped LOOP
    EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', part, col.attname, col.description);
  END LOOP;
END $$;
COMMENT ON FUNCTION cbl.copy_column_comments(regclass, regclass) IS
  'give a partition the column comments of its parent table (for the default partitions and cbl.create_partitions())';
REVOKE ALL ON FUNCTION cbl.copy_column_comments(regclass, regclass) FROM PUBLIC;

CREATE OR REPLACE FUNCTION cbl.create_partitions(months_ahead integer DEFAULT 3)
RETURNS TABLE (partition regclass, month date, moved bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  current_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
  first_month date;
  t record;
  m date;
  lo text;
  hi text;
  part text;
  def_rel regclass;
  locked boolean;
  owner text;
  con record;
  idx record;
  trg record;
  tt record;
  guards text[];
  what text;
  pass integer;
  locked_rels text[] := '{}';
BEGIN
  IF months_ahead IS NULL OR months_ahead < 0 OR months_ahead > 120 THEN
    RAISE EXCEPTION 'months_ahead must be from 0 to 120, not %', coalesce(months_ahead::text, 'null')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give how many months after the current one to make partitions for, 3 by default.';
  END IF;
  -- Two passes over the tables: the first locks those with a partition to
  -- make, in order, before anything is made (so that no table is held
  -- ACCESS EXCLUSIVE while the next one's writers are waited for); the
  -- second makes the partitions.
  FOR pass IN 1 .. 2 LOOP
  FOR t IN SELECT x.rel, x.name, x.key FROM (VALUES (1, 'cbl.event', 'event', 'shipment_id'),
                                                    (2, 'cbl.charge', 'charge', 'shipment_id'),
                                                    (3, 'cbl.statement_line', 'statement_line', 'period_start'))
                                         AS x (ord, rel, name, key)
            WHERE to_regclass(x.rel) IS NOT NULL
            ORDER BY x.ord LOOP
    IF t.key = 'shipment_id' THEN
      SELECT cbl.shipment_month(min(s.id)) INTO first_month FROM cbl.shipment s;
    ELSE
      EXECUTE 'SELECT min(p.period_start) FROM cbl.period p' INTO first_month;
    END IF;
    first_month := least(coalesce(first_month, current_month), current_month);
    def_rel := format('cbl.%I', t.name || '_default')::regclass;
    locked := t.rel = ANY (locked_rels);
    FOR m IN SELECT g::date FROM generate_series(first_month, current_month + make_interval(months => months_ahead),
                                                 interval '1 month') g LOOP
      IF t.key = 'shipment_id' THEN
        lo := cbl.shipment_id(m, 0)::text;
        hi := cbl.shipment_id((m + interval '1 month')::date, 0)::text;
        what := format('e.shipment_id >= %s AND e.shipment_id < %s', lo, hi);
      ELSE
        lo := m::text;
        hi := (m + interval '1 month')::date::text;
        what := format('e.period_start >= %L AND e.period_start < %L', lo, hi);
      END IF;
      CONTINUE WHEN EXISTS (SELECT 1 FROM cbl.partitions() p
                             WHERE p.parent = t.rel::regclass AND NOT p.is_default
                               AND CASE WHEN t.key = 'shipment_id'
                                        THEN p.lower_bound::bigint < hi::bigint AND p.upper_bound::bigint > lo::bigint
                                        ELSE p.lower_bound::date < hi::date AND p.upper_bound::date > lo::date END);
      IF pass = 1 THEN
        -- writers of the table wait, or are waited for
        EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', t.rel);
        locked_rels := locked_rels || t.rel;
        EXIT;
      END IF;
      IF NOT locked THEN
        -- writers of the table wait, or are waited for; then look again,
        -- since a concurrent run may have made it while we waited
        EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', t.rel);
        locked := true;
        CONTINUE WHEN EXISTS (SELECT 1 FROM cbl.partitions() p
                               WHERE p.parent = t.rel::regclass AND NOT p.is_default
                                 AND CASE WHEN t.key = 'shipment_id'
                                          THEN p.lower_bound::bigint < hi::bigint AND p.upper_bound::bigint > lo::bigint
                                          ELSE p.lower_bound::date < hi::date AND p.upper_bound::date > lo::date END);
      END IF;
      part := t.name || '_' || to_char(m, 'YYYY_MM');
      create_partitions.partition := NULL;
      create_partitions.month := m;
      -- rows of the month in the default partition move out first: the new
      -- partition cannot be made while the default holds rows of its range.
      -- The default's guards against deletes are off for the move.
      SELECT array_agg(g.tgname ORDER BY g.tgname) INTO guards
        FROM pg_trigger g
       WHERE g.tgrelid = def_rel AND NOT g.tgisinternal AND g.tgenabled <> 'D'
         AND g.tgtype::integer & 8 <> 0;   -- fires on DELETE
      FOR trg IN SELECT u.name FROM unnest(guards) u (name) LOOP
        EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', def_rel, trg.name);
      END LOOP;
      EXECUTE format('CREATE TEMPORARY TABLE cbl_partition_moving (LIKE %s)', t.rel);
      EXECUTE format('WITH taken AS (DELETE FROM %s e WHERE %s RETURNING e.*) '
                     'INSERT INTO pg_temp.cbl_partition_moving SELECT * FROM taken', def_rel, what);
      GET DIAGNOSTICS moved = ROW_COUNT;
      FOR trg IN SELECT u.name FROM unnest(guards) u (name) LOOP
        EXECUTE format('ALTER TABLE %s ENABLE TRIGGER %I', def_rel, trg.name);
      END LOOP;
      EXECUTE format('CREATE TABLE cbl.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', part, t.rel, lo, hi);
      -- the keys and indexes of the default partition (72_event.sql,
      -- 84_charge.sql say why they are not the parent's), named after the
      -- partition: the primary key first
      FOR con IN SELECT c.conname, pg_get_constraintdef(c.oid) AS def, obj_description(c.oid, 'pg_constraint') AS description
                   FROM pg_constraint c
                  WHERE c.conrelid = def_rel AND c.contype IN ('p', 'u', 'f', 'x')
                  ORDER BY c.contype <> 'p', c.contype = 'f', c.conname LOOP
        EXECUTE format('ALTER TABLE cbl.%I ADD CONSTRAINT %I %s', part,
                       part || substr(con.conname, length(t.name || '_default') + 1), con.def);
        IF con.description IS NOT NULL THEN
          EXECUTE format('COMMENT ON CONSTRAINT %I ON cbl.%I IS %L',
                         part || substr(con.conname, length(t.name || '_default') + 1), part, con.description);
        END IF;
      END LOOP;
      FOR idx IN SELECT c.relname, pg_get_indexdef(i.indexrelid) AS def, i.indisunique,
                        obj_description(i.indexrelid, 'pg_class') AS description
                   FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                  WHERE i.indrelid = def_rel
                    AND NOT EXISTS (SELECT 1 FROM pg_constraint x WHERE x.conindid = i.indexrelid AND x.conrelid = def_rel)
                  ORDER BY c.relname LOOP
        EXECUTE format('CREATE %sINDEX %I ON cbl.%I %s', CASE WHEN idx.indisunique THEN 'UNIQUE ' ELSE '' END,
                       part || substr(idx.relname, length(t.name || '_default') + 1), part,
                       substr(idx.def, strpos(idx.def, ' USING ') + 1));
        IF idx.description IS NOT NULL THEN
          EXECUTE format('COMMENT ON INDEX cbl.%I IS %L',
                         part || substr(idx.relname, length(t.name || '_default') + 1), idx.description);
        END IF;
      END LOOP;
      -- the default partition's TRUNCATE triggers: a partition's TRUNCATE
      -- fires none of its parent's (88_settlement.sql)
      FOR tt IN SELECT g.tgname, g.tgtype::integer & 2 <> 0 AS before, g.tgfoid::regprocedure AS fn,
                       obj_description(g.oid, 'pg_trigger') AS description
                  FROM pg_trigger g
                 WHERE g.tgrelid = def_rel AND NOT g.tgisinternal AND g.tgnargs = 0
                   AND g.tgtype::integer & 32 <> 0   -- fires on TRUNCATE
                 ORDER BY g.tgname LOOP
        EXECUTE format('CREATE TRIGGER %I %s TRUNCATE ON cbl.%I FOR EACH STATEMENT EXECUTE FUNCTION %s',
                       part || substr(tt.tgname, length(t.name || '_default') + 1),
                       CASE WHEN tt.before THEN 'BEFORE' ELSE 'AFTER' END, part, tt.fn);
        IF tt.description IS NOT NULL THEN
          EXECUTE format('COMMENT ON TRIGGER %I ON cbl.%I IS %L',
                         part || substr(tt.tgname, length(t.name || '_default') + 1), part, tt.description);
        END IF;
      END LOOP;
      EXECUTE format('COMMENT ON TABLE cbl.%I IS %L', part,
                     format('%s of %s %s (UTC): a monthly partition of %s, made by cbl.create_partitions()',
                            CASE t.name WHEN 'event' THEN 'events' WHEN 'charge' THEN 'charges' ELSE 'statement lines' END,
                            CASE t.key WHEN 'shipment_id' THEN 'the shipments made in' ELSE 'the statements of the period' END,
                            to_char(m, 'YYYY-MM'), t.rel));
      PERFORM cbl.copy_column_comments(t.rel::regclass, format('cbl.%I', part)::regclass);
      SELECT c.relowner::regrole::text INTO owner FROM pg_class c WHERE c.oid = t.rel::regclass;
      IF owner <> current_user::text THEN
        EXECUTE format('ALTER TABLE cbl.%I OWNER TO %s', part, owner);
      END IF;
      -- back through the parent, into the new partition (charges keep their numbers)
      EXECUTE format('INSERT INTO %s %s SELECT * FROM pg_temp.cbl_partition_moving', t.rel,
                     CASE WHEN t.name = 'charge' THEN 'OVERRIDING SYSTEM VALUE' ELSE '' END);
      DROP TABLE pg_temp.cbl_partition_moving;
      create_partitions.partition := format('cbl.%I', part)::regclass;
      RETURN NEXT;
    END LOOP;
  END LOOP;
  END LOOP;
END $$;

-- cbl.canonical_reference is C (the same stored forms; every look-up by
-- reference computes it for every kind).
CREATE OR REPLACE FUNCTION cbl.canonical_reference(kind text, value text) RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'cbl_canonical_reference';

-- cbl.find_shipments and cbl.find_shipment are C (src/reference.c): the
-- value's stored forms computed once, the look-up rows read by one query
-- prepared per session, as the caller.  As PL/pgSQL they cost about 0.2 ms
-- a call, and a status look-up by tracking number makes two or three.
CREATE OR REPLACE FUNCTION cbl.find_shipments(value text)
RETURNS TABLE (shipment_id bigint, kind text, stored_value text)
  AS 'MODULE_PATHNAME', 'cbl_find_shipments' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 2;
CREATE OR REPLACE FUNCTION cbl.find_shipment(value text, kind text DEFAULT NULL) RETURNS bigint
  AS 'MODULE_PATHNAME', 'cbl_find_shipment' LANGUAGE C STABLE PARALLEL SAFE;

-- Who reported each event of a shipment, for v_timeline.  In C
-- (src/event_sources.c): one query by a generic plan, so that only the
-- shipment's partition of cbl.event is opened (a lateral join in the view
-- would open every partition's index on every call).  It reads the primary
-- key only (an index-only scan once vacuum has marked the pages visible):
-- the event key is the hash of (source, event_id) that ingest computes, and
-- the source is the same in every revision.
CREATE FUNCTION cbl.event_sources(shipment_id bigint, OUT event_keys bigint[], OUT sources text[])
  AS 'MODULE_PATHNAME', 'cbl_event_sources' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.event_sources(bigint) IS
  'the event keys of a shipment''s events and, at the same place, the source of each: who supplied a time the milestone state records by event key';

-- cbl.v_timeline reads each shipment's events once for the sources of its
-- actual times, not once per step, through cbl.event_sources.  (CREATE OR
-- REPLACE VIEW resets the view's options.)
CREATE OR REPLACE VIEW cbl.v_timeline AS
SELECT s.id AS shipment_id,
       s.reference,
       st.position::integer AS position,
       st.milestone,
       m.phase,
       st.required,
       st.planned,
       st.estimated,
       st.actual,
       ev.sources[array_position(ev.event_keys, st.actual_event_key)] AS actual_source,
       st.due_at,
       CASE WHEN st.actual IS NOT NULL THEN coalesce(st.actual > st.due_at, false)
            ELSE NOT st.ended AND (st.required OR st.planned IS NOT NULL) AND coalesce(now() > st.due_at, false)
       END AS late
  FROM cbl.shipment s
  JOIN cbl.framework f ON f.code = s.framework
  LEFT JOIN cbl.shipment_state ss ON ss.shipment_id = s.id
  -- who reported each event: the shipment's events read once, not once per step
  CROSS JOIN LATERAL cbl.event_sources(s.id) ev
  -- a shipment without events gets its framework's steps from an empty state of the framework
  CROSS JOIN LATERAL (
    SELECT t.*,
           coalesce(t.planned, t.prev_required_actual + t.sla) AS due_at
      FROM (SELECT st.*,
                   (array_agg(st.actual) FILTER (WHERE st.required)
                      OVER (ORDER BY st.position ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))
                     [count(*) FILTER (WHERE st.required)
                        OVER (ORDER BY st.position ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)] AS prev_required_actual,
                   coalesce(bool_or(st.terminal AND st.actual IS NOT NULL) OVER (), false) AS ended
              FROM cbl.state_steps(CASE WHEN cbl.framework_id(ss.state) IS NOT NULL THEN ss.state
                                        ELSE f.id::text::cbl.milestone_state END) st) t
  ) st
  JOIN cbl.milestone m ON m.code = st.milestone;
ALTER VIEW cbl.v_timeline SET (security_invoker = true);

-- cbl.v_shipment_status summarises the state in C, cbl.state_summary, in
-- one pass over the steps (aggregating cbl.state_steps was a third of a
-- status look-up).  The same columns and values.
CREATE FUNCTION cbl.state_summary(state cbl.milestone_state,
                                  OUT current_milestone text, OUT current_milestone_at timestamptz,
                                  OUT eta timestamptz, OUT delivered_at timestamptz, OUT is_terminal boolean)
  AS 'MODULE_PATHNAME', 'cbl_state_summary' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.state_summary(cbl.milestone_state) IS
  'the current milestone and when it happened; the delivery step''s (the first terminal step, required ones first) latest estimate or plan and actual time; whether a terminal milestone happened';
CREATE OR REPLACE VIEW cbl.v_shipment_status AS
SELECT s.id AS shipment_id,
       s.reference,
       s.framework,
       cu.code AS customer_code,
       cu.name AS customer_name,
       ca.code AS carrier_code,
       x.current_milestone,
       x.current_milestone_at,
       x.eta,
       x.delivered_at,
       coalesce(x.is_terminal, false) AS is_terminal,
       (SELECT count(*) FROM cbl.exception e
         WHERE e.shipment_id = s.id AND e.resolved_at IS NULL) AS open_exceptions,
       ss.changed_at AS state_changed_at
  FROM cbl.shipment s
  JOIN cbl.party cu ON cu.id = s.customer_id
  LEFT JOIN cbl.party ca ON ca.id = s.carrier_id
  LEFT JOIN cbl.shipment_state ss ON ss.shipment_id = s.id
  LEFT JOIN LATERAL cbl.state_summary(ss.state) x ON true;
ALTER VIEW cbl.v_shipment_status SET (security_invoker = true);

-- X12 315 port dates: the DTMs of the R4 loops are read as events of their
-- own (docs/formats.md), through these shipped code map rows.
COMMENT ON COLUMN cbl.code_map.standard IS 'name of the standard or carrier code list, e.g. IATA, DCSA, UPU, X12-315, X12-315-DTM, X12-214';
COMMENT ON COLUMN cbl.code_map.qualifier IS 'what the code alone does not say (DCSA: EMPTY/LADEN and .EXPORT/.IMPORT/.TRANSSHIPMENT, or the document type; X12 315 and its DTMs: the port function; IATA: ORIGIN, DESTINATION or TRANSIT, or the discrepancy), or '''' for any';
ALTER TABLE cbl.code_map DISABLE TRIGGER code_map_guard_builtin;
INSERT INTO cbl.code_map (standard, version, code, qualifier, milestone, classifier, reason_code, description, builtin)
SELECT v.standard, v.version, v.code, v.qualifier, v.milestone, v.classifier, v.reason_code, v.description, true
  FROM (VALUES
  ('X12-315-DTM', '', '139', '', NULL, 'EST', 'DTM139', 'estimated time at a port of another function'),
  ('X12-315-DTM', '', '139', 'L', 'DEPARTED', 'EST', NULL, 'estimated departure from the port of loading'),
  ('X12-315-DTM', '', '139', 'D', 'ARRIVED', 'EST', NULL, 'estimated arrival at the port of discharge'),
  ('X12-315-DTM', '', '139', 'E', 'DELIVERED', 'EST', NULL, 'estimated arrival at the place of delivery'),
  ('X12-315-DTM', '', '139', 'I', 'TRANSSHIPPED', 'EST', NULL, 'estimated time at an interim port'),
  ('X12-315-DTM', '', '139', 'T', 'TRANSSHIPPED', 'EST', NULL, 'estimated time at a transshipment port'),
  ('X12-315-DTM', '', '140', '', NULL, 'ACT', 'DTM140', 'actual time at a port of another function'),
  ('X12-315-DTM', '', '140', 'L', 'DEPARTED', 'ACT', NULL, 'actual departure from the port of loading'),
  ('X12-315-DTM', '', '140', 'D', 'ARRIVED', 'ACT', NULL, 'actual arrival at the port of discharge'),
  ('X12-315-DTM', '', '140', 'I', 'TRANSSHIPPED', 'ACT', NULL, 'actual time at an interim port'),
  ('X12-315-DTM', '', '140', 'T', 'TRANSSHIPPED', 'ACT', NULL, 'actual time at a transshipment port'),
  ('X12-315-DTM', '', '369', '', NULL, 'EST', 'DTM369', 'estimated departure from a port of another function'),
  ('X12-315-DTM', '', '369', 'L', 'DEPARTED', 'EST', NULL, 'estimated departure from the port of loading'),
  ('X12-315-DTM', '', '369', 'I', 'TRANSSHIPPED', 'EST', NULL, 'estimated departure from an interim port'),
  ('X12-315-DTM', '', '369', 'T', 'TRANSSHIPPED', 'EST', NULL, 'estimated departure from a transshipment port'),
  ('X12-315-DTM', '', '370', '', NULL, 'ACT', 'DTM370', 'actual departure from a port of another function'),
  ('X12-315-DTM', '', '370', 'L', 'DEPARTED', 'ACT', NULL, 'actual departure from the port of loading'),
  ('X12-315-DTM', '', '370', 'I', 'TRANSSHIPPED', 'ACT', NULL, 'actual departure from an interim port'),
  ('X12-315-DTM', '', '370', 'T', 'TRANSSHIPPED', 'ACT', NULL, 'actual departure from a transshipment port'),
  ('X12-315-DTM', '', '371', '', NULL, 'EST', 'DTM371', 'estimated arrival at a port of another function'),
  ('X12-315-DTM', '', '371', 'D', 'ARRIVED', 'EST', NULL, 'estimated arrival at the port of discharge'),
  ('X12-315-DTM', '', '371', 'E', 'DELIVERED', 'EST', NULL, 'estimated arrival at the place of delivery'),
  ('X12-315-DTM', '', '371', 'I', 'TRANSSHIPPED', 'EST', NULL, 'estimated arrival at an interim port'),
  ('X12-315-DTM', '', '371', 'T', 'TRANSSHIPPED', 'EST', NULL, 'estimated arrival at a transshipment port'),
  ('X12-315-DTM', '', '372', '', NULL, 'ACT', 'DTM372', 'actual arrival at a port of another function'),
  ('X12-315-DTM', '', '372', 'D', 'ARRIVED', 'ACT', NULL, 'actual arrival at the port of discharge'),
  ('X12-315-DTM', '', '372', 'I', 'TRANSSHIPPED', 'ACT', NULL, 'actual arrival at an interim port'),
  ('X12-315-DTM', '', '372', 'T', 'TRANSSHIPPED', 'ACT', NULL, 'actual arrival at a transshipment port')
) AS v(standard, version, code, qualifier, milestone, classifier, reason_code, description);
ALTER TABLE cbl.code_map ENABLE TRIGGER code_map_guard_builtin;

-- cbl_finance reads cbl.v_duty_variance (new in 0.2.0); run cbl.setup_roles()
-- again after the update to grant it (docs/upgrading.md).
CREATE OR REPLACE FUNCTION cbl.role_grants()
RETURNS TABLE (role name, object_kind text, object text, privileges text[])
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT g.role::name, g.kind, g.object, g.privileges::text[] FROM (VALUES
    -- operations: shipments and events
    ('cbl_operator', 'table', 'cbl.party', '{SELECT}'),
    ('cbl_operator', 'table', 'cbl.shipment', '{SELECT,INSERT,UPDATE,DELETE}'),
    ('cbl_operator', 'table', 'cbl.shipment_reference', '{SELECT,INSERT,DELETE}'),
    ('cbl_operator', 'table', 'cbl.reference_lookup', '{SELECT,INSERT,DELETE}'),
    ('cbl_operator', 'table', 'cbl.event', '{SELECT}'),
    ('cbl_operator', 'table', 'cbl.event_conflict', '{SELECT}'),
    ('cbl_operator', 'table', 'cbl.event_reject', '{SELECT}'),
    ('cbl_operator', 'table', 'cbl.event_pending', '{SELECT}'),
    ('cbl_operator', 'table', 'cbl.shipment_state', '{SELECT}'),
    ('cbl_operator', 'table', 'cbl.exception', '{SELECT,INSERT,UPDATE}'),
    ('cbl_operator', 'table', 'cbl.source', '{SELECT}'),
    ('cbl_operator', 'table', 'cbl.code_map', '{SELECT}'),
    ('cbl_operator', 'table', 'cbl.rate_card', '{SELECT}'),
    ('cbl_operator', 'table', 'cbl.v_shipment_status', '{SELECT}'),
    ('cbl_operator', 'table', 'cbl.v_timeline', '{SELECT}'),
    ('cbl_operator', 'table', 'cbl.v_exception', '{SELECT}'),
    ('cbl_operator', 'table', 'cbl.v_billing_problem', '{SELECT}'),
    ('cbl_operator', 'function', 'cbl.create_shipment(text, text, text, text, text, text, text, jsonb)', '{EXECUTE}'),
    ('cbl_operator', 'function', 'cbl.next_shipment_id()', '{EXECUTE}'),
    ('cbl_operator', 'function', 'cbl.add_shipment_reference(bigint, text, text)', '{EXECUTE}'),
    ('cbl_operator', 'function', 'cbl.attach_pending(bigint)', '{EXECUTE}'),
    ('cbl_operator', 'function', 'cbl.ingest_events(jsonb)', '{EXECUTE}'),
    ('cbl_operator', 'function', 'cbl.ingest_events(text)', '{EXECUTE}'),
    ('cbl_operator', 'function', 'cbl.ingest_events(text, text, text, timestamptz)', '{EXECUTE}'),
    ('cbl_operator', 'function', 'cbl.upsert_event(text, text, text, text, text, timestamptz, timestamptz, text, text, boolean, jsonb)', '{EXECUTE}'),
    ('cbl_operator', 'function', 'cbl.scan_exceptions(timestamptz, bigint[], interval, interval, interval)', '{EXECUTE}'),
    -- finance: charges, settlement, reconciliation (objects of 84-89 skipped until installed)
    ('cbl_finance', 'table', 'cbl.party', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.shipment', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.shipment_reference', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.reference_lookup', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.shipment_state', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.exception', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.rate_card', '{SELECT,INSERT,UPDATE,DELETE}'),
    ('cbl_finance', 'table', 'cbl.v_shipment_status', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.v_timeline', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.v_exception', '{SELECT}'),
    ('cbl_finance', 'function', 'cbl.set_fx_rate(text, text, date, numeric, text)', '{EXECUTE}'),
    ('cbl_finance', 'table', 'cbl.fee_group', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.fee', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.commission_rule', '{SELECT,INSERT,UPDATE,DELETE}'),
    ('cbl_finance', 'table', 'cbl.charge', '{SELECT,INSERT,UPDATE}'),
    ('cbl_finance', 'table', 'cbl.billing_trigger', '{SELECT,INSERT,UPDATE,DELETE}'),
    ('cbl_finance', 'table', 'cbl.shipment_rating_input', '{SELECT,INSERT,UPDATE}'),
    ('cbl_finance', 'table', 'cbl.billing_accrual', '{SELECT,INSERT,UPDATE}'),
    ('cbl_finance', 'table', 'cbl.carrier_invoice', '{SELECT,INSERT,UPDATE}'),
    ('cbl_finance', 'table', 'cbl.carrier_invoice_line', '{SELECT,INSERT,UPDATE}'),
    ('cbl_finance', 'table', 'cbl.invoice_reconciliation', '{SELECT,INSERT,UPDATE,DELETE}'),
    ('cbl_finance', 'table', 'cbl.statement', '{SELECT,INSERT,UPDATE}'),
    ('cbl_finance', 'table', 'cbl.statement_line', '{SELECT,INSERT}'),
    ('cbl_finance', 'table', 'cbl.settlement_mark', '{SELECT,INSERT}'),
    ('cbl_finance', 'table', 'cbl.v_charge_line', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.period', '{SELECT,INSERT,UPDATE}'),
    ('cbl_finance', 'table', 'cbl.statement_counter', '{SELECT,INSERT,UPDATE}'),
    ('cbl_finance', 'table', 'cbl.settlement_run', '{SELECT,INSERT,UPDATE}'),
    ('cbl_finance', 'table', 'cbl.v_statement', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.v_statement_line', '{SELECT}'),
    ('cbl_finance', 'function', 'cbl.settle(date, bigint)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.run_monthly_settlement(date)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.settlement_period(date, boolean)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.settlement_commission(date, timestamptz, text, bigint)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.settlement_write(date, timestamptz, text, integer, bigint, boolean, bigint)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.settlement_party(date, timestamptz, timestamptz, text, integer, bigint, bigint)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.settlement_all(date, timestamptz, timestamptz, text, integer, bigint)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.settlement_run_begin(date)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.settlement_run_parties(bigint)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.settlement_run_party(bigint, bigint)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.settlement_run_party_failed(bigint, bigint, text, text)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.settlement_run_finish(bigint)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.settlement_run_fail(bigint, text, text)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.settlement_run_end(bigint)', '{EXECUTE}'),
    ('cbl_finance', 'table', 'cbl.fx_rate_span', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.v_charge', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.v_reconciliation', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.v_margin', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.v_leakage', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.v_duty_variance', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.v_kpi_monthly', '{SELECT}'),
    ('cbl_finance', 'table', 'cbl.v_billing_problem', '{SELECT}'),
    ('cbl_finance', 'function', 'cbl.add_charge(text, text, text, text, cbl.amount, timestamptz, text, text, text, text, bigint)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.void_charge(bigint, bigint, text)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.accrue_charges(bigint[], boolean)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.set_rating_input(text, jsonb, jsonb)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.import_carrier_invoice(jsonb)', '{EXECUTE}'),
    ('cbl_finance', 'function', 'cbl.reconcile_invoice(bigint, cbl.amount, numeric)', '{EXECUTE}'),
    -- integrations: ingest, nothing else (the ingest functions run as cbl's owner)
    ('cbl_integration', 'function', 'cbl.ingest_events(jsonb)', '{EXECUTE}'),
    ('cbl_integration', 'function', 'cbl.ingest_events(text)', '{EXECUTE}'),
    ('cbl_integration', 'function', 'cbl.ingest_events(text, text, text, timestamptz)', '{EXECUTE}'),
    ('cbl_integration', 'function', 'cbl.upsert_event(text, text, text, text, text, timestamptz, timestamptz, text, text, boolean, jsonb)', '{EXECUTE}'),
    -- partners: their rows only (row-level security)
    ('cbl_partner', 'function', 'cbl.login_party_ids(name)', '{EXECUTE}'),
    ('cbl_partner', 'table', 'cbl.party', '{SELECT}'),
    ('cbl_partner', 'table', 'cbl.shipment', '{SELECT}'),
    ('cbl_partner', 'table', 'cbl.shipment_reference', '{SELECT}'),
    ('cbl_partner', 'table', 'cbl.reference_lookup', '{SELECT}'),
    ('cbl_partner', 'table', 'cbl.event', '{SELECT}'),
    ('cbl_partner', 'table', 'cbl.shipment_state', '{SELECT}'),
    ('cbl_partner', 'table', 'cbl.exception', '{SELECT}'),
    ('cbl_partner', 'table', 'cbl.v_shipment_status', '{SELECT}'),
    ('cbl_partner', 'table', 'cbl.v_timeline', '{SELECT}'),
    ('cbl_partner', 'table', 'cbl.v_exception', '{SELECT}'),
    ('cbl_partner', 'table', 'cbl.charge', '{SELECT}'),
    ('cbl_partner', 'table', 'cbl.statement', '{SELECT}'),
    ('cbl_partner', 'table', 'cbl.statement_line', '{SELECT}'),
    ('cbl_partner', 'table', 'cbl.settlement_mark', '{SELECT}')
  ) AS g(role, kind, object, privileges)
$$;
