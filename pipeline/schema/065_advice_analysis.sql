-- 065_advice_analysis: the advise stage's overview paragraph and what a
-- sentence is about. kind gains 'overview' (one row per scope and period,
-- sort_order 1, the paragraph that opens the findings); about names the
-- department (a hospital sentence about one department) or the device a
-- sentence is about, NULL otherwise. Rows are rewritten by every advise run.
CREATE TABLE advice_new (
    period     TEXT NOT NULL,
    scope      TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('overview', 'finding', 'suggestion')),
    severity   TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'alert')),
    rule_id    TEXT NOT NULL,
    indicator  TEXT,
    sort_order INTEGER NOT NULL,
    text_zh    TEXT NOT NULL,
    text_en    TEXT NOT NULL,
    about      TEXT,
    PRIMARY KEY (period, scope, sort_order)
);
INSERT INTO advice_new (period, scope, kind, severity, rule_id, indicator, sort_order, text_zh,
                        text_en)
    SELECT period, scope, kind, severity, rule_id, indicator, sort_order, text_zh, text_en
      FROM advice;
DROP TABLE advice;
ALTER TABLE advice_new RENAME TO advice;
