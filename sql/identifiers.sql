-- cbl.awb, cbl.container_no, cbl.s10: check-digit identifiers.
-- The first part runs the examples of docs/identifiers.md verbatim.

-- ===== docs/identifiers.md examples =========================================
SELECT '176-12345675'::cbl.awb, '17612345675'::cbl.awb, ' 176 12345675 '::cbl.awb;
SELECT '176-12345670'::cbl.awb;
SELECT 'CSQU 305438 3'::cbl.container_no, 'csqu-305438-3'::cbl.container_no;
SELECT 'CSQU3054384'::cbl.container_no;
SELECT 'rr 123 456 785 cn'::cbl.s10, 'RR 12345678 5 CN'::cbl.s10;
SELECT 'RR123456785XX'::cbl.s10;
SELECT cbl.is_valid_awb('176-12345670') AS awb_ok,
       cbl.is_valid_container_no('CSQU3054383') AS container_ok,
       cbl.is_valid_s10('RR123456785XX') AS s10_ok;
SELECT line FROM (VALUES ('176-12345675'), ('176-1234567'), ('176 12345675')) AS v(line)
 WHERE NOT cbl.is_valid_awb(line);
SELECT cbl.airline_prefix('176-12345675'),
       cbl.owner_code('CSQU3054383'),
       cbl.s10_service('RR123456785CN'),
       cbl.s10_country('RR123456785CN');
SET search_path = "$user", public, cbl;
CREATE TABLE air_shipment (
  awb       cbl.awb PRIMARY KEY,
  container cbl.container_no,
  item      cbl.s10
);
CREATE INDEX ON air_shipment USING hash (container);
INSERT INTO air_shipment VALUES ('176-12345675', 'CSQU3054383', 'RR123456785CN');
INSERT INTO air_shipment VALUES ('17612345675', 'CSQU3054383', 'RR123456785CN');
SELECT awb, item FROM air_shipment WHERE container = 'csqu 305438 3';
SELECT awb FROM air_shipment WHERE awb OPERATOR(cbl.=) '176 12345675';
-- (not in the docs: clean up)
DROP TABLE air_shipment;

SET search_path = cbl, public;

-- ===== cbl.awb ===============================================================
-- Accepted forms all give the canonical text.
SELECT input, input::awb AS awb
  FROM (VALUES ('176-12345675'), ('17612345675'), ('176 12345675'),
               (E'\t176-12345675\n'), ('020-12345675'), ('618-00000011'),
               ('000-00000000'), ('999-99999992')) AS v(input);
-- Casts through text work both ways; int8 does not cast.
SELECT ('17612345675'::text)::awb AS from_text, ('176-12345675'::awb)::text AS to_text;
SELECT 17612345675::bigint::awb;
-- Every kind of bad input.
SELECT ''::awb;
SELECT '   '::awb;
SELECT '176-1234567'::awb;
SELECT '176-123456755'::awb;
SELECT '176-1234567A'::awb;
SELECT E'176\xe2\x80\x9312345675'::awb;
SELECT '176_12345675'::awb;
SELECT '1761-2345675'::awb;
SELECT '176--12345675'::awb;
SELECT '176 - 12345675'::awb;
SELECT '-17612345675'::awb;
SELECT '17612345675-'::awb;
SELECT '176-12345670'::awb;
SELECT '999-99999996'::awb;
-- The twin never raises.
SELECT input, is_valid_awb(input)
  FROM (VALUES ('176-12345675'), ('17612345675'), (' 176 12345675 '), ('176-12345670'),
               (''), ('176-1234567'), ('abc'), (NULL)) AS v(input);
SELECT is_valid_awb(E'176\xe2\x80\x9312345675') AS en_dash, is_valid_awb(E'176\x0112345675') AS control;
-- Accessor.
SELECT airline_prefix('020-12345675'), airline_prefix('000-00000000');
-- Operators.
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le, a > b AS gt, a >= b AS ge,
       awb_cmp(a, b) AS cmp
  FROM (VALUES ('176-12345675'::awb, '17612345675'::awb),
               ('020-12345675', '176-12345675'),
               ('176-12345675', '176-12345686'),
               ('999-99999992', '000-00000000')) AS v(a, b);

-- ===== cbl.container_no ======================================================
SELECT input, input::container_no AS container_no
  FROM (VALUES ('CSQU3054383'), ('csqu3054383'), ('CSQU 305438 3'), ('CSQU-305438-3'),
               ('CSQ U 305438 3'), (' CSQU305438 3 '), ('AAAJ0000000'), ('ZZZZ9999996'),
               ('MSCZ1234560')) AS v(input);
SELECT ''::container_no;
SELECT 'CSQU305438'::container_no;
SELECT 'CSQU30543833'::container_no;
SELECT 'CSQU.3054383'::container_no;
SELECT 'CSQU  305438 3'::container_no;
SELECT 'CS QU3054383'::container_no;
SELECT 'C5QU3054383'::container_no;
SELECT 'CSQX3054383'::container_no;
SELECT 'CSQ13054383'::container_no;
SELECT 'CSQU30543A3'::container_no;
SELECT 'CSQU305438X'::container_no;
SELECT 'CSQU3054384'::container_no;
SELECT input, is_valid_container_no(input)
  FROM (VALUES ('CSQU3054383'), ('csqu 305438-3'), ('CSQU3054384'), ('CSQX3054383'),
               (''), ('CSQU305438'), (E'CSQU\x01'), (NULL)) AS v(input);
SELECT owner_code('CSQU3054383'), owner_code('AAAJ0000000');
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le, a > b AS gt, a >= b AS ge,
       container_no_cmp(a, b) AS cmp
  FROM (VALUES ('CSQU3054383'::container_no, 'csqu 305438 3'::container_no),
               ('AAAJ0000000', 'CSQU3054383'),
               ('CSQJ3054386', 'CSQU3054383'),
               ('ZZZZ9999996', 'CSQU3054383')) AS v(a, b);

-- ===== cbl.s10 ===============================================================
SELECT input, input::s10 AS s10
  FROM (VALUES ('RR123456785CN'), ('rr123456785cn'), ('RR 123 456 785 CN'),
               ('RR 12345678 5 CN'), ('EE123456785GB'), ('AA000000005AD'),
               ('RR000000080CN'), ('ZZ999999995ZW')) AS v(input);
SELECT ''::s10;
SELECT 'RR12345678CN'::s10;
SELECT 'RR1234567855CN'::s10;
SELECT 'RR-123456785CN'::s10;
SELECT 'RR  123456785CN'::s10;
SELECT 'RR1 23456785CN'::s10;
SELECT 'R1123456785CN'::s10;
SELECT 'RR1234567A5CN'::s10;
SELECT 'RR12345678XCN'::s10;
SELECT 'RR123456785C1'::s10;
SELECT 'RR123456785XX'::s10;
SELECT 'RR123456780CN'::s10;
SELECT input, is_valid_s10(input)
  FROM (VALUES ('RR123456785CN'), ('rr 123 456 785 cn'), ('RR123456780CN'),
               ('RR123456785UK'), (''), ('RR12345678CN'), (NULL)) AS v(input);
SELECT s10_service('EE123456785GB'), s10_country('EE123456785GB');
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le, a > b AS gt, a >= b AS ge,
       s10_cmp(a, b) AS cmp
  FROM (VALUES ('RR123456785CN'::s10, 'rr 123 456 785 cn'::s10),
               ('EE123456785GB', 'RR123456785CN'),
               ('RR123456785CN', 'RR123456785GB'),
               ('RR123456785GB', 'RR000000080CN')) AS v(a, b);

-- ===== SQLSTATE of input errors ==============================================
CREATE FUNCTION pg_temp.input_error(typ text, input text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  st text;
  msg text;
  det text;
BEGIN
  EXECUTE format('SELECT %L::%s', input, typ);
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  RETURN st || ' ' || msg || ' / ' || det;
END $$;
SELECT pg_temp.input_error(typ, input)
  FROM (VALUES ('cbl.awb', '176-12345670'), ('cbl.awb', '176-1234567'),
               ('cbl.container_no', 'CSQX3054383'), ('cbl.container_no', 'CSQU3054384'),
               ('cbl.s10', 'RR123456785XX'), ('cbl.s10', 'RR123456780CN')) AS v(typ, input);

-- ===== Check digits against independent SQL implementations ==================
-- AWB: the 7-digit serial modulo 7.
SELECT count(*) AS n,
       count(*) FILTER (WHERE is_valid_awb(good)) AS good_valid,
       count(*) FILTER (WHERE is_valid_awb(bad)) AS bad_valid,
       count(*) FILTER (WHERE good::awb::text = good) AS canonical
  FROM (SELECT lpad(p::text, 3, '0') || '-' || lpad(s::text, 7, '0') || (s % 7) AS good,
               lpad(p::text, 3, '0') || '-' || lpad(s::text, 7, '0') || ((s % 7 + 1 + s % 3) % 10) AS bad
          FROM generate_series(0, 999, 37) AS p, generate_series(0, 9999999, 99991) AS s) AS g;
-- ISO 6346: letters valued from 10 skipping multiples of 11, weights 2^i,
-- sum mod 11 mod 10.
CREATE FUNCTION pg_temp.iso6346_check(c text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
  SELECT (sum(CASE WHEN i <= 4
                   THEN strpos('A_BCDEFGHIJK_LMNOPQRSTU_VWXYZ', substr(c, i, 1)) + 9
                   ELSE substr(c, i, 1)::integer END * (2 ^ (i - 1))::integer) % 11 % 10)::integer
    FROM generate_series(1, 10) AS i
$$;
SELECT count(*) AS n,
       count(*) FILTER (WHERE is_valid_container_no(c || ck)) AS good_valid,
       count(*) FILTER (WHERE is_valid_container_no(c || (ck + 1 + s % 9) % 10)) AS bad_valid,
       count(*) FILTER (WHERE (c || ck)::container_no::text = c || ck) AS canonical
  FROM (SELECT c, pg_temp.iso6346_check(c) AS ck, s
          FROM (SELECT o || cat || lpad(s::text, 6, '0') AS c, s
                  FROM unnest(ARRAY['CSQ', 'MSC', 'MAE', 'ABC', 'KLM', 'XYZ', 'TGH']) AS o,
                       unnest(ARRAY['U', 'J', 'Z']) AS cat,
                       generate_series(0, 999999, 4999) AS s) AS c0) AS c1;
-- S10: weights 8 6 4 2 3 5 9 7, 11 - sum mod 11, 10 -> 0, 11 -> 5.
CREATE FUNCTION pg_temp.s10_check(d text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE r WHEN 10 THEN 0 WHEN 11 THEN 5 ELSE r END
    FROM (SELECT 11 - sum(substr(d, i::integer, 1)::integer * w) % 11 AS r
            FROM unnest(ARRAY[8, 6, 4, 2, 3, 5, 9, 7]) WITH ORDINALITY AS t(w, i)) AS x
$$;
SELECT count(*) AS n,
       count(*) FILTER (WHERE is_valid_s10('RR' || d || ck || 'CN')) AS good_valid,
       count(*) FILTER (WHERE is_valid_s10('RR' || d || (ck + 1 + s % 9) % 10 || 'CN')) AS bad_valid,
       count(DISTINCT ck) AS distinct_check_digits
  FROM (SELECT lpad(s::text, 8, '0') AS d, pg_temp.s10_check(lpad(s::text, 8, '0')) AS ck, s
          FROM generate_series(0, 99999999, 99989) AS s) AS g;

-- ===== Order: integer order is the order of the canonical text ===============
CREATE TEMP TABLE ids (a awb, c container_no, s s10);
INSERT INTO ids VALUES
  ('176-12345675', 'CSQU3054383', 'RR123456785CN'),
  ('020-12345675', 'AAAJ0000000', 'EE123456785GB'),
  ('999-99999992', 'ZZZZ9999996', 'ZZ999999995ZW'),
  ('000-00000000', 'CSQJ3054386', 'AA000000005AD'),
  ('618-00000011', 'MSCZ1234560', 'RR000000080CN'),
  ('176-12345686', 'CSQZ3054387', 'RR123456785GB');
SELECT array_agg(a ORDER BY a) AS by_value,
       array_agg(a ORDER BY a) = array_agg(a ORDER BY a::text COLLATE "C") AS same_as_text
  FROM ids;
SELECT array_agg(c ORDER BY c) AS by_value,
       array_agg(c ORDER BY c) = array_agg(c ORDER BY c::text COLLATE "C") AS same_as_text
  FROM ids;
SELECT array_agg(s ORDER BY s) AS by_value,
       array_agg(s ORDER BY s) = array_agg(s ORDER BY s::text COLLATE "C") AS same_as_text
  FROM ids;
SELECT min(a::text), max(c::text), count(DISTINCT s) FROM ids;

-- ===== Indexes ===============================================================
CREATE TEMP TABLE awb_t AS
  SELECT (lpad(p::text, 3, '0') || lpad(s::text, 7, '0') || (s % 7))::awb AS awb, p, s
    FROM generate_series(1, 40) AS p, generate_series(1000000, 1000099) AS s;
CREATE TEMP TABLE container_t AS
  SELECT (c || pg_temp.iso6346_check(c))::container_no AS container, s
    FROM (SELECT o || 'U' || lpad(s::text, 6, '0') AS c, s
            FROM unnest(ARRAY['CSQ', 'MSC', 'MAE', 'TGH']) AS o,
                 generate_series(100000, 100999) AS s) AS c0;
CREATE TEMP TABLE s10_t AS
  SELECT ('RR' || d || pg_temp.s10_check(d) || cc)::s10 AS item, s
    FROM (SELECT lpad(s::text, 8, '0') AS d, s
            FROM generate_series(10000000, 10000999) AS s) AS g,
         unnest(ARRAY['CN', 'DE', 'GB', 'US']) AS cc;
SELECT (SELECT count(*) FROM awb_t) AS awbs, (SELECT count(*) FROM container_t) AS containers,
       (SELECT count(*) FROM s10_t) AS items;
CREATE INDEX awb_t_btree ON awb_t (awb);
CREATE INDEX container_t_btree ON container_t (container);
CREATE INDEX s10_t_btree ON s10_t (item);
VACUUM ANALYZE awb_t, container_t, s10_t;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT p, s FROM awb_t WHERE awb = '017-10000502';
SELECT p, s FROM awb_t WHERE awb = '017-10000502';
EXPLAIN (COSTS OFF) SELECT awb FROM awb_t WHERE awb BETWEEN '040-10000955' AND '041-00000000' ORDER BY awb;
SELECT awb FROM awb_t WHERE awb BETWEEN '040-10000955' AND '041-00000000' ORDER BY awb;
EXPLAIN (COSTS OFF) SELECT s FROM container_t WHERE container = 'mae u 100123 0';
SELECT s FROM container_t WHERE container = 'mae u 100123 0';
EXPLAIN (COSTS OFF) SELECT container FROM container_t WHERE container > 'TGHU1009951' ORDER BY container;
SELECT container FROM container_t WHERE container > 'TGHU1009951' ORDER BY container;
EXPLAIN (COSTS OFF) SELECT s FROM s10_t WHERE item = 'RR100005005DE';
SELECT s FROM s10_t WHERE item = 'RR100005005DE';
EXPLAIN (COSTS OFF) SELECT item FROM s10_t WHERE item < 'RR100000017US' ORDER BY item DESC;
SELECT item FROM s10_t WHERE item < 'RR100000017US' ORDER BY item DESC;
DROP INDEX awb_t_btree, container_t_btree, s10_t_btree;
CREATE INDEX awb_t_hash ON awb_t USING hash (awb);
CREATE INDEX container_t_hash ON container_t USING hash (container);
CREATE INDEX s10_t_hash ON s10_t USING hash (item);
VACUUM ANALYZE awb_t, container_t, s10_t;
EXPLAIN (COSTS OFF) SELECT p, s FROM awb_t WHERE awb = '017-10000502';
SELECT p, s FROM awb_t WHERE awb = '017-10000502';
EXPLAIN (COSTS OFF) SELECT s FROM container_t WHERE container = 'mae u 100123 0';
SELECT s FROM container_t WHERE container = 'mae u 100123 0';
EXPLAIN (COSTS OFF) SELECT s FROM s10_t WHERE item = 'RR100005005DE';
SELECT s FROM s10_t WHERE item = 'RR100005005DE';
RESET enable_seqscan;
RESET enable_bitmapscan;
-- A unique index compares canonical values.
CREATE UNIQUE INDEX container_t_unique ON container_t (container);
INSERT INTO container_t VALUES ('csqu 100000 6', 0);
DROP INDEX container_t_unique;

-- ===== Hash and merge joins, hash aggregation, hash partitioning ==============
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM awb_t x JOIN awb_t y USING (awb);
SELECT count(*) FROM awb_t x JOIN awb_t y USING (awb);
RESET enable_nestloop;
SET enable_hashjoin = off;
SET enable_mergejoin = on;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM s10_t x JOIN s10_t y USING (item);
SELECT count(*) FROM s10_t x JOIN s10_t y USING (item);
RESET enable_nestloop;
RESET enable_hashjoin;
RESET enable_mergejoin;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT container, count(*) FROM container_t GROUP BY container;
SELECT count(*) FROM (SELECT container FROM container_t GROUP BY container) AS g;
SELECT owner_code(container), count(*) FROM container_t GROUP BY 1 ORDER BY 1;
RESET enable_sort;
CREATE TEMP TABLE awb_parts (awb awb) PARTITION BY HASH (awb);
CREATE TEMP TABLE awb_parts_0 PARTITION OF awb_parts FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TEMP TABLE awb_parts_1 PARTITION OF awb_parts FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO awb_parts SELECT awb FROM awb_t;
SELECT count(*) > 0 AS p0_used FROM awb_parts_0;
SELECT count(*) > 0 AS p1_used FROM awb_parts_1;
SELECT count(*) FROM awb_parts WHERE awb = '017-10000502';
CREATE TEMP TABLE container_parts (c container_no) PARTITION BY HASH (c);
CREATE TEMP TABLE container_parts_0 PARTITION OF container_parts FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TEMP TABLE container_parts_1 PARTITION OF container_parts FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO container_parts SELECT container FROM container_t;
SELECT (SELECT count(*) FROM container_parts_0) > 0 AS p0_used,
       (SELECT count(*) FROM container_parts_1) > 0 AS p1_used;
CREATE TEMP TABLE s10_parts (i s10) PARTITION BY HASH (i);
CREATE TEMP TABLE s10_parts_0 PARTITION OF s10_parts FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TEMP TABLE s10_parts_1 PARTITION OF s10_parts FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO s10_parts SELECT item FROM s10_t;
SELECT (SELECT count(*) FROM s10_parts_0) > 0 AS p0_used,
       (SELECT count(*) FROM s10_parts_1) > 0 AS p1_used;

-- ===== Binary I/O: send and recv through COPY (FORMAT binary) ===============
SELECT current_setting('data_directory') || '/cbl_identifiers_test.bin' AS binfile \gset
COPY ids TO :'binfile' (FORMAT binary);
CREATE TEMP TABLE ids_copy (LIKE ids);
COPY ids_copy FROM :'binfile' (FORMAT binary);
SELECT count(*) AS copied,
       (SELECT count(*) FROM (TABLE ids EXCEPT TABLE ids_copy) AS d) AS differences
  FROM ids_copy;
-- The packed values, read back as int8.
CREATE TEMP TABLE ids_packed (a int8, c int8, s int8);
COPY ids_packed FROM :'binfile' (FORMAT binary);
SELECT * FROM ids_packed ORDER BY a;
-- recv rejects packed values that are not valid identifiers.
CREATE TEMP TABLE raw_int8 (v int8);
CREATE TEMP TABLE awb_in (v awb);
CREATE TEMP TABLE container_in (v container_no);
CREATE TEMP TABLE s10_in (v s10);
INSERT INTO raw_int8 VALUES (17612345675);
COPY raw_int8 TO :'binfile' (FORMAT binary);
COPY awb_in FROM :'binfile' (FORMAT binary);
TRUNCATE raw_int8;
INSERT INTO raw_int8 VALUES (17612345670);
COPY raw_int8 TO :'binfile' (FORMAT binary);
COPY awb_in FROM :'binfile' (FORMAT binary);
TRUNCATE raw_int8;
INSERT INTO raw_int8 VALUES (-1);
COPY raw_int8 TO :'binfile' (FORMAT binary);
COPY awb_in FROM :'binfile' (FORMAT binary);
COPY container_in FROM :'binfile' (FORMAT binary);
COPY s10_in FROM :'binfile' (FORMAT binary);
TRUNCATE raw_int8;
INSERT INTO raw_int8 VALUES (100000000000);
COPY raw_int8 TO :'binfile' (FORMAT binary);
COPY awb_in FROM :'binfile' (FORMAT binary);
TRUNCATE raw_int8;
-- container: CSQU3054383 is 477563054383; CSQA3054383 is 477563054383 - 20 * 10^7
INSERT INTO raw_int8 VALUES (477563054383);
COPY raw_int8 TO :'binfile' (FORMAT binary);
COPY container_in FROM :'binfile' (FORMAT binary);
TRUNCATE raw_int8;
INSERT INTO raw_int8 VALUES (477563054383 - 20 * 10000000);
COPY raw_int8 TO :'binfile' (FORMAT binary);
COPY container_in FROM :'binfile' (FORMAT binary);
TRUNCATE raw_int8;
INSERT INTO raw_int8 VALUES (477563054384);
COPY raw_int8 TO :'binfile' (FORMAT binary);
COPY container_in FROM :'binfile' (FORMAT binary);
TRUNCATE raw_int8;
INSERT INTO raw_int8 VALUES (456976::int8 * 10000000);
COPY raw_int8 TO :'binfile' (FORMAT binary);
COPY container_in FROM :'binfile' (FORMAT binary);
TRUNCATE raw_int8;
-- S10: RR123456785CN is 310367456786725; country last (CN = 2 * 26 + 13 = 65)
INSERT INTO raw_int8 VALUES (310367456786725);
COPY raw_int8 TO :'binfile' (FORMAT binary);
COPY s10_in FROM :'binfile' (FORMAT binary);
TRUNCATE raw_int8;
INSERT INTO raw_int8 VALUES (310367456786725 - 65 + (23 * 26 + 23));
COPY raw_int8 TO :'binfile' (FORMAT binary);
COPY s10_in FROM :'binfile' (FORMAT binary);
TRUNCATE raw_int8;
INSERT INTO raw_int8 VALUES (310367456786725 + 676);
COPY raw_int8 TO :'binfile' (FORMAT binary);
COPY s10_in FROM :'binfile' (FORMAT binary);
TRUNCATE raw_int8;
INSERT INTO raw_int8 VALUES (676::int8 * 1000000000 * 676);
COPY raw_int8 TO :'binfile' (FORMAT binary);
COPY s10_in FROM :'binfile' (FORMAT binary);
SELECT v::text FROM awb_in UNION ALL SELECT v::text FROM container_in UNION ALL SELECT v::text FROM s10_in;

-- ===== Catalog: declarations and comments ====================================
-- Every function taking or returning these types, and the twins.
SELECT p.oid::regprocedure AS function, p.provolatile AS vol, p.proisstrict AS strict,
       p.proparallel AS par, obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
  FROM pg_proc p
 WHERE p.pronamespace = 'cbl'::regnamespace
   AND (p.prorettype IN ('cbl.awb'::regtype, 'cbl.container_no'::regtype, 'cbl.s10'::regtype)
        OR p.proargtypes::oid[] && ARRAY['cbl.awb'::regtype, 'cbl.container_no'::regtype, 'cbl.s10'::regtype]::oid[]
        OR p.proname ~ '^(is_valid_(awb|container_no|s10)|(awb|container_no|s10)_sortsupport)$')
 ORDER BY p.proname COLLATE "C";
SELECT o.oid::regoperator AS operator, o.oprcanhash AS hashes, o.oprcanmerge AS merges,
       o.oprcom::regoperator AS commutator, o.oprnegate::regoperator AS negator,
       obj_description(o.oid, 'pg_operator') IS NOT NULL AS commented
  FROM pg_operator o
 WHERE o.oprleft IN ('cbl.awb'::regtype, 'cbl.container_no'::regtype, 'cbl.s10'::regtype)
 ORDER BY o.oprleft::regtype::text COLLATE "C", o.oprname;
SELECT t.oid::regtype AS type, t.typlen, t.typbyval, t.typalign,
       obj_description(t.oid, 'pg_type') IS NOT NULL AS commented
  FROM pg_type t
 WHERE t.oid IN ('cbl.awb'::regtype, 'cbl.container_no'::regtype, 'cbl.s10'::regtype)
 ORDER BY t.oid::regtype::text COLLATE "C";
SELECT c.opcname, a.amname, c.opcdefault, amvalidate(c.oid) AS valid,
       obj_description(c.oid, 'pg_opclass') IS NOT NULL AS commented
  FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
 WHERE c.opcintype IN ('cbl.awb'::regtype, 'cbl.container_no'::regtype, 'cbl.s10'::regtype)
 ORDER BY 1, 2;
SELECT count(*) AS casts_from_int8
  FROM pg_cast
 WHERE castsource = 'int8'::regtype
   AND casttarget IN ('cbl.awb'::regtype, 'cbl.container_no'::regtype, 'cbl.s10'::regtype);

RESET search_path;
