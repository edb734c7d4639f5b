-- SECURITY DEFINER functions against hostile objects (docs/security.md).
-- A definer function runs as cbl's owner: if a name in it resolved through
-- the caller's search path, a caller could run her own code with the
-- owner's rights.  Mallory plants functions and operators named like those
-- cbl's definer functions use, in a schema she puts before pg_catalog, and
-- temporary tables named like catalogs; each trap raises if it is ever
-- called.  Each definer function, called by her, still does the right thing.
-- Two naive definer functions (no pinned path; a path without pg_temp last)
-- show that the traps do catch what is not pinned.
SET timezone = 'UTC';

-- Every SECURITY DEFINER function of cbl: each pins its search path with
-- pg_temp last and is not callable by PUBLIC.  Each is exercised below: a
-- new one changes this list, and needs a case here.
SELECT p.oid::regprocedure AS definer, array_to_string(p.proconfig, ', ') AS config,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_call
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'cbl'
 WHERE p.prosecdef ORDER BY p.oid::regprocedure::text;

-- The data Mallory's calls work on.
INSERT INTO cbl.party (kind, code, name) VALUES ('customer', 'MAL_CUST', 'Mallory''s employer');
INSERT INTO cbl.source (code, name) VALUES ('mal_feed', 'definer test feed');
SELECT cbl.create_shipment('MAL-1', 'express_parcel', 'MAL_CUST') AS m1 \gset
SELECT cbl.create_shipment('MAL-2', 'express_parcel', 'MAL_CUST') AS m2 \gset
CREATE ROLE regress_cbl_mallory;
CREATE SCHEMA mallory AUTHORIZATION regress_cbl_mallory;
GRANT EXECUTE ON FUNCTION cbl.ingest_events(jsonb), cbl.ingest_events(text),
  cbl.upsert_event(text, text, text, text, text, timestamptz, timestamptz, text, text, boolean, jsonb),
  cbl.attach_pending(bigint), cbl.login_party_ids(name), cbl.next_shipment_id() TO regress_cbl_mallory;
SELECT cbl.map_login('regress_cbl_mallory', 'customer', 'MAL_CUST');

-- Two naive definer functions, for contrast.
CREATE FUNCTION public.naive_unpinned(t text) RETURNS text
LANGUAGE sql SECURITY DEFINER AS 'SELECT md5(t)';
CREATE FUNCTION public.naive_temp_first() RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS 'SELECT count(*) FROM pg_roles WHERE rolname = ''regress_cbl_mallory''';
GRANT EXECUTE ON FUNCTION public.naive_unpinned(text), public.naive_temp_first() TO regress_cbl_mallory;

SET ROLE regress_cbl_mallory;
-- She cannot put anything into schema cbl.
CREATE FUNCTION cbl.md5(text) RETURNS text LANGUAGE sql AS 'SELECT ''x''';
-- The traps: every function and operator below raises if called.
CREATE FUNCTION mallory.trap_text(text) RETURNS text LANGUAGE plpgsql
  AS $$ BEGIN RAISE EXCEPTION 'captured by mallory: %', $1; END $$;
CREATE FUNCTION mallory.md5(text) RETURNS text LANGUAGE sql AS $$ SELECT mallory.trap_text('md5') $$;
CREATE FUNCTION mallory.btrim(text, text) RETURNS text LANGUAGE sql AS $$ SELECT mallory.trap_text('btrim') $$;
CREATE FUNCTION mallory.upper(text) RETURNS text LANGUAGE sql AS $$ SELECT mallory.trap_text('upper') $$;
CREATE FUNCTION mallory.strpos(text, text) RETURNS integer LANGUAGE sql AS $$ SELECT mallory.trap_text('strpos')::integer $$;
CREATE FUNCTION mallory.string_to_array(text, text) RETURNS text[] LANGUAGE sql AS $$ SELECT ARRAY[mallory.trap_text('string_to_array')] $$;
CREATE FUNCTION mallory.hashint8(bigint) RETURNS integer LANGUAGE sql AS $$ SELECT mallory.trap_text('hashint8')::integer $$;
CREATE FUNCTION mallory.pg_advisory_xact_lock(integer, integer) RETURNS void LANGUAGE sql AS $$ SELECT mallory.trap_text('pg_advisory_xact_lock'); $$;
CREATE FUNCTION mallory.pg_notify(text, text) RETURNS void LANGUAGE sql AS $$ SELECT mallory.trap_text('pg_notify'); $$;
CREATE FUNCTION mallory.to_char(timestamp, text) RETURNS text LANGUAGE sql AS $$ SELECT mallory.trap_text('to_char') $$;
CREATE FUNCTION mallory.jsonb_strip_nulls(jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT mallory.trap_text('jsonb_strip_nulls')::jsonb $$;
CREATE FUNCTION mallory.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT mallory.trap_text('now')::timestamptz $$;
CREATE FUNCTION mallory.nextval(regclass) RETURNS bigint LANGUAGE sql AS $$ SELECT mallory.trap_text('nextval')::bigint $$;
CREATE FUNCTION mallory.text_eq(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT mallory.trap_text('= (text)')::boolean $$;
CREATE FUNCTION mallory.name_eq(name, name) RETURNS boolean LANGUAGE sql AS $$ SELECT mallory.trap_text('= (name)')::boolean $$;
CREATE FUNCTION mallory.int8_eq(bigint, bigint) RETURNS boolean LANGUAGE sql AS $$ SELECT mallory.trap_text('= (bigint)')::boolean $$;
CREATE FUNCTION mallory.int8_gt(bigint, bigint) RETURNS boolean LANGUAGE sql AS $$ SELECT mallory.trap_text('> (bigint)')::boolean $$;
CREATE FUNCTION mallory.int4_and(integer, integer) RETURNS integer LANGUAGE sql AS $$ SELECT mallory.trap_text('&')::integer $$;
CREATE FUNCTION mallory.text_cat(text, text) RETURNS text LANGUAGE sql AS $$ SELECT mallory.trap_text('||') $$;
CREATE OPERATOR mallory.= (LEFTARG = text, RIGHTARG = text, FUNCTION = mallory.text_eq);
CREATE OPERATOR mallory.= (LEFTARG = name, RIGHTARG = name, FUNCTION = mallory.name_eq);
CREATE OPERATOR mallory.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = mallory.int8_eq);
CREATE OPERATOR mallory.> (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = mallory.int8_gt);
CREATE OPERATOR mallory.& (LEFTARG = integer, RIGHTARG = integer, FUNCTION = mallory.int4_and);
CREATE OPERATOR mallory.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = mallory.text_cat);
-- Temporary objects: a table shadowing a catalog, and a function in pg_temp.
CREATE TEMP TABLE pg_roles (rolname name);
INSERT INTO pg_temp.pg_roles SELECT 'regress_cbl_mallory' FROM generate_series(1, 42);
CREATE FUNCTION pg_temp.md5(text) RETURNS text LANGUAGE sql AS $$ SELECT 'temp md5' $$;

-- Her path puts her schema (and pg_temp) before pg_catalog.
SET search_path = pg_temp, mallory, pg_catalog;

-- The traps catch what is not pinned: the unpinned definer runs her md5,
-- and the one pinned to pg_catalog alone reads her temporary pg_roles
-- (pg_temp not named is searched first).
SELECT public.naive_unpinned('x');
SELECT public.naive_temp_first() AS mallorys_count;

-- cbl's definer functions do what they do for anyone.
SELECT * FROM cbl.ingest_events('[
  {"source": "mal_feed", "event_id": "m1", "shipment": "MAL-1", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-06-01T08:00:00Z"},
  {"source": "mal_feed", "event_id": "m2", "shipment": "MAL-1", "milestone": "PICKED_UP", "classifier": "ACT", "occurred_at": "2026-06-01T10:00:00Z", "updated_at": "2026-06-01T10:05:00Z"},
  {"source": "mal_feed", "event_id": "m3", "shipment": "MAL-TRK-2", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-06-01T09:00:00Z"},
  {"source": "mal_feed", "event_id": "m4", "shipment": "MAL-1", "classifier": "ACT", "occurred_at": "2026-06-01T11:00:00Z"}
]'::jsonb);
SELECT * FROM cbl.ingest_events('[{"source": "mal_feed", "event_id": "m1", "shipment": "MAL-1", "milestone": "BOOKED", "classifier": "ACT", "occurred_at": "2026-06-01T08:00:00Z"}]'::text);
SELECT * FROM cbl.upsert_event('mal_feed', 'm2', 'MAL-1', 'PICKED_UP', 'ACT', '2026-06-01 09:55+00', '2026-06-01 11:00+00');
SELECT cbl.login_party_ids() AS mallorys_parties \gset
SELECT cbl.next_shipment_id() AS mallorys_id \gset
RESET search_path;
RESET ROLE;

-- The pending event names a reference MAL-2 gets without attaching it; her
-- call attaches it.
INSERT INTO cbl.shipment_reference (shipment_id, kind, value) VALUES (:m2, 'tracking', 'MAL-TRK-2');
INSERT INTO cbl.reference_lookup (kind, value, shipment_id) VALUES ('tracking', 'MAL-TRK-2', :m2);
SET ROLE regress_cbl_mallory;
SET search_path = pg_temp, mallory, pg_catalog;
SELECT cbl.attach_pending(:m2) AS attached;
RESET search_path;
RESET ROLE;

-- What was stored is what a clean caller would have stored.
SELECT s.reference, e.event_id, e.revision, e.milestone, e.classifier, e.occurred_at, e.updated_at, e.retracted
  FROM cbl.event e JOIN cbl.shipment s ON s.id = e.shipment_id
 WHERE e.source = 'mal_feed' ORDER BY 1, 2, 3;
SELECT r.position, r.reason FROM cbl.event_reject r WHERE r.element LIKE '%mal_feed%' ORDER BY r.reject_no;
SELECT s.reference, cbl.describe(st.state) FROM cbl.shipment_state st JOIN cbl.shipment s ON s.id = st.shipment_id
 WHERE s.id IN (:m1, :m2) ORDER BY 1;
SELECT count(*) AS still_pending FROM cbl.event_pending WHERE source = 'mal_feed';
SELECT :'mallorys_parties' = ARRAY[cbl.party_id('customer', 'MAL_CUST')]::text AS login_party_ids_right;
SELECT cbl.shipment_month(:mallorys_id) = date_trunc('month', now() AT TIME ZONE 'UTC')::date AS next_shipment_id_right;

-- Clean up.
DELETE FROM cbl.shipment_state WHERE shipment_id IN (:m1, :m2);
DELETE FROM cbl.event WHERE shipment_id IN (:m1, :m2);
DELETE FROM cbl.event_reject WHERE element LIKE '%mal_feed%';
DELETE FROM cbl.reference_lookup WHERE shipment_id IN (:m1, :m2);
DELETE FROM cbl.shipment_reference WHERE shipment_id IN (:m1, :m2);
DELETE FROM cbl.shipment WHERE id IN (:m1, :m2);
DELETE FROM cbl.login_party WHERE login = 'regress_cbl_mallory';
DELETE FROM cbl.party WHERE code = 'MAL_CUST';
DELETE FROM cbl.source WHERE code = 'mal_feed';
DROP FUNCTION public.naive_unpinned(text), public.naive_temp_first();
DROP TABLE pg_temp.pg_roles;
DROP FUNCTION pg_temp.md5(text);
SET client_min_messages = warning;
DROP SCHEMA mallory CASCADE;
RESET client_min_messages;
DROP OWNED BY regress_cbl_mallory;
DROP ROLE regress_cbl_mallory;
