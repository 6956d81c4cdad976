-- 080_deliver: what was delivered to whom (stages/deliver/deliver.h).
--
-- One row per report delivered to one target, never updated: the report
-- (kind, period, scope, language), the PDF's SHA-256 when it went, the
-- channel (a folder, or an e-mail address), the name it went under, the
-- message it went in, and the earlier delivery of the same report to the
-- same target that it replaces (a corrected report). A rerun delivers a
-- report to a target only when its PDF differs from the latest row's.
CREATE TABLE delivery (
    delivery_id   INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,     -- monthly | quarterly | annual
    period        TEXT NOT NULL,
    scope         TEXT NOT NULL,     -- hospital | dept_code
    lang          TEXT NOT NULL,     -- zh_CN | en | bilingual
    channel       TEXT NOT NULL,     -- folder | email
    target        TEXT NOT NULL,     -- the folder, or the address
    file_name     TEXT NOT NULL,     -- as copied or attached
    pdf_sha256    TEXT NOT NULL,
    message_id    TEXT,              -- e-mail: the Message-ID it went in
    replaces      INTEGER,           -- delivery_id of the earlier one, NULL the first time
    delivered_at  TEXT NOT NULL      -- ISO 8601 UTC, db_now()
);
CREATE INDEX delivery_key ON delivery(channel, target, kind, period, scope, lang);
