#!/bin/sh
# Installs the locked front-end packages (package-lock.json) and copies the files the
# pages load into internal/static/assets/vendor, which go:embed then puts in the binary.
# Neither node_modules nor the copies are committed. Run by `go generate ./...`,
# `make -C services/web assets` and the Dockerfile's node stage.
set -eu
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
out=internal/static/assets/vendor
mkdir -p "$out"
# Strip the source-map comment: the maps are not shipped.
sed '/^\/\/# sourceMappingURL=/d' node_modules/htmx.org/dist/htmx.min.js > "$out/htmx.min.js"
sed '/^\/\/# sourceMappingURL=/d' node_modules/chart.js/dist/chart.umd.min.js > "$out/chart.umd.min.js"
