#!/bin/sh
# Regenerates common-passwords.txt.gz from Debian's python3-django package (see README.md).
# Run on a Debian 12 machine: sh gen-common-passwords.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
apt-get download python3-django
dpkg-deb -x python3-django_*.deb root
src=root/usr/lib/python3/dist-packages/django/contrib/auth/common-passwords.txt.gz
# Normalise: lower-case, trim, drop blanks, sort, dedupe; deterministic gzip (-n: no name/time).
zcat "$src" | tr -d '\r' | tr 'A-Z' 'a-z' | sed 's/^[[:space:]]*//;s/[[:space:]]*$//' | grep -v '^$' | LC_ALL=C sort -u | gzip -9n > "$here/common-passwords.txt.gz"
echo "$(zcat "$here/common-passwords.txt.gz" | wc -l) passwords from $(ls python3-django_*.deb)"
