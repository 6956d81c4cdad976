-- 060_registry: the run registry (see pipeline/registry.h).
--
-- One row per PDF written, never updated: what was generated (kind, period,
-- scope, language), when, from which inputs (a SHA-256 fingerprint over the
-- source files' SHA-256s and the configuration), with which template (path
-- and SHA-256), and the output's path and SHA-256. The latest row for a
-- (kind, period, scope, lang, output_path) decides whether a rerun may skip
-- that PDF; `due` and `status` read it to tell which reports are done.
CREATE TABLE report_run (
    run_id             INTEGER PRIMARY KEY,
    kind               TEXT NOT NULL,     -- monthly | quarterly | annual | topic
    period             TEXT NOT NULL,     -- canonical PERIOD text: 2026-10, 2026-Q3, 2026, 2026-01..2026-06
    scope              TEXT NOT NULL,     -- hospital | dept_code
    lang               TEXT NOT NULL,     -- zh_CN | en | bilingual
    template_path      TEXT NOT NULL,
    template_sha256    TEXT NOT NULL,
    inputs_fingerprint TEXT NOT NULL,
    output_path        TEXT NOT NULL,
    output_sha256      TEXT NOT NULL,
    output_bytes       INTEGER NOT NULL,
    generated_at       TEXT NOT NULL      -- ISO 8601 UTC, db_now()
);
CREATE INDEX report_run_key ON report_run(kind, period, scope, lang);
