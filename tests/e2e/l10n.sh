#!/bin/sh
# l10n.sh -- the program speaks the user's language (msg.h): help and errors
# in Chinese under a zh_CN locale (LANG, LC_MESSAGES, LC_ALL, LANGUAGE), in
# English under C or any other; the data on stdout (export's CSV) is the same
# in both. A zh_CN report that meets a string the catalog does not translate
# says so on stderr, naming the string.
set -u
. "$(dirname "$0")/lib.sh"
unset LC_ALL LC_MESSAGES LANGUAGE
expect() { # description, pattern, file
    grep -q -- "$2" "$3" && ok || { bad "$1: no '$2' in: $(head -n 3 "$3")"; }
}

LANG=zh_CN.UTF-8 "$HR" --help >"$T/out" 2>&1; expect "zh help" "^用法：hospreport 命令" "$T/out"
expect "zh help lists commands" "ingest     把一个月的导出文件夹载入数据库" "$T/out"
LANG=zh_CN.UTF-8 "$HR" render --help >"$T/out" 2>&1; expect "zh command help" "本帮助" "$T/out"
LANG=C "$HR" --help >"$T/out" 2>&1; expect "C help" "^Usage: hospreport COMMAND" "$T/out"
LANG=en_US.UTF-8 "$HR" --help >"$T/out" 2>&1; expect "en help" "^Usage: hospreport COMMAND" "$T/out"
LANG=zh_CN.UTF-8 LC_ALL=C "$HR" --help >"$T/out" 2>&1; expect "LC_ALL=C wins" "^Usage: hospreport COMMAND" "$T/out"
LANG=en_US.UTF-8 LC_MESSAGES=zh_CN.UTF-8 "$HR" --help >"$T/out" 2>&1; expect "LC_MESSAGES" "^用法" "$T/out"
LANG=en_US.UTF-8 LANGUAGE=zh_CN:en "$HR" --help >"$T/out" 2>&1; expect "LANGUAGE" "^用法" "$T/out"

LANG=zh_CN.UTF-8 "$HR" frobnicate >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && ok || bad "zh usage error: exit $rc"
expect "zh error" "^hospreport: 'frobnicate' 不是命令" "$T/err"
expect "zh hint" "请参阅 'hospreport --help'" "$T/err"
LANG=zh_CN.UTF-8 "$HR" render --period 2026-10 >"$T/out" 2>"$T/err"
expect "zh missing option" "render 需要 --report" "$T/err"
LANG=C "$HR" frobnicate 2>"$T/err"; expect "C error" "'frobnicate' is not a command" "$T/err"

# The data does not change with the language.
"$GEN" --out "$T/ex" --end 2026-10 --months 2 --scale 0.02 --quiet || die "hospgen"
for m in 2026-09 2026-10; do
    "$HR" run --in "$T/ex/$m" --period $m --db "$T/db" --scope hospital --lang zh_CN --out "$T/rep" -q >/dev/null 2>&1
done
LANG=C "$HR" export --period 2026-10 --scope all --db "$T/db" >"$T/c.csv" 2>/dev/null
LANG=zh_CN.UTF-8 "$HR" export --period 2026-10 --scope all --db "$T/db" >"$T/zh.csv" 2>/dev/null
[ -s "$T/c.csv" ] && cmp -s "$T/c.csv" "$T/zh.csv" && ok || bad "export differs between C and zh_CN (or is empty)"

# The tables validate and reconcile print: title and header follow the
# locale, the rows stay (source ids, counts, ok/blocking).
LANG=zh_CN.UTF-8 "$HR" validate --period 2026-10 --db "$T/db" >"$T/out" 2>&1
expect "zh validate title" "^校验 2026-10$" "$T/out"
expect "zh validate header" "^数据源 .*隔离 .*主要原因$" "$T/out"
expect "zh validate rows stay" "^outpatient  " "$T/out"
LANG=C "$HR" validate --period 2026-10 --db "$T/db" >"$T/out2" 2>&1
expect "C validate header" "^source                 rows   accepted quarantined  warnings  top reasons$" "$T/out2"
[ "$(grep -c '^outpatient ' "$T/out")" -eq 1 ] && [ "$(grep '^outpatient ' "$T/out")" = "$(grep '^outpatient ' "$T/out2")" ] &&
    ok || bad "validate's rows differ between zh_CN and C"
LANG=zh_CN.UTF-8 "$HR" reconcile --period 2026-10 --db "$T/db" >"$T/out" 2>&1
expect "zh reconcile title, the state word stays" "^对账 2026-10：\(ok\|warnings\|blocking\)$" "$T/out"
expect "zh reconcile header" "^规则 .*级别 .*记录差异$" "$T/out"
expect "zh reconcile rows stay" "^discharges_his_vs_mr  *blocking  " "$T/out"

# The English edition says a month's state in words, not the database's
# (ok, warnings, blocking): its data-quality appendix and index.html.
"$HR" render --report monthly --period 2026-10 --lang en --db "$T/db" --out "$T/rep-en" >/dev/null 2>&1
pdftotext -layout "$T/rep-en/monthly-2026-10-hospital.en.pdf" "$T/en.txt" 2>/dev/null
grep -Eq '^ *2026-10 +passed(, with warnings)? +(consistent|with warnings)' "$T/en.txt" && ok ||
    bad "en appendix: the month's state not in words: $(grep -E '^ *2026-10 ' "$T/en.txt" | head -n 2)"
grep -Eq '^ *2026-1[0] +(ok|warnings) ' "$T/en.txt" && bad "en appendix prints a raw state word" || ok
grep -q '容差内 within tolerance\|超出容差 beyond tolerance' "$T/rep-en/index.html" && ok ||
    bad "index.html: reconciliation results not in words"
grep -q '<td>ok</td>\|<td>FAIL</td>\|<td>blocking</td>' "$T/rep-en/index.html" && bad "index.html prints raw state words" || ok

# pull and due: the words scripts read (STATE, ok/BAD, due's rows) stay
# English in every language (CLI.md); the header, the DETAIL explanations,
# the error and the warnings follow the locale.
mkdir -p "$T/drop"
cat >"$T/sources.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<sources archive="$T/archive">
  <source name="dept.csv" system="财务/HRP" drop="$T/drop" pattern="科室字典_{YYYYMM}.csv" expected-day="3">
    <contact name="陈静" dept="财务科" phone="8021"/>
  </source>
  <source name="outpatient.csv" system="HIS" drop="$T/drop" pattern="门诊就诊_{YYYYMM}.csv" expected-day="2">
    <contact name="王磊" dept="信息中心"/>
  </source>
</sources>
EOF
cp "$T/ex/2026-10/dept.csv" "$T/drop/科室字典_202610.csv"
touch -d '1 hour ago' "$T/drop/科室字典_202610.csv"
LANG=zh_CN.UTF-8 "$HR" pull --period 2026-10 --today 2026-11-06 --sources "$T/sources.xml" --db "$T/pdb" \
    >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && ok || bad "zh pull with a source missing: exit $rc"
expect "zh pull header" "^数据源 .*状态 .*详情" "$T/out"
expect "zh pull: state words stay" "^dept.csv .* new " "$T/out"
expect "zh pull: late stays a word, the detail is Chinese" "^outpatient.csv .* late .*中没有 门诊就诊_202610.csv" "$T/out"
expect "zh pull error" "2026-10：1 个必需数据源未到：请催 王磊（信息中心）提供 outpatient.csv" "$T/err"
LANG=C "$HR" pull --period 2026-10 --today 2026-11-06 --sources "$T/sources.xml" --db "$T/pdb" \
    >"$T/out" 2>"$T/err"
expect "C pull detail" "^outpatient.csv .* late .*no 门诊就诊_202610.csv in " "$T/out"
expect "C pull error" "2026-10: 1 required source is not in: chase 王磊 (信息中心) for outpatient.csv" "$T/err"
LANG=zh_CN.UTF-8 "$HR" pull --verify --db "$T/pdb" >"$T/out" 2>&1
expect "zh verify: ok stays, the explanation is Chinese" "^ok   2026-10  v1  .*与清单一致" "$T/out"
LANG=zh_CN.UTF-8 "$HR" due --today 2026-11-06 --sources "$T/sources.xml" --db "$T/pdb" >"$T/out" 2>&1
expect "zh due header" "^类型 .*状态" "$T/out"
expect "zh due: the row stays machine words" "^monthly    2026-10   2026-11-09  waiting  for data: chase 王磊 (信息中心) for outpatient.csv (late since 2026-11-02)" "$T/out"
LANG=C "$HR" due --today 2026-11-06 --sources "$T/sources.xml" --db "$T/pdb" >"$T/out2" 2>&1
[ "$(tail -n +2 "$T/out")" = "$(tail -n +2 "$T/out2")" ] && ok || bad "due's rows differ between zh_CN and C"
LANG=zh_CN.UTF-8 "$HR" due -v --today 2027-06-01 --db "$T/db" >"$T/out" 2>"$T/err"
expect "zh due: older reports, in Chinese" "^hospreport: [0-9]* 份较早的报告从未生成" "$T/err"
LANG=C "$HR" due -v --today 2027-06-01 --db "$T/db" >"$T/out" 2>"$T/err"
expect "C due: plural" "^hospreport: [0-9]* older reports were never generated" "$T/err"

# A string the catalog does not have: said on stderr, by name.
sed 's|<h level="2">Key indicators</h>|<p>A sentence nobody translated yet.</p><h level="2">Key indicators</h>|' \
    tests/data/render/summary.xml >"$T/topic.xml"
"$HR" render --report topic --template "$T/topic.xml" --period 2026-10 --lang zh_CN --db "$T/db" \
    --out "$T/rep2" >/dev/null 2>"$T/err"
expect "untranslated string named" 'no Chinese translation of "A sentence nobody translated yet."' "$T/err"
"$HR" render --report topic --template "$T/topic.xml" --period 2026-10 --lang en --db "$T/db" \
    --out "$T/rep3" >/dev/null 2>"$T/err"
grep -q 'no Chinese translation' "$T/err" && bad "the English edition warns about Chinese" || ok

summary
