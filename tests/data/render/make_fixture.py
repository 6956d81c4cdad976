#!/usr/bin/env python3
# make_fixture.py -- writes fixture.sql, the render tests' database: a
# computed month (2026-10) for the hospital and 45 clinical departments, 25
# months of hospital trend, contributions, the two standard tables, the
# manifest, and one outpatient row whose patient_key must never be printed.
# Run once; the output is committed. Values the tests check are fixed here.
bases = [("心血管内科", "Cardiology"), ("呼吸与危重症医学科", "Respiratory and Critical Care"),
         ("消化内科", "Gastroenterology"), ("神经内科", "Neurology"), ("肾内科", "Nephrology"),
         ("内分泌科", "Endocrinology"), ("普通外科", "General Surgery"), ("骨科", "Orthopaedics"),
         ("泌尿外科", "Urology"), ("神经外科", "Neurosurgery"), ("妇产科", "Obstetrics and Gynaecology"),
         ("儿科", "Paediatrics"), ("眼科", "Ophthalmology"), ("耳鼻咽喉头颈外科", "Otolaryngology"),
         ("皮肤科", "Dermatology")]
wards = [("一病区", "Ward 1"), ("二病区", "Ward 2"), ("三病区", "Ward 3")]
out = []
w = out.append
w("INSERT INTO computed_period (period, computed_at, inputs) VALUES ('2026-10', '2026-11-03T08:00:00Z', 'fixture');")
w("INSERT INTO period_state (period, validation_state, reconcile_state, reconcile_forced) VALUES ('2026-10', 'ok', 'ok', 0);")
inds = [("oe_visits", "门急诊人次", "Outpatient and emergency visits", "count", "up", "volume", 1),
        ("discharges", "出院人次", "Discharges", "count", "up", "volume", 2),
        ("surgeries", "手术台次", "Operations", "count", "up", "volume", 3),
        ("avg_los", "平均住院日", "Average length of stay (days)", "days", "down", "efficiency", 4),
        ("bed_utilization", "床位使用率", "Bed occupancy rate", "percent", "neutral", "efficiency", 5),
        ("medical_revenue", "医疗收入", "Medical revenue", "money", "up", "economics", 6)]
for i in inds:
    w("INSERT INTO indicator (indicator, name_zh, name_en, unit, direction, dimension, sort_order) "
      "VALUES ('%s', '%s', '%s', '%s', '%s', '%s', %d);" % i)
def iv(period, scope, ind, value, mom, yoy, flag=None, rz=None, re=None):
    q = lambda x: "NULL" if x is None else ("'%s'" % x if isinstance(x, str) else repr(x))
    w("INSERT INTO indicator_value (period, scope, indicator, value, mom, yoy, flag, flag_reason_zh, "
      "flag_reason_en) VALUES (%s);" % ", ".join(q(x) for x in (period, scope, ind, value, mom, yoy, flag, rz, re)))
iv("2026-10", "hospital", "oe_visits", 123456, 3.5, -2.4)
iv("2026-10", "hospital", "discharges", 10234, 1.2, 0.8)
iv("2026-10", "hospital", "surgeries", 3120, None, 4.1)
iv("2026-10", "hospital", "avg_los", 8.76, -0.3, 2.6, "band_high", "平均住院日高于预警上限8.5天",
   "Above the warning limit of 8.5 days")
iv("2026-10", "hospital", "bed_utilization", 91.25, 1.5, -0.75)
iv("2026-10", "hospital", "medical_revenue", 312345678.9, 2.2, 5.3)
for k in range(1, 25):  # 2024-10 .. 2026-09
    y, m = divmod(2024 * 12 + 9 + k - 1, 12)
    iv("%04d-%02d" % (y, m + 1), "hospital", "oe_visits", 100000 + 1000 * k + (k % 3) * 2500, None, None)
n = 0
for bz, be in bases:
    for wz, we in wards:
        n += 1
        code = "D%02d" % n
        w("INSERT INTO dept VALUES ('2026-10', '%s', '%s%s', '%s %s', 'clinical', 1, %d);" % (code, bz, wz, be, we, n + 1))
        iv("2026-10", code, "oe_visits", 1000 + 37 * n, (n % 7) - 3.0, (n % 5) - 2.0)
        iv("2026-10", code, "discharges", 80 + n, 1.0, 1.0)
        iv("2026-10", code, "avg_los", 7 + (n % 4) * 0.5, -1.0, 1.0)
        if n <= 8:
            w("INSERT INTO contribution VALUES ('2026-10', 'oe_visits', 'mom', '%s', %d, %.1f, %d);"
              % (code, [900, -700, 600, -400, 300, 250, -150, 100][n - 1], 10.0 * (9 - n), n))
w("INSERT INTO dept VALUES ('2026-10', 'A01', '院办', 'President''s Office', 'admin', 1, 99);")
for k in range(13):
    y, m = divmod(2025 * 12 + 9 + k, 12)
    for j, item in enumerate(["drug", "material", "exam", "treatment", "surgery", "bed", "other"]):
        w("INSERT INTO operating_statement VALUES ('%04d-%02d', 'hospital', 'revenue', '%s', %d);"
          % (y, m + 1, item, (9000000 - 1000000 * j + 50000 * k) * 100))
w("INSERT INTO operating_statement VALUES ('2026-10', 'hospital', 'total', 'balance', 1234567800);")
for e in range(1, 7):
    w("INSERT INTO equipment_benefit VALUES ('2026-10', 'EQ%02d', 'D%02d', '%s', '%s', %d, %.1f, %.1f, %d, %d, %d, %s);"
      % (e, e, ["磁共振成像系统", "CT扫描仪", "数字减影血管造影机", "彩色多普勒超声", "直线加速器", "全自动生化分析仪"][e - 1],
         ["MRI scanner", "CT scanner", "DSA angiography system", "Colour Doppler ultrasound", "Linear accelerator", "Biochemistry analyser"][e - 1],
         1000 * e, 60 + e, 10 - e, 5000000 * e, 2000000 * e, 3000000 * e, "4.5" if e % 2 else "NULL"))
w("INSERT INTO source_file (file_id, period, source, path, size_bytes, sha256, profile, rows_read, rows_loaded, loaded_at, outcome) "
  "VALUES (1, '2026-10', 'outpatient', 'exports/2026-10/outpatient.csv', 123, 'abcdef0123456789abcdef', 'his', 2, 1, '2026-11-02T00:00:00Z', 'loaded');")
w("INSERT INTO outpatient (period, visit_id, visit_time, dept_code, doctor_code, patient_key, visit_type, total_fee_cents, drug_fee_cents, material_fee_cents, exam_fee_cents, wait_minutes, file_id, line_no) VALUES ('2026-10', 'V1', '2026-10-01 08:00:00', 'D01', 'DR1', 'PK-SECRET-0001', 'O', 1000, 100, 0, 0, 5, 1, 2);")
open(__file__.replace("make_fixture.py", "fixture.sql"), "w").write("\n".join(out) + "\n")
