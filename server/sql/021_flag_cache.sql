-- The anti-formalism flags (014) in the per-school cache (020): computed
-- with the lists when any school changed, and again when the district's
-- thresholds (safecampusd's flag_* settings) are not those they were
-- computed with.

ALTER TABLE dash_cache_key ADD COLUMN flag_config text;  -- sc_flag_config() of the '' row

CREATE TABLE dash_cache_flag (
  ps date NOT NULL, pe date NOT NULL, pt date NOT NULL,
  school text NOT NULL, kind text NOT NULL, title text NOT NULL, day date, record_ids text[] NOT NULL
);
CREATE INDEX dash_cache_flag_key ON dash_cache_flag (ps, pe, pt);

CREATE OR REPLACE FUNCTION sc_dash_fresh(p_start date, p_end date, p_today date) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT NOT EXISTS (
    SELECT 1 FROM (SELECT s.school FROM sc_schools() s UNION ALL SELECT '') s
    LEFT JOIN dash_stamp st ON st.school = s.school
    LEFT JOIN dash_cache_key k ON (k.ps, k.pe, k.pt, k.school) = (p_start, p_end, p_today, s.school)
    WHERE k.v IS DISTINCT FROM coalesce(st.v, 0)
       OR (s.school = '' AND k.flag_config IS DISTINCT FROM sc_flag_config()))
$$;

CREATE OR REPLACE FUNCTION sc_dash_refresh(p_start date, p_end date, p_today date) RETURNS integer
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
                     WHERE t.school = '' AND k.v = t.v AND k.flag_config = sc_flag_config())
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
  DELETE FROM dash_cache_flag c WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today);
  INSERT INTO dash_cache_flag SELECT p_start, p_end, p_today, f.* FROM sc_flags(p_start, p_end, p_today) f;
  DELETE FROM dash_cache_ageing c WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today);
  INSERT INTO dash_cache_ageing SELECT p_start, p_end, p_today, h.* FROM sc_hazard_ageing(p_start, p_end, p_today) h;

  DELETE FROM dash_cache_key c WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today);
  INSERT INTO dash_cache_key (ps, pe, pt, school, v, flag_config)
  SELECT p_start, p_end, p_today, t.school, t.v, CASE WHEN t.school = '' THEN sc_flag_config() END
  FROM pg_temp.sc_stamps t;
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
  DELETE FROM dash_cache_flag c USING dash_cache_key k
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

CREATE FUNCTION sc_flags_cached(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, kind text, title text, day date, record_ids text[])
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF sc_dash_fresh(p_start, p_end, p_today) THEN
    RETURN QUERY SELECT c.school, c.kind, c.title, c.day, c.record_ids FROM dash_cache_flag c
    WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today) ORDER BY 1, 4, 2;
  ELSE
    RETURN QUERY SELECT * FROM sc_flags(p_start, p_end, p_today);
  END IF;
END
$$;
