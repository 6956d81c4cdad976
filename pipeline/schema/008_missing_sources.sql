-- 008_missing_sources: the expected sources (config/sources.xml) a loaded
-- month lacks, and the indicators of the catalogue undefined without them
-- (issue 11, item 6; pipeline/missing.h). Written for the months of a
-- period by ingest, render and run (replacing the month's rows), read by
-- the reports' templates (templates/README.md, "Missing sources").
CREATE TABLE month_missing_source (
    period   TEXT NOT NULL,     -- YYYY-MM
    source   TEXT NOT NULL,     -- canonical source: cost, census, drg ...
    file     TEXT NOT NULL,     -- its file: cost.csv
    system   TEXT NOT NULL,     -- HIS, 病房, 财务/HRP ...
    required INTEGER NOT NULL,  -- 1: the month's reports wait for it; 0 optional
    PRIMARY KEY (period, source)
);
-- One row per indicator the month cannot have: `sources` the absent ones
-- it needs (space-separated canonical names).
CREATE TABLE month_undefined_indicator (
    period    TEXT NOT NULL,
    indicator TEXT NOT NULL,
    sources   TEXT NOT NULL,
    PRIMARY KEY (period, indicator)
);
