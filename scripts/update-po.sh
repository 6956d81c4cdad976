#!/bin/sh
# update-po.sh [--check] -- the GNU gettext workflow.
#
#   make update-po   1. xgettext over the C sources (keywords _, N_, i18n_tr,
#                       ctx_tr, and the message formats of hr_error_set and
#                       log_*), over the report templates (templates/*.xml and
#                       the test templates tests/data/render/*.xml) with the ITS
#                       rules of locales/its/templates.its, and locales/data.pot
#                       (ids that arrive as data) -> locales/hospreport.pot;
#                    2. msgmerge it into every locales/LL_CC.po.
#                    A file is rewritten only when more than its dates changed,
#                    so running it on a clean tree changes nothing.
#   make check       (--check) fails when a language has more than one catalog,
#                    msgfmt --check fails (printf conversions), a translation
#                    drops or invents a {placeholder}, or any string of the
#                    sources (reports, help, errors, progress) has no
#                    translation or a fuzzy one, naming it; it warns when
#                    hospreport.pot is not current.
set -eu
cd "$(dirname "$0")/.."
mode=${1:-update}
T=$(mktemp -d "${TMPDIR:-/tmp}/hr-po.XXXXXX")
trap 'rm -rf "$T"' EXIT
XG="xgettext --from-code=UTF-8 --add-comments=TRANSLATORS: --sort-by-file --no-wrap --package-name=hospreport"
# Report strings (printed in PDFs) and program messages (help, errors,
# progress) are extracted apart, so that the check below can insist on the
# first being translated.
$XG --language=C -k -kN_ -ki18n_tr:2 -kctx_tr:3 -o "$T/report-c.pot" $(ls stages/render/*.c | sort)
$XG --language=C -k -k_ -kN_ -khr_error_set:6 -klog_info:1 -klog_warn:1 -klog_error:1 \
    -kmsg_ntr:1,2 -kdetail_printf:3 --flag=detail_printf:3:c-format -kmsg_tr_lang:2 -kmsg_ntr_lang:2,3 --flag=msg_ntr:1:pass-c-format --flag=msg_ntr:2:pass-c-format \
    --flag=msg_ntr_lang:2:pass-c-format --flag=msg_ntr_lang:3:pass-c-format --flag=msg_tr_lang:2:pass-c-format \
    --flag=hr_error_set:6:c-format --flag=_:1:pass-c-format -o "$T/msg.pot" \
    $(ls pipeline/*.c pipeline/core/*.c stages/*/*.c | sort)
$XG --its=locales/its/templates.its -o "$T/xml.pot" $(ls templates/*.xml tests/data/render/*.xml | sort)
msgcat --use-first --no-wrap -o "$T/report.pot" "$T/report-c.pot" "$T/xml.pot" locales/data.pot
msgcat --use-first --no-wrap -o "$T/all.pot" "$T/report.pot" "$T/msg.pot"
sed -i -e '/^"POT-Creation-Date:/d' "$T/all.pot"
same() { # a b: equal but for the revision date
    [ -f "$2" ] && diff -q -I '^"PO-Revision-Date:' "$1" "$2" >/dev/null
}
merge() { # po -> $T/new.po; translated ids the sources no longer have stay as
          # obsolete (#~) entries and are named: an id used through a variable
          # needs N_() where it is written, one that arrives as data a line in
          # locales/data.pot.
    msgmerge --quiet --no-wrap --previous -o "$T/new.po" "$1" "$T/all.pot"
    msgattrib --only-obsolete --translated --no-wrap "$T/new.po" 2>/dev/null | grep '^#~ msgid "..*"' \
        | sed "s|^#~ msgid |po: warning: $1: translated, but no longer in the sources (N_() or locales/data.pot?): |" || true
}

if [ "$mode" = update ]; then
    same "$T/all.pot" locales/hospreport.pot || { cp "$T/all.pot" locales/hospreport.pot; echo "updated locales/hospreport.pot"; }
    for po in locales/??_??.po; do
        merge "$po"
        same "$T/new.po" "$po" || { cp "$T/new.po" "$po"; echo "updated $po"; }
    done
    exit 0
fi

bad=0
for po in locales/*.po; do
    case $po in locales/??_??.po) ;; *)
        echo "po: $po: one catalog per language: move its entries into locales/LL_CC.po"; bad=1 ;;
    esac
done
for po in locales/??_??.po; do
    msgfmt --check -o /dev/null "$po" || bad=1
    # {placeholders}: the same set in the id and its translation.
    msgattrib --translated --no-fuzzy --no-wrap "$po" | awk -v po="$po" '
        function ph(s,   out) { out = " "; while (match(s, /\{[a-z_]+(:[A-Za-z0-9_]+)?\}/)) {
            out = out substr(s, RSTART, RLENGTH) " "; s = substr(s, RSTART + RLENGTH) } return out }
        function within(a, b,   n, i, w) { n = split(a, w, " "); for (i = 1; i <= n; i++)
            if (index(b, " " w[i] " ") == 0) return 0; return 1 }
        /^msgid "/ { id = substr($0, 7) }
        /^msgstr "/ { s = ph(substr($0, 8)); p = ph(id)
            if (id != "\"\"" && !(within(p, s) && within(s, p))) {
            printf "po: %s: the translation of %s has placeholders%s; the id has%s\n", po, id, s, p; bad = 1 } }
        END { exit bad }' || bad=1
    # Every message must be translated, and no translation may be fuzzy (a
    # guess of msgmerge's for a changed id): a zh_CN edition never falls back
    # to English without a word, nor a Chinese user's help or error. Checked
    # on the catalog merged with the current sources, so a new string in a
    # template or in C fails here until it is translated. An entry is named
    # by its id's first line.
    merge "$po"
    msgattrib --no-wrap --no-obsolete -o "$T/current.po" "$T/new.po"
    for kind in untranslated only-fuzzy; do
        msgattrib --$kind --no-wrap "$T/current.po" | awk -v po="$po" -v kind="${kind#only-}" '
            /^msgid / { id = substr($0, 7); inid = 1; next }
            inid && /^"/ { if (id == "\"\"") id = $0; next }
            { if (inid && id != "\"\"") printf "po: %s: %s (run make update-po, then translate): %s\n", po, kind, id; inid = 0 }' >"$T/missing"
        [ -s "$T/missing" ] && { cat "$T/missing"; bad=1; }
    done
    same "$T/new.po" "$po" || echo "po: warning: $po is not current with the sources: run make update-po"
done
same "$T/all.pot" locales/hospreport.pot || echo "po: warning: locales/hospreport.pot is not current: run make update-po"
[ $bad -eq 0 ] && echo "po: every catalog checks (formats, {placeholders}, every string translated, none fuzzy)"
exit $bad
