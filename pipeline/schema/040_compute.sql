-- 040_compute: results the compute stage materialises for render and export.
-- A scope is 'hospital' or a dept_code; a period is the canonical PERIOD text
-- ('2026-10', '2026-Q3', '2026', '2026-01..2026-06').

-- The indicator catalogue as loaded from config/indicators.xml.
CREATE TABLE indicator (
    indicator     TEXT PRIMARY KEY,
    name_zh       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    unit          TEXT NOT NULL,   -- count | money | percent | days | minutes | times | per10k
    unit_zh       TEXT,
    unit_en       TEXT,
    direction     TEXT NOT NULL,   -- up | down | neutral
    warn_low      REAL,            -- warning band (in the displayed unit), NULL = none
    warn_high     REAL,
    dimension     TEXT NOT NULL,   -- volume | efficiency | economics | quality | equipment
    definition_zh TEXT,
    definition_en TEXT,
    sort_order    INTEGER NOT NULL
);

-- One row per period, scope and indicator. value is in the displayed unit
-- (money in CNY, percent x100); NULL means undefined. For money indicators
-- numerator holds exact integer cents. mom/yoy/ytd_yoy are relative changes
-- in percent, or percentage-point differences for percent indicators.
CREATE TABLE indicator_value (
    period      TEXT NOT NULL,
    scope       TEXT NOT NULL,
    indicator   TEXT NOT NULL,
    numerator   REAL,
    denominator REAL,
    value       REAL,
    mom_base    REAL,    -- the MoM base value (previous period), NULL if undefined
    mom         REAL,
    yoy_base    REAL,    -- the YoY base value (same period a year earlier)
    yoy         REAL,
    ytd         REAL,
    ytd_yoy     REAL,
    flag        TEXT,    -- NULL, or: band_low | band_high | mom | yoy
    flag_reason_zh TEXT,
    flag_reason_en TEXT,
    PRIMARY KEY (period, scope, indicator)
);

-- Which departments drove a hospital-level change (contributions add up to
-- the hospital's total change).
CREATE TABLE contribution (
    period     TEXT NOT NULL,
    indicator  TEXT NOT NULL,
    comparison TEXT NOT NULL,  -- mom | yoy
    dept_code  TEXT NOT NULL,
    delta      REAL NOT NULL,  -- the department's change, in the indicator's unit
    share      REAL,           -- delta / total change x 100
    rank       INTEGER NOT NULL,
    PRIMARY KEY (period, indicator, comparison, dept_code)
);

CREATE TABLE computed_period (
    period      TEXT PRIMARY KEY,
    computed_at TEXT NOT NULL,
    inputs      TEXT             -- fingerprint of the inputs it was computed from
);

-- Three-level cost allocation, per month.
CREATE TABLE cost_allocation (
    month        TEXT NOT NULL,
    level        INTEGER NOT NULL,  -- 1 admin, 2 support, 3 medtech
    from_dept    TEXT NOT NULL,
    to_dept      TEXT NOT NULL,
    amount_cents INTEGER NOT NULL
);
CREATE INDEX cost_allocation_month ON cost_allocation(month, to_dept);

CREATE TABLE cost_unallocated (
    month        TEXT NOT NULL,
    level        INTEGER NOT NULL,
    dept_code    TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    reason       TEXT
);

-- The monthly operating statement (月度经营报表), per period and scope:
-- section revenue (item = revenue category), direct_cost (item = cost
-- category), allocated (item = level1 | level2 | level3), total (item =
-- revenue | direct_cost | full_cost | balance).
CREATE TABLE operating_statement (
    period       TEXT NOT NULL,
    scope        TEXT NOT NULL,
    section      TEXT NOT NULL,
    item         TEXT NOT NULL,
    amount_cents INTEGER,
    PRIMARY KEY (period, scope, section, item)
);

-- The equipment benefit analysis table (设备效益分析表), per period and device.
CREATE TABLE equipment_benefit (
    period             TEXT NOT NULL,
    equipment_id       TEXT NOT NULL,
    dept_code          TEXT NOT NULL,
    name_zh            TEXT NOT NULL,
    name_en            TEXT NOT NULL,
    exams              INTEGER NOT NULL,
    utilization        REAL,    -- percent
    idle_rate          REAL,    -- percent
    revenue_cents      INTEGER NOT NULL,
    depreciation_cents INTEGER NOT NULL,
    net_benefit_cents  INTEGER NOT NULL,
    payback_years      REAL,    -- NULL when net benefit <= 0
    PRIMARY KEY (period, equipment_id)
);
