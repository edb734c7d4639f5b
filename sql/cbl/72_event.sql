-- Events and their ingest (src/event_parse.c, src/event_ingest.c; the set
-- work is cbl.ingest_rows below).  docs/milestones.md explains the semantics.
--
-- cbl.event is append-only: every revision of every event is kept; the
-- current revision of an identity is the one with the highest number.

CREATE TABLE cbl.source (
  code        text PRIMARY KEY CONSTRAINT source_code_check CHECK (code <> '' AND code !~ '\s'),
  name        text,
  priority    integer NOT NULL DEFAULT 100,
  created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE cbl.source IS
  'sources of events (carriers, warehouses, customs, operators) whose priority differs from the default 100; when two sources report the same milestone, the higher priority wins';
COMMENT ON COLUMN cbl.source.code IS 'the source as events name it, e.g. maersk, dhl_express, wms_fra, operator';
COMMENT ON COLUMN cbl.source.name IS 'a readable name';
COMMENT ON COLUMN cbl.source.priority IS 'trust in the source''s reports: higher wins; sources not listed have 100';
COMMENT ON COLUMN cbl.source.created_at IS 'when the row was added';
SELECT pg_catalog.pg_extension_config_dump('cbl.source', '');

CREATE TABLE cbl.code_map (
  standard    text NOT NULL,
  code        text NOT NULL,
  milestone   text NOT NULL REFERENCES cbl.milestone (code),
  builtin     boolean NOT NULL DEFAULT false,
  PRIMARY KEY (standard, code)
);
COMMENT ON TABLE cbl.code_map IS
  'maps codes of a standard (IATA, DCSA, UPU, X12, a carrier''s own) to canonical milestones, for events given as standard + code';
COMMENT ON COLUMN cbl.code_map.standard IS 'name of the standard or carrier code list, e.g. IATA';
COMMENT ON COLUMN cbl.code_map.code IS 'the code as the source sends it, e.g. DEP';
COMMENT ON COLUMN cbl.code_map.milestone IS 'canonical milestone code';
COMMENT ON COLUMN cbl.code_map.builtin IS 'shipped with cbl (not in pg_dump output)';
SELECT pg_catalog.pg_extension_config_dump('cbl.code_map', 'WHERE NOT builtin');
INSERT INTO cbl.code_map (standard, code, milestone, builtin) VALUES
  ('IATA', 'BKD', 'BOOKED', true), ('IATA', 'RCS', 'ORIGIN_RECEIVED', true),
  ('IATA', 'MAN', 'LOADED', true), ('IATA', 'DEP', 'DEPARTED', true),
  ('IATA', 'ARR', 'ARRIVED', true), ('IATA', 'RCF', 'DISCHARGED', true),
  ('IATA', 'CCD', 'IMPORT_CLEARED', true), ('IATA', 'NFD', 'AVAILABLE_FOR_PICKUP', true),
  ('IATA', 'DLV', 'DELIVERED', true);

CREATE TABLE cbl.event (
  shipment_id   bigint NOT NULL REFERENCES cbl.shipment (id),
  source        text NOT NULL,
  event_id      text NOT NULL,
  revision      integer NOT NULL CONSTRAINT event_revision_check CHECK (revision >= 1),
  milestone     text NOT NULL REFERENCES cbl.milestone (code),
  classifier    text NOT NULL CONSTRAINT event_classifier_check CHECK (classifier IN ('PLN', 'EST', 'ACT')),
  occurred_at   timestamptz NOT NULL,
  updated_at    timestamptz,
  location      text,
  reason_code   text,
  retracted     boolean NOT NULL DEFAULT false,
  payload       jsonb,
  shipment_ref  text NOT NULL,
  content_hash  text NOT NULL,
  event_key     bigint NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shipment_id, source, event_id, revision)
);
COMMENT ON TABLE cbl.event IS
  'every revision of every event, append-only; the current revision of an event (source, event_id) is its highest; write with cbl.ingest_events() or cbl.upsert_event()';
COMMENT ON COLUMN cbl.event.shipment_id IS 'shipment the event is about (an event naming a shared container is stored for each shipment in it)';
COMMENT ON COLUMN cbl.event.source IS 'who reported it';
COMMENT ON COLUMN cbl.event.event_id IS 'the source''s id of the event; (source, event_id) is its identity';
COMMENT ON COLUMN cbl.event.revision IS '1 for the first version of the event, then 2, 3 ... for later updates and the retraction';
COMMENT ON COLUMN cbl.event.milestone IS 'canonical milestone code';
COMMENT ON COLUMN cbl.event.classifier IS 'PLN (planned), EST (estimated) or ACT (actual)';
COMMENT ON COLUMN cbl.event.occurred_at IS 'when the milestone happened (ACT) or is planned or expected (PLN, EST)';
COMMENT ON COLUMN cbl.event.updated_at IS 'when the source issued this version; a later one supersedes an earlier one';
COMMENT ON COLUMN cbl.event.location IS 'UN/LOCODE of the place, e.g. DEHAM';
COMMENT ON COLUMN cbl.event.reason_code IS 'reason or exception code the source gave, e.g. a customs hold reason';
COMMENT ON COLUMN cbl.event.retracted IS 'the source withdrew the event: it and its earlier revisions no longer count';
COMMENT ON COLUMN cbl.event.payload IS 'anything else the source sent, as given';
COMMENT ON COLUMN cbl.event.shipment_ref IS 'the reference the event named the shipment by';
COMMENT ON COLUMN cbl.event.content_hash IS 'digest of the content (milestone, classifier, times, location, codes, retracted, payload): same identity and same digest is a duplicate';
COMMENT ON COLUMN cbl.event.event_key IS 'a 64-bit key of (source, event_id) that the milestone state records as the event supplying a time';
COMMENT ON COLUMN cbl.event.received_at IS 'when cbl stored this revision';
SELECT pg_catalog.pg_extension_config_dump('cbl.event', '');
CREATE INDEX event_identity_idx ON cbl.event (source, event_id);

CREATE TABLE cbl.event_conflict (
  shipment_id   bigint NOT NULL REFERENCES cbl.shipment (id),
  source        text NOT NULL,
  event_id      text NOT NULL,
  conflict_no   bigint GENERATED ALWAYS AS IDENTITY,
  stored_revision integer,
  incoming      jsonb NOT NULL,
  reason        text NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shipment_id, source, event_id, conflict_no)
);
COMMENT ON TABLE cbl.event_conflict IS
  'events that came again with the same identity and different content but no later updated_at: kept here with the stored revision they clash with; the state is unchanged';
COMMENT ON COLUMN cbl.event_conflict.shipment_id IS 'shipment';
COMMENT ON COLUMN cbl.event_conflict.source IS 'source of the event';
COMMENT ON COLUMN cbl.event_conflict.event_id IS 'the source''s event id';
COMMENT ON COLUMN cbl.event_conflict.conflict_no IS 'numbers the conflicts';
COMMENT ON COLUMN cbl.event_conflict.stored_revision IS 'the revision in cbl.event it clashes with (the current one)';
COMMENT ON COLUMN cbl.event_conflict.incoming IS 'the event as it came';
COMMENT ON COLUMN cbl.event_conflict.reason IS 'why it was not applied';
COMMENT ON COLUMN cbl.event_conflict.received_at IS 'when it came';
SELECT pg_catalog.pg_extension_config_dump('cbl.event_conflict', '');

CREATE TABLE cbl.event_reject (
  reject_no     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  position      integer NOT NULL,
  reason        text NOT NULL,
  element       text NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE cbl.event_reject IS
  'batch elements that were not valid events, with the reason and the element as sent; nothing else of the batch is lost';
COMMENT ON COLUMN cbl.event_reject.reject_no IS 'numbers the rejects';
COMMENT ON COLUMN cbl.event_reject.position IS 'position of the element in its batch, from 1';
COMMENT ON COLUMN cbl.event_reject.reason IS 'what is wrong with it';
COMMENT ON COLUMN cbl.event_reject.element IS 'the element as sent (compact JSON)';
COMMENT ON COLUMN cbl.event_reject.received_at IS 'when it came';
SELECT pg_catalog.pg_extension_config_dump('cbl.event_reject', '');

CREATE TABLE cbl.event_pending (
  source        text NOT NULL,
  event_id      text NOT NULL,
  content_hash  text NOT NULL,
  shipment_ref  text NOT NULL,
  element       jsonb NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, event_id, content_hash)
);
CREATE INDEX event_pending_ref_idx ON cbl.event_pending (shipment_ref);
COMMENT ON TABLE cbl.event_pending IS
  'valid events naming a shipment cbl does not know yet; they attach by themselves when the shipment or the reference is created';
COMMENT ON COLUMN cbl.event_pending.source IS 'source of the event';
COMMENT ON COLUMN cbl.event_pending.event_id IS 'the source''s event id';
COMMENT ON COLUMN cbl.event_pending.content_hash IS 'digest of its content (a re-sent copy is stored once)';
COMMENT ON COLUMN cbl.event_pending.shipment_ref IS 'the reference it names';
COMMENT ON COLUMN cbl.event_pending.element IS 'the event as sent';
COMMENT ON COLUMN cbl.event_pending.received_at IS 'when it came';
SELECT pg_catalog.pg_extension_config_dump('cbl.event_pending', '');

CREATE TABLE cbl.shipment_state (
  shipment_id   bigint PRIMARY KEY REFERENCES cbl.shipment (id),
  state         cbl.milestone_state NOT NULL,
  changed_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE cbl.shipment_state IS
  'each shipment''s milestone state, derived from its current, unretracted events; rewritten by ingest only when it changes';
COMMENT ON COLUMN cbl.shipment_state.shipment_id IS 'shipment';
COMMENT ON COLUMN cbl.shipment_state.state IS 'the state (see cbl.describe(), cbl.current_milestone())';
COMMENT ON COLUMN cbl.shipment_state.changed_at IS 'when the state last changed';
SELECT pg_catalog.pg_extension_config_dump('cbl.shipment_state', '');

-- Finding shipments by any reference, set-based: the candidate canonical
-- forms of a value, then the lookup by value alone.
CREATE INDEX reference_lookup_value_idx ON cbl.reference_lookup (value);

-- What one ingest call did, in rows of (event, shipment).
CREATE TYPE cbl.ingest_result AS (
  accepted   bigint,
  duplicate  bigint,
  updated    bigint,
  conflict   bigint,
  retracted  bigint,
  rejected   bigint,
  pending    bigint
);
COMMENT ON TYPE cbl.ingest_result IS
  'counts of one ingest call: accepted (new events), duplicate (already stored), updated (later revisions), conflict (same id, different content, not later), retracted, rejected (invalid, see cbl.event_reject), pending (unknown shipment, see cbl.event_pending)';

-- One element of a batch as ingest carries it between its statements.
CREATE TYPE cbl.ingest_row AS (
  "position"    integer,
  source        text,
  event_id      text,
  shipment_ref  text,
  shipment_id   bigint,
  milestone     text,
  classifier    text,
  occurred_at   timestamptz,
  updated_at    timestamptz,
  location      text,
  reason_code   text,
  retracted     boolean,
  payload       jsonb,
  raw           text,
  reject        text,
  content_hash  text,
  event_key     bigint
);
COMMENT ON TYPE cbl.ingest_row IS 'one batch element inside cbl.ingest_rows (internal)';

-- The set work of ingest: every statement handles the whole batch.
CREATE FUNCTION cbl.ingest_rows(
    p_position integer[], p_source text[], p_event_id text[], p_shipment text[],
    p_milestone text[], p_standard text[], p_code text[], p_classifier text[],
    p_occurred_at timestamptz[], p_updated_at timestamptz[], p_location text[],
    p_reason_code text[], p_retracted boolean[], p_payload text[], p_raw text[], p_reject text[])
RETURNS cbl.ingest_result
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  batch cbl.ingest_row[];
  touched bigint[];
  replaced_ids bigint[];
  merged_ids bigint[];
  result cbl.ingest_result;
BEGIN
  -- 1. Resolve milestones (directly or through cbl.code_map) and shipments.
  --    A reference shared by several shipments (a container in LCL) fans
  --    the event out to each of them.
  SELECT coalesce(array_agg(ROW(i.pos, i.source, i.event_id, i.ref, s.shipment_id,
                                coalesce(m.code, cm.milestone), i.classifier, i.occurred_at,
                                i.updated_at, i.location, i.reason_code, i.retracted,
                                i.payload::jsonb, i.raw,
                                CASE WHEN i.reject IS NOT NULL THEN i.reject
                                     WHEN i.milestone IS NOT NULL AND m.code IS NULL
                                       THEN format('Unknown milestone "%s"; table cbl.milestone lists them.', i.milestone)
                                     WHEN i.milestone IS NULL AND cm.milestone IS NULL
                                       THEN format('No milestone is mapped to %s code "%s" in cbl.code_map.', i.standard, i.code)
                                END,
                                md5(concat_ws(E'\x1f', coalesce(m.code, cm.milestone), i.classifier,
                                              extract(epoch FROM i.occurred_at)::text,
                                              extract(epoch FROM i.updated_at)::text,
                                              i.location, i.reason_code, i.retracted::text, i.payload::jsonb::text)),
                                hashtextextended(i.source || E'\x1f' || i.event_id, 0))::cbl.ingest_row
                            ORDER BY i.pos, s.shipment_id), '{}')
    INTO batch
    FROM unnest(p_position, p_source, p_event_id, p_shipment, p_milestone, p_standard, p_code,
                p_classifier, p_occurred_at, p_updated_at, p_location, p_reason_code,
                p_retracted, p_payload, p_raw, p_reject)
         AS i(pos, source, event_id, ref, milestone, standard, code, classifier, occurred_at,
              updated_at, location, reason_code, retracted, payload, raw, reject)
    LEFT JOIN cbl.milestone m ON m.code = upper(i.milestone)
    LEFT JOIN cbl.code_map cm ON cm.standard = i.standard AND cm.code = i.code
    LEFT JOIN LATERAL (
      SELECT DISTINCT l.shipment_id
        FROM cbl.reference_lookup l
       WHERE i.reject IS NULL
         AND l.value IN (btrim(i.ref),
                         CASE WHEN cbl.is_valid_awb(i.ref) THEN i.ref::cbl.awb::text END,
                         CASE WHEN cbl.is_valid_container_no(i.ref) THEN i.ref::cbl.container_no::text END,
                         CASE WHEN cbl.is_valid_s10(i.ref) THEN i.ref::cbl.s10::text END)
         AND l.value = cbl.canonical_reference(l.kind, i.ref)) s ON true;

  -- 2. Serialise writers of the same shipments; the statements below then
  --    see every event committed before us.  Shipments are locked by one of
  --    512 buckets of their id, in bucket order: a batch over any number of
  --    shipments takes at most 512 locks (the lock table is finite), and
  --    the fixed order rules out deadlocks.
  SELECT array_agg(DISTINCT b.shipment_id ORDER BY b.shipment_id) INTO touched
    FROM unnest(batch) b WHERE b.reject IS NULL AND b.shipment_id IS NOT NULL;
  PERFORM pg_advisory_xact_lock(1667392049, k)
     FROM (SELECT DISTINCT hashint8(t) & 511 AS k FROM unnest(touched) t) buckets ORDER BY k;

  -- 3. Classify against the stored revisions and write.
  -- Each row reaches its stored revisions through the primary key (LATERAL),
  -- so the work stays linear in the batch whatever the planner estimates.
  WITH inp AS (
    SELECT * FROM unnest(batch) b WHERE b.reject IS NULL AND b.shipment_id IS NOT NULL
  ), fresh AS (            -- one row per new content of an identity; repeats are duplicates
    SELECT DISTINCT ON (i.shipment_id, i.source, i.event_id, i.content_hash) i.*,
           s.max_rev, s.cur_updated_at, coalesce(s.was_retracted, false) AS was_retracted
      FROM inp i
      CROSS JOIN LATERAL (
        SELECT max(e.revision) AS max_rev,
               (array_agg(e.updated_at ORDER BY e.revision DESC))[1] AS cur_updated_at,
               bool_or(e.retracted) AS was_retracted,
               coalesce(bool_or(e.content_hash = i.content_hash), false) AS seen
          FROM cbl.event e
         WHERE e.shipment_id = i.shipment_id AND e.source = i.source AND e.event_id = i.event_id) s
     WHERE NOT s.seen
     ORDER BY i.shipment_id, i.source, i.event_id, i.content_hash, i.position
  ), ordered AS (
    SELECT f.*,
           lag(f.updated_at) OVER w AS prev_updated_at,
           row_number() OVER w AS k
      FROM fresh f
    WINDOW w AS (PARTITION BY f.shipment_id, f.source, f.event_id
                 ORDER BY f.retracted, f.updated_at NULLS FIRST, f.content_hash)
  ), decided AS (
    SELECT o.*,
           CASE
             WHEN o.was_retracted THEN 'conflict'
             WHEN o.retracted THEN 'retracted'
             WHEN o.max_rev IS NULL AND o.k = 1 THEN 'accepted'
             WHEN coalesce(o.updated_at, '-infinity') >
                  greatest(coalesce(o.cur_updated_at, '-infinity'), coalesce(o.prev_updated_at, '-infinity'))
               THEN 'updated'
             ELSE 'conflict'
           END AS outcome
      FROM ordered o
  ), written AS (
    INSERT INTO cbl.event (shipment_id, source, event_id, revision, milestone, classifier,
                           occurred_at, updated_at, location, reason_code, retracted, payload,
                           shipment_ref, content_hash, event_key)
    SELECT d.shipment_id, d.source, d.event_id,
           coalesce(d.max_rev, 0) + row_number() OVER (PARTITION BY d.shipment_id, d.source, d.event_id ORDER BY d.k),
           d.milestone, d.classifier, d.occurred_at, d.updated_at, d.location, d.reason_code,
           d.retracted, d.payload, d.shipment_ref, d.content_hash, d.event_key
      FROM decided d WHERE d.outcome <> 'conflict'
    RETURNING shipment_id
  ), clashed AS (
    INSERT INTO cbl.event_conflict (shipment_id, source, event_id, stored_revision, incoming, reason)
    SELECT d.shipment_id, d.source, d.event_id, d.max_rev, d.raw::jsonb,
           CASE WHEN d.was_retracted THEN 'The event was retracted; later versions are not applied.'
                ELSE 'Same event id with different content and no later updated_at.' END
      FROM decided d WHERE d.outcome = 'conflict'
    RETURNING 1
  ), replaced AS (         -- shipments whose current events changed: recompute below
    SELECT DISTINCT d.shipment_id FROM decided d WHERE d.outcome IN ('updated', 'retracted')
  ), delta AS (            -- shipments that only gained events: merge them in (a join
                           -- of the semilattice), without reading their history
    SELECT d.shipment_id,
           cbl.milestone_agg(cbl.milestone_state(f.id, m.id, d.classifier, d.occurred_at, d.updated_at,
                                                 coalesce(src.priority, 100), d.event_key)) AS state
      FROM decided d
      JOIN cbl.shipment s ON s.id = d.shipment_id
      JOIN cbl.framework f ON f.code = s.framework
      JOIN cbl.milestone m ON m.code = d.milestone
      LEFT JOIN cbl.source src ON src.code = d.source
     WHERE d.outcome = 'accepted' AND d.shipment_id NOT IN (SELECT r.shipment_id FROM replaced r)
     GROUP BY d.shipment_id
  ), merged AS (
    INSERT INTO cbl.shipment_state AS ss (shipment_id, state)
    SELECT x.shipment_id, x.state FROM delta x
    ON CONFLICT (shipment_id) DO UPDATE
       SET state = ss.state OPERATOR(cbl.||) EXCLUDED.state, changed_at = now()
     WHERE (ss.state OPERATOR(cbl.||) EXCLUDED.state) OPERATOR(cbl.<>) ss.state
    RETURNING ss.shipment_id
  )
  SELECT count(*) FILTER (WHERE d.outcome = 'accepted'),
         (SELECT count(*) FROM inp) - count(*),
         count(*) FILTER (WHERE d.outcome = 'updated'),
         count(*) FILTER (WHERE d.outcome = 'conflict'),
         count(*) FILTER (WHERE d.outcome = 'retracted'),
         (SELECT array_agg(r.shipment_id) FROM replaced r),
         (SELECT array_agg(g.shipment_id) FROM merged g)
    INTO result.accepted, result.duplicate, result.updated, result.conflict, result.retracted,
         replaced_ids, merged_ids
    FROM decided d;

  -- 4. Unknown shipment: keep the event until the shipment exists.
  WITH parked AS (
    INSERT INTO cbl.event_pending (source, event_id, content_hash, shipment_ref, element)
    SELECT DISTINCT ON (b.source, b.event_id, b.content_hash)
           b.source, b.event_id, b.content_hash, b.shipment_ref, b.raw::jsonb
      FROM unnest(batch) b WHERE b.reject IS NULL AND b.shipment_id IS NULL
     ORDER BY b.source, b.event_id, b.content_hash, b.position
    ON CONFLICT DO NOTHING
    RETURNING 1
  )
  SELECT count(*) INTO result.pending FROM unnest(batch) b WHERE b.reject IS NULL AND b.shipment_id IS NULL;

  -- 5. Invalid elements: kept with their reason; the rest of the batch went on.
  WITH bad AS (
    INSERT INTO cbl.event_reject (position, reason, element)
    SELECT b.position, b.reject, b.raw FROM unnest(batch) b WHERE b.reject IS NOT NULL
    RETURNING 1
  )
  SELECT count(*) INTO result.rejected FROM bad;

  -- 6. Recompute the states of shipments whose current events changed (the
  --    others were merged above), and announce every state that changed.
  IF replaced_ids IS NOT NULL THEN
    PERFORM cbl.refresh_state(replaced_ids);
  END IF;
  IF merged_ids IS NOT NULL THEN
    PERFORM cbl.announce_states(merged_ids);
    PERFORM cbl.accrue_charges(merged_ids);   -- billing triggers (85_billing.sql)
  END IF;
  RETURN result;
END $$;
COMMENT ON FUNCTION cbl.ingest_rows(integer[], text[], text[], text[], text[], text[], text[], text[], timestamptz[], timestamptz[], text[], text[], boolean[], text[], text[], text[]) IS
  'the set work of cbl.ingest_events (internal): resolve, classify, write events, conflicts, pending events, rejects and states';
REVOKE ALL ON FUNCTION cbl.ingest_rows(integer[], text[], text[], text[], text[], text[], text[], text[], timestamptz[], timestamptz[], text[], text[], boolean[], text[], text[], text[]) FROM PUBLIC;

-- NOTIFY cbl_milestone for shipments whose state just changed, with the
-- current milestone computed inline (one planned lookup per row).
CREATE FUNCTION cbl.announce_states(shipment_ids bigint[]) RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT count(pg_notify('cbl_milestone',
                         json_build_object('shipment_id', w.shipment_id,
                                           'reference', s.reference,
                                           'milestone', cur.milestone)::text))
    FROM cbl.shipment_state w
    JOIN cbl.shipment s ON s.id = w.shipment_id
    LEFT JOIN LATERAL (
      SELECT fs.milestone
        FROM cbl.milestone_entries(w.state) e
        JOIN cbl.milestone m ON m.id = e.milestone_id
        JOIN cbl.framework_step fs ON fs.framework = s.framework AND fs.milestone = m.code
       WHERE e.classifier = 'ACT'
       ORDER BY fs."position" DESC LIMIT 1) cur ON true
   WHERE w.shipment_id = ANY (shipment_ids)
$$;
COMMENT ON FUNCTION cbl.announce_states(bigint[]) IS
  'NOTIFY cbl_milestone with {shipment_id, reference, milestone} for each of these shipments (internal: ingest calls it for states that changed)';
REVOKE ALL ON FUNCTION cbl.announce_states(bigint[]) FROM PUBLIC;

-- Recompute the states of some shipments from their current, unretracted
-- events; write those that changed and NOTIFY cbl_milestone for each.
CREATE FUNCTION cbl.refresh_state(shipment_ids bigint[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  changed_ids bigint[];
BEGIN
  -- Per shipment, its current events through the primary key (LATERAL):
  -- linear in the number of shipments whatever the planner estimates.
  WITH derived AS (
    SELECT s.id AS shipment_id, st.state
      FROM cbl.shipment s
      JOIN cbl.framework f ON f.code = s.framework
      CROSS JOIN LATERAL (
        SELECT cbl.milestone_agg(cbl.milestone_state(f.id, m.id, c.classifier, c.occurred_at,
                                                     c.updated_at, coalesce(src.priority, 100), c.event_key))
                 FILTER (WHERE NOT c.retracted) AS state
          FROM (SELECT DISTINCT ON (e.source, e.event_id) e.*
                  FROM cbl.event e WHERE e.shipment_id = s.id
                 ORDER BY e.source, e.event_id, e.revision DESC) c
          JOIN cbl.milestone m ON m.code = c.milestone
          LEFT JOIN cbl.source src ON src.code = c.source) st
     WHERE s.id = ANY (shipment_ids)
  ), written AS (
    INSERT INTO cbl.shipment_state AS ss (shipment_id, state)
    SELECT d.shipment_id, d.state FROM derived d
    ON CONFLICT (shipment_id) DO UPDATE
       SET state = EXCLUDED.state, changed_at = now()
     WHERE ss.state OPERATOR(cbl.<>) EXCLUDED.state
    RETURNING ss.shipment_id
  )
  SELECT array_agg(w.shipment_id) INTO changed_ids FROM written w;
  PERFORM cbl.accrue_charges(changed_ids);   -- billing triggers (85_billing.sql)
  RETURN coalesce(cbl.announce_states(changed_ids), 0);
END $$;
COMMENT ON FUNCTION cbl.refresh_state(bigint[]) IS
  'recompute the milestone state of shipments from their events, store those that changed and NOTIFY cbl_milestone for each; returns how many changed';
REVOKE ALL ON FUNCTION cbl.refresh_state(bigint[]) FROM PUBLIC;

CREATE FUNCTION cbl.ingest_events(batch jsonb) RETURNS cbl.ingest_result
  AS 'MODULE_PATHNAME', 'cbl_ingest_events_jsonb' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
CREATE FUNCTION cbl.ingest_events(batch text) RETURNS cbl.ingest_result
  AS 'MODULE_PATHNAME', 'cbl_ingest_events_text' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION cbl.ingest_events(jsonb) IS
  'ingest a JSON array of canonical events: idempotent by (source, event_id); returns counts of accepted, duplicate, updated, conflict, retracted, rejected and pending events';
COMMENT ON FUNCTION cbl.ingest_events(text) IS
  'cbl.ingest_events for raw JSON text, for clients that do not build jsonb';
REVOKE ALL ON FUNCTION cbl.ingest_events(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION cbl.ingest_events(text) FROM PUBLIC;

CREATE FUNCTION cbl.upsert_event(source text, event_id text, shipment text, milestone text,
    classifier text, occurred_at timestamptz, updated_at timestamptz DEFAULT NULL,
    location text DEFAULT NULL, reason_code text DEFAULT NULL, retracted boolean DEFAULT false,
    payload jsonb DEFAULT NULL) RETURNS cbl.ingest_result
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT cbl.ingest_events(jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
    'source', source, 'event_id', event_id, 'shipment', shipment, 'milestone', milestone,
    'classifier', classifier,
    'occurred_at', to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'updated_at', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'location', location, 'reason_code', reason_code,
    'retracted', CASE WHEN retracted THEN true END, 'payload', payload))))
$$;
COMMENT ON FUNCTION cbl.upsert_event(text, text, text, text, text, timestamptz, timestamptz, text, text, boolean, jsonb) IS
  'ingest one event given with named arguments; the same semantics and counts as cbl.ingest_events';
REVOKE ALL ON FUNCTION cbl.upsert_event(text, text, text, text, text, timestamptz, timestamptz, text, text, boolean, jsonb) FROM PUBLIC;

-- Pending events whose shipment now exists: ingest them and forget them.
-- SECURITY DEFINER: a role allowed to create shipments attaches their waiting
-- events without needing rights on the event tables; grant EXECUTE with
-- cbl.create_shipment and cbl.add_shipment_reference.
CREATE FUNCTION cbl.attach_pending(shipment_id bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  batch jsonb;
  n bigint;
BEGIN
  WITH taken AS (
    DELETE FROM cbl.event_pending p
     WHERE EXISTS (SELECT 1 FROM cbl.find_shipments(p.shipment_ref) f WHERE f.shipment_id = attach_pending.shipment_id)
    RETURNING p.element, p.received_at, p.source, p.event_id
  )
  SELECT jsonb_agg(t.element ORDER BY t.received_at, t.source, t.event_id), count(*) INTO batch, n FROM taken t;
  IF n > 0 THEN
    PERFORM cbl.ingest_events(batch);
  END IF;
  RETURN n;
END $$;
COMMENT ON FUNCTION cbl.attach_pending(bigint) IS
  'ingest the pending events that name a shipment now that it (or a reference) exists; returns how many; called by cbl.create_shipment and cbl.add_shipment_reference';
REVOKE ALL ON FUNCTION cbl.attach_pending(bigint) FROM PUBLIC;
