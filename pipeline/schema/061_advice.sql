-- 061_advice: key findings and improvement suggestions (see
-- stages/advise/advise.h), written by the advise stage from the rules in
-- config/advice.xml over compute's results, read by the report templates.
--
-- One row per sentence, in both languages. A period's rows are replaced as a
-- whole each time the period is advised. Templates print, for a report's
-- scope, the findings then the suggestions, each ORDER BY sort_order.
CREATE TABLE advice (
    period     TEXT NOT NULL,             -- canonical PERIOD text
    scope      TEXT NOT NULL,             -- hospital | dept_code
    kind       TEXT NOT NULL CHECK (kind IN ('finding', 'suggestion')),
    severity   TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'alert')),
    rule_id    TEXT NOT NULL,             -- the id of the rule in config/advice.xml
    indicator  TEXT,                      -- the indicator the sentence is about, if one
    sort_order INTEGER NOT NULL,          -- order within (period, scope): rule order, then rank
    text_zh    TEXT NOT NULL,
    text_en    TEXT NOT NULL,
    PRIMARY KEY (period, scope, sort_order)
);
