-- 020_validate: what the validate stage records besides quarantine.
--
-- Warnings keep their row; they are stored here, per period, and replaced
-- as a whole each time a period is validated (validation is idempotent).
-- render reads validation_summary for the report's data-quality appendix.

-- A kept row that broke a warning rule.
CREATE TABLE row_warning (
    period  TEXT NOT NULL,
    source  TEXT NOT NULL,
    file_id INTEGER,
    line_no INTEGER,
    field   TEXT,
    rule    TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX row_warning_period ON row_warning(period, source);

-- Aggregate warning thresholds (数据预警阈值): scope is a dept_code or
-- 'hospital'; kind is volume_mom, volume_yoy, zero_days or census_overfull.
CREATE TABLE data_warning (
    period     TEXT NOT NULL,
    source     TEXT NOT NULL,
    scope      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    message_zh TEXT NOT NULL,
    message_en TEXT NOT NULL,
    value      REAL,
    threshold  REAL
);
CREATE INDEX data_warning_period ON data_warning(period);

-- The data-quality summary per period and source file (report appendix).
-- rows_read = rows_accepted + rows_quarantined always holds.
-- top_reasons: up to three 'rule field: count' items joined by '; '.
CREATE TABLE validation_summary (
    period           TEXT NOT NULL,
    source           TEXT NOT NULL,
    file_id          INTEGER,
    path             TEXT,
    rows_read        INTEGER NOT NULL,
    rows_accepted    INTEGER NOT NULL,
    rows_quarantined INTEGER NOT NULL,
    rows_warned      INTEGER NOT NULL,
    quarantined_share REAL NOT NULL,  -- rows_quarantined / rows_read, 0..1
    top_reasons      TEXT NOT NULL,
    PRIMARY KEY (period, source)
);
