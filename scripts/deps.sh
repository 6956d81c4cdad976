#!/bin/sh
# Installs, on Debian 12, exactly the Debian packages that hospreport's build,
# tests, demo and fonts need -- and only those that are missing.
# Run by the Makefile before it builds; safe to run by hand (as root).
set -eu

PACKAGES="build-essential pkg-config libxml2-dev libxml2-utils libhpdf-dev \
libsqlite3-dev sqlite3 gettext libcmocka-dev libharfbuzz-dev libssl-dev \
fonts-wqy-zenhei fonts-wqy-microhei poppler-utils qpdf time \
libxlsxwriter-dev python3-openpyxl"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "hospreport: installing missing Debian packages:$missing" >&2
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "hospreport: need root to install:$missing" >&2; exit 1
    fi
else SUDO=""; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
