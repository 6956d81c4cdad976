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
