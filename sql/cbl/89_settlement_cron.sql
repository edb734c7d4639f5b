-- The monthly settlement run (docs/settlement.md): CALL
-- cbl.run_monthly_settlement() settles the previous month party by party,
-- committing after each, logging its progress in cbl.settlement_run, and
-- closes the month at the end.  pg_cron runs it through
-- cbl.schedule_monthly_settlement().
--
-- One run at a time: a run holds a session-level advisory lock (the key
-- cbl.settle() takes as a transaction lock) from its start to its end; a
-- second run does not wait, it records itself as skipped and exits.  A run
-- that dies with its session (crash, restart, terminated backend) stays
-- 'running' in the log until the next run marks it interrupted; the next
-- run settles the parties it did not get to.

CREATE TABLE cbl.settlement_run (
  run_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  period_start      date NOT NULL,
  status            text NOT NULL
                    CONSTRAINT settlement_run_status_check
                    CHECK (status IN ('running', 'done', 'failed', 'interrupted', 'skipped')),
  started_at        timestamptz NOT NULL DEFAULT now(),
  ended_at          timestamptz,
  started_by        text NOT NULL DEFAULT session_user,
  application_name  text,
  backend_pid       integer NOT NULL,
  backend_start     timestamptz,
  parties_total     integer,
  parties_done      integer NOT NULL DEFAULT 0,
  parties_failed    integer NOT NULL DEFAULT 0,
  statements        integer NOT NULL DEFAULT 0,
  charges           integer NOT NULL DEFAULT 0,
  totals            jsonb NOT NULL DEFAULT '{}',
  error             text,
  note              text,
  CONSTRAINT settlement_run_ended_check CHECK ((status = 'running') = (ended_at IS NULL))
);
CREATE INDEX settlement_run_running_idx ON cbl.settlement_run (run_id) WHERE status = 'running';
COMMENT ON INDEX cbl.settlement_run_running_idx IS 'the runs still marked running';
COMMENT ON TABLE cbl.settlement_run IS
  'log of settlement runs (CALL cbl.run_monthly_settlement()), whoever started them (pg_cron or a person): one row per run, updated as each party is committed';
COMMENT ON COLUMN cbl.settlement_run.run_id IS 'run number';
COMMENT ON COLUMN cbl.settlement_run.period_start IS 'the period (first day of the month) the run settles';
COMMENT ON COLUMN cbl.settlement_run.status IS
  'running, done (every party settled, period closed), failed (error says why; the period stays open), interrupted (its session ended before it finished: found by the next run) or skipped (another settlement held the lock)';
COMMENT ON COLUMN cbl.settlement_run.started_at IS 'when the run started';
COMMENT ON COLUMN cbl.settlement_run.ended_at IS 'when it ended (for an interrupted run: when the next run found it)';
COMMENT ON COLUMN cbl.settlement_run.started_by IS 'the database user that ran it (the job''s owner when pg_cron ran it)';
COMMENT ON COLUMN cbl.settlement_run.application_name IS 'application_name of the session that ran it (pg_cron when pg_cron ran it)';
COMMENT ON COLUMN cbl.settlement_run.backend_pid IS
  'process id of the session that ran it (cron.job_run_details.job_pid when pg_cron ran it)';
COMMENT ON COLUMN cbl.settlement_run.backend_start IS 'when that session started (with the pid, tells whether it still exists)';
COMMENT ON COLUMN cbl.settlement_run.parties_total IS
  'parties the run set out to settle: those with open charges of the period or earlier, and agents with commission rules (after a crash, the parties left)';
COMMENT ON COLUMN cbl.settlement_run.parties_done IS 'parties settled and committed so far';
COMMENT ON COLUMN cbl.settlement_run.parties_failed IS 'parties whose settlement failed (error names the first)';
COMMENT ON COLUMN cbl.settlement_run.statements IS 'statements this run wrote';
COMMENT ON COLUMN cbl.settlement_run.charges IS 'charges this run settled';
COMMENT ON COLUMN cbl.settlement_run.totals IS
  'totals of the statements this run wrote, by direction and currency: {"receivable": {"EUR": 1234.50}, "payable": {...}}';
COMMENT ON COLUMN cbl.settlement_run.error IS 'why it failed or was interrupted';
COMMENT ON COLUMN cbl.settlement_run.note IS 'what else happened (skipped: who held the lock; nothing to settle ...)';
SELECT pg_catalog.pg_extension_config_dump('cbl.settlement_run', '');
SELECT pg_catalog.pg_extension_config_dump('cbl.settlement_run_run_id_seq', '');

-- Totals of statements by direction and currency as jsonb, added to base:
-- those a run wrote (for one party, or all).
CREATE FUNCTION cbl.settlement_run_totals(run_id bigint, party_id bigint DEFAULT NULL, base jsonb DEFAULT '{}')
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  WITH t AS (
    SELECT d.key AS direction, c.key AS currency, c.value::numeric AS total
      FROM jsonb_each(base) d CROSS JOIN LATERAL jsonb_each(d.value) c
    UNION ALL
    SELECT s.direction, s.currency, cbl.value(s.total)
      FROM cbl.statement s
     WHERE s.run_id = settlement_run_totals.run_id
       AND (settlement_run_totals.party_id IS NULL OR s.party_id = settlement_run_totals.party_id)
  ), g AS (
    SELECT t.direction, t.currency, sum(t.total) AS total FROM t GROUP BY t.direction, t.currency
  ), d AS (
    SELECT g.direction, jsonb_object_agg(g.currency, g.total) AS m FROM g GROUP BY g.direction
  )
  SELECT coalesce(jsonb_object_agg(d.direction, d.m), '{}'::jsonb) FROM d
$$;
COMMENT ON FUNCTION cbl.settlement_run_totals(bigint, bigint, jsonb) IS
  'internal: totals of the statements a run wrote (for one party, or all) by direction and currency, added to base';

-- Does this session hold the settlement lock?
CREATE FUNCTION cbl.settlement_lock_held() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM pg_locks l
                  WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid() AND l.granted
                    AND l.classid = 1667394675 AND l.objid = 1 AND l.objsubid = 2)
$$;
COMMENT ON FUNCTION cbl.settlement_lock_held() IS
  'internal: whether this session holds the settlement advisory lock (key 1667394675, 1)';

-- Start of a run: the lock, the log row, the period's checks.  go is false
-- when the run has nothing to do (skipped, period already closed, or failed
-- at once); the log row says which.
CREATE FUNCTION cbl.settlement_run_begin(period_start date)
RETURNS TABLE (run_id bigint, go boolean)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  p date;
  me_start timestamptz;
  holder text;
  per record;
  state text;
  msg text;
BEGIN
  p := coalesce(period_start,
                (date_trunc('month', now() AT TIME ZONE cbl.get_setting('billing_time_zone')) - interval '1 month')::date);
  SELECT a.backend_start INTO me_start FROM pg_stat_activity a WHERE a.pid = pg_backend_pid();
  IF NOT cbl.settlement_lock_held() AND NOT pg_try_advisory_lock(1667394675, 1) THEN
    SELECT format('run %s of %s, started %s by %s', x.run_id, to_char(x.period_start, 'YYYY-MM'), x.started_at, x.started_by)
      INTO holder
      FROM cbl.settlement_run x WHERE x.status = 'running' ORDER BY x.run_id DESC LIMIT 1;
    INSERT INTO cbl.settlement_run AS x (period_start, status, ended_at, application_name, backend_pid, backend_start, note)
    VALUES (p, 'skipped', now(), current_setting('application_name'), pg_backend_pid(), me_start,
            'another settlement held the lock: ' || coalesce(holder, 'cbl.settle() in another session'))
    RETURNING x.run_id INTO run_id;
    RAISE NOTICE 'another settlement is in progress: this run exits without settling'
      USING HINT = 'cbl.settlement_run shows the run in progress; run again once it has ended if it does not finish the period.';
    go := false;
    RETURN NEXT;
    RETURN;
  END IF;
  -- Runs left 'running' by a session that is gone (or by this session,
  -- cancelled) were interrupted: we hold the lock, no other run is going.
  UPDATE cbl.settlement_run x
     SET status = 'interrupted', ended_at = now(),
         error = 'its session ended before the run finished (server crash or restart, terminated backend, or a cancelled call)'
   WHERE x.status = 'running'
     AND (NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                       WHERE a.pid = x.backend_pid AND a.backend_start IS NOT DISTINCT FROM x.backend_start)
          OR (x.backend_pid = pg_backend_pid() AND x.backend_start IS NOT DISTINCT FROM me_start));
  INSERT INTO cbl.settlement_run AS x (period_start, status, application_name, backend_pid, backend_start)
  VALUES (p, 'running', current_setting('application_name'), pg_backend_pid(), me_start)
  RETURNING x.run_id INTO run_id;
  BEGIN
    SELECT * INTO per FROM cbl.settlement_period(p);
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    UPDATE cbl.settlement_run x SET status = 'failed', ended_at = now(), error = state || ': ' || msg
     WHERE x.run_id = settlement_run_begin.run_id;
    go := false;
    RETURN NEXT;
    RETURN;
  END;
  IF per.status = 'closed' THEN
    UPDATE cbl.settlement_run x
       SET status = 'done', ended_at = now(), parties_total = 0,
           note = format('period %s was already closed: nothing to settle', to_char(p, 'YYYY-MM'))
     WHERE x.run_id = settlement_run_begin.run_id;
    RAISE NOTICE 'period % is already closed: nothing to settle', to_char(p, 'YYYY-MM');
    go := false;
    RETURN NEXT;
    RETURN;
  END IF;
  go := true;
  RETURN NEXT;
END $$;
COMMENT ON FUNCTION cbl.settlement_run_begin(date) IS
  'internal: starts a settlement run (lock, interrupted runs, log row, period checks); go is false if there is nothing to do';
REVOKE ALL ON FUNCTION cbl.settlement_run_begin(date) FROM PUBLIC;

-- The parties a run settles, in order: the others first, agents last
-- (their commission needs their shipments' other parties settled).
CREATE FUNCTION cbl.settlement_run_parties(run_id bigint) RETURNS bigint[]
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  per record;
  ids bigint[];
BEGIN
  SELECT x.* INTO per FROM cbl.settlement_run r
   CROSS JOIN LATERAL cbl.settlement_period(r.period_start) x
   WHERE r.run_id = settlement_run_parties.run_id;
  SELECT coalesce(array_agg(p.id ORDER BY p.kind = 'agent', p.id), '{}') INTO ids
    FROM cbl.party p
    -- (its last settlement: its charges numbered up to charges_through and
    -- accrued before settled_before are settled or voided, so only those
    -- numbered or accrued later are read, not the party's history)
    LEFT JOIN LATERAL (SELECT m.charges_through, m.settled_before FROM cbl.settlement_mark m
                        WHERE m.party_id = p.id ORDER BY m.charges_through DESC LIMIT 1) lm ON true
   WHERE EXISTS (SELECT 1 FROM cbl.charge ch
                  WHERE ch.party_id = p.id AND ch.voided_at IS NULL AND ch.accrued_at < per.end_at
                    AND (ch.charge_no > coalesce(lm.charges_through, 0)
                         OR ch.accrued_at >= coalesce(lm.settled_before, '-infinity'::timestamptz))
                    AND NOT EXISTS (SELECT 1 FROM cbl.settlement_mark m
                                     WHERE m.party_id = ch.party_id AND m.charges_through >= ch.charge_no
                                       AND m.settled_before > ch.accrued_at))
      OR (p.kind = 'agent' AND EXISTS (SELECT 1 FROM cbl.commission_rule c WHERE c.agent_id = p.id));
  UPDATE cbl.settlement_run r SET parties_total = cardinality(ids) WHERE r.run_id = settlement_run_parties.run_id;
  RETURN ids;
END $$;
COMMENT ON FUNCTION cbl.settlement_run_parties(bigint) IS
  'internal: the parties a run settles, others first, then agents; records how many';
REVOKE ALL ON FUNCTION cbl.settlement_run_parties(bigint) FROM PUBLIC;

CREATE FUNCTION cbl.settlement_run_party(run_id bigint, party_id bigint) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r cbl.settlement_run;
  per record;
  res record;
BEGIN
  SELECT * INTO r FROM cbl.settlement_run x WHERE x.run_id = settlement_run_party.run_id;
  SELECT * INTO per FROM cbl.settlement_period(r.period_start);
  SELECT * INTO res
    FROM cbl.settlement_party(r.period_start, per.start_at, per.end_at, per.time_zone, per.year, party_id, r.run_id);
  UPDATE cbl.settlement_run x
     SET parties_done = x.parties_done + 1,
         statements = x.statements + res.statements,
         charges = x.charges + res.charges,
         totals = CASE WHEN res.statements > 0 THEN cbl.settlement_run_totals(x.run_id, settlement_run_party.party_id, x.totals)
                       ELSE x.totals END
   WHERE x.run_id = r.run_id;
END $$;
COMMENT ON FUNCTION cbl.settlement_run_party(bigint, bigint) IS
  'internal: settles one party in a run and adds it to the run''s log row';
REVOKE ALL ON FUNCTION cbl.settlement_run_party(bigint, bigint) FROM PUBLIC;

CREATE FUNCTION cbl.settlement_run_party_failed(run_id bigint, party_id bigint, sqlstate text, message text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  who text;
BEGIN
  SELECT format('%s %s', p.kind, p.code) INTO who FROM cbl.party p WHERE p.id = settlement_run_party_failed.party_id;
  UPDATE cbl.settlement_run x
     SET parties_failed = x.parties_failed + 1,
         error = coalesce(x.error, format('%s: %s: %s', who, sqlstate, message))
   WHERE x.run_id = settlement_run_party_failed.run_id;
  RAISE WARNING 'settling % failed: %', who, message
    USING DETAIL = format('SQLSTATE %s. The run goes on with the other parties; the period stays open.', sqlstate);
END $$;
COMMENT ON FUNCTION cbl.settlement_run_party_failed(bigint, bigint, text, text) IS
  'internal: records in the run''s log row that a party could not be settled';
REVOKE ALL ON FUNCTION cbl.settlement_run_party_failed(bigint, bigint, text, text) FROM PUBLIC;

-- End of the parties: unless one failed, settle whatever arrived meanwhile
-- (parties that had no open charge when the run started) and close the
-- period.
CREATE FUNCTION cbl.settlement_run_finish(run_id bigint) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r cbl.settlement_run;
  per record;
  res record;
BEGIN
  SELECT * INTO r FROM cbl.settlement_run x WHERE x.run_id = settlement_run_finish.run_id;
  IF r.parties_failed > 0 THEN
    UPDATE cbl.settlement_run x
       SET status = 'failed', ended_at = now(),
           error = format('%s of %s parties failed, the period stays open; the first: %s',
                          x.parties_failed, x.parties_total, x.error)
     WHERE x.run_id = r.run_id;
    RETURN;
  END IF;
  SELECT * INTO per FROM cbl.settlement_period(r.period_start);
  SELECT * INTO res FROM cbl.settlement_all(r.period_start, per.start_at, per.end_at, per.time_zone, per.year, r.run_id);
  UPDATE cbl.settlement_run x
     SET status = 'done', ended_at = now(),
         statements = x.statements + res.statements,
         charges = x.charges + res.charges,
         totals = CASE WHEN res.statements > 0 THEN cbl.settlement_run_totals(x.run_id) ELSE x.totals END,
         note = CASE WHEN res.statements > 0
                     THEN format('%s statements for parties whose charges arrived during the run', res.statements) END
   WHERE x.run_id = r.run_id;
END $$;
COMMENT ON FUNCTION cbl.settlement_run_finish(bigint) IS
  'internal: ends a run: failed if a party failed, else settles what is left of the period, closes it and marks the run done';
REVOKE ALL ON FUNCTION cbl.settlement_run_finish(bigint) FROM PUBLIC;

CREATE FUNCTION cbl.settlement_run_fail(run_id bigint, sqlstate text, message text) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  UPDATE cbl.settlement_run x
     SET status = 'failed', ended_at = now(), error = coalesce(x.error || '; then ', '') || sqlstate || ': ' || message
   WHERE x.run_id = settlement_run_fail.run_id;
END $$;
COMMENT ON FUNCTION cbl.settlement_run_fail(bigint, text, text) IS 'internal: marks a run failed';
REVOKE ALL ON FUNCTION cbl.settlement_run_fail(bigint, text, text) FROM PUBLIC;

-- After the last commit: release the lock, say how it went, and fail the
-- call if the run failed (pg_cron then records the job as failed too).
CREATE FUNCTION cbl.settlement_run_end(run_id bigint) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r cbl.settlement_run;
BEGIN
  SELECT * INTO r FROM cbl.settlement_run x WHERE x.run_id = settlement_run_end.run_id;
  IF r.status <> 'skipped' AND cbl.settlement_lock_held() THEN
    PERFORM pg_advisory_unlock(1667394675, 1);
  END IF;
  IF r.status = 'failed' THEN
    RAISE EXCEPTION 'settlement of % failed', to_char(r.period_start, 'YYYY-MM')
      USING ERRCODE = 'LG034',
            DETAIL = r.error,
            HINT = 'cbl.settlement_run has the run''s log; fix the cause and CALL cbl.run_monthly_settlement() again: it settles the parties left.';
  END IF;
  IF r.status = 'done' AND r.parties_total > 0 THEN
    RAISE NOTICE 'settlement of % done: % parties, % statements', to_char(r.period_start, 'YYYY-MM'),
                 r.parties_done, r.statements;
  END IF;
END $$;
COMMENT ON FUNCTION cbl.settlement_run_end(bigint) IS
  'internal: ends a run: releases the settlement lock, raises SQLSTATE LG034 if the run failed';
REVOKE ALL ON FUNCTION cbl.settlement_run_end(bigint) FROM PUBLIC;

-- The procedure.  It has no SET clause (a procedure with one cannot
-- commit): every statement in it calls a cbl function that pins its own
-- search_path.
CREATE PROCEDURE cbl.run_monthly_settlement(period_start date DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  parties bigint[];
  p bigint;
  state text;
  msg text;
BEGIN
  -- CALL it on its own, not inside BEGIN ... COMMIT: this fails at once there
  COMMIT;
  SELECT * INTO r FROM cbl.settlement_run_begin(period_start);
  COMMIT;
  IF r.go THEN
    parties := cbl.settlement_run_parties(r.run_id);
    COMMIT;
    FOREACH p IN ARRAY parties LOOP
      BEGIN
        PERFORM cbl.settlement_run_party(r.run_id, p);
      EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
        PERFORM cbl.settlement_run_party_failed(r.run_id, p, state, msg);
      END;
      COMMIT;
    END LOOP;
    BEGIN
      PERFORM cbl.settlement_run_finish(r.run_id);
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
      PERFORM cbl.settlement_run_fail(r.run_id, state, msg);
    END;
    COMMIT;
  END IF;
  PERFORM cbl.settlement_run_end(r.run_id);
END $$;
COMMENT ON PROCEDURE cbl.run_monthly_settlement(date) IS
  'settle a period (default: the previous month in the billing time zone) for every party, committing party by party and logging progress in cbl.settlement_run, then close it; a second run while one is going exits (skipped); a re-run after a crash settles the parties left; CALL it outside a transaction block; SQLSTATE LG034 if the run failed';
REVOKE ALL ON PROCEDURE cbl.run_monthly_settlement(date) FROM PUBLIC;

-- The pg_cron job.  The cron calls are dynamic SQL, so that the functions
-- exist (and say how to enable pg_cron) without it.
CREATE FUNCTION cbl.schedule_monthly_settlement(schedule text DEFAULT '0 2 1 * *') RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
RETURN cbl.cron_schedule('cbl_monthly_settlement', 'monthly settlement', schedule,
                         '''0 2 1 * *'' (02:00 on the 1st of each month)', 'CALL cbl.run_monthly_settlement()');
COMMENT ON FUNCTION cbl.schedule_monthly_settlement(text) IS
  'schedule CALL cbl.run_monthly_settlement() with pg_cron as job cbl_monthly_settlement (02:00 on the 1st of each month by default, in pg_cron''s time zone); calling it again changes the schedule of the same job; returns the job id; SQLSTATE LG004 without pg_cron';
REVOKE ALL ON FUNCTION cbl.schedule_monthly_settlement(text) FROM PUBLIC;

CREATE FUNCTION cbl.unschedule_monthly_settlement() RETURNS boolean
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
RETURN cbl.cron_unschedule('cbl_monthly_settlement');
COMMENT ON FUNCTION cbl.unschedule_monthly_settlement() IS
  'remove the pg_cron job cbl_monthly_settlement; true if there was one, false if not; SQLSTATE LG004 without pg_cron';
REVOKE ALL ON FUNCTION cbl.unschedule_monthly_settlement() FROM PUBLIC;
