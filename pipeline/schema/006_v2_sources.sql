-- 006_v2_sources: the national assessment (国考) and DRG/DIP sources of
-- spec/EXPORTS.md "v2 additions" (issue 18). All optional: a month without
-- them has no rows here and the indicators that need them are undefined.

-- New optional fields of existing exports: Y | N, NULL when the file has no
-- such column or the cell is empty.
ALTER TABLE outpatient ADD COLUMN appointment TEXT;        -- 预约诊疗
ALTER TABLE surgery ADD COLUMN minimally_invasive TEXT;    -- 微创手术
ALTER TABLE surgery ADD COLUMN day_surgery TEXT;           -- 日间手术

-- The outpatient roll-up (003_rollup) counts appointments like its other
-- columns: appointment_y the visits with appointment = 'Y', appointment_n
-- the visits where appointment is present (Y or N).
ALTER TABLE outpatient_rollup ADD COLUMN appointment_y INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outpatient_rollup ADD COLUMN appointment_n INTEGER NOT NULL DEFAULT 0;

-- drg.csv: one row per grouped stay discharged in the month.
CREATE TABLE drg (
    period        TEXT NOT NULL,
    stay_id       TEXT NOT NULL,
    drg_code      TEXT NOT NULL,
    drg_name      TEXT NOT NULL,
    weight        REAL NOT NULL,     -- RW / 权重 (DIP: 分值), > 0
    payment_cents INTEGER,           -- 病组支付标准 for the stay; NULL = not given
    low_risk      TEXT,              -- Y | N | NULL
    file_id       INTEGER NOT NULL,
    line_no       INTEGER NOT NULL
);
CREATE INDEX drg_period ON drg(period, stay_id);

-- drg_benchmark.csv: the region's reference values, as of the month.
CREATE TABLE drg_benchmark (
    period          TEXT NOT NULL,
    drg_code        TEXT NOT NULL,
    avg_los         REAL NOT NULL,     -- days, > 0
    avg_cost_cents  INTEGER NOT NULL,  -- > 0
    file_id         INTEGER NOT NULL,
    line_no         INTEGER NOT NULL
);
CREATE INDEX drg_benchmark_period ON drg_benchmark(period, drg_code);

-- antibiotic.csv: DDDs of antibacterials dispensed to inpatients.
CREATE TABLE antibiotic (
    period     TEXT NOT NULL,
    month      TEXT NOT NULL,
    dept_code  TEXT NOT NULL,
    ddd        REAL NOT NULL,
    file_id    INTEGER NOT NULL,
    line_no    INTEGER NOT NULL
);
CREATE INDEX antibiotic_period ON antibiotic(period, dept_code);

INSERT INTO source_name (source, name_zh, name_en) VALUES
    ('drg', 'DRG/DIP分组结果', 'DRG/DIP grouping'),
    ('drg_benchmark', 'DRG病组标杆值', 'DRG group benchmarks'),
    ('antibiotic', '抗菌药物使用', 'Antibacterial use (pharmacy)');
