-- 003_rollup: roll-ups of the largest canonical table (pipeline/core/rollup.c).
--
-- outpatient holds about half a million visits a month at a large
-- hospital; every outpatient measure of the catalogue is a count or a sum
-- per department. outpatient_rollup keeps, per month, department and visit
-- type, the number of visits (row_count) and, for each summed column, its sum over the
-- rows where it is not NULL and the number of those rows (<col>_n). It is
-- a few hundred rows a month, so compute reads it instead of the visits.
--
-- One writer: the validate stage builds a month's roll-up once, from the
-- rows that stayed after quarantine (024_rollup_owner: rollup_state.file_id
-- names the file it sums up; it is current while that file is). Until
-- then, a reader that needs the month rolls its rows up itself, into a
-- TEMP table of its own connection (rollup_shadow in pipeline/core/rollup.h).
CREATE TABLE outpatient_rollup (
    period                TEXT NOT NULL,
    dept_code             TEXT NOT NULL,
    visit_type            TEXT,
    row_count             INTEGER NOT NULL,
    total_fee_cents       INTEGER NOT NULL,
    total_fee_cents_n     INTEGER NOT NULL,
    drug_fee_cents        INTEGER NOT NULL,
    drug_fee_cents_n      INTEGER NOT NULL,
    material_fee_cents    INTEGER NOT NULL,
    material_fee_cents_n  INTEGER NOT NULL,
    exam_fee_cents        INTEGER NOT NULL,
    exam_fee_cents_n      INTEGER NOT NULL,
    wait_minutes          INTEGER NOT NULL,
    wait_minutes_n        INTEGER NOT NULL,
    PRIMARY KEY (period, dept_code, visit_type)
);

-- A (source, period) here has a complete, current roll-up.
CREATE TABLE rollup_state (
    source    TEXT NOT NULL,
    period    TEXT NOT NULL,
    built_by  TEXT NOT NULL,      -- 'validate' ('ingest' or 'rows' in older databases)
    PRIMARY KEY (source, period)
);
