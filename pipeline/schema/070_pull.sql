-- 070_pull: the archive manifest of the pull stage (stages/pull/pull.h).
--
-- One row per file archived, never updated: which source and period, which
-- version (1, 2, ... a changed export is archived beside the earlier ones,
-- never over them), where it came from (the drop folder's file, its size
-- and modification time), where the archive keeps it (read-only), its
-- SHA-256 and when it was pulled. Ingest reads the newest version of each
-- source; `pull --verify` checks every archived file against its row.
CREATE TABLE archive_file (
    archive_id     INTEGER PRIMARY KEY,
    period         TEXT NOT NULL,     -- YYYY-MM
    source         TEXT NOT NULL,     -- the name archived and read: outpatient.csv
    version        INTEGER NOT NULL,  -- 1, 2, ...
    system         TEXT NOT NULL,     -- HIS, 病案, ...
    profile        TEXT NOT NULL,     -- the profile XML it is read with
    original_path  TEXT NOT NULL,
    source_mtime   TEXT NOT NULL,     -- ISO 8601 UTC, the drop file's
    archive_path   TEXT NOT NULL,
    size_bytes     INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    pulled_at      TEXT NOT NULL,     -- ISO 8601 UTC, db_now()
    UNIQUE (period, source, version)
);
