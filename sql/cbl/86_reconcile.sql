-- Carrier invoices and their reconciliation against the payable charges
-- cbl expected (docs/billing.md).
--
-- An invoice is imported once per carrier and invoice number; importing the
-- same document again returns it, a different one under the same number is
-- an error.  cbl.reconcile_invoice() pairs each invoice line with at most
-- one expected charge and each charge with at most one line, in one
-- set-based statement: first lines and charges with the same shipment, fee
-- code and reference (a container number), then what is left of the same
-- shipment and fee code, in order of amount.  Two accruals for one fee
-- (one per container) are therefore never merged into one expectation.
--
-- Invoices and lines are keyed by invoice; the results carry the shipment
-- and charge they concern.  On Citus, distribute them by invoice id (the
-- join to the shipment-keyed charges is then a repartition join).

-- cbl.recon_agg: counts and totals of a reconciliation by outcome
-- (src/recon_agg.c, src/recon_parse.c).  The state is a real type that
-- round-trips through text, so parallel query and Citus combine partial
-- states; the result is a composite.
CREATE TYPE cbl.recon_accum;
CREATE FUNCTION cbl.recon_accum_in(cstring) RETURNS cbl.recon_accum
  AS 'MODULE_PATHNAME', 'cbl_recon_accum_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.recon_accum_out(cbl.recon_accum) RETURNS cstring
  AS 'MODULE_PATHNAME', 'cbl_recon_accum_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.recon_accum_recv(internal) RETURNS cbl.recon_accum
  AS 'MODULE_PATHNAME', 'cbl_recon_accum_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.recon_accum_send(cbl.recon_accum) RETURNS bytea
  AS 'MODULE_PATHNAME', 'cbl_recon_accum_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE cbl.recon_accum (
  INPUT = cbl.recon_accum_in,
  OUTPUT = cbl.recon_accum_out,
  RECEIVE = cbl.recon_accum_recv,
  SEND = cbl.recon_accum_send,
  INTERNALLENGTH = 160,
  ALIGNMENT = double,
  STORAGE = plain
);
COMMENT ON TYPE cbl.recon_accum IS
  'state of cbl.recon_agg: counts of matched, over-billed, under-billed, unexpected and missing pairs, seven exact sums of micro-units, currency';
COMMENT ON FUNCTION cbl.recon_accum_in(cstring) IS 'input function of cbl.recon_accum';
COMMENT ON FUNCTION cbl.recon_accum_out(cbl.recon_accum) IS 'output function of cbl.recon_accum';
COMMENT ON FUNCTION cbl.recon_accum_recv(internal) IS 'binary input function of cbl.recon_accum';
COMMENT ON FUNCTION cbl.recon_accum_send(cbl.recon_accum) IS 'binary output function of cbl.recon_accum';

-- Order and hashing of the state (currency, then the counts, then the sums), so that
-- cbl.recon_accum has default btree and hash operator classes like every cbl type:
-- partial states can be grouped, sorted and hashed (Citus, docs/scaling.md).
CREATE FUNCTION cbl.recon_accum_cmp(cbl.recon_accum, cbl.recon_accum) RETURNS integer
  AS 'MODULE_PATHNAME', 'cbl_recon_accum_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION cbl.recon_accum_hash(cbl.recon_accum) RETURNS integer
  AS 'MODULE_PATHNAME', 'cbl_recon_accum_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION cbl.recon_accum_hash_extended(cbl.recon_accum, bigint) RETURNS bigint
  AS 'MODULE_PATHNAME', 'cbl_recon_accum_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.recon_accum_cmp(cbl.recon_accum, cbl.recon_accum) IS 'btree comparison function of cbl.recon_accum';
COMMENT ON FUNCTION cbl.recon_accum_hash(cbl.recon_accum) IS 'hash function of cbl.recon_accum';
COMMENT ON FUNCTION cbl.recon_accum_hash_extended(cbl.recon_accum, bigint) IS 'seeded 64-bit hash function of cbl.recon_accum';
CREATE FUNCTION cbl.recon_accum_eq(cbl.recon_accum, cbl.recon_accum) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_recon_accum_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.recon_accum_eq(cbl.recon_accum, cbl.recon_accum) IS 'implementation of the = operator on cbl.recon_accum';
CREATE OPERATOR cbl.= (
  LEFTARG = cbl.recon_accum, RIGHTARG = cbl.recon_accum, FUNCTION = cbl.recon_accum_eq,
  COMMUTATOR = OPERATOR(cbl.=), NEGATOR = OPERATOR(cbl.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
COMMENT ON OPERATOR cbl.= (cbl.recon_accum, cbl.recon_accum) IS 'equal';
CREATE FUNCTION cbl.recon_accum_ne(cbl.recon_accum, cbl.recon_accum) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_recon_accum_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.recon_accum_ne(cbl.recon_accum, cbl.recon_accum) IS 'implementation of the <> operator on cbl.recon_accum';
CREATE OPERATOR cbl.<> (
  LEFTARG = cbl.recon_accum, RIGHTARG = cbl.recon_accum, FUNCTION = cbl.recon_accum_ne,
  COMMUTATOR = OPERATOR(cbl.<>), NEGATOR = OPERATOR(cbl.=),
  RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR cbl.<> (cbl.recon_accum, cbl.recon_accum) IS 'not equal';
CREATE FUNCTION cbl.recon_accum_lt(cbl.recon_accum, cbl.recon_accum) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_recon_accum_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.recon_accum_lt(cbl.recon_accum, cbl.recon_accum) IS 'implementation of the < operator on cbl.recon_accum';
CREATE OPERATOR cbl.< (
  LEFTARG = cbl.recon_accum, RIGHTARG = cbl.recon_accum, FUNCTION = cbl.recon_accum_lt,
  COMMUTATOR = OPERATOR(cbl.>), NEGATOR = OPERATOR(cbl.>=),
  RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
COMMENT ON OPERATOR cbl.< (cbl.recon_accum, cbl.recon_accum) IS 'less than';
CREATE FUNCTION cbl.recon_accum_le(cbl.recon_accum, cbl.recon_accum) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_recon_accum_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.recon_accum_le(cbl.recon_accum, cbl.recon_accum) IS 'implementation of the <= operator on cbl.recon_accum';
CREATE OPERATOR cbl.<= (
  LEFTARG = cbl.recon_accum, RIGHTARG = cbl.recon_accum, FUNCTION = cbl.recon_accum_le,
  COMMUTATOR = OPERATOR(cbl.>=), NEGATOR = OPERATOR(cbl.>),
  RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
COMMENT ON OPERATOR cbl.<= (cbl.recon_accum, cbl.recon_accum) IS 'less than or equal';
CREATE FUNCTION cbl.recon_accum_gt(cbl.recon_accum, cbl.recon_accum) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_recon_accum_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.recon_accum_gt(cbl.recon_accum, cbl.recon_accum) IS 'implementation of the > operator on cbl.recon_accum';
CREATE OPERATOR cbl.> (
  LEFTARG = cbl.recon_accum, RIGHTARG = cbl.recon_accum, FUNCTION = cbl.recon_accum_gt,
  COMMUTATOR = OPERATOR(cbl.<), NEGATOR = OPERATOR(cbl.<=),
  RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
COMMENT ON OPERATOR cbl.> (cbl.recon_accum, cbl.recon_accum) IS 'greater than';
CREATE FUNCTION cbl.recon_accum_ge(cbl.recon_accum, cbl.recon_accum) RETURNS boolean
  AS 'MODULE_PATHNAME', 'cbl_recon_accum_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cbl.recon_accum_ge(cbl.recon_accum, cbl.recon_accum) IS 'implementation of the >= operator on cbl.recon_accum';
CREATE OPERATOR cbl.>= (
  LEFTARG = cbl.recon_accum, RIGHTARG = cbl.recon_accum, FUNCTION = cbl.recon_accum_ge,
  COMMUTATOR = OPERATOR(cbl.<=), NEGATOR = OPERATOR(cbl.<),
  RESTRICT = scalargesel, JOIN = scalargejoinsel
);
COMMENT ON OPERATOR cbl.>= (cbl.recon_accum, cbl.recon_accum) IS 'greater than or equal';
CREATE OPERATOR CLASS cbl.recon_accum_ops
  DEFAULT FOR TYPE cbl.recon_accum USING btree AS
    OPERATOR 1 cbl.<,
    OPERATOR 2 cbl.<=,
    OPERATOR 3 cbl.=,
    OPERATOR 4 cbl.>=,
    OPERATOR 5 cbl.>,
    FUNCTION 1 cbl.recon_accum_cmp(cbl.recon_accum, cbl.recon_accum);
COMMENT ON OPERATOR CLASS cbl.recon_accum_ops USING btree IS 'default btree operator class of cbl.recon_accum';
CREATE OPERATOR CLASS cbl.recon_accum_hash_ops
  DEFAULT FOR TYPE cbl.recon_accum USING hash AS
    OPERATOR 1 cbl.=,
    FUNCTION 1 cbl.recon_accum_hash(cbl.recon_accum),
    FUNCTION 2 cbl.recon_accum_hash_extended(cbl.recon_accum, bigint);
COMMENT ON OPERATOR CLASS cbl.recon_accum_hash_ops USING hash IS 'default hash operator class of cbl.recon_accum';

CREATE TYPE cbl.recon_summary AS (
  currency             text,
  matched              bigint,
  over_billed          bigint,
  under_billed         bigint,
  unexpected           bigint,
  missing              bigint,
  matched_amount       cbl.amount,
  over_billed_amount   cbl.amount,
  under_billed_amount  cbl.amount,
  unexpected_amount    cbl.amount,
  missing_amount       cbl.amount,
  expected_total       cbl.amount,
  invoiced_total       cbl.amount,
  net_variance         cbl.amount
);
COMMENT ON TYPE cbl.recon_summary IS
  'result of cbl.recon_agg: counts per outcome; invoiced amount matched; variance over-billed (positive) and under-billed (negative); invoiced amount unexpected; expected amount missing; expected and invoiced totals; net variance (invoiced minus expected)';

CREATE FUNCTION cbl.recon_accum_add(cbl.recon_accum, cbl.amount, cbl.amount, numeric) RETURNS cbl.recon_accum
  AS 'MODULE_PATHNAME', 'cbl_recon_accum_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cbl.recon_accum_combine(cbl.recon_accum, cbl.recon_accum) RETURNS cbl.recon_accum
  AS 'MODULE_PATHNAME', 'cbl_recon_accum_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cbl.recon_accum_final(cbl.recon_accum) RETURNS cbl.recon_summary
  AS 'MODULE_PATHNAME', 'cbl_recon_accum_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cbl.recon_accum_add(cbl.recon_accum, cbl.amount, cbl.amount, numeric) IS
  'transition function of cbl.recon_agg: classify one (expected, invoiced) pair';
COMMENT ON FUNCTION cbl.recon_accum_combine(cbl.recon_accum, cbl.recon_accum) IS
  'combine function of cbl.recon_agg';
COMMENT ON FUNCTION cbl.recon_accum_final(cbl.recon_accum) IS
  'final function of cbl.recon_agg: the summary, NULL if no row had an amount';

CREATE AGGREGATE cbl.recon_agg(expected cbl.amount, invoiced cbl.amount, tolerance numeric) (
  SFUNC = cbl.recon_accum_add, STYPE = cbl.recon_accum, INITCOND = '(0,0,0,0,0,0,0,0,0,0,0,0,)',
  FINALFUNC = cbl.recon_accum_final, COMBINEFUNC = cbl.recon_accum_combine,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE cbl.recon_agg(cbl.amount, cbl.amount, numeric) IS
  'reconciliation summary of (expected, invoiced) pairs: matched when they differ by at most tolerance (major units, e.g. 0.01), over- or under-billed otherwise, unexpected without expected, missing without invoiced; counts, totals and net variance; one currency (SQLSTATE LG001 otherwise)';

CREATE TABLE cbl.carrier_invoice (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  carrier_id     bigint NOT NULL,
  carrier_kind   text NOT NULL GENERATED ALWAYS AS ('carrier') STORED,
  invoice_no     text NOT NULL CONSTRAINT carrier_invoice_no_check CHECK (invoice_no <> '' AND invoice_no = btrim(invoice_no)),
  invoice_date   date NOT NULL,
  currency       text NOT NULL REFERENCES cbl.currency (code),
  document       jsonb NOT NULL,
  content_hash   text NOT NULL,
  imported_at    timestamptz NOT NULL DEFAULT now(),
  reconciled_at  timestamptz,
  tolerance_abs  cbl.amount,
  tolerance_pct  numeric,
  CONSTRAINT carrier_invoice_carrier_no_key UNIQUE (carrier_id, invoice_no),
  CONSTRAINT carrier_invoice_carrier_fkey FOREIGN KEY (carrier_id, carrier_kind) REFERENCES cbl.party (id, kind)
);
COMMENT ON TABLE cbl.carrier_invoice IS
  'invoices carriers sent, one per carrier and invoice number; import with cbl.import_carrier_invoice(), check with cbl.reconcile_invoice()';
COMMENT ON COLUMN cbl.carrier_invoice.id IS 'invoice id';
COMMENT ON COLUMN cbl.carrier_invoice.carrier_id IS 'party (kind carrier) that sent the invoice';
COMMENT ON COLUMN cbl.carrier_invoice.carrier_kind IS 'always carrier: makes the foreign key check the party''s kind';
COMMENT ON COLUMN cbl.carrier_invoice.invoice_no IS 'the carrier''s invoice number';
COMMENT ON COLUMN cbl.carrier_invoice.invoice_date IS 'date of the invoice';
COMMENT ON COLUMN cbl.carrier_invoice.currency IS 'ISO 4217 currency of the invoice and of every line';
COMMENT ON COLUMN cbl.carrier_invoice.document IS 'the document as imported';
COMMENT ON COLUMN cbl.carrier_invoice.content_hash IS 'digest of the document: a second import with the same digest is the same invoice';
COMMENT ON COLUMN cbl.carrier_invoice.imported_at IS 'when it was imported';
COMMENT ON COLUMN cbl.carrier_invoice.reconciled_at IS 'when it was last reconciled; NULL if never';
COMMENT ON COLUMN cbl.carrier_invoice.tolerance_abs IS 'absolute tolerance of the last reconciliation';
COMMENT ON COLUMN cbl.carrier_invoice.tolerance_pct IS 'tolerance in percent of the expected amount of the last reconciliation';
SELECT pg_catalog.pg_extension_config_dump('cbl.carrier_invoice', '');
SELECT pg_catalog.pg_extension_config_dump('cbl.carrier_invoice_id_seq', '');

CREATE TABLE cbl.carrier_invoice_line (
  invoice_id     bigint NOT NULL REFERENCES cbl.carrier_invoice (id) ON DELETE CASCADE,
  line_no        integer NOT NULL CONSTRAINT carrier_invoice_line_no_check CHECK (line_no >= 1),
  shipment_ref   text NOT NULL,
  shipment_id    bigint REFERENCES cbl.shipment (id),
  fee_code       text NOT NULL,
  amount         cbl.amount NOT NULL,
  reference      text,
  description    text,
  PRIMARY KEY (invoice_id, line_no)
);
CREATE INDEX carrier_invoice_line_shipment_idx ON cbl.carrier_invoice_line (shipment_id) WHERE shipment_id IS NOT NULL;
COMMENT ON INDEX cbl.carrier_invoice_line_shipment_idx IS 'the invoice lines of a shipment';
COMMENT ON TABLE cbl.carrier_invoice_line IS 'the lines of carrier invoices, in the order of the document';
COMMENT ON COLUMN cbl.carrier_invoice_line.invoice_id IS 'invoice';
COMMENT ON COLUMN cbl.carrier_invoice_line.line_no IS 'position of the line in the document, from 1';
COMMENT ON COLUMN cbl.carrier_invoice_line.shipment_ref IS 'the shipment reference the carrier gave (waybill, tracking or booking number ...)';
COMMENT ON COLUMN cbl.carrier_invoice_line.shipment_id IS
  'the shipment that reference names; NULL if it names none or several';
COMMENT ON COLUMN cbl.carrier_invoice_line.fee_code IS 'fee code of the line, as on the invoice (compared with cbl.fee codes)';
COMMENT ON COLUMN cbl.carrier_invoice_line.amount IS 'amount invoiced, in the invoice''s currency';
COMMENT ON COLUMN cbl.carrier_invoice_line.reference IS 'what the line is for within the shipment, e.g. a container number; NULL if none';
COMMENT ON COLUMN cbl.carrier_invoice_line.description IS 'the carrier''s text for the line';
SELECT pg_catalog.pg_extension_config_dump('cbl.carrier_invoice_line', '');

CREATE TABLE cbl.invoice_reconciliation (
  invoice_id     bigint NOT NULL,
  item_no        integer NOT NULL,
  line_no        integer,
  shipment_id    bigint,
  charge_no      bigint,
  fee_code       text NOT NULL,
  reference      text,
  expected       cbl.amount,
  invoiced       cbl.amount,
  variance       cbl.amount NOT NULL,
  tolerance      cbl.amount,
  outcome        text NOT NULL
                 CONSTRAINT invoice_reconciliation_outcome_check
                 CHECK (outcome IN ('matched', 'over_billed', 'under_billed', 'unexpected', 'missing')),
  detail         text,
  reconciled_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (invoice_id, item_no),
  -- No foreign keys: one reconciliation writes a row per line, and a check
  -- per row and key would cost more than the matching.  Only
  -- cbl.reconcile_invoice writes here, from the invoice's lines and
  -- charges; deleting an invoice deletes its results (trigger below).
  CONSTRAINT invoice_reconciliation_sides_check CHECK (
    CASE outcome WHEN 'unexpected' THEN line_no IS NOT NULL AND charge_no IS NULL
                 WHEN 'missing' THEN line_no IS NULL AND charge_no IS NOT NULL
                 ELSE line_no IS NOT NULL AND charge_no IS NOT NULL END)
);
CREATE INDEX invoice_reconciliation_charge_idx ON cbl.invoice_reconciliation (shipment_id, charge_no)
  WHERE charge_no IS NOT NULL;
COMMENT ON INDEX cbl.invoice_reconciliation_charge_idx IS
  'which invoice a charge was matched on (a charge matched on one invoice is not expected on another)';
COMMENT ON TABLE cbl.invoice_reconciliation IS
  'the outcome of the last cbl.reconcile_invoice() of each invoice: one row per invoice line and per expected charge not invoiced';
COMMENT ON COLUMN cbl.invoice_reconciliation.invoice_id IS 'invoice';
COMMENT ON COLUMN cbl.invoice_reconciliation.item_no IS 'numbers the rows of one reconciliation: lines in order, then missing charges';
COMMENT ON COLUMN cbl.invoice_reconciliation.line_no IS 'invoice line; NULL for a missing charge';
COMMENT ON COLUMN cbl.invoice_reconciliation.shipment_id IS 'shipment; NULL for a line whose reference names no single shipment';
COMMENT ON COLUMN cbl.invoice_reconciliation.charge_no IS
  'the payable charge expected (its adjustments count with it); NULL for an unexpected line';
COMMENT ON COLUMN cbl.invoice_reconciliation.fee_code IS 'fee code';
COMMENT ON COLUMN cbl.invoice_reconciliation.reference IS 'the line''s reference, else the charge''s';
COMMENT ON COLUMN cbl.invoice_reconciliation.expected IS
  'the charge with its adjustments, in the invoice''s currency (converted at the accrual date''s rate if need be); NULL if unexpected';
COMMENT ON COLUMN cbl.invoice_reconciliation.invoiced IS 'amount of the line; NULL if missing';
COMMENT ON COLUMN cbl.invoice_reconciliation.variance IS 'invoiced minus expected (a missing side counts as zero)';
COMMENT ON COLUMN cbl.invoice_reconciliation.tolerance IS 'the variance allowed: the greater of the absolute and the percentage tolerance';
COMMENT ON COLUMN cbl.invoice_reconciliation.outcome IS
  'matched (within tolerance), over_billed, under_billed, unexpected (no charge accrued for it) or missing (accrued, not invoiced)';
COMMENT ON COLUMN cbl.invoice_reconciliation.detail IS 'why, in words: an unknown shipment, a reference that differs ...';
COMMENT ON COLUMN cbl.invoice_reconciliation.reconciled_at IS 'when';
SELECT pg_catalog.pg_extension_config_dump('cbl.invoice_reconciliation', '');

CREATE FUNCTION cbl.carrier_invoice_deleted() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  DELETE FROM cbl.invoice_reconciliation r WHERE r.invoice_id = OLD.id;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION cbl.carrier_invoice_deleted() IS
  'trigger of cbl.carrier_invoice: a deleted invoice takes its reconciliation results with it';
REVOKE ALL ON FUNCTION cbl.carrier_invoice_deleted() FROM PUBLIC;
CREATE TRIGGER carrier_invoice_results
  AFTER DELETE ON cbl.carrier_invoice
  FOR EACH ROW EXECUTE FUNCTION cbl.carrier_invoice_deleted();
COMMENT ON TRIGGER carrier_invoice_results ON cbl.carrier_invoice IS
  'deleting an invoice deletes its reconciliation results';

-- References compare without case, spaces or punctuation.
-- (Not STRICT, so that the planner inlines it: a call per row would cost
-- more than the comparison.  NULL gives NULL all the same.)
CREATE FUNCTION cbl.match_reference(reference text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN NULLIF(upper(regexp_replace(reference, '[^A-Za-z0-9]', '', 'g')), '');
COMMENT ON FUNCTION cbl.match_reference(text) IS
  'a reference as reconciliation compares it: upper case, letters and digits only (CSQU 305438-3 = csqu3054383); NULL if none';

CREATE FUNCTION cbl.carrier_invoice_id(carrier text, invoice_no text) RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  result bigint;
BEGIN
  SELECT i.id INTO result
    FROM cbl.carrier_invoice i JOIN cbl.party p ON p.id = i.carrier_id
   WHERE p.code = carrier_invoice_id.carrier AND i.invoice_no = btrim(carrier_invoice_id.invoice_no);
  IF NOT FOUND THEN
    RAISE EXCEPTION 'carrier % has no invoice "%"', carrier, invoice_no
      USING ERRCODE = 'LG020',
            HINT = 'Import it with cbl.import_carrier_invoice().';
  END IF;
  RETURN result;
END $$;
COMMENT ON FUNCTION cbl.carrier_invoice_id(text, text) IS
  'id of a carrier''s invoice by the carrier''s code and the invoice number; SQLSTATE LG020 if there is none';

-- Import an invoice document:
--   {"carrier": "CODE", "invoice_no": "...", "invoice_date": "YYYY-MM-DD", "currency": "EUR",
--    "lines": [{"shipment": "ref", "fee_code": "FRT", "amount": 12.50 | "12.50" | "12.50 EUR",
--               "reference": "container ...", "description": "..."}, ...]}
CREATE FUNCTION cbl.import_carrier_invoice(document jsonb) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_carrier bigint;
  v_ccy text;
  v_date date;
  v_no text;
  v_hash text;
  v_id bigint;
  stored record;
  bad record;
BEGIN
  IF document IS NULL OR jsonb_typeof(document) <> 'object' THEN
    RAISE EXCEPTION 'a carrier invoice is a JSON object, not %', coalesce(jsonb_typeof(document), 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'E.g. {"carrier": "DHL", "invoice_no": "INV-1", "invoice_date": "2026-03-31", "currency": "EUR", "lines": [{"shipment": "S1", "fee_code": "FRT", "amount": 12.50}]}.';
  END IF;
  SELECT k INTO bad FROM unnest(ARRAY['carrier', 'invoice_no', 'invoice_date', 'currency']) k
   WHERE jsonb_typeof(document -> k) IS DISTINCT FROM 'string' OR btrim(document ->> k) = '' LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'the carrier invoice has no "%"', bad.k
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'An invoice has "carrier" (a party code), "invoice_no", "invoice_date" (YYYY-MM-DD), "currency" and "lines", all but lines as strings.';
  END IF;
  IF jsonb_typeof(document -> 'lines') IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION 'the carrier invoice''s "lines" must be an array'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_carrier := cbl.charge_party_id(document ->> 'carrier', 'carrier');
  v_ccy := document ->> 'currency';
  IF NOT EXISTS (SELECT 1 FROM cbl.currency c WHERE c.code = v_ccy) THEN
    RAISE EXCEPTION 'unknown currency "%"', v_ccy
      USING ERRCODE = 'LG002',
            HINT = 'Currency codes are ISO 4217 alphabetic codes such as USD or EUR; table cbl.currency lists them.';
  END IF;
  IF (document ->> 'invoice_date') !~ '^\d{4}-\d{2}-\d{2}$' THEN
    RAISE EXCEPTION 'invoice_date "%" is not a date written YYYY-MM-DD', document ->> 'invoice_date'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  v_date := (document ->> 'invoice_date')::date;
  v_no := btrim(document ->> 'invoice_no');

  -- Every line, checked at once; the first bad one is named.
  SELECT e.n, CASE
           WHEN jsonb_typeof(e.v) <> 'object' THEN 'is not a JSON object'
           WHEN jsonb_typeof(e.v -> 'shipment') IS DISTINCT FROM 'string' OR btrim(e.v ->> 'shipment') = ''
             THEN 'has no "shipment" reference'
           WHEN jsonb_typeof(e.v -> 'fee_code') IS DISTINCT FROM 'string' OR btrim(e.v ->> 'fee_code') = ''
             THEN 'has no "fee_code"'
           WHEN jsonb_typeof(e.v -> 'amount') NOT IN ('number', 'string')
             THEN 'has no "amount" (a number, or a string such as "12.50" or "12.50 EUR")'
           WHEN NOT (e.v ->> 'amount') ~ '^\s*-?\d+(\.\d{1,6})?(\s+[A-Z]{3})?\s*$'
             THEN format('has amount %s, which is not a number with at most six decimals', e.v -> 'amount')
           WHEN (e.v ->> 'amount') ~ '[A-Z]{3}' AND substring(e.v ->> 'amount' FROM '([A-Z]{3})') <> v_ccy
             THEN format('is in %s, not in the invoice''s currency %s', substring(e.v ->> 'amount' FROM '([A-Z]{3})'), v_ccy)
           WHEN (e.v -> 'reference') IS NOT NULL AND jsonb_typeof(e.v -> 'reference') NOT IN ('string', 'null')
             THEN 'has a "reference" that is not a string'
         END AS problem
    INTO bad
    FROM jsonb_array_elements(document -> 'lines') WITH ORDINALITY AS e(v, n)
   WHERE CASE
           WHEN jsonb_typeof(e.v) <> 'object' THEN true
           WHEN jsonb_typeof(e.v -> 'shipment') IS DISTINCT FROM 'string' OR btrim(e.v ->> 'shipment') = '' THEN true
           WHEN jsonb_typeof(e.v -> 'fee_code') IS DISTINCT FROM 'string' OR btrim(e.v ->> 'fee_code') = '' THEN true
           WHEN jsonb_typeof(e.v -> 'amount') NOT IN ('number', 'string') THEN true
           WHEN NOT (e.v ->> 'amount') ~ '^\s*-?\d+(\.\d{1,6})?(\s+[A-Z]{3})?\s*$' THEN true
           WHEN (e.v ->> 'amount') ~ '[A-Z]{3}' AND substring(e.v ->> 'amount' FROM '([A-Z]{3})') <> v_ccy THEN true
           WHEN (e.v -> 'reference') IS NOT NULL AND jsonb_typeof(e.v -> 'reference') NOT IN ('string', 'null') THEN true
           ELSE false
         END
   ORDER BY e.n LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'line % of carrier invoice % %', bad.n, v_no, bad.problem
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'A line is {"shipment": "reference", "fee_code": "FRT", "amount": 12.50, "reference": "container number or NULL", "description": "..."}.';
  END IF;

  -- Idempotent by carrier and number.
  v_hash := md5(document::text);
  INSERT INTO cbl.carrier_invoice AS i (carrier_id, invoice_no, invoice_date, currency, document, content_hash)
  VALUES (v_carrier, v_no, v_date, v_ccy, document, v_hash)
  ON CONFLICT ON CONSTRAINT carrier_invoice_carrier_no_key DO NOTHING
  RETURNING i.id INTO v_id;
  IF v_id IS NULL THEN
    SELECT i.id, i.content_hash, i.imported_at INTO stored
      FROM cbl.carrier_invoice i WHERE i.carrier_id = v_carrier AND i.invoice_no = v_no;
    IF stored.content_hash = v_hash THEN
      RETURN stored.id;
    END IF;
    RAISE EXCEPTION 'carrier % already sent an invoice % with other content', document ->> 'carrier', v_no
      USING ERRCODE = 'LG025',
            DETAIL = format('Invoice %s (id %s) was imported at %s; this document differs from it.', v_no, stored.id, stored.imported_at),
            HINT = 'A corrected invoice needs a number of its own (a credit note and a new invoice); to replace a wrong import, delete it from cbl.carrier_invoice first.';
  END IF;

  -- The lines, with the shipment each reference names (if exactly one).
  INSERT INTO cbl.carrier_invoice_line (invoice_id, line_no, shipment_ref, shipment_id, fee_code, amount,
                                        reference, description)
  SELECT v_id, e.n, btrim(e.v ->> 'shipment'), s.ids[1],
         upper(btrim(e.v ->> 'fee_code')),
         cbl.amount(substring(e.v ->> 'amount' FROM '-?\d+(?:\.\d+)?')::numeric, v_ccy),
         NULLIF(btrim(e.v ->> 'reference'), ''), e.v ->> 'description'
    FROM jsonb_array_elements(document -> 'lines') WITH ORDINALITY AS e(v, n)
    CROSS JOIN LATERAL (
      SELECT CASE WHEN count(DISTINCT l.shipment_id) = 1 THEN array_agg(DISTINCT l.shipment_id) END AS ids
        FROM cbl.reference_lookup l
       WHERE l.value IN (btrim(e.v ->> 'shipment'),
                         CASE WHEN cbl.is_valid_awb(e.v ->> 'shipment') THEN (e.v ->> 'shipment')::cbl.awb::text END,
                         CASE WHEN cbl.is_valid_container_no(e.v ->> 'shipment')
                              THEN (e.v ->> 'shipment')::cbl.container_no::text END,
                         CASE WHEN cbl.is_valid_s10(e.v ->> 'shipment') THEN (e.v ->> 'shipment')::cbl.s10::text END)
         AND l.value = cbl.canonical_reference(l.kind, e.v ->> 'shipment')) s;
  RETURN v_id;
END $$;
COMMENT ON FUNCTION cbl.import_carrier_invoice(jsonb) IS
  'import a carrier invoice ({"carrier", "invoice_no", "invoice_date", "currency", "lines": [{"shipment", "fee_code", "amount", "reference"?, "description"?}]}); idempotent by carrier and number: the same document returns the invoice id, another one is SQLSTATE LG025';
REVOKE ALL ON FUNCTION cbl.import_carrier_invoice(jsonb) FROM PUBLIC;

-- Reconcile an invoice against the payable charges of its carrier on the
-- shipments it names.  Replaces the invoice's earlier results; returns one
-- row per outcome.
CREATE FUNCTION cbl.reconcile_invoice(invoice_id bigint, tolerance_abs cbl.amount DEFAULT NULL,
                                      tolerance_pct numeric DEFAULT 0)
RETURNS TABLE (outcome text, items bigint, expected cbl.amount, invoiced cbl.amount, variance cbl.amount)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  inv cbl.carrier_invoice;
  tz text := cbl.get_setting('billing_time_zone');
  zero cbl.amount;
BEGIN
  SELECT * INTO inv FROM cbl.carrier_invoice i WHERE i.id = reconcile_invoice.invoice_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'there is no carrier invoice %', reconcile_invoice.invoice_id
      USING ERRCODE = 'LG020',
            HINT = 'cbl.carrier_invoice_id(carrier, invoice_no) finds an invoice''s id.';
  END IF;
  zero := cbl.amount(0, inv.currency);
  IF reconcile_invoice.tolerance_abs IS NOT NULL AND cbl.currency(reconcile_invoice.tolerance_abs) <> inv.currency THEN
    RAISE EXCEPTION 'currency mismatch: the tolerance is in %, invoice % in %',
                    cbl.currency(reconcile_invoice.tolerance_abs), inv.invoice_no, inv.currency
      USING ERRCODE = 'LG001';
  END IF;
  IF NOT (coalesce(reconcile_invoice.tolerance_pct, 0) >= 0 AND coalesce(reconcile_invoice.tolerance_pct, 0) < 'Infinity')
     OR reconcile_invoice.tolerance_abs OPERATOR(cbl.<) zero THEN
    RAISE EXCEPTION 'tolerances must not be negative'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  DELETE FROM cbl.invoice_reconciliation r WHERE r.invoice_id = inv.id;

  WITH lines AS (
    SELECT l.line_no, l.shipment_id, l.shipment_ref, l.fee_code, l.reference,
           cbl.match_reference(l.reference) AS nref, l.amount
      FROM cbl.carrier_invoice_line l WHERE l.invoice_id = inv.id
  ), ships AS (
    SELECT DISTINCT l.shipment_id FROM lines l WHERE l.shipment_id IS NOT NULL
  ), expected AS (       -- each payable charge with its adjustments (same fee and
                         -- reference), in the invoice's currency
    SELECT g.shipment_id, g.root AS charge_no, g.fee_code, g.reference, cbl.match_reference(g.reference) AS nref,
           g.amount
      FROM (SELECT c.shipment_id, coalesce(c.adjusts_charge_no, c.charge_no) AS root,
                   min(c.fee_code) AS fee_code,
                   coalesce(min(c.reference) FILTER (WHERE c.adjusts_charge_no IS NULL), min(c.reference)) AS reference,
                   cbl.sum(CASE WHEN cbl.currency(c.amount) = inv.currency THEN c.amount
                                ELSE cbl.convert(c.amount, inv.currency, (c.accrued_at AT TIME ZONE tz)::date) END) AS amount
              FROM ships s
              JOIN cbl.charge c ON c.shipment_id = s.shipment_id
             WHERE c.party_id = inv.carrier_id AND c.direction = 'payable' AND c.voided_at IS NULL
             GROUP BY c.shipment_id, coalesce(c.adjusts_charge_no, c.charge_no)) g
     WHERE g.amount OPERATOR(cbl.<>) zero
       AND NOT EXISTS (SELECT 1 FROM cbl.invoice_reconciliation x
                        WHERE x.shipment_id = g.shipment_id AND x.charge_no = g.root AND x.invoice_id <> inv.id
                          AND x.outcome IN ('matched', 'over_billed', 'under_billed'))
  ), l1 AS (             -- 1. same shipment, fee code and reference, in order of amount
    SELECT l.*,
           CASE WHEN l.shipment_id IS NOT NULL AND l.nref IS NOT NULL
                THEN row_number() OVER (PARTITION BY l.shipment_id, l.fee_code, l.nref ORDER BY l.amount, l.line_no) END AS k
      FROM lines l
  ), e1 AS (
    SELECT e.*,
           CASE WHEN e.nref IS NOT NULL
                THEN row_number() OVER (PARTITION BY e.shipment_id, e.fee_code, e.nref ORDER BY e.amount, e.charge_no) END AS k
      FROM expected e
  ), j1 AS (             -- (full joins only: hash or merge, linear whatever the estimates)
    SELECT l1.line_no, l1.shipment_id AS l_shipment_id, l1.shipment_ref, l1.fee_code AS l_fee_code,
           l1.reference AS l_reference, l1.nref AS l_nref, l1.amount AS l_amount,
           e1.charge_no, e1.shipment_id AS e_shipment_id, e1.fee_code AS e_fee_code,
           e1.reference AS e_reference, e1.nref AS e_nref, e1.amount AS e_amount
      FROM l1 FULL JOIN e1 ON e1.shipment_id = l1.shipment_id AND e1.fee_code = l1.fee_code
                          AND e1.nref = l1.nref AND e1.k = l1.k
  ), l2 AS (             -- 2. what is left: same shipment and fee code, in order of amount
    SELECT j.*,
           CASE WHEN j.l_shipment_id IS NOT NULL
                THEN row_number() OVER (PARTITION BY j.l_shipment_id, j.l_fee_code ORDER BY j.l_amount, j.line_no) END AS k
      FROM j1 j WHERE j.charge_no IS NULL
  ), e2 AS (
    SELECT j.*,
           row_number() OVER (PARTITION BY j.e_shipment_id, j.e_fee_code ORDER BY j.e_amount, j.charge_no) AS k
      FROM j1 j WHERE j.line_no IS NULL
  ), pairs AS (
    SELECT j.line_no, j.l_shipment_id, j.shipment_ref, j.l_fee_code, j.l_reference, j.l_nref, j.l_amount,
           j.charge_no, j.e_shipment_id, j.e_fee_code, j.e_reference, j.e_nref, j.e_amount
      FROM j1 j WHERE j.line_no IS NOT NULL AND j.charge_no IS NOT NULL
    UNION ALL
    SELECT l2.line_no, l2.l_shipment_id, l2.shipment_ref, l2.l_fee_code, l2.l_reference, l2.l_nref, l2.l_amount,
           e2.charge_no, e2.e_shipment_id, e2.e_fee_code, e2.e_reference, e2.e_nref, e2.e_amount
      FROM l2 FULL JOIN e2 ON e2.e_shipment_id = l2.l_shipment_id AND e2.e_fee_code = l2.l_fee_code AND e2.k = l2.k
  ), items AS (
    SELECT p.line_no, coalesce(p.l_shipment_id, p.e_shipment_id) AS shipment_id, p.charge_no,
           coalesce(p.l_fee_code, p.e_fee_code) AS fee_code, coalesce(p.l_reference, p.e_reference) AS reference,
           p.e_amount AS expected, p.l_amount AS invoiced,
           coalesce(p.l_amount, zero) OPERATOR(cbl.-) coalesce(p.e_amount, zero) AS variance,
           CASE WHEN p.line_no IS NOT NULL AND p.charge_no IS NOT NULL THEN
             CASE WHEN coalesce(reconcile_invoice.tolerance_abs, zero)
                       OPERATOR(cbl.>=) (cbl.abs(p.e_amount) OPERATOR(cbl.*) (coalesce(reconcile_invoice.tolerance_pct, 0) / 100))
                  THEN coalesce(reconcile_invoice.tolerance_abs, zero)
                  ELSE cbl.abs(p.e_amount) OPERATOR(cbl.*) (coalesce(reconcile_invoice.tolerance_pct, 0) / 100) END
           END AS tolerance,
           p.shipment_ref, p.l_nref AS line_nref, p.e_nref AS charge_nref, p.l_reference AS line_reference,
           p.e_reference AS charge_reference
      FROM pairs p
  )
  INSERT INTO cbl.invoice_reconciliation (invoice_id, item_no, line_no, shipment_id, charge_no, fee_code, reference,
                                          expected, invoiced, variance, tolerance, outcome, detail)
  SELECT inv.id,
         row_number() OVER (ORDER BY i.line_no NULLS LAST, i.shipment_id, i.charge_no),
         i.line_no, i.shipment_id, i.charge_no, i.fee_code, i.reference, i.expected, i.invoiced, i.variance,
         i.tolerance,
         CASE WHEN i.charge_no IS NULL THEN 'unexpected'
              WHEN i.line_no IS NULL THEN 'missing'
              WHEN cbl.abs(i.variance) OPERATOR(cbl.<=) i.tolerance THEN 'matched'
              WHEN i.variance OPERATOR(cbl.>) zero THEN 'over_billed'
              ELSE 'under_billed' END,
         CASE WHEN i.charge_no IS NULL AND i.shipment_id IS NULL
                THEN format('no single shipment has the reference %s', i.shipment_ref)
              WHEN i.charge_no IS NULL
                THEN format('no payable %s charge of the carrier on this shipment is left to match', i.fee_code)
              WHEN i.line_no IS NULL
                THEN 'accrued, not on the invoice'
              WHEN i.line_nref <> i.charge_nref
                THEN format('the invoice names %s, the charge %s', i.line_reference, i.charge_reference)
         END
    FROM items i;

  UPDATE cbl.carrier_invoice i
     SET reconciled_at = now(), tolerance_abs = reconcile_invoice.tolerance_abs,
         tolerance_pct = coalesce(reconcile_invoice.tolerance_pct, 0)
   WHERE i.id = inv.id;

  RETURN QUERY
  SELECT o.outcome, count(r.item_no),
         coalesce(cbl.sum(r.expected), zero), coalesce(cbl.sum(r.invoiced), zero), coalesce(cbl.sum(r.variance), zero)
    FROM unnest(ARRAY['matched', 'over_billed', 'under_billed', 'unexpected', 'missing']) WITH ORDINALITY AS o(outcome, n)
    LEFT JOIN cbl.invoice_reconciliation r ON r.invoice_id = inv.id AND r.outcome = o.outcome
   GROUP BY o.outcome, o.n
   ORDER BY o.n;
END $$;
COMMENT ON FUNCTION cbl.reconcile_invoice(bigint, cbl.amount, numeric) IS
  'reconcile a carrier invoice against the payable charges of its carrier on the shipments it names: each line and charge paired at most once (same reference first, then by amount), recorded in cbl.invoice_reconciliation as matched, over_billed, under_billed, unexpected or missing; tolerance is the greater of tolerance_abs and tolerance_pct percent of the expected amount; replaces earlier results; returns counts and totals per outcome';
REVOKE ALL ON FUNCTION cbl.reconcile_invoice(bigint, cbl.amount, numeric) FROM PUBLIC;
