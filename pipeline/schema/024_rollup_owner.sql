-- 024_rollup_owner: the outpatient roll-up has one writer, the validate
-- stage (pipeline/core/rollup.h). It is built once per validation, from
-- the rows that stayed after quarantine, and marked with the file_id of
-- the source's file it summarises; it is current while that file is the
-- month's current file (a file loaded again leaves the month without a
-- current roll-up until it is validated). Roll-ups made before this by
-- ingest (and kept exact by validate) summarise the current file's rows:
-- they keep their mark.
ALTER TABLE rollup_state ADD COLUMN file_id INTEGER;
UPDATE rollup_state SET file_id = (SELECT max(f.file_id) FROM source_file f
    WHERE f.source = rollup_state.source AND f.period = rollup_state.period AND f.current = 1);
