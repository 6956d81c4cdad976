#!/bin/sh
# mkman.sh BIN -- writes the manual page hospreport(1) on stdout, made from
# the program's own --help, --version and every COMMAND --help, so that the
# page can never disagree with the program. `make` builds build/hospreport.1;
# tests/e2e/install.sh checks it with groff's warnings on.
set -eu
BIN=$1
version=$("$BIN" --version | head -n 1 | cut -d' ' -f2)
# roff-safe text: backslashes doubled, a leading . or ' protected.
esc() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" -e 's/-/\\-/g'; }
date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d)
help=$("$BIN" --help)
cat <<HEAD
.\\" -*- coding: UTF-8 -*-
.TH HOSPREPORT 1 "$date" "hospreport $version" "User Commands"
.SH NAME
hospreport \\- monthly, quarterly, annual and topic operations analysis reports (运营分析报告) for a hospital, as PDF in Chinese and English
.SH SYNOPSIS
.B hospreport
.I COMMAND
.RI [ OPTIONS ]
.br
.B hospreport
.BR \\-\\-help " | " \\-\\-version
.SH DESCRIPTION
HEAD
# The paragraph(s) before "Commands:".
printf '%s\n' "$help" | sed -n '/^Usage:/d; /^Commands:/q; p' | esc | sed 's/^$/.PP/'
echo ".SH COMMANDS"
printf '%s\n' "$help" | sed -n '/^Commands:/,/^$/p' | sed '1d;/^$/d' | while read -r cmd rest; do
    echo ".SS $cmd"
    printf '%s\n' "$rest" | esc
    echo ".PP"
    echo ".nf"
    "$BIN" "$cmd" --help | esc
    echo ".fi"
done
echo ".SH NOTES"
echo ".nf"
printf '%s\n' "$help" | sed -n '/^Commands:/,$p' | sed '1,/^$/d' | esc
echo ".fi"
cat <<'TAIL'
.SH FILES
.TP
.I PREFIX/share/hospreport/config/
hospital, source profiles, validation and reconciliation rules, the indicator catalogue, advice rules (XML, each checked against its schema in config/schema/)
.TP
.I PREFIX/share/hospreport/templates/
the report templates (monthly, quarterly, annual, topic\-NAME)
.TP
.I hospreport.db
the database (default in the current folder): every loaded month, results, the report registry
.SH SEE ALSO
.BR sqlite3 (1),
.BR pdftotext (1)
TAIL
