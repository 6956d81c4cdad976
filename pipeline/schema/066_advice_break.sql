-- 066_advice_break: the comparisons of a period that are not like-for-like
-- (advise, see config/advice.xml), for the findings and for templates that
-- mark them in tables. scope: a dept_code, 'hospital', or '*' (a source
-- missing in the base: every scope); indicator '' = every indicator of the
-- scope. Rewritten with the period's advice.
CREATE TABLE advice_break (
    period     TEXT NOT NULL,
    scope      TEXT NOT NULL,
    indicator  TEXT NOT NULL,
    comparison TEXT NOT NULL CHECK (comparison IN ('mom', 'yoy')),
    reason_zh  TEXT NOT NULL,
    reason_en  TEXT NOT NULL,
    PRIMARY KEY (period, scope, indicator, comparison)
);
