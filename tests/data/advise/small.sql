-- Small counts through advice texts (test_advise_small.c), with the rule
-- <small-counts threshold="5"/> (default list: mortality_rate
-- low_risk_mortality complaints). 2026-10 against 2026-09:
--  * complaints: hospital 4 -> 13; D01 1 -> 4 (hidden now and before);
--    D02 3 -> 9 (shown now, hidden before); contributions D01 +3, D02 +6;
--  * mortality_rate: D01 2 deaths / 100 = 2.0 % (hidden), from 1.0 %;
--    D02 9 / 500 = 1.8 %, from 1.0 % (5 / 500); the band is <= 1.5 %;
--  * bed_utilization (not covered): D01 95.5 %, above its 93 % band.
INSERT INTO indicator (indicator, name_zh, name_en, unit, unit_zh, unit_en, direction,
                       warn_low, warn_high, dimension, sort_order) VALUES
 ('complaints', '投诉件数', 'Complaints', 'count', '件', 'complaints', 'down', NULL, NULL, 'quality', 1),
 ('mortality_rate', '住院死亡率', 'Inpatient mortality', 'percent', NULL, NULL, 'down', NULL, 1.5, 'quality', 2),
 ('bed_utilization', '床位使用率', 'Bed occupancy', 'percent', NULL, NULL, 'neutral', 80, 93, 'efficiency', 3);

INSERT INTO dept (period, dept_code, name_zh, name_en, category, file_id, line_no) VALUES
 ('2026-10', 'D01', '内科', 'Internal Medicine', 'clinical', 1, 2),
 ('2026-10', 'D02', '外科', 'Surgery', 'clinical', 1, 3);

INSERT INTO indicator_value (period, scope, indicator, numerator, denominator, value, mom_base, yoy_base) VALUES
 ('2026-10', 'hospital', 'complaints', 13, NULL, 13, 4, NULL),
 ('2026-10', 'D01', 'complaints', 4, NULL, 4, 1, NULL),
 ('2026-10', 'D02', 'complaints', 9, NULL, 9, 3, NULL),
 ('2026-09', 'hospital', 'complaints', 4, NULL, 4, NULL, NULL),
 ('2026-09', 'D01', 'complaints', 1, NULL, 1, NULL, NULL),
 ('2026-09', 'D02', 'complaints', 3, NULL, 3, NULL, NULL),
 ('2026-10', 'hospital', 'mortality_rate', 11, 600, 1.83, 1.0, NULL),
 ('2026-10', 'D01', 'mortality_rate', 2, 100, 2.0, 1.0, NULL),
 ('2026-10', 'D02', 'mortality_rate', 9, 500, 1.8, 1.0, NULL),
 ('2026-09', 'D01', 'mortality_rate', 1, 100, 1.0, NULL, NULL),
 ('2026-09', 'D02', 'mortality_rate', 5, 500, 1.0, NULL, NULL),
 ('2026-10', 'hospital', 'bed_utilization', 88.0, NULL, NULL, NULL, NULL),
 ('2026-10', 'D01', 'bed_utilization', NULL, NULL, 95.5, NULL, NULL),
 ('2026-10', 'D02', 'bed_utilization', NULL, NULL, 85.0, NULL, NULL);

INSERT INTO contribution (period, indicator, comparison, dept_code, delta, share, rank) VALUES
 ('2026-10', 'complaints', 'mom', 'D02', 6, 66.7, 1),
 ('2026-10', 'complaints', 'mom', 'D01', 3, 33.3, 2);
