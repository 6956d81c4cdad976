-- 027_validate_handoff: what validate found in a file's rows while ingest
-- loaded them (stages/validate/validate_handoff.c, through ingest's rowtap),
-- so that validate takes it instead of reading every row back. Written in
-- the file's own load transaction; taken only while the file is the
-- month's current one, its rows are still exactly those loaded and the
-- fingerprint (the rules as compiled, the reference data, which rules
-- run) is unchanged; deleted when validate runs on the month. One writer:
-- validate's code.
CREATE TABLE validate_handoff (
    file_id     INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    period      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    first_rowid INTEGER NOT NULL,   -- the file's rows: first_rowid .. last_rowid
    last_rowid  INTEGER NOT NULL,
    rows        INTEGER NOT NULL,
    pass        BLOB                -- the counts of validate_pass.c (vpass_dump)
);
CREATE INDEX validate_handoff_period ON validate_handoff(period, source);

-- Its hits: the rows that broke a rule (or repeat a key), as validate
-- would record them in temp.validate_hit.
CREATE TABLE validate_handoff_hit (
    file_id    INTEGER NOT NULL,
    rid        INTEGER NOT NULL,
    ord        INTEGER NOT NULL,
    field      TEXT,
    rule       TEXT NOT NULL,
    severity   TEXT NOT NULL,
    message    TEXT,
    message_zh TEXT
);
CREATE INDEX validate_handoff_hit_file ON validate_handoff_hit(file_id);
