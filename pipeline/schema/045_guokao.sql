-- 045_guokao: the national performance assessment's computable items (国考,
-- 三级公立医院绩效考核), in the assessment's order, as compute loads them from
-- config/guokao.xml on every run (the rows are replaced). Render reads them
-- with indicator_value: `figure` says which column an item is (value, or
-- yoy for the 增幅 items). reference is a value the hospital entered (a
-- national or provincial figure) with the source it quoted; NULL when none.
CREATE TABLE guokao_item (
    item_no          INTEGER PRIMARY KEY,
    dimension_zh     TEXT NOT NULL,   -- 医疗质量 | 运营效率 | 持续发展 | 满意度评价
    dimension_en     TEXT NOT NULL,
    name_zh          TEXT NOT NULL,   -- the assessment's official name
    name_en          TEXT NOT NULL,
    indicator        TEXT NOT NULL,   -- config/indicators.xml id
    figure           TEXT NOT NULL CHECK (figure IN ('value', 'yoy')),
    direction        TEXT NOT NULL,   -- up | down | neutral, as the assessment judges it
    reference        REAL,            -- in the figure's unit (value: the indicator's; yoy: %)
    reference_source TEXT
);
