#!/bin/sh
# The systemd units of docs/systemd/ (issue 16): they parse (systemd-analyze
# verify, when this machine has it), the monthly timer catches up missed
# runs (Persistent=true) on the days config/sources.xml's <schedule> lists,
# every service alerts on failure (OnFailure=), and they run the commands
# and options this hospreport has.
set -u
. "$(dirname "$0")/lib.sh"
U=docs/systemd
grep -qx 'Persistent=true' $U/hospreport-monthly.timer && ok || bad "monthly timer without Persistent=true"
grep -qx 'Persistent=true' $U/hospreport-due.timer && ok || bad "due timer without Persistent=true"
for s in $U/hospreport-monthly.service $U/hospreport-due.service; do
    grep -q '^OnFailure=hospreport-alert@%n.service$' "$s" && ok || bad "$s: no OnFailure="
done
# the timer's days are the schedule's
days=$(sed -n 's/.*<schedule days="\([^"]*\)".*/\1/p' config/sources.xml)
cal=$(sed -n 's/^OnCalendar=\*-\*-\([0-9,]*\) .*/\1/p' $U/hospreport-monthly.timer | tr , ' ' | sed 's/\b0//g')
[ -n "$days" ] && [ "$days" = "$cal" ] && ok || bad "timer days '$cal', schedule days '$days'"
# the commands exist with these options (--help of each names them)
"$HR" run --help | grep -q -- '--scheduled' && "$HR" run --help | grep -q -- '--deliver' && ok || bad "run lacks --scheduled/--deliver"
"$HR" due --help | grep -q -- '^  -q ' && ok || bad "due lacks -q"
if command -v systemd-analyze >/dev/null 2>&1; then
    cp $U/*.service $U/*.timer "$T/"
    sed -i 's|/usr/local/bin/hospreport|/bin/true|; s|/usr/sbin/sendmail|/bin/true|' "$T"/*.service
    if systemd-analyze verify "$T"/*.timer "$T"/*.service >"$T/verify" 2>&1 && [ ! -s "$T/verify" ]; then ok
    else bad "systemd-analyze verify"; cat "$T/verify"; fi
fi
summary
