-- Events and their ingest (src/event_parse.c parses, src/event_ingest.c
-- resolves, classifies and writes with set-based statements; the functions
-- below are the SQL steps it calls).  docs/milestones.md explains the
-- semantics.
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

-- No foreign keys: their checks cost about a quarter of the ingest time
-- (docs/performance.md).  Ingest writes only milestone codes it has just
-- looked up in cbl.milestone, and shipments it has just found and locked;
-- in place of the key to cbl.shipment, a shipment that has events cannot
-- be deleted (cbl.shipment_delete_check below), and ingest checks, under the
-- same advisory lock, that the shipments it writes to still exist.
CREATE TABLE cbl.event (
  shipment_id   bigint NOT NULL,
  source        text NOT NULL,
  event_id      text NOT NULL,
  revision      integer NOT NULL CONSTRAINT event_revision_check CHECK (revision >= 1),
  milestone     text,
  classifier    text NOT NULL CONSTRAINT event_classifier_check CHECK (classifier IN ('PLN', 'EST', 'ACT')),
  occurred_at   timestamptz NOT NULL,
  updated_at    timestamptz,
  location      text,
  reason_code   text,
  retracted     boolean NOT NULL DEFAULT false,
  partial       boolean NOT NULL DEFAULT false,
  payload       jsonb,
  shipment_ref  text NOT NULL,
  content_hash  text NOT NULL,
  event_key     bigint NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now()
) PARTITION BY RANGE (shipment_id);
COMMENT ON TABLE cbl.event IS
  'every revision of every event, append-only; the current revision of an event (source, event_id) is its highest; write with cbl.ingest_events() or cbl.upsert_event(); partitioned by the month of the shipment (docs/scaling.md)';
COMMENT ON COLUMN cbl.event.shipment_id IS 'shipment the event is about (an event naming a shared container is stored for each shipment in it)';
COMMENT ON COLUMN cbl.event.source IS 'who reported it';
COMMENT ON COLUMN cbl.event.event_id IS 'the source''s id of the event; (source, event_id) is its identity';
COMMENT ON COLUMN cbl.event.revision IS '1 for the first version of the event, then 2, 3 ... for later updates and the retraction';
COMMENT ON COLUMN cbl.event.milestone IS 'canonical milestone code, or NULL for an event that is no milestone (a hold, a delay, a document step: reason_code says what it is); the state derives from milestones only';
COMMENT ON COLUMN cbl.event.classifier IS 'PLN (planned), EST (estimated) or ACT (actual)';
COMMENT ON COLUMN cbl.event.occurred_at IS 'when the milestone (or what reason_code says) happened (ACT) or is planned or expected (PLN, EST)';
COMMENT ON COLUMN cbl.event.updated_at IS 'when the source issued this version; a later one supersedes an earlier one';
COMMENT ON COLUMN cbl.event.location IS 'UN/LOCODE of the place, e.g. DEHAM';
COMMENT ON COLUMN cbl.event.reason_code IS 'reason or exception code the source gave, e.g. a customs hold reason; for an event that is no milestone, what happened (the code map''s reason code), which may raise an exception (cbl.code_map.raises)';
COMMENT ON COLUMN cbl.event.retracted IS 'the source withdrew the event: it and its earlier revisions no longer count';
COMMENT ON COLUMN cbl.event.partial IS 'a status for part of the pieces (air): kept, but it completes no milestone and does not enter the state';
COMMENT ON COLUMN cbl.event.payload IS 'anything else the source sent, as given';
COMMENT ON COLUMN cbl.event.shipment_ref IS 'the reference the event named the shipment by';
COMMENT ON COLUMN cbl.event.content_hash IS 'digest of the content (milestone, classifier, times, location, codes, retracted, partial, payload), 128 bits as hex: same identity and same digest is a duplicate';
COMMENT ON COLUMN cbl.event.event_key IS 'a 64-bit key of (source, event_id) that the milestone state records as the event supplying a time';
COMMENT ON COLUMN cbl.event.received_at IS 'when cbl stored this revision';
-- Partitioned by the month in the shipment id (cbl.shipment_month): every
-- revision of every event of a shipment is in one partition, so ingest's
-- look-ups by primary key read one partition, and retiring a month removes
-- whole shipments' histories.  cbl.create_partitions() (77_partition.sql)
-- makes the monthly partitions; rows of a month that has none land in the
-- default partition, until create_partitions moves them to theirs.  The
-- parent and the default partition belong to the extension (the default's
-- rows are dumped as configuration data); the monthly partitions are
-- ordinary tables that pg_dump dumps whole (docs/scaling.md says why).
--
-- The primary key (shipment_id, source, event_id, revision) is each
-- partition's, not the parent's: a partitioned primary key of the parent
-- (an object of the extension, there before a restore) would give each
-- restored partition its index when it is attached, and the dump's own
-- ADD CONSTRAINT ... PRIMARY KEY of that partition would then fail.  The
-- key holds all the same: it includes the partition key, so no two
-- partitions can hold the same key.  cbl.create_partitions() gives each
-- partition it makes the key; ingest reads each partition through it.
CREATE TABLE cbl.event_default PARTITION OF cbl.event DEFAULT;
ALTER TABLE cbl.event_default ADD CONSTRAINT event_default_pkey PRIMARY KEY (shipment_id, source, event_id, revision);
COMMENT ON TABLE cbl.event_default IS
  'events of shipments whose month has no partition of cbl.event yet; cbl.create_partitions() moves them to their month''s partition';
SELECT pg_catalog.pg_extension_config_dump('cbl.event_default', '');
-- its columns are cbl.event's, with their comments
SELECT cbl.copy_column_comments('cbl.event', 'cbl.event_default');
-- Ingest finds stored revisions through the primary key of each partition (shipment first);
-- an index on (source, event_id) alone would cost every insert about 5 us
-- and serve no statement of cbl: add one if you look events up that way.

-- A milestone that events use cannot be deleted or renamed (the foreign key
-- cbl.event does not have).  The SHARE lock waits for every ingest under
-- way (each holds ROW EXCLUSIVE on cbl.event from its start) and holds off
-- new ones until this transaction ends: an ingest either sees the milestone
-- gone or wrote its events before the check below.  Milestones are rarely
-- deleted; a user's own only.
CREATE FUNCTION cbl.milestone_delete_check() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.code = OLD.code THEN
    RETURN NEW;
  END IF;
  LOCK TABLE cbl.event IN SHARE MODE;
  IF EXISTS (SELECT 1 FROM cbl.event e WHERE e.milestone = OLD.code) THEN
    RAISE EXCEPTION 'milestone % is used by events', OLD.code
      USING ERRCODE = 'foreign_key_violation',
            DETAIL = format('Key (code)=(%s) is still referenced from table "event".', OLD.code),
            HINT = 'Events are history: keep the milestone.';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
COMMENT ON FUNCTION cbl.milestone_delete_check() IS
  'trigger of cbl.milestone: a milestone that events use cannot be deleted or renamed (in place of a foreign key from cbl.event)';
REVOKE ALL ON FUNCTION cbl.milestone_delete_check() FROM PUBLIC;
CREATE TRIGGER milestone_delete_check BEFORE DELETE OR UPDATE OF code ON cbl.milestone
  FOR EACH ROW EXECUTE FUNCTION cbl.milestone_delete_check();
COMMENT ON TRIGGER milestone_delete_check ON cbl.milestone IS 'a milestone that events use cannot be deleted or renamed';

-- A shipment with events or a state cannot be deleted (the foreign keys
-- cbl.event and cbl.shipment_state do not have).  The advisory lock is ingest's for this shipment: an ingest
-- that found the shipment either committed its events before this check
-- sees them, or checks after this delete that the shipment is still there.
CREATE FUNCTION cbl.shipment_delete_check() RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    IF EXISTS (SELECT 1 FROM cbl.event) OR EXISTS (SELECT 1 FROM cbl.shipment_state) THEN
      RAISE EXCEPTION 'cannot truncate table "shipment": tables "event" and "shipment_state" refer to its shipments'
        USING ERRCODE = 'foreign_key_violation',
              HINT = 'Delete the events first (cbl.event).';
    END IF;
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(1667392049, hashint8(OLD.id) & 511);
  IF EXISTS (SELECT 1 FROM cbl.event e WHERE e.shipment_id = OLD.id)
     OR EXISTS (SELECT 1 FROM cbl.shipment_state ss WHERE ss.shipment_id = OLD.id) THEN
    RAISE EXCEPTION 'cannot delete shipment %: it has events or a state', OLD.reference
      USING ERRCODE = 'foreign_key_violation',
            DETAIL = format('Key (id)=(%s) is still referenced from table "event".', OLD.id),
            HINT = 'Delete its events first (cbl.event).';
  END IF;
  RETURN OLD;
END $$;
COMMENT ON FUNCTION cbl.shipment_delete_check() IS
  'trigger of cbl.shipment: a shipment that has events or a state cannot be deleted (in place of foreign keys from cbl.event and cbl.shipment_state)';
REVOKE ALL ON FUNCTION cbl.shipment_delete_check() FROM PUBLIC;
CREATE TRIGGER shipment_delete_check BEFORE DELETE ON cbl.shipment
  FOR EACH ROW EXECUTE FUNCTION cbl.shipment_delete_check();
CREATE TRIGGER shipment_truncate_check BEFORE TRUNCATE ON cbl.shipment
  FOR EACH STATEMENT EXECUTE FUNCTION cbl.shipment_delete_check();
COMMENT ON TRIGGER shipment_delete_check ON cbl.shipment IS 'a shipment that has events or a state cannot be deleted';
COMMENT ON TRIGGER shipment_truncate_check ON cbl.shipment IS 'cbl.shipment cannot be truncated while cbl.event or cbl.shipment_state refer to it';

CREATE TABLE cbl.event_conflict (
  shipment_id   bigint NOT NULL REFERENCES cbl.shipment (id),
  source        text NOT NULL,
  event_id      text NOT NULL,
  conflict_no   bigint GENERATED ALWAYS AS IDENTITY,
  stored_revision integer,
  incoming      jsonb NOT NULL,
  reason        text NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  content_hash  text,
  PRIMARY KEY (shipment_id, source, event_id, conflict_no)
);
-- A conflicting version sent again is recorded once (ingest inserts with ON
-- CONFLICT DO NOTHING): re-sending changes nothing twice.
CREATE UNIQUE INDEX event_conflict_once ON cbl.event_conflict
  (shipment_id, source, event_id, (coalesce(stored_revision, 0)), content_hash);
COMMENT ON INDEX cbl.event_conflict_once IS
  'one row per conflicting version and stored revision it clashes with: a conflict sent again is not recorded again';
COMMENT ON TABLE cbl.event_conflict IS
  'events that came again with the same identity and different content but no later updated_at: kept here with the stored revision they clash with; the state is unchanged';
COMMENT ON COLUMN cbl.event_conflict.shipment_id IS 'shipment';
COMMENT ON COLUMN cbl.event_conflict.source IS 'source of the event';
COMMENT ON COLUMN cbl.event_conflict.event_id IS 'the source''s event id';
COMMENT ON COLUMN cbl.event_conflict.conflict_no IS 'numbers the conflicts';
COMMENT ON COLUMN cbl.event_conflict.stored_revision IS 'the revision in cbl.event it clashes with (the current one)';
COMMENT ON COLUMN cbl.event_conflict.incoming IS 'the event as it came, as a canonical event (its milestone and classifier resolved)';
COMMENT ON COLUMN cbl.event_conflict.reason IS 'why it was not applied';
COMMENT ON COLUMN cbl.event_conflict.received_at IS 'when it first came';
COMMENT ON COLUMN cbl.event_conflict.content_hash IS
  'content hash of the incoming version (as cbl.event.content_hash): the same version sent again is recorded once; NULL for conflicts recorded before cbl 0.2.0';
SELECT pg_catalog.pg_extension_config_dump('cbl.event_conflict', '');
SELECT pg_catalog.pg_extension_config_dump('cbl.event_conflict_conflict_no_seq', '');

CREATE TABLE cbl.event_reject (
  reject_no     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  position      integer NOT NULL,
  reason        text NOT NULL,
  element       text NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  element_hash  text
);
-- The same element rejected for the same reason is recorded once, whatever
-- batch or position it comes in again.
CREATE UNIQUE INDEX event_reject_once ON cbl.event_reject (element_hash, reason);
COMMENT ON INDEX cbl.event_reject_once IS
  'one row per rejected element and reason: an element sent again and rejected again is not recorded again';
COMMENT ON TABLE cbl.event_reject IS
  'batch elements that were not valid events, with the reason and the element as sent; nothing else of the batch is lost';
COMMENT ON COLUMN cbl.event_reject.reject_no IS 'numbers the rejects';
COMMENT ON COLUMN cbl.event_reject.position IS 'position of the element in its batch, from 1';
COMMENT ON COLUMN cbl.event_reject.reason IS 'what is wrong with it';
COMMENT ON COLUMN cbl.event_reject.element IS 'the element as sent: compact JSON for canonical events, the message text for carrier formats';
COMMENT ON COLUMN cbl.event_reject.received_at IS 'when it first came';
COMMENT ON COLUMN cbl.event_reject.element_hash IS
  'md5 of element: the same element rejected again for the same reason is recorded once; NULL for rejects recorded before cbl 0.2.0';
SELECT pg_catalog.pg_extension_config_dump('cbl.event_reject', '');
-- and their numbers: restored at 1, the next reject would collide with the first
SELECT pg_catalog.pg_extension_config_dump('cbl.event_reject_reject_no_seq', '');

CREATE TABLE cbl.event_pending (
  source        text NOT NULL,
  event_id      text NOT NULL,
  content_hash  text NOT NULL,
  shipment_ref  text NOT NULL,
  element       jsonb NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  lookup_keys   text[] NOT NULL GENERATED ALWAYS AS (cbl.reference_keys(shipment_ref)) STORED,
  PRIMARY KEY (source, event_id, content_hash)
);
-- A new shipment or reference finds its pending events through this index,
-- however many other events are waiting.
CREATE INDEX event_pending_lookup_keys_idx ON cbl.event_pending USING gin (lookup_keys);
COMMENT ON INDEX cbl.event_pending_lookup_keys_idx IS
  'pending events by the reference keys they can match (cbl.attach_pending)';
COMMENT ON TABLE cbl.event_pending IS
  'valid events naming a shipment cbl does not know yet; they attach by themselves when the shipment or the reference is created';
COMMENT ON COLUMN cbl.event_pending.source IS 'source of the event';
COMMENT ON COLUMN cbl.event_pending.event_id IS 'the source''s event id';
COMMENT ON COLUMN cbl.event_pending.content_hash IS 'digest of its content (a re-sent copy is stored once)';
COMMENT ON COLUMN cbl.event_pending.shipment_ref IS 'the reference it names (several are separated by U+001F)';
COMMENT ON COLUMN cbl.event_pending.element IS 'the event as a canonical event (whatever format it came in); ingested again when its shipment appears';
COMMENT ON COLUMN cbl.event_pending.received_at IS 'when it came';
COMMENT ON COLUMN cbl.event_pending.lookup_keys IS
  'kind:value keys the reference can match (cbl.reference_keys), so that a new shipment or reference finds its events through an index';
SELECT pg_catalog.pg_extension_config_dump('cbl.event_pending', '');

-- No foreign key to cbl.shipment either (ingest writes only shipments it has
-- just checked, under their lock; cbl.shipment_delete_check keeps a shipment
-- with a state from being deleted).  Half-full pages: a state is rewritten
-- in place (a HOT update, no new index entry) as its shipment moves on.
CREATE TABLE cbl.shipment_state (
  shipment_id   bigint PRIMARY KEY,
  state         cbl.milestone_state NOT NULL,
  changed_at    timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 50);
COMMENT ON TABLE cbl.shipment_state IS
  'each shipment''s milestone state, derived from its current, unretracted events; rewritten by ingest only when it changes';
COMMENT ON COLUMN cbl.shipment_state.shipment_id IS 'shipment';
COMMENT ON COLUMN cbl.shipment_state.state IS 'the state (see cbl.describe(), cbl.current_milestone())';
COMMENT ON COLUMN cbl.shipment_state.changed_at IS 'when the state last changed';
SELECT pg_catalog.pg_extension_config_dump('cbl.shipment_state', '');

-- Finding shipments by any reference, set-based: the candidate canonical
-- forms of a value, then the lookup by value alone.
-- Ingest reads it index-only (kind and shipment with the value).
CREATE INDEX reference_lookup_value_idx ON cbl.reference_lookup (value) INCLUDE (kind, shipment_id);

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
  partial       boolean,
  payload       jsonb,
  raw           text,
  reject        text,
  content_hash  text,
  event_key     bigint
);
COMMENT ON TYPE cbl.ingest_row IS 'one batch element as ingest hands it to cbl.ingest_row_json (internal)';

-- An element as a canonical event, whatever format it came in: what
-- conflicts and pending events keep (a pending one is ingested again from it).
CREATE FUNCTION cbl.ingest_row_json(r cbl.ingest_row) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT jsonb_strip_nulls(jsonb_build_object(
    'source', r.source, 'event_id', r.event_id, 'shipment', r.shipment_ref,
    'milestone', r.milestone, 'classifier', r.classifier,
    'occurred_at', to_char(r.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'updated_at', to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'location', r.location, 'reason_code', r.reason_code,
    'retracted', CASE WHEN r.retracted THEN true END,
    'partial', CASE WHEN r.partial THEN true END, 'payload', r.payload))
$$;
COMMENT ON FUNCTION cbl.ingest_row_json(cbl.ingest_row) IS
  'a batch element as a canonical event (internal: what conflicts and pending events keep)';

-- The rows of the statement ingest is running (internal: its C code hands a
-- wide batch of rows to an INSERT this way rather than as one array per
-- column).  Callable only while cbl.ingest_events runs; grant EXECUTE to
-- roles that ingest.
CREATE FUNCTION cbl.ingest_rowset() RETURNS SETOF record
  AS 'MODULE_PATHNAME', 'cbl_ingest_rowset' LANGUAGE C VOLATILE PARALLEL UNSAFE ROWS 10;
COMMENT ON FUNCTION cbl.ingest_rowset() IS
  'the rows cbl.ingest_events is writing or looking up (internal)';
REVOKE ALL ON FUNCTION cbl.ingest_rowset() FROM PUBLIC;

-- What follows a change of stored states, in one place: ingest (from C, once
-- per call, after it has announced them) and cbl.refresh_state call it with
-- the shipments whose stored state changed.  Returns how many.  (Work that
-- must follow every state change, such as charges that accrue with
-- milestones, goes here.)
CREATE FUNCTION cbl.states_changed(shipment_ids bigint[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM cbl.accrue_charges(shipment_ids);   -- billing triggers (85_billing.sql)
  RETURN coalesce(cardinality(shipment_ids), 0);
END $$;
COMMENT ON FUNCTION cbl.states_changed(bigint[]) IS
  'what follows a change of stored milestone states (internal: ingest and cbl.refresh_state call it once with the shipments whose state changed, after announcing them); returns how many';
REVOKE ALL ON FUNCTION cbl.states_changed(bigint[]) FROM PUBLIC;

-- NOTIFY cbl_milestone for shipments whose state just changed.
CREATE FUNCTION cbl.announce_states(shipment_ids bigint[]) RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT count(pg_notify('cbl_milestone',
                         json_build_object('shipment_id', w.shipment_id,
                                           'reference', s.reference,
                                           'milestone', cbl.current_milestone(w.state))::text))
    FROM cbl.shipment_state w
    JOIN cbl.shipment s ON s.id = w.shipment_id
   WHERE w.shipment_id = ANY (shipment_ids)
$$;
COMMENT ON FUNCTION cbl.announce_states(bigint[]) IS
  'NOTIFY cbl_milestone with {shipment_id, reference, milestone} for each of these shipments (internal: ingest and cbl.refresh_state call it for states that changed)';
REVOKE ALL ON FUNCTION cbl.announce_states(bigint[]) FROM PUBLIC;

-- Derive the states of some shipments again from their current, unretracted
-- events and store those that changed; returns their ids.  Ingest calls it
-- for shipments whose events were revised or retracted (the others get
-- their new events merged in).
CREATE FUNCTION cbl.derive_states(shipment_ids bigint[]) RETURNS bigint[]
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  changed bigint[];
BEGIN
  -- the shipments' ingest locks (held already when ingest calls this): no
  -- ingest merges into these states while they are derived
  PERFORM pg_advisory_xact_lock(1667392049, b.k)
     FROM (SELECT DISTINCT hashint8(t) & 511 AS k FROM unnest(shipment_ids) t) b ORDER BY b.k;
  -- Per shipment, its current events through the primary key (LATERAL):
  -- linear in the number of shipments whatever the planner estimates.
  WITH derived AS (
    SELECT s.id AS shipment_id, st.state
      FROM cbl.shipment s
      JOIN cbl.framework f ON f.code = s.framework
      CROSS JOIN LATERAL (
        SELECT cbl.milestone_agg(cbl.milestone_state(f.id, m.id, c.classifier, c.occurred_at,
                                                     c.updated_at, coalesce(src.priority, 100), c.event_key))
                 FILTER (WHERE NOT c.retracted AND NOT c.partial) AS state
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
  SELECT array_agg(w.shipment_id ORDER BY w.shipment_id) INTO changed FROM written w;
  RETURN changed;
END $$;
COMMENT ON FUNCTION cbl.derive_states(bigint[]) IS
  'derive the milestone state of shipments again from their events and store those that changed; returns their ids (internal: see cbl.refresh_state)';
REVOKE ALL ON FUNCTION cbl.derive_states(bigint[]) FROM PUBLIC;

-- Recompute the states of some shipments from their current, unretracted
-- events; write those that changed and NOTIFY cbl_milestone for each.
CREATE FUNCTION cbl.refresh_state(shipment_ids bigint[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  changed bigint[] := cbl.derive_states(shipment_ids);
BEGIN
  PERFORM cbl.announce_states(changed);
  RETURN cbl.states_changed(changed);
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
  -- the events one of whose references is one of the shipment's
  WITH taken AS (
    DELETE FROM cbl.event_pending p
     WHERE p.lookup_keys OPERATOR(pg_catalog.&&)
           ARRAY(SELECT r.kind || ':' || r.value FROM cbl.shipment_reference r
                  WHERE r.shipment_id = attach_pending.shipment_id)
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
