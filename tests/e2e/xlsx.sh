#!/bin/sh
# xlsx.sh -- export --format xlsx is read by a reader that is not ours
# (python3-openpyxl, Debian's): the six sheets, frozen two-language headers,
# numbers stored as numbers, the same values as the CSV export, Chinese
# department names, the quarantined rows and reconciliation differences of
# a month with planted faults, and no patient identifier in any cell.
# export --bom starts the CSV with a UTF-8 BOM (Excel); bad options are
# usage errors.
set -u
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

"$GEN" --out "$T/ex" --end 2026-10 --months 2 --scale 0.03 --faults --quiet || die "hospgen"
for m in 2026-09 2026-10; do
    "$HR" run --in "$T/ex/$m" --period $m --db "$T/db" --scope hospital --lang zh_CN --out "$T/rep" \
        --force -q >/dev/null 2>"$T/run.log"
done
"$HR" export --period 2026-10 --scope all --db "$T/db" >"$T/ind.csv" 2>"$T/err" && ok || bad "csv export: $(cat "$T/err")"
"$HR" export --format xlsx --period 2026-10 --scope all --db "$T/db" --out "$T/book.xlsx" 2>"$T/err" \
    && ok || bad "xlsx export: $(cat "$T/err")"
sqlite3 "$T/db" "SELECT DISTINCT patient_key FROM outpatient UNION SELECT DISTINCT patient_key FROM inpatient" >"$T/keys"
[ -s "$T/keys" ] && ok || bad "no patient keys to look for"

$PY - "$T/book.xlsx" "$T/ind.csv" "$T/keys" <<'PYEOF' >"$T/py.out" 2>&1 && ok || { bad "openpyxl checks"; cat "$T/py.out"; }
import csv, sys, openpyxl
book, ind_csv, keys = sys.argv[1:4]
wb = openpyxl.load_workbook(book)
want = ['指标 Indicators', '运营报表 Statement', '设备效益 Equipment', '科室排名 Departments',
        '隔离数据 Quarantine', '对账差异 Reconciliation']
assert wb.sheetnames == want, wb.sheetnames
for ws in wb.worksheets:
    assert ws.freeze_panes == 'A2', (ws.title, ws.freeze_panes)
    assert '\n' in ws.cell(1, 1).value, ws.title          # 中文\nEnglish
ind = wb['指标 Indicators']
head = [c.value.split('\n')[1] for c in ind[1]]
col = {h: i for i, h in enumerate(head)}
rows = {(r[0], r[3]): r for r in ind.iter_rows(min_row=2, values_only=True)}
for r in csv.DictReader(open(ind_csv)):
    if r['indicator'].startswith('budget_execution'):
        continue
    x = rows[(r['scope'], r['indicator'])]
    for f, h in (('value', 'Value'), ('mom', 'MoM (% / pp)'), ('yoy', 'YoY (% / pp)')):
        v = x[col[h]]
        if r[f] == '':
            assert v is None, (r, f, v)
        else:
            assert isinstance(v, (int, float)), (r, f, v)      # a number, not text
            assert abs(v - float(r[f])) <= 1e-6 * max(1, abs(v)), (r, f, v)
hosp = rows[('hospital', 'oe_visits')]
assert hosp[1] == '全院' and hosp[4] == '门急诊人次', hosp
dept = next(r for r in ind.iter_rows(min_row=2, values_only=True) if r[0] != 'hospital')
assert dept[1] and any('\u4e00' <= ch <= '\u9fff' for ch in dept[1]), dept   # a Chinese name
league = list(wb['科室排名 Departments'].iter_rows(min_row=2, values_only=True))
assert len(league) > 3 and all(isinstance(r[3], (int, float)) for r in league if r[3] is not None)
bal = [r[4] for r in league if r[4] is not None]
assert bal == sorted(bal, reverse=True), 'league not by balance'
q = list(wb['隔离数据 Quarantine'].iter_rows(min_row=2, values_only=True))
assert q and all(isinstance(r[3], int) for r in q if r[3] is not None), q[:3]
# the reason in Chinese, as the sheet's headers (quarantine.message_zh)
assert any(r[6] and any('\u4e00' <= ch <= '\u9fff' for ch in r[6]) for r in q), q[:3]
rec = list(wb['对账差异 Reconciliation'].iter_rows(min_row=2, values_only=True))
assert rec, 'no reconciliation differences with --faults'
stmt = list(wb['运营报表 Statement'].iter_rows(min_row=2, values_only=True))
assert any(r[3] == '收支结余' and isinstance(r[5], float) for r in stmt)
pk = set(l.strip() for l in open(keys) if l.strip())
for ws in wb.worksheets:
    for row in ws.iter_rows(values_only=True):
        for v in row:
            if isinstance(v, str):
                assert v not in pk and not any(k in v for k in list(pk)[:200]), (ws.title, v)
print('ok')
PYEOF

"$HR" export --bom --period 2026-10 --db "$T/db" >"$T/bom.csv" 2>/dev/null
[ "$(head -c 3 "$T/bom.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ] && ok || bad "--bom: no BOM"
[ "$(head -c 6 "$T/ind.csv")" = "period" ] && ok || bad "a BOM without --bom"
"$HR" export --format pdf --period 2026-10 --db "$T/db" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "not an export format" "$T/err" && ok || bad "--format pdf: exit $rc $(cat "$T/err")"
"$HR" export --format xlsx --bom --period 2026-10 --db "$T/db" >/dev/null 2>&1; [ $? -eq 1 ] && ok || bad "--bom with xlsx accepted"
# A folder as --out names the workbook itself.
"$HR" export --format xlsx --period 2026-10 --db "$T/db" --out "$T/books" 2>/dev/null
[ -s "$T/books/export-2026-10-hospital.xlsx" ] && ok || bad "no workbook named in the folder: $(ls "$T/books" 2>&1)"
summary
