#!/usr/bin/env bash
# Installs what is missing, renders sample clinic photos (a schedule on a
# screen, a chart, a face, a harmless poster, a rotated photo with GPS) and
# audits them into demo-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test # the samples use the face photo the test set-up unpacks
go build -o bin/photoaudit ./cmd/photoaudit
go run ./internal/fixture/genfixtures -out testdata/generated
bin/photoaudit scan testdata/generated --out demo-out --fail-on never
echo "demo: open demo-out/report.html; safe copies are in demo-out/safe/"
