-- Parties, shipments and references: constraints, the writers and their
-- idempotency and errors, finding shipments, privileges, pg_dump
-- registration and the Citus-ready keys.  (docs/milestones.md; its
-- examples come first.)
\set SHOW_CONTEXT never

-- docs/milestones.md: parties, shipments, references.
INSERT INTO cbl.party (kind, code, name, country) VALUES
  ('customer', 'ACME', 'Acme Trading GmbH', 'DE'),
  ('carrier', 'MAEU', 'Maersk A/S', 'DK'),
  ('carrier', 'EK', 'Emirates SkyCargo', 'AE'),
  ('agent', 'SHA-AG', 'Shanghai Channel Partner Ltd', 'CN');
SELECT cbl.party_id('customer', 'ACME') > 0 AS known;
SELECT cbl.party_id('customer', 'MAEU');
SELECT cbl.create_shipment('SHA-2401-0001', 'ocean_fcl', 'ACME', 'MAEU', 'SHA-AG', 'CN', 'DE',
                           '{"bl": "MAEU241234567", "container": ["MSKU 902314 7", "csqu3054383"]}') > 0 AS created;
SELECT cbl.create_shipment('SHA-2401-0001', 'ocean_lcl', 'ACME', 'MAEU', 'SHA-AG', 'CN', 'DE');
SELECT cbl.add_shipment_reference(cbl.find_shipment('SHA-2401-0001'), 'hbl', 'SHAHAM240001');
SELECT cbl.add_shipment_reference(cbl.find_shipment('SHA-2401-0001'), 'hbl', 'SHAHAM240001');
SELECT cbl.add_shipment_reference(cbl.find_shipment('SHA-2401-0001'), 'container', 'MSKU9023140');
SELECT cbl.find_shipment('msku9023147') = cbl.find_shipment('SHA-2401-0001') AS same;
SELECT kind, stored_value FROM cbl.find_shipments('MAEU241234567');
SELECT cbl.find_shipment('no such reference') IS NULL AS not_found;

-- What was stored: the shipment, its references in canonical form, the lookup.
-- (Shipment ids carry the month they were made in: the tests print the
-- serial part, id & (2^40 - 1), which does not depend on the date.)
SELECT s.id & 1099511627775 AS id_serial,
       cbl.shipment_month(s.id) = date_trunc('month', now() AT TIME ZONE 'UTC')::date AS id_of_this_month,
       s.reference, s.framework, c.code AS customer, k.code AS carrier, a.code AS agent,
       s.origin_country, s.destination_country
  FROM cbl.shipment s
  JOIN cbl.party c ON c.id = s.customer_id
  LEFT JOIN cbl.party k ON k.id = s.carrier_id
  LEFT JOIN cbl.party a ON a.id = s.agent_id;
SELECT shipment_id & 1099511627775 AS shipment_serial, kind, value FROM cbl.shipment_reference ORDER BY shipment_id, kind, value;
SELECT kind, value, shipment_id & 1099511627775 AS shipment_serial FROM cbl.reference_lookup ORDER BY kind, value, shipment_id;

-- Party constraints (terse: the failing rows would show ids and times).
\set VERBOSITY terse
INSERT INTO cbl.party (kind, code, name) VALUES ('shipper', 'X', 'x');
INSERT INTO cbl.party (kind, code, name) VALUES ('customer', 'ACME', 'Acme again');
INSERT INTO cbl.party (kind, code, name) VALUES ('customer', '', 'no code');
INSERT INTO cbl.party (kind, code, name) VALUES ('customer', ' PADDED', 'padded code');
INSERT INTO cbl.party (kind, code, name) VALUES ('customer', 'NONAME', '');
INSERT INTO cbl.party (kind, code, name, country) VALUES ('customer', 'NOWHERE', 'x', 'XX');
INSERT INTO cbl.party (id, kind, code, name) VALUES (99, 'customer', 'MINE', 'x');
\set VERBOSITY default
-- One organisation, two roles: one row each.
INSERT INTO cbl.party (kind, code, name, country) VALUES
  ('agent', 'EK', 'Emirates as a sales agent', 'AE'),
  ('customer', 'BOLT', 'Bolt Electronics Ltd', 'GB'),
  ('customer', 'ZHIHE', 'Zhihe E-commerce Co', 'CN'),
  ('broker', 'DE-BRK', 'Hamburg Customs Brokers', 'DE'),
  ('warehouse', 'DE-WH1', 'Duisburg fulfilment centre', 'DE'),
  ('operator', 'OPS', 'Operations desk', NULL);
SELECT kind, code, name, country FROM cbl.party ORDER BY kind, code;

-- cbl.party_id: found, not found, found under another kind, unknown kind.
SELECT cbl.party_id('carrier', 'EK') <> cbl.party_id('agent', 'EK') AS two_rows;
SELECT cbl.party_id('carrier', 'NOPE');
SELECT cbl.party_id('agent', 'ACME');
SELECT cbl.party_id('shipper', 'ACME');
SELECT cbl.party_id('carrier', NULL) IS NULL AS strict;

-- cbl.canonical_reference: the stored form, NULL if not valid for the kind.
SELECT k, v, cbl.canonical_reference(k, v) AS canonical
  FROM (VALUES ('awb', '17612345675'), ('awb', ' 176 12345675 '), ('awb', '176-12345670'),
               ('container', 'csqu 305438 3'), ('container', 'CSQU3054384'),
               ('s10', 'rr123456785cn'), ('s10', 'RR123456789CN'),
               ('hawb', '  HAM-0001 '), ('reference', '   '),
               ('bl', 'maeu241234567'), ('passport', 'X1')) AS t(k, v);
SELECT cbl.canonical_reference('tracking', E'\t1Z999AA10123456784\r\n') = '1Z999AA10123456784' AS trims_tabs_and_newlines;
-- It is C; it gives what its definition in SQL gives (the one of 0.1.0,
-- below), for every kind and unknown ones, over valid and broken
-- identifiers in every input form.
CREATE FUNCTION pg_temp.canonical_reference_sql(kind text, value text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  v text := btrim(value, E' \t\r\n');
BEGIN
  CASE kind
    WHEN 'awb' THEN RETURN CASE WHEN cbl.is_valid_awb(v) THEN v::cbl.awb::text END;
    WHEN 'container' THEN RETURN CASE WHEN cbl.is_valid_container_no(v) THEN v::cbl.container_no::text END;
    WHEN 's10' THEN RETURN CASE WHEN cbl.is_valid_s10(v) THEN v::cbl.s10::text END;
    WHEN 'reference', 'hawb', 'bl', 'hbl', 'booking', 'tracking', 'customer_ref', 'other' THEN RETURN NULLIF(v, '');
    ELSE RETURN NULL;
  END CASE;
END $$;
WITH v(value) AS (
  SELECT w || x || w2
    FROM (SELECT '176' || lpad((n * 7919 % 10000000)::text, 7, '0') || ((n * 7919 % 10000000) % 7 + n % 2)::text
            FROM generate_series(1, 300) n
          UNION ALL SELECT '176-' || lpad((n * 104729 % 10000000)::text, 7, '0') || ((n * 104729 % 10000000) % 7)::text
            FROM generate_series(1, 100) n
          UNION ALL SELECT x FROM unnest(ARRAY['csqu 305438 3', 'CSQU3054383', 'CSQU3054384', 'msku9023147',
                                               'rr123456785cn', 'RR 123456785 CN', 'RR123456789CN', 'EE123456785US',
                                               '', ' ', 'HAM-0001', 'x', E'a\tb', '1Z999AA10123456784',
                                               '17612345675', '176 12345675', '000-00000000', 'ÄÖÜ-1']) x
          UNION ALL SELECT substr('CSQU3054383RR123456785CN176123456750', n, m)
            FROM generate_series(1, 30) n, generate_series(1, 13) m) t(x),
         unnest(ARRAY['', ' ', E'\t', E'\r\n ']) w, unnest(ARRAY['', ' ', E'\n']) w2
), k(kind) AS (
  SELECT kind FROM cbl.reference_kinds() UNION ALL VALUES ('passport'), (''), ('AWB')
)
SELECT count(*) AS compared,
       count(*) FILTER (WHERE cbl.canonical_reference(k.kind, v.value) IS NOT NULL) AS with_a_form,
       count(*) FILTER (WHERE k.kind IN ('awb', 'container', 's10')
                          AND cbl.canonical_reference(k.kind, v.value) IS NOT NULL) AS identifiers,
       count(*) FILTER (WHERE cbl.canonical_reference(k.kind, v.value)
                              IS DISTINCT FROM pg_temp.canonical_reference_sql(k.kind, v.value)) AS different
  FROM v, k;
SELECT * FROM cbl.reference_kinds();
-- The unique index covers exactly the kinds that identify one shipment.
SELECT pg_get_indexdef('cbl.reference_lookup_identifies_one_key'::regclass);
SELECT string_agg(kind, ', ') AS identifying_kinds FROM cbl.reference_kinds() WHERE identifies_one;

-- cbl.create_shipment: the second call with the same attributes returns the same id.
SELECT cbl.create_shipment('EK-0001', 'air', 'BOLT', 'EK', NULL, 'AE', 'GB',
                           '{"awb": "176-12345675", "hawb": "DXB-H-0001"}') AS ek_0001 \gset
SELECT cbl.create_shipment('EK-0001', 'air', 'BOLT', 'EK', NULL, 'AE', 'GB',
                           '{"awb": "176-12345675", "hawb": "DXB-H-0001"}') = :ek_0001 AS same_id;
-- ... also when the reference is padded, the country lower case, refs left out,
-- or refs repeated in another form (canonical: the same references).
SELECT cbl.create_shipment('  EK-0001 ', 'air', 'BOLT', 'EK', NULL, 'ae', 'gb') = :ek_0001 AS same_id;
SELECT cbl.create_shipment('EK-0001', 'air', 'BOLT', 'EK', NULL, 'AE', 'GB',
                           '{"awb": ["17612345675"]}') = :ek_0001 AS same_id;
SELECT count(*) AS shipments, (SELECT count(*) FROM cbl.shipment_reference WHERE shipment_id = :ek_0001) AS refs
  FROM cbl.shipment WHERE reference = 'EK-0001';
-- New references in a repeated call are added.
SELECT cbl.create_shipment('EK-0001', 'air', 'BOLT', 'EK', NULL, 'AE', 'GB',
                           '{"customer_ref": ["PO-7781", "PO-7782"]}') = :ek_0001 AS same_id;
SELECT kind, value FROM cbl.shipment_reference WHERE shipment_id = :ek_0001 ORDER BY kind, value;
-- Other attributes: an error saying what differs, every difference.
SELECT cbl.create_shipment('EK-0001', 'express_parcel', 'ACME', NULL, 'EK', 'DE', 'GB');
\set VERBOSITY sqlstate
SELECT cbl.create_shipment('EK-0001', 'express_parcel', 'ACME', NULL, 'EK', 'DE', 'GB');
\set VERBOSITY default
-- Minimal: reference, framework, customer.
SELECT cbl.create_shipment('ZH-24-000123', 'ecommerce_consolidated', 'ZHIHE',
                           refs => '{"s10": "RR123456785CN", "tracking": "9400111899223100012345"}') AS zh \gset
SELECT reference, framework, carrier_id, agent_id, origin_country, destination_country
  FROM cbl.shipment WHERE id = :zh;

-- cbl.create_shipment errors.
SELECT cbl.create_shipment(NULL, 'air', 'BOLT');
SELECT cbl.create_shipment('X-1', NULL, 'BOLT');
SELECT cbl.create_shipment('X-1', 'air', NULL);
SELECT cbl.create_shipment(' ', 'air', 'BOLT');
SELECT cbl.create_shipment('X-1', 'sea', 'BOLT');
SELECT cbl.create_shipment('X-1', 'air', 'NOBODY');
SELECT cbl.create_shipment('X-1', 'air', 'MAEU');
SELECT cbl.create_shipment('X-1', 'air', 'BOLT', carrier => 'LH');
SELECT cbl.create_shipment('X-1', 'air', 'BOLT', agent => 'MAEU');
SELECT cbl.create_shipment('X-1', 'air', 'BOLT', origin => 'XX');
SELECT cbl.create_shipment('X-1', 'air', 'BOLT', destination => 'Germany');
SELECT cbl.create_shipment('X-1', 'air', 'BOLT', refs => '["awb", "176-12345675"]');
SELECT cbl.create_shipment('X-1', 'air', 'BOLT', refs => '{"waybill": "176-12345675"}');
SELECT cbl.create_shipment('X-1', 'air', 'BOLT', refs => '{"awb": 17612345675}');
SELECT cbl.create_shipment('X-1', 'air', 'BOLT', refs => '{"container": ["CSQU3054383", null]}');
SELECT cbl.create_shipment('X-1', 'air', 'BOLT', refs => '{"awb": "176-12345670"}');
SELECT cbl.create_shipment('X-1', 'air', 'BOLT', refs => '{"hawb": "DXB-H-0001"}');
\set VERBOSITY sqlstate
SELECT cbl.create_shipment('X-1', 'sea', 'BOLT');
SELECT cbl.create_shipment('X-1', 'air', 'BOLT', refs => '{"awb": "176-12345670"}');
SELECT cbl.create_shipment('X-1', 'air', 'BOLT', refs => '{"hawb": "DXB-H-0001"}');
\set VERBOSITY default
-- None of the failed calls left anything behind.
SELECT count(*) AS x1_rows FROM cbl.shipment WHERE reference = 'X-1';
SELECT count(*) AS x1_lookups FROM cbl.reference_lookup WHERE value = 'X-1';
-- A NULL refs is no refs.  (cbl.find_shipment is STABLE: it sees what earlier statements wrote.)
SELECT cbl.create_shipment('X-1', 'air', 'BOLT', refs => NULL) AS x1 \gset
SELECT cbl.find_shipment('X-1') = :x1 AS created;

-- cbl.add_shipment_reference: added, unchanged, canonical.
SELECT cbl.add_shipment_reference(:zh, 'tracking', 'LX123456789CN');
SELECT cbl.add_shipment_reference(:zh, 'tracking', ' LX123456789CN ');
SELECT cbl.add_shipment_reference(:zh, 'container', 'csqu 305438 3');
SELECT cbl.add_shipment_reference(:zh, 'container', 'CSQU3054383');
SELECT cbl.add_shipment_reference(:zh, 's10', 'rr 123456785 cn');
SELECT kind, value FROM cbl.shipment_reference WHERE shipment_id = :zh ORDER BY kind, value;
-- Shared kinds go on several shipments; identifying kinds on one only.
SELECT cbl.add_shipment_reference(:zh, 'awb', '17612345675');
SELECT cbl.add_shipment_reference(:zh, 'customer_ref', 'PO-7781');
SELECT cbl.add_shipment_reference(:zh, 'hawb', 'DXB-H-0001');
SELECT cbl.add_shipment_reference(:zh, 'reference', 'EK-0001');
SELECT cbl.add_shipment_reference(:ek_0001, 's10', 'RR123456785CN');
\set VERBOSITY sqlstate
SELECT cbl.add_shipment_reference(:zh, 'hawb', 'DXB-H-0001');
\set VERBOSITY default
-- Bad input.
SELECT cbl.add_shipment_reference(:zh, 'awb', '176-12345670');
SELECT cbl.add_shipment_reference(:zh, 'awb', '176-1234567');
SELECT cbl.add_shipment_reference(:zh, 'container', 'CSQU3054384');
SELECT cbl.add_shipment_reference(:zh, 's10', 'RR123456789CN');
SELECT cbl.add_shipment_reference(:zh, 'waybill', 'X');
SELECT cbl.add_shipment_reference(:zh, 'tracking', '  ');
SELECT cbl.add_shipment_reference(:zh, 'tracking', NULL);
SELECT cbl.add_shipment_reference(NULL, 'tracking', 'X');
SELECT cbl.add_shipment_reference(-1, 'tracking', 'X');
\set VERBOSITY sqlstate
SELECT cbl.add_shipment_reference(:zh, 'awb', '176-12345670');
SELECT cbl.add_shipment_reference(-1, 'tracking', 'X');
\set VERBOSITY default

-- The table insists on canonical values, whoever writes it.
\set VERBOSITY terse
INSERT INTO cbl.shipment_reference (shipment_id, kind, value) VALUES (:zh, 'awb', '17612345675');
INSERT INTO cbl.shipment_reference (shipment_id, kind, value) VALUES (:zh, 'awb', '176-12345670');
INSERT INTO cbl.shipment_reference (shipment_id, kind, value) VALUES (:zh, 'container', 'csqu3054383');
INSERT INTO cbl.shipment_reference (shipment_id, kind, value) VALUES (:zh, 's10', 'RR123456789CN');
INSERT INTO cbl.shipment_reference (shipment_id, kind, value) VALUES (:zh, 'tracking', ' padded');
INSERT INTO cbl.shipment_reference (shipment_id, kind, value) VALUES (:zh, 'tracking', '');
INSERT INTO cbl.shipment_reference (shipment_id, kind, value) VALUES (:zh, 'waybill', 'X');
\set VERBOSITY default
INSERT INTO cbl.shipment_reference (shipment_id, kind, value) VALUES (-1, 'tracking', 'X');
-- The lookup points at existing references only (single node), and an
-- identifying reference is in it once.
\set VERBOSITY terse
INSERT INTO cbl.reference_lookup (kind, value, shipment_id) VALUES ('tracking', 'NOT-A-REFERENCE', :zh);
\set VERBOSITY default
INSERT INTO cbl.shipment_reference (shipment_id, kind, value) VALUES (:zh, 'hawb', 'DXB-H-0001');
INSERT INTO cbl.reference_lookup (kind, value, shipment_id) VALUES ('hawb', 'DXB-H-0001', :zh);
DELETE FROM cbl.shipment_reference WHERE shipment_id = :zh AND kind = 'hawb';
-- The shipment's own reference must be trimmed and not empty.
\set VERBOSITY terse
INSERT INTO cbl.shipment (reference, framework, customer_id) VALUES (' X-2', 'air', cbl.party_id('customer', 'BOLT'));
INSERT INTO cbl.shipment (reference, framework, customer_id) VALUES ('', 'air', cbl.party_id('customer', 'BOLT'));
\set VERBOSITY default

-- The kind of each party is checked by composite foreign keys.
INSERT INTO cbl.shipment (reference, framework, customer_id) VALUES ('X-2', 'air', cbl.party_id('carrier', 'EK'));
INSERT INTO cbl.shipment (reference, framework, customer_id, carrier_id)
VALUES ('X-2', 'air', cbl.party_id('customer', 'BOLT'), cbl.party_id('agent', 'EK'));
INSERT INTO cbl.shipment (reference, framework, customer_id, agent_id)
VALUES ('X-2', 'air', cbl.party_id('customer', 'BOLT'), cbl.party_id('carrier', 'EK'));
INSERT INTO cbl.shipment (reference, framework, customer_id, customer_kind)
VALUES ('X-2', 'air', cbl.party_id('carrier', 'EK'), 'carrier');
INSERT INTO cbl.shipment (reference, framework, customer_id) VALUES ('X-2', 'no_such', cbl.party_id('customer', 'BOLT'));
INSERT INTO cbl.shipment (reference, framework, customer_id, origin_country)
VALUES ('X-2', 'air', cbl.party_id('customer', 'BOLT'), 'XX');
-- A party or a framework in use cannot go.
DELETE FROM cbl.party WHERE code = 'BOLT';
SELECT cbl.create_shipment('NEXT-1', 'express_next_day', 'ACME') > 0 AS created;
DELETE FROM cbl.framework WHERE code = 'express_next_day';

-- cbl.find_shipment: by any reference, in any input form the types accept.
SELECT v, (SELECT s.reference FROM cbl.shipment s WHERE s.id = cbl.find_shipment(v)) AS shipment
  FROM unnest(ARRAY['SHA-2401-0001', ' SHA-2401-0001 ', 'EK-0001', 'DXB-H-0001', 'SHAHAM240001', 'MAEU241234567',
                    'MSKU9023147', 'msku 902314 7', 'LX123456789CN', 'rr123456785cn', 'PO-7782',
                    '9400111899223100012345', 'ek-0001', 'nothing', '']) AS v;
SELECT cbl.find_shipment(NULL) IS NULL AS null_finds_nothing;
-- A shared reference on several shipments: an error listing them, unless a kind narrows it.
SELECT cbl.find_shipment('17612345675');
SELECT cbl.find_shipment('CSQU3054383');
SELECT cbl.find_shipment('PO-7781');
\set VERBOSITY sqlstate
SELECT cbl.find_shipment('17612345675');
\set VERBOSITY default
SELECT cbl.find_shipment('RR123456785CN', 's10') = :zh AS by_s10,
       cbl.find_shipment('DXB-H-0001', 'hawb') = :ek_0001 AS by_hawb,
       cbl.find_shipment('DXB-H-0001', 'tracking') IS NULL AS not_a_tracking_number;
SELECT cbl.find_shipment('17612345675', 'awb');
SELECT cbl.find_shipment('X', 'waybill');
-- cbl.find_shipments lists every match.
SELECT f.shipment_id = :zh AS is_zh, f.kind, f.stored_value FROM cbl.find_shipments('176 12345675') f;
SELECT f.shipment_id = :zh AS is_zh, f.kind, f.stored_value FROM cbl.find_shipments('RR123456785CN') f;
SELECT count(*) FROM cbl.find_shipments('nothing');

-- Deleting a shipment deletes its references and their lookup entries.
DELETE FROM cbl.shipment WHERE id = :x1;
SELECT (SELECT count(*) FROM cbl.shipment_reference WHERE shipment_id = :x1) AS refs,
       (SELECT count(*) FROM cbl.reference_lookup WHERE shipment_id = :x1) AS lookups,
       cbl.find_shipment('X-1') IS NULL AS gone;
-- ... and the reference is free again.
SELECT cbl.create_shipment('X-1', 'air', 'BOLT') AS x1_again \gset
SELECT cbl.find_shipment('X-1') = :x1_again AS created_again, :x1_again <> :x1 AS new_id;
-- shipment_reference and reference_lookup are in step.
SELECT r.kind, r.value FROM cbl.shipment_reference r
 WHERE NOT EXISTS (SELECT 1 FROM cbl.reference_lookup l
                    WHERE (l.shipment_id, l.kind, l.value) = (r.shipment_id, r.kind, r.value))
UNION ALL
SELECT l.kind, l.value FROM cbl.reference_lookup l
 WHERE NOT EXISTS (SELECT 1 FROM cbl.shipment_reference r
                    WHERE (l.shipment_id, l.kind, l.value) = (r.shipment_id, r.kind, r.value));

-- Citus-ready keys: every primary and unique key of a shipment-keyed table
-- includes shipment_id (shipment: id); those of the lookup start with (kind, value).
SELECT i.indrelid::regclass AS tbl, c.relname AS key,
       (SELECT string_agg(a.attname, ', ' ORDER BY k.n)
          FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS columns,
       pg_get_expr(i.indpred, i.indrelid) AS partial
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 WHERE i.indisunique
   AND i.indrelid IN ('cbl.shipment'::regclass, 'cbl.shipment_reference'::regclass, 'cbl.reference_lookup'::regclass)
 ORDER BY 1, 2;

-- Writers and readers: volatility, parallel safety, who may run them.
SELECT p.oid::regprocedure AS function, p.provolatile, p.proparallel,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_executes
  FROM pg_proc p
 WHERE p.oid IN ('cbl.create_shipment(text, text, text, text, text, text, text, jsonb)'::regprocedure,
                 'cbl.add_shipment_reference(bigint, text, text)'::regprocedure,
                 'cbl.find_shipment(text, text)'::regprocedure,
                 'cbl.find_shipments(text)'::regprocedure,
                 'cbl.party_id(text, text)'::regprocedure,
                 'cbl.canonical_reference(text, text)'::regprocedure,
                 'cbl.reference_kinds()'::regprocedure)
 ORDER BY p.oid::regprocedure::text;
-- Partners' data is not readable by PUBLIC.
SELECT c AS relation, has_table_privilege('public', c, 'SELECT') AS public_reads
  FROM unnest(ARRAY['cbl.party', 'cbl.shipment', 'cbl.shipment_reference', 'cbl.reference_lookup']) AS c;
-- A role without grants can call the readers but not read the tables behind them,
-- and cannot call the writers.
CREATE ROLE regress_cbl_outsider;
SET ROLE regress_cbl_outsider;
SELECT cbl.find_shipment('EK-0001');
SELECT cbl.create_shipment('OUT-1', 'air', 'BOLT');
SELECT cbl.canonical_reference('awb', '17612345675');
RESET ROLE;
-- With the grants docs/milestones.md lists, it can create shipments (no
-- privilege on the id sequences is needed: cbl.next_shipment_id() draws
-- the ids).
CREATE ROLE regress_cbl_booking;
GRANT EXECUTE ON FUNCTION cbl.create_shipment(text, text, text, text, text, text, text, jsonb),
                          cbl.add_shipment_reference(bigint, text, text),
                          cbl.attach_pending(bigint), cbl.next_shipment_id() TO regress_cbl_booking;
GRANT SELECT, INSERT ON cbl.shipment, cbl.shipment_reference, cbl.reference_lookup TO regress_cbl_booking;
GRANT SELECT ON cbl.party TO regress_cbl_booking;
SET ROLE regress_cbl_booking;
SELECT cbl.create_shipment('BOOK-1', 'express_parcel', 'ACME', refs => '{"tracking": "1Z-BOOK-1"}') AS book1 \gset
SELECT cbl.find_shipment('1Z-BOOK-1') = :book1 AS booked;
RESET ROLE;
DROP OWNED BY regress_cbl_booking;
DROP ROLE regress_cbl_booking;
DROP ROLE regress_cbl_outsider;

-- Everything here is commented: tables, their columns, functions, the index.
SELECT c.relname, a.attname
  FROM pg_class c LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.oid IN ('cbl.party'::regclass, 'cbl.shipment'::regclass, 'cbl.shipment_reference'::regclass,
                 'cbl.reference_lookup'::regclass)
   AND (obj_description(c.oid, 'pg_class') IS NULL OR col_description(c.oid, a.attnum) IS NULL);
SELECT p.oid::regprocedure AS uncommented FROM pg_proc p
 WHERE p.pronamespace = 'cbl'::regnamespace
   AND p.proname IN ('create_shipment', 'add_shipment_reference', 'find_shipment', 'find_shipments',
                     'party_id', 'canonical_reference', 'reference_kinds')
   AND obj_description(p.oid, 'pg_proc') IS NULL;
SELECT obj_description('cbl.reference_lookup_identifies_one_key'::regclass, 'pg_class') IS NOT NULL AS index_commented;

-- pg_dump keeps all of these tables and the sequences of their ids.
SELECT c.relname, e.extcondition
  FROM pg_extension x, unnest(x.extconfig, x.extcondition) AS e(oid, extcondition)
  JOIN pg_class c ON c.oid = e.oid
 WHERE x.extname = 'cbl'
   AND c.relname IN ('party', 'party_id_seq', 'shipment', 'shipment_id_seq', 'shipment_reference', 'reference_lookup')
 ORDER BY c.relname;

-- Leave no shipments or parties behind for later tests.
DELETE FROM cbl.shipment;
DELETE FROM cbl.party;
SELECT (SELECT count(*) FROM cbl.shipment_reference) AS refs, (SELECT count(*) FROM cbl.reference_lookup) AS lookups;

-- A shipment is found by its own reference through an index (status
-- look-ups by reference read one shipment, not the table), and the kinds of
-- reference are estimated at their real number (11), so find_shipments
-- probes the look-up index.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM cbl.shipment WHERE reference = 'EXP-1';
RESET enable_seqscan;
SELECT prorows FROM pg_proc WHERE oid = 'cbl.reference_kinds()'::regprocedure;
