-- 001_core: the canonical store every stage shares.
--
-- Conventions: a `period` column is the month (YYYY-MM) of the export folder
-- a row was loaded from. Dates are ISO text (YYYY-MM-DD), datetimes
-- 'YYYY-MM-DD HH:MM:SS', months 'YYYY-MM'. Money is INTEGER cents in columns
-- named *_cents. Every row loaded from a file keeps file_id (source_file)
-- and line_no (1-based physical line of the record in that file), so any
-- number can be traced back to the line it came from.

-- The ingest manifest: every file loaded, one row per load.
CREATE TABLE source_file (
    file_id       INTEGER PRIMARY KEY,
    period        TEXT NOT NULL,
    source        TEXT NOT NULL,      -- canonical source: outpatient, inpatient, ...
    path          TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    profile       TEXT NOT NULL,
    encoding      TEXT,
    rows_read     INTEGER NOT NULL DEFAULT 0,
    rows_loaded   INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    loaded_at     TEXT NOT NULL,
    seconds       REAL,
    outcome       TEXT NOT NULL,      -- loaded | replaced | unchanged | skipped
    message       TEXT,
    current       INTEGER NOT NULL DEFAULT 1  -- 1: its rows are the period's rows
);
CREATE INDEX source_file_period ON source_file(period, source);

-- Rows that did not pass (ingest type checks or validate rules).
CREATE TABLE quarantine (
    quarantine_id INTEGER PRIMARY KEY,
    period   TEXT NOT NULL,
    source   TEXT NOT NULL,
    file_id  INTEGER,
    path     TEXT,
    line_no  INTEGER,
    raw      TEXT,                -- the record (patient_key masked): ingest's as in the file, validate's as stored
    field    TEXT,
    rule     TEXT NOT NULL,       -- e.g. type, required, range, enum, reference, key, cross, period
    message  TEXT NOT NULL,
    stage    TEXT NOT NULL        -- ingest | validate
);
CREATE INDEX quarantine_period ON quarantine(period, source);

-- Where each month stands in the pipeline.
CREATE TABLE period_state (
    period            TEXT PRIMARY KEY,   -- YYYY-MM
    ingested_at       TEXT,
    validated_at      TEXT,
    validation_state  TEXT,               -- ok | warnings | failed
    reconciled_at     TEXT,
    reconcile_state   TEXT,               -- ok | warnings | blocking
    reconcile_forced  INTEGER NOT NULL DEFAULT 0,
    computed_at       TEXT
);

-- dept.csv, kept per month (departments appear and are renamed).
CREATE TABLE dept (
    period    TEXT NOT NULL,
    dept_code TEXT NOT NULL,
    name_zh   TEXT NOT NULL,
    name_en   TEXT NOT NULL,
    category  TEXT NOT NULL,          -- clinical | medtech | support | admin
    file_id   INTEGER NOT NULL,
    line_no   INTEGER NOT NULL
);

CREATE TABLE outpatient (
    period             TEXT NOT NULL,
    visit_id           TEXT NOT NULL,
    visit_time         TEXT NOT NULL,
    dept_code          TEXT NOT NULL,
    doctor_code        TEXT NOT NULL,
    patient_key        TEXT NOT NULL,  -- pseudonymous; never printed
    visit_type         TEXT NOT NULL,  -- O | E
    total_fee_cents    INTEGER NOT NULL,
    drug_fee_cents     INTEGER NOT NULL,
    material_fee_cents INTEGER NOT NULL,
    exam_fee_cents     INTEGER NOT NULL,
    wait_minutes       INTEGER,
    file_id            INTEGER NOT NULL,
    line_no            INTEGER NOT NULL
);

CREATE TABLE inpatient (
    period             TEXT NOT NULL,
    stay_id            TEXT NOT NULL,
    patient_key        TEXT NOT NULL,
    dept_code          TEXT NOT NULL,
    admit_date         TEXT NOT NULL,
    discharge_date     TEXT NOT NULL,
    total_fee_cents    INTEGER NOT NULL,
    drug_fee_cents     INTEGER NOT NULL,
    material_fee_cents INTEGER NOT NULL,
    exam_fee_cents     INTEGER NOT NULL,
    outcome            TEXT NOT NULL,  -- cured | improved | unhealed | died | other
    file_id            INTEGER NOT NULL,
    line_no            INTEGER NOT NULL
);

CREATE TABLE mr_front (
    period         TEXT NOT NULL,
    stay_id        TEXT NOT NULL,
    dept_code      TEXT NOT NULL,
    admit_date     TEXT NOT NULL,
    discharge_date TEXT NOT NULL,
    record_grade   TEXT NOT NULL,      -- A | B | C
    file_id        INTEGER NOT NULL,
    line_no        INTEGER NOT NULL
);

CREATE TABLE surgery (
    period       TEXT NOT NULL,
    surgery_id   TEXT NOT NULL,
    stay_id      TEXT NOT NULL,
    dept_code    TEXT NOT NULL,
    surgery_date TEXT NOT NULL,
    grade        INTEGER NOT NULL,
    file_id      INTEGER NOT NULL,
    line_no      INTEGER NOT NULL
);

CREATE TABLE census (
    period        TEXT NOT NULL,
    date          TEXT NOT NULL,
    dept_code     TEXT NOT NULL,
    open_beds     INTEGER NOT NULL,
    occupied_beds INTEGER NOT NULL,
    admissions    INTEGER NOT NULL,
    discharges    INTEGER NOT NULL,
    file_id       INTEGER NOT NULL,
    line_no       INTEGER NOT NULL
);

CREATE TABLE revenue (
    period       TEXT NOT NULL,
    month        TEXT NOT NULL,
    dept_code    TEXT NOT NULL,
    category     TEXT NOT NULL,  -- drug material exam treatment surgery bed other
    amount_cents INTEGER NOT NULL,
    file_id      INTEGER NOT NULL,
    line_no      INTEGER NOT NULL
);

CREATE TABLE cost (
    period       TEXT NOT NULL,
    month        TEXT NOT NULL,
    dept_code    TEXT NOT NULL,
    category     TEXT NOT NULL,  -- personnel drug material depreciation maintenance other
    amount_cents INTEGER NOT NULL,
    file_id      INTEGER NOT NULL,
    line_no      INTEGER NOT NULL
);

CREATE TABLE staff (
    period      TEXT NOT NULL,
    month       TEXT NOT NULL,
    dept_code   TEXT NOT NULL,
    doctors     REAL NOT NULL,
    nurses      REAL NOT NULL,
    technicians REAL NOT NULL,
    others      REAL NOT NULL,
    file_id     INTEGER NOT NULL,
    line_no     INTEGER NOT NULL
);

CREATE TABLE alloc_driver (
    period    TEXT NOT NULL,
    month     TEXT NOT NULL,
    from_dept TEXT NOT NULL,
    to_dept   TEXT NOT NULL,
    units     REAL NOT NULL,
    file_id   INTEGER NOT NULL,
    line_no   INTEGER NOT NULL
);

-- The ledger as of each month (not period-bound in the file, kept per month).
CREATE TABLE equipment (
    period               TEXT NOT NULL,
    equipment_id         TEXT NOT NULL,
    name_zh              TEXT NOT NULL,
    name_en              TEXT NOT NULL,
    dept_code            TEXT NOT NULL,
    purchase_date        TEXT NOT NULL,
    original_value_cents INTEGER NOT NULL,
    depreciation_years   INTEGER NOT NULL,
    daily_capacity       INTEGER NOT NULL,
    file_id              INTEGER NOT NULL,
    line_no              INTEGER NOT NULL
);

CREATE TABLE equipment_usage (
    period         TEXT NOT NULL,
    date           TEXT NOT NULL,
    equipment_id   TEXT NOT NULL,
    exams          INTEGER NOT NULL,
    revenue_cents  INTEGER NOT NULL,
    downtime_hours REAL,
    file_id        INTEGER NOT NULL,
    line_no        INTEGER NOT NULL
);

CREATE TABLE complaints (
    period        TEXT NOT NULL,
    complaint_id  TEXT NOT NULL,
    received_date TEXT NOT NULL,
    dept_code     TEXT NOT NULL,
    category      TEXT NOT NULL,  -- service quality cost other
    resolved      TEXT NOT NULL,  -- Y | N
    file_id       INTEGER NOT NULL,
    line_no       INTEGER NOT NULL
);

-- budget.csv: the latest loaded for a year wins (ingest replaces by year).
CREATE TABLE budget (
    period    TEXT NOT NULL,
    year      INTEGER NOT NULL,
    dept_code TEXT NOT NULL,      -- or '*' for the whole hospital
    indicator TEXT NOT NULL,
    target    REAL NOT NULL,
    file_id   INTEGER NOT NULL,
    line_no   INTEGER NOT NULL
);

-- Indexes every reader needs (ingest may drop and rebuild them around bulk loads).
-- outpatient, the one table of half a million rows a month, is indexed on
-- period alone: a month's load then only appends to the index (ingest keeps
-- it), where (period, dept_code) had to be rebuilt -- 40 % of a load -- for
-- grouping by department that costs readers ~0.2 s a month more without it.
CREATE INDEX outpatient_period ON outpatient(period);
CREATE INDEX inpatient_period ON inpatient(period, dept_code);
CREATE INDEX mr_front_period ON mr_front(period, dept_code);
CREATE INDEX surgery_period ON surgery(period, dept_code);
CREATE INDEX surgery_stay ON surgery(stay_id);
CREATE INDEX census_period ON census(period, dept_code);
CREATE INDEX revenue_period ON revenue(period, dept_code);
CREATE INDEX cost_period ON cost(period, dept_code);
CREATE INDEX staff_period ON staff(period, dept_code);
CREATE INDEX alloc_driver_period ON alloc_driver(period);
CREATE INDEX equipment_period ON equipment(period, equipment_id);
CREATE INDEX equipment_usage_period ON equipment_usage(period, equipment_id);
CREATE INDEX complaints_period ON complaints(period, dept_code);
CREATE INDEX dept_period ON dept(period, dept_code);
CREATE INDEX budget_year ON budget(year, dept_code, indicator);

-- The authoritative source (口径) chosen for a fact, per month; written by
-- reconcile from its rules, honoured by compute.
-- fact 'discharges': source 'inpatient' (HIS) or 'mr_front' (medical records);
-- fact 'medical_revenue': source 'revenue' (finance ledger) or 'his'.
CREATE TABLE authority (
    period TEXT NOT NULL,
    fact   TEXT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (period, fact)
);
