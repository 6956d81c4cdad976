-- A small computed month (2026-10) with known anomalies:
--  * the hospital's drug share 32.46 % is above its 30 % band, driven by
--    Internal Medicine (0301) at 38.2 %; Surgery (0302) is at 27.0 %;
--  * Internal Medicine's bed occupancy 95.5 % is above the 80-93 band,
--    Surgery's 78.0 % below it;
--  * outpatient visits rose 11,000 -> 12,345 (+12.2 %), 1,000 of them from
--    0301 (74.3 %) and 345 from 0302 (25.7 %);
--  * the average stay worsened 8.0 -> 9.2 days (+15.0 %).
INSERT INTO indicator (indicator, name_zh, name_en, unit, unit_zh, unit_en, direction,
                       warn_low, warn_high, dimension, sort_order) VALUES
 ('drug_ratio', '药占比', 'Drug share', 'percent', NULL, NULL, 'down', NULL, 30, 'economics', 1),
 ('bed_utilization', '床位使用率', 'Bed occupancy', 'percent', NULL, NULL, 'neutral', 80, 93, 'efficiency', 2),
 ('outpatient_visits', '门诊人次', 'Outpatient visits', 'count', '人次', 'visits', 'up', NULL, NULL, 'volume', 3),
 ('avg_los', '平均住院日', 'Average length of stay', 'days', NULL, NULL, 'down', NULL, NULL, 'efficiency', 4);

INSERT INTO dept (period, dept_code, name_zh, name_en, category, file_id, line_no) VALUES
 ('2026-09', '0301', '大内科', 'General Medicine', 'clinical', 1, 2),
 ('2026-09', '0302', '外科', 'Surgery', 'clinical', 1, 3),
 ('2026-09', '0401', '检验科', 'Laboratory', 'medtech', 1, 4),
 ('2026-10', '0301', '内科', 'Internal Medicine', 'clinical', 2, 2),
 ('2026-10', '0302', '外科', 'Surgery', 'clinical', 2, 3),
 ('2026-10', '0401', '检验科', 'Laboratory', 'medtech', 2, 4);

INSERT INTO indicator_value (period, scope, indicator, value, mom_base, yoy_base) VALUES
 ('2026-10', 'hospital', 'drug_ratio', 32.46, 29.0, 31.0),
 ('2026-10', '0301', 'drug_ratio', 38.2, NULL, NULL),
 ('2026-10', '0302', 'drug_ratio', 27.0, NULL, NULL),
 ('2026-10', '0401', 'drug_ratio', NULL, NULL, NULL),
 ('2026-10', 'hospital', 'bed_utilization', 85.0, 84.0, NULL),
 ('2026-10', '0301', 'bed_utilization', 95.5, NULL, NULL),
 ('2026-10', '0302', 'bed_utilization', 78.0, NULL, NULL),
 ('2026-10', 'hospital', 'outpatient_visits', 12345, 11000, 12000),
 ('2026-10', 'hospital', 'avg_los', 9.2, 8.0, NULL);

INSERT INTO contribution (period, indicator, comparison, dept_code, delta, share, rank) VALUES
 ('2026-10', 'outpatient_visits', 'mom', '0301', 1000, 74.3, 1),
 ('2026-10', 'outpatient_visits', 'mom', '0302', 345, 25.7, 2);
