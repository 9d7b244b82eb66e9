-- enable_nestloop = off scoped to the one statement it was added for.
--
-- 020 set it on sc_dash_rows and sc_dashboard_values, and 022 kept it on
-- sc_dashboard_values, for the read of the cache: dash_cache_v semi-joined
-- to sc_schools(), which a stale estimate of dash_cache_v's rows could plan
-- as a nested loop over ~56,000 rows (020 analysed dash_cache_out only).
-- A function-level SET also holds for everything the function calls, so
-- the live computation they fall back to when the cache is stale (sc_dash_v,
-- 010's sc_indicator_values) ran with it too, and that is where it hurt:
-- measured in one run each (docs/PERFORMANCE.md, "030"), sc_dash_v took
-- 2.3x as long on the filled district (200 schools) and 16-33x on the
-- integration fixture with the setting as without. Without it every
-- statement of the cached read plans as before (the semi-join is hashed
-- either way once dash_cache_v has statistics, which 022's full refresh
-- gives it), so:
--   - sc_dashboard_values: no SET. Its cached branch joins nothing (022);
--     sc_dash_fresh's joins are over ~200 rows;
--   - sc_dash_rows: no SET; its cache read, the only statement that needed
--     the setting, in sc_dash_rows_cached with its own.

-- The cached rows of the district's current schools for one period
-- (sc_dash_rows when fresh). Kept off nested loops: the cache of a period
-- written since the last ANALYZE may be estimated at one row.
CREATE FUNCTION sc_dash_rows_cached(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, win text, key text, value double precision, score double precision,
               num double precision, den double precision, detail text, weight double precision)
LANGUAGE sql STABLE SET enable_nestloop = off AS $$
  SELECT c.school, c.win, c.key, c.value, c.score, c.num, c.den, c.detail, c.weight
  FROM dash_cache_v c
  WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today) AND c.school IN (SELECT s.school FROM sc_schools() s)
$$;

-- Every school's scored indicators: the cache's rows if fresh, else live
-- (with the session's planner settings).
CREATE OR REPLACE FUNCTION sc_dash_rows(p_start date, p_end date, p_today date)
RETURNS TABLE (school text, win text, key text, value double precision, score double precision,
               num double precision, den double precision, detail text, weight double precision)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF sc_dash_fresh(p_start, p_end, p_today) THEN
    RETURN QUERY SELECT * FROM sc_dash_rows_cached(p_start, p_end, p_today);
  ELSE
    RETURN QUERY SELECT * FROM sc_dash_v(p_start, p_end, p_today, NULL);
  END IF;
END
$$;

-- 022's, without the SET.
CREATE OR REPLACE FUNCTION sc_dashboard_values(p_start date, p_end date, p_today date, p_focus text[])
RETURNS TABLE (school text, win text, key text, value double precision, score double precision,
               num double precision, den double precision, detail text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  comp dash_cache_comp[];
  sums dash_cache_sum[];
BEGIN
  IF NOT sc_dash_fresh(p_start, p_end, p_today) THEN
    RETURN QUERY SELECT * FROM sc_dash_all(p_start, p_end, p_today, p_focus);
    RETURN;
  END IF;
  SELECT array_agg(c) INTO comp FROM dash_cache_comp c WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today);
  SELECT array_agg(s) INTO sums FROM dash_cache_sum s WHERE (s.ps, s.pe, s.pt) = (p_start, p_end, p_today);
  RETURN QUERY
  SELECT c.school, c.win, c.key, c.value, c.score, c.num, c.den, c.detail FROM dash_cache_v c
  WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today) AND c.win IN ('period', 'previous')
  UNION ALL
  SELECT c.school, c.win, c.key, c.value, c.score, c.num, c.den, c.detail FROM dash_cache_v c
  WHERE (c.ps, c.pe, c.pt) = (p_start, p_end, p_today) AND c.school = ANY (p_focus)
    AND c.win NOT IN ('period', 'previous')
  UNION ALL
  SELECT * FROM sc_dash_ranked(comp, p_focus)
  UNION ALL
  SELECT * FROM sc_dash_district(sums, comp, p_focus);
END
$$;
