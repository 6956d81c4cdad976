-- 021_validate_volume: each loaded file's rows per department, counted once
-- (after validation's quarantine) for the volume thresholds, which compare a
-- month with the previous month and the same month a year earlier. Keyed by
-- the file, so a replaced file is counted afresh.
CREATE TABLE validate_volume (
    file_id   INTEGER NOT NULL,
    dept_code TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (file_id, dept_code)
) WITHOUT ROWID;
