#!/bin/sh
# install.sh -- a hospital's IT staff installs hospreport the ways a
# distribution does: `make install` into two prefixes and a DESTDIR stage
# (PREFIX=/usr, as a .deb is built), then runs each installed binary from
# another folder, with no HOSPREPORT_* variable, on sample data. Each must find
# its own templates, configuration and catalogs (relative to itself, nothing
# compiled in), write the reports, and speak Chinese with its installed
# catalog. The manual page and bash completion are installed and checked;
# `make uninstall` leaves no file behind.
set -u
. "$(dirname "$0")/lib.sh"
unset HOSPREPORT_DATADIR HOSPREPORT_LOCALEDIR

"$GEN" --out "$T/exports" --end 2026-10 --months 1 --scale 0.02 --quiet || die "hospgen"

try() { # name, prefix, path of the installed binary
    name=$1 prefix=$2 bin=$3
    files=$(find "$prefix" -type f | sed "s|^$prefix/||" | sort)
    for f in bin/hospreport share/hospreport/templates/monthly.xml share/hospreport/config/indicators.xml \
             share/locale/zh_CN/LC_MESSAGES/hospreport.mo share/man/man1/hospreport.1 \
             share/bash-completion/completions/hospreport; do
        echo "$files" | grep -qx "$f" && ok || bad "$name: $f not installed"
    done
    echo "$files" | grep -q 'bin/hospgen' && bad "$name: the sample generator is installed" || ok
    mkdir -p "$T/work-$name" && cd "$T/work-$name" || die "cannot enter $T/work-$name"
    "$bin" --version >version.txt 2>&1 && ok || bad "$name: --version failed"
    grep -q "data: $prefix/share/hospreport\$" version.txt && ok \
        || bad "$name: data folder is not the installed one: $(cat version.txt)"
    if "$bin" run --in "$T/exports/2026-10" --period 2026-10 --scope hospital --lang zh_CN \
        --db run.db --out reports >run.log 2>&1 || [ $? -eq 3 ]; then ok; else
        bad "$name: run failed: $(tail -n 3 run.log)"; fi
    [ -s reports/monthly-2026-10-hospital.zh_CN.pdf ] && ok || bad "$name: no monthly PDF"
    # the installed catalog is found: the report speaks Chinese
    pdftotext reports/monthly-2026-10-hospital.zh_CN.pdf - 2>/dev/null | grep -q "报告编号" && ok \
        || bad "$name: the zh_CN report has no translated text (catalog not found)"
    cd "$ROOT" || die "cannot return to $ROOT"
    man -l "$prefix/share/man/man1/hospreport.1" >/dev/null 2>"$T/man.err" && [ ! -s "$T/man.err" ] && ok \
        || bad "$name: man page: $(head -n 2 "$T/man.err")"
    groff -k -Tutf8 -man -ww -z "$prefix/share/man/man1/hospreport.1" 2>"$T/groff.err" && [ ! -s "$T/groff.err" ] && ok \
        || bad "$name: groff warnings: $(head -n 2 "$T/groff.err")"
    for c in run ingest render due; do
        grep -q "^\\.SS $c\$" "$prefix/share/man/man1/hospreport.1" && ok || bad "$name: man page lacks $c"
    done
    out=$(bash -c ". '$prefix/share/bash-completion/completions/hospreport'; PATH='$prefix/bin':\$PATH
        COMP_WORDS=(hospreport ren); COMP_CWORD=1; _hospreport; echo \"\${COMPREPLY[*]}\"
        COMP_WORDS=(hospreport render --template be); COMP_CWORD=3; _hospreport; echo \"\${COMPREPLY[*]}\"")
    echo "$out" | grep -qx render && ok || bad "$name: completion of commands: $out"
    echo "$out" | grep -q '^beds' && ok || bad "$name: completion of topic templates: $out"
}

for p in p1 "p 2"; do
    make -s install BUILD="$BUILD" PREFIX="$T/$p" >"$T/make.log" 2>&1 || { bad "make install PREFIX=$T/$p: $(tail -n 3 "$T/make.log")"; continue; }
    try "$p" "$T/$p" "$T/$p/bin/hospreport"
    make -s uninstall BUILD="$BUILD" PREFIX="$T/$p" >"$T/make.log" 2>&1 && ok || bad "make uninstall $p"
    left=$(find "$T/$p" -type f)
    [ -z "$left" ] && ok || bad "$p: make uninstall left $left"
done

# A staged install, as a package is built: the files land under DESTDIR and
# the binary, moved there, still finds them (nothing says /usr at run time).
make -s install BUILD="$BUILD" DESTDIR="$T/stage" PREFIX=/usr >"$T/make.log" 2>&1 \
    || bad "make install DESTDIR: $(tail -n 3 "$T/make.log")"
[ -x "$T/stage/usr/bin/hospreport" ] && try stage "$T/stage/usr" "$T/stage/usr/bin/hospreport"

summary
