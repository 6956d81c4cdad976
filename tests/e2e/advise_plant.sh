#!/bin/sh
# advise_plant.sh BUILD -- the analysis names planted events.
#
# hospgen writes 14 months; small edits to the last month (2026-10) plant:
#   V  the department with the most outpatient rows loses every other visit
#      (its revenue.csv lines lowered by exactly the fees removed, so the
#      month still reconciles);
#   D  a department's outpatient drug fees take the whole fee but material
#      and exams (drug share far above the 30 % line);
#   L  a clinical department's maintenance cost grows by its whole month's
#      revenue (pushed into deficit by one cost line);
#   N  a new device, in use from 2026-06 (a comparability break year on year);
#   I  an existing device used on one day in three (idle);
#   S  small-count noise: complaints moved by a few.
# Then the pipeline runs for 2026-10 and the stored findings and the PDF text
# (zh_CN and en) must name each event with its department and figure; the
# noise must lead nothing.
set -eu
. "$(dirname "$0")/lib.sh"

"$GEN" --out "$T/x" --end 2026-10 --months 14 --scale 0.05 --seed 7 --quiet
M=$T/x/2026-10
db=$T/h.db

# V: the largest department by outpatient rows
V=$(awk -F, 'NR > 1 { n[$3]++ } END { for (d in n) print n[d], d }' "$M/outpatient.csv" |
    sort -k1,1nr -k2 | head -n 1 | cut -d' ' -f2)
# D, L: clinical departments other than V with outpatient visits, by code
clinical=$(awk -F, 'NR > 1 && $4 == "clinical" { print $1 }' "$M/dept.csv" | sort)
D=$(for d in $clinical; do [ "$d" != "$V" ] && grep -q ",$d,D" "$M/outpatient.csv" && echo "$d"; done |
    sed -n 3p)
L=$(for d in $clinical; do [ "$d" != "$V" ] && [ "$d" != "$D" ] && echo "$d"; done | sed -n 5p)
[ -n "$V" ] && [ -n "$D" ] && [ -n "$L" ] || die "no departments to plant in"

# V: drop every other outpatient row of V; lower its revenue lines by the fees
awk -F, -v OFS=, -v d="$V" -v out="$T/v.fees" '
    NR == 1 { print; next }
    $3 == d && (k++ % 2) { t += $7; g += $8; m += $9; e += $10; next }
    { print }
    END { printf "%.2f %.2f %.2f %.2f\n", t, g, m, e > out }' "$M/outpatient.csv" >"$T/o.csv"
mv "$T/o.csv" "$M/outpatient.csv"
read -r tot drug mat exam <"$T/v.fees"
awk -F, -v OFS=, -v d="$V" -v tot="$tot" -v drug="$drug" -v mat="$mat" -v exam="$exam" '
    NR == 1 { print; next }
    $2 == d { a[$3] = $4; line[$3] = $0; order[++n] = $3; next }
    { print }
    END {
        rest = tot - drug - mat - exam
        a["drug"] -= drug; a["material"] -= mat; a["exam"] -= exam
        take = rest < a["treatment"] ? rest : a["treatment"]; a["treatment"] -= take
        a["other"] -= rest - take
        for (i = 1; i <= n; i++) printf "2026-10,%s,%s,%.2f\n", d, order[i], a[order[i]]
    }' "$M/revenue.csv" >"$T/r.csv"
mv "$T/r.csv" "$M/revenue.csv"

# D: drug fee = total - material - exam on every outpatient row of D
awk -F, -v OFS=, -v d="$D" 'NR > 1 && $3 == d { $8 = sprintf("%.2f", $7 - $9 - $10) } { print }' \
    "$M/outpatient.csv" >"$T/o.csv"
mv "$T/o.csv" "$M/outpatient.csv"

# L: maintenance += the month's revenue of L
rev=$(awk -F, -v d="$L" '$2 == d { s += $4 } END { printf "%.2f", s }' "$M/revenue.csv")
awk -F, -v OFS=, -v d="$L" -v add="$rev" \
    '$2 == d && $3 == "maintenance" { $4 = sprintf("%.2f", $4 + add) } { print }' \
    "$M/cost.csv" >"$T/c.csv"
mv "$T/c.csv" "$M/cost.csv"

# N: a new device, from 2026-06-15, in the first clinical department with
# equipment (it has a department report)
N_DEPT=$(awk -F, 'FNR == 1 { f++ } f == 1 && $4 == "clinical" { c[$1] = 1 }
                  f == 2 && FNR > 1 && c[$4] { print $4 }' "$M/dept.csv" "$M/equipment.csv" |
         sort | head -n 1)
[ -n "$N_DEPT" ] || die "no clinical department with equipment"
for m in 2026-06 2026-07 2026-08 2026-09 2026-10; do
    echo "SB09901,移动数字化X线摄影系统,Mobile digital radiography system,$N_DEPT,2026-06-15,1800000.00,6,60" \
        >>"$T/x/$m/equipment.csv"
    case $m in *-06 | *-09) days=30 ;; *) days=31 ;; esac
    d=1
    [ "$m" = 2026-06 ] && d=15
    while [ "$d" -le "$days" ]; do
        printf '%s-%02d,SB09901,%d,%d.00,0\n' "$m" "$d" $((30 + d % 7)) $((3000 + 100 * (d % 7))) \
            >>"$T/x/$m/equipment_usage.csv"
        d=$((d + 1))
    done
done

# I: the first device not of N_DEPT, used on one day in three
I=$(awk -F, -v n="$N_DEPT" 'NR > 1 && $4 != n { print $1; exit }' "$M/equipment.csv")
I_NAME=$(awk -F, -v i="$I" '$1 == i { print $2 }' "$M/equipment.csv")
awk -F, -v i="$I" 'NR == 1 || $2 != i || substr($1, 9, 2) % 3 == 1' "$M/equipment_usage.csv" \
    >"$T/u.csv"
mv "$T/u.csv" "$M/equipment_usage.csv"

# S: three more complaints for one department (a few more than last month)
printf 'TS2026109901,2026-10-05,%s,service,Y\nTS2026109902,2026-10-06,%s,service,Y\nTS2026109903,2026-10-07,%s,quality,N\n' \
    "$D" "$D" "$D" >>"$M/complaints.csv"

for m in $(ls "$T/x" | grep -E '^[0-9]{4}-[0-9]{2}$' | sort); do
    [ "$m" = 2026-10 ] && break
    "$HR" ingest -q --in "$T/x/$m" --period "$m" --db "$db"
    "$HR" validate -q --period "$m" --db "$db" --out "$T/q" >/dev/null
    "$HR" reconcile -q --period "$m" --db "$db" --out "$T/q" >/dev/null
done
"$HR" run -q --in "$M" --period 2026-10 --db "$db" --out "$T/r" >/dev/null ||
    die "run 2026-10 failed"

q() { sqlite3 "$db" "$1"; }
name() { q "SELECT name_zh FROM dept WHERE period = '2026-10' AND dept_code = '$1'"; }
name_en() { q "SELECT name_en FROM dept WHERE period = '2026-10' AND dept_code = '$1'"; }
advises() { # advises SCOPE KIND TEXT: some sentence of the scope contains TEXT
    n=$(q "SELECT count(*) FROM advice WHERE period = '2026-10' AND scope = '$1' AND kind = '$2'
           AND (instr(text_zh, '$3') OR instr(text_en, '$3'))")
    [ "$n" -gt 0 ] && ok || bad "no $2 of $1 contains '$3'"
}
VN=$(name "$V"); DN=$(name "$D"); LN=$(name "$L")

# V: the hospital names the department and its drop (visits, in 人次)
advises hospital finding "$VN门急诊人次环比下降"
advises hospital suggestion "$VN门急诊人次"
advises "$V" finding "门急诊人次环比下降"
# D: the drug share line, the department listed with its share
advises hospital suggestion "药占比高于 30.0% 的科室："
advises hospital suggestion "$DN（"
advises "$D" suggestion "本科室药占比"
# L: turned to deficit, by the maintenance line; a suggestion naming it
advises hospital finding "本月由盈转亏的科室："
advises hospital finding "$LN（-"
advises "$L" finding "本科室本月由盈转亏"
advises "$L" finding "维修费"
advises "$L" suggestion "维修费"
# N: a comparability break in its department (the hospital's exams hardly
# moved), named with the device and its first month; never an improvement
advises "$N_DEPT" finding "含新增设备移动数字化X线摄影系统（"
advises "$N_DEPT" finding "2026-06 启用），非同口径比较"
n=$(q "SELECT count(*) FROM advice WHERE period = '2026-10' AND rule_id LIKE 'improved%'
       AND indicator IN ('exams', 'equipment_utilization', 'equipment_idle_rate')
       AND scope IN ('hospital', '$N_DEPT')")
[ "$n" -eq 0 ] && ok || bad "the new device's effect is headlined as an improvement"
# I: idle, in the department report and the hospital's list
I_DEPT=$(awk -F, -v i="$I" '$1 == i { print $4 }' "$M/equipment.csv")
advises "$I_DEPT" finding "本科室$I_NAME"
advises "$I_DEPT" suggestion "$I_NAME"
advises hospital finding "$I_NAME"
# the hospital's list states its thresholds as configured (max_utilization,
# min_idle_rate of config/advice.xml), not "most days"
advises hospital finding "利用率不高于 30.0% 或闲置天数占比不低于 50.0% 的设备"
# S: the noise leads nothing
n=$(q "SELECT count(*) FROM advice WHERE period = '2026-10' AND kind = 'finding'
       AND indicator IN ('complaints', 'complaint_rate')")
[ "$n" -eq 0 ] && ok || bad "complaints (small counts) made $n findings"
# every scope has an overview; the hospital's names the deficit
advises hospital overview "本期需重点关注"
advises "$L" overview "本科室"

# The PDFs say the same, in both languages.
pdf=$T/r/monthly-2026-10-hospital
pdftotext -layout "$pdf.zh_CN.pdf" "$T/zh.txt"
pdftotext -layout "$pdf.en.pdf" "$T/en.txt"
flat() { tr -d ' \n' <"$1"; }
flat "$T/zh.txt" | grep -q "$(echo "${VN}门急诊人次环比下降" | tr -d ' ')" && ok || bad "zh PDF: no $VN drop"
flat "$T/zh.txt" | grep -q "本月由盈转亏的科室" && ok || bad "zh PDF: no deficit"
flat "$T/zh.txt" | grep -q "本期需重点关注" && ok || bad "zh PDF: no overview"
VE=$(name_en "$V" | tr -d ' ')
flat "$T/en.txt" | grep -q "${VE}:Outpatientandemergencyvisitsfell" && ok || bad "en PDF: no $VE drop"
flat "$T/en.txt" | grep -q "turnedfromsurplustodeficit" && ok || bad "en PDF: no deficit"
flat "$T/en.txt" | grep -q "Whatmattersmost" && ok || bad "en PDF: no overview"
pdftotext -layout "$T/r/monthly-2026-10-$L.zh_CN.pdf" "$T/l.txt"
flat "$T/l.txt" | grep -q "本科室本月由盈转亏" && ok || bad "department PDF: no deficit"
pdftotext -layout "$T/r/monthly-2026-10-$N_DEPT.zh_CN.pdf" "$T/n.txt"
flat "$T/n.txt" | grep -q "非同口径比较" && ok || bad "department PDF: no comparability break"
pdftotext -layout "$T/r/monthly-2026-10-$N_DEPT.en.pdf" "$T/n.txt"
flat "$T/n.txt" | grep -q "notlike-for-like" && ok || bad "department en PDF: no comparability break"
echo "advise_plant: planted in V=$V D=$D L=$L N=$N_DEPT I=$I"
summary
