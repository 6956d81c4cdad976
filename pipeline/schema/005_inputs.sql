-- 005_inputs: one staleness mechanism, by fingerprints (issues 11 and 13).
--
-- period_state.inputs is the fingerprint of the month's data: a SHA-256
-- over the source, SHA-256 and read_with of each current source file
-- (registry_month_fingerprint(), written by ingest with every load).
-- Validate and reconcile record the fingerprint they checked in
-- validated_inputs and reconciled_inputs: a state whose fingerprint is not
-- the month's current one is stale (the data changed since), read as not
-- run. Ingest no longer clears the other stages' columns. Rows from before
-- this migration have NULL everywhere, which compares equal (IS).
--
-- source_file.read_with is the SHA-256 of the source profile a file was
-- read with (its mapping, encoding, formats): a file is "unchanged" only
-- when its bytes and the profile are.
ALTER TABLE period_state ADD COLUMN inputs TEXT;
ALTER TABLE period_state ADD COLUMN validated_inputs TEXT;
ALTER TABLE period_state ADD COLUMN reconciled_inputs TEXT;
ALTER TABLE source_file ADD COLUMN read_with TEXT;
