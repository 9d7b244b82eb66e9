-- The dashboard's results kept per school and refreshed only where a
-- school's rows changed (issue 8: the bureau's dashboard for 200 schools and
-- a year took 1.7 s, nearly all of it recomputing numbers that had not
-- changed since the last request).
--
-- * dash_stamp: one row per school ('' = the bureau's own rows and the
--   district's configuration, which touch every school), given a new value
--   from dash_stamp_seq by a statement trigger on every table the
--   dashboards read, in the writing transaction. The trigger reads only its
--   transition table and writes one row per school the statement touched.
-- * dash_cache_key: per (period start, end, as-of day) and school, the
--   stamp the cached rows were computed at (and '' the district's).
-- * dash_cache_v: per school and window, every indicator scored as
--   sc_dashboard_values scores it (sc_dash_v), which depends on that
--   school's rows and the district's configuration only. Rank, district
--   means and the composite are computed from them on every request.
-- * dash_cache_alert / _missing / _ageing: sc_alerts, sc_missing (without
--   the per-class "1530" lines of a focus school, computed live: one
--   school) and sc_hazard_ageing, kept whole: recomputed for the district
--   when any school changed.
--
-- sc_dash_refresh, run by the server before the read-only snapshot of a
-- dashboard (server/dash_query.c), brings the cache of one period up to
-- date: the values of the schools whose stamp moved, the lists if any did.
-- Each reader then checks in its own snapshot that every school's stamp
-- still matches (sc_dash_fresh); if a push landed in between, it computes
-- everything live as before. So a cached number is never served for rows it
-- was not computed from.

CREATE SEQUENCE dash_stamp_seq AS bigint;
CREATE TABLE dash_stamp (
  school  text PRIMARY KEY,
  v       bigint NOT NULL
);

-- A statement changed rows of these schools: new stamps. '' stands for
-- every school (the bureau's calendar, notices, configuration).
CREATE FUNCTION sc_stamp(p_school text[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO dash_stamp (school, v)
  SELECT s, nextval('dash_stamp_seq') FROM (SELECT DISTINCT unnest(p_school) AS s) k
  ORDER BY s
  ON CONFLICT (school) DO UPDATE SET v = excluded.v
$$;

-- For tables with a school column: the schools of the statement's rows (a
-- row's school never changes: it is part of every key).
CREATE FUNCTION sc_stamp_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM sc_stamp((SELECT array_agg(DISTINCT o.school) FROM old_rows o));
  ELSE
    PERFORM sc_stamp((SELECT array_agg(DISTINCT n.school) FROM new_rows n));
  END IF;
  RETURN NULL;
END
$$;

-- For the district's configuration tables: every school.
CREATE FUNCTION sc_stamp_all_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM sc_stamp(ARRAY['']);
  RETURN NULL;
END
$$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['school_profile', 'staff', 'school_class', 'letter', 'education', 'drill',
                           'inspection', 'gate_duty', 'bus', 'bus_trip', 'equipment', 'equipment_check',
                           'risk', 'hazard', 'hazard_event', 'notice', 'notice_status', 'calendar'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION sc_stamp_trigger()', t || '_stamp_ins', t);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION sc_stamp_trigger()', t || '_stamp_upd', t);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION sc_stamp_trigger()', t || '_stamp_del', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['dashboard_indicator', 'dashboard_school', 'dashboard_hazard_clock', 'dashboard_due'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION sc_stamp_all_trigger()', t || '_stamp', t);
  END LOOP;
END
$$;

CREATE TABLE dash_cache_key (
  ps       date NOT NULL,            -- the period's start, end and as-of day
  pe       date NOT NULL,
  pt       date NOT NULL,
  school   text NOT NULL,            -- '' = the district's configuration and lists
  v        bigint NOT NULL,          -- dash_stamp.v when computed (0: no stamp yet)
  used_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ps, pe, pt, school)
);

CREATE TABLE dash_cache_v (
  ps       date NOT NULL,
  pe       date NOT NULL,
  pt       date NOT NULL,
  school   text NOT NULL,
  win      text NOT NULL,
  key      text NOT NULL,
  value    double precision,
  score    double precision,
  num      double precision,
  den      double precision,
  detail   text NOT NULL,
  weight   double precision NOT NULL,
  PRIMARY KEY (ps, pe, pt, school, win, key)
);

-- The rows of sc_dashboard_values that depend on every school: each
-- school's composite and rank, and the district's means, for every window
-- (with dash_cache_v, what a request reads).
CREATE TABLE dash_cache_out (
  ps date NOT NULL, pe date NOT NULL, pt date NOT NULL,
  school text NOT NULL, win text NOT NULL, key text NOT NULL,
  value double precision, score double precision, num double precision, den double precision,
  detail text,
  PRIMARY KEY (ps, pe, pt, school, win, key)
);
CREATE INDEX dash_cache_v_win ON dash_cache_v (ps, pe, pt, win);

CREATE TABLE dash_cache_alert (
  ps date NOT NULL, pe date NOT NULL, pt date NOT NULL,
  school text NOT NULL, kind text NOT NULL, record_id text NOT NULL, title text NOT NULL,
  since date, severity text NOT NULL
);
CREATE INDEX dash_cache_alert_key ON dash_cache_alert (ps, pe, pt);
CREATE TABLE dash_cache_missing (
  ps date NOT NULL, pe date NOT NULL, pt date NOT NULL,
  school text NOT NULL, what text NOT NULL, due_date date, record_id text NOT NULL, kind text NOT NULL
);
CREATE INDEX dash_cache_missing_key ON dash_cache_missing (ps, pe, pt);
CREATE TABLE dash_cache_ageing (
  ps date NOT NULL, pe date NOT NULL, pt date NOT NULL,
  school text NOT NULL, bucket integer NOT NULL, label text NOT NULL, open bigint NOT NULL, overdue bigint NOT NULL
);
CREATE INDEX dash_cache_ageing_key ON dash_cache_ageing (ps, pe, pt);

-- Every indicator of the schools p_schools (NULL: all) scored, per window:
-- the first half of 010's sc_dashboard_values, which depends on each
-- school's own rows and the district's configuration only. A few schools are
-- computed one by one (sc_indicator_values for one school costs ~1/30 of
-- the district's); more, all at once and filtered.
CREATE FUNCTION sc_dash_v(p_start date, p_end date, p_today date, p_schools text[])
RETURNS TABLE (school text, win text, key text, value double precision, score double precision,
               num double precision, den double precision, detail text, weight double precision)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
DECLARE
  small boolean;
BEGIN
  IF p_schools IS NOT NULL AND cardinality(p_schools) = 0 THEN
    RETURN;
  END IF;
  small := p_schools IS NOT NULL AND cardinality(p_schools) <= 20;
  RETURN QUERY
  -- (a one-time filter: only one of the two runs)
  WITH iv AS (
    SELECT v.* FROM unnest(p_schools) s, LATERAL sc_indicator_values(p_start, p_end, p_today, s) v WHERE small
    UNION ALL
    SELECT v.* FROM sc_indicator_values(p_start, p_end, p_today, NULL) v
    WHERE NOT small AND (p_schools IS NULL OR v.school = ANY (p_schools))),
  raw AS MATERIALIZED (
    SELECT v.*, c.higher_is_better, c.target, c.worst, c.weight
    FROM iv v JOIN dashboard_indicator c ON c.key = v.key),
  w AS MATERIALIZED (SELECT * FROM sc_windows(p_start, p_end, p_today)),
  looked AS MATERIALIZED (
    SELECT x.school, min(x.d) AS first_d FROM (
      SELECT i.school, min(i.inspection_date) AS d FROM inspection i
      WHERE NOT i.deleted AND i.inspection_date BETWEEN p_start AND least(p_end, p_today)
        AND (p_schools IS NULL OR i.school = ANY (p_schools)) GROUP BY 1
      UNION ALL
      SELECT h.school, min(h.found_date) FROM hazard h
      WHERE NOT h.deleted AND h.found_date BETWEEN p_start AND least(p_end, p_today)
        AND (p_schools IS NULL OR h.school = ANY (p_schools)) GROUP BY 1) x
    GROUP BY 1),
  nobus AS MATERIALIZED (
    SELECT p.school FROM (
      SELECT DISTINCT ON (p.school) p.school, p.bus_count FROM school_profile p
      WHERE NOT p.deleted AND (p_schools IS NULL OR p.school = ANY (p_schools)) ORDER BY p.school, p.hlc DESC) p
    WHERE p.bus_count = 0),
  days AS MATERIALIZED (SELECT r.school, r.win, r.den FROM raw r WHERE r.key = 'gate_duty'),
  nd AS (
    SELECT r.*,
      CASE
        WHEN r.key LIKE 'education%' THEN r.value IS NULL AND coalesce(dy.den, 0) > 0
        WHEN r.key IN ('letters', 'equipment_overdue') THEN r.value IS NULL
        WHEN r.key IN ('bus_mismatch', 'bus_inspection_overdue') THEN r.value IS NULL AND nb.school IS NULL
        WHEN r.key IN ('hazards_overdue', 'risks_overdue') THEN lk.first_d IS NULL OR lk.first_d > w.as_of
        ELSE false END AS nodata
    FROM raw r
    LEFT JOIN days dy ON dy.school = r.school AND dy.win = r.win
    LEFT JOIN nobus nb ON nb.school = r.school
    LEFT JOIN looked lk ON lk.school = r.school
    LEFT JOIN w ON w.win = r.win)
  SELECT nd.school, nd.win, nd.key, nd.value,
         CASE WHEN nd.nodata THEN 0
              ELSE sc_score(nd.value, nd.higher_is_better, nd.target, nd.worst) END,
         nd.num, nd.den,
         CASE WHEN nd.nodata AND nd.win IN ('period', 'previous')
              THEN concat_ws('; ', nullif(nd.detail, ''), 'no records: scored 0') ELSE nd.detail END,
         nd.weight
  FROM nd;
END
$$;

-- Whether the cache of this period holds every school of the district at
-- its current stamp (and the district's configuration at its own), in the
-- caller's snapshot.
CREATE FUNCTION sc_dash_fresh(p_start date, p_end date, p_today date) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT NOT EXISTS (
    SELECT 1 FROM (SELECT s.school FROM sc_schools() s UNION ALL SELECT '') s
    LEFT JOIN dash_stamp st ON st.school = s.school
    LEFT JOIN dash_cache_key k ON (k.ps, k.pe, k.pt, k.school) = (p_start, p_end, p_today, s.school)
    WHERE k.v IS DISTINCT FROM coalesce(st.v, 0))
$$;

-- Brings the cache of one period up to date; returns how many schools it
-- recomputed (0: it was fresh), -1 if another connection is refreshing (the
-- caller then computes live what is stale), -2 if it could not write (a
-- read-only replica, a conflict): never an error, so the dashboard goes on.
-- Stamps are read before the rows they vouch for, so a write committed
-- meanwhile makes the cache look stale, never fresh.
CREATE FUNCTION sc_dash_refresh(p_start date, p_end date, p_today date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  all_stale boolean;
  stale text[];
  n integer;
BEGIN
  IF p_start IS NULL OR p_end IS NULL OR p_today IS NULL THEN
    RETURN 0;
  END IF;
  IF sc_dash_fresh(p_start, p_end, p_today) THEN
    PERFORM sc_dash_touch(p_start, p_end, p_today);
    RETURN 0;
  END IF;
  IF NOT pg_try_advisory_xact_lock(hashtext('sc_dash_refresh')) THEN
    RETURN -1;
  END IF;
  CREATE TEMP TABLE IF NOT EXISTS pg_temp.sc_stamps (school text PRIMARY KEY, v bigint) ON COMMIT DROP;
  TRUNCATE pg_temp.sc_stamps;
  INSERT INTO pg_temp.sc_stamps
  SELECT s.school, coalesce(st.v, 0)
  FROM (SELECT s.school FROM sc_schools() s UNION ALL SELECT '') s
  LEFT JOIN dash_stamp st ON st.school = s.school;
  -- the district's configuration moved: every school
  SELECT NOT EXISTS (SELECT 1 FROM pg_temp.sc_stamps t JOIN dash_cache_key k
                     ON (k.ps, k.pe, k.pt, k.school) = (p_start, p_end, p_today, '')
                     WHERE t.school = '' AND k.v = t.v)
  INTO all_stale;
  SELECT array_agg(t.school) INTO stale
  FROM pg_temp.sc_stamps t
  LEFT JOIN dash_cache_key k ON (k.ps, k.pe, k.pt, k.school) = (p_start, p_end, p_today, t.school)
  WHERE t.school <> '' AND (all_stale OR k.v IS DISTINCT FROM t.v);
  n := coalesce(cardinality(stale), 0);

  IF all_stale THEN
    DELETE FROM dash_cache_v c WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today);
  ELSE
    DELETE FROM dash_cache_v c WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today)
      AND c.school = ANY (stale);
  END IF;
  INSERT INTO dash_cache_v
  SELECT p_start, p_end, p_today, v.* FROM sc_dash_v(p_start, p_end, p_today, CASE WHEN all_stale THEN NULL ELSE stale END) v;

  DELETE FROM dash_cache_alert c WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today);
  INSERT INTO dash_cache_alert SELECT p_start, p_end, p_today, a.* FROM sc_alerts(p_start, p_end, p_today) a;
  DELETE FROM dash_cache_missing c WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today);
  INSERT INTO dash_cache_missing
  SELECT p_start, p_end, p_today, m.school, m.what, m.due_date, m.record_id, m.kind
  FROM sc_missing(p_start, p_end, p_today, '{}') m;
  DELETE FROM dash_cache_ageing c WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today);
  INSERT INTO dash_cache_ageing SELECT p_start, p_end, p_today, h.* FROM sc_hazard_ageing(p_start, p_end, p_today) h;

  DELETE FROM dash_cache_key c WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today);
  INSERT INTO dash_cache_key (ps, pe, pt, school, v)
  SELECT p_start, p_end, p_today, t.school, t.v FROM pg_temp.sc_stamps t;
  IF all_stale THEN
    ANALYZE dash_cache_v, dash_cache_key;
  END IF;

  -- ranks and district means move with any school: from the cached values
  -- (fresh now, in this transaction), every school in focus
  DELETE FROM dash_cache_out c WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today);
  INSERT INTO dash_cache_out
  SELECT p_start, p_end, p_today, o.* FROM sc_dash_all(p_start, p_end, p_today,
    (SELECT array_agg(t.school) FROM pg_temp.sc_stamps t)) o
  WHERE o.key = 'score' OR o.school = '';

  -- periods nobody asked for in two days go (the as-of day moves daily)
  DELETE FROM dash_cache_v c USING dash_cache_key k
  WHERE k.school = '' AND k.used_at < now() - interval '2 days'
    AND (c.ps, c.pe, c.pt) = (k.ps, k.pe, k.pt);
  DELETE FROM dash_cache_out c USING dash_cache_key k
  WHERE k.school = '' AND k.used_at < now() - interval '2 days'
    AND (c.ps, c.pe, c.pt) = (k.ps, k.pe, k.pt);
  DELETE FROM dash_cache_alert c USING dash_cache_key k
  WHERE k.school = '' AND k.used_at < now() - interval '2 days'
    AND (c.ps, c.pe, c.pt) = (k.ps, k.pe, k.pt);
  DELETE FROM dash_cache_missing c USING dash_cache_key k
  WHERE k.school = '' AND k.used_at < now() - interval '2 days'
    AND (c.ps, c.pe, c.pt) = (k.ps, k.pe, k.pt);
  DELETE FROM dash_cache_ageing c USING dash_cache_key k
  WHERE k.school = '' AND k.used_at < now() - interval '2 days'
    AND (c.ps, c.pe, c.pt) = (k.ps, k.pe, k.pt);
  DELETE FROM dash_cache_key k WHERE k.used_at < now() - interval '2 days';
  IF all_stale THEN
    ANALYZE dash_cache_out;
  END IF;
  RETURN n;
EXCEPTION WHEN OTHERS THEN
  RETURN -2;
END
$$;

-- ---------------------------------------------------------------- readers
-- What server/dash_query.c reads: the cache when it is fresh in the
-- reader's snapshot, else the live functions, with the same rows.

-- Every school's scored indicators: the cache's rows if fresh, else live.
-- (No nested loop: the planner may not have seen the cache's size yet.)
CREATE FUNCTION sc_dash_rows(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, win text, key text, value double precision, score double precision,
               num double precision, den double precision, detail text, weight double precision)
LANGUAGE plpgsql STABLE SET enable_nestloop = off AS $$
BEGIN
  IF sc_dash_fresh(p_start, p_end, p_today) THEN
    RETURN QUERY
    SELECT c.school, c.win, c.key, c.value, c.score, c.num, c.den, c.detail, c.weight
    FROM dash_cache_v c
    WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today) AND c.school IN (SELECT s.school FROM sc_schools() s);
  ELSE
    RETURN QUERY SELECT * FROM sc_dash_v(p_start, p_end, p_today, NULL);
  END IF;
END
$$;

-- 010's sc_dashboard_values over sc_dash_rows.
CREATE FUNCTION sc_dash_all(p_start date, p_end date, p_today date, p_focus text[])
RETURNS TABLE (school text, win text, key text, value double precision, score double precision,
               num double precision, den double precision, detail text)
LANGUAGE sql STABLE AS $$
  WITH v AS MATERIALIZED (SELECT * FROM sc_dash_rows(p_start, p_end, p_today)),
  comp AS (
    SELECT v.school, v.win,
           round((sum(v.weight * v.score) FILTER (WHERE v.score IS NOT NULL AND v.weight > 0)
                  / nullif(sum(v.weight) FILTER (WHERE v.score IS NOT NULL AND v.weight > 0), 0))::numeric,
                 1)::float8 AS score,
           count(*) FILTER (WHERE v.score IS NOT NULL AND v.weight > 0) AS n
    FROM v GROUP BY 1, 2),
  ranked AS (
    SELECT comp.*, rank() OVER (PARTITION BY comp.win ORDER BY comp.score DESC NULLS LAST) AS rnk,
           count(*) OVER (PARTITION BY comp.win) AS of_n
    FROM comp),
  district AS (
    SELECT ''::text AS school, v.win, v.key,
           round(avg(v.value)::numeric, 2)::float8 AS value, round(avg(v.score)::numeric, 2)::float8 AS score,
           sum(v.num) AS num, sum(v.den) AS den,
           format('%s of %s schools', count(v.value), count(*)) AS detail
    FROM v GROUP BY v.win, v.key
    UNION ALL
    SELECT '', r.win, 'score', round(avg(r.score)::numeric, 1)::float8, round(avg(r.score)::numeric, 1)::float8,
           0, count(*), format('%s schools', count(*))
    FROM ranked r GROUP BY r.win)
  SELECT v.school, v.win, v.key, v.value, v.score, v.num, v.den, v.detail FROM v
  WHERE v.win IN ('period', 'previous') OR v.school = ANY (p_focus)
  UNION ALL
  SELECT r.school, r.win, 'score', r.score, r.score, r.rnk, r.of_n,
         format('%s indicators scored', r.n) FROM ranked r
  WHERE r.win IN ('period', 'previous') OR r.school = ANY (p_focus)
  UNION ALL
  SELECT d.* FROM district d WHERE d.win IN ('period', 'previous') OR '' = ANY (p_focus)
$$;

-- What server/dash_query.c reads: sc_dash_all's rows, from the cache
-- when fresh (the periods and previous months of every school, every
-- window of the focus).
CREATE OR REPLACE FUNCTION sc_dashboard_values(p_start date, p_end date, p_today date, p_focus text[])
RETURNS TABLE (school text, win text, key text, value double precision, score double precision,
               num double precision, den double precision, detail text)
LANGUAGE plpgsql STABLE SET enable_nestloop = off AS $$
BEGIN
  IF sc_dash_fresh(p_start, p_end, p_today) THEN
    RETURN QUERY
    SELECT c.school, c.win, c.key, c.value, c.score, c.num, c.den, c.detail FROM dash_cache_out c
    WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today)
      AND (c.win IN ('period', 'previous') OR c.school = ANY (p_focus))
    UNION ALL
    SELECT c.school, c.win, c.key, c.value, c.score, c.num, c.den, c.detail FROM dash_cache_v c
    WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today) AND c.win IN ('period', 'previous')
      AND c.school IN (SELECT s.school FROM sc_schools() s)
    UNION ALL
    SELECT c.school, c.win, c.key, c.value, c.score, c.num, c.den, c.detail FROM dash_cache_v c
    WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today) AND c.school = ANY (p_focus)
      AND c.win NOT IN ('period', 'previous') AND c.school IN (SELECT s.school FROM sc_schools() s);
  ELSE
    RETURN QUERY SELECT * FROM sc_dash_all(p_start, p_end, p_today, p_focus);
  END IF;
END
$$;

CREATE FUNCTION sc_alerts_cached(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, kind text, record_id text, title text, since date, severity text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF sc_dash_fresh(p_start, p_end, p_today) THEN
    RETURN QUERY SELECT c.school, c.kind, c.record_id, c.title, c.since, c.severity FROM dash_cache_alert c
    WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today);
  ELSE
    RETURN QUERY SELECT * FROM sc_alerts(p_start, p_end, p_today);
  END IF;
END
$$;

-- The per-class "1530" lines of the focus schools are always live (one
-- school's classes); the rest from the cache when fresh.
CREATE FUNCTION sc_missing_cached(p_start date, p_end date, p_today date, p_focus text[])
RETURNS TABLE (school text, what text, due_date date, record_id text, kind text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF sc_dash_fresh(p_start, p_end, p_today) THEN
    RETURN QUERY SELECT x.* FROM (
      SELECT c.school, c.what, c.due_date, c.record_id, c.kind FROM dash_cache_missing c
      WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today)
      UNION ALL
      SELECT m.* FROM sc_missing(p_start, p_end, p_today, p_focus) m WHERE m.kind = 'education_1530') x
    ORDER BY 1, 3, 2;
  ELSE
    RETURN QUERY SELECT * FROM sc_missing(p_start, p_end, p_today, p_focus);
  END IF;
END
$$;

CREATE FUNCTION sc_hazard_ageing_cached(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, bucket integer, label text, open bigint, overdue bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF sc_dash_fresh(p_start, p_end, p_today) THEN
    RETURN QUERY SELECT c.school, c.bucket, c.label, c.open, c.overdue FROM dash_cache_ageing c
    WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today);
  ELSE
    RETURN QUERY SELECT * FROM sc_hazard_ageing(p_start, p_end, p_today);
  END IF;
END
$$;

-- Marks the period as asked for (the purge above keeps what is used).
CREATE FUNCTION sc_dash_touch(p_start date, p_end date, p_today date) RETURNS void
LANGUAGE sql AS $$
  UPDATE dash_cache_key k SET used_at = now()
  WHERE (k.ps, k.pe, k.pt, k.school) = (p_start, p_end, p_today, '')
    AND k.used_at < now() - interval '1 hour'
$$;
