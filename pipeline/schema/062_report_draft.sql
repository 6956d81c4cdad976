-- 062_report_draft: whether a PDF of the registry is a draft (issue 11).
--
-- render --force (or reconcile --force) draws a report over months that
-- fail a gate (blocking reconciliation, failed or missing validation) with
-- a draft mark on every page; such a PDF is recorded with draft = 1, and
-- `due` does not count a draft as the report delivered.
ALTER TABLE report_run ADD COLUMN draft INTEGER NOT NULL DEFAULT 0;
