-- 002_source_names: what each canonical source is called in the reports
-- (appendices: validation per source, sources), in both languages.
CREATE TABLE source_name (
    source  TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);
INSERT INTO source_name (source, name_zh, name_en) VALUES
    ('dept', '科室字典', 'Department dictionary'),
    ('outpatient', '门急诊就诊（HIS）', 'Outpatient and emergency visits (HIS)'),
    ('inpatient', '出院患者（HIS）', 'Discharged stays (HIS)'),
    ('mr_front', '病案首页', 'Medical record front pages'),
    ('surgery', '手术记录', 'Operations (OR system)'),
    ('census', '病房日报', 'Ward daily census'),
    ('revenue', '财务收入台账', 'Finance revenue ledger'),
    ('cost', '成本台账', 'Cost ledger'),
    ('staff', '人力资源', 'Staff (HR)'),
    ('alloc_driver', '成本分摊参数', 'Cost allocation drivers'),
    ('equipment', '设备台账', 'Equipment ledger'),
    ('equipment_usage', '设备使用记录', 'Equipment usage'),
    ('complaints', '投诉记录', 'Complaints'),
    ('budget', '年度预算', 'Annual budget');
