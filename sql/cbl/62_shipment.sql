-- Parties, shipments and their references (docs/milestones.md).
--
-- Ready for Citus: every shipment-keyed table has shipment_id in its primary
-- key and unique keys, so it can be distributed by shipment id (co-located
-- with events and charges).  The global uniqueness of a reference cannot be
-- a unique key of such a table, so it lives in cbl.reference_lookup, keyed by
-- (kind, value) and distributable by value.  The two are kept in step by
-- plain functions (cbl.create_shipment, cbl.add_shipment_reference), not
-- triggers, which Citus restricts on distributed tables.  Parties are
-- reference data (a Citus reference table).

CREATE TABLE cbl.party (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind        text NOT NULL
              CONSTRAINT party_kind_check
              CHECK (kind IN ('customer', 'carrier', 'agent', 'broker', 'warehouse', 'operator')),
  code        text NOT NULL
              CONSTRAINT party_code_check CHECK (code <> '' AND code = btrim(code, E' \t\r\n')),
  name        text NOT NULL CONSTRAINT party_name_check CHECK (name <> ''),
  country     text REFERENCES cbl.country (code),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT party_kind_code_key UNIQUE (kind, code),
  -- the target of the shipment's (party id, kind) foreign keys
  CONSTRAINT party_id_kind_key UNIQUE (id, kind)
);
COMMENT ON TABLE cbl.party IS
  'business partners: customers (bill-to), carriers, agents, customs brokers, warehouses and operators; one row per role an organisation plays';
COMMENT ON COLUMN cbl.party.id IS 'party id';
COMMENT ON COLUMN cbl.party.kind IS 'role: customer, carrier, agent, broker, warehouse or operator';
COMMENT ON COLUMN cbl.party.code IS 'short code, unique within the kind, by which applications name the party, e.g. ACME';
COMMENT ON COLUMN cbl.party.name IS 'name of the party';
COMMENT ON COLUMN cbl.party.country IS 'ISO 3166-1 alpha-2 country where the party is based';
COMMENT ON COLUMN cbl.party.created_at IS 'when the party was added';

-- Reference kinds.  Some identify one shipment; others are shared by
-- several: a master air waybill or master B/L covers a whole consolidation,
-- an LCL container carries many shipments (and every container is reused
-- voyage after voyage), a carrier booking or a customer's order number may
-- cover several shipments.
CREATE FUNCTION cbl.reference_kinds()
RETURNS TABLE (kind text, identifies_one boolean, description text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 11
SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM (VALUES
    ('reference',    true,  'the shipment''s own reference (waybill or job number)'),
    ('awb',          false, 'IATA air waybill number (cbl.awb); a master AWB covers a whole consolidation'),
    ('hawb',         true,  'house air waybill number of the forwarder'),
    ('bl',           false, 'ocean bill of lading (master B/L) number; may cover several house B/Ls'),
    ('hbl',          true,  'house bill of lading number of the forwarder'),
    ('booking',      false, 'carrier booking number; a booking may carry several shipments'),
    ('container',    false, 'ISO 6346 container number (cbl.container_no); shared in LCL and reused over time'),
    ('tracking',     true,  'carrier or last-mile tracking number'),
    ('s10',          true,  'UPU S10 postal item identifier (cbl.s10)'),
    ('customer_ref', false, 'the customer''s own reference, such as an order number; an order may ship in parts'),
    ('other',        false, 'any other reference')
  ) AS k(kind, identifies_one, description)
$$;
COMMENT ON FUNCTION cbl.reference_kinds() IS
  'the kinds of shipment reference, whether a value of that kind identifies one shipment only, and what it is';

CREATE FUNCTION cbl.canonical_reference(kind text, value text) RETURNS text
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'cbl_canonical_reference';
COMMENT ON FUNCTION cbl.canonical_reference(text, text) IS
  'the stored form of a reference of a kind: canonical text for awb, container and s10 (check digit verified), trimmed text otherwise; NULL if not valid';

-- The keys a reference text can find a shipment by: kind:canonical form,
-- for every kind the text is valid as.  A shipment is found by the text
-- when one of these is kind:value of one of its references (the same match
-- as cbl.find_shipments), so pending events can be matched through an index.
CREATE FUNCTION cbl.reference_keys(refs text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(array_agg(DISTINCT k.kind || ':' || c.value ORDER BY k.kind || ':' || c.value), '{}')
    FROM unnest(string_to_array(refs, E'\x1f')) r(ref)
   CROSS JOIN cbl.reference_kinds() k
   CROSS JOIN LATERAL (SELECT cbl.canonical_reference(k.kind, r.ref) AS value) c
   WHERE c.value IS NOT NULL
$$;
COMMENT ON FUNCTION cbl.reference_keys(text) IS
  'kind:canonical value for every kind of reference the text (several separated by U+001F) is valid as: the keys it finds shipments by';

-- Shipment ids carry the month the shipment was created in (UTC):
--   id = (year * 12 + month - 1) << 40 | n,   1 <= n < 2^40,
-- n from cbl.shipment_id_seq.  Ids grow with time, and the tables keyed by
-- shipment id can be partitioned by month as ranges of ids, whose bounds are
-- known in advance (77_partition.sql, docs/scaling.md).
CREATE SEQUENCE cbl.shipment_id_seq AS bigint MAXVALUE 1099511627775;
COMMENT ON SEQUENCE cbl.shipment_id_seq IS
  'the serial part n of shipment ids (cbl.next_shipment_id); at most 2^40 - 1';

CREATE FUNCTION cbl.shipment_id(month date, n bigint) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF n < 0 OR n >= 1099511627776 THEN
    RAISE EXCEPTION 'the serial part of a shipment id must be from 0 to 2^40 - 1, not %', n
      USING ERRCODE = 'numeric_value_out_of_range';
  END IF;
  IF month < date '0001-01-01' OR month >= date '100000-01-01' THEN
    RAISE EXCEPTION 'a shipment id cannot carry the month of %', month
      USING ERRCODE = 'numeric_value_out_of_range',
            HINT = 'Shipment ids carry months of the years 1 to 99999.';
  END IF;
  RETURN ((extract(year FROM month)::bigint * 12 + extract(month FROM month)::bigint - 1) << 40) | n;
END $$;
COMMENT ON FUNCTION cbl.shipment_id(date, bigint) IS
  'the shipment id of serial part n in the month of a date: (year * 12 + month - 1) << 40 | n; with n = 0, the lowest id of that month';

CREATE FUNCTION cbl.shipment_month(id bigint) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN id >> 40 BETWEEN 12 AND 1199999
              THEN make_date(((id >> 40) / 12)::integer, ((id >> 40) % 12)::integer + 1, 1) END
$$;
COMMENT ON FUNCTION cbl.shipment_month(bigint) IS
  'the month a shipment id was made in (its first day), decoded from the id; NULL for an id that carries no month of the years 1 to 99999';

-- SECURITY DEFINER: a role allowed to create shipments needs EXECUTE on it
-- (the default of cbl.shipment.id), not rights on the sequence.
CREATE FUNCTION cbl.next_shipment_id() RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
  SELECT cbl.shipment_id((now() AT TIME ZONE 'UTC')::date, nextval('cbl.shipment_id_seq'))
$$;
COMMENT ON FUNCTION cbl.next_shipment_id() IS
  'a new shipment id in the current month (UTC, as of the transaction''s start): the default of cbl.shipment.id';
REVOKE ALL ON FUNCTION cbl.next_shipment_id() FROM PUBLIC;

CREATE TABLE cbl.shipment (
  id                   bigint PRIMARY KEY DEFAULT cbl.next_shipment_id(),
  reference            text NOT NULL
                       CONSTRAINT shipment_reference_check
                       CHECK (cbl.canonical_reference('reference', reference) IS NOT DISTINCT FROM reference),
  framework            text NOT NULL REFERENCES cbl.framework (code),
  customer_id          bigint NOT NULL,
  customer_kind        text NOT NULL GENERATED ALWAYS AS ('customer') STORED,
  carrier_id           bigint,
  carrier_kind         text NOT NULL GENERATED ALWAYS AS ('carrier') STORED,
  agent_id             bigint,
  agent_kind           text NOT NULL GENERATED ALWAYS AS ('agent') STORED,
  origin_country       text REFERENCES cbl.country (code),
  destination_country  text REFERENCES cbl.country (code),
  created_at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT shipment_id_check CHECK (cbl.shipment_month(id) IS NOT NULL),
  CONSTRAINT shipment_customer_fkey FOREIGN KEY (customer_id, customer_kind) REFERENCES cbl.party (id, kind),
  CONSTRAINT shipment_carrier_fkey FOREIGN KEY (carrier_id, carrier_kind) REFERENCES cbl.party (id, kind),
  CONSTRAINT shipment_agent_fkey FOREIGN KEY (agent_id, agent_kind) REFERENCES cbl.party (id, kind)
);
-- Status by reference (cbl.v_shipment_status WHERE reference = ...) reads
-- one shipment, not the table (docs/performance.md, Scale).  Not unique:
-- cbl.reference_lookup_identifies_one_key already makes it so, and a unique
-- key of a table distributed by id must contain the id (docs/scaling.md).
CREATE INDEX shipment_reference_idx ON cbl.shipment (reference);
COMMENT ON INDEX cbl.shipment_reference_idx IS 'a shipment by its own reference (status look-ups)';
CREATE INDEX shipment_customer_id_idx ON cbl.shipment (customer_id);
CREATE INDEX shipment_carrier_id_idx ON cbl.shipment (carrier_id) WHERE carrier_id IS NOT NULL;
CREATE INDEX shipment_agent_id_idx ON cbl.shipment (agent_id) WHERE agent_id IS NOT NULL;
COMMENT ON TABLE cbl.shipment IS
  'one consignment under one reference and one framework; create with cbl.create_shipment(), find with cbl.find_shipment()';
COMMENT ON COLUMN cbl.shipment.id IS
  'shipment id: the key every shipment-keyed table (and Citus) distributes by; it carries the month it was made in (cbl.shipment_month), the key cbl.event is partitioned by';
COMMENT ON COLUMN cbl.shipment.reference IS
  'the shipment''s own reference (waybill or job number); unique through cbl.reference_lookup, kind reference';
COMMENT ON COLUMN cbl.shipment.framework IS 'code of the framework (kind of shipment) whose milestones it goes through';
COMMENT ON COLUMN cbl.shipment.customer_id IS 'party (kind customer) billed for the shipment';
COMMENT ON COLUMN cbl.shipment.customer_kind IS 'always customer: makes the foreign key check the party''s kind';
COMMENT ON COLUMN cbl.shipment.carrier_id IS 'party (kind carrier) that carries the shipment, if known';
COMMENT ON COLUMN cbl.shipment.carrier_kind IS 'always carrier: makes the foreign key check the party''s kind';
COMMENT ON COLUMN cbl.shipment.agent_id IS 'party (kind agent): channel partner who brought the customer, if any';
COMMENT ON COLUMN cbl.shipment.agent_kind IS 'always agent: makes the foreign key check the party''s kind';
COMMENT ON COLUMN cbl.shipment.origin_country IS 'ISO 3166-1 alpha-2 country the shipment leaves';
COMMENT ON COLUMN cbl.shipment.destination_country IS 'ISO 3166-1 alpha-2 country the shipment goes to';
COMMENT ON COLUMN cbl.shipment.created_at IS 'when the shipment was created';

CREATE TABLE cbl.shipment_reference (
  shipment_id  bigint NOT NULL REFERENCES cbl.shipment (id) ON DELETE CASCADE,
  kind         text NOT NULL
               CONSTRAINT shipment_reference_kind_check
               CHECK (kind IN ('reference', 'awb', 'hawb', 'bl', 'hbl', 'booking', 'container',
                               'tracking', 's10', 'customer_ref', 'other')),
  value        text NOT NULL
               CONSTRAINT shipment_reference_canonical
               CHECK (cbl.canonical_reference(kind, value) IS NOT DISTINCT FROM value),
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shipment_id, kind, value)
);
COMMENT ON TABLE cbl.shipment_reference IS
  'every reference a shipment is known by (its own, AWB, B/L, containers, tracking numbers ...); add with cbl.add_shipment_reference()';
COMMENT ON COLUMN cbl.shipment_reference.shipment_id IS 'shipment id';
COMMENT ON COLUMN cbl.shipment_reference.kind IS 'kind of reference, one of cbl.reference_kinds()';
COMMENT ON COLUMN cbl.shipment_reference.value IS
  'the reference in canonical form: 176-12345675 for an awb, CSQU3054383 for a container, RR123456785CN for an s10; trimmed text otherwise';
COMMENT ON COLUMN cbl.shipment_reference.created_at IS 'when the reference was added';

CREATE TABLE cbl.reference_lookup (
  kind         text NOT NULL,
  value        text NOT NULL,
  shipment_id  bigint NOT NULL,
  PRIMARY KEY (kind, value, shipment_id),
  -- single node only: drop it before distributing (Citus cannot enforce it
  -- between tables distributed by different columns)
  CONSTRAINT reference_lookup_shipment_reference_fkey FOREIGN KEY (shipment_id, kind, value)
    REFERENCES cbl.shipment_reference (shipment_id, kind, value) ON DELETE CASCADE
);
-- References of the kinds that identify one shipment are globally unique.
CREATE UNIQUE INDEX reference_lookup_identifies_one_key ON cbl.reference_lookup (kind, value)
  WHERE kind IN ('reference', 'hawb', 'hbl', 'tracking', 's10');
COMMENT ON INDEX cbl.reference_lookup_identifies_one_key IS
  'a reference of a kind that identifies one shipment (reference, hawb, hbl, tracking, s10) belongs to one shipment only';
COMMENT ON TABLE cbl.reference_lookup IS
  'index from reference to shipment, keyed by (kind, value) so that on Citus it can be distributed by value; kept in step with cbl.shipment_reference by cbl.add_shipment_reference()';
COMMENT ON COLUMN cbl.reference_lookup.kind IS 'kind of reference, one of cbl.reference_kinds()';
COMMENT ON COLUMN cbl.reference_lookup.value IS 'the reference in canonical form';
COMMENT ON COLUMN cbl.reference_lookup.shipment_id IS 'the shipment known by it';

-- User data: pg_dump keeps all of it.  No GRANT to PUBLIC: partners' data.
SELECT pg_catalog.pg_extension_config_dump('cbl.party', '');
SELECT pg_catalog.pg_extension_config_dump('cbl.party_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('cbl.shipment', '');
SELECT pg_catalog.pg_extension_config_dump('cbl.shipment_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('cbl.shipment_reference', '');
SELECT pg_catalog.pg_extension_config_dump('cbl.reference_lookup', '');

-- The id of a party of a kind, by its code; an error with a hint if none.
CREATE FUNCTION cbl.party_id(kind text, code text) RETURNS bigint
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  result bigint;
  others text;
BEGIN
  SELECT p.id INTO result FROM cbl.party p WHERE p.kind = party_id.kind AND p.code = party_id.code;
  IF FOUND THEN
    RETURN result;
  END IF;
  IF kind NOT IN ('customer', 'carrier', 'agent', 'broker', 'warehouse', 'operator') THEN
    RAISE EXCEPTION 'unknown kind of party "%"', kind
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Parties are of kind customer, carrier, agent, broker, warehouse or operator.';
  END IF;
  SELECT string_agg(p.kind, ', ' ORDER BY p.kind) INTO others
    FROM cbl.party p WHERE p.code = party_id.code;
  IF others IS NOT NULL THEN
    RAISE EXCEPTION 'unknown % "%"', kind, code
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('There is a party "%s" of kind %s, but not of kind %s.', code, others, kind),
            HINT = format('Add it first: INSERT INTO cbl.party (kind, code, name) VALUES (%L, %L, ...).', kind, code);
  END IF;
  RAISE EXCEPTION 'unknown % "%"', kind, code
    USING ERRCODE = 'invalid_parameter_value',
          HINT = format('Add it first: INSERT INTO cbl.party (kind, code, name) VALUES (%L, %L, ...).', kind, code);
END $$;
COMMENT ON FUNCTION cbl.party_id(text, text) IS
  'id of the party of a kind (customer, carrier ...) with a code; an error naming it if there is none';

-- Add one reference to a shipment, keeping cbl.shipment_reference and
-- cbl.reference_lookup in step.  Idempotent.
CREATE FUNCTION cbl.add_shipment_reference(shipment_id bigint, kind text, value text) RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  canon text;
  added boolean := false;
  indexed boolean := false;
  other record;
BEGIN
  IF shipment_id IS NULL OR kind IS NULL OR value IS NULL THEN
    RAISE EXCEPTION 'shipment id, kind and value of a reference must not be null'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- the canonical form; the identifier types explain a bad check digit
  CASE kind
    WHEN 'awb' THEN canon := value::cbl.awb::text;
    WHEN 'container' THEN canon := value::cbl.container_no::text;
    WHEN 's10' THEN canon := value::cbl.s10::text;
    ELSE canon := cbl.canonical_reference(kind, value);
  END CASE;
  IF canon IS NULL THEN
    IF NOT EXISTS (SELECT 1 FROM cbl.reference_kinds() k WHERE k.kind = add_shipment_reference.kind) THEN
      RAISE EXCEPTION 'unknown kind of reference "%"', kind
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Reference kinds are ' || (SELECT string_agg(k.kind, ', ') FROM cbl.reference_kinds() k) || '.';
    END IF;
    RAISE EXCEPTION 'a reference of kind % must not be empty', kind
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM cbl.shipment s WHERE s.id = add_shipment_reference.shipment_id) THEN
    RAISE EXCEPTION 'shipment % does not exist', shipment_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- a reference that identifies one shipment may not be on another
  SELECT l.shipment_id, s.reference INTO other
    FROM cbl.reference_lookup l JOIN cbl.shipment s ON s.id = l.shipment_id
   WHERE l.kind = add_shipment_reference.kind AND l.value = canon
     AND l.shipment_id <> add_shipment_reference.shipment_id
     AND EXISTS (SELECT 1 FROM cbl.reference_kinds() k WHERE k.kind = l.kind AND k.identifies_one)
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION '% % already belongs to another shipment', kind, canon
      USING ERRCODE = 'unique_violation',
            DETAIL = format('It is a reference of shipment %s, and a reference of kind %s identifies one shipment.',
                            other.reference, kind),
            HINT = 'Check the number, or remove it from the other shipment first.';
  END IF;

  INSERT INTO cbl.shipment_reference AS r (shipment_id, kind, value)
  VALUES (add_shipment_reference.shipment_id, add_shipment_reference.kind, canon)
  ON CONFLICT DO NOTHING
  RETURNING true INTO added;
  INSERT INTO cbl.reference_lookup AS l (kind, value, shipment_id)
  VALUES (add_shipment_reference.kind, canon, add_shipment_reference.shipment_id)
  ON CONFLICT DO NOTHING
  RETURNING true INTO indexed;
  IF NOT coalesce(indexed, false)
     AND NOT EXISTS (SELECT 1 FROM cbl.reference_lookup l
                      WHERE l.kind = add_shipment_reference.kind AND l.value = canon
                        AND l.shipment_id = add_shipment_reference.shipment_id) THEN
    -- another transaction gave it to another shipment since the check above
    SELECT l.shipment_id, s.reference INTO other
      FROM cbl.reference_lookup l JOIN cbl.shipment s ON s.id = l.shipment_id
     WHERE l.kind = add_shipment_reference.kind AND l.value = canon
     LIMIT 1;
    RAISE EXCEPTION '% % already belongs to another shipment', kind, canon
      USING ERRCODE = 'unique_violation',
            DETAIL = format('It is a reference of shipment %s, and a reference of kind %s identifies one shipment.',
                            other.reference, kind),
            HINT = 'Check the number, or remove it from the other shipment first.';
  END IF;
  IF coalesce(added, false) OR coalesce(indexed, false) THEN
    -- events that named this reference before it existed attach now (72_event.sql)
    PERFORM cbl.attach_pending(add_shipment_reference.shipment_id);
    RETURN 'added';
  END IF;
  RETURN 'unchanged';
END $$;
COMMENT ON FUNCTION cbl.add_shipment_reference(bigint, text, text) IS
  'add a reference to a shipment (idempotent: returns added or unchanged); awb, container and s10 are checked and stored canonical; a reference that identifies one shipment cannot go on a second (SQLSTATE 23505)';
REVOKE ALL ON FUNCTION cbl.add_shipment_reference(bigint, text, text) FROM PUBLIC;

-- Create a shipment with its references; idempotent on the reference.
CREATE FUNCTION cbl.create_shipment(reference text, framework text, customer text,
                                    carrier text DEFAULT NULL, agent text DEFAULT NULL,
                                    origin text DEFAULT NULL, destination text DEFAULT NULL,
                                    refs jsonb DEFAULT '{}') RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  ref text := cbl.canonical_reference('reference', reference);
  v_customer bigint;
  v_carrier bigint;
  v_agent bigint;
  v_origin text := upper(btrim(origin));
  v_destination text := upper(btrim(destination));
  stored record;
  differences text[];
  new_id bigint;
  indexed boolean;
  r record;
  e jsonb;
BEGIN
  IF reference IS NULL OR framework IS NULL OR customer IS NULL THEN
    RAISE EXCEPTION 'a shipment needs a reference, a framework and a customer'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF ref IS NULL THEN
    RAISE EXCEPTION 'a shipment reference must not be empty'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM cbl.framework f WHERE f.code = create_shipment.framework) THEN
    RAISE EXCEPTION 'unknown framework "%"', framework
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Frameworks are the rows of cbl.framework: '
                   || (SELECT string_agg(f.code, ', ' ORDER BY f.id) FROM cbl.framework f) || '.';
  END IF;
  v_customer := cbl.party_id('customer', customer);
  v_carrier := CASE WHEN carrier IS NOT NULL THEN cbl.party_id('carrier', carrier) END;
  v_agent := CASE WHEN agent IS NOT NULL THEN cbl.party_id('agent', agent) END;
  FOR r IN SELECT c.given FROM (VALUES (origin, v_origin), (destination, v_destination)) AS c(given, code)
            WHERE c.code IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM cbl.country k WHERE k.code = c.code) LOOP
    RAISE EXCEPTION 'unknown country "%"', r.given
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Countries are ISO 3166-1 alpha-2 codes such as DE or CN; table cbl.country lists them.';
  END LOOP;
  -- the other references: {"kind": "value" or ["value", ...], ...}
  refs := coalesce(refs, '{}');
  IF jsonb_typeof(refs) <> 'object' THEN
    RAISE EXCEPTION 'refs must be a JSON object such as {"awb": "176-12345675", "container": ["CSQU3054383"]}, not %',
                    jsonb_typeof(refs)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR r IN SELECT j.key, j.value FROM jsonb_each(refs) j LOOP
    IF NOT EXISTS (SELECT 1 FROM cbl.reference_kinds() k WHERE k.kind = r.key) THEN
      RAISE EXCEPTION 'unknown kind of reference "%" in refs', r.key
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Reference kinds are ' || (SELECT string_agg(k.kind, ', ') FROM cbl.reference_kinds() k) || '.';
    END IF;
    IF NOT (jsonb_typeof(r.value) = 'string'
            OR (jsonb_typeof(r.value) = 'array'
                AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(r.value) a(x) WHERE jsonb_typeof(a.x) <> 'string'))) THEN
      RAISE EXCEPTION 'refs: the % references must be a string or an array of strings, not %', r.key, r.value
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END LOOP;

  <<attempt>>
  LOOP
    SELECT s.id, s.framework, s.customer_id, s.carrier_id, s.agent_id,
           s.origin_country, s.destination_country INTO stored
      FROM cbl.reference_lookup l JOIN cbl.shipment s ON s.id = l.shipment_id
     WHERE l.kind = 'reference' AND l.value = ref;
    IF FOUND THEN
      -- the same shipment again: nothing to do, unless it differs
      SELECT array_agg(format('%s %s, not %s', d.what, coalesce(d.was, 'none'), coalesce(d.given, 'none'))
                       ORDER BY d.n)
        INTO differences
        FROM (VALUES
          (1, 'framework', stored.framework, create_shipment.framework),
          (2, 'customer', (SELECT p.code FROM cbl.party p WHERE p.id = stored.customer_id), customer),
          (3, 'carrier', (SELECT p.code FROM cbl.party p WHERE p.id = stored.carrier_id), carrier),
          (4, 'agent', (SELECT p.code FROM cbl.party p WHERE p.id = stored.agent_id), agent),
          (5, 'origin', stored.origin_country, v_origin),
          (6, 'destination', stored.destination_country, v_destination)
        ) AS d(n, what, was, given)
       WHERE d.was IS DISTINCT FROM d.given;
      IF differences IS NOT NULL THEN
        RAISE EXCEPTION 'shipment % already exists with other attributes', ref
          USING ERRCODE = 'unique_violation',
                DETAIL = format('Shipment %s has %s.', ref, array_to_string(differences, '; ')),
                HINT = 'Give the same attributes to get the same shipment back, or use another reference.';
      END IF;
      new_id := stored.id;
      EXIT attempt;
    END IF;

    INSERT INTO cbl.shipment AS s (reference, framework, customer_id, carrier_id, agent_id,
                                   origin_country, destination_country)
    VALUES (ref, create_shipment.framework, v_customer, v_carrier, v_agent, v_origin, v_destination)
    RETURNING s.id INTO new_id;
    INSERT INTO cbl.shipment_reference (shipment_id, kind, value) VALUES (new_id, 'reference', ref);
    INSERT INTO cbl.reference_lookup AS l (kind, value, shipment_id) VALUES ('reference', ref, new_id)
    ON CONFLICT DO NOTHING
    RETURNING true INTO indexed;
    EXIT attempt WHEN indexed;
    -- a concurrent transaction created it first: drop ours, take that one
    DELETE FROM cbl.shipment s WHERE s.id = new_id;
  END LOOP;

  FOR r IN SELECT j.key, j.value FROM jsonb_each(refs) j LOOP
    FOR e IN SELECT a.x FROM jsonb_array_elements(CASE jsonb_typeof(r.value)
                                                     WHEN 'array' THEN r.value
                                                     ELSE jsonb_build_array(r.value) END) a(x) LOOP
      PERFORM cbl.add_shipment_reference(new_id, r.key, e #>> '{}');
    END LOOP;
  END LOOP;
  -- events that arrived before the shipment attach now (72_event.sql)
  PERFORM cbl.attach_pending(new_id);
  RETURN new_id;
END $$;
COMMENT ON FUNCTION cbl.create_shipment(text, text, text, text, text, text, text, jsonb) IS
  'create a shipment with its reference and other references (refs: {"awb": "...", "container": ["...", ...]}); idempotent: the same reference and attributes return the same id, other attributes are an error (SQLSTATE 23505)';
REVOKE ALL ON FUNCTION cbl.create_shipment(text, text, text, text, text, text, text, jsonb) FROM PUBLIC;

-- Every shipment a value is a reference of, whatever its kind.  In C
-- (src/reference.c): the value's stored forms computed once, the look-up
-- rows read by one query prepared per session, as the caller.
CREATE FUNCTION cbl.find_shipments(value text)
RETURNS TABLE (shipment_id bigint, kind text, stored_value text)
  AS 'MODULE_PATHNAME', 'cbl_find_shipments' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 2;
COMMENT ON FUNCTION cbl.find_shipments(text) IS
  'every shipment that has the value as a reference of any kind (awb, container and s10 input is normalised), with the kind and the stored form';

CREATE FUNCTION cbl.find_shipment(value text, kind text DEFAULT NULL) RETURNS bigint
  AS 'MODULE_PATHNAME', 'cbl_find_shipment' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION cbl.find_shipment(text, text) IS
  'the shipment with the value as a reference (of the kind, if given; awb, container and s10 input is normalised); NULL if none, an error if several (SQLSTATE 21000)';
