-- 030_reconcile: results of the reconcile stage, per period, replaced as a
-- whole on each run. render reads period_state.reconcile_state /
-- reconcile_forced and the counts here; the data team reads the CSVs.

-- Aggregate comparisons: one row per rule, department and month.
-- level 'count' or 'amount'; amounts are in cents. status 'ok' or 'fail';
-- severity 'blocking' or 'warning' (from the rule).
CREATE TABLE reconcile_result (
    period     TEXT NOT NULL,
    rule       TEXT NOT NULL,
    dept_code  TEXT NOT NULL,
    level      TEXT NOT NULL,
    value_a    INTEGER NOT NULL,
    value_b    INTEGER NOT NULL,
    difference INTEGER NOT NULL,   -- value_a - value_b
    tolerance  INTEGER NOT NULL,   -- largest |difference| accepted
    status     TEXT NOT NULL,
    severity   TEXT NOT NULL
);
CREATE INDEX reconcile_result_period ON reconcile_result(period, rule);

-- Record-level differences. record_key is a stay_id / surgery_id, never a
-- patient_key. issue: only_in_a, only_in_b, dept_differs, dates_differ,
-- outside_range. dept_code is the department in source a (or b when the
-- record is only in b); dept_code_b the one in b when both have it.
CREATE TABLE reconcile_record (
    period     TEXT NOT NULL,
    rule       TEXT NOT NULL,
    record_key TEXT NOT NULL,
    dept_code  TEXT,
    dept_code_b TEXT,
    issue      TEXT NOT NULL,
    detail     TEXT NOT NULL,
    severity   TEXT NOT NULL
);
CREATE INDEX reconcile_record_period ON reconcile_record(period, rule);

-- One line per rule and period: what the stdout summary and render show.
CREATE TABLE reconcile_rule_state (
    period          TEXT NOT NULL,
    rule            TEXT NOT NULL,
    severity        TEXT NOT NULL,
    status          TEXT NOT NULL,  -- ok | fail | skipped
    aggregate_fails INTEGER NOT NULL,
    record_issues   INTEGER NOT NULL,
    authority_fact  TEXT,
    authority       TEXT,
    message         TEXT,
    PRIMARY KEY (period, rule)
);
