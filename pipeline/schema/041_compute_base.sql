-- 041_compute_base: compute's per-month base aggregates.
--
-- The compute stage reduces the canonical tables once per month to small
-- "measures" (sums per department and month, defined in
-- config/indicators.xml); every period and scope is then summed from these,
-- never from the large row tables again. A measure set is recomputed when
-- its inputs (current source files' sha256, validation time, authority,
-- catalogue) change.

-- value of one measure for one month and department (money in cents).
CREATE TABLE ind_measure (
    month     TEXT NOT NULL,
    measure   TEXT NOT NULL,
    dept_code TEXT NOT NULL,
    value     REAL NOT NULL,
    PRIMARY KEY (month, measure, dept_code)
) WITHOUT ROWID;

-- One row per month and measure set: the inputs it was computed from, and
-- whether a source it needs was missing (then its measures are undefined
-- for that month).
CREATE TABLE ind_measure_state (
    month       TEXT NOT NULL,
    measure_set TEXT NOT NULL,
    inputs      TEXT NOT NULL,
    missing     TEXT,          -- NULL, or the missing sources, space separated
    computed_at TEXT NOT NULL,
    PRIMARY KEY (month, measure_set)
);

-- Per device and month, the inputs of the equipment benefit table.
CREATE TABLE ind_equipment_month (
    month                TEXT NOT NULL,
    equipment_id         TEXT NOT NULL,
    dept_code            TEXT NOT NULL,
    name_zh              TEXT NOT NULL,
    name_en              TEXT NOT NULL,
    exams                INTEGER NOT NULL,
    device_days          INTEGER NOT NULL,  -- days of the month with purchase_date <= day
    idle_days            INTEGER NOT NULL,  -- device-days without exams
    capacity             INTEGER NOT NULL,  -- daily_capacity x device_days
    revenue_cents        INTEGER NOT NULL,
    depreciation_cents   INTEGER NOT NULL,  -- original_value / years / 12, rounded half up; 0 once written off
    original_value_cents INTEGER NOT NULL,
    PRIMARY KEY (month, equipment_id)
);

-- Driver rows the cost allocation ignored (backwards or unknown receiver).
CREATE TABLE cost_alloc_warning (
    month     TEXT NOT NULL,
    from_dept TEXT NOT NULL,
    to_dept   TEXT NOT NULL,
    reason    TEXT NOT NULL
);

-- 1 when the indicator is a flow (a count or money sum, no denominator):
-- such values add up over departments and months, and money flows are
-- exported as exact decimals.
ALTER TABLE indicator ADD COLUMN is_flow INTEGER NOT NULL DEFAULT 0;
