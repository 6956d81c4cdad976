#!/bin/sh
# Issue 11, item 1 (and issue 13, "staleness has one mechanism"): a late or
# corrected month makes stale every period that reads it, and every command
# sees it the same way (fingerprints of the inputs, registry.h).
#  1. History to 2026-08 and October are run; September arrives late.
#     After September is only ingested and validated, `status` says
#     October's results are stale, `due` says October's report is stale,
#     `export` refuses them (exit 2).
#  2. `run --period 2026-09` renders September and Q3 and renders October
#     again; October's export then equals a from-scratch database's (the
#     same months loaded in calendar order) and has a MoM; due says done.
#  3. A corrected September: the rerun renders again exactly the reports
#     whose numbers changed (September, Q3, October), not August; the
#     export equals the from-scratch one on the corrected data.
set -u
. "$(dirname "$0")/lib.sh"
same() { # description, file, file
    if cmp -s "$2" "$3"; then ok; else bad "$1: $2 and $3 differ"; diff "$2" "$3" | head -10; fi
}
snapshot() { (cd "$T/out" && for f in *.pdf; do echo "$(sha256sum "$f" | cut -c1-64) $f"; done); }
changed() { diff "$1" "$2" | sed -n 's/^> [0-9a-f]* //p' | sort | tr '\n' ' '; }

"$GEN" --out "$T/exports" --end 2026-10 --months 13 --scale 0.01 --seed 11 --quiet || die "hospgen"
history=$(ls "$T/exports" | grep -E '^[0-9]{4}-[0-9]{2}$' | sort | grep -v -e 2026-09 -e 2026-10)
load_history() { # db
    for m in $history; do
        "$HR" ingest -q --in "$T/exports/$m" --period "$m" --db "$1" || bad "ingest $m"
        "$HR" validate -q --period "$m" --db "$1" >/dev/null || bad "validate $m"
    done
}
run() { # db month [out]
    "$HR" run --in "$T/exports/$2" --period "$2" --db "$1" --out "${3:-$T/out}" --scope hospital \
        --lang en >"$T/run.out" 2>"$T/run.err" || { bad "run $2"; cat "$T/run.err"; }
}
# the reference: the same months, loaded in calendar order into a new database
scratch() { # file for its export of 2026-10
    rm -f "$T/scratch.db"
    load_history "$T/scratch.db"
    run "$T/scratch.db" 2026-09 "$T/scratch_out"
    run "$T/scratch.db" 2026-10 "$T/scratch_out"
    "$HR" export --period 2026-10 --scope all --db "$T/scratch.db" >"$1" || bad "scratch export"
}
mom() { awk -F, -v i="$2" '$2 == "hospital" && $3 == i { print $5 }' "$1"; }

db=$T/hr.db
load_history "$db"
"$HR" render -q --report monthly --period 2026-08 --scope hospital --lang en --db "$db" --out "$T/out" || bad "render 2026-08"
run "$db" 2026-10
"$HR" export --period 2026-10 --db "$db" >"$T/export0" || bad "export before September"
[ -z "$(mom "$T/export0" outpatient_visits)" ] && ok || bad "a MoM without September: $(mom "$T/export0" outpatient_visits)"
snapshot >"$T/snap0"

# ---- 1. September loaded late: everything that reads it is stale ----
"$HR" ingest -q --in "$T/exports/2026-09" --period 2026-09 --db "$db" || bad "ingest 2026-09"
"$HR" validate -q --period 2026-09 --db "$db" >/dev/null || bad "validate 2026-09"
"$HR" status --db "$db" >"$T/status1" || bad "status"
has "status: October's results" "$T/status1" "^2026-10 .* stale$"
has "status: August's results hold" "$T/status1" "^2026-08 .* yes$"
has "status: October's report" "$T/status1" "^monthly  *2026-10 .* stale$"
has "status: August's report" "$T/status1" "^monthly  *2026-08 .* current$"
"$HR" due --today 2026-11-05 --lang en --db "$db" >"$T/due1" 2>/dev/null
has "due: October" "$T/due1" "^monthly  *2026-10  *2026-11-09  *stale"
"$HR" export --period 2026-10 --db "$db" >"$T/o" 2>"$T/e"
[ $? -eq 2 ] && ok || bad "export of stale results did not exit 2"
has "export of stale results" "$T/e" "results of 2026-10 are stale"

# ---- 2. the late month's run brings October up to date ----
run "$db" 2026-09
has "run 2026-09 renders October again" "$T/run.err" "monthly 2026-10: its data changed"
snapshot >"$T/snap1"
c=$(changed "$T/snap0" "$T/snap1")
[ "$c" = "monthly-2026-09-hospital.en.pdf monthly-2026-10-hospital.en.pdf quarterly-2026-Q3-hospital.en.pdf " ] && ok || bad "after the late month, changed: $c"
"$HR" export --period 2026-10 --scope all --db "$db" >"$T/export1" || bad "export after the late month"
scratch "$T/scratch1"
same "October after the late month vs from scratch" "$T/export1" "$T/scratch1"
[ -n "$(mom "$T/export1" outpatient_visits)" ] && ok || bad "no MoM after September arrived"
"$HR" due --today 2026-11-05 --lang en --db "$db" >"$T/due2" 2>/dev/null
has "due: October done" "$T/due2" "^monthly  *2026-10  *2026-11-09  *done"
"$HR" status --db "$db" >"$T/status2"
has "status: October current" "$T/status2" "^2026-10 .* yes$"

# ---- 3. a corrected September ----
f=$T/exports/2026-09/outpatient.csv
# the first tenth of the visits again under new ids, without fees (revenue still reconciles)
n=$(($(wc -l <"$f") / 10))
sed -n "2,${n}p" "$f" | awk -F, -v OFS=, '{ $1 = $1 "C"; $7 = "0.00"; $8 = "0.00"; $9 = "0.00"; $10 = "0.00"; print }' >>"$f"
run "$db" 2026-09
snapshot >"$T/snap2"
c=$(changed "$T/snap1" "$T/snap2")
[ "$c" = "monthly-2026-09-hospital.en.pdf monthly-2026-10-hospital.en.pdf quarterly-2026-Q3-hospital.en.pdf " ] && ok || bad "after the correction, changed: $c"
"$HR" export --period 2026-10 --scope all --db "$db" >"$T/export2" || bad "export after the correction"
scratch "$T/scratch2"
same "October after the correction vs from scratch" "$T/export2" "$T/scratch2"
[ "$(mom "$T/export1" outpatient_visits)" != "$(mom "$T/export2" outpatient_visits)" ] && ok || bad "October's MoM did not change with September's correction"
# nothing left stale: a rerun renders nothing
run "$db" 2026-09
snapshot >"$T/snap3"
same "an unchanged rerun" "$T/snap2" "$T/snap3"

summary
