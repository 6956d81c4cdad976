#!/bin/sh
# Runs every test binary given, then every end-to-end script in tests/e2e/ (not
# lib.sh, which they share),
# and closes with one line `N passed, N failed`. Exit status 1 if any failed.
set -u
BUILD=${BUILD:-build}
passed=0 failed=0 failures=""
for t in "$@"; do
    echo "== $t"
    if "$t"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures="$failures $t"; fi
done
for t in tests/e2e/*.sh samples/test_*.sh; do
    [ -f "$t" ] && [ "${t##*/}" != lib.sh ] || continue
    echo "== $t"
    if BUILD="$BUILD" sh "$t" "$BUILD/hospgen"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures="$failures $t"; fi
done
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
