-- Access: cbl's roles, partner logins mapped to parties, row-level security,
-- and what PUBLIC may do (docs/security.md).
--
-- The install script creates no role (roles are cluster-wide and outlive
-- the extension).  cbl.setup_roles() creates the six roles, grants them what
-- cbl.role_grants() lists, and calls cbl.setup_row_security(), which turns
-- row-level security on and writes the policies.  Policies on an
-- extension's tables are not in pg_dump's output, so they are written again
-- whenever cbl is installed into a cluster where the roles already exist
-- (the end of this file): a restored database has them back at once.
--
-- Speed: the table owner (who installed cbl, and as whom ingest runs)
-- bypasses row-level security; staff roles see every row through policies
-- USING (true), which the planner drops; a partner's policy compares an
-- indexed column with the login's party ids (or its shipment ids), which a
-- SECURITY DEFINER helper computes once per statement.

-- ---------------------------------------------------------------------------
-- What PUBLIC keeps: the schema, the types, the functions that only compute,
-- and reference data (currencies, countries, milestones and frameworks,
-- exchange rates, Incoterms, tariffs and import rules).  Rate cards are
-- prices, sell and buy: only cbl's staff roles read them.
REVOKE SELECT ON cbl.rate_card FROM PUBLIC;

-- Views run with the privileges and row-level security of the caller, so a
-- partner reading a view sees its own rows only.  (Every view of the schema
-- so far, including those of later concerns; sql/catalog.sql checks none is
-- left out.)
DO $$
DECLARE
  v record;
BEGIN
  FOR v IN SELECT n.nspname, c.relname
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'cbl' AND c.relkind = 'v'
            ORDER BY c.relname LOOP
    EXECUTE pg_catalog.format('ALTER VIEW %I.%I SET (security_invoker = true)', v.nspname, v.relname);
  END LOOP;
END $$;

-- Ingest runs as the owner of cbl: a role that may ingest needs EXECUTE and
-- nothing else (no rights on the event tables, nor on the charges billing
-- triggers accrue).  Their search path is pinned, pg_temp last.
ALTER FUNCTION cbl.ingest_events(jsonb) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION cbl.ingest_events(text) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION cbl.ingest_events(text, text, text, timestamptz) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION cbl.upsert_event(text, text, text, text, text, timestamptz, timestamptz, text, text, boolean, jsonb)
  SECURITY DEFINER;

-- ---------------------------------------------------------------------------
-- Partner logins and the parties they speak for.
CREATE TABLE cbl.login_party (
  login       name NOT NULL CONSTRAINT login_party_login_check CHECK (login <> ''),
  party_id    bigint NOT NULL,
  party_kind  text NOT NULL CONSTRAINT login_party_kind_check CHECK (party_kind IN ('customer', 'agent')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (login, party_id),
  CONSTRAINT login_party_party_fkey FOREIGN KEY (party_id, party_kind)
    REFERENCES cbl.party (id, kind) ON DELETE CASCADE
);
CREATE INDEX login_party_party_id_idx ON cbl.login_party (party_id);
COMMENT ON INDEX cbl.login_party_party_id_idx IS 'the foreign key to cbl.party';
COMMENT ON TABLE cbl.login_party IS
  'partner logins (members of cbl_partner) and the customer or agent parties whose rows they see; edit with cbl.map_login() and cbl.unmap_login()';
COMMENT ON COLUMN cbl.login_party.login IS 'the role name of the login, as current_user gives it';
COMMENT ON COLUMN cbl.login_party.party_id IS 'party (a customer or an agent) the login speaks for';
COMMENT ON COLUMN cbl.login_party.party_kind IS 'customer (sees its shipments) or agent (sees the shipments it brought)';
COMMENT ON COLUMN cbl.login_party.created_at IS 'when the login was mapped';
SELECT pg_catalog.pg_extension_config_dump('cbl.login_party', '');

-- The party ids of a login, for the partner policies.  SECURITY DEFINER, so
-- partners need no right on cbl.login_party; a login may ask only about
-- itself or a role its session may become (SET ROLE), so nobody learns
-- another login's parties.  Called as (SELECT cbl.login_party_ids()) in the
-- policies: once per statement.
CREATE FUNCTION cbl.login_party_ids(login name DEFAULT current_user) RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(array_agg(lp.party_id ORDER BY lp.party_id), '{}')
    FROM cbl.login_party lp
   WHERE lp.login = $1
     AND CASE WHEN $1 = session_user THEN true
              WHEN NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = $1) THEN false
              ELSE pg_catalog.pg_has_role(session_user, $1, 'MEMBER') END
$$;
COMMENT ON FUNCTION cbl.login_party_ids(name) IS
  'ids of the parties a login (the current user by default) speaks for, from cbl.login_party; empty for a login the session cannot become; used by the partner policies';
REVOKE ALL ON FUNCTION cbl.login_party_ids(name) FROM PUBLIC;

CREATE FUNCTION cbl.map_login(login name, party_kind text, party_code text) RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_party bigint;
  added boolean;
BEGIN
  IF login IS NULL OR party_kind IS NULL OR party_code IS NULL THEN
    RAISE EXCEPTION 'a login, a kind of party and a party code must not be null'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF party_kind NOT IN ('customer', 'agent') THEN
    RAISE EXCEPTION 'a partner login speaks for a customer or an agent, not for a %', party_kind
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Staff logins do not need a party: grant them cbl_operator, cbl_finance, cbl_reader or cbl_admin.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = map_login.login) THEN
    RAISE EXCEPTION 'role "%" does not exist', login
      USING ERRCODE = 'undefined_object',
            HINT = format('Create it first: CREATE ROLE %I LOGIN; GRANT cbl_partner TO %I;', login, login);
  END IF;
  v_party := cbl.party_id(party_kind, party_code);
  INSERT INTO cbl.login_party AS lp (login, party_id, party_kind)
  VALUES (map_login.login, v_party, map_login.party_kind)
  ON CONFLICT DO NOTHING
  RETURNING true INTO added;
  IF EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = 'cbl_partner')
     AND NOT pg_has_role(map_login.login, 'cbl_partner', 'MEMBER') THEN
    RAISE NOTICE 'role % is not a member of cbl_partner: it reads nothing until it is', login
      USING HINT = format('GRANT cbl_partner TO %I;', login);
  END IF;
  RETURN CASE WHEN coalesce(added, false) THEN 'added' ELSE 'unchanged' END;
END $$;
COMMENT ON FUNCTION cbl.map_login(name, text, text) IS
  'let a partner login see the rows of a customer or agent party (by kind and code); idempotent: returns added or unchanged; the login also needs membership in cbl_partner';
REVOKE ALL ON FUNCTION cbl.map_login(name, text, text) FROM PUBLIC;

CREATE FUNCTION cbl.unmap_login(login name, party_kind text DEFAULT NULL, party_code text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  n bigint;
BEGIN
  IF login IS NULL OR (party_kind IS NULL) <> (party_code IS NULL) THEN
    RAISE EXCEPTION 'give a login, and either both the kind and the code of a party or neither'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  WITH gone AS (
    DELETE FROM cbl.login_party lp
     WHERE lp.login = unmap_login.login
       AND (unmap_login.party_kind IS NULL
            OR lp.party_id = cbl.party_id(unmap_login.party_kind, unmap_login.party_code))
    RETURNING 1
  )
  SELECT count(*) INTO n FROM gone;
  RETURN n;
END $$;
COMMENT ON FUNCTION cbl.unmap_login(name, text, text) IS
  'stop a login seeing a party''s rows (or every party''s, without kind and code); returns how many mappings were removed';
REVOKE ALL ON FUNCTION cbl.unmap_login(name, text, text) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- The roles.
CREATE FUNCTION cbl.roles() RETURNS TABLE (role name, description text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT r.role::name, r.description FROM (VALUES
    ('cbl_admin',       'cbl: administers cbl: every table and function of schema cbl, settings, code maps, frameworks, login mappings'),
    ('cbl_operator',    'cbl: operations: creates shipments and their references, ingests events, scans exceptions; reads shipments, events, states and exceptions'),
    ('cbl_finance',     'cbl: finance: charges, rate cards, exchange rates, carrier invoices, reconciliation and settlement; reads shipments'),
    ('cbl_integration', 'cbl: integrations: calls the ingest functions only; reads nothing'),
    ('cbl_reader',      'cbl: BI tools: reads the views cbl.v_* (and only the columns of the tables they show)'),
    ('cbl_partner',     'cbl: customers and agents: read their own shipments, events, exceptions and statements (row-level security; map each login with cbl.map_login())')
  ) AS r(role, description)
$$;
COMMENT ON FUNCTION cbl.roles() IS
  'the roles cbl.setup_roles() creates, and what each is for (docs/security.md)';

-- What each role is granted beyond the defaults: objects that are not
-- installed (yet) are skipped, so the list may name objects of concerns
-- that come later.  cbl_admin gets every table and function of the schema
-- and cbl_reader every view cbl.v_* without being listed here.
CREATE FUNCTION cbl.role_grants()
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
COMMENT ON FUNCTION cbl.role_grants() IS
  'the privileges cbl.setup_roles() grants each role (objects not installed are skipped); cbl_admin also gets every table and function of schema cbl, cbl_reader every view cbl.v_* and the columns those views read';

-- ---------------------------------------------------------------------------
-- Row-level security and the policies.  Static SQL: the role names are
-- fixed, and the roles exist when this runs (cbl.setup_roles(), or an
-- install into a cluster that has them).
CREATE FUNCTION cbl.setup_row_security() RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning   -- not the notices of DROP POLICY IF EXISTS
AS $$
BEGIN
  -- Shipments: a customer's, and those an agent brought.
  ALTER TABLE cbl.shipment ENABLE ROW LEVEL SECURITY;
  DROP POLICY IF EXISTS cbl_staff_all ON cbl.shipment;
  CREATE POLICY cbl_staff_all ON cbl.shipment TO cbl_admin, cbl_operator, cbl_finance, cbl_reader
    USING (true) WITH CHECK (true);
  DROP POLICY IF EXISTS cbl_partner_own ON cbl.shipment;
  CREATE POLICY cbl_partner_own ON cbl.shipment FOR SELECT TO cbl_partner
    USING (customer_id = ANY ((SELECT cbl.login_party_ids())::bigint[]) OR agent_id = ANY ((SELECT cbl.login_party_ids())::bigint[]));

  -- Shipment-keyed tables: the shipment ids of the login's parties, computed
  -- once per statement (an InitPlan), then an index scan on shipment_id.
  ALTER TABLE cbl.shipment_reference ENABLE ROW LEVEL SECURITY;
  DROP POLICY IF EXISTS cbl_staff_all ON cbl.shipment_reference;
  CREATE POLICY cbl_staff_all ON cbl.shipment_reference TO cbl_admin, cbl_operator, cbl_finance, cbl_reader
    USING (true) WITH CHECK (true);
  DROP POLICY IF EXISTS cbl_partner_own ON cbl.shipment_reference;
  CREATE POLICY cbl_partner_own ON cbl.shipment_reference FOR SELECT TO cbl_partner
    USING (shipment_id = ANY (ARRAY(SELECT s.id FROM cbl.shipment s
                                     WHERE s.customer_id = ANY ((SELECT cbl.login_party_ids())::bigint[])
                                        OR s.agent_id = ANY ((SELECT cbl.login_party_ids())::bigint[]))));

  ALTER TABLE cbl.reference_lookup ENABLE ROW LEVEL SECURITY;
  DROP POLICY IF EXISTS cbl_staff_all ON cbl.reference_lookup;
  CREATE POLICY cbl_staff_all ON cbl.reference_lookup TO cbl_admin, cbl_operator, cbl_finance, cbl_reader
    USING (true) WITH CHECK (true);
  DROP POLICY IF EXISTS cbl_partner_own ON cbl.reference_lookup;
  CREATE POLICY cbl_partner_own ON cbl.reference_lookup FOR SELECT TO cbl_partner
    USING (shipment_id = ANY (ARRAY(SELECT s.id FROM cbl.shipment s
                                     WHERE s.customer_id = ANY ((SELECT cbl.login_party_ids())::bigint[])
                                        OR s.agent_id = ANY ((SELECT cbl.login_party_ids())::bigint[]))));

  ALTER TABLE cbl.event ENABLE ROW LEVEL SECURITY;
  DROP POLICY IF EXISTS cbl_staff_all ON cbl.event;
  CREATE POLICY cbl_staff_all ON cbl.event TO cbl_admin, cbl_operator, cbl_finance, cbl_reader
    USING (true) WITH CHECK (true);
  DROP POLICY IF EXISTS cbl_partner_own ON cbl.event;
  CREATE POLICY cbl_partner_own ON cbl.event FOR SELECT TO cbl_partner
    USING (shipment_id = ANY (ARRAY(SELECT s.id FROM cbl.shipment s
                                     WHERE s.customer_id = ANY ((SELECT cbl.login_party_ids())::bigint[])
                                        OR s.agent_id = ANY ((SELECT cbl.login_party_ids())::bigint[]))));

  ALTER TABLE cbl.shipment_state ENABLE ROW LEVEL SECURITY;
  DROP POLICY IF EXISTS cbl_staff_all ON cbl.shipment_state;
  CREATE POLICY cbl_staff_all ON cbl.shipment_state TO cbl_admin, cbl_operator, cbl_finance, cbl_reader
    USING (true) WITH CHECK (true);
  DROP POLICY IF EXISTS cbl_partner_own ON cbl.shipment_state;
  CREATE POLICY cbl_partner_own ON cbl.shipment_state FOR SELECT TO cbl_partner
    USING (shipment_id = ANY (ARRAY(SELECT s.id FROM cbl.shipment s
                                     WHERE s.customer_id = ANY ((SELECT cbl.login_party_ids())::bigint[])
                                        OR s.agent_id = ANY ((SELECT cbl.login_party_ids())::bigint[]))));

  ALTER TABLE cbl.exception ENABLE ROW LEVEL SECURITY;
  DROP POLICY IF EXISTS cbl_staff_all ON cbl.exception;
  CREATE POLICY cbl_staff_all ON cbl.exception TO cbl_admin, cbl_operator, cbl_finance, cbl_reader
    USING (true) WITH CHECK (true);
  DROP POLICY IF EXISTS cbl_partner_own ON cbl.exception;
  CREATE POLICY cbl_partner_own ON cbl.exception FOR SELECT TO cbl_partner
    USING (shipment_id = ANY (ARRAY(SELECT s.id FROM cbl.shipment s
                                     WHERE s.customer_id = ANY ((SELECT cbl.login_party_ids())::bigint[])
                                        OR s.agent_id = ANY ((SELECT cbl.login_party_ids())::bigint[]))));

  -- Parties: the login's own, and those on its shipments (its customers or
  -- its agent, the carriers); never the list of everyone's customers.
  ALTER TABLE cbl.party ENABLE ROW LEVEL SECURITY;
  DROP POLICY IF EXISTS cbl_staff_all ON cbl.party;
  CREATE POLICY cbl_staff_all ON cbl.party TO cbl_admin, cbl_operator, cbl_finance, cbl_reader
    USING (true) WITH CHECK (true);
  DROP POLICY IF EXISTS cbl_partner_own ON cbl.party;
  CREATE POLICY cbl_partner_own ON cbl.party FOR SELECT TO cbl_partner
    USING (id = ANY ((SELECT cbl.login_party_ids())::bigint[])
           OR id = ANY (ARRAY(SELECT DISTINCT p.id
                                FROM cbl.shipment s
                                CROSS JOIN LATERAL (VALUES (s.customer_id), (s.carrier_id), (s.agent_id)) p(id)
                               WHERE (s.customer_id = ANY ((SELECT cbl.login_party_ids())::bigint[])
                                      OR s.agent_id = ANY ((SELECT cbl.login_party_ids())::bigint[]))
                                 AND p.id IS NOT NULL)));

  -- ======================================================================
  -- MONEY FLOW (84-89): enabled when those tables are installed.  A partner
  -- sees the charges billed to it (a customer) or owed to it (an agent's
  -- commission), never a shipment's other charges (the carrier's costs, the
  -- margin); and its own statements.  cbl.charge is as the charges concern
  -- defines it; statements and their lines both carry the party id (the key
  -- they are distributed by), so each policy is one indexable comparison.
  -- ======================================================================
  IF to_regclass('cbl.charge') IS NOT NULL THEN
    ALTER TABLE cbl.charge ENABLE ROW LEVEL SECURITY;
    DROP POLICY IF EXISTS cbl_staff_all ON cbl.charge;
    CREATE POLICY cbl_staff_all ON cbl.charge TO cbl_admin, cbl_operator, cbl_finance, cbl_reader
      USING (true) WITH CHECK (true);
    DROP POLICY IF EXISTS cbl_partner_own ON cbl.charge;
    CREATE POLICY cbl_partner_own ON cbl.charge FOR SELECT TO cbl_partner
      USING (party_id = ANY ((SELECT cbl.login_party_ids())::bigint[]));
  END IF;
  IF to_regclass('cbl.statement') IS NOT NULL THEN
    ALTER TABLE cbl.statement ENABLE ROW LEVEL SECURITY;
    DROP POLICY IF EXISTS cbl_staff_all ON cbl.statement;
    CREATE POLICY cbl_staff_all ON cbl.statement TO cbl_admin, cbl_operator, cbl_finance, cbl_reader
      USING (true) WITH CHECK (true);
    DROP POLICY IF EXISTS cbl_partner_own ON cbl.statement;
    CREATE POLICY cbl_partner_own ON cbl.statement FOR SELECT TO cbl_partner
      USING (party_id = ANY ((SELECT cbl.login_party_ids())::bigint[]));
  END IF;
  IF to_regclass('cbl.statement_line') IS NOT NULL THEN
    ALTER TABLE cbl.statement_line ENABLE ROW LEVEL SECURITY;
    DROP POLICY IF EXISTS cbl_staff_all ON cbl.statement_line;
    CREATE POLICY cbl_staff_all ON cbl.statement_line TO cbl_admin, cbl_operator, cbl_finance, cbl_reader
      USING (true) WITH CHECK (true);
    DROP POLICY IF EXISTS cbl_partner_own ON cbl.statement_line;
    CREATE POLICY cbl_partner_own ON cbl.statement_line FOR SELECT TO cbl_partner
      USING (party_id = ANY ((SELECT cbl.login_party_ids())::bigint[]));
  END IF;
  IF to_regclass('cbl.settlement_mark') IS NOT NULL THEN
    ALTER TABLE cbl.settlement_mark ENABLE ROW LEVEL SECURITY;
    DROP POLICY IF EXISTS cbl_staff_all ON cbl.settlement_mark;
    CREATE POLICY cbl_staff_all ON cbl.settlement_mark TO cbl_admin, cbl_operator, cbl_finance, cbl_reader
      USING (true) WITH CHECK (true);
    DROP POLICY IF EXISTS cbl_partner_own ON cbl.settlement_mark;
    CREATE POLICY cbl_partner_own ON cbl.settlement_mark FOR SELECT TO cbl_partner
      USING (party_id = ANY ((SELECT cbl.login_party_ids())::bigint[]));
  END IF;
END $$;
COMMENT ON FUNCTION cbl.setup_row_security() IS
  'turn row-level security on for shipments, references, events, states, exceptions and parties (and charges and statements when installed) and write their policies: staff roles see every row, partner logins their parties'' rows; idempotent; called by cbl.setup_roles()';
REVOKE ALL ON FUNCTION cbl.setup_row_security() FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- The documented set-up: run once by a superuser (or a role with CREATEROLE
-- that owns cbl's tables), again after an upgrade or when new concerns are
-- installed; it changes nothing the second time.
CREATE FUNCTION cbl.setup_roles() RETURNS TABLE (action text, object text, role name)
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
COMMENT ON FUNCTION cbl.setup_roles() IS
  'create cbl''s roles (NOLOGIN: cbl_admin, cbl_operator, cbl_finance, cbl_integration, cbl_reader, cbl_partner) where missing, grant them what cbl.role_grants() lists, and set up row-level security; idempotent; returns the roles created and the listed objects skipped because they are not installed';
REVOKE ALL ON FUNCTION cbl.setup_roles() FROM PUBLIC;

-- Installed into a cluster that has the roles (a restore, a reinstall):
-- the policies come back at once, since pg_dump does not keep them.
DO $$
BEGIN
  IF (SELECT count(*) FROM pg_catalog.pg_roles r JOIN cbl.roles() c ON c.role OPERATOR(pg_catalog.=) r.rolname)
     OPERATOR(pg_catalog.=) (SELECT count(*) FROM cbl.roles()) THEN
    PERFORM cbl.setup_row_security();
  END IF;
END $$;
