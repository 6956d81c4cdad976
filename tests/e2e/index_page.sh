#!/bin/sh
# index_page.sh -- render writes OUT/index.html: every report of the folder
# with a link that resolves to its file, its data state (a forced draft says
# so), the data quality of the months read (a planted quarantine reason, the
# reconciliation rules), text from the data escaped (a department named
# with markup), and a real browser -- Debian's headless Chromium -- loads it
# and draws it (the screenshot is kept when HR_KEEP_SHOT names a file).
set -u
. "$(dirname "$0")/lib.sh"

"$GEN" --out "$T/ex" --end 2026-10 --months 2 --scale 0.03 --faults --quiet || die "hospgen"
# A department whose name carries markup: the page must show it as text.
for m in 2026-09 2026-10; do
    # (name_en: the file may be GB18030, as --faults makes some months)
    LC_ALL=C sed -i '0,/^0101,/s/^0101,\([^,]*\),[^,]*,/0101,\1,Cardio<b>\&logy,/' "$T/ex/$m/dept.csv"
    "$HR" run --in "$T/ex/$m" --period $m --db "$T/db" --scope all --lang zh_CN --out "$T/rep" \
        --force -q >/dev/null 2>"$T/run.log"
done
page=$T/rep/index.html
[ -s "$page" ] && ok || die "no index.html"
# Every link resolves to a file in the folder, and every PDF there is linked.
grep -o 'href="[^#"][^"]*"' "$page" | sed 's/^href="//; s/"$//' | sort -u >"$T/links"
# Every in-page link has its target.
for a in $(grep -o 'href="#[^"]*"' "$page" | sed 's/^href="#//; s/"$//'); do
    grep -q "id=\"$a\"" "$page" && ok || bad "in-page link #$a has no target"
done
nl=0; while read -r l; do nl=$((nl + 1)); [ -f "$T/rep/$l" ] || bad "link $l does not resolve"; done <"$T/links"
[ "$nl" -gt 0 ] && ok || bad "no links"
ls "$T/rep" | grep '\.pdf$' | sort >"$T/pdfs"
cmp -s "$T/links" "$T/pdfs" && ok || bad "links and PDFs differ: $(diff "$T/links" "$T/pdfs" | head -3)"
grep -q 'monthly-2026-10-hospital.zh_CN.pdf' "$T/links" && ok || bad "the hospital report is not linked"
grep -q '草稿（强制出具）' "$page" && ok || bad "a forced draft is not marked"
grep -q '数据质量 Data quality' "$page" && ok || bad "no data-quality section"
grep -q 'key visit_id' "$page" && ok || bad "the planted duplicate visit is not among the reasons"
grep -q 'discharges_his_vs_mr' "$page" && ok || bad "no reconciliation rule"
grep -q 'Cardio&lt;b&gt;&amp;logy' "$page" && ok || bad "a department name is not escaped"
grep -q 'Cardio<b>' "$page" && bad "markup from the data reaches the page" || ok
grep -qi '<script' "$page" && bad "the page has a script" || ok

CHROME=$(command -v chromium || true)
if [ -n "$CHROME" ]; then
    flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --user-data-dir=$T/profile"
    timeout 120 "$CHROME" $flags --dump-dom "file://$page" >"$T/dom.html" 2>/dev/null
    grep -q '数据质量 Data quality' "$T/dom.html" && ok || bad "Chromium did not load the page"
    timeout 120 "$CHROME" $flags --window-size=1280,1600 --screenshot="$T/shot.png" "file://$page" >/dev/null 2>&1
    [ "$(head -c 4 "$T/shot.png" 2>/dev/null | od -An -c | tr -d ' ')" = "211PNG" ] && ok || bad "no screenshot"
    [ -n "${HR_KEEP_SHOT:-}" ] && cp "$T/shot.png" "$HR_KEEP_SHOT"
else
    echo "index: chromium is not installed (scripts/deps.sh installs it): browser checks skipped"
fi
summary
