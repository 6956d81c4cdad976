-- A computed month (2026-10) with its history, for the analysis tests of
-- test_advise.c (tests/data/advise/analysis.xml):
--  * outpatient visits 2,000 -> 1,900 (-100, -5.0 %): Surgery -110,
--    Paediatrics -70, Ophthalmology -20 drove it (-200: 55 / 35 / 10 %),
--    Internal Medicine +100 offset it; history +-1 %: 4.8 x its variation;
--  * discharges 600 -> 500 (-16.7 %), last October 560 -> 480 (-14.3 %):
--    seasonal; surgeries 100 -> 90 (-10 %) in a history of +-12 %: noise;
--  * complaints 4 -> 6 (+50 %) and mortality 0.5 -> 0.8 % of 50
--    discharges: bases too small to compare;
--  * Internal Medicine: visits 1,000 -> 1,100 while the fee per visit fell
--    300 -> 280 CNY: revenue +8,000 = volume +30,000 + price -22,000.
INSERT INTO indicator (indicator, name_zh, name_en, unit, unit_zh, unit_en, direction,
                       dimension, sort_order, is_flow) VALUES
 ('outpatient_visits', '门诊人次', 'Outpatient visits', 'count', '人次', 'visits', 'up', 'volume', 1, 1),
 ('discharges', '出院人数', 'Discharges', 'count', '人', 'discharges', 'up', 'volume', 2, 1),
 ('surgeries', '手术台次', 'Operations', 'count', '台', 'operations', 'up', 'volume', 3, 1),
 ('complaints', '投诉件数', 'Complaints', 'count', '件', 'complaints', 'down', 'quality', 4, 1),
 ('mortality_rate', '住院死亡率', 'Inpatient mortality', 'percent', NULL, NULL, 'down', 'quality', 5, 0),
 ('fee_per_visit', '门诊次均费用', 'Fee per visit', 'money', NULL, NULL, 'down', 'economics', 6, 0);

INSERT INTO dept (period, dept_code, name_zh, name_en, category, file_id, line_no) VALUES
 ('2026-09', '0301', '内科', 'Internal Medicine', 'clinical', 1, 2),
 ('2026-09', '0302', '外科', 'Surgery', 'clinical', 1, 3),
 ('2026-09', '0303', '儿科', 'Paediatrics', 'clinical', 1, 4),
 ('2026-09', '0304', '眼科', 'Ophthalmology', 'clinical', 1, 5),
 ('2026-10', '0301', '内科', 'Internal Medicine', 'clinical', 2, 2),
 ('2026-10', '0302', '外科', 'Surgery', 'clinical', 2, 3),
 ('2026-10', '0303', '儿科', 'Paediatrics', 'clinical', 2, 4),
 ('2026-10', '0304', '眼科', 'Ophthalmology', 'clinical', 2, 5);

INSERT INTO indicator_value (period, scope, indicator, value, mom_base, denominator) VALUES
 ('2026-10', 'hospital', 'outpatient_visits', 1900, 2000, NULL),
 ('2026-10', 'hospital', 'discharges', 500, 600, NULL),
 ('2026-10', 'hospital', 'surgeries', 90, 100, NULL),
 ('2026-10', 'hospital', 'complaints', 6, 4, NULL),
 ('2026-10', 'hospital', 'mortality_rate', 0.8, 0.5, 50),
 ('2026-10', '0301', 'outpatient_visits', 1100, 1000, NULL),
 ('2026-10', '0301', 'fee_per_visit', 280, 300, 1100),
 ('2025-10', 'hospital', 'discharges', 480, 560, NULL);

-- the twelve months before: visits +-1 %, discharges +-2 % (and last
-- October's -14.3 % above), surgeries +-12 %
WITH RECURSIVE m(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM m WHERE i < 12)
INSERT INTO indicator_value (period, scope, indicator, value, mom_base)
SELECT printf('%04d-%02d', 2025 + (i + 8) / 12, (i + 8) % 12 + 1), 'hospital', x.ind,
       CASE WHEN i % 2 THEN x.up ELSE x.down END, x.base
  FROM m, (SELECT 'outpatient_visits' AS ind, 2000.0 AS up, 2000.0 AS down, NULL AS base
           UNION ALL SELECT 'discharges', 102, 98, 100
           UNION ALL SELECT 'surgeries', 112, 88, 100) x
 WHERE NOT (x.ind = 'discharges' AND i = 1);
UPDATE indicator_value SET mom_base = CASE WHEN CAST(substr(period, 6) AS INTEGER) % 2 = 1
                                           THEN 1980 ELSE 2020 END
 WHERE indicator = 'outpatient_visits' AND period <> '2026-10';

INSERT INTO contribution (period, indicator, comparison, dept_code, delta, share, rank) VALUES
 ('2026-10', 'outpatient_visits', 'mom', '0302', -110, 110, 1),
 ('2026-10', 'outpatient_visits', 'mom', '0301', 100, -100, 2),
 ('2026-10', 'outpatient_visits', 'mom', '0303', -70, 70, 3),
 ('2026-10', 'outpatient_visits', 'mom', '0304', -20, 20, 4);
