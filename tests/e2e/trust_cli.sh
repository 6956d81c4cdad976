#!/bin/sh
# Issue 11, items 7 and 8: a report kind and its period must agree (usage
# error, exit 1, nothing written), and the commands that only read (status,
# due, export) never write: a mistyped --db is an error naming it (exit 2,
# no file created), and on a database file they leave it and its folder
# as it was (no lock, nothing else), also on a read-only mount.
set -u
. "$(dirname "$0")/lib.sh"

# ---- item 7: kind and period agree ----
db=$T/hr.db
for case in "annual 2026-10" "monthly 2026-Q3" "quarterly 2026" "monthly 2026-01..2026-03" \
            "annual 2026-Q4"; do
    set -- $case
    "$HR" render --report "$1" --period "$2" --db "$db" --out "$T/out" >"$T/o" 2>"$T/e"
    status_is "render --report $1 --period $2" 1 $?
    has "render --report $1 --period $2" "$T/e" "report is over a"
done
[ ! -d "$T/out" ] && ok || bad "a refused render made its output folder"

# ---- item 8: read-only commands on a missing database ----
for cmd in status due "export --period 2026-10"; do
    "$HR" $cmd --db "$T/typo.db" >"$T/o" 2>"$T/e"
    status_is "$cmd on a missing database" 2 $?
    has "$cmd on a missing database" "$T/e" "typo.db: no such database"
done
if ls "$T" | grep -q typo; then bad "a read-only command created files: $(ls "$T")"; else ok; fi

# ---- item 8: read-only commands on an existing database ----
"$GEN" --out "$T/exports" --end 2026-10 --months 1 --scale 0.01 --seed 5 --quiet || die "hospgen"
mkdir "$T/dbdir"
db=$T/dbdir/hr.db
"$HR" ingest -q --in "$T/exports/2026-10" --period 2026-10 --db "$db" || bad "ingest"
"$HR" compute -q --period 2026-10 --db "$db" || bad "compute"
rm -f "$db.lock"
# the database file, its size, time and checksum (SQLite's own -wal and -shm
# companions may appear beside it: a read-only connection opens them)
snap() { (cd "$T/dbdir" && ls -l --time-style=+%s.%N hr.db && sha256sum hr.db && ls | grep -v -- '-wal$\|-shm$'); }
snap >"$T/before"
readers() { # the folder holding the database; the three commands must work there
    "$HR" status --db "$1/hr.db" >"$T/status" 2>"$T/e" || { bad "status: $(cat "$T/e")"; }
    has "status" "$T/status" "^2026-10"
    "$HR" due --today 2026-11-05 --db "$1/hr.db" >"$T/due" 2>"$T/e" || { bad "due: $(cat "$T/e")"; }
    has "due" "$T/due" "^monthly *2026-10"
    "$HR" export --period 2026-10 --db "$1/hr.db" >"$T/export" 2>"$T/e" || { bad "export: $(cat "$T/e")"; }
    has "export" "$T/export" "^2026-10,hospital,outpatient_visits,"
}
readers "$T/dbdir"
snap >"$T/after"
if cmp -s "$T/before" "$T/after"; then ok; else bad "read-only commands changed the database folder"; diff "$T/before" "$T/after"; fi

# on a read-only mount (needs a mount namespace: root or user namespaces)
if unshare -m sh -c "mount --bind -o ro '$T/dbdir' '$T/dbdir'" 2>/dev/null; then
    cat >"$T/ro.sh" <<EOS
mount --bind -o ro '$T/dbdir' '$T/dbdir' || exit 9
touch '$T/dbdir/probe' 2>/dev/null && exit 8
for c in "status" "due --today 2026-11-05" "export --period 2026-10"; do
    '$HR' \$c --db '$T/dbdir/hr.db' >'$T/ro.out' 2>'$T/ro.err' || { echo "\$c: \$(cat '$T/ro.err')"; exit 1; }
    [ -s '$T/ro.out' ] || { echo "\$c printed nothing"; exit 1; }
done
EOS
    unshare -m sh "$T/ro.sh" >"$T/ro.log" 2>&1
    rc=$?
    [ $rc -eq 0 ] && ok || { bad "read-only mount (exit $rc)"; cat "$T/ro.log"; }
else
    echo "(no mount namespace here: the read-only mount case is skipped)"
fi

summary
