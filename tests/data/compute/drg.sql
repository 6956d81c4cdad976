-- drg.sql: catalogue v2 rows on top of fixture.sql, for tests/test_drg.c.
-- Every expected value of that test is worked out by hand from these rows
-- and fixture.sql's (see the test's comments).
--
-- Sources: drg.csv and drg_benchmark.csv for 2026-01, 2026-02, 2026-03
-- (none for 2025-01: the month without DRG data); antibiotic.csv for
-- 2026-01 only. One more January stay, s7 (0102), so that two
-- departments share a DRG group.

INSERT INTO source_file (period, source, path, size_bytes, sha256, profile, loaded_at, outcome)
SELECT m.p, s.s, m.p || '/' || s.s || '.csv', 1, 'sha-' || m.p || '-' || s.s, 'standard', 't', 'loaded'
FROM (SELECT '2026-01' AS p UNION ALL SELECT '2026-02' UNION ALL SELECT '2026-03') m,
     (SELECT 'drg' AS s UNION ALL SELECT 'drg_benchmark') s
UNION ALL
SELECT '2026-01', 'antibiotic', '2026-01/antibiotic.csv', 1, 'sha-2026-01-antibiotic', 'standard', 't', 'loaded';

-- s7: 0102, 2026-01-05 .. 2026-01-08 (los 3), fees 600.00, cured.
INSERT INTO inpatient VALUES
 ('2026-01','s7','p','0102','2026-01-05','2026-01-08',60000,10000,0,0,'cured',1,5);

-- The optional flags of surgery.csv. o0 and o2 (s3's) have no
-- minimally_invasive flag: 0102 has no stay with the flag recorded.
UPDATE surgery SET minimally_invasive = NULL, day_surgery = NULL WHERE surgery_id = 'o0';
UPDATE surgery SET minimally_invasive = 'Y',  day_surgery = 'N'  WHERE surgery_id = 'o1';
UPDATE surgery SET minimally_invasive = NULL, day_surgery = 'Y'  WHERE surgery_id = 'o2';
UPDATE surgery SET minimally_invasive = 'N',  day_surgery = 'Y'  WHERE surgery_id = 'o3';

-- Appointments of January's outpatient visits (v4 is an emergency visit).
UPDATE outpatient SET appointment = 'Y' WHERE visit_id IN ('v1', 'v4');
UPDATE outpatient SET appointment = 'N' WHERE visit_id = 'v2';

-- Energy cost (a new cost category) in January, 0101 only: 74.00.
INSERT INTO cost VALUES ('2026-01','2026-01','0101','energy',7400,1,8);

INSERT INTO antibiotic (period, month, dept_code, ddd, file_id, line_no) VALUES
 ('2026-01','2026-01','0101',2.5,1,2),
 ('2026-01','2026-01','0102',4.6,1,3);

-- drg (period, stay, code, name, weight, payment cents, low_risk)
INSERT INTO drg (period, stay_id, drg_code, drg_name, weight, payment_cents, low_risk, file_id, line_no) VALUES
 ('2026-01','s1','FM19','冠状动脉介入治疗',1.5,120000,'N',1,2),
 ('2026-01','s2','GB25','胃炎',0.5,40000,'Y',1,3),
 ('2026-01','s3','IC29','髋关节置换',3.0,NULL,'N',1,4),
 ('2026-01','s7','FM19','冠状动脉介入治疗（新）',1.5,70000,NULL,1,5),
 ('2026-01','sX','FM19','冠状动脉介入治疗',2.0,90000,'N',1,6),   -- no such stay: left out
 ('2026-02','s4','FM19','冠状动脉介入治疗',1.5,180000,'N',1,2),
 ('2026-02','s1','GB25','胃炎',0.5,40000,'Y',1,3),                -- s1 left in January: left out
 ('2026-03','s6','GB25','胃炎',0.5,15000,'Y',1,2);

-- drg_benchmark: IC29 has none (s3 is left out of both sides of the
-- time and cost indices).
INSERT INTO drg_benchmark (period, drg_code, avg_los, avg_cost_cents, file_id, line_no) VALUES
 ('2026-01','FM19',5,100000,1,2),
 ('2026-01','GB25',2,40000,1,3),
 ('2026-02','FM19',8,160000,1,2),
 ('2026-03','GB25',2,20000,1,2);
