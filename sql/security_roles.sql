-- cbl's roles and row-level security (docs/security.md): cbl.setup_roles(),
-- partner logins mapped to parties, and every role trying to read and write
-- what it must not.  Roles are cluster-wide: this test creates cbl's roles
-- and the logins it needs, and drops them all at the end.  Its shipments
-- are SEC-1 .. SEC-4 (other tests' rows may share the database).
SET timezone = 'UTC';

-- Nothing before the set-up: no role, no row-level security.
SELECT count(*) AS cbl_roles FROM pg_roles WHERE rolname LIKE 'cbl\_%';
SELECT count(*) AS tables_with_rls FROM pg_class WHERE relnamespace = 'cbl'::regnamespace AND relrowsecurity;

-- The set-up creates the six roles, NOLOGIN, and reports the listed
-- objects it skipped because they are not installed (yet).
SELECT * FROM cbl.setup_roles();
SELECT r.rolname, r.rolcanlogin, r.rolsuper, r.rolinherit, r.rolbypassrls,
       shobj_description(r.oid, 'pg_authid') AS comment
  FROM pg_roles r JOIN cbl.roles() c ON c.role = r.rolname ORDER BY 1;
-- Row-level security is on for the tables partners read.
SELECT c.oid::regclass AS rls_table, c.relforcerowsecurity AS forced,
       array_agg(p.polname || ':' || p.polcmd::text || ':' || p.polroles::regrole[]::text ORDER BY p.polname) AS policies
  FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid
 WHERE c.relnamespace = 'cbl'::regnamespace AND c.relrowsecurity
 GROUP BY c.oid ORDER BY c.oid::regclass::text;
-- Staff policies are USING (true); a partner's compares indexed columns
-- with the login's parties, computed once per statement.
SELECT polrelid::regclass AS relation, pg_get_expr(polqual, polrelid) AS partner_sees
  FROM pg_policy WHERE polname = 'cbl_partner_own' AND polrelid IN ('cbl.shipment'::regclass, 'cbl.event'::regclass)
 ORDER BY polrelid::regclass::text;
SELECT DISTINCT pg_get_expr(polqual, polrelid) AS staff_sees, pg_get_expr(polwithcheck, polrelid) AS staff_writes
  FROM pg_policy WHERE polname = 'cbl_staff_all';

-- Idempotent: a second run creates nothing and changes no privilege or policy.
\set snapshot 'SELECT md5(string_agg(x, E''\n'' ORDER BY x)) FROM (SELECT c.oid::regclass::text || coalesce(c.relacl::text, '''') || c.relrowsecurity FROM pg_class c WHERE c.relnamespace = ''cbl''::regnamespace UNION ALL SELECT a.attrelid::regclass::text || a.attname || a.attacl::text FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = ''cbl''::regnamespace AND a.attacl IS NOT NULL UNION ALL SELECT p.oid::regprocedure::text || coalesce(p.proacl::text, '''') FROM pg_proc p WHERE p.pronamespace = ''cbl''::regnamespace UNION ALL SELECT p.polrelid::regclass::text || p.polname || p.polcmd::text || p.polroles::regrole[]::text || coalesce(pg_get_expr(p.polqual, p.polrelid), '''') || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '''') FROM pg_policy p) s(x)'
SELECT (:snapshot) AS first_run \gset
SELECT count(*) FILTER (WHERE action = 'created role') AS created, count(*) AS rows FROM cbl.setup_roles();
SELECT (:snapshot) AS second_run \gset
SELECT :'first_run' = :'second_run' AS nothing_changed;

-- What each role holds on tables and views, at table level (column-level
-- grants of cbl_reader are below).
SELECT r.role, string_agg(c.relname || '(' || p.privs || ')', ' ' ORDER BY c.relname) AS tables
  FROM cbl.roles() r
  CROSS JOIN pg_class c
  CROSS JOIN LATERAL (
    SELECT string_agg(left(x.p, 1), '' ORDER BY x.o) AS privs
      FROM (VALUES (1, 'SELECT'), (2, 'INSERT'), (3, 'UPDATE'), (4, 'DELETE')) x(o, p)
     WHERE has_table_privilege(r.role, c.oid, x.p)) p
 WHERE c.relnamespace = 'cbl'::regnamespace AND c.relkind IN ('r', 'p', 'v') AND p.privs IS NOT NULL
   AND NOT has_table_privilege('public', c.oid, 'SELECT')
   AND r.role <> 'cbl_admin'
 GROUP BY r.role ORDER BY 1;
-- cbl_admin reads and writes every table, and calls every function.
SELECT count(*) AS tables_admin_cannot_write FROM pg_class c
 WHERE c.relnamespace = 'cbl'::regnamespace AND c.relkind = 'r'
   AND NOT (has_table_privilege('cbl_admin', c.oid, 'SELECT') AND has_table_privilege('cbl_admin', c.oid, 'INSERT')
            AND has_table_privilege('cbl_admin', c.oid, 'UPDATE') AND has_table_privilege('cbl_admin', c.oid, 'DELETE'));
SELECT count(*) AS functions_admin_cannot_call FROM pg_proc p
 WHERE p.pronamespace = 'cbl'::regnamespace AND NOT has_function_privilege('cbl_admin', p.oid, 'EXECUTE');
-- The functions each role may call that PUBLIC may not.
SELECT r.role, string_agg(p.proname, ' ' ORDER BY p.proname, p.oid) AS functions
  FROM cbl.roles() r
  JOIN pg_proc p ON p.pronamespace = 'cbl'::regnamespace
 WHERE has_function_privilege(r.role, p.oid, 'EXECUTE') AND NOT has_function_privilege('public', p.oid, 'EXECUTE')
   AND r.role <> 'cbl_admin'
 GROUP BY r.role ORDER BY 1;

-- Logins: three partners and one without a party, one of each staff role,
-- and one that holds nothing.
CREATE ROLE regress_cbl_acme;
CREATE ROLE regress_cbl_bolt;
CREATE ROLE regress_cbl_agent;
CREATE ROLE regress_cbl_unmapped;
CREATE ROLE regress_cbl_ops;
CREATE ROLE regress_cbl_feed;
CREATE ROLE regress_cbl_bi;
CREATE ROLE regress_cbl_fin;
CREATE ROLE regress_cbl_admin;
CREATE ROLE regress_cbl_nobody;
GRANT cbl_partner TO regress_cbl_acme, regress_cbl_bolt, regress_cbl_agent, regress_cbl_unmapped;
GRANT cbl_operator TO regress_cbl_ops;
GRANT cbl_integration TO regress_cbl_feed;
GRANT cbl_reader TO regress_cbl_bi;
GRANT cbl_finance TO regress_cbl_fin;
GRANT cbl_admin TO regress_cbl_admin;

-- The admin adds parties and maps the partner logins.
SET ROLE regress_cbl_admin;
INSERT INTO cbl.party (kind, code, name) VALUES
  ('customer', 'SEC_ACME', 'Acme Trading'), ('customer', 'SEC_BOLT', 'Bolt Retail'),
  ('agent', 'SEC_AGENT', 'Channel Partner Ltd'),
  ('carrier', 'SEC_FAST', 'Fast Air'), ('carrier', 'SEC_SLOW', 'Slow Boat');
INSERT INTO cbl.source (code, name) VALUES ('sec_feed', 'security test feed');
SELECT cbl.map_login('regress_cbl_acme', 'customer', 'SEC_ACME');
SELECT cbl.map_login('regress_cbl_acme', 'customer', 'SEC_ACME');
SELECT cbl.map_login('regress_cbl_bolt', 'customer', 'SEC_BOLT');
SELECT cbl.map_login('regress_cbl_agent', 'agent', 'SEC_AGENT');
-- A login outside cbl_partner is mapped, with a notice that it reads nothing yet.
SELECT cbl.map_login('regress_cbl_nobody', 'customer', 'SEC_BOLT');
SELECT cbl.unmap_login('regress_cbl_nobody');
-- Partners are customers or agents; the role and the party must exist.
SELECT cbl.map_login('regress_cbl_acme', 'carrier', 'SEC_FAST');
SELECT cbl.map_login('regress_cbl_ghost', 'customer', 'SEC_ACME');
SELECT cbl.map_login('regress_cbl_acme', 'customer', 'SEC_NOBODY');
SELECT cbl.map_login('regress_cbl_acme', 'agent', 'SEC_ACME');
SELECT l.login, p.code, l.party_kind FROM cbl.login_party l JOIN cbl.party p ON p.id = l.party_id ORDER BY 1, 2;
RESET ROLE;

-- The operator creates shipments (SEC-1 and SEC-3 brought by the agent).
SET ROLE regress_cbl_ops;
SELECT cbl.create_shipment('SEC-1', 'express_parcel', 'SEC_ACME', 'SEC_FAST', 'SEC_AGENT', refs => '{"tracking": "TRK-SEC-1"}') AS s1 \gset
SELECT cbl.create_shipment('SEC-2', 'express_parcel', 'SEC_ACME', 'SEC_SLOW', refs => '{"tracking": "TRK-SEC-2"}') AS s2 \gset
SELECT cbl.create_shipment('SEC-3', 'express_parcel', 'SEC_BOLT', 'SEC_FAST', 'SEC_AGENT', refs => '{"tracking": "TRK-SEC-3"}') AS s3 \gset
SELECT cbl.create_shipment('SEC-4', 'express_parcel', 'SEC_BOLT', 'SEC_SLOW', refs => '{"tracking": "TRK-SEC-4"}') AS s4 \gset
RESET ROLE;
SELECT ARRAY[:s1, :s2, :s3, :s4]::bigint[] AS mine \gset

-- The integration ingests (events for every shipment, and one for a
-- shipment cbl does not know yet), then the operator scans for exceptions.
SET ROLE regress_cbl_feed;
SELECT * FROM cbl.ingest_events('[
  {"source": "sec_feed", "event_id": "1a", "shipment": "SEC-1", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-05-01T08:00:00Z"},
  {"source": "sec_feed", "event_id": "1b", "shipment": "TRK-SEC-1", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-05-01T12:00:00Z"},
  {"source": "sec_feed", "event_id": "2a", "shipment": "SEC-2", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-05-01T09:00:00Z"},
  {"source": "sec_feed", "event_id": "3a", "shipment": "SEC-3", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-05-01T10:00:00Z"},
  {"source": "sec_feed", "event_id": "3b", "shipment": "SEC-3", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-05-01T15:00:00Z"},
  {"source": "sec_feed", "event_id": "4a", "shipment": "SEC-4", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-05-01T11:00:00Z"},
  {"source": "sec_feed", "event_id": "5a", "shipment": "SEC-5", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-05-01T11:00:00Z"}
]');
SELECT * FROM cbl.upsert_event('sec_feed', '4b', 'TRK-SEC-4', 'PICKED_UP', 'ACT', '2026-05-01 16:00+00');
RESET ROLE;
SET ROLE regress_cbl_ops;
SELECT * FROM cbl.scan_exceptions(as_of => '2026-05-10 00:00+00', shipment_ids => :'mine');
RESET ROLE;

-- What a role sees of the test's shipments, through the tables and the
-- views.  A function in this session's pg_temp, SECURITY INVOKER: it runs
-- with the privileges and row-level security of whoever calls it.
CREATE FUNCTION pg_temp.sees() RETURNS TABLE (what text, visible text)
LANGUAGE sql AS $$
  SELECT 'shipments', string_agg(s.reference, ' ' ORDER BY s.reference)
    FROM cbl.shipment s WHERE s.reference LIKE 'SEC-%'
  UNION ALL
  SELECT 'references', string_agg(r.value, ' ' ORDER BY r.value)
    FROM cbl.shipment_reference r JOIN cbl.shipment s ON s.id = r.shipment_id WHERE s.reference LIKE 'SEC-%'
  UNION ALL
  SELECT 'lookups', string_agg(l.value, ' ' ORDER BY l.value)
    FROM cbl.reference_lookup l JOIN cbl.shipment s ON s.id = l.shipment_id WHERE s.reference LIKE 'SEC-%'
  UNION ALL
  SELECT 'events', string_agg(e.event_id, ' ' ORDER BY e.event_id)
    FROM cbl.event e WHERE e.source = 'sec_feed'
  UNION ALL
  SELECT 'states', string_agg(s.reference || '=' || cbl.current_milestone(st.state), ' ' ORDER BY s.reference)
    FROM cbl.shipment_state st JOIN cbl.shipment s ON s.id = st.shipment_id WHERE s.reference LIKE 'SEC-%'
  UNION ALL
  SELECT 'exceptions', string_agg(s.reference || ':' || x.kind || ':' || x.milestone, ' ' ORDER BY s.reference, x.kind, x.milestone)
    FROM cbl.exception x JOIN cbl.shipment s ON s.id = x.shipment_id WHERE s.reference LIKE 'SEC-%'
  UNION ALL
  SELECT 'parties', string_agg(p.code, ' ' ORDER BY p.code) FROM cbl.party p WHERE p.code LIKE 'SEC\_%'
  UNION ALL
  SELECT 'v_shipment_status', string_agg(v.reference || ':' || v.customer_code || ':' || coalesce(v.carrier_code, '-')
                                         || ':' || v.current_milestone || ':' || v.open_exceptions, ' ' ORDER BY v.reference)
    FROM cbl.v_shipment_status v WHERE v.reference LIKE 'SEC-%'
  UNION ALL
  SELECT 'v_timeline', string_agg(DISTINCT v.reference, ' ' ORDER BY v.reference) FROM cbl.v_timeline v WHERE v.reference LIKE 'SEC-%'
  UNION ALL
  SELECT 'v_timeline actuals', count(v.actual)::text FROM cbl.v_timeline v WHERE v.reference LIKE 'SEC-%'
  UNION ALL
  SELECT 'v_exception', string_agg(v.reference || ':' || v.kind, ' ' ORDER BY v.reference, v.kind)
    FROM cbl.v_exception v WHERE v.reference LIKE 'SEC-%'
  UNION ALL
  SELECT 'find TRK-SEC-1, TRK-SEC-3',
         coalesce((SELECT s.reference FROM cbl.shipment s WHERE s.id = cbl.find_shipment('TRK-SEC-1')), 'none') || ', ' ||
         coalesce((SELECT s.reference FROM cbl.shipment s WHERE s.id = cbl.find_shipment('TRK-SEC-3')), 'none')
$$;
-- And how many rows it sees of everyone else's (a partner: none).
CREATE FUNCTION pg_temp.sees_others() RETURNS TABLE (shipments bigint, events bigint, states bigint, exceptions bigint,
                                                     parties bigint, view_rows bigint)
LANGUAGE sql AS $$
  SELECT (SELECT count(*) FROM cbl.shipment s WHERE s.reference NOT LIKE 'SEC-%'),
         (SELECT count(*) FROM cbl.event e WHERE e.source <> 'sec_feed'),
         (SELECT count(*) FROM cbl.shipment_state st
           WHERE st.shipment_id NOT IN (SELECT s.id FROM cbl.shipment s WHERE s.reference LIKE 'SEC-%')),
         (SELECT count(*) FROM cbl.exception x
           WHERE x.shipment_id NOT IN (SELECT s.id FROM cbl.shipment s WHERE s.reference LIKE 'SEC-%')),
         (SELECT count(*) FROM cbl.party p WHERE p.code NOT LIKE 'SEC\_%'),
         (SELECT count(*) FROM cbl.v_shipment_status v WHERE v.reference NOT LIKE 'SEC-%')
$$;

-- The operator sees every shipment.
SET ROLE regress_cbl_ops;
SELECT * FROM pg_temp.sees();
RESET ROLE;

-- A customer sees its own shipments, their references, events, states,
-- exceptions and view rows; the parties on them, not the other customer.
SET ROLE regress_cbl_acme;
SELECT * FROM pg_temp.sees();
SELECT * FROM pg_temp.sees_others();
SELECT cbl.login_party_ids() = ARRAY[cbl.party_id('customer', 'SEC_ACME')] AS own_party;
-- It writes nothing and reads nothing else.
INSERT INTO cbl.shipment (reference, framework, customer_id) VALUES ('SEC-X', 'express_parcel', 1);
UPDATE cbl.shipment SET origin_country = 'DE' WHERE reference = 'SEC-1';
DELETE FROM cbl.event WHERE source = 'sec_feed';
SELECT cbl.create_shipment('SEC-X', 'express_parcel', 'SEC_ACME');
SELECT cbl.ingest_events('[]'::jsonb);
SELECT cbl.scan_exceptions();
SELECT count(*) FROM cbl.event_conflict;
SELECT count(*) FROM cbl.event_pending;
SELECT count(*) FROM cbl.login_party;
SELECT count(*) FROM cbl.rate_card;
RESET ROLE;
-- No login learns another's parties: logged in as itself, a partner may ask
-- only about itself (or a role its session may become with SET ROLE).
SET SESSION AUTHORIZATION regress_cbl_acme;
SELECT session_user, cbl.login_party_ids() = ARRAY[cbl.party_id('customer', 'SEC_ACME')] AS own_party,
       cbl.login_party_ids('regress_cbl_bolt') AS bolts_parties,
       cbl.login_party_ids('regress_cbl_ghost') AS no_such_login;
RESET SESSION AUTHORIZATION;

-- The agent sees the shipments it brought (of both customers), not the others.
SET ROLE regress_cbl_agent;
SELECT * FROM pg_temp.sees();
SELECT * FROM pg_temp.sees_others();
RESET ROLE;

SET ROLE regress_cbl_bolt;
SELECT * FROM pg_temp.sees();
RESET ROLE;

-- A partner login mapped to no party sees nothing, and no error.
SET ROLE regress_cbl_unmapped;
SELECT * FROM pg_temp.sees();
SELECT * FROM pg_temp.sees_others();
RESET ROLE;

-- The integration ingests (above) but reads nothing: no privilege on any
-- table or view of cbl beyond PUBLIC's, so none on charges or statements.
SET ROLE regress_cbl_feed;
SELECT count(*) FROM cbl.event;
SELECT count(*) FROM cbl.shipment;
SELECT count(*) FROM cbl.v_shipment_status;
SELECT cbl.create_shipment('SEC-X', 'express_parcel', 'SEC_ACME');
RESET ROLE;
SELECT c.oid::regclass AS integration_may_touch FROM pg_class c
 WHERE c.relnamespace = 'cbl'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p')
   AND has_any_column_privilege('cbl_integration', c.oid, 'SELECT, INSERT, UPDATE, REFERENCES')
   AND NOT has_any_column_privilege('public', c.oid, 'SELECT');

-- The reader reads the views, and through them every shipment; of the
-- tables only the columns the views show, and it writes nothing.
SET ROLE regress_cbl_bi;
SELECT reference, customer_code, current_milestone, open_exceptions
  FROM cbl.v_shipment_status WHERE reference LIKE 'SEC-%' ORDER BY reference;
SELECT count(*) AS timeline_rows FROM cbl.v_timeline WHERE reference LIKE 'SEC-%';
SELECT count(*) AS exception_rows FROM cbl.v_exception WHERE reference LIKE 'SEC-%';
SELECT * FROM cbl.shipment WHERE reference = 'SEC-1';
SELECT payload FROM cbl.event WHERE source = 'sec_feed';
SELECT agent_id FROM cbl.shipment WHERE reference = 'SEC-1';
SELECT count(*) FROM cbl.login_party;
INSERT INTO cbl.exception (shipment_id, kind, milestone, detail, opened_at)
VALUES (:s1, 'overdue', 'BOOKED', 'x', now());
SELECT cbl.ingest_events('[]'::jsonb);
RESET ROLE;
SELECT c.oid::regclass AS reader_reads_whole
  FROM pg_class c WHERE c.relnamespace = 'cbl'::regnamespace
   AND has_table_privilege('cbl_reader', c.oid, 'SELECT') AND NOT has_table_privilege('public', c.oid, 'SELECT')
 ORDER BY c.oid::regclass::text;
SELECT c.oid::regclass AS relation, string_agg(a.attname, ' ' ORDER BY a.attnum) AS reader_reads_columns
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'cbl'::regnamespace AND c.relkind IN ('r', 'p')
   AND has_column_privilege('cbl_reader', c.oid, a.attnum, 'SELECT')
   AND NOT has_table_privilege('public', c.oid, 'SELECT')
 GROUP BY c.oid ORDER BY c.oid::regclass::text;
SELECT count(*) AS reader_writes FROM pg_class c
 WHERE c.relnamespace = 'cbl'::regnamespace
   AND has_any_column_privilege('cbl_reader', c.oid, 'INSERT, UPDATE') ;

-- Finance reads shipments, loads exchange rates, and neither ingests nor
-- edits shipments or events.
SET ROLE regress_cbl_fin;
SELECT count(*) AS shipments FROM cbl.shipment WHERE reference LIKE 'SEC-%';
SELECT cbl.ingest_events('[]'::jsonb);
UPDATE cbl.shipment SET origin_country = 'DE' WHERE reference = 'SEC-1';
SELECT count(*) FROM cbl.event;
RESET ROLE;
SELECT has_function_privilege('regress_cbl_fin', 'cbl.set_fx_rate(text, text, date, numeric, text)', 'EXECUTE') AS finance_loads_rates,
       has_function_privilege('regress_cbl_ops', 'cbl.set_fx_rate(text, text, date, numeric, text)', 'EXECUTE') AS operator_loads_rates;

-- The operator does not edit parties or login mappings.
SET ROLE regress_cbl_ops;
INSERT INTO cbl.party (kind, code, name) VALUES ('customer', 'SEC_NEW', 'New');
SELECT count(*) FROM cbl.login_party;
SELECT cbl.map_login('regress_cbl_acme', 'customer', 'SEC_BOLT');
RESET ROLE;

-- A role holding none of cbl's roles reads nothing.
SET ROLE regress_cbl_nobody;
SELECT count(*) FROM cbl.shipment;
SELECT count(*) FROM cbl.v_shipment_status;
SELECT cbl.login_party_ids();
RESET ROLE;

-- The partner predicate is indexable: a partner's read of the events is an
-- index scan on the shipment ids of its parties, computed once (an
-- InitPlan), and its shipments come from the customer and agent indexes.
-- (Plan shapes vary with statistics: the properties are checked.)
CREATE FUNCTION pg_temp.plan(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  line text;
  result text := '';
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    result := result || line || E'\n';
  END LOOP;
  RETURN result;
END $$;
SET enable_seqscan = off;
SET ROLE regress_cbl_acme;
SELECT pg_temp.plan('SELECT * FROM cbl.event') AS p \gset
SELECT :'p' LIKE '%event%\_pkey%' AS event_by_index, :'p' LIKE '%shipment_id = ANY%' AS by_shipment_ids,
       :'p' LIKE '%InitPlan%' AS computed_once, :'p' NOT LIKE '%Seq Scan%' AS no_seq_scan;
SELECT pg_temp.plan('SELECT * FROM cbl.shipment') AS p \gset
SELECT :'p' LIKE '%shipment_customer_id_idx%' AS by_customer_index, :'p' LIKE '%shipment_agent_id_idx%' AS by_agent_index,
       :'p' NOT LIKE '%Seq Scan%' AS no_seq_scan;
RESET ROLE;
RESET enable_seqscan;
-- Staff pay nothing: the operator's plan is the owner's, with no predicate added.
SELECT pg_temp.plan('SELECT * FROM cbl.event WHERE shipment_id = 1') AS owner_plan \gset
SET ROLE regress_cbl_ops;
SELECT pg_temp.plan('SELECT * FROM cbl.event WHERE shipment_id = 1') = :'owner_plan' AS same_plan,
       :'owner_plan' NOT LIKE '%InitPlan%' AND :'owner_plan' NOT LIKE '%ANY%' AS nothing_added;
RESET ROLE;

-- Clean up: the test's rows, the logins, cbl's roles (with their grants and
-- policies) and row-level security.
DELETE FROM cbl.exception WHERE shipment_id = ANY (:'mine');
DELETE FROM cbl.shipment_state WHERE shipment_id = ANY (:'mine');
DELETE FROM cbl.event WHERE shipment_id = ANY (:'mine');
DELETE FROM cbl.event_pending WHERE source = 'sec_feed';
DELETE FROM cbl.reference_lookup WHERE shipment_id = ANY (:'mine');
DELETE FROM cbl.shipment_reference WHERE shipment_id = ANY (:'mine');
DELETE FROM cbl.shipment WHERE id = ANY (:'mine');
DELETE FROM cbl.login_party;
DELETE FROM cbl.party WHERE code LIKE 'SEC\_%';
DELETE FROM cbl.source WHERE code = 'sec_feed';
DROP ROLE regress_cbl_acme, regress_cbl_bolt, regress_cbl_agent, regress_cbl_unmapped, regress_cbl_ops,
          regress_cbl_feed, regress_cbl_bi, regress_cbl_fin, regress_cbl_admin, regress_cbl_nobody;
DROP OWNED BY cbl_admin, cbl_operator, cbl_finance, cbl_integration, cbl_reader, cbl_partner;
DROP ROLE cbl_admin, cbl_operator, cbl_finance, cbl_integration, cbl_reader, cbl_partner;
SELECT count(*) AS policies_left FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
 WHERE c.relnamespace = 'cbl'::regnamespace;
ALTER TABLE cbl.party DISABLE ROW LEVEL SECURITY;
ALTER TABLE cbl.shipment DISABLE ROW LEVEL SECURITY;
ALTER TABLE cbl.shipment_reference DISABLE ROW LEVEL SECURITY;
ALTER TABLE cbl.reference_lookup DISABLE ROW LEVEL SECURITY;
ALTER TABLE cbl.event DISABLE ROW LEVEL SECURITY;
ALTER TABLE cbl.shipment_state DISABLE ROW LEVEL SECURITY;
ALTER TABLE cbl.exception DISABLE ROW LEVEL SECURITY;
ALTER TABLE cbl.charge DISABLE ROW LEVEL SECURITY;
ALTER TABLE cbl.statement DISABLE ROW LEVEL SECURITY;
ALTER TABLE cbl.statement_line DISABLE ROW LEVEL SECURITY;
ALTER TABLE cbl.settlement_mark DISABLE ROW LEVEL SECURITY;
SELECT count(*) AS tables_with_rls FROM pg_class WHERE relnamespace = 'cbl'::regnamespace AND relrowsecurity;
