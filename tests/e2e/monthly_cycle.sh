#!/bin/sh
# The monthly cycle end to end (issue 16): drop folders for the six systems
# filled from hospgen output under real-looking Chinese names (the HIS files
# in GB18030 with Chinese headers, read with the chinese-his profile); one
# source late, one duplicated, one growing, and the other hostile cases (a
# drop folder missing, a symbolic link out of the drop folder, another
# month's data under this month's name, only another month's file). `pull`
# archives what is complete, read-only, and names what is missing with its
# contact; `due` says waiting for data, then overdue after the deadline;
# the late file arrives, `run` pulls, ingests, renders and delivers to a fake
# sendmail and to department folders; a corrected export is archived as a
# new version and re-delivers exactly the reports it changed.
set -u
. "$(dirname "$0")/lib.sh"
# the state column of a source in pull's or status's table
state_of() { awk -v s="$2" '$1 == s { print $3 }' "$1"; }
is_state() { # description, table, source, state
    got=$(state_of "$2" "$3")
    [ "$got" = "$4" ] && ok || { bad "$1: $3 is '$got', wanted '$4'"; cat "$2"; }
}
export SOURCE_DATE_EPOCH=1793000000

"$GEN" --out "$T/std" --end 2026-10 --months 2 --scale 0.01 --seed 5 --quiet &&
    "$GEN" --out "$T/his" --end 2026-10 --months 2 --scale 0.01 --seed 5 --profile chinese-his \
        --quiet || die "hospgen"

D=$T/drop A=$T/archive db=$T/hr.db
# the shipped sources.xml with the test's folders, quick completeness checks
sed -e "s|/srv/drop|$D|g; s|archive=\"exports\"|archive=\"$A\"|; s|<source |<source stable-seconds=\"2\" |" \
    config/sources.xml >"$T/sources.xml"
pull() { "$HR" pull --sources "$T/sources.xml" --db "$db" "$@"; }

# the month's files as the six systems name them (the quality office's
# complaints folder is not mounted yet)
m=2026-10 ym=202610
mkdir -p "$D/his" "$D/bingan" "$D/ward" "$D/hrp" "$D/hr" "$D/equipment"
cp "$T/his/$m/outpatient.csv" "$D/his/门诊就诊_$ym.csv"
cp "$T/his/$m/inpatient.csv" "$D/his/出院患者_$ym.csv"
cp "$T/his/$m/surgery.csv" "$D/his/手术记录_$ym.csv"
cp "$T/std/$m/census.csv" "$D/ward/病房日报_$ym.csv"
cp "$T/std/$m/dept.csv" "$D/hrp/科室字典_$ym.csv"
cp "$T/std/$m/revenue.csv" "$D/hrp/收入明细_$ym.csv"
cp "$T/std/$m/cost.csv" "$D/hrp/成本明细_$ym.csv"
cp "$T/std/$m/alloc_driver.csv" "$D/hrp/分摊参数_$ym.csv"
cp "$T/std/$m/staff.csv" "$D/hr/人员编制_$ym.csv"
cp "$T/std/$m/equipment.csv" "$D/equipment/设备台账_$ym.csv"
touch -d '-1 hour' "$D"/*/*
# hostile: the HIS exported outpatients twice; the ward census is a link to
# a file outside its drop folder; HR dropped September's staff file under
# October's name; equipment usage is there only for September
cp "$D/his/门诊就诊_$ym.csv" "$D/his/门诊就诊_${ym}_重新导出.csv"
cp "$T/std/$m/census.csv" "$T/elsewhere.csv"
mv "$D/ward/病房日报_$ym.csv" "$T/census-real.csv"
ln -s "$T/elsewhere.csv" "$D/ward/病房日报_$ym.csv"
cp "$D/hr/人员编制_$ym.csv" "$T/staff-real.csv"
cp "$T/std/2026-09/staff.csv" "$D/hr/人员编制_$ym.csv"
cp "$T/std/$m/equipment_usage.csv" "$T/usage-real.csv"
cp "$T/std/2026-09/equipment_usage.csv" "$D/equipment/设备使用_202609.csv"
# inpatients still being written by the HIS
cp "$D/his/出院患者_$ym.csv" "$T/inpatient-real.csv"
head -n 20 "$T/inpatient-real.csv" >"$D/his/出院患者_$ym.csv"
# (a line every 0.2 s while the first pull runs, the rest when it is over)
lines=$(wc -l <"$T/inpatient-real.csv")
: >"$T/growing"
(from=21; while [ -f "$T/growing" ] && [ $from -lt "$lines" ]; do
    sed -n "${from}p" "$T/inpatient-real.csv" >>"$D/his/出院患者_$ym.csv"
    from=$((from + 1)); sleep 0.2; done
 sed -n "${from},\$p" "$T/inpatient-real.csv" >>"$D/his/出院患者_$ym.csv") &
grower=$!
while [ "$(wc -l <"$D/his/出院患者_$ym.csv")" -le 20 ]; do sleep 0.1; done # it has started
# the medical records (病案) are late: nothing dropped yet

# ---- the first pull, on the 6th: what is complete is archived ----
pull --period $m --today 2026-11-06 >"$T/pull1" 2>"$T/pull1.err"
rc=$?
rm "$T/growing"
[ $rc -eq 2 ] && ok || bad "pull with required sources missing exited $rc, wanted 2"
wait $grower
cmp -s "$D/his/出院患者_$ym.csv" "$T/inpatient-real.csv" && ok || bad "the grown file is not the export"
is_state "first pull" "$T/pull1" dept.csv new
is_state "first pull" "$T/pull1" revenue.csv new
is_state "duplicate" "$T/pull1" outpatient.csv refused
has "duplicate" "$T/pull1" "2 files in $D/his match 门诊就诊_202610\*.csv: "
is_state "growing" "$T/pull1" inpatient.csv waiting
has "growing" "$T/pull1" "still being written"
has "growing" "$T/pull1.err" "inpatient.csv (waiting, late since 2026-11-02)"
is_state "late" "$T/pull1" mr_front.csv late
has "late, with its contact" "$T/pull1" "mr_front.csv .*late .*2026-11-05 .*chase: 刘芳, 病案统计室, 8233"
is_state "symlink" "$T/pull1" census.csv refused
has "symlink" "$T/pull1" "symbolic link leading out of the drop folder"
is_state "another month's content" "$T/pull1" staff.csv refused
has "another month's content" "$T/pull1" "of another month: .* in 2026-09"
is_state "another month's name" "$T/pull1" equipment_usage.csv late
has "another month's name" "$T/pull1" "设备使用_202609.csv, of another month"
is_state "drop folder missing" "$T/pull1" complaints.csv late
has "drop folder missing" "$T/pull1" "$D/quality: the drop folder does not exist"
has "exit message" "$T/pull1.err" "2026-10: 6 required sources are not in: .*chase 刘芳 (病案统计室, 8233) for mr_front.csv (late since 2026-11-05)"
# only what was complete is in the archive, read-only, nothing half-copied
(cd "$A/$m" && ls -A) >"$T/archive1"
printf '%s\n' alloc_driver.csv cost.csv dept.csv equipment.csv revenue.csv surgery.csv >"$T/want1"
if cmp -s "$T/archive1" "$T/want1"; then ok; else bad "archive after the first pull"; diff "$T/want1" "$T/archive1"; fi
writable=$(find "$A/$m" -type f -perm /222 | wc -l)
[ "$writable" -eq 0 ] && ok || bad "$writable archived files are writable"
[ "$(sqlite3 "$db" "SELECT count(*) FROM archive_file")" -eq 6 ] && ok || bad "manifest rows after the first pull"
sqlite3 "$db" "SELECT original_path, size_bytes, sha256 FROM archive_file WHERE source = 'dept.csv'" >"$T/manifest"
want="$D/hrp/科室字典_$ym.csv|$(stat -c %s "$D/hrp/科室字典_$ym.csv")|$(sha256sum "$D/hrp/科室字典_$ym.csv" | cut -c1-64)"
[ "$(cat "$T/manifest")" = "$want" ] && ok || bad "manifest row '$(cat "$T/manifest")', wanted '$want'"

# the drop folder of the quality office is a file, not a folder
: >"$D/quality"
pull --period $m --today 2026-11-06 >"$T/pull2" 2>&1
has "drop folder not a folder" "$T/pull2" "$D/quality: the drop folder is not a folder"
is_state "second pull" "$T/pull2" dept.csv in
is_state "the growing file, now complete" "$T/pull2" inpatient.csv new
(cd "$A/$m" && ls -A | wc -l) >"$T/n2"
[ "$(cat "$T/n2")" -eq 7 ] && ok || bad "archive after the second pull: $(cat "$T/n2") files, wanted 7"

# ---- scheduled tries (<schedule days="3 5 7 9"/>): nothing before the first
# day, a wait until the last, a failure from then on ----
(cd "$A/$m" && ls -A) >"$T/archive2"
pull --scheduled --today 2026-11-02 >"$T/sched1" 2>&1 && ok || { bad "scheduled pull before day 3"; cat "$T/sched1"; }
has "before the first day" "$T/sched1" "2026-10 is pulled from day 3 of the month; nothing to do today"
pull --scheduled --today 2026-11-05 >"$T/sched2" 2>&1 && ok || { bad "scheduled pull on day 5 with data missing"; cat "$T/sched2"; }
has "a try before the last day" "$T/sched2" "2026-10: waiting for data: 5 required sources not in: .*last try on day 9"
pull --scheduled --today 2026-11-09 >"$T/sched3" 2>&1
rc=$?
[ $rc -eq 2 ] && ok || bad "scheduled pull on the last day with data missing exited $rc, wanted 2"
"$HR" run --scheduled --today 2026-11-07 --sources "$T/sources.xml" --db "$db" --out "$T/out" >"$T/sched4" 2>&1 &&
    ok || { bad "scheduled run while waiting"; cat "$T/sched4"; }
has "scheduled run while waiting" "$T/sched4" "run 2026-10: waiting for data; nothing run"
[ "$(ls "$T/out" 2>/dev/null | wc -l)" -eq 0 ] && ok || bad "a run waiting for data rendered something"
(cd "$A/$m" && ls -A) >"$T/archive3"
cmp -s "$T/archive2" "$T/archive3" && ok || bad "scheduled tries changed the archive"

# ---- due and status while data is missing ----
"$HR" due --sources "$T/sources.xml" --db "$db" --today 2026-11-06 >"$T/due1" 2>&1
has "due before the deadline" "$T/due1" "^monthly  *2026-10  *2026-11-09  *waiting  for data: .*mr_front.csv (late since 2026-11-05)"
"$HR" due --sources "$T/sources.xml" --db "$db" --today 2026-11-10 >"$T/due2" 2>&1
has "due after the deadline" "$T/due2" "^monthly  *2026-10  *2026-11-09  *overdue  waiting for data: .*chase 刘芳 (病案统计室, 8233) for mr_front.csv"
"$HR" status --sources "$T/sources.xml" --db "$db" --today 2026-11-06 >"$T/status1" 2>&1
is_state "status" "$T/status1" mr_front.csv late
is_state "status" "$T/status1" dept.csv in
"$HR" due -q --sources "$T/sources.xml" --db "$db" --today 2026-11-06 >"$T/dueq" 2>&1
has "due -q while waiting" "$T/dueq" "waiting  for data"
lacks "due -q has no header" "$T/dueq" "^KIND"

# ---- archive immutability: pull --verify ----
pull --verify >"$T/verify1" 2>&1 && ok || { bad "verify of an intact archive"; cat "$T/verify1"; }
[ "$(grep -c '^ok ' "$T/verify1")" -eq 7 ] && ok || { bad "verify lines"; cat "$T/verify1"; }
chmod u+w "$A/$m/cost.csv" && echo "tampered" >>"$A/$m/cost.csv"
pull --verify --period $m >"$T/verify2" 2>&1
rc=$?
[ $rc -eq 2 ] && ok || bad "verify of a changed file exited $rc, wanted 2"
has "verify" "$T/verify2" "^BAD  2026-10  v1  $A/$m/cost.csv  size"
has "verify" "$T/verify2" "1 archived file does not match the manifest"
cp "$T/std/$m/cost.csv" "$A/$m/cost.csv" && chmod 0444 "$A/$m/cost.csv"
pull --verify >"$T/verify3" 2>&1 && ok || { bad "verify after restoring"; cat "$T/verify3"; }

# ---- the late file arrives, the others are put right; run pulls first ----
rm "$D/his/门诊就诊_${ym}_重新导出.csv" "$D/ward/病房日报_$ym.csv" "$D/equipment/设备使用_202609.csv"
cp "$T/census-real.csv" "$D/ward/病房日报_$ym.csv"
cp "$T/staff-real.csv" "$D/hr/人员编制_$ym.csv"
cp "$T/usage-real.csv" "$D/equipment/设备使用_$ym.csv"
cp "$T/std/$m/mr_front.csv" "$D/bingan/病案首页_$m.csv"
rm "$D/quality" && mkdir "$D/quality" && cp "$T/std/$m/complaints.csv" "$D/quality/投诉登记_$ym.csv"
# the medical records system writes its .done marker last
pull --period $m --today 2026-11-07 >"$T/pull3" 2>&1
is_state "no .done marker yet" "$T/pull3" mr_front.csv waiting
has "no .done marker yet" "$T/pull3" "no 病案首页_2026-10.csv.done marker yet"
touch "$D/bingan/病案首页_$m.csv.done"
touch -d '-1 hour' "$D"/*/*
# delivery: the hospital's report to the leadership's share and the
# president; every department's to its share; two departments' to the
# operations assistant who looks after them; through a fake sendmail that
# records what it is given
mkdir -p "$T/mail"
cat >"$T/sendmail" <<'EOF2'
#!/bin/sh
n=$(ls "$FAKE_SENDMAIL_DIR" | grep -c '\.eml$')
f=$FAKE_SENDMAIL_DIR/$(printf '%03d' $((n + 1))).eml
echo "$*" >"$f.args"
cat >"$f"
EOF2
chmod +x "$T/sendmail"
export FAKE_SENDMAIL_DIR=$T/mail
cat >"$T/delivery.xml" <<EOF2
<?xml version="1.0" encoding="UTF-8"?>
<delivery from="ops@hospital.example" from-name="运营管理部" sendmail="$T/sendmail">
  <scope of="hospital" langs="zh_CN">
    <folder path="$T/share/院领导/{period}"/>
    <email address="yuanzhang@hospital.example" name="张院长"/>
  </scope>
  <scope of="*"><folder path="$T/share/科室/{scope}-{name}"/></scope>
  <scope of="0101 0102" langs="zh_CN en"><email address="wang@hospital.example" name="王助理"/></scope>
</delivery>
EOF2
run() { "$HR" run --period $m --today 2026-11-07 --sources "$T/sources.xml" --db "$db" \
          --out "$T/out" --lang zh_CN --delivery "$T/delivery.xml" "$@"; }
run --deliver >"$T/run1" 2>"$T/run1.err" && ok || { bad "run after the late file arrived"; cat "$T/run1.err"; }
is_state "run pulls first" "$T/run1" mr_front.csv new
is_state "run pulls first" "$T/run1" outpatient.csv in
is_state "the pull before the marker" "$T/pull3" outpatient.csv new
has "run pulls first" "$T/run1.err" "every required source in (12)"
sqlite3 "$db" "SELECT source || ' ' || profile || ' ' || encoding FROM source_file WHERE current = 1 ORDER BY source" >"$T/loaded"
has "HIS read as GB18030 with chinese-his" "$T/loaded" "^outpatient chinese-his GB18030"
has "finance read with the standard profile" "$T/loaded" "^revenue standard UTF-8"
[ "$(wc -l <"$T/loaded")" -eq 13 ] && ok || { bad "13 sources loaded"; cat "$T/loaded"; }
[ -f "$T/out/monthly-2026-10-hospital.zh_CN.pdf" ] && ok || bad "no hospital report"
"$HR" due --sources "$T/sources.xml" --db "$db" --today 2026-11-07 --lang zh_CN >"$T/due3" 2>&1
has "due once rendered" "$T/due3" "^monthly  *2026-10  *2026-11-09  *done"
"$HR" due -q --sources "$T/sources.xml" --db "$db" --today 2026-11-07 --lang zh_CN >"$T/dueq2" 2>&1
[ ! -s "$T/dueq2" ] && ok || { bad "due -q prints something when nothing is due"; cat "$T/dueq2"; }

# ---- what was delivered ----
# decode_words: the text of RFC 2047 encoded-words (a header with its folds)
decode_words() { grep -o '=?UTF-8?B?[^?]*?=' | sed 's/^=?UTF-8?B?//; s/?=$//' | while read -r w; do printf '%s' "$w" | base64 -d; done; }
# header NAME FILE: the header with its continuation lines
header() { awk -v h="$1:" 'index($0, h) == 1 { p = 1; print; next } p && /^[ \t]/ { print; next } { p = 0 }' "$2"; }
# parts FILE DIR: each base64 body of the message as DIR/N (N = 1 the text, 2.. the attachments)
parts() {
    mkdir -p "$2"
    awk -v d="$2" '/^--=_hospreport_/ { n++; body = 0; next }
        n && !body && /^$/ { body = 1; next }
        n && body && /^[A-Za-z0-9+\/=]+$/ { print > (d "/" n) }' "$1"
    for pf in "$2"/*; do base64 -d "$pf" >"$pf.bin"; done
}
ls "$T/mail"/*.eml >"$T/mails1"
[ "$(wc -l <"$T/mails1")" -eq 2 ] && ok || { bad "messages sent"; ls -l "$T/mail"; }
for f in "$T"/mail/*.eml; do
    has "sendmail arguments" "$f.args" "^-oi -t$"
    has "MIME" "$f" "^MIME-Version: 1.0$"
    has "MIME" "$f" '^Content-Type: multipart/mixed; boundary="=_hospreport_'
    case $(header To "$f") in *wang@*) wang=$f ;; *yuanzhang@*) pres=$f ;; esac
done
[ -n "${wang:-}" ] && [ -n "${pres:-}" ] && ok || bad "one message for each addressee"
header Subject "$wang" | decode_words >"$T/subject"
# the subject and text in the addressee's languages (langs="zh_CN en": both)
has "Chinese subject (RFC 2047)" "$T/subject" "^运营分析报告 2026-10：心血管内科 月度运营分析报告 等 2 份 / Operations analysis reports 2026-10: Cardiology monthly operations report and others, 2 in all$"
header To "$wang" | decode_words >"$T/to"
has "addressee's name (RFC 2047)" "$T/to" "^王助理$"
parts "$wang" "$T/wang1"
has "text part" "$T/wang1/1.bin" "王助理您好"
has "text part" "$T/wang1/1.bin" "附件是 2026-10 的运营分析报告，共 2 份："
has "text part" "$T/wang1/1.bin" "2026-10 心血管内科 月度运营分析报告（中文版）"
has "text part, English" "$T/wang1/1.bin" "^2 operations analysis reports for 2026-10 are attached:$"
has "text part, English" "$T/wang1/1.bin" "^  1. Cardiology, 2026-10 monthly operations report (Chinese edition)$"
# the president reads Chinese (langs="zh_CN"): a Chinese message, one report
header Subject "$pres" | decode_words >"$T/subject-pres"
has "zh_CN addressee: Chinese subject only" "$T/subject-pres" "^运营分析报告 2026-10：全院 月度运营分析报告$"
parts "$pres" "$T/pres1"
has "zh_CN addressee: one report" "$T/pres1/1.bin" "附件是 2026-10 的运营分析报告，共 1 份："
lacks "zh_CN addressee: no English text" "$T/pres1/1.bin" "attached\|Operations"
grep -A3 '^Content-Type: application/pdf' "$wang" | header ' name' /dev/stdin >/dev/null
grep -o 'filename="[^"]*"' "$wang" | head -n 1 >"$T/fname" # first line of the folded value
awk '/^Content-Disposition: attachment/ { getline; print; getline; print }' "$wang" | head -n 2 | decode_words >"$T/fname"
has "Chinese file name (RFC 2047)" "$T/fname" "^2026-10 心血管内科 月度运营分析报告.pdf$"
has "file name (RFC 2231)" "$wang" "filename\*=UTF-8''2026-10%20%E5%BF%83"
# the attachments are the PDFs, byte for byte
for n in 2 3; do sha256sum <"$T/wang1/$n.bin" | cut -c1-64; done | sort >"$T/att"
for d in 0101 0102; do sha256sum <"$T/out/monthly-2026-10-$d.zh_CN.pdf" | cut -c1-64; done | sort >"$T/want"
cmp -s "$T/att" "$T/want" && ok || bad "attachments are not the department PDFs"
[ ! -f "$T/wang1/4" ] && ok || bad "more attachments than reports"
# the folders
ndept=$(ls "$T/share/科室" | wc -l)
[ "$ndept" -eq "$(ls "$T/out"/monthly-2026-10-[0-9]*.zh_CN.pdf | wc -l)" ] && ok || bad "$ndept department folders"
cmp -s "$T/share/科室/0101-心血管内科/monthly-2026-10-0101.zh_CN.pdf" "$T/out/monthly-2026-10-0101.zh_CN.pdf" && ok || bad "department copy"
cmp -s "$T/share/院领导/2026-10/monthly-2026-10-hospital.zh_CN.pdf" "$T/out/monthly-2026-10-hospital.zh_CN.pdf" && ok || bad "leadership copy"
[ "$(sqlite3 "$db" "SELECT count(*) FROM delivery")" -eq $((ndept + 1 + 1 + 2)) ] && ok || bad "delivery records"
# delivering again: nothing has changed, nothing goes out
"$HR" deliver --period $m --db "$db" --delivery "$T/delivery.xml" >"$T/deliver2" 2>&1 && ok || { bad "deliver again"; cat "$T/deliver2"; }
lacks "deliver again" "$T/deliver2" "^sent\|^copied"
has "deliver again" "$T/deliver2" "0 messages .*already delivered as they are"
[ "$(ls "$T/mail"/*.eml | wc -l)" -eq 2 ] && ok || bad "a message went out on an unchanged rerun"
snap() { (cd "$T/out" && for f in *.pdf; do echo "$(sha256sum "$f" | cut -c1-64) $f"; done) | sort -k2; }
snap >"$T/pdfs1"

# ---- a corrected export: a new version beside the old, ingest reads it ----
f=$D/his/门诊就诊_$ym.csv
iconv -f GB18030 -t UTF-8 "$f" | awk -F, -v OFS=, 'END { $1 = $1 "X"; $7 = "0.00"; $8 = "0.00"; $9 = "0.00"; $10 = "0.00"; print }' |
    iconv -f UTF-8 -t GB18030 >"$T/extra"
cat "$T/extra" >>"$f"
touch -d '-1 hour' "$f"
run --deliver >"$T/run2" 2>"$T/run2.err" && ok || { bad "run after a corrected export"; cat "$T/run2.err"; }
is_state "corrected export" "$T/run2" outpatient.csv updated
[ -f "$A/$m/outpatient.csv" ] && [ -f "$A/$m/outpatient.v2.csv" ] && ok || bad "both versions archived"
cmp -s "$A/$m/outpatient.v2.csv" "$f" && ok || bad "v2 is the corrected file"
[ "$(sqlite3 "$db" "SELECT path FROM source_file WHERE source = 'outpatient' AND current = 1")" = "$A/$m/outpatient.v2.csv" ] &&
    ok || bad "ingest did not load the newest version"
pull --verify >"$T/verify4" 2>&1 && ok || { bad "verify after the correction"; cat "$T/verify4"; }
# redelivered BEFORE AFTER RUNOUT MAILS_BEFORE: exactly the reports whose
# PDF changed between the snapshots were delivered again, marked as
# corrections; prints how many changed
redelivered() {
    join -j 2 "$1" "$2" | awk '$2 != $3 { print $1 }' | sort >"$T/changed"
    grep '^copied' "$3" | sed 's|.*/||; s/  (.*//' | sort >"$T/copied"
    if cmp -s "$T/changed" "$T/copied"; then ok; else bad "folder copies are not exactly the changed reports"; diff "$T/changed" "$T/copied"; fi
    [ -s "$T/copied" ] && has "a correction says so" "$3" "^copied .*(replaces the copy of earlier)"
    ls "$T/mail"/*.eml | sort >"$T/mails-now"
    comm -13 "$4" "$T/mails-now" >"$T/newmails"
    for f in $(cat "$T/newmails"); do
        parts "$f" "$f.parts"
        has "correction note" "$f.parts/1.bin" "本报告为更正版，替换 .* 发送的版本"
        case $(header To "$f") in
        *wang@*) has "correction note, English" "$f.parts/1.bin" "This corrected report replaces the one sent on" ;;
        *) lacks "correction note: Chinese only" "$f.parts/1.bin" "This corrected report" ;;
        esac
        header Subject "$f" | decode_words | grep -q '^【更正】' && ok || bad "subject does not say corrected"
        for a in "$f.parts"/[2-9].bin; do
            sha=$(sha256sum <"$a" | cut -c1-64)
            name=$(awk -v s="$sha" '$1 == s { print $2 }' "$2")
            grep -qx "$name" "$T/changed" && ok || bad "attachment $name was not changed by the correction"
        done
    done
    sent_now=$(grep -c '^sent' "$3")
    want_sent=$(grep -c -x 'monthly-2026-10-\(hospital\|0101\|0102\).zh_CN.pdf' "$T/changed")
    [ "$sent_now" -eq "$want_sent" ] && ok || bad "$sent_now attachments re-sent, $want_sent reports changed for the addressees"
    wc -l <"$T/changed" >"$T/nchanged"
}
snap >"$T/pdfs2"
redelivered "$T/pdfs1" "$T/pdfs2" "$T/run2" "$T/mails1"
n1=$(cat "$T/nchanged")
[ "$n1" -gt 0 ] && ok || bad "the outpatient correction changed no report"
echo "correction of outpatients: $n1 of $(wc -l <"$T/pdfs2") PDFs changed and were delivered again"

# a narrower correction: the finance system renames one department
ls "$T/mail"/*.eml | sort >"$T/mails2"
f=$D/hrp/科室字典_$ym.csv
sed 's/^0103,消化内科,/0103,消化内科（含内镜中心）,/' "$f" >"$T/dept2"
cmp -s "$f" "$T/dept2" && bad "the rename changed nothing"
cat "$T/dept2" >"$f" && touch -d '-1 hour' "$f"
run --deliver >"$T/run3" 2>"$T/run3.err" && ok || { bad "run after the renamed department"; cat "$T/run3.err"; }
is_state "a renamed department" "$T/run3" dept.csv updated
snap >"$T/pdfs3"
redelivered "$T/pdfs2" "$T/pdfs3" "$T/run3" "$T/mails2"
n2=$(cat "$T/nchanged")
# the department's folder is named after it: the new name's folder gets it
[ -f "$T/share/科室/0103-消化内科（含内镜中心）/monthly-2026-10-0103.zh_CN.pdf" ] && ok || bad "renamed department's folder"
[ "$n2" -gt 0 ] && ok || bad "the rename changed no report"
echo "a renamed department: $n2 of $(wc -l <"$T/pdfs3") PDFs changed and were delivered again"

# a correction no delivered edition shows: one department's English name
# (0102's). The run renders the Chinese editions, which do not print it: the
# new dept.csv is archived and loaded, every PDF stays byte for byte, and
# nothing is copied or mailed again
ls "$T/mail"/*.eml | sort >"$T/mails3"
f=$D/hrp/科室字典_$ym.csv
awk -F, -v OFS=, '$1 == "0102" { $3 = $3 " (corrected)" } { print }' "$f" >"$T/dept3"
cmp -s "$f" "$T/dept3" && bad "the English correction changed nothing"
cat "$T/dept3" >"$f" && touch -d '-1 hour' "$f"
run --deliver >"$T/run4" 2>"$T/run4.err" && ok || { bad "run after the English name correction"; cat "$T/run4.err"; }
is_state "an English name corrected" "$T/run4" dept.csv updated
[ "$(sqlite3 "$db" "SELECT name_en FROM dept WHERE period = '$m' AND dept_code = '0102'")" = \
  "Respiratory and Critical Care Medicine (corrected)" ] && ok || bad "the corrected English name is not loaded"
snap >"$T/pdfs4"
redelivered "$T/pdfs3" "$T/pdfs4" "$T/run4" "$T/mails3"
[ "$(cat "$T/nchanged")" -eq 0 ] && ok || bad "an English name changed a Chinese edition"
cmp -s "$T/mails3" "$T/mails-now" && ok || bad "mail went out though no delivered report changed"
lacks "nothing copied again" "$T/run4" "^copied"
echo "an English name corrected: 0 of $(wc -l <"$T/pdfs4") PDFs changed, nothing delivered again"

# the shipped archive="exports" is relative to the folder pull runs in: the
# manifest keeps absolute paths, so a --verify from elsewhere finds the files
mkdir -p "$T/work"
HRA=$(cd "$(dirname "$HR")" && pwd)/$(basename "$HR") # run from other folders
sed -e "s|archive=\"$A\"|archive=\"exports\"|" "$T/sources.xml" >"$T/work/sources.xml"
(cd "$T/work" && "$HRA" pull --period $m --today 2026-11-07 --sources sources.xml --db rel.db >"$T/pull-rel" 2>&1) &&
    ok || { bad "pull into a relative archive"; tail -5 "$T/pull-rel"; }
[ "$(sqlite3 "$T/work/rel.db" "SELECT count(*) FROM archive_file WHERE archive_path NOT LIKE '$T/work/exports/%'")" -eq 0 ] &&
    ok || bad "the manifest keeps relative archive paths"
(cd / && "$HRA" pull --verify --period $m --sources "$T/work/sources.xml" --db "$T/work/rel.db" >"$T/verify-rel" 2>&1) &&
    ok || { bad "verify from another folder"; tail -3 "$T/verify-rel"; }

# what a timer runs on a later try: everything in and delivered, so -q says
# nothing at all (cron and systemd mail what it prints)
"$HR" run --scheduled --deliver -q --today 2026-11-07 --sources "$T/sources.xml" --db "$db" \
    --out "$T/out" --lang zh_CN --delivery "$T/delivery.xml" >"$T/sched5" 2>"$T/sched5.err" && ok ||
    { bad "a quiet scheduled run"; cat "$T/sched5.err"; }
[ -s "$T/sched5" ] && { bad "run -q printed on stdout"; head -3 "$T/sched5"; } || ok

# ---- failures: an addressee whose mail is refused, a report edited since it was rendered ----
sed -e "s|sendmail=\"$T/sendmail\"|sendmail=\"/bin/false\"|; s|wang@hospital.example|zhao@hospital.example|" \
    "$T/delivery.xml" >"$T/delivery-refused.xml"
"$HR" deliver --period $m --db "$db" --delivery "$T/delivery-refused.xml" >"$T/deliver3" 2>&1
rc=$?
[ $rc -eq 4 ] && ok || bad "deliver with a refusing sendmail exited $rc, wanted 4"
has "refused mail" "$T/deliver3" "/bin/false: refused the message to zhao@hospital.example (exit status 1)"
[ "$(sqlite3 "$db" "SELECT count(*) FROM delivery WHERE target = 'zhao@hospital.example'")" -eq 0 ] &&
    ok || bad "a refused message was recorded as delivered"
printf 'x' >>"$T/out/monthly-2026-10-0101.zh_CN.pdf"
sed -e "s|wang@hospital.example|zhao@hospital.example|" "$T/delivery.xml" >"$T/delivery-zhao.xml"
nmail=$(ls "$T/mail"/*.eml | wc -l)
"$HR" deliver --period $m --db "$db" --delivery "$T/delivery-zhao.xml" >"$T/deliver4" 2>&1
rc=$?
[ $rc -eq 4 ] && ok || bad "deliver of an edited report exited $rc, wanted 4"
has "edited report" "$T/deliver4" "monthly-2026-10-0101.zh_CN.pdf: changed since it was rendered"
has "the other report still goes" "$T/deliver4" "^sent    zhao@hospital.example  2026-10 呼吸与危重症医学科 月度运营分析报告.pdf$"
lacks "the edited report does not go" "$T/deliver4" "^sent .*心血管内科"
[ "$(ls "$T/mail"/*.eml | wc -l)" -eq $((nmail + 1)) ] && ok || bad "one message to the new addressee"

summary
