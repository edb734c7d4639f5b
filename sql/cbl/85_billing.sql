-- Billing triggers (docs/billing.md): a framework step says what to charge
-- when its milestone actually happens, and the charges accrue in the
-- transaction that ingests the event.
--
-- cbl.accrue_charges() is the one place that writes automatic charges.  It
-- is set-based and idempotent: for every (shipment, step, action) it
-- computes the lines the step should have produced now, compares them with
-- the charges already written under the same key, and writes only the
-- difference: the first time the charge itself, later an adjustment
-- (a parcel re-weighed at the hub, a corrected milestone time).  A charge
-- already written is never edited, so a settled charge stays as it is.
-- cbl.billing_accrual remembers what each step was rated from, so that a
-- new event that changes nothing billable costs one index probe.

CREATE TABLE cbl.billing_trigger (
  framework    text NOT NULL,
  milestone    text NOT NULL,
  action       text NOT NULL
               CONSTRAINT billing_trigger_action_check
               CHECK (action IN ('bill_sell_card', 'accrue_buy_card', 'bill_duties')),
  card         text CONSTRAINT billing_trigger_card_check CHECK (card ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
  note         text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (framework, milestone, action),
  -- (framework, milestone) is a step: checked by billing_trigger_step_check;
  -- a foreign key to cbl.framework_step would stand in the way of its
  -- builtin guard
  CONSTRAINT billing_trigger_framework_fkey FOREIGN KEY (framework) REFERENCES cbl.framework (code) ON DELETE CASCADE,
  CONSTRAINT billing_trigger_milestone_fkey FOREIGN KEY (milestone) REFERENCES cbl.milestone (code),
  CONSTRAINT billing_trigger_card_action_check CHECK (card IS NULL OR action <> 'bill_duties')
);
COMMENT ON TABLE cbl.billing_trigger IS
  'what a framework step charges when its milestone actually happens: bill the sell card, accrue the buy card, or bill duties and taxes; any framework, shipped ones included; a trigger whose step was removed fires no more';
COMMENT ON COLUMN cbl.billing_trigger.framework IS 'framework code';
COMMENT ON COLUMN cbl.billing_trigger.milestone IS 'milestone of a step of the framework; its ACT time triggers the charges';
COMMENT ON COLUMN cbl.billing_trigger.action IS
  'bill_sell_card (receivable from the customer, rated with its sell card), accrue_buy_card (payable to the carrier, rated with its buy card) or bill_duties (receivable from the customer: duty, import tax and customs fees of a duty quote)';
COMMENT ON COLUMN cbl.billing_trigger.card IS
  'bill_sell_card: the general sell card for customers without their own (cbl.party.sell_card); accrue_buy_card: the buy card to use (its owner is owed), NULL: the carrier''s only buy card valid on the day';
COMMENT ON COLUMN cbl.billing_trigger.note IS 'free text';
COMMENT ON COLUMN cbl.billing_trigger.created_at IS 'when the trigger was added';
SELECT pg_catalog.pg_extension_config_dump('cbl.billing_trigger', '');

-- A billing trigger names a step of its framework when it is written.  If
-- the step is later removed, the trigger stays but fires no more
-- (cbl.accrue_charges joins the steps); it fires again if the step returns.
CREATE FUNCTION cbl.billing_trigger_step_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM cbl.framework_step s
                  WHERE s.framework = NEW.framework AND s.milestone = NEW.milestone) THEN
    RAISE EXCEPTION 'milestone % is not a step of framework %', NEW.milestone, NEW.framework
      USING ERRCODE = 'foreign_key_violation',
            HINT = 'A billing trigger names a step of its framework; cbl.v_framework lists them.';
  END IF;
  RETURN NEW;
END $$;
COMMENT ON FUNCTION cbl.billing_trigger_step_check() IS
  'trigger: a billing trigger names a step of its framework';
REVOKE ALL ON FUNCTION cbl.billing_trigger_step_check() FROM PUBLIC;
CREATE TRIGGER billing_trigger_step_check
  BEFORE INSERT OR UPDATE ON cbl.billing_trigger
  FOR EACH ROW EXECUTE FUNCTION cbl.billing_trigger_step_check();
COMMENT ON TRIGGER billing_trigger_step_check ON cbl.billing_trigger IS 'the framework and milestone name a step';

-- What a shipment is rated from: the document cbl.rate() takes, and for
-- duties the goods of cbl.duty_quote().  Keyed by shipment (Citus).
CREATE TABLE cbl.shipment_rating_input (
  shipment_id  bigint PRIMARY KEY REFERENCES cbl.shipment (id),
  rating       jsonb NOT NULL CONSTRAINT shipment_rating_input_rating_check CHECK (jsonb_typeof(rating) = 'object'),
  duty         jsonb CONSTRAINT shipment_rating_input_duty_check CHECK (jsonb_typeof(duty) = 'object'),
  revision     integer NOT NULL DEFAULT 1 CONSTRAINT shipment_rating_input_revision_check CHECK (revision >= 1),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE cbl.shipment_rating_input IS
  'what each shipment is rated from; write it with cbl.set_rating_input(), which re-rates the steps already billed';
COMMENT ON COLUMN cbl.shipment_rating_input.shipment_id IS 'shipment';
COMMENT ON COLUMN cbl.shipment_rating_input.rating IS
  'the shipment document of cbl.rate() (pieces, weights, containers, flags, postcode ...); destination and origin default to the shipment''s countries';
COMMENT ON COLUMN cbl.shipment_rating_input.duty IS
  'for bill_duties: {"lines": [...], "incoterm": "DAP", "freight": "100.00 EUR", "insurance": ..., "mode": ..., "origin": ..., "seller_collects_tax": ..., "allocate_by": ...} as cbl.duty_quote() takes them; NULL: none';
COMMENT ON COLUMN cbl.shipment_rating_input.revision IS '1, then one more at each change: accruals record the revision they were rated from';
COMMENT ON COLUMN cbl.shipment_rating_input.updated_at IS 'when it last changed';
SELECT pg_catalog.pg_extension_config_dump('cbl.shipment_rating_input', '');

-- What each fired step was last accrued from, or why it could not be.
CREATE TABLE cbl.billing_accrual (
  shipment_id     bigint NOT NULL REFERENCES cbl.shipment (id),
  milestone       text NOT NULL,
  action          text NOT NULL,
  status          text NOT NULL
                  CONSTRAINT billing_accrual_status_check CHECK (status IN ('accrued', 'problem', 'reversed')),
  rated_at        timestamptz,
  input_revision  integer,
  rate_card       text,
  problem         text,
  problem_sqlstate text,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shipment_id, milestone, action),
  CONSTRAINT billing_accrual_problem_check CHECK ((status = 'problem') = (problem IS NOT NULL))
);
CREATE INDEX billing_accrual_problem_idx ON cbl.billing_accrual (updated_at) WHERE status = 'problem';
COMMENT ON INDEX cbl.billing_accrual_problem_idx IS 'the steps that could not be billed, latest first';
COMMENT ON TABLE cbl.billing_accrual IS
  'per shipment and fired billing trigger: the milestone time and rating input revision its charges were accrued from, or the problem that kept them from accruing (retried at the shipment''s next change)';
COMMENT ON COLUMN cbl.billing_accrual.shipment_id IS 'shipment';
COMMENT ON COLUMN cbl.billing_accrual.milestone IS 'milestone of the billing trigger';
COMMENT ON COLUMN cbl.billing_accrual.action IS 'action of the billing trigger';
COMMENT ON COLUMN cbl.billing_accrual.status IS
  'accrued (charges written), problem (none could be: see problem) or reversed (the milestone was retracted, its charges reversed)';
COMMENT ON COLUMN cbl.billing_accrual.rated_at IS 'the milestone''s ACT time the charges were rated at (the rating date is its day)';
COMMENT ON COLUMN cbl.billing_accrual.input_revision IS 'revision of cbl.shipment_rating_input rated from';
COMMENT ON COLUMN cbl.billing_accrual.rate_card IS 'rate card used';
COMMENT ON COLUMN cbl.billing_accrual.problem IS 'why no charge could be accrued, e.g. no rating input, no card, no zone';
COMMENT ON COLUMN cbl.billing_accrual.problem_sqlstate IS 'SQLSTATE of the problem (LG024, LG010, LG011 ...)';
COMMENT ON COLUMN cbl.billing_accrual.updated_at IS 'when it last changed';
SELECT pg_catalog.pg_extension_config_dump('cbl.billing_accrual', '');

-- One step to (re)accrue, as cbl.accrue_charges hands it to cbl.billing_lines.
CREATE TYPE cbl.billing_work AS (
  shipment_id       bigint,
  milestone         text,
  action            text,
  party_id          bigint,
  card              text,
  input             jsonb,
  duty              jsonb,
  act_at            timestamptz,
  on_date           date,
  revision          integer,
  destination       text,
  origin            text,
  mode              text,
  problem           text,
  problem_sqlstate  text
);
COMMENT ON TYPE cbl.billing_work IS
  'one billing trigger to (re)accrue on one shipment: who, which card, the rating input and date, or the problem that stops it (internal, cbl.accrue_charges)';

-- One charge line a step calls for.
CREATE TYPE cbl.billing_line AS (
  shipment_id        bigint,
  milestone          text,
  action             text,
  party_id           bigint,
  fee_code           text,
  description        text,
  amount             cbl.amount,
  rate_card          text,
  rate_card_version  integer,
  act_at             timestamptz
);
COMMENT ON TYPE cbl.billing_line IS
  'one charge line a fired billing trigger calls for: party, fee code, amount, card and version (internal, cbl.billing_lines)';

-- The lines a set of steps should have produced, one per fee code and
-- currency, from the rate cards and duty quotes.  Raises what cbl.rate and
-- cbl.duty_quote raise.
CREATE FUNCTION cbl.billing_lines(work cbl.billing_work[])
RETURNS SETOF cbl.billing_line
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT w.shipment_id, w.milestone, w.action, w.party_id, r.code, min(r.description),
         cbl.sum(r.amount), w.card, cbl.rate_card_version(w.card, w.on_date), w.act_at
    FROM unnest(work) w
   CROSS JOIN LATERAL cbl.rate(w.card, w.input, w.on_date) r
   WHERE w.action IN ('bill_sell_card', 'accrue_buy_card')
   GROUP BY w.shipment_id, w.milestone, w.action, w.party_id, w.card, w.on_date, w.act_at, r.code,
            cbl.currency(r.amount)
  UNION ALL
  SELECT w.shipment_id, w.milestone, w.action, w.party_id, f.fee_code, q.basis, q.amount,
         NULL, NULL, w.act_at
    FROM unnest(work) w
   CROSS JOIN LATERAL cbl.duty_quote(w.destination, w.duty -> 'lines',
                                     (w.duty ->> 'freight')::cbl.amount, (w.duty ->> 'insurance')::cbl.amount,
                                     coalesce(w.duty ->> 'mode', w.mode), (w.duty ->> 'incoterm')::cbl.incoterm,
                                     coalesce(w.duty ->> 'origin', w.origin), w.on_date,
                                     coalesce((w.duty ->> 'seller_collects_tax')::boolean, false),
                                     coalesce(w.duty ->> 'allocate_by', 'value')) q
    JOIN (VALUES ('duty', 'DUTY'), ('import_tax', 'VAT'), ('processing_fee', 'MPF'), ('ocean_fee', 'HMF'))
         AS f(item, fee_code) ON f.item = q.item
   WHERE w.action = 'bill_duties' AND q.line IS NULL
$$;
COMMENT ON FUNCTION cbl.billing_lines(cbl.billing_work[]) IS
  'the charge lines fired billing triggers call for (internal): rate card lines summed per fee code, or the duty, import tax and fee totals of a duty quote (DUTY, VAT, MPF, HMF)';

-- Accrue the charges of the billing triggers whose milestones have
-- happened on these shipments: write what is new, adjust what changed,
-- reverse what was retracted.  Returns the number of charges written.
CREATE FUNCTION cbl.accrue_charges(shipment_ids bigint[], force boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  tz text;
  todo cbl.billing_work[];
  work cbl.billing_work[];
  lines cbl.billing_line[];
  w cbl.billing_work;
  n bigint;
BEGIN
  IF shipment_ids IS NULL OR cardinality(shipment_ids) = 0
     OR NOT EXISTS (SELECT 1 FROM cbl.billing_trigger) THEN
    RETURN 0;
  END IF;
  tz := cbl.get_setting('billing_time_zone');

  -- The same per-shipment locks as ingest (already held when ingest calls).
  PERFORM pg_advisory_xact_lock(1667392049, k)
     FROM (SELECT DISTINCT hashint8(t) & 511 AS k FROM unnest(shipment_ids) t) buckets ORDER BY k;

  -- 1. The steps to look at: fired (an ACT time) and not accrued from this
  --    time and input yet, or accrued and no longer fired (retracted).
  SELECT array_agg(ROW(
           s.id, bt.milestone, bt.action,
           CASE WHEN bt.action = 'accrue_buy_card' THEN bc.owner_id ELSE s.customer_id END,
           CASE bt.action WHEN 'bill_sell_card' THEN coalesce(cu.sell_card, bt.card)
                          WHEN 'accrue_buy_card' THEN bc.code END,
           CASE WHEN bt.action = 'bill_sell_card'
                THEN ri.rating || jsonb_strip_nulls(jsonb_build_object(
                       'destination', coalesce(ri.rating -> 'destination', to_jsonb(s.destination_country)),
                       'origin', coalesce(ri.rating -> 'origin', to_jsonb(s.origin_country)),
                       'tier', coalesce(to_jsonb(cu.tier), ri.rating -> 'tier')))
                ELSE (ri.rating - 'tier') || jsonb_strip_nulls(jsonb_build_object(
                       'destination', coalesce(ri.rating -> 'destination', to_jsonb(s.destination_country)),
                       'origin', coalesce(ri.rating -> 'origin', to_jsonb(s.origin_country)))) END,
           ri.duty, act.at, (act.at AT TIME ZONE tz)::date, ri.revision,
           s.destination_country, s.origin_country,
           CASE f.mode WHEN 'postal' THEN 'post' WHEN 'multimodal' THEN NULL ELSE f.mode END,
           CASE
             WHEN act.at IS NULL THEN NULL
             WHEN ri.shipment_id IS NULL THEN 'the shipment has no rating input (cbl.set_rating_input)'
             WHEN bt.action = 'bill_duties' AND ri.duty IS NULL THEN 'the shipment''s rating input has no duty part'
             WHEN bt.action = 'bill_duties' AND s.destination_country IS NULL THEN 'the shipment has no destination country'
             WHEN bt.action = 'bill_sell_card' AND coalesce(cu.sell_card, bt.card) IS NULL
               THEN format('customer %s has no sell card and the billing trigger names none', cu.code)
             WHEN bt.action = 'bill_sell_card' AND sc.kind = 'buy'
               THEN format('card %s is a buy card, not a sell card', coalesce(cu.sell_card, bt.card))
             WHEN bt.action = 'accrue_buy_card' AND bt.card IS NULL AND s.carrier_id IS NULL
               THEN 'the shipment has no carrier whose buy card to accrue'
             WHEN bt.action = 'accrue_buy_card' AND bc.n = 0
               THEN CASE WHEN bt.card IS NULL
                         THEN format('carrier %s has no buy card valid on %s', ca.code, (act.at AT TIME ZONE tz)::date)
                         ELSE format('card %s is not a buy card valid on %s', bt.card, (act.at AT TIME ZONE tz)::date) END
             WHEN bt.action = 'accrue_buy_card' AND bc.n > 1
               THEN format('carrier %s has %s buy cards valid on %s (%s): name one in the billing trigger',
                           ca.code, bc.n, (act.at AT TIME ZONE tz)::date, bc.codes)
           END,
           NULL)::cbl.billing_work)
    INTO todo
    FROM cbl.shipment s
    JOIN cbl.framework f ON f.code = s.framework
    JOIN cbl.billing_trigger bt ON bt.framework = s.framework
    JOIN cbl.framework_step fs ON fs.framework = bt.framework AND fs.milestone = bt.milestone
    JOIN cbl.party cu ON cu.id = s.customer_id
    LEFT JOIN cbl.party ca ON ca.id = s.carrier_id
    LEFT JOIN cbl.shipment_state st ON st.shipment_id = s.id
    LEFT JOIN cbl.shipment_rating_input ri ON ri.shipment_id = s.id
    LEFT JOIN cbl.billing_accrual ba
           ON ba.shipment_id = s.id AND ba.milestone = bt.milestone AND ba.action = bt.action
    LEFT JOIN LATERAL (
      SELECT e.at FROM cbl.milestone_entries(st.state) e
        JOIN cbl.milestone m ON m.id = e.milestone_id
       WHERE m.code = bt.milestone AND e.classifier = 'ACT') act ON true
    LEFT JOIN cbl.rate_card sc
           ON bt.action = 'bill_sell_card' AND sc.code = coalesce(cu.sell_card, bt.card)
          AND sc.validity @> (act.at AT TIME ZONE tz)::date
    LEFT JOIN LATERAL (
      SELECT count(*) AS n, min(rc.code) AS code, min(rc.owner_id) AS owner_id,
             string_agg(rc.code, ', ' ORDER BY rc.code) AS codes
        FROM cbl.rate_card rc
       WHERE bt.action = 'accrue_buy_card' AND act.at IS NOT NULL
         AND rc.kind = 'buy' AND rc.validity @> (act.at AT TIME ZONE tz)::date
         AND CASE WHEN bt.card IS NOT NULL THEN rc.code = bt.card ELSE rc.owner_id = s.carrier_id END) bc ON true
   WHERE s.id = ANY (shipment_ids)
     AND CASE
           WHEN act.at IS NULL THEN ba.status = 'accrued'
           ELSE ba.status IS NULL OR ba.status <> 'accrued' OR force
                OR ba.rated_at <> act.at OR ba.input_revision IS DISTINCT FROM ri.revision
         END;
  IF todo IS NULL THEN
    RETURN 0;
  END IF;

  -- 2. The lines they call for now: all at once, or step by step when one
  --    fails (no zone, no price, no exchange rate ...) to tell which.
  SELECT array_agg(t) INTO work FROM unnest(todo) t WHERE t.act_at IS NOT NULL AND t.problem IS NULL;
  IF work IS NOT NULL THEN
    BEGIN
      SELECT array_agg(l) INTO lines FROM cbl.billing_lines(work) l;
    EXCEPTION WHEN OTHERS THEN
      lines := NULL;
      FOR i IN 1 .. cardinality(todo) LOOP
        w := todo[i];
        CONTINUE WHEN w.act_at IS NULL OR w.problem IS NOT NULL;
        BEGIN
          lines := lines || ARRAY(SELECT l FROM cbl.billing_lines(ARRAY[w]) l);
        EXCEPTION WHEN OTHERS THEN
          w.problem := SQLERRM;
          w.problem_sqlstate := SQLSTATE;
          todo[i] := w;
        END;
      END LOOP;
    END;
  END IF;
  -- A rated code cbl.fee does not know joins group other.
  INSERT INTO cbl.fee (code, fee_group, description)
  SELECT DISTINCT ON (l.fee_code) l.fee_code, 'other', coalesce(NULLIF(l.description, ''), l.fee_code)
    FROM unnest(lines) l
   WHERE NOT EXISTS (SELECT 1 FROM cbl.fee f WHERE f.code = l.fee_code)
   ORDER BY l.fee_code, l.description
  ON CONFLICT DO NOTHING;

  -- 3. Write the differences between what the steps call for and what is
  --    written under their keys, per fee code and currency.  Keys:
  --    MILESTONE:action:FEE for the first charge, :2, :3 ... for its
  --    adjustments.  A key whose charge was voided (or reversed by
  --    cbl.void_charge) is waived: it never accrues again.
  WITH done AS (           -- steps whose lines are known (retracted ones: none)
    SELECT t.shipment_id, t.milestone, t.action, t.milestone || ':' || t.action || ':' AS prefix
      FROM unnest(todo) t WHERE t.problem IS NULL
  ), expected AS (
    SELECT l.shipment_id, d.prefix || l.fee_code AS base_key, l.milestone, l.party_id, l.fee_code,
           cbl.currency(l.amount) AS ccy, l.amount, l.rate_card, l.rate_card_version, l.act_at,
           CASE WHEN l.action = 'bill_duties' THEN 'duty' ELSE 'rated' END AS origin,
           CASE WHEN l.action = 'accrue_buy_card' THEN 'payable' ELSE 'receivable' END AS direction
      FROM unnest(lines) l
      JOIN done d ON d.shipment_id = l.shipment_id AND d.milestone = l.milestone AND d.action = l.action
  ), keyed AS (            -- the charges already written under the steps' keys
    SELECT c.*,
           d.prefix || split_part(substr(c.trigger_key, length(d.prefix) + 1), ':', 1) AS base_key
      FROM done d
      JOIN cbl.charge c ON c.shipment_id = d.shipment_id AND c.trigger_key LIKE d.prefix || '%'
  ), present AS (
    SELECT k.shipment_id, k.base_key, cbl.currency(k.amount) AS ccy,
           cbl.sum(k.amount) FILTER (WHERE k.voided_at IS NULL) AS net
      FROM keyed k
     GROUP BY k.shipment_id, k.base_key, cbl.currency(k.amount)
  ), diff AS (
    SELECT coalesce(e.shipment_id, c.shipment_id) AS shipment_id,
           coalesce(e.base_key, c.base_key) AS base_key,
           coalesce(e.ccy, c.ccy) AS ccy,
           coalesce(e.amount, cbl.amount(0, c.ccy))
             OPERATOR(cbl.-) coalesce(c.net, cbl.amount(0, coalesce(e.ccy, c.ccy))) AS delta,
           e.party_id, e.fee_code, e.milestone, e.rate_card, e.rate_card_version, e.act_at, e.origin, e.direction
      FROM expected e
      FULL JOIN present c ON c.shipment_id = e.shipment_id AND c.base_key = e.base_key AND c.ccy = e.ccy
  ), pending AS (
    -- per key: its first charge, how many, whether waived.  Looked up per
    -- row through the shipment's charges (LATERAL): a join to an aggregate
    -- of "keyed" was planned as a nested loop over it (the unnested steps
    -- are estimated at a few rows), quadratic in the steps re-rated.
    SELECT x.*, b.n, b.first_no,
           row_number() OVER (PARTITION BY x.shipment_id, x.base_key ORDER BY x.ccy) AS k
      FROM diff x
      CROSS JOIN LATERAL (
        SELECT count(*) AS n, min(c.charge_no) AS first_no,
               bool_or(c.voided_at IS NOT NULL
                       OR EXISTS (SELECT 1 FROM cbl.charge r
                                   WHERE r.shipment_id = c.shipment_id AND r.adjusts_charge_no = c.charge_no
                                     AND r.trigger_key IS NULL AND r.origin = 'adjustment')) AS waived
          FROM cbl.charge c
         WHERE c.shipment_id = x.shipment_id
           AND (c.trigger_key = x.base_key OR left(c.trigger_key, length(x.base_key) + 1) = x.base_key || ':')) b
     WHERE x.delta OPERATOR(cbl.<>) cbl.amount(0, x.ccy)
       AND NOT coalesce(b.waived, false)
  ), written AS (
    INSERT INTO cbl.charge (shipment_id, party_id, direction, fee_code, amount, accrued_at, origin,
                            rate_card, rate_card_version, step, trigger_key, adjusts_charge_no, note)
    SELECT t.shipment_id,
           coalesce(t.party_id, f.party_id), coalesce(t.direction, f.direction),
           coalesce(t.fee_code, f.fee_code), t.delta,
           coalesce(f.accrued_at, t.act_at),
           CASE WHEN t.first_no IS NULL THEN t.origin ELSE 'adjustment' END,
           coalesce(t.rate_card, f.rate_card), coalesce(t.rate_card_version, f.rate_card_version),
           coalesce(t.milestone, f.step),
           CASE WHEN t.first_no IS NULL AND t.k = 1 THEN t.base_key
                ELSE t.base_key || ':' || (coalesce(t.n, 0) + t.k) END,
           t.first_no,
           CASE WHEN t.first_no IS NULL THEN NULL
                WHEN t.party_id IS NULL THEN 'reversal: the step no longer calls for this fee'
                ELSE 're-rated: the step now calls for a different amount' END
      FROM pending t
      LEFT JOIN cbl.charge f ON f.shipment_id = t.shipment_id AND f.charge_no = t.first_no
    RETURNING 1
  )
  SELECT count(*) INTO n FROM written;

  -- 4. Remember what each step was accrued from, or its problem.
  INSERT INTO cbl.billing_accrual AS ba (shipment_id, milestone, action, status, rated_at, input_revision,
                                         rate_card, problem, problem_sqlstate)
  SELECT t.shipment_id, t.milestone, t.action,
         CASE WHEN t.problem IS NOT NULL THEN 'problem' WHEN t.act_at IS NULL THEN 'reversed' ELSE 'accrued' END,
         t.act_at, t.revision, CASE WHEN t.act_at IS NOT NULL THEN t.card END, t.problem, coalesce(t.problem_sqlstate, CASE WHEN t.problem IS NOT NULL THEN 'LG024' END)
    FROM unnest(todo) t
  ON CONFLICT (shipment_id, milestone, action) DO UPDATE
     SET status = EXCLUDED.status, rated_at = EXCLUDED.rated_at, input_revision = EXCLUDED.input_revision,
         rate_card = EXCLUDED.rate_card, problem = EXCLUDED.problem,
         problem_sqlstate = EXCLUDED.problem_sqlstate, updated_at = now();
  RETURN n;
END $$;
COMMENT ON FUNCTION cbl.accrue_charges(bigint[], boolean) IS
  'accrue the charges of the billing triggers whose milestones have happened on these shipments: new charges, adjustments for re-rates, reversals for retracted milestones; idempotent; force re-rates steps already accrued (after a card changed); returns the number of charges written. Ingest calls it for every shipment whose state changed';
REVOKE ALL ON FUNCTION cbl.accrue_charges(bigint[], boolean) FROM PUBLIC;

-- Set what a shipment is rated from; steps already billed are re-rated and
-- any difference accrues as an adjustment.
CREATE FUNCTION cbl.set_rating_input(shipment text, rating jsonb, duty jsonb DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_id bigint;
BEGIN
  IF shipment IS NULL OR rating IS NULL THEN
    RAISE EXCEPTION 'rating input needs a shipment and a rating document'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  v_id := cbl.find_shipment(shipment);
  IF v_id IS NULL THEN
    RAISE EXCEPTION 'unknown shipment "%"', shipment
      USING ERRCODE = 'LG020',
            HINT = 'Give a reference of the shipment (cbl.find_shipment finds it); create it with cbl.create_shipment().';
  END IF;
  IF jsonb_typeof(rating) <> 'object' THEN
    RAISE EXCEPTION 'the rating document must be a JSON object such as {"weight_kg": 2.5, "postcode": "10115"}, not %',
                    jsonb_typeof(rating)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF duty IS NOT NULL AND NOT (jsonb_typeof(duty) = 'object' AND jsonb_typeof(duty -> 'lines') = 'array'
                               AND jsonb_typeof(duty -> 'incoterm') = 'string') THEN
    RAISE EXCEPTION 'the duty part must be a JSON object with "lines" (an array) and "incoterm"'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'E.g. {"lines": [{"hs_code": "6109.10.00", "value": "250.00 EUR", "quantities": {"kg": 3}}], "incoterm": "DAP", "freight": "40.00 EUR"}; docs/customs.md describes the lines.';
  END IF;
  INSERT INTO cbl.shipment_rating_input AS r (shipment_id, rating, duty)
  VALUES (v_id, set_rating_input.rating, set_rating_input.duty)
  ON CONFLICT (shipment_id) DO UPDATE
     SET rating = EXCLUDED.rating, duty = EXCLUDED.duty, revision = r.revision + 1, updated_at = now()
   WHERE (r.rating, r.duty) IS DISTINCT FROM (EXCLUDED.rating, EXCLUDED.duty);
  RETURN cbl.accrue_charges(ARRAY[v_id]);
END $$;
COMMENT ON FUNCTION cbl.set_rating_input(text, jsonb, jsonb) IS
  'set what a shipment (by reference) is rated from: the cbl.rate document and optionally the duty quote input; re-rates the steps already billed (differences accrue as adjustments); returns the number of charges written';
REVOKE ALL ON FUNCTION cbl.set_rating_input(text, jsonb, jsonb) FROM PUBLIC;
