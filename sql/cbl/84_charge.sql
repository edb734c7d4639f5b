-- Charges (docs/billing.md): what a shipment is billed (receivable) and what
-- it costs (payable), one row per charge, in exact currency-tagged amounts.
--
-- Charges accrue by themselves when a milestone with a billing trigger
-- happens (85_billing.sql), by hand through cbl.add_charge(), and as
-- adjustments.  A charge is never deleted: a mistake is voided
-- (cbl.void_charge); once settled (on a statement, 88_settlement.sql) it is
-- never changed, and a correction is a new adjustment charge.
--
-- Ready for Citus: cbl.charge is shipment-keyed (shipment_id leads its
-- primary key and every unique index), co-located with the events; parties,
-- fee groups, fees and commission rules are reference data.

-- What a party needs for billing.  Parties are created before charges
-- exist, so the columns come here rather than in 62_shipment.sql.
ALTER TABLE cbl.party
  ADD COLUMN billing_currency text REFERENCES cbl.currency (code),
  ADD COLUMN sell_card text
    CONSTRAINT party_sell_card_check CHECK (sell_card ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
  ADD COLUMN tier text CONSTRAINT party_tier_check CHECK (tier <> '');
COMMENT ON COLUMN cbl.party.billing_currency IS
  'ISO 4217 currency the party''s statements are in; charges in other currencies are converted at their accrual date''s rate; NULL: each charge''s own currency';
COMMENT ON COLUMN cbl.party.sell_card IS
  'customers: code of the rate card (cbl.rate_card, kind sell) their shipments are billed with; NULL: the card the billing trigger names';
COMMENT ON COLUMN cbl.party.tier IS
  'customers: their tier (e.g. gold), passed to rating as "tier" so the card''s tier discounts apply; NULL: none';

-- Fee groups: what kind of cost or revenue a fee code is.  Leakage compares
-- groups (a fuel cost is billed on if any fuel fee was billed), commission
-- rules may be limited to one.
CREATE TABLE cbl.fee_group (
  code         text PRIMARY KEY CONSTRAINT fee_group_code_check CHECK (code ~ '^[a-z][a-z0-9_]*$'),
  description  text NOT NULL CONSTRAINT fee_group_description_check CHECK (description <> ''),
  builtin      boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE cbl.fee_group IS
  'groups of fee codes (freight, fuel, surcharge, handling, customs, duty_tax ...): what leakage and commission rules compare';
COMMENT ON COLUMN cbl.fee_group.code IS 'group code, lower case, e.g. fuel';
COMMENT ON COLUMN cbl.fee_group.description IS 'what the fees of the group pay for';
COMMENT ON COLUMN cbl.fee_group.builtin IS 'shipped with cbl: read-only, restored by CREATE EXTENSION, not in pg_dump output';

INSERT INTO cbl.fee_group (code, builtin, description) VALUES
  ('freight',       true, 'main carriage: air, ocean, road, rail or express transport'),
  ('fuel',          true, 'fuel and bunker surcharges'),
  ('surcharge',     true, 'other surcharges: security, peak season, remote area, dangerous goods, oversize ...'),
  ('handling',      true, 'terminal, warehouse and container freight station handling, pickup and delivery'),
  ('documentation', true, 'waybills, bills of lading and other documents'),
  ('customs',       true, 'customs brokerage: declarations, lines, inspections'),
  ('duty_tax',      true, 'import duty, import VAT/GST and customs fees advanced for the customer'),
  ('storage',       true, 'storage, demurrage and detention'),
  ('insurance',     true, 'cargo insurance'),
  ('discount',      true, 'discounts and rebates'),
  ('commission',    true, 'commission of agents'),
  ('other',         true, 'anything else, and fee codes a rate card produced that cbl.fee did not know');

CREATE TABLE cbl.fee (
  code         text PRIMARY KEY CONSTRAINT fee_code_check CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,19}$'),
  fee_group    text NOT NULL REFERENCES cbl.fee_group (code),
  description  text NOT NULL CONSTRAINT fee_description_check CHECK (description <> ''),
  builtin      boolean NOT NULL DEFAULT false
);
CREATE INDEX fee_fee_group_idx ON cbl.fee (fee_group);
COMMENT ON INDEX cbl.fee_fee_group_idx IS 'the foreign key to cbl.fee_group; the fees of a group';
COMMENT ON TABLE cbl.fee IS
  'fee codes charges are booked under, each in a group: the codes of rate card lines (FRT, FSC ...), of duties and taxes (DUTY, VAT ...) and of manual charges; a rated code not listed is added in group other';
COMMENT ON COLUMN cbl.fee.code IS
  'fee code, as rate cards write it: 1 to 20 upper-case letters, digits, _ and -';
COMMENT ON COLUMN cbl.fee.fee_group IS 'group of the fee (cbl.fee_group)';
COMMENT ON COLUMN cbl.fee.description IS 'what the fee is for';
COMMENT ON COLUMN cbl.fee.builtin IS 'shipped with cbl: read-only, restored by CREATE EXTENSION, not in pg_dump output';

INSERT INTO cbl.fee (code, fee_group, builtin, description) VALUES
  ('FRT',      'freight',       true, 'freight (transport), the default code of a rate card''s freight line'),
  ('AFR',      'freight',       true, 'air freight'),
  ('OFR',      'freight',       true, 'ocean freight'),
  ('RFR',      'freight',       true, 'road freight'),
  ('FSC',      'fuel',          true, 'fuel surcharge'),
  ('BAF',      'fuel',          true, 'bunker adjustment factor'),
  ('LSS',      'fuel',          true, 'low-sulphur surcharge'),
  ('SSC',      'surcharge',     true, 'security surcharge'),
  ('PSS',      'surcharge',     true, 'peak season surcharge'),
  ('RAS',      'surcharge',     true, 'remote area surcharge'),
  ('OWP',      'surcharge',     true, 'overweight or oversize piece'),
  ('DGR',      'surcharge',     true, 'dangerous goods'),
  ('RES',      'surcharge',     true, 'residential delivery'),
  ('RFS',      'surcharge',     true, 'reefer (refrigerated container) surcharge'),
  ('CAF',      'surcharge',     true, 'currency adjustment factor'),
  ('THC',      'handling',      true, 'terminal handling'),
  ('CFS',      'handling',      true, 'container freight station'),
  ('AHS',      'handling',      true, 'additional handling'),
  ('PUP',      'handling',      true, 'pickup'),
  ('DEL',      'handling',      true, 'delivery'),
  ('AWB',      'documentation', true, 'air waybill'),
  ('BL',       'documentation', true, 'bill of lading'),
  ('DOC',      'documentation', true, 'documentation'),
  ('CUS',      'customs',       true, 'customs declaration'),
  ('CUL',      'customs',       true, 'customs line'),
  ('INS',      'insurance',     true, 'cargo insurance'),
  ('DUTY',     'duty_tax',      true, 'import duty advanced for the customer'),
  ('VAT',      'duty_tax',      true, 'import VAT or GST advanced for the customer'),
  ('MPF',      'duty_tax',      true, 'customs processing fee (US merchandise processing fee)'),
  ('HMF',      'duty_tax',      true, 'ocean fee (US harbor maintenance fee)'),
  ('STO',      'storage',       true, 'storage'),
  ('DEM',      'storage',       true, 'demurrage'),
  ('DET',      'storage',       true, 'detention'),
  ('DISCOUNT', 'discount',      true, 'discount, the default code of a rate card''s tier discount'),
  ('COM',      'commission',    true, 'agent commission'),
  ('MISC',     'other',         true, 'miscellaneous');

-- Shipped rows are read-only (a change would be lost in pg_dump).
CREATE FUNCTION cbl.guard_builtin_fee() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    RAISE EXCEPTION 'cannot truncate cbl.%: it holds rows shipped with cbl', TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Delete your own rows with DELETE ... WHERE NOT builtin.';
  END IF;
  IF (TG_OP IN ('UPDATE', 'DELETE') AND OLD.builtin) OR (TG_OP IN ('INSERT', 'UPDATE') AND NEW.builtin) THEN
    RAISE EXCEPTION '% "%" is shipped with cbl and cannot be changed',
                    CASE TG_TABLE_NAME WHEN 'fee' THEN 'fee code' ELSE 'fee group' END,
                    CASE WHEN TG_OP = 'INSERT' THEN NEW.code ELSE OLD.code END
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'Shipped rows are restored by CREATE EXTENSION and left out of pg_dump, so a change to them would be lost.',
            HINT = 'Add a code of your own instead.';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;
COMMENT ON FUNCTION cbl.guard_builtin_fee() IS
  'trigger: refuses changes to the fee groups and fee codes shipped with cbl (builtin), and TRUNCATE of their tables';
REVOKE ALL ON FUNCTION cbl.guard_builtin_fee() FROM PUBLIC;
CREATE TRIGGER fee_group_guard_builtin
  BEFORE INSERT OR UPDATE OR DELETE ON cbl.fee_group
  FOR EACH ROW EXECUTE FUNCTION cbl.guard_builtin_fee();
COMMENT ON TRIGGER fee_group_guard_builtin ON cbl.fee_group IS 'shipped fee groups are read-only';
CREATE TRIGGER fee_group_guard_truncate
  BEFORE TRUNCATE ON cbl.fee_group
  FOR EACH STATEMENT EXECUTE FUNCTION cbl.guard_builtin_fee();
COMMENT ON TRIGGER fee_group_guard_truncate ON cbl.fee_group IS 'shipped fee groups cannot be truncated';
CREATE TRIGGER fee_guard_builtin
  BEFORE INSERT OR UPDATE OR DELETE ON cbl.fee
  FOR EACH ROW EXECUTE FUNCTION cbl.guard_builtin_fee();
COMMENT ON TRIGGER fee_guard_builtin ON cbl.fee IS 'shipped fee codes are read-only';
CREATE TRIGGER fee_guard_truncate
  BEFORE TRUNCATE ON cbl.fee
  FOR EACH STATEMENT EXECUTE FUNCTION cbl.guard_builtin_fee();
COMMENT ON TRIGGER fee_guard_truncate ON cbl.fee IS 'shipped fee codes cannot be truncated';
SELECT pg_catalog.pg_extension_config_dump('cbl.fee_group', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('cbl.fee', 'WHERE NOT builtin');
GRANT SELECT ON cbl.fee_group, cbl.fee TO PUBLIC;

-- Agents' commission: a percent of the margin or of the revenue of the
-- shipments they brought (cbl.shipment.agent_id), optionally of one fee
-- group only, over a range of dates.  Rules valid on the same day add up.
-- Settlement computes commission statements from them (docs/settlement.md).
CREATE TABLE cbl.commission_rule (
  agent_id     bigint NOT NULL,
  rule_no      bigint GENERATED ALWAYS AS IDENTITY,
  agent_kind   text NOT NULL GENERATED ALWAYS AS ('agent') STORED,
  basis        text NOT NULL CONSTRAINT commission_rule_basis_check CHECK (basis IN ('margin', 'revenue')),
  percent      numeric NOT NULL
               CONSTRAINT commission_rule_percent_check CHECK (percent >= 0 AND percent <= 100),
  fee_group    text REFERENCES cbl.fee_group (code),
  valid        daterange NOT NULL CONSTRAINT commission_rule_valid_check CHECK (NOT isempty(valid)),
  note         text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agent_id, rule_no),
  CONSTRAINT commission_rule_agent_fkey FOREIGN KEY (agent_id, agent_kind) REFERENCES cbl.party (id, kind)
);
COMMENT ON TABLE cbl.commission_rule IS
  'commission of agents: a percent of the margin or the revenue of the shipments they brought, of one fee group or all, on the days of a range; rules valid on the same day add up';
COMMENT ON COLUMN cbl.commission_rule.agent_id IS 'party (kind agent) that earns the commission';
COMMENT ON COLUMN cbl.commission_rule.rule_no IS 'numbers the rules';
COMMENT ON COLUMN cbl.commission_rule.agent_kind IS 'always agent: makes the foreign key check the party''s kind';
COMMENT ON COLUMN cbl.commission_rule.basis IS
  'margin (receivable minus payable charges of the shipment) or revenue (receivable charges)';
COMMENT ON COLUMN cbl.commission_rule.percent IS 'the commission in percent of the basis, 0 to 100, exact';
COMMENT ON COLUMN cbl.commission_rule.fee_group IS 'only charges of this fee group count; NULL: all charges';
COMMENT ON COLUMN cbl.commission_rule.valid IS
  'days of accrual the rule applies to, e.g. [2026-01-01,) for from 2026 on';
COMMENT ON COLUMN cbl.commission_rule.note IS 'free text, e.g. the contract it comes from';
COMMENT ON COLUMN cbl.commission_rule.created_at IS 'when the rule was added';
SELECT pg_catalog.pg_extension_config_dump('cbl.commission_rule', '');
SELECT pg_catalog.pg_extension_config_dump('cbl.commission_rule_rule_no_seq', '');

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
SELECT cbl.copy_column_comments('cbl.charge', 'cbl.charge_default');
SELECT pg_catalog.pg_extension_config_dump('cbl.charge_default', '');
SELECT pg_catalog.pg_extension_config_dump('cbl.charge_charge_no_seq', '');

-- Whether a charge is settled is not written on the charge: settling a
-- party for a period writes one settlement mark, which settles every charge
-- of the party numbered up to charges_through and accrued before
-- settled_before that is not voided (settlement, 88_settlement.sql, takes
-- exactly those: it holds a SHARE lock on cbl.charge while it reads them, so
-- no charge with a lower number can still be on its way).  A charge is open
-- while no mark covers it and it is not voided.  The line it is on names it
-- (cbl.statement_line.charge_nos).  So a month of a million charges is
-- settled without writing a million row versions.
CREATE TABLE cbl.settlement_mark (
  party_id         bigint NOT NULL REFERENCES cbl.party (id),
  period_start     date NOT NULL,
  charges_through  bigint NOT NULL,
  settled_before   timestamptz NOT NULL,
  run_id           bigint,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (party_id, period_start)
);
COMMENT ON TABLE cbl.settlement_mark IS
  'what each settlement of a party took: its charges numbered up to charges_through, accrued before settled_before and not voided (nor taken by an earlier mark); one row per party and period settled, written with its statements, never changed';
COMMENT ON COLUMN cbl.settlement_mark.party_id IS 'the party settled';
COMMENT ON COLUMN cbl.settlement_mark.period_start IS 'the period settled (cbl.period)';
COMMENT ON COLUMN cbl.settlement_mark.charges_through IS
  'the highest charge number the settlement took: every charge of the party up to it accrued before settled_before and not voided is settled';
COMMENT ON COLUMN cbl.settlement_mark.settled_before IS 'the end of the period settled (exclusive), in its time zone';
COMMENT ON COLUMN cbl.settlement_mark.run_id IS 'the cbl.settlement_run that wrote it; NULL if cbl.settle() was called directly';
COMMENT ON COLUMN cbl.settlement_mark.created_at IS 'when the party was settled for the period';
SELECT pg_catalog.pg_extension_config_dump('cbl.settlement_mark', '');

-- The status of a charge: voided, settled (a settlement mark covers it) or open.
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

-- A settled or voided charge never changes and no charge is deleted, and an
-- open charge cannot be changed into the range a settlement has already
-- taken (it would count as settled without being on a line).
CREATE FUNCTION cbl.charge_guard() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  ref text;
  st text;
  m cbl.settlement_mark;
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM cbl.charge a
                                   WHERE a.shipment_id = OLD.shipment_id AND a.adjusts_charge_no = OLD.charge_no) THEN
    RAISE EXCEPTION 'charge % has adjustments and cannot be deleted', OLD.charge_no
      USING ERRCODE = 'foreign_key_violation',
            HINT = 'Void it with cbl.void_charge() instead.';
  END IF;
  st := cbl.charge_status(OLD);
  IF st = 'open' THEN
    IF TG_OP = 'UPDATE' AND NEW.voided_at IS NULL THEN
      SELECT * INTO m FROM cbl.settlement_mark x
       WHERE x.party_id = NEW.party_id AND x.charges_through >= NEW.charge_no AND x.settled_before > NEW.accrued_at
       ORDER BY x.charges_through LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'charge % of shipment % cannot be moved into a period its party has been settled for',
                        OLD.charge_no, (SELECT s.reference FROM cbl.shipment s WHERE s.id = OLD.shipment_id)
          USING ERRCODE = 'LG023',
                DETAIL = format('The settlement of %s took the party''s charges numbered up to %s accrued before %s; this one would count as settled without being on a statement.',
                                to_char(m.period_start, 'YYYY-MM'), m.charges_through, m.settled_before),
                HINT = 'Void it with cbl.void_charge() and add a new charge: the new one goes to the next statement.';
      END IF;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  SELECT s.reference INTO ref FROM cbl.shipment s WHERE s.id = OLD.shipment_id;
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'charge % of shipment % is % and cannot be deleted', OLD.charge_no, ref, st
      USING ERRCODE = 'LG023',
            HINT = CASE st WHEN 'settled' THEN 'Void it with cbl.void_charge(), which adds a reversing adjustment.'
                           ELSE 'A voided charge stays as a record of the correction.' END;
  END IF;
  IF (NEW.shipment_id, NEW.charge_no, NEW.party_id, NEW.direction, NEW.fee_code, NEW.amount::text,
      NEW.accrued_at, NEW.origin, NEW.rate_card, NEW.rate_card_version, NEW.step, NEW.reference,
      NEW.trigger_key, NEW.adjusts_charge_no, NEW.voided_at, NEW.void_reason, NEW.created_at)
     IS DISTINCT FROM
     (OLD.shipment_id, OLD.charge_no, OLD.party_id, OLD.direction, OLD.fee_code, OLD.amount::text,
      OLD.accrued_at, OLD.origin, OLD.rate_card, OLD.rate_card_version, OLD.step, OLD.reference,
      OLD.trigger_key, OLD.adjusts_charge_no, OLD.voided_at, OLD.void_reason, OLD.created_at) THEN
    RAISE EXCEPTION 'charge % of shipment % is % and cannot be changed', OLD.charge_no, ref, st
      USING ERRCODE = 'LG023',
            DETAIL = CASE st WHEN 'settled' THEN 'A settled charge is on a statement; statements never change.'
                             ELSE 'A voided charge stays as a record of the correction.' END,
            HINT = 'Correct it with cbl.void_charge() and cbl.add_charge(): a settled charge is reversed by an adjustment on the next statement.';
  END IF;
  RETURN NEW;
END $$;
COMMENT ON FUNCTION cbl.charge_guard() IS
  'trigger of cbl.charge: a settled or voided charge never changes, nor does an open one move into a range already settled (SQLSTATE LG023); only open charges without adjustments may be deleted';
REVOKE ALL ON FUNCTION cbl.charge_guard() FROM PUBLIC;
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

-- An adjustment names a charge of its shipment (checked at commit, so that
-- rows may come in any order, as pg_dump restores them).
CREATE FUNCTION cbl.charge_adjusts_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM cbl.charge c
                  WHERE c.shipment_id = NEW.shipment_id AND c.charge_no = NEW.adjusts_charge_no) THEN
    RAISE EXCEPTION 'charge % adjusts charge %, which shipment % does not have',
                    NEW.charge_no, NEW.adjusts_charge_no,
                    coalesce((SELECT x.reference FROM cbl.shipment x WHERE x.id = NEW.shipment_id), NEW.shipment_id::text)
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION cbl.charge_adjusts_check() IS
  'constraint trigger of cbl.charge: the charge an adjustment names exists on the same shipment';
REVOKE ALL ON FUNCTION cbl.charge_adjusts_check() FROM PUBLIC;
CREATE CONSTRAINT TRIGGER charge_adjusts_check
  AFTER INSERT OR UPDATE OF adjusts_charge_no ON cbl.charge
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (NEW.adjusts_charge_no IS NOT NULL)
  EXECUTE FUNCTION cbl.charge_adjusts_check();
COMMENT ON TRIGGER charge_adjusts_check ON cbl.charge IS
  'at commit: the charge an adjustment names exists on the same shipment';

-- The party of a charge, by code: of the kind given, else the only party
-- with that code; an error naming the choices otherwise.
CREATE FUNCTION cbl.charge_party_id(code text, kind text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  ids bigint[];
  kinds text;
BEGIN
  SELECT array_agg(p.id ORDER BY p.kind), string_agg(p.kind, ', ' ORDER BY p.kind) INTO ids, kinds
    FROM cbl.party p
   WHERE p.code = charge_party_id.code AND (charge_party_id.kind IS NULL OR p.kind = charge_party_id.kind);
  IF ids IS NULL THEN
    RAISE EXCEPTION 'unknown party "%"%', code, coalesce(' of kind ' || kind, '')
      USING ERRCODE = 'LG020',
            HINT = 'Parties are the rows of cbl.party; add it first.';
  END IF;
  IF cardinality(ids) > 1 THEN
    RAISE EXCEPTION 'party code "%" names % parties', code, cardinality(ids)
      USING ERRCODE = 'LG021',
            DETAIL = format('Parties of kinds %s have the code "%s".', kinds, code),
            HINT = 'Name the kind too (party_kind => ''carrier'').';
  END IF;
  RETURN ids[1];
END $$;
COMMENT ON FUNCTION cbl.charge_party_id(text, text) IS
  'id of the party with a code (and kind, if given); SQLSTATE LG020 if none, LG021 if several kinds share the code';

-- A manual charge (or a carrier invoice's, an agent's commission, an
-- adjustment made by hand).  The party defaults to the shipment's customer
-- (receivable) or carrier (payable).
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

-- Void a charge: an open one is marked voided; a settled one stays as it
-- is and an open adjustment reverses it (dated like it, so settlement puts
-- it on the next open period's statement naming the period it belongs to).
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
