#!/bin/sh
# po.sh -- the gettext workflow on a scratch copy of the tree:
# `make update-po` on a clean tree changes nothing (a second run after a
# first); a string added to a
# template reaches the .pot and the .po; the check then fails until it is
# translated; a translation that drops {scope} fails; an untranslated or
# fuzzy program message (C) fails, named; a second catalog for one language
# fails.
set -u
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/tree/tests/data" "$T/tree/scripts"
cp -R pipeline stages templates locales "$T/tree/"
cp -R tests/data/render "$T/tree/tests/data/"
cp scripts/update-po.sh "$T/tree/scripts/"
cd "$T/tree" || die "cannot enter $T/tree"
git init -q . && git add -A && git -c user.name=t -c user.email=t@t commit -qm base

# Bring the copy up to date first (the sources may have moved on since the
# catalogs were last merged: make check only warns about that), then a
# second run on the clean tree must change nothing.
scripts/update-po.sh >"$T/out" 2>&1 && ok || bad "update-po failed: $(cat "$T/out")"
git add -A && git -c user.name=t -c user.email=t@t commit -qm updated >/dev/null 2>&1
scripts/update-po.sh >"$T/out" 2>&1 && ok || bad "update-po failed: $(cat "$T/out")"
[ -z "$(git status --porcelain)" ] && ok || bad "update-po on a clean tree changed: $(git status --porcelain)"
scripts/update-po.sh --check >"$T/out" 2>&1 && ok || bad "check fails on a clean tree: $(cat "$T/out")"

# A new template string: extracted, merged, then the check wants a translation.
sed -i 's|</report>|<p>A brand new paragraph for {scope}.</p></report>|' templates/monthly.xml
scripts/update-po.sh >/dev/null 2>&1
grep -q '^msgid "A brand new paragraph for {scope}."' locales/hospreport.pot && ok || bad "new string not in the pot"
grep -q '^msgid "A brand new paragraph for {scope}."' locales/zh_CN.po && ok || bad "new string not merged into zh_CN.po"
scripts/update-po.sh --check >"$T/out" 2>&1 && bad "check passed with an untranslated report string" || ok
grep -q 'untranslated.*A brand new paragraph' "$T/out" && ok || bad "the check does not name the string: $(cat "$T/out")"

# Translated, but the placeholder dropped.
awk '/^msgid "A brand new paragraph for \{scope\}."/ { print; getline; print "msgstr \"一个新段落。\""; next } { print }' \
    locales/zh_CN.po >"$T/po" && cp "$T/po" locales/zh_CN.po
scripts/update-po.sh --check >"$T/out" 2>&1 && bad "check passed with {scope} dropped" || ok
grep -q 'placeholders' "$T/out" && ok || bad "the check does not name the placeholder: $(cat "$T/out")"
awk '/^msgid "A brand new paragraph for \{scope\}."/ { print; getline; print "msgstr \"{scope}的新段落。\""; next } { print }' \
    locales/zh_CN.po >"$T/po" && cp "$T/po" locales/zh_CN.po
scripts/update-po.sh --check >"$T/out" 2>&1 && ok || bad "check fails once translated: $(cat "$T/out")"

# Not only the reports: a new message of the program (help, error,
# progress) untranslated fails, named; so does one msgmerge could only guess
# (fuzzy), and a help text of several lines is named by its first line.
git checkout -q -- . && git clean -qfd
sed -i 's|log_info(msg_ntr("render: %d PDF written|log_info("a brand new progress line %d", 1);\n        log_info(msg_ntr("render: %d PDF written|' pipeline/cli.c
sed -i 's|"cannot open the export folder: %s"|"cannot open the export folder now: %s"|' stages/ingest/ingest.c
sed -i 's|N_("Usage: hospreport status \[--today DATE\]|N_("A new first line of the status help\\n"\n     "Usage: hospreport status [--today DATE]|' pipeline/cli.c
scripts/update-po.sh >/dev/null 2>&1
scripts/update-po.sh --check >"$T/out" 2>&1 && bad "check passed with untranslated and fuzzy program messages" || ok
grep -q 'untranslated.*"a brand new progress line %d"' "$T/out" && ok || bad "untranslated C message not named: $(cat "$T/out")"
grep -q 'fuzzy.*"cannot open the export folder now: %s"' "$T/out" && ok || bad "fuzzy message not named: $(cat "$T/out")"
grep -q 'A new first line of the status help' "$T/out" && ok || bad "multi-line message not named by its first line: $(cat "$T/out")"
# Without make update-po the check sees the sources all the same.
git checkout -q -- locales
scripts/update-po.sh --check >"$T/out" 2>&1 && bad "check passed with a catalog not merged with the sources" || ok
grep -q 'untranslated.*"a brand new progress line %d"' "$T/out" && ok || bad "unmerged: not named: $(cat "$T/out")"
git checkout -q -- . && git clean -qfd

# A second catalog for the same language.
printf 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n' >locales/zh_CN.extra.po
scripts/update-po.sh --check >"$T/out" 2>&1 && bad "check passed with two zh_CN catalogs" || ok
cd "$ROOT" || die "cannot return to $ROOT"
summary
