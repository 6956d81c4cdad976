-- 003_rollup: roll-ups of the largest canonical table (pipeline/rollup.c).
--
-- outpatient holds about half a million visits a month at a large
-- hospital; every outpatient measure of the catalogue is a count or a sum
-- per department. outpatient_rollup keeps, per month, department and visit
-- type, the number of visits (row_count) and, for each summed column, its sum over the
-- rows where it is not NULL and the number of those rows (<col>_n). It is
-- a few hundred rows a month, so compute reads it instead of the visits.
--
-- It is kept exact by whoever changes outpatient: ingest writes a month's
-- roll-up while it loads the file (and drops it with the rows it
-- replaces); validate subtracts each row it moves to quarantine. A month
-- that has rows but no rollup_state row (loaded by an older hospreport, or
-- written by hand) is rolled up from its rows before compute reads it.
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
    built_by  TEXT NOT NULL,      -- 'ingest' or 'rows' (rolled up from the table)
    PRIMARY KEY (source, period)
);
