-- fixture.sql: a tiny hospital for tests/test_compute.c. Every expected
-- value in the test is computed by hand from these rows (see the test's
-- comments). Departments: 0101 clinical A, 0102 clinical B, 0201 medtech R,
-- 0301 support S, 0401 admin X. Months loaded: 2025-01 (outpatient,
-- inpatient, dept only), 2026-01 (everything), 2026-02 (mr_front and
-- equipment files missing), 2026-03 (outpatient, inpatient, dept only).

INSERT INTO period_state (period, ingested_at) VALUES
 ('2025-01', 't'), ('2026-01', 't'), ('2026-02', 't'), ('2026-03', 't');

-- source_file: one current file per (period, source) present.
INSERT INTO source_file (period, source, path, size_bytes, sha256, profile, loaded_at, outcome)
SELECT p, s, p || '/' || s || '.csv', 1, 'sha-' || p || '-' || s, 'standard', 't', 'loaded'
FROM (SELECT '2025-01' AS p, 'dept' AS s UNION ALL SELECT '2025-01', 'outpatient'
      UNION ALL SELECT '2025-01', 'inpatient'
      UNION ALL SELECT '2026-03', 'dept' UNION ALL SELECT '2026-03', 'outpatient'
      UNION ALL SELECT '2026-03', 'inpatient')
UNION ALL
SELECT m.p, s.s, m.p || '/' || s.s || '.csv', 1, 'sha-' || m.p || '-' || s.s, 'standard', 't', 'loaded'
FROM (SELECT '2026-01' AS p UNION ALL SELECT '2026-02') m,
     (SELECT 'dept' AS s UNION ALL SELECT 'outpatient' UNION ALL SELECT 'inpatient'
      UNION ALL SELECT 'mr_front' UNION ALL SELECT 'surgery' UNION ALL SELECT 'census'
      UNION ALL SELECT 'revenue' UNION ALL SELECT 'cost' UNION ALL SELECT 'staff'
      UNION ALL SELECT 'alloc_driver' UNION ALL SELECT 'equipment'
      UNION ALL SELECT 'equipment_usage' UNION ALL SELECT 'complaints'
      UNION ALL SELECT 'budget') s
WHERE NOT (m.p = '2026-02' AND s.s IN ('mr_front', 'equipment', 'equipment_usage', 'budget'));

INSERT INTO dept (period, dept_code, name_zh, name_en, category, file_id, line_no)
SELECT p.p, d.c, d.zh, d.en, d.cat, 1, 1
FROM (SELECT '2025-01' AS p UNION ALL SELECT '2026-01' UNION ALL SELECT '2026-02'
      UNION ALL SELECT '2026-03') p,
     (SELECT '0101' AS c, '内科' AS zh, 'Medicine' AS en, 'clinical' AS cat
      UNION ALL SELECT '0102', '外科', 'Surgery', 'clinical'
      UNION ALL SELECT '0201', '放射科', 'Radiology', 'medtech'
      UNION ALL SELECT '0301', '洗衣房', 'Laundry', 'support'
      UNION ALL SELECT '0401', '院办', 'Office', 'admin') d;

-- outpatient (period, visit_id, visit_time, dept, doctor, patient, type, total, drug, material, exam, wait)
INSERT INTO outpatient (period, visit_id, visit_time, dept_code, doctor_code, patient_key, visit_type, total_fee_cents, drug_fee_cents, material_fee_cents, exam_fee_cents, wait_minutes, file_id, line_no) VALUES
 ('2025-01','v0','2025-01-03 08:00:00','0101','d1','p','O',5000,1000,0,0,NULL,1,2),
 ('2025-01','v00','2025-01-04 08:00:00','0101','d1','p','O',5000,1000,0,0,NULL,1,3),
 ('2026-01','v1','2026-01-03 08:00:00','0101','d1','p','O',10000,4000,1000,0,10,1,2),
 ('2026-01','v2','2026-01-04 08:00:00','0101','d1','p','O',10000,4000,1000,0,20,1,3),
 ('2026-01','v3','2026-01-05 08:00:00','0101','d1','p','O',10000,4000,1000,0,30,1,4),
 ('2026-01','v4','2026-01-05 09:00:00','0102','d2','p','E',20000,5000,2000,0,NULL,1,5),
 ('2026-02','v5','2026-02-03 08:00:00','0101','d1','p','O',10000,1000,0,0,5,1,2),
 ('2026-03','v6','2026-03-03 08:00:00','0101','d1','p','O',10000,1000,0,0,NULL,1,2);

-- inpatient (period, stay, patient, dept, admit, discharge, total, drug, material, exam, outcome)
INSERT INTO inpatient VALUES
 ('2025-01','s0','p','0101','2025-01-01','2025-01-06',100000,10000,1000,0,'cured',1,2),
 ('2026-01','s1','p','0101','2026-01-01','2026-01-05',100000,30000,10000,0,'cured',1,2),
 ('2026-01','s2','p','0101','2026-01-10','2026-01-10',50000,10000,5000,0,'died',1,3),
 ('2026-01','s3','p','0102','2025-12-20','2026-01-09',300000,60000,90000,0,'improved',1,4),
 ('2026-02','s4','p','0101','2026-02-01','2026-02-11',200000,20000,10000,0,'cured',1,2),
 ('2026-03','s6','p','0101','2026-03-03','2026-03-03',10000,5000,0,0,'improved',1,2);

INSERT INTO mr_front VALUES
 ('2026-01','s1','0101','2026-01-01','2026-01-05','A',1,2),
 ('2026-01','s2','0101','2026-01-10','2026-01-10','B',1,3),
 ('2026-01','s3','0102','2025-12-20','2026-01-09','A',1,4),
 ('2026-01','s5','0102','2026-01-02','2026-01-04','A',1,5);

-- surgery: s3's first operation is in December (a month not loaded).
INSERT INTO surgery (period, surgery_id, stay_id, dept_code, surgery_date, grade, file_id, line_no) VALUES
 ('2025-12','o0','s3','0102','2025-12-22',2,1,2),
 ('2026-01','o1','s1','0101','2026-01-02',3,1,2),
 ('2026-01','o2','s3','0102','2026-01-03',4,1,3),
 ('2026-01','o3','s9','0101','2026-01-20',1,1,4);

INSERT INTO census VALUES
 ('2026-01','2026-01-01','0101',10,9,1,0,1,2),
 ('2026-01','2026-01-02','0101',10,8,2,0,1,3),
 ('2026-01','2026-01-01','0102',10,10,0,0,1,4),
 ('2026-02','2026-02-01','0101',10,5,1,0,1,2);

INSERT INTO revenue VALUES
 ('2026-01','2026-01','0101','drug',10000,1,2),
 ('2026-01','2026-01','0101','treatment',30000,1,3),
 ('2026-01','2026-01','0101','surgery',10000,1,4),
 ('2026-01','2026-01','0102','bed',20000,1,5),
 ('2026-01','2026-01','0102','exam',5000,1,6),
 ('2026-01','2026-01','0102','material',-1000,1,7),
 ('2026-02','2026-02','0101','treatment',100000,1,2);

INSERT INTO cost VALUES
 ('2026-01','2026-01','0101','personnel',20000,1,2),
 ('2026-01','2026-01','0101','drug',10000,1,3),
 ('2026-01','2026-01','0102','personnel',15000,1,4),
 ('2026-01','2026-01','0201','personnel',8000,1,5),
 ('2026-01','2026-01','0301','other',6000,1,6),
 ('2026-01','2026-01','0401','personnel',5000,1,7),
 ('2026-02','2026-02','0101','personnel',10000,1,2);

INSERT INTO staff VALUES
 ('2026-01','2026-01','0101',2,3,0,0,1,2),
 ('2026-01','2026-01','0102',2,0,0,0,1,3),
 ('2026-01','2026-01','0201',0,0,2,0,1,4),
 ('2026-01','2026-01','0301',0,0,0,1,1,5),
 ('2026-01','2026-01','0401',0,0,0,1,1,6),
 ('2026-02','2026-02','0101',1,0,0,0,1,2);

INSERT INTO alloc_driver VALUES
 ('2026-01','2026-01','0301','0101',1,1,2),
 ('2026-01','2026-01','0301','0201',1,1,3),
 ('2026-01','2026-01','0201','0101',1,1,4),
 ('2026-01','2026-01','0201','0102',2,1,5);

INSERT INTO equipment VALUES
 ('2026-01','E1','CT','CT scanner','0201','2025-06-01',12000000,10,20,1,2),
 ('2026-01','E2','MR','MR scanner','0201','2026-01-22',6000000,5,10,1,3);

INSERT INTO equipment_usage VALUES
 ('2026-01','2026-01-05','E1',15,150000,NULL,1,2),
 ('2026-01','2026-01-06','E1',0,0,NULL,1,3),
 ('2026-01','2026-01-25','E2',5,50000,NULL,1,4);

INSERT INTO complaints VALUES
 ('2026-01','c1','2026-01-05','0101','service','Y',1,2),
 ('2026-01','c2','2026-01-06','0101','cost','N',1,3);

INSERT INTO budget VALUES
 ('2026-01',2026,'*','oe_visits',100,(SELECT max(file_id) FROM source_file),2),
 ('2026-01',2026,'0101','avg_los',8,(SELECT max(file_id) FROM source_file),3);
