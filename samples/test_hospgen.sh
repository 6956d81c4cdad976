#!/bin/sh
# test_hospgen.sh - checks of the sample data generator hospgen.
# Usage: samples/test_hospgen.sh path/to/hospgen
# Prints one line per check and "N passed, N failed" last; exits 1 on failure.

BIN=${1:?usage: test_hospgen.sh path/to/hospgen}
T=$(mktemp -d "${TMPDIR:-/tmp}/hospgen-test.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { name=$1; shift; if "$@" >/dev/null 2>&1; then ok "$name"; else ko "$name"; fi; }

GEN="--end 2026-02 --scale 0.02 --quiet"
FILES="dept outpatient inpatient mr_front surgery census revenue cost staff alloc_driver equipment equipment_usage complaints drg drg_benchmark antibiotic"

"$BIN" --out "$T/s1" $GEN --months 25 || ko "generate standard"
"$BIN" --out "$T/s2" $GEN --months 25 || ko "generate standard again"
"$BIN" --out "$T/s3" $GEN --months 3 || ko "generate 3 months"
"$BIN" --out "$T/f" $GEN --months 3 --faults || ko "generate with faults"
"$BIN" --out "$T/z" $GEN --months 3 --profile chinese-his || ko "generate chinese-his"

# --- cli
check "--help exits 0" "$BIN" --help
"$BIN" --out "$T/x" >/dev/null 2>&1; [ $? -eq 1 ] && ok "missing --end exits 1" || ko "missing --end exits 1"
"$BIN" --out "$T/x" --end 2026-13 >/dev/null 2>&1; [ $? -eq 1 ] && ok "bad --end exits 1" || ko "bad --end exits 1"
"$BIN" --out "$T/x" --end 2026-01 --bogus >/dev/null 2>&1; [ $? -eq 1 ] && ok "unknown option exits 1" || ko "unknown option exits 1"
msg=$("$BIN" --out "$T/x" --end 2026-01 --bogus 2>&1 | head -1)
case $msg in hospgen:*) ok "error message prefix" ;; *) ko "error message prefix" ;; esac

# --- determinism
sums() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum); }
[ "$(sums "$T/s1")" = "$(sums "$T/s2")" ] && ok "determinism: identical bytes" || ko "determinism: identical bytes"
"$BIN" --out "$T/s4" $GEN --months 1 --seed 2 || ko "generate seed 2"
cmp -s "$T/s1/2026-02/outpatient.csv" "$T/s4/2026-02/outpatient.csv" && ko "seed changes data" || ok "seed changes data"

# --- month independence
ind=0
for m in 2025-12 2026-01 2026-02; do diff -r -q "$T/s1/$m" "$T/s3/$m" >/dev/null || ind=1; done
[ $ind -eq 0 ] && ok "month independence (3 vs 25 months)" || ko "month independence (3 vs 25 months)"
[ "$(ls "$T/s1" | wc -l)" -eq 25 ] && ok "25 month folders" || ko "25 month folders"

# --- files and headers
hdr() {
    case $1 in
    dept) echo "dept_code,name_zh,name_en,category" ;;
    outpatient) echo "visit_id,visit_time,dept_code,doctor_code,patient_key,visit_type,total_fee,drug_fee,material_fee,exam_fee,wait_minutes,appointment" ;;
    inpatient) echo "stay_id,patient_key,dept_code,admit_date,discharge_date,total_fee,drug_fee,material_fee,exam_fee,outcome" ;;
    mr_front) echo "stay_id,dept_code,admit_date,discharge_date,record_grade" ;;
    surgery) echo "surgery_id,stay_id,dept_code,surgery_date,grade,minimally_invasive,day_surgery" ;;
    census) echo "date,dept_code,open_beds,occupied_beds,admissions,discharges" ;;
    revenue) echo "month,dept_code,category,amount" ;;
    cost) echo "month,dept_code,category,amount" ;;
    staff) echo "month,dept_code,doctors,nurses,technicians,others" ;;
    alloc_driver) echo "month,from_dept,to_dept,units" ;;
    equipment) echo "equipment_id,name_zh,name_en,dept_code,purchase_date,original_value,depreciation_years,daily_capacity" ;;
    equipment_usage) echo "date,equipment_id,exams,revenue,downtime_hours" ;;
    complaints) echo "complaint_id,received_date,dept_code,category,resolved" ;;
    budget) echo "year,dept_code,indicator,target" ;;
    drg) echo "stay_id,drg_code,drg_name,weight,payment,low_risk" ;;
    drg_benchmark) echo "drg_code,avg_los,avg_cost" ;;
    antibiotic) echo "month,dept_code,ddd" ;;
    esac
}
bad=0
for d in "$T"/s1/*/; do
    for f in $FILES; do
        [ -f "$d$f.csv" ] || { bad=1; echo "  missing $d$f.csv"; continue; }
        [ "$(head -1 "$d$f.csv")" = "$(hdr $f)" ] || { bad=1; echo "  bad header $d$f.csv"; }
        [ $f = complaints ] || [ "$(wc -l <"$d$f.csv")" -ge 2 ] || { bad=1; echo "  empty $d$f.csv"; }
    done
done
[ $bad -eq 0 ] && ok "every file present with its header" || ko "every file present with its header"
bad=0
for d in "$T"/s1/*/; do
    case $d in
    */????-01/) [ "$(head -1 "${d}budget.csv" 2>/dev/null)" = "$(hdr budget)" ] || bad=1 ;;
    *) [ -f "${d}budget.csv" ] && bad=1 ;;
    esac
done
[ $bad -eq 0 ] && ok "budget.csv in January folders only" || ko "budget.csv in January folders only"

# --- row-level files hold only their month
bad=0
for d in "$T"/s1/*/; do
    m=$(basename "$d")
    for fc in outpatient:2 inpatient:5 mr_front:4 surgery:4 census:1 equipment_usage:1 complaints:2 revenue:1 cost:1 staff:1 alloc_driver:1 antibiotic:1; do
        f=${fc%:*} c=${fc#*:}
        n=$(awk -F, -v c="$c" -v m="$m" 'NR > 1 && substr($c, 1, 7) != m' "$d$f.csv" | wc -l)
        [ "$n" -eq 0 ] || { bad=1; echo "  $m/$f.csv: $n rows of another month"; }
    done
done
[ $bad -eq 0 ] && ok "row-level files hold only their month" || ko "row-level files hold only their month"

# --- reconciliation on clean data
cents='function c(x) { if (x !~ /\./) x = x ".00"; sub(/\./, "", x); return x + 0 }'
bad=0
for d in "$T"/s1/*/; do
    r=$(awk -F, "$cents"'
        FILENAME ~ /outpatient/ && FNR > 1 { h[$3] += c($7) }
        FILENAME ~ /inpatient/ && FNR > 1 { h[$3] += c($6) }
        FILENAME ~ /revenue/ && FNR > 1 { l[$2] += c($4) }
        END { for (k in h) if (h[k] != l[k]) n++; for (k in l) if (h[k] != l[k]) n++; print n + 0 }' \
        "${d}outpatient.csv" "${d}inpatient.csv" "${d}revenue.csv")
    [ "$r" -eq 0 ] || { bad=1; echo "  $d: $r departments differ"; }
done
[ $bad -eq 0 ] && ok "revenue = HIS fees per dept and month, to the cent" || ko "revenue = HIS fees per dept and month, to the cent"

bad=0
for d in "$T"/s1/*/; do
    a=$(tail -n +2 "${d}inpatient.csv" | cut -d, -f1,3,4,5 | LC_ALL=C sort | sha256sum)
    b=$(tail -n +2 "${d}mr_front.csv" | cut -d, -f1-4 | LC_ALL=C sort | sha256sum)
    [ "$a" = "$b" ] || { bad=1; echo "  $d: mr_front differs from inpatient"; }
done
[ $bad -eq 0 ] && ok "mr_front stays = inpatient stays (dept, dates)" || ko "mr_front stays = inpatient stays (dept, dates)"

bad=0
for d in "$T"/s1/*/; do
    r=$(awk -F, 'FILENAME ~ /inpatient/ && FNR > 1 { h[$3]++ }
        FILENAME ~ /census/ && FNR > 1 { c[$2] += $6 }
        END { for (k in h) if (h[k] != c[k]) n++; for (k in c) if (h[k] != c[k]) n++; print n + 0 }' \
        "${d}inpatient.csv" "${d}census.csv")
    [ "$r" -eq 0 ] || { bad=1; echo "  $d: census discharges differ in $r departments"; }
done
[ $bad -eq 0 ] && ok "census discharges = inpatient per dept" || ko "census discharges = inpatient per dept"

bad=0
for d in "$T"/s1/*/; do
    r=$(awk -F, 'FILENAME ~ /inpatient/ && FNR > 1 { a[$1] = $4; b[$1] = $5 }
        FILENAME ~ /surgery/ && FNR > 1 && ($2 in a) && ($4 < a[$2] || $4 > b[$2]) { n++ }
        END { print n + 0 }' "${d}inpatient.csv" "${d}surgery.csv")
    [ "$r" -eq 0 ] || { bad=1; echo "  $d: $r operations outside their stay"; }
done
[ $bad -eq 0 ] && ok "operations lie within their stay" || ko "operations lie within their stay"

bad=0
for d in "$T"/s1/*/; do
    r=$(awk -F, "$cents"'NR > 1 && c($8) + c($9) + c($10) > c($7) { n++ } END { print n + 0 }' "${d}outpatient.csv")
    r2=$(awk -F, 'NR > 1 { if (k[$1]++) n++ } END { print n + 0 }' "${d}outpatient.csv")
    [ "$r" -eq 0 ] && [ "$r2" -eq 0 ] || { bad=1; echo "  $d: fee_sum $r, duplicates $r2"; }
done
[ $bad -eq 0 ] && ok "clean outpatient: fee parts <= total, unique ids" || ko "clean outpatient: fee parts <= total, unique ids"

# --- dictionary changes
grep -q '^0112,' "$T/s1/2025-06/dept.csv" && ko "new department absent before 2025-07" || ok "new department absent before 2025-07"
grep -q '^0112,' "$T/s1/2025-07/dept.csv" && ok "new department present from 2025-07" || ko "new department present from 2025-07"
grep -q '^0102,呼吸内科,' "$T/s1/2025-02/dept.csv" && grep -q '^0102,呼吸与危重症医学科,' "$T/s1/2025-03/dept.csv" &&
    ok "department renamed from 2025-03" || ko "department renamed from 2025-03"

# --- faults
[ -f "$T/f/faults.csv" ] && [ "$(head -1 "$T/f/faults.csv")" = "month,file,line,field,fault,key,detail" ] &&
    ok "faults.csv header" || ko "faults.csv header"
bad=0
for k in duplicate_key bad_date unknown_dept out_of_period fee_sum mr_missing mr_extra mr_dept_mismatch \
    mr_date_mismatch revenue_diff census_diff surgery_outside_stay gb18030_file drg_unknown_stay \
    drg_no_benchmark; do
    grep -q ",$k," "$T/f/faults.csv" || { bad=1; echo "  no $k"; }
done
[ $bad -eq 0 ] && ok "faults.csv lists every fault kind" || ko "faults.csv lists every fault kind"
n=$(awk -F, 'NR > 1 && $1 != "2026-01" && $1 != "2026-02"' "$T/f/faults.csv" | wc -l)
[ "$n" -eq 0 ] && ok "faults only in the last 2 months" || ko "faults only in the last 2 months"
diff -r -q "$T/f/2025-12" "$T/s1/2025-12" >/dev/null && ok "months before the faults are clean" || ko "months before the faults are clean"
bad=0
while IFS=, read -r month file line field kind key rest; do
    [ "$month" = month ] && continue
    [ -n "$line" ] || continue
    sed -n "${line}p" "$T/f/$month/$file" | grep -q -- "$key" || { bad=1; echo "  $month $file:$line has no $key"; }
done <"$T/f/faults.csv"
[ $bad -eq 0 ] && ok "fault lines hold their key" || ko "fault lines hold their key"
g=$(awk -F, '$5 == "gb18030_file" { print $1 "/" $2 }' "$T/f/faults.csv")
if [ -n "$g" ] && ! iconv -f UTF-8 -t UTF-8 "$T/f/$g" >/dev/null 2>&1 &&
    iconv -f GB18030 -t UTF-8 "$T/f/$g" | grep -q '心血管内科'; then
    ok "gb18030 file is not UTF-8 but reads as GB18030"
else
    ko "gb18030 file is not UTF-8 but reads as GB18030"
fi

# --- v2 sources (国考, DRG): plausible on clean data
d=$T/s1/2026-02
r=$(awk -F, 'FILENAME ~ /inpatient/ && FNR > 1 { ip[$1] = 1; n++ }
    FILENAME ~ /drg.csv/ && FNR > 1 { if (!($1 in ip) || seen[$1]++) bad++; g++ }
    END { printf "%d %.1f", bad, (n - g) * 100 / n }' "$d/inpatient.csv" "$d/drg.csv")
case $r in 0\ [1-3].*|0\ 0.[5-9]) ok "drg.csv: stays of inpatient.csv once each, 0.5-4 % ungrouped ($r)" ;;
    *) ko "drg.csv: stays of inpatient.csv once each, 0.5-4 % ungrouped ($r)" ;; esac
r=$(awk -F, 'FILENAME ~ /benchmark/ && FNR > 1 { b[$1] = 1 } FILENAME ~ /drg.csv/ && FNR > 1 && !($2 in b) { n++ }
    END { print n + 0 }' "$d/drg_benchmark.csv" "$d/drg.csv")
[ "$r" -eq 0 ] && ok "every group of drg.csv has a benchmark" || ko "every group of drg.csv has a benchmark ($r)"
# weights 0.3-5, surgical departments (02xx) heavier than medical (01xx); some
# groups paid below their stays' fees, some above; low-risk groups
r=$(awk -F, "$cents"'FILENAME ~ /inpatient/ && FNR > 1 { fee[$1] = c($6); dep[$1] = substr($3, 1, 2) }
    FILENAME ~ /drg.csv/ && FNR > 1 { if ($4 < 0.3 || $4 > 5) bad++; w[dep[$1]] += $4; k[dep[$1]]++
      if ($5 != "") { pay[$2] += c($5); cost[$2] += fee[$1] } if ($6 == "Y") lr++ }
    END { for (g in pay) { if (pay[g] < cost[g]) lo++; else hi++ }
          printf "%d %d %d %d %d", bad, (w["02"] / k["02"] > w["01"] / k["01"]), (lo > 0), (hi > 0), (lr > 0) }' \
    "$d/inpatient.csv" "$d/drg.csv")
[ "$r" = "0 1 1 1 1" ] && ok "DRG weights 0.3-5, surgery heavier, groups below and above cost, low-risk groups" ||
    ko "DRG weights 0.3-5, surgery heavier, groups below and above cost, low-risk groups ($r)"
r=$(awk -F, '$6 == "O" { o++; if ($12 == "Y") y++ } $6 == "E" && $12 == "Y" { e++ }
    END { printf "%d %d", (y * 100 / o >= 50 && y * 100 / o <= 70), e + 0 }' "$d/outpatient.csv")
[ "$r" = "1 0" ] && ok "appointments: 50-70 % of outpatient visits, no emergency" || ko "appointments ($r)"
# antibiotic intensity (DDDs per 100 patient-days, los 0 counted as 1)
r=$(python3 - "$d" <<'PY'
import csv, sys, datetime
d = sys.argv[1]
los = {}
for r in csv.DictReader(open(d + "/inpatient.csv")):
    a = datetime.date.fromisoformat(r["admit_date"]); b = datetime.date.fromisoformat(r["discharge_date"])
    los[r["dept_code"]] = los.get(r["dept_code"], 0) + max((b - a).days, 1)
ddd = {r["dept_code"]: float(r["ddd"]) for r in csv.DictReader(open(d + "/antibiotic.csv"))}
total = sum(ddd.values()) * 100 / sum(los.values())
high = max(ddd[k] * 100 / los[k] for k in ddd)
energy = other = 0
for r in csv.DictReader(open(d + "/cost.csv")):
    if r["category"] == "energy": energy += float(r["amount"])
    other += float(r["amount"])
mi = [r for r in csv.DictReader(open(d + "/surgery.csv"))]
ip = {r["stay_id"]: r for r in csv.DictReader(open(d + "/inpatient.csv"))}
def nights(s):
    r = ip.get(s["stay_id"]);
    return None if r is None else (datetime.date.fromisoformat(r["discharge_date"]) - datetime.date.fromisoformat(r["admit_date"])).days
bad_day = sum(1 for s in mi if s["day_surgery"] == "Y" and nights(s) is not None and nights(s) > 1)
print(int(30 <= total <= 50), int(high > 40), int(1 <= energy * 100 / other <= 2),
      int(any(s["minimally_invasive"] == "Y" for s in mi)), int(any(s["day_surgery"] == "Y" for s in mi)), bad_day)
PY
)
[ "$r" = "1 1 1 1 1 0" ] &&
    ok "antibiotic intensity 30-50 (a department above 40), energy 1-2 % of cost, MI and day operations" ||
    ko "antibiotic intensity 30-50 (a department above 40), energy 1-2 % of cost, MI and day operations ($r)"
# the DRG faults: the unknown stay is not in inpatient.csv, the duplicate
# stay is on two lines, the group without benchmark has stays but no row
bad=0
while IFS=, read -r month file line field kind key rest; do
    case $kind in
    drg_unknown_stay) grep -q "^$key," "$T/f/$month/inpatient.csv" && { bad=1; echo "  $key discharged"; } ;;
    duplicate_key) [ "$file" = drg.csv ] && [ "$(grep -c "^$key," "$T/f/$month/drg.csv")" -ne 2 ] &&
        { bad=1; echo "  $key not twice"; } ;;
    drg_no_benchmark) { grep -q "^$key," "$T/f/$month/drg_benchmark.csv" ||
        ! grep -q ",$key," "$T/f/$month/drg.csv"; } && { bad=1; echo "  $key benchmarked or unused"; } ;;
    esac
done <"$T/f/faults.csv"
[ "$(grep -c ',drg.csv,.*,duplicate_key,' "$T/f/faults.csv")" -eq 1 ] || { bad=1; echo "  no duplicate drg stay"; }
[ $bad -eq 0 ] && ok "DRG faults as listed" || ko "DRG faults as listed"

# --- chinese-his profile
bad=0
for f in $FILES; do
    for m in 2025-12 2026-01 2026-02; do
        a="$T/s1/$m/$f.csv" b="$T/z/$m/$f.csv"
        [ "$(wc -l <"$a")" -eq "$(wc -l <"$b")" ] || { bad=1; echo "  rows differ $m/$f.csv"; }
        iconv -f GB18030 -t UTF-8 "$b" >/dev/null 2>&1 || { bad=1; echo "  not GB18030 $m/$f.csv"; }
    done
done
cmp -s "$T/s1/2026-02/outpatient.csv" "$T/z/2026-02/outpatient.csv" && bad=1
[ $bad -eq 0 ] && ok "chinese-his differs, same row counts, GB18030" || ko "chinese-his differs, same row counts, GB18030"
iconv -f GB18030 -t UTF-8 "$T/z/2026-02/outpatient.csv" | head -1 | grep -q '^就诊流水号,就诊时间' &&
    ok "chinese-his Chinese headers" || ko "chinese-his Chinese headers"
# same typed values: convert the chinese-his revenue back and compare
conv=$(iconv -f GB18030 -t UTF-8 "$T/z/2026-02/revenue.csv" | tr -d '\r' | tail -n +2 | awk '
    BEGIN { FS = "\""; m["药品"]="drug"; m["材料"]="material"; m["检查"]="exam"; m["治疗"]="treatment"
            m["手术"]="surgery"; m["床位"]="bed"; m["其他"]="other" }
    { amt = NF > 1 ? $2 : $0; if (NF == 1) { n = split($0, p, ","); amt = p[4] }
      gsub(/,/, "", amt); split($1, p, ","); printf "%s-%s,%s,%s,%s\n", substr(p[1],1,4), substr(p[1],5,2), p[2], m[p[3]], amt }')
[ "$conv" = "$(tail -n +2 "$T/s1/2026-02/revenue.csv")" ] && ok "chinese-his revenue converts to the standard values" ||
    ko "chinese-his revenue converts to the standard values"

# treatment and other revenue are each their own share, not one half each:
# no department-month of 25 has the two within a yuan (they were equal in
# every department without surgery)
same=$(cat "$T"/s1/*/revenue.csv | awk -F, '$3 == "treatment" { t[$1 " " $2] = $4 } $3 == "other" { o[$1 " " $2] = $4 }
    END { n = 0; for (k in t) if ((k in o) && t[k] - o[k] < 1 && o[k] - t[k] < 1 && t[k] > 0) n++; print n }')
[ "$same" -eq 0 ] && ok "treatment revenue differs from other revenue" ||
    ko "treatment revenue equals other revenue in $same department-months"

# --- benchmark override
"$BIN" --out "$T/o" --end 2026-02 --months 1 --scale 0.02 --outpatient-rows 12345 --quiet
[ "$(($(wc -l <"$T/o/2026-02/outpatient.csv") - 1))" -eq 12345 ] && ok "--outpatient-rows exact" || ko "--outpatient-rows exact"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
